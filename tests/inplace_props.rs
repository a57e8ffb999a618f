//! The in-place writer against the tree write over generated documents:
//! small block-YAML texts in varied layouts (indentation step, sequences
//! level with their key or indented, comments, blank lines, quoting) and
//! random edits of every kind. For each case:
//!
//! - `inplace::apply` gives the value `edit::apply::apply` gives (or the
//!   same error);
//! - where the writer did not decline, its text *before* the read-back
//!   check already reads as that value (so the check is a safety net, not
//!   what makes the writer right);
//! - the document's final bytes read as that value, in place or not.
//!
//! A seeded generator (no shrinking): a failure prints the text and edits.

use kof_route::edit::{Draft, Edit, Path, Seg, apply};
use kof_route::inplace::{self, Text};
use kof_route::read::Doc;
use kof_route::yaml;
use serde_json::{Map, Value, json};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const KEYS: &[&str] = &[
    "a",
    "b",
    "name",
    "env",
    "c/d",
    "x.y",
    "on",
    "key with space",
];
const WORDS: &[&str] = &[
    "a",
    "on",
    "0700",
    "x y",
    "a: b",
    "",
    "#c",
    "multi\nline\n",
    "1.5",
    "kof",
    "12",
    "~",
    "http://h:1/p",
    "it's",
    "say \"hi\"",
    "- dash",
    "${env:X}",
];

fn scalar(r: &mut Rng) -> Value {
    match r.below(6) {
        0 => Value::Null,
        1 => Value::Bool(r.chance(50)),
        2 => json!(r.below(1000)),
        _ => Value::String(WORDS[r.below(WORDS.len())].to_string()),
    }
}

fn value(r: &mut Rng, depth: usize) -> Value {
    let roll = if depth >= 3 { 9 } else { r.below(10) };
    match roll {
        0..=2 => {
            let mut m = Map::new();
            for _ in 0..=r.below(3) {
                m.insert(KEYS[r.below(KEYS.len())].to_string(), value(r, depth + 1));
            }
            Value::Object(m)
        }
        3..=4 => {
            let n = r.below(3);
            Value::Array((0..n).map(|_| item(r, depth + 1)).collect())
        }
        5 => json!({}),
        _ => scalar(r),
    }
}

fn item(r: &mut Rng, depth: usize) -> Value {
    if r.chance(50) {
        let mut m = Map::new();
        m.insert("name".into(), json!(["n1", "n2", "n3"][r.below(3)]));
        if r.chance(60) {
            m.insert("value".into(), value(r, depth + 1));
        }
        Value::Object(m)
    } else {
        value(r, depth)
    }
}

/// How the generated text is laid out.
struct Layout {
    step: usize,
    seq: usize,
    comments: usize,
    /// Percent of collections written in flow style (issue 25 item 3).
    flow: usize,
    /// How many were.
    flowed: std::cell::Cell<usize>,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn scalar_text(r: &mut Rng, v: &Value) -> String {
    match v {
        Value::String(s)
            if s.chars().all(|c| c.is_ascii_lowercase())
                && !s.is_empty()
                && !["on", "off", "yes", "no", "y", "n", "true", "false", "null"]
                    .contains(&s.as_str())
                && r.chance(70) =>
        {
            s.clone()
        }
        Value::String(s) if !s.contains(['\n', '\'']) && r.chance(30) => format!("'{s}'"),
        Value::String(s) => quoted(s),
        Value::Null if r.chance(50) => String::new(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn key_text(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/.".contains(c))
        && k != "on"
    {
        k.to_string()
    } else {
        quoted(k)
    }
}

fn comment(r: &mut Rng, out: &mut String, col: usize, lay: &Layout) {
    if r.chance(lay.comments) {
        out.push_str(&" ".repeat(col));
        out.push_str("# note: keep me\n");
    }
    if r.chance(lay.comments / 2) {
        out.push('\n');
    }
}

fn end_line(r: &mut Rng, out: &mut String, lay: &Layout) {
    if r.chance(lay.comments / 2) {
        out.push_str("  # trailing");
    } else if r.chance(5) {
        out.push_str("   ");
    }
    out.push('\n');
}

fn mapping(
    r: &mut Rng,
    out: &mut String,
    m: &Map<String, Value>,
    col: usize,
    inline: bool,
    lay: &Layout,
) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            comment(r, out, col, lay);
            out.push_str(&" ".repeat(col));
        }
        out.push_str(&key_text(k));
        out.push(':');
        node(r, out, v, col, true, lay);
    }
}

fn sequence(r: &mut Rng, out: &mut String, a: &[Value], col: usize, inline: bool, lay: &Layout) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 || !inline {
            comment(r, out, col, lay);
            out.push_str(&" ".repeat(col));
        }
        out.push('-');
        node(r, out, v, col, false, lay);
    }
}

