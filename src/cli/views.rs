//! `get` and `watch`: the `kubectl argo rollouts get rollout` tree of a simulated run, at one
//! virtual instant or replayed as virtual time passes.
//!
//! Both run the whole scenario first and then replay its journal; `watch` paces the replay
//! with the wall clock (only here, in the command line, never in the library).

use std::io::{BufRead, IsTerminal, Write};

use crate::engine::{SimTime, parse_duration};
use crate::output::replay::{Replay, State};
use crate::output::tree::{self, Colour, Identity};
use crate::output::waiting::{self, StepMark};
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
pub(super) fn get(
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
pub(super) struct WatchOptions<'a> {
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

pub(super) fn watch(inputs: &Inputs, opts: &WatchOptions) -> i32 {
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
    let mut mark: Option<StepMark> = None;
    let stdin = std::io::stdin();
    while let Some(t) = replay.peek_time() {
        if terminal && !last_frame.is_empty() {
            // The clock keeps moving until the next change (a pause counts down).
            let draw = |state: &State, mark: Option<&StepMark>, out: &mut super::stdout::Out| {
                let _ = write!(out, "\x1b[2J\x1b[H{}", frame_text(state, mark, &id, colour));
                let _ = out.flush();
            };
            tick_until(
                &replay.state,
                last_t,
                t,
                opts.speed,
                mark.as_ref(),
                &mut out,
                draw,
            );
        }
        // Everything at one instant makes one frame.
        let mut step_started = None;
        while replay.peek_time() == Some(t) {
            if let Some(e) = replay.step()
                && let EntryKind::StepStarted { index, step } = &e.kind
            {
                step_started = Some(format!("step {index}: {step}"));
                mark = Some(StepMark {
                    index: *index,
                    text: step.clone(),
                    started: e.t,
                });
            }
        }
        let frame = tree::render(&replay.state, &id, colour);
        if frame == last_frame {
            continue;
        }
        if terminal {
            let _ = write!(out, "\x1b[2J\x1b[H");
        }
        let _ = write!(
            out,
            "{}",
            frame_text(&replay.state, mark.as_ref(), &id, colour)
        );
        let _ = out.flush();
        last_frame = frame;
        last_t = t;
        if opts.step
            && let Some(s) = step_started
        {
            let _ = writeln!(out, "\n[{s}] press Enter to go on (q, Enter to quit)");
            let _ = out.flush();
            let mut line = String::new();
            // At the end of the input (a pipe used up) the replay goes on without stopping.
            if stdin.lock().read_line(&mut line).unwrap_or(0) > 0 && line.trim() == "q" {
                break;
            }
        } else if !terminal {
            let _ = writeln!(out);
        }
    }
    EXIT_OK
}

/// One replayed frame: the clock and what the rollout waits for, then the `get` tree.
fn frame_text(state: &State, mark: Option<&StepMark>, id: &Identity, colour: Colour) -> String {
    let w = waiting::waiting(state, mark);
    format!(
        "── {} ─ waits for {w} ─────\n{}",
        state.t,
        tree::render(state, id, colour)
    )
}

/// Real time between redraws of a moving clock.
const TICK: std::time::Duration = std::time::Duration::from_millis(250);
/// The longest a replay waits for the next change, however far away it is in virtual time.
const MAX_WAIT_SECS: f64 = 5.0;

/// Redraws `state` with its clock moving from `from` to `to` (exclusive), paced at `speed`
/// virtual seconds per real second but never longer than [`MAX_WAIT_SECS`] in all.
fn tick_until<W>(
    state: &State,
    from: SimTime,
    to: SimTime,
    speed: f64,
    mark: Option<&StepMark>,
    out: &mut W,
    draw: impl Fn(&State, Option<&StepMark>, &mut W),
) {
    let gap_ms = to.as_millis().saturating_sub(from.as_millis()) as f64;
    let wait = (gap_ms / 1000.0 / speed).min(MAX_WAIT_SECS);
    let slices = (wait / TICK.as_secs_f64()).floor() as u64;
    let mut aged = state.clone();
    for i in 1..=slices {
        std::thread::sleep(TICK);
        let at = from.as_millis() as f64 + gap_ms * i as f64 / (slices + 1) as f64;
        aged.t = SimTime(at as u64);
        draw(&aged, mark, out);
    }
    let rest = wait - slices as f64 * TICK.as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs_f64(rest.max(0.0)));
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
                use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, poll, read};
                if poll(frame).ok()?
                    && let Ok(Event::Key(k)) = read()
                    && k.kind == KeyEventKind::Press
                    && let KeyCode::Char(c) = k.code
                {
                    // Raw mode delivers Ctrl-C as a key, not a signal: it quits (Ctrl-D too),
                    // as in any terminal program; other control keys do nothing.
                    if k.modifiers.contains(KeyModifiers::CONTROL) {
                        return matches!(c, 'c' | 'd').then_some('q');
                    }
                    return Some(c);
                }
                None
            }
            Keys::Lines(lines) => lines.pop_front().and_then(|l| {
                // A line holding only spaces is the space bar.
                let c = l.trim().chars().next();
                c.or_else(|| l.contains(' ').then_some(' '))
            }),
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

/// How long `watch --interactive` keeps a run going at least: a presenter may wait at a
/// pause for as long as the talk needs.
const PRESENTER_TIMEOUT: crate::engine::SimDuration = crate::engine::SimDuration(24 * 3600 * 1000);
/// The share of requests a canary made bad with `b` fails.
const BAD_CANARY_ERROR_RATE: f64 = 0.5;
/// `s` looks this far ahead for the next change before giving up (only traffic ticks).
const STEP_LOOKAHEAD: crate::engine::SimDuration = crate::engine::SimDuration(600_000);

