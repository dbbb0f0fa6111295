//! The fake cluster: pods with their lifecycle, ReplicaSets and the Kubernetes ReplicaSet
//! controller that keeps their pods at `spec.replicas`, and Services. Plain data with small
//! state machines; the simulation drives time and records what happens.

pub mod disruption;
pub mod pod;
pub mod replicaset;
pub mod toleration;

use smol_str::SmolStr;
use std::collections::{BTreeMap, BTreeSet};

use crate::api::PodTemplate;
use crate::engine::SimTime;

pub use pod::{Pod, PodId, PodState};
pub use replicaset::{ExperimentOwner, ReplicaSet, RsId};

/// A Service: the pod-template hash the rollout controller adds to its selector, and whether
/// the controller manages it. Its own selector is not kept: nothing reads it, since the
/// simulated Service selects the pods carrying the rollout's labels (see `sim::world`'s
/// traffic), narrowed by that hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    /// `metadata.name`.
    pub name: SmolStr,
    /// The `rollouts-pod-template-hash` the rollout controller added to the selector, which
    /// picks the ReplicaSet that receives the Service's traffic; `None` until it does.
    pub selector_hash: Option<SmolStr>,
    /// Adopted by the rollout controller (the managed-by annotation).
    pub managed: bool,
}

/// A node of the optional node model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `node-1`, `node-2`, ...
    pub name: String,
    /// Pods it can hold (`podsPerNode`).
    pub capacity: u32,
    /// Pods bound to it, terminating ones included (they hold their slot until gone).
    pub pods: u32,
    /// The node has failed (a scenario action): its pods are lost and nothing new lands on it.
    pub failed: bool,
    /// The node lifecycle controller has noticed the failure (Ready `Unknown`).
    pub unreachable: bool,
    /// Carries the `node.kubernetes.io/unreachable:NoExecute` taint: its pods are evicted when
    /// their toleration runs out.
    pub tainted: bool,
    /// When that taint was added, and when the pods whose template has no toleration of it are
    /// evicted (the admission default's time, or a script's `evictAfter`).
    pub taint_clock: Option<(SimTime, SimTime)>,
}

/// All objects of the fake cluster.
#[derive(Debug, Default)]
pub struct Cluster {
    /// Every pod ever created, by id (gone pods stay as tombstones so ids stay stable).
    pub pods: Vec<Pod>,
    /// Every ReplicaSet ever created, by id (deleted ones stay, marked `deleted`). Change
    /// them through [`Cluster::rs_mut`], which counts the change (see [`Cluster::rs_epoch`]).
    pub replica_sets: Vec<ReplicaSet>,
    /// The Services the rollout references, by name.
    pub services: BTreeMap<SmolStr, ServiceState>,
    /// The nodes; empty means unlimited capacity (every pod is scheduled at once).
    pub nodes: Vec<Node>,
    /// The live pods' names (see [`NameKey`]): numbers, so that checking a new name against
    /// them compares numbers, not names that share all but their last five characters.
    pod_names: BTreeSet<NameKey>,
    /// The bases (`<rs>-`, cut as the API server cuts them) pod names were made with, in the
    /// order first used: a [`NameKey`] names its base by its index here.
    name_bases: Vec<Box<str>>,
    /// Where `pod_name` writes a name before it is interned: kept, so a pod's name costs no
    /// buffer of its own.
    name_buf: String,
    /// Live pods no node has taken yet (with the node model), oldest first.
    pending: BTreeSet<PodId>,
    next_rs_seq: u64,
    /// Bumped whenever a ReplicaSet is created or lent out to change (`rs_mut`).
    rs_epoch: u64,
}

impl Cluster {
    /// A ReplicaSet by id (deleted ones included).
    pub fn rs(&self, id: RsId) -> &ReplicaSet {
        &self.replica_sets[id.0 as usize]
    }

