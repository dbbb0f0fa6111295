//! Inputs the Kubernetes API server or `kubectl argo rollouts` would refuse, or that could
//! never do what they say, are refused by `lint` (and so by `run`) with one error naming the
//! file, line, column and field, exit 2. Each test writes its inputs into a temporary folder
//! and checks the exact place and words of the error.

use std::path::Path;

use tempfile::TempDir;

use crate::common::{Outcome, sim_in, write};

/// A small canary Rollout with its Service, as `demo.yaml`.
const DEMO: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 2
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: demo
        image: example/demo:1
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
";

/// A folder holding `demo.yaml` and the given files.
fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "demo.yaml", DEMO);
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

/// `rollout-sim lint ARGS` in `dir`, which must exit 2 with exactly the `expected` error lines
/// (each `FILE:LINE:COL: error: FIELD: MESSAGE`, in order).
#[track_caller]
fn refused(dir: &Path, args: &[&str], expected: &[&str]) -> Outcome {
    let mut full = vec!["lint"];
    full.extend_from_slice(args);
    let o = sim_in(dir, &full);
    assert_eq!(o.code, 2, "lint {args:?}: exit code\n{}", o.stderr);
    assert_eq!(o.error_lines(), expected, "lint {args:?}\n{}", o.stderr);
    o
}

#[test]
fn a_node_name_is_spelled_exactly_as_the_cluster_names_it() {
    let dir = folder(&[(
        "s.yaml",
        "manifests: [demo.yaml]\ncluster: {nodes: 3}\nscript:\n\
         \x20 - failNode: {name: node-01}\n\
         \x20 - failNode: {name: node-+1}\n\
         \x20 - failNode: {name: node-}\n\
         \x20 - failNode: {name: node-3}\n",
    )]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:4:22: error: script[0].failNode.name: no node `node-01`: the nodes are node-1 to node-3",
            "s.yaml:5:22: error: script[1].failNode.name: no node `node-+1`: the nodes are node-1 to node-3",
            "s.yaml:6:22: error: script[2].failNode.name: no node `node-`: the nodes are node-1 to node-3",
        ],
    );
}

#[test]
fn an_invalid_earlier_item_does_not_shift_the_place_of_later_errors() {
    let dir = folder(&[
        (
            "no-nodes.yaml",
            "manifests: [demo.yaml]\nscript:\n  - scale: -1\n  - failNode: {name: node-1}\n",
        ),
        (
            "shifted.yaml",
            "manifests: [demo.yaml]\ncluster: {nodes: 2}\nscript:\n\
             \x20 - wait: -1s\n  - wait: 1s\n  - failNode: {name: node-7}\n",
        ),
    ]);
    refused(
        dir.path(),
        &["no-nodes.yaml"],
        &[
            "no-nodes.yaml:3:12: error: script[0].scale: -1 is out of range (allowed: 0 to 1000000)",
            "no-nodes.yaml:4:15: error: script[1].failNode: failNode needs the node model: set cluster.nodes",
        ],
    );
    refused(
        dir.path(),
        &["shifted.yaml"],
        &[
            "shifted.yaml:4:11: error: script[0].wait: negative durations are not allowed",
            "shifted.yaml:6:22: error: script[2].failNode.name: no node `node-7`: the nodes are node-1 to node-2",
        ],
    );
}

