//! The `get rollout` view of a canary at an experiment step, as the plugin draws it
//! (`PrintRevision` → `PrintExperimentInfo`): the Experiment is a `Σ` row under the revision
//! it was created for, its ReplicaSets and AnalysisRun are nested under it (the rollout does
//! not own them, so they are not the rollout's own rows), and `Images:` tags the experiment's
//! images `Σ:TEMPLATE`.

use crate::common::stdout_of;

fn get(file: &str, at: &str) -> String {
    stdout_of(&["get", file, "--at", at, "--no-color"])
}

/// The tree line naming `name`, and how deep it is (characters before its icon).
fn line_of<'a>(view: &'a str, name: &str) -> (&'a str, usize) {
    let line = view
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name) || l.contains(&format!(" {name} ")))
        .unwrap_or_else(|| panic!("no line for {name} in\n{view}"));
    let depth = line.chars().take_while(|c| "│├└─ ".contains(*c)).count();
    (line, depth)
}

#[test]
fn an_experiment_and_its_objects_are_nested_under_its_revision() {
    let view = get("scenarios/experiment-baseline-vs-canary.yaml", "20s");
    assert!(
        !view.contains("revision:0"),
        "no made-up revision for the experiment's ReplicaSets\n{view}"
    );
    let (exp, exp_depth) = line_of(&view, "search-56944c4f6f-2-1");
    assert!(exp.contains("Σ search-56944c4f6f-2-1"), "{exp}");
    assert!(
        exp.contains("Experiment") && exp.contains("Running"),
        "{exp}"
    );
    let (canary_rs, canary_depth) = line_of(&view, "search-56944c4f6f");
    assert_eq!(
        exp_depth, canary_depth,
        "the experiment is a child of revision 2"
    );
    assert!(canary_rs.contains("canary"));
    for child in [
        "search-56944c4f6f-2-1-baseline",
        "search-56944c4f6f-2-1-canary",
        "search-56944c4f6f-2-1-compare",
    ] {
        let (line, depth) = line_of(&view, child);
        assert_eq!(
            depth,
            exp_depth + 3,
            "{child} is under the experiment\n{view}"
        );
        assert!(
            !line.ends_with("canary") && !line.contains("stable"),
            "{line}"
        );
    }
    // Revision 2 comes before revision 1, and the experiment sits between them.
    let pos = |s: &str| view.find(s).unwrap();
    assert!(pos("revision:2") < pos("Σ search") && pos("Σ search") < pos("revision:1"));
}

#[test]
fn images_tag_the_experiments_templates() {
    let view = get("scenarios/experiment-baseline-vs-canary.yaml", "20s");
    assert!(
        view.contains("Images:          example/search:2.0 (stable, Σ:baseline)\n"),
        "{view}"
    );
    assert!(
        view.contains("                 example/search:2.1 (canary, Σ:canary)\n"),
        "{view}"
    );
    // Once the experiment's pods are gone, only the rollout's tags remain.
    let later = get("scenarios/experiment-baseline-vs-canary.yaml", "170s");
    assert!(later.contains("example/search:2.0 (stable)\n"), "{later}");
    assert!(
        later.contains("Σ search-56944c4f6f-2-1"),
        "the finished experiment stays listed"
    );
}
