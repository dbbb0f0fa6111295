//! Analysis and traffic through the command line: the upstream example templates lint with
//! every unsimulated provider setting named, the event log carries AnalysisRun and
//! Measurement events, the summary reports requests and failures per version, runs with
//! traffic are deterministic per seed, and mistakes in templates or metric models are input
//! errors (exit code 2) that name the file, line and field.

use crate::common::{Outcome, examples_dir, sim, write_temp};
use std::fs;
use std::path::PathBuf;

use serde_json::Value;

const BAD_CANARY: &str = "scenarios/analysis-bad-canary-aborted.yaml";

#[test]
fn every_example_template_lints_and_names_what_is_not_simulated() {
    let mut files: Vec<PathBuf> = fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap();
            text.contains("kind: AnalysisTemplate")
                || text.contains("kind: ClusterAnalysisTemplate")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "expected the example templates, found {files:?}"
    );
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        // `lint` checks what `run` would run: a file of templates alone has no Rollout, so it
        // is given with the demo's Rollout, as a user gives templates next to their Rollout.
        let o = if text.contains("kind: Rollout") {
            sim(&["lint", f.to_str().unwrap()])
        } else {
            sim(&[
                "lint",
                "scenarios/manifests/rollouts-demo.yaml",
                f.to_str().unwrap(),
            ])
        };
        // The template documents themselves must never be the problem; the Rollouts next to
        // them (experiment steps included) lint cleanly too.
        let template_errors: Vec<&str> = o
            .stderr
            .lines()
            .filter(|l| l.contains(": error: ") && l.contains(".metrics["))
            .collect();
        assert!(
            template_errors.is_empty(),
            "{}: {template_errors:?}",
            f.display()
        );
        assert_eq!(o.code, 0, "{}\n{}", f.display(), o.stderr);
        // One note per metric, naming the provider and the settings that go unused.
        for provider in ["prometheus:", "job:", "web:"] {
            if text.contains(&format!("      {provider}"))
                || text.contains(&format!("        {provider}"))
            {
                let name = provider.trim_end_matches(':');
                // Notes are printed with the lint report, on stdout.
                assert!(
                    o.stdout.lines().any(|l| l.contains(": note: ")
                        && l.contains(&format!("the {name} provider is not simulated ("))
                        && l.contains("not used)")),
                    "{}: no note for {name}\n{}",
                    f.display(),
                    o.stdout
                );
            }
        }
    }
}

