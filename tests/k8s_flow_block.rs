//! The reader holds to kubectl's reading over flow and block edge cases
//! (issue 25, item 1): a generator places every YAML indicator character
//! (`? : # , [ ] { } - * & ! | > % @` and backtick) first, inside and last in
//! plain scalars, in every flow and block position (mapping value and key,
//! sequence item, nested and multi-line flows), and adds the structural
//! cases: empty and trailing flow entries, explicit `? key` entries, flow
//! keys, comments and document markers inside flows.
//!
//! Every case is one file of one directory and kubectl reads the directory
//! in ONE run (`kubectl annotate --local -f DIR`): it prints each file it
//! reads and names each file it refuses, with go-yaml's line. What kubectl
//! refuses, kof-route refuses naming the same line; what kubectl reads,
//! kof-route reads to the same value. Both readers are held: `yaml::parse`
//! (the fast reader, then the full one) and `yaml::parse_full` alone.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::process::Command;

const INDICATORS: [&str; 17] = [
    "?", ":", "#", ",", "[", "]", "{", "}", "-", "*", "&", "!", "|", ">", "%", "@", "`",
];

/// Plain-scalar spellings holding `c`: first, inside, last, alone, and
/// beside a space.
fn spellings(c: &str) -> Vec<String> {
    [
        c.to_string(),
        format!("{c}x"),
        format!("x{c}"),
        format!("x{c}y"),
        format!("{c} x"),
        format!("x {c}"),
        format!("x {c}y"),
        format!("({c})"),
    ]
    .into()
}

/// Where a scalar `X` stands: flow and block, value, key and item.
const PLACES: [&str; 14] = [
    "v: X\n",
    "v:\n- X\n",
    "v:\n  X: 1\n",
    "v: [X]\n",
    "v: [X, y]\n",
    "v: [y, X]\n",
    "v: {a: X}\n",
    "v: {a: X, b: y}\n",
    "v: {X: 1}\n",
    "v: {X}\n",
    "v: {a: [X, {b: X}]}\n",
    "v: [\n  X,\n  y\n]\n",
    "v: {\n  a: X,\n  b: y\n}\n",
    "v:\n- [X]\n- {k: X}\n",
];

