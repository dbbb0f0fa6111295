//! Robustness of `rollout-sim lint` and `rollout-sim run` against hostile and broken inputs.
//!
//! * The small corpus in `tests/bad_inputs/` (truncated YAML, wrong types, huge and negative
//!   numbers, binary garbage, an empty file, non-UTF-8 bytes) and large inputs generated here
//!   into a temp dir (10,000-deep nesting, a 50 KB file whose aliases expand quadratically, a
//!   100 MB sparse file): every one must exit 2 through both commands, with no panic, with a
//!   `FILE[:LINE:COL]: error: ...` line naming the file. How long a refusal takes is measured
//!   by the criterion benches of `benches/input.rs` (the alias bombs among them), not here: a
//!   time limit in a test fails on a busy machine and passes a slow change on a fast one.
//! * Every manifest of `tests/fixtures/argo-examples` lints (exit 0, or exit 2 with only "is not
//!   simulated yet" errors), and every Rollout there runs as the default scenario, together
//!   with the companion files it needs (Services and AnalysisTemplates live in other files of
//!   the example set), or is refused by name.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

use crate::common::{Outcome, crate_dir, examples_dir};

fn corpus_dir() -> PathBuf {
    crate_dir().join("tests/bad_inputs")
}

/// Runs `rollout-sim ARGS` in `dir`, as the shared helper does, but killed after a minute: a
/// hostile input that made it hang would otherwise hang the whole suite. The kill is a guard
/// against a hang (the test then fails on the missing exit code), not a measure of speed.
fn sim_in(dir: &Path, args: &[&str]) -> Outcome {
    Outcome::from_output(
        Command::cargo_bin("rollout-sim")
            .expect("the rollout-sim binary is built")
            .current_dir(dir)
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("rollout-sim can be started"),
    )
}

fn no_panic(o: &Outcome, what: &str) {
    assert!(
        !o.stderr.contains("panicked") && !o.stdout.contains("panicked"),
        "{what}: rollout-sim panicked\n--- stderr\n{}",
        o.stderr
    );
}

