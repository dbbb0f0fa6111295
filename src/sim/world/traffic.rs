//! Where each tick's requests go, decided from the cluster as it is at the tick: with a traffic
//! router, the router's canary weight to the canary ReplicaSet, a running experiment's weights
//! to its templates' ReplicaSets and the rest to the stable one — and, before that, the share
//! of requests matching a header route to the canary, plus the copies a mirror route sends
//! it; for a blue-green rollout, everything to the ReplicaSet the active Service selects; for
//! a basic canary, a Service that selects every pod with the rollout's labels, so each
//! ReplicaSet (an experiment's too, unless it changed those labels) gets its share of the
//! Ready pods.
//!
//! Requests start once the rollout has first been Healthy: the application goes live then.

use smol_str::SmolStr;
use std::collections::BTreeMap;

use crate::api::routes::RouteRule;
use crate::engine::Stream;
use crate::scenario::app_for;
use crate::traffic::Destination;

use super::World;

/// `World::carries_selector`'s answers for the rollout's current `spec.selector`, indexed by
/// ReplicaSet id (ids are indices, given in creation order): a slot is read after every
/// change, and a map's search cost more than the answer. Only a change of the selector
/// changes the answers (a ReplicaSet's template never changes), so `World::update_spec`
/// forgets them then, and a new image (a new generation) keeps them. Filled when a
/// ReplicaSet is created and when the answers are forgotten (`World::note_selectors`), while
/// the world is being changed anyway, so that reading one is a plain look-up.
#[derive(Debug, Default)]
pub(super) struct SelectorMemo(Vec<bool>);

impl SelectorMemo {
    /// Drops every answer: the selector they were given for has changed.
    pub(super) fn forget(&mut self) {
        self.0.clear();
    }
}
use crate::sim::driver::{Driver, Ev};
use crate::sim::journal::EntryKind;

/// A destination before borrowing: (hash, image, share, ready pods).
type Route = (SmolStr, SmolStr, f64, u32);

