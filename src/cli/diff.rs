//! `rollout-sim diff OLD NEW`: two versions of a Rollout planned and compared (src/diff.rs).

use std::path::{Path, PathBuf};

use crate::diff::render;
use crate::diff::{BlastError, Side, Threshold};
use crate::input::Severity;
use crate::input::source::{self, Source};
use crate::plan::{PlanOptions, plan};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::sweep;

use super::commands::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// Output of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// The bad-canary runs asked for: `--scenario` and `--runs`.
pub(super) struct BlastArgs<'a> {
    pub scenario: Option<&'a Path>,
    pub runs: u32,
}

/// Reads `spec`: a file, or `git:REV:PATH` (the file as it is at that revision, read with
/// `git show`; PATH is relative to the current folder, as for a file, and the paths the file
/// names are resolved from its folder in the working tree).
fn read(spec: &str) -> Result<Vec<Source>, i32> {
    match spec.strip_prefix("git:") {
        Some(rest) => {
            let Some((rev, path)) = rest.split_once(':') else {
                eprintln!("error: `{spec}`: write git:REV:PATH (e.g. git:main:rollout.yaml)");
                return Err(EXIT_INVALID);
            };
            // `REV:./PATH` is relative to the current folder; a bare `REV:PATH` would be
            // relative to the repository's root, unlike every other input.
            let object = if path.starts_with("./") || path.starts_with("../") {
                format!("{rev}:{path}")
            } else {
                format!("{rev}:./{path}")
            };
            let out = std::process::Command::new("git")
                .args(["show", &object])
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
            Ok(vec![Source {
                display: spec.to_string(),
                path: Some(PathBuf::from(path)),
                text,
                in_folder: false,
            }])
        }
        None => source::gather(&[PathBuf::from(spec)]).map_err(|e| {
            eprint!("{e}");
            EXIT_INVALID
        }),
    }
}

/// Loads `spec` ([`read`]): the scenario to plan, and the sources (for the bad-canary runs).
fn load(spec: &str) -> Result<(Scenario, Vec<Source>), i32> {
    let sources = read(spec)?;
    match scenario::load_sources(&sources, &LoadOptions::default()) {
        Ok(sc) => Ok((sc, sources)),
        Err(e) => {
            eprint!("{e}");
            Err(EXIT_INVALID)
        }
    }
}

pub(super) fn diff(
    old: &str,
    new: &str,
    format: DiffFormat,
    promote_after: Option<&str>,
    seed: Option<u64>,
    fail_if: &[String],
    bad: BlastArgs,
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
    if let Some(t) = thresholds.iter().find(|t| t.needs_scenario())
        && bad.scenario.is_none()
    {
        eprintln!(
            "error: --fail-if {}: the blast radius needs --scenario FILE (a scenario of a bad canary)",
            fail_if[thresholds.iter().position(|x| x == t).unwrap_or(0)]
        );
        return EXIT_INVALID;
    }
    if bad.runs == 0 {
        eprintln!("error: --runs must be at least 1");
        return EXIT_INVALID;
    }
    // The bad-canary scenario, read once: each side's Rollout is run through it.
    let bad_base = match bad.scenario {
        None => None,
        Some(path) => {
            let loaded = scenario::load(path).and_then(|sc| Ok((sc.seed, sweep::base(path)?)));
            match loaded {
                Ok(b) => Some(b),
                Err(e) => {
                    eprint!("{e}");
                    return EXIT_INVALID;
                }
            }
        }
    };
    let mut sides = Vec::new();
    for spec in [old, new] {
        let (sc, sources) = match load(spec) {
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
        let mut side = Side::new(p, &sc.manifests.rollouts[0]);
        if let Some((scenario_seed, base)) = &bad_base {
            let side_base = match sweep::base_of(&sources, LoadOptions::default()) {
                Ok(b) => b,
                Err(e) => {
                    eprint!("{e}");
                    return EXIT_INVALID;
                }
            };
            // The same seeds on both sides: differences come from the change.
            match crate::diff::blast(base, &side_base, seed.unwrap_or(*scenario_seed), bad.runs) {
                Ok(b) => side.blast = Some(b),
                Err(BlastError::Engine(f)) => {
                    eprintln!("error: {spec} in {}: {f}", base_path(bad.scenario));
                    return EXIT_ENGINE;
                }
                Err(BlastError::Merge(m)) => {
                    eprintln!("error: {spec} in {}: {m}", base_path(bad.scenario));
                    return EXIT_INVALID;
                }
                // The scenario was rewritten with the version's Rollout: a line and column of
                // that text would point nowhere in either file, so problems go by path.
                Err(BlastError::Input(e)) => {
                    eprintln!(
                        "error: the Rollout of {spec} does not fit {}:",
                        base_path(bad.scenario)
                    );
                    for d in e.0.items.iter().filter(|d| d.severity == Severity::Error) {
                        eprintln!("  {}: {}", base.user_path(&d.path.to_string()), d.message);
                    }
                    return EXIT_INVALID;
                }
            }
        }
        sides.push(side);
    }
    let (o, n) = (&sides[0], &sides[1]);
    let crossed: Vec<String> = thresholds.iter().filter_map(|t| t.crossed(o, n)).collect();
    match format {
        DiffFormat::Text => print!("{}", render::text(old, new, o, n, &crossed)),
        DiffFormat::Markdown => print!("{}", render::markdown(old, new, o, n, &crossed)),
        DiffFormat::Json => print!("{}", render::json(old, new, o, n, &crossed)),
    }
    if crossed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn base_path(p: Option<&Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}
