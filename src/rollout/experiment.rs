//! The rollout's side of experiments (upstream `rollout/experiment.go:reconcileExperiments`):
//! create the Experiment of the current experiment step, follow it in
//! `status.canary.currentExperiment` while it runs, turn its result into an abort (Failed,
//! Error) or a pause (Inconclusive), and terminate every other Experiment the rollout owns.
//!
//! As upstream, the experiment the rollout follows is the one the *previous* status named:
//! once an experiment has ended the status no longer names it, so a step that is still
//! current afterwards (paused by hand, or left Inconclusive) creates a new one, named with a
//! `-1`, `-2` suffix.

use crate::analysis::run::AnalysisPhase;
use crate::api::experiment::ExperimentStep;
use smol_str::SmolStr;

use super::context::{ExperimentView, Write};
use super::controller::Ctx;
use super::event::EventMessage;
use super::status::{PauseReason, WeightDestination};

/// The experiment the rollout follows in this reconcile.
struct Followed {
    name: SmolStr,
    phase: AnalysisPhase,
    message: SmolStr,
}

impl<'a> Ctx<'a> {
    /// `c.currentEx`: the Experiment the previous status named.
    pub(super) fn current_experiment(&self) -> Option<&'a ExperimentView> {
        let name = self.prev.canary.current_experiment.as_ref()?;
        self.experiments().iter().find(|e| &e.name == name)
    }

    /// Whether the current experiment step is done: its Experiment succeeded.
    pub(super) fn completed_experiment_step(&self) -> bool {
        self.current_experiment()
            .is_some_and(|e| e.phase == AnalysisPhase::Successful)
    }

    /// `reconcileExperiments`. A rollout that owns no Experiment and is not at an experiment
    /// step has none to create, follow or cancel: decided where it is asked, without a call.
    #[inline(always)]
    pub(super) fn reconcile_experiments(&mut self) {
        let (step, _) = self.current_step();
        if !self.experiments().is_empty() || step.is_some_and(|s| s.experiment.is_some()) {
            self.follow_experiments();
        }
    }

    /// [`Ctx::reconcile_experiments`] for a rollout that owns an Experiment or is at an
    /// experiment step. Out of line, so that the check before it stays small enough to inline.
    #[inline(never)]
    fn follow_experiments(&mut self) {
        let current = self.current_experiment();
        if self.pause.is_aborted() || self.prev.promote_full {
            for e in self.experiments() {
                self.cancel_experiment(e);
            }
            return;
        }
        if self
            .prev
            .pause_condition(PauseReason::InconclusiveAnalysisRun)
            .is_some()
        {
            return;
        }
        let (step, index) = self.current_step();
        let experiment_step = step.is_some_and(|s| s.experiment.is_some());
        let mut followed = current.map(|e| Followed {
            name: e.name.clone(),
            phase: e.phase,
            message: e.message.clone(),
        });
        if let (true, Some(index)) = (experiment_step, index) {
            if followed.is_none() {
                // An experiment copies the stable ReplicaSet's template: none exists yet.
                if self.stable_rs.is_none() {
                    return;
                }
                followed = Some(self.create_experiment(index));
            }
            if let Some(f) = &followed {
                match f.phase {
                    AnalysisPhase::Inconclusive => {
                        self.pause.add_pause(PauseReason::InconclusiveExperiment)
                    }
                    // `reconcileExperiments` (rollout/experiment.go): the experiment's own
                    // message after a fixed prefix, the prefix alone when it has none.
                    AnalysisPhase::Error | AnalysisPhase::Failed => {
                        let mut message = String::from("Experiment analysis phase is error/failed");
                        if !f.message.is_empty() {
                            message.push_str(": ");
                            message.push_str(&f.message);
                        }
                        self.pause.add_abort(message)
                    }
                    // A finished experiment is no longer followed.
                    AnalysisPhase::Successful => {}
                    _ => self.new_status.canary.current_experiment = Some(f.name.clone()),
                }
            }
        }
        // Every experiment but the one the previous status named is cancelled, that one too
        // once its step is over. (An experiment re-used by name above is not the one the
        // status named, so upstream cancels it right away as well.)
        let keep = current.filter(|_| experiment_step).map(|e| e.name.as_str());
        for e in self.experiments() {
            if Some(e.name.as_str()) != keep {
                self.cancel_experiment(e);
            }
        }
    }

    /// `createExperimentWithCollisionHandling`: the name `<rollout>-<hash>-<revision>-<step>`,
    /// or an existing experiment of that name still running for the same step and hashes, or
    /// the next free name with a `-N` suffix.
    fn create_experiment(&mut self, index: u32) -> Followed {
        let stable_hash = self.prev.stable_rs.clone();
        let base = format!(
            "{}-{}-{}-{index}",
            self.ro.name, self.new_hash, self.revision
        );
        let mut name = base.clone();
        let mut collision = 1;
        let reused = loop {
            let Some(existing) = self.experiments().iter().find(|e| e.name == name) else {
                break None;
            };
            let same = existing.step_index == index
                && existing.pod_hash == self.new_hash
                && existing.stable_hash == stable_hash;
            if same && !existing.phase.completed() {
                break Some(existing);
            }
            name = format!("{base}-{collision}");
            collision += 1;
        };
        self.plan.event(
            "ExperimentCreated",
            EventMessage::ExperimentCreated {
                name: name.as_str().into(),
            },
        );
        match reused {
            Some(e) => Followed {
                name: name.into(),
                phase: e.phase,
                message: e.message.clone(),
            },
            None => {
                self.plan.writes.push(Write::CreateExperiment {
                    name: name.as_str().into(),
                    step_index: index,
                    pod_hash: self.new_hash.into(),
                    stable_hash,
                    revision: self.revision,
                });
                Followed {
                    name: name.into(),
                    phase: AnalysisPhase::Pending,
                    message: String::new().into(),
                }
            }
        }
    }

    /// `cancelExperiments`: `spec.terminate` on an experiment still going.
    fn cancel_experiment(&mut self, e: &ExperimentView) {
        let already = self
            .plan
            .writes
            .iter()
            .any(|a| matches!(a, Write::TerminateExperiment { name } if *name == e.name));
        if e.terminate || e.phase.completed() || already {
            return;
        }
        self.plan.writes.push(Write::TerminateExperiment {
            name: e.name.clone(),
        });
    }

    /// `GetCurrentExperimentStep`: the latest experiment step at or before the current one.
    fn latest_experiment_step(&self) -> Option<&'a ExperimentStep> {
        let (step, index) = self.current_step();
        step?;
        self.canary.steps[..=index? as usize]
            .iter()
            .rev()
            .find_map(|s| s.experiment.as_ref())
    }

    /// `calculateWeightDestinationsFromExperiment`: while the followed experiment runs, each
    /// of its templates with a `weight` is an additional destination of the router.
    pub(super) fn experiment_destinations(&self) -> Vec<WeightDestination> {
        let (Some(step), Some(ex)) = (self.latest_experiment_step(), self.current_experiment())
        else {
            return Vec::new();
        };
        if ex.phase != AnalysisPhase::Running {
            return Vec::new();
        }
        ex.templates
            .iter()
            .filter_map(|t| {
                let weight = step.template(&t.name)?.weight?;
                Some(WeightDestination {
                    // Experiment weights are percentages (validated 0..=100).
                    weight: i32::try_from(weight).unwrap_or(i32::MAX),
                    pod_template_hash: t.pod_template_hash.clone(),
                    service_name: t.service_name.clone(),
                })
            })
            .collect()
    }
}
