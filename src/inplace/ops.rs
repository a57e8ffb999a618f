//! The in-place writer's operations on text: find the node a JSON pointer
//! names, and the splice that replaces, adds or removes it in the style of
//! its surroundings. An operation that lands on or inside a flow collection
//! is made by `flow`, which writes that collection again. Refuses (a
//! `Reason`) what it cannot do safely.

use super::Reason;
use super::flow::{self, Change};
use super::layout::{self, Style};
use super::memo::{Memo, Step};
use super::text::{Lines, Node, Shape};
use serde_json::{Map, Value};

/// Bytes of the text to replace, and what with.
pub(super) type Splice = (std::ops::Range<usize>, String);

/// Whether writing `v` may lay out a block sequence (which needs the
/// nearest sequence's style, a search `locate` skips otherwise).
pub(super) fn has_list(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => m.values().any(has_list),
        _ => false,
    }
}

/// The node at `tokens`, the style seen on the way to it, and how many
/// tokens it is down: all of them, or fewer when the path goes into a flow
/// collection, which is then the node. `lists`: the style of sequences is
/// wanted too.
pub(super) fn locate(
    lines: &Lines<'_>,
    tokens: &[String],
    lists: bool,
    memo: &mut Memo,
) -> Result<(Node, Style, usize), Reason> {
    // Start from the deepest entry the last operation's path shares.
    let known = memo.resume(tokens);
    let from = known.len();
    let (mut node, mut st, mut seq_seen) = match known.last() {
        Some(s) => (s.node, s.st, s.seq_seen),
        None => (lines.root()?, Style::default(), false),
    };
    let mut recording = true;
    for (depth, tok) in tokens.iter().enumerate().skip(from) {
        node = match lines.shape(&node)? {
            Shape::Map { col, first } => {
                if let Some(p) = node.parent {
                    if node.in_map {
                        st.step = col - p;
                    } else {
                        st.item = col - p;
                    }
                }
                let e = lines
                    .find_entry(col, first, node.end, tok)?
                    .ok_or("a key the text does not have")?;
                Node {
                    line: e.line,
                    col: e.after,
                    parent: Some(col),
                    end: e.end,
                    in_map: true,
                }
            }
            Shape::Seq { col, first } => {
                recording = false;
                if let Some(p) = node.parent {
                    st.seq = col - p;
                    seq_seen = true;
                }
                let items = lines.items(col, first, node.end)?;
                let i: usize = tok.parse().map_err(|_| "a list index that is no number")?;
                let it = items.get(i).ok_or("a list index the text does not have")?;
                Node {
                    line: it.line,
                    col: col + 1,
                    parent: Some(col),
                    end: it.end,
                    in_map: false,
                }
            }
            Shape::Flow(_) => return Ok((node, st, depth)),
            _ => return Err("a scalar on the edited path"),
        };
        if recording {
            memo.record(Step {
                token: tok.clone(),
                node,
                st,
                seq_seen,
            });
        }
    }
    if lists
        && !seq_seen
        && let Some(off) = lines.nearest_seq_offset(node.line)
    {
        st.seq = off;
    }
    Ok((node, st, tokens.len()))
}

/// Replace the node at `tokens` with `v`.
pub(super) fn replace(
    lines: &Lines<'_>,
    tokens: &[String],
    v: &Value,
    memo: &mut Memo,
) -> Result<Splice, Reason> {
    let (node, st, depth) = locate(lines, tokens, has_list(v), memo)?;
    if let Shape::Flow(span) = lines.shape(&node)?
        && (depth < tokens.len() || v.is_array() || v.is_object())
    {
        return flow::edit(lines, &node, span, &tokens[depth..], Change::Replace(v));
    }
    write_value(lines, &node, v, &st)
}

/// Replace the value of `node` with `v`.
pub(super) fn write_value(
    lines: &Lines<'_>,
    node: &Node,
    v: &Value,
    st: &Style,
) -> Result<Splice, Reason> {
    let parent = node.parent.ok_or("replacing the whole document")?;
    let shape = lines.shape(node)?;
    let scalar = !matches!(v, Value::Object(m) if !m.is_empty())
        && !matches!(v, Value::Array(a) if !a.is_empty());
    // A flow collection replaced by a scalar is a block scalar now.
    let own = match shape {
        Shape::Scalar { start, end } => Some((start, end)),
        Shape::Flow(span) => Some((span.open, span.close)),
        _ => None,
    };
    if let (Some((start, end)), true) = (own, scalar) {
        // Only the scalar's own text: a comment or spaces after it stay.
        let mut s = String::new();
        crate::yaml::emit_scalar(&mut s, v, parent);
        s.pop();
        if !s.contains('\n') {
            return Ok((start..end, s));
        }
    }
    let from = lines.start(node.line) + node.col;
    let to = lines.start(node.end);
    let mut s = String::new();
    if node.in_map {
        layout::entry_value(&mut s, v, parent, st);
    } else {
        layout::item_value(&mut s, v, parent, st);
    }
    Ok((from..to, s))
}

