//! Controller tests on plans: one reconcile of a hand-built snapshot (Rollout object,
//! ReplicaSets, Services, time) and the writes it decides, for the decisions the semantics
//! reference describes — creation, reset on a new template, pause steps, promote, abort,
//! router weights, scale-down deadlines, Service switches, progress deadline, invalid spec.

use smol_str::SmolStr;
use std::collections::BTreeMap;

use rollout_sim::api::analysis::{AnalysisTemplate, RolloutAnalysis, TemplateRef};
use rollout_sim::api::{
    Canary, PauseDuration, PodTemplate, RolloutSpec, Step, Strategy, TrafficRouting,
};
use rollout_sim::engine::{SimDuration, SimTime};
use rollout_sim::rollout::status::{
    PauseCondition, PauseReason, RolloutConditionType, RolloutStatus, TrafficWeights,
    WeightDestination, reason,
};
use rollout_sim::rollout::{
    Input, Phase, Plan, RolloutObject, RsView, ServiceView, Write, reconcile,
};

const NOW: SimTime = SimTime(100_000);

fn canary(steps: Vec<Step>) -> Canary {
    Canary {
        steps: steps.into(),
        steps_hash: "steps".into(),
        ..Canary::default()
    }
}

fn routed(mut c: Canary) -> Canary {
    c.canary_service = Some("canary".into());
    c.stable_service = Some("stable".into());
    c.traffic_routing = Some(TrafficRouting {
        provider: "nginx".into(),
        max_traffic_weight: 100,
        managed_routes: vec![],
        services_required: true,
        origin: Default::default(),
    });
    c
}

fn pause(secs: Option<u64>) -> Step {
    Step::pause(secs.map(|s| PauseDuration {
        seconds: s,
        text: format!("{s}s"),
    }))
}

/// A rollout of `replicas` whose current template hash is `current`, in the middle of an
/// update from `stable` (status as a previous reconcile left it).
fn rollout(
    replicas: u32,
    c: Canary,
    stable: &str,
    current: &str,
    step: Option<u32>,
) -> RolloutObject {
    let spec = RolloutSpec {
        replicas: Some(replicas),
        selector: BTreeMap::from([("app".to_string(), "x".to_string())]),
        template: PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": current}]}}),
        ),
        min_ready_seconds: 0,
        revision_history_limit: 10,
        progress_deadline_seconds: 600,
        progress_deadline_abort: false,
        paused: false,
        restart_at: None,
        rollback_window: None,
        strategy: Strategy::Canary(c),
    };
    let mut ro = RolloutObject::new("ro", "default", spec);
    ro.template_hash = current.into();
    ro.revision = 2;
    *ro.status = RolloutStatus {
        observed_generation: 1,
        current_pod_hash: current.into(),
        current_step_hash: "steps".into(),
        current_step_index: step,
        stable_rs: stable.into(),
        ..Default::default()
    };
    ro
}

fn rs(hash: &str, revision: u64, spec: i32, available: i32, replicas: i32) -> RsView {
    RsView {
        name: smol_str::format_smolstr!("ro-{hash}"),
        hash: hash.into(),
        revision,
        spec,
        status_replicas: spec,
        ready: available,
        available,
        created: (SimTime(revision * 1000), revision),
        desired_annotation: Some(replicas),
        scale_down_deadline: None,
    }
}

/// The controller's input for a rollout, its ReplicaSets and Services at `now`: no pods,
/// runs, experiments, routes or templates, and no verdict on the spec kept by the caller.
fn input<'a>(
    ro: &'a RolloutObject,
    rss: &'a [RsView],
    services: &'a BTreeMap<smol_str::SmolStr, ServiceView>,
    now: SimTime,
) -> Input<'a> {
    Input {
        rollout: ro,
        pods: &[],
        budgets: &[],
        analysis_runs: &[],
        experiments: &[],
        routes: &[],
        analysis_templates: &[],
        replica_sets: rss,
        services,
        validation: None,
        now,
    }
}

fn run(
    ro: &RolloutObject,
    rss: &[RsView],
    services: &BTreeMap<smol_str::SmolStr, ServiceView>,
) -> Plan {
    reconcile(&input(ro, rss, services, NOW))
}

