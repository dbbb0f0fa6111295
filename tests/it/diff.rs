//! `rollout-sim diff OLD NEW`: two versions of a Rollout planned with the same seed and
//! compared — steps added and removed, ETA, surge, analysis — as text or Markdown; `--fail-if`
//! thresholds exit 1 when crossed; `git:REV:PATH` reads a version from git. The pod-seconds
//! above `spec.replicas` and the blast radius of a bad canary are checked against figures
//! worked out by hand on tiny cases (tests/fixtures/diff/, each file says how).

use std::process::Command;

use crate::common::{sim_in, sim_parts as cli};

const DEMO: &str = "scenarios/manifests/rollouts-demo.yaml";
const CHANGE: &str = "examples/diff/rollouts-demo-change.yaml";

const FIX: &str = "tests/fixtures/diff";

/// The cells after the label of the text table's row `label` (columns are padded to the
/// widest cell, so their spacing depends on the other rows).
fn row<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|rest| rest.split_whitespace().collect())
        .unwrap_or_default()
}

#[test]
fn markdown_shows_the_figures_and_the_steps_changed() {
    let (code, out, err) = cli(&[
        "diff",
        DEMO,
        CHANGE,
        "--promote-after",
        "30m",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| canary steps | 8 | 6 | -2 |"), "{out}");
    // The indefinite pause promoted after 30 minutes, against a 10-minute bake.
    assert!(
        out.contains("| time to Healthy, expected | 31m30s | 10m42s | -20m48s |"),
        "{out}"
    );
    assert!(out.contains("| manual promotions | 1 | 0 | -1 |"), "{out}");
    assert!(
        out.contains(
            "```diff\n  setWeight: 20\n- pause\n- setWeight: 40\n- pause: 45s\n+ pause: 10m\n  setWeight: 60\n"
        ),
        "{out}"
    );
}

#[test]
fn a_crossed_threshold_exits_1() {
    // The other way round the ETA grows by 20m48s.
    let (code, out, _) = cli(&[
        "diff",
        CHANGE,
        DEMO,
        "--promote-after",
        "30m",
        "--fail-if",
        "eta>+15m",
        "--fail-if",
        "surge>+0",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Threshold crossed: the expected ETA grows by 20m48s (more than 15m0s)"),
        "{out}"
    );
    // Not crossed: exit 0.
    let (code, _, _) = cli(&[
        "diff",
        CHANGE,
        DEMO,
        "--promote-after",
        "30m",
        "--fail-if",
        "eta>+30m",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = cli(&["diff", DEMO, CHANGE, "--fail-if", "pods>3"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown measure `pods`"), "{err}");
}

/// Runs `git ARGS` in `dir`, with an identity of its own so no global git config is needed.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=rollout-sim",
            "-c",
            "user.email=ci@rollout-sim.invalid",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_version_from_git_is_read_with_git_show() {
    // A repository of its own, so the test holds in a copy of the project that is no clone.
    let repo = tempfile::TempDir::new().unwrap();
    let demo = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO))
        .unwrap();
    std::fs::write(repo.path().join("rollout.yaml"), &demo).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "rollout.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "demo"]);
    // The working copy drops the 20% step: the committed version has one step more.
    let changed = demo.replacen("      - setWeight: 20\n", "", 1);
    assert_ne!(changed, demo, "the demo has a 20% step to drop");
    std::fs::write(repo.path().join("rollout.yaml"), changed).unwrap();
    let sim = |args: &[&str]| sim_in(repo.path(), args).into_parts();
    let (code, out, err) = sim(&["diff", "git:HEAD:rollout.yaml", "rollout.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(row(&out, "canary steps") == ["8", "7", "-1"], "{out}");
    let (code, _, err) = sim(&["diff", "git:HEAD", "rollout.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("git:REV:PATH"), "{err}");
}

#[test]
fn a_git_path_is_relative_to_the_current_folder() {
    // From deploy/, as a file argument would be; `git show HEAD:PATH` alone would look for
    // PATH at the repository's root.
    let repo = tempfile::TempDir::new().unwrap();
    let deploy = repo.path().join("deploy");
    std::fs::create_dir(&deploy).unwrap();
    let demo = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO))
        .unwrap();
    std::fs::write(deploy.join("rollout.yaml"), &demo).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "deploy/rollout.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "demo"]);
    let o = sim_in(&deploy, &["diff", "git:HEAD:rollout.yaml", "rollout.yaml"]);
    let (stdout, stderr) = (o.stdout, o.stderr);
    assert_eq!(o.code, 0, "{stderr}");
    assert!(stdout.contains("Rollout rollouts-demo:"), "{stdout}");
    assert!(row(&stdout, "canary steps") == ["8", "8", "0"], "{stdout}");
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) = cli(args);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (
        code,
        serde_json::from_str(&out).expect("diff --format json prints JSON"),
    )
}

#[test]
fn pod_seconds_above_replicas_are_worked_out_by_hand() {
    let one = format!("{FIX}/surge-one.yaml");
    let zero = format!("{FIX}/surge-zero.yaml");
    // maxSurge 1, 10 s startups: four moves of one extra pod for 10 s = 40 pod-seconds;
    // maxSurge 0 never runs more than spec.replicas.
    let (code, v) = json(&["diff", &one, &zero, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(v["format"], "rollout-sim/diff");
    assert_eq!(v["old"]["podSecondsAbove"], 40.0);
    assert_eq!(v["new"]["podSecondsAbove"], 0.0);
    assert_eq!(v["old"]["peakPodsAbove"], 1);
    assert_eq!(v["new"]["peakPodsAbove"], 0);
    let (_, text, _) = cli(&["diff", &one, &zero]);
    assert!(
        row(&text, "pod-seconds above spec.replicas") == ["40", "0", "-40", "(-100%)"],
        "{text}"
    );
    // Thresholds: growing from 0 to 40 crosses any share; 40 is not above 40.
    let (code, out, _) = cli(&["diff", &zero, &one, "--fail-if", "pod-seconds>+10%"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("40 pod-seconds above spec.replicas (was 0; limit +10%)"),
        "{out}"
    );
    let (code, _, _) = cli(&["diff", &zero, &one, "--fail-if", "pod-seconds>40"]);
    assert_eq!(code, 0);
    let (code, _, _) = cli(&["diff", &zero, &one, "--fail-if", "pod-seconds>+39"]);
    assert_eq!(code, 1);
    let (code, _, _) = cli(&["diff", &one, &zero, "--fail-if", "pod-seconds>+0%"]);
    assert_eq!(code, 0);
}

#[test]
fn the_blast_radius_of_a_bad_canary_is_worked_out_by_hand() {
    let scenario = format!("{FIX}/bad-canary.yaml");
    let (w25, w50) = (
        format!("{FIX}/weight-25.yaml"),
        format!("{FIX}/weight-50.yaml"),
    );
    let args = |extra: &[&str]| {
        let mut a = vec!["diff", &w25, &w50, "--scenario", &scenario, "--runs", "4"];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let a = args(&["--format", "json"]);
    let (code, v) = json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0);
    // 100 requests/s, all failing on the canary, aborted 30 s into the pause: 1 pod of 4 for
    // 30 s; 2 of 4 for 30 s after 1 of 4 for the 10 s the second pod takes to start.
    let (old, new) = (&v["old"]["blast"], &v["new"]["blast"]);
    assert_eq!(
        old["failed"],
        serde_json::json!([750, 750, 750, 750]),
        "{v}"
    );
    assert_eq!(
        new["failed"],
        serde_json::json!([1750, 1750, 1750, 1750]),
        "{v}"
    );
    assert_eq!(new["p95"], 1750);
    assert_eq!(new["aborted"], 4);
    // The same seeds on both sides: the scenario's.
    assert_eq!(old["seed"], 3);
    assert_eq!(new["seed"], 3);
    let a = args(&["--fail-if", "blast>+1000"]);
    let (code, out, _) = cli(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("bad canary: failed requests p50 / p95 / max (4 runs)  750 / 750 / 750  1750 / 1750 / 1750  +1000 (+133.3%) at p95"),
        "{out}"
    );
    assert!(out.contains("bad canary: runs aborted"), "{out}");
    let a = args(&["--fail-if", "blast>+999", "--format", "markdown"]);
    let (code, out, _) = cli(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "the bad canary serves 1750 failed requests (p95 of 4 runs; was 750; limit +999)"
        ),
        "{out}"
    );
    assert!(
        out.contains("| 750 / 750 / 750 | 1750 / 1750 / 1750 |"),
        "{out}"
    );
}

#[test]
fn blast_thresholds_need_a_scenario() {
    let (code, _, err) = cli(&["diff", DEMO, CHANGE, "--fail-if", "blast>+100"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs --scenario"), "{err}");
    let (code, _, err) = cli(&["diff", DEMO, CHANGE, "--fail-if", "blast>lots"]);
    assert_eq!(code, 2);
    assert!(err.contains("`lots` is not a limit"), "{err}");
}

#[test]
fn the_blast_radius_is_what_a_sweep_of_the_same_rollout_measures() {
    // Two roads to the same runs: the what-if scenario that holds strategy B with a 5 % canary,
    // swept over seeds 1..=20, and the bad-canary example run with strategy B's manifest swapped
    // in by `diff`. Same Rollout, traffic, models and seeds: the same failed requests, run by run.
    let (code, out, err) = cli(&[
        "sweep",
        "scenarios/what-if/steps-20-40-60-80-pauses.yaml",
        "--set",
        "apps[0].errorRate=0.05",
        "--runs",
        "20",
        "--seed",
        "1",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let swept: serde_json::Value = serde_json::from_str(&out).unwrap();
    let failed: Vec<serde_json::Value> = swept["variants"][0]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["failed"].clone())
        .collect();
    assert_eq!(failed.len(), 20);
    let (code, v) = json(&[
        "diff",
        "examples/diff/api-before.yaml",
        "examples/diff/api-after.yaml",
        "--scenario",
        "examples/diff/api-bad-canary.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["old"]["blast"]["failed"], serde_json::Value::from(failed));
    assert_eq!(v["old"]["blast"]["runs"], 20);
}

#[test]
fn a_version_that_never_becomes_healthy_says_why() {
    let (code, out, _) = cli(&[
        "diff",
        &format!("{FIX}/surge-one.yaml"),
        &format!("{FIX}/never-ready.yaml"),
        "--fail-if",
        "never",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("The new version never becomes Healthy: stopped at step 0 (setWeight: 25)"),
        "{out}"
    );
    assert!(out.contains("ProgressDeadlineExceeded"), "{out}");
    assert!(
        out.contains("Threshold crossed: the new version never becomes Healthy"),
        "{out}"
    );
    // The canary pod above spec.replicas runs until the progress deadline (600 s) aborts the
    // update, a second after it: 601 pod-seconds.
    let (_, v) = json(&[
        "diff",
        &format!("{FIX}/surge-one.yaml"),
        &format!("{FIX}/never-ready.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(v["new"]["podSecondsAbove"], 601.0);
    assert!(v["new"]["stalled"].as_str().unwrap().contains("Degraded"));
    assert!(v["old"]["stalled"].is_null());
}

#[test]
fn a_version_that_does_not_fit_the_scenario_is_named_without_an_invented_position() {
    // api-after.yaml brings an AnalysisTemplate whose metric the tiny scenario has no model of.
    let (code, _, err) = cli(&[
        "diff",
        &format!("{FIX}/weight-25.yaml"),
        "examples/diff/api-after.yaml",
        "--scenario",
        &format!("{FIX}/bad-canary.yaml"),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the Rollout of examples/diff/api-after.yaml does not fit tests/fixtures/diff/bad-canary.yaml"),
        "{err}"
    );
    assert!(err.contains("metric `success-rate`"), "{err}");
    assert!(err.contains("has no model"), "{err}");
    // The scenario was rewritten: no line or column of that text is shown.
    assert!(
        !err.split(".yaml:")
            .skip(1)
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit())),
        "{err}"
    );
}

#[test]
fn a_time_that_leaves_out_a_manual_promotion_is_marked_as_plan_marks_it() {
    // The demo has a `pause: {}`; the change replaces it with a timed bake.
    let (_, out, _) = cli(&["diff", DEMO, CHANGE]);
    assert_eq!(
        row(&out, "time to Healthy, expected")[0],
        "1m30s+P",
        "{out}"
    );
    assert!(
        !row(&out, "time to Healthy, expected")[1].contains("+P"),
        "{out}"
    );
    assert!(
        out.contains("+P: the time leaves out the wait for a manual promotion"),
        "{out}"
    );
    // Assumed promotions carry no mark and no legend.
    let (_, out, _) = cli(&["diff", DEMO, CHANGE, "--promote-after", "5m"]);
    assert!(!out.contains("+P"), "{out}");
}
