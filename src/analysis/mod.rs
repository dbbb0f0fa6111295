//! Analysis: AnalysisRuns built from templates, measurement scheduling and judging as Argo's
//! analysis controller does them (`analysis/analysis.go`), and the condition language of
//! `successCondition` / `failureCondition`.

pub mod controller;
pub mod expr;
pub mod metric;
pub mod run;
pub mod spec;
