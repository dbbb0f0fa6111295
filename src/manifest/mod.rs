//! Kubernetes and Argo Rollouts manifests: multi-document YAML files read into the serde mirror
//! (`api::raw`), then validated into the API types the simulation runs (`api::Rollout`,
//! `api::Service`, ...) with Argo's validation rules.
//! Documents of kinds the simulation does not use are read and skipped with a note.

pub mod analysis;
pub mod experiment;
pub(crate) mod names;
pub mod report;
pub mod rollout;
pub mod routes;

use std::collections::BTreeMap;
use std::path::Path;

use crate::api::analysis::{AnalysisTemplate, Secret};
use crate::api::{DisruptionBudget, IntOrString, Rollout, RouterObject, Service, raw};
use crate::input::de::from_node;
use crate::input::yaml::{parse_documents, read_text};
use crate::input::{DiagKind, Diagnostics, Document, FieldPath, InputError, Node};

pub use report::Report;

/// What a set of manifest files holds, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifests {
    /// The Rollouts, in the order given.
    pub rollouts: Vec<Rollout>,
    /// The Services the rollouts' strategies can name.
    pub services: Vec<Service>,
    /// The PodDisruptionBudgets, which limit evictions on the simulated cluster.
    pub budgets: Vec<DisruptionBudget>,
    /// AnalysisTemplates and ClusterAnalysisTemplates (`cluster_scope` tells them apart).
    pub templates: Vec<AnalysisTemplate>,
    /// The Secrets analysis arguments can read (`valueFrom.secretKeyRef`).
    pub secrets: Vec<Secret>,
    /// Ingresses and VirtualServices, kept to check the references of `trafficRouting`.
    pub routers: Vec<RouterObject>,
    /// Each `metadata.namespace` written on an object the simulation reads, with where it
    /// was first written: references resolve in one namespace only, so more than one is
    /// refused.
    pub namespaces: BTreeMap<String, crate::api::analysis::Origin>,
}

impl Manifests {
    /// Turns wall-clock times written in the manifests (`spec.restartAt`) into virtual time
    /// counted from `start` (a time before the start counts as 0).
    pub fn resolve_times(&mut self, start: chrono::DateTime<chrono::Utc>) {
        for r in &mut self.rollouts {
            r.spec.restart_at = r
                .restart_at_wall
                .map(|t| u64::try_from((t - start).num_milliseconds()).unwrap_or(0));
        }
    }

    /// Keeps, of the Services, budgets, templates and Secrets sharing a name, the last one
    /// given: `kubectl apply -f` applies documents in order, so the last is what a cluster
    /// holds. (Rollouts are left to the caller, which refuses two of one name.)
    pub fn keep_last_of_each_name(&mut self) {
        fn keep_last<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
            // The index of the last item of each key: one pass, then one retain.
            let last: std::collections::BTreeMap<K, usize> =
                items.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
            let mut i = 0;
            items.retain(|t| {
                let keep = last.get(&key(t)) == Some(&i);
                i += 1;
                keep
            });
        }
        keep_last(&mut self.services, |s| s.name.clone());
        keep_last(&mut self.budgets, |b| b.name.clone());
        keep_last(&mut self.templates, |t| (t.name.clone(), t.cluster_scope));
        keep_last(&mut self.secrets, |s| s.name.clone());
    }

    /// Appends every object of `other` after this set's (see `keep_last_of_each_name` for
    /// what a repeated name then means).
    pub fn merge(&mut self, other: Manifests) {
        self.rollouts.extend(other.rollouts);
        self.services.extend(other.services);
        self.budgets.extend(other.budgets);
        self.templates.extend(other.templates);
        self.secrets.extend(other.secrets);
        self.routers.extend(other.routers);
        for (ns, at) in other.namespaces {
            self.namespaces.entry(ns).or_insert(at);
        }
    }
}

/// Reads a manifest file. Errors name the file, line and field; notes (skipped documents,
/// ignored fields) are returned with the manifests.
pub fn load_file(path: &Path, display: &str) -> Result<(Manifests, Diagnostics), InputError> {
    let text = read_text(path, display).map_err(InputError::single)?;
    parse_text(display, &text)
}

