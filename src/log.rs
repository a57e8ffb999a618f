//! The run log: what `kof-route log` prints.
//!
//! Helm hides a post-renderer's stderr (Helm 3 when it succeeds, Helm 4
//! always), so every message kof-route prints goes through `say`, which also
//! keeps it; a run that routes (main mode, `diff`, `export`) then writes its
//! time (UTC, RFC 3339), its arguments with the values of secret-looking flags
//! hidden, the names (never the values) of the `KOF_ROUTE_*` variables set, its
//! exit code and its messages to `${XDG_STATE_HOME:-~/.local/state}/kof-route/last-run.log`.
//! Control characters are escaped. Recording is best effort: a failure to
//! write the log never changes the run's outcome. Every stage may `say`, so
//! this module imports none of them: the caller hands it the flag parser.

use crate::names::escape;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Print `text` on stderr (one line or several) and keep it for the log.
pub fn say(text: &str) {
    let text = text.trim_end_matches('\n');
    eprintln!("{text}");
    if let Ok(mut messages) = MESSAGES.lock() {
        messages.push(text.to_string());
    }
}

/// Where the last run is recorded: `$XDG_STATE_HOME/kof-route/last-run.log`
/// (`~/.local/state` when XDG_STATE_HOME is unset or empty).
pub fn path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".local/state"))
        })?;
    Some(state.join("kof-route").join("last-run.log"))
}

/// Record this run (arguments `argv`, exit `code`, the messages said so far);
/// returns the file written, or `None` when it could not be written.
pub fn record(argv: &[OsString], cmd: &clap::Command, code: u8) -> Option<PathBuf> {
    let path = path()?;
    let messages = MESSAGES.lock().map(|m| m.clone()).unwrap_or_default();
    let env: Vec<String> = std::env::vars_os()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .filter(|k| k.starts_with("KOF_ROUTE") || k == "HELM_PLUGIN_NAME")
        .collect();
    let text = report(SystemTime::now(), argv, cmd, &env, code, &messages);
    write_locked(&path, &text).ok().map(|()| path)
}

/// The log's text.
pub fn report(
    time: SystemTime,
    argv: &[OsString],
    cmd: &clap::Command,
    env: &[String],
    code: u8,
    messages: &[String],
) -> String {
    let mut out = format!("time: {}\n", rfc3339(time));
    out.push_str(&format!("arguments: {}\n", arguments(argv, cmd).join(" ")));
    if !env.is_empty() {
        let mut env: Vec<String> = env.iter().map(|k| escape(k).into_owned()).collect();
        env.sort();
        out.push_str(&format!("environment (names only): {}\n", env.join(" ")));
    }
    out.push_str(&format!("exit code: {code}\n"));
    if messages.is_empty() {
        out.push_str("messages: none\n");
    } else {
        out.push_str("messages:\n");
        for line in messages.iter().flat_map(|m| m.lines()) {
            out.push_str(&escape(line));
            out.push('\n');
        }
    }
    out
}

/// Write the log over the last one, under an exclusive lock on the file,
/// so that a reader (`show`, which takes a shared lock) or a concurrent run
/// never sees half a log. Why not a temporary file renamed over the log:
/// creating a file and removing the old one cost 180-316 µs a record where
/// rewriting the file costs 13-43 µs (loops of 300 records on this
/// machine's ext4, three rounds), about a twentieth of routing
/// kof-collectors. A run killed while writing may leave a torn log.
fn write_locked(path: &Path, text: &str) -> std::io::Result<()> {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    };
    let mut file = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
            open()?
        }
        opened => opened?,
    };
    // Where files cannot be locked, the log is still written.
    let _ = file.lock();
    // Truncating only after writing: emptying a file and writing it again
    // makes ext4 (auto_da_alloc) write its blocks out at once on close.
    file.write_all(text.as_bytes())?;
    file.set_len(text.len() as u64)
}

