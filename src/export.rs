//! Output for GitOps: a route's edits as the kustomize patches Flux, Sveltos,
//! Argo CD and kustomize apply.
//!
//! Each edit is lowered by `edit::apply::lower`, the same function that
//! applies it in the main mode, and every operation is preceded by `test`
//! operations on the values it relies on or replaces (`null`: must be absent),
//! so patches applied to a render they were not made from fail loudly instead
//! of routing wrongly. A config held as a YAML string (v1alpha1) is replaced
//! whole, after a `test` of the old string. kustomize skips a patch whose
//! target matches nothing, silently; so each patch is preceded by a guard, a
//! strategic-merge patch without a target that names the resource and
//! changes nothing, which kustomize refuses when no resource has that name
//! ("no resource matches strategic merge patch"). Knows no YAML text and no route.

use crate::edit::apply::{self, lower, pointer};
use crate::edit::{Edit, Op, Seg, get};
use anyhow::{Result, anyhow};
use json_patch::PatchOperation;
use serde_json::{Map, Value, json};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A kustomization's `patches:` list.
    Kustomize,
    /// A Flux `HelmRelease` fragment with `spec.postRenderers`.
    Flux,
    /// A KCM `MultiClusterService` fragment with `spec.serviceSpec.provider.config.patches`.
    Sveltos,
}

/// The kustomize target naming exactly `doc`: group, version, kind, name, namespace.
pub fn target(doc: &Value) -> Value {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str);
    let api = s("/apiVersion").unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let mut t = Map::new();
    if !group.is_empty() {
        t.insert("group".into(), json!(group));
    }
    t.insert("version".into(), json!(version));
    for (key, at) in [
        ("kind", "/kind"),
        ("name", "/metadata/name"),
        ("namespace", "/metadata/namespace"),
    ] {
        if let Some(v) = s(at) {
            t.insert(key.into(), json!(v));
        }
    }
    Value::Object(t)
}

fn test(path: &str, value: Option<&Value>) -> Value {
    json!({"op": "test", "path": path, "value": value.cloned().unwrap_or(Value::Null)})
}

