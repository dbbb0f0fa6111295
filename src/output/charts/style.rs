//! What every chart shares: colours (stable, canary, other revisions), the virtual-time axis
//! (`mm:ss` or `h:mm:ss`, with round time steps), the page layout (title, plot, legend rows
//! under the plot) and the faint step boundaries drawn behind the data.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartInput, Drawn, Fallible};
use crate::engine::SimTime;
use crate::output::series::Series;
use crate::sim::Journal;

/// The stable ReplicaSet at the end of the run.
pub(super) const STABLE: RGBColor = RGBColor(31, 119, 180);
/// The newest ReplicaSet created after the stable one (the canary, promoted or not).
pub(super) const CANARY: RGBColor = RGBColor(230, 115, 0);
/// Every other ReplicaSet, in creation order (cycled).
const OTHERS: [RGBColor; 6] = [
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(150, 150, 30),
    RGBColor(23, 160, 180),
];
/// Curves that stand for no ReplicaSet (the variants of a sweep), in order: the revision
/// colours first, so a sweep's charts look like the run charts.
pub(crate) const SERIES: [RGBColor; 8] = [
    STABLE,
    CANARY,
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 160, 180),
];
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const BOUNDARY: RGBColor = RGBColor(150, 150, 150);
pub(super) const GOOD: RGBColor = RGBColor(30, 140, 60);
pub(super) const BAD: RGBColor = RGBColor(210, 30, 30);
pub(super) const WARN: RGBColor = RGBColor(235, 150, 0);

pub(super) const FONT: &str = "sans-serif";
pub(super) const WIDTH_MARGIN: u32 = 20;
/// The width of the y labels' area, left of every plot.
pub(super) const Y_LABEL_AREA: u32 = 60;

/// A chart whose x axis is virtual seconds with round key points.
pub(super) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<TimeAxis, RangedCoordf64>>;

/// Virtual seconds from 0 to the end of the run, with grid lines and labels at round time
/// steps (`time_ticks`) rather than plotters' decimal ones.
pub(super) struct TimeAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TimeAxis {
    pub(super) fn new(end: f64) -> Self {
        TimeAxis {
            inner: (0.0..end).into(),
            ticks: time_ticks(end),
        }
    }
}

impl Ranged for TimeAxis {
    type ValueType = f64;
    // Labels always come from the chart's own formatter (`fmt_time`).
    type FormatOption = DefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// The colour of each ReplicaSet: the stable one at the end of the run (the last status'
/// `stableRS`) is blue, the newest one created after it orange, the rest from a fixed palette
/// in creation order. A ReplicaSet keeps its colour in every chart.
pub(super) fn rs_colours(series: &Series, journal: &Journal) -> Vec<RGBColor> {
    let stable_hash = journal
        .entries
        .iter()
        .rev()
        .find_map(|e| journal.status_of(e).map(|s| s.stable_hash.clone()))
        .unwrap_or_default();
    let stable = series.rs_by_hash(&stable_hash);
    let canary = series
        .replica_sets
        .iter()
        .enumerate()
        .rev()
        .find(|(i, _)| stable.is_none_or(|s| *i > s))
        .map(|(i, _)| i)
        .filter(|_| stable.is_some() || series.replica_sets.len() > 1);
    let mut others = OTHERS.iter().cycle();
    (0..series.replica_sets.len())
        .map(|i| {
            if Some(i) == stable {
                STABLE
            } else if Some(i) == canary {
                CANARY
            } else {
                *others.next().unwrap_or(&INK)
            }
        })
        .collect()
}

/// A lighter shade of a colour (not-ready pods, failed-request fills).
pub(super) fn light(c: RGBColor, amount: f64) -> RGBColor {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a blend of two bytes with amount in 0..=1 stays in 0..=255"
    )]
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Seconds as the axis shows them: `mm:ss`, or `h:mm:ss` when the run is an hour or longer.
pub(super) fn fmt_time(secs: f64, long: bool) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped at 0 first; a run's seconds are far below 2^64"
    )]
    let s = secs.max(0.0).round() as u64;
    if long {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Round time steps for the x axis: at most about 12 labels.
pub(super) fn time_ticks(end: f64) -> Vec<f64> {
    const STEPS: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        21600.0, 43200.0,
    ];
    let step = STEPS
        .iter()
        .copied()
        .find(|s| end / s <= 12.0)
        .unwrap_or(86400.0);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "the count of axis ticks: end and step are positive and the count is small"
    )]
    let n = (end / step).floor() as u64;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// The x range of every chart: the whole run, at least one second.
