//! Differential test against Kubernetes' own YAML reader: every document of
//! the routed stream, as Kubernetes reads it, equals the same document of the
//! input as Kubernetes reads it with the route's edits applied.
//!
//! "As Kubernetes reads it" is `kubectl annotate --local -o json`
//! (sigs.k8s.io/yaml over go-yaml v2, what the API server and Helm use). The
//! route's edits are kof-route's own JSON 6902 operations for the resource
//! (`export::operations`), `test` operations included: they are applied to
//! kubectl's reading, so a value kof-route read differently from Kubernetes
//! fails its `test` or shows as a difference. The output is the main mode's
//! (`kof_route::render`). Inputs: the real kof-collectors renders of every
//! version in both dialects, the hostile corpus (files Kubernetes and
//! kof-route both accept) and generated streams whose collectors carry
//! YAML 1.1 spellings (`yes`, `oN`, `0700`, `1_000`, `1e3`, `~`, quoted and
//! not, as values and as keys) around the nodes the route edits.

mod support;

use kof_route::{render, select};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::kube;

use support::kube::key;

/// `docs` with each v1alpha1 config string replaced by the config it holds:
/// the in-place writer keeps the string's own text where the route's
/// operations carry the tree's `yaml::emit` of it, the same config.
fn configs_parsed(mut docs: Vec<Value>) -> Vec<Value> {
    for d in &mut docs {
        if let Some(slot) = d.pointer_mut("/spec/config")
            && let Value::String(s) = slot
            && let Ok(config) = select::parse_config_text(s)
        {
            *slot = config;
        }
    }
    docs
}

struct Case {
    name: String,
    args: Vec<String>,
    input: Vec<u8>,
}

fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let plan = support::plan(&case.args);
    let output = match render(&plan, &case.input) {
        Ok(r) => r.output(),
        // Refusing what Kubernetes cannot read either is agreeing with it.
        Err(_) if !kube::reads(dir, &case.input) => return Ok(()),
        Err(e) => {
            let input = String::from_utf8_lossy(&case.input);
            return Err(format!("{}: refused: {e:#}\n{input}", case.name));
        }
    };
    let before = kube::as_kubernetes_reads(dir, &case.input);
    let after = configs_parsed(kube::as_kubernetes_reads(dir, &output));
    let want = kube::routed_reading(&case.args, &case.input, before)
        .map_err(|e| format!("{}: {e}", case.name))?;
    let want = configs_parsed(want);
    if want.len() != after.len() {
        return Err(format!(
            "{}: {} documents, expected {}",
            case.name,
            after.len(),
            want.len()
        ));
    }
    for (w, a) in want.iter().zip(&after) {
        if w != a {
            return Err(format!(
                "{}: {:?} differs as Kubernetes reads it\n expected: {w}\n      got: {a}",
                case.name,
                key(w)
            ));
        }
    }
    Ok(())
}

// ----- inputs -----------------------------------------------------------------

/// YAML 1.1 spellings that readers disagree on.
const SCALARS: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "yEs",
    "no",
    "No",
    "NO",
    "nO",
    "on",
    "On",
    "ON",
    "oN",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "False",
    "null",
    "Null",
    "NULL",
    "~",
    "0700",
    "0o700",
    "0x1F",
    "0x_1F",
    "1_000",
    "1_",
    "1__0",
    "0.1_0",
    "0_7",
    "1e3",
    "1E3",
    "-1_0e1_0",
    ".5",
    "1.",
    "0.",
    "+1",
    "-0",
    ".inf",
    "-.Inf",
    ".NaN",
    "12:30:00",
    "2001-12-14",
    "0b101",
    "'yes'",
    "\"on\"",
    "\"0700\"",
    "'~'",
    "\"1e3\"",
    "\"\"",
    "''",
    "\"x\\ty\"",
    "'it''s'",
    "[1, yes]",
    "{a: on}",
];

