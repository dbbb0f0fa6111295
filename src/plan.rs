//! `rollout-sim plan`: how an update of a Rollout will unfold, step by step, before it runs.
//!
//! Nothing here re-implements the controller. The plan is *simulated*: the file's scenario is
//! rewritten into a plan scenario (wait Healthy, make the scenario's own update — its first
//! `setImage` or `apply`, or for a script without one the first container's next tag —, promote
//! each indefinite pause after `--promote-after`, wait Healthy at revision 2, then wait until
//! the old ReplicaSets are scaled down), run twice — once with every pod starting at
//! the fastest time of its app model's range (*earliest*), once at the middle of the range
//! (*expected*) — and each step's end, pod counts and peak are read from the journals. Times are
//! relative to the moment the image changed. See docs/plan.md for the columns and assumptions.

pub mod render;

use crate::api::{Rollout, Strategy};
use crate::engine::{SimDuration, SimTime};
use crate::output::replay::Replay;
use crate::rollout::Phase;
use crate::scenario::{
    AppModel, Expectation, Scenario, ScriptAction, ScriptItem, Startup, default_next_image,
};
use crate::sim::{self, EntryKind, Journal};
use smol_str::SmolStr;

/// How the plan is made.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Each manual promotion happens this long after its pause starts. `None`: promotions are
    /// assumed to take no time, and times after an indefinite pause leave out the wait.
    pub promote_after: Option<SimDuration>,
    /// Seed of the random draws (default: the scenario's).
    pub seed: Option<u64>,
}

/// A time of the plan, in the earliest and the expected run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Times {
    /// Since the image changed; `None` when it never happened (pods never Ready, a failed
    /// analysis...).
    pub earliest: Option<SimDuration>,
    /// The same time in the run where pods start at the middle of their startup range.
    pub expected: Option<SimDuration>,
}

/// One row: a canary step, or a phase of a blue-green update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    /// The canary step index (`None` for blue-green phases).
    pub index: Option<u32>,
    /// Argo's wording: `setWeight: 20`, `pause: 45s`, `pause`, `analysis`; for blue-green
    /// `preview up`, `pause`, `switch active`, `scale down old`.
    pub step: String,
    /// An indefinite pause: only a promote ends it.
    pub indefinite: bool,
    /// The setWeight in force at the end of the step (canary only).
    pub set_weight: Option<u32>,
    /// Non-terminating pods of the new (canary / preview) ReplicaSet at the end of the step.
    pub canary_pods: u32,
    /// Non-terminating pods of the stable (active) ReplicaSet at the end of the step.
    pub stable_pods: u32,
    /// Non-terminating pods of the ReplicaSets of the rollout's Experiments at the end of the
    /// step (they are neither canary nor stable: the Experiment owns them).
    pub experiment_pods: u32,
    /// The most non-terminating pods of the rollout at any moment of the step.
    pub peak_pods: u32,
    /// When the step began (the previous step's end).
    pub start: Times,
    /// When the step was done and the controller moved on.
    pub end: Times,
    /// Manual promotions at or before the end of the step. Without `--promote-after` their
    /// waits are not in the times.
    pub promotions_before: u32,
}

