//! The canary steps a run went through, each with when it started and ended, read from the
//! journal's `StepStarted` / `StepCompleted` entries: the step table of the report and the step
//! boundaries of the weight chart.

use crate::engine::SimTime;
use crate::rollout::status::DegradedReason;
use crate::sim::{EntryKind, Journal};

/// How a step's span ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepEnd {
    /// The step finished (its weight reached, its pause or analysis over) at that time.
    Completed(SimTime),
    /// Another step started without this one completing: an abort (back to step 0), a new
    /// revision, a promotion of the whole rollout.
    Interrupted(SimTime),
    /// `promote` moved the index past it (a `StepSkipped`): the rest of it never ran.
    Skipped(SimTime),
    /// The rollout was promoted with the step still pending (the initial deploy, `promote
    /// --full`, the fast track back to the stable template): the rest of it never ran.
    PromotedOver(SimTime),
    /// Still running when the run ended.
    Running,
}

/// One execution of one step (a step runs once per revision, and again after a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSpan {
    /// The rollout revision being rolled out (the highest ReplicaSet revision at the start).
    pub revision: u64,
    /// The step's index in `canary.steps` (`status.currentStepIndex` while it runs).
    pub index: u32,
    /// Argo's wording: `setWeight: 20`, `pause`, `pause: 45s`.
    pub text: String,
    /// When `status.currentStepIndex` reached it.
    pub started: SimTime,
    /// How, and when, the span ended.
    pub end: StepEnd,
}

impl StepSpan {
    /// When the span stopped (completed or interrupted), if it did.
    pub fn ended(&self) -> Option<SimTime> {
        match self.end {
            StepEnd::Completed(t)
            | StepEnd::Interrupted(t)
            | StepEnd::Skipped(t)
            | StepEnd::PromotedOver(t) => Some(t),
            StepEnd::Running => None,
        }
    }
}

/// Every step span of the journal, in start order.
pub fn spans(journal: &Journal) -> Vec<StepSpan> {
    let mut out: Vec<StepSpan> = Vec::new();
    let mut revision = 0;
    // The span still open (index into `out`).
    let mut open: Option<usize> = None;
    // An abort sets `currentStepIndex` back to 0, which the journal records as a step start
    // (before the `Aborted` entry); no step runs while the rollout is aborted.
    let mut aborted = false;
    for e in journal.iter() {
        match &e.kind {
            EntryKind::PhaseChanged { degraded, .. } => {
                aborted = *degraded == Some(DegradedReason::Aborted);
            }
            EntryKind::Aborted { .. } => {
                aborted = true;
                if let Some(i) = open.take() {
                    out[i].end = StepEnd::Interrupted(e.t);
                }
            }
            EntryKind::StepStarted { .. } if aborted => {
                if let Some(i) = open.take() {
                    out[i].end = StepEnd::Interrupted(e.t);
                }
            }
            EntryKind::ReplicaSetCreated { revision: r, .. }
            | EntryKind::ReplicaSetRevision { revision: r, .. } => revision = revision.max(*r),
            EntryKind::StepStarted { index, step, .. } => {
                if let Some(i) = open.take() {
                    out[i].end = StepEnd::Interrupted(e.t);
                }
                open = Some(out.len());
                out.push(StepSpan {
                    revision,
                    index: *index,
                    text: step.to_string(),
                    started: e.t,
                    end: StepEnd::Running,
                });
            }
            EntryKind::StepCompleted { index, .. } => {
                if let Some(i) = open.filter(|&i| out[i].index == *index) {
                    out[i].end = StepEnd::Completed(e.t);
                    open = None;
                }
            }
            // `promote` moved the index past it: its remaining part never ran.
            EntryKind::StepSkipped { index, .. } => {
                if let Some(i) = open.filter(|&i| out[i].index == *index) {
                    out[i].end = StepEnd::Skipped(e.t);
                    open = None;
                }
            }
            // Once every step is done (promoted, or the fast track to a stable template) no
            // step is running any more.
            EntryKind::Promoted { .. } => {
                if let Some(i) = open.take() {
                    out[i].end = StepEnd::PromotedOver(e.t);
                }
            }
            _ => {}
        }
    }
    out
}

