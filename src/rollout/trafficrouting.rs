//! The traffic router (upstream `rollout/trafficrouting.go`). Every router kind is simulated
//! as one generic weighted router: the weight to the canary, the weights of a running
//! experiment's templates (additional destinations), recorded in `status.canary.weights`, and
//! the managed routes (header and mirror routes) it holds. Traffic waits for pods: at a step
//! whose counts are not reached yet, the router keeps the previous setWeight.

use super::context::{RouteView, Write};
use super::controller::Ctx;
use super::event::{EventMessage, WeightUpdate};
use super::status::{TrafficWeights, WeightDestination};
use smol_str::SmolStr;

/// What this reconcile wants from the router.
struct Desired {
    /// The canary weight.
    weight: i32,
    /// The experiment's weighted templates.
    additional: Vec<WeightDestination>,
    /// Whether every managed route goes (promoted, aborted, full promotion, no canary pod).
    remove_routes: bool,
    /// The ReplicaSet the canary weight goes to, when not the new one (rolling back to the
    /// stable: the interrupted update's).
    canary_hash: Option<SmolStr>,
}

impl Ctx<'_> {
    /// `reconcileTrafficRouting`. Most rollouts have no router: that case is decided where
    /// it is asked, without a call.
    #[inline(always)]
    pub(super) fn reconcile_traffic_routing(&mut self) {
        // A `trafficRouting` that names no router (`{}`, or only `managedRoutes` or
        // `maxTrafficWeight`) gives Argo no reconciler: `reconcileTrafficRouting`
        // (rollout/trafficrouting.go) sets no weights and holds no routes. The rollout still
        // counts as traffic-routed for its replica counts, as upstream.
        let no_router = self
            .canary
            .traffic_routing
            .as_ref()
            .is_some_and(|t| !t.names_a_router());
        if !self.routed() || no_router {
            self.new_status.canary.weights = None;
            return;
        }
        self.route_traffic();
    }

    /// [`Ctx::reconcile_traffic_routing`] with a router.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn route_traffic(&mut self) {
        // maxTrafficWeight is capped at 1,000,000,000 by the manifest, below i32::MAX.
        let max = i32::try_from(self.canary.max_weight()).unwrap_or(i32::MAX);
        let stable_hash = self.stable_rs.map(|rs| rs.hash.clone()).unwrap_or_default();
        let Desired {
            weight: desired,
            additional,
            remove_routes,
            canary_hash,
        } = self.desired_router_weight();
        let canary_hash = canary_hash
            .or_else(|| self.new_rs.map(|rs| rs.hash.clone()))
            .unwrap_or_default();
        let mut routes: Vec<RouteView> = self.routes().to_vec();
        if remove_routes {
            routes.clear();
        }

        // Shifting traffic to the stable needs the stable pods to carry it.
        let r = i64::from(self.replicas());
        if let Some(stable) = self.stable_rs {
            let needed = (i64::from(max - desired) * r).div_euclid(i64::from(max));
            if i64::from(stable.available) < needed {
                self.write_routes(routes, remove_routes);
                return;
            }
        }
        self.step_routes(&mut routes);
        self.write_routes(routes, remove_routes);

        let others: i32 = additional.iter().map(|d| d.weight).sum();
        let weights = TrafficWeights {
            canary: WeightDestination {
                weight: desired,
                pod_template_hash: canary_hash,
                service_name: self
                    .canary
                    .canary_service
                    .clone()
                    .unwrap_or_default()
                    .into(),
            },
            stable: WeightDestination {
                weight: max - desired - others,
                pod_template_hash: stable_hash,
                service_name: self
                    .canary
                    .stable_service
                    .clone()
                    .unwrap_or_default()
                    .into(),
            },
            additional,
        };
        let prev = &self.prev.canary.weights;
        if prev.as_ref() != Some(&weights) {
            let update = WeightUpdate {
                from: prev.as_ref().map(|p| p.canary.weight),
                to: desired,
                additional: prev
                    .as_ref()
                    .filter(|p| p.additional != weights.additional)
                    .map(|_| weights.additional.clone()),
            };
            self.plan.event(
                "TrafficWeightUpdated",
                EventMessage::TrafficWeightUpdated(Box::new(update)),
            );
            self.new_status.canary.weights = Some(weights);
        }
    }

    /// The route of the current step, applied from the second revision on (upstream skips
    /// the first deploy, which also starts at step 0). A step without `match` removes it.
    fn step_routes(&self, routes: &mut Vec<RouteView>) {
        let (Some(step), _) = self.current_step() else {
            return;
        };
        if self.revision <= 1 {
            return;
        }
        for route in [&step.set_header_route, &step.set_mirror_route]
            .into_iter()
            .flatten()
        {
            routes.retain(|r| r.name != route.name);
            if let Some(rule) = &route.rule {
                routes.push(RouteView {
                    name: route.name.as_str().into(),
                    rule: rule.clone(),
                });
            }
        }
    }

    /// Writes the routes the router should hold now. Upstream removes every managed route and
    /// then sets the current step's again in one reconcile; only the net change is a write
    /// (so a reconcile that changes nothing writes nothing).
    fn write_routes(&mut self, target: Vec<RouteView>, remove_all: bool) {
        let held = self.routes();
        let same = target.len() == held.len() && target.iter().all(|t| held.contains(t));
        if same {
            return;
        }
        if remove_all && !held.is_empty() {
            self.plan.writes.push(Write::RemoveManagedRoutes);
            for r in target {
                self.plan.writes.push(Write::SetRoute {
                    name: r.name,
                    rule: r.rule,
                });
            }
            return;
        }
        for h in held {
            if !target.iter().any(|t| t.name == h.name) {
                self.plan.writes.push(Write::RemoveRoute {
                    name: h.name.clone(),
                });
            }
        }
        for t in target {
            if !held.contains(&t) {
                self.plan.writes.push(Write::SetRoute {
                    name: t.name,
                    rule: t.rule,
                });
            }
        }
    }

    /// The weights this reconcile sets on the router.
    fn desired_router_weight(&mut self) -> Desired {
        // maxTrafficWeight is capped at 1,000,000,000 by the manifest, below i32::MAX.
        let max = i32::try_from(self.canary.max_weight()).unwrap_or(i32::MAX);
        let removed = |weight: i32| Desired {
            weight,
            additional: Vec::new(),
            remove_routes: true,
            canary_hash: None,
        };
        if let Some(previous) = self.dynamically_rolling_back_to_stable() {
            // The traffic stays with the interrupted update until the stable can carry it.
            return Desired {
                weight: self.weight_rolling_back_to_stable(),
                additional: Vec::new(),
                remove_routes: false,
                canary_hash: Some(previous),
            };
        }
        if self.fully_promoted() {
            return removed(0);
        }
        if self.pause.is_aborted() {
            let w = self.weight_on_abort();
            // With dynamicStableScale the canary Service goes back to the stable pods only
            // once no traffic is weighted to the canary any more: until then the router
            // still sends part of it through that Service, to the canary pods.
            if !self.canary.dynamic_stable_scale || w == 0 {
                let svc = self.canary.canary_service.clone();
                self.ensure_svc_targets(svc.as_deref(), self.stable_rs, false);
            }
            return removed(w);
        }
        let Some(new_rs) = self.new_rs.filter(|rs| rs.available > 0) else {
            return Desired {
                additional: self.experiment_destinations(),
                ..removed(0)
            };
        };
        if self.prev.promote_full {
            return removed(if self.canary.dynamic_stable_scale {
                (100 * new_rs.available) / self.replicas().max(1)
            } else {
                self.prev
                    .canary
                    .weights
                    .as_ref()
                    .map_or(0, |w| w.canary.weight)
            });
        }
        let kept = |weight: i32, additional: Vec<WeightDestination>| Desired {
            weight,
            additional,
            remove_routes: false,
            canary_hash: None,
        };
        let (_, idx) = self.current_step();
        // No step index: a rollout without steps (`GetCurrentCanaryStep` returns no index
        // for an empty list), so upstream never sets the maximum weight for it: the canary
        // gets no traffic until it becomes the stable.
        let Some(idx) = idx else {
            return kept(0, Vec::new());
        };
        let inputs = self.inputs();
        let at_desired = self.at_desired_counts(None);
        let step_count = self.canary.step_count();
        if !at_desired {
            // The pods are not there yet: keep the weight of the previous setWeight step.
            let w = self.canary.steps[..(idx.min(step_count) as usize)]
                .iter()
                .rev()
                .find_map(super::replica_arithmetic::set_weight)
                .unwrap_or(0);
            kept(w, self.experiment_destinations())
        } else if idx != step_count {
            kept(inputs.current_set_weight(), self.experiment_destinations())
        } else {
            kept(max, Vec::new())
        }
    }
}

