//! Umbrella stage, reading: what Flux's helm-controller will make Helm render
//! from a HelmRelease of the `kof` umbrella.
//!
//! Its chart (through its HelmChart or OCIRepository, and that source's
//! repository), its Helm release name, the namespace Helm renders into and
//! its values, each derived as helm-controller derives it, so that every
//! target kof-route writes names what the engine renders. A release that
//! looks like one of KOF's charts but whose chart cannot be placed is refused
//! by name. This module reads the stream's values; it edits nothing.

use crate::document::Selected;
use crate::names::escape;
use anyhow::{Result, bail};
use serde_json::Value;

/// The chart a release installs, and the repository it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chart {
    pub name: String,
    pub version: Option<String>,
    /// The repository's URL (`https://...` or `oci://...`), when the stream names it.
    pub repo: Option<String>,
}

/// A HelmRelease, as Helm will see it.
pub(crate) struct Release<'a> {
    pub sel: &'a Selected,
    pub chart: Chart,
    /// Helm's release name: `spec.releaseName`, else `[targetNamespace-]name`.
    pub name: String,
    /// Where Helm renders: `spec.targetNamespace`, else the release's own
    /// namespace (`storageNamespace` only says where Helm keeps its record).
    pub namespace: String,
    pub values: &'a Value,
}

fn str_at<'v>(v: &'v Value, p: &str) -> Option<&'v str> {
    v.pointer(p).and_then(Value::as_str)
}

/// A source document of `kind` named `name` in `ns`.
fn source<'v>(sources: &'v [Selected], kind: &str, name: &str, ns: &str) -> Option<&'v Value> {
    sources.iter().map(|s| &s.value).find(|v| {
        str_at(v, "/kind") == Some(kind)
            && str_at(v, "/metadata/name") == Some(name)
            && str_at(v, "/metadata/namespace").unwrap_or(ns) == ns
    })
}

/// The URL of the HelmRepository a `sourceRef` names, from a document in `ns`.
fn repository(sources: &[Selected], r: Option<&Value>, ns: &str) -> Option<String> {
    let r = r?;
    if str_at(r, "/kind") != Some("HelmRepository") {
        return None;
    }
    let ns = str_at(r, "/namespace").unwrap_or(ns);
    let repo = source(sources, "HelmRepository", str_at(r, "/name")?, ns)?;
    str_at(repo, "/spec/url").map(str::to_string)
}

/// The chart a release installs, or why it cannot be placed.
fn chart_of(release: &Value, sources: &[Selected]) -> Result<Chart, String> {
    let own_ns = str_at(release, "/metadata/namespace").unwrap_or("default");
    if let Some(spec) = release.pointer("/spec/chart/spec") {
        let name = str_at(spec, "/chart").ok_or("its spec.chart.spec names no chart")?;
        return Ok(Chart {
            name: name.to_string(),
            version: str_at(spec, "/version").map(str::to_string),
            repo: repository(sources, spec.get("sourceRef"), own_ns),
        });
    }
    let r = release
        .pointer("/spec/chartRef")
        .ok_or("it has neither spec.chart nor spec.chartRef")?;
    let (kind, name) = (str_at(r, "/kind").unwrap_or(""), str_at(r, "/name"));
    let ns = str_at(r, "/namespace").unwrap_or(own_ns);
    let missing = || {
        format!(
            "its spec.chartRef names {} {}/{}, which is not in the stream",
            escape(kind),
            escape(ns),
            escape(name.unwrap_or(""))
        )
    };
    let doc = name.and_then(|n| source(sources, kind, n, ns));
    match kind {
        "HelmChart" => {
            let chart = doc.ok_or_else(missing)?;
            Ok(Chart {
                name: str_at(chart, "/spec/chart")
                    .ok_or("its HelmChart names no chart")?
                    .to_string(),
                version: str_at(chart, "/spec/version").map(str::to_string),
                repo: repository(sources, chart.pointer("/spec/sourceRef"), ns),
            })
        }
        "OCIRepository" => {
            // oci://ghcr.io/k0rdent/kof/charts/kof-collectors at ref.tag: the
            // chart is the last segment, its repository the rest.
            let oci = doc.ok_or_else(missing)?;
            let url = str_at(oci, "/spec/url").ok_or("its OCIRepository names no URL")?;
            let (repo, name) = url
                .trim_end_matches('/')
                .rsplit_once('/')
                .ok_or("its OCIRepository's URL names no chart")?;
            Ok(Chart {
                name: name.to_string(),
                version: str_at(oci, "/spec/ref/tag").map(str::to_string),
                repo: Some(repo.to_string()),
            })
        }
        other => Err(format!(
            "its spec.chartRef names a {}, which kof-route cannot read a chart from",
            escape(other)
        )),
    }
}

/// Whether a release, its chart unplaced, still names `chart` (by its KOF
/// component label, its name or its chartRef's name).
fn names_chart(release: &Value, chart: &str) -> bool {
    [
        "/metadata/labels/k0rdent.mirantis.com~1component",
        "/metadata/name",
        "/spec/chartRef/name",
    ]
    .iter()
    .any(|p| str_at(release, p) == Some(chart))
}

