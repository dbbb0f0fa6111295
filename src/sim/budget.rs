//! The budgets of a run, and what happens when one is exceeded.
//!
//! A run that never ends, or one that writes millions of journal entries, is never the
//! rollout's fault: it means the simulator's own controllers failed to settle. So every run
//! has bounds — reconciles at one instant, engine events processed, journal entries, bytes of
//! output — sized from the scenario (its replicas, its virtual duration, its traffic ticks),
//! and the first bound crossed stops the run with an [`EngineFailure`]: exit code 3 on the
//! command line (SCENARIO.md §3), an ERROR rather than a FAIL in `test`, an `error` in JUnit.
//! The defaults leave an order of magnitude of room over what real scenarios use (the
//! 10,000-replica, two-hour bench needs 37,491 events and 87,673 journal entries); the CLI
//! flags `--max-events`, `--max-journal-entries`, `--max-reconciles-per-instant` and
//! `--max-output-bytes` raise them.

use std::fmt;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::{Scenario, ScriptAction, Startup, app_for};

/// The bounds of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// Passes of the controllers at one instant of virtual time before they must have reached
    /// a fixed point.
    pub reconciles_per_instant: u64,
    /// Engine events (pod ready, timers, traffic ticks, ...) processed over the run.
    pub events: u64,
    /// Entries in the journal.
    pub journal_entries: u64,
    /// Bytes of the timeline or event log the command line prints or writes.
    pub output_bytes: u64,
}

/// Which budget a run exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BudgetKind {
    /// Reconciles of one rollout at a single virtual instant (guards against a controller loop that never settles).
    ReconcilesPerInstant,
    /// Engine events processed over the whole run.
    Events,
    /// Entries written to the journal.
    JournalEntries,
    /// Bytes of timeline or event log output.
    OutputBytes,
}

impl BudgetKind {
    /// The budget's name in `events.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            BudgetKind::ReconcilesPerInstant => "reconcilesPerInstant",
            BudgetKind::Events => "events",
            BudgetKind::JournalEntries => "journalEntries",
            BudgetKind::OutputBytes => "outputBytes",
        }
    }

    /// The command-line flag that raises this budget.
    pub fn flag(self) -> &'static str {
        match self {
            BudgetKind::ReconcilesPerInstant => "--max-reconciles-per-instant",
            BudgetKind::Events => "--max-events",
            BudgetKind::JournalEntries => "--max-journal-entries",
            BudgetKind::OutputBytes => "--max-output-bytes",
        }
    }
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BudgetKind::ReconcilesPerInstant => "the controllers did not reach a fixed point",
            BudgetKind::Events => "too many engine events",
            BudgetKind::JournalEntries => "too many journal entries",
            BudgetKind::OutputBytes => "too much output",
        })
    }
}

/// The simulator itself failed: a budget was exceeded. Not a verdict on the rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFailure {
    /// Virtual time at which the budget was crossed.
    pub t: SimTime,
    /// Which budget was crossed.
    pub budget: BudgetKind,
    /// The bound that was crossed.
    pub limit: u64,
    /// The seed of the run, for the bug report.
    pub seed: u64,
    /// Set when the run was refused before it started: the least count the run would reach
    /// (see [`Budgets::refuse_up_front`]). The run then never crossed the budget; it would have.
    pub up_front: Option<u64>,
}

impl fmt::Display for EngineFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(count) = self.up_front {
            let what = match self.budget {
                BudgetKind::Events => "engine events",
                BudgetKind::JournalEntries => "journal entries",
                BudgetKind::ReconcilesPerInstant => "reconciles at one instant",
                BudgetKind::OutputBytes => "bytes of output",
            };
            return write!(
                f,
                "the run was not started: it would exceed the simulator's budget of {} {what} \
                 (its pods and traffic ticks alone come to at least {count}), so it would \
                 stop with this error after simulating that much. If the run is legitimately \
                 this large, {} raises the limit",
                self.limit,
                self.budget.flag()
            );
        }
        let what = match self.budget {
            BudgetKind::ReconcilesPerInstant => {
                format!("more than {} reconciles at one instant", self.limit)
            }
            BudgetKind::Events => format!("more than {} events processed", self.limit),
            BudgetKind::JournalEntries => format!("more than {} journal entries", self.limit),
            BudgetKind::OutputBytes => format!("more than {} bytes of output", self.limit),
        };
        write!(
            f,
            "the simulator itself failed at {}: {} ({what}). This is a bug in rollout-sim, \
             not in the rollout: please report it with the scenario file and --seed {} \
             (if the run is legitimately this large, {} raises the limit)",
            self.t,
            self.budget,
            self.seed,
            self.budget.flag()
        )
    }
}

