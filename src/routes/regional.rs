//! Route builders: the regional routes, over HTTPS to vmauth or inside the mesh.
//!
//! Validates the regional settings (each rejection names its flag) and turns
//! them, with KOF's exporter and endpoint tables, into a `RouteSpec`. Knows
//! nothing of documents.

use super::RouteArgs;
use super::{OpenCostSpec, Repoint, RouteSpec, SecretEnv};
use crate::kof::{self, CA_DIR, CA_VOLUME, Exporter, Layout, Purpose, Regional};
use crate::names::{self, Checked, usage};
use serde_json::{Map, Value, json};

/// A CA certificate in a Secret, for TLS to the regional cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRef {
    pub secret: String,
    pub key: String,
}

/// Everything a regional route needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionalPlan {
    pub via: Regional,
    pub layout: Layout,
    /// User-given URLs per purpose.
    pub overrides: Vec<(Purpose, String)>,
    /// The vmuser creds secret; `None` with `--no-basic-auth`.
    pub creds_secret: Option<String>,
    pub insecure_skip_verify: bool,
    pub ca: Option<CaRef>,
}

/// `--route regional`: `https://vmauth.DOMAIN`.
pub fn vmauth(args: &RouteArgs) -> Checked<RouteSpec> {
    let Some(domain) = &args.regional_domain else {
        return usage("--regional-domain is required for --route regional");
    };
    let via = Regional::Vmauth {
        domain: names::dns_name("regional-domain", domain)?,
    };
    Ok(spec(&plan(via, args)?, kof::EXPORTERS))
}

/// `--route regional-istio`: in-mesh services named after the regional cluster.
pub fn mesh(args: &RouteArgs) -> Checked<RouteSpec> {
    let Some(cluster) = &args.regional_cluster else {
        return usage("--regional-cluster is required for --route regional-istio");
    };
    let via = Regional::Mesh {
        cluster: names::label_name("regional-cluster", cluster)?,
    };
    Ok(spec(&plan(via, args)?, kof::EXPORTERS))
}

fn plan(via: Regional, args: &RouteArgs) -> Checked<RegionalPlan> {
    let cluster = args
        .regional_cluster
        .as_deref()
        .map(|c| names::label_name("regional-cluster", c))
        .transpose()?;
    let namespace = names::label_name(
        "regional-namespace",
        args.regional_namespace.as_deref().unwrap_or("kcm-system"),
    )?;
    let creds_secret = match (&args.creds_secret, &cluster, args.no_basic_auth) {
        (_, _, true) => None,
        (Some(s), _, _) => Some(names::object_name("creds-secret", s)?),
        (None, Some(c), _) => Some(kof::creds_secret_for(c, &namespace)),
        (None, None, _) => {
            return usage(
                "--creds-secret or --regional-cluster is required for --route regional \
                 (the secret's name is computed from the regional cluster's name and namespace)",
            );
        }
    };
    let mut overrides = Vec::new();
    for (purpose, flag) in kof::PURPOSES {
        if let Some(url) = args.endpoint(purpose) {
            overrides.push((purpose, names::url(flag, url)?));
        }
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
        layout: args.layout(),
        overrides,
        creds_secret,
        insecure_skip_verify: args.insecure_skip_verify,
        ca,
    })
}

fn basicauth() -> Value {
    let [(user, _), (password, _)] = kof::VM_CREDENTIALS;
    json!({"client_auth": {"username": format!("${{env:{user}}}"), "password": format!("${{env:{password}}}")}})
}

fn ca_volume(ca: &CaRef) -> (Value, Value) {
    let volume = json!({"name": CA_VOLUME, "secret": {"secretName": ca.secret, "items": [{"key": ca.key, "path": ca.key}]}});
    let mount = json!({"name": CA_VOLUME, "mountPath": CA_DIR, "readOnly": true});
    (volume, mount)
}

