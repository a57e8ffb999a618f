//! How kof-route reads its input (issue 24): a FILE that another process
//! truncates while kof-route runs never ends it with a signal or a partial
//! output, and files that cannot be mapped (a FIFO, a sysfs file) are read.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::*;

/// The real kof-collectors render, then ConfigMaps (which no route touches)
/// up to `size` bytes; and the length of the render, a document boundary.
fn collectors_then_filler(size: usize) -> (Vec<u8>, usize) {
    let mut input = fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml");
    assert!(input.ends_with(b"\n"));
    let head = input.len();
    let mut i = 0;
    while input.len() < size {
        let data = format!("  k: \"{}\"\n", "x".repeat(2000));
        input.extend_from_slice(format!("---\n# Source: filler\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{i}\ndata:\n{data}").as_bytes());
        i += 1;
    }
    (input, head)
}

/// 20 runs reading FILE and 20 reading `< FILE`, each with the file cut back
/// to its first documents (the collectors) 0-19 ms after kof-route started;
/// the debug binary takes far longer than that to route 8 MB, so the cut
/// lands while it reads or routes. Whatever prefix of the file it read
/// (the whole of it, or the collectors and part of the rest), it exits 0
/// with that prefix's complete output, or 1 with a message and empty stdout;
/// never a signal (a mapped file cut under a reader is SIGBUS) or a part.
#[test]
fn a_file_truncated_while_it_is_read_gives_whole_output_or_a_clean_error() {
    let (input, head) = collectors_then_filler(8 << 20);
    let flags = route_flags("regional");
    let full = kof_route::render(&plan(&flags), &input).unwrap().output();
    // Only the collectors change: the output for any prefix that holds them
    // is the full output cut `delta` bytes later.
    let delta = full.len() - input.len();
    let cut = kof_route::render(&plan(&flags), &input[..head])
        .unwrap()
        .output();
    assert!(
        cut == full[..head + delta],
        "the filler is copied unchanged"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("render.yaml");
    let (mut whole, mut part, mut failed) = (0, 0, 0);
    for run in 0..40 {
        std::fs::write(&path, &input).unwrap();
        let mut cmd = clean_command(BIN);
        cmd.args(&flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let how = if run % 2 == 0 {
            cmd.arg(&path).stdin(Stdio::null());
            "FILE"
        } else {
            cmd.stdin(std::fs::File::open(&path).unwrap());
            "< FILE"
        };
        let child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(run / 2));
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(head as u64).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = format!("run {run} ({how}, cut after {} ms)", run / 2);
        match out.status.code() {
            Some(0) => {
                let n = out.stdout.len();
                assert!(
                    n >= head + delta && out.stdout[..] == full[..n],
                    "{what}: exit 0 with {n} bytes that are not the output of a prefix of the file"
                );
                if n == full.len() {
                    whole += 1
                } else {
                    part += 1
                }
            }
            Some(1) => {
                assert!(out.stdout.is_empty(), "{what}: exit 1 after writing stdout");
                assert!(stderr.starts_with("kof-route: "), "{what}: {stderr}");
                failed += 1;
            }
            code => panic!(
                "{what}: ended by {:?} (exit {code:?}): {stderr}",
                out.status
            ),
        }
    }
    eprintln!(
        "40 runs: {whole} read the whole file, {part} a prefix holding the collectors, {failed} failed cleanly"
    );
}

/// A sysfs file is world-readable but refuses to be mapped: it is read, so
/// kof-route judges its bytes (binary BTF data, not YAML) instead of
/// failing with the mapping's "Permission denied".
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_cannot_be_mapped_is_read() {
    let path = std::path::Path::new("/sys/kernel/btf/vmlinux");
    assert!(
        path.exists(),
        "this test needs {} (a Linux kernel with BTF)",
        path.display()
    );
    let r = run(&["--route", "mothership", "/sys/kernel/btf/vmlinux"], b"");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.starts_with("kof-route: ")
            && (r.stderr.contains("contains a NUL byte") || r.stderr.contains("not valid UTF-8"))
            && !r.stderr.contains("os error"),
        "the file was not read: {}",
        r.stderr
    );
}

/// A FIFO given as FILE (`kof-route FILE <(helm template ...)` in bash) is
/// read whole, as stdin would be.
#[cfg(unix)]
#[test]
fn a_fifo_given_as_file_is_read_whole() {
    let (input, _) = collectors_then_filler(1 << 20);
    let flags = route_flags("regional");
    let expected = kof_route::render(&plan(&flags), &input).unwrap().output();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("render.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let writer = {
        let (fifo, input) = (fifo.clone(), input.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&input).unwrap();
        })
    };
    let mut cmd = clean_command(BIN);
    cmd.args(&flags).arg(&fifo);
    let r = output(cmd, b"");
    writer.join().unwrap();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout == expected,
        "the FIFO's output differs from the library's"
    );
}
