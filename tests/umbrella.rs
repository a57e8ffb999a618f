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
//!   Without Helm the customised releases (15 of the 30 cases) are refused by
//!   name; with Helm (`$HELM_BIN`) and the charts as a folder, every case is
//!   routed, with no `--collectors-render`.
//! * A customised umbrella is rendered from its chart repository: the charts
//!   indexed by real Helm and served over HTTP on 127.0.0.1, the folder, Helm
//!   3.17.2 and 4.2.3, `KOF_ROUTE_CHART_REPO`, the cache (used when the
//!   repository is gone, not used once tampered with).
//! * No Helm, an unreachable repository, a user's post-renderer on the
//!   collectors, a chart version missing from the folder: refused by name,
//!   nothing on stdout.
//! * A second run changes nothing, on every fixture.
//! * End to end: real Helm renders the real `kof` chart with kof-route as its
//!   post-renderer.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::helm::{helm_env, helm3, helm4, helm4_with_plugin, run_helm};
use support::kube::{as_kubernetes_reads, as_stored, kustomize, run_all};
use support::{docs, root, run, run_with};

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

/// The routes whose example needs no file, with their flags.
fn routes() -> Vec<(&'static str, Vec<String>)> {
    support::every_route()
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
        // Without Helm, values the model does not cover are refused by name;
        // with Helm (and the charts as a folder) every case is routed.
        let without = run(flags, &umbrella(name));
        if without.code != Some(0) {
            if !without.stdout.is_empty() || !without.stderr.contains("no Helm to render it with") {
                return Err(format!("{name} {route}: {}", without.stderr));
            }
            *refused.lock().unwrap() += 1;
        }
        let mut with_repo = flags.clone();
        with_repo.push(format!(
            "--chart-repo={}",
            root().join("fixtures/charts").display()
        ));
        let out = run_helm(&with_repo, dir, &helm3(), &umbrella(name));
        if out.code != Some(0) {
            return Err(format!("{name} {route}: {}", out.stderr));
        }
        if without.code == Some(0) && out.stdout != without.stdout {
            return Err(format!(
                "{name} {route}: the model's route changed with Helm at hand"
            ));
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
        "{} cases, {refused} rendered by Helm (refused without Helm), all routed",
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
    // With Helm at hand (the charts as a folder), customised releases too.
    let dir = tempfile::tempdir().unwrap();
    let charts = format!("--chart-repo={}", root().join("fixtures/charts").display());
    let (mut refused, mut routed) = (0, 0);
    for name in UMBRELLAS {
        for (route, mut flags) in routes() {
            flags.push(charts.clone());
            let first = run_helm(&flags, dir.path(), &helm3(), &umbrella(name));
            if first.code != Some(0) {
                assert!(
                    first.stdout.is_empty(),
                    "{name} {route}: refused, yet wrote"
                );
                refused += 1;
                continue;
            }
            routed += 1;
            let second = run_helm(&flags, dir.path(), &helm3(), &first.stdout);
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
    eprintln!("second run: {routed} routed and unchanged, {refused} refused");
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
    let dir = tempfile::tempdir().unwrap();
    let charts = root().join("fixtures/charts");
    let flags = [
        "--route=mothership".to_string(),
        format!("--chart-repo={}", charts.display()),
    ];
    let out = run_helm(&flags, dir.path(), &helm3(), odd.as_bytes());
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    for needle in [
        "installs kof-collectors 1.7.3, which kof-route has no model of (it knows 1.8.0, 1.9.0, 1.10.0, 1.11.0-rc0)",
        "kof-collectors-1.7.3.tgz is not in the folder",
    ] {
        assert!(out.stderr.contains(needle), "{}", out.stderr);
    }
}

/// A chart repository on 127.0.0.1: `fixtures/charts` indexed by real Helm
/// (`helm repo index`), served over HTTP/1.1 until dropped.
struct ChartServer {
    url: String,
    dir: tempfile::TempDir,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ChartServer {
    fn start() -> ChartServer {
        use std::io::{BufRead, BufReader, Write};
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(root().join("fixtures/charts")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/charts", listener.local_addr().unwrap());
        let index = support::clean_command(helm3())
            .args(["repo", "index"])
            .arg(dir.path())
            .args(["--url", &url])
            .output()
            .unwrap();
        assert!(index.status.success(), "{}", support::text(&index.stderr));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (root_dir, stopped) = (dir.path().to_path_buf(), stop.clone());
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                conn.set_nonblocking(false).unwrap();
                let mut line = String::new();
                BufReader::new(&conn).read_line(&mut line).unwrap();
                let path = line.split(' ').nth(1).unwrap_or("/");
                let file = path.trim_start_matches("/charts/");
                let body = (!file.contains('/'))
                    .then(|| std::fs::read(root_dir.join(file)).ok())
                    .flatten();
                let head = match &body {
                    Some(b) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    ),
                    None => {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .into()
                    }
                };
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(body.as_deref().unwrap_or_default());
            }
        });
        ChartServer { url, dir, stop }
    }
}

impl Drop for ChartServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A customised umbrella (the values the model does not cover) routed with
/// no --collectors-render: from the repository over HTTP with Helm 3 and
/// Helm 4, from the folder, from the cache when the repository is gone; a
/// tampered cache is not used; a second run changes nothing.
#[test]
fn a_customised_umbrella_is_rendered_from_its_chart_repository() {
    let input = umbrella("kof-v1.9.0-m2r-docs.helm3.yaml");
    let dir = tempfile::tempdir().unwrap();
    let server = ChartServer::start();
    let flags = |repo: &str| {
        let mut f: Vec<String> = support::route_flags("regional");
        f.push(format!("--chart-repo={repo}"));
        f
    };
    let plain = run(&support::route_flags("regional"), &input);
    assert_eq!(
        plain.code,
        Some(1),
        "refused without Helm: {}",
        plain.stderr
    );
    let from_http = run_helm(&flags(&server.url), dir.path(), &helm3(), &input);
    assert_eq!(from_http.code, Some(0), "{}", from_http.stderr);
    assert_eq!(post_renderers_of(&from_http.stdout).len(), 1);
    let charts = root().join("fixtures/charts").display().to_string();
    let from_dir = run_helm(&flags(&charts), dir.path(), &helm3(), &input);
    assert_eq!(from_dir.code, Some(0), "{}", from_dir.stderr);
    assert!(
        from_dir.stdout == from_http.stdout,
        "the folder and the repository agree"
    );
    let helm4_dir = tempfile::tempdir().unwrap();
    let with_helm4 = run_helm(&flags(&server.url), helm4_dir.path(), &helm4(), &input);
    assert_eq!(with_helm4.code, Some(0), "{}", with_helm4.stderr);
    assert!(
        with_helm4.stdout == from_http.stdout,
        "Helm 4 renders the same"
    );
    // The environment variable stands for the flag.
    let env = helm_env(dir.path(), &helm3());
    let mut refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refs.push(("KOF_ROUTE_CHART_REPO", &server.url));
    let via_env = run_with(&support::route_flags("regional"), &refs, &input);
    assert!(via_env.stdout == from_http.stdout, "{}", via_env.stderr);
    // Without --chart-repo: the repository the release's HelmChart's HelmRepository names.
    let text = String::from_utf8(input.clone()).unwrap();
    let own_repo = text.replacen(
        "  type: oci\n  url: oci://ghcr.io/k0rdent/kof/charts\n",
        &format!("  url: {}\n", server.url),
        1,
    );
    assert_ne!(
        own_repo, text,
        "the fixture's kof-repo is KCM's OCI repository"
    );
    let own_dir = tempfile::tempdir().unwrap(); // an empty cache: pulled from it
    let from_own = run_helm(
        &support::route_flags("regional"),
        own_dir.path(),
        &helm3(),
        own_repo.as_bytes(),
    );
    assert_eq!(from_own.code, Some(0), "{}", from_own.stderr);
    assert!(
        post_renderers_of(&from_own.stdout) == post_renderers_of(&from_http.stdout),
        "the HelmRepository's charts route as --chart-repo's"
    );
    let second = run_helm(&flags(&server.url), dir.path(), &helm3(), &from_http.stdout);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        second.stdout == from_http.stdout,
        "a second run changes nothing"
    );
    // The repository gone: the cached chart (its digest checked) serves.
    let url = server.url.clone();
    let served = std::fs::read(server.dir.path().join("kof-collectors-1.9.0.tgz")).unwrap();
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let cached = run_helm(&flags(&url), dir.path(), &helm3(), &input);
    assert!(cached.stdout == from_http.stdout, "{}", cached.stderr);
    let tgz = find_file(
        &dir.path().join("cache/kof-route/charts"),
        "kof-collectors-1.9.0.tgz",
    );
    assert!(
        std::fs::read(&tgz).unwrap() == served,
        "the cache holds the served chart"
    );
    std::fs::write(&tgz, b"tampered").unwrap();
    let tampered = run_helm(&flags(&url), dir.path(), &helm3(), &input);
    assert_eq!(
        tampered.code,
        Some(1),
        "a tampered cache is pulled again, and the repository is gone"
    );
    assert!(tampered.stdout.is_empty());
    assert!(
        tampered.stderr.contains("cannot pull kof-collectors 1.9.0"),
        "{}",
        tampered.stderr
    );
}

