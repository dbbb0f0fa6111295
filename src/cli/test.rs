//! `rollout-sim test`: every scenario under the paths run and judged, one line each, with a
//! JUnit report and CI shards on request.

use std::path::PathBuf;

use rollout_sim::engine::SimDuration;
use rollout_sim::input::source;
use rollout_sim::output::junit::JunitReport;
use rollout_sim::scenario;
use rollout_sim::sim;

use super::exit::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use super::shard::Shard;
use super::shared::{BudgetArgs, print_input_error};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct TestArgs {
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
    shard: Option<Shard>,
    /// Limits on the work one run may do.
    #[command(flatten)]
    budgets: BudgetArgs,
}

/// Scenario files under the paths: files as given; directories searched recursively, sorted.
fn collect(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = source::yaml_files_under(p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.extend(found.into_iter().map(|f| (f, false)));
        } else if p.exists() {
            out.push((p.clone(), true));
        } else {
            return Err(format!("{}: error: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

/// Runs every scenario under the paths, one result line each, and a count; the exit code is
/// the worst outcome (an engine failure, then an invalid file, then a failed scenario).
pub(super) fn run(args: &TestArgs) -> i32 {
    let (seed, quiet, shard) = (args.seed, args.quiet, args.shard);
    let junit_file = args.junit.as_deref();
    let budget_args = args.budgets;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let files = match collect(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_INVALID;
        }
    };
    // A report that cannot be written is known before a long suite runs, not after.
    if let Some(path) = junit_file
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        eprintln!(
            "error: cannot write the JUnit report {}: no folder {}",
            path.display(),
            dir.display()
        );
        return EXIT_INVALID;
    }
    let (mut passed, mut failed, mut invalid, mut errors) = (0, 0, 0, 0);
    let mut report = junit_file.map(|_| junit_report(&paths, seed, shard));
    // Position of the next scenario in the whole suite, for `--shard`.
    let mut position = 0;
    // A bar on stderr for long suites; indicatif hides it when stderr is not a terminal, and
    // the result lines go through it so they are not overdrawn.
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let say = |line: String| bar.suspend(|| println!("{line}"));
    for (file, explicit) in files {
        bar.set_message(file.display().to_string());
        bar.inc(1);
        // Files found while searching a folder that are not scenarios (manifests, which are
        // the inputs of scenarios, and companion files) are not tests: skipped, with a note.
        if !explicit && let Some(why) = scenario::not_a_scenario(&file) {
            bar.suspend(|| eprintln!("{}: note: skipped: {why}", file.display()));
            continue;
        }
        let loaded = scenario::load(&file);
        position += 1;
        if shard.is_some_and(|s| !s.owns(position - 1)) {
            continue;
        }
        let sc = match loaded {
            Ok(s) => s,
            Err(e) => {
                invalid += 1;
                say(format!("INVALID {}", file.display()));
                bar.suspend(|| print_input_error(&e));
                if let Some(r) = &mut report {
                    let diags: Vec<String> =
                        e.0.sorted_errors().iter().map(|d| d.to_string()).collect();
                    r.invalid(&file, &diags);
                }
                continue;
            }
        };
        let run_seed = seed.unwrap_or(sc.seed);
        let result = sim::run_with_budgets(&sc, run_seed, budget_args.for_scenario(&sc));
        if let Some(r) = &mut report {
            r.ran(&file, run_seed, &result);
        }
        let virt = SimDuration(result.end.as_millis());
        if let Some(f) = &result.engine_failure {
            errors += 1;
            say(format!("ERROR {} ({virt} virtual)", file.display()));
            say(format!("  {f}"));
        } else if result.passed() {
            passed += 1;
            say(format!("PASS {} ({virt} virtual)", file.display()));
        } else {
            failed += 1;
            say(format!("FAIL {} ({virt} virtual)", file.display()));
            for f in &result.failures {
                say(format!("  {f}"));
            }
        }
    }
    bar.finish_and_clear();
    if position == 0 {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "error: 0 scenarios found in {}: a scenario is a YAML file with `manifests:` (or \
             `objects:`) and a `script:`",
            names.join(" ")
        );
        return EXIT_INVALID;
    }
    if errors > 0 {
        println!("{passed} passed, {failed} failed, {invalid} invalid, {errors} errors");
    } else {
        println!("{passed} passed, {failed} failed, {invalid} invalid");
    }
    if let (Some(r), Some(path)) = (&report, junit_file)
        && let Err(e) = r.write(path)
    {
        eprintln!(
            "error: cannot write the JUnit report {}: {e}",
            path.display()
        );
        return EXIT_INVALID;
    }
    if errors > 0 {
        EXIT_ENGINE
    } else if invalid > 0 {
        EXIT_INVALID
    } else if failed > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// The JUnit report of `test --junit`, named after the paths (and the shard, if any).
fn junit_report(paths: &[PathBuf], seed: Option<u64>, shard: Option<Shard>) -> JunitReport {
    let mut name: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if let Some(s) = shard {
        name.push(format!("[shard {s}]"));
    }
    let mut r = JunitReport::new(&name.join(" "));
    if let Some(seed) = seed {
        r.property("seed", &seed.to_string());
    }
    if let Some(s) = shard {
        r.property("shard", &s.to_string());
    }
    r
}
