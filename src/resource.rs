//! Stage 2: select. Parse a candidate document and recognise what it is.
//!
//! Resources are recognised by kind and labels, never by the release's names:
//! an `OpenTelemetryCollector` (`v1beta1` with a config mapping, `v1alpha1`
//! with a config string) or the OpenCost `Deployment`. This module reads; it
//! must not edit a resource.

use crate::stream::Doc;
use crate::yaml;
use anyhow::{Result, anyhow};
use serde_json::Value;
use std::fmt;

/// The cheap scan: a document can be selected only if its bytes contain all
/// needles of one of these groups (a collector's kind; OpenCost's label value
/// and its Deployment kind). Everything else is copied without being parsed.
pub const NEEDLES: [&[&[u8]]; 2] = [&[b"OpenTelemetryCollector"], &[b"opencost", b"Deployment"]];

/// The cheap scan's second look: can this document's kind be one kof-route
/// routes (or a List holding one)? Reads only a top-level block `kind:` line (a
/// `kind:` at column 0 can only be a top-level key; the last one wins, as in
/// Kubernetes). When the kind is not a plain word, or there is no such line
/// (flow style), or a `...` may start a second document, the answer is yes:
/// the document is parsed.
pub fn may_be_routable(raw: &[u8]) -> bool {
    // After a `...` end marker a second document may follow: parse to be sure.
    if memchr::memmem::find(raw, b"\n...").is_some() {
        return true;
    }
    let mut kind = None;
    let mut at = 0;
    while let Some(hit) = memchr::memmem::find(&raw[at..], b"kind:") {
        let start = at + hit;
        at = start + 5;
        if start > 0 && raw[start - 1] != b'\n' {
            continue;
        }
        let end = memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |e| at + e);
        let value = raw[at..end]
            .split(|&b| b == b'#')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        kind = Some(value);
    }
    match kind {
        Some(word) if !word.is_empty() && word.iter().all(u8::is_ascii_alphanumeric) => {
            matches!(word, b"OpenTelemetryCollector" | b"Deployment") || word.ends_with(b"List")
        }
        _ => true,
    }
}

/// What a selected document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `spec.config` is a mapping (v1beta1) or a YAML string (v1alpha1).
    Collector {
        config_is_string: bool,
    },
    OpenCost,
}

/// How messages name a document: `doc #12 apps/v1 Deployment kof/opencost (line 3316)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocId {
    pub index: usize,
    pub line: usize,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "doc #{}", self.index)?;
        for part in [&self.api_version, &self.kind].into_iter().flatten() {
            write!(f, " {part}")?;
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}")?,
            (None, Some(n)) => write!(f, " {n}")?,
            _ => {}
        }
        write!(f, " (line {})", self.line)
    }
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

impl DocId {
    /// Identity of a parsed document (`index` is 1-based).
    pub fn of(index: usize, line: usize, v: &Value) -> DocId {
        let s = |path: &[&str]| str_at(v, path).map(str::to_string);
        DocId {
            index,
            line,
            api_version: s(&["apiVersion"]),
            kind: s(&["kind"]),
            name: s(&["metadata", "name"]),
            namespace: s(&["metadata", "namespace"]),
        }
    }

    /// Best-effort identity of a document that could not be parsed, from its
    /// top-level `kind:` and first `name:` lines.
    pub fn guess(index: usize, doc: &Doc<'_>) -> DocId {
        let text = String::from_utf8_lossy(doc.raw);
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim_start_matches('\u{feff}').strip_prefix(prefix))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
                .filter(|v| !v.is_empty() && v.len() < 254)
        };
        DocId {
            index,
            line: doc.line,
            api_version: field("apiVersion:"),
            kind: field("kind:"),
            name: field("  name:"),
            namespace: field("  namespace:"),
        }
    }
}

