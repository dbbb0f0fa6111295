//! The serde mirror of the Kubernetes and Argo Rollouts YAML we read: field for field as the
//! upstream types name them, every field optional (requiredness is checked when converting to
//! domain types, so that all problems are reported together). Unknown keys are reported by the
//! deserializer; fields of the Kubernetes pod spec that do not affect the simulation are kept as
//! opaque JSON so that they still count in the pod-template hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::IntOrString;

type Labels = BTreeMap<String, String>;

/// `metadata` of a top-level object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    /// `metadata.name`: the object's name, unique in its namespace.
    pub name: Option<String>,
    /// `metadata.namespace`: where the object lives (`default` when left out).
    pub namespace: Option<String>,
    /// `metadata.labels`: key/value labels that selectors match.
    pub labels: Option<Labels>,
    /// `metadata.annotations`: key/value notes for tools, not used to select.
    pub annotations: Option<Labels>,
    /// `metadata.generateName`: a prefix the API server completes into a name.
    pub generate_name: Option<String>,
    /// `metadata.uid`: set by the API server; accepted in an exported object, not used.
    pub uid: Option<Json>,
    /// `metadata.resourceVersion`: set by the API server; accepted, not used.
    pub resource_version: Option<Json>,
    /// `metadata.generation`: set by the API server; accepted, not used (the simulation counts its own).
    pub generation: Option<Json>,
    /// `metadata.creationTimestamp`: set by the API server; accepted, not used.
    pub creation_timestamp: Option<Json>,
    /// `metadata.deletionTimestamp`: set by the API server; accepted, not used.
    pub deletion_timestamp: Option<Json>,
    /// `metadata.deletionGracePeriodSeconds`: set by the API server; accepted, not used.
    pub deletion_grace_period_seconds: Option<Json>,
    /// `metadata.finalizers`: accepted, not used (objects are never deleted from the API).
    pub finalizers: Option<Json>,
    /// `metadata.ownerReferences`: accepted, not used.
    pub owner_references: Option<Json>,
    /// `metadata.managedFields`: server-side apply bookkeeping; accepted, not used.
    pub managed_fields: Option<Json>,
    /// `metadata.selfLink`: deprecated by Kubernetes; accepted, not used.
    pub self_link: Option<Json>,
}

/// An `argoproj.io/v1alpha1` Rollout.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rollout {
    /// `apiVersion`: `argoproj.io/v1alpha1`.
    pub api_version: Option<String>,
    /// `kind`: `Rollout`.
    pub kind: Option<String>,
    /// `metadata`: the Rollout's name, namespace, labels and annotations.
    pub metadata: ObjectMeta,
    /// `spec`: the desired state and the update strategy.
    pub spec: RolloutSpec,
    /// A status in the input (an exported object) is ignored, as `kubectl apply` ignores it.
    pub status: Option<Json>,
}

/// `spec` of a Rollout.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutSpec {
    /// `spec.replicas`: the number of desired pods (1 when left out).
    pub replicas: Option<i64>,
    /// `spec.selector`: the label selector of the Rollout's pods; must match the template's labels.
    pub selector: Option<LabelSelector>,
    /// `spec.template`: the pod template; a change to it starts an update.
    pub template: Option<PodTemplate>,
    /// `spec.workloadRef`: a Deployment to take the template from (refused: not simulated).
    pub workload_ref: Option<Json>,
    /// `spec.minReadySeconds`: how long a new pod must be Ready, with no container crashing, to count as available.
    pub min_ready_seconds: Option<i64>,
    /// `spec.strategy`: canary or blue-green.
    pub strategy: Option<Strategy>,
    /// `spec.revisionHistoryLimit`: how many old ReplicaSets to keep for rollback (default 10).
    pub revision_history_limit: Option<i64>,
    /// `spec.paused`: pauses the rollout (`kubectl argo rollouts pause`).
    pub paused: Option<bool>,
    /// `spec.progressDeadlineSeconds`: how long an update may make no progress before it is reported failed (default 600).
    pub progress_deadline_seconds: Option<i64>,
    /// `spec.progressDeadlineAbort`: abort the update when the progress deadline is exceeded.
    pub progress_deadline_abort: Option<bool>,
    /// `spec.restartAt`: restart the pods that were created before this time (`kubectl argo rollouts restart`).
    pub restart_at: Option<String>,
    /// `spec.analysis`: how many successful and unsuccessful AnalysisRuns and Experiments to keep.
    pub analysis: Option<AnalysisRunHistory>,
    /// `spec.rollbackWindow`: how many recent revisions a rollback to may skip the steps.
    pub rollback_window: Option<RollbackWindow>,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    /// `matchLabels`: labels an object must carry, all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<Labels>,
    /// `matchExpressions`: set-based requirements (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<Json>>,
}

