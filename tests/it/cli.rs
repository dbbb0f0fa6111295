//! End-to-end tests of the `rollout-sim` binary, driven through its command line only.
//!
//! What this file covers (SCENARIO.md §3 and §4 are the contract):
//!
//! * **Invalid input** (`run`, `lint`, `test`): malformed YAML, unknown keys in scenarios and in
//!   Rollout manifests, out-of-range and malformed values, inputs without a Rollout, empty,
//!   non-UTF-8, binary and missing files, several problems in one file, unknown script actions.
//!   Each must exit 2 without a panic, with `file:line:col: error: field.path: message` lines
//!   whose line number and field path point at the offending text.
//! * **Determinism**: same seed, same bytes (`--out DIR/events.jsonl` and `--format json`);
//!   another seed, other pod names; the event-log header and the shape of every event.
//! * **The scenario suite** (`rollout-sim test scenarios`): one PASS line per scenario file, the
//!   helper manifests skipped, and the final count line.
//! * **Conformance**: every scenario of `tests/fixtures/conformance/scenarios` either passes or is
//!   rejected only with "is not simulated yet" errors; the currently supported ones pass.
//! * **Expectations are really checked**: the supported conformance scenarios, each with one
//!   expected value changed, fail with exit 1 and name the check, the virtual time, the line,
//!   the expected and the actual value.
//! * **`run` exit codes** for a failing and a passing final `expect`, and the default scenario
//!   of a bare manifest; `test --seed` does not change the demo's verdict.
//!
//! Bad inputs are written into a fresh `tempfile::TempDir` and the binary is run with that
//! directory as its working directory, so the file names in messages are short and predictable.

use crate::common::{Outcome, conformance_dir, crate_dir, sim, sim_in, write};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The conformance scenarios the simulator supports today.
const SUPPORTED: [&str; 12] = [
    "canary-background-analysis",
    "canary-inline-analysis-steps",
    "canary-promote-full",
    "bluegreen-preview-replica-count",
    "bluegreen-update",
    "canary-restart-honors-maxunavailable",
    "canary-abort-no-traffic-routing",
    "canary-abort-retry-promote",
    "canary-bad-to-good",
    "canary-scaling-when-paused",
    "canary-set-canary-scale",
    "canary-template-and-replicas-change-together",
];

/// Asserts the exit code, and that the binary did not panic.
#[track_caller]
fn assert_code(o: &Outcome, code: i32, what: &str) {
    assert!(
        !o.stderr.contains("panicked") && !o.stdout.contains("panicked"),
        "{what}: rollout-sim panicked\n--- stderr\n{}",
        o.stderr
    );
    assert_eq!(
        o.code, code,
        "{what}: expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
        o.stdout, o.stderr
    );
}

/// Asserts exit code 2 (invalid input) without a panic, and at least one diagnostic line.
#[track_caller]
fn assert_invalid(o: &Outcome, what: &str) {
    assert_code(o, 2, what);
    assert!(
        !o.error_lines().is_empty(),
        "{what}: no `error:` line on stderr\n{}",
        o.stderr
    );
}

/// Asserts that stderr holds a line `FILE:LINE:COL: error: PATH: ...` that also contains `needle`.
#[track_caller]
fn assert_diag(stderr: &str, file: &str, line: usize, path: &str, needle: &str) {
    let prefix = format!("{file}:{line}:");
    let field = format!(": error: {path}: ");
    let found = stderr.lines().any(|l| {
        l.starts_with(&prefix) && l.contains(&field) && l.contains(needle) && {
            // The column is a positive number.
            let rest = &l[prefix.len()..];
            rest.split(':')
                .next()
                .and_then(|c| c.parse::<usize>().ok())
                .is_some_and(|c| c > 0)
        }
    });
    assert!(
        found,
        "expected a diagnostic `{prefix}COL{field}...{needle}...`\n--- stderr\n{stderr}"
    );
}

/// The 1-based number of the only line of `text` that contains `needle`.
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "`{needle}` must occur on exactly one line");
    hits[0]
}

/// `text` with the only occurrence of `from` replaced by `to`.
#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once in the text being edited"
    );
    text.replacen(from, to, 1)
}

fn demo_scenario_text() -> String {
    fs::read_to_string(crate_dir().join("scenarios/rollouts-demo.yaml")).unwrap()
}

fn demo_manifest_text() -> String {
    fs::read_to_string(crate_dir().join("scenarios/manifests/rollouts-demo.yaml")).unwrap()
}

/// A temp dir holding `rollouts-demo.yaml` and `manifests/rollouts-demo.yaml`, the given texts.
fn demo_dir(scenario: &str, manifest: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "rollouts-demo.yaml", scenario);
    write(dir.path(), "manifests/rollouts-demo.yaml", manifest);
    dir
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every `*.yaml` / `*.yml` file under `dir`, recursively, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A minimal valid scenario with one inline canary Rollout; tests break it on purpose.
const MINIMAL: &str = r#"name: minimal
seed: 1
timeout: 30m
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata:
      name: minimal
    spec:
      replicas: 2
      selector:
        matchLabels:
          app: minimal
      template:
        metadata:
          labels:
            app: minimal
        spec:
          containers:
          - name: minimal
            image: nginx:1.19-alpine
      strategy:
        canary:
          steps:
          - setWeight: 50
          - pause: {duration: 5s}
apps:
  - image: "nginx:*"
    startup: 2s
    terminate: 1s
script:
  - wait: {phase: Healthy}
  - setImage: nginx:1.20-alpine
  - wait: {phase: Healthy, revision: 2}
expect:
  phase: Healthy
"#;

/// A manifest file with a Service and no Rollout.
const SERVICE_ONLY: &str = "apiVersion: v1
kind: Service
metadata:
  name: lonely
spec:
  ports:
  - port: 80
  selector:
    app: lonely
";

// ---------------------------------------------------------------------------------------------
// 1. Invalid input
// ---------------------------------------------------------------------------------------------

