//! A metric ready to measure: the written metric with its arguments substituted, read and
//! validated as Argo's `ValidateMetric` does (`utils/analysis/helpers.go`), its conditions
//! compiled once.

use crate::api::IntOrString;
use crate::api::analysis::ProviderKind;
use crate::api::raw;
use crate::engine::{SimDuration, parse_strict_duration};

use super::expr::{ExprError, Program};

/// Argo's default `consecutiveErrorLimit`: the fifth error in a row ends the metric.
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i64 = 4;

/// The shortest `interval` accepted. Argo itself takes any Go duration, but on a real cluster
/// each measurement is a provider query plus a status write to the API server, and the
/// measurement times Argo keeps are whole seconds: measuring more than once a second never
/// happens. A shorter interval would only make a run cost thousands of measurements per
/// virtual second (an hour at `1ms` is 3.6 million), so it is refused with this reason.
pub const MIN_INTERVAL: SimDuration = SimDuration(1_000);

/// A compiled `successCondition` or `failureCondition`, with its text for messages.
#[derive(Debug, Clone)]
pub struct MetricCondition {
    /// The condition as written (trimmed), quoted in messages such as `assessed Failed due to`.
    pub text: String,
    /// The compiled expression, evaluated against each measured value as `result`; or the
    /// compile error of a condition expr-lang refuses too (see [`ExprError::argo_rejects`]),
    /// which makes every measurement an Error, as Argo's `EvalCondition` does.
    pub program: Result<Program, ExprError>,
}

/// A metric of a run.
#[derive(Debug, Clone)]
pub struct Metric {
    /// The metric's `name`, unique within a run.
    pub name: String,
    /// Where measurements come from (`provider`: exactly one of Argo's providers).
    pub provider: ProviderKind,
    /// `interval`: virtual time between measurements; `None` takes a single measurement.
    pub interval: Option<SimDuration>,
    /// `initialDelay`: virtual time from the run's start before the first measurement.
    pub initial_delay: Option<SimDuration>,
    /// `count` as written (0 when unset or not a number, as Kubernetes' `IntValue` reads it).
    pub count: i64,
    /// `successCondition`: a measurement that meets it is Successful.
    pub success: Option<MetricCondition>,
    /// `failureCondition`: a measurement that meets it is Failed.
    pub failure: Option<MetricCondition>,
    /// Failed measurements tolerated; -1 never fails the metric on failures.
    pub failure_limit: i64,
    /// `inconclusiveLimit`: inconclusive measurements tolerated before the metric is
    /// Inconclusive (0 when unset).
    pub inconclusive_limit: i64,
    /// `consecutiveErrorLimit`: errors in a row tolerated before the metric is Error
    /// ([`DEFAULT_CONSECUTIVE_ERROR_LIMIT`] when unset).
    pub consecutive_error_limit: i64,
    /// > 0: the metric succeeds after this many successes in a row.
    pub consecutive_success_limit: i64,
    /// Whether a `dryRun` rule of the run matches the metric's name: its failures only report.
    pub dry_run: bool,
    /// The `limit` of the last `measurementRetention` rule matching the metric's name, if any.
    pub retention: Option<u32>,
}

impl Metric {
    /// `EffectiveCount`: the measurements the metric takes; `None` runs until the run ends
    /// (an interval without a count).
    pub fn effective_count(&self) -> Option<i64> {
        if self.count <= 0 {
            return if self.interval.is_none() {
                Some(1)
            } else {
                None
            };
        }
        Some(self.count)
    }
}

/// Kubernetes' `IntOrString.IntValue()`: a string is parsed as an integer, 0 if it is not one.
fn int_value(v: &Option<IntOrString>) -> i64 {
    match v {
        None => 0,
        Some(IntOrString::Int(i)) => *i,
        Some(IntOrString::Str(s)) => s.trim().parse().unwrap_or(0),
    }
}

