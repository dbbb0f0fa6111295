//! Restarts, PodDisruptionBudgets and progress deadlines, checked on the journal of whole runs.
//!
//! The scenario suite checks these through expectations at chosen moments; these tests look at
//! every entry, across several seeds (pod names are drawn from the seed), for the rules the
//! real controller follows:
//!
//! * a restart evicts the pods created before `restartAt` in the order the API server lists
//!   them (by name), never more at once than `max(maxUnavailable, 1)` allows;
//! * a PodDisruptionBudget refusal is skipped and retried on a later pass, and a budget that
//!   allows nothing is re-checked every 30 s;
//! * the progress deadline fires one second after `lastUpdateTime + progressDeadlineSeconds`,
//!   never during a pause step, and every bit of progress restarts the clock.

use smol_str::SmolStr;
use std::collections::BTreeSet;
use std::fs;

use rollout_sim::engine::{SimDuration, SimTime};
use rollout_sim::rollout::Phase;
use rollout_sim::scenario;
use rollout_sim::sim::{self, EntryKind, RunResult};

/// Loads a scenario from text (through a file, as users write them) and runs it with `seed`.
fn run(text: &str, seed: u64) -> RunResult {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.yaml");
    fs::write(&path, text).unwrap();
    let sc = scenario::load(&path).unwrap_or_else(|e| panic!("scenario does not load:\n{e}"));
    sim::run_with_seed(&sc, seed)
}

fn secs(t: SimTime) -> f64 {
    t.as_millis() as f64 / 1000.0
}

/// Time of the first script action whose text starts with `prefix`.
fn action_time(r: &RunResult, prefix: &str) -> SimTime {
    r.journal
        .iter()
        .find(|e| matches!(&e.kind, EntryKind::ScriptAction { action, .. } if action.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no script action `{prefix}`"))
        .t
}

/// `(time, pod)` of every PodEvicted entry.
fn evictions(r: &RunResult) -> Vec<(SimTime, SmolStr)> {
    r.journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::PodEvicted { name, .. } => Some((e.t, name.clone())),
            _ => None,
        })
        .collect()
}

