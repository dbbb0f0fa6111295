//! The report's "state at a moment" section: a time slider (and step buttons) over every
//! instant at which the `get rollout` tree changes, showing that tree, what the rollout waits
//! for and the traffic split then, with a cursor on every chart.
//!
//! Everything is inline: the frames are a JSON document inside the page and a short script
//! moves through them. With scripts off the section still shows the final state (and the
//! controls stay hidden); printed, it is that state too, without controls or cursors.

use std::fmt::Write as _;

use serde::Serialize;

use crate::output::replay::{Replay, State};
use crate::output::report::esc;
use crate::output::timeline::percent;
use crate::output::tree::{self, Colour, Identity};
use crate::output::waiting::{self, StepMark};
use crate::sim::Journal;

/// At most this many moments: a long run keeps evenly spread ones (and its last).
const MAX_FRAMES: usize = 1500;

/// One moment of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// Virtual milliseconds since the start.
    pub t: u64,
    /// `00:01:05.000`.
    pub time: String,
    /// The `kubectl argo rollouts get rollout` tree, plain.
    pub tree: String,
    /// What the rollout waits for.
    pub status: String,
    /// The traffic split: weights, and requests served so far per version.
    pub split: String,
}

/// Where the time axis lies in the charts, for the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Axis {
    /// SVG x of the axis' start and end.
    pub left: f64,
    /// SVG x of the axis' end.
    pub right: f64,
    /// Virtual milliseconds at the axis' end.
    pub end: u64,
}

#[derive(Serialize)]
struct Data<'a> {
    axis: Axis,
    frames: &'a [Frame],
}

/// The traffic split then (the last `WeightChanged`: what each version is served), kubectl's
/// SetWeight and ActualWeight beside it — labelled apart, as they are different things: with
/// a router the canary's ActualWeight stays at the last weight after a promotion while the
/// stable serves everything — and the requests each version served up to `state.t`.
fn split(state: &State) -> String {
    let mut out = match &state.rollout {
        Some(r) if r.blue_green => format!(
            "active → {} · preview → {}",
            short(&r.active_hash),
            short(&r.preview_hash)
        ),
        Some(r) => {
            let served = match &state.weights {
                None => "traffic split: none yet".to_string(),
                Some((w, true)) => format!(
                    "traffic split: stable {} (initial deploy, no canary)",
                    percent(w.stable, w.max)
                ),
                Some((w, false)) => {
                    let mut s = format!(
                        "traffic split: canary {} / stable {}",
                        percent(w.canary, w.max),
                        percent(w.stable, w.max)
                    );
                    if w.experiment > 0 {
                        let _ = write!(s, " / experiment {}", percent(w.experiment, w.max));
                    }
                    if w.old > 0 {
                        let _ = write!(s, " / old {}", percent(w.old, w.max));
                    }
                    s
                }
            };
            // A canary always has both weights; blue-green is the arm above.
            format!(
                "{served} · kubectl: SetWeight {}, ActualWeight {}",
                r.set_weight.unwrap_or_default(),
                r.actual_weight.unwrap_or_default(),
            )
        }
        None => "no status yet".to_string(),
    };
    for (hash, requests, failed) in &state.traffic {
        let _ = write!(out, " · {hash}: {requests} requests, {failed} failed");
    }
    out
}

fn short(hash: &str) -> &str {
    if hash.is_empty() { "—" } else { hash }
}

/// Every instant at which the tree changes, in order (evenly thinned to [`MAX_FRAMES`]).
///
/// Frames are thinned as they come, not at the end: a run of 20,000 replicas changes its tree
/// at some 60,000 instants, and keeping every tree until the end took more memory than the
/// machine had. Once twice the maximum is kept, every
/// other kept frame goes and only every other later one is taken (the stride doubles), so at
/// most `2 × MAX_FRAMES` trees are held; a run with fewer changes keeps them all, as before.
pub fn frames(journal: &Journal, id: &Identity) -> Vec<Frame> {
    let mut replay = Replay::new(journal);
    let mut out: Vec<Frame> = Vec::new();
    let mut mark: Option<StepMark> = None;
    let mut previous = String::new();
    let (mut stride, mut changes) = (1_usize, 0_usize);
    // The newest change not taken by the stride: the last state must be in the report.
    let mut newest: Option<Frame> = None;
    // Drawing a tree costs time in proportion to the pods (the hidden ones are counted), so a
    // run with many more instants than frames is looked at on a grid of virtual time only;
    // the state is still replayed entry by entry, and the last instant is always looked at.
    let grid = sampling_grid(journal);
    let mut next_look = 0;
    while let Some(t) = replay.peek_time() {
        while replay.peek_time() == Some(t) {
            if let Some(started) = replay.step().and_then(StepMark::of) {
                mark = Some(started);
            }
        }
        if let Some(step) = grid {
            if t.as_millis() < next_look && replay.peek_time().is_some() {
                continue;
            }
            next_look = t.as_millis() + step;
        }
        // The tree `watch` draws (at most so many pods per ReplicaSet): `get`'s whole tree
        // at every moment of a large run made a report of gigabytes.
        let tree = tree::render_watch(&replay.state, id, Colour::Plain);
        if !out.is_empty() && tree == previous {
            continue;
        }
        previous.clone_from(&tree);
        let frame = Frame {
            t: t.as_millis(),
            time: t.to_string(),
            tree,
            status: format!(
                "waits for {}",
                waiting::waiting(&replay.state, mark.as_ref())
            ),
            split: split(&replay.state),
        };
        if changes % stride == 0 {
            out.push(frame);
            newest = None;
            if out.len() >= 2 * MAX_FRAMES {
                let mut i = 0;
                out.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                stride *= 2;
            }
        } else {
            newest = Some(frame);
        }
        changes += 1;
    }
    out.extend(newest);
    thin(out)
}

