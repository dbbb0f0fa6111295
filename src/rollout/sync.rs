//! Status computation shared by the strategies (upstream `rollout/sync.go`): the base counts,
//! the reset on a new revision, the conditions (progress, availability, health, completion,
//! progress deadline) and the final persist with phase and message.

use smol_str::SmolStr;

use crate::engine::SimDuration;

use super::controller::Ctx;
use super::event::EventMessage;
use super::info::same_text;
use super::replica_arithmetic::Weights;
use super::status::{
    CompletionStatus, CondStatus, ConditionMessage, RolloutConditionType, RolloutStatus,
    calculate_phase_keeping, reason, same_reason,
};

/// How the Progressing condition's message of an update in progress ends, after the
/// ReplicaSet's name.
const PROGRESSING_SUFFIX: &str = "\" is progressing.";

/// The Progressing condition's message when an update's availability is lost.
const NOT_AVAILABLE_MESSAGE: &str = "Rollout does not have minimum availability";

/// `c.newStatus`: the status a reconcile builds, from its start in the box the plan will
/// carry. The sub-steps before the status sync set fields of it in place (through `Deref`);
/// [`Ctx::base_status`] takes the box and completes it. Built where it ends up, a status of
/// several hundred bytes is never moved, and the box's lists keep their buffers.
///
/// Before the status is started, the box is a spare: a status no longer needed, handed in by
/// the caller. The reconciles that end early (an invalid spec, a new ReplicaSet, a pause
/// condition to set) write a copy of the previous status, and make it in the spare; a
/// reconcile that writes no status hands its box back ([`NewStatus::unused`]), so that most
/// reconciles allocate no status and no list of conditions.
#[derive(Debug, Default)]
pub(super) struct NewStatus {
    /// A box whose contents are not needed, until `start` or `copy_of` takes it.
    spare: Option<Box<RolloutStatus>>,
    /// The status being built, until `base_status` takes it.
    building: Option<Box<RolloutStatus>>,
    /// The router weights the status was taken with: the replica counts of a step's
    /// completion check read them after `base_status`, and nothing else is read then.
    weights: Option<Weights>,
}

impl NewStatus {
    /// A status not started yet, to be built in `spare` if there is one.
    pub(super) fn new(spare: Option<Box<RolloutStatus>>) -> Self {
        NewStatus {
            spare,
            ..NewStatus::default()
        }
    }

    /// Starts the status in the spare or, without one, in a new box: the default status,
    /// apart from what the reconcile keeps unless a sub-step sets it (weights, restart,
    /// timing). The runs followed are named anew by each reconcile that reaches the analysis
    /// step.
    pub(super) fn start(&mut self, prev: &RolloutStatus) {
        let mut st = match self.spare.take() {
            Some(mut st) => {
                st.clear();
                st
            }
            None => Box::default(),
        };
        st.canary.weights.clone_from(&prev.canary.weights);
        st.restarted_at = prev.restarted_at;
        st.duration = prev.duration;
        self.building = Some(st);
    }

    /// A copy of `prev`, made in the spare if there is one (its lists keep their buffers).
    pub(super) fn copy_of(&mut self, prev: &RolloutStatus) -> Box<RolloutStatus> {
        match self.spare.take() {
            Some(mut st) => {
                RolloutStatus::clone_from(&mut st, prev);
                st
            }
            None => Box::new(prev.clone()),
        }
    }

    /// Takes back a box whose status is not written, as the spare.
    pub(super) fn give_back(&mut self, st: Box<RolloutStatus>) {
        self.spare = Some(st);
    }

    /// The box this reconcile did not write, if any, for the caller's next reconcile.
    pub(super) fn unused(&mut self) -> Option<Box<RolloutStatus>> {
        self.spare.take().or_else(|| self.building.take())
    }

    /// The box, for `base_status` to complete; the weights stay readable.
    fn take(&mut self) -> Box<RolloutStatus> {
        let st = self
            .building
            .take()
            .expect("the status is taken once per reconcile");
        self.weights = Ctx::weights_of(&st.canary.weights);
        st
    }