/// Patches end up in Git: a value that may be secret (by `redact`'s rules,
/// inside a config string too) is refused, naming where it sits, never what it is.
fn refuse_secrets(op: &Value) -> Result<()> {
    let Some(v) = op.get("value") else {
        return Ok(());
    };
    let parsed = match v.as_str() {
        Some(text) if text.contains('\n') => crate::yaml::parse_config(text).unwrap_or(Value::Null),
        _ => v.clone(),
    };
    // A value is judged where it sits: `{X-Scope: v}` is a secret as the
    // value of `headers`, `{key: v}` as the value of `api`.
    let path = op["path"].as_str().unwrap_or_default();
    let placed = path
        .rsplit('/')
        .filter(|t| !t.is_empty())
        .fold(parsed, |v, t| {
            let key = t.replace("~1", "/").replace("~0", "~");
            Value::Object([(key, v)].into_iter().collect())
        });
    if crate::redact::redact(&placed) != placed {
        anyhow::bail!(
            "the patch would have to carry a value that may be secret at {} (a literal \
             credential in the render); export writes only references to Secrets",
            op["path"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

/// `test` operations on what `op` relies on in `v`, then `op` itself.
fn guarded(v: &Value, op: &PatchOperation, out: &mut Vec<Value>) -> Result<()> {
    let op_json = serde_json::to_value(op)?;
    let path = op_json["path"].as_str().unwrap_or_default().to_string();
    let at = |p: &str| v.pointer(p);
    match op {
        PatchOperation::Add(_) if path.ends_with("/-") => {
            let list = &path[..path.len() - 2];
            out.push(test(list, at(list)));
        }
        _ => out.push(test(&path, at(&path))),
    }
    out.push(op_json);
    Ok(())
}

/// The JSON 6902 operations, with their `test` preconditions, that make
/// `edits` on the resource `doc` as read. `config` is the kind's config path.
/// Refused when an operation would carry a value that may be secret.
pub fn operations(doc: &Value, config: Option<&[Seg]>, edits: &[Edit]) -> Result<Vec<Value>> {
    let out = operations_carrying_secrets(doc, config, edits)?;
    out.iter().try_for_each(refuse_secrets)?;
    Ok(out)
}

/// As `operations`, without refusing secret values: for tests that apply the
/// operations to the input as another reader reads it; never for output.
pub fn operations_carrying_secrets(
    doc: &Value,
    config: Option<&[Seg]>,
    edits: &[Edit],
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut v = doc.clone();
    let in_string = |e: &Edit| {
        config.is_some_and(|c| e.path.starts_with(c) && get(doc, c).is_some_and(Value::is_string))
    };
    if let Some(c) = config.filter(|_| edits.iter().any(|e| in_string(e) && e.op != Op::Expect)) {
        // The whole string is replaced: its old text is the one precondition.
        let inside: Vec<Edit> = edits.iter().filter(|e| in_string(e)).cloned().collect();
        let mut edited = doc.clone();
        apply::apply(&mut edited, Some(c), &inside)?;
        let at = pointer(c).to_string();
        out.push(test(&at, get(doc, c)));
        let new = get(&edited, c).cloned().unwrap_or(Value::Null);
        out.push(json!({"op": "replace", "path": at, "value": new}));
        v = edited;
    }
    for edit in edits.iter().filter(|e| !in_string(e)) {
        if edit.op == Op::Expect {
            out.push(test(&pointer(&edit.path).to_string(), edit.old.as_ref()));
            continue;
        }
        for op in lower(&v, &edit.path, &edit.op)? {
            guarded(&v, &op, &mut out)?;
            json_patch::patch(&mut v, &[op]).map_err(|e| anyhow!("json-patch: {e}"))?;
        }
    }
    Ok(out)
}

/// One kustomize patch entry: the operations as a YAML string, and the target.
pub fn entry(target: Value, ops: &[Value]) -> Value {
    json!({"patch": crate::yaml::emit(&Value::Array(ops.to_vec())), "target": target})
}

/// A guard for a patch's `target`: a strategic-merge patch naming exactly
/// that resource (apiVersion, kind, name, namespace) and nothing else.
fn guard(target: &Value) -> Value {
    let s = |k: &str| target.get(k).and_then(Value::as_str);
    let api = match (s("group"), s("version")) {
        (Some(g), Some(v)) => format!("{g}/{v}"),
        (None, Some(v)) => v.to_string(),
        (_, None) => String::new(),
    };
    let mut meta = Map::new();
    for key in ["name", "namespace"] {
        if let Some(v) = s(key) {
            meta.insert(key.into(), json!(v));
        }
    }
    let doc = json!({"apiVersion": api, "kind": s("kind"), "metadata": meta});
    json!({"patch": crate::yaml::emit(&doc)})
}

/// `patches` with a guard before each, so a resource missing from the render
/// fails the build instead of leaving its patch unapplied.
pub fn with_guards(patches: Vec<Value>) -> Vec<Value> {
    patches
        .into_iter()
        .flat_map(|p| [guard(&p["target"]), p])
        .collect()
}

/// Names of the fragment that carries the patches (Flux and Sveltos).
#[derive(Debug, Clone)]
pub struct Wrapper {
    pub name: String,
    pub namespace: String,
}

/// The document `format` calls for, holding `patches`, as a value.
pub fn document(format: Format, patches: Vec<Value>, w: &Wrapper) -> Value {
    let patches = with_guards(patches);
    match format {
        Format::Kustomize => Value::Array(patches),
        Format::Flux => json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": w.name, "namespace": w.namespace},
            "spec": {"postRenderers": [{"kustomize": {"patches": patches}}]},
        }),
        Format::Sveltos => json!({
            "apiVersion": "k0rdent.mirantis.com/v1beta1",
            "kind": "MultiClusterService",
            "metadata": {"name": w.name},
            "spec": {"serviceSpec": {"provider": {"config": {"patches": patches}}}},
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Draft, path};

    /// Apply as kustomize does (evanphx/json-patch: a `test` of null passes on an absent key).
    fn apply_ops(doc: &Value, ops: &[Value]) -> Result<Value, String> {
        let mut v = doc.clone();
        for op in ops {
            let absent = v.pointer(op["path"].as_str().unwrap()).is_none();
            if op["op"] == "test" && op["value"].is_null() && absent {
                continue;
            }
            let op: PatchOperation = serde_json::from_value(op.clone()).unwrap();
            json_patch::patch(&mut v, &[op]).map_err(|e| e.to_string())?;
        }
        Ok(v)
    }

    #[test]
    fn every_operation_is_guarded_and_reproduces_apply() {
        let doc = json!({"spec": {"config": {"exporters": {"x": {"endpoint": "a"}}, "service": {"extensions": ["e"]}},
                                  "env": [{"name": "A"}]}});
        let mut d = Draft::new(0, &doc, Vec::new());
        d.set(
            &path(&["spec", "config", "exporters", "x", "endpoint"]),
            json!("b"),
        );
        d.set(
            &path(&["spec", "config", "exporters", "x", "auth", "authenticator"]),
            json!("ba"),
        );
        d.append(
            &path(&["spec", "config", "service", "extensions"]),
            json!("ba"),
        );
        d.upsert(&path(&["spec", "env"]), "name", json!({"name": "B"}));
        d.expect(&path(&["spec", "config", "exporters", "y"]));
        let config = path(&["spec", "config"]);
        let ops = operations(&doc, Some(&config), &d.edits).unwrap();
        let mut applied = doc.clone();
        apply::apply(&mut applied, Some(&config), &d.edits).unwrap();
        assert_eq!(apply_ops(&doc, &ops).unwrap(), applied);
        let tests = ops.iter().filter(|o| o["op"] == "test").count();
        assert_eq!(
            tests,
            ops.len() - tests + 1,
            "one test per change, plus the expectation"
        );
        // A render that differs where the route looked: the patch fails.
        let mut other = doc.clone();
        other["spec"]["config"]["exporters"]["y"] = json!({});
        assert!(apply_ops(&other, &ops).is_err());
        other = doc.clone();
        other["spec"]["env"] = json!([{"name": "A"}, {"name": "B", "value": "x"}]);
        assert!(apply_ops(&other, &ops).is_err());
    }

    #[test]
    fn a_string_config_is_replaced_whole_after_a_test() {
        let doc = json!({"spec": {"config": "exporters:\n  x: {endpoint: a}\n"}});
        let mut d = Draft::new(0, &doc, Vec::new());
        let parsed =
            crate::select::parse_config_text(doc["spec"]["config"].as_str().unwrap()).unwrap();
        let mut c = Draft::new(0, &parsed, path(&["spec", "config"]));
        c.set(&path(&["exporters", "x", "endpoint"]), json!("b"));
        d.edits = c.edits;
        let ops = operations(&doc, Some(&path(&["spec", "config"])), &d.edits).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(
            ops[0],
            json!({"op": "test", "path": "/spec/config", "value": doc["spec"]["config"]})
        );
        assert_eq!(
            ops[1]["value"],
            json!("exporters:\n  x:\n    endpoint: b\n")
        );
    }

    #[test]
    fn a_literal_credential_is_never_exported() {
        let doc = json!({"spec": {"env": [{"name": "DB_BASIC_AUTH_PW", "value": "hunter2"}]}});
        let mut d = Draft::new(0, &doc, Vec::new());
        let entry = json!({"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "password"}}});
        d.upsert(&path(&["spec", "env"]), "name", entry);
        let err = operations(&doc, None, &d.edits).unwrap_err().to_string();
        assert!(
            err.contains("/spec/env") && !err.contains("hunter2"),
            "{err}"
        );
    }

    /// Found by tests/secret_props.rs: a header map judged alone held no
    /// secret-looking key, so a `test` carried the literal header to Git.
    #[test]
    fn a_value_is_judged_where_it_sits() {
        let doc = json!({"spec": {"config": {"exporters": {"x": {
            "headers": {"X-Scope": "hunter2"}, "api": {"key": "hunter3"}}}}}});
        let exporter = ["spec", "config", "exporters", "x"];
        for (key, secret) in [("headers", "hunter2"), ("api", "hunter3")] {
            let mut d = Draft::new(0, &doc, Vec::new());
            d.remove(&crate::edit::join(&path(&exporter), &[key]));
            let err = operations(&doc, None, &d.edits).unwrap_err().to_string();
            assert!(err.contains(key) && !err.contains(secret), "{err}");
        }
    }

    #[test]
    fn targets_are_exact() {
        let doc = json!({"apiVersion": "opentelemetry.io/v1beta1", "kind": "OpenTelemetryCollector",
                         "metadata": {"name": "c", "namespace": "kof"}});
        assert_eq!(
            target(&doc),
            json!({"group": "opentelemetry.io", "version": "v1beta1", "kind": "OpenTelemetryCollector", "name": "c", "namespace": "kof"})
        );
        assert_eq!(
            target(&json!({"apiVersion": "v1", "kind": "Secret"})),
            json!({"version": "v1", "kind": "Secret"})
        );
    }
}
