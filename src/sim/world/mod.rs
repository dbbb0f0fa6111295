//! The simulated world: the fake cluster (nodes, pods, ReplicaSets, Services, disruption
//! budgets), the Rollout object, its AnalysisRuns and Experiments, the traffic router's routes
//! and the traffic served, the AnalysisTemplates and Secrets applied. `World` owns all of it
//! and is the only thing that changes it; every change is journaled here, so "who changed
//! this?" has one answer.
//!
//! The world does not keep time: each change takes the `Driver`, reads the current instant
//! from it and schedules what follows (a pod Ready later, a requeue) on its queue.
//!
//! - `apply`: a rollout controller plan written to the cluster and the Rollout;
//! - `actions`: user actions (the plugin's verbs, spec edits, faults from the script);
//! - `faults`: nodes, scheduling, pod deletion and eviction, node failures;
//! - `analysis`, `experiment`: AnalysisRuns and Experiments and their controllers;
//! - `traffic`: where each tick's requests go;
//! - `observe`: what the world looks like from outside, and the journal entries of changes.

mod actions;
mod analysis;
mod apply;
mod experiment;
mod faults;
mod observe;
mod traffic;

pub(super) use actions::Performed;
pub(super) use observe::PodTotals;

use crate::cluster::{Cluster, PodId, RsId};
use crate::engine::{SimDuration, SimTime, Stream};
use crate::rollout::{self, RolloutObject};
use crate::scenario::{Observation, Scenario, Startup, app_for};
use smol_str::SmolStr;

use super::driver::{Driver, Ev};
use super::journal::{self, EntryKind, Journal, Summary};

/// Journal entries room is made for at the start of a run: the bundled demo writes 256, and
/// nine runs in ten of the bundled scenarios and examples fewer (half of them under 90).
/// Twice as much was 64 KiB, a block whose free makes glibc consolidate its small free
/// blocks at the end of every run.
const JOURNAL_START: usize = 256;

/// Status snapshots room is made for at the start of a run: about one entry in five records
/// one (49 of the bundled demo's 256).
const SNAPSHOTS_START: usize = 64;

/// How the run went, for its summary line.
pub(super) struct Verdict {
    /// No check failed and the simulator did not fail.
    pub passed: bool,
    /// A budget was crossed.
    pub engine_failed: bool,
    /// The scenario's timeout stopped the run.
    pub timed_out: bool,
    /// Failed checks.
    pub failures: usize,
}

/// What the world reads of a pod's app model: its start-up and termination times.
#[derive(Debug, Clone, Copy)]
struct PodTiming {
    startup: Startup,
    terminate: SimDuration,
}

/// The simulated objects, and the journal of their changes.
pub(super) struct World<'s> {
    sc: &'s Scenario,
    cluster: Cluster,
    rollout: RolloutObject,
    /// Every change, in order: the record all outputs are rendered from.
    journal: Journal,
    /// What the journal last recorded of the rollout, to record changes.
    last: observe::Watched,
    /// The rollout has been Healthy once: the application is live and takes requests.
    became_healthy: bool,
    /// Versions (pod-template hashes) made to fail a share of their requests from outside
    /// the scenario (`watch --interactive`'s `b` key), with that share.
    bad_versions: Vec<(String, f64)>,
    pods_created: u64,
    reconciles: u64,
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
    /// The managed routes the traffic router holds, in `managedRoutes` order.
    routes: Vec<rollout::RouteView>,
    /// The controller's views of ReplicaSets and Services, kept between reconciles.
    views: observe::ViewCache,
    /// The cluster's `rs_epoch` the views were last refreshed at; `None` once a Service
    /// changed (`services_changed`). A reconcile at the same epoch finds them as they are.
    views_epoch: Option<u64>,
    /// The last plan applied, emptied: the next reconcile fills its lists again rather than
    /// allocating new ones (most reconciles write something, so most would).
    spare_plan: Option<rollout::Plan>,
    /// Why the rollout controller last promoted a ReplicaSet to stable (the reason of its last
    /// `RolloutCompleted` event; empty before one), for the journal's `Promoted` entry.
    completed_because: SmolStr,
    /// How each ReplicaSet's pods start and stop, by `RsId` (see [`World::pod_timing`]).
    pod_timings: Vec<Option<PodTiming>>,
    /// Which ReplicaSets' pods carry the rollout's selector labels (`service_backends`).
    selector_memo: traffic::SelectorMemo,
    /// The scenario's stand-in promotion last armed: the wait it is for (generation, step,
    /// start) and when it rings, for the `watch` countdown (`scenario_promotion_at`).
    pub(in crate::sim) scenario_promotion: Option<((u64, u32, u64), crate::engine::SimTime)>,
    /// The status the last write replaced, or the box of a reconcile that wrote none, lent to
    /// the next reconcile to build its own in (`rollout::reconcile_reusing`): a status write
    /// then allocates nothing.
    spare_status: Option<Box<rollout::RolloutStatus>>,
    /// What the rollout's reconciles keep between them (`rollout::Kept`).
    kept: rollout::Kept,
    /// Where a name or a journal text is written before it becomes a `SmolStr` (`text`):
    /// kept, so that such a text costs the one allocation of its string and no buffer.
    scratch: String,
}

