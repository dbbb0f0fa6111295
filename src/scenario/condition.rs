//! Conditions (SCENARIO.md §2; the type is `Expectation`): what `wait`, `expect` and the final
//! expectation check, and the `Observation` of the simulated world they are checked against.

use smol_str::SmolStr;
use std::collections::BTreeMap;
use std::fmt;

use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::rollout::Phase;
use crate::rollout::status::{CompletionStatus, DurationStatus};

/// Per-role values: `stable`, `canary`, `active`, `preview` (and `total` for counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles<T> {
    /// The canary strategy's stable ReplicaSet (`status.stableRS`).
    pub stable: T,
    /// The canary strategy's new ReplicaSet while an update is in progress.
    pub canary: T,
    /// The blue-green active Service's ReplicaSet (`status.blueGreen.activeSelector`).
    pub active: T,
    /// The blue-green preview Service's ReplicaSet (`status.blueGreen.previewSelector`).
    pub preview: T,
}

impl<T> Roles<T> {
    /// The roles with the names conditions use for them, in the order messages list them.
    pub fn entries(&self) -> [(&'static str, &T); 4] {
        [
            ("stable", &self.stable),
            ("canary", &self.canary),
            ("active", &self.active),
            ("preview", &self.preview),
        ]
    }
}

/// Pod counts by role, the pods of the rollout's Experiments, and the total of every
/// non-terminating pod (the Experiments' included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCounts {
    /// Pods of the ReplicaSet in each role.
    pub roles: Roles<u32>,
    /// Pods of the ReplicaSets the rollout's Experiments created.
    pub experiment: u32,
    /// Every non-terminating pod, whatever its role.
    pub total: u32,
}

/// Expected pod counts; each key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCountsExpect {
    /// The count expected in each role (`None`: not checked).
    pub roles: Roles<Option<u32>>,
    /// The expected count of Experiment pods.
    pub experiment: Option<u32>,
    /// The expected count of all non-terminating pods.
    pub total: Option<u32>,
}

/// The traffic router's weights: to the canary, to the stable, and to a running
/// experiment's templates (summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouterWeights<T> {
    /// `status.canary.weights.canary.weight`, in percent.
    pub canary: T,
    /// `status.canary.weights.stable.weight`, in percent.
    pub stable: T,
    /// The sum of `status.canary.weights.additional[].weight`, in percent.
    pub experiment: T,
}

/// The rollout's replica counts as `kubectl argo rollouts get rollout` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replicas<T> {
    /// `spec.replicas` (1 when unset).
    pub desired: T,
    /// `status.replicas`: pods of every ReplicaSet of the rollout.
    pub current: T,
    /// `status.updatedReplicas`: pods of the newest ReplicaSet.
    pub updated: T,
    /// `status.readyReplicas`.
    pub ready: T,
    /// `status.availableReplicas`: Ready for at least `minReadySeconds`.
    pub available: T,
}

impl<T> Replicas<T> {
    /// The counts with the names conditions use for them (`replicas.desired`, ...).
    pub fn entries(&self) -> [(&'static str, &T); 5] {
        [
            ("desired", &self.desired),
            ("current", &self.current),
            ("updated", &self.updated),
            ("ready", &self.ready),
            ("available", &self.available),
        ]
    }
}

/// `duration:` keys of a condition (each optional); times are virtual, since the start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationExpect {
    /// Whether `status.duration.finishedAt` is set.
    pub finished: Option<bool>,
    /// Whether a manual pause is being timed (`manualPauseStartedAt` is set).
    pub manually_paused: Option<bool>,
    /// Bounds `(min, max)` on `rolloutStartedAt`.
    pub started_at: (Option<SimDuration>, Option<SimDuration>),
    /// Bounds `(min, max)` on `finishedAt`.
    pub finished_at: (Option<SimDuration>, Option<SimDuration>),
    /// Bounds `(min, max)` on `totalManualPauseDurationSeconds` (absent counts as 0).
    pub total_manual_pause: (Option<SimDuration>, Option<SimDuration>),
}

impl DurationExpect {
    fn is_empty(&self) -> bool {
        *self == DurationExpect::default()
    }

