//! How long the default scenario of a bare manifest may run before it is called stuck. A fixed
//! cut-off would end a Rollout with a 24-hour bake (`pause: {duration: 24h}`) half-way, so
//! the horizon is added up from what the update will wait for: timed pauses, indefinite pauses
//! (promoted after `--auto-promote`), analyses (initial delay plus count times interval),
//! experiments, blue-green's auto-promotion and scale-down delay, and a progress deadline for
//! every step (pods that take that long turn the rollout Degraded, which ends the run). The sum
//! is doubled and an hour added: the bound is there to end runs that never finish, not to
//! judge how long a finishing one takes.

use crate::analysis::metric;
use crate::analysis::spec;
use crate::api::analysis::{AnalysisTemplate, RolloutAnalysis};
use crate::api::{Rollout, Step};
use crate::engine::SimDuration;

/// The slack added to the doubled sum.
const SLACK: SimDuration = SimDuration(3600 * 1000);
/// What one measurement that is neither timed nor repeated is given (a job runs 5 s).
const PER_MEASUREMENT: SimDuration = SimDuration(10_000);

/// The longest an analysis built from `a` takes: its slowest metric, measured `count` times
/// (once when it has no count) `interval` apart after `initialDelay`.
fn analysis_bound(a: &RolloutAnalysis, templates: &[AnalysisTemplate]) -> SimDuration {
    let Ok(spec) = spec::build(a, templates) else {
        return SimDuration::ZERO;
    };
    let mut longest = SimDuration::ZERO;
    for m in &spec.metrics {
        let Ok(m) = metric::read(&m.raw.0) else {
            continue;
        };
        // A metric without a count runs until the rollout ends (only background analysis
        // allows that); one measurement stands for it here.
        let count = m.effective_count().unwrap_or(1).max(1).unsigned_abs();
        let interval = m.interval.unwrap_or(SimDuration::ZERO);
        let each = interval.max(PER_MEASUREMENT);
        let ms = m
            .initial_delay
            .unwrap_or(SimDuration::ZERO)
            .as_millis()
            .saturating_add(each.as_millis().saturating_mul(count));
        longest = longest.max(SimDuration(ms));
    }
    longest
}

fn step_bound(s: &Step, templates: &[AnalysisTemplate], auto_promote: SimDuration) -> SimDuration {
    let mut ms: u64 = 0;
    if let Some(p) = &s.pause {
        ms = ms.saturating_add(match &p.duration {
            Some(d) => d.seconds.saturating_mul(1000),
            None => auto_promote.as_millis(),
        });
    }
    if let Some(a) = &s.analysis {
        ms = ms.saturating_add(analysis_bound(a, templates).as_millis());
    }
    if let Some(e) = &s.experiment {
        ms = ms.saturating_add(e.duration.as_ref().map_or(0, |d| d.millis));
        for a in &e.analyses {
            ms = ms.saturating_add(analysis_bound(&a.analysis, templates).as_millis());
        }
    }
    SimDuration(ms)
}

/// The horizon of the default scenario of `rollout` (see the module docs).
pub fn default_horizon(
    rollout: &Rollout,
    templates: &[AnalysisTemplate],
    auto_promote: SimDuration,
) -> SimDuration {
    let spec = &rollout.spec;
    let deadline = u64::from(spec.progress_deadline_seconds).max(600) * 1000;
    let mut ms: u64 = 0;
    // Two deploys (the first revision, then the update), each allowed its progress deadline.
    let mut phases: u64 = 2;
    if let Some(c) = spec.canary() {
        for s in &c.steps {
            ms = ms.saturating_add(step_bound(s, templates, auto_promote).as_millis());
            phases += 1;
        }
        ms = ms.saturating_add(u64::from(c.scale_down_delay_seconds.unwrap_or(30)) * 1000);
    }
    if let Some(b) = spec.blue_green() {
        ms = ms
            .saturating_add(u64::from(b.auto_promotion_seconds) * 1000)
            .saturating_add(auto_promote.as_millis())
            .saturating_add(u64::from(b.scale_down_delay_seconds.unwrap_or(30)) * 1000);
        for a in [&b.pre_promotion_analysis, &b.post_promotion_analysis]
            .into_iter()
            .flatten()
        {
            ms = ms.saturating_add(analysis_bound(a, templates).as_millis());
        }
        phases += 2;
    }
    ms = ms.saturating_add(deadline.saturating_mul(phases));
    SimDuration(ms.saturating_mul(2).saturating_add(SLACK.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout_with_steps(steps: &str) -> Rollout {
        let text = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: r}}\nspec:\n  \
             replicas: 2\n  selector: {{matchLabels: {{app: r}}}}\n  template:\n    metadata: \
             {{labels: {{app: r}}}}\n    spec: {{containers: [{{name: c, image: app:1}}]}}\n  \
             strategy:\n    canary:\n      steps:\n{steps}"
        );
        let (m, _) = crate::manifest::parse_text("r.yaml", &text).expect("valid");
        m.rollouts.into_iter().next().expect("one Rollout")
    }

    #[test]
    fn a_long_bake_lies_inside_the_horizon() {
        let auto = SimDuration::from_secs(30);
        let bake = rollout_with_steps("      - setWeight: 50\n      - pause: {duration: 24h}\n");
        let h = default_horizon(&bake, &[], auto);
        assert!(h > SimDuration::from_secs(2 * 24 * 3600), "{h}");
        // Indefinite pauses count as the auto-promotion delay, not as forever.
        let short = rollout_with_steps("      - setWeight: 50\n      - pause: {}\n");
        let s = default_horizon(&short, &[], auto);
        assert!(s < SimDuration::from_secs(6 * 3600), "{s}");
        // More waiting, a later horizon.
        assert!(h > s);
    }
}
