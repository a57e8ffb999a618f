//! Installing kof-route the way Helm users install plugins (issue 27), with
//! the real engines: `scripts/dist.sh` packs the release files of the binary
//! under test, a loopback HTTP server started here (127.0.0.1 only) serves
//! them and a bare git repository over dumb HTTP, and the real Helm 4.2.3
//! installs the plugin from the `.tgz` and from git, with `cargo` absent from
//! PATH (a PATH of only the tools the hook needs). The install hook must
//! download and verify the binary; a tampered SHA256SUMS must install nothing
//! and build nothing; an unreachable release builds with cargo, or fails
//! naming both ways out. The README's Helm 3 block runs as written against the
//! server, then Helm 3.17.2 post-renders through what it installed.
//!
//! The build the hook falls back to is stood in for by a `cargo` script that
//! checks it is asked for the release build and copies the binary under test
//! (a real release build takes minutes; CI builds one with the same script,
//! scripts/build-release.sh, in its benchmark step).
//!
//! A missing Helm binary prints a loud `SKIPPED:` line, unless
//! `KOF_ROUTE_E2E_REQUIRED=1` (CI), where it fails the test.

mod support;

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use support::git::{git, push_upstream_marker};
use support::{clean_command, root, text};

// ---------------------------------------------------------------------------
// The release, its version and the engines

fn version() -> String {
    let cargo = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let line = cargo
        .lines()
        .find(|l| l.starts_with("version = "))
        .expect("Cargo.toml has a version");
    line["version = ".len()..].trim_matches('"').to_string()
}

/// `linux-amd64` and so on, as scripts/dist.sh and the hook name the platform.
fn platform() -> String {
    let os = match env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    let arch = match env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        arch => arch,
    };
    format!("{os}-{arch}")
}

fn archive() -> String {
    format!("kof-route-{}-{}.tar.gz", version(), platform())
}

fn plugin_package() -> String {
    format!("kof-route-{}.tgz", version())
}

/// The real Helm binary `tests/e2e/setup.sh` installs, or a loud skip.
fn helm(want: &str, test: &str) -> Option<PathBuf> {
    let helm = root().join(format!("target/e2e-bin/helm-{want}"));
    if helm.exists() {
        return Some(helm);
    }
    let why = format!("no Helm {want} at {}", helm.display());
    if env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0") {
        panic!("{test}: KOF_ROUTE_E2E_REQUIRED=1 but {why}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {test}: {why}. Run `bash tests/e2e/setup.sh` and rerun `cargo test`."
    );
    None
}

/// A fresh directory under cargo's per-target tmp dir.
fn scratch(label: &str) -> PathBuf {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("install-{}", std::process::id()))
        .join(format!("{label}-{}", SEQ.fetch_add(1, Ordering::SeqCst)));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `scripts/dist.sh --bin <the binary under test>`, once per test run.
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let out = scratch("dist").join("dist");
        let run = clean_command("sh")
            .arg(root().join("scripts/dist.sh"))
            .arg("--bin")
            .arg(support::BIN)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "dist.sh: {}", text(&run.stderr));
        out
    })
}

/// A server root with the release files under `v<VERSION>/`.
fn release_root(dir: &Path) -> PathBuf {
    let root = dir.join("www");
    let release = root.join(format!("v{}", version()));
    fs::create_dir_all(&release).unwrap();
    for entry in fs::read_dir(dist()).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), release.join(entry.file_name())).unwrap();
    }
    root
}

// ---------------------------------------------------------------------------
// A static HTTP server on 127.0.0.1 (GET and HEAD; enough for Helm's getter,
// curl, wget and git's dumb HTTP transport)

