//! Fan-out (issue 29) over the real kof-collectors renders of every chart
//! version, in both Helm dialects.
//!
//! * Goldens (`fixtures/golden/fanout-*`): whole stdout, stderr and exit
//!   code, re-blessed with `KOF_ROUTE_BLESS=1 cargo test --test fanout`; each
//!   routed one also keeps the stream invariants and a second run changes nothing.
//! * Rerun semantics: a run without `--fanout` over a fanned-out stream gives
//!   exactly the route's own output; a run with another destination gives
//!   exactly that destination's output (replace, never accumulate).
//! * The primary pipelines keep their receivers, processors and exporters,
//!   in order; the only change is the appended `forward/kof-kernel-<signal>`.
//! * `check` refuses a kernel that could block the primary or leak the stream.
//! * The real `kubectl kustomize` applying `export`'s patches gives the main
//!   mode's documents.

mod support;

use serde_json::Value;
use std::path::Path;
use support::kube::{as_stored, kustomize, run_all};
use support::{fixture, root, run};

const VERSIONS: [&str; 4] = ["1.8.0", "1.9.0", "1.10.0", "1.11"];
const DIALECTS: [&str; 2] = ["helm3", "helm4"];
const S3: &[&str] = &[
    "--fanout=s3",
    "--fanout-region=us-east-2",
    "--fanout-bucket=kof-recovery",
];
const FILE: &[&str] = &[
    "--fanout=exporter-file",
    "--fanout-exporter-file=fixtures/variants/kernel-exporter.yaml",
];
const OTLP: &[&str] = &[
    "--fanout=otlp",
    "--fanout-endpoint=https://otlp.recovery.example.com",
];

fn render(version: &str, dialect: &str) -> String {
    format!("fixtures/kof-{version}/{dialect}/kof-collectors.yaml")
}

fn args(route: &[&str], fanout: &[&str]) -> Vec<String> {
    route.iter().chain(fanout).map(|s| s.to_string()).collect()
}

/// Route `input` with `args`; the stdout of a run that must succeed.
fn routed(args: &[String], input: &[u8]) -> Vec<u8> {
    let r = run(args, input);
    assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
    r.stdout
}

struct Case {
    name: &'static str,
    input: &'static str,
    args: &'static [&'static str],
}

