//! The traffic router (upstream `rollout/trafficrouting.go`). Every router kind is simulated
//! as one generic weighted router: the weight to the canary, recorded in
//! `status.canary.weights`. Traffic waits for pods: at a step whose counts are not reached yet,
//! the router keeps the previous setWeight.

use super::controller::Ctx;
use super::status::{TrafficWeights, WeightDestination};

impl Ctx<'_> {
    /// `reconcileTrafficRouting`.
    pub(super) fn reconcile_traffic_routing(&mut self) {
        if !self.routed() {
            self.new_status.canary.weights = None;
            return;
        }
        let max = self.canary.max_weight() as i32;
        let canary_hash = self.new_rs.map(|rs| rs.hash.clone()).unwrap_or_default();
        let stable_hash = self.stable_rs.map(|rs| rs.hash.clone()).unwrap_or_default();
        let desired = self.desired_router_weight();

        // Shifting traffic to the stable needs the stable pods to carry it.
        let r = self.replicas() as i64;
        if let Some(stable) = self.stable_rs {
            let needed = ((max - desired) as i64 * r).div_euclid(max as i64);
            if (stable.available as i64) < needed {
                return;
            }
        }

        let weights = TrafficWeights {
            canary: WeightDestination {
                weight: desired,
                pod_template_hash: canary_hash,
                service_name: self.canary.canary_service.clone().unwrap_or_default(),
            },
            stable: WeightDestination {
                weight: max - desired,
                pod_template_hash: stable_hash,
                service_name: self.canary.stable_service.clone().unwrap_or_default(),
            },
        };
        let prev = &self.prev.canary.weights;
        if prev.as_ref() != Some(&weights) {
            let detail = match prev {
                None => format!("to {desired}"),
                Some(p) if p.canary.weight != desired => {
                    format!("from {} to {desired}", p.canary.weight)
                }
                Some(_) => String::new(),
            };
            self.plan.event(
                "TrafficWeightUpdated",
                format!("Traffic weight updated {detail}"),
            );
            self.new_status.canary.weights = Some(weights);
        }
    }

    /// The canary weight this reconcile sets on the router.
    fn desired_router_weight(&mut self) -> i32 {
        let max = self.canary.max_weight() as i32;
        if self.fully_promoted() {
            return 0;
        }
        if self.pause.is_aborted() {
            let w = if self.canary.dynamic_stable_scale {
                let inputs = self.inputs();
                inputs.desired_canary_weight(
                    self.new_counts().as_ref(),
                    self.stable_counts().as_ref(),
                )
            } else {
                0
            };
            if !self.canary.dynamic_stable_scale || w == 0 {
                let svc = self.canary.canary_service.clone();
                self.ensure_svc_targets(svc.as_deref(), self.stable_rs, false);
            }
            return w;
        }
        let Some(new_rs) = self.new_rs.filter(|rs| rs.available > 0) else {
            return 0;
        };
        if self.prev.promote_full {
            return if self.canary.dynamic_stable_scale {
                (100 * new_rs.available) / self.replicas().max(1)
            } else {
                self.prev
                    .canary
                    .weights
                    .as_ref()
                    .map_or(0, |w| w.canary.weight)
            };
        }
        let (_, idx) = self.current_step();
        let Some(idx) = idx else { return 0 };
        let inputs = self.inputs();
        let at_desired = inputs.at_desired_counts(
            self.new_counts().as_ref(),
            self.stable_counts().as_ref(),
            &self.other_counts(),
            None,
        );
        let step_count = self.canary.steps.len() as u32;
        if !at_desired {
            // The pods are not there yet: keep the weight of the previous setWeight step.
            self.steps[..(idx.min(step_count) as usize)]
                .iter()
                .rev()
                .find_map(|s| s.set_weight)
                .unwrap_or(0)
        } else if idx != step_count {
            inputs.current_set_weight()
        } else {
            max
        }
    }
}
