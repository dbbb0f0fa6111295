//! What one reconcile reads and what it returns. The controller is a pure function from a
//! snapshot (`Input`: the Rollout object, its ReplicaSets and Services, the time) to a `Plan`
//! of writes; the simulation applies plans. This mirrors upstream's `rolloutContext`, whose
//! decisions also read the state as it was at the start of the reconcile.

use std::collections::BTreeMap;

use crate::analysis::run::{AnalysisPhase, RunKind};
use crate::engine::SimTime;
use crate::manifest::RolloutSpec;
use crate::manifest::routes::RouteRule;

use super::status::RolloutStatus;

/// The live Rollout object: spec (with its generation), revision annotation and status.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutObject {
    pub name: String,
    pub namespace: String,
    pub spec: RolloutSpec,
    /// The pod-template hash of `spec.template`, kept in step with the spec by `set_spec`.
    pub template_hash: String,
    /// `metadata.generation`: bumped by every spec change.
    pub generation: u64,
    /// The `rollout.argoproj.io/revision` annotation (0 when unset).
    pub revision: u64,
    pub status: RolloutStatus,
}

impl RolloutObject {
    /// A Rollout as first applied: generation 1, empty status.
    pub fn new(name: &str, namespace: &str, spec: RolloutSpec) -> Self {
        RolloutObject {
            name: name.to_string(),
            namespace: namespace.to_string(),
            template_hash: spec.template.hash(0),
            spec,
            generation: 1,
            revision: 0,
            status: RolloutStatus::default(),
        }
    }

    /// Replaces the spec; a changed spec is a new generation. True when something changed.
    pub fn set_spec(&mut self, spec: RolloutSpec) -> bool {
        if spec == self.spec {
            return false;
        }
        if spec.template != self.spec.template {
            self.template_hash = spec.template.hash(0);
        }
        self.spec = spec;
        self.generation += 1;
        true
    }
}

/// A ReplicaSet as the controller sees it at the start of a reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsView {
    pub name: String,
    /// The `rollouts-pod-template-hash` label.
    pub hash: String,
    /// The `rollout.argoproj.io/revision` annotation.
    pub revision: u64,
    pub spec: i32,
    pub status_replicas: i32,
    pub ready: i32,
    pub available: i32,
    /// Creation order (time, then sequence), for "newer/older than".
    pub created: (SimTime, u64),
    /// The `rollout.argoproj.io/desired-replicas` annotation.
    pub desired_annotation: Option<i32>,
    /// The `scale-down-deadline` annotation.
    pub scale_down_deadline: Option<SimTime>,
}

impl RsView {
    /// `IsReplicaSetAvailable`: every desired pod available (and at least one desired).
    pub fn fully_available(&self) -> bool {
        self.spec != 0 && self.available != 0 && self.spec <= self.available
    }
}

/// A Service the rollout may manage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceView {
    /// The `rollouts-pod-template-hash` value in its selector, if the controller set one.
    pub selector_hash: Option<String>,
    /// Whether the controller has adopted it (the managed-by annotation).
    pub managed: bool,
}

/// A pod, as the pod restarter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodView {
    pub name: String,
    /// The pod-template hash of its ReplicaSet.
    pub rs_hash: String,
    pub created: SimTime,
    pub available: bool,
    pub terminating: bool,
    /// Indices (into `Input::budgets`) of the PodDisruptionBudgets that select it.
    pub budgets: Vec<usize>,
}

/// A PodDisruptionBudget and the disruptions it allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetView {
    pub name: String,
    pub allowed: i32,
}

/// An AnalysisRun the rollout owns, as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunView {
    pub name: String,
    pub kind: RunKind,
    pub pod_hash: String,
    pub phase: AnalysisPhase,
    pub message: String,
    /// `spec.terminate` already set.
    pub terminate: bool,
}

/// An Experiment the rollout owns, as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentView {
    pub name: String,
    /// The step that created it, and the pod-template hashes it was built from: two
    /// experiments agreeing on them are the same experiment to the rollout.
    pub step_index: u32,
    pub pod_hash: String,
    pub stable_hash: String,
    /// `status.phase` ("" reads as Pending).
    pub phase: AnalysisPhase,
    pub message: String,
    /// `spec.terminate` already set.
    pub terminate: bool,
    /// Per template: its name, and the Service and pod-template hash the router can send
    /// traffic to ("" before the Service exists).
    pub templates: Vec<ExperimentTemplateView>,
}

/// One template of an Experiment, for the router's additional destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentTemplateView {
    pub name: String,
    pub service_name: String,
    pub pod_template_hash: String,
}

