//! The Rollout status (`RolloutStatus` upstream): fields, conditions, pause conditions, and the
//! phase and message computed from them exactly as `CalculateRolloutPhase` and the client-side
//! `GetRolloutPhase` do.

use smol_str::SmolStr;
use std::fmt;
use std::sync::Arc;

use crate::analysis::run::AnalysisPhase;
use crate::api::RolloutSpec;
use crate::engine::SimTime;

use super::info::same_text;

/// `status.phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Phase {
    /// Working toward the desired state: pods starting, steps running.
    #[default]
    Progressing,
    /// Stopped by a pause step, `spec.paused` or an inconclusive analysis; waits for time or a human.
    Paused,
    /// Fully promoted: every pod updated and available, the old ones gone.
    Healthy,
    /// Aborted, past `progressDeadlineSeconds`, or with an invalid spec.
    Degraded,
}

impl Phase {
    /// The phase as Argo spells it in `status.phase` and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Healthy => "Healthy",
            Phase::Degraded => "Degraded",
        }
    }

    /// Reads a phase as Argo spells it (scenario expectations name phases this way).
    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "Progressing" => Some(Phase::Progressing),
            "Paused" => Some(Phase::Paused),
            "Healthy" => Some(Phase::Healthy),
            "Degraded" => Some(Phase::Degraded),
            _ => None,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The condition types of a Rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RolloutConditionType {
    /// The update is moving, or why it is not (`ProgressDeadlineExceeded`, `RolloutAborted`).
    Progressing,
    /// The rollout has minimum availability (Argo's `Available` condition).
    Available,
    /// Every pod updated, available and promoted.
    Healthy,
    /// The latest template is the stable one: the update has finished.
    Completed,
    /// The rollout is paused (by a step, the user or an analysis).
    Paused,
    /// The spec cannot be acted on; the message says why.
    InvalidSpec,
}

impl RolloutConditionType {
    /// The condition type as Argo spells it in `status.conditions[].type`.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutConditionType::Progressing => "Progressing",
            RolloutConditionType::Available => "Available",
            RolloutConditionType::Healthy => "Healthy",
            RolloutConditionType::Completed => "Completed",
            RolloutConditionType::Paused => "Paused",
            RolloutConditionType::InvalidSpec => "InvalidSpec",
        }
    }
}

/// The `status` of a condition, as Kubernetes spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known: Argo sets Progressing to it on a pause, a resume or a retry.
    Unknown,
}

impl CondStatus {
    /// `True`, `False` or `Unknown`, as written in the status.
    pub fn as_str(self) -> &'static str {
        match self {
            CondStatus::True => "True",
            CondStatus::False => "False",
            CondStatus::Unknown => "Unknown",
        }
    }
}

/// One entry of `status.conditions`. Times are whole seconds, as Kubernetes stores them.
#[derive(Debug, Clone)]
pub struct RolloutCondition {
    /// `type`.
    pub kind: RolloutConditionType,
    /// `status`.
    pub status: CondStatus,
    /// `reason`: one of the [`reason`] constants.
    pub reason: &'static str,
    /// `message`: the human-readable detail Argo writes.
    pub message: ConditionMessage,
    /// `lastUpdateTime`: when the condition was last written with a change.
    pub last_update: SimTime,
    /// `lastTransitionTime`: when its status last flipped.
    pub last_transition: SimTime,
}

/// Field by field, the times before the texts: a reconcile that makes progress rewrites its
/// Progressing condition with only a new `lastUpdateTime`, and the persist compares the whole
/// status with the previous one to decide whether to write it. Inlined (as the message's
/// and the blue-green part's comparisons are): they are a few tests each, made for every
/// condition of every persist, and a call cost as much.
impl PartialEq for RolloutCondition {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.status == other.status
            && self.last_update == other.last_update
            && self.last_transition == other.last_transition
            && same_reason(self.reason, other.reason)
            && self.message == other.message
    }
}

impl Eq for RolloutCondition {}

/// Whether two reasons are the same. Reasons are the [`reason`] constants: most that differ
/// differ in length, and the same constant is most often the same address, so the text is
/// compared only when neither tells, and then as the short text it is (several reasons
/// share a length, `RolloutHealthy` and `RolloutAborted`, and the phase asks every
/// condition whether it is one of those).
#[inline]
pub fn same_reason(a: &'static str, b: &'static str) -> bool {
    a.len() == b.len() && (a.as_ptr() == b.as_ptr() || same_text(a, b))
}