#[test]
fn minimal_scenario_is_valid() {
    // The base of several bad inputs below must itself be fine, or those tests prove nothing.
    let dir = TempDir::new().unwrap();
    write(dir.path(), "minimal.yaml", MINIMAL);
    assert_code(&sim_in(dir.path(), &["run", "minimal.yaml"]), 0, "run");
    assert_code(&sim_in(dir.path(), &["lint", "minimal.yaml"]), 0, "lint");
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let dir = TempDir::new().unwrap();
    let text = "name: broken\nseed: 1\nmanifests: [manifests/rollouts-demo.yaml\nscript:\n  - wait: {phase: Healthy}\n";
    write(dir.path(), "broken.yaml", text);
    let open = line_of(text, "manifests: [");
    for cmd in ["run", "lint"] {
        let o = sim_in(dir.path(), &[cmd, "broken.yaml"]);
        assert_invalid(&o, cmd);
        let line = o
            .error_lines()
            .iter()
            .find_map(|l| {
                let rest = l.strip_prefix("broken.yaml:")?;
                assert!(l.contains("invalid YAML"), "{cmd}: {l}");
                rest.split(':').next()?.parse::<usize>().ok()
            })
            .unwrap_or_else(|| panic!("{cmd}: no `broken.yaml:LINE:` diagnostic\n{}", o.stderr));
        // The parser notices the unclosed `[` on the line that opens it or on the next one.
        assert!(
            line == open || line == open + 1,
            "{cmd}: error reported at line {line}, the unclosed list opens at line {open}\n{}",
            o.stderr
        );
    }
}

#[test]
fn unknown_scenario_key_suggests_the_right_one() {
    let scenario = replace_once(&demo_scenario_text(), "\nscript:\n", "\nscirpt:\n");
    let line = line_of(&scenario, "scirpt:");
    let dir = demo_dir(&scenario, &demo_manifest_text());
    for cmd in ["run", "lint"] {
        let o = sim_in(dir.path(), &[cmd, "rollouts-demo.yaml"]);
        assert_invalid(&o, cmd);
        assert_diag(
            &o.stderr,
            "rollouts-demo.yaml",
            line,
            "scirpt",
            "did you mean `script`",
        );
    }
}

#[test]
fn unknown_key_in_rollout_manifest() {
    let manifest = replace_once(&demo_manifest_text(), "      steps:\n", "      stpes:\n");
    let line = line_of(&manifest, "stpes:");
    let dir = demo_dir(&demo_scenario_text(), &manifest);
    for args in [
        ["run", "rollouts-demo.yaml"],
        ["lint", "rollouts-demo.yaml"],
        ["lint", "manifests/rollouts-demo.yaml"],
        ["run", "manifests/rollouts-demo.yaml"],
    ] {
        let o = sim_in(dir.path(), &args);
        assert_invalid(&o, &args.join(" "));
        assert_diag(
            &o.stderr,
            "manifests/rollouts-demo.yaml",
            line,
            "spec.strategy.canary.stpes",
            "did you mean `steps`",
        );
    }
}

#[test]
fn set_weight_out_of_range() {
    // `setWeight: 60` is steps[4] of the demo Rollout.
    let manifest = replace_once(&demo_manifest_text(), "setWeight: 60", "setWeight: 120");
    let line = line_of(&manifest, "setWeight: 120");
    let dir = demo_dir(&demo_scenario_text(), &manifest);
    for args in [
        ["run", "rollouts-demo.yaml"],
        ["lint", "rollouts-demo.yaml"],
        ["lint", "manifests/rollouts-demo.yaml"],
    ] {
        let o = sim_in(dir.path(), &args);
        assert_invalid(&o, &args.join(" "));
        assert_diag(
            &o.stderr,
            "manifests/rollouts-demo.yaml",
            line,
            "spec.strategy.canary.steps[4].setWeight",
            "120",
        );
    }
}

#[test]
fn pause_duration_not_a_duration() {
    // `pause: {duration: 20s}` is steps[5] of the demo Rollout.
    let manifest = replace_once(
        &demo_manifest_text(),
        "duration: 20s",
        "duration: \"ten seconds\"",
    );
    let line = line_of(&manifest, "ten seconds");
    let dir = demo_dir(&demo_scenario_text(), &manifest);
    for args in [
        ["run", "rollouts-demo.yaml"],
        ["lint", "rollouts-demo.yaml"],
        ["lint", "manifests/rollouts-demo.yaml"],
    ] {
        let o = sim_in(dir.path(), &args);
        assert_invalid(&o, &args.join(" "));
        assert_diag(
            &o.stderr,
            "manifests/rollouts-demo.yaml",
            line,
            "spec.strategy.canary.steps[5].pause.duration",
            "ten seconds",
        );
    }
}

