//! Pods: lifecycle states and the order in which the ReplicaSet controller deletes them.

use crate::engine::SimTime;

use super::replicaset::RsId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

/// Where a pod is in its life. `Starting` covers scheduling, image pull and readiness probes
/// (their time comes from the scenario's `apps` model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    Starting,
    Ready,
    Terminating { since: SimTime },
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub id: PodId,
    pub name: String,
    pub rs: RsId,
    pub image: String,
    pub created: SimTime,
    pub state: PodState,
    /// Ready for at least minReadySeconds (and not terminating).
    pub available: bool,
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
