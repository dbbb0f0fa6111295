//! The output of `rollout-sim diff`: a text summary, Markdown ready for a pull-request
//! comment (a table of the figures, then the steps as a `diff` block), or a JSON document for
//! tools.

use serde_json::{Value, json};

use crate::diff::{Blast, Side, StepChange, step_changes};
use crate::engine::SimDuration;

/// `+2m30s`, `-45s`, `0s`; `never` when either side never happens.
fn delta(old: Option<SimDuration>, new: Option<SimDuration>) -> String {
    match (old, new) {
        (Some(o), Some(n)) if n == o => "0s".into(),
        (Some(o), Some(n)) if n > o => format!("+{}", SimDuration(n.0 - o.0)),
        (Some(o), Some(n)) => format!("-{}", SimDuration(o.0 - n.0)),
        (None, None) => String::new(),
        (_, None) => "never Healthy".into(),
        (None, _) => "now Healthy".into(),
    }
}

/// A time of one side, marked `+P` (as `plan` marks it) when it leaves out the wait for the
/// side's manual promotions.
fn time(d: Option<SimDuration>, plan: &crate::plan::UpdatePlan) -> String {
    crate::plan::render::cell(d, plan.promotions, plan.promote_after.is_some())
}

/// What `+P` means, when a time of either side carries it.
fn promotion_legend(old: &Side, new: &Side) -> Option<&'static str> {
    let unassumed = |p: &crate::plan::UpdatePlan| p.promotions > 0 && p.promote_after.is_none();
    (unassumed(&old.plan) || unassumed(&new.plan)).then_some(
        "+P: the time leaves out the wait for a manual promotion (`--promote-after D` to assume one)",
    )
}

/// A count of steps or runs as the `u32` that `count_delta` takes; a scenario never has
/// anywhere near 2^32 of either, and saturating beats silently wrapping if one ever did.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn count_delta(old: u32, new: u32) -> String {
    let d = i64::from(new) - i64::from(old);
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// `+40 (+100%)`, `-12.5 (-25%)`, `0`: a change of pod-seconds or requests, and its share of
/// the old figure when there is one.
fn amount_delta(old: f64, new: f64) -> String {
    let d = new - old;
    if d == 0.0 {
        return "0".into();
    }
    let sign = if d > 0.0 { "+" } else { "" };
    if old == 0.0 {
        format!("{sign}{}", round(d))
    } else {
        format!("{sign}{} ({sign}{}%)", round(d), round(d / old * 100.0))
    }
}

/// At most one decimal: pod-seconds are whole pod-milliseconds, shares are rough anyway.
fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn blast_cell(b: &Blast) -> String {
    format!("{} / {} / {}", b.p50(), b.p95(), b.max())
}

/// The rows: what, old, new, change.
fn rows(old: &Side, new: &Side) -> Vec<[String; 4]> {
    let (o, n) = (&old.plan, &new.plan);
    let mut rows = vec![
        [
            "canary steps".into(),
            old.steps.len().to_string(),
            new.steps.len().to_string(),
            count_delta(count(old.steps.len()), count(new.steps.len())),
        ],
        [
            "time to Healthy, expected".into(),
            time(o.healthy.expected, o),
            time(n.healthy.expected, n),
            delta(o.healthy.expected, n.healthy.expected),
        ],
        [
            "time to Healthy, earliest".into(),
            time(o.healthy.earliest, o),
            time(n.healthy.earliest, n),
            delta(o.healthy.earliest, n.healthy.earliest),
        ],
        [
            "peak pods above spec.replicas".into(),
            old.surge().to_string(),
            new.surge().to_string(),
            count_delta(old.surge(), new.surge()),
        ],
        [
            "pod-seconds above spec.replicas".into(),
            round(old.pod_seconds()).to_string(),
            round(new.pod_seconds()).to_string(),
            amount_delta(old.pod_seconds(), new.pod_seconds()),
        ],
        [
            "manual promotions".into(),
            o.promotions.to_string(),
            n.promotions.to_string(),
            count_delta(o.promotions, n.promotions),
        ],
        [
            "analysis".into(),
            old.coverage.to_string(),
            new.coverage.to_string(),
            if old.coverage == new.coverage {
                String::new()
            } else {
                "changed".into()
            },
        ],
    ];
    if let (Some(ob), Some(nb)) = (&old.blast, &new.blast) {
        rows.push([
            format!(
                "bad canary: failed requests p50 / p95 / max ({} runs)",
                nb.runs()
            ),
            blast_cell(ob),
            blast_cell(nb),
            format!("{} at p95", amount_delta(ob.p95() as f64, nb.p95() as f64)),
        ]);
        rows.push([
            "bad canary: runs aborted".into(),
            format!("{}/{}", ob.aborted, ob.runs()),
            format!("{}/{}", nb.aborted, nb.runs()),
            count_delta(count(ob.aborted), count(nb.aborted)),
        ]);
    }
    rows
}

