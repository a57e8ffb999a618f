//! Fan-out, stage 1 (data): the recovery kernel, what the second store gets.
//!
//! The default kernel is a data file (`data/kernel.yaml`), read at build
//! time; `--kernel FILE` extends or replaces it. A kernel is validated once
//! into lists of OTTL keep-conditions per signal, and becomes the filter
//! processors' settings (`filter`). Conditions are checked for what the
//! collector's config loader would change or refuse (a `$`, a line break, a
//! control character, unbalanced quotes or brackets), never parsed as OTTL.
//! Nothing here reads a collector.

use crate::names::{Checked, UsageError, usage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::Path;

/// The default kernel, as shipped.
pub const DEFAULT: &str = include_str!("../../data/kernel.yaml");

/// One kept kind of record.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(
        default,
        rename = "carried-by",
        skip_serializing_if = "Option::is_none"
    )]
    pub carried_by: Option<String>,
    /// The OTTL condition that keeps a record; `{NS}` is the KCM namespace.
    pub keep: String,
    /// Text the chart's render must hold for `keep` to see anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
}

/// A kernel file.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Kernel {
    /// `default`: these items are added to the default kernel; `none`: they replace it.
    #[serde(default = "default_extends")]
    pub extends: String,
    #[serde(
        default,
        rename = "kcm-namespace",
        skip_serializing_if = "Option::is_none"
    )]
    pub kcm_namespace: Option<String>,
    #[serde(default)]
    pub logs: Vec<Item>,
    #[serde(default)]
    pub metrics: Vec<Item>,
}

fn default_extends() -> String {
    "default".into()
}

impl Kernel {
    /// The default kernel.
    pub fn default_kernel() -> Kernel {
        parse(DEFAULT, "the default kernel").expect("data/kernel.yaml is a valid kernel")
    }

    /// The effective kernel: the default, or `file` on top of it.
    pub fn load(file: Option<&Path>) -> Checked<Kernel> {
        let Some(path) = file else {
            return Ok(Kernel::default_kernel());
        };
        let at = format!("--kernel {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("{at}: {e}")))?;
        let mine = parse(&text, &at)?;
        Ok(match mine.extends.as_str() {
            "none" => mine,
            _ => {
                let mut k = Kernel::default_kernel();
                k.logs.extend(mine.logs);
                k.metrics.extend(mine.metrics);
                k.kcm_namespace = mine.kcm_namespace.or(k.kcm_namespace);
                k
            }
        })
    }

    /// The items of `signal`.
    pub fn items(&self, signal: &str) -> &[Item] {
        match signal {
            "logs" => &self.logs,
            _ => &self.metrics,
        }
    }

    fn namespace(&self) -> &str {
        self.kcm_namespace.as_deref().unwrap_or("kcm-system")
    }

    /// The filter processor's settings for `signal`: drop what no item keeps.
    /// `None` when the kernel keeps nothing of that signal.
    pub fn filter(&self, signal: &str) -> Option<Value> {
        let items = self.items(signal);
        if items.is_empty() {
            return None;
        }
        let kept: Vec<String> = items
            .iter()
            .map(|i| format!("({})", i.keep.replace("{NS}", self.namespace())))
            .collect();
        let drop = format!("not ({})", kept.join(" or "));
        // `ignore`: a condition that errors never fails the pipeline (its
        // error would reach the primary through the forward connector).
        Some(match signal {
            "logs" => json!({"error_mode": "ignore", "logs": {"log_record": [drop]}}),
            _ => json!({"error_mode": "ignore", "metrics": {"datapoint": [drop]}}),
        })
    }

    /// The kernel as a file `--kernel` reads back (`extends: none`).
    pub fn to_yaml(&self) -> String {
        let mut whole = self.clone();
        whole.extends = "none".into();
        whole.kcm_namespace = Some(self.namespace().to_string());
        let value = serde_json::to_value(&whole).unwrap_or(Value::Null);
        crate::yaml::emit(&value)
    }

    /// Each item's `needs` that `render` lacks: (item id, missing text).
    pub fn missing_in(&self, render: &str) -> Vec<(String, String)> {
        let items = self.logs.iter().chain(&self.metrics);
        let mut out = Vec::new();
        for (n, item) in items.enumerate() {
            for need in &item.needs {
                if !render.contains(need.as_str()) {
                    let id = item.id.clone().unwrap_or_else(|| format!("item {}", n + 1));
                    out.push((id, need.clone()));
                }
            }
        }
        out
    }
}

/// `kof-route kernel [--kernel FILE] [RENDER]`: print the effective kernel;
/// with a render, warn by name about each item the render cannot feed (exit 1).
pub fn command(render: Option<&Path>, file: Option<&Path>) -> anyhow::Result<u8> {
    let kernel = Kernel::load(file)?;
    let mut code = 0;
    if let Some(path) = render {
        let text = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&text);
        for (id, need) in kernel.missing_in(&text) {
            crate::log::say(&format!(
                "kof-route: warning: kernel item {}: the render has no {:?}, so it will keep nothing",
                crate::names::escape(&id),
                crate::names::escape(&need)
            ));
            code = 1;
        }
    }
    use std::io::Write;
    std::io::stdout().write_all(kernel.to_yaml().as_bytes())?;
    Ok(code)
}

