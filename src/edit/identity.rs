//! Stage 3, edit: the rule that gives every signal of a collector one cluster identity.
//!
//! A route is given one identity (`--cluster-name`, `--cluster-namespace`, or
//! the defaults). Collectors learn it in three places, and each is drafted
//! here as edits so that all three agree: the `OTEL_RESOURCE_ATTRIBUTES` env
//! value the `env` detector of `resourcedetection` reads, the
//! `resource/k8sclustername` processor (with `upsert`, so it wins over any
//! value already on the resource) in every pipeline that data enters by a
//! receiver, and the metrics exporter's `external_labels`. OpenCost's cluster
//! id variables are set where it has them. The rule is data (`ATTRIBUTES`,
//! `LABELS`, `OPENCOST_VARS`, in `crate::identity`, below routes and check)
//! so another pipeline (fan-out) can stamp the same identity by calling
//! these functions. This module reads documents and
//! drafts edits; it must not know routes, flags or output formats.

use super::{Draft, Path, Seg, join, path};
use crate::identity::{ENV_VAR, Identity, OPENCOST_VARS};
use crate::kof::{CLUSTER_PROCESSOR, METRICS_EXPORTER};
use serde_json::{Value, json};

/// Receivers that bring no data in (a pipeline fed only by them needs no identity).
const SILENT_RECEIVERS: [&str; 1] = ["nop"];

/// The processor that must run before a pipeline's `batch` when it is added.
const BATCH: &str = "batch";

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Does data enter `pipeline` from outside the collector? Its receivers are
/// not all connectors (their data was stamped in the pipeline that fed
/// them) or silent.
pub fn takes_data_in(config: &Value, pipeline: &Value) -> bool {
    let connectors = config.get("connectors").and_then(Value::as_object);
    strings(pipeline.get("receivers"))
        .iter()
        .any(|r| !SILENT_RECEIVERS.contains(r) && !connectors.is_some_and(|c| c.contains_key(*r)))
}

/// The edits to a collector's config (a draft over the config): the
/// processor's attributes, the processor in every pipeline data enters by,
/// and the metrics exporter's labels where the exporter is kept.
pub fn config_edits(d: &mut Draft<'_>, id: &Identity, label_metrics: bool) {
    let attributes = path(&["processors", CLUSTER_PROCESSOR, "attributes"]);
    for attr in id.processor_attributes() {
        d.upsert(&attributes, "key", attr);
    }
    pipelines(d);
    let metrics = path(&["exporters", METRICS_EXPORTER]);
    if label_metrics {
        match d.get(&metrics) {
            None => d.expect(&metrics),
            Some(_) => {
                for (k, v) in id.labels() {
                    d.set(&join(&metrics, &["external_labels", k]), json!(v));
                }
            }
        }
    }
}

/// Put the processor into every pipeline data enters by, before `batch`
/// (batching last is the collector's documented order) or last.
fn pipelines(d: &mut Draft<'_>) {
    let at = path(&["service", "pipelines"]);
    let Some(Value::Object(pipelines)) = d.get(&at) else {
        return;
    };
    let Some(config) = d.get(&[]) else { return };
    for (name, pipeline) in pipelines {
        let processors = strings(pipeline.get("processors"));
        if processors.contains(&CLUSTER_PROCESSOR) || !takes_data_in(config, pipeline) {
            continue;
        }
        let mut new: Vec<Value> = processors.iter().map(|p| json!(p)).collect();
        let before = processors.iter().position(|p| *p == BATCH);
        new.insert(before.unwrap_or(new.len()), json!(CLUSTER_PROCESSOR));
        let list: Path = vec![
            key("service"),
            key("pipelines"),
            key(name),
            key("processors"),
        ];
        d.set(&list, Value::Array(new));
    }
}

/// The edit to a collector's env (a draft over the resource): the env
/// detector's value, where the collector has the variable or a
/// `resourcedetection` processor runs the `env` detector.
pub fn env_edits(d: &mut Draft<'_>, env: &[&str], config: &Value, id: &Identity) {
    let list = path(env);
    let entry = d.get(&list).and_then(Value::as_array).and_then(|a| {
        a.iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(ENV_VAR))
    });
    if entry.is_none() && !reads_env(config) {
        return;
    }
    let old = entry.and_then(|e| e.get("value")).and_then(Value::as_str);
    let value = id.env_value(old);
    d.upsert(&list, "name", json!({"name": ENV_VAR, "value": value}));
}

/// Does a `resourcedetection` processor of `config` run the `env` detector?
pub fn reads_env(config: &Value) -> bool {
    let Some(processors) = config.get("processors").and_then(Value::as_object) else {
        return false;
    };
    processors.iter().any(|(name, def)| {
        name.split('/').next() == Some("resourcedetection")
            && strings(def.get("detectors")).contains(&"env")
    })
}

