//! The weight chart: the setWeight in force and the canary's real share of the traffic over
//! time (the router's weight, or the canary's share of available pods without a router, as
//! `WeightChanged` records it), an experiment's share when it has one, the paused and degraded
//! stretches shaded, and a labelled line wherever a step started.
//!
//! Every line is a percentage of all traffic: with `maxTrafficWeight: 500` a setWeight of 100
//! is drawn at 20 %.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, BOUNDARY, CANARY, FONT, INK, Legend, PlotSpec, Swatch};
use super::{ChartInput, Drawn, Fallible};
use crate::output::series::Weights;
use crate::output::steps::{StepEnd, boundaries};
use crate::rollout::Phase;

/// The experiments' share of traffic (additional destinations of the router).
const EXPERIMENT: RGBColor = RGBColor(148, 103, 189);

/// Room above the plot for the rotated step labels.
const LABEL_BAND: u32 = 175;
const PAUSED: RGBColor = RGBColor(255, 236, 170);
const DEGRADED: RGBColor = RGBColor(255, 200, 200);

/// Step boundaries worth a line: where at least one step really ran. A step the rollout's
/// promotion passed over in the instant it started (the initial deploy promotes at once) is
/// left out; one a `promote` skipped the instant it started is not: the rollout did reach it
/// (a wait saw it, the step table lists it).
pub(super) fn labelled_boundaries(input: &ChartInput) -> Vec<(f64, String)> {
    let ran: Vec<_> = input
        .spans
        .iter()
        .filter(|s| s.end != StepEnd::PromotedOver(s.started))
        .map(|s| {
            // The first step of an update says which revision is rolling out.
            let mut s = s.clone();
            if s.index == 0 {
                s.text = format!("rev {}: {}", s.revision, s.text);
            }
            s
        })
        .collect();
    boundaries(&ran)
        .into_iter()
        .map(|(t, texts)| (style::secs(t), texts.join(" → ")))
        .collect()
}

/// The text cut (with `…`) to at most `max` pixels wide in `font`.
fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
    max: u32,
) -> Fallible<String>
where
    DB::ErrorType: 'static,
{
    let mut chars: Vec<char> = text.chars().collect();
    let mut out = text.to_string();
    while root.estimate_text_size(&out, font)?.0 > max && chars.len() > 1 {
        chars.pop();
        out = chars.iter().collect::<String>().trim_end().to_string() + "…";
    }
    Ok(out)
}

/// `(from, to, phase)` stretches of the paused and degraded phases.
fn phase_bands(input: &ChartInput, end: f64) -> Vec<(f64, f64, Phase)> {
    let mut out: Vec<(f64, f64, Phase)> = Vec::new();
    let rows = &input.series.rows;
    for (i, r) in rows.iter().enumerate() {
        let Some(st) = r.status else { continue };
        if !matches!(st.phase, Phase::Paused | Phase::Degraded) {
            continue;
        }
        let from = style::secs(r.t);
        let to = rows.get(i + 1).map_or(end, |n| style::secs(n.t));
        match out.last_mut() {
            Some(last) if last.1 == from && last.2 == st.phase => last.1 = to,
            _ => out.push((from, to, st.phase)),
        }
    }
    out
}

