//! Fan-out, stage 4 (check): a slow or dead second store can never slow the
//! primary nor receive the whole stream.
//!
//! Rules on a collector's config, run with every other check (after routing
//! and by `kof-route check`): each `kof-kernel` exporter has a bounded queue
//! that never blocks and never waits; a connector used on one side of a
//! pipeline is used on the other, a `forward` or `routing` one with the same
//! signal; no kernel component sits in a primary pipeline (its fork
//! connector excepted); a kernel pipeline is forward -> filter first -> ...
//! -> `batch/kof-kernel` -> one kernel exporter, with no `debug`. It only reads.

use super::{Problem, Severity};
use crate::fanout::owned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn error(message: String) -> Problem {
    Problem {
        severity: Severity::Error,
        message: crate::names::escape(&message).into_owned(),
    }
}

fn list(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The fan-out's problems in one collector's config.
pub fn problems(config: &Value, out: &mut Vec<Problem>) {
    queues(config, out);
    let Some(pipelines) = config
        .pointer("/service/pipelines")
        .and_then(Value::as_object)
    else {
        return;
    };
    let connectors: BTreeSet<&str> = config
        .get("connectors")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    pairing(pipelines, &connectors, out);
    for (name, p) in pipelines {
        match owned(name) {
            true => kernel_pipeline(name, p, &connectors, out),
            false => primary_pipeline(name, p, out),
        }
    }
}

const MAX_QUEUE: u64 = 10_000;

fn queues(config: &Value, out: &mut Vec<Problem>) {
    let Some(exporters) = config.get("exporters").and_then(Value::as_object) else {
        return;
    };
    for (name, def) in exporters.iter().filter(|(n, _)| owned(n)) {
        let (key, q) = match def.get("remote_write_queue") {
            Some(q) => ("remote_write_queue", q),
            None => (
                "sending_queue",
                def.get("sending_queue").unwrap_or(&Value::Null),
            ),
        };
        let at = format!("exporters.{name}.{key}");
        if q.get("enabled") != Some(&Value::Bool(true)) {
            out.push(error(format!("{at}.enabled must be true: a kernel exporter without a queue blocks the primary pipelines")));
        }
        for flag in ["block_on_overflow", "wait_for_result"] {
            if q.get(flag).and_then(Value::as_bool).unwrap_or(false) {
                out.push(error(format!("{at}.{flag} must be false: a slow kernel destination would slow the primary pipelines")));
            }
        }
        if key == "sending_queue" && q.get("blocking").and_then(Value::as_bool).unwrap_or(false) {
            out.push(error(format!("{at}.blocking must be false: a slow kernel destination would slow the primary pipelines")));
        }
        if !q
            .get("queue_size")
            .and_then(Value::as_u64)
            .is_some_and(|n| (1..=MAX_QUEUE).contains(&n))
        {
            out.push(error(format!("{at}.queue_size must be set, from 1 to {MAX_QUEUE}: the kernel queue must stay bounded")));
        }
        if key == "sending_queue" && q.get("storage").is_none() {
            out.push(Problem {
                severity: Severity::Warning,
                message: crate::names::escape(&format!(
                    "{at} is in memory: the kernel still queued is lost if the collector restarts \
                     (the chart's file_storage/exporters directory, KOF 1.10+, keeps it on disk)"
                ))
                .into_owned(),
            });
        }
        if key == "remote_write_queue"
            && def
                .pointer("/sending_queue/block_on_overflow")
                .and_then(Value::as_bool)
                == Some(true)
        {
            out.push(error(format!(
                "exporters.{name}.sending_queue.block_on_overflow must be false"
            )));
        }
    }
}

/// A connector is an exporter of one pipeline and a receiver of another;
/// `forward` and `routing` pass one signal through unchanged.
fn pairing(
    pipelines: &serde_json::Map<String, Value>,
    connectors: &BTreeSet<&str>,
    out: &mut Vec<Problem>,
) {
    let mut sides: BTreeMap<&str, [BTreeSet<&str>; 2]> = BTreeMap::new();
    for (name, p) in pipelines {
        let signal = name.split('/').next().unwrap_or(name);
        for (side, role) in ["exporters", "receivers"].iter().enumerate() {
            for c in list(p.get(*role))
                .into_iter()
                .filter(|c| connectors.contains(c))
            {
                sides.entry(c).or_default()[side].insert(signal);
            }
        }
    }
    for (c, [exports, receives]) in sides {
        let same_signal = c.starts_with("forward") || c.starts_with("routing");
        for signal in exports
            .iter()
            .filter(|s| same_signal && !receives.contains(*s))
        {
            out.push(error(format!(
                "connectors.{c} exports {signal} but no {signal} pipeline receives from it"
            )));
        }
        for signal in receives
            .iter()
            .filter(|s| same_signal && !exports.is_empty() && !exports.contains(*s))
        {
            out.push(error(format!(
                "connectors.{c} feeds a {signal} pipeline but no {signal} pipeline exports to it"
            )));
        }
        if exports.is_empty() || receives.is_empty() {
            let (used, unused) = if exports.is_empty() {
                ("receiver", "exporter")
            } else {
                ("exporter", "receiver")
            };
            if !same_signal || exports.is_empty() {
                out.push(error(format!(
                    "connectors.{c} is used as a {used} but never as an {unused}"
                )));
            }
        }
    }
}

fn primary_pipeline(name: &str, p: &Value, out: &mut Vec<Problem>) {
    for role in ["receivers", "processors", "exporters"] {
        for c in list(p.get(role)).into_iter().filter(|c| owned(c)) {
            if role == "exporters" && c.starts_with("forward/") {
                continue;
            }
            out.push(error(format!(
                "service.pipelines.{name}.{role}: {c:?} is a kernel component in a primary pipeline"
            )));
        }
    }
}

fn kernel_pipeline(name: &str, p: &Value, connectors: &BTreeSet<&str>, out: &mut Vec<Problem>) {
    let at = format!("service.pipelines.{name}");
    let receivers = list(p.get("receivers"));
    if receivers.is_empty()
        || receivers
            .iter()
            .any(|r| !(connectors.contains(r) && r.starts_with("forward/") && owned(r)))
    {
        out.push(error(format!(
            "{at}.receivers must be kernel forward connectors only"
        )));
    }
    let processors = list(p.get("processors"));
    if !processors
        .first()
        .is_some_and(|f| f.starts_with("filter/") && owned(f))
    {
        out.push(error(format!(
            "{at}.processors must start with its kernel filter: the whole stream would leave"
        )));
    }
    if processors.last() != Some(&"batch/kof-kernel") {
        out.push(error(format!(
            "{at}.processors must end with batch/kof-kernel"
        )));
    }
    let exporters = list(p.get("exporters"));
    if exporters.len() != 1 || !owned(exporters[0]) || exporters[0].starts_with("debug") {
        out.push(error(format!(
            "{at}.exporters must be one kernel exporter (no debug)"
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(config: Value) -> Vec<String> {
        let mut out = Vec::new();
        problems(&config, &mut out);
        out.into_iter().map(|p| p.message).collect()
    }

    fn good() -> Value {
        json!({
            "connectors": {"forward/kof-kernel-logs": {}},
            "exporters": {"otlphttp/logs": {}, "otlphttp/kof-kernel": {"sending_queue": {
                "enabled": true, "block_on_overflow": false, "wait_for_result": false, "queue_size": 100,
                "storage": "file_storage/kof-kernel"}}},
            "service": {"pipelines": {
                "logs": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["otlphttp/logs", "forward/kof-kernel-logs"]},
                "logs/kof-kernel": {"receivers": ["forward/kof-kernel-logs"],
                    "processors": ["filter/kof-kernel-logs", "resource/kof-kernel", "batch/kof-kernel"],
                    "exporters": ["otlphttp/kof-kernel"]}}}})
    }

    #[test]
    fn the_written_shape_passes() {
        assert_eq!(messages(good()), Vec::<String>::new());
    }

    #[test]
    fn each_rule_fails_when_broken() {
        type Break = fn(&mut Value);
        let cases: [(Break, &str); 9] = [
            (
                |c| {
                    c["exporters"]["otlphttp/kof-kernel"]["sending_queue"]["block_on_overflow"] =
                        json!(true)
                },
                "block_on_overflow must be false",
            ),
            (
                |c| {
                    c["exporters"]["otlphttp/kof-kernel"]["sending_queue"]["wait_for_result"] =
                        json!(true)
                },
                "wait_for_result must be false",
            ),
            (
                |c| {
                    c["exporters"]["otlphttp/kof-kernel"]["sending_queue"] =
                        json!({"enabled": false})
                },
                "enabled must be true",
            ),
            (
                |c| {
                    c["exporters"]["otlphttp/kof-kernel"]["sending_queue"]["queue_size"] =
                        json!(1_000_000)
                },
                "must stay bounded",
            ),
            (
                |c| c["service"]["pipelines"]["logs/kof-kernel"]["receivers"] = json!(["otlp"]),
                "no logs pipeline receives from it",
            ),
            (
                |c| c["service"]["pipelines"]["logs"]["processors"] = json!(["batch/kof-kernel"]),
                "kernel component in a primary pipeline",
            ),
            (
                |c| {
                    c["service"]["pipelines"]["logs/kof-kernel"]["processors"] =
                        json!(["batch/kof-kernel"])
                },
                "must start with its kernel filter",
            ),
            (
                |c| {
                    c["service"]["pipelines"]["logs/kof-kernel"]["exporters"] =
                        json!(["otlphttp/kof-kernel", "debug"])
                },
                "one kernel exporter",
            ),
            (
                |c| c["service"]["pipelines"]["metrics/kof-kernel"] = json!({"receivers": ["forward/kof-kernel-logs"], "processors": ["filter/kof-kernel-metrics", "batch/kof-kernel"], "exporters": ["otlphttp/kof-kernel"]}),
                "forward",
            ),
        ];
        for (brk, want) in cases {
            let mut c = good();
            brk(&mut c);
            let got = messages(c);
            assert!(got.iter().any(|m| m.contains(want)), "{want}: {got:?}");
        }
    }
}
