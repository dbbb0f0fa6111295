//! `rollout-sim test --junit FILE` and `--shard I/N`, through the binary.
//!
//! * The JUnit file has what CI systems read: a `testsuites` root and a `testsuite` with
//!   name/tests/failures/errors, each `testcase` with name/classname/time, a `failure` with a
//!   message for a failed expectation, an `error` for an invalid scenario. It is parsed with
//!   roxmltree, and is byte-identical on a second run.
//! * Shards: every scenario of `scenarios/` runs in exactly one of 3 shards; a bad `I/N` is an
//!   input error (exit 2).

use crate::common::{self, crate_dir};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use tempfile::TempDir;

/// Runs `rollout-sim ARGS` in `dir`; returns (exit code, stdout, stderr).
fn sim_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::sim_in(dir, args).into_parts()
}

/// One `testcase` as read back from the XML.
#[derive(Debug)]
struct Case {
    classname: String,
    time: f64,
    /// `("failure" | "error", message, text)`.
    problem: Option<(String, String, String)>,
}

/// Parses a JUnit file, checks the attributes CI systems require, and returns the testcases by
/// name.
fn parse(xml: &str) -> BTreeMap<String, Case> {
    let doc = roxmltree::Document::parse(xml).expect("the JUnit file is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    for attr in ["name", "tests", "failures", "errors"] {
        assert!(suite.attribute(attr).is_some(), "testsuite has no {attr}");
        assert!(root.attribute(attr).is_some(), "testsuites has no {attr}");
    }
    let count = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<usize>().unwrap();
    let mut cases = BTreeMap::new();
    let (mut failures, mut errors) = (0, 0);
    for tc in suite.children().filter(|n| n.has_tag_name("testcase")) {
        let name = tc.attribute("name").expect("testcase name").to_string();
        let classname = tc.attribute("classname").expect("testcase classname");
        let time: f64 = tc
            .attribute("time")
            .expect("testcase time")
            .parse()
            .unwrap();
        let problems: Vec<_> = tc
            .children()
            .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
            .collect();
        assert!(
            problems.len() <= 1,
            "{name}: several failure/error elements"
        );
        let problem = problems.first().map(|p| {
            let kind = p.tag_name().name().to_string();
            if kind == "failure" {
                failures += 1;
            } else {
                errors += 1;
            }
            let message = p.attribute("message").expect("failure/error message");
            (
                kind,
                message.to_string(),
                p.text().unwrap_or("").to_string(),
            )
        });
        let case = Case {
            classname: classname.to_string(),
            time,
            problem,
        };
        assert!(cases.insert(name.clone(), case).is_none(), "{name} twice");
    }
    for n in [root, suite] {
        assert_eq!(count(n, "tests"), cases.len());
        assert_eq!(count(n, "failures"), failures);
        assert_eq!(count(n, "errors"), errors);
    }
    cases
}

/// The `PASS`/`FAIL` lines' paths of a `test` run.
fn ran(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("PASS ").or_else(|| l.strip_prefix("FAIL ")))
        .map(|l| l.split(" (").next().unwrap().to_string())
        .collect()
}

