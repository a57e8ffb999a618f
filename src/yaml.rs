//! Read/write support: the only module that knows the YAML crate.
//!
//! serde-saphyr defines what a document means and how a value is written.
//! Two fast paths sit in front of it for the block YAML charts render
//! (`yaml/fast.rs` reads, `yaml/emit.rs` writes); each gives exactly
//! serde-saphyr's answer or hands the work back (tests/fast_yaml.rs, the
//! `yaml_fast` fuzz target).
//!
//! Parsing follows what Kubernetes does with a manifest (sigs.k8s.io/yaml, YAML
//! 1.1 flavoured): legacy octal numbers, last duplicate key wins, merge keys
//! expanded, no document budget. Emission quotes every string a YAML 1.1 reader
//! would take for a boolean, number or null, and never folds long lines. Errors
//! carry a line and column but never a snippet of the input, which could hold
//! a secret.

use serde_json::Value;
use std::fmt;

mod emit;
pub(crate) mod fast;
mod scalar;

/// A YAML syntax error at a 1-based line and column of the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// Nesting deeper than this is refused: Kubernetes objects (CRD schemas
/// included) stay far below it, and it bounds the parser's stack use.
pub const MAX_DEPTH: usize = 128;

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.legacy_octal_numbers = true;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    // Size limits are lifted (a document may be 100 MB, a stream may hold any
    // number of documents); depth and alias expansion stay bounded.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = None;
    budget.max_events = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_documents = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    budget.max_depth = MAX_DEPTH;
    o.budget = Some(budget);
    // An alias bomb is refused after 100k replayed events (about 1,000 times a
    // real manifest's use of aliases), not after a million.
    o.alias_limits.max_total_replayed_events = 100_000;
    o.with_snippet = false;
    // Comments are dropped from a patched body anyway: do not collect them.
    o.emit_comments = false;
    o
}

/// The crate's message without its position (we report our own), without
/// advice meant for Rust programmers (`; use from_str_multiple ...`), and
/// without any piece of the input: a quoted value (`` `8e9923` ``, `"x"`)
/// could be a secret.
fn plain_message(message: String) -> String {
    if message.starts_with("non-finite float") {
        return format!("{NON_FINITE} (.inf or .nan), which Kubernetes cannot represent either");
    }
    let cut = [" at line ", "; use "]
        .iter()
        .filter_map(|m| message.find(m))
        .min();
    let message = match cut {
        Some(at) => &message[..at],
        None => &message[..],
    };
    scrub_quoted(message, &['`', '"'])
}

/// `message` with every span between a pair of the `quotes` replaced by `…`.
pub fn scrub_quoted(message: &str, quotes: &[char]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(quotes) {
        let q = rest[open..].chars().next().unwrap_or('"');
        let Some(close) = rest[open + 1..].find(q) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push(q);
        out.push('…');
        out.push(q);
        rest = &rest[open + 1 + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Parse one YAML document into a JSON value tree (mapping order kept).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    parse_noting(text).map(|(v, _)| v)
}

/// As `parse`, also telling whether the fast reader read the document.
pub(crate) fn parse_noting(text: &str) -> Result<(Value, bool), SyntaxError> {
    match fast::parse(text) {
        Some(v) => Ok((v, true)),
        None => parse_full_on_big_stack(text).map(|v| (v, false)),
    }
}

/// Stack for the full parser: `MAX_DEPTH` levels take about 20 KiB each in
/// a debug build, and a caller's thread may have only 2 MiB. (The fast
/// reader and everything after parsing recurse far less per level.)
const PARSE_STACK: usize = 64 << 20;

/// The full parser on a thread with a parse-sized stack (here, if no
/// thread can be had).
fn parse_full_on_big_stack(text: &str) -> Result<Value, SyntaxError> {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || parse_full(text));
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => parse_full(text),
        }
    })
}

/// The fast reader alone: `None` where it declines. Public for the
/// differential tests and the fuzz target, which hold it to `parse_full`.
pub fn parse_fast(text: &str) -> Option<Value> {
    fast::parse(text)
}

