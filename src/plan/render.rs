//! The output of `rollout-sim plan`: a text table and a JSON document (docs/plan.md).

use serde_json::{Value, json};

use crate::engine::SimDuration;
use crate::plan::{Times, UpdatePlan};

/// Seconds as a JSON number (`null` when it never happened).
fn secs(d: Option<SimDuration>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_millis() as f64 / 1000.0))
}

fn times(t: &Times) -> Value {
    json!({"earliest": secs(t.earliest), "expected": secs(t.expected)})
}

/// The JSON document (pretty-printed, one trailing newline).
pub fn render_json(p: &UpdatePlan) -> String {
    let steps: Vec<Value> = p
        .steps
        .iter()
        .map(|s| {
            json!({
                "index": s.index,
                "step": s.step,
                "indefinite": s.indefinite,
                "setWeight": s.set_weight,
                "pods": {"canary": s.canary_pods, "stable": s.stable_pods, "experiment": s.experiment_pods, "peak": s.peak_pods},
                "start": times(&s.start),
                "end": times(&s.end),
                "promotionsBefore": s.promotions_before,
            })
        })
        .collect();
    let doc = json!({
        "format": "rollout-sim/plan",
        "version": 1,
        "rollout": p.rollout,
        "strategy": p.strategy,
        "replicas": p.replicas,
        "image": {"from": p.image_from, "to": p.image_to},
        "startup": p.startup.map(|(e, x)| json!({"earliest": secs(Some(e)), "expected": secs(Some(x))})),
        "promoteAfter": secs(p.promote_after),
        "maxTrafficWeight": p.max_weight,
        "promotions": p.promotions,
        "steps": steps,
        "healthy": {
            "earliest": secs(p.healthy.earliest),
            "expected": secs(p.healthy.expected),
            "pods": p.healthy.expected.map(|_| json!({
                "canary": p.healthy_canary_pods,
                "stable": p.healthy_stable_pods,
                "experiment": p.healthy_experiment_pods,
                "peak": p.healthy_peak_pods,
            })),
        },
        "settled": times(&p.settled),
        "peakPods": p.peak_pods,
        "podSecondsAbove": {
            "earliest": p.pod_ms_above.earliest as f64 / 1000.0,
            "expected": p.pod_ms_above.expected as f64 / 1000.0,
        },
        "stalled": p.stalled.as_ref().map(|st| json!({
            "at": secs(st.at),
            "phase": st.phase.to_string(),
            "message": st.message,
            "step": st.step.as_ref().map(|(i, text)| json!({"index": i, "step": text})),
            "wait": st.wait,
            "horizon": secs(Some(st.horizon)),
            "why": st.explain(),
        })),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A time of the table: `+P` (`+2P`...) when it leaves out the wait for manual promotions.
pub(crate) fn cell(d: Option<SimDuration>, promotions: u32, assumed: bool) -> String {
    let Some(d) = d else {
        return "never".to_string();
    };
    match promotions {
        _ if assumed => d.to_string(),
        0 => d.to_string(),
        1 => format!("{d}+P"),
        n => format!("{d}+{n}P"),
    }
}

fn peak(n: u32, replicas: u32) -> String {
    if n > replicas {
        format!("{n} (+{})", n - replicas)
    } else {
        n.to_string()
    }
}

/// A setWeight for the table: as written when `maxTrafficWeight` is 100, else its share of
/// the traffic (`100` of 500 is `20%`).
fn weight(w: u32, max: u32) -> String {
    if max == 100 {
        w.to_string()
    } else {
        crate::output::timeline::percent(w, max)
    }
}

/// Where the `experiment` column is in a full row.
const EXPERIMENT_COLUMN: usize = 5;

/// The text table.
pub fn render_text(p: &UpdatePlan) -> String {
    let mut out = String::new();
    let what = if p.strategy == "blueGreen" {
        "blue-green".to_string()
    } else {
        // A manifest's steps are far fewer than u32::MAX.
        let reached = u32::try_from(p.steps.len()).unwrap_or(u32::MAX);
        if reached < p.spec_steps {
            format!("canary, {} steps ({reached} reached)", p.spec_steps)
        } else {
            format!("canary, {} steps", p.spec_steps)
        }
    };
    out.push_str(&format!(
        "Plan of rollout {}: {what}, {} replicas\n",
        p.rollout, p.replicas
    ));
    let startup = match p.startup {
        None => "pods of the new image never become Ready".to_string(),
        Some((e, x)) if e == x => format!("pods start in {e}"),
        Some((e, x)) => format!("pods start in {e} at the earliest, {x} expected"),
    };
    out.push_str(&format!(
        "Update {} -> {}; {startup}\n",
        p.image_from, p.image_to
    ));
    let assumed = p.promote_after.is_some();
    match p.promote_after {
        Some(d) if p.promotions > 0 => out.push_str(&format!(
            "Each manual promotion assumed {d} after its pause starts\n"
        )),
        Some(_) => {}
        None if p.promotions > 0 => out.push_str(
            "Manual promotions: +P marks times that leave out the wait for a promote (--promote-after D to assume one)\n",
        ),
        None => {}
    }
    if p.max_weight != 100 {
        out.push_str(&format!(
            "Weights are shares of the traffic: setWeight out of maxTrafficWeight {}\n",
            p.max_weight
        ));
    }
    out.push_str("Times since the image change.\n\n");
    let mut rows: Vec<Vec<String>> = vec![vec![
        "#".into(),
        "step".into(),
        "weight".into(),
        "canary".into(),
        "stable".into(),
        "experiment".into(),
        "peak pods".into(),
        "earliest".into(),
        "expected".into(),
        String::new(),
    ]];
    for s in &p.steps {
        let note = if s.indefinite {
            match p.promote_after {
                Some(d) => format!("promoted after {d}"),
                None => "waits for promote".to_string(),
            }
        } else {
            String::new()
        };
        rows.push(vec![
            s.index.map(|i| i.to_string()).unwrap_or_default(),
            s.step.clone(),
            s.set_weight
                .map(|w| weight(w, p.max_weight))
                .unwrap_or_default(),
            s.canary_pods.to_string(),
            s.stable_pods.to_string(),
            s.experiment_pods.to_string(),
            peak(s.peak_pods, p.replicas),
            cell(s.end.earliest, s.promotions_before, assumed),
            cell(s.end.expected, s.promotions_before, assumed),
            note,
        ]);
    }
    // Pods at Healthy, when it happens.
    let known = |c: String| {
        if p.healthy.expected.is_some() {
            c
        } else {
            String::new()
        }
    };
    // The Healthy row goes where it happens (blue-green scales the old side down after it).
    let at = p
        .steps
        .iter()
        .position(|s| match (s.end.expected, p.healthy.expected) {
            (Some(e), Some(h)) => e > h,
            (None, Some(_)) => true,
            _ => false,
        })
        .map_or(rows.len(), |i| i + 1);
    rows.insert(
        at,
        vec![
            String::new(),
            "Healthy".into(),
            if p.strategy == "canary" {
                weight(p.max_weight, p.max_weight)
            } else {
                String::new()
            },
            known(p.healthy_canary_pods.to_string()),
            known(p.healthy_stable_pods.to_string()),
            known(p.healthy_experiment_pods.to_string()),
            known(peak(p.healthy_peak_pods, p.replicas)),
            cell(p.healthy.earliest, p.promotions, assumed),
            cell(p.healthy.expected, p.promotions, assumed),
            "the ETA".into(),
        ],
    );
    // The experiment column only for rollouts with experiment steps.
    if !p.has_experiments {
        for r in &mut rows {
            r.remove(EXPERIMENT_COLUMN);
        }
    }
    let last = rows[0].len() - 1;
    let mut widths = vec![0usize; rows[0].len()];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    for r in &rows {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths.iter()).enumerate() {
            // Text columns left-aligned, numbers right-aligned.
            let left = i == 1 || i == last;
            let pad = w - c.chars().count();
            if i > 0 {
                line.push_str("  ");
            }
            if left {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    let eta = |t: &Times| {
        (
            cell(t.earliest, p.promotions, assumed),
            cell(t.expected, p.promotions, assumed),
        )
    };
    let (e, x) = eta(&p.healthy);
    out.push_str(&format!(
        "ETA to Healthy: {x} expected, {e} at the earliest\n"
    ));
    let (e, x) = eta(&p.settled);
    out.push_str(&format!(
        "Old ReplicaSets scaled down: {x} expected, {e} at the earliest\n"
    ));
    out.push_str(&format!(
        "Peak: {} pods ({} above spec.replicas); {} pod-seconds above spec.replicas expected\n",
        p.peak_pods,
        p.peak_pods.saturating_sub(p.replicas),
        // Whole pod-milliseconds: at most three decimals, none when whole.
        p.pod_ms_above.expected_secs()
    ));
    if let Some(st) = &p.stalled {
        out.push_str(&format!("Never Healthy: {}\n", st.explain()));
        if let Some(w) = &st.wait {
            out.push_str(&format!("  the plan's {w}\n"));
        }
    }
    out
}
