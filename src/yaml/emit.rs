//! The write side of a patched document: block-style YAML, laid out the way
//! serde-saphyr lays it out (two-space indentation, sequences level with
//! their key, compact `- key:` entries).
//!
//! Structure and the common scalars (words, paths, integers) are written
//! here; every other scalar is quoted or blocked by serde-saphyr itself, one
//! scalar at a time, so this module never decides on its own how an unusual
//! string must be quoted. It must not change a value: tests hold its output
//! to serde-saphyr's, byte for byte, on every fixture document.

use serde_json::{Map, Value};

/// `value` as a block-style document ending in a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::with_capacity(4096);
    match value {
        Value::Object(m) if !m.is_empty() => mapping(&mut out, m, 0, false),
        Value::Array(a) if !a.is_empty() => sequence(&mut out, a, 0, false),
        Value::String(_) => scalar(&mut out, value, 0),
        other => {
            out.push_str(&super::emit_full(other));
            return out;
        }
    }
    out
}

fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let step = n.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        n -= step;
    }
}

/// Entries at column `indent`; `inline` when the first follows a `- `.
fn mapping(out: &mut String, m: &Map<String, Value>, indent: usize, inline: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        key(out, k, indent);
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(out, inner, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(out, items, indent, false);
            }
            _ => {
                out.push(' ');
                scalar(out, v, indent);
            }
        }
    }
}

/// `- ` items at column `indent`; `inline` when the first follows a `- `.
fn sequence(out: &mut String, items: &[Value], indent: usize, inline: bool) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push_str("- ");
        match v {
            Value::Object(inner) if !inner.is_empty() => mapping(out, inner, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, indent + 2, true),
            _ => scalar(out, v, indent),
        }
    }
}

/// A scalar (or `[]`, `{}`) and its newline; a block literal's lines sit two
/// columns right of `column`, the column of its key or dash.
fn scalar(out: &mut String, v: &Value, column: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if !n.is_f64() => out.push_str(&n.to_string()),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        Value::String(s) if is_word(s, true) => out.push_str(s),
        Value::String(s) => string(out, s, column),
        Value::Number(_) => out.push_str(super::emit_full(v).trim_end_matches('\n')),
    }
    out.push('\n');
}

/// A string serde-saphyr writes: quoted on one line, or a `|` block whose
/// lines are moved right by `column`.
fn string(out: &mut String, s: &str, column: usize) {
    let text = super::emit_full(&Value::String(s.to_string()));
    if !text.starts_with('|') {
        out.push_str(text.trim_end_matches('\n'));
        return;
    }
    let (header, body) = text.split_once('\n').unwrap_or((&text, ""));
    // An indentation indicator is relative to the parent node: rather than
    // re-base it, write the string as a quoted key would be; so too a block
    // go-yaml refuses.
    if header.bytes().any(|b| b.is_ascii_digit()) || tab_before_its_indentation(body) {
        out.push_str(&quoted(s).0);
        return;
    }
    out.push_str(header);
    for line in body.strip_suffix('\n').unwrap_or(body).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, column);
            out.push_str(line);
        }
    }
}

/// Whether a block body has a tab right after the leading spaces of a line
/// up to its first line with content: go-yaml (libyaml's scanner) takes its
/// indentation from that line and refuses a tab where it still expects
/// indentation ("found a tab character where an indentation space is
/// expected"), though YAML 1.2 reads the tab as content (the yaml_refusals
/// fuzz target found serde-saphyr writing one).
fn tab_before_its_indentation(body: &str) -> bool {
    for line in body.split('\n') {
        let rest = line.trim_start_matches(' ');
        if rest.starts_with('\t') {
            return true;
        }
        if !rest.is_empty() {
            return false;
        }
    }
    false
}

