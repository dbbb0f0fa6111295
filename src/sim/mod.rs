//! The simulation loop. Virtual time moves only from one queued event to the next. At each
//! instant the ReplicaSet controller and the rollout controller run until nothing changes (the
//! rollout controller one reconcile at a time, so intermediate states are observed), and the
//! script is advanced after every change.
//!
//! ```text
//! loop: pop the next event (pod ready, timer, wake-up) -> settle:
//!         repeat { ReplicaSet controller; one reconcile -> apply plan; advance script }
//!         until a pass changes nothing
//! ```

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "not yet brought under the [lints] rules (issue 12 backlog)"
)]
mod analysis;
mod apply;
pub mod budget;
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "not yet brought under the [lints] rules (issue 12 backlog)"
)]
mod experiment;
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "not yet brought under the [lints] rules (issue 12 backlog)"
)]
mod faults;
#[allow(
    missing_docs,
    reason = "not yet brought under the [lints] rules (issue 12 backlog)"
)]
pub mod journal;
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "not yet brought under the [lints] rules (issue 12 backlog)"
)]
mod observe;
mod script;
mod traffic;

use std::collections::BTreeSet;

use crate::cluster::{Cluster, PodId, ReplicaDiff};
use crate::engine::{EventQueue, Rngs, SimDuration, SimTime, Stream};
use crate::rollout::{self, RolloutObject};
use crate::scenario::{Invariant, Observation, Scenario, Startup, app_for};

pub use budget::{BudgetKind, Budgets, EngineFailure};
pub use journal::{
    ActionVerb, Entry, EntryKind, Journal, RolloutSnapshot, Summary, VersionTraffic,
};

/// Something scheduled for a later instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
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
    let mut sim = Simulation::new(sc, seed);
    sim.budgets_of_run = budgets;
    // A run certain to cross a budget says so before it simulates anything.
    sim.engine_failure = budgets.refuse_up_front(sc, seed);
    if sim.engine_failure.is_none() {
        sim.run();
    }
    sim.finish()
}

pub(crate) struct Simulation<'s> {
    sc: &'s Scenario,
    now: SimTime,
    queue: EventQueue<Ev>,
    rngs: Rngs,
    cluster: Cluster,
    rollout: RolloutObject,
    journal: Journal,
    failures: Vec<Failure>,
    reconcile_now: bool,
    scheduled_reconciles: BTreeSet<SimTime>,
    /// Next script item, and whether its start was journaled.
    pc: usize,
    pc_started: bool,
    wait_deadline: Option<SimTime>,
    /// What the journal last recorded of the rollout, to record changes.
    last: observe::Watched,
    became_healthy: bool,
    invariant_broken: Vec<bool>,
    auto_promote_for: Option<(u64, u32, u64)>,
    /// Versions (pod-template hashes) made to fail a share of their requests from outside
    /// the scenario (`watch --interactive`'s `b` key), with that share.
    bad_versions: Vec<(String, f64)>,
    pods_created: u64,
    reconciles: u64,
    timed_out: bool,
    /// The PodDisruptionBudgets of the manifests.
    budgets: Vec<crate::api::DisruptionBudget>,
    /// AnalysisTemplates (re-applied files may change them) and Secrets.
    templates: Vec<crate::api::analysis::AnalysisTemplate>,
    secrets: Vec<crate::api::analysis::Secret>,
    /// Every AnalysisRun the rollout created, in creation order.
    runs: Vec<crate::analysis::run::AnalysisRun>,
    /// The traffic model, when the scenario has one.
    traffic: Option<crate::traffic::Traffic>,
    /// Every Experiment the rollout created, in creation order.
    experiments: Vec<crate::experiment::Experiment>,
    /// Times experiments asked to be woken at (each queued once).
    experiment_wakes: BTreeSet<SimTime>,
    /// The managed routes the traffic router holds, in `managedRoutes` order.
    routes: Vec<rollout::RouteView>,
    /// The controller's views of ReplicaSets and Services, kept between reconciles.
    views: observe::ViewCache,
    seed: u64,
    /// The run's bounds, and the failure once one is crossed (the run then stops).
    budgets_of_run: Budgets,
    engine_failure: Option<EngineFailure>,
}

