//! The canary strategy's reconcile (upstream `rollout/canary.go`): services and traffic first,
//! then at most one group of ReplicaSet writes (stable, else new, else older ones), then the
//! pause step, then the status (promotion, abort, step advance).

use std::borrow::Cow;

use crate::api::{Step, StepText};

use super::controller::Ctx;
use super::event::EventMessage;
use super::status::{PauseReason, RolloutStatus};

impl Ctx<'_> {
    /// `rolloutCanary`.
    pub(super) fn rollout_canary(&mut self) {
        if self.template_or_steps_changed() {
            self.sync_status_canary();
            return;
        }
        // Evictions take the whole reconcile: no scaling, no status write.
        if self.restart_pods() {
            return;
        }
        self.reconcile_revision_history_limit();
        self.reconcile_stable_and_canary_service();
        self.reconcile_traffic_routing();
        self.reconcile_experiments();
        self.reconcile_analysis_runs();
        // An inconclusive run or experiment pauses the rollout: that is the whole reconcile.
        if self.pause.has_add_pause() {
            self.sync_status_canary();
            return;
        }
        if self.reconcile_canary_replica_sets() {
            self.sync_status_canary();
            return;
        }
        self.reconcile_canary_pause();
        self.sync_status_canary();
    }

    /// `syncReplicasOnly`: after `spec.replicas` changed, rescale and persist, without the
    /// revision-history and step bookkeeping of a full reconcile. Experiments are not looked
    /// at, so (as upstream) the status stops naming the current one.
    pub(super) fn sync_replicas_only(&mut self) {
        self.keep_current_runs();
        if self.restart_pods() {
            return;
        }
        self.reconcile_canary_replica_sets();
        self.reconcile_canary_pause();
        self.reconcile_stable_and_canary_service();
        self.reconcile_traffic_routing();
        self.sync_status_canary();
    }

    /// `haltProgress`: a manual pause, or an inconclusive analysis, stops all ReplicaSet scaling.
    pub(super) fn halted(&self) -> bool {
        self.spec.paused
            || self
                .prev
                .pause_condition(PauseReason::InconclusiveAnalysisRun)
                .is_some()
    }

    /// `reconcileCanaryReplicaSets`: true when a ReplicaSet was scaled (which ends the pass).
    pub(super) fn reconcile_canary_replica_sets(&mut self) -> bool {
        if self.halted() {
            return false;
        }
        self.remove_scale_down_deadlines();
        if self.reconcile_canary_stable_replica_set() {
            return true;
        }
        if self.reconcile_new_replica_set() {
            return true;
        }
        self.reconcile_other_replica_sets()
    }

    /// The current step, from the status read at the start of the reconcile (so looked up
    /// once, in [`Ctx::new`]).
    pub(super) fn current_step(&self) -> (Option<&Step>, Option<u32>) {
        self.current_step
    }

    /// The current step of `canary` as `prev` names it: none without steps, else the step at
    /// the index (unset reads as 0; none past the last step) and the index.
    pub(super) fn step_at<'s>(
        canary: &'s crate::api::Canary,
        prev: &RolloutStatus,
    ) -> (Option<&'s Step>, Option<u32>) {
        let steps = &canary.steps;
        if steps.is_empty() {
            return (None, None);
        }
        let idx = prev.current_step_index.unwrap_or(0);
        (steps.get(idx as usize), Some(idx))
    }

    /// `reconcileCanaryPause`: at a pause step, adds the `CanaryPauseStep` pause condition the
    /// first time, and asks to be woken when a timed pause ends.
    pub(super) fn reconcile_canary_pause(&mut self) -> bool {
        if self.spec.paused || self.prev.promote_full {
            return false;
        }
        let (step, _) = self.current_step();
        let Some(pause) = step.and_then(|s| s.pause.as_ref()) else {
            return false;
        };
        let Some(cond) = self.prev.pause_condition(PauseReason::CanaryPauseStep) else {
            if !self.prev.controller_pause {
                self.pause.add_pause(PauseReason::CanaryPauseStep);
            }
            return true;
        };
        if let Some(d) = &pause.duration {
            let expiry = cond.start_time + crate::engine::SimDuration::from_secs(d.seconds);
            if expiry > self.now {
                self.plan.requeue.push(expiry);
            }
        }
        true
    }

    /// `completedCurrentCanaryStep`.
    pub(super) fn completed_current_step(&self) -> bool {
        if self.spec.paused {
            return false;
        }
        let (Some(step), _) = self.current_step() else {
            return false;
        };
        // Upstream checks the kinds in this order; a step may carry setCanaryScale next to
        // setWeight or pause, and the first kind present decides.
        if let Some(p) = &step.pause {
            return self.completed_pause_step(p);
        }
        // Weight verification exists only for ALB and plugins; the generic router never
        // reports an unverified weight, so setWeight completes with the replica counts.
        if step.set_canary_scale.is_some() || step.set_weight.is_some() {
            return self.at_desired_counts(self.new_status.weights());
        }
        if step.experiment.is_some() {
            return self.completed_experiment_step();
        }
        if step.analysis.is_some() {
            return self.step_run_phase() == Some(crate::analysis::run::AnalysisPhase::Successful);
        }
        // Routes are set by the traffic-routing pass; the step itself is done at once.
        step.set_header_route.is_some() || step.set_mirror_route.is_some()
    }

    /// `CompletedCanaryPauseStep`: a human cleared the pause (promote), or its time is up.
    fn completed_pause_step(&self, pause: &crate::api::Pause) -> bool {
        let cond = self.prev.pause_condition(PauseReason::CanaryPauseStep);
        if self.prev.controller_pause && cond.is_none() {
            return true;
        }
        match (&pause.duration, cond) {
            (Some(d), Some(cond)) => {
                self.now >= cond.start_time + crate::engine::SimDuration::from_secs(d.seconds)
            }
            _ => false,
        }
    }

    /// `syncRolloutStatusCanary`: computes the new status (reset on a new revision, full
    /// promotion, abort, or one step forward) and persists it.
    pub(super) fn sync_status_canary(&mut self) {
        let mut new = self.base_status();
        let step_count = self.canary.step_count();
        let (step, mut idx) = self.current_step();
        // Described only for the event of a completed step, not on every reconcile.
        let canary = self.canary;
        let step_at = step.and(idx);
        let step_text = move || StepText::at(&canary.steps, step_at);
        new.stable_rs = self.prev.stable_rs.clone();
        // The status usually names these steps already: its copy of the hash is shared.
        new.current_step_hash = if self.steps_changed {
            self.canary.steps_hash.as_str().into()
        } else {
            self.prev.current_step_hash.clone()
        };

        if self.template_or_steps_changed() {
            self.reset_status(&mut new);
            if let Some(new_rs) = self.new_rs
                && step_count > 0
            {
                if self.prev.stable_rs == new_rs.hash {
                    self.plan
                        .event("SkipSteps", "Rollback to stable ReplicaSets");
                    new.current_step_index = Some(step_count);
                } else if self.rollback_within_window() && new_rs.spec > 0 {
                    self.plan.event(
                        "SkipSteps",
                        "Rollback to active ReplicaSets within RollbackWindow",
                    );
                    new.current_step_index = Some(step_count);
                }
            }
            self.persist_with_conditions(new);
            return;
        }

        if self.prev.promote_full || self.rollback_within_window() {
            self.pause.clear_pauses();
            self.pause.remove_abort();
            if step_count > 0 {
                idx = Some(step_count);
            }
        }

        if let Some(why) = self.should_full_promote() {
            self.promote_stable(&mut new, &why);
            self.persist_with_conditions(new);
            return;
        }

        if self.pause.is_aborted() {
            if step_count > 0 {
                new.current_step_index = Some(if new.stable_rs == new.current_pod_hash {
                    step_count
                } else {
                    0
                });
            }
            self.persist_with_conditions(new);
            return;
        }

        if self.completed_current_step()
            && let Some(i) = idx.as_mut()
            && *i < step_count
        {
            *i += 1;
            self.plan.event(
                "RolloutStepCompleted",
                EventMessage::RolloutStepCompleted {
                    step: *i,
                    steps: step_count,
                    text: step_text(),
                },
            );
            self.pause.remove_pause(PauseReason::CanaryPauseStep);
            new.canary.step_analysis = None;
        }
        new.current_step_index = idx;
        self.persist_with_conditions(new);
    }

    /// `shouldFullPromote` for the canary strategy.
    fn should_full_promote(&self) -> Option<Cow<'static, str>> {
        if self.stable_rs.is_none() {
            return Some("Initial deploy".into());
        }
        if self.pause.is_aborted() {
            return None;
        }
        let new_rs = self.new_rs?;
        let r = self.replicas();
        let ready = match self.canary.replica_progress_threshold {
            Some(t) => super::replica_arithmetic::replica_progress_threshold_met(
                Some(t),
                Some(&Self::counts(new_rs)),
                r,
            ),
            None => new_rs.available >= r,
        };
        if !ready {
            return None;
        }
        if self.prev.promote_full {
            return Some("Full promotion requested".into());
        }
        if self.rollback_within_window() {
            return Some("Rollback within window".into());
        }
        let step_count = self.canary.step_count();
        let (_, idx) = self.current_step();
        if step_count == 0 || idx == Some(step_count) {
            return Some(format!("Completed all {step_count} canary steps").into());
        }
        None
    }
}
