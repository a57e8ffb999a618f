//! Property tests over generated manifest streams and arbitrary bytes.
//!
//! Streams are random mixes of ConfigMaps, comment-only documents and small
//! v1beta1 collectors, joined as Helm 3 (`---` + `# Source:` per document) or
//! Helm 4 (no leading `---`, a filename annotation, leading comments) writes
//! them, sometimes with CRLF line endings or a byte-order mark. Through
//! `kof_route::render` with every route they must keep: the document count and
//! order, every document that is not a collector byte for byte, header comments,
//! collector metadata, and a second run must change nothing. Arbitrary bytes,
//! YAML-token soup and randomly damaged streams must never panic: `render`
//! returns the whole output or an error naming the document, never a part.
//!
//! Each property runs on a thread with a 16 MiB stack: `render` parses on
//! threads of its own, but the checks here also call `select`, which parses
//! on the caller's thread and needs about 2.5 MiB at the depth limit in a
//! debug build (tests/hostile/FINDINGS.md, F5). `PROPTEST_CASES` overrides the
//! number of cases; failures are kept in tests/hostile/proptest-regressions.txt
//! and replayed first.

mod support;

use kof_route::cli::plan::Plan;
use kof_route::{read, render, yaml};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use std::collections::{BTreeMap, BTreeSet};

/// The fuzz targets' checks (fuzz/checks.rs), built here too so that an API
/// change breaks this build rather than only scripts/fuzz.sh.
#[path = "../fuzz/checks.rs"]
mod fuzz_checks;

/// One plan per route, from the registry's example flags, each with
/// `--allow-missing` when asked.
fn plans(allow_missing: bool) -> Vec<(String, Plan)> {
    support::every_route()
        .into_iter()
        .map(|(_, mut args)| {
            if allow_missing {
                args.push("--allow-missing".into());
            }
            (args.join(" "), support::plan(&args))
        })
        .collect()
}

/// Run `f` on a new thread with a 16 MiB stack and re-raise its panic.
fn on_thread(f: impl FnOnce() + Send + 'static) {
    let handle = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(f)
        .unwrap();
    if let Err(panic) = handle.join() {
        std::panic::resume_unwind(panic);
    }
}

fn runner(default_cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/hostile/proptest-regressions.txt",
        ))),
        ..Config::default()
    })
}

/// Run a property; a failure panics with the minimal failing input.
fn check<S: Strategy>(
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(default_cases).run(&strategy, test) {
        panic!("{e}");
    }
}

// ----- generated streams ------------------------------------------------------

const EXPORTERS: [(&str, &str, &str); 5] = [
    ("prometheusremotewrite", "endpoint", "metrics"),
    ("otlphttp/logs", "logs_endpoint", "logs"),
    ("otlphttp/logs-audit", "logs_endpoint", "logs/audit"),
    ("otlphttp/traces", "traces_endpoint", "traces"),
    ("debug", "", "logs/debug"),
];

#[derive(Debug, Clone)]
struct Collector {
    name: String,
    namespace: String,
    /// Indexes into EXPORTERS, at least one.
    exporters: BTreeSet<usize>,
    env: BTreeMap<String, String>,
    labels: Option<(String, String)>,
    /// Write `spec.config` in flow style (`{...}`) instead of block style.
    flow: bool,
}

#[derive(Debug, Clone)]
enum Item {
    ConfigMap {
        name: String,
        data: Vec<(String, String)>,
    },
    Comments(Vec<String>),
    Collector(Collector),
}

#[derive(Debug, Clone)]
struct Gen {
    items: Vec<Item>,
    helm4: bool,
    crlf: bool,
    bom: bool,
    /// Helm 4: comment lines before each resource.
    lead: Vec<String>,
}

fn dns_label() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9-]{0,10}[a-z0-9])?"
}

fn collector() -> impl Strategy<Value = Collector> {
    (
        dns_label(),
        dns_label(),
        prop::collection::btree_set(0..EXPORTERS.len(), 1..=EXPORTERS.len()),
        prop::collection::btree_map("[A-Z][A-Z0-9_]{0,10}", "[a-z0-9/._-]{0,12}", 0..4),
        prop::option::of(("[a-z]{1,8}", "[a-z0-9-]{0,8}")),
        any::<bool>(),
    )
        .prop_map(
            |(name, namespace, exporters, env, labels, flow)| Collector {
                name,
                namespace,
                exporters,
                env,
                labels,
                flow,
            },
        )
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        3 => (dns_label(), prop::collection::vec(("[a-z][a-zA-Z0-9_.-]{0,10}", "[A-Za-z0-9 _.,/=:-]{0,24}"), 0..4))
            .prop_map(|(name, data)| Item::ConfigMap { name, data }),
        1 => prop::collection::vec("[A-Za-z0-9 _.,/:=-]{0,30}", 1..3).prop_map(Item::Comments),
        2 => collector().prop_map(Item::Collector),
    ]
}

