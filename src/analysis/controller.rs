//! The analysis controller (upstream `analysis/analysis.go`): one reconcile of a run takes the
//! measurements that are due, judges each, updates the metric results and the run's phase,
//! and says when the run wants to be reconciled next.
//!
//! The values come from a [`Provider`] (the simulation's metric models); everything else here
//! is a function of the run and the time.

use crate::engine::{SimDuration, SimTime};

use super::expr::{Program, Value};
use super::metric::Metric;
use super::run::{AnalysisPhase, AnalysisRun, Measurement, MetricResult};

/// `DefaultErrorRetryInterval`: a measurement that errored is retried after 10 s.
pub const ERROR_RETRY: SimDuration = SimDuration(10_000);
/// `DefaultMeasurementHistoryLimit`.
pub const MEASUREMENT_HISTORY: usize = 10;

/// Where measurements come from.
pub trait Provider {
    /// Starts a measurement of `metric`: a finished one, or one in flight with `resume_at`.
    fn run(&mut self, run: &AnalysisRun, metric: &Metric, now: SimTime) -> Measurement;
    /// Resumes a measurement in flight.
    fn resume(
        &mut self,
        run: &AnalysisRun,
        metric: &Metric,
        m: Measurement,
        now: SimTime,
    ) -> Measurement;
    /// Stops a measurement in flight because the run is terminating.
    fn terminate(
        &mut self,
        run: &AnalysisRun,
        metric: &Metric,
        m: Measurement,
        now: SimTime,
    ) -> Measurement;
}

/// What one reconcile did.
#[derive(Debug, Default)]
pub struct Reconciled {
    /// Measurements that finished, by metric name.
    pub measured: Vec<(String, Measurement)>,
    /// The run's phase before and after, when it changed.
    pub phase_change: Option<(AnalysisPhase, AnalysisPhase)>,
    /// When the run wants to be reconciled again.
    pub next: Option<SimTime>,
}

/// `EvaluateResult`: judges a value against the metric's conditions.
pub fn evaluate(metric: &Metric, value: &Value) -> (AnalysisPhase, String) {
    let check = |c: &Option<super::metric::MetricCondition>| -> Result<Option<bool>, String> {
        match c {
            None => Ok(None),
            Some(c) => match &c.program {
                Ok(program) => eval_bool(program, value),
                Err(e) => Err(e.to_string()),
            }
            .map(Some)
            .map_err(|e| format!("could not evaluate `{}`: {e}", c.text)),
        }
    };
    let success = match check(&metric.success) {
        Ok(v) => v,
        Err(e) => return (AnalysisPhase::Error, e),
    };
    let failure = match check(&metric.failure) {
        Ok(v) => v,
        Err(e) => return (AnalysisPhase::Error, e),
    };
    let phase = match (success, failure) {
        (None, None) => AnalysisPhase::Successful,
        // Without a failure condition, anything but success is a failure, and vice versa.
        (Some(s), None) => {
            if s {
                AnalysisPhase::Successful
            } else {
                AnalysisPhase::Failed
            }
        }
        (None, Some(f)) => {
            if f {
                AnalysisPhase::Failed
            } else {
                AnalysisPhase::Successful
            }
        }
        (Some(s), Some(f)) => {
            if f {
                AnalysisPhase::Failed
            } else if s {
                AnalysisPhase::Successful
            } else {
                AnalysisPhase::Inconclusive
            }
        }
    };
    (phase, String::new())
}

/// Argo's `EvalCondition`: anything but a boolean is an error.
fn eval_bool(program: &Program, value: &Value) -> Result<bool, String> {
    program.eval_condition(value).map_err(|e| e.to_string())
}