/// A live ReplicaSet whose pods do not match its `spec.replicas`: the ReplicaSet controller
/// has pods to create or delete for it.
fn out_of_sync(rs: &crate::cluster::ReplicaSet) -> bool {
    !rs.deleted && rs.spec_replicas != rs.replicas
}

/// `args` written out as a `SmolStr` through `scratch` (`World::scratch`): a text too long to
/// be inline (a ReplicaSet's name, most journal texts) allocates only its shared string, not
/// a `String` first.
fn text(scratch: &mut String, args: std::fmt::Arguments<'_>) -> SmolStr {
    use std::fmt::Write as _;
    scratch.clear();
    // Writing into a String cannot fail.
    let _ = scratch.write_fmt(args);
    SmolStr::new(&*scratch)
}

impl<'s> World<'s> {
    /// The world of `sc` before anything is applied: its nodes, no objects yet.
    pub(super) fn new(sc: &'s Scenario) -> Self {
        let r = &sc.manifests.rollouts[0];
        let rollout = RolloutObject::new(&r.name, &r.namespace, r.spec.clone());
        let mut cluster = Cluster::default();
        if let Some(n) = sc.cluster.nodes {
            cluster.add_nodes(n.nodes, n.pods_per_node);
        }
        World {
            sc,
            cluster,
            rollout,
            // Sized for a whole run of most scenarios (a few hundred entries): grown from
            // empty, the journal was copied at each doubling, the largest copies late in the
            // run. Longer runs grow from there as before.
            journal: Journal::with_capacity(JOURNAL_START, SNAPSHOTS_START),
            last: observe::Watched::default(),
            became_healthy: false,
            bad_versions: Vec::new(),
            pods_created: 0,
            reconciles: 0,
            budgets: sc.manifests.budgets.clone(),
            templates: sc.manifests.templates.clone(),
            secrets: sc.manifests.secrets.clone(),
            runs: Vec::new(),
            traffic: sc.traffic.map(crate::traffic::Traffic::new),
            experiments: Vec::new(),
            routes: Vec::new(),
            views: observe::ViewCache::default(),
            views_epoch: None,
            spare_plan: None,
            completed_because: SmolStr::default(),
            pod_timings: Vec::new(),
            selector_memo: traffic::SelectorMemo::default(),
            scenario_promotion: None,
            spare_status: None,
            kept: rollout::Kept::default(),
            scratch: String::new(),
        }
    }

    /// The Rollout object, to read.
    pub(super) fn rollout(&self) -> &RolloutObject {
        &self.rollout
    }

    /// The journal so far.
    pub(super) fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The journal, at the end of a run.
    pub(super) fn into_journal(self) -> Journal {
        self.journal
    }

    /// Records an entry that is not a change of the world (a script action, a check's
    /// verdict, the end of the run) in the one journal.
    pub(super) fn record(&mut self, t: SimTime, kind: EntryKind) {
        self.journal.push(t, kind);
    }

    /// Whether the rollout has been Healthy once (the application is live).
    pub(super) fn became_healthy(&self) -> bool {
        self.became_healthy
    }

    /// Whether the traffic model is on.
    pub(super) fn has_traffic(&self) -> bool {
        self.traffic.is_some()
    }

