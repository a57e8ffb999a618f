//! Hostile and broken input: kof-route never panics, never writes a partial
//! stream, never leaks a secret.
//!
//! Helm pipes whatever a chart renders into the post-renderer, and an empty or
//! truncated stdout makes Helm 3 prune a whole release. These tests run the
//! built binary over the corpus in `tests/hostile/` (its README.md holds the
//! table of inputs and expected outcomes that `corpus_table` reads), over large
//! inputs generated at run time (100 MB, 100,000 documents, deep nesting), over
//! every prefix of a stream, over bad flag values and config files, and check
//! that no secret value from the input reaches a message.
//!
//! Every run, whatever its input, must: exit 0, 1 or 2 (never a panic or a
//! signal); write nothing to stdout unless it exits 0; name the document
//! (`doc #N ... (line L)`) when it refuses input; and never print a value that
//! starts with `S3CRET` (the corpus's secret values).

mod support;

use kof_route::cli::plan::Plan;
use kof_route::{read, render, select};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::{BIN, Run, root, run, run_with};

fn corpus_dir() -> PathBuf {
    root().join("tests/hostile")
}

/// The flags of a route by name (the registry's example), followed by any
/// extra flags given after the name (`mothership --allow-missing`).
fn route_args(spec: &str) -> Vec<String> {
    let mut words = spec.split_whitespace();
    let mut args = support::route_flags(words.next().expect("a route name"));
    args.extend(words.map(String::from));
    args
}

/// The plan for a route, built the way the binary builds it.
fn plan(spec: &str) -> Plan {
    support::plan(&route_args(spec))
}

/// What every run must satisfy, whatever its input.
fn check_any_run(what: &str, run: &Run, failures: &mut Vec<String>) {
    let mut fail = |m: String| failures.push(format!("{what}: {m}"));
    match run.code {
        Some(0..=2) => {}
        Some(c) => fail(format!("exit {c} (a panic exits 101): {}", run.stderr)),
        None => fail("killed by a signal".into()),
    }
    if run.stderr.contains("panicked") {
        fail(format!("panicked: {}", run.stderr));
    }
    if run.stderr.contains("S3CRET") {
        fail(format!("a secret value reached stderr: {}", run.stderr));
    }
    if run.code != Some(0) {
        if !run.stdout.is_empty() {
            fail(format!(
                "exit {:?} but wrote {} bytes to stdout",
                run.code,
                run.stdout.len()
            ));
        }
        if !run.stderr.starts_with("kof-route: ") {
            fail(format!(
                "failed without a kof-route message: {:?}",
                run.stderr
            ));
        }
    }
    let input_error = run.code == Some(1) && !run.stderr.contains("no OpenTelemetryCollector");
    if input_error && !(run.stderr.contains("doc #") && run.stderr.contains("(line ")) {
        fail(format!(
            "refused input without naming the document and line: {}",
            run.stderr
        ));
    }
}

/// The stream invariants of a successful run (tests/support), and a second
/// run with the same flags changes nothing.
fn check_success(what: &str, args: &[String], input: &[u8], output: &[u8], f: &mut Vec<String>) {
    for problem in support::stream_invariants(input, output) {
        f.push(format!("{what}: {problem}"));
    }
    if let Some(problem) = support::second_run_changes_nothing(args, output) {
        f.push(format!("{what}: {problem}"));
    }
}

/// One row of a table in tests/hostile/README.md.
#[derive(Debug)]
struct Row {
    input: String,
    route: String,
    exit: i32,
    expect: Vec<String>,
}

/// The rows of the table under `## {section}` in tests/hostile/README.md.
fn table(section: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(corpus_dir().join("README.md")).unwrap();
    let heading = format!("## {section}");
    let start = text
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("README.md has no {heading:?} section"));
    let mut rows = Vec::new();
    for line in text.lines().skip(start + 1) {
        if line.starts_with("## ") {
            break;
        }
        let Some(inner) = line.strip_prefix('|') else {
            continue;
        };
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        let Some(name) = cells[0].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue; // the header row and the |---| row
        };
        assert!(cells.len() >= 4, "short row in {section}: {line}");
        rows.push(Row {
            input: name.to_string(),
            route: cells[1].trim_matches('`').to_string(),
            exit: cells[2]
                .parse()
                .unwrap_or_else(|_| panic!("exit in {line}")),
            expect: cells[3]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect(),
        });
    }
    assert!(!rows.is_empty(), "no rows under {heading}");
    rows
}

