//! Flags: the command line, its environment variables and the config file, as
//! plain data.
//!
//! Nothing here validates or interprets a value beyond its type: `plan.rs` turns
//! these fields into a checked `Plan` once. The config file uses the flags' own
//! names as keys; a flag (or its environment variable) beats the file.

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;
use std::path::PathBuf;

/// Route a kof-collectors release's data: a Helm post-renderer for k0rdent KOF.
///
/// Reads rendered manifests on stdin, patches the OpenTelemetryCollector and
/// OpenCost resources for one route, and writes the stream to stdout.
#[derive(Parser, Debug)]
#[command(name = "kof-route", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub args: RouteArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check `helm template` output for collector problems, without patching.
    ///
    /// Prints a report per collector; exits 1 when there is an error.
    Check {
        /// Manifest stream to check (default: stdin).
        file: Option<PathBuf>,
    },
    /// Show what the route would change: a unified diff of the patched documents.
    ///
    /// With --exit-code, exits 0 when nothing would change and 3 when something would.
    Diff {
        /// Manifest stream to read (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
        /// Colour the diff
        #[arg(long, value_enum, default_value_t = Color::Auto, env = "KOF_ROUTE_COLOR")]
        color: Color,
        /// Exit 3 when the route would change something, 0 when not
        #[arg(long)]
        exit_code: bool,
    },
    /// List the routes, what each needs and what it changes.
    Routes,
    /// Print a shell completion script.
    Completions {
        /// Shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff), generated from these same definitions.
    Man,
    /// Print the last failure recorded while running as a Helm plugin.
    ///
    /// Helm 4 discards a post-renderer's messages; kof-route keeps the last one.
    LastError,
}

/// When to colour output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Shells kof-route writes completions for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Which KOF release's endpoint layout the regional cluster serves.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Layout {
    /// KOF 1.x: everything behind vmauth (`/vm`, `/vli`, `/vlai`, `/vti`).
    #[default]
    #[value(name = "1")]
    V1,
    /// KOF 0.3: VictoriaLogs at `/vls`, traces to Jaeger, in-mesh vminsert/vmselect.
    #[value(name = "0.3")]
    V03,
}

impl<'de> Deserialize<'de> for Layout {
    /// Accepts `0.3` whether the YAML file wrote it as a number or a string.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match text.as_str() {
            "1" | "1.0" => Ok(Layout::V1),
            "0.3" => Ok(Layout::V03),
            _ => Err(serde::de::Error::custom(format!(
                "kof-layout: {text:?} is not a known layout (1 or 0.3)"
            ))),
        }
    }
}

/// Where the management cluster's data goes.
#[derive(ValueEnum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RouteName {
    /// Keep data in the management cluster's own storage.
    Mothership,
    /// Send data to a regional cluster's vmauth over HTTPS.
    Regional,
    /// Send data to a regional cluster's vmauth inside the Istio mesh.
    RegionalIstio,
    /// Send logs to AWS CloudWatch Logs; metrics and traces go to debug only.
    Cloudwatch,
    /// Send data to exporters declared in --exporter-file.
    ThirdParty,
}

/// The route's settings: every field is a flag, an environment variable and a
/// config-file key of the same name.
#[derive(Args, Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RouteArgs {
    /// Route to apply.
    #[arg(long, env = "KOF_ROUTE", value_enum)]
    pub route: Option<RouteName>,
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
    #[arg(long, env = "KOF_ROUTE_KOF_LAYOUT", value_enum, value_name = "VERSION")]
    pub kof_layout: Option<Layout>,
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
    #[serde(default)]
    pub no_basic_auth: bool,
    /// Regional routes: do not verify the regional cluster's TLS certificate
    #[arg(long, env = "KOF_ROUTE_INSECURE_SKIP_VERIFY")]
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// Regional routes: Secret holding the CA certificate of the regional endpoints
    #[arg(long, env = "KOF_ROUTE_CA_SECRET", value_name = "NAME")]
    pub ca_secret: Option<String>,
    /// Key of the CA certificate in --ca-secret [default: ca.crt]
    #[arg(long, env = "KOF_ROUTE_CA_KEY", value_name = "KEY")]
    pub ca_key: Option<String>,
    /// Accept a stream with no OpenTelemetryCollector
    #[arg(long, env = "KOF_ROUTE_ALLOW_MISSING")]
    #[serde(default)]
    pub allow_missing: bool,
    /// Print a summary of every edit to stderr (secret names, never values)
    #[arg(long, env = "KOF_ROUTE_EXPLAIN")]
    #[serde(skip)]
    pub explain: bool,
    /// YAML file with these settings, keyed by flag name (e.g. `regional-domain:`)
    #[arg(long, env = "KOF_ROUTE_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
}

impl RouteArgs {
    /// Fill every setting the command line left open from `file`.
    pub fn or_file(self, file: RouteArgs) -> RouteArgs {
        RouteArgs {
            route: self.route.or(file.route),
            cluster_name: self.cluster_name.or(file.cluster_name),
            cluster_namespace: self.cluster_namespace.or(file.cluster_namespace),
            regional_domain: self.regional_domain.or(file.regional_domain),
            regional_cluster: self.regional_cluster.or(file.regional_cluster),
            regional_namespace: self.regional_namespace.or(file.regional_namespace),
            creds_secret: self.creds_secret.or(file.creds_secret),
            aws_region: self.aws_region.or(file.aws_region),
            log_group: self.log_group.or(file.log_group),
            log_stream: self.log_stream.or(file.log_stream),
            aws_secret: self.aws_secret.or(file.aws_secret),
            exporter_file: self.exporter_file.or(file.exporter_file),
            kof_layout: self.kof_layout.or(file.kof_layout),
            write_metrics_endpoint: self.write_metrics_endpoint.or(file.write_metrics_endpoint),
            write_logs_endpoint: self.write_logs_endpoint.or(file.write_logs_endpoint),
            write_audit_logs_endpoint: self
                .write_audit_logs_endpoint
                .or(file.write_audit_logs_endpoint),
            write_traces_endpoint: self.write_traces_endpoint.or(file.write_traces_endpoint),
            read_metrics_endpoint: self.read_metrics_endpoint.or(file.read_metrics_endpoint),
            no_basic_auth: self.no_basic_auth || file.no_basic_auth,
            insecure_skip_verify: self.insecure_skip_verify || file.insecure_skip_verify,
            ca_secret: self.ca_secret.or(file.ca_secret),
            ca_key: self.ca_key.or(file.ca_key),
            allow_missing: self.allow_missing || file.allow_missing,
            explain: self.explain,
            config: self.config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn both_flag_spellings_parse() {
        let a = Cli::try_parse_from(["kof-route", "--route=regional", "--regional-domain", "d.io"])
            .unwrap();
        assert_eq!(a.args.route, Some(RouteName::Regional));
        assert_eq!(a.args.regional_domain.as_deref(), Some("d.io"));
    }

    #[test]
    fn flags_beat_the_file() {
        let file = RouteArgs {
            route: Some(RouteName::Cloudwatch),
            log_group: Some("g".into()),
            ..Default::default()
        };
        let flags = RouteArgs {
            route: Some(RouteName::Mothership),
            ..Default::default()
        };
        let merged = flags.or_file(file);
        assert_eq!(merged.route, Some(RouteName::Mothership));
        assert_eq!(merged.log_group.as_deref(), Some("g"));
    }
}