/// `v` in flow style: JSON, or YAML with plain words, on one line or (at
/// the top) one entry a line under `col`, the closing bracket at `col`.
fn flow_text(r: &mut Rng, v: &Value, col: usize, top: bool) -> String {
    if r.chance(30) {
        return serde_json::to_string(v).unwrap();
    }
    let spread = top && r.chance(40);
    let (open, close, entries) = match v {
        Value::Array(a) => (
            "[",
            "]",
            a.iter().map(|x| flow_text(r, x, col, false)).collect(),
        ),
        Value::Object(m) => {
            let e = m
                .iter()
                .map(|(k, x)| format!("{}: {}", key_text(k), flow_text(r, x, col, false)));
            ("{", "}", e.collect::<Vec<_>>())
        }
        Value::String(s)
            if s.chars().all(|c| c.is_ascii_lowercase())
                && !s.is_empty()
                && !["on", "off", "yes", "no", "y", "n", "true", "false", "null"]
                    .contains(&s.as_str()) =>
        {
            return s.clone();
        }
        other => return serde_json::to_string(other).unwrap(),
    };
    match spread {
        true => {
            let pad = " ".repeat(col + 2);
            let body: Vec<String> = entries.iter().map(|e| format!("{pad}{e}")).collect();
            format!(
                "{open}  # open\n{}\n{}{close}",
                body.join(",\n"),
                " ".repeat(col)
            )
        }
        false => format!("{open}{}{close}", entries.join(", ")),
    }
}

