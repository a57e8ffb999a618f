//! Stage 2, select: recognise the resources a route patches, through a table.
//!
//! A row of `KINDS` says how a kind is recognised (kind, apiVersion group, a
//! label) and where its config, containers, env, volumes and volumeMounts
//! live, like kustomize's FieldSpec: patching a new kind is a row plus its
//! edit builder. Resources are recognised by kind and labels, never by the
//! release's names. This module reads; it must not edit, and knows no route.

use crate::docid::DocId;
use crate::read::Doc;
use crate::yaml;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::borrow::Cow;

/// Which edit builder a kind goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Collector,
    OpenCost,
    /// A Flux HelmRelease: the `kof` umbrella's releases (kof-collectors, kof-child).
    FluxRelease,
    /// A Flux source (HelmChart, HelmRepository, OCIRepository): which chart
    /// and version a release installs, and where it comes from.
    FluxChart,
}

/// Where a kind keeps what routes edit. Paths are keys from the resource's
/// root; with `containers`, `env` and `volume_mounts` are relative to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    pub kind: &'static str,
    /// The apiVersion must start with this.
    pub api_prefix: &'static str,
    /// A label the resource must carry: (key, value).
    pub label: Option<(&'static str, &'static str)>,
    pub role: Role,
    /// The collector config: a mapping, or a YAML string (v1alpha1).
    pub config: Option<&'static [&'static str]>,
    pub containers: Option<&'static [&'static str]>,
    pub env: &'static [&'static str],
    pub volumes: &'static [&'static str],
    pub volume_mounts: &'static [&'static str],
}

pub const COLLECTOR: KindSpec = KindSpec {
    kind: "OpenTelemetryCollector",
    api_prefix: "opentelemetry.io/",
    label: None,
    role: Role::Collector,
    config: Some(&["spec", "config"]),
    containers: None,
    env: &["spec", "env"],
    volumes: &["spec", "volumes"],
    volume_mounts: &["spec", "volumeMounts"],
};

pub const OPENCOST: KindSpec = KindSpec {
    kind: "Deployment",
    api_prefix: "",
    label: Some(("app.kubernetes.io/name", "opencost")),
    role: Role::OpenCost,
    config: None,
    containers: Some(&["spec", "template", "spec", "containers"]),
    env: &["env"],
    volumes: &["spec", "template", "spec", "volumes"],
    volume_mounts: &["volumeMounts"],
};

const NOTHING: &[&str] = &[];

pub const FLUX_RELEASE: KindSpec = KindSpec {
    kind: "HelmRelease",
    api_prefix: "helm.toolkit.fluxcd.io/",
    label: None,
    role: Role::FluxRelease,
    config: None,
    containers: None,
    env: NOTHING,
    volumes: NOTHING,
    volume_mounts: NOTHING,
};

pub const FLUX_CHART: KindSpec = KindSpec {
    kind: "HelmChart",
    api_prefix: "source.toolkit.fluxcd.io/",
    role: Role::FluxChart,
    ..FLUX_RELEASE
};

pub const FLUX_REPOSITORY: KindSpec = KindSpec {
    kind: "HelmRepository",
    ..FLUX_CHART
};

pub const FLUX_OCI: KindSpec = KindSpec {
    kind: "OCIRepository",
    ..FLUX_CHART
};

/// The kinds kof-route reads or patches.
pub const KINDS: [KindSpec; 6] = [
    COLLECTOR,
    OPENCOST,
    FLUX_RELEASE,
    FLUX_CHART,
    FLUX_REPOSITORY,
    FLUX_OCI,
];

/// The roles each document is routed for on its own, and the `kof`
/// umbrella's, looked for only in a stream without collectors.
pub const DOCUMENT_ROLES: [Role; 2] = [Role::Collector, Role::OpenCost];
pub const UMBRELLA_ROLES: [Role; 2] = [Role::FluxRelease, Role::FluxChart];

