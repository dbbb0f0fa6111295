//! `rollout-sim watch`: a run replayed in the terminal, the `get rollout` tree redrawn as
//! virtual time passes; with `--interactive`, run live and driven by keys ([`interactive`]).

use std::io::{BufRead, IsTerminal, Write};

use rollout_sim::engine::SimTime;
use rollout_sim::output::replay::{Replay, State};
use rollout_sim::output::tree;
use rollout_sim::output::waiting::{self, StepMark};

use super::exit::{EXIT_INVALID, EXIT_OK};
use super::shared::Inputs;
use super::stdout;
use super::view::{WatchOptions, colour, identity, prepare, valid_speed};

mod interactive;

// The variant's doc comment in `cli/mod.rs` is the command's help.
#[derive(Debug, clap::Args)]
pub(super) struct WatchArgs {
    /// The scenario or manifests to read.
    #[command(flatten)]
    inputs: Inputs,
    /// Virtual seconds per real second.
    #[arg(long, default_value = "10")]
    speed: f64,
    /// Stop at every canary step until Enter is pressed.
    #[arg(long)]
    step: bool,
    /// Run live and take keys: p promote, f promote --full, a abort, r retry, i kill a
    /// pod, n fail a node, b make the canary bad, s/space step, +/- speed, q quit.
    #[arg(long, conflicts_with = "step")]
    interactive: bool,
    /// Seed for the random draws (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// No colours (also the case when stdout is not a terminal).
    #[arg(long)]
    no_color: bool,
    /// Promote each indefinite pause after this long, or `never`. Default: 30s for a bare
    /// manifest; with --interactive, `never` (for scenarios too: the presenter promotes).
    #[arg(long)]
    auto_promote: Option<String>,
}

/// `watch`, replayed or (`--interactive`) live.
pub(super) fn run(args: &WatchArgs) -> i32 {
    // A presenter promotes by hand: nothing is promoted for them unless asked.
    let default = if args.interactive { "never" } else { "30s" };
    let opts = WatchOptions {
        speed: args.speed,
        step: args.step,
        seed: args.seed,
        no_color: args.no_color,
        auto_promote: args.auto_promote.as_deref().unwrap_or(default),
    };
    if args.interactive {
        interactive::run(&args.inputs, &opts)
    } else {
        replay(&args.inputs, &opts)
    }
}

