//! The scenario's `traffic:` and `metrics:`: how many requests the application gets, and where
//! the measurements of each analysis metric come from (SCENARIO.md §1). Also the checks that
//! tie the two to the manifests: every template a rollout names exists, every argument gets a
//! value, and every metric it would measure has a model (a job metric may go without one).

use std::collections::BTreeMap;

use crate::analysis::expr::Value;
use crate::analysis::run::AnalysisPhase;
use crate::analysis::spec;
use crate::api::analysis::{ProviderKind, RolloutAnalysis};
use crate::api::{IntOrString, Rollout};
use crate::engine::SimDuration;
use crate::input::{DiagKind, Diagnostics, FieldPath};
use crate::manifest::{Manifests, Report};

use super::load::duration;
use super::raw;

/// The finest traffic tick: ten per second already resolves every metric window and analysis
/// interval the simulator accepts (at least 1s); finer ticks would only multiply the work.
pub const MIN_TICK: SimDuration = SimDuration(100);
/// The coarsest traffic tick.
pub const MAX_TICK: SimDuration = SimDuration(3_600_000);

/// `traffic:`: requests per second, aggregated per tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficModel {
    /// Requests per second the application gets once it first goes live.
    pub rps: f64,
    /// The aggregation step, between [`MIN_TICK`] and [`MAX_TICK`].
    pub tick: SimDuration,
}

/// Which requests a traffic-based metric looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficQuery {
    /// `stable`, `canary`, `active`, `preview` or `total`.
    pub role: String,
    /// How far back the query looks (a Prometheus range such as `[1m]`).
    pub window: SimDuration,
    /// A second role whose value is subtracted (canary against baseline, as a comparison
    /// query or Kayenta judges them).
    pub minus: Option<String>,
}

/// Where the measurements of a metric come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricModel {
    /// Fraction of the role's requests that succeeded in the window.
    SuccessRate(TrafficQuery),
    /// Fraction that failed.
    ErrorRate(TrafficQuery),
    /// A latency quantile of the role's requests, in seconds.
    Latency {
        /// Whose requests, over which window.
        query: TrafficQuery,
        /// The quantile in 0..=1 (`0.99` for p99).
        quantile: f64,
    },
    /// The same value every time.
    Value(Value),
    /// One value per measurement; the last one repeats.
    Values(Vec<Value>),
    /// Drawn from a normal distribution (seeded metric stream).
    Normal {
        /// The distribution's mean.
        mean: f64,
        /// Its standard deviation.
        stddev: f64,
    },
    /// Every measurement is an Error.
    Error,
    /// A Job that runs `duration` and ends `phase` (Successful or Failed).
    Job {
        /// How long the Job runs.
        duration: SimDuration,
        /// How it ends: Successful or Failed.
        phase: AnalysisPhase,
    },
    /// Every measurement ends in this phase, whatever the metric's conditions say: a metric
    /// of a bare manifest with no model (assumed Successful), or `--metric NAME=fail`.
    Assumed(AnalysisPhase),
}

impl MetricModel {
    /// Whether it reads simulated traffic.
    pub fn needs_traffic(&self) -> bool {
        matches!(
            self,
            MetricModel::SuccessRate(_) | MetricModel::ErrorRate(_) | MetricModel::Latency { .. }
        )
    }
}

/// How long a job metric with no model runs before it succeeds.
pub const DEFAULT_JOB_DURATION: SimDuration = SimDuration(5_000);
/// The window of a traffic query that does not give one.
pub const DEFAULT_WINDOW: SimDuration = SimDuration(60_000);

/// The roles of versions that traffic conditions and metric models name.
pub const ROLES: [&str; 6] = [
    "stable",
    "canary",
    "active",
    "preview",
    "experiment",
    "total",
];

