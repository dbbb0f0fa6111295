//! Scenarios (SCENARIO.md): the manifests to run, how pods of each image behave, the script of
//! user actions and waits, invariants, and the final expectation. `load` reads and validates a
//! scenario file (or a bare Rollout manifest, which runs the default scenario).

pub mod condition;
mod horizon;
mod load;
pub mod metrics;
pub(crate) mod raw;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use smol_str::SmolStr;

use crate::engine::SimDuration;
use crate::manifest::Manifests;

pub use condition::{Expectation, Observation};
pub use horizon::default_horizon;
pub use load::{
    LoadOptions, default_next_image, is_manifest, is_scenario_source, load, load_sources,
    load_text, load_with_options, not_a_scenario, refuse_invalid_spec,
};

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `name:`, or the file's stem: how `test` and reports name the scenario.
    pub name: String,
    /// `description:`, free text shown with the results.
    pub description: String,
    /// Seeds every random stream of the run (`--seed` overrides it).
    pub seed: u64,
    /// The wall-clock instant virtual time 0 is shown as.
    pub start: DateTime<Utc>,
    /// Virtual time the run never goes past; waits still pending then fail.
    pub timeout: SimDuration,
    /// The file it was read from.
    pub file: PathBuf,
    /// The Rollout and the objects it refers to, applied at time 0.
    pub manifests: Manifests,
    /// `cluster:`: controller delay and the node model.
    pub cluster: ClusterConfig,
    /// `apps:`: how pods of each image behave; the first glob that matches wins.
    pub apps: Vec<AppModel>,
    /// `script:`: the user's actions and waits, run in order.
    pub script: Vec<ScriptItem>,
    /// `invariants:`: checked after every change of state.
    pub invariants: Vec<Invariant>,
    /// The condition checked when the run ends (script done or timeout).
    pub expect: Option<Expectation>,
    /// The line of the top-level `expect` (0 when there is none).
    pub expect_line: u32,
    /// `expect`'s text as a passing check journals it, once written ([`Scenario::expect_text`]).
    pub(crate) expect_text: ExpectText,
    /// Promote every indefinite pause this long after it starts (the default scenario's
    /// stand-in for a human).
    pub auto_promote: Option<SimDuration>,
    /// Built from a bare manifest file rather than read from a scenario file.
    pub from_manifest: bool,
    /// `traffic:`: without it no requests are simulated.
    pub traffic: Option<metrics::TrafficModel>,
    /// `metrics:`: the model of each analysis metric, by metric name.
    pub metrics: std::collections::BTreeMap<String, metrics::MetricModel>,
    /// `traffic.managedRoutes`: the fraction of all requests each managed route matches.
    pub route_matches: std::collections::BTreeMap<String, f64>,
    /// What loading decided on the user's behalf (skipped documents, Services created,
    /// metrics assumed to pass), to show once before the run.
    pub notes: Vec<crate::input::Diagnostic>,
}

/// `cluster:`: how the fake cluster around the controller behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Delay between a change and the controller's reaction.
    pub controller_delay: SimDuration,
    /// The node model: `nodes` nodes of `pods_per_node` pods each; `None` = unlimited room.
    pub nodes: Option<NodeModel>,
    /// `--node-monitor-grace-period` of the node lifecycle controller: how long a node may stop
    /// reporting before it is marked `Unknown` (its pods then turn not Ready and the node gets
    /// the `unreachable` NoExecute taint).
    pub node_monitor_grace_period: SimDuration,
    /// How long pods tolerate the `node.kubernetes.io/unreachable` NoExecute taint before they
    /// are evicted: the DefaultTolerationSeconds admission plugin's default.
    pub unreachable_toleration: SimDuration,
}

impl ClusterConfig {
    /// Kubernetes' node-monitor grace period since v1.32 (it was 40 s before).
    pub const DEFAULT_NODE_MONITOR_GRACE_PERIOD: SimDuration = SimDuration(50_000);
    /// `--default-unreachable-toleration-seconds` of the API server.
    pub const DEFAULT_UNREACHABLE_TOLERATION: SimDuration = SimDuration(300_000);
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            controller_delay: SimDuration::ZERO,
            nodes: None,
            node_monitor_grace_period: Self::DEFAULT_NODE_MONITOR_GRACE_PERIOD,
            unreachable_toleration: Self::DEFAULT_UNREACHABLE_TOLERATION,
        }
    }
}

/// `cluster.nodes` and `cluster.podsPerNode`: a cluster of equal nodes, so that pods beyond
/// its room stay Pending and a node can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeModel {
    /// How many nodes the cluster has.
    pub nodes: u32,
    /// How many pods fit on each node.
    pub pods_per_node: u32,
}

