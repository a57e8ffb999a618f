//! Umbrella stage, rendering: a kof-collectors HelmRelease rendered as Flux's
//! helm-controller will render it, for the releases kof-route's models do not
//! describe.
//!
//! `helm template` of the release's chart at its version (`charts`), under
//! the Helm release name and namespace Flux gives it (`release`), with its
//! `spec.values`. Refuses what such a render would not show: a post-renderer
//! of the user's that touches the collectors. Edits nothing.

use super::charts::{self, DEFAULT_REPO, Scratch};
use super::release::Release;
use crate::cli::plan::Plan;
use crate::names::escape;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::process::{Command, Stdio};

/// The kinds the routes patch: a post-renderer that may touch one of them
/// would change what kof-route's render shows.
const ROUTED_KINDS: [&str; 2] = ["OpenTelemetryCollector", "Deployment"];

/// Whether a post-renderer entry (not kof-route's, marked `mark`) may touch a
/// routed kind: a patch aimed at one, at any kind, or naming one in its text.
fn touches_collectors(entry: &Value, mark: &str) -> bool {
    let patches = entry
        .pointer("/kustomize/patches")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    patches.iter().any(|p| {
        let text = p.get("patch").and_then(Value::as_str).unwrap_or_default();
        let kind = p.pointer("/target/kind").and_then(Value::as_str);
        !text.starts_with(mark)
            && match kind {
                Some(k) => ROUTED_KINDS.contains(&k),
                None => p.get("target").is_some() || ROUTED_KINDS.iter().any(|k| text.contains(k)),
            }
    })
}

/// Refuse a release whose own post-renderers touch the collectors.
pub(crate) fn refuse_user_post_renderers(r: &Release<'_>, mark: &str) -> Result<()> {
    let entries = r.sel.value.pointer("/spec/postRenderers");
    let list = entries
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if let Some(i) = list.iter().position(|e| touches_collectors(e, mark)) {
        bail!(
            "{}: its spec.postRenderers[{i}] (not kof-route's) patches the collectors or \
             OpenCost, and kof-route would route a render without it; remove it, or render \
             the chart with it applied and pass --collectors-render",
            r.sel.id
        );
    }
    Ok(())
}

/// The render of `r` by Helm, as Flux will make it.
pub(crate) fn render(plan: &Plan, r: &Release<'_>) -> Result<Vec<u8>> {
    let Some(version) = r.chart.version.as_deref() else {
        bail!("its chart names no version, which Flux would take the latest of; pin one");
    };
    let helm = charts::helm()?;
    let source = plan
        .chart_repo
        .as_deref()
        .or(r.chart.repo.as_deref())
        .unwrap_or(DEFAULT_REPO);
    let archive = charts::archive(&helm, source, &r.chart.name, version)?;
    let scratch = Scratch::new(&std::env::temp_dir())?;
    let values = scratch.0.join("values.yaml");
    std::fs::write(&values, crate::yaml::emit(r.values))
        .with_context(|| format!("writing {}", values.display()))?;
    let out = Command::new(&helm)
        .args(["template", &r.name])
        .arg(&archive)
        .args(["--namespace", &r.namespace, "--values"])
        .arg(&values)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", helm.display()))?;
    if !out.status.success() {
        bail!(
            "helm template {} {} failed: {}",
            escape(&r.name),
            archive.display(),
            escape(String::from_utf8_lossy(&out.stderr).trim())
        );
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn post_renderers_that_may_touch_the_collectors() {
        let mark = "# ours\n";
        let cases = [
            (
                json!({"kustomize": {"patches": [{"target": {"kind": "OpenTelemetryCollector"}, "patch": "[]"}]}}),
                true,
            ),
            (
                json!({"kustomize": {"patches": [{"target": {"name": "x"}, "patch": "[]"}]}}),
                true,
            ),
            (
                json!({"kustomize": {"patches": [{"patch": "kind: Deployment\n"}]}}),
                true,
            ),
            (
                json!({"kustomize": {"patches": [{"target": {"kind": "Service"}, "patch": "[]"}]}}),
                false,
            ),
            (
                json!({"kustomize": {"images": [{"name": "x", "newTag": "1"}]}}),
                false,
            ),
            (
                json!({"kustomize": {"patches": [{"patch": "# ours\nkind: Deployment\n"}]}}),
                false,
            ),
        ];
        for (entry, touches) in cases {
            assert_eq!(touches_collectors(&entry, mark), touches, "{entry}");
        }
    }
}
