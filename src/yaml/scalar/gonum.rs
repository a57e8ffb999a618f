//! Go's number syntax, as go-yaml's resolver uses it (read stage): strconv's
//! `ParseInt`/`ParseUint` with base 0, the resolver's float pattern, and
//! `FormatFloat(f, 'g', -1, 32)`, which sigs.k8s.io/yaml uses to turn a float
//! mapping key into a JSON key. It only answers questions about text; it must
//! not decide what a scalar means (`scalar.rs` does, in go-yaml's order).

/// `strconv.ParseUint(s, 0, 64)`: no sign; `0x`, `0o`, `0b` or a leading `0`
/// (octal) pick the base; `None` on a syntax or range error. (Underscores
/// are already gone: go-yaml strips them before calling it.)
pub(crate) fn parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (radix, digits) = match b {
        [] => return None,
        // Go only takes a two-letter prefix with a digit after it (len >= 3).
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
        [b'0', ..] => (8, &s[1..]),
        _ => (10, s),
    };
    radix_digits(digits, radix)
}

/// Digits in `radix`, nothing else (an empty string is 0, as after Go's `0` prefix).
pub(crate) fn radix_digits(digits: &str, radix: u32) -> Option<u64> {
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)`: an optional sign, then `parse_uint`.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    signed(s, parse_uint)
}

/// An optional `+`/`-`, then `magnitude`, within `i64` (Go's `ParseInt`).
pub(crate) fn signed(s: &str, magnitude: impl Fn(&str) -> Option<u64>) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if rest.is_empty() {
        return None;
    }
    let m = magnitude(rest)?;
    match neg {
        false => i64::try_from(m).ok(),
        true if m == 1 << 63 => Some(i64::MIN),
        true => i64::try_from(m).ok().map(|m| -m),
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(crate) fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// `strconv.ParseFloat(s, 64)` for text starting with `.` (go-yaml's `.` hint):
/// `.5`, `.5e3`, with `_` only between digits; `None` where Go refuses it or it
/// overflows.
pub(crate) fn parse_dot_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut saw_digit = false;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => saw_digit = true,
            b'_' => {
                let between = i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !between {
                    return None;
                }
            }
            b'.' | b'e' | b'E' | b'+' | b'-' => {}
            _ => return None,
        }
    }
    let plain = s.replace('_', "");
    if !saw_digit || !yaml_style_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`, with sigs.k8s.io/yaml's spellings
/// of the non-finite values (`.inf`, `-.inf`, `.nan`).
pub(crate) fn format_g32(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    #[allow(clippy::cast_possible_truncation)] // Go converts to float32 too.
    let x = f as f32;
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // Rust's `{:e}` gives the shortest digits that read back as this f32.
    let e = format!("{:e}", x.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    if digits == "0" {
        return format!("{sign}0");
    }
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // Shortest: %e when the exponent is below -4 or at least 6 (Go's eprec).
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let dp = exp + 1;
    let digit = |i: i32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.as_bytes().get(i))
            .map_or('0', |&c| c as char)
    };
    let mut out = String::from(sign);
    if dp > 0 {
        (0..dp).for_each(|i| out.push(digit(i)));
    } else {
        out.push('0');
    }
    if nd > dp {
        out.push('.');
        (dp..nd).for_each(|i| out.push(digit(i)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_integer_syntax() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0755"), Some(493));
        assert_eq!(parse_int("08"), None);
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_uint("9223372036854775808"), Some(1 << 63));
        assert_eq!(parse_uint("+1"), None);
        assert_eq!(parse_int("+0b101"), Some(5));
    }

    #[test]
    fn go_float_syntax_and_g32() {
        for s in ["1.", "1.5", ".5", "-1e3", "1E+3", "08", "5.e3"] {
            assert!(yaml_style_float(s), "{s}");
        }
        for s in ["1e", ".", "e3", "1.2.3", "0x1p3", "1e3.5", ""] {
            assert!(!yaml_style_float(s), "{s}");
        }
        assert_eq!(parse_dot_float(".5_0"), Some(0.5));
        assert_eq!(parse_dot_float("._5"), None);
        let g = |f: f64| format_g32(f);
        assert_eq!(g(1000.0), "1000");
        assert_eq!(g(1e6), "1e+06");
        assert_eq!(g(123_456_789.0), "1.2345679e+08");
        assert_eq!(g(1e-5), "1e-05");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1e300), ".inf");
        assert_eq!(g(1.5), "1.5");
    }
}
