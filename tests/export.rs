//! Differential tests of `kof-route export` against the real kustomize
//! (`kubectl kustomize`) and Kubernetes' own YAML reader (`kubectl annotate
//! --local -o json` reads each document as the API server would).
//!
//! * Every fixture version x both Helm dialects x every route variant: the
//!   exported patches, applied by kustomize to the render, give the documents
//!   kof-route writes for that render.
//! * The cross-version matrix: patches exported from version A, applied to
//!   version B's render, give exactly kof-route's output on B or make
//!   kustomize fail; never a silent difference.
//! * `--format flux` and `--format sveltos` carry exactly the kustomize patches.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use support::kube::{as_stored, kustomize, run_all};

const VERSIONS: [&str; 4] = ["1.8.0", "1.9.0", "1.10.0", "1.11"];
const DIALECTS: [&str; 2] = ["helm3", "helm4"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn render_path(version: &str, dialect: &str) -> PathBuf {
    repo().join(format!(
        "fixtures/kof-{version}/{dialect}/kof-collectors.yaml"
    ))
}

/// Every route's registry example, and the regional options that change the patches.
fn variants() -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = kof_route::routes::REGISTRY
        .iter()
        .map(|r| {
            let mut flags = vec![format!("--route={}", r.name)];
            flags.extend(r.example.iter().map(|s| s.to_string()));
            (r.name.to_string(), flags)
        })
        .collect();
    let regional = |extra: &[&str]| {
        let mut f: Vec<String> = [
            "--route=regional",
            "--regional-domain=kof.example.com",
            "--regional-cluster=regional-1",
        ]
        .map(String::from)
        .to_vec();
        f.extend(extra.iter().map(|s| s.to_string()));
        f
    };
    out.push(("regional-ca".into(), regional(&["--ca-secret=regional-ca"])));
    out.push((
        "regional-skip-verify".into(),
        regional(&["--insecure-skip-verify"]),
    ));
    out.push((
        "regional-no-basic-auth".into(),
        regional(&["--no-basic-auth"]),
    ));
    out.push((
        "regional-overrides".into(),
        regional(&[
            "--write-logs-endpoint=https://logs.example.com/insert/opentelemetry/v1/logs",
            "--read-metrics-endpoint=https://metrics.example.com/select/0/prometheus",
        ]),
    ));
    out.push((
        "regional-layout-0.3".into(),
        regional(&["--kof-layout=0.3"]),
    ));
    out
}

