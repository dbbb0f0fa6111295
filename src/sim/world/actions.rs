//! User actions on the world: the `kubectl argo rollouts` verbs (their patches built by
//! `rollout::plugin`), spec edits (`set image`, `apply`, `pause`, scale, `restart`, `undo`)
//! and the faults a script or the interactive mode injects. Spec edits bump the generation;
//! the plugin's status patches do not.

use crate::api::Step;
use crate::engine::SimDuration;
use crate::rollout::plugin::{self, Undo, Verb};
use crate::rollout::status::PauseReason;
use crate::scenario::{PodTarget, ScriptAction};

use super::World;
use crate::sim::driver::{Driver, Ev};
use crate::sim::journal::EntryKind;

/// What became of a user action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::sim) enum Performed {
    /// Carried out: the controller is to look at the world again.
    Done,
    /// Carried out, but it found nothing to act on: a failed check (`no pod matches`), and the
    /// controller still looks.
    Missed(String),
    /// Refused, with the reason as a failed check: nothing more happens.
    Refused(String),
    /// Nothing to do, as the plugin reports (the journal says why): nothing more happens.
    Skipped,
}

impl World<'_> {
    /// Carries out a user action of the script (line `line`). The plugin's note, when the
    /// verb has nothing to act on, is journaled first.
    pub(in crate::sim) fn perform(
        &mut self,
        d: &mut Driver,
        action: &ScriptAction,
        line: u32,
    ) -> Performed {
        if let Some(note) = self.no_effect_note(action) {
            self.journal.push(
                d.now(),
                EntryKind::ActionNote {
                    line,
                    note: note.into(),
                },
            );
        }
        match action {
            ScriptAction::SetImage { container, image } => {
                // In place, not on a copy of the spec: only the template's hash and the
                // generation follow from the edit.
                let template = &mut self.rollout.spec.template;
                match template.set_image(container.as_deref(), image) {
                    None => {
                        let what = container.clone().unwrap_or_default();
                        return Performed::Refused(format!(
                            "the pod template has no container named `{what}`"
                        ));
                    }
                    Some(true) => {
                        self.rollout.template_hash = template.hash(0);
                        self.spec_edited(d, format_args!("image {image}"));
                    }
                    Some(false) => {}
                }
            }
            ScriptAction::Apply { path, manifests } => {
                for svc in &manifests.services {
                    self.upsert_service(svc);
                }
                for t in &manifests.templates {
                    self.templates
                        .retain(|x| !(x.name == t.name && x.cluster_scope == t.cluster_scope));
                    self.templates.push(t.clone());
                    self.views.templates_changed();
                }
                for s in &manifests.secrets {
                    self.secrets.retain(|x| x.name != s.name);
                    self.secrets.push(s.clone());
                }
                if let Some(r) = manifests.rollouts.first() {
                    if r.name != self.rollout.name {
                        return Performed::Refused(format!(
                            "the file holds Rollout `{}`, not `{}`",
                            r.name, self.rollout.name
                        ));
                    }
                    let named_before: Vec<String> = (self.rollout.spec.service_names())
                        .into_iter()
                        .map(String::from)
                        .collect();
                    self.update_spec(d, r.spec.clone(), format!("applied {path}"));
                    self.release_unnamed_services(d, &named_before);
                }
                d.request_reconcile();
            }
            ScriptAction::Promote { full } => self.promote(d, *full),
            ScriptAction::Abort => self.apply_patch(d, plugin::abort(), "abort"),
            ScriptAction::Retry => self.apply_patch(d, plugin::retry(), "retry"),
            ScriptAction::Pause => self.set_paused(d, true, "paused"),
            ScriptAction::Resume => self.set_paused(d, false, "resumed"),
            ScriptAction::Scale(n) => {
                if self.rollout.spec.replicas != Some(*n) {
                    self.rollout.spec.replicas = Some(*n);
                    self.spec_edited(d, format_args!("replicas {n}"));
                }
            }
            ScriptAction::Restart { delay } => {
                let at = plugin::restart_at(d.now(), *delay);
                if self.rollout.spec.restart_at != Some(at.0) {
                    self.rollout.spec.restart_at = Some(at.0);
                    self.spec_edited(d, format_args!("restartAt {at}"));
                }
                d.schedule(at, Ev::ScriptWake);
            }
            ScriptAction::Undo { to_revision } => {
                let done = self.undo(d, *to_revision, line);
                if done != Performed::Done {
                    return done;
                }
            }
            ScriptAction::DeletePod(target) => {
                if self.delete_pods(d, target) == 0 {
                    d.request_reconcile();
                    return Performed::Missed("no pod matches".into());
                }
            }
            ScriptAction::EvictPod(target) => {
                if self.evict_pods(d, target) == 0 {
                    d.request_reconcile();
                    return Performed::Missed("no pod matches".into());
                }
            }
            ScriptAction::FailNode {
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
                self.fail_node(d, name, not_ready, evict);
            }
            ScriptAction::WaitFor(_) | ScriptAction::WaitUntil(_) | ScriptAction::Expect(_) => {}
        }
        d.request_reconcile();
        Performed::Done
    }

    /// What an operator action amounts to when there is nothing for it to act on
    /// (`rollout::plugin::no_effect_note`). `None` when the action has an effect.
    pub(in crate::sim) fn no_effect_note(&self, action: &ScriptAction) -> Option<String> {
        let verb = match action {
            ScriptAction::Promote { full: false } => Verb::Promote,
            ScriptAction::Promote { full: true } => Verb::PromoteFull,
            ScriptAction::Abort => Verb::Abort,
            ScriptAction::Retry => Verb::Retry,
            ScriptAction::Pause => Verb::Pause,
            ScriptAction::Resume => Verb::Resume,
            _ => return None,
        };
        plugin::no_effect_note(&self.rollout, verb)
    }

    /// `kubectl argo rollouts undo` (`rollout::plugin::undo`) over the rollout's ReplicaSets.
    fn undo(&mut self, d: &mut Driver, to_revision: Option<u64>, line: u32) -> Performed {
        let history: Vec<(u64, &crate::api::PodTemplate)> = self
            .cluster
            .rollout_replica_sets()
            .map(|rs| (rs.revision, &rs.template))
            .collect();
        let (rev, template) = match plugin::undo(&self.rollout, &history, to_revision) {
            Err(why) => return Performed::Refused(why),
            Ok(Undo::AlreadyThere { revision }) => {
                self.journal.push(
                    d.now(),
                    EntryKind::ActionNote {
                        line,
                        note: smol_str::format_smolstr!(
                            "skipped rollback (current template already matches revision \
                             {revision})"
                        ),
                    },
                );
                return Performed::Skipped;
            }
            Ok(Undo::Rollback { revision, template }) => (revision, template.clone()),
        };
        let mut spec = self.rollout.spec.clone();
        spec.template = template;
        self.update_spec(d, spec, format!("template of revision {rev}"));
        Performed::Done
    }

    /// Argo's Service controller (`syncService`, service/service.go): a Service the Rollout
    /// no longer names loses the `rollouts-pod-template-hash` selector and the managed-by
    /// annotation (`generateRemovePatch`), so it selects every pod of the app again. The
    /// rollout controller queues the Services an update of the Rollout stopped naming.
    fn release_unnamed_services(&mut self, d: &Driver, named_before: &[String]) {
        let named_now = self.rollout.spec.service_names();
        let released: Vec<String> = named_before
            .iter()
            .filter(|n| !named_now.contains(&n.as_str()))
            .cloned()
            .collect();
        for name in released {
            let Some(svc) = self.cluster.services.get_mut(name.as_str()) else {
                continue;
            };
            let Some(from) = svc.selector_hash.take() else {
                continue;
            };
            svc.managed = false;
            self.services_changed();
            self.journal.push(
                d.now(),
                EntryKind::ServiceSwitched {
                    service: name.into(),
                    from: Some(from),
                    to: None,
                },
            );
        }
    }

    /// A spec edit: a new generation when anything changed.
    fn update_spec(&mut self, d: &Driver, spec: crate::api::RolloutSpec, change: String) {
        if spec.selector != self.rollout.spec.selector {
            self.selector_memo.forget();
        }
        let changed = self.rollout.set_spec(spec);
        self.note_selectors();
        if !changed {
            return;
        }
        self.journal.push(
            d.now(),
            EntryKind::RolloutUpdated {
                generation: self.rollout.generation,
                change: change.into(),
            },
        );
    }

    /// The spec was edited in place (its template hash already brought up to date): a new
    /// generation, journaled as `update_spec` journals a replaced spec. Only edits that
    /// changed something come here, as `RolloutObject::set_spec` bumps only for a change.
    fn spec_edited(&mut self, d: &Driver, change: std::fmt::Arguments<'_>) {
        self.rollout.generation += 1;
        let change = super::text(&mut self.scratch, change);
        self.journal.push(
            d.now(),
            EntryKind::RolloutUpdated {
                generation: self.rollout.generation,
                change,
            },
        );
    }

    /// `spec.paused` set to `paused`, a new generation when it changes.
    fn set_paused(&mut self, d: &Driver, paused: bool, change: &str) {
        if self.rollout.spec.paused != paused {
            self.rollout.spec.paused = paused;
            self.spec_edited(d, format_args!("{change}"));
        }
    }

    /// `kubectl argo rollouts promote [--full]`: the patch `rollout::plugin::promote` builds.
    pub(in crate::sim) fn promote(&mut self, d: &Driver, full: bool) {
        let patch = plugin::promote(&self.rollout, full);
        self.apply_patch(d, patch, "unpaused by promote");
    }

    /// Applies a plugin patch: its spec half as a spec edit (journaled as a new generation,
    /// `change` saying why), then its status half.
    pub(in crate::sim) fn apply_patch(&mut self, d: &Driver, patch: plugin::Patch, change: &str) {
        if patch.unpause {
            self.set_paused(d, false, change);
        }
        if let Some(i) = patch.current_step_index
            && self.rollout.status.current_step_index != Some(i)
        {
            self.note_patched_step(i);
        }
        patch.apply_to_status(&mut self.rollout.status);
    }

    /// `watch --interactive`'s `k`: one canary pod deleted, or a stable one without a canary.
    pub(in crate::sim) fn kill_a_pod(&mut self, d: &mut Driver) {
        let canary = PodTarget::Role {
            role: "canary".into(),
            count: 1,
        };
        if self.delete_pods(d, &canary) == 0 {
            self.delete_pods(
                d,
                &PodTarget::Role {
                    role: "stable".into(),
                    count: 1,
                },
            );
        }
    }

    /// `watch --interactive`'s `n`: the first healthy node holding pods fails, as a script's
    /// `failNode` with the cluster's node lifecycle timings.
    pub(in crate::sim) fn fail_a_node(&mut self, d: &mut Driver) {
        let node = self.cluster.nodes.iter().find(|n| !n.failed && n.pods > 0);
        if let Some(name) = node.map(|n| n.name.clone()) {
            let c = &self.sc.cluster;
            let grace: SimDuration = c.node_monitor_grace_period;
            self.fail_node(d, &name, grace, grace + c.unreachable_toleration);
        }
    }

    /// The version with `hash` fails `rate` of its requests from now on.
    pub(in crate::sim) fn make_bad(&mut self, hash: String, rate: f64) {
        self.bad_versions.retain(|(h, _)| *h != hash);
        self.bad_versions.push((hash, rate));
    }

    /// When the scenario's stand-in operator promotes the indefinite pause the rollout is in:
    /// the timer it armed for this very pause (`None` without one). Not for an endless
    /// experiment: its timer is armed when the Experiment is created, a change the rollout's
    /// snapshot does not otherwise show, and the journal records no snapshot for it alone.
    pub(in crate::sim) fn scenario_promotion_at(&self) -> Option<crate::engine::SimTime> {
        let st = &self.rollout.status;
        if st.pause_condition(PauseReason::CanaryPauseStep).is_none()
            && st.pause_condition(PauseReason::BlueGreenPause).is_none()
        {
            return None;
        }
        let (key, at) = self.scenario_promotion?;
        let (idx, start) = self.indefinite_pause()?;
        (key == (self.rollout.generation, idx, start)).then_some(at)
    }

    /// What the rollout waits on a human for, if anything: the step index (`u32::MAX` for
    /// the blue-green pause) and since when (milliseconds).
    pub(in crate::sim) fn indefinite_pause(&self) -> Option<(u32, u64)> {
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
}