/// The plan of one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePlan {
    /// The Rollout's `metadata.name`.
    pub rollout: String,
    /// `canary` or `blueGreen`.
    pub strategy: &'static str,
    /// `spec.replicas` (1 when unset).
    pub replicas: u32,
    /// The first container's image before the update.
    pub image_from: String,
    /// The image the update sets.
    pub image_to: String,
    /// How the pods of the new image start: `(earliest, expected)` startup, `None` = never
    /// Ready.
    pub startup: Option<(SimDuration, SimDuration)>,
    /// `--promote-after`: how long each manual promotion waited (`None`: not counted).
    pub promote_after: Option<SimDuration>,
    /// Canary steps in the spec (rows exist only for the steps the update reached).
    pub spec_steps: u32,
    /// `maxTrafficWeight` (100 unless set): the unit of the setWeights.
    pub max_weight: u32,
    /// One row per step (or blue-green phase) the update reached, in order.
    pub steps: Vec<PlanStep>,
    /// Manual promotions the update needs (indefinite pauses reached).
    pub promotions: u32,
    /// When the rollout is Healthy at the new revision: the ETA.
    pub healthy: Times,
    /// Pods of the new ReplicaSet at that moment.
    pub healthy_canary_pods: u32,
    /// Pods of the old ReplicaSets at that moment.
    pub healthy_stable_pods: u32,
    /// Pods of the Experiments' ReplicaSets at that moment.
    pub healthy_experiment_pods: u32,
    /// The rollout has experiment steps (the table then has an `experiment` column).
    pub has_experiments: bool,
    /// The most pods from the end of the last step until Healthy.
    pub healthy_peak_pods: u32,
    /// When every old ReplicaSet is scaled to 0 (after `scaleDownDelaySeconds`, if any).
    pub settled: Times,
    /// The most pods of the rollout at any moment of the update.
    pub peak_pods: u32,
    /// ∫ max(0, pods − spec.replicas) dt from the image change until the old ReplicaSets are
    /// scaled down (or the run ends), in whole pod-milliseconds: the capacity the update
    /// borrows beyond the rollout's size, counting pods as `peak_pods` does.
    pub pod_ms_above: PodMillis,
    /// Why the rollout never became Healthy at the new revision (expected run); `None` when
    /// it did.
    pub stalled: Option<Stall>,
}

/// Where and why an update that never became Healthy stopped, as the expected run left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// When the run ended, since the image change (`None`: the image never changed, as the
    /// first revision never became Healthy).
    pub at: Option<SimDuration>,
    /// The rollout's phase then, and its message (`status.message`).
    pub phase: Phase,
    /// The phase's message (empty when Argo gives none).
    pub message: String,
    /// The canary step it stood at (index and Argo's wording), if any.
    pub step: Option<(u32, String)>,
    /// The wait of the plan scenario that did not hold, as `run` reports it.
    pub wait: Option<String>,
    /// How far the plan looked: the run's horizon.
    pub horizon: SimDuration,
}

impl Stall {
    /// One sentence: where it stopped and why.
    pub fn explain(&self) -> String {
        let mut s = match self.at {
            None => "the first revision never became Healthy, so the update never started".into(),
            Some(at) => match &self.step {
                Some((i, text)) => {
                    format!("stopped at step {i} ({text}), {at} after the image change")
                }
                None => format!("stopped {at} after the image change"),
            },
        };
        s.push_str(&format!("; the rollout is {}", self.phase));
        if !self.message.is_empty() {
            s.push_str(&format!(": {}", self.message));
        }
        if self.phase == Phase::Progressing {
            s.push_str(&format!(
                " (still progressing when the plan's horizon of {} ended)",
                self.horizon
            ));
        }
        s
    }
}

/// Pod-milliseconds above `spec.replicas`, in the earliest and the expected run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodMillis {
    /// In the run where pods start as fast as their model allows.
    pub earliest: u64,
    /// In the run where pods start at the middle of their startup range.
    pub expected: u64,
}