fn events(seed: &str) -> Vec<Value> {
    let o = sim(&["run", BAD_CANARY, "--format", "json", "--seed", seed]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn event_log_has_runs_measurements_and_traffic_per_version() {
    let ev = events("41");
    let kinds: Vec<&str> = ev.iter().filter_map(|e| e["kind"].as_str()).collect();
    for k in [
        "AnalysisRunCreated",
        "Measurement",
        "AnalysisRunCompleted",
        "Traffic",
    ] {
        assert!(kinds.contains(&k), "no {k} event");
    }
    let m = ev.iter().find(|e| e["kind"] == "Measurement").unwrap();
    assert_eq!(m["metric"], "success-rate");
    assert_eq!(m["phase"], "Failed");
    // A Prometheus value is a vector, printed as Argo prints it.
    let v = m["value"].as_str().unwrap();
    assert!(v.starts_with("[0.") && v.ends_with(']'), "{v}");
    let done = ev
        .iter()
        .find(|e| e["kind"] == "AnalysisRunCompleted")
        .unwrap();
    assert_eq!(done["phase"], "Failed");

    let status = &ev.last().unwrap()["status"];
    let traffic = status["traffic"].as_array().unwrap();
    assert_eq!(traffic.len(), 2, "{traffic:?}");
    let bad = traffic
        .iter()
        .find(|v| v["image"] == "example/checkout:1.5-bad")
        .unwrap();
    let good = traffic
        .iter()
        .find(|v| v["image"] == "example/checkout:1.4")
        .unwrap();
    let (bad_req, bad_failed) = (
        bad["requests"].as_u64().unwrap(),
        bad["failed"].as_u64().unwrap(),
    );
    let good_req = good["requests"].as_u64().unwrap();
    // 20 % errors on the canary, about 0.1 % on the stable; every request is accounted for.
    assert!(bad_failed * 100 > bad_req * 12 && bad_failed * 100 < bad_req * 28);
    assert!(good["failed"].as_u64().unwrap() * 100 < good_req);
    // The Traffic events add up to the summary.
    let summed: u64 = ev
        .iter()
        .filter(|e| e["kind"] == "Traffic")
        .flat_map(|e| e["versions"].as_array().unwrap().clone())
        .filter(|v| v["hash"] == bad["hash"])
        .map(|v| v["failed"].as_u64().unwrap())
        .sum();
    assert_eq!(summed, bad_failed);

    // The text summary says the same.
    let o = sim(&["run", BAD_CANARY]);
    let line = o
        .stdout
        .lines()
        .find(|l| l.contains("traffic example/checkout:1.5-bad"))
        .expect("a traffic line for the canary");
    assert!(
        line.contains(&format!("{bad_req} requests, {bad_failed} failed")),
        "{line}"
    );
}

#[test]
fn traffic_and_measurements_follow_the_seed() {
    let a = sim(&["run", BAD_CANARY, "--format", "json", "--seed", "5"]).stdout;
    let b = sim(&["run", BAD_CANARY, "--format", "json", "--seed", "5"]).stdout;
    assert_eq!(a, b, "same seed, same bytes");
    let failed = |log: &str| -> u64 {
        log.lines()
            .filter(|l| l.contains("\"kind\":\"Traffic\""))
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["versions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["failed"].as_u64().unwrap())
                    .sum::<u64>()
            })
            .sum()
    };
    let c = sim(&["run", BAD_CANARY, "--format", "json", "--seed", "6"]).stdout;
    assert_ne!(failed(&a), failed(&c), "another seed draws other failures");
}

/// Writes a scenario into a temporary folder and runs `test` on it.
fn test_text(text: &str) -> (Outcome, tempfile::TempDir) {
    let (dir, p) = write_temp("s.yaml", text);
    (sim(&["test", p.to_str().unwrap()]), dir)
}

const SCENARIO: &str = r#"name: t
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: rate}
    spec:
      metrics:
      - name: rate
        successCondition: result[0] >= 0.95
        provider:
          prometheus: {query: "up"}
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: app}
    spec:
      replicas: 2
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers: [{name: app, image: "app:1"}]
      strategy:
        canary:
          steps:
          - setWeight: 50
          - analysis: {templates: [{templateName: rate}]}
metrics:
  rate: {value: 1}
script:
  - wait: {phase: Healthy}
  - setImage: app:2
  - wait: {phase: Healthy, revision: 2}
"#;

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_base_scenario_passes() {
    let (o, _d) = test_text(SCENARIO);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn a_metric_without_a_model_is_named() {
    let text = SCENARIO.replace("  rate: {value: 1}\n", "  other: {value: 1}\n");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let want = format!("s.yaml:{}:", line_of(&text, "      - name: rate"));
    assert!(
        o.stderr
            .lines()
            .any(|l| l.contains(&want)
                && l.contains("metric `rate` (prometheus provider) has no model")),
        "{}",
        o.stderr
    );
}

#[test]
fn a_missing_template_is_named_where_it_is_referenced() {
    let text = SCENARIO.replace("templateName: rate}", "templateName: rates}");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let want = format!("s.yaml:{}:", line_of(&text, "templateName: rates"));
    assert!(
        o.stderr
            .lines()
            .any(|l| l.contains(&want) && l.contains("AnalysisTemplate `rates` not found")),
        "{}",
        o.stderr
    );
}

#[test]
fn an_unbounded_metric_in_a_step_is_refused() {
    let text = SCENARIO.replace(
        "      - name: rate\n",
        "      - name: rate\n        interval: 30s\n",
    );
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("runs indefinitely"), "{}", o.stderr);
}

