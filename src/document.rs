//! The pipeline for one candidate document: select, edit, apply, check, emit.
//!
//! Parses the document once, recognises it through the kind table, drafts the
//! route's edits, applies them, checks a patched collector (errors the input
//! already had are excused), and writes its new bytes. It holds no route,
//! kind or format knowledge of its own.

use crate::check::{self, Problem, Severity};
use crate::docid::DocId;
use crate::edit::{self, Edit, Op};
use crate::read::{Doc, Stream};
use crate::routes::RouteSpec;
use crate::select::{self, KindSpec, Role};
pub use crate::write::Routed;
use crate::{export, inplace, redact, write, yaml};
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::BTreeSet;

/// One selected resource of the stream, parsed.
pub struct Selected {
    pub index: usize,
    pub id: DocId,
    pub kind: &'static KindSpec,
    pub value: Value,
    /// The fast YAML reader read it (the in-place check relies on that).
    pub read_fast: bool,
}

/// Parse candidate `idx`; `None` when no row of the kind table matches it.
pub fn select_one(stream: &Stream<'_>, idx: usize) -> Result<Option<Selected>> {
    let doc: &Doc<'_> = &stream.docs[idx];
    let (value, read_fast) = select::parse_noting(idx + 1, doc)?;
    if let Some(kind) = select::listed(&value) {
        bail!(
            "{}: holds {kind} in its items, which kof-route cannot route inside a List; \
             render it as a document of its own",
            DocId::of(idx + 1, doc.line, &value)
        );
    }
    Ok(select::classify(&value).map(|kind| Selected {
        index: idx,
        id: DocId::of(idx + 1, doc.line, &value),
        kind,
        value,
        read_fast,
    }))
}

/// Problems of a collector; a config that cannot be read is one error.
pub fn problems(doc: &Value, kind: &KindSpec) -> Vec<Problem> {
    problems_routed(doc, kind, &Default::default())
}

/// As `problems`, for a collector the route edited: `wrote` names the
/// `${env:}` variables the route's own values reference (`check::routed`).
fn problems_routed(doc: &Value, kind: &KindSpec, wrote: &BTreeSet<String>) -> Vec<Problem> {
    match select::config_of(doc, kind) {
        Ok(config) => check::routed(doc, &config, wrote),
        Err(e) => vec![Problem {
            severity: Severity::Error,
            message: e.to_string(),
        }],
    }
}

/// The edits `route` makes to a selected resource.
pub fn edits(sel: &Selected, route: &RouteSpec) -> Result<Vec<Edit>> {
    match sel.kind.role {
        Role::Collector => {
            let config = select::config_of(&sel.value, sel.kind)?;
            edit::collector::edits(sel.index, &sel.value, &config, sel.kind, route)
        }
        Role::OpenCost => match &route.opencost {
            Some(oc) => edit::opencost::edits(sel.index, &sel.value, sel.kind, oc),
            None => Ok(Vec::new()),
        },
        Role::FluxRelease | Role::FluxChart => Ok(Vec::new()),
    }
}

/// Sort a patched collector's problems: new errors fail the run; warnings, and
/// errors the input already had, are reported.
fn judge(r: &mut Routed, before: &[Problem], after: Vec<Problem>) {
    for p in after {
        let line = format!("{}: {}", r.id, p.message);
        match p.severity {
            Severity::Error if before.contains(&p) => {
                r.warnings.push(format!("{line} (already in the input)"))
            }
            Severity::Error => r.errors.push(line),
            Severity::Warning => r.warnings.push(line),
        }
    }
}

/// What a run produces besides the routed stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outputs {
    /// Redacted before/after texts, for `diff`.
    pub review: bool,
    /// Kustomize patches, for `export`.
    pub patches: bool,
    /// Write patched documents in place (the default, not `--reformat`),
    /// keeping every byte the route does not change; otherwise each is
    /// written from its tree.
    pub inplace: bool,
}

