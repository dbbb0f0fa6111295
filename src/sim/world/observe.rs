//! What the simulated world looks like from outside: the controller's snapshot views
//! (ReplicaSets, Services), the `Observation` conditions are checked against (the values
//! `kubectl argo rollouts get rollout` shows), and the journal entries derived from them.

use smol_str::SmolStr;
use std::collections::BTreeMap;

use crate::api::StepText;
use crate::engine::{SimDuration, SimTime};
use crate::rollout::info::{self, ReplicaSetRoles, RoleSources, same_text};
use crate::rollout::status::{ConditionMessage, DegradedReason, degraded_by};
use crate::rollout::{BudgetView, Phase, PodView, RsView, ServiceView};
use crate::scenario::condition::{
    Expectation, Head, Observation, Reads, Replicas, RoleCounts, RouterWeights,
};

use super::World;
use crate::sim::journal::{EntryKind, RolloutSnapshot, StepKind};

/// The traffic split `WeightChanged` records (see `World::router_share`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RouterShare {
    canary: u32,
    stable: u32,
    experiment: u32,
    /// Without a router: the share of ReplicaSets that are neither canary nor stable (the
    /// previous stable kept by its scale-down delay) and still serve behind the Service.
    old: u32,
    max: u32,
    initial: bool,
}

impl RouterShare {
    fn weights(&self) -> (u32, u32, u32, u32, u32) {
        (
            self.canary,
            self.stable,
            self.experiment,
            self.old,
            self.max,
        )
    }
}

/// What the journal's bookkeeping after a change reads of the rollout: the phase and its
/// message, the weights `get` shows and the replica counts. Taken after every change of a
/// run, so it is gathered without walking the ReplicaSets' roles and without allocating
/// (the message is a `SmolStr`: copied inline or shared).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::sim) struct Glance {
    pub phase: Phase,
    pub message: SmolStr,
    pub set_weight: Option<u32>,
    pub actual_weight: Option<u32>,
    pub replicas: Replicas<u32>,
    /// No ReplicaSet is stable yet, or the current one is: the rollout has no canary.
    pub no_canary: bool,
    /// The pods the invariants count, gathered on the same walk as the canary's available
    /// pods (zero in a glance taken for a wait, which reads neither).
    pub pods: PodTotals,
}

/// Pods of the rollout's ReplicaSets that are available, and pods running in all (an
/// Experiment's included): what the invariants read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::sim) struct PodTotals {
    pub available: u32,
    pub running: u32,
}

/// What the last look at the rollout found unchanged, compared once and read twice: the
/// last status snapshot was recorded (or found equal) by that same look, so it holds the
/// phase, message and hashes `Watched` holds.
#[derive(Debug, Clone, Copy)]
struct Unmoved {
    /// Phase and message.
    phase: bool,
    /// `status.currentPodHash`.
    current_hash: bool,
    /// `status.stableRS`.
    stable_hash: bool,
}

/// The last values recorded in the journal, so that only changes are recorded.
#[derive(Debug, Default)]
pub(super) struct Watched {
    phase: Option<(Phase, SmolStr)>,
    step: Option<(SmolStr, Option<u32>)>,
    /// Whether that step index was set before any ReplicaSet was stable: the initial deploy,
    /// which Argo promotes at once without running a step.
    step_before_stable: bool,
    /// The step index a `promote` patch wrote since the journal last looked: the plugin's
    /// move, not the controller's, so the step it leaves was skipped, not completed.
    patched_step: Option<u32>,
    /// The split last recorded, the setWeight then, and whether there was no canary.
    weight: Option<(RouterShare, u32, bool)>,
    stable: SmolStr,
    abort: bool,
    /// The last split of the Ready pods without a router: the pods per part and the
    /// `maxTrafficWeight` apportioned, with the parts found. The pods per part mostly stay
    /// as they were from one change to the next, and apportioning them costs more than
    /// walking the ReplicaSets.
    split: std::cell::Cell<Option<ServedSplit>>,
}

/// Ready pods per part (stable, old, canary, experiment), the weight they were apportioned
/// over, and the parts of it each got.
type ServedSplit = ([u32; 4], u32, [u64; 4]);