    fn check(&self, d: Option<&DurationStatus>, out: &mut Sink) {
        let since_start = |t: Option<SimTime>| t.map(|t| t - SimTime::ZERO);
        let finished = d.and_then(|d| d.finished_at);
        check(
            out,
            || "duration.finished".into(),
            &self.finished,
            &finished.is_some(),
        );
        let paused = d.is_some_and(|d| d.manual_pause_started_at.is_some());
        check(
            out,
            || "duration.manuallyPaused".into(),
            &self.manually_paused,
            &paused,
        );
        let total = d
            .and_then(|d| d.total_manual_pause_seconds)
            .map(SimDuration::from_secs)
            .unwrap_or_default();
        let ranges = [
            (
                "startedAt",
                self.started_at,
                since_start(d.and_then(|d| d.rollout_started_at)),
            ),
            ("finishedAt", self.finished_at, since_start(finished)),
            ("totalManualPause", self.total_manual_pause, Some(total)),
        ];
        for (key, (min, max), got) in ranges {
            let below = min.is_some_and(|m| got.is_none_or(|g| g < m));
            let above = max.is_some_and(|m| got.is_none_or(|g| g > m));
            if below || above {
                out.push(|| Mismatch {
                    key: format!("duration.{key}"),
                    expected: [
                        min.map(|m| format!("at least {m}")),
                        max.map(|m| format!("at most {m}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" and "),
                    actual: got.map_or("unset".to_string(), |g| g.to_string()),
                });
            }
        }
    }
}

/// A condition of `wait`, `expect` or an invariant (SCENARIO.md §2): every key that is set
/// must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectation {
    /// The phase Argo's rules give the rollout (`status.phase`).
    pub phase: Option<Phase>,
    /// A substring the phase message must contain.
    pub message: Option<String>,
    /// `status.currentStepIndex` (0-based; the number of steps once all are done).
    pub step: Option<u32>,
    /// The step's weight in percent, as `kubectl argo rollouts get rollout` shows it.
    pub set_weight: Option<u32>,
    /// The weight in percent the canary actually gets, as the plugin shows it.
    pub actual_weight: Option<u32>,
    /// `status.abort`.
    pub aborted: Option<bool>,
    /// `spec.paused` or any pause condition.
    pub paused: Option<bool>,
    /// The revision of the newest ReplicaSet.
    pub revision: Option<u64>,
    /// `status.duration.completionStatus` of the current update attempt (`Some(None)`: not
    /// known yet).
    pub completion_status: Option<Option<CompletionStatus>>,
    /// The other keys of `duration:`.
    pub duration: DurationExpect,
    /// The image each role's ReplicaSet runs.
    pub images: Roles<Option<String>>,
    /// The rollout's replica counts (`replicas:`).
    pub replicas: Replicas<Option<u32>>,
    /// Non-terminating pods by role (`pods:`).
    pub pods: RoleCountsExpect,
    /// Ready pods by role (`readyPods:`).
    pub ready_pods: RoleCountsExpect,
    /// ReplicaSets of the rollout that exist (`replicaSets.total`).
    pub replica_sets_total: Option<u32>,
    /// ReplicaSets with `spec.replicas > 0` (`replicaSets.scaledUp`).
    pub replica_sets_scaled_up: Option<u32>,
    /// Phase of the latest AnalysisRun by template name, step index or run name.
    pub analysis: BTreeMap<String, String>,
    /// Phase of the latest Experiment by full name or step index.
    pub experiments: BTreeMap<String, String>,
    /// The router's weights: canary, stable, and the experiment's (summed).
    pub weights: RouterWeights<Option<i32>>,
    /// The managed routes the router holds, in precedence order.
    pub routes: Option<Vec<String>>,
    /// Requests served by the versions of a role (`stable`, ..., `total`): `(min, max)`.
    pub requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// Failed requests, the same way.
    pub failed_requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// Mirrored requests (copies a mirror route sent), the same way.
    pub mirrored_requests: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// Virtual time since the scenario started must be at most this (`elapsed.max`).
    pub elapsed_max: Option<SimDuration>,
    /// ... and at least this (`elapsed.min`).
    pub elapsed_min: Option<SimDuration>,
    /// A nested condition that must not hold.
    pub not: Option<Box<Expectation>>,
}

/// The parts of an [`Observation`] that cost more than reading the rollout's status (maps
/// built from every AnalysisRun, Experiment and traffic version, a walk over the
/// ReplicaSets): a condition that reads none of them is checked against an observation
/// without them. A `wait` is checked after every change of the world, so it gathers only
/// what it reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    /// Gather the phases of the AnalysisRuns.
    pub analysis: bool,
    /// Gather the phases of the Experiments.
    pub experiments: bool,
    /// Gather the router's managed routes.
    pub routes: bool,
    /// Sum the requests each role's versions served.
    pub traffic: bool,
    /// Sum the mirrored requests the same way.
    pub mirrored: bool,
    /// Copy the image of each role's ReplicaSet (a string per role, and checks run after
    /// every change of the world).
    pub images: bool,
    /// Walk the ReplicaSets: `revision`, `replicaSets`, the `total` and `experiment` pod
    /// counts.
    pub replica_sets: bool,
    /// Tell each ReplicaSet's roles on that walk: pod counts by role.
    pub roles: bool,
    /// Count the canary's available pods: `actualWeight`.
    pub actual_weight: bool,
}

impl Reads {
    /// Everything: the whole observation, as `get` would show it.
    pub const ALL: Reads = Reads {
        analysis: true,
        experiments: true,
        routes: true,
        traffic: true,
        mirrored: true,
        images: true,
        replica_sets: true,
        roles: true,
        actual_weight: true,
    };
}

/// The groups of keys a condition sets, in the order [`Expectation`]'s comparison walks
/// them: a group whose keys are all unset finds no mismatch, so a check that knows the
/// groups (found once per script item, like [`Reads`]) skips it without looking at its keys.
/// A `wait` is checked after every change of the world, and most set two or three keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sets {
    /// `setWeight`, `actualWeight`, `aborted`, `paused`, `revision`, `completionStatus` and
    /// `duration:`.
    pub status: bool,
    /// `images:`.
    pub images: bool,
    /// `replicas:`.
    pub replicas: bool,
    /// `pods:` and `readyPods:`.
    pub pods: bool,
    /// `replicaSets:`.
    pub replica_sets: bool,
    /// The rest: `analysis`, `weights`, `routes`, `experiment`, the request counts,
    /// `elapsed` and `not`.
    pub rest: bool,
}