    /// The manifests as first applied: the Services, then the Rollout.
    pub(super) fn apply_initial_manifests(&mut self, d: &mut Driver) {
        for svc in &self.sc.manifests.services {
            self.upsert_service(svc);
        }
        self.journal.push(
            d.now(),
            EntryKind::RolloutUpdated {
                generation: 1,
                change: text(
                    &mut self.scratch,
                    format_args!("created Rollout {}", self.rollout.name),
                ),
            },
        );
        d.request_reconcile();
    }

    fn upsert_service(&mut self, svc: &crate::api::Service) {
        // A Service applied again keeps the hash and management the controller gave it (its
        // own selector is not kept: `ServiceState`); a new one is added under its name, which
        // a short name holds inline.
        if !self.cluster.services.contains_key(svc.name.as_str()) {
            let name = SmolStr::new(&svc.name);
            self.cluster.services.insert(
                name.clone(),
                crate::cluster::ServiceState {
                    name,
                    selector_hash: None,
                    managed: false,
                },
            );
        }
        self.services_changed();
    }

    /// A Service was created or changed: the controller's views of the Services (and its
    /// validation verdict, which reads them) are made again before the next reconcile.
    fn services_changed(&mut self) {
        self.views.services_changed();
        self.views_epoch = None;
    }

    /// A pod's containers are ready.
    pub(super) fn pod_ready(&mut self, d: &mut Driver, id: PodId) {
        let pod = self.cluster.pod(id);
        if pod.state != crate::cluster::PodState::Starting || pod.lost || !pod.scheduled {
            return;
        }
        let now = d.now();
        let wait = self.cluster.mark_ready(id, now);
        let name = self.cluster.pod(id).name.clone();
        self.journal.push(now, EntryKind::PodReady { name });
        if let Some(secs) = wait {
            d.schedule(
                now + SimDuration::from_secs(u64::from(secs)),
                Ev::PodAvailable(id),
            );
        }
        d.request_reconcile();
    }

    /// A Ready pod has been so for `minReadySeconds`.
    pub(super) fn pod_available(&mut self, d: &mut Driver, id: PodId) {
        if self.cluster.mark_available(id) {
            let name = self.cluster.pod(id).name.clone();
            self.journal.push(d.now(), EntryKind::PodAvailable { name });
            d.request_reconcile();
        }
    }

    /// A terminating pod is gone.
    pub(super) fn pod_gone(&mut self, d: &mut Driver, id: PodId) {
        if self.cluster.remove(id) {
            let name = self.cluster.pod(id).name.clone();
            self.journal.push(d.now(), EntryKind::PodDeleted { name });
            // A freed slot may let a Pending pod be scheduled.
            self.schedule_pending(d);
        }
    }

    /// The Kubernetes ReplicaSet controller: create or delete pods to match every spec.
    pub(super) fn sync_replica_sets(&mut self, d: &mut Driver) -> bool {
        // This runs after every change and before every reconcile, and mostly finds every
        // ReplicaSet with as many pods as it wants: one tight scan says so, and the loop that
        // creates and deletes pods (with its larger frame) is entered only when one does not.
        match self.cluster.replica_sets.iter().position(out_of_sync) {
            None => false,
            Some(first) => self.sync_replica_sets_from(d, first),
        }
    }

    /// `sync_replica_sets` from the first ReplicaSet whose pods do not match its spec.
    #[inline(never)]
    fn sync_replica_sets_from(&mut self, d: &mut Driver, first: usize) -> bool {
        let mut changed = false;
        // By index, without gathering the ids first: it creates and deletes pods, never
        // ReplicaSets.
        for i in first..self.cluster.replica_sets.len() {
            let rs = &self.cluster.replica_sets[i];
            // Most ReplicaSets have as many pods as they want: those are passed over here,
            // before the controller's diff is asked for (it would say `None`).
            if !out_of_sync(rs) {
                continue;
            }
            let (id, want, have) = (rs.id, rs.spec_replicas, rs.replicas);
            if want > have {
                for _ in 0..want - have {
                    self.create_pod(d, id);
                }
            } else {
                // The controller's diff (`replica_set_diff`) names the first `have - want` pods
                // of the deletion order; terminating one takes it out of that order and moves
                // no other, so the next victim is always the first: taken one at a time, with
                // no list of them gathered.
                #[cfg(debug_assertions)]
                let expected = self.cluster.replica_set_diff(id);
                #[cfg(debug_assertions)]
                let mut taken = Vec::new();
                for _ in want..have {
                    let Some(p) = self.cluster.first_to_delete(id) else {
                        break;
                    };
                    #[cfg(debug_assertions)]
                    taken.push(p);
                    self.terminate_pod(d, p);
                }
                #[cfg(debug_assertions)]
                debug_assert_eq!(expected, crate::cluster::ReplicaDiff::Delete(taken));
            }
            changed = true;
        }
        if changed {
            d.request_reconcile();
        }
        changed
    }

