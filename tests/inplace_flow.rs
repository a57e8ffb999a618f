//! Issue 25 item 3: a flow collection on the edited path is edited in
//! place. The real 1.11 render, routed with every route: the nodes on the
//! way to each edit (the edited list item, its list, their mapping, its
//! parent, ...) are written in flow style, with a trailing comment: on one
//! line as YAML, on one line as JSON, or one entry a line with the closing
//! bracket at the key's column. For each case:
//!
//! - kubectl reads the variant as it reads the render (the variant is fair);
//! - no document falls back to the tree write;
//! - kubectl reads the output as it reads the route's tree write of the
//!   render (the route applied to the input as kubectl reads it);
//! - line for line, the output is the route's in-place output on the render
//!   with the same nodes written in flow style, except inside the flow nodes
//!   an edit reached; each of those is still a flow collection, its key line
//!   up to the bracket and its trailing comment kept.
//!
//! Then the issue's examples spelled out (a list appended to and inserted
//! into, on one line and one entry a line; keys added inside a mapping;
//! JSON flow), and what still falls back, said: an anchor or a tag inside
//! a flow on the edited path.

mod support;

use kof_route::document::Outputs;
use kof_route::edit::{Edit, Op, Seg};
use kof_route::{read, render_with, yaml};
use serde_json::Value;
use support::{fixture, plan};

#[derive(Debug, Clone, Copy)]
enum Style {
    Yaml,
    Json,
    Spread,
}

/// A flow node of the variant: its document, path and number (named by
/// its trailing comment).
#[derive(Debug, Clone)]
struct FlowNode {
    doc: usize,
    path: Vec<Seg>,
    n: usize,
}

// ----- a node's lines in block YAML (and flow nodes written as here) -----------

fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

fn content(l: &str) -> bool {
    let t = l.trim_start_matches([' ', '\t']);
    !t.is_empty() && !t.starts_with('#') && l != "---"
}