/// The `message` of a condition. Most are fixed sentences, kept as the constant itself; the
/// others name a ReplicaSet or a revision and are shared, not owned: every reconcile starts
/// its status from the previous conditions, and most leave them as they were, so a copy of
/// the list allocates nothing for its messages.
#[derive(Debug, Clone)]
pub enum ConditionMessage {
    /// A fixed sentence (`Rollout is healthy`).
    Static(&'static str),
    /// A sentence formatted once, when its condition was written.
    Shared(Arc<str>),
}

impl std::ops::Deref for ConditionMessage {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            ConditionMessage::Static(s) => s,
            ConditionMessage::Shared(s) => s,
        }
    }
}

/// Equal when the text is: how a message is held is not part of the status.
impl PartialEq for ConditionMessage {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // Most comparisons are of a message with its own copy: no need to read the text.
            (ConditionMessage::Static(a), ConditionMessage::Static(b)) if std::ptr::eq(*a, *b) => {
                true
            }
            (ConditionMessage::Shared(a), ConditionMessage::Shared(b)) if Arc::ptr_eq(a, b) => true,
            _ => **self == **other,
        }
    }
}

impl Eq for ConditionMessage {}

impl fmt::Display for ConditionMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl From<&'static str> for ConditionMessage {
    fn from(s: &'static str) -> Self {
        ConditionMessage::Static(s)
    }
}

impl From<String> for ConditionMessage {
    fn from(s: String) -> Self {
        ConditionMessage::Shared(s.into())
    }
}

/// The longest message [`ConditionMessage::joined`] puts together on the stack; a longer one
/// (a ReplicaSet name of some eighty bytes) goes through a `String`.
const JOINED_ON_STACK: usize = 160;

impl ConditionMessage {
    /// The message made of `parts` in turn, shared. Put together on the stack and then
    /// copied into its one shared allocation, rather than formatted into a `String` that is
    /// copied and freed: a message naming a ReplicaSet is written on every change of its
    /// condition, and the allocations are most of its cost.
    pub fn joined(parts: &[&str]) -> ConditionMessage {
        let mut buf = [0u8; JOINED_ON_STACK];
        let mut len = 0;
        for part in parts {
            let Some(to) = buf.get_mut(len..len + part.len()) else {
                return ConditionMessage::Shared(parts.concat().into());
            };
            to.copy_from_slice(part.as_bytes());
            len += part.len();
        }
        let text = std::str::from_utf8(&buf[..len]).expect("whole texts joined are a text");
        ConditionMessage::Shared(text.into())
    }
}

/// The reasons of a `RolloutCondition`, with Argo's spelling.
pub mod reason {
    /// Progressing: a ReplicaSet was created for a new template.
    pub const NEW_RS_CREATED: &str = "NewReplicaSetCreated";
    /// Progressing: the ReplicaSet of the template already existed and is reused.
    pub const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
    /// Progressing: a ReplicaSet was scaled or its annotations updated.
    pub const RS_UPDATED: &str = "ReplicaSetUpdated";
    /// Progressing: a fully promoted rollout no longer has minimum availability.
    pub const RS_NOT_AVAILABLE: &str = "ReplicaSetNotAvailable";
    /// Progressing true after the update finished: the new ReplicaSet is fully available.
    pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
    /// Progressing Unknown, and the event, when the rollout pauses.
    pub const PAUSED: &str = "RolloutPaused";
    /// Progressing Unknown, and the event, when the rollout leaves a pause.
    pub const RESUMED: &str = "RolloutResumed";
    /// Progressing Unknown: an aborted rollout was retried.
    pub const RETRY: &str = "RolloutRetry";
    /// Progressing false: the update was aborted (by the user or a failed analysis).
    pub const ABORTED: &str = "RolloutAborted";
    /// Progressing false: no progress within `progressDeadlineSeconds`.
    pub const TIMED_OUT: &str = "ProgressDeadlineExceeded";
    /// Available, true or false: whether the rollout has minimum availability.
    pub const AVAILABLE: &str = "AvailableReason";
    /// Healthy: every pod updated and available.
    pub const HEALTHY: &str = "RolloutHealthy";
    /// Completed: the desired template is the stable one.
    pub const COMPLETED: &str = "RolloutCompleted";
    /// InvalidSpec: the spec cannot be acted on.
    pub const INVALID_SPEC: &str = "InvalidSpec";
}

