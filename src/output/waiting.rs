//! What the rollout waits for at one instant, and which of `watch --interactive`'s keys
//! apply then: the status line a presenter reads under the `get rollout` tree.
//!
//! It reads only the replayed state and the journal's step starts (for the countdown of a
//! timed pause), like every other view.

use std::fmt;

use crate::analysis::run::AnalysisPhase;
use crate::engine::{SimDuration, SimTime};
use crate::rollout::Phase;
use crate::rollout::status::{DegradedReason, MANUALLY_PAUSED};
use crate::sim::{Entry, EntryKind, Journal, StepKind};

use super::replay::{ReplicaSetInfo, State};
use super::tree::tags_of;

/// The step the rollout last started, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMark {
    /// The step's index in `canary.steps`.
    pub index: u32,
    /// Argo's wording: `setWeight: 20`, `pause`, `pause: 45s`.
    pub text: String,
    /// What kind of step it is (a timed pause says how long it lasts).
    pub kind: StepKind,
    /// When the rollout reached it.
    pub started: SimTime,
}

impl StepMark {
    /// The step `e` started, if it is a `StepStarted` entry.
    pub fn of(e: &Entry) -> Option<StepMark> {
        match &e.kind {
            EntryKind::StepStarted { index, step, kind } => Some(StepMark {
                index: *index,
                text: step.to_string(),
                kind: *kind,
                started: e.t,
            }),
            _ => None,
        }
    }
}

/// The last step started at or before `t`.
pub fn last_step(journal: &Journal, t: SimTime) -> Option<StepMark> {
    journal
        .entries
        .iter()
        .take_while(|e| e.t <= t)
        .filter_map(StepMark::of)
        .last()
}

/// What the rollout waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// The controller has not reported a status yet.
    Starting,
    /// Nothing: the rollout is Healthy.
    Nothing,
    /// A human: an indefinite pause (`pause: {}`, the blue-green pause before the switch).
    Promotion {
        /// The canary pause step's index; `None` for the blue-green pause.
        step: Option<u32>,
        /// Virtual time until the scenario promotes it (`autoPromote`, the default scenario's
        /// 30 s); `None` when only a human will.
        by_scenario: Option<SimDuration>,
    },
    /// A blue-green pause that `autoPromotionSeconds` ends by itself.
    AutoPromotion {
        /// Virtual time until the switch.
        left: SimDuration,
    },
    /// A timed pause to run out.
    TimedPause {
        /// The pause step's index.
        step: u32,
        /// Virtual time until the pause ends.
        left: SimDuration,
    },
    /// `spec.paused`: a resume (or a promote).
    Resume,
    /// An AnalysisRun to finish.
    Analysis {
        /// The AnalysisRun's name.
        run: String,
    },
    /// An experiment step's Experiment to finish.
    Experiment {
        /// The Experiment's name.
        name: String,
        /// Its phase: `Pending` until every template is available, then `Running`.
        phase: String,
    },
    /// Pods of one ReplicaSet to become available: the one the controller waits for (the
    /// preview of a blue-green update, the canary of a canary step, a stable scaled back up).
    Pods {
        /// The ReplicaSet's name.
        replica_set: String,
        /// Its `get` tags (`preview`, `canary`, `stable`, ...), joined as the tree shows them.
        tags: String,
        /// Its available pods.
        available: u32,
        /// Its `spec.replicas`.
        wanted: u32,
    },
    /// Progressing with every ReplicaSet's pods available: the rest of the controller's
    /// work (old pods terminating, a Service to switch), in the phase message's words.
    Progress {
        /// The rollout's `status.message`.
        message: String,
    },
    /// A retry: the update was aborted.
    Retry,
    /// The rollout is Degraded for another reason (a progress deadline): a fix or an abort.
    Degraded {
        /// The rollout's `status.message`.
        message: String,
    },
}

impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Waiting::Starting => f.write_str("the controller to pick up the rollout"),
            Waiting::Nothing => f.write_str("nothing: Healthy"),
            Waiting::Promotion { step, by_scenario } => {
                match step {
                    Some(s) => write!(f, "a promote (pause at step {s})")?,
                    None => f.write_str("a promote (blue-green pause)")?,
                }
                by_scenario_in(f, *by_scenario)
            }
            Waiting::AutoPromotion { left } => {
                write!(
                    f,
                    "the blue-green pause to end: {left} left (autoPromotionSeconds)"
                )
            }
            Waiting::TimedPause { step, left } => {
                write!(f, "the pause at step {step} to end: {left} left")
            }
            Waiting::Resume => f.write_str("a resume (paused by hand)"),
            Waiting::Analysis { run } => write!(f, "analysis {run}"),
            Waiting::Experiment { name, phase } => write!(f, "experiment {name} ({phase})"),
            Waiting::Pods {
                replica_set,
                tags,
                available,
                wanted,
            } => {
                write!(
                    f,
                    "pods: {available} of {wanted} available in {replica_set}"
                )?;
                if tags.is_empty() {
                    Ok(())
                } else {
                    write!(f, " ({tags})")
                }
            }
            Waiting::Progress { message } if message.is_empty() => f.write_str("the controller"),
            Waiting::Progress { message } => write!(f, "the controller ({message})"),
            Waiting::Retry => f.write_str("a retry (aborted)"),
            Waiting::Degraded { message } => write!(f, "a fix ({message})"),
        }
    }
}

/// `: promoted by the scenario in 12s`, when the scenario's stand-in operator will.
fn by_scenario_in(f: &mut fmt::Formatter<'_>, left: Option<SimDuration>) -> fmt::Result {
    match left {
        Some(left) => write!(f, ": promoted by the scenario in {left}"),
        None => Ok(()),
    }
}

/// What the rollout waits for in `state`; `step` is the last step started (for the
/// remaining time of a timed pause).
pub fn waiting(state: &State, step: Option<&StepMark>) -> Waiting {
    let Some(r) = &state.rollout else {
        return Waiting::Starting;
    };
    match r.phase {
        Phase::Healthy => Waiting::Nothing,
        Phase::Degraded if r.degraded == Some(DegradedReason::Aborted) => Waiting::Retry,
        Phase::Degraded => Waiting::Degraded {
            message: r.message.to_string(),
        },
        Phase::Paused if r.message == MANUALLY_PAUSED => Waiting::Resume,
        Phase::Paused if r.blue_green => match r.auto_promote_at {
            Some(at) => Waiting::AutoPromotion {
                left: seconds_left(at, state.t),
            },
            None => Waiting::Promotion {
                step: None,
                by_scenario: by_scenario(state),
            },
        },
        Phase::Paused => paused_at(r.step, step, state),
        Phase::Progressing => match state
            .runs
            .iter()
            .find(|x| x.phase == AnalysisPhase::Running.as_str())
        {
            Some(run) => Waiting::Analysis {
                run: run.name.clone(),
            },
            None => match state
                .experiments
                .iter()
                .find(|x| ["Pending", "Running"].contains(&x.phase.as_str()))
            {
                Some(x) => Waiting::Experiment {
                    name: x.name.clone(),
                    phase: x.phase.clone(),
                },
                None => pods(state, &r.message),
            },
        },
    }
}

/// The ReplicaSet whose pods a Progressing rollout waits for: the current template's first
/// (the preview of a blue-green update, whose pause `ReadyForPause` holds until all of its
/// pods are available; the canary of a step), then any other of the rollout's ReplicaSets
/// short of its `spec.replicas` (a stable scaled back up). The rollout's own counts would
/// mislead here: a blue-green `status.availableReplicas` counts the active side's pods.
fn pods(state: &State, message: &str) -> Waiting {
    let current = state.rollout.as_ref().map(|r| r.current_hash.as_str());
    let short = |rs: &&ReplicaSetInfo| {
        rs.experiment.is_none() && rs.spec > 0 && i64::from(rs.available()) < i64::from(rs.spec)
    };
    let owned = || state.replica_sets.iter().filter(short);
    let found = owned()
        .find(|rs| Some(rs.hash.as_str()) == current)
        .or_else(|| owned().next());
    match found {
        Some(rs) => Waiting::Pods {
            replica_set: rs.name.clone(),
            tags: tags_of(rs, state).join(","),
            available: rs.available(),
            wanted: rs.spec.unsigned_abs(),
        },
        None => Waiting::Progress {
            message: message.to_string(),
        },
    }
}

/// What is left before the scenario's stand-in operator promotes, if it will.
fn by_scenario(state: &State) -> Option<SimDuration> {
    let at = state.rollout.as_ref()?.promoted_by_scenario_at?;
    Some(seconds_left(at, state.t))
}

