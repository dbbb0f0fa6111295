//! The verbs of the `kubectl argo rollouts` plugin (`pkg/kubectl-argo-rollouts/cmd/`) as
//! pure functions from the Rollout object to the patch the plugin sends: `promote` (with
//! `--full`), `abort`, `retry`, `pause`, `undo`, `restart`, and what each amounts to when
//! there is nothing for it to act on.
//!
//! The plugin is a client: it reads the Rollout, patches it and returns; the controller reacts
//! to the patch at its next reconcile. The simulation applies these patches to its Rollout
//! object, journaling a spec change as a new generation.

use super::RolloutObject;
use super::status::RolloutStatus;
use crate::analysis::run::AnalysisPhase;
use crate::api::PodTemplate;
use crate::engine::{SimDuration, SimTime};

/// What a verb writes to the Rollout, as the merge patches of the plugin do. The spec half
/// (`unpause`) changes the generation; the rest goes to the status subresource.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Patch {
    /// `{"spec":{"paused":false}}` (`unpausePatch`).
    pub unpause: bool,
    /// `status.abort`.
    pub abort: Option<bool>,
    /// `{"status":{"promoteFull":true}}`.
    pub promote_full: bool,
    /// `status.pauseConditions: null`.
    pub clear_pause_conditions: bool,
    /// `status.controllerPause: false`.
    pub clear_controller_pause: bool,
    /// `status.currentStepIndex`.
    pub current_step_index: Option<u32>,
}

impl Patch {
    /// Writes the status half of the patch (the spec half is the caller's: a spec edit).
    pub fn apply_to_status(&self, st: &mut RolloutStatus) {
        if let Some(abort) = self.abort {
            st.abort = abort;
        }
        if self.promote_full {
            st.promote_full = true;
        }
        if self.clear_pause_conditions {
            st.pause_conditions.clear();
        }
        if self.clear_controller_pause {
            st.controller_pause = false;
        }
        if let Some(i) = self.current_step_index {
            st.current_step_index = Some(i);
        }
    }
}

/// The number of canary steps (0 for blue-green).
fn step_count(ro: &RolloutObject) -> u32 {
    ro.spec.canary().map_or(0, |c| c.step_count())
}

/// The step after the current one, never past the end (`*index++` while below the count).
fn next_step(ro: &RolloutObject) -> u32 {
    let idx = ro.status.current_step_index.unwrap_or(0);
    (idx + 1).min(step_count(ro))
}

/// `promote` (`cmd/promote/promote.go`, `getPatches`). Both forms unpause `spec.paused`.
/// `--full`: `promoteFull` while an update is in progress. Plain: after an inconclusive step
/// analysis that paused the rollout, clear the pause and `controllerPause` and skip the step
/// (`isInconclusive`); else clear the pause conditions, leaving `controllerPause` set, which
/// is how the controller learns that a human resumed it; else (not paused) skip the current
/// step.
pub fn promote(ro: &RolloutObject, full: bool) -> Patch {
    let st = &ro.status;
    let unpause = ro.spec.paused;
    if full {
        return Patch {
            unpause,
            promote_full: st.current_pod_hash != st.stable_rs,
            ..Patch::default()
        };
    }
    let inconclusive = st
        .canary
        .step_analysis
        .as_ref()
        .is_some_and(|r| r.phase == AnalysisPhase::Inconclusive);
    if inconclusive && !st.pause_conditions.is_empty() && st.controller_pause {
        return Patch {
            unpause,
            clear_pause_conditions: true,
            clear_controller_pause: true,
            current_step_index: Some(next_step(ro)),
            ..Patch::default()
        };
    }
    if !st.pause_conditions.is_empty() {
        return Patch {
            unpause,
            clear_pause_conditions: true,
            ..Patch::default()
        };
    }
    Patch {
        unpause,
        current_step_index: (step_count(ro) > 0).then(|| next_step(ro)),
        ..Patch::default()
    }
}

/// `abort` (`cmd/abort/abort.go`): `{"status":{"abort":true}}`.
pub fn abort() -> Patch {
    Patch {
        abort: Some(true),
        ..Patch::default()
    }
}

/// `retry rollout` (`cmd/retry/retry.go`): `{"status":{"abort":false}}`.
pub fn retry() -> Patch {
    Patch {
        abort: Some(false),
        ..Patch::default()
    }
}

/// `restart` (`cmd/restart/restart.go`): `spec.restartAt` is now, or `--in` later, written
/// as RFC 3339, hence in whole seconds.
pub fn restart_at(now: SimTime, delay: Option<SimDuration>) -> SimTime {
    (now + delay.unwrap_or_default()).truncate_to_second()
}

