//! `rollout-sim diff OLD NEW`: two versions of a Rollout planned and compared (src/diff.rs).

use std::path::{Path, PathBuf};

use rollout_sim::diff::render;
use rollout_sim::diff::{BlastError, FailIf, Side, blast};
use rollout_sim::engine::parse_duration;
use rollout_sim::input::Severity;
use rollout_sim::input::source::{self, Source};
use rollout_sim::plan::{PlanError, PlanOptions, plan};
use rollout_sim::scenario::{self, LoadOptions, Scenario};
use rollout_sim::sweep;

use super::exit::{EXIT_ENGINE, EXIT_FAILED, EXIT_INVALID, EXIT_OK};

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct DiffArgs {
    /// The old version: a file, or `git:REV:PATH`.
    old: String,
    /// The new version: a file, or `git:REV:PATH`.
    new: String,
    /// `text`, `markdown` for a pull-request comment, or `json`.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
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
}

/// Output of `diff`.
// Variants undocumented on purpose: clap would print their docs in --help as a list of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// The bad-canary runs asked for: `--scenario` and `--runs`.
struct BlastArgs<'a> {
    scenario: Option<&'a Path>,
    runs: u32,
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

/// Plans both versions (and runs them through `--scenario`), prints the comparison; exit 1
/// when a `--fail-if` threshold is crossed.
pub(super) fn run(args: &DiffArgs) -> i32 {
    diff(
        &args.old,
        &args.new,
        args.format,
        args.promote_after.as_deref(),
        args.seed,
        &args.fail_if,
        BlastArgs {
            scenario: args.scenario.as_deref(),
            runs: args.runs,
        },
    )
}

fn diff(
    old: &str,
    new: &str,
    format: DiffFormat,
    promote_after: Option<&str>,
    seed: Option<u64>,
    fail_if: &[String],
    bad: BlastArgs,
) -> i32 {
    let promote_after = match promote_after.map(parse_duration).transpose() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --promote-after: {e}");
            return EXIT_INVALID;
        }
    };
    let mut thresholds = Vec::new();
    for t in fail_if {
        match t.parse::<FailIf>() {
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
            Err(PlanError::Engine(f)) => {
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
            match blast(base, &side_base, seed.unwrap_or(*scenario_seed), bad.runs) {
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
