//! Controller rules checked against the upstream controller where a scenario's conditions
//! cannot say it (a Service's selector, the order of writes and Events in one instant), read
//! from the journal of a bundled scenario:
//!
//! * a dynamicStableScale abort points the canary Service back at the stable only once the
//!   router's canary weight is 0 (`reconcileTrafficRouting`, rollout/trafficrouting.go);
//! * a previous stable cut to its available pods is never scaled back up when its scale-down
//!   deadline is stamped (`scaleDownOldReplicaSetsForCanary`, rollout/canary.go);
//! * a blue-green scale of the active ReplicaSet is written and recorded once;
//! * the Kubernetes Events of an update come in upstream's order (an e2e test's list);
//! * a Service the Rollout stops naming loses its hash selector (service/service.go).

use crate::common::scenario_path;

use rollout_sim::engine::SimTime;
use rollout_sim::scenario;
use rollout_sim::sim::{self, EntryKind, RunResult};

fn run(name: &str) -> RunResult {
    let sc = scenario::load(&scenario_path(name)).expect("the scenario loads");
    sim::run_with_seed(&sc, sc.seed)
}

/// `(t, canary weight)` of every WeightChanged.
fn weights(r: &RunResult) -> Vec<(SimTime, u32)> {
    r.journal
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::WeightChanged { canary, .. } => Some((e.t, canary)),
            _ => None,
        })
        .collect()
}

/// When each switch of `service` happened, with the hash it selects from then on.
fn switches(r: &RunResult, service: &str) -> Vec<(SimTime, Option<String>)> {
    r.journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ServiceSwitched { service: s, to, .. } if s == service => {
                Some((e.t, to.as_deref().map(String::from)))
            }
            _ => None,
        })
        .collect()
}

/// Upstream TestCanaryDynamicStableScale and its abortScaleDownDelaySeconds variant: after the
/// abort the weight goes 75 -> 25 -> 0 and the canary Service is switched to the stable
/// exactly when it reaches 0, after the canary's last weight above 0.
#[test]
fn dynamic_stable_scale_abort_switches_the_canary_service_at_weight_zero() {
    for (name, svc) in [
        (
            "upstream/canary-dynamic-stable-scale-abort.yaml",
            "dynamic-stable-scale-canary",
        ),
        (
            "upstream/canary-dynamic-stable-scale-abort-delay.yaml",
            "dynamic-stable-scale-abort-canary",
        ),
    ] {
        let r = run(name);
        let mut w = weights(&r);
        // An entry also records a change of setWeight alone: keep the changes of the weight.
        w.dedup_by_key(|&mut (_, c)| c);
        let tail: Vec<u32> = w.iter().rev().take(3).rev().map(|&(_, c)| c).collect();
        assert_eq!(tail, [75, 25, 0], "{name}: the weights after the abort");
        let (zero_at, _) = *w.last().unwrap();
        let sw = switches(&r, svc);
        // The Service selects revision 1 at the first deploy, then revision 2 for the update,
        // then revision 1 again after the abort.
        assert_eq!(sw.len(), 3, "{name}: {sw:?}");
        assert_eq!(sw[0].1, sw[2].1, "{name}");
        assert_ne!(sw[1].1, sw[2].1, "{name}");
        assert_eq!(
            sw[2].0, zero_at,
            "{name}: the canary Service went back to the stable while the canary had weight"
        );
    }
}

/// A restart evicting the stable's pods when `promote --full` completes: the previous stable
/// is cut to its available pods and gets its scale-down deadline at that size; it is never
/// scaled back up to the size it had before the cut (`scaleDownDelayHelper` is given the
/// ReplicaSet `cleanupUnhealthyReplicas` returned, rollout/canary.go).
#[test]
fn previous_stable_is_not_scaled_back_up_when_its_deadline_is_stamped() {
    let r = run("restart-at-promotion.yaml");
    let old = "shop-6c96f5b6b9";
    let scales: Vec<(i32, i32)> = r
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ReplicaSetScaled { name, from, to } if name == old => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(scales.first(), Some(&(0, 10)), "{scales:?}");
    assert!(
        scales[1..].iter().all(|(from, to)| to < from),
        "the previous stable was scaled up again: {scales:?}"
    );
    let stamped = r.journal.iter().any(
        |e| matches!(&e.kind, EntryKind::ScaleDownDeadline { name, at: Some(_) } if name == old),
    );
    assert!(stamped, "the previous stable got no scale-down deadline");
}

