//! Validation support: the shapes a setting's value may take.
//!
//! Kubernetes names (RFC 1123), DNS names, AWS regions, CloudWatch names, URLs,
//! env var names and secret keys; each rejection names the flag or key; and
//! `kind_of`, the word messages use for a value's type (below `select`, `edit`
//! and `cli`, which all say it). Pure functions over strings and values:
//! nothing here knows about routes or manifests.

use serde_json::Value;
use std::fmt;

/// A word for a value's type, for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// A usage error: a missing or malformed setting. Exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub type Checked<T> = Result<T, UsageError>;

pub fn usage<T>(msg: impl Into<String>) -> Checked<T> {
    Err(UsageError(msg.into()))
}

/// `text` with control characters escaped (`\n`, `\u{1b}`), for messages: a
/// name from the input must not be able to move a terminal's cursor or forge a line.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// RFC 1123 label: lower-case alphanumerics and `-`, alphanumeric at both ends.
fn label_problem(s: &str, max: usize) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.len() > max {
        return Some(format!(
            "it is {} characters long, the limit is {max}",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
    {
        return Some(format!(
            "{c:?} is not allowed (lower-case letters, digits and '-' only)"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

/// RFC 1123 subdomain: dot-separated labels, 253 characters in all.
fn subdomain_problem(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!(
            "it is {} characters long, the limit is 253",
            s.len()
        ));
    }
    s.split('.').find_map(|label| label_problem(label, 63))
}

fn check(flag: &str, value: &str, what: &str, problem: Option<String>) -> Checked<String> {
    match problem {
        None => Ok(value.to_string()),
        Some(p) => usage(format!("--{flag}: {value:?} is not a valid {what}: {p}")),
    }
}

/// A Kubernetes object name (cluster, secret): RFC 1123 subdomain.
pub fn object_name(flag: &str, value: &str) -> Checked<String> {
    check(
        flag,
        value,
        "Kubernetes name (RFC 1123)",
        subdomain_problem(value),
    )
}

/// A namespace, or a name used as a DNS label: RFC 1123 label.
pub fn label_name(flag: &str, value: &str) -> Checked<String> {
    check(
        flag,
        value,
        "Kubernetes name (RFC 1123 label)",
        label_problem(value, 63),
    )
}

/// A DNS name: letters of either case, digits, `-`, dot-separated; no port or path.
pub fn dns_name(flag: &str, value: &str) -> Checked<String> {
    let problem = subdomain_problem(&value.to_ascii_lowercase())
        .map(|p| p.replace("lower-case letters", "letters"));
    check(flag, value, "DNS name", problem)
}

/// An AWS region such as `us-east-2`, `eu-central-1` or `us-gov-west-1`.
pub fn aws_region(flag: &str, value: &str) -> Checked<String> {
    let parts: Vec<&str> = value.split('-').collect();
    let (last, words) = parts.split_last().unwrap_or((&"", &[]));
    let ok = (2..=3).contains(&words.len())
        && words[0].len() == 2
        && words
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && last.parse::<u8>().is_ok_and(|n| n > 0)
        && !last.starts_with('0');
    let problem = (!ok).then(|| "expected the shape of e.g. us-east-2 or us-gov-west-1".into());
    check(flag, value, "AWS region", problem)
}

/// A CloudWatch Logs name: 1 to 512 characters, each one `allowed`.
fn cloudwatch_name(
    flag: &str,
    value: &str,
    what: &str,
    allowed: fn(char) -> bool,
) -> Checked<String> {
    let problem = if value.is_empty() || value.len() > 512 {
        Some("it must be 1 to 512 characters".into())
    } else {
        value
            .chars()
            .find(|c| !allowed(*c))
            .map(|c| format!("{c:?} is not allowed"))
    };
    check(flag, value, what, problem)
}

/// A CloudWatch Logs group name: `[A-Za-z0-9_./#-]`.
pub fn log_group(flag: &str, value: &str) -> Checked<String> {
    cloudwatch_name(flag, value, "CloudWatch log group name", |c| {
        c.is_ascii_alphanumeric() || "_-./#".contains(c)
    })
}

/// A CloudWatch Logs stream name: no `:`, `*` or control characters.
pub fn log_stream(flag: &str, value: &str) -> Checked<String> {
    cloudwatch_name(flag, value, "CloudWatch log stream name", |c| {
        c != ':' && c != '*' && !c.is_control()
    })
}

/// An `http://` or `https://` URL with a DNS or IPv4 host, optional port and path.
pub fn url(flag: &str, value: &str) -> Checked<String> {
    let problem = (|| {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or("it must start with http:// or https://")?;
        if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(if c == ' ' {
                "it contains a space"
            } else {
                "it contains a control character"
            });
        }
        if value.contains('$') {
            return Err(
                "it contains '$', which the collector expands (${env:NAME}): a secret could end up in the URL",
            );
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if port.is_some_and(|p| p.parse::<u16>().is_err()) {
            return Err("its port is not a number from 0 to 65535");
        }
        if authority.contains('@') || subdomain_problem(&host.to_ascii_lowercase()).is_some() {
            return Err("its host is not a DNS name or IPv4 address");
        }
        Ok(())
    })()
    .err()
    .map(str::to_string);
    // A refused URL is shown as `diff` would show it: no userinfo or query values.
    check(flag, value, "URL", problem).map_err(|e| {
        let value = format!("{value:?}");
        let shown = format!("{:?}", crate::redact::shown(value.trim_matches('"')));
        UsageError(e.0.replacen(&value, &shown, 1))
    })
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn env_name(flag: &str, value: &str) -> Checked<String> {
    let ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let problem = (!ok).then(|| "letters, digits and '_' only, not starting with a digit".into());
    check(flag, value, "environment variable name", problem)
}

/// A key of a Secret's data: `[-._a-zA-Z0-9]+`, at most 253 characters.
pub fn secret_key(flag: &str, value: &str) -> Checked<String> {
    let ok = !value.is_empty()
        && value.len() <= 253
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        && value != "."
        && value != "..";
    let problem = (!ok).then(|| "letters, digits, '-', '.' and '_' only".into());
    check(flag, value, "Secret key", problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects_values() {
        type V = fn(&str, &str) -> Checked<String>;
        let long = "a".repeat(254);
        let cases: &[(V, &str, bool)] = &[
            (object_name, "mothership", true),
            (object_name, "a.b-c", true),
            (object_name, "Mothership", false),
            (object_name, "on", true),
            (object_name, "0700", true),
            (object_name, &long, false),
            (object_name, "-a", false),
            (object_name, "", false),
            (label_name, "kcm-system", true),
            (label_name, "a.b", false),
            (dns_name, "kof.example.com", true),
            (dns_name, "Kof.Example.com", true),
            (dns_name, "bad domain", false),
            (dns_name, "a.com\nb", false),
            (dns_name, "a.com/x", false),
            (dns_name, "a.com:443", false),
            (dns_name, "a..com", false),
            (aws_region, "us-east-2", true),
            (aws_region, "us-gov-west-1", true),
            (aws_region, "ap-southeast-4", true),
            (aws_region, "us_east", false),
            (aws_region, "us-east", false),
            (aws_region, "US-EAST-1", false),
            (aws_region, "us-east-01", false),
            (log_group, "mgmt/kof#1", true),
            (log_group, "a b", false),
            (log_stream, "logs", true),
            (log_stream, "a:b", false),
            (
                url,
                "https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write",
                true,
            ),
            (url, "http://r1-vmauth:8427/x", true),
            (url, "http://10.0.0.1:8427", true),
            (url, "ftp://x", false),
            (url, "https://a b/c", false),
            (url, "https://user@host/", false),
            (url, "https://host:99999/", false),
            (url, "https://${env:HOST}/x", false),
            (url, "https://vmauth.example.com/${env:TENANT}/write", false),
            (url, "https://h/x?a=$TOKEN", false),
            (env_name, "AWS_ACCESS_KEY_ID", true),
            (env_name, "1A", false),
            (secret_key, "ca.crt", true),
            (secret_key, "a/b", false),
        ];
        for (check, value, ok) in cases {
            let got = check("flag", value);
            assert_eq!(got.is_ok(), *ok, "{value:?}: {got:?}");
            if let Err(e) = got {
                assert!(e.0.starts_with("--flag: "), "{e}");
            }
        }
    }

    /// A refused URL is named without its userinfo or query values.
    #[test]
    fn a_refused_url_is_shown_redacted() {
        let e = url("flag", "https://admin:pw@host/x?token=t").unwrap_err();
        assert!(!e.0.contains("pw") && !e.0.contains("=t"), "{e}");
        assert!(e.0.contains("host/x"), "{e}");
    }
}