fn is_dash(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

/// The length of `k:` at the start of `t`, if `t` is that key's entry.
fn key_len(t: &str, k: &str) -> Option<usize> {
    let quoted = serde_json::to_string(k).unwrap();
    [k.to_string(), quoted].into_iter().find_map(|spelled| {
        let rest = t.strip_prefix(&spelled)?.strip_prefix(':')?;
        (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(spelled.len() + 1)
    })
}

/// Where a node sits: its key's or dash's line, the line after its last
/// content line, and the byte where its value starts on its first line.
#[derive(Debug, Clone, Copy)]
struct Place {
    line: usize,
    end: usize,
    value: usize,
}

/// The line after the last content line of the entry (or item) on line
/// `i` of a block at `col` ending before `to`: a later line at or left of
/// `col` ends it, unless it is a `- ` item of an entry's sequence or a
/// closing bracket.
fn end_of(lines: &[&str], i: usize, to: usize, col: usize, entry: bool) -> usize {
    let next = (i + 1..to)
        .find(|&j| {
            let l = lines[j];
            content(l)
                && (indent(l) < col
                    || (indent(l) == col
                        && !(entry && is_dash(&l[col..]))
                        && !l[col..].starts_with([']', '}'])))
        })
        .unwrap_or(to);
    (i..next).rev().find(|&j| content(lines[j])).unwrap_or(i) + 1
}

fn locate(lines: &[&str], path: &[Seg]) -> Option<Place> {
    let mut from = (0..lines.len()).find(|&i| content(lines[i]))?;
    let (mut to, mut col) = (lines.len(), indent(lines[from]));
    let mut place = None;
    for seg in path {
        if let Some(p) = place {
            (from, to, col) = inside(lines, p)?;
        }
        place = Some(match seg {
            Seg::Key(k) => {
                let i = (from..to).find(|&i| {
                    let l = lines[i];
                    content(l) && (i == from || indent(l) == col) && key_len(&l[col..], k).is_some()
                })?;
                let value = col + key_len(&lines[i][col..], k)?;
                Place {
                    line: i,
                    end: end_of(lines, i, to, col, true),
                    value,
                }
            }
            Seg::Index(n) => {
                let i = (from..to)
                    .filter(|&i| indent(lines[i]) == col && is_dash(&lines[i][col..]))
                    .nth(*n)?;
                Place {
                    line: i,
                    end: end_of(lines, i, to, col, false),
                    value: col + 1,
                }
            }
        });
    }
    place
}

/// The block that is the value of the node at `p`: its lines and column.
fn inside(lines: &[&str], p: Place) -> Option<(usize, usize, usize)> {
    let l = lines[p.line];
    let rest = &l[p.value..];
    let t = rest.trim_start_matches(' ');
    if !t.is_empty() && !t.starts_with('#') {
        // A compact `- key: value` item: its mapping starts on the dash line.
        return (!t.starts_with(['[', '{'])).then_some((p.line, p.end, l.len() - t.len()));
    }
    let j = (p.line + 1..p.end).find(|&j| content(lines[j]))?;
    Some((j, p.end, indent(lines[j])))
}

// ----- the variants --------------------------------------------------------------

fn plain(s: &str) -> bool {
    let keyword = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ]
    .iter()
    .any(|w| s.eq_ignore_ascii_case(w));
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !keyword
}

/// `v` in flow style on one line, plain where a string is a word.
fn yaml_flow(v: &Value) -> String {
    let word = |s: &str| match plain(s) {
        true => s.to_string(),
        false => serde_json::to_string(s).unwrap(),
    };
    match v {
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(yaml_flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{}: {}", word(k), yaml_flow(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => word(s),
        other => other.to_string(),
    }
}

/// The lines that write `v` in `style` after `prefix` (a key line up to its
/// colon, or an item's dash at `col`), then comment `n`.
fn flow_lines(prefix: &str, col: usize, v: &Value, style: Style, n: usize) -> Vec<String> {
    let comment = format!("  # flow {n}");
    match style {
        Style::Yaml => vec![format!("{prefix} {}{comment}", yaml_flow(v))],
        Style::Json => vec![format!(
            "{prefix} {}{comment}",
            serde_json::to_string(v).unwrap()
        )],
        Style::Spread => {
            let (open, close, entries) = match v {
                Value::Array(a) => ("[", "]", a.iter().map(yaml_flow).collect::<Vec<_>>()),
                Value::Object(m) => (
                    "{",
                    "}",
                    m.iter()
                        .map(|(k, x)| yaml_flow(&serde_json::json!({ k: x })))
                        .map(|e| e[1..e.len() - 1].to_string())
                        .collect(),
                ),
                _ => unreachable!("only collections are written in flow"),
            };
            let mut out = vec![format!("{prefix} {open}")];
            let last = entries.len() - 1;
            for (i, e) in entries.iter().enumerate() {
                let comma = if i < last { "," } else { "" };
                out.push(format!("{}{e}{comma}", " ".repeat(col + 2)));
            }
            out.push(format!("{}{close}{comment}", " ".repeat(col)));
            out
        }
    }
}

/// `doc` with each node of `nodes` (in this document, if a non-empty
/// collection there) written in flow style.
fn flowed(doc: &str, nodes: &[&FlowNode], style: Style) -> String {
    let value = yaml::parse(doc).expect("the document reads");
    let mut lines: Vec<String> = doc.lines().map(String::from).collect();
    for node in nodes {
        let v = pointer(&value, &node.path);
        if !v.is_some_and(|v| {
            matches!(v, Value::Array(a) if !a.is_empty())
                || matches!(v, Value::Object(m) if !m.is_empty())
        }) {
            continue;
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let Some(p) = locate(&refs, &node.path) else {
            continue;
        };
        let first = &lines[p.line];
        let col = indent(first);
        let new = flow_lines(&first[..p.value], col, v.unwrap(), style, node.n);
        lines.splice(p.line..p.end, new);
    }
    lines.join("\n") + "\n"
}

fn pointer<'v>(v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(k),
        Seg::Index(i) => v.get(i),
    })
}

/// The stream `input` with its document `i` replaced by `f(i, text)`.
fn per_doc(input: &[u8], mut f: impl FnMut(usize, &str) -> String) -> Vec<u8> {
    let stream = read::split(input);
    let mut out = input[..stream.docs.first().map_or(0, |d| d.offset)].to_vec();
    for (i, d) in stream.docs.iter().enumerate() {
        out.extend_from_slice(f(i, std::str::from_utf8(d.raw).unwrap()).as_bytes());
    }
    out
}

// ----- the nodes of a case ------------------------------------------------------------

