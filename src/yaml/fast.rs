//! A fast reader for the block-style YAML that Helm renders, used by the
//! select stage before the full parser.
//!
//! Chart output is a narrow dialect: block mappings and sequences, plain and
//! one-line quoted scalars, `|` literals, `[]` and `{}`. Reading just that
//! line by line costs a fraction of serde-saphyr's event pipeline, which
//! matters because parsing the few candidate documents is most of a run.
//! This reader must never give a document a meaning the full parser would
//! not: on anything outside its dialect (anchors, aliases, tags, flow
//! collections, folded or multi-line scalars, tabs, merge, duplicate or
//! non-string keys, unusual characters) it declines, and yaml.rs parses the
//! document with serde-saphyr, which also owns every error message.

use super::scalar;
use serde_json::{Map, Value};

/// The reader gives up; the full parser takes the document.
pub struct Decline;

type R<T> = Result<T, Decline>;

/// Deeper documents are left to the full parser, which enforces its cap.
const MAX_DEPTH: usize = 64;

/// The document's value, or `None` when the full parser must read it.
pub fn parse(text: &str) -> Option<Value> {
    if !plain_characters(text) {
        return None;
    }
    let mut r = Reader {
        lines: lines(text),
        at: 0,
        tabs: memchr::memchr(b'\t', text.as_bytes()).is_some(),
        entries: Vec::new(),
        items: Vec::new(),
    };
    r.document().ok()
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
}

fn spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

