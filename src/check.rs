//! Stage 4: check. Is a collector's config self-consistent?
//!
//! One definition of "consistent", used after patching and by `kof-route check`:
//! every component `service` references is defined, every authenticator is a
//! defined and enabled extension, no exporter is null, every pipeline exports
//! somewhere, every `${env:NAME}` has a source in `spec.env`, and every signal
//! carries one cluster identity (`identity`), and the fan-out's isolation
//! rules hold (`fanout`). This module only reads; it must
//! not edit, and prints a value it reads (a component's or a cluster's name)
//! only as `redact::shown` shows it: a name may hold anything.

use crate::kof::{env_references, is_credential_var};
use crate::redact::shown;

mod fanout;
pub mod identity;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub message: String,
}

fn error(message: String) -> Problem {
    Problem {
        severity: Severity::Error,
        // Names in the message come from the input: no raw control characters.
        message: crate::names::escape(&message).into_owned(),
    }
}

fn names<'v>(config: &'v Value, section: &str) -> BTreeSet<&'v str> {
    config
        .get(section)
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The value two keys down (`Value::pointer` would unescape each token).
fn at<'v>(v: &'v Value, [a, b]: [&str; 2]) -> Option<&'v Value> {
    v.get(a)?.get(b)
}

fn list(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// All problems of one collector: `doc` is the resource, `config` its parsed config.
pub fn collector(doc: &Value, config: &Value) -> Vec<Problem> {
    routed(doc, config, &BTreeSet::new())
}

/// As `collector`, for a collector a route has edited: a `${env:NAME}` with a
/// name in `introduced` (the route wrote it) is an error without a source in
/// `spec.env`, whatever else might provide it, since the route owns it.
pub fn routed(doc: &Value, config: &Value, introduced: &BTreeSet<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    let extensions = names(config, "extensions");
    let connectors = names(config, "connectors");
    let service = config.get("service");
    let enabled = list(service.and_then(|s| s.get("extensions")));
    for ext in &enabled {
        if !extensions.contains(*ext) {
            out.push(error(format!(
                "service.extensions: {:?} is not defined in extensions",
                shown(ext)
            )));
        }
    }
    pipelines(config, service, &connectors, &mut out);
    null_exporters(config, &mut out);
    extension_refs(config, &extensions, &enabled, &mut out);
    ca_files(doc, config, &mut out);
    env_refs(doc, config, introduced, &mut out);
    identity::problems(doc, config, &mut out);
    fanout::problems(config, &mut out);
    out
}

/// Kubernetes mounts the service account's CA into every pod; no volumeMount names it.
const IMPLICIT_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Every `tls.ca_file` of a receiver, exporter or extension must lie under one
/// of the collector's `spec.volumeMounts`, or the collector cannot read it.
fn ca_files(doc: &Value, config: &Value, out: &mut Vec<Problem>) {
    let mounts: Vec<&str> = doc
        .get("spec")
        .and_then(|s| s.get("volumeMounts"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("mountPath")?.as_str())
                .collect()
        })
        .unwrap_or_default();
    let under = |file: &str, dir: &str| {
        let dir = dir.trim_end_matches('/');
        file.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    for section in ["receivers", "exporters", "extensions"] {
        let Some(components) = config.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, def) in components {
            let Some(file) = at(def, ["tls", "ca_file"]).and_then(Value::as_str) else {
                continue;
            };
            if !mounts
                .iter()
                .chain([&IMPLICIT_MOUNT])
                .any(|m| under(file, m))
            {
                out.push(error(format!(
                    "{section}.{name}.tls.ca_file: {file:?} is not under any spec.volumeMounts mountPath"
                )));
            }
        }
    }
}

