//! Validation stage, shared: the `--exporter-file` schema (exporters,
//! pipelines per signal, env), read and validated once into a `ThirdParty`
//! value; a rejection names the key. Env entries can only reference Secrets
//! (`SecretEnv`): a literal value has no key to hold it.
//!
//! Below `routes` (`--route third-party`) and `fanout` (`--fanout
//! exporter-file`), which both read such files; it must not know either, nor
//! flags: it reads the file it is given and nothing else.

use crate::kof::{self, SIGNALS};
use crate::names::{self, Checked, usage};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::Path;

/// An env var read from a key of a Kubernetes Secret (a reference, never a value).
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecretEnv {
    pub name: String,
    pub secret: String,
    pub key: String,
}

impl SecretEnv {
    pub fn new(name: &str, secret: &str, key: &str) -> SecretEnv {
        SecretEnv {
            name: name.into(),
            secret: secret.into(),
            key: key.into(),
        }
    }

    /// The `spec.env` entry.
    pub fn entry(&self) -> Value {
        json!({"name": self.name, "valueFrom": {"secretKeyRef": {"name": self.secret, "key": self.key}}})
    }
}

/// Which declared exporters each signal's pipelines export to.
#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pipelines {
    #[serde(default)]
    pub logs: Vec<String>,
    #[serde(default)]
    pub metrics: Vec<String>,
    #[serde(default)]
    pub traces: Vec<String>,
}

impl Pipelines {
    pub fn of(&self, signal: &str) -> &[String] {
        match signal {
            "logs" => &self.logs,
            "metrics" => &self.metrics,
            _ => &self.traces,
        }
    }
}

/// A validated third-party destination.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThirdParty {
    pub exporters: Map<String, Value>,
    #[serde(default)]
    pub pipelines: Pipelines,
    #[serde(default)]
    pub env: Vec<SecretEnv>,
}

