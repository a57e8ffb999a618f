//! Route data: one declarative description per route.
//!
//! A route is a `RouteSpec` value (exporters to point or define, extensions,
//! secret-backed env vars, volumes, cluster labels, OpenCost settings) built from
//! the validated plan and the KOF tables below. It holds no patching logic:
//! `collector.rs` and `opencost.rs` apply any spec the same way, so a new route
//! or endpoint layout is new data here, not a new code path.

use crate::cli::Layout;
pub use crate::exporters::SecretEnv;
use crate::exporters::{SIGNALS, ThirdParty};
use crate::plan::{CaRef, ClusterId, Destination, Plan, Purpose, Regional, RegionalPlan};
use serde_json::{Map, Value, json};

/// Point an existing exporter at a new endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Repoint {
    pub exporter: String,
    pub endpoint_key: String,
    pub url: String,
    /// Extension set as `auth.authenticator`; `None` leaves `auth` alone.
    pub authenticator: Option<String>,
    /// Merged into the exporter's `tls`.
    pub tls: Map<String, Value>,
}

/// Everything a route does to collectors and to OpenCost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteSpec {
    /// Exporters set to exactly this definition in every collector.
    pub define_exporters: Vec<(String, Value)>,
    /// Exporters defined only where missing.
    pub default_exporters: Vec<(String, Value)>,
    /// Exporters removed; pipelines that used them are rewired.
    pub remove_exporters: Vec<String>,
    /// Per signal: the exporters a rewired pipeline leads with.
    pub rewire: Vec<(String, Vec<String>)>,
    /// Existing exporters pointed elsewhere.
    pub repoint: Vec<Repoint>,
    /// Extensions set exactly and listed in `service.extensions`.
    pub extensions: Vec<(String, Value)>,
    /// Secret-backed env vars upserted into `spec.env`.
    pub env: Vec<SecretEnv>,
    /// Upserted by name into `spec.volumes` / `spec.volumeMounts`.
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<Value>,
    /// Labels merged into `prometheusremotewrite.external_labels` where it exists.
    pub external_labels: Map<String, Value>,
    /// Attributes upserted by `key` into `processors.resource/k8sclustername`.
    pub cluster_attributes: Vec<Value>,
    /// What OpenCost's query container gets; `None` leaves OpenCost alone.
    pub opencost: Option<OpenCostSpec>,
    /// Printed on stderr whenever the route is used.
    pub warnings: Vec<String>,
}

/// OpenCost edits, on the container that has `PROMETHEUS_SERVER_ENDPOINT`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpenCostSpec {
    pub values: Vec<(String, String)>,
    pub secrets: Vec<SecretEnv>,
    /// Env vars removed (credentials that must not travel to another cluster).
    pub remove: Vec<String>,
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<Value>,
}

/// The processor every route defines: the chart references it without defining it.
pub const CLUSTER_PROCESSOR: &str = "resource/k8sclustername";
pub const METRICS_EXPORTER: &str = "prometheusremotewrite";

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

/// Regional endpoints per KOF layout: (layout, purpose, via vmauth, in mesh).
/// `{D}` is the regional domain, `{R}` the regional cluster's name. KOF 0.3 had
/// no audit-logs store (audit logs go with logs) and took traces in Jaeger; the
/// OTLP exporter's `traces_endpoint` is used as-is, so `/v1/traces` is spelled out.
const ENDPOINTS: [(Layout, Purpose, &str, &str); 10] = [
    (
        Layout::V1,
        Purpose::WriteMetrics,
        "https://vmauth.{D}/vm/insert/0/prometheus/api/v1/write",
        "http://{R}-vmauth:8427/vm/insert/0/prometheus/api/v1/write",
    ),
    (
        Layout::V1,
        Purpose::WriteLogs,
        "https://vmauth.{D}/vli/insert/opentelemetry/v1/logs",
        "http://{R}-vmauth:8427/vli/insert/opentelemetry/v1/logs",
    ),
    (
        Layout::V1,
        Purpose::WriteAuditLogs,
        "https://vmauth.{D}/vlai/insert/opentelemetry/v1/logs",
        "http://{R}-vmauth:8427/vlai/insert/opentelemetry/v1/logs",
    ),
    (
        Layout::V1,
        Purpose::WriteTraces,
        "https://vmauth.{D}/vti/insert/opentelemetry/v1/traces",
        "http://{R}-vmauth:8427/vti/insert/opentelemetry/v1/traces",
    ),
    (
        Layout::V1,
        Purpose::ReadMetrics,
        "https://vmauth.{D}/vm/select/0/prometheus",
        "http://{R}-vmauth:8427/vm/select/0/prometheus",
    ),
    (
        Layout::V03,
        Purpose::WriteMetrics,
        "https://vmauth.{D}/vm/insert/0/prometheus/api/v1/write",
        "http://{R}-vminsert:8480/insert/0/prometheus/api/v1/write",
    ),
    (
        Layout::V03,
        Purpose::WriteLogs,
        "https://vmauth.{D}/vls/insert/opentelemetry/v1/logs",
        "http://{R}-logs:9428/insert/opentelemetry/v1/logs",
    ),
    (
        Layout::V03,
        Purpose::WriteAuditLogs,
        "https://vmauth.{D}/vls/insert/opentelemetry/v1/logs",
        "http://{R}-logs:9428/insert/opentelemetry/v1/logs",
    ),
    (
        Layout::V03,
        Purpose::WriteTraces,
        "https://jaeger.{D}/collector/v1/traces",
        "http://{R}-jaeger-collector:4318/v1/traces",
    ),
    (
        Layout::V03,
        Purpose::ReadMetrics,
        "https://vmauth.{D}/vm/select/0/prometheus",
        "http://{R}-vmselect:8481/select/0/prometheus",
    ),
];