/// `watch FILE`: the tree redrawn whenever it changes, paced at `speed` virtual seconds per
/// real second; with `--step`, a pause (Enter to go on) at every canary step. Not on a
/// terminal, the successive frames are printed one after another, without pacing, and at
/// most one per redraw of a terminal ([`TICK`], `speed` × 0.25 s of virtual time) unless what
/// the rollout is doing changes (see [`Printed`]).
fn replay(inputs: &Inputs, opts: &WatchOptions) -> i32 {
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
    let mut out = stdout::lock();
    let mut last_frame = String::new();
    let mut last_t = SimTime::ZERO;
    let mut mark: Option<StepMark> = None;
    let stdin = std::io::stdin();
    let mut printed = Printed::new(terminal, opts.speed);
    while let Some(t) = replay.peek_time() {
        if printed.due_before(t) {
            // A frame held back is shown before the next instant's changes.
            let frame = tree::render_watch(&replay.state, &id, colour);
            if frame != last_frame {
                print_frame(&mut out, &replay.state, mark.as_ref(), &frame, terminal);
                last_frame = frame;
            }
            printed.shown(&replay.state, mark.as_ref());
        }
        if terminal && !last_frame.is_empty() {
            // The clock keeps moving until the next change (a pause counts down).
            let draw = |state: &State, mark: Option<&StepMark>, out: &mut stdout::Out| {
                let tree = tree::render_watch(state, &id, colour);
                let _ = write!(out, "\x1b[2J\x1b[H{}", frame_text(state, mark, &tree));
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
            if let Some(started) = replay.step().and_then(StepMark::of) {
                step_started = Some(format!("step {}: {}", started.index, started.text));
                mark = Some(started);
            }
        }
        // Decided before drawing: a held frame is not drawn until it is due.
        if printed.hold(&replay.state, mark.as_ref(), step_started.is_some()) {
            continue;
        }
        let frame = tree::render_watch(&replay.state, &id, colour);
        if frame == last_frame {
            continue;
        }
        print_frame(&mut out, &replay.state, mark.as_ref(), &frame, terminal);
        printed.shown(&replay.state, mark.as_ref());
        last_frame = frame;
        last_t = t;
        if opts.step
            && let Some(s) = step_started
        {
            let _ = writeln!(out, "[{s}] press Enter to go on (q, Enter to quit)");
            let _ = out.flush();
            let mut line = String::new();
            // At the end of the input (a pipe used up) the replay goes on without stopping.
            if stdin.lock().read_line(&mut line).unwrap_or(0) > 0 && line.trim() == "q" {
                break;
            }
        }
    }
    if printed.held {
        let frame = tree::render_watch(&replay.state, &id, colour);
        if frame != last_frame {
            print_frame(&mut out, &replay.state, mark.as_ref(), &frame, terminal);
        }
    }
    EXIT_OK
}

/// Prints one frame (`tree`: the state's view): over the last on a terminal, followed by an
/// empty line otherwise.
fn print_frame(
    out: &mut stdout::Out,
    state: &State,
    mark: Option<&StepMark>,
    tree: &str,
    terminal: bool,
) {
    if terminal {
        let _ = write!(out, "\x1b[2J\x1b[H");
    }
    let _ = write!(out, "{}", frame_text(state, mark, tree));
    if !terminal {
        let _ = writeln!(out);
    }
    let _ = out.flush();
}

/// Which changed frames a replay prints. On a terminal, all of them (paced by the clock).
/// Otherwise changes closer together than one terminal redraw of virtual time are coalesced:
/// a frame that only moves pods along is held back and printed when the next change comes
/// after that interval, or at the end; a frame where a step starts or the status line's
/// subject changes (phase, message, step, what the rollout waits for) is always printed.
/// So a 20,000-pod rollout prints a few frames per update rather than one per pod.
struct Printed {
    /// Virtual milliseconds between printed frames of mere progress (0: print every frame).
    interval: u64,
    /// When the last printed frame was.
    last: Option<SimTime>,
    /// What the last printed frame said the rollout was doing.
    subject: Option<Subject>,
    /// A changed frame is waiting to be printed.
    held: bool,
}

/// What the rollout is doing, as a frame's header says it: a change of it is always printed.
type Subject = (
    Option<(rollout_sim::rollout::Phase, String, Option<u32>)>,
    std::mem::Discriminant<waiting::Waiting>,
);

fn subject(state: &State, mark: Option<&StepMark>) -> Subject {
    let rollout = state
        .rollout
        .as_ref()
        .map(|r| (r.phase, r.message.to_string(), r.step));
    (
        rollout,
        std::mem::discriminant(&waiting::waiting(state, mark)),
    )
}

impl Printed {
    fn new(terminal: bool, speed: f64) -> Printed {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "speed is positive and finite (`valid_speed`); `as` saturates an absurd one"
        )]
        let interval = if terminal {
            0
        } else {
            (speed * TICK.as_secs_f64() * 1000.0).round() as u64
        };
        Printed {
            interval,
            last: None,
            subject: None,
            held: false,
        }
    }

    /// Whether the state after a change is held back rather than drawn now. Once held, it
    /// stays held until printed (a later change within the interval is held with it).
    fn hold(&mut self, state: &State, mark: Option<&StepMark>, step_started: bool) -> bool {
        let soon = self
            .last
            .is_some_and(|last| state.t.as_millis() < last.as_millis() + self.interval);
        let hold = soon && !step_started && self.subject.as_ref() == Some(&subject(state, mark));
        self.held |= hold;
        hold
    }

    /// Whether a held frame is due before the changes at `next`.
    fn due_before(&self, next: SimTime) -> bool {
        self.held
            && self
                .last
                .is_some_and(|last| next.as_millis() >= last.as_millis() + self.interval)
    }

    fn shown(&mut self, state: &State, mark: Option<&StepMark>) {
        self.last = Some(state.t);
        self.subject = Some(subject(state, mark));
        self.held = false;
    }
}

/// One replayed frame: the clock and what the rollout waits for, then `tree` (the state's
/// `get` view, as `watch` draws it).
fn frame_text(state: &State, mark: Option<&StepMark>, tree: &str) -> String {
    let w = waiting::waiting(state, mark);
    format!("── {} ─ waits for {w} ─────\n{tree}", state.t)
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
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a whole, non-negative count: the wait is capped at MAX_WAIT_SECS and never negative"
    )]
    let slices = (wait / TICK.as_secs_f64()).floor() as u64;
    let mut aged = state.clone();
    for i in 1..=slices {
        std::thread::sleep(TICK);
        let at = from.as_millis() as f64 + gap_ms * i as f64 / (slices + 1) as f64;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "an instant between `from` and `to`: non-negative milliseconds, the fraction dropped on purpose"
        )]
        let at = at as u64;
        aged.t = SimTime(at);
        draw(&aged, mark, out);
    }
    let rest = wait - slices as f64 * TICK.as_secs_f64();
    std::thread::sleep(std::time::Duration::from_secs_f64(rest.max(0.0)));
}