/// `spec.analysis`: how much analysis history the Rollout keeps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunHistory {
    /// `successfulRunHistoryLimit`: successful runs and experiments kept (default 5).
    pub successful_run_history_limit: Option<i64>,
    /// `unsuccessfulRunHistoryLimit`: unsuccessful runs and experiments kept (default 5).
    pub unsuccessful_run_history_limit: Option<i64>,
}

/// `spec.rollbackWindow`: rollbacks that skip the steps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackWindow {
    /// `revisions`: a rollback to one of this many latest revisions goes straight to the end, skipping the steps.
    pub revisions: Option<i64>,
}

/// A pod template. Serializing it back gives the canonical JSON the template hash is taken of.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    /// `metadata` of the template: its labels and annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<TemplateMeta>,
    /// `spec` of the template: the containers and the rest of the pod spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<PodSpec>,
}

/// `metadata` of a pod template.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemplateMeta {
    /// `labels` the pods get.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// `annotations` the pods get.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Labels>,
    /// `name`: ignored by Kubernetes in a template, kept for the hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `namespace`: ignored by Kubernetes in a template, kept for the hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `generateName`: ignored by Kubernetes in a template, kept for the hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// `creationTimestamp`: `null` in exported templates, kept for the hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Json>,
}

/// Declares a struct whose listed fields are opaque JSON, serialized only when present.
macro_rules! opaque_fields_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$tm:meta])* $typed:ident : $ty:ty),* $(,)? } opaque { $($field:ident $(= $rename:literal)?),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct $name {
            $(
                $(#[$tm])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $typed: $ty,
            )*
            $(
                #[doc = concat!(
                    "`", stringify!($field), "` of the Kubernetes object (its camelCase name in ",
                    "YAML): kept as written, so that it counts in the pod-template hash; the ",
                    "simulation does not read it."
                )]
                #[serde(skip_serializing_if = "Option::is_none")]
                $(#[serde(rename = $rename)])?
                pub $field: Option<Json>,
            )*
        }
    };
}

opaque_fields_struct!(
    /// `spec` of a pod template: containers are read, the rest of the Kubernetes PodSpec is kept.
    PodSpec {
        /// `containers`: the pod's containers (name and image read).
        containers: Option<Vec<Container>>,
        /// `initContainers`: containers run to completion before the others start.
        init_containers: Option<Vec<Container>>,
        /// `tolerations`: read for the node taints the simulation puts on a failed node.
        tolerations: Option<Vec<Toleration>>,
    } opaque {
        active_deadline_seconds, affinity, automount_service_account_token, dns_config,
        dns_policy, enable_service_links, ephemeral_containers, host_aliases, host_ipc = "hostIPC",
        host_network, host_pid = "hostPID", host_users, hostname, image_pull_secrets, node_name,
        node_selector, os, overhead, preemption_policy, priority, priority_class_name,
        readiness_gates, resource_claims, resources, restart_policy, runtime_class_name,
        scheduler_name, scheduling_gates, security_context, service_account,
        service_account_name, set_hostname_as_fqdn = "setHostnameAsFQDN", share_process_namespace, subdomain,
        termination_grace_period_seconds, topology_spread_constraints, volumes,
    }
);

