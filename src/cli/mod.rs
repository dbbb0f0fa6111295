//! The command line, part of the binary only: the library knows nothing of flags, messages
//! or exit codes. One file per command (`run`, `test`, `get`, `watch`, `sweep`, `diff`,
//! `merge`, `plan`, `lint`), each holding its flags and what it does; what several share is in
//! `shared` (inputs, formats, budgets, loading), `view` (`get` and `watch`), `stdout` (writes
//! that survive a closed pipe), `shard` and `exit` (the exit codes of SCENARIO.md §3: 0
//! success, 1 a scenario's expectation, wait or invariant failed, 2 invalid input, 3 the
//! simulator itself failed). Files depend on those helpers and never on each other, except
//! `merge` on `sweep` (a merged sweep is shown as a sweep) and `watch` on its live mode.

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

mod diff;
mod exit;
mod get;
mod lint;
mod merge;
mod plan;
mod run;
mod shard;
mod shared;
mod stdout;
mod sweep;
mod test;
mod view;
mod watch;

use clap::{Parser, Subcommand};

/// Offline simulator of Argo Rollouts: run a Rollout under virtual time, with no cluster.
#[derive(Debug, Parser)]
#[command(name = "rollout-sim", version, about, long_about = None)]
struct Cli {
    /// The subcommand given.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, one per thing the simulator does. Each variant's doc comment is its help;
/// its flags are in the command's own file.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (or your manifests, as the default scenario) and print its timeline.
    Run(run::RunArgs),
    /// Run every scenario under the paths (default `scenarios/`); one line per scenario.
    Test(test::TestArgs),
    /// Show the `kubectl argo rollouts get rollout` view of a run at a virtual time.
    Get(get::GetArgs),
    /// Replay a run in the terminal, redrawing the `get rollout` tree as virtual time passes.
    Watch(watch::WatchArgs),
    /// What-if: run the scenario with every combination of changed values, N seeds each.
    Sweep(sweep::SweepArgs),
    /// Compare two versions of a Rollout (files or git:REV:PATH): steps, ETA, surge, analysis.
    Diff(diff::DiffArgs),
    /// Put the parts of a sharded sweep back together: prints what the whole sweep prints.
    Merge(merge::MergeArgs),
    /// Plan an update: per step, weight, pods, and when it ends; the ETA (docs/plan.md).
    Plan(plan::PlanArgs),
    /// Check inputs without running them: every check `run` makes, so exit 0 means `run` accepts them.
    Lint(lint::LintArgs),
}

/// Runs the command line and returns the process exit code.
pub(crate) fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::EXIT_INVALID
            } else {
                exit::EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    let code = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Test(args) => test::run(args),
        Command::Get(args) => get::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Lint(args) => lint::run(args),
    };
    stdout::flush();
    code
}