impl<'s> Simulation<'s> {
    fn new(sc: &'s Scenario, seed: u64) -> Self {
        let r = &sc.manifests.rollouts[0];
        let rollout = RolloutObject::new(&r.name, &r.namespace, r.spec.clone());
        let mut cluster = Cluster::default();
        if let Some(n) = sc.cluster.nodes {
            cluster.add_nodes(n.nodes, n.pods_per_node);
        }
        let mut queue = EventQueue::new();
        if let Some(t) = &sc.traffic {
            queue.push(SimTime::ZERO + t.tick, Ev::TrafficTick);
        }
        Simulation {
            sc,
            now: SimTime::ZERO,
            queue,
            rngs: Rngs::new(seed),
            cluster,
            rollout,
            journal: Journal::default(),
            failures: Vec::new(),
            reconcile_now: false,
            scheduled_reconciles: BTreeSet::new(),
            pc: 0,
            pc_started: false,
            wait_deadline: None,
            last: observe::Watched::default(),
            became_healthy: false,
            invariant_broken: vec![false; sc.invariants.len()],
            auto_promote_for: None,
            bad_versions: Vec::new(),
            pods_created: 0,
            reconciles: 0,
            timed_out: false,
            budgets: sc.manifests.budgets.clone(),
            templates: sc.manifests.templates.clone(),
            secrets: sc.manifests.secrets.clone(),
            runs: Vec::new(),
            traffic: sc.traffic.map(crate::traffic::Traffic::new),
            experiments: Vec::new(),
            experiment_wakes: BTreeSet::new(),
            routes: Vec::new(),
            views: observe::ViewCache::default(),
            seed,
            budgets_of_run: Budgets::for_scenario(sc),
            engine_failure: None,
        }
    }

    /// Records the first budget crossed, if `count` is over `budget`. True when the run must
    /// stop.
    fn over_budget(&mut self, budget: BudgetKind, count: u64) -> bool {
        if self.engine_failure.is_some() {
            return true;
        }
        self.engine_failure = self
            .budgets_of_run
            .check(budget, count, self.now, self.seed);
        self.engine_failure.is_some()
    }

    /// The run-wide budgets: events processed and journal entries.
    fn run_over_budget(&mut self) -> bool {
        self.over_budget(BudgetKind::Events, self.queue.popped())
            || self.over_budget(BudgetKind::JournalEntries, self.journal.len() as u64)
    }

    /// Only the traffic ticks are left in the queue: nothing else will ever happen.
    fn only_ticks_left(&self) -> bool {
        self.traffic.is_some() && self.queue.len() <= 1
    }

    fn run(&mut self) {
        self.apply_initial_manifests();
        self.settle();
        while !self.script_done() {
            let Some(t) = self.queue.peek_time() else {
                break;
            };
            if self.only_ticks_left() {
                break;
            }
            if t > SimTime::ZERO + self.sc.timeout {
                self.now = SimTime::ZERO + self.sc.timeout;
                self.timed_out = true;
                break;
            }
            self.now = t;
            while let Some((_, ev)) = self.queue.pop_due(t) {
                self.handle(ev);
                self.settle();
                if self.script_done() || self.run_over_budget() {
                    break;
                }
            }
            if self.engine_failure.is_some() {
                break;
            }
        }
        // Out of events with the script unfinished: the run ends when something last
        // happened. Wake-ups after that changed nothing (a timer of a pause that an abort or a
        // promotion already ended), so they must not stretch the run's length.
        if !self.script_done() && !self.timed_out && self.engine_failure.is_none() {
            let last = self.journal.iter().last().map(|e| e.t);
            if let Some(t) = last.filter(|&t| t < self.now) {
                self.now = t;
            }
        }
    }

    /// Done when the script has run to its end (an empty script runs until nothing is left
    /// to happen, or the timeout).
    fn script_done(&self) -> bool {
        !self.sc.script.is_empty() && self.pc >= self.sc.script.len()
    }