/// Runs `lint` and `run` on `file` (relative to `dir`) and checks a clean refusal. When
/// `at` is given (`(line, field path)`), a diagnostic must point there.
#[track_caller]
fn assert_refused(dir: &Path, file: &str, at: Option<(u32, &str)>, needle: &str) {
    for cmd in ["lint", "run"] {
        let o = sim_in(dir, &[cmd, file]);
        let what = format!("rollout-sim {cmd} {file}");
        no_panic(&o, &what);
        assert_eq!(
            o.code, 2,
            "{what}: expected exit 2\n--- stdout\n{}\n--- stderr\n{}",
            o.stdout, o.stderr
        );
        let errors = o.error_lines();
        assert!(
            !errors.is_empty() && errors.iter().all(|l| l.starts_with(file)),
            "{what}: every error line must start with the file name\n{}",
            o.stderr
        );
        assert!(
            errors.iter().any(|l| l.contains(needle)),
            "{what}: no error mentions `{needle}`\n{}",
            o.stderr
        );
        if let Some((line, path)) = at {
            let prefix = format!("{file}:{line}:");
            let field = format!(": error: {path}: ");
            assert!(
                errors
                    .iter()
                    .any(|l| l.starts_with(&prefix) && l.contains(&field)),
                "{what}: expected `{prefix}COL{field}...`\n{}",
                o.stderr
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The committed corpus
// ---------------------------------------------------------------------------------------------

/// Every corpus file, with the line and field its diagnostic must name (when there is one) and
/// a word the message must contain.
/// A corpus file, where its diagnostic points (line, field path) if anywhere, and a word the
/// message must contain.
type Case = (&'static str, Option<(u32, &'static str)>, &'static str);

const CORPUS: &[Case] = &[
    ("binary-garbage.bin", None, "not UTF-8"),
    ("comments-only.yaml", None, "empty"),
    ("elf-header.bin", None, "invalid YAML"),
    ("empty.yaml", None, "empty"),
    ("latin1.yaml", None, "not UTF-8"),
    (
        "maxsurge-bad-percent.yaml",
        Some((18, "spec.strategy.canary.maxSurge")),
        "percentage",
    ),
    (
        "maxsurge-map.yaml",
        Some((18, "spec.strategy.canary.maxSurge")),
        "found a mapping",
    ),
    ("nul-bytes.yaml", None, "invalid YAML"),
    (
        "pause-duration-map.yaml",
        Some((22, "spec.strategy.canary.steps[1].pause.duration")),
        "found a mapping",
    ),
    (
        "pause-huge.yaml",
        Some((22, "spec.strategy.canary.steps[1].pause.duration")),
        "duration",
    ),
    (
        "pause-list.yaml",
        Some((22, "spec.strategy.canary.steps[1].pause")),
        "found a list",
    ),
    (
        "pause-negative-int.yaml",
        Some((22, "spec.strategy.canary.steps[1].pause.duration")),
        "negative",
    ),
    (
        "pause-negative.yaml",
        Some((22, "spec.strategy.canary.steps[1].pause.duration")),
        "negative",
    ),
    (
        "replicas-float.yaml",
        Some((6, "spec.replicas")),
        "expected an integer",
    ),
    (
        "replicas-huge.yaml",
        Some((6, "spec.replicas")),
        "out of range",
    ),
    (
        "replicas-negative.yaml",
        Some((6, "spec.replicas")),
        "negative",
    ),
    (
        "replicas-string.yaml",
        Some((6, "spec.replicas")),
        "found the string \"three\"",
    ),
    (
        "scenario-bad-actions.yaml",
        Some((9, "script[1].scale")),
        "expected an integer",
    ),
    (
        "scenario-wrong-types.yaml",
        Some((2, "objects")),
        "expected a list",
    ),
    (
        "selector-string.yaml",
        Some((8, "spec.selector.matchLabels")),
        "expected a mapping",
    ),
    (
        "setweight-2pow64.yaml",
        Some((21, "spec.strategy.canary.steps[0].setWeight")),
        "out of range",
    ),
    (
        "setweight-bool.yaml",
        Some((21, "spec.strategy.canary.steps[0].setWeight")),
        "boolean",
    ),
    (
        "setweight-list.yaml",
        Some((21, "spec.strategy.canary.steps[0].setWeight")),
        "found a list",
    ),
    (
        "setweight-negative.yaml",
        Some((21, "spec.strategy.canary.steps[0].setWeight")),
        "outside 0..100",
    ),
    (
        "setweight-over-100.yaml",
        Some((21, "spec.strategy.canary.steps[0].setWeight")),
        "outside 0..100",
    ),
    (
        "scenario-timeout-float.yaml",
        Some((3, "timeout")),
        "found the number 1.5",
    ),
    (
        "scenario-autopromote-huge.yaml",
        Some((3, "autoPromote")),
        "too long a duration",
    ),
    (
        "scenario-startup-bool.yaml",
        Some((16, "apps[0].startup")),
        "found the boolean true",
    ),
    (
        "scenario-terminate-list.yaml",
        Some((16, "apps[0].terminate")),
        "found a list",
    ),
    (
        "scenario-latency-map.yaml",
        Some((16, "apps[0].latency")),
        "found a mapping",
    ),
    (
        "scenario-controller-delay-huge.yaml",
        Some((15, "cluster.controllerDelay")),
        "found the number 100000000000000000000",
    ),
    (
        "scenario-tick-too-fine.yaml",
        Some((16, "traffic.tick")),
        "between 100ms and",
    ),
    (
        "scenario-tick-float.yaml",
        Some((16, "traffic.tick")),
        "found the number 0.5",
    ),
    (
        "analysis-interval-1ms.yaml",
        Some((30, "spec.metrics[0].interval")),
        "shorter than 1s",
    ),
    (
        "analysis-interval-float.yaml",
        Some((30, "spec.metrics[0].interval")),
        "found the number 0.5",
    ),
    (
        "progress-deadline-float.yaml",
        Some((6, "spec.progressDeadlineSeconds")),
        "found the number 1.5",
    ),
    ("truncated-flow.yaml", None, "invalid YAML"),
    (
        "truncated-mid-key.yaml",
        Some((18, "spec.strategy.canary")),
        "expected a mapping",
    ),
    ("truncated-quote.yaml", None, "invalid YAML"),
    ("utf16-bom.yaml", None, "not UTF-8"),
];

#[test]
fn corpus_is_refused_cleanly() {
    let dir = corpus_dir();
    // The table and the folder agree: no corpus file goes untested.
    let mut on_disk: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CORPUS.iter().map(|(f, _, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/bad_inputs/ and CORPUS differ");
    for (file, at, needle) in CORPUS {
        assert_refused(&dir, file, *at, needle);
    }
}

/// Corpus files whose problem is the file as a whole (not text, not YAML, no document): their
/// diagnostics have a line and column but no field.
const WHOLE_FILE: &[&str] = &[
    "binary-garbage.bin",
    "comments-only.yaml",
    "elf-header.bin",
    "empty.yaml",
    "latin1.yaml",
    "nul-bytes.yaml",
    "truncated-flow.yaml",
    "truncated-quote.yaml",
    "utf16-bom.yaml",
];

/// Whether `line` is a diagnostic `FILE:LINE:COL: error: ...`, and with a field path
/// (`FILE:LINE:COL: error: FIELD: ...`) when `field` is asked.
fn is_located(line: &str, file: &str, field: bool) -> bool {
    let Some(rest) = line.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let numbers = [parts.next(), parts.next()]
        .iter()
        .all(|p| p.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())));
    let Some(message) = parts.next().and_then(|m| m.strip_prefix(" error: ")) else {
        return false;
    };
    if !numbers {
        return false;
    }
    if !field {
        return true;
    }
    // A field path: names, dots and indexes, then `: `.
    message.split_once(": ").is_some_and(|(path, _)| {
        !path.is_empty()
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '[' | ']' | '_' | '-'))
    })
}

/// Every file of the corpus, whatever its table says, through every command that reads a
/// scenario: an exit 2 always comes with a diagnostic naming the file, the line and column
/// and (unless the whole file is the problem) the field.
#[test]
fn every_refusal_names_file_line_and_field() {
    let dir = corpus_dir();
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for file in &files {
        let field = !WHOLE_FILE.contains(&file.as_str());
        for cmd in [
            &["lint", file.as_str()][..],
            &["run", file],
            &["plan", file],
            &["get", file],
        ] {
            let o = sim_in(&dir, cmd);
            let what = format!("rollout-sim {}", cmd.join(" "));
            no_panic(&o, &what);
            assert_eq!(
                o.code, 2,
                "{what}: every corpus file is refused\n{}",
                o.stderr
            );
            assert!(
                o.stderr.lines().any(|l| is_located(l, file, field)),
                "{what}: no `{file}:LINE:COL: error: {}` diagnostic\n{}",
                if field { "FIELD: " } else { "" },
                o.stderr
            );
        }
    }
}

/// Every scenario-level duration given every wrong type and out-of-range number: refused with
/// a diagnostic at that field (not exit 2 with nothing said).
#[test]
fn every_scenario_duration_refuses_every_bad_value() {
    let rollout = fs::read_to_string(corpus_dir().join("scenario-timeout-float.yaml")).unwrap();
    let objects = &rollout[rollout.find("objects:").unwrap()..rollout.find("script:").unwrap()];
    let bad = [
        "1.5",
        "true",
        "[1s]",
        "{a: 1}",
        "99999999999999999999",
        "9223372036854775807",
        "-3",
    ];
    // The field path, and where its value goes: (before the objects, after them).
    type Place = fn(&str) -> (String, String);
    let fields: [(&str, Place); 7] = [
        ("timeout", |v| (format!("timeout: {v}\n"), String::new())),
        ("autoPromote", |v| {
            (format!("autoPromote: {v}\n"), String::new())
        }),
        ("apps[0].startup", |v| {
            (
                String::new(),
                format!("apps:\n  - image: 'example/*'\n    startup: {v}\n"),
            )
        }),
        ("apps[0].terminate", |v| {
            (
                String::new(),
                format!("apps:\n  - image: 'example/*'\n    terminate: {v}\n"),
            )
        }),
        ("apps[0].latency", |v| {
            (
                String::new(),
                format!("apps:\n  - image: 'example/*'\n    latency: {v}\n"),
            )
        }),
        ("cluster.controllerDelay", |v| {
            (String::new(), format!("cluster:\n  controllerDelay: {v}\n"))
        }),
        ("traffic.tick", |v| {
            (String::new(), format!("traffic:\n  rps: 10\n  tick: {v}\n"))
        }),
    ];
    let dir = TempDir::new().unwrap();
    for (field, place) in fields {
        for (i, v) in bad.iter().enumerate() {
            let (top, after) = place(v);
            let name = format!("{}-{i}.yaml", field.replace(['[', ']', '.'], "_"));
            let text =
                format!("name: s\n{top}{objects}{after}script:\n  - wait: {{phase: Healthy}}\n");
            fs::write(dir.path().join(&name), text).unwrap();
            let o = sim_in(dir.path(), &["lint", &name]);
            no_panic(&o, &name);
            assert_eq!(o.code, 2, "{field}: {v}\n{}", o.stderr);
            assert!(
                o.stderr
                    .lines()
                    .any(|l| is_located(l, &name, true) && l.contains(&format!(" {field}: "))),
                "{field}: {v}: no diagnostic at the field\n{}",
                o.stderr
            );
        }
    }
}

/// Every duration of a Rollout and an AnalysisTemplate given every wrong type and
/// out-of-range number: refused with a diagnostic at that field.
#[test]
fn every_manifest_duration_refuses_every_bad_value() {
    let base = fs::read_to_string(corpus_dir().join("setweight-bool.yaml"))
        .unwrap()
        .replace("setWeight: true", "setWeight: 20");
    let template = "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n\
                    metadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    FIELD\n    \
                    successCondition: result == 1\n    provider: {prometheus: {query: up}}\n";
    let bad = ["1.5", "true", "[1]", "{a: 1}", "99999999999999999999", "-3"];
    // (field path, the text it replaces, the text with VALUE in it)
    let fields: [(&str, &str, String); 7] = [
        (
            "spec.progressDeadlineSeconds",
            "spec:\n",
            "spec:\n  progressDeadlineSeconds: VALUE\n".into(),
        ),
        (
            "spec.minReadySeconds",
            "spec:\n",
            "spec:\n  minReadySeconds: VALUE\n".into(),
        ),
        (
            "spec.strategy.canary.scaleDownDelaySeconds",
            "    canary:\n",
            "    canary:\n      scaleDownDelaySeconds: VALUE\n".into(),
        ),
        (
            "spec.strategy.canary.abortScaleDownDelaySeconds",
            "    canary:\n",
            "    canary:\n      abortScaleDownDelaySeconds: VALUE\n".into(),
        ),
        (
            "spec.strategy.canary.steps[1].pause.duration",
            "pause: {duration: 10s}",
            "pause: {duration: VALUE}".into(),
        ),
        (
            "spec.metrics[0].interval",
            "<end>",
            template.replace("FIELD", "interval: VALUE"),
        ),
        (
            "spec.metrics[0].initialDelay",
            "<end>",
            template.replace("FIELD", "initialDelay: VALUE"),
        ),
    ];
    let dir = TempDir::new().unwrap();
    for (field, at, with) in &fields {
        for (i, v) in bad.iter().enumerate() {
            let with = with.replace("VALUE", v);
            let text = if *at == "<end>" {
                format!("{base}{with}")
            } else {
                base.replacen(at, &with, 1)
            };
            let name = format!("{}-{i}.yaml", field.replace(['[', ']', '.'], "_"));
            fs::write(dir.path().join(&name), text).unwrap();
            let o = sim_in(dir.path(), &["lint", &name]);
            no_panic(&o, &name);
            assert_eq!(o.code, 2, "{field}: {v}\n{}", o.stderr);
            assert!(
                o.stderr
                    .lines()
                    .any(|l| is_located(l, &name, true) && l.contains(&format!(" {field}: "))),
                "{field}: {v}: no diagnostic at the field\n{}",
                o.stderr
            );
        }
    }
}

#[test]
fn the_located_form_is_recognised() {
    assert!(is_located(
        "a.yaml:3:10: error: timeout: bad",
        "a.yaml",
        true
    ));
    assert!(is_located(
        "a.yaml:3:10: error: apps[0].latency: bad",
        "a.yaml",
        true
    ));
    assert!(is_located(
        "a.yaml:1:1: error: the file is empty",
        "a.yaml",
        false
    ));
    assert!(!is_located(
        "a.yaml: error: the file is empty",
        "a.yaml",
        false
    ));
    assert!(!is_located(
        "a.yaml:1:1: error: the file is empty",
        "a.yaml",
        true
    ));
    assert!(!is_located(
        "b.yaml:3:10: error: timeout: bad",
        "a.yaml",
        true
    ));
}

// ---------------------------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn deep_nesting_is_refused() {
    let dir = TempDir::new().unwrap();
    let n = 10_000;
    let cases = [
        (
            "deep-flow-seq.yaml",
            format!("{}1{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "deep-flow-map.yaml",
            format!("{}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
        ),
        // Compact block sequences: `- - - ... x`, one level per two characters.
        ("deep-block-seq.yaml", format!("{}x\n", "- ".repeat(n))),
        // Under a Rollout: the nesting is inside a real manifest.
        (
            "deep-in-rollout.yaml",
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: deep\n\
                 spec:\n  replicas: {}1{}\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        // Unclosed: deep and truncated at once.
        ("deep-unclosed.yaml", "[".repeat(n)),
    ];
    for (name, text) in &cases {
        fs::write(dir.path().join(name), text).unwrap();
        assert_refused(dir.path(), name, None, "");
    }
    // Whichever check fires first (the depth cap or the parser's own recursion limit), it
    // must say so, not report something unrelated.
    let o = sim_in(dir.path(), &["lint", "deep-block-seq.yaml"]);
    assert!(
        o.stderr.contains("nested") || o.stderr.contains("recursion"),
        "{}",
        o.stderr
    );
}

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

/// Anchors that each refer to every earlier anchor once: also quadratic per line (cubic in
/// all), inside a Rollout's labels so the manifest reader, not just the parser, is involved.
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

#[test]
fn quadratic_alias_expansion_is_refused() {
    let dir = TempDir::new().unwrap();
    for (name, text) in [
        ("aliases.yaml", quadratic_aliases()),
        ("aliases-in-rollout.yaml", quadratic_aliases_in_rollout()),
    ] {
        assert!(
            (40_000..60_000).contains(&text.len()),
            "{name}: {}",
            text.len()
        );
        fs::write(dir.path().join(name), &text).unwrap();
        assert_refused(dir.path(), name, None, "aliases expand");
    }
}

#[test]
fn hundred_megabyte_file_is_refused_unread() {
    let dir = TempDir::new().unwrap();
    let name = "huge.yaml";
    // Sparse: a valid start, then a hole up to 100 MB (cheap to write, zeros if read).
    let f = fs::File::create(dir.path().join(name)).unwrap();
    use std::io::Write;
    (&f).write_all(b"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n")
        .unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    drop(f);
    assert_refused(dir.path(), name, None, "MiB");
}

#[test]
fn a_directory_and_a_missing_file_are_refused() {
    let dir = TempDir::new().unwrap();
    fs::create_dir(dir.path().join("folder.yaml")).unwrap();
    assert_refused(dir.path(), "folder.yaml", None, "directory");
    assert_refused(dir.path(), "missing.yaml", None, "");
}

// ---------------------------------------------------------------------------------------------
// The upstream examples
// ---------------------------------------------------------------------------------------------

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(examples_dir())
        .expect("tests/fixtures/argo-examples exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() > 20, "too few examples: {files:?}");
    files
}

/// Errors of a refused run or lint that are acceptable: features not simulated, named.
fn only_not_simulated(o: &Outcome) -> bool {
    let errors = o.error_lines();
    !errors.is_empty() && errors.iter().all(|l| l.contains("is not simulated yet"))
}

#[test]
fn every_example_lints() {
    let dir = examples_dir();
    let all = example_files();
    for path in &all {
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = fs::read_to_string(path).unwrap();
        // `lint` checks what `run` would run. Services, routes or templates alone have no
        // Rollout: refused as `run` refuses them, and checked below next to their Rollouts.
        if !text.contains("kind: Rollout") {
            let o = sim_in(&dir, &["lint", name]);
            no_panic(&o, name);
            assert_eq!(o.code, 2, "lint {name}\n{}", o.stderr);
            assert!(o.stderr.contains("no Rollout found"), "{}", o.stderr);
            continue;
        }
        // A Rollout with its companion files, given together as to `kubectl apply -f`.
        let mut args = vec!["lint".to_string(), name.to_string()];
        args.extend(
            companions(path, &all)
                .iter()
                .map(|c| c.file_name().unwrap().to_str().unwrap().to_string()),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = sim_in(&dir, &args);
        no_panic(&o, name);
        assert!(
            o.code == 0 || (o.code == 2 && only_not_simulated(&o)),
            "{}: exit {}\n{}",
            args.join(" "),
            o.code,
            o.stderr
        );
    }
}

/// The example files a Rollout needs besides its own: the other files of its group (the part
/// of the name before `_`: Services, routes), and the (Cluster)AnalysisTemplates when it names one.
fn companions(rollout: &Path, all: &[PathBuf]) -> Vec<PathBuf> {
    let name = rollout.file_name().unwrap().to_str().unwrap();
    let text = fs::read_to_string(rollout).unwrap();
    let mut out = Vec::new();
    if let Some((group, _)) = name.split_once('_') {
        for p in all {
            let n = p.file_name().unwrap().to_str().unwrap();
            if p != rollout && n.starts_with(&format!("{group}_")) {
                let t = fs::read_to_string(p).unwrap();
                // Another Rollout of the group is its own example, not a companion.
                if !t.contains("kind: Rollout") {
                    out.push(p.clone());
                }
            }
        }
    }
    if text.contains("templateName") && !text.contains("kind: AnalysisTemplate") {
        out.push(examples_dir().join("analysis-templates.yaml"));
    }
    if text.contains("clusterScope: true") {
        out.push(examples_dir().join("cluster-analysis-templates.yaml"));
    }
    out
}

#[test]
fn every_example_rollout_runs_or_is_refused_by_name() {
    let all = example_files();
    let tmp = TempDir::new().unwrap();
    let mut ran = 0;
    for path in &all {
        let text = fs::read_to_string(path).unwrap();
        if !text.contains("kind: Rollout") {
            // Services, routes, templates only: `run` refuses them for lack of a Rollout.
            let name = path.file_name().unwrap().to_str().unwrap();
            let o = sim_in(&examples_dir(), &["run", name]);
            no_panic(&o, name);
            assert_eq!(o.code, 2, "run {name}\n{}", o.stderr);
            assert!(o.stderr.contains("no Rollout found"), "{}", o.stderr);
            continue;
        }
        let mut combined = text.clone();
        for c in companions(path, &all) {
            combined.push_str("\n---\n");
            combined.push_str(&fs::read_to_string(c).unwrap());
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        fs::write(tmp.path().join(name), &combined).unwrap();
        let o = sim_in(tmp.path(), &["run", name]);
        no_panic(&o, name);
        println!("run {name}: exit {}", o.code);
        // A web metric needs a model that only a scenario can give: refused by name.
        let needs_model = o.code == 2
            && o.error_lines()
                .iter()
                .all(|l| l.contains("has no model") || l.contains("is not simulated yet"));
        assert!(
            o.code == 0 || (o.code == 2 && (only_not_simulated(&o) || needs_model)),
            "run {name}: exit {}\n--- stdout\n{}\n--- stderr\n{}",
            o.code,
            o.stdout,
            o.stderr
        );
        if o.code == 0 {
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} example Rollouts ran");
}

#[test]
fn a_docs_ellipsis_line_is_named_as_the_document_end_it_is() {
    // `...` in a snippet of the Argo docs means "fields left out"; to YAML it ends the
    // document, and the rest of the Rollout becomes a document of its own.
    let text = "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: guestbook}
spec:
...
  strategy:
    canary:
      steps: [{setWeight: 20}]
";
    let (_dir, p) = crate::common::write_temp("r.yaml", text);
    let o = crate::common::sim(&["lint", p.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "r.yaml:6:3: error: this object has no `kind`: a `...` line above ends the YAML \
             document"
        ),
        "{}",
        o.stderr
    );
    // A document after `...` that is an object of its own is read as usual.
    let two = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}}\n...\n\
               apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}}\n";
    let (m, _) = rollout_sim::manifest::parse_text("s.yaml", two).unwrap();
    assert_eq!(m.services.len(), 2);
}
