//! What the controller validates before every reconcile (upstream `getRolloutValidationErrors`:
//! `ValidateRollout`, then `ValidateRolloutReferencedResources`). The first problem found
//! becomes the rollout's `InvalidSpec` condition; the rollout is Degraded and does nothing
//! else until the problem goes away (a Service or AnalysisTemplate applied later, a fixed
//! spec re-applied), which the controller notices on its 20-second re-queue.
//!
//! Most of `ValidateRollout` is static and refused up front by `lint` (a spec no later
//! action can fix); the checks here are the ones a scenario can heal by applying something.

use smol_str::SmolStr;
use std::collections::BTreeMap;

use crate::api::RolloutSpec;
use crate::api::analysis::{AnalysisTemplate, TemplateRef};

use super::context::ServiceView;

/// The `field.Error` text Kubernetes prints: `PATH: Invalid value: "VALUE": DETAIL`.
fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: \"{value}\": {detail}")
}

/// `requireCanaryStableServices` (validation.go): a router that needs both Services.
pub fn spec_error(spec: &RolloutSpec) -> Option<String> {
    let canary = spec.canary()?;
    let routing = canary.traffic_routing.as_ref()?;
    if !routing.services_required {
        return None;
    }
    const MESSAGE: &str = "Canary service and Stable service must to be set to use Traffic Routing";
    for (field, svc) in [
        ("stableService", &canary.stable_service),
        ("canaryService", &canary.canary_service),
    ] {
        if svc.as_deref().is_none_or(str::is_empty) {
            return Some(invalid(
                &format!("spec.strategy.canary.{field}"),
                "",
                MESSAGE,
            ));
        }
    }
    None
}

/// `getReferencedServices`: every Service the strategy names must exist.
pub fn service_error(
    spec: &RolloutSpec,
    services: &BTreeMap<SmolStr, ServiceView>,
) -> Option<String> {
    // An array, not a vector: this runs at the start of every reconcile.
    let refs: [(&str, Option<&String>); 2] = match spec.blue_green() {
        Some(bg) => [
            ("blueGreen.activeService", Some(&bg.active_service)),
            ("blueGreen.previewService", bg.preview_service.as_ref()),
        ],
        None => {
            let c = spec.canary()?;
            [
                ("canary.stableService", c.stable_service.as_ref()),
                ("canary.canaryService", c.canary_service.as_ref()),
            ]
        }
    };
    refs.into_iter().find_map(|(field, svc)| {
        let svc = svc.filter(|s| !s.is_empty())?;
        (!services.contains_key(svc.as_str())).then(|| {
            invalid(
                &format!("spec.strategy.{field}"),
                svc,
                &format!("service \"{svc}\" not found"),
            )
        })
    })
}

/// `getReferencedRolloutAnalyses`: every AnalysisTemplate (and ClusterAnalysisTemplate) an
/// analysis names, and the ones those name, must exist.
pub fn template_error(spec: &RolloutSpec, templates: &[AnalysisTemplate]) -> Option<String> {
    // This runs at the start of every reconcile and almost always finds nothing: the
    // analyses are walked in the controller's order without collecting them, and a field
    // path is spelled out only for the reference that is missing.
    if let Some(bg) = spec.blue_green() {
        [
            ("prePromotionAnalysis", &bg.pre_promotion_analysis),
            ("postPromotionAnalysis", &bg.post_promotion_analysis),
        ]
        .into_iter()
        .find_map(|(key, a)| {
            let (r, nested) = first_missing(&a.as_ref()?.templates, templates, 0)?;
            Some(missing_error(r, nested, || {
                format!("spec.strategy.blueGreen.{key}.templates")
            }))
        })
    } else {
        let c = spec.canary()?;
        let step = c.steps.iter().enumerate().find_map(|(i, step)| {
            let (r, nested) = first_missing(&step.analysis.as_ref()?.templates, templates, 0)?;
            Some(missing_error(r, nested, || {
                format!("spec.strategy.canary.steps[{i}].analysis.templates")
            }))
        });
        step.or_else(|| {
            let b = c.analysis.as_ref()?;
            let (r, nested) = first_missing(&b.analysis.templates, templates, 0)?;
            Some(missing_error(r, nested, || {
                "spec.strategy.canary.analysis.templates".into()
            }))
        })
    }
}

/// The first reference of `refs` (or of the templates they name) that does not exist, and
/// whether it was found in a named template rather than in `refs` itself.
fn first_missing<'a>(
    refs: &'a [TemplateRef],
    templates: &'a [AnalysisTemplate],
    depth: usize,
) -> Option<(&'a TemplateRef, bool)> {
    // Deeper than this is a cycle, which building the run reports; nothing is missing.
    if depth > 16 {
        return None;
    }
    refs.iter().find_map(|r| {
        let found = templates
            .iter()
            .find(|t| t.name == r.name && t.cluster_scope == r.cluster_scope);
        match found {
            None => Some((r, depth > 0)),
            Some(t) => first_missing(&t.templates, templates, depth + 1),
        }
    })
}

