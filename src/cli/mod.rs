//! Flags: the command line, its environment variables and the config file, as
//! plain data (ripgrep's "low args").
//!
//! Nothing here validates or interprets a value beyond its type: `plan` turns
//! these fields into a checked `Plan` once. The config file is turned into
//! flags and read by this same parser (`config`); a flag beats its environment
//! variable, which beats the file. Route names come from the registry.

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub mod config;
pub mod docs;
pub mod plan;
mod settings;
pub use settings::Setting;

/// Route a kof-collectors release's data: a Helm post-renderer for k0rdent KOF.
///
/// Reads rendered manifests on stdin (or FILE), patches the OpenTelemetryCollector
/// and OpenCost resources for one route, and writes the stream to stdout.
/// Every run that routes (this, `diff`, `export`) keeps its messages for `kof-route log`.
#[derive(Parser, Debug)]
#[command(name = "kof-route", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Manifest stream to route (default: stdin, as Helm passes it).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub args: RouteArgs,
}

/// The main mode's command line alone: `Cli` without its subcommands. The
/// Helm post-renderer's call is parsed with it (`config::parse`), since
/// building every subcommand's copy of the route flags was half of the
/// parse (0.22 M of 0.46 M instructions on kof-collectors, callgrind).
/// Only a successful parse is taken from it; every other outcome (help,
/// version, errors) comes from `Cli`. Its fields must stay `Cli`'s.
#[derive(Parser, Debug)]
#[command(name = "kof-route", version)]
pub(crate) struct MainCli {
    /// Manifest stream to route (default: stdin, as Helm passes it).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    args: RouteArgs,
}

/// The words `Cli` reads as a subcommand (names, aliases and clap's `help`):
/// a command line holding none of them is the main mode's.
pub(crate) const SUBCOMMAND_WORDS: [&str; 10] = [
    "check",
    "kernel",
    "diff",
    "export",
    "routes",
    "completions",
    "man",
    "log",
    "last-error",
    "help",
];

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check `helm template` output for collector problems, without patching.
    ///
    /// Prints a report per collector; exits 1 when there is an error. Without
    /// --route, the chart's known gap (pipelines use the processor
    /// resource/k8sclustername, which every route defines, and signals carry
    /// different cluster identities, which every route unifies) is a warning; with
    /// --route and its settings, checks what the route would write.
    Check {
        /// Manifest stream to check (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
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
    /// Export the route as the kustomize patches Flux, Sveltos, Argo CD and kustomize apply.
    ///
    /// Reads a kof-collectors render (stdin or FILE) and prints the patches that
    /// turn it into what the main mode would write: JSON 6902 operations with
    /// `test` preconditions, each aimed at exactly one resource.
    Export {
        /// Manifest stream to read (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
        /// What to print: a kustomization's `patches:` list, a Flux HelmRelease
        /// fragment, or a KCM MultiClusterService fragment (Sveltos)
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Name of the HelmRelease or MultiClusterService [default: kof-collectors, or kof-mgmt-cluster for sveltos]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Namespace of the HelmRelease [default: kof]
        #[arg(long, value_name = "NS")]
        namespace: Option<String>,
    },
    /// List the routes, what each needs and what it changes.
    Routes,
    /// Print the recovery kernel `--fanout` sends: the default, or --kernel FILE on top of it.
    ///
    /// The output is a kernel file (`extends: none`) that --kernel reads back.
    /// With RENDER (a kof-collectors render), warns by name about each item
    /// whose paths the chart's render does not produce, and exits 1 if any.
    Kernel {
        /// A kof-collectors render to check the kernel against.
        #[arg(value_name = "RENDER")]
        render: Option<PathBuf>,
        /// Kernel file: `extends: default|none`, `kcm-namespace`, `logs`, `metrics`
        #[arg(long, env = "KOF_ROUTE_KERNEL", value_name = "FILE")]
        kernel: Option<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        /// Shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print a man page (roff), generated from these same definitions.
    ///
    /// Without arguments, kof-route(1); with a subcommand, its page (e.g.
    /// kof-route-diff(1)); with --dir, writes every page into DIR.
    Man {
        /// Subcommand whose page to print.
        #[arg(value_name = "SUBCOMMAND", conflicts_with = "dir")]
        page: Option<String>,
        /// Write kof-route.1 and a page per subcommand into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print the last routing run: time, arguments (secrets hidden), messages, exit code.
    ///
    /// Helm hides a post-renderer's messages (Helm 3 on success, Helm 4 always);
    /// every run that routes keeps them in
    /// ${XDG_STATE_HOME:-~/.local/state}/kof-route/last-run.log.
    #[command(visible_alias = "last-error")]
    Log,
}

/// When to colour output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The formats of `export`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Kustomize,
    Flux,
    Sveltos,
}

/// Shells kof-route writes completions for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `--route`'s values and their help, from the registry.
fn route_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::routes::REGISTRY
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
        assert_eq!(a.args.route.as_deref(), Some("regional"));
        assert_eq!(a.args.regional_domain.as_deref(), Some("d.io"));
    }

    #[test]
    fn route_names_come_from_the_registry() {
        let err = Cli::try_parse_from(["kof-route", "--route=nowhere"]).unwrap_err();
        let text = err.to_string();
        for route in &crate::routes::REGISTRY {
            assert!(text.contains(route.name), "{text}");
        }
    }
}
