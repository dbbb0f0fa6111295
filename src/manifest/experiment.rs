//! The experiment step of a canary (`steps[].experiment`), validated into domain types with
//! the rules Argo applies to it: the Rollout's own validation (`validation.go`: template
//! weights need a router that supports them), what makes the created Experiment invalid
//! (`utils/conditions/experiments.go:VerifyExperimentSpec`: template names present and unique)
//! and what makes the controller fail to build it (`rollout/experiment.go:GetExperimentFromTemplate`:
//! `specRef` is `stable` or `canary`). An Experiment Argo would refuse would leave the rollout
//! waiting forever at the step, so rollout-sim refuses it up front with the field to fix.

use std::collections::BTreeMap;

use crate::engine::parse_strict_duration;
use crate::input::{DiagKind, FieldPath};

use crate::api::analysis::{RolloutAnalysis, TemplateRef};
use crate::api::experiment::{
    ExperimentAnalysis, ExperimentDuration, ExperimentStep, ExperimentTemplate, SpecRef,
};
use crate::api::{IntOrString, raw};

use super::analysis::{convert_dry_run, convert_run_args};
use super::report::Report;

/// What the conversion of an experiment step needs to know about the rest of the Rollout.
pub struct ExperimentContext<'a> {
    /// `trafficRouting` is set.
    pub routed: bool,
    /// The router is one of those Argo sends experiment weights to (ALB, SMI, Istio).
    pub weight_router: bool,
    /// Labels of the Rollout's pod template (an experiment's ReplicaSet starts from them).
    pub template_labels: &'a BTreeMap<String, String>,
}

/// Converts `steps[i].experiment`.
pub fn convert_experiment(
    e: &raw::ExperimentStep,
    p: &FieldPath,
    ctx: &ExperimentContext,
    report: &mut Report,
) -> Option<ExperimentStep> {
    let before = report.diags.items.len();
    let raw_templates = e.templates.as_deref().unwrap_or_default();
    if e.templates.is_none() {
        report.error(
            &p.key("templates"),
            DiagKind::Missing,
            "an experiment step needs templates (a list, which may be empty)",
        );
    }
    let mut templates: Vec<ExperimentTemplate> = Vec::new();
    for (i, t) in raw_templates.iter().enumerate() {
        let tp = p.key("templates").index(i);
        let name = t.name.as_deref().unwrap_or_default();
        if !name.is_empty()
            && raw_templates[..i]
                .iter()
                .any(|x| x.name.as_deref() == Some(name))
        {
            report.error(
                &tp.key("name"),
                DiagKind::InvalidValue,
                format!(
                    "template name `{name}` is used twice (Argo marks such an Experiment \
                     InvalidSpec and it never runs)"
                ),
            );
        }
        if let Some(t) = convert_template(t, &tp, ctx, report) {
            templates.push(t);
        }
    }
    let duration = e
        .duration
        .as_ref()
        .and_then(|d| convert_duration(d, &p.key("duration"), report));
    let dry_run = convert_dry_run(e.dry_run.as_deref(), &p.key("dryRun"), report);
    let mut analyses: Vec<ExperimentAnalysis> = Vec::new();
    for (i, a) in e.analyses.iter().flatten().enumerate() {
        let ap = p.key("analyses").index(i);
        if let Some(a) = convert_analysis(a, &dry_run, &ap, report) {
            if analyses.iter().any(|x| x.name == a.name) {
                report.error(
                    &ap.key("name"),
                    DiagKind::InvalidValue,
                    format!(
                        "analysis name `{}` is used twice (the Experiment tracks its runs by name)",
                        a.name
                    ),
                );
            }
            analyses.push(a);
        }
    }
    if e.analysis_run_metadata.is_some() {
        report.note(
            &p.key("analysisRunMetadata"),
            "analysisRunMetadata has no effect on the simulation",
        );
    }
    // The rollout copies it into the Experiment's spec (`GetExperimentFromTemplate`,
    // rollout/experiment.go); an int32 upstream with no minimum (a negative delay is a
    // deadline already past, `addScaleDownDelay` in experiments/replicaset.go).
    let scale_down_delay_seconds = e.scale_down_delay_seconds.and_then(|v| {
        let fits = i32::try_from(v).ok();
        if fits.is_none() {
            report.error(
                &p.key("scaleDownDelaySeconds"),
                DiagKind::InvalidValue,
                format!("{v} is not an int32, as Argo's scaleDownDelaySeconds is"),
            );
        }
        fits
    });
    let had_errors = report.diags.items[before..].iter().any(|d| d.is_error());
    (!had_errors).then_some(ExperimentStep {
        templates,
        duration,
        analyses,
        scale_down_delay_seconds,
    })
}

