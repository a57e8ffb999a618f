//! Validation: turn the settings into a checked `Plan`, once, before any input is read.
//!
//! Every value is validated here (through `names.rs`) and a rejection names its
//! flag; past this module the program never sees a raw, unchecked string. It
//! must not read the manifest stream or know how a route is applied.

use crate::cli::{Layout, RouteArgs, RouteName};
use crate::exporters::{Pipelines, SecretEnv, ThirdParty};
pub use crate::names::UsageError;
use crate::names::{self, Checked, usage};
use serde_json::{Map, json};

/// Cluster identity written into labels and resource attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterId {
    pub name: String,
    pub namespace: String,
}

/// How the regional cluster is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regional {
    /// `https://vmauth.DOMAIN`
    Vmauth { domain: String },
    /// In-mesh services named after the regional cluster.
    Mesh { cluster: String },
}

/// What a KOF endpoint carries; the order of `Purpose::ALL` is the order of overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    WriteMetrics,
    WriteLogs,
    WriteAuditLogs,
    WriteTraces,
    ReadMetrics,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::WriteMetrics,
        Purpose::WriteLogs,
        Purpose::WriteAuditLogs,
        Purpose::WriteTraces,
        Purpose::ReadMetrics,
    ];
}

/// A CA certificate in a Secret, for TLS to the regional cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRef {
    pub secret: String,
    pub key: String,
}

/// Everything a regional route needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionalPlan {
    pub via: Regional,
    pub layout: Layout,
    /// User-given URLs, indexed like `Purpose::ALL`.
    pub overrides: [Option<String>; 5],
    /// The vmuser creds secret; `None` with `--no-basic-auth`.
    pub creds_secret: Option<String>,
    pub insecure_skip_verify: bool,
    pub ca: Option<CaRef>,
}

/// Where data goes, with everything that destination needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    Local,
    Regional(RegionalPlan),
    ThirdParty(ThirdParty),
}

/// The validated plan the rest of the program runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub route: RouteName,
    pub cluster: ClusterId,
    pub destination: Destination,
    pub allow_missing: bool,
}

/// The route's name as the user types it.
pub fn route_name(route: RouteName) -> &'static str {
    match route {
        RouteName::Mothership => "mothership",
        RouteName::Regional => "regional",
        RouteName::RegionalIstio => "regional-istio",
        RouteName::Cloudwatch => "cloudwatch",
        RouteName::ThirdParty => "third-party",
    }
}

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

/// Refuse settings the chosen route would silently ignore.
fn refuse_unused(route: RouteName, a: &RouteArgs) -> Checked<()> {
    use RouteName::*;
    let regional = matches!(route, Regional | RegionalIstio);
    let given: [(&str, bool, bool); 20] = [
        (
            "regional-domain",
            a.regional_domain.is_some(),
            route == Regional,
        ),
        ("regional-cluster", a.regional_cluster.is_some(), regional),
        (
            "regional-namespace",
            a.regional_namespace.is_some(),
            regional,
        ),
        (
            "creds-secret",
            a.creds_secret.is_some(),
            regional && !a.no_basic_auth,
        ),
        ("no-basic-auth", a.no_basic_auth, regional),
        ("kof-layout", a.kof_layout.is_some(), regional),
        (
            "write-metrics-endpoint",
            a.write_metrics_endpoint.is_some(),
            regional,
        ),
        (
            "write-logs-endpoint",
            a.write_logs_endpoint.is_some(),
            regional,
        ),
        (
            "write-audit-logs-endpoint",
            a.write_audit_logs_endpoint.is_some(),
            regional,
        ),
        (
            "write-traces-endpoint",
            a.write_traces_endpoint.is_some(),
            regional,
        ),
        (
            "read-metrics-endpoint",
            a.read_metrics_endpoint.is_some(),
            regional,
        ),
        ("insecure-skip-verify", a.insecure_skip_verify, regional),
        ("ca-secret", a.ca_secret.is_some(), regional),
        (
            "ca-key",
            a.ca_key.is_some(),
            regional && a.ca_secret.is_some(),
        ),
        ("aws-region", a.aws_region.is_some(), route == Cloudwatch),
        ("log-group", a.log_group.is_some(), route == Cloudwatch),
        ("log-stream", a.log_stream.is_some(), route == Cloudwatch),
        ("aws-secret", a.aws_secret.is_some(), route == Cloudwatch),
        (
            "exporter-file",
            a.exporter_file.is_some(),
            route == ThirdParty,
        ),
        ("allow-missing", false, true),
    ];
    match given.iter().find(|(_, set, used)| *set && !*used) {
        Some(("creds-secret", ..)) => {
            usage("--creds-secret is not used with --no-basic-auth; remove one")
        }
        Some(("ca-key", ..)) if regional => usage("--ca-key needs --ca-secret"),
        Some((flag, ..)) => usage(format!(
            "--{flag} is not used by --route {}; remove it",
            route_name(route)
        )),
        None => Ok(()),
    }
}

