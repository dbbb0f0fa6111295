//! The journal: every thing that happens in a run, in order, as typed entries. The timeline,
//! `events.jsonl`, test reports and summaries are all functions of it.
//!
//! An entry's `events.jsonl` fields are derived from its type (serde): the field names, their
//! order and the fields left out are the attributes below, so that a new field cannot be
//! forgotten by the log; the helpers they name are in `ser`. `output::jsonl` writes the lines.

use serde::Serialize;

use crate::api::Step;
use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::rollout::Phase;
use crate::rollout::status::DegradedReason;

pub(crate) mod ser;

/// One entry of the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub t: SimTime,
    pub kind: EntryKind,
}

/// The rollout's status as `kubectl argo rollouts get rollout` shows it, recorded whenever any
/// of it changes (the `get` tree and the charts replay these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutSnapshot {
    pub phase: Phase,
    pub message: String,
    pub step: Option<u32>,
    pub steps: u32,
    pub set_weight: u32,
    pub actual_weight: u32,
    pub desired: u32,
    pub current: u32,
    pub updated: u32,
    pub ready: u32,
    pub available: u32,
    /// Pod-template hashes: `status.stableRS`, `status.currentPodHash`, and the selectors of
    /// the active and preview Services (blue-green).
    pub stable_hash: String,
    pub current_hash: String,
    pub active_hash: String,
    pub preview_hash: String,
    pub blue_green: bool,
    /// `status.duration`: the timing of the current update attempt.
    pub duration: Option<crate::rollout::status::DurationStatus>,
    /// Why the phase is Degraded (`None` in any other phase): the condition whose name starts
    /// `message`, for readers to match on. Not logged: the message says it.
    pub degraded: Option<DegradedReason>,
}