fn duration(v: &Option<IntOrString>, field: &'static str) -> Result<Option<SimDuration>, Problem> {
    match v {
        None => Ok(None),
        Some(IntOrString::Str(s)) if s.is_empty() => Ok(None),
        Some(IntOrString::Str(s)) => parse_strict_duration(s).map(Some).map_err(|_| {
            (
                field,
                format!(
                    "invalid {field} `{s}`: write a duration with its unit, such as 30s, 5m or 1h"
                ),
            )
        }),
        Some(IntOrString::Int(i)) => Err((
            field,
            format!("{field} must be a duration string with its unit (`{i}s`), not a number"),
        )),
    }
}

/// A problem with one field of a metric.
pub type Problem = (&'static str, String);

fn condition(
    text: &Option<String>,
    field: &'static str,
) -> Result<Option<MetricCondition>, Problem> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => match Program::compile(t) {
            Err(e) if !e.argo_rejects => {
                Err((field, format!("{field} `{t}` does not compile: {e}")))
            }
            program => Ok(Some(MetricCondition {
                text: t.to_string(),
                program,
            })),
        },
    }
}

/// The value of a field, or `None` with its problem recorded.
fn keep<T>(problems: &mut Vec<Problem>, r: Result<Option<T>, Problem>) -> Option<T> {
    r.unwrap_or_else(|p| {
        problems.push(p);
        None
    })
}

/// The limit and count rules of Argo's `ValidateMetric` (`utils/analysis/factory.go`), in its
/// order and with its words: the first broken rule. Argo accepts such a template and creates
/// its AnalysisRuns; the analysis controller's `reconcileAnalysisRun` (`analysis/analysis.go`)
/// then ends each one in Error with `Analysis spec invalid: metrics[I]: ...` before any
/// measurement, and the rollout aborts on it. So these are not input errors here: a run
/// ends in Error, and `lint` notes it.
pub fn validate_limits(m: &raw::Metric) -> Result<(), String> {
    let count = int_value(&m.count);
    let failure_limit = int_value(&m.failure_limit);
    let consecutive_success_limit = int_value(&m.consecutive_success_limit);
    let inconclusive_limit = int_value(&m.inconclusive_limit);
    if consecutive_success_limit < 0 {
        return Err("consecutiveSuccessLimit must be >= 0".into());
    }
    if failure_limit < -1 {
        return Err("failureLimit must be >= 0, or -1 to be disabled".into());
    }
    // Neither a failure nor a run of successes could ever end such a metric.
    if consecutive_success_limit == 0 && failure_limit == -1 {
        return Err("failureLimit and consecutiveSuccessLimit cannot both be disabled".into());
    }
    if inconclusive_limit < 0 {
        return Err("inconclusiveLimit must be >= 0".into());
    }
    if m.consecutive_error_limit.is_some() && int_value(&m.consecutive_error_limit) < 0 {
        return Err("consecutiveErrorLimit must be >= 0".into());
    }
    if count > 0 {
        if failure_limit >= 0 {
            if count < failure_limit + consecutive_success_limit {
                return Err(format!(
                    "count ({count}) must be >= failureLimit + consecutiveSuccessLimit \
                     ({failure_limit} + {consecutive_success_limit}) if both >= 0"
                ));
            }
        } else if count < consecutive_success_limit {
            return Err("count must be >= consecutiveSuccessLimit".into());
        }
        if count < inconclusive_limit {
            return Err("count must be >= inconclusiveLimit".into());
        }
    }
    Ok(())
}

/// The value Argo's rollout validation gives an argument with no value of its own
/// (`setArgValuePlaceHolder`, `validateAnalysisMetrics`) before it resolves a template.
const PLACEHOLDER_VALUE: &str = "dummy-value";

/// Whether a step's or promotion's metric would run indefinitely (`EffectiveCount` is nil: an
/// interval without a count), judged as Argo's rollout validation judges it
/// (`ValidateAnalysisTemplateWithType` in `validation/validation_references.go`): its
/// `{{args.*}}` placeholders resolved first with the arguments' values, or `dummy-value` for
/// an argument without one (a count that reads `dummy-value` is 0). A metric whose
/// placeholders do not resolve is not judged here: the run reports it.
pub fn runs_indefinitely(m: &raw::Metric, args: &[crate::api::analysis::Argument]) -> bool {
    let values: Vec<super::run::ArgValue> = args
        .iter()
        .map(|a| super::run::ArgValue {
            name: a.name.clone(),
            value: a.value.clone().unwrap_or_else(|| PLACEHOLDER_VALUE.into()),
        })
        .collect();
    let resolved = serde_json::to_string(m)
        .ok()
        .and_then(|json| super::spec::substitute(&json, &values).ok())
        .and_then(|text| serde_json::from_str::<raw::Metric>(&text).ok());
    let Some(m) = resolved else {
        return false;
    };
    let has_interval = match &m.interval {
        None => false,
        Some(IntOrString::Str(s)) => !s.is_empty(),
        Some(IntOrString::Int(_)) => true,
    };
    has_interval && int_value(&m.count) <= 0
}

