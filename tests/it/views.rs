//! The `get` tree, `watch` frames and the text timeline, as users see them: snapshot tests
//! (insta; the `.snap` files are committed, and under CI a missing snapshot fails) of canary and
//! blue-green states, plus checks that `watch` replays exactly the states `get` shows.

use crate::common::stdout_of as sim;
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

const DEMO: &str = "scenarios/rollouts-demo.yaml";

#[test]
fn canary_paused_at_the_first_step() {
    insta::assert_snapshot!(sim(&["get", DEMO, "--at", "12s", "--no-color"]));
}

#[test]
fn canary_between_steps_with_pods_starting() {
    insta::assert_snapshot!(sim(&["get", DEMO, "--at", "45s", "--no-color"]));
}

#[test]
fn canary_aborted() {
    insta::assert_snapshot!(sim(&["get", DEMO, "--at", "1m46s", "--no-color"]));
}

#[test]
fn bluegreen_paused_before_the_switch() {
    insta::assert_snapshot!(sim(&[
        "get",
        "scenarios/bluegreen-manual-promotion.yaml",
        "--at",
        "25s",
        "--no-color"
    ]));
}

#[test]
fn bluegreen_with_analysis_after_the_switch() {
    insta::assert_snapshot!(sim(&[
        "get",
        "scenarios/bluegreen-pre-post-promotion-analysis.yaml",
        "--at",
        "15s",
        "--no-color"
    ]));
}

#[test]
fn canary_with_a_failed_analysis_run() {
    insta::assert_snapshot!(sim(&[
        "get",
        "scenarios/analysis-bad-canary-aborted.yaml",
        "--at",
        "40s",
        "--no-color"
    ]));
}

#[test]
fn demo_timeline() {
    insta::assert_snapshot!(sim(&["run", DEMO]));
}

#[test]
fn get_defaults_to_the_end_and_colours_only_on_request() {
    let end = sim(&["get", DEMO, "--no-color"]);
    assert!(end.contains("Status:          ✔ Healthy"), "{end}");
    // Not a terminal: plain even without --no-color.
    assert_eq!(sim(&["get", DEMO]), end);
    assert!(!end.contains('\x1b'));
}