pub(super) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput) -> Drawn
where
    DB::ErrorType: 'static,
{
    let rows = &input.series.rows;
    let has_experiment = rows
        .iter()
        .any(|r| r.weights.is_some_and(|w| w.experiment > 0));
    let mut legend = vec![
        Legend {
            label: "setWeight in force".into(),
            swatch: Swatch::Dashed(INK),
        },
        Legend {
            label: "canary's share of traffic".into(),
            swatch: Swatch::Line(CANARY),
        },
        Legend {
            label: "step started".into(),
            swatch: Swatch::Dashed(BOUNDARY),
        },
        Legend {
            label: "Paused".into(),
            swatch: Swatch::Fill(PAUSED),
        },
        Legend {
            label: "Degraded".into(),
            swatch: Swatch::Fill(DEGRADED),
        },
    ];
    if has_experiment {
        legend.insert(
            2,
            Legend {
                label: "experiment's share".into(),
                swatch: Swatch::Line(EXPERIMENT),
            },
        );
    }
    let title = format!("{}: traffic weight and steps", input.title);
    let area = style::page(root, &title, &legend)?;
    let end = style::x_end(input);
    let spec = PlotSpec {
        y: 0.0..105.0,
        y_desc: "share of traffic (%)",
        top: LABEL_BAND,
        x_axis: true,
        integer: true,
    };
    let mut chart = style::plot(&area, end, &spec)?;

    chart.draw_series(phase_bands(input, end).into_iter().map(|(a, b, p)| {
        let c = if p == Phase::Paused { PAUSED } else { DEGRADED };
        Rectangle::new([(a, 0.0), (b, 105.0)], c.filled())
    }))?;
    let marks = labelled_boundaries(input);
    chart.draw_series(marks.iter().map(|(t, _)| {
        DashedPathElement::new(vec![(*t, 0.0), (*t, 105.0)], 5, 4, BOUNDARY.stroke_width(1))
    }))?;

    // setWeight is in maxTrafficWeight units: scaled by the run's maximum (100 until known).
    let max = rows
        .iter()
        .find_map(|r| r.weights.map(|w| w.max))
        .unwrap_or(100);
    let set = style::steps(
        rows.iter().filter_map(|r| {
            // The chart is drawn for a canary, whose rows always have a setWeight.
            r.status.and_then(|s| s.set_weight).map(|w| {
                let pct = f64::from(w) * 100.0 / f64::from(max.max(1));
                (style::secs(r.t), pct)
            })
        }),
        end,
    );
    chart.draw_series(DashedLineSeries::new(set, 6, 4, INK.stroke_width(2)))?;
    let share = |f: fn(&Weights) -> u32| {
        style::steps(
            rows.iter()
                .filter_map(|r| r.weights.map(|w| (style::secs(r.t), w.percent(f(&w))))),
            end,
        )
    };
    if has_experiment {
        chart.draw_series(LineSeries::new(
            share(|w| w.experiment),
            EXPERIMENT.stroke_width(2),
        ))?;
    }
    chart.draw_series(LineSeries::new(share(|w| w.canary), CANARY.stroke_width(3)))?;

    // Step labels: rotated, reading upwards from just above the plot, centred on their line.
    // Boundaries closer than a label's height share one label, so none overlap.
    let font = (FONT, 13)
        .into_font()
        .transform(FontTransform::Rotate270)
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let placed: Vec<(i32, i32, &str)> = marks
        .iter()
        .map(|(t, text)| {
            let (x, y) = chart.backend_coord(&(*t, 105.0));
            (x, y, text.as_str())
        })
        .collect();
    let upright = (FONT, 13).into_font();
    for (x, y, text) in group_close(&placed) {
        let text = fit(
            root,
            &text,
            &upright.clone().into_text_style(root),
            LABEL_BAND - 12,
        )?;
        root.draw(&Text::new(text, (x, y - 6), font.clone()))?;
    }
    Ok(())
}

/// Closest two labels may be, in pixels, before they merge.
const MIN_GAP: i32 = 16;

/// Joins labels whose lines are less than [`MIN_GAP`] pixels from the first of their group:
/// `(x, y, text)` of the group's first line with the texts joined by ` → `.
fn group_close(placed: &[(i32, i32, &str)]) -> Vec<(i32, i32, String)> {
    let mut out: Vec<(i32, i32, Vec<&str>)> = Vec::new();
    for &(x, y, text) in placed {
        match out.last_mut() {
            Some((gx, _, texts)) if x - *gx < MIN_GAP => texts.push(text),
            _ => out.push((x, y, vec![text])),
        }
    }
    out.into_iter()
        .map(|(x, y, texts)| (x, y, texts.join(" → ")))
        .collect()
}
