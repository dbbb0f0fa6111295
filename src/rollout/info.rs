//! What `kubectl argo rollouts get rollout` shows of a Rollout: the display rules of the
//! plugin's `pkg/kubectl-argo-rollouts/info/` package (`rollout_info.go`'s `NewRolloutInfo`,
//! `replicaset_info.go`'s `GetReplicaSetInfo`) and the helpers they call
//! (`GetRolloutPhase`, `GetCurrentSetWeight`, `GetCurrentCanaryStep`).
//!
//! These are rules of a client, not of the controller: they read the Rollout object and write
//! nothing. The simulation's observations (what conditions and the journal see) and the `get`
//! tree both show the rollout through them, so a scenario reads what a user would read.

use super::{Phase, RolloutObject};
use smol_str::SmolStr;

/// `GetRolloutPhase`: the phase and message shown. The controller computes both, but a client
/// shows `Progressing` while the controller has not yet observed the latest spec, or has not
/// yet reacted to a resume (pause conditions cleared while `controllerPause` is still set).
pub fn phase(ro: &RolloutObject) -> (Phase, SmolStr) {
    match unobserved(ro) {
        Some(message) => (Phase::Progressing, SmolStr::new_static(message)),
        None => (ro.status.phase, ro.status.message.clone()),
    }
}

/// [`phase`] with the message borrowed: for a check that only compares it.
pub fn phase_str(ro: &RolloutObject) -> (Phase, &str) {
    match unobserved(ro) {
        Some(message) => (Phase::Progressing, message),
        None => (ro.status.phase, &ro.status.message),
    }
}

/// Why `GetRolloutPhase` shows `Progressing` whatever the controller computed, if it does.
fn unobserved(ro: &RolloutObject) -> Option<&'static str> {
    let st = &ro.status;
    if st.observed_generation != ro.generation {
        return Some("waiting for rollout spec update to be observed");
    }
    // `IsUnpausing`.
    if st.controller_pause && st.pause_conditions.is_empty() {
        return Some("waiting for rollout to unpause");
    }
    None
}

/// `GetCurrentCanaryStep`, as an index: `None` for a rollout without canary steps or whose
/// index points past the last step (an unset index reads as 0).
pub fn current_step(ro: &RolloutObject) -> Option<usize> {
    let steps = ro.spec.canary().map_or(0, |c| c.steps.len());
    let idx = ro
        .status
        .current_step_index
        .map_or(0, |i| usize::try_from(i).unwrap_or(usize::MAX));
    (idx < steps).then_some(idx)
}

/// `GetCurrentSetWeight`, the `SetWeight` line: 0 once aborted; `maxTrafficWeight` when no
/// step is current; else the last `setWeight` at or before the current step (0 if none).
/// `None` for a blue-green rollout: `NewRolloutInfo` fills the weights for a canary only,
/// and `get rollout` prints no weight lines for blue-green.
pub fn set_weight(ro: &RolloutObject) -> Option<u32> {
    let c = ro.spec.canary()?;
    if ro.status.abort {
        return Some(0);
    }
    let Some(idx) = current_step(ro) else {
        return Some(c.max_weight());
    };
    Some(
        c.steps[..=idx]
            .iter()
            .rev()
            .find_map(|s| s.set_weight)
            .unwrap_or(0),
    )
}

/// The `ActualWeight` line of `NewRolloutInfo`: `maxTrafficWeight` when no step is current
/// (even while the router still holds less); else 0 without available pods; with a traffic
/// router, the weight it holds (`status.canary.weights`, or `set_weight` before it is
/// first set); without one, the canary ReplicaSet's share of the available pods
/// (`canary_available` of `status.availableReplicas`, rounded down). `None` for blue-green,
/// as [`set_weight`].
pub fn actual_weight(ro: &RolloutObject, set_weight: u32, canary_available: u32) -> Option<u32> {
    let st = &ro.status;
    let c = ro.spec.canary()?;
    if current_step(ro).is_none() {
        return Some(c.max_weight());
    }
    if st.available_replicas == 0 {
        return Some(0);
    }
    if c.traffic_routing.is_some() {
        return Some(
            st.canary
                .weights
                .as_ref()
                .map_or(set_weight, |w| w.canary.weight.max(0).unsigned_abs()),
        );
    }
    Some(canary_available * c.max_weight() / st.available_replicas)
}

/// The `Step:` line of a canary (`NewRolloutInfo`): `INDEX/COUNT` when the status has an
/// index and the rollout has steps, else empty.
pub fn step_shown(index: Option<u32>, steps: u32) -> String {
    match index {
        Some(i) if steps > 0 => format!("{i}/{steps}"),
        _ => String::new(),
    }
}

