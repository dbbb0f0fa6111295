//! The Rollout's validation: the raw mirror converted into `api::Rollout` with Argo's
//! validation rules (`pkg/apis/rollouts/validation`), every problem reported with its field path.

use std::collections::BTreeMap;

use crate::api::analysis::BackgroundAnalysis;
use crate::api::{
    AbortDelay, BlueGreen, Canary, CanaryScale, IntOrString, Pause, PauseDuration, PodTemplate,
    ProgressThreshold, Rollout, RolloutSpec, Step, Strategy, TrafficRouting, raw,
};
use crate::engine::{SimDuration, parse_duration};
use crate::input::{DiagKind, FieldPath};
use crate::rollout::replica_arithmetic::{resolve_fenceposts, value_from_int_or_percent};

use super::analysis::convert_rollout_analysis;
use super::experiment::{ExperimentContext, convert_experiment};
use super::report::Report;
use super::routes::{RouterContext, convert_header_route, convert_mirror_route};

/// The largest replica count the simulator accepts (each replica is a simulated pod).
pub const MAX_REPLICAS: i64 = 1_000_000;
/// The longest delay or duration accepted, in seconds (about 10 years).
pub const MAX_SECONDS: i64 = 315_360_000;

/// A validated count or weight as the `int32` Argo's replica arithmetic uses. Every count read
/// through `Report::count` is at most 1,000,000,000 (the largest `maxTrafficWeight`), below
/// `i32::MAX`, so the saturation is never reached.
fn count_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Converts a raw Rollout, reporting every problem into `report`. Returns the rollout only when
/// no error was found in it.
pub fn convert(raw: &raw::Rollout, root: &FieldPath, report: &mut Report) -> Option<Rollout> {
    let before = report.diags.items.len();
    let name = match raw.metadata.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            report.error(
                &root.key("metadata"),
                DiagKind::Missing,
                "a Rollout needs metadata.name",
            );
            String::new()
        }
    };
    let namespace = raw
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let spec = convert_spec(&raw.spec, &root.key("spec"), report);
    if let Some(t) = raw
        .spec
        .strategy
        .as_ref()
        .and_then(|st| st.canary.as_ref())
        .and_then(|c| c.traffic_routing.as_ref())
    {
        let at = root.key("spec").key("strategy").key("canary");
        check_router_names(t, &name, &at.key("trafficRouting"), report);
    }
    if let Some(spec) = &spec {
        check_experiment_service_names(spec, &name, &root.key("spec"), report);
    }
    let had_errors = report.diags.items[before..].iter().any(|d| d.is_error());
    let restart_at_wall = raw
        .spec
        .restart_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let reference_origins = reference_origins(raw, &root.key("spec").key("strategy"), report);
    match spec {
        Some(spec) if !had_errors => Some(Rollout {
            name,
            namespace,
            labels: raw.metadata.labels.clone().unwrap_or_default(),
            annotations: raw.metadata.annotations.clone().unwrap_or_default(),
            spec,
            restart_at_wall,
            reference_origins,
            router_references: router_references(raw, &root.key("spec"), report),
        }),
        _ => None,
    }
}

/// The Ingresses and VirtualServices the canary's `trafficRouting` names
/// (`getRolloutReferencedResources`: NGINX's `stableIngress`/`stableIngresses`, ALB's
/// `ingress`/`ingresses`, Istio's `virtualService`/`virtualServices`), each with the words of
/// the errors Argo gives when it is missing or routes nowhere. Those name the field as the
/// controller builds it, not as the user wrote it: a list's errors name the list without an
/// index, and NGINX's not-found error spells it `StableIngresses` and quotes the whole list
/// (`handleCacheError`).
fn router_references(
    raw: &raw::Rollout,
    spec: &FieldPath,
    report: &Report,
) -> Vec<crate::api::RouterReference> {
    let Some(c) = raw.spec.strategy.as_ref().and_then(|s| s.canary.as_ref()) else {
        return Vec::new();
    };
    let Some(t) = c.traffic_routing.as_ref() else {
        return Vec::new();
    };
    let base = spec.key("strategy").key("canary").key("trafficRouting");
    let stable = c.stable_service.clone();
    let mut out = Vec::new();
    // One reference: where it was written (`path` under the router's settings), the field
    // Argo's errors name, and the value its not-found error quotes (the name's, unless given).
    let mut add = |router: &str,
                   path: &[PathSeg],
                   (kind, field): (&'static str, &str),
                   name: &str,
                   not_found: Option<(&str, String)>,
                   backend: Option<String>| {
        let mut at = base.key(router);
        for seg in path {
            at = match seg {
                PathSeg::Key(k) => at.key(k),
                PathSeg::Index(i) => at.index(*i),
            };
        }
        let field = format!("{router}.{field}");
        let not_found = match not_found {
            Some((f, value)) => format!("{router}.{f}: Invalid value: {value}"),
            None => format!("{field}: Invalid value: {}", go_quoted(name)),
        };
        out.push(crate::api::RouterReference {
            field,
            not_found,
            kind,
            name: name.to_string(),
            backend,
            origin: report.origin(&at),
        });
    };
    let strings = |v: Option<&serde_json::Value>| -> Option<Vec<String>> {
        v.and_then(serde_json::Value::as_array).map(|items| {
            items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect()
        })
    };
    // NGINX and ALB name their Ingresses alike: a key for one, a plural key for a list. The
    // list wins when both are set (`ingresses != nil`); an empty name in it is looked up like
    // any other and not found. A single name left empty means "not configured" (refused
    // elsewhere).
    let mut ingresses = |router: &str,
                         spec: &serde_json::Value,
                         (one, many, many_not_found): (&'static str, &'static str, &str),
                         backend: Option<String>| {
        if let Some(names) = strings(spec.get(many)) {
            let quoted = go_string_slice(&names);
            for (i, name) in names.iter().enumerate() {
                let path = [PathSeg::Key(many), PathSeg::Index(i)];
                let not_found = Some((many_not_found, quoted.clone()));
                add(
                    router,
                    &path,
                    ("Ingress", many),
                    name,
                    not_found,
                    backend.clone(),
                );
            }
        } else if let Some(name) = spec.get(one).and_then(serde_json::Value::as_str) {
            if !name.is_empty() {
                add(
                    router,
                    &[PathSeg::Key(one)],
                    ("Ingress", one),
                    name,
                    None,
                    backend,
                );
            }
        }
    };
    if let Some(n) = t.nginx.as_ref() {
        let names = ("stableIngress", "stableIngresses", "StableIngresses");
        ingresses("nginx", n, names, stable.clone());
    }
    if let Some(a) = t.alb.as_ref() {
        let root = a
            .get("rootService")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| stable.clone());
        ingresses("alb", a, ("ingress", "ingresses", "ingresses"), root);
    }
    if let Some(s) = t.istio.as_ref() {
        // `GetReferencedVirtualServices`: the list when it is set, else the single one; each
        // name may be Istio's `name.namespace` shorthand, and the lookup (and the error) use
        // the name part.
        let (list, field) = match s
            .get("virtualServices")
            .and_then(serde_json::Value::as_array)
        {
            Some(items) => (items.iter().collect::<Vec<_>>(), "virtualServices.name"),
            None => (
                s.get("virtualService").into_iter().collect(),
                "virtualService.name",
            ),
        };
        let plural = field.starts_with("virtualServices");
        for (i, vs) in list.into_iter().enumerate() {
            let Some(written) = vs.get("name").and_then(serde_json::Value::as_str) else {
                continue;
            };
            let name = virtual_service_name(written);
            let path: &[PathSeg] = if plural {
                &[
                    PathSeg::Key("virtualServices"),
                    PathSeg::Index(i),
                    PathSeg::Key("name"),
                ]
            } else {
                &[PathSeg::Key("virtualService"), PathSeg::Key("name")]
            };
            add("istio", path, ("VirtualService", field), name, None, None);
        }
    }
    out
}

