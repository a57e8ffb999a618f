//! Real Kubernetes tools for the differential tests: kustomize (`kubectl
//! kustomize`) and Kubernetes' own YAML reader (`kubectl annotate --local -o
//! json` reads each document as the API server would).
//!
//! kubectl: `$KOF_ROUTE_KUBECTL`, else `target/e2e-bin/kubectl` (installed by
//! `tests/e2e/setup.sh` where kubectl is missing), else `kubectl` on PATH.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

pub fn kubectl() -> PathBuf {
    if let Some(k) = std::env::var_os("KOF_ROUTE_KUBECTL") {
        return k.into();
    }
    let local = super::root().join("target/e2e-bin/kubectl");
    if local.is_file() {
        local
    } else {
        "kubectl".into()
    }
}

/// The documents of a YAML stream as Kubernetes reads them, in stream order
/// (several documents come back from kubectl as one `List`); or kubectl's error.
pub fn read(dir: &Path, yaml: &[u8]) -> Result<Vec<Value>, String> {
    let file = dir.join("read.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(kubectl())
        .args([
            "annotate",
            "--local",
            "-o",
            "json",
            "kof-route-probe-",
            "-f",
        ])
        .arg(&file)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let docs: Vec<Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    Ok(match docs.as_slice() {
        [one] if one["kind"] == "List" => one["items"].as_array().unwrap().clone(),
        _ => docs,
    })
}

/// Whether Kubernetes reads every document of a YAML stream.
#[allow(dead_code)]
pub fn reads(dir: &Path, yaml: &[u8]) -> bool {
    read(dir, yaml).is_ok()
}

/// What names a resource: apiVersion, kind, namespace, name.
pub fn key(d: &Value) -> [String; 4] {
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

/// The documents of a YAML stream as Kubernetes reads them, in a stable order.
#[allow(dead_code)]
pub fn as_kubernetes_reads(dir: &Path, yaml: &[u8]) -> Vec<Value> {
    let mut docs = read(dir, yaml).unwrap_or_else(|e| panic!("kubectl annotate: {e}"));
    docs.sort_by_key(key);
    docs
}

/// As `as_kubernetes_reads`, as the API server stores them: a field set to
/// null is the field absent. A built-in kind decodes into Go structs, where
/// null is the zero value; a custom resource's nulls are pruned wherever its
/// CRD's schema does not mark the field `nullable` (structural schemas,
/// Kubernetes 1.20+; the collectors' CRD marks none). kustomize's strategic
/// merge drops such nulls, and kof-route's guards (strategic-merge patches
/// that name a resource and change nothing) trigger it.
#[allow(dead_code)]
pub fn as_stored(dir: &Path, yaml: &[u8]) -> Vec<Value> {
    fn drop_nulls(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.retain(|_, v| !v.is_null());
                m.values_mut().for_each(drop_nulls);
            }
            Value::Array(l) => l.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }
    let mut docs = as_kubernetes_reads(dir, yaml);
    docs.iter_mut().for_each(drop_nulls);
    docs
}

/// kustomize over `render` with `patches`: its output, or its error.
pub fn kustomize(dir: &Path, render: &Path, patches: &Value) -> Result<Vec<u8>, String> {
    std::fs::copy(render, dir.join("render.yaml")).unwrap();
    let k = json!({"resources": ["render.yaml"], "patches": patches});
    std::fs::write(dir.join("kustomization.yaml"), kof_route::yaml::emit(&k)).unwrap();
    let out = Command::new(kubectl())
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap();
    match out.status.success() {
        true => Ok(out.stdout),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

/// Run `cases` on both cores, collecting failures instead of stopping at the first.
pub fn run_all<T: Sync>(cases: &[T], check: impl Fn(&T, &Path) -> Result<(), String> + Sync) {
    let failures = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let dir = tempfile::tempdir().unwrap();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    if let Err(e) = check(case, dir.path()) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The input as Kubernetes reads it, with kof-route's operations for each
/// routed resource applied; `Err` when an operation does not apply there.
pub fn routed_reading(
    args: &[String],
    input: &[u8],
    read: Vec<Value>,
) -> Result<Vec<Value>, String> {
    let plan = super::plan(args);
    let (_, selected) = kof_route::select(input).map_err(|e| format!("select: {e:#}"))?;
    let mut docs = read;
    for sel in &selected {
        let edits = kof_route::document::edits(sel, &plan.spec).map_err(|e| format!("{e:#}"))?;
        let config = sel.kind.config.map(kof_route::edit::path);
        let ops =
            kof_route::export::operations_carrying_secrets(&sel.value, config.as_deref(), &edits)
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
            let op = as_kubernetes_reads_numbers(op);
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

/// `v` with each float Kubernetes would read as an integer made one:
/// sigs.k8s.io/yaml writes a float64 as JSON with Go's shortest format
/// (`1e3` as `1000`, `-1e11` as `-100000000000`, `1e21` as `1e+21`), and the
/// API machinery reads a JSON number without a fraction or exponent as int64.
fn as_kubernetes_reads_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 && f.abs() < 9.2e18 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(as_kubernetes_reads_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, as_kubernetes_reads_numbers(x)))
                .collect(),
        ),
        other => other,
    }
}
