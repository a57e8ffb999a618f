//! Entry support: the command-line program around the pipeline.
//!
//! Reads flags and the config file, builds the plan, reads the input once, calls
//! `render` (or `check`), and writes stdout only after the whole run succeeded.
//! Maps outcomes to exit codes: 0 success, 1 failure, 2 usage; a closed stdout
//! (broken pipe) is not an error. Every message goes to stderr as
//! `kof-route: ...` through `log::say`; a run that routes (main mode, `diff`,
//! `export`) is then recorded for `kof-route log`, since Helm hides stderr.

use crate::cli::config::{self, Refused};
use crate::cli::plan::{Plan, UsageError};
use crate::cli::{Cli, Color, Command, ExportFormat, RouteArgs, Shell};
use crate::document::Selected;
use crate::select::Role;
use crate::{cli, log, names, select};
use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

mod io;
use io::{read_input, write_output, write_stdout};

/// Parse the command line, run, print any error, record a routing run, and exit.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let (code, routes) = match config::parse(argv.clone()) {
        Ok(cli) => {
            let routes = matches!(
                cli.command,
                None | Some(Command::Diff { .. } | Command::Export { .. })
            );
            let code = match run(cli) {
                Ok(code) => code,
                Err(err) => fail(&err),
            };
            (code, routes)
        }
        Err(Refused::Usage(e)) => (fail(&e.into()), routing_argv(&argv)),
        // Help and version: stdout, exit 0, nothing to record.
        Err(Refused::Clap(e)) if !e.use_stderr() => e.exit(),
        Err(Refused::Clap(e)) => {
            log::say(&clap_message(&e));
            (2, routing_argv(&argv))
        }
    };
    if routes {
        let saved = log::record(&argv, &<Cli as clap::CommandFactory>::command(), code);
        if let (Some(path), true) = (saved, code != 0 && under_helm4()) {
            eprintln!(
                "kof-route: this message is saved in {}; `kof-route log` prints it",
                path.display()
            );
        }
    }
    ExitCode::from(code)
}

/// Running as a Helm 4 plugin, which discards our stderr.
fn under_helm4() -> bool {
    std::env::var_os("HELM_PLUGIN_NAME").is_some()
}

/// Subcommands that route (their runs, usage errors included, are recorded).
const ROUTING_SUBCOMMANDS: [&str; 2] = ["diff", "export"];

/// Whether a command line clap refused was meant to route: the main mode,
/// or a subcommand that routes; not help, nor a subcommand that does not.
fn routing_argv(argv: &[OsString]) -> bool {
    argv.get(1).is_none_or(|a| {
        let word = |w: &&str| a == *w;
        a != "--help"
            && (ROUTING_SUBCOMMANDS.iter().any(word) || !cli::SUBCOMMAND_WORDS.iter().any(word))
    })
}

/// clap's report in kof-route's words: `kof-route: ...` instead of `error: ...`.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let text = text.trim_end();
    match text.strip_prefix("error: ") {
        Some(rest) => format!("kof-route: {rest}"),
        None => text.to_string(),
    }
}

/// Run a parsed command line; the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Some(Command::Check { file, args }) => check_command(file.as_deref(), *args),
        Some(Command::Log) => show_log(),
        Some(Command::Diff {
            file,
            args,
            color,
            exit_code,
        }) => diff_command(file.as_deref(), *args, color, exit_code),
        Some(Command::Export {
            file,
            args,
            format,
            name,
            namespace,
        }) => export_command(file.as_deref(), *args, format, name, namespace),
        Some(Command::Routes) => routes_command(),
        Some(Command::Kernel { render, kernel }) => {
            crate::fanout::kernel::command(render.as_deref(), kernel.as_deref())
        }
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Man { page, dir }) => man_page(page.as_deref(), dir.as_deref()),
        None => post_render(cli.file.as_deref(), cli.args),
    }
}

/// Print the error as `kof-route: ...`; the exit code (2 for usage errors).
fn fail(err: &anyhow::Error) -> u8 {
    log::say(&format!("kof-route: {err:#}"));
    if err.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    }
}

