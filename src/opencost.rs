//! Stage 3: apply a route's OpenCost settings to the OpenCost Deployment.
//!
//! The container to patch is the one whose env has `PROMETHEUS_SERVER_ENDPOINT`
//! (the query container), found by content, not by name. Env entries are
//! upserted by name; nothing else in the Deployment is touched.

use crate::edit::{Change, Editor};
use crate::routes::OpenCostSpec;
use anyhow::{Result, bail};
use serde_json::{Value, json};

pub const ENDPOINT_VAR: &str = "PROMETHEUS_SERVER_ENDPOINT";

/// Index of the container that queries Prometheus.
pub fn query_container(doc: &Value) -> Option<usize> {
    let containers = doc.pointer("/spec/template/spec/containers")?.as_array()?;
    containers.iter().position(|c| {
        c.get("env").and_then(Value::as_array).is_some_and(|env| {
            env.iter()
                .any(|e| e.get("name").and_then(Value::as_str) == Some(ENDPOINT_VAR))
        })
    })
}

/// Apply `spec` to the OpenCost Deployment `doc`.
pub fn patch(doc: &mut Value, spec: &OpenCostSpec) -> Result<Vec<Change>> {
    let Some(index) = query_container(doc) else {
        bail!("no container in spec.template.spec.containers has {ENDPOINT_VAR} in its env");
    };
    let index = index.to_string();
    let container = ["spec", "template", "spec", "containers", &index];
    let env_path = [&container[..], &["env"]].concat();
    let mut ed = Editor::new(doc);
    for (name, value) in &spec.values {
        ed.upsert_by(&env_path, "name", json!({"name": name, "value": value}))?;
    }
    for secret in &spec.secrets {
        ed.upsert_by(&env_path, "name", secret.entry())?;
    }
    for name in &spec.remove {
        ed.remove_by(&env_path, "name", &json!(name))?;
    }
    for volume in &spec.volumes {
        ed.upsert_by(
            &["spec", "template", "spec", "volumes"],
            "name",
            volume.clone(),
        )?;
    }
    for mount in &spec.volume_mounts {
        ed.upsert_by(
            &[&container[..], &["volumeMounts"]].concat(),
            "name",
            mount.clone(),
        )?;
    }
    Ok(ed.changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::SecretEnv;

    fn deployment(containers: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn spec() -> OpenCostSpec {
        OpenCostSpec {
            values: vec![(
                ENDPOINT_VAR.into(),
                "https://vmauth.d/vm/select/0/prometheus".into(),
            )],
            secrets: vec![SecretEnv::new("DB_BASIC_AUTH_PW", "creds", "password")],
            ..Default::default()
        }
    }

    #[test]
    fn patches_the_query_container_only() {
        let mut doc = deployment(json!([
            {"name": "ui", "env": [{"name": "API_PORT", "value": "9003"}]},
            {"name": "any", "env": [{"name": ENDPOINT_VAR, "value": "http://in"}, {"name": "DB_BASIC_AUTH_PW", "value": "x"}]},
        ]));
        let changes = patch(&mut doc, &spec()).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(
            doc["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "API_PORT", "value": "9003"}])
        );
        assert_eq!(
            doc["spec"]["template"]["spec"]["containers"][1]["env"],
            json!([
                {"name": ENDPOINT_VAR, "value": "https://vmauth.d/vm/select/0/prometheus"},
                {"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
            ])
        );
        assert!(patch(&mut doc, &spec()).unwrap().is_empty());
    }

    #[test]
    fn removes_credentials_and_mounts_a_ca_once() {
        let mut doc = deployment(json!([{"name": "q", "env": [
            {"name": ENDPOINT_VAR, "value": "x"}, {"name": "DB_BASIC_AUTH_PW", "value": "x"}]}]));
        let spec = OpenCostSpec {
            remove: vec!["DB_BASIC_AUTH_PW".into()],
            volumes: vec![json!({"name": "ca"})],
            volume_mounts: vec![json!({"name": "ca", "mountPath": "/ca"})],
            ..Default::default()
        };
        patch(&mut doc, &spec).unwrap();
        assert!(patch(&mut doc, &spec).unwrap().is_empty());
        let pod = &doc["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0]["env"],
            json!([{"name": ENDPOINT_VAR, "value": "x"}])
        );
        assert_eq!(pod["volumes"], json!([{"name": "ca"}]));
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([{"name": "ca", "mountPath": "/ca"}])
        );
    }

    #[test]
    fn refuses_a_deployment_without_the_query_container() {
        let mut doc = deployment(json!([{"name": "ui"}]));
        assert!(
            patch(&mut doc, &spec())
                .unwrap_err()
                .to_string()
                .contains(ENDPOINT_VAR)
        );
    }
}