#[test]
fn junit_of_the_suite_is_complete_and_byte_identical() {
    let out = TempDir::new().unwrap();
    let (a, b) = (out.path().join("a.xml"), out.path().join("b.xml"));
    let (code, stdout, _) = sim_in(
        crate_dir(),
        &["test", "scenarios", "--junit", a.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stdout}");
    let (code, _, _) = sim_in(
        crate_dir(),
        &["test", "scenarios", "--junit", b.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let xml = fs::read_to_string(&a).unwrap();
    assert_eq!(xml.as_bytes(), fs::read(&b).unwrap(), "not byte-identical");
    for variable in ["timestamp", "hostname", "uuid"] {
        assert!(!xml.contains(variable), "the report carries a {variable}");
    }
    assert!(xml.contains("virtual (simulated) seconds"), "{xml}");

    let cases = parse(&xml);
    let names = ran(&stdout);
    assert!(!names.is_empty());
    assert_eq!(cases.keys().cloned().collect::<Vec<_>>(), {
        let mut n = names.clone();
        n.sort();
        n
    });
    let demo = &cases["scenarios/rollouts-demo.yaml"];
    assert_eq!(demo.classname, "scenarios");
    assert!(demo.problem.is_none());
    // The virtual time of the run, as on its PASS line (1m47.696s).
    assert_eq!(demo.time, 107.696);
    assert!(cases.values().all(|c| c.problem.is_none()));
}

#[test]
fn failing_and_invalid_scenarios_carry_failure_and_error() {
    let dir = TempDir::new().unwrap();
    let suite = dir.path().join("suite");
    fs::create_dir_all(suite.join("manifests")).unwrap();
    fs::copy(
        crate_dir().join("scenarios/manifests/rollouts-demo.yaml"),
        suite.join("manifests/rollouts-demo.yaml"),
    )
    .unwrap();
    let demo = fs::read_to_string(crate_dir().join("scenarios/rollouts-demo.yaml")).unwrap();
    fs::write(suite.join("passing.yaml"), &demo).unwrap();
    // Two wrong expectations: a script one and the final one.
    let failing = demo
        .replacen("\n      step: 8\n", "\n      step: 7\n", 1)
        .replacen(
            "\nexpect:\n  phase: Healthy\n",
            "\nexpect:\n  phase: Degraded\n",
            1,
        );
    assert_ne!(failing, demo);
    fs::write(suite.join("failing.yaml"), failing).unwrap();
    fs::write(
        suite.join("bad.yaml"),
        "name: bad\nscirpt: []\nmanifests: [manifests/rollouts-demo.yaml]\n",
    )
    .unwrap();

    let (code, stdout, stderr) = sim_in(dir.path(), &["test", "suite", "--junit", "out.xml"]);
    assert_eq!(
        code, 2,
        "an invalid scenario makes exit 2\n{stdout}{stderr}"
    );
    let xml = fs::read_to_string(dir.path().join("out.xml")).unwrap();
    let cases = parse(&xml);
    assert_eq!(cases.len(), 3, "{xml}");

    let fail = &cases["suite/failing.yaml"];
    assert_eq!(fail.classname, "suite");
    let (kind, message, text) = fail.problem.as_ref().expect("a failure element");
    assert_eq!(kind, "failure");
    // The message is the first failed check; the text every one, as printed on stdout.
    let printed: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("FAIL suite/failing.yaml"))
        .skip(1)
        .take_while(|l| l.starts_with("  at "))
        .map(|l| l.trim_start())
        .collect();
    assert!(printed.len() >= 2, "{stdout}");
    assert_eq!(message, printed[0]);
    assert!(message.starts_with("at 00:00:"), "{message}");
    assert!(message.contains("(line ") && message.contains("expected 7, got 8"));
    assert_eq!(text.lines().collect::<Vec<_>>(), printed);
    assert!(text.contains("final expect") && text.contains("expected Degraded, got Healthy"));
    assert!(fail.time > 0.0);

    assert!(cases["suite/passing.yaml"].problem.is_none());

    let bad = &cases["suite/bad.yaml"];
    let (kind, message, text) = bad.problem.as_ref().expect("an error element");
    assert_eq!(kind, "error");
    assert!(
        message.contains("suite/bad.yaml:2:1: error: scirpt"),
        "{message}"
    );
    assert!(text.contains("did you mean `script`?"), "{text}");
    assert!(stderr.contains(message.as_str()), "{stderr}");
}

#[test]
fn three_shards_partition_the_suite() {
    let (code, stdout, _) = sim_in(crate_dir(), &["test", "scenarios"]);
    assert_eq!(code, 0);
    let all = ran(&stdout);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let out = TempDir::new().unwrap();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let junit = out.path().join(format!("{i}.xml"));
        let (code, stdout, _) = sim_in(
            crate_dir(),
            &[
                "test",
                "scenarios",
                "--shard",
                &shard,
                "--junit",
                junit.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{stdout}");
        let names = ran(&stdout);
        // Every third scenario, starting at the i-th, of the full run's order.
        let expected: Vec<String> = all.iter().skip(i - 1).step_by(3).cloned().collect();
        assert_eq!(names, expected, "shard {shard}");
        // The summary counts only the shard.
        assert_eq!(
            stdout.lines().last().unwrap(),
            format!("{} passed, 0 failed, 0 invalid", names.len())
        );
        let cases = parse(&fs::read_to_string(&junit).unwrap());
        assert_eq!(cases.len(), names.len());
        for n in names {
            assert!(
                cases.contains_key(&n),
                "{n} not in the JUnit file of {shard}"
            );
            *seen.entry(n).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), all.len(), "the shards together are the suite");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
}

#[test]
fn bad_shard_is_an_input_error() {
    for bad in ["0/3", "4/3", "x/3", "1/y", "3", "1/0"] {
        let (code, stdout, stderr) = sim_in(crate_dir(), &["test", "scenarios", "--shard", bad]);
        assert_eq!(code, 2, "--shard {bad}\n{stdout}{stderr}");
        assert!(stderr.contains("--shard"), "{stderr}");
        assert!(stderr.contains("write it as I/N"), "{stderr}");
        assert!(
            stdout.is_empty(),
            "nothing runs with --shard {bad}\n{stdout}"
        );
    }
}

#[test]
fn a_report_into_a_missing_folder_is_refused_before_the_suite_runs() {
    let dir = TempDir::new().unwrap();
    let scenario = crate_dir().join("scenarios/canary-basic-timeline.yaml");
    let (code, out, err) = sim_in(
        dir.path(),
        &[
            "test",
            scenario.to_str().unwrap(),
            "--junit",
            "no/such/folder/j.xml",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no folder no/such/folder"), "{err}");
    // Nothing ran: no PASS line, no totals.
    assert!(!out.contains("PASS") && !out.contains("passed"), "{out}");
}
