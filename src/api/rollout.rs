//! The Rollout (`v1alpha1/types.go`): metadata, spec, the canary and blue-green strategies and
//! their steps, validated and with defaults applied.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::IntOrString;
use super::analysis::{BackgroundAnalysis, Origin, RolloutAnalysis};
use super::experiment::ExperimentStep;
use super::routes::RouteStep;
use super::template::PodTemplate;

/// A Rollout ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// `metadata.name`: names its ReplicaSets, runs and events.
    pub name: String,
    /// `metadata.namespace` (`default` when unset).
    pub namespace: String,
    /// `metadata.labels` and `metadata.annotations` (analysis arguments can read them).
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// What the controller rolls out, and how.
    pub spec: RolloutSpec,
    /// `spec.restartAt` as written (wall-clock); a scenario turns it into `spec.restart_at`
    /// relative to its start.
    pub restart_at_wall: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the spec names other objects by name (`canary.stableService`, ...), keyed by the
    /// field's path under `spec.strategy`: input checks that find such an object missing
    /// point at the line that names it.
    pub reference_origins: BTreeMap<String, Origin>,
    /// The Ingresses and VirtualServices `trafficRouting` names, which the controller looks
    /// up before every reconcile.
    pub router_references: Vec<super::RouterReference>,
}

impl Rollout {
    /// Where `spec.strategy.<field>` was written, when the input wrote it.
    pub fn reference_origin(&self, field: &str) -> Option<&Origin> {
        self.reference_origins.get(field)
    }
}

/// `spec` of a Rollout, validated, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSpec {
    /// `spec.replicas`; `None` (unset) means 1 everywhere.
    pub replicas: Option<u32>,
    /// `spec.selector.matchLabels`: the labels its pods carry.
    pub selector: BTreeMap<String, String>,
    /// `spec.template`: a change to it starts a new revision.
    pub template: PodTemplate,
    /// `spec.minReadySeconds`: seconds a ready pod waits before it counts as available.
    pub min_ready_seconds: u32,
    /// `spec.revisionHistoryLimit`: old ReplicaSets kept at 0 replicas (default 10).
    pub revision_history_limit: u32,
    /// `spec.progressDeadlineSeconds`: seconds without progress before the rollout is
    /// Degraded (`ProgressDeadlineExceeded`).
    pub progress_deadline_seconds: u32,
    /// `spec.progressDeadlineAbort`: abort the update when the deadline is exceeded.
    pub progress_deadline_abort: bool,
    /// `spec.paused`: the controller changes nothing until it is unset.
    pub paused: bool,
    /// `spec.restartAt`, resolved to virtual time (milliseconds since the run's start): pods
    /// created before it are restarted. Kept as a number so the API types use nothing of
    /// ours; the controller reads it as an instant through `RolloutSpec::restart_time`.
    pub restart_at: Option<u64>,
    /// `spec.rollbackWindow.revisions`: going back this many revisions skips the steps.
    pub rollback_window: Option<u32>,
    /// `spec.strategy`: canary or blue-green.
    pub strategy: Strategy,
}

impl RolloutSpec {
    /// `GetReplicasOrDefault`.
    pub fn replicas(&self) -> u32 {
        self.replicas.unwrap_or(1)
    }

    /// The canary strategy, if that is the one used.
    pub fn canary(&self) -> Option<&Canary> {
        match &self.strategy {
            Strategy::Canary(c) => Some(c),
            Strategy::BlueGreen(_) => None,
        }
    }

    /// The blue-green strategy, if that is the one used.
    pub fn blue_green(&self) -> Option<&BlueGreen> {
        match &self.strategy {
            Strategy::BlueGreen(b) => Some(b),
            Strategy::Canary(_) => None,
        }
    }

    /// `GetRolloutServiceKeys`: the Services the strategy names, whose
    /// `rollouts-pod-template-hash` selector the controller manages.
    pub fn service_names(&self) -> Vec<&str> {
        let names: Vec<&str> = match &self.strategy {
            Strategy::BlueGreen(b) => std::iter::once(b.active_service.as_str())
                .chain(b.preview_service.as_deref())
                .collect(),
            Strategy::Canary(c) => c
                .canary_service
                .as_deref()
                .into_iter()
                .chain(c.stable_service.as_deref())
                .collect(),
        };
        names.into_iter().filter(|n| !n.is_empty()).collect()
    }
}

/// `spec.strategy`: exactly one of the two.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// `strategy.canary`.
    Canary(Canary),
    /// `strategy.blueGreen`.
    BlueGreen(BlueGreen),
}

