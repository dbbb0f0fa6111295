//! The spec of an AnalysisRun, built from the templates a rollout names as Argo's
//! `NewAnalysisRunFromTemplates` builds it: referenced templates (and the templates they
//! reference) are collected once each, namespaced before cluster-scoped; their metrics are
//! concatenated (two metrics of one name are an error), their arguments merged (one name with
//! two different values is an error), and the rollout's arguments override the templates'
//! by name. An argument left with no value is an error (`args.NAME was not resolved`).

use crate::api::analysis::{
    AnalysisTemplate, Argument, HashOf, MetricSpec, Retention, RolloutAnalysis, Secret,
    TemplateRef, ValueFrom,
};
use crate::api::raw;

use super::metric::{self, Metric};
use super::run::ArgValue;

/// What a run measures, before the rollout's `valueFrom` arguments are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Names of the templates, in the order their metrics come.
    pub templates: Vec<String>,
    /// Every template's metrics, concatenated, still with their `{{args.*}}` placeholders.
    pub metrics: Vec<MetricSpec>,
    /// The templates' arguments merged by name, the rollout's values or sources overriding
    /// them (an argument no template declares is dropped).
    pub args: Vec<Argument>,
    /// `dryRun` rules (regular expressions matched against metric names), the rollout's then
    /// each template's.
    pub dry_run: Vec<String>,
    /// `measurementRetention`, the rollout's then each template's: how many measurements a
    /// metric keeps in its status.
    pub measurement_retention: Vec<Retention>,
}

/// Whether a `dryRun` or `measurementRetention` rule matches a metric name. Argo's
/// `GetDryRunMetrics` and `GetMeasurementRetentionMetrics` (`utils/analysis/helpers.go`) call
/// Go's `regexp.MatchString`: the rule is a regular expression found anywhere in the name
/// (`.*` matches every metric, `error` matches `error-rate`), and a rule that is not a valid
/// expression (such as a lone `*`) matches nothing, its error dropped. Go's `regexp` and the
/// `regex` crate read the same RE2 syntax.
fn rule_matcher(rule: &str) -> impl Fn(&str) -> bool {
    let re = regex::Regex::new(rule).ok();
    move |name| re.as_ref().is_some_and(|re| re.is_match(name))
}

/// The first `dryRun` rule, then `measurementRetention` rule, of `spec` that matches none of
/// its metrics, as `dryRun[I]` or `measurementRetention[I]`. Argo's `GetDryRunMetrics` and
/// `GetMeasurementRetentionMetrics` refuse such a rule, so every AnalysisRun of the spec ends
/// in Error; [`resolve_metrics`] applies the same rule when a run starts, `lint` notes it.
pub fn unmatched_rule(spec: &RunSpec) -> Option<String> {
    let matches_none = |rule: &str| {
        let matches = rule_matcher(rule);
        !spec.metrics.iter().any(|m| matches(&m.name))
    };
    let dry_run = spec.dry_run.iter().position(|r| matches_none(r));
    let retention = || {
        spec.measurement_retention
            .iter()
            .position(|r| matches_none(&r.metric))
    };
    dry_run
        .map(|i| format!("dryRun[{i}]"))
        .or_else(|| retention().map(|i| format!("measurementRetention[{i}]")))
}

/// Finds a referenced template.
fn find<'t>(templates: &'t [AnalysisTemplate], r: &TemplateRef) -> Option<&'t AnalysisTemplate> {
    templates
        .iter()
        .find(|t| t.name == r.name && t.cluster_scope == r.cluster_scope)
}

/// Collects the templates of `refs` and their nested references, each once.
fn collect<'t>(
    templates: &'t [AnalysisTemplate],
    refs: &[TemplateRef],
    depth: usize,
    out: &mut Vec<&'t AnalysisTemplate>,
) -> Result<(), String> {
    if depth > 16 {
        return Err("analysis templates reference each other too deeply (a cycle?)".into());
    }
    for r in refs {
        let Some(t) = find(templates, r) else {
            let kind = if r.cluster_scope {
                "ClusterAnalysisTemplate"
            } else {
                "AnalysisTemplate"
            };
            return Err(format!("{kind} `{}` not found", r.name));
        };
        if !out.iter().any(|x| std::ptr::eq(*x, t)) {
            out.push(t);
        }
        collect(templates, &t.templates, depth + 1, out)?;
    }
    Ok(())
}

/// The metrics of the templates `analysis` names (nested ones included), as far as they are
/// found, for an analysis whose run cannot be built: its other problems are reported on their
/// own, and the metrics it names must not look unknown on top of them.
pub fn referenced_metrics(
    analysis: &RolloutAnalysis,
    templates: &[AnalysisTemplate],
) -> Vec<MetricSpec> {
    let mut used = Vec::new();
    // A missing template stops the walk; the ones found before it still count.
    let _ = collect(templates, &analysis.templates, 0, &mut used);
    used.iter()
        .flat_map(|t| t.metrics.iter().cloned())
        .collect()
}

