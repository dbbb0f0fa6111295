//! `get` and `watch`: the `kubectl argo rollouts get rollout` tree of a simulated run, at one
//! virtual instant or replayed as virtual time passes.
//!
//! Both run the whole scenario first and then replay its journal; `watch` paces the replay
//! with the wall clock (only here, in the command line, never in the library).

use std::io::{BufRead, IsTerminal, Write};

use crate::engine::{SimTime, parse_duration};
use crate::output::replay::Replay;
use crate::output::tree::{self, Colour, Identity};
use crate::scenario::Scenario;
use crate::sim::{self, EntryKind, RunResult};

use super::Inputs;
use super::commands::{EXIT_ENGINE, EXIT_INVALID, EXIT_OK, load_with_auto_promote};

/// What `get` and `watch` share: the scenario, run once.
struct Viewed {
    sc: Scenario,
    result: RunResult,
}

fn prepare(inputs: &Inputs, seed: Option<u64>, auto_promote: &str) -> Result<Viewed, i32> {
    let sc = load_with_auto_promote(inputs, auto_promote)?;
    let seed = seed.unwrap_or(sc.seed);
    let result = sim::run_with_seed(&sc, seed);
    // A view of a run the simulator itself failed would show a state no controller reaches.
    if let Some(f) = &result.engine_failure {
        eprintln!("error: {f}");
        return Err(EXIT_ENGINE);
    }
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
    inputs: &Inputs,
    at: Option<&str>,
    seed: Option<u64>,
    no_color: bool,
    auto_promote: &str,
) -> i32 {
    let v = match prepare(inputs, seed, auto_promote) {
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
/// `--speed` must be a positive number.
fn valid_speed(speed: f64) -> bool {
    let ok = speed.is_finite() && speed > 0.0;
    if !ok {
        eprintln!("error: --speed must be a positive number of virtual seconds per second");
    }
    ok
}

pub fn watch(inputs: &Inputs, opts: &WatchOptions) -> i32 {
    if !valid_speed(opts.speed) {
        return EXIT_INVALID;
    }
    let v = match prepare(inputs, opts.seed, opts.auto_promote) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let terminal = std::io::stdout().is_terminal();
    let colour = colour(opts.no_color);
    let id = identity(&v.sc);
    let mut replay = Replay::new(&v.result.journal);
    let mut out = super::stdout::lock();
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

/// Where the keys of `watch --interactive` come from.
enum Keys {
    /// A terminal in raw mode: keys as they are pressed.
    Terminal,
    /// Standard input that is not a terminal: one line per frame (a key, or empty for none).
    Lines(std::collections::VecDeque<String>),
}

impl Keys {
    /// The key pressed during one frame of `frame` real time, if any.
    fn next(&mut self, frame: std::time::Duration) -> Option<char> {
        match self {
            Keys::Terminal => {
                use crossterm::event::{Event, KeyCode, KeyEventKind, poll, read};
                if poll(frame).ok()?
                    && let Ok(Event::Key(k)) = read()
                    && k.kind == KeyEventKind::Press
                    && let KeyCode::Char(c) = k.code
                {
                    return Some(c);
                }
                None
            }
            Keys::Lines(lines) => lines.pop_front().and_then(|l| l.trim().chars().next()),
        }
    }

    fn exhausted(&self) -> bool {
        matches!(self, Keys::Lines(l) if l.is_empty())
    }
}

/// Leaves raw mode however the interactive loop ends.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// `watch --interactive`: the run goes on live, `speed` virtual seconds per real second, and
/// p / f / a / r promote, promote --full, abort and retry, q quits. Without a terminal, keys
/// are read from standard input, one line per frame of 1/10 s of real time, and the frames
/// are printed whenever the view changes; the run then ends when the input is used up and
/// nothing else is left to happen.
pub fn interactive(inputs: &Inputs, opts: &WatchOptions) -> i32 {
    if !valid_speed(opts.speed) {
        return EXIT_INVALID;
    }
    if inputs.files.iter().any(|f| f.as_os_str() == "-") {
        eprintln!(
            "error: watch --interactive reads its keys from standard input: give the manifests as files"
        );
        return EXIT_INVALID;
    }
    let sc = match load_with_auto_promote(inputs, opts.auto_promote) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let mut keys = if terminal {
        if crossterm::terminal::enable_raw_mode().is_err() {
            eprintln!("error: cannot put the terminal in raw mode");
            return EXIT_INVALID;
        }
        Keys::Terminal
    } else {
        Keys::Lines(
            std::io::stdin()
                .lock()
                .lines()
                .map_while(Result::ok)
                .collect(),
        )
    };
    let _raw = terminal.then_some(RawMode);
    let colour = colour(opts.no_color);
    let id = identity(&sc);
    let mut live = sim::Live::new(&sc, opts.seed.unwrap_or(sc.seed));
    let frame = std::time::Duration::from_millis(100);
    let step = crate::engine::SimDuration((opts.speed * 100.0).round().max(1.0) as u64);
    let mut out = super::stdout::lock();
    let mut last = String::new();
    let mut last_state = None;
    // In raw mode a newline does not return the carriage.
    let nl = if terminal { "\r\n" } else { "\n" };
    loop {
        let key = keys.next(frame);
        let action = match key {
            Some('q') => break,
            Some('p') => Some(sim::UserAction::Promote),
            Some('f') => Some(sim::UserAction::PromoteFull),
            Some('a') => Some(sim::UserAction::Abort),
            Some('r') => Some(sim::UserAction::Retry),
            _ => None,
        };
        if let Some(a) = action {
            live.act(a);
        }
        live.advance_to(live.now() + step);
        if let Some(f) = live.engine_failure() {
            eprintln!("{nl}error: {f}");
            return EXIT_ENGINE;
        }
        let state = crate::output::replay::state_at(live.journal(), live.now());
        let view = tree::render(&state, &id, colour);
        // On a terminal every change is drawn (ages included); printed frames only follow
        // changes of the world itself.
        let mut unaged = state.clone();
        unaged.t = crate::engine::SimTime::ZERO;
        let changed = if terminal {
            view != last
        } else {
            last_state.as_ref() != Some(&unaged)
        };
        if changed {
            if terminal {
                let _ = write!(out, "\x1b[2J\x1b[H");
            }
            let _ = write!(
                out,
                "── {} ──  p promote · f promote --full · a abort · r retry · q quit{nl}",
                live.now()
            );
            let _ = write!(out, "{}", view.replace('\n', nl));
            if !terminal {
                let _ = write!(out, "{nl}");
            }
            let _ = out.flush();
            last = view;
            last_state = Some(unaged);
        }
        if live.timed_out() || (keys.exhausted() && (live.idle() || live.script_done())) {
            break;
        }
    }
    EXIT_OK
}
