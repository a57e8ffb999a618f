//! The command line as a user meets it: completions in a real shell, the man
//! pages, a FILE in the main mode, one error prefix, every missing setting in
//! one message, `check` and the `diff --exit-code` gate on the real charts,
//! and `kof-route log`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

const VERSIONS: [&str; 4] = ["1.8.0", "1.9.0", "1.10.0", "1.11"];

fn render(version: &str, dialect: &str) -> PathBuf {
    root().join(format!(
        "fixtures/kof-{version}/{dialect}/kof-collectors.yaml"
    ))
}

fn tmp(label: &str) -> tempfile::TempDir {
    let base = root().join("target/tmp");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix(label)
        .tempdir_in(base)
        .unwrap()
}

// ----- completions ---------------------------------------------------------------

/// Run `script` in bash with the completion script sourced; stdout.
fn bash(completion: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(format!("source '{}'\n{script}", completion.display()))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "bash: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn bash_completes_top_level_and_subcommand_flags() {
    let dir = tmp("bash-completion");
    let script = dir.path().join("kof-route.bash");
    let r = run(&["completions", "bash"], b"");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    std::fs::write(&script, &r.stdout).unwrap();
    // (the words typed, the completions that must be offered)
    let cases: &[(&[&str], &[&str])] = &[
        (&["--insec"], &["--insecure-skip-verify"]),
        (
            &["--route", ""],
            &["mothership", "regional-istio", "third-party"],
        ),
        (&["diff", "--exit"], &["--exit-code"]),
        (&["diff", "--col"], &["--color"]),
        (
            &["diff", "--route=regional", "--regional-d"],
            &["--regional-domain"],
        ),
        (&["export", "--form"], &["--format"]),
        (
            &["export", "--format", ""],
            &["kustomize", "flux", "sveltos"],
        ),
        (&["check", "--rou"], &["--route"]),
        (&["man", "--d"], &["--dir"]),
        (&["completions", ""], &["bash", "zsh", "fish"]),
        (&["l"], &["log", "last-error"]),
    ];
    for (typed, want) in cases {
        let words: Vec<String> = std::iter::once("kof-route")
            .chain(typed.iter().copied())
            .map(|w| format!("'{w}'"))
            .collect();
        let cword = typed.len();
        let (cur, prev) = (
            typed[cword - 1],
            if cword > 1 {
                typed[cword - 2]
            } else {
                "kof-route"
            },
        );
        let got = bash(
            &script,
            &format!(
                "COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
                 COMP_POINT=${{#COMP_LINE}}\n\
                 _kof__route kof-route '{cur}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
                words.join(" ")
            ),
        );
        let offered: Vec<&str> = got.lines().collect();
        for w in *want {
            assert!(
                offered.contains(w),
                "kof-route {}<TAB> offers {offered:?}, not {w}",
                typed.join(" ")
            );
        }
    }
}

/// Whether `shell` can run; where it cannot, the test says SKIPPED, and fails
/// instead in CI (`KOF_ROUTE_E2E_REQUIRED=1`, where .ci/run installs it).
fn shell_installed(shell: &str) -> bool {
    if Command::new(shell).arg("-c").arg("true").output().is_ok() {
        return true;
    }
    let required = std::env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "KOF_ROUTE_E2E_REQUIRED=1 but {shell} is not installed"
    );
    eprintln!("SKIPPED: {shell} is not installed");
    false
}

/// fish, when installed (Debian's `fish`): `complete -C` asks the loaded
/// script what a TAB would offer.
#[test]
fn fish_completes_top_level_and_subcommand_flags_and_values() {
    if !shell_installed("fish") {
        return;
    }
    let dir = tmp("fish-completion");
    let script = dir.path().join("kof-route.fish");
    std::fs::write(&script, run(&["completions", "fish"], b"").stdout).unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("kof-route --insec", &["--insecure-skip-verify"]),
        // A top-level flag's values (clap_complete's script offered files).
        (
            "kof-route --route ",
            &[
                "mothership",
                "regional",
                "regional-istio",
                "cloudwatch",
                "third-party",
            ],
        ),
        (
            "kof-route --route regional --regional-d",
            &["--regional-domain"],
        ),
        ("kof-route diff --exit", &["--exit-code"]),
        ("kof-route diff --route ", &["regional"]),
        (
            "kof-route export --format ",
            &["kustomize", "flux", "sveltos"],
        ),
        ("kof-route l", &["log", "last-error"]),
    ];
    for (line, want) in cases {
        let out = Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!(
                "source '{}'; complete -C '{line}'",
                script.display()
            ))
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let offered: Vec<&str> = std::str::from_utf8(&out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default())
            .collect();
        for w in *want {
            assert!(
                offered.contains(w),
                "fish: {line}<TAB> offers {offered:?}, not {w}"
            );
        }
    }
}

