//! Reporting support: secrets recognised by what a text is (URL userinfo and
//! query values, HTTP credentials, private key blocks, JWTs, `--password=`
//! flags), whatever key holds it. Pure functions over strings.

use super::{HIDDEN, secret_word};

/// HTTP authorization schemes: a word that may precede a reference.
const SCHEMES: [&str; 9] = [
    "basic",
    "bearer",
    "token",
    "digest",
    "negotiate",
    "apikey",
    "api-key",
    "genie",
    "splunk",
];

/// A string made only of `${env:NAME}` references, separators, and at most
/// one leading authorization scheme word (`Bearer ${env:T}`): nothing in it
/// can be a literal credential.
pub fn is_env_reference(s: &str) -> bool {
    let Some(rest) = strip_env_references(s) else {
        return false;
    };
    let rest = rest.trim();
    let rest = match rest.split_once(char::is_whitespace) {
        Some((word, tail)) if SCHEMES.contains(&word.to_ascii_lowercase().as_str()) => tail,
        None if SCHEMES.contains(&rest.to_ascii_lowercase().as_str()) => "",
        _ => rest,
    };
    rest.chars().all(|c| c.is_whitespace() || ":@/".contains(c))
}

/// `s` with its `${env:NAME}` references removed; `None` without one, or
/// with a reference that is not closed.
fn strip_env_references(s: &str) -> Option<String> {
    if !s.contains("${env:") {
        return None;
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("${env:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find('}')?;
        out.push(' ');
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A string judged by what it is, wherever it sits.
pub(super) fn redact_text(s: &str) -> String {
    if is_env_reference(s) {
        return s.to_string();
    }
    if looks_secret(s) {
        return HIDDEN.into();
    }
    let s = redact_urls(s);
    redact_flags(&s)
}

/// A private key, an HTTP credential, or a JWT.
fn looks_secret(s: &str) -> bool {
    let t = s.trim();
    if t.contains("-----BEGIN") || t.contains("PRIVATE KEY") {
        return true;
    }
    if let Some((word, rest)) = t.split_once(char::is_whitespace)
        && SCHEMES.contains(&word.to_ascii_lowercase().as_str())
        && !rest.trim().is_empty()
    {
        return true;
    }
    // A JWT: three base64url parts, the first a JSON header (`eyJ`).
    t.starts_with("eyJ") && t.matches('.').count() == 2 && !t.contains(char::is_whitespace)
}

/// Every URL in `s` with its userinfo, query values and fragment hidden.
fn redact_urls(s: &str) -> String {
    if !s.contains("://") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("://") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "\"'<>,;`".contains(c))
            .unwrap_or(rest.len());
        out.push_str(&redact_url_tail(&rest[..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `user:pw@host/path?k=v#f` (what follows `scheme://`) made safe to show.
fn redact_url_tail(tail: &str) -> String {
    let auth_end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
    let (authority, after) = tail.split_at(auth_end);
    let mut out = match authority.rfind('@') {
        Some(at) => format!("{HIDDEN}@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let (before_fragment, fragment) = match after.find('#') {
        Some(at) => (&after[..at], Some(&after[at + 1..])),
        None => (after, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) => format!("{k}={HIDDEN}"),
                    None if p.is_empty() => String::new(),
                    None => HIDDEN.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    if let Some(f) = fragment {
        out.push('#');
        if !f.is_empty() {
            out.push_str(HIDDEN);
        }
    }
    out
}

/// `--password=x` / `-token=x` words (container args) with their values hidden.
fn redact_flags(s: &str) -> String {
    if !s.contains('=') || !s.contains('-') {
        return s.to_string();
    }
    s.split(' ')
        .map(|w| match w.split_once('=') {
            Some((flag, v))
                if flag.starts_with('-') && secret_word(flag) && !is_env_reference(v) =>
            {
                format!("{flag}={HIDDEN}")
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
