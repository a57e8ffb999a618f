//! The in-place writer's cheap read-back check: proves that an edited body
//! means the tree's value without reading all of it again. It only answers
//! "proven" or "not proven" (then `finish` re-reads the whole body); it
//! must never answer "proven" for a text the readers would read otherwise.
//!
//! Why checking only part of the text is sound. It is used only when the
//! fast reader (`yaml/fast.rs`) read the original document, so that
//! document is in the fast reader's dialect, and that reader is local: a
//! block mapping at column `c` is read entry by entry, an entry being its
//! key line and every following line up to the next content line at or
//! left of `c` (a `- ` item at `c` still belongs to the key above it), and
//! an entry's value depends on nothing but those lines and how deep the
//! mapping sits. So the edited body means the tree's value when, mapping by
//! mapping from the root: the keys are the tree's keys, each once; every
//! entry no operation reached is byte for byte the original's entry under
//! the same key (the original read it as the original value there, and no
//! operation changed the tree there); and every other entry either is a
//! block mapping in both texts, checked the same way one level down, or
//! reads on its own (the fast reader, at its depth) as the tree's value.
//! Entries are compared with the original's by text and key, never by
//! position, so no bookkeeping of where the splices went is trusted.

use super::index::{Index, Lines};
use crate::yaml::fast;
use serde_json::{Map, Value};

/// One entry of a block mapping: its key and its lines `line..end`.
struct Entry {
    key: String,
    line: usize,
    end: usize,
}

/// The entries of the block mapping whose lines are `from..to`, at the
/// column of its first content line; `None` when it is not one the check
/// reads (a sequence, odd indentation, a key the fast reader declines).
fn entries(l: &Lines<'_>, from: usize, to: usize) -> Option<(usize, Vec<Entry>)> {
    let first = l.next_content(from, to)?;
    let col = l.indent(first);
    let mut out: Vec<Entry> = Vec::new();
    let mut j = first;
    while j < to {
        if l.indent(j) != col {
            return None;
        }
        let t = &l.line(j)[col..];
        if t == "-" || t.starts_with("- ") {
            // A sequence at its key's column belongs to that key.
            out.last()?;
        } else {
            if let Some(e) = out.last_mut() {
                e.end = j;
            }
            out.push(Entry {
                key: fast::entry_key(t)?,
                line: j,
                end: to,
            });
        }
        j = l.next_at_or_below(j + 1, to, col).unwrap_or(to);
    }
    Some((col, out))
}

/// The bytes of lines `line..end`.
fn text<'t>(l: &Lines<'t>, line: usize, end: usize) -> &'t str {
    &l.text[l.start(line)..l.start(end)]
}

/// The entry's value is a block mapping: nothing after the colon but a
/// comment, and the next content line deeper and no `- ` item.
fn nested_mapping(l: &Lines<'_>, e: &Entry, col: usize) -> bool {
    let line = l.line(e.line);
    let Some(colon) = line[col..].find(':') else {
        return false;
    };
    // Only plain keys: a quoted key may hold a colon.
    let key_line = &line[col..];
    if key_line.starts_with(['"', '\'']) || key_line[..colon].trim_end() != e.key {
        return false;
    }
    let rest = key_line[colon + 1..].trim_start_matches(' ');
    if !(rest.is_empty() || rest.starts_with('#')) {
        return false;
    }
    match l.next_content(e.line + 1, e.end) {
        Some(j) => {
            l.indent(j) > col
                && !matches!(&l.line(j)[l.indent(j)..], t if t == "-" || t.starts_with("- "))
        }
        None => false,
    }
}

/// Whether `edited` (its index `ei`) provably means `value`, given that the
/// fast reader read `original` and `touched` are the token paths of every
/// operation made.
pub(super) fn proven(
    (original, oi): (&str, &Index),
    (edited, ei): (&str, &Index),
    value: &Value,
    touched: &[Vec<String>],
) -> bool {
    let (o, e) = (Lines::new(original, oi), Lines::new(edited, ei));
    let (Some(of), Some(ef)) = (o.next_content(0, o.len()), e.next_content(0, e.len())) else {
        return false;
    };
    // What precedes the root (comments, blank lines) is the original's.
    if o.text[..o.start(of)] != e.text[..e.start(ef)] {
        return false;
    }
    let paths: Vec<&[String]> = touched.iter().map(Vec::as_slice).collect();
    let Value::Object(map) = value else {
        return false;
    };
    mapping(&o, (of, o.len()), &e, (ef, e.len()), map, &paths, 0)
}