    fn apply_initial_manifests(&mut self) {
        for svc in &self.sc.manifests.services {
            self.upsert_service(svc);
        }
        self.journal.push(
            self.now,
            EntryKind::RolloutUpdated {
                generation: 1,
                change: format!("created Rollout {}", self.rollout.name),
            },
        );
        self.request_reconcile();
    }

    fn upsert_service(&mut self, svc: &crate::api::Service) {
        let entry = self
            .cluster
            .services
            .entry(svc.name.clone())
            .or_insert_with(|| crate::cluster::ServiceState {
                name: svc.name.clone(),
                selector: svc.selector.clone(),
                selector_hash: None,
                managed: false,
            });
        entry.selector = svc.selector.clone();
        self.views.services_changed();
    }

    /// The controller should run again: now, or after the configured reaction delay.
    fn request_reconcile(&mut self) {
        let delay = self.sc.cluster.controller_delay;
        if delay == SimDuration::ZERO {
            self.reconcile_now = true;
        } else {
            self.schedule_reconcile(self.now + delay);
        }
    }

    fn schedule_reconcile(&mut self, at: SimTime) {
        if at <= self.now && self.sc.cluster.controller_delay == SimDuration::ZERO {
            self.reconcile_now = true;
        } else if self.scheduled_reconciles.insert(at) {
            self.queue.push(at, Ev::Reconcile);
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::PodReady(id) => {
                let pod = self.cluster.pod(id);
                if pod.state != crate::cluster::PodState::Starting || pod.lost || !pod.scheduled {
                    return;
                }
                let wait = self.cluster.mark_ready(id, self.now);
                let name = self.cluster.pod(id).name.clone();
                self.journal.push(self.now, EntryKind::PodReady { name });
                if let Some(secs) = wait {
                    self.queue.push(
                        self.now + SimDuration::from_secs(u64::from(secs)),
                        Ev::PodAvailable(id),
                    );
                }
                self.request_reconcile();
            }
            Ev::PodAvailable(id) => {
                if self.cluster.mark_available(id) {
                    let name = self.cluster.pod(id).name.clone();
                    self.journal
                        .push(self.now, EntryKind::PodAvailable { name });
                    self.request_reconcile();
                }
            }
            Ev::PodGone(id) => {
                if self.cluster.remove(id) {
                    let name = self.cluster.pod(id).name.clone();
                    self.journal.push(self.now, EntryKind::PodDeleted { name });
                    // A freed slot may let a Pending pod be scheduled.
                    self.schedule_pending();
                }
            }
            Ev::NodeLost(node, evict_at) => self.node_lost(node, evict_at),
            Ev::NodeEvict(node) => self.node_evict(node),
            Ev::Reconcile => {
                self.scheduled_reconciles.remove(&self.now);
                self.reconcile_now = true;
            }
            Ev::ScriptWake => {}
            Ev::AnalysisReconcile(i) => self.analysis_wake(i as usize),
            Ev::TrafficTick => self.traffic_tick(),
            Ev::ExperimentWake => {
                self.experiment_wakes.remove(&self.now);
            }
            Ev::AutoPromote { step, generation } => self.auto_promote(step, generation),
        }
    }

    /// Runs the controllers and the script at the current instant until nothing changes.
    fn settle(&mut self) {
        if self.engine_failure.is_some() {
            return;
        }
        let mut passes = 0;
        loop {
            passes += 1;
            if self.over_budget(BudgetKind::ReconcilesPerInstant, passes)
                || self.over_budget(BudgetKind::JournalEntries, self.journal.len() as u64)
            {
                break;
            }
            let mut changed = self.sync_replica_sets();
            if changed {
                self.after_change();
            }
            if self.reconcile_now {
                self.reconcile_now = false;
                changed |= self.reconcile_once();
            }
            changed |= self.reconcile_experiments();
            // The script's waits read only what the passes change: after a pass that changed
            // nothing, the script would find what it found at the end of the previous pass.
            if passes == 1 || changed {
                changed |= self.advance_script();
            }
            if !changed && !self.reconcile_now {
                break;
            }
        }
    }

