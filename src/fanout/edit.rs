//! Fan-out, stage 3 (edit): the fork and the kernel pipelines of one collector.
//!
//! Drafted on the config as the route leaves it, so it sees the route's
//! exporters. Each terminal `logs`/`metrics` pipeline (one exporting to an
//! exporter other than `nop`, not only to connectors) gets one more exporter,
//! `forward/kof-kernel-<signal>`, feeding `<signal>/kof-kernel`: filter ->
//! resource (identity) -> batch -> the queued destination exporter. Nothing
//! else of a primary pipeline is touched. The whole owned state is written
//! each run: what the plan wants is set, every other `kof-kernel` component,
//! pipeline, env var and volume is removed, so a rerun replaces and a run
//! without `--fanout` removes. It must not branch on a route or destination name.

use super::{FanoutSpec, OWNED, kinds::Queue, owned};
use crate::edit::identity::Identity;
use crate::edit::{Draft, Edit, Path, Seg, apply, path};
use crate::select::KindSpec;
use anyhow::Result;
use serde_json::{Map, Value, json};

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

const SECTIONS: [&str; 4] = ["connectors", "processors", "exporters", "extensions"];

/// The owned state one collector should have.
#[derive(Default)]
struct Want {
    /// (section, name, definition)
    components: Vec<(&'static str, String, Value)>,
    pipelines: Vec<(String, Value)>,
    /// (primary pipeline, connector appended to its exporters)
    forks: Vec<(String, String)>,
    extensions: Vec<String>,
    /// The queue's storage extension, where the collector has a disk for it.
    storage: Option<String>,
}

/// The fan-out's edits to collector `index`, given the edits the route
/// already made to its config (`routed`, paths from the resource root).
pub fn edits(
    index: usize,
    doc: &Value,
    config: &Value,
    kind: &KindSpec,
    fanout: Option<&FanoutSpec>,
    routed: &[Edit],
    route_env: &[&str],
) -> Result<Vec<Edit>> {
    let base: Path = kind.config.map(path).unwrap_or_default();
    let mut after = config.clone();
    let refs: Vec<&Edit> = routed.iter().collect();
    apply::apply_to(&mut after, &refs, base.len())?;
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("collector");
    let want = fanout.map(|f| desired(f, name, &after)).unwrap_or_default();
    let mut d = Draft::new(index, &after, base);
    components(&mut d, &after, &want);
    pipelines(&mut d, &after, &want);
    let mut out = d.edits;
    let mut d = Draft::new(index, doc, Vec::new());
    resource(&mut d, doc, kind, fanout, route_env);
    out.append(&mut d.edits);
    Ok(out)
}

fn desired(f: &FanoutSpec, collector: &str, config: &Value) -> Want {
    let mut w = Want::default();
    let connectors: Vec<&str> = config
        .get("connectors")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let pipelines = config
        .pointer("/service/pipelines")
        .and_then(Value::as_object);
    for (signal, filter) in &f.filters {
        let connector = format!("forward/{OWNED}-{signal}");
        let terminal: Vec<&String> = pipelines
            .into_iter()
            .flatten()
            .filter(|(n, p)| {
                !owned(n) && n.split('/').next() == Some(*signal) && is_terminal(p, &connectors)
            })
            .map(|(n, _)| n)
            .collect();
        if terminal.is_empty() {
            continue;
        }
        w.forks
            .extend(terminal.into_iter().map(|p| (p.clone(), connector.clone())));
        let filter_name = format!("filter/{OWNED}-{signal}");
        w.components
            .push(("connectors", connector.clone(), json!({})));
        w.components
            .push(("processors", filter_name.clone(), filter.clone()));
        let pipeline = json!({
            "receivers": [connector],
            "processors": [filter_name, format!("resource/{OWNED}"), format!("batch/{OWNED}")],
            "exporters": [f.exporter],
        });
        w.pipelines.push((format!("{signal}/{OWNED}"), pipeline));
    }
    if w.pipelines.is_empty() {
        return w;
    }
    // The route's identity rule (`edit::identity`), stamped on the kernel too:
    // kernels of several management clusters in one store stay apart.
    let id = Identity::new(&f.cluster_name, &f.cluster_namespace);
    let identity = json!({"attributes": id.processor_attributes()});
    w.components
        .push(("processors", format!("resource/{OWNED}"), identity));
    let batch = json!({"timeout": "10s", "send_batch_size": 2048, "send_batch_max_size": 2048});
    w.components
        .push(("processors", format!("batch/{OWNED}"), batch));
    for (name, def) in &f.extensions {
        w.components.push(("extensions", name.clone(), def.clone()));
        w.extensions.push(name.clone());
    }
    // The chart's own hostPath for exporter queues (KOF 1.10+): the kernel's
    // queue file sits beside theirs (one file per component).
    let chart_dir = config
        .pointer("/extensions/file_storage~1exporters/directory")
        .and_then(Value::as_str);
    if let (true, Queue::Sending, Some(dir)) = (f.disk, f.kind.queue, chart_dir) {
        let storage = format!("file_storage/{OWNED}");
        let def = json!({"directory": dir, "compaction": {"on_start": true, "on_rebound": true, "directory": dir}});
        w.components.push(("extensions", storage.clone(), def));
        w.extensions.push(storage.clone());
        w.storage = Some(storage);
    }
    let def = exporter(f, collector, w.storage.as_deref());
    w.components.push(("exporters", f.exporter.clone(), def));
    w
}

/// A collector's name as a path segment: RFC 1123 characters only.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// An env var the fan-out wrote: `KOF_KERNEL_*`, or an AWS key read from
/// the Secret key of its own name (the shape `--fanout s3|cloudwatch`
/// writes; the route's own AWS keys are kept by `route_env`).
fn ours(name: &str, entry: &Value) -> bool {
    let key = entry
        .pointer("/valueFrom/secretKeyRef/key")
        .and_then(Value::as_str);
    name.starts_with("KOF_KERNEL_") || (super::AWS_ENV.contains(&name) && key == Some(name))
}

/// Exports to something other than `nop` and connectors.
fn is_terminal(pipeline: &Value, connectors: &[&str]) -> bool {
    let exporters = pipeline.get("exporters").and_then(Value::as_array);
    exporters
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|e| e != "nop" && !connectors.contains(&e) && !owned(e))
}