/// Add `v` as key (or list position) `last` of the node at `parent`.
pub(super) fn add(
    lines: &Lines<'_>,
    parent: &[String],
    last: &str,
    v: &Value,
    memo: &mut Memo,
) -> Result<Splice, Reason> {
    let lists = has_list(v) || last == "-" || last.parse::<usize>().is_ok();
    let (node, mut st, depth) = locate(lines, parent, lists, memo)?;
    match lines.shape(&node)? {
        Shape::Flow(span) => {
            let inside = inner(&parent[depth..], last);
            flow::edit(lines, &node, span, &inside, Change::Add(v))
        }
        Shape::Map { col, first } => {
            let entries = lines.entries(col, first, node.end)?;
            if entries.iter().any(|e| e.key == last) {
                return Err("adding a key the text already has");
            }
            if let (Some(p), true) = (node.parent, node.in_map) {
                st.step = col - p;
            }
            let at = lines.start(entries.last().ok_or("an empty mapping")?.end);
            let mut s = String::new();
            layout::entry(&mut s, last, v, col, &st);
            Ok((at..at, s))
        }
        Shape::Seq { col, first } => {
            let items = lines.items(col, first, node.end)?;
            if let Some(k) = items.first().and_then(|it| lines.item_key_col(col, it)) {
                st.item = k - col;
            }
            let at = match last {
                "-" => items.len(),
                n => n.parse().map_err(|_| "a list index that is no number")?,
            };
            let line = match at.cmp(&items.len()) {
                std::cmp::Ordering::Less => items[at].line,
                std::cmp::Ordering::Equal => items.last().ok_or("an empty list")?.end,
                std::cmp::Ordering::Greater => return Err("a list index past the end"),
            };
            let at = lines.start(line);
            let mut s = String::new();
            layout::item(&mut s, v, col, &st);
            Ok((at..at, s))
        }
        Shape::Empty(b'{') => {
            let m = Map::from_iter([(last.to_string(), v.clone())]);
            write_value(lines, &node, &Value::Object(m), &st)
        }
        Shape::Empty(_) if last == "-" || last == "0" => {
            write_value(lines, &node, &Value::Array(vec![v.clone()]), &st)
        }
        _ => Err("adding into a scalar or null"),
    }
}

/// Remove key (or list position) `last` of the node at `parent`.
pub(super) fn remove(
    lines: &Lines<'_>,
    parent: &[String],
    last: &str,
    memo: &mut Memo,
) -> Result<Splice, Reason> {
    // Only `{}` or `[]` is ever written here: no sequence is laid out.
    let (node, st, depth) = locate(lines, parent, false, memo)?;
    let (line, end, only, first) = match lines.shape(&node)? {
        Shape::Flow(span) => {
            let inside = inner(&parent[depth..], last);
            return flow::edit(lines, &node, span, &inside, Change::Remove);
        }
        Shape::Map { col, first } => {
            let entries = lines.entries(col, first, node.end)?;
            let mut hits = entries.iter().filter(|e| e.key == last);
            let e = hits.next().ok_or("removing a key the text does not have")?;
            if hits.next().is_some() {
                return Err("removing a duplicated key");
            }
            (e.line, e.end, entries.len() == 1, e.line == node.line)
        }
        Shape::Seq { col, first } => {
            let items = lines.items(col, first, node.end)?;
            let i: usize = last.parse().map_err(|_| "a list index that is no number")?;
            let it = items.get(i).ok_or("a list index the text does not have")?;
            (it.line, it.end, items.len() == 1, false)
        }
        _ => return Err("removing from a scalar or null"),
    };
    if only {
        // The last entry or item goes: the node becomes `{}` or `[]`.
        let empty = match lines.shape(&node)? {
            Shape::Map { .. } => Value::Object(Map::new()),
            _ => Value::Array(Vec::new()),
        };
        return write_value(lines, &node, &empty, &st);
    }
    if first && node.parent.is_some() {
        return Err("removing the first key of a list item");
    }
    Ok((lines.start(line)..lines.start(end), String::new()))
}

/// The tokens of `last` under `parent`, both inside a flow node.
fn inner(parent: &[String], last: &str) -> Vec<String> {
    let mut t = parent.to_vec();
    t.push(last.to_string());
    t
}
