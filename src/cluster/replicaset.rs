//! ReplicaSets: spec, the annotations the rollout controller keeps on them, and the status
//! counters (replicas, ready, available) maintained as their pods change state.

use smol_str::SmolStr;
use std::collections::BTreeSet;

use crate::api::PodTemplate;
use crate::engine::SimTime;

use super::pod::{DeletionRank, PodId};

/// A ReplicaSet's index in `Cluster::replica_sets`, given in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RsId(pub u32);

/// A ReplicaSet of the fake cluster: what the rollout controller sets on it (spec and
/// annotations) and the status the ReplicaSet controller keeps from its pods.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSet {
    /// Its index in `Cluster::replica_sets`.
    pub id: RsId,
    /// `metadata.name`: the rollout's name and the pod-template hash.
    pub name: SmolStr,
    /// The `rollouts-pod-template-hash` label.
    pub hash: SmolStr,
    /// `spec.template`: the pod template its pods are made from.
    pub template: PodTemplate,
    /// The first container's image, what timelines show.
    pub image: SmolStr,
    /// The `rollout.argoproj.io/revision` annotation.
    pub revision: u64,
    /// Earlier revisions of a re-used ReplicaSet (`rollout.argoproj.io/revision-history`).
    pub revision_history: Vec<u64>,
    /// Creation time and sequence.
    pub created: (SimTime, u64),
    /// `spec.replicas`: the pod count the rollout controller asks for.
    pub spec_replicas: u32,
    /// `spec.minReadySeconds`: how long, in seconds, a pod must be Ready to count as available.
    pub min_ready_seconds: u32,
    /// `rollout.argoproj.io/desired-replicas`.
    pub desired_annotation: Option<i32>,
    /// `scale-down-deadline`.
    pub scale_down_deadline: Option<SimTime>,
    /// Pods owned, live or terminating, in creation order (ids grow with creation); a set so
    /// that removing a gone pod does not shift every younger one.
    pub pods: BTreeSet<PodId>,
    /// The live pods in the order the ReplicaSet controller deletes them (first deleted
    /// first), kept as pods change state so that a scale-down of k pods costs O(k log n)
    /// instead of a sort of every live pod. Maintained by `Cluster`'s pod transitions only.
    pub(super) by_rank: BTreeSet<DeletionRank>,
    /// `status.replicas`: non-terminating pods.
    pub replicas: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`.
    pub available: u32,
    /// Deleted by the rollout controller (history limit): kept as a tombstone so ids stay valid.
    pub deleted: bool,
    /// For a ReplicaSet an Experiment owns (not the rollout): the experiment and template.
    pub experiment: Option<ExperimentOwner>,
}

/// The Experiment that owns a ReplicaSet, and the template it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentOwner {
    /// The Experiment's `metadata.name`.
    pub experiment: SmolStr,
    /// The name of the Experiment's `spec.templates[]` entry this ReplicaSet runs.
    pub template: SmolStr,
}

impl ReplicaSet {
    /// Owned by the rollout (not by one of its Experiments).
    pub fn is_rollouts(&self) -> bool {
        self.experiment.is_none()
    }
}
