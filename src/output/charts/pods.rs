//! The pods chart: non-terminating pods of each ReplicaSet stacked over time, Ready pods in
//! the ReplicaSet's colour and not-Ready ones in a lighter shade, with the desired replica
//! count for reference.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, INK, Legend, PlotSpec, Swatch};
use super::{ChartInput, Drawn};

/// One stacked band: which ReplicaSet, and whether it counts its Ready or not-Ready pods.
struct Band {
    rs: usize,
    ready: bool,
}

/// Bands of ReplicaSets that ever had a pod, Ready under not-Ready, in creation order.
fn bands(input: &ChartInput) -> Vec<Band> {
    let rows = &input.series.rows;
    let mut out = Vec::new();
    for rs in 0..input.series.replica_sets.len() {
        if rows.iter().any(|r| r.pods[rs].ready > 0) {
            out.push(Band { rs, ready: true });
        }
        if rows.iter().any(|r| r.pods[rs].pods > r.pods[rs].ready) {
            out.push(Band { rs, ready: false });
        }
    }
    out
}

/// For each row, the top of each band (cumulative counts).
fn stacked(input: &ChartInput, bands: &[Band]) -> Vec<Vec<f64>> {
    input
        .series
        .rows
        .iter()
        .map(|r| {
            let mut sum = 0.0;
            bands
                .iter()
                .map(|b| {
                    let p = r.pods[b.rs];
                    sum += f64::from(if b.ready { p.ready } else { p.pods - p.ready });
                    sum
                })
                .collect()
        })
        .collect()
}

/// The polygon between two step functions: `upper` forwards, `lower` backwards.
fn band_polygon(upper: &[(f64, f64)], lower: &[(f64, f64)]) -> Vec<(f64, f64)> {
    upper.iter().chain(lower.iter().rev()).copied().collect()
}

pub(super) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput) -> Drawn
where
    DB::ErrorType: 'static,
{
    let series = &input.series;
    let mut legend: Vec<Legend> = series
        .replica_sets
        .iter()
        .enumerate()
        .filter(|(i, _)| series.rows.iter().any(|r| r.pods[*i].pods > 0))
        .map(|(i, rs)| Legend {
            label: rs.label(),
            swatch: Swatch::Fill(input.colours[i]),
        })
        .collect();
    legend.push(Legend {
        label: "lighter: not Ready".into(),
        swatch: Swatch::Fill(style::light(INK, 0.75)),
    });
    legend.push(Legend {
        label: "desired replicas".into(),
        swatch: Swatch::Dashed(INK),
    });
    let title = format!("{}: pods per ReplicaSet", input.title);
    let area = style::page(root, &title, &legend)?;
    let end = style::x_end(input);

    let bands = bands(input);
    let tops = stacked(input, &bands);
    let most = tops
        .iter()
        .filter_map(|t| t.last().copied())
        .chain(
            series
                .rows
                .iter()
                .filter_map(|r| r.status.map(|s| f64::from(s.desired))),
        )
        .fold(1.0, f64::max);
    let spec = PlotSpec {
        y: 0.0..(most + 1.0).ceil(),
        y_desc: "pods",
        top: 0,
        x_axis: true,
        integer: true,
    };
    let mut chart = style::plot(&area, end, &spec)?;
    style::boundary_lines(&mut chart, input)?;

    let times: Vec<f64> = series.rows.iter().map(|r| style::secs(r.t)).collect();
    let level = |k: Option<usize>| {
        style::steps(
            times
                .iter()
                .zip(&tops)
                .map(|(t, top)| (*t, k.map_or(0.0, |k| top[k]))),
            end,
        )
    };
    for (k, b) in bands.iter().enumerate() {
        let upper = level(Some(k));
        let lower = level(k.checked_sub(1));
        let colour = input.colours[b.rs];
        let fill = if b.ready {
            colour
        } else {
            style::light(colour, 0.6)
        };
        chart.draw_series(std::iter::once(Polygon::new(
            band_polygon(&upper, &lower),
            fill.filled(),
        )))?;
    }
    let desired = style::steps(
        series
            .rows
            .iter()
            .filter_map(|r| r.status.map(|s| (style::secs(r.t), f64::from(s.desired)))),
        end,
    );
    chart.draw_series(DashedLineSeries::new(desired, 6, 4, INK.stroke_width(2)))?;
    Ok(())
}
