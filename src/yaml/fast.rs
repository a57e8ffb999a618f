//! A fast reader for the block-style YAML that Helm renders, used by the
//! select stage before the full parser.
//!
//! Chart output is a narrow dialect: block mappings and sequences, plain and
//! one-line quoted scalars, `|` literals, `[]` and `{}`. Reading just that
//! line by line costs a fraction of the full reader's event pipeline, which
//! matters because parsing the few candidate documents is most of a run.
//! This reader must never give a document a meaning the full parser would
//! not: on anything outside its dialect (anchors, aliases, tags, flow
//! collections, folded or multi-line scalars, tabs, merge, duplicate or
//! non-string keys, unusual characters) it declines, and yaml.rs parses the
//! document with the full reader (`tree.rs`), which also owns every error message.
//!
//! This module reads the block structure (lines, indentation, mappings,
//! sequences); `fast/scalars.rs` reads the text of keys and values.

mod scalars;

use scalars::{double_quoted, end_of_value, single_quoted, split_key};
use serde_json::{Map, Value};

/// The reader gives up; the full parser takes the document.
pub(crate) struct Decline;

type R<T> = Result<T, Decline>;

/// Deeper documents are left to the full parser, which enforces its cap.
const MAX_DEPTH: usize = 64;

/// The document's value, or `None` when the full parser must read it.
pub(crate) fn parse(text: &str) -> Option<Value> {
    parse_at(text, 0)
}

/// As `parse`, for a block that sits `depth` mappings deep in a document
/// (the in-place writer's check re-reads one entry of a document on its
/// own): the same depth cap applies as where the block sits.
pub(crate) fn parse_at(text: &str, depth: usize) -> Option<Value> {
    if !plain_characters(text) {
        return None;
    }
    let mut r = Reader {
        lines: lines(text),
        at: 0,
        tabs: memchr::memchr(b'\t', text.as_bytes()).is_some(),
        entries: Vec::new(),
        items: Vec::new(),
        began: false,
    };
    r.document(depth).ok()
}

/// The key of the mapping entry `t` as this reader reads it; `None` when
/// `t` is no entry it reads.
pub(crate) fn entry_key(t: &str) -> Option<String> {
    split_key(t).ok().flatten().map(|(k, _)| k)
}

/// Every character is printable YAML that no reader could take for a line
/// break or a byte-order mark (no CR, no C0/C1 controls but tab and newline).
fn plain_characters(text: &str) -> bool {
    // Branch-free over blocks (the compiler vectorises it): most documents
    // are printable ASCII, newlines and nothing else.
    let unusual = |b: u8| (b < 0x20 && b != b'\n' && b != b'\t') || b >= 0x7f;
    let clean = text
        .as_bytes()
        .chunks(64)
        .all(|block| !block.iter().fold(false, |bad, &b| bad | unusual(b)));
    clean
        || text.chars().all(|c| match c {
            '\n' | '\t' | ' '..='~' => true,
            '\0'..='\u{7f}' => false,
            _ => !matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            ),
        })
}

/// The lines of `text`, without their newlines (the last may be empty).
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / 32);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        out.push(&text[start..end]);
        start = end + 1;
    }
    out.push(&text[start..]);
    out
}

struct Reader<'a> {
    lines: Vec<&'a str>,
    /// The line being read.
    at: usize,
    /// Whether any line holds a tab (most documents have none).
    tabs: bool,
    /// Entries and items of the mappings and sequences being read, innermost
    /// last.
    entries: Vec<(String, Value)>,
    items: Vec<Value>,
    /// Whether the document's first content line is behind: a `---` or
    /// `...` marker after it ends the document (the full reader's business).
    began: bool,
}

/// A document marker: `---` or `...` at a line's start, then a blank or the end.
fn is_marker(line: &str) -> bool {
    (line.starts_with("---") || line.starts_with("..."))
        && matches!(line.as_bytes().get(3), None | Some(b' ' | b'\t'))
}

fn spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

