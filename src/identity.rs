//! KOF's cluster identity as data: the name and namespace every signal of a
//! collector must carry, and the keys that carry it (resource attributes,
//! metric labels, the env detector's variable, OpenCost's variables).
//!
//! Vocabulary below the stages: `routes` holds an `Identity` in its spec,
//! `edit::identity` drafts it into collectors, `check::identity` checks it.
//! This module reads no document and drafts no edit; it imports no stage.

use serde_json::{Value, json};

/// One cluster's identity, as every signal must carry it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub name: String,
    pub namespace: String,
}

/// Which half of the identity a key carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Name,
    Namespace,
}

/// Resource attributes (OpenTelemetry's Kubernetes semantic conventions).
pub const ATTRIBUTES: [(&str, Part); 2] = [
    ("k8s.cluster.name", Part::Name),
    ("k8s.cluster.namespace", Part::Namespace),
];

/// KOF's metric labels, set as the metrics exporter's `external_labels`.
pub const LABELS: [(&str, Part); 2] = [
    ("cluster", Part::Name),
    ("clusterNamespace", Part::Namespace),
];

/// The env var the `env` detector reads (`key=value,key=value`).
pub const ENV_VAR: &str = "OTEL_RESOURCE_ATTRIBUTES";

/// OpenCost's variables naming its cluster; set only where OpenCost has them.
pub const OPENCOST_VARS: [(&str, Part); 2] =
    [("CLUSTER_ID", Part::Name), ("CLUSTER_NAME", Part::Name)];

impl Identity {
    pub fn new(name: &str, namespace: &str) -> Identity {
        Identity {
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    pub fn part(&self, part: Part) -> &str {
        match part {
            Part::Name => &self.name,
            Part::Namespace => &self.namespace,
        }
    }

    /// The attributes of `resource/k8sclustername`: `upsert`, because the
    /// resource processor's `insert` leaves a value already on the resource
    /// (from the env detector, or from the sender) in place.
    pub fn processor_attributes(&self) -> Vec<Value> {
        ATTRIBUTES
            .iter()
            .map(|(key, part)| json!({"action": "upsert", "key": key, "value": self.part(*part)}))
            .collect()
    }

    /// The metrics exporter's labels.
    pub fn labels(&self) -> Vec<(&'static str, &str)> {
        LABELS.iter().map(|(k, p)| (*k, self.part(*p))).collect()
    }

    /// `old` (an `OTEL_RESOURCE_ATTRIBUTES` value) with the identity's
    /// attributes set: others keep their place, missing ones are appended.
    pub fn env_value(&self, old: Option<&str>) -> String {
        let mut pairs: Vec<(String, String)> = old
            .unwrap_or("")
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), v.to_string()),
                None => (p.trim().to_string(), String::new()),
            })
            .collect();
        for (key, part) in ATTRIBUTES {
            let value = self.part(part).to_string();
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((key.to_string(), value)),
            }
        }
        let joined: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        joined.join(",")
    }
}
