//! Charts of a run, drawn with plotters as SVG (for the report and `--out`) and PNG: the
//! traffic weight with step boundaries, pods per ReplicaSet, requests per version, and
//! analysis measurements against their thresholds. Every chart reads the [`Series`] and the
//! journal, never the simulation.
//!
//! The text font is DejaVu Sans, embedded (the `dejavu` crate) and registered once, so charts
//! render the same bytes on a machine with no fonts installed (see assets/DejaVu-LICENSE).

mod analysis;
mod png_text;
mod pods;
pub(crate) mod style;
pub mod threshold;
mod traffic;
mod weight;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::engine::SimTime;
use crate::output::series::{self, Series};
use crate::output::steps::{self, StepSpan};
use crate::scenario::Scenario;
use crate::sim::{EntryKind, Journal};

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {message}")]
pub struct ChartError {
    /// The chart's file stem (`weight`, `pods`, `traffic`, `analysis`).
    pub chart: &'static str,
    /// What went wrong, from the drawing backend or the file system.
    pub message: String,
}

/// The `successCondition` and `failureCondition` of a metric, as written in its template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricConditions {
    /// The metric's `successCondition`, e.g. `result[0] >= 0.95`; `None` when not set.
    pub success: Option<String>,
    /// The metric's `failureCondition`; `None` when not set.
    pub failure: Option<String>,
}

/// One finished measurement, as the journal recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementPoint {
    /// The virtual instant the measurement finished (its `finishedAt`).
    pub t: SimTime,
    /// The AnalysisRun that took it.
    pub run: String,
    /// The metric's `name` in the template.
    pub metric: String,
    /// As Argo prints it: `[0.97]`, `0.5`, `true`, or empty.
    pub value: String,
    /// `Successful`, `Failed`, `Inconclusive` or `Error`.
    pub phase: String,
}

/// Everything the charts draw.
#[derive(Debug, Clone)]
pub struct ChartInput {
    /// The scenario name, in every title.
    pub title: String,
    /// The sampled rollout status every chart but the analysis one plots.
    pub series: Series,
    /// When each canary step started and ended, drawn as shaded bands.
    pub spans: Vec<StepSpan>,
    /// Every finished measurement of every AnalysisRun, in journal order.
    pub measurements: Vec<MeasurementPoint>,
    /// By metric name.
    pub conditions: BTreeMap<String, MetricConditions>,
    /// The colour of each ReplicaSet of the series (stable, canary, others).
    pub colours: Vec<RGBColor>,
    /// A blue-green rollout: no weights or steps to chart.
    pub blue_green: bool,
}

impl ChartInput {
    /// Reads the journal; `conditions` come from the scenario's AnalysisTemplates.
    pub fn new(
        journal: &Journal,
        title: &str,
        conditions: BTreeMap<String, MetricConditions>,
    ) -> Self {
        let series = series::build(journal);
        let colours = style::rs_colours(&series, journal);
        let measurements = journal
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Measurement {
                    run,
                    metric,
                    value,
                    phase,
                    ..
                } => Some(MeasurementPoint {
                    t: e.t,
                    run: run.to_string(),
                    metric: metric.to_string(),
                    value: value.to_string(),
                    phase: phase.to_string(),
                }),
                _ => None,
            })
            .collect();
        let blue_green = journal
            .iter()
            .any(|e| journal.status_of(e).is_some_and(|s| s.blue_green));
        ChartInput {
            blue_green,
            title: title.to_string(),
            series,
            spans: steps::spans(journal),
            measurements,
            conditions,
            colours,
        }
    }
}

/// Idle time shown after the rollout settles, as a share of the time before it (at least
/// [`MIN_TAIL_SECS`]): enough to see that nothing else happened.
const TAIL_SHARE: f64 = 0.15;
const MIN_TAIL_SECS: u64 = 30;

impl ChartInput {
    /// When the rollout last changed (its status, or the pods of a ReplicaSet): traffic ticks
    /// and the journal's end after it are only the idle tail of the run.
    pub fn settled(&self) -> SimTime {
        let rows = &self.series.rows;
        rows.windows(2)
            .rev()
            .find(|w| w[0].status != w[1].status || w[0].pods != w[1].pods)
            .map_or_else(|| rows.first().map_or(SimTime::ZERO, |r| r.t), |w| w[1].t)
    }

    /// The charts' view of the run: up to a short while after it settled. A run that waits
    /// out a long timeout (a pause nobody promotes) would otherwise squeeze the update into
    /// a sliver at the left of a 24-hour axis. `series.csv` keeps every row.
    pub fn framed(&self) -> std::borrow::Cow<'_, ChartInput> {
        use std::borrow::Cow;
        let settled = self.settled();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a positive share of a run's length in ms, far below 2^64"
        )]
        let tail_ms = ((settled.as_millis() as f64 * TAIL_SHARE) as u64).max(MIN_TAIL_SECS * 1000);
        let end = SimTime(settled.as_millis() + tail_ms);
        if end >= self.series.end() {
            return Cow::Borrowed(self);
        }
        let mut out = self.clone();
        out.series.rows.retain(|r| r.t <= end);
        if let Some(last) = out.series.rows.last()
            && last.t < end
        {
            // The last state held to the frame's edge, without a traffic tick of its own.
            let mut edge = last.clone();
            edge.t = end;
            edge.tick = None;
            out.series.rows.push(edge);
        }
        out.measurements.retain(|m| m.t <= end);
        out.spans.retain(|s| s.started <= end);
        Cow::Owned(out)
    }
}

