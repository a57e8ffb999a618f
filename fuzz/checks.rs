//! What the fuzz targets check, as plain functions that panic on a violation.
//!
//! Shared by the libFuzzer targets (fuzz_targets/) and by `cargo test`
//! (tests/properties.rs replays them over the corpus), so a change of the
//! library's API breaks the ordinary test build, not only scripts/fuzz.sh.

// Each fuzz target uses one of these functions.
#![allow(dead_code)]

use clap::CommandFactory;
use kof_route::cli::Cli;
use kof_route::cli::plan::Plan;
use kof_route::document::Outputs;
use kof_route::routes::{REGISTRY, Route};
use kof_route::{
    read, redact, render, render_for_review, render_with, report, select, write, yaml,
};
use serde_json::Value;
use std::sync::{LazyLock, OnceLock};

/// The stream splitter over any bytes: it never panics, every byte lands in
/// exactly one document, documents are contiguous with their line numbers
/// counted, a document's parts are its bytes in order, and rewriting a
/// document's body never panics.
pub fn split(data: &[u8]) {
    let s = read::split(data);
    let mut joined = s.bom.to_vec();
    let (mut offset, mut line) = (0, 1);
    for doc in &s.docs {
        assert_eq!(doc.offset, offset, "documents are contiguous");
        assert_eq!(doc.line, line, "line numbers count newlines");
        assert!(!doc.raw.is_empty(), "no empty document");
        offset += doc.raw.len();
        line += doc.raw.iter().filter(|&&b| b == b'\n').count();
        joined.extend_from_slice(doc.raw);
        let p = doc.parts();
        assert_eq!(
            [p.separator, p.header, p.body, p.trailer].concat(),
            doc.raw,
            "parts cover the document"
        );
        let _ = write::rewrite(doc, "a: 1\n");
    }
    assert_eq!(joined, data, "every byte lands in one document");
}

/// The routes the `render` check picks from with its first byte, from the
/// route registry: every route whose example flags name no file (the fuzzer
/// runs in target/fuzz, where the examples' paths from the repository root do
/// not resolve), in registry order, then each route whose example is empty
/// (it needs no setting) again with `--allow-missing`.
pub static ROUTES: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
    let flags = |r: &Route| {
        std::iter::once(format!("--route={}", r.name))
            .chain(r.example.iter().map(|f| f.to_string()))
            .collect::<Vec<String>>()
    };
    let usable = REGISTRY
        .iter()
        .filter(|r| !r.example.iter().any(|f| takes_a_path(f)));
    let allow_missing = REGISTRY.iter().filter(|r| r.example.is_empty()).map(|r| {
        let mut args = flags(r);
        args.push("--allow-missing".into());
        args
    });
    usable.map(flags).chain(allow_missing).collect()
});

/// Whether the long flag `--name=value` takes a path (clap's hint for a
/// `PathBuf` value).
fn takes_a_path(flag: &str) -> bool {
    let name = flag.trim_start_matches("--");
    let name = name.split_once('=').map_or(name, |(n, _)| n);
    Cli::command().get_arguments().any(|a| {
        a.get_long() == Some(name)
            && matches!(
                a.get_value_hint(),
                clap::ValueHint::AnyPath | clap::ValueHint::FilePath
            )
    })
}

fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|args| {
                let cli = <Cli as clap::Parser>::try_parse_from(
                    std::iter::once("kof-route").chain(args.iter().map(String::as_str)),
                )
                .expect("route flags parse");
                Plan::build(&cli.args).expect("route flags are valid")
            })
            .collect()
    })
}

/// The whole pipeline: the first byte picks a route, the rest is the input.
/// `render` never panics; a refusal names the document and line (or says why
/// the whole stream is refused); on success the document count is kept,
/// documents that are not collectors or OpenCost are byte-identical, and a
/// second run with the same route changes nothing.
pub fn render_with_route_byte(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let plan = &plans()[usize::from(pick) % ROUTES.len()];
    no_secret_is_shown(plan, input);
    let rendered = match render(plan, input) {
        Ok(r) => r,
        Err(e) => {
            let m = format!("{e:#}");
            assert!(
                m.contains("no OpenTelemetryCollector")
                    || m.contains("leaves collectors inconsistent")
                    || (m.contains("doc #") && m.contains("(line ")),
                "an error that names no document: {m}"
            );
            return;
        }
    };
    let output = rendered.output();
    let (a, b) = (read::split(input), read::split(&output));
    assert_eq!(a.bom, b.bom, "byte-order mark changed");
    assert_eq!(a.docs.len(), b.docs.len(), "document count changed");
    let selected: Vec<usize> = select(input)
        .expect("render accepted what select refuses")
        .1
        .iter()
        .map(|s| s.index)
        .collect();
    for (i, (x, y)) in a.docs.iter().zip(&b.docs).enumerate() {
        if !selected.contains(&i) {
            assert_eq!(x.raw, y.raw, "untouched document #{} changed", i + 1);
        }
    }
    let again = render(plan, &output).expect("the output is accepted again");
    assert_eq!(again.output(), output, "a second run changed the output");
}