/// Why the controller paused the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseReason {
    /// A canary `pause` step.
    CanaryPauseStep,
    /// Blue-green waiting for promotion (`autoPromotionEnabled: false` or a delay).
    BlueGreenPause,
    /// An AnalysisRun ended Inconclusive: a human decides.
    InconclusiveAnalysisRun,
    /// An Experiment ended Inconclusive.
    InconclusiveExperiment,
}

impl PauseReason {
    /// The reason as Argo spells it in `status.pauseConditions[].reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::CanaryPauseStep => "CanaryPauseStep",
            PauseReason::BlueGreenPause => "BlueGreenPause",
            PauseReason::InconclusiveAnalysisRun => "InconclusiveAnalysisRun",
            PauseReason::InconclusiveExperiment => "InconclusiveExperiment",
        }
    }
}

/// One entry of `status.pauseConditions`: why and since when the controller paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseCondition {
    /// `reason`.
    pub reason: PauseReason,
    /// Whole seconds (Kubernetes timestamps are truncated).
    pub start_time: SimTime,
}

/// One destination of the traffic router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightDestination {
    /// `weight`: this destination's share, out of `maxTrafficWeight`.
    pub weight: i32,
    /// `podTemplateHash`: the ReplicaSet whose pods receive it.
    pub pod_template_hash: SmolStr,
    /// `serviceName`: the Service the router sends it to.
    pub service_name: SmolStr,
}

/// `status.canary.weights`: what the router applies now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficWeights {
    /// `canary`: the canary Service's share.
    pub canary: WeightDestination,
    /// `stable`: the stable Service's share.
    pub stable: WeightDestination,
    /// The weighted templates of a running experiment.
    pub additional: Vec<WeightDestination>,
}

/// `RolloutAnalysisRunStatus`: the run the rollout currently follows for one purpose.
#[derive(Debug, Clone, Eq)]
pub struct RunRef {
    /// `name`: the AnalysisRun's name.
    pub name: SmolStr,
    /// `status`: the run's phase as last seen.
    pub phase: AnalysisPhase,
    /// `message`: why the run ended so (empty while it runs).
    pub message: SmolStr,
}

/// Field by field, the short names compared as such ([`same_text`]).
impl PartialEq for RunRef {
    fn eq(&self, other: &Self) -> bool {
        self.phase == other.phase
            && same_text(&self.name, &other.name)
            && same_text(&self.message, &other.message)
    }
}

/// `status.canary`: what the canary strategy tracks between reconciles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanaryStatus {
    /// `weights`: set with traffic routing only.
    pub weights: Option<TrafficWeights>,
    /// `currentStepAnalysisRunStatus`.
    pub step_analysis: Option<RunRef>,
    /// `currentBackgroundAnalysisRunStatus`.
    pub background_analysis: Option<RunRef>,
    /// `currentExperiment`: the Experiment of the current step, while it runs.
    pub current_experiment: Option<SmolStr>,
}

/// `status.blueGreen`.
#[derive(Debug, Clone, Default, Eq)]
pub struct BlueGreenStatus {
    /// The pod-template hash the active Service selects ("" before the first switch).
    pub active_selector: SmolStr,
    /// The pod-template hash the preview Service selects.
    pub preview_selector: SmolStr,
    /// One-way latch of `previewReplicaCount`: the preview may now grow to full size.
    pub scale_up_preview_check_point: bool,
    /// `prePromotionAnalysisRunStatus`.
    pub pre_promotion_analysis: Option<RunRef>,
    /// `postPromotionAnalysisRunStatus`.
    pub post_promotion_analysis: Option<RunRef>,
}

/// Field by field, the hashes compared as the short texts they are ([`same_text`]): every
/// reconcile that reaches the persist compares this part of the status, of a canary
/// rollout too (where both selectors are empty). Every field is named, so a new one cannot
/// be left out.
impl PartialEq for BlueGreenStatus {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        let BlueGreenStatus {
            active_selector,
            preview_selector,
            scale_up_preview_check_point,
            pre_promotion_analysis,
            post_promotion_analysis,
        } = self;
        *scale_up_preview_check_point == other.scale_up_preview_check_point
            && same_text(active_selector, &other.active_selector)
            && same_text(preview_selector, &other.preview_selector)
            && *pre_promotion_analysis == other.pre_promotion_analysis
            && *post_promotion_analysis == other.post_promotion_analysis
    }
}

