//! Benchmarks of whole runs: how long the bundled demo takes in wall time (it covers almost two
//! minutes of virtual time), and runs with analysis over simulated traffic.

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

/// Analysis with traffic: an hour-long canary with background analysis every 30 s over 200
/// requests per second, aggregated per 1 s tick (3,600 ticks, 120 measurements).
fn analysis_with_traffic(c: &mut Criterion) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/analysis-good-canary-promoted.yaml");
    let sc = scenario::load(&path).expect("the scenario loads");
    c.bench_function("analysis_good_canary_run", |b| {
        b.iter(|| black_box(sim::run(black_box(&sc))))
    });
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/hour-of-traffic.yaml");
    let sc = scenario::load(&path).expect("the hour scenario loads");
    c.bench_function("hour_of_traffic_with_background_analysis", |b| {
        b.iter(|| black_box(sim::run(black_box(&sc))))
    });
}

/// One run of the demo with 100 requests per second of traffic (1 s ticks).
fn demo_with_traffic(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/demo-with-traffic.yaml");
    let sc = scenario::load(&path).expect("the bench scenario loads");
    c.bench_function("rollouts_demo_with_traffic_run", |b| {
        b.iter(|| black_box(sim::run(black_box(&sc))))
    });
}

/// `sweep` throughput: the demo with 100 requests per second, 2 variants × 8 seeds (16 runs)
/// per iteration, in parallel as the command runs them.
fn sweep_runs(c: &mut Criterion) {
    use rollout_sim::sweep;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/demo-with-traffic.yaml");
    let base = sweep::base(&path).expect("the bench scenario loads");
    let sets = vec![sweep::parse_set("apps[0].startup=2s..6s,4s..8s").expect("a valid --set")];
    c.bench_function("sweep_demo_with_traffic_16_runs", |b| {
        b.iter(|| black_box(sweep::run(&base, &sets, 8, 1, &|| {}).expect("runs")))
    });
}

/// The engine alone: 100,000 events pushed at scattered times, then all popped, per iteration
/// (throughput in events per second).
fn engine_events(c: &mut Criterion) {
    use criterion::Throughput;
    use rollout_sim::engine::{EventQueue, SimTime};
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(N));
    g.bench_function("event_queue_push_pop_100k", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            for i in 0..N {
                // Scattered over ~30 s of virtual time with many ties.
                q.push(SimTime(i.wrapping_mul(7_919) % 30_011), i);
            }
            let mut sum = 0u64;
            while let Some((_, e)) = q.pop_due(SimTime(u64::MAX)) {
                sum = sum.wrapping_add(e);
            }
            black_box(sum)
        })
    });
    g.finish();
}

/// Scale: a 100-, 1,000- and 10,000-replica canary with 10 steps over two hours of virtual
/// time, 10,000 requests per second and analysis every 30 s (`benches/scale-*.yaml`).
fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale");
    g.sample_size(10);
    for n in [100u32, 1_000, 10_000] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/scale-{n}.yaml"));
        let sc = scenario::load(&path).expect("the scale scenario loads");
        g.bench_function(format!("canary_2h_{n}_replicas"), |b| {
            b.iter(|| black_box(sim::run(black_box(&sc))))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    demo,
    demo_with_traffic,
    analysis_with_traffic,
    sweep_runs,
    engine_events,
    scale
);
criterion_main!(benches);
