//! `rollout-sim watch --interactive`: the run goes on live and keys act on it, for a
//! presenter; see [`run`].

use std::io::{BufRead, IsTerminal, Write};

use rollout_sim::engine::{SimDuration, SimTime};
use rollout_sim::output::replay;
use rollout_sim::output::tree;
use rollout_sim::output::waiting;
use rollout_sim::sim::{self, EntryKind};

use crate::cli::exit::{EXIT_ENGINE, EXIT_INVALID, EXIT_OK};
use crate::cli::shared::{Inputs, load_with_auto_promote, parse_auto_promote};
use crate::cli::stdout;
use crate::cli::view::{WatchOptions, colour, identity, valid_speed};

/// Where the keys of `watch --interactive` come from.
enum Keys {
    /// A terminal in raw mode: keys as they are pressed.
    Terminal,
    /// Standard input that is not a terminal: one line per frame (a key, or empty for none).
    Lines(Lines),
}

/// The lines of a standard input that is not a terminal. A regular file is read ahead, so a
/// recorded session replays the same frames every time; any other input (a pipe) is read by a
/// thread, and a frame waits at most its own length for a line, so the frames keep coming
/// while nothing is typed.
struct Lines {
    /// Lines read and not yet used.
    queued: std::collections::VecDeque<String>,
    /// Lines still to come from the reader thread; `None` once the input has ended.
    incoming: Option<std::sync::mpsc::Receiver<String>>,
}

impl Lines {
    fn from_stdin() -> Lines {
        if stdin_is_a_file() {
            let queued = std::io::stdin()
                .lock()
                .lines()
                .map_while(Result::ok)
                .collect();
            return Lines {
                queued,
                incoming: None,
            };
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // The thread blocks on the read; it ends with the input, or with the process.
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            queued: std::collections::VecDeque::new(),
            incoming: Some(rx),
        }
    }

    /// The next line: one already read, or one that arrives within `frame`.
    fn next(&mut self, frame: std::time::Duration) -> Option<String> {
        if let Some(line) = self.queued.pop_front() {
            return Some(line);
        }
        let rx = self.incoming.as_ref()?;
        match rx.recv_timeout(frame) {
            Ok(line) => Some(line),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                self.incoming = None;
                None
            }
        }
    }

    fn exhausted(&self) -> bool {
        self.queued.is_empty() && self.incoming.is_none()
    }
}

/// Whether standard input is a regular file (`< keys.txt`), which never blocks a read.
#[cfg(unix)]
fn stdin_is_a_file() -> bool {
    use std::os::fd::AsFd;
    std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.is_file())
}

/// Elsewhere standard input is read as a pipe: never ahead.
#[cfg(not(unix))]
fn stdin_is_a_file() -> bool {
    false
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
            Keys::Lines(lines) => lines.next(frame).and_then(|l| {
                // A line holding only spaces is the space bar.
                let c = l.trim().chars().next();
                c.or_else(|| l.contains(' ').then_some(' '))
            }),
        }
    }

    fn exhausted(&self) -> bool {
        matches!(self, Keys::Lines(l) if l.exhausted())
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
const PRESENTER_TIMEOUT: SimDuration = SimDuration(24 * 3600 * 1000);
/// The share of requests a canary made bad with `b` fails.
const BAD_CANARY_ERROR_RATE: f64 = 0.5;
/// `s` looks this far ahead for the next change before giving up (only traffic ticks).
const STEP_LOOKAHEAD: SimDuration = SimDuration(600_000);

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
/// standard input, one line per frame of 1/10 s of real time (a file is read ahead, a line
/// per frame; from a pipe a frame waits at most 1/10 s for its line, so the run goes on
/// while none comes), and the frames are printed whenever the view changes; the run then
/// ends when the input is used up and nothing else is left to happen.
pub(super) fn run(inputs: &Inputs, opts: &WatchOptions) -> i32 {
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
    sc.auto_promote = match parse_auto_promote(opts.auto_promote) {
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
        Keys::Lines(Lines::from_stdin())
    };
    let _raw = terminal.then_some(RawMode);
    let colour = colour(opts.no_color);
    let id = identity(&sc);
    let mut live = sim::Live::new(&sc, opts.seed.unwrap_or(sc.seed));
    let frame = std::time::Duration::from_millis(100);
    let mut speed = opts.speed;
    let mut out = stdout::lock();
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
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "speed is positive and finite (`valid_speed`), so this is a whole number of at least 1 ms; `as` saturates an absurd speed rather than wrapping"
        )]
        let step = SimDuration((speed * 100.0).round().max(1.0) as u64);
        live.advance_to(live.now() + step);
        if let Some(f) = live.engine_failure() {
            eprintln!("{nl}error: {f}");
            return EXIT_ENGINE;
        }
        let state = replay::state_at(live.journal(), live.now());
        let mark = waiting::last_step(live.journal(), live.now());
        let w = waiting::waiting(&state, mark.as_ref());
        let view = format!(
            "── {} ── speed {speed}× ──{nl}{}{nl}waits for {w}{nl}keys: {}{nl}",
            live.now(),
            tree::render_watch(&state, &id, colour).replace('\n', nl),
            waiting::keys_line(&w, sc.cluster.nodes.is_some()),
        );
        // On a terminal every change is drawn (ages and countdowns included); printed frames
        // only follow changes of the world itself.
        let mut unaged = state.clone();
        unaged.t = SimTime::ZERO;
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
