//! AnalysisTemplates and ClusterAnalysisTemplates (`analysis_types.go`): arguments, metrics
//! (kept as written until a run substitutes its arguments), providers, and the analysis a
//! Rollout asks for (analysis steps, background analysis, blue-green pre- and post-promotion
//! analysis); and the Secrets arguments can read.

use std::collections::BTreeMap;

use super::raw;

/// Where an object was written: for problems found once every file is read (a reference to
/// a template that does not exist, a metric no model answers). `manifest` records it and turns
/// it into diagnostics (`Origin::error`, `Origin::note`).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The file, as diagnostics name it.
    pub file: String,
    /// Line and column (from 1) where the object's field starts in the file.
    pub line_col: Option<(u32, u32)>,
    /// The field path within its document, as diagnostics print it
    /// (`spec.strategy.canary.steps[1].analysis`).
    pub path: String,
}

/// Two specs that differ only in where they were written are the same spec (re-applying a
/// file from another path must not make a new generation).
impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

/// An AnalysisTemplate or ClusterAnalysisTemplate.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisTemplate {
    /// `metadata.name`, which `templateName` or `clusterScope` references name.
    pub name: String,
    /// A ClusterAnalysisTemplate (referenced with `clusterScope: true`).
    pub cluster_scope: bool,
    /// `spec.args`: the arguments its metrics use, with defaults or Secret sources.
    pub args: Vec<Argument>,
    /// `spec.metrics`, as written.
    pub metrics: Vec<MetricSpec>,
    /// `spec.dryRun` metric names (`*` for all): those metrics report but never fail a run.
    pub dry_run: Vec<String>,
    /// `spec.measurementRetention`: how many measurements each named metric keeps.
    pub measurement_retention: Vec<Retention>,
    /// Nested templates whose metrics and args are added to this one's.
    pub templates: Vec<TemplateRef>,
    /// Where it was written, for problems found once every file is read.
    pub origin: Origin,
}

/// An argument: of a template (a default value, or a Secret) or passed by a rollout (a value,
/// a pod-template hash or a field of the rollout).
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// `name`, as placeholders write it (`{{args.NAME}}`).
    pub name: String,
    /// `value`: a literal (a template's default, or the rollout's value).
    pub value: Option<String>,
    /// `valueFrom`: where the value comes from when no literal is given.
    pub value_from: Option<ValueFrom>,
}

/// `valueFrom` of an argument.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueFrom {
    /// `podTemplateHashValue: Stable | Latest`.
    PodTemplateHash(HashOf),
    /// `fieldRef.fieldPath` of the rollout (`metadata.name`, `metadata.labels['app']`, ...).
    FieldRef(String),
    /// `secretKeyRef`: resolved by the analysis controller when it measures.
    Secret {
        /// `secretKeyRef.name`: the Secret.
        name: String,
        /// `secretKeyRef.key`: the entry within it.
        key: String,
    },
}

/// Which ReplicaSet's pod-template hash `podTemplateHashValue` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashOf {
    /// The stable ReplicaSet's.
    Stable,
    /// The newest ReplicaSet's (the revision being rolled out).
    Latest,
}

/// `measurementRetention`: how many measurements of a metric are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    /// `metricName`: the metric it applies to.
    pub metric: String,
    /// `limit`: measurements kept (0 keeps the default of ten).
    pub limit: u32,
}

/// One metric of a template, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// `name`, unique within a run.
    pub name: String,
    /// The provider set in `provider:` (read at load time, placeholders or not).
    pub provider: ProviderKind,
    /// The metric as written, read again once its arguments are substituted.
    pub raw: RawMetric,
    /// Where it was written, for a metric no scenario model answers.
    pub origin: Origin,
}

/// The serde mirror of a metric, compared by its JSON form.
#[derive(Debug, Clone)]
pub struct RawMetric(pub raw::Metric);

impl PartialEq for RawMetric {
    fn eq(&self, other: &RawMetric) -> bool {
        serde_json::to_value(&self.0).ok() == serde_json::to_value(&other.0).ok()
    }
}

