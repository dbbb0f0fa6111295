//! `rollout-sim plan`: the plan of an update, simulated (docs/plan.md).
//!
//! * the rollouts-demo plan: canary/stable pods 1/4, 2/3, 3/2, 4/1 at its setWeight steps, the
//!   indefinite pause marked, times after it leaving out the promotion (`+P`);
//! * a rollout with timed pauses only: the earliest ETA is the sum of the pauses plus the pod
//!   startups, and the expected ETA uses the middle of the startup range;
//! * `--format json` parses and has every documented field;
//! * `--promote-after D` adds D to the ETA per indefinite pause (one in the demo, two in another);
//! * blue-green: one row per phase, the manual promotion and the scale-down delay in the times;
//! * pods that never become Ready: the ETA is `never`, the plan says where and why it stopped,
//!   and exits 1;
//! * a scenario is planned with its own update (its `setImage`), not a made-up next tag;
//! * a 24 h bake lies inside the plan's horizon; a missing Service is named as the reason.

use crate::common::crate_dir;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rollout_sim::engine::SimDuration;
use rollout_sim::plan::{PlanOptions, UpdatePlan, plan};
use rollout_sim::scenario;
use serde_json::Value;
use tempfile::TempDir;

fn demo() -> PathBuf {
    crate_dir().join("scenarios/manifests/rollouts-demo.yaml")
}

fn plan_of(path: &Path, promote_after: Option<u64>) -> UpdatePlan {
    let sc = scenario::load(path).expect("the file loads");
    plan(
        &sc,
        &PlanOptions {
            promote_after: promote_after.map(SimDuration::from_secs),
            seed: None,
        },
    )
    .expect("a plan")
}

fn secs(d: Option<SimDuration>) -> u64 {
    d.expect("a time").as_millis() / 1000
}

/// A scenario with one canary Rollout of these steps and pods starting in `startup`.
fn canary_scenario(dir: &TempDir, replicas: u32, steps: &str, startup: &str) -> PathBuf {
    let path = dir.path().join("plan.yaml");
    let text = format!(
        r#"name: plan
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: web}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: web, image: "example/web:1"}}]
      strategy:
        canary:
          maxSurge: "100%"
          steps: {steps}
apps:
  - image: "example/web:*"
    startup: {startup}
script:
  - wait: {{phase: Healthy}}
"#
    );
    fs::write(&path, text).expect("write the scenario");
    path
}

fn rollout_sim() -> Command {
    let mut c = Command::cargo_bin("rollout-sim").expect("the binary");
    c.current_dir(crate_dir());
    c
}

#[test]
fn demo_plan_has_the_pods_of_each_set_weight_step() {
    let p = plan_of(&demo(), None);
    assert_eq!(p.rollout, "rollouts-demo");
    assert_eq!(p.strategy, "canary");
    assert_eq!(p.replicas, 5);
    let texts: Vec<&str> = p.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        texts,
        [
            "setWeight: 20",
            "pause",
            "setWeight: 40",
            "pause: 45s",
            "setWeight: 60",
            "pause: 20s",
            "setWeight: 80",
            "pause: 10s"
        ]
    );
    let counts: Vec<(u32, u32, u32)> = p
        .steps
        .iter()
        .filter(|s| s.step.starts_with("setWeight"))
        .map(|s| (s.set_weight.unwrap_or(0), s.canary_pods, s.stable_pods))
        .collect();
    assert_eq!(counts, [(20, 1, 4), (40, 2, 3), (60, 3, 2), (80, 4, 1)]);
    // The pauses keep the counts of the setWeight before them.
    assert_eq!((p.steps[1].canary_pods, p.steps[1].stable_pods), (1, 4));
    assert!(p.steps[1].indefinite);
    assert_eq!(p.promotions, 1);
    assert_eq!(p.steps[0].promotions_before, 0);
    assert_eq!(p.steps[1].promotions_before, 1);
    assert_eq!((p.healthy_canary_pods, p.healthy_stable_pods), (5, 0));
    // Never more pods than spec.replicas + maxSurge (25% of 5, rounded up).
    assert!(p.peak_pods <= 7, "{}", p.peak_pods);
    // Earliest times are never later than expected ones.
    for s in &p.steps {
        assert!(s.end.earliest <= s.end.expected, "{s:?}");
    }
    assert!(p.healthy.earliest < p.healthy.expected);
}