/// Builds the spec of a run of `analysis`.
pub fn build(
    analysis: &RolloutAnalysis,
    templates: &[AnalysisTemplate],
) -> Result<RunSpec, String> {
    let mut used = Vec::new();
    collect(templates, &analysis.templates, 0, &mut used)?;
    // Namespaced templates first, then cluster-scoped ones, as FlattenTemplates orders them.
    used.sort_by_key(|t| t.cluster_scope);

    let mut metrics: Vec<MetricSpec> = Vec::new();
    let mut args: Vec<Argument> = Vec::new();
    let mut dry_run = analysis.dry_run.clone();
    let mut measurement_retention = analysis.measurement_retention.clone();
    for t in &used {
        for m in &t.metrics {
            if metrics.iter().any(|x| x.name == m.name) {
                return Err(format!("two metrics have the same name '{}'", m.name));
            }
            metrics.push(m.clone());
        }
        for a in &t.args {
            match args.iter_mut().find(|x| x.name == a.name) {
                Some(prev) => {
                    if let (Some(p), Some(n)) = (&prev.value, &a.value)
                        && p != n
                    {
                        return Err(format!(
                            "Argument `{}` specified multiple times with different values: '{p}', '{n}'",
                            a.name
                        ));
                    }
                    if prev.value.is_none() {
                        *prev = a.clone();
                    }
                }
                None => args.push(a.clone()),
            }
        }
        dry_run.extend(t.dry_run.iter().cloned());
        measurement_retention.extend(t.measurement_retention.iter().cloned());
    }
    for (i, d) in dry_run.iter().enumerate() {
        if dry_run[..i].contains(d) {
            return Err(format!("two Dry-Run metric rules have the same name '{d}'"));
        }
    }
    for (i, r) in measurement_retention.iter().enumerate() {
        if measurement_retention[..i]
            .iter()
            .any(|x| x.metric == r.metric)
        {
            return Err(format!(
                "two Measurement Retention metric rules have the same name '{}'",
                r.metric
            ));
        }
    }
    // `MergeArgs`: the rollout's value (or source) replaces the template's; arguments the
    // templates do not declare are ignored.
    for a in &analysis.args {
        if let Some(t) = args.iter_mut().find(|x| x.name == a.name) {
            if a.value.is_some() {
                t.value = a.value.clone();
            } else if a.value_from.is_some() {
                t.value_from = a.value_from.clone();
            }
        }
    }
    if let Some(a) = args
        .iter()
        .find(|a| a.value.is_none() && a.value_from.is_none())
    {
        return Err(format!("args.{} was not resolved", a.name));
    }
    Ok(RunSpec {
        templates: used.iter().map(|t| t.name.clone()).collect(),
        metrics,
        args,
        dry_run,
        measurement_retention,
    })
}

/// What arguments with a `valueFrom` read.
pub struct ArgSources<'a> {
    /// Pod-template hash of the stable ReplicaSet (`podTemplateHashValue: Stable`).
    pub stable_hash: &'a str,
    /// Pod-template hash of the newest ReplicaSet (`podTemplateHashValue: Latest`).
    pub latest_hash: &'a str,
    /// The rollout's name (`fieldRef: metadata.name`).
    pub rollout_name: &'a str,
    /// The rollout's namespace (`fieldRef: metadata.namespace`).
    pub namespace: &'a str,
    /// The rollout's labels (`fieldRef: metadata.labels['KEY']`).
    pub labels: &'a std::collections::BTreeMap<String, String>,
    /// The rollout's annotations (`fieldRef: metadata.annotations['KEY']`).
    pub annotations: &'a std::collections::BTreeMap<String, String>,
    /// The Secrets of the scenario, read by `secretKeyRef`.
    pub secrets: &'a [Secret],
}

