//! What the timeline, the event log and the weight chart's series say about traffic weights:
//!
//! * `WeightChanged` records what the router holds: after the last step it keeps the previous
//!   weight until the canary's pods are available (kubectl's `actualWeight` says 100 already);
//! * an experiment's weight is an additional destination taken from the stable's share: the
//!   weights always add up to `maxTrafficWeight`;
//! * with `maxTrafficWeight: 500` the timeline shows shares of all traffic, the event log the
//!   raw weights and `maxWeight`, the series the raw weights;
//! * the initial deploy is labelled as such, never a canary at 100 %.

use crate::common::scenario_path;

use assert_cmd::Command;
use rollout_sim::engine::SimTime;
use rollout_sim::output::series;
use rollout_sim::scenario;
use rollout_sim::sim::{self, Entry, EntryKind, RunResult};
use serde_json::Value;

fn run(name: &str) -> RunResult {
    let sc = scenario::load(&scenario_path(name)).expect("the scenario loads");
    sim::run_with_seed(&sc, sc.seed)
}

/// `(t, canary, stable, experiment, setWeight, max, initial)` of every WeightChanged.
type Weight = (SimTime, u32, u32, u32, u32, u32, bool);

fn weights(r: &RunResult) -> Vec<Weight> {
    r.journal
        .iter()
        .filter_map(|e: &Entry| match e.kind {
            EntryKind::WeightChanged {
                canary,
                stable,
                experiment,
                set_weight,
                max_weight,
                initial,
                ..
            } => Some((
                e.t, canary, stable, experiment, set_weight, max_weight, initial,
            )),
            _ => None,
        })
        .collect()
}

