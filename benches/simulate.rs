//! Benchmarks of whole runs: how long the bundled demo takes in wall time (it covers almost two
//! minutes of virtual time).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

use rollout_sim::scenario;
use rollout_sim::sim;

fn demo(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/rollouts-demo.yaml");
    let sc = scenario::load(&path).expect("the demo scenario loads");
    c.bench_function("rollouts_demo_run", |b| {
        b.iter(|| black_box(sim::run(black_box(&sc))))
    });
    c.bench_function("rollouts_demo_load_and_run", |b| {
        b.iter(|| {
            let sc = scenario::load(black_box(&path)).expect("loads");
            black_box(sim::run(&sc))
        })
    });
}

criterion_group!(benches, demo);
criterion_main!(benches);
