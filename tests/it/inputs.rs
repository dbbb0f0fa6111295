//! Running manifests as users have them: several files, folders, standard input (Helm and
//! kustomize output), several Rollouts, metrics with no model, Services left out, long bakes;
//! `lint` as the gate in front of `run`; `test` skipping what is not a scenario.

use crate::common::{Outcome, bin_command, crate_dir, sim, sim_in};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// `rollout-sim ARGS` with `input` on standard input.
fn sim_stdin(args: &[&str], input: &str) -> Outcome {
    let mut child = bin_command(crate_dir(), args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_string();
    // Written from another thread so a large input cannot deadlock against a full stdout.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("runs");
    writer.join().expect("writer");
    Outcome::from_output(out)
}

fn assert_code(o: &Outcome, code: i32, what: &str) {
    assert_eq!(
        o.code, code,
        "{what}: exit {}\nstdout:\n{}\nstderr:\n{}",
        o.code, o.stdout, o.stderr
    );
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(crate_dir().join(rel)).expect("readable")
}

const BASIC: &str = "examples/getting-started/basic";
const NGINX: &str = "examples/getting-started/nginx";
const BLUEGREEN: &str = "examples/getting-started/bluegreen";
const PROMETHEUS: &str = "examples/analysis-prometheus";

// ---------------------------------------------------------------------------------------------
// Input styles
// ---------------------------------------------------------------------------------------------

#[test]
fn several_files_given_together_run_to_healthy() {
    let o = sim(&[
        "run",
        &format!("{BASIC}/rollout.yaml"),
        &format!("{BASIC}/service.yaml"),
    ]);
    assert_code(&o, 0, "run rollout.yaml service.yaml");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
    // The given Service is used: nothing is created.
    assert!(!o.stderr.contains("created"), "{}", o.stderr);
}

#[test]
fn the_getting_started_rollouts_run_to_healthy() {
    // Files named one by one, as `kubectl apply -f a -f b -f c`.
    for (dir, files) in [
        (BASIC, vec!["rollout.yaml", "service.yaml"]),
        (NGINX, vec!["rollout.yaml", "services.yaml", "ingress.yaml"]),
        (BLUEGREEN, vec!["rollout.yaml", "services.yaml"]),
    ] {
        let mut args = vec!["run".to_string()];
        args.extend(files.iter().map(|f| format!("{dir}/{f}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = sim(&args);
        assert_code(&o, 0, &args.join(" "));
        assert!(o.stdout.contains("status: Healthy"), "{dir}\n{}", o.stdout);
        assert!(o.stdout.contains("(revision 2)"), "{dir}\n{}", o.stdout);
        // lint says so first, from the same inputs.
        let mut lint = args.clone();
        lint[0] = "lint";
        assert_code(&sim(&lint), 0, &lint.join(" "));
    }
}

#[test]
fn a_folder_is_searched_and_extra_kinds_are_skipped_with_a_note() {
    let o = sim(&["run", NGINX]);
    assert_code(&o, 0, "run FOLDER");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
    let notes: Vec<&str> = o.stderr.lines().filter(|l| l.contains("note:")).collect();
    assert_eq!(
        notes
            .iter()
            .filter(|l| l.contains("skipped Ingress `rollouts-demo-stable`"))
            .count(),
        1,
        "{}",
        o.stderr
    );
    // The Services come from services.yaml, found in the folder.
    assert!(!o.stderr.contains("created"), "{}", o.stderr);
}

#[test]
fn the_services_a_rollout_names_are_created_when_left_out() {
    let o = sim(&["run", &format!("{NGINX}/rollout.yaml")]);
    assert_code(&o, 0, "run rollout.yaml alone");
    for svc in ["rollouts-demo-canary", "rollouts-demo-stable"] {
        assert!(
            o.stderr
                .lines()
                .any(|l| l.contains("note:") && l.contains(svc) && l.contains("created")),
            "{svc}\n{}",
            o.stderr
        );
    }
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
}

/// What `helm template` prints: `# Source:` comments, empty documents, kinds that play no
/// part, and a `List` holding the Service.
fn helm_output() -> String {
    let rollout = read(&format!("{BASIC}/rollout.yaml"));
    let service = read(&format!("{BASIC}/service.yaml"));
    let service_item: String = service
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect::<String>()
        .replacen("  apiVersion", "- apiVersion", 1);
    format!(
        "---\n# Source: demo/templates/namespace.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n\
         ---\n# Source: demo/templates/empty.yaml\n\
         ---\n---\n# Source: demo/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-config\ndata:\n  a: b\n\
         ---\n# Source: demo/templates/worker.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 1\n\
         ---\n# Source: demo/templates/services.yaml\napiVersion: v1\nkind: List\nitems:\n{service_item}\
         ---\n# Source: demo/templates/rollout.yaml\n{rollout}"
    )
}

#[test]
fn helm_output_on_standard_input_runs() {
    let o = sim_stdin(&["run", "-"], &helm_output());
    assert_code(&o, 0, "helm template | run -");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
    for kind in [
        "Namespace `demo`",
        "ConfigMap `demo-config`",
        "Deployment `worker`",
    ] {
        let n = o
            .stderr
            .lines()
            .filter(|l| l.starts_with("<stdin>:") && l.contains(&format!("skipped {kind}")))
            .count();
        assert_eq!(n, 1, "{kind}\n{}", o.stderr);
    }
    // The Service inside the List was read: none is created.
    assert!(!o.stderr.contains("created"), "{}", o.stderr);
    // plan and lint take the same input.
    let o = sim_stdin(&["plan", "-"], &helm_output());
    assert_code(&o, 0, "plan -");
    let o = sim_stdin(&["lint", "-"], &helm_output());
    assert_code(&o, 0, "lint -");
    assert!(o.stdout.contains("ok <stdin>"), "{}", o.stdout);
}

#[test]
fn errors_on_standard_input_name_stdin_and_the_line() {
    let bad = helm_output().replace("replicas: 5", "replicas: many");
    let o = sim_stdin(&["run", "-"], &bad);
    assert_code(&o, 2, "bad stdin");
    let line = bad
        .lines()
        .position(|l| l.contains("replicas: many"))
        .unwrap()
        + 1;
    assert!(
        o.stderr
            .lines()
            .any(|l| l.starts_with(&format!("<stdin>:{line}:")) && l.contains("spec.replicas")),
        "line {line}\n{}",
        o.stderr
    );
}

fn two_rollouts(dir: &Path) -> PathBuf {
    let basic = read(&format!("{BASIC}/rollout.yaml"));
    let other = basic
        .replace("name: rollouts-demo", "name: other")
        .replace("app: rollouts-demo", "app: other");
    let f = dir.join("two.yaml");
    std::fs::write(&f, format!("{basic}\n---\n{other}")).unwrap();
    f
}

#[test]
fn several_rollouts_need_rollout_name() {
    let dir = TempDir::new().unwrap();
    two_rollouts(dir.path());
    for command in ["run", "lint", "plan", "get"] {
        let o = sim_in(dir.path(), &[command, "two.yaml"]);
        assert_code(&o, 2, command);
        assert!(
            o.stderr
                .contains("2 Rollouts in the input (rollouts-demo, other)")
                && o.stderr.contains("--rollout NAME"),
            "{command}\n{}",
            o.stderr
        );
    }
    let o = sim_in(dir.path(), &["run", "two.yaml", "--rollout", "other"]);
    assert_code(&o, 0, "--rollout other");
    assert!(
        o.stdout.contains("Default scenario of other:"),
        "{}",
        o.stdout
    );
    // The note points at the skipped Rollout's own document (the first, at line 1).
    assert!(
        o.stderr.contains(
            "two.yaml:1:1: note: skipped Rollout `rollouts-demo`: --rollout picked `other`"
        ),
        "{}",
        o.stderr
    );
    // And the other way round: the second document.
    let o = sim_in(
        dir.path(),
        &["lint", "two.yaml", "--rollout", "rollouts-demo"],
    );
    assert_code(&o, 0, "--rollout rollouts-demo");
    let line = read(&format!("{BASIC}/rollout.yaml")).lines().count() + 3;
    assert!(
        o.stdout.contains(&format!(
            "two.yaml:{line}:1: note: skipped Rollout `other`: --rollout picked `rollouts-demo`"
        )),
        "{}",
        o.stdout
    );
    let o = sim_in(dir.path(), &["run", "two.yaml", "--rollout", "nope"]);
    assert_code(&o, 2, "--rollout nope");
    assert!(
        o.stderr.contains("found: rollouts-demo, other"),
        "{}",
        o.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Metrics without a model, horizons
// ---------------------------------------------------------------------------------------------

#[test]
fn a_prometheus_analysis_is_assumed_to_pass_and_can_be_failed() {
    let o = sim(&["run", PROMETHEUS]);
    assert_code(&o, 0, "run prometheus analysis");
    let assumed: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("metric success-rate") && l.contains("assumed Successful"))
        .collect();
    assert_eq!(assumed.len(), 1, "said once\n{}", o.stderr);
    assert!(
        assumed[0].contains("--metric success-rate=fail"),
        "{}",
        assumed[0]
    );
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);

    let o = sim(&["run", PROMETHEUS, "--metric", "success-rate=fail"]);
    assert_code(&o, 1, "--metric success-rate=fail");
    assert!(o.stdout.contains("Degraded"), "{}", o.stdout);
    assert!(o.stdout.contains("RolloutAborted"), "{}", o.stdout);
    assert!(!o.stderr.contains("assumed"), "{}", o.stderr);

    // A value is judged by the metric's own condition (`result[0] >= 0.95`).
    let o = sim(&["run", PROMETHEUS, "--metric", "success-rate=0.5"]);
    assert_code(&o, 1, "--metric success-rate=0.5");
    assert!(o.stdout.contains("RolloutAborted"), "{}", o.stdout);
    let o = sim(&["run", PROMETHEUS, "--metric", "success-rate=0.99"]);
    assert_code(&o, 0, "--metric success-rate=0.99");

    // A metric the Rollout does not measure, or a malformed argument, is refused.
    let o = sim(&["run", PROMETHEUS, "--metric", "latency=pass"]);
    assert_code(&o, 2, "--metric latency=pass");
    assert!(o.stderr.contains("metrics: success-rate"), "{}", o.stderr);
    let o = sim(&["lint", PROMETHEUS, "--metric", "success-rate"]);
    assert_code(&o, 2, "--metric without =");
}

#[test]
fn a_long_bake_is_planned_not_cut_off() {
    let dir = TempDir::new().unwrap();
    let bake = read(&format!("{BASIC}/rollout.yaml")).replace(
        "      - pause: {}",
        "      - pause: {duration: 24h}\n      - pause: {duration: 6h}",
    );
    assert!(
        bake.contains("duration: 24h"),
        "the basic rollout has a `pause: {{}}`"
    );
    std::fs::write(dir.path().join("bake.yaml"), bake).unwrap();
    let o = sim_in(dir.path(), &["run", "bake.yaml"]);
    assert_code(&o, 0, "30 h of pauses");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
    assert!(o.stdout.contains("PASSED bake after 30h"), "{}", o.stdout);
}

// ---------------------------------------------------------------------------------------------
// Reading files
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let o = sim(&["run", "/dev/zero"]);
    assert_code(&o, 2, "/dev/zero");
    assert!(
        o.stderr.contains("/dev/zero: error: is a character device"),
        "{}",
        o.stderr
    );
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        // Opening a FIFO with no writer would block: it must be refused before that.
        let o = sim_in(dir.path(), &["lint", "pipe.yaml"]);
        assert_code(&o, 2, "FIFO");
        assert!(
            o.stderr.contains("pipe.yaml: error: is a FIFO"),
            "{}",
            o.stderr
        );
    }
    let o = sim_in(dir.path(), &["run", "."]);
    assert_code(&o, 2, "folder without YAML");
}

#[cfg(unix)]
#[test]
fn an_endless_standard_input_stops_at_the_size_limit() {
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let out = bin_command(crate_dir(), &["run", "-"])
        .stdin(Stdio::from(zero))
        .output()
        .expect("runs");
    let o = Outcome::from_output(out);
    assert_code(&o, 2, "run - < /dev/zero");
    assert!(
        o.stderr.contains("<stdin>: error: more than"),
        "{}",
        o.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// `test` and `lint`
// ---------------------------------------------------------------------------------------------

#[test]
fn test_skips_files_that_are_not_scenarios() {
    let dir = TempDir::new().unwrap();
    let suite = dir.path().join("suite");
    std::fs::create_dir_all(suite.join("manifests")).unwrap();
    std::fs::write(
        suite.join("manifests/rollout.yaml"),
        read(&format!("{BASIC}/rollout.yaml")),
    )
    .unwrap();
    // An invalid manifest is not a test either: skipped, not INVALID.
    std::fs::write(
        suite.join("manifests/broken.yaml"),
        "apiVersion: v1\nkind: Service\nspec: {selector: 3}\n",
    )
    .unwrap();
    std::fs::write(
        suite.join("values.yaml"),
        "replicaCount: 3\nimage: {tag: blue}\n",
    )
    .unwrap();
    std::fs::write(
        suite.join("deploy.yaml"),
        "name: deploy\nmanifests: [manifests/rollout.yaml]\nscript:\n  - wait: {phase: Healthy}\n",
    )
    .unwrap();
    let o = sim_in(dir.path(), &["test", "suite"]);
    assert_code(&o, 0, "test suite");
    assert_eq!(
        o.stdout.lines().last(),
        Some("1 passed, 0 failed, 0 invalid"),
        "{}",
        o.stdout
    );
    for f in [
        "manifests/rollout.yaml",
        "manifests/broken.yaml",
        "values.yaml",
    ] {
        assert!(
            o.stderr
                .lines()
                .any(|l| l.contains(f) && l.contains("note: skipped")),
            "{f}\n{}",
            o.stderr
        );
    }
    // A folder with no scenario at all is a mistake, not a success.
    let o = sim_in(dir.path(), &["test", "suite/manifests"]);
    assert_code(&o, 2, "test of manifests only");
    assert!(o.stderr.contains("0 scenarios found"), "{}", o.stderr);
}

/// Every YAML file under a folder, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    out.sort();
}

/// `lint FILE` exit 0 implies `run FILE` does not exit 2, over every file of the folders.
/// Returns (files, accepted by lint).
fn lint_implies_run(folders: &[&str]) -> (usize, usize) {
    let mut files = Vec::new();
    for f in folders {
        yaml_files(&crate_dir().join(f), &mut files);
    }
    let mut accepted = 0;
    let mut broken = Vec::new();
    for f in &files {
        let name = f.to_str().unwrap();
        if sim(&["lint", name]).code != 0 {
            continue;
        }
        accepted += 1;
        let o = sim(&["run", name]);
        if o.code == 2 {
            broken.push(format!("{name}\n{}", o.stderr));
        }
    }
    assert!(
        broken.is_empty(),
        "lint accepted, run refused:\n{}",
        broken.join("\n")
    );
    (files.len(), accepted)
}

#[test]
fn what_lint_accepts_run_accepts_scenarios_and_examples() {
    let (files, accepted) = lint_implies_run(&[
        "scenarios",
        "examples",
        "tests/fixtures/conformance",
        "tests/fixtures/argo-examples",
    ]);
    // The scenarios and examples are all meant to be valid.
    assert!(files >= 60 && accepted >= 60, "{accepted} of {files}");
}

#[test]
fn what_lint_accepts_run_accepts_upstream_e2e_manifests() {
    let (files, accepted) = lint_implies_run(&["tests/fixtures/upstream-e2e"]);
    println!("upstream e2e manifests: lint accepts {accepted} of {files}; run accepts them all");
    assert_eq!(files, 91);
    // Refused on purpose: templates without a Rollout, ping-pong and plugin steps, Rollouts
    // whose templates are in another file. The rest must get through.
    assert!(accepted >= 40, "{accepted} of {files}");
}

#[test]
fn an_e2e_rollout_runs_with_its_templates_from_another_file() {
    let e2e = "tests/fixtures/upstream-e2e/functional";
    let alone = sim(&["lint", &format!("{e2e}/rollout-inline-analysis.yaml")]);
    assert_code(&alone, 2, "rollout without its template");
    assert!(
        alone.stderr.contains("`sleep-job` not found"),
        "{}",
        alone.stderr
    );
    let together = [
        "run".to_string(),
        format!("{e2e}/rollout-inline-analysis.yaml"),
        format!("{e2e}/analysistemplate-sleep-job.yaml"),
    ];
    let args: Vec<&str> = together.iter().map(String::as_str).collect();
    let o = sim(&args);
    assert_code(&o, 0, "rollout + template");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
}

#[test]
fn a_scenario_takes_extra_manifest_files_after_it() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("rollout.yaml"),
        read(&format!("{PROMETHEUS}/rollout.yaml")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        read(&format!("{PROMETHEUS}/analysis-template.yaml")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scenario.yaml"),
        "name: with-extra\nmanifests: [rollout.yaml]\nmetrics:\n  success-rate: {value: 0.99}\n\
         script:\n  - wait: {phase: Healthy}\n  - setImage: argoproj/rollouts-demo:yellow\n  \
         - wait: {phase: Healthy, revision: 2}\n",
    )
    .unwrap();
    let alone = sim_in(dir.path(), &["lint", "scenario.yaml"]);
    assert_code(&alone, 2, "scenario without its template");
    assert!(
        alone.stderr.contains("`success-rate` not found"),
        "{}",
        alone.stderr
    );
    let o = sim_in(dir.path(), &["run", "scenario.yaml", "template.yaml"]);
    assert_code(&o, 0, "scenario + template");
    assert!(o.stdout.contains("PASSED with-extra"), "{}", o.stdout);
    // The scenario's own model wins unless --metric says otherwise.
    let o = sim_in(
        dir.path(),
        &[
            "run",
            "scenario.yaml",
            "template.yaml",
            "--metric",
            "success-rate=fail",
        ],
    );
    assert_code(&o, 1, "--metric over the scenario's model");
    let o = sim_in(
        dir.path(),
        &[
            "sweep",
            "scenario.yaml",
            "template.yaml",
            "--set",
            "rollout.spec.replicas=3,4",
            "--runs",
            "1",
            "--quiet",
        ],
    );
    assert_code(&o, 0, "sweep scenario + template");
    // A scenario comes first; after a manifest it is refused by name.
    let o = sim_in(dir.path(), &["run", "template.yaml", "scenario.yaml"]);
    assert_code(&o, 2, "scenario after a manifest");
    assert!(o.stderr.contains("scenario.yaml: error:"), "{}", o.stderr);
}

#[test]
fn every_functional_e2e_rollout_lints_and_runs_with_the_templates_beside_it() {
    let dir = crate_dir().join("tests/fixtures/upstream-e2e/functional");
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    let name = |p: &PathBuf| p.file_name().unwrap().to_str().unwrap().to_string();
    let templates: Vec<String> = files
        .iter()
        .map(name)
        .filter(|n| n.starts_with("analysistemplate-"))
        .collect();
    let rollouts: Vec<String> = files
        .iter()
        .map(name)
        .filter(|n| n.starts_with("rollout-"))
        .collect();
    assert!(rollouts.len() >= 15, "{rollouts:?}");
    for r in &rollouts {
        // `kubectl apply -f rollout.yaml -f analysistemplate-*.yaml`, as the e2e suite does.
        let mut args = vec!["lint".to_string(), r.clone()];
        args.extend(templates.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = sim_in(&dir, &args);
        assert_code(&o, 0, &format!("lint {r} with the templates"));
        let mut run = args.clone();
        run[0] = "run";
        let o = sim_in(&dir, &run);
        assert!(
            o.code == 0 || o.code == 1,
            "run {r}: exit {}\n{}",
            o.code,
            o.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// What a new user found (issue 10 follow-up)
// ---------------------------------------------------------------------------------------------

/// A folder with the basic Rollout, its Service, and a scenario naming both.
fn scenario_beside_its_manifests() -> TempDir {
    let dir = TempDir::new().unwrap();
    for f in ["rollout.yaml", "service.yaml"] {
        std::fs::write(dir.path().join(f), read(&format!("{BASIC}/{f}"))).unwrap();
    }
    std::fs::write(
        dir.path().join("scenario.yaml"),
        "name: beside\nmanifests: [rollout.yaml, service.yaml]\nscript:\n  - wait: {phase: Healthy}\n",
    )
    .unwrap();
    dir
}

#[test]
fn lint_and_run_decide_alike_on_the_same_argument_list() {
    let dir = scenario_beside_its_manifests();
    std::fs::write(
        dir.path().join("other.yaml"),
        read(&format!("{NGINX}/rollout.yaml")).replace("rollouts-demo", "other"),
    )
    .unwrap();
    let cases: [(&[&str], i32); 4] = [
        // The scenario's own manifest named again is the same document, read once.
        (&["scenario.yaml", "rollout.yaml"], 0),
        (&["scenario.yaml", "./service.yaml", "rollout.yaml"], 0),
        // A scenario after a manifest, or a second Rollout: refused by both.
        (&["rollout.yaml", "scenario.yaml"], 2),
        (&["scenario.yaml", "other.yaml"], 2),
    ];
    for (args, want) in cases {
        for command in ["lint", "run"] {
            let mut full = vec![command];
            full.extend_from_slice(args);
            let o = sim_in(dir.path(), &full);
            assert_code(&o, want, &full.join(" "));
        }
    }
}

#[test]
fn a_prometheus_metric_takes_only_numbers_on_the_command_line() {
    for v in ["abc", "NaN", "inf", "0.5,0.6", "[0.5]"] {
        let arg = format!("success-rate={v}");
        for command in ["run", "lint"] {
            let o = sim(&[command, PROMETHEUS, "--metric", &arg]);
            assert_code(&o, 2, &format!("{command} --metric {arg}"));
            assert!(
                o.stderr.contains(&format!("--metric {arg}")) && o.stderr.contains("prometheus"),
                "{}",
                o.stderr
            );
        }
    }
    // Integers are numbers too (`result[0] >= 0.95` with 1).
    let o = sim(&["run", PROMETHEUS, "--metric", "success-rate=1"]);
    assert_code(&o, 0, "--metric success-rate=1");
}

#[test]
fn an_unknown_metric_is_refused_for_a_scenario_too() {
    let dir = scenario_beside_its_manifests();
    for command in ["run", "lint"] {
        let o = sim_in(
            dir.path(),
            &[command, "scenario.yaml", "--metric", "nope=1"],
        );
        assert_code(&o, 2, &format!("{command} scenario --metric nope=1"));
        assert!(o.stderr.contains("--metric nope"), "{}", o.stderr);
    }
    // A metric the scenario measures is taken (and here fails the analysis).
    let o = sim(&[
        "run",
        "scenarios/analysis-good-canary-promoted.yaml",
        "--metric",
        "success-rate=fail",
    ]);
    assert_code(&o, 1, "scenario --metric success-rate=fail");
}

#[test]
fn companion_files_in_a_folder_are_skipped_with_a_note() {
    let dir = TempDir::new().unwrap();
    for f in ["rollout.yaml", "service.yaml"] {
        std::fs::write(dir.path().join(f), read(&format!("{BASIC}/{f}"))).unwrap();
    }
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- rollout.yaml\n- service.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("values.yaml"),
        "replicaCount: 3\nimage: {tag: v1}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .unwrap();
    let o = sim_in(dir.path(), &["run", "."]);
    assert_code(&o, 0, "run a folder with companion files");
    assert!(o.stdout.contains("status: Healthy"), "{}", o.stdout);
    let skipped: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("skipped:"))
        .collect();
    assert_eq!(skipped.len(), 3, "{}", o.stderr);
    assert!(
        o.stderr.contains("kustomization.yaml: note: skipped")
            && o.stderr.contains("kustomize build"),
        "{}",
        o.stderr
    );
    for command in ["lint", "plan"] {
        assert_code(&sim_in(dir.path(), &[command, "."]), 0, command);
    }
    // Named on its own, the file is taken as given, and refused.
    let o = sim_in(dir.path(), &["run", "kustomization.yaml"]);
    assert_code(&o, 2, "run kustomization.yaml");
}

#[test]
fn a_run_ends_when_the_abort_settles_not_at_the_aborted_pause() {
    let dir = TempDir::new().unwrap();
    let rollout = read(&format!("{PROMETHEUS}/rollout.yaml")).replacen(
        "- pause: {duration: 10m}\n      - setWeight: 60",
        "- pause: {duration: 24h}\n      - setWeight: 60",
        1,
    );
    assert!(
        rollout.contains("duration: 24h"),
        "the example has the pauses"
    );
    std::fs::write(dir.path().join("rollout.yaml"), rollout).unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        read(&format!("{PROMETHEUS}/analysis-template.yaml")),
    )
    .unwrap();
    let o = sim_in(dir.path(), &["run", ".", "--metric", "success-rate=fail"]);
    assert_code(&o, 1, "a failing analysis aborts");
    assert!(o.stdout.contains("RolloutAborted"), "{}", o.stdout);
    // The abort comes during the 24 h pause; its timer must not stretch the run to a day.
    let summary = o
        .stdout
        .lines()
        .find(|l| l.starts_with("FAILED"))
        .expect("a verdict line");
    assert!(!summary.contains("24h"), "{summary}");
    let after = o
        .stdout
        .lines()
        .find(|l| l.contains("nothing else happens after"))
        .expect("the wait says why it failed");
    let ended = after.split("nothing else happens after ").nth(1).unwrap();
    assert!(
        ended.starts_with("00:") || ended.starts_with("01:"),
        "{after}"
    );
}

#[test]
fn a_created_service_is_noted_at_the_rollout_field_with_a_near_name() {
    let dir = TempDir::new().unwrap();
    for f in ["services.yaml", "ingress.yaml"] {
        std::fs::write(dir.path().join(f), read(&format!("{NGINX}/{f}"))).unwrap();
    }
    let rollout = read(&format!("{NGINX}/rollout.yaml")).replace(
        "canaryService: rollouts-demo-canary",
        "canaryService: rollouts-demo-canry",
    );
    assert!(rollout.contains("rollouts-demo-canry"), "the typo is made");
    let line = rollout
        .lines()
        .position(|l| l.contains("canaryService"))
        .unwrap()
        + 1;
    std::fs::write(dir.path().join("rollout.yaml"), rollout).unwrap();
    let o = sim_in(dir.path(), &["run", "."]);
    let note = o
        .stderr
        .lines()
        .find(|l| l.contains("rollouts-demo-canry") && l.contains("created"))
        .unwrap_or_else(|| panic!("a note on the created Service\n{}", o.stderr));
    assert!(
        note.starts_with(&format!("./rollout.yaml:{line}:")),
        "{note}"
    );
    assert!(
        note.contains("spec.strategy.canary.canaryService"),
        "{note}"
    );
    assert!(
        note.contains("did you mean `rollouts-demo-canary`?"),
        "{note}"
    );
}

#[test]
fn one_rollout_in_two_files_is_named_with_both_files() {
    let dir = TempDir::new().unwrap();
    let rollout = read(&format!("{BASIC}/rollout.yaml"));
    std::fs::write(dir.path().join("a.yaml"), &rollout).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        rollout.replace("replicas: 5", "replicas: 3"),
    )
    .unwrap();
    for args in [
        vec!["run", "a.yaml", "b.yaml"],
        vec!["lint", "."],
        vec!["run", ".", "--rollout", "rollouts-demo"],
    ] {
        let o = sim_in(dir.path(), &args);
        assert_code(&o, 2, &args.join(" "));
        assert!(
            o.stderr.contains("a.yaml:") && o.stderr.contains("b.yaml:"),
            "{}",
            o.stderr
        );
        assert!(
            !o.stderr.contains("pick one with --rollout"),
            "{}",
            o.stderr
        );
    }
}

#[test]
fn documents_run_together_hint_at_a_missing_separator() {
    let joined = format!(
        "{}{}",
        read(&format!("{BASIC}/rollout.yaml")),
        read(&format!("{BASIC}/service.yaml"))
    );
    let o = sim_stdin(&["run", "-"], &joined);
    assert_code(&o, 2, "cat rollout.yaml service.yaml | run -");
    assert!(
        o.stderr.contains("`apiVersion` appears twice")
            && o.stderr
                .contains("a `---` line between documents may be missing"),
        "{}",
        o.stderr
    );
    // A key twice deeper down is not two documents.
    let o = sim_stdin(
        &["lint", "-"],
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, name: t}\n",
    );
    assert_code(&o, 2, "a duplicate nested key");
    assert!(!o.stderr.contains("`---`"), "{}", o.stderr);
}

#[test]
fn sweep_runs_are_bounded() {
    for runs in ["0", "1000001"] {
        let o = sim(&[
            "sweep",
            "scenarios/rollouts-demo.yaml",
            "--set",
            "rollout.spec.replicas=3",
            "--runs",
            runs,
        ]);
        assert_code(&o, 2, &format!("--runs {runs}"));
        assert!(
            o.stderr.contains("--runs") && o.stderr.contains("1000000"),
            "{}",
            o.stderr
        );
    }
}

#[test]
fn names_and_labels_a_cluster_would_refuse_are_input_errors() {
    let rollout = read(&format!("{BASIC}/rollout.yaml"));
    let long = "a".repeat(300);
    let near = "a".repeat(250);
    let cases = [
        (
            rollout.replace("name: rollouts-demo\n", "name: My_Rollout\n"),
            "metadata.name",
        ),
        (
            rollout.replace("name: rollouts-demo\n", &format!("name: {long}\n")),
            "metadata.name",
        ),
        // Valid for most objects, too long for a Rollout's ReplicaSets.
        (
            rollout.replace("name: rollouts-demo\n", &format!("name: {near}\n")),
            "metadata.name",
        ),
        (
            rollout.replace("app: rollouts-demo", "app: \"bad label!\""),
            "labels.app",
        ),
    ];
    for (text, field) in cases {
        assert_ne!(text, rollout, "the case changes the manifest");
        for command in ["lint", "run"] {
            let o = sim_stdin(&[command, "-"], &text);
            assert_code(&o, 2, &format!("{command} {field}"));
            assert!(
                o.stderr.contains("<stdin>:") && o.stderr.contains(field),
                "{}",
                o.stderr
            );
        }
    }
}

#[test]
fn lint_of_a_folder_of_scenarios_checks_each_with_its_own_inputs() {
    let dir = scenario_beside_its_manifests();
    // One scenario in a folder, its manifests sorted before it, and a CI workflow (which
    // shares only `name` with a scenario): the scenario is checked with its own inputs.
    std::fs::write(
        dir.path().join("ci.yml"),
        "name: check\non: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n",
    )
    .unwrap();
    let o = sim_in(dir.path(), &["lint", "."]);
    assert_code(&o, 0, "lint . with one scenario");
    assert!(o.stdout.contains("ok ./scenario.yaml"), "{}", o.stdout);
    assert!(o.stderr.contains("ci.yml: note: skipped"), "{}", o.stderr);
    std::fs::write(
        dir.path().join("second.yaml"),
        "name: second\nmanifests: [rollout.yaml, service.yaml]\nscript:\n  - promote: {}\n",
    )
    .unwrap();
    // Two scenarios are two runs, as `test` runs them: each is checked, the manifests beside
    // them are their inputs and skipped with a note.
    let o = sim_in(dir.path(), &["lint", "."]);
    assert_code(&o, 0, "lint .");
    for name in ["scenario.yaml", "second.yaml"] {
        assert!(
            o.stdout
                .lines()
                .any(|l| l.starts_with("ok ") && l.contains(name)),
            "{name} checked:\n{}",
            o.stdout
        );
    }
    assert!(
        o.stderr.contains("rollout.yaml: note: skipped"),
        "{}",
        o.stderr
    );
    // A broken scenario among them fails lint, naming it, and the other is still checked.
    std::fs::write(
        dir.path().join("second.yaml"),
        "name: second\nmanifests: [rollout.yaml, service.yaml]\nscript:\n  - promte: {}\n",
    )
    .unwrap();
    let o = sim_in(dir.path(), &["lint", "scenario.yaml", "second.yaml"]);
    assert_code(&o, 2, "lint with a broken scenario");
    assert!(o.stdout.contains("ok scenario.yaml"), "{}", o.stdout);
    assert!(
        o.stderr.contains("second.yaml") && o.stderr.contains("promte"),
        "{}",
        o.stderr
    );
}

#[test]
fn an_object_given_twice_is_the_last_one_as_kubectl_apply_leaves_it() {
    let dir = TempDir::new().unwrap();
    for f in ["rollout.yaml", "analysis-template.yaml"] {
        std::fs::write(dir.path().join(f), read(&format!("{PROMETHEUS}/{f}"))).unwrap();
    }
    // A later version of the template measures `error-rate` instead of `success-rate`.
    let later = read(&format!("{PROMETHEUS}/analysis-template.yaml"))
        .replace("  - name: success-rate", "  - name: error-rate");
    std::fs::write(dir.path().join("later.yaml"), later).unwrap();
    let args = [
        "lint",
        "rollout.yaml",
        "analysis-template.yaml",
        "later.yaml",
    ];
    let o = sim_in(dir.path(), &args);
    assert_code(&o, 0, "lint");
    assert!(
        o.stdout.contains("later.yaml:6:9: note: metadata.name: AnalysisTemplate `success-rate` is given 2 times (analysis-template.yaml:6, later.yaml:6): the last one is used"),
        "{}",
        o.stdout
    );
    // The last one is what runs: its metric can be modelled, the first one's cannot.
    let mut with = args.to_vec();
    with[0] = "run";
    with.extend(["--metric", "error-rate=fail"]);
    let o = sim_in(dir.path(), &with);
    assert_code(&o, 1, "the later template's metric fails the run");
    let last = with.len() - 1;
    with[last] = "success-rate=fail";
    let o = sim_in(dir.path(), &with);
    assert_code(&o, 2, "the first template's metric is not measured");
}

#[test]
fn lint_warns_of_an_experiment_template_the_input_does_not_give() {
    let rollout = "tests/fixtures/argo-examples/rollout-experiment-step.yaml";
    let templates = "tests/fixtures/argo-examples/analysis-templates.yaml";
    // Legal (the controller checks no experiment templates up front), so exit 0 and a warning
    // at the line of the reference; `run` then ends with the experiment's failure.
    let o = sim(&["lint", rollout]);
    assert_code(&o, 0, "lint alone");
    assert!(
        o.stdout.contains(
            "rollout-experiment-step.yaml:44:27: note: spec.strategy.canary.steps[1].experiment.analyses[0].templateName: warning"
        ) && o.stdout.contains("AnalysisTemplate `random-fail`, which the input does not give"),
        "{}",
        o.stdout
    );
    let o = sim(&["run", rollout]);
    assert_code(&o, 1, "run alone");
    assert!(
        o.stdout.contains("AnalysisTemplate verification failed"),
        "{}",
        o.stdout
    );
    // Given with its templates: no warning.
    let o = sim(&["lint", rollout, templates]);
    assert_code(&o, 0, "lint with the templates");
    assert!(
        !o.stdout.contains("which the input does not give"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_wrong_api_version_or_a_misspelt_kind_is_named() {
    let dir = TempDir::new().unwrap();
    let basic = read(&format!("{BASIC}/rollout.yaml"));
    let cases = [
        (
            basic.replace("argoproj.io/v1alpha1", "argoproj.io/v1"),
            "rollout.yaml:1:13: error: apiVersion: a Rollout's apiVersion is argoproj.io/v1alpha1, not `argoproj.io/v1`",
        ),
        (
            basic.replace("apiVersion: argoproj.io/v1alpha1\n", ""),
            "error: this Rollout has no `apiVersion`: it is argoproj.io/v1alpha1",
        ),
        (
            basic.replace("kind: Rollout", "kind: Rollot"),
            "no Rollout found in the input: a run needs exactly one Rollout (`kind: Rollot` at rollout.yaml:",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(dir.path().join("rollout.yaml"), &text).unwrap();
        for command in ["lint", "run"] {
            let o = sim_in(dir.path(), &[command, "rollout.yaml"]);
            assert_code(&o, 2, command);
            assert!(
                o.stderr.contains(want),
                "{command}: want {want:?} in\n{}",
                o.stderr
            );
        }
    }
    // A Service of the wrong version is refused too; the PodDisruptionBudget's older one is not.
    let service = read(&format!("{BASIC}/service.yaml"));
    std::fs::write(dir.path().join("rollout.yaml"), &basic).unwrap();
    std::fs::write(
        dir.path().join("service.yaml"),
        service.replace("apiVersion: v1", "apiVersion: apps/v1"),
    )
    .unwrap();
    let o = sim_in(dir.path(), &["lint", "rollout.yaml", "service.yaml"]);
    assert_code(&o, 2, "Service apps/v1");
    assert!(
        o.stderr
            .contains("a Service's apiVersion is v1, not `apps/v1`"),
        "{}",
        o.stderr
    );
}