/// One reconcile of `run` at `now`.
pub fn reconcile(run: &mut AnalysisRun, now: SimTime, provider: &mut dyn Provider) -> Reconciled {
    let mut out = Reconciled::default();
    if run.status.phase.completed() {
        return out;
    }
    let before = run.status.phase;
    let metrics = match &run.metrics {
        Ok(m) => m.clone(),
        Err(message) => {
            run.status.phase = AnalysisPhase::Error;
            run.status.message = message.clone();
            run.status.completed_at = Some(now);
            out.phase_change = Some((before, AnalysisPhase::Error));
            return out;
        }
    };

    // `generateMetricTasks` then `runMeasurements`.
    let terminating = run.is_terminating();
    for metric in &metrics {
        let Some(task) = task_for(run, metric, terminating, now) else {
            continue;
        };
        let (m, resumed) = match task {
            Task::New => (provider.run(run, metric, now), false),
            Task::Resume(m) if terminating => {
                let mut m = provider.terminate(run, metric, m, now);
                if m.phase == AnalysisPhase::Successful {
                    m.message = "Metric Terminated".into();
                }
                (m, true)
            }
            Task::Resume(m) => (provider.resume(run, metric, m, now), true),
        };
        record(run, metric, m, resumed, now, &mut out);
    }

    let (phase, message) = assess_run(run, &metrics, now);
    if phase != run.status.phase {
        run.status.phase = phase;
        run.status.message = message;
        if phase.completed() {
            run.status.completed_at = Some(now);
        }
    }
    trim_measurements(run, &metrics);
    if run.status.phase != before {
        out.phase_change = Some((before, run.status.phase));
    }
    out.next = if run.status.phase.completed() {
        None
    } else if run.is_terminating() {
        // Argo's status write re-queues the run at once (the informer's update handler), and
        // a terminating run completes on that reconcile: it never waits for another metric's
        // initial delay or interval.
        Some(now)
    } else {
        next_reconcile(run, &metrics)
    };
    out
}

enum Task {
    New,
    Resume(Measurement),
}

/// `generateMetricTasks` for one metric.
fn task_for(run: &AnalysisRun, metric: &Metric, terminating: bool, now: SimTime) -> Option<Task> {
    let result = run.result(&metric.name);
    if result.is_some_and(|r| r.phase.completed()) {
        return None;
    }
    let last = result.and_then(|r| r.measurements.last());
    if let Some(m) = last
        && m.finished_at.is_none()
    {
        // A terminating run stops its in-flight measurements now, not when they would resume.
        if !terminating && m.resume_at.is_some_and(|t| t > now) {
            return None;
        }
        return Some(Task::Resume(m.clone()));
    }
    if terminating {
        return None;
    }
    let Some(last) = last else {
        if let Some(delay) = metric.initial_delay {
            let started = run.status.started_at?;
            if started + delay > now {
                return None;
            }
        }
        return Some(Task::New);
    };
    if let (Some(c), Some(r)) = (metric.effective_count(), result)
        && i64::from(r.count) >= c
    {
        return None;
    }
    let interval = if last.phase == AnalysisPhase::Error {
        ERROR_RETRY
    } else {
        metric.interval.unwrap_or(ERROR_RETRY)
    };
    // Argo takes the measurement once `now` is after `finishedAt + interval`; the requeue
    // lands exactly on that instant, so "at or after" is what happens in practice.
    (last.finished_at.unwrap_or(last.started_at) + interval <= now).then_some(Task::New)
}

/// Adds a measurement to its metric's result and counters.
fn record(
    run: &mut AnalysisRun,
    metric: &Metric,
    mut m: Measurement,
    resumed: bool,
    now: SimTime,
    out: &mut Reconciled,
) {
    let idx = match run
        .status
        .metric_results
        .iter()
        .position(|r| r.name == metric.name)
    {
        Some(i) => i,
        None => {
            run.status.metric_results.push(MetricResult {
                name: metric.name.clone(),
                phase: AnalysisPhase::Running,
                dry_run: metric.dry_run,
                ..Default::default()
            });
            run.status.metric_results.len() - 1
        }
    };
    let r = &mut run.status.metric_results[idx];
    if m.phase.completed() {
        if m.finished_at.is_none() {
            m.finished_at = Some(now);
        }
        // Errors do not count toward `count`; anything but an error ends an error streak,
        // anything but a success ends a success streak.
        if m.phase == AnalysisPhase::Error {
            r.error += 1;
            r.consecutive_error += 1;
        } else {
            r.count += 1;
            r.consecutive_error = 0;
        }
        match m.phase {
            AnalysisPhase::Successful => {
                r.successful += 1;
                r.consecutive_success += 1;
            }
            AnalysisPhase::Failed => r.failed += 1,
            AnalysisPhase::Inconclusive => r.inconclusive += 1,
            _ => {}
        }
        if m.phase != AnalysisPhase::Successful {
            r.consecutive_success = 0;
        }
        out.measured.push((metric.name.clone(), m.clone()));
    }
    if resumed {
        if let Some(last) = r.measurements.last_mut() {
            *last = m;
        }
    } else {
        r.taken += 1;
        r.measurements.push(m);
    }
}

