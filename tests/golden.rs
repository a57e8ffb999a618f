//! Golden CLI cases over the real kof-collectors renders and their variants.
//!
//! Each case runs the built `kof-route` binary and compares its whole stdout,
//! and its stderr with the exit code, against `fixtures/golden/<case>.out` and
//! `<case>.err`. To re-bless after an intended change:
//!
//!     KOF_ROUTE_BLESS=1 cargo test --test golden
//!
//! and review the diff of `fixtures/golden/` like any other change. Every
//! successful case is also checked for the stream invariants: same number of
//! documents, untouched documents byte-identical, and a second run changes nothing.

mod support;

use std::path::Path;
use support::{fixture, root, run};

const HELM3: &str = "fixtures/kof-1.11/helm3/kof-collectors.yaml";
const HELM4: &str = "fixtures/kof-1.11/helm4/kof-collectors.yaml";
const REGIONAL: &[&str] = &[
    "--route=regional",
    "--regional-domain=example.com",
    "--regional-cluster=regional-1",
];
const ISTIO: &[&str] = &[
    "--route",
    "regional-istio",
    "--regional-cluster",
    "regional-1",
];
const CLOUDWATCH: &[&str] = &["--route=cloudwatch", "--aws-region=us-east-2"];
const MOTHERSHIP: &[&str] = &["--route=mothership"];
/// The real renders of every chart version, in both dialects.
const V1_8_HELM3: &str = "fixtures/kof-1.8.0/helm3/kof-collectors.yaml";
const V1_8_HELM4: &str = "fixtures/kof-1.8.0/helm4/kof-collectors.yaml";
const V1_9_HELM3: &str = "fixtures/kof-1.9.0/helm3/kof-collectors.yaml";
const V1_9_HELM4: &str = "fixtures/kof-1.9.0/helm4/kof-collectors.yaml";
const V1_10_HELM3: &str = "fixtures/kof-1.10.0/helm3/kof-collectors.yaml";
const V1_10_HELM4: &str = "fixtures/kof-1.10.0/helm4/kof-collectors.yaml";
/// 1.11 as real Helm v3.17.2 hands it to a post-renderer (HELM3 differs by blank lines).
const V1_11_HELM3_REAL: &str = "fixtures/kof-1.11/helm3/kof-collectors.helm-3.17.2.yaml";
const KOF_REGIONAL: &[&str] = &[
    "--route=regional",
    "--regional-domain",
    "kof.example.com",
    "--regional-cluster",
    "regional-1",
];

