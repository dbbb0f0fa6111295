//! The simulation's side of analysis: AnalysisRuns created and stopped on the rollout
//! controller's request, the analysis controller run on each of them when a measurement is
//! due, and the measurements answered from the scenario's metric models (traffic-based ones
//! read the simulated traffic of a role's ReplicaSets).

use smol_str::SmolStr;
use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::analysis::controller::{self, Provider};
use crate::analysis::expr::Value;
use crate::analysis::metric::Metric;
use crate::analysis::run::{AnalysisPhase, AnalysisRun, AnalysisRunStatus, Measurement, RunKind};
use crate::analysis::spec::{self, ArgSources};
use crate::api::analysis::{ProviderKind, RolloutAnalysis};
use crate::engine::SimDuration;
use crate::engine::{SimTime, Stream};
use crate::rollout::RunView;
use crate::scenario::metrics::{DEFAULT_JOB_DURATION, MetricModel};
use crate::traffic::Traffic;

use super::World;
use crate::sim::driver::{Driver, Ev};
use crate::sim::journal::EntryKind;

/// The rollout's analysis a run of `kind` is built from.
fn analysis_of(spec: &crate::api::RolloutSpec, kind: RunKind) -> Option<&RolloutAnalysis> {
    match kind {
        RunKind::Step(i) => spec.canary()?.steps.get(i as usize)?.analysis.as_ref(),
        RunKind::Background => spec.canary()?.analysis.as_ref().map(|b| &b.analysis),
        RunKind::PrePromotion => spec.blue_green()?.pre_promotion_analysis.as_ref(),
        RunKind::PostPromotion => spec.blue_green()?.post_promotion_analysis.as_ref(),
        // An experiment's runs are built from the Experiment's spec (`create_experiment_run`).
        RunKind::Experiment => None,
    }
}

/// What an AnalysisRun is created for: its name and kind, the pod-template hashes of the
/// version it judges and of the stable one, and the rollout's revision.
pub(super) struct NewRun {
    pub name: SmolStr,
    pub kind: RunKind,
    pub pod_hash: SmolStr,
    pub stable_hash: SmolStr,
    pub revision: u64,
}

