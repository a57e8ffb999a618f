//! kof-route: a Helm post-renderer that routes a kof-collectors release's data.
//!
//! The whole pipeline as one function over bytes, so tests, benchmarks and the
//! fuzzer call it without a process:
//!
//! ```text
//! stdin ─► stream::split ─► resource (select) ─► collector / opencost (edit) ─► check ─► stream::rewrite ─► stdout
//! ```
//!
//! Nothing is written unless the whole stream succeeds: `render` returns the
//! complete output or an error, never a part.

pub mod app;
pub mod check;
pub mod cli;
pub mod collector;
pub mod edit;
pub mod exporters;
pub mod names;
pub mod opencost;
pub mod plan;
pub mod redact;
pub mod report;
pub mod resource;
pub mod routes;
pub mod stream;
pub mod yaml;

use anyhow::{Result, anyhow, bail};
use check::{Problem, Severity};
use edit::Change;
use plan::Plan;
use resource::{DocId, Kind};
use serde_json::Value;
use stream::{Doc, Stream};

/// The result of a successful run. The output stream is written from the
/// input's own bytes plus the patched documents, so it is never held twice.
#[derive(Debug)]
pub struct Rendered<'a> {
    stream: Stream<'a>,
    /// Problems that do not stop the release, one line each.
    pub warnings: Vec<String>,
    /// What was changed, per document.
    pub changes: Vec<(DocId, Change)>,
    /// Each patched document's bytes before and after.
    pub patched: Vec<Patched>,
}

/// A document the route changed.
#[derive(Debug)]
pub struct Patched {
    /// 0-based position in the stream.
    pub index: usize,
    pub id: DocId,
    /// The document's new bytes.
    pub after: Vec<u8>,
    /// With `render_for_review`: the resource before and after, as YAML with
    /// every possibly secret value hidden (`redact`), for showing to a person.
    pub review: Option<(String, String)>,
}

/// One selected resource of the stream, parsed.
pub struct Selected {
    pub index: usize,
    pub id: DocId,
    pub kind: Kind,
    pub value: Value,
}

/// Refuse bytes no YAML reader accepts, naming the document and line.
fn check_bytes(stream: &Stream<'_>, body: &[u8]) -> Result<()> {
    let bad = match std::str::from_utf8(body) {
        Err(e) => Some((e.valid_up_to(), "is not valid UTF-8")),
        Ok(_) => memchr::memchr(0, body).map(|at| (at, "contains a NUL byte")),
    };
    let Some((at, what)) = bad else {
        return Ok(());
    };
    let idx = stream.docs.partition_point(|d| d.offset <= at) - 1;
    let doc = &stream.docs[idx];
    let line = doc.line + memchr::memchr_iter(b'\n', &doc.raw[..at - doc.offset]).count();
    bail!(
        "{}: input {what} at line {line}",
        DocId::guess(idx + 1, doc)
    )
}

/// Split `input`, refuse bytes no YAML reader accepts, and find the candidates.
fn scan(input: &[u8]) -> Result<(Stream<'_>, Vec<usize>)> {
    let stream = stream::split(input);
    let body = &input[stream.bom.len()..];
    check_bytes(&stream, body)?;
    let mut candidates = stream::candidates(&stream, body, &resource::NEEDLES);
    candidates.retain(|&i| resource::may_be_routable(stream.docs[i].raw));
    Ok((stream, candidates))
}

/// Parse candidate `idx`; `None` when it is neither a collector nor OpenCost.
fn select_one(stream: &Stream<'_>, idx: usize) -> Result<Option<Selected>> {
    let doc: &Doc<'_> = &stream.docs[idx];
    let value = resource::parse(idx + 1, doc)?;
    if let Some(kind) = resource::listed(&value) {
        bail!(
            "{}: holds {kind} in its items, which kof-route cannot route inside a List; \
             render it as a document of its own",
            DocId::of(idx + 1, doc.line, &value)
        );
    }
    Ok(resource::classify(&value).map(|kind| Selected {
        index: idx,
        id: DocId::of(idx + 1, doc.line, &value),
        kind,
        value,
    }))
}

/// Split `input` and parse the documents that may be collectors or OpenCost.
/// Returns the stream and the selected resources, in stream order.
pub fn select(input: &[u8]) -> Result<(Stream<'_>, Vec<Selected>)> {
    let (stream, candidates) = scan(input)?;
    let parsed = parallel_map(
        &candidates,
        |i| stream.docs[i].raw.len(),
        |i| select_one(&stream, i),
    );
    let mut selected = Vec::new();
    for sel in parsed {
        selected.extend(sel?);
    }
    Ok((stream, selected))
}

/// Below this much candidate input, threads cost more than they save: a
/// real chart's few collectors are routed on the calling thread.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Run `f` over `items` on as many threads as the machine has (largest
/// documents first, for balance), or on this thread when the work is
/// small; results come back in `items` order.
fn parallel_map<R: Send>(
    items: &[usize],
    weight: impl Fn(usize) -> usize,
    f: impl Fn(usize) -> R + Sync,
) -> Vec<R> {
    let total: usize = items.iter().map(|&i| weight(i)).sum();
    let threads = if total < PARALLEL_MIN_BYTES {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len())
    };
    if threads <= 1 {
        return items.iter().map(|&i| f(i)).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(weight(items[k])));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&k) = order.get(n) else { break mine };
            mine.push((k, f(items[k])));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| std::thread::Builder::new().spawn_scoped(scope, work))
            .collect();
        let mut done = Vec::with_capacity(items.len());
        for worker in workers {
            match worker {
                Ok(handle) => done.extend(
                    handle
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                ),
                // No thread to be had: do the rest here rather than fail.
                Err(_) => done.extend(work()),
            }
        }
        done
    });
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Problems of a selected collector; a config that cannot be read is one error.
pub fn problems(sel: &Selected) -> Vec<Problem> {
    match collector::config_of(&sel.value) {
        Ok(config) => check::collector(&sel.value, &config),
        Err(e) => vec![Problem {
            severity: Severity::Error,
            message: e.to_string(),
        }],
    }
}

