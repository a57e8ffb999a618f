//! Reporting support: hide secret values before anything is shown to a person.
//!
//! Only references to Secrets may appear in messages, `--explain` and `diff`.
//! A value is hidden by where it sits and by what it is:
//! * where: its key names a credential (`password`, `token`, `*_key`, `*_pem`,
//!   `key_file`, ...), a `key` sits under a credential-ish parent (`api: {key}`,
//!   `tls: {key}`), it is inside a `headers` mapping, or it is the value of an
//!   env var whose name says credential (`*KEY*`, `*AUTH*`, `*HEADERS`, `*DSN`);
//! * what: a URL's userinfo and query values (`https://u:p@host/?k=v` shows
//!   `https://<redacted>@host/?k=<redacted>`), a private key block
//!   (`-----BEGIN`), an HTTP credential (`Basic ...`, `Bearer ...`, whatever
//!   the letters), a JWT, a `--password=...` style flag's value;
//! * a v1alpha1 collector's `config` string is parsed, redacted and shown
//!   again (unreadable, it is hidden whole).
//!
//! `${env:NAME}` references and `secretKeyRef`-style references are kept.
//! Over-hiding is the safe error: when in doubt, hide.

use serde_json::{Map, Value};

mod text;
pub use text::is_env_reference;
use text::redact_text;

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
        "dsn",
        "pem",
        "key_file",
        "keyfile",
        "signature",
        "license",
    ];
    words.iter().any(|w| k.contains(w))
        || k == "pw"
        || k.ends_with("_pw")
        || k.ends_with("-pw")
        || key_named(&k)
}

/// Key names ending in `key` (`access_key`, `clientKey`, `secret-key`) that
/// are not known to hold a name rather than a credential.
fn key_named(k: &str) -> bool {
    const NAMES: [&str; 8] = [
        "key",
        "routing_key",
        "attribute_key",
        "from_attribute",
        "partition_key",
        "label_key",
        "sort_key",
        "metric_key",
    ];
    k.ends_with("key") && !NAMES.contains(&k)
}

/// Is a parent key credential-ish, so that a plain `key` under it is one?
fn credential_parent(parent: &str) -> bool {
    let p = parent.to_ascii_lowercase();
    secret_word(parent)
        || [
            "api", "auth", "cred", "tls", "ssl", "key", "cert", "sign", "license", "account",
        ]
        .iter()
        .any(|w| p.contains(w))
}

/// Does an env var's name suggest a credential? Broader than a key: `*_KEY*`,
/// `*AUTH*`, `*CRED*`, `*HEADERS*` (OTLP exporter headers), `*DSN*`, `*CONN*`.
fn secret_env_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    secret_word(name)
        || [
            "key", "auth", "cred", "header", "dsn", "conn", "cookie", "sas",
        ]
        .iter()
        .any(|w| n.contains(w))
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
    redact_under(v, "")
}

fn redact_under(v: &Value, parent: &str) -> Value {
    match v {
        Value::Object(m) => Value::Object(redact_map(m, parent)),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_under(x, parent)).collect()),
        Value::String(s) => Value::String(redact_text(s)),
        _ => v.clone(),
    }
}

fn redact_map(m: &Map<String, Value>, parent: &str) -> Map<String, Value> {
    let env_secret = m
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(secret_env_name);
    // An attribute or label entry (`{key: k8s.cluster.name, value: x}`) names
    // its key: `key` is not a credential there.
    let names_an_attribute = m.contains_key("action") || m.contains_key("value");
    m.iter()
        .map(|(k, x)| {
            // A volume's `secret: {secretName: ...}` names a Secret; it holds no value.
            let volume_source = k == "secret" && x.get("secretName").is_some();
            let credential_key = k == "key" && !names_an_attribute && credential_parent(parent);
            let shown = if REFERENCES.contains(&k.as_str()) || volume_source {
                x.clone()
            } else if k == "headers"
                || secret_word(k)
                || credential_key
                || (env_secret && k == "value")
            {
                hide_all(x)
            } else if k == "config" && x.is_string() {
                redact_config_text(x.as_str().unwrap_or_default())
            } else {
                redact_under(x, k)
            };
            (k.clone(), shown)
        })
        .collect()
}

/// Where `redact` would hide something in `v`: each path (`headers.api-key`),
/// without the value. For refusing literal credentials in settings files.
pub fn hidden_paths(v: &Value) -> Vec<String> {
    fn walk(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
        let child = |k: &str| {
            if at.is_empty() {
                k.to_string()
            } else {
                format!("{at}.{k}")
            }
        };
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, xa) in x {
                    match y.get(k) {
                        Some(yb) => walk(xa, yb, &child(k), out),
                        None => out.push(child(k)),
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (xa, yb)) in x.iter().zip(y).enumerate() {
                    walk(xa, yb, &child(&i.to_string()), out);
                }
            }
            _ if a != b => out.push(at.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &redact(v), "", &mut out);
    out
}

/// A string as it may be shown: `redact`'s judgement of a lone value.
pub fn shown(s: &str) -> String {
    redact_text(s)
}