/// Is `name` an exporter id: `type` or `type/name`?
fn exporter_id_ok(name: &str) -> bool {
    let (kind, suffix) = name.split_once('/').unwrap_or((name, "x"));
    kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !suffix.is_empty()
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

impl ThirdParty {
    /// Read and validate an exporter file.
    pub fn load(path: &Path) -> Checked<ThirdParty> {
        let at =
            |msg: String| names::UsageError(format!("--exporter-file {}: {msg}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| at(e.to_string()))?;
        let parsed: ThirdParty = crate::yaml::parse_typed(&text).map_err(at)?;
        parsed.validate().map_err(|e| at(e.0))
    }

    /// Check names, collisions, references and secret refs.
    pub fn validate(self) -> Checked<ThirdParty> {
        if self.exporters.is_empty() {
            return usage("exporters: declare at least one exporter");
        }
        for (name, def) in &self.exporters {
            if kof::owns_exporter(name) {
                return usage(format!(
                    "exporters.{name}: collides with KOF's own exporter; choose another name"
                ));
            }
            if !exporter_id_ok(name) {
                return usage(format!(
                    "exporters.{name}: not an exporter id (type or type/name)"
                ));
            }
            if !def.is_object() {
                return usage(format!(
                    "exporters.{name}: must be a mapping (the exporter's settings)"
                ));
            }
            // The file is not a place for credentials: a value `diff` would
            // hide must come from a Secret through `${env:NAME}` and `env`.
            if let Some(at) = crate::redact::hidden_paths(def).first() {
                return usage(format!(
                    "exporters.{name}.{at}: holds a literal value that may be a credential; \
                     reference a Secret instead (\"${{env:NAME}}\" with NAME declared under env)"
                ));
            }
            for var in env_references_in(def) {
                if !self.env.iter().any(|e| e.name == var) {
                    return usage(format!(
                        "exporters.{name}: ${{env:{var}}} has no source; declare {var} under env \
                         (name, secret, key)"
                    ));
                }
            }
            if !SIGNALS.iter().any(|s| self.pipelines.of(s).contains(name)) {
                return usage(format!(
                    "exporters.{name}: not used by any signal under pipelines"
                ));
            }
        }
        for signal in SIGNALS {
            for name in self.pipelines.of(signal) {
                if !self.exporters.contains_key(name) {
                    return usage(format!(
                        "pipelines.{signal}: {name:?} is not declared under exporters"
                    ));
                }
            }
        }
        for (i, env) in self.env.iter().enumerate() {
            names::env_name(&format!("env[{i}].name"), &env.name)?;
            names::object_name(&format!("env[{i}].secret"), &env.secret)?;
            names::secret_key(&format!("env[{i}].key"), &env.key)?;
            if self.env[..i].iter().any(|e| e.name == env.name) {
                return usage(format!("env[{i}].name: {:?} is declared twice", env.name));
            }
        }
        Ok(self)
    }
}

/// The names of every `${env:NAME}` in a value's strings (and keys).
fn env_references_in(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut walk = vec![v];
    while let Some(v) = walk.pop() {
        match v {
            Value::String(s) => out.extend(kof::env_references(s).into_iter().map(String::from)),
            Value::Array(a) => walk.extend(a),
            Value::Object(m) => {
                for (k, x) in m {
                    out.extend(kof::env_references(k).into_iter().map(String::from));
                    walk.push(x);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Checked<ThirdParty> {
        crate::yaml::parse_typed::<ThirdParty>(text)
            .map_err(names::UsageError)?
            .validate()
    }

    #[test]
    fn accepts_a_well_formed_file() {
        let tp = parse(
            "exporters:\n  otlphttp/vendor:\n    endpoint: https://otlp.example.com\n\
             pipelines:\n  logs: [otlphttp/vendor]\n  traces: [otlphttp/vendor]\n\
             env:\n- {name: VENDOR_TOKEN, secret: vendor-creds, key: token}\n",
        )
        .unwrap();
        assert_eq!(tp.pipelines.logs, ["otlphttp/vendor"]);
        assert_eq!(
            tp.env[0].entry()["valueFrom"]["secretKeyRef"]["name"],
            "vendor-creds"
        );
    }

    #[test]
    fn rejects_with_the_key_named() {
        let cases = [
            ("exporters: {}", "exporters: declare at least one exporter"),
            (
                "exporters: {debug: {}}\npipelines: {logs: [debug]}",
                "exporters.debug: collides with KOF's own exporter",
            ),
            (
                "exporters: {otlphttp/logs: {}}",
                "exporters.otlphttp/logs: collides",
            ),
            ("exporters: {Bad: {}}", "exporters.Bad: not an exporter id"),
            (
                "exporters: {x: 1}\npipelines: {logs: [x]}",
                "exporters.x: must be a mapping",
            ),
            ("exporters: {x: {}}", "exporters.x: not used by any signal"),
            (
                "exporters: {x: {}}\npipelines: {logs: [x, y]}",
                "pipelines.logs: \"y\" is not declared",
            ),
            (
                "exporters: {x: {}}\npipelines: {logs: [x]}\nenv: [{name: A, secret: Bad, key: k}]",
                "--env[0].secret:",
            ),
            (
                "exporters: {x: {}}\npipelines: {logs: [x]}\nenv: [{name: A, value: hunter2}]",
                "unknown field `value`",
            ),
            (
                "exporters: {x: {}}\npipelines: {profiles: [x]}",
                "unknown field `profiles`",
            ),
            ("exporter: {}", "unknown field `exporter`"),
            (
                "exporters: {x: {headers: {api-key: hunter2}}}\npipelines: {logs: [x]}",
                "exporters.x.headers.api-key: holds a literal value",
            ),
            (
                "exporters: {x: {endpoint: 'https://u:hunter2@h/'}}\npipelines: {logs: [x]}",
                "exporters.x.endpoint: holds a literal value",
            ),
            (
                "exporters: {x: {api: {key: hunter2}}}\npipelines: {logs: [x]}",
                "exporters.x.api.key: holds a literal value",
            ),
            (
                "exporters: {x: {tls: {key_pem: hunter2}}}\npipelines: {logs: [x]}",
                "exporters.x.tls.key_pem: holds a literal value",
            ),
            (
                "exporters: {x: {auth_header: Basic hunter2}}\npipelines: {logs: [x]}",
                "exporters.x.auth_header: holds a literal value",
            ),
            (
                "exporters: {x: {headers: {api-key: '${env:NOPE}'}}}\npipelines: {logs: [x]}",
                "exporters.x: ${env:NOPE} has no source; declare NOPE under env",
            ),
            (
                "exporters: {x: {endpoint: 'https://${env:HOST}/'}}\npipelines: {logs: [x]}\n\
                 env: [{name: OTHER, secret: s, key: k}]",
                "exporters.x: ${env:HOST} has no source",
            ),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().0;
            assert!(err.contains(want), "{text}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