impl PodMillis {
    /// The expected figure in pod-seconds.
    pub fn expected_secs(&self) -> f64 {
        self.expected as f64 / 1000.0
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// There is nothing to update.
    #[error("the scenario has no Rollout")]
    NoRollout,
    /// The named Rollout's pod template has no container whose image could change.
    #[error("the Rollout {0} has no container")]
    NoContainer(String),
    /// The simulator itself failed while planning (exit code 3).
    #[error("{0}")]
    Engine(sim::EngineFailure),
}

/// Replaces every startup range by one fixed time picked from it (`pick(lo, hi)`), and adds a
/// catch-all model (the default model, pinned the same way) for images no entry matches.
pub fn pin_startups(
    apps: &mut Vec<AppModel>,
    pick: impl Fn(SimDuration, SimDuration) -> SimDuration,
) {
    let mut catch_all = AppModel::default_for("*");
    for app in apps.iter_mut().chain(std::iter::once(&mut catch_all)) {
        if let Startup::Range(lo, hi) = app.startup {
            app.startup = Startup::Fixed(pick(lo, hi));
        }
    }
    apps.push(catch_all);
}

/// The fastest startup of a range.
pub fn earliest(lo: SimDuration, _hi: SimDuration) -> SimDuration {
    lo
}

/// The middle of a range.
pub fn middle(lo: SimDuration, hi: SimDuration) -> SimDuration {
    SimDuration(lo.0 + (hi.0.saturating_sub(lo.0)) / 2)
}

/// The plan scenario of a loaded scenario (see the module doc), and the image it moves to.
pub fn plan_scenario(sc: &Scenario, opts: &PlanOptions) -> Result<(Scenario, String), PlanError> {
    let rollout = sc.manifests.rollouts.first().ok_or(PlanError::NoRollout)?;
    let container = rollout
        .spec
        .template
        .containers()
        .first()
        .ok_or_else(|| PlanError::NoContainer(rollout.name.clone()))?;
    // The scenario's own update, if its script has one; else the next tag of the first
    // container (as the default scenario of a bare manifest does).
    let own = sc.script.iter().find_map(|item| match &item.action {
        ScriptAction::SetImage { .. } | ScriptAction::Apply { .. } => Some(item.clone()),
        _ => None,
    });
    let (update, next) = match own {
        Some(item) => {
            let next = match &item.action {
                ScriptAction::SetImage { image, .. } => image.clone(),
                ScriptAction::Apply { manifests, .. } => manifests
                    .rollouts
                    .first()
                    .and_then(|r| r.spec.template.containers().first())
                    .map_or_else(|| container.image.to_string(), |c| c.image.to_string()),
                _ => unreachable!("only updates are picked"),
            };
            (item, next)
        }
        None => {
            let next = default_next_image(&container.image);
            let item = ScriptItem::new(
                0,
                ScriptAction::SetImage {
                    container: Some(container.name.to_string()),
                    image: next.clone(),
                },
            );
            (item, next)
        }
    };
    let healthy = Expectation {
        phase: Some(Phase::Healthy),
        ..Default::default()
    };
    let wait = |c: Expectation| ScriptItem::new(0, ScriptAction::WaitUntil(c));
    let mut plan = sc.clone();
    plan.script = vec![
        wait(healthy.clone()),
        update,
        wait(Expectation {
            revision: Some(2),
            ..healthy
        }),
        wait(Expectation {
            replica_sets_scaled_up: Some(1),
            ..Default::default()
        }),
    ];
    plan.expect = None;
    plan.expect_line = 0;
    plan.invariants.clear();
    plan.auto_promote = Some(opts.promote_after.unwrap_or(SimDuration::ZERO));
    // The horizon is added up from what the update waits for (a 24 h bake fits); a
    // scenario's own timeout is kept when it is longer.
    let target = updated_rollout(sc).unwrap_or(rollout);
    plan.timeout = plan.timeout.max(crate::scenario::default_horizon(
        target,
        &sc.manifests.templates,
        opts.promote_after.unwrap_or(SimDuration::ZERO),
    ));
    Ok((plan, next))
}

/// The Rollout as the scenario's first `apply` leaves it (its steps are the ones the update
/// goes through), if the update is an `apply`.
fn updated_rollout(sc: &Scenario) -> Option<&Rollout> {
    sc.script.iter().find_map(|item| match &item.action {
        ScriptAction::SetImage { .. } => Some(None),
        ScriptAction::Apply { manifests, .. } => Some(manifests.rollouts.first()),
        _ => None,
    })?
}

/// Makes the plan of the first Rollout of a loaded scenario.
pub fn plan(sc: &Scenario, opts: &PlanOptions) -> Result<UpdatePlan, PlanError> {
    let (base, next) = plan_scenario(sc, opts)?;
    let first = &sc.manifests.rollouts[0];
    // The steps and the pods read are those of the Rollout the update makes.
    let rollout = updated_rollout(sc).unwrap_or(first);
    let seed = opts.seed.unwrap_or(sc.seed);
    let run = |pick: fn(SimDuration, SimDuration) -> SimDuration| {
        let mut s = base.clone();
        pin_startups(&mut s.apps, pick);
        let r = sim::run_with_seed(&s, seed);
        match r.engine_failure.clone() {
            Some(f) => Err(PlanError::Engine(f)),
            None => Ok(r),
        }
    };
    let replicas = rollout.spec.replicas.unwrap_or(1);
    let fast_run = run(earliest)?;
    let fast = read(&fast_run.journal, rollout, replicas, fast_run.end);
    let mid_run = run(middle)?;
    let mid = read(&mid_run.journal, rollout, replicas, mid_run.end);
    let stalled = match mid.healthy {
        Some(_) => None,
        None => Some(stall(&mid_run, &mid, rollout, base.timeout)),
    };
    let startup = match crate::scenario::app_for(&sc.apps, &next).startup {
        Startup::Fixed(d) => Some((d, d)),
        Startup::Range(lo, hi) => Some((lo, middle(lo, hi))),
        Startup::Never => None,
    };
    let mut steps = Vec::new();
    // Rows come from the expected run; the earliest run adds its times to the same rows.
    for (i, row) in mid.rows.iter().enumerate() {
        let other = fast
            .rows
            .iter()
            .filter(|r| r.key == row.key)
            .nth(mid.rows[..i].iter().filter(|r| r.key == row.key).count());
        steps.push(PlanStep {
            index: row.index,
            step: row.text.clone(),
            indefinite: row.indefinite,
            set_weight: row.set_weight,
            canary_pods: row.canary,
            stable_pods: row.stable,
            experiment_pods: row.experiment,
            peak_pods: row.peak,
            start: Times {
                earliest: other.and_then(|r| r.start),
                expected: row.start,
            },
            end: Times {
                earliest: other.and_then(|r| r.end),
                expected: row.end,
            },
            promotions_before: row.promotions,
        });
    }
    Ok(UpdatePlan {
        rollout: rollout.name.clone(),
        strategy: match rollout.spec.strategy {
            Strategy::BlueGreen(_) => "blueGreen",
            _ => "canary",
        },
        replicas,
        image_from: first
            .spec
            .template
            .containers()
            .first()
            .map(|c| c.image.to_string())
            .unwrap_or_default(),
        image_to: next,
        startup,
        promote_after: opts.promote_after,
        spec_steps: rollout
            .spec
            .canary()
            .map_or(0, |c| u32::try_from(c.steps.len()).unwrap_or(u32::MAX)),
        max_weight: rollout.spec.canary().map_or(100, |c| c.max_weight()),
        steps,
        promotions: mid.promotions,
        healthy: Times {
            earliest: fast.healthy,
            expected: mid.healthy,
        },
        healthy_canary_pods: mid.healthy_pods.new,
        healthy_stable_pods: mid.healthy_pods.old,
        healthy_experiment_pods: mid.healthy_pods.experiment,
        has_experiments: rollout
            .spec
            .canary()
            .is_some_and(|c| c.steps.iter().any(|s| s.experiment.is_some())),
        healthy_peak_pods: mid.healthy_peak,
        settled: Times {
            earliest: fast.settled,
            expected: mid.settled,
        },
        peak_pods: mid.peak,
        pod_ms_above: PodMillis {
            earliest: fast.pod_ms_above,
            expected: mid.pod_ms_above,
        },
        stalled,
    })
}

/// Why the expected run never reached Healthy: the rollout's last status and the wait that
/// timed out.
fn stall(
    run: &sim::RunResult,
    reading: &Reading,
    rollout: &Rollout,
    horizon: SimDuration,
) -> Stall {
    let last = crate::output::replay::state_at(&run.journal, run.end).rollout;
    let (phase, message) = match &last {
        Some(r) => (r.phase, r.message.clone()),
        None => (Phase::Progressing, SmolStr::default()),
    };
    // The furthest step the update started: after an abort the status points back at step 0,
    // which is not where it stopped.
    let step = reading
        .rows
        .iter()
        .rev()
        .find_map(|r| r.index.map(|i| (i, r.text.clone())))
        .filter(|_| rollout.spec.canary().is_some());
    // When it stopped: the last phase change (the abort, the progress deadline...), else the
    // end of the run.
    let stopped = run
        .journal
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::PhaseChanged { .. }))
        .map(|e| e.t)
        .last()
        .unwrap_or(run.end);
    Stall {
        at: reading.started.map(|t0| stopped.saturating_sub(t0)),
        phase,
        message: message.to_string(),
        step,
        wait: run
            .failures
            .first()
            .map(|f| format!("{} {{{}}} did not hold: {}", f.check, f.condition, f.detail)),
        horizon,
    }
}

