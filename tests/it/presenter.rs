//! `watch --interactive` in a real terminal, as a presenter uses it: tmux runs it in a
//! pseudo-terminal, the test reads the screen and presses keys. The rollout waits at its
//! `pause: {}` (nothing promotes it but the presenter), `p` promotes it, and the next step
//! shows up with its countdown.
//!
//! Needs tmux. Without it the test prints one line and passes, unless
//! `ROLLOUT_SIM_REQUIRE_TMUX=1` (CI) makes a missing tmux a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::keys_file;

const REQUIRE: &str = "ROLLOUT_SIM_REQUIRE_TMUX";
/// Generous: the machine may be busy; the screen is polled, never timed.
const PATIENCE: Duration = Duration::from_secs(60);

/// A tmux server of the test's own (its socket in a temporary folder).
struct Tmux {
    socket: PathBuf,
    _dir: TempDir,
}

impl Tmux {
    fn start(command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var(REQUIRE).as_deref() != Ok("1"),
                "tmux is needed ({REQUIRE}=1): apt-get install -y tmux"
            );
            println!(
                "skipped: tmux is not installed, so watch --interactive is not driven in a terminal"
            );
            return None;
        }
        let dir = TempDir::new().unwrap();
        let tmux = Tmux {
            socket: dir.path().join("socket"),
            _dir: dir,
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            "160",
            "-y",
            "60",
            "-s",
            "watch",
            command,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "watch"]).stdout)
            .into_owned()
    }

    /// Waits until the screen shows `text`; the screen if it does.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |screen| screen.contains(text))
    }

    /// Waits until the screen is one `shows` accepts (described by `what`); that screen.
    #[allow(
        clippy::disallowed_methods,
        reason = "a deadline for the terminal to show a screen; the wall clock only bounds the polling, it decides no result"
    )]
    fn wait_until(&self, what: &str, shows: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if shows(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the screen never showed {what}; last screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &str) {
        assert!(
            self.run(&["send-keys", "-t", "watch", keys])
                .status
                .success()
        );
    }
}