pub(super) fn x_end(input: &ChartInput) -> f64 {
    secs(input.series.end()).max(1.0)
}

pub(super) fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

/// One legend entry: a swatch and its text.
pub(super) struct Legend {
    pub label: String,
    pub swatch: Swatch,
}

pub(super) enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Fill(RGBColor),
    Circle(RGBColor),
    Cross(RGBColor),
    Triangle(RGBColor),
    Square(RGBColor),
}

const LEGEND_ROW: u32 = 22;
const SWATCH: i32 = 24;

fn legend_font() -> TextStyle<'static> {
    (FONT, 13).into_font().color(&INK)
}

/// Where each legend entry goes (x offset, row), wrapping at the area's width.
fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Legend],
    width: u32,
) -> Fallible<(Vec<(i32, u32)>, u32)>
where
    DB::ErrorType: 'static,
{
    let font = legend_font();
    let (mut x, mut row) = (0i32, 0u32);
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let (w, _) = area.estimate_text_size(&e.label, &font)?;
        #[allow(
            clippy::cast_possible_wrap,
            reason = "a legend label's width in pixels, far below 2^31"
        )]
        let need = SWATCH + 6 + w as i32 + 22;
        #[allow(
            clippy::cast_possible_wrap,
            reason = "the chart width in pixels, about a thousand"
        )]
        if x > 0 && x + need > width as i32 {
            x = 0;
            row += 1;
        }
        out.push((x, row));
        x += need;
    }
    let rows = if entries.is_empty() { 0 } else { row + 1 };
    Ok((out, rows))
}

/// Splits the page: title on top, legend rows at the bottom; returns the area left for plots.
pub(super) fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[Legend],
) -> Fallible<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = root.titled(title, (FONT, 20, FontStyle::Bold).into_font().color(&INK))?;
    let (w, h) = body.dim_in_pixel();
    let inner = w.saturating_sub(2 * WIDTH_MARGIN + 60);
    let (places, rows) = legend_layout(&body, legend, inner)?;
    let legend_h = rows * LEGEND_ROW + if rows > 0 { 10 } else { 0 };
    let (plot, bottom) = body.split_vertically(h.saturating_sub(legend_h));
    let font = legend_font();
    for (e, (x, row)) in legend.iter().zip(places) {
        #[allow(clippy::cast_possible_wrap, reason = "a margin of a few dozen pixels")]
        let x0 = (WIDTH_MARGIN + 60) as i32 + x;
        #[allow(
            clippy::cast_possible_wrap,
            reason = "legend rows times their height in pixels, far below 2^31"
        )]
        let y = (row * LEGEND_ROW) as i32 + (LEGEND_ROW / 2) as i32;
        draw_swatch(&bottom, &e.swatch, x0, y)?;
        bottom.draw(&Text::new(
            e.label.clone(),
            (x0 + SWATCH + 6, y),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(plot)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &Swatch,
    x: i32,
    y: i32,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let mid = (x + SWATCH / 2, y);
    match s {
        Swatch::Line(c) => area.draw(&PathElement::new(
            vec![(x, y), (x + SWATCH, y)],
            c.stroke_width(3),
        ))?,
        Swatch::Dashed(c) => area.draw(&DashedPathElement::new(
            vec![(x, y), (x + SWATCH, y)],
            5,
            3,
            c.stroke_width(2),
        ))?,
        Swatch::Fill(c) => area.draw(&Rectangle::new(
            [(x, y - 6), (x + SWATCH, y + 6)],
            c.filled(),
        ))?,
        Swatch::Circle(c) => area.draw(&Circle::new(mid, 5, c.filled()))?,
        Swatch::Cross(c) => area.draw(&Cross::new(mid, 5, c.stroke_width(2)))?,
        Swatch::Triangle(c) => area.draw(&TriangleMarker::new(mid, 6, c.filled()))?,
        Swatch::Square(c) => area.draw(&Rectangle::new(
            [(mid.0 - 5, y - 5), (mid.0 + 5, y + 5)],
            c.stroke_width(2),
        ))?,
    }
    Ok(())
}

/// How one plot's axes look.
pub(super) struct PlotSpec<'s> {
    pub y: Range<f64>,
    pub y_desc: &'s str,
    /// Room kept above the plot (the weight chart's step labels).
    pub top: u32,
    /// Time labels under this plot (the upper panel of a pair leaves them to the lower one).
    pub x_axis: bool,
    /// The y values are counts or percentages: whole-number labels.
    pub integer: bool,
}