/// Which pods a fault hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodTarget {
    /// `count` pods of a role (`stable`, `canary`, `active`, `preview`), chosen at random
    /// from the seeded fault stream.
    Role {
        /// The role whose pods are hit.
        role: String,
        /// How many of its pods.
        count: u32,
    },
    /// The pod of that name.
    Name(String),
}

/// How long a pod of an image takes to become Ready.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Startup {
    /// Always this long after creation.
    Fixed(SimDuration),
    /// Uniform over the range, drawn from the seeded pod-timing stream.
    Range(SimDuration, SimDuration),
    /// Never becomes Ready (crash loop, failing probe, image that cannot be pulled).
    Never,
}

/// The behaviour of pods whose image matches `image` (a glob where `*` matches anything).
#[derive(Debug, Clone, PartialEq)]
pub struct AppModel {
    /// The image glob this model applies to.
    pub image: String,
    /// From creation to Ready.
    pub startup: Startup,
    /// From Terminating to gone.
    pub terminate: SimDuration,
    /// The fraction (0..=1) of requests that fail.
    pub error_rate: f64,
    /// Mean request latency.
    pub latency: SimDuration,
}

impl AppModel {
    /// The model used when no `apps` entry matches an image.
    pub fn default_for(image: &str) -> AppModel {
        AppModel {
            image: image.to_string(),
            startup: Startup::Range(SimDuration::from_secs(2), SimDuration::from_secs(4)),
            terminate: SimDuration::from_secs(1),
            error_rate: 0.0,
            latency: SimDuration::from_millis(50),
        }
    }
}

/// The first model whose glob matches the image, or the default model.
pub fn app_for<'a>(apps: &'a [AppModel], image: &str) -> std::borrow::Cow<'a, AppModel> {
    apps.iter()
        .find(|a| glob_match(&a.image, image))
        .map_or_else(
            || std::borrow::Cow::Owned(AppModel::default_for(image)),
            std::borrow::Cow::Borrowed,
        )
}

/// `*` matches any run of characters (including `:`, `/`, `.`); everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // The pattern is cut in place, not into a list: every pod created asks this.
    let Some((first, tail)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let (mids, last) = tail.rsplit_once('*').unwrap_or(("", tail));
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    // An empty part (no `*` between the first and the last, or `**`) matches anywhere.
    for mid in mids.split('*').filter(|m| !m.is_empty()) {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl Scenario {
    /// Wall-clock times in the manifests become virtual times counted from `start`.
    fn resolve_times(&mut self) {
        self.manifests.resolve_times(self.start);
        for item in &mut self.script {
            if let ScriptAction::Apply { manifests, .. } = &mut item.action {
                manifests.resolve_times(self.start);
            }
        }
    }
}

impl std::fmt::Display for PodTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PodTarget::Role { role, count } => write!(f, "{count} {role}"),
            PodTarget::Name(n) => f.write_str(n),
        }
    }
}

/// A script item and the line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptItem {
    /// The item's line in the scenario file, for messages.
    pub line: u32,
    /// What the item does.
    pub action: ScriptAction,
    /// Its texts for the journal, written the first time a run asks.
    text: TextCache,
}

impl ScriptItem {
    /// The item `action` on line `line` (0: an item no file wrote).
    pub fn new(line: u32, action: ScriptAction) -> Self {
        ScriptItem {
            line,
            action,
            text: TextCache::default(),
        }
    }

    /// The action as the journal records it, in the script's syntax (`setImage app:2`,
    /// `wait until {phase: Healthy}`): [`ScriptAction::describe`], written once per scenario
    /// rather than once per run (a sweep runs the same loaded scenario for every seed, and
    /// every run journals every item).
    pub fn action_text(&self) -> &SmolStr {
        self.text.action.get_or_init(|| match &self.action {
            // `describe` of a wait, from the braced condition a passing wait records anyway:
            // the condition is rendered once, not twice.
            ScriptAction::WaitUntil(_) => {
                smol_str::format_smolstr!("wait until {}", self.condition_text())
            }
            other => other.describe().into(),
        })
    }

    /// A `wait`'s or `expect`'s condition in braces (`{phase: Healthy}`), as a passing check
    /// is journaled: [`Expectation::braced`], written once like `action_text`; empty for
    /// the other actions.
    pub fn condition_text(&self) -> &SmolStr {
        self.text.condition.get_or_init(|| match &self.action {
            ScriptAction::WaitUntil(c) | ScriptAction::Expect(c) => c.braced().into(),
            _ => SmolStr::default(),
        })
    }

