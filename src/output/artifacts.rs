//! What `run --out DIR` writes: `events.jsonl`, `series.csv`, each chart as SVG and PNG, and
//! `report.html`. Every file is a function of the journal (and the scenario's name,
//! description and analysis conditions), so the same scenario and seed give the same bytes.
//!
//! [`set`] is every name of those files; they are written through [`OutDir`], which puts the
//! new set in place in one step and removes the files of an earlier set this run does not
//! produce, never touching other files in the folder.

use std::path::Path;

use crate::output::outdir::{OutDir, OutDirError};

use crate::output::charts::{self, ChartInput};
use crate::output::{report, series};
use crate::scenario::Scenario;
use crate::sim::RunResult;

/// Why the artifacts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// A file of the output folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file, as shown to the user.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A chart could not be rendered.
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    /// The folder itself cannot take the files.
    #[error(transparent)]
    OutDir(#[from] OutDirError),
}

/// Every file name `run --out` may write: the set it owns in its folder.
pub fn set() -> Vec<String> {
    let mut names = vec![
        "events.jsonl".to_string(),
        "series.csv".to_string(),
        "report.html".to_string(),
    ];
    for kind in charts::Kind::ALL {
        names.push(format!("{}.svg", kind.stem()));
        names.push(format!("{}.png", kind.stem()));
    }
    names
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<(), ArtifactError> {
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes every artifact of a run into `dir` (created if missing), replacing an earlier set
/// whole; `log` is the rendered `events.jsonl`.
pub fn write_all(
    dir: &Path,
    sc: &Scenario,
    seed: u64,
    result: &RunResult,
    log: &str,
) -> Result<(), ArtifactError> {
    let out = OutDir::prepare(dir)?;
    write_into(out, sc, seed, result, log)
}

/// Writes every artifact of a run into a prepared folder and puts them in place. On an error
/// nothing in the folder changes.
pub fn write_into(
    out: OutDir,
    sc: &Scenario,
    seed: u64,
    result: &RunResult,
    log: &str,
) -> Result<(), ArtifactError> {
    write_files(out.staging(), sc, seed, result, log)?;
    out.commit(&set())?;
    Ok(())
}

fn write_files(
    dir: &Path,
    sc: &Scenario,
    seed: u64,
    result: &RunResult,
    log: &str,
) -> Result<(), ArtifactError> {
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
