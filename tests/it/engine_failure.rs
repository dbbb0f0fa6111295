//! Exit code 3: the simulator itself failed (SCENARIO.md §3). A run that crosses one of its
//! budgets stops with a message saying the simulator failed, which budget, at which virtual
//! time, and how to report it; `test` reports it as an ERROR (not a FAIL), JUnit as an
//! `error`, and the library as a typed `EngineFailure`. Tiny budgets given on the command line
//! stand in for a controller that never settles.

use crate::common::scenario_path as scenario;

use assert_cmd::Command;
use predicates::prelude::*;

use rollout_sim::sim::{BudgetKind, Budgets, run_with_budgets};

fn bin() -> Command {
    Command::cargo_bin("rollout-sim").expect("binary")
}

#[test]
fn run_over_its_event_budget_exits_3_saying_the_simulator_failed() {
    bin()
        .args(["run", "--max-events", "5", "--seed", "9"])
        .arg(scenario("canary-basic-timeline.yaml"))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("ERROR canary-basic-timeline"))
        // The run's last entry says the simulator failed, not that the rollout did.
        .stdout(predicate::str::contains(
            "RunFinished        ERROR (the simulator failed)",
        ))
        .stdout(predicate::str::contains("FAILED").not())
        .stderr(predicate::str::contains(
            "the simulator itself failed at 00:00:",
        ))
        .stderr(predicate::str::contains("more than 5 events processed"))
        .stderr(predicate::str::contains(
            "please report it with the scenario file and --seed 9",
        ))
        .stderr(predicate::str::contains("--max-events raises the limit"));
}

#[test]
fn run_over_its_output_budget_prints_nothing_and_exits_3() {
    bin()
        .args(["run", "--max-output-bytes", "100"])
        .arg(scenario("canary-basic-timeline.yaml"))
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("too much output"))
        .stderr(predicate::str::contains("more than 100 bytes of output"));
}

#[test]
fn the_event_log_records_the_failure() {
    let out = bin()
        .args(["run", "--format", "json", "--max-journal-entries", "20"])
        .arg(scenario("canary-basic-timeline.yaml"))
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    let line = text
        .lines()
        .find(|l| l.contains("\"kind\":\"EngineFailed\""))
        .expect("an EngineFailed event");
    assert!(line.contains("\"budget\":\"journalEntries\""), "{line}");
    assert!(line.contains("\"limit\":20"), "{line}");
}

#[test]
fn test_reports_an_error_not_a_failure_and_junit_marks_it_as_an_error() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let junit = dir.path().join("report.xml");
    bin()
        .args([
            "test",
            "--quiet",
            "--max-reconciles-per-instant",
            "1",
            "--junit",
        ])
        .arg(&junit)
        .arg(scenario("canary-basic-timeline.yaml"))
        .arg(scenario("canary-no-steps.yaml"))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("ERROR "))
        .stdout(predicate::str::contains("FAIL ").not())
        .stdout(predicate::str::contains(
            "0 passed, 0 failed, 0 invalid, 2 errors",
        ));
    let xml = std::fs::read_to_string(&junit).expect("report written");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let errors: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .collect();
    assert_eq!(errors.len(), 2, "{xml}");
    assert!(
        errors
            .iter()
            .all(|e| e.attribute("type") == Some("simulator failure")),
        "{xml}"
    );
    assert!(
        !doc.descendants().any(|n| n.has_tag_name("failure")),
        "{xml}"
    );
}

#[test]
fn the_library_carries_the_failure_as_a_typed_value() {
    let sc = rollout_sim::scenario::load(&scenario("canary-basic-timeline.yaml")).expect("load");
    let tight = Budgets {
        events: 3,
        ..Budgets::for_scenario(&sc)
    };
    let r = run_with_budgets(&sc, 4, tight);
    let f = r
        .engine_failure
        .as_ref()
        .expect("a failure of the simulator");
    assert_eq!((f.budget, f.limit, f.seed), (BudgetKind::Events, 3, 4));
    assert!(!r.passed());
    // Its own checks are not reported as failures of the rollout.
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    // The default budgets leave the same scenario alone.
    assert!(rollout_sim::sim::run(&sc).engine_failure.is_none());
}

/// A run whose pods alone cross a budget is refused before anything is simulated: the
/// 100,000-replica bench creates 100,000 pods at its first instant, over 50,000 journal
/// entries, so it stops at once instead of simulating that far.
#[test]
fn a_run_certain_to_cross_a_budget_is_refused_before_it_starts() {
    let bench = crate::common::crate_dir().join("benches/scale-staggered-100000.yaml");
    let out = bin()
        .args(["run", "--format", "json", "--max-journal-entries", "50000"])
        .arg(&bench)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("the run was not started"))
        .stderr(predicate::str::contains("budget of 50000 journal entries"))
        .stderr(predicate::str::contains("at least 100000"))
        .stderr(predicate::str::contains(
            "--max-journal-entries raises the limit",
        ))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    let failed = text
        .lines()
        .find(|l| l.contains("\"kind\":\"EngineFailed\""))
        .expect("an EngineFailed event");
    assert!(failed.starts_with("{\"t\":0.0,"), "{failed}");
    assert!(failed.contains("\"limit\":50000"), "{failed}");
    assert!(
        !text.contains("\"kind\":\"PodCreated\""),
        "nothing was simulated"
    );
    assert!(text.contains("\"podsCreated\":0"), "{text}");
}

/// The default budgets leave room for everything a run is certain to do, and a small run
/// over a tiny budget still runs up to the instant it crosses it (the tests above).
#[test]
fn default_budgets_refuse_nothing_up_front() {
    for path in [
        crate::common::crate_dir().join("benches/scale-staggered-100000.yaml"),
        scenario("rollouts-demo.yaml"),
    ] {
        let sc = rollout_sim::scenario::load(&path).expect("loads");
        let work = rollout_sim::sim::budget::certain_work(&sc);
        assert!(work.journal_entries > 0, "{}: {work:?}", path.display());
        assert_eq!(
            Budgets::for_scenario(&sc).refuse_up_front(&sc, 1),
            None,
            "{}",
            path.display()
        );
    }
    let sc = rollout_sim::scenario::load(&scenario("rollouts-demo.yaml")).expect("loads");
    let tiny = Budgets {
        events: 1,
        journal_entries: 1,
        ..Budgets::for_scenario(&sc)
    };
    assert_eq!(
        tiny.refuse_up_front(&sc, 1),
        None,
        "a small run is not refused up front"
    );
}