/// Resolves every argument of a run to its value (`BuildArgumentsForRolloutAnalysisRun`,
/// then the analysis controller's Secret lookup). The error is Argo's wording.
pub fn resolve_args(spec: &RunSpec, src: &ArgSources) -> Result<Vec<ArgValue>, String> {
    let mut out = Vec::with_capacity(spec.args.len());
    for a in &spec.args {
        let value = match (&a.value, &a.value_from) {
            (Some(v), _) => v.clone(),
            (None, Some(ValueFrom::PodTemplateHash(HashOf::Stable))) => src.stable_hash.into(),
            (None, Some(ValueFrom::PodTemplateHash(HashOf::Latest))) => src.latest_hash.into(),
            (None, Some(ValueFrom::FieldRef(path))) => field(src, path),
            (None, Some(ValueFrom::Secret { name, key })) => {
                let Some(secret) = src.secrets.iter().find(|s| &s.name == name) else {
                    return Err(format!("secrets \"{name}\" not found"));
                };
                match secret.data.get(key) {
                    Some(v) => v.clone(),
                    None => {
                        return Err(format!("key '{key}' does not exist in secret '{name}'"));
                    }
                }
            }
            (None, None) => return Err(format!("args.{} was not resolved", a.name)),
        };
        out.push(ArgValue {
            name: a.name.clone(),
            value,
        });
    }
    Ok(out)
}

/// The arguments a rollout passes, with every `valueFrom` turned into a value
/// (`BuildArgumentsForRolloutAnalysisRun`, used when a rollout builds an Experiment).
pub fn resolve_rollout_args(args: &[Argument], src: &ArgSources) -> Vec<Argument> {
    args.iter()
        .map(|a| {
            let value = match (&a.value, &a.value_from) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(ValueFrom::PodTemplateHash(HashOf::Stable))) => {
                    Some(src.stable_hash.to_string())
                }
                (None, Some(ValueFrom::PodTemplateHash(HashOf::Latest))) => {
                    Some(src.latest_hash.to_string())
                }
                (None, Some(ValueFrom::FieldRef(path))) => Some(field(src, path)),
                (None, _) => None,
            };
            Argument {
                name: a.name.clone(),
                value,
                value_from: None,
            }
        })
        .collect()
}

