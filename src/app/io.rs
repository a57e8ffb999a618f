//! Entry support: reading the input and writing stdout. A closed stdout
//! (broken pipe) is not an error; stdin on a terminal is a usage error.

use crate::cli::plan::UsageError;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// The input: FILE, or all of stdin.
pub(super) fn read_input(file: Option<&Path>) -> Result<Vec<u8>> {
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