/// Reconciles at `now` until the controller writes no more status, returning the last plan
/// (the one that changed nothing, with its requeue requests).
fn settle(ro: &mut RolloutObject, rss: &[RsView], now: SimTime) -> Plan {
    for _ in 0..20 {
        let plan = reconcile(&input(ro, rss, &no_services(), now));
        match plan.status {
            Some(st) if plan.writes.is_empty() => ro.status = st,
            _ => return plan,
        }
    }
    panic!("the controller keeps changing the status");
}

fn no_services() -> BTreeMap<smol_str::SmolStr, ServiceView> {
    BTreeMap::new()
}

fn services(stable: &str, canary: &str) -> BTreeMap<smol_str::SmolStr, ServiceView> {
    let view = |h: &str| ServiceView {
        selector_hash: Some(h.into()),
        managed: true,
    };
    BTreeMap::from([
        ("stable".into(), view(stable)),
        ("canary".into(), view(canary)),
    ])
}

fn scales(plan: &Plan) -> Vec<(SmolStr, i32, i32)> {
    plan.writes
        .iter()
        .filter_map(|a| match a {
            Write::ScaleReplicaSet { name, from, to, .. } if from != to => {
                Some((name.clone(), *from, *to))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_new_template_first_gets_its_replica_set_at_zero_and_nothing_else() {
    let mut ro = rollout(5, canary(vec![Step::weight(20)]), "v1", "v1", Some(1));
    ro.template_hash = "v2".into();
    let plan = run(&ro, &[rs("v1", 1, 5, 5, 5)], &no_services());
    assert_eq!(
        plan.writes,
        vec![Write::CreateReplicaSet {
            hash: "v2".into(),
            revision: 2
        }]
    );
    let st = plan.status.expect("the Progressing condition is set");
    let cond = st.condition(RolloutConditionType::Progressing).unwrap();
    assert_eq!(cond.reason, reason::NEW_RS_CREATED);
    assert_eq!(&*cond.message, "Created new replica set \"ro-v2\"");
}

#[test]
fn the_next_reconcile_resets_the_status_without_scaling() {
    let mut ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(None)]),
        "v1",
        "v1",
        Some(2),
    );
    ro.template_hash = "v2".into();
    ro.status.controller_pause = true;
    let plan = run(
        &ro,
        &[rs("v1", 1, 5, 5, 5), rs("v2", 2, 0, 0, 5)],
        &no_services(),
    );
    assert!(scales(&plan).is_empty());
    let st = plan.status.unwrap();
    assert_eq!(st.current_pod_hash, "v2");
    assert_eq!(st.current_step_index, Some(0));
    assert!(!st.controller_pause);
    assert_eq!(
        (st.phase, st.message.as_str()),
        (Phase::Progressing, "more replicas need to be updated")
    );
}

#[test]
fn default_fenceposts_shrink_the_stable_first_then_grow_the_canary() {
    let ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(None)]),
        "v1",
        "v2",
        Some(0),
    );
    let mut rss = vec![rs("v1", 1, 5, 5, 5), rs("v2", 2, 0, 0, 5)];
    let plan = run(&ro, &rss, &no_services());
    assert_eq!(scales(&plan), vec![("ro-v1".into(), 5, 4)]);
    rss[0].spec = 4;
    rss[0].status_replicas = 4;
    rss[0].available = 4;
    let plan = run(&ro, &rss, &no_services());
    assert_eq!(scales(&plan), vec![("ro-v2".into(), 0, 1)]);
}

#[test]
fn a_pause_step_adds_its_pause_condition_once() {
    let ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(Some(60))]),
        "v1",
        "v2",
        Some(1),
    );
    let rss = [rs("v1", 1, 4, 4, 5), rs("v2", 2, 1, 1, 5)];
    let plan = run(&ro, &rss, &no_services());
    let st = plan.status.unwrap();
    assert_eq!(st.pause_conditions.len(), 1);
    assert_eq!(st.pause_conditions[0].reason, PauseReason::CanaryPauseStep);
    // Kubernetes timestamps keep whole seconds.
    assert_eq!(st.pause_conditions[0].start_time, SimTime(100_000));
    assert!(st.controller_pause);
    assert_eq!(
        (st.phase, st.message.as_str()),
        (Phase::Paused, "CanaryPauseStep")
    );
    assert!(
        plan.events
            .iter()
            .any(|e| e.message.to_string() == "Rollout is paused (CanaryPauseStep)")
    );
}