/// The rollout controller's views of the ReplicaSets and Services, kept from one reconcile to
/// the next: the controller runs several times per event, and rebuilding them copied every
/// name and hash each time. The ReplicaSet views are refreshed in place (only their numbers
/// move, unless the set of ReplicaSets changed); the Service views only when a Service changed.
#[derive(Debug, Default)]
pub(super) struct ViewCache {
    rs_ids: Vec<crate::cluster::RsId>,
    pub rs: Vec<RsView>,
    pub services: BTreeMap<SmolStr, ServiceView>,
    services_fresh: bool,
    /// The rollout controller's validation verdict (`rollout::validation::validate`) and the
    /// generation it was decided for. It reads only the spec, the Services' names and the
    /// AnalysisTemplates, so it is decided again only when one of them changed, not on every
    /// reconcile.
    pub verdict: Option<(u64, Option<String>)>,
}

impl ViewCache {
    /// A Service was created or changed: its view is rebuilt before the next reconcile.
    pub(super) fn services_changed(&mut self) {
        self.services_fresh = false;
        self.verdict = None;
    }

    /// An AnalysisTemplate was applied: the spec's references are checked again.
    pub(super) fn templates_changed(&mut self) {
        self.verdict = None;
    }
}

impl World<'_> {
    /// Brings `self.views` up to date with the cluster, for the next reconcile.
    pub(super) fn refresh_views(&mut self) {
        // One walk: each ReplicaSet's numbers are copied into its view while the ids still
        // match; a set of ReplicaSets that changed is rebuilt whole (what was copied into the
        // old views is then dropped with them).
        let (mut matched, mut same_sets) = (0, true);
        for rs in self.cluster.rollout_replica_sets() {
            if self.views.rs_ids.get(matched) != Some(&rs.id) {
                same_sets = false;
                break;
            }
            copy_numbers(&mut self.views.rs[matched], rs);
            matched += 1;
        }
        if !(same_sets && matched == self.views.rs_ids.len()) {
            // Rebuilt in the lists kept, which have room for all but a new ReplicaSet.
            let views = &mut self.views;
            views.rs.clear();
            views.rs_ids.clear();
            // The controller lists the ReplicaSets it owns: an Experiment's are not among them.
            for rs in self.cluster.rollout_replica_sets() {
                views.rs.push(rs_view(rs));
                views.rs_ids.push(rs.id);
            }
        }
        if !self.views.services_fresh {
            self.views.services = self.service_views();
            self.views.services_fresh = true;
        }
    }

    /// The rollout's pods (live and terminating) and the budgets, for the pod restarter.
    pub(super) fn pod_views(&self) -> (Vec<PodView>, Vec<BudgetView>) {
        let scale = self.rollout.spec.replicas();
        let budgets = self
            .budgets
            .iter()
            .map(|b| BudgetView {
                name: b.name.as_str().into(),
                allowed: self.cluster.disruptions_allowed(b, scale),
            })
            .collect();
        let mut pods = Vec::new();
        for rs in self.cluster.rollout_replica_sets() {
            for id in &rs.pods {
                let p = self.cluster.pod(*id);
                if p.state == crate::cluster::PodState::Gone {
                    continue;
                }
                pods.push(PodView {
                    name: p.name.clone(),
                    rs_hash: rs.hash.clone(),
                    created: p.created,
                    available: p.available,
                    terminating: !p.is_live(),
                    budgets: self.cluster.budgets_of(*id, &self.budgets),
                });
            }
        }
        (pods, budgets)
    }

    pub(super) fn service_views(&self) -> BTreeMap<SmolStr, ServiceView> {
        self.cluster
            .services
            .iter()
            .map(|(name, s)| {
                (
                    SmolStr::from(name.as_str()),
                    ServiceView {
                        selector_hash: s.selector_hash.clone(),
                        managed: s.managed,
                    },
                )
            })
            .collect()
    }

    /// One walk over the live ReplicaSets after a change: the available pods of the canary
    /// ReplicaSet (the first with the current hash, unless that is the stable:
    /// `current_is_stable`) and the invariants' totals. Each used to walk them on its own.
    fn walk_replica_sets(&self, current_is_stable: bool) -> (u32, PodTotals) {
        let current = &self.rollout.status.current_pod_hash;
        let (mut canary, mut totals) = (None, PodTotals::default());
        for rs in self.cluster.live_replica_sets() {
            totals.running += rs.replicas;
            // An Experiment's pods serve no production traffic of the rollout.
            if rs.is_rollouts() {
                totals.available += rs.available;
            }
            if canary.is_none() && !current_is_stable && same_text(&rs.hash, current) {
                canary = Some(rs.available);
            }
        }
        (canary.unwrap_or(0), totals)
    }

    /// The traffic split as it really is, for `WeightChanged` and the weight chart: with a
    /// router, the weights it holds (`status.canary.weights`; `None` until it is first set);
    /// without one, each version's share of the Ready pods behind the Service, as the traffic
    /// model sends requests (`World::service_backends`), whether or not a step is current:
    /// the stable keeps its share until its pods go, and so does an old ReplicaSet kept by
    /// its scale-down delay after a promotion. `None` for blue-green. `no_canary`: no
    /// ReplicaSet is stable yet, or the current one is (found once by the caller).
    fn router_share(&self, no_canary: bool) -> Option<RouterShare> {
        let c = self.rollout.spec.canary()?;
        let st = &self.rollout.status;
        let max = c.max_weight();
        let initial = self.rollout.revision <= 1 && no_canary;
        if c.traffic_routing
            .as_ref()
            .is_some_and(|t| t.names_a_router())
        {
            let w = st.canary.weights.as_ref()?;
            // A negative weight (never written by the controller) counts as none.
            let clamp = |v: i32| u32::try_from(v).unwrap_or(0).min(max);
            return Some(RouterShare {
                canary: clamp(w.canary.weight),
                stable: clamp(w.stable.weight),
                experiment: clamp(w.additional.iter().map(|d| d.weight).sum()),
                old: 0,
                max,
                initial,
            });
        }
        // Ready pods per part, rounded to maxTrafficWeight units by the rule that splits the
        // requests (`traffic::apportion`), so the journal says what is served.
        let (mut stable, mut canary, mut experiment, mut old) = (0u32, 0u32, 0u32, 0u32);
        for rs in self.service_backends() {
            if !rs.is_rollouts() {
                experiment += rs.ready;
            } else if st.stable_rs.is_empty() || same_text(&rs.hash, &st.stable_rs) {
                // Before the first promotion every pod is the stable's to be.
                stable += rs.ready;
            } else if same_text(&rs.hash, &st.current_pod_hash) {
                canary += rs.ready;
            } else {
                old += rs.ready;
            }
        }
        let pods = [stable, old, canary, experiment];
        let parts = match self.last.split.get() {
            Some((p, m, parts)) if p == pods && m == max => parts,
            _ => {
                let parts = apportion_served(pods, max);
                self.last.split.set(Some((pods, max, parts)));
                parts
            }
        };
        let part = |i: usize| u32::try_from(parts[i]).unwrap_or(max);
        Some(RouterShare {
            canary: part(2),
            stable: part(0),
            experiment: part(3),
            old: part(1),
            max,
            initial,
        })
    }

    /// The hashes the blue-green active and preview Services select.
    pub(super) fn role_service_hashes(&self) -> (Option<&str>, Option<&str>) {
        let Some(bg) = self.rollout.spec.blue_green() else {
            return (None, None);
        };
        let selector = |svc: &str| {
            self.cluster
                .services
                .get(svc)
                .and_then(|s| s.selector_hash.as_deref())
        };
        (
            selector(&bg.active_service),
            bg.preview_service.as_deref().and_then(selector),
        )
    }

    /// What a ReplicaSet's roles are read from: the status's hashes and the Services'
    /// (`role_service_hashes`).
    fn role_sources<'a>(&'a self, services: (Option<&'a str>, Option<&'a str>)) -> RoleSources<'a> {
        let st = &self.rollout.status;
        RoleSources {
            stable: &st.stable_rs,
            current: &st.current_pod_hash,
            blue_green: self.rollout.spec.blue_green().is_some(),
            active: services.0,
            preview: services.1,
        }
    }

    /// The roles of a ReplicaSet, as `kubectl argo rollouts get rollout` tags it
    /// (`info::replica_set_roles`), given the hashes the blue-green Services select.
    pub(super) fn roles_of(
        &self,
        rs: &crate::cluster::ReplicaSet,
        services: &(Option<&str>, Option<&str>),
    ) -> ReplicaSetRoles {
        info::replica_set_roles(&rs.hash, &self.role_sources(*services))
    }

    /// The names of the roles a ReplicaSet has (`stable`, `canary`, `active`, `preview`).
    pub(super) fn role_names(
        &self,
        rs: &crate::cluster::ReplicaSet,
        services: &(Option<&str>, Option<&str>),
    ) -> impl Iterator<Item = &'static str> {
        self.roles_of(rs, services).names()
    }

    /// The ReplicaSets that have a role (none for a name that is not one: the scenario's
    /// loader refuses such a name, and nothing should stand in for it).
    pub(super) fn role_replica_sets(&self, role: &str) -> Vec<crate::cluster::RsId> {
        let index = match role {
            "stable" => 0,
            "canary" => 1,
            "active" => 2,
            "preview" => 3,
            _ => return Vec::new(),
        };
        let services = self.role_service_hashes();
        self.cluster
            .live_replica_sets()
            .filter(|rs| self.roles_of(rs, &services).flags()[index])
            .map(|rs| rs.id)
            .collect()
    }

    /// The rollout as `kubectl argo rollouts get rollout` would show it now.
    pub(in crate::sim) fn observe(&self, now: SimTime) -> Observation {
        let mut obs = Observation::default();
        self.observe_into(&mut obs, now, Reads::ALL);
        obs
    }

    /// The phase, message, weights and replica counts `get` shows now: what the journal
    /// compares after every change (see [`Glance`]).
    pub(in crate::sim) fn glance(&self) -> Glance {
        self.glance_reading(true, true)
    }

    /// Whether `c`'s phase, message and step keys hold now, read from the status alone (see
    /// [`Expectation::head_holds`]); when they do not, neither does `c`.
    pub(in crate::sim) fn head_holds(&self, c: &Expectation) -> bool {
        let (phase, message) = info::phase_str(&self.rollout);
        c.head_holds(Head {
            phase,
            message,
            step: self.rollout.status.current_step_index,
        })
    }

    /// `glance`, with the actual weight and the invariants' pods (a walk over the
    /// ReplicaSets) only when asked.
    fn glance_reading(&self, actual_weight: bool, pods: bool) -> Glance {
        let st = &self.rollout.status;
        let (phase, message) = info::phase(&self.rollout);
        let set_weight = info::set_weight(&self.rollout);
        // Compared once here: the canary's pods and the journal's weights both ask.
        let current_is_stable = same_text(&st.current_pod_hash, &st.stable_rs);
        let walk = pods || (actual_weight && set_weight.is_some());
        let (canary_available, totals) = if walk {
            self.walk_replica_sets(current_is_stable)
        } else {
            (0, PodTotals::default())
        };
        Glance {
            phase,
            message,
            set_weight,
            actual_weight: set_weight
                .filter(|_| actual_weight)
                .and_then(|s| info::actual_weight(&self.rollout, s, canary_available)),
            replicas: Replicas {
                desired: self.rollout.spec.replicas(),
                current: st.replicas,
                updated: st.updated_replicas,
                ready: st.ready_replicas,
                available: st.available_replicas,
            },
            no_canary: st.stable_rs.is_empty() || current_is_stable,
            pods: totals,
        }
    }

    /// The observation with only the parts in `reads` gathered (the others are left empty,
    /// zero or `None`): what a `wait` needs. Written over `obs`, field by field: a `wait` is
    /// checked after every change with the same observation, so its maps and strings are
    /// neither built nor dropped when it does not read them. Every field is named (no `..`): a field added to
    /// the observation cannot keep a stale value here.
    pub(in crate::sim) fn observe_into(&self, obs: &mut Observation, now: SimTime, reads: Reads) {
        let st = &self.rollout.status;
        let Observation {
            phase,
            message,
            step,
            set_weight,
            actual_weight,
            aborted,
            paused,
            revision,
            duration,
            images,
            replicas,
            pods,
            ready_pods,
            replica_sets_total,
            replica_sets_scaled_up,
            analysis,
            experiments,
            weights,
            routes,
            traffic,
            mirrored,
            elapsed,
        } = obs;
        let glance = self.glance_reading(reads.actual_weight, false);
        *phase = glance.phase;
        *message = glance.message;
        *set_weight = glance.set_weight;
        *actual_weight = glance.actual_weight;
        *replicas = glance.replicas;
        *step = st.current_step_index;
        *aborted = st.abort;
        *paused = self.rollout.spec.paused || !st.pause_conditions.is_empty();
        duration.clone_from(&st.duration);
        *weights = st.canary.weights.as_ref().map(|w| RouterWeights {
            canary: w.canary.weight,
            stable: w.stable.weight,
            experiment: w.additional.iter().map(|d| d.weight).sum(),
        });
        *elapsed = SimDuration(now.as_millis());
        for image in [
            &mut images.stable,
            &mut images.canary,
            &mut images.active,
            &mut images.preview,
        ] {
            if image.is_some() {
                *image = None;
            }
        }
        *pods = RoleCounts::default();
        *ready_pods = RoleCounts::default();
        let (mut total, mut scaled_up, mut newest) = (0, 0, 0);
        let services = self.role_service_hashes();
        // Gathered once for the walk, not once per ReplicaSet (`roles_of`).
        let sources = self.role_sources(services);
        let walk = reads.replica_sets || reads.roles || reads.images;
        let with_roles = reads.roles || reads.images;
        for rs in self.cluster.live_replica_sets().filter(|_| walk) {
            pods.total += rs.replicas;
            ready_pods.total += rs.ready;
            if !rs.is_rollouts() {
                // An Experiment's ReplicaSet: counted in `total` and `experiment` only.
                pods.experiment += rs.replicas;
                ready_pods.experiment += rs.ready;
                continue;
            }
            total += 1;
            if rs.spec_replicas > 0 {
                scaled_up += 1;
            }
            newest = newest.max(rs.revision);
            if !with_roles {
                continue;
            }
            let roles = info::replica_set_roles(&rs.hash, &sources);
            debug_assert_eq!(roles, self.roles_of(rs, &services));
            let slots = [
                (
                    &mut images.stable,
                    &mut pods.roles.stable,
                    &mut ready_pods.roles.stable,
                ),
                (
                    &mut images.canary,
                    &mut pods.roles.canary,
                    &mut ready_pods.roles.canary,
                ),
                (
                    &mut images.active,
                    &mut pods.roles.active,
                    &mut ready_pods.roles.active,
                ),
                (
                    &mut images.preview,
                    &mut pods.roles.preview,
                    &mut ready_pods.roles.preview,
                ),
            ];
            for ((img, p, r), has) in slots.into_iter().zip(roles.flags()) {
                if has {
                    if reads.images {
                        *img = Some(rs.image.clone());
                    }
                    *p += rs.replicas;
                    *r += rs.ready;
                }
            }
        }
        *revision = newest;
        *replica_sets_total = total;
        *replica_sets_scaled_up = scaled_up;
        // The parts not read are emptied, not rebuilt: most conditions read none of them.
        if reads.analysis {
            *analysis = self.analysis_phases();
        } else if !analysis.is_empty() {
            analysis.clear();
        }
        if reads.experiments {
            *experiments = self.experiment_phases();
        } else if !experiments.is_empty() {
            experiments.clear();
        }
        if reads.routes {
            *routes = self.routes.iter().map(|r| r.name.to_string()).collect();
        } else {
            routes.clear();
        }
        if reads.traffic {
            *traffic = self.traffic_by_role();
        } else if !traffic.is_empty() {
            traffic.clear();
        }
        if reads.mirrored {
            *mirrored = self.mirrored_by_role();
        } else if !mirrored.is_empty() {
            mirrored.clear();
        }
    }

    /// A plugin patch wrote `status.currentStepIndex` (`promote` skipping a step): the next
    /// look at the rollout tells that move from one the controller makes.
    pub(super) fn note_patched_step(&mut self, index: u32) {
        self.last.patched_step = Some(index);
    }

    /// Records phase, step, weight, promotion and abort changes in the journal; notes when the
    /// rollout is first Healthy (the application goes live).
    pub(in crate::sim) fn journal_observed_changes(&mut self, now: SimTime, obs: &Glance) {
        // Only the look right after the patch may credit a move to it.
        let patched_step = self.last.patched_step.take();
        if obs.phase == Phase::Healthy {
            self.became_healthy = true;
        }
        // Compared before anything is copied: most changes leave phase, step and status as
        // they were, and this runs after every change.
        let same_phase = self
            .last
            .phase
            .as_ref()
            .is_some_and(|(p, m)| *p == obs.phase && same_text(m, &obs.message));
        if !same_phase {
            let phase = (obs.phase, obs.message.clone());
            let from = self.last.phase.as_ref().map_or(Phase::Progressing, |p| p.0);
            self.journal.push(
                now,
                EntryKind::PhaseChanged {
                    from,
                    to: phase.0,
                    message: phase.1.clone(),
                    degraded: self.degraded(obs),
                },
            );
            self.last.phase = Some(phase);
        }
        let st = &self.rollout.status;
        let same_hash = self
            .last
            .step
            .as_ref()
            .is_some_and(|(h, _)| same_text(h, &st.current_pod_hash));
        let same_step = same_hash
            && self
                .last
                .step
                .as_ref()
                .is_some_and(|(_, i)| *i == st.current_step_index);
        if !same_step {
            let step = (st.current_pod_hash.clone(), st.current_step_index);
            // Borrowed, not copied: the journal is a different field of the simulation.
            let steps: &[crate::api::Step] = self.rollout.spec.canary().map_or(&[], |c| &c.steps);
            // The step's words as data: written only if an output shows the entry.
            let describe = |i: u32| {
                steps
                    .get(i as usize)
                    .map_or(StepText::Missing, StepText::label_of)
            };
            if let (Some((hash, Some(old))), Some(new)) = (&self.last.step, step.1)
                && same_text(hash, &step.0)
                && new == old + 1
                // `promoteStable` moves the index of an initial deploy past its steps in one
                // write (rollout/sync.go): a one-step canary's index goes 0 -> 1 with no
                // step run, so nothing completed.
                && !self.last.step_before_stable
            {
                let (index, step) = (*old, describe(*old));
                if patched_step == Some(new) {
                    // Written into an aborted rollout, the index skips nothing: the
                    // controller sets it back to 0 (`syncRolloutStatusCanary`), and the
                    // plugin's note says so.
                    if !st.abort {
                        self.journal
                            .push(now, EntryKind::StepSkipped { index, step });
                    }
                } else if !st.promote_full {
                    // `promoteFull` jumps the index to the end, whatever step it was at: from
                    // the last step that looks like one more step, but nothing completed it.
                    self.journal
                        .push(now, EntryKind::StepCompleted { index, step });
                }
            }
            // The index also moves when nothing starts: set to 0 before the first deploy is
            // promoted at once, and reset to 0 by an abort.
            let update = !st.stable_rs.is_empty() && !st.abort;
            if let Some(i) = step.1
                && (i as usize) < steps.len()
                && update
            {
                self.journal.push(
                    now,
                    EntryKind::StepStarted {
                        index: i,
                        step: describe(i),
                        kind: StepKind::of(&steps[i as usize]),
                    },
                );
            }
            self.last.step = Some(step);
            self.last.step_before_stable = st.stable_rs.is_empty();
        }
        // Weights are a canary notion; a blue-green rollout switches Services instead.
        let no_canary = obs.no_canary;
        if let Some(share) = self.router_share(no_canary) {
            // Without a canary (the initial deploy, an update not started yet, a promoted
            // one) the setWeight moving says nothing about traffic: only the weights count.
            let changed = match self.last.weight {
                None => true,
                Some((last, set, had_no_canary)) => {
                    last.weights() != share.weights()
                        || (!no_canary && (had_no_canary || Some(set) != obs.set_weight))
                }
            };
            if changed {
                self.journal.push(
                    now,
                    EntryKind::WeightChanged {
                        canary: share.canary,
                        stable: share.stable,
                        // A router share exists for a canary only, which always has one.
                        set_weight: obs.set_weight.unwrap_or_default(),
                        experiment: share.experiment,
                        old: share.old,
                        max_weight: share.max,
                        initial: share.initial,
                    },
                );
                self.last.weight = Some((share, obs.set_weight.unwrap_or_default(), no_canary));
            }
        }
        let st = &self.rollout.status;
        let same_stable = same_text(&st.stable_rs, &self.last.stable);
        if !same_stable {
            if !st.stable_rs.is_empty() {
                let reason = self.completed_because.clone();
                let replica_set = self.replica_set_name(&st.stable_rs);
                self.journal.push(
                    now,
                    EntryKind::Promoted {
                        revision: self.rollout.revision,
                        replica_set,
                        reason,
                    },
                );
            }
            self.last.stable = st.stable_rs.clone();
        }
        // An abort is recorded once the controller has acted on it (user or automatic).
        let aborted = st
            .condition(crate::rollout::status::RolloutConditionType::Progressing)
            .filter(|c| c.reason == crate::rollout::status::reason::ABORTED)
            .map(|c| &c.message);
        if let Some(message) = aborted
            && !self.last.abort
        {
            self.journal.push(
                now,
                EntryKind::Aborted {
                    revision: self.rollout.revision,
                    message: shared_message(message),
                },
            );
        }
        self.last.abort = aborted.is_some();

        let unmoved = Unmoved {
            phase: same_phase,
            current_hash: same_hash,
            stable_hash: same_stable,
        };
        if !self.snapshot_unchanged(obs, unmoved) {
            let snapshot = self.snapshot(obs);
            self.journal.push_status(now, snapshot);
        }
    }

    /// `<rollout>-<hash>`, the name of the rollout's ReplicaSet with pod-template hash `hash`:
    /// the live ReplicaSet's own name when it has that name, shared rather than written again
    /// (a rollout's ReplicaSet names are mostly longer than a `SmolStr` holds inline, so
    /// writing one is two allocations); written when none has.
    fn replica_set_name(&self, hash: &str) -> SmolStr {
        let rollout = self.rollout.name.as_str();
        let named = |name: &str| {
            name.len() == rollout.len() + 1 + hash.len()
                && name.starts_with(rollout)
                && name.as_bytes()[rollout.len()] == b'-'
                && name.ends_with(hash)
        };
        let found = self
            .cluster
            .live_replica_sets()
            .find(|rs| same_text(&rs.hash, hash) && named(&rs.name))
            .map(|rs| rs.name.clone());
        let name = found.unwrap_or_else(|| smol_str::format_smolstr!("{rollout}-{hash}"));
        debug_assert_eq!(name, format!("{rollout}-{hash}"));
        name
    }

    /// Whether `snapshot(obs)` would equal the last one recorded, read in place: building it
    /// copies six strings, and after most changes it is the same. What `unmoved` says is
    /// not compared again.
    fn snapshot_unchanged(&self, obs: &Glance, unmoved: Unmoved) -> bool {
        // Only this bookkeeping records snapshots: the journal's last is the last it recorded.
        let Some(last) = self.journal.last_snapshot() else {
            return false;
        };
        let st = &self.rollout.status;
        let (active, preview) = self.role_service_hashes();
        unmoved.phase
            && last.step == st.current_step_index
            && last.steps == self.rollout.spec.canary().map_or(0, |c| c.step_count())
            && last.set_weight == obs.set_weight
            && last.actual_weight == obs.actual_weight
            && last.desired == obs.replicas.desired
            && last.current == obs.replicas.current
            && last.updated == obs.replicas.updated
            && last.ready == obs.replicas.ready
            && last.available == obs.replicas.available
            && unmoved.stable_hash
            && unmoved.current_hash
            && last.active_hash == active.unwrap_or_default()
            && last.preview_hash == preview.unwrap_or_default()
            && last.blue_green == self.rollout.spec.blue_green().is_some()
            && last.duration == st.duration
            && last.degraded == self.degraded(obs)
            && last.auto_promote_at == self.auto_promote_at()
            && last.promoted_by_scenario_at == self.scenario_promotion_at()
            && last.pause_ends_at == self.pause_ends_at()
    }

    /// Why the observed phase is Degraded, if it is: the condition the controller's phase
    /// came from (`None` in any other phase).
    fn degraded(&self, obs: &Glance) -> Option<DegradedReason> {
        if obs.phase != Phase::Degraded {
            return None;
        }
        degraded_by(&self.rollout.status).map(|(why, _)| why)
    }

    /// The rollout as the `get` header shows it.
    fn snapshot(&self, obs: &Glance) -> RolloutSnapshot {
        let st = &self.rollout.status;
        let (active, preview) = self.role_service_hashes();
        RolloutSnapshot {
            phase: obs.phase,
            message: obs.message.clone(),
            step: st.current_step_index,
            steps: self.rollout.spec.canary().map_or(0, |c| c.step_count()),
            set_weight: obs.set_weight,
            actual_weight: obs.actual_weight,
            desired: obs.replicas.desired,
            current: obs.replicas.current,
            updated: obs.replicas.updated,
            ready: obs.replicas.ready,
            available: obs.replicas.available,
            stable_hash: st.stable_rs.clone(),
            current_hash: st.current_pod_hash.clone(),
            active_hash: active.map(SmolStr::new).unwrap_or_default(),
            preview_hash: preview.map(SmolStr::new).unwrap_or_default(),
            blue_green: self.rollout.spec.blue_green().is_some(),
            duration: st.duration,
            degraded: self.degraded(obs),
            auto_promote_at: self.auto_promote_at(),
            promoted_by_scenario_at: self.scenario_promotion_at(),
            pause_ends_at: self.pause_ends_at(),
        }
    }
}