/// Run one table row and check it: the common rules, the exit code, the
/// expected fragments (`text` in stderr, `!text` not in stderr, `out:text` in
/// stdout, `!out:text` not in stdout, `=input` stdout is the input, `=crlf`
/// every output line ends in CRLF), and on success the stream invariants.
fn check_row(row: &Row, failures: &mut Vec<String>) {
    let input = std::fs::read(corpus_dir().join(&row.input))
        .unwrap_or_else(|e| panic!("{}: {e}", row.input));
    let args = route_args(&row.route);
    let what = format!("{} [{}]", row.input, row.route);
    let r = run(&args, &input);
    check_any_run(&what, &r, failures);
    if r.code != Some(row.exit) {
        failures.push(format!(
            "{what}: exit {:?}, expected {}; stderr: {}",
            r.code, row.exit, r.stderr
        ));
        return;
    }
    let stdout = String::from_utf8_lossy(&r.stdout);
    for want in &row.expect {
        let ok = if let Some(t) = want.strip_prefix("!out:") {
            !stdout.contains(t)
        } else if let Some(t) = want.strip_prefix("out:") {
            stdout.contains(t)
        } else if let Some(t) = want.strip_prefix('!') {
            !r.stderr.contains(t)
        } else if want == "=input" {
            r.stdout == input
        } else if want == "=crlf" {
            r.stdout
                .split_inclusive(|&b| b == b'\n')
                .all(|l| l.ends_with(b"\r\n"))
        } else {
            r.stderr.contains(want.as_str())
        };
        if !ok {
            failures.push(format!(
                "{what}: expected {want:?}; stderr: {}",
                r.stderr.trim_end()
            ));
        }
    }
    if r.code == Some(0) {
        check_success(&what, &args, &input, &r.stdout, failures);
    }
}

fn check_table(section: &str) {
    let mut failures = Vec::new();
    for row in table(section) {
        check_row(&row, &mut failures);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn corpus_table() {
    check_table("Corpus");
}

#[test]
fn every_corpus_file_has_a_row_and_every_row_a_file() {
    let mut rows: Vec<Row> = table("Corpus");
    rows.extend(table("Findings"));
    let named: BTreeSet<&str> = rows.iter().map(|r| r.input.as_str()).collect();
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".yaml") {
            files.insert(name);
        }
    }
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|f| !named.contains(f.as_str()))
        .collect();
    let missing: Vec<&&str> = named.iter().filter(|n| !files.contains(**n)).collect();
    assert!(
        unlisted.is_empty(),
        "corpus files with no row: {unlisted:?}"
    );
    assert!(missing.is_empty(), "rows naming no file: {missing:?}");
    for route in kof_route::routes::REGISTRY.iter().map(|r| r.name) {
        assert!(
            rows.iter().any(|r| r.route.starts_with(route)),
            "no row runs the {route} route"
        );
    }
}