/// serde-saphyr alone, without the fast reader; a plain decimal numeral that
/// overflows a float (`8e9923`) is read as the string it is, as go-yaml v2
/// (Kubernetes' reader) does: such a scalar is quoted and the text read again.
pub fn parse_full(text: &str) -> Result<Value, SyntaxError> {
    let mut text = std::borrow::Cow::Borrowed(text);
    // Each round quotes one numeral; a bound keeps a crafted input linear enough.
    for _ in 0..64 {
        match parse_once(&text) {
            Err(e) if e.message.starts_with(NON_FINITE) => {
                match quote_overflowing_numeral(&text, e.line, e.column) {
                    Some(quoted) => text = quoted.into(),
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
    parse_once(&text)
}

const NON_FINITE: &str = "a non-finite float";

/// `text` with the plain numeral at 1-based `line` and `column` quoted, if a
/// numeral that overflows `f64` starts there (not `.inf` or `.nan`, which
/// Kubernetes cannot represent either and which stay refused).
fn quote_overflowing_numeral(text: &str, line: usize, column: usize) -> Option<String> {
    let start_of_line = match line {
        0 | 1 => 0,
        n => text.match_indices('\n').nth(n - 2)?.0 + 1,
    };
    let rest = &text[start_of_line..];
    let at = start_of_line + rest.char_indices().nth(column.checked_sub(1)?)?.0;
    let len = text[at..]
        .find(|c: char| !(c.is_ascii_digit() || "+-._eE".contains(c)))
        .unwrap_or(text.len() - at);
    let word = &text[at..at + len];
    let digits = word.trim_start_matches(['+', '-']);
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || !digits.contains(|c: char| c.is_ascii_digit())
        || word.replace('_', "").parse::<f64>().ok()?.is_finite()
    {
        return None;
    }
    Some(format!("{}\"{word}\"{}", &text[..at], &text[at + len..]))
}

fn parse_once(text: &str) -> Result<Value, SyntaxError> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        let message = plain_message(e.to_string());
        SyntaxError {
            line,
            column,
            message,
        }
    })
}

/// Parse a typed value (the config file) with the same reader settings. The
/// message keeps field names (`` `exporters` ``) but no quoted value.
pub fn parse_typed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let message = e.to_string();
        let message = if message.starts_with("non-finite float") {
            format!("{NON_FINITE} (.inf or .nan)")
        } else {
            message
        };
        scrub_quoted(&message, &['"'])
    })
}

/// Emit a value as a block-style YAML document, ending in a newline.
pub fn emit(value: &Value) -> String {
    emit::document(value)
}

/// serde-saphyr's emitter alone; the fast writer delegates unusual scalars
/// to it and is tested against it.
pub fn emit_full(value: &Value) -> String {
    let mut o = serde_saphyr::SerializerOptions::default();
    o.min_fold_chars = usize::MAX;
    o.folded_wrap_chars = usize::MAX;
    // A JSON value tree always serialises; the crate has no failure mode for it.
    let mut out = serde_saphyr::to_string_with_options(value, o)
        .unwrap_or_else(|e| unreachable!("serialising a JSON value tree failed: {e}"));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// As `parse`, but a key given twice in one mapping is an error rather than
/// the last one winning: for the in-place writer, which keeps a document's
/// text and so would keep a duplicate the tree write collapses.
pub fn parse_unique(text: &str) -> Result<Value, SyntaxError> {
    // The fast reader declines duplicated keys.
    if let Some(v) = fast::parse(text) {
        return Ok(v);
    }
    let strict = || {
        let mut o = options();
        o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
        serde_saphyr::from_str_with_options(text, o).map_err(|e| SyntaxError {
            line: 1,
            column: 1,
            message: plain_message(e.to_string()),
        })
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, strict);
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => strict(),
        }
    })
}

