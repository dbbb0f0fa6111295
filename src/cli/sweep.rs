//! `rollout-sim sweep` (what-if: variants × seeds, or one shard of them) and `rollout-sim
//! merge` (the shards of one sweep put back together, printed as the whole sweep would be).

use std::path::{Path, PathBuf};

use crate::input::Severity;
use crate::output::outdir::OutDir;
use crate::output::sweep as render;
use crate::sweep::{self as sw, Slice, VariantProblem, VariantResult};

use super::commands::{EXIT_ENGINE, EXIT_INVALID, EXIT_OK};
use super::shard::Shard;
use super::{Inputs, SweepFormat};

/// `sweep FILE --set PATH=V1,V2 ... --runs N [--seed S] [--format text|csv|json] [--out DIR]
/// [--shard I/N]`.
#[allow(clippy::too_many_arguments)]
pub(super) fn sweep(
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
    let opts = match super::commands::options_of(inputs, &crate::scenario::LoadOptions::default()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let sources = match super::commands::gather(inputs) {
        Ok(s) => s,
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
        crate::scenario::load_sources(&sources, base.options())
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

/// `merge PART...`: the parts of a sharded sweep, printed as the whole sweep prints.
pub(super) fn merge(parts: &[PathBuf], format: SweepFormat, out_dir: Option<&Path>) -> i32 {
    let out = match out_dir.map(OutDir::prepare).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let mut read = Vec::new();
    for p in parts {
        let name = p.display().to_string();
        let text = match std::fs::read_to_string(p) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {name}: {e}");
                return EXIT_INVALID;
            }
        };
        match render::read_part(&name, &text) {
            Ok(part) => read.push(part),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        }
    }
    match sw::merge(read) {
        Ok(results) => show(&results, format, out),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INVALID
        }
    }
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
fn show(results: &[VariantResult], format: SweepFormat, out: Option<OutDir>) -> i32 {
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
