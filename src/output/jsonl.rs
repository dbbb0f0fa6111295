//! `events.jsonl` (SCENARIO.md §4): a header line, then one JSON object per journal entry with
//! `t` (virtual seconds), `time` (RFC 3339), `kind` and kind-specific fields, in that order.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::engine::SimTime;
use crate::sim::{Entry, EntryKind, Journal, Summary};

/// RFC 3339 wall-clock time of a virtual instant.
pub fn wall_time(start: DateTime<Utc>, t: SimTime) -> String {
    (start + Duration::milliseconds(t.as_millis() as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "passed": s.passed,
        "timedOut": s.timed_out,
        "failures": s.failures,
        "phase": s.phase.as_str(),
        "message": s.message,
        "step": s.step,
        "steps": s.steps,
        "setWeight": s.set_weight,
        "actualWeight": s.actual_weight,
        "revision": s.revision,
        "stableRevision": s.stable_revision,
        "images": {"stable": s.stable_image, "canary": s.canary_image},
        "replicas": {
            "desired": s.desired, "current": s.current, "updated": s.updated,
            "ready": s.ready, "available": s.available,
        },
        "podsCreated": s.pods_created,
        "reconciles": s.reconciles,
        "traffic": s.traffic.iter().map(|v| {
            let mut o = json!({
                "hash": v.hash, "image": v.image, "requests": v.requests, "failed": v.failed,
            });
            if v.mirrored > 0 {
                o["mirrored"] = json!(v.mirrored);
                o["mirroredFailed"] = json!(v.mirrored_failed);
            }
            o
        }).collect::<Vec<_>>(),
        "unroutedRequests": s.unrouted,
    })
}

/// The kind-specific fields of an entry, in a fixed order.
pub fn fields(kind: &EntryKind) -> Vec<(&'static str, Value)> {
    match kind {
        EntryKind::ScriptAction { line, action, .. } => {
            vec![("line", json!(line)), ("action", json!(action))]
        }
        EntryKind::ActionNote { line, note } => {
            vec![("line", json!(line)), ("note", json!(note))]
        }
        EntryKind::RolloutUpdated { generation, change } => {
            vec![("generation", json!(generation)), ("change", json!(change))]
        }
        EntryKind::ReplicaSetCreated {
            name,
            revision,
            image,
        } => vec![
            ("name", json!(name)),
            ("revision", json!(revision)),
            ("image", json!(image)),
        ],
        EntryKind::ReplicaSetScaled { name, from, to } => {
            vec![
                ("name", json!(name)),
                ("from", json!(from)),
                ("to", json!(to)),
            ]
        }
        EntryKind::ReplicaSetDeleted { name } => vec![("name", json!(name))],
        EntryKind::ReplicaSetRevision { name, revision } => {
            vec![("name", json!(name)), ("revision", json!(revision))]
        }
        EntryKind::RolloutStatus(s) => vec![
            ("phase", json!(s.phase.as_str())),
            ("message", json!(s.message)),
            ("step", json!(s.step)),
            ("steps", json!(s.steps)),
            ("setWeight", json!(s.set_weight)),
            ("actualWeight", json!(s.actual_weight)),
            (
                "replicas",
                json!({
                    "desired": s.desired, "current": s.current, "updated": s.updated,
                    "ready": s.ready, "available": s.available,
                }),
            ),
            ("stableRS", json!(s.stable_hash)),
            ("currentPodHash", json!(s.current_hash)),
            ("activeSelector", json!(s.active_hash)),
            ("previewSelector", json!(s.preview_hash)),
            ("duration", duration_json(s.duration.as_ref())),
        ],
        EntryKind::ScaleDownDeadline { name, at } => {
            vec![
                ("name", json!(name)),
                ("at", json!(at.map(SimTime::as_secs_f64))),
            ]
        }
        EntryKind::PodCreated { name, replica_set } => {
            vec![("name", json!(name)), ("replicaSet", json!(replica_set))]
        }
        EntryKind::PodReady { name }
        | EntryKind::PodAvailable { name }
        | EntryKind::PodNotReady { name }
        | EntryKind::PodTerminating { name }
        | EntryKind::PodDeleted { name } => {
            vec![("name", json!(name))]
        }
        EntryKind::PodPending { name } | EntryKind::NodeFailed { name } => {
            vec![("name", json!(name))]
        }
        EntryKind::NodeUnreachable {
            name,
            evict_at,
            not_ready,
            nodes,
        } => {
            vec![
                ("name", json!(name)),
                ("evictAt", json!(evict_at.map(SimTime::as_secs_f64))),
                ("notReady", json!(not_ready)),
                ("nodes", json!(nodes)),
            ]
        }
        EntryKind::PodScheduled { name, node } => {
            vec![("name", json!(name)), ("node", json!(node))]
        }
        EntryKind::PodEvicted { name, by } => vec![("name", json!(name)), ("by", json!(by))],
        EntryKind::PodEvictionRefused { name, budget } => {
            vec![("name", json!(name)), ("budget", json!(budget))]
        }
        EntryKind::StepStarted { index, step } | EntryKind::StepCompleted { index, step } => {
            vec![("index", json!(index)), ("step", json!(step))]
        }
        EntryKind::WeightChanged {
            canary,
            stable,
            set_weight,
            experiment,
            max_weight,
            initial,
        } => {
            let mut f = vec![
                ("canary", json!(canary)),
                ("stable", json!(stable)),
                ("setWeight", json!(set_weight)),
            ];
            if *experiment > 0 {
                f.push(("experiment", json!(experiment)));
            }
            // Only what departs from the usual, so that most lines stay as short as before.
            if *max_weight != 100 {
                f.push(("maxWeight", json!(max_weight)));
            }
            if *initial {
                f.push(("initial", json!(true)));
            }
            f
        }
        EntryKind::ServiceSwitched { service, from, to } => {
            vec![
                ("service", json!(service)),
                ("from", json!(from)),
                ("to", json!(to)),
            ]
        }
        EntryKind::PhaseChanged { from, to, message } => vec![
            ("from", json!(from.as_str())),
            ("to", json!(to.as_str())),
            ("message", json!(message)),
        ],
        EntryKind::Promoted {
            revision,
            replica_set,
            reason,
        } => vec![
            ("revision", json!(revision)),
            ("replicaSet", json!(replica_set)),
            ("reason", json!(reason)),
        ],
        EntryKind::Aborted { revision, message } => {
            vec![("revision", json!(revision)), ("message", json!(message))]
        }
        EntryKind::KubeEvent {
            reason,
            message,
            warning,
        } => vec![
            ("reason", json!(reason)),
            ("message", json!(message)),
            ("type", json!(if *warning { "Warning" } else { "Normal" })),
        ],
        EntryKind::AnalysisRunCreated {
            name,
            revision,
            kind,
            templates,
        } => vec![
            ("name", json!(name)),
            ("revision", json!(revision)),
            ("type", json!(kind)),
            ("templates", json!(templates)),
        ],
        EntryKind::Measurement {
            run,
            metric,
            value,
            phase,
            message,
        } => vec![
            ("run", json!(run)),
            ("metric", json!(metric)),
            ("value", json!(value)),
            ("phase", json!(phase)),
            ("message", json!(message)),
        ],
        EntryKind::AnalysisRunCompleted {
            name,
            phase,
            message,
        }
        | EntryKind::ExperimentCompleted {
            name,
            phase,
            message,
        } => vec![
            ("name", json!(name)),
            ("phase", json!(phase)),
            ("message", json!(message)),
        ],
        EntryKind::AnalysisRunTerminated { name }
        | EntryKind::ExperimentTerminated { name }
        | EntryKind::RouteRemoved { name } => vec![("name", json!(name))],
        EntryKind::ExperimentCreated {
            name,
            step,
            templates,
        } => vec![
            ("name", json!(name)),
            ("step", json!(step)),
            ("templates", json!(templates)),
        ],
        EntryKind::ExperimentRunning { name, duration } => vec![
            ("name", json!(name)),
            (
                "duration",
                json!(duration.map(|d| d.as_millis() as f64 / 1000.0)),
            ),
        ],
        EntryKind::RouteSet {
            name,
            route,
            detail,
        } => vec![
            ("name", json!(name)),
            ("route", json!(route)),
            ("detail", json!(detail)),
        ],
        EntryKind::Traffic { versions, unrouted } => vec![
            (
                "versions",
                json!(
                    versions
                        .iter()
                        .map(|v| {
                            let mut o =
                                json!({"hash": v.hash, "requests": v.requests, "failed": v.failed});
                            // Only with a mirror route, so that other logs keep their bytes.
                            if v.mirrored > 0 {
                                o["mirrored"] = json!(v.mirrored);
                                o["mirroredFailed"] = json!(v.mirrored_failed);
                            }
                            o
                        })
                        .collect::<Vec<_>>()
                ),
            ),
            ("unrouted", json!(unrouted)),
        ],
        EntryKind::ExpectationChecked {
            ok,
            check,
            line,
            detail,
        } => vec![
            ("ok", json!(ok)),
            ("check", json!(check)),
            ("line", json!(line)),
            ("detail", json!(detail)),
        ],
        EntryKind::EngineFailed {
            budget,
            limit,
            message,
        } => vec![
            ("budget", json!(budget.name())),
            ("limit", json!(limit)),
            ("message", json!(message)),
        ],
        EntryKind::RunFinished { summary } => vec![("status", summary_json(summary))],
    }
}

