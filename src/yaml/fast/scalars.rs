//! Scalars for the fast reader (the select stage's reader, see
//! `fast.rs`): keys, plain scalars (folded over lines), one-line quoted
//! scalars and `|` literals, and the comments after them. `fast.rs` owns the
//! block structure (mappings, sequences, indentation); this module reads the
//! text of one value. Like its parent it must never give text a meaning
//! the full reader would not: anything outside the dialect (rare escapes,
//! indicators, `|+`, long keys, ...) declines, and it never builds an error
//! message. The type of a plain scalar is `yaml/scalar.rs`'s to decide.

use super::{Decline, R, Reader, spaces};
use crate::yaml::scalar;
use serde_json::Value;

impl Reader<'_> {
    /// A plain scalar starting with `first`, continued on deeper lines (folded:
    /// a line break is a space, each empty line a newline).
    pub(crate) fn plain(&mut self, first: &str, parent: usize) -> R<Value> {
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

    /// A `|` or `|-` literal whose content is more indented than `parent`.
    pub(crate) fn literal(&mut self, header: &str, parent: usize) -> R<Value> {
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
        // go-yaml refuses a tab right after the indentation's spaces on
        // some lines: the full reader knows which.
        let tab_first = |l: &&str| l.as_bytes().get(spaces(l)) == Some(&b'\t');
        if content
            .iter()
            .any(|l| spaces(l) == l.len() && l.len() > m || tab_first(l))
        {
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
pub(crate) fn split_key(t: &str) -> R<Option<(String, &str)>> {
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
pub(crate) fn end_of_value(after: &str) -> R<()> {
    let t = after.trim_start_matches(' ');
    if t.is_empty() || (t.starts_with('#') && t.len() < after.len()) {
        Ok(())
    } else {
        Err(Decline)
    }
}

/// A `'...'` scalar closed on its line: its text and what follows it.
pub(crate) fn single_quoted(t: &str) -> R<(String, &str)> {
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
pub(crate) fn double_quoted(t: &str) -> R<(String, &str)> {
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
            // from_str_radix takes a leading `+`, which YAML does not.
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Decline);
            }
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