/// `assessMetricFailureInconclusiveOrError`: later checks win, so Error > Inconclusive >
/// Failed.
fn failure_inconclusive_or_error(
    metric: &Metric,
    r: &MetricResult,
) -> Option<(AnalysisPhase, String)> {
    // (phase, count, limit, what the message calls them); failureLimit -1 disables its check.
    let checks = [
        (
            AnalysisPhase::Failed,
            r.failed,
            metric.failure_limit,
            "failed",
            "failureLimit",
        ),
        (
            AnalysisPhase::Inconclusive,
            r.inconclusive,
            metric.inconclusive_limit,
            "inconclusive",
            "inconclusiveLimit",
        ),
        (
            AnalysisPhase::Error,
            r.consecutive_error,
            metric.consecutive_error_limit,
            "consecutiveErrors",
            "consecutiveErrorLimit",
        ),
    ];
    // The last check that holds wins.
    checks
        .into_iter()
        .rev()
        .find(|(_, count, limit, _, _)| *limit >= 0 && i64::from(*count) > *limit)
        .map(|(phase, count, limit, what, name)| {
            (phase, format!("{what} ({count}) > {name} ({limit})"))
        })
}

/// `assessMetricStatus`.
fn assess_metric(metric: &Metric, r: &MetricResult, terminating: bool) -> AnalysisPhase {
    if r.phase.completed() {
        return r.phase;
    }
    let Some(last) = r.measurements.last() else {
        return if terminating {
            AnalysisPhase::Successful
        } else {
            AnalysisPhase::Pending
        };
    };
    if !last.phase.completed() {
        return AnalysisPhase::Running;
    }
    if let Some((phase, _)) = failure_inconclusive_or_error(metric, r) {
        return phase;
    }
    let success_limit = metric.consecutive_success_limit;
    if success_limit > 0 && i64::from(r.consecutive_success) >= success_limit {
        return AnalysisPhase::Successful;
    }
    if let Some(c) = metric.effective_count()
        && i64::from(r.count) >= c
    {
        // The count ran out without the streak of successes asked for.
        return match (success_limit > 0, metric.failure_limit >= 0) {
            (true, true) => AnalysisPhase::Inconclusive,
            (true, false) => AnalysisPhase::Failed,
            (false, _) => AnalysisPhase::Successful,
        };
    }
    if terminating {
        return AnalysisPhase::Successful;
    }
    AnalysisPhase::Running
}

/// `assessRunStatus`: Running until every metric is done, then the worst phase of the metrics
/// that count; the message names the metric that decided.
fn assess_run(run: &mut AnalysisRun, metrics: &[Metric], now: SimTime) -> (AnalysisPhase, String) {
    if run.status.started_at.is_none() {
        run.status.started_at = Some(now);
    }
    let terminating = run.is_terminating();
    let mut worst: Option<AnalysisPhase> = None;
    let mut message = if run.terminate {
        "Run Terminated".to_string()
    } else {
        String::new()
    };
    let mut everything_completed = true;
    for metric in metrics {
        let Some(i) = run
            .status
            .metric_results
            .iter()
            .position(|r| r.name == metric.name)
        else {
            // A metric that has not started yet (an initial delay).
            everything_completed = false;
            continue;
        };
        let phase = assess_metric(metric, &run.status.metric_results[i], terminating);
        let r = &mut run.status.metric_results[i];
        if r.phase != phase {
            if let Some(last) = r.measurements.last() {
                r.message = last.message.clone();
            }
            r.phase = phase;
        }
        if !phase.completed() {
            everything_completed = false;
            continue;
        }
        let why = failure_inconclusive_or_error(metric, r).map(|(_, m)| m);
        if r.dry_run {
            worst.get_or_insert(AnalysisPhase::Successful);
            if let Some(why) = why {
                r.message = format!("Metric assessed {phase} due to {why}");
            }
        } else if worst.is_none_or(|w| phase > w) {
            worst = Some(phase);
            if let Some(why) = why {
                message = format!("Metric \"{}\" assessed {phase} due to {why}", metric.name);
                if !r.message.is_empty() {
                    message.push_str(&format!(": \"Error Message: {}\"", r.message));
                }
            }
        }
    }
    let message = message.trim().to_string();
    if terminating {
        return (worst.unwrap_or(AnalysisPhase::Successful), message);
    }
    match worst {
        Some(w) if everything_completed => (w, message),
        _ => (AnalysisPhase::Running, String::new()),
    }
}

