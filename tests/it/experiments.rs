//! Experiment steps and managed routes, on the rollout's side and end to end.
//!
//! Controller tests: one reconcile of a hand-built snapshot (a Rollout parsed from YAML, its
//! ReplicaSets, its Experiments, the routes the router holds) and the writes it decides, for
//! the rules of upstream `rollout/experiment.go` and the managed-route bookkeeping of
//! `rollout/trafficrouting.go` — creation and name, cancel on abort and promote --full, the
//! result of a finished experiment, additional router weights, routes set at their step,
//! kept, removed at promotion and not applied on the first revision.
//!
//! Simulation tests (through the binary): an experiment's ReplicaSets never enter the
//! rollout's replica arithmetic, and their pod-template hashes are not the rollout's.

use crate::common::sim_parts as sim;
use smol_str::SmolStr;
use std::collections::BTreeMap;
use std::fs;

use serde_json::Value;

use rollout_sim::analysis::run::AnalysisPhase;
use rollout_sim::api::routes::RouteRule;
use rollout_sim::engine::SimTime;
use rollout_sim::experiment::template_hash;
use rollout_sim::manifest::parse_text;
use rollout_sim::rollout::status::{PauseReason, RolloutConditionType, RolloutStatus, reason};
use rollout_sim::rollout::{
    ExperimentTemplateView, ExperimentView, Input, Plan, RolloutObject, RouteView, RsView,
    ServiceView, Write, reconcile,
};

const NOW: SimTime = SimTime(100_000);