/// Reads manifests from YAML text (`file` names it in diagnostics).
pub fn parse_text(file: &str, text: &str) -> Result<(Manifests, Diagnostics), InputError> {
    let docs = parse_documents(file, text).map_err(InputError::single)?;
    let mut diags = Diagnostics::default();
    let m = parse_documents_into(file, &docs, &mut diags);
    if diags.has_errors() {
        Err(InputError(diags))
    } else {
        Ok((m, diags))
    }
}

/// Converts already parsed documents, collecting diagnostics into `diags`.
pub fn parse_documents_into(file: &str, docs: &[Document], diags: &mut Diagnostics) -> Manifests {
    parse_documents_picking(file, docs, None, diags)
}

/// Converts documents as [`parse_documents_into`] does; with `pick` (`--rollout NAME`), the
/// other Rollouts are skipped with a note: checked as the API server would check them (types,
/// unknown fields, names), not for what the controller does with them, so a Rollout not run
/// is not refused for a feature the simulation lacks.
pub fn parse_documents_picking(
    file: &str,
    docs: &[Document],
    pick: Option<&str>,
    diags: &mut Diagnostics,
) -> Manifests {
    let mut out = Manifests::default();
    // Empty documents (`---` twice, or a Helm template that rendered to nothing but a
    // `# Source:` comment) hold no object.
    for doc in docs.iter().filter(|d| !d.root.is_null()) {
        // A document begun by a `...` line that has no `kind` is the rest of the object above
        // it, cut off: say so instead of the bare "no kind", since the object above then
        // also lacks what follows the `...`.
        if doc.after_end_marker && doc.root.get("kind").is_none() {
            diags.push(crate::input::Diagnostic::error(
                file,
                Some(doc.root.pos),
                &FieldPath::root(),
                DiagKind::Missing,
                "this object has no `kind`: a `...` line above ends the YAML document, so this \
                 line starts a new one, apart from the object above it (which therefore ends at \
                 the `...`); in the Argo docs `...` stands for fields left out of a snippet: \
                 delete that line (and write the fields it stands for)",
            ));
            continue;
        }
        parse_object_picking(
            file,
            &doc.root,
            &doc.root,
            &FieldPath::root(),
            pick,
            &mut out,
            diags,
        );
    }
    out
}

/// Converts one object, `node`, found at `base` under `root` (a whole document, or an entry of
/// a scenario's `objects`).
pub fn parse_object(
    file: &str,
    root: &Node,
    node: &Node,
    base: &FieldPath,
    out: &mut Manifests,
    diags: &mut Diagnostics,
) {
    parse_object_picking(file, root, node, base, None, out, diags);
}

