//! Flags, part two: the config file, turned into flags for the one parser.
//!
//! `--config FILE` (or `KOF_ROUTE_CONFIG`) names a YAML mapping whose keys are
//! the route flags' names. Each key becomes `--key=value` and the command line
//! is parsed again by the same clap definition, so a file value is validated
//! exactly like a flag. A key already given as a flag or through its
//! environment variable is left out: flags beat the environment, which beats
//! the file. Unknown keys are refused by name. Nothing here interprets a value.

use super::{Cli, MainCli, RouteArgs, SUBCOMMAND_WORDS};
use crate::names::UsageError;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches};
use serde_json::Value;
use std::ffi::OsString;
use std::path::PathBuf;

/// Why a command line was not accepted.
#[derive(Debug)]
pub enum Refused {
    /// clap's own report (also help and version, which are not errors).
    Clap(clap::Error),
    /// A config file problem, named like any other setting.
    Usage(UsageError),
}

/// Parse the command line, the environment and the config file into a `Cli`.
pub fn parse(argv: Vec<OsString>) -> Result<Cli, Refused> {
    let matches = parse_matches(&argv).map_err(Refused::Clap)?;
    let (sub, route_matches) = match matches.subcommand() {
        Some((name, m)) if m.try_get_one::<PathBuf>("config").is_ok() => (Some(name), m),
        Some(_) => return Cli::from_arg_matches(&matches).map_err(Refused::Clap),
        None => (None, &matches),
    };
    let Some(path) = route_matches.get_one::<PathBuf>("config").cloned() else {
        return Cli::from_arg_matches(&matches).map_err(Refused::Clap);
    };
    let usage =
        |msg: String| Refused::Usage(UsageError(format!("--config {}: {msg}", path.display())));
    let text = std::fs::read_to_string(&path).map_err(|e| usage(e.to_string()))?;
    let given = |id: &str| {
        matches!(
            route_matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let file = file_args(&text, &given).map_err(usage)?;
    let at = if sub.is_some() { 2 } else { 1 };
    let mut full: Vec<OsString> = argv[..at.min(argv.len())].to_vec();
    full.extend(file.into_iter().map(OsString::from));
    full.extend(argv.iter().skip(at).cloned());
    parse_matches(&full)
        .and_then(|m| Cli::from_arg_matches(&m))
        .map_err(Refused::Clap)
}

/// `argv` parsed by `Cli`, through `MainCli` when no word of it can be a
/// subcommand; anything but success there is answered by `Cli` itself, so
/// help, version and every error read as they always do.
fn parse_matches(argv: &[OsString]) -> Result<clap::ArgMatches, clap::Error> {
    let main_mode = argv
        .iter()
        .skip(1)
        .all(|a| !SUBCOMMAND_WORDS.iter().any(|w| a == w));
    if main_mode && let Ok(m) = MainCli::command().try_get_matches_from(argv) {
        return Ok(m);
    }
    Cli::command().try_get_matches_from(argv)
}

/// The settings a config file may hold: the route flags, without `--config`
/// itself and output switches (`--explain`, `--reformat`, `--keep-format`).
fn settings() -> clap::Command {
    RouteArgs::augment_args(clap::Command::new("config"))
        .mut_arg("config", |a| a.hide(true))
        .mut_arg("explain", |a| a.hide(true))
        .mut_arg("keep_format", |a| a.hide(true))
        .mut_arg("reformat", |a| a.hide(true))
}

/// The flags a config file's `text` stands for, leaving out settings `given`
/// (by clap id) already has.
pub fn file_args(text: &str, given: &dyn Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let value = crate::yaml::parse(text).map_err(|e| e.to_string())?;
    let entries = match value {
        Value::Object(m) => m,
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err(format!(
                "expected a mapping of flag names, found a {}",
                crate::names::kind_of(&other)
            ));
        }
    };
    let cmd = settings();
    let known: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    let mut out = Vec::new();
    for (key, v) in entries {
        let Some(arg) = known.iter().find(|a| a.get_long() == Some(key.as_str())) else {
            let names: Vec<&str> = known.iter().filter_map(|a| a.get_long()).collect();
            return Err(format!(
                "unknown key `{}`{}, expected one of {}",
                crate::names::escape(&key),
                line_of(text, &key)
                    .map(|l| format!(" at line {l}"))
                    .unwrap_or_default(),
                names.join(", ")
            ));
        };
        if given(arg.get_id().as_str()) {
            continue;
        }
        let flag = !arg.get_action().takes_values();
        match (v, flag) {
            (Value::Null, _) | (Value::Bool(false), true) => {}
            (Value::Bool(true), true) => out.push(format!("--{key}")),
            (_, true) => return Err(format!("{key}: expected true or false")),
            (Value::String(s), false) => out.push(format!("--{key}={s}")),
            (v @ (Value::Number(_) | Value::Bool(_)), false) => out.push(format!("--{key}={v}")),
            (_, false) => {
                return Err(format!(
                    "{key}: expected a single value, not a list or mapping"
                ));
            }
        }
    }
    Ok(out)
}

/// The line of a top-level `key:` in the file, for messages.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The clap ids of the settings, for tests that walk them.
pub fn setting_flags() -> Vec<String> {
    settings()
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(text: &str) -> Result<Vec<String>, String> {
        file_args(text, &|_| false)
    }

    /// `Cli`'s own parse: what `parse` must give on every command line.
    fn by_cli(argv: &[&str]) -> String {
        match Cli::try_parse_from(argv) {
            Ok(cli) => format!("{cli:?}"),
            Err(e) => format!("{:?}: {}", e.kind(), e.render()),
        }
    }

    fn by_parse(argv: &[&str]) -> String {
        match parse(argv.iter().map(OsString::from).collect()) {
            Ok(cli) => format!("{cli:?}"),
            Err(Refused::Clap(e)) => format!("{:?}: {}", e.kind(), e.render()),
            Err(Refused::Usage(e)) => panic!("{argv:?}: {e}"),
        }
    }

    #[test]
    fn the_main_mode_parser_reads_every_command_line_as_cli_does() {
        let r = [
            "kof-route",
            "--route",
            "regional",
            "--regional-domain",
            "example.com",
        ];
        let lines: Vec<Vec<&str>> = vec![
            r.to_vec(),
            [&r[..], &["--regional-cluster", "log", "file.yaml"]].concat(),
            [&r[..], &["--ca-secret=ca", "--explain", "-"]].concat(),
            vec!["kof-route", "--route=mothership", "--reformat", "x.yaml"],
            vec![
                "kof-route",
                "--route=cloudwatch",
                "--aws-region",
                "eu-west-1",
            ],
            vec!["kof-route", "--route=nowhere"],
            vec!["kof-route", "--rout=regional"],
            vec!["kof-route", "a.yaml", "b.yaml"],
            vec!["kof-route", "dif", "--route=regional"],
            vec!["kof-route"],
            vec!["kof-route", "--help"],
            vec!["kof-route", "-h"],
            vec!["kof-route", "--version"],
            vec!["kof-route", "help"],
            vec!["kof-route", "diff", "--route=regional", "--exit-code"],
            vec!["kof-route", "export", "--route=regional", "--format=flux"],
            vec!["kof-route", "check", "--route", "mothership"],
            vec!["kof-route", "log"],
            vec!["kof-route", "last-error"],
            vec!["kof-route", "routes"],
            vec!["kof-route", "--route=regional", "check"],
        ];
        for argv in &lines {
            assert_eq!(by_parse(argv), by_cli(argv), "{argv:?}");
        }
    }

    #[test]
    fn the_main_mode_parser_has_the_flags_of_cli() {
        // Everything of each flag but its place in the help, which only
        // `Cli` prints (its subcommands come first there).
        let debug = |c: &clap::Command| -> Vec<String> {
            c.get_arguments()
                .map(|a| {
                    let d = format!("{a:?}");
                    match d.split_once("disp_ord: ") {
                        Some((head, tail)) => {
                            format!("{head}{}", tail.split_once(", ").map_or("", |t| t.1))
                        }
                        None => d,
                    }
                })
                .collect()
        };
        let (mut main, mut cli) = (MainCli::command(), Cli::command());
        main.build();
        cli.build();
        assert_eq!(debug(&main), debug(&cli));
        let mut words: Vec<String> = cli
            .get_subcommands()
            .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()))
            .map(str::to_string)
            .collect();
        words.sort();
        let mut listed: Vec<String> = SUBCOMMAND_WORDS.iter().map(|w| w.to_string()).collect();
        listed.sort();
        assert_eq!(
            listed, words,
            "SUBCOMMAND_WORDS lists every word Cli reads as a subcommand"
        );
    }

    #[test]
    fn a_file_becomes_flags() {
        let got = args("route: regional\nkof-layout: 0.3\nno-basic-auth: true\ninsecure-skip-verify: false\nca-key: ~\n").unwrap();
        assert_eq!(
            got,
            ["--route=regional", "--kof-layout=0.3", "--no-basic-auth"]
        );
        assert_eq!(args("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn refuses_what_is_not_a_setting() {
        let cases = [
            (
                "route: regional\nregional-domian: x\n",
                "unknown key `regional-domian` at line 2, expected one of route, ",
            ),
            ("explain: true\n", "unknown key `explain`"),
            ("config: other.yaml\n", "unknown key `config`"),
            (
                "no-basic-auth: [1]\n",
                "no-basic-auth: expected true or false",
            ),
            ("route: [a]\n", "route: expected a single value"),
            (
                "- route\n",
                "expected a mapping of flag names, found a list",
            ),
        ];
        for (text, want) in cases {
            let err = args(text).unwrap_err();
            assert!(err.starts_with(want), "{text}: {err}");
        }
    }

    #[test]
    fn settings_given_elsewhere_are_left_out() {
        let got = file_args("route: regional\nregional-domain: d\n", &|id| id == "route").unwrap();
        assert_eq!(got, ["--regional-domain=d"]);
    }
}
