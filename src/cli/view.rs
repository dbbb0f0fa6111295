//! What `get` and `watch` share: the scenario loaded and run once, the Rollout's identity in
//! the tree's header, colours on a terminal, and the options of `watch`.
//!
//! Both run the whole scenario first and then replay its journal (`watch --interactive` runs it
//! live instead); pacing by the wall clock happens only in the command line, never in the
//! library.

use std::io::IsTerminal;

use rollout_sim::output::tree::{Colour, Identity};
use rollout_sim::scenario::Scenario;
use rollout_sim::sim::{self, RunResult};

use super::exit::EXIT_ENGINE;
use super::shared::{Inputs, load_with_auto_promote};

/// What `get` and `watch` share: the scenario, run once.
pub(super) struct Viewed {
    pub(super) sc: Scenario,
    pub(super) result: RunResult,
}

/// Loads the inputs and runs them once; a run the simulator itself failed is an error (exit 3).
pub(super) fn prepare(
    inputs: &Inputs,
    seed: Option<u64>,
    auto_promote: &str,
) -> Result<Viewed, i32> {
    let sc = load_with_auto_promote(inputs, auto_promote)?;
    let seed = seed.unwrap_or(sc.seed);
    let result = sim::run_with_seed(&sc, seed);
    // A view of a run the simulator itself failed would show a state no controller reaches.
    if let Some(f) = &result.engine_failure {
        eprintln!("error: {f}");
        return Err(EXIT_ENGINE);
    }
    Ok(Viewed { sc, result })
}

/// The Rollout the tree's header names.
pub(super) fn identity(sc: &Scenario) -> Identity<'_> {
    let r = &sc.manifests.rollouts[0];
    Identity {
        name: &r.name,
        namespace: &r.namespace,
    }
}

/// ANSI colours on a terminal, unless `--no-color`.
pub(super) fn colour(no_color: bool) -> Colour {
    if no_color || !std::io::stdout().is_terminal() {
        Colour::Plain
    } else {
        Colour::Ansi
    }
}

/// The options of `watch`, replayed or live.
pub(super) struct WatchOptions<'a> {
    /// Virtual seconds per real second.
    pub(super) speed: f64,
    /// Stop at every canary step (replay only).
    pub(super) step: bool,
    /// The seed given, if any.
    pub(super) seed: Option<u64>,
    /// No colours.
    pub(super) no_color: bool,
    /// `--auto-promote` as given, or the default of the mode.
    pub(super) auto_promote: &'a str,
}

/// `--speed` must be a positive number.
pub(super) fn valid_speed(speed: f64) -> bool {
    let ok = speed.is_finite() && speed > 0.0;
    if !ok {
        eprintln!("error: --speed must be a positive number of virtual seconds per second");
    }
    ok
}