fn pipelines(
    config: &Value,
    service: Option<&Value>,
    connectors: &BTreeSet<&str>,
    out: &mut Vec<Problem>,
) {
    let Some(pipelines) = service
        .and_then(|s| s.get("pipelines"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let sections = ["receivers", "processors", "exporters"].map(|s| (s, names(config, s)));
    for (name, pipeline) in pipelines {
        for (section, defined) in &sections {
            let role = *section;
            for component in list(pipeline.get(role)) {
                let is_connector = role != "processors" && connectors.contains(component);
                if !defined.contains(component) && !is_connector {
                    let also = if role == "processors" {
                        ""
                    } else {
                        " or connectors"
                    };
                    out.push(error(format!(
                        "service.pipelines.{name}.{role}: {:?} is not defined in {section}{also}",
                        shown(component)
                    )));
                }
            }
        }
        if list(pipeline.get("exporters")).is_empty() {
            out.push(error(format!("service.pipelines.{name} has no exporter")));
        }
    }
}

fn null_exporters(config: &Value, out: &mut Vec<Problem>) {
    if let Some(exporters) = config.get("exporters").and_then(Value::as_object) {
        for (name, def) in exporters {
            if def.is_null() {
                out.push(error(format!("exporters.{name} is null")));
            }
        }
    }
}

/// Where a component names an extension it needs (section, keys below the
/// component): an authenticator, or persistent storage for a queue or for a
/// receiver's offsets. The collector refuses to start when the extension is
/// not defined or not enabled in `service.extensions`.
const EXTENSION_REFS: &[(&str, &[&str])] = &[
    ("receivers", &["auth", "authenticator"]),
    ("exporters", &["auth", "authenticator"]),
    ("exporters", &["sending_queue", "storage"]),
    ("receivers", &["storage"]),
];

fn extension_refs(
    config: &Value,
    extensions: &BTreeSet<&str>,
    enabled: &[&str],
    out: &mut Vec<Problem>,
) {
    for (section, keys) in EXTENSION_REFS {
        let Some(components) = config.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, def) in components {
            let named = keys.iter().try_fold(def, |v, k| v.get(k));
            let Some(ext) = named.and_then(Value::as_str) else {
                continue;
            };
            let at = format!("{section}.{name}.{}", keys.join("."));
            if !extensions.contains(ext) {
                out.push(error(format!(
                    "{at}: {:?} is not defined in extensions",
                    shown(ext)
                )));
            } else if !enabled.contains(&ext) {
                out.push(error(format!(
                    "{at}: {:?} is not listed in service.extensions",
                    shown(ext)
                )));
            }
        }
    }
}

fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The names of every `${env:NAME}` in `values`' strings.
pub fn env_names<'v>(values: impl IntoIterator<Item = &'v Value>) -> BTreeSet<String> {
    let mut texts = Vec::new();
    values.into_iter().for_each(|v| strings(v, &mut texts));
    let names = texts.into_iter().flat_map(env_references);
    names.map(str::to_string).collect()
}

