//! KOF's vocabulary, as tables: the exporters KOF's charts define, what each
//! endpoint carries and which flag overrides it, the regional endpoints per
//! layout, the basicauth extensions, credential env names, the `${env:NAME}`
//! references of a collector config and secret naming.
//!
//! A new KOF exporter is one row of `EXPORTERS`; a new endpoint layout is a
//! column of `ENDPOINTS`. This module holds data and pure functions over it:
//! it must not read flags, documents or know which route uses what.

/// What a KOF endpoint carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    WriteMetrics,
    WriteLogs,
    WriteAuditLogs,
    WriteTraces,
    ReadMetrics,
}

/// Each purpose with the flag that overrides its URL, in the order flags are listed.
pub const PURPOSES: [(Purpose, &str); 5] = [
    (Purpose::WriteMetrics, "write-metrics-endpoint"),
    (Purpose::WriteLogs, "write-logs-endpoint"),
    (Purpose::WriteAuditLogs, "write-audit-logs-endpoint"),
    (Purpose::WriteTraces, "write-traces-endpoint"),
    (Purpose::ReadMetrics, "read-metrics-endpoint"),
];

/// One exporter KOF's collectors send to storage with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exporter {
    pub name: &'static str,
    /// The key of its config that holds the URL.
    pub endpoint_key: &'static str,
    pub purpose: Purpose,
    /// The basicauth extension it authenticates with on a regional route.
    pub authenticator: &'static str,
}

/// The metrics exporter, which also carries the cluster's external labels.
pub const METRICS_EXPORTER: &str = "prometheusremotewrite";

/// KOF's storage exporters.
pub const EXPORTERS: &[Exporter] = &[
    Exporter {
        name: METRICS_EXPORTER,
        endpoint_key: "endpoint",
        purpose: Purpose::WriteMetrics,
        authenticator: "basicauth/metrics",
    },
    Exporter {
        name: "otlphttp/logs",
        endpoint_key: "logs_endpoint",
        purpose: Purpose::WriteLogs,
        authenticator: "basicauth/logs",
    },
    Exporter {
        name: "otlphttp/logs-audit",
        endpoint_key: "logs_endpoint",
        purpose: Purpose::WriteAuditLogs,
        authenticator: "basicauth/logs",
    },
    Exporter {
        name: "otlphttp/traces",
        endpoint_key: "traces_endpoint",
        purpose: Purpose::WriteTraces,
        authenticator: "basicauth/traces",
    },
];

/// Exporters the chart itself defines besides KOF's storage exporters.
const CHART_EXPORTERS: [&str; 2] = ["debug", "nop"];

/// Is `name` an exporter KOF's chart or routes own (a third-party exporter may not take it)?
pub fn owns_exporter(name: &str) -> bool {
    EXPORTERS.iter().any(|e| e.name == name) || CHART_EXPORTERS.contains(&name)
}

/// Names KOF owns, for messages, in table order.
pub fn owned_exporters() -> Vec<&'static str> {
    EXPORTERS
        .iter()
        .map(|e| e.name)
        .chain(CHART_EXPORTERS)
        .collect()
}

/// The basicauth extensions KOF's exporters use, once each, in `service.extensions` order.
pub fn basicauth_extensions() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in EXPORTERS {
        if !out.contains(&e.authenticator) {
            out.push(e.authenticator);
        }
    }
    out
}

/// The processor every route defines: the chart references it without defining it.
pub const CLUSTER_PROCESSOR: &str = "resource/k8sclustername";

/// The exporter a rerouted pipeline always keeps, and its definition.
pub const DEBUG_EXPORTER: &str = "debug";

/// The signals a pipeline carries (a pipeline `logs/audit` carries `logs`).
pub const SIGNALS: [&str; 3] = ["logs", "metrics", "traces"];

/// Collector env vars holding the regional vmuser's credentials: (env, Secret key).
pub const VM_CREDENTIALS: [(&str, &str); 2] =
    [("KOF_VM_USER", "username"), ("KOF_VM_PASSWORD", "password")];

