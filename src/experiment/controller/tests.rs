//! The experiment controller's assessment, driven reconcile by reconcile against a tiny fake
//! cluster: ReplicaSets whose pods are available a fixed time after they are asked for, and
//! AnalysisRuns whose phase the test sets.

use std::collections::BTreeMap;

use super::*;
use crate::api::PodTemplate;
use crate::api::analysis::{Origin, RolloutAnalysis, TemplateRef};
use crate::experiment::{ExperimentSpec, TemplateSpec};

fn template(name: &str) -> TemplateSpec {
    TemplateSpec {
        name: name.into(),
        replicas: 1,
        template: PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": name}]}}),
        ),
        hash: format!("h{name}"),
        min_ready_seconds: 0,
        selector: BTreeMap::new(),
        service: None,
        has_ports: false,
    }
}

fn analysis(name: &str, required: bool) -> AnalysisSpec {
    AnalysisSpec {
        name: name.into(),
        required_for_completion: required,
        analysis: RolloutAnalysis {
            templates: vec![TemplateRef {
                name: "tpl".into(),
                cluster_scope: false,
                origin: Origin::default(),
            }],
            args: Vec::new(),
            dry_run: Vec::new(),
            measurement_retention: Vec::new(),
            origin: Origin::default(),
        },
    }
}

fn analysis_template() -> AnalysisTemplate {
    let (m, _) = crate::manifest::parse_text(
        "t.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: tpl}\nspec:\n  metrics: [{name: m, provider: {web: {url: x}}}]\n",
    )
    .expect("template");
    m.templates[0].clone()
}

fn experiment(duration: Option<u64>, analyses: Vec<AnalysisSpec>) -> Experiment {
    Experiment {
        name: "ro-abc-2-1".into(),
        step_index: 1,
        pod_hash: "abc".into(),
        stable_hash: "old".into(),
        revision: 2,
        spec: ExperimentSpec {
            templates: vec![template("baseline"), template("canary")],
            duration: duration.map(SimDuration::from_secs),
            progress_deadline_seconds: 600,
            scale_down_delay_seconds: 30,
            analyses,
        },
        terminate: false,
        created: SimTime::ZERO,
        status: ExperimentStatus::default(),
    }
}

/// The experiment's world: its ReplicaSets (pods available `startup` after they are asked
/// for) and the runs it created.
struct World {
    ex: Experiment,
    rss: Vec<TemplateRs>,
    /// When each ReplicaSet's pods were asked for.
    asked: Vec<SimTime>,
    runs: Vec<RunState>,
    startup: SimDuration,
    templates: Vec<AnalysisTemplate>,
    events: Vec<RolloutEvent>,
    /// Services of the namespace the experiment does not own.
    foreign: Vec<&'static str>,
}

impl World {
    fn new(ex: Experiment) -> World {
        World {
            ex,
            rss: Vec::new(),
            asked: Vec::new(),
            runs: Vec::new(),
            startup: SimDuration::from_secs(5),
            templates: vec![analysis_template()],
            events: Vec::new(),
            foreign: Vec::new(),
        }
    }

    /// Pod availability at `now`.
    fn pods(&mut self, now: SimTime) {
        for (rs, asked) in self.rss.iter_mut().zip(&self.asked) {
            rs.replicas = rs.spec;
            rs.available = if now >= *asked + self.startup {
                rs.spec
            } else {
                0
            };
            rs.ready = rs.available;
        }
    }

    /// Reconciles at `now` until nothing changes; returns the requeue times asked for.
    fn settle(&mut self, now: SimTime) -> Vec<SimTime> {
        let mut requeue = Vec::new();
        for _ in 0..50 {
            self.pods(now);
            let plan = reconcile(&ExperimentInput {
                experiment: &self.ex,
                replica_sets: &self.rss,
                runs: &self.runs,
                templates: &self.templates,
                foreign_services: &self.foreign,
                start: DateTime::<Utc>::default(),
                now,
            });
            requeue.extend(plan.requeue.iter().copied());
            if plan.is_noop() {
                return requeue;
            }
            self.events.extend(plan.rollout_events.clone());
            for a in plan.writes {
                self.apply(a, now);
            }
            if let Some(st) = plan.status {
                self.ex.status = st;
            }
        }
        panic!("the experiment controller did not settle");
    }