/// `(time, pod, budget)` of every PodEvictionRefused entry.
fn refusals(r: &RunResult) -> Vec<(SimTime, SmolStr, SmolStr)> {
    r.journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::PodEvictionRefused { name, budget } => {
                Some((e.t, name.clone(), budget.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Pods created strictly before `t`.
fn pods_created_before(r: &RunResult, t: SimTime) -> BTreeSet<SmolStr> {
    r.journal
        .iter()
        .filter(|e| e.t < t)
        .filter_map(|e| match &e.kind {
            EntryKind::PodCreated { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Time of the first change to `phase`.
fn first_phase(r: &RunResult, phase: Phase) -> Option<SimTime> {
    r.journal
        .iter()
        .find(|e| matches!(&e.kind, EntryKind::PhaseChanged { to, .. } if *to == phase))
        .map(|e| e.t)
}

/// A canary rollout `app` of `replicas` pods, with extra spec lines, steps and documents.
fn canary_scenario(
    replicas: u32,
    spec_extra: &str,
    strategy_extra: &str,
    steps: &str,
    other_objects: &str,
    apps: &str,
    script: &str,
) -> String {
    format!(
        r#"name: generated
timeout: 2h
objects:
{other_objects}  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: app}}
    spec:
      replicas: {replicas}
{spec_extra}      selector: {{matchLabels: {{app: app}}}}
      template:
        metadata: {{labels: {{app: app}}}}
        spec:
          containers: [{{name: app, image: "example/app:1"}}]
      strategy:
        canary:
{strategy_extra}          steps: {steps}
apps:
{apps}
script:
{script}
"#
    )
}

const STEPS: &str = "[{setWeight: 50}, {pause: {}}]";
const APPS_4S: &str = "  - image: \"example/app:*\"\n    startup: 4s\n    terminate: 1s";

// ---------------------------------------------------------------------------------------------
// Restart eviction order and concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn restart_evicts_old_pods_by_name_within_max_unavailable() {
    let text = canary_scenario(
        6,
        "",
        "          maxSurge: 0\n          maxUnavailable: 2\n",
        STEPS,
        "",
        APPS_4S,
        "  - wait: {phase: Healthy}\n  - restart: {}\n  - wait: {message: rollout is restarting}\n  - wait: {phase: Healthy}",
    );
    for seed in 1..=6 {
        let r = run(&text, seed);
        assert!(r.passed(), "seed {seed}: {:?}", r.failures);
        let restart = action_time(&r, "restart");
        let old = pods_created_before(&r, restart);
        assert_eq!(old.len(), 6, "seed {seed}: six pods before the restart");
        let ev = evictions(&r);
        let names: Vec<&SmolStr> = ev.iter().map(|(_, n)| n).collect();

        // Exactly the old pods, each once: replacements are created after restartAt.
        assert_eq!(
            names.iter().map(|n| (*n).clone()).collect::<BTreeSet<_>>(),
            old,
            "seed {seed}: evicted {names:?}"
        );
        assert_eq!(
            names.len(),
            6,
            "seed {seed}: a pod evicted twice: {names:?}"
        );
        // The API server lists pods by name, and each pass takes the first ones still old.
        assert!(
            names.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: not in name order: {names:?}"
        );
        // max(maxUnavailable, 1) = 2 at a time; the first pass has all 6 available, so 2.
        let mut per_time: Vec<(SimTime, usize)> = Vec::new();
        for (t, _) in &ev {
            match per_time.last_mut() {
                Some((last, n)) if last == t => *n += 1,
                _ => per_time.push((*t, 1)),
            }
        }
        assert_eq!(
            per_time[0],
            (restart, 2),
            "seed {seed}: first pass {per_time:?}"
        );
        assert!(
            per_time.iter().all(|(_, n)| *n <= 2),
            "seed {seed}: more than 2 at once: {per_time:?}"
        );
        // No budget in play.
        assert!(refusals(&r).is_empty());
    }
}

/// A blue-green rollout's `maxUnavailable` paces only its restarts (upstream `restart.go`,
/// `max(MaxUnavailable, 1)` at a time): 25% of replicas by default, rounded down, capped at
/// replicas, with no fencepost bump to 1 except the restart's own.
#[test]
fn blue_green_restart_takes_max_unavailable_pods_at_a_time() {
    // (replicas, the maxUnavailable line, pods evicted per pass, rule)
    let rows = [
        (3, "", 1, "default 25% of 3 is 0: one at a time"),
        (8, "", 2, "default 25% of 8"),
        (4, "          maxUnavailable: 0\n", 1, "0: one at a time"),
        (
            4,
            "          maxUnavailable: 10\n",
            4,
            "above replicas: all at once",
        ),
        (
            5,
            "          maxUnavailable: \"50%\"\n",
            2,
            "50% of 5 rounds down",
        ),
    ];
    for (replicas, extra, per_pass, rule) in rows {
        let text = format!(
            r#"name: generated
timeout: 1h
objects:
  - apiVersion: v1
    kind: Service
    metadata: {{name: app-active}}
    spec: {{selector: {{app: app}}, ports: [{{port: 80}}]}}
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: app}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: app}}}}
      template:
        metadata: {{labels: {{app: app}}}}
        spec:
          containers: [{{name: app, image: "example/app:1"}}]
      strategy:
        blueGreen:
          activeService: app-active
{extra}apps:
{APPS_4S}
script:
  - wait: {{phase: Healthy}}
  - restart: {{}}
  - wait: 2m
  - expect: {{phase: Healthy}}
"#
        );
        let r = run(&text, 1);
        assert!(r.passed(), "{rule}: {:?}", r.failures);
        let restart = action_time(&r, "restart");
        let ev = evictions(&r);
        assert_eq!(ev.len(), replicas, "{rule}: every old pod once");
        let mut per_time: Vec<(SimTime, usize)> = Vec::new();
        for (t, _) in &ev {
            match per_time.last_mut() {
                Some((last, n)) if last == t => *n += 1,
                _ => per_time.push((*t, 1)),
            }
        }
        assert_eq!(per_time[0], (restart, per_pass), "{rule}: {per_time:?}");
        assert!(
            per_time.iter().all(|(_, n)| *n <= per_pass),
            "{rule}: {per_time:?}"
        );
    }
}

