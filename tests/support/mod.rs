//! What the integration tests share: the repository's paths and fixtures, the
//! built binary run with a clean environment, the example flags of every
//! registered route, the plan the binary would build from flags, and the
//! invariants of a routed stream.
//!
//! Each test file declares it with `mod support;` and uses a part of it.

#![allow(dead_code)]

pub mod git;
pub mod helm;
pub mod kube;
pub mod lines;

use clap::CommandFactory;
use kof_route::cli::Cli;
use kof_route::cli::plan::Plan;
use kof_route::{read, routes, select};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The built kof-route binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_kof-route");

/// The repository root (tests run there too).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file's bytes, by its path from the repository root.
pub fn fixture(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Output bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ----- the binary ----------------------------------------------------------------

/// `program` with the developer's own kof-route and Helm settings removed
/// (`KOF_ROUTE_*`, `HELM_*`, `KUBECONFIG`), `XDG_STATE_HOME` in `target/` (so
/// kof-route's run log never lands in the developer's home) and stdin empty;
/// the rest of the environment (PATH, HOME) is kept for the programs that need it.
pub fn clean_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("KOF_ROUTE")
            || key.starts_with("HELM_")
            || key == "XDG_STATE_HOME"
            || key == "KUBECONFIG"
        {
            cmd.env_remove(&*key);
        }
    }
    cmd.env("XDG_STATE_HOME", root().join("target/test-state"));
    cmd.stdin(Stdio::null());
    cmd
}

/// What one run of a program did.
pub struct Run {
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// `None` when a signal ended it.
    pub code: Option<i32>,
}

/// Run `cmd` with `input` on stdin (written from a thread, so a large input
/// cannot deadlock against a full stdout pipe).
pub fn output(mut cmd: Command, input: &[u8]) -> Run {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let out = std::thread::scope(|s| {
        s.spawn(move || {
            // kof-route may refuse its flags before it reads stdin.
            let _ = stdin.write_all(input);
        });
        child.wait_with_output().expect("wait for the child")
    });
    Run {
        stdout: out.stdout,
        stderr: text(&out.stderr),
        code: out.status.code(),
    }
}

/// Run kof-route with `args`, an empty environment plus `envs`, and `input` on stdin.
pub fn run_with<S: AsRef<OsStr>>(args: &[S], envs: &[(&str, &str)], input: &[u8]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear().envs(envs.iter().copied());
    output(cmd, input)
}

/// Run kof-route with `args`, an empty environment, and `input` on stdin.
pub fn run<S: AsRef<OsStr>>(args: &[S], input: &[u8]) -> Run {
    run_with(args, &[], input)
}

// ----- routes and plans ------------------------------------------------------------

/// Whether the long flag `--name` or `--name=value` takes a path (clap's hint
/// for a `PathBuf` value).
fn takes_a_path(flag: &str) -> bool {
    let name = flag.trim_start_matches("--");
    let name = name.split_once('=').map_or(name, |(n, _)| n);
    Cli::command().get_arguments().any(|a| {
        a.get_long() == Some(name)
            && matches!(
                a.get_value_hint(),
                clap::ValueHint::AnyPath | clap::ValueHint::FilePath
            )
    })
}

/// `--route=NAME` and the registry's example flags for it; a path in the
/// example (given from the repository root) is made absolute.
pub fn route_flags(name: &str) -> Vec<String> {
    let route = routes::find(name).unwrap_or_else(|| panic!("no route {name:?} in the registry"));
    let mut flags = vec![format!("--route={}", route.name)];
    for flag in route.example {
        flags.push(match flag.split_once('=') {
            Some((key, path)) if takes_a_path(flag) => {
                format!("{key}={}", root().join(path).display())
            }
            _ => flag.to_string(),
        });
    }
    flags
}

/// Every registered route, in registry order: its name and its example flags.
pub fn every_route() -> Vec<(&'static str, Vec<String>)> {
    routes::REGISTRY
        .iter()
        .map(|r| (r.name, route_flags(r.name)))
        .collect()
}

/// The registered routes whose example names no file, as `every_route` gives
/// them: the ones a program can run from any working directory.
pub fn routes_needing_no_file() -> Vec<(&'static str, Vec<String>)> {
    routes::REGISTRY
        .iter()
        .filter(|r| !r.example.iter().any(|f| takes_a_path(f)))
        .map(|r| (r.name, route_flags(r.name)))
        .collect()
}

/// The plan the binary builds from `flags` (without the program name).
pub fn plan<S: AsRef<str>>(flags: &[S]) -> Plan {
    let argv = std::iter::once("kof-route").chain(flags.iter().map(AsRef::as_ref));
    let cli = <Cli as clap::Parser>::try_parse_from(argv).expect("route flags parse");
    Plan::build(&cli.args).expect("route flags are valid")
}

// ----- stream invariants -----------------------------------------------------------

/// What a routed stream keeps of its input: the byte-order mark, the number of
/// documents, every document `select` does not pick byte for byte, and every
/// document's header comments. One message per violation; none when it holds.
pub fn stream_invariants(input: &[u8], output: &[u8]) -> Vec<String> {
    let (a, b) = (read::split(input), read::split(output));
    let mut problems = Vec::new();
    if a.bom != b.bom {
        problems.push("byte-order mark changed".to_string());
    }
    if a.docs.len() != b.docs.len() {
        problems.push(format!(
            "{} documents in, {} out",
            a.docs.len(),
            b.docs.len()
        ));
        return problems;
    }
    let selected: BTreeSet<usize> = match select(input) {
        Ok((_, sel)) => sel.iter().map(|s| s.index).collect(),
        Err(e) => {
            problems.push(format!("routed, but select() refuses the input: {e}"));
            return problems;
        }
    };
    for (i, (x, y)) in a.docs.iter().zip(&b.docs).enumerate() {
        if !selected.contains(&i) && x.raw != y.raw {
            problems.push(format!("untouched doc #{} changed", i + 1));
        }
        if x.parts().header != y.parts().header {
            problems.push(format!("doc #{} lost its header comments", i + 1));
        }
    }
    problems
}

/// A second run of the binary with the same `args` over a routed `output`
/// exits 0 and changes nothing; otherwise what it did.
pub fn second_run_changes_nothing<S: AsRef<OsStr>>(args: &[S], output: &[u8]) -> Option<String> {
    let again = run(args, output);
    (again.code != Some(0) || again.stdout != output).then(|| {
        format!(
            "a second run changed the output (exit {:?}) {}",
            again.code, again.stderr
        )
    })
}

/// The documents of a stream, as kof-route's own reader reads them (empty
/// documents and those it cannot read left out).
pub fn docs(stream: &[u8]) -> Vec<serde_json::Value> {
    read::split(stream)
        .docs
        .iter()
        .filter_map(|d| kof_route::yaml::parse(std::str::from_utf8(d.raw).ok()?).ok())
        .filter(|v| !v.is_null())
        .collect()
}