fn is_seq_entry(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn document(&mut self, depth: usize) -> R<Value> {
        let mut first = self.next_content()?;
        // A stream's documents start with their `---` marker.
        if first == Some(0) && self.lines[self.at].trim_end_matches(' ') == "---" {
            self.at += 1;
            self.began = true;
            first = self.next_content()?;
        }
        self.began = true;
        let Some(indent) = first else {
            return Err(Decline);
        };
        let value = self.block_node(indent, depth)?;
        match self.next_content()? {
            None => Ok(value),
            Some(_) => Err(Decline),
        }
    }

    /// Skip blank and comment lines; the indentation of the next line with
    /// content, or `None` at the end. A tab outside a literal declines.
    fn next_content(&mut self) -> R<Option<usize>> {
        while let Some(line) = self.lines.get(self.at) {
            if self.tabs && line.contains('\t') {
                return Err(Decline);
            }
            let n = spaces(line);
            if n == 0 && is_marker(line) && (self.began || line.trim_end_matches(' ') != "---") {
                return Err(Decline);
            }
            if n < line.len() && line.as_bytes()[n] != b'#' {
                return Ok(Some(n));
            }
            self.at += 1;
        }
        Ok(None)
    }

    /// A mapping or sequence whose first line is the current one, at `indent`.
    fn block_node(&mut self, indent: usize, depth: usize) -> R<Value> {
        if depth > MAX_DEPTH {
            return Err(Decline);
        }
        if is_seq_entry(&self.lines[self.at][indent..]) {
            self.sequence(indent, depth)
        } else {
            self.mapping(indent, depth, None)
        }
    }

    /// Entries whose keys start at column `indent`; the first may follow a `- `.
    /// `first`: the first entry, when the caller has already split it.
    fn mapping(
        &mut self,
        indent: usize,
        depth: usize,
        mut first: Option<(String, &'a str)>,
    ) -> R<Value> {
        let base = self.entries.len();
        loop {
            let line = self.lines[self.at];
            let (key, after) = match first.take() {
                Some(entry) => entry,
                None => split_key(&line[indent..])?.ok_or(Decline)?,
            };
            if key == "<<" {
                return Err(Decline);
            }
            self.at += 1;
            let value = self.value(after, indent, true, depth + 1)?;
            self.entries.push((key, value));
            match self.next_content()? {
                Some(n) if n == indent => {}
                Some(n) if n > indent => return Err(Decline),
                _ => break,
            }
        }
        // Entries wait on a shared stack so the map is allocated once, at size.
        let mut map = Map::with_capacity(self.entries.len() - base);
        for (key, value) in self.entries.drain(base..) {
            if map.insert(key, value).is_some() {
                return Err(Decline);
            }
        }
        Ok(Value::Object(map))
    }

    /// `- ` entries at column `indent`.
    fn sequence(&mut self, indent: usize, depth: usize) -> R<Value> {
        let base = self.items.len();
        loop {
            let rest = &self.lines[self.at][indent + 1..];
            let item = rest.trim_start_matches(' ');
            if is_seq_entry(item) {
                return Err(Decline);
            }
            let entry = match item.is_empty() || item.starts_with('#') {
                true => None,
                false => split_key(item)?,
            };
            if let Some(first) = entry {
                // `- key: value`: a mapping whose keys line up after the dash.
                if depth + 1 > MAX_DEPTH {
                    return Err(Decline);
                }
                let column = self.lines[self.at].len() - item.len();
                let item = self.mapping(column, depth + 1, Some(first))?;
                self.items.push(item);
            } else {
                self.at += 1;
                let item = self.value(rest, indent, false, depth + 1)?;
                self.items.push(item);
            }
            match self.next_content()? {
                Some(n) if n == indent && is_seq_entry(&self.lines[self.at][n..]) => {}
                Some(n) if n > indent => return Err(Decline),
                _ => return Ok(Value::Array(self.items.drain(base..).collect())),
            }
        }
    }

    /// The value after `key:` or `-` (`rest`, the current line already
    /// consumed). `parent` is the column of the key or dash; under a mapping
    /// key a sequence may start at the key's own column.
    fn value(&mut self, rest: &'a str, parent: usize, in_map: bool, depth: usize) -> R<Value> {
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return Err(Decline);
        }
        let t = rest.trim_start_matches(' ');
        if t.is_empty() || t.starts_with('#') {
            return self.nested(parent, in_map, depth);
        }
        let value = match t.as_bytes()[0] {
            b'|' => return self.literal(t, parent),
            b'"' => {
                let (s, after) = double_quoted(t)?;
                end_of_value(after)?;
                Value::String(s)
            }
            b'\'' => {
                let (s, after) = single_quoted(t)?;
                end_of_value(after)?;
                Value::String(s)
            }
            b'[' | b'{' => {
                if let Some(after) = t.strip_prefix("[]") {
                    end_of_value(after)?;
                    Value::Array(Vec::new())
                } else {
                    end_of_value(t.strip_prefix("{}").ok_or(Decline)?)?;
                    Value::Object(Map::new())
                }
            }
            _ => return self.plain(t, parent),
        };
        self.no_continuation(parent)?;
        Ok(value)
    }

    /// What follows `key:` or `-` with nothing else on its line.
    fn nested(&mut self, parent: usize, in_map: bool, depth: usize) -> R<Value> {
        match self.next_content()? {
            Some(n) if n > parent => self.block_node(n, depth),
            Some(n) if n == parent && in_map && is_seq_entry(&self.lines[self.at][n..]) => {
                self.sequence(n, depth)
            }
            _ => Ok(Value::Null),
        }
    }

    /// After a scalar, a deeper line would continue it (or be an error).
    fn no_continuation(&mut self, parent: usize) -> R<()> {
        match self.next_content()? {
            Some(n) if n > parent => Err(Decline),
            _ => Ok(()),
        }
    }
}
