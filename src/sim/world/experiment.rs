//! The simulation's side of experiments and managed routes: Experiments created and stopped
//! on the rollout controller's request, the experiment controller run on each of them at every
//! pass (like the real one, it reacts to its ReplicaSets, its runs and its own status), its
//! plans applied to the cluster, and the traffic router's managed routes.

use smol_str::SmolStr;
use smol_str::ToSmolStr;
use std::collections::BTreeMap;

use crate::analysis::run::RunKind;
use crate::analysis::spec::{self, ArgSources};
use crate::api::routes::RouteRule;
use crate::cluster::{ExperimentOwner, NewReplicaSet};
use crate::experiment::controller::{self, ExperimentWrite, RunState, TemplateRs};
use crate::experiment::{self as exp, Experiment, ExperimentStatus, Sources};
use crate::rollout::{ExperimentTemplateView, ExperimentView, RouteView};

use super::World;
use crate::sim::driver::Driver;
use crate::sim::journal::EntryKind;

/// What the rollout asked an experiment to be built from.
pub(super) struct NewExperiment {
    pub name: SmolStr,
    pub step_index: u32,
    pub pod_hash: SmolStr,
    pub stable_hash: SmolStr,
    pub revision: u64,
}

impl World<'_> {
    /// The experiments as the rollout controller sees them.
    /// Asked before a reconcile only when there is an experiment (`reconcile_once`).
    pub(super) fn experiment_views(&self) -> Vec<ExperimentView> {
        self.experiments
            .iter()
            .map(|e| ExperimentView {
                name: e.name.clone(),
                step_index: e.step_index,
                pod_hash: e.pod_hash.clone(),
                stable_hash: e.stable_hash.clone(),
                phase: e.status.phase_or_pending(),
                message: e.status.message.as_str().into(),
                terminate: e.terminate,
                templates: e
                    .status
                    .template_statuses
                    .iter()
                    .map(|t| ExperimentTemplateView {
                        name: t.name.as_str().into(),
                        service_name: t.service_name.clone(),
                        pod_template_hash: t.pod_template_hash.clone(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// `GetExperimentFromTemplate`: builds the Experiment of a step from the stable and
    /// canary ReplicaSets' templates, resolving the arguments the rollout resolves.
    pub(super) fn create_experiment(&mut self, d: &mut Driver, new: NewExperiment) {
        let spec = &self.rollout.spec;
        let Some(step) = spec
            .canary()
            .and_then(|c| c.steps.get(new.step_index as usize))
            .and_then(|s| s.experiment.as_ref())
        else {
            return;
        };
        let template_of = |hash: &str| {
            self.cluster
                .find_rs_by_hash(hash)
                .map(|id| self.cluster.rs(id).template.clone())
        };
        let (Some(stable), Some(canary)) =
            (template_of(&new.stable_hash), template_of(&new.pod_hash))
        else {
            return;
        };
        let rollout = &self.sc.manifests.rollouts[0];
        let sources = ArgSources {
            stable_hash: &new.stable_hash,
            latest_hash: &new.pod_hash,
            rollout_name: &self.rollout.name,
            namespace: &self.rollout.namespace,
            labels: &rollout.labels,
            annotations: &rollout.annotations,
            secrets: &self.secrets,
        };
        let args = step
            .analyses
            .iter()
            .map(|a| spec::resolve_rollout_args(&a.analysis.args, &sources))
            .collect();
        let spec = exp::build_spec(
            step,
            &Sources {
                stable: &stable,
                canary: &canary,
                selector: &spec.selector,
                min_ready_seconds: spec.min_ready_seconds,
                progress_deadline_seconds: spec.progress_deadline_seconds,
            },
            args,
        );
        self.journal.push(
            d.now(),
            EntryKind::ExperimentCreated {
                name: new.name.clone(),
                step: new.step_index,
                templates: spec.templates.iter().map(|t| t.name.clone()).collect(),
            },
        );
        self.experiments.push(Experiment {
            name: new.name,
            step_index: new.step_index,
            pod_hash: new.pod_hash,
            stable_hash: new.stable_hash,
            revision: new.revision,
            spec,
            terminate: false,
            created: d.now(),
            status: ExperimentStatus::default(),
        });
    }

    /// `spec.terminate: true`.
    pub(super) fn terminate_experiment(&mut self, d: &mut Driver, name: &str) {
        let Some(e) = self.experiments.iter_mut().find(|e| e.name == name) else {
            return;
        };
        if e.terminate {
            return;
        }
        e.terminate = true;
        self.journal.push(
            d.now(),
            EntryKind::ExperimentTerminated { name: name.into() },
        );
    }

    /// A finished experiment whose ReplicaSets are all scaled to 0 and whose template Services
    /// are gone: its reconcile writes nothing any more, so it is skipped (a rollout that keeps
    /// re-creating experiments, as after an Inconclusive one, would otherwise pay for all of
    /// them at every pass).
    fn experiment_at_rest(&self, i: usize) -> bool {
        let e = &self.experiments[i];
        e.status.phase.is_some_and(|p| p.completed())
            && e.status
                .template_statuses
                .iter()
                .all(|t| t.service_name.is_empty())
            && self
                .cluster
                .live_replica_sets()
                .filter(|rs| {
                    rs.experiment
                        .as_ref()
                        .is_some_and(|o| o.experiment == e.name)
                })
                .all(|rs| rs.spec_replicas == 0 && rs.replicas == 0)
    }

    /// The Services experiment `i` does not own: the cluster's (the manifests') and the
    /// other experiments' template Services. Listed only for an experiment that creates
    /// Services at all.
    fn services_foreign_to(&self, i: usize) -> Vec<&str> {
        if self.experiments[i]
            .spec
            .templates
            .iter()
            .all(|t| t.service.is_none())
        {
            return Vec::new();
        }
        let others = self
            .experiments
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .flat_map(|(_, e)| &e.status.template_statuses)
            .map(|t| t.service_name.as_str())
            .filter(|n| !n.is_empty());
        self.cluster
            .services
            .keys()
            .map(SmolStr::as_str)
            .chain(others)
            .collect()
    }

    /// One reconcile of every experiment; true when any wrote something.
    #[inline]
    pub(in crate::sim) fn reconcile_experiments(&mut self, d: &mut Driver) -> bool {
        // Asked at every pass of every settle, and most rollouts have no experiment: the
        // loop (with its larger frame) is entered only when there is one.
        if self.experiments.is_empty() {
            return false;
        }
        self.reconcile_each_experiment(d)
    }

    /// `reconcile_experiments` when there are experiments.
    #[inline(never)]
    fn reconcile_each_experiment(&mut self, d: &mut Driver) -> bool {
        let mut changed = false;
        for i in 0..self.experiments.len() {
            if self.experiment_at_rest(i) {
                continue;
            }
            let runs: Vec<RunState> = self
                .runs
                .iter()
                .map(|r| RunState {
                    name: r.name.clone(),
                    phase: r.status.phase,
                    message: r.status.message.clone(),
                    terminate: r.terminate,
                })
                .collect();
            let name = self.experiments[i].name.clone();
            let rss: Vec<TemplateRs> = self
                .cluster
                .live_replica_sets()
                .filter_map(|rs| {
                    let owner = rs.experiment.as_ref().filter(|o| o.experiment == name)?;
                    Some(TemplateRs {
                        template: owner.template.clone(),
                        name: rs.name.clone(),
                        hash: rs.hash.clone(),
                        spec: rs.spec_replicas,
                        replicas: rs.replicas,
                        ready: rs.ready,
                        available: rs.available,
                        scale_down_deadline: rs.scale_down_deadline,
                    })
                })
                .collect();
            let foreign = self.services_foreign_to(i);
            let plan = controller::reconcile(&controller::ExperimentInput {
                experiment: &self.experiments[i],
                replica_sets: &rss,
                runs: &runs,
                templates: &self.templates,
                foreign_services: &foreign,
                start: self.sc.start,
                now: d.now(),
            });
            for &at in &plan.requeue {
                if at > d.now() {
                    d.wake_experiments_at(at);
                }
            }
            if plan.is_noop() {
                continue;
            }
            changed = true;
            self.apply_experiment_plan(d, i, plan);
        }
        if changed {
            // The rollout watches its experiments; the cluster changed under both.
            self.sync_replica_sets(d);
            d.request_reconcile();
        }
        changed
    }

    fn apply_experiment_plan(
        &mut self,
        d: &mut Driver,
        i: usize,
        plan: controller::ExperimentPlan,
    ) {
        let now = d.now();
        for write in plan.writes {
            match write {
                ExperimentWrite::CreateReplicaSet { template } => {
                    let e = &self.experiments[i];
                    let Some(t) = e.spec.templates.iter().find(|t| t.name == template) else {
                        continue;
                    };
                    let name = e.replica_set_name(&template);
                    let image = t.template.primary_image_text();
                    self.cluster.create_replica_set(
                        NewReplicaSet {
                            name: name.as_str().into(),
                            hash: t.hash.as_str().into(),
                            template: t.template.clone(),
                            revision: 0,
                            min_ready_seconds: t.min_ready_seconds,
                            desired_annotation: 0,
                            experiment: Some(ExperimentOwner {
                                experiment: e.name.clone(),
                                template,
                            }),
                        },
                        now,
                    );
                    // Revision 0: an Experiment's ReplicaSet has no revision of the rollout.
                    self.journal.push(
                        now,
                        EntryKind::ReplicaSetCreated {
                            name: name.into(),
                            revision: 0,
                            image,
                        },
                    );
                    self.note_selectors();
                }
                ExperimentWrite::ScaleReplicaSet { name, from, to } => {
                    if let Some(id) = self.cluster.find_rs(&name) {
                        self.cluster.rs_mut(id).spec_replicas = to;
                        // Template replica counts are capped at 1,000,000 by the manifest,
                        // so the saturation never shows.
                        self.journal.push(
                            now,
                            EntryKind::ReplicaSetScaled {
                                name,
                                from: i32::try_from(from).unwrap_or(i32::MAX),
                                to: i32::try_from(to).unwrap_or(i32::MAX),
                            },
                        );
                    }
                }
                ExperimentWrite::SetScaleDownDeadline { name, at } => {
                    self.set_scale_down_deadline(d, name, Some(at));
                }
                ExperimentWrite::RemoveScaleDownDeadline { name } => {
                    self.set_scale_down_deadline(d, name, None)
                }
                ExperimentWrite::CreateAnalysisRun {
                    analysis,
                    name,
                    args,
                } => self.create_experiment_run(d, i, &analysis, name, args),
                ExperimentWrite::TerminateAnalysisRun { name } => {
                    self.terminate_analysis_run(d, &name)
                }
            }
        }
        for e in plan.rollout_events {
            self.journal.push(
                now,
                EntryKind::KubeEvent {
                    reason: e.reason.into(),
                    message: e.message.into(),
                    warning: true,
                },
            );
        }
        if let Some(status) = plan.status {
            self.record_experiment_status(d, i, status);
        }
    }

    /// Writes a new status, journaling the moment it starts running and when it ends.
    fn record_experiment_status(&mut self, d: &mut Driver, i: usize, status: ExperimentStatus) {
        let e = &self.experiments[i];
        let name = e.name.clone();
        if e.status.available_at.is_none() && status.available_at.is_some() {
            self.journal.push(
                d.now(),
                EntryKind::ExperimentRunning {
                    name: name.clone(),
                    duration: e.spec.duration,
                },
            );
        }
        let was_done = e.finished();
        self.experiments[i].status = status;
        let e = &self.experiments[i];
        if !was_done && e.finished() {
            self.journal.push(
                d.now(),
                EntryKind::ExperimentCompleted {
                    name,
                    phase: e.status.phase_or_pending().as_str().into(),
                    message: e.status.message.as_str().into(),
                },
            );
        }
    }

    /// An experiment's run: its analysis with the arguments the experiment resolved.
    fn create_experiment_run(
        &mut self,
        d: &mut Driver,
        i: usize,
        analysis: &str,
        name: SmolStr,
        args: Vec<crate::api::analysis::Argument>,
    ) {
        let e = &self.experiments[i];
        let Some(a) = e.spec.analyses.iter().find(|a| a.name == analysis) else {
            return;
        };
        let built = crate::api::analysis::RolloutAnalysis {
            args,
            ..a.analysis.clone()
        };
        let (pod_hash, stable_hash, revision) =
            (e.pod_hash.clone(), e.stable_hash.clone(), e.revision);
        self.create_analysis_run(
            d,
            super::analysis::NewRun {
                name,
                kind: RunKind::Experiment,
                pod_hash,
                stable_hash,
                revision,
            },
            Some(built),
        );
    }

    /// The latest experiment's phase by full name and by step index (what `experiment:`
    /// conditions read).
    pub(super) fn experiment_phases(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in &self.experiments {
            let phase = e.status.phase_or_pending().as_str().to_string();
            out.insert(e.step_index.to_string(), phase.clone());
            out.insert(e.name.to_string(), phase);
        }
        out
    }

    /// The experiment (and its template) an experiment run belongs to, for `experiment:NAME`
    /// metric roles; other runs read the latest experiment.
    pub(super) fn experiment_of_run(&self, run: &str) -> Option<&Experiment> {
        self.experiments
            .iter()
            .find(|e| e.status.analysis_runs.iter().any(|r| r.run == run))
            .or_else(|| self.experiments.last())
    }

    /// Applies a route write of the rollout controller to the router, keeping the routes in
    /// `managedRoutes` order (their precedence).
    pub(super) fn set_route(&mut self, d: &mut Driver, name: SmolStr, rule: Option<RouteRule>) {
        let order: Vec<String> = self
            .rollout
            .spec
            .canary()
            .and_then(|c| c.traffic_routing.as_ref())
            .map(|t| t.managed_routes.clone())
            .unwrap_or_default();
        self.routes.retain(|r| r.name != name);
        match rule {
            Some(rule) => {
                self.journal.push(
                    d.now(),
                    EntryKind::RouteSet {
                        name: name.clone(),
                        route: rule.kind().into(),
                        detail: rule.to_smolstr(),
                    },
                );
                self.routes.push(RouteView { name, rule });
                let rank = |n: &str| order.iter().position(|o| o == n).unwrap_or(usize::MAX);
                self.routes.sort_by_key(|r| rank(&r.name));
            }
            None => self.journal.push(d.now(), EntryKind::RouteRemoved { name }),
        }
    }

    /// `RemoveManagedRoutes`.
    pub(super) fn remove_routes(&mut self, d: &mut Driver) {
        for r in std::mem::take(&mut self.routes) {
            self.journal
                .push(d.now(), EntryKind::RouteRemoved { name: r.name });
        }
    }
}