/// One line of `events.jsonl` (without the newline).
pub fn entry_line(e: &Entry, start: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(128);
    let _ = write!(
        out,
        "{{\"t\":{},\"time\":{},\"kind\":{}",
        json!(e.t.as_secs_f64()),
        json!(wall_time(start, e.t)),
        json!(e.kind.name())
    );
    for (k, v) in fields(&e.kind) {
        let _ = write!(out, ",{}:{}", json!(k), v);
    }
    out.push('}');
    out
}

/// The whole log: header then entries, one per line.
pub fn render(journal: &Journal, scenario: &str, seed: u64, start: DateTime<Utc>) -> String {
    let mut out = String::new();
    let header = format!(
        "{{\"format\":\"rollout-sim/events\",\"version\":1,\"scenario\":{},\"seed\":{},\"start\":{}}}",
        json!(scenario),
        seed,
        json!(start.to_rfc3339_opts(SecondsFormat::Secs, true))
    );
    out.push_str(&header);
    out.push('\n');
    for e in journal.iter() {
        out.push_str(&entry_line(e, start));
        out.push('\n');
    }
    out
}

/// `status.duration` with Argo's field names; instants are virtual seconds since the start,
/// as `t` is.
fn duration_json(d: Option<&crate::rollout::status::DurationStatus>) -> serde_json::Value {
    let Some(d) = d else {
        return serde_json::Value::Null;
    };
    let secs = |t: Option<SimTime>| t.map(|t| t.as_millis() / 1000);
    json!({
        "rolloutStartedAt": secs(d.rollout_started_at),
        "manualPauseStartedAt": secs(d.manual_pause_started_at),
        "totalManualPauseDurationSeconds": d.total_manual_pause_seconds,
        "finishedAt": secs(d.finished_at),
        "completionStatus": d.completion_status.map(|c| c.as_str()),
    })
}
