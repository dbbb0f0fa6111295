//! The blue-green strategy's reconcile (upstream `rollout/bluegreen.go` and the blue-green half
//! of `rollout/service.go`): the preview Service follows the new ReplicaSet at once; the new
//! ReplicaSet is scaled up (to `previewReplicaCount` first, if set); the controller may pause
//! before the switch; the active Service is switched once the new ReplicaSet is saturated; the
//! previous active ReplicaSet is scaled down after `scaleDownDelaySeconds`.

use crate::api::BlueGreen;
use crate::engine::SimDuration;
use smol_str::SmolStr;

use super::context::{RsView, Write};
use super::controller::Ctx;
use super::event::{EventMessage, ServiceSwitch};
use super::replica_arithmetic::{BlueGreenInputs, RsCounts};
use super::status::{PauseReason, RolloutStatus};

impl<'a> Ctx<'a> {
    fn bg(&self) -> &'a BlueGreen {
        self.blue_green.expect("blue-green strategy")
    }

    /// The inputs of the blue-green replica decisions, from the status read at the start.
    pub(super) fn bg_inputs(&self) -> BlueGreenInputs<'_> {
        let bg = self.bg();
        BlueGreenInputs {
            replicas: self.replicas(),
            // The manifest caps previewReplicaCount at 1,000,000: the saturation is never reached.
            preview_replica_count: bg
                .preview_replica_count
                .map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
            active_selector: &self.prev.blue_green.active_selector,
            current_pod_hash: &self.prev.current_pod_hash,
            scale_up_preview_check_point: self.prev.blue_green.scale_up_preview_check_point,
            paused: self.spec.paused || !self.prev.pause_conditions.is_empty(),
            promote_full: self.prev.promote_full,
        }
    }

    fn all_counts(&self) -> Vec<RsCounts<'a>> {
        self.all.iter().map(|rs| Self::counts(rs)).collect()
    }

    /// `NewRSNewReplicas` for blue-green.
    pub(super) fn bg_new_rs_replicas(&self) -> i32 {
        let new = self.new_counts();
        self.bg_inputs()
            .new_rs_replicas(&self.all_counts(), new.as_ref())
    }

    /// `ReadyForPause`.
    fn bg_ready_for_pause(&self) -> bool {
        let new = self.new_counts();
        self.bg_inputs()
            .ready_for_pause(&self.all_counts(), new.as_ref())
    }

    /// `IsSaturated`: the ReplicaSet runs exactly `replicas` pods, all available, and was last
    /// scaled for this `replicas`.
    pub(super) fn saturated(&self, rs: &RsView) -> bool {
        let r = self.replicas();
        rs.spec == r && rs.desired_annotation == Some(r) && rs.available == r
    }

    /// The hash a Service selects now (including switches made earlier in this reconcile).
    pub(super) fn service_selector(&self, svc: &str) -> Option<SmolStr> {
        self.switched_selector(svc).or_else(|| {
            self.services()
                .get(svc)
                .and_then(|v| v.selector_hash.clone())
        })
    }

    /// `rolloutBlueGreen`.
    pub(super) fn rollout_blue_green(&mut self) {
        self.reconcile_preview_service();
        if self.pod_spec_changed() {
            self.sync_status_blue_green();
            return;
        }
        self.restart_pods();
        if !self.reconcile_blue_green_replica_sets() {
            return;
        }
        self.reconcile_blue_green_pause();
        self.reconcile_active_service();
        self.reconcile_analysis_runs();
        self.sync_status_blue_green();
    }

    /// `syncReplicasOnly` for blue-green: rescale (never halted by a pause) and persist.
    pub(super) fn sync_replicas_only_blue_green(&mut self) {
        self.keep_current_runs();
        self.restart_pods();
        if !self.reconcile_blue_green_replica_sets() {
            return;
        }
        self.sync_status_blue_green();
    }

    /// `CheckPodSpecChange`: the status still describes another template.
    pub(super) fn pod_spec_changed(&self) -> bool {
        !self.prev.current_pod_hash.is_empty() && self.prev.current_pod_hash != self.new_hash
    }

    /// `reconcilePreviewService`: the preview Service points at the new ReplicaSet at once,
    /// even before it has pods.
    fn reconcile_preview_service(&mut self) {
        if self.halted() {
            return;
        }
        let (Some(svc), Some(new_rs)) = (self.bg().preview_service.as_deref(), self.new_rs) else {
            return;
        };
        self.switch_service(svc, &new_rs.hash);
    }

    /// `reconcileBlueGreenReplicaSets`: the active ReplicaSet at full size, the new one at its
    /// preview or full size, older ones scaled down after their delay. Several writes may
    /// happen in one reconcile, and a pause does not stop them.
    ///
    /// False when the reconcile ends here with an error: when the active ReplicaSet is also
    /// the new one (at rest, or after the switch) and was just written, upstream's
    /// `reconcileNewReplicaSet` updates the same ReplicaSet again from the copy read at the
    /// start of the reconcile; the API server refuses that stale write (a Conflict), so the
    /// scale is written, and its Event recorded, once, and nothing else happens in this
    /// reconcile (no status either): the next one starts from the new size.
    fn reconcile_blue_green_replica_sets(&mut self) -> bool {
        self.remove_scale_down_deadlines();
        let active = self.service_selector(&self.bg().active_service);
        if let Some(rs) = active.and_then(|h| self.all.iter().find(|rs| rs.hash == h)) {
            let r = self.replicas();
            let before = self.plan.writes.len();
            self.scale(rs, rs.spec, r);
            if self.plan.writes.len() > before && self.new_rs.is_some_and(|n| n.name == rs.name) {
                return false;
            }
        }
        self.reconcile_new_replica_set();
        self.reconcile_other_replica_sets();
        self.reconcile_revision_history_limit();
        true
    }

    /// `isBlueGreenFastTracked`: no pause before the switch on a fast rollback (going back to an
    /// older ReplicaSet still inside its scale-down delay or the rollback window), on `promote
    /// --full`, on the first deploy (the active Service selects no revision yet), or when the
    /// active Service already selects it. A scale-down deadline on a *newer* ReplicaSet (left by
    /// an abort) does not count: after a retry the update pauses again for its promotion.
    fn bg_fast_tracked(&self) -> bool {
        let Some(new_rs) = self.new_rs else {
            return false;
        };
        if self.is_fast_rollback() || self.prev.promote_full {
            return true;
        }
        match self.service_selector(&self.bg().active_service) {
            None => true,
            Some(h) => h == new_rs.hash,
        }
    }

    /// `reconcileBlueGreenPause`: once the new ReplicaSet is ready, pause before the switch
    /// (when auto-promotion is off or delayed), and end the pause when its time is up.
    fn reconcile_blue_green_pause(&mut self) {
        if self.prev.abort || !self.bg_ready_for_pause() || self.halted() {
            return;
        }
        let active = self.service_selector(&self.bg().active_service);
        let new_hash = self.new_rs.map(|rs| rs.hash.clone());
        if self.bg_fast_tracked()
            || active == new_hash
            || self.prev.blue_green.scale_up_preview_check_point
            || !self.bg().needs_controller_pause()
        {
            self.pause.remove_pause(PauseReason::BlueGreenPause);
            return;
        }
        // The pause starts only once pre-promotion analysis has succeeded.
        if !self.completed_pre_promotion_analysis() {
            return;
        }
        match self.prev.pause_condition(PauseReason::BlueGreenPause) {
            Some(cond) => {
                if self.completed_blue_green_pause() {
                    self.pause.remove_pause(PauseReason::BlueGreenPause);
                } else if self.bg().auto_promotion_seconds > 0 {
                    let at = cond.start_time
                        + SimDuration::from_secs(u64::from(self.bg().auto_promotion_seconds));
                    if at > self.now {
                        self.plan.requeue.push(at);
                    }
                }
            }
            // No condition: either never paused yet, or a human just resumed it (promote).
            None if !self.prev.controller_pause => {
                self.pause.add_pause(PauseReason::BlueGreenPause)
            }
            None => {}
        }
    }

    /// `CompletedBlueGreenPause`: resumed by a human, past `autoPromotionSeconds`, or no pause
    /// needed at all.
    pub(super) fn completed_blue_green_pause(&self) -> bool {
        if self.pause.has_add_pause() {
            return false;
        }
        let bg = self.bg();
        if self.prev.blue_green.scale_up_preview_check_point || !bg.needs_controller_pause() {
            return true;
        }
        let cond = self.prev.pause_condition(PauseReason::BlueGreenPause);
        if bg.auto_promotion_enabled {
            if bg.auto_promotion_seconds == 0 {
                return true;
            }
            cond.is_some_and(|c| {
                self.now
                    >= c.start_time + SimDuration::from_secs(u64::from(bg.auto_promotion_seconds))
            })
        } else {
            self.prev.controller_pause && cond.is_none()
        }
    }

    /// `reconcileActiveService`: switch the active Service to the new ReplicaSet once it is
    /// saturated and the pause (if any) is over; back to the stable one after an abort.
    fn reconcile_active_service(&mut self) {
        if self.spec.paused {
            return;
        }
        let Some(new_rs) = self.new_rs else { return };
        if !self.bg_ready_for_pause() || !self.saturated(new_rs) {
            return;
        }
        let svc = self.bg().active_service.clone();
        let mut target = self.service_selector(&svc);
        if self.bg_fast_tracked()
            || (self.completed_blue_green_pause() && self.completed_pre_promotion_analysis())
        {
            target = Some(new_rs.hash.clone());
        }
        if self.prev.abort {
            target = Some(self.prev.stable_rs.clone());
        }
        if let Some(t) = target.filter(|t| !t.is_empty()) {
            self.switch_service(&svc, &t);
        }
    }

    /// `scaleDownOldReplicaSetsForBlueGreen`: every unreferenced older ReplicaSet is kept at
    /// full size until its scale-down deadline, then scaled to 0 in one write.
    pub(super) fn scale_down_old_for_blue_green(&mut self, mut old: Vec<&'a RsView>) -> bool {
        if self
            .prev
            .pause_condition(PauseReason::InconclusiveAnalysisRun)
            .is_some()
        {
            return false;
        }
        // With post-promotion analysis and no explicit delay, the old side stays until the
        // analysis has passed.
        let bg = self.bg();
        if bg.post_promotion_analysis.is_some()
            && bg.scale_down_delay_seconds.is_none()
            && !self.skip_post_promotion()
            && !self.post_promotion_succeeded()
        {
            return false;
        }
        old.sort_by_key(|rs| std::cmp::Reverse((rs.revision, rs.created)));
        let mut scaled = false;
        let mut annotated = 0;
        let r = self.replicas();
        for rs in old {
            if self.is_referenced(rs) || rs.spec == 0 {
                continue;
            }
            let desired = self.scale_down_delay(rs, rs.spec, r, &mut annotated);
            if rs.spec != desired {
                self.scale(rs, rs.spec, desired);
                scaled = true;
            }
        }
        scaled
    }

    /// `syncRolloutStatusBlueGreen`.
    fn sync_status_blue_green(&mut self) {
        let mut new = self.base_status();
        new.stable_rs = self.prev.stable_rs.clone();
        if self.pod_spec_changed() {
            self.reset_status(&mut new);
        }
        if self.prev.promote_full || self.rollback_within_window() {
            self.pause.clear_pauses();
            self.pause.remove_abort();
        }
        let bg = self.bg();
        new.blue_green.preview_selector = bg
            .preview_service
            .as_deref()
            .and_then(|s| self.service_selector(s))
            .unwrap_or_default();
        new.blue_green.active_selector = self
            .service_selector(&bg.active_service)
            .unwrap_or_default();
        if let Some(why) = self.should_full_promote_blue_green(&new) {
            self.promote_stable(&mut new, why);
        } else {
            new.blue_green.scale_up_preview_check_point = self.scale_up_preview_check_point();
        }
        let active = self.all.iter().find(|rs| {
            !new.blue_green.active_selector.is_empty() && rs.hash == new.blue_green.active_selector
        });
        // Blue-green counts readiness and availability on the active ReplicaSet only.
        if let Some(rs) = active {
            // A negative count (never seen in practice) reads as none, as before.
            new.available_replicas = u32::try_from(rs.available).unwrap_or(0);
            new.ready_replicas = u32::try_from(rs.ready).unwrap_or(0);
        }
        self.persist_with_conditions(new);
    }

    /// `shouldFullPromote` for blue-green: the new ReplicaSet becomes stable once the active
    /// Service selects it (immediately, without post-promotion analysis).
    ///
    /// Every reason is a fixed sentence: nothing is formatted.
    fn should_full_promote_blue_green(&self, new: &RolloutStatus) -> Option<&'static str> {
        if self.stable_rs.is_none() || new.blue_green.active_selector.is_empty() {
            return Some("Initial deploy");
        }
        if new.blue_green.active_selector != new.current_pod_hash {
            return None;
        }
        if self.prev.promote_full {
            return Some("Full promotion requested");
        }
        if self.is_fast_rollback() {
            return Some(if self.rollback_within_window() {
                "Rollback within window"
            } else {
                "Fast rollback"
            });
        }
        if self.pause.is_aborted() {
            return None;
        }
        if self.bg().post_promotion_analysis.is_some() && !self.post_promotion_succeeded() {
            return None;
        }
        Some("Completed blue-green update")
    }

    /// `calculateScaleUpPreviewCheckPoint`: latches once the preview has its
    /// `previewReplicaCount` pods available and the pause is over.
    fn scale_up_preview_check_point(&self) -> bool {
        let Some(preview) = self.bg().preview_replica_count else {
            return false;
        };
        if self.prev.blue_green.scale_up_preview_check_point {
            return true;
        }
        if !self.completed_pre_promotion_analysis() || !self.completed_blue_green_pause() {
            return false;
        }
        // previewReplicaCount is capped at 1,000,000 by the manifest: the conversion succeeds.
        self.new_rs
            .is_some_and(|rs| i32::try_from(preview).is_ok_and(|p| rs.available == p))
    }

    /// Points a Service at a hash (`switchServiceSelector`), recording the switch.
    pub(super) fn switch_service(&mut self, svc: &str, hash: &str) {
        if !self.services().contains_key(svc) {
            return;
        }
        let current = self.service_selector(svc);
        if current.as_deref() == Some(hash) {
            return;
        }
        self.plan.writes.push(Write::SwitchService {
            service: svc.into(),
            from: current.clone(),
            to: hash.into(),
        });
        self.plan.event(
            "SwitchService",
            EventMessage::SwitchService(Box::new(ServiceSwitch {
                service: svc.into(),
                from: current.unwrap_or_default(),
                to: hash.into(),
            })),
        );
    }
}
