//! Entry support: reading the input and writing stdout. A closed stdout
//! (broken pipe) is not an error; stdin on a terminal is a usage error.
//!
//! The input is read whole into memory with plain reads, never mapped: a
//! mapped file that another process truncates ends the run with SIGBUS or
//! a partial output, and some readable files (`/sys`, FUSE direct-io) cannot
//! be mapped at all. Mapping saved nothing a user can see (issue 24).

use crate::cli::plan::UsageError;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// The input: FILE, or all of stdin.
pub(super) fn read_input(file: Option<&Path>) -> Result<Vec<u8>> {
    let mut input = Vec::new();
    match file {
        Some(path) => {
            let what = || format!("reading {}", path.display());
            let mut file = std::fs::File::open(path).with_context(what)?;
            file.read_to_end(&mut input).with_context(what)?;
        }
        None => {
            let mut stdin = std::io::stdin().lock();
            if stdin.is_terminal() {
                return Err(UsageError(
                    "reads manifests on stdin: pipe `helm template` into it, or use it as \
                     `helm ... --post-renderer kof-route`"
                        .into(),
                )
                .into());
            }
            stdin.read_to_end(&mut input).context("reading stdin")?;
        }
    }
    Ok(input)
}

/// Write all of `bytes` to stdout; a reader that went away is not an error.
pub(super) fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}

/// Write the routed stream to stdout through one buffer; a reader that went away is not an error.
pub(super) fn write_output(rendered: &crate::Rendered<'_>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match rendered.write_to(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing stdout"),
    }
}