impl Sets {
    /// Every group: what a check that has not found the groups compares.
    pub const ALL: Sets = Sets {
        status: true,
        images: true,
        replicas: true,
        pods: true,
        replica_sets: true,
        rest: true,
    };
}

/// The state of the simulated world that conditions are checked against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// The phase Argo's rules give the rollout now.
    pub phase: Phase,
    /// The message that goes with the phase.
    pub message: SmolStr,
    /// `status.currentStepIndex` (`None` while the controller has not set it).
    pub step: Option<u32>,
    /// The weight in percent the plugin shows as `SetWeight` (`None`: it shows none, as for
    /// a blue-green rollout).
    pub set_weight: Option<u32>,
    /// The weight in percent the plugin shows as `ActualWeight` (`None` as for `set_weight`).
    pub actual_weight: Option<u32>,
    /// `status.abort`.
    pub aborted: bool,
    /// `spec.paused` or any pause condition.
    pub paused: bool,
    /// The revision of the newest ReplicaSet.
    pub revision: u64,
    /// `status.duration`, when the controller has started timing an attempt.
    pub duration: Option<DurationStatus>,
    /// The image each role's ReplicaSet runs (`None`: no ReplicaSet in that role; all
    /// `None` unless [`Reads::images`]).
    pub images: Roles<Option<SmolStr>>,
    /// The rollout's replica counts.
    pub replicas: Replicas<u32>,
    /// Non-terminating pods by role.
    pub pods: RoleCounts,
    /// Ready pods by role.
    pub ready_pods: RoleCounts,
    /// ReplicaSets of the rollout that exist.
    pub replica_sets_total: u32,
    /// ReplicaSets with `spec.replicas > 0`.
    pub replica_sets_scaled_up: u32,
    /// Phase of the latest AnalysisRun by template name, step index and run name (empty
    /// unless [`Reads::analysis`]).
    pub analysis: BTreeMap<String, String>,
    /// Phase of the latest Experiment by full name and by step index.
    pub experiments: BTreeMap<String, String>,
    /// `status.canary.weights`, when the rollout has a router.
    pub weights: Option<RouterWeights<i32>>,
    /// The managed routes the router holds, in precedence order.
    pub routes: Vec<String>,
    /// Requests and failed requests served over the run by the versions now in each role.
    pub traffic: BTreeMap<String, (u64, u64)>,
    /// Mirrored requests and their failures, per role the same way.
    pub mirrored: BTreeMap<String, (u64, u64)>,
    /// Virtual time since the scenario started.
    pub elapsed: SimDuration,
}

/// The part of an [`Observation`] read from the rollout's status alone: the phase, its
/// message and the step index. What a `wait` is checked against first (see
/// [`Expectation::head_holds`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head<'a> {
    /// As [`Observation::phase`].
    pub phase: Phase,
    /// As [`Observation::message`].
    pub message: &'a str,
    /// As [`Observation::step`].
    pub step: Option<u32>,
}

impl Observation {
    /// The phase, message and step of the observation.
    pub fn head(&self) -> Head<'_> {
        Head {
            phase: self.phase,
            message: &self.message,
            step: self.step,
        }
    }
}

/// One key of a condition that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The condition's key as the scenario spells it (`replicas.ready`, `duration.finishedAt`).
    pub key: String,
    /// What the condition asked for, as text.
    pub expected: String,
    /// What the simulated world showed, as text.
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.key, self.expected, self.actual
        )
    }
}

/// Where the keys that do not hold go: every one, with its expected and actual text, or
/// only whether there is one. Checking a `wait` after every change of the world asks the
/// second question, so a mismatch's text is only built when someone reads it.
enum Sink {
    All(Vec<Mismatch>),
    Any(bool),
}

impl Sink {
    fn push(&mut self, mismatch: impl FnOnce() -> Mismatch) {
        match self {
            Sink::All(out) => out.push(mismatch()),
            Sink::Any(found) => *found = true,
        }
    }

    /// Nothing more is needed: a mismatch is found and only its existence was asked.
    fn decided(&self) -> bool {
        matches!(self, Sink::Any(true))
    }
}

fn check<T: PartialEq + fmt::Display>(
    out: &mut Sink,
    key: impl FnOnce() -> String,
    want: &Option<T>,
    got: &T,
) {
    if let Some(w) = want
        && w != got
    {
        out.push(|| Mismatch {
            key: key(),
            expected: w.to_string(),
            actual: got.to_string(),
        });
    }
}

/// A weight key: a blue-green rollout has no weight (`get` shows none), so no weight holds
/// for it, and the mismatch says why rather than showing a number.
fn check_weight(out: &mut Sink, key: &'static str, want: Option<u32>, got: Option<u32>) {
    if let Some(w) = want
        && got != Some(w)
    {
        out.push(|| Mismatch {
            key: key.into(),
            expected: w.to_string(),
            actual: got.map_or_else(
                || "none (a blue-green rollout has no weights)".to_string(),
                |g| g.to_string(),
            ),
        });
    }
}

fn opt_text<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "none".to_string(), |v| v.to_string())
}

impl Expectation {
    /// Every key that does not hold in `obs` (empty when the condition holds).
    pub fn mismatches(&self, obs: &Observation) -> Vec<Mismatch> {
        self.mismatches_of(obs, Sets::ALL)
    }

