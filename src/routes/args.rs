//! Flags, the route's part: every route setting as plain data (`RouteArgs`),
//! a flag, a `KOF_ROUTE_*` variable and a config-file key of the same name;
//! `cli` parses into it, and the builders of `REGISTRY` read it. `--route`'s
//! values come from the registry. Nothing here validates a value beyond its
//! type; it must not import `cli`.

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser};
use std::path::PathBuf;

/// `--route`'s values and their help, from the registry.
fn route_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        super::REGISTRY
            .iter()
            .map(|r| PossibleValue::new(r.name).help(r.about)),
    )
}

/// `--kof-layout`'s values.
fn layouts() -> PossibleValuesParser {
    PossibleValuesParser::new([
        PossibleValue::new("1")
            .alias("1.0")
            .help("KOF 1.x: everything behind vmauth (/vm, /vli, /vlai, /vti)"),
        PossibleValue::new("0.3")
            .help("KOF 0.3: VictoriaLogs at /vls, traces to Jaeger, in-mesh vminsert/vmselect"),
    ])
}

/// The route's settings: every field is a flag, an environment variable and a
/// config-file key of the same name.
#[derive(Args, Debug, Default, Clone)]
pub struct RouteArgs {
    /// Route to apply.
    #[arg(long, env = "KOF_ROUTE", value_parser = route_names())]
    pub route: Option<String>,
    /// Management cluster name, written into cluster labels [default: mothership]
    #[arg(long, env = "KOF_ROUTE_CLUSTER_NAME", value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Management cluster namespace, written into cluster labels [default: kcm-system]
    #[arg(long, env = "KOF_ROUTE_CLUSTER_NAMESPACE", value_name = "NS")]
    pub cluster_namespace: Option<String>,
    /// Regional cluster's domain (vmauth.DOMAIN); required for --route regional
    #[arg(long, env = "KOF_ROUTE_REGIONAL_DOMAIN", value_name = "DOMAIN")]
    pub regional_domain: Option<String>,
    /// Regional cluster's name; required for --route regional-istio
    #[arg(long, env = "KOF_ROUTE_REGIONAL_CLUSTER", value_name = "NAME")]
    pub regional_cluster: Option<String>,
    /// Regional cluster's namespace [default: kcm-system]
    #[arg(long, env = "KOF_ROUTE_REGIONAL_NAMESPACE", value_name = "NS")]
    pub regional_namespace: Option<String>,
    /// Secret with the regional vmuser's username/password [default: computed
    /// from --regional-cluster and --regional-namespace]
    #[arg(long, env = "KOF_ROUTE_CREDS_SECRET", value_name = "NAME")]
    pub creds_secret: Option<String>,
    /// AWS region of the CloudWatch Logs group; required for --route cloudwatch
    #[arg(long, env = "KOF_ROUTE_AWS_REGION", value_name = "REGION")]
    pub aws_region: Option<String>,
    /// CloudWatch Logs group [default: management]
    #[arg(long, env = "KOF_ROUTE_LOG_GROUP", value_name = "NAME")]
    pub log_group: Option<String>,
    /// CloudWatch Logs stream [default: logs]
    #[arg(long, env = "KOF_ROUTE_LOG_STREAM", value_name = "NAME")]
    pub log_stream: Option<String>,
    /// Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY [default: cloudwatch-credentials]
    #[arg(long, env = "KOF_ROUTE_AWS_SECRET", value_name = "NAME")]
    pub aws_secret: Option<String>,
    /// Third-party route: YAML file declaring exporters per signal and their secret refs
    #[arg(long, env = "KOF_ROUTE_EXPORTER_FILE", value_name = "FILE")]
    pub exporter_file: Option<PathBuf>,
    /// Endpoint layout of the regional cluster's KOF release [default: 1]
    #[arg(long, env = "KOF_ROUTE_KOF_LAYOUT", value_parser = layouts(), value_name = "VERSION")]
    pub kof_layout: Option<String>,
    /// Regional routes: URL that replaces the computed metrics write endpoint
    #[arg(long, env = "KOF_ROUTE_WRITE_METRICS_ENDPOINT", value_name = "URL")]
    pub write_metrics_endpoint: Option<String>,
    /// Regional routes: URL that replaces the computed logs write endpoint
    #[arg(long, env = "KOF_ROUTE_WRITE_LOGS_ENDPOINT", value_name = "URL")]
    pub write_logs_endpoint: Option<String>,
    /// Regional routes: URL that replaces the computed audit-logs write endpoint
    #[arg(long, env = "KOF_ROUTE_WRITE_AUDIT_LOGS_ENDPOINT", value_name = "URL")]
    pub write_audit_logs_endpoint: Option<String>,
    /// Regional routes: URL that replaces the computed traces write endpoint
    #[arg(long, env = "KOF_ROUTE_WRITE_TRACES_ENDPOINT", value_name = "URL")]
    pub write_traces_endpoint: Option<String>,
    /// Regional routes: URL that replaces the computed metrics read endpoint (OpenCost)
    #[arg(long, env = "KOF_ROUTE_READ_METRICS_ENDPOINT", value_name = "URL")]
    pub read_metrics_endpoint: Option<String>,
    /// Regional routes: no basic auth (in-mesh setups); no creds secret is used
    #[arg(long, env = "KOF_ROUTE_NO_BASIC_AUTH")]
    pub no_basic_auth: bool,
    /// Regional routes: do not verify the regional cluster's TLS certificate
    #[arg(long, env = "KOF_ROUTE_INSECURE_SKIP_VERIFY")]
    pub insecure_skip_verify: bool,
    /// Regional routes: Secret holding the CA certificate of the regional endpoints
    #[arg(long, env = "KOF_ROUTE_CA_SECRET", value_name = "NAME")]
    pub ca_secret: Option<String>,
    /// Key of the CA certificate in --ca-secret [default: ca.crt]
    #[arg(long, env = "KOF_ROUTE_CA_KEY", value_name = "KEY")]
    pub ca_key: Option<String>,
    /// `kof` umbrella: derive the kof-collectors patches from this render of
    /// the chart (with the release's values) instead of kof-route's model of
    /// the chart version the HelmRelease installs
    #[arg(long, env = "KOF_ROUTE_COLLECTORS_RENDER", value_name = "FILE")]
    pub collectors_render: Option<PathBuf>,
    /// `kof` umbrella: where to take a kof-collectors chart from when
    /// kof-route renders the release with Helm: a chart repository's URL
    /// (https://, oci://) or a folder of chart .tgz files (air-gapped)
    /// [default: the repository the release's HelmChart names]
    #[arg(long, env = "KOF_ROUTE_CHART_REPO", value_name = "URL|DIR")]
    pub chart_repo: Option<String>,
    /// Accept a stream with no OpenTelemetryCollector
    #[arg(long, env = "KOF_ROUTE_ALLOW_MISSING")]
    pub allow_missing: bool,
    /// Write each patched resource anew from its parsed form, instead of
    /// editing it in place (the default keeps every byte the route does not
    /// change: comments, quoting, indentation)
    #[arg(long, env = "KOF_ROUTE_REFORMAT", conflicts_with = "keep_format")]
    pub reformat: bool,
    /// Edit patched documents in place: the default since kof-route made it
    /// as fast as the tree write; accepted so existing scripts keep working
    #[arg(long, env = "KOF_ROUTE_KEEP_FORMAT", hide = true)]
    pub keep_format: bool,
    /// Print a summary of every edit to stderr (secret names, never values)
    #[arg(long, env = "KOF_ROUTE_EXPLAIN")]
    pub explain: bool,
    /// YAML file with these settings, keyed by flag name (e.g. `regional-domain:`)
    #[arg(long, env = "KOF_ROUTE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub fanout: crate::fanout::FanoutArgs,
}
