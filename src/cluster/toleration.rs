//! How long a pod stays on a node that carries a `NoExecute` taint: Kubernetes' taint-based
//! eviction, for the one taint the simulation puts on nodes, `node.kubernetes.io/unreachable`
//! (a failed node, once the node lifecycle controller notices).
//!
//! Two pieces of Kubernetes decide it, and both read the pod's own `spec.tolerations`:
//!
//! - the `DefaultTolerationSeconds` admission plugin gives a pod a toleration of that taint
//!   for `--default-unreachable-toleration-seconds` (300 s; the scenario's
//!   `cluster.unreachableTolerationSeconds`) only when none of its tolerations names the taint
//!   key (or an empty key) with the `NoExecute` effect (or an empty effect);
//! - the taint eviction controller (`processPodOnNode`) takes the first toleration that
//!   tolerates the taint: none evicts at once, one without `tolerationSeconds` keeps the pod
//!   for ever, zero or negative seconds evict at once, otherwise after that many seconds.

use crate::api::raw::Toleration;
use crate::engine::SimDuration;

/// The taint a node gets when its kubelet stops reporting.
pub const TAINT_NODE_UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// When a pod on a node tainted unreachable is evicted, counted from the taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEviction {
    /// Its template has no toleration of the taint: admission's default applies.
    Default,
    /// At once: not tolerated, or tolerated for zero (or negative) seconds.
    Now,
    /// After its own `tolerationSeconds`.
    After(SimDuration),
    /// Never: tolerated without `tolerationSeconds`.
    Never,
}

/// `Toleration.ToleratesTaint` for the unreachable taint (key set, no value, `NoExecute`).
fn tolerates_unreachable(t: &Toleration) -> bool {
    let effect = t.effect.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != "NoExecute" {
        return false;
    }
    let key = t.key.as_deref().unwrap_or_default();
    if !key.is_empty() && key != TAINT_NODE_UNREACHABLE {
        return false;
    }
    match t.operator.as_deref().unwrap_or_default() {
        // The taint has no value.
        "" | "Equal" => t.value.as_deref().unwrap_or_default().is_empty(),
        "Exists" => true,
        _ => false,
    }
}

/// Whether the admission plugin counts `t` as a toleration of the unreachable taint: by key
/// and effect only, whatever its operator and value.
fn admission_counts(t: &Toleration) -> bool {
    let key = t.key.as_deref().unwrap_or_default();
    let effect = t.effect.as_deref().unwrap_or_default();
    (key.is_empty() || key == TAINT_NODE_UNREACHABLE)
        && (effect.is_empty() || effect == "NoExecute")
}

/// When a pod with these template tolerations is evicted from an unreachable node.
pub fn unreachable_eviction(tolerations: &[Toleration]) -> TaintEviction {
    if !tolerations.iter().any(admission_counts) {
        return TaintEviction::Default;
    }
    match tolerations.iter().find(|t| tolerates_unreachable(t)) {
        None => TaintEviction::Now,
        Some(t) => match t.toleration_seconds {
            None => TaintEviction::Never,
            Some(s) if s <= 0 => TaintEviction::Now,
            Some(s) => {
                TaintEviction::After(SimDuration::from_secs(u64::try_from(s).unwrap_or(u64::MAX)))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(key: &str, operator: &str, value: &str, effect: &str, secs: Option<i64>) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            operator: opt(operator),
            value: opt(value),
            effect: opt(effect),
            toleration_seconds: secs,
        }
    }

    #[test]
    fn unreachable_eviction_as_admission_and_the_taint_manager_decide() {
        const U: &str = TAINT_NODE_UNREACHABLE;
        // (tolerations, eviction, rule)
        let rows = [
            (
                vec![],
                TaintEviction::Default,
                "none: admission adds the default",
            ),
            (
                vec![tol("gpu", "Exists", "", "NoSchedule", None)],
                TaintEviction::Default,
                "another taint's toleration: the default is added too",
            ),
            (
                vec![tol(
                    "node.kubernetes.io/not-ready",
                    "Exists",
                    "",
                    "NoExecute",
                    Some(30),
                )],
                TaintEviction::Default,
                "not-ready is another taint: unreachable keeps the default",
            ),
            (
                vec![tol(U, "Exists", "", "NoExecute", Some(30))],
                TaintEviction::After(SimDuration::from_secs(30)),
                "its own seconds",
            ),
            (
                vec![tol(U, "Exists", "", "NoExecute", None)],
                TaintEviction::Never,
                "no seconds: for ever",
            ),
            (
                vec![tol(U, "Exists", "", "", Some(45))],
                TaintEviction::After(SimDuration::from_secs(45)),
                "an empty effect matches NoExecute",
            ),
            (
                vec![tol("", "Exists", "", "", None)],
                TaintEviction::Never,
                "empty key with Exists tolerates every taint",
            ),
            (
                vec![tol(U, "Exists", "", "NoExecute", Some(0))],
                TaintEviction::Now,
                "zero seconds: at once",
            ),
            (
                vec![tol(U, "Exists", "", "NoExecute", Some(-5))],
                TaintEviction::Now,
                "negative seconds: at once",
            ),
            (
                vec![tol(U, "Equal", "", "NoExecute", Some(60))],
                TaintEviction::After(SimDuration::from_secs(60)),
                "Equal with no value matches the taint's empty value",
            ),
            (
                vec![tol(U, "Equal", "x", "NoExecute", Some(60))],
                TaintEviction::Now,
                "counted by admission, but its value does not match: not tolerated",
            ),
            (
                vec![
                    tol(U, "Exists", "", "NoExecute", Some(120)),
                    tol(U, "Exists", "", "NoExecute", Some(10)),
                ],
                TaintEviction::After(SimDuration::from_secs(120)),
                "the first toleration that matches decides",
            ),
        ];
        for (tolerations, want, rule) in rows {
            assert_eq!(unreachable_eviction(&tolerations), want, "{rule}");
        }
    }
}
