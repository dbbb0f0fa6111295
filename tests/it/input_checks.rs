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
