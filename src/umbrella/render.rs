//! Umbrella stage, checking a kof-collectors render before its patches are
//! used for a HelmRelease, and streams that mix the two modes.
//!
//! A render patches are taken from must be a kof-collectors render (not the
//! umbrella, which would route itself again without end) of the same Helm
//! release name and namespace Flux will install, or the patches' targets
//! would match nothing. This module reads; it edits nothing.

use super::release::Release;
use crate::document::{self, Selected};
use crate::names::escape;
use crate::read::{self, Stream};
use crate::select::{self, Role};
use anyhow::{Result, bail};
use serde_json::Value;

/// The kof umbrella's HelmReleases among the documents of `stream`.
fn releases(stream: &Stream<'_>, input: &[u8]) -> Result<Vec<Selected>> {
    let needles = select::needles(&[Role::FluxRelease]);
    let mut out = Vec::new();
    for i in read::find(stream, input, &needles, select::may_be_kind) {
        out.extend(document::select_one(stream, i)?);
    }
    Ok(out
        .into_iter()
        .filter(|s| s.kind.role == Role::FluxRelease)
        .collect())
}

/// A stream with collectors is routed as a render; a HelmRelease in it as
/// well would be left as it is, so such a stream is refused. `maybe` are the
/// documents the main scan found may be one (the kind's bytes, or an escape
/// that could spell them, and a kind line that does not rule it out): the
/// stream is searched once for both, not a second time here.
pub(crate) fn refuse_mixed(stream: &Stream<'_>, maybe: &[usize]) -> Result<()> {
    for &i in maybe {
        let Some(r) = document::select_one(stream, i)? else {
            continue;
        };
        if r.kind.role == Role::FluxRelease {
            bail!(
                "{}: this stream holds collectors (a kof-collectors render) and a Flux \
                 HelmRelease (the kof umbrella), and kof-route routes one or the other; run it \
                 on each separately: on the kof-collectors render, and as the kof umbrella's \
                 post-renderer",
                r.id
            );
        }
    }
    Ok(())
}

fn label<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.pointer(&format!("/metadata/labels/{}", key.replace('/', "~1")))
        .and_then(Value::as_str)
}

/// The patches of a kof-collectors `render` for release `r`, refused when the
/// render is not of what Flux will install for `r`.
pub(crate) fn patches(
    r: &Release<'_>,
    render: &[u8],
    export: &dyn Fn(&[u8]) -> Result<Vec<Value>>,
) -> Result<Vec<Value>> {
    let stream = read::split(render);
    if let Some(u) = releases(&stream, render)?.first() {
        bail!(
            "{}: this is the kof umbrella, not a kof-collectors render; pass the output of \
             helm template {} <kof-collectors chart> -n {} -f values.yaml",
            u.id,
            escape(&r.name),
            escape(&r.namespace)
        );
    }
    let (_, selected) = crate::select(render)?;
    if selected.is_empty() {
        bail!(
            "it holds no OpenTelemetryCollector or OpenCost Deployment: not a kof-collectors render"
        );
    }
    for s in &selected {
        let ns = s
            .value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        let instance = label(&s.value, "app.kubernetes.io/instance");
        if ns.is_some_and(|n| n != r.namespace) || instance.is_some_and(|i| i != r.name) {
            bail!(
                "{}: rendered as Helm release {} in namespace {}, and {} installs release {} in \
                 namespace {}; render it with: helm template {} <chart> -n {} -f values.yaml",
                s.id,
                escape(instance.unwrap_or("?")),
                escape(ns.unwrap_or("?")),
                r.sel.id,
                escape(&r.name),
                escape(&r.namespace),
                escape(&r.name),
                escape(&r.namespace)
            );
        }
    }
    export(render)
}