impl World<'_> {
    /// The runs as the rollout controller sees them (an Experiment's runs are its own).
    /// Asked before a reconcile only when there is a run (`reconcile_once`).
    pub(super) fn run_views(&self) -> Vec<RunView> {
        self.runs
            .iter()
            .filter(|r| r.kind != RunKind::Experiment)
            .map(|r| RunView {
                name: r.name.clone(),
                kind: r.kind,
                pod_hash: r.pod_hash.clone(),
                phase: r.status.phase,
                message: r.status.message.as_str().into(),
                terminate: r.terminate,
            })
            .collect()
    }

    /// Creates a run as the rollout controller (or an experiment, which gives its analysis)
    /// asked, and lets the analysis controller take its first measurements at once.
    pub(super) fn create_analysis_run(
        &mut self,
        d: &mut Driver,
        new: NewRun,
        given: Option<RolloutAnalysis>,
    ) {
        let NewRun {
            name,
            kind,
            pod_hash,
            stable_hash,
            revision,
        } = new;
        let Some(analysis) = given.or_else(|| analysis_of(&self.rollout.spec, kind).cloned())
        else {
            return;
        };
        let analysis = &analysis;
        let built = spec::build(analysis, &self.templates);
        let (spec, metrics, args) = match built {
            Err(e) => (
                spec::RunSpec {
                    templates: analysis.templates.iter().map(|t| t.name.clone()).collect(),
                    metrics: Vec::new(),
                    args: Vec::new(),
                    dry_run: Vec::new(),
                    measurement_retention: Vec::new(),
                },
                Err(format!("Analysis spec invalid: {e}")),
                Vec::new(),
            ),
            Ok(spec) => {
                let rollout = &self.sc.manifests.rollouts[0];
                let sources = ArgSources {
                    stable_hash: &stable_hash,
                    latest_hash: &pod_hash,
                    rollout_name: &self.rollout.name,
                    namespace: &self.rollout.namespace,
                    labels: &rollout.labels,
                    annotations: &rollout.annotations,
                    secrets: &self.secrets,
                };
                match spec::resolve_args(&spec, &sources) {
                    Ok(args) => {
                        let metrics = spec::resolve_metrics(&spec, &args);
                        (spec, metrics, args)
                    }
                    Err(e) => (
                        spec,
                        Err(format!("Unable to resolve metric arguments: {e}")),
                        Vec::new(),
                    ),
                }
            }
        };
        self.journal.push(
            d.now(),
            EntryKind::AnalysisRunCreated {
                name: name.clone(),
                revision,
                kind: kind.label().into(),
                templates: spec.templates.clone(),
            },
        );
        self.runs.push(AnalysisRun {
            name,
            kind,
            pod_hash,
            revision,
            spec,
            metrics,
            args,
            terminate: false,
            created: d.now(),
            status: AnalysisRunStatus::default(),
        });
        self.reconcile_analysis_run(d, self.runs.len() - 1);
    }

    /// `spec.terminate: true`: the run stops measuring and ends at its next reconcile.
    pub(super) fn terminate_analysis_run(&mut self, d: &mut Driver, name: &str) {
        let Some(i) = self.runs.iter().position(|r| r.name == name) else {
            return;
        };
        if self.runs[i].terminate {
            return;
        }
        self.runs[i].terminate = true;
        self.journal.push(
            d.now(),
            EntryKind::AnalysisRunTerminated { name: name.into() },
        );
        self.reconcile_analysis_run(d, i);
    }

    /// Pod-template hashes of the ReplicaSets of each role, for traffic-based metrics; for
    /// `experiment:NAME`, the template NAME of the run's experiment (or the latest one).
    fn role_hashes(&self, run: &str) -> BTreeMap<String, Vec<SmolStr>> {
        let mut out: BTreeMap<String, Vec<SmolStr>> = BTreeMap::new();
        let services = self.role_service_hashes();
        let own = self.experiment_of_run(run).map(|e| e.name.clone());
        for rs in self.cluster.live_replica_sets() {
            for role in self.role_names(rs, &services) {
                {
                    out.entry(role.to_string())
                        .or_default()
                        .push(rs.hash.clone());
                }
            }
            if let Some(owner) = &rs.experiment {
                out.entry("experiment".to_string())
                    .or_default()
                    .push(rs.hash.clone());
                if own.as_deref() == Some(owner.experiment.as_str()) {
                    out.entry(format!("experiment:{}", owner.template))
                        .or_default()
                        .push(rs.hash.clone());
                }
            }
            out.entry("total".to_string())
                .or_default()
                .push(rs.hash.clone());
        }
        out
    }

    /// One reconcile of a run by the analysis controller.
    fn reconcile_analysis_run(&mut self, d: &mut Driver, i: usize) {
        let roles = self.role_hashes(&self.runs[i].name);
        let now = d.now();
        let mut provider = ModelProvider {
            models: &self.sc.metrics,
            traffic: self.traffic.as_ref(),
            roles: &roles,
            rng: d.rngs().stream(Stream::Metrics),
        };
        let run = &mut self.runs[i];
        let out = controller::reconcile(run, now, &mut provider);
        let name = run.name.clone();
        for (metric, m) in out.measured {
            self.journal.push(
                now,
                EntryKind::Measurement {
                    run: name.clone(),
                    metric: metric.into(),
                    value: m.value.into(),
                    phase: m.phase.as_str().into(),
                    message: m.message.into(),
                },
            );
        }
        if let Some((_, to)) = out.phase_change {
            if to.completed() {
                let message = self.runs[i].status.message.clone();
                self.journal.push(
                    now,
                    EntryKind::AnalysisRunCompleted {
                        name: name.clone(),
                        phase: to.as_str().into(),
                        message: message.into(),
                    },
                );
            }
            // The rollout controller watches its runs.
            d.request_reconcile();
        }
        if let Some(at) = out.next {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "an index into `runs`, each run a heap object with its spec and \
                          measurements: memory runs out long before 2^32 of them"
            )]
            let run_index = i as u32;
            d.schedule(at.max(now), Ev::AnalysisReconcile(run_index));
        }
    }

    /// A run's requeue: reconcile it unless it has finished since.
    pub(in crate::sim) fn analysis_wake(&mut self, d: &mut Driver, i: usize) {
        if self
            .runs
            .get(i)
            .is_some_and(|r| !r.status.phase.completed())
        {
            self.reconcile_analysis_run(d, i);
        }
    }

    /// The latest phase per template name, per step index and per run name (what
    /// `analysis:` conditions read).
    pub(super) fn analysis_phases(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for r in &self.runs {
            let phase = r.status.phase.as_str().to_string();
            for t in &r.spec.templates {
                out.insert(t.clone(), phase.clone());
            }
            if let RunKind::Step(idx) = r.kind {
                out.insert(idx.to_string(), phase.clone());
            }
            out.insert(r.name.to_string(), phase);
        }
        out
    }
}