/// A canary paused at a step: timed (with what is left of it) or indefinite.
fn paused_at(index: Option<u32>, step: Option<&StepMark>, state: &State) -> Waiting {
    let now = state.t;
    let timed = step
        .filter(|s| Some(s.index) == index)
        .and_then(|s| match s.kind {
            StepKind::Pause(Some(d)) => Some((s, d)),
            _ => None,
        });
    match timed {
        Some((s, d)) => Waiting::TimedPause {
            step: s.index,
            // The controller's end of the pause when the snapshot has it (the condition's
            // start is a whole second, so the pause can end before the step's start + d).
            left: seconds_left(
                state
                    .rollout
                    .as_ref()
                    .and_then(|r| r.pause_ends_at)
                    .unwrap_or(s.started + d),
                now,
            ),
        },
        None => Waiting::Promotion {
            step: index,
            by_scenario: by_scenario(state),
        },
    }
}

/// The time from `now` to `end`, rounded up to whole seconds (a countdown shows `1s` until
/// the very end, never `0s` while still waiting).
fn seconds_left(end: SimTime, now: SimTime) -> SimDuration {
    let left = end.as_millis().saturating_sub(now.as_millis());
    SimDuration(left.div_ceil(1000) * 1000)
}

/// The keys of `watch --interactive` that do something now, with what they do; `nodes`:
/// the scenario models nodes (without, there is no node to fail).
pub fn keys(w: &Waiting, nodes: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    match w {
        Waiting::Promotion { .. }
        | Waiting::AutoPromotion { .. }
        | Waiting::TimedPause { .. }
        | Waiting::Resume => {
            out.extend([("p", "promote"), ("f", "promote --full"), ("a", "abort")]);
        }
        Waiting::Analysis { .. }
        | Waiting::Experiment { .. }
        | Waiting::Pods { .. }
        | Waiting::Progress { .. }
        | Waiting::Degraded { .. } => {
            out.extend([("f", "promote --full"), ("a", "abort")]);
        }
        Waiting::Retry => out.push(("r", "retry")),
        Waiting::Starting | Waiting::Nothing => {}
    }
    out.push(("i", "kill a pod"));
    if nodes {
        out.push(("n", "fail a node"));
    }
    out.extend([
        ("b", "bad canary"),
        ("s", "step"),
        ("+/-", "speed"),
        ("q", "quit"),
    ]);
    out
}

