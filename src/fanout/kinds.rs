//! Fan-out, stage 1 (data): the second destinations, one row each.
//!
//! A row names the destination, the exporter type it writes (its component
//! is always `<type>/kof-kernel`), the signals it carries, the `--fanout-*`
//! settings it uses and needs, how its credentials are referenced, and how
//! its bounded, non-blocking queue is written. The builders turn validated
//! settings into the exporter's definition; they must not read a collector.

use serde_json::{Map, Value, json};

/// The validated destination settings a builder reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub bucket: Option<String>,
    pub path_style: bool,
    pub role_arn: Option<String>,
    pub log_group: String,
    pub log_stream: String,
    /// The authenticator the exporter names, when credentials are basic auth.
    pub authenticator: Option<String>,
}

/// How a destination's credentials reach its exporter: only ever by reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creds {
    /// The AWS SDK's default chain: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
    /// from the Secret's keys of those names (or IRSA with `--fanout-secret none`).
    Aws,
    /// `basicauth/kof-kernel` with `KOF_KERNEL_USER`/`KOF_KERNEL_PASSWORD`
    /// from the Secret's `username`/`password` (none without a Secret).
    Basic,
}

/// Where the exporter keeps its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// exporterhelper's `sending_queue`: bounded, non-blocking, persistent.
    Sending,
    /// prometheusremotewrite's `remote_write_queue`: bounded and non-blocking
    /// (exporterhelper's defaults), in memory only.
    RemoteWrite,
}

/// One second destination.
pub struct Kind {
    pub name: &'static str,
    pub about: &'static str,
    /// The exporter type; the component is `<type>/kof-kernel`.
    pub exporter: &'static str,
    pub signals: &'static [&'static str],
    /// The `--fanout-*` settings it uses (beside the queue and kernel ones).
    pub accepts: &'static [&'static str],
    pub requires: &'static [&'static str],
    pub creds: Creds,
    /// The Secret used when `--fanout-secret` is not given.
    pub default_secret: Option<&'static str>,
    pub queue: Queue,
    pub build: fn(&Settings) -> Value,
    /// The exporter, its signals and env come from `--fanout-exporter-file`.
    pub from_file: bool,
}

/// Every destination, in the order `--help` lists them.
pub static KINDS: [Kind; 5] = [
    Kind {
        name: "otlp",
        about: "OTLP/HTTP (otlphttp/kof-kernel): logs and metrics",
        exporter: "otlphttp",
        signals: &["logs", "metrics"],
        accepts: &["fanout-endpoint", "fanout-secret"],
        requires: &["fanout-endpoint"],
        creds: Creds::Basic,
        default_secret: None,
        queue: Queue::Sending,
        build: otlp,
        from_file: false,
    },
    Kind {
        name: "remote-write",
        about: "Prometheus remote write (prometheusremotewrite/kof-kernel): metrics",
        exporter: "prometheusremotewrite",
        signals: &["metrics"],
        accepts: &["fanout-endpoint", "fanout-secret"],
        requires: &["fanout-endpoint"],
        creds: Creds::Basic,
        default_secret: None,
        queue: Queue::RemoteWrite,
        build: remote_write,
        from_file: false,
    },
    Kind {
        name: "s3",
        about: "S3 or an S3-compatible store (awss3/kof-kernel): logs and metrics as OTLP JSON",
        exporter: "awss3",
        signals: &["logs", "metrics"],
        accepts: &[
            "fanout-region",
            "fanout-bucket",
            "fanout-prefix",
            "fanout-endpoint",
            "fanout-path-style",
            "fanout-role-arn",
            "fanout-secret",
        ],
        requires: &["fanout-region", "fanout-bucket"],
        creds: Creds::Aws,
        default_secret: Some("kof-kernel-credentials"),
        queue: Queue::Sending,
        build: s3,
        from_file: false,
    },
    Kind {
        name: "cloudwatch",
        about: "AWS CloudWatch Logs (awscloudwatchlogs/kof-kernel): logs only",
        exporter: "awscloudwatchlogs",
        signals: &["logs"],
        accepts: &[
            "fanout-region",
            "fanout-endpoint",
            "fanout-log-group",
            "fanout-log-stream",
            "fanout-secret",
        ],
        requires: &["fanout-region"],
        creds: Creds::Aws,
        default_secret: Some("kof-kernel-credentials"),
        queue: Queue::Sending,
        build: cloudwatch,
        from_file: false,
    },
    Kind {
        name: "exporter-file",
        about: "the one exporter --fanout-exporter-file declares (otlp, otlphttp or awss3, named <type>/kof-kernel[-x])",
        exporter: "",
        signals: &["logs", "metrics"],
        accepts: &["fanout-exporter-file"],
        requires: &["fanout-exporter-file"],
        creds: Creds::Basic,
        default_secret: None,
        queue: Queue::Sending,
        build: |_| Value::Null,
        from_file: true,
    },
];

