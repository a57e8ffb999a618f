//! kof-route reads a manifest as Kubernetes reads it: a generated
//! differential test against kubectl (sigs.k8s.io/yaml, i.e. go-yaml v2 and a
//! conversion to JSON), over hundreds of scalar spellings placed both as a
//! value and as a mapping key, plus merge keys and quoted line breaks.
//!
//! kubectl runs once over a multi-document stream of all accepted cases (not
//! once per case); the few cases kof-route refuses are each run alone, and
//! kubectl must refuse them too. Numbers compare by value: Kubernetes' JSON
//! writes the float 1000.0 as `1000`, which means the same to the API server.

mod support;

use serde_json::Value;

/// Spellings that are plain scalars in both key and value position.
fn spellings() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let words = [
        "y", "yes", "n", "no", "on", "off", "true", "false", "null", "t", "f", "nul", "yess",
    ];
    for w in words {
        let upper = w.to_uppercase();
        let title = format!("{}{}", &upper[..1], &w[1..]);
        let mixed: String = w
            .chars()
            .enumerate()
            .map(|(i, c)| match i % 2 {
                1 => c.to_ascii_uppercase(),
                _ => c,
            })
            .collect();
        let mixed2: String = w
            .chars()
            .enumerate()
            .map(|(i, c)| match i % 2 {
                0 => c.to_ascii_uppercase(),
                _ => c,
            })
            .collect();
        out.extend([w.to_string(), upper, title, mixed, mixed2]);
    }
    out.extend(["~", "Null", "NULL", "nULL", ".nan", ".NaN", ".NAN", ".Nan"].map(String::from));
    out.extend(
        [
            "-.inf", "+.INF", "-.Inf", ".inF", "inf", "-inf", "nan", "NaN", "Infinity",
        ]
        .map(String::from),
    );
    let bodies = [
        "0",
        "00",
        "07",
        "08",
        "09",
        "0700",
        "0755",
        "0o17",
        "0O17",
        "0o8",
        "0x1F",
        "0X1f",
        "0x",
        "0xg",
        "0b101",
        "0B11",
        "0b2",
        "1",
        "12",
        "1_000",
        "1_",
        "1__0",
        "_1",
        "0_7",
        "0_8",
        "0x_1F",
        "0b_1",
        "0o_7",
        "1.",
        "0.",
        "00.5",
        "1.5",
        "1.50",
        "1_0.5",
        "0.1_0",
        ".5",
        "._5",
        ".5_0",
        ".5e3",
        ".e3",
        "5.e3",
        "1e3",
        "1E3",
        "1e+3",
        "1e-3",
        "1e",
        "e3",
        "1e3.5",
        "1_0e1_0",
        "1e_3",
        "0e0",
        "1.2.3",
        "0x1p3",
        "1e999",
        "1e-999",
        "1e21",
        "1e20",
        "1e6",
        "123456789.0",
        "123456",
        "1234567",
        "0.0001",
        "1e-5",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "0x7FFFFFFFFFFFFFFF",
        "0xFFFFFFFFFFFFFFFF",
        "0x1FFFFFFFFFFFFFFFF",
        "1_2_3",
        "12_",
        "0x1F_",
        "0b1_0_1",
        "0.0",
        "10s",
        "512Mi",
        "1Gi",
        "100m",
        "1.11.0",
        "2001-12-14",
        "2001-12-14t21:59:43.10Z",
        "1:20",
        "190:20:30",
        "0.0.0.0",
        "1/2",
    ];
    for b in bodies {
        for sign in ["", "-", "+"] {
            out.push(format!("{sign}{b}"));
        }
    }
    out.extend(
        [
            "-",
            "+",
            ".",
            "..",
            "...x",
            "-.",
            "+.",
            "-_1",
            "--1",
            "+-1",
            "v1",
            "x1",
            "-x",
            "<<x",
            "=",
            "é",
            "1 2",
            "a b",
            "0 7",
            "on off",
            "null x",
            "-0",
            "+0",
            "-0.0",
            "${env:X}",
            "http://x:1",
            "/var/log",
            "a-b",
            "TRUE1",
            "yes!",
            "~x",
            "Y2",
            "n/a",
            "0x1F ",
            "nO",
        ]
        .map(String::from),
    );
    out.sort();
    out.dedup();
    out
}