fn parse(text: &str, at: &str) -> Checked<Kernel> {
    let k: Kernel = crate::yaml::parse_typed(text).map_err(|e| UsageError(format!("{at}: {e}")))?;
    if k.extends != "default" && k.extends != "none" {
        return usage(format!(
            "{at}: extends: {:?} is not default or none",
            crate::names::escape(&k.extends)
        ));
    }
    if let Some(ns) = &k.kcm_namespace {
        crate::names::label_name("kernel kcm-namespace", ns)?;
    }
    for (signal, items) in [("logs", &k.logs), ("metrics", &k.metrics)] {
        for (n, item) in items.iter().enumerate() {
            let id = item.id.clone().unwrap_or_else(|| format!("{}", n + 1));
            if let Some(why) = condition_problem(&item.keep) {
                return usage(format!(
                    "{at}: {signal} item {}: keep {why}",
                    crate::names::escape(&id)
                ));
            }
        }
    }
    Ok(k)
}

/// Why the collector would not read `cond` as written, if it would not.
fn condition_problem(cond: &str) -> Option<&'static str> {
    if cond.trim().is_empty() {
        return Some("is empty");
    }
    if cond.contains('$') {
        return Some("contains '$', which the collector's config loader expands");
    }
    if cond.chars().any(char::is_control) {
        return Some("contains a line break or control character");
    }
    let mut depth = [0i32; 2];
    let mut in_string = false;
    let mut escaped = false;
    for c in cond.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            (false, _, '(') => depth[0] += 1,
            (false, _, ')') => depth[0] -= 1,
            (false, _, '[') => depth[1] += 1,
            (false, _, ']') => depth[1] -= 1,
            _ => {}
        }
        if depth.iter().any(|d| *d < 0) {
            return Some("closes a bracket it did not open");
        }
    }
    match (in_string, depth) {
        (true, _) => Some("has an unterminated string"),
        (_, [0, 0]) => None,
        _ => Some("leaves a bracket open"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_kernel_reads_and_keeps_both_signals() {
        let k = Kernel::default_kernel();
        let ids: Vec<&str> = k
            .logs
            .iter()
            .chain(&k.metrics)
            .filter_map(|i| i.id.as_deref())
            .collect();
        assert_eq!(
            ids,
            [
                "L1", "L2", "L3", "L4", "L5", "M1", "M2", "M3", "M4", "M5", "M6"
            ]
        );
        let logs = k.filter("logs").unwrap();
        let drop = logs["logs"]["log_record"][0].as_str().unwrap();
        assert!(drop.starts_with("not ((attributes[\"event.type\"] == \"Warning\") or ("));
        assert!(
            drop.contains("== \"kcm-system\""),
            "{{NS}} is written: {drop}"
        );
        assert!(!drop.contains("{NS}"));
        let metrics = k.filter("metrics").unwrap();
        assert!(
            metrics["metrics"]["datapoint"][0]
                .as_str()
                .unwrap()
                .contains("\"^k8s\\\\.node\\\\.condition\"")
        );
    }

    #[test]
    fn printed_kernel_reads_back_the_same() {
        let k = Kernel::default_kernel();
        let again = parse(&k.to_yaml(), "printed").unwrap();
        assert_eq!(again.logs, k.logs);
        assert_eq!(again.metrics, k.metrics);
        assert_eq!(again.kcm_namespace.as_deref(), Some("kcm-system"));
    }

    #[test]
    fn refuses_conditions_the_loader_would_change() {
        let cases = [
            ("keep: 'body == \"${env:X}\"'", "contains '$'"),
            ("keep: \"a == 1\\nor b\"", "line break"),
            ("keep: 'IsMatch(body, \"x\"'", "leaves a bracket open"),
            ("keep: 'body == \"x'", "unterminated string"),
            ("keep: 'a)('", "closes a bracket"),
            ("keep: ' '", "is empty"),
        ];
        for (item, want) in cases {
            let text = format!("logs:\n- {item}\n");
            let err = parse(&text, "f").unwrap_err().0;
            assert!(err.contains(want), "{item}: {err}");
        }
        assert!(
            parse("logs:\n- keep: 'IsMatch(body, \"(\")'\n", "f").is_ok(),
            "brackets in strings"
        );
        assert!(
            parse("extends: some\n", "f")
                .unwrap_err()
                .0
                .contains("not default or none")
        );
    }

    #[test]
    fn extends_default_adds_and_none_replaces() {
        let dir = std::env::temp_dir().join(format!("kof-kernel-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let add = dir.join("add.yaml");
        std::fs::write(
            &add,
            "kcm-namespace: kcm\nlogs:\n- {id: X, keep: 'body == \"x\"'}\n",
        )
        .unwrap();
        let k = Kernel::load(Some(&add)).unwrap();
        assert_eq!(k.logs.len(), 6);
        assert!(
            k.filter("logs")
                .unwrap()
                .to_string()
                .contains("== \\\"kcm\\\"")
        );
        let only = dir.join("only.yaml");
        std::fs::write(
            &only,
            "extends: none\nmetrics:\n- keep: metric.name == \"up\"\n",
        )
        .unwrap();
        let k = Kernel::load(Some(&only)).unwrap();
        assert!(k.filter("logs").is_none());
        assert_eq!(
            k.filter("metrics").unwrap()["metrics"]["datapoint"][0],
            "not ((metric.name == \"up\"))"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
