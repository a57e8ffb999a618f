//! Stage 4, check: do all signals of a collector carry one cluster identity?
//!
//! For every pipeline data enters by (`edit::identity::takes_data_in`), the
//! value each identity attribute ends with is worked out from the processors
//! that decide resource attributes, in pipeline order, after their upstream
//! documentation: `resource` (the attributes processor's actions: `insert`
//! only where absent, `update` only where present, `upsert` always, `delete`)
//! and `resourcedetection` with the `env` detector (`OTEL_RESOURCE_ATTRIBUTES`
//! from `spec.env`; with `override: false` it never replaces a value already
//! there; `override` defaults to true). Metrics pipelines that export with
//! `prometheusremotewrite` add its `external_labels`. Receivers are taken to
//! bring no identity. Other processors (transform, cloud detectors) are not
//! modelled. Only reads; the values it prints are cluster names, never other
//! values it reads.

use super::{Problem, error, list};
use crate::edit::identity::takes_data_in;
use crate::identity::{ATTRIBUTES, ENV_VAR, LABELS, Part};
use crate::kof::METRICS_EXPORTER;
use serde_json::Value;

/// One place a signal's identity comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub pipeline: String,
    /// The attribute or label that carries it.
    pub key: &'static str,
    pub part: Part,
    /// `None`: nothing sets it.
    pub value: Option<String>,
    /// Where the value comes from, as a config path.
    pub source: String,
}

/// `key=value` pairs of the collector's `OTEL_RESOURCE_ATTRIBUTES`.
fn env_attributes(doc: &Value) -> Vec<(String, String)> {
    let env = doc.get("spec").and_then(|s| s.get("env"));
    let entry = env.and_then(Value::as_array).and_then(|a| {
        a.iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(ENV_VAR))
    });
    let text = match entry {
        Some(e) => match e.get("value").and_then(Value::as_str) {
            Some(text) => text.to_string(),
            // Read at run time from elsewhere: no value kof-route can know.
            None => return vec![],
        },
        None => return vec![],
    };
    text.split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// A value and where it came from; `None` while nothing has set it.
type Held = Option<(String, String)>;

/// What `resource` processor `name` (definition `def`) leaves for `key`.
fn resource(name: &str, def: &Value, key: &str, now: Held) -> Held {
    let actions = def.get("attributes").and_then(Value::as_array);
    let mut now = now;
    for a in actions.into_iter().flatten() {
        if a.get("key").and_then(Value::as_str) != Some(key) {
            continue;
        }
        let value = match (a.get("value"), a.get("from_attribute")) {
            (Some(v), _) => v.as_str().map_or_else(|| v.to_string(), str::to_string),
            (None, Some(from)) => format!("<from attribute {from}>"),
            (None, None) => String::new(),
        };
        let action = a.get("action").and_then(Value::as_str).unwrap_or("");
        let set = Some((value, format!("processors.{name}, {action}")));
        now = match action {
            "insert" if now.is_none() => set,
            "update" if now.is_some() => set,
            "upsert" => set,
            "delete" => None,
            _ => now,
        };
    }
    now
}

/// What `resourcedetection` processor `name` leaves for `key`.
fn detection(name: &str, def: &Value, key: &str, env: &[(String, String)], now: Held) -> Held {
    if !list(def.get("detectors")).contains(&"env") {
        return now;
    }
    let Some((_, value)) = env.iter().find(|(k, _)| k == key) else {
        return now;
    };
    let overrides = def.get("override").and_then(Value::as_bool).unwrap_or(true);
    if now.is_some() && !overrides {
        return now;
    }
    let source = format!("spec.env {ENV_VAR} read by processors.{name}");
    Some((value.clone(), source))
}

