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

/// Scale with realistic start-up: `benches/scale-staggered-N.yaml`, pods starting in 5 s to
/// 30 s each and `maxSurge: 10%`, so every pod becomes ready at its own instant and the stable
/// ReplicaSet is scaled down pod by pod (ten setWeight steps over two hours, 10,000 requests
/// per second, analysis every 30 s); and `plan` of the 10,000-replica update.
fn scale_staggered(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale_staggered");
    g.sample_size(10);
    for n in [1_000u32, 10_000, 100_000] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/scale-staggered-{n}.yaml"));
        let sc = scenario::load(&path).expect("the scale scenario loads");
        g.bench_function(format!("canary_2h_{n}_replicas"), |b| {
            b.iter(|| black_box(sim::run(black_box(&sc))))
        });
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scale-staggered-10000.yaml");
    let sc = scenario::load(&path).expect("the scale scenario loads");
    g.bench_function("plan_10000_replicas", |b| {
        b.iter(|| {
            black_box(
                rollout_sim::plan::plan(black_box(&sc), &rollout_sim::plan::PlanOptions::default())
                    .expect("plans"),
            )
        })
    });
    g.finish();
}

/// The simulation's cost per event against the bare event queue's: the demo run's wall time
/// divided by the events it processes, over one push and one pop of the queue (both medians of
/// measurements taken in turn in this process), printed as a ratio. Criterion times the two parts
/// too (`per_event/*`), for the record.
#[allow(
    clippy::disallowed_methods,
    reason = "this bench times runs itself to print a per-event figure; wall time is what it measures"
)]
fn per_event(c: &mut Criterion) {
    use rollout_sim::engine::{EventQueue, SimTime};
    use std::time::Instant;
    const N: u64 = 100_000;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/rollouts-demo.yaml");
    let sc = scenario::load(&path).expect("the demo scenario loads");
    let queue_round = || {
        let mut q = EventQueue::new();
        for i in 0..N {
            q.push(SimTime(i.wrapping_mul(7_919) % 30_011), i);
        }
        let mut sum = 0u64;
        while let Some((_, e)) = q.pop_due(SimTime(u64::MAX)) {
            sum = sum.wrapping_add(e);
        }
        black_box(sum)
    };
    let mut g = c.benchmark_group("per_event");
    g.bench_function("rollouts_demo_run", |b| {
        b.iter(|| black_box(sim::run(black_box(&sc))))
    });
    g.bench_function("event_queue_push_pop_100k", |b| b.iter(queue_round));
    g.finish();

    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let events = sim::run(&sc).events;
    // Interleaved: one queue round, then ten demo runs, 31 times over. On a machine shared
    // with other work the load moves within seconds; measured one after the other, the two
    // medians would see different loads and their ratio would swing with it.
    let (mut demo, mut queue) = (Vec::new(), Vec::new());
    for _ in 0..31 {
        let t = Instant::now();
        queue_round();
        queue.push(t.elapsed().as_nanos() as f64);
        for _ in 0..10 {
            let t = Instant::now();
            black_box(sim::run(black_box(&sc)));
            demo.push(t.elapsed().as_nanos() as f64);
        }
    }
    let (demo_ns, queue_ns) = (median(demo), median(queue));
    let per_event = demo_ns / events as f64;
    let per_queue_event = queue_ns / N as f64;
    println!(
        "per_event: the demo run takes {:.1} µs for {events} events, {per_event:.0} ns per event; \
         the bare queue {per_queue_event:.1} ns per push+pop; ratio {:.1}",
        demo_ns / 1000.0,
        per_event / per_queue_event
    );
}

criterion_group!(
    benches,
    demo,
    demo_with_traffic,
    analysis_with_traffic,
    sweep_runs,
    engine_events,
    scale,
    scale_staggered,
    per_event
);
criterion_main!(benches);
