//! The `kubectl argo rollouts get rollout` view of a replayed instant: the header block and
//! the tree of revisions, ReplicaSets, pods, Experiments (with their own ReplicaSets and
//! AnalysisRuns) and AnalysisRuns, with Argo's icons, statuses and
//! info columns (`cmd/get/get_rollout.go`, `info/*.go`).
//!
//! Columns are aligned as Go's `tabwriter` (padding 2) aligns them, counting characters, so
//! the plain output matches the real plugin's; colours, when asked for, are added after the
//! alignment so they never shift a column.

use std::fmt::Write as _;

use crate::engine::SimTime;
use crate::rollout::Phase;
use crate::rollout::info::{
    ReplicaSetHealth, RoleSources, replica_set_health, replica_set_roles, step_shown,
};

use super::replay::{AnalysisRunInfo, ExperimentInfo, PodInfo, PodPhase, ReplicaSetInfo, State};

/// Whether to colour icons and tags (a terminal) or not (`--no-color`, a pipe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// No escape codes.
    Plain,
    /// ANSI colour escapes, as the kubectl plugin prints on a terminal.
    Ansi,
}

/// The rollout's identity (the journal does not repeat it).
pub struct Identity<'a> {
    /// The Rollout's `metadata.name`.
    pub name: &'a str,
    /// The Rollout's `metadata.namespace`.
    pub namespace: &'a str,
}

const ICON_ROLLOUT: &str = "⟳";
const ICON_REVISION: &str = "#";
const ICON_REPLICA_SET: &str = "⧉";
const ICON_POD: &str = "□";
const ICON_ANALYSIS_RUN: &str = "α";
const ICON_EXPERIMENT: &str = "Σ";
const ICON_OK: &str = "✔";
const ICON_BAD: &str = "✖";
const ICON_PROGRESSING: &str = "◌";
const ICON_PAUSED: &str = "॥";
const ICON_WARNING: &str = "⚠";
const ICON_UNKNOWN: &str = "?";
const ICON_WAITING: &str = "◷";
const ICON_NEUTRAL: &str = "•";

/// The ANSI colour of an icon or tag, as the plugin colours them.
fn ansi(token: &str) -> Option<u8> {
    Some(match token {
        ICON_WAITING | ICON_UNKNOWN | "canary" | "preview" => 33,
        ICON_PROGRESSING => 93,
        ICON_WARNING | ICON_BAD => 31,
        ICON_OK | "stable" | "active" => 32,
        ICON_PAUSED => 37,
        _ => return None,
    })
}

fn paint(text: &str, colour: Colour) -> String {
    match (colour, ansi(text)) {
        (Colour::Ansi, Some(c)) => format!("\x1b[{c}m{text}\x1b[0m"),
        _ => text.to_string(),
    }
}

/// Kubernetes' `HumanDuration` (the AGE column).
pub fn human_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{h}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let dy = days % 365;
        return if dy == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{dy}d")
        };
    }
    format!("{years}y")
}

fn phase_icon(p: Phase) -> &'static str {
    match p {
        Phase::Progressing => ICON_PROGRESSING,
        Phase::Paused => ICON_PAUSED,
        Phase::Healthy => ICON_OK,
        Phase::Degraded => ICON_BAD,
    }
}

/// `info.Age`: `HumanDuration(now - creationTimestamp)`, where Kubernetes keeps the creation
/// time in whole seconds, as `status.duration` keeps its times; so an object created at 5.969 s
/// is 1s old at 6 s, and the AGE column agrees with the `Duration:` line.
fn age(now: SimTime, since: SimTime) -> String {
    human_duration(
        now.as_millis()
            .saturating_sub(since.truncate_to_second().as_millis()),
    )
}

/// One row of the tree: prefix+icon+name, kind, status icon, status, age, info.
struct Row {
    kind: &'static str,
    icon: &'static str,
    status: String,
    age: String,
    /// Info tags, joined by commas (tags are coloured one by one).
    info: Vec<String>,
}

/// The header block and the tree.
pub fn render(state: &State, id: &Identity, colour: Colour) -> String {
    render_limited(state, id, colour, None)
}

/// The most pods `watch` lists under one ReplicaSet: a screen holds a few dozen lines, and a
/// printed frame of a 20,000-pod rollout would otherwise be 20,000 lines long.
pub const WATCH_PODS_PER_REPLICA_SET: usize = 10;