const GOLDEN: &[Case] = &[
    Case {
        name: "fanout-kof-1.8.0-helm3-s3",
        input: "fixtures/kof-1.8.0/helm3/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.8.0-helm4-s3",
        input: "fixtures/kof-1.8.0/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.9.0-helm3-s3",
        input: "fixtures/kof-1.9.0/helm3/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.9.0-helm4-s3",
        input: "fixtures/kof-1.9.0/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.10.0-helm3-s3",
        input: "fixtures/kof-1.10.0/helm3/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.10.0-helm4-s3",
        input: "fixtures/kof-1.10.0/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.11-helm3-s3",
        input: "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-kof-1.11-helm4-s3",
        input: "fixtures/kof-1.11/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-regional-otlp-basic-auth",
        input: "fixtures/kof-1.11/helm4/kof-collectors.yaml",
        args: &[
            "--route=regional",
            "--regional-domain=example.com",
            "--regional-cluster=regional-1",
            "--fanout=otlp",
            "--fanout-endpoint=https://otlp.recovery.example.com",
            "--fanout-secret=kernel-otlp",
            "--fanout-queue=memory",
        ],
    },
    Case {
        name: "fanout-cloudwatch-remote-write",
        input: "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        args: &[
            "--route=cloudwatch",
            "--aws-region=us-east-2",
            "--fanout=remote-write",
            "--fanout-endpoint=https://vm.recovery.example.com/api/v1/write",
        ],
    },
    Case {
        name: "fanout-cloudwatch-logs",
        input: "fixtures/kof-1.10.0/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--cluster-name=mgmt-eu",
            "--fanout=cloudwatch",
            "--fanout-region=eu-central-1",
            "--fanout-secret=none",
        ],
    },
    Case {
        name: "fanout-v1alpha1-s3",
        input: "fixtures/variants/v1alpha1.yaml",
        args: &[
            "--route=mothership",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
            "--fanout-endpoint=http://127.0.0.1:9000",
            "--fanout-path-style",
            "--fanout-prefix=recovery/mgmt",
        ],
    },
    Case {
        name: "fanout-error-aws-secret-clash",
        input: "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        args: &[
            "--route=cloudwatch",
            "--aws-region=us-east-2",
            "--fanout=s3",
            "--fanout-region=us-east-2",
            "--fanout-bucket=kof-recovery",
        ],
    },
    Case {
        name: "fanout-error-setting-without-fanout",
        input: "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        args: &["--route=mothership", "--fanout-bucket=kof-recovery"],
    },
    Case {
        name: "fanout-error-setting-not-used",
        input: "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=otlp",
            "--fanout-endpoint=http://127.0.0.1:4318",
            "--fanout-region=us-east-2",
        ],
    },
    Case {
        name: "fanout-error-kof-child-switch",
        input: "fixtures/umbrella/kof-v1.10.0-m2r-docs.helm3.yaml",
        args: &[
            "--route=mothership",
            "--fanout=otlp",
            "--fanout-endpoint=http://127.0.0.1:4318",
        ],
    },
    Case {
        name: "fanout-umbrella-collectors-release",
        input: "fixtures/umbrella/kof-v1.9.0-plain-collectors.helm3.yaml",
        args: &[
            "--route=mothership",
            "--fanout=otlp",
            "--fanout-endpoint=http://127.0.0.1:4318",
        ],
    },
    Case {
        name: "fanout-exporter-file",
        input: "fixtures/kof-1.11/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=exporter-file",
            "--fanout-exporter-file=fixtures/variants/kernel-exporter.yaml",
        ],
    },
    Case {
        name: "fanout-error-exporter-file-unowned",
        input: "fixtures/kof-1.11/helm4/kof-collectors.yaml",
        args: &[
            "--route=mothership",
            "--fanout=exporter-file",
            "--fanout-exporter-file=fixtures/variants/kernel-exporter-unowned.yaml",
        ],
    },
    Case {
        name: "fanout-kernel-default",
        input: "",
        args: &["kernel"],
    },
    Case {
        name: "fanout-kernel-check-1.8.0",
        input: "",
        args: &["kernel", "fixtures/kof-1.8.0/helm4/kof-collectors.yaml"],
    },
    Case {
        name: "fanout-kernel-check-1.9.0",
        input: "",
        args: &["kernel", "fixtures/kof-1.9.0/helm3/kof-collectors.yaml"],
    },
    Case {
        name: "fanout-kernel-check-1.10.0",
        input: "",
        args: &["kernel", "fixtures/kof-1.10.0/helm4/kof-collectors.yaml"],
    },
    Case {
        name: "fanout-kernel-check-1.11",
        input: "",
        args: &["kernel", "fixtures/kof-1.11/helm3/kof-collectors.yaml"],
    },
    Case {
        name: "fanout-kernel-check-missing",
        input: "",
        args: &[
            "kernel",
            "--kernel=fixtures/variants/kernel-extra.yaml",
            "fixtures/kof-1.11/helm3/kof-collectors.yaml",
        ],
    },
];

fn compare(path: &Path, got: &[u8], failures: &mut Vec<String>) {
    if std::env::var_os("KOF_ROUTE_BLESS").is_some() {
        std::fs::write(path, got).unwrap();
        return;
    }
    if std::fs::read(path).unwrap_or_default() != got {
        failures.push(format!(
            "{} differs (re-bless with KOF_ROUTE_BLESS=1 and review the diff)",
            path.display()
        ));
    }
}