    /// A ReplicaSet to change in place: its spec and annotations (the status counters follow
    /// its pods through the transitions below). Counted as a change (`rs_epoch`).
    pub fn rs_mut(&mut self, id: RsId) -> &mut ReplicaSet {
        self.rs_epoch += 1;
        &mut self.replica_sets[id.0 as usize]
    }

    /// A number that moves whenever a ReplicaSet may have changed (one was created, or lent
    /// out by `rs_mut`, which every pod transition goes through): what was read of the
    /// ReplicaSets at one epoch still holds while it stays. The rollout controller runs
    /// several times per event, often with no ReplicaSet changed in between.
    pub fn rs_epoch(&self) -> u64 {
        self.rs_epoch
    }

    /// A pod by id (gone ones included).
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id.0 as usize]
    }

    /// A pod to change in place. Its state, readiness and times are what its ReplicaSet's
    /// deletion order is keyed by: change those through the transitions below (`mark_ready`,
    /// `mark_lost`, `terminate`, ...), which keep that order.
    pub fn pod_mut(&mut self, id: PodId) -> &mut Pod {
        &mut self.pods[id.0 as usize]
    }

    /// The live (not deleted) ReplicaSets, in creation order.
    pub fn live_replica_sets(&self) -> impl Iterator<Item = &ReplicaSet> {
        self.replica_sets.iter().filter(|rs| !rs.deleted)
    }

    /// A live ReplicaSet by `metadata.name`. Asked for every write the rollout controller
    /// makes to a ReplicaSet: the names (a rollout's name and a hash, mostly within 24
    /// bytes) are compared as machine words, not by `memcmp`.
    pub fn find_rs(&self, name: &str) -> Option<RsId> {
        self.live_replica_sets()
            .find(|rs| crate::rollout::info::same_text(&rs.name, name))
            .map(|rs| rs.id)
    }

    /// A live ReplicaSet by its `rollouts-pod-template-hash`.
    pub fn find_rs_by_hash(&self, hash: &str) -> Option<RsId> {
        self.live_replica_sets()
            .find(|rs| rs.hash == hash)
            .map(|rs| rs.id)
    }

    /// Creates a ReplicaSet at 0 replicas.
    pub fn create_replica_set(&mut self, new: NewReplicaSet, now: SimTime) -> RsId {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a ReplicaSet per revision or experiment: a run makes far fewer than 2^32"
        )]
        let id = RsId(self.replica_sets.len() as u32);
        let seq = self.next_rs_seq;
        self.next_rs_seq += 1;
        self.rs_epoch += 1;
        let image = new.template.primary_image_text();
        self.replica_sets.push(ReplicaSet {
            id,
            name: new.name,
            hash: new.hash,
            template: new.template,
            image,
            revision: new.revision,
            revision_history: Vec::new(),
            created: (now, seq),
            spec_replicas: 0,
            min_ready_seconds: new.min_ready_seconds,
            desired_annotation: Some(new.desired_annotation),
            scale_down_deadline: None,
            pods: BTreeSet::new(),
            by_rank: BTreeSet::new(),
            replicas: 0,
            ready: 0,
            available: 0,
            deleted: false,
            experiment: new.experiment,
        });
        id
    }

    /// The live ReplicaSets the rollout owns (its Experiments' excluded).
    pub fn rollout_replica_sets(&self) -> impl Iterator<Item = &ReplicaSet> {
        self.live_replica_sets().filter(|rs| rs.is_rollouts())
    }

    /// A pod name `<rs>-<5 chars>`, unique among live pods; `draw` supplies random indices
    /// into Kubernetes' name alphabet. The ReplicaSet controller asks for `generateName:
    /// <rs>-`, and the API server's name generator (`SimpleNameGenerator`) cuts that base to
    /// 58 characters before adding the 5, so a pod name stays within 63: a long ReplicaSet
    /// name loses its end (the `-` first, then its last characters).
    pub fn pod_name(&mut self, rs_name: &str, mut draw: impl FnMut() -> usize) -> SmolStr {
        /// `maxGeneratedNameLength`: the 63 of a name less the 5 random characters.
        const MAX_BASE: usize = 58;
        // The name is written into one buffer, kept between pods: a pod is created per
        // replica, so this runs thousands of times in a large run.
        let buf = &mut self.name_buf;
        buf.clear();
        buf.reserve(MAX_BASE + SUFFIX_LEN);
        buf.push_str(rs_name);
        buf.push('-');
        if buf.len() > MAX_BASE {
            // Names are ASCII (checked as they are read); the boundary search only guards.
            let cut = (0..=MAX_BASE)
                .rev()
                .find(|&i| buf.is_char_boundary(i))
                .unwrap_or(0);
            buf.truncate(cut);
        }
        let base = match self.name_bases.iter().position(|b| **b == **buf) {
            Some(i) => i,
            None => {
                self.name_bases.push(buf.as_str().into());
                self.name_bases.len() - 1
            }
        };
        loop {
            // Drawn in order into a stack buffer; the name is written only once it is free.
            let mut suffix = [0u8; SUFFIX_LEN];
            let mut digits = 0;
            for c in &mut suffix {
                let i = draw() % NAME_ALPHABET.len();
                *c = NAME_ALPHABET[i];
                digits = digits * NAME_ALPHABET.len() + i;
            }
            if self.pod_names.insert(NameKey::new(base, digits)) {
                // The alphabet is ASCII: each byte is its own character, pushed as such
                // rather than checked again as UTF-8.
                buf.extend(suffix.iter().map(|&c| char::from(c)));
                return SmolStr::new(&*buf);
            }
        }
    }

    /// The key a live pod's name is kept under in `pod_names`; `None` for a name `pod_name`
    /// did not make (no such name is kept).
    fn name_key(&self, name: &str) -> Option<NameKey> {
        let cut = name.len().checked_sub(SUFFIX_LEN)?;
        let (base, suffix) = (name.get(..cut)?, name.get(cut..)?);
        let base = self.name_bases.iter().position(|b| **b == *base)?;
        let mut digits = 0;
        for c in suffix.bytes() {
            let i = NAME_DIGITS[usize::from(c)];
            if usize::from(i) >= NAME_ALPHABET.len() {
                return None;
            }
            digits = digits * NAME_ALPHABET.len() + usize::from(i);
        }
        Some(NameKey::new(base, digits))
    }

    /// Moves a live pod to a new place in its ReplicaSet's deletion order: `change` is the
    /// state change that moves it (the rank reads the state, so it is taken before and after).
    fn rerank(&mut self, id: PodId, change: impl FnOnce(&mut Pod)) {
        let pod = &mut self.pods[id.0 as usize];
        let before = pod::deletion_rank(pod);
        change(pod);
        let (after, rs) = (pod::deletion_rank(pod), pod.rs);
        if before != after {
            let ranked = &mut self.rs_mut(rs).by_rank;
            ranked.remove(&before);
            ranked.insert(after);
        }
    }

    /// Adds a pod (in `Starting`) to a ReplicaSet; without the node model it is scheduled at
    /// once, with it the caller schedules it.
    pub fn add_pod(&mut self, rs: RsId, name: SmolStr, image: SmolStr, now: SimTime) -> PodId {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a run creates far fewer than 2^32 pods"
        )]
        let id = PodId(self.pods.len() as u32);
        let scheduled = self.nodes.is_empty();
        if !scheduled {
            self.pending.insert(id);
        }
        if self.pods.capacity() == 0 {
            // Room for the pods of a few revisions of a small rollout at once: grown from
            // empty, the list was copied at 4, 8 and 16 pods (a pod is about 80 bytes).
            self.pods.reserve(FIRST_PODS);
        }
        self.pods.push(Pod {
            id,
            name,
            rs,
            image,
            created: now,
            state: PodState::Starting,
            available: false,
            ready_since: None,
            node: None,
            scheduled,
            lost: false,
        });
        let rank = pod::deletion_rank(&self.pods[id.0 as usize]);
        let r = self.rs_mut(rs);
        r.pods.insert(id);
        r.by_rank.insert(rank);
        r.replicas += 1;
        id
    }

    /// Creates the nodes of the node model: `node-1` .. `node-N`.
    pub fn add_nodes(&mut self, count: u32, capacity: u32) {
        for i in 1..=count {
            self.nodes.push(Node {
                name: format!("node-{i}"),
                capacity,
                pods: 0,
                failed: false,
                unreachable: false,
                tainted: false,
                taint_clock: None,
            });
        }
    }

    /// The scheduler: binds a pending pod to the healthy node with the most room (ties: the
    /// first). False when no node has room; the pod stays Pending.
    pub fn schedule(&mut self, id: PodId) -> bool {
        let best = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.failed && n.pods < n.capacity)
            .max_by_key(|(i, n)| (n.capacity - n.pods, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let Some(i) = best else { return false };
        self.nodes[i].pods += 1;
        self.pending.remove(&id);
        #[allow(
            clippy::cast_possible_truncation,
            reason = "an index into the nodes, whose count `add_nodes` takes as a u32"
        )]
        let node = i as u32;
        let pod = self.pod_mut(id);
        pod.node = Some(node);
        pod.scheduled = true;
        true
    }

    /// Pods waiting for a node, oldest first.
    pub fn pending_pods(&self) -> Vec<PodId> {
        self.pending.iter().copied().collect()
    }

    /// The pod's node failed: it stops being Ready (and available) and never recovers.
    pub fn mark_lost(&mut self, id: PodId) {
        let pod = self.pod_mut(id);
        if pod.lost || !pod.is_live() {
            return;
        }
        let (was_ready, was_available) = (pod.state == PodState::Ready, pod.available);
        self.rerank(id, |pod| {
            pod.lost = true;
            pod.state = PodState::Starting;
            pod.available = false;
            pod.ready_since = None;
        });
        let rs = self.pod(id).rs;
        let r = self.rs_mut(rs);
        if was_ready {
            r.ready -= 1;
        }
        if was_available {
            r.available -= 1;
        }
    }

    /// The pod passed its readiness: counts as ready, and as available when minReadySeconds is 0.
    /// Returns the minReadySeconds to wait before it is available, if any.
    pub fn mark_ready(&mut self, id: PodId, now: SimTime) -> Option<u32> {
        let pod = self.pod_mut(id);
        if pod.state != PodState::Starting || pod.lost || !pod.scheduled {
            return None;
        }
        self.rerank(id, |pod| {
            pod.state = PodState::Ready;
            pod.ready_since = Some(now);
        });
        let rs = self.pod(id).rs;
        let r = self.rs_mut(rs);
        r.ready += 1;
        if r.min_ready_seconds == 0 {
            r.available += 1;
            self.pod_mut(id).available = true;
            None
        } else {
            Some(r.min_ready_seconds)
        }
    }

    /// The pod has been ready for minReadySeconds.
    pub fn mark_available(&mut self, id: PodId) -> bool {
        let pod = self.pod_mut(id);
        if pod.state != PodState::Ready || pod.available {
            return false;
        }
        pod.available = true;
        let rs = pod.rs;
        self.rs_mut(rs).available += 1;
        true
    }

    /// Starts terminating a pod: it stops counting at once, as in Kubernetes.
    pub fn terminate(&mut self, id: PodId, now: SimTime) -> bool {
        let pod = self.pod_mut(id);
        let (was_ready, was_available) = match pod.state {
            PodState::Starting => (false, false),
            PodState::Ready => (true, pod.available),
            PodState::Terminating { .. } | PodState::Gone => return false,
        };
        let rank = pod::deletion_rank(pod);
        pod.state = PodState::Terminating { since: now };
        pod.available = false;
        let rs = pod.rs;
        self.pending.remove(&id);
        let r = self.rs_mut(rs);
        r.by_rank.remove(&rank);
        r.replicas -= 1;
        if was_ready {
            r.ready -= 1;
        }
        if was_available {
            r.available -= 1;
        }
        true
    }

    /// The terminating pod is gone.
    pub fn remove(&mut self, id: PodId) -> bool {
        let pod = self.pod_mut(id);
        if !matches!(pod.state, PodState::Terminating { .. }) {
            return false;
        }
        pod.state = PodState::Gone;
        let (rs, node) = (pod.rs, pod.node);
        if let Some(n) = node {
            self.nodes[n as usize].pods -= 1;
        }
        if let Some(key) = self.name_key(&self.pods[id.0 as usize].name) {
            self.pod_names.remove(&key);
        }
        self.rs_mut(rs).pods.remove(&id);
        true
    }

    /// The Kubernetes ReplicaSet controller for one ReplicaSet: how many pods to create, or
    /// which to delete (unhealthy and young first), to match `spec.replicas`.
    pub fn replica_set_diff(&self, id: RsId) -> ReplicaDiff {
        let rs = self.rs(id);
        let (want, have) = (rs.spec_replicas, rs.replicas);
        if want > have {
            return ReplicaDiff::Create(want - have);
        }
        if want < have {
            // The live pods are kept in deletion order: the victims are the first ones.
            let victims = rs
                .by_rank
                .iter()
                .take((have - want) as usize)
                .map(|rank| rank.3.0)
                .collect();
            return ReplicaDiff::Delete(victims);
        }
        ReplicaDiff::None
    }

    /// The live pod of a ReplicaSet the ReplicaSet controller deletes first, if any (the first
    /// victim `replica_set_diff` names).
    pub fn first_to_delete(&self, id: RsId) -> Option<PodId> {
        self.rs(id).by_rank.first().map(|rank| rank.3.0)
    }

    /// A live pod by name.
    pub fn find_live_pod(&self, name: &str) -> Option<PodId> {
        self.live_replica_sets()
            .flat_map(|rs| rs.pods.iter())
            .map(|p| self.pod(*p))
            .find(|p| p.is_live() && p.name == name)
            .map(|p| p.id)
    }

    /// Live pods (not terminating, not gone) of a ReplicaSet.
    pub fn live_pods(&self, id: RsId) -> impl Iterator<Item = &Pod> {
        self.rs(id)
            .pods
            .iter()
            .map(|p| self.pod(*p))
            .filter(|p| p.is_live())
    }
}