fn find_file(dir: &Path, name: &str) -> PathBuf {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let found = path.join(name);
            if found.is_file() {
                return found;
            }
        }
    }
    panic!("no {name} under {}", dir.display());
}

fn post_renderers_of(stream: &[u8]) -> Vec<Value> {
    let docs = docs(stream);
    collectors_release(&docs).unwrap()["spec"]["postRenderers"]
        .as_array()
        .unwrap()
        .clone()
}

/// What kof-route cannot render faithfully is refused by name, with nothing on stdout.
#[test]
fn what_cannot_be_rendered_is_refused_by_name() {
    let input = umbrella("kof-v1.9.0-m2r-docs.helm3.yaml");
    let dir = tempfile::tempdir().unwrap();
    // No Helm at all.
    let out = run(&["--route=mothership"], &input);
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("no Helm to render it with")
            && out.stderr.contains("--collectors-render"),
        "{}",
        out.stderr
    );
    // An unreachable repository: the offline alternatives.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/charts", closed.local_addr().unwrap());
    drop(closed);
    let out = run_helm(
        &[
            "--route=mothership".to_string(),
            format!("--chart-repo={url}"),
        ],
        dir.path(),
        &helm3(),
        &input,
    );
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    for needle in [
        "cannot pull kof-collectors 1.9.0 from http://127.0.0.1",
        "--chart-repo DIR",
        "--collectors-render FILE",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    // A post-renderer of the user's that patches the collectors.
    let text = String::from_utf8(input.clone()).unwrap();
    let mut docs_in = docs(&input);
    let release = docs_in
        .iter_mut()
        .find(|d| d["kind"] == "HelmRelease" && d["metadata"]["name"] == "kof-collectors")
        .unwrap();
    release["spec"]["postRenderers"] = serde_json::json!([{"kustomize": {"patches": [{
        "target": {"kind": "OpenTelemetryCollector", "name": "kof-collectors-daemon"},
        "patch": "[{op: add, path: /spec/config/exporters/debug, value: {}}]"}]}}]);
    assert!(text.contains("kof-collectors"));
    let edited: String = docs_in
        .iter()
        .map(|d| format!("---\n{}", kof_route::yaml::emit(d)))
        .collect();
    let charts = root().join("fixtures/charts").display().to_string();
    let out = run_helm(
        &[
            "--route=mothership".to_string(),
            format!("--chart-repo={charts}"),
        ],
        dir.path(),
        &helm3(),
        edited.as_bytes(),
    );
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("its spec.postRenderers[0] (not kof-route's) patches the collectors"),
        "{}",
        out.stderr
    );
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