/// Step starts grouped by instant, for labelling chart boundaries: `(t, ["pause",
/// "setWeight: 40"])` when a step completed at once and the next started in the same instant.
pub fn boundaries(spans: &[StepSpan]) -> Vec<(SimTime, Vec<String>)> {
    let mut out: Vec<(SimTime, Vec<String>)> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some((t, texts)) if *t == s.started => texts.push(s.text.clone()),
            _ => out.push((s.started, vec![s.text.clone()])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::StepText;
    use crate::engine::SimDuration;
    use crate::rollout::Phase;
    use crate::sim::{Entry, StepKind};

    fn at(ms: u64, kind: EntryKind) -> Entry {
        Entry {
            t: SimTime(ms),
            kind,
        }
    }

    /// The step text these tests write (`setWeight: N`, `pause`, `pause: D`) as data.
    fn text(step: &str) -> StepText {
        let text = match step.strip_prefix("setWeight: ") {
            Some(w) => StepText::SetWeight(w.parse().expect("a weight")),
            None => StepText::Pause(step.strip_prefix("pause: ").map(Into::into)),
        };
        assert_eq!(text.to_string(), step);
        text
    }

    fn started(index: u32, step: &str, kind: StepKind) -> EntryKind {
        EntryKind::StepStarted {
            index,
            step: text(step),
            kind,
        }
    }

    fn completed(index: u32, step: &str) -> EntryKind {
        EntryKind::StepCompleted {
            index,
            step: text(step),
        }
    }

    fn new_rs(revision: u64) -> EntryKind {
        EntryKind::ReplicaSetCreated {
            name: smol_str::format_smolstr!("app-{revision}"),
            revision,
            image: "img".into(),
        }
    }

    #[test]
    fn steps_complete_are_skipped_or_keep_running() {
        let j = Journal::from(vec![
            at(0, new_rs(1)),
            at(0, started(0, "setWeight: 20", StepKind::SetWeight(20))),
            at(
                0,
                EntryKind::Promoted {
                    revision: 1,
                    replica_set: "app-1".into(),
                    reason: "Initial deploy".into(),
                },
            ),
            at(5000, new_rs(2)),
            at(5000, started(0, "setWeight: 20", StepKind::SetWeight(20))),
            at(9000, completed(0, "setWeight: 20")),
            at(9000, started(1, "pause", StepKind::Pause(None))),
        ]);
        let s = spans(&j);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].revision, s[0].end),
            (1, StepEnd::PromotedOver(SimTime(0)))
        );
        assert_eq!(
            (s[1].revision, s[1].end),
            (2, StepEnd::Completed(SimTime(9000)))
        );
        assert_eq!((s[2].index, s[2].end), (1, StepEnd::Running));
        assert_eq!(s[1].ended(), Some(SimTime(9000)));
        assert_eq!(s[2].ended(), None);
    }

    #[test]
    fn the_step_index_reset_of_an_abort_is_not_a_step() {
        let j = Journal::from(vec![
            at(0, new_rs(2)),
            at(0, started(1, "pause", StepKind::Pause(None))),
            at(
                3000,
                EntryKind::PhaseChanged {
                    from: Phase::Paused,
                    to: Phase::Degraded,
                    message: "RolloutAborted: Rollout aborted update to revision 2".into(),
                    degraded: Some(DegradedReason::Aborted),
                },
            ),
            at(3000, started(0, "setWeight: 20", StepKind::SetWeight(20))),
            at(
                3000,
                EntryKind::Aborted {
                    revision: 2,
                    message: "Rollout aborted update to revision 2".into(),
                },
            ),
        ]);
        let s = spans(&j);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].end, StepEnd::Interrupted(SimTime(3000)));
    }

    #[test]
    fn a_step_promote_skips_ends_skipped_not_completed() {
        let j = Journal::from(vec![
            at(0, new_rs(2)),
            at(0, started(0, "setWeight: 20", StepKind::SetWeight(20))),
            at(
                500,
                EntryKind::StepSkipped {
                    index: 0,
                    step: text("setWeight: 20"),
                },
            ),
            at(500, started(1, "pause", StepKind::Pause(None))),
        ]);
        let s = spans(&j);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].end, StepEnd::Skipped(SimTime(500)));
        assert_eq!(s[1].end, StepEnd::Running);
    }

    #[test]
    fn boundaries_group_steps_started_in_one_instant() {
        let j = Journal::from(vec![
            at(0, new_rs(2)),
            at(1000, started(1, "pause", StepKind::Pause(None))),
            at(1000, completed(1, "pause")),
            at(1000, started(2, "setWeight: 40", StepKind::SetWeight(40))),
            at(4000, completed(2, "setWeight: 40")),
            at(
                4000,
                started(
                    3,
                    "pause: 45s",
                    StepKind::Pause(Some(SimDuration::from_secs(45))),
                ),
            ),
        ]);
        let b = boundaries(&spans(&j));
        assert_eq!(
            b,
            vec![
                (
                    SimTime(1000),
                    vec!["pause".to_string(), "setWeight: 40".to_string()]
                ),
                (SimTime(4000), vec!["pause: 45s".to_string()]),
            ]
        );
    }
}
