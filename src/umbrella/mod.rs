//! The `kof` umbrella release (KOF 1.8+): route the management cluster from
//! the release users render with their own Helm.
//!
//! A stream-level stage, since a Flux HelmRelease names its chart version in
//! another document (its HelmChart). A kof-collectors HelmRelease gets the
//! route's kustomize patches in `spec.postRenderers`, exported from a render
//! of what Flux will install for it (same release name, namespace, chart and
//! values, read in `release`): kof-route's model of the chart version where
//! the model is that render, else a render by Helm of the release's own chart
//! (`helm`, `charts`), or `--collectors-render` (checked in `render`). Each
//! patch is preceded by a guard that makes kustomize fail when its resource
//! is missing, so Flux applies exactly what the post-renderer would, or fails.
//! Without such a release (KOF 1.10+), kof-child's own switch is set in its
//! values (`child`). Edits go through the same draft / apply as every
//! resource; this module names no route.

mod charts;
mod child;
mod helm;
mod release;
mod render;

use crate::cli::plan::Plan;
use crate::document::{self, Routed, Selected};
use crate::edit::{Draft, Edit, Seg, apply, path};
use crate::kof::{self, CHART_MODELS, CHILD_CHART, COLLECTORS_CHART};
use crate::read::{self, Stream};
use crate::select::{self, Role};
use crate::{write, yaml};
use anyhow::{Context, Result, anyhow};
use release::Release;
use serde_json::{Value, json};

pub(crate) use render::refuse_mixed;

/// Marks the post-renderer kof-route manages, so a second run replaces it.
const MARK: &str = "# kof-route: generated; run kof-route again to change it\n";

/// What the models were rendered as: Helm release `kof-collectors` in `kof`.
const MODEL_RELEASE: (&str, &str) = ("kof-collectors", "kof");

/// The umbrella's HelmReleases and Flux sources in a stream.
fn held(stream: &Stream<'_>, input: &[u8]) -> Result<(Vec<Selected>, Vec<Selected>)> {
    let needles = select::needles(&select::UMBRELLA_ROLES);
    let mut held = Vec::new();
    for i in read::find(stream, input, &needles, select::may_be_kind) {
        held.extend(document::select_one(stream, i)?);
    }
    Ok(held
        .into_iter()
        .filter(|s| select::UMBRELLA_ROLES.contains(&s.kind.role))
        .partition(|s| s.kind.role == Role::FluxRelease))
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
    let (releases, sources) = held(stream, input)?;
    let collectors = release::of_chart(COLLECTORS_CHART, &releases, &sources)?;
    let children = release::of_chart(CHILD_CHART, &releases, &sources)?;
    let mut out = Vec::new();
    if !collectors.is_empty() {
        child::refuse_second_install(&children)?;
        for r in &collectors {
            let patches = patches_for(plan, r, export)?;
            let edits = post_renderer(r.sel, patches);
            out.push(routed(stream, r.sel, edits, Vec::new(), review)?);
        }
        return Ok(out);
    }
    for c in &children {
        let (edits, warnings) = child::switch(plan, c)?;
        out.push(routed(stream, c.sel, edits, warnings, review)?);
    }
    Ok(out)
}

/// Why kof-route's model does not describe what Helm renders for `r`, if it does not.
fn model_misfit(r: &Release<'_>) -> Option<String> {
    if (r.name.as_str(), r.namespace.as_str()) != MODEL_RELEASE {
        return Some(format!(
            "Flux renders it as Helm release {} in namespace {}",
            crate::names::escape(&r.name),
            crate::names::escape(&r.namespace)
        ));
    }
    if let Some(at) = release::renaming_value(r.values) {
        return Some(format!(
            "its values set {at}, which renames what the chart renders"
        ));
    }
    shaping_value(r.values)
        .map(|at| format!("its values set {at}, which shapes the collectors or OpenCost"))
}

/// The model of the chart version `r` installs, if it describes what Flux
/// renders for `r`; else why not.
fn model_of(r: &Release<'_>) -> Result<&'static str, String> {
    if let Some(why) = model_misfit(r) {
        return Err(why);
    }
    let version = r.chart.version.as_deref().unwrap_or("(no version)");
    let supported: Vec<&str> = CHART_MODELS.iter().map(|(v, _)| *v).collect();
    CHART_MODELS
        .iter()
        .find(|(v, _)| *v == version)
        .map(|(_, model)| *model)
        .ok_or_else(|| {
            format!(
                "it installs {COLLECTORS_CHART} {}, which kof-route has no model of (it knows {})",
                crate::names::escape(version),
                supported.join(", ")
            )
        })
}

/// The patches for what Flux renders from a kof-collectors release: from
/// `--collectors-render`, else the model where it describes the render, else
/// a render by Helm of the release's own chart and values.
fn patches_for(
    plan: &Plan,
    r: &Release<'_>,
    export: &dyn Fn(&[u8]) -> Result<Vec<Value>>,
) -> Result<Vec<Value>> {
    let id = &r.sel.id;
    if let Some(file) = &plan.collectors_render {
        let text = std::fs::read(file)
            .with_context(|| format!("reading --collectors-render {}", file.display()))?;
        return render::patches(r, &text, export)
            .with_context(|| format!("--collectors-render {}", file.display()));
    }
    let why = match model_of(r) {
        Ok(model) => {
            return export(model.as_bytes())
                .map_err(|e| anyhow!("{id}: the model of {COLLECTORS_CHART}: {e:#}"));
        }
        Err(why) => why,
    };
    helm::refuse_user_post_renderers(r, MARK)?;
    let rendered = helm::render(plan, r).with_context(|| {
        format!(
            "{id}: {why}, so kof-route renders it as Flux will, with Helm (or pass \
             --collectors-render with your own render: helm template {} <chart> -n {} -f values.yaml)",
            crate::names::escape(&r.name),
            crate::names::escape(&r.namespace)
        )
    })?;
    render::patches(r, &rendered, export).with_context(|| format!("{id}: Helm's render"))
}

/// The first value under `values` that shapes the collectors differently
/// from the values the models were rendered with, as a dotted path.
pub(crate) fn shaping_value(values: &Value) -> Option<String> {
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
    let marked: Vec<Value> = crate::export::with_guards(patches)
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
