//! The results of a sweep: a text table, CSV and JSON with one row per variant, and a chart of
//! time to done against failed requests served by the new version. Then the *answers*: per
//! variant, the share of runs in which each check held and that reached each canary step and
//! weight before an abort, each with its 95 % Wilson interval. A shard's JSON (`--shard`)
//! carries every run, so that [`read_part`] can read it back for `merge`.

use std::fmt::Write as _;

use plotters::prelude::*;
use serde_json::json;

use crate::engine::SimDuration;
use crate::sim::StepKind;
use crate::sweep::{Outcome, Part, RunStats, Slice, SweepStep, VariantResult, percentile, wilson};

/// The per-variant figures every format prints.
struct Figures {
    healthy: usize,
    aborted: usize,
    degraded: usize,
    unfinished: usize,
    time: [Option<f64>; 3],
    requests: [Option<f64>; 2],
    /// p50, p95, max: the blast radius of the canary.
    failed: [Option<f64>; 3],
    peak_pods: Option<f64>,
    pod_seconds: Option<f64>,
}

fn figures(v: &VariantResult) -> Figures {
    let times: Vec<f64> = v.runs.iter().filter_map(|r| r.time_to_done).collect();
    let req: Vec<f64> = v.runs.iter().map(|r| r.requests as f64).collect();
    let failed: Vec<f64> = v.runs.iter().map(|r| r.failed as f64).collect();
    let peak: Vec<f64> = v.runs.iter().map(|r| f64::from(r.peak_pods)).collect();
    let above: Vec<f64> = v.runs.iter().map(|r| r.pod_seconds_above).collect();
    Figures {
        healthy: v.count(Outcome::Healthy),
        aborted: v.count(Outcome::Aborted),
        degraded: v.count(Outcome::Degraded),
        unfinished: v.count(Outcome::Unfinished),
        time: [
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            percentile(&times, 100.0),
        ],
        requests: [percentile(&req, 50.0), percentile(&req, 95.0)],
        failed: [
            percentile(&failed, 50.0),
            percentile(&failed, 95.0),
            percentile(&failed, 100.0),
        ],
        peak_pods: percentile(&peak, 100.0),
        pod_seconds: percentile(&above, 50.0),
    }
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

const COLUMNS: [&str; 15] = [
    "healthy",
    "aborted",
    "degraded",
    "unfinished",
    "time_p50_s",
    "time_p95_s",
    "time_max_s",
    "requests_p50",
    "requests_p95",
    "failed_p50",
    "failed_p95",
    "failed_max",
    "peak_pods",
    "pod_seconds_above_p50",
    "runs",
];

fn row(v: &VariantResult) -> Vec<String> {
    let f = figures(v);
    vec![
        f.healthy.to_string(),
        f.aborted.to_string(),
        f.degraded.to_string(),
        f.unfinished.to_string(),
        num(f.time[0]),
        num(f.time[1]),
        num(f.time[2]),
        num(f.requests[0]),
        num(f.requests[1]),
        num(f.failed[0]),
        num(f.failed[1]),
        num(f.failed[2]),
        num(f.peak_pods),
        num(f.pod_seconds),
        v.runs.len().to_string(),
    ]
}

/// A "how often" answer of a variant: `yes` of `runs` runs.
pub struct Answer {
    /// `held`, `reachedStep` or `reachedWeight`.
    pub kind: &'static str,
    /// What was asked: the check's label, `step 2 (setWeight: 50)`, `weight 50`.
    pub question: String,
    /// How many of the variant's runs answered yes.
    pub yes: usize,
    /// How many runs the variant had, the denominator of the share.
    pub runs: usize,
}

impl Answer {
    /// The fraction of runs that answered yes, in 0..=1; 0 for a variant without runs.
    pub fn share(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.yes as f64 / self.runs as f64
        }
    }

    /// The 95 % Wilson interval around the share, so a handful of runs reads as uncertain.
    pub fn interval(&self) -> (f64, f64) {
        wilson(self.yes, self.runs)
    }

    /// The column name in CSV: kind and question.
    fn column(&self) -> String {
        format!("{} {}", self.kind, self.question)
    }
}

