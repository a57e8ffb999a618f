//! Issue 30: the GitOps paths never fail silently. Each of the twelve classes
//! of the issue, through the real engines where they apply: real Helm 3.17.2
//! renders a HelmRelease's chart under the name and namespace Flux gives it,
//! real kustomize (`kubectl kustomize` 5.5.0) applies the post-renderers or
//! the exported patches as Flux does. kof-route either routes exactly what the
//! engine renders (kustomize on that render equals kof-route's main mode on
//! it), or refuses by name with nothing on stdout.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::docs as parse;
use support::helm::{helm3, run_helm};
use support::kube::{as_stored, kustomize};
use support::{root, run};

const MOTHERSHIP: [&str; 1] = ["--route=mothership"];
const REGIONAL: [&str; 3] = [
    "--route=regional",
    "--regional-domain=kof.example.com",
    "--regional-cluster=regional-1",
];

fn emit(docs: &[Value]) -> Vec<u8> {
    docs.iter()
        .map(|d| format!("---\n{}", kof_route::yaml::emit(d)))
        .collect::<String>()
        .into_bytes()
}

fn is_release(d: &Value, name: &str) -> bool {
    d["kind"] == "HelmRelease" && d["metadata"]["name"] == name
}

/// An umbrella fixture with its HelmRelease `name` edited.
fn umbrella_with(fixture: &str, name: &str, edit: impl Fn(&mut Value)) -> Vec<u8> {
    let mut docs = parse(&support::fixture(format!("fixtures/umbrella/{fixture}")));
    let r = docs.iter_mut().find(|d| is_release(d, name)).unwrap();
    edit(r);
    emit(&docs)
}

const PLAIN_19: &str = "kof-v1.9.0-plain-collectors.helm3.yaml";

