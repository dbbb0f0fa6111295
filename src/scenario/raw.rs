//! The serde mirror of a scenario file (SCENARIO.md §1). Polymorphic places (script items,
//! `wait`, durations) are read from the positioned tree by `scenario::load`; everything else
//! goes through these structs so that unknown keys are reported with suggestions.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::manifest::IntOrString;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Scenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub start: Option<String>,
    pub timeout: Option<IntOrString>,
    pub manifests: Option<Vec<String>>,
    /// Read from the tree (documents keep their positions).
    pub objects: Option<IgnoredAny>,
    pub cluster: Option<Cluster>,
    pub apps: Option<Vec<App>>,
    pub traffic: Option<Traffic>,
    pub metrics: Option<BTreeMap<String, MetricModel>>,
    /// Read from the tree (each item is a one-key mapping of its own shape).
    pub script: Option<IgnoredAny>,
    pub invariants: Option<Vec<Invariant>>,
    pub expect: Option<Condition>,
    pub auto_promote: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    pub controller_delay: Option<IntOrString>,
    pub nodes: Option<u32>,
    pub pods_per_node: Option<u32>,
    pub node_monitor_grace_period: Option<IntOrString>,
    pub unreachable_toleration_seconds: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct App {
    pub image: Option<String>,
    pub startup: Option<IntOrString>,
    pub terminate: Option<IntOrString>,
    pub error_rate: Option<f64>,
    pub latency: Option<IntOrString>,
    pub ready: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Traffic {
    pub rps: Option<f64>,
    pub tick: Option<IntOrString>,
    /// Fraction of all requests that match each managed route's rules.
    pub managed_routes: Option<BTreeMap<String, f64>>,
}

/// Where the measurements of one metric come from. Exactly one key is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricModel {
    /// A role (`canary`), or `{role, window}`.
    pub success_rate: Option<serde_json::Value>,
    pub error_rate: Option<serde_json::Value>,
    pub latency: Option<LatencyModel>,
    pub value: Option<serde_json::Value>,
    pub values: Option<Vec<serde_json::Value>>,
    pub normal: Option<NormalModel>,
    pub error: Option<bool>,
    pub job: Option<JobModel>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LatencyModel {
    pub role: Option<String>,
    pub quantile: Option<f64>,
    pub window: Option<IntOrString>,
    pub minus: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NormalModel {
    pub mean: Option<f64>,
    pub stddev: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobModel {
    pub duration: Option<IntOrString>,
    pub phase: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Invariant {
    pub min_available: Option<u32>,
    pub max_pods: Option<u32>,
}

/// A condition (SCENARIO.md §2): every key given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    pub phase: Option<String>,
    pub message: Option<String>,
    pub step: Option<u32>,
    pub set_weight: Option<u32>,
    pub actual_weight: Option<u32>,
    pub aborted: Option<bool>,
    pub paused: Option<bool>,
    pub revision: Option<u64>,
    pub completion_status: Option<String>,
    pub duration: Option<DurationCond>,
    pub images: Option<RoleImages>,
    pub replicas: Option<ReplicaCounts>,
    pub pods: Option<RoleCounts>,
    pub ready_pods: Option<RoleCounts>,
    pub replica_sets: Option<ReplicaSetCounts>,
    pub analysis: Option<BTreeMap<String, String>>,
    pub experiment: Option<BTreeMap<String, String>>,
    pub weights: Option<RouterWeights>,
    pub routes: Option<Vec<String>>,
    pub requests: Option<BTreeMap<String, CountRange>>,
    pub failed_requests: Option<BTreeMap<String, CountRange>>,
    pub mirrored_requests: Option<BTreeMap<String, CountRange>>,
    pub elapsed: Option<Elapsed>,
    pub not: Option<Box<Condition>>,
}

/// `weights:`: the router's weights (`status.canary.weights`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RouterWeights {
    pub canary: Option<i32>,
    pub stable: Option<i32>,
    pub experiment: Option<i32>,
}

/// `{min: N, max: N}` (either may be left out).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CountRange {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleImages {
    pub stable: Option<String>,
    pub canary: Option<String>,
    pub active: Option<String>,
    pub preview: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaCounts {
    pub desired: Option<u32>,
    pub current: Option<u32>,
    pub updated: Option<u32>,
    pub ready: Option<u32>,
    pub available: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleCounts {
    pub stable: Option<u32>,
    pub canary: Option<u32>,
    pub active: Option<u32>,
    pub preview: Option<u32>,
    pub experiment: Option<u32>,
    pub total: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSetCounts {
    pub total: Option<u32>,
    pub scaled_up: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Elapsed {
    pub max: Option<IntOrString>,
    pub min: Option<IntOrString>,
}

/// `duration:`: the timing of the current update attempt (`status.duration`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DurationCond {
    /// `Promoted`, ..., or `none` (the outcome is not known yet).
    pub completion_status: Option<String>,
    /// `finishedAt` is set.
    pub finished: Option<bool>,
    /// A manual pause is being timed now (`manualPauseStartedAt` is set).
    pub manually_paused: Option<bool>,
    /// `rolloutStartedAt`, in virtual time since the scenario started.
    pub started_at: Option<Elapsed>,
    /// `finishedAt`, the same way.
    pub finished_at: Option<Elapsed>,
    /// `totalManualPauseDurationSeconds` (absent counts as 0).
    pub total_manual_pause: Option<Elapsed>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetImage {
    pub container: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Promote {
    pub full: Option<bool>,
}

/// Actions that take no arguments are written `abort: {}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Empty {}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Restart {
    #[serde(rename = "in")]
    pub in_: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Undo {
    pub to_revision: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFault {
    pub role: Option<String>,
    pub name: Option<String>,
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FailNode {
    pub name: Option<String>,
    pub not_ready_after: Option<IntOrString>,
    pub evict_after: Option<IntOrString>,
}
