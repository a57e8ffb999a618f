//! New nodes laid out in the style of their surroundings: the indentation
//! step, where a sequence puts its dashes relative to its key, and where a
//! list item's mapping starts after its dash; or, for a flow collection
//! written again (`flow`), in flow style, spread over lines as it was.
//! Scalars and keys are written by `yaml::emit`'s own rules (quoted where a
//! YAML 1.1 reader would retype them), so a value means here what it means
//! in a tree write; in a flow, a spelling that cannot stand there (a `:`,
//! `?`, `,`, `#` or bracket, a line break) is double-quoted instead. It
//! writes text only: where it goes is the caller's business.

use super::Reason;
use crate::yaml;
use serde_json::{Map, Value};

/// The layout of the block YAML around an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Style {
    /// Columns from a key to its nested mapping's keys.
    pub step: usize,
    /// Columns from a key to its sequence's dashes (0: level with the key).
    pub seq: usize,
    /// Columns from a dash to the keys of the mapping it holds (at least 2).
    pub item: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            step: 2,
            seq: 0,
            item: 2,
        }
    }
}

pub(super) fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// What follows `key:` (the key at `key_col`), through the last newline.
pub(super) fn entry_value(out: &mut String, v: &Value, key_col: usize, st: &Style) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            mapping(out, m, key_col + st.step, false, st);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            sequence(out, a, key_col + st.seq, false, st);
        }
        _ => {
            out.push(' ');
            yaml::emit_scalar(out, v, key_col);
        }
    }
}

/// What follows `-` (the dash at `dash_col`), through the last newline.
pub(super) fn item_value(out: &mut String, v: &Value, dash_col: usize, st: &Style) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let item = st.item.max(2);
            pad(out, item - 1);
            mapping(out, m, dash_col + item, true, st);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push(' ');
            sequence(out, a, dash_col + 2, true, st);
        }
        _ => {
            out.push(' ');
            yaml::emit_scalar(out, v, dash_col);
        }
    }
}

/// A new `key: value` entry at `col`, through its last newline.
pub(super) fn entry(out: &mut String, k: &str, v: &Value, col: usize, st: &Style) {
    pad(out, col);
    yaml::emit_key(out, k, col);
    out.push(':');
    entry_value(out, v, col, st);
}

/// A new `- value` item at `col`, through its last newline.
pub(super) fn item(out: &mut String, v: &Value, col: usize, st: &Style) {
    pad(out, col);
    out.push('-');
    item_value(out, v, col, st);
}

/// Entries at `col`; `inline` when the first follows a dash already written.
fn mapping(out: &mut String, m: &Map<String, Value>, col: usize, inline: bool, st: &Style) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, col);
        }
        yaml::emit_key(out, k, col);
        out.push(':');
        entry_value(out, v, col, st);
    }
}

/// Items at `col`; `inline` when the first follows a dash already written.
fn sequence(out: &mut String, items: &[Value], col: usize, inline: bool, st: &Style) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, col);
        }
        out.push('-');
        item_value(out, v, col, st);
    }
}

// ----- flow style -----------------------------------------------------------

/// How a flow node spreads over lines (`None`: on one line).
#[derive(Debug, Clone, Copy)]
pub(super) struct Spread {
    /// The first entry follows the opening bracket on its line.
    pub inline: bool,
    /// The column of the entries on lines of their own.
    pub col: usize,
    /// The column of the closing bracket, if it starts a line.
    pub close: Option<usize>,
}

/// `v` (an array or object) in flow style, spread as `spread` says.
pub(super) fn flow(out: &mut String, v: &Value, spread: Option<Spread>) -> Result<(), Reason> {
    let (open, close, entries): (char, char, Vec<(Option<&String>, &Value)>) = match v {
        Value::Array(a) => ('[', ']', a.iter().map(|x| (None, x)).collect()),
        Value::Object(m) => ('{', '}', m.iter().map(|(k, x)| (Some(k), x)).collect()),
        _ => return Err("a scalar in place of a flow collection"),
    };
    out.push(open);
    let n = entries.len();
    for (i, (k, x)) in entries.into_iter().enumerate() {
        match spread {
            Some(s) if i > 0 || !s.inline => {
                out.push('\n');
                pad(out, s.col);
            }
            None if i > 0 => out.push(' '),
            _ => {}
        }
        if let Some(k) = k {
            key(out, k)?;
            out.push_str(": ");
        }
        match x {
            Value::Array(_) | Value::Object(_) => flow(out, x, None)?,
            _ => scalar(out, x),
        }
        if i + 1 < n {
            out.push(',');
        }
    }
    if let (
        Some(Spread {
            close: Some(col), ..
        }),
        true,
    ) = (spread, n > 0)
    {
        out.push('\n');
        pad(out, col);
    }
    out.push(close);
    Ok(())
}