struct Case {
    name: &'static str,
    input: &'static str,
    args: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Every chart version (1.8.0, 1.9.0, 1.10.0, 1.11) in both dialects. For 1.11
    // the Helm 3 input is real Helm v3.17.2's post-renderer stdin; the Helm 4
    // mothership, regional-istio and cloudwatch cases are helm4-* below.
    Case {
        name: "kof-1.8.0-helm3-mothership",
        input: V1_8_HELM3,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.8.0-helm3-regional",
        input: V1_8_HELM3,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.8.0-helm3-regional-istio",
        input: V1_8_HELM3,
        args: ISTIO,
    },
    Case {
        name: "kof-1.8.0-helm3-cloudwatch",
        input: V1_8_HELM3,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.8.0-helm4-mothership",
        input: V1_8_HELM4,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.8.0-helm4-regional",
        input: V1_8_HELM4,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.8.0-helm4-regional-istio",
        input: V1_8_HELM4,
        args: ISTIO,
    },
    Case {
        name: "kof-1.8.0-helm4-cloudwatch",
        input: V1_8_HELM4,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.9.0-helm3-mothership",
        input: V1_9_HELM3,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.9.0-helm3-regional",
        input: V1_9_HELM3,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.9.0-helm3-regional-istio",
        input: V1_9_HELM3,
        args: ISTIO,
    },
    Case {
        name: "kof-1.9.0-helm3-cloudwatch",
        input: V1_9_HELM3,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.9.0-helm4-mothership",
        input: V1_9_HELM4,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.9.0-helm4-regional",
        input: V1_9_HELM4,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.9.0-helm4-regional-istio",
        input: V1_9_HELM4,
        args: ISTIO,
    },
    Case {
        name: "kof-1.9.0-helm4-cloudwatch",
        input: V1_9_HELM4,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.10.0-helm3-mothership",
        input: V1_10_HELM3,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.10.0-helm3-regional",
        input: V1_10_HELM3,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.10.0-helm3-regional-istio",
        input: V1_10_HELM3,
        args: ISTIO,
    },
    Case {
        name: "kof-1.10.0-helm3-cloudwatch",
        input: V1_10_HELM3,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.10.0-helm4-mothership",
        input: V1_10_HELM4,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.10.0-helm4-regional",
        input: V1_10_HELM4,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.10.0-helm4-regional-istio",
        input: V1_10_HELM4,
        args: ISTIO,
    },
    Case {
        name: "kof-1.10.0-helm4-cloudwatch",
        input: V1_10_HELM4,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.11-helm3-mothership",
        input: V1_11_HELM3_REAL,
        args: MOTHERSHIP,
    },
    Case {
        name: "kof-1.11-helm3-regional",
        input: V1_11_HELM3_REAL,
        args: KOF_REGIONAL,
    },
    Case {
        name: "kof-1.11-helm3-regional-istio",
        input: V1_11_HELM3_REAL,
        args: ISTIO,
    },
    Case {
        name: "kof-1.11-helm3-cloudwatch",
        input: V1_11_HELM3_REAL,
        args: CLOUDWATCH,
    },
    Case {
        name: "kof-1.11-helm4-regional",
        input: HELM4,
        args: KOF_REGIONAL,
    },
    Case {
        name: "helm3-mothership",
        input: HELM3,
        args: MOTHERSHIP,
    },
    Case {
        name: "helm3-regional",
        input: HELM3,
        args: REGIONAL,
    },
    // --reformat: the patched documents written from their trees, not
    // edited in place (src/inplace/, the default).
    Case {
        name: "helm3-regional-reformat",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--ca-secret=regional-ca",
            "--reformat",
        ],
    },
    Case {
        name: "helm4-cloudwatch-reformat",
        input: HELM4,
        args: &["--route=cloudwatch", "--aws-region=us-east-2", "--reformat"],
    },
    Case {
        name: "helm3-regional-istio",
        input: HELM3,
        args: ISTIO,
    },
    Case {
        name: "helm3-cloudwatch",
        input: HELM3,
        args: CLOUDWATCH,
    },
    Case {
        name: "helm4-mothership",
        input: HELM4,
        args: MOTHERSHIP,
    },
    Case {
        name: "helm4-regional",
        input: HELM4,
        args: REGIONAL,
    },
    Case {
        name: "helm4-regional-istio",
        input: HELM4,
        args: ISTIO,
    },
    Case {
        name: "helm4-cloudwatch",
        input: HELM4,
        args: CLOUDWATCH,
    },
    Case {
        name: "other-release-regional",
        input: "fixtures/variants/other-release.yaml",
        args: REGIONAL,
    },
    Case {
        name: "v1alpha1-regional",
        input: "fixtures/variants/v1alpha1.yaml",
        args: REGIONAL,
    },
    Case {
        name: "v1alpha1-cloudwatch",
        input: "fixtures/variants/v1alpha1.yaml",
        args: CLOUDWATCH,
    },
    Case {
        name: "preset-regional",
        input: "fixtures/variants/preset.yaml",
        args: REGIONAL,
    },
    Case {
        name: "yaml11-names-mothership",
        input: HELM4,
        args: &[
            "--route=mothership",
            "--cluster-name=on",
            "--cluster-namespace=yes",
        ],
    },
    Case {
        name: "yaml11-names-regional",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--creds-secret=0700",
            "--cluster-name=0700",
        ],
    },
    Case {
        name: "custom-cloudwatch",
        input: HELM4,
        args: &[
            "--route=cloudwatch",
            "--aws-region=eu-central-1",
            "--log-group=mgmt/kof",
            "--log-stream=y",
            "--aws-secret=aws-creds",
            "--cluster-name=mgmt-1",
        ],
    },
    Case {
        name: "error-no-collector",
        input: "fixtures/variants/no-collector.yaml",
        args: MOTHERSHIP,
    },
    Case {
        name: "no-collector-allowed",
        input: "fixtures/variants/no-collector.yaml",
        args: &["--route=mothership", "--allow-missing"],
    },
    Case {
        name: "error-bad-domain",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=bad domain",
            "--regional-cluster=r",
        ],
    },
    Case {
        name: "error-regional-without-secret",
        input: HELM3,
        args: &["--route=regional", "--regional-domain=example.com"],
    },
    Case {
        name: "error-broken-collector",
        input: "fixtures/variants/broken-collector.yaml",
        args: REGIONAL,
    },
    // Operator experience: explain, diff, routes, overrides, layouts, third-party, config file.
    Case {
        name: "helm3-regional-explain",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--explain",
        ],
    },
    Case {
        name: "helm4-diff-color",
        input: HELM4,
        args: &[
            "diff",
            "--color=always",
            "--route=regional-istio",
            "--regional-cluster=regional-1",
        ],
    },
    Case {
        name: "diff-exit-code-changes",
        input: HELM3,
        args: &[
            "diff",
            "--exit-code",
            "--color=never",
            "--route=cloudwatch",
            "--aws-region=us-east-2",
        ],
    },
    Case {
        name: "diff-exit-code-clean",
        input: "fixtures/golden/helm3-regional.out",
        args: &[
            "diff",
            "--exit-code",
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
        ],
    },
    Case {
        name: "routes",
        input: HELM3,
        args: &["routes"],
    },
    Case {
        name: "helm3-regional-overrides",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--creds-secret=mgmt-creds",
            "--write-metrics-endpoint=https://metrics.example.com/api/v1/write",
            "--write-logs-endpoint=https://logs.example.com/insert/opentelemetry/v1/logs",
            "--write-audit-logs-endpoint=https://audit.example.com:8443/insert/opentelemetry/v1/logs",
            "--write-traces-endpoint=https://traces.example.com/v1/traces",
            "--read-metrics-endpoint=https://metrics.example.com/select/0/prometheus",
        ],
    },
    Case {
        name: "helm3-istio-no-basic-auth",
        input: HELM3,
        args: &[
            "--route=regional-istio",
            "--regional-cluster=regional-1",
            "--no-basic-auth",
        ],
    },
    Case {
        name: "helm3-regional-layout-0.3",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--kof-layout=0.3",
        ],
    },
    Case {
        name: "helm4-istio-layout-0.3",
        input: HELM4,
        args: &[
            "--route=regional-istio",
            "--regional-cluster=regional-1",
            "--kof-layout",
            "0.3",
            "--no-basic-auth",
        ],
    },
    Case {
        name: "helm3-third-party",
        input: HELM3,
        args: &[
            "--route=third-party",
            "--exporter-file=fixtures/variants/vendor-exporters.yaml",
        ],
    },
    Case {
        name: "helm4-third-party",
        input: HELM4,
        args: &[
            "--route=third-party",
            "--exporter-file=fixtures/variants/vendor-exporters.yaml",
        ],
    },
    Case {
        name: "error-third-party-collision",
        input: HELM3,
        args: &[
            "--route=third-party",
            "--exporter-file=fixtures/variants/colliding-exporters.yaml",
        ],
    },
    Case {
        name: "helm3-config-file",
        input: HELM3,
        args: &["--config=fixtures/variants/route-config.yaml"],
    },
    Case {
        name: "helm3-config-file-flag-wins",
        input: HELM3,
        args: &[
            "--config=fixtures/variants/route-config.yaml",
            "--cluster-name=from-flag",
            "--kof-layout=1",
        ],
    },
    Case {
        name: "error-config-unknown-key",
        input: HELM3,
        args: &["--config=fixtures/variants/bad-config.yaml"],
    },
    Case {
        name: "error-endpoint-not-a-url",
        input: HELM3,
        args: &[
            "--route=regional-istio",
            "--regional-cluster=r",
            "--write-logs-endpoint=logs.example.com:9428",
        ],
    },
    // `check`: the same consistency check on `helm template` output, without patching.
    Case {
        name: "check-unrouted",
        input: HELM4,
        args: &["check"],
    },
    Case {
        name: "check-routed",
        input: "fixtures/golden/helm3-regional.out",
        args: &["check"],
    },
    // Issue 26: a user's processor that renames the cluster after the route's.
    Case {
        name: "check-identity-conflict",
        input: "fixtures/variants/identity-conflict.yaml",
        args: &["check", "--route", "mothership", "--cluster-name", "mgmt-a"],
    },
    Case {
        name: "error-identity-conflict",
        input: "fixtures/variants/identity-conflict.yaml",
        args: &["--route", "mothership", "--cluster-name", "mgmt-a"],
    },
    Case {
        name: "check-third-party",
        input: "fixtures/golden/helm4-third-party.out",
        args: &["check"],
    },
    // TLS to the regional cluster.
    Case {
        name: "helm3-regional-skip-verify",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--insecure-skip-verify",
        ],
    },
    Case {
        name: "helm4-regional-skip-verify",
        input: HELM4,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--insecure-skip-verify",
        ],
    },
    Case {
        name: "helm3-regional-ca",
        input: HELM3,
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--ca-secret=regional-ca",
        ],
    },
    Case {
        name: "helm4-istio-ca",
        input: HELM4,
        args: &[
            "--route=regional-istio",
            "--regional-cluster=regional-1",
            "--ca-secret=regional-ca",
            "--ca-key=tls-ca.pem",
        ],
    },
    Case {
        name: "error-ca-on-cloudwatch",
        input: HELM3,
        args: &[
            "--route=cloudwatch",
            "--aws-region=us-east-2",
            "--ca-secret=regional-ca",
        ],
    },
    Case {
        name: "error-skip-verify-on-mothership",
        input: HELM4,
        args: &["--route=mothership", "--insecure-skip-verify"],
    },
];

