//! `rollout-sim diff OLD NEW`: what a change to a Rollout does to its update, for a pull
//! request. Both versions are planned ([`crate::plan`]) with the same seed and options, and
//! compared: the steps added and removed, the time to Healthy (earliest and expected), the
//! peak of pods and the pod-seconds above `spec.replicas`, and the analysis that covers the
//! update. Given a scenario of a bad canary, both versions are also run through it with the
//! same seeds, and the failed requests the canary served (the blast radius) compared.
//! Thresholds (`--fail-if 'eta>+30m'`) turn a change into a CI failure.

pub mod render;

use rayon::prelude::*;

use crate::api::Rollout;
use crate::engine::SimDuration;
use crate::plan::UpdatePlan;
use crate::sweep::{self, Base, Outcome};

/// What covers an update with analysis: a background analysis, and analysis steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// The canary strategy has `analysis:` (a background analysis for the whole update).
    pub background: bool,
    /// How many canary steps are `analysis:` steps.
    pub steps: u32,
}

impl Coverage {
    /// The coverage of a Rollout's spec (none for blue-green, whose analyses are not counted).
    pub fn of(rollout: &Rollout) -> Coverage {
        match rollout.spec.canary() {
            Some(c) => Coverage {
                background: c.analysis.is_some(),
                steps: u32::try_from(c.steps.iter().filter(|s| s.analysis.is_some()).count())
                    .unwrap_or(u32::MAX),
            },
            None => Coverage::default(),
        }
    }
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.background, self.steps) {
            (false, 0) => write!(f, "none"),
            (true, 0) => write!(f, "background"),
            (false, n) => write!(f, "{n} analysis step(s)"),
            (true, n) => write!(f, "background + {n} analysis step(s)"),
        }
    }
}

/// One side of the comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// The version's plan, made with the shared seed and options.
    pub plan: UpdatePlan,
    /// The canary steps in Argo's wording (every step of the spec, reached or not).
    pub steps: Vec<String>,
    /// The analysis that covers the version's update.
    pub coverage: Coverage,
    /// The runs through the bad-canary scenario, when one was given.
    pub blast: Option<Blast>,
}

impl Side {
    /// The side of a version from its plan and its Rollout; the bad-canary runs come later.
    pub fn new(plan: UpdatePlan, rollout: &Rollout) -> Side {
        let steps = rollout
            .spec
            .canary()
            .map(|c| c.steps.iter().map(|s| s.describe()).collect())
            .unwrap_or_default();
        Side {
            plan,
            steps,
            coverage: Coverage::of(rollout),
            blast: None,
        }
    }

    /// Pod-seconds above `spec.replicas` over the update (expected run).
    pub fn pod_seconds(&self) -> f64 {
        self.plan.pod_ms_above.expected_secs()
    }

    /// Pods above `spec.replicas` at the peak.
    pub fn surge(&self) -> u32 {
        self.plan.peak_pods.saturating_sub(self.plan.replicas)
    }
}

/// One version of the Rollout run through a bad-canary scenario, once per seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Blast {
    /// The first seed; run `k` used `seed + k` (the same seeds on both sides).
    pub seed: u64,
    /// Failed requests the new version served, per run.
    pub failed: Vec<u64>,
    /// Runs that ended aborted.
    pub aborted: usize,
}

impl Blast {
    #[allow(
        clippy::cast_sign_loss,
        clippy::cast_possible_truncation,
        reason = "a nearest-rank percentile of counts is one of the counts: whole, never negative"
    )]
    fn percentile(&self, p: f64) -> u64 {
        let v: Vec<f64> = self.failed.iter().map(|&f| f as f64).collect();
        sweep::percentile(&v, p).map_or(0, |x| x as u64)
    }

    /// The median of the failed requests over the runs.
    pub fn p50(&self) -> u64 {
        self.percentile(50.0)
    }

    /// What `blast>` thresholds compare: the bad case that one run in twenty exceeds.
    pub fn p95(&self) -> u64 {
        self.percentile(95.0)
    }

    /// The most failed requests of any run (0 without runs).
    pub fn max(&self) -> u64 {
        self.failed.iter().copied().max().unwrap_or(0)
    }

    /// How many runs were made (one per seed).
    pub fn runs(&self) -> usize {
        self.failed.len()
    }
}

