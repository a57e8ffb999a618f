//! Stage 3, edit: the edits a route makes to the OpenCost Deployment.
//!
//! The container to edit is the one whose env has KOF's endpoint variable (the
//! query container), found by content, not by name; where containers, env,
//! volumes and volumeMounts live comes from the kind table. Env entries are
//! upserted by name; nothing else is touched.

use super::{Draft, Edit, Seg, join, path};
use crate::kof::OPENCOST_ENDPOINT_VAR;
use crate::routes::OpenCostSpec;
use crate::select::KindSpec;
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// Index of the container that queries Prometheus.
pub fn query_container(doc: &Value, spec: &KindSpec) -> Option<usize> {
    let containers = super::get(doc, &path(spec.containers?))?.as_array()?;
    containers.iter().position(|c| {
        super::get(c, &path(spec.env))
            .and_then(Value::as_array)
            .is_some_and(|env| {
                env.iter()
                    .any(|e| e.get("name").and_then(Value::as_str) == Some(OPENCOST_ENDPOINT_VAR))
            })
    })
}

/// The edits `oc` makes to the OpenCost Deployment `doc` (resource `index`).
pub fn edits(index: usize, doc: &Value, spec: &KindSpec, oc: &OpenCostSpec) -> Result<Vec<Edit>> {
    let (Some(containers), Some(i)) = (spec.containers, query_container(doc, spec)) else {
        bail!(
            "no container in {} has {OPENCOST_ENDPOINT_VAR} in its env",
            spec.containers.unwrap_or_default().join(".")
        );
    };
    let mut container = path(containers);
    container.push(Seg::Index(i));
    let env = join(&container, spec.env);
    let mut d = Draft::new(index, doc, Vec::new());
    // The container was chosen by its env: a patch must find that env as it was.
    d.expect(&env);
    for (name, value) in &oc.values {
        d.upsert(&env, "name", json!({"name": name, "value": value}));
    }
    for secret in &oc.secrets {
        d.upsert(&env, "name", secret.entry());
    }
    for name in &oc.remove {
        d.remove_where(&env, "name", json!(name));
    }
    for volume in &oc.volumes {
        d.upsert(&path(spec.volumes), "name", volume.clone());
    }
    for mount in &oc.volume_mounts {
        d.upsert(&join(&container, spec.volume_mounts), "name", mount.clone());
    }
    Ok(d.edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Op, apply::apply};
    use crate::routes::SecretEnv;
    use crate::select::OPENCOST;

    fn deployment(containers: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn route(doc: &mut Value, oc: &OpenCostSpec) -> usize {
        let edits = edits(0, doc, &OPENCOST, oc).unwrap();
        apply(doc, None, &edits).unwrap();
        edits.iter().filter(|e| e.op != Op::Expect).count()
    }

    fn spec() -> OpenCostSpec {
        OpenCostSpec {
            values: vec![(
                OPENCOST_ENDPOINT_VAR.into(),
                "https://vmauth.d/vm/select/0/prometheus".into(),
            )],
            secrets: vec![SecretEnv::new("DB_BASIC_AUTH_PW", "creds", "password")],
            ..Default::default()
        }
    }

    #[test]
    fn edits_the_query_container_only() {
        let mut doc = deployment(json!([
            {"name": "ui", "env": [{"name": "API_PORT", "value": "9003"}]},
            {"name": "any", "env": [{"name": OPENCOST_ENDPOINT_VAR, "value": "http://in"}, {"name": "DB_BASIC_AUTH_PW", "value": "x"}]},
        ]));
        assert_eq!(route(&mut doc, &spec()), 2);
        let containers = &doc["spec"]["template"]["spec"]["containers"];
        assert_eq!(
            containers[0]["env"],
            json!([{"name": "API_PORT", "value": "9003"}])
        );
        assert_eq!(
            containers[1]["env"],
            json!([
                {"name": OPENCOST_ENDPOINT_VAR, "value": "https://vmauth.d/vm/select/0/prometheus"},
                {"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
            ])
        );
        assert_eq!(route(&mut doc, &spec()), 0);
    }

    #[test]
    fn removes_credentials_and_mounts_a_ca_once() {
        let mut doc = deployment(json!([{"name": "q", "env": [
            {"name": OPENCOST_ENDPOINT_VAR, "value": "x"}, {"name": "DB_BASIC_AUTH_PW", "value": "x"}]}]));
        let oc = OpenCostSpec {
            remove: vec!["DB_BASIC_AUTH_PW".into()],
            volumes: vec![json!({"name": "ca"})],
            volume_mounts: vec![json!({"name": "ca", "mountPath": "/ca"})],
            ..Default::default()
        };
        route(&mut doc, &oc);
        assert_eq!(route(&mut doc, &oc), 0);
        let pod = &doc["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0]["env"],
            json!([{"name": OPENCOST_ENDPOINT_VAR, "value": "x"}])
        );
        assert_eq!(pod["volumes"], json!([{"name": "ca"}]));
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([{"name": "ca", "mountPath": "/ca"}])
        );
    }

    #[test]
    fn refuses_a_deployment_without_the_query_container() {
        let doc = deployment(json!([{"name": "ui"}]));
        let err = edits(0, &doc, &OPENCOST, &spec()).unwrap_err().to_string();
        assert!(err.contains(OPENCOST_ENDPOINT_VAR), "{err}");
    }
}