/// A `metadata.*` field path of the rollout (`ExtractFieldPathAsString`); a missing label
/// reads as empty.
fn field(src: &ArgSources, path: &str) -> String {
    let key_of = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix("']"))
            .map(str::to_string)
    };
    match path {
        "metadata.name" => src.rollout_name.into(),
        "metadata.namespace" => src.namespace.into(),
        _ => {
            if let Some(k) = key_of("metadata.labels['") {
                src.labels.get(&k).cloned().unwrap_or_default()
            } else if let Some(k) = key_of("metadata.annotations['") {
                src.annotations.get(&k).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// Replaces `{{args.NAME}}` (spaces inside the braces allowed) in the JSON text of a metric,
/// escaping each value for a JSON string as `ResolveQuotedArgs` does. Any other tag, or an
/// argument that is not there, is an error.
pub fn substitute(text: &str, args: &[ArgValue]) -> Result<String, String> {
    replace_tags(text, |tag| {
        let name = tag.trim().strip_prefix("args.")?;
        let a = args.iter().find(|a| a.name == name)?;
        let quoted = serde_json::to_string(&a.value).unwrap_or_default();
        Some(quoted[1..quoted.len() - 1].to_string())
    })
}

/// Replaces every `{{tag}}` of `text` by what `resolve` gives for it, as Argo's templates do
/// (fasttemplate): a tag without its closing braces, or one `resolve` does not know, is an
/// error.
pub fn replace_tags(
    text: &str,
    resolve: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut unresolved = None;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!(
                "cannot find end tag=\"}}}}\" in the template={text:?}"
            ));
        };
        let tag = &after[..end];
        match resolve(tag) {
            Some(v) => out.push_str(&v),
            None => unresolved = Some(format!("failed to resolve {{{{{tag}}}}}")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    match unresolved {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The run's metrics, arguments substituted, read and validated. The error is the run's
/// message when it ends in Error.
pub fn resolve_metrics(spec: &RunSpec, args: &[ArgValue]) -> Result<Vec<Metric>, String> {
    let mut out = Vec::with_capacity(spec.metrics.len());
    for (i, m) in spec.metrics.iter().enumerate() {
        let json = serde_json::to_string(&m.raw.0).map_err(|e| e.to_string())?;
        let text = substitute(&json, args)
            .map_err(|e| format!("Unable to resolve metric arguments: {e}"))?;
        let raw: raw::Metric = serde_json::from_str(&text)
            .map_err(|e| format!("Unable to resolve metric arguments: {e}"))?;
        metric::validate_limits(&raw)
            .map_err(|e| format!("Analysis spec invalid: metrics[{i}]: {e}"))?;
        let metric = metric::read(&raw).map_err(|problems| {
            let (_, first) = &problems[0];
            format!("Analysis spec invalid: metrics[{i}]: {first}")
        })?;
        out.push(metric);
    }
    // The rules are matched once, when the run is created, as Argo builds its maps on each
    // reconcile from the same spec. A rule that matches no metric makes the spec invalid
    // (`GetDryRunMetrics`, `GetMeasurementRetentionMetrics`), whatever the other rules match.
    let no_match = |kind: &str, i: usize| {
        format!("Analysis spec invalid: {kind}[{i}]: Rule didn't match any metric name(s)")
    };
    for (i, rule) in spec.dry_run.iter().enumerate() {
        let matches = rule_matcher(rule);
        let mut matched = false;
        for m in out.iter_mut().filter(|m| matches(&m.name)) {
            m.dry_run = true;
            matched = true;
        }
        if !matched {
            return Err(no_match("dryRun", i));
        }
    }
    for (i, rule) in spec.measurement_retention.iter().enumerate() {
        let matches = rule_matcher(&rule.metric);
        let mut matched = false;
        // Later rules overwrite earlier ones, as Go's map assignment does.
        for m in out.iter_mut().filter(|m| matches(&m.name)) {
            m.retention = Some(rule.limit);
            matched = true;
        }
        if !matched {
            return Err(no_match("measurementRetention", i));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, value: &str) -> ArgValue {
        ArgValue {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn substitution_follows_resolve_quoted_args() {
        let args = [arg("service", "web \"v2\""), arg("n", "3")];
        assert_eq!(
            substitute(
                r#"{"q":"up{svc=\"{{ args.service }}\"}","c":"{{args.n}}"}"#,
                &args
            )
            .unwrap(),
            r#"{"q":"up{svc=\"web \"v2\"\"}","c":"3"}"#.replace("web \"v2\"", "web \\\"v2\\\"")
        );
        assert_eq!(
            substitute("{{args.missing}}", &args).unwrap_err(),
            "failed to resolve {{args.missing}}"
        );
        assert!(substitute("{{args.n", &args).is_err());
    }

    /// A run spec of metrics named `names` (web provider, one measurement each).
    fn spec_of(names: &[&str]) -> RunSpec {
        let metrics = names
            .iter()
            .map(|n| {
                let raw: raw::Metric = serde_json::from_value(serde_json::json!({
                    "name": n, "provider": {"web": {"url": "http://x"}}
                }))
                .unwrap();
                MetricSpec {
                    name: n.to_string(),
                    provider: crate::api::analysis::ProviderKind::Web,
                    raw: crate::api::analysis::RawMetric(raw),
                    origin: Default::default(),
                }
            })
            .collect();
        RunSpec {
            templates: vec!["t".into()],
            metrics,
            args: Vec::new(),
            dry_run: Vec::new(),
            measurement_retention: Vec::new(),
        }
    }

    #[test]
    fn dry_run_rules_are_regular_expressions_matched_anywhere_in_the_name() {
        let dry = |rules: &[&str]| {
            let mut spec = spec_of(&["error-rate", "latency", "random-fail"]);
            spec.dry_run = rules.iter().map(|r| r.to_string()).collect();
            resolve_metrics(&spec, &[])
                .unwrap()
                .iter()
                .filter(|m| m.dry_run)
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(dry(&[".*"]), ["error-rate", "latency", "random-fail"]);
        assert_eq!(dry(&["random.*"]), ["random-fail"]);
        assert_eq!(dry(&["rate"]), ["error-rate"]);
        assert_eq!(dry(&["^latency$"]), ["latency"]);
        assert!(dry(&[]).is_empty());
    }

    #[test]
    fn a_rule_matching_no_metric_makes_the_run_spec_invalid() {
        let mut spec = spec_of(&["error-rate", "latency"]);
        spec.dry_run = vec![".*".into(), "throughput".into()];
        assert_eq!(
            resolve_metrics(&spec, &[]).unwrap_err(),
            "Analysis spec invalid: dryRun[1]: Rule didn't match any metric name(s)"
        );
        // A lone `*` is not a valid expression: Go drops the error and it matches nothing.
        spec.dry_run = vec!["*".into()];
        assert_eq!(
            resolve_metrics(&spec, &[]).unwrap_err(),
            "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)"
        );
        spec.dry_run.clear();
        spec.measurement_retention = vec![Retention {
            metric: "error-count".into(),
            limit: 3,
        }];
        assert_eq!(
            resolve_metrics(&spec, &[]).unwrap_err(),
            "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)"
        );
    }

    #[test]
    fn retention_rules_match_by_regular_expression_and_the_last_wins() {
        let mut spec = spec_of(&["error-rate", "latency"]);
        spec.measurement_retention = vec![
            Retention {
                metric: ".*".into(),
                limit: 20,
            },
            Retention {
                metric: "lat".into(),
                limit: 5,
            },
        ];
        let kept: Vec<_> = resolve_metrics(&spec, &[])
            .unwrap()
            .iter()
            .map(|m| m.retention)
            .collect();
        assert_eq!(kept, [Some(20), Some(5)]);
    }
}