/// zsh, when installed (Debian's `zsh`): the completion function driven through
/// a pseudo-terminal, as a user's TAB would.
#[test]
fn zsh_completes_top_level_and_subcommand_flags() {
    if !shell_installed("zsh") {
        return;
    }
    let dir = tmp("zsh-completion");
    let r = run(&["completions", "zsh"], b"");
    std::fs::write(dir.path().join("_kof-route"), &r.stdout).unwrap();
    // compadd is wrapped to print each candidate; the probe waits (up to the
    // timeout) until the wanted one appears, so a loaded machine only makes it slower.
    for (line, want) in [
        ("kof-route --insec", "--insecure-skip-verify"),
        ("kof-route diff --exit", "--exit-code"),
        ("kof-route diff --col", "--color"),
        ("kof-route export --form", "--format"),
    ] {
        let probe = format!(
            r#"
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=('{dir}' \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {{ builtin compadd "$@"; local a; for a in "$@"; do [[ $a == --* ]] && print -r -- "CAND:$a"; done }}'
zpty -w -n z '{line}'$'\t'
zpty -r -m z seen '*CAND:{want}*' && print -r -- FOUND
"#,
            dir = dir.path().display()
        );
        let out = Command::new("timeout")
            .args(["60", "zsh", "-f", "-c", &probe])
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(
            text(&out.stdout).ends_with("FOUND\n"),
            "zsh: {line}<TAB> did not offer {want} ({}):\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

// ----- man pages -----------------------------------------------------------------

#[test]
fn man_pages_cover_every_subcommand_and_flag() {
    let dir = tmp("man");
    let r = run(
        &["man".as_ref(), "--dir".as_ref(), dir.path().as_os_str()],
        b"",
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let page = |name: &str| {
        std::fs::read_to_string(dir.path().join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"))
    };
    let main = page("kof-route");
    // Every page the main page refers to was written.
    for (i, _) in main.match_indices("kof\\-route\\-") {
        let rest = &main[i..];
        let name = &rest[..rest.find('(').unwrap()];
        let name = name.replace("\\-", "-");
        assert!(
            dir.path().join(format!("{name}.1")).is_file(),
            "kof-route.1 refers to {name}(1), which was not generated"
        );
    }
    use clap::CommandFactory;
    let cli = kof_route::cli::Cli::command();
    // Hidden flags (`--keep-format`, kept for old scripts) are not documented.
    let shown = |a: &&clap::Arg| !a.is_hide_set();
    for flag in cli
        .get_arguments()
        .filter(shown)
        .filter_map(|a| a.get_long())
    {
        let roff = format!("\\-\\-{}", flag.replace('-', "\\-"));
        assert!(main.contains(&roff), "kof-route.1 lacks --{flag}");
    }
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let roff_page = page(&format!("kof-route-{}", sub.get_name()));
        for flag in sub
            .get_arguments()
            .filter(shown)
            .filter_map(|a| a.get_long())
        {
            let roff = format!("\\-\\-{}", flag.replace('-', "\\-"));
            assert!(
                roff_page.contains(&roff),
                "kof-route-{}.1 lacks --{flag}",
                sub.get_name()
            );
        }
        // The same page on stdout.
        let r = run(&["man", sub.get_name()], b"");
        assert_eq!(
            text(&r.stdout),
            roff_page,
            "kof-route man {}",
            sub.get_name()
        );
    }
    let diff = page("kof-route-diff");
    assert!(diff.contains(r"\-\-exit\-code") && diff.contains(r"\-\-color"));
    let r = run(&["man", "nowhere"], b"");
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.starts_with("kof-route: man: no subcommand"),
        "{}",
        r.stderr
    );
}

// ----- the main mode, errors -----------------------------------------------------

#[test]
fn main_mode_takes_a_file() {
    let file = render("1.11", "helm3");
    let input = fixture(&file);
    let from_stdin = run(&["--route", "mothership"], &input);
    let from_file = run(
        &["--route".as_ref(), "mothership".as_ref(), file.as_os_str()],
        b"",
    );
    assert_eq!(from_file.code, Some(0), "{}", from_file.stderr);
    assert!(from_file.stdout == from_stdin.stdout && !from_file.stdout.is_empty());
    let r = run(&["--route", "mothership", "/nonexistent.yaml"], b"");
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.starts_with("kof-route: reading /nonexistent.yaml"),
        "{}",
        r.stderr
    );
}

/// A stream over 5 MiB read from a FILE, from stdin redirected from the file,
/// and through a pipe: the binary writes what the library renders from the
/// same bytes.
#[test]
fn a_large_input_routes_the_same_however_it_is_read() {
    let collectors = fixture(render("1.11", "helm3"));
    let mut input = Vec::new();
    for i in 0..1400 {
        let data = format!("  k: \"{}\"\n", "x".repeat(4000));
        input.extend_from_slice(format!("---\n# Source: filler\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{i}\ndata:\n{data}").as_bytes());
        if i == 600 {
            input.extend_from_slice(&collectors);
        }
    }
    assert!(input.len() > 5 << 20);
    let dir = tmp("large");
    let file = dir.path().join("large.yaml");
    std::fs::write(&file, &input).unwrap();
    let flags = route_flags("regional");
    let expected = kof_route::render(&plan(&flags), &input).unwrap().output();
    let command = || {
        let mut cmd = clean_command(BIN);
        cmd.args(&flags);
        cmd
    };
    let mut from_file = command();
    from_file.arg(&file);
    let from_file = output(from_file, b"");
    let redirected = command()
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    let piped = output(command(), &input);
    for (how, code, stdout) in [
        ("FILE", from_file.code, &from_file.stdout),
        ("< FILE", redirected.status.code(), &redirected.stdout),
        ("a pipe", piped.code, &piped.stdout),
    ] {
        assert_eq!(code, Some(0), "{how}");
        assert!(
            *stdout == expected,
            "{how}: the output differs from the library's"
        );
    }
    assert!(
        text(&expected).contains("vmauth.example.com"),
        "the collectors were routed"
    );
}

#[test]
fn every_error_is_prefixed_kof_route() {
    // (arguments, exit code, a piece of the message)
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--no-such-flag"],
            2,
            "unexpected argument '--no-such-flag'",
        ),
        (&["--route=nowhere"], 2, "invalid value 'nowhere'"),
        (&["--route"], 2, "a value is required for '--route <ROUTE>'"),
        (&["completions"], 2, "the following required arguments"),
        (&["completions", "tcsh"], 2, "invalid value 'tcsh'"),
        (
            &["diff", "--color=purple", "--route=mothership"],
            2,
            "invalid value 'purple'",
        ),
        (&["export", "--route=mothership"], 2, "--format <FORMAT>"),
        (
            &["--route=regional"],
            2,
            "are required for --route regional",
        ),
        (
            &["--route=mothership", "--aws-region=x"],
            2,
            "--aws-region is not used",
        ),
        (
            &["--route=mothership", "--config=/nonexistent"],
            2,
            "--config /nonexistent",
        ),
        (&["--route=mothership"], 1, "no OpenTelemetryCollector"),
        (&["check"], 1, "no OpenTelemetryCollector"),
    ];
    for (args, code, piece) in cases {
        let r = run(args, b"kind: ConfigMap\n");
        assert_eq!(r.code, Some(*code), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("kof-route: ") && !r.stderr.contains("error:"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(piece), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} wrote stdout");
    }
    // Help and version stay on stdout with exit 0.
    for flag in ["--help", "--version"] {
        let r = run(&[flag], b"");
        assert_eq!(r.code, Some(0));
        assert!(!r.stdout.is_empty() && r.stderr.is_empty());
    }
}

#[test]
fn missing_settings_are_reported_together() {
    let r = run(&["--route=regional"], b"");
    assert_eq!(
        r.stderr,
        "kof-route: --regional-domain and one of --regional-cluster, --creds-secret, --no-basic-auth \
         are required for --route regional\n"
    );
    for (route, flag) in [
        ("regional-istio", "--regional-cluster"),
        ("cloudwatch", "--aws-region"),
        ("third-party", "--exporter-file"),
    ] {
        let r = run(&[format!("--route={route}")], b"");
        assert_eq!(
            r.stderr,
            format!("kof-route: {flag} is required for --route {route}\n")
        );
    }
}

// ----- check and the diff gate on the real charts ----------------------------------

#[test]
fn check_passes_every_real_chart_and_its_routes() {
    for version in VERSIONS {
        for dialect in ["helm3", "helm4"] {
            let file = render(version, dialect);
            let r = run(&["check".as_ref(), file.as_os_str()], b"");
            let out = text(&r.stdout);
            assert_eq!(
                r.code,
                Some(0),
                "check {version} {dialect}:\n{out}{}",
                r.stderr
            );
            assert!(out.contains("the chart's known gap"), "{out}");
            assert!(!out.contains("  error:"), "{out}");
            for (route, flags) in routes_needing_no_file() {
                let mut args = vec!["check".to_string(), file.display().to_string()];
                args.extend(flags);
                let r = run(&args, b"");
                let out = text(&r.stdout);
                assert_eq!(
                    r.code,
                    Some(0),
                    "check --route {route} {version}:\n{out}{}",
                    r.stderr
                );
                assert!(
                    !out.contains("k8sclustername") && !out.contains("error:"),
                    "{out}"
                );
            }
        }
    }
    let r = run(&["check", "--regional-domain=x"], b"");
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("give --route too"), "{}", r.stderr);
}

#[test]
fn diff_exit_code_gates_routed_output() {
    for version in VERSIONS {
        let input = fixture(render(version, "helm4"));
        let routed = run(&["--route", "mothership"], &input);
        assert_eq!(routed.code, Some(0));
        let gate = [
            "diff",
            "--exit-code",
            "--color=never",
            "--route",
            "mothership",
        ];
        let r = run(&gate, &routed.stdout);
        assert_eq!(
            r.code,
            Some(0),
            "{version}: routed output: {}",
            text(&r.stdout)
        );
        assert!(r.stdout.is_empty(), "{}", text(&r.stdout));
        let r = run(&gate, &input);
        assert_eq!(
            r.code,
            Some(3),
            "{version}: an unrouted render must fail the gate"
        );
    }
}

// ----- kof-route log ---------------------------------------------------------------

struct State(tempfile::TempDir);

impl State {
    fn new() -> Self {
        State(tmp("state"))
    }
    fn env(&self) -> [(&str, &str); 1] {
        [("XDG_STATE_HOME", self.0.path().to_str().unwrap())]
    }
    fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], input: &[u8]) -> Run {
        run_with(args, &self.env(), input)
    }
    fn log(&self) -> String {
        let r = self.run(&["log"], b"");
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let alias = self.run(&["last-error"], b"");
        assert_eq!(alias.stdout, r.stdout, "last-error prints what log prints");
        text(&r.stdout)
    }
}