impl Ctx<'_> {
    /// `calculateDesiredWeightOnAbortOrStableRollback` when going back to the stable
    /// template: the steps are done there (the desired weight is the maximum) and the new
    /// ReplicaSet is the stable one, so the canary weight only comes down, and only as far as
    /// the available stable pods allow.
    fn weight_rolling_back_to_stable(&self) -> i32 {
        let max = i32::try_from(self.canary.max_weight()).unwrap_or(i32::MAX);
        let stable_available = self.new_rs.map_or(0, |rs| rs.available);
        self.weight_on_abort_or_stable_rollback(max, stable_available)
    }

    /// `calculateDesiredWeightOnAbortOrStableRollback` after an abort: 0 unless
    /// dynamicStableScale, which steps the weight down through the setWeight steps in reverse
    /// as the stable pods come back (`GetDesiredCanaryWeight`).
    fn weight_on_abort(&self) -> i32 {
        let (Some(_), Some(stable_rs)) = (self.new_rs, self.stable_rs) else {
            return 0;
        };
        if !self.canary.dynamic_stable_scale {
            return 0;
        }
        let desired = self
            .inputs()
            .desired_canary_weight(self.new_counts().as_ref(), self.stable_counts().as_ref());
        self.weight_on_abort_or_stable_rollback(desired, stable_rs.available)
    }

    /// The shared rule of `calculateDesiredWeightOnAbortOrStableRollback`: the weight never
    /// moves to the stable faster than its available pods can carry, and never goes back up.
    /// Once no setWeight step is left to step down to (`desired` 0), the canary keeps the
    /// share the stable pods cannot carry yet (or less, if it already has less), not 0.
    fn weight_on_abort_or_stable_rollback(&self, desired: i32, stable_available: i32) -> i32 {
        let max = i64::from(self.canary.max_weight());
        let r = i64::from(self.replicas());
        if r == 0 {
            return 0;
        }
        let desired = i64::from(desired);
        let stable_share = max * i64::from(stable_available) / r;
        let expected = (max - stable_share).max(0);
        let weight = match &self.prev.canary.weights {
            None => expected.max(desired),
            Some(w) => {
                let current = i64::from(w.canary.weight);
                if desired <= 0 {
                    expected.min(current)
                } else if stable_share < max - desired {
                    // The stable is still scaling up: keep the canary weight as it is.
                    current
                } else {
                    desired.min(current)
                }
            }
        };
        // Between 0 and maxTrafficWeight (at most 1,000,000,000): within i32.
        i32::try_from(weight).unwrap_or(i32::MAX)
    }
}