struct Server {
    url: String,
    /// Every request line, in order.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(root: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, seen) = (root.clone(), Arc::clone(&seen));
                std::thread::spawn(move || serve(stream, &root, &seen));
            }
        });
        Server { url, log }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn fetched(&self, name: &str) -> usize {
        let want = format!("GET /v{}/{name} ", version());
        self.requests()
            .iter()
            .filter(|r| r.starts_with(&want))
            .count()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    log.lock().unwrap().push(request.trim_end().to_string());
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split('?').next().unwrap_or("/");
    let file = root.join(path.trim_start_matches('/'));
    let body = (!path.contains("..") && file.is_file())
        .then(|| fs::read(&file).ok())
        .flatten();
    let mut stream = &stream;
    let _ = match body {
        Some(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream
                .write_all(head.as_bytes())
                .and_then(|()| match method {
                    "HEAD" => Ok(()),
                    _ => stream.write_all(&body),
                })
        }
        None => stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}

/// A loopback URL where nothing listens: the connection is refused at once.
fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/releases", listener.local_addr().unwrap())
}

// ---------------------------------------------------------------------------
// Helm 4 with a PATH of only what the hook needs (no cargo)

/// What the hook, Helm's git installer and the README block run.
const TOOLS: &[&str] = &[
    "sh",
    "sed",
    "awk",
    "cut",
    "grep",
    "tr",
    "tar",
    "gzip",
    "mv",
    "cp",
    "rm",
    "mkdir",
    "mktemp",
    "chmod",
    "uname",
    "dirname",
    "basename",
    "cat",
    "git",
    "curl",
    "sha256sum",
];

