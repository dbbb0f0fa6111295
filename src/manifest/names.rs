//! The names and labels the Kubernetes API server accepts: an object a cluster would refuse
//! must not run here. `metadata.name` is a DNS-1123 subdomain (lower-case alphanumerics, `-`
//! and `.`, at most 253 characters); a Rollout's name must also leave room for the
//! `-<pod-template-hash>` its ReplicaSets append. Label keys are qualified names (an optional
//! DNS subdomain prefix and `/`, then at most 63 alphanumerics, `-`, `_`, `.`), label values
//! are empty or such a name of at most 63 characters. A Service's name is stricter, a DNS-1035
//! label (at most 63 characters, starting with a letter: it becomes a DNS name of its own), so
//! a Rollout's `*Service` fields naming anything else name a Service no cluster can hold. A
//! container's name is a DNS-1123 label (at most 63 characters, no `.`). Ports: a container
//! port's `name` and a Service's string `targetPort` are IANA service names (at most 15
//! lower-case letters, digits and single `-`, at least one letter); a Service port's `name` is
//! a DNS-1123 label, required once the Service has several ports, and unique in the Service,
//! as a container port's name is in its container.

use crate::input::yaml::Value;
use crate::input::{DiagKind, FieldPath, Node};

use super::Report;

/// The longest DNS-1123 subdomain.
const MAX_SUBDOMAIN: usize = 253;
/// The longest label value, and the name part of a label key.
const MAX_LABEL: usize = 63;
/// What a ReplicaSet adds to the Rollout's name: `-` and a pod-template-hash of up to 10.
const REPLICASET_SUFFIX: usize = 11;

/// Why `name` is not a DNS-1123 subdomain, if it is not one.
fn subdomain_problem(name: &str) -> Option<String> {
    if name.len() > MAX_SUBDOMAIN {
        return Some(format!(
            "{} characters: at most {MAX_SUBDOMAIN}",
            name.len()
        ));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.split('.').all(label_ok) {
        None
    } else {
        Some(
            "not a DNS-1123 subdomain: lower-case letters, digits, `-` and `.`, starting and \
             ending with a letter or digit"
                .to_string(),
        )
    }
}

/// The API server's two checks of a DNS label (`IsDNS1123Label`, `IsDNS1035Label`): whether
/// `name` is longer than a label may be, and whether it is not of a label's shape (lower-case
/// letters, digits and `-`, starting with a letter — or, `rfc1035` false, a digit — and ending
/// with a letter or digit). The API server reports both; `lint` words the first it finds.
pub(crate) fn dns_label_checks(name: &str, rfc1035: bool) -> (bool, bool) {
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let first_ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || (!rfc1035 && b.is_ascii_digit()));
    let last_ok = name
        .bytes()
        .last()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (name.len() > MAX_LABEL, !(chars_ok && first_ok && last_ok))
}

/// Why `name` is not a DNS label, if it is not one: DNS-1123 (`rfc1035` false: may start
/// with a digit) or DNS-1035 (must start with a letter), as the API server's
/// `IsDNS1123Label` and `IsDNS1035Label`.
fn dns_label_problem(name: &str, rfc1035: bool) -> Option<String> {
    let (rfc, first) = if rfc1035 {
        ("DNS-1035", "a letter")
    } else {
        ("DNS-1123", "a letter or digit")
    };
    let (too_long, not_label) = dns_label_checks(name, rfc1035);
    if too_long {
        return Some(format!(
            "{} characters: a {rfc} label is at most {MAX_LABEL}",
            name.len()
        ));
    }
    not_label.then(|| {
        format!(
            "not a {rfc} label: lower-case letters, digits and `-`, starting with {first} \
             and ending with a letter or digit"
        )
    })
}

/// The longest IANA service name (RFC 6335 §5.1).
const MAX_PORT_NAME: usize = 15;

