//! Retry after an abort, as the real controller does it: the retried update goes through its
//! gates again. A blue-green without auto-promotion pauses again before the switch (the
//! scale-down deadline the abort left on the preview ReplicaSet is not a fast rollback), and a
//! canary with background analysis gets a new AnalysisRun whether or not a traffic router is
//! configured (the router's abort delay once suppressed it).

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
