//! Fan-out: keep the route, and stream a recovery kernel of the management
//! cluster's telemetry to a second store (issue 29).
//!
//! Validation stage, below `routes` (whose spec holds a `FanoutSpec`) and
//! `cli`: `args` is the flags as plain data, `plan` turns them into one
//! checked `FanoutSpec` (destination from the `kinds` table, kernel from
//! `kernel`, credentials as Secret references only), and `cli::plan` puts it
//! beside the route's spec. `edit::fanout` drafts it into each collector as
//! ordinary edits, `check::fanout` holds the isolation rules. This module
//! imports none of `cli`, `routes`, `edit` or `check` (they import it), reads
//! no manifest and writes no edit; every component it names carries the
//! reserved `kof-kernel` name.

use crate::exporter_file::SecretEnv;
use serde_json::Value;

mod args;
mod file;
pub mod kernel;
pub mod kinds;
mod plan;

pub use args::FanoutArgs;
use kinds::Kind;
pub use plan::plan;

/// The reserved name of everything the fan-out adds.
pub const OWNED: &str = "kof-kernel";

/// Whether a component (`type/name`), pipeline, volume or env var is the fan-out's.
pub fn owned(name: &str) -> bool {
    let tail = name.split_once('/').map_or(name, |(_, n)| n);
    tail == OWNED || tail.starts_with("kof-kernel-")
}

/// The validated fan-out.
#[derive(Debug, Clone, PartialEq)]
pub struct FanoutSpec {
    pub kind: &'static Kind,
    /// `<type>/kof-kernel`.
    pub exporter: String,
    /// The exporter's settings, before the queue and the per-collector prefix.
    pub definition: Value,
    /// s3: `--fanout-prefix`, or `None` for `<cluster-name>/<collector>`.
    pub prefix: Option<String>,
    /// Per signal the destination carries and the kernel keeps: the filter's settings.
    pub filters: Vec<(&'static str, Value)>,
    pub extensions: Vec<(String, Value)>,
    pub env: Vec<SecretEnv>,
    pub cluster_name: String,
    pub cluster_namespace: String,
    /// Queue on the node's disk (a hostPath per collector) rather than in memory.
    pub disk: bool,
    pub queue_size: u32,
}

pub(crate) const AWS_ENV: [&str; 2] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

/// Why a `kof` umbrella without kof-collectors cannot carry a fan-out, and the fix.
pub fn child_switch_refusal(id: &str, f: &FanoutSpec) -> String {
    format!(
        "{id}: this kof umbrella installs no kof-collectors release, and kof-child's switch \
         cannot fork the management cluster's data to --fanout {}. Add kof-collectors to the \
         umbrella's components in your values file:\n  global:\n    components: \
         [kof-operators, kof-mothership, kof-regional, kof-child, kof-collectors]\n\
         then run helm with kof-route again",
        f.kind.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_names() {
        for n in [
            "forward/kof-kernel-logs",
            "awss3/kof-kernel",
            "logs/kof-kernel",
            "kof-kernel-queue",
            "batch/kof-kernel",
        ] {
            assert!(owned(n), "{n}");
        }
        for n in [
            "otlphttp/logs",
            "kof-kernelx",
            "batch",
            "logs/default",
            "x/kof-kernels",
        ] {
            assert!(!owned(n), "{n}");
        }
    }
}
