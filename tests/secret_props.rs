//! Property: no planted secret value reaches anything kof-route shows a person.
//!
//! Generated collectors (v1beta1 with a config mapping, v1alpha1 with a config
//! string; block or flow style) carry marked secret values at random places a
//! credential can sit: exporter headers (any name), URL userinfo and query
//! parameters, `tls.key_pem`, `api.key`, basicauth and bearer-token
//! extensions, `headers_setter`, Kafka SASL passwords, env entries of
//! secret-looking variables, an all-letters `Basic` header. The secrets sit on
//! exporters the route keeps, repoints (dropping headers) or replaces, and
//! some collectors are broken so that routing fails. Over every route, alone
//! and with `--fanout otlp` and `--fanout s3` and their `--fanout-*` settings
//! (secrets also sit on an earlier run's `otlphttp/kof-kernel`), through
//! the library's own reports: `diff`, `--explain`, `check`, the warnings and
//! error message (what stderr gets), the run log's text (`log::report`), and
//! `export`'s patches, which go to Git. The process-level wiring of the same
//! outputs is held by tests/hostile.rs over the hand-made corpus.

mod support;

use kof_route::{log, render_for_export, render_for_review, report, select};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A secret: its marker makes it findable in any output, whatever quoting or
/// escaping an output adds around it.
fn secret(n: usize) -> String {
    format!("S3CRET{n}x")
}

/// Where a credential can sit, as a function planting `s` into the collector.
type Site = fn(&mut Value, &str, &str);

fn exporter<'v>(config: &'v mut Value, name: &str) -> &'v mut Value {
    let e = &mut config["exporters"][name];
    if e.is_null() {
        *e = json!({});
    }
    e
}

const SITES: &[(&str, Site)] = &[
    ("a header", |c, x, s| {
        exporter(c, x)["headers"]["Authorization"] = json!(format!("Bearer {s}"))
    }),
    ("an oddly named header", |c, x, s| {
        exporter(c, x)["headers"]["X-Scope-Thing"] = json!(s)
    }),
    ("URL userinfo", |c, x, s| {
        exporter(c, x)["endpoint"] = json!(format!("https://admin:{s}@vm.example.com/write"))
    }),
    ("a URL query parameter", |c, x, s| {
        exporter(c, x)["endpoint"] = json!(format!("https://vm.example.com/w?api_key={s}&a=b"))
    }),
    ("tls.key_pem", |c, x, s| {
        exporter(c, x)["tls"]["key_pem"] = json!(format!("-----BEGIN KEY-----\n{s}\n"))
    }),
    ("api.key", |c, x, s| {
        exporter(c, x)["api"] = json!({"key": s, "site": "datadoghq.eu"})
    }),
    ("an all-letters Basic header", |c, x, s| {
        let letters: String = s.chars().filter(char::is_ascii_alphabetic).collect();
        exporter(c, x)["headers"]["authorization"] = json!(format!("Basic {letters}three"))
    }),
    ("a basicauth extension", |c, _, s| {
        c["extensions"]["basicauth/v"] = json!({"client_auth": {"username": "u", "password": s}})
    }),
    ("a bearer token extension", |c, _, s| {
        c["extensions"]["bearertokenauth/v"] = json!({"token": s})
    }),
    (
        "headers_setter",
        |c, _, s| {
            c["extensions"]["headers_setter"] =
                json!({"headers": [{"key": "X-Api", "value": s, "action": "upsert"}]})
        },
    ),
    (
        "a Kafka SASL password",
        |c, _, s| {
            c["receivers"]["kafka"] =
                json!({"auth": {"sasl": {"username": "u", "password": s, "mechanism": "PLAIN"}}})
        },
    ),
];

/// Env entries whose value is a credential by its variable's name.
const ENV_NAMES: &[&str] = &[
    "OTEL_EXPORTER_OTLP_HEADERS",
    "SENTRY_DSN",
    "DD_API_KEY",
    "VENDOR_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
];

/// Exporters the secrets are planted on: KOF's (repointed or replaced by
/// routes), a vendor's (kept), and an earlier run's fan-out exporter (replaced
/// by `--fanout`, removed without it).
const ON: &[&str] = &[
    "prometheusremotewrite",
    "otlphttp/logs",
    "otlphttp/traces",
    "otlphttp/vendor",
    "otlphttp/kof-kernel",
];

