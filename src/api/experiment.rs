//! The experiment step of a canary (`steps[].experiment`, `experiment_types.go`): the
//! ReplicaSets an Experiment runs beside the rollout, how long, and the analyses it starts.

use std::collections::BTreeMap;

use super::analysis::RolloutAnalysis;

/// An experiment step.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentStep {
    /// `templates`: the ReplicaSets to run, names unique.
    pub templates: Vec<ExperimentTemplate>,
    /// How long the experiment runs once every template is available; `None`: until its
    /// required analyses complete, or indefinitely.
    pub duration: Option<ExperimentDuration>,
    /// `analyses`: the AnalysisRuns the experiment starts once its templates are available.
    pub analyses: Vec<ExperimentAnalysis>,
    /// `scaleDownDelaySeconds`: how long the templates' ReplicaSets keep their pods once the
    /// experiment is over (the Experiment's default of 30 s when unset). An int32 upstream
    /// with no minimum: a negative delay puts the deadline in the past.
    pub scale_down_delay_seconds: Option<i32>,
}

/// `duration`, a Go duration string.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentDuration {
    /// The length, in milliseconds.
    pub millis: u64,
    /// As written.
    pub text: String,
}

/// Which ReplicaSet's pod template an experiment template copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecRef {
    /// `specRef: stable`: the stable ReplicaSet's template.
    Stable,
    /// `specRef: canary`: the Rollout's current template (the new revision).
    Canary,
}

/// One ReplicaSet of the experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentTemplate {
    /// `name`: the ReplicaSet is `<experiment>-<name>`.
    pub name: String,
    /// `specRef`: the pod template it copies.
    pub spec_ref: SpecRef,
    /// Pods of the ReplicaSet (default 1).
    pub replicas: u32,
    /// Added to the copied pod template (and to its selector).
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`: added to the copied pod template.
    pub annotations: BTreeMap<String, String>,
    /// Replaces the copied ReplicaSet's selector.
    pub selector: Option<BTreeMap<String, String>>,
    /// Share of the traffic the router sends to it (traffic routing only).
    pub weight: Option<u32>,
    /// Whether the experiment creates a Service for it (`service:` or `weight:` set), and the
    /// Service's name when given.
    pub service: Option<Option<String>>,
}

/// An analysis the experiment runs. Its `analysis` holds the one template reference, the
/// arguments and the step's `dryRun`, so that runs are built exactly as a rollout's are.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentAnalysis {
    /// `name`: the run is named `<experiment>-<name>`.
    pub name: String,
    /// `requiredForCompletion`: the experiment ends once every such analysis succeeded.
    pub required_for_completion: bool,
    /// The template reference, arguments and dry-run rules, shaped as a rollout's analysis.
    pub analysis: RolloutAnalysis,
}

impl ExperimentStep {
    /// The template named `name`, if the step has one.
    pub fn template(&self, name: &str) -> Option<&ExperimentTemplate> {
        self.templates.iter().find(|t| t.name == name)
    }
}