#[test]
fn a_timed_pause_asks_to_be_woken_at_its_end_and_completes_then() {
    let mut ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(Some(60))]),
        "v1",
        "v2",
        Some(1),
    );
    ro.status.controller_pause = true;
    ro.status.pause_conditions = vec![PauseCondition {
        reason: PauseReason::CanaryPauseStep,
        start_time: SimTime(90_000),
    }];
    // The Progressing condition already says "paused", so the reconcile goes on to the step.
    ro.status.set_condition(
        RolloutConditionType::Progressing,
        rollout_sim::rollout::status::CondStatus::Unknown,
        reason::PAUSED,
        "Rollout is paused".into(),
        SimTime(90_000),
    );
    ro.status.set_condition(
        RolloutConditionType::Paused,
        rollout_sim::rollout::status::CondStatus::True,
        reason::PAUSED,
        "Rollout is paused".into(),
        SimTime(90_000),
    );
    let rss = [rs("v1", 1, 4, 4, 5), rs("v2", 2, 1, 1, 5)];
    let plan = run(&ro, &rss, &no_services());
    assert!(
        plan.requeue.contains(&SimTime(150_000)),
        "{:?}",
        plan.requeue
    );
    let done = reconcile(&input(&ro, &rss, &no_services(), SimTime(150_000)));
    let st = done.status.expect("the step completes");
    assert_eq!(st.current_step_index, Some(2));
    assert!(st.pause_conditions.is_empty());
}

#[test]
fn promote_clears_the_pause_and_the_step_completes() {
    let mut ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(None), Step::weight(40)]),
        "v1",
        "v2",
        Some(1),
    );
    // What `promote` leaves: no pause condition, controllerPause still true.
    ro.status.controller_pause = true;
    let plan = run(
        &ro,
        &[rs("v1", 1, 4, 4, 5), rs("v2", 2, 1, 1, 5)],
        &no_services(),
    );
    let st = plan.status.unwrap();
    assert_eq!(st.current_step_index, Some(2));
    assert!(!st.controller_pause);
    assert!(
        plan.events
            .iter()
            .any(|e| e.message.to_string() == "Rollout step 2/3 completed (pause)")
    );
}

#[test]
fn abort_sends_the_step_back_to_zero_and_degrades_the_rollout() {
    let mut ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(None)]),
        "v1",
        "v2",
        Some(1),
    );
    ro.status.abort = true;
    let plan = run(
        &ro,
        &[rs("v1", 1, 4, 4, 5), rs("v2", 2, 1, 1, 5)],
        &no_services(),
    );
    // The stable is surged back up first.
    assert_eq!(scales(&plan), vec![("ro-v1".into(), 4, 5)]);
    let st = plan.status.unwrap();
    assert_eq!(st.current_step_index, Some(0));
    assert_eq!(st.phase, Phase::Degraded);
    assert_eq!(
        st.message,
        "RolloutAborted: Rollout aborted update to revision 2"
    );
    assert_eq!(st.aborted_at, Some(NOW));
}

