//! The `kof` umbrella release (KOF 1.8+), through the real engines.
//!
//! * kof-route's models of the kof-collectors chart versions are the real
//!   renders' collectors and OpenCost, byte for byte.
//! * Every umbrella fixture with a kof-collectors HelmRelease x every route:
//!   the post-renderers kof-route adds to that HelmRelease, applied by the
//!   real kustomize to what real Helm renders from it (its chart version and
//!   its `spec.values`), give kof-route's own output on that render.
//! * The 1.10 umbrella without kof-collectors: mothership and regional set
//!   kof-child's switch and change nothing else; cloudwatch is refused with
//!   the fix and nothing on stdout.
//! * A second run changes nothing, on every fixture.
//! * End to end: real Helm renders the real `kof` chart with kof-route as its
//!   post-renderer.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::kube::{as_kubernetes_reads, as_stored, kustomize, run_all};
use support::{root, run};

const UMBRELLAS: [&str; 8] = [
    "kof-v1.9.0-plain-collectors.helm3.yaml",
    "kof-v1.9.0-plain-collectors.helm4.yaml",
    "kof-v1.9.0-m2r-docs.helm3.yaml",
    "kof-v1.9.0-m2r-docs.helm4.yaml",
    "kof-v1.10.0-plain-collectors+components.helm-3.17.2.yaml",
    "kof-v1.10.0-thirdparty-docs+components.helm3.yaml",
    "kof-v1.10.0-thirdparty-docs.helm3.yaml",
    "kof-v1.10.0-m2r-docs.helm4.yaml",
];

fn umbrella(name: &str) -> Vec<u8> {
    support::fixture(format!("fixtures/umbrella/{name}"))
}

fn helm3() -> PathBuf {
    root().join("target/e2e-bin/helm-v3.17.2")
}

/// The routes whose example needs no file, with their flags.
fn routes() -> Vec<(&'static str, Vec<String>)> {
    support::every_route()
}

fn docs(stream: &[u8]) -> Vec<Value> {
    kof_route::read::split(stream)
        .docs
        .iter()
        .filter_map(|d| kof_route::yaml::parse(std::str::from_utf8(d.raw).ok()?).ok())
        .filter(|v| !v.is_null())
        .collect()
}

/// The kof-collectors HelmRelease of a stream, if any.
fn collectors_release(docs: &[Value]) -> Option<&Value> {
    docs.iter().find(|d| {
        d["kind"] == "HelmRelease"
            && d["metadata"]["labels"]["k0rdent.mirantis.com/component"] == "kof-collectors"
    })
}

/// The chart version the release installs, through its HelmChart.
fn chart_version(docs: &[Value], release: &Value) -> String {
    let name = release["spec"]["chartRef"]["name"].as_str().unwrap();
    let chart = docs
        .iter()
        .find(|d| d["kind"] == "HelmChart" && d["metadata"]["name"] == name)
        .expect("the release's HelmChart");
    chart["spec"]["version"].as_str().unwrap().to_string()
}

#[test]
fn models_are_the_real_renders() {
    for (version, model) in kof_route::kof::CHART_MODELS {
        let dir = if version == "1.11.0-rc0" {
            "1.11"
        } else {
            version
        };
        let render = support::fixture(format!("fixtures/kof-{dir}/helm3/kof-collectors.yaml"));
        let (stream, selected) = kof_route::select(&render).unwrap();
        let want: Vec<u8> = selected
            .iter()
            .filter(|s| s.kind.role != kof_route::select::Role::FluxRelease)
            .flat_map(|s| stream.docs[s.index].raw.to_vec())
            .collect();
        assert_eq!(selected.len(), 5, "{version}: four collectors and OpenCost");
        assert!(
            model.as_bytes() == want.as_slice(),
            "{version}: the model is not the real render's collectors and OpenCost"
        );
    }
}

