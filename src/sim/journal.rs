//! The journal: every thing that happens in a run, in order, as typed entries. The timeline,
//! `events.jsonl`, test reports and summaries are all functions of it.
//!
//! An entry's `events.jsonl` fields are derived from its type (serde): the field names, their
//! order and the fields left out are the attributes below, so that a new field cannot be
//! forgotten by the log; the helpers they name are in `ser`. `output::jsonl` writes the lines.

use serde::Serialize;
use smol_str::SmolStr;

use crate::api::{Step, StepText};
use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::rollout::Phase;
use crate::rollout::event::EventMessage;
use crate::rollout::status::DegradedReason;

pub(crate) mod ser;

/// One entry of the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The virtual time it happened at; entries are in the order they happened, so `t` never
    /// decreases along the journal.
    pub t: SimTime,
    /// What happened.
    pub kind: EntryKind,
}

/// The rollout's status as `kubectl argo rollouts get rollout` shows it, recorded whenever any
/// of it changes (the `get` tree and the charts replay these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutSnapshot {
    /// The phase the plugin shows (`Status:`), from Argo's phase rules.
    pub phase: Phase,
    /// The message shown beside the phase (empty when there is none).
    pub message: SmolStr,
    /// `status.currentStepIndex` (`None` before the controller has set it, and for blue-green).
    pub step: Option<u32>,
    /// How many canary steps the spec has (0 for blue-green): the `Step: i/n` denominator.
    pub steps: u32,
    /// The plugin's `SetWeight`, in percent (`None` for blue-green, which `get` shows none for).
    pub set_weight: Option<u32>,
    /// The plugin's `ActualWeight`, in percent (`None` for blue-green).
    pub actual_weight: Option<u32>,
    /// `spec.replicas` (1 when unset): the `Desired` column.
    pub desired: u32,
    /// `status.replicas`, pods of every ReplicaSet of the rollout: the `Current` column.
    pub current: u32,
    /// `status.updatedReplicas`, pods of the newest ReplicaSet: the `Updated` column.
    pub updated: u32,
    /// `status.readyReplicas`: the `Ready` column.
    pub ready: u32,
    /// `status.availableReplicas`, Ready for at least `minReadySeconds`: the `Available`
    /// column.
    pub available: u32,
    /// `status.stableRS`: the stable ReplicaSet's pod-template hash (empty before the first
    /// one is stable).
    pub stable_hash: SmolStr,
    /// `status.currentPodHash`: the pod-template hash of the spec's current template.
    pub current_hash: SmolStr,
    /// The hash the active Service selects (blue-green; empty when it selects none).
    pub active_hash: SmolStr,
    /// The hash the preview Service selects (blue-green; empty when it selects none).
    pub preview_hash: SmolStr,
    /// The rollout uses the blue-green strategy (the tree then shows the Services' roles
    /// rather than weights).
    pub blue_green: bool,
    /// `status.duration`: the timing of the current update attempt.
    pub duration: Option<crate::rollout::status::DurationStatus>,
    /// Why the phase is Degraded (`None` in any other phase): the condition whose name starts
    /// `message`, for readers to match on. Not logged: the message says it.
    pub degraded: Option<DegradedReason>,
    /// When a blue-green pause ends by itself: the `BlueGreenPause` condition's start plus
    /// `autoPromotionSeconds` (`None` without that pause, or when only a promote ends it).
    /// Not logged: the condition's start is the `PhaseChanged` to Paused, and the seconds are
    /// in the spec.
    pub auto_promote_at: Option<SimTime>,
    /// When the scenario's stand-in operator (`autoPromote`, the default scenario's 30 s)
    /// promotes the indefinite pause the rollout waits at: the delay after the run first
    /// showed it (`None` without such a pause, or when nobody stands in).
    /// Not logged: the promotion itself is, as a `promote (auto)` action.
    pub promoted_by_scenario_at: Option<SimTime>,
    /// When the timed canary pause the rollout is in ends: the `CanaryPauseStep` condition's
    /// start, a whole second as Kubernetes stores it, plus the step's duration (`None` outside
    /// a timed pause). Not logged: the pause's start is the `PhaseChanged` to Paused, and the
    /// duration is in the spec.
    pub pause_ends_at: Option<SimTime>,
}

