//! Stage 3, edit: the edits a route makes to one OpenTelemetryCollector.
//!
//! One generic builder for every route: it walks the `RouteSpec` fields in a
//! fixed order and drafts each as edits, reading where the config, env,
//! volumes and volumeMounts live from the kind table. It must not branch on a
//! route's name, must not touch anything the spec does not name, and changes
//! nothing itself: `apply` does.

use super::{Draft, Edit, Path, Seg, identity, join, path};
use crate::routes::RouteSpec;
use crate::select::KindSpec;
use anyhow::{Result, bail};
use serde_json::{Value, json};

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// The edits `route` makes to collector `doc` (resource `index` of the stream),
/// whose parsed config is `config`.
pub fn edits(
    index: usize,
    doc: &Value,
    config: &Value,
    spec: &KindSpec,
    route: &RouteSpec,
) -> Result<Vec<Edit>> {
    let base = spec.config.map(path).unwrap_or_default();
    let mut d = Draft::new(index, config, base);
    exporters(&mut d, route)?;
    extensions(&mut d, route);
    if let Some(id) = &route.identity {
        identity::config_edits(&mut d, id, route.labels_metrics());
    }
    let mut edits = d.edits;
    let route_env: Vec<&str> = route.env.iter().map(|e| e.name.as_str()).collect();
    let fanout = super::fanout::edits(
        index,
        doc,
        config,
        spec,
        route.fanout.as_ref(),
        &edits,
        &route_env,
    )?;
    let mut d = Draft::new(index, doc, Vec::new());
    if let Some(id) = &route.identity {
        identity::env_edits(&mut d, spec.env, config, id);
    }
    for env in &route.env {
        d.upsert(&path(spec.env), "name", env.entry());
    }
    for volume in &route.volumes {
        d.upsert(&path(spec.volumes), "name", volume.clone());
    }
    for mount in &route.volume_mounts {
        d.upsert(&path(spec.volume_mounts), "name", mount.clone());
    }
    edits.append(&mut d.edits);
    // After the route's env: a fan-out's variables follow the route's, on a
    // first run as on a rerun over an earlier fan-out.
    edits.extend(fanout);
    Ok(edits)
}

fn exporter(name: &str, rest: &[&str]) -> Path {
    let mut p = vec![key("exporters"), key(name)];
    p.extend(rest.iter().map(|k| key(k)));
    p
}

fn exporters(d: &mut Draft<'_>, route: &RouteSpec) -> Result<()> {
    for (name, def) in &route.define_exporters {
        // The collector's own exporter of that name (the chart's `otlp/agent`,
        // say) is not the route's to replace; its own earlier result is equal.
        if d.get(&exporter(name, &[])).is_some_and(|old| old != def) {
            bail!(
                "spec.config.exporters.{} is already defined in this collector, and a route \
                 exporter may not replace it: give the exporter another name",
                crate::names::escape(name)
            );
        }
        d.set(&exporter(name, &[]), def.clone());
    }
    for (name, def) in &route.default_exporters {
        let at = exporter(name, &[]);
        match d.get(&at) {
            None => d.set(&at, def.clone()),
            Some(_) => d.expect(&at),
        }
    }
    if !route.remove_exporters.is_empty() {
        rewire(d, route);
        for name in &route.remove_exporters {
            d.remove(&exporter(name, &[]));
        }
    }
    for r in &route.repoint {
        if d.get(&exporter(&r.exporter, &[])).is_none() {
            d.expect(&exporter(&r.exporter, &[]));
            continue;
        }
        d.set(&exporter(&r.exporter, &[&r.endpoint_key]), json!(r.url));
        // Credentials for the old endpoint must not travel to the new one: the
        // exporter's headers go, and so does its authenticator unless the
        // route sets its own (without basic auth, the exporter has none).
        // Absent, they are expected absent, so an exported patch tests it.
        absent(d, &exporter(&r.exporter, &["headers"]));
        match &r.authenticator {
            Some(auth) => d.set(
                &exporter(&r.exporter, &["auth", "authenticator"]),
                json!(auth),
            ),
            None => absent(d, &exporter(&r.exporter, &["auth"])),
        }
        for (k, v) in &r.tls {
            d.set(&exporter(&r.exporter, &["tls", k]), v.clone());
        }
    }
    Ok(())
}

/// Remove `path`, or record that the route relies on its absence.
fn absent(d: &mut Draft<'_>, path: &[Seg]) {
    match d.get(path) {
        Some(_) => d.remove(path),
        None => d.expect(path),
    }
}

fn extensions(d: &mut Draft<'_>, route: &RouteSpec) {
    for (name, def) in &route.extensions {
        d.set(&[key("extensions"), key(name)], def.clone());
        d.append(&path(&["service", "extensions"]), json!(name));
    }
}