    /// The Kubernetes ReplicaSet controller: create or delete pods to match every spec.
    fn sync_replica_sets(&mut self) -> bool {
        let mut changed = false;
        let ids: Vec<_> = self.cluster.live_replica_sets().map(|rs| rs.id).collect();
        for id in ids {
            match self.cluster.replica_set_diff(id) {
                ReplicaDiff::None => {}
                ReplicaDiff::Create(n) => {
                    for _ in 0..n {
                        self.create_pod(id);
                    }
                    changed = true;
                }
                ReplicaDiff::Delete(victims) => {
                    for p in victims {
                        self.terminate_pod(p);
                    }
                    changed = true;
                }
            }
        }
        if changed {
            self.request_reconcile();
        }
        changed
    }

    fn create_pod(&mut self, rs: crate::cluster::RsId) {
        let (rs_name, image) = {
            let r = self.cluster.rs(rs);
            (r.name.clone(), r.image.clone())
        };
        let rngs = &mut self.rngs;
        let name = self.cluster.pod_name(&rs_name, || {
            // A letter index below 26 always fits a usize.
            usize::try_from(rngs.uniform_u64(Stream::Names, 0, 26)).unwrap_or(0)
        });
        let id = self
            .cluster
            .add_pod(rs, name.clone(), image.clone(), self.now);
        self.pods_created += 1;
        self.journal.push(
            self.now,
            EntryKind::PodCreated {
                name,
                replica_set: rs_name,
            },
        );
        if self.cluster.pod(id).scheduled {
            self.start_pod(id);
        } else {
            self.try_schedule(id);
        }
    }

    /// A pod was bound to a node: its containers start; it is Ready after the app's startup
    /// time (drawn from the seeded pod-timing stream), or never.
    fn start_pod(&mut self, id: PodId) {
        let image = self.cluster.pod(id).image.clone();
        let startup = match app_for(&self.sc.apps, &image).startup {
            Startup::Fixed(d) => Some(d),
            Startup::Range(lo, hi) => Some(SimDuration(self.rngs.uniform_u64(
                Stream::PodTiming,
                lo.as_millis(),
                hi.as_millis(),
            ))),
            Startup::Never => None,
        };
        if let Some(d) = startup {
            self.queue.push(self.now + d, Ev::PodReady(id));
        }
    }

    fn restart_pending(&self) -> bool {
        let spec = &self.rollout.spec;
        spec.restart_at.is_some() && spec.restart_at != self.rollout.status.restarted_at
    }

    /// Evicts a pod through the Eviction API; a refusal is recorded. True when evicted.
    fn evict_pod(&mut self, id: PodId, by: &str) -> bool {
        let scale = self.rollout.spec.replicas();
        let name = self.cluster.pod(id).name.clone();
        match self.cluster.evict(id, &self.budgets, scale, self.now) {
            Ok(true) => {
                let pod = self.cluster.pod(id);
                let terminate = app_for(&self.sc.apps, &pod.image).terminate;
                self.journal.push(
                    self.now,
                    EntryKind::PodEvicted {
                        name,
                        by: by.to_string(),
                    },
                );
                self.queue.push(self.now + terminate, Ev::PodGone(id));
                true
            }
            Ok(false) => false,
            Err(budget) => {
                self.journal
                    .push(self.now, EntryKind::PodEvictionRefused { name, budget });
                false
            }
        }
    }

    fn terminate_pod(&mut self, id: PodId) {
        if !self.cluster.terminate(id, self.now) {
            return;
        }
        let pod = self.cluster.pod(id);
        let name = pod.name.clone();
        // A pod no node runs goes away at once; others take the app's termination time.
        let terminate = if pod.scheduled {
            app_for(&self.sc.apps, &pod.image).terminate
        } else {
            SimDuration::ZERO
        };
        self.journal
            .push(self.now, EntryKind::PodTerminating { name });
        self.queue.push(self.now + terminate, Ev::PodGone(id));
    }