/// [`parse_object`], skipping the Rollouts not named `pick` (see [`parse_documents_picking`]).
fn parse_object_picking(
    file: &str,
    root: &Node,
    node: &Node,
    base: &FieldPath,
    pick: Option<&str>,
    out: &mut Manifests,
    diags: &mut Diagnostics,
) {
    let mut report = Report::new(file, root);
    let api = node.get("apiVersion").and_then(|n| n.as_str());
    if let Some(kind) = node.get("kind").and_then(|n| n.as_str()) {
        names::check_metadata(node, base, kind, &mut report);
        check_api_version(kind, api, base, &mut report);
    }
    record_namespace(node, base, &report, out);
    match node.get("kind").and_then(|n| n.as_str()) {
        None => report.error(
            base,
            DiagKind::Missing,
            "this object has no `kind`; every manifest needs apiVersion and kind",
        ),
        Some("Rollout") => {
            let (raw, ds) = from_node::<raw::Rollout>(file, node, base);
            report.extend(ds);
            let name = raw.as_ref().and_then(|r| r.metadata.name.as_deref());
            if let (Some(w), Some(name)) = (pick, name)
                && w != name
            {
                report.note(
                    base,
                    format!("skipped Rollout `{name}`: --rollout picked `{w}`"),
                );
            } else if let Some(raw) = raw
                && let Some(r) = rollout::convert(&raw, base, &mut report)
            {
                out.rollouts.push(r);
            }
        }
        Some("Service") => {
            let (raw, ds) = from_node::<raw::Service>(file, node, base);
            report.extend(ds);
            if let Some(raw) = raw {
                match raw.metadata.name {
                    Some(name) if !name.is_empty() => out.services.push(Service {
                        name,
                        selector: raw.spec.selector.unwrap_or_default(),
                    }),
                    _ => report.error(
                        &base.key("metadata"),
                        DiagKind::Missing,
                        "a Service needs metadata.name",
                    ),
                }
            }
        }
        Some("PodDisruptionBudget") => {
            let (raw, ds) = from_node::<raw::PodDisruptionBudget>(file, node, base);
            report.extend(ds);
            if let Some(raw) = raw
                && let Some(b) = convert_budget(raw, base, &mut report)
            {
                out.budgets.push(b);
            }
        }
        Some(kind @ ("AnalysisTemplate" | "ClusterAnalysisTemplate")) => {
            let (raw, ds) = from_node::<raw::AnalysisTemplate>(file, node, base);
            report.extend(ds);
            if let Some(raw) = raw
                && let Some(t) = analysis::convert_template(
                    &raw,
                    kind == "ClusterAnalysisTemplate",
                    base,
                    &mut report,
                )
            {
                out.templates.push(t);
            }
        }
        Some("Secret") => {
            let (raw, ds) = from_node::<raw::Secret>(file, node, base);
            report.extend(ds);
            if let Some(raw) = raw
                && let Some(secret) = analysis::convert_secret(&raw, base, &mut report)
            {
                out.secrets.push(secret);
            }
        }
        // `kubectl get -o yaml` and some generators wrap objects in a `List` (`v1/List`, or a
        // typed list such as `ServiceList`): its items are read as if written one per document.
        Some(kind) if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) => {
            match node.get("items") {
                Some(Node {
                    value: crate::input::yaml::Value::Seq(items),
                    ..
                }) => {
                    for (i, item) in items.iter().enumerate() {
                        let at = base.key("items").index(i);
                        parse_object_picking(file, root, item, &at, pick, out, diags);
                    }
                }
                Some(n) if !n.is_null() => report.error(
                    &base.key("items"),
                    DiagKind::WrongType,
                    "a List's items are a list of Kubernetes objects",
                ),
                _ => {}
            }
        }
        Some(kind) => {
            let name = node
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or("(unnamed)");
            if let Some(r) = router_object(kind, name, node) {
                out.routers.push(r);
            }
            let what = match kind {
                "Ingress" | "VirtualService" => {
                    "routing is simulated as one generic weighted router (read only to check \
                     the Rollout's trafficRouting names it)"
                }
                "AnalysisRun" => "the rollout creates its own AnalysisRuns",
                "Experiment" => "stand-alone Experiments are not simulated yet",
                _ => "this kind is not used by the simulation",
            };
            // A kind one or two letters from one the simulation reads is a typo, most likely.
            let near = API_VERSIONS
                .iter()
                .map(|(k, _)| *k)
                .find(|k| crate::input::de::edit_distance(kind, k) <= 2)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            report.note(base, format!("skipped {kind} `{name}`: {what}{near}"));
        }
    }
    diags.extend(report.diags);
}

/// Notes the `metadata.namespace` of an object of a namespaced kind the simulation reads.
fn record_namespace(node: &Node, base: &FieldPath, report: &Report, out: &mut Manifests) {
    const READ: [&str; 7] = [
        "Rollout",
        "Service",
        "PodDisruptionBudget",
        "AnalysisTemplate",
        "Secret",
        "Ingress",
        "VirtualService",
    ];
    let kind = node.get("kind").and_then(Node::as_str);
    if !kind.is_some_and(|k| READ.contains(&k)) {
        return;
    }
    let Some(ns) = node
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
    else {
        return;
    };
    let at = report.origin(&base.key("metadata").key("namespace"));
    out.namespaces.entry(ns.to_string()).or_insert(at);
}

