//! Benchmarks of the YAML reader on hostile inputs: a mapping of 30,000 keys (read, and
//! refused for a duplicate at its end), nested anchors with no alias, and an alias bomb. Each
//! must cost time linear in the file; the tests assert the outcomes, these measure the time.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use rollout_sim::input::yaml::parse_documents;

fn keys(n: usize) -> String {
    (0..n).map(|i| format!("key{i}: {i}\n")).collect()
}

/// `&a0 [&a1 [... [x, x, ...]]]`: every level copies what is under it.
fn nested_anchors(levels: usize, leaves: usize) -> String {
    let mut s: String = (0..levels).map(|i| format!("&a{i} [")).collect();
    s.push_str(&vec!["x"; leaves].join(", "));
    s.push_str(&"]".repeat(levels));
    s
}

/// Each anchor is a list of ten aliases of the previous one: 10^9 values if expanded.
fn alias_bomb() -> String {
    let mut s = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        s.push_str(&format!(
            "l{i}: &l{i} [{}]\n",
            vec![format!("*l{}", i - 1); 10].join(", ")
        ));
    }
    s
}

fn yaml(c: &mut Criterion) {
    let mut g = c.benchmark_group("yaml");
    g.sample_size(20);
    let distinct = keys(30_000);
    g.bench_function("mapping_30000_keys", |b| {
        b.iter(|| black_box(parse_documents("t.yaml", &distinct).expect("parses")))
    });
    let duplicate = format!("{distinct}key0: again\n");
    g.bench_function("mapping_30000_keys_duplicate_at_end", |b| {
        b.iter(|| black_box(parse_documents("t.yaml", &duplicate).expect_err("refused")))
    });
    let nested = nested_anchors(100, 20_000);
    g.bench_function("nested_anchors_no_alias_refused", |b| {
        b.iter(|| black_box(parse_documents("t.yaml", &nested).expect_err("refused")))
    });
    let bomb = alias_bomb();
    g.bench_function("alias_bomb_refused", |b| {
        b.iter(|| black_box(parse_documents("t.yaml", &bomb).expect_err("refused")))
    });
    g.finish();
}

criterion_group!(benches, yaml);
criterion_main!(benches);
