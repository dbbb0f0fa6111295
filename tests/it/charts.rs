//! The pictures and report of `run --out`, from whole runs:
//!
//! * golden files (insta snapshots under `tests/snapshots/`) of the demo's `series.csv` and of
//!   its SVG charts — any change to a chart shows up as a reviewable diff;
//! * determinism: two runs of one scenario give byte-identical SVG, PNG, CSV and HTML;
//! * what each chart shows (step labels, thresholds), which charts a run gets, and that every
//!   scenario of the suite charts without error;
//! * `run --out DIR` writes every file, quietly, and `report.html` is self-contained with all
//!   scenario text escaped.

use crate::common::scenario_path;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rollout_sim::output::charts::{self, ChartInput, Kind};
use rollout_sim::output::series;
use rollout_sim::scenario::Scenario;
use rollout_sim::sim::RunResult;
use tempfile::TempDir;

fn run(name: &str) -> (Scenario, RunResult, ChartInput) {
    let sc = rollout_sim::scenario::load(&scenario_path(name)).expect("scenario loads");
    let result = rollout_sim::sim::run(&sc);
    let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(&sc));
    (sc, result, input)
}

fn svg_of(name: &str, kind: Kind) -> String {
    let (_, _, input) = run(name);
    charts::svg(kind, &input).expect("chart renders")
}

#[test]
fn demo_series_csv_snapshot() {
    let (_, _, input) = run("rollouts-demo.yaml");
    insta::assert_snapshot!("rollouts_demo_series_csv", series::to_csv(&input.series));
}

#[test]
fn demo_weight_svg_snapshot() {
    insta::assert_snapshot!(
        "rollouts_demo_weight_svg",
        svg_of("rollouts-demo.yaml", Kind::Weight)
    );
}

#[test]
fn demo_pods_svg_snapshot() {
    insta::assert_snapshot!(
        "rollouts_demo_pods_svg",
        svg_of("rollouts-demo.yaml", Kind::Pods)
    );
}

#[test]
fn demo_charts_are_weight_and_pods_only() {
    let (_, _, input) = run("rollouts-demo.yaml");
    assert_eq!(charts::kinds(&input), vec![Kind::Weight, Kind::Pods]);
}

#[test]
fn analysis_with_traffic_gets_every_chart() {
    let (_, _, input) = run("analysis-bad-canary-aborted.yaml");
    assert_eq!(
        charts::kinds(&input),
        vec![Kind::Weight, Kind::Pods, Kind::Traffic, Kind::Analysis]
    );
}

#[test]
fn blue_green_has_no_weight_chart() {
    let (_, _, input) = run("bluegreen-manual-promotion.yaml");
    assert!(!charts::kinds(&input).contains(&Kind::Weight));
}

#[test]
fn weight_chart_labels_every_step_boundary_that_ran() {
    let svg = svg_of("rollouts-demo.yaml", Kind::Weight);
    for label in [
        "rev 2: setWeight: 20",
        "pause → setWeight: 40",
        "pause: 45s",
        "setWeight: 60",
        "pause: 20s",
        "setWeight: 80",
        "pause: 10s",
        "rev 3: setWeight: 20",
    ] {
        assert!(
            svg.contains(&format!("\n{label}\n")),
            "missing label {label}"
        );
    }
    // The initial deploy skips its steps in the instant they start: no boundary there.
    assert!(!svg.contains("rev 1:"));
}

/// A pause that `promote` skips in the instant the rollout reaches it still started: the
/// chart marks it as it marks a step completed at once (and as the step table lists it).
#[test]
fn weight_chart_labels_a_step_promoted_past_as_it_starts() {
    let scenario = r#"
name: promoted-at-once
seed: 3
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: guestbook}
    spec:
      replicas: 4
      selector: {matchLabels: {app: guestbook}}
      template:
        metadata: {labels: {app: guestbook}}
        spec:
          containers: [{name: guestbook, image: "argoproj/rollouts-demo:blue"}]
      strategy:
        canary:
          steps:
          - setWeight: 25
          - pause: {}
apps:
  - image: "argoproj/rollouts-demo:*"
    startup: 3s
script:
  - wait: {phase: Healthy}
  - setImage: argoproj/rollouts-demo:yellow
  - wait: {step: 1}
  - promote: {}
  - wait: {phase: Healthy, revision: 2}