/// A scalar value (or `[]`, `{}`) and its newline, written as `emit` writes
/// it after a key or dash at `column` (quoted where a YAML 1.1 reader would
/// retype it). For the in-place writer.
pub(crate) fn emit_scalar(out: &mut String, v: &Value, column: usize) {
    emit::scalar_at(out, v, column);
}

/// A mapping key (without its colon), written as `emit` writes it.
pub(crate) fn emit_key(out: &mut String, k: &str) {
    emit::key_text(out, k);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_like_kubernetes() {
        let cases = [
            ("a: 0700", json!({"a": 448})),
            ("a: on", json!({"a": true})),
            ("a: '0700'", json!({"a": "0700"})),
            ("a: 1\na: 2", json!({"a": 2})),
            (
                "x: &x {p: 1}\ny: {<<: *x, q: 2}",
                json!({"x": {"p": 1}, "y": {"q": 2, "p": 1}}),
            ),
            ("a: ~", json!({"a": null})),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn quotes_strings_a_yaml11_reader_would_retype() {
        for s in [
            "on", "yes", "y", "N", "Off", "0700", "1e3", "1_000", "~", "null", "true", "12",
        ] {
            let out = emit(&json!({ "k": s }));
            assert_eq!(parse(&out).unwrap(), json!({ "k": s }), "{out}");
            assert!(
                out.contains('"') || out.contains('\''),
                "{s} left plain: {out}"
            );
        }
    }

    #[test]
    fn never_folds_long_lines() {
        let long = "x".repeat(300);
        assert_eq!(emit(&json!({ "k": long })), format!("k: {long}\n"));
    }

    #[test]
    fn bounds_depth_and_alias_expansion_but_not_size() {
        let deep = format!(
            "a: {}{}",
            "[".repeat(MAX_DEPTH + 10),
            "]".repeat(MAX_DEPTH + 10)
        );
        // Parsing needs about 20 KiB of stack a level in a debug build: more
        // than a test thread's 2 MiB at this depth (`render` runs on big stacks).
        let refused = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || parse(&deep).is_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(refused);
        let ok = format!("a: {}{}", "[".repeat(40), "]".repeat(40));
        assert!(parse(&ok).is_ok());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!(
                "b{i}: &b{i} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        assert!(parse(&bomb).is_err(), "an alias bomb must be refused");
        let many = "- x\n".repeat(300_000);
        assert_eq!(
            parse(&many).unwrap().as_array().map(Vec::len),
            Some(300_000)
        );
    }

    /// A float that overflows stays the string it is (go-yaml v2); `.inf`
    /// and `.nan` are refused; no message echoes the value.
    #[test]
    fn reads_overflowing_numerals_as_kubernetes_does() {
        let cases = [
            ("a: 8e9923", json!({"a": "8e9923"})),
            (
                "a: -1e400\nb: [1e999, 2]\nc: {d: 1_0e9_99}",
                json!({"a": "-1e400", "b": ["1e999", 2], "c": {"d": "1_0e9_99"}}),
            ),
            ("a: 1e3", json!({"a": 1000.0})),
            ("a: '8e9923'", json!({"a": "8e9923"})),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap(), want, "{text}");
        }
        for text in ["a: .inf", "a: -.Inf", "a: [.nan]"] {
            let err = parse(text).unwrap_err();
            assert!(err.message.starts_with(NON_FINITE), "{text}: {err}");
        }
        let err = parse("a: .inf\nb: hunter2").unwrap_err();
        assert!(
            !err.message.contains("hunter2") && !err.message.contains('`'),
            "{err}"
        );
        let err = parse_typed::<Vec<String>>("hunter2").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn messages_carry_no_rust_api_advice() {
        let err = parse("a: 1\n...\nb: 2\n").unwrap_err();
        assert!(!err.message.contains("; use "), "{err}");
        let err = parse("~: x\n").unwrap_err();
        assert!(!err.message.contains("; use "), "{err}");
    }

    #[test]
    fn reports_the_line_without_echoing_input() {
        let err = parse("a: 1\nb:\n  c: [1, 2\n  d: hunter2\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert!(!err.message.contains("hunter2"), "{err}");
    }
}