/// OpenCost's env vars for the same credentials: (env, Secret key).
pub const OPENCOST_CREDENTIALS: [(&str, &str); 2] = [
    ("DB_BASIC_AUTH_USERNAME", "username"),
    ("DB_BASIC_AUTH_PW", "password"),
];

/// OpenCost's env var naming the Prometheus it reads from; it marks the query container.
pub const OPENCOST_ENDPOINT_VAR: &str = "PROMETHEUS_SERVER_ENDPOINT";

/// Env vars whose absence breaks a route: KOF's storage credentials and AWS's.
pub fn is_credential_var(name: &str) -> bool {
    VM_CREDENTIALS.iter().any(|(n, _)| *n == name) || name.starts_with("AWS_")
}

/// Where the CA certificate is mounted, in collectors and in OpenCost.
pub const CA_VOLUME: &str = "kof-route-ca";
pub const CA_DIR: &str = "/etc/kof-route/ca";

/// Which KOF release's endpoint layout the regional cluster serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// KOF 1.x: everything behind vmauth (`/vm`, `/vli`, `/vlai`, `/vti`).
    #[default]
    V1,
    /// KOF 0.3: VictoriaLogs at `/vls`, traces to Jaeger, in-mesh vminsert/vmselect.
    V03,
}

/// How the regional cluster is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regional {
    /// `https://vmauth.DOMAIN`
    Vmauth { domain: String },
    /// In-mesh services named after the regional cluster.
    Mesh { cluster: String },
}

/// Regional endpoints per KOF layout: (layout, purpose, via vmauth, in mesh).
/// `{D}` is the regional domain, `{R}` the regional cluster's name. KOF 0.3 had
/// no audit-logs store (audit logs go with logs) and took traces in Jaeger; the
/// OTLP exporter's `traces_endpoint` is used as-is, so `/v1/traces` is spelled out.
#[rustfmt::skip]
const ENDPOINTS: [(Layout, Purpose, &str, &str); 10] = [
    (Layout::V1, Purpose::WriteMetrics, "https://vmauth.{D}/vm/insert/0/prometheus/api/v1/write", "http://{R}-vmauth:8427/vm/insert/0/prometheus/api/v1/write"),
    (Layout::V1, Purpose::WriteLogs, "https://vmauth.{D}/vli/insert/opentelemetry/v1/logs", "http://{R}-vmauth:8427/vli/insert/opentelemetry/v1/logs"),
    (Layout::V1, Purpose::WriteAuditLogs, "https://vmauth.{D}/vlai/insert/opentelemetry/v1/logs", "http://{R}-vmauth:8427/vlai/insert/opentelemetry/v1/logs"),
    (Layout::V1, Purpose::WriteTraces, "https://vmauth.{D}/vti/insert/opentelemetry/v1/traces", "http://{R}-vmauth:8427/vti/insert/opentelemetry/v1/traces"),
    (Layout::V1, Purpose::ReadMetrics, "https://vmauth.{D}/vm/select/0/prometheus", "http://{R}-vmauth:8427/vm/select/0/prometheus"),
    (Layout::V03, Purpose::WriteMetrics, "https://vmauth.{D}/vm/insert/0/prometheus/api/v1/write", "http://{R}-vminsert:8480/insert/0/prometheus/api/v1/write"),
    (Layout::V03, Purpose::WriteLogs, "https://vmauth.{D}/vls/insert/opentelemetry/v1/logs", "http://{R}-logs:9428/insert/opentelemetry/v1/logs"),
    (Layout::V03, Purpose::WriteAuditLogs, "https://vmauth.{D}/vls/insert/opentelemetry/v1/logs", "http://{R}-logs:9428/insert/opentelemetry/v1/logs"),
    (Layout::V03, Purpose::WriteTraces, "https://jaeger.{D}/collector/v1/traces", "http://{R}-jaeger-collector:4318/v1/traces"),
    (Layout::V03, Purpose::ReadMetrics, "https://vmauth.{D}/vm/select/0/prometheus", "http://{R}-vmselect:8481/select/0/prometheus"),
];

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

