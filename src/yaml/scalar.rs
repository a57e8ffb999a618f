//! What a plain (unquoted) YAML scalar means, for the fast reader.
//!
//! This must give exactly the value serde-saphyr gives the same scalar under
//! yaml.rs's options (YAML 1.1 booleans, legacy octal, non-finite floats
//! refused): the order is null, bool, integer, float, string. Where the full
//! parser would fail (`.inf`, `1e999`) the answer is `None` and the caller
//! declines, so the full parser reports the error. The integer rules mirror
//! serde-saphyr 2.1 `parse_scalars.rs`; `agrees_with_the_full_parser` keeps
//! them honest against the crate itself.

use serde_json::{Number, Value};

/// The value of a plain scalar (already stripped of surrounding spaces), or
/// `None` where the full parser would refuse it.
pub fn resolve(s: &str) -> Option<Value> {
    if matches!(s, "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    if let Some(b) = yaml11_bool(s) {
        return Some(Value::Bool(b));
    }
    // Most scalars are words: nothing numeric starts with a letter.
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Some(Value::String(s.to_string()));
    }
    if s.starts_with('-') {
        if let Some(i) = signed(s) {
            return Some(Value::from(i));
        }
    } else if let Some(u) = unsigned(s) {
        return Some(Value::from(u));
    }
    float(s)
}

fn yaml11_bool(s: &str) -> Option<bool> {
    if s.len() > 5 || !matches!(s.as_bytes()[0] | 0x20, b'y' | b'n' | b'o' | b't' | b'f') {
        return None;
    }
    let is = |w: &str| s.eq_ignore_ascii_case(w);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

fn float(s: &str) -> Option<Value> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    // `.inf` and `.nan` are refused by the full parser for a JSON value.
    if matches!(
        unsigned,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
    ) {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Number::from_f64(v).map(Value::Number),
        // An overflowing numeral (`1e999`) is a string, as Kubernetes reads it;
        // Rust's own spellings (`inf`, `NaN`) stay strings, as in YAML.
        // (go-yaml v2 keeps an overflowing numeral a string; `yaml::parse_full` too.)
        Ok(_) if unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) => {
            Some(Value::String(s.to_string()))
        }
        _ => Some(Value::String(s.to_string())),
    }
}

/// Radix and digits, with legacy octal (`0755`) on.
fn radix_and_digits(rest: &str) -> (u32, &str) {
    let prefixed = |p: [&str; 2]| rest.strip_prefix(p[0]).or_else(|| rest.strip_prefix(p[1]));
    let strip = |d: &str| -> usize { usize::from(d.starts_with('_')) };
    for (p, radix) in [(["0x", "0X"], 16), (["0o", "0O"], 8), (["0b", "0B"], 2)] {
        if let Some(d) = prefixed(p) {
            return (radix, &d[strip(d)..]);
        }
    }
    match rest.strip_prefix('0') {
        Some("") => (8, "0"),
        Some(d) => (8, &d[strip(d)..]),
        None => (10, rest),
    }
}

/// Digits in `radix`, single underscores allowed between digits.
fn digits(d: &str, radix: u32) -> Option<u128> {
    let b = d.as_bytes();
    let mut val: u128 = 0;
    let mut saw = false;
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let prev_ok = i > 0 && b[i - 1] != b'_';
            let next_ok = i + 1 < b.len() && b[i + 1] != b'_';
            if !(prev_ok && next_ok) {
                return None;
            }
            continue;
        }
        let v = (c as char).to_digit(16).filter(|&v| v < radix)?;
        val = val
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(v))?;
        saw = true;
    }
    saw.then_some(val)
}

fn unsigned(s: &str) -> Option<u64> {
    let (radix, d) = radix_and_digits(s.strip_prefix('+').unwrap_or(s));
    u64::try_from(digits(d, radix)?).ok()
}

fn signed(s: &str) -> Option<i64> {
    let (radix, d) = radix_and_digits(s.strip_prefix('-')?);
    let magnitude = i128::try_from(digits(d, radix)?).ok()?;
    i64::try_from(-magnitude).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// serde-saphyr's own answer for `k: <s>`, or `None` when it refuses it.
    fn full(s: &str) -> Option<Value> {
        crate::yaml::parse_full(&format!("k: {s}\n"))
            .ok()
            .map(|v| v["k"].clone())
    }

    #[test]
    fn agrees_with_the_full_parser() {
        let cases = [
            "",
            "~",
            "null",
            "NULL",
            "nULL",
            "true",
            "True",
            "tRuE",
            "yes",
            "Y",
            "n",
            "On",
            "OFF",
            "no",
            "yess",
            "0",
            "00",
            "07",
            "08",
            "0700",
            "0_7",
            "0x1F",
            "0X_1f",
            "0x",
            "0o17",
            "0O8",
            "0b101",
            "0b2",
            "1",
            "+1",
            "-1",
            "-0",
            "+0",
            "-07",
            "-08",
            "1_000",
            "1__0",
            "_1",
            "1_",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "-1.5",
            "+.5",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "1e999",
            "-1e999",
            ".inf",
            "-.Inf",
            "+.INF",
            ".nan",
            ".NaN",
            "inf",
            "-inf",
            "nan",
            "NaN",
            "infinity",
            "1.2.3",
            "0.0.0.0:4317",
            "10s",
            "512Mi",
            "100m",
            "1.11.0",
            "v1",
            "--flag",
            "+",
            ".",
            "..",
            "...",
            "-.",
            "1e",
            "e3",
            "0x1p3",
            "1_0.5",
            "0.1_0",
            "http://x",
            "${env:MY_POD_IP}",
            "/var/log",
            "é",
            "1 2",
            "-1 2",
            "0e0",
            "00.5",
        ];
        for s in cases {
            let want = full(s);
            let got = resolve(s.trim());
            match got {
                Some(v) => assert_eq!(Some(v), want, "scalar {s:?}"),
                None => assert_eq!(
                    want, None,
                    "scalar {s:?}: declined but the full parser reads it"
                ),
            }
        }
    }

    #[test]
    fn common_kubernetes_values() {
        assert_eq!(resolve("8888"), Some(json!(8888)));
        assert_eq!(resolve("0644"), Some(json!(420)));
        assert_eq!(resolve("on"), Some(json!(true)));
        assert_eq!(resolve("1Gi"), Some(json!("1Gi")));
        assert_eq!(resolve("0.5"), Some(json!(0.5)));
        assert_eq!(resolve(".inf"), None);
    }
}