fn is_seq_entry(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> R<Value> {
        let mut first = self.next_content()?;
        // A stream's documents start with their `---` marker.
        if first == Some(0) && self.lines[self.at].trim_end_matches(' ') == "---" {
            self.at += 1;
            first = self.next_content()?;
        }
        let Some(indent) = first else {
            return Err(Decline);
        };
        let value = self.block_node(indent, 0)?;
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

    /// A plain scalar starting with `first`, continued on deeper lines (folded:
    /// a line break is a space, each empty line a newline).
    fn plain(&mut self, first: &str, parent: usize) -> R<Value> {
        let b = first.as_bytes();
        let dash_or_colon = matches!(b[0], b'-' | b':') && b.get(1).is_some_and(|&c| c != b' ');
        if starts_with_indicator(first) && !dash_or_colon {
            return Err(Decline);
        }
        let (text, mut done) = plain_line(first)?;
        let mut folded: Option<String> = None;
        let mut breaks = 0;
        while let (false, Some(line)) = (done, self.lines.get(self.at)) {
            let n = spaces(line);
            if n == line.len() {
                breaks += 1;
                self.at += 1;
                continue;
            }
            let more = &line[n..];
            if n <= parent || (self.tabs && line.contains('\t')) || more.starts_with('#') {
                break;
            }
            if matches!(more.as_bytes()[0], b'-' | b'?' | b':') {
                return Err(Decline);
            }
            let (part, ends) = plain_line(more)?;
            let out = folded.get_or_insert_with(|| text.to_string());
            match breaks {
                0 => out.push(' '),
                _ => out.extend(std::iter::repeat_n('\n', breaks)),
            }
            out.push_str(part);
            (breaks, done) = (0, ends);
            self.at += 1;
        }
        self.no_continuation(parent)?;
        match folded {
            None => scalar::resolve(text).ok_or(Decline),
            Some(s) => scalar::resolve(&s).ok_or(Decline),
        }
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

    /// A `|` or `|-` literal whose content is more indented than `parent`.
    fn literal(&mut self, header: &str, parent: usize) -> R<Value> {
        let rest = &header[1..];
        let (keep_last_newline, rest) = match rest.strip_prefix('-') {
            Some(r) => (false, r),
            None => (true, rest),
        };
        // `|+`, an explicit indentation or anything but a comment declines.
        if !(rest.is_empty() || (rest.starts_with(' ') && end_of_value(rest).is_ok())) {
            return Err(Decline);
        }
        let start = self.at;
        let mut indent = None;
        let mut end = start;
        while let Some(line) = self.lines.get(end) {
            let n = spaces(line);
            if n == line.len() {
                // An empty line; spaces beyond the indentation would be content.
                if indent.is_some_and(|m| n > m) {
                    return Err(Decline);
                }
                end += 1;
                continue;
            }
            let m = *indent.get_or_insert(n);
            if n < m || n <= parent {
                break;
            }
            end += 1;
        }
        let Some(m) = indent.filter(|&m| m > parent) else {
            return Err(Decline);
        };
        // Empty lines before the first content line may not be deeper than it.
        let content = &self.lines[start..end];
        if content.iter().any(|l| spaces(l) == l.len() && l.len() > m) {
            return Err(Decline);
        }
        let last = content.iter().rposition(|l| spaces(l) != l.len());
        let mut text = String::new();
        for l in &content[..last.map_or(0, |i| i + 1)] {
            text.push_str(l.get(m..).unwrap_or(""));
            text.push('\n');
        }
        if !keep_last_newline {
            text.pop();
        }
        self.at = end;
        self.no_continuation(parent)?;
        Ok(Value::String(text))
    }
}

/// `key: rest` or `key:` at the start of `t`: the key and the text after
/// the colon. `None` when `t` is not a mapping entry.
fn split_key(t: &str) -> R<Option<(String, &str)>> {
    let (key, after) = match t.as_bytes().first() {
        Some(b'"') => {
            let (k, after) = double_quoted(t)?;
            (k, after)
        }
        Some(b'\'') => {
            let (k, after) = single_quoted(t)?;
            (k, after)
        }
        _ => {
            let scan = match comment_at(t) {
                Some(c) => &t[..c],
                None => t,
            };
            let colon = match colon_space_at(scan) {
                Some(c) => c,
                None if scan.ends_with(':') => scan.len() - 1,
                None => return Ok(None),
            };
            let key = t[..colon].trim_end_matches(' ');
            if key.is_empty() || starts_with_indicator(key) || colon > MAX_KEY_BYTES {
                return Err(Decline);
            }
            match scalar::resolve(key) {
                Some(Value::String(k)) => return Ok(Some((k, &t[colon + 1..]))),
                _ => return Err(Decline),
            }
        }
    };
    let spaced = after.trim_start_matches(' ');
    match spaced.strip_prefix(':') {
        Some(_) if t.len() - after.len() > MAX_KEY_BYTES => Err(Decline),
        Some(rest) if rest.is_empty() || rest.starts_with(' ') => Ok(Some((key, rest))),
        _ => Ok(None),
    }
}

/// YAML caps an implicit key at 1024 characters (quotes included); keys
/// longer than this many bytes are left to the full parser, which refuses
/// the ones over the cap.
const MAX_KEY_BYTES: usize = 1000;

/// Characters that would start something other than a plain scalar (or a
/// plain scalar this reader does not take: `-x`, `?x` and `:x` are left to
/// the full parser when used as keys).
fn starts_with_indicator(s: &str) -> bool {
    matches!(
        s.as_bytes()[0],
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// Where ` #` (a comment after a scalar) starts in `s`. Byte scans: these
/// run on every line, and `str::find` with a string pattern builds a
/// searcher each time.
fn comment_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'#', &b[from..]) {
        let at = from + i;
        if at > 0 && b[at - 1] == b' ' {
            return Some(at - 1);
        }
        from = at + 1;
    }
    None
}

/// Where `: ` (a key's end) starts in `s`.
fn colon_space_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', &b[from..]) {
        let at = from + i;
        if b.get(at + 1) == Some(&b' ') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// One line of a plain scalar: its text, and whether a comment ends it.
fn plain_line(t: &str) -> R<(&str, bool)> {
    let (s, comment) = match comment_at(t) {
        Some(c) => (&t[..c], true),
        None => (t, false),
    };
    let s = s.trim_end_matches(' ');
    if colon_space_at(s).is_some() || s.ends_with(':') {
        return Err(Decline);
    }
    Ok((s, comment))
}

/// After a quoted scalar or `[]`: nothing, or a comment after a space.
fn end_of_value(after: &str) -> R<()> {
    let t = after.trim_start_matches(' ');
    if t.is_empty() || (t.starts_with('#') && t.len() < after.len()) {
        Ok(())
    } else {
        Err(Decline)
    }
}

/// A `'...'` scalar closed on its line: its text and what follows it.
fn single_quoted(t: &str) -> R<(String, &str)> {
    let mut out = String::new();
    let mut rest = &t[1..];
    loop {
        let q = rest.find('\'').ok_or(Decline)?;
        out.push_str(&rest[..q]);
        rest = &rest[q + 1..];
        match rest.strip_prefix('\'') {
            Some(r) => {
                out.push('\'');
                rest = r;
            }
            None => return Ok((out, rest)),
        }
    }
}

/// A `"..."` scalar closed on its line: its text and what follows it. Rare
/// escapes (`\N`, `\_`, `\L`, `\P`, a line continuation) decline.
fn double_quoted(t: &str) -> R<(String, &str)> {
    let mut out = String::new();
    let mut rest = &t[1..];
    loop {
        let i = rest.find(['"', '\\']).ok_or(Decline)?;
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'"' {
            return Ok((out, &rest[i + 1..]));
        }
        let esc = rest[i + 1..].chars().next().ok_or(Decline)?;
        rest = &rest[i + 1 + esc.len_utf8()..];
        let hex = |n: usize, rest: &mut &str| -> R<char> {
            let digits = rest.get(..n).ok_or(Decline)?;
            let code = u32::from_str_radix(digits, 16).map_err(|_| Decline)?;
            *rest = &rest[n..];
            char::from_u32(code).ok_or(Decline)
        };
        out.push(match esc {
            '0' => '\0',
            'a' => '\u{7}',
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'v' => '\u{b}',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            '"' | '/' | '\\' => esc,
            'x' => hex(2, &mut rest)?,
            'u' => hex(4, &mut rest)?,
            'U' => hex(8, &mut rest)?,
            _ => return Err(Decline),
        });
    }
}