/// Where the CA certificate is mounted, in collectors and in OpenCost.
pub const CA_VOLUME: &str = "kof-route-ca";
pub const CA_DIR: &str = "/etc/kof-route/ca";

/// The URL of a regional endpoint in a layout.
pub fn regional_url(layout: Layout, via: &Regional, purpose: Purpose) -> String {
    let (_, _, vmauth, mesh) = ENDPOINTS
        .iter()
        .find(|(l, p, ..)| *l == layout && *p == purpose)
        .expect("every layout lists every purpose");
    match via {
        Regional::Vmauth { domain } => vmauth.replace("{D}", domain),
        Regional::Mesh { cluster } => mesh.replace("{R}", cluster),
    }
}

fn basicauth() -> Value {
    json!({"client_auth": {"username": "${env:KOF_VM_USER}", "password": "${env:KOF_VM_PASSWORD}"}})
}

fn cluster_labels(spec: &mut RouteSpec, cluster: &ClusterId) {
    spec.cluster_attributes = vec![
        json!({"action": "insert", "key": "k8s.cluster.name", "value": cluster.name}),
        json!({"action": "insert", "key": "k8s.cluster.namespace", "value": cluster.namespace}),
    ];
    spec.external_labels
        .insert("cluster".into(), json!(cluster.name));
    spec.external_labels
        .insert("clusterNamespace".into(), json!(cluster.namespace));
}

/// The description of the plan's route.
pub fn spec(plan: &Plan) -> RouteSpec {
    let mut spec = RouteSpec::default();
    cluster_labels(&mut spec, &plan.cluster);
    match &plan.destination {
        Destination::Local => {}
        Destination::Regional(r) => regional(&mut spec, r),
        Destination::ThirdParty(tp) => third_party(&mut spec, tp),
    }
    spec
}

fn ca_volume(ca: &CaRef) -> (Value, Value) {
    let volume = json!({"name": CA_VOLUME, "secret": {"secretName": ca.secret, "items": [{"key": ca.key, "path": ca.key}]}});
    let mount = json!({"name": CA_VOLUME, "mountPath": CA_DIR, "readOnly": true});
    (volume, mount)
}

fn regional(spec: &mut RouteSpec, r: &RegionalPlan) {
    let url = |p: Purpose| {
        let i = Purpose::ALL
            .iter()
            .position(|x| *x == p)
            .unwrap_or_default();
        r.overrides[i]
            .clone()
            .unwrap_or_else(|| regional_url(r.layout, &r.via, p))
    };
    let mut tls = Map::new();
    if r.insecure_skip_verify {
        tls.insert("insecure_skip_verify".into(), json!(true));
        spec.warnings.push(
            "--insecure-skip-verify: TLS certificates of the regional endpoints are not verified"
                .into(),
        );
    }
    let mut opencost = OpenCostSpec {
        values: vec![(
            "PROMETHEUS_SERVER_ENDPOINT".into(),
            url(Purpose::ReadMetrics),
        )],
        ..Default::default()
    };
    if r.insecure_skip_verify {
        opencost
            .values
            .push(("INSECURE_SKIP_VERIFY".into(), "true".into()));
    }
    if let Some(ca) = &r.ca {
        tls.insert("ca_file".into(), json!(format!("{CA_DIR}/{}", ca.key)));
        let (volume, mount) = ca_volume(ca);
        spec.volumes.push(volume.clone());
        spec.volume_mounts.push(mount.clone());
        // OpenCost is a Go program: Go reads extra CA certificates from SSL_CERT_DIR.
        opencost.values.push(("SSL_CERT_DIR".into(), CA_DIR.into()));
        opencost.volumes.push(volume);
        opencost.volume_mounts.push(mount);
    }
    spec.repoint = KOF_EXPORTERS
        .iter()
        .map(|&(exporter, key, purpose, auth)| Repoint {
            exporter: exporter.into(),
            endpoint_key: key.into(),
            url: url(purpose),
            authenticator: r.creds_secret.as_ref().map(|_| auth.to_string()),
            tls: tls.clone(),
        })
        .collect();
    match &r.creds_secret {
        Some(secret) => {
            spec.extensions = BASICAUTH
                .iter()
                .map(|&e| (e.to_string(), basicauth()))
                .collect();
            spec.env = vec![
                SecretEnv::new("KOF_VM_USER", secret, "username"),
                SecretEnv::new("KOF_VM_PASSWORD", secret, "password"),
            ];
            opencost.secrets = vec![
                SecretEnv::new("DB_BASIC_AUTH_USERNAME", secret, "username"),
                SecretEnv::new("DB_BASIC_AUTH_PW", secret, "password"),
            ];
        }
        None => opencost.remove = vec!["DB_BASIC_AUTH_USERNAME".into(), "DB_BASIC_AUTH_PW".into()],
    }
    spec.opencost = Some(opencost);
}