    /// `mismatches`, comparing only the groups in `sets`, which must hold every group the
    /// condition sets (its [`Expectation::sets`], or more).
    pub fn mismatches_of(&self, obs: &Observation, sets: Sets) -> Vec<Mismatch> {
        let mut out = Sink::All(Vec::new());
        self.compare(obs, sets, &mut out);
        match out {
            Sink::All(v) => v,
            Sink::Any(_) => unreachable!("collected above"),
        }
    }

    /// Whether every key holds in `obs`; the same verdict as an empty `mismatches`, without
    /// building any text and stopping at the first key that does not hold.
    pub fn holds(&self, obs: &Observation) -> bool {
        self.holds_of(obs, Sets::ALL)
    }

    /// `holds`, comparing only the groups in `sets` (as for `mismatches_of`).
    pub fn holds_of(&self, obs: &Observation, sets: Sets) -> bool {
        let mut out = Sink::Any(false);
        self.compare(obs, sets, &mut out);
        !out.decided()
    }

    /// The groups of keys this condition sets (its `not` is in `rest`).
    pub fn sets(&self) -> Sets {
        Sets {
            status: self.set_weight.is_some()
                || self.actual_weight.is_some()
                || self.aborted.is_some()
                || self.paused.is_some()
                || self.revision.is_some()
                || self.completion_status.is_some()
                || !self.duration.is_empty(),
            images: self.images != Roles::default(),
            replicas: self.replicas != Replicas::default(),
            pods: self.pods != RoleCountsExpect::default()
                || self.ready_pods != RoleCountsExpect::default(),
            replica_sets: self.replica_sets_total.is_some()
                || self.replica_sets_scaled_up.is_some(),
            rest: !self.analysis.is_empty()
                || self.weights != RouterWeights::default()
                || self.routes.is_some()
                || !self.experiments.is_empty()
                || !self.requests.is_empty()
                || !self.failed_requests.is_empty()
                || !self.mirrored_requests.is_empty()
                || self.elapsed_max.is_some()
                || self.elapsed_min.is_some()
                || self.not.is_some(),
        }
    }

    /// The costly parts of the observation this condition (and its `not`) reads.
    pub fn reads(&self) -> Reads {
        let not = self.not.as_ref().map(|n| n.reads()).unwrap_or_default();
        Reads {
            analysis: !self.analysis.is_empty() || not.analysis,
            experiments: !self.experiments.is_empty() || not.experiments,
            routes: self.routes.is_some() || not.routes,
            traffic: !self.requests.is_empty() || !self.failed_requests.is_empty() || not.traffic,
            mirrored: !self.mirrored_requests.is_empty() || not.mirrored,
            images: self.images.entries().iter().any(|(_, v)| v.is_some()) || not.images,
            replica_sets: self.revision.is_some()
                || self.replica_sets_total.is_some()
                || self.replica_sets_scaled_up.is_some()
                || [&self.pods, &self.ready_pods]
                    .iter()
                    .any(|p| p.total.is_some() || p.experiment.is_some())
                || not.replica_sets,
            roles: [&self.pods, &self.ready_pods]
                .iter()
                .any(|p| p.roles.entries().iter().any(|(_, v)| v.is_some()))
                || not.roles,
            actual_weight: self.actual_weight.is_some() || not.actual_weight,
        }
    }

    /// `{phase: Healthy, ...}`: the condition as the journal records a check of it, written
    /// into a string sized up front (grown piece by piece, it would be copied several times).
    pub fn braced(&self) -> String {
        self.text_after("")
    }

    /// `prefix{phase: Healthy, ...}`, the same way.
    pub fn text_after(&self, prefix: &str) -> String {
        use fmt::Write;
        let mut s = String::with_capacity(prefix.len() + 160);
        s.push_str(prefix);
        // Writing into a String cannot fail.
        let _ = write!(s, "{{{self}}}");
        s
    }

    /// Whether the keys read from the rollout's status alone (phase, message, step) hold;
    /// `false` means the whole condition does not hold. A `wait` is checked after every
    /// change and is nearly always still waiting for its phase or step: that answer needs
    /// no observation of the ReplicaSets, pods, analyses or traffic.
    pub fn head_holds(&self, head: Head<'_>) -> bool {
        // The three keys asked directly, without a sink: this runs after every change, and
        // nearly always ends at the phase.
        let holds = self.phase.is_none_or(|p| p == head.phase)
            && self.step.is_none_or(|s| head.step == Some(s))
            && self
                .message
                .as_ref()
                .is_none_or(|m| head.message.contains(m.as_str()));
        debug_assert_eq!(
            holds,
            {
                let mut out = Sink::Any(false);
                self.compare_head(head, &mut out);
                !out.decided()
            },
            "head_holds disagrees with compare_head"
        );
        holds
    }