/// A canary Rollout of 4 replicas with `strategy` (YAML under `canary:`), parsed as a file
/// would be, at revision 2 (`v1` stable, template `v2`) and at step `step`.
fn rollout(canary: &str, step: Option<u32>) -> RolloutObject {
    let text = format!(
        "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: ro}}
spec:
  replicas: 4
  selector: {{matchLabels: {{app: x}}}}
  template:
    metadata: {{labels: {{app: x}}}}
    spec:
      containers: [{{name: c, image: 'x:2', ports: [{{containerPort: 80}}]}}]
  strategy:
    canary:
{}",
        canary
            .lines()
            .map(|l| format!("      {l}\n"))
            .collect::<String>()
    );
    let (m, _) = parse_text("ro.yaml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let spec = m.rollouts[0].spec.clone();
    let steps_hash = spec.canary().map(|c| c.steps_hash.clone()).unwrap();
    let mut ro = RolloutObject::new("ro", "default", spec);
    ro.template_hash = "v2".into();
    ro.revision = 2;
    *ro.status = RolloutStatus {
        observed_generation: 1,
        current_pod_hash: "v2".into(),
        current_step_hash: steps_hash.into(),
        current_step_index: step,
        stable_rs: "v1".into(),
        ..Default::default()
    };
    ro
}

fn rs(hash: &str, revision: u64, n: i32) -> RsView {
    RsView {
        name: smol_str::format_smolstr!("ro-{hash}"),
        hash: hash.into(),
        revision,
        spec: n,
        status_replicas: n,
        ready: n,
        available: n,
        created: (SimTime(revision * 1000), revision),
        desired_annotation: Some(4),
        scale_down_deadline: None,
    }
}

/// The stable `v1` with `stable` pods and the canary `v2` with `canary` pods, all available.
fn rss(canary: i32, stable: i32) -> Vec<RsView> {
    vec![rs("v1", 1, stable), rs("v2", 2, canary)]
}

fn services() -> BTreeMap<smol_str::SmolStr, ServiceView> {
    let view = |h: &str| ServiceView {
        selector_hash: Some(h.into()),
        managed: true,
    };
    BTreeMap::from([("stable".into(), view("v1")), ("canary".into(), view("v2"))])
}

fn run(
    ro: &RolloutObject,
    rss: &[RsView],
    experiments: &[ExperimentView],
    routes: &[RouteView],
) -> Plan {
    reconcile(&Input {
        rollout: ro,
        pods: &[],
        budgets: &[],
        analysis_runs: &[],
        experiments,
        routes,
        analysis_templates: &[],
        replica_sets: rss,
        services: &services(),
        validation: None,
        now: NOW,
    })
}

fn experiment(name: &str, step: u32, phase: AnalysisPhase, message: &str) -> ExperimentView {
    ExperimentView {
        name: name.into(),
        step_index: step,
        pod_hash: "v2".into(),
        stable_hash: "v1".into(),
        phase,
        message: message.into(),
        terminate: false,
        templates: vec![ExperimentTemplateView {
            name: "exp".into(),
            service_name: smol_str::format_smolstr!("{name}-exp"),
            pod_template_hash: "e1".into(),
        }],
    }
}

fn created(plan: &Plan) -> Vec<SmolStr> {
    plan.writes
        .iter()
        .filter_map(|a| match a {
            Write::CreateExperiment { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

fn terminated(plan: &Plan) -> Vec<SmolStr> {
    plan.writes
        .iter()
        .filter_map(|a| match a {
            Write::TerminateExperiment { name } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

fn status(plan: &Plan, ro: &RolloutObject) -> RolloutStatus {
    plan.status
        .as_deref()
        .map_or_else(|| (*ro.status).clone(), RolloutStatus::clone)
}

const EXPERIMENT_STEPS: &str = "\
steps:
- setWeight: 25
- experiment:
    templates:
    - {name: exp, specRef: canary}
- pause: {}
";

#[test]
fn the_experiment_is_created_when_its_step_is_current_and_named_after_the_step() {
    let ro = rollout(EXPERIMENT_STEPS, Some(1));
    let plan = run(&ro, &rss(1, 3), &[], &[]);
    assert_eq!(created(&plan), vec!["ro-v2-2-1"]);
    assert!(
        plan.events.iter().any(|e| e.reason == "ExperimentCreated"
            && e.message.to_string() == "Created Experiment 'ro-v2-2-1'"),
        "{:?}",
        plan.events
    );
    let st = status(&plan, &ro);
    assert_eq!(st.canary.current_experiment.as_deref(), Some("ro-v2-2-1"));
    // Not at the step before.
    let ro0 = rollout(EXPERIMENT_STEPS, Some(0));
    assert!(created(&run(&ro0, &rss(1, 3), &[], &[])).is_empty());
}

#[test]
fn no_experiment_is_created_while_aborted_and_a_running_one_is_cancelled() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.abort = true;
    let running = experiment("ro-v2-2-1", 1, AnalysisPhase::Running, "");
    let plan = run(&ro, &rss(1, 3), std::slice::from_ref(&running), &[]);
    assert!(created(&plan).is_empty());
    assert_eq!(terminated(&plan), vec!["ro-v2-2-1"]);
}

#[test]
fn promote_full_cancels_the_experiment() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.promote_full = true;
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let running = experiment("ro-v2-2-1", 1, AnalysisPhase::Running, "");
    let plan = run(&ro, &rss(1, 3), &[running], &[]);
    assert_eq!(terminated(&plan), vec!["ro-v2-2-1"]);
    assert!(created(&plan).is_empty());
}

#[test]
fn a_failed_experiment_aborts_with_its_message_after_argos_prefix() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let failed = experiment(
        "ro-v2-2-1",
        1,
        AnalysisPhase::Failed,
        "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)",
    );
    let plan = run(&ro, &rss(1, 3), &[failed], &[]);
    let st = status(&plan, &ro);
    assert!(st.abort);
    let c = st.condition(RolloutConditionType::Progressing).unwrap();
    assert_eq!(c.reason, reason::ABORTED);
    assert_eq!(
        &*c.message,
        "Rollout aborted update to revision 2: Experiment analysis phase is error/failed: \
         Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    // Upstream's TestAbortRolloutAfterFailedExperiment: the status stops naming it.
    assert_eq!(st.canary.current_experiment, None);
}

/// An experiment that failed without a message: the prefix alone (rollout/experiment.go).
#[test]
fn a_failed_experiment_without_a_message_aborts_with_the_prefix_alone() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let failed = experiment("ro-v2-2-1", 1, AnalysisPhase::Error, "");
    let plan = run(&ro, &rss(1, 3), &[failed], &[]);
    let st = status(&plan, &ro);
    let c = st.condition(RolloutConditionType::Progressing).unwrap();
    assert_eq!(
        &*c.message,
        "Rollout aborted update to revision 2: Experiment analysis phase is error/failed"
    );
}

#[test]
fn an_inconclusive_experiment_pauses_the_rollout() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let inconclusive = experiment("ro-v2-2-1", 1, AnalysisPhase::Inconclusive, "");
    let plan = run(&ro, &rss(1, 3), &[inconclusive], &[]);
    let st = status(&plan, &ro);
    assert!(
        st.pause_conditions
            .iter()
            .any(|p| p.reason == PauseReason::InconclusiveExperiment),
        "{:?}",
        st.pause_conditions
    );
    assert!(!st.abort);
    assert_eq!(st.current_step_index, Some(1));
}

#[test]
fn after_an_inconclusive_experiment_the_next_reconcile_starts_another() {
    // The status stopped naming the inconclusive experiment, and the step is still current:
    // upstream's reconcileExperiments creates a new one, with a collision suffix, even while
    // the rollout is paused for the inconclusive one.
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.pause_conditions = vec![rollout_sim::rollout::status::PauseCondition {
        reason: PauseReason::InconclusiveExperiment,
        start_time: NOW,
    }];
    ro.status.controller_pause = true;
    let inconclusive = experiment("ro-v2-2-1", 1, AnalysisPhase::Inconclusive, "");
    // The first reconciles may only bring the Paused conditions in line.
    for _ in 0..5 {
        let plan = run(&ro, &rss(1, 3), std::slice::from_ref(&inconclusive), &[]);
        if !created(&plan).is_empty() {
            assert_eq!(created(&plan), vec!["ro-v2-2-1-1"]);
            let st = status(&plan, &ro);
            assert_eq!(st.canary.current_experiment.as_deref(), Some("ro-v2-2-1-1"));
            assert!(!st.pause_conditions.is_empty(), "still paused");
            return;
        }
        *ro.status = status(&plan, &ro);
    }
    panic!("no new experiment");
}

#[test]
fn a_successful_experiment_completes_its_step() {
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let done = experiment("ro-v2-2-1", 1, AnalysisPhase::Successful, "");
    let plan = run(&ro, &rss(1, 3), &[done], &[]);
    let st = status(&plan, &ro);
    assert_eq!(st.current_step_index, Some(2));
    assert_eq!(st.canary.current_experiment, None);
    assert!(created(&plan).is_empty());
}

#[test]
fn experiments_of_other_steps_are_cancelled() {
    // Upstream's TestRolloutExperimentScaleDownExtraExperiment: an experiment the status
    // does not name is cancelled, while the current one is followed.
    let mut ro = rollout(EXPERIMENT_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let current = experiment("ro-v2-2-1", 1, AnalysisPhase::Running, "");
    let extra = experiment("extra", 1, AnalysisPhase::Pending, "");
    let plan = run(&ro, &rss(1, 3), &[current, extra], &[]);
    assert_eq!(terminated(&plan), vec!["extra"]);
    // At a later step the followed one goes too.
    let mut ro2 = rollout(EXPERIMENT_STEPS, Some(2));
    ro2.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let current = experiment("ro-v2-2-1", 1, AnalysisPhase::Running, "");
    assert_eq!(
        terminated(&run(&ro2, &rss(1, 3), &[current], &[])),
        vec!["ro-v2-2-1"]
    );
}

const WEIGHTED_STEPS: &str = "\
canaryService: canary
stableService: stable
trafficRouting:
  istio: {virtualService: {name: vs, routes: [primary]}}
steps:
- setWeight: 25
- experiment:
    templates:
    - {name: exp, specRef: canary, weight: 10}
- pause: {}
";

#[test]
fn a_running_weighted_experiment_is_an_additional_router_destination() {
    let mut ro = rollout(WEIGHTED_STEPS, Some(1));
    ro.status.canary.current_experiment = Some("ro-v2-2-1".into());
    let running = experiment("ro-v2-2-1", 1, AnalysisPhase::Running, "");
    let plan = run(&ro, &rss(1, 3), &[running], &[]);
    let w = status(&plan, &ro).canary.weights.expect("router weights");
    assert_eq!(w.canary.weight, 25);
    assert_eq!(w.additional.len(), 1);
    assert_eq!(w.additional[0].weight, 10);
    assert_eq!(w.additional[0].pod_template_hash, "e1");
    assert_eq!(w.additional[0].service_name, "ro-v2-2-1-exp");
    // stable = max - canary - Σ additional
    assert_eq!(w.stable.weight, 65);
    // Not while it is still pending (its pods are not available yet).
    let pending = experiment("ro-v2-2-1", 1, AnalysisPhase::Pending, "");
    let plan = run(&ro, &rss(1, 3), &[pending], &[]);
    let w = status(&plan, &ro).canary.weights.expect("router weights");
    assert!(w.additional.is_empty());
    assert_eq!(w.stable.weight, 75);
}

const ROUTE_STEPS: &str = "\
canaryService: canary
stableService: stable
trafficRouting:
  managedRoutes: [{name: beta}, {name: shadow}]
  istio: {virtualService: {name: vs, routes: [primary]}}
steps:
- setWeight: 25
- setHeaderRoute:
    name: beta
    match: [{headerName: x-beta, headerValue: {exact: 'yes'}}]
- setMirrorRoute:
    name: shadow
    percentage: 50
    match: [{method: {exact: GET}}]
- pause: {}
- setHeaderRoute: {name: beta}
- pause: {}
";

fn route_writes(plan: &Plan) -> Vec<String> {
    plan.writes
        .iter()
        .filter_map(|a| match a {
            Write::SetRoute { name, rule } => Some(format!(
                "set {name} {}",
                match rule {
                    RouteRule::Header(_) => "header",
                    RouteRule::Mirror { .. } => "mirror",
                }
            )),
            Write::RemoveRoute { name } => Some(format!("remove {name}")),
            Write::RemoveManagedRoutes => Some("remove all".to_string()),
            _ => None,
        })
        .collect()
}

fn held(plan: &Plan, mut routes: Vec<RouteView>) -> Vec<RouteView> {
    for a in &plan.writes {
        match a {
            Write::SetRoute { name, rule } => {
                routes.retain(|r| &r.name != name);
                routes.push(RouteView {
                    name: name.clone(),
                    rule: rule.clone(),
                });
            }
            Write::RemoveRoute { name } => routes.retain(|r| &r.name != name),
            Write::RemoveManagedRoutes => routes.clear(),
            _ => {}
        }
    }
    routes
}

#[test]
fn a_route_step_sets_its_route_and_completes_at_once() {
    let ro = rollout(ROUTE_STEPS, Some(1));
    let plan = run(&ro, &rss(1, 3), &[], &[]);
    assert_eq!(route_writes(&plan), vec!["set beta header"]);
    assert_eq!(status(&plan, &ro).current_step_index, Some(2));
}

#[test]
fn routes_persist_over_later_steps_and_a_step_without_match_removes_its_route() {
    let ro = rollout(ROUTE_STEPS, Some(1));
    let beta = held(&run(&ro, &rss(1, 3), &[], &[]), Vec::new());
    let ro2 = rollout(ROUTE_STEPS, Some(2));
    let both = held(&run(&ro2, &rss(1, 3), &[], &beta), beta.clone());
    assert_eq!(
        both.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        vec!["beta", "shadow"]
    );
    // At the pause: nothing to write, both stay.
    let ro3 = rollout(ROUTE_STEPS, Some(3));
    assert!(route_writes(&run(&ro3, &rss(1, 3), &[], &both)).is_empty());
    // setHeaderRoute without match removes that route only.
    let ro4 = rollout(ROUTE_STEPS, Some(4));
    assert_eq!(
        route_writes(&run(&ro4, &rss(1, 3), &[], &both)),
        vec!["remove beta"]
    );
}

#[test]
fn managed_routes_are_removed_at_promotion_abort_promote_full_and_without_canary_pods() {
    let ro = rollout(ROUTE_STEPS, Some(3));
    let beta = held(
        &run(&rollout(ROUTE_STEPS, Some(1)), &rss(1, 3), &[], &[]),
        Vec::new(),
    );
    // Aborted.
    let mut aborted = ro.clone();
    aborted.status.abort = true;
    assert_eq!(
        route_writes(&run(&aborted, &rss(1, 3), &[], &beta)),
        vec!["remove all"]
    );
    // promote --full.
    let mut full = ro.clone();
    full.status.promote_full = true;
    assert_eq!(
        route_writes(&run(&full, &rss(1, 3), &[], &beta)),
        vec!["remove all"]
    );
    // No available canary pod.
    let mut none = rss(1, 3);
    none[1].available = 0;
    none[1].ready = 0;
    assert_eq!(
        route_writes(&run(&ro, &none, &[], &beta)),
        vec!["remove all"]
    );
    // Fully promoted: the stable is the current template.
    let mut promoted = ro.clone();
    promoted.status.stable_rs = "v2".into();
    promoted.status.current_step_index = Some(6);
    assert_eq!(
        route_writes(&run(&promoted, &[rs("v2", 2, 4)], &[], &beta)),
        vec!["remove all"]
    );
}

#[test]
fn routes_are_not_set_on_the_first_revision() {
    // The first deploy goes through step 0 once (upstream checks the revision annotation for
    // this): a route step there sets nothing.
    let steps = "\
canaryService: canary
stableService: stable
trafficRouting:
  managedRoutes: [{name: beta}]
  istio: {virtualService: {name: vs, routes: [primary]}}
steps:
- setHeaderRoute:
    name: beta
    match: [{headerName: x-beta, headerValue: {exact: 'yes'}}]
- pause: {}
";
    let mut ro = rollout(steps, Some(0));
    ro.revision = 1;
    ro.status.stable_rs = String::new().into();
    let first = [rs("v2", 1, 4)];
    assert!(route_writes(&run(&ro, &first, &[], &[])).is_empty());
    // The same step on revision 2 sets it (the stable still carries all the traffic).
    let ro2 = rollout(steps, Some(0));
    assert_eq!(
        route_writes(&run(&ro2, &rss(1, 4), &[], &[])),
        vec!["set beta header"]
    );
}

// ---------------------------------------------------------------------------------------------
// Through the simulation
// ---------------------------------------------------------------------------------------------

/// A basic canary of 4 whose step 1 runs an experiment of 3 + 2 pods for a minute.
const BIG_EXPERIMENT: &str = r#"name: big-experiment
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: app}
    spec:
      replicas: 4
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers: [{name: app, image: "app:1"}]
      strategy:
        canary:
          steps:
          - setWeight: 25
          - experiment:
              duration: 1m
              templates:
              - {name: baseline, specRef: stable, replicas: 3}
              - {name: canary, specRef: canary, replicas: 2}
          - pause: {duration: 10s}
apps:
  - image: "app:*"
    startup: 3s
script:
  - wait: {phase: Healthy}
  - setImage: app:2
  - wait: {experiment: {"1": Running}}
  - expect:
      replicas: {desired: 4, current: 4, updated: 1, ready: 4, available: 4}
      pods: {stable: 3, canary: 1, experiment: 5, total: 9}
  - wait: {phase: Healthy, revision: 2}
  - wait: {pods: {experiment: 0}}
  - expect: {pods: {stable: 4, total: 4}}
"#;

#[test]
fn experiment_replica_sets_do_not_change_the_rollouts_replica_counts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    fs::write(&p, BIG_EXPERIMENT).unwrap();
    let path = p.to_str().unwrap();
    let (code, out, err) = sim(&["test", path]);
    assert_eq!(code, 0, "{out}{err}");

    // The rollout's own ReplicaSets are scaled exactly as without the experiment: 3/1 at
    // setWeight 25, nothing while the experiment runs, then 0/4.
    let (code, log, err) = sim(&["run", path, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ms = |e: &Value| e["t"].as_f64().or_else(|| e["time"].as_f64());
    let running = events
        .iter()
        .find(|e| e["kind"] == "ExperimentRunning")
        .expect("the experiment runs");
    let completed = events
        .iter()
        .find(|e| e["kind"] == "ExperimentCompleted")
        .expect("the experiment ends");
    assert_eq!(completed["phase"], "Successful");
    let (from, to) = (ms(running), ms(completed));
    let rollout_scales: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "ReplicaSetScaled")
        .filter(|e| {
            let name = e["name"].as_str().unwrap();
            !name.contains("-baseline") && !name.contains("-canary")
        })
        .collect();
    assert!(
        rollout_scales.iter().all(|e| !(ms(e) > from && ms(e) < to)),
        "the rollout scaled while the experiment ran: {rollout_scales:?}"
    );
    let experiment_rs: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "ReplicaSetCreated")
        .filter(|e| e["revision"] == 0)
        .collect();
    assert_eq!(experiment_rs.len(), 2, "{experiment_rs:?}");
}

#[test]
fn experiment_templates_have_their_own_pod_template_hash() {
    // Upstream issue #380: a template copied from the stable (or canary) ReplicaSet must not
    // share its pod-template hash, or the rollout's Services would select the experiment's
    // pods.
    let ro = rollout(EXPERIMENT_STEPS, Some(1));
    let template = &ro.spec.template;
    assert_ne!(template_hash(template), template.hash(0));
    assert_ne!(template_hash(template), template.hash(1));
}

#[test]
fn invalid_experiment_and_route_steps_are_input_errors_naming_file_line_and_field() {
    let text = r#"apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: bad}
spec:
  replicas: 2
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers: [{name: c, image: "c:1"}]
  strategy:
    canary:
      steps:
      - experiment:
          duration: 5x
          templates:
          - {name: a, specRef: stable, weight: 10}
          - {name: a, specRef: latest}
      - setHeaderRoute:
          name: beta
          match: [{headerName: x, headerValue: {exact: "1"}}]
      - setMirrorRoute: {name: shadow, percentage: 50}
"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.yaml");
    fs::write(&p, text).unwrap();
    let (code, _out, err) = sim(&["lint", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let steps = "spec.strategy.canary.steps";
    for (line, field, words) in [
        (15, "[0].experiment.duration", "`5x` is not a duration"),
        (
            17,
            "[0].experiment.templates[0].weight",
            "unless TrafficRouting is enabled",
        ),
        (18, "[0].experiment.templates[1].name", "`a` is used twice"),
        (
            18,
            "[0].experiment.templates[1].specRef",
            "canary or stable",
        ),
        (20, "[1].setHeaderRoute", "requires TrafficRouting"),
        (22, "[2].setMirrorRoute", "supports Istio only"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(&format!("bad.yaml:{line}:"))
                && l.contains(&format!("{steps}{field}:"))
                && l.contains(words)),
            "no error at line {line} for {field} ({words}):\n{err}"
        );
    }
}

#[test]
fn an_experiment_steps_scale_down_delay_is_read_negative_included_and_beyond_int32_refused() {
    let text = |delay: &str| {
        format!(
            "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: ro}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: x}}}}
  template:
    metadata: {{labels: {{app: x}}}}
    spec:
      containers: [{{name: c, image: 'x:2'}}]
  strategy:
    canary:
      steps:
      - experiment:
          duration: 20s
          scaleDownDelaySeconds: {delay}
          templates: [{{name: canary, specRef: canary}}]
"
        )
    };
    let (m, _) = parse_text("ro.yaml", &text("5")).unwrap_or_else(|e| panic!("{e:?}"));
    let steps = &m.rollouts[0].spec.canary().unwrap().steps;
    let e = steps[0].experiment.as_ref().unwrap();
    assert_eq!(e.scale_down_delay_seconds, Some(5));
    // An int32 with no minimum upstream: a negative delay is a deadline already past
    // (scenarios/experiment-scale-down-delay-negative.yaml runs one); beyond int32 is refused.
    let (m, _) = parse_text("ro.yaml", &text("-1")).unwrap_or_else(|e| panic!("{e:?}"));
    let steps = &m.rollouts[0].spec.canary().unwrap().steps;
    let e = steps[0].experiment.as_ref().unwrap();
    assert_eq!(e.scale_down_delay_seconds, Some(-1));
    let err = parse_text("ro.yaml", &text("2147483648")).unwrap_err();
    let shown = format!("{err:?}");
    assert!(
        shown.contains("steps[0].experiment.scaleDownDelaySeconds"),
        "{shown}"
    );
}
