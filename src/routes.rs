//! Route data: one declarative description per route.
//!
//! A route is a `RouteSpec` value (exporters to point or define, extensions,
//! secret-backed env vars, cluster labels, OpenCost settings) built from the
//! validated plan and the KOF conventions table below. It holds no patching
//! logic: `collector.rs` and `opencost.rs` apply any spec the same way, so a new
//! route is new data here, not a new code path.

use crate::plan::{ClusterId, Destination, Plan, Regional};
use serde_json::{Map, Value, json};

/// An env var read from a key of a Kubernetes Secret (a reference, never a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnv {
    pub name: &'static str,
    pub secret: String,
    pub key: &'static str,
}

impl SecretEnv {
    pub fn entry(&self) -> Value {
        json!({"name": self.name, "valueFrom": {"secretKeyRef": {"name": self.secret, "key": self.key}}})
    }
}

/// Point an existing exporter at a new endpoint, with an authenticator.
#[derive(Debug, Clone, PartialEq)]
pub struct Repoint {
    pub exporter: &'static str,
    pub endpoint_key: &'static str,
    pub url: String,
    pub authenticator: &'static str,
}

/// Everything a route does to collectors and to OpenCost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteSpec {
    /// Exporters set to exactly this definition in every collector.
    pub define_exporters: Vec<(&'static str, Value)>,
    /// Exporters defined only where missing.
    pub default_exporters: Vec<(&'static str, Value)>,
    /// Exporters removed; pipelines that used them are rewired.
    pub remove_exporters: Vec<&'static str>,
    /// Per signal (`logs`, `metrics`, `traces`): the exporters a rewired pipeline leads with.
    pub rewire: Vec<(&'static str, Vec<&'static str>)>,
    /// Existing exporters pointed elsewhere.
    pub repoint: Vec<Repoint>,
    /// Extensions set exactly and listed in `service.extensions`.
    pub extensions: Vec<(&'static str, Value)>,
    /// Secret-backed env vars upserted into `spec.env`.
    pub env: Vec<SecretEnv>,
    /// Labels merged into `prometheusremotewrite.external_labels` where it exists.
    pub external_labels: Map<String, Value>,
    /// Attributes upserted by `key` into `processors.resource/k8sclustername`.
    pub cluster_attributes: Vec<Value>,
    /// What OpenCost's query container gets; `None` leaves OpenCost alone.
    pub opencost: Option<OpenCostSpec>,
}

/// OpenCost edits, on the container that has `PROMETHEUS_SERVER_ENDPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCostSpec {
    pub values: Vec<(&'static str, String)>,
    pub secrets: Vec<SecretEnv>,
}

/// The processor every route defines: the chart references it without defining it.
pub const CLUSTER_PROCESSOR: &str = "resource/k8sclustername";
pub const METRICS_EXPORTER: &str = "prometheusremotewrite";

/// What a KOF write endpoint carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    WriteMetrics,
    WriteLogs,
    WriteAuditLogs,
    WriteTraces,
    ReadMetrics,
}

/// KOF's storage exporters: (exporter, endpoint key, purpose, basicauth extension).
pub const KOF_EXPORTERS: [(&str, &str, Purpose, &str); 4] = [
    (
        METRICS_EXPORTER,
        "endpoint",
        Purpose::WriteMetrics,
        "basicauth/metrics",
    ),
    (
        "otlphttp/logs",
        "logs_endpoint",
        Purpose::WriteLogs,
        "basicauth/logs",
    ),
    (
        "otlphttp/logs-audit",
        "logs_endpoint",
        Purpose::WriteAuditLogs,
        "basicauth/logs",
    ),
    (
        "otlphttp/traces",
        "traces_endpoint",
        Purpose::WriteTraces,
        "basicauth/traces",
    ),
];

/// The basicauth extensions KOF uses, in `service.extensions` order.
pub const BASICAUTH: [&str; 3] = ["basicauth/metrics", "basicauth/logs", "basicauth/traces"];

/// Path of each purpose on a regional vmauth.
fn path(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::WriteMetrics => "/vm/insert/0/prometheus/api/v1/write",
        Purpose::WriteLogs => "/vli/insert/opentelemetry/v1/logs",
        Purpose::WriteAuditLogs => "/vlai/insert/opentelemetry/v1/logs",
        Purpose::WriteTraces => "/vti/insert/opentelemetry/v1/traces",
        Purpose::ReadMetrics => "/vm/select/0/prometheus",
    }
}

/// The URL of a regional endpoint.
pub fn regional_url(via: &Regional, purpose: Purpose) -> String {
    match via {
        Regional::Vmauth { domain } => format!("https://vmauth.{domain}{}", path(purpose)),
        Regional::Mesh { cluster } => format!("http://{cluster}-vmauth:8427{}", path(purpose)),
    }
}