/// The cheap scan's needles for the rows of `roles`: a document can be
/// selected only if its bytes contain all needles of one group (a row's kind
/// and its label value).
pub fn needles(roles: &[Role]) -> Vec<Vec<&'static [u8]>> {
    KINDS
        .iter()
        .filter(|k| roles.contains(&k.role))
        .map(|k| {
            let mut group = vec![k.kind.as_bytes()];
            group.extend(k.label.map(|(_, v)| v.as_bytes()));
            group.sort_by_key(|n| std::cmp::Reverse(n.len()));
            group
        })
        .collect()
}

/// Could a document whose top-level kind is `word` hold a routable resource?
pub fn may_be_kind(word: &[u8]) -> bool {
    KINDS.iter().any(|k| k.kind.as_bytes() == word) || word.ends_with(b"List")
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Parse a document's bytes; a syntax error names the line in the whole stream.
pub fn parse(index: usize, doc: &Doc<'_>) -> Result<Value> {
    parse_noting(index, doc).map(|(v, _)| v)
}

/// As `parse`, also telling whether the fast YAML reader read it.
pub(crate) fn parse_noting(index: usize, doc: &Doc<'_>) -> Result<(Value, bool)> {
    let text = std::str::from_utf8(doc.raw).map_err(|e| {
        anyhow!(
            "{}: not valid UTF-8 ({e})",
            DocId::guess(index, doc.raw, doc.line)
        )
    })?;
    // Kubernetes' reader (go-yaml v2 under sigs.k8s.io/yaml) skips a
    // byte-order mark only at the start of the stream (see `read`); anywhere
    // else it is a character of the text after it, so `\u{feff}apiVersion` is
    // not `apiVersion` (kubectl: "apiVersion not set"). Reading past it would
    // route a document Kubernetes reads otherwise.
    if let Some(at) = memchr::memmem::find(doc.raw, "\u{feff}".as_bytes()) {
        let line = doc.line + memchr::memchr_iter(b'\n', &doc.raw[..at]).count();
        bail!(
            "{}: a byte-order mark (U+FEFF) at line {line}, which Kubernetes reads as part \
             of the text after it (a key `\\u{{feff}}apiVersion` is not `apiVersion`); \
             remove it from the template",
            DocId::guess(index, doc.raw, doc.line)
        );
    }
    yaml::parse_noting(text).map_err(|e| {
        anyhow!(
            "{}: invalid YAML at line {}: {}",
            DocId::guess(index, doc.raw, doc.line),
            doc.line + e.line - 1,
            e.message
        )
    })
}

/// Recognise a parsed document: the row of `KINDS` it matches.
pub fn classify(v: &Value) -> Option<&'static KindSpec> {
    let api = str_at(v, &["apiVersion"]).unwrap_or_default();
    let kind = str_at(v, &["kind"])?;
    KINDS.iter().find(|k| {
        k.kind == kind
            && api.starts_with(k.api_prefix)
            && k.label
                .is_none_or(|(key, value)| str_at(v, &["metadata", "labels", key]) == Some(value))
    })
}

/// In a `kind: List` (or `...List`): the kind of the first item kof-route would
/// have to route, which it cannot do there.
pub fn listed(v: &Value) -> Option<&'static str> {
    if !str_at(v, &["kind"])?.ends_with("List") {
        return None;
    }
    v.get("items")?
        .as_array()?
        .iter()
        .find_map(|item| match classify(item)?.role {
            Role::Collector => Some("an OpenTelemetryCollector"),
            Role::OpenCost => Some("the OpenCost Deployment"),
            Role::FluxRelease | Role::FluxChart => None,
        })
}

/// The collector's config as a value tree, whichever form the resource holds
/// it in: borrowed when it is a mapping, parsed when it is a YAML string.
pub fn config_of<'v>(doc: &'v Value, spec: &KindSpec) -> Result<Cow<'v, Value>> {
    match config_field(doc, spec)? {
        Value::String(text) => Ok(Cow::Owned(parse_config_text(text)?)),
        mapping => Ok(Cow::Borrowed(mapping)),
    }
}

