//! The script runner: user actions as the `kubectl argo rollouts` verbs patch the Rollout
//! (spec edits bump the generation; promote, abort and retry patch the status), waits, and
//! expectations checked against the observed state.

use crate::api::Step;
use crate::rollout::status::PauseReason;
use crate::scenario::{Action, ScriptItem};

use super::{ActionVerb, EntryKind, Ev, Simulation};

impl Simulation<'_> {
    /// Runs script items until one has to wait. True when an action changed the world.
    pub(super) fn advance_script(&mut self) -> bool {
        let mut changed = false;
        while let Some(item) = self.sc.script.get(self.pc) {
            let item: &ScriptItem = item;
            let first_look = !self.pc_started;
            if first_look {
                self.pc_started = true;
                if !matches!(item.action, Action::Expect(_)) {
                    self.journal.push(
                        self.now,
                        EntryKind::ScriptAction {
                            line: item.line,
                            action: item.action.describe(),
                            verb: ActionVerb::of(&item.action),
                        },
                    );
                }
            }
            match &item.action {
                Action::WaitFor(d) => {
                    let deadline = *self.wait_deadline.get_or_insert_with(|| {
                        let at = self.now + *d;
                        self.queue.push(at, Ev::ScriptWake);
                        at
                    });
                    if self.now < deadline {
                        return changed;
                    }
                    self.wait_deadline = None;
                }
                Action::WaitUntil(c) => {
                    let obs = self.observe_reading(c.reads());
                    if !c.holds(&obs) {
                        return changed;
                    }
                    self.journal.push(
                        self.now,
                        EntryKind::ExpectationChecked {
                            ok: true,
                            check: "wait".into(),
                            line: item.line,
                            detail: c.braced(),
                        },
                    );
                }
                Action::Expect(c) => {
                    let obs = self.observe();
                    let mism = c.mismatches(&obs);
                    let cond = c.to_string();
                    if mism.is_empty() {
                        self.journal.push(
                            self.now,
                            EntryKind::ExpectationChecked {
                                ok: true,
                                check: "expect".into(),
                                line: item.line,
                                detail: format!("{{{cond}}}"),
                            },
                        );
                    } else {
                        let why: Vec<String> = mism.iter().map(ToString::to_string).collect();
                        self.fail(item.line, "expect", &cond, why.join("; "));
                    }
                }
                action => {
                    let action = action.clone();
                    let line = item.line;
                    self.perform(&action, line);
                    changed = true;
                }
            }
            self.pc += 1;
            self.pc_started = false;
        }
        changed
    }

    /// Carries out a user action.
    fn perform(&mut self, action: &Action, line: u32) {
        if let Some(note) = self.no_effect_note(action) {
            self.journal
                .push(self.now, EntryKind::ActionNote { line, note });
        }
        match action {
            Action::SetImage { container, image } => {
                let mut spec = self.rollout.spec.clone();
                if !spec.template.set_image(container.as_deref(), image) {
                    let what = container.clone().unwrap_or_default();
                    self.fail(
                        line,
                        "script",
                        &action.describe(),
                        format!("the pod template has no container named `{what}`"),
                    );
                    return;
                }
                self.update_spec(spec, format!("image {image}"));
            }
            Action::Apply { path, manifests } => {
                for svc in &manifests.services {
                    self.upsert_service(svc);
                }
                for t in &manifests.templates {
                    self.templates
                        .retain(|x| !(x.name == t.name && x.cluster_scope == t.cluster_scope));
                    self.templates.push(t.clone());
                }
                for s in &manifests.secrets {
                    self.secrets.retain(|x| x.name != s.name);
                    self.secrets.push(s.clone());
                }
                if let Some(r) = manifests.rollouts.first() {
                    if r.name != self.rollout.name {
                        self.fail(
                            line,
                            "script",
                            &action.describe(),
                            format!(
                                "the file holds Rollout `{}`, not `{}`",
                                r.name, self.rollout.name
                            ),
                        );
                        return;
                    }
                    self.update_spec(r.spec.clone(), format!("applied {path}"));
                }
                self.request_reconcile();
            }
            Action::Promote { full } => self.promote(*full),
            Action::Abort => {
                self.rollout.status.abort = true;
            }
            Action::Retry => {
                self.rollout.status.abort = false;
            }
            Action::Pause => {
                let mut spec = self.rollout.spec.clone();
                spec.paused = true;
                self.update_spec(spec, "paused".into());
            }
            Action::Resume => {
                let mut spec = self.rollout.spec.clone();
                spec.paused = false;
                self.update_spec(spec, "resumed".into());
            }
            Action::Scale(n) => {
                let mut spec = self.rollout.spec.clone();
                spec.replicas = Some(*n);
                self.update_spec(spec, format!("replicas {n}"));
            }
            Action::Restart { delay } => {
                let at = (self.now + delay.unwrap_or_default()).truncate_to_second();
                let mut spec = self.rollout.spec.clone();
                spec.restart_at = Some(at);
                self.update_spec(spec, format!("restartAt {at}"));
                self.queue.push(at, Ev::ScriptWake);
            }
            Action::Undo { to_revision } => self.undo(*to_revision, line, action),
            Action::DeletePod(target) => {
                if self.delete_pods(target) == 0 {
                    self.fail(line, "script", &action.describe(), "no pod matches".into());
                }
            }
            Action::EvictPod(target) => {
                if self.evict_pods(target) == 0 {
                    self.fail(line, "script", &action.describe(), "no pod matches".into());
                }
            }
            Action::FailNode {
                name,
                not_ready_after,
                evict_after,
            } => {
                // Kubernetes' node lifecycle: the node controller notices after its grace
                // period (pods turn not Ready, the node is tainted unreachable); the pods are
                // evicted when their toleration of that taint runs out.
                let c = &self.sc.cluster;
                let not_ready = not_ready_after.unwrap_or(c.node_monitor_grace_period);
                let evict =
                    evict_after.unwrap_or(c.node_monitor_grace_period + c.unreachable_toleration);
                self.fail_node(name, not_ready, evict)
            }
            Action::WaitFor(_) | Action::WaitUntil(_) | Action::Expect(_) => {}
        }
        self.request_reconcile();
        self.after_change();
    }

    /// What an operator action does when there is nothing for it to act on (upstream
    /// `pkg/kubectl-argo-rollouts/cmd/*`: the plugin patches and reports success; the
    /// controller then ignores or clears the patch). `None` when the action has an effect.
    pub(super) fn no_effect_note(&self, action: &Action) -> Option<String> {
        let ro = &self.rollout;
        let st = &ro.status;
        let name = &ro.name;
        let no_update = !st.stable_rs.is_empty() && st.stable_rs == st.current_pod_hash;
        match action {
            Action::Promote { full: false } => {
                let steps = ro
                    .spec
                    .canary()
                    .map_or(0, |c| u32::try_from(c.steps.len()).unwrap_or(u32::MAX));
                let step_left = st.current_step_index.is_some_and(|i| i < steps);
                let what = if steps > 0 {
                    "is not paused and has no step left"
                } else {
                    "is not paused"
                };
                (!ro.spec.paused && st.pause_conditions.is_empty() && !step_left).then(|| {
                    format!(
                        "nothing to promote: rollout '{name}' {what} (the plugin prints \
                         \"rollout '{name}' promoted\" and nothing changes)"
                    )
                })
            }
            Action::Promote { full: true } => (!ro.spec.paused && no_update).then(|| {
                format!(
                    "nothing to promote: rollout '{name}' has no update in progress (the \
                     plugin prints \"rollout '{name}' fully promoted\" and nothing changes)"
                )
            }),
            Action::Abort if st.abort => Some(format!("rollout '{name}' is already aborted")),
            Action::Abort if no_update => Some(format!(
                "nothing to abort: rollout '{name}' has no update in progress; the controller \
                 clears the abort at once and the rollout stays as it is"
            )),
            Action::Retry if !st.abort => Some(format!(
                "nothing to retry: rollout '{name}' is not aborted (the plugin prints \
                 \"rollout '{name}' retried\" and nothing changes)"
            )),
            Action::Pause if ro.spec.paused => Some(format!("rollout '{name}' is already paused")),
            Action::Resume if !ro.spec.paused => Some(format!(
                "rollout '{name}' is not paused by spec.paused; pause steps and other pause \
                 conditions stay (promote clears them)"
            )),
            _ => None,
        }
    }

    /// `kubectl argo rollouts undo`: the template of the ReplicaSet with that revision (by
    /// default the second-highest one) becomes the spec's template.
    fn undo(&mut self, to_revision: Option<u64>, line: u32, action: &Action) {
        let mut revisions: Vec<(u64, crate::cluster::RsId)> = self
            .cluster
            .rollout_replica_sets()
            .map(|rs| (rs.revision, rs.id))
            .collect();
        revisions.sort();
        let target = match to_revision {
            Some(r) => revisions.iter().find(|(rev, _)| *rev == r),
            None => revisions.iter().rev().nth(1),
        };
        let Some(&(rev, id)) = target else {
            // The plugin's own errors (upstream `cmd/undo/undo.go`, `rolloutRevision`).
            let why = match to_revision {
                Some(r) => format!("unable to find specified revision {r} in history"),
                None => format!("no revision found for rollout \"{}\"", self.rollout.name),
            };
            self.fail(line, "script", &action.describe(), why);
            return;
        };
        let mut spec = self.rollout.spec.clone();
        spec.template = self.cluster.rs(id).template.clone();
        if spec.template == self.rollout.spec.template {
            self.journal.push(
                self.now,
                EntryKind::ActionNote {
                    line,
                    note: format!(
                        "skipped rollback (current template already matches revision {rev})"
                    ),
                },
            );
            return;
        }
        self.update_spec(spec, format!("template of revision {rev}"));
    }

    /// A spec edit: a new generation when anything changed.
    fn update_spec(&mut self, spec: crate::api::RolloutSpec, change: String) {
        if !self.rollout.set_spec(spec) {
            return;
        }
        self.journal.push(
            self.now,
            EntryKind::RolloutUpdated {
                generation: self.rollout.generation,
                change,
            },
        );
    }

    /// `kubectl argo rollouts promote [--full]` (upstream `cmd/promote/promote.go`).
    pub(super) fn promote(&mut self, full: bool) {
        if self.rollout.spec.paused {
            let mut spec = self.rollout.spec.clone();
            spec.paused = false;
            self.update_spec(spec, "unpaused by promote".into());
        }
        let st = &mut self.rollout.status;
        if full {
            if st.current_pod_hash != st.stable_rs {
                st.promote_full = true;
            }
            return;
        }
        let steps = self
            .rollout
            .spec
            .canary()
            .map_or(0, |c| u32::try_from(c.steps.len()).unwrap_or(u32::MAX));
        let inconclusive_step = st
            .canary
            .step_analysis
            .as_ref()
            .is_some_and(|r| r.phase == crate::analysis::run::AnalysisPhase::Inconclusive);
        if inconclusive_step && !st.pause_conditions.is_empty() && st.controller_pause {
            // An inconclusive analysis step: resume and skip the step.
            st.pause_conditions.clear();
            st.controller_pause = false;
            let idx = st.current_step_index.unwrap_or(0);
            st.current_step_index = Some((idx + 1).min(steps));
            return;
        }
        if !st.pause_conditions.is_empty() {
            // Clearing the pause conditions while controllerPause stays true is how the
            // controller learns that a human resumed it.
            st.pause_conditions.clear();
            return;
        }
        // Not paused by the controller: promote skips the current step.
        if steps > 0 {
            let idx = st.current_step_index.unwrap_or(0);
            st.current_step_index = Some((idx + 1).min(steps));
        }
    }

    /// The default scenario's stand-in for a human: an indefinite pause (a `pause: {}` step,
    /// or the blue-green pause before the switch with `autoPromotionEnabled: false`), or an
    /// experiment that would run forever (no duration, no required analysis), is promoted
    /// after `auto_promote`.
    pub(super) fn arm_auto_promote(&mut self) {
        let Some(delay) = self.sc.auto_promote else {
            return;
        };
        let Some((idx, start)) = self.indefinite_pause() else {
            return;
        };
        let key = (self.rollout.generation, idx, start);
        if self.auto_promote_for == Some(key) {
            return;
        }
        self.auto_promote_for = Some(key);
        self.queue.push(
            self.now + delay,
            Ev::AutoPromote {
                step: idx,
                generation: self.rollout.generation,
            },
        );
    }

    /// What the rollout waits on a human for, if anything: the step index (`u32::MAX` for
    /// the blue-green pause) and since when (milliseconds).
    fn indefinite_pause(&self) -> Option<(u32, u64)> {
        let st = &self.rollout.status;
        if let Some(bg) = self.rollout.spec.blue_green() {
            let cond = st.pause_condition(PauseReason::BlueGreenPause)?;
            return (!bg.auto_promotion_enabled).then(|| (u32::MAX, cond.start_time.as_millis()));
        }
        let idx = st.current_step_index?;
        let step = self
            .rollout
            .spec
            .canary()
            .and_then(|c| c.steps.get(idx as usize));
        if let Some(cond) = st.pause_condition(PauseReason::CanaryPauseStep)
            && step.is_some_and(Step::is_indefinite_pause)
        {
            return Some((idx, cond.start_time.as_millis()));
        }
        self.endless_experiment(step)
            .map(|created| (idx, created.as_millis()))
    }

    /// When the experiment of the current step was created, if it runs until promoted.
    fn endless_experiment(&self, step: Option<&Step>) -> Option<crate::engine::SimTime> {
        let e = step?.experiment.as_ref()?;
        if e.duration.is_some() || e.analyses.iter().any(|a| a.required_for_completion) {
            return None;
        }
        let name = self.rollout.status.canary.current_experiment.as_ref()?;
        self.experiments
            .iter()
            .find(|x| &x.name == name)
            .map(|x| x.created)
    }

    pub(super) fn auto_promote(&mut self, step: u32, generation: u64) {
        let still = self.rollout.generation == generation
            && self.indefinite_pause().is_some_and(|(idx, _)| idx == step);
        if !still {
            return;
        }
        self.journal.push(
            self.now,
            EntryKind::ScriptAction {
                line: 0,
                action: "promote (auto)".to_string(),
                verb: ActionVerb::AutoPromote,
            },
        );
        self.promote(false);
        self.request_reconcile();
        self.after_change();
    }
}