fn basicauth() -> Value {
    json!({"client_auth": {"username": "${env:KOF_VM_USER}", "password": "${env:KOF_VM_PASSWORD}"}})
}

fn cluster_labels(spec: &mut RouteSpec, cluster: &ClusterId, with_external_labels: bool) {
    spec.cluster_attributes = vec![
        json!({"action": "insert", "key": "k8s.cluster.name", "value": cluster.name}),
        json!({"action": "insert", "key": "k8s.cluster.namespace", "value": cluster.namespace}),
    ];
    if with_external_labels {
        spec.external_labels
            .insert("cluster".into(), json!(cluster.name));
        spec.external_labels
            .insert("clusterNamespace".into(), json!(cluster.namespace));
    }
}

/// The description of the plan's route.
pub fn spec(plan: &Plan) -> RouteSpec {
    let mut spec = RouteSpec::default();
    match &plan.destination {
        Destination::Local => cluster_labels(&mut spec, &plan.cluster, true),
        Destination::Regional { via, creds_secret } => {
            cluster_labels(&mut spec, &plan.cluster, true);
            spec.repoint = KOF_EXPORTERS
                .iter()
                .map(
                    |&(exporter, endpoint_key, purpose, authenticator)| Repoint {
                        exporter,
                        endpoint_key,
                        url: regional_url(via, purpose),
                        authenticator,
                    },
                )
                .collect();
            spec.extensions = BASICAUTH.iter().map(|&e| (e, basicauth())).collect();
            let creds = |name, key| SecretEnv {
                name,
                secret: creds_secret.clone(),
                key,
            };
            spec.env = vec![
                creds("KOF_VM_USER", "username"),
                creds("KOF_VM_PASSWORD", "password"),
            ];
            spec.opencost = Some(OpenCostSpec {
                values: vec![(
                    "PROMETHEUS_SERVER_ENDPOINT",
                    regional_url(via, Purpose::ReadMetrics),
                )],
                secrets: vec![
                    creds("DB_BASIC_AUTH_USERNAME", "username"),
                    creds("DB_BASIC_AUTH_PW", "password"),
                ],
            });
        }
        Destination::CloudWatch {
            region,
            log_group,
            log_stream,
            secret,
        } => {
            cluster_labels(&mut spec, &plan.cluster, false);
            spec.define_exporters = vec![(
                "awscloudwatchlogs",
                json!({"region": region, "log_group_name": log_group, "log_stream_name": log_stream}),
            )];
            spec.default_exporters = vec![("debug", json!({}))];
            spec.remove_exporters = KOF_EXPORTERS.iter().map(|e| e.0).collect();
            spec.rewire = vec![
                ("logs", vec!["awscloudwatchlogs", "debug"]),
                ("metrics", vec!["debug"]),
                ("traces", vec!["debug"]),
            ];
            let aws = |name| SecretEnv {
                name,
                secret: secret.clone(),
                key: name,
            };
            spec.env = vec![aws("AWS_ACCESS_KEY_ID"), aws("AWS_SECRET_ACCESS_KEY")];
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_endpoints_match_the_spec_table() {
        let vmauth = Regional::Vmauth {
            domain: "d.io".into(),
        };
        let mesh = Regional::Mesh {
            cluster: "r1".into(),
        };
        let cases = [
            (
                &vmauth,
                Purpose::WriteMetrics,
                "https://vmauth.d.io/vm/insert/0/prometheus/api/v1/write",
            ),
            (
                &vmauth,
                Purpose::WriteLogs,
                "https://vmauth.d.io/vli/insert/opentelemetry/v1/logs",
            ),
            (
                &vmauth,
                Purpose::WriteAuditLogs,
                "https://vmauth.d.io/vlai/insert/opentelemetry/v1/logs",
            ),
            (
                &vmauth,
                Purpose::WriteTraces,
                "https://vmauth.d.io/vti/insert/opentelemetry/v1/traces",
            ),
            (
                &vmauth,
                Purpose::ReadMetrics,
                "https://vmauth.d.io/vm/select/0/prometheus",
            ),
            (
                &mesh,
                Purpose::WriteMetrics,
                "http://r1-vmauth:8427/vm/insert/0/prometheus/api/v1/write",
            ),
            (
                &mesh,
                Purpose::WriteLogs,
                "http://r1-vmauth:8427/vli/insert/opentelemetry/v1/logs",
            ),
            (
                &mesh,
                Purpose::WriteAuditLogs,
                "http://r1-vmauth:8427/vlai/insert/opentelemetry/v1/logs",
            ),
            (
                &mesh,
                Purpose::WriteTraces,
                "http://r1-vmauth:8427/vti/insert/opentelemetry/v1/traces",
            ),
            (
                &mesh,
                Purpose::ReadMetrics,
                "http://r1-vmauth:8427/vm/select/0/prometheus",
            ),
        ];
        for (via, purpose, want) in cases {
            assert_eq!(regional_url(via, purpose), want);
        }
    }
}