/// Exporter types a `--fanout-exporter-file` may declare: those whose
/// exporterhelper `sending_queue` (bounded, non-blocking) is checked (otlp and
/// otlphttp in the collector core, awss3 since contrib PR #37274).
pub const QUEUED_TYPES: [&str; 3] = ["otlp", "otlphttp", "awss3"];

/// The fan-out section of `kof-route routes`.
pub fn listing() -> String {
    let mut out = String::from(
        "\nfan-out (--fanout KIND beside any route: a recovery kernel to a second store; `kof-route kernel` prints it)\n",
    );
    for k in &KINDS {
        let needs: Vec<String> = k.requires.iter().map(|f| format!("--{f}")).collect();
        let optional: Vec<String> = k
            .accepts
            .iter()
            .filter(|f| !k.requires.contains(f))
            .map(|f| format!("--{f}"))
            .collect();
        let optional = match optional.is_empty() {
            true => String::new(),
            false => format!("{} optional; ", optional.join(", ")),
        };
        out.push_str(&format!(
            "{}\n  needs:   {} ({optional}--fanout-queue, --fanout-queue-size, --kernel for every kind)\n  changes: {}\n",
            k.name,
            needs.join(", "),
            k.about
        ));
    }
    out
}

/// The destination called `name`.
pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

fn with_auth(mut def: Map<String, Value>, s: &Settings) -> Value {
    if let Some(auth) = &s.authenticator {
        def.insert("auth".into(), json!({"authenticator": auth}));
    }
    Value::Object(def)
}

fn otlp(s: &Settings) -> Value {
    let mut def = Map::new();
    def.insert("endpoint".into(), json!(s.endpoint));
    with_auth(def, s)
}

fn remote_write(s: &Settings) -> Value {
    let mut def = Map::new();
    def.insert("endpoint".into(), json!(s.endpoint));
    with_auth(def, s)
}

fn s3(s: &Settings) -> Value {
    let mut up = Map::new();
    up.insert("region".into(), json!(s.region));
    up.insert("s3_bucket".into(), json!(s.bucket));
    // The prefix is per collector (`edit` fills it), so kernels of several
    // collectors and clusters in one bucket stay apart.
    up.insert(
        "s3_partition_format".into(),
        json!("year=%Y/month=%m/day=%d/hour=%H/minute=%M"),
    );
    up.insert("compression".into(), json!("gzip"));
    if let Some(e) = &s.endpoint {
        up.insert("endpoint".into(), json!(e));
    }
    if s.path_style {
        up.insert("s3_force_path_style".into(), json!(true));
    }
    if let Some(arn) = &s.role_arn {
        up.insert("role_arn".into(), json!(arn));
    }
    json!({"s3uploader": up, "marshaler": "otlp_json"})
}

fn cloudwatch(s: &Settings) -> Value {
    let mut def = Map::new();
    def.insert("region".into(), json!(s.region));
    def.insert("log_group_name".into(), json!(s.log_group));
    def.insert("log_stream_name".into(), json!(s.log_stream));
    if let Some(e) = &s.endpoint {
        def.insert("endpoint".into(), json!(e));
    }
    Value::Object(def)
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A destination is its name (the table holds each once).
impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.name == other.name
    }
}