/// A plot over the whole run with the time axis and the spec's y axis.
pub(super) fn plot<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    end: f64,
    spec: &PlotSpec<'_>,
) -> Fallible<Plot<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(WIDTH_MARGIN)
        .margin_right(WIDTH_MARGIN + 10)
        .margin_top(spec.top + 6)
        .margin_bottom(4)
        .x_label_area_size(if spec.x_axis { 44 } else { 8 })
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(TimeAxis::new(end), spec.y.clone())?;
    let long = end >= 3600.0;
    let time = move |x: &f64| {
        if spec.x_axis {
            fmt_time(*x, long)
        } else {
            String::new()
        }
    };
    let whole = |y: &f64| format!("{y:.0}");
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&time)
        .y_desc(spec.y_desc)
        .label_style((FONT, 13).into_font().color(&INK))
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6));
    if spec.integer {
        // At most one label per whole number, so small counts never repeat a label.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the axis span is a positive count of whole units in a chart's range"
        )]
        let span = (spec.y.end - spec.y.start).floor() as usize;
        mesh.y_label_formatter(&whole)
            .y_labels((span + 1).clamp(2, 11));
    }
    if spec.x_axis {
        mesh.x_desc(if long {
            "virtual time (h:mm:ss)"
        } else {
            "virtual time (mm:ss)"
        });
    }
    mesh.draw()?;
    Ok(chart)
}

/// A step function through `(t, value)` points: each value holds until the next different
/// one, the last one until `end`. Repeated values and points are dropped: plotters' thick
/// lines bend oddly at zero-length segments.
pub(super) fn steps<T: Copy + PartialEq>(
    points: impl IntoIterator<Item = (f64, T)>,
    end: f64,
) -> Vec<(f64, T)> {
    let mut out: Vec<(f64, T)> = Vec::new();
    for (t, v) in points {
        match out.last() {
            Some(&(_, prev)) if prev == v => continue,
            Some(&(pt, prev)) => {
                if pt != t {
                    out.push((t, prev));
                }
                out.push((t, v));
            }
            None => out.push((t, v)),
        }
    }
    if let Some(&(t, last)) = out.last()
        && t < end
    {
        out.push((end, last));
    }
    out
}

/// Faint vertical lines where steps started, behind the data, so every chart lines up with
/// the weight chart's labelled boundaries.
pub(super) fn boundary_lines<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    input: &ChartInput,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let y = chart.y_range();
    let lines = super::weight::labelled_boundaries(input)
        .into_iter()
        .map(|(t, _)| {
            DashedPathElement::new(
                vec![(t, y.start), (t, y.end)],
                4,
                4,
                BOUNDARY.mix(0.7).stroke_width(1),
            )
        });
    chart.draw_series(lines)?;
    Ok(())
}