fn generated() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(item(), 0..8),
        any::<bool>(),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop::collection::vec("[A-Za-z0-9 _.,:-]{0,20}", 0..2),
    )
        .prop_map(|(items, helm4, crlf, bom, lead)| Gen {
            items,
            helm4,
            crlf,
            bom,
            lead,
        })
}

impl Collector {
    fn config_block(&self) -> String {
        let mut exporters = String::new();
        let mut pipelines = String::new();
        for &i in &self.exporters {
            let (name, key, pipeline) = EXPORTERS[i];
            if key.is_empty() {
                exporters.push_str(&format!("      {name}: {{}}\n"));
            } else {
                exporters.push_str(&format!(
                    "      {name}:\n        {key}: http://in-cluster:4318/{i}\n"
                ));
            }
            let processors = if pipeline == "metrics" {
                "[batch, resource/k8sclustername]"
            } else {
                "[batch]"
            };
            pipelines.push_str(&format!(
                "        {pipeline}:\n          receivers: [otlp]\n          processors: {processors}\n          exporters: [{name}]\n"
            ));
        }
        format!(
            "    receivers:\n      otlp:\n        protocols:\n          grpc: {{}}\n    processors:\n      batch: {{}}\n    exporters:\n{exporters}    service:\n      pipelines:\n{pipelines}"
        )
    }

    fn config_flow(&self) -> String {
        let mut exporters = Vec::new();
        let mut pipelines = Vec::new();
        for &i in &self.exporters {
            let (name, key, pipeline) = EXPORTERS[i];
            exporters.push(if key.is_empty() {
                format!("{name}: {{}}")
            } else {
                format!("{name}: {{{key}: 'http://in-cluster:4318/{i}'}}")
            });
            pipelines.push(format!(
                "{pipeline}: {{receivers: [otlp], processors: [batch], exporters: [{name}]}}"
            ));
        }
        // {receivers: ..., processors: ..., exporters: {...}, service: {pipelines: {...}}}
        let mut t = String::from(
            "    {receivers: {otlp: {protocols: {grpc: {}}}}, processors: {batch: {}},\n",
        );
        t.push_str(&format!("     exporters: {{{}}},\n", exporters.join(", ")));
        t.push_str(&format!(
            "     service: {{pipelines: {{{}}}}}}}\n",
            pipelines.join(", ")
        ));
        t
    }

    fn text(&self, annotation: Option<&str>) -> String {
        let mut t = format!(
            "apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata:\n  name: {}\n  namespace: {}\n",
            self.name, self.namespace
        );
        if let Some((k, v)) = &self.labels {
            t.push_str(&format!("  labels:\n    {k}: \"{v}\"\n"));
        }
        if let Some(file) = annotation {
            t.push_str(&format!(
                "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{file}'\n"
            ));
        }
        t.push_str("spec:\n  mode: daemonset\n");
        if !self.env.is_empty() {
            t.push_str("  env:\n");
            for (k, v) in &self.env {
                t.push_str(&format!("    - name: {k}\n      value: \"{v}\"\n"));
            }
        }
        if self.flow {
            t.push_str("  config:\n");
            t.push_str(&self.config_flow());
        } else {
            t.push_str("  config:\n");
            t.push_str(&self.config_block());
        }
        t
    }
}

impl Gen {
    fn has_collector(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Collector(_)))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut docs = Vec::new();
        for (n, item) in self.items.iter().enumerate() {
            let file = format!("kof-collectors/templates/t{n}.yaml");
            let annotation = self.helm4.then_some(file.as_str());
            let body = match item {
                Item::ConfigMap { name, data } => {
                    let mut t =
                        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
                    if let Some(file) = annotation {
                        t.push_str(&format!(
                            "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{file}'\n"
                        ));
                    }
                    t.push_str("data:\n");
                    for (k, v) in data {
                        t.push_str(&format!("  {k}: \"{v}\"\n"));
                    }
                    t
                }
                Item::Comments(lines) => lines.iter().map(|l| format!("# {l}\n")).collect(),
                Item::Collector(c) => c.text(annotation),
            };
            let doc = if self.helm4 {
                let lead: String = if matches!(item, Item::Comments(_)) {
                    String::new()
                } else {
                    self.lead.iter().map(|l| format!("# {l}\n")).collect()
                };
                format!("{}{lead}{body}", if n == 0 { "" } else { "---\n" })
            } else {
                format!("---\n# Source: {file}\n{body}")
            };
            docs.push(doc);
        }
        let mut text = docs.concat();
        if self.crlf {
            text = text.replace('\n', "\r\n");
        }
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        out.extend_from_slice(text.as_bytes());
        out
    }
}

