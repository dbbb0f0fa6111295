//! The rollout's side of analysis (upstream `rollout/analysis.go`): which AnalysisRuns exist
//! for the current revision, creating the ones a step, the background or a blue-green
//! promotion needs, terminating the ones no longer wanted, and turning a run's result into a
//! pause (Inconclusive) or an abort (Failed, Error).
//!
//! The runs the rollout "follows" are named in its status (`currentStepAnalysisRunStatus` and
//! the rest); every other run it owns is cancelled if still going.

use crate::analysis::run::{AnalysisPhase, RunKind, unique_run_name};

use super::context::{RunView, Write};
use super::controller::Ctx;
use super::event::EventMessage;
use super::status::{PauseReason, RunRef};

/// The runs the rollout follows after this reconcile (`CurrentAnalysisRuns`).
#[derive(Debug, Clone, Default)]
pub struct CurrentRuns {
    /// The run of the current canary analysis step (`status.canary.currentStepAnalysisRunStatus`).
    pub step: Option<RunRef>,
    /// The canary's background analysis (`status.canary.currentBackgroundAnalysisRunStatus`).
    pub background: Option<RunRef>,
    /// Blue-green pre-promotion analysis (`status.blueGreen.prePromotionAnalysisRunStatus`).
    pub pre: Option<RunRef>,
    /// Blue-green post-promotion analysis (`status.blueGreen.postPromotionAnalysisRunStatus`).
    pub post: Option<RunRef>,
}

impl CurrentRuns {
    fn names(&self) -> impl Iterator<Item = &str> {
        [&self.step, &self.background, &self.pre, &self.post]
            .into_iter()
            .flatten()
            .map(|r| r.name.as_str())
    }

    /// The phases of these runs.
    fn phases(&self) -> RunPhases {
        let phase = |r: &Option<RunRef>| r.as_ref().map(|r| r.phase);
        RunPhases {
            step: phase(&self.step),
            background: phase(&self.background),
            pre: phase(&self.pre),
            post: phase(&self.post),
        }
    }
}

/// The phases of the runs the rollout follows ([`CurrentRuns`]): all that the sub-steps after
/// `reconcileAnalysisRuns` read of them. The runs themselves go into the new status; the
/// context keeps no second copy of their names and messages to clone and drop.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunPhases {
    /// The phase of [`CurrentRuns::step`].
    pub step: Option<AnalysisPhase>,
    /// The phase of [`CurrentRuns::background`].
    pub background: Option<AnalysisPhase>,
    /// The phase of [`CurrentRuns::pre`].
    pub pre: Option<AnalysisPhase>,
    /// The phase of [`CurrentRuns::post`].
    pub post: Option<AnalysisPhase>,
}

fn to_ref(r: &RunView) -> RunRef {
    RunRef {
        name: r.name.clone(),
        phase: r.phase,
        message: r.message.clone(),
    }
}

impl<'a> Ctx<'a> {
    /// Starts a reconcile following the runs the previous status named (what upstream's
    /// `currentArs` holds until `reconcileAnalysisRuns` runs).
    pub(super) fn follow_previous_runs(&mut self) {
        // Without runs there is nothing to follow: the runs start out as none.
        if !self.runs().is_empty() {
            self.run_phases = self.prev_phases();
        }
    }

    /// Whether the strategy runs any analysis (a step, the background, or a blue-green
    /// promotion's). Asked by every reconcile, read from the spec only when it changed.
    fn analysis_configured(&self) -> bool {
        let key = self.spec_key();
        if let Some((k, configured)) = self.kept.analysis.get()
            && k == key
        {
            debug_assert_eq!(configured, self.analysis_in_spec());
            return configured;
        }
        let configured = self.analysis_in_spec();
        self.kept.analysis.set(Some((key, configured)));
        configured
    }

    /// [`Ctx::analysis_configured`], read from the spec.
    fn analysis_in_spec(&self) -> bool {
        match self.blue_green {
            Some(bg) => bg.pre_promotion_analysis.is_some() || bg.post_promotion_analysis.is_some(),
            None => {
                self.canary.analysis.is_some()
                    || self.canary.steps.iter().any(|s| s.analysis.is_some())
            }
        }
    }

    /// For the reconciles that do not look at analysis (a scaling event): the runs followed
    /// stay as they were.
    pub(super) fn keep_current_runs(&mut self) {
        let prev = self.prev_runs();
        self.set_current_runs(prev);
    }

    /// The followed run of a kind, as this reconcile sees it.
    pub(super) fn step_run_phase(&self) -> Option<AnalysisPhase> {
        self.run_phases.step
    }