impl World<'_> {
    /// Ready, non-terminating pods of a ReplicaSet (by hash).
    fn ready_pods_of(&self, hash: &str) -> u32 {
        self.cluster
            .live_replica_sets()
            .find(|rs| rs.hash == hash)
            .map_or(0, |rs| rs.ready)
    }

    fn image_of(&self, hash: &str) -> SmolStr {
        self.cluster
            .live_replica_sets()
            .find(|rs| rs.hash == hash)
            .map(|rs| rs.image.clone())
            .unwrap_or_default()
    }

    fn route_to(&self, hash: &str, share: f64) -> Route {
        (
            hash.into(),
            self.image_of(hash),
            share,
            self.ready_pods_of(hash),
        )
    }

    /// The tick's destinations and, with a mirror route, where the copies go.
    fn routes(&self) -> (Vec<Route>, Option<Route>) {
        let st = &self.rollout.status;
        if let Some(bg) = self.rollout.spec.blue_green() {
            let Some(hash) = self
                .cluster
                .services
                .get(bg.active_service.as_str())
                .and_then(|s| s.selector_hash.clone())
            else {
                return (Vec::new(), None);
            };
            return (vec![self.route_to(&hash, 1.0)], None);
        }
        let routed = self
            .rollout
            .spec
            .canary()
            .and_then(|c| c.traffic_routing.as_ref())
            .filter(|t| t.names_a_router());
        let Some(tr) = routed else {
            return (self.basic_routes(), None);
        };
        let max = f64::from(tr.max_traffic_weight);
        let share = |w: i32| (f64::from(w.max(0)) / max).min(1.0);
        let (canary_hash, canary_weight, additional) = match &st.canary.weights {
            Some(w) => (
                w.canary.pod_template_hash.clone(),
                w.canary.weight,
                w.additional.clone(),
            ),
            None => (SmolStr::default(), 0, Vec::new()),
        };
        let stable_hash = match &st.canary.weights {
            Some(w) if !w.stable.pod_template_hash.is_empty() => w.stable.pod_template_hash.clone(),
            _ => st.stable_rs.clone(),
        };
        // Requests a header route matches go to the canary, whatever the weights.
        let (header, mirror) = self.route_shares();
        let header_target = if canary_hash.is_empty() {
            st.current_pod_hash.clone()
        } else {
            canary_hash.clone()
        };
        let rest = 1.0 - header;
        let mut out: Vec<Route> = Vec::new();
        let canary_share = share(canary_weight);
        let mut taken = canary_share;
        if canary_share > 0.0 && !canary_hash.is_empty() {
            out.push(self.route_to(&canary_hash, canary_share * rest));
        }
        for d in &additional {
            // Capped so that the shares never add up to more than everything.
            let s = share(d.weight).min((1.0 - taken).max(0.0));
            taken += s;
            // A template without a Service has no endpoint: its share finds no pod.
            if s > 0.0 && !d.pod_template_hash.is_empty() {
                out.push(self.route_to(&d.pod_template_hash, s * rest));
            }
        }
        if !stable_hash.is_empty() {
            out.push(self.route_to(&stable_hash, (1.0 - taken).max(0.0) * rest));
        }
        if header > 0.0 && !header_target.is_empty() {
            match out.iter_mut().find(|r| r.0 == header_target) {
                Some(r) => r.2 += header,
                None => out.push(self.route_to(&header_target, header)),
            }
        }
        let mirror = (mirror > 0.0 && !header_target.is_empty())
            .then(|| self.route_to(&header_target, mirror));
        (out, mirror)
    }

    /// The ReplicaSets with Ready pods behind the Service of a canary without a router: it
    /// selects the rollout's labels, not a pod-template hash (Argo only sets a hash on the
    /// `stableService` / `canaryService` it manages), so every version still running takes
    /// requests, an old one kept by its scale-down delay too (`rollout/canary.go`,
    /// `scaleDownOldReplicaSetsForCanary`, keeps it only when `trafficRouting` is set).
    pub(super) fn service_backends(&self) -> impl Iterator<Item = &crate::cluster::ReplicaSet> {
        self.cluster
            .live_replica_sets()
            .filter(|rs| rs.ready > 0)
            .filter(move |rs| self.carries_selector(rs))
    }

    /// Whether the pods of `rs` carry the rollout's selector labels. Asked of every serving
    /// ReplicaSet after every change and on every traffic tick, and a look into the
    /// template's JSON each time; but a ReplicaSet's template never changes, and the
    /// selector only with a replaced spec, so the answer is kept per ReplicaSet until
    /// `update_spec` sees the selector change. A ReplicaSet with no answer kept (none
    /// should be) is looked at in its template.
    fn carries_selector(&self, rs: &crate::cluster::ReplicaSet) -> bool {
        match self.selector_memo.0.get(rs.id.0 as usize) {
            Some(&known) => {
                debug_assert_eq!(
                    known,
                    rs.template.has_labels(&self.rollout.spec.selector),
                    "a kept answer of carries_selector outlived its selector"
                );
                known
            }
            None => rs.template.has_labels(&self.rollout.spec.selector),
        }
    }

    /// Keeps `carries_selector`'s answer for every ReplicaSet that has none yet: called when
    /// one is created and when the answers were forgotten.
    pub(super) fn note_selectors(&mut self) {
        let known = &mut self.selector_memo.0;
        let selector = &self.rollout.spec.selector;
        for rs in self.cluster.replica_sets.iter().skip(known.len()) {
            known.push(rs.template.has_labels(selector));
        }
    }

    /// Basic canary: one Service over every pod carrying the rollout's selector labels.
    fn basic_routes(&self) -> Vec<Route> {
        let serving: Vec<&crate::cluster::ReplicaSet> = self.service_backends().collect();
        let total: u32 = serving.iter().map(|rs| rs.ready).sum();
        if total == 0 {
            return Vec::new();
        }
        serving
            .into_iter()
            .map(|rs| {
                (
                    rs.hash.clone(),
                    rs.image.clone(),
                    f64::from(rs.ready) / f64::from(total),
                    rs.ready,
                )
            })
            .collect()
    }

    /// The share of all requests the router's header routes send to the canary, and the
    /// share its mirror routes copy there: each route's matching fraction (`traffic.
    /// managedRoutes`), a mirror route's times its percentage.
    fn route_shares(&self) -> (f64, f64) {
        let (mut header, mut mirror) = (0.0_f64, 0.0_f64);
        for r in &self.routes {
            let f = self
                .sc
                .route_matches
                .get(r.name.as_str())
                .copied()
                .unwrap_or(0.0);
            match &r.rule {
                RouteRule::Header(_) => header += f,
                RouteRule::Mirror { percentage, .. } => {
                    mirror += f * f64::from(*percentage) / 100.0;
                }
            }
        }
        (header.min(1.0), mirror.min(1.0))
    }

    /// The roles of the version with `hash`: the rollout's, or `experiment`.
    fn version_roles(&self, hash: &str) -> Vec<&'static str> {
        let services = self.role_service_hashes();
        let Some(rs) = self.cluster.live_replica_sets().find(|rs| rs.hash == hash) else {
            return vec!["total"];
        };
        let mut roles: Vec<&'static str> = self.role_names(rs, &services).collect();
        if !rs.is_rollouts() {
            roles.push("experiment");
        }
        roles.push("total");
        roles
    }

    /// Requests and failures served over the run by the versions now in each role.
    pub(super) fn traffic_by_role(&self) -> BTreeMap<String, (u64, u64)> {
        self.sum_by_role(|v| (v.requests, v.failed))
    }

    /// Mirrored copies and their failures, by role the same way.
    pub(super) fn mirrored_by_role(&self) -> BTreeMap<String, (u64, u64)> {
        self.sum_by_role(|v| (v.mirrored, v.mirrored_failed))
    }

    fn sum_by_role(
        &self,
        pick: impl Fn(&crate::traffic::Version) -> (u64, u64),
    ) -> BTreeMap<String, (u64, u64)> {
        let mut out = BTreeMap::new();
        let Some(traffic) = &self.traffic else {
            return out;
        };
        for v in &traffic.versions {
            let (a, b) = pick(v);
            for role in self.version_roles(&v.hash) {
                let e: &mut (u64, u64) = out.entry(role.to_string()).or_default();
                e.0 += a;
                e.1 += b;
            }
        }
        out
    }

    /// One traffic tick: requests of the tick routed, failures drawn, the next tick queued.
    pub(in crate::sim) fn traffic_tick(&mut self, d: &mut Driver) {
        let Some(model) = self.traffic.as_ref().map(|t| t.model) else {
            return;
        };
        d.schedule(d.now() + model.tick, Ev::TrafficTick);
        if !self.became_healthy {
            return;
        }
        let (routes, mirror) = self.routes();
        let (apps, bad) = (&self.sc.apps, &self.bad_versions);
        let dests: Vec<Destination> = routes
            .iter()
            .map(|r| made_bad(destination(apps, r), bad))
            .collect();
        let mirror = mirror.as_ref().map(|r| made_bad(destination(apps, r), bad));
        let now = d.now();
        let Some(traffic) = self.traffic.as_mut() else {
            return;
        };
        let unrouted_before = traffic.unrouted;
        let counts = traffic.tick(
            now,
            &dests,
            mirror.as_ref(),
            d.rngs().stream(Stream::Traffic),
        );
        let unrouted = traffic.unrouted - unrouted_before;
        self.journal.push(
            now,
            EntryKind::Traffic {
                versions: counts,
                unrouted,
            },
        );
    }
}

/// A destination whose version was made bad from outside the scenario fails that share.
fn made_bad<'r>(mut d: Destination<'r>, bad: &[(String, f64)]) -> Destination<'r> {
    if let Some((_, rate)) = bad.iter().find(|(h, _)| h == d.hash) {
        d.error_rate = *rate;
    }
    d
}

/// A route as the traffic model takes it, with the behaviour of the image's pods.
fn destination<'r>(apps: &[crate::scenario::AppModel], r: &'r Route) -> Destination<'r> {
    let (hash, image, share, ready) = r;
    let app = app_for(apps, image);
    Destination {
        hash,
        image,
        share: *share,
        ready_pods: *ready,
        error_rate: app.error_rate,
        latency: app.latency,
    }
}