/// The error for a missing template; nested references are reported under
/// `spec.templates`, as upstream does, and others under the analysis's own field.
fn missing_error(r: &TemplateRef, nested: bool, path: impl FnOnce() -> String) -> String {
    let kind = if r.cluster_scope {
        "ClusterAnalysisTemplate"
    } else {
        "AnalysisTemplate"
    };
    let path = if nested {
        "spec.templates".to_string()
    } else {
        path()
    };
    invalid(&path, &r.name, &format!("{kind} '{}' not found", r.name))
}

/// Every problem the controller would find, in its order; the first is the one it reports.
pub fn validate(
    spec: &RolloutSpec,
    services: &BTreeMap<SmolStr, ServiceView>,
    templates: &[AnalysisTemplate],
) -> Option<String> {
    spec_error(spec)
        .or_else(|| service_error(spec, services))
        .or_else(|| template_error(spec, templates))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::analysis::{BackgroundAnalysis, RolloutAnalysis};
    use crate::api::{Step, Strategy};

    fn refs(names: &[(&str, bool)]) -> Vec<TemplateRef> {
        names
            .iter()
            .map(|(name, cluster_scope)| TemplateRef {
                name: (*name).into(),
                cluster_scope: *cluster_scope,
                origin: Default::default(),
            })
            .collect()
    }

    fn analysis(names: &[(&str, bool)]) -> RolloutAnalysis {
        RolloutAnalysis {
            templates: refs(names),
            args: vec![],
            dry_run: vec![],
            measurement_retention: vec![],
            origin: Default::default(),
        }
    }

    fn template(name: &str, nested: &[(&str, bool)]) -> AnalysisTemplate {
        AnalysisTemplate {
            name: name.into(),
            cluster_scope: false,
            args: vec![],
            metrics: vec![],
            dry_run: vec![],
            measurement_retention: vec![],
            templates: refs(nested),
            origin: Default::default(),
        }
    }

    #[test]
    fn a_missing_template_is_reported_under_the_field_that_names_it() {
        let step = |names: &[(&str, bool)]| Step {
            analysis: Some(analysis(names)),
            ..Default::default()
        };
        let mut ro = super::super::fixtures::canary(
            vec![Step::weight(10), step(&[("outer", false)]), step(&[])],
            Some(0),
        );
        // A template found, but one it names missing: reported under `spec.templates`.
        let templates = [template("outer", &[("inner", true)])];
        assert_eq!(
            template_error(&ro.spec, &templates).as_deref(),
            Some(
                "spec.templates: Invalid value: \"inner\": \
                 ClusterAnalysisTemplate 'inner' not found"
            )
        );
        // Everything a step names exists: the background analysis is checked next.
        let templates = [template("outer", &[]), template("inner", &[])];
        assert_eq!(template_error(&ro.spec, &templates), None);
        if let Strategy::Canary(c) = &mut ro.spec.strategy {
            c.analysis = Some(BackgroundAnalysis {
                analysis: analysis(&[("outer", false), ("rates", false)]),
                starting_step: 0,
            });
        }
        assert_eq!(
            template_error(&ro.spec, &templates).as_deref(),
            Some(
                "spec.strategy.canary.analysis.templates: Invalid value: \"rates\": \
                 AnalysisTemplate 'rates' not found"
            )
        );
    }

    #[test]
    fn blue_green_analyses_are_checked_pre_promotion_first() {
        let mut ro = super::super::fixtures::blue_green();
        if let Strategy::BlueGreen(bg) = &mut ro.spec.strategy {
            bg.pre_promotion_analysis = Some(analysis(&[("pre", false)]));
            bg.post_promotion_analysis = Some(analysis(&[("post", false)]));
        }
        assert_eq!(
            template_error(&ro.spec, &[]).as_deref(),
            Some(
                "spec.strategy.blueGreen.prePromotionAnalysis.templates: \
                 Invalid value: \"pre\": AnalysisTemplate 'pre' not found"
            )
        );
        assert_eq!(
            template_error(&ro.spec, &[template("pre", &[])]).as_deref(),
            Some(
                "spec.strategy.blueGreen.postPromotionAnalysis.templates: \
                 Invalid value: \"post\": AnalysisTemplate 'post' not found"
            )
        );
    }

    #[test]
    fn field_errors_read_as_kubernetes_prints_them() {
        assert_eq!(
            invalid("spec.strategy.canary.stableService", "", "why"),
            "spec.strategy.canary.stableService: Invalid value: \"\": why"
        );
    }
}
