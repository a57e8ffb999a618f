//! The full reader's scalar text rules (read stage, for `tree.rs`): what
//! go-yaml reads differently from the YAML 1.2 parser before any structure is
//! built (NEL, LS and PS are line breaks to it) and what an explicit tag does
//! to a scalar. It must not guess: what it cannot match it refuses.

use crate::yaml::SyntaxError;
use crate::yaml::scalar::{self, Scalar, Schema};
use serde_saphyr::granit_parser::Tag;

/// go-yaml (v2 and v3, like libyaml) takes NEL, LS and PS for line breaks,
/// as YAML 1.1 does; the parser here, YAML 1.2, takes them for text. A NEL
/// is a newline to go-yaml, wherever it stands (it reads it as `\n`): it is
/// one here too. An LS or PS is a break go-yaml keeps as itself in a scalar's
/// text: `goyaml::separators` accepts it only where that reads as here.
pub(super) fn yaml11_breaks(text: &str) -> Result<std::borrow::Cow<'_, str>, SyntaxError> {
    if text.is_ascii() {
        return Ok(text.into());
    }
    Ok(match text.contains('\u{85}') {
        true => text.replace('\u{85}', "\n").into(),
        false => text.into(),
    })
}

/// A `!!binary` scalar's value as Kubernetes reads it: the base64 text
/// decoded (go-yaml v2), each byte that is not UTF-8 then written as U+FFFD
/// (Go's JSON). `None` for any other tag.
pub(super) fn binary(
    text: &str,
    tag: &Tag,
    schema: Schema,
) -> Option<Result<String, &'static str>> {
    let name = tag.suffix_in_namespace("tag:yaml.org,2002:")?;
    if name != "binary" || schema != Schema::Kubernetes {
        return None;
    }
    let Some(bytes) = base64(text) else {
        return Some(Err("a !!binary scalar that is not base64"));
    };
    let mut out = String::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                out.extend(std::iter::repeat_n('\u{fffd}', n));
                rest = &bad[n..];
            }
        }
    }
    Some(Ok(out))
}

/// Go's `base64.StdEncoding.DecodeString`: padded, line breaks skipped.
fn base64(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = text.bytes().filter(|&b| b != b'\n' && b != b'\r').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let groups = clean.len() / 4;
    for (i, g) in clean.chunks(4).enumerate() {
        let pad = g.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != groups) {
            return None;
        }
        let mut n = 0u32;
        for &c in &g[..4 - pad] {
            n = n << 6 | digit(c)?;
        }
        n <<= 6 * pad as u32;
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

/// Whether go-yaml v2 reads `text` as a timestamp: `2006-1-2`, optionally
/// followed by `T`/`t` and `15:4:5[.frac]` with `Z` or `+hh:mm`, or by a
/// space and the time without a zone.
fn timestamp(text: &str) -> bool {
    fn num(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (min..=max)
            .contains(&n)
            .then(|| (s[..n].parse().unwrap_or(u32::MAX), &s[n..]))
    }
    fn date(s: &str) -> Option<&str> {
        let (y, s) = num(s, 4, 4)?;
        let (m, s) = num(s.strip_prefix('-')?, 1, 2)?;
        let (d, s) = num(s.strip_prefix('-')?, 1, 2)?;
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        ((1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1]).then_some(s)
    }
    fn time(s: &str) -> Option<&str> {
        let (h, s) = num(s, 1, 2)?;
        let (m, s) = num(s.strip_prefix(':')?, 1, 2)?;
        let (sec, mut s) = num(s.strip_prefix(':')?, 1, 2)?;
        if let Some(f) = s.strip_prefix('.') {
            s = num(f, 1, usize::MAX)?.1;
        }
        (h < 24 && m < 60 && sec < 60).then_some(s)
    }
    fn zone(s: &str) -> bool {
        if s == "Z" {
            return true;
        }
        let Some(z) = s.strip_prefix(['+', '-']) else {
            return false;
        };
        matches!(num(z, 2, 2), Some((h, r)) if h < 24
            && matches!(num(r.strip_prefix(':').unwrap_or("x"), 2, 2), Some((m, "")) if m < 60))
    }
    let Some(rest) = date(text) else {
        return false;
    };
    match rest.as_bytes().first() {
        None => true,
        Some(b'T' | b't') => time(&rest[1..]).is_some_and(zone),
        Some(b' ') => time(&rest[1..]) == Some(""),
        _ => false,
    }
}

/// A scalar with an explicit tag, as go-yaml v2 reads it: `!!str` and local
/// tags (`!foo`) keep the text; `!!int`, `!!float`, `!!bool`, `!!null` must
/// resolve to their type (an integer is a float's too); `!!timestamp` must
/// be one and keeps the text (`!!binary` is `binary`). Other YAML tags
/// (`!!set`, `!!omap`, ...) are refused rather than guessed.
pub(super) fn tagged(text: &str, tag: &Tag, schema: Schema) -> Result<Scalar, &'static str> {
    let Some(name) = tag.suffix_in_namespace("tag:yaml.org,2002:") else {
        return Ok(Scalar::Str);
    };
    let r = scalar::resolve_as(text, schema);
    let fits = match (&*name, r) {
        ("str", _) => return Ok(Scalar::Str),
        ("int", Scalar::Int(_) | Scalar::Uint(_))
        | ("float", Scalar::Float(_))
        | ("bool", Scalar::Bool(_))
        | ("null", Scalar::Null) => r,
        ("float", Scalar::Int(i)) => Scalar::Float(i as f64),
        // go-yaml checks the text is a timestamp; Kubernetes' JSON keeps the text.
        ("timestamp", _) if schema == Schema::Kubernetes => match timestamp(text) {
            true => return Ok(Scalar::Str),
            false => return Err("a !!timestamp that is not a timestamp (as go-yaml reads one)"),
        },
        ("int" | "float" | "bool" | "null", _) => {
            return Err(
                "a scalar that its tag's type (!!int, !!float, !!bool, !!null) cannot hold",
            );
        }
        _ => {
            return Err(
                "a YAML tag kof-route does not read (only !!str, !!int, !!float, !!bool, !!null)",
            );
        }
    };
    Ok(fits)
}

#[cfg(test)]
mod tests {
    use super::{base64, timestamp};

    #[test]
    fn base64_and_timestamps_as_go_reads_them() {
        assert_eq!(base64("aGVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64("/w==").as_deref(), Some(&[0xff][..]));
        for bad in ["x", "aGk", "a=Gk", "aG k", "aGk=aGk="] {
            assert_eq!(base64(bad), None, "{bad}");
        }
        for good in [
            "2002-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-2-3T1:2:3Z",
            "2001-12-14 21:59:43.10",
        ] {
            assert!(timestamp(good), "{good}");
        }
        for bad in [
            "x",
            "2001-12-14 21:59:43.10 -5",
            "2001-02-29",
            "2001-13-01",
            "2001-12-14T21:59:43",
            "2001-12-14t25:00:00Z",
        ] {
            assert!(!timestamp(bad), "{bad}");
        }
    }
}