/// The pods room is made for when the first one is created.
const FIRST_PODS: usize = 32;

/// Kubernetes' alphabet of generated name suffixes (`utilrand.String`: no vowels, no
/// characters that read alike).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Each byte's index in `NAME_ALPHABET` (`u8::MAX` for a byte not in it), to read a suffix
/// back as digits without searching the alphabet.
const NAME_DIGITS: [u8; 256] = {
    let mut digits = [u8::MAX; 256];
    let mut i = 0;
    while i < NAME_ALPHABET.len() {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "an index into the 27 characters of the alphabet"
        )]
        {
            digits[NAME_ALPHABET[i] as usize] = i as u8;
        }
        i += 1;
    }
    digits
};

/// The random characters `generateName` adds.
const SUFFIX_LEN: usize = 5;

/// A pod name `pod_name` made, as a number: its base's index in `Cluster::name_bases` (high
/// half) and its suffix read as digits in `NAME_ALPHABET` (low half; 27^5 fits in 32 bits).
/// Two names are equal exactly when their keys are: every name is its base and five
/// characters, so equal names have equal bases and equal suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NameKey(u64);

impl NameKey {
    fn new(base: usize, digits: usize) -> Self {
        NameKey(((base as u64) << 32) | digits as u64)
    }
}

/// The fields of a ReplicaSet the rollout controller creates.
#[derive(Debug, Clone)]
pub struct NewReplicaSet {
    /// `metadata.name`: the rollout's name and the hash.
    pub name: SmolStr,
    /// The `rollouts-pod-template-hash` of the template.
    pub hash: SmolStr,
    /// The rollout's `spec.template` (or the Experiment template's).
    pub template: PodTemplate,
    /// The `rollout.argoproj.io/revision` annotation it starts with.
    pub revision: u64,
    /// `spec.minReadySeconds`, copied from the rollout (seconds).
    pub min_ready_seconds: u32,
    /// `rollout.argoproj.io/desired-replicas`: the rollout's replicas at creation.
    pub desired_annotation: i32,
    /// Set for an Experiment's ReplicaSet.
    pub experiment: Option<ExperimentOwner>,
}