/// The VirtualService name in a reference that may use Istio's `name.namespace` shorthand,
/// with or without the `.cluster.local` suffix (`GetVirtualServiceNamespaceName`: the last
/// dot-separated part is the namespace, since a namespace cannot hold a dot).
fn virtual_service_name(reference: &str) -> &str {
    let r = reference
        .strip_suffix(".cluster.local")
        .unwrap_or(reference);
    r.rsplit_once('.').map_or(r, |(name, _namespace)| name)
}

/// A string as Go's `%q` prints it in a Kubernetes field error (`Invalid value: "x"`).
fn go_quoted(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for ch in s.chars() {
        match ch {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if c.is_control() => q.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A list of strings as Go's `%#v` prints a `[]string` in a field error
/// (`[]string{"a", "b"}`).
fn go_string_slice(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quoted(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// One step of a path under a router's settings.
enum PathSeg {
    Key(&'static str),
    Index(usize),
}

/// The places of the strategy's fields that name other objects, for checks that find one of
/// them missing (only the fields written are recorded).
fn reference_origins(
    raw: &raw::Rollout,
    strategy: &FieldPath,
    report: &Report,
) -> BTreeMap<String, crate::api::analysis::Origin> {
    let mut out = BTreeMap::new();
    let Some(s) = raw.spec.strategy.as_ref() else {
        return out;
    };
    let mut add = |field: &str, written: bool| {
        if written {
            let mut path = strategy.clone();
            for k in field.split('.') {
                path = path.key(k);
            }
            out.insert(field.to_string(), report.origin(&path));
        }
    };
    if let Some(c) = s.canary.as_ref() {
        add("canary.stableService", c.stable_service.is_some());
        add("canary.canaryService", c.canary_service.is_some());
    }
    if let Some(b) = s.blue_green.as_ref() {
        add("blueGreen.activeService", b.active_service.is_some());
        add("blueGreen.previewService", b.preview_service.is_some());
    }
    out
}

fn convert_spec(s: &raw::RolloutSpec, p: &FieldPath, report: &mut Report) -> Option<RolloutSpec> {
    let replicas = report.count(&p.key("replicas"), s.replicas, MAX_REPLICAS);
    if s.workload_ref.is_some() {
        report.not_simulated(
            &p.key("workloadRef"),
            "a Rollout that takes its pod template from another workload (workloadRef)",
        );
    }
    if let Some(t) = &s.restart_at
        && chrono::DateTime::parse_from_rfc3339(t).is_err()
    {
        report.error(
            &p.key("restartAt"),
            DiagKind::InvalidValue,
            format!("`{t}` is not an RFC 3339 time"),
        );
    }
    let rollback_window = s.rollback_window.as_ref().and_then(|w| {
        report.count(
            &p.key("rollbackWindow").key("revisions"),
            w.revisions,
            1_000_000,
        )
    });
    if s.analysis.is_some() {
        report.note(
            &p.key("analysis"),
            "AnalysisRun history limits have no effect on the simulation",
        );
    }
    // With workloadRef the selector may come from the referenced workload; workloadRef is
    // refused above, and a second error about the selector would only mislead.
    let selector = if s.selector.is_none() && s.workload_ref.is_some() {
        None
    } else {
        convert_selector(s.selector.as_ref(), &p.key("selector"), report)
    };
    let template = match &s.template {
        Some(t) => convert_template(t, &p.key("template"), report),
        None => {
            if s.workload_ref.is_none() {
                report.error(
                    &p.key("template"),
                    DiagKind::Missing,
                    "a Rollout needs spec.template",
                );
            }
            None
        }
    };
    if let (Some(sel), Some(t)) = (&selector, &template) {
        let labels = t.labels();
        for (k, v) in sel {
            if labels.get(k) != Some(v) {
                report.error(
                    &p.key("selector").key("matchLabels").key(k),
                    DiagKind::InvalidValue,
                    format!(
                        "selector `{k}: {v}` does not match the template labels \
                         (`selector` does not match template `labels`)"
                    ),
                );
            }
        }
    }
    // A value refused here is said once: the comparison below reads only valid ones.
    let min_ready_valid = s
        .min_ready_seconds
        .is_none_or(|v| (0..=MAX_SECONDS).contains(&v));
    let min_ready_seconds = report
        .count(&p.key("minReadySeconds"), s.min_ready_seconds, MAX_SECONDS)
        .unwrap_or(0);
    let revision_history_limit = report
        .count(
            &p.key("revisionHistoryLimit"),
            s.revision_history_limit,
            1_000_000,
        )
        .unwrap_or(10);
    let progress_deadline_seconds = report
        .count(
            &p.key("progressDeadlineSeconds"),
            s.progress_deadline_seconds,
            MAX_SECONDS,
        )
        .unwrap_or(600);
    if min_ready_valid && progress_deadline_seconds <= min_ready_seconds {
        report.error(
            &p.key("progressDeadlineSeconds"),
            DiagKind::InvalidValue,
            format!(
                "progressDeadlineSeconds ({progress_deadline_seconds}) must be greater than \
                 minReadySeconds ({min_ready_seconds})"
            ),
        );
    }
    let template_labels = template
        .as_ref()
        .map(PodTemplate::labels)
        .unwrap_or_default();
    let strategy = convert_strategy(
        s.strategy.as_ref(),
        replicas.unwrap_or(1),
        &template_labels,
        &p.key("strategy"),
        report,
    );
    if let Some(st) = s.strategy.as_ref() {
        check_strategy_limits(st, revision_history_limit, &p.key("strategy"), report);
    }
    Some(RolloutSpec {
        replicas,
        selector: selector?,
        template: template?,
        min_ready_seconds,
        revision_history_limit,
        progress_deadline_seconds,
        progress_deadline_abort: s.progress_deadline_abort.unwrap_or(false),
        paused: s.paused.unwrap_or(false),
        restart_at: None,
        rollback_window,
        strategy: strategy?,
    })
}

fn convert_selector(
    sel: Option<&raw::LabelSelector>,
    p: &FieldPath,
    report: &mut Report,
) -> Option<BTreeMap<String, String>> {
    let Some(sel) = sel else {
        report.error(p, DiagKind::Missing, "a Rollout needs spec.selector");
        return None;
    };
    if sel
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        report.not_simulated(&p.key("matchExpressions"), "selector.matchExpressions");
    }
    let labels = sel.match_labels.clone().unwrap_or_default();
    if labels.is_empty() && sel.match_expressions.is_none() {
        report.error(
            p,
            DiagKind::InvalidValue,
            "This rollout is selecting all pods. A non-empty selector is required.",
        );
    }
    Some(labels)
}

fn convert_template(
    t: &raw::PodTemplate,
    p: &FieldPath,
    report: &mut Report,
) -> Option<PodTemplate> {
    let spec_path = p.key("spec");
    let Some(spec) = &t.spec else {
        report.error(
            &spec_path,
            DiagKind::Missing,
            "the pod template needs a spec",
        );
        return None;
    };
    let containers = spec.containers.as_deref().unwrap_or_default();
    if containers.is_empty() {
        report.error(
            &spec_path.key("containers"),
            DiagKind::Missing,
            "the pod template needs at least one container",
        );
    }
    for (i, c) in containers.iter().enumerate() {
        let cp = spec_path.key("containers").index(i);
        if c.name.as_deref().is_none_or(str::is_empty) {
            report.error(&cp, DiagKind::Missing, "a container needs a name");
        }
        if c.image.as_deref().is_none_or(str::is_empty) {
            report.error(&cp, DiagKind::Missing, "a container needs an image");
        }
    }
    for (i, t) in spec.tolerations.iter().flatten().enumerate() {
        check_toleration(t, &spec_path.key("tolerations").index(i), report);
    }
    Some(PodTemplate::from_raw(t))
}

/// A toleration as the API server validates a pod's (`ValidateTolerations`): the ReplicaSet
/// of a template it refuses could not be created. Label-name syntax of `key` is not checked.
fn check_toleration(t: &raw::Toleration, p: &FieldPath, report: &mut Report) {
    let key = t.key.as_deref().unwrap_or_default();
    let operator = t.operator.as_deref().unwrap_or_default();
    let effect = t.effect.as_deref().unwrap_or_default();
    if !matches!(operator, "" | "Equal" | "Exists") {
        report.error(
            &p.key("operator"),
            DiagKind::InvalidValue,
            format!("`{operator}` is not an operator (allowed: Equal, Exists)"),
        );
    } else if key.is_empty() && operator != "Exists" {
        report.error(
            &p.key("operator"),
            DiagKind::InvalidValue,
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        );
    } else if operator == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
        report.error(
            &p.key("value"),
            DiagKind::InvalidValue,
            "value must be empty when `operator` is 'Exists'",
        );
    }
    if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        report.error(
            &p.key("effect"),
            DiagKind::InvalidValue,
            format!("`{effect}` is not a taint effect (allowed: NoSchedule, PreferNoSchedule, NoExecute)"),
        );
    } else if t.toleration_seconds.is_some() && effect != "NoExecute" {
        report.error(
            &p.key("tolerationSeconds"),
            DiagKind::InvalidValue,
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        );
    }
}

fn convert_strategy(
    s: Option<&raw::Strategy>,
    replicas: u32,
    template_labels: &BTreeMap<String, String>,
    p: &FieldPath,
    report: &mut Report,
) -> Option<Strategy> {
    let Some(s) = s else {
        report.error(
            p,
            DiagKind::Missing,
            "a Rollout needs spec.strategy (canary or blueGreen)",
        );
        return None;
    };
    match (&s.canary, &s.blue_green) {
        (Some(_), Some(_)) => {
            report.error(
                p,
                DiagKind::InvalidValue,
                "set either strategy.canary or strategy.blueGreen, not both",
            );
            None
        }
        (None, None) => {
            report.error(
                p,
                DiagKind::Missing,
                "set strategy.canary or strategy.blueGreen",
            );
            None
        }
        (None, Some(b)) => {
            convert_blue_green(b, &p.key("blueGreen"), report).map(Strategy::BlueGreen)
        }
        (Some(c), None) => convert_canary(c, replicas, template_labels, &p.key("canary"), report)
            .map(Strategy::Canary),
    }
}

fn convert_blue_green(b: &raw::BlueGreen, p: &FieldPath, report: &mut Report) -> Option<BlueGreen> {
    let active_service = match b.active_service.as_deref() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => {
            report.error(
                &p.key("activeService"),
                DiagKind::Missing,
                "a blue-green Rollout needs activeService",
            );
            String::new()
        }
    };
    let preview_service = b.preview_service.clone().filter(|s| !s.is_empty());
    if preview_service.as_deref() == Some(active_service.as_str()) {
        report.error(
            &p.key("previewService"),
            DiagKind::InvalidValue,
            "previewService must differ from activeService",
        );
    }
    let pre_promotion_analysis = b
        .pre_promotion_analysis
        .as_ref()
        .and_then(|a| convert_rollout_analysis(a, &p.key("prePromotionAnalysis"), report));
    let post_promotion_analysis = b
        .post_promotion_analysis
        .as_ref()
        .and_then(|a| convert_rollout_analysis(a, &p.key("postPromotionAnalysis"), report));
    for (key, v) in [
        ("antiAffinity", &b.anti_affinity),
        ("previewMetadata", &b.preview_metadata),
        ("activeMetadata", &b.active_metadata),
    ] {
        if v.is_some() {
            report.note(
                &p.key(key),
                format!("{key} has no effect on the simulation"),
            );
        }
    }
    if let Some(IntOrString::Str(s)) = &b.max_unavailable
        && parse_percent(s).is_none()
    {
        report.error(
            &p.key("maxUnavailable"),
            DiagKind::InvalidValue,
            format!("`{s}` is not a percentage"),
        );
    }
    let abort_scale_down_delay = match report.count(
        &p.key("abortScaleDownDelaySeconds"),
        b.abort_scale_down_delay_seconds,
        MAX_SECONDS,
    ) {
        None => AbortDelay::Unset,
        Some(0) => AbortDelay::Never,
        Some(s) => AbortDelay::Seconds(s),
    };
    note_zero_scale_down_delay(
        b.scale_down_delay_seconds
            .and_then(|s| u32::try_from(s).ok()),
        &p.key("scaleDownDelaySeconds"),
        report,
    );
    Some(BlueGreen {
        active_service,
        preview_service,
        preview_replica_count: report.count(
            &p.key("previewReplicaCount"),
            b.preview_replica_count,
            MAX_REPLICAS,
        ),
        auto_promotion_enabled: b.auto_promotion_enabled.unwrap_or(true),
        auto_promotion_seconds: report
            .count(
                &p.key("autoPromotionSeconds"),
                b.auto_promotion_seconds,
                MAX_SECONDS,
            )
            .unwrap_or(0),
        max_unavailable: b.max_unavailable.clone(),
        scale_down_delay_seconds: report.count(
            &p.key("scaleDownDelaySeconds"),
            b.scale_down_delay_seconds,
            MAX_SECONDS,
        ),
        scale_down_delay_revision_limit: report.count(
            &p.key("scaleDownDelayRevisionLimit"),
            b.scale_down_delay_revision_limit,
            1_000_000,
        ),
        abort_scale_down_delay,
        pre_promotion_analysis,
        post_promotion_analysis,
    })
}

/// Checks of `ValidateRolloutStrategy` (validation.go) that look across fields: a blue-green
/// scale-down revision limit above the revision history, `antiAffinity` with exactly one
/// strategy and a weight in 1..100, and `maxTrafficWeight` only with NGINX or plugins.
fn check_strategy_limits(
    st: &raw::Strategy,
    revision_history_limit: u32,
    p: &FieldPath,
    report: &mut Report,
) {
    if let Some(b) = &st.blue_green {
        if let Some(limit) = b.scale_down_delay_revision_limit
            && limit > i64::from(revision_history_limit)
        {
            report.error(
                &p.key("blueGreen").key("scaleDownDelayRevisionLimit"),
                DiagKind::InvalidValue,
                "This rollout's revision history limit can not be smaller than the rollout's \
                 scale down limit",
            );
        }
        check_anti_affinity(
            &b.anti_affinity,
            &p.key("blueGreen").key("antiAffinity"),
            report,
        );
    }
    if let Some(c) = &st.canary {
        check_anti_affinity(
            &c.anti_affinity,
            &p.key("canary").key("antiAffinity"),
            report,
        );
        if let Some(t) = &c.traffic_routing
            && t.max_traffic_weight.is_some()
            && t.nginx.is_none()
            && t.plugins.is_none()
        {
            report.error(
                &p.key("canary")
                    .key("trafficRouting")
                    .key("maxTrafficWeight"),
                DiagKind::InvalidValue,
                "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins",
            );
        }
    }
}

/// The controller's checks that a router names its objects one way or the other
/// (`ValidateRolloutNginxIngressesConfig`, `ValidateRolloutAlbIngressesConfig`,
/// `ValidateRolloutVirtualServicesConfig` in validation_references.go). On a cluster the
/// Rollout stays Degraded with `InvalidSpec` until a fixed spec is applied; no other object
/// heals it, so it is refused here, with the condition's message.
fn check_router_names(t: &raw::TrafficRouting, name: &str, p: &FieldPath, report: &mut Report) {
    // A Rollout without a name is reported as such elsewhere.
    let rollout = if name.is_empty() {
        "the Rollout".to_string()
    } else {
        format!("Rollout `{name}`")
    };
    // Go's `StableIngresses != nil`: a list, even an empty one, counts as configured; a
    // single name only when it is not empty.
    let listed = |v: &serde_json::Value, key: &str| v.get(key).is_some_and(|l| !l.is_null());
    let named = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let ingress_routers = [
        (
            "nginx",
            &t.nginx,
            ("stableIngress", "stableIngresses"),
            "StableIngress or StableIngresses",
        ),
        (
            "alb",
            &t.alb,
            ("ingress", "ingresses"),
            "Ingress or Ingresses",
        ),
    ];
    for (router, settings, (one, many), go_names) in ingress_routers {
        let Some(v) = settings else { continue };
        let (single, multiple) = (named(v, one), listed(v, many));
        let count = match (single, multiple) {
            (true, true) => "Both are",
            (false, false) => "Neither are",
            _ => continue,
        };
        report.error(
            &p.key(router),
            DiagKind::InvalidValue,
            format!(
                "the controller would keep {rollout} Degraded (InvalidSpec: \
                 spec.strategy.canary.trafficRouting.{router}: Internal error: Either \
                 {go_names} must be configured. {count} configured.)"
            ),
        );
    }
    if let Some(v) = &t.istio {
        // `VirtualService` is a pointer upstream: any value but null configures it.
        let single = v.get("virtualService").is_some_and(|s| !s.is_null());
        if single == listed(v, "virtualServices") {
            report.error(
                &p.key("istio"),
                DiagKind::InvalidValue,
                format!(
                    "the controller would keep {rollout} Degraded (InvalidSpec: \
                     spec.strategy.canary.trafficRouting.istio: Internal error: either \
                     VirtualService or VirtualServices must be configured)"
                ),
            );
        }
    }
}

/// An experiment template's Service named after its ReplicaSet carries the Rollout's name
/// (`<rollout>-<hash>-<revision>-<step>-<template>`), and a Service's name has no `.`: with a
/// `.` in the Rollout's name, the API server refuses every such Service and each experiment
/// step aborts the update. Known up front, so refused here; a name given in `service.name`
/// avoids it. (Its length is known only once the update runs: the run reports that.)
fn check_experiment_service_names(
    spec: &RolloutSpec,
    name: &str,
    p: &FieldPath,
    report: &mut Report,
) {
    let Some(c) = spec.canary().filter(|_| name.contains('.')) else {
        return;
    };
    if !crate::api::template::declares_ports(&spec.template.to_json()) {
        return;
    }
    for (i, step) in c.steps.iter().enumerate() {
        let Some(e) = &step.experiment else { continue };
        for (j, t) in e.templates.iter().enumerate() {
            if t.service == Some(None) {
                report.error(
                    &p.key("strategy")
                        .key("canary")
                        .key("steps")
                        .index(i)
                        .key("experiment")
                        .key("templates")
                        .index(j)
                        .key("service"),
                    DiagKind::InvalidValue,
                    format!(
                        "the template's Service is named after its ReplicaSet, \
                         `{name}-<hash>-<revision>-{i}-{}`, and a Service's name has no `.`: \
                         the API server would refuse it and the update abort; give \
                         `service: {{name: ...}}`",
                        t.name
                    ),
                );
            }
        }
    }
}

/// `ValidateRolloutStrategyAntiAffinity`.
fn check_anti_affinity(a: &Option<serde_json::Value>, p: &FieldPath, report: &mut Report) {
    let Some(a) = a else {
        return;
    };
    let preferred = a.get("preferredDuringSchedulingIgnoredDuringExecution");
    let required = a.get("requiredDuringSchedulingIgnoredDuringExecution");
    if preferred.is_some() == required.is_some() {
        report.error(
            p,
            DiagKind::InvalidValue,
            "AntiAffinity must have exactly one strategy listed",
        );
    }
    let weight = preferred
        .and_then(|w| w.get("weight"))
        .and_then(|w| w.as_i64());
    if preferred.is_some() && !weight.is_some_and(|w| (1..=100).contains(&w)) {
        report.error(
            &p.key("preferredDuringSchedulingIgnoredDuringExecution")
                .key("weight"),
            DiagKind::InvalidValue,
            "AntiAffinity weight must be between 1-100",
        );
    }
}

/// The fields the Rollout CRD's schema marks `required` in the routers' settings (which the
/// simulator otherwise keeps as written): the API server refuses a Rollout without them
/// (`...: Required value`), so no controller ever sees it. Paths are relative to
/// `trafficRouting`; `[]` is every item of a list.
const ROUTER_REQUIRED_FIELDS: &[(&[&str], &[&str])] = &[
    (&["alb"], &["servicePort"]),
    (
        &["alb", "stickinessConfig"],
        &["durationSeconds", "enabled"],
    ),
    (&["ambassador"], &["mappings"]),
    (&["apisix", "route"], &["name"]),
    (
        &["appMesh", "virtualNodeGroup"],
        &["canaryVirtualNodeRef", "stableVirtualNodeRef"],
    ),
    (
        &["appMesh", "virtualNodeGroup", "canaryVirtualNodeRef"],
        &["name"],
    ),
    (
        &["appMesh", "virtualNodeGroup", "stableVirtualNodeRef"],
        &["name"],
    ),
    (&["appMesh", "virtualService"], &["name"]),
    (
        &["istio", "destinationRule"],
        &["name", "canarySubsetName", "stableSubsetName"],
    ),
    (&["istio", "virtualService"], &["name"]),
    (&["istio", "virtualServices", "[]"], &["name"]),
    (&["traefik"], &["weightedTraefikServiceName"]),
];

/// Reports every field of [`ROUTER_REQUIRED_FIELDS`] missing from an object that is there.
fn check_router_required_fields(t: &raw::TrafficRouting, p: &FieldPath, report: &mut Report) {
    let routers = [
        ("alb", &t.alb),
        ("ambassador", &t.ambassador),
        ("apisix", &t.apisix),
        ("appMesh", &t.app_mesh),
        ("istio", &t.istio),
        ("traefik", &t.traefik),
    ];
    for (path, required) in ROUTER_REQUIRED_FIELDS {
        let Some((router, rest)) = path.split_first() else {
            continue;
        };
        let Some((_, Some(settings))) = routers.iter().find(|(n, _)| n == router) else {
            continue;
        };
        // Every object at `rest` below the router, with its path.
        let mut found = vec![(p.key(router), settings)];
        for seg in rest {
            found = found
                .into_iter()
                .flat_map(|(at, v)| -> Vec<(FieldPath, &serde_json::Value)> {
                    match (*seg, v) {
                        ("[]", serde_json::Value::Array(items)) => items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| (at.index(i), item))
                            .collect(),
                        ("[]", _) => Vec::new(),
                        (key, v) => v.get(key).map(|c| (at.key(key), c)).into_iter().collect(),
                    }
                })
                .collect();
        }
        for (at, v) in found {
            // Not an object (null, a string): the schema's type check says so, not this one.
            let Some(obj) = v.as_object() else { continue };
            for field in *required {
                if !obj.contains_key(*field) {
                    report.error(
                        &at.key(field),
                        DiagKind::Missing,
                        format!(
                            "Required value: the Rollout CRD requires `{field}` here, so the \
                             API server refuses the Rollout"
                        ),
                    );
                }
            }
        }
    }
}

fn router_name(t: &raw::TrafficRouting) -> Option<&'static str> {
    let routers: [(&str, bool); 9] = [
        ("istio", t.istio.is_some()),
        ("nginx", t.nginx.is_some()),
        ("alb", t.alb.is_some()),
        ("smi", t.smi.is_some()),
        ("ambassador", t.ambassador.is_some()),
        ("appMesh", t.app_mesh.is_some()),
        ("traefik", t.traefik.is_some()),
        ("apisix", t.apisix.is_some()),
        ("plugins", t.plugins.is_some()),
    ];
    routers.iter().find(|(_, on)| *on).map(|(n, _)| *n)
}