/// `CompletionStatus`: how an update attempt ended (or, for a rollback, will end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CompletionStatus {
    /// Through its steps (or the blue-green promotion) to stable.
    Promoted,
    /// By `promote --full`.
    FastPromoted,
    /// Aborted (by the user or a failed analysis).
    Aborted,
    /// Replaced by a newer template before it finished (seen in logs and metrics only: the
    /// status moves on to the new attempt in the same write).
    Superseded,
    /// Back to an earlier revision.
    RolledBack,
    /// Back to the stable, or to a revision inside the rollback window or scale-down delay.
    FastRolledBack,
}

impl CompletionStatus {
    /// The outcome as written in `status.duration.completionStatus`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompletionStatus::Promoted => "Promoted",
            CompletionStatus::FastPromoted => "FastPromoted",
            CompletionStatus::Aborted => "Aborted",
            CompletionStatus::Superseded => "Superseded",
            CompletionStatus::RolledBack => "RolledBack",
            CompletionStatus::FastRolledBack => "FastRolledBack",
        }
    }

    /// Reads an outcome as Argo spells it.
    pub fn parse(s: &str) -> Option<CompletionStatus> {
        [
            CompletionStatus::Promoted,
            CompletionStatus::FastPromoted,
            CompletionStatus::Aborted,
            CompletionStatus::Superseded,
            CompletionStatus::RolledBack,
            CompletionStatus::FastRolledBack,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// `status.duration` (`RolloutDurationStatus`): the timing of the current update attempt.
/// Times are whole seconds, as Kubernetes stores them. A few plain values, copied as such:
/// every status written computes it from the previous one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationStatus {
    /// `rolloutStartedAt`: when the attempt began (its new template was first seen).
    pub rollout_started_at: Option<SimTime>,
    /// Set while the attempt waits for a human (indefinite pause, inconclusive analysis,
    /// `spec.paused`, a blue-green pause without auto-promotion).
    pub manual_pause_started_at: Option<SimTime>,
    /// Whole seconds spent in such pauses so far.
    pub total_manual_pause_seconds: Option<u64>,
    /// When the attempt reached its end; `None` while it is under way.
    pub finished_at: Option<SimTime>,
    /// Known as soon as the outcome is (a rollback is classified when it starts).
    pub completion_status: Option<CompletionStatus>,
}

impl DurationStatus {
    /// `IsCompleted`.
    pub fn is_completed(&self) -> bool {
        self.rollout_started_at.is_some() && self.finished_at.is_some()
    }

    /// `CompleteRollout`: ends the attempt, closing a manual pause in progress.
    pub fn complete(&mut self, now: SimTime, status: CompletionStatus) {
        self.end_manual_pause(now);
        self.finished_at = Some(now);
        self.completion_status = Some(status);
    }

    /// Adds the manual pause in progress (whole seconds, truncated) to the total.
    pub fn end_manual_pause(&mut self, now: SimTime) {
        if let Some(started) = self.manual_pause_started_at.take() {
            let secs = now.saturating_sub(started).whole_secs();
            *self.total_manual_pause_seconds.get_or_insert(0) += secs;
        }
    }
}

/// `status` of a Rollout.
#[derive(Debug, Default)]
pub struct RolloutStatus {
    /// `observedGeneration`: the spec generation this status was computed from.
    pub observed_generation: u64,
    /// `currentPodHash`: the pod-template hash of the desired template.
    pub current_pod_hash: SmolStr,
    /// `currentStepHash`: a hash of the steps, to notice when they change.
    pub current_step_hash: SmolStr,
    /// `currentStepIndex`: the canary step in progress (equal to the step count when all are done).
    pub current_step_index: Option<u32>,
    /// `stableRS`: the pod-template hash of the stable ReplicaSet.
    pub stable_rs: SmolStr,
    /// `replicas`: non-terminating pods of every ReplicaSet.
    pub replicas: u32,
    /// `updatedReplicas`: pods of the desired template.
    pub updated_replicas: u32,
    /// `readyReplicas`.
    pub ready_replicas: u32,
    /// `availableReplicas`: Ready for `minReadySeconds`.
    pub available_replicas: u32,
    /// `pauseConditions`: why the controller paused, one entry per reason.
    pub pause_conditions: Vec<PauseCondition>,
    /// `controllerPause`: the controller paused it (the user resumes by clearing this).
    pub controller_pause: bool,
    /// `abort`: the update was aborted and traffic and pods went back to stable.
    pub abort: bool,
    /// `abortedAt`: when, in whole seconds.
    pub aborted_at: Option<SimTime>,
    /// `promoteFull`: `promote --full` was asked; steps and pauses are skipped.
    pub promote_full: bool,
    /// The last completed restart (`spec.restartAt` once every older pod was replaced).
    pub restarted_at: Option<SimTime>,
    /// `canary`.
    pub canary: CanaryStatus,
    /// `blueGreen`.
    pub blue_green: BlueGreenStatus,
    /// `conditions`, at most one per type, in the order they were last written (a write moves
    /// its condition to the end, as upstream's `SetRolloutCondition` appends; the phase reads
    /// the first condition that makes the rollout Degraded).
    pub conditions: Vec<RolloutCondition>,
    /// `phase`, as `CalculateRolloutPhase` computes it.
    pub phase: Phase,
    /// `message`: the phase's explanation (e.g. `CanaryPauseStep`).
    pub message: SmolStr,
    /// `status.duration`: the timing of the current update attempt.
    pub duration: Option<DurationStatus>,
}

/// The numbers first, the texts last: every reconcile that reaches the persist compares the
/// status it built with the previous one, and when they differ it is mostly in a count, a
/// step or a condition's time. Every field is named, so a new one cannot be left out.
impl PartialEq for RolloutStatus {
    fn eq(&self, other: &Self) -> bool {
        let RolloutStatus {
            observed_generation,
            current_pod_hash,
            current_step_hash,
            current_step_index,
            stable_rs,
            replicas,
            updated_replicas,
            ready_replicas,
            available_replicas,
            pause_conditions,
            controller_pause,
            abort,
            aborted_at,
            promote_full,
            restarted_at,
            canary,
            blue_green,
            conditions,
            phase,
            message,
            duration,
        } = self;
        *observed_generation == other.observed_generation
            && *replicas == other.replicas
            && *updated_replicas == other.updated_replicas
            && *ready_replicas == other.ready_replicas
            && *available_replicas == other.available_replicas
            && *current_step_index == other.current_step_index
            && *phase == other.phase
            && *controller_pause == other.controller_pause
            && *abort == other.abort
            && *aborted_at == other.aborted_at
            && *promote_full == other.promote_full
            && *restarted_at == other.restarted_at
            && *pause_conditions == other.pause_conditions
            && *duration == other.duration
            && *conditions == other.conditions
            && same_text(current_pod_hash, &other.current_pod_hash)
            && same_text(current_step_hash, &other.current_step_hash)
            && same_text(stable_rs, &other.stable_rs)
            && same_text(message, &other.message)
            && *canary == other.canary
            && *blue_green == other.blue_green
    }
}

impl Eq for RolloutStatus {}

/// `clone_from` copies into the lists already there: the reconciles that write a copy of the
/// previous status make it in the box of one no longer needed, and then allocate nothing.
/// Every field is named, so a new one cannot be left out.
impl Clone for RolloutStatus {
    fn clone(&self) -> Self {
        RolloutStatus {
            observed_generation: self.observed_generation,
            current_pod_hash: self.current_pod_hash.clone(),
            current_step_hash: self.current_step_hash.clone(),
            current_step_index: self.current_step_index,
            stable_rs: self.stable_rs.clone(),
            replicas: self.replicas,
            updated_replicas: self.updated_replicas,
            ready_replicas: self.ready_replicas,
            available_replicas: self.available_replicas,
            pause_conditions: self.pause_conditions.clone(),
            controller_pause: self.controller_pause,
            abort: self.abort,
            aborted_at: self.aborted_at,
            promote_full: self.promote_full,
            restarted_at: self.restarted_at,
            canary: self.canary.clone(),
            blue_green: self.blue_green.clone(),
            conditions: self.conditions.clone(),
            phase: self.phase,
            message: self.message.clone(),
            duration: self.duration,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        let RolloutStatus {
            observed_generation,
            current_pod_hash,
            current_step_hash,
            current_step_index,
            stable_rs,
            replicas,
            updated_replicas,
            ready_replicas,
            available_replicas,
            pause_conditions,
            controller_pause,
            abort,
            aborted_at,
            promote_full,
            restarted_at,
            canary,
            blue_green,
            conditions,
            phase,
            message,
            duration,
        } = self;
        *observed_generation = source.observed_generation;
        current_pod_hash.clone_from(&source.current_pod_hash);
        current_step_hash.clone_from(&source.current_step_hash);
        *current_step_index = source.current_step_index;
        stable_rs.clone_from(&source.stable_rs);
        *replicas = source.replicas;
        *updated_replicas = source.updated_replicas;
        *ready_replicas = source.ready_replicas;
        *available_replicas = source.available_replicas;
        pause_conditions.clone_from(&source.pause_conditions);
        *controller_pause = source.controller_pause;
        *abort = source.abort;
        *aborted_at = source.aborted_at;
        *promote_full = source.promote_full;
        *restarted_at = source.restarted_at;
        canary.clone_from(&source.canary);
        blue_green.clone_from(&source.blue_green);
        conditions.clone_from(&source.conditions);
        *phase = source.phase;
        message.clone_from(&source.message);
        *duration = source.duration;
        debug_assert!(*self == *source);
    }
}

impl RolloutStatus {
    /// Back to [`RolloutStatus::default`] in place, the lists keeping their buffers: a
    /// reconcile builds its status in the box of one no longer needed, and filling the
    /// conditions again then allocates nothing. Every field is named, so a new one cannot
    /// be left out.
    pub fn clear(&mut self) {
        let RolloutStatus {
            observed_generation,
            current_pod_hash,
            current_step_hash,
            current_step_index,
            stable_rs,
            replicas,
            updated_replicas,
            ready_replicas,
            available_replicas,
            pause_conditions,
            controller_pause,
            abort,
            aborted_at,
            promote_full,
            restarted_at,
            canary,
            blue_green,
            conditions,
            phase,
            message,
            duration,
        } = self;
        *observed_generation = 0;
        *current_pod_hash = SmolStr::default();
        *current_step_hash = SmolStr::default();
        *current_step_index = None;
        *stable_rs = SmolStr::default();
        *replicas = 0;
        *updated_replicas = 0;
        *ready_replicas = 0;
        *available_replicas = 0;
        pause_conditions.clear();
        *controller_pause = false;
        *abort = false;
        *aborted_at = None;
        *promote_full = false;
        *restarted_at = None;
        // Field by field, an option only when it is set: most are not, and a whole default
        // assigned instead costs a call to each struct's drop.
        let CanaryStatus {
            weights,
            step_analysis,
            background_analysis,
            current_experiment,
        } = canary;
        unset(weights);
        unset(step_analysis);
        unset(background_analysis);
        unset(current_experiment);
        let BlueGreenStatus {
            active_selector,
            preview_selector,
            scale_up_preview_check_point,
            pre_promotion_analysis,
            post_promotion_analysis,
        } = blue_green;
        *active_selector = SmolStr::default();
        *preview_selector = SmolStr::default();
        *scale_up_preview_check_point = false;
        unset(pre_promotion_analysis);
        unset(post_promotion_analysis);
        conditions.clear();
        *phase = Phase::default();
        *message = SmolStr::default();
        *duration = None;
        debug_assert!(*self == RolloutStatus::default());
    }

    /// The condition of that type, if set.
    pub fn condition(&self, kind: RolloutConditionType) -> Option<&RolloutCondition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }

    /// `SetRolloutCondition`: replaces the condition of that type unless status and reason are
    /// unchanged; keeps the transition time when only the reason changes. True when changed.
    pub fn set_condition(
        &mut self,
        kind: RolloutConditionType,
        status: CondStatus,
        reason: &'static str,
        message: ConditionMessage,
        now: SimTime,
    ) -> bool {
        self.set_condition_with(kind, status, reason, || message, now)
    }

    /// `set_condition` with the message built only when the condition changes: most
    /// reconciles leave their conditions as they were, and the message is then never read.
    pub fn set_condition_with<M: Into<ConditionMessage>>(
        &mut self,
        kind: RolloutConditionType,
        status: CondStatus,
        reason: &'static str,
        message: impl FnOnce() -> M,
        now: SimTime,
    ) -> bool {
        if self
            .condition(kind)
            .is_some_and(|c| c.status == status && same_reason(c.reason, reason))
        {
            return false;
        }
        self.write_condition(kind, status, reason, |_| message().into(), now);
        true
    }

    /// Writes the condition of that type even when status and reason are unchanged: a fresh
    /// `lastUpdateTime`, the transition time kept while the status stays, and the condition
    /// moved to the end of the list (upstream's `RemoveRolloutCondition` then
    /// `SetRolloutCondition`). `message` sees the condition being replaced, so that one that
    /// would read the same can be kept rather than formatted anew.
    pub fn write_condition(
        &mut self,
        kind: RolloutConditionType,
        status: CondStatus,
        reason: &'static str,
        message: impl FnOnce(Option<&RolloutCondition>) -> ConditionMessage,
        now: SimTime,
    ) {
        let now = now.truncate_to_second();
        let old = self
            .conditions
            .iter()
            .position(|c| c.kind == kind)
            .map(|i| self.conditions.remove(i));
        let last_transition = old
            .as_ref()
            .filter(|c| c.status == status)
            .map_or(now, |c| c.last_transition);
        self.conditions.push(RolloutCondition {
            kind,
            status,
            reason,
            message: message(old.as_ref()),
            last_update: now,
            last_transition,
        });
    }

    /// `RemoveRolloutCondition`.
    pub fn remove_condition(&mut self, kind: RolloutConditionType) {
        if let Some(i) = self.conditions.iter().position(|c| c.kind == kind) {
            self.conditions.remove(i);
        }
    }

    /// The pause condition with that reason, if the rollout carries one.
    pub fn pause_condition(&self, reason: PauseReason) -> Option<&PauseCondition> {
        self.pause_conditions.iter().find(|p| p.reason == reason)
    }
}

/// Sets an option to `None`, dropping its value only when there is one.
fn unset<T>(o: &mut Option<T>) {
    if o.is_some() {
        *o = None;
    }
}

/// Why `CalculateRolloutPhase` reports a rollout Degraded: the condition it finds first. Its
/// name starts the phase message (`RolloutAborted: Rollout aborted update to revision 2`);
/// readers of the journal match on this type, never on that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DegradedReason {
    /// An `InvalidSpec` condition: the spec is one the controller cannot act on.
    InvalidSpec,
    /// Progressing false with reason `RolloutAborted`: the update was aborted, by the user or
    /// by a failed analysis or experiment, and waits for a retry or a new revision.
    Aborted,
    /// Progressing false with reason `ProgressDeadlineExceeded`: no progress within
    /// `progressDeadlineSeconds`.
    ProgressDeadlineExceeded,
}