/// A pod's toleration of node taints (Kubernetes' `core/v1` `Toleration`). Every field is
/// optional, as in Kubernetes: an empty key with `Exists` tolerates every taint, an empty
/// effect every effect, and no `tolerationSeconds` means for ever.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    /// `key`: the taint key it applies to; empty means every key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `operator`: `Equal` (the default) or `Exists`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `value`: the taint value `Equal` compares with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `effect`: `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty means every effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// `tolerationSeconds`: how long a `NoExecute` taint is tolerated before eviction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

opaque_fields_struct!(
    /// A container: name and image are read; probes, hooks and the rest are kept as written
    /// (their timing effect comes from the scenario's `apps` model).
    Container {
        /// `name`: the container's name, unique in the pod.
        name: Option<String>,
        /// `image`: the container image; what an update usually changes.
        image: Option<String>,
    } opaque {
        command, args, working_dir, ports, env_from, env, resources, resize_policy,
        restart_policy, volume_mounts, volume_devices, liveness_probe, readiness_probe,
        startup_probe, lifecycle, termination_message_path, termination_message_policy,
        image_pull_policy, security_context, stdin, stdin_once, tty,
    }
);

/// `spec.strategy`: exactly one of the two.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Strategy {
    /// `canary`: shift traffic and pods to the new version step by step.
    pub canary: Option<Canary>,
    /// `blueGreen`: run the new version beside the old, then switch the active Service.
    pub blue_green: Option<BlueGreen>,
}

/// `spec.strategy.canary`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Canary {
    /// `canaryService`: the Service the controller points at the canary's pods.
    pub canary_service: Option<String>,
    /// `stableService`: the Service the controller points at the stable pods.
    pub stable_service: Option<String>,
    /// `steps`: what the update does, in order (weights, pauses, analyses, experiments, ...).
    pub steps: Option<Vec<CanaryStep>>,
    /// `trafficRouting`: a traffic router that splits requests by weight, instead of pod counts.
    pub traffic_routing: Option<TrafficRouting>,
    /// `maxUnavailable`: pods that may be unavailable during the update (count or percentage).
    pub max_unavailable: Option<IntOrString>,
    /// `maxSurge`: pods that may be created above `replicas` during the update (count or percentage).
    pub max_surge: Option<IntOrString>,
    /// `analysis`: background analysis, run through the update from `startingStep`.
    pub analysis: Option<RolloutAnalysis>,
    /// `antiAffinity`: keep new pods off the nodes of the stable pods (kept as written).
    pub anti_affinity: Option<Json>,
    /// `canaryMetadata`: labels and annotations added to the canary's pods (kept as written).
    pub canary_metadata: Option<Json>,
    /// `stableMetadata`: labels and annotations added to the stable pods (kept as written).
    pub stable_metadata: Option<Json>,
    /// `scaleDownDelaySeconds`: with traffic routing, how long the old ReplicaSet stays up after the switch (default 30).
    pub scale_down_delay_seconds: Option<i64>,
    /// `scaleDownDelayRevisionLimit`: old ReplicaSets that may run under a scale-down delay.
    pub scale_down_delay_revision_limit: Option<i64>,
    /// `abortScaleDownDelaySeconds`: with traffic routing, how long the canary stays up after an abort (default 30; 0 keeps it).
    pub abort_scale_down_delay_seconds: Option<i64>,
    /// `dynamicStableScale`: scale the stable ReplicaSet down as traffic moves to the canary.
    pub dynamic_stable_scale: Option<bool>,
    /// `pingPong`: alternate two Services between stable and canary (refused: not simulated).
    pub ping_pong: Option<Json>,
    /// `minPodsPerReplicaSet`: with traffic routing, the fewest pods a canary or stable ReplicaSet may have.
    pub min_pods_per_replica_set: Option<i64>,
    /// `replicaProgressThreshold`: how many pods must be available for a step to count as reached.
    pub replica_progress_threshold: Option<ReplicaProgressThreshold>,
}

