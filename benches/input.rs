//! Benchmarks of the YAML reader on hostile inputs: a mapping of 30,000 keys (read, and
//! refused for a duplicate at its end), nested anchors with no alias, an alias bomb, and two
//! 50 KB files whose aliases expand quadratically (one of them inside a Rollout, read by the
//! manifest reader). Each must cost time linear in the file; the tests (`tests/it/bad_inputs.rs`)
//! assert the outcomes, these measure the time.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use rollout_sim::input::yaml::parse_documents;
use rollout_sim::manifest::parse_text;

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

// The two generators below are the inputs of `quadratic_alias_expansion_is_refused` in
// tests/it/bad_inputs.rs, written again here because a bench cannot reach test code; the test
// checks their size, so a drift between the copies shows there.

/// About 50 KB: each anchor is a list holding the previous one and one more value, so the
/// expanded size grows quadratically with the number of lines (a few million values).
fn quadratic_aliases() -> String {
    let mut s = String::from("a0: &a0 [x]\n");
    let mut i = 1;
    while s.len() < 50_000 {
        s.push_str(&format!("a{i}: &a{i} [*a{}, x]\n", i - 1));
        i += 1;
    }
    s
}

/// Anchors that each refer to every earlier anchor once, inside a Rollout's annotations.
fn quadratic_aliases_in_rollout() -> String {
    let mut s = String::from(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: bomb\n  annotations:\n",
    );
    s.push_str("    k0: &k0 [v]\n");
    let mut i = 1;
    while s.len() < 50_000 {
        s.push_str(&format!("    k{i}: &k{i} [*k{}, *k0, v]\n", i - 1));
        i += 1;
    }
    s.push_str("spec:\n  replicas: 1\n");
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
    let quadratic = quadratic_aliases();
    g.bench_function("quadratic_aliases_50kb_refused", |b| {
        b.iter(|| black_box(parse_documents("t.yaml", &quadratic).expect_err("refused")))
    });
    let in_rollout = quadratic_aliases_in_rollout();
    g.bench_function("quadratic_aliases_in_rollout_50kb_refused", |b| {
        b.iter(|| black_box(parse_text("t.yaml", &in_rollout).expect_err("refused")))
    });
    g.finish();
}

criterion_group!(benches, yaml);
criterion_main!(benches);
