//! Fan-out, stage 3 (edit), the first half: the owned state one collector
//! should have (`Want`), computed from the `FanoutSpec` and the config as the
//! route leaves it: the fork connectors of its terminal `logs`/`metrics`
//! pipelines, the kernel pipelines, the queue's storage where the collector
//! has a disk, and the destination exporter with its bounded, non-blocking
//! queue. Pure: it drafts no edit (`super` turns the difference into edits)
//! and must not branch on a route or destination name.

use crate::fanout::{FanoutSpec, OWNED, kinds::Queue, owned};
use crate::identity::Identity;
use serde_json::{Map, Value, json};

/// The owned state one collector should have.
#[derive(Default)]
pub(super) struct Want {
    /// (section, name, definition)
    pub(super) components: Vec<(&'static str, String, Value)>,
    pub(super) pipelines: Vec<(String, Value)>,
    /// (primary pipeline, connector appended to its exporters)
    pub(super) forks: Vec<(String, String)>,
    pub(super) extensions: Vec<String>,
    /// The queue's storage extension, where the collector has a disk for it.
    pub(super) storage: Option<String>,
}

pub(super) fn desired(f: &FanoutSpec, collector: &str, config: &Value) -> Want {
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