/// The kind of a processor name (`resource/x` is a `resource`).
fn kind(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

/// Every identity value the collector's signals would carry.
pub fn seen(doc: &Value, config: &Value) -> Vec<Seen> {
    let env = env_attributes(doc);
    let processors = config.get("processors");
    let Some(pipelines) = config
        .get("service")
        .and_then(|s| s.get("pipelines"))
        .and_then(Value::as_object)
    else {
        return vec![];
    };
    let mut out = Vec::new();
    for (pipeline, def) in pipelines {
        if !takes_data_in(config, def) {
            continue;
        }
        for (key, part) in ATTRIBUTES {
            let mut now: Held = None;
            for p in list(def.get("processors")) {
                let Some(pdef) = processors.and_then(|ps| ps.get(p)) else {
                    continue;
                };
                now = match kind(p) {
                    "resource" => resource(p, pdef, key, now),
                    "resourcedetection" => detection(p, pdef, key, &env, now),
                    _ => now,
                };
            }
            let (value, source) = match now {
                Some((v, s)) => (Some(v), s),
                None => (None, "nothing sets it".to_string()),
            };
            out.push(Seen {
                pipeline: pipeline.clone(),
                key,
                part,
                value,
                source,
            });
        }
        if pipeline.split('/').next() == Some("metrics")
            && list(def.get("exporters")).contains(&METRICS_EXPORTER)
        {
            let labels = config
                .get("exporters")
                .and_then(|e| e.get(METRICS_EXPORTER))
                .and_then(|e| e.get("external_labels"));
            for (key, part) in LABELS {
                let value = labels.and_then(|l| l.get(key)).and_then(Value::as_str);
                out.push(Seen {
                    pipeline: pipeline.clone(),
                    key,
                    part,
                    value: value.map(str::to_string),
                    source: match value {
                        Some(_) => format!("exporters.{METRICS_EXPORTER}.external_labels"),
                        None => "nothing sets it".to_string(),
                    },
                });
            }
        }
    }
    out
}

/// The message's opening words, which `report` recognises.
pub const DIFFERS: &str = "signals would carry different cluster ";

/// One error per identity part whose values differ between signals.
pub fn problems(doc: &Value, config: &Value, out: &mut Vec<Problem>) {
    let all = seen(doc, config);
    for (part, word) in [(Part::Name, "names"), (Part::Namespace, "namespaces")] {
        let mine: Vec<&Seen> = all.iter().filter(|s| s.part == part).collect();
        let mut values: Vec<&Option<String>> = mine.iter().map(|s| &s.value).collect();
        values.sort();
        values.dedup();
        if values.len() < 2 {
            continue;
        }
        let groups: Vec<String> = values
            .iter()
            .map(|v| {
                let shown = match v {
                    Some(v) => format!("{:?}", crate::redact::shown(v)),
                    None => "none".to_string(),
                };
                let places: Vec<String> = mine
                    .iter()
                    .filter(|s| &&s.value == v)
                    .map(|s| format!("service.pipelines.{} {} ({})", s.pipeline, s.key, s.source))
                    .collect();
                format!("{shown} in {}", places.join(", "))
            })
            .collect();
        out.push(error(format!("{DIFFERS}{word}: {}", groups.join("; "))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(env: &str) -> Value {
        json!({"spec": {"env": [{"name": ENV_VAR, "value": env}]}})
    }

    fn config(processors: Value, pipeline: &[&str]) -> Value {
        json!({"processors": processors, "exporters": {"prometheusremotewrite": {"external_labels": {"cluster": "a", "clusterNamespace": "n"}}},
               "service": {"pipelines": {"logs": {"receivers": ["otlp"], "processors": pipeline, "exporters": ["x"]}}}})
    }

    fn name_in_logs(env: &str, processors: Value, pipeline: &[&str]) -> (Option<String>, String) {
        let s = seen(&doc(env), &config(processors, pipeline));
        let s = s.into_iter().find(|s| s.key == "k8s.cluster.name").unwrap();
        (s.value, s.source)
    }

    /// The processors' documented semantics, one row each.
    #[test]
    fn models_resource_actions_and_the_env_detector() {
        let res = |action: &str| json!({"attributes": [{"key": "k8s.cluster.name", "value": "r", "action": action}]});
        let det = |o: bool| json!({"detectors": ["env", "system"], "override": o});
        let env = "k8s.cluster.name=e";
        #[rustfmt::skip]
        let cases: [(Value, &[&str], Option<&str>); 8] = [
            (json!({"resourcedetection": det(false), "resource/c": res("insert")}), &["resourcedetection", "resource/c"], Some("e")),
            (json!({"resourcedetection": det(false), "resource/c": res("upsert")}), &["resourcedetection", "resource/c"], Some("r")),
            (json!({"resourcedetection": det(false), "resource/c": res("insert")}), &["resource/c", "resourcedetection"], Some("r")),
            (json!({"resourcedetection": det(true), "resource/c": res("insert")}), &["resource/c", "resourcedetection"], Some("e")),
            (json!({"resourcedetection": {"detectors": ["env"]}, "resource/c": res("insert")}), &["resource/c", "resourcedetection"], Some("e")),
            (json!({"resource/c": res("update")}), &["resource/c"], None),
            (json!({"resourcedetection": det(false), "resource/c": res("delete")}), &["resourcedetection", "resource/c"], None),
            (json!({"resourcedetection": {"detectors": ["system"]}}), &["resourcedetection"], None),
        ];
        for (i, (procs, order, want)) in cases.into_iter().enumerate() {
            let (got, _) = name_in_logs(env, procs, order);
            assert_eq!(got.as_deref(), want, "case {i}");
        }
    }

    #[test]
    fn differing_signals_name_pipeline_and_source() {
        let mut c = config(
            json!({"resourcedetection": {"detectors": ["env"], "override": false},
                   "resource/k8sclustername": {"attributes": [{"key": "k8s.cluster.name", "value": "a", "action": "insert"},
                                                              {"key": "k8s.cluster.namespace", "value": "n", "action": "insert"}]}}),
            &["resourcedetection", "resource/k8sclustername"],
        );
        c["service"]["pipelines"]["metrics"] = json!({"receivers": ["prometheus"],
            "processors": ["resource/k8sclustername"], "exporters": ["prometheusremotewrite"]});
        let mut out = Vec::new();
        problems(&doc("k8s.cluster.name=mothership"), &c, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            out[0].message,
            "signals would carry different cluster names: \
             \"a\" in service.pipelines.metrics k8s.cluster.name (processors.resource/k8sclustername, insert), \
             service.pipelines.metrics cluster (exporters.prometheusremotewrite.external_labels); \
             \"mothership\" in service.pipelines.logs k8s.cluster.name (spec.env OTEL_RESOURCE_ATTRIBUTES read by processors.resourcedetection)"
        );
        c["processors"]["resource/k8sclustername"]["attributes"][0]["action"] = json!("upsert");
        let mut out = Vec::new();
        problems(&doc("k8s.cluster.name=mothership"), &c, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    type Values = Vec<Option<String>>;

    /// Each collector's identity values: (collector, name values, namespace values).
    fn identities(stream: &[u8]) -> Vec<(String, Values, Values)> {
        let (_, selected) = crate::select(stream).unwrap();
        let collectors = selected
            .iter()
            .filter(|s| s.kind.role == crate::select::Role::Collector);
        collectors
            .map(|sel| {
                let config = crate::select::config_of(&sel.value, sel.kind).unwrap();
                let all = seen(&sel.value, &config);
                let values = |part| {
                    let mut v: Values = all
                        .iter()
                        .filter(|s| s.part == part)
                        .map(|s| s.value.clone())
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                (
                    sel.id.to_string(),
                    values(Part::Name),
                    values(Part::Namespace),
                )
            })
            .collect()
    }

    /// Issue 26's acceptance: a custom identity is the one identity of every
    /// signal of every collector, on every chart version, dialect and route.
    #[test]
    fn every_route_gives_every_render_one_identity() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut renders = 0;
        for version in ["1.8.0", "1.9.0", "1.10.0", "1.11"] {
            for dialect in ["helm3", "helm4"] {
                let file = format!("{root}/fixtures/kof-{version}/{dialect}/kof-collectors.yaml");
                let input = std::fs::read(&file).unwrap();
                let before = identities(&input);
                assert!(
                    before.iter().any(|(_, n, ns)| n.len() > 1 || ns.len() > 1),
                    "{file}: the chart's collectors disagree before routing"
                );
                for route in &crate::routes::REGISTRY {
                    let argv = ["kof-route", "--route", route.name]
                        .into_iter()
                        .chain(route.example.iter().copied())
                        .chain(["--cluster-name=mgmt-a", "--cluster-namespace=mgmt-ns"]);
                    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(argv).unwrap();
                    let plan = crate::cli::plan::Plan::build(&cli.args).unwrap();
                    let output = crate::render(&plan, &input).unwrap().output();
                    let after = identities(&output);
                    assert_eq!(after.len(), 4, "{file} {}", route.name);
                    for (id, names, namespaces) in after {
                        let at = format!("{file} --route {} {id}", route.name);
                        assert_eq!(names, [Some("mgmt-a".to_string())], "{at}");
                        assert_eq!(namespaces, [Some("mgmt-ns".to_string())], "{at}");
                    }
                    renders += 1;
                }
            }
        }
        assert_eq!(renders, 8 * crate::routes::REGISTRY.len());
    }
}