/// After `key:` (in_map) or `-` at `col`.
fn node(r: &mut Rng, out: &mut String, v: &Value, col: usize, in_map: bool, lay: &Layout) {
    let collection = matches!(v, Value::Object(m) if !m.is_empty())
        || matches!(v, Value::Array(a) if !a.is_empty());
    if collection && r.chance(lay.flow) {
        lay.flowed.set(lay.flowed.get() + 1);
        out.push(' ');
        out.push_str(&flow_text(r, v, col, true));
        end_line(r, out, lay);
        return;
    }
    match v {
        Value::Object(m) if !m.is_empty() => {
            if in_map {
                end_line(r, out, lay);
                mapping(r, out, m, col + lay.step, false, lay);
            } else {
                out.push(' ');
                mapping(r, out, m, col + 2, true, lay);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            if in_map {
                end_line(r, out, lay);
                sequence(r, out, a, col + lay.seq, false, lay);
            } else {
                out.push(' ');
                sequence(r, out, a, col + 2, true, lay);
            }
        }
        _ => {
            let s = scalar_text(r, v);
            if !s.is_empty() {
                out.push(' ');
                out.push_str(&s);
            }
            end_line(r, out, lay);
        }
    }
}

/// Every path in `v` (containers and leaves), root excluded.
fn paths(v: &Value, here: &mut Path, out: &mut Vec<Path>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                here.push(Seg::Key(k.clone()));
                out.push(here.clone());
                paths(c, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                here.push(Seg::Index(i));
                out.push(here.clone());
                paths(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn edits(r: &mut Rng, v: &Value) -> Vec<Edit> {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let mut d = Draft::new(0, v, Vec::new());
    for _ in 0..=r.below(4) {
        let mut path = if all.is_empty() || r.chance(15) {
            Vec::new()
        } else {
            all[r.below(all.len())].clone()
        };
        if r.chance(30) {
            path.push(Seg::Key(KEYS[r.below(KEYS.len())].to_string()));
        }
        if path.is_empty() {
            path.push(Seg::Key("new".into()));
        }
        match r.below(5) {
            0 => d.set(&path, value(r, 1)),
            1 => d.remove(&path),
            2 => d.append(&path, item(r, 1)),
            3 => {
                let mut e = Map::new();
                e.insert("name".into(), json!(["n1", "n2", "n4"][r.below(3)]));
                e.insert("value".into(), scalar(r));
                d.upsert(&path, "name", Value::Object(e));
            }
            _ => d.remove_where(&path, "name", json!(["n1", "n2"][r.below(2)])),
        }
    }
    d.edits
}

/// A generated document, and whether it holds a non-empty flow collection.
fn document(r: &mut Rng) -> (String, bool) {
    let lay = Layout {
        step: [2, 4][r.below(2)],
        seq: [0, 2, 4][r.below(3)],
        comments: [0, 10, 30][r.below(3)],
        flow: [0, 0, 20][r.below(3)],
        flowed: Default::default(),
    };
    let mut root = Map::new();
    for _ in 0..=r.below(4) {
        root.insert(KEYS[r.below(KEYS.len())].to_string(), value(r, 0));
    }
    let mut out = String::from("---\n# Source: generated\n");
    mapping(r, &mut out, &root, 0, false, &lay);
    (out, lay.flowed.get() > 0)
}

#[test]
fn in_place_agrees_with_the_tree_on_generated_documents() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut cases, mut written, mut refused) = (0, 0, 0);
    let (mut flows, mut flows_written) = (0, 0);
    let mut declined = std::collections::BTreeMap::new();
    while cases < 4000 {
        let (text, flow) = document(&mut r);
        let Ok(before) = yaml::parse(&text) else {
            continue;
        };
        let edits = edits(&mut r, &before);
        if edits.is_empty() {
            continue;
        }
        let mut tree = before.clone();
        let tree_result = apply::apply(&mut tree, None, &edits);
        let doc = Doc {
            raw: text.as_bytes(),
            offset: 0,
            line: 1,
        };
        // As the pipeline does: the cheap read-back check (`verify`) where
        // the fast reader reads the original, whose verdict the final
        // assertion below holds to the full reader.
        let mut t = Text::new(&doc)
            .expect("generated text is editable")
            .read_fast(yaml::parse_fast(&text).is_some());
        let mut mine = before.clone();
        let mine_result = inplace::apply(&mut mine, None, &edits, Some(&mut t));
        let show = || format!("--- text:\n{text}--- edits:\n{edits:#?}");
        match (&tree_result, &mine_result) {
            (Ok(()), Ok(())) => {}
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{}", show());
                refused += 1;
                continue;
            }
            _ => panic!(
                "tree {tree_result:?} vs in place {mine_result:?}\n{}",
                show()
            ),
        }
        cases += 1;
        flows += usize::from(flow);
        assert_eq!(mine, tree, "values differ\n{}", show());
        match t.unverified() {
            Ok(body) => {
                let got = yaml::parse(body);
                assert_eq!(
                    got.as_ref().ok(),
                    Some(&tree),
                    "the writer's text reads differently\n{}--- written:\n{body}",
                    show()
                );
                written += 1;
                flows_written += usize::from(flow);
            }
            Err(why) => *declined.entry(why).or_insert(0) += 1,
        }
        let bytes = t.finish(&tree);
        if let Ok(bytes) = bytes {
            let out = String::from_utf8(bytes).unwrap();
            assert_eq!(yaml::parse(&out).ok(), Some(tree.clone()), "{}", show());
        }
    }
    eprintln!(
        "{cases} cases: {written} written in place ({flows_written} of the {flows} with flow \
         collections), \
         declined: {declined:?}; {refused} edit lists refused by both"
    );
    assert!(
        flows_written * 2 > flows,
        "only {flows_written} of {flows} with flow collections written in place"
    );
    assert!(
        written * 2 > cases,
        "only {written} of {cases} written in place"
    );
}
