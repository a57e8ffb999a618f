//! Umbrella stage, kof-child (KOF 1.10+): the management cluster's route as
//! kof-child's own switch in its HelmRelease's values.
//!
//! It builds edits of `spec.values` and refuses what the switch cannot do
//! faithfully: a kof-child without the switch, values of the release that
//! would override the route, a second collectors install. It reads no route
//! by name (`Route::kof_child` says what a route becomes) and writes nothing.

use super::release::{Release, minor};
use crate::cli::plan::Plan;
use crate::edit::{Draft, Edit, join, path};
use crate::kof::{self, COLLECTORS_CHART};
use crate::names::escape;
use crate::routes::KofChild;
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// The kof-child version that first has the `fromManagement` switch.
const SWITCH_SINCE: (u64, u64) = (1, 10);

/// kof-child's values that its chart merges into the management cluster's
/// kof-collectors values after the switch's own (mergeOverwrite in kof-child
/// 1.10.0's MultiClusterService template), so they win over the route.
const MERGED_AFTER_THE_ROUTE: [&[&str]; 2] = [&["fromManagement", "collectors"], &["collectors"]];

fn has_switch(child: &Release<'_>) -> bool {
    minor(child.chart.version.as_deref()).is_some_and(|v| v >= SWITCH_SINCE)
}

/// Whether kof-child's switch, as its values set it, installs collectors on
/// the management cluster (the chart's defaults leave it off).
fn switched_on(child: &Release<'_>) -> Option<String> {
    let at = |p: &[&str]| p.iter().try_fold(child.values, |v, k| v.get(k));
    if at(kof::CHILD_TO_MANAGEMENT) == Some(&json!(true)) {
        return Some(kof::CHILD_TO_MANAGEMENT.join(".") + ": true");
    }
    let regional = at(kof::CHILD_TO_REGIONAL).and_then(Value::as_str);
    regional
        .filter(|n| !n.is_empty())
        .map(|n| format!("{}: {}", kof::CHILD_TO_REGIONAL.join("."), escape(n)))
}

/// A kof-collectors HelmRelease is routed: a kof-child whose switch also
/// installs kof-collectors on the management cluster would make a second,
/// unrouted install.
pub(crate) fn refuse_second_install(children: &[Release<'_>]) -> Result<()> {
    for child in children.iter().filter(|c| has_switch(c)) {
        if let Some(set) = switched_on(child) {
            bail!(
                "{}: its values set {set}, so kof-child's MultiClusterService installs a second \
                 {COLLECTORS_CHART} on the management cluster besides the kof-collectors \
                 HelmRelease kof-route routes, and that one is not routed. Use one of the two: \
                 unset the switch (kof-child: fromManagement.toManagementCluster.enabled: false, \
                 fromManagement.toRegionalCluster.name: \"\"), or remove kof-collectors from \
                 global.components and let kof-route set the switch",
                child.sel.id
            );
        }
    }
    Ok(())
}

/// Refusals before the switch is set: no switch in this kof-child, or
/// values that kof-child merges over the route's.
fn refuse_unfaithful(plan: &Plan, child: &Release<'_>) -> Result<()> {
    let id = &child.sel.id;
    if !has_switch(child) {
        bail!(
            "{id}: installs kof-child {}, which has no fromManagement switch (it first exists in \
             kof-child 1.10.0), and this kof umbrella installs no {COLLECTORS_CHART} release, so \
             nothing would route the management cluster. Enable kof-collectors in the umbrella's \
             values (KOF 1.9: `kof-collectors: {{enabled: true}}`; KOF 1.10+: add kof-collectors \
             to global.components) and run kof-route again, or upgrade to KOF 1.10+ (--route {})",
            escape(child.chart.version.as_deref().unwrap_or("(no version)")),
            plan.route.name
        );
    }
    for at in MERGED_AFTER_THE_ROUTE {
        let values = at.iter().try_fold(child.values, |v, k| v.get(k));
        if let Some(shaping) = values.and_then(super::shaping_value) {
            bail!(
                "{id}: its values set {}.{shaping}, which kof-child merges into the management \
                 cluster's kof-collectors values after the switch's own, so they can re-point \
                 what the route sets. Remove them, or add kof-collectors to the umbrella's \
                 global.components (kof-route then routes that release from its real render)",
                at.join(".")
            );
        }
    }
    Ok(())
}

/// kof-child's switch for the plan's route, with the settings it carries.
pub(crate) fn switch(plan: &Plan, child: &Release<'_>) -> Result<(Vec<Edit>, Vec<String>)> {
    let id = &child.sel.id;
    if let Some(f) = &plan.spec.fanout {
        bail!(
            "{}",
            crate::fanout::child_switch_refusal(&id.to_string(), f)
        );
    }
    let regional = match plan.route.kof_child {
        KofChild::ToManagement => false,
        KofChild::ToRegional => true,
        KofChild::NotCarried => bail!(
            "{id}: this kof umbrella installs no {COLLECTORS_CHART} release, and kof-child's \
             switch cannot send the management cluster's data to --route {}. Add kof-collectors \
             to the umbrella's components in your values file:\n  global:\n    components: \
             [kof-operators, kof-mothership, kof-regional, kof-child, kof-collectors]\n\
             then run helm with kof-route again",
            plan.route.name
        ),
    };
    refuse_unfaithful(plan, child)?;
    let carries = |f: &str| kof::CHILD_CARRIES.iter().any(|(c, _)| *c == f);
    let refused: Vec<String> = plan
        .given
        .iter()
        .filter(|f| !(carries(f) || regional && **f == "regional-domain"))
        .map(|f| format!("--{f}"))
        .collect();
    if !refused.is_empty() {
        bail!(
            "{id}: kof-child's switch (fromManagement in its values) cannot carry {}; remove {}, \
             or add kof-collectors to the umbrella's global.components to route it with every option",
            refused.join(", "),
            if refused.len() == 1 { "it" } else { "them" }
        );
    }
    let values = path(&["spec", "values"]);
    let mut d = Draft::new(child.sel.index, &child.sel.value, Vec::new());
    let to_mgmt = join(&values, kof::CHILD_TO_MANAGEMENT);
    let to_regional = join(&values, kof::CHILD_TO_REGIONAL);
    let mut warnings = Vec::new();
    if regional {
        if !plan.carried.iter().any(|(f, _)| *f == "regional-cluster") {
            bail!(
                "{id}: --regional-cluster is required: kof-child's switch names the regional cluster"
            );
        }
        if d.get(&to_mgmt) == Some(&json!(true)) {
            d.set(&to_mgmt, json!(false));
        }
        if plan.given.contains(&"regional-domain") {
            warnings.push(format!(
                "{id}: kof-child reads the regional domain from the regional cluster's \
                 k0rdent.mirantis.com/kof-regional-domain annotation; --regional-domain is not written"
            ));
        }
    } else {
        d.set(&to_mgmt, json!(true));
        if d.get(&to_regional)
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty())
        {
            d.set(&to_regional, json!(""));
        }
    }
    for (flag, at) in kof::CHILD_CARRIES {
        if let Some((_, value)) = plan.carried.iter().find(|(f, _)| *f == flag) {
            d.set(&join(&values, at), json!(value));
        }
    }
    warnings.push(format!(
        "{id}: kof-child also merges the management cluster's \
         k0rdent.mirantis.com/kof-collectors-values annotation into kof-collectors' values, \
         which kof-route cannot see; keep exporters out of it"
    ));
    Ok((d.edits, warnings))
}