/// `kof-route check FILE` over the whole corpus: a report or a refusal, never a
/// panic, and no secret value in either stream.
#[test]
fn check_subcommand_over_the_corpus() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let args = vec!["check".to_string(), path.display().to_string()];
        let r = run(&args, b"");
        let what = format!("check {}", path.file_name().unwrap().to_string_lossy());
        if !matches!(r.code, Some(0 | 1)) {
            failures.push(format!("{what}: exit {:?}: {}", r.code, r.stderr));
        }
        if r.stderr.contains("panicked") {
            failures.push(format!("{what}: panicked: {}", r.stderr));
        }
        if r.stderr.contains("S3CRET") || String::from_utf8_lossy(&r.stdout).contains("S3CRET") {
            failures.push(format!("{what}: printed a secret value"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The collector every generated stream carries (and its line count).
fn collector() -> String {
    let text = std::fs::read_to_string(corpus_dir().join("no-final-newline.yaml")).unwrap();
    let at = text
        .find("---\n# Source: kof-collectors/templates/opentelemetry/")
        .unwrap();
    format!("{}\n", &text[at..])
}

/// Peak resident memory of kof-route over `input`, in KiB, from `/usr/bin/time`
/// (GNU time, in the machine image); `None` where it is missing.
fn peak_rss_kib(args: &[String], input: &Path) -> Option<(u64, Run)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("/usr/bin/time is missing: peak memory not measured");
        return None;
    }
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(BIN)
        .args(args)
        .env_clear()
        .stdin(std::fs::File::open(input).unwrap())
        .output()
        .unwrap();
    let kib = std::fs::read_to_string(report.path()).ok()?;
    let kib = kib.lines().last()?.trim().parse().ok()?;
    Some((
        kib,
        Run {
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        },
    ))
}

/// A 100 MiB single document, once not a candidate at all (a ConfigMap) and
/// once found by the byte search (it mentions opencost and Deployment) and
/// ruled out by its top-level `kind:` line: exit 0, copied byte for byte, and
/// peak memory a small multiple of the input (release build: 1.04x for both;
/// scripts/measure-memory.sh measures a parsed 100 MiB List too; the bounds
/// leave room for the debug build).
#[test]
fn hundred_megabyte_document() {
    const SIZE: usize = 100 << 20;
    let dir = tempfile::tempdir().unwrap();
    let line = format!("    {}\n", "x".repeat(95));
    let mut failures = Vec::new();
    for (name, bound) in [("big-blob", 1.5), ("opencost-dashboard", 6.0)] {
        let mut input = collector().into_bytes();
        input.extend_from_slice(
            format!(
                "---\n# Source: kof-collectors/templates/dashboard.yaml\napiVersion: v1\n\
                 kind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: kof\n  \
                 annotations: {{note: a dashboard of the Deployment}}\ndata:\n  blob: |\n"
            )
            .as_bytes(),
        );
        while input.len() < SIZE {
            input.extend_from_slice(line.as_bytes());
        }
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, &input).unwrap();
        let args = route_args("mothership");
        let started = Instant::now();
        let (kib, r) = match peak_rss_kib(&args, &path) {
            Some((kib, r)) => (Some(kib), r),
            None => (None, run(&args, &input)),
        };
        let what = format!("100 MiB {name}");
        eprintln!(
            "{what}: exit {:?} in {:.1?}, peak RSS {} KiB",
            r.code,
            started.elapsed(),
            kib.map_or("?".into(), |k| k.to_string())
        );
        check_any_run(&what, &r, &mut failures);
        if r.code != Some(0) {
            failures.push(format!("{what}: exit {:?}: {}", r.code, r.stderr));
            continue;
        }
        let (a, b) = (read::split(&input), read::split(&r.stdout));
        if a.docs.len() != 2 || b.docs.len() != 2 || a.docs[1].raw != b.docs[1].raw {
            failures.push(format!(
                "{what}: the big document did not come out as it went in"
            ));
        }
        if let Some(kib) = kib {
            let ratio = (kib as f64 * 1024.0) / input.len() as f64;
            if ratio > bound {
                failures.push(format!(
                    "{what}: peak RSS {kib} KiB is {ratio:.1}x the input, over {bound}x"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// 100,000 tiny documents, one in ten found by the byte search (a ConfigMap
/// that mentions opencost and Deployment; its kind line rules it out), and one
/// collector: every document kept, in order.
#[test]
fn hundred_thousand_documents() {
    let mut input = String::new();
    for i in 0..100_000 {
        if i % 10 == 0 {
            input.push_str(&format!(
                "---\n# Source: notes.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: opencost-{i}\ndata: {{note: not a Deployment}}\n"
            ));
        } else {
            input.push_str(&format!(
                "---\n# Source: cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata: {{k: v}}\n"
            ));
        }
        if i == 50_000 {
            input.push_str(&collector());
        }
    }
    let args = route_args("regional");
    let started = Instant::now();
    let r = run(&args, input.as_bytes());
    eprintln!(
        "100,001 documents: exit {:?} in {:.1?}",
        r.code,
        started.elapsed()
    );
    let mut failures = Vec::new();
    check_any_run("100,000 documents", &r, &mut failures);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    check_success(
        "100,000 documents",
        &args,
        input.as_bytes(),
        &r.stdout,
        &mut failures,
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A collector whose config carries `value` under `x:` (a flow value on one line).
fn collector_with_x(value: &str) -> String {
    collector().replace("    service:\n", &format!("    x: {value}\n    service:\n"))
}

/// Deep nesting: refused with the document named when it is in a collector
/// (the parser's depth limit, not a stack overflow), copied when it is not a
/// candidate, and routed at a depth real configs could have.
///
/// The in-process checks run on a 16 MiB stack: `render` parses on threads of
/// its own, but `check_success` calls `select`, which parses on the caller's
/// thread (FINDINGS.md, F5).
#[test]
fn deep_nesting() {
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(deep_nesting_checks)
        .unwrap()
        .join()
        .unwrap();
}

fn deep_nesting_checks() {
    let args = route_args("mothership");
    let mut failures = Vec::new();
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    let mut block = String::from("    x:\n");
    for depth in 0..1_000 {
        block.push_str(&format!("{}k{depth}:\n", " ".repeat(depth + 5)));
    }
    let cases: Vec<(String, String, i32)> = vec![
        (
            "flow [] x100 in a collector".into(),
            collector_with_x(&deep("[", "]", 100)),
            0,
        ),
        (
            "flow {} x100 in a collector".into(),
            collector_with_x(&deep("{a: ", "}", 100)),
            0,
        ),
        (
            "flow [] x100,000 in a collector".into(),
            collector_with_x(&deep("[", "]", 100_000)),
            1,
        ),
        (
            "flow {} x100,000 in a collector".into(),
            collector_with_x(&deep("{a: ", "}", 100_000)),
            1,
        ),
        (
            "block mapping x1,000 in a collector".into(),
            collector().replace("    service:\n", &format!("{block}    service:\n")),
            1,
        ),
        (
            "flow [] x1,000,000 in a ConfigMap".into(),
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}\n{}",
                deep("[", "]", 1_000_000),
                collector()
            ),
            0,
        ),
    ];
    for (what, input, exit) in cases {
        let r = run(&args, input.as_bytes());
        check_any_run(&what, &r, &mut failures);
        if r.code != Some(exit) {
            failures.push(format!(
                "{what}: exit {:?}, expected {exit}: {}",
                r.code, r.stderr
            ));
        } else if exit == 1 && !r.stderr.contains("OpenTelemetryCollector kof/kc-daemon") {
            failures.push(format!("{what}: collector not named: {}", r.stderr));
        } else if exit == 0 {
            check_success(&what, &args, input.as_bytes(), &r.stdout, &mut failures);
        }
    }
    // In process too, on a test thread's small stack: the library is safe to embed.
    let plan = plan("mothership");
    for n in [10_000, 1_000_000] {
        let input = collector_with_x(&deep("[", "]", n));
        let err = render(&plan, input.as_bytes()).expect_err("too deep");
        assert!(err.to_string().contains("doc #1"), "{err}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every prefix of a stream (Helm's stdout cut anywhere): render returns the
/// whole routed stream or an error naming the document and line, never a panic.
#[test]
fn truncated_at_every_byte() {
    let full = std::fs::read(corpus_dir().join("secrets.yaml")).unwrap();
    for spec in ["mothership", "regional"] {
        let plan = plan(spec);
        for cut in 0..=full.len() {
            let input = &full[..cut];
            match render(&plan, input) {
                Ok(r) => {
                    let output = r.output();
                    let (a, b) = (read::split(input), read::split(&output));
                    assert_eq!(a.docs.len(), b.docs.len(), "cut at {cut}");
                    let again = render(&plan, &output).expect("the output is accepted again");
                    assert_eq!(again.output(), output, "not idempotent, cut at {cut}");
                }
                Err(e) => {
                    let m = format!("{e:#}");
                    assert!(
                        m.contains("no OpenTelemetryCollector")
                            || (m.contains("doc #") && m.contains("(line ")),
                        "cut at {cut}: {m}"
                    );
                    assert!(!m.contains("S3CRET"), "cut at {cut}: {m}");
                }
            }
        }
    }
}

/// Flag values are input too: each bad value is refused before stdin is read,
/// exit 2, with a message naming the flag.
#[test]
fn bad_flag_values_exit_2_naming_the_flag() {
    let long_name = "a".repeat(254);
    let long_label = "a".repeat(64);
    let regional = ["--route=regional", "--regional-cluster=regional-1"];
    // (flags, environment, the flag the message must name)
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            flags(&regional, &["--regional-domain=bad domain"]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&regional, &["--regional-domain=a.example.com\nb"]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&regional, &["--regional-domain=example.com/vm"]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&regional, &["--regional-domain=example.com:8443"]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&regional, &["--regional-domain=https://example.com"]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&regional, &["--regional-domain="]),
            vec![],
            "--regional-domain",
        ),
        (
            flags(&["--route=mothership"], &["--cluster-name=Mothership"]),
            vec![],
            "--cluster-name",
        ),
        (
            flags(
                &["--route=mothership"],
                &[&format!("--cluster-name={long_name}")],
            ),
            vec![],
            "--cluster-name",
        ),
        (
            flags(
                &["--route=mothership"],
                &[&format!("--cluster-namespace={long_label}")],
            ),
            vec![],
            "--cluster-namespace",
        ),
        (
            flags(&["--route=mothership"], &["--cluster-namespace=KCM"]),
            vec![],
            "--cluster-namespace",
        ),
        (
            flags(
                &["--route=regional-istio"],
                &["--regional-cluster=Regional-1"],
            ),
            vec![],
            "--regional-cluster",
        ),
        (
            flags(
                &["--route=regional", "--regional-domain=example.com"],
                &["--creds-secret=My_Secret"],
            ),
            vec![],
            "--creds-secret",
        ),
        (
            flags(&["--route=cloudwatch"], &["--aws-region=us_east"]),
            vec![],
            "--aws-region",
        ),
        (
            flags(&["--route=cloudwatch"], &["--aws-region=us-east-1a"]),
            vec![],
            "--aws-region",
        ),
        (
            flags(
                &["--route=cloudwatch", "--aws-region=us-east-2"],
                &["--log-group=a b"],
            ),
            vec![],
            "--log-group",
        ),
        (
            flags(
                &["--route=cloudwatch", "--aws-region=us-east-2"],
                &["--log-stream=a:b"],
            ),
            vec![],
            "--log-stream",
        ),
        (
            flags(
                &["--route=cloudwatch", "--aws-region=us-east-2"],
                &["--aws-secret=AWS"],
            ),
            vec![],
            "--aws-secret",
        ),
        (flags(&["--route=nowhere"], &[]), vec![], "--route"),
        (
            vec![],
            vec![
                ("KOF_ROUTE", "mothership"),
                ("KOF_ROUTE_CLUSTER_NAME", "Bad Name"),
            ],
            "--cluster-name",
        ),
        (
            vec![],
            vec![
                ("KOF_ROUTE", "regional"),
                ("KOF_ROUTE_REGIONAL_DOMAIN", "example.com:443"),
                ("KOF_ROUTE_REGIONAL_CLUSTER", "regional-1"),
            ],
            "--regional-domain",
        ),
    ];
    let input = collector();
    let mut failures = Vec::new();
    for (args, envs, flag) in cases {
        let r = run_with(&args, &envs, input.as_bytes());
        let what = format!("{args:?} {envs:?}");
        check_any_run(&what, &r, &mut failures);
        if r.code != Some(2) || !r.stderr.contains(flag) {
            failures.push(format!(
                "{what}: expected exit 2 naming {flag}, got {:?}: {}",
                r.code, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn flags(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| s.to_string()).collect()
}

/// A config file that is not YAML, not a mapping, has unknown or misspelled
/// keys, a value of the wrong type or shape, or is not a file: exit 2, naming
/// `--config` and the key (or the flag the key stands for).
#[test]
fn bad_config_files_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[u8], &str)] = &[
        (b"route: [mothership\n", "--config"),
        (b"{{{{\n", "--config"),
        (b"\x00\x01\x02binary", "--config"),
        (b"\xff\xfe r\x00o\x00u\x00t\x00e\x00", "--config"),
        (b"- route\n- mothership\n", "--config"),
        (b"just a sentence.\n", "--config"),
        (
            b"route: mothership\nregional-domian: example.com\n",
            "regional-domian",
        ),
        (
            b"route: mothership\nregional_domain: example.com\n",
            "regional_domain",
        ),
        (
            b"route: mothership\npassword: S3CRET-config-password\n",
            "password",
        ),
        (b"route: mothership\nconfig: other.yaml\n", "config"),
        (b"route: teleport\n", "teleport"),
        (b"route: [mothership]\n", "--config"),
        (b"route: mothership\nallow-missing: sometimes\n", "--config"),
        (
            b"route: mothership\ncluster-name: Mothership\n",
            "--cluster-name",
        ),
        (
            b"route: regional\nregional-domain: bad domain\nregional-cluster: r1\n",
            "--regional-domain",
        ),
        (b"route: cloudwatch\naws-region: us_east\n", "--aws-region"),
        (b"route: mothership\n\tcluster-name: x\n", "--config"),
    ];
    let input = collector();
    let mut failures = Vec::new();
    for (i, (text, want)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("config-{i}.yaml"));
        std::fs::write(&file, text).unwrap();
        let args = vec![format!("--config={}", file.display())];
        let r = run(&args, input.as_bytes());
        let what = format!("config {:?}", String::from_utf8_lossy(text));
        check_any_run(&what, &r, &mut failures);
        if r.code != Some(2) || !r.stderr.contains(want) {
            failures.push(format!(
                "{what}: expected exit 2 naming {want}, got {:?}: {}",
                r.code, r.stderr
            ));
        }
    }
    for path in [dir.path().join("missing.yaml"), dir.path().to_path_buf()] {
        let r = run(&[format!("--config={}", path.display())], input.as_bytes());
        check_any_run("config path", &r, &mut failures);
        if r.code != Some(2) || !r.stderr.contains("--config") {
            failures.push(format!(
                "--config {}: {:?}: {}",
                path.display(),
                r.code,
                r.stderr
            ));
        }
    }
    // Environment variables are a config source too.
    let file = dir.path().join("unknown.yaml");
    std::fs::write(&file, "route: mothership\nextra: 1\n").unwrap();
    let r = run_with(
        &[] as &[&str],
        &[("KOF_ROUTE_CONFIG", file.to_str().unwrap())],
        input.as_bytes(),
    );
    if r.code != Some(2) || !r.stderr.contains("extra") {
        failures.push(format!(
            "KOF_ROUTE_CONFIG with an unknown key: {:?}: {}",
            r.code, r.stderr
        ));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Values of secret-like fields in a manifest stream: any key containing
/// `password`, `passwd`, `token`, `secret`, `authorization` or `api-key` (any
/// case and spelling), and the `value` of an env entry whose `name` contains
/// one. Found with the library's own reader, so it does not depend on the
/// corpus's `S3CRET` naming.
fn secret_values(input: &[u8]) -> BTreeSet<String> {
    fn secret_like(key: &str) -> bool {
        let k = key.to_ascii_lowercase();
        [
            "password",
            "passwd",
            "token",
            "secret",
            "authorization",
            "api-key",
            "apikey",
            "api_key",
        ]
        .iter()
        .any(|s| k.contains(s))
    }
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                let env_like = m
                    .get("name")
                    .and_then(|n| n.as_str())
                    .is_some_and(secret_like);
                for (k, x) in m {
                    if let Some(s) = x.as_str()
                        && (secret_like(k) || (env_like && k == "value"))
                        && !s.starts_with("${env:")
                    {
                        out.insert(s.to_string());
                    }
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::String(s) if s.contains(':') => {
                // A v1alpha1 collector's config is YAML in a string.
                if let Ok(inner @ serde_json::Value::Object(_)) = kof_route::yaml::parse(s) {
                    walk(&inner, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    let s = read::split(input);
    for doc in &s.docs {
        if let Ok(text) = std::str::from_utf8(doc.raw)
            && let Ok(v) = kof_route::yaml::parse(text)
        {
            walk(&v, &mut out);
        }
    }
    out
}

/// Every word holding a secret marker (`S3CRET`, or `SthreeCRET` for a value
/// made of letters only), cut at characters a word of a URL, a flag or a
/// header does not hold.
fn marked_secrets(text: &str) -> BTreeSet<String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = BTreeSet::new();
    for marker in ["S3CRET", "SthreeCRET"] {
        for (at, _) in text.match_indices(marker) {
            let start = text[..at].rfind(|c: char| !word(c)).map_or(0, |p| p + 1);
            let end = text[at..]
                .find(|c: char| !word(c))
                .map_or(text.len(), |p| at + p);
            out.insert(text[start..end].to_string());
        }
    }
    out
}

/// Inputs carrying secret values, each one way the run can end: routed, a
/// warning, a syntax error right after a secret, a v1alpha1 config string that
/// is broken next to a secret, bad bytes next to a secret, an inconsistent
/// collector.
fn secret_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let base = std::fs::read(corpus_dir().join("secrets.yaml")).unwrap();
    let text = String::from_utf8(base.clone()).unwrap();
    let broken_after_secret = text.replace(
        "        token: S3CRET-bearer-token\n",
        "        token: S3CRET-bearer-token\n        bad: [S3CRET-in-broken-flow\n",
    );
    let alpha = "---\napiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\n\
        metadata: {name: kc-alpha, namespace: kof}\nspec:\n  config: |\n    extensions:\n\
        \x20     basicauth/x:\n        client_auth: {username: u, password: S3CRET-alpha-password}\n\
        \x20   exporters: [S3CRET-alpha-broken\n";
    let mut nul = text
        .replace("S3CRET-env-password", "S3CRET-env-password-nul\u{1}")
        .into_bytes();
    let at = nul.iter().position(|&b| b == 1).unwrap();
    nul[at] = 0;
    let mut latin1 = text
        .replace("S3CRET-env-token", "S3CRET-env-token-\u{1}")
        .into_bytes();
    let at = latin1.iter().position(|&b| b == 1).unwrap();
    latin1[at] = 0xfc;
    let inconsistent = text.replace(
        "exporters: [prometheusremotewrite]",
        "exporters: [undefined-exporter, prometheusremotewrite]",
    );
    let headers = std::fs::read(corpus_dir().join("secrets-headers.yaml")).unwrap();
    vec![
        ("secrets.yaml", base),
        ("secrets-headers.yaml", headers),
        (
            "secrets-hidden-places.yaml",
            std::fs::read(corpus_dir().join("secrets-hidden-places.yaml")).unwrap(),
        ),
        (
            "a syntax error after a secret",
            broken_after_secret.into_bytes(),
        ),
        (
            "a broken v1alpha1 config string",
            format!("{text}{alpha}").into_bytes(),
        ),
        ("a NUL byte in a secret", nul),
        ("a Latin-1 byte in a secret", latin1),
        ("an inconsistent collector", inconsistent.into_bytes()),
    ]
}

/// Every route, plain, as `diff`, as a Helm plugin and as `check`, over inputs
/// holding secret values: no value of a secret-like field reaches stderr (nor
/// the error log a Helm plugin run keeps, nor `check`'s report), and the routed
/// stream never holds a secret value more often than the input did. (What
/// `diff` prints on stdout and `--explain` on stderr: see the findings tests.)
#[test]
fn no_secret_value_reaches_a_message() {
    check_secrets(secret_inputs(), &[], false);
}

/// Run every route over each input, with `extra` flags, and check that no
/// secret value is printed.
/// With `diff_stdout`, the diff printed on stdout is checked too.
fn check_secrets(inputs: Vec<(&'static str, Vec<u8>)>, extra: &[&str], diff_stdout: bool) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut failures = Vec::new();
    for (name, input) in inputs {
        let mut secrets = secret_values(&input);
        // Values of fields a failing parse could not reach, and values inside
        // other values (a URL's password): add them by their marker.
        secrets.extend(marked_secrets(&String::from_utf8_lossy(&input)));
        assert!(
            secrets.len() >= 2,
            "{name}: too few secrets found: {secrets:?}"
        );
        let file = dir.path().join("input.yaml");
        std::fs::write(&file, &input).unwrap();
        for (route, mut args) in support::every_route() {
            args.extend(extra.iter().map(|s| s.to_string()));
            let mut runs: Vec<(String, Run)> = Vec::new();
            runs.push((format!("{route} {}", extra.join(" ")), run(&args, &input)));
            let diff: Vec<String> = ["diff".to_string(), file.display().to_string()]
                .into_iter()
                .chain(args.iter().cloned())
                .collect();
            runs.push((format!("diff {route}"), run(&diff, b"")));
            runs.push((
                format!("{route} as a Helm plugin"),
                run_with(
                    &args,
                    &[
                        ("HELM_PLUGIN_NAME", "kof-route"),
                        ("XDG_STATE_HOME", state.to_str().unwrap()),
                    ],
                    &input,
                ),
            ));
            for (what, r) in &runs {
                let what = format!("{name} [{what}]");
                check_any_run(&what, r, &mut failures);
                let out = String::from_utf8_lossy(&r.stdout);
                for secret in &secrets {
                    if r.stderr.contains(secret.as_str()) {
                        failures.push(format!("{what}: stderr holds {secret:?}: {}", r.stderr));
                    }
                    if diff_stdout && what.contains("[diff") && out.contains(secret.as_str()) {
                        failures.push(format!("{what}: the diff shows {secret:?}"));
                    }
                    let (before, after) = (
                        String::from_utf8_lossy(&input)
                            .matches(secret.as_str())
                            .count(),
                        out.matches(secret.as_str()).count(),
                    );
                    if !what.contains("[diff") && after > before {
                        failures.push(format!(
                            "{what}: {secret:?} appears {after} times in the output, {before} in the input"
                        ));
                    }
                }
            }
        }
        let log = state.join("kof-route/last-run.log");
        if let Ok(text) = std::fs::read_to_string(&log) {
            for secret in &secrets {
                if text.contains(secret.as_str()) {
                    failures.push(format!("{name}: the error log holds {secret:?}"));
                }
            }
            std::fs::remove_file(&log).unwrap();
        }
        let r = run(&["check".to_string(), file.display().to_string()], b"");
        let report = format!("{}{}", String::from_utf8_lossy(&r.stdout), r.stderr);
        for secret in &secrets {
            if report.contains(secret.as_str()) {
                failures.push(format!("{name} [check]: the report holds {secret:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ----- findings ----------------------------------------------------------------
// What src/ got wrong before ec3e897, with the correct behaviour asserted:
// tests/hostile/FINDINGS.md has the reproductions.

/// F2, F3, F4, F6: the rows of the Findings table in tests/hostile/README.md.
#[test]
fn findings_table() {
    check_table("Findings");
}

/// F1: neither `--explain` (stderr) nor `kof-route diff` (stdout) prints a
/// secret value, for every route, over every secret input.
#[test]
fn findings_explain_and_diff_print_no_secret_value() {
    check_secrets(secret_inputs(), &["--explain"], true);
}

fn nested(open: &str, close: &str, n: usize) -> String {
    format!("{}{}", open.repeat(n), close.repeat(n))
}

/// F5: with two collectors (parsed on worker threads), nesting up to and past
/// the parser's limit is routed or refused with the document named; the
/// binary never dies of a stack overflow.
#[test]
fn findings_deep_nesting_with_several_collectors() {
    let args = route_args("mothership");
    let second = collector().replace("kc-daemon", "kc-second");
    let mut failures = Vec::new();
    for n in [50, 100, 200, 1_000, 100_000] {
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let input = format!("{}{second}", collector_with_x(&nested(open, close, n)));
            let what = format!("two collectors, one nested {n} deep with {open:?}");
            let r = run(&args, input.as_bytes());
            check_any_run(&what, &r, &mut failures);
            if r.code == Some(1) && !r.stderr.contains("kof/kc-daemon") {
                failures.push(format!("{what}: collector not named: {}", r.stderr));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Run `work` on 2 MiB threads over nesting depths `depths`, in a child
/// process (this test binary again, re-running test `name` with `probe` set),
/// so a stack overflow fails the calling test, not the whole suite.
fn fits_a_default_thread_stack(
    name: &str,
    probe: &str,
    depths: &[usize],
    work: impl Fn(String) + Clone + Send + 'static,
) {
    if std::env::var_os(probe).is_some() {
        for &n in depths {
            for (open, close) in [("[", "]"), ("{a: ", "}")] {
                let input = collector_with_x(&nested(open, close, n));
                let work = work.clone();
                eprintln!("probe: {n} deep with {open:?}");
                std::thread::Builder::new()
                    .stack_size(2 << 20)
                    .spawn(move || work(input))
                    .unwrap()
                    .join()
                    .unwrap();
            }
        }
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(probe, "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name}: overflowed a 2 MiB thread stack ({:?}); last probe: {}",
        out.status,
        log.lines()
            .rfind(|l| l.starts_with("probe:"))
            .unwrap_or("none")
    );
}

/// F5: `render` on a thread with the default 2 MiB stack, over nesting up to
/// and past the parser's limit, returns.
#[test]
fn findings_render_fits_a_default_thread_stack() {
    let plan = plan("mothership");
    fits_a_default_thread_stack(
        "findings_render_fits_a_default_thread_stack",
        "KOF_ROUTE_HOSTILE_STACK_PROBE",
        &[50, 100, 200, 1_000],
        move |input| {
            let _ = render(&plan, input.as_bytes());
        },
    );
}

/// F5b: `select` (what `kof-route check` runs) on a thread with the default
/// 2 MiB stack, over nesting up to and past the depth bound, returns.
#[test]
fn findings_select_fits_a_default_thread_stack() {
    fits_a_default_thread_stack(
        "findings_select_fits_a_default_thread_stack",
        "KOF_ROUTE_HOSTILE_SELECT_PROBE",
        &[50, 100, 127, 200],
        |input| {
            let _ = select(input.as_bytes()).map(|_| ());
        },
    );
}