/// Helm's release name and namespace for a HelmRelease, as helm-controller derives them.
fn name_and_namespace(release: &Value) -> Result<(String, String), String> {
    let own = str_at(release, "/metadata/name").ok_or("it has no metadata.name")?;
    let own_ns = str_at(release, "/metadata/namespace").ok_or("it has no metadata.namespace")?;
    let target = str_at(release, "/spec/targetNamespace").filter(|t| !t.is_empty());
    let name = match (str_at(release, "/spec/releaseName"), target) {
        (Some(n), _) if !n.is_empty() => n.to_string(),
        (_, Some(t)) => format!("{t}-{own}"),
        _ => own.to_string(),
    };
    // helm-controller shortens longer names with a hash of its own: refuse
    // rather than guess it.
    if name.len() > 53 {
        return Err(format!(
            "its Helm release name {} is longer than 53 characters, which Flux shortens; \
             set a shorter spec.releaseName",
            escape(&name)
        ));
    }
    Ok((name, target.unwrap_or(own_ns).to_string()))
}

/// The releases of `chart` among `releases`; one that names the chart but
/// cannot be placed, or reads values kof-route cannot see, is refused.
pub(crate) fn of_chart<'a>(
    chart: &str,
    releases: &'a [Selected],
    sources: &'a [Selected],
) -> Result<Vec<Release<'a>>> {
    let mut out = Vec::new();
    for sel in releases {
        let v = &sel.value;
        let id = &sel.id;
        let found = match chart_of(v, sources) {
            Ok(c) if c.name == chart => c,
            Ok(_) => continue,
            Err(why) if names_chart(v, chart) => bail!(
                "{id}: looks like a {chart} release, but kof-route cannot tell which chart it \
                 installs: {why}. Render it with the HelmChart or OCIRepository it names in the \
                 same stream, or route its render with --collectors-render"
            ),
            Err(_) => continue,
        };
        if v.pointer("/spec/valuesFrom")
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty())
        {
            bail!(
                "{id}: its spec.valuesFrom takes values from ConfigMaps or Secrets, which are not \
                 in the stream, so kof-route cannot see what {chart} will render; move those \
                 values into spec.values (the umbrella's values for {chart}), or render the \
                 chart with all its values and pass --collectors-render"
            );
        }
        let (name, namespace) =
            name_and_namespace(v).map_err(|why| anyhow::anyhow!("{id}: {why}"))?;
        out.push(Release {
            sel,
            chart: found,
            name,
            namespace,
            values: v.pointer("/spec/values").unwrap_or(&Value::Null),
        });
    }
    Ok(out)
}

/// The first `fullnameOverride` / `nameOverride` set anywhere in `values`,
/// as a dotted path: it renames what the chart renders.
pub(crate) fn renaming_value(values: &Value) -> Option<String> {
    const RENAMES: [&str; 2] = ["fullnameOverride", "nameOverride"];
    let map = values.as_object()?;
    for (k, v) in map {
        let set = v.as_str().is_some_and(|s| !s.is_empty());
        if RENAMES.contains(&k.as_str()) && set {
            return Some(k.clone());
        }
        if let Some(inner) = renaming_value(v) {
            return Some(format!("{k}.{inner}"));
        }
    }
    None
}

/// `major.minor` of a chart version, for "first exists in" comparisons.
pub(crate) fn minor(version: Option<&str>) -> Option<(u64, u64)> {
    let mut parts = version?.trim_start_matches('v').split(['.', '-', '+']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn release_name_and_namespace_follow_helm_controller() {
        let base = json!({"metadata": {"name": "kof-collectors", "namespace": "kof"}, "spec": {}});
        let cases = [
            (json!({}), ("kof-collectors", "kof")),
            (json!({"releaseName": "kofc"}), ("kofc", "kof")),
            (
                json!({"targetNamespace": "monitoring"}),
                ("monitoring-kof-collectors", "monitoring"),
            ),
            (
                json!({"targetNamespace": "m", "releaseName": "r", "storageNamespace": "s"}),
                ("r", "m"),
            ),
        ];
        for (spec, (name, ns)) in cases {
            let mut r = base.clone();
            r["spec"] = spec;
            assert_eq!(
                name_and_namespace(&r).unwrap(),
                (name.to_string(), ns.to_string())
            );
        }
        let mut long = base.clone();
        long["spec"]["releaseName"] = json!("x".repeat(54));
        assert!(name_and_namespace(&long).unwrap_err().contains("53"));
    }

    #[test]
    fn renames_are_found_at_any_depth() {
        assert_eq!(renaming_value(&json!({"a": {"b": 1}})), None);
        assert_eq!(renaming_value(&json!({"nameOverride": ""})), None);
        assert_eq!(
            renaming_value(&json!({"opencost": {"fullnameOverride": "oc"}})),
            Some("opencost.fullnameOverride".into())
        );
    }

    #[test]
    fn versions_compare_by_minor() {
        assert_eq!(minor(Some("1.9.0")), Some((1, 9)));
        assert_eq!(minor(Some("v1.11.0-rc0")), Some((1, 11)));
        assert_eq!(minor(Some("latest")), None);
        assert_eq!(minor(None), None);
    }
}