/// A managed route the traffic router holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteView {
    pub name: String,
    pub rule: RouteRule,
}

/// Everything one reconcile reads.
pub struct Input<'a> {
    pub rollout: &'a RolloutObject,
    pub replica_sets: &'a [RsView],
    pub services: &'a BTreeMap<String, ServiceView>,
    /// The rollout's pods; only read while a restart is pending (may be empty otherwise).
    pub pods: &'a [PodView],
    pub budgets: &'a [BudgetView],
    /// The AnalysisRuns the rollout owns.
    pub analysis_runs: &'a [RunView],
    /// The Experiments the rollout owns.
    pub experiments: &'a [ExperimentView],
    /// The managed routes (header and mirror routes) the traffic router holds.
    pub routes: &'a [RouteView],
    /// The AnalysisTemplates and ClusterAnalysisTemplates that exist now (the rollout's
    /// analyses must name existing ones, or its spec is invalid).
    pub analysis_templates: &'a [crate::manifest::analysis::AnalysisTemplate],
    pub now: SimTime,
}

/// One write the controller makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create the ReplicaSet of the current template, at 0 replicas.
    CreateReplicaSet {
        hash: String,
        revision: u64,
    },
    /// Set a ReplicaSet's `spec.replicas` (and its desired-replicas annotation to R).
    ScaleReplicaSet {
        name: String,
        from: i32,
        to: i32,
        desired_annotation: i32,
        /// A full scale-down also drops the `scale-down-deadline` annotation, except while
        /// the scale-down of an aborted update is being delayed (`scaleReplicaSet`).
        clear_deadline: bool,
    },
    /// Bump a re-used ReplicaSet's revision (the old one goes to the revision history).
    SetRevision {
        name: String,
        revision: u64,
    },
    SetScaleDownDeadline {
        name: String,
        at: SimTime,
    },
    RemoveScaleDownDeadline {
        name: String,
    },
    DeleteReplicaSet {
        name: String,
    },
    SwitchService {
        service: String,
        from: Option<String>,
        to: String,
    },
    /// Evict a pod through the Eviction API (PodDisruptionBudgets apply).
    EvictPod {
        name: String,
    },
    /// The rollout's revision annotation.
    SetRolloutRevision(u64),
    /// Create an AnalysisRun from the rollout's analysis of that kind (the simulation builds
    /// its spec from the templates, `stable_hash` and `pod_hash` feeding hash arguments).
    CreateAnalysisRun {
        name: String,
        kind: RunKind,
        pod_hash: String,
        stable_hash: String,
        revision: u64,
    },
    /// `spec.terminate: true` on a run.
    TerminateAnalysisRun {
        name: String,
    },
    /// Create the Experiment of the experiment step `step_index` (the simulation builds its
    /// spec from the step and the ReplicaSets of `stable_hash` and `pod_hash`).
    CreateExperiment {
        name: String,
        step_index: u32,
        pod_hash: String,
        stable_hash: String,
        revision: u64,
    },
    /// `spec.terminate: true` on an Experiment.
    TerminateExperiment {
        name: String,
    },
    /// Add or replace a managed route on the traffic router.
    SetRoute {
        name: String,
        rule: RouteRule,
    },
    /// Remove one managed route (a route step without `match`).
    RemoveRoute {
        name: String,
    },
    /// Remove every managed route (`RemoveManagedRoutes`).
    RemoveManagedRoutes,
}

/// A Kubernetes Event the controller records (reason and message, as Argo words them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerEvent {
    pub reason: &'static str,
    pub message: String,
    pub warning: bool,
}

/// What one reconcile decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// The new status, when it differs from the old one.
    pub status: Option<RolloutStatus>,
    pub events: Vec<ControllerEvent>,
    /// Times at which the controller asked to be run again.
    pub requeue: Vec<SimTime>,
    /// Evictions a PodDisruptionBudget refused (pod, budget): not writes, but worth showing.
    pub refused_evictions: Vec<(String, String)>,
}

impl Plan {
    /// A reconcile that writes nothing: the controller has reached its fixed point.
    pub fn is_noop(&self) -> bool {
        self.actions.is_empty() && self.status.is_none()
    }

    pub fn event(&mut self, reason: &'static str, message: String) {
        self.events.push(ControllerEvent {
            reason,
            message,
            warning: false,
        });
    }

    pub fn warning(&mut self, reason: &'static str, message: String) {
        self.events.push(ControllerEvent {
            reason,
            message,
            warning: true,
        });
    }
}