// ----- the invariants ----------------------------------------------------------

fn metadata(raw: &[u8]) -> Option<serde_json::Value> {
    let v = yaml::parse(std::str::from_utf8(raw).ok()?).ok()?;
    v.get("metadata").cloned()
}

/// The invariants of a successful render of `input` into `output`: the
/// stream invariants (tests/support), collector metadata kept, and a second
/// render changes nothing.
fn routed_ok(plan: &Plan, input: &[u8], output: &[u8]) -> Result<(), TestCaseError> {
    let problems = support::stream_invariants(input, output);
    prop_assert!(problems.is_empty(), "{}", problems.join("; "));
    let (a, b) = (read::split(input), read::split(output));
    for (i, (x, y)) in a.docs.iter().zip(&b.docs).enumerate() {
        // Only documents select() picks may differ (the stream invariants).
        if x.raw != y.raw {
            prop_assert_eq!(
                metadata(x.raw),
                metadata(y.raw),
                "doc #{} lost its metadata",
                i + 1
            );
        }
    }
    let again = render(plan, output)
        .map_err(|e| TestCaseError::fail(format!("the output is refused: {e:#}")))?;
    prop_assert_eq!(
        &again.output()[..],
        output,
        "a second run changed the output"
    );
    prop_assert!(
        !again.changed(),
        "a second run reports changes: {:?}",
        again.edits
    );
    Ok(())
}

/// `render` on any input: Ok with the invariants, or an error that names the
/// document and line (or says there is no collector). Never a panic.
fn any_outcome(plan: &Plan, input: &[u8]) -> Result<(), TestCaseError> {
    match render(plan, input) {
        Ok(r) => routed_ok(plan, input, &r.output()),
        Err(e) => {
            let m = format!("{e:#}");
            prop_assert!(
                m.contains("no OpenTelemetryCollector")
                    || (m.contains("doc #") && m.contains("(line "))
                    || m.contains("leaves collectors inconsistent"),
                "an error that names no document: {}",
                m
            );
            Ok(())
        }
    }
}

// ----- the properties ----------------------------------------------------------

/// Generated Helm 3 / Helm 4 streams with collectors route under every route.
#[test]
fn generated_streams_route_and_keep_their_shape() {
    on_thread(|| {
        let plans = plans(false);
        check(256, (generated(), 0..plans.len()), |(g, p)| {
            let input = g.bytes();
            let (name, plan) = &plans[p];
            match render(plan, &input) {
                Ok(r) => {
                    prop_assert!(g.has_collector(), "{name}: no collector, yet Ok");
                    prop_assert!(r.changed(), "{name}: routed nothing");
                    routed_ok(plan, &input, &r.output())
                }
                Err(e) => {
                    prop_assert!(
                        !g.has_collector(),
                        "{name}: refused a valid stream: {e:#}\n{}",
                        String::from_utf8_lossy(&input)
                    );
                    let m = format!("{e}");
                    prop_assert!(m.contains("no OpenTelemetryCollector"), "{}", m);
                    Ok(())
                }
            }
        });
    });
}

/// With --allow-missing, a stream without collectors comes out as it went in.
#[test]
fn streams_without_collectors_pass_through_when_allowed() {
    on_thread(|| {
        let plans = plans(true);
        let no_collector = generated().prop_map(|mut g| {
            g.items.retain(|i| !matches!(i, Item::Collector(_)));
            g
        });
        check(128, (no_collector, 0..plans.len()), |(g, p)| {
            let input = g.bytes();
            let r =
                render(&plans[p].1, &input).map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
            prop_assert_eq!(r.output(), input);
            Ok(())
        });
    });
}

/// Arbitrary bytes: never a panic; Ok keeps the invariants, Err names the document.
#[test]
fn arbitrary_bytes_never_panic() {
    on_thread(|| {
        let mut plans = plans(false);
        plans.extend(self::plans(true));
        check(
            512,
            (prop::collection::vec(any::<u8>(), 0..2048), 0..plans.len()),
            |(bytes, p)| any_outcome(&plans[p].1, &bytes),
        );
    });
}