fn compare(path: &Path, got: &[u8], failures: &mut Vec<String>) {
    if std::env::var_os("KOF_ROUTE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = std::fs::read(path).unwrap_or_default();
    if want != got {
        let line = want
            .split(|&b| b == b'\n')
            .zip(got.split(|&b| b == b'\n'))
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_string(), |i| format!("line {}", i + 1));
        failures.push(format!(
            "{} differs from the output, first at {line} (re-bless with KOF_ROUTE_BLESS=1 and review the diff)",
            path.display()
        ));
    }
}

/// The stream invariants (tests/support), and a second run changes nothing.
fn check_invariants(case: &Case, input: &[u8], output: &[u8], failures: &mut Vec<String>) {
    for problem in support::stream_invariants(input, output) {
        failures.push(format!("{}: {problem}", case.name));
    }
    if let Some(problem) = support::second_run_changes_nothing(case.args, output) {
        failures.push(format!("{}: {problem}", case.name));
    }
}

#[test]
fn golden_cases() {
    let dir = root().join("fixtures/golden");
    let mut failures = Vec::new();
    for case in CASES {
        let input = fixture(case.input);
        let r = run(case.args, &input);
        let (stdout, stderr, code) = (r.stdout, r.stderr, r.code.unwrap_or(-1));
        // A report (check, diff) is not a stream; a routed stream is all or nothing.
        let routes_a_stream = case.args.first().is_some_and(|a| a.starts_with("--"));
        if routes_a_stream && code != 0 && !stdout.is_empty() {
            failures.push(format!(
                "{}: exit {code} but wrote {} bytes to stdout",
                case.name,
                stdout.len()
            ));
        }
        compare(
            &dir.join(format!("{}.out", case.name)),
            &stdout,
            &mut failures,
        );
        let err = format!("{stderr}exit: {code}\n");
        compare(
            &dir.join(format!("{}.err", case.name)),
            err.as_bytes(),
            &mut failures,
        );
        if code == 0 && routes_a_stream {
            check_invariants(case, &input, &stdout, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn completions_and_man_page_come_from_the_flag_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let r = run(&["completions", shell], b"");
        let text = String::from_utf8(r.stdout).unwrap();
        assert_eq!(r.code, Some(0), "{shell}: {}", r.stderr);
        for flag in ["regional-domain", "insecure-skip-verify", "exporter-file"] {
            assert!(text.contains(flag), "{shell} completion lacks {flag}");
        }
    }
    let r = run(&["man"], b"");
    let man = String::from_utf8(r.stdout).unwrap();
    assert_eq!(r.code, Some(0));
    assert!(
        man.starts_with(".ie") || man.contains(".TH kof-route"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains(r"regional\-domain"), "man page lacks a flag");
}

#[test]
fn every_golden_file_belongs_to_a_case() {
    let dir = root().join("fixtures/golden");
    for entry in std::fs::read_dir(&dir).expect("fixtures/golden exists") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".out").trim_end_matches(".err");
        // tests/fanout.rs owns the fanout-* cases and checks its own.
        assert!(
            stem.starts_with("fanout-") || CASES.iter().any(|c| c.name == stem),
            "stale golden file {name}"
        );
    }
}