/// Why the bad-canary runs could not be made.
#[derive(Debug)]
pub enum BlastError {
    /// The scenario and the version do not fit together.
    Merge(String),
    /// The scenario with the version's Rollout does not load.
    Input(crate::input::InputError),
    /// The simulator itself failed during a run (exit code 3).
    Engine(crate::sim::EngineFailure),
}

/// Runs `scenario` with the Rollout of `side` ([`Base::with_rollout_of`]), `runs` times
/// (seeds `seed`, `seed + 1`...), in parallel and gathered in seed order.
pub fn blast(scenario: &Base, side: &Base, seed: u64, runs: u32) -> Result<Blast, BlastError> {
    let text = scenario.with_rollout_of(side).map_err(BlastError::Merge)?;
    let sc = scenario.load_variant(&text).map_err(BlastError::Input)?;
    let steps = sweep::steps_of(&sc).len();
    let stats: Vec<Result<sweep::RunStats, crate::sim::EngineFailure>> = (0..u64::from(runs))
        .into_par_iter()
        .map(|k| {
            let r = crate::sim::run_with_seed(&sc, seed + k);
            match r.engine_failure.clone() {
                Some(f) => Err(f),
                None => Ok(sweep::stats_of(&r, seed + k, &[], steps)),
            }
        })
        .collect();
    let mut out = Blast {
        seed,
        failed: Vec::new(),
        aborted: 0,
    };
    for s in stats {
        let s = s.map_err(BlastError::Engine)?;
        out.failed.push(s.failed);
        out.aborted += usize::from(s.outcome == Outcome::Aborted);
    }
    Ok(out)
}

/// The limit of a `pod-seconds` or `blast` threshold: `500` (the new figure), `+100` (its
/// growth), `+10%` (its growth relative to the old figure).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// `500`: the new figure is above this.
    Above(f64),
    /// `+100`: the new figure exceeds the old by more than this.
    Grows(f64),
    /// `+10%`: the new figure exceeds the old by more than this percentage of it.
    GrowsPercent(f64),
}

impl Limit {
    fn parse(text: &str) -> Option<Limit> {
        let number = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
        };
        match text.trim().strip_prefix('+') {
            Some(rest) => match rest.trim().strip_suffix('%') {
                Some(p) => number(p).map(Limit::GrowsPercent),
                None => number(rest).map(Limit::Grows),
            },
            None => number(text).map(Limit::Above),
        }
    }

    /// Whether going from `old` to `new` crosses the limit.
    fn crossed(&self, old: f64, new: f64) -> bool {
        match *self {
            Limit::Above(l) => new > l,
            Limit::Grows(l) => new - old > l,
            // Growth from nothing is more than any share of nothing.
            Limit::GrowsPercent(_) if old == 0.0 => new > 0.0,
            Limit::GrowsPercent(p) => (new - old) / old * 100.0 > p,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Above(l) => write!(f, "{l}"),
            Limit::Grows(l) => write!(f, "+{l}"),
            Limit::GrowsPercent(p) => write!(f, "+{p}%"),
        }
    }
}

/// A line of a step list diff: kept, removed (old only) or added (new only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepChange {
    /// A step both versions have.
    Same(String),
    /// A step only the old version has.
    Removed(String),
    /// A step only the new version has.
    Added(String),
}

/// The steps of `old` and `new` as a diff (longest common subsequence, so that inserting
/// a step shows one added line, not a cascade of changes).
pub fn step_changes(old: &[String], new: &[String]) -> Vec<StepChange> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(StepChange::Same(old[i].clone()));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removed lines before added ones, as `diff` and `git diff` show a replacement.
            out.push(StepChange::Removed(old[i].clone()));
            i += 1;
        } else {
            out.push(StepChange::Added(new[j].clone()));
            j += 1;
        }
    }
    out
}

