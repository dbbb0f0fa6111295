//! The analysis chart: one panel per metric with each measurement's numeric value over time,
//! marked by its phase, and the threshold of a simple `successCondition` / `failureCondition`
//! drawn across. Measurements without a number (errors, empty results) sit on the panel's
//! floor so they are still seen.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, BAD, BOUNDARY, FONT, GOOD, INK, Legend, PlotSpec, Swatch, WARN};
use super::threshold::{self, Threshold};
use super::{ChartInput, Drawn};

/// Metric names in the order of their first measurement.
pub(super) fn metrics(input: &ChartInput) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in &input.measurements {
        if !out.contains(&m.metric) {
            out.push(m.metric.clone());
        }
    }
    out
}

/// A threshold line: the parsed comparison, its text, its colour.
struct Line {
    threshold: Threshold,
    text: String,
    colour: RGBColor,
}

fn lines(input: &ChartInput, metric: &str) -> Vec<Line> {
    let Some(c) = input.conditions.get(metric) else {
        return Vec::new();
    };
    [(&c.success, "success", GOOD), (&c.failure, "failure", BAD)]
        .into_iter()
        .filter_map(|(cond, what, colour)| {
            let cond = cond.as_deref()?;
            Some(Line {
                threshold: threshold::parse(cond)?,
                text: format!("{what}: {cond}"),
                colour,
            })
        })
        .collect()
}

fn legend() -> Vec<Legend> {
    let entry = |label: &str, swatch| Legend {
        label: label.into(),
        swatch,
    };
    vec![
        entry("Successful", Swatch::Circle(GOOD)),
        entry("Failed", Swatch::Cross(BAD)),
        entry("Inconclusive", Swatch::Triangle(WARN)),
        entry("Error (no value: on the floor)", Swatch::Square(INK)),
        entry("success threshold", Swatch::Dashed(GOOD)),
        entry("failure threshold", Swatch::Dashed(BAD)),
    ]
}

pub(super) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput) -> Drawn
where
    DB::ErrorType: 'static,
{
    let title = format!("{}: analysis measurements", input.title);
    let area = style::page(root, &title, &legend())?;
    let names = metrics(input);
    let panels = area.split_evenly((names.len().max(1), 1));
    for (i, (metric, panel)) in names.iter().zip(&panels).enumerate() {
        draw_metric(panel, input, metric, i + 1 == names.len())?;
    }
    Ok(())
}

/// The y range covering every value and threshold, padded so nothing sits on the frame.
fn y_range(values: &[f64], lines: &[Line]) -> (f64, f64) {
    let all = values
        .iter()
        .copied()
        .chain(lines.iter().map(|l| l.threshold.value));
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.01).max(0.01);
    (lo - pad, hi + pad)
}

fn draw_metric<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    metric: &str,
    x_axis: bool,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let lines = lines(input, metric);
    let index = lines.first().and_then(|l| l.threshold.index);
    let points: Vec<_> = input
        .measurements
        .iter()
        .filter(|m| m.metric == metric)
        .map(|m| {
            let v = threshold::value_of(&m.value, index);
            (style::secs(m.t), v, m)
        })
        .collect();
    let values: Vec<f64> = points.iter().filter_map(|p| p.1).collect();
    let (lo, hi) = y_range(&values, &lines);
    let end = style::x_end(input);
    let spec = PlotSpec {
        y: lo..hi,
        y_desc: metric,
        top: 0,
        x_axis,
        integer: false,
    };
    let mut chart = style::plot(area, end, &spec)?;
    style::boundary_lines(&mut chart, input)?;

    for l in &lines {
        let y = l.threshold.value;
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y), (end, y)],
            8,
            5,
            l.colour.stroke_width(2),
        ))?;
        let font = (FONT, 12)
            .into_font()
            .color(&l.colour)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart.draw_series(std::iter::once(
            EmptyElement::at((end, y)) + Text::new(l.text.clone(), (-4, -4), font),
        ))?;
    }

    // A thin line through each run's values, so a trend reads at a glance.
    let mut runs: Vec<&str> = Vec::new();
    for (_, _, m) in &points {
        if !runs.contains(&m.run.as_str()) {
            runs.push(&m.run);
        }
    }
    for run in runs {
        let trend = points
            .iter()
            .filter(|p| p.2.run == run)
            .filter_map(|p| Some((p.0, p.1?)));
        chart.draw_series(LineSeries::new(trend, BOUNDARY.stroke_width(1)))?;
    }

    let floor = lo + (hi - lo) * 0.04;
    for (t, v, m) in &points {
        let at = (*t, v.unwrap_or(floor));
        match m.phase.as_str() {
            "Successful" => {
                chart.draw_series(std::iter::once(Circle::new(at, 5, GOOD.filled())))?
            }
            "Failed" => {
                chart.draw_series(std::iter::once(Cross::new(at, 6, BAD.stroke_width(3))))?
            }
            "Inconclusive" => {
                chart.draw_series(std::iter::once(TriangleMarker::new(at, 7, WARN.filled())))?
            }
            _ => chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Rectangle::new([(-5, -5), (5, 5)], INK.stroke_width(2)),
            ))?,
        };
    }
    Ok(())
}
