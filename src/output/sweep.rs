//! The results of a sweep: a text table, CSV and JSON with one row per variant, and a chart of
//! time to done against failed requests served by the new version.

use std::fmt::Write as _;

use plotters::prelude::*;
use serde_json::json;

use crate::sweep::{Outcome, VariantResult, percentile};

/// The per-variant figures every format prints.
struct Figures {
    healthy: usize,
    aborted: usize,
    degraded: usize,
    unfinished: usize,
    time: [Option<f64>; 3],
    requests: [Option<f64>; 2],
    failed: [Option<f64>; 2],
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
        failed: [percentile(&failed, 50.0), percentile(&failed, 95.0)],
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

const COLUMNS: [&str; 14] = [
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
        num(f.peak_pods),
        num(f.pod_seconds),
        v.runs.len().to_string(),
    ]
}

/// The text table: one row per variant.
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
    let header: Vec<String> = paths
        .iter()
        .map(|p| csv_cell(p))
        .chain(COLUMNS.iter().map(|c| c.to_string()))
        .collect();
    let _ = writeln!(out, "{}", header.join(","));
    for v in results {
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
            .collect();
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// JSON: every variant with its figures and its runs.
pub fn json(results: &[VariantResult]) -> String {
    let variants: Vec<serde_json::Value> = results
        .iter()
        .map(|v| {
            let f = figures(v);
            json!({
                "values": v.values.iter().map(|(p, val)| json!({"path": p, "value": val})).collect::<Vec<_>>(),
                "outcomes": {"healthy": f.healthy, "aborted": f.aborted, "degraded": f.degraded, "unfinished": f.unfinished},
                "timeToDoneSeconds": {"p50": f.time[0], "p95": f.time[1], "max": f.time[2]},
                "newVersionRequests": {"p50": f.requests[0], "p95": f.requests[1]},
                "newVersionFailedRequests": {"p50": f.failed[0], "p95": f.failed[1]},
                "peakPods": f.peak_pods,
                "podSecondsAboveReplicasP50": f.pod_seconds,
                "runs": v.runs.iter().map(|r| json!({
                    "seed": r.seed,
                    "outcome": format!("{:?}", r.outcome),
                    "timeToDoneSeconds": r.time_to_done,
                    "requests": r.requests,
                    "failed": r.failed,
                    "peakPods": r.peak_pods,
                    "podSecondsAboveReplicas": r.pod_seconds_above,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "variants": variants })).unwrap_or_default();
    s.push('\n');
    s
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
    const PALETTE: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(230, 115, 0),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 160, 180),
    ];
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
