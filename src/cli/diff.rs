//! `rollout-sim diff OLD NEW`: two versions of a Rollout planned and compared (src/diff.rs).

use std::path::{Path, PathBuf};

use crate::diff::{Side, Threshold};
use crate::output::diff as render;
use crate::plan::{PlanOptions, plan};
use crate::scenario::{self, LoadOptions, Scenario};

use super::commands::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// Output of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
}

/// Loads `spec`: a file, or `git:REV:PATH` (the file as it is at that revision, read with
/// `git show`; paths it names are resolved from PATH's folder in the working tree).
fn load(spec: &str) -> Result<Scenario, i32> {
    let loaded = match spec.strip_prefix("git:") {
        Some(rest) => {
            let Some((rev, path)) = rest.split_once(':') else {
                eprintln!("error: `{spec}`: write git:REV:PATH (e.g. git:main:rollout.yaml)");
                return Err(EXIT_INVALID);
            };
            let out = std::process::Command::new("git")
                .args(["show", &format!("{rev}:{path}")])
                .output();
            let text = match out {
                Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
                Ok(o) => {
                    eprintln!(
                        "error: `{spec}`: git show failed: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    );
                    return Err(EXIT_INVALID);
                }
                Err(e) => {
                    eprintln!("error: `{spec}`: cannot run git: {e}");
                    return Err(EXIT_INVALID);
                }
            };
            scenario::load_text(&PathBuf::from(path), &text, &LoadOptions::default())
        }
        None => scenario::load(Path::new(spec)),
    };
    loaded.map_err(|e| {
        eprint!("{e}");
        EXIT_INVALID
    })
}

pub(super) fn diff(
    old: &str,
    new: &str,
    format: DiffFormat,
    promote_after: Option<&str>,
    seed: Option<u64>,
    fail_if: &[String],
) -> i32 {
    let promote_after = match promote_after.map(crate::engine::parse_duration).transpose() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --promote-after: {e}");
            return EXIT_INVALID;
        }
    };
    let mut thresholds = Vec::new();
    for t in fail_if {
        match t.parse::<Threshold>() {
            Ok(t) => thresholds.push(t),
            Err(e) => {
                eprintln!("error: --fail-if {e}");
                return EXIT_INVALID;
            }
        }
    }
    let mut sides = Vec::new();
    for spec in [old, new] {
        let sc = match load(spec) {
            Ok(s) => s,
            Err(code) => return code,
        };
        // The same seed for both: differences come from the change.
        let opts = PlanOptions {
            promote_after,
            seed: Some(seed.unwrap_or(sc.seed)),
        };
        let p = match plan(&sc, &opts) {
            Ok(p) => p,
            Err(crate::plan::PlanError::Engine(f)) => {
                eprintln!("error: {spec}: {f}");
                return EXIT_ENGINE;
            }
            Err(e) => {
                eprintln!("{spec}: error: {e}");
                return EXIT_INVALID;
            }
        };
        sides.push(Side::new(p, &sc.manifests.rollouts[0]));
    }
    let (o, n) = (&sides[0], &sides[1]);
    let crossed: Vec<String> = thresholds.iter().filter_map(|t| t.crossed(o, n)).collect();
    match format {
        DiffFormat::Text => print!("{}", render::text(old, new, o, n, &crossed)),
        DiffFormat::Markdown => print!("{}", render::markdown(old, new, o, n, &crossed)),
    }
    if crossed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