fn required(flag: &str, value: &Option<String>, route: RouteName) -> Checked<String> {
    match value {
        Some(v) => Ok(v.clone()),
        None => usage(format!(
            "--{flag} is required for --route {}",
            route_name(route)
        )),
    }
}

impl Plan {
    /// Validate the merged settings into a plan.
    pub fn build(args: &RouteArgs) -> Checked<Plan> {
        let Some(route) = args.route else {
            return usage(
                "--route is required (mothership, regional, regional-istio, cloudwatch or third-party)",
            );
        };
        refuse_unused(route, args)?;
        let cluster = ClusterId {
            name: names::object_name(
                "cluster-name",
                args.cluster_name.as_deref().unwrap_or("mothership"),
            )?,
            namespace: names::label_name(
                "cluster-namespace",
                args.cluster_namespace.as_deref().unwrap_or("kcm-system"),
            )?,
        };
        let destination = match route {
            RouteName::Mothership => Destination::Local,
            RouteName::Regional | RouteName::RegionalIstio => {
                Destination::Regional(regional(route, args)?)
            }
            RouteName::Cloudwatch => Destination::ThirdParty(cloudwatch(route, args)?),
            RouteName::ThirdParty => {
                let path = args.exporter_file.clone().map(|p| p.display().to_string());
                let path = required("exporter-file", &path, route)?;
                Destination::ThirdParty(ThirdParty::load(path.as_ref())?)
            }
        };
        Ok(Plan {
            route,
            cluster,
            destination,
            allow_missing: args.allow_missing,
        })
    }
}

fn regional(route: RouteName, args: &RouteArgs) -> Checked<RegionalPlan> {
    let cluster = args
        .regional_cluster
        .as_deref()
        .map(|c| names::label_name("regional-cluster", c))
        .transpose()?;
    let namespace = names::label_name(
        "regional-namespace",
        args.regional_namespace.as_deref().unwrap_or("kcm-system"),
    )?;
    let via = if route == RouteName::Regional {
        let domain = required("regional-domain", &args.regional_domain, route)?;
        Regional::Vmauth {
            domain: names::dns_name("regional-domain", &domain)?,
        }
    } else {
        Regional::Mesh {
            cluster: required("regional-cluster", &cluster, route)?,
        }
    };
    let creds_secret = match (&args.creds_secret, &cluster, args.no_basic_auth) {
        (_, _, true) => None,
        (Some(s), _, _) => Some(names::object_name("creds-secret", s)?),
        (None, Some(c), _) => Some(creds_secret_for(c, &namespace)),
        (None, None, _) => {
            return usage(
                "--creds-secret or --regional-cluster is required for --route regional \
                 (the secret's name is computed from the regional cluster's name and namespace)",
            );
        }
    };
    let given = [
        ("write-metrics-endpoint", &args.write_metrics_endpoint),
        ("write-logs-endpoint", &args.write_logs_endpoint),
        ("write-audit-logs-endpoint", &args.write_audit_logs_endpoint),
        ("write-traces-endpoint", &args.write_traces_endpoint),
        ("read-metrics-endpoint", &args.read_metrics_endpoint),
    ];
    let mut overrides: [Option<String>; 5] = Default::default();
    for (slot, (flag, value)) in overrides.iter_mut().zip(given) {
        *slot = value.as_deref().map(|v| names::url(flag, v)).transpose()?;
    }
    let ca = match &args.ca_secret {
        Some(secret) => Some(CaRef {
            secret: names::object_name("ca-secret", secret)?,
            key: names::secret_key("ca-key", args.ca_key.as_deref().unwrap_or("ca.crt"))?,
        }),
        None => None,
    };
    Ok(RegionalPlan {
        via,
        layout: args.kof_layout.unwrap_or_default(),
        overrides,
        creds_secret,
        insecure_skip_verify: args.insecure_skip_verify,
        ca,
    })
}