pub(crate) fn convert_traffic(
    t: &raw::Traffic,
    p: &FieldPath,
    report: &mut Report,
) -> Option<TrafficModel> {
    let rps = match t.rps {
        Some(r) if r.is_finite() && r > 0.0 && r <= 10_000_000.0 => r,
        Some(r) => {
            report.error(
                &p.key("rps"),
                DiagKind::InvalidValue,
                format!("{r} requests per second: give a number above 0 and at most 10000000"),
            );
            return None;
        }
        None => {
            report.error(
                &p.key("rps"),
                DiagKind::Missing,
                "traffic needs `rps` (requests per second)",
            );
            return None;
        }
    };
    let tick = match &t.tick {
        None => SimDuration::from_secs(1),
        Some(v) => {
            let d = duration(v, &p.key("tick"), report)?;
            if d < MIN_TICK || d > MAX_TICK {
                report.error(
                    &p.key("tick"),
                    DiagKind::InvalidValue,
                    format!(
                        "the tick is {d}; it must be between {MIN_TICK} and {MAX_TICK} (traffic \
                         is counted per tick, and finer ticks only multiply the work and the \
                         output: metrics read windows of seconds to minutes, and an analysis \
                         measures at most once a second)"
                    ),
                );
                return None;
            }
            d
        }
    };
    Some(TrafficModel { rps, tick })
}

/// `traffic.managedRoutes`: for each route the Rollout manages, the fraction of all requests
/// that match its rules. Fractions are of all requests and taken as disjoint (a request
/// matches one route at most), so they add up to at most 1.
pub fn convert_route_matches(
    m: &BTreeMap<String, f64>,
    managed: &[String],
    p: &FieldPath,
    report: &mut Report,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (name, f) in m {
        if !managed.contains(name) {
            report.error_at_key(
                &p.key(name),
                DiagKind::UnknownKey,
                format!(
                    "`{name}` is not a managed route of the Rollout (trafficRouting.managedRoutes: {})",
                    if managed.is_empty() {
                        "none".to_string()
                    } else {
                        managed.join(", ")
                    }
                ),
            );
            continue;
        }
        if !(f.is_finite() && (0.0..=1.0).contains(f)) {
            report.error(
                &p.key(name),
                DiagKind::InvalidValue,
                format!("{f}: give the fraction of requests that match, between 0 and 1"),
            );
            continue;
        }
        out.insert(name.clone(), *f);
    }
    let total: f64 = out.values().sum();
    if total > 1.0 + 1e-9 {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!(
                "the fractions add up to {total}: a request matches one route at most, so they \
                 add up to at most 1"
            ),
        );
    }
    out
}

fn role(r: &str, p: &FieldPath, report: &mut Report) -> Option<String> {
    // `experiment:NAME`: the ReplicaSet of one template of the experiment.
    let template = r.strip_prefix("experiment:").is_some_and(|n| !n.is_empty());
    if ROLES.contains(&r) || template {
        Some(r.to_string())
    } else {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!(
                "`{r}` is not a role: use one of {}, or experiment:TEMPLATE",
                ROLES.join(", ")
            ),
        );
        None
    }
}

/// `canary` or `{role: canary, window: 2m}`.
fn query(v: &serde_json::Value, p: &FieldPath, report: &mut Report) -> Option<TrafficQuery> {
    match v {
        serde_json::Value::String(r) => Some(TrafficQuery {
            role: role(r, p, report)?,
            window: DEFAULT_WINDOW,
            minus: None,
        }),
        serde_json::Value::Object(m) => {
            for k in m.keys() {
                if k != "role" && k != "window" && k != "minus" {
                    report.error_at_key(
                        &p.key(k),
                        DiagKind::UnknownKey,
                        format!("unknown key `{k}`; expected role, window or minus"),
                    );
                }
            }
            let minus = match m.get("minus") {
                None => None,
                Some(serde_json::Value::String(r)) => Some(role(r, &p.key("minus"), report)?),
                Some(_) => {
                    report.error(&p.key("minus"), DiagKind::WrongType, "a role");
                    return None;
                }
            };
            let r = match m.get("role") {
                Some(serde_json::Value::String(r)) => role(r, &p.key("role"), report)?,
                _ => {
                    report.error(&p.key("role"), DiagKind::Missing, "a role is needed");
                    return None;
                }
            };
            let window = match m.get("window") {
                None => DEFAULT_WINDOW,
                Some(serde_json::Value::String(s)) => {
                    duration(&IntOrString::Str(s.clone()), &p.key("window"), report)?
                }
                Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                    SimDuration::from_secs(n.as_u64().unwrap_or(0))
                }
                Some(_) => {
                    report.error(&p.key("window"), DiagKind::WrongType, "a duration");
                    return None;
                }
            };
            if window == SimDuration::ZERO {
                report.error(&p.key("window"), DiagKind::InvalidValue, "must be above 0");
                return None;
            }
            Some(TrafficQuery {
                role: r,
                window,
                minus,
            })
        }
        _ => {
            report.error(
                p,
                DiagKind::WrongType,
                "a role (`canary`) or `{role: canary, window: 1m}`",
            );
            None
        }
    }
}