/// The view `watch` draws: [`render`] with at most [`WATCH_PODS_PER_REPLICA_SET`] pods under
/// each ReplicaSet (the oldest), the others summed up in one line (`… 19990 more pods (19000
/// ready)`).
pub fn render_watch(state: &State, id: &Identity, colour: Colour) -> String {
    render_limited(state, id, colour, Some(WATCH_PODS_PER_REPLICA_SET))
}

fn render_limited(state: &State, id: &Identity, colour: Colour, pods: Option<usize>) -> String {
    let mut out = String::new();
    header(&mut out, state, id, colour);
    out.push('\n');
    tree(&mut out, state, id, colour, pods);
    out
}

fn field(out: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{label:<17}{value}");
}

fn header(out: &mut String, state: &State, id: &Identity, colour: Colour) {
    field(out, "Name:", id.name);
    field(out, "Namespace:", id.namespace);
    let Some(ro) = &state.rollout else {
        field(
            out,
            "Status:",
            format!("{} Progressing", paint(ICON_PROGRESSING, colour)),
        );
        return;
    };
    field(
        out,
        "Status:",
        format!("{} {}", paint(phase_icon(ro.phase), colour), ro.phase),
    );
    if !ro.message.is_empty() {
        field(out, "Message:", &ro.message);
    }
    if ro.blue_green {
        field(out, "Strategy:", "BlueGreen");
    } else {
        field(out, "Strategy:", "Canary");
        field(out, "  Step:", step_shown(ro.step, ro.steps));
        // Empty when unknown, as the plugin leaves a RolloutInfo string it did not fill.
        let shown = |w: Option<u32>| w.map_or(String::new(), |w| w.to_string());
        field(out, "  SetWeight:", shown(ro.set_weight));
        field(out, "  ActualWeight:", shown(ro.actual_weight));
    }
    for (i, (img, tags)) in images(state).into_iter().enumerate() {
        let text = if tags.is_empty() {
            img
        } else {
            let painted: Vec<String> = tags.iter().map(|t| paint(t, colour)).collect();
            format!("{img} ({})", painted.join(", "))
        };
        field(out, if i == 0 { "Images:" } else { "" }, text);
    }
    out.push_str("Replicas:\n");
    field(out, "  Desired:", ro.desired);
    field(out, "  Current:", ro.current);
    field(out, "  Updated:", ro.updated);
    field(out, "  Ready:", ro.ready);
    field(out, "  Available:", ro.available);
    duration(out, ro.duration.as_ref(), state.t);
}

/// `status.duration` (not in kubectl's view; rollout-sim shows it so the timing of each
/// update attempt can be read): how long the attempt took or has taken, its outcome, and
/// the time it waited for a human.
fn duration(out: &mut String, d: Option<&crate::rollout::status::DurationStatus>, now: SimTime) {
    let Some(d) = d else {
        return;
    };
    let Some(started) = d.rollout_started_at else {
        return;
    };
    let end = d.finished_at.unwrap_or(now.truncate_to_second());
    let took = human_duration(end.as_millis().saturating_sub(started.as_millis()));
    let outcome = match (d.finished_at, d.completion_status) {
        (Some(_), Some(c)) => c.as_str().to_string(),
        (None, Some(c)) => format!("in progress, {}", c.as_str()),
        _ => "in progress".to_string(),
    };
    field(out, "Duration:", format!("{took} ({outcome})"));
    let mut paused = d.total_manual_pause_seconds.unwrap_or(0) * 1000;
    if let Some(since) = d.manual_pause_started_at {
        paused += now.as_millis().saturating_sub(since.as_millis()) / 1000 * 1000;
    }
    if paused > 0 || d.manual_pause_started_at.is_some() {
        field(out, "  ManualPause:", human_duration(paused));
    }
}

