//! What several commands share: the inputs they read (`FILE...`, `--rollout`, `--metric`),
//! the text/JSON output switch, the run budgets, and loading the inputs with every problem
//! printed as a diagnostic. Only the command line turns errors into messages and exit codes.

use std::path::PathBuf;

use clap::ValueEnum;
use rollout_sim::engine::{SimDuration, parse_duration};
use rollout_sim::input::InputError;
use rollout_sim::input::source::{self, Source};
use rollout_sim::scenario::{self, LoadOptions, Scenario};
use rollout_sim::sim::Budgets;

use super::exit::EXIT_INVALID;

/// Output of `run`, `plan` and other commands that can print text or JSON.
// Variants undocumented on purpose: clap would print their docs in --help as a list of values;
// each option's help says what its values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}

/// What to run: a scenario file, or manifests given as `kubectl apply -f` takes them.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct Inputs {
    /// A scenario file; or manifest files and folders (searched for *.yaml / *.yml), `-`
    /// for standard input, which together run the default scenario.
    #[arg(required = true, value_name = "FILE")]
    pub(super) files: Vec<PathBuf>,
    /// Of several Rollouts in the manifests, the one to run.
    #[arg(long, value_name = "NAME")]
    pub(super) rollout: Option<String>,
    /// Model an analysis metric: NAME=pass, fail, error, inconclusive, or a value its
    /// conditions evaluate (a number, true/false, a string). Repeatable.
    #[arg(long = "metric", value_name = "NAME=VALUE")]
    pub(super) metrics: Vec<String>,
}

/// The bounds of a run, raised from the defaults the scenario sizes (`sim::Budgets`). A run
/// that crosses one stops with exit code 3: the simulator itself failed.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(super) struct BudgetArgs {
    /// Engine events a run may process (default: sized from replicas and virtual duration).
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Journal entries a run may write (default: sized from replicas and virtual duration).
    #[arg(long, value_name = "N")]
    max_journal_entries: Option<u64>,
    /// Controller passes at one virtual instant before they must reach a fixed point.
    #[arg(long, value_name = "N")]
    max_reconciles_per_instant: Option<u64>,
    /// Bytes of timeline or event log a run may print or write.
    #[arg(long, value_name = "N")]
    max_output_bytes: Option<u64>,
}

impl BudgetArgs {
    /// The scenario's default budgets, with the flags given in place of their defaults.
    pub(super) fn for_scenario(&self, sc: &Scenario) -> Budgets {
        let d = Budgets::for_scenario(sc);
        Budgets {
            reconciles_per_instant: self
                .max_reconciles_per_instant
                .unwrap_or(d.reconciles_per_instant),
            events: self.max_events.unwrap_or(d.events),
            journal_entries: self.max_journal_entries.unwrap_or(d.journal_entries),
            output_bytes: self.max_output_bytes.unwrap_or(d.output_bytes),
        }
    }
}

/// Prints every error of `e` on standard error, in file and line order, and their count.
pub(super) fn print_input_error(e: &InputError) {
    for d in e.0.sorted_errors() {
        eprintln!("{d}");
    }
    let n = e.0.errors().count();
    if n > 1 {
        eprintln!("{n} errors");
    }
}

/// `--auto-promote`: a duration, or `never` (indefinite pauses wait for a promote).
pub(super) fn parse_auto_promote(text: &str) -> Result<Option<SimDuration>, i32> {
    if text == "never" {
        return Ok(None);
    }
    parse_duration(text).map(Some).map_err(|e| {
        eprintln!("error: --auto-promote: {e}; give a duration such as 30s, or `never`");
        EXIT_INVALID
    })
}

/// Loads the inputs with `--auto-promote` as written on the command line.
pub(super) fn load_with_auto_promote(inputs: &Inputs, auto_promote: &str) -> Result<Scenario, i32> {
    let delay = parse_auto_promote(auto_promote)?;
    let defaults = LoadOptions::default();
    let mut sc = load(
        inputs,
        &LoadOptions {
            auto_promote: delay.unwrap_or(defaults.auto_promote),
            ..defaults
        },
    )?;
    if delay.is_none() && sc.from_manifest {
        sc.auto_promote = None;
        sc.description = format!(
            "Default scenario of {}: deploy, change the image; indefinite pauses wait for a promote.",
            sc.manifests.rollouts[0].name
        );
    }
    Ok(sc)
}

/// The load options of the command line: `opts` with `--rollout` and `--metric` added.
pub(super) fn options_of(inputs: &Inputs, opts: &LoadOptions) -> Result<LoadOptions, i32> {
    let mut opts = opts.clone();
    opts.rollout.clone_from(&inputs.rollout);
    for m in &inputs.metrics {
        match scenario::metrics::parse_metric_arg(m) {
            Ok((name, model)) => {
                opts.metrics.insert(name, model);
            }
            Err(e) => {
                eprintln!("error: --metric {e}");
                return Err(EXIT_INVALID);
            }
        }
    }
    Ok(opts)
}

/// Reads the inputs named on the command line (files, folders, `-`).
pub(super) fn gather(inputs: &Inputs) -> Result<Vec<Source>, i32> {
    source::gather(&inputs.files).map_err(|e| {
        print_input_error(&e);
        EXIT_INVALID
    })
}

/// The command line's load options and its inputs read, as `lint` and `sweep` start.
pub(super) fn options_and_sources(inputs: &Inputs) -> Result<(LoadOptions, Vec<Source>), i32> {
    Ok((
        options_of(inputs, &LoadOptions::default())?,
        gather(inputs)?,
    ))
}

/// Reads and loads the inputs as every command that runs them does, and says the notes of
/// bare manifests (skipped documents, created Services, assumed metrics) once, on standard
/// error.
pub(super) fn load(inputs: &Inputs, opts: &LoadOptions) -> Result<Scenario, i32> {
    let opts = options_of(inputs, opts)?;
    let sources = gather(inputs)?;
    let sc = scenario::load_sources(&sources, &opts).map_err(|e| {
        print_input_error(&e);
        EXIT_INVALID
    })?;
    // Bare manifests: say what the default scenario decided for the user. A scenario's author
    // made those decisions in the file (`lint` shows its notes), so its runs stay quiet.
    if sc.from_manifest {
        for n in &sc.notes {
            eprintln!("{n}");
        }
    }
    Ok(sc)
}
