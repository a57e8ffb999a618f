//! Real Helm for the umbrella tests: the engines `tests/e2e/setup.sh`
//! installs, kof-route run with a Helm at hand (as Helm runs a plugin), and
//! the kof-route plugin laid out as `helm plugin install` lays it out.

use super::{BIN, Run, root, run_with};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Helm 3.17.2, as tests/e2e/setup.sh installs it.
pub fn helm3() -> PathBuf {
    root().join("target/e2e-bin/helm-v3.17.2")
}

/// Helm 4.2.3, as tests/e2e/setup.sh installs it.
pub fn helm4() -> PathBuf {
    root().join("target/e2e-bin/helm-v4.2.3")
}

/// An environment in which kof-route finds `helm` through `$HELM_BIN` (as
/// Helm sets it for a plugin), with its cache and Helm's state under `dir`.
pub fn helm_env(dir: &Path, helm: &Path) -> Vec<(&'static str, String)> {
    let at = |p: &str| dir.join(p).display().to_string();
    vec![
        ("HELM_BIN", helm.display().to_string()),
        ("HOME", at("home")),
        ("XDG_CACHE_HOME", at("cache")),
        ("HELM_CACHE_HOME", at("helm/cache")),
        ("HELM_CONFIG_HOME", at("helm/config")),
        ("HELM_DATA_HOME", at("helm/data")),
    ]
}

/// kof-route with `args`, Helm at hand (`helm_env`), `input` on stdin.
pub fn run_helm<S: AsRef<OsStr>>(args: &[S], dir: &Path, helm: &Path, input: &[u8]) -> Run {
    let env = helm_env(dir, helm);
    let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_with(args, &refs, input)
}

/// Helm 4 with its state under `home` and the kof-route plugin installed
/// there as `helm plugin install` lays it out: its manifest and
/// bin/kof-route (the binary under test), which the manifest runs.
pub fn helm4_with_plugin(home: &Path) -> Command {
    let plugin = home.join("plugins/kof-route");
    std::fs::create_dir_all(plugin.join("bin")).unwrap();
    std::fs::copy(root().join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
    std::os::unix::fs::symlink(BIN, plugin.join("bin/kof-route")).unwrap();
    let mut cmd = super::clean_command(helm4());
    cmd.env("HOME", home)
        .env("HELM_PLUGINS", home.join("plugins"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    cmd
}