/// Where the time axis lies in every chart, in SVG pixels (left end, right end), and the
/// virtual milliseconds at its right end: what a cursor over the charts needs. Every chart is
/// 1000 pixels wide, with the plot between the y labels and the right margin (`style::plot`).
pub fn time_axis(input: &ChartInput) -> (f64, f64, u64) {
    let left = f64::from(style::WIDTH_MARGIN + style::Y_LABEL_AREA);
    let right = f64::from(1000 - style::WIDTH_MARGIN - 10) - 1.0;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "the x axis end in seconds is positive and far below 2^64 ms"
    )]
    let end = (style::x_end(&input.framed()) * 1000.0).round() as u64;
    (left, right, end)
}

/// The conditions of every metric of the scenario's AnalysisTemplates (the first template
/// that names a metric wins).
pub fn conditions_of(sc: &Scenario) -> BTreeMap<String, MetricConditions> {
    let mut out = BTreeMap::new();
    for m in sc.manifests.templates.iter().flat_map(|t| &t.metrics) {
        out.entry(m.name.clone())
            .or_insert_with(|| MetricConditions {
                success: m.raw.0.success_condition.clone(),
                failure: m.raw.0.failure_condition.clone(),
            });
    }
    out
}

/// The charts a run has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The setWeight in force and the canary's real share of traffic, with step boundaries.
    Weight,
    /// Non-terminating pods of each ReplicaSet stacked, Ready and not-Ready apart.
    Pods,
    /// Requests and failed requests of each version per traffic tick.
    Traffic,
    /// Each metric's measured values against its success and failure thresholds.
    Analysis,
}

impl Kind {
    /// Every chart there is, whether a run draws it or not.
    pub const ALL: [Kind; 4] = [Kind::Weight, Kind::Pods, Kind::Traffic, Kind::Analysis];

    /// The file name without extension.
    pub fn stem(self) -> &'static str {
        match self {
            Kind::Weight => "weight",
            Kind::Pods => "pods",
            Kind::Traffic => "traffic",
            Kind::Analysis => "analysis",
        }
    }

    /// What the chart shows, as the report's caption.
    pub fn caption(self) -> &'static str {
        match self {
            Kind::Weight => "Traffic weight of the canary over time, with step boundaries",
            Kind::Pods => "Pods per ReplicaSet (lighter: not Ready)",
            Kind::Traffic => "Requests and failed requests per version, per traffic tick",
            Kind::Analysis => "Analysis measurements against their thresholds",
        }
    }

    fn size(self, input: &ChartInput) -> (u32, u32) {
        match self {
            Kind::Weight => (1000, 510),
            Kind::Pods => (1000, 400),
            Kind::Traffic => (1000, 560),
            #[allow(
                clippy::cast_possible_truncation,
                reason = "one panel per metric of the analysis templates, a handful"
            )]
            Kind::Analysis => (1000, 150 + 240 * analysis::metrics(input).len() as u32),
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, input: &ChartInput) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        match self {
            Kind::Weight => weight::draw(root, input),
            Kind::Pods => pods::draw(root, input),
            Kind::Traffic => traffic::draw(root, input),
            Kind::Analysis => analysis::draw(root, input),
        }
    }
}

/// What drawing helpers return: plotters errors are boxed, the backend type erased.
type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// What drawing functions return.
type Drawn = Fallible<()>;

/// The charts that apply to this run, in the report's order.
pub fn kinds(input: &ChartInput) -> Vec<Kind> {
    let mut out = Vec::new();
    if input.series.rows.is_empty() {
        return out;
    }
    if !input.blue_green {
        out.push(Kind::Weight);
    }
    out.push(Kind::Pods);
    if input.series.has_traffic {
        out.push(Kind::Traffic);
    }
    if !input.measurements.is_empty() {
        out.push(Kind::Analysis);
    }
    out
}

static FONT: Once = Once::new();

/// Registers the embedded DejaVu Sans as plotters' `sans-serif` (regular and bold), once per
/// process: without a registered font plotters cannot even lay out SVG text.
pub fn register_fonts() {
    FONT.call_once(|| {
        // Both are valid TrueType files shipped inside the crate; a failure would be a broken
        // build of `dejavu`, and charts would then report their own font errors.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

fn chart_error(kind: Kind, e: impl std::fmt::Display) -> ChartError {
    ChartError {
        chart: kind.stem(),
        message: e.to_string(),
    }
}

/// One chart as an SVG document.
pub fn svg(kind: Kind, input: &ChartInput) -> Result<String, ChartError> {
    register_fonts();
    let mut out = String::new();
    {
        let input = &*input.framed();
        let root = SVGBackend::with_string(&mut out, kind.size(input)).into_drawing_area();
        kind.draw(&root, input).map_err(|e| chart_error(kind, e))?;
        root.present().map_err(|e| chart_error(kind, e))?;
    }
    // plotters escapes markup but passes control characters through; XML forbids them.
    Ok(crate::output::xml::safe(&out).into_owned())
}

/// One chart written as a PNG file.
pub fn png(kind: Kind, input: &ChartInput, path: &Path) -> Result<(), ChartError> {
    register_fonts();
    let input = &*input.framed();
    let root = png_text::GlyphFix(BitMapBackend::new(path, kind.size(input))).into_drawing_area();
    kind.draw(&root, input).map_err(|e| chart_error(kind, e))?;
    root.present().map_err(|e| chart_error(kind, e))
}