/// What the ReplicaSet controller must do for one ReplicaSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaDiff {
    /// The ReplicaSet has as many live pods as `spec.replicas`.
    None,
    /// Too few pods: create this many.
    Create(u32),
    /// Too many: delete these pods, in the order Kubernetes picks them.
    Delete(Vec<PodId>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster_with_rs(min_ready: u32) -> (Cluster, RsId) {
        let mut c = Cluster::default();
        let t = PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "a", "image": "x:1"}]}}),
        );
        let id = c.create_replica_set(
            NewReplicaSet {
                name: "r-abc".into(),
                hash: "abc".into(),
                template: t,
                revision: 1,
                min_ready_seconds: min_ready,
                desired_annotation: 3,
                experiment: None,
            },
            SimTime(0),
        );
        (c, id)
    }

    #[test]
    fn counters_follow_the_lifecycle() {
        let (mut c, rs) = cluster_with_rs(5);
        let p = c.add_pod(rs, "r-abc-aaaaa".into(), "x:1".into(), SimTime(0));
        assert_eq!(
            (c.rs(rs).replicas, c.rs(rs).ready, c.rs(rs).available),
            (1, 0, 0)
        );
        assert_eq!(c.mark_ready(p, SimTime(1000)), Some(5));
        assert_eq!((c.rs(rs).ready, c.rs(rs).available), (1, 0));
        assert!(c.mark_available(p));
        assert_eq!(c.rs(rs).available, 1);
        assert!(c.terminate(p, SimTime(9000)));
        assert_eq!(
            (c.rs(rs).replicas, c.rs(rs).ready, c.rs(rs).available),
            (0, 0, 0)
        );
        assert!(
            !c.mark_available(p),
            "a terminating pod never becomes available"
        );
        assert!(c.remove(p));
        assert!(c.rs(rs).pods.is_empty());
    }

    #[test]
    fn deletes_unready_then_youngest_first() {
        let (mut c, rs) = cluster_with_rs(0);
        let old_ready = c.add_pod(rs, "r-abc-1".into(), "x".into(), SimTime(0));
        let young_ready = c.add_pod(rs, "r-abc-2".into(), "x".into(), SimTime(1000));
        let starting = c.add_pod(rs, "r-abc-3".into(), "x".into(), SimTime(500));
        c.mark_ready(old_ready, SimTime(100));
        c.mark_ready(young_ready, SimTime(2000));
        c.rs_mut(rs).spec_replicas = 1;
        assert_eq!(
            c.replica_set_diff(rs),
            ReplicaDiff::Delete(vec![starting, young_ready])
        );
        c.rs_mut(rs).spec_replicas = 5;
        assert_eq!(c.replica_set_diff(rs), ReplicaDiff::Create(2));
    }

    /// The kept deletion order is the order a full sort of the live pods gives, whatever the
    /// sequence of creations, readiness, lost nodes and terminations (a seeded walk).
    #[test]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "draws below a pod count, which is far below u32::MAX"
    )]
    fn kept_deletion_order_equals_a_sort_of_the_live_pods() {
        let (mut c, rs) = cluster_with_rs(0);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut draw = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut ids = Vec::new();
        for step in 0..3_000u64 {
            let now = SimTime(step / 3 * 1000);
            match draw(10) {
                0..=3 => {
                    ids.push(c.add_pod(rs, smol_str::format_smolstr!("p{step}"), "x".into(), now))
                }
                4..=6 if !ids.is_empty() => {
                    c.mark_ready(ids[draw(ids.len() as u64) as usize], now);
                }
                7 if !ids.is_empty() => c.mark_lost(ids[draw(ids.len() as u64) as usize]),
                8 if !ids.is_empty() => {
                    c.terminate(ids[draw(ids.len() as u64) as usize], now);
                }
                _ => {}
            }
            let mut live: Vec<&Pod> = c.live_pods(rs).collect();
            live.sort_by_key(|p| pod::deletion_rank(p));
            let sorted: Vec<PodId> = live.iter().map(|p| p.id).collect();
            let have = c.rs(rs).replicas;
            assert_eq!(have as usize, sorted.len());
            let k = draw(u64::from(have) + 1) as u32;
            c.rs_mut(rs).spec_replicas = have - k;
            let want = if k == 0 {
                ReplicaDiff::None
            } else {
                ReplicaDiff::Delete(sorted[..k as usize].to_vec())
            };
            assert_eq!(c.replica_set_diff(rs), want, "at step {step}");
        }
        assert!(c.rs(rs).replicas > 100, "the walk kept a sizeable set");
    }

    #[test]
    fn pod_names_are_unique() {
        let mut c = Cluster::default();
        let mut n = 0;
        let a = c.pod_name("rs", || 0);
        let b = c.pod_name("rs", || {
            n += 1;
            n / 5
        });
        assert_eq!(a, "rs-bbbbb");
        assert_ne!(a, b);
    }

    /// A name is taken while its pod lives (a draw that makes it again draws anew) and free
    /// once the pod is gone; names of another base never collide with it.
    #[test]
    fn a_pod_name_is_free_again_once_its_pod_is_gone() {
        let (mut c, rs) = cluster_with_rs(0);
        let first = c.pod_name("r-abc", || 0);
        assert_eq!(first, "r-abc-bbbbb");
        let p = c.add_pod(rs, first.clone(), "x".into(), SimTime(0));
        // Same base, same draws: taken, so five more are drawn.
        let mut draws = 0;
        let second = c.pod_name("r-abc", || {
            draws += 1;
            if draws <= 5 { 0 } else { 26 }
        });
        assert_eq!((second.as_str(), draws), ("r-abc-99999", 10));
        // Another base with the same suffix is another name.
        assert_eq!(c.pod_name("r-abd", || 0), "r-abd-bbbbb");
        assert!(c.terminate(p, SimTime(1)));
        assert!(c.remove(p));
        assert_eq!(c.pod_name("r-abc", || 0), "r-abc-bbbbb");
        // A name `pod_name` did not make has no key, and removing its pod frees nothing.
        assert_eq!(c.name_key("r-abc-bbbba"), None);
        assert_eq!(c.name_key("zz-bbbbb"), None);
        assert_eq!(c.name_key("abc"), None);
    }

    #[test]
    fn long_pod_names_are_cut_as_the_api_server_cuts_them() {
        let mut c = Cluster::default();
        // 52 + `-` = 53: within 58, kept whole.
        let short = "r".repeat(52);
        assert_eq!(c.pod_name(&short, || 0), format!("{short}-bbbbb"));
        // 57 + `-` = 58 exactly: kept whole, 63 characters.
        let edge = "e".repeat(57);
        let name = c.pod_name(&edge, || 0);
        assert_eq!(
            (name.len(), name.as_str()),
            (63, format!("{edge}-bbbbb").as_str())
        );
        // 58 and more: the base is the first 58 characters of the name, the `-` is lost.
        let long = format!("{}-7868cfc9b9", "a".repeat(60));
        let name = c.pod_name(&long, || 0);
        assert_eq!(name, format!("{}bbbbb", "a".repeat(58)));
        assert_eq!(name.len(), 63);
    }
}