/// The path an edit reaches, down to the list item it replaces or removes.
fn target(values: &[Value], e: &Edit) -> Vec<Seg> {
    let mut p = e.path.clone();
    let item = |key: &str, id: &Value| {
        pointer(&values[e.doc], &e.path)
            .and_then(Value::as_array)
            .and_then(|a| a.iter().position(|x| x.get(key) == Some(id)))
    };
    let found = match &e.op {
        Op::Upsert { key, entry } => entry.get(key).and_then(|id| item(key, id)),
        Op::RemoveWhere { key, id } => item(key, id),
        _ => None,
    };
    p.extend(found.map(Seg::Index));
    p
}

/// The nodes `height` segments above every edit's target (at least two
/// segments down), outermost only, numbered.
fn nodes(values: &[Value], edits: &[Edit], height: usize) -> Vec<FlowNode> {
    let mut out: Vec<(usize, Vec<Seg>)> = Vec::new();
    for e in edits {
        let t = target(values, e);
        if t.len() < height + 2 {
            continue;
        }
        let path = t[..t.len() - height].to_vec();
        let is_flowable = matches!(pointer(&values[e.doc], &path), Some(Value::Array(a)) if !a.is_empty())
            || matches!(pointer(&values[e.doc], &path), Some(Value::Object(m)) if !m.is_empty());
        if is_flowable && !out.contains(&(e.doc, path.clone())) {
            out.push((e.doc, path));
        }
    }
    let under = |a: &(usize, Vec<Seg>), b: &(usize, Vec<Seg>)| {
        a.0 == b.0 && a.1.len() > b.1.len() && a.1.starts_with(&b.1)
    };
    let outer: Vec<_> = out
        .iter()
        .filter(|a| !out.iter().any(|b| under(a, b)))
        .cloned()
        .collect();
    outer
        .into_iter()
        .enumerate()
        .map(|(n, (doc, path))| FlowNode { doc, path, n })
        .collect()
}

/// Whether an edit (not a mere expectation) reaches into or onto `node`.
fn reached(edits: &[Edit], node: &FlowNode) -> bool {
    edits.iter().any(|e| {
        e.doc == node.doc
            && !matches!(e.op, Op::Expect)
            && (e.path.starts_with(&node.path) || node.path.starts_with(&e.path))
    })
}

// ----- one case -------------------------------------------------------------------

/// The stream with every reached node's lines (in each document) replaced by a mark.
fn masked(stream: &[u8], nodes: &[&FlowNode]) -> Vec<String> {
    let mut out = Vec::new();
    per_doc(stream, |i, text| {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        for node in nodes.iter().filter(|n| n.doc == i) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            if let Some(p) = locate(&refs, &node.path) {
                let mark = format!("{} <flow node {}>", &lines[p.line][..p.value], node.n);
                lines.splice(p.line..p.end, [mark]);
            }
        }
        out.extend(lines);
        String::new()
    });
    out
}

struct Case {
    route: String,
    flags: Vec<String>,
    height: usize,
    style: Style,
}