fn convert_canary(
    c: &raw::Canary,
    replicas: u32,
    template_labels: &BTreeMap<String, String>,
    p: &FieldPath,
    report: &mut Report,
) -> Option<Canary> {
    let traffic_routing = c.traffic_routing.as_ref().map(|t| {
        let tp = p.key("trafficRouting");
        let max = report
            .count(
                &tp.key("maxTrafficWeight"),
                t.max_traffic_weight,
                1_000_000_000,
            )
            .unwrap_or(100);
        if max == 0 {
            report.error(
                &tp.key("maxTrafficWeight"),
                DiagKind::InvalidValue,
                "must be at least 1",
            );
        }
        check_router_required_fields(t, &tp, report);
        let managed_routes = t
            .managed_routes
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, r)| {
                if r.name.as_deref().is_none_or(str::is_empty) {
                    report.error(
                        &tp.key("managedRoutes").index(i),
                        DiagKind::Missing,
                        "a managed route needs a name",
                    );
                }
                r.name.clone().unwrap_or_default()
            })
            .collect();
        let provider = router_name(t).unwrap_or("generic");
        if provider == "generic" {
            report.note(
                &tp,
                "trafficRouting names no router (istio, nginx, alb, smi, ..., plugins): Argo \
                 finds no traffic reconciler, so no weights are set and no routes held; the \
                 canary is still sized as a traffic-routed one",
            );
        }
        let istio_subsets = t
            .istio
            .as_ref()
            .is_some_and(|i| i.get("destinationRule").is_some());
        TrafficRouting {
            // Plugins, and Istio routing by DestinationRule subsets, work without them.
            services_required: match provider {
                "plugins" | "generic" => false,
                "istio" => !istio_subsets,
                _ => true,
            },
            provider: provider.to_string(),
            max_traffic_weight: max.max(1),
            managed_routes,
            origin: report.origin(&tp),
        }
    });
    let routed = traffic_routing.is_some();
    let max_weight = traffic_routing
        .as_ref()
        .map_or(100, |t| t.max_traffic_weight);

    check_fenceposts(c, replicas, p, report);

    if let (Some(a), Some(b)) = (&c.canary_service, &c.stable_service)
        && !a.is_empty()
        && a == b
    {
        report.error(
            &p.key("stableService"),
            DiagKind::InvalidValue,
            "canaryService and stableService must not be the same Service",
        );
    }
    for (key, v) in [
        ("antiAffinity", &c.anti_affinity),
        ("canaryMetadata", &c.canary_metadata),
        ("stableMetadata", &c.stable_metadata),
    ] {
        if v.is_some() {
            report.note(
                &p.key(key),
                format!("{key} has no effect on the simulation"),
            );
        }
    }
    if c.ping_pong.is_some() {
        report.not_simulated(&p.key("pingPong"), "ping-pong services (pingPong)");
    }
    let analysis = c.analysis.as_ref().and_then(|a| {
        let starting_step = report
            .count(
                &p.key("analysis").key("startingStep"),
                a.starting_step,
                1_000_000,
            )
            .unwrap_or(0);
        // More steps than u32 holds cannot be read from a 16 MiB file; saturate all the same.
        let steps = u32::try_from(c.steps.as_ref().map_or(0, Vec::len)).unwrap_or(u32::MAX);
        if starting_step > steps {
            report.error(
                &p.key("analysis").key("startingStep"),
                DiagKind::InvalidValue,
                format!("startingStep {starting_step} is past the last step ({steps} steps)"),
            );
        }
        Some(BackgroundAnalysis {
            analysis: convert_rollout_analysis(a, &p.key("analysis"), report)?,
            starting_step,
        })
    });

    let dynamic_stable_scale = c.dynamic_stable_scale.unwrap_or(false);
    if dynamic_stable_scale && !routed {
        report.error(
            &p.key("dynamicStableScale"),
            DiagKind::InvalidValue,
            "dynamicStableScale requires trafficRouting",
        );
    }
    let scale_down_delay_seconds = report.count(
        &p.key("scaleDownDelaySeconds"),
        c.scale_down_delay_seconds,
        MAX_SECONDS,
    );
    note_zero_scale_down_delay(
        scale_down_delay_seconds,
        &p.key("scaleDownDelaySeconds"),
        report,
    );
    if scale_down_delay_seconds.is_some() && !routed {
        report.error(
            &p.key("scaleDownDelaySeconds"),
            DiagKind::InvalidValue,
            "scaleDownDelaySeconds can only be used with trafficRouting",
        );
    }
    if scale_down_delay_seconds.is_some() && dynamic_stable_scale {
        report.error(
            &p.key("scaleDownDelaySeconds"),
            DiagKind::InvalidValue,
            "scaleDownDelaySeconds cannot be used together with dynamicStableScale",
        );
    }
    let scale_down_delay_revision_limit = report.count(
        &p.key("scaleDownDelayRevisionLimit"),
        c.scale_down_delay_revision_limit,
        1_000_000,
    );
    let abort_scale_down_delay = match report.count(
        &p.key("abortScaleDownDelaySeconds"),
        c.abort_scale_down_delay_seconds,
        MAX_SECONDS,
    ) {
        None => AbortDelay::Unset,
        Some(0) => AbortDelay::Never,
        Some(s) => AbortDelay::Seconds(s),
    };
    if abort_scale_down_delay != AbortDelay::Unset && !routed {
        report.note(
            &p.key("abortScaleDownDelaySeconds"),
            "abortScaleDownDelaySeconds is ignored without trafficRouting (a basic canary scales down at once)",
        );
    }
    let min_pods_per_replica_set = report.count(
        &p.key("minPodsPerReplicaSet"),
        c.min_pods_per_replica_set,
        MAX_REPLICAS,
    );
    // Argo has no validation rule for it: `CheckMinPodsPerReplicaSet` (utils/replicaset/
    // canary.go) simply leaves the counts alone without a router.
    if min_pods_per_replica_set.is_some() && !routed {
        report.note(
            &p.key("minPodsPerReplicaSet"),
            "minPodsPerReplicaSet is ignored without trafficRouting (a basic canary sizes its \
             ReplicaSets by the step's weight alone)",
        );
    }
    let replica_progress_threshold = c.replica_progress_threshold.as_ref().and_then(|t| {
        let tp = p.key("replicaProgressThreshold");
        let value = count_i32(report.count(&tp.key("value"), t.value, MAX_REPLICAS)?);
        match t.kind.as_deref() {
            Some("Percent") => {
                if value > 100 {
                    report.error(
                        &tp.key("value"),
                        DiagKind::InvalidValue,
                        "a percentage must be at most 100",
                    );
                }
                Some(ProgressThreshold::Percent(value))
            }
            Some("Pod") | Some("Pods") => Some(ProgressThreshold::Pods(value)),
            other => {
                report.error(
                    &tp.key("type"),
                    DiagKind::InvalidValue,
                    format!(
                        "type must be Percent or Pod (got {})",
                        other.unwrap_or("nothing")
                    ),
                );
                None
            }
        }
    });

    let raw_steps = c.steps.clone().unwrap_or_default();
    let steps_hash = {
        let json = serde_json::to_vec(&raw_steps).unwrap_or_default();
        crate::api::template::encoded_hash(crate::api::template::fnv32a(&json)).to_string()
    };
    let mut steps = Vec::with_capacity(raw_steps.len());
    let step_ctx = StepContext {
        routed,
        max_weight,
        canary: c,
        template_labels,
    };
    for (i, s) in raw_steps.iter().enumerate() {
        if let Some(step) = convert_step(s, &p.key("steps").index(i), &step_ctx, report) {
            steps.push(step);
        }
    }

    Some(Canary {
        steps: steps.into(),
        steps_hash,
        max_surge: c.max_surge.clone(),
        max_unavailable: c.max_unavailable.clone(),
        canary_service: c.canary_service.clone().filter(|s| !s.is_empty()),
        stable_service: c.stable_service.clone().filter(|s| !s.is_empty()),
        traffic_routing,
        dynamic_stable_scale,
        scale_down_delay_seconds,
        scale_down_delay_revision_limit,
        abort_scale_down_delay,
        min_pods_per_replica_set,
        replica_progress_threshold,
        analysis,
    })
}

