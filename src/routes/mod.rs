//! The route registry: one entry per route, and what a route is, as data.
//!
//! An entry names the route, the settings it uses, what `kof-route routes`
//! and `--help` say about it, flags that make a working example, and the
//! builder that turns the validated settings into a `RouteSpec`: exporters to
//! point or define, extensions, secret-backed env vars, volumes, cluster
//! labels, OpenCost settings. Specs hold no patching logic (`edit` drafts any
//! spec the same way), so adding a route is one entry here. This is, with the
//! command-line layer, the only place that names a route.

use crate::identity::Identity;
use crate::names::Checked;
use serde_json::{Map, Value};

mod args;
mod regional;
mod settings;
pub mod third_party;

pub use crate::exporter_file::SecretEnv;
pub use args::RouteArgs;
pub use settings::Setting;

/// One route.
pub struct Route {
    pub name: &'static str,
    /// One line for `--route`'s help.
    pub about: &'static str,
    /// What it needs, for `kof-route routes`.
    pub needs: &'static str,
    /// What it changes, for `kof-route routes`.
    pub changes: &'static str,
    /// The route-specific settings it uses; any other given one is refused.
    pub accepts: &'static [Setting],
    /// Settings it cannot do without: one of each group must be given (all
    /// missing groups are reported together, before `build` runs).
    pub requires: &'static [&'static [Setting]],
    /// Flags after `--route NAME` that make a working example (paths from the repository root).
    pub example: &'static [&'static str],
    /// Validated settings to the route's spec (cluster labels are added by the plan).
    pub build: fn(&RouteArgs) -> Checked<RouteSpec>,
    /// What it becomes in kof-child's values, for a `kof` umbrella without kof-collectors.
    pub kof_child: KofChild,
}

/// How kof-child's own switch (KOF 1.10+) expresses a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KofChild {
    /// `fromManagement.toManagementCluster.enabled: true`
    ToManagement,
    /// `fromManagement.toRegionalCluster.name: REGIONAL`
    ToRegional,
    /// The switch cannot express it: kof-collectors must be installed.
    NotCarried,
}

use Setting::*;

/// What the regional routes accept; the in-mesh one has no domain.
const REGIONAL_SETTINGS: &[Setting] = &[
    RegionalDomain,
    RegionalCluster,
    RegionalNamespace,
    CredsSecret,
    NoBasicAuth,
    KofLayout,
    WriteMetricsEndpoint,
    WriteLogsEndpoint,
    WriteAuditLogsEndpoint,
    WriteTracesEndpoint,
    ReadMetricsEndpoint,
    InsecureSkipVerify,
    CaSecret,
    CaKey,
];

/// Every route, in the order `routes` lists them.
#[rustfmt::skip]
pub static REGISTRY: [Route; 5] = [
    Route {
        name: "mothership",
        about: "Keep data in the management cluster's own storage",
        needs: "nothing (--cluster-name, --cluster-namespace optional)",
        changes: "gives every signal the cluster identity (processor resource/k8sclustername, OTEL_RESOURCE_ATTRIBUTES, \
      prometheusremotewrite.external_labels); data stays in the management cluster; OpenCost: cluster id only",
        accepts: &[],
        requires: &[],
        example: &[],
        build: |_| Ok(RouteSpec::default()),
        kof_child: KofChild::ToManagement,
    },
    Route {
        name: "regional",
        about: "Send data to a regional cluster's vmauth over HTTPS",
        needs: "--regional-domain, and --regional-cluster or --creds-secret",
        changes: "points the four KOF exporters at https://vmauth.DOMAIN with basicauth extensions and KOF_VM_USER/KOF_VM_PASSWORD \
      from the creds secret; cluster identity; OpenCost reads from the regional vmauth",
        accepts: REGIONAL_SETTINGS,
        requires: &[&[RegionalDomain], &[RegionalCluster, CredsSecret, NoBasicAuth]],
        example: &["--regional-domain=example.com", "--regional-cluster=regional-1"],
        build: regional::vmauth,
        kof_child: KofChild::ToRegional,
    },
    Route {
        name: "regional-istio",
        about: "Send data to a regional cluster's vmauth inside the Istio mesh",
        needs: "--regional-cluster",
        changes: "as regional, with in-mesh endpoints http://REGIONAL-vmauth:8427",
        accepts: REGIONAL_SETTINGS.split_at(1).1,
        requires: &[&[RegionalCluster]],
        example: &["--regional-cluster=regional-1"],
        build: regional::mesh,
        kof_child: KofChild::ToRegional,
    },
    Route {
        name: "cloudwatch",
        about: "Send logs to AWS CloudWatch Logs; metrics and traces go to debug only",
        needs: "--aws-region (--log-group, --log-stream, --aws-secret optional)",
        changes: "replaces the KOF storage exporters with awscloudwatchlogs (logs) and debug, AWS_* env from the secret; \
      cluster identity; OpenCost: cluster id only",
        accepts: &[AwsRegion, LogGroup, LogStream, AwsSecret],
        requires: &[&[AwsRegion]],
        example: &["--aws-region=us-east-2"],
        build: third_party::cloudwatch,
        kof_child: KofChild::NotCarried,
    },
    Route {
        name: "third-party",
        about: "Send data to exporters declared in --exporter-file",
        needs: "--exporter-file FILE",
        changes: "replaces the KOF storage exporters with the file's exporters per signal (plus debug), env from the file's \
      secret refs; cluster identity; OpenCost: cluster id only",
        accepts: &[ExporterFile],
        requires: &[&[ExporterFile]],
        example: &["--exporter-file=fixtures/variants/vendor-exporters.yaml"],
        build: third_party::from_file,
        kof_child: KofChild::NotCarried,
    },
];

