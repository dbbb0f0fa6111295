//! Property test: every operator action at any moment. Random small Rollouts — a basic canary,
//! a traffic-routed canary, a blue-green — with and without simulated traffic, get a random
//! script of `kubectl argo rollouts` actions (`pause`, `resume`, `promote`, `promote --full`,
//! `abort`, `retry`, `restart`, `undo`, `setImage`, `scale`, `apply`) at random virtual
//! times, once the first deploy is Healthy and in the middle of updates alike. Every run must:
//!
//! * end within the budgets the scenario sizes (no failure of the simulator itself: the
//!   controllers reach a fixed point at every instant, the run does not write without end);
//! * until a `scale`, `apply` or `abort` interferes, once first Healthy: for a basic canary,
//!   `current ≤ replicas + maxSurge` and `available ≥ replicas − maxUnavailable`; for a routed
//!   canary and a blue-green, whose stable (active) side keeps its full size until the new
//!   one is fully available, `available ≥ replicas` — less the pods a restart may evict at a
//!   time (`max(maxUnavailable, 1)`) once one was asked for;
//! * keep weights within 0..=100;
//! * give the same journal for the same seed.
//!
//! It finds the livelocks of a `pause` of a completed rollout and of an `abort` with no update
//! in progress when those fixes are taken out. 48 cases by default (a few seconds in a debug
//! build); `PROPTEST_CASES=N` runs more.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use rollout_sim::api::IntOrString;
use rollout_sim::rollout::Phase;
use rollout_sim::rollout::replica_arithmetic::resolve_fenceposts;
use rollout_sim::scenario::{LoadOptions, load_text};
use rollout_sim::sim::{EntryKind, run_with_seed};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy_ {
    BasicCanary,
    RoutedCanary,
    BlueGreen { preview: bool, auto: bool },
}

#[derive(Debug, Clone)]
enum Step {
    SetWeight(u32),
    Pause(Option<u32>),
}

#[derive(Debug, Clone)]
enum Act {
    Pause,
    Resume,
    Promote,
    PromoteFull,
    Abort,
    Retry,
    Restart,
    Undo,
    SetImage,
    Scale(u32),
    Apply { replicas: u32 },
}

#[derive(Debug, Clone)]
struct Case {
    strategy: Strategy_,
    replicas: u32,
    surge: i64,
    unavailable: i64,
    steps: Vec<Step>,
    traffic: bool,
    /// Seconds to wait before each action, and the action.
    script: Vec<(u32, Act)>,
    seed: u64,
}

fn strategy() -> impl Strategy<Value = Strategy_> {
    prop_oneof![
        Just(Strategy_::BasicCanary),
        Just(Strategy_::RoutedCanary),
        (any::<bool>(), any::<bool>())
            .prop_map(|(preview, auto)| Strategy_::BlueGreen { preview, auto }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u32..=100).prop_map(Step::SetWeight),
        prop::option::of(1u32..40).prop_map(Step::Pause),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        2 => Just(Act::Pause),
        2 => Just(Act::Resume),
        2 => Just(Act::Promote),
        1 => Just(Act::PromoteFull),
        2 => Just(Act::Abort),
        1 => Just(Act::Retry),
        1 => Just(Act::Restart),
        1 => Just(Act::Undo),
        3 => Just(Act::SetImage),
        1 => (1u32..6).prop_map(Act::Scale),
        1 => (1u32..6).prop_map(|replicas| Act::Apply { replicas }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        strategy(),
        1u32..6,
        0i64..3,
        0i64..3,
        prop::collection::vec(step(), 1..5),
        any::<bool>(),
        prop::collection::vec((0u32..40, act()), 1..8),
        any::<u64>(),
    )
        .prop_filter("maxSurge and maxUnavailable not both zero", |c| {
            !(c.2 == 0 && c.3 == 0)
        })
        .prop_map(
            |(strategy, replicas, surge, unavailable, steps, traffic, script, seed)| Case {
                strategy,
                replicas,
                surge,
                unavailable,
                steps,
                traffic,
                script,
                seed,
            },
        )
}

/// The manifests: Services and the Rollout, with the given image and replicas.
fn manifests(c: &Case, image: u32, replicas: u32) -> String {
    let services: &[&str] = match c.strategy {
        Strategy_::BasicCanary => &[],
        Strategy_::RoutedCanary => &["prop-stable", "prop-canary"],
        Strategy_::BlueGreen { preview: true, .. } => &["prop-active", "prop-preview"],
        Strategy_::BlueGreen { preview: false, .. } => &["prop-active"],
    };
    let mut s = String::new();
    for svc in services {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {svc}}}\n\
             spec: {{selector: {{app: prop}}, ports: [{{port: 80}}]}}\n"
        ));
    }
    s.push_str(&format!(
        "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: prop}}\n\
         spec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: prop}}}}\n  \
         template:\n    metadata: {{labels: {{app: prop}}}}\n    \
         spec: {{containers: [{{name: app, image: \"example/app:v{image}\"}}]}}\n  \
         strategy:\n"
    ));
    match c.strategy {
        Strategy_::BlueGreen { preview, auto } => {
            s.push_str("    blueGreen:\n      activeService: prop-active\n");
            if preview {
                s.push_str("      previewService: prop-preview\n");
            }
            s.push_str(&format!("      autoPromotionEnabled: {auto}\n"));
            s.push_str("      scaleDownDelaySeconds: 10\n");
        }
        Strategy_::BasicCanary | Strategy_::RoutedCanary => {
            s.push_str(&format!(
                "    canary:\n      maxSurge: {}\n      maxUnavailable: {}\n",
                c.surge, c.unavailable
            ));
            if c.strategy == Strategy_::RoutedCanary {
                s.push_str(
                    "      canaryService: prop-canary\n      stableService: prop-stable\n      \
                     trafficRouting: {smi: {}}\n",
                );
            }
            s.push_str("      steps:\n");
            for st in &c.steps {
                match st {
                    Step::SetWeight(w) => s.push_str(&format!("      - setWeight: {w}\n")),
                    Step::Pause(Some(d)) => {
                        s.push_str(&format!("      - pause: {{duration: {d}s}}\n"))
                    }
                    Step::Pause(None) => s.push_str("      - pause: {}\n"),
                }
            }
        }
    }
    s
}