/// The metric providers Argo knows. None is queried: measurements come from the scenario's
/// metric models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// `prometheus`: a PromQL query.
    Prometheus,
    /// `kayenta`: a Kayenta canary judgement.
    Kayenta,
    /// `web`: an HTTP endpoint's JSON answer.
    Web,
    /// `datadog`: a Datadog query.
    Datadog,
    /// `wavefront`: a Wavefront query.
    Wavefront,
    /// `newRelic`: an NRQL query.
    NewRelic,
    /// `job`: a Kubernetes Job, successful when the Job succeeds (asynchronous).
    Job,
    /// `cloudWatch`: CloudWatch metric data queries.
    CloudWatch,
    /// `graphite`: a Graphite query.
    Graphite,
    /// `influxdb`: a Flux query.
    InfluxDb,
    /// `skywalking`: a SkyWalking GraphQL query.
    SkyWalking,
    /// `plugin`: a metric plugin, by the name it is registered under.
    Plugin(String),
}

impl ProviderKind {
    /// The provider's name as written in YAML.
    pub fn key(&self) -> &str {
        match self {
            ProviderKind::Prometheus => "prometheus",
            ProviderKind::Kayenta => "kayenta",
            ProviderKind::Web => "web",
            ProviderKind::Datadog => "datadog",
            ProviderKind::Wavefront => "wavefront",
            ProviderKind::NewRelic => "newRelic",
            ProviderKind::Job => "job",
            ProviderKind::CloudWatch => "cloudWatch",
            ProviderKind::Graphite => "graphite",
            ProviderKind::InfluxDb => "influxdb",
            ProviderKind::SkyWalking => "skywalking",
            ProviderKind::Plugin(name) => name,
        }
    }

    /// The providers set in a metric's `provider:` (Argo requires exactly one).
    pub fn of(p: &raw::MetricProvider) -> Vec<ProviderKind> {
        let mut out = Vec::new();
        let fixed = [
            (p.prometheus.is_some(), ProviderKind::Prometheus),
            (p.kayenta.is_some(), ProviderKind::Kayenta),
            (p.web.is_some(), ProviderKind::Web),
            (p.datadog.is_some(), ProviderKind::Datadog),
            (p.wavefront.is_some(), ProviderKind::Wavefront),
            (p.new_relic.is_some(), ProviderKind::NewRelic),
            (p.job.is_some(), ProviderKind::Job),
            (p.cloud_watch.is_some(), ProviderKind::CloudWatch),
            (p.graphite.is_some(), ProviderKind::Graphite),
            (p.influxdb.is_some(), ProviderKind::InfluxDb),
            (p.skywalking.is_some(), ProviderKind::SkyWalking),
        ];
        out.extend(fixed.into_iter().filter(|(set, _)| *set).map(|(_, p)| p));
        if let Some(serde_json::Value::Object(plugins)) = &p.plugin {
            out.extend(plugins.keys().map(|k| ProviderKind::Plugin(k.clone())));
        }
        out
    }
}

/// A reference to a template by name.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRef {
    /// `templateName`.
    pub name: String,
    /// `clusterScope: true`: names a ClusterAnalysisTemplate.
    pub cluster_scope: bool,
    /// Where the reference was written, for a template that does not exist.
    pub origin: Origin,
}

/// The analysis a rollout runs at a step, in the background or around a blue-green promotion.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutAnalysis {
    /// `templates`: the templates whose metrics the run measures.
    pub templates: Vec<TemplateRef>,
    /// `args`: values (or sources) that override the templates' arguments by name.
    pub args: Vec<Argument>,
    /// `dryRun` metric names, added to the templates' own.
    pub dry_run: Vec<String>,
    /// `measurementRetention`, added to the templates' own.
    pub measurement_retention: Vec<Retention>,
    /// Where it was written, for problems found when its run is built.
    pub origin: Origin,
}

/// Background analysis: a rollout analysis from `startingStep` on.
#[derive(Debug, Clone, PartialEq)]
pub struct BackgroundAnalysis {
    /// What the run measures.
    pub analysis: RolloutAnalysis,
    /// `startingStep`: the step index at which the run starts (0: from the start).
    pub starting_step: u32,
}

/// A Secret's string values (`stringData`, and `data` decoded from base64).
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    /// `metadata.name`, which `secretKeyRef.name` names.
    pub name: String,
    /// Key to value, decoded.
    pub data: BTreeMap<String, String>,
}