#[test]
fn the_router_keeps_the_previous_weight_until_the_canary_pods_are_available() {
    let c = routed(canary(vec![
        Step::weight(20),
        pause(None),
        Step::weight(60),
        pause(None),
    ]));
    let mut ro = rollout(5, c, "v1", "v2", Some(2));
    let weights = |w: i32| TrafficWeights {
        canary: WeightDestination {
            weight: w,
            pod_template_hash: "v2".into(),
            service_name: "canary".into(),
        },
        stable: WeightDestination {
            weight: 100 - w,
            pod_template_hash: "v1".into(),
            service_name: "stable".into(),
        },
        additional: Vec::new(),
    };
    ro.status.canary.weights = Some(weights(20));
    let svcs = services("v1", "v2");
    // 1 of the 3 canary pods of setWeight 60: the canary is scaled, the weight stays 20.
    let plan = run(&ro, &[rs("v1", 1, 5, 5, 5), rs("v2", 2, 1, 1, 5)], &svcs);
    assert_eq!(scales(&plan), vec![("ro-v2".into(), 1, 3)]);
    assert!(
        plan.status
            .is_none_or(|s| s.canary.weights == Some(weights(20)))
    );
    // All 3 available: weight 60 and the step completes in the same reconcile.
    let plan = run(&ro, &[rs("v1", 1, 5, 5, 5), rs("v2", 2, 3, 3, 5)], &svcs);
    let st = plan.status.unwrap();
    assert_eq!(st.canary.weights, Some(weights(60)));
    assert_eq!(st.current_step_index, Some(3));
    assert!(
        plan.events
            .iter()
            .any(|e| e.message.to_string() == "Traffic weight updated from 20 to 60")
    );
}

#[test]
fn after_promotion_the_old_routed_stable_waits_out_its_scale_down_delay() {
    let c = routed(canary(vec![Step::weight(50)]));
    let mut ro = rollout(4, c, "v2", "v2", Some(1));
    ro.status.canary.weights = Some(TrafficWeights {
        canary: WeightDestination {
            weight: 0,
            pod_template_hash: "v2".into(),
            service_name: "canary".into(),
        },
        stable: WeightDestination {
            weight: 100,
            pod_template_hash: "v2".into(),
            service_name: "stable".into(),
        },
        additional: Vec::new(),
    });
    let svcs = services("v2", "v2");
    let mut rss = vec![rs("v1", 1, 4, 4, 4), rs("v2", 2, 4, 4, 4)];
    let plan = run(&ro, &rss, &svcs);
    assert!(plan.writes.contains(&Write::SetScaleDownDeadline {
        name: "ro-v1".into(),
        at: SimTime(130_000)
    }));
    assert!(
        scales(&plan).is_empty(),
        "the old stable keeps its pods until the deadline"
    );
    assert!(plan.requeue.contains(&SimTime(130_000)));
    rss[0].scale_down_deadline = Some(SimTime(130_000));
    let at_deadline = reconcile(&input(&ro, &rss, &svcs, SimTime(130_000)));
    assert_eq!(scales(&at_deadline), vec![("ro-v1".into(), 4, 0)]);
}