#[test]
fn service_and_container_names_follow_the_api_server_rules() {
    let long = "s".repeat(64);
    let rollout = |svc: &str, container: &str| {
        DEMO.replace(
            "name: demo\n        image",
            &format!("name: {container}\n        image"),
        )
        .replace(
            "    canary:\n",
            &format!("    canary:\n      stableService: {svc}\n"),
        )
    };
    let service = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\n\
             spec: {{selector: {{app: demo}}}}\n"
        )
    };
    let dir = folder(&[
        ("digit.yaml", &(rollout("1svc", "My_C") + &service("1svc"))),
        ("dot.yaml", &(rollout("svc.dot", "c") + &service("svc.dot"))),
        (
            "long.yaml",
            &(rollout(&long, &"c".repeat(64)) + &service(&long)),
        ),
        // A leading digit is fine in a container name (DNS-1123, not 1035).
        ("ok.yaml", &(rollout("svc", "1c") + &service("svc"))),
    ]);
    let label = "lower-case letters, digits and `-`, starting with a letter and ending with a \
                 letter or digit";
    refused(
        dir.path(),
        &["digit.yaml"],
        &[
            "digit.yaml:14:15: error: spec.template.spec.containers[0].name: `My_C`: not a DNS-1123 label: lower-case letters, digits and `-`, starting with a letter or digit and ending with a letter or digit",
            &format!(
                "digit.yaml:18:22: error: spec.strategy.canary.stableService: `1svc`: no Service can have this name: not a DNS-1035 label: {label}"
            ),
            &format!(
                "digit.yaml:25:18: error: metadata.name: `1svc`: not a DNS-1035 label: {label}"
            ),
        ],
    );
    refused(
        dir.path(),
        &["dot.yaml"],
        &[
            &format!(
                "dot.yaml:18:22: error: spec.strategy.canary.stableService: `svc.dot`: no Service can have this name: not a DNS-1035 label: {label}"
            ),
            &format!(
                "dot.yaml:25:18: error: metadata.name: `svc.dot`: not a DNS-1035 label: {label}"
            ),
        ],
    );
    let cut = "s".repeat(40);
    refused(
        dir.path(),
        &["long.yaml"],
        &[
            &format!(
                "long.yaml:14:15: error: spec.template.spec.containers[0].name: `{}…`: 64 characters: a DNS-1123 label is at most 63",
                "c".repeat(40)
            ),
            &format!(
                "long.yaml:18:22: error: spec.strategy.canary.stableService: `{cut}…`: no Service can have this name: 64 characters: a DNS-1035 label is at most 63"
            ),
            &format!(
                "long.yaml:25:18: error: metadata.name: `{cut}…`: 64 characters: a DNS-1035 label is at most 63"
            ),
        ],
    );
    let o = sim_in(dir.path(), &["lint", "ok.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn rollouts_not_picked_are_skipped_unchecked_for_what_is_not_simulated() {
    let wref = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: wref}\n\
                spec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n";
    let bad_weight = DEMO
        .replace("name: demo\nspec", "name: other\nspec")
        .replace("setWeight: 50", "setWeight: 500");
    let dir = folder(&[("b-wref.yaml", wref), ("c-bad.yaml", &bad_weight)]);
    for cmd in ["lint", "run"] {
        let o = sim_in(
            dir.path(),
            &[
                cmd,
                "demo.yaml",
                "b-wref.yaml",
                "c-bad.yaml",
                "--rollout",
                "demo",
            ],
        );
        assert_eq!(o.code, 0, "{cmd}: {}", o.stderr);
        // `lint` prints its notes on standard output, `run` on standard error.
        let said = format!("{}{}", o.stdout, o.stderr);
        for note in [
            "b-wref.yaml:1:1: note: skipped Rollout `wref`: --rollout picked `demo`",
            "c-bad.yaml:1:1: note: skipped Rollout `other`: --rollout picked `demo`",
        ] {
            assert_eq!(said.matches(note).count(), 1, "{cmd}: {said}");
        }
    }
    // The picked Rollout is checked in full, and a malformed one is refused even when skipped.
    refused(
        dir.path(),
        &["demo.yaml", "c-bad.yaml", "--rollout", "other"],
        &[
            "c-bad.yaml:19:20: error: spec.strategy.canary.steps[0].setWeight: setWeight 500 is outside 0..100",
        ],
    );
    write(
        dir.path(),
        "typo.yaml",
        wref.replace("workloadRef", "workloadReff"),
    );
    let o = sim_in(
        dir.path(),
        &["lint", "demo.yaml", "typo.yaml", "--rollout", "demo"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.error_lines()[0].starts_with("typo.yaml:5:3: error: spec.workloadReff: unknown key"),
        "{}",
        o.stderr
    );
    // A name that is not there lists every Rollout written, skipped or not.
    refused(
        dir.path(),
        &["demo.yaml", "b-wref.yaml", "--rollout", "nope"],
        &[
            "demo.yaml:1:1: error: --rollout nope: no Rollout of that name in the input (found: demo, wref)",
        ],
    );
}

#[test]
fn a_manifest_named_twice_is_read_once_and_a_rollout_defined_twice_is_placed() {
    let dir = folder(&[
        ("copy.yaml", DEMO),
        (
            "twice.yaml",
            "manifests: [demo.yaml, ./demo.yaml]\nscript:\n  - wait: 5s\n",
        ),
        (
            "two-files.yaml",
            "manifests: [demo.yaml, copy.yaml]\nscript:\n  - wait: 5s\n",
        ),
        ("folder.yaml", "manifests: [sub]\nscript:\n  - wait: 5s\n"),
        ("double.yaml", &format!("{DEMO}---\n{DEMO}")),
        (
            "in-one-file.yaml",
            "manifests: [double.yaml]\nscript:\n  - wait: 5s\n",
        ),
        ("sub/x.yaml", DEMO),
    ]);
    let o = sim_in(dir.path(), &["lint", "twice.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(
            "twice.yaml:1:24: note: manifests[1]: `./demo.yaml` is named twice in `manifests:`: read once"
        ),
        "{}",
        o.stdout
    );
    refused(
        dir.path(),
        &["two-files.yaml"],
        &[
            "two-files.yaml:1:24: error: manifests[1]: Rollout `demo` is defined more than once (demo.yaml:1 and copy.yaml:1): keep one of them in `manifests:`",
        ],
    );
    refused(
        dir.path(),
        &["in-one-file.yaml"],
        &[
            "in-one-file.yaml:1:13: error: manifests[0]: Rollout `demo` is defined more than once (double.yaml:1 and double.yaml:22): keep one of them in `manifests:`",
        ],
    );
    refused(
        dir.path(),
        &["folder.yaml"],
        &[
            "folder.yaml:1:13: error: manifests[0]: cannot read `sub`: it is a folder; name the manifest files in it one by one",
        ],
    );
}

#[test]
fn empty_names_are_refused_where_they_could_match_nothing() {
    let dir = folder(&[(
        "s.yaml",
        "name: \" \"\nmanifests: [demo.yaml]\nscript:\n\
         \x20 - deletePod: {name: \"\"}\n\
         \x20 - evictPod: {name: \"\"}\n\
         \x20 - setImage: {container: \"\", image: \"x:1\"}\n\
         \x20 - expect: {analysis: {\"\": Running}}\n",
    )]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:1:7: error: name: the scenario's name is empty: give it one, or leave `name` out for the file's name",
            "s.yaml:4:23: error: script[0].deletePod.name: an empty name matches no pod: give a pod's name, or `role`",
            "s.yaml:5:22: error: script[1].evictPod.name: an empty name matches no pod: give a pod's name, or `role`",
            "s.yaml:6:27: error: script[2].setImage.container: an empty name matches no container: name one, or leave `container` out for the first",
            "s.yaml:7:24: error: script[3].expect.analysis: an empty name matches no analysis: name it as the step or template does",
        ],
    );
}

