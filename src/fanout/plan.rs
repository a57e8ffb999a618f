//! Fan-out, validation stage: `plan` turns the `--fanout*` and `--kernel`
//! settings (`FanoutArgs`) into one checked `FanoutSpec` (destination from
//! the `kinds` table, kernel from `kernel`, credentials as Secret references
//! only), refusing a setting the chosen destination does not use. It is given
//! the route's env, not the route: the caller (`cli::plan`) puts the result
//! into the route's spec. It reads the kernel and exporter files, nothing else.

use super::kinds::{self, Creds, Kind, Queue};
use super::{AWS_ENV, FanoutArgs, FanoutSpec, OWNED, file, kernel};
use crate::exporter_file::SecretEnv;
use crate::names::{self, Checked, usage};
use serde_json::{Value, json};

const BASIC_ENV: [(&str, &str); 2] = [
    ("KOF_KERNEL_USER", "username"),
    ("KOF_KERNEL_PASSWORD", "password"),
];
/// Refuse `--fanout-*` settings the destination (or no destination) would ignore.
fn refuse_unused(kind: Option<&Kind>, args: &FanoutArgs) -> Checked<()> {
    for (flag, given) in args.settings() {
        if !given {
            continue;
        }
        match kind {
            None => {
                return usage(format!(
                    "--{flag} needs --fanout; remove it or choose a destination"
                ));
            }
            Some(k)
                if !k.accepts.contains(&flag)
                    && !flag.starts_with("fanout-queue")
                    && flag != "kernel" =>
            {
                return usage(format!(
                    "--{flag} is not used by --fanout {}; remove it",
                    k.name
                ));
            }
            _ => {}
        }
    }
    if let Some(k) = kind {
        let missing: Vec<String> = k
            .requires
            .iter()
            .filter(|f| !args.settings().iter().any(|(g, set)| g == *f && *set))
            .map(|f| format!("--{f}"))
            .collect();
        if !missing.is_empty() {
            return usage(format!(
                "{} required for --fanout {}",
                missing.join(" and ") + if missing.len() > 1 { " are" } else { " is" },
                k.name
            ));
        }
    }
    Ok(())
}

