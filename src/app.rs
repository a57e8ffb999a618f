//! Entry support: the command-line program around the pipeline.
//!
//! Reads flags and the config file, builds the plan, reads stdin once, calls
//! `render` (or `check`), and writes stdout only after the whole run succeeded.
//! Maps outcomes to exit codes: 0 success, 1 failure, 2 usage; a closed stdout
//! (broken pipe) is not an error. Under Helm 4, which discards a plugin's
//! stderr, failures are also recorded where `kof-route last-error` finds them.

use crate::cli::config::{self, Refused};
use crate::cli::plan::{Plan, UsageError};
use crate::cli::{Cli, Color, Command, ExportFormat, RouteArgs, Shell};
use crate::document::{Selected, problems};
use crate::select::Role;
use crate::{check, names, select};
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Parse the command line, run, print any error, and exit.
pub fn main() -> ExitCode {
    let cli = match config::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(Refused::Usage(e)) => return fail(&e.into()),
        Err(Refused::Clap(e)) => {
            // A usage error under Helm 4 must be findable too; help and version are not errors.
            if e.use_stderr() {
                record_for_helm(
                    &format!("kof-route: {}", e.render())
                        .trim_end()
                        .replace("\n\n", "\n"),
                );
            }
            e.exit()
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Check { file }) => check_command(file.as_deref()),
        Some(Command::LastError) => last_error(),
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
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Man) => man_page(),
        None => post_render(cli.args),
    }
}

/// Under Helm 4 (`HELM_PLUGIN_NAME` set), save `message` where `last-error` finds
/// it, since Helm discards our stderr; returns the file it was saved in.
fn record_for_helm(message: &str) -> Option<PathBuf> {
    std::env::var_os("HELM_PLUGIN_NAME")
        .and_then(|_| error_log())
        .filter(|path| record(path, message).is_ok())
}

fn fail(err: &anyhow::Error) -> ExitCode {
    let mut message = format!("kof-route: {err:#}");
    if let Some(path) = record_for_helm(&message) {
        message.push_str(&format!(
            "\nkof-route: this message is saved in {}; `kof-route last-error` prints it",
            path.display()
        ));
    }
    eprintln!("{message}");
    if err.downcast_ref::<UsageError>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// Where failures are recorded: `$XDG_STATE_HOME/kof-route/last-error.log`.
pub fn error_log() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))?;
    Some(state.join("kof-route").join("last-error.log"))
}

fn record(path: &Path, message: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, format!("{message}\n"))
}

fn last_error() -> Result<ExitCode> {
    let path = error_log().context("neither XDG_STATE_HOME nor HOME is set")?;
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!(
                "kof-route has recorded no failure ({} does not exist)",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn read_input(file: Option<&Path>) -> Result<Vec<u8>> {
    let mut input = Vec::new();
    match file {
        Some(path) => {
            input = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(UsageError(
                    "reads manifests on stdin: pipe `helm template` into it, or use it as \
                     `helm ... --post-renderer kof-route`"
                        .into(),
                )
                .into());
            }
            // Read through a File so a redirected file's size sizes the buffer once.
            let fd = std::os::fd::AsFd::as_fd(&stdin)
                .try_clone_to_owned()
                .context("reading stdin")?;
            std::fs::File::from(fd)
                .read_to_end(&mut input)
                .context("reading stdin")?;
        }
    }
    Ok(input)
}

/// Write all of `bytes` to stdout; a reader that went away is not an error.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}

/// Validate the settings, read the input once, run the route over it, report
/// warnings (and the edits with --explain), then hand the result to `then`.
fn routed(
    args: RouteArgs,
    file: Option<&Path>,
    render: for<'a> fn(&Plan, &'a [u8]) -> Result<crate::Rendered<'a>>,
    then: impl FnOnce(&crate::Rendered<'_>) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let plan = Plan::build(&args)?;
    let input = read_input(file)?;
    let rendered = render(&plan, &input)?;
    for warning in &rendered.warnings {
        eprintln!("kof-route: warning: {warning}");
    }
    if args.explain {
        eprint!("{}", crate::report::explain(&rendered));
    }
    then(&rendered)
}

/// Write the routed stream to stdout through one buffer; a reader that went away is not an error.
fn write_output(rendered: &crate::Rendered<'_>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match rendered.write_to(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}

fn post_render(args: RouteArgs) -> Result<ExitCode> {
    routed(args, None, crate::render, |rendered| {
        write_output(rendered)?;
        Ok(ExitCode::SUCCESS)
    })
}

fn diff_command(
    file: Option<&Path>,
    args: RouteArgs,
    color: Color,
    exit_code: bool,
) -> Result<ExitCode> {
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    routed(args, file, crate::render_for_review, |rendered| {
        write_stdout(crate::report::diff(rendered, color).as_bytes())?;
        let changed = exit_code && !rendered.patched.is_empty();
        Ok(if changed {
            ExitCode::from(3)
        } else {
            ExitCode::SUCCESS
        })
    })
}

fn export_command(
    file: Option<&Path>,
    args: RouteArgs,
    format: ExportFormat,
    name: Option<String>,
    namespace: Option<String>,
) -> Result<ExitCode> {
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
        Ok(ExitCode::SUCCESS)
    })
}

fn routes_command() -> Result<ExitCode> {
    let mut out = String::new();
    for r in &crate::routes::REGISTRY {
        out.push_str(&format!(
            "{}\n  needs:   {}\n  changes: {}\n",
            r.name, r.needs, r.changes
        ));
    }
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn completions(shell: Shell) -> Result<ExitCode> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kof-route", &mut buf);
    write_stdout(&buf)?;
    Ok(ExitCode::SUCCESS)
}

fn man_page() -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    write_stdout(&buf)?;
    Ok(ExitCode::SUCCESS)
}

fn check_command(file: Option<&Path>) -> Result<ExitCode> {
    let input = read_input(file)?;
    let (_, selected) = select(&input)?;
    let collectors: Vec<&Selected> = selected
        .iter()
        .filter(|s| s.kind.role == Role::Collector)
        .collect();
    if collectors.is_empty() {
        bail!("no OpenTelemetryCollector in the input");
    }
    let mut report = String::new();
    let mut errors = 0;
    for sel in collectors {
        let found = problems(&sel.value, sel.kind);
        report.push_str(&format!("{}\n", sel.id));
        if found.is_empty() {
            report.push_str("  ok\n");
        }
        for p in found {
            let word = match p.severity {
                check::Severity::Error => {
                    errors += 1;
                    "error"
                }
                check::Severity::Warning => "warning",
            };
            report.push_str(&format!("  {word}: {}\n", p.message));
        }
    }
    write_stdout(report.as_bytes())?;
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
