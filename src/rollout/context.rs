//! What one reconcile reads and what it returns. The controller is a pure function from a
//! snapshot (`Input`: the Rollout object, its ReplicaSets and Services, the time) to a `Plan`
//! of writes; the simulation applies plans. This mirrors upstream's `rolloutContext`, whose
//! decisions also read the state as it was at the start of the reconcile.

use smol_str::SmolStr;
use std::collections::BTreeMap;

use crate::analysis::run::{AnalysisPhase, RunKind};
use crate::api::RolloutSpec;
use crate::api::routes::RouteRule;
use crate::engine::SimTime;

use super::event::EventMessage;
use super::status::RolloutStatus;

/// The live Rollout object: spec (with its generation), revision annotation and status.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutObject {
    /// `metadata.name`.
    pub name: SmolStr,
    /// `metadata.namespace`.
    pub namespace: SmolStr,
    /// `spec`, as validated from the manifest.
    pub spec: RolloutSpec,
    /// The pod-template hash of `spec.template`, kept in step with the spec by `set_spec`.
    pub template_hash: SmolStr,
    /// `metadata.generation`: bumped by every spec change.
    pub generation: u64,
    /// The `rollout.argoproj.io/revision` annotation (0 when unset).
    pub revision: u64,
    /// `status`, as the last reconcile wrote it. Boxed, as the plan's is: a write swaps the
    /// two boxes rather than the large status itself.
    pub status: Box<RolloutStatus>,
}

impl RolloutObject {
    /// A Rollout as first applied: generation 1, empty status.
    pub fn new(name: &str, namespace: &str, spec: RolloutSpec) -> Self {
        RolloutObject {
            name: name.into(),
            namespace: namespace.into(),
            template_hash: spec.template.hash(0),
            spec,
            generation: 1,
            revision: 0,
            status: Box::default(),
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
    /// `metadata.name`.
    pub name: SmolStr,
    /// The `rollouts-pod-template-hash` label.
    pub hash: SmolStr,
    /// The `rollout.argoproj.io/revision` annotation.
    pub revision: u64,
    /// `spec.replicas`.
    pub spec: i32,
    /// `status.replicas`: its non-terminating pods.
    pub status_replicas: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
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
    pub selector_hash: Option<SmolStr>,
    /// Whether the controller has adopted it (the managed-by annotation).
    pub managed: bool,
}

/// A pod, as the pod restarter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodView {
    /// `metadata.name`.
    pub name: SmolStr,
    /// The pod-template hash of its ReplicaSet.
    pub rs_hash: SmolStr,
    /// `metadata.creationTimestamp`, compared with `spec.restartAt`.
    pub created: SimTime,
    /// Ready for `minReadySeconds`.
    pub available: bool,
    /// Being deleted (it has a `deletionTimestamp`).
    pub terminating: bool,
    /// Indices (into `Input::budgets`) of the PodDisruptionBudgets that select it.
    pub budgets: Vec<usize>,
}

/// A PodDisruptionBudget and the disruptions it allows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetView {
    /// `metadata.name`.
    pub name: SmolStr,
    /// `status.disruptionsAllowed`: the evictions it permits now.
    pub allowed: i32,
}

/// An AnalysisRun the rollout owns, as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunView {
    /// `metadata.name`.
    pub name: SmolStr,
    /// Which of the rollout's analyses it runs.
    pub kind: RunKind,
    /// The pod-template hash of the revision it was created for.
    pub pod_hash: SmolStr,
    /// `status.phase`.
    pub phase: AnalysisPhase,
    /// `status.message`: why it ended so.
    pub message: SmolStr,
    /// `spec.terminate` already set.
    pub terminate: bool,
}

/// An Experiment the rollout owns, as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentView {
    /// `metadata.name`.
    pub name: SmolStr,
    /// The step that created it, and the pod-template hashes it was built from: two
    /// experiments agreeing on them are the same experiment to the rollout.
    pub step_index: u32,
    /// The canary's pod-template hash.
    pub pod_hash: SmolStr,
    /// The stable's pod-template hash.
    pub stable_hash: SmolStr,
    /// `status.phase` ("" reads as Pending).
    pub phase: AnalysisPhase,
    /// `status.message`.
    pub message: SmolStr,
    /// `spec.terminate` already set.
    pub terminate: bool,
    /// Per template: its name, and the Service and pod-template hash the router can send
    /// traffic to ("" before the Service exists).
    pub templates: Vec<ExperimentTemplateView>,
}

