//! The simulation: a `World` (the cluster, the Rollout and everything the controllers
//! create), a `Driver` (virtual time, the event queue, random streams, budgets) and the
//! `Checks` of the scenario (script, waits, invariants), put together by `Simulation`.
//!
//! Virtual time moves only from one queued event to the next, in one stepping function,
//! `Simulation::step_until`, which `run` (and so `plan` and `sweep`) and the interactive
//! `Live` mode both use. At each instant the ReplicaSet controller and the rollout controller
//! run until nothing changes (the rollout controller one reconcile at a time, so intermediate
//! states are observed), and the script is advanced after every change.
//!
//! ```text
//! step_until(t): pop the next event (pod ready, timer, wake-up) -> handle it -> settle:
//!         repeat { ReplicaSet controller; one reconcile -> apply plan; advance script }
//!         until a pass changes nothing
//! ```
//!
//! Who changes what: the world changes only through `World`'s methods, each journaling its
//! change; the clock only through `Driver::set_clock`, called by `step_until` and at the end
//! of a run; failures only through `Checks`.

pub mod budget;
mod checks;
mod driver;
pub mod journal;
mod live;
mod operator;
mod world;

use crate::engine::SimTime;
use crate::scenario::Scenario;
use smol_str::ToSmolStr;

pub use budget::{BudgetKind, Budgets, EngineFailure};
pub use journal::{
    ActionVerb, Entry, EntryKind, Journal, RolloutSnapshot, SnapshotId, StepKind, Summary,
    VersionTraffic,
};
pub use live::{Live, UserAction};

use checks::Checks;
use driver::{Driver, Ev};
use operator::AutoPromoter;
use world::{Verdict, World};

/// A failed expectation, wait or invariant.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Virtual time at which the check failed.
    pub t: SimTime,
    /// Script line (0 for the final expectation and invariants).
    pub line: u32,
    /// `expect`, `wait`, `invariant`, `final expect`, `script`.
    pub check: String,
    /// What was checked.
    pub condition: String,
    /// Why it failed: each key with expected and actual values.
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {} ", self.t)?;
        if self.line > 0 {
            write!(f, "(line {}) ", self.line)?;
        }
        write!(
            f,
            "{} {{{}}} failed: {}",
            self.check, self.condition, self.detail
        )
    }
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Every event of the run, in order: the single record all outputs are rendered from.
    pub journal: Journal,
    /// Failed expectations, waits and invariants, in the order they were found.
    pub failures: Vec<Failure>,
    /// The rollout's state when the run ended, for the summary line and final expectations.
    pub summary: Summary,
    /// Virtual time at which the run stopped (script done and settled, or a budget crossed).
    pub end: SimTime,
    /// Engine events processed (popped from the event queue) over the run.
    pub events: u64,
    /// Set when the simulator itself failed (a budget was exceeded): the run stopped there
    /// and says nothing about the rollout.
    pub engine_failure: Option<EngineFailure>,
}

impl RunResult {
    /// No check failed and the simulator did not fail.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.engine_failure.is_none()
    }
}

/// Runs a scenario with its own seed.
pub fn run(sc: &Scenario) -> RunResult {
    run_with_seed(sc, sc.seed)
}

/// Runs a scenario with the given seed.
pub fn run_with_seed(sc: &Scenario, seed: u64) -> RunResult {
    run_with_budgets(sc, seed, Budgets::for_scenario(sc))
}

/// Runs a scenario with the given seed under the given budgets.
pub fn run_with_budgets(sc: &Scenario, seed: u64, budgets: Budgets) -> RunResult {
    let mut sim = Simulation::new(sc, seed, budgets);
    // A run certain to cross a budget says so before it simulates anything.
    sim.driver.refuse_up_front(sc);
    if sim.driver.engine_failure().is_none() {
        sim.run();
    }
    sim.finish()
}

/// One run: the world, the driver that moves it through time, the checks that judge it, and
/// the stand-in operator of the default scenario.
struct Simulation<'s> {
    sc: &'s Scenario,
    world: World<'s>,
    driver: Driver,
    checks: Checks<'s>,
    operator: AutoPromoter,
}

