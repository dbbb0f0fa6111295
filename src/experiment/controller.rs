//! The experiment controller (upstream `experiments/experiment.go:reconcile`): one reconcile
//! of an Experiment reconciles each template's ReplicaSet, then each analysis, then assesses
//! the experiment's phase. A pure function of the Experiment, its ReplicaSets, the runs and the
//! time, returning an `ExperimentPlan` the simulation applies.
//!
//! The assessment follows upstream closely, including its orderings: templates are ranked
//! Successful < Running < Progressing < Error < Failed, analyses Successful < Running <
//! Pending < Inconclusive < Error < Failed, so a template still starting keeps the experiment
//! Pending, a failed analysis ends it at once, and once the templates have run for the
//! duration the experiment is Successful unless an analysis it still waits for says otherwise.

use chrono::{DateTime, Utc};
use smol_str::SmolStr;

use crate::analysis::run::{AnalysisPhase, unique_run_name};
use crate::analysis::spec;
use crate::api::analysis::{AnalysisTemplate, Argument};
use crate::engine::{SimDuration, SimTime};

use super::{
    AnalysisSpec, Experiment, ExperimentAnalysisRunStatus, ExperimentStatus, TemplateCode,
    TemplateSpec, TemplateStatus,
};

/// An experiment's ReplicaSet, as listed at the start of the reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRs {
    /// The template it runs (the name in `spec.templates`).
    pub template: SmolStr,
    /// The ReplicaSet's name, `<experiment>-<template>`.
    pub name: SmolStr,
    /// Its `rollouts-pod-template-hash`.
    pub hash: SmolStr,
    /// `spec.replicas`: pods asked for.
    pub spec: u32,
    /// `status.replicas`: pods it has.
    pub replicas: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`: ready for `minReadySeconds`.
    pub available: u32,
    /// Its `scale-down-deadline` annotation: not scaled to 0 before then.
    pub scale_down_deadline: Option<SimTime>,
}

/// An AnalysisRun, as the experiment sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunState {
    /// The AnalysisRun's name.
    pub name: SmolStr,
    /// Its `status.phase`.
    pub phase: AnalysisPhase,
    /// Its `status.message`, copied into the experiment's status.
    pub message: String,
    /// Its `spec.terminate`: already asked to stop, so not asked again.
    pub terminate: bool,
}

/// Everything one reconcile reads.
pub struct ExperimentInput<'a> {
    /// The experiment, with the status the last reconcile wrote.
    pub experiment: &'a Experiment,
    /// The experiment's ReplicaSets (at most one per template).
    pub replica_sets: &'a [TemplateRs],
    /// Every AnalysisRun of the namespace (names must not collide).
    pub runs: &'a [RunState],
    /// The AnalysisTemplates and ClusterAnalysisTemplates that exist.
    pub templates: &'a [AnalysisTemplate],
    /// The Services of the namespace this experiment does not own (the manifests' Services,
    /// other experiments' template Services): a template Service named like one of them
    /// cannot be created.
    pub foreign_services: &'a [&'a str],
    /// The wall-clock instant virtual time 0 is (`{{experiment.availableAt}}` is a date).
    pub start: DateTime<Utc>,
    /// Virtual time of this reconcile.
    pub now: SimTime,
}

/// One write of the experiment controller.
#[derive(Debug, Clone, PartialEq)]
pub enum ExperimentWrite {
    /// Create the template's ReplicaSet, at 0 replicas.
    CreateReplicaSet {
        /// The template's name; the ReplicaSet is `<experiment>-<template>`.
        template: SmolStr,
    },
    /// Set a template ReplicaSet's `spec.replicas`.
    ScaleReplicaSet {
        /// The ReplicaSet.
        name: SmolStr,
        /// Its `spec.replicas` before (for the scaling event's message).
        from: u32,
        /// Its `spec.replicas` after.
        to: u32,
    },
    /// Annotate a ReplicaSet with the time it may be scaled to 0 (`scaleDownDelaySeconds`).
    SetScaleDownDeadline {
        /// The ReplicaSet.
        name: SmolStr,
        /// The deadline, in whole seconds of virtual time.
        at: SimTime,
    },
    /// Drop a ReplicaSet's scale-down deadline (the delay is 0, so it scales down at once).
    RemoveScaleDownDeadline {
        /// The ReplicaSet.
        name: SmolStr,
    },
    /// Create the run of an analysis, with its arguments' final values.
    CreateAnalysisRun {
        /// The analysis's name in the experiment's spec.
        analysis: SmolStr,
        /// The run's name, `<experiment>-<analysis>` made unique.
        name: SmolStr,
        /// The arguments, every placeholder resolved.
        args: Vec<Argument>,
    },
    /// Set a run's `spec.terminate`: the experiment is ending and no longer needs it.
    TerminateAnalysisRun {
        /// The AnalysisRun.
        name: SmolStr,
    },
}

/// An Event the experiment controller also records on the Rollout (upstream #4009).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutEvent {
    /// The event's reason: `AnalysisRun<Phase>`, such as `AnalysisRunFailed`.
    pub reason: String,
    /// The event's message.
    pub message: String,
}

/// What one reconcile decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentPlan {
    /// The writes, in the order the simulation applies them.
    pub writes: Vec<ExperimentWrite>,
    /// The new status, when it changed.
    pub status: Option<ExperimentStatus>,
    /// Events recorded on the owning Rollout as well.
    pub rollout_events: Vec<RolloutEvent>,
    /// Virtual times to reconcile again at (a scale-down deadline, the end of the duration,
    /// a progress deadline).
    pub requeue: Vec<SimTime>,
}

impl ExperimentPlan {
    /// Whether the reconcile writes nothing: no write and no status change.
    pub fn is_noop(&self) -> bool {
        self.writes.is_empty() && self.status.is_none()
    }
}

struct Ctx<'a> {
    input: &'a ExperimentInput<'a>,
    ex: &'a Experiment,
    /// `isTerminating`, from the status read at the start.
    terminating: bool,
    status: ExperimentStatus,
    plan: ExperimentPlan,
    now: SimTime,
}

/// Runs one reconcile of an experiment.
pub fn reconcile(input: &ExperimentInput) -> ExperimentPlan {
    let ex = input.experiment;
    let mut c = Ctx {
        input,
        ex,
        terminating: is_terminating(ex, &ex.status),
        status: ex.status.clone(),
        plan: ExperimentPlan::default(),
        now: input.now,
    };
    for t in &ex.spec.templates {
        c.reconcile_template(t);
    }
    for a in &ex.spec.analyses {
        c.reconcile_analysis(a);
    }
    c.calculate_status();
    c.enqueue();
    if c.status != ex.status {
        c.plan.status = Some(c.status);
    }
    c.plan
}

/// `RequiredAnalysisRunsSuccessful`: some analysis is required, and every required one
/// succeeded.
fn required_successful(ex: &Experiment, status: &ExperimentStatus) -> bool {
    let required: Vec<&AnalysisSpec> = ex
        .spec
        .analyses
        .iter()
        .filter(|a| a.required_for_completion)
        .collect();
    !required.is_empty()
        && required.iter().all(|a| {
            status
                .run(&a.name)
                .is_some_and(|r| r.phase == Some(AnalysisPhase::Successful))
        })
}

/// `IsTerminating`: asked to stop, finished, a template failed, an analysis ended badly, or
/// every required analysis succeeded.
pub fn is_terminating(ex: &Experiment, status: &ExperimentStatus) -> bool {
    ex.terminate
        || status.phase.is_some_and(AnalysisPhase::completed)
        || status
            .template_statuses
            .iter()
            .any(|t| matches!(t.status, Some(TemplateCode::Failed | TemplateCode::Error)))
        || status.analysis_runs.iter().any(|r| {
            matches!(
                r.phase,
                Some(AnalysisPhase::Failed | AnalysisPhase::Error | AnalysisPhase::Inconclusive)
            )
        })
        || required_successful(ex, status)
}

/// `PassedDurations`, and when the duration ends.
fn duration_end(ex: &Experiment, status: &ExperimentStatus) -> Option<SimTime> {
    Some(status.available_at? + ex.spec.duration?)
}

/// `IsWorse` over analysis phases: Successful (and "") < Running < Pending < Inconclusive <
/// Error < Failed.
fn analysis_rank(p: Option<AnalysisPhase>) -> u8 {
    match p {
        None | Some(AnalysisPhase::Successful) => 0,
        Some(AnalysisPhase::Running) => 1,
        Some(AnalysisPhase::Pending) => 2,
        Some(AnalysisPhase::Inconclusive) => 3,
        Some(AnalysisPhase::Error) => 4,
        Some(AnalysisPhase::Failed) => 5,
    }
}

impl Ctx<'_> {
    fn passed_duration(&self) -> bool {
        duration_end(self.ex, &self.ex.status).is_some_and(|end| self.now >= end)
    }

    /// `CalculateTemplateReplicasCount`, on the status read at the start.
    fn desired_replicas(&self, t: &TemplateSpec) -> u32 {
        let done = self
            .ex
            .status
            .template(&t.name)
            .and_then(|s| s.status)
            .is_some_and(TemplateCode::completed);
        if self.ex.finished() || self.terminating || done {
            0
        } else {
            t.replicas
        }
    }

    /// `reconcileTemplate`.
    fn reconcile_template(&mut self, t: &TemplateSpec) {
        let now = self.now.truncate_to_second();
        let prev = self
            .ex
            .status
            .template(&t.name)
            .cloned()
            .unwrap_or(TemplateStatus {
                name: t.name.clone(),
                ..Default::default()
            });
        let mut ts = prev.clone();
        let desired = self.desired_replicas(t);
        let rs = self
            .input
            .replica_sets
            .iter()
            .find(|r| r.template == t.name);
        match rs {
            None => {
                self.plan.writes.push(ExperimentWrite::CreateReplicaSet {
                    template: t.name.as_str().into(),
                });
                ts.last_transition = Some(now);
                (ts.replicas, ts.ready, ts.available) = (0, 0, 0);
            }
            Some(rs) => {
                self.template_service(t, rs, desired, &mut ts);
                let deadline = if desired == 0 {
                    self.add_scale_down_delay(rs)
                } else {
                    rs.scale_down_deadline
                };
                if rs.spec != desired {
                    self.scale_template(t, rs, desired, deadline);
                    ts.last_transition = Some(now);
                }
                (ts.replicas, ts.ready, ts.available) = (rs.replicas, rs.ready, rs.available);
            }
        }
        if (prev.replicas, prev.ready, prev.available) != (ts.replicas, ts.ready, ts.available) {
            ts.last_transition = Some(now);
        }
        self.assess_template(t, desired, &mut ts);
        match self
            .status
            .template_statuses
            .iter_mut()
            .find(|s| s.name == t.name)
        {
            Some(s) => *s = ts,
            None => self.status.template_statuses.push(ts),
        }
    }

    /// `createTemplateService` while the template runs, `deleteTemplateService` once it is
    /// scaled down: the Service's name and the hash it selects are recorded in the status once
    /// the ReplicaSet exists (the router's weights point at it), and forgotten when the
    /// ReplicaSet has no available pod left.
    fn template_service(
        &self,
        t: &TemplateSpec,
        rs: &TemplateRs,
        desired: u32,
        ts: &mut TemplateStatus,
    ) {
        let Some(name) = &t.service else { return };
        if desired == 0 {
            if rs.available == 0 && !ts.service_name.is_empty() {
                ts.service_name = SmolStr::default();
                ts.pod_template_hash = SmolStr::default();
            }
            return;
        }
        if !ts.service_name.is_empty() || !t.has_ports {
            return;
        }
        let name = name
            .as_deref()
            .map_or_else(|| rs.name.clone(), SmolStr::from);
        // Named after the ReplicaSet, the Service's name is only known here: a long rollout
        // or template name makes it longer than a Service's name may be, and the API server
        // refuses it. Upstream then marks the template `Error`, which fails the experiment.
        // Upstream's `CreateService` wraps the refusal (`cannot create service: %v %v`), the
        // second part a dump of the whole Service object in Go's syntax, which is left out.
        let failure = match service_name_refusal(&name) {
            Some(refusal) => Some(format!("cannot create service: {refusal}")),
            // A Service of that name already exists: `CreateService` accepts it only when this
            // template of this experiment owns it, which the status would already say.
            None if self.service_taken(&name, &t.name) => Some(format!(
                "service {name} already exists and is not owned by experiment template {}",
                t.name
            )),
            None => None,
        };
        if let Some(why) = failure {
            ts.status = Some(TemplateCode::Error);
            ts.message = format!(
                "Failed to create Service {name} for template '{}': {why}",
                t.name
            );
            return;
        }
        ts.service_name = name;
        ts.pod_template_hash = rs.hash.clone();
    }

    /// Whether a Service named `name` exists and is not `template`'s: a Service of the
    /// namespace the experiment does not own, or another template's of this experiment (as
    /// written so far in this reconcile).
    fn service_taken(&self, name: &str, template: &str) -> bool {
        self.input.foreign_services.contains(&name)
            || self
                .status
                .template_statuses
                .iter()
                .any(|s| s.name != template && s.service_name == name)
    }

    /// `addScaleDownDelay`: a ReplicaSet about to be scaled down first gets a deadline
    /// (removed instead when the delay is 0). Returns the deadline in force.
    fn add_scale_down_delay(&mut self, rs: &TemplateRs) -> Option<SimTime> {
        let delay = self.ex.spec.scale_down_delay_seconds;
        if delay == 0 {
            if rs.scale_down_deadline.is_some() {
                self.plan
                    .writes
                    .push(ExperimentWrite::RemoveScaleDownDeadline {
                        name: rs.name.clone(),
                    });
            }
            return None;
        }
        if let Some(d) = rs.scale_down_deadline {
            return Some(d);
        }
        // A negative delay (an int32 with no minimum upstream) sets a deadline already past:
        // the ReplicaSet is scaled down at the next reconcile. Virtual time starts at 0, so
        // a deadline before the start is the start.
        let base = self.now.truncate_to_second();
        let secs = SimDuration::from_secs(u64::from(delay.unsigned_abs()));
        let at = if delay > 0 {
            base + secs
        } else {
            SimTime(base.0.saturating_sub(secs.as_millis()))
        };
        self.plan
            .writes
            .push(ExperimentWrite::SetScaleDownDeadline {
                name: rs.name.clone(),
                at,
            });
        Some(at)
    }

    /// `scaleTemplateRS`: scaling down waits for the deadline (the template's replicas are
    /// kept until then).
    fn scale_template(
        &mut self,
        t: &TemplateSpec,
        rs: &TemplateRs,
        desired: u32,
        deadline: Option<SimTime>,
    ) {
        let mut to = desired;
        if desired == 0
            && let Some(d) = deadline
            && d > self.now
        {
            self.plan.requeue.push(d);
            to = t.replicas;
        }
        if rs.spec != to {
            self.plan.writes.push(ExperimentWrite::ScaleReplicaSet {
                name: rs.name.clone(),
                from: rs.spec,
                to,
            });
        }
    }

    /// A template never leaves a completed status: Running once all its pods are available
    /// (Successful after the duration, or when the experiment stops), Failed when it is not
    /// available within the progress deadline.
    fn assess_template(&self, t: &TemplateSpec, desired: u32, ts: &mut TemplateStatus) {
        if ts.status.is_some_and(TemplateCode::completed) {
            return;
        }
        if desired == ts.available {
            ts.status = Some(if self.passed_duration() || self.terminating {
                TemplateCode::Successful
            } else {
                TemplateCode::Running
            });
            return;
        }
        let from = ts.last_transition.unwrap_or(self.now.truncate_to_second());
        let pds = self.ex.spec.progress_deadline_seconds;
        if self.now >= from + SimDuration::from_secs(u64::from(pds)) {
            ts.status = Some(TemplateCode::Failed);
            ts.message = format!(
                "Template '{}' exceeded its progressDeadlineSeconds ({pds})",
                t.name
            );
        } else if self.terminating {
            ts.status = Some(TemplateCode::Successful);
        } else {
            ts.status = Some(TemplateCode::Progressing);
        }
    }

    /// `reconcileAnalysisRun`.
    fn reconcile_analysis(&mut self, a: &AnalysisSpec) {
        let prev = self
            .ex
            .status
            .run(&a.name)
            .cloned()
            .unwrap_or(ExperimentAnalysisRunStatus {
                name: a.name.clone(),
                ..Default::default()
            });
        let mut rs = prev.clone();
        self.analysis_step(a, &prev, &mut rs);
        if prev.phase != rs.phase
            && let Some(phase) = rs.phase
        {
            let before = prev.phase.map_or("", AnalysisPhase::as_str);
            let mut message = format!(
                "AnalysisRun '{}' transitioned from {before} -> {phase}",
                a.name
            );
            if !rs.message.is_empty() {
                message = format!("{message}: {}", rs.message);
            }
            self.plan.rollout_events.push(RolloutEvent {
                reason: format!("AnalysisRun{phase}"),
                message,
            });
        }
        match self
            .status
            .analysis_runs
            .iter_mut()
            .find(|r| r.name == a.name)
        {
            Some(r) => *r = rs,
            None => self.status.analysis_runs.push(rs),
        }
    }

    fn analysis_step(
        &mut self,
        a: &AnalysisSpec,
        prev: &ExperimentAnalysisRunStatus,
        rs: &mut ExperimentAnalysisRunStatus,
    ) {
        if self.ex.status.available_at.is_none() {
            // Runs start only once the experiment is available; until then the template is
            // checked to exist.
            if let Some(missing) = self.missing_template(a) {
                rs.phase = Some(AnalysisPhase::Error);
                rs.message = format!(
                    "AnalysisTemplate verification failed for analysis '{}': {missing}",
                    a.name
                );
            }
            return;
        }
        if prev.run.is_empty() {
            if self.terminating {
                return;
            }
            match self.create_run(a) {
                Ok(name) => {
                    rs.phase = Some(AnalysisPhase::Pending);
                    rs.run = name;
                }
                Err(e) => {
                    rs.phase = Some(AnalysisPhase::Error);
                    rs.message = format!(
                        "Failed to create AnalysisRun for analysis '{}': {e}",
                        a.name
                    );
                }
            }
            return;
        }
        if prev.phase.is_some_and(AnalysisPhase::completed) {
            return;
        }
        let Some(run) = self.input.runs.iter().find(|r| r.name == prev.run) else {
            rs.phase = Some(AnalysisPhase::Error);
            rs.message = format!("analysisruns.argoproj.io \"{}\" not found", prev.run);
            return;
        };
        if self.terminating {
            if !run.phase.completed() && !run.terminate {
                self.plan
                    .writes
                    .push(ExperimentWrite::TerminateAnalysisRun {
                        name: run.name.clone(),
                    });
            }
            return;
        }
        rs.phase = Some(run.phase);
        rs.message = run.message.clone();
    }

    /// `verifyAnalysisTemplate`: the referenced (Cluster)AnalysisTemplate exists.
    fn missing_template(&self, a: &AnalysisSpec) -> Option<String> {
        let r = a.analysis.templates.first()?;
        let found = self
            .input
            .templates
            .iter()
            .any(|t| t.name == r.name && t.cluster_scope == r.cluster_scope);
        let kind = if r.cluster_scope {
            "clusteranalysistemplates.argoproj.io"
        } else {
            "analysistemplates.argoproj.io"
        };
        (!found).then(|| format!("{kind} \"{}\" not found", r.name))
    }

    /// `createAnalysisRun`: the experiment's placeholders are resolved in the arguments, the
    /// run's spec is built from the templates, and the name takes a `.N` suffix if taken.
    fn create_run(&mut self, a: &AnalysisSpec) -> Result<String, String> {
        let mut args = Vec::with_capacity(a.analysis.args.len());
        for arg in &a.analysis.args {
            let value = match &arg.value {
                Some(v) => Some(self.resolve_placeholders(v)?),
                None => None,
            };
            args.push(Argument {
                value,
                ..arg.clone()
            });
        }
        let analysis = crate::api::analysis::RolloutAnalysis {
            args: args.clone(),
            ..a.analysis.clone()
        };
        spec::build(&analysis, self.input.templates)?;
        let base = self.ex.run_name(&a.name);
        let taken = |n: &str| {
            self.input.runs.iter().any(|r| r.name == n)
                || self.plan.writes.iter().any(
                    |x| matches!(x, ExperimentWrite::CreateAnalysisRun { name, .. } if name == n),
                )
        };
        let name = unique_run_name(&base, taken);
        self.plan.writes.push(ExperimentWrite::CreateAnalysisRun {
            analysis: a.name.as_str().into(),
            name: name.as_str().into(),
            args,
        });
        Ok(name)
    }

    /// `ResolveExperimentArgsValue`: `{{templates.NAME.podTemplateHash}}`,
    /// `{{templates.NAME.replicaset.name}}`, `{{experiment.availableAt}}` and
    /// `{{experiment.finishedAt}}`; anything else fails to resolve.
    fn resolve_placeholders(&self, text: &str) -> Result<String, String> {
        spec::replace_tags(text, |tag| self.placeholder(tag.trim()))
    }

    fn placeholder(&self, tag: &str) -> Option<String> {
        #[allow(
            clippy::cast_possible_wrap,
            reason = "virtual times are scenario lengths, far below 2^63 ms (292 million years)"
        )]
        let wall = |t: SimTime| {
            (self.input.start + chrono::Duration::milliseconds(t.as_millis() as i64))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        match tag {
            "experiment.availableAt" => return self.ex.status.available_at.map(wall),
            "experiment.finishedAt" => return duration_end(self.ex, &self.ex.status).map(wall),
            _ => {}
        }
        let t = tag.strip_prefix("templates.")?;
        let (name, field) = t.split_once('.')?;
        let rs = self
            .input
            .replica_sets
            .iter()
            .find(|r| r.template == name)?;
        match field {
            "podTemplateHash" => Some(rs.hash.to_string()),
            "replicaset.name" => Some(rs.name.to_string()),
            _ => None,
        }
    }

    /// `calculateStatus`.
    fn calculate_status(&mut self) {
        match self.status.phase {
            None => self.status.phase = Some(AnalysisPhase::Pending),
            Some(AnalysisPhase::Pending | AnalysisPhase::Running) => {
                let (tpl, tpl_msg) = self.assess_templates();
                let (an, an_msg) = self.assess_analyses();
                if tpl == AnalysisPhase::Running && self.status.available_at.is_none() {
                    self.status.available_at = Some(self.now.truncate_to_second());
                }
                let has_required = self
                    .ex
                    .spec
                    .analyses
                    .iter()
                    .any(|a| a.required_for_completion);
                let (phase, message) = if tpl.completed() {
                    if tpl == AnalysisPhase::Successful && (an.completed() || has_required) {
                        (an, an_msg)
                    } else {
                        (tpl, tpl_msg)
                    }
                } else if (an.completed() && an != AnalysisPhase::Successful)
                    || required_successful(self.ex, &self.status)
                {
                    (an, an_msg)
                } else {
                    (tpl, tpl_msg)
                };
                self.status.phase = Some(phase);
                self.status.message = message;
            }
            Some(_) => {}
        }
    }

    /// `assessTemplates`: the worst template status, as an experiment phase.
    fn assess_templates(&self) -> (AnalysisPhase, String) {
        let mut worst = TemplateCode::Successful;
        let mut message = String::new();
        for t in &self.ex.spec.templates {
            let code = self
                .status
                .template(&t.name)
                .and_then(|s| s.status)
                .unwrap_or(TemplateCode::Progressing);
            if code.rank() > worst.rank() {
                worst = code;
                message = self
                    .status
                    .template(&t.name)
                    .map(|s| s.message.clone())
                    .unwrap_or_default();
            }
        }
        let phase = match worst {
            TemplateCode::Progressing => AnalysisPhase::Pending,
            TemplateCode::Running => AnalysisPhase::Running,
            TemplateCode::Successful => AnalysisPhase::Successful,
            TemplateCode::Failed => AnalysisPhase::Failed,
            TemplateCode::Error => AnalysisPhase::Error,
        };
        (phase, message)
    }

    /// `assessAnalysisRuns`: the worst analysis phase; required analyses that all succeeded
    /// complete the experiment.
    fn assess_analyses(&self) -> (AnalysisPhase, String) {
        let mut worst: Option<AnalysisPhase> = Some(AnalysisPhase::Successful);
        let mut message = String::new();
        for a in &self.ex.spec.analyses {
            let r = self.status.run(&a.name);
            let phase = r.and_then(|r| r.phase);
            if analysis_rank(phase) > analysis_rank(worst) {
                worst = phase;
                message = r.map(|r| r.message.clone()).unwrap_or_default();
            }
        }
        if required_successful(self.ex, &self.status)
            && analysis_rank(worst) < analysis_rank(Some(AnalysisPhase::Running))
        {
            return (
                AnalysisPhase::Successful,
                "Required AnalysisRuns completed".to_string(),
            );
        }
        let phase = match worst {
            None | Some(AnalysisPhase::Successful) => AnalysisPhase::Successful,
            Some(AnalysisPhase::Pending) => AnalysisPhase::Running,
            Some(p) => p,
        };
        (phase, message)
    }

    /// `calculateEnqueueDuration`: wake up when the duration ends, or when a template that
    /// is not available yet reaches its progress deadline.
    fn enqueue(&mut self) {
        if is_terminating(self.ex, &self.status) {
            return;
        }
        let mut next: Option<SimTime> = None;
        if let Some(end) = duration_end(self.ex, &self.status)
            && end > self.now
        {
            next = Some(end);
        }
        let pds = SimDuration::from_secs(u64::from(self.ex.spec.progress_deadline_seconds));
        for t in &self.ex.spec.templates {
            let Some(ts) = self.status.template(&t.name) else {
                continue;
            };
            if !matches!(
                ts.status,
                Some(TemplateCode::Progressing | TemplateCode::Running)
            ) {
                continue;
            }
            if ts.available != t.replicas
                && let Some(lt) = ts.last_transition
            {
                let at = lt + pds;
                if next.is_none_or(|n| at < n) {
                    next = Some(at);
                }
            }
        }
        self.plan.requeue.extend(next);
    }
}

/// The API server's answer to creating a Service of that name when it is not a DNS-1035
/// label (`ValidateServiceName`: `IsDNS1035Label`), in its words: every problem, bracketed
/// when there are two.
fn service_name_refusal(name: &str) -> Option<String> {
    let (too_long, not_label) = crate::manifest::names::dns_label_checks(name, true);
    let mut problems = Vec::new();
    if too_long {
        problems.push("must be no more than 63 characters");
    }
    if not_label {
        problems.push(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start \
             with an alphabetic character, and end with an alphanumeric character (e.g. \
             'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        );
    }
    let field = |p: &str| format!("metadata.name: Invalid value: \"{name}\": {p}");
    let detail = match problems.as_slice() {
        [] => return None,
        [one] => field(one),
        many => format!(
            "[{}]",
            many.iter().map(|p| field(p)).collect::<Vec<_>>().join(", ")
        ),
    };
    Some(format!("Service \"{name}\" is invalid: {detail}"))
}

#[cfg(test)]
mod tests;
