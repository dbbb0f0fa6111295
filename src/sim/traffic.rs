//! Where each tick's requests go, decided from the cluster as it is at the tick: with a traffic
//! router, the router's canary weight to the canary ReplicaSet and the rest to the stable one;
//! for a blue-green rollout, everything to the ReplicaSet the active Service selects; for a
//! basic canary, a Service that selects every pod of the app, so each ReplicaSet gets its share
//! of the Ready pods.
//!
//! Requests start once the rollout has first been Healthy: the application goes live then.

use crate::engine::Stream;
use crate::scenario::app_for;
use crate::traffic::Destination;

use super::{EntryKind, Ev, Simulation};

/// A destination before borrowing: (hash, image, share, ready pods).
type Route = (String, String, f64, u32);

impl Simulation<'_> {
    /// Ready, non-terminating pods of a ReplicaSet (by hash).
    fn ready_pods_of(&self, hash: &str) -> u32 {
        self.cluster
            .live_replica_sets()
            .find(|rs| rs.hash == hash)
            .map_or(0, |rs| rs.ready)
    }

    fn image_of(&self, hash: &str) -> String {
        self.cluster
            .live_replica_sets()
            .find(|rs| rs.hash == hash)
            .map(|rs| rs.image.clone())
            .unwrap_or_default()
    }

    fn routes(&self) -> Vec<Route> {
        let st = &self.rollout.status;
        if let Some(bg) = self.rollout.spec.blue_green() {
            let Some(hash) = self
                .cluster
                .services
                .get(&bg.active_service)
                .and_then(|s| s.selector_hash.clone())
            else {
                return Vec::new();
            };
            let ready = self.ready_pods_of(&hash);
            return vec![(hash.clone(), self.image_of(&hash), 1.0, ready)];
        }
        let routed = self
            .rollout
            .spec
            .canary()
            .and_then(|c| c.traffic_routing.as_ref());
        if let Some(tr) = routed {
            let max = f64::from(tr.max_traffic_weight);
            let (canary_hash, canary_weight) = match &st.canary.weights {
                Some(w) => (w.canary.pod_template_hash.clone(), w.canary.weight),
                None => (String::new(), 0),
            };
            let stable_hash = match &st.canary.weights {
                Some(w) if !w.stable.pod_template_hash.is_empty() => {
                    w.stable.pod_template_hash.clone()
                }
                _ => st.stable_rs.clone(),
            };
            let canary_share = (f64::from(canary_weight.max(0)) / max).min(1.0);
            let mut out = Vec::new();
            if canary_share > 0.0 && !canary_hash.is_empty() {
                let ready = self.ready_pods_of(&canary_hash);
                out.push((
                    canary_hash.clone(),
                    self.image_of(&canary_hash),
                    canary_share,
                    ready,
                ));
            }
            if !stable_hash.is_empty() {
                let ready = self.ready_pods_of(&stable_hash);
                out.push((
                    stable_hash.clone(),
                    self.image_of(&stable_hash),
                    1.0 - canary_share,
                    ready,
                ));
            }
            return out;
        }
        // Basic canary: one Service over every pod of the app.
        let total: u32 = self.cluster.live_replica_sets().map(|rs| rs.ready).sum();
        if total == 0 {
            return Vec::new();
        }
        self.cluster
            .live_replica_sets()
            .filter(|rs| rs.ready > 0)
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

    /// Requests and failures served over the run by the versions now in each role.
    pub(super) fn traffic_by_role(&self) -> std::collections::BTreeMap<String, (u64, u64)> {
        let mut out = std::collections::BTreeMap::new();
        let Some(traffic) = &self.traffic else {
            return out;
        };
        let services = self.role_services();
        for v in &traffic.versions {
            let rs = self
                .cluster
                .live_replica_sets()
                .find(|rs| rs.hash == v.hash);
            let roles = rs.map_or([false; 4], |rs| self.roles_of(rs, &services));
            for (has, role) in roles
                .into_iter()
                .zip(["stable", "canary", "active", "preview"])
                .chain([(true, "total")])
            {
                if has {
                    let e: &mut (u64, u64) = out.entry(role.to_string()).or_default();
                    e.0 += v.requests;
                    e.1 += v.failed;
                }
            }
        }
        out
    }

    /// One traffic tick: requests of the tick routed, failures drawn, the next tick queued.
    pub(super) fn traffic_tick(&mut self) {
        let Some(model) = self.traffic.as_ref().map(|t| t.model) else {
            return;
        };
        self.queue.push(self.now + model.tick, Ev::TrafficTick);
        if !self.became_healthy {
            return;
        }
        let routes = self.routes();
        let apps = &self.sc.apps;
        let dests: Vec<Destination> = routes
            .iter()
            .map(|(hash, image, share, ready)| {
                let app = app_for(apps, image);
                Destination {
                    hash,
                    image,
                    share: *share,
                    ready_pods: *ready,
                    error_rate: app.error_rate,
                    latency: app.latency,
                }
            })
            .collect();
        let now = self.now;
        let Some(traffic) = self.traffic.as_mut() else {
            return;
        };
        let unrouted_before = traffic.unrouted;
        let counts = traffic.tick(now, &dests, self.rngs.stream(Stream::Traffic));
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
