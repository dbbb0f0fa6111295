//! `get` and `watch`: the `kubectl argo rollouts get rollout` tree of a simulated run, at one
//! virtual instant or replayed as virtual time passes.
//!
//! Both run the whole scenario first and then replay its journal; `watch` paces the replay
//! with the wall clock (only here, in the command line, never in the library).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::engine::{SimTime, parse_duration};
use crate::output::replay::Replay;
use crate::output::tree::{self, Colour, Identity};
use crate::scenario::{LoadOptions, Scenario};
use crate::sim::{self, EntryKind, RunResult};

use super::commands::{EXIT_INVALID, EXIT_OK, load};

/// What `get` and `watch` share: the scenario, run once.
struct Viewed {
    sc: Scenario,
    result: RunResult,
}

fn prepare(file: &Path, seed: Option<u64>, auto_promote: &str) -> Result<Viewed, i32> {
    let auto_promote = parse_duration(auto_promote).map_err(|e| {
        eprintln!("error: --auto-promote: {e}");
        EXIT_INVALID
    })?;
    let sc = load(file, &LoadOptions { auto_promote })?;
    let seed = seed.unwrap_or(sc.seed);
    let result = sim::run_with_seed(&sc, seed);
    Ok(Viewed { sc, result })
}

fn identity(sc: &Scenario) -> Identity<'_> {
    let r = &sc.manifests.rollouts[0];
    Identity {
        name: &r.name,
        namespace: &r.namespace,
    }
}

fn colour(no_color: bool) -> Colour {
    if no_color || !std::io::stdout().is_terminal() {
        Colour::Plain
    } else {
        Colour::Ansi
    }
}

/// `get FILE --at T`.
pub fn get(
    file: &Path,
    at: Option<&str>,
    seed: Option<u64>,
    no_color: bool,
    auto_promote: &str,
) -> i32 {
    let v = match prepare(file, seed, auto_promote) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let t = match at {
        None | Some("end") => v.result.end,
        Some(text) => match parse_duration(text) {
            Ok(d) => SimTime::ZERO + d,
            Err(e) => {
                eprintln!("error: --at: {e}; give a virtual time such as 90s or 5m, or `end`");
                return EXIT_INVALID;
            }
        },
    };
    if t > v.result.end {
        eprintln!(
            "note: the run ended at {}; showing its last state",
            v.result.end
        );
    }
    let mut replay = Replay::new(&v.result.journal);
    let state = replay.advance_to(t.min(v.result.end));
    print!(
        "{}",
        tree::render(state, &identity(&v.sc), colour(no_color))
    );
    EXIT_OK
}

/// The options of `watch`.
pub struct WatchOptions<'a> {
    pub speed: f64,
    pub step: bool,
    pub seed: Option<u64>,
    pub no_color: bool,
    pub auto_promote: &'a str,
}

/// `watch FILE`: the tree redrawn whenever it changes, paced at `speed` virtual seconds per
/// real second; with `--step`, a pause (Enter to go on) at every canary step. Not on a
/// terminal, the successive frames are printed one after another, without pacing.
pub fn watch(file: &Path, opts: &WatchOptions) -> i32 {
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        eprintln!("error: --speed must be a positive number of virtual seconds per second");
        return EXIT_INVALID;
    }
    let v = match prepare(file, opts.seed, opts.auto_promote) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let terminal = std::io::stdout().is_terminal();
    let colour = colour(opts.no_color);
    let id = identity(&v.sc);
    let mut replay = Replay::new(&v.result.journal);
    let mut out = std::io::stdout().lock();
    let mut last_frame = String::new();
    let mut last_t = SimTime::ZERO;
    let stdin = std::io::stdin();
    while let Some(t) = replay.peek_time() {
        // Everything at one instant makes one frame.
        let mut step_started = None;
        while replay.peek_time() == Some(t) {
            if let Some(e) = replay.step()
                && let EntryKind::StepStarted { index, step } = &e.kind
            {
                step_started = Some(format!("step {index}: {step}"));
            }
        }
        let frame = tree::render(&replay.state, &id, colour);
        if frame == last_frame {
            continue;
        }
        if terminal {
            let wait = (t.as_millis() - last_t.as_millis()) as f64 / 1000.0 / opts.speed;
            std::thread::sleep(std::time::Duration::from_secs_f64(wait.min(5.0)));
            let _ = write!(out, "\x1b[2J\x1b[H");
        }
        let _ = writeln!(out, "── {t} ──────────────────────────────");
        let _ = write!(out, "{frame}");
        let _ = out.flush();
        last_frame = frame;
        last_t = t;
        if opts.step
            && let Some(s) = step_started
        {
            let _ = writeln!(out, "\n[{s}] press Enter to go on");
            let _ = out.flush();
            let mut line = String::new();
            if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                // No more input (a pipe at its end): go on without stopping.
            }
        } else if !terminal {
            let _ = writeln!(out);
        }
    }
    EXIT_OK
}