/// The in-place writer held to the tree write: with the route the first
/// byte picks, rendering with `Outputs::INPLACE` and with `Outputs::TREE`
/// both succeed or both fail with the same message; on success the outputs
/// have the same documents, byte-identical where the tree write left one
/// untouched, and every other reading as the same value. A config held as a
/// string (v1alpha1) is compared by its meaning: the tree writes it as
/// `yaml::emit` does, the in-place writer keeps the string's own text.
pub fn inplace_agrees_with_tree(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let plan = &plans()[usize::from(pick) % ROUTES.len()];
    let inplace = render_with(plan, input, Outputs::INPLACE);
    let tree = render_with(plan, input, Outputs::TREE);
    let (inplace, tree) = match (inplace, tree) {
        (Ok(a), Ok(b)) => (a.output(), b.output()),
        (Err(a), Err(b)) => {
            assert_eq!(format!("{a:#}"), format!("{b:#}"), "different refusals");
            return;
        }
        (a, b) => panic!(
            "in place {:?} but tree {:?}",
            a.map(|_| "ok").map_err(|e| format!("{e:#}")),
            b.map(|_| "ok").map_err(|e| format!("{e:#}"))
        ),
    };
    let (a, b, orig) = (
        read::split(&inplace),
        read::split(&tree),
        read::split(input),
    );
    assert_eq!(a.docs.len(), b.docs.len(), "document count differs");
    for (i, ((x, y), o)) in a.docs.iter().zip(&b.docs).zip(&orig.docs).enumerate() {
        if y.raw == o.raw {
            assert_eq!(
                x.raw,
                y.raw,
                "document #{} untouched by the tree changed",
                i + 1
            );
            continue;
        }
        let (vx, vy) = (select::parse(i + 1, x), select::parse(i + 1, y));
        let (vx, vy) = (vx.map(config_parsed), vy.map(config_parsed));
        assert_eq!(
            vx.as_ref().map_err(|e| format!("{e:#}")),
            vy.as_ref().map_err(|e| format!("{e:#}")),
            "document #{} reads differently in place and from the tree",
            i + 1
        );
    }
}

/// `v` with a collector's config string replaced by the config it holds.
fn config_parsed(mut v: Value) -> Value {
    let Some(spec) = select::classify(&v) else {
        return v;
    };
    let parsed = match select::config_of(&v, spec) {
        Ok(std::borrow::Cow::Owned(c)) => c,
        _ => return v,
    };
    let path = spec.config.unwrap_or_default();
    if let Some(slot) = path.iter().try_fold(&mut v, |v, k| v.get_mut(*k)) {
        *slot = parsed;
    }
    v
}

/// The stack the `yaml_fast` check parses on, as `yaml::parse` gives
/// serde-saphyr (src/yaml.rs): `parse_full`, called directly here, runs on
/// the caller's stack and takes about 20 KiB a level up to `yaml::MAX_DEPTH`
/// in a debug build, and the fuzzer's thread may be smaller.
const PARSE_STACK: usize = 64 << 20;

/// The fast YAML reader held to serde-saphyr over any UTF-8 text (other bytes
/// are skipped: both readers take `&str`): whatever `yaml::parse_fast` reads,
/// `yaml::parse_full` reads too, to the same value. Both run on a thread with
/// a parse-sized stack; a panic there is re-raised here.
pub fn yaml_fast(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || fast_agrees_with_full(text))
            .expect("a parsing thread")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
}

fn fast_agrees_with_full(text: &str) {
    let Some(fast) = yaml::parse_fast(text) else {
        return;
    };
    match yaml::parse_full(text) {
        Ok(full) => assert!(
            fast == full,
            "parse_fast and parse_full disagree on {text:?}\n fast: {fast}\n full: {full}"
        ),
        Err(e) => panic!(
            "parse_fast reads what parse_full refuses in {text:?}\n fast: {fast}\n full: error at line {}, column {}: {}",
            e.line, e.column, e.message
        ),
    }
}