/// Why a side never becomes Healthy, one sentence each (the plan's own words).
fn stalls(old: &Side, new: &Side) -> Vec<String> {
    [("old", old), ("new", new)]
        .into_iter()
        .filter_map(|(which, side)| {
            let s = side.plan.stalled.as_ref()?;
            Some(format!(
                "The {which} version never becomes Healthy: {}",
                s.explain()
            ))
        })
        .collect()
}

fn step_lines(old: &Side, new: &Side) -> Vec<String> {
    step_changes(&old.steps, &new.steps)
        .into_iter()
        .map(|c| match c {
            StepChange::Same(s) => format!("  {s}"),
            StepChange::Removed(s) => format!("- {s}"),
            StepChange::Added(s) => format!("+ {s}"),
        })
        .collect()
}

/// The text summary. `crossed`: the `--fail-if` thresholds the change crosses.
pub fn text(old_name: &str, new_name: &str, old: &Side, new: &Side, crossed: &[String]) -> String {
    let mut out = format!(
        "Rollout {}: {old_name} -> {new_name} (same seed, times since the image change)\n\n",
        new.plan.rollout
    );
    let mut table = vec![[
        String::new(),
        "old".to_string(),
        "new".to_string(),
        "change".to_string(),
    ]];
    table.extend(rows(old, new));
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &table {
        let line = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some(l) = promotion_legend(old, new) {
        out.push_str(&format!("{l}\n"));
    }
    out.push_str("\nSteps:\n");
    for l in step_lines(old, new) {
        out.push_str(&format!("  {l}\n"));
    }
    for s in stalls(old, new) {
        out.push_str(&format!("\n{s}\n"));
    }
    for c in crossed {
        out.push_str(&format!("\nThreshold crossed: {c}\n"));
    }
    out
}

/// Markdown for a pull-request comment.
pub fn markdown(
    old_name: &str,
    new_name: &str,
    old: &Side,
    new: &Side,
    crossed: &[String],
) -> String {
    let mut out = format!(
        "### Rollout `{}`: what this change does to its update\n\n`{old_name}` → `{new_name}`, planned with the same seed (times since the image change).\n\n| | old | new | change |\n| --- | ---: | ---: | --- |\n",
        new.plan.rollout
    );
    for r in rows(old, new) {
        out.push_str(&format!("| {} | {} | {} | {} |\n", r[0], r[1], r[2], r[3]));
    }
    if let Some(l) = promotion_legend(old, new) {
        out.push_str(&format!("\n{l}\n"));
    }
    out.push_str("\n<details><summary>Steps</summary>\n\n```diff\n");
    for l in step_lines(old, new) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("```\n\n</details>\n");
    for s in stalls(old, new) {
        out.push_str(&format!("\n{s}\n"));
    }
    for c in crossed {
        out.push_str(&format!("\n**Threshold crossed:** {c}\n"));
    }
    out
}

fn side_json(name: &str, side: &Side) -> Value {
    let secs = |d: Option<SimDuration>| d.map(|d| d.as_millis() as f64 / 1000.0);
    let p = &side.plan;
    json!({
        "input": name,
        "steps": side.steps,
        "healthy": {"earliest": secs(p.healthy.earliest), "expected": secs(p.healthy.expected)},
        "stalled": p.stalled.as_ref().map(|s| s.explain()),
        "peakPodsAbove": side.surge(),
        "podSecondsAbove": side.pod_seconds(),
        "promotions": p.promotions,
        "analysis": {"background": side.coverage.background, "steps": side.coverage.steps},
        "blast": side.blast.as_ref().map(|b| json!({
            "seed": b.seed,
            "runs": b.runs(),
            "failed": b.failed,
            "p50": b.p50(),
            "p95": b.p95(),
            "max": b.max(),
            "aborted": b.aborted,
        })),
    })
}

/// The JSON document (pretty-printed, one trailing newline): both sides' figures, the step
/// diff, and the thresholds crossed.
pub fn json(old_name: &str, new_name: &str, old: &Side, new: &Side, crossed: &[String]) -> String {
    let steps: Vec<Value> = step_changes(&old.steps, &new.steps)
        .into_iter()
        .map(|c| match c {
            StepChange::Same(s) => json!({"change": "same", "step": s}),
            StepChange::Removed(s) => json!({"change": "removed", "step": s}),
            StepChange::Added(s) => json!({"change": "added", "step": s}),
        })
        .collect();
    let doc = json!({
        "format": "rollout-sim/diff",
        "version": 1,
        "rollout": new.plan.rollout,
        "replicas": {"old": old.plan.replicas, "new": new.plan.replicas},
        "old": side_json(old_name, old),
        "new": side_json(new_name, new),
        "stepChanges": steps,
        "crossed": crossed,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