/// What a case saw: flow nodes, flow nodes an edit reached.
fn check(case: &Case, dir: &std::path::Path) -> Result<(usize, usize), String> {
    let name = format!("{} / height {} / {:?}", case.route, case.height, case.style);
    let render = fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml");
    let plan = plan(&case.flags);
    let block = render_with(&plan, &render, Outputs::INPLACE).map_err(|e| format!("{e:#}"))?;
    let tree = render_with(&plan, &render, Outputs::TREE).map_err(|e| format!("{e:#}"))?;
    let values: Vec<Value> = read::split(&render)
        .docs
        .iter()
        .map(|d| yaml::parse(std::str::from_utf8(d.raw).unwrap()).unwrap_or(Value::Null))
        .collect();
    let nodes = nodes(&values, &block.edits, case.height);
    let flow_all = |stream: &[u8]| {
        per_doc(stream, |i, text| {
            let mine: Vec<&FlowNode> = nodes.iter().filter(|n| n.doc == i).collect();
            match mine.is_empty() {
                true => text.to_string(),
                false => flowed(text, &mine, case.style),
            }
        })
    };
    let input = flow_all(&render);
    let reads = |bytes: &[u8]| {
        support::kube::read(dir, bytes).map(|mut d| {
            d.sort_by_key(support::kube::key);
            d
        })
    };
    if reads(&input) != reads(&render) {
        return Err(format!("{name}: kubectl reads the variant otherwise"));
    }
    let out = render_with(&plan, &input, Outputs::INPLACE).map_err(|e| format!("{e:#}"))?;
    if !out.fallbacks.is_empty() {
        return Err(format!("{name}: fell back: {:?}", out.fallbacks));
    }
    let got = out.output();
    if reads(&got) != reads(&tree.output()) {
        return Err(format!("{name}: kubectl reads the output otherwise"));
    }
    let hit: Vec<&FlowNode> = nodes.iter().filter(|n| reached(&block.edits, n)).collect();
    let want = masked(&flow_all(&block.output()), &hit);
    let have = masked(&got, &hit);
    if let Some(k) = (0..want.len().max(have.len())).find(|&k| want.get(k) != have.get(k)) {
        return Err(format!(
            "{name}: output line {} is {:?}, want {:?}",
            k + 1,
            have.get(k),
            want.get(k)
        ));
    }
    // A reached node is still flow, its key line and trailing comment kept.
    let (before, after) = (read::split(&input), read::split(&got));
    for node in &hit {
        let lines = |raw: &[u8]| -> Vec<String> {
            std::str::from_utf8(raw)
                .unwrap()
                .lines()
                .map(String::from)
                .collect()
        };
        let was = lines(before.docs[node.doc].raw);
        let now = lines(after.docs[node.doc].raw);
        let place = |l: &[String]| {
            locate(
                &l.iter().map(String::as_str).collect::<Vec<_>>(),
                &node.path,
            )
        };
        let (Some(p), Some(q)) = (place(&was), place(&now)) else {
            continue;
        };
        let prefix = &was[p.line][..p.value];
        let comment = format!("  # flow {}", node.n);
        let head = &now[q.line];
        let flow = head
            .strip_prefix(prefix)
            .is_some_and(|t| t.starts_with([' ']) && t[1..].starts_with(['[', '{']));
        if !flow || !now[q.end - 1].ends_with(&comment) {
            return Err(format!(
                "{name}: flow node {} became {:?}",
                node.n,
                &now[q.line..q.end]
            ));
        }
    }
    Ok((nodes.len(), hit.len()))
}

/// Every route (and regional with a CA secret) x the flow node's height
/// above the edit x three flow styles.
#[test]
fn flow_collections_on_the_edited_path_are_edited_in_place() {
    let mut routes: Vec<(String, Vec<String>)> = support::every_route()
        .into_iter()
        .map(|(n, f)| (n.to_string(), f))
        .collect();
    let mut ca = support::route_flags("regional");
    ca.push("--ca-secret=regional-ca".into());
    routes.push(("regional --ca-secret".into(), ca));
    let mut cases = Vec::new();
    for (route, flags) in &routes {
        for height in 0..=5 {
            for style in [Style::Yaml, Style::Json, Style::Spread] {
                cases.push(Case {
                    route: route.clone(),
                    flags: flags.clone(),
                    height,
                    style,
                });
            }
        }
    }
    let seen = std::sync::Mutex::new((0, 0, 0));
    support::kube::run_all(&cases, |case, dir| {
        let (nodes, hit) = check(case, dir)?;
        let mut s = seen.lock().unwrap();
        *s = (s.0 + 1, s.1 + nodes, s.2 + hit);
        Ok(())
    });
    let (n, nodes, hit) = seen.into_inner().unwrap();
    eprintln!("{n} cases: {nodes} flow nodes, {hit} of them reached by an edit");
    assert!(
        hit * 2 > nodes && hit > 500,
        "{hit} of {nodes} flow nodes reached"
    );
}

/// The k0s daemon collector of the 1.11 render with `pairs` (block text,
/// flow text) replaced, each once, inside that collector.
fn k0s_daemon_with(pairs: &[(&str, &str)]) -> String {
    let render = support::text(&fixture("fixtures/kof-1.11/helm3/kof-collectors.yaml"));
    let at = render
        .find("kind: OpenTelemetryCollector\nmetadata:\n  name: kof-collectors-controller-k0s-daemon\n")
        .unwrap();
    let (head, mut tail) = (render[..at].to_string(), render[at..].to_string());
    for (block, flow) in pairs {
        assert!(tail.contains(block), "{block}");
        tail = tail.replacen(block, flow, 1);
    }
    head + &tail
}

