//! The driver of a run: the virtual clock, the queue of things scheduled for later instants,
//! the seeded random streams, the controller's pending reconciles and the run's budgets.
//!
//! The clock is written in one place, `Driver::set_clock`, which only the stepping function
//! (`Simulation::step_until`) and the end of a run call. The world reads the time and
//! schedules events through the driver; it never moves time itself.

use std::collections::BTreeSet;

use crate::cluster::PodId;
use crate::engine::{EventQueue, Rngs, SimDuration, SimTime};
use crate::scenario::Scenario;

use super::budget::{BudgetKind, Budgets, EngineFailure};

/// Pending events room is made for at the start of a run.
const QUEUE_START: usize = 32;

/// Something scheduled for a later instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ev {
    PodReady(PodId),
    PodAvailable(PodId),
    PodGone(PodId),
    Reconcile,
    ScriptWake,
    AutoPromote {
        step: u32,
        generation: u64,
    },
    /// A failed node's pods stop being Ready.
    NodeLost(u32, SimTime),
    /// A failed node's pods are evicted.
    NodeEvict(u32),
    /// An AnalysisRun (by index) asked to be reconciled.
    AnalysisReconcile(u32),
    /// The next traffic tick.
    TrafficTick,
    /// An experiment asked to be reconciled (its duration ends, a deadline passes).
    ExperimentWake,
}

/// Virtual time, the event queue, random streams, reconcile requests and budgets.
pub(super) struct Driver {
    now: SimTime,
    queue: EventQueue<Ev>,
    rngs: Rngs,
    seed: u64,
    /// The rollout controller's reaction delay (`cluster.controllerDelay`).
    controller_delay: SimDuration,
    /// The rollout controller runs again at this instant.
    reconcile_now: bool,
    /// Instants a reconcile is queued for (each queued once).
    scheduled_reconciles: BTreeSet<SimTime>,
    /// Instants experiments asked to be woken at (each queued once).
    experiment_wakes: BTreeSet<SimTime>,
    /// The run's bounds, and the failure once one is crossed (the run then stops).
    budgets: Budgets,
    engine_failure: Option<EngineFailure>,
    /// The run reached the scenario's timeout with something still scheduled after it.
    timed_out: bool,
}

impl Driver {
    /// A driver at time zero; with a traffic model, its first tick is queued.
    pub(super) fn new(sc: &Scenario, seed: u64, budgets: Budgets) -> Self {
        let mut queue = EventQueue::with_capacity(QUEUE_START);
        if let Some(t) = &sc.traffic {
            queue.push(SimTime::ZERO + t.tick, Ev::TrafficTick);
        }
        Driver {
            now: SimTime::ZERO,
            queue,
            rngs: Rngs::new(seed),
            seed,
            controller_delay: sc.cluster.controller_delay,
            reconcile_now: false,
            scheduled_reconciles: BTreeSet::new(),
            experiment_wakes: BTreeSet::new(),
            budgets,
            engine_failure: None,
            timed_out: false,
        }
    }

    /// The current virtual time.
    pub(super) fn now(&self) -> SimTime {
        self.now
    }

    /// The one writer of the clock.
    pub(super) fn set_clock(&mut self, t: SimTime) {
        self.now = t;
    }

    /// Queues `ev` for `at`.
    pub(super) fn schedule(&mut self, at: SimTime, ev: Ev) {
        self.queue.push(at, ev);
    }

    /// When the next event is due, if any.
    pub(super) fn next_due(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// The next event due at or before `at`.
    pub(super) fn pop_due(&mut self, at: SimTime) -> Option<Ev> {
        self.queue.pop_due(at).map(|(_, ev)| ev)
    }

    /// Events waiting in the queue.
    pub(super) fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Engine events processed so far.
    pub(super) fn popped(&self) -> u64 {
        self.queue.popped()
    }

    /// The seeded random streams.
    pub(super) fn rngs(&mut self) -> &mut Rngs {
        &mut self.rngs
    }

    /// The controller should run again: now, or after the configured reaction delay.
    pub(super) fn request_reconcile(&mut self) {
        if self.controller_delay == SimDuration::ZERO {
            self.reconcile_now = true;
        } else {
            self.schedule_reconcile(self.now + self.controller_delay);
        }
    }

    /// The controller asked to be requeued at `at`.
    pub(super) fn schedule_reconcile(&mut self, at: SimTime) {
        if at <= self.now && self.controller_delay == SimDuration::ZERO {
            self.reconcile_now = true;
        } else if self.scheduled_reconciles.insert(at) {
            self.queue.push(at, Ev::Reconcile);
        }
    }

    /// A queued reconcile came due.
    pub(super) fn reconcile_due(&mut self) {
        self.scheduled_reconciles.remove(&self.now);
        self.reconcile_now = true;
    }

    /// Whether the controller is to run now (the request is taken).
    pub(super) fn take_reconcile_request(&mut self) -> bool {
        std::mem::take(&mut self.reconcile_now)
    }

    /// Whether a reconcile is requested for this instant.
    pub(super) fn reconcile_requested(&self) -> bool {
        self.reconcile_now
    }

    /// An experiment asked to be reconciled at `at` (queued once per instant).
    pub(super) fn wake_experiments_at(&mut self, at: SimTime) {
        if self.experiment_wakes.insert(at) {
            self.queue.push(at, Ev::ExperimentWake);
        }
    }

    /// A queued experiment wake-up came due.
    pub(super) fn experiments_woken(&mut self) {
        self.experiment_wakes.remove(&self.now);
    }

    /// Records the first budget crossed, if `count` is over `budget`. True when the run must
    /// stop.
    pub(super) fn over_budget(&mut self, budget: BudgetKind, count: u64) -> bool {
        if self.engine_failure.is_some() {
            return true;
        }
        // Asked several times per instant and nearly never over: the failure is written only
        // when there is one.
        let Some(failure) = self.budgets.check(budget, count, self.now, self.seed) else {
            return false;
        };
        self.engine_failure = Some(failure);
        true
    }

    /// A run certain to cross a budget fails before it simulates anything.
    pub(super) fn refuse_up_front(&mut self, sc: &Scenario) {
        self.engine_failure = self.budgets.refuse_up_front(sc, self.seed);
    }

    /// The failure of the simulator itself, once a budget was crossed.
    pub(super) fn engine_failure(&self) -> Option<&EngineFailure> {
        self.engine_failure.as_ref()
    }

    /// Takes the engine failure out, at the end of a run.
    pub(super) fn take_engine_failure(&mut self) -> Option<EngineFailure> {
        self.engine_failure.take()
    }

    /// Whether the run stopped at the scenario's timeout.
    pub(super) fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// The run stopped at its timeout.
    pub(super) fn mark_timed_out(&mut self) {
        self.timed_out = true;
    }
}
