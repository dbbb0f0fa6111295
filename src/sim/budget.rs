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

use crate::engine::SimTime;
use crate::scenario::{Action, Scenario};

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
    ReconcilesPerInstant,
    Events,
    JournalEntries,
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
    pub budget: BudgetKind,
    /// The bound that was crossed.
    pub limit: u64,
    /// The seed of the run, for the bug report.
    pub seed: u64,
}

impl fmt::Display for EngineFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    pub(crate) fn check(
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
        })
    }
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
            Action::Scale(n) => Some(*n),
            Action::Apply { manifests, .. } => {
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