/// Flow and block shapes that hold no indicator in a scalar.
const SHAPES: &[&str] = &[
    "v: [a, , b]\n",
    "v: [a,,]\n",
    "v: [,]\n",
    "v: [a,]\n",
    "v: {a: 1,}\n",
    "v: {a: 1,, b: 2}\n",
    "v: {,}\n",
    "v: {a, b: 2}\n",
    "v: {a: , b: 2}\n",
    "v: {a:, b: 2}\n",
    "v: {: a}\n",
    "v: [: a]\n",
    "v: [a: b]\n",
    "v: [a: b, c]\n",
    "v: [? a : b]\n",
    "v: {? a : b}\n",
    "v: {? a}\n",
    "v: {? : b}\n",
    "v:\n  ? a\n  : b\n",
    "v:\n  ? a\n",
    "v:\n  ? |\n    a\n  : b\n",
    "v:\n  ? - a\n  : b\n",
    "v: {[a]: b}\n",
    "v: {{a: b}: c}\n",
    "v: [[a], [[b]], {}]\n",
    "v: {a: {b: {c: [d]}}}\n",
    "v: [a,\nb]\n",
    "v: [a,\n b]\n",
    "v: {a: 1,\nb: 2}\n",
    "v: {a: 1,\n  b: 2\n  }\n",
    "v: [\na\n]\n",
    "v: [a\n  b]\n",
    "v: {a: x\n  y}\n",
    "v: [a, # c\n  b]\n",
    "v: [a #c, b]\n",
    "v: [a, b] # c\n",
    "v: [a, b]x\n",
    "v: [a, b] x\n",
    "v: {a: b}c\n",
    "v: [a\n---\n]\n",
    "v: [a,\n--- ]\n",
    "v: [a,\n...\n]\n",
    "v: {a: b,\n---\n}\n",
    "v: [a, '---']\n",
    "v: [\n ---, b]\n",
    "v: ['a', \"b\", c]\n",
    "v: ['a'b]\n",
    "v: [\"a\" , b]\n",
    "v: {'a': 'b'}\n",
    "v: {\"a\":b}\n",
    "v: {'a':b}\n",
    "v: {a:b}\n",
    "v: [a:b]\n",
    "v: [http://x]\n",
    "v: {u: http://x}\n",
    "v: - a\n",
    "v: -a\n",
    "v:\n-a\n",
    "v:\n- - a\n  - b\n",
    "v:\n-   a\n-\tb\n",
    "v: [a, [b, c], {d: e}]\n",
    "v: &x [a]\nw: *x\n",
    "v: [&x a, *x]\n",
    "v: {&x a: b}\n",
    "v: [*x]\n",
    "v: [!!str 1, !!int 2]\n",
    "v: [! a]\n",
    "v: [!a b]\n",
    "v: [|]\n",
    "v: [>]\n",
    "v: {a: |}\n",
    "v: [a, b\n",
    "v: {a: b\n",
    "v: a]\n",
    "v: a}\n",
    "v: [a]]\n",
    "v: {a: b}}\n",
    "v: ]\n",
    "v: }\n",
    "v: [a b, c  d]\n",
    "v: { a : b }\n",
    "v: [ a , b ]\n",
    "v: {a: [b,\n  c], d: e}\n",
    "v: x\n  y\n",
    "v: x\n# c\n  y\n",
    "v: x #c\n  y\n",
    "v: 'a\n  b'\n",
    "v: \"a\n  b\"\n",
    "v:\tx\n",
    "v: \tx\n",
    "v:\n-\tx\n",
    "v:\n- \tx\n",
    "v:\n- - \tx\n",
    "v:\n\t- x\n",
    "v:\t# c\n",
    "v: x\t# c\n",
    "v: x # \tc\n",
    "v: [a,\tb]\n",
    "v: [a,\n\tb]\n",
    "v: {a: 1,\n\tb: 2}\n",
    "v:\n  a: 1\t\n",
    "v:\n  a: 1\n\t\n  b: 2\n",
    "v:\n  a: 1\n  \t\n  b: 2\n",
    "v: x\t\n",
    "v: &a\tx\n",
    "v: !!str\tx\n",
    "v:\n  ? a\n  :\tb\n",
    "v:\n  ?\ta\n  : b\n",
    "v:\t\n  a: 1\n",
    "v: |\n  \tx\n",
    "v: |\n  x\n  \ty\n",
    "v: |\n  x\n\ty\n",
    "v: |\n  x\ty\n",
    "v: >\n  x\n   \ty\n",
    "\t# c\nv: 1\n",
    "v: 1\n\t# c\n",
    "v: 1\n  \t# c\n",
    "v: \"a\tb\"\n",
    "v: \"a\n\tb\"\n",
    "v: 'a\n\tb'\n",
    "v: a\tb\n",
    "v: a\n\tb\n",
    "v:\n  a:\n  \t b: 1\n",
    // Tags go-yaml decodes, and raw line breaks it reads (item 4).
    "v: !!binary aGVsbG8=\n",
    "v: !!binary |\n  aGVs\n  bG8=\n",
    "v: !!binary /w==\n",
    "v: !!binary x\n",
    "v: [!!binary aGk=, !!binary \"aGk=\"]\n",
    "v: !!timestamp 2001-12-14t21:59:43.10-05:00\n",
    "v: !!timestamp 2002-12-14\n",
    "v: !!timestamp 2001-12-14 21:59:43.10 -5\n",
    "v: !!timestamp x\n",
    "v: 2002-12-14\n",
    "v: a\u{2028}b\n",
    "v: a\u{2029}b\n",
    "v: \"a\u{2028}b\"\n",
    "v: 'a\u{2029}b'\n",
    "v: |\n  a\u{2028}  b\n",
    "v: [a\u{2028}b]\n",
    "v: a\u{85}b\n",
    "v: a\u{85}\nw: 1\n",
    "v: a\n\u{85}w: 1\n",
    "v:\n  a: 1\u{85}b: 2\n",
    "v: \"a\u{85}b\"\n",
    // Variants of the spellings go-yaml reads and the parser reads otherwise
    // (respelled by src/yaml/tree/respell.rs): `:` run into a flow indicator,
    "v: [x:y:]\n",
    "v: [a\n  b:]\n",
    "v: [x'y:]\n",
    "v: [x:  ]\n",
    "v: [x:\t]\n",
    "v: {x:: 1}\n",
    "v: [x:[a]]\n",
    "v: [x:{a: 1}]\n",
    "v: {x:, y:}\n",
    "v: [x::]\n",
    "v: [x:,y]\n",
    "v: [x :  , y]\n",
    "v: [1:]\n",
    "v: {a: [b:], c:}\n",
    "v: [x\n  :]\n",
    "v: {a: x:\n  , b: y}\n",
    "v: [\"a\":]\n",
    "v: [x: y:]\n",
    "v: {x: y:, z}\n",
    "v: [x #c:]\n",
    "v: [x\t:]\n",
    "v: [a, b:\n]\n",
    // a lone `-`,
    "v: [-,-]\n",
    "v: [ - ]\n",
    "v: [-[a]]\n",
    "v: [-{a: 1}]\n",
    "v: {-: 1}\n",
    "v: [--]\n",
    "v: [-\n]\n",
    "v: [a, -\n  ]\n",
    "v: {a: -, -: b}\n",
    "v: [-  ,x]\n",
    "v: [- ,x]\n",
    "v: [-\t]\n",
    // `?` first,
    "v: [??x]\n",
    "v: [?x: 1]\n",
    "v: {?x: 1, ?y}\n",
    "v: [?[a]]\n",
    "v: [?'a']\n",
    "v: [?\"a\"]\n",
    "v: [?-]\n",
    "v: [?:x]\n",
    "v: [?#x]\n",
    "v: [?&a x, *a]\n",
    "v: [?!t x]\n",
    "v: [?1]\n",
    "v: [a, ?b: c]\n",
    "v: {?x\n  : 1}\n",
    "v: [?x:]\n",
    "v: [?x?y]\n",
    "v: {?x:y}\n",
    // a tag run into a flow indicator.
    "v: [!x, 1]\n",
    "v: [!, 1]\n",
    "v: [!x, [a]]\n",
    "v: [!!str, 1]\n",
    "v: [!x,, 1]\n",
    "v: {!x, 1}\n",
    "v: {a: !x, 1}\n",
    "v: [!x], y]\n",
    "v: [!!int, 1]\n",
    "v: [!a[b] 1]\n",
    "v: [!x{, 1]\n",
    "v: [!x}, 1]\n",
    "v: [!x,y]\n",
    "v: [!x%2C, 1]\n",
    "v: [!e!x, 1]\n",
    "v: [!<!x>, 1]\n",
    "v: [!x,\n  1]\n",
    "v: [!!binary, aGk=]\n",
    "v: [!x, &a 1, *a]\n",
    "v: {a: !x, }\n",
    // Quoted scalars' continuation lines: go-yaml drops their blanks,
    // tabs and all, and wants no indentation (respelled too).
    "v: \"a\nb\"\n",
    "v:\n  w: \"a\nb\"\n",
    "v:\n- \"a\nb\"\n",
    "v:\n- \"a\n\tb\"\n",
    "v:\n- w: 'a\nb'\n",
    "v: \"a\n---\nb\"\n",
    "v: \"a\n...\nb\"\n",
    "v: \"a\n ---\nb\"\n",
    "v: \"a\n\t\n\tb\"\n",
    "v: \"a\n#b\"\n",
    "v: \"a\nw: 1\"\n",
    "v: 'a\nb'\n",
    "v:\n  w: 'a\n\tb'\n",
    "v:\n  w: ['a\n\tb']\n",
    "v: [\"a\n\tb\"]\n",
    "v: [\"a\nb\"]\n",
    "\"a\nb\": 1\n",
    "v: \"a\t\n\tb\"\n",
    "v: \"a\\\n\tb\"\n",
    "v: \"a\n\t  b\nc\"\n",
    "v:\n  w:\n    x: \"a\n  b\"\n    y: 1\n",
    "v:\n  w:\n    x: \"a\n\tb\n c\"\n    y: 1\n",
    "v:\n  ? \"a\n\tb\"\n  : 1\n",
    "v: \"a\n\tb\" x\n",
    "v: \"a\nb\"\nw: \"c\n\td\"\n",
    "v:\n  w: \"a\n\"\n",
    "v: \"\n\t\"\n",
    "v: \"a\n\t\u{85}b\"\n",
    // A quoted key run into `:` before a flow indicator; a tag into `[`.
    "v: [\"a\" :]\n",
    "v: {\"a\":}\n",
    "v: {'a':, b: 1}\n",
    "v: ['a':, b]\n",
    "v: [[a]:]\n",
    "v: [\"a\"\n  :]\n",
    "v: [!a[b], 1]\n",
    "v: [!a]b 1]\n",
    "v: [!a[b]]\n",
    "v: [!a[ 1]\n",
    "v: {!a[b] 1: 2}\n",
    "v: !a[b] 1\n",
    // A plain scalar spanning lines run into such a `:`.
    "v: {a: b\n  c:}\n",
    "v: [a,\n  b\n  c:]\n",
    "v: [a # c\n  b:]\n",
    "v: [&x a\n  b:]\n",
    "v: [a\n  b\n  :, c]\n",
    "v: {a\n  b:}\n",
    "v: [\"a\"\n  b:]\n",
    "v: [a'b\n  c:]\n",
    "v: [a\n\n  b:]\n",
    "v: [? a\n  b:]\n",
    "v: [a: b\n  c:]\n",
    "v: [a\n---\n  b:]\n",
    "v:\n  w: [a\n    b:]\n",
    "v: [a?b\n  c:]\n",
    "v:\n  w: [a\nb:]\n",
];

