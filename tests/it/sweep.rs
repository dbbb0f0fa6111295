//! `sweep`: variants are the cross product of the `--set` values, each run with the same
//! seeds; results do not depend on the number of threads; bad paths and invalid variants are
//! input errors naming the variant (and the nearest keys, never an invented position); the
//! answers (checks held, steps and weights reached, with Wilson intervals); `--shard` parts
//! merged are byte for byte the whole sweep; a numeric range draws a detection curve.

use crate::common::crate_dir;
use crate::common::sim_parts as cli;

use rollout_sim::sweep;

const SCENARIO: &str = "scenarios/analysis-bad-canary-aborted.yaml";

fn sweep_with_threads(threads: usize) -> Vec<sweep::VariantResult> {
    let base = sweep::base(&crate_dir().join(SCENARIO)).unwrap();
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
    // The table of the two variants, then the answers.
    assert_eq!(text.split("\n\n").next().unwrap().lines().count(), 3);
    assert!(text.contains("95% interval"), "{text}");
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

const WHAT_IF: &str = "scenarios/what-if/steps-5-25-50-analysis.yaml";

#[test]
fn three_shards_merged_are_the_whole_sweep_byte_for_byte() {
    let dir = tempfile::TempDir::new().unwrap();
    let common = [
        "sweep",
        WHAT_IF,
        "--set",
        "apps[0].errorRate=0.005,0.02,0.05",
        "--runs",
        "5",
        "--seed",
        "3",
        "--quiet",
    ];
    let mut parts = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let mut args = common.to_vec();
        args.extend(["--shard", &shard, "--format", "json"]);
        let (code, out, err) = cli(&args);
        assert_eq!(code, 0, "{err}");
        // A shard holds only its slice: 15 pairs, 5 each.
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let runs: usize = doc["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["runs"].as_array().unwrap().len())
            .sum();
        assert_eq!(runs, 5, "shard {shard}");
        let file = dir.path().join(format!("part-{i}.json"));
        std::fs::write(&file, out).unwrap();
        parts.push(file.display().to_string());
    }
    // Parts in any order.
    parts.reverse();
    for format in ["text", "csv", "json"] {
        let mut whole = common.to_vec();
        whole.extend(["--format", format]);
        let (code, expected, err) = cli(&whole);
        assert_eq!(code, 0, "{err}");
        let mut merge = vec!["merge", "--format", format];
        merge.extend(parts.iter().map(String::as_str));
        let (code, merged, err) = cli(&merge);
        assert_eq!(code, 0, "{err}");
        assert_eq!(merged, expected, "merge --format {format}");
    }
    // A missing part, or one given twice, is refused.
    let (code, _, err) = cli(&["merge", &parts[0], &parts[1]]);
    assert_eq!(code, 2);
    assert!(err.contains("missing shard(s) 1/3"), "{err}");
    let (code, _, err) = cli(&["merge", &parts[0], &parts[0], &parts[1]]);
    assert_eq!(code, 2);
    assert!(err.contains("given twice"), "{err}");
    // A part whose shard number is outside 1..=N (0/3, 4/3, 0/0) is refused, even when the
    // three real parts are all there and the stray one holds no runs.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&parts[0]).unwrap()).unwrap();
    for (index, count) in [(4, 3), (0, 3), (0, 0)] {
        let mut stray = doc.clone();
        stray["shard"] = serde_json::json!({ "index": index, "count": count });
        for v in stray["variants"].as_array_mut().unwrap() {
            v["runs"] = serde_json::json!([]);
        }
        let file = dir.path().join(format!("stray-{index}-{count}.json"));
        std::fs::write(&file, stray.to_string()).unwrap();
        let file = file.display().to_string();
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        args.push(&file);
        let (code, out, err) = cli(&args);
        assert_eq!(code, 2, "shard {index}/{count} merged: {out}");
        assert!(
            err.contains(&format!("shard {index}/{count} is not a shard of a sweep")),
            "{err}"
        );
    }
    // A shard is only JSON.
    let mut text_shard = common.to_vec();
    text_shard.extend(["--shard", "1/3"]);
    let (code, _, err) = cli(&text_shard);
    assert_eq!(code, 2);
    assert!(err.contains("--format json"), "{err}");
}

#[test]
fn answers_say_how_often_checks_held_and_steps_were_reached() {
    let base = sweep::base(&crate_dir().join(WHAT_IF)).unwrap();
    let sets = vec![sweep::parse_set("apps[0].errorRate=0.005,0.05").unwrap()];
    let r = sweep::run(&base, &sets, 8, 1, &|| {}).unwrap();
    let answers = |v: &sweep::VariantResult| rollout_sim::output::sweep::answers(v);
    let find = |v: &sweep::VariantResult, q: &str| {
        answers(v)
            .into_iter()
            .find(|a| a.question == q)
            .unwrap_or_else(|| panic!("no answer {q}"))
    };
    // 0.5 % errors pass the 98 % analysis: every run reaches 50 %; 5 % is caught at 5 %.
    assert_eq!(find(&r[0], "weight 50").yes, 8);
    assert_eq!(find(&r[1], "weight 50").yes, 0);
    assert_eq!(find(&r[1], "weight 5").yes, 8);
    assert_eq!(find(&r[1], "step 2 (setWeight: 25)").yes, 0);
    assert_eq!(find(&r[1], "step 1 (analysis)").yes, 8);
    // The script's waits are checks; both hold in every run (Healthy or aborted ends it).
    assert_eq!(r[0].checks.len(), 2, "{:?}", r[0].checks);
    assert!(
        r[0].checks[0].starts_with("script[0] wait"),
        "{:?}",
        r[0].checks
    );
    let held = answers(&r[1]).into_iter().filter(|a| a.kind == "held");
    assert!(held.into_iter().all(|a| a.yes == 8));
    // The interval is Wilson's: 0 of 8 is 0 %..32.4 %.
    let (lo, hi) = find(&r[1], "weight 50").interval();
    assert_eq!(lo, 0.0);
    assert!((hi - 0.3244).abs() < 0.001, "{hi}");
    let (code, out, err) = cli(&[
        "sweep",
        WHAT_IF,
        "--set",
        "apps[0].errorRate=0.05",
        "--runs",
        "4",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("reached weight 25 before an abort") && out.contains("0/4"),
        "{out}"
    );
}

#[test]
fn a_misspelt_path_names_the_path_and_the_nearest_keys() {
    let (code, _, err) = cli(&[
        "sweep",
        WHAT_IF,
        "--set",
        "apps[0].errorRat=0.1",
        "--runs",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("apps[0].errorRat") && err.contains("errorRate"),
        "{err}"
    );
    // The variant is rewritten text: no line or column of it is shown.
    assert!(!err.contains(".yaml:"), "{err}");
    let (code, _, err) = cli(&[
        "sweep",
        WHAT_IF,
        "--set",
        "rollout.spec.strategy.canary.stepz[0].setWeight=1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("there is no `stepz` here; nearest keys here: `steps`"),
        "{err}"
    );
    // An index past the end says how long the list is.
    let (code, _, err) = cli(&[
        "sweep",
        "scenarios/rollouts-demo.yaml",
        "--set",
        "rollout.spec.strategy.canary.steps[20].setWeight=1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("there is no element [20] here; the list has 8 (use [0]..[7])"),
        "{err}"
    );
    // A misspelt last key is found by the loader; the problem is named by the path the user
    // wrote (`rollout.`), not by the place the demo's `manifests:` were inlined at.
    let (code, _, err) = cli(&[
        "sweep",
        "scenarios/rollouts-demo.yaml",
        "--set",
        "rollout.spec.strategy.canary.steps[0].setWeigth=1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "  rollout.spec.strategy.canary.steps[0].setWeigth: unknown key `setWeigth`; did you mean `setWeight`?"
        ),
        "{err}"
    );
    assert!(!err.contains("objects["), "{err}");
}

#[test]
fn a_numeric_range_draws_a_detection_curve() {
    let dir = tempfile::TempDir::new().unwrap();
    let out_dir = dir.path().join("out");
    let (code, out, err) = cli(&[
        "sweep",
        WHAT_IF,
        "--set",
        "apps[0].errorRate=0..0.05/3",
        "--runs",
        "4",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for value in ["errorRate=0 ", "errorRate=0.025", "errorRate=0.05"] {
        assert!(out.contains(value), "{value}: {out}");
    }
    let base = sweep::base(&crate_dir().join(WHAT_IF)).unwrap();
    let sets = vec![sweep::parse_set("apps[0].errorRate=0..0.05/3").unwrap()];
    let r = sweep::run(&base, &sets, 4, 1, &|| {}).unwrap();
    let curves = rollout_sim::output::sweep::detection(&r).expect("one numeric --set");
    // Aborted: never without errors, always at 5 %; before step 2 (25 %) likewise.
    assert_eq!(curves[0].0, "aborted");
    assert_eq!(curves[0].1.first().map(|p| p.1), Some(0));
    assert_eq!(curves[0].1.last().map(|p| p.1), Some(4));
    assert!(
        curves
            .iter()
            .any(|c| c.0.starts_with("aborted before step 2"))
    );
    let svg = std::fs::read_to_string(out_dir.join("sweep-detection.svg")).unwrap();
    assert!(
        svg.contains("detection curve") && svg.contains("aborted before step 2"),
        "svg"
    );
}

#[test]
fn a_failed_wait_does_not_count_against_the_checks_before_it() {
    // Two pods per node: the node failure leaves no room, the update never finishes.
    let base =
        sweep::base(&crate_dir().join("scenarios/what-if/node-failure-at-pause.yaml")).unwrap();
    let sets = vec![sweep::parse_set("cluster.podsPerNode=2,4").unwrap()];
    let r = sweep::run(&base, &sets, 3, 1, &|| {}).unwrap();
    let held = |v: &sweep::VariantResult, j: usize| v.runs.iter().filter(|x| x.held[j]).count();
    assert!(
        r[0].checks[0].starts_with("script[0] wait"),
        "{:?}",
        r[0].checks
    );
    assert!(
        r[0].checks[2].starts_with("script[5] wait"),
        "{:?}",
        r[0].checks
    );
    assert_eq!((held(&r[0], 0), held(&r[0], 2)), (3, 0));
    assert_eq!((held(&r[1], 0), held(&r[1], 2)), (3, 3));
}