impl DegradedReason {
    /// The word that starts the phase message, as Argo writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            DegradedReason::InvalidSpec => "InvalidSpec",
            DegradedReason::Aborted => reason::ABORTED,
            DegradedReason::ProgressDeadlineExceeded => reason::TIMED_OUT,
        }
    }
}

/// The condition that makes `CalculateRolloutPhase` report Degraded, if any (the first of the
/// conditions that does), with why.
pub fn degraded_by(status: &RolloutStatus) -> Option<(DegradedReason, &RolloutCondition)> {
    status.conditions.iter().find_map(|c| {
        let why = if c.kind == RolloutConditionType::InvalidSpec {
            DegradedReason::InvalidSpec
        } else if same_reason(c.reason, reason::ABORTED) {
            DegradedReason::Aborted
        } else if same_reason(c.reason, reason::TIMED_OUT) {
            DegradedReason::ProgressDeadlineExceeded
        } else {
            return None;
        };
        Some((why, c))
    })
}

/// The message of the Paused phase while `spec.paused` is set (`CalculateRolloutPhase`); readers
/// of the journal compare with this one constant rather than a copy of its text.
pub const MANUALLY_PAUSED: &str = "manually paused";

/// `CalculateRolloutPhase`: the phase and message the controller stores (first match wins).
pub fn calculate_phase(spec: &RolloutSpec, status: &RolloutStatus) -> (Phase, SmolStr) {
    calculate_phase_keeping(spec, status, &SmolStr::default())
}