/// An Ingress or VirtualService, with the backend Services of an Ingress's rules
/// (`networking.k8s.io/v1` `backend.service.name`, or the older `backend.serviceName`), as
/// `HasRuleWithService` (utils/ingress) reads them.
fn router_object(kind: &str, name: &str, node: &Node) -> Option<RouterObject> {
    let kind = match kind {
        "Ingress" => "Ingress",
        "VirtualService" => "VirtualService",
        _ => return None,
    };
    let mut backends = Vec::new();
    let seq = |n: Option<&Node>| -> Vec<Node> {
        match n.map(|n| &n.value) {
            Some(crate::input::yaml::Value::Seq(items)) => items.clone(),
            _ => Vec::new(),
        }
    };
    for rule in seq(node.get("spec").and_then(|s| s.get("rules"))) {
        for path in seq(rule.get("http").and_then(|h| h.get("paths"))) {
            let Some(b) = path.get("backend") else {
                continue;
            };
            let svc = b
                .get("service")
                .and_then(|s| s.get("name"))
                .or_else(|| b.get("serviceName"))
                .and_then(Node::as_str);
            backends.extend(svc.map(str::to_string));
        }
    }
    Some(RouterObject {
        kind,
        name: name.to_string(),
        backends,
    })
}

/// The API groups and versions of the kinds the simulation reads, as a cluster serves them:
/// a manifest with another (`argoproj.io/v1`, a typo) would be refused by `kubectl apply`.
const API_VERSIONS: [(&str, &[&str]); 6] = [
    ("Rollout", &["argoproj.io/v1alpha1"]),
    ("AnalysisTemplate", &["argoproj.io/v1alpha1"]),
    ("ClusterAnalysisTemplate", &["argoproj.io/v1alpha1"]),
    ("Service", &["v1"]),
    ("Secret", &["v1"]),
    // policy/v1beta1 was served until Kubernetes 1.25, and older manifests still carry it.
    ("PodDisruptionBudget", &["policy/v1", "policy/v1beta1"]),
];

/// Refuses a missing or wrong `apiVersion` on a kind the simulation reads.
fn check_api_version(kind: &str, api: Option<&str>, base: &FieldPath, report: &mut Report) {
    let Some((_, versions)) = API_VERSIONS.iter().find(|(k, _)| *k == kind) else {
        return;
    };
    let expected = versions.join(" or ");
    match api {
        None => report.error(
            base,
            DiagKind::Missing,
            format!("this {kind} has no `apiVersion`: it is {expected}"),
        ),
        Some(a) if !versions.contains(&a) => report.error(
            &base.key("apiVersion"),
            DiagKind::InvalidValue,
            format!("a {kind}'s apiVersion is {expected}, not `{a}`"),
        ),
        Some(_) => {}
    }
}

