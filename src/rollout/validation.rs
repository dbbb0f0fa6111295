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
use crate::api::analysis::{AnalysisTemplate, RolloutAnalysis, TemplateRef};

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
    let mut analyses: Vec<(String, &RolloutAnalysis)> = Vec::new();
    if let Some(bg) = spec.blue_green() {
        for (key, a) in [
            ("prePromotionAnalysis", &bg.pre_promotion_analysis),
            ("postPromotionAnalysis", &bg.post_promotion_analysis),
        ] {
            if let Some(a) = a {
                analyses.push((format!("spec.strategy.blueGreen.{key}.templates"), a));
            }
        }
    } else if let Some(c) = spec.canary() {
        for (i, step) in c.steps.iter().enumerate() {
            if let Some(a) = &step.analysis {
                analyses.push((
                    format!("spec.strategy.canary.steps[{i}].analysis.templates"),
                    a,
                ));
            }
        }
        if let Some(b) = &c.analysis {
            analyses.push((
                "spec.strategy.canary.analysis.templates".into(),
                &b.analysis,
            ));
        }
    }
    analyses
        .into_iter()
        .find_map(|(path, a)| missing_in(&path, &a.templates, templates, 0))
}

/// The first reference of `refs` (or of the templates they name) that does not exist; nested
/// references are reported under `spec.templates`, as upstream does.
fn missing_in(
    path: &str,
    refs: &[TemplateRef],
    templates: &[AnalysisTemplate],
    depth: usize,
) -> Option<String> {
    // Deeper than this is a cycle, which building the run reports; nothing is missing.
    if depth > 16 {
        return None;
    }
    refs.iter().find_map(|r| {
        let found = templates
            .iter()
            .find(|t| t.name == r.name && t.cluster_scope == r.cluster_scope);
        match found {
            None => {
                let kind = if r.cluster_scope {
                    "ClusterAnalysisTemplate"
                } else {
                    "AnalysisTemplate"
                };
                Some(invalid(
                    path,
                    &r.name,
                    &format!("{kind} '{}' not found", r.name),
                ))
            }
            Some(t) => missing_in("spec.templates", &t.templates, templates, depth + 1),
        }
    })
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

    #[test]
    fn field_errors_read_as_kubernetes_prints_them() {
        assert_eq!(
            invalid("spec.strategy.canary.stableService", "", "why"),
            "spec.strategy.canary.stableService: Invalid value: \"\": why"
        );
    }
}