#[test]
fn restart_never_takes_availability_below_replicas_minus_max_unavailable() {
    // The invariant is checked at every event; a controller that evicted without waiting for
    // the replacements would break it.
    let text = canary_scenario(
        5,
        "",
        "          maxSurge: 1\n          maxUnavailable: 1\n",
        STEPS,
        "",
        "  - image: \"example/app:*\"\n    startup: 3s..9s\n    terminate: 2s",
        "  - wait: {phase: Healthy}\n  - restart: {}\n  - wait: {message: rollout is restarting}\n  - wait: {phase: Healthy}",
    )
    .replace("script:", "invariants:\n  - minAvailable: 4\nscript:");
    for seed in 1..=4 {
        let r = run(&text, seed);
        assert!(r.passed(), "seed {seed}: {:?}", r.failures);
        let ev = evictions(&r);
        assert_eq!(ev.len(), 5, "seed {seed}");
        // One at a time: five passes at five distinct times.
        let times: BTreeSet<SimTime> = ev.iter().map(|(t, _)| *t).collect();
        assert_eq!(times.len(), 5, "seed {seed}: {ev:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// PodDisruptionBudgets
// ---------------------------------------------------------------------------------------------

const PDB_MAX_UNAVAILABLE_1: &str = "  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: app-pdb}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: app}}
";

#[test]
fn budget_refusals_are_skipped_and_retried() {
    let text = canary_scenario(
        4,
        "",
        "          maxSurge: 0\n          maxUnavailable: 2\n",
        STEPS,
        PDB_MAX_UNAVAILABLE_1,
        APPS_4S,
        "  - wait: {phase: Healthy}\n  - restart: {}\n  - wait: {message: rollout is restarting}\n  - wait: {phase: Healthy}",
    )
    .replace("script:", "invariants:\n  - minAvailable: 3\nscript:");
    for seed in 1..=4 {
        let r = run(&text, seed);
        assert!(r.passed(), "seed {seed}: {:?}", r.failures);
        let ev = evictions(&r);
        let refused = refusals(&r);
        // The rollout would take 2 at a time; the budget allows one disruption.
        assert_eq!(ev.len(), 4, "seed {seed}: {ev:?}");
        let times: BTreeSet<SimTime> = ev.iter().map(|(t, _)| *t).collect();
        assert_eq!(times.len(), 4, "seed {seed}: two evictions at once: {ev:?}");
        assert!(!refused.is_empty(), "seed {seed}: no refusal recorded");
        for (t, pod, budget) in &refused {
            assert_eq!(budget, "app-pdb");
            // A refused pod is skipped, not lost: it is evicted on a later pass.
            let later = ev.iter().find(|(_, n)| n == pod);
            assert!(
                later.is_some_and(|(te, _)| te > t),
                "seed {seed}: {pod} refused at {} and never evicted later",
                secs(*t)
            );
        }
        // The first pass evicts the first pod by name and is refused for the next one.
        let restart = action_time(&r, "restart");
        let old: Vec<SmolStr> = pods_created_before(&r, restart).into_iter().collect();
        assert_eq!(ev[0], (restart, old[0].clone()), "seed {seed}");
        assert_eq!(refused[0].0, restart);
        assert_eq!(refused[0].1, old[1], "seed {seed}");
    }
}

#[test]
fn budget_that_allows_nothing_is_rechecked_every_30_seconds() {
    let pdb = "  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: strict}
    spec:
      minAvailable: 3
      selector: {matchLabels: {app: app}}
";
    let text = canary_scenario(
        3,
        "",
        "",
        STEPS,
        pdb,
        APPS_4S,
        "  - wait: {phase: Healthy}\n  - restart: {}\n  - wait: 5m\n  - expect: {phase: Progressing, message: rollout is restarting, pods: {total: 3}}",
    );
    let r = run(&text, 3);
    assert!(r.passed(), "{:?}", r.failures);
    assert!(evictions(&r).is_empty(), "the budget allows no eviction");
    let restart = action_time(&r, "restart");
    let attempts: Vec<SimTime> = refusals(&r)
        .iter()
        .map(|(t, _, _)| *t)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(attempts[0], restart);
    // Nothing else changes, so only the restarter's own 30 s requeue brings the controller
    // back: passes at 0 s, 30 s, ... after the restart (the one at 300 s ties with the end of
    // the wait and may fall after the run).
    let gaps: Vec<f64> = attempts
        .windows(2)
        .map(|w| secs(w[1]) - secs(w[0]))
        .collect();
    assert!(gaps.iter().all(|g| *g == 30.0), "gaps {gaps:?}");
    assert!(
        (10..=11).contains(&attempts.len()),
        "attempts at {attempts:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Progress deadline
// ---------------------------------------------------------------------------------------------

const CRASHLOOP_APPS: &str = "  - image: \"example/app:*-crashloop\"
    ready: never
  - image: \"example/app:*\"
    startup: 5s";

#[test]
fn progress_deadline_fires_one_second_after_it_passes() {
    for pds in [10u64, 45, 600] {
        let text = canary_scenario(
            4,
            &format!("      progressDeadlineSeconds: {pds}\n"),
            "",
            "[{setWeight: 25}, {pause: {duration: 10s}}]",
            "",
            CRASHLOOP_APPS,
            "  - wait: {phase: Healthy}\n  - setImage: example/app:2-crashloop\n  - wait: {phase: Degraded}",
        );
        let r = run(&text, 9);
        assert!(r.passed(), "pds {pds}: {:?}", r.failures);
        // The canary pod is created in the reconcile that sees the new template: the last
        // progress is then, and nothing moves afterwards.
        let update = action_time(&r, "setImage");
        let degraded = first_phase(&r, Phase::Degraded).unwrap();
        assert_eq!(
            degraded,
            update + SimDuration::from_secs(pds + 1),
            "pds {pds}: Degraded at {}",
            secs(degraded)
        );
        let message = r.journal.iter().find_map(|e| match &e.kind {
            EntryKind::PhaseChanged { to, message, .. } if *to == Phase::Degraded => {
                Some(message.clone())
            }
            _ => None,
        });
        assert!(
            message.as_deref().is_some_and(|m| m
                .starts_with("ProgressDeadlineExceeded: ReplicaSet \"app-")
                && m.ends_with("\" has timed out progressing.")),
            "pds {pds}: {message:?}"
        );
        // Without progressDeadlineAbort the update is not aborted.
        assert!(
            !r.journal
                .iter()
                .any(|e| matches!(e.kind, EntryKind::Aborted { .. })),
            "pds {pds}"
        );
    }
}

#[test]
fn pause_steps_are_excluded_from_the_deadline() {
    let text = canary_scenario(
        4,
        "      progressDeadlineSeconds: 10\n",
        "",
        "[{setWeight: 25}, {pause: {}}, {setWeight: 50}, {pause: {duration: 5m}}]",
        "",
        CRASHLOOP_APPS,
        "  - wait: {phase: Healthy}\n  - setImage: example/app:2\n  - wait: {phase: Paused}\n  - wait: 10m\n  - expect: {phase: Paused, step: 1}\n  - promote: {}\n  - wait: {phase: Healthy}",
    );
    let r = run(&text, 4);
    assert!(r.passed(), "{:?}", r.failures);
    assert_eq!(first_phase(&r, Phase::Degraded), None);
}

#[test]
fn every_bit_of_progress_restarts_the_clock() {
    // One pod at a time, each ready 8 s after it is created: the whole update takes far longer
    // than the 10 s deadline, but no gap between two progress points reaches it.
    let text = canary_scenario(
        5,
        "      progressDeadlineSeconds: 10\n",
        "          maxSurge: 1\n          maxUnavailable: 0\n",
        "[]",
        "",
        "  - image: \"example/app:*\"\n    startup: 8s",
        "  - wait: {phase: Healthy}\n  - setImage: example/app:2\n  - wait: {phase: Healthy, revision: 2}",
    );
    let r = run(&text, 5);
    assert!(r.passed(), "{:?}", r.failures);
    let update = action_time(&r, "setImage");
    assert!(
        r.end.as_millis() - update.as_millis() >= 40_000,
        "five pods one after another take at least 40 s"
    );
    assert_eq!(first_phase(&r, Phase::Degraded), None);

    // The same rollout with pods that take 11 s does time out.
    let slow = text.replace("startup: 8s\n", "startup: 11s\n").replace(
        "wait: {phase: Healthy, revision: 2}",
        "wait: {phase: Degraded}",
    );
    let r = run(&slow, 5);
    assert!(r.passed(), "{:?}", r.failures);
    assert!(first_phase(&r, Phase::Degraded).is_some());
}

#[test]
fn progress_deadline_abort_aborts_in_the_reconcile_after_the_timeout() {
    let text = canary_scenario(
        4,
        "      progressDeadlineSeconds: 20\n      progressDeadlineAbort: true\n",
        "",
        "[{setWeight: 25}, {pause: {}}]",
        "",
        CRASHLOOP_APPS,
        "  - wait: {phase: Healthy}\n  - setImage: example/app:2-crashloop\n  - wait: {aborted: true}\n  - wait: {pods: {canary: 0}}",
    );
    let r = run(&text, 6);
    assert!(r.passed(), "{:?}", r.failures);
    let update = action_time(&r, "setImage");
    let degraded = first_phase(&r, Phase::Degraded).unwrap();
    assert_eq!(degraded, update + SimDuration::from_secs(21));
    let aborted = r
        .journal
        .iter()
        .find(|e| matches!(e.kind, EntryKind::Aborted { .. }))
        .map(|e| e.t)
        .unwrap();
    assert_eq!(aborted, degraded, "the same pass that times out aborts");
}

/// A 4-replica rollout on 2 nodes of 4 pods; node-1 fails 10 s after it is Healthy.
fn node_failure_scenario(cluster_extra: &str, fail_extra: &str) -> String {
    format!(
        r#"
name: node-lifecycle
cluster:
  nodes: 2
  podsPerNode: 4
{cluster_extra}
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: app}}
    spec:
      replicas: 4
      selector: {{matchLabels: {{app: app}}}}
      template:
        metadata: {{labels: {{app: app}}}}
        spec:
          containers: [{{name: app, image: "example/app:1"}}]
      strategy:
        canary:
          steps: [{{setWeight: 50}}, {{pause: {{}}}}]
apps:
  - image: "example/app:*"
    startup: 2s
    terminate: 1s
script:
  - wait: {{phase: Healthy}}
  - wait: 10s
  - failNode: {{name: node-1{fail_extra}}}
  - wait: 20m
"#
    )
}

/// `(node unreachable, first eviction)` times after the failure, in seconds.
fn node_lifecycle(r: &RunResult) -> (f64, f64) {
    let failed = action_time(r, "failNode");
    let unreachable = r
        .journal
        .iter()
        .find(|e| matches!(e.kind, EntryKind::NodeUnreachable { .. }))
        .expect("the node controller notices the failed node")
        .t;
    let not_ready = r
        .journal
        .iter()
        .find(|e| matches!(e.kind, EntryKind::PodNotReady { .. }))
        .expect("the failed node's pods turn not Ready")
        .t;
    assert_eq!(
        not_ready, unreachable,
        "pods turn not Ready when the node is marked"
    );
    let evicted = evictions(r).first().expect("the pods are evicted").0;
    (
        secs(unreachable) - secs(failed),
        secs(evicted) - secs(failed),
    )
}

#[test]
fn failed_node_follows_the_kubernetes_node_lifecycle_defaults() {
    // node-monitor-grace-period 50 s (Kubernetes >= 1.32), then the unreachable taint is
    // tolerated for 300 s: eviction 350 s after the failure, not 300 s.
    let r = run(&node_failure_scenario("", ""), 3);
    assert_eq!(node_lifecycle(&r), (50.0, 350.0));
    let evict_at = r.journal.iter().find_map(|e| match &e.kind {
        EntryKind::NodeUnreachable { evict_at, .. } => *evict_at,
        _ => None,
    });
    assert_eq!(evict_at, Some(evictions(&r)[0].0));
}

#[test]
fn node_lifecycle_timing_is_set_under_cluster() {
    let r = run(
        &node_failure_scenario(
            "  nodeMonitorGracePeriod: 20s\n  unreachableTolerationSeconds: 60",
            "",
        ),
        3,
    );
    assert_eq!(node_lifecycle(&r), (20.0, 80.0));
}

#[test]
fn fail_node_overrides_win_over_the_cluster_lifecycle() {
    let r = run(
        &node_failure_scenario(
            "  nodeMonitorGracePeriod: 20s",
            ", notReadyAfter: 5s, evictAfter: 1m",
        ),
        3,
    );
    assert_eq!(node_lifecycle(&r), (5.0, 60.0));
}

/// The pod template's own toleration of the unreachable taint decides when a failed node's
/// pods go: Kubernetes' DefaultTolerationSeconds admission adds its 300 s only when the template
/// has no toleration with that key (or none) and the `NoExecute` effect (or none), and the taint
/// manager takes the first toleration that matches the taint.
#[test]
fn template_tolerations_set_the_eviction_time() {
    // (the template's tolerations, the `failNode` overrides, seconds from the failure to the
    // eviction, or None when the pods stay, rule)
    let rows: [(&str, &str, Option<f64>, &str); 8] = [
        (
            "",
            "",
            Some(350.0),
            "none: the admission default, 50 s + 300 s",
        ),
        (
            "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]",
            "",
            Some(80.0),
            "its own 30 s, counted from the taint",
        ),
        (
            "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]",
            "",
            None,
            "no tolerationSeconds: tolerated for ever",
        ),
        (
            "[{operator: Exists}]",
            "",
            None,
            "empty key and effect with Exists: every taint, for ever",
        ),
        (
            "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 0}]",
            "",
            Some(50.0),
            "0 s: evicted as the node is tainted",
        ),
        (
            "[{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 10}]",
            "",
            Some(350.0),
            "another taint's toleration: the default is still added",
        ),
        (
            "[{key: node.kubernetes.io/unreachable, operator: Equal, value: x, effect: NoExecute, tolerationSeconds: 60}]",
            "",
            Some(50.0),
            "counted by admission but not matching the taint: evicted at once",
        ),
        (
            "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]",
            ", evictAfter: 10m",
            Some(80.0),
            "evictAfter replaces the default only",
        ),
    ];
    for (tolerations, fail_extra, want, rule) in rows {
        let mut text = node_failure_scenario("", fail_extra);
        if !tolerations.is_empty() {
            text = text.replace(
                "          containers: [{name: app, image: \"example/app:1\"}]\n",
                &format!(
                    "          containers: [{{name: app, image: \"example/app:1\"}}]\n          tolerations: {tolerations}\n"
                ),
            );
            assert!(text.contains("tolerations:"), "{rule}: template not edited");
        }
        let r = run(&text, 3);
        let failed = secs(action_time(&r, "failNode"));
        let ev = evictions(&r);
        match want {
            Some(after) => {
                assert!(!ev.is_empty(), "{rule}: nothing evicted");
                // Both pods of node-1 go together.
                assert!(ev.iter().all(|(t, _)| *t == ev[0].0), "{rule}: {ev:?}");
                assert_eq!(ev.len(), 2, "{rule}: {ev:?}");
                assert_eq!(secs(ev[0].0) - failed, after, "{rule}");
            }
            None => assert!(ev.is_empty(), "{rule}: {ev:?}"),
        }
    }
}

#[test]
fn unknown_node_lifecycle_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.yaml");
    fs::write(
        &path,
        node_failure_scenario(
            "  podEvictionTimeout: 5m\n  nodeMonitorGracePeriod: soon",
            "",
        ),
    )
    .unwrap();
    let err = scenario::load(&path)
        .expect_err("unknown key and bad duration")
        .to_string();
    assert!(err.contains("cluster.podEvictionTimeout"), "{err}");
    assert!(err.contains("cluster.nodeMonitorGracePeriod"), "{err}");
}

#[test]
fn no_node_ready_stops_every_eviction() {
    // Both nodes fail 10 s apart: when the second is noticed no node is Ready, the node
    // controller enters its disruption mode, removes the taints and evicts nothing.
    let text = node_failure_scenario("", "").replace(
        "  - wait: 20m",
        "  - wait: 10s\n  - failNode: {name: node-2}\n  - wait: 20m",
    );
    let r = run(&text, 3);
    assert!(evictions(&r).is_empty(), "{:?}", evictions(&r));
    let marks: Vec<(SmolStr, Option<SimTime>)> = r
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::NodeUnreachable { name, evict_at, .. } => Some((name.clone(), *evict_at)),
            _ => None,
        })
        .collect();
    assert_eq!(marks.len(), 2);
    assert!(
        marks[0].1.is_some(),
        "node-1 is tainted while node-2 is Ready"
    );
    assert_eq!(marks[1], ("node-2".into(), None));
    // Every pod is still there, not Ready.
    let not_ready = r
        .journal
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::PodNotReady { .. }))
        .count();
    assert_eq!(not_ready, 4);
}