/// Give every pipeline that exports to a removed exporter the route's exporters
/// for its signal, keeping its other exporters after them. The choice reads
/// every pipeline, so the whole `service.pipelines` is expected as it was.
fn rewire(d: &mut Draft<'_>, route: &RouteSpec) {
    let pipelines_path = path(&["service", "pipelines"]);
    let Some(Value::Object(pipelines)) = d.get(&pipelines_path) else {
        d.expect(&pipelines_path);
        return;
    };
    d.expect(&pipelines_path);
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
        let at = join(&pipelines_path, &[name, "exporters"]);
        d.set(&at, Value::Array(new));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply::apply;
    use crate::routes::{Repoint, SecretEnv};
    use crate::select::COLLECTOR;

    fn collector(config: Value) -> Value {
        json!({"apiVersion": "opentelemetry.io/v1beta1", "kind": "OpenTelemetryCollector",
               "spec": {"config": config, "env": [{"name": "PKI_PATH", "value": "var/lib/k0s"}]}})
    }

    /// Route `doc` as the pipeline does; returns how many edits changed something.
    fn route(doc: &mut Value, spec: &RouteSpec) -> usize {
        let config = doc["spec"]["config"].clone();
        let edits = edits(0, doc, &config, &COLLECTOR, spec).unwrap();
        apply(doc, Some(&path(&["spec", "config"])), &edits).unwrap();
        edits
            .iter()
            .filter(|e| e.op != super::super::Op::Expect)
            .count()
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
        route(&mut doc, &regional_like());
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"],
            json!({"logs_endpoint": "https://vmauth.d/vli",
                   "sending_queue": {"storage": "file_storage/exporters"},
                   "auth": {"authenticator": "basicauth/logs"}})
        );
        assert_eq!(
            doc["spec"]["config"]["service"]["extensions"],
            json!(["file_storage/exporters", "basicauth/logs"])
        );
        assert_eq!(doc["spec"]["env"][1]["name"], "KOF_VM_USER");
    }

    #[test]
    fn does_not_invent_missing_exporters_and_is_idempotent() {
        let mut doc = collector(json!({"exporters": {"debug": {}}}));
        assert!(route(&mut doc, &regional_like()) > 0);
        assert!(
            doc["spec"]["config"]["exporters"]
                .get("otlphttp/logs")
                .is_none()
        );
        let before = doc.clone();
        assert_eq!(route(&mut doc, &regional_like()), 0);
        assert_eq!(doc, before);
    }

    #[test]
    fn a_route_exporter_never_replaces_the_collectors_own() {
        let spec = RouteSpec {
            define_exporters: vec![("otlp/agent".into(), json!({"endpoint": "https://vendor"}))],
            ..Default::default()
        };
        let doc = collector(json!({"exporters": {"otlp/agent": {"endpoint": "local:4317"}}}));
        let config = doc["spec"]["config"].clone();
        let err = edits(0, &doc, &config, &COLLECTOR, &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exporters.otlp/agent is already defined"),
            "{err}"
        );
        let mut mine = collector(json!({"exporters": {}}));
        assert_eq!(route(&mut mine, &spec), 1);
        assert_eq!(
            route(&mut mine, &spec),
            0,
            "its own earlier result is no collision"
        );
    }

    #[test]
    fn credentials_of_the_old_endpoint_do_not_travel() {
        let old = json!({"exporters": {"otlphttp/logs": {"logs_endpoint": "http://in",
            "auth": {"authenticator": "oauth2client/local"},
            "headers": {"Authorization": "Basic ${env:LOCAL}", "X-Scope": "a"}}}});
        let mut doc = collector(old.clone());
        route(&mut doc, &regional_like());
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"],
            json!({"logs_endpoint": "https://vmauth.d/vli", "auth": {"authenticator": "basicauth/logs"}})
        );
        let mut no_basic_auth = regional_like();
        no_basic_auth.repoint[0].authenticator = None;
        let mut doc = collector(old);
        route(&mut doc, &no_basic_auth);
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"],
            json!({"logs_endpoint": "https://vmauth.d/vli"})
        );
    }

    #[test]
    fn merges_tls_and_upserts_volumes_once() {
        let mut spec = regional_like();
        spec.repoint[0].tls = json!({"insecure_skip_verify": true})
            .as_object()
            .unwrap()
            .clone();
        spec.volumes = vec![json!({"name": "ca", "secret": {"secretName": "s"}})];
        spec.volume_mounts = vec![json!({"name": "ca", "mountPath": "/ca"})];
        let mut doc =
            collector(json!({"exporters": {"otlphttp/logs": {"tls": {"min_version": "1.2"}}}}));
        route(&mut doc, &spec);
        assert_eq!(route(&mut doc, &spec), 0);
        assert_eq!(
            doc["spec"]["config"]["exporters"]["otlphttp/logs"]["tls"],
            json!({"min_version": "1.2", "insecure_skip_verify": true})
        );
        assert_eq!(doc["spec"]["volumes"].as_array().unwrap().len(), 1);
        assert_eq!(doc["spec"]["volumeMounts"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn rewires_pipelines_that_used_removed_exporters() {
        let spec = RouteSpec {
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
        route(&mut doc, &spec);
        let c = &doc["spec"]["config"];
        assert_eq!(c["exporters"], json!({"keep": {}, "debug": {}}));
        let p = &c["service"]["pipelines"];
        assert_eq!(p["logs"]["exporters"], json!(["routing/logs"]));
        assert_eq!(
            p["logs/default"]["exporters"],
            json!(["cw", "debug", "keep"])
        );
        assert_eq!(p["metrics"]["exporters"], json!(["debug"]));
    }
}
