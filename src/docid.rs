//! How every message names a document: `doc #12 apps/v1 Deployment kof/oc (line 3316)`.
//!
//! Shared by every stage that reports; it reads a parsed value or guesses from
//! raw bytes, and changes nothing.

use serde_json::Value;
use std::fmt;

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
    pub fn guess(index: usize, raw: &[u8], line: usize) -> DocId {
        let text = String::from_utf8_lossy(raw);
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim_start_matches('\u{feff}').strip_prefix(prefix))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
                .filter(|v| !v.is_empty() && v.len() < 254)
        };
        DocId {
            index,
            line,
            api_version: field("apiVersion:"),
            kind: field("kind:"),
            name: field("  name:"),
            namespace: field("  namespace:"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_documents_for_messages() {
        let v = crate::yaml::parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: oc, namespace: kof}",
        )
        .unwrap();
        assert_eq!(
            DocId::of(3, 40, &v).to_string(),
            "doc #3 apps/v1 Deployment kof/oc (line 40)"
        );
        let raw = b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"cm\"\n  x: [\n";
        assert_eq!(
            DocId::guess(2, raw, 7).to_string(),
            "doc #2 v1 ConfigMap cm (line 7)"
        );
    }
}