/// The blue-green strategy: the new version runs behind the preview Service until it is
/// promoted, then the active Service is switched to it in one step.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueGreen {
    /// `activeService`: the Service that sends production traffic to the active version.
    pub active_service: String,
    /// `previewService`: the Service that points at the new version before promotion.
    pub preview_service: Option<String>,
    /// Pods of the preview ReplicaSet before promotion (default: all `replicas`).
    pub preview_replica_count: Option<u32>,
    /// false: pause before the switch until a human promotes.
    pub auto_promotion_enabled: bool,
    /// > 0: pause before the switch, then promote by itself after this many seconds.
    pub auto_promotion_seconds: u32,
    /// Only used to pace restarts (default 25%, rounded down).
    pub max_unavailable: Option<IntOrString>,
    /// Delay before the previous active ReplicaSet is scaled down (default 30 s).
    pub scale_down_delay_seconds: Option<u32>,
    /// `scaleDownDelayRevisionLimit`: old ReplicaSets left running during their delay; older
    /// ones are scaled down at once.
    pub scale_down_delay_revision_limit: Option<u32>,
    /// Delay before an aborted preview is scaled down (default 30 s; 0 = never).
    pub abort_scale_down_delay: AbortDelay,
    /// Analysis before the switch: the active Service moves only once it succeeds.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// Analysis after the switch: the rollout is complete only once it succeeds.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

impl BlueGreen {
    /// `needsBlueGreenControllerPause`: the controller pauses before the switch when
    /// auto-promotion is off or delayed.
    pub fn needs_controller_pause(&self) -> bool {
        !self.auto_promotion_enabled || self.auto_promotion_seconds > 0
    }
}

/// The canary strategy: the new version gets a growing share of pods (or traffic) step by step.
///
/// `Default` is a canary of no steps and no router, every option unset: what the shared
/// sub-steps of the controller see for a blue-green rollout, and a base for tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Canary {
    /// `steps`, in order (`status.currentStepIndex` points into them). Shared: the steps
    /// never change once read, and a run's copy of the spec (a few KiB of steps) would
    /// otherwise be made at the start of every run.
    pub steps: Steps,
    /// The step hash (`status.currentStepHash`): changing the steps restarts an update.
    pub steps_hash: String,
    /// `maxSurge`: pods (or a percentage) allowed above `replicas` (default 25%).
    pub max_surge: Option<IntOrString>,
    /// `maxUnavailable`: pods (or a percentage) allowed to be unavailable (default 25%).
    pub max_unavailable: Option<IntOrString>,
    /// `canaryService`: the Service the controller points at the canary pods.
    pub canary_service: Option<String>,
    /// `stableService`: the Service the controller points at the stable pods.
    pub stable_service: Option<String>,
    /// `trafficRouting`: weights are set on a router instead of by pod counts.
    pub traffic_routing: Option<TrafficRouting>,
    /// `dynamicStableScale`: the stable ReplicaSet shrinks as traffic moves to the canary
    /// (traffic routing only).
    pub dynamic_stable_scale: bool,
    /// `scaleDownDelaySeconds` (traffic routing only; default 30).
    pub scale_down_delay_seconds: Option<u32>,
    /// `scaleDownDelayRevisionLimit`: old ReplicaSets left running during their delay.
    pub scale_down_delay_revision_limit: Option<u32>,
    /// `abortScaleDownDelaySeconds`: when an aborted canary is scaled down.
    pub abort_scale_down_delay: AbortDelay,
    /// `minPodsPerReplicaSet`: the fewest pods a canary or stable ReplicaSet with traffic
    /// keeps (traffic routing only).
    pub min_pods_per_replica_set: Option<u32>,
    /// `replicaProgressThreshold`: how much of a step's canary must be available before the
    /// step counts as reached.
    pub replica_progress_threshold: Option<ProgressThreshold>,
    /// Background analysis, from `startingStep` on.
    pub analysis: Option<BackgroundAnalysis>,
}

impl Canary {
    /// How many steps there are, as the `u32` that `status.currentStepIndex` counts in (a
    /// manifest's steps are far fewer than `u32::MAX`; more would read as `u32::MAX`).
    pub fn step_count(&self) -> u32 {
        u32::try_from(self.steps.len()).unwrap_or(u32::MAX)
    }

    /// The weight that means all traffic: `maxTrafficWeight`, or 100.
    pub fn max_weight(&self) -> u32 {
        self.traffic_routing
            .as_ref()
            .map_or(100, |t| t.max_traffic_weight)
    }
}

/// A canary's steps, shared: they never change once read, so a copy of the spec (a run
/// makes one at its start) points at the same steps rather than copying a few KiB of them.
/// Reads as a slice of steps.
#[derive(Clone, Default, PartialEq)]
pub struct Steps(Arc<[Step]>);

impl std::ops::Deref for Steps {
    type Target = [Step];
    fn deref(&self) -> &[Step] {
        &self.0
    }
}

impl From<Vec<Step>> for Steps {
    fn from(steps: Vec<Step>) -> Self {
        Steps(steps.into())
    }
}