fn third_party(spec: &mut RouteSpec, tp: &ThirdParty) {
    spec.external_labels.clear();
    spec.define_exporters = tp
        .exporters
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    spec.default_exporters = vec![("debug".into(), json!({}))];
    spec.remove_exporters = KOF_EXPORTERS.iter().map(|e| e.0.to_string()).collect();
    spec.rewire = SIGNALS
        .iter()
        .map(|s| {
            let mut lead = tp.pipelines.of(s).to_vec();
            lead.push("debug".into());
            (s.to_string(), lead)
        })
        .collect();
    spec.env = tp.env.clone();
}

/// What `kof-route routes` prints: (route, what it needs, what it changes).
pub const ROUTE_INFO: [(&str, &str, &str); 5] = [
    (
        "mothership",
        "nothing (--cluster-name, --cluster-namespace optional)",
        "defines processor resource/k8sclustername; adds cluster labels to prometheusremotewrite.external_labels; \
      data stays in the management cluster; OpenCost unchanged",
    ),
    (
        "regional",
        "--regional-domain, and --regional-cluster or --creds-secret",
        "points the four KOF exporters at https://vmauth.DOMAIN with basicauth extensions and KOF_VM_USER/KOF_VM_PASSWORD \
      from the creds secret; cluster labels; OpenCost reads from the regional vmauth",
    ),
    (
        "regional-istio",
        "--regional-cluster",
        "as regional, with in-mesh endpoints http://REGIONAL-vmauth:8427",
    ),
    (
        "cloudwatch",
        "--aws-region (--log-group, --log-stream, --aws-secret optional)",
        "replaces the KOF storage exporters with awscloudwatchlogs (logs) and debug, AWS_* env from the secret; \
      cluster attributes; OpenCost unchanged",
    ),
    (
        "third-party",
        "--exporter-file FILE",
        "replaces the KOF storage exporters with the file's exporters per signal (plus debug), env from the file's \
      secret refs; cluster attributes; OpenCost unchanged",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_the_spec_tables() {
        let vmauth = Regional::Vmauth {
            domain: "d.io".into(),
        };
        let mesh = Regional::Mesh {
            cluster: "r1".into(),
        };
        use Purpose::*;
        let cases = [
            (
                Layout::V1,
                &vmauth,
                WriteMetrics,
                "https://vmauth.d.io/vm/insert/0/prometheus/api/v1/write",
            ),
            (
                Layout::V1,
                &vmauth,
                WriteLogs,
                "https://vmauth.d.io/vli/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V1,
                &vmauth,
                WriteAuditLogs,
                "https://vmauth.d.io/vlai/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V1,
                &vmauth,
                WriteTraces,
                "https://vmauth.d.io/vti/insert/opentelemetry/v1/traces",
            ),
            (
                Layout::V1,
                &vmauth,
                ReadMetrics,
                "https://vmauth.d.io/vm/select/0/prometheus",
            ),
            (
                Layout::V1,
                &mesh,
                WriteMetrics,
                "http://r1-vmauth:8427/vm/insert/0/prometheus/api/v1/write",
            ),
            (
                Layout::V1,
                &mesh,
                WriteLogs,
                "http://r1-vmauth:8427/vli/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V1,
                &mesh,
                WriteAuditLogs,
                "http://r1-vmauth:8427/vlai/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V1,
                &mesh,
                WriteTraces,
                "http://r1-vmauth:8427/vti/insert/opentelemetry/v1/traces",
            ),
            (
                Layout::V1,
                &mesh,
                ReadMetrics,
                "http://r1-vmauth:8427/vm/select/0/prometheus",
            ),
            (
                Layout::V03,
                &vmauth,
                WriteLogs,
                "https://vmauth.d.io/vls/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V03,
                &vmauth,
                WriteTraces,
                "https://jaeger.d.io/collector/v1/traces",
            ),
            (
                Layout::V03,
                &vmauth,
                ReadMetrics,
                "https://vmauth.d.io/vm/select/0/prometheus",
            ),
            (
                Layout::V03,
                &mesh,
                WriteMetrics,
                "http://r1-vminsert:8480/insert/0/prometheus/api/v1/write",
            ),
            (
                Layout::V03,
                &mesh,
                WriteLogs,
                "http://r1-logs:9428/insert/opentelemetry/v1/logs",
            ),
            (
                Layout::V03,
                &mesh,
                WriteTraces,
                "http://r1-jaeger-collector:4318/v1/traces",
            ),
            (
                Layout::V03,
                &mesh,
                ReadMetrics,
                "http://r1-vmselect:8481/select/0/prometheus",
            ),
        ];
        for (layout, via, purpose, want) in cases {
            assert_eq!(regional_url(layout, via, purpose), want);
        }
    }
}