/// The status `get` shows for a ReplicaSet (`getReplicaSetHealth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaSetHealth {
    /// Fewer pods available than `spec.replicas`.
    Progressing,
    /// Scaled to zero.
    ScaledDown,
    /// Every wanted pod available.
    Healthy,
}

impl ReplicaSetHealth {
    /// As `get` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaSetHealth::Progressing => "Progressing",
            ReplicaSetHealth::ScaledDown => "ScaledDown",
            ReplicaSetHealth::Healthy => "Healthy",
        }
    }
}

/// `getReplicaSetHealth` for a ReplicaSet whose spec asks for `spec` pods, `available` of
/// them available. (Upstream also shows `ReplicaFailure` from a ReplicaSet condition the
/// simulated ReplicaSets never have, and `Progressing` while a ReplicaSet's generation is
/// not yet observed, which the simulated ReplicaSet controller never lets show.)
pub fn replica_set_health(spec: i32, available: u32) -> ReplicaSetHealth {
    if i64::from(available) < i64::from(spec) {
        ReplicaSetHealth::Progressing
    } else if spec == 0 {
        ReplicaSetHealth::ScaledDown
    } else {
        ReplicaSetHealth::Healthy
    }
}

/// The tags `get` puts on a ReplicaSet of the rollout (`GetReplicaSetInfo`), in the order
/// they are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplicaSetRoles {
    /// `status.stableRS` is this ReplicaSet's hash.
    pub stable: bool,
    /// A canary rollout's current template, when it is not the stable one.
    pub canary: bool,
    /// A blue-green rollout's active Service selects it.
    pub active: bool,
    /// A blue-green rollout's preview Service selects it (and the active one does not).
    pub preview: bool,
}

impl ReplicaSetRoles {
    /// The tag names, in the order `get` prints them.
    pub const NAMES: [&'static str; 4] = ["stable", "canary", "active", "preview"];

    /// The four flags in the order of `NAMES`.
    pub fn flags(self) -> [bool; 4] {
        [self.stable, self.canary, self.active, self.preview]
    }

    /// The names of the tags this ReplicaSet has, in order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.flags()
            .into_iter()
            .zip(Self::NAMES)
            .filter_map(|(has, name)| has.then_some(name))
    }

    /// Whether it has the role named `role` (one of `NAMES`; any other name: no).
    pub fn has(self, role: &str) -> bool {
        Self::NAMES
            .iter()
            .position(|n| *n == role)
            .is_some_and(|i| self.flags()[i])
    }
}

/// What the roles of a ReplicaSet are read from: the rollout's status hashes and, for
/// blue-green, the hashes its Services select (the selectors the controller writes, which
/// upstream reads back from `status.blueGreen.activeSelector` / `previewSelector`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleSources<'a> {
    /// `status.stableRS` (empty before the first deploy is promoted).
    pub stable: &'a str,
    /// `status.currentPodHash`.
    pub current: &'a str,
    /// The strategy is blue-green.
    pub blue_green: bool,
    /// The hash the active Service selects, if any.
    pub active: Option<&'a str>,
    /// The hash the preview Service selects, if any.
    pub preview: Option<&'a str>,
}

/// Whether two texts are equal. Meant for the short ones a reconcile and the bookkeeping after
/// every change compare most, several hundred times a run (pod-template hashes, ReplicaSet
/// names): up to 24 bytes they are compared as a few overlapping machine words, where `==`
/// calls `memcmp` for every comparison; other lengths are compared as usual.
#[inline]
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        u64::from_ne_bytes(s[at..at + 8].try_into().expect("a slice of eight bytes"))
    };
    let half = |s: &[u8], at: usize| {
        u32::from_ne_bytes(s[at..at + 4].try_into().expect("a slice of four bytes"))
    };
    let same = match n {
        0 => true,
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=24 => {
            word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    };
    debug_assert_eq!(same, a == b, "same_text disagrees with ==");
    same
}