    /// `completedPrePromotionAnalysis`: no pre-promotion analysis, or its run succeeded.
    pub(super) fn completed_pre_promotion_analysis(&self) -> bool {
        if self
            .blue_green
            .is_none_or(|b| b.pre_promotion_analysis.is_none())
        {
            return true;
        }
        self.run_phases.pre == Some(AnalysisPhase::Successful)
    }

    /// Whether a post-promotion run the rollout follows has succeeded.
    pub(super) fn post_promotion_succeeded(&self) -> bool {
        self.run_phases.post == Some(AnalysisPhase::Successful)
    }

    /// The run named in a status field of the previous status.
    fn run_named(&self, r: &Option<RunRef>) -> Option<&RunView> {
        let name = &r.as_ref()?.name;
        self.runs().iter().find(|x| &x.name == name)
    }

    /// The runs the status named at the start of the reconcile.
    fn prev_runs(&self) -> CurrentRuns {
        let c = &self.prev.canary;
        let b = &self.prev.blue_green;
        CurrentRuns {
            step: self.run_named(&c.step_analysis).map(to_ref),
            background: self.run_named(&c.background_analysis).map(to_ref),
            pre: self.run_named(&b.pre_promotion_analysis).map(to_ref),
            post: self.run_named(&b.post_promotion_analysis).map(to_ref),
        }
    }

    /// The phases of [`Ctx::prev_runs`], found without copying the runs.
    fn prev_phases(&self) -> RunPhases {
        let c = &self.prev.canary;
        let b = &self.prev.blue_green;
        let phase = |r: &Option<RunRef>| self.run_named(r).map(|r| r.phase);
        RunPhases {
            step: phase(&c.step_analysis),
            background: phase(&c.background_analysis),
            pre: phase(&b.pre_promotion_analysis),
            post: phase(&b.post_promotion_analysis),
        }
    }

    /// `cancelAnalysisRuns`: `spec.terminate` on runs still going.
    fn cancel(&mut self, r: &Option<RunRef>) {
        let Some(r) = r else { return };
        let Some(view) = self.runs().iter().find(|x| x.name == r.name) else {
            return;
        };
        if !view.terminate && !view.phase.completed() {
            self.plan.writes.push(Write::TerminateAnalysisRun {
                name: view.name.clone(),
            });
        }
    }

    /// `needsNewAnalysisRun`.
    fn needs_new_run(&self, cur: &Option<RunRef>) -> bool {
        let Some(cur) = cur else { return true };
        // Paused by the controller for something else than a pause step: a new run only
        // replaces an inconclusive one the rollout has already paused for.
        if self.prev.controller_pause
            && self
                .prev
                .pause_condition(PauseReason::CanaryPauseStep)
                .is_none()
            && self
                .prev
                .pause_condition(PauseReason::BlueGreenPause)
                .is_none()
        {
            return cur.phase == AnalysisPhase::Inconclusive;
        }
        self.prev.aborted_at.is_some()
    }

    /// Creates a run (`createAnalysisRun` with `CreateWithCollisionCounter`'s naming: a name
    /// already taken gets `.1`, `.2`, ...).
    fn create_run(&mut self, kind: RunKind) -> Option<RunRef> {
        let pod_hash = self.new_rs?.hash.clone();
        let mut base = format!("{}-{}-{}", self.ro.name, pod_hash, self.revision);
        if let Some(infix) = kind.infix() {
            base = format!("{base}-{infix}");
        }
        let taken = |n: &str| {
            self.runs().iter().any(|r| r.name == n)
                || self
                    .plan
                    .writes
                    .iter()
                    .any(|a| matches!(a, Write::CreateAnalysisRun { name, .. } if name == n))
        };
        let name = unique_run_name(&base, taken);
        self.plan.writes.push(Write::CreateAnalysisRun {
            name: name.as_str().into(),
            kind,
            pod_hash,
            stable_hash: self.prev.stable_rs.clone(),
            revision: self.revision,
        });
        Some(RunRef {
            name: name.into(),
            phase: AnalysisPhase::Pending,
            message: String::new().into(),
        })
    }

    /// A run's verdict on the rollout: Inconclusive pauses it, Failed and Error abort it. The
    /// abort message says which analysis it was (`what`: "Step-based", "Background",
    /// "Blue/green pre-promotion"...) before the run's own message, as Argo words it.
    fn pause_or_abort(&mut self, r: &Option<RunRef>, what: &str) {
        let Some(r) = r else { return };
        match r.phase {
            AnalysisPhase::Inconclusive => {
                self.pause.add_pause(PauseReason::InconclusiveAnalysisRun);
            }
            AnalysisPhase::Failed | AnalysisPhase::Error => {
                let mut message = format!("{what} analysis phase error/failed");
                if !r.message.is_empty() {
                    message = format!("{message}: {}", r.message);
                }
                self.pause.add_abort(message);
            }
            _ => {}
        }
    }