    fn create_pod(&mut self, d: &mut Driver, rs: crate::cluster::RsId) {
        let (rs_name, image) = {
            let r = self.cluster.rs(rs);
            (r.name.clone(), r.image.clone())
        };
        let rngs = d.rngs();
        let name = self.cluster.pod_name(&rs_name, || {
            // A letter index below 26 always fits a usize.
            usize::try_from(rngs.uniform_u64(Stream::Names, 0, 26)).unwrap_or(0)
        });
        let now = d.now();
        let id = self.cluster.add_pod(rs, name.clone(), image, now);
        self.pods_created += 1;
        self.journal.push(
            now,
            EntryKind::PodCreated {
                name,
                replica_set: rs_name,
            },
        );
        if self.cluster.pod(id).scheduled {
            self.start_pod(d, id);
        } else {
            self.try_schedule(d, id);
        }
    }

    /// How the pods of a ReplicaSet start and stop: the app model of its image (every pod of
    /// it runs that image), looked up once per ReplicaSet rather than by a glob match for
    /// every pod created and deleted.
    fn pod_timing(&mut self, rs: RsId) -> PodTiming {
        let i = rs.0 as usize;
        if let Some(Some(timing)) = self.pod_timings.get(i) {
            return *timing;
        }
        let app = app_for(&self.sc.apps, &self.cluster.rs(rs).image);
        let timing = PodTiming {
            startup: app.startup,
            terminate: app.terminate,
        };
        if self.pod_timings.len() <= i {
            self.pod_timings.resize(i + 1, None);
        }
        self.pod_timings[i] = Some(timing);
        timing
    }

    /// A pod was bound to a node: its containers start; it is Ready after the app's startup
    /// time (drawn from the seeded pod-timing stream), or never.
    fn start_pod(&mut self, d: &mut Driver, id: PodId) {
        let startup = match self.pod_timing(self.cluster.pod(id).rs).startup {
            Startup::Fixed(after) => Some(after),
            Startup::Range(lo, hi) => Some(SimDuration(d.rngs().uniform_u64(
                Stream::PodTiming,
                lo.as_millis(),
                hi.as_millis(),
            ))),
            Startup::Never => None,
        };
        if let Some(after) = startup {
            d.schedule(d.now() + after, Ev::PodReady(id));
        }
    }

    fn restart_pending(&self) -> bool {
        let spec = &self.rollout.spec;
        spec.restart_at.is_some() && spec.restart_time() != self.rollout.status.restarted_at
    }

    /// Evicts a pod through the Eviction API; a refusal is recorded. True when evicted.
    fn evict_pod(&mut self, d: &mut Driver, id: PodId, by: &str) -> bool {
        let scale = self.rollout.spec.replicas();
        let name = self.cluster.pod(id).name.clone();
        let now = d.now();
        match self.cluster.evict(id, &self.budgets, scale, now) {
            Ok(true) => {
                let terminate = self.pod_timing(self.cluster.pod(id).rs).terminate;
                self.journal.push(
                    now,
                    EntryKind::PodEvicted {
                        name,
                        by: by.into(),
                    },
                );
                d.schedule(now + terminate, Ev::PodGone(id));
                true
            }
            Ok(false) => false,
            Err(budget) => {
                self.journal.push(
                    now,
                    EntryKind::PodEvictionRefused {
                        name,
                        budget: budget.into(),
                    },
                );
                false
            }
        }
    }

