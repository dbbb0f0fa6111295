//! AnalysisTemplates, ClusterAnalysisTemplates and Secrets, and the analysis a Rollout asks for
//! (analysis steps, background analysis, blue-green pre- and post-promotion analysis), validated
//! into domain types with Argo's rules (`pkg/apis/rollouts/validation`,
//! `utils/analysis/helpers.go`).
//!
//! A metric is kept as written (its serde mirror): Argo replaces `{{args.*}}` placeholders in
//! the metric's JSON when a run is created and only then reads counts, durations and conditions,
//! so a metric that uses placeholders can only be fully checked at that point. Metrics without
//! placeholders are checked here, with their file position.

use std::collections::BTreeMap;

use crate::api::analysis::{
    AnalysisTemplate, Argument, HashOf, MetricSpec, Origin, ProviderKind, RawMetric, Retention,
    RolloutAnalysis, Secret, TemplateRef, ValueFrom,
};
use crate::api::raw;
use crate::input::yaml::Pos;
use crate::input::{DiagKind, Diagnostic, FieldPath};

use super::report::Report;
impl Report<'_> {
    /// The origin of the field at `path` of the document being read.
    pub fn origin(&self, path: &FieldPath) -> Origin {
        let pos = self.root.locate(path);
        Origin {
            file: self.file.to_string(),
            line_col: Some((pos.line, pos.col)),
            path: path.to_string(),
        }
    }
}

// Diagnostics at an origin are made here, beside where origins are recorded: the API types
// hold only the place, and know nothing of the input's diagnostics.
impl Origin {
    /// The position of the object's field, as diagnostics hold it.
    pub fn position(&self) -> Option<Pos> {
        self.line_col.map(|(line, col)| Pos { line, col })
    }

    /// An error of `kind` pointing at where the object was written.
    pub fn error(&self, kind: DiagKind, msg: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: self.path.clone(),
            ..Diagnostic::error(&self.file, self.position(), &FieldPath::root(), kind, msg)
        }
    }

    /// A note pointing at where the object was written.
    pub fn note(&self, msg: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: self.path.clone(),
            ..Diagnostic::note(&self.file, self.position(), &FieldPath::root(), msg)
        }
    }
}

/// Converts an AnalysisTemplate or ClusterAnalysisTemplate document.
pub fn convert_template(
    raw: &raw::AnalysisTemplate,
    cluster_scope: bool,
    base: &FieldPath,
    report: &mut Report,
) -> Option<AnalysisTemplate> {
    let kind = if cluster_scope {
        "ClusterAnalysisTemplate"
    } else {
        "AnalysisTemplate"
    };
    let name = match raw.metadata.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            report.error(
                &base.key("metadata"),
                DiagKind::Missing,
                format!("an {kind} needs metadata.name"),
            );
            return None;
        }
    };
    let spec = base.key("spec");
    let args = convert_args(raw.spec.args.as_deref(), &spec.key("args"), false, report);
    let templates = convert_refs(
        raw.spec.templates.as_deref(),
        &spec.key("templates"),
        report,
    );
    let raw_metrics = raw.spec.metrics.as_deref().unwrap_or_default();
    if raw_metrics.is_empty() && templates.is_empty() {
        report.error(
            &spec.key("metrics"),
            DiagKind::Missing,
            "an analysis template needs at least one metric",
        );
    }
    let mut metrics: Vec<MetricSpec> = Vec::new();
    for (i, m) in raw_metrics.iter().enumerate() {
        let p = spec.key("metrics").index(i);
        if let Some(m) = convert_metric(m, &p, report) {
            if metrics.iter().any(|x| x.name == m.name) {
                report.error(
                    &p.key("name"),
                    DiagKind::InvalidValue,
                    format!("duplicate metric name `{}`", m.name),
                );
            }
            metrics.push(m);
        }
    }
    let dry_run = convert_dry_run(raw.spec.dry_run.as_deref(), &spec.key("dryRun"), report);
    let measurement_retention = convert_retention(
        raw.spec.measurement_retention.as_deref(),
        &spec.key("measurementRetention"),
        report,
    );
    Some(AnalysisTemplate {
        name,
        cluster_scope,
        args,
        metrics,
        dry_run,
        measurement_retention,
        templates,
        origin: report.origin(base),
    })
}