/// Why `step_until` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    /// The next event is after the limit: the clock stands at the limit.
    Limit,
    /// Nothing is left to happen (with `until_script_done`, nothing but traffic ticks).
    OutOfEvents,
    /// The script has run to its end (only with `until_script_done`).
    ScriptDone,
    /// A budget was crossed: the simulator failed and nothing moves any more.
    EngineFailed,
}

/// Bookkeeping after any change of the world: journal what the rollout now shows, check the
/// invariants, arm the auto-promotion of the default scenario.
fn after_change(
    world: &mut World<'_>,
    d: &mut Driver,
    checks: &mut Checks<'_>,
    operator: &mut AutoPromoter,
) {
    // Armed first, so that the snapshot journaled for a new pause has the promotion's time.
    operator.arm(world, d);
    // What the journal records: phase, message, weights and counts, not a whole observation.
    let now = d.now();
    let glance = world.glance();
    world.journal_observed_changes(now, &glance);
    checks.check_invariants(world, now, glance.pods);
}

impl<'s> Simulation<'s> {
    fn new(sc: &'s Scenario, seed: u64, budgets: Budgets) -> Self {
        Simulation {
            sc,
            world: World::new(sc),
            driver: Driver::new(sc, seed, budgets),
            checks: Checks::new(sc),
            operator: AutoPromoter::new(sc.auto_promote),
        }
    }

    /// The scenario's timeout, as an instant.
    fn timeout(&self) -> SimTime {
        SimTime::ZERO + self.sc.timeout
    }

    /// The manifests applied at time zero, and the instant settled.
    fn start(&mut self) {
        self.world.apply_initial_manifests(&mut self.driver);
        self.settle();
    }

    /// Only the traffic ticks are left in the queue: nothing else will ever happen.
    fn only_ticks_left(&self) -> bool {
        self.world.has_traffic() && self.driver.pending() <= 1
    }

    /// The one stepping function: handles every event due up to `limit`, settling the world
    /// after each. With `until_script_done` (a run), it also stops once the script is done or
    /// only traffic ticks are left; without (the interactive mode), time goes on regardless.
    /// When the next event is past `limit`, the clock moves to `limit`; without
    /// `until_script_done` it ends at `limit` in any case (the watcher's time passes).
    fn step_until(&mut self, limit: SimTime, until_script_done: bool) -> Stopped {
        let stopped = self.step_events_until(limit, until_script_done);
        if !until_script_done {
            let end = self.driver.now().max(limit);
            self.driver.set_clock(end);
        }
        stopped
    }

    fn step_events_until(&mut self, limit: SimTime, until_script_done: bool) -> Stopped {
        loop {
            if until_script_done && self.checks.script_done() {
                return Stopped::ScriptDone;
            }
            let Some(at) = self.driver.next_due() else {
                return Stopped::OutOfEvents;
            };
            if until_script_done && self.only_ticks_left() {
                return Stopped::OutOfEvents;
            }
            if at > limit {
                self.driver.set_clock(limit);
                return Stopped::Limit;
            }
            self.driver.set_clock(at);
            while let Some(ev) = self.driver.pop_due(at) {
                self.handle(ev);
                self.settle();
                if (until_script_done && self.checks.script_done()) || self.run_over_budget() {
                    break;
                }
            }
            if self.driver.engine_failure().is_some() {
                return Stopped::EngineFailed;
            }
        }
    }

    /// The run-wide budgets: events processed and journal entries.
    fn run_over_budget(&mut self) -> bool {
        let entries = self.world.journal().len() as u64;
        self.driver
            .over_budget(BudgetKind::Events, self.driver.popped())
            || self.driver.over_budget(BudgetKind::JournalEntries, entries)
    }

    /// A whole run: from the initial manifests until the script is done, nothing is left to
    /// happen, the timeout, or a budget is crossed.
    fn run(&mut self) {
        self.start();
        let stopped = self.step_until(self.timeout(), true);
        if stopped == Stopped::Limit {
            self.driver.mark_timed_out();
        }
        // Out of events with the script unfinished: the run ends when something last
        // happened. Wake-ups after that changed nothing (a timer of a pause that an abort or a
        // promotion already ended), so they must not stretch the run's length.
        if stopped == Stopped::OutOfEvents && self.driver.engine_failure().is_none() {
            let last = self.world.journal().iter().last().map(|e| e.t);
            if let Some(t) = last.filter(|&t| t < self.driver.now()) {
                self.driver.set_clock(t);
            }
        }
    }