#[test]
fn watch_frames_replay_what_get_shows() {
    // At 1 virtual second per real second, changes a quarter of a second apart are printed
    // apart: nearly a frame per change.
    let frames = sim(&["watch", DEMO, "--speed", "1", "--no-color"]);
    let parts: Vec<&str> = frames.split("── ").filter(|p| !p.is_empty()).collect();
    assert!(parts.len() > 20, "only {} frames", parts.len());
    // Every frame is the `get` view at its time; spot-check the first and the last.
    for part in [parts[0], parts[parts.len() - 1]] {
        let (time, frame) = part.split_once(" ─").unwrap();
        let frame = frame.split_once('\n').unwrap().1;
        let at = time.replace(':', "");
        // hh:mm:ss.mmm -> seconds for --at
        let secs: f64 = {
            let t: Vec<f64> = time.split(':').map(|x| x.parse::<f64>().unwrap()).collect();
            t[0] * 3600.0 + t[1] * 60.0 + t[2]
        };
        let _ = at;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a frame time of the demo run: minutes, never negative"
        )]
        let get = sim(&[
            "get",
            DEMO,
            "--at",
            &format!("{}ms", (secs * 1000.0).round() as u64),
            "--no-color",
        ]);
        assert_eq!(frame.trim_end(), get.trim_end(), "frame at {time}");
    }
    // Consecutive frames differ: a frame is drawn only when something changed.
    let bodies: Vec<&str> = parts
        .iter()
        .map(|p| p.split_once('\n').unwrap().1)
        .collect();
    assert!(bodies.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn watch_step_without_input_goes_on() {
    // stdin is closed: every step pause returns at once and the replay reaches the end.
    let frames = sim(&["watch", DEMO, "--step", "--no-color"]);
    // The demo goes through its eight steps, then through the first again for the red
    // update: every step start is a stop.
    assert!(
        frames.matches("press Enter to go on").count() >= 9,
        "{frames}"
    );
    let last = frames.rsplit("── ").next().unwrap();
    assert!(last.contains("Status:          ✔ Healthy"), "{last}");
}

#[test]
fn interactive_keys_act_on_the_live_run() {
    use crate::common::keys_file;
    use std::process::Stdio;
    // Keys from a file, read ahead: ten frames of nothing (2 s of virtual time each at speed 20), then `a`: the demo's first
    // update (revision 2) is aborted by the key, which its script never does.
    let (_dir, keys) = keys_file(&"\n".repeat(10));
    let child = Command::cargo_bin("rollout-sim")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args([
            "watch",
            DEMO,
            "--interactive",
            "--speed",
            "20",
            "--no-color",
        ])
        .stdin(keys)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let plain = String::from_utf8(out.stdout).unwrap();
    assert!(
        !plain.contains("Rollout aborted update to revision 2"),
        "no key, no abort"
    );

    let (_dir, keys) = keys_file(&format!("{}a\n", "\n".repeat(10)));
    let child = Command::cargo_bin("rollout-sim")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args([
            "watch",
            DEMO,
            "--interactive",
            "--speed",
            "20",
            "--no-color",
        ])
        .stdin(keys)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let frames = String::from_utf8(out.stdout).unwrap();
    assert!(
        frames.contains("Message:         RolloutAborted: Rollout aborted update to revision 2"),
        "{frames}"
    );
    // Once aborted, the status line says so and offers the retry key.
    assert!(frames.contains("waits for a retry (aborted)"), "{frames}");
    assert!(frames.contains("keys: r retry · i kill a pod"), "{frames}");
}

#[test]
fn canary_with_a_running_experiment() {
    insta::assert_snapshot!(sim(&[
        "get",
        "scenarios/experiment-baseline-vs-canary.yaml",
        "--at",
        "20s",
        "--no-color"
    ]));
}

/// Before the switch a blue-green rollout's own counts are the active side's, all available;
/// `watch` names what the controller waits for instead — the preview ReplicaSet's pods — and
/// `get` at that instant shows those very pods not ready.
#[test]
fn watch_of_blue_green_waits_for_the_preview_pods() {
    let bg = "scenarios/bluegreen-manual-promotion.yaml";
    let frames = sim(&["watch", bg, "--speed", "1000", "--no-color"]);
    let header = frames
        .lines()
        .find(|l| l.starts_with("── ") && l.contains("(preview) ─"))
        .unwrap_or_else(|| panic!("no frame waits for the preview: {frames}"));
    // `── 00:00:10.000 ─ waits for pods: 0 of 3 available in shop-86d4b5d6b5 (preview) ───`
    let (time, rest) = header
        .trim_start_matches("── ")
        .split_once(" ─ waits for pods: ")
        .unwrap();
    let (counts, rest) = rest.split_once(" available in ").unwrap();
    let name = rest.split_once(" (preview)").unwrap().0;
    assert_eq!(counts, "0 of 3", "{header}");
    let secs: Vec<f64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a frame time of a short run, never negative"
    )]
    let ms = ((secs[1] * 60.0 + secs[2]) * 1000.0).round() as u64;
    let get = sim(&["get", bg, "--at", &format!("{ms}ms"), "--no-color"]);
    // The rollout's counts say 3 of 3 available: the line the old view drew from them.
    assert!(get.contains("  Available:     3\n"), "{get}");
    let rs_row = get
        .lines()
        .position(|l| l.contains(name) && l.contains("ReplicaSet"))
        .unwrap_or_else(|| panic!("{name} not in\n{get}"));
    let lines: Vec<&str> = get.lines().collect();
    assert!(lines[rs_row].trim_end().ends_with("preview"), "{get}");
    let pods: Vec<&&str> = lines[rs_row + 1..]
        .iter()
        .take_while(|l| l.contains(" Pod "))
        .collect();
    assert_eq!(pods.len(), 3, "{get}");
    assert!(pods.iter().all(|l| l.ends_with("ready:0/1")), "{get}");
}