fn convert_metric(m: &raw::Metric, p: &FieldPath, report: &mut Report) -> Option<MetricSpec> {
    let name = match m.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            report.error(&p.key("name"), DiagKind::Missing, "a metric needs a name");
            return None;
        }
    };
    let providers = m
        .provider
        .as_ref()
        .map(ProviderKind::of)
        .unwrap_or_default();
    let provider = match providers.as_slice() {
        [one] => one.clone(),
        [] => {
            report.error(
                &p.key("provider"),
                DiagKind::Missing,
                format!("metric `{name}`: no provider specified"),
            );
            return None;
        }
        _ => {
            report.error(
                &p.key("provider"),
                DiagKind::InvalidValue,
                format!("metric `{name}`: multiple providers specified"),
            );
            return None;
        }
    };
    // Only fields with no placeholders can be judged before a run resolves its arguments; the
    // others are judged when the run is created. (A query full of `{{args.*}}` must not hide a
    // bad interval.)
    let json = serde_json::to_value(m).unwrap_or_default();
    let has_placeholder = |f: &str| json.get(f).is_some_and(|v| v.to_string().contains("{{"));
    let placeholder = |field: &str| match field {
        "count" => ["count", "failureLimit", "inconclusiveLimit"]
            .into_iter()
            .any(has_placeholder),
        other => has_placeholder(other),
    };
    for (field, problem) in crate::analysis::metric::check(m) {
        if !placeholder(field) {
            report.error(&p.key(field), DiagKind::InvalidValue, problem);
        }
    }
    // A condition naming a variable Argo's environment lacks compiles no better in Argo, which
    // finds out only when it evaluates it: every measurement is an Error.
    for (field, text) in [
        ("successCondition", &m.success_condition),
        ("failureCondition", &m.failure_condition),
    ] {
        if let Some(t) = text.as_deref().map(str::trim).filter(|t| !t.is_empty())
            && !placeholder(field)
            && let Err(e) = crate::analysis::expr::Program::compile(t)
            && e.argo_rejects
        {
            report.note(
                &p.key(field),
                format!(
                    "{field} `{t}` does not compile: {e}; Argo accepts the template, but each \
                     measurement of `{name}` ends in Error, and after consecutiveErrorLimit the \
                     analysis errors and a rollout waiting on it aborts"
                ),
            );
        }
    }
    // Argo takes a metric with impossible limits and errors each of its runs: say so here,
    // as a note, since the run simulates it rather than refusing it.
    let limit_fields = [
        "count",
        "failureLimit",
        "inconclusiveLimit",
        "consecutiveErrorLimit",
        "consecutiveSuccessLimit",
    ];
    if !limit_fields.into_iter().any(has_placeholder)
        && let Err(e) = crate::analysis::metric::validate_limits(m)
    {
        report.note(
            p,
            format!(
                "metric `{name}`: {e}; Argo accepts the template, but each AnalysisRun of it \
                 ends in Error (`Analysis spec invalid`) before measuring, and a rollout \
                 waiting on it aborts"
            ),
        );
    }
    // Name what of the provider's settings goes unused, so nobody mistakes a query for
    // something the simulation evaluates.
    let settings = m
        .provider
        .as_ref()
        .and_then(|pr| serde_json::to_value(pr).ok())
        .and_then(|v| v.get(provider.key()).cloned())
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .unwrap_or_default();
    let unused = if settings.is_empty() {
        String::new()
    } else {
        format!(" ({} not used)", settings.join(", "))
    };
    report.note(
        &p.key("provider").key(provider.key()),
        format!(
            "the {} provider is not simulated{unused}: measurements of `{name}` come from a \
             model (a scenario's `metrics:`, or `--metric`){}",
            provider.key(),
            if provider == ProviderKind::Job {
                "; a job metric with no model runs 5 s and succeeds"
            } else {
                ""
            }
        ),
    );
    Some(MetricSpec {
        name,
        provider,
        raw: RawMetric(m.clone()),
        origin: report.origin(p),
    })
}

pub(super) fn convert_dry_run(
    d: Option<&[raw::DryRun]>,
    p: &FieldPath,
    report: &mut Report,
) -> Vec<String> {
    d.unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d.metric_name.as_deref() {
            Some(n) if !n.is_empty() => Some(n.to_string()),
            _ => {
                report.error(
                    &p.index(i).key("metricName"),
                    DiagKind::Missing,
                    "a dryRun entry needs metricName",
                );
                None
            }
        })
        .collect()
}