    fn apply(&mut self, a: ExperimentWrite, now: SimTime) {
        match a {
            ExperimentWrite::CreateReplicaSet { template } => {
                self.rss.push(TemplateRs {
                    name: self.ex.replica_set_name(&template).into(),
                    hash: smol_str::format_smolstr!("h{template}"),
                    template,
                    spec: 0,
                    replicas: 0,
                    ready: 0,
                    available: 0,
                    scale_down_deadline: None,
                });
                self.asked.push(now);
            }
            ExperimentWrite::ScaleReplicaSet { name, to, .. } => {
                let i = self.rss.iter().position(|r| r.name == name).unwrap();
                self.rss[i].spec = to;
                self.asked[i] = now;
            }
            ExperimentWrite::SetScaleDownDeadline { name, at } => {
                self.rss
                    .iter_mut()
                    .find(|r| r.name == name)
                    .unwrap()
                    .scale_down_deadline = Some(at);
            }
            ExperimentWrite::RemoveScaleDownDeadline { name } => {
                self.rss
                    .iter_mut()
                    .find(|r| r.name == name)
                    .unwrap()
                    .scale_down_deadline = None;
            }
            ExperimentWrite::CreateAnalysisRun { name, .. } => self.runs.push(RunState {
                name,
                phase: AnalysisPhase::Running,
                message: String::new(),
                terminate: false,
            }),
            ExperimentWrite::TerminateAnalysisRun { name } => {
                let r = self.runs.iter_mut().find(|r| r.name == name).unwrap();
                r.terminate = true;
                r.phase = AnalysisPhase::Successful;
                r.message = "Run Terminated".into();
            }
        }
    }

    fn phase(&self) -> Option<AnalysisPhase> {
        self.ex.status.phase
    }

    fn specs(&self) -> Vec<u32> {
        self.rss.iter().map(|r| r.spec).collect()
    }

    fn set_run(&mut self, phase: AnalysisPhase, message: &str) {
        self.runs[0].phase = phase;
        self.runs[0].message = message.into();
    }
}

use AnalysisPhase::*;

const fn t(s: u64) -> SimTime {
    SimTime(s * 1000)
}

#[test]
fn runs_for_its_duration_once_available_then_scales_down_after_the_delay() {
    let mut w = World::new(experiment(Some(60), Vec::new()));
    w.settle(t(0));
    assert_eq!(w.phase(), Some(Pending));
    assert_eq!(
        w.specs(),
        [1, 1],
        "created at 0, then scaled to the template's replicas"
    );
    assert_eq!(w.ex.status.available_at, None);
    let wake = w.settle(t(5));
    assert_eq!(w.phase(), Some(Running));
    assert_eq!(w.ex.status.available_at, Some(t(5)));
    assert!(wake.contains(&t(65)), "{wake:?}");
    w.settle(t(64));
    assert_eq!(w.phase(), Some(Running));
    w.settle(t(65));
    assert_eq!(w.phase(), Some(Successful));
    assert_eq!(w.ex.status.message, "");
    assert_eq!(w.specs(), [1, 1], "the pods stay for scaleDownDelaySeconds");
    assert!(w.rss.iter().all(|r| r.scale_down_deadline == Some(t(95))));
    w.settle(t(95));
    assert_eq!(w.specs(), [0, 0]);
}

