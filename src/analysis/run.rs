//! The AnalysisRun object: what a run measures (its spec, arguments resolved) and what it has
//! measured so far (its status: one result per metric, with counters and the last
//! measurements), with the phase vocabulary Argo uses.

use std::fmt;

use crate::engine::SimTime;

use super::metric::Metric;
use super::spec::RunSpec;

/// `AnalysisPhase`, in Argo's order of badness (`IsWorse`): later is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AnalysisPhase {
    #[default]
    Pending,
    Running,
    Successful,
    Inconclusive,
    Error,
    Failed,
}

impl AnalysisPhase {
    pub fn completed(self) -> bool {
        matches!(
            self,
            AnalysisPhase::Successful
                | AnalysisPhase::Inconclusive
                | AnalysisPhase::Error
                | AnalysisPhase::Failed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisPhase::Pending => "Pending",
            AnalysisPhase::Running => "Running",
            AnalysisPhase::Successful => "Successful",
            AnalysisPhase::Inconclusive => "Inconclusive",
            AnalysisPhase::Error => "Error",
            AnalysisPhase::Failed => "Failed",
        }
    }

    pub fn parse(s: &str) -> Option<AnalysisPhase> {
        [
            AnalysisPhase::Pending,
            AnalysisPhase::Running,
            AnalysisPhase::Successful,
            AnalysisPhase::Inconclusive,
            AnalysisPhase::Error,
            AnalysisPhase::Failed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

impl fmt::Display for AnalysisPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the rollout runs the analysis (the `rollout-type` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// An analysis step, with its index.
    Step(u32),
    Background,
    PrePromotion,
    PostPromotion,
    /// An analysis of an Experiment: the Experiment owns the run, not the rollout.
    Experiment,
}

impl RunKind {
    /// The label value, which is also the word Argo's events use.
    pub fn label(self) -> &'static str {
        match self {
            RunKind::Step(_) => "Step",
            RunKind::Background => "Background",
            RunKind::PrePromotion => "PrePromotion",
            RunKind::PostPromotion => "PostPromotion",
            RunKind::Experiment => "Experiment",
        }
    }

    /// The suffix of the run's name after `<rollout>-<hash>-<revision>`.
    pub fn infix(self) -> Option<String> {
        match self {
            RunKind::Step(i) => Some(i.to_string()),
            RunKind::Background => None,
            RunKind::PrePromotion => Some("pre".into()),
            RunKind::PostPromotion => Some("post".into()),
            // Named by the Experiment: `<experiment>-<analysis>`.
            RunKind::Experiment => None,
        }
    }
}

/// One measurement of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub phase: AnalysisPhase,
    pub started_at: SimTime,
    pub finished_at: Option<SimTime>,
    /// The value as Argo prints it (`[0.97]`, `1`); empty for a job or an error.
    pub value: String,
    pub message: String,
    /// An asynchronous measurement (a job) is resumed then.
    pub resume_at: Option<SimTime>,
}

/// The status of one metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricResult {
    pub name: String,
    pub phase: AnalysisPhase,
    /// The last measurements (ten by default, `measurementRetention` otherwise).
    pub measurements: Vec<Measurement>,
    pub count: u32,
    pub successful: u32,
    pub failed: u32,
    pub inconclusive: u32,
    pub error: u32,
    pub consecutive_error: u32,
    pub consecutive_success: u32,
    pub dry_run: bool,
    pub message: String,
    /// Measurements ever started (the measurement list is trimmed; scripted metric models
    /// count on this).
    pub taken: u32,
}

/// `status` of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunStatus {
    pub phase: AnalysisPhase,
    pub message: String,
    pub started_at: Option<SimTime>,
    pub completed_at: Option<SimTime>,
    pub metric_results: Vec<MetricResult>,
}

/// A resolved argument value (a Secret's value included).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgValue {
    pub name: String,
    pub value: String,
}

/// An AnalysisRun.
#[derive(Debug, Clone)]
pub struct AnalysisRun {
    pub name: String,
    pub kind: RunKind,
    /// `rollouts-pod-template-hash` of the ReplicaSet it analyses.
    pub pod_hash: String,
    pub revision: u64,
    pub spec: RunSpec,
    /// The metrics with their arguments substituted, or why that failed (the run then ends
    /// in Error at its first reconcile, as Argo's does).
    pub metrics: Result<Vec<Metric>, String>,
    pub args: Vec<ArgValue>,
    /// `spec.terminate`: the rollout asked the run to stop.
    pub terminate: bool,
    pub created: SimTime,
    pub status: RunStatus,
}

impl AnalysisRun {
    pub fn phase(&self) -> AnalysisPhase {
        self.status.phase
    }

    pub fn result(&self, metric: &str) -> Option<&MetricResult> {
        self.status.metric_results.iter().find(|r| r.name == metric)
    }

    /// `IsTerminating`: asked to stop, or a metric that counts already ended badly (Argo
    /// looks at the results in order and lets the first bad one decide, dry-run or not).
    pub fn is_terminating(&self) -> bool {
        if self.terminate {
            return true;
        }
        for r in &self.status.metric_results {
            if matches!(
                r.phase,
                AnalysisPhase::Failed | AnalysisPhase::Error | AnalysisPhase::Inconclusive
            ) {
                return !r.dry_run;
            }
        }
        false
    }
}

/// The name a new run gets (`CreateWithCollisionCounter`): `base`, or when that is already
/// taken `base.1`, `base.2`, ...
pub fn unique_run_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = base.to_string();
    let mut collision = 1;
    while taken(&name) {
        name = format!("{base}.{collision}");
        collision += 1;
    }
    name
}
