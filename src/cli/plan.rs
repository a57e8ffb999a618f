//! Validation: the settings into a checked `Plan`, once, before any input is read
//! (ripgrep's "high args").
//!
//! Which settings a route uses comes from its registry entry; the rules here
//! are about settings only (one needs or excludes another). Every value is
//! validated (through `names` and the route's builder) and a rejection names
//! its flag; past this module the program never sees a raw string. It must
//! not read the manifest stream or know how a route is applied.

use super::{RouteArgs, Setting};
use crate::fanout::{self, FanoutArgs};
pub use crate::names::UsageError;
use crate::names::{self, Checked, usage};
use crate::routes::{self, Route, RouteSpec};

/// Cluster identity written into labels and resource attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterId {
    pub name: String,
    pub namespace: String,
}

/// The validated plan the rest of the program runs on.
#[derive(Clone)]
pub struct Plan {
    pub route: &'static Route,
    pub cluster: ClusterId,
    /// What the route does, cluster identity included.
    pub spec: RouteSpec,
    pub allow_missing: bool,
    /// The route settings given, by flag.
    pub given: Vec<&'static str>,
    /// Validated values of the given settings a `kof` umbrella's kof-child can carry.
    pub carried: Vec<(&'static str, String)>,
    /// `--collectors-render`: the render umbrella patches are derived from.
    pub collectors_render: Option<std::path::PathBuf>,
    /// `--chart-repo`: where the umbrella's charts are pulled from, if not
    /// from the repository the stream names.
    pub chart_repo: Option<String>,
    /// Patched documents edited in place (the default; not `--reformat`).
    pub keep_format: bool,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("route", &self.route.name)
            .field("cluster", &self.cluster)
            .field("spec", &self.spec)
            .finish()
    }
}

/// Settings that only make sense with or without another: (setting, other,
/// whether `other` must be given, message).
const RULES: [(Setting, Setting, bool, &str); 2] = [
    (
        Setting::CredsSecret,
        Setting::NoBasicAuth,
        false,
        "--creds-secret is not used with --no-basic-auth; remove one",
    ),
    (
        Setting::CaKey,
        Setting::CaSecret,
        true,
        "--ca-key needs --ca-secret",
    ),
];

/// Refuse settings the route would silently ignore, in flag order.
fn refuse_unused(route: &Route, args: &RouteArgs) -> Checked<()> {
    let given = args.settings();
    let is_given = |s: Setting| given.iter().any(|(g, _, set)| *g == s && *set);
    for (setting, flag, set) in given {
        if !set {
            continue;
        }
        if !route.accepts.contains(&setting) {
            return usage(format!(
                "--{flag} is not used by --route {}; remove it",
                route.name
            ));
        }
        for (s, other, needed, message) in RULES {
            if s == setting && is_given(other) != needed {
                return usage(message);
            }
        }
    }
    Ok(())
}

/// Every required setting the route lacks, in one message.
fn require(route: &Route, args: &RouteArgs) -> Checked<()> {
    let given = args.settings();
    let flag = |s: Setting| given.iter().find(|g| g.0 == s).map_or("", |g| g.1);
    let is_given = |s: Setting| given.iter().any(|g| g.0 == s && g.2);
    let missing: Vec<Vec<String>> = route
        .requires
        .iter()
        .filter(|group| !group.iter().any(|s| is_given(*s)))
        .map(|group| group.iter().map(|s| format!("--{}", flag(*s))).collect())
        .collect();
    let groups: Vec<String> = missing
        .iter()
        .map(|g| {
            let names: Vec<&str> = g.iter().map(String::as_str).collect();
            match (g.len(), missing.len()) {
                (1, _) => names.concat(),
                (_, 1) => listing(&names),
                _ => format!("one of {}", names.join(", ")),
            }
        })
        .collect();
    match groups.len() {
        0 => Ok(()),
        1 => usage(format!(
            "{} is required for --route {}",
            groups[0], route.name
        )),
        _ => usage(format!(
            "{} are required for --route {}",
            groups.join(" and "),
            route.name
        )),
    }
}

/// `a, b or c`.
fn listing(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

impl Plan {
    /// Validate the merged settings into a plan, with a route of the registry.
    pub fn build(args: &RouteArgs) -> Checked<Plan> {
        let names: Vec<&str> = routes::REGISTRY.iter().map(|r| r.name).collect();
        let Some(name) = &args.route else {
            return usage(format!("--route is required ({})", listing(&names)));
        };
        match routes::find(name) {
            Some(route) => Plan::for_route(route, args),
            None => usage(format!(
                "--route {name:?} is not one of {}",
                listing(&names)
            )),
        }
    }

    /// Validate the settings for `route`, which need not be registered.
    pub fn for_route(route: &'static Route, args: &RouteArgs) -> Checked<Plan> {
        refuse_unused(route, args)?;
        require(route, args)?;
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
        let mut spec = (route.build)(args)?.with_cluster(&cluster.name, &cluster.namespace);
        with_fanout(&args.fanout, (&cluster.name, &cluster.namespace), &mut spec)?;
        let given: Vec<&'static str> = args
            .settings()
            .iter()
            .filter(|(_, _, set)| *set)
            .map(|(_, flag, _)| *flag)
            .collect();
        let carried = carried(args, &cluster)?;
        Ok(Plan {
            route,
            cluster,
            spec,
            allow_missing: args.allow_missing,
            given,
            carried,
            collectors_render: args.collectors_render.clone(),
            chart_repo: args.chart_repo.clone(),
            keep_format: !args.reformat,
        })
    }
}

/// The given settings kof-child's values can carry, validated.
fn carried(args: &RouteArgs, cluster: &ClusterId) -> Checked<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    if args.cluster_name.is_some() {
        out.push(("cluster-name", cluster.name.clone()));
    }
    if args.cluster_namespace.is_some() {
        out.push(("cluster-namespace", cluster.namespace.clone()));
    }
    if let Some(c) = &args.regional_cluster {
        out.push((
            "regional-cluster",
            names::label_name("regional-cluster", c)?,
        ));
    }
    if let Some(ns) = &args.regional_namespace {
        out.push((
            "regional-namespace",
            names::label_name("regional-namespace", ns)?,
        ));
    }
    Ok(out)
}