fn which(tool: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// `dir/tools`: links to TOOLS only; with `cargo`, the stand-in for the
/// release build, which records each call in `dir/cargo-calls`.
fn tools(dir: &Path, with_cargo: bool) -> PathBuf {
    let tools = dir.join("tools");
    fs::create_dir_all(&tools).unwrap();
    for tool in TOOLS {
        let found = which(tool).unwrap_or_else(|| panic!("{tool} is not installed"));
        symlink(found, tools.join(tool)).unwrap();
    }
    if with_cargo {
        let script = format!(
            "#!/bin/sh\n# Stands in for the release build of scripts/build-release.sh.\necho \"$*\" >>'{calls}'\ncase \"$1 $2\" in\n'rustc --release' | 'build --release') ;;\n*) echo \"fake cargo: $*\" >&2; exit 2 ;;\nesac\nmkdir -p target/release && cp '{bin}' target/release/kof-route\n",
            calls = dir.join("cargo-calls").display(),
            bin = support::BIN
        );
        fs::write(tools.join("cargo"), script).unwrap();
        fs::set_permissions(tools.join("cargo"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    tools
}

fn cargo_calls(dir: &Path) -> String {
    fs::read_to_string(dir.join("cargo-calls")).unwrap_or_default()
}

/// Helm isolated in `dir` (HOME, XDG_*, HELM_*), plugins where `helm plugin
/// install` puts them, PATH = `tools`, the release at `download_url`.
fn helm_in(dir: &Path, helm: &Path, tools: &Path, download_url: &str) -> Command {
    let mut cmd = clean_command(helm);
    for sub in ["home", "config", "cache", "data/plugins", "state"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    cmd.env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("home/.config"))
        .env("XDG_CACHE_HOME", dir.join("home/.cache"))
        .env("XDG_DATA_HOME", dir.join("home/.local/share"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HELM_CONFIG_HOME", dir.join("config"))
        .env("HELM_CACHE_HOME", dir.join("cache"))
        .env("HELM_DATA_HOME", dir.join("data"))
        .env("HELM_PLUGINS", dir.join("data/plugins"))
        .env("KUBECONFIG", dir.join("no-kubeconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH", tools)
        .env("KOF_ROUTE_DOWNLOAD_URL", download_url);
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn shown(out: &Output) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The names in `plugin/bin`: only what was installed, never a leftover.
fn bin_entries(plugin: &Path) -> BTreeSet<String> {
    fs::read_dir(plugin.join("bin"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn installed_is_the_binary_under_test(plugin: &Path) {
    let installed = fs::read(plugin.join("bin/kof-route")).expect("bin/kof-route installed");
    assert!(
        installed == fs::read(support::BIN).unwrap(),
        "bin/kof-route is not the released binary"
    );
    assert_eq!(
        bin_entries(plugin),
        BTreeSet::from([".gitignore".to_string(), "kof-route".to_string()]),
        "bin/ holds a leftover"
    );
}

// ---------------------------------------------------------------------------
// Git: the project's files as a bare repository served over dumb HTTP

/// `www/kof-route.git`: one commit of this work tree's files (tracked and new,
/// as they are now), ready for dumb HTTP.
fn git_release(www: &Path, dir: &Path) -> PathBuf {
    let listed = clean_command("git")
        .current_dir(root())
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .unwrap();
    let work = dir.join("work");
    for name in text(&listed.stdout).split('\0').filter(|n| !n.is_empty()) {
        let from = root().join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = work.join(name);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
    }
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "kof-route"]);
    let bare = www.join("kof-route.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    git(&bare, &["update-server-info"]);
    bare
}

// ---------------------------------------------------------------------------
// Routing the real chart through the installed plugin

const CHART: &str = "fixtures/charts/kof-collectors-1.11.0-rc0.tgz";
const VALUES: &str = "fixtures/kof-1.11/values.yaml";

fn template(mut helm: Command, post_render: &[&str]) -> String {
    helm.args(["template", "kof-collectors"])
        .arg(root().join(CHART))
        .args(["-n", "kof", "--values"])
        .arg(root().join(VALUES));
    if !post_render.is_empty() {
        helm.args(["--post-renderer", "kof-route"]);
        for arg in post_render {
            helm.arg(format!("--post-renderer-args={arg}"));
        }
    }
    let out = run(helm);
    assert!(out.status.success(), "helm template: {}", shown(&out));
    text(&out.stdout)
}

/// The installed plugin routes the real chart byte for byte as a plugin whose
/// bin/kof-route is the binary under test (Helm 4 reformats a post-renderer's
/// stream, so both go through it), and changes what the route changes.
fn routes_like_kof_route_itself(dir: &Path, helm4: &Path, tools: &Path) {
    let reference = dir.join("reference");
    let plugin = reference.join("data/plugins/kof-route");
    fs::create_dir_all(plugin.join("bin")).unwrap();
    fs::copy(root().join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
    symlink(support::BIN, plugin.join("bin/kof-route")).unwrap();
    let url = unreachable_url();
    for route in [
        &["--route=mothership"][..],
        &[
            "--route=regional",
            "--regional-domain=kof.example.com",
            "--regional-cluster=regional-1",
        ],
    ] {
        let installed = template(helm_in(dir, helm4, tools, &url), route);
        let expected = template(helm_in(&reference, helm4, tools, &url), route);
        assert!(
            installed == expected,
            "{route:?}: the installed plugin's render differs from kof-route's"
        );
        let plain = template(helm_in(dir, helm4, tools, &url), &[]);
        assert!(
            installed != plain && installed.contains("resource/k8sclustername:"),
            "{route:?}: the plugin routed nothing"
        );
    }
}

// ---------------------------------------------------------------------------
// The tests

#[test]
fn versions_license_and_release_url_agree() {
    let cargo = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let plugin = fs::read_to_string(root().join("plugin.yaml")).unwrap();
    assert!(
        plugin
            .lines()
            .any(|l| l == format!("version: {}", version())),
        "plugin.yaml's version is not Cargo.toml's {}: the hook downloads plugin.yaml's",
        version()
    );
    for key in [
        "license = \"Apache-2.0\"",
        "description = ",
        "repository = ",
        "readme = \"README.md\"",
        "keywords = ",
        "categories = ",
    ] {
        assert!(
            cargo.lines().any(|l| l.starts_with(key)),
            "Cargo.toml lacks {key}"
        );
    }
    let repository = cargo
        .lines()
        .find_map(|l| l.strip_prefix("repository = "))
        .unwrap()
        .trim_matches('"');
    let hook = fs::read_to_string(root().join("scripts/install-hook.sh")).unwrap();
    assert!(
        hook.contains(&format!("default_url={repository}/releases/download\n")),
        "the hook does not download from {repository}'s releases"
    );
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let v = version();
    for current in [
        format!("{repository}/releases/download/v{v}/kof-route-{v}.tgz"),
        format!("\nversion={v}\n"),
    ] {
        assert!(readme.contains(&current), "the README lacks {current:?}");
    }
    let license = fs::read_to_string(root().join("LICENSE")).unwrap();
    assert!(
        license.contains("Apache License\n                           Version 2.0, January 2004")
    );
}

#[test]
fn dist_packs_the_binary_the_plugin_and_their_checksums() {
    let dist = dist();
    let names: BTreeSet<String> = fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([archive(), plugin_package(), "SHA256SUMS".to_string()])
    );
    let check = clean_command("sha256sum")
        .args(["--strict", "-c", "SHA256SUMS"])
        .current_dir(dist)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", shown(&check));
    assert_eq!(text(&check.stdout).lines().count(), 2, "{}", shown(&check));

    let list = |name: &str| {
        let out = clean_command("tar")
            .args(["-tvzf", name])
            .current_dir(dist)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", shown(&out));
        text(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with('d'))
            .map(|l| {
                let mode = &l[..10];
                (l.rsplit(' ').next().unwrap().to_string(), mode.to_string())
            })
            .collect::<Vec<_>>()
    };
    let top = archive().trim_end_matches(".tar.gz").to_string();
    let mut files = list(&archive());
    files.sort();
    assert_eq!(
        files,
        [
            (format!("{top}/LICENSE"), "-rw-r--r--".into()),
            (format!("{top}/README.md"), "-rw-r--r--".into()),
            (format!("{top}/kof-route"), "-rwxr-xr-x".into()),
        ]
    );
    let mut files = list(&plugin_package());
    files.sort();
    assert_eq!(
        files,
        [
            ("kof-route/LICENSE".to_string(), "-rw-r--r--".to_string()),
            ("kof-route/plugin.yaml".into(), "-rw-r--r--".into()),
            (
                "kof-route/scripts/install-hook.sh".into(),
                "-rwxr-xr-x".into()
            ),
        ],
        "the plugin package is plugin.yaml and its hook, no binary"
    );
}

/// Issue 27, test 1: the plugin package over HTTP; the hook downloads the binary.
#[test]
fn helm4_installs_the_plugin_package_and_the_verified_binary() {
    const TEST: &str = "helm4_installs_the_plugin_package_and_the_verified_binary";
    let Some(helm4) = helm("v4.2.3", TEST) else {
        return;
    };
    let dir = scratch("tgz");
    let server = Server::start(release_root(&dir));
    let tools = tools(&dir, false);
    let mut cmd = helm_in(&dir, &helm4, &tools, &server.url);
    let package = format!("{}/v{}/{}", server.url, version(), plugin_package());
    cmd.args(["plugin", "install", &package, "--verify=false"]);
    let out = run(cmd);
    assert!(
        out.status.success() && text(&out.stdout).contains("Installed plugin: kof-route"),
        "{}",
        shown(&out)
    );
    assert!(
        text(&out.stderr).contains("sha256 verified"),
        "{}",
        shown(&out)
    );
    assert_eq!(server.fetched("SHA256SUMS"), 1, "{:?}", server.requests());
    assert_eq!(server.fetched(&archive()), 1, "{:?}", server.requests());
    // Helm 4 names the plugin's directory after the package without its version.
    let plugin = dir.join("data/plugins/kof-route");
    installed_is_the_binary_under_test(&plugin);
    routes_like_kof_route_itself(&dir, &helm4, &tools);
}

/// Issue 27, test 2: from a git repository over dumb HTTP, then an update.
#[test]
fn helm4_installs_from_git_over_http_and_updates() {
    const TEST: &str = "helm4_installs_from_git_over_http_and_updates";
    let Some(helm4) = helm("v4.2.3", TEST) else {
        return;
    };
    let dir = scratch("git");
    let www = release_root(&dir);
    let bare = git_release(&www, &dir);
    let server = Server::start(www);
    let tools = tools(&dir, false);
    let helm = || helm_in(&dir, &helm4, &tools, &server.url);

    let mut cmd = helm();
    cmd.args(["plugin", "install"])
        .arg(format!("{}/kof-route.git", server.url))
        .arg("--verify=false");
    let out = run(cmd);
    assert!(
        out.status.success() && text(&out.stdout).contains("Installed plugin: kof-route"),
        "{}",
        shown(&out)
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.contains("/kof-route.git/info/refs")),
        "Helm did not clone over HTTP: {:?}",
        server.requests()
    );
    assert_eq!(server.fetched(&archive()), 1, "{:?}", server.requests());
    // Helm 4 names a plugin from git after the URL's last element.
    let plugin = dir.join("data/plugins/kof-route.git");
    installed_is_the_binary_under_test(&plugin);

    // A new commit upstream, then `helm plugin update`.
    push_upstream_marker(&dir, &bare, "brought in by helm plugin update\n");
    let mut cmd = helm();
    cmd.args(["plugin", "update", "kof-route"]);
    let out = run(cmd);
    assert!(
        out.status.success() && text(&out.stdout).contains("Updated plugin: kof-route"),
        "{}",
        shown(&out)
    );
    assert_eq!(
        fs::read_to_string(plugin.join("UPDATE-MARKER"))
            .ok()
            .as_deref(),
        Some("brought in by helm plugin update\n"),
        "the update did not bring the new commit in"
    );
    // Helm's git update ends with `git clean -x -d -f -f` in the plugin's
    // directory, which deletes bin/: the update hook downloads and verifies again.
    assert!(
        text(&out.stderr).contains("sha256 verified"),
        "{}",
        shown(&out)
    );
    assert_eq!(server.fetched(&archive()), 2, "{:?}", server.requests());
    installed_is_the_binary_under_test(&plugin);
    routes_like_kof_route_itself(&dir, &helm4, &tools);
}

/// Issue 27, test 3: a tampered SHA256SUMS installs nothing, and even with
/// cargo and the sources at hand builds nothing.
#[test]
fn a_tampered_checksum_installs_nothing() {
    const TEST: &str = "a_tampered_checksum_installs_nothing";
    let Some(helm4) = helm("v4.2.3", TEST) else {
        return;
    };
    let dir = scratch("tampered");
    let www = release_root(&dir);
    let sums = www.join(format!("v{}/SHA256SUMS", version()));
    let tampered: String = fs::read_to_string(&sums)
        .unwrap()
        .lines()
        .map(|line| match line.strip_suffix(&archive()) {
            // One hex digit of the archive's sum changed.
            Some(head) => {
                let flipped = if head.starts_with('0') { "1" } else { "0" };
                format!("{flipped}{}{}\n", &head[1..], archive())
            }
            None => format!("{line}\n"),
        })
        .collect();
    assert_ne!(tampered, fs::read_to_string(&sums).unwrap());
    fs::write(&sums, tampered).unwrap();
    git_release(&www, &dir);
    let server = Server::start(www);

    for (source, with_cargo) in [
        (
            format!("{}/v{}/{}", server.url, version(), plugin_package()),
            false,
        ),
        (format!("{}/kof-route.git", server.url), true),
    ] {
        let case = scratch("tampered-case");
        let tools = tools(&case, with_cargo);
        let mut cmd = helm_in(&case, &helm4, &tools, &server.url);
        cmd.args(["plugin", "install", &source, "--verify=false"]);
        let out = run(cmd);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{source}: {}", shown(&out));
        assert!(
            stderr.contains("checksum mismatch") && stderr.contains("SHA256SUMS"),
            "{source}: the message does not name the file: {}",
            shown(&out)
        );
        let name = if with_cargo {
            "kof-route.git"
        } else {
            "kof-route"
        };
        let plugin = case.join("data/plugins").join(name);
        assert_eq!(
            bin_entries(&plugin),
            BTreeSet::from([".gitignore".to_string()]),
            "{source}: something was left in bin/"
        );
        assert_eq!(
            cargo_calls(&case),
            "",
            "{source}: a mismatch must not build"
        );
    }
}

/// Issue 27, test 4: an unreachable release builds with cargo; without cargo
/// the message names both ways out, and nothing is installed.
#[test]
fn an_unreachable_release_builds_with_cargo_or_explains() {
    const TEST: &str = "an_unreachable_release_builds_with_cargo_or_explains";
    let Some(helm4) = helm("v4.2.3", TEST) else {
        return;
    };
    let dir = scratch("unreachable");
    let www = dir.join("www");
    fs::create_dir_all(&www).unwrap();
    git_release(&www, &dir);
    let server = Server::start(www);
    let nowhere = unreachable_url();
    let git_url = format!("{}/kof-route.git", server.url);

    // With cargo: built (by the stand-in) into bin/kof-route.
    let case = scratch("unreachable-cargo");
    let tools_ = tools(&case, true);
    let mut cmd = helm_in(&case, &helm4, &tools_, &nowhere);
    cmd.args(["plugin", "install", &git_url, "--verify=false"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", shown(&out));
    assert!(
        text(&out.stderr).contains("building from source"),
        "{}",
        shown(&out)
    );
    let calls = cargo_calls(&case);
    assert!(
        calls.starts_with("rustc --release --locked")
            || calls.starts_with("build --release --locked"),
        "the hook did not run the release build: {calls:?}"
    );
    installed_is_the_binary_under_test(&case.join("data/plugins/kof-route.git"));

    // Without cargo, from git and from the plugin package (which has no sources).
    let package_dir = scratch("unreachable-package");
    let package_root = release_root(&package_dir);
    let package_server = Server::start(package_root);
    let package_url = format!("{}/v{}/{}", package_server.url, version(), plugin_package());
    for (source, name) in [(git_url, "kof-route.git"), (package_url, "kof-route")] {
        let case = scratch("unreachable-no-cargo");
        let tools = tools(&case, false);
        let mut cmd = helm_in(&case, &helm4, &tools, &nowhere);
        cmd.args(["plugin", "install", &source, "--verify=false"]);
        let out = run(cmd);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{source}: {}", shown(&out));
        for way_out in [
            "was NOT installed",
            &nowhere,
            "KOF_ROUTE_DOWNLOAD_URL",
            "install Rust",
            "from its git repository",
        ] {
            assert!(
                stderr.contains(way_out),
                "{source}: the message lacks {way_out:?}: {}",
                shown(&out)
            );
        }
        let plugin = case.join("data/plugins").join(name);
        assert_eq!(
            bin_entries(&plugin),
            BTreeSet::from([".gitignore".to_string()]),
            "{source}: something was left in bin/"
        );
    }
}

/// The hook keeps a binary that is already this version, and replaces one
/// that is not (an update to a new version).
#[test]
fn the_hook_replaces_only_a_binary_of_another_version() {
    let dir = scratch("hook-versions");
    let server = Server::start(release_root(&dir));
    let plugin = dir.join("plugin");
    fs::create_dir_all(plugin.join("scripts")).unwrap();
    fs::copy(root().join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
    let tools = tools(&dir, false);
    let hook = || {
        let mut cmd = clean_command("/bin/sh");
        cmd.arg(root().join("scripts/install-hook.sh"))
            .env("HELM_PLUGIN_DIR", &plugin)
            .env("PATH", &tools)
            .env("KOF_ROUTE_DOWNLOAD_URL", &server.url);
        run(cmd)
    };
    let old = "#!/bin/sh\necho 'kof-route 0.0.1'\n";
    fs::create_dir_all(plugin.join("bin")).unwrap();
    fs::write(plugin.join("bin/kof-route"), old).unwrap();
    fs::set_permissions(
        plugin.join("bin/kof-route"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let out = hook();
    assert!(out.status.success(), "{}", shown(&out));
    installed_is_the_binary_under_test(&plugin);
    let out = hook();
    assert!(
        out.status.success() && text(&out.stderr).contains("already installed"),
        "{}",
        shown(&out)
    );
    assert_eq!(server.fetched(&archive()), 1, "{:?}", server.requests());
}

/// Issue 27, test 5: the README's Helm 3 block, run as written against the
/// server, installs a verified binary that Helm 3.17.2 runs as its post-renderer.
#[test]
fn readme_helm3_block_installs_a_verified_binary() {
    const TEST: &str = "readme_helm3_block_installs_a_verified_binary";
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap())
        .find(|b| b.contains("KOF_ROUTE_DOWNLOAD_URL"))
        .expect("the README has a sh block that downloads the release");
    let Some(helm3) = helm("v3.17.2", TEST) else {
        return;
    };
    let dir = scratch("readme-helm3");
    let server = Server::start(release_root(&dir));
    let tools = tools(&dir, false);
    let work = dir.join("work");
    fs::create_dir_all(&work).unwrap();
    let mut cmd = Command::new("/bin/bash");
    cmd.args(["-euo", "pipefail", "-c", block])
        .current_dir(&work)
        .env_clear()
        .env("HOME", dir.join("home"))
        .env("PATH", &tools)
        .env("KOF_ROUTE_DOWNLOAD_URL", &server.url);
    let out = run(cmd);
    assert!(
        out.status.success(),
        "the README block failed: {}",
        shown(&out)
    );
    assert_eq!(server.fetched(&archive()), 1, "{:?}", server.requests());
    let installed = dir.join("home/.local/bin/kof-route");
    assert!(
        fs::read(&installed).unwrap() == fs::read(support::BIN).unwrap(),
        "the README block installed something else at {}",
        installed.display()
    );

    // Helm 3 with `--post-renderer kof-route` found on PATH, as the README says.
    let path = env::join_paths([dir.join("home/.local/bin"), tools.clone()]).unwrap();
    let helm = || {
        let mut cmd = helm_in(&dir, &helm3, &tools, &server.url);
        cmd.env("PATH", &path)
            .env("HELM_PLUGINS", dir.join("no-plugins"));
        cmd
    };
    let plain = template(helm(), &[]);
    let routed = template(helm(), &["--route=mothership"]);
    let mut own = clean_command(support::BIN);
    own.arg("--route=mothership");
    let own = support::output(own, plain.as_bytes());
    assert_eq!(own.code, Some(0), "{}", own.stderr);
    assert!(
        routed.as_bytes() == own.stdout,
        "Helm 3 through the installed binary is not kof-route's own output, byte for byte"
    );
}

/// Where curl and sha256sum are missing (macOS has shasum; some images only
/// wget), the hook downloads with wget and checks with shasum, and still
/// refuses a tampered SHA256SUMS.
#[test]
fn the_hook_also_works_with_wget_and_shasum() {
    let dir = scratch("hook-wget");
    let www = release_root(&dir);
    let server = Server::start(www.clone());
    let tools = tools(&dir, false);
    for (gone, added) in [("curl", "wget"), ("sha256sum", "shasum")] {
        fs::remove_file(tools.join(gone)).unwrap();
        symlink(which(added).unwrap(), tools.join(added)).unwrap();
    }
    // shasum is a Perl script.
    symlink(which("perl").unwrap(), tools.join("perl")).unwrap();
    let hook = |plugin: &Path| {
        fs::create_dir_all(plugin).unwrap();
        fs::copy(root().join("plugin.yaml"), plugin.join("plugin.yaml")).unwrap();
        let mut cmd = clean_command("/bin/sh");
        cmd.arg(root().join("scripts/install-hook.sh"))
            .env("HELM_PLUGIN_DIR", plugin)
            .env("PATH", &tools)
            .env("KOF_ROUTE_DOWNLOAD_URL", &server.url);
        run(cmd)
    };
    let plugin = dir.join("plugin");
    let out = hook(&plugin);
    assert!(
        out.status.success() && text(&out.stderr).contains("sha256 verified"),
        "{}",
        shown(&out)
    );
    installed_is_the_binary_under_test(&plugin);

    let sums = www.join(format!("v{}/SHA256SUMS", version()));
    let tampered = fs::read_to_string(&sums)
        .unwrap()
        .replace(&format!("  {}", archive()), &format!("0 {}", archive()));
    fs::write(&sums, tampered).unwrap();
    let plugin = dir.join("tampered");
    let out = hook(&plugin);
    assert!(
        !out.status.success() && text(&out.stderr).contains("checksum mismatch"),
        "{}",
        shown(&out)
    );
    assert_eq!(
        bin_entries(&plugin),
        BTreeSet::from([".gitignore".to_string()])
    );
}
