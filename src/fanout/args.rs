//! Fan-out, flags: the fan-out's settings (`--fanout`, `--fanout-*`,
//! `--kernel`), as plain data; `cli` parses into them (flattened into the
//! route's settings). Like every route flag, each is also a `KOF_ROUTE_*`
//! variable and a config-file key. Nothing here validates: `plan` turns them
//! into a checked `FanoutSpec`, and refuses a setting the chosen destination
//! does not use. It must not import `cli`.

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser};
use std::path::PathBuf;

/// `--fanout`'s values and their help, from the destination table.
fn kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(
        std::iter::once(PossibleValue::new("none").help("No second destination (the default)"))
            .chain(
                super::kinds::KINDS
                    .iter()
                    .map(|k| PossibleValue::new(k.name).help(k.about)),
            ),
    )
}

/// The second destination of a recovery kernel.
#[derive(Args, Debug, Default, Clone)]
pub struct FanoutArgs {
    /// Also stream a recovery kernel of logs and metrics to a second store [default: none]
    #[arg(long, env = "KOF_ROUTE_FANOUT", value_parser = kinds(), value_name = "KIND")]
    pub fanout: Option<String>,
    /// Fan-out: the destination's URL (OTLP/HTTP base, remote-write URL, S3-compatible or CloudWatch endpoint)
    #[arg(long, env = "KOF_ROUTE_FANOUT_ENDPOINT", value_name = "URL")]
    pub fanout_endpoint: Option<String>,
    /// Fan-out (s3, cloudwatch): AWS region
    #[arg(long, env = "KOF_ROUTE_FANOUT_REGION", value_name = "REGION")]
    pub fanout_region: Option<String>,
    /// Fan-out (s3): bucket
    #[arg(long, env = "KOF_ROUTE_FANOUT_BUCKET", value_name = "NAME")]
    pub fanout_bucket: Option<String>,
    /// Fan-out (s3): key prefix [default: CLUSTER-NAME/COLLECTOR]
    #[arg(long, env = "KOF_ROUTE_FANOUT_PREFIX", value_name = "PREFIX")]
    pub fanout_prefix: Option<String>,
    /// Fan-out (s3): path-style bucket addressing (S3-compatible stores)
    #[arg(long, env = "KOF_ROUTE_FANOUT_PATH_STYLE")]
    pub fanout_path_style: bool,
    /// Fan-out (s3): IAM role to assume
    #[arg(long, env = "KOF_ROUTE_FANOUT_ROLE_ARN", value_name = "ARN")]
    pub fanout_role_arn: Option<String>,
    /// Fan-out (cloudwatch): log group [default: kof-kernel]
    #[arg(long, env = "KOF_ROUTE_FANOUT_LOG_GROUP", value_name = "NAME")]
    pub fanout_log_group: Option<String>,
    /// Fan-out (cloudwatch): log stream [default: the collector pod's name]
    #[arg(long, env = "KOF_ROUTE_FANOUT_LOG_STREAM", value_name = "NAME")]
    pub fanout_log_stream: Option<String>,
    /// Fan-out: Secret with the destination's credentials (AWS keys, or
    /// username/password); `none` for IRSA or an open endpoint [default:
    /// kof-kernel-credentials for s3 and cloudwatch, none otherwise]
    #[arg(long, env = "KOF_ROUTE_FANOUT_SECRET", value_name = "NAME")]
    pub fanout_secret: Option<String>,
    /// Fan-out (exporter-file): YAML declaring the kernel's one exporter, named `<type>/kof-kernel[-x]`
    /// (the --exporter-file schema: exporters, pipelines, env)
    #[arg(long, env = "KOF_ROUTE_FANOUT_EXPORTER_FILE", value_name = "FILE")]
    pub fanout_exporter_file: Option<PathBuf>,
    /// Fan-out: the kernel's queue, on the node's disk or in memory [default: disk]
    #[arg(long, env = "KOF_ROUTE_FANOUT_QUEUE", value_parser = ["disk", "memory"], value_name = "WHERE")]
    pub fanout_queue: Option<String>,
    /// Fan-out: the kernel queue's bound, in batches [default: 100]
    #[arg(long, env = "KOF_ROUTE_FANOUT_QUEUE_SIZE", value_name = "N")]
    pub fanout_queue_size: Option<u32>,
    /// Fan-out: what is sent, a YAML file (`kof-route kernel` prints the default) [default: default]
    #[arg(long, env = "KOF_ROUTE_KERNEL", value_name = "FILE")]
    pub kernel: Option<PathBuf>,
}

impl FanoutArgs {
    /// Every fan-out setting but `--fanout` itself, with its flag and whether it was given.
    pub fn settings(&self) -> [(&'static str, bool); 13] {
        [
            ("fanout-endpoint", self.fanout_endpoint.is_some()),
            ("fanout-region", self.fanout_region.is_some()),
            ("fanout-bucket", self.fanout_bucket.is_some()),
            ("fanout-prefix", self.fanout_prefix.is_some()),
            ("fanout-path-style", self.fanout_path_style),
            ("fanout-role-arn", self.fanout_role_arn.is_some()),
            ("fanout-log-group", self.fanout_log_group.is_some()),
            ("fanout-log-stream", self.fanout_log_stream.is_some()),
            ("fanout-secret", self.fanout_secret.is_some()),
            ("fanout-exporter-file", self.fanout_exporter_file.is_some()),
            ("fanout-queue", self.fanout_queue.is_some()),
            ("fanout-queue-size", self.fanout_queue_size.is_some()),
            ("kernel", self.kernel.is_some()),
        ]
    }
}