fn convert_template(
    t: &raw::ExperimentTemplate,
    p: &FieldPath,
    ctx: &ExperimentContext,
    report: &mut Report,
) -> Option<ExperimentTemplate> {
    let name = t.name.clone().unwrap_or_default();
    if name.is_empty() {
        report.error(
            &p.key("name"),
            DiagKind::Missing,
            "an experiment template needs a name (Argo marks an Experiment with an empty \
             template name InvalidSpec)",
        );
    } else if let Some(why) = super::names::child_name_problem(&name) {
        // The ReplicaSet is `<experiment>-<name>`: one the API server refuses is never
        // created, and the rollout waits at the step for ever.
        report.error(&p.key("name"), DiagKind::InvalidValue, why);
    }
    let spec_ref = match t.spec_ref.as_deref() {
        Some("stable") => Some(SpecRef::Stable),
        Some("canary") => Some(SpecRef::Canary),
        Some(other) => {
            report.error(
                &p.key("specRef"),
                DiagKind::InvalidValue,
                format!("specRef `{other}` must be canary or stable"),
            );
            None
        }
        None => {
            report.error(
                &p.key("specRef"),
                DiagKind::Missing,
                "an experiment template needs specRef: stable or canary",
            );
            None
        }
    };
    let replicas = report
        .count(&p.key("replicas"), t.replicas, super::rollout::MAX_REPLICAS)
        .unwrap_or(1);
    let weight = report.count(&p.key("weight"), t.weight, 100);
    if weight.is_some() && !ctx.routed {
        report.error(
            &p.key("weight"),
            DiagKind::InvalidValue,
            "Experiment template weight cannot be set unless TrafficRouting is enabled",
        );
    } else if weight.is_some() && !ctx.weight_router {
        report.error(
            &p.key("weight"),
            DiagKind::InvalidValue,
            "Experiment template weight is only available for TrafficRouting with SMI, ALB, \
             and Istio at this time",
        );
    }
    let meta = t.metadata.clone().unwrap_or_default();
    let labels = meta.labels.unwrap_or_default();
    let annotations = meta.annotations.unwrap_or_default();
    let selector = t.selector.as_ref().map(|s| {
        if s.match_expressions.as_ref().is_some_and(|e| !e.is_empty()) {
            report.not_simulated(
                &p.key("selector").key("matchExpressions"),
                "selector.matchExpressions",
            );
        }
        s.match_labels.clone().unwrap_or_default()
    });
    if let Some(sel) = &selector {
        check_selector(sel, &labels, ctx.template_labels, p, report);
    }
    let service = match (&t.service, weight) {
        (Some(s), _) => Some(s.name.clone().filter(|n| !n.is_empty())),
        (None, Some(_)) => Some(None),
        (None, None) => None,
    };
    check_service_name(&service, &name, p, report);
    Some(ExperimentTemplate {
        name,
        spec_ref: spec_ref?,
        replicas,
        labels,
        annotations,
        selector,
        weight,
        service,
    })
}

/// The Service an experiment template gets is named `service.name`, or else after its
/// ReplicaSet (`<experiment>-<name>`, experiments/experiment.go): either way a DNS-1035 label,
/// so a template name with a `.` cannot have one.
fn check_service_name(
    service: &Option<Option<String>>,
    name: &str,
    p: &FieldPath,
    report: &mut Report,
) {
    match service {
        Some(Some(given)) => {
            if let Some(why) = super::names::service_name_problem(given) {
                report.error(
                    &p.key("service").key("name"),
                    DiagKind::InvalidValue,
                    format!("`{given}`: no Service can have this name: {why}"),
                );
            }
        }
        Some(None) if name.contains('.') && super::names::child_name_problem(name).is_none() => {
            report.error(
                &p.key("name"),
                DiagKind::InvalidValue,
                format!(
                    "`{name}`: the template's Service is named after its ReplicaSet \
                     (`<experiment>-{name}`), and a Service's name has no `.`: rename the \
                     template or give `service: {{name: ...}}`"
                ),
            );
        }
        _ => {}
    }
}

/// A selector that does not select the template's pods makes Kubernetes refuse the
/// ReplicaSet (the template would end in Error); the experiment's labels are added to both.
fn check_selector(
    sel: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    template_labels: &BTreeMap<String, String>,
    p: &FieldPath,
    report: &mut Report,
) {
    if sel.is_empty() && labels.is_empty() {
        report.error(
            &p.key("selector"),
            DiagKind::InvalidValue,
            "an empty selector would select every pod; Argo refuses such an Experiment",
        );
    }
    for (k, v) in sel {
        let have = labels.get(k).or_else(|| template_labels.get(k));
        if have != Some(v) {
            report.error(
                &p.key("selector").key("matchLabels").key(k),
                DiagKind::InvalidValue,
                format!(
                    "selector `{k}: {v}` does not match the pod labels of the template \
                     (Kubernetes refuses a ReplicaSet whose selector does not select its pods)"
                ),
            );
        }
    }
}

