//! `rollout-sim get`: the `kubectl argo rollouts get rollout` tree of a simulated run at one
//! virtual instant.

use rollout_sim::engine::parse_instant;
use rollout_sim::output::replay::Replay;
use rollout_sim::output::tree;

use super::exit::{EXIT_INVALID, EXIT_OK};
use super::shared::Inputs;
use super::view::{colour, identity, prepare};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct GetArgs {
    /// The scenario or manifests to read.
    #[command(flatten)]
    inputs: Inputs,
    /// Virtual time to show (`90s`, `5m`, `1h30m`), or `end` (the default).
    #[arg(long)]
    at: Option<String>,
    /// Seed for the random draws (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// No colours (also the case when stdout is not a terminal).
    #[arg(long)]
    no_color: bool,
    /// For a bare manifest: promote each indefinite pause after this long (`never`: do not).
    #[arg(long, default_value = "30s")]
    auto_promote: String,
}

/// `get FILE --at T`.
pub(super) fn run(args: &GetArgs) -> i32 {
    let no_color = args.no_color;
    let v = match prepare(&args.inputs, args.seed, &args.auto_promote) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let t = match args.at.as_deref() {
        None | Some("end") => v.result.end,
        Some(text) => match parse_instant(text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "error: --at: {e}; give a virtual time such as 90s, 5m or 00:01:30.000 (as \
                     the timeline prints it), or `end`"
                );
                return EXIT_INVALID;
            }
        },
    };
    if t > v.result.end {
        eprintln!(
            "note: the run ended at {}; showing its last state",
            v.result.end
        );
    }
    let mut replay = Replay::new(&v.result.journal);
    let state = replay.advance_to(t.min(v.result.end));
    print!(
        "{}",
        tree::render(state, &identity(&v.sc), colour(no_color))
    );
    EXIT_OK
}
