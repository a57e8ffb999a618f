//! Flags: the command line, its environment variables and the config file, as
//! plain data (ripgrep's "low args").
//!
//! Nothing here validates or interprets a value beyond its type: `plan` turns
//! these fields into a checked `Plan` once. The config file is turned into
//! flags and read by this same parser (`config`); a flag beats its environment
//! variable, which beats the file. The route's settings are `routes::RouteArgs`
//! (and the fan-out's `fanout::FanoutArgs`), plain data this parser fills.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub mod config;
pub mod docs;
pub mod plan;
pub use crate::routes::{RouteArgs, Setting};

/// Route a kof-collectors release's data: a Helm post-renderer for k0rdent KOF.
///
/// Reads rendered manifests on stdin (or FILE), patches the OpenTelemetryCollector
/// and OpenCost resources for one route, and writes the stream to stdout.
/// Every run that routes (this, `diff`, `export`) keeps its messages for `kof-route log`.
#[derive(Parser, Debug)]
#[command(name = "kof-route", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Manifest stream to route (default: stdin, as Helm passes it).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub args: RouteArgs,
}

/// The main mode's command line alone: `Cli` without its subcommands. The
/// Helm post-renderer's call is parsed with it (`config::parse`), since
/// building every subcommand's copy of the route flags was half of the
/// parse (0.22 M of 0.46 M instructions on kof-collectors, callgrind).
/// Only a successful parse is taken from it; every other outcome (help,
/// version, errors) comes from `Cli`. Its fields must stay `Cli`'s.
#[derive(Parser, Debug)]
#[command(name = "kof-route", version)]
pub(crate) struct MainCli {
    /// Manifest stream to route (default: stdin, as Helm passes it).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    args: RouteArgs,
}

/// The words `Cli` reads as a subcommand (names, aliases and clap's `help`):
/// a command line holding none of them is the main mode's.
pub(crate) const SUBCOMMAND_WORDS: [&str; 10] = [
    "check",
    "kernel",
    "diff",
    "export",
    "routes",
    "completions",
    "man",
    "log",
    "last-error",
    "help",
];

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check `helm template` output for collector problems, without patching.
    ///
    /// Prints a report per collector; exits 1 when there is an error. Without
    /// --route, the chart's known gap (pipelines use the processor
    /// resource/k8sclustername, which every route defines, and signals carry
    /// different cluster identities, which every route unifies) is a warning; with
    /// --route and its settings, checks what the route would write.
    Check {
        /// Manifest stream to check (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
    },
    /// Show what the route would change: a unified diff of the patched documents.
    ///
    /// With --exit-code, exits 0 when nothing would change and 3 when something would.
    Diff {
        /// Manifest stream to read (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
        /// Colour the diff
        #[arg(long, value_enum, default_value_t = Color::Auto, env = "KOF_ROUTE_COLOR")]
        color: Color,
        /// Exit 3 when the route would change something, 0 when not
        #[arg(long)]
        exit_code: bool,
    },
    /// Export the route as the kustomize patches Flux, Sveltos, Argo CD and kustomize apply.
    ///
    /// Reads a kof-collectors render (stdin or FILE) and prints the patches that
    /// turn it into what the main mode would write: JSON 6902 operations with
    /// `test` preconditions, each aimed at exactly one resource.
    Export {
        /// Manifest stream to read (default: stdin).
        file: Option<PathBuf>,
        #[command(flatten)]
        args: Box<RouteArgs>,
        /// What to print: a kustomization's `patches:` list, a Flux HelmRelease
        /// fragment, or a KCM MultiClusterService fragment (Sveltos)
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Name of the HelmRelease or MultiClusterService [default: kof-collectors, or kof-mgmt-cluster for sveltos]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Namespace of the HelmRelease [default: kof]
        #[arg(long, value_name = "NS")]
        namespace: Option<String>,
    },
    /// List the routes, what each needs and what it changes.
    Routes,
    /// Print the recovery kernel `--fanout` sends: the default, or --kernel FILE on top of it.
    ///
    /// The output is a kernel file (`extends: none`) that --kernel reads back.
    /// With RENDER (a kof-collectors render), warns by name about each item
    /// whose paths the chart's render does not produce, and exits 1 if any.
    Kernel {
        /// A kof-collectors render to check the kernel against.
        #[arg(value_name = "RENDER")]
        render: Option<PathBuf>,
        /// Kernel file: `extends: default|none`, `kcm-namespace`, `logs`, `metrics`
        #[arg(long, env = "KOF_ROUTE_KERNEL", value_name = "FILE")]
        kernel: Option<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        /// Shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print a man page (roff), generated from these same definitions.
    ///
    /// Without arguments, kof-route(1); with a subcommand, its page (e.g.
    /// kof-route-diff(1)); with --dir, writes every page into DIR.
    Man {
        /// Subcommand whose page to print.
        #[arg(value_name = "SUBCOMMAND", conflicts_with = "dir")]
        page: Option<String>,
        /// Write kof-route.1 and a page per subcommand into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print the last routing run: time, arguments (secrets hidden), messages, exit code.
    ///
    /// Helm hides a post-renderer's messages (Helm 3 on success, Helm 4 always);
    /// every run that routes keeps them in
    /// ${XDG_STATE_HOME:-~/.local/state}/kof-route/last-run.log.
    #[command(visible_alias = "last-error")]
    Log,
}

/// When to colour output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The formats of `export`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Kustomize,
    Flux,
    Sveltos,
}

/// Shells kof-route writes completions for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn both_flag_spellings_parse() {
        let a = Cli::try_parse_from(["kof-route", "--route=regional", "--regional-domain", "d.io"])
            .unwrap();
        assert_eq!(a.args.route.as_deref(), Some("regional"));
        assert_eq!(a.args.regional_domain.as_deref(), Some("d.io"));
    }

    #[test]
    fn route_names_come_from_the_registry() {
        let err = Cli::try_parse_from(["kof-route", "--route=nowhere"]).unwrap_err();
        let text = err.to_string();
        for route in &crate::routes::REGISTRY {
            assert!(text.contains(route.name), "{text}");
        }
    }
}