/// A scalar as `yaml::emit_scalar` writes it, double-quoted where that
/// spelling would not read as itself inside a flow collection.
fn scalar(out: &mut String, v: &Value) {
    let mut s = String::new();
    crate::yaml::emit_scalar(&mut s, v, 0);
    s.pop();
    match (v, fits(&s)) {
        (Value::String(text), false) => double_quoted(out, text),
        _ => out.push_str(&s),
    }
}

/// A mapping key as `yaml::emit_key` writes it, double-quoted where that
/// spelling cannot stand in a flow mapping.
fn key(out: &mut String, k: &str) -> Result<(), Reason> {
    let mut s = String::new();
    crate::yaml::emit_key(&mut s, k, 0);
    if !fits(&s) {
        s.clear();
        double_quoted(&mut s, k);
    }
    // YAML caps an implicit key at 1024 characters.
    if s.chars().count() > 1000 {
        return Err("a key too long for a flow mapping");
    }
    out.push_str(&s);
    Ok(())
}

/// Whether `s`, as the block emitter spelled it, reads as itself in a flow:
/// a one-line quoted scalar, or a plain one without flow indicators, `:`,
/// `?` (go-yaml v2 ends a plain scalar in a flow at either) or `#`.
fn fits(s: &str) -> bool {
    if s.contains('\n') || s.starts_with("? ") {
        return false;
    }
    if s.starts_with(['"', '\'']) {
        return true;
    }
    !s.is_empty()
        && !s.starts_with(['-', '?', '|', '>', '%', '@', '`', '&', '*', '!', ' '])
        && !s.ends_with(' ')
        && !s.contains([':', ',', '?', '[', ']', '{', '}', '#'])
}

/// `s` double-quoted for a YAML 1.1 reader: every character outside YAML's
/// printable set, and every line break, escaped.
fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' => {
                out.push(c)
            }
            '\u{10000}'.. => out.push(c),
            _ => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lays_out_in_the_given_style() {
        let v = json!({"a": [{"b": 1, "c": ["x"]}], "d": {"e": "on"}});
        let mut out = String::new();
        entry(&mut out, "k", &v, 2, &Style::default());
        assert_eq!(
            out,
            "  k:\n    a:\n    - b: 1\n      c:\n      - x\n    d:\n      e: \"on\"\n"
        );
        let mut out = String::new();
        let st = Style {
            step: 4,
            seq: 2,
            item: 2,
        };
        item(&mut out, &v, 0, &st);
        assert_eq!(
            out,
            "- a:\n    - b: 1\n      c:\n        - x\n  d:\n      e: \"on\"\n"
        );
    }

    fn flow(v: Value) -> String {
        let mut out = String::new();
        super::flow(&mut out, &v, None).unwrap();
        out
    }

    #[test]
    fn writes_flow_that_reads_back() {
        let cases = [
            json!(["batch", "resource/k8sclustername"]),
            json!({"otlp": {"protocols": {"grpc": {}}}, "on": "yes", "n": null}),
            json!([
                "a:b",
                "x, y",
                "#c",
                "[d]",
                "1.5",
                1.5,
                "",
                "multi\nline",
                "\u{85}\u{2028}"
            ]),
            json!({"a b": [], "c:d": {"e": ["${env:X}", "http://h:1/p", "it's", "say \"hi\""]}}),
            json!({"regex": ["(https?)", "^(a|b)$", "a ? b", "x?", "\u{7f}\u{feff}\t"]}),
        ];
        for v in cases {
            let text = flow(v.clone());
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(crate::yaml::parse(&text).unwrap(), v, "{text}");
        }
        assert_eq!(
            flow(json!({"processors": ["batch", "on", "http://x"]})),
            r#"{processors: [batch, "on", "http://x"]}"#
        );
    }
}
