//! Experiments (upstream `experiments/` and `utils/experiment/`): the object a canary's
//! experiment step creates — one ReplicaSet per template, run until every template is available
//! and then for `duration`, with AnalysisRuns of their own — and the experiment controller that
//! reconciles it (`controller.rs`), a pure function like the rollout's and the analysis's.
//!
//! The rollout builds the Experiment's spec when it creates it (`GetExperimentFromTemplate`):
//! each template copies the stable or canary ReplicaSet's pod template, adds the step's labels
//! and annotations, and gets its own pod-template hash; analysis arguments taken from the
//! rollout (pod-template hashes, fields) are resolved then, the ones naming the experiment's
//! own templates (`{{templates.NAME.podTemplateHash}}`) when its runs are created.

pub mod controller;

use smol_str::SmolStr;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::analysis::run::AnalysisPhase;
use crate::api::PodTemplate;
use crate::api::analysis::{Argument, RolloutAnalysis};
use crate::api::experiment::ExperimentStep;
use crate::api::template::{encoded_hash, fnv32a};
use crate::engine::{SimDuration, SimTime};

/// `scaleDownDelaySeconds` of an Experiment whose step sets none
/// (`GetExperimentScaleDownDelaySecondsOrDefault`): the ReplicaSets of a finished experiment
/// keep their pods this long.
pub const DEFAULT_SCALE_DOWN_DELAY_SECONDS: i32 = 30;

/// An Experiment owned by the rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// `<rollout>-<pod-template-hash>-<revision>-<step index>` (`-1`, `-2` on a collision).
    pub name: SmolStr,
    /// The canary step that created it.
    pub step_index: u32,
    /// The rollout's pod-template hash and stable hash when it was created (what makes two
    /// experiments of one step "semantically equal" for the rollout).
    pub pod_hash: SmolStr,
    /// The stable ReplicaSet's pod-template hash when it was created (see `pod_hash`).
    pub stable_hash: SmolStr,
    /// The rollout revision that created it (`rollout.argoproj.io/revision`).
    pub revision: u64,
    /// What it runs, fixed when the rollout created it.
    pub spec: ExperimentSpec,
    /// `spec.terminate`: the rollout asked it to stop.
    pub terminate: bool,
    /// Virtual time it was created (`metadata.creationTimestamp`).
    pub created: SimTime,
    /// What the experiment controller has observed and decided so far.
    pub status: ExperimentStatus,
}

/// What the experiment runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSpec {
    /// `spec.templates`: one ReplicaSet each.
    pub templates: Vec<TemplateSpec>,
    /// `spec.duration`: how long it runs once every template is available; `None` runs until
    /// something else ends it (required analyses succeeding, a failure, termination).
    pub duration: Option<SimDuration>,
    /// The rollout's `progressDeadlineSeconds`: a template not available by then fails.
    pub progress_deadline_seconds: u32,
    /// `spec.scaleDownDelaySeconds`: seconds a template's ReplicaSet keeps its pods after the
    /// experiment no longer needs them ([`DEFAULT_SCALE_DOWN_DELAY_SECONDS`] here); negative
    /// is accepted as upstream accepts it, a deadline already past.
    pub scale_down_delay_seconds: i32,
    /// `spec.analyses`: the AnalysisRuns it starts.
    pub analyses: Vec<AnalysisSpec>,
}

/// One template: the ReplicaSet `<experiment>-<name>` it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSpec {
    /// `templates[].name`, unique within the experiment.
    pub name: String,
    /// `templates[].replicas`: pods the ReplicaSet runs while the experiment needs it.
    pub replicas: u32,
    /// The stable or canary pod template it copies, with the step's labels and annotations.
    pub template: PodTemplate,
    /// Its pod-template hash (never the one of the ReplicaSet it copies: upstream hashes an
    /// experiment's template with Kubernetes' `ComputeHash`, a rollout's with its own).
    pub hash: String,
    /// The rollout's `minReadySeconds`: seconds a ready pod waits before it counts as available.
    pub min_ready_seconds: u32,
    /// The labels its pods are selected by: the step's selector (else the rollout's), plus the
    /// step's labels.
    pub selector: BTreeMap<String, String>,
    /// A Service is created for it (`service:` or `weight:` on the step), with this name if
    /// given (else the ReplicaSet's).
    pub service: Option<Option<String>>,
    /// Argo builds the Service from the containers' ports; without any it creates none.
    pub has_ports: bool,
}