/// Pieces of YAML and of manifests, glued at random: deeper into the parser
/// than random bytes get.
const TOKENS: &[&str] = &[
    "\n",
    "\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "  ",
    "    ",
    "---",
    "---\n",
    "--- ",
    "...",
    "...\n",
    "#",
    "# Source: x.yaml\n",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    "\"",
    "\\",
    "|",
    ">",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!t ",
    "? ",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2026:\n",
    "\u{feff}",
    "é",
    "\u{0}",
    "\u{1}",
    "apiVersion: opentelemetry.io/v1beta1\n",
    "apiVersion: opentelemetry.io/v1alpha1\n",
    "kind: OpenTelemetryCollector\n",
    "kind: Deployment\n",
    "kind: List\n",
    "metadata:\n  name: c\n  namespace: kof\n",
    "  labels: {app.kubernetes.io/name: opencost}\n",
    "opencost",
    "spec:\n",
    "  config:\n",
    "  config: |\n",
    "    receivers: {otlp: {}}\n",
    "    exporters:\n",
    "      prometheusremotewrite: {endpoint: http://x}\n",
    "      debug: {}\n",
    "    service: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}}}\n",
    "  env: [{name: PKI_PATH, value: x}]\n",
    "  env: x\n",
    "password: S3CRET\n",
    "0700",
    "on",
    "~",
    "null",
    "1e400",
    ".nan",
    "key",
    "value",
];

#[test]
fn yaml_token_soup_never_panics() {
    on_thread(|| {
        let mut plans = plans(false);
        plans.extend(self::plans(true));
        let soup =
            prop::collection::vec(prop::sample::select(TOKENS), 0..200).prop_map(|t| t.concat());
        check(1024, (soup, 0..plans.len()), |(text, p)| {
            any_outcome(&plans[p].1, text.as_bytes())
        });
    });
}

/// A generated stream with a few bytes replaced, inserted or removed.
#[test]
fn damaged_streams_never_panic() {
    on_thread(|| {
        let plans = plans(false);
        let edits =
            prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6);
        check(
            512,
            (generated(), edits, 0..plans.len()),
            |(g, edits, p)| {
                let mut bytes = g.bytes();
                for (at, op, byte) in edits {
                    if bytes.is_empty() {
                        bytes.push(byte);
                        continue;
                    }
                    let i = at.index(bytes.len());
                    match op {
                        0 => bytes[i] = byte,
                        1 => bytes.insert(i, byte),
                        _ => {
                            bytes.remove(i);
                        }
                    }
                }
                any_outcome(&plans[p].1, &bytes)
            },
        );
    });
}

/// The splitter: every byte in exactly one document, contiguous, lines counted.
#[test]
fn splitter_covers_every_byte() {
    check(
        1024,
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            prop::collection::vec(prop::sample::select(TOKENS), 0..100)
                .prop_map(|t| t.concat().into_bytes()),
        ],
        |bytes| {
            let s = read::split(&bytes);
            let mut joined = s.bom.to_vec();
            let (mut offset, mut line) = (0, 1);
            for d in &s.docs {
                prop_assert_eq!(d.offset, offset);
                prop_assert_eq!(d.line, line);
                prop_assert!(!d.raw.is_empty());
                offset += d.raw.len();
                line += d.raw.iter().filter(|&&b| b == b'\n').count();
                joined.extend_from_slice(d.raw);
                let p = d.parts();
                prop_assert_eq!([p.separator, p.header, p.body, p.trailer].concat(), d.raw);
            }
            prop_assert_eq!(joined, bytes);
            Ok(())
        },
    );
}

/// The fuzz targets' checks over the fuzzer's seeds: the corpus in
/// tests/hostile/, the fixtures, every route.
#[test]
fn fuzz_checks_over_the_seed_corpus() {
    on_thread(|| {
        let root = support::root();
        let mut files = Vec::new();
        for dir in [
            "tests/hostile",
            "fixtures/variants",
            "fixtures/kof-1.11/helm3",
            "fixtures/kof-1.11/helm4",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 50, "{files:?}");
        for path in files {
            let data = std::fs::read(&path).unwrap();
            fuzz_checks::split(&data);
            for route in 0..fuzz_checks::ROUTES.len() as u8 {
                let mut input = vec![route];
                input.extend_from_slice(&data);
                fuzz_checks::render_with_route_byte(&input);
                fuzz_checks::inplace_agrees_with_tree(&input);
            }
        }
    });
}

/// Inputs the fuzz targets once failed on, replayed as they were found:
/// tests/fuzz-regressions/TARGET-*.bin, each through its target's checks
/// (for `render` and `inplace` the first byte picks the route).
#[test]
fn fuzz_checks_over_past_findings() {
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 5] = [
        ("render-", fuzz_checks::render_with_route_byte),
        ("inplace-", fuzz_checks::inplace_agrees_with_tree),
        ("yaml_fast-", fuzz_checks::yaml_fast),
        ("yaml_refusals-", fuzz_checks::yaml_refusals),
        ("split-", fuzz_checks::split),
    ];
    on_thread(move || {
        let dir = support::root().join("tests/fuzz-regressions");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let (_, check) = targets
                .iter()
                .find(|(prefix, _)| name.starts_with(prefix))
                .unwrap_or_else(|| panic!("{name}: no fuzz target of that name"));
            check(&data);
            n += 1;
        }
        assert!(n >= 2, "only {n} past findings replayed");
    });
}