    /// `reconcileAnalysisRuns`.
    #[inline(always)]
    pub(super) fn reconcile_analysis_runs(&mut self) {
        // A rollout that runs no analysis and owns no run has none to create, cancel or
        // follow: the runs followed stay none, as `follow_previous_runs` and the new status
        // already have them. Decided where it is asked, without a call.
        if !self.runs().is_empty() || self.analysis_configured() {
            self.reconcile_runs();
        }
    }

    /// [`Ctx::reconcile_analysis_runs`] for a rollout that runs analysis or owns runs.
    /// Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn reconcile_runs(&mut self) {
        let prev = self.prev_runs();
        // A scale-down deadline on the new ReplicaSet alone is no reason to skip analysis: an
        // aborted update keeps one until its ReplicaSet is scaled down, and a retry inside that
        // delay must start new runs. Only a fast rollback (`isFastRollback`) skips them.
        if self.pause.is_aborted()
            || self.prev.promote_full
            || self.is_fast_rollback()
            || self.prev.stable_rs.is_empty()
        {
            let all: Vec<Option<RunRef>> = self.runs().iter().map(|r| Some(to_ref(r))).collect();
            for r in &all {
                self.cancel(r);
            }
            self.set_current_runs(prev);
            return;
        }
        let mut current = CurrentRuns::default();
        if self.blue_green.is_none() {
            current.step = self.reconcile_step_run(&prev.step);
            current.background = self.reconcile_background_run(&prev.background);
        } else {
            current.pre = self.reconcile_promotion_run(&prev.pre, RunKind::PrePromotion);
            self.pause_or_abort(&current.pre, "Blue/green pre-promotion");
            current.post = self.reconcile_promotion_run(&prev.post, RunKind::PostPromotion);
            self.pause_or_abort(&current.post, "Blue/green post-promotion");
        }
        let others: Vec<Option<RunRef>> = self
            .runs()
            .iter()
            .filter(|r| !current.names().any(|n| n == r.name))
            .map(|r| Some(to_ref(r)))
            .collect();
        for r in &others {
            self.cancel(r);
        }
        self.emit_status_changes(&current);
        self.set_current_runs(current);
    }

    /// `SetCurrentAnalysisRuns`: the status names the runs followed. The runs move into it;
    /// the context keeps their phases.
    fn set_current_runs(&mut self, current: CurrentRuns) {
        self.run_phases = current.phases();
        if self.blue_green.is_none() {
            self.new_status.canary.step_analysis = current.step;
            self.new_status.canary.background_analysis = current.background;
        } else {
            self.new_status.blue_green.pre_promotion_analysis = current.pre;
            self.new_status.blue_green.post_promotion_analysis = current.post;
        }
    }

    /// `emitAnalysisRunStatusChanges`: an event each time a followed run changes phase.
    fn emit_status_changes(&mut self, current: &CurrentRuns) {
        let pairs = [
            (
                &self.prev.blue_green.post_promotion_analysis,
                &current.post,
                "PostPromotion",
            ),
            (
                &self.prev.blue_green.pre_promotion_analysis,
                &current.pre,
                "PrePromotion",
            ),
            (&self.prev.canary.step_analysis, &current.step, "Step"),
            (
                &self.prev.canary.background_analysis,
                &current.background,
                "Background",
            ),
        ];
        let mut events = Vec::new();
        for (prev, cur, kind) in pairs {
            let Some(cur) = cur else { continue };
            if cur.phase == AnalysisPhase::Pending {
                continue;
            }
            let changed = match prev {
                None => true,
                Some(p) => p.name == cur.name && p.phase != cur.phase,
            };
            if !changed {
                continue;
            }
            let warning = matches!(cur.phase, AnalysisPhase::Failed | AnalysisPhase::Error);
            events.push((
                analysis_reason(cur.phase),
                EventMessage::AnalysisRunStatus {
                    kind,
                    name: cur.name.clone(),
                    phase: cur.phase,
                    previous: prev.as_ref().map(|p| p.phase),
                },
                warning,
            ));
        }
        for (reason, message, warning) in events {
            if warning {
                self.plan.warning(reason, message);
            } else {
                self.plan.event(reason, message);
            }
        }
    }

    /// `reconcileStepBasedAnalysisRun`.
    fn reconcile_step_run(&mut self, cur: &Option<RunRef>) -> Option<RunRef> {
        let (step, index) = self.current_step();
        let has_analysis = step.is_some_and(|s| s.analysis.is_some());
        if !self.prev.pause_conditions.is_empty() || self.prev.abort {
            return cur.clone();
        }
        // A run left over from an earlier step (the user promoted past it).
        let from_previous_step = has_analysis
            && cur.as_ref().is_some_and(|c| {
                self.runs()
                    .iter()
                    .find(|r| r.name == c.name)
                    .is_none_or(|r| Some(r.kind) != index.map(RunKind::Step))
            });
        let Some(index) = index.filter(|_| has_analysis && !from_previous_step) else {
            self.cancel(cur);
            return None;
        };
        if self.needs_new_run(cur) {
            return self.create_run(RunKind::Step(index));
        }
        self.pause_or_abort(cur, "Step-based");
        cur.clone()
    }

    /// `reconcileBackgroundAnalysisRun`.
    fn reconcile_background_run(&mut self, cur: &Option<RunRef>) -> Option<RunRef> {
        let Some(bg) = &self.canary.analysis else {
            self.cancel(cur);
            return None;
        };
        let before_starting_step = self
            .prev
            .current_step_index
            .is_some_and(|i| i < bg.starting_step);
        if self.fully_promoted()
            || self.prev.stable_rs.is_empty()
            || self.prev.current_pod_hash.is_empty()
            || before_starting_step
        {
            return None;
        }
        if self
            .prev
            .pause_condition(PauseReason::InconclusiveAnalysisRun)
            .is_some()
        {
            return cur.clone();
        }
        if self.needs_new_run(cur) {
            return self.create_run(RunKind::Background);
        }
        self.pause_or_abort(cur, "Background");
        cur.clone()
    }

    /// `skipPrePromotionAnalysisRun`.
    fn skip_pre_promotion(&self) -> bool {
        let Some(new_rs) = self.new_rs else {
            return true;
        };
        let active = &self.prev.blue_green.active_selector;
        if self.prev.stable_rs == new_rs.hash || active.is_empty() || *active == new_rs.hash {
            return true;
        }
        match self.blue_green.and_then(|b| b.preview_replica_count) {
            Some(count) => {
                // Counts are capped by the manifest's validation (replicas at 1,000,000, weights at
                // 1,000,000,000), below i32::MAX, so the saturation is never reached.
                let count = i32::try_from(count).unwrap_or(i32::MAX);
                new_rs.spec != count || new_rs.available != count
            }
            None => !self.saturated(new_rs),
        }
    }

    /// `skipPostPromotionAnalysisRun`.
    pub(super) fn skip_post_promotion(&self) -> bool {
        let Some(new_rs) = self.new_rs else {
            return true;
        };
        self.prev.stable_rs == new_rs.hash
            || self.prev.blue_green.active_selector != new_rs.hash
            || !self.saturated(new_rs)
    }

    /// `reconcilePrePromotionAnalysisRun` and `reconcilePostPromotionAnalysisRun`: the same
    /// steps, with their own "not yet" test and run kind.
    fn reconcile_promotion_run(&mut self, cur: &Option<RunRef>, kind: RunKind) -> Option<RunRef> {
        let configured = self.blue_green.is_some_and(|b| match kind {
            RunKind::PrePromotion => b.pre_promotion_analysis.is_some(),
            _ => b.post_promotion_analysis.is_some(),
        });
        if !configured {
            self.cancel(cur);
            return None;
        }
        let skip = match kind {
            RunKind::PrePromotion => self.skip_pre_promotion(),
            _ => self.skip_post_promotion(),
        };
        if skip {
            self.cancel(cur);
            return cur.clone();
        }
        if self
            .prev
            .pause_condition(PauseReason::InconclusiveAnalysisRun)
            .is_some()
        {
            return cur.clone();
        }
        if self.needs_new_run(cur) {
            return self.create_run(kind);
        }
        cur.clone()
    }
}

/// The event reason `AnalysisRun<Phase>`.
fn analysis_reason(phase: AnalysisPhase) -> &'static str {
    match phase {
        AnalysisPhase::Pending => "AnalysisRunPending",
        AnalysisPhase::Running => "AnalysisRunRunning",
        AnalysisPhase::Successful => "AnalysisRunSuccessful",
        AnalysisPhase::Inconclusive => "AnalysisRunInconclusive",
        AnalysisPhase::Error => "AnalysisRunError",
        AnalysisPhase::Failed => "AnalysisRunFailed",
    }
}