/// Sort a patched collector's problems: new errors fail the run; warnings, and
/// errors the input already had that the route did not touch, are reported.
fn judge(
    id: &DocId,
    before: &[Problem],
    after: Vec<Problem>,
    errors: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for p in after {
        let known = before.contains(&p);
        match p.severity {
            Severity::Error if known => {
                warnings.push(format!("{id}: {} (already in the input)", p.message))
            }
            Severity::Error => errors.push(format!("{id}: {}", p.message)),
            Severity::Warning => warnings.push(format!("{id}: {}", p.message)),
        }
    }
}

/// What routing one selected document produced.
struct Routed {
    index: usize,
    id: DocId,
    collector: bool,
    changes: Vec<Change>,
    /// The document's new bytes, when it changed.
    after: Option<Vec<u8>>,
    review: Option<(String, String)>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// Parse, patch, check and re-emit candidate `idx`.
fn route_one(
    route: &routes::RouteSpec,
    stream: &Stream<'_>,
    idx: usize,
    review: bool,
) -> Result<Option<Routed>> {
    let Some(mut sel) = select_one(stream, idx)? else {
        return Ok(None);
    };
    let original = review.then(|| redact::redact(&sel.value));
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let collector = matches!(sel.kind, Kind::Collector { .. });
    let changes = if collector {
        let changes = collector::patch(&mut sel.value, route);
        let after = problems(&sel);
        // Errors the input already had are excused: only then is the
        // document read again, as it was, to find them.
        let before = match after.iter().any(|p| p.severity == Severity::Error) {
            true => select_one(stream, idx)?.map_or_else(Vec::new, |orig| problems(&orig)),
            false => Vec::new(),
        };
        judge(&sel.id, &before, after, &mut errors, &mut warnings);
        changes
    } else {
        match &route.opencost {
            Some(spec) => opencost::patch(&mut sel.value, spec),
            None => Ok(Vec::new()),
        }
    }
    .map_err(|e| anyhow!("{}: {e:#}", sel.id))?;
    let changed = !changes.is_empty();
    let after = changed.then(|| stream::rewrite(&stream.docs[idx], &yaml::emit(&sel.value)));
    let review = original
        .filter(|_| changed)
        .map(|before| (yaml::emit(&before), yaml::emit(&redact::redact(&sel.value))));
    Ok(Some(Routed {
        index: idx,
        id: sel.id,
        collector,
        changes,
        after,
        review,
        errors,
        warnings,
    }))
}

/// Run the plan over a whole manifest stream.
pub fn render<'a>(plan: &Plan, input: &'a [u8]) -> Result<Rendered<'a>> {
    render_with(plan, input, false)
}

/// As `render`, also keeping each patched resource's redacted before/after
/// text for `kof-route diff`.
pub fn render_for_review<'a>(plan: &Plan, input: &'a [u8]) -> Result<Rendered<'a>> {
    render_with(plan, input, true)
}

fn render_with<'a>(plan: &Plan, input: &'a [u8], review: bool) -> Result<Rendered<'a>> {
    let route = routes::spec(plan);
    let (stream, candidates) = scan(input)?;
    let routed = parallel_map(
        &candidates,
        |i| stream.docs[i].raw.len(),
        |i| route_one(&route, &stream, i, review),
    );
    let mut out = Rendered {
        stream: Stream {
            bom: &[],
            docs: Vec::new(),
        },
        warnings: route.warnings.clone(),
        changes: Vec::new(),
        patched: Vec::new(),
    };
    let (mut errors, mut collectors) = (Vec::new(), 0);
    for r in routed {
        let Some(r) = r? else { continue };
        collectors += usize::from(r.collector);
        errors.extend(r.errors);
        out.warnings.extend(r.warnings);
        out.changes
            .extend(r.changes.into_iter().map(|c| (r.id.clone(), c)));
        if let Some(after) = r.after {
            out.patched.push(Patched {
                index: r.index,
                id: r.id,
                after,
                review: r.review,
            });
        }
    }
    if !errors.is_empty() {
        bail!(
            "the {} route leaves collectors inconsistent:\n  {}",
            plan::route_name(plan.route),
            errors.join("\n  ")
        );
    }
    if collectors == 0 && !plan.allow_missing {
        bail!(
            "no OpenTelemetryCollector in the input ({} documents); is this the kof-collectors release? \
             Pass --allow-missing to accept it",
            stream.docs.len()
        );
    }
    out.stream = stream;
    Ok(out)
}
impl Rendered<'_> {
    fn pieces(&self) -> impl Iterator<Item = &[u8]> {
        let replaced: Vec<(usize, &[u8])> = self
            .patched
            .iter()
            .map(|p| (p.index, p.after.as_slice()))
            .collect();
        stream::join(&self.stream, replaced)
    }

    /// Write the whole output stream.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        self.pieces().try_for_each(|piece| w.write_all(piece))
    }

    /// The whole output stream, as one buffer.
    pub fn output(&self) -> Vec<u8> {
        self.pieces().flat_map(|p| p.iter().copied()).collect()
    }
}
