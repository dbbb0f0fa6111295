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
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Option<Labels>,
    pub annotations: Option<Labels>,
    pub generate_name: Option<String>,
    pub uid: Option<Json>,
    pub resource_version: Option<Json>,
    pub generation: Option<Json>,
    pub creation_timestamp: Option<Json>,
    pub deletion_timestamp: Option<Json>,
    pub deletion_grace_period_seconds: Option<Json>,
    pub finalizers: Option<Json>,
    pub owner_references: Option<Json>,
    pub managed_fields: Option<Json>,
    pub self_link: Option<Json>,
}

/// An `argoproj.io/v1alpha1` Rollout.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rollout {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub spec: RolloutSpec,
    /// A status in the input (an exported object) is ignored, as `kubectl apply` ignores it.
    pub status: Option<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutSpec {
    pub replicas: Option<i64>,
    pub selector: Option<LabelSelector>,
    pub template: Option<PodTemplate>,
    pub workload_ref: Option<Json>,
    pub min_ready_seconds: Option<i64>,
    pub strategy: Option<Strategy>,
    pub revision_history_limit: Option<i64>,
    pub paused: Option<bool>,
    pub progress_deadline_seconds: Option<i64>,
    pub progress_deadline_abort: Option<bool>,
    pub restart_at: Option<String>,
    pub analysis: Option<AnalysisRunHistory>,
    pub rollback_window: Option<RollbackWindow>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<Labels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<Json>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunHistory {
    pub successful_run_history_limit: Option<i64>,
    pub unsuccessful_run_history_limit: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollbackWindow {
    pub revisions: Option<i64>,
}

/// A pod template. Serializing it back gives the canonical JSON the template hash is taken of.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<TemplateMeta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<PodSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemplateMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Labels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Json>,
}

/// Declares a struct whose listed fields are opaque JSON, serialized only when present.
macro_rules! opaque_fields_struct {
    ($(#[$m:meta])* $name:ident { $($typed:ident : $ty:ty),* $(,)? } opaque { $($field:ident $(= $rename:literal)?),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct $name {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $typed: $ty,
            )*
            $(
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
        containers: Option<Vec<Container>>,
        init_containers: Option<Vec<Container>>,
    } opaque {
        active_deadline_seconds, affinity, automount_service_account_token, dns_config,
        dns_policy, enable_service_links, ephemeral_containers, host_aliases, host_ipc = "hostIPC",
        host_network, host_pid = "hostPID", host_users, hostname, image_pull_secrets, node_name,
        node_selector, os, overhead, preemption_policy, priority, priority_class_name,
        readiness_gates, resource_claims, resources, restart_policy, runtime_class_name,
        scheduler_name, scheduling_gates, security_context, service_account,
        service_account_name, set_hostname_as_fqdn = "setHostnameAsFQDN", share_process_namespace, subdomain,
        termination_grace_period_seconds, tolerations, topology_spread_constraints, volumes,
    }
);

opaque_fields_struct!(
    /// A container: name and image are read; probes, hooks and the rest are kept as written
    /// (their timing effect comes from the scenario's `apps` model).
    Container {
        name: Option<String>,
        image: Option<String>,
    } opaque {
        command, args, working_dir, ports, env_from, env, resources, resize_policy,
        restart_policy, volume_mounts, volume_devices, liveness_probe, readiness_probe,
        startup_probe, lifecycle, termination_message_path, termination_message_policy,
        image_pull_policy, security_context, stdin, stdin_once, tty,
    }
);

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Strategy {
    pub canary: Option<Canary>,
    pub blue_green: Option<BlueGreen>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Canary {
    pub canary_service: Option<String>,
    pub stable_service: Option<String>,
    pub steps: Option<Vec<CanaryStep>>,
    pub traffic_routing: Option<TrafficRouting>,
    pub max_unavailable: Option<IntOrString>,
    pub max_surge: Option<IntOrString>,
    pub analysis: Option<RolloutAnalysis>,
    pub anti_affinity: Option<Json>,
    pub canary_metadata: Option<Json>,
    pub stable_metadata: Option<Json>,
    pub scale_down_delay_seconds: Option<i64>,
    pub scale_down_delay_revision_limit: Option<i64>,
    pub abort_scale_down_delay_seconds: Option<i64>,
    pub dynamic_stable_scale: Option<bool>,
    pub ping_pong: Option<Json>,
    pub min_pods_per_replica_set: Option<i64>,
    pub replica_progress_threshold: Option<ReplicaProgressThreshold>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaProgressThreshold {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<i64>,
}

/// One canary step. Exactly one field must be set; that is checked on conversion.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanaryStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<RolloutAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_canary_scale: Option<SetCanaryScale>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_header_route: Option<SetHeaderRoute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_mirror_route: Option<SetMirrorRoute>,
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
        templates: Vec<ExperimentTemplate>,
        /// A Go duration string (`DurationString`); a number is kept to report it clearly.
        duration: IntOrString,
        analyses: Vec<ExperimentAnalysisRef>,
        dry_run: Vec<DryRun>,
        analysis_run_metadata: Json,
    }
);

step_struct!(
    /// One ReplicaSet of an experiment step (`RolloutExperimentTemplate`).
    ExperimentTemplate {
        name: String,
        spec_ref: String,
        replicas: i64,
        metadata: ExperimentPodMetadata,
        selector: LabelSelector,
        weight: i64,
        service: TemplateService,
    }
);

step_struct!(
    /// Labels and annotations an experiment adds to its pod template.
    ExperimentPodMetadata {
        labels: Labels,
        annotations: Labels,
    }
);

step_struct!(
    /// The Service an experiment creates for a template.
    TemplateService { name: String }
);

step_struct!(
    /// An analysis an experiment runs (`RolloutExperimentStepAnalysisTemplateRef`).
    ExperimentAnalysisRef {
        name: String,
        template_name: String,
        cluster_scope: bool,
        args: Vec<AnalysisRunArgument>,
        required_for_completion: bool,
    }
);

step_struct!(
    /// `setHeaderRoute`: requests matching the headers go to the canary.
    SetHeaderRoute {
        name: String,
        #[serde(rename = "match")]
        matches: Vec<HeaderRoutingMatch>,
    }
);

step_struct!(HeaderRoutingMatch {
    header_name: String,
    header_value: StringMatch,
});

step_struct!(
    /// Exactly one of the three is expected.
    StringMatch {
        exact: String,
        prefix: String,
        regex: String,
    }
);

step_struct!(
    /// `setMirrorRoute`: a copy of a percentage of the matching requests goes to the canary.
    SetMirrorRoute {
        name: String,
        #[serde(rename = "match")]
        matches: Vec<RouteMatch>,
        percentage: i64,
    }
);

step_struct!(
    RouteMatch {
        method: StringMatch,
        path: StringMatch,
        headers: BTreeMap<String, StringMatch>,
    }
);

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pause {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCanaryScale {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_traffic_weight: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficRouting {
    pub istio: Option<Json>,
    pub nginx: Option<Json>,
    pub alb: Option<Json>,
    pub smi: Option<Json>,
    pub ambassador: Option<Json>,
    pub app_mesh: Option<Json>,
    pub traefik: Option<Json>,
    pub apisix: Option<Json>,
    pub plugins: Option<Json>,
    pub managed_routes: Option<Vec<ManagedRoute>>,
    pub max_traffic_weight: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedRoute {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlueGreen {
    pub active_service: Option<String>,
    pub preview_service: Option<String>,
    pub preview_replica_count: Option<i64>,
    pub auto_promotion_enabled: Option<bool>,
    pub auto_promotion_seconds: Option<i64>,
    pub max_unavailable: Option<IntOrString>,
    pub scale_down_delay_seconds: Option<i64>,
    pub scale_down_delay_revision_limit: Option<i64>,
    pub abort_scale_down_delay_seconds: Option<i64>,
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    pub post_promotion_analysis: Option<RolloutAnalysis>,
    pub anti_affinity: Option<Json>,
    pub preview_metadata: Option<Json>,
    pub active_metadata: Option<Json>,
}

/// A core `v1` Service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
    pub status: Option<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    pub selector: Option<Labels>,
    pub ports: Option<Json>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<Json>,
    #[serde(rename = "clusterIPs")]
    pub cluster_ips: Option<Json>,
    #[serde(rename = "externalIPs")]
    pub external_ips: Option<Json>,
    pub session_affinity: Option<Json>,
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: Option<Json>,
    pub load_balancer_source_ranges: Option<Json>,
    pub external_name: Option<Json>,
    pub external_traffic_policy: Option<Json>,
    pub health_check_node_port: Option<Json>,
    pub publish_not_ready_addresses: Option<Json>,
    pub session_affinity_config: Option<Json>,
    pub ip_families: Option<Json>,
    pub ip_family_policy: Option<Json>,
    pub allocate_load_balancer_node_ports: Option<Json>,
    pub load_balancer_class: Option<Json>,
    pub internal_traffic_policy: Option<Json>,
    pub traffic_distribution: Option<Json>,
}

/// A `policy/v1` PodDisruptionBudget.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodDisruptionBudget {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub spec: PdbSpec,
    pub status: Option<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PdbSpec {
    pub selector: Option<LabelSelector>,
    pub min_available: Option<IntOrString>,
    pub max_unavailable: Option<IntOrString>,
    pub unhealthy_pod_eviction_policy: Option<String>,
}

/// How a rollout runs analysis: at a step, in the background, or around a blue-green promotion.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutAnalysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templates: Option<Vec<AnalysisTemplateRef>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<AnalysisRunArgument>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<DryRun>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement_retention: Option<Vec<MeasurementRetention>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_run_metadata: Option<Json>,
    /// Background analysis only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_step: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplateRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_scope: Option<bool>,
}

/// An argument a rollout passes to its analysis templates.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunArgument {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ArgumentValueFrom>,
}

/// `valueFrom` of an argument: rollouts use podTemplateHashValue and fieldRef, templates
/// secretKeyRef and fieldRef.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ArgumentValueFrom {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template_hash_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretKeyRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DryRun {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MeasurementRetention {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// An `AnalysisTemplate` or `ClusterAnalysisTemplate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplate {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub spec: AnalysisTemplateSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplateSpec {
    pub metrics: Option<Vec<Metric>>,
    pub args: Option<Vec<Argument>>,
    pub dry_run: Option<Vec<DryRun>>,
    pub measurement_retention: Option<Vec<MeasurementRetention>>,
    pub templates: Option<Vec<AnalysisTemplateRef>>,
}

/// A template argument: a default value, or where the value comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Argument {
    pub name: Option<String>,
    pub value: Option<String>,
    pub value_from: Option<ArgumentValueFrom>,
}

/// One metric of a template. It is kept serialisable: `{{args.*}}` placeholders are replaced
/// in its JSON form when a run is created, and the result is read again.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metric {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive_success_limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<MetricProvider>,
}

/// Where a metric's measurements come from. Providers are not queried by the simulation
/// (measurements come from the scenario's metric models), so their settings stay opaque.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricProvider {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kayenta: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datadog: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wavefront: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_relic: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_watch: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graphite: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub influxdb: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skywalking: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Json>,
}

/// A core `v1` Secret (its values can feed analysis arguments).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Secret {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: ObjectMeta,
    pub data: Option<BTreeMap<String, String>>,
    pub string_data: Option<BTreeMap<String, String>>,
    #[serde(rename = "type")]
    pub kind_of_secret: Option<String>,
    pub immutable: Option<bool>,
}