/// The registered route called `name`.
pub fn find(name: &str) -> Option<&'static Route> {
    REGISTRY.iter().find(|r| r.name == name)
}

/// Point an existing exporter at a new endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Repoint {
    pub exporter: String,
    pub endpoint_key: String,
    pub url: String,
    /// Extension set as `auth.authenticator`; `None` removes `auth` (the old
    /// endpoint's authenticator must not follow the data).
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
    /// The one cluster identity every signal carries (`edit::identity`).
    pub identity: Option<Identity>,
    /// What OpenCost's query container gets; `None` leaves OpenCost alone.
    pub opencost: Option<OpenCostSpec>,
    /// Printed on stderr whenever the route is used.
    pub warnings: Vec<String>,
    /// The second destination of a recovery kernel (`--fanout`).
    pub fanout: Option<crate::fanout::FanoutSpec>,
}

/// OpenCost edits, on its query container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpenCostSpec {
    pub values: Vec<(String, String)>,
    pub secrets: Vec<SecretEnv>,
    /// Env vars removed (credentials that must not travel to another cluster).
    pub remove: Vec<String>,
    pub volumes: Vec<Value>,
    pub volume_mounts: Vec<Value>,
    /// Sets OpenCost's cluster id variables where it has them.
    pub identity: Option<Identity>,
}

impl OpenCostSpec {
    /// Does the route change where OpenCost reads from (not only its cluster id)?
    pub fn routes_queries(&self) -> bool {
        let without = OpenCostSpec {
            identity: None,
            ..self.clone()
        };
        without != OpenCostSpec::default()
    }
}

impl RouteSpec {
    /// Add the cluster's identity, for collectors and for OpenCost's cluster id.
    pub fn with_cluster(mut self, name: &str, namespace: &str) -> RouteSpec {
        let id = Identity::new(name, namespace);
        self.opencost.get_or_insert_with(Default::default).identity = Some(id.clone());
        self.identity = Some(id);
        self
    }

    /// Does the route keep the metrics exporter (whose labels carry the identity)?
    pub fn labels_metrics(&self) -> bool {
        !self
            .remove_exporters
            .iter()
            .any(|e| e == crate::kof::METRICS_EXPORTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::plan::Plan;
    use serde_json::json;

    #[test]
    fn the_mesh_route_accepts_the_regional_settings_but_the_domain() {
        let (regional, mesh) = (find("regional").unwrap(), find("regional-istio").unwrap());
        assert!(
            regional.accepts.contains(&RegionalDomain) && !mesh.accepts.contains(&RegionalDomain)
        );
        assert_eq!(regional.accepts.len(), mesh.accepts.len() + 1);
        assert!(mesh.accepts.iter().all(|s| regional.accepts.contains(s)));
    }

    /// A route that exists only in this test: one entry, no other module touched.
    static BLACKHOLE: Route = Route {
        name: "blackhole",
        about: "Send every signal to the nop exporter",
        needs: "nothing",
        changes: "replaces the KOF storage exporters with nop",
        accepts: &[],
        requires: &[],
        example: &[],
        build: |_| {
            Ok(RouteSpec {
                remove_exporters: crate::kof::EXPORTERS
                    .iter()
                    .map(|e| e.name.into())
                    .collect(),
                default_exporters: vec![("nop".into(), json!({}))],
                rewire: crate::kof::SIGNALS
                    .iter()
                    .map(|s| (s.to_string(), vec!["nop".to_string()]))
                    .collect(),
                ..Default::default()
            })
        },
        kof_child: KofChild::NotCarried,
    };

    #[test]
    fn a_route_defined_in_a_test_routes_a_real_fixture() {
        let plan = Plan::for_route(&BLACKHOLE, &crate::cli::RouteArgs::default()).unwrap();
        let input = include_bytes!("../../fixtures/kof-1.11/helm4/kof-collectors.yaml");
        let rendered = crate::render(&plan, input).unwrap();
        let output = String::from_utf8(rendered.output()).unwrap();
        assert_eq!(rendered.patched.len(), 4, "the four collectors");
        for exporter in crate::kof::EXPORTERS {
            assert!(
                !output.contains(&format!("{}:", exporter.name)),
                "{} left",
                exporter.name
            );
        }
        assert!(output.contains("- nop"));
        let again = crate::render(&plan, output.as_bytes()).unwrap();
        assert!(!again.changed(), "a second run changes nothing");
    }

    #[test]
    fn every_registered_example_builds_a_plan() {
        for route in &REGISTRY {
            let argv = ["kof-route".to_string(), format!("--route={}", route.name)]
                .into_iter()
                .chain(route.example.iter().map(|a| a.to_string()));
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(argv).unwrap();
            let plan = Plan::build(&cli.args).unwrap_or_else(|e| panic!("{}: {e}", route.name));
            assert_eq!(plan.route.name, route.name);
        }
    }
}