impl World<'_> {
    /// When the blue-green pause the rollout is in ends by itself, if it does (see
    /// `RolloutSnapshot::auto_promote_at`): `autoPromotionSeconds` after the pause started,
    /// as `completedBlueGreenPause` counts, and only with auto-promotion enabled.
    fn auto_promote_at(&self) -> Option<SimTime> {
        let bg = self.rollout.spec.blue_green()?;
        let pause = self
            .rollout
            .status
            .pause_condition(crate::rollout::status::PauseReason::BlueGreenPause)?;
        (bg.auto_promotion_enabled && bg.auto_promotion_seconds > 0).then(|| {
            pause.start_time + SimDuration::from_secs(u64::from(bg.auto_promotion_seconds))
        })
    }
}

impl World<'_> {
    /// When the timed canary pause the rollout is in ends (see `RolloutSnapshot::pause_ends_at`):
    /// the controller's own rule, the condition's whole-second start plus the duration.
    fn pause_ends_at(&self) -> Option<SimTime> {
        let st = &self.rollout.status;
        let pause = st.pause_condition(crate::rollout::status::PauseReason::CanaryPauseStep)?;
        let index = usize::try_from(st.current_step_index?).ok()?;
        let step = self.rollout.spec.canary()?.steps.get(index)?;
        let duration = step.pause.as_ref()?.duration.as_ref()?;
        Some(pause.start_time + SimDuration::from_secs(duration.seconds))
    }
}

