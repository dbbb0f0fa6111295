//! Series building on hand-made journals: which instants become rows, the columns, and the
//! CSV bytes.

use super::*;
use crate::sim::RolloutSnapshot;
use crate::traffic::TickCounts;

/// An entry of a hand-made journal: a kind, or a status snapshot (which the journal keeps
/// beside its entries, and records with an entry naming it).
enum Item {
    Kind(EntryKind),
    Status(RolloutSnapshot),
}

impl From<EntryKind> for Item {
    fn from(kind: EntryKind) -> Self {
        Item::Kind(kind)
    }
}

impl From<RolloutSnapshot> for Item {
    fn from(snapshot: RolloutSnapshot) -> Self {
        Item::Status(snapshot)
    }
}

fn at(ms: u64, item: impl Into<Item>) -> (SimTime, Item) {
    (SimTime(ms), item.into())
}

fn status(phase: Phase, step: u32, set: u32, actual: u32, ready: u32) -> RolloutSnapshot {
    RolloutSnapshot {
        phase,
        message: String::new().into(),
        step: Some(step),
        steps: 2,
        set_weight: Some(set),
        actual_weight: Some(actual),
        desired: 2,
        current: 2,
        updated: 2,
        ready,
        available: ready,
        stable_hash: "aaa".into(),
        current_hash: "bbb".into(),
        active_hash: String::new().into(),
        preview_hash: String::new().into(),
        blue_green: false,
        duration: None,
        degraded: None,
        auto_promote_at: None,
        promoted_by_scenario_at: None,
        pause_ends_at: None,
    }
}

/// A `WeightChanged` of the router (maxTrafficWeight 100).
fn weight(canary: u32, stable: u32, experiment: u32) -> EntryKind {
    EntryKind::WeightChanged {
        canary,
        stable,
        set_weight: canary,
        experiment,
        old: 0,
        max_weight: 100,
        initial: false,
    }
}

fn rs(name: &str, revision: u64) -> EntryKind {
    EntryKind::ReplicaSetCreated {
        name: name.into(),
        revision,
        image: smol_str::format_smolstr!("img:{revision}"),
    }
}

fn pod(name: &str, rs: &str) -> EntryKind {
    EntryKind::PodCreated {
        name: name.into(),
        replica_set: rs.into(),
    }
}

fn ready(name: &str) -> EntryKind {
    EntryKind::PodReady { name: name.into() }
}

fn tick(counts: &[(&str, u64, u64)]) -> EntryKind {
    EntryKind::Traffic {
        versions: counts
            .iter()
            .map(|(h, r, f)| TickCounts {
                hash: h.to_string(),
                requests: *r,
                failed: *f,
                mirrored: 0,
                mirrored_failed: 0,
            })
            .collect(),
        unrouted: 0,
    }
}

fn journal(items: Vec<(SimTime, Item)>) -> Journal {
    let mut j = Journal::default();
    for (t, item) in items {
        match item {
            Item::Kind(kind) => j.push(t, kind),
            Item::Status(snapshot) => j.push_status(t, snapshot),
        }
    }
    j
}

#[test]
fn one_row_per_instant_with_the_state_at_its_end() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, status(Phase::Progressing, 0, 0, 0, 0)),
        at(0, pod("app-aaa-1", "app-aaa")),
        at(0, status(Phase::Progressing, 2, 100, 100, 0)),
        at(1500, ready("app-aaa-1")),
        at(1500, status(Phase::Healthy, 2, 100, 100, 1)),
    ]);
    let s = build(&j);
    assert_eq!(s.rows.len(), 2);
    let first = s.rows[0].status.unwrap();
    assert_eq!((first.step, first.set_weight), (Some(2), Some(100)));
    assert_eq!(s.rows[0].pods, vec![RsPods { pods: 1, ready: 0 }]);
    assert_eq!(s.rows[1].t, SimTime(1500));
    assert_eq!(s.rows[1].status.unwrap().phase, Phase::Healthy);
    assert_eq!(s.rows[1].pods, vec![RsPods { pods: 1, ready: 1 }]);
}

#[test]
fn instants_that_change_nothing_charted_are_dropped_but_the_end_is_kept() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, status(Phase::Healthy, 2, 100, 100, 0)),
        // A script action changes nothing the series shows.
        at(
            5000,
            EntryKind::ScriptAction {
                line: 3,
                action: "wait 10s".into(),
                verb: crate::sim::ActionVerb::Wait,
            },
        ),
        at(9000, EntryKind::PodDeleted { name: "x".into() }),
        at(
            12000,
            EntryKind::ExpectationChecked {
                ok: true,
                check: "expect".into(),
                line: 4,
                detail: String::new().into(),
            },
        ),
    ]);
    let s = build(&j);
    let times: Vec<u64> = s.rows.iter().map(|r| r.t.0).collect();
    assert_eq!(times, vec![0, 12000]);
    assert_eq!(s.end(), SimTime(12000));
}