    /// Compares the phase, message and step keys with `head`, into `out`.
    fn compare_head(&self, head: Head<'_>, out: &mut Sink) {
        let Head {
            phase,
            message,
            step,
        } = head;
        if let Some(p) = self.phase
            && p != phase
        {
            out.push(|| Mismatch {
                key: "phase".into(),
                expected: p.to_string(),
                actual: if message.is_empty() {
                    phase.to_string()
                } else {
                    format!("{phase} ({message})")
                },
            });
        }
        if let Some(m) = &self.message
            && !message.contains(m.as_str())
        {
            out.push(|| Mismatch {
                key: "message".into(),
                expected: format!("a message containing \"{m}\""),
                actual: format!("\"{message}\""),
            });
        }
        if let Some(s) = self.step
            && step != Some(s)
        {
            out.push(|| Mismatch {
                key: "step".into(),
                expected: s.to_string(),
                actual: opt_text(&step),
            });
        }
    }

    /// Compares every key that is set with `obs`, in a fixed order, into `out`; the groups
    /// not in `sets` are not looked at (they set no key).
    fn compare(&self, obs: &Observation, sets: Sets, out: &mut Sink) {
        debug_assert!(
            covers(sets, self.sets()),
            "the groups {sets:?} leave out some of {:?}",
            self.sets()
        );
        self.compare_head(obs.head(), out);
        // A `wait` is most often still waiting for its phase or step: its check ends here.
        if out.decided() {
            return;
        }
        if sets.status {
            self.compare_status(obs, out);
        }
        if out.decided() {
            return;
        }
        if sets.images {
            self.compare_images(obs, out);
        }
        if sets.replicas {
            for ((name, want), (_, got)) in self
                .replicas
                .entries()
                .into_iter()
                .zip(obs.replicas.entries())
            {
                check(out, || format!("replicas.{name}"), want, got);
            }
        }
        if sets.pods {
            counts(out, "pods", &self.pods, &obs.pods);
            counts(out, "readyPods", &self.ready_pods, &obs.ready_pods);
        }
        if sets.replica_sets {
            check(
                out,
                || "replicaSets.total".into(),
                &self.replica_sets_total,
                &obs.replica_sets_total,
            );
            check(
                out,
                || "replicaSets.scaledUp".into(),
                &self.replica_sets_scaled_up,
                &obs.replica_sets_scaled_up,
            );
        }
        // A `wait` for pods or ReplicaSets most often ends here; the maps below are walked
        // only when it still holds.
        if out.decided() || !sets.rest {
            return;
        }
        self.compare_rest(obs, out);
    }

    /// The status keys after the head: weights, abort, pause, revision, duration.
    fn compare_status(&self, obs: &Observation, out: &mut Sink) {
        check_weight(out, "setWeight", self.set_weight, obs.set_weight);
        check_weight(out, "actualWeight", self.actual_weight, obs.actual_weight);
        check(out, || "aborted".into(), &self.aborted, &obs.aborted);
        check(out, || "paused".into(), &self.paused, &obs.paused);
        check(out, || "revision".into(), &self.revision, &obs.revision);
        let got_status = obs.duration.as_ref().and_then(|d| d.completion_status);
        if let Some(want) = self.completion_status
            && got_status != want
        {
            let name = |c: Option<CompletionStatus>| c.map_or("none", CompletionStatus::as_str);
            out.push(|| Mismatch {
                key: "completionStatus".into(),
                expected: name(want).to_string(),
                actual: name(got_status).to_string(),
            });
        }
        if !self.duration.is_empty() {
            self.duration.check(obs.duration.as_ref(), out);
        }
    }

    /// The image of each role.
    fn compare_images(&self, obs: &Observation, out: &mut Sink) {
        for ((role, want), (_, got)) in self.images.entries().into_iter().zip(obs.images.entries())
        {
            if let Some(w) = want
                && got.as_deref() != Some(w.as_str())
            {
                out.push(|| Mismatch {
                    key: format!("images.{role}"),
                    expected: w.clone(),
                    actual: opt_text(got),
                });
            }
        }
    }