fn convert_model(m: &raw::MetricModel, p: &FieldPath, report: &mut Report) -> Option<MetricModel> {
    let set: Vec<&str> = [
        ("successRate", m.success_rate.is_some()),
        ("errorRate", m.error_rate.is_some()),
        ("latency", m.latency.is_some()),
        ("value", m.value.is_some()),
        ("values", m.values.is_some()),
        ("normal", m.normal.is_some()),
        ("error", m.error.is_some()),
        ("job", m.job.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect();
    if set.len() != 1 {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!(
                "a metric model has exactly one of successRate, errorRate, latency, value, values, normal, error, job{}",
                if set.is_empty() {
                    String::new()
                } else {
                    format!("; this one has {}", set.join(" and "))
                }
            ),
        );
        return None;
    }
    if let Some(v) = &m.success_rate {
        return Some(MetricModel::SuccessRate(query(
            v,
            &p.key("successRate"),
            report,
        )?));
    }
    if let Some(v) = &m.error_rate {
        return Some(MetricModel::ErrorRate(query(
            v,
            &p.key("errorRate"),
            report,
        )?));
    }
    if let Some(l) = &m.latency {
        let lp = p.key("latency");
        let Some(r) = &l.role else {
            report.error(&lp.key("role"), DiagKind::Missing, "a role is needed");
            return None;
        };
        let quantile = l.quantile.unwrap_or(0.5);
        if !(quantile > 0.0 && quantile < 1.0) {
            report.error(
                &lp.key("quantile"),
                DiagKind::InvalidValue,
                "a quantile between 0 and 1 (exclusive), such as 0.99",
            );
            return None;
        }
        let window = match &l.window {
            None => DEFAULT_WINDOW,
            Some(w) => duration(w, &lp.key("window"), report)?,
        };
        let minus = match &l.minus {
            Some(m) => Some(role(m, &lp.key("minus"), report)?),
            None => None,
        };
        return Some(MetricModel::Latency {
            query: TrafficQuery {
                role: role(r, &lp.key("role"), report)?,
                window,
                minus,
            },
            quantile,
        });
    }
    if let Some(v) = &m.value {
        return Some(MetricModel::Value(v.clone()));
    }
    if let Some(vs) = &m.values {
        if vs.is_empty() {
            report.error(
                &p.key("values"),
                DiagKind::InvalidValue,
                "give at least one value",
            );
            return None;
        }
        return Some(MetricModel::Values(vs.clone()));
    }
    if let Some(n) = &m.normal {
        let np = p.key("normal");
        let (Some(mean), Some(stddev)) = (n.mean, n.stddev) else {
            report.error(&np, DiagKind::Missing, "normal needs mean and stddev");
            return None;
        };
        if !mean.is_finite() || !stddev.is_finite() || stddev < 0.0 {
            report.error(
                &np,
                DiagKind::InvalidValue,
                "mean must be a number and stddev a number >= 0",
            );
            return None;
        }
        return Some(MetricModel::Normal { mean, stddev });
    }
    if let Some(e) = m.error {
        if !e {
            report.error(
                &p.key("error"),
                DiagKind::InvalidValue,
                "`error: true` is the only form (leave the model out otherwise)",
            );
            return None;
        }
        return Some(MetricModel::Error);
    }
    let j = m.job.as_ref()?;
    let jp = p.key("job");
    let duration = match &j.duration {
        None => DEFAULT_JOB_DURATION,
        Some(d) => duration(d, &jp.key("duration"), report)?,
    };
    let phase = match j.phase.as_deref() {
        None | Some("Successful") => AnalysisPhase::Successful,
        Some("Failed") => AnalysisPhase::Failed,
        Some(other) => {
            report.error(
                &jp.key("phase"),
                DiagKind::InvalidValue,
                format!("`{other}`: a job ends Successful or Failed"),
            );
            return None;
        }
    };
    Some(MetricModel::Job { duration, phase })
}

pub(crate) fn convert_metrics(
    m: &BTreeMap<String, raw::MetricModel>,
    traffic: Option<&TrafficModel>,
    p: &FieldPath,
    report: &mut Report,
) -> BTreeMap<String, MetricModel> {
    let mut out = BTreeMap::new();
    for (name, raw) in m {
        let mp = p.key(name);
        let Some(model) = convert_model(raw, &mp, report) else {
            continue;
        };
        if model.needs_traffic() && traffic.is_none() {
            report.error(
                &mp,
                DiagKind::Missing,
                "this model reads simulated traffic: add `traffic: {rps: 100}` to the scenario",
            );
        }
        out.insert(name.clone(), model);
    }
    out
}

/// Every analysis of a rollout, with the words that name it in messages.
pub fn analyses_of(r: &Rollout) -> Vec<(&RolloutAnalysis, bool)> {
    let mut out = Vec::new();
    if let Some(c) = r.spec.canary() {
        for s in &c.steps {
            if let Some(a) = &s.analysis {
                out.push((a, true));
            }
        }
        if let Some(b) = &c.analysis {
            out.push((&b.analysis, false));
        }
    }
    if let Some(b) = r.spec.blue_green() {
        for a in [&b.pre_promotion_analysis, &b.post_promotion_analysis]
            .into_iter()
            .flatten()
        {
            out.push((a, true));
        }
    }
    out
}

/// The analyses of a rollout's experiment steps.
fn experiment_analyses_of(r: &Rollout) -> Vec<&RolloutAnalysis> {
    r.spec
        .canary()
        .into_iter()
        .flat_map(|c| &c.steps)
        .filter_map(|s| s.experiment.as_ref())
        .flat_map(|e| e.analyses.iter().map(|a| &a.analysis))
        .collect()
}

/// Checks the analyses of the rollouts in `m` against its templates and the metric models:
/// Argo marks a rollout whose templates are missing or whose arguments have no value
/// `InvalidSpec`; rollout-sim refuses such a scenario up front, with the place to fix.
/// An experiment's analyses are not part of the Rollout's validation: a missing template
/// there is an Error of the Experiment at run time, as upstream; their metrics still need a
/// model.
pub(crate) fn check_analysis(
    m: &Manifests,
    models: &BTreeMap<String, MetricModel>,
    later: &Later,
    diags: &mut Diagnostics,
) {
    let eventually: Vec<_> = m
        .templates
        .iter()
        .chain(&later.templates)
        .cloned()
        .collect();
    for r in &m.rollouts {
        for a in experiment_analyses_of(r) {
            if let Ok(spec) = spec::build(a, &m.templates) {
                check_models(&spec, false, models, diags);
                note_unmatched_rule(&spec, &a.origin, diags);
            }
        }
        for (a, bounded) in analyses_of(r) {
            let spec = match spec::build(a, &m.templates) {
                Ok(s) => s,
                // A template the script applies later (or a rollout it re-applies) heals
                // this at run time: until then the rollout is InvalidSpec, as in Argo.
                Err(_)
                    if later.rollout_reapplied
                        || (crate::rollout::validation::template_error(&r.spec, &m.templates)
                            .is_some()
                            && spec::build(a, &eventually).is_ok()) =>
                {
                    continue;
                }
                Err(e) => {
                    diags.push(a.origin.error(DiagKind::Reference, e));
                    continue;
                }
            };
            check_models(&spec, bounded, models, diags);
            note_unmatched_rule(&spec, &a.origin, diags);
        }
    }
}

/// A `dryRun` or `measurementRetention` rule matching none of the analysis's metrics is legal
/// to write, but every AnalysisRun of it ends in Error (`Rule didn't match any metric
/// name(s)`) and the rollout waiting on it aborts: worth a note before the run shows it.
fn note_unmatched_rule(
    spec: &spec::RunSpec,
    origin: &crate::api::analysis::Origin,
    diags: &mut Diagnostics,
) {
    if let Some(rule) = spec::unmatched_rule(spec) {
        diags.push(origin.note(format!(
            "{rule} matches none of the analysis's metrics ({}); Argo accepts the Rollout, but \
             each AnalysisRun of it ends in Error (`Rule didn't match any metric name(s)`) \
             before measuring, and a rollout waiting on it aborts",
            spec.metrics
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
}

/// What the rest of a scenario's script brings after the manifests being checked: the
/// templates it applies, and whether it re-applies a Rollout. A reference one of them could
/// satisfy is not an input error but an `InvalidSpec` the run may heal.
#[derive(Debug, Default)]
pub(crate) struct Later {
    pub(crate) templates: Vec<crate::api::analysis::AnalysisTemplate>,
    pub(crate) rollout_reapplied: bool,
}

/// Every metric of a run has a model (a job may go without), and a step's or promotion's
/// metrics end (`bounded`).
fn check_models(
    spec: &spec::RunSpec,
    bounded: bool,
    models: &BTreeMap<String, MetricModel>,
    diags: &mut Diagnostics,
) {
    {
        {
            for metric in &spec.metrics {
                if bounded && crate::analysis::metric::runs_indefinitely(&metric.raw.0, &spec.args)
                {
                    diags.push(metric.origin.error(
                        DiagKind::InvalidValue,
                        format!(
                            "metric `{}` runs indefinitely (interval without count), which only background analysis allows",
                            metric.name
                        ),
                    ));
                }
                if models.contains_key(&metric.name) || metric.provider == ProviderKind::Job {
                    continue;
                }
                diags.push(metric.origin.error(
                    DiagKind::Missing,
                    format!(
                        "metric `{}` ({} provider) has no model: add it to the scenario's `metrics:`, e.g. `{}: {{successRate: canary}}` or `{}: {{value: 1}}`",
                        metric.name,
                        metric.provider.key(),
                        metric.name,
                        metric.name
                    ),
                ));
            }
        }
    }
}

/// `--metric NAME=VALUE`: `pass`, `fail`, `error` or `inconclusive` set the phase of every
/// measurement (the metric's conditions are not consulted, so `fail` fails whatever they
/// are); anything else is the value the provider returns (a number, `true`/`false`, or a
/// string), which the metric's conditions then judge as they would a real measurement.
pub fn parse_metric_arg(arg: &str) -> Result<(String, MetricModel), String> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(format!(
            "`{arg}`: write NAME=VALUE, where VALUE is pass, fail, error, inconclusive or a value"
        ));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || value.is_empty() {
        return Err(format!("`{arg}`: both NAME and VALUE are needed"));
    }
    let model = match value {
        "pass" => MetricModel::Assumed(AnalysisPhase::Successful),
        "fail" => MetricModel::Assumed(AnalysisPhase::Failed),
        "error" => MetricModel::Assumed(AnalysisPhase::Error),
        "inconclusive" => MetricModel::Assumed(AnalysisPhase::Inconclusive),
        v => {
            let json = if let Ok(i) = v.parse::<i64>() {
                serde_json::Value::from(i)
            } else if let Ok(f) = v.parse::<f64>()
                && f.is_finite()
            {
                serde_json::Value::from(f)
            } else if v == "true" || v == "false" {
                serde_json::Value::Bool(v == "true")
            } else {
                serde_json::Value::String(v.trim_matches('"').to_string())
            };
            MetricModel::Value(Value::from_json(&json))
        }
    };
    Ok((name.to_string(), model))
}

/// A metric the analyses of `m` measure: its name, provider and where it is defined.
pub(crate) struct MetricUse {
    pub(crate) name: String,
    pub(crate) provider: ProviderKind,
    pub(crate) origin: crate::api::analysis::Origin,
}

/// Every metric the analyses of the rollouts in `m` would measure (step, background,
/// blue-green and experiment analyses), once per name, in the order first met.
pub(crate) fn metrics_used(m: &Manifests) -> Vec<MetricUse> {
    let mut out: Vec<MetricUse> = Vec::new();
    for r in &m.rollouts {
        let analyses = analyses_of(r)
            .into_iter()
            .map(|(a, _)| a)
            .chain(experiment_analyses_of(r));
        for a in analyses {
            // An analysis refused for another reason (two dry-run rules of one name, ...)
            // still measures its templates' metrics: `--metric` may name them.
            let metrics = match spec::build(a, &m.templates) {
                Ok(spec) => spec.metrics,
                Err(_) => spec::referenced_metrics(a, &m.templates),
            };
            for metric in metrics {
                if !out.iter().any(|u| u.name == metric.name) {
                    out.push(MetricUse {
                        name: metric.name,
                        provider: metric.provider,
                        origin: metric.origin,
                    });
                }
            }
        }
    }
    out
}