/// One row as read from one run.
#[derive(Debug, Clone, Default)]
struct Row {
    /// What matches rows of the two runs: the step index, or the blue-green phase.
    key: String,
    index: Option<u32>,
    text: String,
    indefinite: bool,
    set_weight: Option<u32>,
    canary: u32,
    stable: u32,
    experiment: u32,
    peak: u32,
    start: Option<SimDuration>,
    end: Option<SimDuration>,
    promotions: u32,
}

/// What one run says.
#[derive(Debug, Clone, Default)]
struct Reading {
    /// When the image changed (the plan's time 0).
    started: Option<SimTime>,
    rows: Vec<Row>,
    promotions: u32,
    healthy: Option<SimDuration>,
    healthy_pods: Pods,
    healthy_peak: u32,
    settled: Option<SimDuration>,
    peak: u32,
    /// Pod-milliseconds above `spec.replicas` from the image change until settled.
    pod_ms_above: u64,
}

/// Non-terminating pods in a replayed state, by whose they are.
#[derive(Debug, Clone, Copy, Default)]
struct Pods {
    /// The new revision's ReplicaSet.
    new: u32,
    /// The rollout's older ReplicaSets.
    old: u32,
    /// The ReplicaSets of the rollout's Experiments.
    experiment: u32,
}