/// The spec of a regional route over the exporters of `exporters`.
pub fn spec(r: &RegionalPlan, exporters: &[Exporter]) -> RouteSpec {
    let url = |p: Purpose| match r.overrides.iter().find(|(q, _)| *q == p) {
        Some((_, url)) => url.clone(),
        None => kof::regional_url(r.layout, &r.via, p),
    };
    let mut spec = RouteSpec::default();
    let mut tls = Map::new();
    let mut opencost = OpenCostSpec {
        values: vec![(kof::OPENCOST_ENDPOINT_VAR.into(), url(Purpose::ReadMetrics))],
        ..Default::default()
    };
    if r.insecure_skip_verify {
        tls.insert("insecure_skip_verify".into(), json!(true));
        spec.warnings.push(
            "--insecure-skip-verify: TLS certificates of the regional endpoints are not verified"
                .into(),
        );
        opencost
            .values
            .push(("INSECURE_SKIP_VERIFY".into(), "true".into()));
    }
    if let Some(ca) = &r.ca {
        tls.insert("ca_file".into(), json!(format!("{CA_DIR}/{}", ca.key)));
        let (volume, mount) = ca_volume(ca);
        spec.volumes.push(volume.clone());
        spec.volume_mounts.push(mount.clone());
        // OpenCost is a Go program: Go reads extra CA certificates from SSL_CERT_DIR.
        opencost.values.push(("SSL_CERT_DIR".into(), CA_DIR.into()));
        opencost.volumes.push(volume);
        opencost.volume_mounts.push(mount);
    }
    spec.repoint = exporters
        .iter()
        .map(|e| Repoint {
            exporter: e.name.into(),
            endpoint_key: e.endpoint_key.into(),
            url: url(e.purpose),
            authenticator: r.creds_secret.as_ref().map(|_| e.authenticator.to_string()),
            tls: tls.clone(),
        })
        .collect();
    match &r.creds_secret {
        Some(secret) => {
            let mut seen = Vec::new();
            for e in exporters {
                if !seen.contains(&e.authenticator) {
                    seen.push(e.authenticator);
                    spec.extensions
                        .push((e.authenticator.to_string(), basicauth()));
                }
            }
            let env = |pairs: [(&str, &str); 2]| {
                pairs.map(|(n, k)| SecretEnv::new(n, secret, k)).to_vec()
            };
            spec.env = env(kof::VM_CREDENTIALS);
            opencost.secrets = env(kof::OPENCOST_CREDENTIALS);
        }
        None => {
            opencost.remove = kof::OPENCOST_CREDENTIALS
                .map(|(n, _)| n.to_string())
                .to_vec()
        }
    }
    spec.opencost = Some(opencost);
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply::apply, collector, path};
    use crate::select::COLLECTOR;

    /// A KOF exporter that exists only in this test: one more row of the table.
    const PROFILES: Exporter = Exporter {
        name: "otlphttp/profiles",
        endpoint_key: "profiles_endpoint",
        purpose: Purpose::WriteTraces,
        authenticator: "basicauth/profiles",
    };

    #[test]
    fn a_new_kof_exporter_is_one_row() {
        let plan = RegionalPlan {
            via: Regional::Vmauth {
                domain: "d.io".into(),
            },
            layout: Layout::V1,
            overrides: Vec::new(),
            creds_secret: Some("creds".into()),
            insecure_skip_verify: false,
            ca: None,
        };
        let table: Vec<Exporter> = kof::EXPORTERS.iter().copied().chain([PROFILES]).collect();
        let route = spec(&plan, &table).with_cluster("mothership", "kcm-system");
        // The real 1.11 daemon collector, given the new exporter.
        let stream = include_str!("../../fixtures/kof-1.11/helm3/kof-collectors.yaml");
        let text = stream
            .split("\n---\n")
            .find(|d| {
                d.contains("kind: OpenTelemetryCollector")
                    && d.contains("name: kof-collectors-daemon")
            })
            .expect("the fixture has the daemon collector");
        let mut doc = crate::yaml::parse(text).unwrap();
        doc["spec"]["config"]["exporters"]["otlphttp/profiles"] =
            json!({"profiles_endpoint": "http://local"});
        let config = doc["spec"]["config"].clone();
        let edits = collector::edits(0, &doc, &config, &COLLECTOR, &route).unwrap();
        apply(&mut doc, Some(&path(&["spec", "config"])), &edits).unwrap();
        let c = &doc["spec"]["config"];
        assert_eq!(
            c["exporters"]["otlphttp/profiles"],
            json!({"profiles_endpoint": "https://vmauth.d.io/vti/insert/opentelemetry/v1/traces",
                   "auth": {"authenticator": "basicauth/profiles"}})
        );
        assert!(c["extensions"]["basicauth/profiles"].is_object());
        let listed = c["service"]["extensions"].as_array().unwrap();
        assert!(listed.contains(&json!("basicauth/profiles")), "{listed:?}");
        let problems = crate::check::collector(&doc, c);
        assert!(
            problems
                .iter()
                .all(|p| p.severity != crate::check::Severity::Error),
            "{problems:?}"
        );
    }
}