/// Keys whose YAML 1.1 reading is not a string.
const KEYS: &[&str] = &[
    "yes", "on", "y", "0700", "1e3", "1_000", "true", "Off", "0x1F", "2",
];

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// A collector whose untouched and touched neighbourhoods hold odd spellings.
fn collector(rng: &mut Rng, n: usize) -> String {
    let mut odd = String::new();
    // One retyped key at most: several may read as the same key (`y` and
    // `true` are both "true"), and a duplicated key is another question.
    let odd_key = rng.below(8);
    for i in 0..3 + rng.below(5) {
        let key = match i == odd_key {
            true => rng.pick(KEYS).to_string(),
            false => format!("k{i}"),
        };
        odd.push_str(&format!("              {key}: {}\n", rng.pick(SCALARS)));
    }
    let label = rng.pick(SCALARS);
    let list = rng.pick(SCALARS);
    format!(
        "---\n# Source: kof-collectors/templates/c{n}.yaml\n\
         apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\n\
         metadata:\n  name: c{n}\n  namespace: kof\nspec:\n  mode: deployment\n\
         \x20 env:\n  - name: X\n    value: {list}\n\
         \x20 config:\n    receivers:\n      otlp:\n        protocols:\n          grpc:\n\
         \x20           keepalive:\n{odd}\
         \x20   processors:\n      batch: {{}}\n\
         \x20   exporters:\n      prometheusremotewrite:\n        endpoint: http://vm:8428/api/v1/write\n\
         \x20       external_labels:\n          odd: {label}\n\
         \x20       tls:\n          insecure: {list}\n\
         \x20     otlphttp/logs:\n        logs_endpoint: http://vl:9428/insert/opentelemetry/v1/logs\n\
         \x20       compression: {label}\n\
         \x20   service:\n      pipelines:\n        metrics:\n          receivers: [otlp]\n\
         \x20         processors: [batch]\n          exporters: [prometheusremotewrite]\n\
         \x20       logs:\n          receivers: [otlp]\n          exporters: [otlphttp/logs]\n"
    )
}

fn generated(count: u64) -> Vec<Case> {
    let routes = support::every_route();
    (0..count)
        .map(|seed| {
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let docs = 1 + rng.below(3);
            let input: String = (0..docs).map(|n| collector(&mut rng, n)).collect();
            let (route, args) = &routes[seed as usize % routes.len()];
            Case {
                name: format!("generated seed {seed} ({route})"),
                args: args.clone(),
                input: input.into_bytes(),
            }
        })
        .collect()
}

fn fixtures() -> Vec<Case> {
    let mut cases = Vec::new();
    for version in ["1.8.0", "1.9.0", "1.10.0", "1.11"] {
        for dialect in ["helm3", "helm4"] {
            let path = format!("fixtures/kof-{version}/{dialect}/kof-collectors.yaml");
            let input = support::fixture(&path);
            for (route, args) in support::every_route() {
                cases.push(Case {
                    name: format!("{path} {route}"),
                    args,
                    input: input.clone(),
                });
            }
        }
    }
    cases
}

#[test]
fn the_real_renders_read_as_kubernetes_reads_them_plus_the_edits() {
    kube::run_all(&fixtures(), check);
}

#[test]
fn generated_collectors_read_as_kubernetes_reads_them_plus_the_edits() {
    let count = std::env::var("KOF_ROUTE_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(80);
    kube::run_all(&generated(count), check);
}

/// The hostile corpus: every file both Kubernetes and kof-route accept.
#[test]
fn the_hostile_corpus_reads_as_kubernetes_reads_it_plus_the_edits() {
    let dir = support::root().join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let probe = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for file in files {
        let input = std::fs::read(&file).unwrap();
        if !kube::reads(probe.path(), &input) {
            continue;
        }
        // Two resources of the same name: which one an edit was for is not
        // in Kubernetes' reading.
        let read = kube::as_kubernetes_reads(probe.path(), &input);
        if read.windows(2).any(|w| key(&w[0]) == key(&w[1])) {
            continue;
        }
        for (route, args) in support::every_route() {
            if render(&support::plan(&args), &input).is_ok() {
                let name = format!("{} {route}", file.file_name().unwrap().to_string_lossy());
                cases.push(Case {
                    name,
                    args,
                    input: input.clone(),
                });
            }
        }
    }
    assert!(
        cases.len() >= 40,
        "only {} hostile cases are accepted by both",
        cases.len()
    );
    kube::run_all(&cases, check);
}
