//! `rollout-sim diff OLD NEW`: what a change to a Rollout does to its update, for a pull
//! request. Both versions are planned ([`crate::plan`]) with the same seed and options, and
//! compared: the steps added and removed, the time to Healthy (earliest and expected), the
//! peak of pods above `spec.replicas`, and the analysis that covers the update. Thresholds
//! (`--fail-if 'eta>+30m'`) turn a change into a CI failure.

use crate::engine::SimDuration;
use crate::manifest::Rollout;
use crate::plan::Plan;

/// What covers an update with analysis: a background analysis, and analysis steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub background: bool,
    pub steps: u32,
}

impl Coverage {
    pub fn of(rollout: &Rollout) -> Coverage {
        match rollout.spec.canary() {
            Some(c) => Coverage {
                background: c.analysis.is_some(),
                steps: c.steps.iter().filter(|s| s.analysis.is_some()).count() as u32,
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
    pub plan: Plan,
    /// The canary steps in Argo's wording (every step of the spec, reached or not).
    pub steps: Vec<String>,
    pub coverage: Coverage,
}

impl Side {
    pub fn new(plan: Plan, rollout: &Rollout) -> Side {
        let steps = rollout
            .spec
            .canary()
            .map(|c| c.steps.iter().map(|s| s.describe()).collect())
            .unwrap_or_default();
        Side {
            plan,
            steps,
            coverage: Coverage::of(rollout),
        }
    }

    /// Pods above `spec.replicas` at the peak.
    pub fn surge(&self) -> u32 {
        self.plan.peak_pods.saturating_sub(self.plan.replicas)
    }
}

/// A line of a step list diff: kept, removed (old only) or added (new only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepChange {
    Same(String),
    Removed(String),
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
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(StepChange::Added(new[j].clone()));
            j += 1;
        } else {
            out.push(StepChange::Removed(old[i].clone()));
            i += 1;
        }
    }
    out
}

/// A `--fail-if` threshold: `eta>+30m` (the expected ETA grows by more than 30 minutes),
/// `eta>2h` (the new expected ETA is over two hours), `surge>+2` / `surge>4` (pods above
/// `spec.replicas`), `never` (the new version never becomes Healthy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Threshold {
    Eta { relative: bool, limit: SimDuration },
    Surge { relative: bool, limit: u32 },
    Never,
}

impl std::str::FromStr for Threshold {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = "write eta>+30m, eta>2h, surge>+2, surge>4 or never";
        let t = s.trim();
        if t == "never" {
            return Ok(Threshold::Never);
        }
        let (what, limit) = t
            .split_once('>')
            .ok_or_else(|| format!("`{s}` is not a threshold; {usage}"))?;
        let (relative, limit) = match limit.trim().strip_prefix('+') {
            Some(l) => (true, l),
            None => (false, limit.trim()),
        };
        match what.trim() {
            "eta" => Ok(Threshold::Eta {
                relative,
                limit: crate::engine::parse_duration(limit)
                    .map_err(|e| format!("`{s}`: {e}; {usage}"))?,
            }),
            "surge" => Ok(Threshold::Surge {
                relative,
                limit: limit
                    .parse()
                    .map_err(|_| format!("`{s}`: `{limit}` is not a pod count; {usage}"))?,
            }),
            other => Err(format!("`{s}`: unknown measure `{other}`; {usage}")),
        }
    }
}

impl Threshold {
    /// Why the change crosses this threshold, if it does.
    pub fn crossed(&self, old: &Side, new: &Side) -> Option<String> {
        match self {
            Threshold::Never => new
                .plan
                .healthy
                .expected
                .is_none()
                .then(|| "the new version never becomes Healthy".to_string()),
            Threshold::Eta { relative, limit } => {
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
            Threshold::Surge { relative, limit } => {
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
    }

    #[test]
    fn thresholds_parse() {
        assert_eq!(
            "eta>+30m".parse::<Threshold>(),
            Ok(Threshold::Eta {
                relative: true,
                limit: SimDuration::from_secs(1800)
            })
        );
        assert_eq!(
            "surge>4".parse::<Threshold>(),
            Ok(Threshold::Surge {
                relative: false,
                limit: 4
            })
        );
        assert_eq!("never".parse::<Threshold>(), Ok(Threshold::Never));
        for bad in ["eta", "eta>soon", "pods>3", "surge>+x"] {
            assert!(bad.parse::<Threshold>().is_err(), "{bad}");
        }
    }
}