/// `garbageCollectMeasurements`: keeps the last ten measurements per metric, or what
/// `measurementRetention` says.
fn trim_measurements(run: &mut AnalysisRun, metrics: &[Metric]) {
    for r in &mut run.status.metric_results {
        let limit = metrics
            .iter()
            .find(|m| m.name == r.name)
            .and_then(|m| m.retention)
            .filter(|&l| l > 0)
            .map_or(MEASUREMENT_HISTORY, |l| l as usize);
        if r.measurements.len() > limit {
            let drop = r.measurements.len() - limit;
            r.measurements.drain(..drop);
        }
    }
}

/// `calculateNextReconcileTime`.
fn next_reconcile(run: &AnalysisRun, metrics: &[Metric]) -> Option<SimTime> {
    let mut next: Option<SimTime> = None;
    let mut consider = |t: SimTime| {
        if next.is_none_or(|n| t < n) {
            next = Some(t);
        }
    };
    for metric in metrics {
        let result = run.result(&metric.name);
        if result.is_some_and(|r| r.phase.completed()) {
            continue;
        }
        let Some(last) = result.and_then(|r| r.measurements.last()) else {
            if let Some(delay) = metric.initial_delay {
                consider(run.status.started_at.unwrap_or(run.created) + delay);
            }
            continue;
        };
        let Some(finished) = last.finished_at else {
            if let Some(t) = last.resume_at {
                consider(t);
            }
            continue;
        };
        if let (Some(c), Some(r)) = (metric.effective_count(), result)
            && i64::from(r.count) >= c
        {
            continue;
        }
        if last.phase == AnalysisPhase::Error {
            consider(finished + ERROR_RETRY);
        } else if let Some(i) = metric.interval {
            consider(finished + i);
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::run::{AnalysisRunStatus, RunKind};
    use crate::analysis::spec::RunSpec;
    use crate::api::analysis::ProviderKind as Kind;

    /// Answers each measurement with the next phase of a script (the last one repeats).
    struct Scripted {
        phases: Vec<AnalysisPhase>,
        taken: usize,
    }

    impl Provider for Scripted {
        fn run(&mut self, _: &AnalysisRun, _: &Metric, now: SimTime) -> Measurement {
            let phase = self.phases[self.taken.min(self.phases.len() - 1)];
            self.taken += 1;
            Measurement {
                phase,
                started_at: now,
                finished_at: Some(now),
                value: String::new(),
                message: if phase == AnalysisPhase::Error {
                    "boom".into()
                } else {
                    String::new()
                },
                resume_at: None,
            }
        }
        fn resume(
            &mut self,
            _: &AnalysisRun,
            _: &Metric,
            m: Measurement,
            _: SimTime,
        ) -> Measurement {
            m
        }
        fn terminate(
            &mut self,
            _: &AnalysisRun,
            _: &Metric,
            mut m: Measurement,
            now: SimTime,
        ) -> Measurement {
            m.phase = AnalysisPhase::Successful;
            m.finished_at = Some(now);
            m
        }
    }

    fn metric(interval: Option<u64>, count: i64) -> Metric {
        Metric {
            name: "m".into(),
            provider: Kind::Web,
            interval: interval.map(SimDuration::from_secs),
            initial_delay: None,
            count,
            success: None,
            failure: None,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: super::super::metric::DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            consecutive_success_limit: 0,
            dry_run: false,
            retention: None,
        }
    }

    fn run_of(m: Metric) -> AnalysisRun {
        AnalysisRun {
            name: "r".into(),
            kind: RunKind::Background,
            pod_hash: "h".into(),
            revision: 2,
            spec: RunSpec {
                templates: vec!["t".into()],
                metrics: Vec::new(),
                args: Vec::new(),
                dry_run: Vec::new(),
                measurement_retention: Vec::new(),
            },
            metrics: Ok(vec![m]),
            args: Vec::new(),
            terminate: false,
            created: SimTime::ZERO,
            status: AnalysisRunStatus::default(),
        }
    }

    /// Reconciles at every requested time until the run ends or `limit` passes; returns the
    /// final phase, message and the times of the measurements.
    fn drive(
        run: &mut AnalysisRun,
        phases: &[AnalysisPhase],
        limit: SimTime,
    ) -> (AnalysisPhase, String, Vec<u64>) {
        let mut p = Scripted {
            phases: phases.to_vec(),
            taken: 0,
        };
        let mut now = SimTime::ZERO;
        let mut times = Vec::new();
        loop {
            let out = reconcile(run, now, &mut p);
            times.extend(out.measured.iter().map(|_| now.as_millis() / 1000));
            match out.next {
                Some(t) if t <= limit && !run.status.phase.completed() => now = t,
                _ => break,
            }
        }
        (run.status.phase, run.status.message.clone(), times)
    }

    use AnalysisPhase::*;

    #[test]
    fn count_and_interval_schedule_measurements() {
        let mut run = run_of(metric(Some(60), 3));
        let (phase, _, times) = drive(&mut run, &[Successful], SimTime::from_secs(3600));
        assert_eq!(phase, Successful);
        assert_eq!(times, [0, 60, 120]);
    }

    #[test]
    fn the_first_failure_fails_with_argos_message() {
        let mut run = run_of(metric(Some(10), 5));
        let (phase, message, times) =
            drive(&mut run, &[Successful, Failed], SimTime::from_secs(3600));
        assert_eq!(phase, Failed);
        assert_eq!(times, [0, 10]);
        assert_eq!(
            message,
            "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)"
        );
    }

    #[test]
    fn a_failed_metric_ends_the_run_without_waiting_for_another_metrics_delay() {
        let mut delayed = metric(None, 0);
        delayed.name = "later".into();
        delayed.initial_delay = Some(SimDuration::from_secs(60));
        let mut run = run_of(metric(Some(10), 5));
        run.metrics.as_mut().unwrap().push(delayed);
        let (phase, message, times) = drive(&mut run, &[Failed], SimTime::from_secs(3600));
        assert_eq!(phase, Failed);
        assert_eq!(times, [0]);
        // Completed on the re-queue at the same instant, not at the other metric's 60 s.
        assert_eq!(run.status.completed_at, Some(SimTime::ZERO));
        assert_eq!(
            message,
            "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)"
        );
        // The metric that never measured is judged as terminated: Successful.
        assert_eq!(run.result("later").map(|r| r.phase), None);
    }

    #[test]
    fn failure_limit_tolerates_failures_and_minus_one_disables() {
        let mut m = metric(Some(10), 4);
        m.failure_limit = 2;
        let mut run = run_of(m.clone());
        let (phase, _, _) = drive(
            &mut run,
            &[Failed, Failed, Successful, Successful],
            SimTime::from_secs(3600),
        );
        assert_eq!(phase, Successful);
        m.failure_limit = -1;
        let mut run = run_of(m);
        let (phase, _, _) = drive(&mut run, &[Failed], SimTime::from_secs(3600));
        assert_eq!(phase, Successful);
    }

    #[test]
    fn errors_retry_after_ten_seconds_and_the_fifth_in_a_row_errors_the_run() {
        let mut run = run_of(metric(Some(60), 3));
        let (phase, message, times) = drive(&mut run, &[Error], SimTime::from_secs(3600));
        assert_eq!(phase, Error);
        assert_eq!(times, [0, 10, 20, 30, 40]);
        assert!(
            message.starts_with(
                "Metric \"m\" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)"
            ),
            "{message}"
        );
        assert!(message.ends_with(": \"Error Message: boom\""), "{message}");
    }

    #[test]
    fn errors_do_not_count_toward_count() {
        let mut run = run_of(metric(Some(60), 2));
        let (phase, _, times) = drive(
            &mut run,
            &[Error, Successful, Successful],
            SimTime::from_secs(3600),
        );
        assert_eq!(phase, Successful);
        assert_eq!(times, [0, 10, 70]);
        let r = run.result("m").unwrap();
        assert_eq!((r.count, r.error, r.successful), (2, 1, 2));
    }

    #[test]
    fn inconclusive_beats_failed_when_both_limits_are_passed() {
        let mut m = metric(Some(10), 10);
        m.failure_limit = 1;
        m.inconclusive_limit = 1;
        let mut run = run_of(m);
        // After the third measurement: failed 2 > 1 but inconclusive 1; Failed.
        let (phase, _, times) = drive(
            &mut run,
            &[Failed, Inconclusive, Failed],
            SimTime::from_secs(3600),
        );
        assert_eq!((phase, times.len()), (Failed, 3));
        let mut m = metric(Some(10), 10);
        m.failure_limit = 1;
        m.inconclusive_limit = 1;
        let mut run = run_of(m);
        // Measurements 3 and 4 push both counters over the limit in one assessment.
        let mut p = Scripted {
            phases: vec![Failed, Inconclusive],
            taken: 0,
        };
        reconcile(&mut run, SimTime::ZERO, &mut p);
        reconcile(&mut run, SimTime::from_secs(10), &mut p);
        let r = &mut run.status.metric_results[0];
        r.failed = 2;
        r.inconclusive = 2;
        let m = run.metrics.as_ref().unwrap()[0].clone();
        let got = failure_inconclusive_or_error(&m, &run.status.metric_results[0]);
        assert_eq!(got.map(|(p, _)| p), Some(Inconclusive));
    }

    #[test]
    fn an_unbounded_metric_runs_until_terminated() {
        let mut run = run_of(metric(Some(30), 0));
        let (phase, _, times) = drive(&mut run, &[Successful], SimTime::from_secs(300));
        assert_eq!(phase, Running);
        assert_eq!(times.len(), 11);
        run.terminate = true;
        let mut p = Scripted {
            phases: vec![Successful],
            taken: 0,
        };
        reconcile(&mut run, SimTime::from_secs(301), &mut p);
        assert_eq!(run.status.phase, Successful);
        assert_eq!(run.status.message, "Run Terminated");
    }

    #[test]
    fn initial_delay_postpones_the_first_measurement() {
        let mut m = metric(None, 0);
        m.initial_delay = Some(SimDuration::from_secs(90));
        let mut run = run_of(m);
        let (phase, _, times) = drive(&mut run, &[Successful], SimTime::from_secs(3600));
        assert_eq!(phase, Successful);
        assert_eq!(times, [90]);
    }

    #[test]
    fn consecutive_success_limit_ends_early_or_not_at_all() {
        let mut m = metric(Some(10), 5);
        m.consecutive_success_limit = 2;
        let mut run = run_of(m.clone());
        let (phase, _, times) = drive(
            &mut run,
            &[Failed, Successful, Successful],
            SimTime::from_secs(3600),
        );
        // failureLimit 0: the first failure already fails the metric.
        assert_eq!((phase, times.len()), (Failed, 1));
        m.failure_limit = -1;
        let mut run = run_of(m.clone());
        let (phase, _, times) = drive(
            &mut run,
            &[Failed, Successful, Successful],
            SimTime::from_secs(3600),
        );
        assert_eq!((phase, times.len()), (Successful, 3));
        // The streak never comes: with failureLimit disabled the count running out fails it.
        let mut run = run_of(m);
        let (phase, _, _) = drive(&mut run, &[Successful, Failed], SimTime::from_secs(3600));
        assert_eq!(phase, Failed);
    }

    #[test]
    fn dry_run_metrics_never_fail_the_run() {
        let mut m = metric(Some(10), 2);
        m.dry_run = true;
        let mut run = run_of(m);
        let (phase, _, _) = drive(&mut run, &[Failed], SimTime::from_secs(3600));
        assert_eq!(phase, Successful);
        assert_eq!(
            run.result("m").unwrap().message,
            "Metric assessed Failed due to failed (1) > failureLimit (0)"
        );
    }

    #[test]
    fn measurement_history_is_trimmed_to_ten() {
        let mut run = run_of(metric(Some(1), 25));
        drive(&mut run, &[Successful], SimTime::from_secs(3600));
        let r = run.result("m").unwrap();
        assert_eq!((r.measurements.len(), r.count, r.taken), (10, 25, 25));
    }
}
