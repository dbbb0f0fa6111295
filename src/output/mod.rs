//! Everything a run produces, each a function of the journal: the text timeline, the JSON
//! event log, and the run summary.

pub mod jsonl;
pub mod summary;
pub mod timeline;
