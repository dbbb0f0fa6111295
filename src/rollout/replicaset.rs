//! ReplicaSet writes of the canary strategy (upstream `rollout/replicaset.go` and the scaling
//! half of `rollout/canary.go`): scaling with events and the desired-replicas annotation, the
//! stable and new ReplicaSets, draining older ones, scale-down delays, revision history.

use crate::engine::SimDuration;
use smol_str::SmolStr;

use super::context::{RsView, Write};
use super::controller::Ctx;
use super::event::EventMessage;
use crate::api::AbortDelay;

/// The default `scaleDownDelaySeconds` and `abortScaleDownDelaySeconds` with traffic routing.
const DEFAULT_DELAY_SECONDS: u64 = 30;

impl Ctx<'_> {
    /// `scaleReplicaSetAndRecordEvent`: writes `spec.replicas` (and the desired-replicas
    /// annotation); true only when the size changed. Most calls find the ReplicaSet as it
    /// should be: that case is decided where it is asked, without a call.
    #[inline(always)]
    pub(super) fn scale(&mut self, rs: &RsView, from: i32, to: i32) -> bool {
        if from == to && rs.desired_annotation == Some(self.replicas()) {
            return false;
        }
        self.write_scale(rs, from, to)
    }

    /// [`Ctx::scale`] of a ReplicaSet whose size or annotation changes.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn write_scale(&mut self, rs: &RsView, from: i32, to: i32) -> bool {
        let r = self.replicas();
        self.plan.writes.push(Write::ScaleReplicaSet {
            name: rs.name.clone(),
            from,
            to,
            desired_annotation: r,
            clear_deadline: to == 0 && !self.should_delay_scale_down_on_abort(),
        });
        if from == to {
            return false;
        }
        self.plan.event(
            "ScalingReplicaSet",
            EventMessage::ScalingReplicaSet {
                name: rs.name.clone(),
                revision: rs.revision,
                from,
                to,
            },
        );
        true
    }

    /// `reconcileCanaryStableReplicaSet`. With a router the stable count deliberately reads the
    /// *previous* reconcile's weights, so the stable shrinks only after traffic has moved.
    pub(super) fn reconcile_canary_stable_replica_set(&mut self) -> bool {
        let Some(stable) = self.stable_rs else {
            return false;
        };
        if super::controller::is(self.new_rs, stable) {
            return false;
        }
        let (_, desired) = self.desired_counts(Self::weights_of(&self.prev.canary.weights));
        self.scale(stable, stable.spec, desired)
    }

    /// `reconcileNewReplicaSet`, including the delayed scale-down of an aborted canary.
    pub(super) fn reconcile_new_replica_set(&mut self) -> bool {
        let Some(new_rs) = self.new_rs else {
            return false;
        };
        let mut count = if self.blue_green.is_some() {
            self.bg_new_rs_replicas()
        } else {
            self.desired_counts(self.new_status.weights()).0
        };
        if self.should_delay_scale_down_on_abort() {
            match new_rs.scale_down_deadline {
                Some(deadline) if deadline > self.now => {
                    self.plan.requeue.push(deadline);
                    return false;
                }
                Some(_) => count = 0,
                None => {
                    let r = self.replicas();
                    if self.stable_rs.is_some_and(|s| s.available == r) {
                        let delay = match self.abort_delay() {
                            AbortDelay::Seconds(s) => u64::from(s),
                            _ => DEFAULT_DELAY_SECONDS,
                        };
                        let at = self.now.truncate_to_second() + SimDuration::from_secs(delay);
                        self.plan.writes.push(Write::SetScaleDownDeadline {
                            name: new_rs.name.clone(),
                            at,
                        });
                        self.plan.requeue.push(at);
                    }
                    // The canary stays up until the deadline is set and passes.
                    return false;
                }
            }
        }
        self.scale(new_rs, new_rs.spec, count)
    }

    fn abort_delay(&self) -> AbortDelay {
        match self.blue_green {
            Some(bg) => bg.abort_scale_down_delay,
            None => self.canary.abort_scale_down_delay,
        }
    }

    /// `shouldDelayScaleDownOnAbort`: a traffic-routed canary or a blue-green preview keeps its
    /// pods for a while after an abort (30 s by default; 0 keeps them for good). A basic
    /// canary scales down at once.
    pub(super) fn should_delay_scale_down_on_abort(&self) -> bool {
        if !self.pause.is_aborted() || self.stable_rs.is_none() {
            return false;
        }
        if self.blue_green.is_none() && !self.routed() {
            return false;
        }
        match self.abort_delay() {
            AbortDelay::Never => false,
            AbortDelay::Unset => !self.canary.dynamic_stable_scale,
            AbortDelay::Seconds(_) => true,
        }
    }

    /// `removeScaleDownDeadlines`: the new and stable ReplicaSets never keep a deadline (they
    /// may carry one after the user went back to an older revision).
    #[inline(always)]
    pub(super) fn remove_scale_down_deadlines(&mut self) {
        // Most reconciles find no deadline on either: decided where it is asked, without a
        // call.
        let has_deadline =
            |rs: Option<&RsView>| rs.is_some_and(|rs| rs.scale_down_deadline.is_some());
        if has_deadline(self.new_rs) || has_deadline(self.stable_rs) {
            self.write_removed_deadlines();
        }
    }

    /// [`Ctx::remove_scale_down_deadlines`] once the new or stable ReplicaSet has a deadline.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn write_removed_deadlines(&mut self) {
        let new_rs = self
            .new_rs
            .filter(|_| !self.should_delay_scale_down_on_abort());
        // The stable is skipped when it is the new one, already handled.
        let stable = self
            .stable_rs
            .filter(|s| !new_rs.is_some_and(|n| std::ptr::eq(n, *s)));
        for rs in [new_rs, stable].into_iter().flatten() {
            if rs.scale_down_deadline.is_some() {
                self.plan.writes.push(Write::RemoveScaleDownDeadline {
                    name: rs.name.clone(),
                });
            }
        }
    }

    /// `reconcileOtherReplicaSets`: drain ReplicaSets that are neither new nor stable. Most
    /// reconciles find them all scaled down: that case is decided where it is asked, without
    /// a call.
    #[inline(always)]
    pub(super) fn reconcile_other_replica_sets(&mut self) -> bool {
        self.others.iter().any(|rs| rs.spec > 0) && self.drain_other_replica_sets()
    }

    /// [`Ctx::reconcile_other_replica_sets`] once one of them has pods.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn drain_other_replica_sets(&mut self) -> bool {
        let active: Vec<&RsView> = self
            .others
            .iter()
            .copied()
            .filter(|rs| rs.spec > 0)
            .collect();
        if active.is_empty() {
            return false;
        }
        if self.blue_green.is_some() {
            return self.scale_down_old_for_blue_green(active);
        }
        self.scale_down_old_for_canary(active) > 0
    }

    /// `scaleDownOldReplicaSetsForCanary`: unhealthy pods first, then newest revision first,
    /// within the maxUnavailable budget; with a router, previous stables wait out their
    /// scale-down delay and referenced ReplicaSets are left alone.
    fn scale_down_old_for_canary(&mut self, mut old: Vec<&RsView>) -> i32 {
        let mut specs: Vec<(SmolStr, i32)> =
            old.iter().map(|rs| (rs.name.clone(), rs.spec)).collect();
        // cleanupUnhealthyReplicas: cut each to its available pods (oldest first).
        old.sort_by_key(|rs| rs.created);
        let mut total = 0;
        for rs in &old {
            let spec = spec_of(&specs, &rs.name);
            if spec == 0 || spec == rs.available {
                continue;
            }
            self.scale(rs, spec, rs.available);
            total += spec - rs.available;
            set_spec(&mut specs, &rs.name, rs.available);
        }
        let available: i32 = self.all.iter().map(|rs| rs.available).sum();
        let min_available = self.replicas() - self.inputs_max_unavailable();
        let mut budget = available - min_available;
        if budget <= 0 {
            return 0;
        }
        old.sort_by_key(|rs| std::cmp::Reverse((rs.revision, rs.created)));
        let mut annotated = 0u32;
        for rs in old {
            if self.routed() && self.is_referenced(rs) {
                continue;
            }
            if budget <= 0 {
                break;
            }
            let spec = spec_of(&specs, &rs.name);
            if spec == 0 {
                continue;
            }
            let desired = if !self.routed() {
                (spec - budget).max(0)
            } else if self.fully_promoted() || rs.scale_down_deadline.is_some() {
                if self.canary.dynamic_stable_scale {
                    0
                } else {
                    self.scale_down_delay(rs, spec, spec, &mut annotated)
                }
            } else {
                // An intermediate revision replaced mid-update: no traffic goes to it.
                0
            };
            if spec == desired {
                continue;
            }
            self.scale(rs, spec, desired);
            budget -= spec - desired;
            total += spec - desired;
        }
        total
    }

    fn inputs_max_unavailable(&self) -> i32 {
        super::replica_arithmetic::max_unavailable(
            self.canary.max_surge.as_ref(),
            self.canary.max_unavailable.as_ref(),
            self.replicas(),
        )
    }

    /// `scaleDownDelayHelper`: the first time, stamp a deadline and keep the size; until the
    /// deadline, keep it; after, scale to 0. Beyond `scaleDownDelayRevisionLimit` waiting
    /// ReplicaSets (newest first), the rest go at once.
    ///
    /// `spec` is the ReplicaSet's size as this reconcile left it: upstream hands the helper
    /// the object `cleanupUnhealthyReplicas` returned, so a ReplicaSet just cut to its
    /// available pods keeps that size, not the one the view was taken with.
    pub(super) fn scale_down_delay(
        &mut self,
        rs: &RsView,
        spec: i32,
        keep: i32,
        annotated: &mut u32,
    ) -> i32 {
        let (limit, delay) = match self.blue_green {
            Some(bg) => (
                bg.scale_down_delay_revision_limit,
                bg.scale_down_delay_seconds,
            ),
            None => (
                self.canary.scale_down_delay_revision_limit,
                self.canary.scale_down_delay_seconds,
            ),
        };
        let limit = limit.unwrap_or(u32::MAX);
        match rs.scale_down_deadline {
            None if spec > 0 => {
                if *annotated >= limit {
                    return 0;
                }
                *annotated += 1;
                let delay = delay.map_or(DEFAULT_DELAY_SECONDS, u64::from);
                if delay == 0 {
                    // addScaleDownDelay(rs, 0) writes no deadline and scaleDownDelayHelper keeps
                    // the ReplicaSet at its size: with a zero delay the old ReplicaSet is never
                    // scaled down (only the revision limit can). Upstream issue #1992.
                    return spec;
                }
                let at = self.now.truncate_to_second() + SimDuration::from_secs(delay);
                self.plan.writes.push(Write::SetScaleDownDeadline {
                    name: rs.name.clone(),
                    at,
                });
                self.plan.requeue.push(at);
                // Stamping the deadline keeps the ReplicaSet at its own size; only while
                // waiting does blue-green hold it at the rollout's replicas.
                spec
            }
            None => 0,
            Some(deadline) => {
                *annotated += 1;
                if *annotated > limit || deadline <= self.now {
                    0
                } else {
                    self.plan.requeue.push(deadline);
                    keep
                }
            }
        }
    }

    /// `isReplicaSetReferenced`: the status or a live Service still points at this hash.
    pub(super) fn is_referenced(&self, rs: &RsView) -> bool {
        let p = self.prev;
        let mut refs = vec![
            p.stable_rs.as_str(),
            p.current_pod_hash.as_str(),
            p.blue_green.active_selector.as_str(),
            p.blue_green.preview_selector.as_str(),
        ];
        if let Some(w) = &p.canary.weights {
            refs.push(&w.canary.pod_template_hash);
            refs.push(&w.stable.pod_template_hash);
        }
        if refs.contains(&rs.hash.as_str()) {
            return true;
        }
        let services: Vec<&String> = match self.blue_green {
            Some(bg) => [Some(&bg.active_service), bg.preview_service.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
            None => [&self.canary.canary_service, &self.canary.stable_service]
                .into_iter()
                .flatten()
                .collect(),
        };
        services
            .into_iter()
            .filter_map(|svc| self.services().get(svc.as_str()))
            .any(|svc| svc.selector_hash.as_deref() == Some(rs.hash.as_str()))
    }

    /// `reconcileRevisionHistoryLimit`: delete the oldest fully scaled-down ReplicaSets beyond
    /// `revisionHistoryLimit`. Most reconciles find no more older ReplicaSets than that: the
    /// case is decided where it is asked, without a call.
    #[inline(always)]
    pub(super) fn reconcile_revision_history_limit(&mut self) {
        let limit = self.spec.revision_history_limit as usize;
        if self.others.len() > limit {
            self.delete_old_replica_sets(limit);
        }
    }

    /// [`Ctx::reconcile_revision_history_limit`] with more older ReplicaSets than `limit`.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn delete_old_replica_sets(&mut self, limit: usize) {
        let mut cleanable = self.others.clone();
        cleanable.sort_by_key(|rs| rs.created);
        let excess = cleanable.len() - limit;
        for rs in cleanable.into_iter().take(excess) {
            if rs.status_replicas != 0 || rs.spec != 0 {
                continue;
            }
            self.plan.writes.push(Write::DeleteReplicaSet {
                name: rs.name.clone(),
            });
        }
    }
}

fn spec_of(specs: &[(SmolStr, i32)], name: &str) -> i32 {
    specs.iter().find(|(n, _)| n == name).map_or(0, |(_, s)| *s)
}

fn set_spec(specs: &mut [(SmolStr, i32)], name: &str, v: i32) {
    if let Some(e) = specs.iter_mut().find(|(n, _)| n == name) {
        e.1 = v;
    }
}