/// A mapping key whose entry starts at `column`: plain when a word, else
/// as serde-saphyr writes it. A key past YAML's 1024-character cap on
/// implicit keys is explicit, `? key`, and its `:` goes on the next line at
/// `column`.
fn key(out: &mut String, k: &str, column: usize) {
    if is_word(k, false) {
        out.push_str(k);
        return;
    }
    let (text, explicit) = quoted(k);
    if explicit {
        out.push_str("? ");
        out.push_str(&text);
        out.push('\n');
        pad(out, column);
    } else {
        out.push_str(&text);
    }
}

/// `s` as serde-saphyr quotes it as a key, on one line, and whether it is
/// too long to be an implicit key.
fn quoted(s: &str) -> (String, bool) {
    let mut m = Map::new();
    m.insert(s.to_string(), Value::Null);
    let text = super::emit_full(&Value::Object(m));
    let text = text.strip_suffix(": null\n").unwrap_or(&text);
    match text.strip_prefix("? ") {
        Some(t) => (t.trim_end_matches('\n').to_string(), true),
        None => (text.to_string(), false),
    }
}

/// A string every YAML reader takes as that string, written plain: it
/// starts with a letter, `/` or underscores and a letter (or `$`, in a value),
/// and is no YAML 1.1 boolean or null (nor `nan`, `inf`, which some readers
/// take for floats). A key then holds only letters, digits and `._/-`; a
/// value any printable ASCII, but never `: ` or ` #`, and no final `:` or
/// space. In a value, a quantity (`10s`, `500Mi`: digits, then letters
/// without an exponent's `e`) is a word too.
fn is_word(s: &str, value: bool) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if first.is_ascii_digit() {
        return value && is_quantity(b);
    }
    if first == b'_' {
        // Go's reader drops underscores before it looks for a number (`_0`
        // is 0): after them must come a letter, and no keyword.
        let lead = b.iter().take_while(|&&c| c == b'_').count();
        if !b.get(lead).is_some_and(u8::is_ascii_alphabetic) || is_keyword(&s.replace('_', "")) {
            return false;
        }
    }
    let starts = first.is_ascii_alphabetic() || first == b'_' || first == b'/';
    if value {
        (starts || first == b'$') && plain_value_bytes(b) && !is_keyword(s)
    } else {
        starts && b.iter().all(|&c| KEY_BYTE[usize::from(c)]) && !is_keyword(s)
    }
}

/// Printable ASCII without `: `, ` #`, or a final `:` or space.
fn plain_value_bytes(b: &[u8]) -> bool {
    // No early exit: the compiler vectorises the fold.
    let printable = b.iter().fold(true, |ok, &c| ok & (0x20..0x7f).contains(&c));
    let pair = |x: u8, y: u8| {
        memchr::memchr_iter(x, b).any(|i| {
            (x == b':' && b.get(i + 1) == Some(&y)) || (x == b'#' && i > 0 && b[i - 1] == y)
        })
    };
    printable && !matches!(b.last(), Some(b':' | b' ')) && !pair(b':', b' ') && !pair(b'#', b' ')
}

/// Bytes a plain key may hold.
static KEY_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-');
        c += 1;
    }
    t
};

/// `[1-9][0-9]*` then ASCII letters, none of them `e` or `E`.
fn is_quantity(b: &[u8]) -> bool {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = &b[digits..];
    b[0] != b'0'
        && !unit.is_empty()
        && unit
            .iter()
            .all(|&c| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E'))
}

fn is_keyword(s: &str) -> bool {
    s.len() <= 8
        && matches!(
            s.as_bytes().first().map(|b| b | 0x20),
            Some(b'y' | b'n' | b'o' | b't' | b'f' | b'i')
        )
        && [
            "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
        ]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
}

/// A scalar (or `[]`, `{}`) and its newline, as `document` writes it after
/// `key: ` or `- ` whose key or dash sits at `column`: for the in-place
/// writer (`crate::inplace`), which lays out new nodes itself.
pub(crate) fn scalar_at(out: &mut String, v: &Value, column: usize) {
    scalar(out, v, column);
}

/// A mapping key as `document` writes it (without the colon) in an entry
/// starting at `column`.
pub(crate) fn key_text(out: &mut String, k: &str, column: usize) {
    key(out, k, column);
}
