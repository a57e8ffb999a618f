//! The block structure of a document body, read just deep enough to find
//! one node: its lines, where its value text starts, and where it ends.
//!
//! Reads the block YAML Helm renders (mappings, sequences with `- ` level
//! with their key or indented, compact `- key:` entries, scalars on one line
//! or continued on deeper lines); a flow collection is a node whose extent
//! `flow` finds, and whose inside it edits. Anything else on the way to a
//! node (anchors, aliases, tags, merge or complex keys, odd indentation) is
//! a `Reason` to write the document from its tree instead.
//! A node's extent is its own lines: comment and blank lines after its last
//! content line belong to whatever follows, except lines of a block
//! scalar's text that only look like comments (a v1alpha1 config string
//! ending in `# ...`), which are its own.

use super::Reason;
pub(super) use super::index::Lines;
pub(super) use super::keys::{scalar_len, split_key};

pub(super) fn spaces(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ').count()
}

/// A sequence entry: `- ...` or a lone `-`.
pub(super) fn is_item(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

/// The closing bracket of a flow collection over several lines, at its
/// key's (or dash's) column (`key: [` ... `]`): it belongs to the entry or
/// item above it, for no key or item starts with one.
pub(super) fn closes_flow(s: &str) -> bool {
    s.starts_with([']', '}'])
}

/// A value's place in the text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    /// The line of its key or dash (the root: its first content line).
    pub line: usize,
    /// Byte column where its value text starts: right after `key:` or `-`.
    pub col: usize,
    /// Column of its key or dash; `None` for the document's root.
    pub parent: Option<usize>,
    /// The line after its last content line.
    pub end: usize,
    /// The value of a mapping entry (else a sequence item).
    pub in_map: bool,
}

/// What a node's value looks like in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Nothing after the colon or dash, and nothing deeper.
    Null,
    /// A scalar on one line, at these byte offsets of the text.
    Scalar { start: usize, end: usize },
    /// A scalar over several lines (block or continued).
    Multi,
    /// `[]` or `{}` (blanks or comments inside).
    Empty(u8),
    /// A flow collection with content, over one line or several.
    Flow(super::flow::Span),
    /// Block mapping whose keys sit at `col`, the first on line `first`.
    Map { col: usize, first: usize },
    /// Block sequence whose dashes sit at `col`, the first on line `first`.
    Seq { col: usize, first: usize },
}

/// One entry of a block mapping.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub key: String,
    pub line: usize,
    /// Byte column right after the key's colon.
    pub after: usize,
    pub end: usize,
}

/// One item of a block sequence.
#[derive(Debug, Clone, Copy)]
pub(super) struct Item {
    pub line: usize,
    pub end: usize,
}

