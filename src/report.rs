//! Reporting: what a run changed, for people (`--explain`, `kof-route diff`).
//!
//! Formats the edit log and the patched documents; it never changes the
//! output stream. Values are shown compactly and anything that looks like a
//! secret value is redacted: only references to Secrets may appear.

use crate::Rendered;
use crate::edit::Change;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Does a mapping key name a secret value (not a reference to a Secret)?
fn secret_key_name(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "token",
        "apikey",
        "api_key",
        "secret_access_key",
        "client_secret",
        "private_key",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// A copy of `v` with secret-looking string values replaced by `<redacted>`.
/// `${env:...}` references are kept: they name a variable, not its value.
pub fn redact(v: &Value) -> Value {
    fn hide(v: &Value) -> Value {
        match v {
            Value::String(s) if s.starts_with("${env:") => v.clone(),
            Value::Null => Value::Null,
            _ => Value::String("<redacted>".into()),
        }
    }
    match v {
        Value::Object(m) => {
            let env_like = m
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(secret_key_name);
            Value::Object(
                m.iter()
                    .map(|(k, x)| {
                        let secret = secret_key_name(k) || (env_like && k == "value");
                        (
                            k.clone(),
                            if secret && !x.is_object() {
                                hide(x)
                            } else {
                                redact(x)
                            },
                        )
                    })
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        _ => v.clone(),
    }
}

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(v) => serde_json::to_string(&redact(v)).unwrap_or_default(),
    }
}

/// One line per change, grouped under the document it was made in.
pub fn explain(rendered: &Rendered) -> String {
    let mut out = String::new();
    let mut last = None;
    for (id, change) in &rendered.changes {
        if last != Some(id) {
            out.push_str(&format!("kof-route: explain: {id}\n"));
            last = Some(id);
        }
        out.push_str(&line(change));
    }
    if rendered.changes.is_empty() {
        out.push_str("kof-route: explain: nothing to change\n");
    }
    out
}

fn line(c: &Change) -> String {
    format!("  {}: {} -> {}\n", c.path, show(&c.old), show(&c.new))
}

/// A unified diff of every patched document, optionally with ANSI colours.
pub fn diff(rendered: &Rendered, color: bool) -> String {
    let mut out = String::new();
    for p in &rendered.patched {
        let before = String::from_utf8_lossy(&p.before);
        let after = String::from_utf8_lossy(&p.after);
        let diff = TextDiff::from_lines(before.as_ref(), after.as_ref());
        let title = p.id.to_string();
        out.push_str(&paint(
            &format!("--- {title}\n+++ {title} (routed)\n"),
            "1",
            color,
        ));
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.push_str(&paint(&format!("{}\n", hunk.header()), "36", color));
            for change in hunk.iter_changes() {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ('-', "31"),
                    ChangeTag::Insert => ('+', "32"),
                    ChangeTag::Equal => (' ', ""),
                };
                let mut text = format!("{sign}{}", change.value());
                if change.missing_newline() {
                    text.push_str("\n\\ No newline at end of document\n");
                }
                out.push_str(&paint(&text, code, color && !code.is_empty()));
            }
        }
    }
    out
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    format!(
        "\x1b[{code}m{body}\x1b[0m{}",
        if text.ends_with('\n') { "\n" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_values_but_not_references() {
        let v = json!({
            "client_auth": {"username": "${env:KOF_VM_USER}", "password": "hunter2"},
            "token": "abc", "endpoint": "https://x",
            "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr"}, {"name": "LOG", "value": "info"}],
            "secretKeyRef": {"name": "creds", "key": "password"}
        });
        assert_eq!(
            redact(&v),
            json!({
                "client_auth": {"username": "${env:KOF_VM_USER}", "password": "<redacted>"},
                "token": "<redacted>", "endpoint": "https://x",
                "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "<redacted>"}, {"name": "LOG", "value": "info"}],
                "secretKeyRef": {"name": "creds", "key": "password"}
            })
        );
    }

    #[test]
    fn explains_each_change_on_one_line() {
        let c = Change {
            path: "spec.config.exporters.x.endpoint".into(),
            old: Some(json!("http://a")),
            new: Some(json!("https://b")),
        };
        assert_eq!(
            line(&c),
            "  spec.config.exporters.x.endpoint: \"http://a\" -> \"https://b\"\n"
        );
        let c = Change {
            path: "spec.config.exporters.x".into(),
            old: Some(json!({"password": "p"})),
            new: None,
        };
        assert_eq!(
            line(&c),
            "  spec.config.exporters.x: {\"password\":\"<redacted>\"} -> (none)\n"
        );
    }
}