    /// What a `wait`'s or `expect`'s condition reads ([`Expectation::reads`]), found once
    /// per scenario like the texts: every run checks the item with it, and finding it walks
    /// the whole condition. Nothing for the other actions.
    pub fn condition_reads(&self) -> condition::Reads {
        *self.text.reads.get_or_init(|| match &self.action {
            ScriptAction::WaitUntil(c) | ScriptAction::Expect(c) => c.reads(),
            _ => condition::Reads::default(),
        })
    }

    /// The groups of keys a `wait`'s or `expect`'s condition sets ([`Expectation::sets`]),
    /// found once per scenario like what it reads. Every group for the other actions.
    pub fn condition_sets(&self) -> condition::Sets {
        *self.text.sets.get_or_init(|| match &self.action {
            ScriptAction::WaitUntil(c) | ScriptAction::Expect(c) => c.sets(),
            _ => condition::Sets::ALL,
        })
    }
}

/// The journal's texts of an item, once written, and what its condition reads, once found.
/// Equal to any other: both follow from the action, so two items are the same whether or not
/// a run has asked for them yet.
/// Nothing changes a loaded item's action in a way its texts show (`resolve_times` moves the
/// times inside an `apply`'s manifests, not its path).
#[derive(Debug, Clone, Default)]
struct TextCache {
    action: std::sync::OnceLock<SmolStr>,
    condition: std::sync::OnceLock<SmolStr>,
    reads: std::sync::OnceLock<condition::Reads>,
    sets: std::sync::OnceLock<condition::Sets>,
}

impl PartialEq for TextCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The final expectation's text, once written: every run of a scenario journals the same.
/// Empty in a copy, which may be given another `expect` (as `plan` does).
#[derive(Debug, Default)]
pub(crate) struct ExpectText(std::sync::OnceLock<SmolStr>);

impl Clone for ExpectText {
    fn clone(&self) -> Self {
        ExpectText::default()
    }
}

impl Scenario {
    /// `expect` in braces (`{phase: Healthy}`), as a passing final expectation is journaled
    /// ([`Expectation::braced`]); written at the end of the first run rather than of every
    /// run. `None` without a final expectation.
    pub fn expect_text(&self) -> Option<&SmolStr> {
        let expect = self.expect.as_ref()?;
        let text = self.expect_text.0.get_or_init(|| expect.braced().into());
        debug_assert_eq!(
            text.as_str(),
            expect.braced(),
            "`expect` changed after its text was written"
        );
        Some(text)
    }
}

/// What a script item does.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptAction {
    /// Let virtual time pass.
    WaitFor(SimDuration),
    /// Wait until the condition holds (fails at the scenario timeout).
    WaitUntil(Expectation),
    /// Check a condition now.
    Expect(Expectation),
    /// Set the image of every container, or of the named one.
    SetImage {
        /// The container to change (`None`: every container).
        container: Option<String>,
        /// The new image.
        image: String,
    },
    /// Re-apply manifests (GitOps style).
    Apply {
        /// The file as the script names it, for the timeline.
        path: String,
        /// The objects it holds.
        manifests: Manifests,
    },
    /// `kubectl argo rollouts promote [--full]`.
    Promote {
        /// `--full`: skip the remaining steps, analyses and pauses.
        full: bool,
    },
    /// `kubectl argo rollouts abort`: `status.abort = true`.
    Abort,
    /// `kubectl argo rollouts retry rollout`: clears the abort so the update starts again.
    Retry,
    /// `spec.paused: true`.
    Pause,
    /// `spec.paused: false` (not a promote: pause conditions stay).
    Resume,
    /// `spec.replicas`.
    Scale(u32),
    /// `kubectl argo rollouts restart [--in D]`: `spec.restartAt` = now (+ D).
    Restart {
        /// `--in D` (`None`: now).
        delay: Option<SimDuration>,
    },
    /// `kubectl argo rollouts undo [--to-revision N]`: the pod template of revision N (default:
    /// the previous revision) becomes the spec's.
    Undo {
        /// `--to-revision N` (`None` or `Some(0)`: the previous revision, as kubectl's
        /// default of 0).
        to_revision: Option<u64>,
    },
    /// Delete pods (as `kubectl delete pod`: no disruption budget applies).
    DeletePod(PodTarget),
    /// Evict pods through the Eviction API (PodDisruptionBudgets apply).
    EvictPod(PodTarget),
    /// A node fails: its pods stop being Ready after `not_ready_after` and are evicted after
    /// `evict_after`, both counted from the failure. `None`: as the cluster's node lifecycle
    /// says (the grace period, then the grace period plus the unreachable toleration).
    FailNode {
        /// The node that fails.
        name: String,
        /// When its pods stop being Ready, after the failure.
        not_ready_after: Option<SimDuration>,
        /// When its pods are evicted, after the failure.
        evict_after: Option<SimDuration>,
    },
}

