//! The commands behind the CLI. Only here are errors turned into messages and exit codes.

use std::path::{Path, PathBuf};

use crate::engine::parse_duration;
use crate::input::InputError;
use crate::input::source::{self, Source};
use crate::output::{jsonl, summary, timeline};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::sim::{self, RunResult};

use super::{Command, Format, Inputs};

pub(super) const EXIT_OK: i32 = 0;
pub(super) const EXIT_FAILED: i32 = 1;
pub(super) const EXIT_INVALID: i32 = 2;
/// The simulator itself failed (a budget of the run was exceeded): never the rollout's verdict.
pub(super) const EXIT_ENGINE: i32 = 3;

pub(super) fn dispatch(cmd: Command) -> i32 {
    match cmd {
        Command::Run {
            inputs,
            seed,
            out,
            format,
            pods,
            events,
            traffic,
            auto_promote,
            budgets,
        } => run(
            &inputs,
            seed,
            out.as_deref(),
            format,
            timeline::TimelineOptions {
                pods,
                events,
                traffic,
            },
            &auto_promote,
            budgets,
        ),
        Command::Test {
            paths,
            seed,
            quiet,
            junit,
            shard,
            budgets,
        } => test(&paths, seed, quiet, junit.as_deref(), shard, budgets),
        Command::Sweep {
            inputs,
            sets,
            runs,
            seed,
            format,
            out,
            quiet,
            shard,
        } => super::sweep::sweep(
            &inputs,
            &sets,
            runs,
            seed,
            format,
            out.as_deref(),
            quiet,
            shard,
        ),
        Command::Diff {
            old,
            new,
            format,
            promote_after,
            seed,
            fail_if,
            scenario,
            runs,
        } => super::diff::diff(
            &old,
            &new,
            format,
            promote_after.as_deref(),
            seed,
            &fail_if,
            super::diff::BlastArgs {
                scenario: scenario.as_deref(),
                runs,
            },
        ),
        Command::Merge { parts, format, out } => {
            super::sweep::merge(&parts, format, out.as_deref())
        }
        Command::Get {
            inputs,
            at,
            seed,
            no_color,
            auto_promote,
        } => super::views::get(&inputs, at.as_deref(), seed, no_color, &auto_promote),
        Command::Watch {
            inputs,
            speed,
            step,
            interactive,
            seed,
            no_color,
            auto_promote,
        } => {
            // A presenter promotes by hand: nothing is promoted for them unless asked.
            let default = if interactive { "never" } else { "30s" };
            let opts = super::views::WatchOptions {
                speed,
                step,
                seed,
                no_color,
                auto_promote: auto_promote.as_deref().unwrap_or(default),
            };
            if interactive {
                super::views::interactive(&inputs, &opts)
            } else {
                super::views::watch(&inputs, &opts)
            }
        }
        Command::Plan {
            inputs,
            format,
            promote_after,
            seed,
        } => super::plan::plan(&inputs, format, promote_after.as_deref(), seed),
        Command::Lint { inputs } => lint(&inputs),
    }
}

fn print_input_error(e: &InputError) {
    for d in e.0.sorted_errors() {
        eprintln!("{d}");
    }
    let n = e.0.errors().count();
    if n > 1 {
        eprintln!("{n} errors");
    }
}

/// `--auto-promote`: a duration, or `never` (indefinite pauses wait for a promote).
pub(super) fn parse_auto_promote(text: &str) -> Result<Option<crate::engine::SimDuration>, i32> {
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

fn run(
    inputs: &Inputs,
    seed: Option<u64>,
    out: Option<&Path>,
    format: Format,
    topts: timeline::TimelineOptions,
    auto_promote: &str,
    budget_args: super::BudgetArgs,
) -> i32 {
    let sc = match load_with_auto_promote(inputs, auto_promote) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The folder is checked before the simulation, not after it.
    let out = match out.map(crate::output::outdir::OutDir::prepare).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let seed = seed.unwrap_or(sc.seed);
    let budgets = budget_args.for_scenario(&sc);
    let mut result = sim::run_with_budgets(&sc, seed, budgets);
    // The event log is rendered only for the outputs that print or write it: the text
    // timeline reads the journal itself.
    let log = if matches!(format, Format::Json) || out.is_some() {
        jsonl::render(&result.journal, &sc.name, seed, sc.start)
    } else {
        String::new()
    };
    let text = match format {
        Format::Json => log.clone(),
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
            text
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
    let artifacts = out.map(|o| crate::output::artifacts::write_into(o, &sc, seed, &result, &log));
    print!("{text}");
    if let Some(Err(e)) = artifacts {
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

fn test(
    paths: &[PathBuf],
    seed: Option<u64>,
    quiet: bool,
    junit_file: Option<&Path>,
    shard: Option<super::shard::Shard>,
    budget_args: super::BudgetArgs,
) -> i32 {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths.to_vec()
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
        let virt = crate::engine::SimDuration(result.end.as_millis());
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
fn junit_report(
    paths: &[PathBuf],
    seed: Option<u64>,
    shard: Option<super::shard::Shard>,
) -> crate::output::junit::JunitReport {
    let mut name: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if let Some(s) = shard {
        name.push(format!("[shard {s}]"));
    }
    let mut r = crate::output::junit::JunitReport::new(&name.join(" "));
    if let Some(seed) = seed {
        r.property("seed", &seed.to_string());
    }
    if let Some(s) = shard {
        r.property("shard", &s.to_string());
    }
    r
}

/// `lint`: every check `run` makes before it simulates, through the same loader and on the
/// same argument list taken as one input, so that a clean `lint` means `run` with the same
/// arguments will not refuse them. Several scenarios, or a scenario found in a folder, are
/// runs of their own (as `test` runs them): each is checked on its own, and manifests found
/// beside them in a folder, being their inputs, are skipped with a note as `test` skips them.
fn lint(inputs: &Inputs) -> i32 {
    let opts = match options_of(inputs, &LoadOptions::default()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let sources = match gather(inputs) {
        Ok(s) => s,
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
    match crate::lint::lint_sources(sources, opts) {
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