/// `get rollout` of a blue-green rollout has no weight lines (the plugin fills them for a
/// canary only), and neither do the event log's statuses nor the final summary: `null`.
#[test]
fn blue_green_shows_no_weights() {
    let bg = "scenarios/bluegreen-manual-promotion.yaml";
    for at in ["25s", "end"] {
        let get = sim(&["get", bg, "--at", at, "--no-color"]);
        assert!(get.contains("Strategy:        BlueGreen\n"), "{get}");
        assert!(!get.contains("Weight"), "{get}");
    }
    let log = sim(&["run", bg, "--format", "json"]);
    let mut statuses = 0;
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let status = match v["kind"].as_str() {
            Some("RolloutStatus") => &v,
            Some("RunFinished") => &v["status"],
            _ => continue,
        };
        assert!(status["setWeight"].is_null(), "{line}");
        assert!(status["actualWeight"].is_null(), "{line}");
        statuses += 1;
    }
    assert!(statuses > 5, "{log}");
    // A canary keeps its numbers.
    let get = sim(&["get", DEMO, "--at", "12s", "--no-color"]);
    assert!(get.contains("  SetWeight:     40\n"), "{get}");
}

/// A blue-green rollout's first ReplicaSet, as `kubectl argo rollouts get` tags it
/// (`GetReplicaSetInfo`: `stable` when it is `status.stableRS`, `active` when the active
/// Service selects it, else `preview` when the preview Service does). The first reconcile
/// promotes it (`shouldFullPromote`: "Initial deploy") and points the preview Service at it
/// (`reconcilePreviewService`, skipped while `spec.paused`); the active Service follows only
/// once all its pods are available (`reconcileActiveService`).
#[test]
fn bluegreen_first_deploy_tags_follow_the_services() {
    let scenario = |preview: bool, paused: bool| {
        format!(
            "name: first-deploy
timeout: 1m
objects:
  - apiVersion: v1
    kind: Service
    metadata: {{name: shop-active}}
    spec: {{selector: {{app: shop}}, ports: [{{port: 80}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: shop-preview}}
    spec: {{selector: {{app: shop}}, ports: [{{port: 80}}]}}
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: shop}}
    spec:
      replicas: 3
      paused: {paused}
      selector: {{matchLabels: {{app: shop}}}}
      template:
        metadata: {{labels: {{app: shop}}}}
        spec:
          containers: [{{name: shop, image: example/shop:blue}}]
      strategy:
        blueGreen:
          activeService: shop-active
{preview_line}          autoPromotionEnabled: false
apps:
  - image: example/shop:*
    startup: 5s
script:
  - wait: 20s
",
            preview_line = if preview {
                "          previewService: shop-preview\n"
            } else {
                ""
            }
        )
    };
    // The INFO column of the ReplicaSet row and the tags of the `Images:` line.
    let tags = |text: &str, at: &str| {
        let (_dir, path) = crate::common::write_temp("first.yaml", text);
        let out = sim(&["get", path.to_str().unwrap(), "--at", at, "--no-color"]);
        let row = out
            .lines()
            .find(|l| l.contains(" ReplicaSet "))
            .unwrap_or_else(|| panic!("no ReplicaSet row\n{out}"));
        let info = row.split_whitespace().last().unwrap().to_string();
        let images = out
            .lines()
            .find(|l| l.starts_with("Images:"))
            .unwrap_or_else(|| panic!("no Images line\n{out}"))
            .to_string();
        (info, images)
    };
    // (preview Service, spec.paused, at, RS tags, Images line, rule)
    let rows = [
        (
            true,
            false,
            "0s",
            "stable,preview",
            "example/shop:blue (stable, preview)",
            "promoted at once, preview selects it, active not yet",
        ),
        (
            true,
            false,
            "4s",
            "stable,preview",
            "example/shop:blue (stable, preview)",
            "pods not available: the active Service waits",
        ),
        (
            true,
            false,
            "6s",
            "stable,active",
            "example/shop:blue (stable, active)",
            "active selects it: `preview` is an else-if",
        ),
        (
            false,
            false,
            "0s",
            "stable",
            "example/shop:blue (stable)",
            "no preview Service",
        ),
        (
            true,
            true,
            "0s",
            "stable",
            "example/shop:blue (stable)",
            "spec.paused: reconcilePreviewService halts",
        ),
    ];
    for (preview, paused, at, want_info, want_images, rule) in rows {
        let (info, images) = tags(&scenario(preview, paused), at);
        assert_eq!(info, want_info, "{rule}");
        assert_eq!(
            images.trim_start_matches("Images:").trim(),
            want_images,
            "{rule}"
        );
    }
}

