//! `rollout-sim diff OLD NEW`: two versions of a Rollout planned with the same seed and
//! compared — steps added and removed, ETA, surge, analysis — as text or Markdown; `--fail-if`
//! thresholds exit 1 when crossed; `git:REV:PATH` reads a version from git.

use std::process::Command;

use crate::common::{sim_in, sim_parts as cli};

const DEMO: &str = "scenarios/manifests/rollouts-demo.yaml";
const CHANGE: &str = "examples/diff/rollouts-demo-change.yaml";

#[test]
fn markdown_shows_the_figures_and_the_steps_changed() {
    let (code, out, err) = cli(&[
        "diff",
        DEMO,
        CHANGE,
        "--promote-after",
        "30m",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| canary steps | 8 | 6 | -2 |"), "{out}");
    // The indefinite pause promoted after 30 minutes, against a 10-minute bake.
    assert!(
        out.contains("| time to Healthy, expected | 31m30s | 10m42s | -20m48s |"),
        "{out}"
    );
    assert!(out.contains("| manual promotions | 1 | 0 | -1 |"), "{out}");
    assert!(
        out.contains("```diff\n  setWeight: 20\n+ pause: 10m\n- pause\n- setWeight: 40\n"),
        "{out}"
    );
}

#[test]
fn a_crossed_threshold_exits_1() {
    // The other way round the ETA grows by 20m48s.
    let (code, out, _) = cli(&[
        "diff",
        CHANGE,
        DEMO,
        "--promote-after",
        "30m",
        "--fail-if",
        "eta>+15m",
        "--fail-if",
        "surge>+0",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Threshold crossed: the expected ETA grows by 20m48s (more than 15m0s)"),
        "{out}"
    );
    // Not crossed: exit 0.
    let (code, _, _) = cli(&[
        "diff",
        CHANGE,
        DEMO,
        "--promote-after",
        "30m",
        "--fail-if",
        "eta>+30m",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = cli(&["diff", DEMO, CHANGE, "--fail-if", "pods>3"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown measure `pods`"), "{err}");
}

/// Runs `git ARGS` in `dir`, with an identity of its own so no global git config is needed.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=rollout-sim",
            "-c",
            "user.email=ci@rollout-sim.invalid",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_version_from_git_is_read_with_git_show() {
    // A repository of its own, so the test holds in a copy of the project that is no clone.
    let repo = tempfile::TempDir::new().unwrap();
    let demo = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO))
        .unwrap();
    std::fs::write(repo.path().join("rollout.yaml"), &demo).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "rollout.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "demo"]);
    // The working copy drops the 20% step: the committed version has one step more.
    let changed = demo.replacen("      - setWeight: 20\n", "", 1);
    assert_ne!(changed, demo, "the demo has a 20% step to drop");
    std::fs::write(repo.path().join("rollout.yaml"), changed).unwrap();
    let sim = |args: &[&str]| sim_in(repo.path(), args).into_parts();
    let (code, out, err) = sim(&["diff", "git:HEAD:rollout.yaml", "rollout.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("canary steps                       8      7  -1"),
        "{out}"
    );
    let (code, _, err) = sim(&["diff", "git:HEAD", "rollout.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("git:REV:PATH"), "{err}");
}
