//! Replaying the journal: the state of the simulated world at any virtual time, rebuilt from
//! the entries up to it. The `get` tree, `watch`, the CSV series and the charts all read the
//! world through this, so they show exactly what the journal recorded.
//!
//! A [`Replay`] moves forward only (`advance_to`), one entry at a time, so a series over a
//! whole run costs one pass over the journal. Each entry costs O(log n) in the pods: pods are
//! found by name through an index, a ReplicaSet keeps its pods ordered as `get rollout` lists
//! them, and its counts of non-terminating, Ready and available pods as they change (`plan`
//! reads them after every entry).

use std::collections::BTreeMap;

use smol_str::SmolStr;

use crate::engine::SimTime;
use crate::sim::{Entry, EntryKind, Journal, RolloutSnapshot};

/// What a pod is doing, as `kubectl get pods` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    /// No node has room for it.
    Pending,
    /// Scheduled, containers starting (not Ready yet).
    ContainerCreating,
    /// Ready: its containers run and pass their readiness probe (may still await minReadySeconds).
    Running,
    /// Being deleted: shown until it is gone.
    Terminating,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A pod as `get rollout` lists it.
pub struct PodInfo {
    /// `metadata.name`.
    pub name: SmolStr,
    /// When it was created, in virtual time.
    pub created: SimTime,
    /// What `kubectl get pods` would say it is doing.
    pub phase: PodPhase,
    /// Passing its readiness probe.
    pub ready: bool,
    /// Ready for `minReadySeconds` (the same as Ready when that is 0).
    pub available: bool,
}

/// Where a pod sits among its ReplicaSet's: creation time to the second, as Kubernetes stores
/// `creationTimestamp`, then name — the order in which `get rollout` lists pods
/// (`addPodInfos`, pkg/kubectl-argo-rollouts/info/pod_info.go).
pub type PodKey = (SimTime, SmolStr);

/// The key of a pod created at `created` named `name`.
fn pod_key(created: SimTime, name: &SmolStr) -> PodKey {
    (created.truncate_to_second(), name.clone())
}