/// What happened. Names follow SCENARIO.md §4; `KubeEvent` carries the Kubernetes Events the
/// controller records (reason and message in Argo's words).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum EntryKind {
    /// A user action: from the script (`line` > 0), the simulator's own promotion of a bare
    /// manifest's pauses, or a key pressed in `watch`. Readers match on `verb`; `action` is the
    /// text the timeline and the event log show.
    ScriptAction {
        line: u32,
        action: String,
        #[serde(skip)]
        verb: ActionVerb,
    },
    /// An operator action that had nothing to act on, or that `kubectl argo rollouts` refuses
    /// with an error: what the plugin says, and what the rollout does then.
    ActionNote {
        line: u32,
        note: String,
    },
    RolloutUpdated {
        generation: u64,
        change: String,
    },
    ReplicaSetCreated {
        name: String,
        revision: u64,
        image: String,
    },
    /// A re-used ReplicaSet got a new revision number.
    ReplicaSetRevision {
        name: String,
        revision: u64,
    },
    /// The rollout's status changed (see `RolloutSnapshot`).
    RolloutStatus(Box<RolloutSnapshot>),
    ReplicaSetScaled {
        name: String,
        from: i32,
        to: i32,
    },
    ReplicaSetDeleted {
        name: String,
    },
    ScaleDownDeadline {
        name: String,
        #[serde(serialize_with = "ser::opt_secs")]
        at: Option<SimTime>,
    },
    PodCreated {
        name: String,
        replica_set: String,
    },
    PodReady {
        name: String,
    },
    /// Ready for `minReadySeconds` (recorded only when that is above 0; otherwise Ready is
    /// Available).
    PodAvailable {
        name: String,
    },
    /// A Ready pod stopped being Ready (its node was lost).
    PodNotReady {
        name: String,
    },
    PodTerminating {
        name: String,
    },
    PodDeleted {
        name: String,
    },
    /// A pod no node has room for (with the node model).
    PodPending {
        name: String,
    },
    /// A pod bound to a node (with the node model).
    PodScheduled {
        name: String,
        node: String,
    },
    /// A node failed (`failNode`).
    NodeFailed {
        name: String,
    },
    /// The node controller noticed a failed node (its grace period ran out): the node's Ready
    /// condition is `Unknown` and its pods are marked not Ready. In a healthy zone it also gets
    /// the `node.kubernetes.io/unreachable:NoExecute` taint, and `evict_at` is when its pods'
    /// toleration of it runs out; `None` when the zone is disrupted (`not_ready` of `nodes`
    /// nodes not Ready) and the controller stops tainting.
    NodeUnreachable {
        name: String,
        #[serde(serialize_with = "ser::opt_secs")]
        evict_at: Option<SimTime>,
        not_ready: u32,
        nodes: u32,
    },
    /// A pod evicted through the Eviction API (`by`: what asked for it).
    PodEvicted {
        name: String,
        by: String,
    },
    /// An eviction a PodDisruptionBudget refused.
    PodEvictionRefused {
        name: String,
        budget: String,
    },
    /// The rollout reached a canary step (`status.currentStepIndex`). Readers match on `kind`;
    /// `step` is Argo's wording of it, which the timeline and the event log show.
    StepStarted {
        index: u32,
        step: String,
        #[serde(skip)]
        kind: StepKind,
    },
    StepCompleted {
        index: u32,
        step: String,
    },
    /// The traffic split changed: what the router holds (`status.canary.weights`) with a
    /// traffic router, or the canary's share of available pods (kubectl's formula) without
    /// one. Weights are in units of `max_weight` (`maxTrafficWeight`, 100 unless set) and
    /// `canary + stable + experiment == max_weight`.
    WeightChanged {
        canary: u32,
        stable: u32,
        /// kubectl's SetWeight at that moment (`GetCurrentSetWeight`).
        set_weight: u32,
        /// The router's weight to an experiment's ReplicaSets (additional destinations, taken
        /// from the stable's share).
        // This and the two below are logged only when they depart from the usual, so that
        // most lines stay short.
        #[serde(skip_serializing_if = "ser::is_zero")]
        experiment: u32,
        #[serde(skip_serializing_if = "ser::is_full_weight")]
        max_weight: u32,
        /// Revision 1, the initial deploy: there is no canary; all traffic goes to the stable.
        #[serde(skip_serializing_if = "ser::is_false")]
        initial: bool,
    },
    ServiceSwitched {
        service: String,
        from: Option<String>,
        to: String,
    },
    /// The phase or its message changed. Readers match on `degraded` (why a Degraded phase
    /// is so); `message` is for people.
    PhaseChanged {
        #[serde(serialize_with = "ser::phase")]
        from: Phase,
        #[serde(serialize_with = "ser::phase")]
        to: Phase,
        message: String,
        #[serde(skip)]
        degraded: Option<DegradedReason>,
    },
    Promoted {
        revision: u64,
        replica_set: String,
        reason: String,
    },
    Aborted {
        revision: u64,
        message: String,
    },
    #[serde(rename = "Event")]
    KubeEvent {
        reason: String,
        message: String,
        /// Logged as Kubernetes' `type`: `Warning` or `Normal`.
        #[serde(rename = "type", serialize_with = "ser::event_type")]
        warning: bool,
    },
    /// The rollout created an AnalysisRun.
    AnalysisRunCreated {
        name: String,
        /// The rollout revision it analyses.
        revision: u64,
        /// `Step`, `Background`, `PrePromotion` or `PostPromotion`.
        #[serde(rename = "type")]
        kind: String,
        templates: Vec<String>,
    },
    /// A measurement of a metric finished.
    Measurement {
        run: String,
        metric: String,
        value: String,
        phase: String,
        message: String,
    },
    /// An AnalysisRun reached its final phase.
    AnalysisRunCompleted {
        name: String,
        phase: String,
        message: String,
    },
    /// The rollout asked a run to stop (`spec.terminate`).
    AnalysisRunTerminated {
        name: String,
    },
    /// The rollout created the Experiment of an experiment step.
    ExperimentCreated {
        name: String,
        /// The step's index.
        step: u32,
        templates: Vec<String>,
    },
    /// Every template of the experiment is available: its duration starts.
    ExperimentRunning {
        name: String,
        #[serde(serialize_with = "ser::opt_duration")]
        duration: Option<crate::engine::SimDuration>,
    },
    /// The experiment reached its final phase.
    ExperimentCompleted {
        name: String,
        phase: String,
        message: String,
    },
    /// The rollout asked an experiment to stop (`spec.terminate`).
    ExperimentTerminated {
        name: String,
    },
    /// A managed route was set on the traffic router (`route`: `header` or `mirror`).
    RouteSet {
        name: String,
        route: String,
        detail: String,
    },
    /// A managed route was removed from the traffic router.
    RouteRemoved {
        name: String,
    },
    /// One traffic tick: requests and failed requests per version.
    Traffic {
        #[serde(serialize_with = "ser::ticks")]
        versions: Vec<crate::traffic::TickCounts>,
        /// Requests that found no ready pod behind any Service.
        unrouted: u64,
    },
    ExpectationChecked {
        ok: bool,
        check: String,
        line: u32,
        detail: String,
    },
    /// The simulator itself failed: a budget of the run was exceeded and the run stopped.
    EngineFailed {
        #[serde(serialize_with = "ser::budget")]
        budget: super::budget::BudgetKind,
        limit: u64,
        message: String,
    },
    RunFinished {
        #[serde(rename = "status", serialize_with = "ser::summary")]
        summary: Summary,
    },
}