impl std::error::Error for EngineFailure {}

impl Budgets {
    /// No bound at all (for callers that impose their own).
    pub const UNLIMITED: Budgets = Budgets {
        reconciles_per_instant: u64::MAX,
        events: u64::MAX,
        journal_entries: u64::MAX,
        output_bytes: u64::MAX,
    };

    /// Defaults sized from the scenario: a fixed allowance, plus a share per replica (each
    /// pod is created, becomes ready, terminates and goes, each step journaled, once per
    /// update) and per second of virtual time (timers, measurements, traffic ticks).
    pub fn for_scenario(sc: &Scenario) -> Budgets {
        let replicas = max_replicas(sc);
        let updates = 2 + sc.script.len() as u64;
        let seconds = sc.timeout.as_millis() / 1000 + 1;
        let ticks = sc.traffic.map_or(0, |t| {
            sc.timeout.as_millis() / t.tick.as_millis().max(1) + 1
        });
        let journal_entries = 100_000 + 20 * replicas * updates + 10 * seconds + 4 * ticks;
        Budgets {
            reconciles_per_instant: 1_000 + 4 * replicas,
            events: 100_000 + 10 * replicas * updates + 10 * seconds + 2 * ticks,
            journal_entries,
            // An entry is one line of a few hundred bytes at most.
            output_bytes: journal_entries.saturating_mul(1_024),
        }
    }

    /// Checks a count against a budget: the failure when it is over.
    pub fn check(
        &self,
        budget: BudgetKind,
        count: u64,
        t: SimTime,
        seed: u64,
    ) -> Option<EngineFailure> {
        let limit = match budget {
            BudgetKind::ReconcilesPerInstant => self.reconciles_per_instant,
            BudgetKind::Events => self.events,
            BudgetKind::JournalEntries => self.journal_entries,
            BudgetKind::OutputBytes => self.output_bytes,
        };
        (count > limit).then_some(EngineFailure {
            t,
            budget,
            limit,
            seed,
            up_front: None,
        })
    }

    /// The failure to report before simulating anything, when the work the run is certain to
    /// do already crosses a budget (see [`certain_work`]). Only large runs are refused this way
    /// (at least [`UP_FRONT_MIN`] events or entries): a small one reaches its budget within
    /// milliseconds, and then says at which virtual time it did.
    pub fn refuse_up_front(&self, sc: &Scenario, seed: u64) -> Option<EngineFailure> {
        let work = certain_work(sc);
        [
            (BudgetKind::Events, work.events),
            (BudgetKind::JournalEntries, work.journal_entries),
        ]
        .into_iter()
        .filter(|&(_, count)| count >= UP_FRONT_MIN)
        .find_map(|(budget, count)| {
            self.check(budget, count, SimTime::ZERO, seed)
                .map(|f| EngineFailure {
                    up_front: Some(count),
                    ..f
                })
        })
    }
}

/// The smallest count a run is refused for before it starts.
pub const UP_FRONT_MIN: u64 = 10_000;

/// Lower bounds on what a run will do, read from the scenario without simulating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertainWork {
    /// Engine events the run is sure to process, at the least.
    pub events: u64,
    /// Journal entries the run is sure to write, at the least.
    pub journal_entries: u64,
}