/// A collector config held as YAML text (v1alpha1): parsed, redacted and
/// written again; text that does not read as a mapping is hidden whole.
fn redact_config_text(text: &str) -> Value {
    // Read as the operator reads it (go-yaml v3), like the routing does.
    match crate::yaml::parse_config(text) {
        Ok(v @ Value::Object(_)) => Value::String(crate::yaml::emit(&redact(&v))),
        Ok(Value::Null) => Value::String(text.to_string()),
        _ => Value::String(HIDDEN.into()),
    }
}

/// Hide every leaf of `v`, keeping `${env:...}` references and nulls.
pub fn hide_all(v: &Value) -> Value {
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

    /// Values hidden by what they are or where they sit, whatever their key.
    #[test]
    fn hides_by_what_a_value_is_and_where_it_sits() {
        let cases = [
            (
                json!({"endpoint": "https://admin:pw@host:8443/a/b?api_key=k1&x=2#frag"}),
                json!({"endpoint": "https://<redacted>@host:8443/a/b?api_key=<redacted>&x=<redacted>#<redacted>"}),
            ),
            (
                json!({"endpoint": "https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write"}),
                json!({"endpoint": "https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write"}),
            ),
            (
                json!({"note": "see redis://:pw@cache:6379/0 and http://h/?t=1"}),
                json!({"note": "see redis://<redacted>@cache:6379/0 and http://h/?t=<redacted>"}),
            ),
            (
                json!({"tls": {"key_pem": "k", "cert_pem": "c", "key_file": "/k", "ca_file": "/ca", "key": "k2", "insecure": true}}),
                json!({"tls": {"key_pem": HIDDEN, "cert_pem": HIDDEN, "key_file": HIDDEN, "ca_file": "/ca", "key": HIDDEN, "insecure": true}}),
            ),
            (
                json!({"api": {"key": "k", "site": "datadoghq.eu"}}),
                json!({"api": {"key": HIDDEN, "site": "datadoghq.eu"}}),
            ),
            (
                json!({"aws": {"access_key": "AKIA", "secretKey": "s", "region": "us-east-2"}}),
                json!({"aws": {"access_key": HIDDEN, "secretKey": HIDDEN, "region": "us-east-2"}}),
            ),
            (
                json!({"env": [
                {"name": "OTEL_EXPORTER_OTLP_HEADERS", "value": "api-key=abc"},
                {"name": "SENTRY_DSN", "value": "https://abc@o1.ingest.sentry.io/1"},
                {"name": "DB_URL", "value": "postgres://u:p@db/x"},
                {"name": "MODE", "value": "daemon"}]}),
                json!({"env": [
                {"name": "OTEL_EXPORTER_OTLP_HEADERS", "value": HIDDEN},
                {"name": "SENTRY_DSN", "value": HIDDEN},
                {"name": "DB_URL", "value": "postgres://<redacted>@db/x"},
                {"name": "MODE", "value": "daemon"}]}),
            ),
            (
                json!({"x": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", "y": "bearer abcdefgh", "z": "Basic abcdefgh ${env:P}"}),
                json!({"x": HIDDEN, "y": HIDDEN, "z": HIDDEN}),
            ),
            (
                json!({"x": "Basic ${env:CREDS}", "y": "${env:U}:${env:P}", "z": "Bearer"}),
                json!({"x": "Basic ${env:CREDS}", "y": "${env:U}:${env:P}", "z": "Bearer"}),
            ),
            (
                json!({"headers": {"a": "Basic ${env:C} abc", "b": "${env:T"}}),
                json!({"headers": {"a": HIDDEN, "b": HIDDEN}}),
            ),
            (
                json!({"pem": "-----BEGIN RSA PRIVATE KEY-----\nMII", "any": "-----BEGIN EC PRIVATE KEY-----"}),
                json!({"pem": HIDDEN, "any": HIDDEN}),
            ),
            (
                json!({"jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}),
                json!({"jwt": HIDDEN}),
            ),
            (
                json!({"args": ["--password=pw", "--log-level=info", "--token=${env:T}"]}),
                json!({"args": ["--password=<redacted>", "--log-level=info", "--token=${env:T}"]}),
            ),
            (
                json!({"attributes": [{"action": "insert", "key": "k8s.cluster.name", "value": "m"}]}),
                json!({"attributes": [{"action": "insert", "key": "k8s.cluster.name", "value": "m"}]}),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact(&input), want, "{input}");
        }
    }

    #[test]
    fn names_where_a_value_would_be_hidden() {
        let v = json!({"endpoint": "https://h", "headers": {"api-key": "lit", "x": "${env:K}"},
            "list": [{"token": "t"}], "url": "https://u:p@h"});
        assert_eq!(hidden_paths(&v), ["headers.api-key", "list.0.token", "url"]);
    }

    /// A v1alpha1 config string is redacted inside; unreadable, it is hidden whole.
    #[test]
    fn redacts_inside_a_config_string() {
        let v = json!({"spec": {"config": "exporters:\n  x:\n    endpoint: https://u:pw@h/\n    headers: {Authorization: Bearer t}\nextensions:\n  basicauth/x:\n    client_auth: {username: u, password: pw}\n"}});
        let shown = redact(&v);
        let text = shown["spec"]["config"].as_str().unwrap();
        for secret in ["u:pw", "Bearer t", "password: pw"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("https://<redacted>@h/"), "{text}");
        let broken = json!({"spec": {"config": "a: [password: pw"}});
        assert_eq!(redact(&broken), json!({"spec": {"config": HIDDEN}}));
    }
}