    /// One reconcile of the rollout; true when it wrote anything.
    fn reconcile_once(&mut self) -> bool {
        self.reconciles += 1;
        self.refresh_views();
        let rs_views = &self.views.rs;
        let services = &self.views.services;
        // Pods are only read by the restarter; building their views costs O(pods).
        let (pods, budgets) = if self.restart_pending() {
            self.pod_views()
        } else {
            (Vec::new(), Vec::new())
        };
        let runs = self.run_views();
        let experiments = self.experiment_views();
        let plan = rollout::reconcile(&rollout::Input {
            rollout: &self.rollout,
            replica_sets: rs_views,
            services,
            pods: &pods,
            budgets: &budgets,
            analysis_runs: &runs,
            experiments: &experiments,
            routes: &self.routes,
            analysis_templates: &self.templates,
            now: self.now,
        });
        for &at in &plan.requeue {
            if at > self.now {
                self.schedule_reconcile(at);
            }
        }
        if plan.is_noop() {
            // A refused eviction writes nothing (no new reconcile follows), but the attempt
            // belongs in the timeline: it is how a budget that blocks a restart shows.
            for (name, budget) in plan.refused_evictions {
                self.journal
                    .push(self.now, EntryKind::PodEvictionRefused { name, budget });
            }
            return false;
        }
        self.apply_plan(plan);
        // The ReplicaSet controller reacts within milliseconds; nothing should observe a
        // ReplicaSet whose pods do not match its spec yet.
        self.sync_replica_sets();
        self.request_reconcile();
        self.after_change();
        true
    }

    /// Bookkeeping after any change: journal what the rollout now shows, check invariants,
    /// arm the auto-promotion of the default scenario.
    fn after_change(&mut self) {
        // What the journal records and the invariants read: none of the costly parts.
        let obs = self.observe_reading(crate::scenario::condition::Reads::default());
        self.journal_observed_changes(&obs);
        self.check_invariants(&obs);
        self.arm_auto_promote();
    }

    fn check_invariants(&mut self, obs: &Observation) {
        if obs.phase == crate::rollout::Phase::Healthy {
            self.became_healthy = true;
        }
        for (i, inv) in self.sc.invariants.iter().enumerate() {
            if self.invariant_broken[i] {
                continue;
            }
            let broken = match *inv {
                Invariant::MinAvailable(n) => {
                    // An Experiment's pods serve no production traffic of the rollout.
                    let available: u32 = self
                        .cluster
                        .rollout_replica_sets()
                        .map(|rs| rs.available)
                        .sum();
                    (self.became_healthy && available < n)
                        .then(|| format!("{available} pods available"))
                }
                Invariant::MaxPods(n) => {
                    let pods: u32 = self.cluster.live_replica_sets().map(|rs| rs.replicas).sum();
                    (pods > n).then(|| format!("{pods} pods running"))
                }
            };
            if let Some(detail) = broken {
                self.invariant_broken[i] = true;
                self.fail(0, "invariant", &inv.to_string(), detail);
            }
        }
    }

    fn fail(&mut self, line: u32, check: &str, condition: &str, detail: String) {
        self.journal.push(
            self.now,
            EntryKind::ExpectationChecked {
                ok: false,
                check: check.to_string(),
                line,
                detail: format!("{{{condition}}}: {detail}"),
            },
        );
        self.failures.push(Failure {
            t: self.now,
            line,
            check: check.to_string(),
            condition: condition.to_string(),
            detail,
        });
    }

