//! The serde mirror of a scenario file (SCENARIO.md §1). Polymorphic places (script items,
//! `wait`, durations) are read from the positioned tree by `scenario::load`; everything else
//! goes through these structs so that unknown keys are reported with suggestions.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::api::IntOrString;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Scenario {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) seed: Option<u64>,
    pub(crate) start: Option<String>,
    pub(crate) timeout: Option<IntOrString>,
    pub(crate) manifests: Option<Vec<String>>,
    /// Read from the tree (documents keep their positions).
    pub(crate) objects: Option<IgnoredAny>,
    pub(crate) cluster: Option<Cluster>,
    pub(crate) apps: Option<Vec<App>>,
    pub(crate) traffic: Option<Traffic>,
    pub(crate) metrics: Option<BTreeMap<String, MetricModel>>,
    /// Read from the tree (each item is a one-key mapping of its own shape).
    pub(crate) script: Option<IgnoredAny>,
    pub(crate) invariants: Option<Vec<Invariant>>,
    pub(crate) expect: Option<RawExpectation>,
    pub(crate) auto_promote: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Cluster {
    pub(crate) controller_delay: Option<IntOrString>,
    // Wide, so that a count out of its range gets one message naming the range.
    pub(crate) nodes: Option<i128>,
    pub(crate) pods_per_node: Option<i128>,
    pub(crate) node_monitor_grace_period: Option<IntOrString>,
    pub(crate) unreachable_toleration_seconds: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct App {
    pub(crate) image: Option<String>,
    pub(crate) startup: Option<IntOrString>,
    pub(crate) terminate: Option<IntOrString>,
    pub(crate) error_rate: Option<f64>,
    pub(crate) latency: Option<IntOrString>,
    pub(crate) ready: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Traffic {
    pub(crate) rps: Option<f64>,
    pub(crate) tick: Option<IntOrString>,
    /// Fraction of all requests that match each managed route's rules.
    pub(crate) managed_routes: Option<BTreeMap<String, f64>>,
}

/// Where the measurements of one metric come from. Exactly one key is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct MetricModel {
    /// A role (`canary`), or `{role, window}`.
    pub(crate) success_rate: Option<serde_json::Value>,
    pub(crate) error_rate: Option<serde_json::Value>,
    pub(crate) latency: Option<LatencyModel>,
    /// Read as the condition language's values, so that `.nan` and `.inf` stay numbers.
    pub(crate) value: Option<crate::analysis::expr::Value>,
    pub(crate) values: Option<Vec<crate::analysis::expr::Value>>,
    pub(crate) normal: Option<NormalModel>,
    pub(crate) error: Option<bool>,
    pub(crate) job: Option<JobModel>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LatencyModel {
    pub(crate) role: Option<String>,
    pub(crate) quantile: Option<f64>,
    pub(crate) window: Option<IntOrString>,
    pub(crate) minus: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct NormalModel {
    pub(crate) mean: Option<f64>,
    pub(crate) stddev: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct JobModel {
    pub(crate) duration: Option<IntOrString>,
    pub(crate) phase: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Invariant {
    pub(crate) min_available: Option<u32>,
    pub(crate) max_pods: Option<u32>,
}

/// A condition (SCENARIO.md §2): every key given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RawExpectation {
    pub(crate) phase: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) step: Option<u32>,
    pub(crate) set_weight: Option<u32>,
    pub(crate) actual_weight: Option<u32>,
    pub(crate) aborted: Option<bool>,
    pub(crate) paused: Option<bool>,
    pub(crate) revision: Option<u64>,
    pub(crate) completion_status: Option<String>,
    pub(crate) duration: Option<DurationCond>,
    pub(crate) images: Option<RoleImages>,
    pub(crate) replicas: Option<ReplicaCounts>,
    pub(crate) pods: Option<RoleCounts>,
    pub(crate) ready_pods: Option<RoleCounts>,
    pub(crate) replica_sets: Option<ReplicaSetCounts>,
    pub(crate) analysis: Option<BTreeMap<String, String>>,
    pub(crate) experiment: Option<BTreeMap<String, String>>,
    pub(crate) weights: Option<RouterWeights>,
    pub(crate) routes: Option<Vec<String>>,
    pub(crate) requests: Option<BTreeMap<String, CountRange>>,
    pub(crate) failed_requests: Option<BTreeMap<String, CountRange>>,
    pub(crate) mirrored_requests: Option<BTreeMap<String, CountRange>>,
    pub(crate) elapsed: Option<Elapsed>,
    pub(crate) not: Option<Box<RawExpectation>>,
}

/// `weights:`: the router's weights (`status.canary.weights`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RouterWeights {
    pub(crate) canary: Option<i32>,
    pub(crate) stable: Option<i32>,
    pub(crate) experiment: Option<i32>,
}

/// `{min: N, max: N}` (either may be left out).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct CountRange {
    pub(crate) min: Option<u64>,
    pub(crate) max: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RoleImages {
    pub(crate) stable: Option<String>,
    pub(crate) canary: Option<String>,
    pub(crate) active: Option<String>,
    pub(crate) preview: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ReplicaCounts {
    pub(crate) desired: Option<u32>,
    pub(crate) current: Option<u32>,
    pub(crate) updated: Option<u32>,
    pub(crate) ready: Option<u32>,
    pub(crate) available: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RoleCounts {
    pub(crate) stable: Option<u32>,
    pub(crate) canary: Option<u32>,
    pub(crate) active: Option<u32>,
    pub(crate) preview: Option<u32>,
    pub(crate) experiment: Option<u32>,
    pub(crate) total: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ReplicaSetCounts {
    pub(crate) total: Option<u32>,
    pub(crate) scaled_up: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Elapsed {
    pub(crate) max: Option<IntOrString>,
    pub(crate) min: Option<IntOrString>,
}

/// `duration:`: the timing of the current update attempt (`status.duration`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct DurationCond {
    /// `Promoted`, ..., or `none` (the outcome is not known yet).
    pub(crate) completion_status: Option<String>,
    /// `finishedAt` is set.
    pub(crate) finished: Option<bool>,
    /// A manual pause is being timed now (`manualPauseStartedAt` is set).
    pub(crate) manually_paused: Option<bool>,
    /// `rolloutStartedAt`, in virtual time since the scenario started.
    pub(crate) started_at: Option<Elapsed>,
    /// `finishedAt`, the same way.
    pub(crate) finished_at: Option<Elapsed>,
    /// `totalManualPauseDurationSeconds` (absent counts as 0).
    pub(crate) total_manual_pause: Option<Elapsed>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SetImage {
    pub(crate) container: Option<String>,
    pub(crate) image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Promote {
    pub(crate) full: Option<bool>,
}

/// Actions that take no arguments are written `abort: {}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Empty {}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Restart {
    #[serde(rename = "in")]
    pub(crate) in_: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Undo {
    // Wide: a number below 1 (or beyond kubectl's int64) gets one message of ours rather
    // than the range of the type it is read into.
    pub(crate) to_revision: Option<i128>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct PodFault {
    pub(crate) role: Option<String>,
    pub(crate) name: Option<String>,
    // Wide, so that a count out of its range gets one message naming the range.
    pub(crate) count: Option<i128>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct FailNode {
    pub(crate) name: Option<String>,
    pub(crate) not_ready_after: Option<IntOrString>,
    pub(crate) evict_after: Option<IntOrString>,
}