#[test]
fn a_failed_analysis_fails_the_experiment_with_its_message() {
    let mut w = World::new(experiment(Some(600), vec![analysis("compare", false)]));
    w.settle(t(0));
    w.settle(t(5));
    assert_eq!(w.runs.len(), 1);
    assert_eq!(w.runs[0].name, "ro-abc-2-1-compare");
    assert_eq!(w.phase(), Some(Running));
    w.set_run(
        Failed,
        "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)",
    );
    w.settle(t(20));
    assert_eq!(w.phase(), Some(Failed));
    assert_eq!(
        w.ex.status.message,
        "Metric \"m\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    assert!(w.events.iter().any(|e| {
        e.reason == "AnalysisRunFailed"
            && e.message
                .starts_with("AnalysisRun 'compare' transitioned from Running -> Failed")
    }));
    w.settle(t(50));
    assert_eq!(w.specs(), [0, 0]);
}

#[test]
fn inconclusive_and_error_runs_end_it_too() {
    for (phase, want) in [(Inconclusive, Inconclusive), (Error, Error)] {
        let mut w = World::new(experiment(None, vec![analysis("a", false)]));
        w.settle(t(0));
        w.settle(t(5));
        w.set_run(phase, "x");
        w.settle(t(6));
        assert_eq!(w.phase(), Some(want));
    }
}

#[test]
fn without_duration_it_runs_until_required_analyses_succeed() {
    let mut w = World::new(experiment(None, vec![analysis("opt", false)]));
    w.settle(t(0));
    w.settle(t(5));
    w.set_run(Successful, "");
    w.settle(t(3600));
    assert_eq!(
        w.phase(),
        Some(Running),
        "a successful optional analysis does not end it"
    );

    let mut w = World::new(experiment(None, vec![analysis("req", true)]));
    w.settle(t(0));
    w.settle(t(5));
    w.settle(t(100));
    assert_eq!(w.phase(), Some(Running));
    w.set_run(Successful, "");
    w.settle(t(120));
    assert_eq!(w.phase(), Some(Successful));
    assert_eq!(w.ex.status.message, "Required AnalysisRuns completed");
}

#[test]
fn the_duration_does_not_wait_for_optional_analyses() {
    let mut w = World::new(experiment(Some(30), vec![analysis("opt", false)]));
    w.settle(t(0));
    w.settle(t(5));
    w.settle(t(35));
    assert_eq!(w.phase(), Some(Successful));
    assert!(w.runs[0].terminate, "the run still going is terminated");
    // A required one keeps it Running after the duration.
    let mut w = World::new(experiment(Some(30), vec![analysis("req", true)]));
    w.settle(t(0));
    w.settle(t(5));
    w.settle(t(35));
    assert_eq!(w.phase(), Some(Running));
}

#[test]
fn a_template_never_available_fails_at_the_progress_deadline() {
    let mut w = World::new(experiment(Some(60), Vec::new()));
    w.startup = SimDuration::from_secs(100_000);
    w.settle(t(0));
    let wake = w.settle(t(1));
    assert!(wake.contains(&t(600)), "{wake:?}");
    w.settle(t(599));
    assert_eq!(w.phase(), Some(Pending));
    w.settle(t(600));
    assert_eq!(w.phase(), Some(Failed));
    assert_eq!(
        w.ex.status.message,
        "Template 'baseline' exceeded its progressDeadlineSeconds (600)"
    );
}

#[test]
fn a_missing_template_errors_before_anything_runs() {
    let mut w = World::new(experiment(Some(60), vec![analysis("a", false)]));
    w.templates.clear();
    w.settle(t(0));
    w.settle(t(1));
    assert_eq!(w.phase(), Some(Error));
    assert_eq!(
        w.ex.status.message,
        "AnalysisTemplate verification failed for analysis 'a': analysistemplates.argoproj.io \"tpl\" not found"
    );
}

#[test]
fn terminated_by_the_rollout_it_ends_successful() {
    let mut w = World::new(experiment(None, vec![analysis("a", false)]));
    w.settle(t(0));
    w.settle(t(5));
    w.ex.terminate = true;
    w.settle(t(10));
    assert_eq!(w.phase(), Some(Successful));
    assert!(w.runs[0].terminate);
    w.settle(t(40));
    assert_eq!(w.specs(), [0, 0]);
}