impl ScriptAction {
    /// How the timeline shows the action.
    pub fn describe(&self) -> String {
        match self {
            ScriptAction::WaitFor(d) => format!("wait {d}"),
            ScriptAction::WaitUntil(c) => c.text_after("wait until "),
            ScriptAction::Expect(c) => c.text_after("expect "),
            ScriptAction::SetImage {
                container: None,
                image,
            } => format!("setImage {image}"),
            ScriptAction::SetImage {
                container: Some(c),
                image,
            } => format!("setImage {c}={image}"),
            ScriptAction::Apply { path, .. } => format!("apply {path}"),
            ScriptAction::Promote { full: false } => "promote".to_string(),
            ScriptAction::Promote { full: true } => "promote --full".to_string(),
            ScriptAction::Abort => "abort".to_string(),
            ScriptAction::Retry => "retry".to_string(),
            ScriptAction::Pause => "pause".to_string(),
            ScriptAction::Resume => "resume".to_string(),
            ScriptAction::Scale(n) => format!("scale {n}"),
            ScriptAction::Restart { delay: None } => "restart".to_string(),
            ScriptAction::Restart { delay: Some(d) } => format!("restart --in {d}"),
            ScriptAction::Undo { to_revision: None } => "undo".to_string(),
            ScriptAction::Undo {
                to_revision: Some(r),
            } => format!("undo --to-revision {r}"),
            ScriptAction::DeletePod(t) => format!("deletePod {t}"),
            ScriptAction::EvictPod(t) => format!("evictPod {t}"),
            ScriptAction::FailNode { name, .. } => format!("failNode {name}"),
        }
    }
}

/// A property that must hold after every change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invariant {
    /// Available pods of the rollout never below this (checked once it first became Healthy).
    MinAvailable(u32),
    /// Non-terminating pods of the rollout never above this.
    MaxPods(u32),
}

impl std::fmt::Display for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invariant::MinAvailable(n) => write!(f, "minAvailable: {n}"),
            Invariant::MaxPods(n) => write!(f, "maxPods: {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts written once per scenario are those `describe` and `braced` write.
    #[test]
    fn an_items_texts_are_those_of_its_action() {
        let c = Expectation {
            phase: Some(crate::rollout::Phase::Healthy),
            revision: Some(2),
            ..Default::default()
        };
        let actions = [
            ScriptAction::WaitUntil(c.clone()),
            ScriptAction::Expect(c.clone()),
            ScriptAction::WaitFor(SimDuration::from_secs(5)),
            ScriptAction::Promote { full: true },
            ScriptAction::SetImage {
                container: Some("app".into()),
                image: "app:2".into(),
            },
        ];
        for action in actions {
            let item = ScriptItem::new(3, action.clone());
            for _ in 0..2 {
                assert_eq!(item.action_text().as_str(), action.describe());
            }
            let braced = match &action {
                ScriptAction::WaitUntil(c) | ScriptAction::Expect(c) => c.braced(),
                _ => String::new(),
            };
            assert_eq!(item.condition_text().as_str(), braced);
        }
        assert_eq!(
            ScriptItem::new(1, ScriptAction::WaitUntil(c)).action_text(),
            "wait until {phase: Healthy, revision: 2}"
        );
    }

    #[test]
    fn glob() {
        assert!(glob_match(
            "argoproj/rollouts-demo:*",
            "argoproj/rollouts-demo:blue"
        ));
        assert!(glob_match("*:bad-*", "x/y:bad-1"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match(
            "nginx:1.19-alpine-crashloop",
            "nginx:1.19-alpine-crashloop"
        ));
        assert!(!glob_match("nginx:*", "nginxx:1"));
        assert!(!glob_match("*:crash*", "nginx:1.19"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
        // Empty parts match anywhere; the first and last parts may not overlap.
        assert!(glob_match("a**c", "ac"));
        assert!(glob_match("*x*", "axb"));
        assert!(!glob_match("*x*", "ab"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("a*b*c*d", "abcd"));
        assert!(!glob_match("a*c*b*d", "abcd"));
    }
}
