//! Property tests: random canary Rollouts and scripts, written as scenario YAML, loaded and run
//! through the library; the journal must respect Argo's invariants.
//!
//! * No panic while loading or running, and no run ends in an engine failure (a budget
//!   exceeded), whose cut-short journal would satisfy the invariants below vacuously.
//! * Without a traffic router (where Argo sizes both ReplicaSets by maxSurge/maxUnavailable),
//!   until a `scale` or `abort` interferes: every RolloutStatus has `current ≤ replicas +
//!   maxSurge`, and once the rollout was first Healthy, `available ≥ replicas − maxUnavailable`
//!   (the bounds from `resolve_fenceposts`: surge rounds up, unavailable down, both 0 → 1).
//! * `setWeight`/`actualWeight` within 0..=100 in every WeightChanged and RolloutStatus.
//! * StepStarted indices never go back except after an abort, a retry or a new revision.
//! * The same seed gives the same journal.
//!
//! 64 cases from a fixed seed by default, so `cargo test` stays quick; `PROPTEST_CASES=N`
//! (proptest's own variable) runs N instead, and `.ci/run` asks for more. The generator's seed
//! is fixed either way, so a given N always draws the same cases.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use rollout_sim::api::IntOrString;
use rollout_sim::rollout::Phase;
use rollout_sim::rollout::replica_arithmetic::resolve_fenceposts;
use rollout_sim::scenario::{LoadOptions, load_text};
use rollout_sim::sim::{EntryKind, run_with_seed};

#[derive(Debug, Clone)]
enum Fence {
    Count(i64),
    Percent(i64),
}

impl Fence {
    fn yaml(&self) -> String {
        match self {
            Fence::Count(n) => n.to_string(),
            Fence::Percent(p) => format!("\"{p}%\""),
        }
    }
    fn int_or_string(&self) -> IntOrString {
        match self {
            Fence::Count(n) => IntOrString::Int(*n),
            Fence::Percent(p) => IntOrString::Str(format!("{p}%")),
        }
    }
    fn is_zero(&self) -> bool {
        matches!(self, Fence::Count(0) | Fence::Percent(0))
    }
}

#[derive(Debug, Clone)]
enum Step {
    SetWeight(u32),
    Pause(u32),
}

#[derive(Debug, Clone)]
enum Act {
    SetImage,
    Promote,
    Abort,
    Retry,
    Scale(u32),
    Wait(u32),
    WaitHealthy,
}

#[derive(Debug, Clone)]
struct Case {
    replicas: u32,
    surge: Fence,
    unavailable: Fence,
    steps: Vec<Step>,
    traffic_routing: bool,
    script: Vec<Act>,
    seed: u64,
}

fn fence() -> impl Strategy<Value = Fence> {
    prop_oneof![
        (0i64..4).prop_map(Fence::Count),
        (0i64..=100).prop_map(Fence::Percent),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u32..=100).prop_map(Step::SetWeight),
        (1u32..60).prop_map(Step::Pause),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => Just(Act::SetImage),
        2 => Just(Act::Promote),
        1 => Just(Act::Abort),
        1 => Just(Act::Retry),
        1 => (1u32..20).prop_map(Act::Scale),
        3 => (1u32..120).prop_map(Act::Wait),
        1 => Just(Act::WaitHealthy),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        1u32..20,
        fence(),
        fence(),
        prop::collection::vec(step(), 1..6),
        any::<bool>(),
        prop::collection::vec(act(), 0..8),
        any::<u64>(),
    )
        .prop_filter("maxSurge and maxUnavailable not both zero", |c| {
            !(c.1.is_zero() && c.2.is_zero())
        })
        .prop_map(
            |(replicas, surge, unavailable, steps, traffic_routing, script, seed)| Case {
                replicas,
                surge,
                unavailable,
                steps,
                traffic_routing,
                script,
                seed,
            },
        )
}