#[test]
fn template_placeholders_resolve_in_arguments() {
    let mut a = analysis("a", false);
    a.analysis.args = vec![Argument {
        name: "canary-hash".into(),
        value: Some("{{ templates.canary.podTemplateHash }}".into()),
        value_from: None,
    }];
    let mut w = World::new(experiment(None, vec![a]));
    w.settle(t(0));
    let ex = w.ex.clone();
    w.pods(t(5));
    let plan = reconcile(&ExperimentInput {
        experiment: &ex,
        replica_sets: &w.rss,
        runs: &w.runs,
        templates: &w.templates,
        foreign_services: &[],
        start: DateTime::<Utc>::default(),
        now: t(5),
    });
    w.ex.status = plan.status.unwrap();
    let plan = reconcile(&ExperimentInput {
        experiment: &w.ex,
        replica_sets: &w.rss,
        runs: &w.runs,
        templates: &w.templates,
        foreign_services: &[],
        start: DateTime::<Utc>::default(),
        now: t(5),
    });
    let args = plan
        .writes
        .iter()
        .find_map(|a| match a {
            ExperimentWrite::CreateAnalysisRun { args, .. } => Some(args.clone()),
            _ => None,
        })
        .expect("run created");
    assert_eq!(args[0].value.as_deref(), Some("hcanary"));
}

/// The API server's refusal of a Service name, in its words (`IsDNS1035Label`): too long,
/// not a label, or both (bracketed, comma-separated).
#[test]
fn service_names_are_refused_as_the_api_server_words_it() {
    let long = format!("a{}", "-b".repeat(32));
    assert_eq!(long.len(), 65);
    assert_eq!(service_name_refusal(&long[..63]), None);
    assert_eq!(service_name_refusal("exp-1-canary"), None);
    assert_eq!(
        service_name_refusal(&long).as_deref(),
        Some(
            format!(
                "Service \"{long}\" is invalid: metadata.name: Invalid value: \"{long}\": must be \
                 no more than 63 characters"
            )
            .as_str()
        )
    );
    let label = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', \
                 start with an alphabetic character, and end with an alphanumeric character \
                 (e.g. 'my-name',  or 'abc-123', regex used for validation is \
                 '[a-z]([-a-z0-9]*[a-z0-9])?')";
    for bad in ["1app-x", "app.v2-x", "app-", "App-x"] {
        assert_eq!(
            service_name_refusal(bad),
            Some(format!(
                "Service \"{bad}\" is invalid: metadata.name: Invalid value: \"{bad}\": {label}"
            )),
            "{bad}"
        );
    }
    let both = format!("9{}", &long[1..]);
    let field = |p: &str| format!("metadata.name: Invalid value: \"{both}\": {p}");
    assert_eq!(
        service_name_refusal(&both),
        Some(format!(
            "Service \"{both}\" is invalid: [{}, {}]",
            field("must be no more than 63 characters"),
            field(label)
        ))
    );
}

/// A template whose Service would get a name the API server refuses ends in Error with the
/// refusal, and the experiment with it.
#[test]
fn a_refused_service_name_errors_the_template_and_the_experiment() {
    let mut w = World::new(experiment(Some(60), vec![]));
    w.ex.name = smol_str::format_smolstr!("{}-6c45fc6c5-2-1", "r".repeat(45));
    for t in &mut w.ex.spec.templates {
        t.service = Some(None);
        t.has_ports = true;
    }
    w.settle(t(0));
    let status = &w.ex.status;
    assert_eq!(status.phase, Some(Error), "{status:?}");
    assert!(
        status
            .message
            .starts_with(&format!("Failed to create Service {}-", w.ex.name))
            && status
                .message
                .contains("': cannot create service: Service \"")
            && status
                .message
                .ends_with("must be no more than 63 characters"),
        "{}",
        status.message
    );
    let ts = &status.template_statuses[0];
    assert_eq!(ts.status, Some(TemplateCode::Error));
    assert!(ts.service_name.is_empty());
}