/// `replicaProgressThreshold` of a canary.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaProgressThreshold {
    /// `type`: `Pods` (a count) or `Percent` (of the desired pods).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `value`: the count or percentage.
    pub value: Option<i64>,
}

/// One canary step. Exactly one field must be set; that is checked on conversion.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanaryStep {
    /// `setWeight`: the percentage of traffic (or pods) the canary gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<i64>,
    /// `pause`: wait, for a duration or until promoted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    /// `experiment`: run an Experiment and wait for its result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentStep>,
    /// `analysis`: run an AnalysisRun and wait for its result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<RolloutAnalysis>,
    /// `setCanaryScale`: size the canary apart from its traffic weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_canary_scale: Option<SetCanaryScale>,
    /// `setHeaderRoute`: send requests with matching headers to the canary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_header_route: Option<SetHeaderRoute>,
    /// `setMirrorRoute`: copy a share of matching requests to the canary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_mirror_route: Option<SetMirrorRoute>,
    /// `plugin`: a step plugin (not simulated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Json>,
}

/// Declares serde structs of step parts: every field optional, serialized only when present
/// (the steps hash is taken of their JSON).
macro_rules! step_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
    };
}

step_struct!(
    /// An experiment step: ReplicaSets from the stable or canary pod template, run for a
    /// duration, with analyses of their own.
    ExperimentStep {
        /// `templates`: the ReplicaSets the experiment runs.
        templates: Vec<ExperimentTemplate>,
        /// A Go duration string (`DurationString`); a number is kept to report it clearly.
        duration: IntOrString,
        /// `analyses`: the AnalysisRuns the experiment runs beside its ReplicaSets.
        analyses: Vec<ExperimentAnalysisRef>,
        /// `dryRun`: metrics whose failure does not fail the experiment.
        dry_run: Vec<DryRun>,
        /// `analysisRunMetadata`: labels and annotations of the experiment's AnalysisRuns (kept as written).
        analysis_run_metadata: Json,
        /// `scaleDownDelaySeconds`: how long the experiment's ReplicaSets keep their pods
        /// once it is over (copied into the Experiment).
        scale_down_delay_seconds: i64,
    }
);

step_struct!(
    /// One ReplicaSet of an experiment step (`RolloutExperimentTemplate`).
    ExperimentTemplate {
        /// `name`: the template's name, unique in the experiment.
        name: String,
        /// `specRef`: whose pod template to run, `stable` or `canary`.
        spec_ref: String,
        /// `replicas`: pods of this template (default 1).
        replicas: i64,
        /// `metadata`: labels and annotations added to the template's pods.
        metadata: ExperimentPodMetadata,
        /// `selector`: the selector of the template's ReplicaSet.
        selector: LabelSelector,
        /// `weight`: with traffic routing, the percentage of traffic this template gets.
        weight: i64,
        /// `service`: create a Service for the template's pods.
        service: TemplateService,
    }
);

step_struct!(
    /// Labels and annotations an experiment adds to its pod template.
    ExperimentPodMetadata {
        /// `labels` added to the pods.
        labels: Labels,
        /// `annotations` added to the pods.
        annotations: Labels,
    }
);

step_struct!(
    /// The Service an experiment creates for a template.
    TemplateService {
        /// `name` of the Service the experiment creates.
        name: String,
    }
);

step_struct!(
    /// An analysis an experiment runs (`RolloutExperimentStepAnalysisTemplateRef`).
    ExperimentAnalysisRef {
        /// `name`: the analysis's name in the experiment.
        name: String,
        /// `templateName`: the AnalysisTemplate to run.
        template_name: String,
        /// `clusterScope`: the template is a ClusterAnalysisTemplate.
        cluster_scope: bool,
        /// `args`: values for the template's arguments.
        args: Vec<AnalysisRunArgument>,
        /// `requiredForCompletion`: the experiment lasts until this analysis completes.
        required_for_completion: bool,
    }
);

