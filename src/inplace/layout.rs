//! New nodes laid out in the style of their surroundings: the indentation
//! step, where a sequence puts its dashes relative to its key, and where a
//! list item's mapping starts after its dash. Scalars and keys are written
//! by `yaml::emit`'s own rules (quoted where a YAML 1.1 reader would retype
//! them), so a value means here what it means in a tree write.

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
}
