//! Conditions (SCENARIO.md §2): what `wait`, `expect` and the final expectation check, and the
//! `Observation` of the simulated world they are checked against.

use std::collections::BTreeMap;
use std::fmt;

use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::rollout::Phase;
use crate::rollout::status::{CompletionStatus, DurationStatus};

/// Per-role values: `stable`, `canary`, `active`, `preview` (and `total` for counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles<T> {
    pub stable: T,
    pub canary: T,
    pub active: T,
    pub preview: T,
}

impl<T> Roles<T> {
    pub fn entries(&self) -> [(&'static str, &T); 4] {
        [
            ("stable", &self.stable),
            ("canary", &self.canary),
            ("active", &self.active),
            ("preview", &self.preview),
        ]
    }
}

/// Pod counts by role, the pods of the rollout's Experiments, and the total of every
/// non-terminating pod (the Experiments' included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCounts {
    pub roles: Roles<u32>,
    pub experiment: u32,
    pub total: u32,
}

/// Expected pod counts; each key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCountsExpect {
    pub roles: Roles<Option<u32>>,
    pub experiment: Option<u32>,
    pub total: Option<u32>,
}

/// The traffic router's weights: to the canary, to the stable, and to a running
/// experiment's templates (summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouterWeights<T> {
    pub canary: T,
    pub stable: T,
    pub experiment: T,
}

/// The rollout's replica counts as `kubectl argo rollouts get rollout` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replicas<T> {
    pub desired: T,
    pub current: T,
    pub updated: T,
    pub ready: T,
    pub available: T,
}

impl<T> Replicas<T> {
    pub fn entries(&self) -> [(&'static str, &T); 5] {
        [
            ("desired", &self.desired),
            ("current", &self.current),
            ("updated", &self.updated),
            ("ready", &self.ready),
            ("available", &self.available),
        ]
    }
}

/// `duration:` keys of a condition (each optional); times are virtual, since the start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationExpect {
    pub finished: Option<bool>,
    pub manually_paused: Option<bool>,
    pub started_at: (Option<SimDuration>, Option<SimDuration>),
    pub finished_at: (Option<SimDuration>, Option<SimDuration>),
    pub total_manual_pause: (Option<SimDuration>, Option<SimDuration>),
}

impl DurationExpect {
    fn is_empty(&self) -> bool {
        *self == DurationExpect::default()
    }

    fn check(&self, d: Option<&DurationStatus>, out: &mut Vec<Mismatch>) {
        let since_start = |t: Option<SimTime>| t.map(|t| t - SimTime::ZERO);
        let finished = d.and_then(|d| d.finished_at);
        check(
            out,
            "duration.finished",
            &self.finished,
            &finished.is_some(),
        );
        let paused = d.is_some_and(|d| d.manual_pause_started_at.is_some());
        check(
            out,
            "duration.manuallyPaused",
            &self.manually_paused,
            &paused,
        );
        let total = d
            .and_then(|d| d.total_manual_pause_seconds)
            .map(SimDuration::from_secs)
            .unwrap_or_default();
        let ranges = [
            (
                "startedAt",
                self.started_at,
                since_start(d.and_then(|d| d.rollout_started_at)),
            ),
            ("finishedAt", self.finished_at, since_start(finished)),
            ("totalManualPause", self.total_manual_pause, Some(total)),
        ];
        for (key, (min, max), got) in ranges {
            let below = min.is_some_and(|m| got.is_none_or(|g| g < m));
            let above = max.is_some_and(|m| got.is_none_or(|g| g > m));
            if below || above {
                let bounds = [
                    min.map(|m| format!("at least {m}")),
                    max.map(|m| format!("at most {m}")),
                ];
                out.push(Mismatch {
                    key: format!("duration.{key}"),
                    expected: bounds
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" and "),
                    actual: got.map_or("unset".to_string(), |g| g.to_string()),
                });
            }
        }
    }
}

/// A condition: every key that is set must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    pub phase: Option<Phase>,
    pub message: Option<String>,
    pub step: Option<u32>,
    pub set_weight: Option<u32>,
    pub actual_weight: Option<u32>,
    pub aborted: Option<bool>,
    pub paused: Option<bool>,
    pub revision: Option<u64>,
    /// `status.duration.completionStatus` of the current update attempt (`Some(None)`: not
    /// known yet).
    pub completion_status: Option<Option<CompletionStatus>>,
    /// The other keys of `duration:`.
    pub duration: DurationExpect,
    pub images: Roles<Option<String>>,
    pub replicas: Replicas<Option<u32>>,
    pub pods: RoleCountsExpect,
    pub ready_pods: RoleCountsExpect,
    pub replica_sets_total: Option<u32>,
    pub replica_sets_scaled_up: Option<u32>,
    pub analysis: BTreeMap<String, String>,
    /// Phase of the latest Experiment by full name or step index.
    pub experiments: BTreeMap<String, String>,
    /// The router's weights: canary, stable, and the experiment's (summed).
    pub weights: RouterWeights<Option<i32>>,
    /// The managed routes the router holds, in precedence order.
    pub routes: Option<Vec<String>>,
    /// Requests served by the versions of a role (`stable`, ..., `total`): `(min, max)`.
    pub requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// Failed requests, the same way.
    pub failed_requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// Mirrored requests (copies a mirror route sent), the same way.
    pub mirrored_requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    pub elapsed_max: Option<SimDuration>,
    pub elapsed_min: Option<SimDuration>,
    pub not: Option<Box<Condition>>,
}

