//! Retry after an abort, as the real controller does it: the retried update goes through its
//! gates again. A blue-green without auto-promotion pauses again before the switch (the
//! scale-down deadline the abort left on the preview ReplicaSet is not a fast rollback), and a
//! canary with background analysis gets a new AnalysisRun whether or not a traffic router is
//! configured (the router's abort delay once suppressed it).
//!
//! And what `promote` does around an abort: on an aborted canary the plugin's step index is
//! put back to 0 by the controller (no step completed), on an aborted blue-green nothing is
//! patched, and `promote --full` resumes and promotes; the journal records a step as
//! completed only when the controller completed it.

use rollout_sim::scenario::load;
use rollout_sim::sim::{Entry, EntryKind, RunResult, run};

use crate::common::scenario_path;

fn run_scenario(file: &str) -> RunResult {
    let path = scenario_path(file);
    let sc = load(&path).unwrap_or_else(|e| panic!("{file} does not load: {e:?}"));
    let result = run(&sc);
    assert!(
        result.passed(),
        "{file}: {:?} {:?}",
        result.failures,
        result.engine_failure
    );
    result
}

/// The entries after the first script action that starts with `action`.
fn after_action<'a>(entries: &'a [Entry], action: &str) -> &'a [Entry] {
    let i = entries
        .iter()
        .position(|e| matches!(&e.kind, EntryKind::ScriptAction { action: a, .. } if a.starts_with(action)))
        .unwrap_or_else(|| panic!("no `{action}` in the script"));
    &entries[i + 1..]
}

fn runs_created(entries: &[Entry]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::AnalysisRunCreated { name, kind, .. } => {
                Some((name.to_string(), kind.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn blue_green_retry_inside_the_abort_delay_pauses_again_and_waits_for_the_promote() {
    let result = run_scenario("bluegreen-retry-after-abort.yaml");
    let after_retry = after_action(&result.journal.entries, "retry");
    let until_promote: Vec<&Entry> = after_retry
        .iter()
        .take_while(|e| !matches!(&e.kind, EntryKind::ScriptAction { action, .. } if action.starts_with("promote")))
        .collect();
    let active_switches = until_promote
        .iter()
        .filter(|e| {
            matches!(&e.kind, EntryKind::ServiceSwitched { service, .. } if service == "shop-active")
        })
        .count();
    assert_eq!(
        active_switches, 0,
        "the retry alone must not switch the active Service"
    );
    assert!(
        !until_promote
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Promoted { .. })),
        "the retry alone must not promote revision 2"
    );
    let paused_again = until_promote.iter().any(|e| {
        matches!(&e.kind, EntryKind::PhaseChanged { message, .. } if message == "BlueGreenPause")
    });
    assert!(paused_again, "the retried update pauses at BlueGreenPause");
    // The promote is what switches it.
    let after_promote = after_action(after_retry, "promote");
    assert!(after_promote.iter().any(|e| matches!(
        &e.kind,
        EntryKind::Promoted { revision: 2, reason, .. } if reason == "Completed blue-green update"
    )));
}

#[test]
fn routed_canary_retried_after_an_analysis_abort_gets_a_new_background_run() {
    let result = run_scenario("canary-retry-after-analysis-abort.yaml");
    let entries = &result.journal.entries;
    let before: Vec<_> = runs_created(entries);
    let after = runs_created(after_action(entries, "retry"));
    assert_eq!(
        after,
        vec![("shop-55ff769f7d-2.1".to_string(), "Background".to_string())],
        "runs created: {before:?}"
    );
    // Aborted twice: once by run -2, once by run -2.1 (not again at once by the old verdict).
    let aborts: Vec<_> = entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Aborted { .. }))
        .map(|e| e.t)
        .collect();
    assert_eq!(aborts.len(), 2, "{aborts:?}");
    let retry_at = after_action(entries, "retry")[0].t;
    assert!(
        aborts[1] > retry_at,
        "the second abort comes from a new measurement, not at the retry"
    );
}

#[test]
fn routed_canary_retried_after_a_manual_abort_measures_the_canary_again() {
    let result = run_scenario("canary-retry-after-manual-abort.yaml");
    let after = runs_created(after_action(&result.journal.entries, "retry"));
    assert_eq!(
        after,
        vec![("shop-55ff769f7d-2.1".to_string(), "Background".to_string())]
    );
}

#[test]
fn blue_green_retried_after_a_failed_pre_promotion_analysis_runs_it_again_before_any_switch() {
    let result = run_scenario("bluegreen-pre-promotion-retry.yaml");
    let after_retry = after_action(&result.journal.entries, "retry");
    assert_eq!(
        runs_created(after_retry),
        vec![(
            "payments-764cf574b7-2-pre.1".to_string(),
            "PrePromotion".to_string()
        )]
    );
    assert!(
        !after_retry.iter().any(|e| matches!(
            &e.kind,
            EntryKind::ServiceSwitched { service, .. } if service == "payments-active"
        )),
        "the active Service waits for the new pre-promotion run (which fails)"
    );
}

