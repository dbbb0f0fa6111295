//! `rollout-sim plan FILE`: the plan of an update (docs/plan.md).

use rollout_sim::engine::parse_duration;
use rollout_sim::plan::render::{render_json, render_text};
use rollout_sim::plan::{PlanError, PlanOptions, plan as make_plan};
use rollout_sim::scenario::LoadOptions;

use super::exit::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use super::shared::{Format, Inputs, load};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct PlanArgs {
    /// The scenario or manifests to read.
    #[command(flatten)]
    inputs: Inputs,
    /// `text`: a table; `json`: the documented plan object.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Assume each manual promotion happens this long after its pause starts.
    #[arg(long)]
    promote_after: Option<String>,
    /// Seed for the random draws (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
}

/// Plans the update and prints the plan; exit 1 when it never becomes Healthy.
pub(super) fn run(args: &PlanArgs) -> i32 {
    let (inputs, format, seed) = (&args.inputs, args.format, args.seed);
    let promote_after = match args
        .promote_after
        .as_deref()
        .map(parse_duration)
        .transpose()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --promote-after: {e}");
            return EXIT_INVALID;
        }
    };
    let sc = match load(inputs, &LoadOptions::default()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = PlanOptions {
        promote_after,
        seed,
    };
    match make_plan(&sc, &opts) {
        Ok(p) => {
            match format {
                Format::Text => print!("{}", render_text(&p)),
                Format::Json => print!("{}", render_json(&p)),
            }
            // An update that never becomes Healthy is a failed plan (the reason is printed).
            if p.stalled.is_some() {
                EXIT_FAILED
            } else {
                EXIT_OK
            }
        }
        Err(PlanError::Engine(f)) => {
            eprintln!("error: {f}");
            EXIT_ENGINE
        }
        Err(e) => {
            eprintln!("{}: error: {e}", sc.file.display());
            EXIT_INVALID
        }
    }
}