/// A `--fail-if` threshold: `eta>+30m` (the expected ETA grows by more than 30 minutes),
/// `eta>2h` (the new expected ETA is over two hours), `surge>+2` / `surge>4` (pods above
/// `spec.replicas`), `pod-seconds>+10%` / `pod-seconds>+60` / `pod-seconds>600` (pod-seconds
/// above `spec.replicas`), `blast>+100` / `blast>+50%` / `blast>500` (p95 of the failed
/// requests of the bad canary; needs a scenario), `never` (the new version never becomes
/// Healthy).
#[derive(Debug, Clone, PartialEq)]
pub enum FailIf {
    /// `eta>...`: the expected time to Healthy.
    Eta {
        /// Written with `+`: the limit is on the growth, not the new figure.
        relative: bool,
        /// The limit on the ETA (or on its growth).
        limit: SimDuration,
    },
    /// `surge>...`: pods above `spec.replicas` at the peak.
    Surge {
        /// Written with `+`: the limit is on the growth, not the new figure.
        relative: bool,
        /// The limit in pods (or on their growth).
        limit: u32,
    },
    /// `pod-seconds>...`: pod-seconds above `spec.replicas` over the update.
    PodSeconds(Limit),
    /// `blast>...`: p95 of the failed requests the bad canary served.
    Blast(Limit),
    /// `never`: the new version never becomes Healthy.
    Never,
}

impl std::str::FromStr for FailIf {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = "write eta>+30m, eta>2h, surge>+2, surge>4, pod-seconds>+10%, pod-seconds>600, blast>+100, blast>+50%, blast>500 or never";
        let t = s.trim();
        if t == "never" {
            return Ok(FailIf::Never);
        }
        let (what, limit) = t
            .split_once('>')
            .ok_or_else(|| format!("`{s}` is not a threshold; {usage}"))?;
        let (relative, limit) = match limit.trim().strip_prefix('+') {
            Some(l) => (true, l),
            None => (false, limit.trim()),
        };
        match what.trim() {
            "eta" => Ok(FailIf::Eta {
                relative,
                limit: crate::engine::parse_duration(limit)
                    .map_err(|e| format!("`{s}`: {e}; {usage}"))?,
            }),
            "surge" => Ok(FailIf::Surge {
                relative,
                limit: limit
                    .parse()
                    .map_err(|_| format!("`{s}`: `{limit}` is not a pod count; {usage}"))?,
            }),
            "pod-seconds" | "blast" => {
                let text = if relative {
                    format!("+{limit}")
                } else {
                    limit.to_string()
                };
                let l = Limit::parse(&text)
                    .ok_or_else(|| format!("`{s}`: `{text}` is not a limit; {usage}"))?;
                Ok(if what.trim() == "blast" {
                    FailIf::Blast(l)
                } else {
                    FailIf::PodSeconds(l)
                })
            }
            other => Err(format!("`{s}`: unknown measure `{other}`; {usage}")),
        }
    }
}

impl FailIf {
    /// Whether the threshold needs the bad-canary runs of a scenario.
    pub fn needs_scenario(&self) -> bool {
        matches!(self, FailIf::Blast(_))
    }

