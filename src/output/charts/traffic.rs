//! The traffic chart: requests (top) and failed requests (bottom) of each version per traffic
//! tick, in the colours of their ReplicaSets, and requests that found no ready pod. Each tick's
//! count holds over the interval it covers (a step line); long runs average groups of ticks.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, BOUNDARY, Legend, PlotSpec, Swatch};
use super::{ChartInput, Drawn};
use crate::output::series::Tick;

/// Most buckets a line is drawn with: past this, ticks are averaged in groups so an hour of
/// one-second ticks stays readable (and plotters' thick lines do not spike at sharp turns).
const MAX_BUCKETS: usize = 240;

/// Consecutive ticks, averaged.
struct Bucket {
    /// The interval the ticks cover (a tick counts the requests of the interval ending at it).
    from: f64,
    to: f64,
    /// Mean requests and failed requests per tick, per version.
    versions: Vec<(f64, f64)>,
    /// Mean requests per tick that found no ready pod.
    unrouted: f64,
}

/// The ticks grouped into buckets of `size` ticks.
struct Buckets {
    /// Ticks per bucket (1: every tick is drawn as it is).
    size: usize,
    spans: Vec<Bucket>,
}

fn buckets(input: &ChartInput) -> Buckets {
    let ticks: Vec<(f64, &Tick)> = input
        .series
        .rows
        .iter()
        .filter_map(|r| Some((style::secs(r.t), r.tick.as_ref()?)))
        .collect();
    // A tick counts the requests of the interval that ends at it.
    let dt = match ticks.as_slice() {
        [a, b, ..] => b.0 - a.0,
        [a] => a.0,
        [] => 0.0,
    };
    let size = ticks.len().div_ceil(MAX_BUCKETS).max(1);
    let spans = ticks
        .chunks(size)
        .map(|chunk| {
            let n = chunk.len() as f64;
            let versions = (0..input.series.versions.len())
                .map(|v| {
                    let sum = |f: fn(&(u64, u64)) -> u64| {
                        chunk.iter().map(|(_, t)| f(&t.versions[v])).sum::<u64>() as f64 / n
                    };
                    (sum(|c| c.0), sum(|c| c.1))
                })
                .collect();
            let unrouted = chunk.iter().map(|(_, t)| t.unrouted).sum::<u64>() as f64 / n;
            Bucket {
                from: (chunk[0].0 - dt).max(0.0),
                to: chunk[chunk.len() - 1].0,
                versions,
                unrouted,
            }
        })
        .collect();
    Buckets { size, spans }
}

/// One line as a step function over the buckets.
fn line(b: &Buckets, value: impl Fn(&Bucket) -> f64) -> Vec<(f64, f64)> {
    let end = b.spans.last().map_or(0.0, |s| s.to);
    style::steps(b.spans.iter().map(|s| (s.from, value(s))), end)
}

fn colour(input: &ChartInput, version: usize) -> RGBColor {
    let hash = &input.series.versions[version];
    input
        .series
        .rs_by_hash(hash)
        .map_or(BOUNDARY, |i| input.colours[i])
}

fn max_of(lines: &[Vec<(f64, f64)>]) -> f64 {
    lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max)
}

pub(super) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput) -> Drawn
where
    DB::ErrorType: 'static,
{
    let series = &input.series;
    let n = series.versions.len();
    let b = buckets(input);
    let unrouted = line(&b, |s| s.unrouted);
    let has_unrouted = unrouted.iter().any(|p| p.1 > 0.0);
    let mut legend: Vec<Legend> = (0..n)
        .map(|v| {
            let hash = &series.versions[v];
            let label = series
                .rs_by_hash(hash)
                .map_or_else(|| hash.clone(), |i| series.replica_sets[i].label());
            Legend {
                label,
                swatch: Swatch::Line(colour(input, v)),
            }
        })
        .collect();
    if has_unrouted {
        legend.push(Legend {
            label: "found no ready pod".into(),
            swatch: Swatch::Dashed(BOUNDARY),
        });
    }
    let title = format!("{}: requests per version", input.title);
    let area = style::page(root, &title, &legend)?;
    let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2 - 10);
    let end = style::x_end(input);

    let requests: Vec<_> = (0..n).map(|v| line(&b, |s| s.versions[v].0)).collect();
    let failed: Vec<_> = (0..n).map(|v| line(&b, |s| s.versions[v].1)).collect();
    let y_top = (max_of(&requests).max(max_of(std::slice::from_ref(&unrouted))) * 1.1).max(1.0);
    let y_bottom = (max_of(&failed) * 1.1).max(1.0);
    // Averaged buckets are no longer whole numbers.
    let (req_desc, failed_desc) = if b.size == 1 {
        ("requests / tick".to_string(), "failed / tick".to_string())
    } else {
        (
            format!("requests / tick (mean of {})", b.size),
            format!("failed / tick (mean of {})", b.size),
        )
    };
    let spec = |y: f64, y_desc, x_axis| PlotSpec {
        y: 0.0..y,
        y_desc,
        top: 0,
        x_axis,
        integer: b.size == 1,
    };
    let mut chart = style::plot(&top, end, &spec(y_top, &req_desc, false))?;
    style::boundary_lines(&mut chart, input)?;
    for (v, line) in requests.into_iter().enumerate() {
        chart.draw_series(LineSeries::new(line, colour(input, v).stroke_width(2)))?;
    }
    if has_unrouted {
        chart.draw_series(DashedLineSeries::new(
            unrouted,
            5,
            3,
            BOUNDARY.stroke_width(2),
        ))?;
    }
    let mut chart = style::plot(&bottom, end, &spec(y_bottom, &failed_desc, true))?;
    style::boundary_lines(&mut chart, input)?;
    for (v, line) in failed.into_iter().enumerate() {
        chart.draw_series(LineSeries::new(line, colour(input, v).stroke_width(2)))?;
    }
    Ok(())
}
