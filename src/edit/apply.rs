//! Stage 3, apply: edits onto a parsed resource, through RFC 6902 operations.
//!
//! `lower` is the one place that turns an edit into concrete JSON 6902
//! operations against the value as it is at that moment (a list index, a
//! parent mapping to create). Applying a route and exporting it as patches
//! both go through it, so the two cannot disagree. A config held as a YAML
//! string (v1alpha1) is parsed, edited and written back as a string. This
//! module knows nothing of routes or output formats.

use super::{Edit, Op, Seg, get};
use crate::names::kind_of;
use anyhow::{Result, anyhow, bail};
use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// A path for messages: `exporters.otlphttp/logs`.
pub fn dotted(path: &[Seg]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

pub fn pointer(path: &[Seg]) -> PointerBuf {
    PointerBuf::from_tokens(path.iter().map(|s| match s {
        Seg::Key(k) => k.clone(),
        Seg::Index(i) => i.to_string(),
    }))
}

fn at_index(path: &[Seg], index: &str) -> PointerBuf {
    let mut p = pointer(path);
    p.push_back(index);
    p
}

/// One step down from `v`.
fn child<'v>(v: &'v Value, seg: &Seg) -> Option<&'v Value> {
    match (v, seg) {
        (Value::Object(m), Seg::Key(k)) => m.get(k),
        (Value::Array(a), Seg::Index(i)) => a.get(*i),
        _ => None,
    }
}

/// How deep `path` already exists in `v`: the index of the first segment to
/// create, and whether that segment exists (as a null). A null counts as
/// absent; a scalar on the way is an error. One walk down the path.
fn first_missing(v: &Value, path: &[Seg]) -> Result<(usize, bool)> {
    let mut node = v;
    for depth in 0..path.len().saturating_sub(1) {
        let Some(next) = child(node, &path[depth]) else {
            return Ok((depth, false));
        };
        match next {
            Value::Object(_) => {}
            Value::Array(_) if matches!(path[depth + 1], Seg::Index(_)) => {}
            Value::Null => return Ok((depth, true)),
            other => bail!(
                "{} is a {}, expected a mapping",
                dotted(&path[..=depth]),
                kind_of(other)
            ),
        }
        node = next;
    }
    let last = path.len().saturating_sub(1);
    Ok((
        last,
        path.last().is_some_and(|seg| child(node, seg).is_some()),
    ))
}

/// Operations that set `path` to `value`, creating missing parents in one step.
fn set(v: &Value, path: &[Seg], value: &Value) -> Result<Vec<PatchOperation>> {
    if get(v, path) == Some(value) {
        return Ok(Vec::new());
    }
    let (depth, exists) = first_missing(v, path)?;
    let nested = path[depth + 1..]
        .iter()
        .rev()
        .fold(value.clone(), |inner, seg| {
            let key = match seg {
                Seg::Key(k) => k.clone(),
                Seg::Index(i) => i.to_string(),
            };
            Value::Object(Map::from_iter([(key, inner)]))
        });
    let at = pointer(&path[..=depth]);
    Ok(vec![if exists {
        PatchOperation::Replace(ReplaceOperation {
            path: at,
            value: nested,
        })
    } else {
        PatchOperation::Add(AddOperation {
            path: at,
            value: nested,
        })
    }])
}

/// The list at `path`: `None` when absent or null.
fn list<'v>(v: &'v Value, path: &[Seg]) -> Result<Option<&'v Vec<Value>>> {
    match get(v, path) {
        Some(Value::Array(items)) => Ok(Some(items)),
        None | Some(Value::Null) => Ok(None),
        Some(other) => bail!("{} is a {}, expected a list", dotted(path), kind_of(other)),
    }
}

fn remove_at(path: &[Seg], i: usize) -> PatchOperation {
    PatchOperation::Remove(RemoveOperation {
        path: at_index(path, &i.to_string()),
    })
}

fn append(path: &[Seg], value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: at_index(path, "-"),
        value,
    })
}

/// The JSON 6902 operations that make `edit` on `v` now (`path` relative to `v`).
pub fn lower(v: &Value, path: &[Seg], op: &Op) -> Result<Vec<PatchOperation>> {
    Ok(match op {
        Op::Set(value) => set(v, path, value)?,
        Op::Remove => match get(v, path) {
            Some(_) => vec![PatchOperation::Remove(RemoveOperation {
                path: pointer(path),
            })],
            None => Vec::new(),
        },
        Op::Upsert { key, entry } => {
            let Some(items) = list(v, path)? else {
                return set(v, path, &Value::Array(vec![entry.clone()]));
            };
            let id = entry.get(key);
            let hits: Vec<usize> = (0..items.len())
                .filter(|&i| items[i].get(key) == id)
                .collect();
            let mut ops: Vec<PatchOperation> = hits
                .iter()
                .skip(1)
                .rev()
                .map(|&i| remove_at(path, i))
                .collect();
            match hits.first() {
                Some(&i) if &items[i] == entry => {}
                Some(&i) => ops.push(PatchOperation::Replace(ReplaceOperation {
                    path: at_index(path, &i.to_string()),
                    value: entry.clone(),
                })),
                None => ops.push(append(path, entry.clone())),
            }
            ops
        }
        Op::RemoveWhere { key, id } => match get(v, path) {
            Some(Value::Array(items)) => (0..items.len())
                .rev()
                .filter(|&i| items[i].get(key) == Some(id))
                .map(|i| remove_at(path, i))
                .collect(),
            _ => Vec::new(),
        },
        Op::Append(item) => match list(v, path)? {
            None => set(v, path, &Value::Array(vec![item.clone()]))?,
            Some(items) if items.contains(item) => Vec::new(),
            Some(_) => vec![append(path, item.clone())],
        },
        Op::Expect => Vec::new(),
    })
}

