//! How the CLI delivers its output: a reader of standard output that goes away early, and the
//! `--out DIR` folder (checked before the run, replaced as one set, stale files of the set
//! removed, other files kept, concurrent runs never tearing a file, text safe for XML).

use crate::common::{crate_dir, scenario_path};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use tempfile::TempDir;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("rollout-sim")
}

fn scenario(name: &str) -> String {
    scenario_path(name).display().to_string()
}

/// Runs rollout-sim with a standard output whose reading end is closed as soon as the process
/// is started (well before it has loaded its input): its first write fails with a broken pipe.
fn with_closed_stdout(args: &[&str]) -> (i32, String) {
    let mut child = Process::new(bin())
        .current_dir(crate_dir())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollout-sim starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("rollout-sim ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let demo = scenario("rollouts-demo.yaml");
    let traffic = scenario("analysis-bad-canary-aborted.yaml");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", &traffic, "--traffic"],
        vec!["run", &demo, "--format", "json"],
        vec!["get", &demo],
        vec!["test", &demo],
        vec!["lint", &demo],
        vec!["plan", &demo],
        vec![
            "sweep",
            &demo,
            "--set",
            "apps[0].terminate=1s,2s",
            "--runs",
            "2",
        ],
        vec!["watch", &demo, "--speed", "100000"],
    ];
    for args in cases {
        let (code, stderr) = with_closed_stdout(&args);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let bad = crate_dir().join("tests/bad_inputs/setweight-bool.yaml");
    let mut child = Process::new(bin())
        .args(["lint"])
        .arg(&bad)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollout-sim starts");
    drop(child.stderr.take());
    // 2, the refusal, not 101 for a panic while telling it.
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

fn run_out(dir: &Path, file: &str, out: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("rollout-sim")
        .unwrap()
        .current_dir(dir)
        .args(["run", file, "--out"])
        .arg(out)
        .assert()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn an_unwritable_folder_is_refused_before_the_run() {
    let tmp = TempDir::new().unwrap();
    // A file where the folder (or its parent) should be.
    fs::write(tmp.path().join("taken"), "a file").unwrap();
    for out in ["taken", "taken/sub"] {
        let a = run_out(
            crate_dir(),
            &scenario("rollouts-demo.yaml"),
            &tmp.path().join(out),
        )
        .code(2);
        let o = a.get_output();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!(
                "cannot write to {}",
                tmp.path().join(out).display()
            )),
            "{stderr}"
        );
        // Refused before simulating: no timeline was printed.
        assert!(
            o.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    assert_eq!(names(tmp.path()), vec!["taken".to_string()]);
}

#[test]
fn a_new_set_replaces_the_old_one_and_keeps_other_files() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_out(
        crate_dir(),
        &scenario("analysis-bad-canary-aborted.yaml"),
        &out,
    )
    .code(0);
    let first = names(&out);
    assert!(first.contains(&"traffic.svg".to_string()), "{first:?}");
    assert!(first.contains(&"analysis.png".to_string()), "{first:?}");
    // Only the files of the set: replaced whole.
    run_out(crate_dir(), &scenario("rollouts-demo.yaml"), &out).code(0);
    let second = names(&out);
    assert!(
        !second.contains(&"traffic.svg".to_string()),
        "stale chart left: {second:?}"
    );
    assert!(
        !second.contains(&"analysis.png".to_string()),
        "stale chart left: {second:?}"
    );
    assert!(second.contains(&"weight.svg".to_string()), "{second:?}");
    // A file of the user's in the folder: kept, the set still replaced.
    fs::write(out.join("notes.md"), "mine").unwrap();
    run_out(
        crate_dir(),
        &scenario("analysis-bad-canary-aborted.yaml"),
        &out,
    )
    .code(0);
    run_out(crate_dir(), &scenario("rollouts-demo.yaml"), &out).code(0);
    let mut expected = second.clone();
    expected.push("notes.md".to_string());
    expected.sort();
    assert_eq!(names(&out), expected);
    assert_eq!(fs::read_to_string(out.join("notes.md")).unwrap(), "mine");
    // No staging folder is left beside it.
    assert_eq!(names(tmp.path()), vec!["out".to_string()]);
}

#[test]
fn concurrent_runs_into_one_folder_never_tear_a_file() {
    let tmp = TempDir::new().unwrap();
    let files = [
        scenario("analysis-bad-canary-aborted.yaml"),
        scenario("analysis-good-canary-promoted.yaml"),
    ];
    // What each run writes on its own.
    let alone: Vec<PathBuf> = (0..2)
        .map(|i| {
            let d = tmp.path().join(format!("alone{i}"));
            run_out(crate_dir(), &files[i], &d).code(0);
            d
        })
        .collect();
    let shared = tmp.path().join("shared");
    for round in 0..2 {
        let children: Vec<_> = (0..4)
            .map(|i| {
                Process::new(bin())
                    .args(["run", &files[i % 2], "--out"])
                    .arg(&shared)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        // Every file is whole: byte for byte the file of one of the runs.
        for n in names(&shared) {
            let got = fs::read(shared.join(&n)).unwrap();
            assert!(
                alone
                    .iter()
                    .any(|d| fs::read(d.join(&n)).is_ok_and(|b| b == got)),
                "round {round}: {n} is not the file of either run"
            );
        }
    }
    let mut left = names(tmp.path());
    left.retain(|n| n.starts_with('.'));
    assert!(left.is_empty(), "staging folders left: {left:?}");
}

#[test]
fn control_characters_in_names_never_reach_the_svg_or_html() {
    let tmp = TempDir::new().unwrap();
    let text = fs::read_to_string(crate_dir().join("scenarios/analysis-bad-canary-aborted.yaml"))
        .unwrap()
        .replace(
            "manifests/",
            &format!("{}/scenarios/manifests/", crate_dir().display()),
        );
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("name:") {
                "name: \"bad\\x01 <b>&\\e[31m \\x7f\\u0085 name\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(tmp.path().join("s.yaml"), text).unwrap();
    let out = tmp.path().join("out");
    run_out(tmp.path(), "s.yaml", &out).code(0);
    let forbidden = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || ('\u{7f}'..='\u{9f}').contains(&c)
    };
    for n in names(&out) {
        if !(n.ends_with(".svg") || n.ends_with(".html")) {
            continue;
        }
        let doc = fs::read_to_string(out.join(&n)).unwrap();
        assert!(!doc.chars().any(forbidden), "{n} holds a control character");
        assert!(
            doc.contains("bad\u{fffd} "),
            "{n}: the name is shown, its controls replaced"
        );
        if n.ends_with(".svg") {
            roxmltree::Document::parse(&doc).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(
                doc.contains("&lt;b&gt;&amp;"),
                "{n}: markup in the name is escaped"
            );
        }
    }
}
