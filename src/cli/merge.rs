//! `rollout-sim merge`: the parts of a sharded sweep put back together, printed (and written
//! with `--out`) as the whole sweep would be.

use std::path::{Path, PathBuf};

use rollout_sim::output::outdir::OutDir;
use rollout_sim::output::sweep::read_part;
use rollout_sim::sweep as sw;

use super::exit::EXIT_INVALID;
use super::sweep::{SweepFormat, show};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct MergeArgs {
    /// The parts, written by `sweep --shard I/N --format json`, in any order.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PathBuf>,
    /// Output on stdout.
    #[arg(long, value_enum, default_value = "text")]
    format: SweepFormat,
    /// Also write sweep.csv, sweep.json, sweep.txt and the chart sweep.svg here.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Merges the parts; prints what the whole sweep prints.
pub(super) fn run(args: &MergeArgs) -> i32 {
    merge(&args.parts, args.format, args.out.as_deref())
}

/// `merge PART...`: the parts of a sharded sweep, printed as the whole sweep prints.
fn merge(parts: &[PathBuf], format: SweepFormat, out_dir: Option<&Path>) -> i32 {
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
        match read_part(&name, &text) {
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