step_struct!(
    /// `setHeaderRoute`: requests matching the headers go to the canary.
    SetHeaderRoute {
        /// `name`: the managed route to set (one of `trafficRouting.managedRoutes`).
        name: String,
        /// `match`: the header conditions a request must meet; none removes the route.
        #[serde(rename = "match")]
        matches: Vec<HeaderRoutingMatch>,
    }
);

step_struct!(
    /// One header condition of a `setHeaderRoute` step.
    HeaderRoutingMatch {
        /// `headerName`: the header to look at.
        header_name: String,
        /// `headerValue`: what its value must be.
        header_value: StringMatch,
    }
);

step_struct!(
    /// Exactly one of the three is expected.
    StringMatch {
        /// `exact`: the value, exactly.
        exact: String,
        /// `prefix`: a prefix of the value.
        prefix: String,
        /// `regex`: a regular expression the value matches.
        regex: String,
    }
);

step_struct!(
    /// `setMirrorRoute`: a copy of a percentage of the matching requests goes to the canary.
    SetMirrorRoute {
        /// `name`: the managed route to set (one of `trafficRouting.managedRoutes`).
        name: String,
        /// `match`: which requests are mirrored; none removes the route.
        #[serde(rename = "match")]
        matches: Vec<RouteMatch>,
        /// `percentage`: the share of matching requests mirrored.
        percentage: i64,
    }
);

step_struct!(
    /// One request condition of a `setMirrorRoute` step.
    RouteMatch {
        /// `method`: the HTTP method to match.
        method: StringMatch,
        /// `path`: the request path to match.
        path: StringMatch,
        /// `headers`: header names and what their values must be.
        headers: BTreeMap<String, StringMatch>,
    }
);

/// A `pause` step.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pause {
    /// `duration`: seconds, or a duration string (`30s`, `1h`); left out, until promoted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<IntOrString>,
}

/// A `setCanaryScale` step: one of the three is expected.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCanaryScale {
    /// `replicas`: this many canary pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    /// `weight`: this percentage of `spec.replicas` as canary pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// `matchTrafficWeight`: go back to sizing the canary by its traffic weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_traffic_weight: Option<bool>,
}

/// `trafficRouting` of a canary: the router, and the routes steps may set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficRouting {
    /// `istio`: route through an Istio VirtualService (its settings kept as written).
    pub istio: Option<Json>,
    /// `nginx`: route through an NGINX Ingress (its settings kept as written).
    pub nginx: Option<Json>,
    /// `alb`: route through an AWS Application Load Balancer (its settings kept as written).
    pub alb: Option<Json>,
    /// `smi`: route through an SMI TrafficSplit (its settings kept as written).
    pub smi: Option<Json>,
    /// `ambassador`: route through Ambassador mappings (its settings kept as written).
    pub ambassador: Option<Json>,
    /// `appMesh`: route through AWS App Mesh (its settings kept as written).
    pub app_mesh: Option<Json>,
    /// `traefik`: route through a Traefik weighted service (its settings kept as written).
    pub traefik: Option<Json>,
    /// `apisix`: route through an Apache APISIX route (its settings kept as written).
    pub apisix: Option<Json>,
    /// `plugins`: traffic router plugins (their settings kept as written).
    pub plugins: Option<Json>,
    /// `managedRoutes`: the header and mirror routes the steps may set, in priority order.
    pub managed_routes: Option<Vec<ManagedRoute>>,
    /// `maxTrafficWeight`: the total weight of the router (default 100).
    pub max_traffic_weight: Option<i64>,
}

/// One of `trafficRouting.managedRoutes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedRoute {
    /// `name`: the route's name, which `setHeaderRoute` and `setMirrorRoute` steps use.
    pub name: Option<String>,
}