/// Parse a document's bytes; a syntax error names the line in the whole stream.
pub fn parse(index: usize, doc: &Doc<'_>) -> Result<Value> {
    let text = std::str::from_utf8(doc.raw)
        .map_err(|e| anyhow!("{}: not valid UTF-8 ({e})", DocId::guess(index, doc)))?;
    // Go's YAML reader (Helm, kubectl) skips a byte-order mark at the start of a
    // document, as a template saved with one renders; so do we.
    let text = strip_boms(text);
    yaml::parse(&text).map_err(|e| {
        anyhow!(
            "{}: invalid YAML at line {}: {}",
            DocId::guess(index, doc),
            doc.line + e.line - 1,
            e.message
        )
    })
}

/// `text` without byte-order marks at the start of a line.
fn strip_boms(text: &str) -> std::borrow::Cow<'_, str> {
    const BOM: char = '\u{feff}';
    if !text.contains(BOM) {
        return text.into();
    }
    text.split_inclusive('\n')
        .map(|line| line.trim_start_matches(BOM))
        .collect::<String>()
        .into()
}

/// Recognise a parsed document.
pub fn classify(v: &Value) -> Option<Kind> {
    let api = str_at(v, &["apiVersion"]).unwrap_or_default();
    match str_at(v, &["kind"])? {
        "OpenTelemetryCollector" if api.starts_with("opentelemetry.io/") => {
            let config_is_string = v
                .get("spec")
                .and_then(|s| s.get("config"))
                .is_some_and(Value::is_string);
            Some(Kind::Collector { config_is_string })
        }
        "Deployment"
            if str_at(v, &["metadata", "labels", "app.kubernetes.io/name"]) == Some("opencost") =>
        {
            Some(Kind::OpenCost)
        }
        _ => None,
    }
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
        .find_map(|item| match classify(item)? {
            Kind::Collector { .. } => Some("an OpenTelemetryCollector"),
            Kind::OpenCost => Some("the OpenCost Deployment"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<Kind> {
        classify(&yaml::parse(text).unwrap())
    }

    #[test]
    fn recognises_by_kind_and_labels_not_names() {
        let cases = [
            (
                "apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata: {name: x}\nspec: {config: {}}",
                Some(Kind::Collector {
                    config_is_string: false,
                }),
            ),
            (
                "apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nspec: {config: 'receivers: {}'}",
                Some(Kind::Collector {
                    config_is_string: true,
                }),
            ),
            (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: anything, labels: {app.kubernetes.io/name: opencost}}",
                Some(Kind::OpenCost),
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
    fn the_kind_line_rules_documents_out_only_when_certain() {
        let cases: [(&str, bool); 10] = [
            ("kind: OpenTelemetryCollector\n...\nkind: ConfigMap\n", true),
            ("apiVersion: v1\nkind: OpenTelemetryCollector\n", true),
            ("kind: Deployment # opencost\n", true),
            ("kind: List\nitems: []\n", true),
            (
                "kind: CustomResourceDefinition\nspec:\n  names:\n    kind: OpenTelemetryCollector\n",
                false,
            ),
            (
                "kind: ConfigMap\ndata:\n  x: |\n    kind: OpenTelemetryCollector\n",
                false,
            ),
            ("kind: \"OpenTelemetryCollector\"\n", true),
            ("{kind: OpenTelemetryCollector}\n", true),
            ("kind: ConfigMap\nkind: OpenTelemetryCollector\n", true),
            ("---\n# Source: x\nkind: Secret\n", false),
        ];
        for (raw, want) in cases {
            assert_eq!(may_be_routable(raw.as_bytes()), want, "{raw:?}");
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
    fn names_documents_for_messages() {
        let v = yaml::parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: oc, namespace: kof}",
        )
        .unwrap();
        assert_eq!(
            DocId::of(3, 40, &v).to_string(),
            "doc #3 apps/v1 Deployment kof/oc (line 40)"
        );
        let raw = b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cm\"\n  x: [\n";
        let doc = Doc {
            raw,
            offset: 0,
            line: 7,
        };
        assert_eq!(
            DocId::guess(2, &doc).to_string(),
            "doc #2 v1 ConfigMap cm (line 7)"
        );
        let err = parse(2, &doc).unwrap_err().to_string();
        assert!(
            err.starts_with("doc #2 v1 ConfigMap cm (line 7): invalid YAML at line 1"),
            "{err}"
        );
    }
}