/// CloudWatch Logs as a preset of the third-party route.
fn cloudwatch(route: RouteName, args: &RouteArgs) -> Checked<ThirdParty> {
    let region = names::aws_region(
        "aws-region",
        &required("aws-region", &args.aws_region, route)?,
    )?;
    let log_group = names::log_group(
        "log-group",
        args.log_group.as_deref().unwrap_or("management"),
    )?;
    let log_stream = names::log_stream("log-stream", args.log_stream.as_deref().unwrap_or("logs"))?;
    let secret = names::object_name(
        "aws-secret",
        args.aws_secret
            .as_deref()
            .unwrap_or("cloudwatch-credentials"),
    )?;
    let exporter =
        json!({"region": region, "log_group_name": log_group, "log_stream_name": log_stream});
    Ok(ThirdParty {
        exporters: Map::from_iter([("awscloudwatchlogs".to_string(), exporter)]),
        pipelines: Pipelines {
            logs: vec!["awscloudwatchlogs".into()],
            ..Default::default()
        },
        env: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
            .map(|k| SecretEnv::new(k, &secret, k))
            .to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(route: RouteName) -> RouteArgs {
        RouteArgs {
            route: Some(route),
            ..Default::default()
        }
    }

    #[test]
    fn computes_the_creds_secret_like_kof() {
        assert_eq!(
            creds_secret_for("regional-1", "kcm-system"),
            "kof-vmuser-creds-admin-2020280665"
        );
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn regional_needs_a_domain_and_a_secret() {
        let mut a = args(RouteName::Regional);
        assert_eq!(
            Plan::build(&a).unwrap_err().0,
            "--regional-domain is required for --route regional"
        );
        a.regional_domain = Some("example.com".into());
        assert!(
            Plan::build(&a)
                .unwrap_err()
                .0
                .starts_with("--creds-secret or --regional-cluster")
        );
        a.regional_cluster = Some("regional-1".into());
        let Destination::Regional(r) = Plan::build(&a).unwrap().destination else {
            panic!()
        };
        assert_eq!(
            r.via,
            Regional::Vmauth {
                domain: "example.com".into()
            }
        );
        assert_eq!(
            r.creds_secret.as_deref(),
            Some("kof-vmuser-creds-admin-2020280665")
        );
        a.no_basic_auth = true;
        let Destination::Regional(r) = Plan::build(&a).unwrap().destination else {
            panic!()
        };
        assert_eq!(r.creds_secret, None);
    }

    #[test]
    fn refuses_settings_the_route_ignores() {
        type Case = (fn(&mut RouteArgs), RouteName, &'static str);
        let cases: [Case; 5] = [
            (
                |a| a.aws_region = Some("us-east-2".into()),
                RouteName::Mothership,
                "--aws-region is not used by --route mothership; remove it",
            ),
            (
                |a| a.insecure_skip_verify = true,
                RouteName::Cloudwatch,
                "--insecure-skip-verify is not used by --route cloudwatch; remove it",
            ),
            (
                |a| a.ca_secret = Some("ca".into()),
                RouteName::Mothership,
                "--ca-secret is not used by --route mothership; remove it",
            ),
            (
                |a| {
                    a.regional_cluster = Some("r".into());
                    a.ca_key = Some("k".into())
                },
                RouteName::RegionalIstio,
                "--ca-key needs --ca-secret",
            ),
            (
                |a| {
                    a.regional_cluster = Some("r".into());
                    a.no_basic_auth = true;
                    a.creds_secret = Some("s".into())
                },
                RouteName::RegionalIstio,
                "--creds-secret is not used with --no-basic-auth; remove one",
            ),
        ];
        for (set, route, want) in cases {
            let mut a = args(route);
            set(&mut a);
            assert_eq!(Plan::build(&a).unwrap_err().0, want);
        }
        assert!(
            Plan::build(&RouteArgs::default())
                .unwrap_err()
                .0
                .starts_with("--route is required")
        );
    }

    #[test]
    fn cloudwatch_is_a_third_party_preset() {
        let mut a = args(RouteName::Cloudwatch);
        a.aws_region = Some("us-east-2".into());
        let plan = Plan::build(&a).unwrap();
        assert_eq!(
            plan.cluster,
            ClusterId {
                name: "mothership".into(),
                namespace: "kcm-system".into()
            }
        );
        let Destination::ThirdParty(tp) = plan.destination else {
            panic!()
        };
        assert_eq!(
            tp.exporters["awscloudwatchlogs"]["log_group_name"],
            "management"
        );
        assert_eq!(
            tp.env[1],
            SecretEnv::new(
                "AWS_SECRET_ACCESS_KEY",
                "cloudwatch-credentials",
                "AWS_SECRET_ACCESS_KEY"
            )
        );
    }
}
