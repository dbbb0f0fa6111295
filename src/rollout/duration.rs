//! `status.duration` (upstream `rollout/sync.go:calculateStatusDuration`): when the current
//! update attempt started, how long it waited for a human, when and how it ended (Promoted,
//! FastPromoted, Aborted, RolledBack, FastRolledBack; Superseded is replaced at once by the
//! next attempt). Computed from the status being written and the one before it, after the
//! phase, on every status write.

use super::controller::Ctx;
use super::info::same_text;
use super::status::{
    CompletionStatus, DurationStatus, PauseReason, RolloutConditionType, RolloutStatus, reason,
    same_reason,
};

impl Ctx<'_> {
    /// The `status.duration` to write with `new`. `promoted`: whether `new`'s stable hash is
    /// its current one (the caller knows it already).
    pub(super) fn status_duration(
        &self,
        new: &RolloutStatus,
        promoted: bool,
    ) -> Option<DurationStatus> {
        // An invalid spec leaves the timing as it was.
        if new.condition(RolloutConditionType::InvalidSpec).is_some() {
            return new.duration;
        }
        self.next_duration(new, promoted)
    }

    /// [`Ctx::status_duration`] of a status with no InvalidSpec condition, as the status sync
    /// builds it (`base_status` removes that condition): the timing moves on.
    pub(super) fn next_duration(
        &self,
        new: &RolloutStatus,
        promoted: bool,
    ) -> Option<DurationStatus> {
        debug_assert_eq!(promoted, new.stable_rs == new.current_pod_hash);
        debug_assert!(new.condition(RolloutConditionType::InvalidSpec).is_none());
        let now = self.now.truncate_to_second();
        let prev = self.prev;
        let mut d = new.duration;
        let spec_changed = prev.current_pod_hash.is_empty() || self.attempt_spec_changed();
        let at_desired = self
            .new_rs
            .is_some_and(|rs| rs.available >= self.replicas());
        let completed = promoted && at_desired;
        let aborted = self.pause.is_aborted();
        // Read only when the attempt has finished: a retry starts a new one.
        let retry = || {
            !aborted
                && prev
                    .condition(RolloutConditionType::Progressing)
                    .is_some_and(|c| same_reason(c.reason, reason::ABORTED))
        };
        let prev_d = prev.duration.as_ref();
        let mut manual_paused = prev_d.is_some_and(|d| d.manual_pause_started_at.is_some());
        let in_progress =
            prev_d.is_some_and(|d| d.rollout_started_at.is_some() && !d.is_completed());

        if in_progress && let Some(cur) = d.as_mut() {
            if spec_changed {
                if self.is_rollback() {
                    // Going back keeps the attempt; its outcome is known already.
                    cur.completion_status = Some(if self.is_fast_rollback() {
                        CompletionStatus::FastRolledBack
                    } else {
                        CompletionStatus::RolledBack
                    });
                } else {
                    cur.complete(now, CompletionStatus::Superseded);
                }
            }
            if completed && !cur.is_completed() {
                let status = cur.completion_status.unwrap_or(CompletionStatus::Promoted);
                cur.complete(now, status);
                return d;
            } else if aborted && !cur.is_completed() {
                let status = cur.completion_status.unwrap_or(CompletionStatus::Aborted);
                cur.complete(now, status);
            }
        }

        let finished = d.as_ref().is_none_or(|d| d.is_completed() && !completed);
        if finished && ((spec_changed && !completed) || retry()) {
            // A new attempt: a new template (not one already fully out), or a retry.
            manual_paused = false;
            d = Some(DurationStatus {
                rollout_started_at: Some(now),
                ..Default::default()
            });
        }
        let mut cur = d?;
        if cur.is_completed() {
            return Some(cur);
        }
        let waiting_for_human = self.spec.paused
            || new
                .pause_conditions
                .iter()
                .any(|p| self.requires_manual_action(p.reason));
        if manual_paused && !waiting_for_human {
            cur.end_manual_pause(now);
        } else if !manual_paused && waiting_for_human && cur.manual_pause_started_at.is_none() {
            cur.manual_pause_started_at = Some(now);
        }
        Some(cur)
    }

    /// `PodTemplateOrStepsChanged` (canary) / `CheckPodSpecChange` (blue-green): the wanted
    /// template, or the steps, differ from what the previous status recorded.
    fn attempt_spec_changed(&self) -> bool {
        let prev = self.prev;
        let changed = if self.blue_green.is_none() {
            // The context compared both hashes once already (`PodTemplateOrStepsChanged`, the
            // same test but for a status that names no steps).
            self.template_or_steps_changed() || prev.current_step_hash.is_empty()
        } else {
            !prev.current_pod_hash.is_empty() && !same_text(&prev.current_pod_hash, self.new_hash)
        };
        debug_assert_eq!(changed, {
            let hash = self.new_rs.map_or(self.new_hash, |rs| rs.hash.as_str());
            let pod_changed = !prev.current_pod_hash.is_empty() && prev.current_pod_hash != hash;
            let steps_changed = self.blue_green.is_none()
                && (prev.current_step_hash.is_empty()
                    || prev.current_step_hash != self.canary.steps_hash);
            pod_changed || steps_changed
        });
        changed
    }

    /// `isRollback`: the wanted ReplicaSet is the stable one or older than it.
    fn is_rollback(&self) -> bool {
        let (Some(new_rs), Some(stable)) = (self.new_rs, self.stable_rs) else {
            return false;
        };
        same_text(&self.prev.stable_rs, &new_rs.hash) || new_rs.created < stable.created
    }

    /// `isFastRollback`: a rollback that skips the steps (to the stable, inside the rollback
    /// window, or, for blue-green, to a ReplicaSet still inside its scale-down delay).
    pub(super) fn is_fast_rollback(&self) -> bool {
        let Some(new_rs) = self.new_rs else {
            return false;
        };
        let within_delay =
            self.blue_green.is_some() && new_rs.scale_down_deadline.is_some_and(|t| t > self.now);
        self.is_rollback()
            && (self.rollback_within_window()
                || within_delay
                || same_text(&self.prev.stable_rs, &new_rs.hash))
    }

    /// `requiresManualAction`: a pause only a human ends.
    fn requires_manual_action(&self, why: PauseReason) -> bool {
        match why {
            PauseReason::InconclusiveAnalysisRun | PauseReason::InconclusiveExperiment => true,
            PauseReason::CanaryPauseStep => self
                .current_step()
                .0
                .and_then(|s| s.pause.as_ref())
                .is_some_and(|p| p.duration.is_none()),
            PauseReason::BlueGreenPause => {
                self.blue_green.is_some_and(|bg| !bg.auto_promotion_enabled)
            }
        }
    }
}