/// The state of the simulated world that conditions are checked against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    pub phase: Phase,
    pub message: String,
    pub step: Option<u32>,
    pub set_weight: u32,
    pub actual_weight: u32,
    pub aborted: bool,
    pub paused: bool,
    pub revision: u64,
    /// `status.duration`, when the controller has started timing an attempt.
    pub duration: Option<DurationStatus>,
    pub images: Roles<Option<String>>,
    pub replicas: Replicas<u32>,
    pub pods: RoleCounts,
    pub ready_pods: RoleCounts,
    pub replica_sets_total: u32,
    pub replica_sets_scaled_up: u32,
    pub analysis: BTreeMap<String, String>,
    /// Phase of the latest Experiment by full name and by step index.
    pub experiments: BTreeMap<String, String>,
    /// `status.canary.weights`, when the rollout has a router.
    pub weights: Option<RouterWeights<i32>>,
    /// The managed routes the router holds, in precedence order.
    pub routes: Vec<String>,
    /// Requests and failed requests served over the run by the versions now in each role.
    pub traffic: BTreeMap<String, (u64, u64)>,
    /// Mirrored requests and their failures, per role the same way.
    pub mirrored: BTreeMap<String, (u64, u64)>,
    pub elapsed: SimDuration,
}

/// One key of a condition that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub key: String,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.key, self.expected, self.actual
        )
    }
}

fn check<T: PartialEq + fmt::Display>(
    out: &mut Vec<Mismatch>,
    key: &str,
    want: &Option<T>,
    got: &T,
) {
    if let Some(w) = want
        && w != got
    {
        out.push(Mismatch {
            key: key.to_string(),
            expected: w.to_string(),
            actual: got.to_string(),
        });
    }
}

fn opt_text<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "none".to_string(), |v| v.to_string())
}