/// [`calculate_phase`], with `kept` (the message of the status before) returned as the
/// message when it already reads as the one computed: a Degraded rollout's message is
/// formatted from its condition's, longer than a `SmolStr` holds inline, and most reconciles
/// of a Degraded rollout leave it as it was.
pub fn calculate_phase_keeping(
    spec: &RolloutSpec,
    status: &RolloutStatus,
    kept: &SmolStr,
) -> (Phase, SmolStr) {
    // A restart is pending from the moment restartAt is set (even in the future) until done.
    let restart_pending = spec.restart_at.is_some() && spec.restart_time() != status.restarted_at;
    if let Some((why, c)) = degraded_by(status) {
        let reads_the_same = kept
            .strip_prefix(why.as_str())
            .and_then(|m| m.strip_prefix(": "))
            .is_some_and(|m| *m == *c.message);
        let message = if reads_the_same {
            kept.clone()
        } else {
            smol_str::format_smolstr!("{}: {}", why.as_str(), c.message)
        };
        debug_assert_eq!(message, format!("{}: {}", why.as_str(), c.message));
        return (Phase::Degraded, message);
    }
    if spec.paused {
        return (Phase::Paused, SmolStr::new_static(MANUALLY_PAUSED));
    }
    if let Some(p) = status.pause_conditions.first() {
        return (Phase::Paused, SmolStr::new_static(p.reason.as_str()));
    }
    if restart_pending {
        return (
            Phase::Progressing,
            SmolStr::new_static("rollout is restarting"),
        );
    }
    if status.updated_replicas < spec.replicas() {
        return (
            Phase::Progressing,
            SmolStr::new_static("more replicas need to be updated"),
        );
    }
    if status.available_replicas < status.updated_replicas {
        return (
            Phase::Progressing,
            SmolStr::new_static("updated replicas are still becoming available"),
        );
    }
    if spec.blue_green().is_some() {
        let bg = &status.blue_green;
        if bg.active_selector.is_empty()
            || !same_text(&bg.active_selector, &status.current_pod_hash)
        {
            return (
                Phase::Progressing,
                SmolStr::new_static("active service cutover pending"),
            );
        }
        if status.stable_rs.is_empty() || !same_text(&status.stable_rs, &status.current_pod_hash) {
            return (Phase::Progressing, bg_unpromoted_message(spec, status));
        }
    }
    if let Some(c) = spec.canary() {
        if c.traffic_routing.is_none() && status.replicas > status.updated_replicas {
            return (
                Phase::Progressing,
                SmolStr::new_static("old replicas are pending termination"),
            );
        }
        if status.stable_rs.is_empty() || !same_text(&status.stable_rs, &status.current_pod_hash) {
            return (
                Phase::Progressing,
                SmolStr::new_static("waiting for all steps to complete"),
            );
        }
    }
    (Phase::Healthy, SmolStr::default())
}