/// What `undo` does (`cmd/undo/undo.go`, `RunUndoRollout`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Undo<'t> {
    /// The spec's template becomes this revision's.
    Rollback {
        /// The revision rolled back to.
        revision: u64,
        /// Its ReplicaSet's pod template.
        template: &'t PodTemplate,
    },
    /// `skipped rollback (current template already matches revision N)`: nothing is patched.
    AlreadyThere {
        /// The revision asked for, as the plugin prints it: 0 when none was (its default),
        /// whichever revision that found.
        revision: u64,
    },
}

/// `undo [--to-revision N]` over the rollout's ReplicaSets given as (revision, template):
/// revision N, or by default (no N, or N = 0, the flag's default) the second-highest revision
/// (`rolloutRevision`). The error is the plugin's own message.
pub fn undo<'t>(
    ro: &RolloutObject,
    history: &[(u64, &'t PodTemplate)],
    to_revision: Option<u64>,
) -> Result<Undo<'t>, String> {
    let asked = to_revision.unwrap_or(0);
    let mut sorted: Vec<(u64, &PodTemplate)> = history.to_vec();
    sorted.sort_by_key(|(rev, _)| *rev);
    let target = match asked {
        0 => sorted.iter().rev().nth(1),
        r => sorted.iter().find(|(rev, _)| *rev == r),
    };
    let Some(&(revision, template)) = target else {
        return Err(match asked {
            0 => format!("no revision found for rollout \"{}\"", ro.name),
            r => format!("unable to find specified revision {r} in history"),
        });
    };
    if *template == ro.spec.template {
        // `RunUndoRollout` prints the flag's value, not the revision it found.
        return Ok(Undo::AlreadyThere { revision: asked });
    }
    Ok(Undo::Rollback { revision, template })
}

/// A verb whose no-op case the simulation explains in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `promote`.
    Promote,
    /// `promote --full`.
    PromoteFull,
    /// `abort`.
    Abort,
    /// `retry rollout`.
    Retry,
    /// `pause` (`cmd/pause/pause.go`: `{"spec":{"paused":true}}`).
    Pause,
    /// Setting `spec.paused: false` by hand (the plugin has no such verb: `promote` does it).
    Resume,
}