impl Lines<'_> {
    /// The document's root node.
    pub fn root(&self) -> Result<Node, Reason> {
        let first = self.next_content(0, self.len()).ok_or("empty document")?;
        let last = self.last_content(first, self.len());
        Ok(Node {
            line: first,
            col: 0,
            parent: None,
            end: last + 1,
            in_map: true,
        })
    }

    pub fn shape(&self, n: &Node) -> Result<Shape, Reason> {
        let Some(parent) = n.parent else {
            let i = self.indent(n.line);
            return Ok(if is_item(&self.line(n.line)[i..]) {
                Shape::Seq {
                    col: i,
                    first: n.line,
                }
            } else {
                Shape::Map {
                    col: i,
                    first: n.line,
                }
            });
        };
        let line = self.line(n.line);
        let rest = &line[n.col..];
        // A tab after the colon or before a comment is a blank to go-yaml.
        let t = rest.trim_start_matches([' ', '\t']);
        let at = n.col + (rest.len() - t.len());
        if t.is_empty() || t.starts_with('#') {
            let Some(j) = self.next_content(n.line + 1, n.end) else {
                return Ok(Shape::Null);
            };
            let i = self.indent(j);
            if is_item(&self.line(j)[i..]) && (i > parent || (i == parent && n.in_map)) {
                return Ok(Shape::Seq { col: i, first: j });
            }
            if i > parent {
                return Ok(Shape::Map { col: i, first: j });
            }
            return Err("odd indentation");
        }
        if !rest.starts_with([' ', '\t']) {
            return Err("no space after a colon or dash");
        }
        match t.as_bytes()[0] {
            b'|' | b'>' => return Ok(Shape::Multi),
            b'&' | b'*' | b'!' => return Err("anchor, alias or tag on the edited path"),
            b'?' | b'%' | b'@' | b'`' => return Err("unusual node on the edited path"),
            b'[' | b'{' => return super::flow::shape(self, self.start(n.line) + at, n),
            b'-' if is_item(t) => return Err("nested sequence on one line"),
            _ => {}
        }
        if !n.in_map && split_key(t)?.is_some() {
            return Ok(Shape::Map {
                col: at,
                first: n.line,
            });
        }
        let len = match scalar_len(t) {
            Some(len) if n.end == n.line + 1 => len,
            _ => return Ok(Shape::Multi),
        };
        let start = self.start(n.line) + at;
        Ok(Shape::Scalar {
            start,
            end: start + len,
        })
    }

    /// The entries of the block mapping at `col` from line `first` to `end`.
    pub fn entries(&self, col: usize, first: usize, end: usize) -> Result<Vec<Entry>, Reason> {
        let mut out: Vec<Entry> = Vec::new();
        let mut j = match self.content(first) {
            true => first,
            false => self.next_content(first, end).unwrap_or(end),
        };
        while j < end {
            let line = self.line(j);
            let indent = if j == first { col } else { self.indent(j) };
            if indent != col {
                return Err("odd indentation");
            }
            if j != first && closes_flow(&line[col..]) {
                out.last().ok_or("odd indentation")?;
            } else if j == first || !is_item(&line[col..]) {
                if let Some(cur) = out.last_mut() {
                    cur.end = self.last_content(cur.line, j) + 1;
                }
                let (key, after) = split_key(&line[col..])?.ok_or("not a mapping entry")?;
                if key == "<<" {
                    return Err("merge key on the edited path");
                }
                out.push(Entry {
                    key,
                    line: j,
                    after: col + after,
                    end: j + 1,
                });
            } else if out.is_empty() {
                return Err("odd indentation");
            }
            j = self.next_at_or_below(j + 1, end, col).unwrap_or(end);
        }
        if let Some(cur) = out.last_mut() {
            cur.end = self.last_content(cur.line, end) + 1;
        }
        Ok(out)
    }

    /// The last entry with `key` of the block mapping at `col` from line
    /// `first` to `end`, without reading the other keys: only lines at the
    /// mapping's column that start with the key (or a quote) are split.
    pub fn find_entry(
        &self,
        col: usize,
        first: usize,
        end: usize,
        key: &str,
    ) -> Result<Option<Entry>, Reason> {
        let mut found: Option<Entry> = None;
        let mut j = first;
        while j < end {
            let line = self.line(j);
            let at_col = j == first || self.indent(j) == col;
            if j != first && self.indent(j) < col {
                return Err("odd indentation");
            }
            let t = line.get(col..).unwrap_or("");
            let skip = !at_col
                || t.is_empty()
                || t.starts_with('#')
                || (j != first && (is_item(t) || closes_flow(t)));
            if !skip {
                if let Some(e) = found.as_mut().filter(|e| e.end == usize::MAX) {
                    e.end = self.last_content(e.line, j) + 1;
                }
                if t.starts_with("<<") {
                    return Err("merge key on the edited path");
                }
                let b = t.as_bytes()[0];
                let maybe = matches!(b, b'"' | b'\'')
                    || (t.starts_with(key)
                        && t[key.len()..]
                            .trim_start_matches([' ', '\t'])
                            .starts_with(':'));
                if maybe
                    && let Some((k, after)) = split_key(t)?
                    && k == key
                {
                    found = Some(Entry {
                        key: k,
                        line: j,
                        after: col + after,
                        end: usize::MAX,
                    });
                }
            }
            j = self.next_at_or_below(j + 1, end, col).unwrap_or(end);
        }
        if let Some(e) = found.as_mut().filter(|e| e.end == usize::MAX) {
            e.end = self.last_content(e.line, end) + 1;
        }
        Ok(found)
    }

    /// The last content line from `from` up to (not including) `to`; when
    /// it is text of a block scalar (`key: |`), the block's last line, which
    /// may look like a comment (`# ...` ending a v1alpha1 config string).
    pub fn last_content(&self, from: usize, to: usize) -> usize {
        let last = (from..to).rev().find(|&j| self.content(j)).unwrap_or(from);
        let blank = |j: usize| self.line(j).bytes().all(|b| b == b' ' || b == b'\t');
        if (last + 1..to).all(blank) {
            return last;
        }
        // The outermost block header above: a less indented line, each one
        // further out than the last, that ends in a block indicator.
        let (mut indent, mut header) = (self.indent(last), None);
        for k in (from..last).rev() {
            if self.content(k) && self.indent(k) < indent {
                indent = self.indent(k);
                if block_header(self.line(k)) {
                    header = Some(k);
                }
            }
        }
        let Some(h) = header else {
            return last;
        };
        let Some(text) = (h + 1..to)
            .find(|&j| !blank(j))
            .map(|j| spaces(self.line(j)))
        else {
            return last;
        };
        (last + 1..to)
            .take_while(|&j| blank(j) || spaces(self.line(j)) >= text)
            .filter(|&j| !blank(j))
            .last()
            .unwrap_or(last)
    }
}

/// The line ends in a block scalar's indicator after `key:` or `-` (`|`,
/// `>-`, `|2`, then maybe a comment).
fn block_header(line: &str) -> bool {
    let t = match line.find(" #") {
        Some(p) => &line[..p],
        None => line,
    };
    let t = t.trim_end_matches([' ', '\t']);
    let tok = t.rsplit([' ', '\t']).next().unwrap_or("");
    let before = t[..t.len() - tok.len()].trim_end_matches([' ', '\t']);
    tok.starts_with(['|', '>'])
        && tok[1..]
            .bytes()
            .all(|b| b == b'-' || b == b'+' || b.is_ascii_digit())
        && (before.ends_with(':')
            || before
                .trim_start()
                .trim_start_matches(['-', ' '])
                .is_empty())
}
