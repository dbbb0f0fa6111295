//! Using rollout-sim as a library: load a scenario (or a bare Rollout manifest), run it under
//! virtual time, and print how it ended.
//!
//! ```text
//! cargo run --example run_scenario -- scenarios/rollouts-demo.yaml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use rollout_sim::output::summary;
use rollout_sim::scenario;
use rollout_sim::sim;

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("scenarios/rollouts-demo.yaml"));
    let sc = match scenario::load(&path) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = sim::run(&sc);
    let steps = result
        .journal
        .iter()
        .filter(|e| matches!(e.kind, sim::EntryKind::StepCompleted { .. }))
        .count();
    println!(
        "{} journal entries, {steps} steps completed",
        result.journal.entries.len()
    );
    print!("{}", summary::render(&sc.name, &result));
    if result.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
