//! Applying a rollout controller `Plan` to the fake cluster and the Rollout object, recording
//! each write in the journal.

use crate::engine::SimTime;
use crate::rollout::{Plan, Write};
use smol_str::SmolStr;

use super::World;
use crate::sim::driver::Driver;
use crate::sim::journal::EntryKind;

impl World<'_> {
    /// Writes `plan` and empties it: its lists are drained, not dropped, so that the next
    /// reconcile fills them again without allocating.
    pub(super) fn apply_plan(&mut self, d: &mut Driver, plan: &mut Plan) {
        let now = d.now();
        for write in plan.writes.drain(..) {
            match write {
                Write::CreateReplicaSet { hash, revision } => {
                    // Made once and shared with the journal entry.
                    let name = super::text(
                        &mut self.scratch,
                        format_args!("{}-{hash}", self.rollout.name),
                    );
                    let id = self.cluster.create_replica_set(
                        crate::cluster::NewReplicaSet {
                            name: name.clone(),
                            hash,
                            // Shared with the spec, not copied.
                            template: self.rollout.spec.template.clone(),
                            revision,
                            min_ready_seconds: self.rollout.spec.min_ready_seconds,
                            desired_annotation: i32::try_from(self.rollout.spec.replicas())
                                .unwrap_or(i32::MAX),
                            experiment: None,
                        },
                        now,
                    );
                    self.note_selectors();
                    self.journal.push(
                        now,
                        EntryKind::ReplicaSetCreated {
                            name,
                            revision,
                            image: self.cluster.rs(id).image.clone(),
                        },
                    );
                }
                Write::ScaleReplicaSet {
                    name,
                    from,
                    to,
                    desired_annotation,
                    clear_deadline,
                } => {
                    let Some(id) = self.cluster.find_rs(&name) else {
                        continue;
                    };
                    let rs = self.cluster.rs_mut(id);
                    rs.spec_replicas = to.max(0).unsigned_abs();
                    rs.desired_annotation = Some(desired_annotation);
                    if clear_deadline && rs.scale_down_deadline.take().is_some() {
                        self.journal.push(
                            now,
                            EntryKind::ScaleDownDeadline {
                                name: name.clone(),
                                at: None,
                            },
                        );
                    }
                    if from != to {
                        self.journal
                            .push(now, EntryKind::ReplicaSetScaled { name, from, to });
                    }
                }
                Write::SetRevision { name, revision } => {
                    if let Some(id) = self.cluster.find_rs(&name) {
                        let rs = self.cluster.rs_mut(id);
                        let old = rs.revision;
                        rs.revision_history.push(old);
                        rs.revision = revision;
                        self.journal
                            .push(now, EntryKind::ReplicaSetRevision { name, revision });
                    }
                }
                Write::SetScaleDownDeadline { name, at } => {
                    self.set_scale_down_deadline(d, name, Some(at));
                }
                Write::RemoveScaleDownDeadline { name } => {
                    self.set_scale_down_deadline(d, name, None)
                }
                Write::DeleteReplicaSet { name } => {
                    if let Some(id) = self.cluster.find_rs(&name) {
                        self.cluster.rs_mut(id).deleted = true;
                        self.journal
                            .push(now, EntryKind::ReplicaSetDeleted { name });
                    }
                }
                Write::SwitchService { service, from, to } => {
                    if let Some(svc) = self.cluster.services.get_mut(service.as_str()) {
                        svc.selector_hash = Some(to.clone());
                        svc.managed = true;
                        self.services_changed();
                        let to = Some(to);
                        self.journal
                            .push(now, EntryKind::ServiceSwitched { service, from, to });
                    }
                }
                Write::SetRolloutRevision(r) => self.rollout.revision = r,
                Write::CreateAnalysisRun {
                    name,
                    kind,
                    pod_hash,
                    stable_hash,
                    revision,
                } => self.create_analysis_run(
                    d,
                    super::analysis::NewRun {
                        name,
                        kind,
                        pod_hash,
                        stable_hash,
                        revision,
                    },
                    None,
                ),
                Write::TerminateAnalysisRun { name } => self.terminate_analysis_run(d, &name),
                Write::CreateExperiment {
                    name,
                    step_index,
                    pod_hash,
                    stable_hash,
                    revision,
                } => self.create_experiment(
                    d,
                    super::experiment::NewExperiment {
                        name,
                        step_index,
                        pod_hash,
                        stable_hash,
                        revision,
                    },
                ),
                Write::TerminateExperiment { name } => self.terminate_experiment(d, &name),
                Write::SetRoute { name, rule } => self.set_route(d, name, Some(rule)),
                Write::RemoveRoute { name } => self.set_route(d, name, None),
                Write::RemoveManagedRoutes => self.remove_routes(d),
                Write::EvictPod { name } => {
                    if let Some(id) = self.cluster.find_live_pod(&name) {
                        self.evict_pod(d, id, "restart");
                    }
                }
            }
        }
        // These lists are mostly empty, and a drain costs its setup and its drop even then:
        // they are drained only when they hold something.
        if !plan.refused_evictions.is_empty() {
            for (name, budget) in plan.refused_evictions.drain(..) {
                self.journal
                    .push(now, EntryKind::PodEvictionRefused { name, budget });
            }
        }
        if !plan.events.is_empty() {
            for e in plan.events.drain(..) {
                self.journal.push(
                    now,
                    EntryKind::KubeEvent {
                        // Argo's reasons are constants: shared, not copied, into every entry.
                        reason: SmolStr::new_static(e.reason),
                        message: e.message,
                        warning: e.warning,
                    },
                );
            }
        }
        if let Some(why) = plan.completed_because.take() {
            self.completed_because = why;
        }
        if let Some(mut status) = plan.status.take() {
            // The boxes are swapped, not their contents: the status is large, and swapping
            // it in place cost a few hundred instructions per write.
            std::mem::swap(&mut self.rollout.status, &mut status);
            // The replaced status is where the next reconcile builds its own.
            self.spare_status = Some(status);
        }
    }

    /// Decides the rollout controller's validation verdict for the next reconcile, unless the
    /// one kept still holds: the spec is of the same generation (every edit makes a new one)
    /// and no Service or AnalysisTemplate changed since (those clear it). Call after
    /// `refresh_views`: the verdict reads the Services' views.
    pub(super) fn refresh_verdict(&mut self) {
        let generation = self.rollout.generation;
        if self
            .views
            .verdict
            .as_ref()
            .is_some_and(|(decided_for, _)| *decided_for == generation)
        {
            return;
        }
        let problem = crate::rollout::validation::validate(
            &self.rollout.spec,
            &self.views.services,
            &self.templates,
        );
        self.views.verdict = Some((generation, problem));
    }

    /// Sets (or with `None` removes) a ReplicaSet's scale-down-deadline annotation.
    pub(super) fn set_scale_down_deadline(
        &mut self,
        d: &mut Driver,
        name: SmolStr,
        at: Option<SimTime>,
    ) {
        if let Some(id) = self.cluster.find_rs(&name) {
            self.cluster.rs_mut(id).scale_down_deadline = at;
            self.journal
                .push(d.now(), EntryKind::ScaleDownDeadline { name, at });
        }
    }
}