fn convert_retention(
    r: Option<&[raw::MeasurementRetention]>,
    p: &FieldPath,
    report: &mut Report,
) -> Vec<Retention> {
    let mut out = Vec::new();
    for (i, r) in r.unwrap_or_default().iter().enumerate() {
        let Some(metric) = r.metric_name.clone().filter(|n| !n.is_empty()) else {
            report.error(
                &p.index(i).key("metricName"),
                DiagKind::Missing,
                "a measurementRetention entry needs metricName",
            );
            continue;
        };
        let limit = report
            .count(&p.index(i).key("limit"), r.limit, 1_000_000)
            .unwrap_or(0);
        out.push(Retention { metric, limit });
    }
    out
}

fn convert_refs(
    refs: Option<&[raw::AnalysisTemplateRef]>,
    p: &FieldPath,
    report: &mut Report,
) -> Vec<TemplateRef> {
    let mut out = Vec::new();
    for (i, r) in refs.unwrap_or_default().iter().enumerate() {
        let rp = p.index(i);
        match r.template_name.as_deref() {
            Some(n) if !n.is_empty() => out.push(TemplateRef {
                name: n.to_string(),
                cluster_scope: r.cluster_scope.unwrap_or(false),
                origin: report.origin(&rp.key("templateName")),
            }),
            _ => report.error(
                &rp.key("templateName"),
                DiagKind::Missing,
                "a template reference needs templateName",
            ),
        }
    }
    out
}

/// The `args` of an analysis a rollout or an experiment starts (AnalysisRunArgument: a value
/// or a valueFrom), checked as the arguments of a run.
pub(super) fn convert_run_args(
    args: Option<&[raw::AnalysisRunArgument]>,
    p: &FieldPath,
    report: &mut Report,
) -> Vec<Argument> {
    let args: Vec<raw::Argument> = args
        .into_iter()
        .flatten()
        .map(|a| raw::Argument {
            name: a.name.clone(),
            value: a.value.clone(),
            value_from: a.value_from.clone(),
        })
        .collect();
    convert_args(Some(&args), p, true, report)
}

/// Arguments of a template (`for_rollout` false) or of a rollout's analysis (true): the two
/// allow different `valueFrom` sources.
fn convert_args(
    args: Option<&[raw::Argument]>,
    p: &FieldPath,
    for_rollout: bool,
    report: &mut Report,
) -> Vec<Argument> {
    let mut out: Vec<Argument> = Vec::new();
    for (i, a) in args.unwrap_or_default().iter().enumerate() {
        let ap = p.index(i);
        let Some(name) = a.name.clone().filter(|n| !n.is_empty()) else {
            report.error(
                &ap.key("name"),
                DiagKind::Missing,
                "an argument needs a name",
            );
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            report.error(
                &ap.key("name"),
                DiagKind::InvalidValue,
                format!("argument `{name}` is given twice"),
            );
        }
        let value_from = a
            .value_from
            .as_ref()
            .and_then(|v| convert_value_from(v, &ap.key("valueFrom"), for_rollout, report));
        if a.value.is_some() && a.value_from.is_some() {
            report.error(
                &ap,
                DiagKind::InvalidValue,
                format!("argument `{name}` has both value and valueFrom"),
            );
        }
        out.push(Argument {
            name,
            value: a.value.clone(),
            value_from,
        });
    }
    out
}