"#;
    let (_dir, path) = crate::common::write_temp("promoted-at-once.yaml", scenario);
    let sc = rollout_sim::scenario::load(&path).expect("scenario loads");
    let result = rollout_sim::sim::run(&sc);
    let spans = rollout_sim::output::steps::spans(&result.journal);
    let pause = spans
        .iter()
        .find(|s| s.text == "pause")
        .expect("the pause ran");
    assert_eq!(pause.ended(), Some(pause.started), "{spans:?}");
    let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(&sc));
    let svg = charts::svg(Kind::Weight, &input).expect("chart renders");
    assert!(svg.contains("\nrev 2: setWeight: 25\n"), "{svg}");
    assert!(svg.contains("\npause\n"), "no label for the pause");
}

#[test]
fn analysis_chart_draws_the_threshold_of_a_simple_condition() {
    let svg = svg_of("analysis-bad-canary-aborted.yaml", Kind::Analysis);
    assert!(svg.contains("success: result[0] &gt;= 0.95"));
    let svg = svg_of("analysis-inconclusive-pause.yaml", Kind::Analysis);
    assert!(svg.contains("success: result &gt;= 0.99"));
    assert!(svg.contains("failure: result &lt; 0.95"));
}

#[test]
fn legends_name_replica_sets_by_revision_and_image() {
    let svg = svg_of("rollouts-demo.yaml", Kind::Pods);
    for label in [
        "rev 1 (argoproj/rollouts-demo:blue)",
        "rev 2→4 (argoproj/rollouts-demo:yellow)",
        "rev 3 (argoproj/rollouts-demo:red)",
    ] {
        assert!(svg.contains(label), "missing legend {label}");
    }
}

fn out_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn run_out(scenario: &Path, dir: &Path) -> std::process::Output {
    Command::cargo_bin("rollout-sim")
        .unwrap()
        .args(["run", "--out"])
        .arg(dir)
        .arg(scenario)
        .output()
        .unwrap()
}

#[test]
fn run_out_writes_every_file_quietly_and_identically_twice() {
    let tmp = TempDir::new().unwrap();
    let scenario = scenario_path("analysis-bad-canary-aborted.yaml");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let first = run_out(&scenario, &a);
    let second = run_out(&scenario, &b);
    assert!(first.status.success(), "{first:?}");
    assert!(first.stderr.is_empty(), "run --out printed to stderr");
    assert_eq!(first.stdout, second.stdout);
    let files = out_files(&a);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "analysis.png",
            "analysis.svg",
            "events.jsonl",
            "pods.png",
            "pods.svg",
            "report.html",
            "series.csv",
            "traffic.png",
            "traffic.svg",
            "weight.png",
            "weight.svg",
        ]
    );
    for (name, bytes) in &files {
        if name.ends_with(".png") {
            assert!(
                bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{name} is not a PNG"
            );
        }
        if name.ends_with(".svg") {
            assert!(
                String::from_utf8_lossy(bytes).starts_with("<svg "),
                "{name}"
            );
        }
    }
    assert_eq!(files, out_files(&b), "two runs wrote different bytes");
}

