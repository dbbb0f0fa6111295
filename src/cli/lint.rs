//! `rollout-sim lint`: inputs checked without being run, through the loader `run` uses.

use rollout_sim::input::source::Source;
use rollout_sim::scenario::{self, LoadOptions};

use super::exit::{EXIT_INVALID, EXIT_OK};
use super::shared::{Inputs, options_and_sources, print_input_error};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct LintArgs {
    /// The scenario or manifests to read.
    #[command(flatten)]
    inputs: Inputs,
}

/// `lint`: every check `run` makes before it simulates, through the same loader and on the
/// same argument list taken as one input, so that a clean `lint` means `run` with the same
/// arguments will not refuse them. Several scenarios, or a scenario found in a folder, are
/// runs of their own (as `test` runs them): each is checked on its own, and manifests found
/// beside them in a folder, being their inputs, are skipped with a note as `test` skips them.
pub(super) fn run(args: &LintArgs) -> i32 {
    let inputs = &args.inputs;
    let (opts, sources) = match options_and_sources(inputs) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let is_scenario: Vec<bool> = sources.iter().map(scenario::is_scenario_source).collect();
    let scenarios = is_scenario.iter().filter(|s| **s).count();
    // One scenario named with extra manifests (or manifests alone) is one run; scenarios
    // found in a folder are each a run of their own, as `test` runs them.
    let found_in_folder = sources
        .iter()
        .zip(&is_scenario)
        .any(|(src, scenario)| *scenario && src.in_folder);
    if scenarios == 0 || (scenarios == 1 && !found_in_folder) {
        return lint_group(&sources, &opts);
    }
    let mut code = EXIT_OK;
    for (src, scenario) in sources.iter().zip(is_scenario) {
        if !scenario && src.in_folder {
            eprintln!(
                "{}: note: skipped: not a scenario; the scenarios beside it are checked with \
                 their own inputs",
                src.display
            );
            continue;
        }
        code = code.max(lint_group(std::slice::from_ref(src), &opts));
    }
    code
}

/// Checks inputs that run together, printing the loader's notes and one `ok` line, or the
/// input errors.
fn lint_group(sources: &[Source], opts: &LoadOptions) -> i32 {
    let name: Vec<&str> = sources.iter().map(|s| s.display.as_str()).collect();
    match rollout_sim::lint::lint_sources(sources, opts) {
        Ok(report) => {
            for n in &report.notes {
                println!("{n}");
            }
            println!("ok {}: {}", name.join(" "), report.what);
            EXIT_OK
        }
        Err(e) => {
            print_input_error(&e);
            EXIT_INVALID
        }
    }
}