/// `(ms, kind, index)` of every step the journal says was completed or skipped.
fn step_ends(entries: &[Entry]) -> Vec<(u64, &'static str, u32)> {
    entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::StepCompleted { index, .. } => Some((e.t.as_millis(), "completed", *index)),
            EntryKind::StepSkipped { index, .. } => Some((e.t.as_millis(), "skipped", *index)),
            _ => None,
        })
        .collect()
}

#[test]
fn promote_of_an_aborted_canary_completes_no_step_and_only_promote_full_resumes_it() {
    let result = run_scenario("canary-promote-aborted.yaml");
    let entries = &result.journal.entries;
    // Step 0 completed once, by the controller, before the abort; the promote of the aborted
    // rollout writes step 1, which the controller sets back to 0: nothing completed. The
    // third revision's setWeight, still waiting for its pod, is skipped by a promote.
    assert_eq!(
        step_ends(entries),
        vec![(10_352, "completed", 0), (37_824, "skipped", 0)]
    );
    // The journal agrees with Argo's Events: one RolloutStepCompleted per StepCompleted.
    let events = entries
        .iter()
        .filter(|e| matches!(&e.kind, EntryKind::KubeEvent { reason, .. } if reason == "RolloutStepCompleted"))
        .count();
    assert_eq!(events, 1);
    // Between the promote of the aborted rollout and the promote --full: a note, no step
    // started, nothing scaled, still aborted.
    let after = after_action(entries, "promote");
    let until_full: Vec<&Entry> = after
        .iter()
        .take_while(|e| !matches!(&e.kind, EntryKind::ScriptAction { action, .. } if action.starts_with("promote --full")))
        .collect();
    assert!(
        until_full
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::ActionNote { note, .. }
            if note.contains("is aborted") && note.contains("sets it back to 0"))),
        "{until_full:#?}"
    );
    assert!(
        !until_full.iter().any(|e| matches!(
            &e.kind,
            EntryKind::StepStarted { .. }
                | EntryKind::ReplicaSetScaled { .. }
                | EntryKind::Promoted { .. }
                | EntryKind::PhaseChanged { .. }
        )),
        "{until_full:#?}"
    );
    // promote --full clears the abort (promoteFull) and promotes revision 2.
    let promoted: Vec<(u64, &str)> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Promoted {
                revision, reason, ..
            } => Some((*revision, reason.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        promoted,
        vec![
            (1, "Initial deploy"),
            (2, "Full promotion requested"),
            (3, "Full promotion requested")
        ]
    );
}

#[test]
fn promote_of_an_aborted_blue_green_changes_nothing() {
    let text = r#"
name: bg-abort-promote
seed: 1
objects:
  - {apiVersion: v1, kind: Service, metadata: {name: shop-active}, spec: {selector: {app: shop}, ports: [{port: 80}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: shop-preview}, spec: {selector: {app: shop}, ports: [{port: 80}]}}
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: shop}
    spec:
      replicas: 3
      selector: {matchLabels: {app: shop}}
      template:
        metadata: {labels: {app: shop}}
        spec: {containers: [{name: shop, image: "example/shop:blue"}]}
      strategy:
        blueGreen: {activeService: shop-active, previewService: shop-preview, autoPromotionEnabled: false}
apps: [{image: "example/shop:*", startup: 10s, terminate: 2s}]
script:
  - wait: {phase: Healthy}
  - setImage: example/shop:green
  - wait: {phase: Paused}
  - abort: {}
  - wait: 5s
  - promote: {}
  - wait: 60s
expect: {phase: Degraded, aborted: true, images: {active: "example/shop:blue"}}
"#;
    let path = scenario_path("bg-abort-promote.yaml");
    let sc = rollout_sim::scenario::load_text(&path, text, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let result = run(&sc);
    assert!(result.passed(), "{:?}", result.failures);
    let after = after_action(&result.journal.entries, "promote");
    // The plugin has nothing to patch (no pause condition, not a canary): a note, and
    // neither a switch nor a promotion; only the abort's scale-down of the preview.
    assert!(
        matches!(&after[0].kind, EntryKind::ActionNote { note, .. } if note.starts_with("nothing to promote"))
    );
    assert!(!after.iter().any(|e| matches!(
        &e.kind,
        EntryKind::ServiceSwitched { .. }
            | EntryKind::Promoted { .. }
            | EntryKind::PhaseChanged { .. }
    )));
}

#[test]
fn promote_full_at_the_last_step_completes_no_step() {
    let text = r#"
name: promote-full-last-step
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "example/web:1"}]}
      strategy: {canary: {steps: [{setWeight: 25}, {pause: {}}]}}
apps: [{image: "example/web:*", startup: 2s}]
script:
  - wait: {phase: Healthy}
  - setImage: example/web:2
  - wait: {phase: Paused, step: 1}
  - promote: {full: true}
  - wait: {phase: Healthy, step: 2}
"#;
    let path = scenario_path("promote-full-last-step.yaml");
    let sc = rollout_sim::scenario::load_text(&path, text, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let result = run(&sc);
    assert!(result.passed(), "{:?}", result.failures);
    // `promoteFull` jumps the index from the pause (1) to the end (2): one more, but the
    // pause was not completed, and Argo records no RolloutStepCompleted for it.
    assert_eq!(
        step_ends(&result.journal.entries),
        vec![(4_000, "completed", 0)]
    );
}