/// What kind of canary step a `StepStarted` entry is, for readers of the journal to match on
/// (its text, Argo's `CanaryStepString`, is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// `setWeight`: the canary's share of traffic, in percent.
    SetWeight(u32),
    /// `pause`: for this long (whole seconds, as Argo waits), or until promoted (`None`).
    Pause(Option<SimDuration>),
    /// `experiment`.
    Experiment,
    /// `analysis`.
    Analysis,
    /// `setCanaryScale`.
    SetCanaryScale,
    /// `setHeaderRoute` or `setMirrorRoute` (a step of managed routes only).
    Route,
}

impl StepKind {
    /// The kind of `step`, in the order of precedence Argo's `CanaryStepString` reads its
    /// fields (validation leaves one field per step).
    pub fn of(step: &Step) -> StepKind {
        if let Some(w) = step.set_weight {
            StepKind::SetWeight(w)
        } else if let Some(p) = &step.pause {
            StepKind::Pause(
                p.duration
                    .as_ref()
                    .map(|d| SimDuration(d.seconds.saturating_mul(1000))),
            )
        } else if step.experiment.is_some() {
            StepKind::Experiment
        } else if step.analysis.is_some() {
            StepKind::Analysis
        } else if step.set_canary_scale.is_some() {
            StepKind::SetCanaryScale
        } else {
            StepKind::Route
        }
    }
}

/// What a user action does, for readers of the journal to match on (the text of the action is
/// for people: matching on it would break whenever its wording changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionVerb {
    Wait,
    WaitUntil,
    SetImage,
    Apply,
    Promote,
    PromoteFull,
    /// The simulator promoting an indefinite pause of a bare manifest (`--auto-promote`).
    AutoPromote,
    Abort,
    Retry,
    Pause,
    Resume,
    Scale,
    Restart,
    Undo,
    DeletePod,
    EvictPod,
    FailNode,
    /// `watch`: make the canary fail a share of its requests.
    BadCanary,
}

impl ActionVerb {
    /// The verb of a script action.
    pub fn of(action: &crate::scenario::Action) -> ActionVerb {
        use crate::scenario::Action;
        match action {
            Action::WaitFor(_) => ActionVerb::Wait,
            // An `expect` is journaled as a check, not an action; it reads like a wait.
            Action::WaitUntil(_) | Action::Expect(_) => ActionVerb::WaitUntil,
            Action::SetImage { .. } => ActionVerb::SetImage,
            Action::Apply { .. } => ActionVerb::Apply,
            Action::Promote { full: false } => ActionVerb::Promote,
            Action::Promote { full: true } => ActionVerb::PromoteFull,
            Action::Abort => ActionVerb::Abort,
            Action::Retry => ActionVerb::Retry,
            Action::Pause => ActionVerb::Pause,
            Action::Resume => ActionVerb::Resume,
            Action::Scale(_) => ActionVerb::Scale,
            Action::Restart { .. } => ActionVerb::Restart,
            Action::Undo { .. } => ActionVerb::Undo,
            Action::DeletePod(_) => ActionVerb::DeletePod,
            Action::EvictPod(_) => ActionVerb::EvictPod,
            Action::FailNode { .. } => ActionVerb::FailNode,
        }
    }

    /// Whether the action changes the pod template, which starts an update.
    pub fn starts_update(self) -> bool {
        matches!(self, ActionVerb::SetImage | ActionVerb::Apply)
    }
}

