//! Validation: turn the flags into a checked `Plan`, once, before any input is read.
//!
//! Every value is validated here and a rejection names its flag; past this
//! module the program never sees a raw, unchecked string. It must not read the
//! manifest stream or know how a route is applied (`routes.rs` does).

use crate::cli::{RouteArgs, RouteName};
use std::fmt;

/// A usage error: a missing or malformed setting. Exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

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
    /// `http://CLUSTER-vmauth:8427` inside the Istio mesh.
    Mesh { cluster: String },
}

/// Where data goes, with everything that destination needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Local,
    Regional {
        via: Regional,
        creds_secret: String,
    },
    CloudWatch {
        region: String,
        log_group: String,
        log_stream: String,
        secret: String,
    },
}

/// The validated plan the rest of the program runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub route: RouteName,
    pub cluster: ClusterId,
    pub destination: Destination,
    pub allow_missing: bool,
}

type Checked<T> = Result<T, UsageError>;

fn usage<T>(msg: impl Into<String>) -> Checked<T> {
    Err(UsageError(msg.into()))
}

/// RFC 1123 label: lower-case alphanumerics and `-`, alphanumeric at both ends.
fn label_problem(s: &str, max: usize) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.len() > max {
        return Some(format!(
            "it is {} characters long, the limit is {max}",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
    {
        return Some(format!(
            "{c:?} is not allowed (lower-case letters, digits and '-' only)"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

/// RFC 1123 subdomain: dot-separated labels, 253 characters in all.
fn subdomain_problem(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!(
            "it is {} characters long, the limit is 253",
            s.len()
        ));
    }
    s.split('.').find_map(|label| label_problem(label, 63))
}

fn check(flag: &str, value: &str, what: &str, problem: Option<String>) -> Checked<String> {
    match problem {
        None => Ok(value.to_string()),
        Some(p) => usage(format!("--{flag}: {value:?} is not a valid {what}: {p}")),
    }
}

/// A Kubernetes object name (cluster, secret): RFC 1123 subdomain.
pub fn object_name(flag: &str, value: &str) -> Checked<String> {
    check(
        flag,
        value,
        "Kubernetes name (RFC 1123)",
        subdomain_problem(value),
    )
}

/// A namespace, or a name used as a DNS label: RFC 1123 label.
pub fn label_name(flag: &str, value: &str) -> Checked<String> {
    check(
        flag,
        value,
        "Kubernetes name (RFC 1123 label)",
        label_problem(value, 63),
    )
}

/// A DNS name: letters of either case, digits, `-`, dot-separated; no port or path.
pub fn dns_name(flag: &str, value: &str) -> Checked<String> {
    let problem = subdomain_problem(&value.to_ascii_lowercase())
        .map(|p| p.replace("lower-case letters", "letters"));
    check(flag, value, "DNS name", problem)
}

/// An AWS region such as `us-east-2`, `eu-central-1` or `us-gov-west-1`.
pub fn aws_region(flag: &str, value: &str) -> Checked<String> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
        && !parts[parts.len() - 1].starts_with('0');
    let problem = (!ok).then(|| "expected the shape of e.g. us-east-2 or us-gov-west-1".into());
    check(flag, value, "AWS region", problem)
}

/// A CloudWatch Logs group name: `[A-Za-z0-9_./#-]`, 1 to 512 characters.
fn log_group(flag: &str, value: &str) -> Checked<String> {
    let bad = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-./#".contains(*c)));
    let problem = if value.is_empty() || value.len() > 512 {
        Some("it must be 1 to 512 characters".into())
    } else {
        bad.map(|c| format!("{c:?} is not allowed"))
    };
    check(flag, value, "CloudWatch log group name", problem)
}

/// A CloudWatch Logs stream name: 1 to 512 characters, no `:`, `*` or control characters.
fn log_stream(flag: &str, value: &str) -> Checked<String> {
    let bad = value
        .chars()
        .find(|c| *c == ':' || *c == '*' || c.is_control());
    let problem = if value.is_empty() || value.len() > 512 {
        Some("it must be 1 to 512 characters".into())
    } else {
        bad.map(|c| format!("{c:?} is not allowed"))
    };
    check(flag, value, "CloudWatch log stream name", problem)
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
fn refuse_unused(route: RouteName, args: &RouteArgs) -> Checked<()> {
    let regional = matches!(route, RouteName::Regional | RouteName::RegionalIstio);
    let cloudwatch = route == RouteName::Cloudwatch;
    let given: [(&str, bool, bool); 8] = [
        (
            "regional-domain",
            args.regional_domain.is_some(),
            route == RouteName::Regional,
        ),
        (
            "regional-cluster",
            args.regional_cluster.is_some(),
            regional,
        ),
        (
            "regional-namespace",
            args.regional_namespace.is_some(),
            regional,
        ),
        ("creds-secret", args.creds_secret.is_some(), regional),
        ("aws-region", args.aws_region.is_some(), cloudwatch),
        ("log-group", args.log_group.is_some(), cloudwatch),
        ("log-stream", args.log_stream.is_some(), cloudwatch),
        ("aws-secret", args.aws_secret.is_some(), cloudwatch),
    ];
    match given.iter().find(|(_, set, used)| *set && !*used) {
        Some((flag, _, _)) => usage(format!(
            "--{flag} is not used by --route {}; remove it",
            route_name(route)
        )),
        None => Ok(()),
    }
}

/// The route's name as the user types it.
pub fn route_name(route: RouteName) -> &'static str {
    match route {
        RouteName::Mothership => "mothership",
        RouteName::Regional => "regional",
        RouteName::RegionalIstio => "regional-istio",
        RouteName::Cloudwatch => "cloudwatch",
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
                "--route is required (mothership, regional, regional-istio or cloudwatch)",
            );
        };
        refuse_unused(route, args)?;
        let cluster = ClusterId {
            name: object_name(
                "cluster-name",
                args.cluster_name.as_deref().unwrap_or("mothership"),
            )?,
            namespace: label_name(
                "cluster-namespace",
                args.cluster_namespace.as_deref().unwrap_or("kcm-system"),
            )?,
        };
        let destination = match route {
            RouteName::Mothership => Destination::Local,
            RouteName::Regional | RouteName::RegionalIstio => Self::regional(route, args)?,
            RouteName::Cloudwatch => Destination::CloudWatch {
                region: aws_region(
                    "aws-region",
                    &required("aws-region", &args.aws_region, route)?,
                )?,
                log_group: log_group(
                    "log-group",
                    args.log_group.as_deref().unwrap_or("management"),
                )?,
                log_stream: log_stream("log-stream", args.log_stream.as_deref().unwrap_or("logs"))?,
                secret: object_name(
                    "aws-secret",
                    args.aws_secret
                        .as_deref()
                        .unwrap_or("cloudwatch-credentials"),
                )?,
            },
        };
        Ok(Plan {
            route,
            cluster,
            destination,
            allow_missing: args.allow_missing,
        })
    }

    fn regional(route: RouteName, args: &RouteArgs) -> Checked<Destination> {
        let cluster = match &args.regional_cluster {
            Some(c) => Some(label_name("regional-cluster", c)?),
            None => None,
        };
        let namespace = label_name(
            "regional-namespace",
            args.regional_namespace.as_deref().unwrap_or("kcm-system"),
        )?;
        let via = if route == RouteName::Regional {
            let domain = required("regional-domain", &args.regional_domain, route)?;
            Regional::Vmauth {
                domain: dns_name("regional-domain", &domain)?,
            }
        } else {
            Regional::Mesh {
                cluster: required("regional-cluster", &cluster, route)?,
            }
        };
        let creds_secret = match (&args.creds_secret, &cluster) {
            (Some(s), _) => object_name("creds-secret", s)?,
            (None, Some(c)) => creds_secret_for(c, &namespace),
            (None, None) => {
                return usage(
                    "--creds-secret or --regional-cluster is required for --route regional \
                     (the secret's name is computed from the regional cluster's name and namespace)",
                );
            }
        };
        Ok(Destination::Regional { via, creds_secret })
    }
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
    fn accepts_and_rejects_flag_values() {
        type V = fn(&str, &str) -> Checked<String>;
        let cases: &[(V, &str, bool)] = &[
            (object_name, "mothership", true),
            (object_name, "a.b-c", true),
            (object_name, "Mothership", false),
            (object_name, "on", true),
            (object_name, "0700", true),
            (object_name, &"a".repeat(254), false),
            (object_name, "-a", false),
            (object_name, "", false),
            (label_name, "kcm-system", true),
            (label_name, "a.b", false),
            (dns_name, "kof.example.com", true),
            (dns_name, "Kof.Example.com", true),
            (dns_name, "bad domain", false),
            (dns_name, "a.com\nb", false),
            (dns_name, "a.com/x", false),
            (dns_name, "a.com:443", false),
            (dns_name, "a..com", false),
            (aws_region, "us-east-2", true),
            (aws_region, "us-gov-west-1", true),
            (aws_region, "ap-southeast-4", true),
            (aws_region, "us_east", false),
            (aws_region, "us-east", false),
            (aws_region, "US-EAST-1", false),
            (aws_region, "us-east-01", false),
        ];
        for (check, value, ok) in cases {
            let got = check("flag", value);
            assert_eq!(got.is_ok(), *ok, "{value:?}: {got:?}");
            if let Err(e) = got {
                assert!(e.0.starts_with("--flag: "), "{e}");
            }
        }
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
        let plan = Plan::build(&a).unwrap();
        assert_eq!(
            plan.destination,
            Destination::Regional {
                via: Regional::Vmauth {
                    domain: "example.com".into()
                },
                creds_secret: "kof-vmuser-creds-admin-2020280665".into()
            }
        );
    }

    #[test]
    fn refuses_settings_the_route_ignores() {
        let mut a = args(RouteName::Mothership);
        a.aws_region = Some("us-east-2".into());
        assert_eq!(
            Plan::build(&a).unwrap_err().0,
            "--aws-region is not used by --route mothership; remove it"
        );
        assert_eq!(
            Plan::build(&RouteArgs::default()).unwrap_err().0,
            "--route is required (mothership, regional, regional-istio or cloudwatch)"
        );
    }

    #[test]
    fn defaults() {
        let mut a = args(RouteName::Cloudwatch);
        a.aws_region = Some("us-east-2".into());
        let plan = Plan::build(&a).unwrap();
        assert_eq!(plan.cluster.name, "mothership");
        assert_eq!(plan.cluster.namespace, "kcm-system");
        assert_eq!(
            plan.destination,
            Destination::CloudWatch {
                region: "us-east-2".into(),
                log_group: "management".into(),
                log_stream: "logs".into(),
                secret: "cloudwatch-credentials".into()
            }
        );
    }
}