fn convert_budget(
    raw: raw::PodDisruptionBudget,
    base: &FieldPath,
    report: &mut Report,
) -> Option<DisruptionBudget> {
    let spec = base.key("spec");
    let name = raw.metadata.name.filter(|n| !n.is_empty());
    if name.is_none() {
        report.error(
            &base.key("metadata"),
            DiagKind::Missing,
            "a PodDisruptionBudget needs metadata.name",
        );
    }
    let selector = raw.spec.selector.unwrap_or_default();
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        report.not_simulated(
            &spec.key("selector").key("matchExpressions"),
            "selector.matchExpressions",
        );
    }
    match (&raw.spec.min_available, &raw.spec.max_unavailable) {
        (Some(_), Some(_)) => report.error(
            &spec,
            DiagKind::InvalidValue,
            "set minAvailable or maxUnavailable, not both",
        ),
        (None, None) => report.error(
            &spec,
            DiagKind::Missing,
            "set minAvailable or maxUnavailable",
        ),
        _ => {}
    }
    for (key, v) in [
        ("minAvailable", &raw.spec.min_available),
        ("maxUnavailable", &raw.spec.max_unavailable),
    ] {
        match v {
            Some(IntOrString::Int(i)) if *i < 0 => report.error(
                &spec.key(key),
                DiagKind::InvalidValue,
                "must not be negative",
            ),
            Some(IntOrString::Str(s))
                if !s.ends_with('%') || s.trim_end_matches('%').parse::<u32>().is_err() =>
            {
                report.error(
                    &spec.key(key),
                    DiagKind::InvalidValue,
                    format!("`{s}` is not a percentage"),
                )
            }
            _ => {}
        }
    }
    Some(DisruptionBudget {
        name: name?,
        selector: selector.match_labels.unwrap_or_default(),
        min_available: raw.spec.min_available,
        max_unavailable: raw.spec.max_unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{PauseDuration, Step};

    const DEMO: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 5
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: demo
        image: argoproj/rollouts-demo:blue
        ports: [{containerPort: 8080}]
  strategy:
    canary:
      maxSurge: \"25%\"
      steps:
      - setWeight: 20
      - pause: {}
      - pause: {duration: 45}
      - pause: {duration: 1.9s}
---
apiVersion: v1
kind: Service
metadata: {name: demo}
spec:
  selector: {app: demo}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: demo}
spec: {}
";

    #[test]
    fn reads_rollout_service_and_skips_others() {
        let (m, notes) = parse_text("demo.yaml", DEMO).expect("valid");
        assert_eq!(m.rollouts.len(), 1);
        let r = &m.rollouts[0];
        assert_eq!(r.name, "demo");
        assert_eq!(r.spec.replicas(), 5);
        let c = r.spec.canary().unwrap();
        assert_eq!(c.steps.len(), 4);
        assert_eq!(c.steps[2].describe(), "pause: 45");
        assert_eq!(
            c.steps[3],
            Step::pause(Some(PauseDuration {
                seconds: 1,
                text: "1.9s".into()
            }))
        );
        assert_eq!(m.services[0].selector["app"], "demo");
        assert_eq!(notes.notes().count(), 1);
    }

    fn errors_of(text: &str) -> Vec<(u32, String, DiagKind)> {
        let err = parse_text("bad.yaml", text).expect_err("invalid");
        err.0
            .errors()
            .map(|d| (d.pos.map_or(0, |p| p.line), d.path.clone(), d.kind))
            .collect()
    }

    #[test]
    fn reports_all_problems_with_lines() {
        let bad = DEMO
            .replace("setWeight: 20", "setWeight: 120")
            .replace("{duration: 45}", "{duration: \"ten seconds\"}")
            .replace(
                "        image: argoproj",
                "        imagePullPolicyy: Always\n        image: argoproj",
            );
        let errs = errors_of(&bad);
        assert!(
            errs.contains(&(
                15,
                "spec.template.spec.containers[0].imagePullPolicyy".into(),
                DiagKind::UnknownKey
            )),
            "{errs:?}"
        );
        assert!(
            errs.contains(&(
                22,
                "spec.strategy.canary.steps[0].setWeight".into(),
                DiagKind::InvalidValue
            )),
            "{errs:?}"
        );
        assert!(
            errs.contains(&(
                24,
                "spec.strategy.canary.steps[2].pause.duration".into(),
                DiagKind::InvalidValue
            )),
            "{errs:?}"
        );
    }

    #[test]
    fn names_features_not_simulated() {
        let bad = DEMO.replace("      - pause: {}\n", "      - plugin: {name: x}\n");
        let errs = errors_of(&bad);
        assert!(
            errs.iter()
                .any(|(_, p, k)| p == "spec.strategy.canary.steps[1].plugin"
                    && *k == DiagKind::NotSimulated),
            "{errs:?}"
        );
    }

    #[test]
    fn missing_kind_and_selector_mismatch() {
        let errs = errors_of("metadata: {name: x}\n");
        assert_eq!(errs[0].2, DiagKind::Missing);
        let bad = DEMO.replace("matchLabels: {app: demo}", "matchLabels: {app: other}");
        let errs = errors_of(&bad);
        assert!(
            errs.iter()
                .any(|(_, p, _)| p == "spec.selector.matchLabels.app"),
            "{errs:?}"
        );
    }
}
