//! Fan-out, validation stage: `--fanout exporter-file`, the kernel's one
//! exporter declared in a file of the `--exporter-file` schema (exporters,
//! pipelines, env), read and validated by `routes::third_party`, so the same
//! secret-literal refusals hold. On top: exactly one exporter, named
//! `<type>/kof-kernel[-x]` (the reserved name that makes it replaceable and
//! removable), of a type whose non-blocking queue kof-route writes, used by
//! logs and/or metrics only. It reads the file and nothing else.

use super::kinds::QUEUED_TYPES;
use super::owned;
use crate::exporter_file::SecretEnv;
use crate::exporter_file::ThirdParty;
use crate::names::{Checked, UsageError, usage};
use serde_json::Value;
use std::path::Path;

/// The declared exporter: name, settings, the signals it carries, its env.
pub struct Declared {
    pub name: String,
    pub definition: Value,
    pub signals: Vec<&'static str>,
    pub env: Vec<SecretEnv>,
}

pub fn load(path: &Path) -> Checked<Declared> {
    let at = format!("--fanout-exporter-file {}", path.display());
    let tp = ThirdParty::load(path).map_err(|e| {
        let old = format!("--exporter-file {}", path.display());
        UsageError(e.0.replacen(&old, &at, 1))
    })?;
    let mut exporters = tp.exporters.iter();
    let (Some((name, def)), None) = (exporters.next(), exporters.next()) else {
        return usage(format!(
            "{at}: declare exactly one exporter (v1 supports one second destination)"
        ));
    };
    if !owned(name) {
        return usage(format!(
            "{at}: exporters.{}: name it <type>/kof-kernel or <type>/kof-kernel-<x> (the reserved \
             name lets a later run replace or remove it)",
            crate::names::escape(name)
        ));
    }
    let ty = name.split('/').next().unwrap_or_default();
    if !QUEUED_TYPES.contains(&ty) {
        return usage(format!(
            "{at}: exporters.{}: type {ty:?} is not one whose bounded, non-blocking queue kof-route \
             writes ({}); a destination without one could slow the primary",
            crate::names::escape(name),
            QUEUED_TYPES.join(", ")
        ));
    }
    if !tp.pipelines.traces.is_empty() {
        return usage(format!("{at}: pipelines.traces: the kernel has no traces"));
    }
    // The fan-out removes what it wrote on a later run: its env by name.
    if let Some(e) = tp.env.iter().find(|e| !e.name.starts_with("KOF_KERNEL_")) {
        return usage(format!(
            "{at}: env {}: name the kernel's variables KOF_KERNEL_* (the reserved names a later \
             run replaces or removes)",
            crate::names::escape(&e.name)
        ));
    }
    let signals = ["logs", "metrics"]
        .into_iter()
        .filter(|s| tp.pipelines.of(s).contains(name))
        .collect();
    Ok(Declared {
        name: name.clone(),
        definition: def.clone(),
        signals,
        env: tp.env.clone(),
    })
}
