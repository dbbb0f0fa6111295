//! `sweep`: variants are the cross product of the `--set` values, each run with the same
//! seeds; results do not depend on the number of threads; bad paths and invalid variants are
//! input errors naming the variant.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use rollout_sim::sweep;

const SCENARIO: &str = "scenarios/analysis-bad-canary-aborted.yaml";

fn path(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn sweep_with_threads(threads: usize) -> Vec<sweep::VariantResult> {
    let base = sweep::base(&path(SCENARIO)).unwrap();
    let sets = vec![
        sweep::parse_set("apps[0].errorRate=0.02,0.2").unwrap(),
        sweep::parse_set("rollout.spec.strategy.canary.steps[0].setWeight=10,30").unwrap(),
    ];
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| sweep::run(&base, &sets, 6, 100, &|| {}).unwrap())
}

#[test]
fn results_are_identical_across_thread_counts() {
    let one = sweep_with_threads(1);
    let four = sweep_with_threads(4);
    assert_eq!(one, four);
    assert_eq!(one.len(), 4);
    for v in &one {
        assert_eq!(v.runs.len(), 6);
        // Runs are in seed order, with the same seeds in every variant.
        let seeds: Vec<u64> = v.runs.iter().map(|r| r.seed).collect();
        assert_eq!(seeds, (100..106).collect::<Vec<_>>());
    }
}

#[test]
fn the_changed_values_change_the_outcomes() {
    let r = sweep_with_threads(2);
    let label = |i: usize| r[i].label();
    assert_eq!(
        label(0),
        "apps[0].errorRate=0.02 rollout.spec.strategy.canary.steps[0].setWeight=10"
    );
    // 20 % errors: every run is caught and aborted; 2 %: the 95 % threshold passes them.
    assert_eq!(r[2].count(sweep::Outcome::Aborted), 6, "{:?}", r[2]);
    assert_eq!(r[0].count(sweep::Outcome::Healthy), 6, "{:?}", r[0]);
    // A bigger first step sends more traffic to the bad canary before the abort.
    let failed = |v: &sweep::VariantResult| v.runs.iter().map(|x| x.failed).sum::<u64>();
    assert!(failed(&r[3]) > failed(&r[2]));
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rollout-sim")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn outputs_are_text_csv_json_and_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text, err) = cli(&[
        "sweep",
        SCENARIO,
        "--set",
        "apps[0].errorRate=0.02,0.2",
        "--runs",
        "3",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(text.starts_with("variant"), "{text}");
    assert_eq!(text.lines().count(), 3);
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert!(
        csv.starts_with("apps[0].errorRate,healthy,aborted,"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("sweep.json")).unwrap())
            .unwrap();
    assert_eq!(json["variants"].as_array().unwrap().len(), 2);
    let svg = std::fs::read_to_string(dir.path().join("sweep.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("time to done"));
    // Same command, same bytes.
    let (_, again, _) = cli(&[
        "sweep",
        SCENARIO,
        "--set",
        "apps[0].errorRate=0.02,0.2",
        "--runs",
        "3",
    ]);
    assert_eq!(again, text);
}

#[test]
fn bad_paths_and_invalid_variants_are_input_errors() {
    let (code, _, err) = cli(&["sweep", SCENARIO, "--set", "apps[9].errorRate=0.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("there is no element [9]"), "{err}");
    let (code, _, err) = cli(&[
        "sweep",
        SCENARIO,
        "--set",
        "rollout.spec.strategy.canary.steps[0].setWeight=20,120",
        "--runs",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("setWeight=120 is not a valid scenario")
            && err.contains("setWeight 120 is outside 0..100"),
        "{err}"
    );
    let (code, _, err) = cli(&["sweep", SCENARIO, "--set", "no-equals"]);
    assert_eq!(code, 2);
    assert!(err.contains("PATH=V1,V2"), "{err}");
}
