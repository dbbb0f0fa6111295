//! Pods: lifecycle states and the order in which the ReplicaSet controller deletes them.

use crate::engine::SimTime;
use smol_str::SmolStr;

use super::replicaset::RsId;

/// A pod's index in `Cluster::pods`, given in creation order, so a larger id is a younger pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

/// Where a pod is in its life. `Starting` covers scheduling, image pull and readiness probes
/// (their time comes from the scenario's `apps` model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    /// Created but not (or no longer, after its node was lost) passing its readiness probe.
    Starting,
    /// Passing its readiness probe: counts in the ReplicaSet's `status.readyReplicas`.
    Ready,
    /// Deleted and shutting down (a `deletionTimestamp` is set): no longer counted, but it
    /// still holds its node slot and its name.
    Terminating {
        /// When the deletion started.
        since: SimTime,
    },
    /// Removed from the cluster; kept as a tombstone so pod ids stay valid.
    Gone,
}

/// A pod of the fake cluster, with just what the controllers and the outputs read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// Its index in `Cluster::pods`.
    pub id: PodId,
    /// `metadata.name`: the ReplicaSet's name and a random suffix, unique among live pods.
    pub name: SmolStr,
    /// The ReplicaSet that owns it (`metadata.ownerReferences`).
    pub rs: RsId,
    /// The image it runs (its ReplicaSet's first container), shown in timelines.
    pub image: SmolStr,
    /// `metadata.creationTimestamp`, in virtual time.
    pub created: SimTime,
    /// Where it is in its lifecycle.
    pub state: PodState,
    /// Ready for at least minReadySeconds (and not terminating).
    pub available: bool,
    /// When it last became Ready (the Ready condition's `lastTransitionTime`); `None` while
    /// not Ready. Longer-ready pods are deleted last.
    pub ready_since: Option<SimTime>,
    /// The node it is bound to (with the node model; always `None` without it).
    pub node: Option<u32>,
    /// Bound to a node (always true without the node model). An unscheduled pod is Pending.
    pub scheduled: bool,
    /// On a failed node: it will never be Ready again.
    pub lost: bool,
}

impl Pod {
    /// Counts toward the ReplicaSet: neither terminating nor gone.
    pub fn is_live(&self) -> bool {
        matches!(self.state, PodState::Starting | PodState::Ready)
    }

    /// Passing its readiness probe now (counts toward `readyReplicas`).
    pub fn is_ready(&self) -> bool {
        self.state == PodState::Ready
    }
}

/// A pod's place in Kubernetes' `ActivePodsWithRanks` order (see [`deletion_rank`]).
pub type DeletionRank = (
    u8,
    std::cmp::Reverse<SimTime>,
    std::cmp::Reverse<SimTime>,
    std::cmp::Reverse<PodId>,
);

/// Kubernetes' `ActivePodsWithRanks` order, smallest deleted first: not-ready before ready,
/// ready for less time before longer, newer before older (then by id, for determinism).
/// Pending before running is the same as not-ready before ready here, since every pod is
/// scheduled at creation. The id makes every rank distinct, so an ordered set of ranks is in
/// exactly the order a sort of the pods gives.
pub fn deletion_rank(p: &Pod) -> DeletionRank {
    let ready = u8::from(p.is_ready());
    let since = p.ready_since.unwrap_or(SimTime::ZERO);
    (
        ready,
        std::cmp::Reverse(since),
        std::cmp::Reverse(p.created),
        std::cmp::Reverse(p.id),
    )
}
