//! The repository is self-contained: a fresh clone passes `cargo test` with nothing next to it.
//!
//! The conformance material and the upstream example manifests once lived only in a folder
//! beside the repository, which a user's clone does not have. They are vendored under
//! `tests/fixtures/`; this test keeps it that way:
//!
//! * no file under `src/`, `tests/`, `benches/`, `examples/` or `scenarios/` names the sibling
//!   folder (a line documenting `ROLLOUT_SIM_REPLICA_CASES`, which CI may point there, is the
//!   one exception; so are the vendored Markdown pages, which describe where they came from);
//! * the vendored files the other tests read are present.
//!
//! `.ci/run` also runs the whole suite from a copy of the repository in a temporary folder,
//! which catches any other way of reaching outside.

use crate::common::crate_dir;
use std::fs;
use std::path::{Path, PathBuf};

/// The name of the folder beside the repository that tests must not read.
const SIBLING: &str = "shared";
/// The environment variable whose documentation may name the sibling folder.
const CASES_ENV: &str = "ROLLOUT_SIM_REPLICA_CASES";
/// The folders whose files are scanned.
const SCANNED: [&str; 5] = ["src", "tests", "benches", "examples", "scenarios"];

/// Texts that reach the sibling folder: a relative path up to it, or its two subfolders
/// (which also catch `join("..").join("shared/...")`). Built here rather than written out, so
/// this file does not trip its own check.
fn forbidden() -> Vec<String> {
    vec![
        format!("../{SIBLING}"),
        format!("{SIBLING}/conformance"),
        format!("{SIBLING}/argo-examples"),
    ]
}

/// The 1-based numbers of the lines of `bytes` that name the sibling folder, except lines
/// that document the environment variable. Bytes, not text: binary fixtures are scanned too.
fn offending_lines(bytes: &[u8]) -> Vec<usize> {
    let patterns = forbidden();
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| {
            let line = String::from_utf8_lossy(line);
            patterns.iter().any(|p| line.contains(p.as_str())) && !line.contains(CASES_ENV)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Vendored documentation, kept as it came: it may say where the originals live.
fn is_vendored_doc(relative: &Path) -> bool {
    relative.starts_with("tests/fixtures") && relative.extension().is_some_and(|e| e == "md")
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn no_file_reaches_outside_the_repository() {
    let root = crate_dir();
    let mut scanned = 0;
    let mut problems = Vec::new();
    for folder in SCANNED {
        for path in files_under(&root.join(folder)) {
            let relative = path.strip_prefix(root).unwrap();
            if is_vendored_doc(relative) {
                continue;
            }
            scanned += 1;
            let bytes = fs::read(&path).unwrap();
            for line in offending_lines(&bytes) {
                problems.push(format!("{}:{line}", relative.display()));
            }
        }
    }
    // The scan really looked at the tree (a wrong root would pass vacuously).
    assert!(scanned > 100, "only {scanned} files scanned under {root:?}");
    assert!(
        problems.is_empty(),
        "these lines read from the folder beside the repository, which a clone does not have; \
         vendor the files under tests/fixtures/ instead:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_flags_paths_to_the_sibling_folder() {
    let up = format!("let p = \"../{SIBLING}/conformance/x.json\";\n");
    let joined = format!("ok line\n.join(\"..\").join(\"{SIBLING}/argo-examples\")\n");
    assert_eq!(offending_lines(up.as_bytes()), [1]);
    assert_eq!(offending_lines(joined.as_bytes()), [2]);
    let documented = format!("CI sets {CASES_ENV}=../{SIBLING}/conformance/replica_cases.json");
    assert!(offending_lines(documented.as_bytes()).is_empty());
    assert!(offending_lines(b"a shared helper, not a path").is_empty());
    assert!(is_vendored_doc(Path::new(
        "tests/fixtures/conformance/README.md"
    )));
    assert!(!is_vendored_doc(Path::new(
        "tests/fixtures/conformance/scenarios/a.yaml"
    )));
}

#[test]
fn vendored_fixtures_are_present() {
    let fixtures = crate_dir().join("tests/fixtures");
    for file in [
        "conformance/README.md",
        "conformance/replica_cases.json",
        "conformance/replica_cases.md",
        "argo-examples/README.md",
        "argo-examples/LICENSE.upstream",
        "upstream-e2e/LICENSE.upstream",
    ] {
        assert!(
            fixtures.join(file).is_file(),
            "tests/fixtures/{file} is missing"
        );
    }
    let yaml = |dir: &str| {
        files_under(&fixtures.join(dir))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .count()
    };
    assert!(yaml("conformance/scenarios") >= 12, "conformance scenarios");
    assert!(yaml("conformance/manifests") >= 3, "conformance manifests");
    assert!(yaml("argo-examples") > 20, "upstream examples");
    let licence = fs::read_to_string(fixtures.join("argo-examples/LICENSE.upstream")).unwrap();
    assert!(
        licence.contains("Apache License"),
        "the upstream licence text"
    );
}