#[test]
fn conditions_that_could_never_hold_are_refused() {
    let dir = folder(&[(
        "s.yaml",
        "manifests: [demo.yaml]\nscript:\n\
         \x20 - expect: {revision: 0}\n\
         \x20 - expect: {requests: {canary: {min: 5, max: 3}}}\n\
         \x20 - wait: {elapsed: {min: 10s, max: 5s}}\n\
         \x20 - expect: {duration: {startedAt: {min: 5s, max: 1s}}}\n\
         \x20 - expect: {requests: {canary: {min: 3, max: 3}}, elapsed: {min: 5s, max: 5s}}\n",
    )]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:3:24: error: script[0].expect.revision: revision 0 never exists: a Rollout's revisions start at 1 (its first deploy)",
            "s.yaml:4:33: error: script[1].expect.requests.canary: min 5 is above max 3: this could never hold",
            "s.yaml:5:21: error: script[2].wait.elapsed: min 10s is above max 5s: this could never hold",
            "s.yaml:6:36: error: script[3].expect.duration.startedAt: min 5s is above max 1s: this could never hold",
        ],
    );
}

#[test]
fn a_blue_green_wait_for_a_weight_gets_a_note() {
    let bg = DEMO.replace(
        "    canary:\n      steps:\n      - setWeight: 50\n      - pause: {}\n",
        "    blueGreen: {activeService: demo}\n",
    );
    let dir = folder(&[
        ("bg.yaml", &bg),
        (
            "s.yaml",
            "manifests: [bg.yaml]\nscript:\n  - wait: {actualWeight: 100}\n\
             \x20 - expect: {not: {setWeight: 50}}\n  - apply: demo.yaml\n  - wait: {setWeight: 50}\n",
        ),
    ]);
    let o = sim_in(dir.path(), &["lint", "s.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let notes: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.contains("no weights"))
        .collect();
    // Only the wait on the blue-green Rollout: not the `expect`, not the wait after the
    // canary is applied.
    assert_eq!(
        notes,
        [
            "s.yaml:3:26: note: script[0].wait.actualWeight: a blue-green Rollout has no weights: this wait for `actualWeight` never holds and waits until the timeout (wait for `phase` or `images` instead)"
        ],
        "{}",
        o.stdout
    );
}

#[test]
fn unclear_messages_say_what_is_wrong() {
    let dir = folder(&[
        (
            "s.yaml",
            "manifests: [demo.yaml]\nscript:\n  - {wait: 5s, promote: {}}\n  - ? [a, b]\n    : 5s\n",
        ),
        (
            "bad.yaml",
            &DEMO.replace(
                "replicas: 2\n",
                "replicas: 2\n  minReadySeconds: -1\n  progressDeadlineSeconds: 0\n",
            ),
        ),
    ]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:3:5: error: script[0]: this item holds 2 actions (`wait`, `promote`): a script item is one action; write each as its own `- ` item, in the order they should run",
            "s.yaml:4:5: error: script[1]: an action is named by a plain key (wait, expect, setImage, apply, promote, abort, retry, pause, resume, restart, scale, undo, deletePod, evictPod, failNode), found a list",
        ],
    );
    // A refused minReadySeconds is said once, not quoted as 0 by the progress deadline check.
    refused(
        dir.path(),
        &["bad.yaml"],
        &[
            "bad.yaml:7:20: error: spec.minReadySeconds: must not be negative (got -1; allowed: 0 to 315360000)",
        ],
    );
}

#[test]
fn pod_names_are_cut_to_sixty_three_characters_as_kubernetes_generates_them() {
    let long = format!("r{}", "a".repeat(59));
    let dir = folder(&[(
        "long.yaml",
        &DEMO.replace("name: demo\nspec", &format!("name: {long}\nspec")),
    )]);
    let o = sim_in(dir.path(), &["run", "long.yaml", "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut created = 0;
    for line in o.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["kind"] != "PodCreated" {
            continue;
        }
        created += 1;
        let (name, rs) = (
            v["name"].as_str().unwrap(),
            v["replicaSet"].as_str().unwrap(),
        );
        // `generateName: <rs>-` cut to 58 characters, then 5 random ones.
        assert_eq!(name.len(), 63, "{name}");
        assert!(
            rs.len() > 58 && name.starts_with(&rs[..58]),
            "{name} of {rs}"
        );
    }
    assert!(created >= 4, "{created} pods created");
}
