//! What `run --out DIR` writes: `events.jsonl`, `series.csv`, each chart as SVG and PNG, and
//! `report.html`. Every file is a function of the journal (and the scenario's name,
//! description and analysis conditions), so the same scenario and seed give the same bytes.

use std::path::Path;

use crate::output::charts::{self, ChartInput};
use crate::output::{report, series};
use crate::scenario::Scenario;
use crate::sim::RunResult;

/// Why the artifacts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<(), ArtifactError> {
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes every artifact of a run into `dir` (created if missing); `log` is the rendered
/// `events.jsonl`.
pub fn write_all(
    dir: &Path,
    sc: &Scenario,
    seed: u64,
    result: &RunResult,
    log: &str,
) -> Result<(), ArtifactError> {
    std::fs::create_dir_all(dir).map_err(|source| ArtifactError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    write(dir, "events.jsonl", log)?;
    let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(sc));
    write(dir, "series.csv", &series::to_csv(&input.series))?;
    let mut svgs = Vec::new();
    for kind in charts::kinds(&input) {
        let svg = charts::svg(kind, &input)?;
        write(dir, &format!("{}.svg", kind.stem()), &svg)?;
        charts::png(kind, &input, &dir.join(format!("{}.png", kind.stem())))?;
        svgs.push((kind, svg));
    }
    let html = report::render(&report::ReportInput {
        scenario: sc,
        seed,
        result,
        charts: &input,
        svgs: &svgs,
    });
    write(dir, "report.html", &html)
}
