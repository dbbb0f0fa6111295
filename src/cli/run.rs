//! `rollout-sim run`: one scenario (or manifests, as the default scenario) simulated, its
//! timeline or event log printed, its artifacts written with `--out`.

use std::path::PathBuf;

use rollout_sim::output::artifacts;
use rollout_sim::output::outdir::OutDir;
use rollout_sim::output::{jsonl, summary, timeline};
use rollout_sim::sim::{self, RunResult};

use super::exit::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use super::shared::{BudgetArgs, Format, Inputs, load_with_auto_promote};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct RunArgs {
    /// The scenario or manifests to read.
    #[command(flatten)]
    inputs: Inputs,
    /// Seed for the random draws (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Write events.jsonl (and other artifacts) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// `text`: a timeline; `json`: the events.jsonl lines.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Show pod-level entries in the text timeline.
    #[arg(long)]
    pods: bool,
    /// Show the Kubernetes Events the controller records in the text timeline.
    #[arg(long)]
    events: bool,
    /// Show one line per traffic tick (requests and failures per version).
    #[arg(long)]
    traffic: bool,
    /// For a bare manifest: promote each indefinite pause after this long (`never`: do not).
    #[arg(long, default_value = "30s")]
    auto_promote: String,
    /// Limits on the work one run may do.
    #[command(flatten)]
    budgets: BudgetArgs,
}

/// Runs the scenario and prints it; the exit code says whether it passed.
pub(super) fn run(args: &RunArgs) -> i32 {
    let topts = timeline::TimelineOptions {
        pods: args.pods,
        events: args.events,
        traffic: args.traffic,
    };
    let sc = match load_with_auto_promote(&args.inputs, &args.auto_promote) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The folder is checked before the simulation, not after it.
    let out = match args.out.as_deref().map(OutDir::prepare).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let seed = args.seed.unwrap_or(sc.seed);
    let budgets = args.budgets.for_scenario(&sc);
    let mut result = sim::run_with_budgets(&sc, seed, budgets);
    // The event log is rendered only for the outputs that print or write it: the text
    // timeline reads the journal itself.
    let log = if matches!(args.format, Format::Json) || out.is_some() {
        jsonl::render(&result.journal, &sc.name, seed, sc.start)
    } else {
        String::new()
    };
    // The JSON output is the log itself, borrowed: at 100,000 replicas it is a quarter of a
    // gigabyte, and a copy for stdout would double what `--out` holds.
    let text: std::borrow::Cow<str> = match args.format {
        Format::Json => std::borrow::Cow::Borrowed(&log),
        Format::Text => {
            let mut text = format!("{} — seed {seed}\n", sc.name);
            if !sc.description.is_empty() {
                text.push_str(&sc.description);
                text.push('\n');
            }
            text.push('\n');
            text.push_str(&timeline::render(&result.journal, topts));
            text.push('\n');
            text.push_str(&summary::render(&sc.name, &result));
            std::borrow::Cow::Owned(text)
        }
    };
    // The output budget is checked before anything is printed or written.
    let written = if out.is_some() { log.len() } else { 0 };
    let bytes = text.len().max(written) as u64;
    if result.engine_failure.is_none() {
        result.engine_failure =
            budgets.check(sim::BudgetKind::OutputBytes, bytes, result.end, seed);
        if result.engine_failure.is_some() {
            return report_engine_failure(&result);
        }
    }
    // Files first: if the reader of stdout goes away mid-timeline, the set is complete anyway.
    let written = out.map(|o| artifacts::write_into(o, &sc, seed, &result, &log));
    print!("{text}");
    if let Some(Err(e)) = written {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    exit_code(&result)
}

/// Prints the failure of the simulator itself on stderr; exit code 3.
fn report_engine_failure(r: &RunResult) -> i32 {
    if let Some(f) = &r.engine_failure {
        eprintln!("error: {f}");
    }
    EXIT_ENGINE
}

fn exit_code(r: &RunResult) -> i32 {
    if r.engine_failure.is_some() {
        report_engine_failure(r)
    } else if r.passed() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