/// What the run cannot avoid doing, whatever the controllers decide: the rollout's first
/// ReplicaSet creates its pods at the first instant (one `PodCreated` entry each, when the
/// controller reacts at once), each becomes Ready after its start-up time if the run lasts that
/// long (one event and one entry), and every traffic tick until then is one event. The run
/// lasts at least as long as the script's `wait` durations add up to (capped by its timeout).
/// Counts are lower bounds: the fewest replicas the script ever asks for, and nothing counted
/// that a controller could skip (updates, analysis, terminations).
pub fn certain_work(sc: &Scenario) -> CertainWork {
    let Some(rollout) = sc.manifests.rollouts.first() else {
        return CertainWork {
            events: 0,
            journal_entries: 0,
        };
    };
    let waited = sc
        .script
        .iter()
        .filter_map(|item| match item.action {
            ScriptAction::WaitFor(d) => Some(d.as_millis()),
            _ => None,
        })
        .fold(0u64, u64::saturating_add)
        .min(sc.timeout.as_millis());
    let ticks = sc.traffic.map_or(0, |t| waited / t.tick.as_millis().max(1));
    // Pods are certain only when the controller reacts at once (a delayed one may not have
    // run by the time the script ends) and no node model can leave them Pending.
    let pods = if sc.cluster.controller_delay == SimDuration::ZERO && sc.cluster.nodes.is_none() {
        min_replicas(sc, rollout.spec.replicas())
    } else {
        0
    };
    let image = rollout.spec.template.primary_image();
    let slowest_start = match app_for(&sc.apps, image).startup {
        Startup::Fixed(d) => Some(d),
        Startup::Range(_, hi) => Some(hi),
        Startup::Never => None,
    };
    let ready = match slowest_start {
        Some(d) if d.as_millis() <= waited => pods,
        _ => 0,
    };
    CertainWork {
        events: ready + ticks,
        journal_entries: pods + ready,
    }
}

/// The fewest replicas the rollout is ever asked for: its manifest's, and any the script
/// scales it to or re-applies.
fn min_replicas(sc: &Scenario, initial: u32) -> u64 {
    sc.script
        .iter()
        .filter_map(|item| match &item.action {
            ScriptAction::Scale(n) => Some(*n),
            ScriptAction::Apply { manifests, .. } => {
                manifests.rollouts.iter().map(|r| r.spec.replicas()).min()
            }
            _ => None,
        })
        .fold(initial, u32::min)
        .into()
}

/// The most replicas the rollout is ever asked for: its manifest's, and any the script scales
/// it to or re-applies.
fn max_replicas(sc: &Scenario) -> u64 {
    let initial = sc
        .manifests
        .rollouts
        .iter()
        .map(|r| r.spec.replicas())
        .max()
        .unwrap_or(1);
    sc.script
        .iter()
        .filter_map(|item| match &item.action {
            ScriptAction::Scale(n) => Some(*n),
            ScriptAction::Apply { manifests, .. } => {
                manifests.rollouts.iter().map(|r| r.spec.replicas()).max()
            }
            _ => None,
        })
        .fold(initial, u32::max)
        .max(1)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_fails_only_past_the_limit() {
        let b = Budgets {
            reconciles_per_instant: 10,
            events: 20,
            journal_entries: 30,
            output_bytes: 40,
        };
        let t = SimTime::ZERO;
        assert!(b.check(BudgetKind::Events, 20, t, 1).is_none());
        let f = b.check(BudgetKind::Events, 21, t, 7).expect("over");
        assert_eq!((f.budget, f.limit, f.seed), (BudgetKind::Events, 20, 7));
        assert!(b.check(BudgetKind::JournalEntries, 31, t, 1).is_some());
        assert!(b.check(BudgetKind::OutputBytes, 40, t, 1).is_none());
    }

    #[test]
    fn the_message_says_the_simulator_failed_and_how_to_report_it() {
        let f = EngineFailure {
            t: SimTime::ZERO,
            budget: BudgetKind::ReconcilesPerInstant,
            limit: 1_016,
            seed: 42,
            up_front: None,
        };
        let text = f.to_string();
        for part in [
            "the simulator itself failed at 00:00:00.000",
            "did not reach a fixed point",
            "more than 1016 reconciles",
            "bug in rollout-sim",
            "--seed 42",
            "--max-reconciles-per-instant",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
}