#[test]
fn post_renderers_reproduce_the_routed_render() {
    let mut cases = Vec::new();
    for name in UMBRELLAS {
        let input = umbrella(name);
        if collectors_release(&docs(&input)).is_some() {
            for (route, flags) in routes() {
                cases.push((name, route, flags.clone()));
            }
        }
    }
    assert!(cases.len() >= 6 * 5, "{} cases", cases.len());
    let refused = std::sync::Mutex::new(0);
    let unchanged = std::sync::Mutex::new(0);
    run_all(&cases, |(name, route, flags), dir| {
        // What real Helm renders from the release: its chart version, its values.
        let input_docs = docs(&umbrella(name));
        let release = collectors_release(&input_docs).unwrap();
        let version = chart_version(&input_docs, release);
        let chart = root().join(format!("fixtures/charts/kof-collectors-{version}.tgz"));
        let values = dir.join("values.yaml");
        std::fs::write(&values, kof_route::yaml::emit(&release["spec"]["values"])).unwrap();
        let render = helm_template("kof-collectors", &chart, &values, &[])
            .map_err(|e| format!("{name}: {e}"))?;
        let render_file = dir.join("helm-render.yaml");
        std::fs::write(&render_file, &render).unwrap();
        let mut out = run(flags, &umbrella(name));
        if out.code == Some(1) && out.stderr.contains("pass --collectors-render") {
            // Values the model does not cover: refused loudly, then routed from the real render.
            *refused.lock().unwrap() += 1;
            if !out.stdout.is_empty() {
                return Err(format!("{name} {route}: refused, yet wrote"));
            }
            let mut with_render = flags.clone();
            with_render.push(format!("--collectors-render={}", render_file.display()));
            out = run(&with_render, &umbrella(name));
        }
        if out.code != Some(0) {
            return Err(format!("{name} {route}: {}", out.stderr));
        }
        let routed_docs = docs(&out.stdout);
        let renderers = collectors_release(&routed_docs).unwrap()["spec"]["postRenderers"]
            .as_array()
            .unwrap();
        let patches = &renderers.last().unwrap()["kustomize"]["patches"];
        let built = kustomize(dir, &render_file, patches)
            .map_err(|e| format!("{name} {route}: kustomize failed: {e}"))?;
        let direct = run(flags, &render);
        if direct.code != Some(0) {
            return Err(format!(
                "{name} {route}: kof-route on the render: {}",
                direct.stderr
            ));
        }
        let want = as_stored(dir, &direct.stdout);
        if as_stored(dir, &built) != want {
            return Err(format!(
                "{name} {route}: the HelmRelease's post-renderers give another result"
            ));
        }
        if as_stored(dir, &render) == want {
            // A release whose values already route this way: nothing to prove here.
            *unchanged.lock().unwrap() += 1;
        }
        Ok(())
    });
    let unchanged = *unchanged.lock().unwrap();
    assert!(
        unchanged * 10 < cases.len(),
        "{unchanged} of {} cases change nothing",
        cases.len()
    );
    let refused = *refused.lock().unwrap();
    eprintln!(
        "{} cases, {refused} first refused for values the model does not cover",
        cases.len()
    );
    assert!(
        refused < cases.len(),
        "the model itself serves the plain releases"
    );
}