/// `spec.strategy.blueGreen`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlueGreen {
    /// `activeService`: the Service that sends production traffic; switched to the new version on promotion.
    pub active_service: Option<String>,
    /// `previewService`: the Service that points at the new version before promotion.
    pub preview_service: Option<String>,
    /// `previewReplicaCount`: pods of the new version before promotion (default: all of them).
    pub preview_replica_count: Option<i64>,
    /// `autoPromotionEnabled`: promote once the new version is ready (default true); false waits for a promote.
    pub auto_promotion_enabled: Option<bool>,
    /// `autoPromotionSeconds`: promote this long after the new version is ready, without a promote.
    pub auto_promotion_seconds: Option<i64>,
    /// `maxUnavailable`: pods that may be unavailable during a restart (count or percentage).
    pub max_unavailable: Option<IntOrString>,
    /// `scaleDownDelaySeconds`: how long the old version stays up after the switch (default 30).
    pub scale_down_delay_seconds: Option<i64>,
    /// `scaleDownDelayRevisionLimit`: old ReplicaSets that may run under a scale-down delay.
    pub scale_down_delay_revision_limit: Option<i64>,
    /// `abortScaleDownDelaySeconds`: how long the preview stays up after an abort (default 30; 0 keeps it).
    pub abort_scale_down_delay_seconds: Option<i64>,
    /// `prePromotionAnalysis`: analysis that must pass before the switch.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// `postPromotionAnalysis`: analysis after the switch; a failure switches back.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
    /// `antiAffinity`: keep new pods off the nodes of the active pods (kept as written).
    pub anti_affinity: Option<Json>,
    /// `previewMetadata`: labels and annotations added to the preview pods (kept as written).
    pub preview_metadata: Option<Json>,
    /// `activeMetadata`: labels and annotations added to the active pods (kept as written).
    pub active_metadata: Option<Json>,
}

/// A core `v1` Service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    /// `apiVersion`: `v1`.
    pub api_version: Option<String>,
    /// `kind`: `Service`.
    pub kind: Option<String>,
    /// `metadata`: the Service's name, namespace, labels and annotations.
    pub metadata: ObjectMeta,
    /// `spec`: the selector the controller rewrites, and the rest of the Service.
    pub spec: ServiceSpec,
    /// `status`: in an exported object; ignored, as `kubectl apply` ignores it.
    pub status: Option<Json>,
}

/// `spec` of a Service: the selector is read; the rest is kept as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    /// `selector`: the labels of the pods the Service sends traffic to.
    pub selector: Option<Labels>,
    /// `ports`: kept as written.
    pub ports: Option<Json>,
    /// `type`: `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `clusterIP`: kept as written.
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<Json>,
    /// `clusterIPs`: kept as written.
    #[serde(rename = "clusterIPs")]
    pub cluster_ips: Option<Json>,
    /// `externalIPs`: kept as written.
    #[serde(rename = "externalIPs")]
    pub external_ips: Option<Json>,
    /// `sessionAffinity`: kept as written.
    pub session_affinity: Option<Json>,
    /// `loadBalancerIP`: kept as written.
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: Option<Json>,
    /// `loadBalancerSourceRanges`: kept as written.
    pub load_balancer_source_ranges: Option<Json>,
    /// `externalName`: kept as written.
    pub external_name: Option<Json>,
    /// `externalTrafficPolicy`: kept as written.
    pub external_traffic_policy: Option<Json>,
    /// `healthCheckNodePort`: kept as written.
    pub health_check_node_port: Option<Json>,
    /// `publishNotReadyAddresses`: kept as written.
    pub publish_not_ready_addresses: Option<Json>,
    /// `sessionAffinityConfig`: kept as written.
    pub session_affinity_config: Option<Json>,
    /// `ipFamilies`: kept as written.
    pub ip_families: Option<Json>,
    /// `ipFamilyPolicy`: kept as written.
    pub ip_family_policy: Option<Json>,
    /// `allocateLoadBalancerNodePorts`: kept as written.
    pub allocate_load_balancer_node_ports: Option<Json>,
    /// `loadBalancerClass`: kept as written.
    pub load_balancer_class: Option<Json>,
    /// `internalTrafficPolicy`: kept as written.
    pub internal_traffic_policy: Option<Json>,
    /// `trafficDistribution`: kept as written.
    pub traffic_distribution: Option<Json>,
}