impl<'a> IntoIterator for &'a Steps {
    type Item = &'a Step;
    type IntoIter = std::slice::Iter<'a, Step>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Shown as the list of steps it is.
impl std::fmt::Debug for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A traffic router. Every router (Istio, NGINX, ALB, SMI, ...) is simulated as a generic
/// weighted router; `provider` names the one the manifest configures.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficRouting {
    /// The router's key as written (`istio`, `nginx`, `alb`, `smi`, ..., `plugins`); `generic`
    /// when none is set.
    pub provider: String,
    /// `maxTrafficWeight`: the weight meaning all traffic (default 100).
    pub max_traffic_weight: u32,
    /// `managedRoutes` names: the header and mirror routes steps may set.
    pub managed_routes: Vec<String>,
    /// Whether this router needs `canaryService` and `stableService`
    /// (`requireCanaryStableServices`: every router but plugins and Istio with a
    /// DestinationRule).
    pub services_required: bool,
    /// Where `trafficRouting` was written, for problems found against the scenario.
    pub origin: Origin,
}

impl TrafficRouting {
    /// Whether a router is named: `trafficRouting: {}` (or only `managedRoutes`,
    /// `maxTrafficWeight`) gives Argo no traffic reconciler, so no weights and no routes
    /// (`reconcileTrafficRouting` in rollout/trafficrouting.go), and traffic reaches the pods
    /// through the Services alone.
    pub fn names_a_router(&self) -> bool {
        self.provider != "generic"
    }
}

/// One canary step. As upstream, setWeight, pause, experiment, analysis and plugin exclude
/// each other, while setCanaryScale (and header/mirror routes) may come along with one of them;
/// the controller then looks at the parts in a fixed order (pause, setCanaryScale, setWeight,
/// experiment, analysis, setHeaderRoute, setMirrorRoute).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    /// `setWeight`: the canary's share, out of `max_weight()`.
    pub set_weight: Option<u32>,
    /// `pause`: wait for a duration, or until promoted.
    pub pause: Option<Pause>,
    /// `setCanaryScale`: size the canary independently of its traffic weight.
    pub set_canary_scale: Option<CanaryScale>,
    /// An analysis step: the rollout waits for its run to succeed.
    pub analysis: Option<RolloutAnalysis>,
    /// An experiment step: the rollout waits for its Experiment to succeed.
    pub experiment: Option<ExperimentStep>,
    /// Sets (or removes) a header route on the router; completes at once.
    pub set_header_route: Option<RouteStep>,
    /// Sets (or removes) a mirror route on the router; completes at once.
    pub set_mirror_route: Option<RouteStep>,
}

/// A pause step; `duration` None means indefinite (until promoted).
#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    /// `pause.duration`: how long to wait; `None` waits until promoted.
    pub duration: Option<PauseDuration>,
}

/// A pause step's `duration`: a number of seconds or a Go duration string.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseDuration {
    /// Whole seconds: Argo truncates (`1.9s` waits 1 s, `500ms` waits 0).
    pub seconds: u64,
    /// As written, for messages (`pause: 45s`).
    pub text: String,
}

impl Step {
    /// A `setWeight` step.
    pub fn weight(w: u32) -> Step {
        Step {
            set_weight: Some(w),
            ..Default::default()
        }
    }

    /// A `pause` step (`None`: until promoted).
    pub fn pause(duration: Option<PauseDuration>) -> Step {
        Step {
            pause: Some(Pause { duration }),
            ..Default::default()
        }
    }

    /// A `setCanaryScale` step.
    pub fn canary_scale(c: CanaryScale) -> Step {
        Step {
            set_canary_scale: Some(c),
            ..Default::default()
        }
    }

    /// An indefinite pause (`pause: {}`), which only a promote ends.
    pub fn is_indefinite_pause(&self) -> bool {
        self.pause.as_ref().is_some_and(|p| p.duration.is_none())
    }

    /// Argo's `CanaryStepString`, used in `RolloutStepCompleted` messages
    /// ([`StepText::of`](super::step_text::StepText::of) is the same words as data).
    pub fn describe(&self) -> String {
        super::step_text::StepText::of(self).to_string()
    }

    /// How the timeline names the step: Argo's words, except for a step of routes only,
    /// which Argo's `CanaryStepString` calls "invalid".
    pub fn label(&self) -> String {
        super::step_text::StepText::label_of(self).to_string()
    }
}

/// `setCanaryScale`: an explicit canary size, independent of the traffic weight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanaryScale {
    /// `setCanaryScale.replicas`: an absolute pod count.
    pub replicas: Option<i32>,
    /// `setCanaryScale.weight`: a percentage of `spec.replicas`.
    pub weight: Option<i32>,
    /// `setCanaryScale.matchTrafficWeight`: go back to sizing the canary by its traffic weight.
    pub match_traffic_weight: bool,
}

/// `abortScaleDownDelaySeconds` as Argo distinguishes it: unset, explicitly 0 (never scale the
/// canary down on abort), or a delay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AbortDelay {
    /// Not given: Argo's default applies (`DefaultAbortScaleDownDelaySeconds`, 30 s, with
    /// traffic routing).
    #[default]
    Unset,
    /// Explicitly 0: the canary keeps its pods after an abort.
    Never,
    /// Scale the canary down this many seconds after the abort.
    Seconds(u32),
}

/// `replicaProgressThreshold`: how much of a step's canary must be available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressThreshold {
    /// `type: Percent`: this percentage of the step's desired canary pods.
    Percent(i32),
    /// `type: Pod`: this many canary pods.
    Pods(i32),
}