impl Condition {
    /// Every key that does not hold in `obs` (empty when the condition holds).
    pub fn mismatches(&self, obs: &Observation) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if let Some(p) = self.phase
            && p != obs.phase
        {
            let actual = if obs.message.is_empty() {
                obs.phase.to_string()
            } else {
                format!("{} ({})", obs.phase, obs.message)
            };
            out.push(Mismatch {
                key: "phase".into(),
                expected: p.to_string(),
                actual,
            });
        }
        if let Some(m) = &self.message
            && !obs.message.contains(m.as_str())
        {
            out.push(Mismatch {
                key: "message".into(),
                expected: format!("a message containing \"{m}\""),
                actual: format!("\"{}\"", obs.message),
            });
        }
        if let Some(s) = self.step
            && obs.step != Some(s)
        {
            out.push(Mismatch {
                key: "step".into(),
                expected: s.to_string(),
                actual: opt_text(&obs.step),
            });
        }
        check(&mut out, "setWeight", &self.set_weight, &obs.set_weight);
        check(
            &mut out,
            "actualWeight",
            &self.actual_weight,
            &obs.actual_weight,
        );
        check(&mut out, "aborted", &self.aborted, &obs.aborted);
        check(&mut out, "paused", &self.paused, &obs.paused);
        check(&mut out, "revision", &self.revision, &obs.revision);
        let got_status = obs.duration.as_ref().and_then(|d| d.completion_status);
        if let Some(want) = self.completion_status
            && got_status != want
        {
            let name = |c: Option<CompletionStatus>| c.map_or("none", CompletionStatus::as_str);
            out.push(Mismatch {
                key: "completionStatus".into(),
                expected: name(want).to_string(),
                actual: name(got_status).to_string(),
            });
        }
        if !self.duration.is_empty() {
            self.duration.check(obs.duration.as_ref(), &mut out);
        }
        for ((role, want), (_, got)) in self.images.entries().into_iter().zip(obs.images.entries())
        {
            if let Some(w) = want
                && got.as_ref() != Some(w)
            {
                out.push(Mismatch {
                    key: format!("images.{role}"),
                    expected: w.clone(),
                    actual: opt_text(got),
                });
            }
        }
        for ((name, want), (_, got)) in self
            .replicas
            .entries()
            .into_iter()
            .zip(obs.replicas.entries())
        {
            check(&mut out, &format!("replicas.{name}"), want, got);
        }
        counts(&mut out, "pods", &self.pods, &obs.pods);
        counts(&mut out, "readyPods", &self.ready_pods, &obs.ready_pods);
        check(
            &mut out,
            "replicaSets.total",
            &self.replica_sets_total,
            &obs.replica_sets_total,
        );
        check(
            &mut out,
            "replicaSets.scaledUp",
            &self.replica_sets_scaled_up,
            &obs.replica_sets_scaled_up,
        );
        for (name, want) in &self.analysis {
            let got = obs.analysis.get(name);
            if got != Some(want) {
                out.push(Mismatch {
                    key: format!("analysis.{name}"),
                    expected: want.clone(),
                    actual: got.cloned().unwrap_or_else(|| "no AnalysisRun".to_string()),
                });
            }
        }
        let weights = [
            (
                "canary",
                &self.weights.canary,
                obs.weights.as_ref().map(|w| w.canary),
            ),
            (
                "stable",
                &self.weights.stable,
                obs.weights.as_ref().map(|w| w.stable),
            ),
            (
                "experiment",
                &self.weights.experiment,
                obs.weights.as_ref().map(|w| w.experiment),
            ),
        ];
        for (key, want, got) in weights {
            if let Some(w) = want
                && got != Some(*w)
            {
                out.push(Mismatch {
                    key: format!("weights.{key}"),
                    expected: w.to_string(),
                    actual: got.map_or_else(|| "no router weights".to_string(), |g| g.to_string()),
                });
            }
        }
        if let Some(routes) = &self.routes
            && *routes != obs.routes
        {
            out.push(Mismatch {
                key: "routes".into(),
                expected: format!("[{}]", routes.join(", ")),
                actual: format!("[{}]", obs.routes.join(", ")),
            });
        }
        for (name, want) in &self.experiments {
            let got = obs.experiments.get(name);
            if got != Some(want) {
                out.push(Mismatch {
                    key: format!("experiment.{name}"),
                    expected: want.clone(),
                    actual: got.cloned().unwrap_or_else(|| "no Experiment".to_string()),
                });
            }
        }
        for (key, wanted, pick) in [
            ("requests", &self.requests, 0),
            ("failedRequests", &self.failed_requests, 1),
            ("mirroredRequests", &self.mirrored_requests, 2),
        ] {
            for (role, (min, max)) in wanted {
                let source = if pick == 2 {
                    &obs.mirrored
                } else {
                    &obs.traffic
                };
                let got = source
                    .get(role)
                    .map_or(0, |c| if pick == 1 { c.1 } else { c.0 });
                if min.is_some_and(|m| got < m) || max.is_some_and(|m| got > m) {
                    out.push(Mismatch {
                        key: format!("{key}.{role}"),
                        expected: range_text(*min, *max),
                        actual: got.to_string(),
                    });
                }
            }
        }
        if let Some(max) = self.elapsed_max
            && obs.elapsed > max
        {
            out.push(Mismatch {
                key: "elapsed.max".into(),
                expected: format!("at most {max}"),
                actual: obs.elapsed.to_string(),
            });
        }
        if let Some(min) = self.elapsed_min
            && obs.elapsed < min
        {
            out.push(Mismatch {
                key: "elapsed.min".into(),
                expected: format!("at least {min}"),
                actual: obs.elapsed.to_string(),
            });
        }
        if let Some(not) = &self.not
            && not.mismatches(obs).is_empty()
        {
            out.push(Mismatch {
                key: "not".into(),
                expected: format!("not {{{not}}}"),
                actual: "it holds".to_string(),
            });
        }
        out
    }

    pub fn holds(&self, obs: &Observation) -> bool {
        self.mismatches(obs).is_empty()
    }
}

/// `between 10 and 20`, `at least 10`, `at most 20`.
fn range_text(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any number".to_string(),
    }
}

fn counts(out: &mut Vec<Mismatch>, key: &str, want: &RoleCountsExpect, got: &RoleCounts) {
    for ((role, w), (_, g)) in want.roles.entries().into_iter().zip(got.roles.entries()) {
        check(out, &format!("{key}.{role}"), w, g);
    }
    check(
        out,
        &format!("{key}.experiment"),
        &want.experiment,
        &got.experiment,
    );
    check(out, &format!("{key}.total"), &want.total, &got.total);
}