/// A `policy/v1` PodDisruptionBudget.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodDisruptionBudget {
    /// `apiVersion`: `policy/v1`.
    pub api_version: Option<String>,
    /// `kind`: `PodDisruptionBudget`.
    pub kind: Option<String>,
    /// `metadata`: the budget's name and namespace.
    pub metadata: ObjectMeta,
    /// `spec`: which pods, and how many may be evicted.
    pub spec: PdbSpec,
    /// `status`: in an exported object; ignored.
    pub status: Option<Json>,
}

/// `spec` of a PodDisruptionBudget.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PdbSpec {
    /// `selector`: the pods the budget covers.
    pub selector: Option<LabelSelector>,
    /// `minAvailable`: pods that must stay available through evictions (count or percentage).
    pub min_available: Option<IntOrString>,
    /// `maxUnavailable`: pods that may be unavailable through evictions (count or percentage).
    pub max_unavailable: Option<IntOrString>,
    /// `unhealthyPodEvictionPolicy`: `IfHealthyBudget` or `AlwaysAllow`.
    pub unhealthy_pod_eviction_policy: Option<String>,
}

/// How a rollout runs analysis: at a step, in the background, or around a blue-green promotion.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutAnalysis {
    /// `templates`: the AnalysisTemplates to run, merged into one AnalysisRun.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templates: Option<Vec<AnalysisTemplateRef>>,
    /// `args`: values for the templates' arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<AnalysisRunArgument>>,
    /// `dryRun`: metrics whose failure does not fail the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<DryRun>>,
    /// `measurementRetention`: how many measurements of a metric the run keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement_retention: Option<Vec<MeasurementRetention>>,
    /// `analysisRunMetadata`: labels and annotations of the AnalysisRun (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_run_metadata: Option<Json>,
    /// Background analysis only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_step: Option<i64>,
}

/// One of the `templates` of an analysis.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplateRef {
    /// `templateName`: the AnalysisTemplate's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    /// `clusterScope`: the template is a ClusterAnalysisTemplate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_scope: Option<bool>,
}

/// An argument a rollout passes to its analysis templates.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunArgument {
    /// `name`: the argument's name in the template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `value`: the value, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `valueFrom`: where the value comes from instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ArgumentValueFrom>,
}

/// `valueFrom` of an argument: rollouts use podTemplateHashValue and fieldRef, templates
/// secretKeyRef and fieldRef.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArgumentValueFrom {
    /// `podTemplateHashValue`: the pod-template hash of `Stable` or `Latest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template_hash_value: Option<String>,
    /// `fieldRef`: a field of the Rollout (`metadata.name`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldRef>,
    /// `secretKeyRef`: a key of a Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
}

/// `fieldRef` of an argument.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldRef {
    /// `fieldPath`: the path of the field (`metadata.labels['app']`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

/// `secretKeyRef` of an argument.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretKeyRef {
    /// `name`: the Secret's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `key`: the key in its data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One `dryRun` entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DryRun {
    /// `metricName`: the metric, or `*` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
}

/// One `measurementRetention` entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MeasurementRetention {
    /// `metricName`: the metric, or `*` for all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// `limit`: measurements kept (default 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// An `AnalysisTemplate` or `ClusterAnalysisTemplate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplate {
    /// `apiVersion`: `argoproj.io/v1alpha1`.
    pub api_version: Option<String>,
    /// `kind`: `AnalysisTemplate` or `ClusterAnalysisTemplate`.
    pub kind: Option<String>,
    /// `metadata`: the template's name and namespace.
    pub metadata: ObjectMeta,
    /// `spec`: metrics, arguments and the templates it includes.
    pub spec: AnalysisTemplateSpec,
}