/// Every case, as the body under a ConfigMap's head.
fn cases() -> Vec<String> {
    let mut out: Vec<String> = SHAPES.iter().map(|s| s.to_string()).collect();
    for c in INDICATORS {
        for s in spellings(c) {
            for place in PLACES {
                out.push(place.replace('X', &s));
            }
        }
    }
    out.push("v: {otlp: {protocols: {grpc: {}}, note: (https?)}}\n".into());
    out.sort();
    out.dedup();
    out
}

fn document(i: usize, body: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n{body}")
}

/// kubectl's reading of every file: by case index, the value read or the
/// line of the refusal (0 where its message names none).
fn kubectl_reads(docs: &[String]) -> HashMap<usize, Result<Value, usize>> {
    let dir = tempfile::tempdir().unwrap();
    for (i, d) in docs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("c{i:05}.yaml")), d).unwrap();
    }
    let out = Command::new(support::kube::kubectl())
        .args([
            "annotate",
            "--local",
            "-o",
            "json",
            "kof-route-probe-",
            "-f",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let mut got = HashMap::new();
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>() {
        let v = v.unwrap();
        let items = match v["kind"] == "List" {
            true => v["items"].as_array().unwrap().clone(),
            false => vec![v],
        };
        for item in items {
            let name = item["metadata"]["name"].as_str().unwrap().to_string();
            let i: usize = name[1..].parse().unwrap();
            got.insert(i, Ok(item));
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines() {
        let Some(at) = line.find("/c") else { continue };
        let Some(i) = line[at + 2..]
            .get(..5)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let named = line
            .split("yaml: line ")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let previous = got.insert(i, Err(named));
        assert!(previous.is_none(), "kubectl both read and refused case {i}");
    }
    assert_eq!(
        got.len(),
        docs.len(),
        "kubectl answered for every case:\n{stderr}"
    );
    got
}

/// Equal as Kubernetes means them: numbers by value, everything else exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// One reader's disagreement with kubectl on `doc`, if any.
fn disagreement(
    doc: &str,
    theirs: &Result<Value, usize>,
    ours: Result<Value, kof_route::yaml::SyntaxError>,
) -> Option<String> {
    match (theirs, ours) {
        (Err(_), Err(_)) => None,
        (Err(line), Ok(v)) => Some(format!("kubectl refused (line {line}), kof-route read {v}")),
        (Ok(_), Err(e)) => Some(format!("kubectl read it, kof-route refused: {e}")),
        (Ok(k), Ok(v)) => {
            let mut k = k.clone();
            k["metadata"].as_object_mut().unwrap().remove("annotations");
            (!same(&k, &v)).then(|| format!("kubectl read {k}\n  kof-route read {v}"))
        }
    }
    .map(|m| format!("--- case\n{doc}  {m}"))
}

/// What go-yaml reads but kof-route refuses (with its line), never reads
/// otherwise, exactly counted so that a regression fails and a fix lowers
/// it: a plain scalar spanning lines run into `:` before a flow indicator
/// after an anchor (`[&x a\n  b:]`: the parser refuses a multi-line key; the
/// message says to quote the scalar with its `:`); a raw LS or PS inside a
/// block scalar (go-yaml keeps it as the break it is, and drops the
/// indentation after it; the message says to write it escaped). The
/// spellings the parser reads otherwise or refuses (`[x:]`, `[a\n  b:]`,
/// `["a":]`, `[-]`, `[?x]`, `[!x, y]`, `[!a[b] 1]`, a tab or too little
/// indentation starting a quoted scalar's continuation line) are respelled
/// (src/yaml/tree/respell.rs) and read.
const REFUSED_THOUGH_READ: usize = 2;

#[test]
fn flow_and_block_edge_cases_read_as_kubectl_reads_them() {
    let docs: Vec<String> = cases()
        .iter()
        .enumerate()
        .map(|(i, b)| document(i, b))
        .collect();
    let theirs = kubectl_reads(&docs);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut refused_though_read = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let t = &theirs[&i];
        *counts
            .entry(if t.is_ok() { "read" } else { "refused" })
            .or_default() += 1;
        let lines = doc.lines().count();
        let readers = [
            ("parse", kof_route::yaml::parse(doc)),
            ("parse_full", kof_route::yaml::parse_full(doc)),
        ];
        for (name, ours) in readers {
            match (t, ours) {
                (Err(line), Err(e)) => {
                    *counts.entry("refused by both").or_default() += 1;
                    // go-yaml names the 0-based line for a parser error, the
                    // 1-based one for a scanner error; either is "the line".
                    if e.line == *line || e.line == line + 1 {
                        *counts.entry("same line").or_default() += 1;
                    }
                    if e.line == 0 || e.line > lines + 1 {
                        failures.push(format!("{name}: line {} outside:\n{doc}", e.line));
                    }
                }
                (Ok(k), Err(e)) if name == "parse_full" => {
                    let v = &k["v"];
                    refused_though_read.push(format!("{doc:?}: {e}\n  kubectl read v: {v}"))
                }
                (Ok(_), Err(_)) => {}
                // What is read, kof-route writes back to the same value
                // (`--reformat` writes the tree).
                (Ok(_), Ok(v))
                    if kof_route::yaml::parse(&kof_route::yaml::emit(&v)).ok()
                        != Some(v.clone()) =>
                {
                    failures.push(format!("{name}: written back otherwise: {doc:?}"))
                }
                (t, ours) => {
                    if let Some(d) = disagreement(doc, t, ours) {
                        failures.push(format!("{name}: {d}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} cases in one kubectl run: {counts:?}; refused though kubectl reads: {}",
        docs.len(),
        refused_though_read.len()
    );
    eprintln!("{}", refused_though_read.join("\n"));
    assert!(docs.len() > 1500, "{} cases", docs.len());
    assert!(
        counts["read"] > 300 && counts["refused"] > 300,
        "{counts:?}"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        refused_though_read.len() == REFUSED_THOUGH_READ,
        "refusals of what kubectl reads, {REFUSED_THOUGH_READ} expected:\n{}",
        refused_though_read.join("\n")
    );
}

/// The reproducer: a collector of the real render whose `otlp`
/// receiver is written as a flow mapping holding `(https?)`. kubectl refuses
/// it; kof-route refuses it too, in both modes, naming the document and the
/// line, with nothing on stdout (it used to exit 0, and `--reformat` wrote a
/// block mapping Kubernetes would then read).
#[test]
fn a_collector_kubectl_refuses_is_refused_naming_its_line() {
    let render = support::text(&support::fixture(
        "fixtures/kof-1.11/helm3/kof-collectors.yaml",
    ));
    let block = "      otlp:\n        protocols:\n          grpc:\n            endpoint: ${env:MY_POD_IP}:4317\n          http:\n            endpoint: ${env:MY_POD_IP}:4318\n";
    assert!(render.contains(block));
    let flow = "      otlp: {protocols: {grpc: {}}, note: (https?)}\n";
    let input = render.replacen(block, flow, 1);
    let line = input[..input.find(flow).unwrap()].lines().count() + 1;
    let dir = tempfile::tempdir().unwrap();
    assert!(
        support::kube::read(dir.path(), input.as_bytes()).is_err(),
        "kubectl refuses the stream"
    );
    let mut flags = support::route_flags("regional");
    for extra in [None, Some("--reformat")] {
        flags.extend(extra.map(String::from));
        let run = support::run(&flags, input.as_bytes());
        let stderr = &run.stderr;
        assert_eq!(run.code, Some(1), "{extra:?}: {stderr}");
        assert!(run.stdout.is_empty(), "{extra:?}: partial output");
        assert!(
            stderr.contains("OpenTelemetryCollector") && stderr.contains(&format!("line {line}")),
            "{extra:?}: names the document and line {line}: {stderr}"
        );
    }
}