/// The full reader's refusals over any UTF-8 text: it never panics; a
/// refusal names a line of the text (1 to one past the last) in a message
/// with no control character, and the fast reader does not read what it
/// refuses; a document it reads, written again by `yaml::emit`, reads back
/// as the same value (what kof-route writes is never a spelling its reader,
/// held to go-yaml's, refuses or reads otherwise).
pub fn yaml_refusals(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || refusal_names_a_line(text))
            .expect("a parsing thread")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
}

fn refusal_names_a_line(text: &str) {
    match yaml::parse_full(text) {
        Err(e) => {
            let lines = text
                .split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
                .count();
            assert!(
                (1..=lines + 1).contains(&e.line),
                "line {} of {lines} in {text:?}: {}",
                e.line,
                e.message
            );
            assert!(
                !e.message.chars().any(char::is_control),
                "a control character in {:?}",
                e.message
            );
            assert!(
                yaml::parse_fast(text).is_none(),
                "parse_fast reads what parse_full refuses ({}) in {text:?}",
                e.message
            );
        }
        Ok(v) => {
            let written = yaml::emit(&v);
            match yaml::parse_full(&written) {
                Ok(back) => assert!(
                    back == v,
                    "{text:?} written as {written:?} reads back as {back}"
                ),
                Err(e) => panic!("{text:?} written as {written:?} is refused: {e}"),
            }
        }
    }
}

/// What `redact` hides in the selected documents: each hidden string (inside
/// a v1alpha1 config string too), when it is long enough not to occur by
/// chance and occurs nowhere in the redacted documents themselves.
fn hidden_strings(input: &[u8]) -> Vec<String> {
    fn walk(a: &Value, b: &Value, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => x
                .iter()
                .filter_map(|(k, xa)| Some((xa, y.get(k)?)))
                .for_each(|(xa, yb)| walk(xa, yb, out)),
            (Value::Array(x), Value::Array(y)) => {
                x.iter().zip(y).for_each(|(xa, yb)| walk(xa, yb, out))
            }
            (Value::String(x), Value::String(y)) if x != y => {
                match (yaml::parse(x), yaml::parse(y)) {
                    (Ok(xa @ Value::Object(_)), Ok(yb @ Value::Object(_))) => walk(&xa, &yb, out),
                    _ => out.push(x.clone()),
                }
            }
            _ if a != b => out.push(a.to_string()),
            _ => {}
        }
    }
    let Ok((_, selected)) = select(input) else {
        return Vec::new();
    };
    let mut hidden = Vec::new();
    let mut shown = String::new();
    for sel in &selected {
        let redacted = redact::redact(&sel.value);
        walk(&sel.value, &redacted, &mut hidden);
        shown.push_str(&redacted.to_string());
        shown.push_str(&yaml::emit(&redacted));
    }
    hidden.retain(|h| h.len() >= 8 && !shown.contains(h.as_str()));
    hidden
}

/// `diff`, `--explain`, the warnings and any error print no value `redact`
/// hides (issue 14: secrets never reach what a person reads).
fn no_secret_is_shown(plan: &Plan, input: &[u8]) {
    let hidden = hidden_strings(input);
    if hidden.is_empty() {
        return;
    }
    // What the route writes itself (`resource/k8sclustername`, the flags'
    // values, the keys it adds) is shown whatever the input hid under the same
    // text.
    let (shown, written) = match render_for_review(plan, input) {
        Ok(r) => {
            let written: String = r
                .edits
                .iter()
                .flat_map(|e| {
                    let keys = e.path.iter().filter_map(|s| match s {
                        kof_route::edit::Seg::Key(k) => Some(k.clone()),
                        kof_route::edit::Seg::Index(_) => None,
                    });
                    keys.chain(e.new_value().map(|v| v.to_string()))
                })
                .collect();
            let shown = [
                report::diff(&r, false),
                report::explain(&r),
                r.warnings.join("\n"),
            ]
            .concat();
            (shown, written)
        }
        Err(e) => (format!("{e:#}"), String::new()),
    };
    for h in hidden.iter().filter(|h| !written.contains(h.as_str())) {
        assert!(
            !shown.contains(h.as_str()),
            "a hidden value is shown: {h:?}\n{shown}"
        );
    }
}
