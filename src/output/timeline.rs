//! The text timeline `run` prints: one line per journal entry, virtual time first. Pod-level
//! entries and Kubernetes Events are hidden unless asked for.

use std::fmt::Write as _;

use crate::sim::{Entry, EntryKind, Journal};

/// What the timeline shows besides rollout-level entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimelineOptions {
    /// Show pod lifecycle lines (created, ready, terminating...).
    pub pods: bool,
    /// Show the controllers' Kubernetes Events.
    pub events: bool,
    /// Traffic ticks (one line per tick).
    pub traffic: bool,
}

/// One entry of `journal`, without its time, as the timeline words it.
pub fn describe(journal: &Journal, kind: &EntryKind) -> String {
    match kind {
        EntryKind::ScriptAction { line, action, .. } => {
            if *line > 0 {
                format!("{action}  (line {line})")
            } else {
                action.to_string()
            }
        }
        EntryKind::ActionNote { line, note } => {
            if *line > 0 {
                format!("{note}  (line {line})")
            } else {
                note.to_string()
            }
        }
        EntryKind::RolloutUpdated { generation, change } => {
            format!("{change} (generation {generation})")
        }
        // Revision 0: an Experiment's ReplicaSet.
        EntryKind::ReplicaSetCreated {
            name,
            revision: 0,
            image,
        } => format!("{name} (experiment, {image})"),
        EntryKind::ReplicaSetCreated {
            name,
            revision,
            image,
        } => {
            format!("{name} (revision {revision}, {image})")
        }
        EntryKind::ReplicaSetScaled { name, from, to } => format!("{name} {from} -> {to}"),
        EntryKind::ReplicaSetDeleted { name } => name.to_string(),
        EntryKind::ReplicaSetRevision { name, revision } => {
            format!("{name} is now revision {revision}")
        }
        EntryKind::RolloutStatus(id) => {
            let s = journal.snapshot(*id);
            format!(
                "{} step {}/{} weight {}/{} replicas {}/{}/{}/{}/{}",
                s.phase,
                s.step.map_or("-".to_string(), |i| i.to_string()),
                s.steps,
                weight_or_dash(s.set_weight),
                weight_or_dash(s.actual_weight),
                s.desired,
                s.current,
                s.updated,
                s.ready,
                s.available
            )
        }
        EntryKind::ScaleDownDeadline { name, at } => match at {
            Some(at) => format!("{name} scales down at {at}"),
            None => format!("{name} deadline removed"),
        },
        EntryKind::PodCreated { name, .. }
        | EntryKind::PodReady { name }
        | EntryKind::PodAvailable { name }
        | EntryKind::PodNotReady { name }
        | EntryKind::PodTerminating { name }
        | EntryKind::PodDeleted { name } => name.to_string(),
        EntryKind::StepStarted { index, step, .. }
        | EntryKind::StepCompleted { index, step }
        | EntryKind::StepSkipped { index, step } => {
            format!("step {index}: {step}")
        }
        EntryKind::PodPending { name } => format!("{name}: no node has room"),
        EntryKind::PodScheduled { name, node } => format!("{name} on {node}"),
        EntryKind::NodeFailed { name } => name.to_string(),
        EntryKind::NodeUnreachable {
            name,
            evict_at: Some(at),
            ..
        } => format!(
            "{name}: Ready Unknown, tainted node.kubernetes.io/unreachable:NoExecute; pods with the default toleration are evicted at {at}"
        ),
        EntryKind::NodeUnreachable {
            name,
            evict_at: None,
            not_ready,
            nodes,
        } if not_ready == nodes => format!(
            "{name}: Ready Unknown; no node is Ready: the node controller stops every eviction (taints removed), pods stay"
        ),
        EntryKind::NodeUnreachable {
            name,
            not_ready,
            nodes,
            ..
        } => format!(
            "{name}: Ready Unknown; not tainted: {not_ready} of {nodes} nodes not Ready is a partial disruption, evictions stop in a cluster of 50 nodes or fewer"
        ),
        EntryKind::PodEvicted { name, by } => format!("{name} (by {by})"),
        EntryKind::PodEvictionRefused { name, budget } => {
            format!("{name}: refused by PodDisruptionBudget {budget}")
        }
        EntryKind::WeightChanged {
            canary,
            stable,
            set_weight,
            experiment,
            old,
            max_weight,
            initial,
        } => weight_text(
            Shares {
                canary: *canary,
                stable: *stable,
                experiment: *experiment,
                old: *old,
            },
            *set_weight,
            *max_weight,
            *initial,
        ),
        EntryKind::ServiceSwitched { service, from, to } => format!(
            "{service}: {} -> {}",
            from.as_deref().unwrap_or("(all pods)"),
            to.as_deref().unwrap_or("(all pods)")
        ),
        EntryKind::PhaseChanged { to, message, .. } => {
            if message.is_empty() {
                to.to_string()
            } else {
                format!("{to}: {message}")
            }
        }
        EntryKind::Promoted {
            revision,
            replica_set,
            reason,
        } => format!("revision {revision} is stable ({replica_set}): {reason}"),
        EntryKind::Aborted { message, .. } => message.to_string(),
        EntryKind::KubeEvent {
            reason, message, ..
        } => format!("{reason}: {message}"),
        EntryKind::AnalysisRunCreated {
            name,
            kind,
            templates,
            ..
        } => format!("{name} ({kind}: {})", templates.join(", ")),
        EntryKind::Measurement {
            run,
            metric,
            value,
            phase,
            message,
        } => {
            let mut s = format!("{run} {metric}");
            if !value.is_empty() {
                let _ = write!(s, " = {value}");
            }
            let _ = write!(s, ": {phase}");
            if !message.is_empty() {
                let _ = write!(s, " ({message})");
            }
            s
        }
        EntryKind::AnalysisRunCompleted {
            name,
            phase,
            message,
        }
        | EntryKind::ExperimentCompleted {
            name,
            phase,
            message,
        } => {
            if message.is_empty() {
                format!("{name}: {phase}")
            } else {
                format!("{name}: {phase}: {message}")
            }
        }
        EntryKind::AnalysisRunTerminated { name }
        | EntryKind::ExperimentTerminated { name }
        | EntryKind::RouteRemoved { name } => name.to_string(),
        EntryKind::ExperimentCreated {
            name,
            step,
            templates,
        } => format!("{name} (step {step}: {})", templates.join(", ")),
        EntryKind::ExperimentRunning { name, duration } => match duration {
            Some(d) => format!("{name}: every template available, runs {d}"),
            None => format!("{name}: every template available"),
        },
        EntryKind::RouteSet { name, detail, .. } => format!("{name}: {detail}"),
        EntryKind::Traffic { versions, unrouted } => {
            let mut s = versions
                .iter()
                .map(|v| {
                    let mut t = format!("{} {}/{} failed", v.hash, v.requests, v.failed);
                    if v.mirrored > 0 {
                        let _ = write!(t, " +{}/{} mirrored", v.mirrored, v.mirrored_failed);
                    }
                    t
                })
                .collect::<Vec<_>>()
                .join(", ");
            if *unrouted > 0 {
                let _ = write!(s, "; {unrouted} found no pod");
            }
            s
        }
        EntryKind::ExpectationChecked {
            ok,
            check,
            detail,
            line,
        } => {
            let verdict = if *ok { "ok" } else { "FAILED" };
            if *line > 0 {
                format!("{check} {verdict} {detail}  (line {line})")
            } else {
                format!("{check} {verdict} {detail}")
            }
        }
        EntryKind::EngineFailed { message, .. } => format!("ERROR {message}"),
        EntryKind::RunFinished { summary } => format!(
            "{} — {}{}",
            if summary.engine_failed {
                "ERROR (the simulator failed)"
            } else if summary.passed {
                "passed"
            } else {
                "FAILED"
            },
            summary.phase,
            if summary.message.is_empty() {
                String::new()
            } else {
                format!(": {}", summary.message)
            }
        ),
    }
}