/// Put the fan-out of `args` into `route`, with a warning for what the
/// destination cannot carry of the kernel.
fn with_fanout(args: &FanoutArgs, cluster: (&str, &str), route: &mut RouteSpec) -> Checked<()> {
    let fanout = fanout::plan(args, cluster, &route.env)?;
    if let Some(f) = &fanout {
        let kernel = fanout::kernel::Kernel::load(args.kernel.as_deref())?;
        for signal in ["logs", "metrics"]
            .iter()
            .filter(|s| !f.filters.iter().any(|(c, _)| c == *s))
        {
            if !kernel.items(signal).is_empty() {
                route.warnings.push(format!(
                    "--fanout {} carries no {signal}: the kernel's {signal} items are not sent; \
                     --fanout s3 or otlp carries both",
                    f.kind.name
                ));
            }
        }
    }
    route.fanout = fanout;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(route: &str) -> RouteArgs {
        RouteArgs {
            route: Some(route.into()),
            ..Default::default()
        }
    }

    #[test]
    fn regional_needs_a_domain_and_a_secret() {
        let mut a = args("regional");
        assert_eq!(
            Plan::build(&a).unwrap_err().0,
            "--regional-domain and one of --regional-cluster, --creds-secret, --no-basic-auth \
             are required for --route regional"
        );
        a.regional_domain = Some("example.com".into());
        let err = Plan::build(&a).unwrap_err().0;
        assert_eq!(
            err,
            "--regional-cluster, --creds-secret or --no-basic-auth is required for --route regional"
        );
        a.regional_cluster = Some("regional-1".into());
        let spec = Plan::build(&a).unwrap().spec;
        assert_eq!(spec.env[0].secret, "kof-vmuser-creds-admin-2020280665");
        assert_eq!(
            spec.repoint[0].url,
            "https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write"
        );
        a.no_basic_auth = true;
        let spec = Plan::build(&a).unwrap().spec;
        assert!(spec.env.is_empty() && spec.extensions.is_empty());
    }

    #[test]
    fn refuses_settings_the_route_ignores() {
        type Case = (fn(&mut RouteArgs), &'static str, &'static str);
        let cases: [Case; 5] = [
            (
                |a| a.aws_region = Some("us-east-2".into()),
                "mothership",
                "--aws-region is not used by --route mothership; remove it",
            ),
            (
                |a| a.insecure_skip_verify = true,
                "cloudwatch",
                "--insecure-skip-verify is not used by --route cloudwatch; remove it",
            ),
            (
                |a| a.ca_secret = Some("ca".into()),
                "mothership",
                "--ca-secret is not used by --route mothership; remove it",
            ),
            (
                |a| {
                    a.regional_cluster = Some("r".into());
                    a.ca_key = Some("k".into())
                },
                "regional-istio",
                "--ca-key needs --ca-secret",
            ),
            (
                |a| {
                    a.regional_cluster = Some("r".into());
                    a.no_basic_auth = true;
                    a.creds_secret = Some("s".into())
                },
                "regional-istio",
                "--creds-secret is not used with --no-basic-auth; remove one",
            ),
        ];
        for (set, route, want) in cases {
            let mut a = args(route);
            set(&mut a);
            assert_eq!(Plan::build(&a).unwrap_err().0, want);
        }
        let err = Plan::build(&RouteArgs::default()).unwrap_err().0;
        assert_eq!(
            err,
            "--route is required (mothership, regional, regional-istio, cloudwatch or third-party)"
        );
    }

    #[test]
    fn cloudwatch_is_a_third_party_preset() {
        let mut a = args("cloudwatch");
        a.aws_region = Some("us-east-2".into());
        let plan = Plan::build(&a).unwrap();
        let want = ClusterId {
            name: "mothership".into(),
            namespace: "kcm-system".into(),
        };
        assert_eq!(plan.cluster, want);
        let (name, def) = &plan.spec.define_exporters[0];
        assert_eq!(
            (name.as_str(), &def["log_group_name"]),
            ("awscloudwatchlogs", &"management".into())
        );
        assert_eq!(plan.spec.env[1].secret, "cloudwatch-credentials");
        assert!(!plan.spec.labels_metrics(), "no metrics exporter to label");
    }
}