/// The `Duration:` line during a first deploy shows `status.duration` as Argo writes it
/// (`calculateStatusDuration`, `promoteStable` in rollout/sync.go). A canary's first reconcile
/// only records the new steps and starts the attempt; the next promotes the first ReplicaSet
/// ("Initial deploy") and, the attempt being on record already, names its outcome `Promoted`
/// before the pods are available. A blue-green promotes in its first reconcile, before the
/// attempt exists, so its outcome stays unnamed until it finishes.
#[test]
fn first_deploy_duration_is_argos_status() {
    let line = |scenario: &str, at: &str| {
        let out = sim(&["get", scenario, "--at", at, "--no-color"]);
        out.lines()
            .find(|l| l.starts_with("Duration:"))
            .unwrap_or_else(|| panic!("no Duration line\n{out}"))
            .trim_start_matches("Duration:")
            .trim()
            .to_string()
    };
    // (scenario, at, line, rule)
    let rows = [
        (
            DEMO,
            "0s",
            "0s (in progress, Promoted)",
            "canary: outcome known",
        ),
        (
            DEMO,
            "3s",
            "3s (in progress, Promoted)",
            "canary: pods starting",
        ),
        (
            DEMO,
            "5s",
            "5s (in progress, Promoted)",
            "canary: not all available",
        ),
        (
            "scenarios/bluegreen-actions-at-rest.yaml",
            "0s",
            "0s (in progress)",
            "blue-green: promoted before the attempt started",
        ),
        (
            "scenarios/bluegreen-actions-at-rest.yaml",
            "4s",
            "4s (in progress)",
            "blue-green: pods starting",
        ),
        (
            "scenarios/bluegreen-actions-at-rest.yaml",
            "6s",
            "5s (Promoted)",
            "blue-green: finished when all pods are available",
        ),
    ];
    for (scenario, at, want, rule) in rows {
        assert_eq!(line(scenario, at), want, "{rule}");
    }
}

/// A blue-green pause that `autoPromotionSeconds: 20` ends by itself counts down like a
/// timed canary pause; nothing in the run says it waits for a promote.
#[test]
fn watch_counts_down_a_blue_green_auto_promotion() {
    let frames = sim(&[
        "watch",
        "scenarios/bluegreen-auto-promotion.yaml",
        "--speed",
        "1000",
        "--no-color",
    ]);
    assert!(
        frames.contains(
            "── 00:00:10.000 ─ waits for the blue-green pause to end: 20s left (autoPromotionSeconds) ─"
        ),
        "{frames}"
    );
    assert!(!frames.contains("a promote"), "{frames}");
}

