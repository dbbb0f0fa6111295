//! `rollout-sim sweep`: what-if, the scenario run for every combination of changed values,
//! N seeds each (or one shard of those runs, for `merge`); and how a sweep's results are shown,
//! which `merge` shares.

use std::path::{Path, PathBuf};

use rollout_sim::input::Severity;
use rollout_sim::output::outdir::OutDir;
use rollout_sim::output::sweep as render;
use rollout_sim::scenario;
use rollout_sim::sweep::{self as sw, Slice, VariantProblem, VariantResult};

use super::exit::{EXIT_ENGINE, EXIT_INVALID, EXIT_OK};
use super::shard::Shard;
use super::shared::{Inputs, options_and_sources};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct SweepArgs {
    /// The scenario or manifests to read.
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
    shard: Option<Shard>,
}

/// Output of `sweep` and `merge`.
// Variants undocumented on purpose: clap would print their docs in --help as a list of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum SweepFormat {
    Text,
    Csv,
    Json,
}

/// `sweep FILE --set PATH=V1,V2 ... --runs N [--seed S] [--format text|csv|json] [--out DIR]
/// [--shard I/N]`.
pub(super) fn run(args: &SweepArgs) -> i32 {
    sweep(
        &args.inputs,
        &args.sets,
        args.runs,
        args.seed,
        args.format,
        args.out.as_deref(),
        args.quiet,
        args.shard,
    )
}

#[allow(
    clippy::too_many_arguments,
    reason = "the flags of `sweep`, each a value of its own; `run` unpacks them once"
)]
fn sweep(
    inputs: &Inputs,
    sets: &[String],
    runs: u32,
    seed: Option<u64>,
    format: SweepFormat,
    out_dir: Option<&Path>,
    quiet: bool,
    shard: Option<Shard>,
) -> i32 {
    if runs == 0 {
        eprintln!("error: --runs must be at least 1");
        return EXIT_INVALID;
    }
    // A shard's figures are partial: only its JSON, which `merge` reads, makes sense.
    if shard.is_some() && (format != SweepFormat::Json || out_dir.is_some()) {
        eprintln!(
            "error: --shard writes a part for `rollout-sim merge`: use --format json, without --out"
        );
        return EXIT_INVALID;
    }
    let mut specs = Vec::new();
    for s in sets {
        match sw::parse_set(s) {
            Ok(spec) => specs.push(spec),
            Err(e) => {
                eprintln!("error: --set {e}");
                return EXIT_INVALID;
            }
        }
    }
    // Loaded once as `run` would (notes said once), then again as data to edit.
    let (opts, sources) = match options_and_sources(inputs) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let base = match sw::base_of(&sources, opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_INVALID;
        }
    };
    let seed = seed.unwrap_or_else(|| {
        scenario::load_sources(&sources, base.options())
            .map(|s| s.seed)
            .unwrap_or_default()
    });
    // The folder is checked before the runs; the files are put in place as one set.
    let out = match out_dir.map(OutDir::prepare).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let slice = shard.map(|s| Slice {
        index: s.index,
        count: s.count,
    });
    let pairs = sw::variants(&specs).len() as u64 * u64::from(runs);
    let total = match slice {
        // The shard owns positions index-1, index-1+count, ... below `pairs`.
        Some(s) => pairs
            .saturating_sub(s.index as u64 - 1)
            .div_ceil(s.count as u64),
        None => pairs,
    };
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(total)
    };
    let tick = || bar.inc(1);
    let results = match sw::run_shard(&base, &specs, runs, seed, slice, &tick) {
        Ok(r) => r,
        Err(e) => {
            bar.finish_and_clear();
            match e.error {
                VariantProblem::Path(p) => eprintln!("error: variant {}: {p}", e.label),
                // The variant was loaded from rewritten text: its line and column would
                // point nowhere, so each problem is named by its path only.
                VariantProblem::Input(i) => {
                    eprintln!(
                        "error: variant {} is not a valid scenario (a variant of {}):",
                        e.label,
                        inputs
                            .files
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                    for d in i.0.items.iter().filter(|d| d.severity == Severity::Error) {
                        eprintln!("  {}: {}", base.user_path(&d.path.to_string()), d.message);
                    }
                }
                VariantProblem::Engine(f) => {
                    eprintln!("error: variant {}: {f}", e.label);
                    return EXIT_ENGINE;
                }
            }
            return EXIT_INVALID;
        }
    };
    bar.finish_and_clear();
    if let Some(s) = slice {
        print!("{}", render::json_part(&results, s, runs, seed));
        return EXIT_OK;
    }
    show(&results, format, out)
}

/// Every file `--out` may hold (the set, see `output::outdir`).
const OUT_SET: [&str; 5] = [
    "sweep.csv",
    "sweep.json",
    "sweep.txt",
    "sweep.svg",
    "sweep-detection.svg",
];

/// With `--out`, writes every format and the charts (as one set, before stdout: if the reader
/// of stdout goes away, the set is complete anyway); then prints the results in `format`.
pub(super) fn show(results: &[VariantResult], format: SweepFormat, out: Option<OutDir>) -> i32 {
    if let Some(out) = out {
        let staging = out.staging().to_path_buf();
        let write = |name: &str, text: &str| {
            std::fs::write(staging.join(name), text).map_err(|e| format!("{name}: {e}"))
        };
        let written = write("sweep.csv", &render::csv(results))
            .and_then(|_| write("sweep.json", &render::json(results)))
            .and_then(|_| write("sweep.txt", &render::text(results)));
        if let Err(e) = written {
            eprintln!("error: cannot write {e}");
            return EXIT_INVALID;
        }
        match render::chart_svg(results) {
            Ok(svg) => {
                if let Err(e) = write("sweep.svg", &svg) {
                    eprintln!("error: cannot write {e}");
                    return EXIT_INVALID;
                }
            }
            Err(e) => eprintln!("warning: the sweep chart could not be drawn: {e}"),
        }
        // Over one numeric --set: the detection curve.
        match render::detection_svg(results) {
            Some(Ok(svg)) => {
                if let Err(e) = write("sweep-detection.svg", &svg) {
                    eprintln!("error: cannot write {e}");
                    return EXIT_INVALID;
                }
            }
            Some(Err(e)) => eprintln!("warning: the detection chart could not be drawn: {e}"),
            None => {}
        }
        if let Err(e) = out.commit(&OUT_SET.map(String::from)) {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    }
    match format {
        SweepFormat::Text => print!("{}", render::text(results)),
        SweepFormat::Csv => print!("{}", render::csv(results)),
        SweepFormat::Json => print!("{}", render::json(results)),
    }
    EXIT_OK
}
