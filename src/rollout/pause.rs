//! Pause and abort bookkeeping of one reconcile (upstream `rollout/pause.go`): the reconcile
//! records intentions (add or remove a pause reason, clear all, abort, un-abort) and they are
//! folded into the new status when it is persisted.

use crate::engine::SimTime;

use super::status::{PauseCondition, PauseReason, RolloutStatus};

#[derive(Debug, Default)]
pub struct PauseCtx {
    add: Vec<PauseReason>,
    remove: Vec<PauseReason>,
    clear: bool,
    add_abort: bool,
    remove_abort: bool,
    pub abort_message: String,
    prev_abort: bool,
}

impl PauseCtx {
    pub fn new(prev: &RolloutStatus) -> Self {
        PauseCtx {
            prev_abort: prev.abort,
            ..Default::default()
        }
    }

    pub fn has_add_pause(&self) -> bool {
        !self.add.is_empty()
    }

    /// `IsAborted`: aborted in the status or by this reconcile, unless this reconcile un-aborts.
    pub fn is_aborted(&self) -> bool {
        !self.remove_abort && (self.add_abort || self.prev_abort)
    }

    pub fn add_abort(&mut self, message: String) {
        self.add_abort = true;
        self.abort_message = message;
    }

    pub fn remove_abort(&mut self) {
        self.remove_abort = true;
    }

    pub fn add_pause(&mut self, reason: PauseReason) {
        self.add.push(reason);
    }

    pub fn remove_pause(&mut self, reason: PauseReason) {
        self.remove.push(reason);
    }

    pub fn clear_pauses(&mut self) {
        self.clear = true;
    }

    /// `CalculatePauseStatus`: writes abort, pause conditions and controllerPause into `new`
    /// from the previous status and this reconcile's intentions.
    pub fn apply(&self, prev: &RolloutStatus, new: &mut RolloutStatus, now: SimTime) {
        let now = now.truncate_to_second();
        // An abort keeps its first timestamp; re-stamping it would loop the controller.
        let aborted_at = prev.aborted_at.unwrap_or(now);
        new.pause_conditions.clear();
        new.controller_pause = false;
        if self.add_abort || (!self.remove_abort && prev.abort) {
            new.abort = true;
            new.aborted_at = Some(aborted_at);
            return;
        }
        new.abort = false;
        new.aborted_at = None;
        if self.clear {
            return;
        }
        let mut controller_pause = prev.controller_pause;
        let mut conds: Vec<PauseCondition> = prev
            .pause_conditions
            .iter()
            .filter(|c| !self.remove.contains(&c.reason))
            .copied()
            .collect();
        for reason in &self.add {
            if !prev.pause_conditions.iter().any(|c| c.reason == *reason) {
                conds.push(PauseCondition {
                    reason: *reason,
                    start_time: now,
                });
                controller_pause = true;
            }
        }
        if conds.is_empty() {
            return;
        }
        new.controller_pause = controller_pause;
        new.pause_conditions = conds;
    }
}
