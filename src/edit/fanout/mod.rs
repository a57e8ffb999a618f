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

use super::{Draft, Edit, Path, Seg, apply, path};
use crate::fanout::{AWS_ENV, FanoutSpec, owned};
use crate::select::KindSpec;
use anyhow::Result;
use serde_json::{Value, json};

mod want;
use want::{Want, desired};

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

const SECTIONS: [&str; 4] = ["connectors", "processors", "exporters", "extensions"];

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

/// An env var the fan-out wrote: `KOF_KERNEL_*`, or an AWS key read from
/// the Secret key of its own name (the shape `--fanout s3|cloudwatch`
/// writes; the route's own AWS keys are kept by `route_env`).
fn ours(name: &str, entry: &Value) -> bool {
    let key = entry
        .pointer("/valueFrom/secretKeyRef/key")
        .and_then(Value::as_str);
    name.starts_with("KOF_KERNEL_") || (AWS_ENV.contains(&name) && key == Some(name))
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