#[test]
fn bare_manifest_with_one_mistake_reports_only_that_mistake() {
    // A Rollout with one bad value is still a Rollout: `run` must not add a second
    // "no Rollout found" error on top of the real one.
    let cases = [
        (
            "      steps:\n",
            "      stpes:\n",
            "spec.strategy.canary.stpes",
        ),
        ("replicas: 5", "replicas: many", "spec.replicas"),
        (
            "setWeight: 60",
            "setWeight: 120",
            "spec.strategy.canary.steps[4].setWeight",
        ),
        (
            "duration: 20s",
            "duration: \"ten seconds\"",
            "spec.strategy.canary.steps[5].pause.duration",
        ),
    ];
    let mut problems = Vec::new();
    for (from, to, path) in cases {
        let manifest = replace_once(&demo_manifest_text(), from, to);
        let dir = TempDir::new().unwrap();
        write(dir.path(), "bare.yaml", &manifest);
        let o = sim_in(dir.path(), &["run", "bare.yaml"]);
        assert_invalid(&o, &format!("run bare.yaml ({to:?})"));
        let line = line_of(&manifest, to.trim());
        assert_diag(&o.stderr, "bare.yaml", line, path, "");
        let errors = o.error_lines();
        if errors.len() != 1 {
            problems.push(format!(
                "{}: {} error lines:\n{}",
                to.trim(),
                errors.len(),
                o.stderr
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn scenario_without_rollout() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "manifests/service.yaml", SERVICE_ONLY);
    let by_file = "name: no-rollout\nmanifests:\n  - manifests/service.yaml\nscript:\n  - wait: {phase: Healthy}\n";
    write(dir.path(), "by-file.yaml", by_file);
    let inline = format!(
        "name: no-rollout-inline\nobjects:\n{}script:\n  - wait: {{phase: Healthy}}\n",
        SERVICE_ONLY
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 {
                format!("  - {l}\n")
            } else {
                format!("    {l}\n")
            })
            .collect::<String>()
    );
    write(dir.path(), "inline.yaml", &inline);

    for cmd in ["run", "lint"] {
        let o = sim_in(dir.path(), &[cmd, "by-file.yaml"]);
        assert_invalid(&o, cmd);
        // Reported where the scenario lists its manifests.
        let manifests_line = line_of(by_file, "manifests:");
        let o_line = o.error_lines().iter().any(|l| {
            (l.starts_with(&format!("by-file.yaml:{manifests_line}:"))
                || l.starts_with(&format!("by-file.yaml:{}:", manifests_line + 1)))
                && l.contains("error: manifests")
                && l.contains("no Rollout")
        });
        assert!(o_line, "{cmd} by-file.yaml\n{}", o.stderr);

        let o = sim_in(dir.path(), &[cmd, "inline.yaml"]);
        assert_invalid(&o, cmd);
        let objects_line = line_of(&inline, "objects:");
        let o_line = o.error_lines().iter().any(|l| {
            (l.starts_with(&format!("inline.yaml:{objects_line}:"))
                || l.starts_with(&format!("inline.yaml:{}:", objects_line + 1)))
                && l.contains("error: objects")
                && l.contains("no Rollout")
        });
        assert!(o_line, "{cmd} inline.yaml\n{}", o.stderr);
    }
}

#[test]
fn service_only_file_given_to_run() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "service.yaml", SERVICE_ONLY);
    let o = sim_in(dir.path(), &["run", "service.yaml"]);
    assert_invalid(&o, "run");
    assert!(
        o.error_lines()
            .iter()
            .any(|l| l.starts_with("service.yaml:1:") && l.contains("no Rollout")),
        "{}",
        o.stderr
    );
    // `test` on the file, named explicitly, rejects it the same way.
    let o = sim_in(dir.path(), &["test", "service.yaml"]);
    assert_invalid(&o, "test");
    assert!(o.stdout.contains("INVALID service.yaml"), "{}", o.stdout);
    assert!(o.stderr.contains("no Rollout"), "{}", o.stderr);
    // `lint` is the gate in front of `run`: it refuses what `run` refuses, for the same reason.
    let o = sim_in(dir.path(), &["lint", "service.yaml"]);
    assert_invalid(&o, "lint");
    assert!(o.stderr.contains("no Rollout"), "{}", o.stderr);
}

#[test]
fn unreadable_files() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "empty.yaml", b"");
    write(dir.path(), "not-utf8.yaml", [0xff_u8, 0xfe]);
    // An ELF-like header: valid UTF-8 up to offset 32, then a byte that is not.
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend_from_slice(&[0u8; 24]);
    elf.extend_from_slice(&[0xc8, 0xff, 0x00, 0x13, 0x37]);
    write(dir.path(), "binary.yaml", &elf);
    // Control characters only: UTF-8, but not YAML.
    write(
        dir.path(),
        "control.yaml",
        b"\x00\x01\x02\x7fELF\x00\x00name: x\n",
    );

    // Each file: the prefix its error line starts with, and a word the message must contain.
    let cases = [
        ("empty.yaml", "empty.yaml", "empty"),
        ("not-utf8.yaml", "not-utf8.yaml:1:1:", "UTF-8"),
        ("binary.yaml", "binary.yaml:1:", "UTF-8"),
        ("control.yaml", "control.yaml:1:", ""),
    ];
    for cmd in ["run", "lint", "test"] {
        for (file, prefix, needle) in cases {
            let o = sim_in(dir.path(), &[cmd, file]);
            assert_invalid(&o, &format!("{cmd} {file}"));
            assert!(
                o.error_lines()
                    .iter()
                    .any(|l| l.starts_with(prefix) && l.contains(needle)),
                "{cmd} {file}: {}",
                o.stderr
            );
        }
    }

    for cmd in ["run", "lint", "test"] {
        let o = sim_in(dir.path(), &[cmd, "missing.yaml"]);
        assert_code(&o, 2, &format!("{cmd} missing.yaml"));
        assert!(o.stderr.contains("missing.yaml"), "{cmd}: {}", o.stderr);
        assert!(o.stderr.contains("error"), "{cmd}: {}", o.stderr);
    }
}

#[test]
fn several_problems_reported_in_one_run() {
    let text = replace_once(MINIMAL, "seed: 1", "seed: \"seven\"");
    let text = replace_once(&text, "timeout: 30m", "timout: 30m");
    let text = replace_once(&text, "replicas: 2", "replicas: many");
    let text = replace_once(&text, "duration: 5s", "duration: \"ten seconds\"");
    let text = replace_once(
        &text,
        "  - setImage: nginx:1.20-alpine\n",
        "  - setImage: nginx:1.20-alpine\n  - wait: 2 minutes\n  - expect: {pods: {canary: lots}}\n",
    );
    let dir = TempDir::new().unwrap();
    write(dir.path(), "multi.yaml", &text);

    let expected = [
        ("seed: \"seven\"", "seed", "string"),
        ("timout:", "timout", "did you mean `timeout`"),
        ("replicas: many", "objects[0].spec.replicas", "many"),
        (
            "ten seconds",
            "objects[0].spec.strategy.canary.steps[1].pause.duration",
            "ten seconds",
        ),
        ("wait: 2 minutes", "script[2].wait", "2 minutes"),
        ("canary: lots", "script[3].expect.pods.canary", "lots"),
    ];
    for cmd in ["run", "lint"] {
        let o = sim_in(dir.path(), &[cmd, "multi.yaml"]);
        assert_invalid(&o, cmd);
        for (needle, path, msg) in expected {
            assert_diag(&o.stderr, "multi.yaml", line_of(&text, needle), path, msg);
        }
        let errors = o
            .error_lines()
            .iter()
            .filter(|l| l.starts_with("multi.yaml:"))
            .count();
        assert_eq!(
            errors,
            expected.len(),
            "{cmd}: one line per problem\n{}",
            o.stderr
        );
        assert!(
            o.stderr.contains(&format!("{} errors", expected.len())),
            "{cmd}: a count line\n{}",
            o.stderr
        );
    }
}