/// What a verb amounts to when there is nothing for it to act on. The plugin patches and
/// reports success regardless; the controller then ignores or clears the patch. `None` when
/// the verb has an effect.
pub fn no_effect_note(ro: &RolloutObject, verb: Verb) -> Option<String> {
    let st = &ro.status;
    let name = &ro.name;
    let no_update = !st.stable_rs.is_empty() && st.stable_rs == st.current_pod_hash;
    match verb {
        Verb::Promote => {
            let steps = step_count(ro);
            let step_left = st.current_step_index.is_some_and(|i| i < steps);
            // The plugin does not look at `status.abort`: it skips a step as usual, and the
            // controller of an aborted update puts the index back to 0 at once
            // (`syncRolloutStatusCanary`). Only `retry` or `promote --full` resume it.
            if st.abort && step_left && !ro.spec.paused && st.pause_conditions.is_empty() {
                return Some(format!(
                    "rollout '{name}' is aborted: promote writes step {} to \
                     status.currentStepIndex and the controller sets it back to 0; the update \
                     stays aborted (retry starts it again, promote --full promotes it)",
                    next_step(ro)
                ));
            }
            let what = if steps > 0 {
                "is not paused and has no step left"
            } else {
                "is not paused"
            };
            (!ro.spec.paused && st.pause_conditions.is_empty() && !step_left).then(|| {
                format!(
                    "nothing to promote: rollout '{name}' {what} (the plugin prints \
                     \"rollout '{name}' promoted\" and nothing changes)"
                )
            })
        }
        Verb::PromoteFull => (!ro.spec.paused && no_update).then(|| {
            format!(
                "nothing to promote: rollout '{name}' has no update in progress (the \
                 plugin prints \"rollout '{name}' fully promoted\" and nothing changes)"
            )
        }),
        Verb::Abort if st.abort => Some(format!("rollout '{name}' is already aborted")),
        Verb::Abort if no_update => Some(format!(
            "nothing to abort: rollout '{name}' has no update in progress; the controller \
             clears the abort at once and the rollout stays as it is"
        )),
        Verb::Retry if !st.abort => Some(format!(
            "nothing to retry: rollout '{name}' is not aborted (the plugin prints \
             \"rollout '{name}' retried\" and nothing changes)"
        )),
        Verb::Pause if ro.spec.paused => Some(format!("rollout '{name}' is already paused")),
        Verb::Resume if !ro.spec.paused => Some(format!(
            "rollout '{name}' is not paused by spec.paused; pause steps and other pause \
             conditions stay (promote clears them)"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{blue_green, canary};
    use super::super::status::{PauseCondition, PauseReason, RunRef};
    use super::*;
    use crate::api::Step;

    fn paused_at_step() -> Vec<PauseCondition> {
        vec![PauseCondition {
            reason: PauseReason::CanaryPauseStep,
            start_time: SimTime::ZERO,
        }]
    }

    fn inconclusive() -> Option<RunRef> {
        Some(RunRef {
            name: "ro-step-1".into(),
            phase: AnalysisPhase::Inconclusive,
            message: String::new().into(),
        })
    }

    #[test]
    fn promote_patches_as_get_patches_builds_them() {
        let steps = || vec![Step::weight(20), Step::pause(None), Step::weight(50)];
        // (index, spec.paused, pause conditions, controllerPause, step analysis, full,
        //  want patch, the rule of `getPatches` the row pins)
        let rows = [
            (
                Some(1),
                false,
                paused_at_step(),
                true,
                None,
                false,
                Patch {
                    clear_pause_conditions: true,
                    ..Patch::default()
                },
                "paused: clearPauseConditionsPatch, controllerPause left set",
            ),
            (
                Some(1),
                true,
                paused_at_step(),
                true,
                None,
                false,
                Patch {
                    unpause: true,
                    clear_pause_conditions: true,
                    ..Patch::default()
                },
                "spec.paused: unpausePatch too",
            ),
            (
                Some(1),
                false,
                paused_at_step(),
                true,
                inconclusive(),
                false,
                Patch {
                    clear_pause_conditions: true,
                    clear_controller_pause: true,
                    current_step_index: Some(2),
                    ..Patch::default()
                },
                "isInconclusive: clear both and skip the step",
            ),
            (
                Some(1),
                false,
                vec![],
                false,
                inconclusive(),
                false,
                Patch {
                    current_step_index: Some(2),
                    ..Patch::default()
                },
                "inconclusive but not paused: the step is skipped",
            ),
            (
                Some(0),
                false,
                vec![],
                false,
                None,
                false,
                Patch {
                    current_step_index: Some(1),
                    ..Patch::default()
                },
                "not paused: clearPauseConditionsPatchWithStep, index + 1",
            ),
            (
                None,
                false,
                vec![],
                false,
                None,
                false,
                Patch {
                    current_step_index: Some(1),
                    ..Patch::default()
                },
                "an unset index reads as 0",
            ),
            (
                Some(3),
                false,
                vec![],
                false,
                None,
                false,
                Patch {
                    current_step_index: Some(3),
                    ..Patch::default()
                },
                "never past the step count",
            ),
            (
                Some(1),
                true,
                paused_at_step(),
                true,
                None,
                true,
                Patch {
                    unpause: true,
                    promote_full: true,
                    ..Patch::default()
                },
                "--full: unpausePatch and promoteFullPatch",
            ),
        ];
        for (idx, spec_paused, conditions, controller_pause, analysis, full, want, rule) in rows {
            let mut ro = canary(steps(), idx);
            ro.spec.paused = spec_paused;
            ro.status.pause_conditions = conditions;
            ro.status.controller_pause = controller_pause;
            ro.status.canary.step_analysis = analysis;
            assert_eq!(promote(&ro, full), want, "{rule}");
        }
    }

    #[test]
    fn promote_edge_cases_of_get_patches() {
        // --full with no update in progress: only the spec half, if any.
        let mut ro = canary(vec![Step::weight(20)], Some(1));
        ro.status.stable_rs = "new".into();
        assert_eq!(
            promote(&ro, true),
            Patch::default(),
            "--full at rest: nothing"
        );
        // A canary without steps: nothing to skip.
        let ro = canary(vec![], None);
        assert_eq!(promote(&ro, false), Patch::default(), "no steps: no index");
        // Blue-green paused before the switch: the pause condition is cleared.
        let mut ro = blue_green();
        ro.status.pause_conditions = vec![PauseCondition {
            reason: PauseReason::BlueGreenPause,
            start_time: SimTime::ZERO,
        }];
        ro.status.controller_pause = true;
        let patch = promote(&ro, false);
        assert!(patch.clear_pause_conditions && !patch.clear_controller_pause);
        patch.apply_to_status(&mut ro.status);
        assert!(ro.status.pause_conditions.is_empty() && ro.status.controller_pause);
    }

    #[test]
    fn abort_and_retry_patch_status_abort() {
        let mut ro = canary(vec![Step::weight(20)], Some(0));
        abort().apply_to_status(&mut ro.status);
        assert!(ro.status.abort, "abortPatch");
        retry().apply_to_status(&mut ro.status);
        assert!(!ro.status.abort, "retryRolloutPatch");
        assert_eq!(
            abort().current_step_index,
            None,
            "abort leaves the index alone"
        );
    }

    #[test]
    fn restart_at_is_whole_seconds_from_now() {
        let now = SimTime(61_500);
        // (delay, want, rule)
        let rows = [
            (None, SimTime(61_000), "no --in: now, as RFC 3339 writes it"),
            (Some(SimDuration(30_000)), SimTime(91_000), "--in 30s"),
            (
                Some(SimDuration(600)),
                SimTime(62_000),
                "--in 600ms crosses a second",
            ),
        ];
        for (delay, want, rule) in rows {
            assert_eq!(restart_at(now, delay), want, "{rule}");
        }
    }

    #[test]
    fn undo_picks_revisions_as_rollout_revision_does() {
        let ro = canary(vec![Step::weight(20)], Some(0));
        let current = ro.spec.template.clone();
        let v1 = PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": "app:v1"}]}}),
        );
        let v0 = PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": "app:v0"}]}}),
        );
        let history = [(3, &current), (1, &v0), (2, &v1)];
        // (to revision, want, rule)
        let rows = [
            (
                None,
                Ok(Undo::Rollback {
                    revision: 2,
                    template: &v1,
                }),
                "default: the second-highest revision",
            ),
            (
                Some(1),
                Ok(Undo::Rollback {
                    revision: 1,
                    template: &v0,
                }),
                "--to-revision",
            ),
            (
                Some(3),
                Ok(Undo::AlreadyThere { revision: 3 }),
                "equalIgnoreHash: skipped rollback",
            ),
            (
                Some(9),
                Err("unable to find specified revision 9 in history".to_string()),
                "unknown revision",
            ),
            (
                Some(0),
                Ok(Undo::Rollback {
                    revision: 2,
                    template: &v1,
                }),
                "--to-revision 0, the flag's default: the second-highest revision",
            ),
        ];
        for (to, want, rule) in rows {
            assert_eq!(undo(&ro, &history, to), want, "{rule}");
        }
        for to in [None, Some(0)] {
            assert_eq!(
                undo(&ro, &history[..1], to),
                Err("no revision found for rollout \"ro\"".to_string()),
                "{to:?}, a single revision: nothing to go back to"
            );
        }
        // The previous revision already in the spec: the plugin prints the flag's value, 0.
        let mut back = ro.clone();
        back.spec.template = v1.clone();
        for to in [None, Some(0)] {
            assert_eq!(
                undo(&back, &history, to),
                Ok(Undo::AlreadyThere { revision: 0 }),
                "{to:?}: skipped rollback (... matches revision 0)"
            );
        }
    }

    #[test]
    fn no_effect_notes_say_when_the_patch_changes_nothing() {
        let at_rest = || {
            let mut ro = canary(vec![Step::weight(20)], Some(1));
            ro.status.stable_rs = "new".into();
            ro
        };
        let updating = || canary(vec![Step::weight(20), Step::pause(None)], Some(1));
        // (rollout, verb, whether a note is due, rule)
        let mut aborted = updating();
        aborted.status.abort = true;
        let mut paused = updating();
        paused.spec.paused = true;
        let rows = [
            (at_rest(), Verb::Promote, true, "not paused, no step left"),
            (
                updating(),
                Verb::Promote,
                false,
                "a step left: promote skips it",
            ),
            (at_rest(), Verb::PromoteFull, true, "no update in progress"),
            (updating(), Verb::PromoteFull, false, "an update to promote"),
            (
                at_rest(),
                Verb::Abort,
                true,
                "no update: the controller clears abort",
            ),
            (aborted.clone(), Verb::Abort, true, "already aborted"),
            (updating(), Verb::Abort, false, "an update to abort"),
            (updating(), Verb::Retry, true, "not aborted"),
            (
                aborted.clone(),
                Verb::Retry,
                false,
                "aborted: retry clears it",
            ),
            (
                aborted.clone(),
                Verb::Promote,
                true,
                "aborted: the controller sets the index back",
            ),
            (
                aborted,
                Verb::PromoteFull,
                false,
                "aborted: promoteFull resumes the update",
            ),
            (paused.clone(), Verb::Pause, true, "already paused"),
            (updating(), Verb::Resume, true, "not paused by spec.paused"),
            (paused, Verb::Resume, false, "spec.paused to clear"),
        ];
        for (ro, verb, noted, rule) in rows {
            assert_eq!(no_effect_note(&ro, verb).is_some(), noted, "{rule}");
        }
        assert_eq!(
            no_effect_note(&at_rest(), Verb::Retry).as_deref(),
            Some(
                "nothing to retry: rollout 'ro' is not aborted (the plugin prints \"rollout \
                 'ro' retried\" and nothing changes)"
            )
        );
    }
}