#[test]
fn a_service_is_adopted_only_when_its_replica_set_is_fully_available() {
    let c = routed(canary(vec![Step::weight(50), pause(None)]));
    let ro = rollout(4, c, "v1", "v2", Some(1));
    let unmanaged = BTreeMap::from([
        (
            "stable".into(),
            ServiceView {
                selector_hash: None,
                managed: false,
            },
        ),
        (
            "canary".into(),
            ServiceView {
                selector_hash: None,
                managed: false,
            },
        ),
    ]);
    // The canary has 1 of its 2 pods available: only the stable Service is adopted.
    let plan = run(
        &ro,
        &[rs("v1", 1, 4, 4, 4), rs("v2", 2, 2, 1, 4)],
        &unmanaged,
    );
    let switched: Vec<&str> = plan
        .writes
        .iter()
        .filter_map(|a| match a {
            Write::SwitchService { service, .. } => Some(service.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(switched, vec!["stable"]);
}

#[test]
fn no_progress_for_longer_than_the_deadline_degrades_the_rollout() {
    let mut ro = rollout(
        4,
        canary(vec![Step::weight(25), pause(None)]),
        "v1",
        "v2",
        Some(0),
    );
    // At setWeight 25 of 4: 1 canary pod (never available) and 3 stable.
    let rss = [rs("v1", 1, 3, 3, 4), rs("v2", 2, 1, 0, 4)];
    let settled = settle(&mut ro, &rss, SimTime(0));
    assert!(settled.is_noop());
    assert_eq!(ro.status.phase, Phase::Progressing);
    // The controller asks to be woken one second after the deadline (600 s) would pass...
    assert!(
        settled.requeue.contains(&SimTime(601_000)),
        "{:?}",
        settled.requeue
    );
    let before = reconcile(&input(&ro, &rss, &no_services(), SimTime(600_000)));
    assert!(before.is_noop(), "not yet timed out at the deadline itself");
    // ...and then reports the timeout.
    let after = reconcile(&input(&ro, &rss, &no_services(), SimTime(601_000)));
    let st = after.status.unwrap();
    assert_eq!(st.phase, Phase::Degraded);
    assert_eq!(
        st.message,
        "ProgressDeadlineExceeded: ReplicaSet \"ro-v2\" has timed out progressing."
    );
}

#[test]
fn a_missing_referenced_service_makes_the_spec_invalid() {
    let c = routed(canary(vec![Step::weight(50)]));
    let ro = rollout(4, c, "v1", "v2", Some(0));
    let plan = run(
        &ro,
        &[rs("v1", 1, 4, 4, 4), rs("v2", 2, 0, 0, 4)],
        &no_services(),
    );
    assert!(scales(&plan).is_empty());
    let st = plan.status.unwrap();
    assert_eq!(st.phase, Phase::Degraded);
    assert!(
        st.message.starts_with(
            "InvalidSpec: The Rollout \"ro\" is invalid: spec.strategy.canary.stableService"
        ),
        "{}",
        st.message
    );
    // The controller looks again in 20 s: the Service may just not be there yet.
    assert!(plan.requeue.contains(&(NOW + SimDuration::from_secs(20))));
}

#[test]
fn a_verdict_kept_by_the_caller_is_the_one_the_reconcile_acts_on() {
    let c = routed(canary(vec![Step::weight(50)]));
    let ro = rollout(4, c, "v1", "v2", Some(0));
    let rss = [rs("v1", 1, 4, 4, 4), rs("v2", 2, 0, 0, 4)];
    let with = |services: &BTreeMap<smol_str::SmolStr, ServiceView>, verdict| {
        reconcile(&Input {
            validation: Some(verdict),
            ..input(&ro, &rss, services, NOW)
        })
    };
    // Services missing, but the caller's verdict (decided when they last changed) says valid.
    let valid = with(&no_services(), &None);
    assert!(
        valid
            .status
            .is_none_or(|st| st.condition(RolloutConditionType::InvalidSpec).is_none())
    );
    // And a problem the caller found is reported as the reconcile's own would be.
    let problem = Some("spec.strategy.canary.stableService: gone".to_string());
    let invalid = with(&services("v1", "v1"), &problem);
    assert!(scales(&invalid).is_empty());
    assert_eq!(
        invalid.status.unwrap().message,
        "InvalidSpec: The Rollout \"ro\" is invalid: spec.strategy.canary.stableService: gone"
    );
}

#[test]
fn a_status_built_in_a_spare_is_the_status_built_anew() {
    let ro = rollout(4, canary(vec![Step::weight(50)]), "v1", "v2", Some(0));
    let rss = [rs("v1", 1, 4, 4, 4), rs("v2", 2, 1, 1, 4)];
    let services = no_services();
    let input = input(&ro, &rss, &services, NOW);
    assert!(reconcile(&input).status.is_some());
    // A spare full of another rollout's status: none of it may show in the plan.
    reconcile_in_a_spare(&ro, &input);
}

/// A spare full of another rollout's status, with a condition the rollout has none of.
fn stale_spare(ro: &RolloutObject) -> Box<RolloutStatus> {
    let mut spare = ro.status.clone();
    spare.stable_rs = "elsewhere".into();
    spare.replicas = 99;
    spare.abort = true;
    spare.set_condition(
        RolloutConditionType::InvalidSpec,
        rollout_sim::rollout::status::CondStatus::True,
        reason::INVALID_SPEC,
        "stale".into(),
        NOW,
    );
    spare
}

/// The reconcile of `input` with a stale spare, checked against a fresh one; returns its plan
/// and what it left in the spare.
fn reconcile_in_a_spare(ro: &RolloutObject, input: &Input) -> (Plan, Option<Box<RolloutStatus>>) {
    let fresh = reconcile(input);
    let mut spare = Some(stale_spare(ro));
    let reused = rollout_sim::rollout::reconcile_reusing(
        input,
        Plan::default(),
        &mut spare,
        &rollout_sim::rollout::Kept::default(),
    );
    assert_eq!(reused, fresh);
    (reused, spare)
}

/// The reconciles that end early (a new ReplicaSet, an invalid spec, a pause condition to
/// set) write a copy of the previous status, made in the spare; one that writes no status
/// hands its box back for the next reconcile.
#[test]
fn the_early_endings_copy_the_status_into_the_spare_and_an_unwritten_box_comes_back() {
    // A new ReplicaSet.
    let mut ro = rollout(5, canary(vec![Step::weight(20)]), "v1", "v1", Some(1));
    ro.template_hash = "v2".into();
    let rss = [rs("v1", 1, 5, 5, 5)];
    let services = no_services();
    let (plan, spare) = reconcile_in_a_spare(&ro, &input(&ro, &rss, &services, NOW));
    assert!(
        plan.status.is_some() && spare.is_none(),
        "the spare is written"
    );

    // An invalid spec, written once, then unchanged.
    let mut ro = rollout(
        4,
        routed(canary(vec![Step::weight(50)])),
        "v1",
        "v2",
        Some(0),
    );
    let rss = [rs("v1", 1, 4, 4, 4), rs("v2", 2, 0, 0, 4)];
    let (plan, spare) = reconcile_in_a_spare(&ro, &input(&ro, &rss, &services, NOW));
    assert!(spare.is_none(), "the spare is written");
    ro.status = plan.status.unwrap();
    let (plan, spare) = reconcile_in_a_spare(&ro, &input(&ro, &rss, &services, NOW));
    assert!(
        plan.status.is_none() && spare.is_some(),
        "the box comes back"
    );

    // A manual pause of a completed rollout: the Paused condition, then nothing.
    let mut ro = rollout(3, canary(vec![Step::weight(50)]), "v1", "v1", Some(1));
    ro.revision = 1;
    let rss = [rs("v1", 1, 3, 3, 3)];
    settle(&mut ro, &rss, NOW);
    ro.spec.paused = true;
    ro.generation += 1;
    for _ in 0..20 {
        let (plan, spare) = reconcile_in_a_spare(&ro, &input(&ro, &rss, &services, NOW));
        match plan.status {
            Some(st) => ro.status = st,
            None => {
                assert!(spare.is_some(), "the box comes back");
                assert_eq!(ro.status.phase, Phase::Paused);
                return;
            }
        }
    }
    panic!("the controller keeps changing the status");
}

#[test]
fn a_router_without_its_services_makes_the_spec_invalid() {
    let mut c = routed(canary(vec![Step::weight(50)]));
    c.canary_service = None;
    let ro = rollout(4, c, "v1", "v2", Some(0));
    let plan = run(
        &ro,
        &[rs("v1", 1, 4, 4, 4), rs("v2", 2, 0, 0, 4)],
        &services("v1", "v1"),
    );
    assert!(scales(&plan).is_empty());
    assert_eq!(
        plan.status.unwrap().message,
        "InvalidSpec: The Rollout \"ro\" is invalid: spec.strategy.canary.canaryService: \
         Invalid value: \"\": Canary service and Stable service must to be set to use Traffic Routing"
    );
}

#[test]
fn a_missing_analysis_template_makes_the_spec_invalid_until_it_exists() {
    let template_ref = TemplateRef {
        name: "smoke".into(),
        cluster_scope: false,
        origin: Default::default(),
    };
    let analysis = RolloutAnalysis {
        templates: vec![template_ref],
        args: vec![],
        dry_run: vec![],
        measurement_retention: vec![],
        origin: Default::default(),
    };
    let step = Step {
        analysis: Some(analysis),
        ..Default::default()
    };
    let ro = rollout(4, canary(vec![Step::weight(50), step]), "v1", "v2", Some(0));
    let rss = [rs("v1", 1, 4, 4, 4), rs("v2", 2, 0, 0, 4)];
    let plan = run(&ro, &rss, &no_services());
    assert!(scales(&plan).is_empty());
    assert_eq!(
        plan.status.unwrap().message,
        "InvalidSpec: The Rollout \"ro\" is invalid: \
         spec.strategy.canary.steps[1].analysis.templates: Invalid value: \"smoke\": \
         AnalysisTemplate 'smoke' not found"
    );
    // Once the template exists the same snapshot is valid and the update proceeds.
    let template = AnalysisTemplate {
        name: "smoke".into(),
        cluster_scope: false,
        args: vec![],
        metrics: vec![],
        dry_run: vec![],
        measurement_retention: vec![],
        templates: vec![],
        origin: Default::default(),
    };
    let templates = [template];
    let healed = reconcile(&Input {
        analysis_templates: &templates,
        ..input(&ro, &rss, &no_services(), NOW)
    });
    assert!(
        healed
            .status
            .as_ref()
            .is_none_or(|st| st.condition(RolloutConditionType::InvalidSpec).is_none())
    );
    assert!(!scales(&healed).is_empty(), "{healed:?}");
}

#[test]
fn a_settled_rollout_reconciles_to_nothing() {
    let mut ro = rollout(3, canary(vec![Step::weight(50)]), "v1", "v1", Some(1));
    ro.revision = 1;
    let rss = [rs("v1", 1, 3, 3, 3)];
    // Let the controller write its conditions; then it has nothing more to say.
    let plan = settle(&mut ro, &rss, NOW);
    assert!(plan.is_noop(), "{plan:?}");
    assert!(plan.requeue.is_empty(), "a Healthy rollout needs no timer");
    assert_eq!(ro.status.phase, Phase::Healthy);
}

/// Back to the stable template of a `dynamicStableScale` update: the state once the controller
/// has marked it fully promoted again (stable == current == v1) while the router still sends
/// 75 % to the interrupted canary v2 and the stable has `stable_available` of its 4 pods.
fn rolling_back(stable_available: i32) -> (RolloutObject, [RsView; 2]) {
    let mut c = routed(canary(vec![Step::weight(75), pause(None)]));
    c.dynamic_stable_scale = true;
    let mut ro = rollout(4, c, "v1", "v1", Some(2));
    ro.status.canary.weights = Some(TrafficWeights {
        canary: WeightDestination {
            weight: 75,
            pod_template_hash: "v2".into(),
            service_name: "canary".into(),
        },
        stable: WeightDestination {
            weight: 25,
            pod_template_hash: "v1".into(),
            service_name: "stable".into(),
        },
        additional: vec![],
    });
    let rss = [rs("v1", 3, 4, stable_available, 4), rs("v2", 2, 3, 3, 4)];
    (ro, rss)
}

fn canary_switches(plan: &Plan) -> Vec<SmolStr> {
    plan.writes
        .iter()
        .filter_map(|a| match a {
            Write::SwitchService { service, to, .. } if service == "canary" => Some(to.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn dynamic_rollback_to_an_undersized_stable_keeps_the_canary_service_and_traffic() {
    let (ro, rss) = rolling_back(1);
    let plan = run(&ro, &rss, &services("v1", "v2"));
    assert!(canary_switches(&plan).is_empty(), "{:?}", plan.writes);
    let weights = plan
        .status
        .as_ref()
        .and_then(|s| s.canary.weights.clone())
        .or(ro.status.canary.weights.clone())
        .unwrap();
    assert_eq!(weights.canary.weight, 75);
    assert_eq!(weights.canary.pod_template_hash, "v2");
}

#[test]
fn dynamic_rollback_moves_the_canary_service_back_once_the_stable_is_available() {
    let (ro, rss) = rolling_back(4);
    let plan = run(&ro, &rss, &services("v1", "v2"));
    assert_eq!(canary_switches(&plan), vec!["v1".to_string()]);
    let weights = plan.status.and_then(|s| s.canary.weights).unwrap();
    assert_eq!(weights.canary.weight, 0);
}

#[test]
fn a_manual_pause_of_a_completed_rollout_settles_and_leaves_progressing_alone() {
    let mut ro = rollout(3, canary(vec![Step::weight(50)]), "v1", "v1", Some(1));
    ro.revision = 1;
    let rss = [rs("v1", 1, 3, 3, 3)];
    settle(&mut ro, &rss, NOW);
    let progressing = ro
        .status
        .condition(RolloutConditionType::Progressing)
        .cloned();
    // `kubectl argo rollouts pause`: spec.paused, a new generation.
    ro.spec.paused = true;
    ro.generation += 1;
    // Before the fix the Paused and NewReplicaSetAvailable reasons alternated for ever:
    // `settle` panics when the status keeps changing.
    let plan = settle(&mut ro, &rss, NOW);
    assert!(plan.is_noop(), "{plan:?}");
    assert_eq!(ro.status.phase, Phase::Paused);
    assert_eq!(ro.status.message, "manually paused");
    assert_eq!(
        ro.status
            .condition(RolloutConditionType::Progressing)
            .map(|c| c.reason),
        progressing.map(|c| c.reason),
        "the completed rollout's Progressing condition is left alone"
    );
}

#[test]
fn an_abort_with_no_update_in_progress_is_cleared_and_the_rollout_stays_healthy() {
    let c = routed(canary(vec![Step::weight(50), pause(None)]));
    let mut ro = rollout(3, c, "v1", "v1", Some(2));
    ro.revision = 1;
    let rss = [rs("v1", 1, 3, 3, 3)];
    let svcs = services("v1", "v1");
    // Settle with the Services in place.
    for _ in 0..20 {
        match run(&ro, &rss, &svcs).status {
            Some(st) => ro.status = st,
            None => break,
        }
    }
    assert_eq!(ro.status.phase, Phase::Healthy);
    // `kubectl argo rollouts abort`.
    ro.status.abort = true;
    let plan = run(&ro, &rss, &svcs);
    assert!(scales(&plan).is_empty(), "no pod moves: {plan:?}");
    let st = plan.status.expect("the abort is written away");
    assert!(!st.abort);
    assert_eq!(st.aborted_at, None);
    assert_eq!(st.phase, Phase::Healthy);
    ro.status = st;
    assert!(run(&ro, &rss, &svcs).is_noop(), "and then nothing more");
}

/// The simulation hands each applied plan back, emptied, for the next reconcile to fill:
/// a plan filled that way is the plan a fresh reconcile decides, and keeps the room its
/// lists had, whatever the plan held before.
#[test]
fn a_handed_back_plan_is_filled_exactly_as_a_fresh_one() {
    let mut ro = rollout(
        5,
        canary(vec![Step::weight(20), pause(None)]),
        "v1",
        "v2",
        Some(0),
    );
    let mut rss = vec![rs("v1", 1, 5, 5, 5), rs("v2", 2, 0, 0, 5)];
    let mut spare = Plan::default();
    // Kept across the reconciles, as the world keeps it: what it keeps gives the plans
    // of a reconcile that computes everything.
    let kept = rollout_sim::rollout::Kept::default();
    let mut reconciles = 0;
    for _ in 0..20 {
        let services = no_services();
        let input = input(&ro, &rss, &services, NOW);
        let fresh = reconcile(&input);
        let room = spare.writes.capacity();
        let mut refilled = rollout_sim::rollout::reconcile_reusing(&input, spare, &mut None, &kept);
        assert_eq!(refilled, fresh, "reconcile {reconciles}");
        assert!(refilled.writes.capacity() >= room, "the room is kept");
        reconciles += 1;
        // Applied as the world applies it: scales to the ReplicaSets, the status in place,
        // and the lists emptied without giving their room back.
        for w in refilled.writes.drain(..) {
            if let Write::ScaleReplicaSet { name, to, .. } = w {
                let view = rss.iter_mut().find(|r| r.name == name).unwrap();
                (view.spec, view.status_replicas, view.available, view.ready) = (to, to, to, to);
            }
        }
        refilled.events.clear();
        refilled.requeue.clear();
        refilled.completed_because = None;
        let status = refilled.status.take();
        spare = refilled;
        match status {
            Some(st) => ro.status = st,
            None => break,
        }
    }
    assert!(reconciles > 2, "the update took several reconciles");
    assert_eq!(
        (rss[0].spec, rss[1].spec),
        (4, 1),
        "the step's weight was reached"
    );
}