impl Tmux {
    /// Waits until the watched program has ended (its tmux session with it), after `what`.
    #[allow(
        clippy::disallowed_methods,
        reason = "a deadline for the program to end; the wall clock only bounds the polling, it decides no result"
    )]
    fn wait_until_gone(&self, what: &str) {
        let start = Instant::now();
        while self.run(&["has-session", "-t", "watch"]).status.success() {
            assert!(
                start.elapsed() < PATIENCE,
                "{what} did not quit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "a deadline for the terminal to show a screen; the wall clock only bounds the polling, it decides no result"
)]
fn the_presenter_promotes_with_p_and_sees_the_next_step() {
    let bin = env!("CARGO_BIN_EXE_rollout-sim");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/getting-started/basic/rollout.yaml");
    let command = format!(
        "{bin} watch {} --interactive --speed 50 --no-color",
        manifest.display()
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    // The update reaches its `pause: {}` (step 1) and stays there: no auto-promotion.
    let screen = tmux.wait_for("waits for a promote (pause at step 1)");
    assert!(screen.contains("keys: p promote"), "{screen}");
    assert!(screen.contains("Step:          1/8"), "{screen}");
    // Minutes of virtual time later it still waits.
    std::thread::sleep(Duration::from_secs(3));
    let screen = tmux.screen();
    assert!(
        screen.contains("waits for a promote (pause at step 1)"),
        "{screen}"
    );
    // `p`: the next steps run. At 50 times real time a 10 s pause lasts 0.2 s, less than a
    // loaded machine may take between two looks at the screen, so any step past the first
    // pause shows the promotion (the screen is polled, the timing decides nothing).
    tmux.keys("p");
    let step = |screen: &str| {
        let line = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("Step:"))?;
        line.trim().split('/').next()?.parse::<u32>().ok()
    };
    let screen = tmux.wait_until("a step past the first pause", |s| {
        step(s).is_some_and(|n| n >= 2)
    });
    assert!(
        !screen.contains("waits for a promote (pause at step 1)"),
        "{screen}"
    );
    tmux.keys("q");
    tmux.wait_until_gone("q");
}

#[test]
fn ctrl_c_quits_the_interactive_watch() {
    let bin = env!("CARGO_BIN_EXE_rollout-sim");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/getting-started/basic/rollout.yaml");
    let command = format!(
        "{bin} watch {} --interactive --speed 50 --no-color",
        manifest.display()
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("waits for a promote (pause at step 1)");
    // Raw mode turns Ctrl-C into a key; it must still end the program.
    tmux.keys("C-c");
    tmux.wait_until_gone("Ctrl-C");
}

/// The binary, run from the crate's folder, with standard input from `keys`.
fn sim_with_keys(keys: std::process::Stdio) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollout-sim"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).stdin(keys);
    cmd
}

fn sim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rollout-sim").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn b_makes_the_canary_bad_and_the_analysis_catches_it() {
    // Keys from a file, one line per 1/10 s frame (2 s of virtual time each): 20 s in, the
    // canary is at its first step; `b`, then a minute for the next measurements.
    let (_dir, keys) = keys_file(&format!("{}b\n{}", "\n".repeat(10), "\n".repeat(30)));
    let out = sim_with_keys(keys)
        .args([
            "watch",
            "examples/lessons/02-analysis-catches-a-bad-canary.yaml",
            "--interactive",
            "--speed",
            "20",
            "--no-color",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let frames = String::from_utf8(out.stdout).unwrap();
    assert!(
        frames.contains(
            "Background analysis phase error/failed: Metric \"success-rate\" assessed Failed"
        ),
        "{frames}"
    );
    assert!(frames.contains("waits for a retry (aborted)"));
    // Left alone, the same version is promoted (the lesson's own expectation).
    sim()
        .args([
            "test",
            "examples/lessons/02-analysis-catches-a-bad-canary.yaml",
        ])
        .assert()
        .success();
}

#[test]
fn every_lesson_runs_to_its_expectation() {
    let out = sim().args(["test", "examples/lessons"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("5 passed, 0 failed"), "{text}");
}

#[test]
fn auto_promote_never_leaves_the_pause_to_a_human() {
    let manifest = "examples/getting-started/basic/rollout.yaml";
    let get = |promote: &str| {
        let out = sim()
            .args(["get", manifest, "--no-color", "--auto-promote", promote])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let never = get("never");
    assert!(
        never.contains("Status:          ॥ Paused") && never.contains("Step:          1/8"),
        "{never}"
    );
    assert!(get("30s").contains("Status:          ✔ Healthy"));
    sim()
        .args(["get", manifest, "--auto-promote", "sometimes"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("or `never`"));
}

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "a deadline for the terminal to show a screen; the wall clock only bounds the polling, it decides no result"
)]
fn the_replay_clock_counts_down_a_timed_pause() {
    // Lesson 1's step 3 is a 30 s pause; at 3 virtual seconds per real second the replay
    // redraws it several times with less left each time, instead of a frozen screen.
    let bin = env!("CARGO_BIN_EXE_rollout-sim");
    let lesson =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/lessons/01-basic-canary.yaml");
    let command = format!("{bin} watch {} --speed 3 --no-color", lesson.display());
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    let first = tmux.wait_for("waits for the pause at step 3 to end");
    let left = |screen: &str| -> u64 {
        let tail = screen.split("to end: ").nth(1).unwrap();
        tail[..tail.find("s left").unwrap()].parse().unwrap()
    };
    let before = left(&first);
    let start = Instant::now();
    loop {
        let screen = tmux.screen();
        if screen.contains("waits for the pause at step 3 to end") && left(&screen) < before {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the countdown never moved:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The distinct names of lesson 1's canary pods (revision 2) in the frames of an interactive
/// run fed `keys`.
fn canary_pods(keys: &str) -> std::collections::BTreeSet<String> {
    let (_dir, keys) = keys_file(keys);
    let out = sim_with_keys(keys)
        .args([
            "watch",
            "examples/lessons/01-basic-canary.yaml",
            "--interactive",
            "--speed",
            "20",
            "--no-color",
        ])
        .output()
        .unwrap();
    let frames = String::from_utf8(out.stdout).unwrap();
    let rs = frames
        .lines()
        .find(|l| l.contains("ReplicaSet") && l.contains("canary"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("shop-")))
        .expect("a canary ReplicaSet")
        .to_string();
    frames
        .split_whitespace()
        .filter(|w| w.starts_with(&format!("{rs}-")))
        .map(str::to_string)
        .collect()
}

#[test]
fn i_kills_a_canary_pod_and_its_replica_set_replaces_it() {
    // At 10 s the single canary pod is running; `i` deletes it and a new one is created.
    let quiet = canary_pods(&"\n".repeat(10));
    assert_eq!(quiet.len(), 1, "{quiet:?}");
    let killed = canary_pods(&format!("{}i\n{}", "\n".repeat(5), "\n".repeat(5)));
    assert_eq!(killed.len(), 2, "{killed:?}");
}

/// Keys from a pipe that stays open: the frames keep coming while no line arrives (nothing
/// waits for the input to end), and `q` quits when it comes. The deadline only keeps a broken
/// build from hanging the suite; nothing is timed.
#[test]
fn interactive_frames_keep_coming_while_a_pipe_is_silent() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollout-sim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "watch",
            "scenarios/rollouts-demo.yaml",
            "--interactive",
            "--speed",
            "10",
            "--no-color",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Two frames with different clocks, while the pipe has given nothing.
    let mut clocks = Vec::new();
    while clocks.len() < 2 {
        match rx.recv_timeout(PATIENCE) {
            Ok(line) if line.starts_with("── ") => clocks.push(line),
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("no frame while standard input stayed open: {clocks:?}");
            }
        }
    }
    assert_ne!(clocks[0], clocks[1]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"q\n").unwrap();
    // Still open: only `q` ends the run.
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(0));
    reader.join().unwrap();
}