#[test]
fn unknown_action_suggests_promote() {
    let text = replace_once(
        MINIMAL,
        "  - setImage: nginx:1.20-alpine\n",
        "  - setImage: nginx:1.20-alpine\n  - promot: {}\n",
    );
    let dir = TempDir::new().unwrap();
    write(dir.path(), "promot.yaml", &text);
    for cmd in ["run", "lint"] {
        let o = sim_in(dir.path(), &[cmd, "promot.yaml"]);
        assert_invalid(&o, cmd);
        assert_diag(
            &o.stderr,
            "promot.yaml",
            line_of(&text, "promot:"),
            "script[2].promot",
            "did you mean `promote`",
        );
    }
}

/// Integers of the script are refused with the limits of what they stand for, once each: not
/// the range of the integer type they are read into (`allowed: 0 to 4294967295` for a
/// negative `scale`), and not a second, contradicting rule after the first.
#[test]
fn script_integers_say_their_own_limits_once() {
    let text = replace_once(
        MINIMAL,
        "  - setImage: nginx:1.20-alpine\n",
        "  - setImage: nginx:1.20-alpine
  - undo: {toRevision: -1}
  - undo: {toRevision: -9223372036854775808}
  - undo: {toRevision: 99999999999999999999}
  - scale: -3
  - scale: 1000001
  - deletePod: {role: canary, count: -2}
  - evictPod: {role: canary, count: 0}
  - undo: {toRevision: ten}
",
    );
    let text = replace_once(
        &text,
        "timeout: 30m\n",
        "timeout: 30m\ncluster: {nodes: -4}\n",
    );
    let dir = TempDir::new().unwrap();
    write(dir.path(), "ints.yaml", &text);
    let revision = "is not a revision: revisions start at 1 (leave toRevision out, `undo: {}`, \
                    to go back to the previous revision)";
    let range = |v: &str, lo: u64, hi: u64| format!("{v} is out of range (allowed: {lo} to {hi})");
    // (a text only its line holds, the value in it, the field, the whole message)
    let expected = [
        ("nodes: -4", "-4", "cluster.nodes", range("-4", 1, 10_000)),
        (
            "toRevision: -1",
            "-1",
            "script[2].undo.toRevision",
            format!("-1 {revision}"),
        ),
        // kubectl's int64 flag takes it; no revision is negative.
        (
            "toRevision: -9223372036854775808",
            "-9223372036854775808",
            "script[3].undo.toRevision",
            format!("-9223372036854775808 {revision}"),
        ),
        (
            "toRevision: 999",
            "999",
            "script[4].undo.toRevision",
            range("99999999999999999999", 0, 9_223_372_036_854_775_807),
        ),
        // The limit of the manifests' `spec.replicas`, which `scale` writes.
        (
            "scale: -3",
            "-3",
            "script[5].scale",
            range("-3", 0, 1_000_000),
        ),
        (
            "scale: 1000001",
            "1000001",
            "script[6].scale",
            range("1000001", 0, 1_000_000),
        ),
        (
            "count: -2",
            "-2",
            "script[7].deletePod.count",
            range("-2", 1, 1_000_000),
        ),
        (
            "count: 0",
            "0",
            "script[8].evictPod.count",
            range("0", 1, 1_000_000),
        ),
        (
            "toRevision: ten",
            "ten",
            "script[9].undo.toRevision",
            "expected an integer, found the string \"ten\"".to_string(),
        ),
    ];
    for cmd in ["lint", "run"] {
        let o = sim_in(dir.path(), &[cmd, "ints.yaml"]);
        assert_invalid(&o, cmd);
        let errors = o.error_lines();
        assert_eq!(
            errors.len(),
            expected.len(),
            "{cmd}: one error each\n{}",
            o.stderr
        );
        for (needle, value, path, message) in &expected {
            let line = line_of(&text, needle);
            let on_line = text.lines().nth(line - 1).unwrap();
            let col = on_line.find(needle).unwrap() + needle.find(value).unwrap() + 1;
            let want = format!("ints.yaml:{line}:{col}: error: {path}: {message}");
            assert!(
                errors.contains(&want.as_str()),
                "{cmd}: expected\n{want}\n--- stderr\n{}",
                o.stderr
            );
        }
    }
}