/// Which of the journal's status snapshots a `RolloutStatus` entry records (see
/// [`Journal::snapshot`]). The snapshots are kept in one list beside the entries rather than
/// each in a box of its own: a run records dozens, and a box each was an allocation each
/// while the run went and a free each when its journal was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotId(u32);

/// What happened. Names follow SCENARIO.md §4; `KubeEvent` carries the Kubernetes Events the
/// controller records (reason and message in Argo's words).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum EntryKind {
    /// A user action: from the script (`line` > 0), the simulator's own promotion of a bare
    /// manifest's pauses, or a key pressed in `watch`. Readers match on `verb`; `action` is the
    /// text the timeline and the event log show.
    ScriptAction {
        /// The script line (1-based); 0 for an action the script did not write.
        line: u32,
        /// The action as text, in the script's syntax (`setImage app:2`, `promote --full`).
        action: SmolStr,
        /// What the action does (not logged: `action` says it).
        #[serde(skip)]
        verb: ActionVerb,
    },
    /// An operator action that had nothing to act on, or that `kubectl argo rollouts` refuses
    /// with an error: what the plugin says, and what the rollout does then.
    ActionNote {
        /// The script line of the action (0 when the script did not write it).
        line: u32,
        /// The plugin's answer, in its words.
        note: SmolStr,
    },
    /// The Rollout object was created or its spec changed (a user edit).
    RolloutUpdated {
        /// `metadata.generation` after the change (1 at creation).
        generation: u64,
        /// What changed, in words (`created Rollout demo`, the edit made).
        change: SmolStr,
    },
    /// A ReplicaSet was created: a new pod template of the rollout, or one of an experiment's
    /// templates.
    ReplicaSetCreated {
        /// `<rollout>-<pod-template-hash>`, or `<experiment>-<template>` for an experiment's.
        name: SmolStr,
        /// The `rollout.argoproj.io/revision` annotation; 0 for an experiment's ReplicaSet.
        revision: u64,
        /// The image its pods run.
        image: SmolStr,
    },
    /// A re-used ReplicaSet got a new revision number.
    ReplicaSetRevision {
        /// The ReplicaSet.
        name: SmolStr,
        /// Its new `rollout.argoproj.io/revision`.
        revision: u64,
    },
    /// The rollout's status changed: the snapshot is the journal's ([`Journal::snapshot`]).
    /// Not derived for the log: a snapshot is written from the journal, which holds it
    /// (`output::jsonl`).
    #[serde(skip_serializing)]
    RolloutStatus(SnapshotId),
    /// A ReplicaSet's `spec.replicas` changed.
    ReplicaSetScaled {
        /// The ReplicaSet.
        name: SmolStr,
        /// `spec.replicas` before.
        from: i32,
        /// `spec.replicas` after.
        to: i32,
    },
    /// A scaled-down ReplicaSet was deleted (beyond `revisionHistoryLimit`).
    ReplicaSetDeleted {
        /// The ReplicaSet.
        name: SmolStr,
    },
    /// A ReplicaSet's `scale-down-deadline` annotation was set or removed: when the
    /// controller may scale it down after it stopped receiving traffic.
    ScaleDownDeadline {
        /// The ReplicaSet.
        name: SmolStr,
        /// The deadline; `None` when the annotation was removed.
        #[serde(serialize_with = "ser::opt_secs")]
        at: Option<SimTime>,
    },
    /// A ReplicaSet created a pod.
    PodCreated {
        /// The pod.
        name: SmolStr,
        /// The ReplicaSet that owns it.
        replica_set: SmolStr,
    },
    /// A started pod became Ready.
    PodReady {
        /// The pod.
        name: SmolStr,
    },
    /// Ready for `minReadySeconds` (recorded only when that is above 0; otherwise Ready is
    /// Available).
    PodAvailable {
        /// The pod.
        name: SmolStr,
    },
    /// A Ready pod stopped being Ready (its node was lost).
    PodNotReady {
        /// The pod.
        name: SmolStr,
    },
    /// A pod was deleted and started its graceful termination: it no longer counts, but
    /// runs until the app's termination time has passed.
    PodTerminating {
        /// The pod.
        name: SmolStr,
    },
    /// A terminating pod is gone from the cluster.
    PodDeleted {
        /// The pod.
        name: SmolStr,
    },
    /// A pod no node has room for (with the node model).
    PodPending {
        /// The pod.
        name: SmolStr,
    },
    /// A pod bound to a node (with the node model).
    PodScheduled {
        /// The pod.
        name: SmolStr,
        /// The node it was bound to.
        node: SmolStr,
    },
    /// A node failed (`failNode`).
    NodeFailed {
        /// The node.
        name: SmolStr,
    },
    /// The node controller noticed a failed node (its grace period ran out): the node's Ready
    /// condition is `Unknown` and its pods are marked not Ready. In a healthy zone it also gets
    /// the `node.kubernetes.io/unreachable:NoExecute` taint, and `evict_at` is when the
    /// default toleration of it runs out (pods whose template tolerates it go by their own);
    /// `None` when the zone is disrupted (`not_ready` of `nodes` nodes not Ready) and the
    /// controller stops tainting.
    NodeUnreachable {
        /// The node.
        name: SmolStr,
        /// When its pods with the default toleration are evicted (`None`: not while the zone
        /// is disrupted).
        #[serde(serialize_with = "ser::opt_secs")]
        evict_at: Option<SimTime>,
        /// Nodes of the cluster not Ready, this one included.
        not_ready: u32,
        /// Nodes of the cluster.
        nodes: u32,
    },
    /// A pod evicted through the Eviction API (`by`: what asked for it).
    PodEvicted {
        /// The pod.
        name: SmolStr,
        /// What asked for the eviction: `evictPod`, `restart` or `node failure`.
        by: SmolStr,
    },
    /// An eviction a PodDisruptionBudget refused.
    PodEvictionRefused {
        /// The pod that stays.
        name: SmolStr,
        /// The PodDisruptionBudget that refused.
        budget: SmolStr,
    },
    /// The rollout reached a canary step (`status.currentStepIndex`). Readers match on `kind`;
    /// `step` is Argo's wording of it, which the timeline and the event log show.
    StepStarted {
        /// The step's index in `spec.strategy.canary.steps` (0-based, as Argo counts).
        index: u32,
        /// The step in Argo's words (`CanaryStepString`).
        step: StepText,
        /// What kind of step it is.
        #[serde(skip)]
        kind: StepKind,
    },
    /// The rollout finished a canary step and moved `status.currentStepIndex` past it.
    StepCompleted {
        /// The step's index (0-based).
        index: u32,
        /// The step in Argo's words (`CanaryStepString`).
        step: StepText,
    },
    /// `promote` moved `status.currentStepIndex` past a step the controller had not completed
    /// (a setWeight still waiting for pods, an inconclusive analysis, a step of a rollout
    /// paused by hand): the plugin writes the index itself, so Argo records no
    /// `RolloutStepCompleted` for it.
    StepSkipped {
        /// The step's index (0-based).
        index: u32,
        /// The step in Argo's words (`CanaryStepString`).
        step: StepText,
    },
    /// The traffic split changed: what the router holds (`status.canary.weights`) with a
    /// traffic router, or each version's share of the Ready pods behind the Service without
    /// one. Weights are in units of `max_weight` (`maxTrafficWeight`, 100 unless set) and
    /// `canary + stable + experiment + old == max_weight`.
    WeightChanged {
        /// The canary's share, in units of `max_weight`.
        canary: u32,
        /// The stable's share, in units of `max_weight`.
        stable: u32,
        /// kubectl's SetWeight at that moment (`GetCurrentSetWeight`).
        set_weight: u32,
        /// The router's weight to an experiment's ReplicaSets (additional destinations, taken
        /// from the stable's share).
        // This and the two below are logged only when they depart from the usual, so that
        // most lines stay short.
        #[serde(skip_serializing_if = "ser::is_zero")]
        experiment: u32,
        /// Without a router: the share of the Ready pods of ReplicaSets that are neither
        /// canary nor stable — after a promotion, the previous stable kept by its scale-down
        /// delay, which the Service still sends requests to.
        #[serde(skip_serializing_if = "ser::is_zero")]
        old: u32,
        /// `maxTrafficWeight`: the total the weights add up to (100 unless set).
        #[serde(skip_serializing_if = "ser::is_full_weight")]
        max_weight: u32,
        /// Revision 1, the initial deploy: there is no canary; all traffic goes to the stable.
        #[serde(skip_serializing_if = "ser::is_false")]
        initial: bool,
    },
    /// The controller pointed a Service's selector at a ReplicaSet (the
    /// `rollouts-pod-template-hash` selector it manages), or, once the Rollout no longer names
    /// the Service, removed that selector (Argo's Service controller).
    ServiceSwitched {
        /// The Service.
        service: SmolStr,
        /// The pod-template hash it selected before (`None`: no hash, so every pod of the
        /// app).
        from: Option<SmolStr>,
        /// The pod-template hash it selects now (`None`: the hash selector was removed, so
        /// every pod of the app).
        to: Option<SmolStr>,
    },
    /// The phase or its message changed. Readers match on `degraded` (why a Degraded phase
    /// is so); `message` is for people.
    PhaseChanged {
        /// The phase before.
        #[serde(serialize_with = "ser::phase")]
        from: Phase,
        /// The phase now.
        #[serde(serialize_with = "ser::phase")]
        to: Phase,
        /// The message that goes with the new phase (empty when there is none).
        message: SmolStr,
        /// Why the new phase is Degraded (`None` in any other phase).
        #[serde(skip)]
        degraded: Option<DegradedReason>,
    },
    /// A ReplicaSet became the stable one (`status.stableRS` changed): an update completed.
    Promoted {
        /// The rollout's revision at that moment.
        revision: u64,
        /// The new stable ReplicaSet.
        replica_set: SmolStr,
        /// Why, as the `RolloutCompleted` event says it (empty without one).
        reason: SmolStr,
    },
    /// The controller acted on an abort (the user's or an analysis's): traffic and pods go
    /// back to the stable.
    Aborted {
        /// The revision whose update was aborted.
        revision: u64,
        /// The abort's message (the Progressing condition's).
        message: SmolStr,
    },
    /// A Kubernetes Event the controller recorded on the Rollout.
    #[serde(rename = "Event")]
    KubeEvent {
        /// The Event's reason, in Argo's words (`RolloutCompleted`, `RolloutAborted`).
        reason: SmolStr,
        /// The Event's message: its values, in Argo's words once displayed.
        message: EventMessage,
        /// Logged as Kubernetes' `type`: `Warning` or `Normal`.
        #[serde(rename = "type", serialize_with = "ser::event_type")]
        warning: bool,
    },
    /// The rollout created an AnalysisRun.
    AnalysisRunCreated {
        /// The AnalysisRun, named as Argo names it (`<rollout>-<hash>-<revision>`, then its kind).
        name: SmolStr,
        /// The rollout revision it analyses.
        revision: u64,
        /// `Step`, `Background`, `PrePromotion` or `PostPromotion`.
        #[serde(rename = "type")]
        kind: SmolStr,
        /// The AnalysisTemplates it runs, in the order the rollout names them.
        templates: Vec<String>,
    },
    /// A measurement of a metric finished.
    Measurement {
        /// The AnalysisRun it belongs to.
        run: SmolStr,
        /// The metric's name in the template.
        metric: SmolStr,
        /// The value as Argo prints it (`[0.97]`, `1`); empty for a job or an error.
        value: SmolStr,
        /// The measurement's phase (`Successful`, `Failed`, `Inconclusive`, `Error`).
        phase: SmolStr,
        /// Why the measurement errored; empty otherwise.
        message: SmolStr,
    },
    /// An AnalysisRun reached its final phase.
    AnalysisRunCompleted {
        /// The AnalysisRun.
        name: SmolStr,
        /// Its final phase (`Successful`, `Failed`, `Inconclusive`, `Error`).
        phase: SmolStr,
        /// `status.message`: why, when it did not succeed.
        message: SmolStr,
    },
    /// The rollout asked a run to stop (`spec.terminate`).
    AnalysisRunTerminated {
        /// The AnalysisRun.
        name: SmolStr,
    },
    /// The rollout created the Experiment of an experiment step.
    ExperimentCreated {
        /// The Experiment, named as Argo names it (`<rollout>-<hash>-<revision>-<step>`).
        name: SmolStr,
        /// The step's index.
        step: u32,
        /// The names of its templates (each one a ReplicaSet).
        templates: Vec<String>,
    },
    /// Every template of the experiment is available: its duration starts.
    ExperimentRunning {
        /// The Experiment.
        name: SmolStr,
        /// `spec.duration`; `None`: it runs until the rollout ends it.
        #[serde(serialize_with = "ser::opt_duration")]
        duration: Option<crate::engine::SimDuration>,
    },
    /// The experiment reached its final phase.
    ExperimentCompleted {
        /// The Experiment.
        name: SmolStr,
        /// Its final phase (`Successful`, `Failed`, `Inconclusive`, `Error`).
        phase: SmolStr,
        /// `status.message`: why, when it did not succeed.
        message: SmolStr,
    },
    /// The rollout asked an experiment to stop (`spec.terminate`).
    ExperimentTerminated {
        /// The Experiment.
        name: SmolStr,
    },
    /// A managed route was set on the traffic router (`route`: `header` or `mirror`).
    RouteSet {
        /// The route's name (`spec.strategy.canary.trafficRouting.managedRoutes`).
        name: SmolStr,
        /// `header` or `mirror`.
        route: SmolStr,
        /// What the route matches, in words.
        detail: SmolStr,
    },
    /// A managed route was removed from the traffic router.
    RouteRemoved {
        /// The route's name.
        name: SmolStr,
    },
    /// One traffic tick: requests and failed requests per version.
    Traffic {
        /// Counts per version (pod-template hash).
        #[serde(serialize_with = "ser::ticks")]
        versions: Vec<crate::traffic::TickCounts>,
        /// Requests that found no ready pod behind any Service.
        unrouted: u64,
    },
    /// A check of the scenario was made: a `wait` or `expect` that held, or any check that
    /// failed.
    ExpectationChecked {
        /// Whether it held.
        ok: bool,
        /// What was checked: `wait`, `expect`, `script` (an action that could not be done) or
        /// `invariant`.
        check: SmolStr,
        /// The script line (0 for an invariant, which no line states).
        line: u32,
        /// The condition in braces, and after a failure what was seen instead.
        detail: SmolStr,
    },
    /// The simulator itself failed: a budget of the run was exceeded and the run stopped.
    EngineFailed {
        /// Which budget.
        #[serde(serialize_with = "ser::budget")]
        budget: super::budget::BudgetKind,
        /// Its limit, in the budget's unit (reconciles, events, entries or bytes).
        limit: u64,
        /// What was exceeded, in words.
        message: SmolStr,
    },
    /// The run ended.
    RunFinished {
        /// The rollout's state at the end, and the run's verdict. Boxed: a summary is several
        /// times the size of any other entry, and every entry of the journal is as large as
        /// the largest kind.
        #[serde(rename = "status", serialize_with = "ser::summary")]
        summary: Box<Summary>,
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
    /// `wait <duration>`: let virtual time pass.
    Wait,
    /// `wait until {...}`: wait for a condition (an `expect` reads as one).
    WaitUntil,
    /// `setImage`: change the pod template's image, which starts an update.
    SetImage,
    /// `apply`: replace the Rollout's spec with another manifest.
    Apply,
    /// `promote`: the plugin's promote (skip the current pause or step).
    Promote,
    /// `promote --full`: skip the remaining steps and analyses.
    PromoteFull,
    /// The simulator promoting an indefinite pause of a bare manifest (`--auto-promote`).
    AutoPromote,
    /// `abort`: set `status.abort`, sending traffic and pods back to the stable.
    Abort,
    /// `retry`: clear an abort so the update starts again.
    Retry,
    /// `pause`: set `spec.paused`.
    Pause,
    /// `resume`: clear `spec.paused`.
    Resume,
    /// `scale`: change `spec.replicas`.
    Scale,
    /// `restart`: set `spec.restartAt`, so the controller replaces the rollout's pods.
    Restart,
    /// `undo`: roll the template back to an earlier revision's.
    Undo,
    /// `deletePod`: delete a pod, as `kubectl delete pod`.
    DeletePod,
    /// `evictPod`: evict a pod through the Eviction API (PodDisruptionBudgets apply).
    EvictPod,
    /// `failNode`: a node stops reporting.
    FailNode,
    /// `watch`: make the canary fail a share of its requests.
    BadCanary,
}