fn scenario_yaml(c: &Case) -> String {
    let mut s = format!("name: prop\nseed: {}\ntimeout: 1h\nobjects:\n", c.seed);
    if c.traffic_routing {
        for svc in ["prop-stable", "prop-canary"] {
            s.push_str(&format!(
                "  - apiVersion: v1\n    kind: Service\n    metadata: {{name: {svc}}}\n    \
                 spec: {{selector: {{app: prop}}, ports: [{{port: 80}}]}}\n"
            ));
        }
    }
    s.push_str(&format!(
        "  - apiVersion: argoproj.io/v1alpha1\n    kind: Rollout\n    metadata: {{name: prop}}\n    \
         spec:\n      replicas: {}\n      selector: {{matchLabels: {{app: prop}}}}\n      \
         template:\n        metadata: {{labels: {{app: prop}}}}\n        \
         spec: {{containers: [{{name: app, image: \"example/app:v0\"}}]}}\n      \
         strategy:\n        canary:\n          maxSurge: {}\n          maxUnavailable: {}\n",
        c.replicas,
        c.surge.yaml(),
        c.unavailable.yaml()
    ));
    if c.traffic_routing {
        s.push_str(
            "          canaryService: prop-canary\n          stableService: prop-stable\n          \
             trafficRouting: {smi: {}}\n",
        );
    }
    s.push_str("          steps:\n");
    for st in &c.steps {
        match st {
            Step::SetWeight(w) => s.push_str(&format!("          - setWeight: {w}\n")),
            Step::Pause(d) => s.push_str(&format!("          - pause: {{duration: {d}s}}\n")),
        }
    }
    s.push_str("script:\n  - wait: {phase: Healthy}\n");
    let mut image = 0;
    for a in &c.script {
        match a {
            Act::SetImage => {
                image += 1;
                s.push_str(&format!("  - setImage: example/app:v{image}\n"));
            }
            Act::Promote => s.push_str("  - promote: {}\n"),
            Act::Abort => s.push_str("  - abort: {}\n"),
            Act::Retry => s.push_str("  - retry: {}\n"),
            Act::Scale(n) => s.push_str(&format!("  - scale: {n}\n")),
            Act::Wait(d) => s.push_str(&format!("  - wait: {d}s\n")),
            Act::WaitHealthy => s.push_str("  - wait: 5m\n"),
        }
    }
    s.push_str("  - wait: 5m\n");
    s
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let text = scenario_yaml(c);
    let sc = load_text(Path::new("prop.yaml"), &text, &LoadOptions::default())
        .map_err(|e| TestCaseError::fail(format!("does not load: {e:?}\n{text}")))?;
    let run = run_with_seed(&sc, c.seed);
    // A run the engine gave up on (over a budget) has a journal that stops early, in which the
    // invariants below hold trivially: such a case must fail, not pass.
    prop_assert!(
        run.engine_failure.is_none(),
        "the engine failed: {}\n{text}",
        run.engine_failure
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    let again = run_with_seed(&sc, c.seed);
    prop_assert!(
        run.journal == again.journal,
        "same seed, different journals\n{text}"
    );

    let (surge, unavailable) = resolve_fenceposts(
        Some(&c.surge.int_or_string()),
        Some(&c.unavailable.int_or_string()),
        i32::try_from(c.replicas).unwrap(),
    )
    .expect("generated fenceposts resolve");
    let replicas = i32::try_from(c.replicas).unwrap();
    let mut interfered = false;
    let mut healthy_once = false;
    let mut last_step: Option<u32> = None;
    for e in &run.journal.entries {
        match &e.kind {
            EntryKind::ScriptAction { action, .. } => {
                if action.starts_with("scale") || action == "abort" {
                    interfered = true;
                }
                if action == "retry" || action.starts_with("setImage") {
                    last_step = None;
                }
            }
            EntryKind::Aborted { .. } | EntryKind::RolloutUpdated { .. } => last_step = None,
            EntryKind::StepStarted { index, .. } => {
                if let Some(prev) = last_step {
                    prop_assert!(
                        *index >= prev,
                        "step {index} started after step {prev} at {:?}\n{text}",
                        e.t
                    );
                }
                last_step = Some(*index);
            }
            EntryKind::WeightChanged {
                canary,
                stable,
                set_weight,
                experiment,
                max_weight,
                ..
            } => {
                prop_assert!(
                    *canary + *stable + *experiment == *max_weight && *set_weight <= *max_weight,
                    "weights out of range at {:?}: {:?}\n{text}",
                    e.t,
                    e.kind
                );
            }
            EntryKind::RolloutStatus(id) => {
                let s = run.journal.snapshot(*id);
                prop_assert!(
                    // A canary always has both weights (blue-green has none).
                    matches!(
                        (s.set_weight, s.actual_weight),
                        (Some(set), Some(actual)) if set <= 100 && actual <= 100
                    ),
                    "weights out of range at {:?}: {s:?}\n{text}",
                    e.t
                );
                if s.phase == Phase::Healthy {
                    healthy_once = true;
                }
                if !c.traffic_routing && !interfered {
                    prop_assert!(
                        i32::try_from(s.current).unwrap() <= replicas + surge,
                        "{} pods > replicas {replicas} + maxSurge {surge} at {:?}: {s:?}\n{text}",
                        s.current,
                        e.t
                    );
                    if healthy_once {
                        prop_assert!(
                            i32::try_from(s.available).unwrap() >= replicas - unavailable,
                            "{} available < replicas {replicas} - maxUnavailable {unavailable} \
                             at {:?}: {s:?}\n{text}",
                            s.available,
                            e.t
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Cases in a plain `cargo test`.
const DEFAULT_CASES: u32 = 64;

/// `$PROPTEST_CASES` when set (a malformed value fails rather than silently running the
/// default), else [`DEFAULT_CASES`]. Read here because the config below sets `cases` itself.
fn cases() -> u32 {
    match std::env::var("PROPTEST_CASES") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|e| panic!("PROPTEST_CASES={v:?} is not a number of cases: {e}")),
        Err(_) => DEFAULT_CASES,
    }
}

#[test]
fn random_canaries_respect_argo_invariants() {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner.run(&case(), |c| check(&c)).unwrap();
}