/// One analysis: its template reference, its arguments (values already resolved by the
/// rollout, placeholders of the experiment still in them) and the step's dry-run rules.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSpec {
    /// `analyses[].name`: the run is named `<experiment>-<name>`.
    pub name: String,
    /// `requiredForCompletion`: the experiment ends once every such analysis succeeded.
    pub required_for_completion: bool,
    /// The templates, arguments and dry-run rules the run is built from.
    pub analysis: RolloutAnalysis,
}

/// `TemplateStatusCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateCode {
    /// Not every pod available yet, within `progressDeadlineSeconds`.
    Progressing,
    /// Every pod available; the experiment's duration is running.
    Running,
    /// Done: the duration passed, or the experiment stopped before the template failed.
    Successful,
    /// Not available within `progressDeadlineSeconds`.
    Failed,
    /// Upstream's code for a ReplicaSet or Service write the API server refused; the
    /// simulated API server refuses a Service whose name is not a DNS-1035 label (too long,
    /// typically), the one refusal an experiment's inputs cannot rule out up front.
    Error,
}

impl TemplateCode {
    /// `Completed()`: the status is final (a template never leaves it).
    pub fn completed(self) -> bool {
        matches!(
            self,
            TemplateCode::Successful | TemplateCode::Failed | TemplateCode::Error
        )
    }

    /// The word Argo writes in `templateStatuses[].status`.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateCode::Progressing => "Progressing",
            TemplateCode::Running => "Running",
            TemplateCode::Successful => "Successful",
            TemplateCode::Failed => "Failed",
            TemplateCode::Error => "Error",
        }
    }

    /// `templateStatusOrder`, best to worst.
    fn rank(self) -> u8 {
        match self {
            TemplateCode::Successful => 0,
            TemplateCode::Running => 1,
            TemplateCode::Progressing => 2,
            TemplateCode::Error => 3,
            TemplateCode::Failed => 4,
        }
    }
}

/// `status.templateStatuses[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateStatus {
    /// The template's name.
    pub name: String,
    /// `replicas`: pods its ReplicaSet has, as last observed.
    pub replicas: u32,
    /// `readyReplicas`: of those, pods ready.
    pub ready: u32,
    /// `availableReplicas`: of those, pods ready for `minReadySeconds`.
    pub available: u32,
    /// `None` before the first reconcile decided one.
    pub status: Option<TemplateCode>,
    /// Why the template failed (the progress deadline it exceeded); empty otherwise.
    pub message: String,
    /// Whole seconds, as Kubernetes stores it.
    pub last_transition: Option<SimTime>,
    /// The Service created for the template and the pod-template hash it selects ("" when none).
    pub service_name: SmolStr,
    /// The pod-template hash the template's Service selects ("" when it has no Service).
    pub pod_template_hash: SmolStr,
}

/// `status.analysisRuns[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperimentAnalysisRunStatus {
    /// The analysis's name in the spec.
    pub name: String,
    /// The AnalysisRun created for it ("" until then).
    pub run: String,
    /// `None` until the experiment looked at it ("" upstream).
    pub phase: Option<AnalysisPhase>,
    /// The run's `status.message`, or why it could not be created or found.
    pub message: String,
}

/// `status` of an Experiment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperimentStatus {
    /// `None` before the first reconcile ("" upstream).
    pub phase: Option<AnalysisPhase>,
    /// `status.message`: the message of the template or analysis that decided the phase.
    pub message: String,
    /// When every template first was available (whole seconds): the duration counts from it.
    pub available_at: Option<SimTime>,
    /// `status.templateStatuses`: one entry per template, in spec order.
    pub template_statuses: Vec<TemplateStatus>,
    /// `status.analysisRuns`: one entry per analysis, in spec order.
    pub analysis_runs: Vec<ExperimentAnalysisRunStatus>,
}

impl ExperimentStatus {
    /// The status of the template named `name`, once the experiment has reconciled it.
    pub fn template(&self, name: &str) -> Option<&TemplateStatus> {
        self.template_statuses.iter().find(|t| t.name == name)
    }

    /// The status of the analysis named `name` (its spec name, not the run's).
    pub fn run(&self, name: &str) -> Option<&ExperimentAnalysisRunStatus> {
        self.analysis_runs.iter().find(|r| r.name == name)
    }