#[test]
fn log_keeps_the_last_routing_run() {
    let state = State::new();
    assert!(state.log().starts_with("kof-route has recorded no run ("));
    let input = fixture(render("1.11", "helm4"));
    let args = [
        "--route=regional",
        "--regional-domain=example.com",
        "--creds-secret",
        "vm-creds-notshown",
        "--insecure-skip-verify",
    ];
    let r = state.run(&args, &input);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let log = state.log();
    let lines: Vec<&str> = log.lines().collect();
    let time = lines[0].strip_prefix("time: ").unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
    assert_eq!(
        lines[1],
        "arguments: --route=regional --regional-domain=example.com --creds-secret <hidden> \
         --insecure-skip-verify"
    );
    assert!(log.contains("exit code: 0\nmessages:\n"), "{log}");
    assert!(
        log.contains("kof-route: warning: --insecure-skip-verify"),
        "{log}"
    );
    assert!(!log.contains("notshown"));
    // Every message the run printed is in the log.
    for line in r.stderr.lines() {
        assert!(log.contains(line), "{line:?} missing from\n{log}");
    }

    // check, routes, man do not route: the log stays.
    state.run(&["routes"], b"");
    state.run(
        &["check".as_ref(), render("1.11", "helm3").as_os_str()],
        b"",
    );
    assert_eq!(state.log(), log);

    // diff and export do, failures too; environment variables by name only.
    let r = run_with(
        &["diff", "--route=regional"],
        &[
            state.env()[0],
            ("KOF_ROUTE_REGIONAL_DOMAIN", "env-value.example.com"),
            ("KOF_ROUTE_CREDS_SECRET", "env-secret-name"),
        ],
        &input,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let log = state.log();
    assert!(log.contains("arguments: diff --route=regional\n"), "{log}");
    assert!(
        log.contains(
            "environment (names only): KOF_ROUTE_CREDS_SECRET KOF_ROUTE_REGIONAL_DOMAIN\n"
        ),
        "{log}"
    );
    assert!(
        !log.contains("env-value") && !log.contains("env-secret"),
        "{log}"
    );
    // --explain's edit summary is a message like any other.
    let r = state.run(&["--route=mothership", "--explain"], &input);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let log = state.log();
    assert!(
        log.contains("processors.resource/k8sclustername.attributes[key=k8s.cluster.name]"),
        "--explain kept: {log}"
    );
    let r = state.run(
        &["export", "--format=kustomize", "--route=regional"],
        &input,
    );
    assert_eq!(r.code, Some(2));
    let log = state.log();
    assert!(log.contains("exit code: 2\n"), "{log}");
    assert!(log.contains("are required for --route regional"), "{log}");
    let r = state.run(
        &["--route=mothership", "--cluster-name=a\u{1b}[2Jb"],
        &input,
    );
    assert_eq!(r.code, Some(2));
    let log = state.log();
    assert!(
        !log.contains('\u{1b}'),
        "control characters escaped: {log:?}"
    );
    assert!(log.contains(r"\u{1b}[2J"), "{log}");
    // A usage error clap reports is recorded too.
    state.run(&["--route=nowhere"], &input);
    assert!(state.log().contains("kof-route: invalid value 'nowhere'"));
}

#[test]
fn a_log_that_cannot_be_written_never_fails_the_run() {
    let dir = tmp("unwritable");
    let blocker = dir.path().join("state-is-a-file");
    std::fs::write(&blocker, "").unwrap();
    let input = fixture(render("1.11", "helm3"));
    let good = run(&["--route=mothership"], &input);
    for env in [
        vec![("XDG_STATE_HOME", blocker.to_str().unwrap())],
        vec![],
        vec![("HOME", "/proc/nonexistent")],
    ] {
        let r = run_with(&["--route=mothership"], &env, &input);
        assert_eq!(r.code, Some(0), "{env:?}: {}", r.stderr);
        assert_eq!(r.stdout, good.stdout, "{env:?}");
        assert_eq!(r.stderr, good.stderr, "{env:?}");
    }
}
