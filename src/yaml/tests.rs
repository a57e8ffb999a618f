//! Unit tests of yaml.rs: reading as Kubernetes reads, bounds, messages.

use super::*;
use serde_json::json;

#[test]
fn reads_like_kubernetes() {
    let cases = [
        ("a: 0700", json!({"a": 448})),
        ("a: on", json!({"a": true})),
        ("a: '0700'", json!({"a": "0700"})),
        ("a: 1\na: 2", json!({"a": 2})),
        (
            "x: &x {p: 1}\nz: {<<: *x, q: 2}",
            json!({"x": {"p": 1}, "z": {"q": 2, "p": 1}}),
        ),
        // go-yaml v2 applies a merge where it stands: the later key wins.
        ("a: {p: 1, <<: {p: 2}}", json!({"a": {"p": 2}})),
        ("a: {<<: {p: 2}, p: 1}", json!({"a": {"p": 1}})),
        ("a: {<<: [{p: 1}, {p: 2}]}", json!({"a": {"p": 1}})),
        // sigs.k8s.io/yaml writes a retyped key as Go prints it.
        (
            "y: 1\n0700: 2\n1e3: 3\nyEs: 4",
            json!({"true": 1, "448": 2, "1000": 3, "yEs": 4}),
        ),
        (
            "a: yEs\nb: 1_\nc: 0.1_0\nd: 1.",
            json!({"a": "yEs", "b": 1, "c": 0.1, "d": 1.0}),
        ),
        ("a: ~", json!({"a": null})),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text).unwrap(), want, "{text}");
    }
}

#[test]
fn quotes_strings_a_yaml11_reader_would_retype() {
    for s in [
        "on", "yes", "y", "N", "Off", "0700", "1e3", "1_000", "~", "null", "true", "12",
    ] {
        let out = emit(&json!({ "k": s }));
        assert_eq!(parse(&out).unwrap(), json!({ "k": s }), "{out}");
        assert!(
            out.contains('"') || out.contains('\''),
            "{s} left plain: {out}"
        );
    }
}

#[test]
fn never_folds_long_lines() {
    let long = "x".repeat(300);
    assert_eq!(emit(&json!({ "k": long })), format!("k: {long}\n"));
}

#[test]
fn bounds_depth_and_alias_expansion_but_not_size() {
    let deep = format!(
        "a: {}{}",
        "[".repeat(MAX_DEPTH + 10),
        "]".repeat(MAX_DEPTH + 10)
    );
    // Parsing needs about 20 KiB of stack a level in a debug build: more
    // than a test thread's 2 MiB at this depth (`render` runs on big stacks).
    let refused = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || parse(&deep).is_err())
        .unwrap()
        .join()
        .unwrap();
    assert!(refused);
    let ok = format!("a: {}{}", "[".repeat(40), "]".repeat(40));
    assert!(parse(&ok).is_ok());
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..8 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!(
            "b{i}: &b{i} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    assert!(parse(&bomb).is_err(), "an alias bomb must be refused");
    let many = "- x\n".repeat(300_000);
    assert_eq!(
        parse(&many).unwrap().as_array().map(Vec::len),
        Some(300_000)
    );
}

/// A float that overflows stays the string it is (go-yaml v2); `.inf`
/// and `.nan` are refused; no message echoes the value.
#[test]
fn reads_overflowing_numerals_as_kubernetes_does() {
    let cases = [
        ("a: 8e9923", json!({"a": "8e9923"})),
        (
            "a: -1e400\nb: [1e999, 2]\nc: {d: 1_0e9_99}",
            json!({"a": "-1e400", "b": ["1e999", 2], "c": {"d": "1_0e9_99"}}),
        ),
        ("a: 1e3", json!({"a": 1000.0})),
        ("a: '8e9923'", json!({"a": "8e9923"})),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text).unwrap(), want, "{text}");
    }
    for text in ["a: .inf", "a: -.Inf", "a: [.nan]"] {
        let err = parse(text).unwrap_err();
        assert!(err.message.starts_with(NON_FINITE), "{text}: {err}");
    }
    let err = parse("a: .inf\nb: hunter2").unwrap_err();
    assert!(
        !err.message.contains("hunter2") && !err.message.contains('`'),
        "{err}"
    );
    let err = parse_typed::<Vec<String>>("hunter2").unwrap_err();
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn messages_carry_no_rust_api_advice() {
    let err = parse("a: 1\n...\nb: 2\n").unwrap_err();
    assert!(!err.message.contains("; use "), "{err}");
    let err = parse("~: x\n").unwrap_err();
    assert!(!err.message.contains("; use "), "{err}");
}

#[test]
fn reports_the_line_without_echoing_input() {
    let err = parse("a: 1\nb:\n  c: [1, 2\n  d: hunter2\n").unwrap_err();
    assert_eq!(err.line, 4);
    assert!(!err.message.contains("hunter2"), "{err}");
}

#[test]
fn a_key_past_the_implicit_key_limit_is_written_explicit_at_its_own_column() {
    // YAML caps an implicit key at 1024 characters: serde-saphyr writes a
    // longer one as `? key` / `: value`, whose `:` must sit at the key's
    // column (the yaml_refusals fuzz target found it written at column 0).
    let long = "k\"".repeat(600);
    let short_value_long_key = json!({ "a": [{ "b": { long.clone(): "v", "c": 1 } }] });
    let nested_value = json!({ "a": { long.clone(): { "x": [1, 2] } } });
    for v in [
        short_value_long_key,
        nested_value,
        json!({ long.clone(): null }),
    ] {
        let out = emit(&v);
        assert_eq!(parse(&out).unwrap(), v, "{out}");
        assert!(out.contains("? "), "not explicit: {out}");
    }
}

#[test]
fn a_block_go_yaml_would_refuse_is_written_quoted() {
    // libyaml's scanner takes a `|` block's indentation from its first line
    // with content and refuses a tab before it is known; a tab later on,
    // after the indentation, is content.
    for s in ["\n\t\t\t\n", "\tx\ny\n", "\n  \n\tx\n", "a\n\tb\n"] {
        for v in [json!(s), json!({ "k": s }), json!({ "k": [s] })] {
            let out = emit(&v);
            assert_eq!(parse(&out).unwrap(), v, "{out:?}");
        }
    }
    assert!(emit(&json!({ "k": "a\n\tb\n" })).starts_with("k: |"));
}