/// `GetReplicaSetInfo`'s tags for the ReplicaSet with pod-template hash `hash`.
pub fn replica_set_roles(hash: &str, src: &RoleSources<'_>) -> ReplicaSetRoles {
    let selects = |selected: Option<&str>| selected.is_some_and(|s| same_text(s, hash));
    let stable = !src.stable.is_empty() && same_text(hash, src.stable);
    if src.blue_green {
        let active = selects(src.active);
        return ReplicaSetRoles {
            stable,
            canary: false,
            active,
            preview: !active && selects(src.preview),
        };
    }
    ReplicaSetRoles {
        stable,
        canary: !stable && same_text(hash, src.current),
        active: false,
        preview: false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{blue_green, canary, routed};
    use super::super::status::{PauseCondition, PauseReason, TrafficWeights, WeightDestination};
    use super::*;
    use crate::api::Step;
    use crate::engine::SimTime;

    fn weights(canary: i32) -> TrafficWeights {
        let dest = |weight: i32, hash: &str| WeightDestination {
            weight,
            pod_template_hash: hash.into(),
            service_name: String::new().into(),
        };
        TrafficWeights {
            canary: dest(canary, "new"),
            stable: dest(100 - canary, "old"),
            additional: Vec::new(),
        }
    }

    #[test]
    fn same_text_agrees_with_string_equality() {
        // Every length around the two-word path, and a difference at every position.
        for n in 0..40 {
            let a: String = "abcdefghijklmnopqrstuvwxyz"
                .chars()
                .cycle()
                .take(n)
                .collect();
            assert!(same_text(&a, &a.clone()), "{a}");
            assert!(!same_text(&a, &format!("{a}x")), "{a}");
            for i in 0..n {
                let mut b = a.clone().into_bytes();
                b[i] = b'_';
                let b = String::from_utf8(b).unwrap();
                assert_eq!(same_text(&a, &b), a == b, "{a} / {b}");
            }
        }
    }

    #[test]
    fn phase_shown_follows_get_rollout_phase() {
        let paused = vec![PauseCondition {
            reason: PauseReason::CanaryPauseStep,
            start_time: SimTime::ZERO,
        }];
        // (observed generation, controllerPause, pause conditions, want phase, want message,
        //  the rule the row pins)
        let rows = [
            (
                1,
                false,
                vec![],
                Phase::Paused,
                "from status",
                "observed: the status's phase",
            ),
            (
                0,
                false,
                vec![],
                Phase::Progressing,
                "waiting for rollout spec update to be observed",
                "isGenerationObserved false: Progressing whatever the status says",
            ),
            (
                1,
                true,
                vec![],
                Phase::Progressing,
                "waiting for rollout to unpause",
                "IsUnpausing: controllerPause with no pause condition left",
            ),
            (
                1,
                true,
                paused,
                Phase::Paused,
                "from status",
                "still paused by the controller: the status's phase",
            ),
        ];
        for (observed, controller_pause, conditions, want, message, rule) in rows {
            let mut ro = canary(vec![Step::pause(None)], Some(0));
            ro.status.observed_generation = observed;
            ro.status.controller_pause = controller_pause;
            ro.status.pause_conditions = conditions;
            ro.status.phase = Phase::Paused;
            ro.status.message = "from status".into();
            assert_eq!(phase(&ro), (want, message.into()), "{rule}");
        }
    }

    #[test]
    fn set_weight_follows_get_current_set_weight() {
        let steps = || {
            vec![
                Step::weight(20),
                Step::pause(None),
                Step::weight(50),
                Step::pause(None),
            ]
        };
        // (steps, index, aborted, routed with maxTrafficWeight 1000, want, rule)
        let rows = [
            (
                steps(),
                Some(0),
                false,
                false,
                20,
                "the current step's setWeight",
            ),
            (
                steps(),
                Some(1),
                false,
                false,
                20,
                "a pause: the last setWeight before it",
            ),
            (
                steps(),
                Some(3),
                false,
                false,
                50,
                "the latest setWeight wins",
            ),
            (
                steps(),
                None,
                false,
                false,
                20,
                "an unset index reads as step 0",
            ),
            (
                steps(),
                Some(4),
                false,
                false,
                100,
                "past the last step: maxTrafficWeight",
            ),
            (
                steps(),
                Some(4),
                false,
                true,
                1000,
                "maxTrafficWeight of the router",
            ),
            (steps(), Some(1), true, false, 0, "Status.Abort: 0"),
            (
                vec![Step::pause(None)],
                Some(0),
                false,
                false,
                0,
                "no setWeight yet: 0",
            ),
            (vec![], None, false, false, 100, "no steps: no current step"),
        ];
        for (steps, idx, abort, router, want, rule) in rows {
            let mut ro = if router {
                routed(steps, idx, 1000)
            } else {
                canary(steps, idx)
            };
            ro.status.abort = abort;
            assert_eq!(set_weight(&ro), Some(want), "{rule}");
        }
        let mut bg = blue_green();
        assert_eq!(set_weight(&bg), None, "blue-green: no SetWeight line");
        bg.status.abort = true;
        assert_eq!(set_weight(&bg), None, "blue-green aborted: still none");
    }

    #[test]
    fn actual_weight_follows_new_rollout_info() {
        let steps = || vec![Step::weight(20), Step::pause(None)];
        // (index, routed, router weights, available, canary available, want, rule)
        let rows = [
            (
                Some(4),
                false,
                None,
                10,
                2,
                100,
                "no current step: maxTrafficWeight",
            ),
            (
                Some(4),
                true,
                Some(weights(5)),
                10,
                2,
                100,
                "even while the router holds less",
            ),
            (
                Some(1),
                false,
                None,
                0,
                0,
                0,
                "AvailableReplicas 0: the initial \"0\"",
            ),
            (
                Some(1),
                false,
                None,
                10,
                2,
                20,
                "basic canary: canary available share",
            ),
            (
                Some(1),
                false,
                None,
                3,
                1,
                33,
                "integer division rounds down",
            ),
            (
                Some(1),
                true,
                Some(weights(7)),
                10,
                2,
                7,
                "router: Status.Canary.Weights",
            ),
            (
                Some(1),
                true,
                None,
                10,
                2,
                20,
                "router before weights: the SetWeight",
            ),
            (
                Some(1),
                true,
                Some(weights(-3)),
                10,
                2,
                0,
                "a negative weight shows as 0",
            ),
        ];
        for (idx, router, w, available, canary_available, want, rule) in rows {
            let mut ro = if router {
                routed(steps(), idx, 100)
            } else {
                canary(steps(), idx)
            };
            ro.status.available_replicas = available;
            ro.status.canary.weights = w;
            let set = set_weight(&ro).expect("a canary has a SetWeight");
            assert_eq!(
                actual_weight(&ro, set, canary_available),
                Some(want),
                "{rule}"
            );
        }
        assert_eq!(actual_weight(&blue_green(), 100, 3), None, "blue-green");
    }

    #[test]
    fn step_line_follows_new_rollout_info() {
        // (index, step count, want, rule)
        let rows = [
            (Some(1), 4, "1/4", "CurrentStepIndex/len(steps)"),
            (Some(4), 4, "4/4", "past the last step: still shown"),
            (None, 4, "", "no index: empty"),
            (Some(0), 0, "", "no steps: empty"),
        ];
        for (index, steps, want, rule) in rows {
            assert_eq!(step_shown(index, steps), want, "{rule}");
        }
    }

    #[test]
    fn replica_set_status_follows_get_replica_set_health() {
        // (spec.replicas, available, want, rule)
        let rows = [
            (
                3,
                1,
                ReplicaSetHealth::Progressing,
                "AvailableReplicas < spec.replicas",
            ),
            (3, 3, ReplicaSetHealth::Healthy, "all available"),
            (
                3,
                4,
                ReplicaSetHealth::Healthy,
                "more available than wanted (scaling down)",
            ),
            (
                0,
                2,
                ReplicaSetHealth::ScaledDown,
                "spec 0: ScaledDown, pods still going",
            ),
            (0, 0, ReplicaSetHealth::ScaledDown, "spec 0, none left"),
            (
                -1,
                0,
                ReplicaSetHealth::Healthy,
                "a negative spec is never waited for",
            ),
        ];
        for (spec, available, want, rule) in rows {
            assert_eq!(replica_set_health(spec, available), want, "{rule}");
        }
        assert_eq!(ReplicaSetHealth::ScaledDown.as_str(), "ScaledDown");
    }

    #[test]
    fn replica_set_tags_follow_get_replica_set_info() {
        let canary_src = RoleSources {
            stable: "old",
            current: "new",
            ..Default::default()
        };
        let bg_src = RoleSources {
            stable: "old",
            current: "new",
            blue_green: true,
            active: Some("old"),
            preview: Some("new"),
        };
        let same = RoleSources {
            active: Some("new"),
            preview: Some("new"),
            ..bg_src
        };
        let first = RoleSources {
            stable: "",
            current: "new",
            ..Default::default()
        };
        // (hash, sources, want tags, rule)
        let rows: [(&str, RoleSources<'_>, &[&str], &str); 8] = [
            ("old", canary_src, &["stable"], "StableRS == hash"),
            (
                "new",
                canary_src,
                &["canary"],
                "else CurrentPodHash == hash: canary",
            ),
            ("other", canary_src, &[], "an old revision: no tag"),
            (
                "new",
                first,
                &["canary"],
                "no stable yet: the current one is the canary",
            ),
            (
                "old",
                bg_src,
                &["stable", "active"],
                "blue-green: stable and active together",
            ),
            (
                "new",
                bg_src,
                &["preview"],
                "blue-green: never canary; preview",
            ),
            (
                "new",
                same,
                &["active"],
                "active wins over preview (else if)",
            ),
            (
                "other",
                bg_src,
                &[],
                "blue-green: an old revision has no tag",
            ),
        ];
        for (hash, src, want, rule) in rows {
            let roles = replica_set_roles(hash, &src);
            assert_eq!(roles.names().collect::<Vec<_>>(), want, "{rule}");
            for name in ReplicaSetRoles::NAMES {
                assert_eq!(roles.has(name), want.contains(&name), "{rule}: {name}");
            }
        }
    }
}
