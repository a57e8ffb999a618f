//! Stage 3: apply a route's description to one OpenTelemetryCollector.
//!
//! One generic patcher for every route: it walks the `RouteSpec` fields in a
//! fixed order and expresses each as edits. It must not branch on the route's
//! name, and must not touch anything the spec does not name.

use crate::edit::{Change, Editor};
use crate::routes::{CLUSTER_PROCESSOR, METRICS_EXPORTER, RouteSpec};
use crate::yaml;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::borrow::Cow;

/// The collector's config as a value tree, whichever form the resource holds
/// it in: borrowed when it is a mapping, parsed when it is a YAML string.
pub fn config_of(doc: &Value) -> Result<Cow<'_, Value>> {
    match config_field(doc)? {
        Value::String(text) => Ok(Cow::Owned(parse_config_text(text)?)),
        mapping => Ok(Cow::Borrowed(mapping)),
    }
}

/// `spec.config` if it is a mapping or a string (not parsed), else why not.
fn config_field(doc: &Value) -> Result<&Value> {
    match doc.get("spec").and_then(|s| s.get("config")) {
        Some(v @ (Value::Object(_) | Value::String(_))) => Ok(v),
        None if doc.get("spec").is_none_or(Value::is_null) => bail!("has no spec"),
        None | Some(Value::Null) => bail!("has no spec.config"),
        Some(other) => bail!(
            "spec.config is a {}, expected a mapping or a string",
            crate::edit::kind_of(other)
        ),
    }
}

/// Apply `route` to the collector `doc`; returns what changed (config paths
/// are prefixed with `spec.config.`).
pub fn patch(doc: &mut Value, route: &RouteSpec) -> Result<Vec<Change>> {
    config_field(doc)?;
    // Edit the config in place: a mapping is taken out of the document and put
    // back; a string is parsed, and re-emitted only if something changed.
    let slot = doc
        .pointer_mut("/spec/config")
        .context("has no spec.config")?;
    let is_string = slot.is_string();
    let mut config = match &*slot {
        Value::String(text) => parse_config_text(text)?,
        _ => std::mem::take(slot),
    };
    let mut changes = {
        let mut ed = Editor::new(&mut config);
        let edited = patch_config(&mut ed, route);
        let changes = std::mem::take(&mut ed.changes);
        if !is_string {
            *slot = std::mem::take(&mut config);
        }
        edited?;
        changes
    };
    for c in &mut changes {
        c.path = format!("spec.config.{}", c.path);
    }
    if is_string && !changes.is_empty() {
        *slot = Value::String(yaml::emit(&config));
    }
    let mut ed = Editor::new(doc);
    for env in &route.env {
        ed.upsert_by(&["spec", "env"], "name", env.entry())?;
    }
    for volume in &route.volumes {
        ed.upsert_by(&["spec", "volumes"], "name", volume.clone())?;
    }
    for mount in &route.volume_mounts {
        ed.upsert_by(&["spec", "volumeMounts"], "name", mount.clone())?;
    }
    changes.append(&mut ed.changes);
    Ok(changes)
}

/// Parse a config held as a YAML string (v1alpha1).
fn parse_config_text(text: &str) -> Result<Value> {
    let v = yaml::parse(text).map_err(|e| {
        anyhow::anyhow!(
            "spec.config (a YAML string) is invalid at its line {}: {}",
            e.line,
            e.message
        )
    })?;
    match v {
        Value::Object(_) => Ok(v),
        Value::Null => Ok(json!({})),
        other => bail!(
            "spec.config (a YAML string) holds a {}, expected a mapping",
            crate::edit::kind_of(&other)
        ),
    }
}