/// The kof-collectors chart versions kof-route knows, each with its model:
/// the collectors and OpenCost Deployment of the real render (release
/// `kof-collectors`, namespace `kof`, KOF's documented values), byte for byte.
/// `tests/umbrella.rs` holds each model to its real render.
pub const CHART_MODELS: [(&str, &str); 4] = [
    (
        "1.8.0",
        include_str!("../fixtures/models/kof-collectors-1.8.0.yaml"),
    ),
    (
        "1.9.0",
        include_str!("../fixtures/models/kof-collectors-1.9.0.yaml"),
    ),
    (
        "1.10.0",
        include_str!("../fixtures/models/kof-collectors-1.10.0.yaml"),
    ),
    (
        "1.11.0-rc0",
        include_str!("../fixtures/models/kof-collectors-1.11.0-rc0.yaml"),
    ),
];

/// Values of a kof-collectors release that the collectors and OpenCost are made
/// from (`*`: any key): where a HelmRelease sets one of them differently from
/// the values the models were rendered with (`MODEL_VALUES`), the model does
/// not describe its render. `--collectors-render` takes a real render instead.
pub const VALUES_THAT_SHAPE_COLLECTORS: [&[&str]; 8] = [
    &["opentelemetry-kube-stack", "clusterName"],
    &["opentelemetry-kube-stack", "defaultCRConfig"],
    &["opentelemetry-kube-stack", "collectors", "*", "config"],
    &["opentelemetry-kube-stack", "collectors", "*", "env"],
    &["opentelemetry-kube-stack", "collectors", "*", "envFrom"],
    &["opentelemetry-kube-stack", "collectors", "*", "volumes"],
    &[
        "opentelemetry-kube-stack",
        "collectors",
        "*",
        "volumeMounts",
    ],
    &["opencost", "opencost"],
];

/// The values the models were rendered with (`fixtures/kof-*/values.yaml`).
pub const MODEL_VALUES: [(&[&str], &str); 2] = [
    (&["kcm", "monitoring"], "true"),
    (&["opentelemetry-kube-stack", "clusterName"], "mothership"),
];

/// The chart KOF's management collectors come from, and the umbrella's kof-child.
pub const COLLECTORS_CHART: &str = "kof-collectors";
pub const CHILD_CHART: &str = "kof-child";

/// kof-child's values that route the management cluster (KOF 1.10+), and
/// which route settings they carry: (setting's flag, path under `spec.values`).
pub const CHILD_TO_MANAGEMENT: &[&str] = &["fromManagement", "toManagementCluster", "enabled"];
pub const CHILD_TO_REGIONAL: &[&str] = &["fromManagement", "toRegionalCluster", "name"];
pub const CHILD_CARRIES: [(&str, &[&str]); 4] = [
    ("cluster-name", &["fromManagement", "cluster", "name"]),
    (
        "cluster-namespace",
        &["fromManagement", "cluster", "namespace"],
    ),
    ("regional-cluster", CHILD_TO_REGIONAL),
    (
        "regional-namespace",
        &["fromManagement", "toRegionalCluster", "namespace"],
    ),
];

/// Adler-32, as KOF's operator uses it to name the management vmuser secret.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// The secret KOF's operator creates for the management cluster in a regional one.
pub fn creds_secret_for(regional: &str, namespace: &str) -> String {
    let sum = adler32(format!("kof-{regional}/{namespace}").as_bytes());
    format!("kof-vmuser-creds-admin-{sum}")
}

