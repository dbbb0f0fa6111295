//! The numbers behind the charts: one row per journal instant at which a charted value changes
//! (or a traffic tick happens), built by replaying the journal, and their CSV form
//! (`series.csv` of `run --out`).
//!
//! A row holds the state *after* every entry of its instant: the controller may pass through
//! several states within one instant, but a chart over virtual time can only show where each
//! instant ends. ReplicaSets and traffic versions are columns in creation order, so the same
//! journal always gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::engine::SimTime;
use crate::output::replay::Replay;
use crate::rollout::Phase;
use crate::sim::{EntryKind, Journal};

/// A ReplicaSet of the run, as the series names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsInfo {
    /// `metadata.name`.
    pub name: String,
    /// The pod-template hash (the name's last part).
    pub hash: String,
    /// Every revision it had, the one it was created with first (a re-used ReplicaSet gets a
    /// new one).
    pub revisions: Vec<u64>,
    /// Its first container's image, shown in the legend.
    pub image: String,
    /// When it was created, in virtual time.
    pub created: SimTime,
}

impl RsInfo {
    /// `rev 2 (image)`, or `rev 2→4 (image)` for a re-used ReplicaSet: the charts' legend.
    pub fn label(&self) -> String {
        let revs: Vec<String> = self.revisions.iter().map(u64::to_string).collect();
        format!("rev {} ({})", revs.join("→"), self.image)
    }

    /// `rev2_5dc888f465`: the CSV column suffix, by the revision it was created with (column
    /// names must not change when a revision does).
    pub fn key(&self) -> String {
        format!("rev{}_{}", self.revisions[0], self.hash)
    }
}