#[test]
fn traffic_ticks_always_make_rows_and_versions_follow_replica_set_creation() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, rs("app-bbb", 2)),
        at(0, status(Phase::Healthy, 2, 100, 100, 0)),
        // The canary's hash is listed first in the tick; the columns still put it second.
        at(1000, tick(&[("bbb", 3, 1), ("aaa", 7, 0)])),
        at(2000, tick(&[("bbb", 2, 0), ("aaa", 8, 0)])),
    ]);
    let s = build(&j);
    assert!(s.has_traffic);
    assert_eq!(s.versions, vec!["aaa".to_string(), "bbb".to_string()]);
    assert_eq!(s.rows.len(), 3);
    assert_eq!(
        s.rows[1].tick.as_ref().unwrap().versions,
        vec![(7, 0), (3, 1)]
    );
    assert_eq!(
        s.rows[2].tick.as_ref().unwrap().versions,
        vec![(8, 0), (2, 0)]
    );
}

#[test]
fn a_reused_replica_set_keeps_its_column_and_lists_every_revision() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, status(Phase::Healthy, 2, 100, 100, 0)),
        at(
            100,
            EntryKind::ReplicaSetRevision {
                name: "app-aaa".into(),
                revision: 3,
            },
        ),
    ]);
    let s = build(&j);
    assert_eq!(s.replica_sets[0].revisions, vec![1, 3]);
    assert_eq!(s.replica_sets[0].label(), "rev 1→3 (img:1)");
    assert_eq!(s.replica_sets[0].key(), "rev1_aaa");
}

#[test]
fn a_replica_set_deleted_and_created_again_gets_a_new_column() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, pod("app-aaa-1", "app-aaa")),
        at(0, status(Phase::Healthy, 2, 100, 100, 0)),
        at(
            1000,
            EntryKind::PodDeleted {
                name: "app-aaa-1".into(),
            },
        ),
        at(
            1000,
            EntryKind::ReplicaSetDeleted {
                name: "app-aaa".into(),
            },
        ),
        at(2000, rs("app-aaa", 4)),
        at(2000, pod("app-aaa-2", "app-aaa")),
    ]);
    let s = build(&j);
    assert_eq!(s.replica_sets.len(), 2);
    let last = s.rows.last().unwrap();
    assert_eq!(last.pods[0], RsPods::default());
    assert_eq!(last.pods[1], RsPods { pods: 1, ready: 0 });
}

#[test]
fn csv_has_the_documented_columns_and_empty_cells_for_unknowns() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, pod("app-aaa-1", "app-aaa")),
        at(250, status(Phase::Paused, 1, 20, 20, 1)),
        at(1000, tick(&[("aaa", 10, 2)])),
        at(1500, weight(20, 70, 10)),
    ]);
    let csv = to_csv(&build(&j));
    let expected = "\
t,phase,step,set_weight,actual_weight,canary_weight,stable_weight,experiment_weight,old_weight,desired,current,updated,ready,available,pods_rev1_aaa,ready_rev1_aaa,requests_aaa,failed_aaa,unrouted
0.000,,,,,,,,,,,,,,1,0,,,
0.250,Paused,1,20,20,,,,,2,2,2,1,1,1,0,,,
1.000,Paused,1,20,20,,,,,2,2,2,1,1,1,0,10,2,0
1.500,Paused,1,20,20,20,70,10,0,2,2,2,1,1,1,0,,,
";
    assert_eq!(csv, expected);
}

#[test]
fn csv_without_traffic_has_no_traffic_columns() {
    let j = journal(vec![
        at(0, rs("app-aaa", 1)),
        at(0, status(Phase::Healthy, 2, 100, 100, 0)),
    ]);
    let csv = to_csv(&build(&j));
    assert_eq!(
        csv.lines().next().unwrap(),
        "t,phase,step,set_weight,actual_weight,canary_weight,stable_weight,experiment_weight,old_weight,desired,current,updated,ready,available,pods_rev1_aaa,ready_rev1_aaa"
    );
}

#[test]
fn csv_of_blue_green_leaves_the_weights_empty() {
    let mut bg = status(Phase::Paused, 0, 0, 0, 2);
    bg.step = None;
    bg.steps = 0;
    bg.set_weight = None;
    bg.actual_weight = None;
    bg.blue_green = true;
    let j = journal(vec![at(0, rs("app-aaa", 1)), at(0, bg)]);
    let csv = to_csv(&build(&j));
    assert_eq!(
        csv.lines().nth(1),
        Some("0.000,Paused,,,,,,,,2,2,2,2,2,0,0")
    );
}