/// Why `name` is not an IANA service name (the API server's `IsValidPortName`), if it is not.
fn port_name_problem(name: &str) -> Option<&'static str> {
    if name.len() > MAX_PORT_NAME {
        return Some("more than 15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("only lower-case letters, digits and `-` are allowed");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("it needs at least one letter");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("it may not start or end with `-`");
    }
    if name.contains("--") {
        return Some("it may not hold `--`");
    }
    None
}

/// Reports `name` at `at` when it is not an IANA service name.
fn check_port_name(name: &str, at: &FieldPath, report: &mut Report) {
    if let Some(why) = port_name_problem(name) {
        report.error(
            at,
            DiagKind::InvalidValue,
            format!(
                "`{}`: not a valid port name (an IANA service name: at most {MAX_PORT_NAME} \
                 lower-case letters, digits and `-`, with a letter, no `-` at either end and \
                 no `--`): {why}",
                shown(name)
            ),
        );
    }
}

/// The text of a string scalar (`None` for a number, boolean or null, which a plain scalar
/// may resolve to).
fn text_of(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s) => match s.resolve() {
            crate::input::yaml::Resolved::Str(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// The items of the list at `key` of `node`, if it is a list.
fn items<'n>(node: &'n Node, key: &str) -> &'n [Node] {
    match node.get(key) {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items,
        _ => &[],
    }
}

/// A Service's `spec.ports`: names are DNS-1123 labels, required when there are several and
/// unique; a `targetPort` given as a string names a container port, so it is a port name.
fn check_service_ports(node: &Node, base: &FieldPath, report: &mut Report) {
    let Some(spec) = node.get("spec") else { return };
    let at = base.key("spec").key("ports");
    let ports = items(spec, "ports");
    let mut seen: Vec<&str> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let name = port.get("name").and_then(Node::as_str).unwrap_or_default();
        if name.is_empty() {
            if ports.len() > 1 {
                report.error(
                    &at.index(i),
                    DiagKind::Missing,
                    "a Service with several ports needs a `name` for each",
                );
            }
        } else if let Some(why) = dns_label_problem(name, false) {
            report.error(
                &at.index(i).key("name"),
                DiagKind::InvalidValue,
                format!("`{}`: {why}", shown(name)),
            );
        } else if seen.contains(&name) {
            report.error(
                &at.index(i).key("name"),
                DiagKind::InvalidValue,
                format!("port name `{name}` is used twice in this Service"),
            );
        }
        seen.push(name);
        // A number is a port number; only a string (quoted digits too, as the API reads
        // them) names a port.
        if let Some(target) = port.get("targetPort").and_then(text_of) {
            check_port_name(target, &at.index(i).key("targetPort"), report);
        }
    }
}

/// The pod template's container ports: each `name` an IANA service name, unique in its
/// container (what the API server enforces, `validateContainerPorts`; the API's "unique
/// within the pod" is not checked across containers).
fn check_container_ports(pod: &Node, at: &FieldPath, report: &mut Report) {
    for list in ["containers", "initContainers"] {
        for (i, c) in items(pod, list).iter().enumerate() {
            let mut seen: Vec<&str> = Vec::new();
            for (j, port) in items(c, "ports").iter().enumerate() {
                let Some(name) = port
                    .get("name")
                    .and_then(Node::as_str)
                    .filter(|n| !n.is_empty())
                else {
                    continue;
                };
                let here = at.key(list).index(i).key("ports").index(j).key("name");
                if port_name_problem(name).is_some() {
                    check_port_name(name, &here, report);
                } else if seen.contains(&name) {
                    report.error(
                        &here,
                        DiagKind::InvalidValue,
                        format!("port name `{name}` is used twice in this container"),
                    );
                }
                seen.push(name);
            }
        }
    }
}