/// The default scenario promotes an indefinite pause after `--auto-promote` (30 s): the line
/// says so and counts down to the promotion the run then journals; with `never` only a human
/// promotes, and the line says nothing more.
#[test]
fn watch_counts_down_the_default_scenarios_promotion() {
    let watch = |promote: &str| {
        sim(&[
            "watch",
            "examples/getting-started/basic/rollout.yaml",
            "--speed",
            "1000",
            "--no-color",
            "--auto-promote",
            promote,
        ])
    };
    let frames = watch("30s");
    let counting: Vec<&str> = frames
        .lines()
        .filter(|l| {
            l.contains("waits for a promote (pause at step 1): promoted by the scenario in")
        })
        .collect();
    let first = counting.first().expect("the pause is shown");
    assert!(
        first.ends_with("promoted by the scenario in 30s ─────"),
        "{first}"
    );
    // The countdown ends when the run promotes: 30 s after the frame that first showed it.
    let at = |line: &str| -> u64 {
        let t = &line["── ".len()..line.find(" ─ ").expect("a frame header")];
        // hh:mm:ss.mmm, as milliseconds.
        let parts: Vec<u64> = t
            .split([':', '.'])
            .map(|p| p.parse().expect("a number"))
            .collect();
        ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3]
    };
    let events = sim(&[
        "run",
        "examples/getting-started/basic/rollout.yaml",
        "--auto-promote",
        "30s",
    ]);
    let promoted = events
        .lines()
        .find(|l| l.contains("promote (auto)"))
        .expect("the run promotes the pause");
    let promoted_ms = at(&format!("── {} ─ ", &promoted[..12]));
    assert_eq!(promoted_ms, at(first) + 30_000, "{promoted}\n{first}");
    let never = watch("never");
    assert!(
        never.contains("waits for a promote (pause at step 1) ─"),
        "{never}"
    );
    assert!(!never.contains("promoted by the scenario"), "{never}");
}

/// Before the controller has written a status (a `controllerDelay` of 1 s), the line says
/// what it waits for in a sentence.
#[test]
fn watch_before_the_first_status_waits_for_the_controller() {
    let frames = sim(&[
        "watch",
        "scenarios/controller-delay.yaml",
        "--speed",
        "1000",
        "--no-color",
    ]);
    let first = frames.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "── 00:00:00.000 ─ waits for the controller to pick up the rollout ─────"
    );
}

/// Not on a terminal, `watch` of a 30-pod rollout lists ten pods per ReplicaSet and sums up
/// the rest in a line (`get` lists them all), and prints fewer frames than the changes it
/// replays: pod-only progress is coalesced, while every change of what the rollout waits for
/// is kept.
#[test]
fn watch_bounds_its_printed_frames() {
    let scenario = r#"
name: thirty
seed: 4
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: thirty}
    spec:
      replicas: 30
      selector: {matchLabels: {app: thirty}}
      template:
        metadata: {labels: {app: thirty}}
        spec:
          containers: [{name: app, image: "example/app:1"}]
      strategy:
        canary:
          steps:
          - setWeight: 50
          - pause: {duration: 10s}
apps:
  - image: "example/app:*"
    startup: 2s..20s
script:
  - wait: {phase: Healthy}
  - setImage: example/app:2
  - wait: {phase: Healthy, revision: 2}
"#;
    let (_dir, path) = crate::common::write_temp("thirty.yaml", scenario);
    let path = path.to_str().unwrap();
    let get = sim(&["get", path, "--no-color"]);
    assert_eq!(get.matches(" Pod ").count(), 30, "{get}");
    let slow = sim(&["watch", path, "--speed", "1", "--no-color"]);
    let fast = sim(&["watch", path, "--speed", "100", "--no-color"]);
    let frames = |s: &str| s.lines().filter(|l| l.starts_with("── ")).count();
    let heads = |s: &str| -> Vec<String> {
        let mut out: Vec<String> = s
            .lines()
            .filter(|l| l.starts_with("── "))
            .map(|l| {
                l.split(" ─ ")
                    .nth(1)
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        out.dedup();
        out
    };
    assert!(
        frames(&fast) < frames(&slow),
        "{} {}",
        frames(&fast),
        frames(&slow)
    );
    assert_eq!(heads(&fast), heads(&slow));
    for frame in fast.split("\n\n── ") {
        assert!(frame.matches(" Pod ").count() <= 20, "{frame}");
    }
    assert!(fast.contains("more pods ("), "{fast}");
    let last = fast.rsplit("── ").next().unwrap();
    assert!(last.contains("Status:          ✔ Healthy"), "{last}");
}
