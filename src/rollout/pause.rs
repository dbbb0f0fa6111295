//! Pause and abort bookkeeping of one reconcile (upstream `rollout/pause.go`): the reconcile
//! records intentions (add or remove a pause reason, clear all, abort, un-abort) and they are
//! folded into the new status when it is persisted.

use crate::engine::SimTime;

use super::status::{PauseCondition, PauseReason, RolloutStatus};

/// One reconcile's pause and abort intentions (upstream `pauseContext`), folded into the new
/// status by [`PauseCtx::apply`].
#[derive(Debug, Default)]
pub struct PauseCtx {
    add: Reasons,
    remove: Reasons,
    clear: bool,
    add_abort: bool,
    remove_abort: bool,
    /// Why this reconcile aborted: the message of the `RolloutAborted` condition and event.
    pub abort_message: String,
    prev_abort: bool,
}

/// The reasons one reconcile adds (or removes), in the order it named them. A reconcile
/// names at most one or two, and a context is made for every reconcile, so they are kept in
/// place rather than in a heap list; more than fit (a reason named again and again) go on
/// into `more`, so nothing is ever dropped.
#[derive(Debug, Default)]
struct Reasons {
    first: [Option<PauseReason>; 4],
    more: Vec<PauseReason>,
}

impl Reasons {
    fn push(&mut self, reason: PauseReason) {
        match self.first.iter_mut().find(|r| r.is_none()) {
            Some(slot) => *slot = Some(reason),
            None => self.more.push(reason),
        }
    }

    fn is_empty(&self) -> bool {
        self.first[0].is_none()
    }

    /// The reasons in the order they were pushed: the slots fill from the front, and `more`
    /// only once they are all taken.
    fn iter(&self) -> impl Iterator<Item = PauseReason> + '_ {
        self.first
            .iter()
            .map_while(|r| *r)
            .chain(self.more.iter().copied())
    }

    fn contains(&self, reason: &PauseReason) -> bool {
        self.iter().any(|r| r == *reason)
    }
}

impl PauseCtx {
    /// No intentions yet, on top of the status read at the start of the reconcile.
    pub fn new(prev: &RolloutStatus) -> Self {
        PauseCtx {
            prev_abort: prev.abort,
            ..Default::default()
        }
    }

    /// `HasAddPause`: this reconcile pauses the rollout (so it does not also progress it).
    pub fn has_add_pause(&self) -> bool {
        !self.add.is_empty()
    }

    /// `IsAborted`: aborted in the status or by this reconcile, unless this reconcile un-aborts.
    pub fn is_aborted(&self) -> bool {
        !self.remove_abort && (self.add_abort || self.prev_abort)
    }

    /// `AddAbort`: aborts the rollout (`status.abort`), with the message to report.
    pub fn add_abort(&mut self, message: String) {
        self.add_abort = true;
        self.abort_message = message;
    }

    /// `RemoveAbort`: clears `status.abort` (a retry, or a new revision).
    pub fn remove_abort(&mut self) {
        self.remove_abort = true;
    }

    /// `AddPauseCondition`: adds a `status.pauseConditions` entry unless one with this reason
    /// exists, and sets `controllerPause`.
    pub fn add_pause(&mut self, reason: PauseReason) {
        self.add.push(reason);
    }

    /// `RemovePauseCondition`: drops the `status.pauseConditions` entry with this reason.
    pub fn remove_pause(&mut self, reason: PauseReason) {
        self.remove.push(reason);
    }

    /// `ClearPauseConditions`: drops every pause condition (promotion, or a new revision).
    pub fn clear_pauses(&mut self) {
        self.clear = true;
    }

    /// `CalculatePauseStatus`: writes abort, pause conditions and controllerPause into `new`
    /// from the previous status and this reconcile's intentions.
    pub fn apply(&self, prev: &RolloutStatus, new: &mut RolloutStatus, now: SimTime) {
        new.pause_conditions.clear();
        new.controller_pause = false;
        if self.add_abort || (!self.remove_abort && prev.abort) {
            new.abort = true;
            // An abort keeps its first timestamp; re-stamping it would loop the controller.
            new.aborted_at = Some(prev.aborted_at.unwrap_or_else(|| now.truncate_to_second()));
            return;
        }
        new.abort = false;
        new.aborted_at = None;
        // Most reconciles neither find nor add a pause: nothing to fold in, and the time of
        // one not needed.
        if self.clear || (prev.pause_conditions.is_empty() && self.add.is_empty()) {
            return;
        }
        let mut controller_pause = prev.controller_pause;
        // Written into `new`'s own list (emptied above), whose buffer a reused status keeps.
        let conds = &mut new.pause_conditions;
        conds.extend(
            prev.pause_conditions
                .iter()
                .filter(|c| !self.remove.contains(&c.reason))
                .copied(),
        );
        let now = now.truncate_to_second();
        for reason in self.add.iter() {
            if !prev.pause_conditions.iter().any(|c| c.reason == reason) {
                conds.push(PauseCondition {
                    reason,
                    start_time: now,
                });
                controller_pause = true;
            }
        }
        if conds.is_empty() {
            return;
        }
        new.controller_pause = controller_pause;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More reasons than the slots hold keep their order and none is lost.
    #[test]
    fn reasons_keep_order_past_the_slots() {
        let all = [
            PauseReason::BlueGreenPause,
            PauseReason::CanaryPauseStep,
            PauseReason::InconclusiveExperiment,
            PauseReason::CanaryPauseStep,
            PauseReason::InconclusiveAnalysisRun,
            PauseReason::BlueGreenPause,
        ];
        let mut r = Reasons::default();
        assert!(r.is_empty());
        for (n, reason) in all.iter().enumerate() {
            r.push(*reason);
            assert!(!r.is_empty());
            assert_eq!(r.iter().collect::<Vec<_>>(), all[..=n]);
        }
        assert!(r.contains(&PauseReason::InconclusiveAnalysisRun));
        let mut one = Reasons::default();
        one.push(PauseReason::CanaryPauseStep);
        assert!(!one.contains(&PauseReason::BlueGreenPause));
    }
}
