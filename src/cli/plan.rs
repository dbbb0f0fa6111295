//! `rollout-sim plan FILE`: the plan of an update (docs/plan.md).

use crate::engine::parse_duration;
use crate::plan::render::{render_json, render_text};
use crate::plan::{PlanOptions, plan as make_plan};
use crate::scenario::LoadOptions;

use super::commands::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, load};
use super::{Format, Inputs};

pub(super) fn plan(
    inputs: &Inputs,
    format: Format,
    promote_after: Option<&str>,
    seed: Option<u64>,
) -> i32 {
    let promote_after = match promote_after.map(parse_duration).transpose() {
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
        Err(crate::plan::PlanError::Engine(f)) => {
            eprintln!("error: {f}");
            super::commands::EXIT_ENGINE
        }
        Err(e) => {
            eprintln!("{}: error: {e}", sc.file.display());
            EXIT_INVALID
        }
    }
}