impl PodInfo {
    /// What the pod adds to its ReplicaSet's counts: non-terminating, Ready, available, and
    /// Ready in any phase (what the tree's "… N more pods (M ready)" line counts).
    fn counts(&self) -> [u32; 4] {
        let live = self.phase != PodPhase::Terminating;
        [
            u32::from(live),
            u32::from(live && self.ready),
            u32::from(live && self.available),
            u32::from(self.ready),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A ReplicaSet as `get rollout` shows it, with its live pods.
pub struct ReplicaSetInfo {
    /// `metadata.name`.
    pub name: String,
    /// The pod-template hash (the name's last part).
    pub hash: String,
    /// The `rollout.argoproj.io/revision` annotation.
    pub revision: u64,
    /// Its first container's image.
    pub image: String,
    /// When it was created, in virtual time.
    pub created: SimTime,
    /// `spec.replicas`.
    pub spec: i32,
    /// The `scale-down-deadline` annotation, while an old ReplicaSet waits to be scaled down.
    pub scale_down_deadline: Option<SimTime>,
    /// Live pods, oldest first (by creation time to the second, then name). Kept in that order rather than
    /// sorted per frame: `watch` and the report draw a frame per change, and a step of a
    /// 100,000-replica rollout creates thousands of pods at one instant; deleting a pod costs
    /// O(log n) too, where a vector would shift every younger pod.
    pub pods: BTreeMap<PodKey, PodInfo>,
    /// For a ReplicaSet of an Experiment: the experiment's name and the template it runs.
    /// The rollout does not own these; `get rollout` shows them under their experiment.
    pub experiment: Option<(String, String)>,
    /// Creation order among ReplicaSets (what the pod index refers to).
    seq: u64,
    /// The sum of its pods' `PodInfo::counts`, kept as they change.
    counts: [u32; 4],
}

impl ReplicaSetInfo {
    /// Non-terminating pods (`status.replicas`).
    pub fn replicas(&self) -> u32 {
        self.counts[0]
    }

    /// Ready pods (`status.readyReplicas`).
    pub fn ready(&self) -> u32 {
        self.counts[1]
    }

    /// Available pods (`status.availableReplicas`).
    pub fn available(&self) -> u32 {
        self.counts[2]
    }

    /// Listed pods that are Ready, terminating ones included.
    pub fn listed_ready(&self) -> u32 {
        self.counts[3]
    }
}

/// An AnalysisRun, with its measurement counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisRunInfo {
    /// `metadata.name`.
    pub name: String,
    /// Which of the rollout's analyses it runs, as the journal names it.
    pub kind: String,
    /// The rollout revision it was created for.
    pub revision: u64,
    /// The AnalysisTemplates it runs.
    pub templates: Vec<String>,
    /// When it was created, in virtual time.
    pub created: SimTime,
    /// `Running` until it completes.
    pub phase: String,
    /// `status.message`: why it ended so.
    pub message: String,
    /// Successful measurements so far.
    pub successful: u32,
    /// Failed measurements so far.
    pub failed: u32,
    /// Inconclusive measurements so far.
    pub inconclusive: u32,
    /// Measurements that errored so far.
    pub error: u32,
    /// The Experiment that owns the run (an experiment's own analysis), if not the rollout.
    pub experiment: Option<String>,
}

/// An Experiment of an experiment step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentInfo {
    /// `metadata.name`.
    pub name: String,
    /// The rollout revision it was created for (its `rollout.argoproj.io/revision`).
    pub revision: u64,
    /// Its templates' names.
    pub templates: Vec<String>,
    /// When it was created, in virtual time.
    pub created: SimTime,
    /// `Pending` until every template is available, then `Running`, then the final phase.
    pub phase: String,
}

/// The world at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// The instant the state is for.
    pub t: SimTime,
    /// The last status snapshot (none before the first reconcile).
    pub rollout: Option<RolloutSnapshot>,
    /// When the rollout was created (the first journal entry).
    pub rollout_created: Option<SimTime>,
    /// Every ReplicaSet not deleted, in creation order.
    pub replica_sets: Vec<ReplicaSetInfo>,
    /// Every AnalysisRun created, in creation order.
    pub runs: Vec<AnalysisRunInfo>,
    /// Every Experiment created, in creation order.
    pub experiments: Vec<ExperimentInfo>,
    /// Requests and failed requests so far, per version hash.
    pub traffic: Vec<(String, u64, u64)>,
    /// The traffic split of the last `WeightChanged` (none before it, and for blue-green),
    /// and whether it was the initial deploy's.
    pub weights: Option<(crate::output::series::Weights, bool)>,
    /// The journal records `PodAvailable` (minReadySeconds above 0): Ready alone is not
    /// Available.
    min_ready: bool,
    /// Every pod in `replica_sets` by name: its ReplicaSet's creation order and its creation
    /// time (with the name, its key among the ReplicaSet's pods).
    pod_index: BTreeMap<SmolStr, (u64, SimTime)>,
    /// ReplicaSets created so far.
    created_rs: u64,
}

impl State {
    /// The ReplicaSet and key in its `pods` of a pod.
    fn locate(&self, pod: &str) -> Option<(usize, PodKey)> {
        let (name, &(rs_seq, created)) = self.pod_index.get_key_value(pod)?;
        let r = self.replica_sets.iter().position(|rs| rs.seq == rs_seq)?;
        Some((r, pod_key(created, name)))
    }

    /// The ReplicaSet that owns the live pod of that name.
    pub fn rs_of_pod(&self, pod: &str) -> Option<&ReplicaSetInfo> {
        self.locate(pod).map(|(r, _)| &self.replica_sets[r])
    }