/// Reads a metric whose arguments are substituted, with every problem found (the limit and
/// count rules are [`validate_limits`]'s).
pub fn read(m: &raw::Metric) -> Result<Metric, Vec<Problem>> {
    let mut problems = Vec::new();
    let interval = keep(&mut problems, duration(&m.interval, "interval"));
    if let Some(i) = interval
        && i < MIN_INTERVAL
    {
        problems.push((
            "interval",
            format!(
                "interval {i} is shorter than {MIN_INTERVAL}: a real analysis measures at most \
                 once a second (each measurement is a provider query and a status write, its \
                 times kept in whole seconds), so the simulator refuses shorter intervals"
            ),
        ));
    }
    let initial_delay = keep(&mut problems, duration(&m.initial_delay, "initialDelay"));
    let success = keep(
        &mut problems,
        condition(&m.success_condition, "successCondition"),
    );
    let failure = keep(
        &mut problems,
        condition(&m.failure_condition, "failureCondition"),
    );

    let count = int_value(&m.count);
    let failure_limit = int_value(&m.failure_limit);
    let inconclusive_limit = int_value(&m.inconclusive_limit);
    let consecutive_error_limit = m
        .consecutive_error_limit
        .as_ref()
        .map_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT, |_| {
            int_value(&m.consecutive_error_limit)
        });
    let consecutive_success_limit = int_value(&m.consecutive_success_limit);

    if count > 1 && m.interval.is_none() {
        problems.push((
            "interval",
            "interval must be specified when count > 1".into(),
        ));
    }
    let providers = m
        .provider
        .as_ref()
        .map(ProviderKind::of)
        .unwrap_or_default();
    let provider = match providers.as_slice() {
        [one] => Some(one.clone()),
        [] => {
            problems.push(("provider", "no provider specified".into()));
            None
        }
        _ => {
            problems.push(("provider", "multiple providers specified".into()));
            None
        }
    };
    match provider {
        Some(provider) if problems.is_empty() => Ok(Metric {
            name: m.name.clone().unwrap_or_default(),
            provider,
            interval,
            initial_delay,
            count,
            success,
            failure,
            failure_limit,
            inconclusive_limit,
            consecutive_error_limit,
            consecutive_success_limit,
            // The run's rules are matched against every metric once all are read.
            dry_run: false,
            retention: None,
        }),
        _ => Err(problems),
    }
}