/// The config field if it is a mapping or a string (not parsed), else why not.
fn config_field<'v>(doc: &'v Value, spec: &KindSpec) -> Result<&'v Value> {
    let path = spec.config.unwrap_or_default();
    let (parent, last) = path.split_at(path.len().saturating_sub(1));
    let holder = parent.iter().try_fold(doc, |v, k| v.get(k));
    match holder.and_then(|h| last.first().and_then(|k| h.get(k))) {
        Some(v @ (Value::Object(_) | Value::String(_))) => Ok(v),
        None if holder.is_none_or(Value::is_null) => bail!("has no {}", parent.join(".")),
        None | Some(Value::Null) => bail!("has no {}", path.join(".")),
        Some(other) => bail!(
            "{} is a {}, expected a mapping or a string",
            path.join("."),
            crate::names::kind_of(other)
        ),
    }
}

/// Parse a config held as a YAML string (v1alpha1).
pub fn parse_config_text(text: &str) -> Result<Value> {
    // The operator reads this string with go-yaml v3 (YAML 1.2 booleans: `on`
    // and `yes` are strings there), not as Kubernetes reads a manifest.
    let v = yaml::parse_config(text).map_err(|e| {
        anyhow!(
            "spec.config (a YAML string) is invalid at its line {}: {}",
            e.line,
            e.message
        )
    })?;
    match v {
        Value::Object(_) => Ok(v),
        Value::Null => Ok(Value::Object(serde_json::Map::new())),
        other => bail!(
            "spec.config (a YAML string) holds a {}, expected a mapping",
            crate::names::kind_of(&other)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<Role> {
        classify(&yaml::parse(text).unwrap()).map(|k| k.role)
    }

    #[test]
    fn recognises_by_kind_and_labels_not_names() {
        let cases = [
            (
                "apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata: {name: x}\nspec: {config: {}}",
                Some(Role::Collector),
            ),
            (
                "apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nspec: {config: 'receivers: {}'}",
                Some(Role::Collector),
            ),
            (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: anything, labels: {app.kubernetes.io/name: opencost}}",
                Some(Role::OpenCost),
            ),
            (
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {labels: {app.kubernetes.io/name: opencost}}",
                None,
            ),
            (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: opencost}",
                None,
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\ndata: {x: 'kind: OpenTelemetryCollector'}",
                None,
            ),
            ("- a\n- b", None),
            ("just a scalar", None),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text}");
        }
    }

    #[test]
    fn finds_routable_resources_inside_lists() {
        let list = yaml::parse("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap}\n- {apiVersion: opentelemetry.io/v1beta1, kind: OpenTelemetryCollector, spec: {config: {}}}").unwrap();
        assert_eq!(listed(&list), Some("an OpenTelemetryCollector"));
        let plain = yaml::parse("apiVersion: v1\nkind: List\nitems: [{kind: ConfigMap}]").unwrap();
        assert_eq!(listed(&plain), None);
    }

    #[test]
    fn names_a_document_that_does_not_parse() {
        let raw = b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cm\"\n  x: [\n";
        let doc = Doc {
            raw,
            offset: 0,
            line: 7,
        };
        let err = parse(2, &doc).unwrap_err().to_string();
        assert!(
            err.starts_with("doc #2 v1 ConfigMap cm (line 7): invalid YAML at line 1"),
            "{err}"
        );
    }

    #[test]
    fn config_errors_name_the_problem() {
        use serde_json::json;
        let cases = [
            (json!({"kind": "OpenTelemetryCollector"}), "has no spec"),
            (json!({"spec": {"mode": "daemonset"}}), "has no spec.config"),
            (
                json!({"spec": {"config": 3}}),
                "spec.config is a number, expected a mapping or a string",
            ),
            (
                json!({"spec": {"config": "a: [1"}}),
                "spec.config (a YAML string) is invalid at its line 1",
            ),
            (
                json!({"spec": {"config": "- a"}}),
                "spec.config (a YAML string) holds a list, expected a mapping",
            ),
        ];
        for (doc, want) in cases {
            let err = config_of(&doc, &COLLECTOR).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
