//! Stages depend downward only: no top-level module of `src/` may refer to
//! one that refers back to it, directly or through other modules (non-test
//! code, `crate::X` paths, including `use crate::{X, ..}` groups). This reads the sources as text, as a script
//! would; it must not grow a list of accepted cycles beyond `ALLOWED`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Cycles not yet broken, each with a comment saying why (none today). Every
/// entry must still be a cycle (the test fails when one is gone, so the list
/// cannot go stale).
const ALLOWED: &[(&str, &str)] = &[];

/// The top-level module of each file under `src/`, with its non-test text.
fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            let mut parts = rel.iter().skip(1).map(|p| p.to_string_lossy().into_owned());
            let first = parts.next().unwrap();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "tests" || rel.file_name().is_some_and(|f| f == "tests.rs") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            // Test modules sit at the end of each file.
            let code = match text.find("#[cfg(test)]") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            out.push((module, code));
        }
    }
    out
}

/// The top-level modules `code` names through `crate::`.
fn references(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    ',' if depth == 0 => {
                        out.insert(head(&item));
                        item.clear();
                    }
                    _ => item.push(c),
                }
            }
            out.insert(head(&item));
        } else {
            out.insert(head(rest));
        }
    }
    out.remove("");
    out
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Which top-level modules each one names (itself left out).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let modules: BTreeSet<String> = sources().into_iter().map(|(m, _)| m).collect();
    for (module, code) in sources() {
        let refs = references(&code);
        edges.entry(module.clone()).or_default().extend(
            refs.into_iter()
                .filter(|r| *r != module && modules.contains(r)),
        );
    }
    edges
}

/// Pairs of modules that reach each other, directly or through others: any
/// loop in the graph shows up as its pairs.
fn cycles() -> BTreeSet<(String, String)> {
    let edges = graph();
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for n in edges.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    todo.push(n.clone());
                }
            }
        }
        seen
    };
    let mut out = BTreeSet::new();
    for a in edges.keys() {
        for b in reach(a) {
            if *a < b && reach(&b).contains(a) {
                out.insert((a.clone(), b));
            }
        }
    }
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let found = cycles();
    let allowed: BTreeSet<(String, String)> = ALLOWED
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&allowed).collect();
    assert!(
        new.is_empty(),
        "modules that import each other, directly or through others: {new:?}"
    );
    let gone: Vec<_> = allowed.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "no longer cycles, remove from ALLOWED: {gone:?}"
    );
}

#[test]
fn the_graph_holds_the_downward_imports() {
    let edges = graph();
    for (from, to) in [
        ("edit", "routes"),
        ("edit", "select"),
        ("cli", "routes"),
        ("check", "fanout"),
        ("routes", "fanout"),
    ] {
        assert!(
            edges[from].contains(to),
            "{from} -> {to} not seen: {:?}",
            edges[from]
        );
    }
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    let refs = references("use crate::{a::b, c};\nfn f() { crate::d::e(); }\n// crate::z\n");
    let want: BTreeSet<String> = ["a", "c", "d"].map(String::from).into();
    assert_eq!(refs, want);
}