/// What a key does in `watch --interactive`.
enum KeyAction {
    Quit,
    Act(sim::UserAction),
    Step,
    Speed(f64),
    Nothing,
}

fn key_action(key: Option<char>) -> KeyAction {
    use sim::UserAction as U;
    match key {
        Some('q') => KeyAction::Quit,
        Some('p') => KeyAction::Act(U::Promote),
        Some('f') => KeyAction::Act(U::PromoteFull),
        Some('a') => KeyAction::Act(U::Abort),
        Some('r') => KeyAction::Act(U::Retry),
        Some('i') => KeyAction::Act(U::KillPod),
        Some('n') => KeyAction::Act(U::FailNode),
        Some('b') => KeyAction::Act(U::BadCanary(BAD_CANARY_ERROR_RATE)),
        Some('s' | ' ') => KeyAction::Step,
        Some('+' | '=') => KeyAction::Speed(2.0),
        Some('-') => KeyAction::Speed(0.5),
        _ => KeyAction::Nothing,
    }
}

/// Runs the live simulation to its next change (anything but a traffic tick), looking at
/// most [`STEP_LOOKAHEAD`] ahead.
fn step_to_next_change(live: &mut sim::Live) {
    let seen = live.journal().entries.len();
    let limit = live.now() + STEP_LOOKAHEAD;
    while let Some(t) = live.next_event() {
        if t > limit || live.timed_out() {
            live.advance_to(limit);
            return;
        }
        live.advance_to(t);
        if live.engine_failure().is_some() {
            return;
        }
        let changed = live.journal().entries[seen..]
            .iter()
            .any(|e| !matches!(e.kind, EntryKind::Traffic { .. }));
        if changed {
            return;
        }
    }
}

/// `watch --interactive`: the run goes on live, `speed` virtual seconds per real second, and
/// keys act on it: p / f / a / r promote, promote --full, abort and retry; i kills a pod, n
/// fails a node, b makes the canary fail half of its requests; s (or space) runs to the next
/// change; + and - double and halve the speed; q (or Ctrl-C) quits. Indefinite pauses wait for `p`
/// (`--auto-promote` defaults to `never` here). Under the tree, a status line says what the
/// rollout waits for and which keys apply now. Without a terminal, keys are read from
/// standard input, one line per frame of 1/10 s of real time, and the frames are printed
/// whenever the view changes; the run then ends when the input is used up and nothing else
/// is left to happen.
pub(super) fn interactive(inputs: &Inputs, opts: &WatchOptions) -> i32 {
    if !valid_speed(opts.speed) {
        return EXIT_INVALID;
    }
    if inputs.files.iter().any(|f| f.as_os_str() == "-") {
        eprintln!(
            "error: watch --interactive reads its keys from standard input: give the manifests as files"
        );
        return EXIT_INVALID;
    }
    let mut sc = match load_with_auto_promote(inputs, opts.auto_promote) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // The presenter decides, for a scenario file too; and the run outlasts any pause.
    sc.auto_promote = match super::commands::parse_auto_promote(opts.auto_promote) {
        Ok(d) => d,
        Err(code) => return code,
    };
    sc.timeout = sc.timeout.max(PRESENTER_TIMEOUT);
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
    let mut speed = opts.speed;
    let mut out = super::stdout::lock();
    let mut last = String::new();
    let mut last_world = None;
    // In raw mode a newline does not return the carriage.
    let nl = if terminal { "\r\n" } else { "\n" };
    loop {
        match key_action(keys.next(frame)) {
            KeyAction::Quit => break,
            KeyAction::Act(a) => live.act(a),
            KeyAction::Step => step_to_next_change(&mut live),
            KeyAction::Speed(f) => speed = (speed * f).clamp(0.25, 10_000.0),
            KeyAction::Nothing => {}
        }
        let step = crate::engine::SimDuration((speed * 100.0).round().max(1.0) as u64);
        live.advance_to(live.now() + step);
        if let Some(f) = live.engine_failure() {
            eprintln!("{nl}error: {f}");
            return EXIT_ENGINE;
        }
        let state = crate::output::replay::state_at(live.journal(), live.now());
        let mark = waiting::last_step(live.journal(), live.now());
        let w = waiting::waiting(&state, mark.as_ref());
        let view = format!(
            "── {} ── speed {speed}× ──{nl}{}{nl}waits for {w}{nl}keys: {}{nl}",
            live.now(),
            tree::render(&state, &id, colour).replace('\n', nl),
            waiting::keys_line(&w, sc.cluster.nodes.is_some()),
        );
        // On a terminal every change is drawn (ages and countdowns included); printed frames
        // only follow changes of the world itself.
        let mut unaged = state.clone();
        unaged.t = crate::engine::SimTime::ZERO;
        let world = (unaged, std::mem::discriminant(&w));
        let changed = if terminal {
            view != last
        } else {
            last_world.as_ref() != Some(&world)
        };
        if changed {
            if terminal {
                let _ = write!(out, "\x1b[2J\x1b[H");
            }
            let _ = write!(out, "{view}");
            if !terminal {
                let _ = write!(out, "{nl}");
            }
            let _ = out.flush();
            last = view;
            last_world = Some(world);
        }
        if live.timed_out() || (keys.exhausted() && (live.idle() || live.script_done())) {
            break;
        }
    }
    EXIT_OK
}
