//! Reporting support: hide secret values before anything is shown to a person.
//!
//! Only references to Secrets may appear in messages, `--explain` and `diff`.
//! A value is hidden when its key, the env var it belongs to, or an enclosing
//! `headers` mapping says it may be a credential; `${env:NAME}` references and
//! `secretKeyRef`-style references are kept. Over-hiding is the safe error.

use serde_json::{Map, Value};

/// Shown instead of a hidden value.
pub const HIDDEN: &str = "<redacted>";

/// Does a mapping key name a credential?
fn secret_word(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let words = [
        "pass",
        "pwd",
        "token",
        "secret",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "private",
        "authorization",
        "bearer",
        "cookie",
        "session",
    ];
    words.iter().any(|w| k.contains(w)) || k == "pw" || k.ends_with("_pw") || k.ends_with("-pw")
}

/// Does an env var's name suggest a credential? Broader than a key: `*_KEY*`, `*AUTH*`, `*CRED*`.
fn secret_env_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    secret_word(name) || ["key", "auth", "cred"].iter().any(|w| n.contains(w))
}

/// References that name where a value comes from, never the value itself.
const REFERENCES: [&str; 4] = [
    "secretKeyRef",
    "configMapKeyRef",
    "fieldRef",
    "resourceFieldRef",
];

/// A copy of `v` with every possibly secret value replaced by `<redacted>`.
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(redact_map(m)),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        _ => v.clone(),
    }
}

fn redact_map(m: &Map<String, Value>) -> Map<String, Value> {
    let env_secret = m
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(secret_env_name);
    m.iter()
        .map(|(k, x)| {
            // A volume's `secret: {secretName: ...}` names a Secret; it holds no value.
            let volume_source = k == "secret" && x.get("secretName").is_some();
            let shown = if REFERENCES.contains(&k.as_str()) || volume_source {
                x.clone()
            } else if k == "headers" || secret_word(k) || (env_secret && k == "value") {
                hide_all(x)
            } else {
                redact(x)
            };
            (k.clone(), shown)
        })
        .collect()
}

/// Hide every leaf of `v`, keeping `${env:...}` references and nulls.
fn hide_all(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), hide_all(x))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(hide_all).collect()),
        Value::String(s) if is_env_reference(s) => v.clone(),
        Value::Null => Value::Null,
        _ => Value::String(HIDDEN.into()),
    }
}

/// A whole string made of `${env:NAME}` references and plain words like `Bearer`.
fn is_env_reference(s: &str) -> bool {
    s.contains("${env:")
        && s.split_whitespace()
            .all(|w| w.starts_with("${env:") || w.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hides_values_but_not_references() {
        let v = json!({
            "client_auth": {"username": "${env:KOF_VM_USER}", "password": "hunter2"},
            "token": "abc", "endpoint": "https://x", "auth": {"authenticator": "basicauth/logs"},
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "X-Env": "Bearer ${env:T}"},
            "env": [
                {"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr"},
                {"name": "DB_BASIC_AUTH_PW", "value": "pw"},
                {"name": "LOG", "value": "info"},
                {"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
            ],
            "attributes": [{"action": "insert", "key": "k8s.cluster.name", "value": "mothership"}],
        });
        assert_eq!(
            redact(&v),
            json!({
                "client_auth": {"username": "${env:KOF_VM_USER}", "password": HIDDEN},
                "token": HIDDEN, "endpoint": "https://x", "auth": {"authenticator": "basicauth/logs"},
                "headers": {"Authorization": HIDDEN, "X-Api-Key": HIDDEN, "X-Env": "Bearer ${env:T}"},
                "env": [
                    {"name": "AWS_SECRET_ACCESS_KEY", "value": HIDDEN},
                    {"name": "DB_BASIC_AUTH_PW", "value": HIDDEN},
                    {"name": "LOG", "value": "info"},
                    {"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
                ],
                "attributes": [{"action": "insert", "key": "k8s.cluster.name", "value": "mothership"}],
            })
        );
    }
}