/// Why `name`, as the tail of an object named `<experiment>-<name>` (an experiment template's
/// ReplicaSet, an experiment analysis's AnalysisRun), would not give a DNS-1123 subdomain.
pub(super) fn child_name_problem(name: &str) -> Option<String> {
    // Only the tail's own characters matter: the owner's part is a valid name already.
    subdomain_problem(&format!("x-{name}")).map(|_| {
        format!(
            "`{}` would not give a valid object name (`<experiment>-{}`): lower-case \
             letters, digits, `-` and `.`, ending with a letter or digit, no `.` beside \
             another `.` or a `-`",
            shown(name),
            shown(name)
        )
    })
}

/// Why `name` cannot name a Service (a DNS-1035 label), if it cannot.
pub(super) fn service_name_problem(name: &str) -> Option<String> {
    dns_label_problem(name, true)
}

/// `name`, cut to 40 characters for a message.
fn shown(name: &str) -> String {
    let cut: String = name.chars().take(40).collect();
    let more = if name.chars().count() > 40 { "…" } else { "" };
    format!("{cut}{more}")
}

/// Whether `s` is a label value or the name part of a label key (empty allowed by the caller).
fn label_name_ok(s: &str) -> bool {
    s.len() <= MAX_LABEL
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && let Some(why) = subdomain_problem(p)
    {
        return Some(format!("its prefix `{p}` is {why}"));
    }
    if label_name_ok(name) {
        None
    } else {
        Some(format!(
            "`{name}` is not a label name: at most {MAX_LABEL} letters, digits, `-`, `_` and \
             `.`, starting and ending with a letter or digit"
        ))
    }
}

/// Checks `metadata.name` and `metadata.labels` of the object `node` at `base`.
pub(super) fn check_metadata(node: &Node, base: &FieldPath, kind: &str, report: &mut Report) {
    let Some(meta) = node.get("metadata") else {
        return;
    };
    let at = base.key("metadata");
    if let Some(name) = meta.get("name").and_then(Node::as_str) {
        let limit = if kind == "Rollout" {
            MAX_SUBDOMAIN - REPLICASET_SUFFIX
        } else {
            MAX_SUBDOMAIN
        };
        let why = if kind == "Service" {
            dns_label_problem(name, true)
        } else {
            subdomain_problem(name)
        };
        let why = why.or_else(|| {
            (name.len() > limit).then(|| {
                format!(
                    "{} characters: a Rollout's name is at most {limit}, so that its \
                     ReplicaSets' names (the name, `-`, a pod-template-hash) stay within \
                     {MAX_SUBDOMAIN}",
                    name.len()
                )
            })
        });
        if let Some(why) = why {
            report.error(
                &at.key("name"),
                DiagKind::InvalidValue,
                format!("`{}`: {why}", shown(name)),
            );
        }
    }
    check_labels(meta, &at, report);
    if kind == "Service" {
        check_service_ports(node, base, report);
    }
    if kind == "Rollout" {
        check_service_refs(node, base, report);
        check_container_names(node, base, report);
    }
    // The pods' labels, which the pods (and the Services selecting them) carry.
    if let Some(pod_meta) = node
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("metadata"))
    {
        check_labels(
            pod_meta,
            &base.key("spec").key("template").key("metadata"),
            report,
        );
    }
}

/// The Services a Rollout names (`stableService`, `canaryService`, `activeService`,
/// `previewService`) must have names a Service can have, or the Rollout waits for ever for a
/// Service that cannot exist.
fn check_service_refs(node: &Node, base: &FieldPath, report: &mut Report) {
    let Some(strategy) = node.get("spec").and_then(|s| s.get("strategy")) else {
        return;
    };
    let fields: [(&str, &[&str]); 2] = [
        ("canary", &["stableService", "canaryService"]),
        ("blueGreen", &["activeService", "previewService"]),
    ];
    for (kind, keys) in fields {
        let Some(s) = strategy.get(kind) else {
            continue;
        };
        for key in keys {
            let Some(name) = s.get(key).and_then(Node::as_str).filter(|n| !n.is_empty()) else {
                continue;
            };
            if let Some(why) = dns_label_problem(name, true) {
                report.error(
                    &base.key("spec").key("strategy").key(kind).key(key),
                    DiagKind::InvalidValue,
                    format!("`{}`: no Service can have this name: {why}", shown(name)),
                );
            }
        }
    }
}