    fn finish(mut self) -> RunResult {
        // After a failure of the simulator itself, the checks of the script say nothing.
        if let Some(f) = &self.engine_failure {
            self.journal.push(
                self.now,
                EntryKind::EngineFailed {
                    budget: f.budget,
                    limit: f.limit,
                    message: f.to_string(),
                },
            );
        } else {
            self.settle_end();
        }
        let obs = self.observe();
        let summary = Summary {
            passed: self.failures.is_empty() && self.engine_failure.is_none(),
            engine_failed: self.engine_failure.is_some(),
            timed_out: self.timed_out,
            failures: self.failures.len(),
            phase: obs.phase,
            message: obs.message.clone(),
            step: obs.step,
            steps: self
                .rollout
                .spec
                .canary()
                .map_or(0, |c| u32::try_from(c.steps.len()).unwrap_or(u32::MAX)),
            set_weight: obs.set_weight,
            actual_weight: obs.actual_weight,
            revision: obs.revision,
            stable_image: obs.images.stable.clone(),
            stable_revision: self
                .cluster
                .live_replica_sets()
                .find(|rs| rs.hash == self.rollout.status.stable_rs)
                .map(|rs| rs.revision),
            latest_image: self
                .cluster
                .rollout_replica_sets()
                .max_by_key(|rs| rs.revision)
                .map(|rs| rs.image.clone()),
            canary_image: obs.images.canary.clone(),
            desired: obs.replicas.desired,
            current: obs.replicas.current,
            updated: obs.replicas.updated,
            ready: obs.replicas.ready,
            available: obs.replicas.available,
            pods_created: self.pods_created,
            reconciles: self.reconciles,
            traffic: self
                .traffic
                .as_ref()
                .map(|t| {
                    t.versions
                        .iter()
                        .map(|v| journal::VersionTraffic {
                            hash: v.hash.clone(),
                            image: v.image.clone(),
                            requests: v.requests,
                            failed: v.failed,
                            mirrored: v.mirrored,
                            mirrored_failed: v.mirrored_failed,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            unrouted: self.traffic.as_ref().map_or(0, |t| t.unrouted),
        };
        self.journal.push(
            self.now,
            EntryKind::RunFinished {
                summary: summary.clone(),
            },
        );
        RunResult {
            journal: self.journal,
            failures: self.failures,
            summary,
            end: self.now,
            events: self.queue.popped(),
            engine_failure: self.engine_failure,
        }
    }

    /// At the end: a script item still pending has failed; then the final expectation.
    fn settle_end(&mut self) {
        if let Some(item) = self.sc.script.get(self.pc) {
            let obs = self.observe();
            let why_end = if self.timed_out {
                format!("not reached by the timeout ({})", self.sc.timeout)
            } else {
                format!("nothing else happens after {}", self.now)
            };
            match &item.action {
                crate::scenario::Action::WaitUntil(c) => {
                    let why: Vec<String> =
                        c.mismatches(&obs).iter().map(ToString::to_string).collect();
                    let cond = c.to_string();
                    self.fail(
                        item.line,
                        "wait",
                        &cond,
                        format!("{why_end}; {}", why.join("; ")),
                    );
                }
                other => {
                    let d = other.describe();
                    self.fail(
                        item.line,
                        "script",
                        &d,
                        format!("the script did not finish: {why_end}"),
                    );
                }
            }
        }
        if let Some(expect) = &self.sc.expect {
            let obs = self.observe();
            let mism = expect.mismatches(&obs);
            let cond = expect.to_string();
            if mism.is_empty() {
                self.journal.push(
                    self.now,
                    EntryKind::ExpectationChecked {
                        ok: true,
                        check: "final expect".into(),
                        line: self.sc.expect_line,
                        detail: format!("{{{cond}}}"),
                    },
                );
            } else {
                let why: Vec<String> = mism.iter().map(ToString::to_string).collect();
                self.fail(self.sc.expect_line, "final expect", &cond, why.join("; "));
            }
        }
    }
}

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
        let mut sim = Simulation::new(sc, seed);
        sim.apply_initial_manifests();
        sim.settle();
        Live { sim }
    }

    /// The current virtual time of the run.
    pub fn now(&self) -> SimTime {
        self.sim.now
    }

    /// Everything recorded so far, for the live view to render.
    pub fn journal(&self) -> &Journal {
        &self.sim.journal
    }

    /// The failure of the simulator itself, if a budget was exceeded (nothing moves after).
    pub fn engine_failure(&self) -> Option<&EngineFailure> {
        self.sim.engine_failure.as_ref()
    }

    /// Whether the run has reached its timeout.
    pub fn timed_out(&self) -> bool {
        self.sim.now >= SimTime::ZERO + self.sc().timeout
    }

    fn sc(&self) -> &Scenario {
        self.sim.sc
    }

    /// The scenario's script has run to its end.
    pub fn script_done(&self) -> bool {
        self.sim.script_done()
    }

    /// Nothing is left to happen but traffic ticks.
    pub fn idle(&self) -> bool {
        self.sim.queue.is_empty() || self.sim.only_ticks_left()
    }

    /// Handles every event up to `t` (not past the timeout).
    pub fn advance_to(&mut self, t: SimTime) {
        let t = t.min(SimTime::ZERO + self.sc().timeout);
        while let Some(at) = self.sim.queue.peek_time() {
            if at > t {
                break;
            }
            self.sim.now = at;
            while let Some((_, ev)) = self.sim.queue.pop_due(at) {
                self.sim.handle(ev);
                self.sim.settle();
                if self.sim.run_over_budget() {
                    break;
                }
            }
            if self.sim.engine_failure.is_some() {
                break;
            }
        }
        self.sim.now = self.sim.now.max(t);
    }

    /// Applies a user action now, journaled like a script action.
    pub fn act(&mut self, a: UserAction) {
        use crate::scenario::PodTarget;
        let sim = &mut self.sim;
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
            // With no update in progress the current version is the stable one: nothing to
            // make bad (the key is for showing analysis catch a canary).
            UserAction::BadCanary(_)
                if sim.rollout.status.current_pod_hash == sim.rollout.status.stable_rs =>
            {
                (
                    "no canary to make bad (interactive)".to_string(),
                    ActionVerb::BadCanary,
                )
            }
            UserAction::BadCanary(rate) => (
                format!(
                    "canary {} fails {:.0}% of requests (interactive)",
                    sim.rollout.status.current_pod_hash,
                    rate * 100.0
                ),
                ActionVerb::BadCanary,
            ),
        };
        sim.journal.push(
            sim.now,
            EntryKind::ScriptAction {
                line: 0,
                action: text,
                verb,
            },
        );
        let as_script = match a {
            UserAction::Promote => Some(crate::scenario::Action::Promote { full: false }),
            UserAction::PromoteFull => Some(crate::scenario::Action::Promote { full: true }),
            UserAction::Abort => Some(crate::scenario::Action::Abort),
            UserAction::Retry => Some(crate::scenario::Action::Retry),
            // Faults and a bad canary are not operator actions: no note applies.
            UserAction::KillPod | UserAction::FailNode | UserAction::BadCanary(_) => None,
        };
        if let Some(note) = as_script.and_then(|x| sim.no_effect_note(&x)) {
            sim.journal
                .push(sim.now, EntryKind::ActionNote { line: 0, note });
        }
        match a {
            UserAction::Promote => sim.promote(false),
            UserAction::PromoteFull => sim.promote(true),
            UserAction::Abort => sim.rollout.status.abort = true,
            UserAction::Retry => sim.rollout.status.abort = false,
            UserAction::KillPod => {
                let canary = PodTarget::Role {
                    role: "canary".into(),
                    count: 1,
                };
                if sim.delete_pods(&canary) == 0 {
                    sim.delete_pods(&PodTarget::Role {
                        role: "stable".into(),
                        count: 1,
                    });
                }
            }
            UserAction::FailNode => {
                // As a script's `failNode` with the cluster's node lifecycle timings.
                let node = sim.cluster.nodes.iter().find(|n| !n.failed && n.pods > 0);
                if let Some(name) = node.map(|n| n.name.clone()) {
                    let c = &sim.sc.cluster;
                    let grace = c.node_monitor_grace_period;
                    sim.fail_node(&name, grace, grace + c.unreachable_toleration);
                }
            }
            UserAction::BadCanary(_)
                if sim.rollout.status.current_pod_hash == sim.rollout.status.stable_rs => {}
            UserAction::BadCanary(rate) => {
                let hash = sim.rollout.status.current_pod_hash.clone();
                sim.bad_versions.retain(|(h, _)| *h != hash);
                sim.bad_versions.push((hash, rate));
            }
        }
        sim.request_reconcile();
        sim.settle();
    }

    /// When the next event is due (traffic ticks included), if any.
    pub fn next_event(&self) -> Option<SimTime> {
        self.sim.queue.peek_time()
    }
}