impl fmt::Display for Condition {
    /// A compact rendering of the keys that are set, for timelines and messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(p) = self.phase {
            parts.push(format!("phase: {p}"));
        }
        if let Some(m) = &self.message {
            parts.push(format!("message: {m:?}"));
        }
        let mut num = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}: {v}"));
            }
        };
        num("step", self.step.map(|v| v.to_string()));
        num("setWeight", self.set_weight.map(|v| v.to_string()));
        num("actualWeight", self.actual_weight.map(|v| v.to_string()));
        num("aborted", self.aborted.map(|v| v.to_string()));
        num("paused", self.paused.map(|v| v.to_string()));
        num("revision", self.revision.map(|v| v.to_string()));
        num(
            "completionStatus",
            self.completion_status
                .map(|c| c.map_or("none", CompletionStatus::as_str).to_string()),
        );
        if !self.duration.is_empty() {
            num("duration", Some(format!("{:?}", self.duration)));
        }
        let images: Vec<String> = self
            .images
            .entries()
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
            .collect();
        if !images.is_empty() {
            parts.push(format!("images: {{{}}}", images.join(", ")));
        }
        let reps: Vec<String> = self
            .replicas
            .entries()
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
            .collect();
        if !reps.is_empty() {
            parts.push(format!("replicas: {{{}}}", reps.join(", ")));
        }
        for (key, c) in [("pods", &self.pods), ("readyPods", &self.ready_pods)] {
            let mut v: Vec<String> = c
                .roles
                .entries()
                .iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
                .collect();
            if let Some(t) = c.experiment {
                v.push(format!("experiment: {t}"));
            }
            if let Some(t) = c.total {
                v.push(format!("total: {t}"));
            }
            if !v.is_empty() {
                parts.push(format!("{key}: {{{}}}", v.join(", ")));
            }
        }
        let mut rs = Vec::new();
        if let Some(t) = self.replica_sets_total {
            rs.push(format!("total: {t}"));
        }
        if let Some(t) = self.replica_sets_scaled_up {
            rs.push(format!("scaledUp: {t}"));
        }
        if !rs.is_empty() {
            parts.push(format!("replicaSets: {{{}}}", rs.join(", ")));
        }
        if !self.analysis.is_empty() {
            let a: Vec<String> = self
                .analysis
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            parts.push(format!("analysis: {{{}}}", a.join(", ")));
        }
        let w: Vec<String> = [
            ("canary", self.weights.canary),
            ("stable", self.weights.stable),
            ("experiment", self.weights.experiment),
        ]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
        .collect();
        if !w.is_empty() {
            parts.push(format!("weights: {{{}}}", w.join(", ")));
        }
        if let Some(r) = &self.routes {
            parts.push(format!("routes: [{}]", r.join(", ")));
        }
        if !self.experiments.is_empty() {
            let a: Vec<String> = self
                .experiments
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            parts.push(format!("experiment: {{{}}}", a.join(", ")));
        }
        for (key, wanted) in [
            ("requests", &self.requests),
            ("failedRequests", &self.failed_requests),
            ("mirroredRequests", &self.mirrored_requests),
        ] {
            if !wanted.is_empty() {
                let r: Vec<String> = wanted
                    .iter()
                    .map(|(role, (min, max))| format!("{role}: {}", range_text(*min, *max)))
                    .collect();
                parts.push(format!("{key}: {{{}}}", r.join(", ")));
            }
        }
        if let Some(m) = self.elapsed_max {
            parts.push(format!("elapsed.max: {m}"));
        }
        if let Some(m) = self.elapsed_min {
            parts.push(format!("elapsed.min: {m}"));
        }
        if let Some(n) = &self.not {
            parts.push(format!("not: {{{n}}}"));
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs() -> Observation {
        Observation {
            phase: Phase::Paused,
            message: "CanaryPauseStep".into(),
            step: Some(1),
            set_weight: 20,
            pods: RoleCounts {
                roles: Roles {
                    stable: 4,
                    canary: 1,
                    ..Default::default()
                },
                experiment: 0,
                total: 5,
            },
            ..Default::default()
        }
    }

    #[test]
    fn every_key_must_hold_and_mismatches_say_why() {
        let mut c = Condition {
            phase: Some(Phase::Paused),
            step: Some(1),
            set_weight: Some(20),
            ..Default::default()
        };
        c.pods.roles.canary = Some(1);
        assert!(c.holds(&obs()));
        c.pods.roles.stable = Some(3);
        c.phase = Some(Phase::Healthy);
        let m = c.mismatches(&obs());
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].to_string(),
            "phase: expected Healthy, got Paused (CanaryPauseStep)"
        );
        assert_eq!(m[1].to_string(), "pods.stable: expected 3, got 4");
    }

    #[test]
    fn not_inverts() {
        let c = Condition {
            not: Some(Box::new(Condition {
                phase: Some(Phase::Paused),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert!(!c.holds(&obs()));
        assert_eq!(c.to_string(), "not: {phase: Paused}");
    }
}