/// The names of the pod template's containers and init containers are DNS-1123 labels.
fn check_container_names(node: &Node, base: &FieldPath, report: &mut Report) {
    let Some(pod) = node
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
    else {
        return;
    };
    let at = base.key("spec").key("template").key("spec");
    for list in ["containers", "initContainers"] {
        let Some(Node {
            value: Value::Seq(items),
            ..
        }) = pod.get(list)
        else {
            continue;
        };
        for (i, c) in items.iter().enumerate() {
            let Some(name) = c
                .get("name")
                .and_then(Node::as_str)
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            if let Some(why) = dns_label_problem(name, false) {
                report.error(
                    &at.key(list).index(i).key("name"),
                    DiagKind::InvalidValue,
                    format!("`{}`: {why}", shown(name)),
                );
            }
        }
    }
    check_container_ports(pod, &at, report);
}

/// Checks the `labels` of a metadata mapping at `at`.
pub(super) fn check_labels(meta: &Node, at: &FieldPath, report: &mut Report) {
    let Some(Node {
        value: Value::Map(entries),
        ..
    }) = meta.get("labels")
    else {
        return;
    };
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        let path = at.key("labels").key(key);
        if let Some(why) = label_key_problem(key) {
            report.error(
                &path,
                DiagKind::InvalidValue,
                format!("label key `{key}`: {why}"),
            );
            continue;
        }
        if let Some(value) = v.as_str()
            && !value.is_empty()
            && !label_name_ok(value)
        {
            report.error(
                &path,
                DiagKind::InvalidValue,
                format!(
                    "label value `{value}`: at most {MAX_LABEL} letters, digits, `-`, `_` and \
                     `.`, starting and ending with a letter or digit"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(subdomain_problem("rollouts-demo").is_none());
        assert!(subdomain_problem("a.b-c.d1").is_none());
        for bad in ["My_Rollout", "-a", "a-", "a..b", "", "UPPER"] {
            assert!(subdomain_problem(bad).is_some(), "{bad}");
        }
        assert!(subdomain_problem(&"a".repeat(254)).is_some());
        assert!(subdomain_problem(&"a".repeat(253)).is_none());
    }

    #[test]
    fn dns_labels() {
        for ok in ["svc", "a-1", &"a".repeat(63)] {
            assert!(dns_label_problem(ok, true).is_none(), "{ok}");
            assert!(dns_label_problem(ok, false).is_none(), "{ok}");
        }
        // A leading digit: a DNS-1123 label, not a DNS-1035 one.
        assert!(dns_label_problem("1svc", false).is_none());
        assert!(dns_label_problem("1svc", true).is_some());
        for bad in ["svc.dot", "My_C", "-a", "a-", "", &"a".repeat(64)] {
            assert!(dns_label_problem(bad, true).is_some(), "{bad}");
            assert!(dns_label_problem(bad, false).is_some(), "{bad}");
        }
    }

    #[test]
    fn port_names() {
        for ok in ["http", "a", "web-8080", "h2c", &"a".repeat(15)] {
            assert!(port_name_problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "8080",
            "-http",
            "http-",
            "a--b",
            "HTTP",
            "my_port",
            "h.t",
            &"a".repeat(16),
        ] {
            assert!(port_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn labels() {
        for ok in ["app", "app.kubernetes.io/name", "example.com/a_b-c.d", "A1"] {
            assert!(label_key_problem(ok).is_none(), "{ok}");
        }
        for bad in ["bad label!", "Example.com/x", "x/", &"a".repeat(64), "-a"] {
            assert!(label_key_problem(bad).is_some(), "{bad}");
        }
        assert!(label_name_ok("v1.2_rc-3"));
        assert!(!label_name_ok("bad label!"));
        assert!(!label_name_ok(&"a".repeat(64)));
    }
}