    /// Why the change crosses this threshold, if it does.
    pub fn crossed(&self, old: &Side, new: &Side) -> Option<String> {
        match self {
            FailIf::PodSeconds(limit) => {
                let (o, n) = (old.pod_seconds(), new.pod_seconds());
                limit.crossed(o, n).then(|| {
                    format!("{n} pod-seconds above spec.replicas (was {o}; limit {limit})")
                })
            }
            FailIf::Blast(limit) => {
                let (o, n) = (old.blast.as_ref()?, new.blast.as_ref()?);
                limit
                    .crossed(o.p95() as f64, n.p95() as f64)
                    .then(|| {
                        format!(
                            "the bad canary serves {} failed requests (p95 of {} runs; was {}; limit {limit})",
                            n.p95(),
                            n.runs(),
                            o.p95()
                        )
                    })
            }
            FailIf::Never => new
                .plan
                .healthy
                .expected
                .is_none()
                .then(|| "the new version never becomes Healthy".to_string()),
            FailIf::Eta { relative, limit } => {
                let Some(n) = new.plan.healthy.expected else {
                    return Some("the new version never becomes Healthy (no ETA)".into());
                };
                let base = if *relative {
                    old.plan.healthy.expected?
                } else {
                    SimDuration::ZERO
                };
                let grew = SimDuration(n.0.saturating_sub(base.0));
                (grew > *limit).then(|| {
                    if *relative {
                        format!("the expected ETA grows by {grew} (more than {limit})")
                    } else {
                        format!("the expected ETA is {n} (more than {limit})")
                    }
                })
            }
            FailIf::Surge { relative, limit } => {
                let base = if *relative { old.surge() } else { 0 };
                let grew = new.surge().saturating_sub(base);
                (grew > *limit).then(|| {
                    format!(
                        "{} pods above spec.replicas at the peak (was {}; limit {}{limit})",
                        new.surge(),
                        old.surge(),
                        if *relative { "+" } else { "" }
                    )
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_compare_old_and_new() {
        assert!(Limit::Above(500.0).crossed(0.0, 501.0));
        assert!(!Limit::Above(500.0).crossed(0.0, 500.0));
        assert!(Limit::Grows(100.0).crossed(50.0, 151.0));
        assert!(!Limit::Grows(100.0).crossed(50.0, 150.0));
        assert!(Limit::GrowsPercent(10.0).crossed(40.0, 44.5));
        assert!(!Limit::GrowsPercent(10.0).crossed(40.0, 44.0));
        assert!(Limit::GrowsPercent(10.0).crossed(0.0, 1.0));
        assert!(!Limit::GrowsPercent(10.0).crossed(0.0, 0.0));
    }

    fn v(x: &[&str]) -> Vec<String> {
        x.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_inserted_step_is_one_added_line() {
        let old = v(&["setWeight: 20", "pause", "setWeight: 60"]);
        let new = v(&["setWeight: 20", "pause", "setWeight: 40", "setWeight: 60"]);
        let d = step_changes(&old, &new);
        assert_eq!(d.len(), 4);
        assert_eq!(d[2], StepChange::Added("setWeight: 40".into()));
        let removed = step_changes(&new, &old);
        assert_eq!(removed[2], StepChange::Removed("setWeight: 40".into()));
        // A replaced step: the old line, then the new one.
        let replaced = step_changes(
            &v(&["setWeight: 20", "pause"]),
            &v(&["setWeight: 25", "pause"]),
        );
        assert_eq!(
            replaced,
            vec![
                StepChange::Removed("setWeight: 20".into()),
                StepChange::Added("setWeight: 25".into()),
                StepChange::Same("pause".into()),
            ]
        );
    }

    #[test]
    fn thresholds_parse() {
        assert_eq!(
            "eta>+30m".parse::<FailIf>(),
            Ok(FailIf::Eta {
                relative: true,
                limit: SimDuration::from_secs(1800)
            })
        );
        assert_eq!(
            "surge>4".parse::<FailIf>(),
            Ok(FailIf::Surge {
                relative: false,
                limit: 4
            })
        );
        assert_eq!("never".parse::<FailIf>(), Ok(FailIf::Never));
        assert_eq!(
            "pod-seconds>+10%".parse::<FailIf>(),
            Ok(FailIf::PodSeconds(Limit::GrowsPercent(10.0)))
        );
        assert_eq!(
            "blast>+100".parse::<FailIf>(),
            Ok(FailIf::Blast(Limit::Grows(100.0)))
        );
        assert_eq!(
            "blast>500".parse::<FailIf>(),
            Ok(FailIf::Blast(Limit::Above(500.0)))
        );
        for bad in [
            "eta",
            "eta>soon",
            "pods>3",
            "surge>+x",
            "blast>+",
            "blast>-3",
            "pod-seconds>+ten%",
        ] {
            assert!(bad.parse::<FailIf>().is_err(), "{bad}");
        }
    }
}