#[test]
fn a_condition_that_does_not_compile_names_its_field() {
    let text = SCENARIO.replace("result[0] >= 0.95", "result[0] >= = 0.95");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let want = format!("s.yaml:{}:", line_of(&text, "successCondition"));
    assert!(
        o.stderr.lines().any(|l| l.contains(&want)
            && l.contains("spec.metrics[0].successCondition")
            && l.contains("does not compile")),
        "{}",
        o.stderr
    );
}

#[test]
fn a_traffic_model_without_traffic_is_refused() {
    let text = SCENARIO.replace("rate: {value: 1}", "rate: {successRate: canary}");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("add `traffic: {rps: 100}`"),
        "{}",
        o.stderr
    );
    let text = text.replace("\nmetrics:\n", "\ntraffic: {rps: 100}\nmetrics:\n");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn a_failing_value_aborts_the_update() {
    // The same scenario with the model answering 0.5: the analysis step fails and the
    // rollout aborts, so the wait for revision 2 to be Healthy fails (exit 1).
    let text = SCENARIO.replace("rate: {value: 1}", "rate: {value: 0.5}");
    let (o, _d) = test_text(&text);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("got Degraded"), "{}", o.stdout);
}

/// A Rollout with one analysis step over the template `TEMPLATE` (written below it).
fn rollout_with_step_analysis(template: &str) -> String {
    format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: guestbook}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: guestbook}}}}
  template:
    metadata: {{labels: {{app: guestbook}}}}
    spec:
      containers: [{{name: guestbook, image: "argoproj/rollouts-demo:blue"}}]
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis: {{templates: [{{templateName: checks}}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {{name: checks}}
spec:
{template}"#
    )
}

#[test]
fn impossible_metric_limits_are_a_note_for_lint_and_an_analysis_run_error() {
    // Argo's ValidateMetric runs in the analysis controller, not at admission: the template is
    // accepted and each run of it ends in Error with the rule's words.
    let text = rollout_with_step_analysis(
        "  metrics:
  - name: success-rate
    count: 5
    interval: 1m
    failureLimit: 3
    consecutiveSuccessLimit: 4
    provider:
      prometheus: {query: up}
",
    );
    let (_dir, p) = write_temp("r.yaml", &text);
    let rule = "count (5) must be >= failureLimit + consecutiveSuccessLimit (3 + 4) if both >= 0";
    let lint = sim(&["lint", p.to_str().unwrap()]);
    assert_eq!(lint.code, 0, "{}", lint.stderr);
    assert!(
        lint.stdout.contains(&format!(
            "note: spec.metrics[0]: metric `success-rate`: {rule}"
        )),
        "{}",
        lint.stdout
    );
    let run = sim(&["run", p.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("Error: Analysis spec invalid: metrics[0]: {rule}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Step-based analysis phase error/failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_dry_run_or_retention_rule_matching_no_metric_is_a_note_for_lint_and_a_run_error() {
    // Legal to write; GetDryRunMetrics / GetMeasurementRetentionMetrics refuse it when the
    // run starts, so lint says so and the run ends in Error.
    for (rule, kind) in [
        ("  dryRun: [{metricName: '^rate'}]\n", "dryRun[0]"),
        (
            "  measurementRetention: [{metricName: latency, limit: 5}]\n",
            "measurementRetention[0]",
        ),
    ] {
        let text = rollout_with_step_analysis(&format!(
            "{rule}  metrics:
  - name: success-rate
    provider:
      prometheus: {{query: up}}
"
        ));
        let (_dir, p) = write_temp("r.yaml", &text);
        let lint = sim(&["lint", p.to_str().unwrap()]);
        assert_eq!(lint.code, 0, "{}", lint.stderr);
        assert!(
            lint.stdout.contains(&format!(
                "{kind} matches none of the analysis's metrics (success-rate)"
            )),
            "{}",
            lint.stdout
        );
        let run = sim(&["run", p.to_str().unwrap()]);
        assert!(
            run.stdout.contains(&format!(
                "Analysis spec invalid: {kind}: Rule didn't match any metric name(s)"
            )),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_step_metric_running_indefinitely_is_refused_even_with_placeholders() {
    // Argo's rollout validation fills the placeholders before it looks at count and
    // interval; a condition written with `{{args.threshold}}` must not hide the problem.
    let text = rollout_with_step_analysis(
        "  args:
  - name: threshold
    value: '0.95'
  metrics:
  - name: success-rate
    interval: 15s
    successCondition: result[0] >= {{args.threshold}}
    provider:
      prometheus: {query: up}
",
    );
    let (_dir, p) = write_temp("r.yaml", &text);
    let lint = sim(&["lint", p.to_str().unwrap()]);
    assert_eq!(lint.code, 2, "{}{}", lint.stdout, lint.stderr);
    assert!(
        lint.stderr.contains(
            "metric `success-rate` runs indefinitely (interval without count), which only \
             background analysis allows"
        ),
        "{}",
        lint.stderr
    );
}

#[test]
fn a_refused_analysis_does_not_make_its_metrics_unknown_to_metric_flags() {
    // Two templates with the same dry-run rule: the analysis is refused for that, and for that
    // alone; `--metric` naming one of its metrics is not a second, false, error.
    let text = rollout_with_step_analysis(
        "  metrics:
  - name: random-fail
    provider:
      prometheus: {query: up}
  dryRun:
  - metricName: random-fail
",
    )
    .replace(
        "templates: [{templateName: checks}]",
        "templates: [{templateName: checks}], dryRun: [{metricName: random-fail}]",
    );
    let (_dir, p) = write_temp("r.yaml", &text);
    let o = sim(&["run", p.to_str().unwrap(), "--metric", "random-fail=fail"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("two Dry-Run metric rules have the same name 'random-fail'"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("--metric random-fail"), "{}", o.stderr);
}

/// The measurement lines of metric `metric` in a timeline: `(time, phase)`.
fn measurements_of(stdout: &str, metric: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter(|l| l.contains(" Measurement ") && l.contains(&format!(" {metric}: ")))
        .map(|l| {
            let time = l.split_whitespace().next().unwrap_or_default().to_string();
            let phase = l.rsplit(": ").next().unwrap_or_default().to_string();
            (time, phase)
        })
        .collect()
}

#[test]
fn metric_override_of_a_job_changes_its_verdict_not_its_timing() {
    let dir = "tests/fixtures/upstream-e2e/functional";
    let inputs = [
        format!("{dir}/rollout-degraded-inline-multiple-analysis.yaml"),
        format!("{dir}/analysistemplate-fail-multiple-job.yaml"),
    ];
    let plain = sim(&["run", &inputs[0], &inputs[1]]);
    let failed = sim(&[
        "run",
        &inputs[0],
        &inputs[1],
        "--metric",
        "sleep-job-rep=fail",
    ]);
    let (plain, failed) = (
        measurements_of(&plain.stdout, "sleep-job-rep"),
        measurements_of(&failed.stdout, "sleep-job-rep"),
    );
    assert!(plain.len() >= 2, "{plain:?}");
    assert!(plain.iter().all(|(_, p)| p == "Successful"), "{plain:?}");
    // The same Jobs, ending at the same instants, now Failed (two failures abort).
    let times = |v: &[(String, String)]| v.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    assert_eq!(times(&failed), times(&plain)[..failed.len()]);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed.iter().all(|(_, p)| p == "Failed"), "{failed:?}");
}

#[test]
fn a_condition_naming_a_variable_argo_lacks_is_accepted_and_errors_each_measurement() {
    let text = SCENARIO.replace("result[0] >= 0.95", "results[0] >= 0.95");
    let (o, _d) = test_text(&text);
    // Accepted: the run shows the Error measurements (and so fails this scenario's checks).
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let (_d, p) = write_temp("s.yaml", &text);
    let o = sim(&["lint", p.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let want = format!("s.yaml:{}:", line_of(&text, "successCondition"));
    assert!(
        o.stdout.lines().any(|l| l.contains(&want)
            && l.contains("note: ")
            && l.contains("unknown name `results`")
            && l.contains("each measurement of `rate` ends in Error")),
        "{}",
        o.stdout
    );
}