    /// Changes a pod, keeping its ReplicaSet's counts.
    fn update_pod(&mut self, pod: &str, change: impl FnOnce(&mut PodInfo)) {
        let Some((r, key)) = self.locate(pod) else {
            return;
        };
        let rs = &mut self.replica_sets[r];
        let Some(p) = rs.pods.get_mut(&key) else {
            return;
        };
        let before = p.counts();
        change(p);
        let after = p.counts();
        for k in 0..before.len() {
            rs.counts[k] = rs.counts[k] - before[k] + after[k];
        }
    }

    fn rs_mut(&mut self, name: &str) -> Option<&mut ReplicaSetInfo> {
        self.replica_sets.iter_mut().find(|rs| rs.name == name)
    }

    /// The revision the rollout is updating to: that of the ReplicaSet its status names as
    /// current (the highest revision before the first status).
    fn current_revision(&self) -> u64 {
        let current = self.rollout.as_ref().map(|ro| ro.current_hash.as_str());
        self.replica_sets
            .iter()
            .find(|rs| rs.experiment.is_none() && Some(rs.hash.as_str()) == current)
            .map(|rs| rs.revision)
            .or_else(|| self.replica_sets.iter().map(|rs| rs.revision).max())
            .unwrap_or(0)
    }

    /// The experiment and template of a ReplicaSet an experiment creates: the controller
    /// names it `EXPERIMENT-TEMPLATE`.
    fn experiment_of_rs(&self, rs: &str) -> Option<(String, String)> {
        self.experiments.iter().rev().find_map(|x| {
            let template = rs.strip_prefix(x.name.as_str())?.strip_prefix('-')?;
            x.templates
                .iter()
                .any(|t| t == template)
                .then(|| (x.name.clone(), template.to_string()))
        })
    }

    fn experiment_mut(&mut self, name: &str) -> Option<&mut ExperimentInfo> {
        self.experiments.iter_mut().find(|x| x.name == name)
    }