/// The fan-out of `args` beside a route reading `route_env` (`None` without `--fanout`).
pub fn plan(
    args: &FanoutArgs,
    cluster: (&str, &str),
    route_env: &[SecretEnv],
) -> Checked<Option<FanoutSpec>> {
    let kind =
        match args.fanout.as_deref() {
            None | Some("none") => None,
            Some(name) => Some(kinds::find(name).ok_or_else(|| {
                names::UsageError(format!("--fanout {name:?} is not a destination"))
            })?),
        };
    refuse_unused(kind, args)?;
    let Some(kind) = kind else {
        return Ok(None);
    };
    let (exporter, definition, signals, extensions, env) = destination(kind, args)?;
    let kernel = kernel::Kernel::load(args.kernel.as_deref())?;
    let filters: Vec<(&'static str, Value)> = signals
        .iter()
        .filter_map(|s| kernel.filter(s).map(|f| (*s, f)))
        .collect();
    if filters.is_empty() {
        return usage(format!(
            "the kernel keeps nothing --fanout {} carries ({}); give --kernel a file with such items",
            kind.name,
            signals.join(", ")
        ));
    }
    let disk = match (args.fanout_queue.as_deref(), kind.queue) {
        (Some("disk"), Queue::RemoteWrite) => {
            return usage(
                "--fanout-queue disk: the remote-write exporter's queue is in memory only; remove it",
            );
        }
        (q, Queue::Sending) => q != Some("memory"),
        (_, Queue::RemoteWrite) => false,
    };
    let queue_size = args.fanout_queue_size.unwrap_or(100);
    if !(1..=10_000).contains(&queue_size) {
        return usage(
            "--fanout-queue-size: expected 1 to 10000 batches (the queue must stay bounded)",
        );
    }
    refuse_aws_clash(&env, route_env)?;
    let prefix = args.fanout_prefix.as_deref().map(prefix).transpose()?;
    Ok(Some(FanoutSpec {
        kind,
        exporter,
        definition,
        prefix,
        filters,
        extensions,
        env,
        cluster_name: cluster.0.into(),
        cluster_namespace: cluster.1.into(),
        disk,
        queue_size,
    }))
}

/// The exporter, its settings and signals, and the credentials it reads.
type Destination = (
    String,
    Value,
    Vec<&'static str>,
    Vec<(String, Value)>,
    Vec<SecretEnv>,
);

fn destination(kind: &Kind, args: &FanoutArgs) -> Checked<Destination> {
    if let (true, Some(path)) = (kind.from_file, &args.fanout_exporter_file) {
        let d = file::load(path)?;
        return Ok((d.name, d.definition, d.signals, Vec::new(), d.env));
    }
    let secret = match args.fanout_secret.as_deref().or(kind.default_secret) {
        None | Some("none") => None,
        Some(s) => Some(names::object_name("fanout-secret", s)?),
    };
    let mut settings = settings(kind, args)?;
    let (extensions, env) = credentials(kind, secret.as_deref(), &mut settings);
    let exporter = format!("{}/{OWNED}", kind.exporter);
    Ok((
        exporter,
        (kind.build)(&settings),
        kind.signals.to_vec(),
        extensions,
        env,
    ))
}

fn settings(kind: &Kind, args: &FanoutArgs) -> Checked<kinds::Settings> {
    let opt = |v: &Option<String>, f: fn(&str, &str) -> Checked<String>, flag: &str| {
        v.as_deref().map(|v| f(flag, v)).transpose()
    };
    let role_arn = match &args.fanout_role_arn {
        Some(arn)
            if !arn.starts_with("arn:")
                || arn
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '$') =>
        {
            return usage(
                "--fanout-role-arn: expected an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
            );
        }
        other => other.clone(),
    };
    let bucket = match &args.fanout_bucket {
        Some(b) => Some(names::dns_name("fanout-bucket", b)?),
        None => None,
    };
    let stream_default = if kind.name == "cloudwatch" {
        "${env:OTEL_K8S_POD_NAME}"
    } else {
        ""
    };
    Ok(kinds::Settings {
        endpoint: opt(&args.fanout_endpoint, names::url, "fanout-endpoint")?,
        region: opt(&args.fanout_region, names::aws_region, "fanout-region")?,
        bucket,
        path_style: args.fanout_path_style,
        role_arn,
        log_group: names::log_group(
            "fanout-log-group",
            args.fanout_log_group.as_deref().unwrap_or(OWNED),
        )?,
        log_stream: match &args.fanout_log_stream {
            Some(s) => names::log_stream("fanout-log-stream", s)?,
            None => stream_default.into(),
        },
        authenticator: None,
    })
}

/// An S3 key prefix: letters, digits and `-._/`, no leading or trailing `/`.
fn prefix(p: &str) -> Checked<String> {
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.ends_with('/')
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
    match ok {
        true => Ok(p.into()),
        false => usage(format!(
            "--fanout-prefix: {:?} is not a valid S3 key prefix: letters, digits, '-', '.', '_' and inner '/' only",
            names::escape(p)
        )),
    }
}

/// The extensions and env a destination's credentials need, by reference only.
fn credentials(
    kind: &Kind,
    secret: Option<&str>,
    s: &mut kinds::Settings,
) -> (Vec<(String, Value)>, Vec<SecretEnv>) {
    let Some(secret) = secret else {
        return (Vec::new(), Vec::new());
    };
    match kind.creds {
        Creds::Aws => (
            Vec::new(),
            AWS_ENV.map(|k| SecretEnv::new(k, secret, k)).to_vec(),
        ),
        Creds::Basic => {
            let auth = format!("basicauth/{OWNED}");
            s.authenticator = Some(auth.clone());
            let [(user, _), (password, _)] = BASIC_ENV;
            let def = json!({"client_auth": {"username": format!("${{env:{user}}}"), "password": format!("${{env:{password}}}")}});
            let env = BASIC_ENV
                .map(|(n, k)| SecretEnv::new(n, secret, k))
                .to_vec();
            (vec![(auth, def)], env)
        }
    }
}