/// The rollout's charted status fields (`RolloutSnapshot` without messages and hashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// `status.phase` at that instant.
    pub phase: Phase,
    /// `status.currentStepIndex`; `None` without steps.
    pub step: Option<u32>,
    /// The weight the canary steps set so far (`get rollout`'s `SetWeight`; `None` for
    /// blue-green, which shows none).
    pub set_weight: Option<u32>,
    /// The canary's weight in effect (`get rollout`'s `ActualWeight`; `None` for blue-green).
    pub actual_weight: Option<u32>,
    /// `spec.replicas`: the pods the rollout should have.
    pub desired: u32,
    /// `status.replicas`: non-terminating pods of every ReplicaSet.
    pub current: u32,
    /// `status.updatedReplicas`: pods of the desired template.
    pub updated: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`.
    pub available: u32,
}

/// The traffic split of the last `WeightChanged`: the router's weights (or, for a basic
/// canary, the canary's share of available pods), in units of `max` (`maxTrafficWeight`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    /// The canary's weight.
    pub canary: u32,
    /// The stable's weight.
    pub stable: u32,
    /// What the running Experiment's weighted templates receive, together.
    pub experiment: u32,
    /// Without a router, what ReplicaSets neither canary nor stable still serve.
    pub old: u32,
    /// `maxTrafficWeight`: what the weights are out of.
    pub max: u32,
}

impl Weights {
    /// The split a `WeightChanged` entry records, and whether it is the initial deploy's;
    /// `None` for any other entry.
    pub fn of(kind: &EntryKind) -> Option<(Weights, bool)> {
        let EntryKind::WeightChanged {
            canary,
            stable,
            experiment,
            old,
            max_weight,
            initial,
            ..
        } = kind
        else {
            return None;
        };
        let w = Weights {
            canary: *canary,
            stable: *stable,
            experiment: *experiment,
            old: *old,
            max: *max_weight,
        };
        Some((w, *initial))
    }

    /// A weight as a percentage of all traffic (`maxTrafficWeight` may not be 100).
    pub fn percent(&self, w: u32) -> f64 {
        f64::from(w) * 100.0 / f64::from(self.max.max(1))
    }
}

/// Non-terminating pods of one ReplicaSet, and how many of them are Ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RsPods {
    /// Its non-terminating pods.
    pub pods: u32,
    /// How many of them are Ready.
    pub ready: u32,
}

/// One traffic tick: `(requests, failed)` per version (aligned with [`Series::versions`]) and
/// the requests that found no ready pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// `(requests, failed)` per version.
    pub versions: Vec<(u64, u64)>,
    /// Requests that found no Ready pod to serve them.
    pub unrouted: u64,
}

/// The state at the end of one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The instant.
    pub t: SimTime,
    /// `None` before the controller's first status.
    pub status: Option<Status>,
    /// `None` before the first `WeightChanged` (and always for blue-green).
    pub weights: Option<Weights>,
    /// Aligned with [`Series::replica_sets`]; zeros before creation and after deletion.
    pub pods: Vec<RsPods>,
    /// The traffic tick of this instant, if there was one.
    pub tick: Option<Tick>,
}

/// The whole series of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Every ReplicaSet of the run, in creation order.
    pub replica_sets: Vec<RsInfo>,
    /// Pod-template hashes that received traffic, in creation order of their ReplicaSet.
    pub versions: Vec<String>,
    /// The scenario simulated traffic (there is at least one tick).
    pub has_traffic: bool,
    /// One row per instant at which something changed, in time order.
    pub rows: Vec<Row>,
}

impl Series {
    /// The last instant of the run (the last row).
    pub fn end(&self) -> SimTime {
        self.rows.last().map_or(SimTime::ZERO, |r| r.t)
    }

    /// The ReplicaSet (index) with that pod-template hash created last.
    pub fn rs_by_hash(&self, hash: &str) -> Option<usize> {
        self.replica_sets.iter().rposition(|rs| rs.hash == hash)
    }
}

/// Builds the series of a journal: one pass to name the columns, one replay for the rows.
pub fn build(journal: &Journal) -> Series {
    let (replica_sets, versions, has_traffic) = columns(journal);
    let version_idx: BTreeMap<&str, usize> = versions
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut replay = Replay::new(journal);
    // The column of each live ReplicaSet name: a name deleted and created again is a new column.
    let mut live: BTreeMap<String, usize> = BTreeMap::new();
    let mut created = 0usize;
    let mut weights = None;
    while let Some(t) = replay.peek_time() {
        let mut tick = None;
        while replay.peek_time() == Some(t) {
            let Some(e) = replay.step() else { break };
            match &e.kind {
                EntryKind::ReplicaSetCreated { name, .. } => {
                    live.insert(name.to_string(), created);
                    created += 1;
                }
                kind @ EntryKind::WeightChanged { .. } => {
                    weights = Weights::of(kind).map(|(w, _)| w);
                }
                EntryKind::Traffic {
                    versions: v,
                    unrouted,
                } => {
                    let mut counts = vec![(0, 0); versions.len()];
                    for c in v {
                        if let Some(&i) = version_idx.get(c.hash.as_str()) {
                            counts[i].0 += c.requests;
                            counts[i].1 += c.failed;
                        }
                    }
                    tick = Some(Tick {
                        versions: counts,
                        unrouted: *unrouted,
                    });
                }
                _ => {}
            }
        }
        let state = &replay.state;
        let mut pods = vec![RsPods::default(); replica_sets.len()];
        for rs in &state.replica_sets {
            if let Some(&i) = live.get(&rs.name) {
                pods[i] = RsPods {
                    pods: rs.replicas(),
                    ready: rs.ready(),
                };
            }
        }
        let row = Row {
            t,
            status: state.rollout.as_ref().map(|s| Status {
                phase: s.phase,
                step: s.step,
                set_weight: s.set_weight,
                actual_weight: s.actual_weight,
                desired: s.desired,
                current: s.current,
                updated: s.updated,
                ready: s.ready,
                available: s.available,
            }),
            weights,
            pods,
            tick,
        };
        push_if_changed(&mut rows, row, replay.peek_time().is_none());
    }
    Series {
        replica_sets,
        versions,
        has_traffic,
        rows,
    }
}

/// Keeps a row when it has a tick, when a charted value changed since the last kept row, or
/// when it is the end of the run (so that every chart reaches the end).
fn push_if_changed(rows: &mut Vec<Row>, row: Row, last: bool) {
    let changed = rows
        .last()
        .is_none_or(|p| p.status != row.status || p.weights != row.weights || p.pods != row.pods);
    if changed || row.tick.is_some() || last {
        rows.push(row);
    }
}

/// The ReplicaSets (creation order, with every revision they had) and the traffic versions.
fn columns(journal: &Journal) -> (Vec<RsInfo>, Vec<String>, bool) {
    let mut rss: Vec<RsInfo> = Vec::new();
    let mut seen_hashes: Vec<String> = Vec::new();
    let mut has_traffic = false;
    for e in journal.iter() {
        match &e.kind {
            EntryKind::ReplicaSetCreated {
                name,
                revision,
                image,
            } => rss.push(RsInfo {
                name: name.to_string(),
                hash: name.rsplit('-').next().unwrap_or_default().to_string(),
                revisions: vec![*revision],
                image: image.to_string(),
                created: e.t,
            }),
            EntryKind::ReplicaSetRevision { name, revision } => {
                if let Some(rs) = rss.iter_mut().rev().find(|rs| &rs.name == name) {
                    rs.revisions.push(*revision);
                }
            }
            EntryKind::Traffic { versions, .. } => {
                has_traffic = true;
                for v in versions {
                    if !seen_hashes.contains(&v.hash) {
                        seen_hashes.push(v.hash.clone());
                    }
                }
            }
            _ => {}
        }
    }
    // Versions in creation order of their ReplicaSet; a hash of no known ReplicaSet goes last.
    let rank = |h: &String| {
        rss.iter()
            .position(|rs| &rs.hash == h)
            .unwrap_or(usize::MAX)
    };
    let mut versions = seen_hashes;
    versions.sort_by_key(rank);
    (rss, versions, has_traffic)
}

/// Seconds with milliseconds, the CSV's `t`.
fn secs(t: SimTime) -> String {
    format!("{}.{:03}", t.as_millis() / 1000, t.as_millis() % 1000)
}

/// `series.csv`: a header, then one line per row. Columns are documented in
/// docs/scenario-format.md; empty cells mean "not known yet" (status) or "no tick here".
pub fn to_csv(s: &Series) -> String {
    let mut out = String::new();
    out.push_str("t,phase,step,set_weight,actual_weight,canary_weight,stable_weight,experiment_weight,old_weight,desired,current,updated,ready,available");
    for rs in &s.replica_sets {
        let k = rs.key();
        let _ = write!(out, ",pods_{k},ready_{k}");
    }
    if s.has_traffic {
        for h in &s.versions {
            let _ = write!(out, ",requests_{h},failed_{h}");
        }
        out.push_str(",unrouted");
    }
    out.push('\n');
    for r in &s.rows {
        out.push_str(&secs(r.t));
        match &r.status {
            Some(st) => {
                let step = st.step.map_or(String::new(), |i| i.to_string());
                let shown = |w: Option<u32>| w.map_or(String::new(), |w| w.to_string());
                let weights = r.weights.map_or(",,,".to_string(), |w| {
                    format!("{},{},{},{}", w.canary, w.stable, w.experiment, w.old)
                });
                let _ = write!(
                    out,
                    ",{},{step},{},{},{weights},{},{},{},{},{}",
                    st.phase,
                    shown(st.set_weight),
                    shown(st.actual_weight),
                    st.desired,
                    st.current,
                    st.updated,
                    st.ready,
                    st.available
                );
            }
            None => out.push_str(",,,,,,,,,,,,,"),
        }
        for p in &r.pods {
            let _ = write!(out, ",{},{}", p.pods, p.ready);
        }
        if s.has_traffic {
            match &r.tick {
                Some(tick) => {
                    for (req, failed) in &tick.versions {
                        let _ = write!(out, ",{req},{failed}");
                    }
                    let _ = write!(out, ",{}", tick.unrouted);
                }
                None => out.push_str(&",".repeat(s.versions.len() * 2 + 1)),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