    /// Applies one entry of `journal`.
    pub fn apply(&mut self, journal: &Journal, e: &Entry) {
        self.t = e.t;
        if self.rollout_created.is_none() {
            self.rollout_created = Some(e.t);
        }
        match &e.kind {
            EntryKind::RolloutStatus(id) => self.rollout = Some(journal.snapshot(*id).clone()),
            EntryKind::ReplicaSetCreated {
                name,
                revision,
                image,
            } => {
                self.created_rs += 1;
                let experiment = self.experiment_of_rs(name);
                self.replica_sets.push(ReplicaSetInfo {
                    name: name.to_string(),
                    hash: name.rsplit('-').next().unwrap_or_default().to_string(),
                    revision: *revision,
                    image: image.to_string(),
                    created: e.t,
                    spec: 0,
                    scale_down_deadline: None,
                    pods: BTreeMap::new(),
                    experiment,
                    seq: self.created_rs,
                    counts: [0; 4],
                })
            }
            EntryKind::ReplicaSetRevision { name, revision } => {
                if let Some(rs) = self.rs_mut(name) {
                    rs.revision = *revision;
                }
            }
            EntryKind::ReplicaSetScaled { name, to, .. } => {
                if let Some(rs) = self.rs_mut(name) {
                    rs.spec = *to;
                }
            }
            EntryKind::ReplicaSetDeleted { name } => {
                let index = &mut self.pod_index;
                self.replica_sets.retain(|rs| {
                    let keep = &rs.name != name;
                    if !keep {
                        for p in rs.pods.values() {
                            index.remove(&p.name);
                        }
                    }
                    keep
                })
            }
            EntryKind::ScaleDownDeadline { name, at } => {
                if let Some(rs) = self.rs_mut(name) {
                    rs.scale_down_deadline = *at;
                }
            }
            EntryKind::PodCreated { name, replica_set } => {
                let t = e.t;
                if let Some(rs) = self.rs_mut(replica_set) {
                    let pod = PodInfo {
                        name: name.clone(),
                        created: t,
                        phase: PodPhase::ContainerCreating,
                        ready: false,
                        available: false,
                    };
                    for (c, p) in rs.counts.iter_mut().zip(pod.counts()) {
                        *c += p;
                    }
                    rs.pods.insert(pod_key(t, name), pod);
                    let rs_seq = rs.seq;
                    self.pod_index.insert(name.clone(), (rs_seq, t));
                }
            }
            EntryKind::PodPending { name } => {
                self.update_pod(name, |p| p.phase = PodPhase::Pending);
            }
            EntryKind::PodScheduled { name, .. } => {
                self.update_pod(name, |p| p.phase = PodPhase::ContainerCreating);
            }
            EntryKind::PodReady { name } => {
                let min_ready = self.min_ready;
                self.update_pod(name, |p| {
                    p.phase = PodPhase::Running;
                    p.ready = true;
                    p.available = !min_ready;
                });
            }
            EntryKind::PodAvailable { name } => {
                self.update_pod(name, |p| p.available = true);
            }
            EntryKind::PodNotReady { name } => {
                self.update_pod(name, |p| {
                    p.ready = false;
                    p.available = false;
                });
            }
            EntryKind::PodTerminating { name } | EntryKind::PodEvicted { name, .. } => {
                self.update_pod(name, |p| p.phase = PodPhase::Terminating);
            }
            EntryKind::PodDeleted { name } => {
                if let Some((r, key)) = self.locate(name) {
                    let rs = &mut self.replica_sets[r];
                    if let Some(gone) = rs.pods.remove(&key) {
                        for (c, p) in rs.counts.iter_mut().zip(gone.counts()) {
                            *c -= p;
                        }
                    }
                    self.pod_index.remove(name.as_str());
                }
            }
            EntryKind::AnalysisRunCreated {
                name,
                revision,
                kind,
                templates,
            } => self.runs.push(AnalysisRunInfo {
                // An experiment names its runs `EXPERIMENT-ANALYSIS`.
                experiment: (kind == "Experiment")
                    .then(|| {
                        self.experiments
                            .iter()
                            .rev()
                            .find(|x| {
                                name.strip_prefix(x.name.as_str())
                                    .is_some_and(|rest| rest.starts_with('-'))
                            })
                            .map(|x| x.name.clone())
                    })
                    .flatten(),
                name: name.to_string(),
                kind: kind.to_string(),
                revision: *revision,
                templates: templates.clone(),
                created: e.t,
                phase: "Running".into(),
                message: String::new(),
                successful: 0,
                failed: 0,
                inconclusive: 0,
                error: 0,
            }),
            EntryKind::Measurement { run, phase, .. } => {
                if let Some(r) = self.runs.iter_mut().find(|r| &r.name == run) {
                    match phase.as_str() {
                        "Successful" => r.successful += 1,
                        "Failed" => r.failed += 1,
                        "Inconclusive" => r.inconclusive += 1,
                        _ => r.error += 1,
                    }
                }
            }
            EntryKind::AnalysisRunCompleted {
                name,
                phase,
                message,
            } => {
                if let Some(r) = self.runs.iter_mut().find(|r| &r.name == name) {
                    r.phase = phase.to_string();
                    r.message = message.to_string();
                }
            }
            EntryKind::ExperimentCreated {
                name, templates, ..
            } => {
                let revision = self.current_revision();
                self.experiments.push(ExperimentInfo {
                    name: name.to_string(),
                    revision,
                    templates: templates.clone(),
                    created: e.t,
                    phase: "Pending".into(),
                });
            }
            EntryKind::ExperimentRunning { name, .. } => {
                if let Some(x) = self.experiment_mut(name) {
                    x.phase = "Running".into();
                }
            }
            EntryKind::ExperimentCompleted { name, phase, .. } => {
                if let Some(x) = self.experiment_mut(name) {
                    x.phase = phase.to_string();
                }
            }
            kind @ EntryKind::WeightChanged { .. } => {
                self.weights = crate::output::series::Weights::of(kind);
            }
            EntryKind::Traffic { versions, .. } => {
                for v in versions {
                    match self.traffic.iter_mut().find(|(h, _, _)| *h == v.hash) {
                        Some(x) => {
                            x.1 += v.requests;
                            x.2 += v.failed;
                        }
                        None => self.traffic.push((v.hash.clone(), v.requests, v.failed)),
                    }
                }
            }
            _ => {}
        }
    }
}