/// The problems of a written metric (with no placeholders), for load-time diagnostics.
pub fn check(m: &raw::Metric) -> Vec<Problem> {
    read(m).err().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(yaml_json: serde_json::Value) -> raw::Metric {
        serde_json::from_value(yaml_json).unwrap()
    }

    #[test]
    fn effective_count_follows_argo() {
        let once = read(&metric(serde_json::json!({
            "name": "m", "provider": {"web": {}}
        })))
        .unwrap();
        assert_eq!(once.effective_count(), Some(1));
        let forever = read(&metric(serde_json::json!({
            "name": "m", "interval": "30s", "provider": {"web": {}}
        })))
        .unwrap();
        assert_eq!(forever.effective_count(), None);
        let three = read(&metric(serde_json::json!({
            "name": "m", "interval": "30s", "count": "3", "provider": {"web": {}}
        })))
        .unwrap();
        assert_eq!(three.effective_count(), Some(3));
        assert_eq!(
            three.consecutive_error_limit,
            DEFAULT_CONSECUTIVE_ERROR_LIMIT
        );
    }

    #[test]
    fn validation_matches_validate_metric() {
        let p = check(&metric(serde_json::json!({
            "name": "m", "count": 3, "provider": {"web": {}}
        })));
        let fields: Vec<&str> = p.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["interval"]);
        let p = check(&metric(serde_json::json!({
            "name": "m", "interval": "30", "provider": {}
        })));
        let fields: Vec<&str> = p.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["interval", "provider"]);
        assert!(
            check(&metric(serde_json::json!({
                "name": "m", "failureLimit": -1, "provider": {"job": {}}
            })))
            .is_empty()
        );
    }

    #[test]
    fn indefinite_metrics_are_judged_with_their_placeholders_resolved() {
        use crate::api::analysis::Argument;
        let arg = |name: &str, value: Option<&str>| Argument {
            name: name.into(),
            value: value.map(str::to_string),
            value_from: None,
        };
        // A condition full of placeholders does not hide an interval without a count.
        let m = metric(serde_json::json!({
            "name": "m", "interval": "15s",
            "successCondition": "result[0] >= {{args.threshold}}", "provider": {"web": {}}
        }));
        assert!(runs_indefinitely(&m, &[arg("threshold", Some("0.95"))]));
        // A count from an argument bounds it; an argument with no value reads `dummy-value`,
        // which is no number: a count of 0, so indefinite, as Argo's validation finds.
        let m = metric(serde_json::json!({
            "name": "m", "interval": "15s", "count": "{{args.n}}", "provider": {"web": {}}
        }));
        assert!(!runs_indefinitely(&m, &[arg("n", Some("3"))]));
        assert!(runs_indefinitely(&m, &[arg("n", None)]));
        let once = metric(serde_json::json!({"name": "m", "provider": {"web": {}}}));
        assert!(!runs_indefinitely(&once, &[]));
    }

    /// The first broken limit or count rule, in `ValidateMetric`'s order and words.
    fn limits(v: serde_json::Value) -> Result<(), String> {
        validate_limits(&metric(v))
    }

    #[test]
    fn limit_and_count_rules_follow_validate_metric() {
        use serde_json::json;
        assert_eq!(
            limits(json!({"name": "m", "failureLimit": -1})).unwrap_err(),
            "failureLimit and consecutiveSuccessLimit cannot both be disabled"
        );
        assert!(
            limits(json!({"name": "m", "failureLimit": -1, "consecutiveSuccessLimit": 2})).is_ok()
        );
        assert_eq!(
            limits(
                json!({"name": "m", "count": 5, "failureLimit": 3, "consecutiveSuccessLimit": 4})
            )
            .unwrap_err(),
            "count (5) must be >= failureLimit + consecutiveSuccessLimit (3 + 4) if both >= 0"
        );
        assert_eq!(
            limits(json!({"name": "m", "count": 3, "failureLimit": 5})).unwrap_err(),
            "count (3) must be >= failureLimit + consecutiveSuccessLimit (5 + 0) if both >= 0"
        );
        assert_eq!(
            limits(
                json!({"name": "m", "count": 2, "failureLimit": -1, "consecutiveSuccessLimit": 3})
            )
            .unwrap_err(),
            "count must be >= consecutiveSuccessLimit"
        );
        assert_eq!(
            limits(json!({"name": "m", "count": 2, "inconclusiveLimit": 3})).unwrap_err(),
            "count must be >= inconclusiveLimit"
        );
        // The negative checks come first, the one about both limits before the others.
        assert_eq!(
            limits(json!({"name": "m", "failureLimit": -2, "consecutiveSuccessLimit": -1}))
                .unwrap_err(),
            "consecutiveSuccessLimit must be >= 0"
        );
        assert_eq!(
            limits(json!({"name": "m", "consecutiveErrorLimit": -1})).unwrap_err(),
            "consecutiveErrorLimit must be >= 0"
        );
        // An unset count (0) skips the count rules: the metric measures until the run ends.
        assert!(
            limits(json!({"name": "m", "failureLimit": 3, "consecutiveSuccessLimit": 4})).is_ok()
        );
        assert!(
            limits(
                json!({"name": "m", "count": 7, "failureLimit": 3, "consecutiveSuccessLimit": 4})
            )
            .is_ok()
        );
    }
}