fn convert_value_from(
    v: &raw::ArgumentValueFrom,
    p: &FieldPath,
    for_rollout: bool,
    report: &mut Report,
) -> Option<ValueFrom> {
    let set = [
        v.pod_template_hash_value.is_some(),
        v.field_ref.is_some(),
        v.secret_key_ref.is_some(),
    ]
    .iter()
    .filter(|s| **s)
    .count();
    if set != 1 {
        report.error(
            p,
            DiagKind::InvalidValue,
            "valueFrom needs exactly one of podTemplateHashValue, fieldRef, secretKeyRef",
        );
        return None;
    }
    if let Some(h) = &v.pod_template_hash_value {
        if !for_rollout {
            report.error(
                &p.key("podTemplateHashValue"),
                DiagKind::InvalidValue,
                "podTemplateHashValue is only for arguments a Rollout passes",
            );
        }
        return match h.as_str() {
            "Stable" => Some(ValueFrom::PodTemplateHash(HashOf::Stable)),
            "Latest" => Some(ValueFrom::PodTemplateHash(HashOf::Latest)),
            other => {
                report.error(
                    &p.key("podTemplateHashValue"),
                    DiagKind::InvalidValue,
                    format!("`{other}` is not Stable or Latest"),
                );
                None
            }
        };
    }
    if let Some(f) = &v.field_ref {
        let path = f.field_path.clone().unwrap_or_default();
        if !supported_field_path(&path) {
            report.not_simulated(
                &p.key("fieldRef").key("fieldPath"),
                &format!("the argument source fieldRef `{path}` (only metadata.name, metadata.namespace, metadata.labels['k'] and metadata.annotations['k'] are)"),
            );
            return None;
        }
        return Some(ValueFrom::FieldRef(path));
    }
    let s = v.secret_key_ref.as_ref()?;
    if for_rollout {
        report.error(
            &p.key("secretKeyRef"),
            DiagKind::InvalidValue,
            "secretKeyRef is only for arguments of an analysis template",
        );
    }
    match (s.name.clone(), s.key.clone()) {
        (Some(name), Some(key)) if !name.is_empty() && !key.is_empty() => {
            Some(ValueFrom::Secret { name, key })
        }
        _ => {
            report.error(
                &p.key("secretKeyRef"),
                DiagKind::Missing,
                "secretKeyRef needs name and key",
            );
            None
        }
    }
}

fn supported_field_path(path: &str) -> bool {
    matches!(path, "metadata.name" | "metadata.namespace")
        || ["metadata.labels['", "metadata.annotations['"]
            .iter()
            .any(|p| path.starts_with(p) && path.ends_with("']"))
}

/// The `analysis` of a step, `strategy.canary.analysis` or a blue-green pre/post analysis.
pub fn convert_rollout_analysis(
    a: &raw::RolloutAnalysis,
    p: &FieldPath,
    report: &mut Report,
) -> Option<RolloutAnalysis> {
    let templates = convert_refs(a.templates.as_deref(), &p.key("templates"), report);
    if templates.is_empty() && a.templates.as_ref().is_none_or(|t| t.is_empty()) {
        report.error(
            &p.key("templates"),
            DiagKind::Missing,
            "an analysis needs at least one template (templates: [{templateName: ...}])",
        );
    }
    let args = convert_run_args(a.args.as_deref(), &p.key("args"), report);
    if a.analysis_run_metadata.is_some() {
        report.note(
            &p.key("analysisRunMetadata"),
            "analysisRunMetadata has no effect on the simulation",
        );
    }
    Some(RolloutAnalysis {
        templates,
        args,
        dry_run: convert_dry_run(a.dry_run.as_deref(), &p.key("dryRun"), report),
        measurement_retention: convert_retention(
            a.measurement_retention.as_deref(),
            &p.key("measurementRetention"),
            report,
        ),
        origin: report.origin(p),
    })
}

/// Converts a Secret document.
pub fn convert_secret(raw: &raw::Secret, base: &FieldPath, report: &mut Report) -> Option<Secret> {
    let Some(name) = raw.metadata.name.clone().filter(|n| !n.is_empty()) else {
        report.error(
            &base.key("metadata"),
            DiagKind::Missing,
            "a Secret needs metadata.name",
        );
        return None;
    };
    let mut data = BTreeMap::new();
    for (k, v) in raw.data.iter().flatten() {
        match decode_base64(v) {
            Some(s) => {
                data.insert(k.clone(), s);
            }
            None => report.error(
                &base.key("data").key(k),
                DiagKind::InvalidValue,
                "not base64-encoded UTF-8 text (use stringData for plain text)",
            ),
        }
    }
    for (k, v) in raw.string_data.iter().flatten() {
        data.insert(k.clone(), v.clone());
    }
    Some(Secret { name, data })
}

/// Secret `data` values: standard base64 of UTF-8 text, as Kubernetes stores them.
fn decode_base64(s: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_secret_data() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(
            decode_base64("aHR0cDovL3gvP2E9MQ==").as_deref(),
            Some("http://x/?a=1")
        );
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn field_paths_the_simulation_resolves() {
        assert!(supported_field_path("metadata.name"));
        assert!(supported_field_path("metadata.labels['app']"));
        assert!(!supported_field_path(
            "spec.template.spec.containers[0].image"
        ));
    }
}