/// Why a blue-green rollout whose active Service already selects the new pods is not yet
/// promoted: a configured post-promotion analysis that has not finished
/// (`waitingForBlueGreenPostPromotionAnalysis`), or else post-promotion verification.
fn bg_unpromoted_message(spec: &RolloutSpec, status: &RolloutStatus) -> SmolStr {
    let analysis_configured = spec
        .blue_green()
        .is_some_and(|bg| bg.post_promotion_analysis.is_some());
    let analysis_done = status
        .blue_green
        .post_promotion_analysis
        .as_ref()
        .is_some_and(|run| run.phase.completed());
    if analysis_configured && !analysis_done {
        SmolStr::new_static("waiting for analysis to complete")
    } else {
        SmolStr::new_static("waiting for post-promotion verification to complete")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A joined message reads as its parts concatenated, on the stack or, past its room,
    /// through a `String`.
    #[test]
    fn joined_reads_as_the_parts_concatenated() {
        for n in [0, 1, 20, JOINED_ON_STACK - 40, JOINED_ON_STACK - 39, 300] {
            let name = "é".repeat(n / 2) + &"x".repeat(n % 2);
            let parts = ["ReplicaSet \"", name.as_str(), "\" is progressing."];
            let m = ConditionMessage::joined(&parts);
            assert_eq!(&*m, parts.concat(), "{n}");
            assert!(matches!(m, ConditionMessage::Shared(_)));
        }
        assert_eq!(&*ConditionMessage::joined(&[]), "");
    }

    /// `same_reason` agrees with text equality, for the constants and for copies of them at
    /// other addresses.
    #[test]
    fn same_reason_agrees_with_text_equality() {
        use reason::*;
        let all = [
            NEW_RS_CREATED,
            FOUND_NEW_RS,
            RS_UPDATED,
            RS_NOT_AVAILABLE,
            NEW_RS_AVAILABLE,
            PAUSED,
            RESUMED,
            RETRY,
            ABORTED,
            TIMED_OUT,
            AVAILABLE,
            HEALTHY,
            COMPLETED,
            INVALID_SPEC,
        ];
        for a in all {
            let copy: &'static str = String::leak(a.to_owned());
            for b in all {
                assert_eq!(same_reason(a, b), a == b, "{a} / {b}");
                assert_eq!(same_reason(copy, b), a == b, "{a} / {b}");
            }
        }
    }
}
