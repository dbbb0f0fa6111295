//! Benchmarks of `run --out`'s pictures: building the series and drawing the charts of the
//! demo (SVG and PNG), and every artifact of an hour-long run with traffic and analysis.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

use rollout_sim::output::artifacts;
use rollout_sim::output::charts::{self, ChartInput};
use rollout_sim::scenario;
use rollout_sim::sim;

fn load_and_run(file: &str) -> (scenario::Scenario, sim::RunResult) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sc = scenario::load(&path).expect("the scenario loads");
    let result = sim::run(&sc);
    (sc, result)
}

fn demo(c: &mut Criterion) {
    let (sc, result) = load_and_run("scenarios/rollouts-demo.yaml");
    let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(&sc));
    c.bench_function("rollouts_demo_series", |b| {
        b.iter(|| {
            black_box(ChartInput::new(
                &result.journal,
                &sc.name,
                Default::default(),
            ))
        })
    });
    c.bench_function("rollouts_demo_charts_svg", |b| {
        b.iter(|| {
            for kind in charts::kinds(&input) {
                black_box(charts::svg(kind, &input).expect("renders"));
            }
        })
    });
    let dir = tempfile::TempDir::new().expect("temp dir");
    c.bench_function("rollouts_demo_charts_png", |b| {
        b.iter(|| {
            for kind in charts::kinds(&input) {
                let path = dir.path().join(format!("{}.png", kind.stem()));
                charts::png(kind, &input, &path).expect("renders");
            }
        })
    });
    c.bench_function("rollouts_demo_all_artifacts", |b| {
        b.iter(|| artifacts::write_all(dir.path(), &sc, sc.seed, &result, "").expect("writes"))
    });
}

fn hour(c: &mut Criterion) {
    let (sc, result) = load_and_run("benches/hour-of-traffic.yaml");
    let dir = tempfile::TempDir::new().expect("temp dir");
    c.bench_function("hour_of_traffic_all_artifacts", |b| {
        b.iter(|| artifacts::write_all(dir.path(), &sc, sc.seed, &result, "").expect("writes"))
    });
}

criterion_group!(benches, demo, hour);
criterion_main!(benches);
