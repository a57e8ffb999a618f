//! Entry support: reading the input and writing stdout. A closed stdout
//! (broken pipe) is not an error; stdin on a terminal is a usage error.

use crate::cli::plan::UsageError;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Seek, Write};
use std::path::Path;

/// Files smaller than this are read: mapping them saves nothing.
const MAP_MIN_BYTES: u64 = 64 << 10;

/// The input, read or mapped.
pub(super) enum Input {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Read(bytes) => bytes,
            Input::Mapped(map) => map,
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if let Input::Mapped(map) = self {
            crate::resident::unregister(map);
        }
    }
}

/// The input: FILE, or all of stdin.
pub(super) fn read_input(file: Option<&Path>) -> Result<Input> {
    match file {
        Some(path) => {
            let what = || format!("reading {}", path.display());
            let file = std::fs::File::open(path).with_context(what)?;
            from_file(file).with_context(what)
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
            // Through a File, so that a redirected file is mapped or its size
            // sizes the buffer once.
            let fd = std::os::fd::AsFd::as_fd(&stdin)
                .try_clone_to_owned()
                .context("reading stdin")?;
            from_file(std::fs::File::from(fd)).context("reading stdin")
        }
    }
}

/// All of `file` from its current offset. A large regular file is mapped,
/// not read: on this class of machine a page fault on fresh memory costs
/// microseconds (2.3-3.5 µs a page on the development machine), and
/// kof-all (2.5 MB) took 12.9 ms through a pipe against 7.3 ms from the
/// file (hyperfine, README Performance). A pipe, Helm's way in, goes
/// through an in-memory file on Linux (`from_pipe`) and is read elsewhere.
fn from_file(mut file: std::fs::File) -> std::io::Result<Input> {
    if let Some(map) = map(&mut file)? {
        // SAFETY: a shared read-only file mapping, kept to the end of the
        // run (`routed` forgets the input rather than drop it).
        unsafe { crate::resident::register(&map) };
        return Ok(Input::Mapped(map));
    }
    #[cfg(target_os = "linux")]
    if let Some(input) = from_pipe(&mut file)? {
        return Ok(input);
    }
    let mut input = Vec::new();
    file.read_to_end(&mut input)?;
    Ok(Input::Read(input))
}

/// Map a regular file read from its start, and move its offset to the end,
/// as reading it would (a shell sharing the descriptor sees it consumed).
/// Anything else, or a small file, is `None`.
fn map(file: &mut std::fs::File) -> std::io::Result<Option<memmap2::Mmap>> {
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() < MAP_MIN_BYTES || file.stream_position()? != 0 {
        return Ok(None);
    }
    // SAFETY: the map is read-only. A file changed or truncated
    // by another process while kof-route runs is read as changed (or ends
    // the process with SIGBUS), which the README's Performance section
    // says; such a file has no consistent contents to route anyway.
    let map = unsafe { memmap2::Mmap::map(&*file)? };
    file.seek(std::io::SeekFrom::Start(map.len() as u64))?;
    Ok(Some(map))
}

/// All of a pipe (Helm's way in), moved into an in-memory file with
/// `splice` (which `std::io::copy` uses from a pipe) and mapped from there.
/// Read into a buffer, every 4 KiB of input is a fresh page that faults in
/// on its own; the in-memory file's pages fault in 16 at a time. `None`
/// when `file` is not a pipe or no in-memory file can be had (then it is
/// read as before).
#[cfg(target_os = "linux")]
fn from_pipe(file: &mut std::fs::File) -> std::io::Result<Option<Input>> {
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::FileTypeExt;
    if !file.metadata()?.file_type().is_fifo() {
        return Ok(None);
    }
    // SAFETY: the name is a NUL-terminated constant.
    let fd = unsafe { libc::memfd_create(c"kof-route-input".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Ok(None);
    }
    // SAFETY: `fd` was just created, is open, and nothing else owns it.
    let mut mem = unsafe { std::fs::File::from_raw_fd(fd) };
    if std::io::copy(file, &mut mem)? == 0 {
        return Ok(Some(Input::Read(Vec::new())));
    }
    // SAFETY: only this process has the in-memory file (it has no name in
    // any directory), and nothing writes it after this point.
    let map = unsafe { memmap2::Mmap::map(&mem)? };
    // SAFETY: a shared read-only mapping of the in-memory file, kept to the
    // end of the run (`routed` forgets the input rather than drop it).
    unsafe { crate::resident::register(&map) };
    Ok(Some(Input::Mapped(map)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(len: usize) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        let text: Vec<u8> = (0..len).map(|i| b"abc\n"[i % 4]).collect();
        f.write_all(&text).unwrap();
        f.rewind().unwrap();
        f
    }

    #[test]
    fn a_large_file_is_mapped_and_left_consumed() {
        let mut f = file_of(MAP_MIN_BYTES as usize + 3);
        let input = from_file(f.try_clone().unwrap()).unwrap();
        assert!(matches!(input, Input::Mapped(_)));
        assert_eq!(input.len(), MAP_MIN_BYTES as usize + 3);
        assert_eq!(&input[..5], b"abc\na");
        assert_eq!(f.stream_position().unwrap(), MAP_MIN_BYTES + 3);
    }

    #[test]
    fn a_small_file_or_one_read_in_part_is_read_from_its_offset() {
        let input = from_file(file_of(10)).unwrap();
        assert!(matches!(&input, Input::Read(b) if b == b"abc\nabc\nab"));
        let mut f = file_of(MAP_MIN_BYTES as usize * 2);
        f.seek(std::io::SeekFrom::Start(2)).unwrap();
        let input = from_file(f).unwrap();
        assert!(matches!(input, Input::Read(_)));
        assert_eq!(input.len(), MAP_MIN_BYTES as usize * 2 - 2);
        assert_eq!(&input[..3], b"c\na");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pipe_is_read_whole() {
        for len in [0, 1, 70_000, 300_003] {
            let (reader, mut writer) = std::io::pipe().unwrap();
            let text: Vec<u8> = (0..len).map(|i| b"abc\n"[i % 4]).collect();
            let sent = text.clone();
            let feeder = std::thread::spawn(move || writer.write_all(&sent).unwrap());
            let input = from_file(std::fs::File::from(std::os::fd::OwnedFd::from(reader))).unwrap();
            feeder.join().unwrap();
            assert!(*input == *text, "{len} bytes");
        }
    }

    #[test]
    fn an_empty_file_is_empty_input() {
        assert!(from_file(file_of(0)).unwrap().is_empty());
    }
}
