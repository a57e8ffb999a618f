//! Which input lines an in-place write may change: each line's node as a
//! path of keys and list indexes (for block YAML as Helm renders it), a line
//! diff of input and output, and the check that every line outside the
//! edited nodes survives. Shared by tests/inplace.rs (the real renders) and
//! tests/inplace_config.rs (v1alpha1 config strings).

use kof_route::edit::{Edit, Op, Seg};

/// Each line's node as a path of keys and list indexes (continuation lines
/// of a scalar get their key's path), for block YAML as Helm renders it.
pub fn line_paths(text: &str) -> Vec<Option<Vec<String>>> {
    // (column, segment, is_item, next item index at this column)
    let mut stack: Vec<(usize, String, bool)> = Vec::new();
    let mut last_item: Vec<(usize, usize, usize)> = Vec::new(); // (depth, col, index)
    let mut scalar_block: Option<usize> = None;
    let mut out = Vec::new();
    for line in text.split_inclusive('\n') {
        let l = line.trim_end_matches('\n');
        let indent = l.len() - l.trim_start_matches(' ').len();
        let t = &l[indent..];
        if let Some(col) = scalar_block {
            if t.is_empty() || indent > col {
                out.push(Some(stack.iter().map(|s| s.1.clone()).collect()));
                continue;
            }
            scalar_block = None;
        }
        if t.is_empty() || t.starts_with('#') || t == "---" {
            out.push(None);
            continue;
        }
        let mut col = indent;
        let mut rest = t;
        let mut first = true;
        loop {
            let item = rest == "-" || rest.starts_with("- ");
            if item {
                while let Some(top) = stack.last() {
                    if top.0 > col || (top.0 == col && top.2) {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let depth = stack.len();
                last_item.retain(|&(d, _, _)| d <= depth);
                let idx = match last_item.iter_mut().find(|e| e.0 == depth && e.1 == col) {
                    Some(e) => {
                        e.2 += 1;
                        e.2
                    }
                    None => {
                        last_item.push((depth, col, 0));
                        0
                    }
                };
                stack.push((col, idx.to_string(), true));
                let after = rest[1..].trim_start_matches(' ');
                col += rest.len() - after.len();
                rest = after;
                first = false;
                if rest.is_empty() {
                    break;
                }
                continue;
            }
            // A trailing comment (after a space or a tab) is no part of the key line.
            let bare = [" #", "\t#"]
                .iter()
                .filter_map(|c| rest.find(c))
                .min()
                .map_or(rest, |c| &rest[..c])
                .trim_end_matches([' ', '\t']);
            let key_end = [": ", ":\t"]
                .iter()
                .filter_map(|c| bare.find(c))
                .min()
                .or_else(|| bare.strip_suffix(':').map(|s| s.len()));
            match key_end {
                Some(k) if !rest.starts_with('"') || rest[..k].ends_with('"') => {
                    if first {
                        while let Some(top) = stack.last() {
                            if top.0 >= col {
                                stack.pop();
                            } else {
                                break;
                            }
                        }
                    }
                    let depth = stack.len();
                    last_item.retain(|&(d, _, _)| d <= depth);
                    let key = rest[..k].trim_matches('"').to_string();
                    stack.push((col, key, false));
                    let v = rest[k + 1..].trim_start_matches([' ', '\t']);
                    if v.starts_with('|') || v.starts_with('>') {
                        scalar_block = Some(col);
                    }
                }
                _ if first => {
                    // A continuation line of a multi-line scalar.
                }
                _ => {}
            }
            break;
        }
        out.push(Some(stack.iter().map(|s| s.1.clone()).collect()));
    }
    out
}

/// The longest common subsequence of `a` and `b`: which lines of each are kept.
fn lcs(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i * (m + 1) + j] = if a[i] == b[j] {
                t[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut ka, mut kb) = (vec![false; n], vec![false; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            ka[i] = true;
            kb[j] = true;
            i += 1;
            j += 1;
        } else if t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (ka, kb)
}

fn tokens(path: &[Seg]) -> Vec<String> {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect()
}

/// Input lines a correct in-place write may drop or change in document
/// `index`: those whose node lies at or under an edit's path; and comment
/// lines may go only under a removing edit's path.
pub fn check_lines(index: usize, before: &[u8], after: &[u8], edits: &[Edit]) -> Vec<String> {
    let (a, b) = (super::text(before), super::text(after));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (kept, _) = lcs(&la, &lb);
    let paths = line_paths(&a);
    let mine: Vec<&Edit> = edits
        .iter()
        .filter(|e| e.doc == index && e.op != Op::Expect)
        .collect();
    let mut problems = Vec::new();
    let mut comment_path: Option<Vec<String>> = None;
    for (i, line) in la.iter().enumerate() {
        let t = line.trim_start();
        let comment = t.starts_with('#');
        if let Some(p) = &paths[i] {
            comment_path = Some(p.clone());
        }
        if kept[i] {
            continue;
        }
        if comment {
            // A comment is removed only with the subtree around it.
            let under_removal = comment_path.as_ref().is_some_and(|p| {
                mine.iter().any(|e| {
                    matches!(e.op, Op::Remove | Op::RemoveWhere { .. })
                        && p.starts_with(&tokens(&e.path))
                })
            });
            if !under_removal {
                problems.push(format!("comment line {} lost: {line}", i + 1));
            }
            continue;
        }
        let Some(path) = &paths[i] else {
            // A blank line: only a problem if it was not inside an edit.
            continue;
        };
        if !mine.iter().any(|e| path.starts_with(&tokens(&e.path))) {
            problems.push(format!(
                "line {} changed outside every edit ({}): {line}",
                i + 1,
                path.join(".")
            ));
        }
    }
    problems
}
