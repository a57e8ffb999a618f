//! kof-route: a Helm post-renderer that routes a kof-collectors release's data.
//!
//! The pipeline, over bytes, so tests, benchmarks and the fuzzer call it
//! without a process:
//!
//! ```text
//! bytes ─► read ─► select ─► edit ─► apply ─► check ─► write
//!          split   kind      route    value    config   input bytes +
//!          scan    table     → edits  tree     problems patched documents
//! ```
//!
//! Nothing is written unless the whole stream succeeds: `render` returns the
//! complete output or an error, never a part.

pub mod app;
pub mod check;
pub mod cli;
pub mod docid;
pub mod document;
pub mod edit;
pub mod export;
pub mod exporter_file;
pub mod fanout;
pub mod identity;
pub mod inplace;
pub mod kof;
pub mod log;
pub mod names;
pub mod read;
pub mod redact;
pub mod report;
pub mod routes;
pub mod select;
pub mod umbrella;
pub mod write;
pub mod yaml;

use anyhow::{Result, bail};
use cli::plan::Plan;
use document::{Outputs, Selected};
pub use write::Rendered;

/// Split and check `input`, and find the documents routed one by one and,
/// from the same search, those that may be a Flux HelmRelease (a stream with
/// collectors must hold none: `umbrella::refuse_mixed`).
fn scan(input: &[u8]) -> Result<(read::Stream<'_>, Vec<usize>, Vec<usize>)> {
    let documents = select::needles(&select::DOCUMENT_ROLES);
    let releases = select::needles(&[select::Role::FluxRelease]);
    let (stream, found) = read::scan(input, &[&documents, &releases], select::may_be_kind)?;
    let mut found = found.into_iter();
    let candidates = found.next().unwrap_or_default();
    Ok((stream, candidates, found.next().unwrap_or_default()))
}

/// The select stage alone: split `input` and parse the documents the kind
/// table recognises, in stream order.
pub fn select(input: &[u8]) -> Result<(read::Stream<'_>, Vec<Selected>)> {
    let (stream, candidates, _) = scan(input)?;
    let selected: Vec<Option<Selected>> = candidates
        .iter()
        .map(|&i| document::select_one(&stream, i))
        .collect::<Result<_>>()?;
    Ok((stream, selected.into_iter().flatten().collect()))
}

/// Run the plan over a whole manifest stream.
pub fn render<'a>(plan: &Plan, input: &'a [u8]) -> Result<Rendered<'a>> {
    render_with(plan, input, Outputs::default().keeping(plan.keep_format))
}

/// As `render`, also keeping each patched resource's redacted before/after
/// text for `kof-route diff`.
pub fn render_for_review<'a>(plan: &Plan, input: &'a [u8]) -> Result<Rendered<'a>> {
    render_with(plan, input, Outputs::REVIEW.keeping(plan.keep_format))
}

/// As `render`, also turning each patched resource's edits into a kustomize patch.
pub fn render_for_export<'a>(plan: &Plan, input: &'a [u8]) -> Result<Rendered<'a>> {
    render_with(plan, input, Outputs::PATCHES)
}

/// As `render`, with the given extra outputs (`Outputs::TREE`: every patched
/// document written from its tree, the reference for the in-place writer).
pub fn render_with<'a>(plan: &Plan, input: &'a [u8], outputs: Outputs) -> Result<Rendered<'a>> {
    let (stream, candidates, releases_maybe) = scan(input)?;
    let routed = candidates
        .iter()
        .map(|&i| document::route(&plan.spec, &stream, i, outputs));
    let mut out = Rendered::new(plan.spec.warnings.clone());
    let (mut errors, mut collectors) = (Vec::new(), 0);
    for r in routed {
        let Some(r) = r? else { continue };
        collectors += usize::from(r.collector);
        errors.extend(r.errors.iter().cloned());
        out.add(r);
    }
    // No collector: the stream may be the `kof` umbrella, which names them.
    let mut releases = 0;
    if collectors > 0 {
        umbrella::refuse_mixed(&stream, &releases_maybe)?;
    } else {
        let export = |render: &[u8]| Ok(render_for_export(plan, render)?.patches);
        for r in umbrella::route(plan, &stream, input, &export, outputs.review)? {
            releases += 1;
            out.add(r);
        }
    }
    if !errors.is_empty() {
        bail!(
            "the {} route leaves collectors inconsistent:\n  {}",
            plan.route.name,
            errors.join("\n  ")
        );
    }
    if collectors == 0 && releases == 0 && !plan.allow_missing {
        bail!(
            "no OpenTelemetryCollector in the input ({} documents), and no kof-collectors or \
             kof-child HelmRelease of the kof umbrella; is this the kof-collectors or the kof \
             release? Pass --allow-missing to accept it",
            stream.docs.len()
        );
    }
    Ok(out.with_stream(stream))
}