    /// The traffic weights of the status being built (as it was taken, once it is).
    pub(super) fn weights(&self) -> Option<Weights> {
        match &self.building {
            Some(st) => Ctx::weights_of(&st.canary.weights),
            None => self.weights,
        }
    }
}

impl std::ops::Deref for NewStatus {
    type Target = RolloutStatus;
    fn deref(&self) -> &RolloutStatus {
        self.building
            .as_deref()
            .expect("only the weights are read once base_status took the status")
    }
}

impl std::ops::DerefMut for NewStatus {
    fn deref_mut(&mut self) -> &mut RolloutStatus {
        self.building
            .as_deref_mut()
            .expect("nothing is written once base_status took the status")
    }
}

impl Ctx<'_> {
    /// `calculateBaseStatus`: counts from the ReplicaSets as read at the start of the reconcile.
    /// The status is the one the sub-steps before it filled, in its box: the sub-steps that
    /// complete it and the persist then pass a pointer rather than copy it, and the box is the
    /// one the plan carries.
    pub(super) fn base_status(&mut self) -> Box<RolloutStatus> {
        let mut st = self.new_status.take();
        // The list keeps its buffer: copying the previous conditions into it allocates
        // nothing once the box has served a reconcile.
        st.conditions.clone_from(&self.prev.conditions);
        // The new ReplicaSet's hash is the template's (that is how it was found): the
        // template's is shared, not built again from its text.
        debug_assert!(
            self.new_rs
                .is_none_or(|rs| rs.hash == self.ro.template_hash)
        );
        st.current_pod_hash = self.ro.template_hash.clone();
        // A ReplicaSet's counts are never negative; one that were would count as none.
        let count = |n: i32| u32::try_from(n).unwrap_or(0);
        let (mut replicas, mut ready, mut available) = (0, 0, 0);
        for rs in self.all {
            replicas += count(rs.status_replicas);
            ready += count(rs.ready);
            available += count(rs.available);
        }
        st.replicas = replicas;
        st.updated_replicas = self.new_rs.map_or(0, |rs| count(rs.status_replicas));
        st.ready_replicas = ready;
        st.available_replicas = available;
        st.remove_condition(RolloutConditionType::InvalidSpec);
        st.promote_full = self.prev.promote_full;
        st
    }

    /// `resetRolloutStatus`: a new revision starts from step 0 with no pause, abort, full
    /// promotion or restart left over.
    pub(super) fn reset_status(&mut self, new: &mut RolloutStatus) {
        self.pause.clear_pauses();
        self.pause.remove_abort();
        new.restarted_at = self.spec.restart_time();
        new.promote_full = false;
        new.blue_green.scale_up_preview_check_point = false;
        new.current_step_index = (!self.canary.steps.is_empty()).then_some(0);
    }

    /// `isRollbackWithinWindow`: the new ReplicaSet is older than the stable one and fewer than
    /// `rollbackWindow.revisions` ReplicaSets were created between them.
    pub(super) fn rollback_within_window(&self) -> bool {
        let (Some(new), Some(stable), Some(window)) =
            (self.new_rs, self.stable_rs, self.spec.rollback_window)
        else {
            return false;
        };
        if window == 0 || new.created >= stable.created {
            return false;
        }
        let between = self
            .all
            .iter()
            .filter(|rs| new.created < rs.created && rs.created < stable.created)
            .count();
        between < window as usize
    }

    /// `promoteStable`: the current ReplicaSet becomes the stable one.
    pub(super) fn promote_stable(&mut self, new: &mut RolloutStatus, why: &str) {
        self.pause.clear_pauses();
        self.pause.remove_abort();
        new.promote_full = false;
        new.blue_green.scale_up_preview_check_point = false;
        if self.blue_green.is_none() {
            let step_count = self.canary.step_count();
            new.current_step_index = (step_count > 0).then_some(step_count);
        }
        if !same_text(&new.stable_rs, &new.current_pod_hash) {
            // The outcome of the attempt is known now; it finishes once fully available.
            if let Some(d) = new.duration.as_mut()
                && d.completion_status.is_none()
            {
                d.completion_status = Some(if self.prev.promote_full {
                    CompletionStatus::FastPromoted
                } else {
                    CompletionStatus::Promoted
                });
            }
            new.stable_rs = new.current_pod_hash.clone();
            let why = SmolStr::from(why);
            self.plan.event(
                reason::COMPLETED,
                EventMessage::RolloutCompleted {
                    revision: self.ro.revision,
                    hash: new.current_pod_hash.clone(),
                    why: why.clone(),
                },
            );
            self.plan.completed_because = Some(why);
        }
    }

    fn is_paused(&self) -> bool {
        !self.prev.pause_conditions.is_empty() || self.spec.paused
    }

    /// `isIndefiniteStep`: pause, analysis and experiment steps never time out.
    fn is_indefinite_step(&self) -> bool {
        self.current_step()
            .0
            .is_some_and(|s| s.pause.is_some() || s.analysis.is_some() || s.experiment.is_some())
    }

    /// `RolloutHealthy`: everything updated and available, all steps done, old pods gone.
    /// `promoted`: whether `new`'s stable hash is its current one.
    fn rollout_healthy(&self, new: &RolloutStatus, promoted: bool) -> bool {
        debug_assert_eq!(promoted, new.stable_rs == new.current_pod_hash);
        let r = self.spec.replicas();
        let steps = self.canary.step_count();
        let all_steps = match new.current_step_index {
            Some(i) if steps > 0 => i == steps,
            _ => true,
        };
        let complete = match self.blue_green {
            Some(bg) => {
                let bgs = &new.blue_green;
                same_text(&bgs.active_selector, &new.current_pod_hash)
                    && (bg.preview_service.is_none()
                        || same_text(&bgs.preview_selector, &new.current_pod_hash))
            }
            None => all_steps && !new.stable_rs.is_empty() && promoted && new.replicas == r,
        };
        new.updated_replicas == r
            && new.available_replicas == r
            && self.prev.observed_generation == self.ro.generation
            && complete
    }

    /// `RolloutProgressing`: did anything move since the previous status?
    fn rollout_progressing(&self, new: &RolloutStatus) -> bool {
        let old = self.prev;
        let step_moved = matches!((new.current_step_index, old.current_step_index), (Some(a), Some(b)) if a != b);
        let strategy = if self.blue_green.is_some() {
            !same_text(
                &new.blue_green.active_selector,
                &old.blue_green.active_selector,
            ) || !same_text(
                &new.blue_green.preview_selector,
                &old.blue_green.preview_selector,
            )
        } else {
            !same_text(&new.stable_rs, &old.stable_rs)
                || step_moved
                || !same_text(&new.current_step_hash, &old.current_step_hash)
        };
        let old_old = i64::from(old.replicas) - i64::from(old.updated_replicas);
        let new_old = i64::from(new.replicas) - i64::from(new.updated_replicas);
        new.updated_replicas != old.updated_replicas
            || new_old < old_old
            || new.ready_replicas > old.ready_replicas
            || new.available_replicas > old.available_replicas
            || strategy
    }

    /// `RolloutTimedOut`, with the exclusions of §9.3: a paused rollout, or one whose old
    /// ReplicaSets wait on a scale-down delay, does not time out.
    fn rollout_timed_out(&self, new: &RolloutStatus) -> bool {
        let Some(cond) = new.condition(RolloutConditionType::Progressing) else {
            return false;
        };
        match cond.reason {
            reason::ABORTED | reason::PAUSED => return false,
            reason::TIMED_OUT => return true,
            _ => {}
        }
        if self
            .prev
            .condition(RolloutConditionType::Paused)
            .is_some_and(|c| c.status == CondStatus::True)
        {
            return false;
        }
        if self
            .others
            .iter()
            .any(|rs| rs.scale_down_deadline.is_some())
        {
            return false;
        }
        let deadline = cond.last_update
            + SimDuration::from_secs(u64::from(self.spec.progress_deadline_seconds));
        deadline < self.now
    }

    /// `calculateRolloutConditions` then `persistRolloutStatus`.
    pub(super) fn persist_with_conditions(&mut self, mut new: Box<RolloutStatus>) {
        // Whether the stable hash is the current one, and whether the rollout is healthy, are
        // read by several of the steps below and changed by none of them (the conditions,
        // pauses, phase and timing they write are not among what they read): decided once.
        let promoted = same_text(&new.stable_rs, &new.current_pod_hash);
        let healthy = self.rollout_healthy(&new, promoted);
        self.calculate_conditions(&mut new, promoted, healthy);
        if self.persist(&mut new, promoted, healthy) {
            self.plan.status = Some(new);
        } else {
            self.new_status.give_back(new);
        }
    }

    /// `healthy`: `rollout_healthy`, which reads no condition, so the conditions written
    /// here do not change it; `promoted` as for `rollout_healthy`.
    fn calculate_conditions(&mut self, new: &mut RolloutStatus, promoted: bool, healthy: bool) {
        let now = self.now;
        let aborted = self.pause.is_aborted();
        let rs_name = self.new_rs.map_or("", |rs| rs.name.as_str());

        let mut became_unhealthy = false;
        if !self.is_paused() && healthy {
            new.set_condition_with(
                RolloutConditionType::Healthy,
                CondStatus::True,
                reason::HEALTHY,
                || "Rollout is healthy",
                now,
            );
        } else if self.prev.condition(RolloutConditionType::Healthy).is_some() {
            became_unhealthy = new.set_condition_with(
                RolloutConditionType::Healthy,
                CondStatus::False,
                reason::HEALTHY,
                || "Rollout is not healthy",
                now,
            );
        }

        if aborted {
            // Written (and its message formatted) once, when the rollout becomes aborted.
            let mut message = String::new();
            if new.set_condition_with(
                RolloutConditionType::Progressing,
                CondStatus::False,
                reason::ABORTED,
                || {
                    message = format!("Rollout aborted update to revision {}", self.ro.revision);
                    if !self.pause.abort_message.is_empty() {
                        message = format!("{message}: {}", self.pause.abort_message);
                    }
                    ConditionMessage::Shared(message.as_str().into())
                },
                now,
            ) {
                self.plan.warning(reason::ABORTED, message);
            }
        } else if healthy {
            new.set_condition_with(
                RolloutConditionType::Progressing,
                CondStatus::True,
                reason::NEW_RS_AVAILABLE,
                || {
                    ConditionMessage::joined(&[
                        "ReplicaSet \"",
                        rs_name,
                        "\" has successfully progressed.",
                    ])
                },
                now,
            );
        } else if self.rollout_progressing(new) || became_unhealthy {
            let not_available = promoted && became_unhealthy;
            let why = if not_available {
                reason::RS_NOT_AVAILABLE
            } else {
                reason::RS_UPDATED
            };
            // Progress always refreshes lastUpdateTime (the progress deadline counts from it),
            // keeping the transition time while the condition stays True. The message of a
            // condition written again as it was is kept, not formatted anew: an update in
            // progress rewrites this condition on every reconcile.
            new.write_condition(
                RolloutConditionType::Progressing,
                CondStatus::True,
                why,
                |old| {
                    let same = old.filter(|c| same_reason(c.reason, why)).filter(|c| {
                        if not_available {
                            *c.message == *NOT_AVAILABLE_MESSAGE
                        } else {
                            c.message
                                .strip_prefix("ReplicaSet \"")
                                .and_then(|m| m.strip_suffix(PROGRESSING_SUFFIX))
                                == Some(rs_name)
                        }
                    });
                    match same {
                        Some(c) => c.message.clone(),
                        None if not_available => NOT_AVAILABLE_MESSAGE.into(),
                        None => ConditionMessage::joined(&[
                            "ReplicaSet \"",
                            rs_name,
                            PROGRESSING_SUFFIX,
                        ]),
                    }
                },
                now,
            );
        } else if !self.is_indefinite_step() && self.rollout_timed_out(new) {
            let message = format!("ReplicaSet \"{rs_name}\" has timed out progressing.");
            let changed = new.set_condition(
                RolloutConditionType::Progressing,
                CondStatus::False,
                reason::TIMED_OUT,
                ConditionMessage::Shared(message.as_str().into()),
                now,
            );
            // Only an update still in progress is aborted: a completed one (stable == current:
            // the first deploy, a restart, lost pods) just turns Degraded and recovers.
            let update_in_progress = !promoted;
            if self.spec.progress_deadline_abort
                && update_in_progress
                && (changed || !self.pause.is_aborted())
            {
                self.pause.add_abort(message.clone());
                self.plan.warning(reason::ABORTED, message);
            }
        }

        let r = self.spec.replicas();
        let available = match self.blue_green {
            // Blue-green: the active ReplicaSet is saturated.
            Some(_) => self
                .all
                .iter()
                .find(|rs| {
                    !new.blue_green.active_selector.is_empty()
                        && same_text(&rs.hash, &new.blue_green.active_selector)
                })
                .is_some_and(|rs| self.saturated(rs)),
            // The total `base_status` counted: only a blue-green sync changes it after.
            None => {
                debug_assert_eq!(
                    new.available_replicas,
                    self.all
                        .iter()
                        .map(|rs| u32::try_from(rs.available).unwrap_or(0))
                        .sum::<u32>()
                );
                new.available_replicas >= r
            }
        };
        if available {
            new.set_condition_with(
                RolloutConditionType::Available,
                CondStatus::True,
                reason::AVAILABLE,
                || "Rollout has minimum availability",
                now,
            );
        } else {
            new.set_condition_with(
                RolloutConditionType::Available,
                CondStatus::False,
                reason::AVAILABLE,
                || NOT_AVAILABLE_MESSAGE,
                now,
            );
        }

        let completed = !new.stable_rs.is_empty() && promoted;
        let changed = new.set_condition_with(
            RolloutConditionType::Completed,
            if completed {
                CondStatus::True
            } else {
                CondStatus::False
            },
            reason::COMPLETED,
            || reason::COMPLETED,
            now,
        );
        if changed && !completed {
            self.plan.event(
                "RolloutNotCompleted",
                EventMessage::RolloutNotCompleted {
                    revision: self.ro.revision,
                    hash: new.current_pod_hash.clone(),
                },
            );
        }
    }

    /// `persistRolloutStatus`: folds in pauses and abort, stamps the generation, computes the
    /// phase; true when something changed and the status is to be written (else arms the
    /// progress-deadline timer). `promoted` and `healthy` as `persist_with_conditions` decided
    /// them: the pauses, phase and timing written here change neither.
    fn persist(&mut self, new: &mut RolloutStatus, promoted: bool, healthy: bool) -> bool {
        self.pause.apply(self.prev, new, self.now);
        new.observed_generation = self.ro.generation;
        (new.phase, new.message) = calculate_phase_keeping(self.spec, new, &self.prev.message);
        // `base_status` removed any InvalidSpec condition, and none was set since.
        new.duration = self.next_duration(new, promoted);
        if *new == *self.prev {
            self.requeue_stuck_rollout(healthy);
            return false;
        }
        let was_paused = !self.prev.pause_conditions.is_empty();
        let is_paused = !new.pause_conditions.is_empty();
        if was_paused != is_paused {
            if is_paused {
                self.plan.event(
                    reason::PAUSED,
                    EventMessage::RolloutPaused(new.pause_conditions[0].reason),
                );
            } else if new.aborted_at.is_none() {
                self.plan.event(reason::RESUMED, "Rollout is resumed");
            }
        }
        true
    }

    /// `requeueStuckRollout`: wake up one second after the progress deadline would pass.
    /// `healthy`: `rollout_healthy` of the status not written.
    fn requeue_stuck_rollout(&mut self, healthy: bool) {
        let Some(cond) = self.prev.condition(RolloutConditionType::Progressing) else {
            return;
        };
        if healthy
            || same_reason(cond.reason, reason::TIMED_OUT)
            || self.is_paused()
            || self.prev.abort
            || self.is_indefinite_step()
        {
            return;
        }
        let at = cond.last_update
            + SimDuration::from_secs(u64::from(self.spec.progress_deadline_seconds) + 1);
        if at > self.now {
            self.plan.requeue.push(at);
        }
    }
}