/// The demo scenario with some text replaced, written into `dir` (its manifest by absolute
/// path, so the copy runs from anywhere).
fn demo_variant(dir: &Path, file: &str, edits: &[(&str, &str)]) -> PathBuf {
    let manifest = scenario_path("manifests/rollouts-demo.yaml");
    let mut text = fs::read_to_string(scenario_path("rollouts-demo.yaml"))
        .unwrap()
        .replace(
            "  - manifests/rollouts-demo.yaml",
            &format!("  - {}", manifest.display()),
        );
    for (from, to) in edits {
        assert!(text.contains(from), "the demo no longer contains {from}");
        text = text.replace(from, to);
    }
    let path = dir.join(file);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn report_is_self_contained_and_escapes_scenario_text() {
    let tmp = TempDir::new().unwrap();
    let scenario = demo_variant(
        tmp.path(),
        "escape.yaml",
        &[
            ("name: rollouts-demo\n", "name: \"demo <b>&amp;</b>\"\n"),
            (
                "description: >-\n",
                "description: >-\n  <script>alert('x')</script> \"quoted\" &\n",
            ),
        ],
    );
    let out = tmp.path().join("out");
    let o = run_out(&scenario, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h1>demo &lt;b&gt;&amp;amp;&lt;/b&gt;</h1>"));
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;quoted&quot; &amp;")
    );
    let lower = html.to_lowercase();
    for banned in ["<link", "src=", "@import", "url(", "https:"] {
        assert!(!lower.contains(banned), "report.html contains {banned}");
    }
    // Two scripts, both inline and the report's own: the slider's data and its code.
    assert_eq!(lower.matches("<script").count(), 2);
    assert!(html.contains("<script type=\"application/json\" id=\"moment-data\">"));
    // The only URLs are SVG namespaces, which browsers never fetch.
    assert_eq!(
        lower.matches("http:").count(),
        lower
            .matches("xmlns=\"http://www.w3.org/2000/svg\"")
            .count()
    );
    for section in [
        "id=\"result\"",
        "id=\"charts\"",
        "id=\"moment\"",
        "id=\"steps\"",
        "id=\"analysis\"",
        "id=\"timeline\"",
        "@media print",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
}

#[test]
fn failed_checks_are_listed_in_the_report() {
    let tmp = TempDir::new().unwrap();
    let scenario = demo_variant(
        tmp.path(),
        "failing.yaml",
        &[("expect: {setWeight: 40,", "expect: {setWeight: 45,")],
    );
    let out = tmp.path().join("out");
    let o = run_out(&scenario, &out);
    assert_eq!(o.status.code(), Some(1));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<p class=\"verdict failed\">FAILED</p>"));
    assert!(html.contains("<h3>Failed checks</h3>"));
    assert!(html.contains("setWeight"));
}

/// Every scenario of the suite, whatever its strategy or faults, charts without an error.
#[test]
fn every_scenario_charts() {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/upstream"] {
        for e in fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut charted = 0;
    for f in files {
        let Ok(sc) = rollout_sim::scenario::load(&f) else {
            continue;
        };
        if sc.from_manifest {
            continue;
        }
        let result = rollout_sim::sim::run(&sc);
        let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(&sc));
        for kind in charts::kinds(&input) {
            let svg = charts::svg(kind, &input).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(svg.ends_with("</svg>\n"), "{}: {kind:?}", f.display());
        }
        charted += 1;
    }
    assert!(charted > 30, "only {charted} scenarios charted");
}

/// A canary left at an indefinite pause with traffic flowing: the run only ends when nothing
/// but traffic is left, ten minutes later.
const STUCK: &str = r#"
name: stuck-at-pause
seed: 1
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: svc}
    spec:
      replicas: 5
      selector: {matchLabels: {app: svc}}
      template:
        metadata: {labels: {app: svc}}
        spec:
          containers: [{name: svc, image: "example/svc:1"}]
      strategy:
        canary:
          steps: [{setWeight: 20}, {pause: {duration: 1m}}, {setWeight: 40}, {pause: {}}]
apps: [{image: "example/svc:*", startup: 5s}]
traffic: {rps: 20}
script:
  - wait: {phase: Healthy}
  - setImage: example/svc:2
  - wait: {phase: Healthy, revision: 2}
"#;

#[test]
fn charts_of_a_timed_out_run_frame_the_update_not_the_idle_tail() {
    let dir = TempDir::new().unwrap();
    let sc = rollout_sim::scenario::load_text(
        &dir.path().join("stuck.yaml"),
        STUCK,
        &rollout_sim::scenario::LoadOptions::default(),
    )
    .expect("scenario loads");
    let result = rollout_sim::sim::run(&sc);
    let input = ChartInput::new(&result.journal, &sc.name, charts::conditions_of(&sc));
    let (settled, end) = (
        input.settled().as_secs_f64(),
        input.series.end().as_secs_f64(),
    );
    // It settles when the indefinite pause starts (about 75 s), long before the run ends.
    assert!((60.0..120.0).contains(&settled), "settled at {settled}");
    assert!(end > 600.0, "run ended at {end}");
    let framed = input.framed();
    let edge = framed.series.end().as_secs_f64();
    assert!(
        edge > settled && edge <= settled + 30.0,
        "frame ends at {edge}"
    );
    // The axis stops there; series.csv still has every tick.
    let svg = charts::svg(Kind::Traffic, &input).unwrap();
    assert!(svg.contains("\n01:00\n") && !svg.contains("\n05:00\n"));
    let csv = series::to_csv(&input.series);
    assert!(csv.lines().count() > 600, "csv keeps the whole run");
}
