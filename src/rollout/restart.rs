//! The pod restarter (upstream `rollout/restart.go`): after `spec.restartAt`, every pod created
//! before it is evicted — through the Eviction API, so PodDisruptionBudgets apply — at most
//! `max(maxUnavailable, 1)` unavailable at a time, re-checked every 30 s until none is left.

use crate::api::RolloutSpec;
use crate::engine::{SimDuration, SimTime};

use super::context::Write;
use super::controller::Ctx;
use super::replica_arithmetic;

impl RolloutSpec {
    /// `spec.restartAt` as an instant of virtual time, if set.
    pub fn restart_time(&self) -> Option<SimTime> {
        self.restart_at.map(SimTime)
    }
}

/// How often a restart in progress is re-checked (`restartPodCheckTime`).
const RESTART_CHECK: SimDuration = SimDuration(30_000);

impl Ctx<'_> {
    /// `RolloutPodRestarter.Reconcile`. True when a pod was evicted (which, for a canary, ends
    /// the reconcile). Most rollouts ask for no restart: that case is decided where it is
    /// asked, without a call.
    #[inline(always)]
    pub(super) fn restart_pods(&mut self) -> bool {
        match self.spec.restart_time() {
            Some(restart_at) => self.restart_pods_at(restart_at),
            None => false,
        }
    }

    /// [`Ctx::restart_pods`] for a restart asked for at `restart_at`.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn restart_pods_at(&mut self, restart_at: SimTime) -> bool {
        if restart_at > self.now {
            self.plan.requeue.push(restart_at);
            return false;
        }
        if self.prev.restarted_at == Some(restart_at) {
            return false;
        }
        let r = self.replicas();
        let total: i32 = self.all.iter().map(|rs| rs.spec).sum();
        let available = self
            .pods()
            .iter()
            .filter(|p| p.available && !p.terminating)
            .count();
        // A pod count, far below i32::MAX.
        let available = i32::try_from(available).unwrap_or(i32::MAX);
        let max_unavailable = match self.blue_green {
            Some(bg) => {
                replica_arithmetic::max_unavailable_blue_green(bg.max_unavailable.as_ref(), r)
            }
            None => replica_arithmetic::max_unavailable(
                self.canary.max_surge.as_ref(),
                self.canary.max_unavailable.as_ref(),
                r,
            ),
        };
        let concurrent = max_unavailable.max(1);
        let mut can_restart = available - (r.max(total) - concurrent);

        // Pods in API list order, which is by name.
        let mut order: Vec<usize> = (0..self.pods().len()).collect();
        order.sort_by(|&a, &b| self.pods()[a].name.cmp(&self.pods()[b].name));
        let mut budgets: Vec<i32> = self.budgets().iter().map(|b| b.allowed).collect();
        let (mut needs, mut restarted) = (0, 0);
        for i in order {
            let pod = &self.pods()[i];
            // Kubernetes timestamps have whole seconds: a pod of the same second counts as new.
            if pod.created.truncate_to_second() >= restart_at.truncate_to_second() {
                continue;
            }
            needs += 1;
            if can_restart <= 0 || pod.terminating {
                continue;
            }
            if let Some(&b) = pod.budgets.iter().find(|&&b| budgets[b] <= 0) {
                self.plan
                    .refused_evictions
                    .push((pod.name.clone(), self.budgets()[b].name.clone()));
                continue;
            }
            for &b in &pod.budgets {
                budgets[b] -= 1;
            }
            self.plan.writes.push(Write::EvictPod {
                name: pod.name.clone(),
            });
            can_restart -= 1;
            restarted += 1;
        }
        if needs != restarted {
            self.plan.requeue.push(self.now + RESTART_CHECK);
        } else {
            self.new_status.restarted_at = Some(restart_at);
        }
        restarted > 0
    }
}