/// Apply `edits` (paths relative to `v`, after dropping `skip` leading segments) in order.
pub fn apply_to(v: &mut Value, edits: &[&Edit], skip: usize) -> Result<()> {
    for edit in edits {
        let path = &edit.path[skip..];
        let ops = lower(v, path, &edit.op)?;
        json_patch::patch(v, &ops).map_err(|e| anyhow!("json-patch: {e}"))?;
    }
    Ok(())
}

/// Apply `edits` to the resource `doc`. Edits under `config` (the kind's
/// config path) go to the config, which is parsed first when it is a string
/// and written back as one.
pub fn apply(doc: &mut Value, config: Option<&[Seg]>, edits: &[Edit]) -> Result<()> {
    let (inside, outside): (Vec<&Edit>, Vec<&Edit>) = edits
        .iter()
        .partition(|e| config.is_some_and(|c| e.path.starts_with(c)));
    if let (Some(config), false) = (config, inside.is_empty()) {
        let slot = get_mut(doc, config).ok_or_else(|| anyhow!("has no {}", dotted(config)))?;
        match slot {
            Value::String(text) => {
                let mut parsed = crate::select::parse_config_text(text)?;
                apply_to(&mut parsed, &inside, config.len())?;
                *slot = Value::String(crate::yaml::emit(&parsed));
            }
            mapping => apply_to(mapping, &inside, config.len())?,
        }
    }
    apply_to(doc, &outside, 0)
}

fn get_mut<'v>(v: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, seg| match (v, seg) {
        (Value::Object(m), Seg::Key(k)) => m.get_mut(k),
        (Value::Array(a), Seg::Index(i)) => a.get_mut(*i),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Draft, path};
    use serde_json::json;

    fn run(doc: &mut Value, build: impl FnOnce(&mut Draft<'_>)) {
        let source = doc.clone();
        let mut d = Draft::new(0, &source, Vec::new());
        build(&mut d);
        apply(doc, Some(&path(&["spec", "config"])), &d.edits).unwrap();
    }

    #[test]
    fn set_creates_parents_and_escapes_slashes() {
        let mut doc = json!({"exporters": {"debug": {}}, "service": null});
        run(&mut doc, |d| {
            d.set(
                &path(&["exporters", "otlphttp/logs", "logs_endpoint"]),
                json!("https://x"),
            );
            d.set(&path(&["service", "extensions"]), json!([]));
        });
        assert_eq!(
            doc,
            json!({"exporters": {"debug": {}, "otlphttp/logs": {"logs_endpoint": "https://x"}}, "service": {"extensions": []}})
        );
        let ops = lower(&doc, &path(&["exporters", "a/b", "c"]), &Op::Set(json!(1))).unwrap();
        assert_eq!(
            serde_json::to_value(&ops).unwrap()[0]["path"],
            "/exporters/a~1b"
        );
    }

    #[test]
    fn a_scalar_on_the_way_is_refused() {
        let doc = json!({"spec": "text"});
        let err = lower(&doc, &path(&["spec", "env"]), &Op::Set(json!([]))).unwrap_err();
        assert_eq!(err.to_string(), "spec is a string, expected a mapping");
    }

    #[test]
    fn upsert_by_name_table() {
        let env = |n: &str, s: &str| json!({"name": n, "valueFrom": {"secretKeyRef": {"name": s}}});
        let cases = [
            (json!(null), json!([env("A", "s")])),
            (
                json!([{"name": "P", "value": "x"}]),
                json!([{"name": "P", "value": "x"}, env("A", "s")]),
            ),
            (
                json!([env("A", "o"), {"name": "B"}]),
                json!([env("A", "s"), {"name": "B"}]),
            ),
            (
                json!([env("A", "x"), env("A", "y")]),
                json!([env("A", "s")]),
            ),
        ];
        for (before, want) in cases {
            let mut doc = json!({ "env": before });
            run(&mut doc, |d| {
                d.upsert(&path(&["env"]), "name", env("A", "s"))
            });
            assert_eq!(doc["env"], want);
            let again = doc.clone();
            let mut d = Draft::new(0, &again, Vec::new());
            d.upsert(&path(&["env"]), "name", env("A", "s"));
            assert!(d.edits.is_empty(), "a second run changes nothing");
        }
    }

    #[test]
    fn append_remove_and_string_configs() {
        let mut doc = json!({"spec": {"config": "service:\n  extensions: [a]\n"}, "env": [{"name": "X"}, {"name": "Y"}]});
        run(&mut doc, |d| {
            d.append(
                &path(&["spec", "config", "service", "extensions"]),
                json!("b"),
            );
            d.remove_where(&path(&["env"]), "name", json!("X"));
        });
        assert_eq!(
            doc["spec"]["config"],
            json!("service:\n  extensions:\n  - a\n  - b\n")
        );
        assert_eq!(doc["env"], json!([{"name": "Y"}]));
    }
}