fn shown(e: &Entry, opts: TimelineOptions) -> bool {
    match &e.kind {
        k if k.is_pod_level() => opts.pods,
        EntryKind::KubeEvent { .. } => opts.events,
        EntryKind::Traffic { .. } => opts.traffic,
        // The status snapshot repeats what the other entries say; it feeds `get` and charts.
        EntryKind::RolloutStatus(_) => false,
        _ => true,
    }
}

/// The timeline of a journal.
pub fn render(journal: &Journal, opts: TimelineOptions) -> String {
    let mut out = String::new();
    for e in journal.iter().filter(|e| shown(e, opts)) {
        let _ = writeln!(
            out,
            "{}  {:<18} {}",
            e.t,
            e.kind.name(),
            describe(journal, &e.kind)
        );
    }
    out
}

/// A weight `get` may leave empty (blue-green has none): `-` then, as an unset step is.
fn weight_or_dash(w: Option<u32>) -> String {
    w.map_or("-".to_string(), |w| w.to_string())
}

/// A weight as a share of all traffic: `20%`, or `33.3%` when `maxTrafficWeight` does not
/// divide evenly.
pub fn percent(w: u32, max: u32) -> String {
    let max = u64::from(max.max(1));
    let tenths = (u64::from(w) * 1000 + max / 2) / max;
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// The parts of a `WeightChanged`, in `maxTrafficWeight` units.
struct Shares {
    canary: u32,
    stable: u32,
    experiment: u32,
    old: u32,
}

/// `WeightChanged` in words: shares of the traffic (so they add up to 100 % whatever
/// `maxTrafficWeight` is), the experiment's weight after the stable's it is taken from, then
/// what older ReplicaSets still serve, and the setWeight in `maxTrafficWeight` units as the
/// manifest writes it.
fn weight_text(shares: Shares, set_weight: u32, max: u32, initial: bool) -> String {
    let Shares {
        canary,
        stable,
        experiment,
        old,
    } = shares;
    if initial {
        return format!(
            "stable {} (initial deploy, no canary)",
            percent(stable, max)
        );
    }
    let mut out = format!(
        "canary {} / stable {}",
        percent(canary, max),
        percent(stable, max)
    );
    if experiment > 0 {
        out.push_str(&format!(" / experiment {}", percent(experiment, max)));
    }
    if old > 0 {
        out.push_str(&format!(" / old {}", percent(old, max)));
    }
    if max == 100 {
        out.push_str(&format!(" (setWeight {set_weight})"));
    } else {
        out.push_str(&format!(" (setWeight {set_weight} of {max})"));
    }
    out
}