/// One template of an Experiment, for the router's additional destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentTemplateView {
    /// The template's `name` in the Experiment spec.
    pub name: SmolStr,
    /// The Service created for it ("" before it exists).
    pub service_name: SmolStr,
    /// The pod-template hash of its ReplicaSet.
    pub pod_template_hash: SmolStr,
}

/// A managed route the traffic router holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteView {
    /// The route's name, from `trafficRouting.managedRoutes`.
    pub name: SmolStr,
    /// What it matches and where it sends traffic.
    pub rule: RouteRule,
}

/// Everything one reconcile reads.
pub struct Input<'a> {
    /// The Rollout object.
    pub rollout: &'a RolloutObject,
    /// The ReplicaSets the rollout owns.
    pub replica_sets: &'a [RsView],
    /// The Services the rollout references, by name.
    pub services: &'a BTreeMap<SmolStr, ServiceView>,
    /// The rollout's pods; only read while a restart is pending (may be empty otherwise).
    pub pods: &'a [PodView],
    /// The PodDisruptionBudgets; `PodView::budgets` indexes them.
    pub budgets: &'a [BudgetView],
    /// The AnalysisRuns the rollout owns.
    pub analysis_runs: &'a [RunView],
    /// The Experiments the rollout owns.
    pub experiments: &'a [ExperimentView],
    /// The managed routes (header and mirror routes) the traffic router holds.
    pub routes: &'a [RouteView],
    /// The AnalysisTemplates and ClusterAnalysisTemplates that exist now (the rollout's
    /// analyses must name existing ones, or its spec is invalid).
    pub analysis_templates: &'a [crate::api::analysis::AnalysisTemplate],
    /// The verdict of [`super::validation::validate`] on this spec, these Services and these
    /// templates, when the caller keeps it (it changes only when one of them does): the
    /// problem, or `Some(&None)` for a valid spec. `None`: the reconcile decides it.
    pub validation: Option<&'a Option<String>>,
    /// The virtual time of this reconcile.
    pub now: SimTime,
}

