//! The AnalysisRun object: what a run measures (its spec, arguments resolved) and what it has
//! measured so far (its status: one result per metric, with counters and the last
//! measurements), with the phase vocabulary Argo uses.

use smol_str::SmolStr;
use std::fmt;

use crate::engine::SimTime;

use super::metric::Metric;
use super::spec::RunSpec;

/// `AnalysisPhase`, in Argo's order of badness (`IsWorse`): later is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AnalysisPhase {
    /// Created, not yet reconciled (a run's or metric's phase before its first measurement).
    #[default]
    Pending,
    /// Measuring: a run with metrics still to take, or a job measurement still in progress.
    Running,
    /// Completed with every counting metric within its limits.
    Successful,
    /// Completed without a verdict: more measurements than `inconclusiveLimit` met neither
    /// the success nor the failure condition; a rollout pauses on it.
    Inconclusive,
    /// Completed because a provider or condition kept erroring (`consecutiveErrorLimit`), or
    /// the run could not be built (an unresolved argument).
    Error,
    /// Completed with a metric over its `failureLimit`; a rollout aborts on it.
    Failed,
}

impl AnalysisPhase {
    /// Argo's `Completed()`: the phase is final (the run or metric takes no more measurements).
    pub fn completed(self) -> bool {
        matches!(
            self,
            AnalysisPhase::Successful
                | AnalysisPhase::Inconclusive
                | AnalysisPhase::Error
                | AnalysisPhase::Failed
        )
    }

    /// The word Argo writes in `status.phase` and in events.
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

    /// The phase written as `s` (exact case, as in `status.phase`); `None` for any other word.
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
    /// `strategy.canary.analysis`: runs alongside the steps (from `startingStep`, if set).
    Background,
    /// `strategy.blueGreen.prePromotionAnalysis`: gates the switch of the active service.
    PrePromotion,
    /// `strategy.blueGreen.postPromotionAnalysis`: runs after the switch, before the scale-down.
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
    /// The measurement's outcome; `Running` while an asynchronous one (a job) is in progress.
    pub phase: AnalysisPhase,
    /// Virtual time the measurement was taken or started (`startedAt`).
    pub started_at: SimTime,
    /// Virtual time it completed (`finishedAt`); `None` while it is still running.
    pub finished_at: Option<SimTime>,
    /// The value as Argo prints it (`[0.97]`, `1`); empty for a job or an error.
    pub value: String,
    /// Why the measurement errored (the provider's or the condition's error); empty otherwise.
    pub message: String,
    /// An asynchronous measurement (a job) is resumed then.
    pub resume_at: Option<SimTime>,
}

/// The status of one metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricResult {
    /// The metric's `name`, which the result is looked up by.
    pub name: String,
    /// The metric's verdict so far; final once it is `completed()`.
    pub phase: AnalysisPhase,
    /// The last measurements (ten by default, `measurementRetention` otherwise).
    pub measurements: Vec<Measurement>,
    /// `count`: measurements completed without error (what a metric's `count` limits).
    pub count: u32,
    /// `successful`: measurements whose `successCondition` held (or `failureCondition` did not).
    pub successful: u32,
    /// `failed`: measurements judged failed, compared with `failureLimit`.
    pub failed: u32,
    /// `inconclusive`: measurements neither condition decided, compared with
    /// `inconclusiveLimit`.
    pub inconclusive: u32,
    /// `error`: measurements that errored, in total.
    pub error: u32,
    /// `consecutiveError`: errors in a row, compared with `consecutiveErrorLimit`; any other
    /// outcome resets it.
    pub consecutive_error: u32,
    /// `consecutiveSuccess`: successes in a row, compared with `consecutiveSuccessLimit`.
    pub consecutive_success: u32,
    /// `dryRun`: the metric is listed in the run's `dryRun`, so its failures only report.
    pub dry_run: bool,
    /// Why the metric ended as it did: the last measurement's message, or for a dry-run metric
    /// the verdict it would have given.
    pub message: String,
    /// Measurements ever started (the measurement list is trimmed; scripted metric models
    /// count on this).
    pub taken: u32,
}

/// `status` of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalysisRunStatus {
    /// `status.phase`: once every metric is done, the worst phase among those not in dry-run.
    pub phase: AnalysisPhase,
    /// `status.message`: why the run ended as it did (the metric that decided, or
    /// `Run Terminated`).
    pub message: String,
    /// `status.startedAt`: virtual time of the first reconcile; initial delays count from it.
    pub started_at: Option<SimTime>,
    /// Virtual time the run reached a completed phase.
    pub completed_at: Option<SimTime>,
    /// `status.metricResults`: one entry per metric, in the order measuring began.
    pub metric_results: Vec<MetricResult>,
}

/// A resolved argument value (a Secret's value included).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgValue {
    /// The argument's name, as placeholders write it (`{{args.NAME}}`).
    pub name: String,
    /// The text substituted for the placeholder.
    pub value: String,
}

/// An AnalysisRun.
#[derive(Debug, Clone)]
pub struct AnalysisRun {
    /// `metadata.name`: `<rollout>-<hash>-<revision>[-<infix>]`, made unique with a `.N` suffix.
    pub name: SmolStr,
    /// Which part of the strategy started the run (its `rollout-type` label).
    pub kind: RunKind,
    /// `rollouts-pod-template-hash` of the ReplicaSet it analyses.
    pub pod_hash: SmolStr,
    /// The rollout revision that created the run (its `rollout.argoproj.io/revision`).
    pub revision: u64,
    /// The templates' metrics and arguments merged, before substitution.
    pub spec: RunSpec,
    /// The metrics with their arguments substituted, or why that failed (the run then ends
    /// in Error at its first reconcile, as Argo's does).
    pub metrics: Result<Vec<Metric>, String>,
    /// `spec.args`: every argument resolved to its value, substituted into the metrics.
    pub args: Vec<ArgValue>,
    /// `spec.terminate`: the rollout asked the run to stop.
    pub terminate: bool,
    /// Virtual time the run was created (`metadata.creationTimestamp`).
    pub created: SimTime,
    /// What the run has measured and decided so far.
    pub status: AnalysisRunStatus,
}

impl AnalysisRun {
    /// The run's `status.phase`.
    pub fn phase(&self) -> AnalysisPhase {
        self.status.phase
    }

    /// The status of the metric named `metric`; `None` until it has been measured once.
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