impl EntryKind {
    /// The `kind` field of `events.jsonl`.
    pub fn name(&self) -> &'static str {
        match self {
            EntryKind::ScriptAction { .. } => "ScriptAction",
            EntryKind::RolloutUpdated { .. } => "RolloutUpdated",
            EntryKind::ReplicaSetCreated { .. } => "ReplicaSetCreated",
            EntryKind::ReplicaSetRevision { .. } => "ReplicaSetRevision",
            EntryKind::RolloutStatus(_) => "RolloutStatus",
            EntryKind::PodAvailable { .. } => "PodAvailable",
            EntryKind::PodNotReady { .. } => "PodNotReady",
            EntryKind::ReplicaSetScaled { .. } => "ReplicaSetScaled",
            EntryKind::ReplicaSetDeleted { .. } => "ReplicaSetDeleted",
            EntryKind::ScaleDownDeadline { .. } => "ScaleDownDeadline",
            EntryKind::PodCreated { .. } => "PodCreated",
            EntryKind::PodReady { .. } => "PodReady",
            EntryKind::PodTerminating { .. } => "PodTerminating",
            EntryKind::PodDeleted { .. } => "PodDeleted",
            EntryKind::PodPending { .. } => "PodPending",
            EntryKind::PodScheduled { .. } => "PodScheduled",
            EntryKind::NodeFailed { .. } => "NodeFailed",
            EntryKind::NodeUnreachable { .. } => "NodeUnreachable",
            EntryKind::PodEvicted { .. } => "PodEvicted",
            EntryKind::PodEvictionRefused { .. } => "PodEvictionRefused",
            EntryKind::StepStarted { .. } => "StepStarted",
            EntryKind::StepCompleted { .. } => "StepCompleted",
            EntryKind::WeightChanged { .. } => "WeightChanged",
            EntryKind::ServiceSwitched { .. } => "ServiceSwitched",
            EntryKind::PhaseChanged { .. } => "PhaseChanged",
            EntryKind::Promoted { .. } => "Promoted",
            EntryKind::Aborted { .. } => "Aborted",
            EntryKind::KubeEvent { .. } => "Event",
            EntryKind::AnalysisRunCreated { .. } => "AnalysisRunCreated",
            EntryKind::Measurement { .. } => "Measurement",
            EntryKind::AnalysisRunCompleted { .. } => "AnalysisRunCompleted",
            EntryKind::AnalysisRunTerminated { .. } => "AnalysisRunTerminated",
            EntryKind::ExperimentCreated { .. } => "ExperimentCreated",
            EntryKind::ExperimentRunning { .. } => "ExperimentRunning",
            EntryKind::ExperimentCompleted { .. } => "ExperimentCompleted",
            EntryKind::ExperimentTerminated { .. } => "ExperimentTerminated",
            EntryKind::RouteSet { .. } => "RouteSet",
            EntryKind::RouteRemoved { .. } => "RouteRemoved",
            EntryKind::Traffic { .. } => "Traffic",
            EntryKind::ExpectationChecked { .. } => "ExpectationChecked",
            EntryKind::EngineFailed { .. } => "EngineFailed",
            EntryKind::ActionNote { .. } => "ActionNote",
            EntryKind::RunFinished { .. } => "RunFinished",
        }
    }

    /// Pod-level entries, which the text timeline hides unless asked.
    pub fn is_pod_level(&self) -> bool {
        matches!(
            self,
            EntryKind::PodCreated { .. }
                | EntryKind::PodReady { .. }
                | EntryKind::PodAvailable { .. }
                | EntryKind::PodNotReady { .. }
                | EntryKind::PodTerminating { .. }
                | EntryKind::PodDeleted { .. }
                | EntryKind::PodPending { .. }
                | EntryKind::PodScheduled { .. }
        )
    }
}

/// The rollout's state when the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub passed: bool,
    /// The simulator itself failed (a budget exceeded): the rollout's outcome is unknown, so
    /// the run is an error, not a failed rollout.
    pub engine_failed: bool,
    pub timed_out: bool,
    pub failures: usize,
    pub phase: Phase,
    pub message: String,
    pub step: Option<u32>,
    pub steps: u32,
    pub set_weight: u32,
    pub actual_weight: u32,
    pub revision: u64,
    pub stable_image: Option<String>,
    /// The revision of the stable ReplicaSet.
    pub stable_revision: Option<u64>,
    /// The image of the newest ReplicaSet (revision `revision`).
    pub latest_image: Option<String>,
    pub canary_image: Option<String>,
    pub desired: u32,
    pub current: u32,
    pub updated: u32,
    pub ready: u32,
    pub available: u32,
    pub pods_created: u64,
    pub reconciles: u64,
    /// Requests and failed requests each version served over the run (with `traffic:`).
    pub traffic: Vec<VersionTraffic>,
    /// Requests that found no ready pod.
    pub unrouted: u64,
}

/// What one version (ReplicaSet) served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTraffic {
    pub hash: String,
    pub image: String,
    pub requests: u64,
    pub failed: u64,
    /// Mirrored copies it served (their answers reached no user), and their failures.
    pub mirrored: u64,
    pub mirrored_failed: u64,
}

/// The journal of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    pub entries: Vec<Entry>,
}

impl Journal {
    pub fn push(&mut self, t: SimTime, kind: EntryKind) {
        self.entries.push(Entry { t, kind });
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::ActionVerb;
    use crate::scenario::Action;

    #[test]
    fn only_template_changes_start_an_update() {
        let set_image = Action::SetImage {
            container: Some("app".into()),
            image: "app:2".into(),
        };
        assert_eq!(ActionVerb::of(&set_image), ActionVerb::SetImage);
        assert!(ActionVerb::of(&set_image).starts_update());
        for a in [
            Action::Promote { full: true },
            Action::Abort,
            Action::Scale(3),
            Action::Restart { delay: None },
        ] {
            assert!(!ActionVerb::of(&a).starts_update(), "{a:?}");
        }
        assert_eq!(
            ActionVerb::of(&Action::Promote { full: true }),
            ActionVerb::PromoteFull
        );
        assert!(!ActionVerb::AutoPromote.starts_update());
    }
}