/// maxSurge / maxUnavailable: valid percentages or non-negative counts, not both zero, and
/// maxUnavailable at most 100%.
fn check_fenceposts(c: &raw::Canary, replicas: u32, p: &FieldPath, report: &mut Report) {
    for (key, v) in [
        ("maxSurge", &c.max_surge),
        ("maxUnavailable", &c.max_unavailable),
    ] {
        let Some(v) = v else { continue };
        match v {
            IntOrString::Int(i) if *i < 0 => {
                report.error(&p.key(key), DiagKind::InvalidValue, "must not be negative");
            }
            IntOrString::Int(i) if *i > MAX_REPLICAS => {
                report.error(&p.key(key), DiagKind::InvalidValue, "is larger than rollout-sim supports");
            }
            IntOrString::Str(s) => match parse_percent(s) {
                None => report.error(
                    &p.key(key),
                    DiagKind::InvalidValue,
                    format!("`{s}` is not a percentage (write a count like 1 or a percentage like \"25%\")"),
                ),
                Some(pct) if key == "maxUnavailable" && pct > 100 => {
                    report.error(&p.key(key), DiagKind::InvalidValue, "must not be more than 100%");
                }
                _ => {}
            },
            _ => {}
        }
    }
    let is_zero = |v: &Option<IntOrString>| {
        v.as_ref()
            .is_some_and(|v| value_from_int_or_percent(v, 100, false) == Ok(0))
    };
    if is_zero(&c.max_surge) && is_zero(&c.max_unavailable) {
        report.error(
            &p.key("maxUnavailable"),
            DiagKind::InvalidValue,
            "maxSurge and maxUnavailable cannot both be zero",
        );
    }
    let _ = resolve_fenceposts(
        c.max_surge.as_ref(),
        c.max_unavailable.as_ref(),
        count_i32(replicas),
    );
}