    /// The maps and the rest: analyses, router weights and routes, experiments, requests,
    /// elapsed time and `not`.
    fn compare_rest(&self, obs: &Observation, out: &mut Sink) {
        for (name, want) in &self.analysis {
            let got = obs.analysis.get(name);
            if got != Some(want) {
                out.push(|| Mismatch {
                    key: format!("analysis.{name}"),
                    expected: want.clone(),
                    actual: got.cloned().unwrap_or_else(|| "no AnalysisRun".to_string()),
                });
            }
        }
        let weights = [
            (
                "canary",
                &self.weights.canary,
                obs.weights.as_ref().map(|w| w.canary),
            ),
            (
                "stable",
                &self.weights.stable,
                obs.weights.as_ref().map(|w| w.stable),
            ),
            (
                "experiment",
                &self.weights.experiment,
                obs.weights.as_ref().map(|w| w.experiment),
            ),
        ];
        for (key, want, got) in weights {
            if let Some(w) = want
                && got != Some(*w)
            {
                out.push(|| Mismatch {
                    key: format!("weights.{key}"),
                    expected: w.to_string(),
                    actual: got.map_or_else(|| "no router weights".to_string(), |g| g.to_string()),
                });
            }
        }
        if let Some(routes) = &self.routes
            && *routes != obs.routes
        {
            out.push(|| Mismatch {
                key: "routes".into(),
                expected: format!("[{}]", routes.join(", ")),
                actual: format!("[{}]", obs.routes.join(", ")),
            });
        }
        for (name, want) in &self.experiments {
            let got = obs.experiments.get(name);
            if got != Some(want) {
                out.push(|| Mismatch {
                    key: format!("experiment.{name}"),
                    expected: want.clone(),
                    actual: got.cloned().unwrap_or_else(|| "no Experiment".to_string()),
                });
            }
        }
        for (key, wanted, pick) in [
            ("requests", &self.requests, 0),
            ("failedRequests", &self.failed_requests, 1),
            ("mirroredRequests", &self.mirrored_requests, 2),
        ] {
            for (role, (min, max)) in wanted {
                let source = if pick == 2 {
                    &obs.mirrored
                } else {
                    &obs.traffic
                };
                let got = source
                    .get(role)
                    .map_or(0, |c| if pick == 1 { c.1 } else { c.0 });
                if min.is_some_and(|m| got < m) || max.is_some_and(|m| got > m) {
                    out.push(|| Mismatch {
                        key: format!("{key}.{role}"),
                        expected: range_text(*min, *max),
                        actual: got.to_string(),
                    });
                }
            }
        }
        if let Some(max) = self.elapsed_max
            && obs.elapsed > max
        {
            out.push(|| Mismatch {
                key: "elapsed.max".into(),
                expected: format!("at most {max}"),
                actual: obs.elapsed.to_string(),
            });
        }
        if let Some(min) = self.elapsed_min
            && obs.elapsed < min
        {
            out.push(|| Mismatch {
                key: "elapsed.min".into(),
                expected: format!("at least {min}"),
                actual: obs.elapsed.to_string(),
            });
        }
        if let Some(not) = &self.not
            && not.holds(obs)
        {
            out.push(|| Mismatch {
                key: "not".into(),
                expected: format!("not {{{not}}}"),
                actual: "it holds".to_string(),
            });
        }
    }
}

/// `between 10 and 20`, `at least 10`, `at most 20`.
fn range_text(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any number".to_string(),
    }
}

/// Whether `sets` holds every group of `needed`.
fn covers(sets: Sets, needed: Sets) -> bool {
    let as_list = |s: Sets| {
        [
            s.status,
            s.images,
            s.replicas,
            s.pods,
            s.replica_sets,
            s.rest,
        ]
    };
    as_list(sets)
        .into_iter()
        .zip(as_list(needed))
        .all(|(has, need)| has || !need)
}

fn counts(out: &mut Sink, key: &str, want: &RoleCountsExpect, got: &RoleCounts) {
    // Most conditions set no count: one comparison instead of a walk over the six.
    if *want == RoleCountsExpect::default() {
        return;
    }
    for ((role, w), (_, g)) in want.roles.entries().into_iter().zip(got.roles.entries()) {
        check(out, || format!("{key}.{role}"), w, g);
    }
    check(
        out,
        || format!("{key}.experiment"),
        &want.experiment,
        &got.experiment,
    );
    check(out, || format!("{key}.total"), &want.total, &got.total);
}

impl fmt::Display for Expectation {
    /// A compact rendering of the keys that are set, for timelines and messages. Written
    /// straight into the formatter: every passing `wait` and `expect` is journaled with it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Parts { f, first: true };
        if let Some(p) = self.phase {
            out.part(format_args!("phase: {p}"))?;
        }
        if let Some(m) = &self.message {
            out.part(format_args!("message: {m:?}"))?;
        }
        let numbers: [(&str, Option<&dyn fmt::Display>); 6] = [
            ("step", self.step.as_ref().map(|v| v as &dyn fmt::Display)),
            ("setWeight", self.set_weight.as_ref().map(|v| v as _)),
            ("actualWeight", self.actual_weight.as_ref().map(|v| v as _)),
            ("aborted", self.aborted.as_ref().map(|v| v as _)),
            ("paused", self.paused.as_ref().map(|v| v as _)),
            ("revision", self.revision.as_ref().map(|v| v as _)),
        ];
        for (k, v) in numbers {
            if let Some(v) = v {
                out.part(format_args!("{k}: {v}"))?;
            }
        }
        if let Some(c) = self.completion_status {
            let c = c.map_or("none", CompletionStatus::as_str);
            out.part(format_args!("completionStatus: {c}"))?;
        }
        if !self.duration.is_empty() {
            out.part(format_args!("duration: {:?}", self.duration))?;
        }
        let images = self.images.entries().into_iter();
        out.group(
            "images",
            images.filter_map(|(k, v)| v.as_ref().map(|v| (k, v))),
        )?;
        let count = |(k, v): (&'static str, &Option<u32>)| v.map(|v| (k, v));
        out.group(
            "replicas",
            self.replicas.entries().into_iter().filter_map(count),
        )?;
        for (key, c) in [("pods", &self.pods), ("readyPods", &self.ready_pods)] {
            let extra = [("experiment", &c.experiment), ("total", &c.total)];
            let entries = c.roles.entries().into_iter().chain(extra);
            out.group(key, entries.filter_map(count))?;
        }
        let sets = [
            ("total", &self.replica_sets_total),
            ("scaledUp", &self.replica_sets_scaled_up),
        ];
        out.group("replicaSets", sets.into_iter().filter_map(count))?;
        out.group("analysis", self.analysis.iter())?;
        let weights = [
            ("canary", self.weights.canary),
            ("stable", self.weights.stable),
            ("experiment", self.weights.experiment),
        ];
        out.group(
            "weights",
            weights.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))),
        )?;
        if let Some(r) = &self.routes {
            out.sep()?;
            out.f.write_str("routes: [")?;
            for (i, route) in r.iter().enumerate() {
                if i > 0 {
                    out.f.write_str(", ")?;
                }
                out.f.write_str(route)?;
            }
            out.f.write_str("]")?;
        }
        out.group("experiment", self.experiments.iter())?;
        for (key, wanted) in [
            ("requests", &self.requests),
            ("failedRequests", &self.failed_requests),
            ("mirroredRequests", &self.mirrored_requests),
        ] {
            let ranges = wanted
                .iter()
                .map(|(role, (min, max))| (role, range_text(*min, *max)));
            out.group(key, ranges)?;
        }
        if let Some(m) = self.elapsed_max {
            out.part(format_args!("elapsed.max: {m}"))?;
        }
        if let Some(m) = self.elapsed_min {
            out.part(format_args!("elapsed.min: {m}"))?;
        }
        if let Some(n) = &self.not {
            out.part(format_args!("not: {{{n}}}"))?;
        }
        Ok(())
    }
}

