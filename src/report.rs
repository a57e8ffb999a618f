//! Reporting: what a run changed, for people (`--explain`, `kof-route diff`).
//!
//! Formats the edit log and the patched documents; it never changes the
//! output stream. Values are shown compactly and anything that looks like a
//! secret value is redacted: only references to Secrets may appear.

use crate::Rendered;
use crate::check;
use crate::document::{Selected, problems};
use crate::edit::{Edit, Op};
use crate::redact::{hide_all, redact};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

fn show(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(v) => serde_json::to_string(&redact(v)).unwrap_or_default(),
    }
}

/// One line per edit, grouped under the document it was made in.
pub fn explain(rendered: &Rendered) -> String {
    let mut out = String::new();
    let mut last = None;
    for edit in rendered.edits.iter().filter(|e| e.op != Op::Expect) {
        if last != Some(edit.doc) {
            if let Some(id) = rendered.id(edit.doc) {
                out.push_str(&format!("kof-route: explain: {id}\n"));
            }
            last = Some(edit.doc);
        }
        out.push_str(&line(edit));
    }
    if last.is_none() {
        out.push_str("kof-route: explain: nothing to change\n");
    }
    for (index, fallback) in &rendered.fallbacks {
        if let Some(id) = rendered.id(*index) {
            out.push_str(&format!("kof-route: explain: {id}: {fallback}\n"));
        }
    }
    out
}

fn line(e: &Edit) -> String {
    // What a route removes (a storage exporter, an env entry) is shown as its
    // shape only: every value hidden, whatever its key.
    let old = match e.op {
        Op::Remove | Op::RemoveWhere { .. } => e.old.as_ref().map(hide_all),
        _ => e.old.clone(),
    };
    format!("  {e}: {} -> {}\n", show(old.as_ref()), show(e.new_value()))
}

/// A unified diff of every patched resource (from `render_for_review`), with
/// secret values hidden on both sides, optionally with ANSI colours.
pub fn diff(rendered: &Rendered, color: bool) -> String {
    let mut out = String::new();
    for p in &rendered.patched {
        // Only the redacted review texts are ever shown: the bytes may hold secrets.
        let Some((before, after)) = &p.review else {
            out.push_str(&format!(
                "{} changed (rendered without review texts)\n",
                p.id
            ));
            continue;
        };
        let diff = TextDiff::from_lines(before.as_str(), after.as_str());
        let title = p.id.to_string();
        out.push_str(&paint(
            &format!("--- {title}\n+++ {title} (routed)\n"),
            "1",
            color,
        ));
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.push_str(&paint(&format!("{}\n", hunk.header()), "36", color));
            for change in hunk.iter_changes() {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ('-', "31"),
                    ChangeTag::Insert => ('+', "32"),
                    ChangeTag::Equal => (' ', ""),
                };
                let mut text = format!("{sign}{}", change.value());
                if change.missing_newline() {
                    text.push_str("\n\\ No newline at end of document\n");
                }
                out.push_str(&paint(&text, code, color && !code.is_empty()));
            }
        }
    }
    // The layout a fallback loses is not in the redacted texts: count it.
    if let n @ 1.. = rendered.fallbacks.len() {
        out.push_str(&format!(
            "# {n} of {} patched resources written from their parsed tree, not edited in place (see the warnings)\n",
            rendered.patched.len()
        ));
    }
    out
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    format!(
        "\x1b[{code}m{body}\x1b[0m{}",
        if text.ends_with('\n') { "\n" } else { "" }
    )
}

/// Whether a problem is the chart's known gap, which every route fills: a
/// pipeline uses the processor every route defines (`resource/k8sclustername`),
/// which the chart does not, and so its signals carry different identities.
fn known_gap(p: &check::Problem) -> bool {
    p.message.ends_with(&format!(
        "{:?} is not defined in processors",
        crate::kof::CLUSTER_PROCESSOR
    )) || p.message.starts_with(check::identity::DIFFERS)
}

/// `kof-route check`: a report per collector, and how many errors it holds.
/// `unrouted`: the known gap every route fills is a warning.
pub fn check(collectors: &[&Selected], unrouted: bool) -> (String, usize) {
    let mut report = String::new();
    let mut errors = 0;
    for sel in collectors {
        let found = problems(&sel.value, sel.kind);
        report.push_str(&format!("{}\n", sel.id));
        if found.is_empty() {
            report.push_str("  ok\n");
        }
        for p in found {
            let (word, note) = match p.severity {
                check::Severity::Error if unrouted && known_gap(&p) => (
                    "warning",
                    " (the chart's known gap: every route fills it; \
                     `check --route ...` checks the routed result)",
                ),
                check::Severity::Error => {
                    errors += 1;
                    ("error", "")
                }
                check::Severity::Warning => ("warning", ""),
            };
            report.push_str(&format!("  {word}: {}{note}\n", p.message));
        }
    }
    (report, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn explains_each_edit_on_one_line() {
        use crate::edit::path;
        let e = Edit {
            doc: 0,
            path: path(&["spec", "config", "exporters", "x", "endpoint"]),
            op: Op::Set(json!("https://b")),
            old: Some(json!("http://a")),
        };
        assert_eq!(
            line(&e),
            "  spec.config.exporters.x.endpoint: \"http://a\" -> \"https://b\"\n"
        );
        let e = Edit {
            doc: 0,
            path: path(&["spec", "config", "exporters", "x"]),
            op: Op::Remove,
            old: Some(
                json!({"endpoint": "http://in-cluster:8480", "headers": {"X-Scope": "t"}, "tls": {"insecure": true}}),
            ),
        };
        assert_eq!(
            line(&e),
            "  spec.config.exporters.x: {\"endpoint\":\"<redacted>\",\"headers\":{\"X-Scope\":\"<redacted>\"},\"tls\":{\"insecure\":\"<redacted>\"}} -> (none)\n"
        );
    }
}