/// `info.Images`: one line per distinct image of the ReplicaSets that have pods, sorted by
/// image. The rollout's ReplicaSets give their tags (`stable`, `canary`, `active`,
/// `preview`), an experiment's ReplicaSets `Σ:TEMPLATE`; when an image is met again its tags
/// are merged and sorted (`stable, Σ:baseline`), as the plugin's `mergeImageAndTags` does.
fn images(state: &State) -> Vec<(String, Vec<String>)> {
    let owned = state
        .replica_sets
        .iter()
        .filter(|rs| rs.experiment.is_none());
    let of_experiments = state
        .replica_sets
        .iter()
        .filter(|rs| rs.experiment.is_some());
    let mut images: Vec<(String, Vec<String>)> = Vec::new();
    for rs in owned.chain(of_experiments).filter(|rs| rs.replicas() > 0) {
        let tags: Vec<String> = match &rs.experiment {
            Some((_, template)) => vec![format!("Σ:{template}")],
            None => tags_of(rs, state).into_iter().map(str::to_string).collect(),
        };
        match images.iter_mut().find(|(img, _)| *img == rs.image) {
            Some((_, existing)) => {
                existing.extend(tags);
                existing.sort_unstable();
                existing.dedup();
            }
            None => images.push((rs.image.clone(), tags)),
        }
    }
    images.sort_by(|a, b| a.0.cmp(&b.0));
    images
}

/// The info tags of a ReplicaSet of the rollout: `stable`, then `canary` or `active` /
/// `preview` (`rollout::info::replica_set_roles`). An experiment's ReplicaSets have none.
pub(super) fn tags_of(rs: &ReplicaSetInfo, state: &State) -> Vec<&'static str> {
    let Some(ro) = &state.rollout else {
        return Vec::new();
    };
    if rs.experiment.is_some() {
        return Vec::new();
    }
    let src = RoleSources {
        stable: &ro.stable_hash,
        current: &ro.current_hash,
        blue_green: ro.blue_green,
        active: Some(ro.active_hash.as_str()),
        preview: Some(ro.preview_hash.as_str()),
    };
    replica_set_roles(&rs.hash, &src).names().collect()
}

fn rs_row(rs: &ReplicaSetInfo, state: &State) -> Row {
    let health = replica_set_health(rs.spec, rs.available());
    // `replicaSetIcon`.
    let icon = match health {
        ReplicaSetHealth::ScaledDown => ICON_NEUTRAL,
        ReplicaSetHealth::Progressing => ICON_PROGRESSING,
        ReplicaSetHealth::Healthy => ICON_OK,
    };
    let status = health.as_str();
    let mut info: Vec<String> = tags_of(rs, state).into_iter().map(str::to_string).collect();
    if let Some(deadline) = rs.scale_down_deadline {
        info.push(if deadline <= state.t {
            "delay:passed".to_string()
        } else {
            format!(
                "delay:{}",
                human_duration(deadline.as_millis() - state.t.as_millis())
            )
        });
    }
    Row {
        kind: "ReplicaSet",
        icon,
        status: status.to_string(),
        age: age(state.t, rs.created),
        info,
    }
}

fn pod_row(p: &PodInfo, now: SimTime) -> Row {
    let (icon, status) = match p.phase {
        PodPhase::Running => (ICON_OK, "Running"),
        PodPhase::ContainerCreating => (ICON_PROGRESSING, "ContainerCreating"),
        PodPhase::Pending => (ICON_PROGRESSING, "Pending"),
        PodPhase::Terminating => (ICON_PROGRESSING, "Terminating"),
    };
    Row {
        kind: "Pod",
        icon,
        status: status.to_string(),
        age: age(now, p.created),
        info: vec![format!("ready:{}/1", u8::from(p.ready))],
    }
}

/// The icon of an AnalysisRun's or Experiment's phase (`analysisIcon`).
fn analysis_icon(phase: &str) -> &'static str {
    match phase {
        "Successful" => ICON_OK,
        "Failed" => ICON_BAD,
        "Error" => ICON_WARNING,
        "Inconclusive" => ICON_UNKNOWN,
        "Pending" => ICON_WAITING,
        _ => ICON_PROGRESSING,
    }
}

fn experiment_row(x: &ExperimentInfo, now: SimTime) -> Row {
    Row {
        kind: "Experiment",
        icon: analysis_icon(&x.phase),
        status: x.phase.clone(),
        age: age(now, x.created),
        info: Vec::new(),
    }
}

