//! One reconcile of a Rollout (upstream `rollout/controller.go:syncHandler` and
//! `rollout/context.go:reconcile`), as an ordered list of named sub-steps. Each returns early
//! the way upstream does, so one reconcile makes about one visible change; the simulation runs
//! reconciles at the same instant until one changes nothing.

use smallvec::SmallVec;
use smol_str::SmolStr;
use std::cell::Cell;
use std::collections::BTreeMap;

use std::sync::LazyLock;

use crate::api::{BlueGreen, Canary, RolloutSpec, Strategy};
use crate::engine::SimTime;

use super::analysis::RunPhases;
use super::context::{
    BudgetView, ExperimentView, Input, Plan, PodView, RolloutObject, RouteView, RsView, RunView,
    ServiceView, Write,
};
use super::event::{EventMessage, ServiceSwitch};
use super::info::same_text;
use super::pause::PauseCtx;
use super::replica_arithmetic::{
    BasicTargets, CanaryInputs, OtherCounts, RsCounts, StatusInputs, Weights,
};
use super::status::{
    CondStatus, ConditionMessage, RolloutConditionType, RolloutStatus, calculate_phase, reason,
    same_reason,
};

/// How soon the controller looks again at a rollout whose spec is invalid.
const INVALID_SPEC_REQUEUE: crate::engine::SimDuration = crate::engine::SimDuration(20_000);

/// Runs one reconcile and returns what it writes.
pub fn reconcile(input: &Input) -> Plan {
    reconcile_reusing(input, Plan::default(), &mut None, &Kept::default())
}

/// What a reconcile keeps for the next reconcile of the same rollout: values that change a
/// few times per update, not with every reconcile, each with the key it was computed for
/// (and computed again when the key differs). What is kept never shows in a plan: a fresh
/// `Kept` gives the same plans, only computed in full.
#[derive(Debug, Default)]
pub struct Kept {
    /// The basic canary's fenceposts and split ([`BasicTargets`]), read by every reconcile
    /// that scales, and the spec, step, abort and promotion they were computed for.
    targets: Cell<Option<(TargetsKey, BasicTargets)>>,
    /// Whether the strategy runs any analysis (`Ctx::analysis_configured`, which every
    /// reconcile asks), and the spec it was read from.
    pub(super) analysis: Cell<Option<(SpecKey, bool)>>,
}

/// A spec, as a key of what is kept: the Rollout object's address (the caller keeps one
/// [`Kept`] per rollout, but a key of another object, a test reusing one, must not match)
/// and its `metadata.generation` (every spec change is a new one).
pub(super) type SpecKey = (usize, u64);

/// All that [`CanaryInputs::basic_targets`] reads: the spec (by its generation, and the
/// object it belongs to) and the status fields the weight follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TargetsKey {
    /// The spec the fenceposts and the steps' weights are read from.
    spec: SpecKey,
    /// `status.currentStepIndex`: the step whose weight applies.
    step_index: Option<u32>,
    /// `status.abort`: an aborted canary aims at weight 0.
    abort: bool,
    /// `fully_targeted`: a full promotion, no stable yet, or the stable is the current.
    fully_targeted: bool,
}

/// [`reconcile`], filling `plan` and writing the new status into `spare`: an empty plan whose
/// lists keep the room an earlier, applied plan grew, and a status the caller no longer needs
/// (the one the last write replaced), so a reconcile allocates neither lists nor a status of
/// its own. What `spare` held does not show in the plan: every field is written. A reconcile
/// that writes no status leaves its box in `spare`, for the next one.
///
/// `kept` is what the reconciles of this rollout keep between them ([`Kept`]).
pub fn reconcile_reusing(
    input: &Input,
    plan: Plan,
    spare: &mut Option<Box<RolloutStatus>>,
    kept: &Kept,
) -> Plan {
    debug_assert!(plan == Plan::default(), "a plan handed back must be empty");
    let mut c = Ctx::new(input, plan, kept, spare.take());
    sub_steps(&mut c);
    *spare = c.new_status.unused();
    c.plan
}