#[test]
fn lint_accepts_the_demo() {
    let o = sim(&["lint", "scenarios/rollouts-demo.yaml"]);
    assert_code(&o, 0, "lint scenario");
    assert!(
        o.stdout.contains("ok scenarios/rollouts-demo.yaml"),
        "{}",
        o.stdout
    );
    let o = sim(&["lint", "scenarios/manifests/rollouts-demo.yaml"]);
    assert_code(&o, 0, "lint manifest");
    assert!(o.stdout.contains("1 Rollout"), "{}", o.stdout);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

// ---------------------------------------------------------------------------------------------
// 2. Determinism and the event log
// ---------------------------------------------------------------------------------------------

const DEMO: &str = "scenarios/rollouts-demo.yaml";

/// `run DEMO --out DIR [extra]`; returns the bytes of `DIR/events.jsonl`.
fn demo_events(extra: &[&str]) -> Vec<u8> {
    let out = TempDir::new().unwrap();
    let out_dir = out.path().join("out");
    let mut args = vec!["run", DEMO, "--out", out_dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    assert_code(&sim(&args), 0, "run --out");
    fs::read(out_dir.join("events.jsonl")).expect("events.jsonl is written")
}

/// Pod names of `PodCreated` events, in order.
fn pod_names(log: &str) -> Vec<String> {
    log.lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "PodCreated")
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn same_seed_same_bytes() {
    let a = demo_events(&[]);
    let b = demo_events(&[]);
    assert!(!a.is_empty());
    assert!(a == b, "two runs wrote different events.jsonl");

    let json1 = sim(&["run", DEMO, "--format", "json"]);
    let json2 = sim(&["run", DEMO, "--format", "json"]);
    assert_code(&json1, 0, "run --format json");
    assert_eq!(json1.stdout, json2.stdout);
    // `--format json` prints the same log that `--out` writes.
    assert_eq!(json1.stdout.as_bytes(), &a[..]);

    // An explicit seed equal to the scenario's gives the same bytes too.
    assert!(demo_events(&["--seed", "7"]) == a);
    let c = demo_events(&["--seed", "8"]);
    assert!(
        c == demo_events(&["--seed", "8"]),
        "seed 8 is not reproducible"
    );
}

#[test]
fn other_seed_other_log() {
    let a = String::from_utf8(demo_events(&[])).unwrap();
    let b = String::from_utf8(demo_events(&["--seed", "8"])).unwrap();
    assert_ne!(a, b);
    let (pa, pb) = (pod_names(&a), pod_names(&b));
    assert!(!pa.is_empty());
    assert_ne!(pa, pb, "pod names must come from the seeded RNG");
    assert!(
        b.lines().next().unwrap().contains("\"seed\":8"),
        "the header names the seed used"
    );
    // Pod names are NAME-HASH-xxxxx, with the ReplicaSet name as prefix.
    for line in a.lines().skip(1) {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["kind"] == "PodCreated" {
            let name = v["name"].as_str().unwrap();
            let rs = v["replicaSet"].as_str().unwrap();
            let suffix = name
                .strip_prefix(&format!("{rs}-"))
                .unwrap_or_else(|| panic!("pod {name} is not named after {rs}"));
            assert_eq!(suffix.len(), 5, "pod {name}");
            assert!(
                suffix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "pod {name}"
            );
        }
    }
}

#[test]
fn event_log_shape() {
    let log = String::from_utf8(demo_events(&[])).unwrap();
    let mut lines = log.lines();
    assert_eq!(
        lines.next().unwrap(),
        r#"{"format":"rollout-sim/events","version":1,"scenario":"rollouts-demo","seed":7,"start":"2025-03-10T09:00:00Z"}"#
    );
    let events: Vec<Value> = lines
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(events.len() > 10);

    let mut kinds = BTreeSet::new();
    let mut last_t = 0.0;
    for e in &events {
        assert!(e.is_object(), "{e}");
        let t = e["t"].as_f64().unwrap_or_else(|| panic!("numeric t: {e}"));
        assert!(t >= last_t, "t goes backwards at {e}");
        last_t = t;
        let time = e["time"]
            .as_str()
            .unwrap_or_else(|| panic!("string time: {e}"));
        assert!(time.starts_with("2025-03-10T09:"), "{e}");
        let kind = e["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("string kind: {e}"));
        kinds.insert(kind.to_string());
        if kind == "ReplicaSetScaled" {
            assert!(e["from"].is_u64() && e["to"].is_u64(), "from/to: {e}");
        }
        if kind == "WeightChanged" {
            assert!(e["canary"].is_u64() && e["stable"].is_u64(), "{e}");
        }
        if kind == "StepStarted" || kind == "StepCompleted" {
            assert!(e["index"].is_u64(), "{e}");
        }
        if kind == "PhaseChanged" {
            assert!(e["from"].is_string() && e["to"].is_string(), "{e}");
        }
        if kind == "ExpectationChecked" {
            assert!(e["ok"].is_boolean() && e["detail"].is_string(), "{e}");
        }
    }
    for k in [
        "ReplicaSetCreated",
        "ReplicaSetScaled",
        "PodCreated",
        "PodReady",
        "StepStarted",
        "StepCompleted",
        "WeightChanged",
        "PhaseChanged",
        "Promoted",
        "Aborted",
        "ExpectationChecked",
        "RunFinished",
    ] {
        assert!(kinds.contains(k), "no {k} event; kinds: {kinds:?}");
    }
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "RunFinished", "RunFinished is the last event");
    assert!(last["status"].is_object(), "{last}");
    assert_eq!(
        events.iter().filter(|e| e["kind"] == "RunFinished").count(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// 3. The scenario suite
// ---------------------------------------------------------------------------------------------

#[test]
fn scenario_suite_passes() {
    let scenarios: Vec<String> = yaml_files(&crate_dir().join("scenarios"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(crate_dir())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !p.split('/').any(|c| c == "manifests"))
        .collect();
    assert!(scenarios.contains(&DEMO.to_string()));

    let o = sim(&["test", "scenarios"]);
    assert_code(&o, 0, "test scenarios");
    let pass_lines: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("PASS "))
        .collect();
    assert_eq!(pass_lines.len(), scenarios.len(), "{}", o.stdout);
    for s in &scenarios {
        assert!(
            pass_lines
                .iter()
                .any(|l| l.starts_with(&format!("PASS {s} "))),
            "no PASS line for {s}\n{}",
            o.stdout
        );
    }
    assert!(
        !o.stdout.contains("manifests/"),
        "helper manifests are not tests\n{}",
        o.stdout
    );
    assert_eq!(
        o.stdout.lines().last().unwrap(),
        format!("{} passed, 0 failed, 0 invalid", scenarios.len())
    );
    // `test` with no path uses scenarios/.
    let o2 = sim(&["test"]);
    assert_code(&o2, 0, "test");
    assert_eq!(o.stdout, o2.stdout);
}

// ---------------------------------------------------------------------------------------------
// 4. Conformance scenarios
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Verdict {
    Pass,
    NotSimulatedYet,
    Wrong(String),
}

#[test]
fn conformance_scenarios_pass_or_are_not_simulated_yet() {
    let files = yaml_files(&conformance_dir().join("scenarios"));
    assert!(
        files.len() >= 12,
        "expected the conformance scenarios, found {}",
        files.len()
    );
    let mut table = Vec::new();
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let o = sim(&["test", f.to_str().unwrap()]);
        let errors = o.error_lines();
        let verdict = if o.stderr.contains("panicked") {
            Verdict::Wrong("panicked".into())
        } else if o.code == 0 && o.stdout.lines().any(|l| l.starts_with("PASS ")) {
            Verdict::Pass
        } else if o.code == 2
            && !errors.is_empty()
            && errors.iter().all(|l| l.contains("is not simulated yet"))
        {
            Verdict::NotSimulatedYet
        } else {
            Verdict::Wrong(format!(
                "exit {}\n{}{}",
                o.code,
                o.stdout.trim_end(),
                o.stderr.trim_end()
            ))
        };
        table.push((name, verdict));
    }
    println!("{:<50} verdict", "conformance scenario");
    for (name, v) in &table {
        let v = match v {
            Verdict::Pass => "PASS".to_string(),
            Verdict::NotSimulatedYet => "not simulated yet".to_string(),
            Verdict::Wrong(why) => format!("WRONG: {why}"),
        };
        println!("{name:<50} {v}");
    }
    let wrong: Vec<_> = table
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Wrong(_)))
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(wrong.is_empty(), "unexpected outcomes: {wrong:?}");
    for s in SUPPORTED {
        assert!(
            table
                .iter()
                .any(|(n, v)| n == s && matches!(v, Verdict::Pass)),
            "{s} must pass"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Expectations are really checked
// ---------------------------------------------------------------------------------------------

/// One wrong value put into a supported conformance scenario.
struct Mutation {
    scenario: &'static str,
    /// Text replaced (must occur exactly once) and its replacement.
    from: &'static str,
    to: &'static str,
    /// `expect`, `wait` or `final expect`.
    check: &'static str,
    /// The script item that fails, when the change is elsewhere (a metric model).
    item: Option<&'static str>,
    /// Substrings the failure report must contain (the expected and the actual value, ...).
    report: &'static [&'static str],
}

const MUTATIONS: &[Mutation] = &[
    Mutation {
        scenario: "canary-background-analysis",
        from: "expect: {analysis: {web-background: Running}}",
        to: "expect: {analysis: {web-background: Successful}}",
        check: "expect",
        item: None,
        report: &[
            "analysis.web-background: expected Successful",
            "got Running",
        ],
    },
    Mutation {
        // The metric model now answers 2: `asInt(result) == 1` fails, the run fails and the
        // update is aborted before it ever pauses.
        scenario: "canary-background-analysis",
        from: "web: {value: 1}",
        to: "web: {value: 2}",
        check: "wait",
        item: Some("wait: {phase: Paused, revision: 2}"),
        report: &["phase: expected Paused", "got Degraded"],
    },
    Mutation {
        scenario: "canary-inline-analysis-steps",
        from: "expect: {step: 2, analysis: {sleep-job: Successful}}",
        to: "expect: {step: 3, analysis: {sleep-job: Successful}}",
        check: "expect",
        item: None,
        report: &["step: expected 3", "got 2"],
    },
    Mutation {
        scenario: "canary-promote-full",
        from: "expect: {step: 2}",
        to: "expect: {step: 1}",
        check: "expect",
        item: None,
        report: &["step: expected 1", "got 2"],
    },
    Mutation {
        scenario: "bluegreen-preview-replica-count",
        from: "pods: {active: 2, preview: 1}",
        to: "pods: {active: 2, preview: 2}",
        check: "expect",
        item: None,
        report: &["pods.preview: expected 2", "got 1"],
    },
    Mutation {
        scenario: "bluegreen-preview-replica-count",
        from: "replicas: {desired: 2, current: 4, updated: 2, ready: 2, available: 2}",
        to: "replicas: {desired: 2, current: 2, updated: 2, ready: 2, available: 2}",
        check: "expect",
        item: None,
        report: &["replicas.current: expected 2", "got 4"],
    },
    Mutation {
        scenario: "bluegreen-update",
        from: "wait: {images: {active: \"nginx:1.20-alpine\"}}",
        to: "wait: {images: {active: \"nginx:1.21-alpine\"}}",
        check: "wait",
        item: None,
        report: &["expected nginx:1.21-alpine"],
    },
    Mutation {
        scenario: "canary-restart-honors-maxunavailable",
        from: "updated: 1, ready: 1, available: 1}}",
        to: "updated: 1, ready: 3, available: 1}}",
        check: "expect",
        item: None,
        report: &["replicas.ready: expected 3", "got 1"],
    },
    Mutation {
        scenario: "canary-restart-honors-maxunavailable",
        from: "expect:\n  phase: Paused\n",
        to: "expect:\n  phase: Healthy\n",
        check: "final expect",
        item: None,
        report: &["phase: expected Healthy", "got Paused"],
    },
    Mutation {
        scenario: "canary-abort-no-traffic-routing",
        from: "expect:\n  phase: Degraded\n",
        to: "expect:\n  phase: Healthy\n",
        check: "final expect",
        item: None,
        report: &["phase: expected Healthy", "got Degraded"],
    },
    Mutation {
        scenario: "canary-abort-no-traffic-routing",
        from: "expect: {pods: {canary: 0, stable: 1, total: 1}}",
        to: "expect: {pods: {canary: 0, stable: 1, total: 2}}",
        check: "expect",
        item: None,
        report: &["pods.total: expected 2", "got 1"],
    },
    Mutation {
        scenario: "canary-abort-retry-promote",
        from: "images: {stable: \"nginx:1.20-alpine\"}",
        to: "images: {stable: \"nginx:1.19-alpine\"}",
        check: "expect",
        item: None,
        report: &["expected nginx:1.19-alpine", "got nginx:1.20-alpine"],
    },
    Mutation {
        scenario: "canary-bad-to-good",
        from: "expect: {pods: {stable: 4, total: 4}",
        to: "expect: {pods: {stable: 5, total: 4}",
        check: "expect",
        item: None,
        report: &["pods.stable: expected 5", "got 4"],
    },
    Mutation {
        scenario: "canary-bad-to-good",
        from: "wait: {phase: Healthy, revision: 2}",
        to: "wait: {phase: Healthy, revision: 5}",
        check: "wait",
        item: None,
        report: &["revision: expected 5", "got 2"],
    },
    Mutation {
        scenario: "canary-scaling-when-paused",
        from: "expect: {pods: {canary: 2, stable: 6}}",
        to: "expect: {pods: {canary: 3, stable: 6}}",
        check: "expect",
        item: None,
        report: &["pods.canary: expected 3", "got 2"],
    },
    Mutation {
        scenario: "canary-scaling-when-paused",
        from: "wait: {replicas: {available: 8}}",
        to: "wait: {replicas: {available: 9}}",
        check: "wait",
        item: None,
        report: &["replicas.available: expected 9", "got 8"],
    },
    Mutation {
        scenario: "canary-set-canary-scale",
        from: "expect: {pods: {canary: 3, stable: 4}}",
        to: "expect: {pods: {canary: 4, stable: 4}}",
        check: "expect",
        item: None,
        report: &["pods.canary: expected 4", "got 3"],
    },
    Mutation {
        scenario: "canary-template-and-replicas-change-together",
        from: "desired: 4, current: 4",
        to: "desired: 5, current: 4",
        check: "expect",
        item: None,
        report: &["replicas.desired: expected 5", "got 4"],
    },
    Mutation {
        scenario: "canary-template-and-replicas-change-together",
        from: "\n  phase: Healthy\n",
        to: "\n  phase: Degraded\n",
        check: "final expect",
        item: None,
        report: &["phase: expected Degraded", "got Healthy"],
    },
];

#[test]
fn changed_expectations_fail() {
    let mut problems = Vec::new();
    for s in SUPPORTED {
        assert!(
            MUTATIONS.iter().any(|m| m.scenario == s),
            "no mutation for {s}"
        );
    }
    for m in MUTATIONS {
        // A fresh copy per mutation: the scenarios `apply` ../manifests/... files.
        let tmp = TempDir::new().unwrap();
        copy_tree(&conformance_dir(), tmp.path());
        let rel = format!("scenarios/{}.yaml", m.scenario);
        let original = fs::read_to_string(tmp.path().join(&rel)).unwrap();
        let mutated = replace_once(&original, m.from, m.to);
        write(tmp.path(), &rel, &mutated);

        // The untouched copy passes, so the failure below comes from the change alone.
        if m.from
            == MUTATIONS
                .iter()
                .find(|x| x.scenario == m.scenario)
                .unwrap()
                .from
        {
            let clean = TempDir::new().unwrap();
            copy_tree(&conformance_dir(), clean.path());
            let o = sim_in(clean.path(), &["test", &rel]);
            assert_code(&o, 0, &format!("unchanged {}", m.scenario));
        }

        let o = sim_in(tmp.path(), &["test", &rel]);
        let what = format!("{} ({} -> {})", m.scenario, m.from.trim(), m.to.trim());
        if o.code != 1 || o.stderr.contains("panicked") {
            problems.push(format!(
                "{what}: exit {} (want 1)\n{}{}",
                o.code, o.stdout, o.stderr
            ));
            continue;
        }
        if !o.stdout.contains(&format!("FAIL {rel}")) {
            problems.push(format!("{what}: no FAIL line\n{}", o.stdout));
        }
        // The report line of this failure: `at HH:MM:SS.mmm [(line N)] CHECK {...} failed: ...`.
        let line_tag = if m.check == "final expect" {
            String::new()
        } else {
            // Reports name the line of the script item, which for a block mapping is the
            // `- expect:` line above the changed value.
            let changed = line_of(
                &mutated,
                m.item
                    .unwrap_or_else(|| m.to.lines().find(|l| !l.is_empty()).unwrap()),
            );
            let item = mutated.lines().take(changed).collect::<Vec<_>>();
            let back = item
                .iter()
                .rev()
                .position(|l| l.trim_start().starts_with("- "))
                .expect("the change sits in a script item");
            format!("(line {}) ", changed - back)
        };
        let wanted = format!("{line_tag}{} {{", m.check);
        let report = o.stdout.lines().find(|l| {
            let l = l.trim_start();
            l.starts_with("at 00:") && l.contains(&wanted) && l.contains("failed")
        });
        let Some(report) = report else {
            problems.push(format!(
                "{what}: no `at 00:... {wanted}` line\n{}",
                o.stdout
            ));
            continue;
        };
        for r in m.report {
            if !report.contains(r) {
                problems.push(format!("{what}: report lacks `{r}`: {report}"));
            }
        }
        if m.check == "wait"
            && !(report.contains("nothing else happens") || report.contains("not reached"))
        {
            problems.push(format!(
                "{what}: the report does not say the wait was never satisfied: {report}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// 6. `run` exit codes and the default scenario
// ---------------------------------------------------------------------------------------------

#[test]
fn run_exit_code_follows_final_expect() {
    // Passing as written.
    let dir = demo_dir(&demo_scenario_text(), &demo_manifest_text());
    let o = sim_in(dir.path(), &["run", "rollouts-demo.yaml"]);
    assert_code(&o, 0, "run demo");
    assert!(o.stdout.contains("PASSED rollouts-demo"), "{}", o.stdout);

    // The same run with a wrong final expectation.
    let scenario = replace_once(
        &demo_scenario_text(),
        "\nexpect:\n  phase: Healthy\n",
        "\nexpect:\n  phase: Degraded\n",
    );
    let dir = demo_dir(&scenario, &demo_manifest_text());
    for format in ["text", "json"] {
        let o = sim_in(
            dir.path(),
            &["run", "rollouts-demo.yaml", "--format", format],
        );
        assert_code(&o, 1, &format!("run --format {format}"));
    }
    let o = sim_in(dir.path(), &["run", "rollouts-demo.yaml"]);
    assert!(o.stdout.contains("FAILED rollouts-demo"), "{}", o.stdout);
    assert!(
        o.stdout.lines().any(|l| l.contains("final expect")
            && l.contains("expected Degraded")
            && l.contains("got Healthy")),
        "{}",
        o.stdout
    );
    let o = sim_in(
        dir.path(),
        &["run", "rollouts-demo.yaml", "--format", "json"],
    );
    let last: Value = serde_json::from_str(o.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["kind"], "RunFinished");
    assert_eq!(last["status"]["passed"], false);
    assert!(o.stdout.lines().any(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        v["kind"] == "ExpectationChecked" && v["ok"] == false
    }));
}

#[test]
fn run_bare_manifest_uses_default_scenario() {
    let o = sim(&["run", "scenarios/manifests/rollouts-demo.yaml"]);
    assert_code(&o, 0, "run manifest");
    assert!(
        o.stdout.contains("argoproj/rollouts-demo:yellow"),
        "the default scenario moves to the next demo colour\n{}",
        o.stdout
    );
    assert!(o.stdout.contains("PASSED"), "{}", o.stdout);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.contains("stable: argoproj/rollouts-demo:yellow")),
        "yellow ends up stable\n{}",
        o.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Seeds do not change verdicts
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_passes_for_any_seed() {
    for seed in ["0", "1", "8", "42", "1234567", "18446744073709551615"] {
        let mut cmd = Command::cargo_bin("rollout-sim").unwrap();
        cmd.current_dir(crate_dir())
            .args(["test", DEMO, "--seed", seed])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("PASS {DEMO}")))
            .stdout(predicate::str::contains("1 passed, 0 failed, 0 invalid"))
            .stderr(predicate::str::contains("panicked").not());
    }
}

/// A two-replica Rollout `a` of image `x:1`: `spec_extra` (whole lines) goes between
/// `replicas` and `selector`, `strategy` (whole lines, indented under `strategy:`) ends it.
fn small_rollout(spec_extra: &str, strategy: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: a}}\nspec:\n  \
         replicas: 2\n{spec_extra}  selector: {{matchLabels: {{app: a}}}}\n  template:\n    \
         metadata: {{labels: {{app: a}}}}\n    spec:\n      \
         containers: [{{name: a, image: \"x:1\"}}]\n  strategy:\n{strategy}"
    )
}

/// The checks of Argo's `ValidateRollout` that need no cluster are lint errors; one the
/// script could heal (a router without its Services) only when nothing heals it.
#[test]
fn argo_validation_checks_are_refused_where_nothing_can_heal_them() {
    let dir = TempDir::new().unwrap();
    let rollout = |strategy: &str| small_rollout("  revisionHistoryLimit: 1\n", strategy);
    let cases = [
        (
            "    blueGreen: {activeService: a, scaleDownDelayRevisionLimit: 3}\n",
            "spec.strategy.blueGreen.scaleDownDelayRevisionLimit",
            "can not be smaller than the rollout's scale down limit",
        ),
        (
            "    canary:\n      antiAffinity: {}\n",
            "spec.strategy.canary.antiAffinity",
            "AntiAffinity must have exactly one strategy listed",
        ),
        (
            "    canary:\n      canaryService: c\n      stableService: s\n      \
             trafficRouting: {maxTrafficWeight: 1000, istio: {virtualService: {name: v}}}\n",
            "spec.strategy.canary.trafficRouting.maxTrafficWeight",
            "only supported in Nginx and Plugins",
        ),
        (
            "    canary:\n      trafficRouting: {smi: {}}\n",
            "spec.strategy.canary.trafficRouting",
            "Canary service and Stable service must to be set to use Traffic Routing",
        ),
        // A router names its objects one way or the other (validation_references.go).
        (
            "    canary:\n      canaryService: c\n      stableService: s\n      \
             trafficRouting: {nginx: {additionalIngressAnnotations: {a: b}}}\n",
            "spec.strategy.canary.trafficRouting.nginx",
            "Either StableIngress or StableIngresses must be configured. Neither are configured.",
        ),
        (
            "    canary:\n      canaryService: c\n      stableService: s\n      \
             trafficRouting: {nginx: {stableIngress: i, stableIngresses: [j]}}\n",
            "spec.strategy.canary.trafficRouting.nginx",
            "Either StableIngress or StableIngresses must be configured. Both are configured.",
        ),
        (
            // An empty list is configured, as a non-nil slice is in Go.
            "    canary:\n      canaryService: c\n      stableService: s\n      \
             trafficRouting: {alb: {ingress: i, ingresses: [], servicePort: 80}}\n",
            "spec.strategy.canary.trafficRouting.alb",
            "Either Ingress or Ingresses must be configured. Both are configured.",
        ),
        (
            "    canary:\n      canaryService: c\n      stableService: s\n      \
             trafficRouting: {istio: {destinationRule: {name: d, canarySubsetName: c, \
             stableSubsetName: s}}}\n",
            "spec.strategy.canary.trafficRouting.istio",
            "either VirtualService or VirtualServices must be configured",
        ),
    ];
    for (i, (strategy, path, needle)) in cases.into_iter().enumerate() {
        let name = format!("r{i}.yaml");
        let text = rollout(strategy);
        write(dir.path(), &name, &text);
        for cmd in ["lint", "run"] {
            let o = sim_in(dir.path(), &[cmd, &name]);
            assert_invalid(&o, &format!("{cmd} {name}"));
            assert!(
                o.stderr.contains(&format!(": error: {path}: ")) && o.stderr.contains(needle),
                "{cmd} {name}: expected {path}: {needle}\n{}",
                o.stderr
            );
        }
    }
}

/// The router settings the Rollout CRD's schema requires (`alb.servicePort`, an Istio
/// VirtualService's `name`, a DestinationRule's subsets, ...) are refused as the API server
/// refuses them (`Required value`), at the line of the object that lacks them; with them, the
/// same Rollouts are accepted.
#[test]
fn router_fields_the_crd_requires_are_refused_when_missing() {
    let dir = TempDir::new().unwrap();
    // The router's settings are on line 16.
    let rollout = |routing: &str| {
        small_rollout(
            "",
            &format!(
                "    canary:\n      canaryService: c\n      stableService: s\n      \
                 trafficRouting:\n        {routing}\n"
            ),
        )
    };
    let cases = [
        (
            "alb: {ingress: i}",
            "alb: {ingress: i, servicePort: 80}",
            "alb.servicePort",
        ),
        (
            "istio: {virtualService: {routes: [primary]}}",
            "istio: {virtualService: {name: v, routes: [primary]}}",
            "istio.virtualService.name",
        ),
        (
            "istio: {virtualServices: [{name: v}, {routes: [primary]}]}",
            "istio: {virtualServices: [{name: v}, {name: w}]}",
            "istio.virtualServices[1].name",
        ),
        (
            "istio: {virtualService: {name: v}, destinationRule: {name: d, canarySubsetName: c}}",
            "istio: {virtualService: {name: v}, destinationRule: {name: d, canarySubsetName: c, \
             stableSubsetName: s}}",
            "istio.destinationRule.stableSubsetName",
        ),
    ];
    for (i, (missing, complete, field)) in cases.into_iter().enumerate() {
        let bad = format!("bad{i}.yaml");
        write(dir.path(), &bad, rollout(missing));
        let o = sim_in(dir.path(), &["lint", &bad]);
        assert_invalid(&o, &format!("lint {bad}"));
        let path = format!("spec.strategy.canary.trafficRouting.{field}");
        assert_diag(
            &o.stderr,
            &bad,
            16,
            &path,
            "Required value: the Rollout CRD requires",
        );
        let good = format!("good{i}.yaml");
        write(dir.path(), &good, rollout(complete));
        let o = sim_in(dir.path(), &["lint", &good]);
        assert!(
            !o.stderr.contains("Required value") && o.code == 0,
            "lint {good}\n{}",
            o.stderr
        );
    }
}
