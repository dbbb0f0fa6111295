//! The integration tests, as one test binary.
//!
//! Each module was once its own file under `tests/` and so its own binary, linked against the
//! library again for every file: a one-line change in `src/` cost some twenty links. As modules
//! of one crate they link once, and share the helpers in [`common`]. Run one area with a filter:
//! `cargo test --test it cli::`.
//!
//! `tests/expr_alloc.rs` stays a binary of its own: it installs a counting global allocator,
//! which would count every other test's allocations too.

mod common;

mod abort_retry;
mod analysis;
mod bad_inputs;
mod browser;
mod charts;
mod cli;
mod controller;
mod diff;
mod engine_failure;
mod event_log;
mod experiment_tree;
mod experiments;
mod input_checks;
mod inputs;
mod junit;
mod layers;
mod operator_actions;
mod output_plumbing;
mod plan;
mod presenter;
mod properties;
mod replica_cases;
mod report_scrub;
mod restart_faults;
mod self_contained;
mod sweep;
mod traffic_rounding;
mod upstream_fidelity;
mod views;
mod waits;
mod weights;
