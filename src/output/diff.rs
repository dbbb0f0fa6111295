//! The output of `rollout-sim diff`: a text summary, or Markdown ready for a pull-request
//! comment (a table of the figures, then the steps as a `diff` block).

use crate::diff::{Side, StepChange, step_changes};
use crate::engine::SimDuration;

/// `+2m30s`, `-45s`, `0s`; `never` when either side never happens.
fn delta(old: Option<SimDuration>, new: Option<SimDuration>) -> String {
    match (old, new) {
        (Some(o), Some(n)) if n >= o => format!("+{}", SimDuration(n.0 - o.0)),
        (Some(o), Some(n)) => format!("-{}", SimDuration(o.0 - n.0)),
        (None, None) => String::new(),
        (_, None) => "never Healthy".into(),
        (None, _) => "now Healthy".into(),
    }
}

fn time(d: Option<SimDuration>) -> String {
    d.map_or_else(|| "never".into(), |d| d.to_string())
}

fn count_delta(old: u32, new: u32) -> String {
    let d = i64::from(new) - i64::from(old);
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// The rows: what, old, new, change.
fn rows(old: &Side, new: &Side) -> Vec<[String; 4]> {
    let (o, n) = (&old.plan, &new.plan);
    vec![
        [
            "canary steps".into(),
            old.steps.len().to_string(),
            new.steps.len().to_string(),
            count_delta(old.steps.len() as u32, new.steps.len() as u32),
        ],
        [
            "time to Healthy, expected".into(),
            time(o.healthy.expected),
            time(n.healthy.expected),
            delta(o.healthy.expected, n.healthy.expected),
        ],
        [
            "time to Healthy, earliest".into(),
            time(o.healthy.earliest),
            time(n.healthy.earliest),
            delta(o.healthy.earliest, n.healthy.earliest),
        ],
        [
            "peak pods above spec.replicas".into(),
            old.surge().to_string(),
            new.surge().to_string(),
            count_delta(old.surge(), new.surge()),
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
    ]
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
    out.push_str("\nSteps:\n");
    for l in step_lines(old, new) {
        out.push_str(&format!("  {l}\n"));
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
    out.push_str("\n<details><summary>Steps</summary>\n\n```diff\n");
    for l in step_lines(old, new) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("```\n\n</details>\n");
    for c in crossed {
        out.push_str(&format!("\n**Threshold crossed:** {c}\n"));
    }
    out
}