    fn handle(&mut self, ev: Ev) {
        let (w, d) = (&mut self.world, &mut self.driver);
        match ev {
            Ev::PodReady(id) => w.pod_ready(d, id),
            Ev::PodAvailable(id) => w.pod_available(d, id),
            Ev::PodGone(id) => w.pod_gone(d, id),
            Ev::NodeLost(node, evict_at) => w.node_lost(d, node, evict_at),
            Ev::NodeEvict(node) => w.node_evict(d, node),
            Ev::Reconcile => d.reconcile_due(),
            Ev::ScriptWake => {}
            Ev::AnalysisReconcile(i) => w.analysis_wake(d, i as usize),
            Ev::TrafficTick => w.traffic_tick(d),
            Ev::ExperimentWake => d.experiments_woken(),
            Ev::AutoPromote { step, generation } => {
                if self.operator.fire(w, d, step, generation) {
                    self.after_change();
                }
            }
        }
    }

    fn after_change(&mut self) {
        after_change(
            &mut self.world,
            &mut self.driver,
            &mut self.checks,
            &mut self.operator,
        );
    }

    /// Runs the controllers and the script at the current instant until nothing changes.
    fn settle(&mut self) {
        if self.driver.engine_failure().is_some() {
            return;
        }
        let mut passes = 0;
        loop {
            passes += 1;
            let entries = self.world.journal().len() as u64;
            if self
                .driver
                .over_budget(BudgetKind::ReconcilesPerInstant, passes)
                || self.driver.over_budget(BudgetKind::JournalEntries, entries)
            {
                break;
            }
            let mut changed = self.world.sync_replica_sets(&mut self.driver);
            if changed {
                self.after_change();
            }
            if self.driver.take_reconcile_request() && self.world.reconcile_once(&mut self.driver) {
                self.after_change();
                changed = true;
            }
            if self.world.reconcile_experiments(&mut self.driver) {
                self.after_change();
                changed = true;
            }
            // The script's waits read only what the passes change: after a pass that changed
            // nothing, the script would find what it found at the end of the previous pass.
            if passes == 1 || changed {
                changed |= self.checks.advance_script(
                    &mut self.world,
                    &mut self.driver,
                    &mut self.operator,
                );
            }
            if !changed && !self.driver.reconcile_requested() {
                break;
            }
        }
    }

    fn finish(mut self) -> RunResult {
        let now = self.driver.now();
        // The rollout as it ends, for the summary and the checks left: what they record goes
        // into the journal, which the observation does not read, so one serves both.
        let obs = self.world.observe(now);
        // After a failure of the simulator itself, the checks of the script say nothing.
        if let Some(f) = self.driver.engine_failure() {
            let kind = EntryKind::EngineFailed {
                budget: f.budget,
                limit: f.limit,
                message: f.to_smolstr(),
            };
            self.world.record(now, kind);
        } else {
            self.checks
                .settle_end(&mut self.world, now, self.driver.timed_out(), &obs);
            debug_assert_eq!(
                obs,
                self.world.observe(now),
                "the end's checks moved the world"
            );
        }
        let engine_failure = self.driver.take_engine_failure();
        let failures = self.checks.failures().len();
        let summary = self.world.summary(
            &obs,
            Verdict {
                passed: failures == 0 && engine_failure.is_none(),
                engine_failed: engine_failure.is_some(),
                timed_out: self.driver.timed_out(),
                failures,
            },
        );
        self.world.record(
            now,
            EntryKind::RunFinished {
                summary: Box::new(summary.clone()),
            },
        );
        RunResult {
            journal: self.world.into_journal(),
            failures: self.checks.into_failures(),
            summary,
            end: now,
            events: self.driver.popped(),
            engine_failure,
        }
    }
}