#[test]
fn demo_plan_text_marks_the_indefinite_pause() {
    let out = rollout_sim()
        .args(["plan", "scenarios/manifests/rollouts-demo.yaml"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("Plan of rollout rollouts-demo: canary, 8 steps, 5 replicas"));
    let pause = text
        .lines()
        .find(|l| l.starts_with("1  pause"))
        .expect("the pause row");
    assert!(pause.contains("waits for promote"), "{pause}");
    assert!(pause.contains("+P"), "{pause}");
    assert!(text.contains("ETA to Healthy: "), "{text}");
}

#[test]
fn timed_pauses_only_earliest_eta_is_pauses_plus_startups() {
    let dir = TempDir::new().expect("tempdir");
    // maxSurge 100%: the promotion at the end starts every new pod in one wave.
    let path = canary_scenario(
        &dir,
        3,
        "[{pause: {duration: 10s}}, {pause: {duration: 20s}}]",
        "5s..9s",
    );
    let p = plan_of(&path, None);
    assert_eq!(p.promotions, 0);
    assert_eq!(secs(p.steps[0].end.earliest), 10);
    assert_eq!(secs(p.steps[1].end.earliest), 30);
    // 10 s + 20 s of pauses, one pod startup: 5 s at the fastest, 7 s in the middle.
    assert_eq!(secs(p.healthy.earliest), 30 + 5);
    assert_eq!(secs(p.healthy.expected), 30 + 7);

    // With setWeight steps, each one waits for its canary pods to start.
    let path = canary_scenario(
        &dir,
        4,
        "[{setWeight: 50}, {pause: {duration: 15s}}]",
        "4s..8s",
    );
    let p = plan_of(&path, None);
    assert_eq!(secs(p.steps[0].end.earliest), 4);
    assert_eq!((p.steps[0].canary_pods, p.steps[0].stable_pods), (2, 2));
    assert_eq!(secs(p.healthy.earliest), 4 + 15 + 4);
    assert_eq!(secs(p.healthy.expected), 6 + 15 + 6);
}

#[test]
fn json_plan_has_the_documented_fields() {
    let out = rollout_sim()
        .args([
            "plan",
            "scenarios/manifests/rollouts-demo.yaml",
            "--format",
            "json",
            "--promote-after",
            "30s",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("the plan is JSON");
    assert_eq!(v["format"], "rollout-sim/plan");
    assert_eq!(v["version"], 1);
    assert_eq!(v["rollout"], "rollouts-demo");
    assert_eq!(v["strategy"], "canary");
    assert_eq!(v["replicas"], 5);
    assert_eq!(v["image"]["from"], "argoproj/rollouts-demo:blue");
    assert_eq!(v["image"]["to"], "argoproj/rollouts-demo:yellow");
    assert!(v["startup"]["earliest"].is_number());
    assert!(v["startup"]["expected"].is_number());
    assert_eq!(v["promoteAfter"], 30.0);
    assert_eq!(v["promotions"], 1);
    let steps = v["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 8);
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["index"], i);
        assert!(s["step"].is_string());
        assert!(s["indefinite"].is_boolean());
        assert!(s["setWeight"].is_number());
        for k in ["canary", "stable", "peak"] {
            assert!(s["pods"][k].is_number(), "steps[{i}].pods.{k}");
        }
        for k in ["start", "end"] {
            assert!(s[k]["earliest"].is_number(), "steps[{i}].{k}.earliest");
            assert!(s[k]["expected"].is_number(), "steps[{i}].{k}.expected");
        }
        assert!(s["promotionsBefore"].is_number());
    }
    assert_eq!(steps[1]["step"], "pause");
    assert_eq!(steps[1]["indefinite"], true);
    assert_eq!(steps[6]["pods"]["canary"], 4);
    assert_eq!(steps[6]["pods"]["stable"], 1);
    for k in ["earliest", "expected"] {
        assert!(v["healthy"][k].is_number());
        assert!(v["settled"][k].is_number());
    }
    assert_eq!(v["healthy"]["pods"]["canary"], 5);
    assert_eq!(v["healthy"]["pods"]["stable"], 0);
    assert!(v["healthy"]["pods"]["peak"].is_number());
    assert!(v["peakPods"].is_number());
}

#[test]
fn promote_after_adds_its_delay_per_indefinite_pause() {
    let eta = |p: &UpdatePlan| (secs(p.healthy.earliest), secs(p.healthy.expected));
    // The demo has one indefinite pause.
    let none = plan_of(&demo(), None);
    let zero = plan_of(&demo(), Some(0));
    let later = plan_of(&demo(), Some(45));
    assert_eq!(eta(&none), eta(&zero));
    assert_eq!(eta(&later).0, eta(&zero).0 + 45);
    assert_eq!(eta(&later).1, eta(&zero).1 + 45);
    // Steps before the pause do not move; the pause itself ends D later.
    assert_eq!(later.steps[0].end, zero.steps[0].end);
    assert_eq!(
        secs(later.steps[1].end.earliest),
        secs(zero.steps[1].end.earliest) + 45
    );

    // Two indefinite pauses: twice the delay.
    let dir = TempDir::new().expect("tempdir");
    let path = canary_scenario(
        &dir,
        4,
        "[{setWeight: 25}, {pause: {}}, {setWeight: 50}, {pause: {}}]",
        "3s",
    );
    let zero = plan_of(&path, Some(0));
    let later = plan_of(&path, Some(60));
    assert_eq!(zero.promotions, 2);
    assert_eq!(
        secs(later.healthy.earliest),
        secs(zero.healthy.earliest) + 120
    );
    assert_eq!(
        secs(later.healthy.expected),
        secs(zero.healthy.expected) + 120
    );
    assert_eq!(later.steps[3].promotions_before, 2);
}

#[test]
fn blue_green_plan_has_a_row_per_phase() {
    let path = crate_dir().join("scenarios/bluegreen-manual-promotion.yaml");
    let p = plan_of(&path, Some(40));
    assert_eq!(p.strategy, "blueGreen");
    let texts: Vec<&str> = p.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        texts,
        ["preview up", "pause", "switch active", "scale down old"]
    );
    // Pods Ready after 10 s, promoted 40 s later, the old side scaled down 30 s after that.
    assert_eq!(secs(p.steps[0].end.expected), 10);
    assert_eq!((p.steps[0].canary_pods, p.steps[0].stable_pods), (3, 3));
    assert!(p.steps[1].indefinite);
    assert_eq!(secs(p.steps[1].end.expected), 50);
    assert_eq!(secs(p.healthy.expected), 50);
    assert_eq!(secs(p.settled.expected), 80);
    assert_eq!((p.steps[3].canary_pods, p.steps[3].stable_pods), (3, 0));
    assert_eq!(p.peak_pods, 6);
}

#[test]
fn pods_never_ready_give_no_eta() {
    let dir = TempDir::new().expect("tempdir");
    let path = canary_scenario(&dir, 3, "[{setWeight: 50}]", "5s");
    let text = fs::read_to_string(&path).expect("read").replace(
        "apps:\n",
        "apps:\n  - image: \"example/web:1-v2\"\n    ready: never\n",
    );
    fs::write(&path, text).expect("write");
    let p = plan_of(&path, None);
    assert_eq!(p.healthy.expected, None);
    assert_eq!(p.steps[0].end.earliest, None);
    let st = p.stalled.expect("a reason");
    assert_eq!(st.phase.to_string(), "Degraded");
    assert_eq!(st.step.as_ref().map(|s| s.0), Some(0));
    assert!(
        st.message.contains("ProgressDeadlineExceeded"),
        "{}",
        st.message
    );
    rollout_sim()
        .arg("plan")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "ETA to Healthy: never expected, never at the earliest",
        ))
        .stdout(predicates::str::contains(
            "Never Healthy: stopped at step 0 (setWeight: 50)",
        ));
}