/// The sub-steps of [`reconcile_reusing`], in order; each may end the reconcile.
fn sub_steps(c: &mut Ctx) {
    c.follow_previous_runs();
    if c.invalid_spec() {
        return;
    }
    if c.new_rs.is_none() {
        c.create_new_replica_set();
        return;
    }
    c.sync_revision();
    // An abort of a rollout with no update in progress has nothing to abort: it is cleared
    // at once and the rollout stays as it was (upstream `newRolloutContext`). Keeping it would
    // send a healthy rollout "back" to the ReplicaSet it already runs.
    if c.fully_promoted() && c.pause.is_aborted() {
        c.pause.remove_abort();
    }
    if c.check_paused_conditions() {
        return;
    }
    // The sub-steps above write only a copy of the previous status, and only when they end
    // the reconcile: the new status starts here, in the box they did not use.
    c.new_status.start(c.prev);
    match (c.blue_green.is_some(), c.is_scaling_event()) {
        (false, true) => c.sync_replicas_only(),
        (false, false) => c.rollout_canary(),
        (true, true) => c.sync_replicas_only_blue_green(),
        (true, false) => c.rollout_blue_green(),
    }
    c.coalesce_service_switches();
}

/// What the shared sub-steps see as "the canary" of a blue-green rollout: no steps, no
/// router. Upstream's shared code likewise finds no current step for a blue-green rollout.
static NO_CANARY: LazyLock<Canary> = LazyLock::new(Canary::default);

/// Canary and stable counts, and the router weights they were computed for.
type CountsFor = (Option<Weights>, (i32, i32));

