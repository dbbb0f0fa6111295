//! Replaying the journal: the state of the simulated world at any virtual time, rebuilt from
//! the entries up to it. The `get` tree, `watch`, the CSV series and the charts all read the
//! world through this, so they show exactly what the journal recorded.
//!
//! A [`Replay`] moves forward only (`advance_to`), one entry at a time, so a series over a
//! whole run costs one pass over the journal.

use crate::engine::SimTime;
use crate::sim::{Entry, EntryKind, Journal, RolloutSnapshot};

/// What a pod is doing, as `kubectl get pods` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    /// No node has room for it.
    Pending,
    /// Scheduled, containers starting (not Ready yet).
    ContainerCreating,
    Running,
    Terminating,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodState {
    pub name: String,
    pub created: SimTime,
    pub phase: PodPhase,
    pub ready: bool,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsState {
    pub name: String,
    /// The pod-template hash (the name's last part).
    pub hash: String,
    pub revision: u64,
    pub image: String,
    pub created: SimTime,
    /// `spec.replicas`.
    pub spec: i32,
    pub scale_down_deadline: Option<SimTime>,
    /// Live pods, in creation order.
    pub pods: Vec<PodState>,
}

impl RsState {
    /// Non-terminating pods (`status.replicas`).
    pub fn replicas(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.phase != PodPhase::Terminating)
            .count() as u32
    }

    pub fn ready(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.ready && p.phase != PodPhase::Terminating)
            .count() as u32
    }

    pub fn available(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.available && p.phase != PodPhase::Terminating)
            .count() as u32
    }
}

/// An AnalysisRun, with its measurement counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    pub name: String,
    pub kind: String,
    pub revision: u64,
    pub templates: Vec<String>,
    pub created: SimTime,
    /// `Running` until it completes.
    pub phase: String,
    pub message: String,
    pub successful: u32,
    pub failed: u32,
    pub inconclusive: u32,
    pub error: u32,
}

/// The world at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub t: SimTime,
    /// The last status snapshot (none before the first reconcile).
    pub rollout: Option<RolloutSnapshot>,
    /// When the rollout was created (the first journal entry).
    pub rollout_created: Option<SimTime>,
    /// Every ReplicaSet not deleted, in creation order.
    pub replica_sets: Vec<RsState>,
    pub runs: Vec<RunState>,
    /// Requests and failed requests so far, per version hash.
    pub traffic: Vec<(String, u64, u64)>,
    /// The journal records `PodAvailable` (minReadySeconds above 0): Ready alone is not
    /// Available.
    min_ready: bool,
}

impl State {
    pub fn rs_of_pod(&self, pod: &str) -> Option<&RsState> {
        self.replica_sets
            .iter()
            .find(|rs| rs.pods.iter().any(|p| p.name == pod))
    }

    fn pod_mut(&mut self, pod: &str) -> Option<&mut PodState> {
        self.replica_sets
            .iter_mut()
            .flat_map(|rs| rs.pods.iter_mut())
            .find(|p| p.name == pod)
    }

    fn rs_mut(&mut self, name: &str) -> Option<&mut RsState> {
        self.replica_sets.iter_mut().find(|rs| rs.name == name)
    }

    /// Applies one journal entry.
    pub fn apply(&mut self, e: &Entry) {
        self.t = e.t;
        if self.rollout_created.is_none() {
            self.rollout_created = Some(e.t);
        }
        match &e.kind {
            EntryKind::RolloutStatus(s) => self.rollout = Some((**s).clone()),
            EntryKind::ReplicaSetCreated {
                name,
                revision,
                image,
            } => self.replica_sets.push(RsState {
                name: name.clone(),
                hash: name.rsplit('-').next().unwrap_or_default().to_string(),
                revision: *revision,
                image: image.clone(),
                created: e.t,
                spec: 0,
                scale_down_deadline: None,
                pods: Vec::new(),
            }),
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
                self.replica_sets.retain(|rs| &rs.name != name)
            }
            EntryKind::ScaleDownDeadline { name, at } => {
                if let Some(rs) = self.rs_mut(name) {
                    rs.scale_down_deadline = *at;
                }
            }
            EntryKind::PodCreated { name, replica_set } => {
                let t = e.t;
                if let Some(rs) = self.rs_mut(replica_set) {
                    rs.pods.push(PodState {
                        name: name.clone(),
                        created: t,
                        phase: PodPhase::ContainerCreating,
                        ready: false,
                        available: false,
                    });
                }
            }
            EntryKind::PodPending { name } => {
                if let Some(p) = self.pod_mut(name) {
                    p.phase = PodPhase::Pending;
                }
            }
            EntryKind::PodScheduled { name, .. } => {
                if let Some(p) = self.pod_mut(name) {
                    p.phase = PodPhase::ContainerCreating;
                }
            }
            EntryKind::PodReady { name } => {
                let min_ready = self.min_ready;
                if let Some(p) = self.pod_mut(name) {
                    p.phase = PodPhase::Running;
                    p.ready = true;
                    p.available = !min_ready;
                }
            }
            EntryKind::PodAvailable { name } => {
                if let Some(p) = self.pod_mut(name) {
                    p.available = true;
                }
            }
            EntryKind::PodNotReady { name } => {
                if let Some(p) = self.pod_mut(name) {
                    p.ready = false;
                    p.available = false;
                }
            }
            EntryKind::PodTerminating { name } | EntryKind::PodEvicted { name, .. } => {
                if let Some(p) = self.pod_mut(name) {
                    p.phase = PodPhase::Terminating;
                }
            }
            EntryKind::PodDeleted { name } => {
                for rs in &mut self.replica_sets {
                    rs.pods.retain(|p| &p.name != name);
                }
            }
            EntryKind::AnalysisRunCreated {
                name,
                revision,
                kind,
                templates,
            } => self.runs.push(RunState {
                name: name.clone(),
                kind: kind.clone(),
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
                    r.phase = phase.clone();
                    r.message = message.clone();
                }
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
    entries: &'j [Entry],
    next: usize,
    pub state: State,
}

impl<'j> Replay<'j> {
    pub fn new(journal: &'j Journal) -> Self {
        let min_ready = journal
            .iter()
            .any(|e| matches!(e.kind, EntryKind::PodAvailable { .. }));
        Replay {
            entries: &journal.entries,
            next: 0,
            state: State {
                min_ready,
                ..Default::default()
            },
        }
    }

    /// Applies every entry at or before `t`; the state's time becomes `t`.
    pub fn advance_to(&mut self, t: SimTime) -> &State {
        while let Some(e) = self.entries.get(self.next) {
            if e.t > t {
                break;
            }
            self.state.apply(e);
            self.next += 1;
        }
        self.state.t = t;
        &self.state
    }

    /// Applies the next entry; `None` at the end of the journal.
    pub fn step(&mut self) -> Option<&'j Entry> {
        let e = self.entries.get(self.next)?;
        self.state.apply(e);
        self.next += 1;
        Some(e)
    }

    /// The time of the next entry.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.entries.get(self.next).map(|e| e.t)
    }
}

/// The state at `t`.
pub fn state_at(journal: &Journal, t: SimTime) -> State {
    let mut r = Replay::new(journal);
    r.advance_to(t);
    r.state
}
