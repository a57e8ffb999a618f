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
        // Every part comes from the input: control characters are escaped, so
        // a crafted name cannot move a terminal's cursor or forge a line; and
        // a part that looks like a secret is shown as `redact` shows it (the
        // render fuzz target found a name holding `PRIVATE KEY` printed whole).
        let escape = |s: &str| crate::names::escape(&crate::redact::shown(s)).into_owned();
        write!(f, "doc #{}", self.index)?;
        for part in [&self.api_version, &self.kind].into_iter().flatten() {
            write!(f, " {}", escape(part))?;
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {}/{}", escape(ns), escape(n))?,
            (None, Some(n)) => write!(f, " {}", escape(n))?,
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

    /// Issue 14, item 13: names from the input reach terminals escaped.
    #[test]
    fn escapes_control_characters_from_the_input() {
        let v = serde_json::json!({"apiVersion": "v1\u{1b}[2K", "kind": "K\r",
            "metadata": {"name": "a\nkof-route: forged", "namespace": "n\u{7}"}});
        let shown = DocId::of(1, 3, &v).to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(
            shown,
            "doc #1 v1\\u{1b}[2K K\\r n\\u{7}/a\\nkof-route: forged (line 3)"
        );
    }

    /// A name that looks like a secret is shown as `redact` shows it.
    #[test]
    fn a_secret_looking_name_is_not_shown() {
        let v = serde_json::json!({"kind": "Secret",
            "metadata": {"name": "x-----BEGIN RSA PRIVATE KEY-----y", "namespace": "kof"}});
        let shown = DocId::of(1, 3, &v).to_string();
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
        assert!(shown.starts_with("doc #1 Secret kof/"), "{shown}");
    }
}
