//! What the integration tests share: where the crate and its fixtures are, running the
//! `rollout-sim` binary into an [`Outcome`], and writing scenario files into a temporary folder.
//!
//! Every test module used to carry its own copy of these; one copy keeps them in agreement
//! (a panic is detected the same way everywhere, paths are built from one root).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

/// The crate root, where `scenarios/`, `examples/` and `tests/fixtures/` live. Tests run the
/// binary from here so that the relative paths they pass are the ones the README shows.
pub(crate) fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled scenario (or manifest, with a `manifests/` prefix) under `scenarios/`.
pub(crate) fn scenario_path(name: &str) -> PathBuf {
    crate_dir().join("scenarios").join(name)
}

/// The upstream example manifests vendored into the repository.
pub(crate) fn examples_dir() -> PathBuf {
    crate_dir().join("tests/fixtures/argo-examples")
}

/// The conformance material vendored into the repository (`tests/fixtures/conformance`).
pub(crate) fn conformance_dir() -> PathBuf {
    crate_dir().join("tests/fixtures/conformance")
}

/// What one invocation of the binary produced.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Captures a finished process, failing the test if it was killed by a signal or panicked:
    /// no input, however bad, may do either.
    #[track_caller]
    pub(crate) fn from_output(out: Output) -> Outcome {
        let o = Outcome {
            code: out.status.code().expect("rollout-sim exited normally"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !o.stderr.contains("panicked"),
            "rollout-sim panicked\n--- stderr\n{}",
            o.stderr
        );
        o
    }

    /// The exit code, standard output and standard error, for tests that match on all three.
    pub(crate) fn into_parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }

    /// Lines of stderr that are diagnostics (`...: error: ...`).
    pub(crate) fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect()
    }
}

/// A command that runs the built `rollout-sim ARGS` in `dir`, for tests that need to set up
/// standard input or output themselves.
pub(crate) fn bin_command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("rollout-sim").expect("the rollout-sim binary is built");
    c.current_dir(dir).args(args);
    c
}

/// Runs `rollout-sim ARGS` in `dir` with nothing on standard input and captures everything.
/// A non-zero exit is returned, not a failure; a panic fails the test.
#[track_caller]
pub(crate) fn sim_in(dir: &Path, args: &[&str]) -> Outcome {
    Outcome::from_output(
        bin_command(dir, args)
            .stdin(Stdio::null())
            .output()
            .expect("rollout-sim can be started"),
    )
}

/// Runs `rollout-sim ARGS` from the crate root.
#[track_caller]
pub(crate) fn sim(args: &[&str]) -> Outcome {
    sim_in(crate_dir(), args)
}

/// `rollout-sim ARGS` from the crate root as (exit code, stdout, stderr).
#[track_caller]
pub(crate) fn sim_parts(args: &[&str]) -> (i32, String, String) {
    sim(args).into_parts()
}

/// The standard output of `rollout-sim ARGS` run from the crate root, which must exit 0.
#[track_caller]
pub(crate) fn stdout_of(args: &[&str]) -> String {
    let o = sim(args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
}

/// Writes `contents` to `dir/name` (creating folders) and returns the path.
pub(crate) fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, contents).unwrap();
    path
}

/// `text` as a regular file to give a command as its standard input (`< keys.txt`): read
/// ahead, so the keys of `watch --interactive` land on the same frames every run. Keep the
/// folder for as long as the command runs.
pub(crate) fn keys_file(text: &str) -> (TempDir, std::process::Stdio) {
    let (dir, path) = write_temp("keys.txt", text);
    let file = fs::File::open(path).unwrap();
    (dir, file.into())
}

/// Writes `text` as `name` into a fresh temporary folder. The folder is returned with the
/// path: it is removed when dropped, so keep it for as long as the file is needed.
pub(crate) fn write_temp(name: &str, text: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), name, text);
    (dir, path)
}