/// `spec` of an AnalysisTemplate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplateSpec {
    /// `metrics`: what to measure and the conditions of success and failure.
    pub metrics: Option<Vec<Metric>>,
    /// `args`: the arguments the metrics use (`{{args.NAME}}`).
    pub args: Option<Vec<Argument>>,
    /// `dryRun`: metrics whose failure does not fail the run.
    pub dry_run: Option<Vec<DryRun>>,
    /// `measurementRetention`: how many measurements of a metric a run keeps.
    pub measurement_retention: Option<Vec<MeasurementRetention>>,
    /// `templates`: other templates whose metrics and arguments this one includes.
    pub templates: Option<Vec<AnalysisTemplateRef>>,
}

/// A template argument: a default value, or where the value comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Argument {
    /// `name`: the argument's name.
    pub name: Option<String>,
    /// `value`: its default value.
    pub value: Option<String>,
    /// `valueFrom`: where its value comes from instead (a Secret, a field).
    pub value_from: Option<ArgumentValueFrom>,
}

/// One metric of a template. It is kept serialisable: `{{args.*}}` placeholders are replaced
/// in its JSON form when a run is created, and the result is read again.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metric {
    /// `name`: the metric's name, unique in the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `interval`: the time between measurements (a duration string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntOrString>,
    /// `initialDelay`: how long to wait before the first measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<IntOrString>,
    /// `count`: measurements to take; left out, one without an `interval` and no limit with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<IntOrString>,
    /// `successCondition`: an expression over `result` that a successful measurement meets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_condition: Option<String>,
    /// `failureCondition`: an expression over `result` that a failed measurement meets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
    /// `failureLimit`: failed measurements allowed before the metric fails (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<IntOrString>,
    /// `inconclusiveLimit`: inconclusive measurements allowed before the metric is inconclusive (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<IntOrString>,
    /// `consecutiveErrorLimit`: consecutive errors allowed before the metric errors (default 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<IntOrString>,
    /// `consecutiveSuccessLimit`: consecutive successes that end the metric as successful.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive_success_limit: Option<IntOrString>,
    /// `provider`: where measurements come from (in the simulation, the scenario's metric models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<MetricProvider>,
}

/// Where a metric's measurements come from. Providers are not queried by the simulation
/// (measurements come from the scenario's metric models), so their settings stay opaque.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricProvider {
    /// `prometheus`: a PromQL query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<Json>,
    /// `kayenta`: a Kayenta canary analysis (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kayenta: Option<Json>,
    /// `web`: an HTTP endpoint and a JSON path (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Json>,
    /// `datadog`: a Datadog query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datadog: Option<Json>,
    /// `wavefront`: a Wavefront query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wavefront: Option<Json>,
    /// `newRelic`: a New Relic query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_relic: Option<Json>,
    /// `job`: a Kubernetes Job whose success is the measurement (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<Json>,
    /// `cloudWatch`: an AWS CloudWatch query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_watch: Option<Json>,
    /// `graphite`: a Graphite query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graphite: Option<Json>,
    /// `influxdb`: an InfluxDB query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub influxdb: Option<Json>,
    /// `skywalking`: an Apache SkyWalking query (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skywalking: Option<Json>,
    /// `plugin`: a metric provider plugin (kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Json>,
}

/// A core `v1` Secret (its values can feed analysis arguments).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Secret {
    /// `apiVersion`: `v1`.
    pub api_version: Option<String>,
    /// `kind`: `Secret`.
    pub kind: Option<String>,
    /// `metadata`: the Secret's name and namespace.
    pub metadata: ObjectMeta,
    /// `data`: values encoded in base64.
    pub data: Option<BTreeMap<String, String>>,
    /// `stringData`: values as plain text.
    pub string_data: Option<BTreeMap<String, String>>,
    /// `type`: the kind of Secret (`Opaque`, ...).
    #[serde(rename = "type")]
    pub kind_of_secret: Option<String>,
    /// `immutable`: the data cannot be changed.
    pub immutable: Option<bool>,
}