fn run_row(r: &AnalysisRunInfo, now: SimTime) -> Row {
    let icon = analysis_icon(&r.phase);
    let mut info = Vec::new();
    for (n, i) in [
        (r.successful, ICON_OK),
        (r.failed, ICON_BAD),
        (r.inconclusive, ICON_UNKNOWN),
        (r.error, ICON_WARNING),
    ] {
        if n > 0 {
            info.push(format!("{i} {n}"));
        }
    }
    Row {
        kind: "AnalysisRun",
        icon,
        status: r.phase.clone(),
        age: age(now, r.created),
        info,
    }
}

type Line = (String, Option<Row>);

/// The prefixes of the children of one node, in order (the last one gets `└──`).
struct Children<'s> {
    total: usize,
    done: usize,
    sub: &'s str,
}

impl<'s> Children<'s> {
    fn new(total: usize, sub: &'s str) -> Self {
        Children {
            total,
            done: 0,
            sub,
        }
    }

    fn next(&mut self) -> (String, String) {
        self.done += 1;
        prefixes(self.done == self.total, self.sub)
    }
}

/// A ReplicaSet's line and its pods' lines: the first `limit` pods (all without one), then a
/// line for the rest.
fn push_rs(
    lines: &mut Vec<Line>,
    rs: &ReplicaSetInfo,
    state: &State,
    (prefix, sub): (&str, &str),
    limit: Option<usize>,
) {
    lines.push((
        format!("{prefix}{ICON_REPLICA_SET} {}", rs.name),
        Some(rs_row(rs, state)),
    ));
    let all = rs.pods.len();
    // The ReplicaSet keeps its pods in the order `get rollout` lists them (creation second,
    // then name).
    // A "… 1 more pods" line would take the place of the one pod it stands for: that pod is
    // shown instead, so the line always sums up two or more.
    let limit = limit.filter(|&l| all > l + 1).unwrap_or(all);
    let shown: Vec<&PodInfo> = rs.pods.values().take(limit).collect();
    for (k, pod) in shown.iter().enumerate() {
        let (pp, _) = prefixes(k == all - 1, sub);
        lines.push((
            format!("{pp}{ICON_POD} {}", pod.name),
            Some(pod_row(pod, state.t)),
        ));
    }
    let rest = all - shown.len();
    if rest > 0 {
        // The ReplicaSet keeps its count of Ready pods: the rest's is that less the shown ones'.
        let ready = rs.listed_ready() as usize - shown.iter().filter(|p| p.ready).count();
        let (pp, _) = prefixes(true, sub);
        lines.push((format!("{pp}… {rest} more pods ({ready} ready)"), None));
    }
}

fn push_run(lines: &mut Vec<Line>, run: &AnalysisRunInfo, now: SimTime, prefix: &str) {
    lines.push((
        format!("{prefix}{ICON_ANALYSIS_RUN} {}", run.name),
        Some(run_row(run, now)),
    ));
}

/// `PrintExperimentInfo`: an experiment's ReplicaSets, then its AnalysisRuns.
fn push_experiment_children(
    lines: &mut Vec<Line>,
    x: &ExperimentInfo,
    state: &State,
    sub: &str,
    limit: Option<usize>,
) {
    let owned = |owner: Option<&str>| owner == Some(x.name.as_str());
    let rss: Vec<&ReplicaSetInfo> = state
        .replica_sets
        .iter()
        .filter(|rs| owned(rs.experiment.as_ref().map(|(e, _)| e.as_str())))
        .collect();
    let runs: Vec<&AnalysisRunInfo> = state
        .runs
        .iter()
        .filter(|r| owned(r.experiment.as_deref()))
        .collect();
    let mut children = Children::new(rss.len() + runs.len(), sub);
    for rs in rss {
        let (p, sub2) = children.next();
        push_rs(lines, rs, state, (&p, &sub2), limit);
    }
    for run in runs {
        let (p, _) = children.next();
        push_run(lines, run, state.t, &p);
    }
}

/// Box-drawing prefixes of a child, and of that child's own children.
fn prefixes(last: bool, sub: &str) -> (String, String) {
    if last {
        (format!("{sub}└──"), format!("{sub}   "))
    } else {
        (format!("{sub}├──"), format!("{sub}│  "))
    }
}