    /// The phase, with "" read as Pending.
    pub fn phase_or_pending(&self) -> AnalysisPhase {
        self.phase.unwrap_or(AnalysisPhase::Pending)
    }
}

impl Experiment {
    /// `HasFinished`.
    pub fn finished(&self) -> bool {
        self.status.phase.is_some_and(AnalysisPhase::completed)
    }

    /// The name of a template's ReplicaSet (`newReplicaSetFromTemplate`).
    pub fn replica_set_name(&self, template: &str) -> String {
        format!("{}-{template}", self.name)
    }

    /// The name of the run of an analysis (`newAnalysisRun`), before collision suffixes.
    pub fn run_name(&self, analysis: &str) -> String {
        format!("{}-{analysis}", self.name)
    }
}

/// The pod templates and settings an experiment step copies from the rollout.
pub struct Sources<'a> {
    /// The stable ReplicaSet's pod template (`specRef: stable`).
    pub stable: &'a PodTemplate,
    /// The rollout's current pod template (`specRef: canary`).
    pub canary: &'a PodTemplate,
    /// The rollout's selector (each template's default).
    pub selector: &'a BTreeMap<String, String>,
    /// The rollout's `minReadySeconds`, copied into every template.
    pub min_ready_seconds: u32,
    /// The rollout's `progressDeadlineSeconds`, the templates' deadline to become available.
    pub progress_deadline_seconds: u32,
}

/// `GetExperimentFromTemplate`: the spec of the experiment of a step. `args` holds, per
/// analysis, its arguments with the values the rollout resolved.
pub fn build_spec(
    step: &ExperimentStep,
    src: &Sources,
    args: Vec<Vec<Argument>>,
) -> ExperimentSpec {
    let templates = step
        .templates
        .iter()
        .map(|t| {
            let base = match t.spec_ref {
                crate::api::experiment::SpecRef::Stable => src.stable,
                crate::api::experiment::SpecRef::Canary => src.canary,
            };
            let mut json = base.to_json();
            add_metadata(&mut json, "labels", &t.labels);
            add_metadata(&mut json, "annotations", &t.annotations);
            let has_ports = crate::api::template::declares_ports(&json);
            let template = PodTemplate::from_json(json);
            let mut selector = t.selector.clone().unwrap_or_else(|| src.selector.clone());
            selector.extend(t.labels.clone());
            TemplateSpec {
                name: t.name.clone(),
                replicas: t.replicas,
                hash: template_hash(&template),
                has_ports,
                template,
                min_ready_seconds: src.min_ready_seconds,
                selector,
                service: t.service.clone(),
            }
        })
        .collect();
    let analyses = step
        .analyses
        .iter()
        .zip(args)
        .map(|(a, args)| AnalysisSpec {
            name: a.name.clone(),
            required_for_completion: a.required_for_completion,
            analysis: RolloutAnalysis {
                args,
                ..a.analysis.clone()
            },
        })
        .collect();
    ExperimentSpec {
        templates,
        duration: step
            .duration
            .as_ref()
            .map(|d| SimDuration::from_millis(d.millis)),
        progress_deadline_seconds: src.progress_deadline_seconds,
        scale_down_delay_seconds: step
            .scale_down_delay_seconds
            .unwrap_or(DEFAULT_SCALE_DOWN_DELAY_SECONDS),
        analyses,
    }
}

/// Adds `metadata.labels` / `metadata.annotations` entries to a pod template's JSON.
fn add_metadata(json: &mut Json, key: &str, entries: &BTreeMap<String, String>) {
    if entries.is_empty() {
        return;
    }
    let Some(root) = json.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Json::Object(Default::default()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let map = meta
        .entry(key)
        .or_insert_with(|| Json::Object(Default::default()));
    if let Some(map) = map.as_object_mut() {
        for (k, v) in entries {
            map.insert(k.clone(), Json::String(v.clone()));
        }
    }
}

/// An experiment template's pod-template hash: Argo's format, but never equal to the hash of
/// the ReplicaSet it copies (upstream issue #380: the two hash functions differ).
pub fn template_hash(t: &PodTemplate) -> String {
    let mut bytes = b"experiment\0".to_vec();
    bytes.extend_from_slice(t.canonical_json());
    encoded_hash(fnv32a(&bytes)).to_string()
}
