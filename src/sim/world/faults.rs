//! The node model and fault injection: scheduling pods onto nodes with room (Pending
//! otherwise), failed nodes, and the `deletePod` / `evictPod` / `failNode` script actions.
//!
//! A failed node follows Kubernetes' node lifecycle: the node lifecycle controller notices
//! only when `cluster.nodeMonitorGracePeriod` has passed without a status from the kubelet;
//! it then marks the node `Unknown`, its pods not Ready, and taints it
//! `node.kubernetes.io/unreachable:NoExecute`. Pods tolerate that taint for
//! `cluster.unreachableTolerationSeconds` (the toleration the DefaultTolerationSeconds admission
//! plugin gives every pod whose template has none of its own), after which the taint manager
//! evicts them; a template's own toleration of the taint sets its pods' time instead
//! (`cluster::toleration`).

use crate::cluster::PodId;
use crate::cluster::toleration::{TaintEviction, unreachable_eviction};
use crate::engine::SimTime;
use crate::engine::Stream;
use crate::scenario::PodTarget;
use std::collections::BTreeSet;

use super::World;
use crate::sim::driver::{Driver, Ev};
use crate::sim::journal::EntryKind;

impl World<'_> {
    /// Binds a new or Pending pod to a node; a pod no node has room for stays Pending.
    pub(super) fn try_schedule(&mut self, d: &mut Driver, id: PodId) -> bool {
        let name = self.cluster.pod(id).name.clone();
        if !self.cluster.schedule(id) {
            self.journal.push(d.now(), EntryKind::PodPending { name });
            return false;
        }
        self.start_scheduled(d, id);
        true
    }

    /// A pod just bound to its node: journaled there, then started.
    fn start_scheduled(&mut self, d: &mut Driver, id: PodId) {
        let pod = self.cluster.pod(id);
        let name = pod.name.clone();
        let node = self.cluster.nodes[pod.node.map_or(0, |n| n as usize)]
            .name
            .as_str()
            .into();
        self.journal
            .push(d.now(), EntryKind::PodScheduled { name, node });
        self.start_pod(d, id);
    }

    /// Schedules Pending pods, oldest first, while nodes have room.
    pub(super) fn schedule_pending(&mut self, d: &mut Driver) {
        if self.cluster.nodes.is_empty() {
            return;
        }
        for id in self.cluster.pending_pods() {
            if !self.cluster.schedule(id) {
                break;
            }
            self.start_scheduled(d, id);
        }
    }

    /// `failNode`: nothing new is scheduled there; its pods stop being Ready after
    /// `not_ready_after` and, unless their template tolerates the unreachable taint itself,
    /// are evicted after `evict_after`.
    pub(in crate::sim) fn fail_node(
        &mut self,
        d: &mut Driver,
        name: &str,
        not_ready_after: crate::engine::SimDuration,
        evict_after: crate::engine::SimDuration,
    ) {
        let Some(i) = self.cluster.nodes.iter().position(|n| n.name == name) else {
            return;
        };
        self.cluster.nodes[i].failed = true;
        self.journal
            .push(d.now(), EntryKind::NodeFailed { name: name.into() });
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a node index: the scenario allows at most 10,000 nodes"
        )]
        let node = i as u32;
        d.schedule(
            d.now() + not_ready_after,
            Ev::NodeLost(node, d.now() + evict_after),
        );
    }

    /// When the taint manager evicts pod `id` from its tainted node, `None` for never: at the
    /// node's default time when its template has no toleration of the unreachable taint, else
    /// as its own toleration says, counted from the taint.
    fn taint_eviction_time(&self, id: PodId) -> Option<SimTime> {
        let pod = self.cluster.pod(id);
        let (tainted_at, default_at) = self.cluster.nodes[pod.node? as usize].taint_clock?;
        let template = &self.cluster.rs(pod.rs).template;
        match unreachable_eviction(&template.tolerations()) {
            // A scripted `evictAfter` shorter than `notReadyAfter`: no earlier than the taint.
            TaintEviction::Default => Some(default_at.max(tainted_at)),
            TaintEviction::Now => Some(tainted_at),
            TaintEviction::After(s) => Some(tainted_at + s),
            TaintEviction::Never => None,
        }
    }

    fn pods_on(&self, node: u32) -> Vec<PodId> {
        self.cluster
            .pods
            .iter()
            .filter(|p| p.node == Some(node) && p.is_live())
            .map(|p| p.id)
            .collect()
    }

    /// The node controller noticed the node stopped reporting: its pods are no longer Ready
    /// (`MarkPodsNotReady`), and, unless the zone is disrupted, the unreachable taint starts
    /// their tolerations: each pod's eviction is scheduled at `default_evict_at` when its
    /// template has no toleration of the taint, else as its own toleration says.
    pub(in crate::sim) fn node_lost(
        &mut self,
        d: &mut Driver,
        node: u32,
        default_evict_at: crate::engine::SimTime,
    ) {
        self.cluster.nodes[node as usize].unreachable = true;
        // At most 10,000 nodes (scenario validation): the saturation never shows.
        let nodes = u32::try_from(self.cluster.nodes.len()).unwrap_or(u32::MAX);
        let not_ready = u32::try_from(self.cluster.nodes.iter().filter(|n| n.unreachable).count())
            .unwrap_or(u32::MAX);
        let zone = zone_state(not_ready, nodes);
        if zone == ZoneState::FullDisruption {
            // "Entering master disruption mode": taints are removed, every eviction stops.
            for n in &mut self.cluster.nodes {
                n.tainted = false;
            }
        }
        let tainted = zone == ZoneState::Normal;
        self.cluster.nodes[node as usize].tainted = tainted;
        self.journal.push(
            d.now(),
            EntryKind::NodeUnreachable {
                name: self.cluster.nodes[node as usize].name.as_str().into(),
                evict_at: tainted.then_some(default_evict_at),
                not_ready,
                nodes,
            },
        );
        for id in self.pods_on(node) {
            let was_ready = self.cluster.pod(id).state == crate::cluster::PodState::Ready;
            self.cluster.mark_lost(id);
            if was_ready {
                let name = self.cluster.pod(id).name.clone();
                self.journal.push(d.now(), EntryKind::PodNotReady { name });
            }
        }
        if tainted {
            self.cluster.nodes[node as usize].taint_clock = Some((d.now(), default_evict_at));
            // One pass of the taint manager per instant a pod's toleration runs out, so pods
            // due together go together.
            let due: BTreeSet<SimTime> = self
                .pods_on(node)
                .into_iter()
                .filter_map(|id| self.taint_eviction_time(id))
                .collect();
            for at in due {
                d.schedule(at, Ev::NodeEvict(node));
            }
        }
        d.request_reconcile();
    }

    /// Taint-based eviction of a failed node's pods whose toleration has run out (no
    /// disruption budget applies), when the node still carries the taint (a zone that became
    /// fully disrupted has none left).
    pub(in crate::sim) fn node_evict(&mut self, d: &mut Driver, node: u32) {
        if !self.cluster.nodes[node as usize].tainted {
            return;
        }
        for id in self.pods_on(node) {
            if self.taint_eviction_time(id).is_none_or(|at| at > d.now()) {
                continue;
            }
            self.cluster.mark_lost(id);
            if self.cluster.terminate(id, d.now()) {
                let pod = self.cluster.pod(id);
                let (name, rs) = (pod.name.clone(), pod.rs);
                let terminate = self.pod_timing(rs).terminate;
                self.journal.push(
                    d.now(),
                    EntryKind::PodEvicted {
                        name,
                        by: "node failure".into(),
                    },
                );
                d.schedule(d.now() + terminate, Ev::PodGone(id));
            }
        }
        d.request_reconcile();
    }

    /// The live pods a fault targets: by name, or `count` of a role chosen at random from the
    /// seeded fault stream (fewer when the role has fewer pods).
    pub(super) fn fault_targets(&mut self, d: &mut Driver, target: &PodTarget) -> Vec<PodId> {
        match target {
            PodTarget::Name(n) => self.cluster.find_live_pod(n).into_iter().collect(),
            PodTarget::Role { role, count } => {
                let mut pool: Vec<PodId> = self
                    .role_replica_sets(role)
                    .into_iter()
                    .flat_map(|rs| self.cluster.live_pods(rs).map(|p| p.id).collect::<Vec<_>>())
                    .collect();
                let mut chosen = Vec::new();
                while chosen.len() < *count as usize && !pool.is_empty() {
                    #[allow(
                        clippy::cast_possible_truncation,
                        reason = "a draw of at most `pool.len() - 1`, itself a usize"
                    )]
                    let i = d
                        .rngs()
                        .uniform_u64(Stream::Faults, 0, pool.len() as u64 - 1)
                        as usize;
                    chosen.push(pool.swap_remove(i));
                }
                chosen
            }
        }
    }

    /// `deletePod`: the pods are deleted (Terminating at once); their ReplicaSet replaces them.
    pub(in crate::sim) fn delete_pods(&mut self, d: &mut Driver, target: &PodTarget) -> usize {
        let ids = self.fault_targets(d, target);
        for id in &ids {
            self.terminate_pod(d, *id);
        }
        d.request_reconcile();
        ids.len()
    }

    /// `evictPod`: the pods are evicted through the Eviction API (budgets may refuse).
    pub(super) fn evict_pods(&mut self, d: &mut Driver, target: &PodTarget) -> usize {
        let ids = self.fault_targets(d, target);
        for id in &ids {
            self.evict_pod(d, *id, "evictPod");
        }
        d.request_reconcile();
        ids.len()
    }
}

