//! Flags, part three: what is generated from the flag definitions for people
//! and shells: completion scripts and man pages. Reads no documents.

use super::{Cli, Shell};
use crate::names::{self, UsageError};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "kof-route", &mut buf);
    let script = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        // clap_complete 4.6 names bash's per-command states after the binary
        // with `-` made `__` when it walks the words (`kof__route__subcmd__diff`)
        // but with `-` made `__subcmd__` in the `case` arms that list each
        // command's flags (`kof__subcmd__route__subcmd__diff`): no subcommand
        // arm ever matches, so `kof-route diff --<TAB>` offers nothing. Name
        // the arms the way the walk does.
        Shell::Bash => script.replace("kof__subcmd__route", "kof__route"),
        // zsh's script gives the main mode's optional FILE the first word, so a
        // subcommand is looked for in the second (`$line[2]`) and `kof-route
        // diff --<TAB>` completes the main mode's flags. Leave FILE to zsh's
        // default (a word that is not a subcommand) and read the first word.
        Shell::Zsh => {
            let mut lines: Vec<&str> = script.lines().collect();
            if let Some(at) = lines.iter().position(|l| l.starts_with("'::file -- ")) {
                lines.remove(at);
            }
            let mut out = lines.join("\n").replace("$line[2]", "$line[1]");
            out.push('\n');
            out
        }
        // fish's script decides whether a subcommand was given by running
        // argparse over the words before the cursor; after a flag that takes
        // a value (`kof-route --route <TAB>`) argparse fails for want of it
        // and nothing of the top level is offered (fish falls back to file
        // names). Retry without that last word.
        Shell::Fish => script.replace(
            "    argparse -s (__fish_kof_route_global_optspecs) -- $cmd 2>/dev/null\n    or return\n",
            "    argparse -s (__fish_kof_route_global_optspecs) -- $cmd 2>/dev/null\n    \
             or argparse -s (__fish_kof_route_global_optspecs) -- $cmd[1..-2] 2>/dev/null\n    \
             or return\n",
        ),
    }
}

/// The command the man pages are made from: every subcommand's page is
/// generated, so `help` (a clap convenience) is left out.
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The man page of `page` (the whole command by default), or, with `dir`,
/// every page written there and their paths listed.
pub fn man(page: Option<&str>, dir: Option<&Path>) -> Result<Vec<u8>> {
    let cmd = man_command();
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        clap_mangen::generate_to(cmd.clone(), dir)
            .with_context(|| format!("writing man pages into {}", dir.display()))?;
        let mut written = vec![format!("{}", dir.join("kof-route.1").display())];
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = sub.get_display_name().unwrap_or(sub.get_name());
            written.push(format!("{}", dir.join(format!("{name}.1")).display()));
        }
        return Ok(format!("{}\n", written.join("\n")).into_bytes());
    }
    let page = match page {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return Err(UsageError(format!(
                    "man: no subcommand {:?}; one of {}",
                    names::escape(name),
                    names.join(", ")
                ))
                .into());
            }
        },
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    Ok(buf)
}
