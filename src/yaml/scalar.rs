//! What a plain (unquoted, untagged) YAML scalar means (read stage), for
//! both readers (`fast.rs` and `tree.rs`): go-yaml v2's resolver (its
//! resolve.go), which is what Kubernetes reads a manifest with, and go-yaml
//! v3's for the collector config strings the operator reads. It must not
//! give any spelling another meaning than those resolvers do: the order is
//! the table (null, booleans in exactly the listed cases, `.inf`/`.nan`),
//! then, for text starting with a digit or sign, `_` removed and Go's
//! integer, unsigned and float syntax (`scalar/gonum.rs`). A mapping key is
//! then turned into JSON text as sigs.k8s.io/yaml does (`key_text`).

mod gonum;

use serde_json::{Number, Value};

/// Which resolver: Kubernetes' (go-yaml v2, YAML 1.1 booleans `yes`, `on`,
/// `y`, ...) or the OpenTelemetry operator's for a v1alpha1 `spec.config`
/// string (go-yaml v3: only `true`/`false` are booleans).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    Kubernetes,
    Core,
}

/// A resolved plain scalar, before it becomes JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    /// Above `i64::MAX` (Go's `uint64`).
    Uint(u64),
    Float(f64),
    Str,
}

/// The value of a plain scalar as Kubernetes reads it, or `None` where it
/// cannot be a JSON value (`.inf`, `.nan`: the caller refuses it).
pub fn resolve(s: &str) -> Option<Value> {
    value(resolve_as(s, Schema::Kubernetes), s)
}

/// go-yaml's `resolve("", s)` (resolve.go, v2 and v3 alike but for booleans).
pub(crate) fn resolve_as(s: &str, schema: Schema) -> Scalar {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        // go-yaml looks nothing else up: `<<`, words, paths are strings.
        Some(_) => return Scalar::Str,
    };
    if let Some(found) = table(s, schema) {
        return found;
    }
    match hint {
        b'.' => gonum::parse_dot_float(s).map_or(Scalar::Str, Scalar::Float),
        b'D' | b'S' => number(s),
        _ => Scalar::Str,
    }
}

/// go-yaml's resolve table: exact spellings only (`yEs` is a string).
fn table(s: &str, schema: Schema) -> Option<Scalar> {
    let yaml11 = schema == Schema::Kubernetes;
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        "true" | "True" | "TRUE" => Scalar::Bool(true),
        "false" | "False" | "FALSE" => Scalar::Bool(false),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if yaml11 => Scalar::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if yaml11 => Scalar::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// Text starting with a digit or sign: every `_` dropped, then Go's
/// `ParseInt`, `ParseUint`, the float pattern, and the `0b` fallbacks, in
/// go-yaml's order. (Timestamps stay strings when read into an interface.)
fn number(s: &str) -> Scalar {
    let plain = s.replace('_', "");
    if let Some(i) = gonum::parse_int(&plain) {
        return Scalar::Int(i);
    }
    if let Some(u) = gonum::parse_uint(&plain) {
        return Scalar::Uint(u);
    }
    if gonum::yaml_style_float(&plain) {
        // Go refuses an overflowing float (ErrRange): the scalar stays a string.
        if let Some(f) = plain.parse::<f64>().ok().filter(|f| f.is_finite()) {
            return Scalar::Float(f);
        }
    }
    if let Some(bits) = plain.strip_prefix("0b") {
        if let Some(i) = gonum::signed(bits, |d| gonum::radix_digits(d, 2)) {
            return Scalar::Int(i);
        }
        if let Some(u) = gonum::radix_digits(bits, 2).filter(|_| !bits.is_empty()) {
            return Scalar::Uint(u);
        }
    } else if let Some(bits) = plain.strip_prefix("-0b")
        && let Some(i) = gonum::signed(&format!("-{bits}"), |d| gonum::radix_digits(d, 2))
    {
        return Scalar::Int(i);
    }
    Scalar::Str
}

/// The JSON value of a resolved scalar whose text is `s`; `None` for a
/// non-finite float. An integer above `i64::MAX` is the float Kubernetes'
/// JSON reader makes of it.
pub(crate) fn value(r: Scalar, s: &str) -> Option<Value> {
    Some(match r {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        #[allow(clippy::cast_precision_loss)] // as Kubernetes reads it
        Scalar::Uint(u) => Value::Number(Number::from_f64(u as f64)?),
        Scalar::Float(f) => Value::Number(Number::from_f64(f).filter(|_| f.is_finite())?),
        Scalar::Str => Value::String(s.to_string()),
    })
}

/// A mapping key as sigs.k8s.io/yaml writes it in JSON: a string as is, a
/// boolean as `true`/`false`, an integer in decimal, a float by Go's
/// `FormatFloat(f, 'g', -1, 32)`. `Err` names what Kubernetes refuses
/// (a null key, an integer above `i64::MAX`).
pub(crate) fn key_text(r: Scalar, s: &str) -> Result<String, &'static str> {
    match r {
        Scalar::Str => Ok(s.to_string()),
        Scalar::Bool(b) => Ok(b.to_string()),
        Scalar::Int(i) => Ok(i.to_string()),
        Scalar::Float(f) => Ok(gonum::format_g32(f)),
        Scalar::Null => Err("a null mapping key, which Kubernetes cannot read"),
        Scalar::Uint(_) => {
            Err("an integer mapping key above 9223372036854775807, which Kubernetes cannot read")
        }
    }
}

/// A key given by an alias: the anchored value's key text.
pub(crate) fn key_of_value(v: &Value) -> Result<String, &'static str> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(i.to_string()),
            (None, Some(f)) => Ok(gonum::format_g32(f)),
            _ => Err("a mapping key Kubernetes cannot read"),
        },
        Value::Null => key_text(Scalar::Null, ""),
        _ => Err("a mapping key that is a mapping or a sequence, which Kubernetes cannot read"),
    }
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