fn timeline(name: &str) -> String {
    let out = Command::cargo_bin("rollout-sim")
        .unwrap()
        .args(["run", scenario_path(name).to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn event_log(name: &str) -> Vec<Value> {
    let out = Command::cargo_bin("rollout-sim")
        .unwrap()
        .args([
            "run",
            scenario_path(name).to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn router_weight_waits_for_the_canary_pods_after_the_last_step() {
    let r = run("canary-traffic-routed-timeline.yaml");
    let w = weights(&r);
    // The promote at 1:50 ends the steps: setWeight 100, the router still at 60/40.
    let past_steps: Vec<&Weight> = w.iter().filter(|x| x.4 == 100 && !x.6).collect();
    assert_eq!(
        (
            past_steps[0].0.as_millis(),
            past_steps[0].1,
            past_steps[0].2
        ),
        (110_000, 60, 40)
    );
    // 100 only once the 5 canary pods are available (10 s startup), then 0 once promoted.
    let full: Vec<u64> = w
        .iter()
        .filter(|x| x.1 == 100)
        .map(|x| x.0.as_millis())
        .collect();
    assert_eq!(full, vec![120_000]);
    assert_eq!(w.last().map(|x| (x.1, x.2)), Some((0, 100)));
    let text = timeline("canary-traffic-routed-timeline.yaml");
    assert!(
        text.contains("00:01:50.000  WeightChanged      canary 60% / stable 40% (setWeight 100)"),
        "{text}"
    );
    assert!(
        !text.contains("00:01:50.000  WeightChanged      canary 100%"),
        "{text}"
    );
}

#[test]
fn chart_series_follow_the_router_not_kubectls_actual_weight() {
    let r = run("canary-traffic-routed-timeline.yaml");
    let s = series::build(&r.journal);
    let at = |ms: u64| {
        s.rows
            .iter()
            .rfind(|row| row.t.as_millis() <= ms)
            .expect("a row")
    };
    let row = at(115_000);
    assert_eq!(row.status.and_then(|st| st.actual_weight), Some(100));
    assert_eq!(row.weights.map(|w| (w.canary, w.stable)), Some((60, 40)));
    assert_eq!(at(120_000).weights.map(|w| w.stable), Some(100));
    let csv = series::to_csv(&s);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with("110.000,"))
        .expect("a row at 1:50");
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells[col("actual_weight")], "100");
    assert_eq!(cells[col("canary_weight")], "60");
    assert_eq!(cells[col("stable_weight")], "40");
}

#[test]
fn experiment_weight_is_an_additional_destination() {
    let r = run("experiment-weighted-istio.yaml");
    let w = weights(&r);
    assert!(
        w.iter().all(|x| x.1 + x.2 + x.3 == x.5),
        "weights add up to maxTrafficWeight: {w:?}"
    );
    assert!(w.iter().any(|x| (x.1, x.2, x.3) == (10, 70, 20)), "{w:?}");
    let text = timeline("experiment-weighted-istio.yaml");
    assert!(
        text.contains("canary 10% / stable 70% / experiment 20% (setWeight 10)"),
        "{text}"
    );
}

#[test]
fn max_traffic_weight_is_honoured_in_every_display() {
    let name = "canary-max-traffic-weight.yaml";
    let r = run(name);
    let w = weights(&r);
    assert!(
        w.iter().all(|x| x.5 == 500 && x.1 + x.2 + x.3 == 500),
        "{w:?}"
    );
    let text = timeline(name);
    assert!(
        text.contains("canary 20% / stable 80% (setWeight 100 of 500)"),
        "{text}"
    );
    assert!(
        text.contains("canary 60% / stable 40% (setWeight 500 of 500)"),
        "{text}"
    );
    assert!(!text.contains("300%") && !text.contains("500%"), "{text}");
    let log = event_log(name);
    let changed: Vec<&Value> = log
        .iter()
        .filter(|e| e["kind"] == "WeightChanged")
        .collect();
    assert!(changed.iter().all(|e| e["maxWeight"] == 500), "{changed:?}");
    assert!(
        changed
            .iter()
            .any(|e| e["canary"] == 300 && e["stable"] == 200)
    );
    // The chart draws percentages of all traffic: never above 100.
    let s = series::build(&r.journal);
    for row in &s.rows {
        if let Some(wt) = row.weights {
            assert!(wt.percent(wt.canary) <= 100.0 && wt.percent(wt.stable) <= 100.0);
        }
    }
    assert!(
        s.rows
            .iter()
            .any(|row| row.weights.is_some_and(|wt| wt.percent(wt.canary) == 60.0))
    );
}

#[test]
fn the_initial_deploy_is_labelled_as_such() {
    let r = run("rollouts-demo.yaml");
    let w = weights(&r);
    assert!(w[0].6, "the first split is the initial deploy: {w:?}");
    assert_eq!((w[0].1, w[0].2), (0, 100));
    let first_update = w.iter().position(|x| !x.6).unwrap();
    assert!(w[..first_update].iter().all(|x| x.1 == 0), "{w:?}");
    let text = timeline("rollouts-demo.yaml");
    assert!(
        text.contains("00:00:00.000  WeightChanged      stable 100% (initial deploy, no canary)"),
        "{text}"
    );
    assert!(
        !text.contains("00:00:00.000  WeightChanged      canary 100%"),
        "{text}"
    );
    let log = event_log("rollouts-demo.yaml");
    let first = log.iter().find(|e| e["kind"] == "WeightChanged").unwrap();
    assert_eq!(first["initial"], true);
}

fn weight_svg(name: &str) -> String {
    use rollout_sim::output::charts::{self, ChartInput, Kind};
    let sc = scenario::load(&scenario_path(name)).expect("the scenario loads");
    let r = sim::run_with_seed(&sc, sc.seed);
    let input = ChartInput::new(&r.journal, &sc.name, charts::conditions_of(&sc));
    charts::svg(Kind::Weight, &input).expect("chart renders")
}

#[test]
fn weight_chart_draws_the_experiments_share_only_when_there_is_one() {
    let with = weight_svg("experiment-weighted-istio.yaml");
    assert!(
        with.contains("experiment&apos;s share"),
        "legend of the experiment line"
    );
    assert!(with.contains("canary&apos;s share of traffic"));
    assert!(with.contains("share of traffic (%)"));
    let without = weight_svg("canary-traffic-routed-timeline.yaml");
    assert!(!without.contains("experiment&apos;s share"));
}

/// Without a router the Service selects every version's pods: after the promotion the old
/// stable, kept by its scale-down delay, still serves. `WeightChanged` says so (`old`), and
/// every traffic tick splits its requests as the last `WeightChanged` says.
#[test]
fn without_a_router_the_weights_say_what_the_service_serves_old_pods_included() {
    let r = run("canary-no-router-old-pods-served.yaml");
    // (ms, canary, stable, old) of every WeightChanged from the promotion on.
    let after: Vec<(u64, u32, u32, u32)> = r
        .journal
        .iter()
        .filter(|e| e.t.as_millis() >= 9_000)
        .filter_map(|e| match e.kind {
            EntryKind::WeightChanged {
                canary,
                stable,
                old,
                ..
            } => Some((e.t.as_millis(), canary, stable, old)),
            _ => None,
        })
        .collect();
    assert_eq!(
        after.last_chunk::<2>(),
        Some(&[(9_000, 0, 50, 50), (39_000, 0, 100, 0)])
    );

    let (mut newest, mut stable) = (String::new(), String::new());
    let mut split = (0, 100, 0);
    let (mut old_served, mut ticks) = (0u64, 0);
    for e in r.journal.iter() {
        match &e.kind {
            EntryKind::ReplicaSetCreated { name, .. } => newest = name.to_string(),
            EntryKind::Promoted { replica_set, .. } => stable = replica_set.to_string(),
            EntryKind::WeightChanged {
                canary,
                stable: s,
                old,
                ..
            } => split = (*canary, *s, *old),
            EntryKind::Traffic { versions, .. } => {
                ticks += 1;
                let total: u64 = versions.iter().map(|v| v.requests).sum();
                for v in versions {
                    let is = |rs: &str| rs.ends_with(&format!("-{}", v.hash));
                    let (part, share) = if is(&stable) {
                        ("stable", split.1)
                    } else if is(&newest) {
                        ("canary", split.0)
                    } else {
                        ("old", split.2)
                    };
                    let served = v.requests * 100 / total;
                    assert!(
                        served.abs_diff(u64::from(share)) <= 2,
                        "at {}: {part} {} served {served}% of {total}, WeightChanged says {share}%",
                        e.t,
                        v.hash
                    );
                    if part == "old" {
                        old_served += v.requests;
                    }
                }
            }
            _ => {}
        }
    }
    assert!(ticks > 40, "{ticks} ticks");
    // 100 requests a second, half of them to the 5 old pods from 9 s to 39 s.
    assert_eq!(old_served, 30 * 50);
    let text = timeline("canary-no-router-old-pods-served.yaml");
    assert!(
        text.contains(
            "00:00:09.000  WeightChanged      canary 0% / stable 50% / old 50% (setWeight 100)"
        ),
        "{text}"
    );
}

/// The routed canary's promotion, as upstream's `reconcileTrafficRouting` does it: the
/// reconcile that promotes gives the router `maxTrafficWeight` (the steps are done and the
/// canary is at full count), and the next, seeing the rollout fully promoted, points the
/// stable Service at the new ReplicaSet and sets the canary weight back to 0, at the same
/// instant: 100 then 0, with the Service switch between.
#[test]
fn a_routed_promotion_sets_the_router_to_100_then_back_to_0() {
    let r = run("traffic-small-share.yaml");
    let end = r.journal.entries.last().expect("a journal").t;
    let at_end: Vec<String> = r
        .journal
        .iter()
        .filter(|e| e.t == end)
        .filter_map(|e| match &e.kind {
            EntryKind::WeightChanged { canary, stable, .. } => {
                Some(format!("weight {canary}/{stable}"))
            }
            EntryKind::ServiceSwitched { service, .. } => Some(format!("switch {service}")),
            EntryKind::Promoted { .. } => Some("promoted".to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        at_end,
        [
            "weight 100/0",
            "promoted",
            "switch web-stable",
            "weight 0/100"
        ],
        "{at_end:?}"
    );
}