/// The keys of a condition's rendering, separated by commas as they are written.
struct Parts<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    first: bool,
}

impl Parts<'_, '_> {
    /// The comma before every key but the first.
    fn sep(&mut self) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.f.write_str(", ")?;
        }
        Ok(())
    }

    fn part(&mut self, text: fmt::Arguments<'_>) -> fmt::Result {
        self.sep()?;
        self.f.write_fmt(text)
    }

    /// `key: {a: 1, b: 2}`, or nothing when there is no entry.
    fn group<K: fmt::Display, V: fmt::Display>(
        &mut self,
        key: &str,
        entries: impl Iterator<Item = (K, V)>,
    ) -> fmt::Result {
        let mut entries = entries.peekable();
        if entries.peek().is_none() {
            return Ok(());
        }
        self.sep()?;
        write!(self.f, "{key}: {{")?;
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 {
                self.f.write_str(", ")?;
            }
            write!(self.f, "{k}: {v}")?;
        }
        self.f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs() -> Observation {
        Observation {
            phase: Phase::Paused,
            message: "CanaryPauseStep".into(),
            step: Some(1),
            set_weight: Some(20),
            actual_weight: Some(0),
            pods: RoleCounts {
                roles: Roles {
                    stable: 4,
                    canary: 1,
                    ..Default::default()
                },
                experiment: 0,
                total: 5,
            },
            ..Default::default()
        }
    }

    #[test]
    fn every_key_must_hold_and_mismatches_say_why() {
        let mut c = Expectation {
            phase: Some(Phase::Paused),
            step: Some(1),
            set_weight: Some(20),
            ..Default::default()
        };
        c.pods.roles.canary = Some(1);
        assert!(c.holds(&obs()));
        c.pods.roles.stable = Some(3);
        c.phase = Some(Phase::Healthy);
        let m = c.mismatches(&obs());
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].to_string(),
            "phase: expected Healthy, got Paused (CanaryPauseStep)"
        );
        assert_eq!(m[1].to_string(), "pods.stable: expected 3, got 4");
    }

    /// `holds` (no text built, first mismatch ends it) agrees with `mismatches` for every
    /// kind of key, holding or not, alone, in pairs and under `not`, and so do both when
    /// they compare only the groups of keys the condition `sets`; and `reads` names every
    /// part a condition looks at that is not read straight from the status: left out, the
    /// verdict would change.
    #[test]
    fn holds_agrees_with_mismatches_for_every_key() {
        let mut o = obs();
        o.analysis.insert("success-rate".into(), "Running".into());
        o.experiments.insert("0".into(), "Running".into());
        o.routes = vec!["header".into()];
        o.traffic.insert("stable".into(), (100, 2));
        o.mirrored.insert("canary".into(), (10, 1));
        o.images.stable = Some("x:1".into());
        // Values a partial observation would not have by accident (it leaves zeros).
        o.actual_weight = Some(5);
        o.revision = 3;
        o.replica_sets_total = 1;
        o.replica_sets_scaled_up = 2;
        o.ready_pods.total = 3;
        o.weights = Some(RouterWeights {
            canary: 20,
            stable: 80,
            experiment: 0,
        });
        let mut singles: Vec<Expectation> = Vec::new();
        for right in [true, false] {
            let pick = |a: u32, b: u32| if right { a } else { b };
            let mut cs = vec![
                Expectation {
                    phase: Some(if right { Phase::Paused } else { Phase::Healthy }),
                    ..Default::default()
                },
                Expectation {
                    message: Some(if right { "Pause" } else { "Abort" }.into()),
                    ..Default::default()
                },
                Expectation {
                    step: Some(pick(1, 2)),
                    set_weight: Some(pick(20, 40)),
                    ..Default::default()
                },
                Expectation {
                    actual_weight: Some(pick(5, 0)),
                    aborted: Some(!right),
                    paused: Some(!right),
                    revision: Some(u64::from(pick(3, 0))),
                    ..Default::default()
                },
                Expectation {
                    replica_sets_total: Some(pick(1, 0)),
                    replica_sets_scaled_up: Some(pick(2, 0)),
                    elapsed_max: Some(SimDuration::from_secs(u64::from(pick(5, 0)))),
                    ..Default::default()
                },
                Expectation {
                    routes: Some(vec![if right { "header" } else { "mirror" }.into()]),
                    ..Default::default()
                },
            ];
            let mut c = Expectation::default();
            c.images.stable = Some(if right { "x:1" } else { "x:2" }.into());
            c.replicas.desired = Some(pick(0, 9));
            c.pods.roles.canary = Some(pick(1, 2));
            c.ready_pods.total = Some(pick(3, 0));
            cs.push(c);
            let mut c = Expectation::default();
            c.weights.canary = Some(i32::try_from(pick(20, 30)).expect("a percentage"));
            c.analysis.insert(
                "success-rate".into(),
                if right { "Running" } else { "Failed" }.into(),
            );
            c.experiments
                .insert("0".into(), if right { "Running" } else { "Failed" }.into());
            cs.push(c);
            let mut c = Expectation::default();
            c.requests
                .insert("stable".into(), (Some(u64::from(pick(100, 101))), None));
            c.failed_requests.insert("stable".into(), (None, Some(2)));
            c.mirrored_requests
                .insert("canary".into(), (Some(u64::from(pick(10, 11))), None));
            c.elapsed_min = Some(SimDuration::from_secs(u64::from(pick(0, 5))));
            cs.push(c);
            singles.extend(cs);
        }
        let mut all = singles.clone();
        for a in &singles {
            all.push(Expectation {
                not: Some(Box::new(a.clone())),
                ..Default::default()
            });
            for b in &singles {
                let mut c = a.clone();
                c.not = Some(Box::new(b.clone()));
                all.push(c);
            }
        }
        let (mut held, mut failed) = (0, 0);
        for c in &all {
            let m = c.mismatches(&o);
            assert_eq!(c.holds(&o), m.is_empty(), "{c}: {m:?}");
            // Comparing only the groups the condition sets finds the same mismatches.
            let sets = c.sets();
            assert_eq!(c.mismatches_of(&o, sets), m, "{c}: groups {sets:?}");
            assert_eq!(c.holds_of(&o, sets), m.is_empty(), "{c}: groups {sets:?}");
            // The observation a `wait` is checked against leaves out what it does not read.
            let r = c.reads();
            let walked = |v: u32| if r.replica_sets { v } else { 0 };
            let by_role = |p: &RoleCounts| RoleCounts {
                roles: if r.roles {
                    p.roles.clone()
                } else {
                    Roles::default()
                },
                experiment: walked(p.experiment),
                total: walked(p.total),
            };
            let partial = Observation {
                revision: if r.replica_sets { o.revision } else { 0 },
                replica_sets_total: walked(o.replica_sets_total),
                replica_sets_scaled_up: walked(o.replica_sets_scaled_up),
                pods: by_role(&o.pods),
                ready_pods: by_role(&o.ready_pods),
                actual_weight: o.actual_weight.filter(|_| r.actual_weight),
                images: if r.images {
                    o.images.clone()
                } else {
                    Roles::default()
                },
                analysis: if r.analysis {
                    o.analysis.clone()
                } else {
                    BTreeMap::new()
                },
                experiments: if r.experiments {
                    o.experiments.clone()
                } else {
                    BTreeMap::new()
                },
                routes: if r.routes {
                    o.routes.clone()
                } else {
                    Vec::new()
                },
                traffic: if r.traffic {
                    o.traffic.clone()
                } else {
                    BTreeMap::new()
                },
                mirrored: if r.mirrored {
                    o.mirrored.clone()
                } else {
                    BTreeMap::new()
                },
                ..o.clone()
            };
            assert_eq!(c.holds(&partial), c.holds(&o), "{c}: read from {r:?}");
            if m.is_empty() { held += 1 } else { failed += 1 }
        }
        assert_eq!(
            singles[6].reads(),
            Reads {
                images: true,
                // `pods.canary` by role, `readyPods.total` on the walk.
                roles: true,
                replica_sets: true,
                ..Default::default()
            }
        );
        assert!(held > 10 && failed > 10, "both verdicts are exercised");
        assert_eq!(
            singles[7].reads(),
            Reads {
                analysis: true,
                experiments: true,
                ..Default::default()
            }
        );
        let nested = Expectation {
            not: Some(Box::new(singles[8].clone())),
            ..Default::default()
        };
        assert_eq!(
            nested.reads(),
            Reads {
                traffic: true,
                mirrored: true,
                ..Default::default()
            }
        );
        assert_eq!(singles[0].reads(), Reads::default());
    }

    #[test]
    fn not_inverts() {
        let c = Expectation {
            not: Some(Box::new(Expectation {
                phase: Some(Phase::Paused),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert!(!c.holds(&obs()));
        assert_eq!(c.to_string(), "not: {phase: Paused}");
    }

    #[test]
    fn no_weight_holds_for_a_blue_green_rollout() {
        let bg = Observation {
            set_weight: None,
            actual_weight: None,
            ..obs()
        };
        for c in [
            Expectation {
                set_weight: Some(100),
                ..Default::default()
            },
            Expectation {
                actual_weight: Some(0),
                ..Default::default()
            },
        ] {
            assert!(!c.holds(&bg));
            let m = c.mismatches(&bg);
            assert_eq!(m.len(), 1);
            assert_eq!(m[0].actual, "none (a blue-green rollout has no weights)");
        }
    }
}
