//! Everything a run produces, each a function of the journal: the text timeline, the JSON
//! event log, the run summary, the `get` tree (through a replay of the journal to any
//! instant), and the series, charts and report of `run --out`.

pub mod artifacts;
pub mod charts;
pub mod jsonl;
pub mod junit;
pub mod outdir;
pub mod replay;
pub mod report;
pub mod scrub;
pub mod series;
pub mod steps;
pub mod summary;
pub mod sweep;
pub mod timeline;
pub mod tree;
pub mod waiting;
pub mod xml;