fn parse_percent(s: &str) -> Option<i64> {
    let digits = s.trim().strip_suffix('%').unwrap_or(s.trim());
    digits.parse::<i64>().ok().filter(|v| *v >= 0)
}

/// What a step's conversion needs from the rest of the canary strategy.
struct StepContext<'a> {
    routed: bool,
    max_weight: u32,
    canary: &'a raw::Canary,
    template_labels: &'a BTreeMap<String, String>,
}

fn convert_step(
    s: &raw::CanaryStep,
    p: &FieldPath,
    ctx: &StepContext,
    report: &mut Report,
) -> Option<Step> {
    let (routed, max_weight) = (ctx.routed, ctx.max_weight);
    // `hasMultipleStepsType`: these kinds exclude each other.
    let exclusive: Vec<&str> = [
        ("setWeight", s.set_weight.is_some()),
        ("pause", s.pause.is_some()),
        ("experiment", s.experiment.is_some()),
        ("analysis", s.analysis.is_some()),
        ("plugin", s.plugin.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(n, _)| *n)
    .collect();
    if exclusive.len() > 1 {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!("a step can be only one of setWeight, pause, experiment, analysis, plugin; this one is {}", exclusive.join(" and ")),
        );
        return None;
    }
    let companions = s.set_canary_scale.is_some()
        || s.set_header_route.is_some()
        || s.set_mirror_route.is_some();
    if exclusive.is_empty() && !companions {
        report.error(
            p,
            DiagKind::InvalidValue,
            "a step needs one of setWeight, pause, setCanaryScale, analysis, experiment, setHeaderRoute, setMirrorRoute, plugin",
        );
        return None;
    }
    if exclusive.contains(&"plugin") {
        report.not_simulated(&p.key("plugin"), "the plugin step");
    }
    let router = RouterContext {
        traffic_routing: ctx.canary.traffic_routing.as_ref(),
    };
    let set_header_route = match &s.set_header_route {
        None => None,
        Some(h) => Some(convert_header_route(
            h,
            &p.key("setHeaderRoute"),
            &router,
            report,
        )?),
    };
    let set_mirror_route = match &s.set_mirror_route {
        None => None,
        Some(m) => Some(convert_mirror_route(
            m,
            &p.key("setMirrorRoute"),
            &router,
            report,
        )?),
    };
    let experiment = match &s.experiment {
        None => None,
        Some(e) => {
            let tr = ctx.canary.traffic_routing.as_ref();
            let ectx = ExperimentContext {
                routed,
                weight_router: tr
                    .is_some_and(|t| t.alb.is_some() || t.smi.is_some() || t.istio.is_some()),
                template_labels: ctx.template_labels,
            };
            Some(convert_experiment(e, &p.key("experiment"), &ectx, report)?)
        }
    };
    let set_weight = match s.set_weight {
        Some(w) if w < 0 || w > i64::from(max_weight) => {
            report.error(
                &p.key("setWeight"),
                DiagKind::InvalidValue,
                format!("setWeight {w} is outside 0..{max_weight}"),
            );
            return None;
        }
        // In 0..=max_weight here, so it converts.
        w => w.and_then(|w| u32::try_from(w).ok()),
    };
    let pause = match &s.pause {
        None => None,
        Some(pause) => Some(Pause {
            duration: match &pause.duration {
                None => None,
                Some(d) => Some(convert_pause_duration(
                    d,
                    &p.key("pause").key("duration"),
                    report,
                )?),
            },
        }),
    };
    let set_canary_scale = match &s.set_canary_scale {
        None => None,
        Some(sc) => Some(convert_canary_scale(
            sc,
            &p.key("setCanaryScale"),
            routed,
            report,
        )?),
    };
    let analysis = match &s.analysis {
        None => None,
        Some(a) => Some(convert_rollout_analysis(a, &p.key("analysis"), report)?),
    };
    Some(Step {
        set_weight,
        pause,
        set_canary_scale,
        analysis,
        experiment,
        set_header_route,
        set_mirror_route,
    })
}