/// Names in a collector config's `${env:NAME}` references (skipping `$${...}` escapes and `:-` defaults).
pub fn env_references(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    if memchr::memchr(b'$', text.as_bytes()).is_none() {
        return found;
    }
    let mut rest = text;
    while let Some(at) = rest.find("${env:") {
        let escaped = at > 0 && rest.as_bytes()[at - 1] == b'$';
        let after = &rest[at + 6..];
        let end = after.find('}').unwrap_or(after.len());
        let inner = &after[..end];
        if !escaped && !inner.contains(":-") && !inner.is_empty() {
            found.push(inner);
        }
        rest = after;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_the_creds_secret_like_kof() {
        assert_eq!(
            creds_secret_for("regional-1", "kcm-system"),
            "kof-vmuser-creds-admin-2020280665"
        );
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn derived_lists_follow_the_exporter_table() {
        assert_eq!(
            basicauth_extensions(),
            ["basicauth/metrics", "basicauth/logs", "basicauth/traces"]
        );
        assert_eq!(
            owned_exporters(),
            [
                "prometheusremotewrite",
                "otlphttp/logs",
                "otlphttp/logs-audit",
                "otlphttp/traces",
                "debug",
                "nop"
            ]
        );
        assert!(is_credential_var("KOF_VM_PASSWORD") && is_credential_var("AWS_REGION"));
        assert!(!is_credential_var("MY_POD_IP"));
    }

    #[test]
    fn endpoints_match_the_spec_tables() {
        let vmauth = Regional::Vmauth {
            domain: "d.io".into(),
        };
        let mesh = Regional::Mesh {
            cluster: "r1".into(),
        };
        use Purpose::*;
        #[rustfmt::skip]
        let cases = [
            (Layout::V1, &vmauth, WriteMetrics, "https://vmauth.d.io/vm/insert/0/prometheus/api/v1/write"),
            (Layout::V1, &vmauth, WriteLogs, "https://vmauth.d.io/vli/insert/opentelemetry/v1/logs"),
            (Layout::V1, &vmauth, WriteAuditLogs, "https://vmauth.d.io/vlai/insert/opentelemetry/v1/logs"),
            (Layout::V1, &vmauth, WriteTraces, "https://vmauth.d.io/vti/insert/opentelemetry/v1/traces"),
            (Layout::V1, &vmauth, ReadMetrics, "https://vmauth.d.io/vm/select/0/prometheus"),
            (Layout::V1, &mesh, WriteMetrics, "http://r1-vmauth:8427/vm/insert/0/prometheus/api/v1/write"),
            (Layout::V1, &mesh, WriteLogs, "http://r1-vmauth:8427/vli/insert/opentelemetry/v1/logs"),
            (Layout::V1, &mesh, WriteAuditLogs, "http://r1-vmauth:8427/vlai/insert/opentelemetry/v1/logs"),
            (Layout::V1, &mesh, WriteTraces, "http://r1-vmauth:8427/vti/insert/opentelemetry/v1/traces"),
            (Layout::V1, &mesh, ReadMetrics, "http://r1-vmauth:8427/vm/select/0/prometheus"),
            (Layout::V03, &vmauth, WriteLogs, "https://vmauth.d.io/vls/insert/opentelemetry/v1/logs"),
            (Layout::V03, &vmauth, WriteTraces, "https://jaeger.d.io/collector/v1/traces"),
            (Layout::V03, &vmauth, ReadMetrics, "https://vmauth.d.io/vm/select/0/prometheus"),
            (Layout::V03, &mesh, WriteMetrics, "http://r1-vminsert:8480/insert/0/prometheus/api/v1/write"),
            (Layout::V03, &mesh, WriteLogs, "http://r1-logs:9428/insert/opentelemetry/v1/logs"),
            (Layout::V03, &mesh, WriteTraces, "http://r1-jaeger-collector:4318/v1/traces"),
            (Layout::V03, &mesh, ReadMetrics, "http://r1-vmselect:8481/select/0/prometheus"),
        ];
        for (layout, via, purpose, want) in cases {
            assert_eq!(regional_url(layout, via, purpose), want);
        }
    }
}