fn patch_config(ed: &mut Editor<'_>, route: &RouteSpec) -> Result<()> {
    for (name, def) in &route.define_exporters {
        ed.set(&["exporters", name], def.clone())?;
    }
    for (name, def) in &route.default_exporters {
        if ed.get(&["exporters", name]).is_none() {
            ed.set(&["exporters", name], def.clone())?;
        }
    }
    if !route.remove_exporters.is_empty() {
        rewire(ed, route)?;
        for name in &route.remove_exporters {
            ed.remove(&["exporters", name])?;
        }
    }
    for r in &route.repoint {
        if ed.get(&["exporters", &r.exporter]).is_some() {
            ed.set(&["exporters", &r.exporter, &r.endpoint_key], json!(r.url))?;
            if let Some(auth) = &r.authenticator {
                ed.set(
                    &["exporters", &r.exporter, "auth", "authenticator"],
                    json!(auth),
                )?;
            }
            if !r.tls.is_empty() {
                ed.merge(&["exporters", &r.exporter, "tls"], &r.tls)?;
            }
        }
    }
    for (name, def) in &route.extensions {
        ed.set(&["extensions", name], def.clone())?;
        ed.append_unique(&["service", "extensions"], json!(name))?;
    }
    if !route.external_labels.is_empty() && ed.get(&["exporters", METRICS_EXPORTER]).is_some() {
        ed.merge(
            &["exporters", METRICS_EXPORTER, "external_labels"],
            &route.external_labels,
        )?;
    }
    for attr in &route.cluster_attributes {
        ed.upsert_by(
            &["processors", CLUSTER_PROCESSOR, "attributes"],
            "key",
            attr.clone(),
        )?;
    }
    Ok(())
}