/// A delay of 0 does not mean "at once": Argo then never scales the previous ReplicaSet down
/// (upstream issue #1992); worth telling whoever writes it.
fn note_zero_scale_down_delay(delay: Option<u32>, p: &FieldPath, report: &mut Report) {
    if delay == Some(0) {
        report.note(
            p,
            "scaleDownDelaySeconds: 0 keeps the previous ReplicaSet running: Argo Rollouts \
             never scales it down (only scaleDownDelayRevisionLimit removes it; upstream \
             issue #1992), and rollout-sim does the same",
        );
    }
}

fn convert_canary_scale(
    sc: &raw::SetCanaryScale,
    sp: &FieldPath,
    routed: bool,
    report: &mut Report,
) -> Option<CanaryScale> {
    if !routed {
        report.error(
            sp,
            DiagKind::InvalidValue,
            "setCanaryScale requires trafficRouting",
        );
    }
    let fields = [
        sc.replicas.is_some(),
        sc.weight.is_some(),
        sc.match_traffic_weight == Some(true),
    ];
    if fields.iter().filter(|b| **b).count() != 1 {
        report.error(
            sp,
            DiagKind::InvalidValue,
            "setCanaryScale needs exactly one of replicas, weight, matchTrafficWeight: true",
        );
    }
    let replicas = report.count(&sp.key("replicas"), sc.replicas, MAX_REPLICAS);
    let weight = report.count(&sp.key("weight"), sc.weight, 100);
    Some(CanaryScale {
        replicas: replicas.map(count_i32),
        weight: weight.map(count_i32),
        match_traffic_weight: sc.match_traffic_weight.unwrap_or(false),
    })
}

/// Argo's `RolloutPause.DurationSeconds`: an integer is seconds; a string is tried as an
/// integer, then as a Go duration, truncated to whole seconds.
fn convert_pause_duration(
    d: &IntOrString,
    p: &FieldPath,
    report: &mut Report,
) -> Option<PauseDuration> {
    let (parsed, text) = match d {
        IntOrString::Int(i) if *i < 0 => {
            report.error(
                p,
                DiagKind::InvalidValue,
                "a pause duration must not be negative",
            );
            return None;
        }
        // Not negative here (refused above), so its magnitude is its value.
        IntOrString::Int(i) => (Ok(SimDuration::from_secs(i.unsigned_abs())), i.to_string()),
        IntOrString::Str(s) => (parse_duration(s), s.clone()),
    };
    match parsed {
        Ok(dur) if dur.whole_secs() > MAX_SECONDS.unsigned_abs() => {
            report.error(
                p,
                DiagKind::InvalidValue,
                format!("`{text}` is longer than rollout-sim supports"),
            );
            None
        }
        Ok(dur) => Some(PauseDuration {
            seconds: dur.whole_secs(),
            text,
        }),
        Err(e) => {
            report.error(p, DiagKind::InvalidValue, e.to_string());
            None
        }
    }
}