/// A condition's message as a `SmolStr`: a formatted one (an abort's names the revision, and
/// is longer than a `SmolStr` holds inline) is shared, not copied into a new allocation.
fn shared_message(message: &ConditionMessage) -> SmolStr {
    let shared = match message {
        ConditionMessage::Static(text) => SmolStr::new_static(text),
        ConditionMessage::Shared(text) => SmolStr::from(std::sync::Arc::clone(text)),
    };
    debug_assert_eq!(shared, **message);
    shared
}

/// `pods` (Ready pods per part) rounded to `max` units by the rule that splits the requests
/// (`traffic::apportion`); with no Ready pod behind the Service nothing is served, and the
/// stable (the first part) is named.
fn apportion_served(pods: [u32; 4], max: u32) -> [u64; 4] {
    let total: f64 = pods.iter().map(|&n| f64::from(n)).sum();
    // Four parts, in arrays: this runs after every change.
    let mut parts = [u64::from(max), 0, 0, 0];
    if total > 0.0 {
        let quotas = pods.map(|n| f64::from(n) * f64::from(max) / total);
        crate::traffic::apportion_into(u64::from(max), &quotas, &mut parts);
    }
    parts
}

/// The rollout controller's view of a ReplicaSet.
fn rs_view(rs: &crate::cluster::ReplicaSet) -> RsView {
    let mut view = RsView {
        name: rs.name.clone(),
        hash: rs.hash.clone(),
        revision: 0,
        spec: 0,
        status_replicas: 0,
        ready: 0,
        available: 0,
        created: rs.created,
        desired_annotation: None,
        scale_down_deadline: None,
    };
    copy_numbers(&mut view, rs);
    view
}

/// Writes into a ReplicaSet's view everything but its name and hash: the numbers that move
/// between reconciles. Each field is named (no `..`), so a field added to the view cannot be
/// left stale here.
fn copy_numbers(view: &mut RsView, rs: &crate::cluster::ReplicaSet) {
    // The controller's int32 counts; replicas are capped at 1,000,000 by the manifest, so the
    // saturation never shows.
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let RsView {
        name: _,
        hash: _,
        revision,
        spec,
        status_replicas,
        ready,
        available,
        created,
        desired_annotation,
        scale_down_deadline,
    } = view;
    *revision = rs.revision;
    *spec = count(rs.spec_replicas);
    *status_replicas = count(rs.replicas);
    *ready = count(rs.ready);
    *available = count(rs.available);
    *created = rs.created;
    *desired_annotation = rs.desired_annotation;
    *scale_down_deadline = rs.scale_down_deadline;
}