/// Both templates ask for the Service `exp-svc`: the first creates it, the second finds it
/// taken by another template (`CreateService`: "already exists and is not owned by experiment
/// template") and errors, which ends the experiment in Error. (Pods start at once here, so the
/// first template's Service outlives the failure for `scaleDownDelaySeconds`.)
#[test]
fn a_service_name_two_templates_share_errors_the_second() {
    let mut w = World::new(experiment(Some(60), vec![]));
    w.startup = SimDuration::ZERO;
    for t in &mut w.ex.spec.templates {
        t.service = Some(Some("exp-svc".into()));
        t.has_ports = true;
    }
    w.settle(t(0));
    let status = &w.ex.status;
    let [first, second] = &status.template_statuses[..] else {
        panic!("{status:?}")
    };
    assert_eq!(first.service_name, "exp-svc");
    assert_eq!(second.status, Some(TemplateCode::Error));
    assert!(second.service_name.is_empty());
    assert_eq!(
        second.message,
        "Failed to create Service exp-svc for template 'canary': service exp-svc already \
         exists and is not owned by experiment template canary"
    );
    assert_eq!(status.phase, Some(Error), "{status:?}");
}

/// A template Service named like a Service the experiment does not own (the rollout's stable
/// Service) cannot be created; a free name can.
#[test]
fn a_service_name_taken_in_the_namespace_errors_the_template() {
    let mut w = World::new(experiment(Some(60), vec![]));
    w.startup = SimDuration::ZERO;
    w.foreign = vec!["stable-svc"];
    w.ex.spec.templates[0].service = Some(Some("stable-svc".into()));
    w.ex.spec.templates[1].service = Some(Some("canary-exp".into()));
    for t in &mut w.ex.spec.templates {
        t.has_ports = true;
    }
    w.settle(t(0));
    let [baseline, canary] = &w.ex.status.template_statuses[..] else {
        panic!("{:?}", w.ex.status)
    };
    assert_eq!(baseline.status, Some(TemplateCode::Error));
    assert!(
        baseline.message.ends_with(
            "service stable-svc already exists and is not owned by experiment template baseline"
        ),
        "{}",
        baseline.message
    );
    assert_eq!(canary.service_name, "canary-exp");
}

/// A template's Service lives while its ReplicaSet runs: recorded with the hash it selects
/// once the ReplicaSet exists, forgotten (`deleteTemplateService`) once the experiment is over
/// and the ReplicaSet has no available pod left, not before.
#[test]
fn a_template_service_is_forgotten_once_its_pods_are_gone() {
    let mut w = World::new(experiment(Some(60), Vec::new()));
    for t in &mut w.ex.spec.templates {
        t.service = Some(None);
        t.has_ports = true;
    }
    w.settle(t(0));
    let names = |w: &World| -> Vec<String> {
        w.ex.status
            .template_statuses
            .iter()
            .map(|s| format!("{}@{}", s.service_name, s.pod_template_hash))
            .collect()
    };
    assert_eq!(
        names(&w),
        ["ro-abc-2-1-baseline@hbaseline", "ro-abc-2-1-canary@hcanary"]
    );
    w.settle(t(5));
    w.settle(t(65));
    assert_eq!(w.phase(), Some(Successful));
    assert_eq!(
        names(&w),
        ["ro-abc-2-1-baseline@hbaseline", "ro-abc-2-1-canary@hcanary"],
        "kept while the pods stay for scaleDownDelaySeconds"
    );
    w.settle(t(95));
    assert_eq!(w.specs(), [0, 0]);
    assert_eq!(names(&w), ["@", "@"]);
}
