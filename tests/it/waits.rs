//! A `wait` (and an `expect`) gathers only the parts of the observation its condition reads
//! (the walk over the ReplicaSets, their roles, the canary's available pods). Each wait below
//! reads one such part and is followed by an `expect` of the same condition: had the wait
//! left out what it reads, it would never hold (a count left at zero) or hold too early
//! (under `not`), and the run would fail. Debug builds, which the tests are, also check every
//! wait and every expect of every run against the whole observation, so an `expect` that
//! left out a part would fail the run too.

use crate::common::{scenario_path, write_temp};

use rollout_sim::scenario;
use rollout_sim::sim;

#[test]
fn a_wait_sees_every_part_it_reads() {
    let manifest = scenario_path("manifests/rollouts-demo.yaml");
    let pairs = [
        // Nothing created yet right after the setImage: `total` 1 until the reconcile.
        "{not: {replicaSets: {total: 1}}}",
        "{revision: 2}",
        "{replicaSets: {scaledUp: 2}}",
        "{pods: {total: 5}}",
        "{readyPods: {canary: 1}}",
        "{actualWeight: 20}",
    ];
    let mut text = format!(
        "name: waits\nseed: 3\ntimeout: 1h\nmanifests: [{}]\napps:\n  - image: \"argoproj/rollouts-demo:*\"\n    startup: 2s..6s\nscript:\n  - wait: {{phase: Healthy}}\n  - setImage: argoproj/rollouts-demo:yellow\n",
        manifest.display()
    );
    for c in pairs {
        text.push_str(&format!("  - wait: {c}\n  - expect: {c}\n"));
    }
    text.push_str("  - wait: {phase: Paused, step: 1}\n");
    let (_dir, path) = write_temp("waits.yaml", &text);
    let sc = scenario::load(&path).expect("the scenario loads");
    let r = sim::run(&sc);
    assert!(r.passed(), "{:?}", r.failures);
    let checks = r
        .journal
        .iter()
        .filter(|e| matches!(&e.kind, sim::EntryKind::ExpectationChecked { ok: true, .. }))
        .count();
    // The first wait, then each pair, then the pause.
    assert_eq!(checks, 1 + 2 * pairs.len() + 1);
}