/// One collector has one AWS environment: the kernel may not read its AWS
/// keys from another Secret than the route's (one signal would silently go
/// with the other's account).
fn refuse_aws_clash(env: &[SecretEnv], route_env: &[SecretEnv]) -> Checked<()> {
    for mine in env {
        if let Some(theirs) = route_env
            .iter()
            .find(|e| e.name == mine.name && e.secret != mine.secret)
        {
            return usage(format!(
                "--fanout-secret {}: the route already reads {} from Secret {}, and a collector has one AWS \
                 environment; use the same Secret (--fanout-secret {}) or none (IRSA)",
                mine.secret, mine.name, theirs.secret, theirs.secret
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(kind: &str) -> FanoutArgs {
        FanoutArgs {
            fanout: Some(kind.into()),
            ..Default::default()
        }
    }

    fn plan_of(a: &FanoutArgs) -> Checked<Option<FanoutSpec>> {
        plan(a, ("mothership", "kcm-system"), &[])
    }

    #[test]
    fn refuses_settings_the_destination_ignores_or_lacks() {
        let mut a = FanoutArgs {
            fanout_bucket: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(
            plan_of(&a).unwrap_err().0,
            "--fanout-bucket needs --fanout; remove it or choose a destination"
        );
        a.fanout = Some("otlp".into());
        assert_eq!(
            plan_of(&a).unwrap_err().0,
            "--fanout-bucket is not used by --fanout otlp; remove it"
        );
        let err = plan_of(&args("s3")).unwrap_err().0;
        assert_eq!(
            err,
            "--fanout-region and --fanout-bucket are required for --fanout s3"
        );
        assert_eq!(
            plan_of(&args("otlp")).unwrap_err().0,
            "--fanout-endpoint is required for --fanout otlp"
        );
        let mut rw = args("remote-write");
        rw.fanout_endpoint = Some("http://127.0.0.1:8428/api/v1/write".into());
        rw.fanout_queue = Some("disk".into());
        assert!(plan_of(&rw).unwrap_err().0.contains("in memory only"));
        rw.fanout_queue = None;
        rw.fanout_queue_size = Some(0);
        assert!(plan_of(&rw).unwrap_err().0.contains("bounded"));
        assert_eq!(plan_of(&FanoutArgs::default()).unwrap(), None);
    }

    #[test]
    fn credentials_are_references() {
        let mut a = args("otlp");
        a.fanout_endpoint = Some("https://otlp.example.com".into());
        let open = plan_of(&a).unwrap().unwrap();
        assert!(open.env.is_empty() && open.extensions.is_empty());
        assert!(open.definition.get("auth").is_none());
        a.fanout_secret = Some("kernel-creds".into());
        let basic = plan_of(&a).unwrap().unwrap();
        assert_eq!(
            basic.definition["auth"]["authenticator"],
            "basicauth/kof-kernel"
        );
        assert_eq!(
            basic.env[0],
            SecretEnv::new("KOF_KERNEL_USER", "kernel-creds", "username")
        );
        let mut s3 = args("s3");
        s3.fanout_region = Some("us-east-2".into());
        s3.fanout_bucket = Some("kof-recovery".into());
        let p = plan_of(&s3).unwrap().unwrap();
        assert_eq!(
            p.env[1],
            SecretEnv::new(
                "AWS_SECRET_ACCESS_KEY",
                "kof-kernel-credentials",
                "AWS_SECRET_ACCESS_KEY"
            )
        );
        assert_eq!(p.definition["s3uploader"]["s3_bucket"], "kof-recovery");
        assert!(p.disk && p.queue_size == 100);
    }

    #[test]
    fn refuses_a_second_aws_secret_in_one_collector() {
        let route_env = AWS_ENV
            .map(|k| SecretEnv::new(k, "cloudwatch-credentials", k))
            .to_vec();
        let mut a = args("s3");
        a.fanout_region = Some("us-east-2".into());
        a.fanout_bucket = Some("kof-recovery".into());
        let err = plan(&a, ("m", "kcm-system"), &route_env).unwrap_err().0;
        assert!(err.contains("from Secret cloudwatch-credentials"), "{err}");
        a.fanout_secret = Some("cloudwatch-credentials".into());
        assert!(plan(&a, ("m", "kcm-system"), &route_env).is_ok());
        a.fanout_secret = Some("none".into());
        assert!(
            plan(&a, ("m", "kcm-system"), &route_env)
                .unwrap()
                .unwrap()
                .env
                .is_empty()
        );
    }
}
