//! Umbrella stage, fetching: the chart archive a HelmRelease installs, for
//! kof-route to render as Flux will.
//!
//! From a folder of chart `.tgz` files (air-gapped sites), or pulled by Helm
//! from a chart repository (`https://` or `oci://`) into the user's cache
//! directory, where each archive is kept with its SHA-256 digest and used
//! again only while it still has that digest. Finds Helm (`$HELM_BIN`, else
//! the Helm that started kof-route, else `helm` on PATH). Renders nothing,
//! edits nothing.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where KCM configures KOF's charts to come from.
pub(crate) const DEFAULT_REPO: &str = "oci://ghcr.io/k0rdent/kof/charts";

/// Helm: `$HELM_BIN`, else the Helm running kof-route as its post-renderer
/// (Helm 4.2.3 sets no `$HELM_BIN` for a post-renderer plugin, and its own
/// binary need not be on PATH), else `helm` on PATH.
pub(crate) fn helm() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("HELM_BIN").filter(|b| !b.is_empty()) {
        return Ok(bin.into());
    }
    if let Some(parent) = parent_helm() {
        return Ok(parent);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
        .context(
            "no Helm to render it with: $HELM_BIN is not set, Helm did not start kof-route, \
             and there is no helm on PATH; install Helm 3.9+",
        )
}

/// The parent process's executable, if it is Helm (its file name starts with `helm`).
fn parent_helm() -> Option<PathBuf> {
    let parent = std::os::unix::process::parent_id();
    let exe = std::fs::read_link(format!("/proc/{parent}/exe")).ok()?;
    let name = exe.file_name()?.to_str()?;
    name.starts_with("helm").then_some(exe)
}

/// A temporary directory, removed when dropped.
pub(crate) struct Scratch(pub PathBuf);

impl Scratch {
    pub(crate) fn new(under: &Path) -> Result<Scratch> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = under.join(format!(".kof-route-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a leftover scratch directory is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sha256(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The user's cache directory for charts: `$XDG_CACHE_HOME/kof-route/charts`,
/// else `~/.cache/kof-route/charts`.
fn cache_root() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("kof-route").join("charts"))
}

/// A URL as messages show it: no userinfo, no query values.
fn shown(url: &str) -> String {
    crate::redact::shown(url)
}

/// The archive of `chart` at `version` from `source` (a URL or a folder).
pub(crate) fn archive(helm: &Path, source: &str, chart: &str, version: &str) -> Result<PathBuf> {
    let file = format!("{chart}-{version}.tgz");
    if !source.contains("://") {
        let dir = Path::new(source);
        let path = dir.join(&file);
        if !dir.is_dir() {
            bail!("--chart-repo {source}: not a folder, nor an https:// or oci:// URL");
        }
        if !path.is_file() {
            bail!("{file} is not in the folder {source} (--chart-repo)");
        }
        return Ok(path);
    }
    let repo_key: String = Sha256::digest(source.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let root = cache_root()
        .unwrap_or_else(|| std::env::temp_dir().join("kof-route-charts"))
        .join(repo_key);
    let cached = root.join(&file);
    let digest_file = root.join(format!("{file}.sha256"));
    if let (Ok(want), true) = (std::fs::read_to_string(&digest_file), cached.is_file())
        && sha256(&cached)? == want.trim()
    {
        return Ok(cached);
    }
    let scratch = Scratch::new(&root)?;
    pull(helm, source, chart, version, &scratch.0)?;
    let pulled = scratch.0.join(&file);
    if !pulled.is_file() {
        bail!("helm pull gave no {file}");
    }
    let digest = sha256(&pulled)?;
    std::fs::rename(&pulled, &cached).with_context(|| format!("caching {}", cached.display()))?;
    std::fs::write(&digest_file, format!("{digest}\n"))
        .with_context(|| format!("writing {}", digest_file.display()))?;
    Ok(cached)
}

/// `helm pull` of a chart from a repository into `dir`.
fn pull(helm: &Path, repo: &str, chart: &str, version: &str, dir: &Path) -> Result<()> {
    let mut cmd = Command::new(helm);
    cmd.arg("pull");
    if repo.starts_with("oci://") {
        cmd.arg(format!("{}/{chart}", repo.trim_end_matches('/')));
    } else {
        cmd.args([chart, "--repo", repo]);
    }
    let out = cmd
        .args(["--version", version, "--destination"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", helm.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "cannot pull {chart} {version} from {}: {}. Offline, pass --chart-repo DIR (a folder \
             holding {chart}-{version}.tgz), or render the chart yourself and pass --collectors-render FILE",
            shown(repo),
            crate::names::escape(err.trim()).replace(repo, &shown(repo))
        );
    }
    Ok(())
}