/// The answers of a variant: each check held, each step and each weight reached before an
/// abort.
pub fn answers(v: &VariantResult) -> Vec<Answer> {
    let n = v.runs.len();
    let mut out = Vec::new();
    for (j, label) in v.checks.iter().enumerate() {
        out.push(Answer {
            kind: "held",
            question: label.clone(),
            yes: v
                .runs
                .iter()
                .filter(|r| r.held.get(j) == Some(&true))
                .count(),
            runs: n,
        });
    }
    for (i, step) in v.steps.iter().enumerate() {
        out.push(Answer {
            kind: "reachedStep",
            question: format!("step {i} ({})", step.text),
            yes: v
                .runs
                .iter()
                .filter(|r| r.steps_reached as usize > i)
                .count(),
            runs: n,
        });
    }
    // Each weight the steps set, once, in the order the steps first set it.
    let mut weights: Vec<u32> = Vec::new();
    for step in &v.steps {
        if step.weight > 0 && !weights.contains(&step.weight) {
            weights.push(step.weight);
        }
    }
    for w in weights {
        let reached = |r: &RunStats| {
            v.steps
                .iter()
                .take(r.steps_reached as usize)
                .any(|x| x.weight >= w)
        };
        out.push(Answer {
            kind: "reachedWeight",
            question: format!("weight {w}"),
            yes: v.runs.iter().filter(|r| reached(r)).count(),
            runs: n,
        });
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The answers as a text table: variant, question, runs, share and its 95 % interval.
fn answers_text(results: &[VariantResult]) -> String {
    let mut rows: Vec<Vec<String>> = vec![vec![
        "variant".into(),
        "answer".into(),
        "runs".into(),
        "share".into(),
        "95% interval".into(),
    ]];
    for v in results {
        for a in answers(v) {
            let (lo, hi) = a.interval();
            let what = match a.kind {
                "held" => format!("held: {}", a.question),
                _ => format!("reached {} before an abort", a.question),
            };
            rows.push(vec![
                v.label(),
                what,
                format!("{}/{}", a.yes, a.runs),
                pct(a.share()),
                format!("{}..{}", pct(lo), pct(hi)),
            ]);
        }
    }
    if rows.len() == 1 {
        return String::new();
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::from("\n");
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

/// The text table: one row per variant, then the answers.
pub fn text(results: &[VariantResult]) -> String {
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once("variant".to_string())
            .chain(COLUMNS.iter().map(|c| c.to_string()))
            .collect(),
    ];
    for v in results {
        rows.push(std::iter::once(v.label()).chain(row(v)).collect());
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out.push_str(&answers_text(results));
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV: one row per variant, one column per `--set` path then the figures.
pub fn csv(results: &[VariantResult]) -> String {
    let mut out = String::new();
    let paths: Vec<String> = results
        .first()
        .map(|v| v.values.iter().map(|(p, _)| p.clone()).collect())
        .unwrap_or_default();
    // One share and its interval per answer, the union over the variants in first-seen order.
    let mut questions: Vec<String> = Vec::new();
    for v in results {
        for a in answers(v) {
            if !questions.contains(&a.column()) {
                questions.push(a.column());
            }
        }
    }
    let header: Vec<String> = paths
        .iter()
        .map(|p| csv_cell(p))
        .chain(COLUMNS.iter().map(|c| c.to_string()))
        .chain(questions.iter().flat_map(|q| {
            [
                csv_cell(q),
                csv_cell(&format!("{q} ci95_lo")),
                csv_cell(&format!("{q} ci95_hi")),
            ]
        }))
        .collect();
    let _ = writeln!(out, "{}", header.join(","));
    for v in results {
        let mine = answers(v);
        let shares = questions
            .iter()
            .flat_map(|q| match mine.iter().find(|a| &a.column() == q) {
                Some(a) => {
                    let (lo, hi) = a.interval();
                    [
                        format!("{:.4}", a.share()),
                        format!("{lo:.4}"),
                        format!("{hi:.4}"),
                    ]
                }
                None => [String::new(), String::new(), String::new()],
            });
        let cells: Vec<String> = v
            .values
            .iter()
            .map(|(_, val)| match val {
                serde_json::Value::String(s) => csv_cell(s),
                other => other.to_string(),
            })
            .chain(
                row(v)
                    .into_iter()
                    .map(|c| if c == "-" { String::new() } else { c }),
            )
            .chain(shares)
            .collect();
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// JSON: every variant with its figures and its runs.
pub fn json(results: &[VariantResult]) -> String {
    let mut s = serde_json::to_string_pretty(&doc(results)).unwrap_or_default();
    s.push('\n');
    s
}

/// The JSON of one shard: the sweep's document of the runs it made, and what `merge` needs to
/// check that the parts belong together.
pub fn json_part(results: &[VariantResult], shard: Slice, runs: u32, seed: u64) -> String {
    let mut d = doc(results);
    if let Some(m) = d.as_object_mut() {
        m.insert("format".into(), json!("rollout-sim/sweep-part"));
        m.insert(
            "shard".into(),
            json!({"index": shard.index, "count": shard.count}),
        );
        m.insert("runsPerVariant".into(), json!(runs));
        m.insert("firstSeed".into(), json!(seed));
    }
    // A part also carries each step's kind, which `merge` needs (the detection curve is drawn
    // at the setWeight steps) and would otherwise have to guess from the step's wording.
    for (v, result) in d["variants"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .zip(results)
    {
        for (step, s) in v["steps"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(&result.steps)
        {
            if let Some(o) = step.as_object_mut() {
                o.insert("kind".into(), step_kind_json(s.kind));
            }
        }
    }
    let mut s = serde_json::to_string_pretty(&d).unwrap_or_default();
    s.push('\n');
    s
}

/// A step's kind in a part: `{"setWeight": 20}`, `{"pause": 45}` (seconds; `null` until
/// promoted), or the name of the step (`"experiment"`, `"analysis"`, `"setCanaryScale"`,
/// `"route"`).
fn step_kind_json(kind: StepKind) -> serde_json::Value {
    match kind {
        StepKind::SetWeight(w) => json!({ "setWeight": w }),
        StepKind::Pause(d) => json!({ "pause": d.map(|d| d.as_millis() / 1000) }),
        StepKind::Experiment => json!("experiment"),
        StepKind::Analysis => json!("analysis"),
        StepKind::SetCanaryScale => json!("setCanaryScale"),
        StepKind::Route => json!("route"),
    }
}

/// Reads back what [`step_kind_json`] wrote.
fn step_kind_of_json(v: &serde_json::Value) -> Option<StepKind> {
    if let Some(w) = v.get("setWeight") {
        return Some(StepKind::SetWeight(u32::try_from(w.as_u64()?).ok()?));
    }
    if let Some(p) = v.get("pause") {
        return Some(StepKind::Pause(match p {
            serde_json::Value::Null => None,
            secs => Some(SimDuration(secs.as_u64()?.checked_mul(1000)?)),
        }));
    }
    Some(match v.as_str()? {
        "experiment" => StepKind::Experiment,
        "analysis" => StepKind::Analysis,
        "setCanaryScale" => StepKind::SetCanaryScale,
        "route" => StepKind::Route,
        _ => return None,
    })
}

/// Reads a shard's JSON back (`name` is for messages).
pub fn read_part(name: &str, text: &str) -> Result<Part, String> {
    let d: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    if d["format"] != "rollout-sim/sweep-part" {
        return Err(format!(
            "{name}: not a sweep part (write it with `sweep --shard I/N --format json`)"
        ));
    }
    let bad = |what: &str| format!("{name}: `{what}` is missing or not valid");
    let uint = |v: &serde_json::Value, what: &str| v.as_u64().ok_or_else(|| bad(what));
    // A count that does not fit its type was not written by `sweep`: refuse it rather than
    // let it wrap into a different, plausible-looking number.
    let index =
        |v: &serde_json::Value, what: &str| usize::try_from(uint(v, what)?).map_err(|_| bad(what));
    let small =
        |v: &serde_json::Value, what: &str| u32::try_from(uint(v, what)?).map_err(|_| bad(what));
    let shard = Slice {
        index: index(&d["shard"]["index"], "shard.index")?,
        count: index(&d["shard"]["count"], "shard.count")?,
    };
    let strings = |v: &serde_json::Value, what: &str| -> Result<Vec<String>, String> {
        v.as_array()
            .ok_or_else(|| bad(what))?
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(what)))
            .collect()
    };
    let mut variants = Vec::new();
    for v in d["variants"].as_array().ok_or_else(|| bad("variants"))? {
        let values = v["values"]
            .as_array()
            .ok_or_else(|| bad("values"))?
            .iter()
            .map(|x| {
                Ok((
                    x["path"]
                        .as_str()
                        .ok_or_else(|| bad("values.path"))?
                        .to_string(),
                    x["value"].clone(),
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let steps = v["steps"]
            .as_array()
            .ok_or_else(|| bad("steps"))?
            .iter()
            .map(|x| {
                Ok(SweepStep {
                    text: x["step"]
                        .as_str()
                        .ok_or_else(|| bad("steps.step"))?
                        .to_string(),
                    kind: step_kind_of_json(&x["kind"]).ok_or_else(|| bad("steps.kind"))?,
                    weight: small(&x["setWeight"], "steps.setWeight")?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut runs = Vec::new();
        for r in v["runs"].as_array().ok_or_else(|| bad("runs"))? {
            runs.push(run_of_json(r).ok_or_else(|| bad("runs[]"))?);
        }
        variants.push(VariantResult {
            values,
            checks: strings(&v["checks"], "checks")?,
            steps,
            runs,
        });
    }
    Ok(Part {
        name: name.to_string(),
        shard,
        runs: small(&d["runsPerVariant"], "runsPerVariant")?,
        seed: uint(&d["firstSeed"], "firstSeed")?,
        variants,
    })
}

/// Thousandths of a second as written: every time of a run is a whole number of
/// milliseconds, so rounding recovers exactly the number that was printed.
fn millis(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn run_of_json(r: &serde_json::Value) -> Option<RunStats> {
    let outcome = match r["outcome"].as_str()? {
        "Healthy" => Outcome::Healthy,
        "Aborted" => Outcome::Aborted,
        "Degraded" => Outcome::Degraded,
        "Unfinished" => Outcome::Unfinished,
        _ => return None,
    };
    Some(RunStats {
        seed: r["seed"].as_u64()?,
        outcome,
        time_to_done: match &r["timeToDoneSeconds"] {
            serde_json::Value::Null => None,
            t => Some(millis(t.as_f64()?)),
        },
        requests: r["requests"].as_u64()?,
        failed: r["failed"].as_u64()?,
        peak_pods: u32::try_from(r["peakPods"].as_u64()?).ok()?,
        pod_seconds_above: millis(r["podSecondsAboveReplicas"].as_f64()?),
        held: r["held"]
            .as_array()?
            .iter()
            .map(serde_json::Value::as_bool)
            .collect::<Option<Vec<bool>>>()?,
        steps_reached: u32::try_from(r["stepsReached"].as_u64()?).ok()?,
    })
}

fn doc(results: &[VariantResult]) -> serde_json::Value {
    let variants: Vec<serde_json::Value> = results
        .iter()
        .map(|v| {
            let f = figures(v);
            json!({
                "values": v.values.iter().map(|(p, val)| json!({"path": p, "value": val})).collect::<Vec<_>>(),
                "outcomes": {"healthy": f.healthy, "aborted": f.aborted, "degraded": f.degraded, "unfinished": f.unfinished},
                "timeToDoneSeconds": {"p50": f.time[0], "p95": f.time[1], "max": f.time[2]},
                "newVersionRequests": {"p50": f.requests[0], "p95": f.requests[1]},
                "newVersionFailedRequests": {"p50": f.failed[0], "p95": f.failed[1], "max": f.failed[2]},
                "peakPods": f.peak_pods,
                "podSecondsAboveReplicasP50": f.pod_seconds,
                "checks": v.checks,
                "steps": v.steps.iter().map(|s| json!({"step": s.text, "setWeight": s.weight})).collect::<Vec<_>>(),
                "answers": answers(v).iter().map(|a| {
                    let (lo, hi) = a.interval();
                    json!({"kind": a.kind, "question": a.question, "yes": a.yes, "runs": a.runs, "share": a.share(), "ci95": [lo, hi]})
                }).collect::<Vec<_>>(),
                "runs": v.runs.iter().map(|r| json!({
                    "seed": r.seed,
                    "outcome": format!("{:?}", r.outcome),
                    "timeToDoneSeconds": r.time_to_done,
                    "requests": r.requests,
                    "failed": r.failed,
                    "peakPods": r.peak_pods,
                    "podSecondsAboveReplicas": r.pod_seconds_above,
                    "held": r.held,
                    "stepsReached": r.steps_reached,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "variants": variants })
}

/// The chart: per variant, the median time to done against the median failed requests the
/// new version served (each run a faint dot, the median a labelled marker).
pub fn chart_svg(results: &[VariantResult]) -> Result<String, String> {
    super::charts::register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        draw(&root, results).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    // Variant labels are the user's values: no control character may reach the XML.
    Ok(super::xml::safe(&svg).into_owned())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    results: &[VariantResult],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let points: Vec<(f64, f64)> = results
        .iter()
        .flat_map(|v| v.runs.iter())
        .filter_map(|r| r.time_to_done.map(|t| (t, r.failed as f64)))
        .collect();
    let max_t = points.iter().map(|p| p.0).fold(1.0, f64::max) * 1.1;
    let max_f = points.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "sweep: time to done against failed requests (new version)",
            ("sans-serif", 20),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..max_t, 0.0..max_f)?;
    chart
        .configure_mesh()
        .x_desc("time from the update to promotion or abort (virtual seconds)")
        .y_desc("failed requests served by the new version")
        .label_style(("sans-serif", 13))
        .draw()?;
    use crate::output::charts::style::SERIES as PALETTE;
    for (i, v) in results.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let runs: Vec<(f64, f64)> = v
            .runs
            .iter()
            .filter_map(|r| r.time_to_done.map(|t| (t, r.failed as f64)))
            .collect();
        chart.draw_series(
            runs.iter()
                .map(|p| Circle::new(*p, 3, colour.mix(0.35).filled())),
        )?;
        let f = figures(v);
        if let (Some(t), Some(failed)) = (f.time[0], f.failed[0]) {
            let label = v.label();
            chart
                .draw_series(std::iter::once(Circle::new(
                    (t, failed),
                    7,
                    colour.filled(),
                )))?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

/// One line of the detection curve: its name and, per variant, (value, yes, runs).
type Curve = (String, Vec<(f64, usize, usize)>);

/// The detection curves of a sweep over one numeric `--set`: against the value, the share of
/// runs aborted, and aborted before each `setWeight` step (the canary never got that much of
/// the traffic). `None` when the sweep has not exactly one `--set`, or its values are not
/// numbers.
pub fn detection(results: &[VariantResult]) -> Option<Vec<Curve>> {
    let xs: Vec<f64> = results
        .iter()
        .map(|v| match v.values.as_slice() {
            [(_, x)] => x.as_f64(),
            _ => None,
        })
        .collect::<Option<Vec<f64>>>()?;
    let first = results.first()?;
    let aborted = |r: &RunStats| r.outcome == Outcome::Aborted;
    let mut curves: Vec<Curve> = vec![(
        "aborted".to_string(),
        results
            .iter()
            .zip(&xs)
            .map(|(v, x)| {
                (
                    *x,
                    v.runs.iter().filter(|r| aborted(r)).count(),
                    v.runs.len(),
                )
            })
            .collect(),
    )];
    for (i, step) in first.steps.iter().enumerate() {
        if !matches!(step.kind, StepKind::SetWeight(_)) || i == 0 {
            continue;
        }
        curves.push((
            format!(
                "aborted before step {i} ({}, weight {})",
                step.text, step.weight
            ),
            results
                .iter()
                .zip(&xs)
                .map(|(v, x)| {
                    let before = v
                        .runs
                        .iter()
                        .filter(|r| aborted(r) && (r.steps_reached as usize) <= i)
                        .count();
                    (*x, before, v.runs.len())
                })
                .collect(),
        ));
    }
    Some(curves)
}

/// The detection curves as a chart: share (with its 95 % interval as a bar) against the value.
pub fn detection_svg(results: &[VariantResult]) -> Option<Result<String, String>> {
    let curves = detection(results)?;
    let path = results.first()?.values.first()?.0.clone();
    super::charts::register_fonts();
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        draw_detection(&root, &curves, &path)
            .map_err(|e| e.to_string())
            .and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    Some(drawn.map(|_| svg))
}

fn draw_detection<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    curves: &[Curve],
    path: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let xs = curves.iter().flat_map(|c| c.1.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let pad = (hi - lo) * 0.03;
    let mut chart = ChartBuilder::on(root)
        .caption("sweep: detection curve", ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..1.05)?;
    chart
        .configure_mesh()
        .x_desc(path)
        .y_desc("share of runs (95% Wilson interval)")
        .label_style(("sans-serif", 13))
        .draw()?;
    // The first curve (aborted at all) in red, the ones per step in the series colours.
    use crate::output::charts::style::SERIES;
    const PALETTE: [RGBColor; 6] = [
        SERIES[3], SERIES[0], SERIES[1], SERIES[2], SERIES[4], SERIES[5],
    ];
    for (i, (name, points)) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let share = |k: usize, n: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(x, k, n)| (x, share(k, n))),
                colour.stroke_width(2),
            ))?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
        chart.draw_series(points.iter().map(|&(x, k, n)| {
            let (a, b) = wilson(k, n);
            PathElement::new(vec![(x, a), (x, b)], colour.mix(0.5).stroke_width(1))
        }))?;
        chart.draw_series(
            points
                .iter()
                .map(|&(x, k, n)| Circle::new((x, share(k, n)), 3, colour.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parts_step_kinds_read_back_as_written() {
        let kinds = [
            StepKind::SetWeight(20),
            StepKind::Pause(None),
            StepKind::Pause(Some(SimDuration::from_secs(45))),
            StepKind::Experiment,
            StepKind::Analysis,
            StepKind::SetCanaryScale,
            StepKind::Route,
        ];
        for k in kinds {
            assert_eq!(step_kind_of_json(&step_kind_json(k)), Some(k), "{k:?}");
        }
        assert_eq!(step_kind_of_json(&json!("setWeight")), None);
        assert_eq!(step_kind_of_json(&json!({"setWeight": -1})), None);
    }
}
