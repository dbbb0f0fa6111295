//! The interactive mode (`watch --interactive`): a run driven from outside, step by step,
//! through the same stepping function as a whole run, with the user's actions applied to the
//! world at any instant.

use crate::engine::SimTime;
use crate::scenario::{Scenario, ScriptAction};

use super::journal::{ActionVerb, EntryKind, Journal};
use super::{EngineFailure, Simulation};

/// A user action applied from outside the script (`watch --interactive`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UserAction {
    /// Resume a paused rollout, as `kubectl argo rollouts promote`.
    Promote,
    /// Skip the remaining steps and pauses, as `kubectl argo rollouts promote --full`.
    PromoteFull,
    /// Abort the update and go back to the stable version, as `kubectl argo rollouts abort`.
    Abort,
    /// Retry an aborted update (clears `status.abort`), as `kubectl argo rollouts retry`.
    Retry,
    /// Delete one canary pod (a stable one when there is no canary), as `kubectl delete pod`.
    KillPod,
    /// The first healthy node holding pods fails, as a script's `failNode` does.
    FailNode,
    /// The canary version fails this share of its requests from now on.
    BadCanary(f64),
}

/// A run driven from outside, step by step: virtual time advances when asked, and promote,
/// abort or retry can be applied at any instant, as a user of the kubectl plugin would.
/// The scenario's script runs as usual alongside.
pub struct Live<'s> {
    sim: Simulation<'s>,
}

impl<'s> Live<'s> {
    /// Starts a run of `sc` with `seed`: the initial manifests are applied and settled.
    pub fn new(sc: &'s Scenario, seed: u64) -> Self {
        let mut sim = Simulation::new(sc, seed, super::Budgets::for_scenario(sc));
        sim.start();
        Live { sim }
    }

    /// The current virtual time of the run.
    pub fn now(&self) -> SimTime {
        self.sim.driver.now()
    }

    /// Everything recorded so far, for the live view to render.
    pub fn journal(&self) -> &Journal {
        self.sim.world.journal()
    }

    /// The failure of the simulator itself, if a budget was exceeded (nothing moves after).
    pub fn engine_failure(&self) -> Option<&EngineFailure> {
        self.sim.driver.engine_failure()
    }

    /// Whether the run has reached its timeout.
    pub fn timed_out(&self) -> bool {
        self.now() >= self.sim.timeout()
    }

    /// The scenario's script has run to its end.
    pub fn script_done(&self) -> bool {
        self.sim.checks.script_done()
    }

    /// Nothing is left to happen but traffic ticks.
    pub fn idle(&self) -> bool {
        self.sim.driver.pending() == 0 || self.sim.only_ticks_left()
    }

    /// Handles every event up to `t` (not past the timeout).
    pub fn advance_to(&mut self, t: SimTime) {
        let t = t.min(self.sim.timeout());
        self.sim.step_until(t, false);
    }