/// The issue's examples, in one collector: a list appended to (`[batch]`),
/// a processor inserted into a list, a key added inside a mapping, a
/// mapping's value replaced and keys added to it. Each flow node is
/// written again on its line(s) and nothing else of it changes; its comment
/// stays; nothing falls back; kubectl reads what the tree write gives.
#[test]
fn the_issue_examples_are_edited_in_their_flow_style() {
    let input = k0s_daemon_with(&[
        (
            "      extensions:\n      - file_storage/exporters\n",
            "      extensions: [file_storage/exporters]  # ours\n",
        ),
        (
            "          processors:\n          - resourcedetection\n          - transform/kubeletstats\n          - transform/hostmetrics\n          - transform/k8snode\n          - batch\n",
            "          processors: [\n            resourcedetection,\n            transform/kubeletstats, # kubelet\n            transform/hostmetrics,\n            transform/k8snode,\n            batch\n          ]  # metrics\n",
        ),
        (
            "    extensions:\n      file_storage/exporters:\n        directory: /var/lib/otelcol/file_storage/exporters-controller-k0s-daemon\n",
            "    extensions: {file_storage/exporters: {directory: /var/lib/otelcol/file_storage/exporters-controller-k0s-daemon}}\n",
        ),
        (
            "      prometheusremotewrite:\n        endpoint: http://vminsert-cluster:8480/insert/0/prometheus/api/v1/write\n",
            "      prometheusremotewrite: {\"endpoint\": \"http://vminsert-cluster:8480/insert/0/prometheus/api/v1/write\"}\n",
        ),
    ]);
    let flags = [
        "--route=regional",
        "--regional-domain=kof.test",
        "--regional-cluster=r1",
    ];
    let run = support::run(&flags, input.as_bytes());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        !run.stderr.contains("not edited in place"),
        "{}",
        run.stderr
    );
    let out = support::text(&run.stdout);
    let want = [
        "      extensions: [file_storage/exporters, basicauth/metrics, basicauth/logs, basicauth/traces]  # ours\n",
        "          processors: [\n            resourcedetection,\n            transform/kubeletstats,\n            transform/hostmetrics,\n            transform/k8snode,\n            resource/k8sclustername,\n            batch\n          ]  # metrics\n",
        "    extensions: {file_storage/exporters: {directory: /var/lib/otelcol/file_storage/exporters-controller-k0s-daemon}, basicauth/metrics: {client_auth: {username: \"${env:KOF_VM_USER}\", password: \"${env:KOF_VM_PASSWORD}\"}}, basicauth/logs: {client_auth: {username: \"${env:KOF_VM_USER}\", password: \"${env:KOF_VM_PASSWORD}\"}}, basicauth/traces: {client_auth: {username: \"${env:KOF_VM_USER}\", password: \"${env:KOF_VM_PASSWORD}\"}}}\n",
        "      prometheusremotewrite: {endpoint: \"https://vmauth.kof.test/vm/insert/0/prometheus/api/v1/write\", auth: {authenticator: basicauth/metrics}, external_labels: {cluster: mothership, clusterNamespace: kcm-system}}\n",
    ];
    for w in want {
        assert!(out.contains(w), "want\n{w}in\n{out}");
    }
    let tree = support::run(&[&flags[..], &["--reformat"]].concat(), input.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        support::kube::as_kubernetes_reads(dir.path(), out.as_bytes()),
        support::kube::as_kubernetes_reads(dir.path(), &tree.stdout)
    );
}

/// What still falls back, said: an anchor, an alias or a tag inside a flow
/// collection on the edited path.
#[test]
fn anchors_aliases_and_tags_in_a_flow_still_fall_back_said() {
    for flow in [
        "[&ext file_storage/exporters]",
        "[!!str file_storage/exporters]",
    ] {
        let input = k0s_daemon_with(&[(
            "      extensions:\n      - file_storage/exporters\n",
            &format!("      extensions: {flow}\n"),
        )]);
        let run = support::run(&support::route_flags("regional"), input.as_bytes());
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(
            run.stderr.contains(
                "kof-collectors-controller-k0s-daemon (line 3932): written from its parsed tree, \
                 not edited in place (anchor, alias or tag on the edited path, at \
                 spec.config.service.extensions"
            ),
            "{flow}: {}",
            run.stderr
        );
    }
}