/// `helm template` of a chart with a values file (real Helm 3.17.2, no cluster).
fn helm_template(
    release: &str,
    chart: &Path,
    values: &Path,
    extra: &[&str],
) -> Result<Vec<u8>, String> {
    let home = tempfile::tempdir().unwrap();
    let out = support::clean_command(helm3())
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("KUBECONFIG", home.path().join("no-kubeconfig"))
        .args(["template", release])
        .arg(chart)
        .args(["-n", "kof", "-f"])
        .arg(values)
        .args(extra)
        .output()
        .map_err(|e| format!("running {}: {e}", helm3().display()))?;
    match out.status.success() {
        true => Ok(out.stdout),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[test]
fn without_kof_collectors_kof_child_carries_the_switch() {
    let input = umbrella("kof-v1.10.0-m2r-docs.helm4.yaml");
    let before = docs(&input);
    for (route, flags, want) in [
        ("mothership", vec!["--route=mothership"], (true, "")),
        (
            "regional",
            vec![
                "--route=regional",
                "--regional-domain=kof.example.com",
                "--regional-cluster=regional-2",
            ],
            (false, "regional-2"),
        ),
    ] {
        let out = run(&flags, &input);
        assert!((out.code == Some(0)), "{route}: {}", out.stderr);
        let after = docs(&out.stdout);
        assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            if b["metadata"]["name"] != "kof-child" || b["kind"] != "HelmRelease" {
                assert_eq!(a, b, "{route}: only kof-child's release changes");
                continue;
            }
            let mut expected = b.clone();
            let m = &mut expected["spec"]["values"]["fromManagement"];
            m["toManagementCluster"]["enabled"] = want.0.into();
            m["toRegionalCluster"]["name"] = want.1.into();
            assert_eq!(a, &expected, "{route}: exactly the switch");
        }
        let untouched = kof_route::read::split(&input).docs.len();
        assert_eq!(kof_route::read::split(&out.stdout).docs.len(), untouched);
    }
    let out = run(&["--route=cloudwatch", "--aws-region=us-east-2"], &input);
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("global:\n    components: [kof-operators, kof-mothership, kof-regional, kof-child, kof-collectors]"), "{}", out.stderr);
    let out = run(
        &[
            "--route=regional-istio",
            "--regional-cluster=r",
            "--no-basic-auth",
        ],
        &input,
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("cannot carry --no-basic-auth"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_second_run_changes_nothing() {
    for name in UMBRELLAS {
        for (route, flags) in routes() {
            let first = run(&flags, &umbrella(name));
            if first.code != Some(0) {
                assert!(
                    first.stdout.is_empty(),
                    "{name} {route}: refused, yet wrote"
                );
                continue;
            }
            let second = run(&flags, &first.stdout);
            assert!(
                (second.code == Some(0)),
                "{name} {route}: {}",
                second.stderr
            );
            assert!(
                second.stdout == first.stdout,
                "{name} {route}: the second run changed the stream"
            );
        }
    }
}

#[test]
fn an_unknown_chart_version_is_refused_by_name() {
    let input = String::from_utf8(umbrella("kof-v1.9.0-plain-collectors.helm4.yaml")).unwrap();
    let odd = input.replacen(
        "  chart: kof-collectors\n  version: 1.9.0\n",
        "  chart: kof-collectors\n  version: 1.7.3\n",
        1,
    );
    assert_ne!(odd, input, "the fixture pins kof-collectors 1.9.0");
    let out = run(&["--route=mothership"], odd.as_bytes());
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("installs kof-collectors 1.7.3, which kof-route has no model of (it knows 1.8.0, 1.9.0, 1.10.0, 1.11.0-rc0)"), "{}", out.stderr);
}

#[test]
fn end_to_end_the_real_kof_chart_through_real_helm() {
    let dir = tempfile::tempdir().unwrap();
    let chart = root().join("fixtures/charts/kof-1.9.0.tgz");
    let values = root().join("fixtures/umbrella/values/v1.9.0-plain-collectors.yaml");
    let bin = support::BIN;
    let routed = helm_template(
        "kof",
        &chart,
        &values,
        &[
            "--post-renderer",
            bin,
            "--post-renderer-args",
            "--route=mothership",
        ],
    )
    .expect("helm renders the kof chart through kof-route");
    let plain = helm_template("kof", &chart, &values, &[]).unwrap();
    let direct = run(&["--route=mothership"], &plain);
    assert!((direct.code == Some(0)), "{}", direct.stderr);
    // The chart stamps each render with the time (reconcile.fluxcd.io/requestedAt).
    let read = |stream: &[u8]| {
        let mut docs = as_kubernetes_reads(dir.path(), stream);
        for d in &mut docs {
            if let Some(a) = d
                .pointer_mut("/metadata/annotations")
                .and_then(Value::as_object_mut)
            {
                a.retain(|k, _| !k.starts_with("reconcile.fluxcd.io/"));
            }
        }
        docs
    };
    assert_eq!(
        read(&routed),
        read(&direct.stdout),
        "Helm's post-rendered umbrella is kof-route's output on Helm's render"
    );
    let release = docs(&routed)
        .into_iter()
        .find(|d| d["kind"] == "HelmRelease" && d["metadata"]["name"] == "kof-collectors")
        .unwrap();
    let patches = release["spec"]["postRenderers"][0]["kustomize"]["patches"]
        .as_array()
        .unwrap();
    let guards = patches.iter().filter(|p| p.get("target").is_none()).count();
    assert_eq!(
        (patches.len(), guards),
        (8, 4),
        "a patch per collector, each after its guard"
    );
}

#[test]
fn end_to_end_the_real_kof_chart_through_the_helm4_plugin() {
    let home = tempfile::tempdir().unwrap();
    // The plugin as `helm plugin install` lays it out: its manifest and
    // bin/kof-route (put there by the install hook), which the manifest runs.
    let plugin = home.path().join("plugins/kof-route");
    std::fs::create_dir_all(plugin.join("bin")).unwrap();
    std::fs::copy(root().join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
    std::os::unix::fs::symlink(support::BIN, plugin.join("bin/kof-route")).unwrap();
    let chart = root().join("fixtures/charts/kof-1.10.0.tgz");
    let values = root().join("fixtures/umbrella/values/v1.10.0-m2r-docs.yaml");
    let helm4 = root().join("target/e2e-bin/helm-v4.2.3");
    let mut cmd = support::clean_command(&helm4);
    cmd.env("HOME", home.path())
        .env("HELM_PLUGINS", home.path().join("plugins"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("KUBECONFIG", home.path().join("no-kubeconfig"))
        .args(["template", "kof"])
        .arg(&chart)
        .args(["-n", "kof", "-f"])
        .arg(&values)
        .args([
            "--post-renderer",
            "kof-route",
            "--post-renderer-args=--route=mothership",
        ]);
    let out = cmd.output().expect("real Helm 4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child = docs(&out.stdout)
        .into_iter()
        .find(|d| d["kind"] == "HelmRelease" && d["metadata"]["name"] == "kof-child")
        .expect("the umbrella's kof-child release");
    let m = &child["spec"]["values"]["fromManagement"];
    assert_eq!(m["toManagementCluster"]["enabled"], true, "{m}");
    assert_eq!(
        m["toRegionalCluster"]["name"], "",
        "exactly one switch: {m}"
    );
}
