//! Stage 3, edit: the edits a route makes to the OpenCost Deployment.
//!
//! The containers to edit are those whose env has KOF's endpoint variable (the
//! query containers: every one, so none keeps the local endpoint or its
//! credentials), found by content, not by name; where containers, env,
//! volumes and volumeMounts live comes from the kind table. Env entries are
//! upserted by name; nothing else is touched.

use super::{Draft, Edit, Seg, identity, join, path};
use crate::kof::OPENCOST_ENDPOINT_VAR;
use crate::routes::OpenCostSpec;
use crate::select::KindSpec;
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// The containers' count and the indexes of those that query Prometheus.
pub fn query_containers(doc: &Value, spec: &KindSpec) -> (usize, Vec<usize>) {
    let Some(containers) = spec
        .containers
        .and_then(|c| super::get(doc, &path(c)))
        .and_then(Value::as_array)
    else {
        return (0, Vec::new());
    };
    let queries = |c: &Value| {
        super::get(c, &path(spec.env))
            .and_then(Value::as_array)
            .is_some_and(|env| {
                env.iter()
                    .any(|e| e.get("name").and_then(Value::as_str) == Some(OPENCOST_ENDPOINT_VAR))
            })
    };
    let found = (0..containers.len())
        .filter(|&i| queries(&containers[i]))
        .collect();
    (containers.len(), found)
}

/// The edits `oc` makes to the OpenCost Deployment `doc` (resource `index`).
pub fn edits(index: usize, doc: &Value, spec: &KindSpec, oc: &OpenCostSpec) -> Result<Vec<Edit>> {
    let (count, queries) = query_containers(doc, spec);
    if queries.is_empty() && !oc.routes_queries() {
        return Ok(Vec::new());
    }
    let Some(containers) = spec.containers.filter(|_| !queries.is_empty()) else {
        bail!(
            "no container in {} has {OPENCOST_ENDPOINT_VAR} in its env",
            spec.containers.unwrap_or_default().join(".")
        );
    };
    let container = |i: usize| {
        let mut c = path(containers);
        c.push(Seg::Index(i));
        c
    };
    let mut d = Draft::new(index, doc, Vec::new());
    for &i in &queries {
        let env = join(&container(i), spec.env);
        for (name, value) in &oc.values {
            d.upsert(&env, "name", json!({"name": name, "value": value}));
        }
        for secret in &oc.secrets {
            d.upsert(&env, "name", secret.entry());
        }
        for name in &oc.remove {
            d.remove_where(&env, "name", json!(name));
        }
        if let Some(id) = &oc.identity {
            identity::opencost_edits(&mut d, &env, id);
        }
        for mount in &oc.volume_mounts {
            d.upsert(
                &join(&container(i), spec.volume_mounts),
                "name",
                mount.clone(),
            );
        }
    }
    for volume in &oc.volumes {
        d.upsert(&path(spec.volumes), "name", volume.clone());
    }
    if d.edits.is_empty() && !oc.routes_queries() {
        return Ok(Vec::new());
    }
    // The containers were chosen by their env: a patch must find every
    // container's env as it was.
    let mut expects = Draft::new(index, doc, Vec::new());
    for i in 0..count {
        expects.expect(&join(&container(i), spec.env));
    }
    expects.edits.append(&mut d.edits);
    Ok(expects.edits)
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
    fn every_query_container_is_routed() {
        let q = |name: &str| {
            json!({"name": name, "env": [{"name": OPENCOST_ENDPOINT_VAR, "value": "http://in"},
            {"name": "DB_BASIC_AUTH_PW", "valueFrom": {"secretKeyRef": {"name": "local", "key": "password"}}}]})
        };
        let mut doc = deployment(json!([q("sidecar"), {"name": "ui"}, q("opencost")]));
        assert_eq!(route(&mut doc, &spec()), 4);
        let containers = &doc["spec"]["template"]["spec"]["containers"];
        for i in [0, 2] {
            assert_eq!(
                containers[i]["env"][0]["value"],
                "https://vmauth.d/vm/select/0/prometheus"
            );
            assert_eq!(
                containers[i]["env"][1]["valueFrom"]["secretKeyRef"]["name"],
                "creds"
            );
        }
        assert!(containers[1].get("env").is_none());
    }

    #[test]
    fn refuses_a_deployment_without_the_query_container() {
        let doc = deployment(json!([{"name": "ui"}]));
        let err = edits(0, &doc, &OPENCOST, &spec()).unwrap_err().to_string();
        assert!(err.contains(OPENCOST_ENDPOINT_VAR), "{err}");
    }
}
