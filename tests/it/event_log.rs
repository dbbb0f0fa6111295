//! The `events.jsonl` format, locked byte for byte.
//!
//! Every output (`get`, `watch`, charts, `plan`, the report) is read from the journal, and the
//! event log is the journal as users and their tools see it. These snapshots hold the whole log
//! of a few bundled scenarios chosen to cover its kinds of entry: a canary with analysis, a
//! blue-green with a manual promotion, an abort with traffic routing, and a failing experiment.
//! A change that moves one byte — a renamed field, a reordered key, a float printed otherwise,
//! an entry added or dropped — fails here, so a refactor that must not change behaviour can be
//! shown not to, and a deliberate change to the format is reviewed as a snapshot diff
//! (`cargo insta review`, or `INSTA_UPDATE=always` and `git diff`).

use std::fs;

use tempfile::TempDir;

use crate::common::{scenario_path, sim};

/// The event log of a bundled scenario at its own seed, as `run --format json` prints it.
#[track_caller]
fn event_log(scenario: &str) -> String {
    let path = scenario_path(scenario);
    let o = sim(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.code, 0, "{scenario} runs and passes\n{}", o.stderr);
    // insta compares snapshots without their trailing newline; the file ends with exactly one.
    assert!(
        o.stdout.ends_with("}\n"),
        "{scenario}: the log ends with one newline"
    );
    o.stdout
}

#[test]
fn canary_with_analysis() {
    insta::assert_snapshot!(
        "canary_with_analysis",
        event_log("analysis-good-canary-promoted.yaml")
    );
}

#[test]
fn blue_green_manual_promotion() {
    insta::assert_snapshot!(
        "blue_green_manual_promotion",
        event_log("bluegreen-manual-promotion.yaml")
    );
}

#[test]
fn canary_abort_with_traffic_routing() {
    insta::assert_snapshot!(
        "canary_abort_with_traffic_routing",
        event_log("canary-abort-traffic-routed.yaml")
    );
}

#[test]
fn failing_experiment_aborts() {
    insta::assert_snapshot!(
        "failing_experiment_aborts",
        event_log("experiment-failing-aborts.yaml")
    );
}

/// The snapshots are taken from standard output; `--out DIR` must write the very same bytes to
/// `DIR/events.jsonl`, or the snapshots would not lock the file users keep.
#[test]
fn the_file_written_by_out_is_the_log_printed() {
    let scenario = "bluegreen-manual-promotion.yaml";
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let path = scenario_path(scenario);
    let o = sim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = fs::read_to_string(out.join("events.jsonl")).unwrap();
    assert_eq!(file, event_log(scenario));
}

#[test]
fn a_one_step_canary_completes_no_step_at_its_initial_deploy() {
    // Argo promotes an initial deploy at once, moving the step index past the steps in the
    // same write: with one step the index goes 0 -> 1, which is no completed step.
    let manifest = r#"apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: guestbook}
spec:
  replicas: 2
  selector: {matchLabels: {app: guestbook}}
  template:
    metadata: {labels: {app: guestbook}}
    spec:
      containers: [{name: guestbook, image: "argoproj/rollouts-demo:blue"}]
  strategy:
    canary:
      steps:
      - setWeight: 50
"#;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("r.yaml");
    fs::write(&path, manifest).unwrap();
    let o = sim(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let kinds: Vec<(String, String)> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| {
            let kind = v["kind"].as_str()?.to_string();
            matches!(
                kind.as_str(),
                "StepStarted" | "StepCompleted" | "RolloutUpdated"
            )
            .then(|| (kind, v["index"].to_string()))
        })
        .collect();
    let kinds: Vec<(&str, &str)> = kinds
        .iter()
        .map(|(k, i)| (k.as_str(), i.as_str()))
        .collect();
    // Created, then the image change: only the update runs the step.
    assert_eq!(
        kinds,
        [
            ("RolloutUpdated", "null"),
            ("RolloutUpdated", "null"),
            ("StepStarted", "0"),
            ("StepCompleted", "0"),
        ],
        "{}",
        o.stdout
    );
}

/// The typed fields readers match on (why a phase is Degraded, what kind a step is) are not
/// logged: the log's text says them. Over every bundled scenario, each must agree with that
/// text, so that a reader matching on the type sees what a reader of the log sees; and each
/// entry's `EntryKind::name` must be the `kind` its logged line carries.
#[test]
fn typed_reasons_and_step_kinds_agree_with_the_logged_text() {
    use rollout_sim::rollout::Phase;
    use rollout_sim::sim::{EntryKind, StepKind};

    let mut files: Vec<_> = fs::read_dir(crate::common::crate_dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let (mut degraded, mut steps) = (0, 0);
    for file in &files {
        let Ok(sc) = rollout_sim::scenario::load(file) else {
            continue;
        };
        let result = rollout_sim::sim::run(&sc);
        for e in &result.journal.entries {
            // `EntryKind::name` lists the kinds by hand beside the serde tag the log writes:
            // a kind added to one and not the other would drift apart unseen.
            let line = rollout_sim::output::jsonl::entry_line(
                &result.journal,
                e,
                chrono::DateTime::UNIX_EPOCH,
            );
            let logged: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(logged["kind"], e.kind.name(), "{}: {line}", file.display());
            match &e.kind {
                EntryKind::PhaseChanged {
                    to,
                    message,
                    degraded: why,
                    ..
                } => {
                    assert_eq!(
                        why.is_some(),
                        *to == Phase::Degraded,
                        "{}: {message}",
                        file.display()
                    );
                    if let Some(why) = why {
                        degraded += 1;
                        assert!(
                            message.starts_with(&format!("{}: ", why.as_str())),
                            "{}: {why:?} but {message}",
                            file.display()
                        );
                    }
                }
                EntryKind::StepStarted { step, kind, .. } => {
                    steps += 1;
                    let step = step.to_string();
                    let agrees = match kind {
                        StepKind::SetWeight(w) => step == format!("setWeight: {w}"),
                        StepKind::Pause(None) => step == "pause",
                        StepKind::Pause(Some(d)) => step
                            .strip_prefix("pause: ")
                            .and_then(|t| rollout_sim::engine::parse_duration(t).ok())
                            .is_some_and(|p| p.as_millis() / 1000 == d.as_millis() / 1000),
                        StepKind::Experiment => step == "experiment",
                        StepKind::Analysis => step == "analysis",
                        StepKind::SetCanaryScale => step.starts_with("setCanaryScale{"),
                        StepKind::Route => {
                            step.starts_with("setHeaderRoute: ")
                                || step.starts_with("setMirrorRoute: ")
                        }
                    };
                    assert!(agrees, "{}: {kind:?} but {step}", file.display());
                }
                _ => {}
            }
        }
    }
    // The bundled scenarios abort, time out and pause: the check has seen each kind of entry.
    assert!(degraded >= 10 && steps >= 100, "{degraded} {steps}");
}