/// Writes the scenario's files into their own folder; returns the scenario's path and text.
fn write_case(c: &Case, dir: &Path) -> (PathBuf, String) {
    std::fs::create_dir_all(dir).expect("test folder");
    std::fs::write(dir.join("initial.yaml"), manifests(c, 0, c.replicas)).expect("write");
    let mut s = format!(
        "name: prop\nseed: {}\ntimeout: 30m\nmanifests: [initial.yaml]\n\
         apps:\n  - image: \"example/app:*\"\n    startup: 1s..5s\n    terminate: 1s\n",
        c.seed
    );
    if c.traffic {
        s.push_str("traffic: {rps: 50, tick: 1s}\n");
    }
    s.push_str("script:\n  - wait: {phase: Healthy}\n");
    let mut image = 0;
    for (i, (wait, a)) in c.script.iter().enumerate() {
        if *wait > 0 {
            s.push_str(&format!("  - wait: {wait}s\n"));
        }
        match a {
            Act::Pause => s.push_str("  - pause: {}\n"),
            Act::Resume => s.push_str("  - resume: {}\n"),
            Act::Promote => s.push_str("  - promote: {}\n"),
            Act::PromoteFull => s.push_str("  - promote: {full: true}\n"),
            Act::Abort => s.push_str("  - abort: {}\n"),
            Act::Retry => s.push_str("  - retry: {}\n"),
            Act::Restart => s.push_str("  - restart: {}\n"),
            Act::Undo => s.push_str("  - undo: {}\n"),
            Act::SetImage => {
                image += 1;
                s.push_str(&format!("  - setImage: example/app:v{image}\n"));
            }
            Act::Scale(n) => s.push_str(&format!("  - scale: {n}\n")),
            Act::Apply { replicas } => {
                image += 1;
                let file = format!("apply-{i}.yaml");
                std::fs::write(dir.join(&file), manifests(c, image, *replicas)).expect("write");
                s.push_str(&format!("  - apply: {file}\n"));
            }
        }
    }
    s.push_str("  - wait: 3m\n");
    let path = dir.join("prop.yaml");
    std::fs::write(&path, &s).expect("write");
    (path, s)
}