/// Measurements from the scenario's metric models.
struct ModelProvider<'a> {
    models: &'a BTreeMap<String, MetricModel>,
    traffic: Option<&'a Traffic>,
    roles: &'a BTreeMap<String, Vec<SmolStr>>,
    rng: &'a mut ChaCha8Rng,
}

impl ModelProvider<'_> {
    /// A traffic query's number for one role: the success or error rate of its requests in
    /// the window ending now, or a latency quantile; `None` when it served none.
    fn traffic_value(
        &self,
        model: &MetricModel,
        role: &str,
        window: SimDuration,
        now: SimTime,
    ) -> Option<f64> {
        let t = self.traffic?;
        let hashes: Vec<&str> = self
            .roles
            .get(role)
            .map(|v| v.iter().map(SmolStr::as_str).collect())
            .unwrap_or_default();
        let from = SimTime(now.as_millis().saturating_sub(window.as_millis()));
        if let MetricModel::Latency { quantile, .. } = model {
            return t.latency_quantile(&hashes, from, now, *quantile);
        }
        let (req, failed) = t.window(&hashes, from, now);
        if req == 0 {
            return None;
        }
        // As a query divides counts: (ok / total), not 1 - (failed / total).
        let part = if matches!(model, MetricModel::SuccessRate(_)) {
            req - failed
        } else {
            failed
        };
        Some(part as f64 / req as f64)
    }

    /// The value a model gives now, shaped as the metric's provider returns values (a
    /// Prometheus query gives a vector); `None` means the query found no data.
    fn value(
        &mut self,
        metric: &Metric,
        model: &MetricModel,
        taken: u32,
        now: SimTime,
    ) -> Option<Value> {
        let number = match model {
            MetricModel::SuccessRate(q)
            | MetricModel::ErrorRate(q)
            | MetricModel::Latency { query: q, .. } => {
                let v = self.traffic_value(model, &q.role, q.window, now)?;
                match &q.minus {
                    Some(other) => v - self.traffic_value(model, other, q.window, now)?,
                    None => v,
                }
            }
            MetricModel::Normal { mean, stddev } => match Normal::new(*mean, *stddev) {
                Ok(n) => n.sample(self.rng),
                Err(_) => *mean,
            },
            MetricModel::Value(v) => return Some(shape(metric, v.clone())),
            MetricModel::Values(vs) => {
                let v = vs
                    .get(taken as usize)
                    .or_else(|| vs.last())
                    .cloned()
                    .unwrap_or(Value::Nil);
                return Some(shape(metric, v));
            }
            MetricModel::Error | MetricModel::Job { .. } | MetricModel::Assumed(_) => {
                return None;
            }
        };
        Some(shape(metric, Value::Float(number)))
    }
}