/// `kof-route log` (and its alias `last-error`): print the last run's record.
fn show_log() -> Result<u8> {
    let path = log::path().context("neither XDG_STATE_HOME nor HOME is set")?;
    match log::show(&path) {
        Ok(text) => {
            write_stdout(text.as_bytes())?;
            Ok(0)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_stdout(
                format!(
                    "kof-route has recorded no run ({} does not exist)\n",
                    path.display()
                )
                .as_bytes(),
            )?;
            Ok(0)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Validate the settings, read the input once, run the route over it, report
/// warnings (and the edits with --explain), then hand the result to `then`.
fn routed(
    args: RouteArgs,
    file: Option<&Path>,
    render: for<'a> fn(&Plan, &'a [u8]) -> Result<crate::Rendered<'a>>,
    then: impl FnOnce(&crate::Rendered<'_>) -> Result<u8>,
) -> Result<u8> {
    let plan = Plan::build(&args)?;
    let input = read_input(file)?;
    let rendered = render(&plan, &input)?;
    for warning in &rendered.warnings {
        log::say(&format!("kof-route: warning: {warning}"));
    }
    if args.explain {
        log::say(&crate::report::explain(&rendered));
    }
    then(&rendered)
}

fn post_render(file: Option<&Path>, args: RouteArgs) -> Result<u8> {
    routed(args, file, crate::render, |rendered| {
        write_output(rendered)?;
        Ok(0)
    })
}

fn diff_command(file: Option<&Path>, args: RouteArgs, color: Color, exit_code: bool) -> Result<u8> {
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    routed(args, file, crate::render_for_review, |rendered| {
        write_stdout(crate::report::diff(rendered, color).as_bytes())?;
        let changed = exit_code && !rendered.patched.is_empty();
        Ok(if changed { 3 } else { 0 })
    })
}

fn export_command(
    file: Option<&Path>,
    args: RouteArgs,
    format: ExportFormat,
    name: Option<String>,
    namespace: Option<String>,
) -> Result<u8> {
    use crate::export::{Format, Wrapper};
    let format = match format {
        ExportFormat::Kustomize => Format::Kustomize,
        ExportFormat::Flux => Format::Flux,
        ExportFormat::Sveltos => Format::Sveltos,
    };
    let default_name = match format {
        Format::Sveltos => "kof-mgmt-cluster",
        _ => "kof-collectors",
    };
    let wrapper = Wrapper {
        name: names::object_name("name", name.as_deref().unwrap_or(default_name))?,
        namespace: names::label_name("namespace", namespace.as_deref().unwrap_or("kof"))?,
    };
    routed(args, file, crate::render_for_export, |rendered| {
        if rendered.umbrella {
            bail!(
                "export reads a kof-collectors render, and this is the kof umbrella: run kof-route \
                 as the umbrella's post-renderer instead, which puts these patches into its \
                 kof-collectors HelmRelease"
            );
        }
        let doc = crate::export::document(format, rendered.patches.clone(), &wrapper);
        write_stdout(crate::yaml::emit(&doc).as_bytes())?;
        Ok(0)
    })
}

fn routes_command() -> Result<u8> {
    let mut out = String::new();
    for r in &crate::routes::REGISTRY {
        out.push_str(&format!(
            "{}\n  needs:   {}\n  changes: {}\n",
            r.name, r.needs, r.changes
        ));
    }
    out.push_str(&crate::fanout::kinds::listing());
    write_stdout(out.as_bytes())?;
    Ok(0)
}

fn completions(shell: Shell) -> Result<u8> {
    write_stdout(crate::cli::docs::completion_script(shell).as_bytes())?;
    Ok(0)
}

fn man_page(page: Option<&str>, dir: Option<&Path>) -> Result<u8> {
    write_stdout(&crate::cli::docs::man(page, dir)?)?;
    Ok(0)
}

/// Route settings given to `check` without `--route`, which would be ignored.
fn settings_without_route(args: &RouteArgs) -> Option<&'static str> {
    let switches = [
        ("cluster-name", args.cluster_name.is_some()),
        ("cluster-namespace", args.cluster_namespace.is_some()),
        ("allow-missing", args.allow_missing),
        ("explain", args.explain),
    ];
    args.settings()
        .into_iter()
        .map(|(_, flag, given)| (flag, given))
        .chain(switches)
        .find(|(_, given)| *given)
        .map(|(flag, _)| flag)
}

/// `check`: the input's collectors as they are, or, with `--route`, as the
/// route would write them.
fn check_command(file: Option<&Path>, args: RouteArgs) -> Result<u8> {
    if args.route.is_none() {
        if let Some(flag) = settings_without_route(&args) {
            return Err(UsageError(format!(
                "check: --{flag} is a route setting; give --route too, or remove it"
            ))
            .into());
        }
        let input = read_input(file)?;
        return check_report(&input, true);
    }
    routed(args, file, crate::render, |rendered| {
        let mut out = Vec::new();
        rendered.write_to(&mut out).context("routing")?;
        check_report(&out, false)
    })
}

/// A report per collector on stdout; 1 when there is an error. `unrouted`:
/// the known gap every route fills is a warning.
fn check_report(input: &[u8], unrouted: bool) -> Result<u8> {
    let (_, selected) = select(input)?;
    let collectors: Vec<&Selected> = selected
        .iter()
        .filter(|s| s.kind.role == Role::Collector)
        .collect();
    if collectors.is_empty() {
        bail!("no OpenTelemetryCollector in the input");
    }
    let (report, errors) = crate::report::check(&collectors, unrouted);
    write_stdout(report.as_bytes())?;
    Ok(if errors > 0 { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::routing_argv;

    #[test]
    fn a_refused_command_line_is_recorded_when_it_meant_to_route() {
        let cases = [
            (&[][..], true),
            (&["--route=nowhere"][..], true),
            (&["x.yaml"][..], true),
            (&["diff", "--route=nowhere"][..], true),
            (&["export"][..], true),
            (&["check", "--route=nowhere"][..], false),
            (&["routes", "x"][..], false),
            (&["completions"][..], false),
            (&["man", "x"][..], false),
            (&["log", "x"][..], false),
            (&["last-error", "x"][..], false),
            (&["help", "x"][..], false),
            (&["--help"][..], false),
        ];
        for (args, want) in cases {
            let argv: Vec<std::ffi::OsString> = std::iter::once("kof-route")
                .chain(args.iter().copied())
                .map(Into::into)
                .collect();
            assert_eq!(routing_argv(&argv), want, "{args:?}");
        }
    }
}