/// Fan-out settings added to every route (issue 29): the kernel exporter is
/// defined anew, so no credential of a primary exporter may travel into it.
fn with_fanouts(routes: Vec<(&'static str, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (name, args) in routes {
        let same_aws = args.iter().any(|a| a == "--route=cloudwatch");
        let fanouts: [(&str, Vec<&str>); 2] = [
            (
                "otlp",
                vec![
                    "--fanout=otlp",
                    "--fanout-endpoint=https://otlp.recovery.example.com",
                    "--fanout-secret=kernel-creds",
                ],
            ),
            (
                "s3",
                vec![
                    "--fanout=s3",
                    "--fanout-region=us-east-2",
                    "--fanout-bucket=kof-recovery",
                    if same_aws {
                        "--fanout-secret=cloudwatch-credentials"
                    } else {
                        "--fanout-secret=kernel-creds"
                    },
                ],
            ),
        ];
        out.push((name.to_string(), args.clone()));
        for (kind, extra) in fanouts {
            let mut a = args.clone();
            a.extend(extra.iter().map(|s| s.to_string()));
            out.push((format!("{name} --fanout {kind}"), a));
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Gen {
    sites: Vec<(usize, usize)>,
    env: Vec<usize>,
    alpha: bool,
    flow: bool,
    broken: bool,
}

fn generated() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec((0..SITES.len(), 0..ON.len()), 1..6),
        prop::collection::vec(0..ENV_NAMES.len(), 0..3),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(sites, env, alpha, flow, broken)| Gen {
            sites,
            env,
            alpha,
            flow,
            broken,
        })
}

impl Gen {
    fn config(&self) -> Value {
        let mut c = json!({
            "receivers": {"otlp": {"protocols": {"grpc": {}}}},
            "processors": {"batch": {}},
            "exporters": {
                "prometheusremotewrite": {"endpoint": "http://vm:8428/api/v1/write"},
                "otlphttp/logs": {"logs_endpoint": "http://vl:9428/insert/opentelemetry/v1/logs"},
                "otlphttp/traces": {"traces_endpoint": "http://vt:10428/insert/opentelemetry/v1/traces"},
                "otlphttp/vendor": {"endpoint": "https://otlp.vendor.example.com"},
            },
            "service": {"pipelines": {
                "metrics": {"receivers": ["otlp"], "processors": ["batch"],
                            "exporters": ["prometheusremotewrite", "otlphttp/vendor"]},
                "logs": {"receivers": ["otlp"], "exporters": ["otlphttp/logs"]},
                "traces": {"receivers": ["otlp"], "exporters": ["otlphttp/traces"]},
            }},
        });
        for (n, &(site, on)) in self.sites.iter().enumerate() {
            (SITES[site].1)(&mut c, ON[on], &secret(n));
        }
        let used: Vec<String> = c["extensions"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        c["service"]["extensions"] = json!(used);
        if self.broken {
            c["service"]["pipelines"]["logs"]["exporters"] = json!(["otlphttp/logs", "nowhere"]);
        }
        c
    }

    fn text(&self) -> String {
        let config = self.config();
        let env: Vec<Value> = self
            .env
            .iter()
            .enumerate()
            .map(|(i, &e)| json!({"name": ENV_NAMES[e], "value": secret(100 + i)}))
            .collect();
        let (version, config) = match self.alpha {
            true => ("v1alpha1", json!(kof_route::yaml::emit(&config))),
            false => ("v1beta1", config),
        };
        let doc = json!({
            "apiVersion": format!("opentelemetry.io/{version}"),
            "kind": "OpenTelemetryCollector",
            "metadata": {"name": "kc", "namespace": "kof"},
            "spec": {"mode": "deployment", "env": env, "config": config},
        });
        let body = match self.flow {
            // JSON is YAML's flow style.
            true => format!("{doc}\n"),
            false => kof_route::yaml::emit(&doc),
        };
        format!("---\n# Source: kof-collectors/templates/c.yaml\n{body}")
    }

    fn secrets(&self) -> Vec<String> {
        let sites = (0..self.sites.len()).map(secret);
        let env = (0..self.env.len()).map(|i| secret(100 + i));
        // The all-letters form keeps only the marker's letters.
        sites
            .chain(env)
            .chain(["SCRETxthree".to_string()])
            .collect()
    }
}

/// Everything a person or Git sees of one run of `args` over `input`.
fn shown(args: &[String], input: &[u8]) -> Vec<(&'static str, String)> {
    let plan = support::plan(args);
    let mut out = Vec::new();
    let mut messages = Vec::new();
    match render_for_review(&plan, input) {
        Ok(r) => {
            out.push(("diff", report::diff(&r, false)));
            out.push(("--explain", report::explain(&r)));
            messages.extend(
                r.warnings
                    .iter()
                    .map(|w| format!("kof-route: warning: {w}")),
            );
        }
        Err(e) => messages.push(format!("kof-route: {e:#}")),
    }
    match render_for_export(&plan, input) {
        Ok(r) => out.push(("export", Value::Array(r.patches).to_string())),
        Err(e) => messages.push(format!("kof-route: {e:#}")),
    }
    if let Ok((_, selected)) = select(input) {
        let refs: Vec<_> = selected.iter().collect();
        out.push(("check", report::check(&refs, true).0));
    }
    let argv: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let time = std::time::SystemTime::UNIX_EPOCH;
    out.push((
        "the run log",
        log::report(
            time,
            &argv,
            &<kof_route::cli::Cli as clap::CommandFactory>::command(),
            &[],
            1,
            &messages,
        ),
    ));
    out.push(("stderr", messages.join("\n")));
    out
}

#[test]
fn planted_secrets_are_never_shown() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let routes = with_fanouts(support::every_route());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    // What the cases reached, so that a generator that only ever fails (or
    // never fails) is caught: [a diff shown, a patch exported, an error].
    let reached: [AtomicUsize; 3] = Default::default();
    let result = runner.run(&generated(), |g| {
        let input = g.text();
        for (route, args) in &routes {
            let outputs = shown(args, input.as_bytes());
            for (what, text) in &outputs {
                let n = match *what {
                    "diff" if !text.is_empty() => 0,
                    "export" if text != "[]" => 1,
                    "stderr" if text.contains("kof-route: ") && !text.contains("warning") => 2,
                    _ => continue,
                };
                reached[n].fetch_add(1, Ordering::Relaxed);
            }
            for (what, text) in &outputs {
                for s in g.secrets() {
                    if text.contains(&s) {
                        return Err(TestCaseError::fail(format!(
                            "{route}: {what} shows {s}:\n{text}\n--- input:\n{input}"
                        )));
                    }
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let reached = reached.map(AtomicUsize::into_inner);
    assert!(
        reached.iter().all(|&n| n > 0),
        "diffs, exports, errors: {reached:?}"
    );
}