/// The node lifecycle controller's view of a zone (the simulated cluster is one zone)
/// (`ComputeZoneState` in Kubernetes' `node_lifecycle_controller.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZoneState {
    Normal,
    /// More than 2 nodes and at least `--unhealthy-zone-threshold` (55 %) of them not Ready:
    /// tainting slows to `--secondary-node-eviction-rate`, which is 0 for clusters of
    /// `--large-cluster-size-threshold` (50) nodes or fewer.
    PartialDisruption,
    /// No node Ready: the controller suspects itself and stops every eviction.
    FullDisruption,
}

/// Nodes at most this many: a partial disruption stops tainting altogether.
const LARGE_CLUSTER_SIZE_THRESHOLD: u32 = 50;

fn zone_state(not_ready: u32, nodes: u32) -> ZoneState {
    if not_ready >= nodes {
        ZoneState::FullDisruption
    } else if not_ready > 2
        && not_ready * 100 >= nodes * 55
        && nodes <= LARGE_CLUSTER_SIZE_THRESHOLD
    {
        // Above the threshold tainting goes on at 0.01 nodes/s; rates are not modelled, so a
        // large cluster is treated as healthy.
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_states_as_the_node_lifecycle_controller_computes_them() {
        assert_eq!(zone_state(1, 3), ZoneState::Normal);
        assert_eq!(zone_state(2, 3), ZoneState::Normal); // not more than 2
        assert_eq!(zone_state(3, 3), ZoneState::FullDisruption);
        assert_eq!(zone_state(3, 5), ZoneState::PartialDisruption); // 60 %
        assert_eq!(zone_state(3, 6), ZoneState::Normal); // 50 % < 55 %
        assert_eq!(zone_state(11, 20), ZoneState::PartialDisruption); // exactly 55 %
        assert_eq!(zone_state(40, 60), ZoneState::Normal); // large cluster: still tainting
    }
}