/// The virtual time between two looks at the tree when a run has more than four looks' worth
/// of instants per frame kept (`None`: every instant is looked at).
fn sampling_grid(journal: &Journal) -> Option<u64> {
    const LOOKS: usize = 4 * MAX_FRAMES;
    let mut instants = 0_usize;
    let mut last = None;
    for e in journal.iter() {
        if last != Some(e.t) {
            instants += 1;
            last = Some(e.t);
        }
    }
    let end = last?.as_millis();
    (instants > LOOKS).then(|| (end / LOOKS as u64).max(1))
}

/// Keeps at most [`MAX_FRAMES`] evenly spread frames, the first and the last among them.
fn thin(frames: Vec<Frame>) -> Vec<Frame> {
    let n = frames.len();
    if n <= MAX_FRAMES {
        return frames;
    }
    frames
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i * (MAX_FRAMES - 1) % (n - 1) < MAX_FRAMES - 1 || *i == n - 1)
        .map(|(_, f)| f)
        .collect()
}

/// JSON safe inside a `<script>` element: `<` never appears raw, so neither `</script>` nor
/// `<!--` can end or change it.
fn script_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

const SCRIPT: &str = include_str!("scrub.js");

/// The section, or nothing when the run has no moment to show.
pub fn section(out: &mut String, frames: &[Frame], axis: Axis) {
    let Some(last) = frames.last() else {
        return;
    };
    let max = frames.len() - 1;
    let _ = write!(
        out,
        "<section id=\"moment\">\n<h2>State at a moment</h2>\n\
         <div id=\"moment-controls\" class=\"controls\" hidden>\
         <button type=\"button\" id=\"moment-prev\" aria-label=\"previous change\">◀</button> \
         <input type=\"range\" id=\"moment-slider\" min=\"0\" max=\"{max}\" value=\"{max}\" \
         step=\"1\" aria-label=\"moment of the run\"> \
         <button type=\"button\" id=\"moment-next\" aria-label=\"next change\">▶</button></div>\n\
         <p class=\"moment-head\"><b id=\"moment-time\">{}</b> · <span id=\"moment-status\">{}</span></p>\n\
         <p id=\"moment-split\" class=\"split\">{}</p>\n\
         <pre id=\"moment-tree\" class=\"tree\">{}</pre>\n\
         <noscript><p>The final state; with scripts on, a slider moves through the {} \
         moments at which it changed.</p></noscript>\n\
         <script type=\"application/json\" id=\"moment-data\">{}</script>\n\
         <script>\n{SCRIPT}</script>\n</section>\n",
        esc(&last.time),
        esc(&last.status),
        esc(&last.split),
        esc(&last.tree),
        frames.len(),
        script_json(&Data { axis, frames }),
    );
}

/// The cursor line added to a chart's SVG (hidden until the script places it).
pub fn with_cursor(svg: &str) -> String {
    match svg.rfind("</svg>") {
        Some(i) => format!(
            "{}<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"0\" y2=\"100%\" \
             stroke=\"#c0392b\" stroke-width=\"2\" visibility=\"hidden\"/>\n{}",
            &svg[..i],
            &svg[i..]
        ),
        None => svg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t: u64) -> Frame {
        Frame {
            t,
            time: String::new(),
            tree: String::new(),
            status: String::new(),
            split: String::new(),
        }
    }

    #[test]
    fn thinning_keeps_the_first_and_the_last_and_at_most_the_cap() {
        let many: Vec<Frame> = (0..5000).map(frame).collect();
        let kept = thin(many);
        assert!(kept.len() <= MAX_FRAMES + 1 && kept.len() > MAX_FRAMES / 2);
        assert_eq!(kept.first().unwrap().t, 0);
        assert_eq!(kept.last().unwrap().t, 4999);
    }

    fn journal_at(times: impl Iterator<Item = u64>) -> Journal {
        use crate::engine::SimTime;
        use crate::sim::{Entry, EntryKind};
        Journal::from(
            times
                .map(|t| Entry {
                    t: SimTime(t),
                    kind: EntryKind::ActionNote {
                        line: 0,
                        note: "x".into(),
                    },
                })
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn only_a_run_with_many_more_instants_than_frames_is_sampled() {
        // Two entries per instant: instants are counted, not entries.
        let few = journal_at((0..4 * MAX_FRAMES as u64).flat_map(|t| [t, t]));
        assert_eq!(sampling_grid(&few), None);
        let n = 40 * MAX_FRAMES as u64;
        let many = journal_at((0..n).map(|t| t * 10));
        // The run ends at (n - 1) * 10 ms; four looks per frame kept over that span.
        assert_eq!(
            sampling_grid(&many),
            Some((n - 1) * 10 / (4 * MAX_FRAMES as u64))
        );
        assert_eq!(sampling_grid(&journal_at(std::iter::empty())), None);
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let s = script_json(&"</script><!--");
        assert!(!s.contains('<'), "{s}");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "</script><!--");
    }
}