/// The destination exporter with its bounded, non-blocking queue.
fn exporter(f: &FanoutSpec, collector: &str, storage: Option<&str>) -> Value {
    let mut def = f.definition.clone();
    let Some(m) = def.as_object_mut() else {
        return def;
    };
    let declared = f.kind.from_file;
    if let Some(up) = m
        .get_mut("s3uploader")
        .and_then(Value::as_object_mut)
        .filter(|_| !declared)
    {
        let prefix = f.prefix.clone().unwrap_or_else(|| f.cluster_name.clone());
        up.insert(
            "s3_prefix".into(),
            json!(format!("{prefix}/{}", safe(collector))),
        );
    }
    match f.kind.queue {
        Queue::Sending => {
            let mut q = Map::new();
            q.insert("enabled".into(), json!(true));
            q.insert("block_on_overflow".into(), json!(false));
            q.insert("wait_for_result".into(), json!(false));
            q.insert("queue_size".into(), json!(f.queue_size));
            if let Some(storage) = storage {
                q.insert("storage".into(), json!(storage));
            }
            m.insert("sending_queue".into(), Value::Object(q));
        }
        Queue::RemoteWrite => {
            let q = json!({"enabled": true, "queue_size": f.queue_size, "num_consumers": 1});
            m.insert("remote_write_queue".into(), q);
            let id = Identity::new(&f.cluster_name, &f.cluster_namespace);
            let labels: Map<String, Value> = id
                .labels()
                .into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            m.insert("external_labels".into(), Value::Object(labels));
        }
    }
    def
}

fn components(d: &mut Draft<'_>, config: &Value, want: &Want) {
    for section in SECTIONS {
        let present = config.get(section).and_then(Value::as_object);
        let keys: Vec<&String> = present.into_iter().flat_map(|m| m.keys()).collect();
        let wanted = |name: &str| {
            want.components
                .iter()
                .any(|(s, n, _)| *s == section && n == name)
        };
        let stale: Vec<&&String> = keys.iter().filter(|n| owned(n) && !wanted(n)).collect();
        // A section that held only the fan-out's components goes with them
        // (an empty `connectors: {}` was not in the render).
        if !stale.is_empty()
            && stale.len() == keys.len()
            && !want.components.iter().any(|(s, ..)| *s == section)
        {
            d.remove(&[key(section)]);
            continue;
        }
        for name in stale {
            d.remove(&[key(section), key(name)]);
        }
    }
    for (section, name, def) in &want.components {
        d.set(&[key(section), key(name)], def.clone());
    }
    let at = path(&["service", "extensions"]);
    let listed = d.get(&at).and_then(Value::as_array);
    let mut list: Vec<Value> = listed
        .into_iter()
        .flatten()
        .filter(|e| !e.as_str().is_some_and(owned))
        .cloned()
        .collect();
    list.extend(want.extensions.iter().map(|e| json!(e)));
    if listed.is_some() || !want.extensions.is_empty() {
        d.set(&at, Value::Array(list));
    }
}

fn pipelines(d: &mut Draft<'_>, config: &Value, want: &Want) {
    let Some(all) = config
        .pointer("/service/pipelines")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, pipeline) in all {
        let at = |rest: &[&str]| {
            let mut p = vec![key("service"), key("pipelines"), key(name)];
            p.extend(rest.iter().map(|k| key(k)));
            p
        };
        if owned(name) {
            if !want.pipelines.iter().any(|(n, _)| n == name) {
                d.remove(&at(&[]));
            }
            continue;
        }
        let Some(exporters) = pipeline.get("exporters").and_then(Value::as_array) else {
            continue;
        };
        let mut new: Vec<Value> = exporters
            .iter()
            .filter(|e| !e.as_str().is_some_and(owned))
            .cloned()
            .collect();
        new.extend(
            want.forks
                .iter()
                .filter(|(p, _)| p == name)
                .map(|(_, c)| json!(c)),
        );
        d.set(&at(&["exporters"]), Value::Array(new));
    }
    for (name, def) in &want.pipelines {
        d.set(&[key("service"), key("pipelines"), key(name)], def.clone());
    }
}

/// The destination's env vars, on the resource.
fn resource(
    d: &mut Draft<'_>,
    doc: &Value,
    kind: &KindSpec,
    fanout: Option<&FanoutSpec>,
    route_env: &[&str],
) {
    let env = fanout.map(|f| f.env.as_slice()).unwrap_or_default();
    let entries = crate::edit::get(doc, &path(kind.env)).and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            continue;
        };
        if !env.iter().any(|e| e.name == name) && !route_env.contains(&name) && ours(name, entry) {
            d.remove_where(&path(kind.env), "name", json!(name));
        }
    }
    for e in env {
        d.upsert(&path(kind.env), "name", e.entry());
    }
}
