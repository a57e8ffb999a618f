//! The `kof` umbrella release (KOF 1.8+): route the management cluster from
//! the release users render with their own Helm.
//!
//! A stream-level stage, since a Flux HelmRelease names its chart version in
//! another document (its HelmChart). A kof-collectors HelmRelease gets the
//! route's kustomize patches in `spec.postRenderers`, exported from kof-route's
//! model of the chart version it installs (or from `--collectors-render`), so
//! Flux applies exactly what the post-renderer would; without one (KOF 1.10+),
//! kof-child's own switch is set in its values. Edits go through the same
//! draft / apply as every resource. Which route means what comes from the
//! registry (`Route::kof_child`); this module names no route.

use crate::cli::plan::Plan;
use crate::docid::DocId;
use crate::document::{self, Routed, Selected};
use crate::edit::{Draft, Edit, Seg, apply, join, path};
use crate::kof::{self, CHART_MODELS, CHILD_CHART, COLLECTORS_CHART};
use crate::read::{self, Stream};
use crate::routes::KofChild;
use crate::select::{self, Role};
use crate::{write, yaml};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// Marks the post-renderer kof-route manages, so a second run replaces it.
const MARK: &str = "# kof-route: generated; run kof-route again to change it\n";

fn str_at<'v>(v: &'v Value, p: &str) -> Option<&'v str> {
    v.pointer(p).and_then(Value::as_str)
}

/// The chart and version a HelmRelease installs: inline, or through its HelmChart.
fn chart_of<'v>(release: &'v Value, charts: &'v [Selected]) -> Option<(&'v str, Option<&'v str>)> {
    if let Some(chart) = str_at(release, "/spec/chart/spec/chart") {
        return Some((chart, str_at(release, "/spec/chart/spec/version")));
    }
    let r = release.pointer("/spec/chartRef")?;
    if str_at(r, "/kind") != Some("HelmChart") {
        return None;
    }
    let ns = str_at(r, "/namespace").or(str_at(release, "/metadata/namespace"));
    let chart = charts.iter().map(|c| &c.value).find(|c| {
        str_at(c, "/metadata/name") == str_at(r, "/name") && str_at(c, "/metadata/namespace") == ns
    })?;
    Some((
        str_at(chart, "/spec/chart")?,
        str_at(chart, "/spec/version"),
    ))
}

/// Route the umbrella's releases in `input` (split as `stream`); `export`
/// turns a kof-collectors render into kustomize patches. No release of either
/// chart: nothing.
pub fn route(
    plan: &Plan,
    stream: &Stream<'_>,
    input: &[u8],
    export: &dyn Fn(&[u8]) -> Result<Vec<Value>>,
    review: bool,
) -> Result<Vec<Routed>> {
    let needles = select::needles(&select::UMBRELLA_ROLES);
    let mut held = Vec::new();
    for i in read::find(stream, input, &needles, select::may_be_kind) {
        held.extend(document::select_one(stream, i)?);
    }
    let (releases, charts): (Vec<Selected>, Vec<Selected>) = held
        .into_iter()
        .filter(|s| select::UMBRELLA_ROLES.contains(&s.kind.role))
        .partition(|s| s.kind.role == Role::FluxRelease);
    let of_chart = |name: &str| -> Vec<(&Selected, Option<&str>)> {
        releases
            .iter()
            .filter_map(|r| match chart_of(&r.value, &charts) {
                Some((chart, version)) if chart == name => Some((r, version)),
                _ => None,
            })
            .collect()
    };
    let collectors = of_chart(COLLECTORS_CHART);
    let mut out = Vec::new();
    if !collectors.is_empty() {
        for (release, version) in collectors {
            let values = release
                .value
                .pointer("/spec/values")
                .unwrap_or(&Value::Null);
            let patches = patches_for(plan, &release.id, values, version, export)?;
            let edits = post_renderer(release, patches);
            out.push(routed(stream, release, edits, Vec::new(), review)?);
        }
        return Ok(out);
    }
    for (release, _) in of_chart(CHILD_CHART) {
        let (edits, warnings) = child_switch(plan, release)?;
        out.push(routed(stream, release, edits, warnings, review)?);
    }
    Ok(out)
}

/// The patches for the chart `version` a release installs.
fn patches_for(
    plan: &Plan,
    id: &DocId,
    values: &Value,
    version: Option<&str>,
    export: &dyn Fn(&[u8]) -> Result<Vec<Value>>,
) -> Result<Vec<Value>> {
    if let Some(file) = &plan.collectors_render {
        let render = std::fs::read(file)
            .with_context(|| format!("reading --collectors-render {}", file.display()))?;
        return export(&render).with_context(|| format!("--collectors-render {}", file.display()));
    }
    if let Some(at) = shaping_value(values) {
        bail!(
            "{id}: its values set {at}, which shapes the collectors or OpenCost, and kof-route's \
             model of the chart covers the chart's own collectors only; render the chart with \
             these values (helm template kof-collectors <chart> -n kof -f values.yaml > render.yaml) \
             and pass --collectors-render render.yaml"
        );
    }
    let supported: Vec<&str> = CHART_MODELS.iter().map(|(v, _)| *v).collect();
    let version = version.unwrap_or("(no version)");
    let Some((_, model)) = CHART_MODELS.iter().find(|(v, _)| *v == version) else {
        bail!(
            "{id}: installs {COLLECTORS_CHART} {}, which kof-route has no model of \
             (it knows {}); pin one of those versions, or pass --collectors-render FILE \
             with a render of that chart and the release's values",
            crate::names::escape(version),
            supported.join(", ")
        );
    };
    export(model.as_bytes())
        .map_err(|e| anyhow!("{id}: the model of {COLLECTORS_CHART} {version}: {e:#}"))
}

