//! Read/write support: the only module that knows the YAML crate.
//!
//! A document means what Kubernetes reads (sigs.k8s.io/yaml: go-yaml v2, then
//! JSON): `yaml/tree.rs` builds it from the parse events of serde-saphyr's
//! parser with go-yaml v2's scalar resolver (`yaml/scalar.rs`: `yes`, `on`,
//! `y` but not `yEs` are booleans, `_` is dropped from numbers, `0700` is
//! octal), keys written as Go prints them, merges applied where they stand,
//! the last duplicate key winning. serde-saphyr writes values and reads the
//! config file. Two fast paths sit in front (`yaml/fast.rs` reads,
//! `yaml/emit.rs` writes); each gives exactly the full path's answer or hands
//! the work back (tests/fast_yaml.rs, the `yaml_fast` fuzz target).
//! tests/k8s_reading.rs holds the reader to kubectl's own reading, and
//! tests/k8s_flow_block.rs over flow and block edge cases: where YAML 1.2
//! (granit-parser) and go-yaml v2 scan a spelling differently, the full
//! reader refuses it with its line (`yaml/tree/goyaml.rs`).
//!
//! Emission quotes every string a YAML 1.1 reader would take for a boolean,
//! number or null, and never folds long lines. Errors carry a line and column
//! but never a snippet of the input, which could hold a secret.

use serde_json::Value;
use std::fmt;

mod emit;
pub(crate) mod fast;
mod scalar;
mod tree;

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
        None => on_big_stack(|| parse_full(text)).map(|v| (v, false)),
    }
}

/// Stack for the full parser: `MAX_DEPTH` levels take about 20 KiB each in
/// a debug build, and a caller's thread may have only 2 MiB. (The fast
/// reader and everything after parsing recurse far less per level.)
const PARSE_STACK: usize = 64 << 20;

/// `read` on a thread with a parse-sized stack (here, if no thread can be had).
fn on_big_stack<T: Send>(read: impl FnOnce() -> T + Send + Copy) -> T {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, read);
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => read(),
        }
    })
}

/// The fast reader alone: `None` where it declines. Public for the
/// differential tests and the fuzz target, which hold it to `parse_full`.
pub fn parse_fast(text: &str) -> Option<Value> {
    fast::parse(text)
}

/// The full reader alone, without the fast reader (`yaml/tree.rs`: events
/// from serde-saphyr's parser, values as go-yaml v2 and sigs.k8s.io/yaml make
/// them). A plain numeral that overflows a float (`8e9923`) is the string it
/// is, as in go-yaml v2.
pub fn parse_full(text: &str) -> Result<Value, SyntaxError> {
    tree::parse(text, scalar::Schema::Kubernetes, false)
}

/// A v1alpha1 collector's `spec.config` string, read as the OpenTelemetry
/// operator reads it (go-yaml v3: YAML 1.2 core booleans, so `on` and `yEs`
/// stay strings; keys keep their text).
pub fn parse_config(text: &str) -> Result<Value, SyntaxError> {
    on_big_stack(|| tree::parse(text, scalar::Schema::Core, false))
}

const NON_FINITE: &str = tree::NON_FINITE;

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
    on_big_stack(|| tree::parse(text, scalar::Schema::Kubernetes, true))
}

/// A scalar value (or `[]`, `{}`) and its newline, written as `emit` writes
/// it after a key or dash at `column` (quoted where a YAML 1.1 reader would
/// retype it). For the in-place writer.
pub(crate) fn emit_scalar(out: &mut String, v: &Value, column: usize) {
    emit::scalar_at(out, v, column);
}

/// A mapping key (without its colon) of an entry starting at `column`,
/// written as `emit` writes it.
pub(crate) fn emit_key(out: &mut String, k: &str, column: usize) {
    emit::key_text(out, k, column);
}

#[cfg(test)]
mod tests;