/// The state of one reconcile: the snapshot it reads, the status it builds, the plan it fills.
pub(super) struct Ctx<'a> {
    pub ro: &'a RolloutObject,
    pub spec: &'a RolloutSpec,
    /// The canary strategy (an empty one for a blue-green rollout).
    pub canary: &'a Canary,
    pub blue_green: Option<&'a BlueGreen>,
    /// The snapshot: what the sub-steps read of it beyond the fields here, they read through
    /// it (the accessors below), rather than each reconcile copying every part into the
    /// context.
    input: &'a Input<'a>,
    pub prev: &'a RolloutStatus,
    pub now: SimTime,
    pub all: &'a [RsView],
    pub new_rs: Option<&'a RsView>,
    pub stable_rs: Option<&'a RsView>,
    /// Neither new nor stable. Inline: a rollout rarely keeps more than a few older
    /// ReplicaSets, and this is built on every reconcile.
    pub others: SmallVec<[&'a RsView; 4]>,
    /// The totals of `others`.
    other_counts: OtherCounts,
    /// `MaxRevision` over every ReplicaSet but the new one (0 when there is none).
    max_old_revision: u64,
    /// The current step and its index, as the status read at the start names them (see
    /// [`Ctx::current_step`]).
    pub(super) current_step: (Option<&'a crate::api::Step>, Option<u32>),
    /// Hash of the current pod template.
    pub new_hash: &'a str,
    /// `c.newStatus`: fields set by sub-steps before the status is computed, in the box
    /// [`reconcile_reusing`] was handed (or a new one).
    pub new_status: super::sync::NewStatus,
    pub pause: PauseCtx,
    pub plan: Plan,
    /// The phases of the runs followed after `reconcile_analysis_runs` (`c.currentArs`);
    /// before it, of the ones the previous status named.
    pub run_phases: RunPhases,
    /// The rollout's revision annotation, as synced in this reconcile.
    pub revision: u64,
    /// `IsFullyPromoted` on the status read at the start: asked by several sub-steps, and
    /// a comparison of two hashes each time.
    fully_promoted: bool,
    /// The counts [`Ctx::desired_counts`] last computed, with the weights they were for.
    desired_counts: Cell<Option<CountsFor>>,
    /// The status read at the start names other steps than the spec's (its
    /// `currentStepHash` differs).
    pub(super) steps_changed: bool,
    /// See [`Ctx::template_or_steps_changed`].
    template_or_steps_changed: bool,
    /// See [`Ctx::inputs`].
    inputs: CanaryInputs<'a>,
    /// What the reconciles of this rollout keep between them.
    pub(super) kept: &'a Kept,
}

impl<'a> Ctx<'a> {
    fn new(
        input: &'a Input<'a>,
        plan: Plan,
        kept: &'a Kept,
        spare: Option<Box<RolloutStatus>>,
    ) -> Self {
        let ro = input.rollout;
        let spec = &ro.spec;
        // The strategy, told apart once.
        let (canary, blue_green) = match &spec.strategy {
            Strategy::Canary(c) => (c, None),
            Strategy::BlueGreen(b) => (&*NO_CANARY, Some(b)),
        };
        let prev = &ro.status;
        let new_hash = ro.template_hash.as_str();
        let all = input.replica_sets;
        // The new and stable ReplicaSets (the first of each hash), the others, and what the
        // sub-steps read of them, found in one pass: every later sub-step tells the roles
        // apart by address, not by comparing hashes again, and reads the counts kept here.
        let stable_hash = prev.stable_rs.as_str();
        let (mut new_rs, mut stable_rs) = (None, None);
        let mut others = SmallVec::new();
        let mut other_counts = OtherCounts::default();
        let mut max_old_revision = 0;
        for rs in all {
            let hash = rs.hash.as_str();
            let is_new = new_rs.is_none() && same_text(hash, new_hash);
            if is_new {
                new_rs = Some(rs);
            } else {
                max_old_revision = max_old_revision.max(rs.revision);
            }
            let is_stable =
                stable_rs.is_none() && !stable_hash.is_empty() && same_text(hash, stable_hash);
            if is_stable {
                stable_rs = Some(rs);
            }
            if !is_new && !is_stable {
                others.push(rs);
                other_counts.spec += rs.spec;
                other_counts.available += rs.available;
            }
        }
        // `PodTemplateOrStepsChanged`: the status still describes another template or other
        // steps. Read from the snapshot, so decided once.
        let current_pod_hash = prev.current_pod_hash.as_str();
        let steps_changed = !same_text(&prev.current_step_hash, &canary.steps_hash);
        let template_or_steps_changed = steps_changed
            || (!current_pod_hash.is_empty() && !same_text(current_pod_hash, new_hash));
        // Decided before the context is written: a call among its fields made the compiler
        // build the whole context aside and copy it in (two copies of ~2 KB per reconcile).
        let fully_promoted = same_text(stable_hash, current_pod_hash);
        let inputs = Self::canary_inputs(spec, canary, prev, (stable_hash, current_pod_hash));
        let current_step = Self::step_at(canary, prev);
        Ctx {
            ro,
            spec,
            canary,
            blue_green,
            input,
            prev,
            now: input.now,
            all,
            new_rs,
            stable_rs,
            others,
            other_counts,
            max_old_revision,
            current_step,
            new_hash,
            // The box `reconcile_reusing` was handed, started once the sub-steps that end
            // the reconcile early let it go on.
            new_status: super::sync::NewStatus::new(spare),
            pause: PauseCtx::new(prev),
            plan,
            run_phases: RunPhases::default(),
            revision: ro.revision,
            fully_promoted,
            desired_counts: Cell::new(None),
            steps_changed,
            template_or_steps_changed,
            inputs,
            kept,
        }
    }

    /// The rollout's pods, supplied only while a restart is pending.
    pub(super) fn pods(&self) -> &'a [PodView] {
        self.input.pods
    }

    /// Disruptions each PodDisruptionBudget allows now.
    pub(super) fn budgets(&self) -> &'a [BudgetView] {
        self.input.budgets
    }

    /// The Services the rollout references, by name.
    pub(super) fn services(&self) -> &'a BTreeMap<SmolStr, ServiceView> {
        self.input.services
    }

    /// The AnalysisRuns the rollout owns.
    pub(super) fn runs(&self) -> &'a [RunView] {
        self.input.analysis_runs
    }

    /// The Experiments the rollout owns.
    pub(super) fn experiments(&self) -> &'a [ExperimentView] {
        self.input.experiments
    }

    /// The managed routes the traffic router holds.
    pub(super) fn routes(&self) -> &'a [RouteView] {
        self.input.routes
    }

    /// `spec.replicas` as the arithmetic's Go `int32` (converted once, in [`Ctx::inputs`]).
    pub(super) fn replicas(&self) -> i32 {
        self.inputs.replicas
    }

    /// The arithmetic's view of this rollout, as of the start of the reconcile.
    pub(super) fn inputs(&self) -> &CanaryInputs<'a> {
        &self.inputs
    }

    /// [`Ctx::inputs`], built once: it reads only the spec and the status read at the start.
    /// The last argument is the status's `stableRS` and `currentPodHash`, as texts
    /// [`Ctx::new`] has already read out of their `SmolStr`s.
    fn canary_inputs(
        spec: &'a RolloutSpec,
        canary: &'a Canary,
        prev: &'a RolloutStatus,
        (stable_rs, current_pod_hash): (&'a str, &'a str),
    ) -> CanaryInputs<'a> {
        debug_assert!(stable_rs == prev.stable_rs && current_pod_hash == prev.current_pod_hash);
        let c = canary;
        CanaryInputs {
            // Counts are capped by the manifest's validation, below i32::MAX.
            replicas: i32::try_from(spec.replicas()).unwrap_or(i32::MAX),
            max_surge: c.max_surge.as_ref(),
            max_unavailable: c.max_unavailable.as_ref(),
            steps: &c.steps,
            traffic_routed: c.traffic_routing.is_some(),
            // maxTrafficWeight is capped at 1,000,000,000 by the manifest, below i32::MAX.
            max_weight: i32::try_from(c.max_weight()).unwrap_or(i32::MAX),
            dynamic_stable_scale: c.dynamic_stable_scale,
            min_pods_per_replica_set: c
                .min_pods_per_replica_set
                .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
            abort_delay: c.abort_scale_down_delay,
            progress_threshold: c.replica_progress_threshold,
            status: StatusInputs {
                stable_rs,
                current_pod_hash,
                // A step index is at most the number of steps, far below i32::MAX.
                current_step_index: prev
                    .current_step_index
                    .map(|i| i32::try_from(i).unwrap_or(i32::MAX)),
                abort: prev.abort,
                promote_full: prev.promote_full,
            },
        }
    }

    pub(super) fn counts(rs: &RsView) -> RsCounts<'_> {
        RsCounts {
            name: &rs.name,
            hash: &rs.hash,
            spec: rs.spec,
            available: rs.available,
            status_replicas: rs.status_replicas,
        }
    }

    pub(super) fn new_counts(&self) -> Option<RsCounts<'a>> {
        self.new_rs.map(Self::counts)
    }

    pub(super) fn stable_counts(&self) -> Option<RsCounts<'a>> {
        self.stable_rs.map(Self::counts)
    }

    /// The totals of the ReplicaSets that are neither new nor stable (summed with the roles).
    pub(super) fn other_counts(&self) -> OtherCounts {
        self.other_counts
    }

    /// The canary and stable counts of this reconcile (`CalculateReplicaCountsForCanary`)
    /// for the router weights given (read only with a router). They depend on nothing else
    /// that changes during the reconcile, and the stable pass, the new pass and the step's
    /// completion all ask: computed once per reconcile and set of weights (the cache is read
    /// where it is asked, without a call).
    #[inline(always)]
    pub(super) fn desired_counts(&self, weights: Option<Weights>) -> (i32, i32) {
        let weights = weights.filter(|_| self.routed());
        if let Some((w, counts)) = self.desired_counts.get()
            && w == weights
        {
            return counts;
        }
        self.compute_desired_counts(weights)
    }

    /// [`Ctx::desired_counts`] computed, and kept for the next ask.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn compute_desired_counts(&self, weights: Option<Weights>) -> (i32, i32) {
        let counts = if self.routed() {
            self.inputs().counts(
                self.new_counts().as_ref(),
                self.stable_counts().as_ref(),
                self.other_counts(),
                weights,
            )
        } else {
            // Given whether the stable is another ReplicaSet than the new one (told apart by
            // address), the arithmetic reads no name.
            let scale_stable = self.stable_rs.is_some_and(|s| !is(self.new_rs, s));
            self.inputs().basic_counts_toward(
                self.basic_targets(),
                self.new_rs.map(Self::sizes).as_ref(),
                self.stable_rs.map(Self::sizes).as_ref(),
                scale_stable,
                self.other_counts(),
            )
        };
        debug_assert_eq!(
            counts,
            self.inputs().counts(
                self.new_counts().as_ref(),
                self.stable_counts().as_ref(),
                self.other_counts(),
                weights,
            ),
            "the kept targets or the sizes give other counts than the full computation"
        );
        self.desired_counts.set(Some((weights, counts)));
        counts
    }

    /// The key of this reconcile's spec among what is kept.
    pub(super) fn spec_key(&self) -> SpecKey {
        (std::ptr::from_ref(self.ro).addr(), self.ro.generation)
    }

    /// [`CanaryInputs::basic_targets`], as kept since the spec, step, abort or promotion
    /// last changed.
    fn basic_targets(&self) -> BasicTargets {
        let st = &self.inputs.status;
        let key = TargetsKey {
            spec: self.spec_key(),
            step_index: self.prev.current_step_index,
            abort: st.abort,
            fully_targeted: st.promote_full || st.stable_rs.is_empty() || self.fully_promoted,
        };
        if let Some((k, targets)) = self.kept.targets.get()
            && k == key
        {
            return targets;
        }
        let targets = self.inputs().basic_targets();
        self.kept.targets.set(Some((key, targets)));
        targets
    }

    /// What the arithmetic reads of a ReplicaSet to size it: its counts, without the name and
    /// hash that only the tie-breaks of [`RsCounts`] read (each a text to find in its
    /// `SmolStr`).
    fn sizes(rs: &RsView) -> RsCounts<'static> {
        RsCounts {
            name: "",
            hash: "",
            spec: rs.spec,
            available: rs.available,
            status_replicas: rs.status_replicas,
        }
    }

    /// `AtDesiredReplicaCountsForCanary`, on the counts of [`Ctx::desired_counts`]. The
    /// test reads the ReplicaSets' sizes only.
    pub(super) fn at_desired_counts(&self, weights: Option<Weights>) -> bool {
        let desired = self.desired_counts(weights);
        let reached = self.inputs().reached_counts(
            desired,
            self.new_rs.map(Self::sizes).as_ref(),
            self.stable_rs.map(Self::sizes).as_ref(),
            self.other_counts(),
        );
        debug_assert_eq!(
            reached,
            self.inputs().reached_counts(
                desired,
                self.new_counts().as_ref(),
                self.stable_counts().as_ref(),
                self.other_counts(),
            )
        );
        reached
    }

    /// `PodTemplateOrStepsChanged`: the status still describes another template or other steps.
    pub(super) fn template_or_steps_changed(&self) -> bool {
        self.template_or_steps_changed
    }

    pub(super) fn weights_of(w: &Option<super::status::TrafficWeights>) -> Option<Weights> {
        w.as_ref().map(|w| Weights {
            canary: w.canary.weight,
            stable: w.stable.weight,
        })
    }

    pub(super) fn routed(&self) -> bool {
        self.canary.traffic_routing.is_some()
    }

    /// `IsFullyPromoted`, on the status read at the start of the reconcile.
    pub(super) fn fully_promoted(&self) -> bool {
        self.fully_promoted
    }

    /// `IsDynamicallyRollingBackToStable`: a routed `dynamicStableScale` update was
    /// interrupted by going back to the stable template, and the stable is not fully
    /// available yet. Returns the pod-template hash the router still sends canary traffic
    /// to (the interrupted update's), which keeps that traffic and the canary Service.
    pub(super) fn dynamically_rolling_back_to_stable(&self) -> Option<SmolStr> {
        if !self.fully_promoted() || !self.routed() || !self.canary.dynamic_stable_scale {
            return None;
        }
        let previous = &self.prev.canary.weights.as_ref()?.canary.pod_template_hash;
        let new_rs = self.new_rs?;
        if *previous == new_rs.hash || new_rs.available >= self.replicas() {
            return None;
        }
        Some(previous.clone())
    }

    /// `MaxRevision` over every ReplicaSet but the new one (found with the roles).
    fn max_old_revision(&self) -> u64 {
        self.max_old_revision
    }

    /// `getRolloutValidationErrors`: an invalid spec, or a Service or AnalysisTemplate it
    /// names that does not exist, gives the rollout an `InvalidSpec` condition; it is
    /// Degraded, nothing else happens, and the controller looks again in 20 s (the problem
    /// may be timing: the Rollout applied before what it references).
    fn invalid_spec(&mut self) -> bool {
        let decided_here;
        let verdict = match self.input.validation {
            Some(verdict) => verdict,
            None => {
                decided_here = super::validation::validate(
                    self.spec,
                    self.services(),
                    self.input.analysis_templates,
                );
                &decided_here
            }
        };
        let Some(problem) = verdict else {
            return false;
        };
        let message = format!("The Rollout \"{}\" is invalid: {problem}", self.ro.name);
        self.plan.requeue.push(self.now + INVALID_SPEC_REQUEUE);
        let mut st = self.new_status.copy_of(self.prev);
        // A different reason for the same condition replaces it (`createInvalidRolloutCondition`).
        if st
            .condition(RolloutConditionType::InvalidSpec)
            .is_some_and(|c| *c.message != *message)
        {
            st.remove_condition(RolloutConditionType::InvalidSpec);
        }
        st.set_condition(
            RolloutConditionType::InvalidSpec,
            CondStatus::True,
            reason::INVALID_SPEC,
            ConditionMessage::Shared(message.as_str().into()),
            self.now,
        );
        st.observed_generation = self.ro.generation;
        (st.phase, st.message) = calculate_phase(self.spec, &st);
        if *st != *self.prev {
            self.plan.warning(reason::INVALID_SPEC, message);
            self.plan.status = Some(st);
        } else {
            self.new_status.give_back(st);
        }
        true
    }

    /// `createDesiredReplicaSet`: the ReplicaSet of the current template, at 0 replicas, with
    /// revision max+1. Creating it takes a whole reconcile, as upstream: the creation updates
    /// the Rollout (revision annotation, Progressing condition), which sets `c.newRollout`,
    /// and `syncHandler` returns as soon as `newRolloutContext` hands back a context with it
    /// set ("Let the next reconciliation process the update"), before `reconcile()` runs.
    fn create_new_replica_set(&mut self) {
        let revision = self.max_old_revision() + 1;
        self.plan.writes.push(Write::CreateReplicaSet {
            hash: self.ro.template_hash.clone(),
            revision,
        });
        // `setRolloutRevision` records its Event before the ReplicaSet's, and only when the
        // revision annotation changes.
        if self.ro.revision != revision {
            self.plan.writes.push(Write::SetRolloutRevision(revision));
            self.plan
                .event("RolloutUpdated", EventMessage::RolloutUpdated { revision });
        }
        self.plan.event(
            reason::NEW_RS_CREATED,
            EventMessage::NewReplicaSetCreated {
                rollout: self.ro.name.clone(),
                hash: self.ro.template_hash.clone(),
                revision,
            },
        );
        let mut st = self.new_status.copy_of(self.prev);
        if st.set_condition(
            RolloutConditionType::Progressing,
            CondStatus::True,
            reason::NEW_RS_CREATED,
            // The ReplicaSet's name is `<rollout>-<hash>`; the pieces are joined without the
            // formatting machinery.
            [
                "Created new replica set \"",
                &self.ro.name,
                "-",
                self.new_hash,
                "\"",
            ]
            .concat()
            .into(),
            self.now,
        ) {
            self.plan.status = Some(st);
        } else {
            self.new_status.give_back(st);
        }
    }

    /// `syncReplicaSetRevision`: a re-used ReplicaSet (the template went back to an older one)
    /// gets revision max+1, and the rollout's revision follows it.
    fn sync_revision(&mut self) {
        let Some(new_rs) = self.new_rs else { return };
        let wanted = self.max_old_revision() + 1;
        let revision = if new_rs.revision < wanted {
            self.plan.writes.push(Write::SetRevision {
                name: new_rs.name.clone(),
                revision: wanted,
            });
            wanted
        } else {
            new_rs.revision
        };
        if self.ro.revision != revision {
            self.plan.writes.push(Write::SetRolloutRevision(revision));
        }
        self.revision = revision;
    }

    /// `checkPausedConditions`: keeps the Progressing and Paused conditions in line with
    /// pauses and with a retry after an abort. A change takes the whole reconcile.
    fn check_paused_conditions(&mut self) -> bool {
        if self.prev.observed_generation != self.ro.generation {
            return false;
        }
        let prog = self.prev.condition(RolloutConditionType::Progressing);
        let prog_paused = prog.is_some_and(|c| same_reason(c.reason, reason::PAUSED));
        let abort_cond = prog.is_some_and(|c| same_reason(c.reason, reason::ABORTED));
        let is_paused = !self.prev.pause_conditions.is_empty() || self.spec.paused;
        // A completed rollout keeps its Progressing condition through a pause: the status
        // sync would set it back to NewReplicaSetAvailable, and the two would alternate.
        let completed = !self.prev.stable_rs.is_empty() && self.fully_promoted;
        // Most reconciles change none of these conditions: the status is copied only once
        // one of them is about to be set.
        let mut copy: Option<Box<RolloutStatus>> = None;
        let now = self.now;
        let prev = self.prev;
        let new_status = &mut self.new_status;
        let mut set = |kind, status, why, message: &'static str| {
            copy.get_or_insert_with(|| new_status.copy_of(prev))
                .set_condition(kind, status, why, message.into(), now);
        };
        if is_paused != prog_paused && !abort_cond && !completed {
            if is_paused {
                set(
                    RolloutConditionType::Progressing,
                    CondStatus::Unknown,
                    reason::PAUSED,
                    "Rollout is paused",
                );
            } else {
                set(
                    RolloutConditionType::Progressing,
                    CondStatus::Unknown,
                    reason::RESUMED,
                    "Rollout is resumed",
                );
            }
        }
        if !self.prev.abort && abort_cond {
            set(
                RolloutConditionType::Progressing,
                CondStatus::Unknown,
                reason::RETRY,
                "Retrying Rollout after abort",
            );
        }
        let paused_true = self
            .prev
            .condition(RolloutConditionType::Paused)
            .is_some_and(|c| c.status == CondStatus::True);
        if is_paused != paused_true && !abort_cond {
            set(
                RolloutConditionType::Paused,
                if is_paused {
                    CondStatus::True
                } else {
                    CondStatus::False
                },
                reason::PAUSED,
                "Rollout is paused",
            );
        }
        let Some(mut st) = copy else {
            return false;
        };
        if st.conditions == self.prev.conditions {
            self.new_status.give_back(st);
            return false;
        }
        st.observed_generation = self.ro.generation;
        (st.phase, st.message) = calculate_phase(self.spec, &st);
        st.duration = self.status_duration(&st, st.stable_rs == st.current_pod_hash);
        self.plan.status = Some(st);
        true
    }

    /// One reconcile may point a Service at one ReplicaSet and then back (an aborted routed
    /// canary: the canary Service follows the canary, then the abort sends it to the stable).
    /// Only the net change is a write; a round trip is none.
    fn coalesce_service_switches(&mut self) {
        // Most reconciles switch no Service: nothing to net out.
        if !self
            .plan
            .writes
            .iter()
            .any(|a| matches!(a, Write::SwitchService { .. }))
        {
            return;
        }
        let mut net: Vec<(SmolStr, Option<SmolStr>, SmolStr)> = Vec::new();
        for a in &self.plan.writes {
            if let Write::SwitchService { service, from, to } = a {
                match net.iter_mut().find(|(s, _, _)| s == service) {
                    Some(entry) => entry.2 = to.clone(),
                    None => net.push((service.clone(), from.clone(), to.clone())),
                }
            }
        }
        let round_trips: Vec<&SmolStr> = net
            .iter()
            .filter(|(_, from, to)| from.as_deref() == Some(to.as_str()))
            .map(|(s, _, _)| s)
            .collect();
        if net.len()
            == self
                .plan
                .writes
                .iter()
                .filter(|a| matches!(a, Write::SwitchService { .. }))
                .count()
            && round_trips.is_empty()
        {
            return;
        }
        self.plan
            .writes
            .retain(|a| !matches!(a, Write::SwitchService { .. }));
        self.plan.events.retain(|e| e.reason != "SwitchService");
        for (service, from, to) in net {
            if from.as_deref() == Some(to.as_str()) {
                continue;
            }
            self.plan.event(
                "SwitchService",
                EventMessage::SwitchService(Box::new(ServiceSwitch {
                    service: service.clone(),
                    from: from.clone().unwrap_or_default(),
                    to: to.clone(),
                })),
            );
            self.plan
                .writes
                .push(Write::SwitchService { service, from, to });
        }
    }

    /// `isScalingEvent`: `spec.replicas` changed since the new or stable ReplicaSet was last
    /// scaled (its desired-replicas annotation differs).
    fn is_scaling_event(&self) -> bool {
        let r = self.replicas();
        [self.new_rs, self.stable_rs]
            .into_iter()
            .flatten()
            .filter(|rs| rs.spec > 0)
            .any(|rs| rs.desired_annotation.is_some_and(|d| d != r))
    }
}

/// Whether `rs` is the ReplicaSet `role` names (the new or the stable one). Every view a
/// reconcile holds points into the one snapshot slice, so identity is the address: no name
/// comparison needed.
pub(super) fn is(role: Option<&RsView>, rs: &RsView) -> bool {
    role.is_some_and(|r| std::ptr::eq(r, rs))
}
