//! Route builders: third-party exporters, from a file or the CloudWatch preset.
//!
//! `--route third-party --exporter-file FILE` sends data to exporters the user
//! declares; `cloudwatch` is the same description built from flags. The file is
//! read and validated by `crate::exporter_file` (which fan-out shares); this
//! module only turns a `ThirdParty` into a route spec.

use super::RouteArgs;
use super::RouteSpec;
use crate::exporter_file::{Pipelines, SecretEnv, ThirdParty};
use crate::kof::{self, SIGNALS};
use crate::names::{self, Checked, usage};
use serde_json::{Map, json};

/// `--route third-party`: the exporters of `--exporter-file`.
pub fn from_file(args: &RouteArgs) -> Checked<RouteSpec> {
    let Some(path) = &args.exporter_file else {
        return usage("--exporter-file is required for --route third-party");
    };
    Ok(spec(&ThirdParty::load(path)?))
}

/// `--route cloudwatch`: CloudWatch Logs as a preset of the third-party route.
pub fn cloudwatch(args: &RouteArgs) -> Checked<RouteSpec> {
    let Some(region) = &args.aws_region else {
        return usage("--aws-region is required for --route cloudwatch");
    };
    let region = names::aws_region("aws-region", region)?;
    let or =
        |v: &Option<String>, default: &'static str| v.clone().unwrap_or_else(|| default.into());
    let log_group = names::log_group("log-group", &or(&args.log_group, "management"))?;
    let log_stream = names::log_stream("log-stream", &or(&args.log_stream, "logs"))?;
    let secret = names::object_name(
        "aws-secret",
        &or(&args.aws_secret, "cloudwatch-credentials"),
    )?;
    let exporter =
        json!({"region": region, "log_group_name": log_group, "log_stream_name": log_stream});
    Ok(spec(&ThirdParty {
        exporters: Map::from_iter([("awscloudwatchlogs".to_string(), exporter)]),
        pipelines: Pipelines {
            logs: vec!["awscloudwatchlogs".into()],
            ..Default::default()
        },
        env: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
            .map(|k| SecretEnv::new(k, &secret, k))
            .to_vec(),
    }))
}

/// KOF's storage exporters out, the declared ones (and debug) in, per signal.
pub fn spec(tp: &ThirdParty) -> RouteSpec {
    let debug = kof::DEBUG_EXPORTER;
    RouteSpec {
        define_exporters: tp
            .exporters
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        default_exporters: vec![(debug.into(), json!({}))],
        remove_exporters: kof::EXPORTERS.iter().map(|e| e.name.to_string()).collect(),
        rewire: SIGNALS
            .iter()
            .map(|s| {
                let mut lead = tp.pipelines.of(s).to_vec();
                lead.push(debug.into());
                (s.to_string(), lead)
            })
            .collect(),
        env: tp.env.clone(),
        ..Default::default()
    }
}