fn mapping(
    o: &Lines<'_>,
    (ofrom, oto): (usize, usize),
    e: &Lines<'_>,
    (efrom, eto): (usize, usize),
    map: &Map<String, Value>,
    touched: &[&[String]],
    depth: usize,
) -> bool {
    let (Some((ocol, olds)), Some((ecol, news))) = (entries(o, ofrom, oto), entries(e, efrom, eto))
    else {
        return false;
    };
    // The tree's value under each key (one lookup each), all keys present.
    let Some(wants) = news
        .iter()
        .map(|n| map.get(&n.key))
        .collect::<Option<Vec<&Value>>>()
        .filter(|w| w.len() == map.len())
    else {
        return false;
    };
    let mut keys: Vec<&str> = news.iter().map(|n| n.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    // The keys operations reached here: few, however many operations.
    let mut firsts: Vec<&str> = touched
        .iter()
        .filter_map(|p| p.first())
        .map(String::as_str)
        .collect();
    firsts.sort_unstable();
    firsts.dedup();
    // Where the original's entries sit relative to the edited ones (an
    // added or removed entry shifts the rest by one).
    let mut off = 0isize;
    news.iter().zip(wants).enumerate().all(|(i, (n, want))| {
        let below: Vec<&[String]> = match firsts.binary_search(&n.key.as_str()) {
            // Most entries: no operation reached them, nothing to collect.
            Err(_) => Vec::new(),
            Ok(_) => touched
                .iter()
                .filter(|p| p.first() == Some(&n.key))
                .map(|p| &p[1..])
                .collect(),
        };
        // The original's entry under the same key, most often at the same place.
        let old = match olds
            .get(i.wrapping_add_signed(off))
            .filter(|x| x.key == n.key)
        {
            Some(x) => Some(x),
            None => olds.iter().position(|x| x.key == n.key).map(|j| {
                off = j as isize - i as isize;
                &olds[j]
            }),
        };
        if let Some(old) = old {
            let same = text(o, old.line, old.end) == text(e, n.line, n.end);
            if below.is_empty() && same {
                return true;
            }
            if !below.is_empty()
                && below.iter().all(|p| !p.is_empty())
                && let Value::Object(inner) = want
                && nested_mapping(o, old, ocol)
                && nested_mapping(e, n, ecol)
                && let (Some(oc), Some(ec)) = (
                    o.next_content(old.line + 1, old.end),
                    e.next_content(n.line + 1, n.end),
                )
                // The key line and any comments before the first nested
                // entry are the original's, so all that is read anew is
                // inside the nested entries.
                && text(o, old.line, oc) == text(e, n.line, ec)
            {
                return mapping(o, (oc, old.end), e, (ec, n.end), inner, &below, depth + 1);
            }
        }
        // Read on its own, as the fast reader reads it in place.
        match fast::parse_at(text(e, n.line, n.end), depth) {
            Some(Value::Object(m)) => m.len() == 1 && m.get(&n.key) == Some(want),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str =
        "# c\nkind: K\nmetadata:\n  name: a # n\nspec:\n  x:\n    q: 1\n  z:\n  - 2\n";

    fn check(edited: &str, value: &str, touched: &[&[&str]]) -> bool {
        let value = crate::yaml::parse(value).unwrap();
        let touched: Vec<Vec<String>> = touched
            .iter()
            .map(|p| p.iter().map(|t| t.to_string()).collect())
            .collect();
        let (oi, ei) = (Index::new(ORIGINAL), Index::new(edited));
        proven((ORIGINAL, &oi), (edited, &ei), &value, &touched)
    }

    #[test]
    fn an_edit_the_tree_made_is_proven() {
        let edited = ORIGINAL.replace("q: 1", "q: 3");
        let value = "kind: K\nmetadata: {name: a}\nspec: {x: {q: 3}, z: [2]}";
        assert!(check(&edited, value, &[&["spec", "x", "q"]]));
        let added = ORIGINAL.replace("    q: 1\n", "    q: 1\n    w: v\n");
        let value = "kind: K\nmetadata: {name: a}\nspec: {x: {q: 1, w: v}, z: [2]}";
        assert!(check(&added, value, &[&["spec", "x", "w"]]));
    }

    #[test]
    fn text_the_operations_did_not_reach_must_be_the_original() {
        // The tree changed spec.x.y; the text changed metadata instead.
        let edited = ORIGINAL.replace("name: a", "name: b");
        let value = "kind: K\nmetadata: {name: a}\nspec: {x: {q: 3}, z: [2]}";
        assert!(!check(&edited, value, &[&["spec", "x", "q"]]));
        // A sibling of the edited node changed in the text only.
        let edited = ORIGINAL.replace("q: 1", "q: 3").replace("- 2", "- 5");
        assert!(!check(&edited, value, &[&["spec", "x", "q"]]));
    }

    #[test]
    fn duplicated_or_missing_keys_are_not_proven() {
        let edited = ORIGINAL.replace("    q: 1\n", "    q: 1\n    q: 1\n");
        let value = "kind: K\nmetadata: {name: a}\nspec: {x: {q: 1}, z: [2]}";
        assert!(!check(&edited, value, &[&["spec", "x", "q"]]));
        let edited = ORIGINAL.replace("kind: K\n", "kind: K\nkind: K\n");
        assert!(!check(&edited, value, &[&["kind"]]));
        let edited = ORIGINAL.replace("    q: 1\n", "    q: 1\n    w: v\n");
        assert!(!check(&edited, value, &[&["spec", "x", "w"]]));
    }

    #[test]
    fn an_edit_that_reads_otherwise_is_not_proven() {
        // `on` is a boolean to a YAML 1.1 reader, not the string the tree holds.
        let edited = ORIGINAL.replace("q: 1", "q: on");
        let value = "kind: K\nmetadata: {name: a}\nspec: {x: {q: \"on\"}, z: [2]}";
        assert!(!check(&edited, value, &[&["spec", "x", "q"]]));
        let quoted = ORIGINAL.replace("q: 1", "q: \"on\"");
        assert!(check(&quoted, value, &[&["spec", "x", "q"]]));
    }
}