impl ActionVerb {
    /// The verb of a script action.
    pub fn of(action: &crate::scenario::ScriptAction) -> ActionVerb {
        use crate::scenario::ScriptAction;
        match action {
            ScriptAction::WaitFor(_) => ActionVerb::Wait,
            // An `expect` is journaled as a check, not an action; it reads like a wait.
            ScriptAction::WaitUntil(_) | ScriptAction::Expect(_) => ActionVerb::WaitUntil,
            ScriptAction::SetImage { .. } => ActionVerb::SetImage,
            ScriptAction::Apply { .. } => ActionVerb::Apply,
            ScriptAction::Promote { full: false } => ActionVerb::Promote,
            ScriptAction::Promote { full: true } => ActionVerb::PromoteFull,
            ScriptAction::Abort => ActionVerb::Abort,
            ScriptAction::Retry => ActionVerb::Retry,
            ScriptAction::Pause => ActionVerb::Pause,
            ScriptAction::Resume => ActionVerb::Resume,
            ScriptAction::Scale(_) => ActionVerb::Scale,
            ScriptAction::Restart { .. } => ActionVerb::Restart,
            ScriptAction::Undo { .. } => ActionVerb::Undo,
            ScriptAction::DeletePod(_) => ActionVerb::DeletePod,
            ScriptAction::EvictPod(_) => ActionVerb::EvictPod,
            ScriptAction::FailNode { .. } => ActionVerb::FailNode,
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
            EntryKind::StepSkipped { .. } => "StepSkipped",
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
    /// No check failed and the simulator did not fail.
    pub passed: bool,
    /// The simulator itself failed (a budget exceeded): the rollout's outcome is unknown, so
    /// the run is an error, not a failed rollout.
    pub engine_failed: bool,
    /// The scenario's timeout stopped the run.
    pub timed_out: bool,
    /// How many checks failed.
    pub failures: usize,
    /// The phase the plugin shows at the end.
    pub phase: Phase,
    /// The message beside the phase (empty when there is none).
    pub message: SmolStr,
    /// `status.currentStepIndex` at the end (`None` when unset, and for blue-green).
    pub step: Option<u32>,
    /// How many canary steps the spec has (0 for blue-green).
    pub steps: u32,
    /// The plugin's `SetWeight` at the end, in percent (`None` for blue-green).
    pub set_weight: Option<u32>,
    /// The plugin's `ActualWeight` at the end, in percent (`None` for blue-green).
    pub actual_weight: Option<u32>,
    /// The revision of the newest ReplicaSet.
    pub revision: u64,
    /// The image of the stable ReplicaSet (`None`: none is stable).
    pub stable_image: Option<SmolStr>,
    /// The revision of the stable ReplicaSet.
    pub stable_revision: Option<u64>,
    /// The image of the newest ReplicaSet (revision `revision`).
    pub latest_image: Option<SmolStr>,
    /// The image of the ReplicaSet in the canary role (`None`: none is).
    pub canary_image: Option<SmolStr>,
    /// `spec.replicas` (1 when unset).
    pub desired: u32,
    /// `status.replicas`: pods of every ReplicaSet of the rollout.
    pub current: u32,
    /// `status.updatedReplicas`: pods of the newest ReplicaSet.
    pub updated: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`: Ready for at least `minReadySeconds`.
    pub available: u32,
    /// Pods created over the run, by every ReplicaSet.
    pub pods_created: u64,
    /// Reconciles of the rollout controller over the run.
    pub reconciles: u64,
    /// Requests and failed requests each version served over the run (with `traffic:`).
    pub traffic: Vec<VersionTraffic>,
    /// Requests that found no ready pod.
    pub unrouted: u64,
}

/// What one version (ReplicaSet) served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTraffic {
    /// The version's pod-template hash.
    pub hash: SmolStr,
    /// The image its pods run.
    pub image: SmolStr,
    /// Requests routed to it over the run.
    pub requests: u64,
    /// Of those, how many failed.
    pub failed: u64,
    /// Mirrored copies it served (their answers reached no user).
    pub mirrored: u64,
    /// Of those, how many failed.
    pub mirrored_failed: u64,
}

/// The journal of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    /// The entries in the order they happened.
    pub entries: Vec<Entry>,
    /// The status snapshots the `RolloutStatus` entries name, in the order they were
    /// recorded (see [`SnapshotId`]).
    snapshots: Vec<RolloutSnapshot>,
}

impl From<Vec<Entry>> for Journal {
    /// A journal of `entries` and no status snapshot (a hand-made journal of a test; its
    /// snapshots are added with [`Journal::push_status`]).
    fn from(entries: Vec<Entry>) -> Self {
        Journal {
            entries,
            snapshots: Vec::new(),
        }
    }
}

impl Journal {
    /// An empty journal with room for `entries` entries and `snapshots` status snapshots, so
    /// that a run of the usual length does not grow it.
    pub(crate) fn with_capacity(entries: usize, snapshots: usize) -> Self {
        Journal {
            entries: Vec::with_capacity(entries),
            snapshots: Vec::with_capacity(snapshots),
        }
    }

    // Only the simulation writes a journal: readers get it finished.
    pub(crate) fn push(&mut self, t: SimTime, kind: EntryKind) {
        self.entries.push(Entry { t, kind });
    }

    /// Records a `RolloutStatus` entry of `snapshot`.
    pub(crate) fn push_status(&mut self, t: SimTime, snapshot: RolloutSnapshot) {
        // A run's budget of entries keeps the count far below `u32::MAX`.
        let id = SnapshotId(u32::try_from(self.snapshots.len()).unwrap_or(u32::MAX));
        self.snapshots.push(snapshot);
        self.push(t, EntryKind::RolloutStatus(id));
    }

    /// The snapshot a `RolloutStatus` entry of this journal records.
    ///
    /// # Panics
    /// When `id` is not of this journal.
    pub fn snapshot(&self, id: SnapshotId) -> &RolloutSnapshot {
        &self.snapshots[id.0 as usize]
    }

    /// The snapshot `e` records, if it is a `RolloutStatus` entry.
    pub fn status_of(&self, e: &Entry) -> Option<&RolloutSnapshot> {
        match e.kind {
            EntryKind::RolloutStatus(id) => Some(self.snapshot(id)),
            _ => None,
        }
    }

    /// The last status snapshot recorded.
    pub fn last_snapshot(&self) -> Option<&RolloutSnapshot> {
        self.snapshots.last()
    }

    /// The entries in the order they happened.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was journaled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::ActionVerb;
    use crate::scenario::ScriptAction;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_journal_entry_stays_small() {
        // Every entry takes the size of the largest kind, and a run at scale journals
        // millions: a large value (a summary, a status snapshot) goes in a box.
        assert!(std::mem::size_of::<super::Entry>() <= 128);
    }

    #[test]
    fn only_template_changes_start_an_update() {
        let set_image = ScriptAction::SetImage {
            container: Some("app".into()),
            image: "app:2".into(),
        };
        assert_eq!(ActionVerb::of(&set_image), ActionVerb::SetImage);
        assert!(ActionVerb::of(&set_image).starts_update());
        for a in [
            ScriptAction::Promote { full: true },
            ScriptAction::Abort,
            ScriptAction::Scale(3),
            ScriptAction::Restart { delay: None },
        ] {
            assert!(!ActionVerb::of(&a).starts_update(), "{a:?}");
        }
        assert_eq!(
            ActionVerb::of(&ScriptAction::Promote { full: true }),
            ActionVerb::PromoteFull
        );
        assert!(!ActionVerb::AutoPromote.starts_update());
    }
}