/// `duration` is Argo's `DurationString`: Go's `time.ParseDuration`, a unit required.
fn convert_duration(
    d: &IntOrString,
    p: &FieldPath,
    report: &mut Report,
) -> Option<ExperimentDuration> {
    let text = match d {
        IntOrString::Str(s) => s.clone(),
        IntOrString::Int(i) => {
            report.error(
                p,
                DiagKind::WrongType,
                format!(
                    "`{i}` is a number; an experiment's duration is a Go duration string such \
                     as \"{i}s\" or \"5m\""
                ),
            );
            return None;
        }
    };
    match parse_strict_duration(&text) {
        Ok(duration) => Some(ExperimentDuration {
            millis: duration.as_millis(),
            text,
        }),
        Err(_) => {
            report.error(
                p,
                DiagKind::InvalidValue,
                format!("`{text}` is not a duration; write it with a unit: 30s, 5m, 1h30m"),
            );
            None
        }
    }
}

fn convert_analysis(
    a: &raw::ExperimentAnalysisRef,
    dry_run: &[String],
    p: &FieldPath,
    report: &mut Report,
) -> Option<ExperimentAnalysis> {
    let name = a.name.clone().filter(|n| !n.is_empty());
    if name.is_none() {
        report.error(
            &p.key("name"),
            DiagKind::Missing,
            "an analysis needs a name",
        );
    } else if let Some(why) = name.as_deref().and_then(super::names::child_name_problem) {
        // Its AnalysisRun is `<experiment>-<name>` (experiments/experiment.go).
        report.error(&p.key("name"), DiagKind::InvalidValue, why);
    }
    let template = a.template_name.clone().filter(|n| !n.is_empty());
    if template.is_none() {
        report.error(
            &p.key("templateName"),
            DiagKind::Missing,
            "an analysis needs templateName",
        );
    }
    let args = convert_run_args(a.args.as_deref(), &p.key("args"), report);
    Some(ExperimentAnalysis {
        name: name?,
        required_for_completion: a.required_for_completion.unwrap_or(false),
        analysis: RolloutAnalysis {
            templates: vec![TemplateRef {
                name: template?,
                cluster_scope: a.cluster_scope.unwrap_or(false),
                origin: report.origin(&p.key("templateName")),
            }],
            args,
            dry_run: dry_run.to_vec(),
            measurement_retention: Vec::new(),
            origin: report.origin(p),
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::manifest::parse_text;

    const BASE: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  replicas: 3
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers: [{name: demo, image: demo:1}]
  strategy:
    canary:
      steps:
      - experiment:
          duration: 5m
          templates:
          - {name: baseline, specRef: stable}
          - {name: canary, specRef: canary, replicas: 2, metadata: {labels: {role: exp}}}
          analyses:
          - {name: compare, templateName: compare, requiredForCompletion: true}
";

    #[test]
    fn reads_an_experiment_step() {
        let (m, _) = parse_text("x.yaml", BASE).expect("valid");
        let step = &m.rollouts[0].spec.canary().unwrap().steps[0];
        let e = step.experiment.as_ref().unwrap();
        assert_eq!(e.templates.len(), 2);
        assert_eq!(e.templates[1].replicas, 2);
        assert_eq!(e.templates[0].replicas, 1);
        assert_eq!(e.duration.as_ref().unwrap().millis, 300_000);
        assert!(e.analyses[0].required_for_completion);
        assert_eq!(step.describe(), "experiment");
    }

    fn errors(text: &str) -> Vec<String> {
        let e = parse_text("x.yaml", text).expect_err("invalid");
        e.0.errors()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn refuses_what_argo_would_never_run() {
        let bad = BASE
            .replace(
                "name: canary, specRef: canary",
                "name: baseline, specRef: canary",
            )
            .replace("duration: 5m", "duration: 300");
        let mut errs = errors(&bad);
        errs.extend(errors(&BASE.replace("specRef: stable", "specRef: stabel")));
        assert!(
            errs.iter()
                .any(|e| e.contains("templates[1].name") && e.contains("twice")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("duration") && e.contains("Go duration")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("specRef") && e.contains("canary or stable")),
            "{errs:?}"
        );
    }

    #[test]
    fn weight_needs_a_router_that_supports_it() {
        let bad = BASE.replace("specRef: stable}", "specRef: stable, weight: 10}");
        let errs = errors(&bad);
        assert!(
            errs.iter()
                .any(|e| e.contains("weight") && e.contains("TrafficRouting")),
            "{errs:?}"
        );
    }
}