/// Run kof-route from the repository root (examples name files from there).
fn kof_route(args: &[String], input: &Path) -> (bool, Vec<u8>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kof-route"));
    cmd.current_dir(repo()).args(args).arg(input);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("KOF_ROUTE") {
            cmd.env_remove(key);
        }
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn routed(flags: &[String], version: &str, dialect: &str) -> Vec<u8> {
    // The main mode takes FILE only through `diff`/`check`: feed stdin.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kof-route"));
    cmd.current_dir(repo()).args(flags);
    let input = std::fs::File::open(render_path(version, dialect)).unwrap();
    let out = cmd.stdin(input).output().unwrap();
    assert!(
        out.status.success(),
        "{flags:?} on {version}/{dialect}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn export(flags: &[String], format: &str, version: &str, dialect: &str) -> Value {
    let mut args = vec!["export".to_string(), format!("--format={format}")];
    args.extend(flags.iter().cloned());
    let (ok, stdout, stderr) = kof_route(&args, &render_path(version, dialect));
    assert!(ok, "export {args:?} on {version}/{dialect}: {stderr}");
    kof_route::yaml::parse(std::str::from_utf8(&stdout).unwrap()).unwrap()
}

#[test]
fn kustomize_applying_the_export_gives_kof_routes_output() {
    let mut cases = Vec::new();
    for v in VERSIONS {
        for d in DIALECTS {
            for (name, flags) in variants() {
                cases.push((v, d, name, flags));
            }
        }
    }
    run_all(&cases, |(v, d, name, flags), dir| {
        let patches = export(flags, "kustomize", v, d);
        let built = kustomize(dir, &render_path(v, d), &patches)
            .map_err(|e| format!("{v}/{d} {name}: kustomize failed: {e}"))?;
        let want = as_stored(dir, &routed(flags, v, d));
        let unrouted = as_stored(dir, &std::fs::read(render_path(v, d)).unwrap());
        if unrouted == want {
            return Err(format!(
                "{v}/{d} {name}: the route changes nothing, the comparison would prove nothing"
            ));
        }
        let got = as_stored(dir, &built);
        if got != want {
            let diff = got.iter().zip(&want).find(|(a, b)| a != b);
            return Err(format!(
                "{v}/{d} {name}: kustomize result differs: {diff:?}"
            ));
        }
        Ok(())
    });
}

#[test]
fn patches_from_another_version_fail_loudly_or_match() {
    let mut cases = Vec::new();
    for from in VERSIONS {
        for to in VERSIONS {
            for (name, flags) in variants() {
                if from != to {
                    cases.push((from, to, name, flags));
                }
            }
        }
    }
    let applied = Mutex::new((0, 0));
    run_all(&cases, |(from, to, name, flags), dir| {
        let patches = export(flags, "kustomize", from, "helm3");
        let Ok(built) = kustomize(dir, &render_path(to, "helm3"), &patches) else {
            applied.lock().unwrap().1 += 1;
            return Ok(());
        };
        applied.lock().unwrap().0 += 1;
        let want = as_stored(dir, &routed(flags, to, "helm3"));
        match as_stored(dir, &built) == want {
            true => Ok(()),
            false => Err(format!(
                "{name}: patches of {from} applied silently to {to} with a different result"
            )),
        }
    });
    let (matched, refused) = *applied.lock().unwrap();
    eprintln!("cross-version: {matched} applied and matched, {refused} refused by a test");
    assert!(
        matched > 0 && refused > 0,
        "both outcomes occur across 1.8-1.11"
    );
}

#[test]
fn flux_and_sveltos_carry_exactly_the_kustomize_patches() {
    for (name, flags) in variants() {
        let patches = export(&flags, "kustomize", "1.11", "helm4");
        assert!(patches.as_array().is_some_and(|p| !p.is_empty()), "{name}");
        let flux = export(&flags, "flux", "1.11", "helm4");
        assert_eq!(flux["apiVersion"], "helm.toolkit.fluxcd.io/v2");
        assert_eq!(flux["kind"], "HelmRelease");
        assert_eq!(
            flux["metadata"],
            json!({"name": "kof-collectors", "namespace": "kof"})
        );
        assert_eq!(
            flux["spec"]["postRenderers"],
            json!([{"kustomize": {"patches": patches}}]),
            "{name}"
        );
        let sveltos = export(&flags, "sveltos", "1.11", "helm4");
        assert_eq!(sveltos["kind"], "MultiClusterService");
        assert_eq!(sveltos["metadata"]["name"], "kof-mgmt-cluster");
        assert_eq!(
            sveltos["spec"]["serviceSpec"]["provider"]["config"]["patches"], patches,
            "{name}"
        );
    }
}

#[test]
fn export_refuses_what_the_main_mode_refuses_and_writes_nothing() {
    let bad = repo().join("fixtures/variants/broken-collector.yaml");
    let flags = ["export", "--format=flux", "--route=mothership"].map(String::from);
    let (ok, stdout, stderr) = kof_route(&flags, &bad);
    assert!(!ok && stdout.is_empty(), "{stderr}");
    assert!(stderr.starts_with("kof-route: doc #"), "{stderr}");
    let usage = [
        "export",
        "--format=kustomize",
        "--route=mothership",
        "--aws-region=us-east-2",
    ]
    .map(String::from);
    let (ok, stdout, stderr) = kof_route(&usage, &render_path("1.11", "helm3"));
    assert!(!ok && stdout.is_empty());
    assert!(
        stderr.contains("--aws-region is not used by --route mothership"),
        "{stderr}"
    );
}