fn tree(out: &mut String, state: &State, id: &Identity, colour: Colour, limit: Option<usize>) {
    // (prefix + icon + name, kind, status icon, status, age, info) per line; the revision
    // lines have only the first cell.
    let mut lines: Vec<Line> = Vec::new();
    let (ro_icon, ro_status) = match &state.rollout {
        Some(ro) => (phase_icon(ro.phase), ro.phase.to_string()),
        None => (ICON_PROGRESSING, "Progressing".to_string()),
    };
    lines.push((
        format!("{ICON_ROLLOUT} {}", id.name),
        Some(Row {
            kind: "Rollout",
            icon: ro_icon,
            status: ro_status,
            age: age(state.t, state.rollout_created.unwrap_or(SimTime::ZERO)),
            info: Vec::new(),
        }),
    ));
    // The rollout's own ReplicaSets and AnalysisRuns (`GetReplicaSetInfo` and
    // `getAnalysisRunInfo` keep the objects it owns); an experiment's are under it.
    let owned_rss: Vec<&ReplicaSetInfo> = state
        .replica_sets
        .iter()
        .filter(|rs| rs.experiment.is_none())
        .collect();
    let owned_runs: Vec<&AnalysisRunInfo> = state
        .runs
        .iter()
        .filter(|r| r.experiment.is_none())
        .collect();
    let mut revisions: Vec<u64> = owned_rss
        .iter()
        .map(|rs| rs.revision)
        .chain(state.experiments.iter().map(|x| x.revision))
        .chain(owned_runs.iter().map(|r| r.revision))
        .collect();
    revisions.sort_unstable_by(|a, b| b.cmp(a));
    revisions.dedup();
    for (i, rev) in revisions.iter().enumerate() {
        let (prefix, sub) = prefixes(i == revisions.len() - 1, "");
        lines.push((format!("{prefix}{ICON_REVISION} revision:{rev}"), None));
        let rss: Vec<&ReplicaSetInfo> = owned_rss
            .iter()
            .copied()
            .filter(|rs| rs.revision == *rev)
            .collect();
        let experiments: Vec<&ExperimentInfo> = state
            .experiments
            .iter()
            .filter(|x| x.revision == *rev)
            .collect();
        let runs: Vec<&AnalysisRunInfo> = owned_runs
            .iter()
            .copied()
            .filter(|r| r.revision == *rev)
            .collect();
        // `PrintRevision`: ReplicaSets, then Experiments, then AnalysisRuns.
        let mut children = Children::new(rss.len() + experiments.len() + runs.len(), &sub);
        for rs in rss {
            let (p, sub2) = children.next();
            push_rs(&mut lines, rs, state, (&p, &sub2), limit);
        }
        for x in experiments {
            let (p, sub2) = children.next();
            lines.push((
                format!("{p}{ICON_EXPERIMENT} {}", x.name),
                Some(experiment_row(x, state.t)),
            ));
            push_experiment_children(&mut lines, x, state, &sub2, limit);
        }
        for run in runs {
            let (p, _) = children.next();
            push_run(&mut lines, run, state.t, &p);
        }
    }

    // tabwriter: each column as wide as its widest cell plus 2 (characters, not bytes).
    let width = |s: &str| s.chars().count();
    let cells = |l: &(String, Option<Row>)| -> [String; 4] {
        match &l.1 {
            Some(r) => [
                l.0.clone(),
                r.kind.to_string(),
                format!("{} {}", r.icon, r.status),
                r.age.clone(),
            ],
            None => [l.0.clone(), String::new(), String::new(), String::new()],
        }
    };
    let header = [
        "NAME".to_string(),
        "KIND".to_string(),
        "STATUS".to_string(),
        "AGE".to_string(),
    ];
    let all: Vec<[String; 4]> = std::iter::once(header.clone())
        .chain(lines.iter().map(cells))
        .collect();
    let mut widths = [0usize; 4];
    for row in &all {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    let pad = |out: &mut String, text: &str, shown: String, w: usize| {
        out.push_str(&shown);
        for _ in width(text)..w + 2 {
            out.push(' ');
        }
    };
    for (cells, line) in all
        .iter()
        .zip(std::iter::once(None).chain(lines.iter().map(Some)))
    {
        let row = line.and_then(|l| l.1.as_ref());
        for (c, (text, w)) in cells.iter().zip(widths).enumerate() {
            let shown = match (c, row) {
                (2, Some(r)) => format!("{} {}", paint(r.icon, colour), r.status),
                _ => text.clone(),
            };
            pad(out, text, shown, w);
        }
        match row {
            Some(r) => {
                let painted: Vec<String> = r.info.iter().map(|t| paint(t, colour)).collect();
                out.push_str(&painted.join(","));
            }
            None if line.is_none() => out.push_str("INFO"),
            None => {}
        }
        // Trailing spaces are part of tabwriter's output only up to the last cell.
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pods a limited tree lists are the first ones of the whole list sorted by creation
    /// second and name (all of them when only one would be left over), and its "… N more pods
    /// (M ready)" line counts the rest, at every entry of runs
    /// whose pods are created many at one instant (ties broken by name), lost and replaced.
    #[test]
    fn a_limited_tree_lists_the_oldest_pods_and_counts_the_rest() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [
            "scenarios/rollouts-demo.yaml",
            "scenarios/pod-faults-during-canary.yaml",
            // Pods sharing a creation second with names out of creation order.
            "tests/fixtures/pod-order/staggered-30.yaml",
        ] {
            let sc = crate::scenario::load(&root.join(file)).expect("the scenario loads");
            let journal = crate::sim::run(&sc).journal;
            let mut replay = super::super::replay::Replay::new(&journal);
            let mut compared = 0;
            while replay.step().is_some() {
                let state = &replay.state;
                for rs in &state.replica_sets {
                    let mut sorted: Vec<&PodInfo> = rs.pods.values().collect();
                    // kubectl's order: `creationTimestamp` (whole seconds), then name.
                    sorted.sort_by_key(|p| (p.created.truncate_to_second(), p.name.clone()));
                    for limit in [Some(0), Some(1), Some(2), Some(3), Some(10), None] {
                        // One pod past the limit is listed rather than summed up.
                        let n = limit
                            .filter(|&l| sorted.len() > l + 1)
                            .unwrap_or(sorted.len());
                        let mut lines = Vec::new();
                        push_rs(&mut lines, rs, state, ("", ""), limit);
                        let listed: Vec<&str> = lines
                            .iter()
                            .filter_map(|(l, _)| l.split_once(&format!("{ICON_POD} ")))
                            .map(|(_, name)| name)
                            .collect();
                        let want: Vec<&str> = sorted[..n].iter().map(|p| p.name.as_str()).collect();
                        assert_eq!(listed, want, "{file} {} at {}", rs.name, state.t);
                        let rest = &sorted[n..];
                        let more = lines.last().map(|(l, _)| l.as_str()).unwrap_or_default();
                        if rest.is_empty() {
                            assert!(!more.contains("more pods"), "{more}");
                        } else {
                            assert!(rest.len() >= 2, "{more}");
                            let ready = rest.iter().filter(|p| p.ready).count();
                            let line = format!("… {} more pods ({ready} ready)", rest.len());
                            assert!(more.ends_with(&line), "{more} / {line}");
                        }
                        compared += 1;
                    }
                }
            }
            assert!(compared > 100, "{file}: {compared}");
        }
    }

    #[test]
    fn ages_count_from_whole_second_creation_times() {
        let ms = SimTime;
        // (now, created, shown, rule)
        let rows = [
            (
                ms(6_000),
                ms(5_969),
                "1s",
                "created at 5.969 s: stored as 5 s",
            ),
            (ms(5_999), ms(5_969), "0s", "the same second"),
            (ms(12_000), ms(5_969), "7s", "the plugin's 12 - 5"),
            (ms(125_500), ms(0), "2m5s", "now is not truncated"),
        ];
        for (now, created, shown, rule) in rows {
            assert_eq!(age(now, created), shown, "{rule}");
        }
    }

    #[test]
    fn human_durations_follow_kubernetes() {
        let s = |secs: u64| human_duration(secs * 1000);
        assert_eq!(s(0), "0s");
        assert_eq!(s(119), "119s");
        assert_eq!(s(120), "2m");
        assert_eq!(s(125), "2m5s");
        assert_eq!(s(600), "10m");
        assert_eq!(s(3 * 3600), "3h");
        assert_eq!(s(3 * 3600 + 120), "3h2m");
        assert_eq!(s(9 * 3600), "9h");
        assert_eq!(s(3 * 86400), "3d");
        assert_eq!(s(3 * 86400 + 7200), "3d2h");
        assert_eq!(s(30 * 86400), "30d");
    }
}