/// The last run's log, read under a shared lock (see `write_locked`).
pub fn show(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let _ = file.lock_shared();
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Whether a flag's name suggests its value is a secret (or names one).
fn secret_name(flag: &str) -> bool {
    let flag = flag.to_ascii_lowercase();
    [
        "secret", "password", "passwd", "token", "key", "auth", "cred", "bearer", "cookie",
    ]
    .iter()
    .any(|w| flag.contains(w))
}

/// Long flags of `cmd` (kof-route's parser, given by the caller: this module
/// sits below `cli`) that take a value.
fn takes_value(cmd: &clap::Command, flag: &str) -> Option<bool> {
    fn find(cmd: &clap::Command, flag: &str) -> Option<bool> {
        cmd.get_arguments()
            .find(|a| a.get_long() == Some(flag))
            .map(|a| a.get_action().takes_values())
            .or_else(|| cmd.get_subcommands().find_map(|s| find(s, flag)))
    }
    find(cmd, flag)
}

/// A URL's `user:password@` hidden.
fn hide_userinfo(value: &str) -> String {
    if let Some(scheme) = value.find("://") {
        let rest = &value[scheme + 3..];
        let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
        if let Some(at) = authority.rfind('@') {
            return format!("{}<hidden>{}", &value[..scheme + 3], &rest[at..]);
        }
    }
    value.to_string()
}

/// The arguments as they are logged: secret-looking flags' values hidden,
/// URLs' credentials hidden, control characters escaped, shell-quoted.
pub fn arguments(argv: &[OsString], cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    let mut hide_next = false;
    for arg in argv.iter().skip(1) {
        let arg = arg.to_string_lossy();
        let shown = if hide_next {
            hide_next = false;
            "<hidden>".to_string()
        } else if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, _)) if secret_name(name) => format!("--{name}=<hidden>"),
                Some((name, value)) => format!("--{name}={}", hide_userinfo(value)),
                None => {
                    // `--flag value`: hide the value when the flag takes one (or is unknown).
                    hide_next = secret_name(long) && takes_value(cmd, long) != Some(false);
                    arg.to_string()
                }
            }
        } else {
            hide_userinfo(&arg)
        };
        out.push(quote(&escape(&shown)));
    }
    out
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@,+%<>".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `time` as RFC 3339 in UTC, to the second: `2025-06-01T12:00:00Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn command() -> clap::Command {
        <crate::cli::Cli as clap::CommandFactory>::command()
    }

    fn args(list: &[&str]) -> String {
        let argv: Vec<OsString> = std::iter::once("kof-route")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect();
        arguments(&argv, &command()).join(" ")
    }

    #[test]
    fn a_log_replaces_the_last_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/kof-route/last-run.log");
        write_locked(&path, "a longer first log\nsecond line\n").unwrap();
        write_locked(&path, "short\n").unwrap();
        assert_eq!(show(&path).unwrap(), "short\n");
    }

    /// A reader never sees half a log while runs write theirs.
    #[test]
    fn readers_see_whole_logs_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("last-run.log");
        let (long, short) = ("L".repeat(5000) + "\n", "s\n".to_string());
        write_locked(&path, &long).unwrap();
        std::thread::scope(|s| {
            for text in [&long, &short] {
                s.spawn(|| (0..500).for_each(|_| write_locked(&path, text).unwrap()));
            }
            for _ in 0..1000 {
                let seen = show(&path).unwrap();
                assert!(
                    seen == long || seen == short,
                    "a torn log: {} bytes",
                    seen.len()
                );
            }
        });
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn secrets_are_hidden_from_the_arguments() {
        assert_eq!(
            args(&[
                "--route=regional",
                "--creds-secret=vm-creds",
                "--aws-secret",
                "aws",
                "--ca-key",
                "tls.crt",
                "--no-basic-auth",
                "--regional-domain",
                "example.com",
            ]),
            "--route=regional --creds-secret=<hidden> --aws-secret <hidden> --ca-key <hidden> \
             --no-basic-auth --regional-domain example.com"
        );
        assert_eq!(
            args(&[
                "--write-metrics-endpoint=https://user:pw@vm.example.com/write",
                "--api-token",
                "t0k",
                "https://u:p@x/y"
            ]),
            "--write-metrics-endpoint=https://<hidden>@vm.example.com/write --api-token <hidden> \
             https://<hidden>@x/y"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_words_quoted() {
        assert_eq!(
            args(&["--cluster-name=a\u{1b}[31mb", "my file.yaml", ""]),
            r"'--cluster-name=a\u{1b}[31mb' 'my file.yaml' ''"
        );
        let text = report(
            UNIX_EPOCH,
            &["kof-route".into()],
            &command(),
            &["KOF_ROUTE_CONFIG".into()],
            1,
            &["kof-route: bad\u{7}\nsecond line".into()],
        );
        assert_eq!(
            text,
            "time: 1970-01-01T00:00:00Z\narguments: \nenvironment (names only): KOF_ROUTE_CONFIG\n\
             exit code: 1\nmessages:\nkof-route: bad\\u{7}\nsecond line\n"
        );
    }
}