    fn terminate_pod(&mut self, d: &mut Driver, id: PodId) {
        let now = d.now();
        if !self.cluster.terminate(id, now) {
            return;
        }
        let pod = self.cluster.pod(id);
        let (name, rs) = (pod.name.clone(), pod.rs);
        // A pod no node runs goes away at once; others take the app's termination time.
        let terminate = if pod.scheduled {
            self.pod_timing(rs).terminate
        } else {
            SimDuration::ZERO
        };
        self.journal.push(now, EntryKind::PodTerminating { name });
        d.schedule(now + terminate, Ev::PodGone(id));
    }

    /// One reconcile of the rollout; true when it wrote anything.
    pub(super) fn reconcile_once(&mut self, d: &mut Driver) -> bool {
        self.reconciles += 1;
        // No ReplicaSet or Service changed since the views were made (the last reconcile
        // wrote only the status, or nothing): they are kept as they are.
        let epoch = self.cluster.rs_epoch();
        if self.views_epoch == Some(epoch) {
            #[cfg(debug_assertions)]
            {
                let kept = self.views.rs.clone();
                self.refresh_views();
                debug_assert_eq!(kept, self.views.rs, "ReplicaSet views kept at an epoch");
                debug_assert_eq!(
                    self.views.services,
                    self.service_views(),
                    "Service views kept at an epoch"
                );
            }
        } else {
            self.refresh_views();
            self.views_epoch = Some(epoch);
        }
        self.refresh_verdict();
        let rs_views = &self.views.rs;
        let services = &self.views.services;
        // Pods are only read by the restarter; building their views costs O(pods). The views
        // below are made only when there is something to see: most reconciles lend empty
        // slices, and have no lists to drop.
        let pod_views;
        let (pods, budgets): (&[rollout::PodView], &[rollout::BudgetView]) =
            if self.restart_pending() {
                pod_views = self.pod_views();
                (&pod_views.0, &pod_views.1)
            } else {
                (&[], &[])
            };
        let run_views;
        let runs: &[rollout::RunView] = if self.runs.is_empty() {
            &[]
        } else {
            run_views = self.run_views();
            &run_views
        };
        let experiment_views;
        let experiments: &[rollout::ExperimentView] = if self.experiments.is_empty() {
            &[]
        } else {
            experiment_views = self.experiment_views();
            &experiment_views
        };
        let now = d.now();
        let spare = self.spare_plan.take().unwrap_or_default();
        let mut plan = rollout::reconcile_reusing(
            &rollout::Input {
                rollout: &self.rollout,
                replica_sets: rs_views,
                services,
                pods,
                budgets,
                analysis_runs: runs,
                experiments,
                routes: &self.routes,
                analysis_templates: &self.templates,
                validation: self.views.verdict.as_ref().map(|(_, problem)| problem),
                now,
            },
            spare,
            &mut self.spare_status,
            &self.kept,
        );
        for &at in &plan.requeue {
            if at > now {
                d.schedule_reconcile(at);
            }
        }
        plan.requeue.clear();
        if plan.is_noop() {
            // A refused eviction writes nothing (no new reconcile follows), but the attempt
            // belongs in the timeline: it is how a budget that blocks a restart shows.
            if !plan.refused_evictions.is_empty() {
                for (name, budget) in plan.refused_evictions.drain(..) {
                    self.journal
                        .push(now, EntryKind::PodEvictionRefused { name, budget });
                }
            }
            plan.events.clear();
            plan.completed_because = None;
            self.spare_plan = Some(plan);
            return false;
        }
        self.apply_plan(d, &mut plan);
        self.spare_plan = Some(plan);
        // The ReplicaSet controller reacts within milliseconds; nothing should observe a
        // ReplicaSet whose pods do not match its spec yet.
        self.sync_replica_sets(d);
        d.request_reconcile();
        true
    }

    /// The run's summary line: the rollout as it ends, with the verdict of the run.
    pub(super) fn summary(&self, obs: &Observation, verdict: Verdict) -> Summary {
        Summary {
            passed: verdict.passed,
            engine_failed: verdict.engine_failed,
            timed_out: verdict.timed_out,
            failures: verdict.failures,
            phase: obs.phase,
            message: obs.message.clone(),
            step: obs.step,
            steps: self.rollout.spec.canary().map_or(0, |c| c.step_count()),
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
        }
    }
}