/// `helm template kof CHART -n kof -f VALUES` through `helm4` (Helm 4 with
/// the plugin), kof-route as its post-renderer with the mothership route:
/// Helm's output, which must be a success.
fn kof_through_the_plugin(mut helm4: Command, chart: &Path, values: &Path) -> std::process::Output {
    helm4
        .args(["template", "kof"])
        .arg(chart)
        .args(["-n", "kof", "-f"])
        .arg(values)
        .args([
            "--post-renderer",
            "kof-route",
            "--post-renderer-args=--route=mothership",
        ]);
    let out = helm4.output().expect("real Helm 4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn end_to_end_the_real_kof_chart_through_the_helm4_plugin() {
    let home = tempfile::tempdir().unwrap();
    let chart = root().join("fixtures/charts/kof-1.10.0.tgz");
    let values = root().join("fixtures/umbrella/values/v1.10.0-m2r-docs.yaml");
    let out = kof_through_the_plugin(helm4_with_plugin(home.path()), &chart, &values);
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

/// Issue 28 end to end: a customised umbrella (KOF's documented m2r values,
/// which the model does not cover) through the Helm 4 plugin, in one command.
/// The test sets no `$HELM_BIN` and has no `helm` on PATH: kof-route renders
/// kof-collectors with the Helm that started it (Helm 4.2.3 sets no
/// `$HELM_BIN` for a post-renderer plugin), charts from the folder named by
/// `KOF_ROUTE_CHART_REPO` (Helm passes the environment on). Helm 3.17.2 with
/// kof-route as its `--post-renderer` program writes the same.
#[test]
fn end_to_end_a_customised_umbrella_through_the_helm4_plugin() {
    let home = tempfile::tempdir().unwrap();
    let chart = root().join("fixtures/charts/kof-1.9.0.tgz");
    let values = root().join("fixtures/umbrella/values/v1.9.0-m2r-docs.yaml");
    let mut cmd = helm4_with_plugin(home.path());
    cmd.env("KOF_ROUTE_CHART_REPO", root().join("fixtures/charts"))
        .env_remove("HELM_BIN");
    let out = kof_through_the_plugin(cmd, &chart, &values);
    let renderers = post_renderers_of(&out.stdout);
    assert_eq!(renderers.len(), 1, "kof-route's post-renderer");
    // The same patches as from a render of that release made by the test.
    let docs = docs(&out.stdout);
    let release = collectors_release(&docs).unwrap();
    let values_file = home.path().join("collectors-values.yaml");
    std::fs::write(
        &values_file,
        kof_route::yaml::emit(&release["spec"]["values"]),
    )
    .unwrap();
    let render = helm_template(
        "kof-collectors",
        &root().join("fixtures/charts/kof-collectors-1.9.0.tgz"),
        &values_file,
        &[],
    )
    .unwrap();
    let render_file = home.path().join("render.yaml");
    std::fs::write(&render_file, render).unwrap();
    let plain = helm_template("kof", &chart, &values, &[]).unwrap();
    let given = run(
        &[
            "--route=mothership".to_string(),
            format!("--collectors-render={}", render_file.display()),
        ],
        &plain,
    );
    assert_eq!(given.code, Some(0), "{}", given.stderr);
    assert_eq!(renderers, post_renderers_of(&given.stdout));
    // Helm 3 with kof-route as its post-renderer program: the same.
    let charts = format!("--chart-repo={}", root().join("fixtures/charts").display());
    let helm3_out = helm_template(
        "kof",
        &chart,
        &values,
        &[
            "--post-renderer",
            support::BIN,
            "--post-renderer-args",
            "--route=mothership",
            "--post-renderer-args",
            &charts,
        ],
    )
    .expect("Helm 3 renders the customised umbrella through kof-route");
    assert_eq!(renderers, post_renderers_of(&helm3_out));
}
