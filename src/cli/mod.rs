//! The command line: `run`, `test`, `lint`. Exit codes (SCENARIO.md §3): 0 success, 1 a
//! scenario's expectation, wait or invariant failed, 2 invalid input, 3 the simulator itself
//! failed (a budget of the run was exceeded).

// Every `print!` and `println!` of the CLI writes through `stdout`, which ends the process
// quietly when the reader of a pipe has gone (`run X | head -1`) instead of panicking. Defined
// before the modules so that they shadow the standard macros in all of them.
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::cli::stdout::print(format_args!($($arg)*))
    };
}
macro_rules! println {
    () => {
        $crate::cli::stdout::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
// Messages on standard error are best effort: when stderr is a closed pipe too
// (`lint X 2>&1 | head -1`) there is nobody left to tell, and the exit code still says it all.
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::cli::stdout::eprint(format_args!($($arg)*))
    };
}
macro_rules! eprintln {
    () => {
        $crate::cli::stdout::eprint(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod commands;
mod diff;
mod plan;
mod shard;
mod stdout;
mod sweep;
mod views;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Offline simulator of Argo Rollouts: run a Rollout under virtual time, with no cluster.
#[derive(Debug, Parser)]
#[command(name = "rollout-sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Output of `sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepFormat {
    Text,
    Csv,
    Json,
}

/// What to run: a scenario file, or manifests given as `kubectl apply -f` takes them.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// A scenario file; or manifest files and folders (searched for *.yaml / *.yml), `-`
    /// for standard input, which together run the default scenario.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Of several Rollouts in the manifests, the one to run.
    #[arg(long, value_name = "NAME")]
    pub rollout: Option<String>,
    /// Model an analysis metric: NAME=pass, fail, error, inconclusive, or a value its
    /// conditions evaluate (a number, true/false, a string). Repeatable.
    #[arg(long = "metric", value_name = "NAME=VALUE")]
    pub metrics: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (or your manifests, as the default scenario) and print its timeline.
    Run {
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
        #[command(flatten)]
        budgets: BudgetArgs,
    },
    /// Run every scenario under the paths (default `scenarios/`); one line per scenario.
    Test {
        /// Scenario files or directories (searched recursively for *.yaml / *.yml).
        paths: Vec<PathBuf>,
        /// Seed for every scenario (overrides each scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// No progress bar (there is none anyway when stderr is not a terminal).
        #[arg(long)]
        quiet: bool,
        /// Also write a JUnit XML report (one testcase per scenario) to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Run only shard I of N (1-based): every N-th scenario, starting at the I-th.
        #[arg(long, value_name = "I/N")]
        shard: Option<shard::Shard>,
        #[command(flatten)]
        budgets: BudgetArgs,
    },
    /// Show the `kubectl argo rollouts get rollout` view of a run at a virtual time.
    Get {
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
    },
    /// Replay a run in the terminal, redrawing the `get rollout` tree as virtual time passes.
    Watch {
        #[command(flatten)]
        inputs: Inputs,
        /// Virtual seconds per real second.
        #[arg(long, default_value = "10")]
        speed: f64,
        /// Stop at every canary step until Enter is pressed.
        #[arg(long)]
        step: bool,
        /// Run live and take keys: p promote, f promote --full, a abort, r retry, i kill a
        /// pod, n fail a node, b make the canary bad, s/space step, +/- speed, q quit.
        #[arg(long, conflicts_with = "step")]
        interactive: bool,
        /// Seed for the random draws (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// No colours (also the case when stdout is not a terminal).
        #[arg(long)]
        no_color: bool,
        /// Promote each indefinite pause after this long, or `never`. Default: 30s for a bare
        /// manifest; with --interactive, `never` (for scenarios too: the presenter promotes).
        #[arg(long)]
        auto_promote: Option<String>,
    },
    /// What-if: run the scenario with every combination of changed values, N seeds each.
    Sweep {
        #[command(flatten)]
        inputs: Inputs,
        /// `PATH=V1,V2,...`: a path into the scenario (`apps[0].errorRate`) or the Rollout
        /// (`rollout.spec.strategy.canary.steps[0].setWeight`) and the values to try.
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        /// Runs (seeds) per variant, 1 to 1000000.
        #[arg(long, default_value = "10", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        runs: u32,
        /// First seed (runs use seed, seed+1, ...; default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output on stdout.
        #[arg(long, value_enum, default_value = "text")]
        format: SweepFormat,
        /// Also write sweep.csv, sweep.json, sweep.txt and the chart sweep.svg here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Run only shard I of N (1-based) of the (variant, seed) pairs and print it as a part
        /// for `merge` (needs `--format json`).
        #[arg(long, value_name = "I/N")]
        shard: Option<shard::Shard>,
    },
    /// Compare two versions of a Rollout (files or git:REV:PATH): steps, ETA, surge, analysis.
    Diff {
        /// The old version: a file, or `git:REV:PATH`.
        old: String,
        /// The new version: a file, or `git:REV:PATH`.
        new: String,
        /// `text`, `markdown` for a pull-request comment, or `json`.
        #[arg(long, value_enum, default_value = "text")]
        format: diff::DiffFormat,
        /// Each manual promotion happens this long after its pause starts.
        #[arg(long, value_name = "DURATION")]
        promote_after: Option<String>,
        /// Seed of both plans (default: each file's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Exit 1 when the change crosses this: eta>+30m, eta>2h, surge>+2, surge>4,
        /// pod-seconds>+10%, pod-seconds>600, blast>+100, blast>+50%, blast>500, never.
        #[arg(long = "fail-if", value_name = "THRESHOLD")]
        fail_if: Vec<String>,
        /// A scenario of a bad canary: each version's Rollout is run through it with the same
        /// seeds, and the failed requests the canary served (the blast radius) compared.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Runs (seeds) per version through --scenario.
        #[arg(long, default_value_t = 20)]
        runs: u32,
    },
    /// Put the parts of a sharded sweep back together: prints what the whole sweep prints.
    Merge {
        /// The parts, written by `sweep --shard I/N --format json`, in any order.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Output on stdout.
        #[arg(long, value_enum, default_value = "text")]
        format: SweepFormat,
        /// Also write sweep.csv, sweep.json, sweep.txt and the chart sweep.svg here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Plan an update: per step, weight, pods, and when it ends; the ETA (docs/plan.md).
    Plan {
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
    },
    /// Check inputs without running them: every check `run` makes, so exit 0 means `run` accepts them.
    Lint {
        #[command(flatten)]
        inputs: Inputs,
    },
}

/// The bounds of a run, raised from the defaults the scenario sizes (`sim::Budgets`). A run
/// that crosses one stops with exit code 3: the simulator itself failed.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct BudgetArgs {
    /// Engine events a run may process (default: sized from replicas and virtual duration).
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
    /// Journal entries a run may write (default: sized from replicas and virtual duration).
    #[arg(long, value_name = "N")]
    pub max_journal_entries: Option<u64>,
    /// Controller passes at one virtual instant before they must reach a fixed point.
    #[arg(long, value_name = "N")]
    pub max_reconciles_per_instant: Option<u64>,
    /// Bytes of timeline or event log a run may print or write.
    #[arg(long, value_name = "N")]
    pub max_output_bytes: Option<u64>,
}

impl BudgetArgs {
    /// The scenario's default budgets, with the flags given in place of their defaults.
    pub fn for_scenario(&self, sc: &crate::scenario::Scenario) -> crate::sim::Budgets {
        let d = crate::sim::Budgets::for_scenario(sc);
        crate::sim::Budgets {
            reconciles_per_instant: self
                .max_reconciles_per_instant
                .unwrap_or(d.reconciles_per_instant),
            events: self.max_events.unwrap_or(d.events),
            journal_entries: self.max_journal_entries.unwrap_or(d.journal_entries),
            output_bytes: self.max_output_bytes.unwrap_or(d.output_bytes),
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let code = commands::dispatch(cli.command);
    stdout::flush();
    code
}