/// The first value under `values` that shapes the collectors differently
/// from the values the models were rendered with, as a dotted path.
fn shaping_value(values: &Value) -> Option<String> {
    fn walk(v: &Value, pattern: &[&str], at: &mut Vec<String>) -> Option<String> {
        let Some((first, rest)) = pattern.split_first() else {
            let model = kof::MODEL_VALUES
                .iter()
                .find(|(p, _)| p.iter().eq(at.iter()));
            let same = model.is_some_and(|(_, m)| v.to_string().trim_matches('"') == *m);
            return (!v.is_null() && !same).then(|| at.join("."));
        };
        let map = v.as_object()?;
        for (key, child) in map.iter().filter(|(k, _)| *first == "*" || k == first) {
            at.push(key.clone());
            let found = walk(child, rest, at);
            at.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }
    kof::VALUES_THAT_SHAPE_COLLECTORS
        .iter()
        .find_map(|pattern| walk(values, pattern, &mut Vec::new()))
}

/// Set kof-route's post-renderer (replacing an earlier one) in a kof-collectors release.
fn post_renderer(release: &Selected, patches: Vec<Value>) -> Vec<Edit> {
    let marked: Vec<Value> = patches
        .into_iter()
        .map(|mut p| {
            let text = p["patch"].as_str().unwrap_or_default();
            p["patch"] = json!(format!("{MARK}{text}"));
            p
        })
        .collect();
    let entry = json!({"kustomize": {"patches": marked}});
    let list = path(&["spec", "postRenderers"]);
    let mut d = Draft::new(release.index, &release.value, Vec::new());
    let ours = d.get(&list).and_then(Value::as_array).and_then(|l| {
        l.iter().position(|r| {
            r.pointer("/kustomize/patches/0/patch")
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with(MARK))
        })
    });
    match ours {
        Some(i) => d.set(&[list, vec![Seg::Index(i)]].concat(), entry),
        None => d.append(&list, entry),
    }
    d.edits
}

/// kof-child's switch for the plan's route, with the settings it carries.
fn child_switch(plan: &Plan, release: &Selected) -> Result<(Vec<Edit>, Vec<String>)> {
    let id = &release.id;
    let regional = match plan.route.kof_child {
        KofChild::ToManagement => false,
        KofChild::ToRegional => true,
        KofChild::NotCarried => bail!(
            "{id}: this kof umbrella installs no {COLLECTORS_CHART} release, and kof-child's \
             switch cannot send the management cluster's data to --route {}. Add kof-collectors \
             to the umbrella's components in your values file:\n  global:\n    components: \
             [kof-operators, kof-mothership, kof-regional, kof-child, kof-collectors]\n\
             then run helm with kof-route again",
            plan.route.name
        ),
    };
    let carries = |f: &str| kof::CHILD_CARRIES.iter().any(|(c, _)| *c == f);
    let refused: Vec<String> = plan
        .given
        .iter()
        .filter(|f| !(carries(f) || regional && **f == "regional-domain"))
        .map(|f| format!("--{f}"))
        .collect();
    if !refused.is_empty() {
        bail!(
            "{id}: kof-child's switch (fromManagement in its values) cannot carry {}; remove {}, \
             or add kof-collectors to the umbrella's global.components to route it with every option",
            refused.join(", "),
            if refused.len() == 1 { "it" } else { "them" }
        );
    }
    let values = path(&["spec", "values"]);
    let mut d = Draft::new(release.index, &release.value, Vec::new());
    let to_mgmt = join(&values, kof::CHILD_TO_MANAGEMENT);
    let to_regional = join(&values, kof::CHILD_TO_REGIONAL);
    let mut warnings = Vec::new();
    if regional {
        if !plan.carried.iter().any(|(f, _)| *f == "regional-cluster") {
            bail!(
                "{id}: --regional-cluster is required: kof-child's switch names the regional cluster"
            );
        }
        if d.get(&to_mgmt) == Some(&json!(true)) {
            d.set(&to_mgmt, json!(false));
        }
        if plan.given.contains(&"regional-domain") {
            warnings.push(format!(
                "{id}: kof-child reads the regional domain from the regional cluster's \
                 k0rdent.mirantis.com/kof-regional-domain annotation; --regional-domain is not written"
            ));
        }
    } else {
        d.set(&to_mgmt, json!(true));
        if d.get(&to_regional)
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty())
        {
            d.set(&to_regional, json!(""));
        }
    }
    for (flag, at) in kof::CHILD_CARRIES {
        if let Some((_, value)) = plan.carried.iter().find(|(f, _)| *f == flag) {
            d.set(&join(&values, at), json!(value));
        }
    }
    Ok((d.edits, warnings))
}

/// Apply `edits` to a release and write its new bytes (and, for `diff`,
/// the redacted release before and after).
fn routed(
    stream: &Stream<'_>,
    release: &Selected,
    edits: Vec<Edit>,
    warnings: Vec<String>,
    review: bool,
) -> Result<Routed> {
    let mut r = Routed::new(release.index, release.id.clone(), false);
    if !edits.is_empty() {
        let mut value = release.value.clone();
        apply::apply(&mut value, None, &edits).map_err(|e| anyhow!("{}: {e:#}", release.id))?;
        r.after = Some(write::rewrite(
            &stream.docs[release.index],
            &yaml::emit(&value),
        ));
        let shown = |v: &Value| yaml::emit(&crate::redact::redact(v));
        r.review = review.then(|| (shown(&release.value), shown(&value)));
    }
    r.edits = edits;
    r.warnings = warnings;
    r.umbrella = true;
    Ok(r)
}