/// One write the controller makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Create the ReplicaSet of the current template, at 0 replicas.
    CreateReplicaSet {
        /// The template's pod-template hash (the suffix of the ReplicaSet's name).
        hash: SmolStr,
        /// Its `rollout.argoproj.io/revision` annotation.
        revision: u64,
    },
    /// Set a ReplicaSet's `spec.replicas` (and its desired-replicas annotation to R).
    ScaleReplicaSet {
        /// The ReplicaSet's name.
        name: SmolStr,
        /// `spec.replicas` before.
        from: i32,
        /// `spec.replicas` after.
        to: i32,
        /// The `rollout.argoproj.io/desired-replicas` annotation to write.
        desired_annotation: i32,
        /// A full scale-down also drops the `scale-down-deadline` annotation, except while
        /// the scale-down of an aborted update is being delayed (`scaleReplicaSet`).
        clear_deadline: bool,
    },
    /// Bump a re-used ReplicaSet's revision (the old one goes to the revision history).
    SetRevision {
        /// The ReplicaSet's name.
        name: SmolStr,
        /// The new revision.
        revision: u64,
    },
    /// Set the `scale-down-deadline` annotation: the ReplicaSet is scaled down at that time.
    SetScaleDownDeadline {
        /// The ReplicaSet's name.
        name: SmolStr,
        /// When, in virtual time.
        at: SimTime,
    },
    /// Drop the `scale-down-deadline` annotation: the delayed scale-down no longer applies.
    RemoveScaleDownDeadline {
        /// The ReplicaSet's name.
        name: SmolStr,
    },
    /// Delete a ReplicaSet the rollout no longer keeps (`revisionHistoryLimit`).
    DeleteReplicaSet {
        /// The ReplicaSet's name.
        name: SmolStr,
    },
    /// Point a Service's selector at a ReplicaSet's pod-template hash.
    SwitchService {
        /// The Service's name.
        service: SmolStr,
        /// The hash it selected before, if any.
        from: Option<SmolStr>,
        /// The hash it selects now.
        to: SmolStr,
    },
    /// Evict a pod through the Eviction API (PodDisruptionBudgets apply).
    EvictPod {
        /// The pod's name.
        name: SmolStr,
    },
    /// The rollout's revision annotation.
    SetRolloutRevision(u64),
    /// Create an AnalysisRun from the rollout's analysis of that kind (the simulation builds
    /// its spec from the templates, `stable_hash` and `pod_hash` feeding hash arguments).
    CreateAnalysisRun {
        /// The run's `metadata.name`.
        name: SmolStr,
        /// Which of the rollout's analyses it runs.
        kind: RunKind,
        /// The canary (new) pod-template hash.
        pod_hash: SmolStr,
        /// The stable pod-template hash.
        stable_hash: SmolStr,
        /// The rollout revision it belongs to.
        revision: u64,
    },
    /// `spec.terminate: true` on a run.
    TerminateAnalysisRun {
        /// The run's name.
        name: SmolStr,
    },
    /// Create the Experiment of the experiment step `step_index` (the simulation builds its
    /// spec from the step and the ReplicaSets of `stable_hash` and `pod_hash`).
    CreateExperiment {
        /// The Experiment's `metadata.name`.
        name: SmolStr,
        /// The index of the experiment step in `canary.steps`.
        step_index: u32,
        /// The canary (new) pod-template hash.
        pod_hash: SmolStr,
        /// The stable pod-template hash.
        stable_hash: SmolStr,
        /// The rollout revision it belongs to.
        revision: u64,
    },
    /// `spec.terminate: true` on an Experiment.
    TerminateExperiment {
        /// The Experiment's name.
        name: SmolStr,
    },
    /// Add or replace a managed route on the traffic router.
    SetRoute {
        /// The route's name, from `trafficRouting.managedRoutes`.
        name: SmolStr,
        /// What it matches and where it sends traffic.
        rule: RouteRule,
    },
    /// Remove one managed route (a route step without `match`).
    RemoveRoute {
        /// The route's name.
        name: SmolStr,
    },
    /// Remove every managed route (`RemoveManagedRoutes`).
    RemoveManagedRoutes,
}

/// A Kubernetes Event the controller records (reason and message, as Argo words them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerEvent {
    /// `reason`, as Argo spells it.
    pub reason: &'static str,
    /// `message`: the values it names, in Argo's words once displayed.
    pub message: EventMessage,
    /// A `Warning` event rather than a `Normal` one.
    pub warning: bool,
}

/// What one reconcile decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The writes, in the order the controller makes them.
    pub writes: Vec<Write>,
    /// The new status, when it differs from the old one. Boxed: a status is large and most
    /// plans are moved several times between the controller and the world.
    pub status: Option<Box<RolloutStatus>>,
    /// The Kubernetes Events this reconcile records.
    pub events: Vec<ControllerEvent>,
    /// Times at which the controller asked to be run again.
    pub requeue: Vec<SimTime>,
    /// Evictions a PodDisruptionBudget refused (pod, budget): not writes, but worth showing.
    pub refused_evictions: Vec<(SmolStr, SmolStr)>,
    /// Why the current ReplicaSet became the stable one in this reconcile (`promoteStable`'s
    /// reason, which ends its `RolloutCompleted` event), if it did.
    pub completed_because: Option<SmolStr>,
}

impl Plan {
    /// A reconcile that writes nothing: the controller has reached its fixed point.
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty() && self.status.is_none()
    }

    /// Records a `Normal` event. Its message is data (see [`EventMessage`]): nothing is
    /// formatted until an output reads it.
    pub fn event(&mut self, reason: &'static str, message: impl Into<EventMessage>) {
        self.events.push(ControllerEvent {
            reason,
            message: message.into(),
            warning: false,
        });
    }

    /// Records a `Warning` event.
    pub fn warning(&mut self, reason: &'static str, message: impl Into<EventMessage>) {
        self.events.push(ControllerEvent {
            reason,
            message: message.into(),
            warning: true,
        });
    }
}