/// Key and value documents for one spelling (named by its index).
fn documents(i: usize, s: &str) -> [String; 2] {
    let head =
        |what: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {what}-{i}\n");
    [
        format!("{}v: {s}\nl:\n  - {s}\nf: [{s}, x]\n", head("value")),
        format!("{}k:\n  {s}: x\n", head("key")),
    ]
}

/// Equal as Kubernetes means them: numbers by value, everything else exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// kubectl's JSON for every document of `stream`, by `metadata.name`; or its error.
fn kubectl_reads(dir: &std::path::Path, stream: &str) -> Result<Vec<Value>, String> {
    support::kube::read(dir, stream.as_bytes())
}

/// kof-route's reading of `doc`, without the fields kubectl adds or drops.
fn ours(doc: &str) -> Result<Value, String> {
    kof_route::yaml::parse(doc).map_err(|e| e.to_string())
}

/// Run every document through kof-route; the accepted ones through one
/// kubectl run, each refused one alone (kubectl must refuse it too).
fn differential(docs: &[String]) {
    differential_or_refused(docs, false);
}

/// As `differential`; with `refusal_ok`, kof-route may also refuse what
/// kubectl reads (but never read it otherwise).
fn differential_or_refused(docs: &[String], refusal_ok: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut accepted = Vec::new();
    let mut failures = Vec::new();
    let mut refused = 0;
    for doc in docs {
        match ours(doc) {
            Ok(v) => accepted.push((doc, v)),
            Err(e) => {
                refused += 1;
                match (kubectl_reads(dir.path(), doc), refusal_ok) {
                    (Ok(k), false) => failures.push(format!(
                        "kof-route refused ({e}), kubectl read {k:?}:\n{doc}"
                    )),
                    (Ok(_), true) => eprintln!("refused, though kubectl reads it ({e}):\n{doc}"),
                    (Err(_), _) => {}
                }
            }
        }
    }
    eprintln!(
        "{} documents: {} refused (kubectl run on each), {} in one kubectl run",
        docs.len(),
        refused,
        accepted.len()
    );
    let stream: Vec<&str> = accepted.iter().map(|(d, _)| d.as_str()).collect();
    let theirs =
        kubectl_reads(dir.path(), &stream.join("---\n")).expect("kubectl reads the stream");
    assert_eq!(theirs.len(), accepted.len());
    for (k, (doc, v)) in theirs.iter().zip(&accepted) {
        assert_eq!(
            k["metadata"]["name"], v["metadata"]["name"],
            "kubectl kept the order"
        );
        for (key, want) in k.as_object().unwrap() {
            if ["apiVersion", "kind", "metadata"].contains(&key.as_str()) {
                continue;
            }
            if !v.get(key).is_some_and(|got| same(got, want)) {
                failures.push(format!(
                    "{doc}  kubectl: {key}: {want}\n  kof-route: {:?}",
                    v.get(key)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} documents read differently:\n{}",
        failures.len(),
        docs.len(),
        failures.join("\n")
    );
}

#[test]
fn scalars_as_values_and_keys_read_as_kubectl_reads_them() {
    let cases = spellings();
    assert!(cases.len() > 300, "{} spellings", cases.len());
    let docs: Vec<String> = cases
        .iter()
        .enumerate()
        .flat_map(|(i, s)| documents(i, s))
        .collect();
    differential(&docs);
}

/// A collector kof-route patches, with `tail` appended under `spec:`.
fn collector(tail: &str) -> String {
    format!(
        "apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: kc-daemon
  namespace: kof
spec:
  mode: daemonset
  config:
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: 0.0.0.0:4317
    processors:
      batch: {{}}
    exporters:
      debug: {{}}
      prometheusremotewrite:
        endpoint: http://kc-vminsert:8480/insert/0/prometheus/api/v1/write
    service:
      pipelines:
        metrics:
          receivers: [otlp]
          processors: [batch, resource/k8sclustername]
          exporters: [prometheusremotewrite]
{tail}"
    )
}

const NEXT: &str =
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: after, namespace: kof}\n";

/// Route `input` (mothership, or `args`), and both streams as kubectl reads them.
fn routed_and_read(input: &str, args: &[String]) -> (Vec<Value>, Vec<Value>) {
    let run = support::run(args, input.as_bytes());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let dir = tempfile::tempdir().unwrap();
    let before = support::kube::as_kubernetes_reads(dir.path(), input.as_bytes());
    let after = support::kube::as_kubernetes_reads(dir.path(), &run.stdout);
    (before, after)
}

/// Item 11, write side: every spelling written as a string (value and key)
/// reads back as that string (kubectl reads as `yaml::parse` does, above).
#[test]
fn written_strings_read_back_as_strings() {
    for s in spellings() {
        let want = serde_json::json!({ "v": s, "k": { s.as_str(): "x" } });
        let text = kof_route::yaml::emit(&want);
        assert_eq!(kof_route::yaml::parse(&text).ok(), Some(want), "{text}");
    }
}

/// Item 11, v1alpha1: the operator reads `spec.config` with go-yaml v3,
/// where `on`, `yes`, `y` and `yEs` are strings; a rewritten config keeps them.
#[test]
fn a_rewritten_v1alpha1_config_keeps_yaml12_strings() {
    let config = "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n        on: on\n        flags: [yEs, yes, y, n, off, 'on', true]\nprocessors:\n  batch: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n";
    let indented: String = config.lines().map(|l| format!("    {l}\n")).collect();
    let input = format!(
        "apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nmetadata:\n  name: kc-alpha\n  namespace: kof\nspec:\n  mode: deployment\n  config: |\n{indented}{NEXT}"
    );
    let (before, after) = routed_and_read(&input, &support::route_flags("mothership"));
    let read = |docs: &[Value]| {
        let text = docs
            .iter()
            .find(|d| d["kind"] == "OpenTelemetryCollector")
            .unwrap()["spec"]["config"]
            .as_str()
            .unwrap()
            .to_string();
        kof_route::yaml::parse_config(&text).unwrap()
    };
    let (b, a) = (read(&before), read(&after));
    assert!(
        a["processors"].get("resource/k8sclustername").is_some(),
        "not routed"
    );
    let grpc = "/receivers/otlp/protocols/grpc";
    assert_eq!(a.pointer(grpc), b.pointer(grpc));
    assert_eq!(
        a.pointer(grpc).unwrap(),
        &serde_json::json!({"endpoint": "0.0.0.0:4317", "on": "on", "flags": ["yEs", "yes", "y", "n", "off", "on", true]})
    );
}
/// Item 6: a `<<` merge is applied where it stands (go-yaml v2: a later key,
/// merged or written, wins), so a merge can decide a document's kind. Every
/// document kubectl reads as a collector is routed; every other one is copied
/// byte for byte; values a merge decides keep the meaning kubectl gives them.
#[test]
fn merges_decide_what_kubernetes_reads_and_kof_route_follows() {
    let plain = collector("");
    let body = plain.split_once("metadata:").unwrap().1;
    let cases = [
        // A merge after the kind line makes a ConfigMap a collector.
        format!(
            "apiVersion: v1\nkind: ConfigMap\n<<: {{apiVersion: opentelemetry.io/v1beta1, kind: OpenTelemetryCollector}}\nmetadata:{body}"
        ),
        // The kind line after the merge wins: a ConfigMap.
        format!(
            "<<: {{apiVersion: opentelemetry.io/v1beta1, kind: OpenTelemetryCollector}}\napiVersion: v1\nkind: ConfigMap\nmetadata:{body}"
        ),
        // Through an anchor, and from a list (the first mapping wins).
        format!(
            "x-base: &b {{apiVersion: opentelemetry.io/v1beta1, kind: OpenTelemetryCollector}}\nkind: Secret\n<<: *b\nmetadata:{body}"
        ),
        format!(
            "kind: Secret\n<<: [{{kind: OpenTelemetryCollector}}, {{kind: ConfigMap}}]\napiVersion: opentelemetry.io/v1beta1\nmetadata:{body}"
        ),
        format!(
            "kind: Secret\n<<: [{{kind: ConfigMap}}, {{kind: OpenTelemetryCollector}}]\napiVersion: opentelemetry.io/v1beta1\nmetadata:{body}"
        ),
        // Inside the config: the merged timeout overrides the one before it.
        collector(
            "    extensions:\n      x: {timeout: 1s, <<: {timeout: 5s}, y: 1}\n      z: {<<: {timeout: 5s}, timeout: 1s}\n",
        ),
    ];
    let mut tree = support::route_flags("mothership");
    tree.push("--allow-missing".into());
    let mut in_place = tree.clone();
    in_place.push("--keep-format".into());
    for (case, args) in cases.iter().flat_map(|c| [(c, &tree), (c, &in_place)]) {
        let input = format!("{case}{NEXT}");
        let (before, after) = routed_and_read(&input, args);
        assert_eq!(before.len(), after.len());
        let run = support::run(args, input.as_bytes());
        for (b, a) in before.iter().zip(&after) {
            let config = |d: &Value| d["spec"]["config"].clone();
            if b["kind"] == "OpenTelemetryCollector" {
                assert!(
                    a["spec"]["config"]["processors"]
                        .get("resource/k8sclustername")
                        .is_some(),
                    "a collector (as kubectl reads it) left unrouted:\n{input}"
                );
                assert_eq!(config(a)["extensions"], config(b)["extensions"], "{input}");
                assert_eq!(a["kind"], "OpenTelemetryCollector");
            } else {
                assert_eq!(a, b, "{input}");
            }
        }
        if before.iter().all(|d| d["kind"] != "OpenTelemetryCollector") {
            assert_eq!(
                support::text(&run.stdout),
                input,
                "untouched stream changed"
            );
        }
    }
}

/// Item 12: a `|+` scalar ending a patched document keeps exactly its own
/// trailing blank lines (they are the scalar's), not twice.
#[test]
fn a_keep_chomped_scalar_ending_a_patched_document_keeps_its_newlines() {
    for tail in [
        "  podAnnotations:\n    note: |+\n      hello\n\n\n",
        "  podAnnotations:\n    note: |+\n      hello\n\n  \n",
        "  args:\n    - |+\n      x\n\n",
        "  podAnnotations:\n    note: >+\n      a\n      b\n\n\n",
    ] {
        let input = format!("{}{NEXT}", collector(tail));
        let mut in_place = support::route_flags("mothership");
        in_place.push("--keep-format".into());
        let (before, after) = routed_and_read(&input, &support::route_flags("mothership"));
        let (_, after_in_place) = routed_and_read(&input, &in_place);
        assert_eq!(
            after_in_place, after,
            "--keep-format reads otherwise:\n{input}"
        );
        let [b, a] = [&before, &after].map(|docs| {
            docs.iter()
                .find(|d| d["kind"] == "OpenTelemetryCollector")
                .map(|d| {
                    (
                        d["spec"]["podAnnotations"].clone(),
                        d["spec"]["args"].clone(),
                    )
                })
                .unwrap()
        });
        assert_eq!(a, b, "the scalar changed on the way through:\n{input}");
    }
}

/// Item 11: go-yaml v2 (like libyaml) takes a raw NEL (U+0085) for a line
/// break, everywhere: in a quoted scalar it folds to a space as a newline
/// does. kof-route reads it the same way, or refuses it where its parser
/// (YAML 1.2) wants a quoted scalar's next line indented (never another value).
#[test]
fn a_raw_nel_is_a_line_break_as_in_kubernetes() {
    let bodies = [
        "v: \"a\u{85}b\"\n",
        "v: \"a \u{85} b\"\n",
        "v: \"a\u{85}\u{85}b\"\n",
        "v: \"a\\\u{85}  b\"\n",
        "v: 'a\u{85}b'\n",
        "v: 'a\u{85}\u{85}b'\n",
        "v: a\u{85} b\n",
        "v: x # c\u{85}\n",
        "v: x\u{85}w: y\n",
        "v: |\n  a\u{85}  b\n",
        "v: [a,\u{85}b]\n",
        "\"k\u{85}x\": 1\n",
    ];
    let docs: Vec<String> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nel-{i}\n{b}"))
        .collect();
    differential_or_refused(&docs, true);
    // Where the next line is indented, the quoted scalar is read.
    let nested =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nel\nd:\n  v: \"a \u{85}   b\"\n";
    differential(&[nested.to_string()]);
}

/// Item 11, issue 25 item 4: a raw LS or PS (U+2028, U+2029) is a line break
/// to go-yaml v2 that it keeps as itself in a scalar's text. Inside a quoted
/// scalar between two non-blanks that is the character kof-route keeps: the
/// collector is routed and kubectl reads the same text. Beside a blank,
/// go-yaml drops the blank: kof-route refuses the document, naming it,
/// without echoing the character.
#[test]
fn a_raw_line_or_paragraph_separator_in_a_parsed_document_is_read_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    for c in ['\u{2028}', '\u{2029}'] {
        let input = collector(&format!("  podAnnotations:\n    note: \"a{c}b\"\n"));
        let run = support::run(&support::route_flags("mothership"), input.as_bytes());
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let read = support::kube::read(dir.path(), &run.stdout).unwrap();
        assert_eq!(read[0]["spec"]["podAnnotations"]["note"], format!("a{c}b"));
        let input = collector(&format!("  podAnnotations:\n    note: \"a {c}b\"\n"));
        let run = support::run(&support::route_flags("mothership"), input.as_bytes());
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains(
                "doc #1 opentelemetry.io/v1beta1 OpenTelemetryCollector kof/kc-daemon (line 1)"
            ) && run.stderr.contains("U+2028"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(c),
            "the raw character is echoed: {}",
            run.stderr
        );
    }
}

/// Tagged scalars, merges and aliases as values: read as kubectl reads them,
/// or refused.
#[test]
fn tags_merges_and_aliases_read_as_kubectl_reads_them() {
    let bodies = [
        "v: !!str 0700",
        "v: !!int \"12\"",
        "v: !!int 0x1F",
        "v: !!float 12",
        "v: !!float \"1_0\"",
        "v: !!bool yes",
        "v: !!bool \"on\"",
        "v: !!bool yEs",
        "v: !!null ~",
        "v: !!int 1.5",
        "v: !foo 12",
        "v: ! 12",
        "v: !foo [1, yes]",
        "v: !!binary aGVsbG8=",
        "v: !!timestamp 2001-12-14",
        "v: !!str",
        "k: {!!str 0700: 1, !!int '7': 2}",
        "a: &a 0700\nb: *a\nc: {*a : x}",
        "a: &a yes\nc: {*a : x}",
        "a: &a 1e3\nc: {*a : x}",
        "m: {a: 1, <<: {a: 2, b: 3}, b: 4}",
        "m: {<<: [{a: 1}, {a: 2, c: 5}], c: 6}",
        "x: &x {a: 1}\nm: {<<: *x, a: 2}",
        "x: &x {a: 1}\nm: {a: 2, <<: *x}",
        "x: &x [1]\nm: {<<: *x}",
        "m: {<<: 1}",
        "m: {'<<': {a: 1}}",
        "m: {<<: {<<: {a: 1}, a: 2}}",
        "m: {a: 1, a: 2}",
        "m: {yes: 1, true: 2}",
        "m: {~: 1}",
        "m: {[1]: 1}",
    ];
    let docs: Vec<String> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tag-{i}\n{b}\n"))
        .collect();
    differential_or_refused(&docs, true);
}