/// A cursor over a journal that rebuilds the state as time moves forward.
pub struct Replay<'j> {
    journal: &'j Journal,
    next: usize,
    /// The state so far (before any entry, the empty world).
    pub state: State,
}

impl<'j> Replay<'j> {
    /// A cursor at the start of the journal.
    pub fn new(journal: &'j Journal) -> Self {
        let min_ready = journal
            .iter()
            .any(|e| matches!(e.kind, EntryKind::PodAvailable { .. }));
        Replay {
            journal,
            next: 0,
            state: State {
                min_ready,
                ..Default::default()
            },
        }
    }

    /// Applies every entry at or before `t`; the state's time becomes `t`.
    pub fn advance_to(&mut self, t: SimTime) -> &State {
        while let Some(e) = self.journal.entries.get(self.next) {
            if e.t > t {
                break;
            }
            self.state.apply(self.journal, e);
            self.next += 1;
        }
        self.state.t = t;
        &self.state
    }

    /// Applies the next entry; `None` at the end of the journal.
    pub fn step(&mut self) -> Option<&'j Entry> {
        let e = self.journal.entries.get(self.next)?;
        self.state.apply(self.journal, e);
        self.next += 1;
        Some(e)
    }

    /// The time of the next entry.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.journal.entries.get(self.next).map(|e| e.t)
    }
}

/// The state at `t`.
pub fn state_at(journal: &Journal, t: SimTime) -> State {
    let mut r = Replay::new(journal);
    r.advance_to(t);
    r.state
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept counts and the name index agree with a recount and a scan after every entry
    /// of runs with pending pods, lost nodes, evictions, deleted pods and deleted ReplicaSets.
    #[test]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "pod counts of a bundled scenario, far below u32::MAX"
    )]
    fn kept_counts_and_index_match_a_recount_after_every_entry() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for file in [
            "node-capacity.yaml",
            "pod-faults-during-canary.yaml",
            "abort-then-node-failure.yaml",
            "canary-min-ready-seconds.yaml",
            "experiment-baseline-vs-canary.yaml",
            "rollouts-demo.yaml",
        ] {
            let sc = crate::scenario::load(&dir.join(file)).expect("the scenario loads");
            let journal = crate::sim::run(&sc).journal;
            let mut replay = Replay::new(&journal);
            let mut checked = 0;
            while replay.step().is_some() {
                for rs in &replay.state.replica_sets {
                    let live = rs
                        .pods
                        .values()
                        .filter(|p| p.phase != PodPhase::Terminating);
                    let recount = [
                        live.clone().count() as u32,
                        live.clone().filter(|p| p.ready).count() as u32,
                        live.filter(|p| p.available).count() as u32,
                        rs.pods.values().filter(|p| p.ready).count() as u32,
                    ];
                    assert_eq!(
                        [rs.replicas(), rs.ready(), rs.available(), rs.listed_ready()],
                        recount,
                        "{file}: {} at {}",
                        rs.name,
                        replay.state.t
                    );
                    for (key, p) in &rs.pods {
                        assert_eq!(key, &pod_key(p.created, &p.name), "{file}: key");
                        let found = replay.state.rs_of_pod(&p.name).map(|r| &r.name);
                        assert_eq!(found, Some(&rs.name), "{file}: {}", p.name);
                        checked += 1;
                    }
                }
            }
            assert!(checked > 0, "{file} has pods");
        }
    }
}
