//! Differential test against Kubernetes' own YAML reader: every document of
//! the routed stream, as Kubernetes reads it, equals the same document of the
//! input as Kubernetes reads it with the route's edits applied.
//!
//! "As Kubernetes reads it" is `kubectl annotate --local -o json`
//! (sigs.k8s.io/yaml over go-yaml v2, what the API server and Helm use). The
//! route's edits are kof-route's own JSON 6902 operations for the resource
//! (`export::operations`), `test` operations included: they are applied to
//! kubectl's reading, so a value kof-route read differently from Kubernetes
//! fails its `test` or shows as a difference. The output is the main mode's
//! (`kof_route::render`). Inputs: the real kof-collectors renders of every
//! version in both dialects, the hostile corpus (files Kubernetes and
//! kof-route both accept).

mod support;

use kof_route::{document, edit, export, render, select};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::kube;

type Key = [String; 4];

fn key(d: &Value) -> Key {
    [
        "/apiVersion",
        "/kind",
        "/metadata/namespace",
        "/metadata/name",
    ]
    .map(|p| {
        d.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    })
}

/// The input as Kubernetes reads it, with kof-route's operations for each
/// routed resource applied; `Err` when an operation does not apply there.
fn expected(args: &[String], input: &[u8], read: Vec<Value>) -> Result<Vec<Value>, String> {
    let plan = support::plan(args);
    let (_, selected) = select(input).map_err(|e| format!("select: {e:#}"))?;
    let mut docs = read;
    for sel in &selected {
        let edits = document::edits(sel, &plan.spec).map_err(|e| format!("{e:#}"))?;
        let config = sel.kind.config.map(edit::path);
        let ops = export::operations_carrying_secrets(&sel.value, config.as_deref(), &edits)
            .map_err(|e| format!("{}: {e:#}", sel.id))?;
        let id = key(&sel.value);
        let doc = docs
            .iter_mut()
            .find(|d| key(d) == id)
            .ok_or_else(|| format!("{}: Kubernetes reads no such resource", sel.id))?;
        for op in ops {
            // kustomize's JSON patch (evanphx/json-patch) passes a `test` of
            // null on an absent path; json_patch does not.
            let path = op["path"].as_str().unwrap_or_default();
            if op["op"] == "test" && op["value"].is_null() && doc.pointer(path).is_none() {
                continue;
            }
            let patch: json_patch::Patch = serde_json::from_value(Value::Array(vec![op.clone()]))
                .map_err(|e| e.to_string())?;
            json_patch::patch(doc, &patch).map_err(|e| {
                format!(
                    "{}: the route's operation {op} on Kubernetes' reading: {e}",
                    sel.id
                )
            })?;
        }
    }
    Ok(docs)
}

struct Case {
    name: String,
    args: Vec<String>,
    input: Vec<u8>,
}

fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let plan = support::plan(&case.args);
    let output = match render(&plan, &case.input) {
        Ok(r) => r.output(),
        // Refusing what Kubernetes cannot read either is agreeing with it.
        Err(_) if !kube::reads(dir, &case.input) => return Ok(()),
        Err(e) => return Err(format!("{}: refused: {e:#}", case.name)),
    };
    let before = kube::as_kubernetes_reads(dir, &case.input);
    let after = kube::as_kubernetes_reads(dir, &output);
    let want =
        expected(&case.args, &case.input, before).map_err(|e| format!("{}: {e}", case.name))?;
    if want.len() != after.len() {
        return Err(format!(
            "{}: {} documents, expected {}",
            case.name,
            after.len(),
            want.len()
        ));
    }
    for (w, a) in want.iter().zip(&after) {
        if w != a {
            return Err(format!(
                "{}: {:?} differs as Kubernetes reads it\n expected: {w}\n      got: {a}",
                case.name,
                key(w)
            ));
        }
    }
    Ok(())
}

// ----- inputs -----------------------------------------------------------------

fn fixtures() -> Vec<Case> {
    let mut cases = Vec::new();
    for version in ["1.8.0", "1.9.0", "1.10.0", "1.11"] {
        for dialect in ["helm3", "helm4"] {
            let path = format!("fixtures/kof-{version}/{dialect}/kof-collectors.yaml");
            let input = support::fixture(&path);
            for (route, args) in support::every_route() {
                cases.push(Case {
                    name: format!("{path} {route}"),
                    args,
                    input: input.clone(),
                });
            }
        }
    }
    cases
}

#[test]
fn the_real_renders_read_as_kubernetes_reads_them_plus_the_edits() {
    kube::run_all(&fixtures(), check);
}

/// The hostile corpus: every file both Kubernetes and kof-route accept.
#[test]
fn the_hostile_corpus_reads_as_kubernetes_reads_it_plus_the_edits() {
    let dir = support::root().join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let probe = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for file in files {
        let input = std::fs::read(&file).unwrap();
        if !kube::reads(probe.path(), &input) {
            continue;
        }
        // Two resources of the same name: which one an edit was for is not
        // in Kubernetes' reading.
        let read = kube::as_kubernetes_reads(probe.path(), &input);
        if read.windows(2).any(|w| key(&w[0]) == key(&w[1])) {
            continue;
        }
        for (route, args) in support::every_route() {
            if render(&support::plan(&args), &input).is_ok() {
                let name = format!("{} {route}", file.file_name().unwrap().to_string_lossy());
                cases.push(Case {
                    name,
                    args,
                    input: input.clone(),
                });
            }
        }
    }
    assert!(
        cases.len() >= 40,
        "only {} hostile cases are accepted by both",
        cases.len()
    );
    kube::run_all(&cases, check);
}