#[test]
fn a_scenario_is_planned_with_its_own_update() {
    let dir = TempDir::new().expect("tempdir");
    let path = canary_scenario(&dir, 3, "[{setWeight: 50}, {pause: {duration: 1m}}]", "5s");
    let text = fs::read_to_string(&path).expect("read")
        .replace(
            "apps:\n",
            "apps:\n  - image: \"example/web:broken\"\n    ready: never\n",
        )
        .replace(
            "  - wait: {phase: Healthy}\n",
            "  - wait: {phase: Healthy}\n  - setImage: \"example/web:broken\"\n  - wait: {phase: Degraded}\n",
        );
    fs::write(&path, text).expect("write");
    let p = plan_of(&path, None);
    assert_eq!(p.image_to, "example/web:broken");
    assert_eq!(p.startup, None);
    assert_eq!(p.healthy.expected, None);
    assert!(p.stalled.is_some());
    let out = rollout_sim()
        .args(["plan", "--format", "json"])
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(doc["stalled"]["phase"], "Degraded");
    assert_eq!(doc["stalled"]["step"]["index"], 0);
    assert!(
        doc["stalled"]["why"]
            .as_str()
            .expect("why")
            .contains("ProgressDeadlineExceeded")
    );
}

#[test]
fn a_day_long_bake_is_planned_to_its_end() {
    let dir = TempDir::new().expect("tempdir");
    let path = canary_scenario(&dir, 2, "[{setWeight: 50}, {pause: {duration: 24h}}]", "5s");
    let p = plan_of(&path, None);
    assert!(p.stalled.is_none());
    assert!(secs(p.healthy.expected) > 24 * 3600, "{:?}", p.healthy);
}

