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

/// Port names as the API server checks them: a container port's name and a Service's string
/// `targetPort` are IANA service names; a Service port's name is a DNS-1123 label, needed once
/// there are several ports, and unique; a container's port names are unique in it. A number
/// is a port number, not a name.
#[test]
fn port_names_follow_the_api_server_rules() {
    let rollout = DEMO.replace(
        "        image: example/demo:1\n",
        "        image: example/demo:1\n        ports:\n\
         \x20       - {name: http_web, containerPort: 8080}\n\
         \x20       - {name: metrics-endpoint, containerPort: 9090}\n\
         \x20       - {name: \"8443\", containerPort: 8443}\n\
         \x20       - {name: admin, containerPort: 8081}\n\
         \x20       - {name: admin, containerPort: 8082}\n",
    );
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec:\n\
                   \x20 selector: {app: demo}\n  ports:\n\
                   \x20 - {name: web, port: 80, targetPort: web--http}\n\
                   \x20 - {port: 81, targetPort: 8080}\n\
                   \x20 - {name: Web, port: 82, targetPort: \"8080\"}\n\
                   \x20 - {name: web, port: 83}\n";
    let ok = "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n\
              \x20 selector: {app: demo}\n\
              \x20 ports: [{port: 80, targetPort: 8080}]\n---\n\
              apiVersion: v1\nkind: Service\nmetadata: {name: ok2}\nspec:\n\
              \x20 selector: {app: demo}\n\
              \x20 ports: [{name: a-long-port-name-is-fine, port: 80, targetPort: http}]\n";
    let dir = folder(&[("r.yaml", &rollout), ("svc.yaml", service), ("ok.yaml", ok)]);
    let iana = "not a valid port name (an IANA service name: at most 15 lower-case letters, \
                digits and `-`, with a letter, no `-` at either end and no `--`)";
    refused(
        dir.path(),
        &["r.yaml", "svc.yaml"],
        &[
            &format!(
                "r.yaml:17:18: error: spec.template.spec.containers[0].ports[0].name: `http_web`: {iana}: only lower-case letters, digits and `-` are allowed"
            ),
            &format!(
                "r.yaml:18:18: error: spec.template.spec.containers[0].ports[1].name: `metrics-endpoint`: {iana}: more than 15 characters"
            ),
            &format!(
                "r.yaml:19:18: error: spec.template.spec.containers[0].ports[2].name: `8443`: {iana}: it needs at least one letter"
            ),
            "r.yaml:21:18: error: spec.template.spec.containers[0].ports[4].name: port name `admin` is used twice in this container",
            &format!(
                "svc.yaml:7:39: error: spec.ports[0].targetPort: `web--http`: {iana}: it may not hold `--`"
            ),
            "svc.yaml:8:5: error: spec.ports[1]: a Service with several ports needs a `name` for each",
            "svc.yaml:9:12: error: spec.ports[2].name: `Web`: not a DNS-1123 label: lower-case letters, digits and `-`, starting with a letter or digit and ending with a letter or digit",
            &format!(
                "svc.yaml:9:39: error: spec.ports[2].targetPort: `8080`: {iana}: it needs at least one letter"
            ),
            "svc.yaml:10:12: error: spec.ports[3].name: port name `web` is used twice in this Service",
        ],
    );
    let o = sim_in(dir.path(), &["lint", "demo.yaml", "ok.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// An experiment template's ReplicaSet is `<experiment>-<name>` and its Service (when it gets
/// one) is named after it or `service.name`; an experiment analysis's run is
/// `<experiment>-<name>`: names the API server would refuse there are refused up front.
#[test]
fn experiment_names_make_valid_object_names() {
    let rollout = |templates: &str, analyses: &str| {
        DEMO.replace(
            "      - pause: {}\n",
            &format!(
                "      - pause: {{}}\n      - experiment:\n          duration: 1m\n\
                 \x20         templates:\n{templates}          analyses:\n{analyses}"
            ),
        )
    };
    let template = "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n\
                    metadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    count: 1\n\
                    \x20   provider: {job: {spec: {template: {spec: {containers: \
                    [{name: j, image: j}], restartPolicy: Never}}}}}\n";
    let bad = rollout(
        "          - {name: Canary_T, specRef: canary}\n\
         \x20         - {name: can.ary, specRef: canary, service: {}}\n\
         \x20         - {name: base, specRef: stable, service: {name: Base.Svc}}\n\
         \x20         - {name: base, specRef: stable}\n",
        "          - {name: a..b, templateName: t}\n",
    ) + template;
    let good = rollout(
        "          - {name: canary.v2, specRef: canary}\n\
         \x20         - {name: baseline, specRef: stable, service: {}}\n",
        "          - {name: compare, templateName: t}\n",
    ) + template;
    let dir = folder(&[("bad.yaml", &bad), ("good.yaml", &good)]);
    let object = "would not give a valid object name";
    let rule = "lower-case letters, digits, `-` and `.`, ending with a letter or digit, no `.` \
                beside another `.` or a `-`";
    refused(
        dir.path(),
        &["bad.yaml"],
        &[
            &format!(
                "bad.yaml:24:20: error: spec.strategy.canary.steps[2].experiment.templates[0].name: `Canary_T` {object} (`<experiment>-Canary_T`): {rule}"
            ),
            "bad.yaml:25:20: error: spec.strategy.canary.steps[2].experiment.templates[1].name: `can.ary`: the template's Service is named after its ReplicaSet (`<experiment>-can.ary`), and a Service's name has no `.`: rename the template or give `service: {name: ...}`",
            "bad.yaml:26:59: error: spec.strategy.canary.steps[2].experiment.templates[2].service.name: `Base.Svc`: no Service can have this name: not a DNS-1035 label: lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit",
            "bad.yaml:27:20: error: spec.strategy.canary.steps[2].experiment.templates[3].name: template name `base` is used twice (Argo marks such an Experiment InvalidSpec and it never runs)",
            &format!(
                "bad.yaml:29:20: error: spec.strategy.canary.steps[2].experiment.analyses[0].name: `a..b` {object} (`<experiment>-a..b`): {rule}"
            ),
        ],
    );
    let o = sim_in(dir.path(), &["lint", "good.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// A Rollout whose name has a `.` gives every experiment template Service named after its
/// ReplicaSet (`<rollout>-<hash>-<revision>-<step>-<template>`) a name the API server refuses:
/// refused up front where the template gets one (a `service` without a name, and container
/// ports), not with a `service.name` or without ports.
#[test]
fn a_dotted_rollout_name_cannot_name_an_experiment_service() {
    let rollout = |ports: &str, service: &str| {
        DEMO.replace("  name: demo\n", "  name: demo.v2\n")
            .replace(
                "        image: example/demo:1\n",
                &format!("        image: example/demo:1\n{ports}"),
            )
            .replace(
                "      - pause: {}\n",
                &format!(
                    "      - pause: {{}}\n      - experiment:\n          duration: 1m\n\
                     \x20         templates:\n          - {{name: exp, specRef: canary{service}}}\n"
                ),
            )
    };
    let ports = "        ports: [{name: http, containerPort: 8080}]\n";
    let dir = folder(&[
        ("bad.yaml", &rollout(ports, ", service: {}")),
        ("named.yaml", &rollout(ports, ", service: {name: exp-svc}")),
        ("portless.yaml", &rollout("", ", service: {}")),
    ]);
    refused(
        dir.path(),
        &["bad.yaml"],
        &[
            "bad.yaml:25:51: error: spec.strategy.canary.steps[2].experiment.templates[0].service: \
           the template's Service is named after its ReplicaSet, \
           `demo.v2-<hash>-<revision>-2-exp`, and a Service's name has no `.`: the API server \
           would refuse it and the update abort; give `service: {name: ...}`",
        ],
    );
    for ok in ["named.yaml", "portless.yaml"] {
        let o = sim_in(dir.path(), &["lint", ok]);
        assert_eq!(o.code, 0, "{ok}: {}", o.stderr);
    }
}

/// `setImage: {container: NAME}` must name a container of the template the script acts on
/// then: the first manifest's, the last applied one's, or after an `undo` any seen so far.
#[test]
fn set_image_names_a_container_the_template_has() {
    let two = DEMO.replace(
        "        image: example/demo:1\n",
        "        image: example/demo:1\n      - name: sidecar\n        image: example/side:1\n",
    );
    let dir = folder(&[
        (
            "s.yaml",
            "manifests: [demo.yaml]\nscript:\n\
             \x20 - setImage: {container: nope, image: \"x:2\"}\n\
             \x20 - setImage: {container: sidecar, image: \"x:2\"}\n\
             \x20 - apply: two.yaml\n\
             \x20 - setImage: {container: sidecar, image: \"x:3\"}\n",
        ),
        ("two.yaml", &two),
        (
            "undo.yaml",
            "manifests: [two.yaml]\nscript:\n\
             \x20 - apply: demo.yaml\n\
             \x20 - setImage: {container: sidecar, image: \"x:2\"}\n\
             \x20 - undo: {}\n\
             \x20 - setImage: {container: sidecar, image: \"x:3\"}\n",
        ),
    ]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:3:27: error: script[0].setImage.container: the pod template has no container named `nope` (its containers: `demo`)",
            "s.yaml:4:27: error: script[1].setImage.container: the pod template has no container named `sidecar` (its containers: `demo`)",
        ],
    );
    refused(
        dir.path(),
        &["undo.yaml"],
        &[
            "undo.yaml:4:27: error: script[1].setImage.container: the pod template has no container named `sidecar` (its containers: `demo`)",
        ],
    );
}

/// A `metrics:` model must answer a metric some analysis template defines (in the manifests
/// or applied by the script); a misspelt name is refused with the names there are.
#[test]
fn a_metric_model_names_a_metric_a_template_defines() {
    let template = |name: &str, metric: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {{name: {name}}}\n\
             spec:\n  metrics:\n  - name: {metric}\n    count: 1\n\
             \x20   successCondition: result[0] >= 0.95\n\
             \x20   provider: {{prometheus: {{address: \"http://p:9090\", query: x}}}}\n"
        )
    };
    let dir = folder(&[
        ("t1.yaml", &template("sr", "success-rate")),
        ("t2.yaml", &template("lat", "latency-p99")),
        (
            "s.yaml",
            "manifests: [demo.yaml, t1.yaml]\nscript:\n  - apply: t2.yaml\nmetrics:\n\
             \x20 success-rate: {value: 1}\n\
             \x20 latency-p99: {value: 1}\n\
             \x20 sucess-rate: {value: 1}\n",
        ),
        (
            "none.yaml",
            "manifests: [demo.yaml]\nmetrics:\n  success-rate: {value: 1}\n",
        ),
    ]);
    refused(
        dir.path(),
        &["s.yaml"],
        &[
            "s.yaml:7:3: error: metrics.sucess-rate: no analysis template has a metric named `sucess-rate` (the analysis templates define `success-rate`, `latency-p99`)",
        ],
    );
    refused(
        dir.path(),
        &["none.yaml"],
        &[
            "none.yaml:3:3: error: metrics.success-rate: no analysis template has a metric named `success-rate` (the analysis templates define no metric)",
        ],
    );
}

/// A canary of `demo` that names its two Services, with the script `script`.
fn demo_with_services(stable: &str, script: &str) -> String {
    format!(
        "manifests: [demo-svc.yaml]\nobjects:\n\
         \x20 - {{apiVersion: v1, kind: Service, metadata: {{name: demo-stable}}, spec: {{selector: {{app: demo}}}}}}\n\
         script:\n{script}",
    )
    .replace("demo-stable}", &format!("{stable}}}"))
}

#[test]
fn a_service_no_input_provides_is_refused_unless_the_script_applies_it() {
    let rollout = DEMO.replace(
        "    canary:\n",
        "    canary:\n      stableService: demo-stable\n      canaryService: demo-canary\n",
    );
    let canary_svc = "apiVersion: v1\nkind: Service\nmetadata: {name: demo-canary}\n\
                      spec: {selector: {app: demo}}\n";
    let dir = folder(&[
        ("demo-svc.yaml", &rollout),
        ("canary-svc.yaml", canary_svc),
        (
            "missing.yaml",
            &demo_with_services("demo-stabel", "  - wait: {phase: Healthy}\n"),
        ),
        (
            "applied.yaml",
            &demo_with_services(
                "demo-stable",
                "  - wait: 1m\n  - apply: canary-svc.yaml\n  - wait: {phase: Healthy}\n",
            ),
        ),
    ]);
    // Nothing could ever provide them: the input error the docs promise, at the fields that
    // name them, with the near name of the Service the input does have.
    refused(
        dir.path(),
        &["missing.yaml"],
        &[
            "demo-svc.yaml:18:22: error: spec.strategy.canary.stableService: Service `demo-stable` \
             is in no input and the script applies none: the controller would keep Rollout `demo` \
             Degraded (InvalidSpec: spec.strategy.canary.stableService: Invalid value: \
             \"demo-stable\": service \"demo-stable\" not found); did you mean `demo-stabel`?",
            "demo-svc.yaml:19:22: error: spec.strategy.canary.canaryService: Service `demo-canary` \
             is in no input and the script applies none: the controller would keep Rollout `demo` \
             Degraded (InvalidSpec: spec.strategy.canary.canaryService: Invalid value: \
             \"demo-canary\": service \"demo-canary\" not found)",
        ],
    );
    // Applied later, it heals the InvalidSpec the run shows until then.
    let o = sim_in(dir.path(), &["run", "applied.yaml"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("InvalidSpec"), "{}", o.stdout);
}

#[test]
fn min_pods_per_replica_set_without_a_router_is_ignored_as_argo_ignores_it() {
    let rollout = DEMO.replace(
        "    canary:\n",
        "    canary:\n      minPodsPerReplicaSet: 2\n",
    );
    let dir = folder(&[("minpods.yaml", &rollout)]);
    let o = sim_in(dir.path(), &["lint", "minpods.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(
            "minpods.yaml:18:29: note: spec.strategy.canary.minPodsPerReplicaSet: \
             minPodsPerReplicaSet is ignored without trafficRouting"
        ),
        "{}",
        o.stdout
    );
    // Without a router the step's weight alone sizes the canary: 1 of 2 pods at 50%.
    let o = sim_in(dir.path(), &["get", "minpods.yaml", "--at", "20s"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("SetWeight:     50\n"), "{}", o.stdout);
    assert!(o.stdout.contains("Updated:       1\n"), "{}", o.stdout);
}

#[test]
fn documentation_snippets_are_named_for_what_they_leave_out() {
    let dir = folder(&[
        (
            "dots.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  ...\n  \
             strategy:\n    canary: {}\n",
        ),
        (
            "nested-dots.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  \
             replicas: 2\n  strategy:\n    canary:\n      ...\n      steps: []\n",
        ),
        (
            "bare-spec.yaml",
            "spec:\n  strategy:\n    canary:\n      steps:\n      - pause: {duration: 10}\n",
        ),
    ]);
    let hint = "which in the Argo docs stands for fields left out of a snippet: delete that line \
                (and write the fields it stands for)";
    refused(
        dir.path(),
        &["dots.yaml"],
        &[&format!(
            "dots.yaml:7:11: error: invalid YAML: mapping values are not allowed in this context; \
             line 6 is an indented `...`, {hint}"
        )],
    );
    let o = sim_in(dir.path(), &["lint", "nested-dots.yaml"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains(&format!("line 9 is an indented `...`, {hint}")),
        "{}",
        o.stderr
    );
    refused(
        dir.path(),
        &["bare-spec.yaml"],
        &[
            "bare-spec.yaml:1:1: error: spec: this is the `spec` of an object without its header \
           (documentation snippets often start there): for a Rollout, write `apiVersion: \
           argoproj.io/v1alpha1`, `kind: Rollout` and `metadata: {name: NAME}` above it, and the \
           rest of the spec the snippet leaves out",
        ],
    );
}

/// `demo` with NGINX routing through the Ingress `stable_ingress`, its two Services, and the
/// extra documents `extra`.
fn nginx_demo(stable_ingress: &str, extra: &str) -> String {
    let rollout = DEMO.replace(
        "    canary:\n",
        &format!(
            "    canary:\n      stableService: demo-stable\n      canaryService: demo-canary\n      \
             trafficRouting:\n        nginx: {{stableIngress: {stable_ingress}}}\n"
        ),
    );
    let services = "---\napiVersion: v1\nkind: Service\nmetadata: {name: demo-stable}\n\
                    spec: {selector: {app: demo}}\n---\napiVersion: v1\nkind: Service\n\
                    metadata: {name: demo-canary}\nspec: {selector: {app: demo}}\n";
    format!("{rollout}{services}{extra}")
}

/// An Ingress named `name` whose one rule sends traffic to the Service `backend`.
fn ingress(name: &str, backend: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}}}\n\
         spec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n        \
         backend: {{service: {{name: {backend}, port: {{number: 80}}}}}}\n"
    )
}

#[test]
fn the_ingress_a_router_names_is_checked_when_the_input_has_ingresses() {
    let dir = folder(&[
        (
            "ok.yaml",
            &nginx_demo("demo-ingress", &ingress("demo-ingress", "demo-stable")),
        ),
        ("none.yaml", &nginx_demo("demo-ingress", "")),
        (
            "typo.yaml",
            &nginx_demo("demo-ingres", &ingress("demo-ingress", "demo-stable")),
        ),
        (
            "backend.yaml",
            &nginx_demo("demo-ingress", &ingress("demo-ingress", "demo-canary")),
        ),
        (
            "vs.yaml",
            &nginx_demo(
                "x",
                "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n\
                              metadata: {name: demo-vs}\nspec: {}\n",
            )
            .replace(
                "nginx: {stableIngress: x}",
                "istio: {virtualService: {name: demo-vss}}",
            ),
        ),
    ]);
    let vs = sim_in(dir.path(), &["lint", "vs.yaml"]);
    assert_eq!(vs.code, 2, "{}", vs.stderr);
    assert!(
        vs.stderr.contains(
            "trafficRouting.istio.virtualService.name: Invalid value: \"demo-vss\": \
             virtualservices.networking.istio.io \"demo-vss\" not found); did you mean `demo-vs`?"
        ),
        "{}",
        vs.stderr
    );
    let ok = sim_in(dir.path(), &["lint", "ok.yaml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(!ok.stdout.contains("not checked"), "{}", ok.stdout);
    // Just the Rollout and its Services: nothing to check against, so it runs, and says so.
    let none = sim_in(dir.path(), &["lint", "none.yaml"]);
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert!(
        none.stdout.contains(
            "none.yaml:21:32: note: spec.strategy.canary.trafficRouting.nginx.stableIngress: \
             Ingress `demo-ingress` not checked: no input holds an Ingress"
        ),
        "{}",
        none.stdout
    );
    refused(
        dir.path(),
        &["typo.yaml"],
        &[
            "typo.yaml:21:32: error: spec.strategy.canary.trafficRouting.nginx.stableIngress: \
           Ingress `demo-ingres` is in no input: the controller would keep Rollout `demo` \
           Degraded (InvalidSpec: spec.strategy.canary.trafficRouting.nginx.stableIngress: \
           Invalid value: \"demo-ingres\": ingress.networking.k8s.io \"demo-ingres\" not found); \
           did you mean `demo-ingress`?",
        ],
    );
    refused(
        dir.path(),
        &["backend.yaml"],
        &[
            "backend.yaml:21:32: error: spec.strategy.canary.trafficRouting.nginx.stableIngress: \
           Ingress `demo-ingress` has no rule sending traffic to Service `demo-stable`: the \
           controller would keep Rollout `demo` Degraded (InvalidSpec: \
           spec.strategy.canary.trafficRouting.nginx.stableIngress: Invalid value: \
           \"demo-ingress\": ingress `demo-ingress` has no rules using service demo-stable \
           backend)",
        ],
    );
}

#[test]
fn objects_in_a_second_namespace_are_refused_by_name() {
    let in_ns = |ns: &str| {
        DEMO.replace(
            "  name: demo\n",
            &format!("  name: demo\n  namespace: {ns}\n"),
        )
    };
    let service = |ns: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: demo-stable, namespace: {ns}}}\n\
             spec: {{selector: {{app: demo}}}}\n"
        )
    };
    let named = |r: String| {
        r.replace(
            "    canary:\n",
            "    canary:\n      stableService: demo-stable\n",
        )
    };
    let dir = folder(&[
        (
            "two.yaml",
            &format!("{}{}", named(in_ns("prod")), service("staging")),
        ),
        (
            "one.yaml",
            &format!("{}{}", named(in_ns("prod")), service("prod")),
        ),
        // No namespace written: it goes wherever `kubectl apply -n` puts the others.
        (
            "unset.yaml",
            &format!("{}{}", named(DEMO.to_string()), service("prod")),
        ),
    ]);
    refused(
        dir.path(),
        &["two.yaml"],
        &[
            "two.yaml:26:42: error: metadata.namespace: namespace `staging`: the inputs also use \
           namespace `prod`; objects in more than one namespace are not simulated (the \
           controller resolves a Rollout's Services, templates and Secrets in its own namespace \
           only): give the objects of one namespace",
        ],
    );
    for ok in ["one.yaml", "unset.yaml"] {
        let o = sim_in(dir.path(), &["lint", ok]);
        assert_eq!(o.code, 0, "{ok}: {}", o.stderr);
    }
}

/// ALB's plural `ingresses` (and NGINX's `stableIngresses`) are checked item by item, each
/// error at its own index.
#[test]
fn a_routers_list_of_ingresses_is_checked_item_by_item() {
    let alb = nginx_demo("x", &ingress("demo-ingress", "demo-stable")).replace(
        "nginx: {stableIngress: x}",
        "alb: {ingresses: [demo-ingress, demo-other], servicePort: 80}",
    );
    let dir = folder(&[("alb.yaml", &alb)]);
    let out = sim_in(dir.path(), &["lint", "alb.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "spec.strategy.canary.trafficRouting.alb.ingresses[1]: Ingress `demo-other` is in \
             no input"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("ingresses[0]"), "{}", out.stderr);
    // Argo's own error names the list, not the item, and quotes all of it.
    assert!(
        out.stderr.contains(
            "(InvalidSpec: spec.strategy.canary.trafficRouting.alb.ingresses: Invalid value: \
             []string{\"demo-ingress\", \"demo-other\"}: ingress.networking.k8s.io \
             \"demo-other\" not found)"
        ),
        "{}",
        out.stderr
    );
}

/// NGINX's `stableIngresses`: Argo's not-found error spells the field `StableIngresses` and
/// quotes the whole list; an empty name in it is looked up like any other (and not found),
/// where a bare `stableIngress: ""` means "not configured". The "no rules" error names the
/// list in its usual spelling, with the one Ingress it is about.
#[test]
fn nginx_stable_ingresses_are_named_as_argo_names_them() {
    let list = |names: &str, backend: &str| {
        nginx_demo("x", &ingress("demo-ingress", backend)).replace(
            "{stableIngress: x}",
            &format!("{{stableIngresses: {names}}}"),
        )
    };
    let dir = folder(&[
        ("empty.yaml", &list("[demo-ingress, '']", "demo-stable")),
        ("rules.yaml", &list("[demo-ingress]", "demo-canary")),
        ("ok.yaml", &list("[demo-ingress]", "demo-stable")),
    ]);
    refused(
        dir.path(),
        &["empty.yaml"],
        &[
            "empty.yaml:21:49: error: spec.strategy.canary.trafficRouting.nginx.stableIngresses[1]: \
           An empty Ingress name is in no input: the controller would keep Rollout `demo` \
           Degraded (InvalidSpec: spec.strategy.canary.trafficRouting.nginx.StableIngresses: \
           Invalid value: []string{\"demo-ingress\", \"\"}: ingress.networking.k8s.io \"\" not \
           found)",
        ],
    );
    let rules = sim_in(dir.path(), &["lint", "rules.yaml"]);
    assert_eq!(rules.code, 2, "{}", rules.stderr);
    assert!(
        rules.stderr.contains(
            "(InvalidSpec: spec.strategy.canary.trafficRouting.nginx.stableIngresses: Invalid \
             value: \"demo-ingress\": ingress `demo-ingress` has no rules using service \
             demo-stable backend)"
        ),
        "{}",
        rules.stderr
    );
    let ok = sim_in(dir.path(), &["lint", "ok.yaml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

/// Istio's `name.namespace` shorthand (with or without `.cluster.local`) names the
/// VirtualService by its name part, as `GetVirtualServiceNamespaceName` reads it; a list's
/// error names `virtualServices.name`.
#[test]
fn virtual_services_are_looked_up_by_the_name_part_of_a_reference() {
    let vs = "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n\
              metadata: {name: demo-vs}\nspec: {}\n";
    let istio = |routing: &str| nginx_demo("x", vs).replace("nginx: {stableIngress: x}", routing);
    let dir = folder(&[
        (
            "short.yaml",
            &istio("istio: {virtualService: {name: demo-vs.default, routes: [primary]}}"),
        ),
        (
            "fqdn.yaml",
            &istio(
                "istio: {virtualServices: [{name: demo-vs.default.cluster.local, routes: \
                 [primary]}]}",
            ),
        ),
        (
            "missing.yaml",
            &istio(
                "istio: {virtualServices: [{name: demo-vs, routes: [primary]}, {name: \
                 other.default, routes: [primary]}]}",
            ),
        ),
    ]);
    for ok in ["short.yaml", "fqdn.yaml"] {
        let out = sim_in(dir.path(), &["lint", ok]);
        assert_eq!(out.code, 0, "{ok}: {}", out.stderr);
    }
    let out = sim_in(dir.path(), &["lint", "missing.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "virtualServices[1].name: VirtualService `other` is in no input: the controller \
             would keep Rollout `demo` Degraded (InvalidSpec: \
             spec.strategy.canary.trafficRouting.istio.virtualServices.name: Invalid value: \
             \"other\": virtualservices.networking.istio.io \"other\" not found)"
        ),
        "{}",
        out.stderr
    );
}