impl Pods {
    fn total(&self) -> u32 {
        self.new + self.old + self.experiment
    }
}

/// An Experiment's ReplicaSet: the journal creates it with revision 0, as it has no revision
/// of the rollout.
fn is_experiment(rs: &crate::output::replay::ReplicaSetInfo) -> bool {
    rs.revision == 0
}

fn pods(state: &crate::output::replay::State, new_hash: &str) -> Pods {
    let mut p = Pods::default();
    for rs in &state.replica_sets {
        if is_experiment(rs) {
            p.experiment += rs.replicas();
        } else if rs.hash == new_hash {
            p.new += rs.replicas();
        } else {
            p.old += rs.replicas();
        }
    }
    p
}

/// The setWeight in force at canary step `index` (the last `setWeight` at or before it).
fn weight_at(rollout: &Rollout, index: u32) -> Option<u32> {
    let steps = &rollout.spec.canary()?.steps;
    Some(
        steps
            .iter()
            .take(index as usize + 1)
            .filter_map(|s| s.set_weight)
            .next_back()
            .unwrap_or(0),
    )
}

/// Reads the rows of one run of the plan scenario, which ended at `end`.
fn read(journal: &Journal, rollout: &Rollout, replicas: u32, end: SimTime) -> Reading {
    let bg = rollout.spec.blue_green().cloned();
    let mut out = Reading::default();
    let mut replay = Replay::new(journal);
    let mut t0: Option<SimTime> = None;
    // The new revision's pod-template hash, once its ReplicaSet exists.
    let mut new_hash = String::new();
    let mut new_rs = String::new();
    // The row being measured (index into out.rows).
    let mut open: Option<usize> = None;
    // Blue-green milestones reached.
    let (mut preview_ready, mut switched) = (false, false);
    let mut tail_peak = 0;
    // Pods above `replicas` since when: the surplus holds until the next entry changes it.
    let mut surplus: Option<(SimTime, u32)> = None;
    let rel = |t: SimTime, t0: SimTime| t.saturating_sub(t0);
    while let Some(e) = replay.step() {
        let state = &replay.state;
        let Some(start) = t0 else {
            if let EntryKind::ScriptAction { verb, .. } = &e.kind
                && verb.starts_update()
            {
                t0 = Some(e.t);
                out.started = t0;
                if bg.is_some() {
                    open = Some(out.rows.len());
                    out.rows.push(Row {
                        key: "preview up".into(),
                        text: "preview up".into(),
                        start: Some(SimDuration::ZERO),
                        ..Default::default()
                    });
                }
            }
            continue;
        };
        let now = rel(e.t, start);
        if let EntryKind::ReplicaSetCreated { name, revision, .. } = &e.kind
            && *revision >= 2
            && new_hash.is_empty()
        {
            new_rs = name.to_string();
            new_hash = state
                .replica_sets
                .iter()
                .find(|rs| &rs.name == name)
                .map(|rs| rs.hash.clone())
                .unwrap_or_default();
        }
        let counted = pods(state, &new_hash);
        let (new, old, total) = (counted.new, counted.old, counted.total());
        out.peak = out.peak.max(total);
        if out.settled.is_none() {
            if let Some((since, above)) = surplus {
                out.pod_ms_above += u64::from(above) * (e.t.as_millis() - since.as_millis());
            }
            surplus = Some((e.t, total.saturating_sub(replicas)));
        }
        if let Some(i) = open {
            out.rows[i].peak = out.rows[i].peak.max(total);
        }
        let close = |row: &mut Row, promotions: u32| {
            row.end = Some(now);
            row.canary = new;
            row.stable = old;
            row.experiment = counted.experiment;
            row.promotions = promotions;
        };
        match &e.kind {
            EntryKind::ScriptAction {
                verb: crate::sim::ActionVerb::AutoPromote,
                ..
            } => {
                out.promotions += 1;
            }
            EntryKind::StepStarted { index, step, .. } if bg.is_none() => {
                let indefinite = rollout
                    .spec
                    .canary()
                    .and_then(|c| c.steps.get(*index as usize))
                    .is_some_and(|s| s.is_indefinite_pause());
                open = Some(out.rows.len());
                out.rows.push(Row {
                    key: index.to_string(),
                    index: Some(*index),
                    text: step.to_string(),
                    indefinite,
                    set_weight: weight_at(rollout, *index),
                    peak: total,
                    start: Some(now),
                    ..Default::default()
                });
            }
            EntryKind::StepCompleted { index, .. } | EntryKind::StepSkipped { index, .. }
                if bg.is_none() =>
            {
                if let Some(i) = open.filter(|&i| out.rows[i].index == Some(*index)) {
                    close(&mut out.rows[i], out.promotions);
                    open = None;
                }
            }
            EntryKind::PhaseChanged { to, .. }
                if *to == Phase::Healthy && out.healthy.is_none() && !new_hash.is_empty() =>
            {
                out.healthy = Some(now);
                out.healthy_pods = counted;
                out.healthy_peak = tail_peak.max(total);
                // A canary step still open when the rollout became Healthy (a promotion
                // skipped it); blue-green scales the old side down after Healthy.
                if let Some(i) = open.filter(|_| bg.is_none()) {
                    close(&mut out.rows[i], out.promotions);
                    open = None;
                }
            }
            _ => {}
        }
        if let Some(bg) = &bg {
            let new_state = state.replica_sets.iter().find(|rs| rs.name == new_rs);
            if !preview_ready
                && new_state
                    .is_some_and(|rs| rs.spec > 0 && i64::from(rs.ready()) >= i64::from(rs.spec))
            {
                preview_ready = true;
                if let Some(i) = open.take() {
                    close(&mut out.rows[i], out.promotions);
                }
                if bg.needs_controller_pause() {
                    let text = if bg.auto_promotion_enabled {
                        format!(
                            "pause: {}s (autoPromotionSeconds)",
                            bg.auto_promotion_seconds
                        )
                    } else {
                        "pause".to_string()
                    };
                    open = Some(out.rows.len());
                    out.rows.push(Row {
                        key: "pause".into(),
                        text,
                        indefinite: !bg.auto_promotion_enabled,
                        peak: total,
                        start: Some(now),
                        ..Default::default()
                    });
                }
            }
            if let EntryKind::ServiceSwitched { service, to, .. } = &e.kind
                && *service == bg.active_service
                && to.as_deref() == Some(new_hash.as_str())
                && !switched
            {
                switched = true;
                if let Some(i) = open.take() {
                    close(&mut out.rows[i], out.promotions);
                }
                let mut row = Row {
                    key: "switch".into(),
                    text: if bg.pre_promotion_analysis.is_some() {
                        "switch active (after prePromotionAnalysis)".into()
                    } else {
                        "switch active".into()
                    },
                    peak: total,
                    start: out.rows.last().and_then(|r| r.end),
                    ..Default::default()
                };
                close(&mut row, out.promotions);
                out.rows.push(row);
                open = Some(out.rows.len());
                out.rows.push(Row {
                    key: "scale down".into(),
                    text: "scale down old".into(),
                    peak: total,
                    start: Some(now),
                    ..Default::default()
                });
            }
        }
        // Settled: only the new ReplicaSet has pods asked for, and the old pods are gone
        // (terminating). As `replicaSets: {scaledUp: 1}` in a run, an Experiment's
        // ReplicaSets are not the rollout's: they scale down on their own schedule.
        let scaled_up = state
            .replica_sets
            .iter()
            .filter(|rs| rs.spec > 0 && !is_experiment(rs))
            .count();
        if out.settled.is_none()
            && out.healthy.is_some()
            && scaled_up == 1
            && old == 0
            && state
                .replica_sets
                .iter()
                .any(|rs| rs.name == new_rs && rs.spec > 0)
        {
            out.settled = Some(now);
            if let Some(i) = open.filter(|&i| out.rows[i].key == "scale down") {
                close(&mut out.rows[i], out.promotions);
                open = None;
            }
        }
        // The peak since the last row ended, until Healthy.
        if out.healthy.is_none() {
            tail_peak = match open {
                Some(_) => 0,
                None => tail_peak.max(total),
            };
        }
    }
    // An update that never settled borrowed its surplus until the run ended.
    if out.settled.is_none()
        && let Some((since, above)) = surplus
    {
        out.pod_ms_above += u64::from(above) * end.as_millis().saturating_sub(since.as_millis());
    }
    // A row still open when the run ended (pods never Ready, a failed analysis...): its pods
    // as they were then.
    if let Some(i) = open {
        let counted = pods(&replay.state, &new_hash);
        out.rows[i].canary = counted.new;
        out.rows[i].stable = counted.old;
        out.rows[i].experiment = counted.experiment;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_of_a_range() {
        assert_eq!(
            middle(SimDuration::from_secs(2), SimDuration::from_secs(6)),
            SimDuration::from_secs(4)
        );
        let mut apps = vec![AppModel::default_for("x:*")];
        pin_startups(&mut apps, earliest);
        assert_eq!(apps.len(), 2);
        assert!(
            apps.iter()
                .all(|a| a.startup == Startup::Fixed(SimDuration::from_secs(2)))
        );
    }
}