fn env_refs(doc: &Value, config: &Value, introduced: &BTreeSet<String>, out: &mut Vec<Problem>) {
    let spec = doc.get("spec");
    let provided: BTreeSet<&str> = list_of_names(spec.and_then(|s| s.get("env")));
    let env_from = spec
        .and_then(|s| s.get("envFrom"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let mut texts = Vec::new();
    strings(config, &mut texts);
    let mut seen = BTreeSet::new();
    for name in texts.into_iter().flat_map(env_references) {
        if provided.contains(name) || !seen.insert(name) {
            continue;
        }
        let (severity, why) = if introduced.contains(name) {
            (Severity::Error, "; the route wrote it")
        } else if env_from {
            (Severity::Warning, " (spec.envFrom may provide it)")
        } else if is_credential_var(name) {
            (Severity::Error, "")
        } else {
            // The operator sets no variable of its own in the collector's
            // container; the collector reads an unset one as empty.
            (Severity::Warning, "; the collector will read it as empty")
        };
        let message = format!("${{env:{name}}} has no source in spec.env{why}");
        let message = crate::names::escape(&message).into_owned();
        out.push(Problem { severity, message });
    }
}

fn list_of_names(env: Option<&Value>) -> BTreeSet<&str> {
    env.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|e| e.get("name")?.as_str()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(config: Value, env: Value) -> Vec<(Severity, String)> {
        let doc = json!({"spec": {"env": env, "volumeMounts": [{"name": "ca", "mountPath": "/etc/ca/"}]}});
        collector(&doc, &config)
            .into_iter()
            .map(|p| (p.severity, p.message))
            .collect()
    }

    #[test]
    fn a_consistent_config_has_no_problem() {
        let config = json!({
            "receivers": {"otlp": {}}, "connectors": {"routing/logs": {}},
            "exporters": {"otlphttp/logs": {"auth": {"authenticator": "basicauth/logs"}, "endpoint": "${env:KOF_VM_USER}",
                                            "tls": {"ca_file": "/etc/ca/ca.crt"}}},
            "extensions": {"basicauth/logs": {}},
            "service": {"extensions": ["basicauth/logs"], "pipelines": {
                "logs": {"receivers": ["otlp"], "exporters": ["routing/logs"]},
                "logs/default": {"receivers": ["routing/logs"], "exporters": ["otlphttp/logs"]}}}});
        assert_eq!(problems(config, json!([{"name": "KOF_VM_USER"}])), []);
    }

    #[test]
    fn a_name_that_looks_secret_is_not_shown() {
        // Found by the `render` fuzz target: a pipeline listing an undefined
        // component whose name holds a PEM marker printed it in the message.
        let secret = "prometheu-----BEGINsremotewrite";
        let config = json!({"exporters": {"debug": {}}, "extensions": {},
            "service": {"extensions": [secret], "pipelines": {"metrics": {
                "receivers": [secret], "exporters": ["debug", secret]}}}});
        let found = problems(config, json!([]));
        assert_eq!(found.len(), 3, "{found:?}");
        for (_, message) in found {
            assert!(!message.contains(secret), "{message}");
            assert!(message.contains(crate::redact::HIDDEN), "{message}");
        }
    }

    #[test]
    fn finds_each_kind_of_problem() {
        use Severity::*;
        let cases = [
            (
                json!({"service": {"extensions": ["x"]}}),
                Error,
                "service.extensions: \"x\" is not defined in extensions",
            ),
            (
                json!({"service": {"pipelines": {"m": {"processors": ["p"], "exporters": ["e"]}}}}),
                Error,
                "service.pipelines.m.processors: \"p\" is not defined in processors",
            ),
            (
                json!({"service": {"pipelines": {"m": {"receivers": ["r"], "exporters": []}}}}),
                Error,
                "service.pipelines.m has no exporter",
            ),
            (
                json!({"exporters": {"prometheusremotewrite": null}}),
                Error,
                "exporters.prometheusremotewrite is null",
            ),
            (
                json!({"exporters": {"e": {"auth": {"authenticator": "a"}}}}),
                Error,
                "exporters.e.auth.authenticator: \"a\" is not defined in extensions",
            ),
            (
                json!({"extensions": {"a": {}}, "exporters": {"e": {"auth": {"authenticator": "a"}}}}),
                Error,
                "exporters.e.auth.authenticator: \"a\" is not listed in service.extensions",
            ),
            (
                json!({"x": "${env:AWS_SECRET_ACCESS_KEY}"}),
                Error,
                "${env:AWS_SECRET_ACCESS_KEY} has no source in spec.env",
            ),
            (
                json!({"x": "${env:MY_POD_IP}:4317"}),
                Warning,
                "${env:MY_POD_IP} has no source in spec.env; the collector will read it as empty",
            ),
        ];
        let more = [
            (
                json!({"exporters": {"e": {"sending_queue": {"storage": "file_storage/q"}}},
                       "extensions": {"file_storage/q": {}}}),
                Error,
                "exporters.e.sending_queue.storage: \"file_storage/q\" is not listed in service.extensions",
            ),
            (
                json!({"receivers": {"filelog": {"storage": "file_storage"}}}),
                Error,
                "receivers.filelog.storage: \"file_storage\" is not defined in extensions",
            ),
        ];
        for (config, severity, message) in cases.into_iter().chain(more) {
            let got = problems(config.clone(), json!([]));
            assert!(
                got.contains(&(severity, message.to_string())),
                "{config}: {got:?}"
            );
        }
    }

    /// Issue 14, item 10: a reference the route wrote is the route's to
    /// source; others may come from `spec.envFrom`.
    #[test]
    fn an_unsourced_reference_the_route_wrote_is_an_error() {
        let config = json!({"x": "${env:VENDOR_HOST}", "y": "${env:MY_POD_IP}"});
        let wrote: BTreeSet<String> = ["VENDOR_HOST".to_string()].into();
        let doc = json!({"spec": {"envFrom": [{"secretRef": {"name": "s"}}]}});
        let got: Vec<_> = routed(&doc, &config, &wrote)
            .into_iter()
            .map(|p| (p.severity, p.message))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Severity::Error,
                    "${env:VENDOR_HOST} has no source in spec.env; the route wrote it".to_string()
                ),
                (
                    Severity::Warning,
                    "${env:MY_POD_IP} has no source in spec.env (spec.envFrom may provide it)"
                        .to_string()
                ),
            ]
        );
        let none = collector(&doc, &config);
        assert!(
            none.iter().all(|p| p.severity == Severity::Warning),
            "{none:?}"
        );
        assert_eq!(
            env_names([&json!({"a": ["${env:A}", {"b": "x ${env:B}"}]})]),
            BTreeSet::from(["A".to_string(), "B".to_string()])
        );
    }

    /// Issue 14, item 13: a pipeline name with control characters is escaped.
    #[test]
    fn messages_escape_control_characters() {
        let config = json!({"service": {"pipelines": {"logs\u{1b}[2K\nforged": {"receivers": [], "exporters": []}}}});
        for p in collector(&json!({"spec": {}}), &config) {
            assert!(!p.message.chars().any(char::is_control), "{:?}", p.message);
        }
    }

    #[test]
    fn parses_env_references() {
        assert_eq!(env_references("${env:A}:${env:B}"), ["A", "B"]);
        assert_eq!(env_references("$${env:A} ${env:B:-x} ${env:C"), ["C"]);
        assert!(env_references("$$1:$$2").is_empty());
    }
}