    /// Applies a user action now, journaled like a script action.
    pub fn act(&mut self, a: UserAction) {
        let sim = &mut self.sim;
        let (world, d) = (&mut sim.world, &mut sim.driver);
        let status = &world.rollout().status;
        // With no update in progress the current version is the stable one: nothing to
        // make bad (the key is for showing analysis catch a canary).
        let no_canary = status.current_pod_hash == status.stable_rs;
        let current = status.current_pod_hash.clone();
        let (text, verb) = match a {
            UserAction::Promote => ("promote (interactive)".to_string(), ActionVerb::Promote),
            UserAction::PromoteFull => (
                "promote --full (interactive)".to_string(),
                ActionVerb::PromoteFull,
            ),
            UserAction::Abort => ("abort (interactive)".to_string(), ActionVerb::Abort),
            UserAction::Retry => ("retry (interactive)".to_string(), ActionVerb::Retry),
            UserAction::KillPod => ("deletePod (interactive)".to_string(), ActionVerb::DeletePod),
            UserAction::FailNode => ("failNode (interactive)".to_string(), ActionVerb::FailNode),
            UserAction::BadCanary(_) if no_canary => (
                "no canary to make bad (interactive)".to_string(),
                ActionVerb::BadCanary,
            ),
            UserAction::BadCanary(rate) => (
                format!(
                    "canary {current} fails {:.0}% of requests (interactive)",
                    rate * 100.0
                ),
                ActionVerb::BadCanary,
            ),
        };
        world.record(
            d.now(),
            EntryKind::ScriptAction {
                line: 0,
                action: text.into(),
                verb,
            },
        );
        let as_script = match a {
            UserAction::Promote => Some(ScriptAction::Promote { full: false }),
            UserAction::PromoteFull => Some(ScriptAction::Promote { full: true }),
            UserAction::Abort => Some(ScriptAction::Abort),
            UserAction::Retry => Some(ScriptAction::Retry),
            // Faults and a bad canary are not operator actions: no note applies.
            UserAction::KillPod | UserAction::FailNode | UserAction::BadCanary(_) => None,
        };
        if let Some(note) = as_script.and_then(|x| world.no_effect_note(&x)) {
            world.record(
                d.now(),
                EntryKind::ActionNote {
                    line: 0,
                    note: note.into(),
                },
            );
        }
        match a {
            UserAction::Promote => world.promote(d, false),
            UserAction::PromoteFull => world.promote(d, true),
            UserAction::Abort => world.apply_patch(d, crate::rollout::plugin::abort(), "abort"),
            UserAction::Retry => world.apply_patch(d, crate::rollout::plugin::retry(), "retry"),
            UserAction::KillPod => world.kill_a_pod(d),
            UserAction::FailNode => world.fail_a_node(d),
            UserAction::BadCanary(_) if no_canary => {}
            UserAction::BadCanary(rate) => world.make_bad(current.to_string(), rate),
        }
        d.request_reconcile();
        sim.settle();
    }

    /// When the next event is due (traffic ticks included), if any.
    pub fn next_event(&self) -> Option<SimTime> {
        self.sim.driver.next_due()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::engine::SimDuration;
    use crate::sim::journal::Entry;

    /// A run's journal without what only the end of a run writes (the final expectation and
    /// the summary): the events both ways of stepping share.
    fn stepped_entries(journal: &Journal) -> Vec<&Entry> {
        let mut entries: Vec<&Entry> = journal.iter().collect();
        while let Some(e) = entries.last() {
            let end_only = match &e.kind {
                EntryKind::RunFinished { .. } => true,
                EntryKind::ExpectationChecked { check, .. } => check == "final expect",
                _ => false,
            };
            if !end_only {
                break;
            }
            entries.pop();
        }
        entries
    }

    #[test]
    fn live_steps_through_the_same_events_as_a_run() {
        // Both go through `step_until`: stepped a second at a time up to where the run ended,
        // the interactive mode has recorded everything the run did, in the same order (it may
        // have gone on at the last instant, where the run stopped with its script done).
        for name in [
            "canary-basic-timeline",
            "canary-traffic-routed-timeline",
            "analysis-bad-canary-aborted",
            "bluegreen-manual-promotion",
            "experiment-baseline-vs-canary",
            "node-failure-whole-cluster",
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(format!("{name}.yaml"));
            let sc = crate::scenario::load(&path).expect("a bundled scenario loads");
            let run = super::super::run(&sc);
            assert!(run.passed(), "{name}: {:?}", run.failures);
            let mut live = Live::new(&sc, sc.seed);
            while live.now() < run.end {
                let next = (live.now() + SimDuration::from_secs(1)).min(run.end);
                live.advance_to(next);
            }
            let ran = stepped_entries(&run.journal);
            assert!(
                ran.len() > 20,
                "{name}: the run recorded {} entries",
                ran.len()
            );
            let lived: Vec<&Entry> = live.journal().iter().take(ran.len()).collect();
            assert_eq!(lived, ran, "{name}");
        }
    }
}