/// Give every pipeline that exports to a removed exporter the route's exporters
/// for its signal, keeping its other exporters after them.
fn rewire(ed: &mut Editor<'_>, route: &RouteSpec) -> Result<()> {
    let Some(Value::Object(pipelines)) = ed.get(&["service", "pipelines"]) else {
        return Ok(());
    };
    let mut rewired = Vec::new();
    for (name, pipeline) in pipelines {
        let Some(Value::Array(exporters)) = pipeline.get("exporters") else {
            continue;
        };
        let removed = |e: &Value| route.remove_exporters.iter().any(|r| e == r.as_str());
        if !exporters.iter().any(removed) {
            continue;
        }
        let signal = name.split('/').next().unwrap_or(name);
        let lead: Vec<Value> = route
            .rewire
            .iter()
            .find(|(s, _)| s == signal)
            .map(|(_, l)| l.iter().map(|e| json!(e)).collect())
            .unwrap_or_default();
        let mut new = lead.clone();
        new.extend(
            exporters
                .iter()
                .filter(|e| !removed(e) && !lead.contains(e))
                .cloned(),
        );
        rewired.push((name.clone(), new));
    }
    for (name, exporters) in rewired {
        ed.set(
            &["service", "pipelines", &name, "exporters"],
            Value::Array(exporters),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{Repoint, SecretEnv};

    fn collector(config: Value) -> Value {
        json!({"apiVersion": "opentelemetry.io/v1beta1", "kind": "OpenTelemetryCollector",
               "spec": {"config": config, "env": [{"name": "PKI_PATH", "value": "var/lib/k0s"}]}})
    }

    fn regional_like() -> RouteSpec {
        RouteSpec {
            repoint: vec![Repoint {
                exporter: "otlphttp/logs".into(),
                endpoint_key: "logs_endpoint".into(),
                url: "https://vmauth.d/vli".into(),
                authenticator: Some("basicauth/logs".into()),
                tls: Default::default(),
            }],
            extensions: vec![("basicauth/logs".into(), json!({"client_auth": {}}))],
            env: vec![SecretEnv::new("KOF_VM_USER", "s", "username")],
            ..Default::default()
        }
    }

    #[test]
    fn repoints_existing_exporters_and_keeps_their_other_keys() {
        let mut doc = collector(json!({
            "exporters": {"otlphttp/logs": {"logs_endpoint": "http://in", "sending_queue": {"storage": "file_storage/exporters"}}},
            "service": {"extensions": ["file_storage/exporters"]}}));
        patch(&mut doc, &regional_like()).unwrap();
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"],
            json!({
            "logs_endpoint": "https://vmauth.d/vli",
            "sending_queue": {"storage": "file_storage/exporters"},
            "auth": {"authenticator": "basicauth/logs"}})
        );
        assert_eq!(
            doc["spec"]["config"]["service"]["extensions"],
            json!(["file_storage/exporters", "basicauth/logs"])
        );
        assert_eq!(doc["spec"]["env"][0]["name"], "PKI_PATH");
        assert_eq!(doc["spec"]["env"][1]["name"], "KOF_VM_USER");
    }

    #[test]
    fn does_not_invent_missing_exporters_and_is_idempotent() {
        let mut doc = collector(json!({"exporters": {"debug": {}}}));
        let first = patch(&mut doc, &regional_like()).unwrap();
        assert!(
            doc["spec"]["config"]["exporters"]
                .get("otlphttp/logs")
                .is_none()
        );
        assert!(!first.is_empty());
        let before = doc.clone();
        assert!(patch(&mut doc, &regional_like()).unwrap().is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn merges_tls_and_upserts_volumes_once() {
        let mut route = regional_like();
        route.repoint[0].tls = json!({"insecure_skip_verify": true})
            .as_object()
            .unwrap()
            .clone();
        route.volumes = vec![json!({"name": "ca", "secret": {"secretName": "s"}})];
        route.volume_mounts = vec![json!({"name": "ca", "mountPath": "/ca"})];
        let mut doc =
            collector(json!({"exporters": {"otlphttp/logs": {"tls": {"min_version": "1.2"}}}}));
        patch(&mut doc, &route).unwrap();
        assert!(patch(&mut doc, &route).unwrap().is_empty());
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"]["tls"],
            json!({"min_version": "1.2", "insecure_skip_verify": true})
        );
        assert_eq!(doc["spec"]["volumes"].as_array().unwrap().len(), 1);
        assert_eq!(doc["spec"]["volumeMounts"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn rewires_pipelines_that_used_removed_exporters() {
        let route = RouteSpec {
            remove_exporters: vec!["otlphttp/logs".into(), "prometheusremotewrite".into()],
            rewire: vec![
                ("logs".into(), vec!["cw".into(), "debug".into()]),
                ("metrics".into(), vec!["debug".into()]),
            ],
            default_exporters: vec![("debug".into(), json!({}))],
            ..Default::default()
        };
        let mut doc = collector(json!({
            "exporters": {"otlphttp/logs": {}, "prometheusremotewrite": {}, "keep": {}},
            "service": {"pipelines": {
                "logs": {"exporters": ["routing/logs"]},
                "logs/default": {"exporters": ["otlphttp/logs", "keep"]},
                "metrics": {"exporters": ["prometheusremotewrite"]}}}}));
        patch(&mut doc, &route).unwrap();
        let c = &doc["spec"]["config"];
        assert_eq!(c["exporters"], json!({"keep": {}, "debug": {}}));
        assert_eq!(
            c["service"]["pipelines"]["logs"]["exporters"],
            json!(["routing/logs"])
        );
        assert_eq!(
            c["service"]["pipelines"]["logs/default"]["exporters"],
            json!(["cw", "debug", "keep"])
        );
        assert_eq!(
            c["service"]["pipelines"]["metrics"]["exporters"],
            json!(["debug"])
        );
    }

    #[test]
    fn string_config_is_written_back_as_a_string() {
        let mut doc = collector(json!(
            "exporters:\n  otlphttp/logs:\n    logs_endpoint: http://in\n"
        ));
        patch(&mut doc, &regional_like()).unwrap();
        let text = doc["spec"]["config"].as_str().expect("still a string");
        assert!(text.contains("authenticator: basicauth/logs"), "{text}");
        assert!(
            text.contains("logs_endpoint: https://vmauth.d/vli"),
            "{text}"
        );
    }

    #[test]
    fn config_errors_name_the_problem() {
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
            let err = config_of(&doc).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