/// `helm template NAME CHART -n NS -f values` with real Helm 3.17.2.
fn helm_template(dir: &Path, name: &str, chart: &str, ns: &str, values: &Value) -> Vec<u8> {
    let file = dir.join("values.yaml");
    std::fs::write(&file, kof_route::yaml::emit(values)).unwrap();
    let home = dir.join("helm-home");
    let out = support::clean_command(helm3())
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .args(["template", name])
        .arg(root().join(format!("fixtures/charts/{chart}.tgz")))
        .args(["-n", ns, "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What Flux renders for the kof-collectors release of `umbrella`: its chart
/// 1.9.0 with its values, under the name and namespace helm-controller gives it.
fn flux_render(dir: &Path, umbrella: &[u8], name: &str, ns: &str) -> PathBuf {
    let docs = parse(umbrella);
    let r = docs
        .iter()
        .find(|d| is_release(d, "kof-collectors"))
        .unwrap();
    let render = helm_template(dir, name, "kof-collectors-1.9.0", ns, &r["spec"]["values"]);
    let file = dir.join(format!("flux-{name}-{ns}.yaml"));
    std::fs::write(&file, render).unwrap();
    file
}

fn post_renderers(stream: &[u8]) -> Vec<Value> {
    let docs = parse(stream);
    let r = docs
        .iter()
        .find(|d| is_release(d, "kof-collectors"))
        .unwrap();
    r["spec"]["postRenderers"].as_array().unwrap().clone()
}

/// Refused: exit 1, nothing on stdout, the message holds every `needle`.
fn assert_refused(out: &support::Run, needles: &[&str]) {
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "refused, yet wrote");
    for n in needles {
        assert!(out.stderr.contains(n), "{n:?} not in: {}", out.stderr);
    }
}

/// Route `umbrella` with the render Flux will make, then apply the written
/// post-renderers with real kustomize to that render: kof-route's main mode
/// on the render, exactly.
fn routes_as_flux_renders(umbrella: &[u8], name: &str, ns: &str) {
    let dir = tempfile::tempdir().unwrap();
    let render = flux_render(dir.path(), umbrella, name, ns);
    let mut flags: Vec<String> = MOTHERSHIP.map(String::from).to_vec();
    flags.push(format!("--collectors-render={}", render.display()));
    let out = run(&flags, umbrella);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // Without --collectors-render, kof-route renders it with Helm itself (issue 28).
    let charts = root().join("fixtures/charts").display().to_string();
    let by_helm = run_helm(
        &[
            "--route=mothership".to_string(),
            format!("--chart-repo={charts}"),
        ],
        dir.path(),
        &helm3(),
        umbrella,
    );
    assert_eq!(by_helm.code, Some(0), "{}", by_helm.stderr);
    assert!(
        by_helm.stdout == out.stdout,
        "Helm's render routes as the given one"
    );
    let ours = post_renderers(&out.stdout);
    let patches = &ours.last().unwrap()["kustomize"]["patches"];
    let built = kustomize(dir.path(), &render, patches).expect("kustomize applies them");
    let direct = run(&MOTHERSHIP, &std::fs::read(&render).unwrap());
    assert_eq!(direct.code, Some(0), "{}", direct.stderr);
    let want = as_stored(dir.path(), &direct.stdout);
    assert_ne!(
        want,
        as_stored(dir.path(), &std::fs::read(&render).unwrap())
    );
    assert_eq!(as_stored(dir.path(), &built), want, "{name} in {ns}");
    if (name, ns) == ("kof-collectors", "kof") {
        return;
    }
    // A render of another name or namespace is refused for this release.
    let wrong = flux_render(dir.path(), umbrella, "kof-collectors", "kof");
    let mut flags: Vec<String> = MOTHERSHIP.map(String::from).to_vec();
    flags.push(format!("--collectors-render={}", wrong.display()));
    assert_refused(&run(&flags, umbrella), &["rendered as Helm release"]);
}

/// An edit of a HelmRelease, what it is, and the Helm release name and
/// namespace Flux then renders.
type Case = (&'static str, fn(&mut Value), &'static str, &'static str);

/// Classes 1 and 2: collectors in another namespace or under another name.
#[test]
fn another_namespace_or_name_is_refused_by_the_model_and_routed_from_a_render() {
    let cases: [Case; 5] = [
        (
            "metadata.namespace",
            |r| r["metadata"]["namespace"] = json!("monitoring"),
            "kof-collectors",
            "monitoring",
        ),
        (
            "targetNamespace",
            |r| r["spec"]["targetNamespace"] = json!("telemetry"),
            "telemetry-kof-collectors",
            "telemetry",
        ),
        (
            "releaseName",
            |r| r["spec"]["releaseName"] = json!("kofc"),
            "kofc",
            "kof",
        ),
        (
            "fullnameOverride",
            |r| r["spec"]["values"]["opencost"]["fullnameOverride"] = json!("oc"),
            "kof-collectors",
            "kof",
        ),
        (
            "nameOverride",
            |r| r["spec"]["values"]["opencost"]["nameOverride"] = json!("oc"),
            "kof-collectors",
            "kof",
        ),
    ];
    for (what, edit, name, ns) in cases {
        let umbrella = umbrella_with(PLAIN_19, "kof-collectors", edit);
        let out = run(&MOTHERSHIP, &umbrella);
        assert_refused(&out, &["--collectors-render", "kof-collectors"]);
        assert!(
            out.stderr.contains(name) && out.stderr.contains(ns),
            "{what}: {}",
            out.stderr
        );
        routes_as_flux_renders(&umbrella, name, ns);
    }
}

/// Classes 3 and 12: `--collectors-render` given the kof umbrella (1.10:
/// empty patches before; 1.9: unbounded recursion, exit 134).
#[test]
fn an_umbrella_as_collectors_render_is_refused() {
    for render in [
        "kof-v1.10.0-plain-collectors+components.helm-3.17.2.yaml",
        "kof-v1.9.0-plain-collectors.helm4.yaml",
    ] {
        let path = root().join(format!("fixtures/umbrella/{render}"));
        let flags = [
            "--route=mothership".to_string(),
            format!("--collectors-render={}", path.display()),
        ];
        let input = support::fixture(format!("fixtures/umbrella/{PLAIN_19}"));
        let out = run(&flags, &input);
        assert_refused(
            &out,
            &["this is the kof umbrella, not a kof-collectors render"],
        );
    }
}

/// Class 4: a kof 1.9.0 umbrella without kof-collectors, rendered by real
/// Helm with the chart's defaults: kof-child 1.9.0 has no switch.
#[test]
fn kof_child_without_the_switch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let umbrella = helm_template(dir.path(), "kof", "kof-1.9.0", "kof", &json!({}));
    let docs = parse(&umbrella);
    assert!(docs.iter().any(|d| is_release(d, "kof-child")));
    assert!(!docs.iter().any(|d| is_release(d, "kof-collectors")));
    let out = run(&MOTHERSHIP, &umbrella);
    assert_refused(
        &out,
        &[
            "installs kof-child 1.9.0, which has no fromManagement switch",
            "kof-collectors: {enabled: true}",
        ],
    );
}

/// Class 5: a kof-collectors release whose chart kof-route cannot place is
/// refused by name; an OCIRepository in the stream is read.
#[test]
fn a_collectors_release_of_an_unplaced_chart_is_refused_by_name() {
    let oci = |r: &mut Value| {
        r["spec"]["chartRef"] = json!({"kind": "OCIRepository", "name": "kof-collectors"})
    };
    let out = run(&MOTHERSHIP, &umbrella_with(PLAIN_19, "kof-collectors", oci));
    assert_refused(
        &out,
        &["names OCIRepository kof/kof-collectors, which is not in the stream"],
    );
    let missing = |r: &mut Value| r["spec"]["chartRef"]["name"] = json!("kof-collectors-x");
    let out = run(
        &MOTHERSHIP,
        &umbrella_with(PLAIN_19, "kof-collectors", missing),
    );
    assert_refused(&out, &["HelmChart kcm-system/kof-collectors-x"]);
    // With the OCIRepository in the stream: routed from the model of its tag.
    let mut with_source = umbrella_with(PLAIN_19, "kof-collectors", oci);
    with_source.extend_from_slice(
        b"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  \
          name: kof-collectors\n  namespace: kof\nspec:\n  url: oci://ghcr.io/k0rdent/kof/charts/kof-collectors\n  \
          ref:\n    tag: 1.9.0\n",
    );
    let out = run(&MOTHERSHIP, &with_source);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(post_renderers(&out.stdout).len(), 1);
}

/// Class 6: kof-collectors in global.components while kof-child's switch
/// still installs a second kof-collectors.
#[test]
fn two_collectors_installs_are_refused() {
    let fixture = "kof-v1.10.0-plain-collectors+components.helm-3.17.2.yaml";
    for (switch, value) in [
        ("toRegionalCluster", json!({"name": "regional-1"})),
        ("toManagementCluster", json!({"enabled": true})),
    ] {
        let umbrella = umbrella_with(fixture, "kof-child", |r| {
            r["spec"]["values"]["fromManagement"][switch] = value.clone()
        });
        let out = run(&["--route=cloudwatch", "--aws-region=us-east-2"], &umbrella);
        assert_refused(&out, &["installs a second kof-collectors", "kof-child"]);
    }
    let plain = support::fixture(format!("fixtures/umbrella/{fixture}"));
    assert_eq!(run(&MOTHERSHIP, &plain).code, Some(0));
}

/// Class 7: kof-child values merged after the switch's own.
#[test]
fn kof_child_values_that_override_the_route_are_refused() {
    let exporters = json!({"opentelemetry-kube-stack": {"defaultCRConfig": {"config": {
        "exporters": {"otlphttp/logs": {"logs_endpoint": "https://elsewhere.example.com"}}}}}});
    for at in ["fromManagement", "top"] {
        let umbrella = umbrella_with("kof-v1.10.0-m2r-docs.helm4.yaml", "kof-child", |r| {
            let values = &mut r["spec"]["values"];
            match at {
                "top" => values["collectors"] = exporters.clone(),
                _ => values["fromManagement"]["collectors"] = exporters.clone(),
            }
        });
        let out = run(&MOTHERSHIP, &umbrella);
        assert_refused(
            &out,
            &[
                "opentelemetry-kube-stack.defaultCRConfig",
                "merges into the management cluster's kof-collectors values after the switch",
            ],
        );
    }
}

/// Class 8: a re-pointed exporter's headers: a render (or a user's own
/// post-renderer) that adds them makes the patches fail, never forward them.
#[test]
fn headers_on_a_repointed_exporter_fail_the_patches() {
    let dir = tempfile::tempdir().unwrap();
    let render = root().join("fixtures/kof-1.9.0/helm3/kof-collectors.yaml");
    let export = support::run(
        &[
            "export",
            "--format=kustomize",
            REGIONAL[0],
            REGIONAL[1],
            REGIONAL[2],
            &render.display().to_string(),
        ],
        b"",
    );
    assert_eq!(export.code, Some(0), "{}", export.stderr);
    let patches = kof_route::yaml::parse(&support::text(&export.stdout)).unwrap();
    let text = support::text(&std::fs::read(&render).unwrap());
    let other = text.replacen(
        "      otlphttp/logs:\n",
        "      otlphttp/logs:\n        headers:\n          X-Scope-OrgID: tenant-a\n",
        1,
    );
    assert_ne!(other, text, "the render has the logs exporter");
    let other_file = dir.path().join("other.yaml");
    std::fs::write(&other_file, &other).unwrap();
    assert!(kustomize(dir.path(), &render, &patches).is_ok());
    let err = kustomize(dir.path(), &other_file, &patches).expect_err("headers must fail it");
    assert!(err.contains("headers"), "{err}");
    // The umbrella: a user's strategic-merge post-renderer adds the header,
    // Flux applies it, then kof-route's entry.
    let user = json!({"kustomize": {"patches": [{"patch": "apiVersion: opentelemetry.io/v1beta1\n\
        kind: OpenTelemetryCollector\nmetadata: {name: kof-collectors-daemon, namespace: kof}\n\
        spec:\n  config:\n    exporters:\n      otlphttp/logs:\n        headers: {X-Scope-OrgID: tenant-a}\n"}]}});
    let umbrella = umbrella_with(PLAIN_19, "kof-collectors", |r| {
        r["spec"]["postRenderers"] = json!([user.clone()])
    });
    let out = run(&REGIONAL, &umbrella);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let renderers = post_renderers(&out.stdout);
    assert_eq!(renderers[0], user, "the user's post-renderer is kept first");
    let flux = flux_render(dir.path(), &umbrella, "kof-collectors", "kof");
    let first = kustomize(dir.path(), &flux, &renderers[0]["kustomize"]["patches"]).unwrap();
    let step = dir.path().join("step.yaml");
    std::fs::write(&step, &first).unwrap();
    let err = kustomize(dir.path(), &step, &renderers[1]["kustomize"]["patches"])
        .expect_err("kof-route's entry must fail on the user's header");
    assert!(err.contains("headers"), "{err}");
}

/// Class 9: exported patches applied to a render of another namespace,
/// release name or fullnameOverride make kustomize fail (a guard per patch).
#[test]
fn exported_patches_on_another_name_or_namespace_fail_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    let values = |extra: Value| {
        let mut v = json!({"kcm": {"monitoring": true},
                           "opentelemetry-kube-stack": {"clusterName": "mothership"}});
        if let Value::Object(m) = extra {
            for (k, x) in m {
                v[k] = x;
            }
        }
        v
    };
    let render = |name: &str, ns: &str, extra: Value| {
        let out = helm_template(dir.path(), name, "kof-collectors-1.9.0", ns, &values(extra));
        let file = dir.path().join(format!("render-{name}-{ns}.yaml"));
        std::fs::write(&file, out).unwrap();
        file
    };
    let base = render("kof-collectors", "kof", json!({}));
    // regional patches OpenCost as well as the collectors.
    let mut flags = vec!["export".to_string(), "--format=kustomize".into()];
    flags.extend(REGIONAL.map(String::from));
    flags.push(base.display().to_string());
    let export = run(&flags, b"");
    assert_eq!(export.code, Some(0), "{}", export.stderr);
    let patches = kof_route::yaml::parse(&support::text(&export.stdout)).unwrap();
    assert!(kustomize(dir.path(), &base, &patches).is_ok());
    for other in [
        render("kof-collectors", "monitoring", json!({})),
        render("kofc", "kof", json!({})),
        render(
            "kof-collectors",
            "kof",
            json!({"opencost": {"fullnameOverride": "oc"}}),
        ),
    ] {
        let Err(err) = kustomize(dir.path(), &other, &patches) else {
            panic!("{}: a miss must fail", other.display());
        };
        assert!(
            err.contains("no resource matches strategic merge patch"),
            "{err}"
        );
    }
}

/// Class 10: the umbrella and a kof-collectors render in one stream.
#[test]
fn a_mixed_stream_is_refused() {
    let mut mixed = support::fixture(format!("fixtures/umbrella/{PLAIN_19}"));
    mixed.extend(support::fixture(
        "fixtures/kof-1.9.0/helm3/kof-collectors.yaml",
    ));
    let out = run(&MOTHERSHIP, &mixed);
    assert_refused(&out, &["HelmRelease", "run it on each separately"]);
    // Its kind spelled with an escape, which no byte search sees.
    let mut escaped = support::fixture("fixtures/kof-1.9.0/helm3/kof-collectors.yaml");
    escaped.extend_from_slice(
        b"---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: \"Helm\\x52elease\"\nmetadata:\n  \
          name: kof-collectors\n  namespace: kof\nspec:\n  chart:\n    spec:\n      chart: kof-collectors\n",
    );
    let out = run(&MOTHERSHIP, &escaped);
    assert_refused(&out, &["HelmRelease", "run it on each separately"]);
}

/// Class 11: `valuesFrom` on the kof-collectors release.
#[test]
fn values_from_is_refused_by_name() {
    let umbrella = umbrella_with(PLAIN_19, "kof-collectors", |r| {
        r["spec"]["valuesFrom"] = json!([{"kind": "Secret", "name": "collectors-values"}])
    });
    let out = run(&MOTHERSHIP, &umbrella);
    assert_refused(&out, &["spec.valuesFrom", "kof-collectors"]);
}

/// Class 1, a second kof-collectors release in another namespace: each
/// release gets the patches of its own render, never the other's targets.
#[test]
fn a_second_release_in_another_namespace_gets_its_own_targets() {
    let mut docs = parse(&support::fixture(format!("fixtures/umbrella/{PLAIN_19}")));
    let mut second = docs
        .iter()
        .find(|d| is_release(d, "kof-collectors"))
        .unwrap()
        .clone();
    second["metadata"]["namespace"] = json!("monitoring");
    docs.push(second);
    let umbrella = emit(&docs);
    let out = run(&MOTHERSHIP, &umbrella);
    assert_refused(&out, &["namespace monitoring", "no Helm to render it with"]);
    let dir = tempfile::tempdir().unwrap();
    let charts = root().join("fixtures/charts").display().to_string();
    let out = run_helm(
        &[
            "--route=mothership".to_string(),
            format!("--chart-repo={charts}"),
        ],
        dir.path(),
        &helm3(),
        &umbrella,
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let routed = parse(&out.stdout);
    let namespaces: Vec<(String, Vec<String>)> = routed
        .iter()
        .filter(|d| is_release(d, "kof-collectors"))
        .map(|r| {
            let patches = r["spec"]["postRenderers"][0]["kustomize"]["patches"]
                .as_array()
                .unwrap();
            let targets = patches
                .iter()
                .filter_map(|p| p["target"]["namespace"].as_str().map(String::from))
                .collect();
            (
                r["metadata"]["namespace"].as_str().unwrap().to_string(),
                targets,
            )
        })
        .collect();
    assert_eq!(namespaces.len(), 2);
    for (ns, targets) in namespaces {
        assert!(
            !targets.is_empty() && targets.iter().all(|t| *t == ns),
            "{ns}: {targets:?}"
        );
    }
}