#[test]
fn golden_cases() {
    let dir = root().join("fixtures/golden");
    let mut failures = Vec::new();
    for case in GOLDEN {
        let input = if case.input.is_empty() {
            Vec::new()
        } else {
            fixture(case.input)
        };
        let r = run(case.args, &input);
        let code = r.code.unwrap_or(-1);
        let routes = case.args[0].starts_with("--");
        if routes && code != 0 && !r.stdout.is_empty() {
            failures.push(format!("{}: exit {code} but wrote to stdout", case.name));
        }
        compare(
            &dir.join(format!("{}.out", case.name)),
            &r.stdout,
            &mut failures,
        );
        compare(
            &dir.join(format!("{}.err", case.name)),
            format!("{}exit: {code}\n", r.stderr).as_bytes(),
            &mut failures,
        );
        // An umbrella's HelmRelease is patched though `select` does not route it.
        if routes && code == 0 && !case.input.starts_with("fixtures/umbrella") {
            for p in support::stream_invariants(&input, &r.stdout) {
                failures.push(format!("{}: {p}", case.name));
            }
            if let Some(p) = support::second_run_changes_nothing(case.args, &r.stdout) {
                failures.push(format!("{}: {p}", case.name));
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".out").trim_end_matches(".err");
        if stem.starts_with("fanout-") && !GOLDEN.iter().any(|c| c.name == stem) {
            failures.push(format!("stale golden file {name}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each version and dialect, on two routes: (version, dialect, route flags,
/// fan-out flags the route needs, such as the AWS Secret it already uses).
type Cell = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

fn matrix() -> Vec<Cell> {
    let routes: [(&'static [&'static str], &'static [&'static str]); 2] = [
        (&["--route=mothership"], &[]),
        (
            &["--route=cloudwatch", "--aws-region=us-east-2"],
            &["--fanout-secret=cloudwatch-credentials"],
        ),
    ];
    let mut out = Vec::new();
    for v in VERSIONS {
        for d in DIALECTS {
            for (r, extra) in routes {
                out.push((v, d, r, extra));
            }
        }
    }
    out
}

fn fan(route: &[&str], fanout: &[&str], extra: &[&str]) -> Vec<String> {
    route
        .iter()
        .chain(fanout)
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn a_rerun_replaces_and_a_run_without_fanout_removes() {
    let mut checked = 0;
    for (v, d, route, extra) in matrix() {
        let at = format!("{v}/{d} {route:?}");
        let input = fixture(render(v, d));
        let alone = routed(&args(route, &[]), &input);
        let with_s3 = routed(&fan(route, S3, extra), &input);
        let with_otlp = routed(&fan(route, OTLP, &[]), &input);
        assert!(alone != with_s3, "{at}: the fan-out changed nothing");
        let removed = routed(&args(route, &[]), &with_s3);
        assert!(
            removed == alone,
            "{at}: removal is not byte for byte the route alone"
        );
        assert!(
            routed(&fan(route, OTLP, &[]), &with_s3) == with_otlp,
            "{at}: s3 then otlp is not otlp"
        );
        let file = routed(&fan(route, FILE, &[]), &with_s3);
        assert!(
            file == routed(&fan(route, FILE, &[]), &input),
            "{at}: s3 then exporter-file is not exporter-file"
        );
        assert!(
            routed(&args(route, &[]), &file) == alone,
            "{at}: exporter-file removal is not the route alone"
        );
        assert!(
            routed(&fan(route, S3, extra), &with_otlp) == with_s3,
            "{at}: otlp then s3 is not s3"
        );
        checked += 1;
    }
    assert_eq!(checked, 16);
}

/// The collectors' configs of a stream, by name.
fn configs(stream: &[u8]) -> Vec<(String, Value)> {
    let (_, selected) = kof_route::select(stream).unwrap();
    selected
        .iter()
        .filter(|s| s.kind.role == kof_route::select::Role::Collector)
        .map(|s| {
            let name = s.value["metadata"]["name"].as_str().unwrap().to_string();
            (
                name,
                kof_route::select::config_of(&s.value, s.kind)
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect()
}

fn owned(name: &str) -> bool {
    kof_route::fanout::owned(name)
}

#[test]
fn primary_pipelines_change_only_by_the_appended_fork() {
    let mut forks = 0;
    for (v, d, route, extra) in matrix() {
        let input = fixture(render(v, d));
        let alone = configs(&routed(&args(route, &[]), &input));
        let fanned = configs(&routed(&fan(route, S3, extra), &input));
        assert_eq!(alone.len(), fanned.len());
        for ((name, a), (_, b)) in alone.iter().zip(&fanned) {
            for section in [
                "receivers",
                "processors",
                "exporters",
                "connectors",
                "extensions",
            ] {
                let theirs = |c: &Value| -> Vec<(String, Value)> {
                    c.get(section)
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| !owned(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                };
                assert_eq!(
                    theirs(a),
                    theirs(b),
                    "{v}/{d} {name}: {section} of the route changed"
                );
            }
            let pa = a["service"]["pipelines"].as_object().unwrap();
            let pb = b["service"]["pipelines"].as_object().unwrap();
            for (p, before) in pa {
                let after = &pb[p];
                assert_eq!(
                    before.get("receivers"),
                    after.get("receivers"),
                    "{v}/{d} {name} {p}"
                );
                assert_eq!(
                    before.get("processors"),
                    after.get("processors"),
                    "{v}/{d} {name} {p}"
                );
                let ex_a = before["exporters"].as_array().unwrap();
                let ex_b = after["exporters"].as_array().unwrap();
                assert_eq!(
                    &ex_b[..ex_a.len()],
                    &ex_a[..],
                    "{v}/{d} {name} {p}: exporters reordered"
                );
                let added: Vec<&str> = ex_b[ex_a.len()..]
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect();
                let signal = p.split('/').next().unwrap();
                match added.as_slice() {
                    [] => {}
                    [one] => {
                        assert_eq!(
                            *one,
                            format!("forward/kof-kernel-{signal}"),
                            "{v}/{d} {name} {p}"
                        );
                        forks += 1;
                    }
                    more => panic!("{v}/{d} {name} {p}: more than the fork appended: {more:?}"),
                }
            }
            for p in pb.keys().filter(|p| !pa.contains_key(*p)) {
                assert!(
                    owned(p),
                    "{v}/{d} {name}: new pipeline {p} is not a kernel pipeline"
                );
            }
        }
    }
    assert!(forks >= 16 * 4, "{forks} forks");
}

#[test]
fn check_refuses_a_kernel_that_could_block_or_leak() {
    let input = fixture(render("1.11", "helm3"));
    let fanned = String::from_utf8(routed(&args(&["--route=mothership"], S3), &input)).unwrap();
    let ok = run(&["check"], fanned.as_bytes());
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    let breaks = [
        (
            "block_on_overflow: false",
            "block_on_overflow: true",
            "block_on_overflow must be false",
        ),
        (
            "wait_for_result: false",
            "wait_for_result: true",
            "wait_for_result must be false",
        ),
        (
            "queue_size: 100",
            "queue_size: 100000000",
            "must stay bounded",
        ),
        (
            "          - filter/kof-kernel-logs\n",
            "",
            "must start with its kernel filter",
        ),
        (
            "          - forward/kof-kernel-metrics\n",
            "          - forward/kof-kernel-metrics\n          - batch/kof-kernel\n",
            "kernel component in a primary pipeline",
        ),
    ];
    for (from, to, want) in breaks {
        assert!(fanned.contains(from), "{from}");
        let broken = fanned.replacen(from, to, 1);
        let r = run(&["check"], broken.as_bytes());
        assert_eq!(r.code, Some(1), "{want}: {}", r.stderr);
        assert!(
            support::text(&r.stdout).contains(want) || r.stderr.contains(want),
            "{want}: {}",
            support::text(&r.stdout)
        );
    }
}

#[test]
fn kustomize_applying_the_export_gives_the_main_modes_output() {
    let mut cases = Vec::new();
    for v in VERSIONS {
        for d in DIALECTS {
            cases.push((v, d, S3));
        }
    }
    cases.push(("1.11", "helm4", OTLP));
    run_all(&cases, |(v, d, fanout), dir| {
        let flags = args(&["--route=mothership"], fanout);
        let path = root().join(render(v, d));
        let mut export = vec!["export".to_string(), "--format=kustomize".into()];
        export.extend(flags.iter().cloned());
        export.push(path.display().to_string());
        let r = run(&export, b"");
        if r.code != Some(0) {
            return Err(format!("{v}/{d}: export: {}", r.stderr));
        }
        let patches = kof_route::yaml::parse(&support::text(&r.stdout)).unwrap();
        let built =
            kustomize(dir, &path, &patches).map_err(|e| format!("{v}/{d}: kustomize: {e}"))?;
        let want = as_stored(dir, &routed(&flags, &std::fs::read(&path).unwrap()));
        let got = as_stored(dir, &built);
        if !support::text(&built).contains("forward/kof-kernel-logs") {
            return Err(format!("{v}/{d}: the kustomize output has no fork"));
        }
        match got == want {
            true => Ok(()),
            false => Err(format!(
                "{v}/{d}: kustomize's result differs from the main mode's"
            )),
        }
    });
}