/// OpenCost's cluster id variables in the container env list at `env`, where present.
pub fn opencost_edits(d: &mut Draft<'_>, env: &[Seg], id: &Identity) {
    let Some(entries) = d.get(env).and_then(Value::as_array) else {
        return;
    };
    for (var, part) in OPENCOST_VARS {
        let has = entries
            .iter()
            .any(|e| e.get("name").and_then(Value::as_str) == Some(var));
        if has {
            d.upsert(env, "name", json!({"name": var, "value": id.part(part)}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply::apply;

    fn id() -> Identity {
        Identity::new("mgmt-a", "mgmt-ns")
    }

    #[test]
    fn the_env_value_keeps_other_attributes_in_place() {
        let cases = [
            (
                None,
                "k8s.cluster.name=mgmt-a,k8s.cluster.namespace=mgmt-ns",
            ),
            (
                Some("k8s.cluster.name=mothership"),
                "k8s.cluster.name=mgmt-a,k8s.cluster.namespace=mgmt-ns",
            ),
            (
                Some("a=1,k8s.cluster.namespace=x, b=2"),
                "a=1,k8s.cluster.namespace=mgmt-ns,b=2,k8s.cluster.name=mgmt-a",
            ),
            (
                Some(""),
                "k8s.cluster.name=mgmt-a,k8s.cluster.namespace=mgmt-ns",
            ),
        ];
        for (old, want) in cases {
            assert_eq!(id().env_value(old), want, "{old:?}");
        }
    }

    fn run(config: Value) -> (Value, usize) {
        let source = config.clone();
        let mut d = Draft::new(0, &source, Vec::new());
        config_edits(&mut d, &id(), true);
        let n = d
            .edits
            .iter()
            .filter(|e| e.op != crate::edit::Op::Expect)
            .count();
        let mut out = config;
        apply(&mut out, None, &d.edits).unwrap();
        (out, n)
    }

    #[test]
    fn the_processor_joins_every_pipeline_data_enters_by() {
        let config = json!({
            "connectors": {"routing/logs": {}},
            "exporters": {"prometheusremotewrite": {"external_labels": {"x": "y"}}},
            "service": {"pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["k8sattributes", "batch"]},
                "metrics": {"receivers": ["prometheus"]},
                "logs": {"receivers": ["otlp"], "processors": ["resource/k8sclustername", "batch"]},
                "logs/audit": {"receivers": ["routing/logs"]},
                "traces/none": {"receivers": ["nop"], "processors": ["k8sattributes"]}}}});
        let (out, _) = run(config);
        let p = &out["service"]["pipelines"];
        assert_eq!(
            p["traces"]["processors"],
            json!(["k8sattributes", "resource/k8sclustername", "batch"])
        );
        assert_eq!(
            p["metrics"]["processors"],
            json!(["resource/k8sclustername"])
        );
        assert_eq!(
            p["logs"]["processors"],
            json!(["resource/k8sclustername", "batch"])
        );
        assert_eq!(
            p["logs/audit"].get("processors"),
            None,
            "stamped where it was fed"
        );
        assert_eq!(p["traces/none"]["processors"], json!(["k8sattributes"]));
        assert_eq!(
            out["exporters"]["prometheusremotewrite"]["external_labels"],
            json!({"x": "y", "cluster": "mgmt-a", "clusterNamespace": "mgmt-ns"})
        );
        assert_eq!(
            out["processors"][CLUSTER_PROCESSOR]["attributes"][0],
            json!({"action": "upsert", "key": "k8s.cluster.name", "value": "mgmt-a"})
        );
        assert_eq!(run(out).1, 0, "a second run changes nothing");
    }

    #[test]
    fn an_insert_of_the_chart_becomes_an_upsert() {
        let config = json!({"processors": {CLUSTER_PROCESSOR: {"attributes": [
            {"action": "insert", "key": "k8s.cluster.name", "value": "mothership"},
            {"action": "insert", "key": "team", "value": "a"}]}}});
        let (out, _) = run(config);
        let attrs = &out["processors"][CLUSTER_PROCESSOR]["attributes"];
        assert_eq!(attrs[0]["action"], "upsert");
        assert_eq!(attrs[0]["value"], "mgmt-a");
        assert_eq!(attrs[1]["key"], "team", "other attributes stay");
    }

    #[test]
    fn env_is_written_where_it_is_read() {
        let detects = json!({"processors": {"resourcedetection/env": {"detectors": ["env"]}}});
        let cases = [
            (json!({"env": []}), json!({}), None),
            (
                json!({"env": []}),
                detects.clone(),
                Some("k8s.cluster.name=mgmt-a,k8s.cluster.namespace=mgmt-ns"),
            ),
            (
                json!({"env": [{"name": ENV_VAR, "value": "k8s.cluster.name=mothership,x=1"}]}),
                json!({}),
                Some("k8s.cluster.name=mgmt-a,x=1,k8s.cluster.namespace=mgmt-ns"),
            ),
        ];
        for (doc, config, want) in cases {
            let mut d = Draft::new(0, &doc, Vec::new());
            env_edits(&mut d, &["env"], &config, &id());
            let mut out = doc.clone();
            apply(&mut out, None, &d.edits).unwrap();
            let got = out["env"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == ENV_VAR);
            assert_eq!(
                got.and_then(|e| e["value"].as_str()),
                want,
                "{doc} {config}"
            );
        }
    }

    #[test]
    fn opencost_gets_the_name_only_where_it_has_the_variables() {
        let doc = json!({"env": [{"name": "CLUSTER_ID", "value": "mothership"}, {"name": "X", "value": "1"}]});
        let mut d = Draft::new(0, &doc, Vec::new());
        opencost_edits(&mut d, &path(&["env"]), &id());
        let mut out = doc.clone();
        apply(&mut out, None, &d.edits).unwrap();
        assert_eq!(
            out["env"],
            json!([{"name": "CLUSTER_ID", "value": "mgmt-a"}, {"name": "X", "value": "1"}])
        );
    }
}