fn check(c: &Case, dir: &Path) -> Result<(), TestCaseError> {
    let (path, text) = write_case(c, dir);
    let sc = load_text(&path, &text, &LoadOptions::default())
        .map_err(|e| TestCaseError::fail(format!("does not load: {e:?}\n{text}")))?;
    let run = run_with_seed(&sc, c.seed);
    prop_assert!(
        run.engine_failure.is_none(),
        "{}\n{:?}\n{text}",
        run.engine_failure
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        c
    );
    let again = run_with_seed(&sc, c.seed);
    prop_assert!(
        run.journal == again.journal,
        "same seed, different journals\n{text}"
    );

    let replicas = i32::try_from(c.replicas).unwrap();
    let (surge, unavailable) = resolve_fenceposts(
        Some(&IntOrString::Int(c.surge)),
        Some(&IntOrString::Int(c.unavailable)),
        replicas,
    )
    .expect("generated fenceposts resolve");
    let mut interfered = false;
    let mut healthy_once = false;
    // Pods a restart may evict at a time (upstream `restart.go`): max(maxUnavailable, 1); a
    // blue-green's default 25% of at most 5 replicas rounds down to 1 or 0.
    let restart_budget = match c.strategy {
        Strategy_::BlueGreen { .. } => 1,
        _ => unavailable.max(1),
    };
    let mut restart_slack = 0;
    for e in &run.journal.entries {
        match &e.kind {
            EntryKind::ScriptAction { action, .. } => {
                if action.starts_with("scale") || action.starts_with("apply") || action == "abort" {
                    interfered = true;
                }
                if action.starts_with("restart") {
                    restart_slack = restart_budget;
                }
            }
            EntryKind::WeightChanged {
                canary,
                stable,
                set_weight,
                ..
            } => {
                prop_assert!(
                    *canary <= 100 && *stable <= 100 && *set_weight <= 100,
                    "weights out of range at {}: {:?}\n{text}",
                    e.t,
                    e.kind
                );
            }
            EntryKind::RolloutStatus(id) => {
                let s = run.journal.snapshot(*id);
                if s.phase == Phase::Healthy {
                    healthy_once = true;
                }
                if interfered {
                    continue;
                }
                if c.strategy != Strategy_::BasicCanary {
                    // A router or a blue-green switch keeps the stable (active) ReplicaSet at
                    // full size until the new one is fully available: no capacity is lost,
                    // except to a restart's evictions.
                    if healthy_once {
                        prop_assert!(
                            i32::try_from(s.available).unwrap() >= replicas - restart_slack,
                            "{} available < replicas {replicas} - {restart_slack} at {}: \
                             {s:?}\n{text}",
                            s.available,
                            e.t
                        );
                    }
                    continue;
                }
                prop_assert!(
                    i32::try_from(s.current).unwrap() <= replicas + surge,
                    "{} pods > replicas {replicas} + maxSurge {surge} at {}: {s:?}\n{text}",
                    s.current,
                    e.t
                );
                if healthy_once {
                    let allowed = unavailable.max(restart_slack);
                    prop_assert!(
                        i32::try_from(s.available).unwrap() >= replicas - allowed,
                        "{} available < replicas {replicas} - {allowed} unavailable \
                         at {}: {s:?}\n{text}",
                        s.available,
                        e.t
                    );
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "prints how long the cases took, for the record; nothing is asserted on it"
)]
fn any_operator_action_at_any_moment_settles_within_budget() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("operator-actions");
    let n = std::cell::Cell::new(0u64);
    let started = std::time::Instant::now();
    runner
        .run(&case(), |c| {
            n.set(n.get() + 1);
            check(&c, &root.join(format!("case-{}", n.get())))
        })
        .unwrap();
    // For the record (no assertion on time): how many runs and how long they took.
    println!("{} cases in {:?}", n.get(), started.elapsed());
}

/// The actions with nothing to act on in `scenarios/operator-actions-at-rest.yaml` each leave
/// an `ActionNote` saying what the plugin and the controller do, and the run passes.
#[test]
fn actions_at_rest_are_noted_in_the_journal() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/operator-actions-at-rest.yaml");
    let sc = rollout_sim::scenario::load(&path).expect("loads");
    let run = run_with_seed(&sc, sc.seed);
    assert!(run.passed(), "{:?}", run.failures);
    let notes: Vec<(u32, &str)> = run
        .journal
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::ActionNote { line, note } => Some((*line, note.as_str())),
            _ => None,
        })
        .collect();
    for wanted in [
        "nothing to abort: rollout 'shop' has no update in progress",
        "nothing to promote: rollout 'shop' is not paused and has no step left",
        "nothing to promote: rollout 'shop' has no update in progress",
        "nothing to retry: rollout 'shop' is not aborted",
        "skipped rollback (current template already matches revision 2)",
    ] {
        assert!(
            notes
                .iter()
                .any(|(line, n)| *line > 0 && n.starts_with(wanted)),
            "no note `{wanted}` in {notes:?}"
        );
    }
    // An action that does something gets no note: the promote at the pause step.
    assert_eq!(
        notes.iter().filter(|(_, n)| n.contains("promote")).count(),
        2,
        "{notes:?}"
    );
}