impl Outputs {
    /// These outputs, writing patched documents in place when `inplace`.
    pub fn keeping(self, inplace: bool) -> Outputs {
        Outputs { inplace, ..self }
    }

    pub const REVIEW: Outputs = Outputs {
        review: true,
        patches: false,
        inplace: false,
    };
    pub const PATCHES: Outputs = Outputs {
        review: false,
        patches: true,
        inplace: false,
    };
    /// Every patched document written from its tree: the reference the
    /// in-place writer is tested against.
    pub const TREE: Outputs = Outputs {
        review: false,
        patches: false,
        inplace: false,
    };
    pub const INPLACE: Outputs = Outputs {
        review: false,
        patches: false,
        inplace: true,
    };
}

/// The problems document `idx` had as read, needed only to excuse errors
/// found after routing: unchanged, they are all its own; changed, the
/// document is read again (never on a real chart, whose routed collectors
/// have no errors, so the common path checks each collector once).
fn inherited(
    stream: &Stream<'_>,
    idx: usize,
    changed: bool,
    after: &[Problem],
) -> Result<Vec<Problem>> {
    if !after.iter().any(|p| p.severity == Severity::Error) {
        return Ok(Vec::new());
    }
    if !changed {
        return Ok(after.to_vec());
    }
    Ok(select_one(stream, idx)?.map_or_else(Vec::new, |orig| problems(&orig.value, orig.kind)))
}

/// Parse, edit, apply, check and re-emit candidate `idx`.
pub fn route(
    route: &RouteSpec,
    stream: &Stream<'_>,
    idx: usize,
    outputs: Outputs,
) -> Result<Option<Routed>> {
    let Some(mut sel) = select_one(stream, idx)? else {
        return Ok(None);
    };
    let collector = sel.kind.role == Role::Collector;
    let edits = edits(&sel, route).map_err(|e| anyhow!("{}: {e:#}", sel.id))?;
    let changed = edits.iter().any(|e| e.op != Op::Expect);
    let mut r = Routed::new(idx, sel.id.clone(), collector);
    if changed {
        let original = outputs
            .review
            .then(|| yaml::emit(&redact::redact(&sel.value)));
        let config = sel.kind.config.map(edit::path);
        if outputs.patches {
            let ops = export::operations(&sel.value, config.as_deref(), &edits)
                .map_err(|e| anyhow!("{}: {e:#}", sel.id))?;
            r.patch = Some(export::entry(export::target(&sel.value), &ops));
        }
        let doc = &stream.docs[idx];
        let mut text = match outputs.inplace {
            false => Err("tree write asked for"),
            true => inplace::Text::new(doc).map(|t| t.read_fast(sel.read_fast)),
        };
        inplace::apply(
            &mut sel.value,
            config.as_deref(),
            &edits,
            text.as_mut().ok(),
        )
        .map_err(|e| anyhow!("{}: {e:#}", sel.id))?;
        let finished = text
            .map_err(inplace::Fallback::from)
            .and_then(|t| t.finish_noting(&sel.value));
        r.after = Some(match finished {
            Ok(bytes) => bytes,
            Err(fallback) => {
                if outputs.inplace {
                    // Said, not silent: stderr, the run log, --explain, diff.
                    inplace::count_fallback();
                    r.warnings.push(format!("{}: {fallback}", sel.id));
                    r.fallback = Some(fallback);
                }
                write::rewrite(doc, &yaml::emit(&sel.value))
            }
        });
        r.review = original.map(|o| (o, yaml::emit(&redact::redact(&sel.value))));
    }
    if collector {
        let wrote = check::env_names(
            edits
                .iter()
                .filter(|e| e.op != Op::Expect)
                .filter_map(Edit::new_value),
        );
        let after = problems_routed(&sel.value, sel.kind, &wrote);
        let before = inherited(stream, idx, changed, &after)?;
        judge(&mut r, &before, after);
    }
    r.edits = edits;
    Ok(Some(r))
}
