//! Flow collections (`[a, b]`, `{k: v}`) on the edited path (write stage):
//! where one starts and ends in the text, and the operation that lands on
//! or inside it made by writing that one node again, in flow style, from
//! its edited value. It reads and writes only the flow node's own bytes
//! (from its opening bracket to its closing one, over one or several
//! lines): what comes before it on its key line and after it on its last
//! line (a comment) stays, and so does every other line.
//!
//! Flow style is kept rather than the node turned into block YAML, so a
//! one-line `processors: [batch]` stays one line
//! (`[batch, resource/k8sclustername]`) and a flow written one entry per
//! line keeps one entry per line, at its entries' column, with its closing
//! bracket where it was (at its key's column too: `text` counts such a
//! bracket line as the entry's). Comments inside the node are not kept.
//! Scalars and keys are written by `layout::flow`. An empty `[]` or `{}`
//! that gains content is not written here: it becomes block YAML
//! (`ops::add`), as a render writes lists and mappings. Anchors, aliases
//! and tags inside the node are a `Reason` (the document is written from its
//! tree); so is a node whose text the scan below does not close on the
//! node's lines, or that the reader does not read on its own.

use super::Reason;
use super::layout::{Spread, flow};
use super::text::{Lines, Node, Shape};
use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::Value;

/// A flow collection in the text: the bytes `open..close`, brackets
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub open: usize,
    pub close: usize,
}

/// The shape of the node `n` whose value text starts with a bracket at
/// byte `open`: `Empty` for a collection with nothing inside, else `Flow`.
pub(super) fn shape(lines: &Lines<'_>, open: usize, n: &Node) -> Result<Shape, Reason> {
    let limit = lines.start(n.end);
    let (close, empty) = scan(lines.text, open, limit)?;
    let rest = &lines.text[close..];
    let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let after = rest.trim_start_matches([' ', '\t']);
    if !(after.is_empty() || (after.starts_with('#') && after.len() < rest.len())) {
        return Err("text after a flow collection");
    }
    if close + rest.len() + 1 != limit {
        return Err("content after a flow collection");
    }
    let bracket = lines.text.as_bytes()[open];
    Ok(match empty {
        true => Shape::Empty(bracket),
        false => Shape::Flow(Span { open, close }),
    })
}

/// Where the flow collection opening at `open` closes (the byte after its
/// bracket), before `limit`, and whether it holds nothing.
fn scan(text: &str, open: usize, limit: usize) -> Result<(usize, bool), Reason> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut empty = true;
    // The last byte that was no blank: a quote or indicator after one of
    // `[{,:?` starts a node, elsewhere it is part of a plain scalar.
    let mut prev = b'[';
    let mut i = open;
    while i < limit {
        let c = b[i];
        let starts = matches!(prev, b'[' | b'{' | b',' | b':' | b'?');
        match c {
            b' ' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' if i > open && matches!(b[i - 1], b' ' | b'\t' | b'\n') => {
                i += text[i..limit].find('\n').unwrap_or(limit - i);
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((i + 1, empty));
                }
            }
            b'"' | b'\'' if starts => {
                i = quoted_end(b, i, limit).ok_or("an unclosed quoted scalar in a flow")?;
                prev = c;
                empty = false;
                continue;
            }
            b'&' | b'*' | b'!' if starts => return Err("anchor, alias or tag on the edited path"),
            _ => {}
        }
        if i > open {
            empty = false;
        }
        prev = c;
        i += 1;
    }
    Err("a flow collection not closed on its node's lines")
}

/// The byte after the quoted scalar opening at `i`, if it closes before `limit`.
fn quoted_end(b: &[u8], i: usize, limit: usize) -> Option<usize> {
    let q = b[i];
    let mut j = i + 1;
    while j < limit {
        match b[j] {
            b'\\' if q == b'"' => j += 2,
            c if c == q && q == b'\'' && b.get(j + 1) == Some(&b'\'') => j += 2,
            c if c == q => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// What an operation does at the path it names inside a flow node.
pub(super) enum Change<'v> {
    Replace(&'v Value),
    Add(&'v Value),
    Remove,
}

/// The splice that makes `change` at `inside` (tokens below the flow node
/// `node`, whose text is `span`): the node written again with its new value.
pub(super) fn edit(
    lines: &Lines<'_>,
    node: &Node,
    span: Span,
    inside: &[String],
    change: Change<'_>,
) -> Result<(std::ops::Range<usize>, String), Reason> {
    let v = match (inside.is_empty(), change) {
        (true, Change::Replace(v)) => v.clone(),
        (_, change) => changed(&lines.text[span.open..span.close], inside, change)?,
    };
    rewrite(lines, node, span, &v)
}

/// The value of the flow text `old` with `change` made at `inside`.
fn changed(old: &str, inside: &[String], change: Change<'_>) -> Result<Value, Reason> {
    let mut v = crate::yaml::parse(old).map_err(|_| "a flow collection the reader declines")?;
    let path = PointerBuf::from_tokens(inside);
    let op = match change {
        Change::Replace(value) => PatchOperation::Replace(ReplaceOperation {
            path,
            value: value.clone(),
        }),
        Change::Add(value) => PatchOperation::Add(AddOperation {
            path,
            value: value.clone(),
        }),
        Change::Remove => PatchOperation::Remove(RemoveOperation { path }),
    };
    json_patch::patch(&mut v, &[op]).map_err(|_| "an operation the flow node does not take")?;
    Ok(v)
}

/// Write the flow node `span` again as `v`.
fn rewrite(
    lines: &Lines<'_>,
    node: &Node,
    span: Span,
    v: &Value,
) -> Result<(std::ops::Range<usize>, String), Reason> {
    let mut out = String::new();
    flow(&mut out, v, layout(lines, node, span))?;
    Ok((span.open..span.close, out))
}

/// How the flow node `span` spreads over lines, to write it again alike.
fn layout(lines: &Lines<'_>, node: &Node, span: Span) -> Option<Spread> {
    let text = &lines.text[span.open..span.close];
    let (first, rest) = text.split_once('\n')?;
    let parent = node.parent.unwrap_or(0);
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let last = rest.rsplit('\n').next().unwrap_or(rest);
    let close = (last.trim_start_matches(' ').len() == 1).then(|| indent(last));
    let holds = |l: &str| {
        let t = l.trim_start_matches([' ', '\t']);
        !t.is_empty() && !t.starts_with('#') && !matches!(t, "]" | "}")
    };
    // The entries' column: that of the first line holding one.
    let col = rest
        .split('\n')
        .find(|l| holds(l))
        .map_or(close.unwrap_or(parent) + 2, indent);
    Some(Spread {
        inline: holds(&first[1..]),
        col: col.max(parent + 1),
        close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_to_the_closing_bracket() {
        let s = |t: &str| scan(t, 0, t.len());
        assert_eq!(s("[a, b] # c\n"), Ok((6, false)));
        assert_eq!(s("[ ]\n"), Ok((3, true)));
        assert_eq!(s("{a: \"]\", b: 'it''s}'} x"), Ok((21, false)));
        assert_eq!(s("[it's, b]"), Ok((9, false)));
        assert_eq!(s("[a, # ]\n  b]\n"), Ok((12, false)));
        assert_eq!(s("[\n  # only\n]\n"), Ok((12, true)));
        assert!(s("[a, *x]").is_err());
        assert!(s("[a, &x b]").is_err());
        assert!(s("{a: !!str b}").is_err());
        assert!(s("[a, b\n").is_err());
    }
}