/// A blue-green rollout scaled while its active ReplicaSet is the newest one: one write and
/// one ScalingReplicaSet Event per scale (upstream's second, stale update of the same
/// ReplicaSet in `reconcileBlueGreenReplicaSets` fails with a Conflict).
#[test]
fn blue_green_scale_of_the_active_replica_set_is_recorded_once() {
    let r = run("bluegreen-scale-at-rest.yaml");
    let scales: Vec<(String, i32, i32)> = r
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ReplicaSetScaled { name, from, to } => Some((name.to_string(), *from, *to)),
            _ => None,
        })
        .collect();
    let events = r
        .journal
        .iter()
        .filter(|e| matches!(&e.kind, EntryKind::KubeEvent { reason, .. } if reason == "ScalingReplicaSet"))
        .count();
    let mut distinct = scales.clone();
    distinct.dedup();
    assert_eq!(scales, distinct, "a scale recorded twice");
    assert_eq!(events, scales.len(), "one Event per scale");
    // 0 -> 4, 4 -> 7 of revision 1, 0 -> 7 -> 5 of revision 2, 7 -> 5 of revision 1.
    assert_eq!(scales.len(), 5, "{scales:?}");
}

/// Upstream TestRolloutAbortRetryPromote's ExpectRolloutEvents, an ordered list: the
/// Kubernetes Events of the whole run, `RolloutUpdated` before `NewReplicaSetCreated`
/// (`createDesiredReplicaSet` sets the revision, with its Event, before recording the
/// ReplicaSet's). The informer's `RolloutAddedToInformer` has no counterpart here.
#[test]
fn abort_retry_promote_records_upstream_events_in_order() {
    let r = run("upstream/canary-abort-retry-promote.yaml");
    let reasons: Vec<&str> = r
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::KubeEvent { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "RolloutUpdated",
            "NewReplicaSetCreated",
            "RolloutNotCompleted",
            "ScalingReplicaSet",
            "RolloutCompleted",
            "RolloutUpdated",
            "NewReplicaSetCreated",
            "RolloutNotCompleted",
            "ScalingReplicaSet",
            "RolloutStepCompleted",
            "RolloutPaused",
            "ScalingReplicaSet",
            "RolloutAborted",
            "ScalingReplicaSet",
            "RolloutStepCompleted",
            "RolloutPaused",
            "RolloutStepCompleted",
            "RolloutResumed",
            "ScalingReplicaSet",
            "RolloutCompleted",
        ]
    );
}

/// Upstream TestBlueGreenToCanary: once the Rollout is a canary naming no Service, the former
/// active Service no longer selects revision 1 (`ExpectServiceSelector(..., false)`): Argo's
/// Service controller removed the hash selector, and the journal says so.
#[test]
fn a_service_the_rollout_stops_naming_selects_every_pod_again() {
    let r = run("upstream/bluegreen-to-canary.yaml");
    let switches: Vec<(SimTime, Option<String>, Option<String>)> = r
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ServiceSwitched { service, from, to }
                if service == "bluegreen-to-canary" =>
            {
                Some((
                    e.t,
                    from.as_deref().map(String::from),
                    to.as_deref().map(String::from),
                ))
            }
            _ => None,
        })
        .collect();
    assert_eq!(switches.len(), 2, "{switches:?}");
    let (_, _, first) = &switches[0];
    assert!(first.is_some(), "the blue-green pointed it at revision 1");
    let (released_at, from, to) = &switches[1];
    assert_eq!((from, to), (first, &None), "{switches:?}");
    // Released by the apply that made it a canary, before the canary's ReplicaSet exists.
    let applied = r
        .journal
        .iter()
        .find(|e| matches!(&e.kind, EntryKind::RolloutUpdated { generation: 2, .. }))
        .expect("the apply is journaled");
    assert_eq!(*released_at, applied.t);
}