/// A Prometheus query returns a vector: a scalar model value becomes `[v]`.
fn shape(metric: &Metric, v: Value) -> Value {
    match (&metric.provider, v) {
        (ProviderKind::Prometheus, Value::Float(f)) => Value::Array(vec![Value::Float(f)]),
        (ProviderKind::Prometheus, Value::Int(i)) => Value::Array(vec![Value::Int(i)]),
        (_, v) => v,
    }
}

fn finished(phase: AnalysisPhase, now: SimTime, value: String, message: String) -> Measurement {
    Measurement {
        phase,
        started_at: now,
        finished_at: Some(now),
        value,
        message,
        resume_at: None,
    }
}

impl Provider for ModelProvider<'_> {
    fn run(&mut self, run: &AnalysisRun, metric: &Metric, now: SimTime) -> Measurement {
        let model = self.models.get(&metric.name);
        let job = match (model, &metric.provider) {
            (Some(MetricModel::Job { duration, .. }), _) => Some(*duration),
            (None, ProviderKind::Job) => Some(DEFAULT_JOB_DURATION),
            _ => None,
        };
        if let Some(d) = job {
            // A Job runs asynchronously: the measurement stays in flight until it ends.
            return Measurement {
                phase: AnalysisPhase::Running,
                started_at: now,
                finished_at: None,
                value: String::new(),
                message: String::new(),
                resume_at: Some(now + d),
            };
        }
        let Some(model) = model else {
            return finished(
                AnalysisPhase::Error,
                now,
                String::new(),
                format!("no metric model for `{}`", metric.name),
            );
        };
        if let MetricModel::Assumed(phase) = model {
            // As a provider reports it: a message only with an error.
            let message = if *phase == AnalysisPhase::Error {
                "the metric provider returned an error (assumed)".to_string()
            } else {
                String::new()
            };
            return finished(*phase, now, "assumed".into(), message);
        }
        if *model == MetricModel::Error {
            return finished(
                AnalysisPhase::Error,
                now,
                String::new(),
                "the metric provider returned an error (metric model `error: true`)".into(),
            );
        }
        let taken = run.result(&metric.name).map_or(0, |r| r.taken);
        match self.value(metric, model, taken, now) {
            Some(v) => {
                let (phase, message) = controller::evaluate(metric, &v);
                finished(phase, now, v.to_string(), message)
            }
            // No data in the window: Prometheus answers an empty vector, other providers
            // nothing at all; the conditions then decide (usually an Error).
            None => {
                let v = match metric.provider {
                    ProviderKind::Prometheus => Value::Array(Vec::new()),
                    _ => Value::Nil,
                };
                let (phase, message) = controller::evaluate(metric, &v);
                finished(phase, now, v.to_string(), message)
            }
        }
    }

    fn resume(
        &mut self,
        _run: &AnalysisRun,
        metric: &Metric,
        mut m: Measurement,
        now: SimTime,
    ) -> Measurement {
        if m.resume_at.is_some_and(|t| t > now) {
            return m;
        }
        m.phase = match self.models.get(&metric.name) {
            Some(MetricModel::Job { phase, .. }) => *phase,
            _ => AnalysisPhase::Successful,
        };
        m.finished_at = Some(now);
        m.resume_at = None;
        m
    }

    fn terminate(
        &mut self,
        _run: &AnalysisRun,
        _metric: &Metric,
        mut m: Measurement,
        now: SimTime,
    ) -> Measurement {
        // The job provider deletes the Job and records the measurement as Successful.
        m.phase = AnalysisPhase::Successful;
        m.finished_at = Some(now);
        m.resume_at = None;
        m
    }
}