#[test]
fn a_missing_service_nothing_provides_is_an_input_error_for_plan_too() {
    let dir = TempDir::new().expect("tempdir");
    let path = canary_scenario(&dir, 2, "[{setWeight: 50}]", "5s");
    let text = fs::read_to_string(&path).expect("read").replace(
        "        canary:\n",
        "        canary:\n          canaryService: web-canary\n          stableService: web-stable\n",
    );
    fs::write(&path, text).expect("write");
    // The script applies neither Service nor a new Rollout: the rollout would stay
    // InvalidSpec for good, so plan refuses the input as lint and run do, naming the fields.
    rollout_sim()
        .arg("plan")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "spec.strategy.canary.canaryService: Service `web-canary` is in no input",
        ))
        .stderr(predicates::str::contains(
            "service \"web-stable\" not found",
        ));
}

#[test]
fn bad_promote_after_is_invalid_input() {
    rollout_sim()
        .args([
            "plan",
            "scenarios/manifests/rollouts-demo.yaml",
            "--promote-after",
            "soon",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--promote-after"));
}

/// When, in the plan's own expected run, the run's `replicaSets: {scaledUp: 1}` wait (the
/// plan scenario's last) is satisfied: seconds since the image changed.
fn run_settles_at(path: &Path) -> Option<u64> {
    use rollout_sim::plan::{middle, pin_startups, plan_scenario};
    use rollout_sim::sim::{self, EntryKind};
    let sc = scenario::load(path).expect("the file loads");
    let (mut base, _) = plan_scenario(&sc, &PlanOptions::default()).expect("a plan scenario");
    pin_startups(&mut base.apps, middle);
    let journal = sim::run_with_seed(&base, sc.seed).journal;
    let changed = journal.iter().find(|e| {
        matches!(&e.kind, EntryKind::ScriptAction { action, .. } if action.starts_with("setImage"))
    })?;
    let settled = journal.iter().find(|e| {
        matches!(&e.kind, EntryKind::ExpectationChecked { ok: true, detail, .. } if detail.contains("scaledUp"))
    })?;
    Some((settled.t.as_millis() - changed.t.as_millis()) / 1000)
}

/// A basic canary whose last step is an experiment of a baseline and a canary: its
/// ReplicaSets are still up (for the Experiment's scale-down delay) when the rollout is Healthy.
const EXPERIMENT_LAST: &str = r#"
name: experiment-last
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: search}
    spec:
      replicas: 4
      selector: {matchLabels: {app: search}}
      template:
        metadata: {labels: {app: search}}
        spec:
          containers: [{name: search, image: "example/search:1"}]
      strategy:
        canary:
          steps:
          - setWeight: 50
          - experiment:
              duration: 20s
              templates:
              - {name: baseline, specRef: stable}
              - {name: canary, specRef: canary}
apps:
  - image: "example/search:*"
    startup: 4s
script:
  - wait: {phase: Healthy}
"#;

#[test]
fn old_replica_sets_scaled_down_agrees_with_a_run() {
    let dir = TempDir::new().unwrap();
    let last = dir.path().join("experiment-last.yaml");
    fs::write(&last, EXPERIMENT_LAST).unwrap();
    let files = [
        crate_dir().join("scenarios/experiment-weighted-istio.yaml"),
        crate_dir().join("scenarios/experiment-baseline-vs-canary.yaml"),
        crate_dir().join("scenarios/canary-traffic-routed-timeline.yaml"),
        crate_dir().join("scenarios/bluegreen-auto-promotion.yaml"),
        crate_dir().join("scenarios/manifests/rollouts-demo.yaml"),
        last,
    ];
    for path in files {
        let p = plan_of(&path, None);
        let run = run_settles_at(&path);
        assert!(run.is_some(), "{}: the run settles", path.display());
        assert_eq!(
            p.settled.expected.map(|d| d.as_millis() / 1000),
            run,
            "{}: plan against run",
            path.display()
        );
    }
}

#[test]
fn experiment_pods_are_the_experiments_never_stable() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("experiment-last.yaml");
    fs::write(&path, EXPERIMENT_LAST).unwrap();
    let p = plan_of(&path, None);
    let exp = &p.steps[1];
    assert_eq!(exp.step, "experiment");
    // 50 % of 4: 2 canary and 2 stable pods; the baseline and canary templates are 1 pod each.
    assert_eq!(
        (exp.canary_pods, exp.stable_pods, exp.experiment_pods),
        (2, 2, 2)
    );
    assert_eq!(
        (
            p.healthy_canary_pods,
            p.healthy_stable_pods,
            p.healthy_experiment_pods
        ),
        (4, 0, 2)
    );
    let text = rollout_sim()
        .args(["plan", path.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("canary  stable  experiment  peak pods"),
        "{text}"
    );
    let json = rollout_sim()
        .args(["plan", path.to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["steps"][1]["pods"]["experiment"], 2);
    assert_eq!(v["steps"][1]["pods"]["stable"], 2);
    // A rollout without experiment steps keeps the table it had.
    let demo = rollout_sim()
        .args(["plan", demo().to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!String::from_utf8(demo).unwrap().contains("experiment"));
}

#[test]
fn max_traffic_weight_plan_shows_shares_of_the_traffic() {
    let path = crate_dir().join("scenarios/canary-max-traffic-weight.yaml");
    let p = plan_of(&path, None);
    assert_eq!(p.max_weight, 500);
    assert_eq!(p.steps[2].set_weight, Some(300));
    let out = rollout_sim()
        .args(["plan", path.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let row = |start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no row {start}:\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("2  setWeight: 300")[3], "60%");
    assert_eq!(row("Healthy")[1], "100%");
    let out = rollout_sim()
        .args(["plan", path.to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["maxTrafficWeight"], 500);
    assert_eq!(v["steps"][2]["setWeight"], 300);
}

#[test]
fn pod_seconds_above_replicas_add_up_each_extra_pod_for_as_long_as_it_runs() {
    // 4 replicas, maxSurge 1, 10 s startups (tests/fixtures/diff/surge-one.yaml): one pod
    // above spec.replicas for each of the 4 canary pods' startups, 40 pod-seconds; the 60 s
    // pause runs exactly 4 pods and adds nothing.
    let p = plan_of(
        &crate_dir().join("tests/fixtures/diff/surge-one.yaml"),
        None,
    );
    assert_eq!(p.pod_ms_above.expected, 40_000);
    assert_eq!(p.pod_ms_above.earliest, 40_000);
    let zero = plan_of(
        &crate_dir().join("tests/fixtures/diff/surge-zero.yaml"),
        None,
    );
    assert_eq!(zero.pod_ms_above.expected, 0);
    let out = rollout_sim()
        .args(["plan", "tests/fixtures/diff/surge-one.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "Peak: 5 pods (1 above spec.replicas); 40 pod-seconds above spec.replicas expected"
        ),
        "{text}"
    );
}