/// `p promote · f promote --full · … · q quit`.
pub fn keys_line(w: &Waiting, nodes: bool) -> String {
    keys(w, nodes)
        .iter()
        .map(|(k, what)| format!("{k} {what}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::RolloutSnapshot;

    fn state(phase: Phase, message: &str, step: Option<u32>, t: u64) -> State {
        let mut out = State::default();
        out.t = SimTime(t * 1000);
        out.rollout = Some(RolloutSnapshot {
            phase,
            message: message.into(),
            step,
            steps: 4,
            set_weight: Some(0),
            actual_weight: Some(0),
            desired: 5,
            current: 5,
            updated: 0,
            ready: 5,
            available: 5,
            stable_hash: String::new().into(),
            current_hash: String::new().into(),
            active_hash: String::new().into(),
            preview_hash: String::new().into(),
            blue_green: false,
            duration: None,
            degraded: None,
            auto_promote_at: None,
            promoted_by_scenario_at: None,
            pause_ends_at: None,
        });
        out
    }

    fn degraded(message: &str, why: DegradedReason) -> State {
        let mut s = state(Phase::Degraded, message, None, 5);
        if let Some(r) = &mut s.rollout {
            r.degraded = Some(why);
        }
        s
    }

    fn mark(index: u32, text: &str, kind: StepKind, started: u64) -> StepMark {
        StepMark {
            index,
            text: text.into(),
            kind,
            started: SimTime(started * 1000),
        }
    }

    #[test]
    fn a_timed_pause_counts_down() {
        let s = state(Phase::Paused, "CanaryPauseStep", Some(1), 40);
        let pause = StepKind::Pause(Some(SimDuration::from_secs(60)));
        let w = waiting(&s, Some(&mark(1, "pause: 1m", pause, 10)));
        assert_eq!(
            w,
            Waiting::TimedPause {
                step: 1,
                left: SimDuration::from_secs(30)
            }
        );
        assert_eq!(w.to_string(), "the pause at step 1 to end: 30s left");
        assert!(keys_line(&w, true).starts_with("p promote · f promote --full · a abort"));
    }

    /// The controller stores the pause's start as a whole second, so a 10 s pause whose step
    /// started at 39.379 s ends at 49 s: the countdown follows the controller's end, not the
    /// step's start plus the duration (which would still show `1s` after the pause ended).
    #[test]
    fn a_timed_pause_counts_down_to_the_controllers_end() {
        let mut s = state(Phase::Paused, "CanaryPauseStep", Some(1), 0);
        s.t = SimTime(48_200);
        if let Some(r) = &mut s.rollout {
            r.pause_ends_at = Some(SimTime(49_000));
        }
        let pause = StepKind::Pause(Some(SimDuration::from_secs(10)));
        let mut step = mark(1, "pause: 10s", pause, 0);
        step.started = SimTime(39_379);
        let w = waiting(&s, Some(&step));
        assert_eq!(
            w,
            Waiting::TimedPause {
                step: 1,
                left: SimDuration::from_secs(1)
            }
        );
    }

    /// A blue-green pause with `autoPromotionSeconds` ends by itself: a countdown, as for a
    /// timed canary pause; without it, only a promote ends the pause.
    #[test]
    fn a_blue_green_pause_with_auto_promotion_counts_down() {
        let mut s = state(Phase::Paused, "BlueGreenPause", None, 10);
        if let Some(r) = &mut s.rollout {
            r.blue_green = true;
            r.auto_promote_at = Some(SimTime(30_000));
        }
        let w = waiting(&s, None);
        assert_eq!(
            w,
            Waiting::AutoPromotion {
                left: SimDuration::from_secs(20)
            }
        );
        assert_eq!(
            w.to_string(),
            "the blue-green pause to end: 20s left (autoPromotionSeconds)"
        );
        assert!(keys(&w, false).contains(&("p", "promote")));
        // Part of a second left still shows as a whole second.
        s.t = SimTime(29_500);
        assert_eq!(
            waiting(&s, None),
            Waiting::AutoPromotion {
                left: SimDuration::from_secs(1)
            }
        );
        if let Some(r) = &mut s.rollout {
            r.auto_promote_at = None;
        }
        assert_eq!(
            waiting(&s, None),
            Waiting::Promotion {
                step: None,
                by_scenario: None,
            }
        );
    }

    /// The status line, `waits for …` as `watch` and the report print it, reads as English in
    /// every state.
    #[test]
    fn every_state_reads_as_a_sentence() {
        let secs = SimDuration::from_secs;
        let cases = [
            (
                Waiting::Starting,
                "waits for the controller to pick up the rollout",
            ),
            (Waiting::Nothing, "waits for nothing: Healthy"),
            (
                Waiting::Promotion {
                    step: Some(1),
                    by_scenario: None,
                },
                "waits for a promote (pause at step 1)",
            ),
            (
                Waiting::Promotion {
                    step: None,
                    by_scenario: None,
                },
                "waits for a promote (blue-green pause)",
            ),
            (
                Waiting::AutoPromotion { left: secs(20) },
                "waits for the blue-green pause to end: 20s left (autoPromotionSeconds)",
            ),
            (
                Waiting::TimedPause {
                    step: 3,
                    left: secs(30),
                },
                "waits for the pause at step 3 to end: 30s left",
            ),
            (Waiting::Resume, "waits for a resume (paused by hand)"),
            (
                Waiting::Analysis {
                    run: "r-2-1".into(),
                },
                "waits for analysis r-2-1",
            ),
            (
                Waiting::Experiment {
                    name: "x".into(),
                    phase: "Running".into(),
                },
                "waits for experiment x (Running)",
            ),
            (
                Waiting::Pods {
                    replica_set: "r-1".into(),
                    tags: "canary".into(),
                    available: 0,
                    wanted: 2,
                },
                "waits for pods: 0 of 2 available in r-1 (canary)",
            ),
            (
                Waiting::Progress {
                    message: String::new(),
                },
                "waits for the controller",
            ),
            (
                Waiting::Progress {
                    message: "old replicas are pending termination".into(),
                },
                "waits for the controller (old replicas are pending termination)",
            ),
            (Waiting::Retry, "waits for a retry (aborted)"),
            (
                Waiting::Degraded {
                    message: "ProgressDeadlineExceeded".into(),
                },
                "waits for a fix (ProgressDeadlineExceeded)",
            ),
        ];
        for (w, line) in cases {
            assert_eq!(format!("waits for {w}"), line);
        }
    }

    /// An indefinite pause the scenario promotes (`autoPromote`, the default scenario's 30 s)
    /// still waits for a promote, and says when the scenario will give it.
    #[test]
    fn an_indefinite_pause_the_scenario_promotes_counts_down() {
        let mut s = state(Phase::Paused, "CanaryPauseStep", Some(1), 28);
        if let Some(r) = &mut s.rollout {
            r.promoted_by_scenario_at = Some(SimTime(40_000));
        }
        let w = waiting(&s, Some(&mark(1, "pause", StepKind::Pause(None), 10)));
        assert_eq!(
            w,
            Waiting::Promotion {
                step: Some(1),
                by_scenario: Some(SimDuration::from_secs(12)),
            }
        );
        assert_eq!(
            w.to_string(),
            "a promote (pause at step 1): promoted by the scenario in 12s"
        );
        assert!(keys(&w, false).contains(&("p", "promote")));
        // The blue-green pause without autoPromotionSeconds reads the same way.
        if let Some(r) = &mut s.rollout {
            r.blue_green = true;
        }
        assert_eq!(
            waiting(&s, None).to_string(),
            "a promote (blue-green pause): promoted by the scenario in 12s"
        );
    }

    #[test]
    fn an_indefinite_pause_waits_for_a_promote() {
        let s = state(Phase::Paused, "CanaryPauseStep", Some(3), 40);
        let w = waiting(&s, Some(&mark(3, "pause", StepKind::Pause(None), 10)));
        assert_eq!(
            w,
            Waiting::Promotion {
                step: Some(3),
                by_scenario: None,
            }
        );
        assert!(keys(&w, true).contains(&("p", "promote")));
        assert!(keys(&w, true).contains(&("n", "fail a node")));
        assert!(!keys(&w, false).contains(&("n", "fail a node")));
    }

    #[test]
    fn an_aborted_rollout_waits_for_a_retry_and_healthy_for_nothing() {
        let s = degraded(
            "RolloutAborted: Rollout aborted update to revision 2",
            DegradedReason::Aborted,
        );
        let w = waiting(&s, None);
        assert_eq!(w, Waiting::Retry);
        assert!(
            keys(&w, true).contains(&("r", "retry")) && !keys(&w, true).contains(&("p", "promote"))
        );
        let h = waiting(&state(Phase::Healthy, "", None, 5), None);
        assert_eq!(h, Waiting::Nothing);
        assert!(
            !keys(&h, true)
                .iter()
                .any(|(k, _)| ["p", "a", "r"].contains(k))
        );
    }

    #[test]
    fn a_rollout_degraded_otherwise_waits_for_a_fix_not_a_retry() {
        let message = "ProgressDeadlineExceeded: ReplicaSet \"r-1\" has timed out progressing.";
        let s = degraded(message, DegradedReason::ProgressDeadlineExceeded);
        assert_eq!(
            waiting(&s, None),
            Waiting::Degraded {
                message: message.into()
            }
        );
    }

    #[test]
    fn a_progressing_rollout_with_its_pods_available_waits_for_the_controller() {
        let s = state(
            Phase::Progressing,
            "old replicas are pending termination",
            Some(4),
            5,
        );
        let w = waiting(&s, None);
        assert_eq!(
            w.to_string(),
            "the controller (old replicas are pending termination)"
        );
        assert!(keys(&w, false).contains(&("a", "abort")));
    }

    /// The blue-green update of the bundled manual-promotion scenario: before the switch the
    /// rollout's own counts are the active side's (3 of 3 available) while the controller
    /// waits for the preview ReplicaSet, which is what the line must name.
    #[test]
    fn blue_green_before_the_switch_waits_for_the_preview_pods() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/bluegreen-manual-promotion.yaml");
        let sc = crate::scenario::load(&path).expect("the scenario loads");
        let journal = crate::sim::run(&sc).journal;
        let mut replay = super::super::replay::Replay::new(&journal);
        let mut seen = Vec::new();
        while replay.step().is_some() {
            let st = &replay.state;
            let Some(r) = &st.rollout else { continue };
            let before_switch = !r.active_hash.is_empty() && r.active_hash != r.current_hash;
            if r.phase != Phase::Progressing || !before_switch {
                continue;
            }
            let preview = st
                .replica_sets
                .iter()
                .find(|rs| rs.hash == r.current_hash)
                .expect("the preview ReplicaSet exists");
            if preview.spec == 0 || i64::from(preview.available()) >= i64::from(preview.spec) {
                // Not yet scaled up, or all available: the controller's next write (scale up,
                // pause), at the same instant; nothing to wait for in between.
                continue;
            }
            match waiting(st, None) {
                Waiting::Pods {
                    replica_set,
                    tags,
                    available,
                    wanted,
                } => {
                    assert_eq!((&replica_set, tags.as_str()), (&preview.name, "preview"));
                    assert_eq!((available, wanted), (preview.available(), 3));
                    seen.push((available, r.available));
                }
                other => panic!("at {}: waits for {other}", st.t),
            }
        }
        // Seen while none of the preview's pods was available, the active side's all were.
        assert!(seen.contains(&(0, 3)), "{seen:?}");
    }
}
