//! Git for the plugin-install tests: a `git` with no user or system
//! configuration, and the upstream commit `helm plugin update` pulls.

use super::clean_command;
use std::path::Path;

/// `git args` in `dir`, with no user or system configuration; panics with
/// git's output when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = clean_command("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=kof-route test",
            "-c",
            "user.email=t@invalid",
        ])
        .args(args)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A commit adding `UPDATE-MARKER` (holding `marker`) pushed to the bare
/// repository `bare` through a clone under `dir`, then the repository made
/// servable over dumb HTTP again: what a plugin update brings in.
pub fn push_upstream_marker(dir: &Path, bare: &Path, marker: &str) {
    let upstream = dir.join("upstream");
    let (bare_s, up_s) = (bare.to_str().unwrap(), upstream.to_str().unwrap());
    git(dir, &["clone", "-q", bare_s, up_s]);
    std::fs::write(upstream.join("UPDATE-MARKER"), marker).unwrap();
    git(&upstream, &["add", "UPDATE-MARKER"]);
    git(&upstream, &["commit", "-q", "-m", "an upstream change"]);
    git(&upstream, &["push", "-q", "origin", "HEAD"]);
    git(bare, &["update-server-info"]);
}
