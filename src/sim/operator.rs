//! The default scenario's stand-in for a human: when a rollout waits on someone to promote
//! it, this operator does so after the scenario's `autoPromote` delay, as the user who runs
//! bare manifests would. It acts on the world only through the plugin's `promote`.

use crate::engine::SimDuration;

use super::driver::{Driver, Ev};
use super::journal::{ActionVerb, EntryKind};
use super::world::World;

/// The auto-promotion timer: what it was last armed for.
pub(super) struct AutoPromoter {
    /// `autoPromote` of the scenario (`None`: no stand-in).
    delay: Option<SimDuration>,
    /// The (generation, step, pause start) the timer was last armed for.
    armed_for: Option<(u64, u32, u64)>,
}

impl AutoPromoter {
    /// A stand-in promoting after `delay`, or none.
    pub(super) fn new(delay: Option<SimDuration>) -> Self {
        AutoPromoter {
            delay,
            armed_for: None,
        }
    }

    /// An indefinite pause (a `pause: {}` step, or the blue-green pause before the switch
    /// with `autoPromotionEnabled: false`), or an experiment that would run forever (no
    /// duration, no required analysis), is promoted after the delay: the timer is armed once
    /// per pause.
    pub(super) fn arm(&mut self, world: &mut World<'_>, d: &mut Driver) {
        let Some(delay) = self.delay else {
            return;
        };
        let Some((idx, start)) = world.indefinite_pause() else {
            return;
        };
        let generation = world.rollout().generation;
        let key = (generation, idx, start);
        if self.armed_for == Some(key) {
            return;
        }
        self.armed_for = Some(key);
        // Kept in the world for the `watch` line that counts down to it.
        let at = d.now() + delay;
        world.scenario_promotion = Some((key, at));
        d.schedule(
            at,
            Ev::AutoPromote {
                step: idx,
                generation,
            },
        );
    }

    /// The timer armed at `step` of `generation` rang: promote, if the rollout still waits
    /// there. True when it promoted.
    pub(super) fn fire(
        &self,
        world: &mut World<'_>,
        d: &mut Driver,
        step: u32,
        generation: u64,
    ) -> bool {
        let still = world.rollout().generation == generation
            && world.indefinite_pause().is_some_and(|(idx, _)| idx == step);
        if !still {
            return false;
        }
        world.record(
            d.now(),
            EntryKind::ScriptAction {
                line: 0,
                action: "promote (auto)".into(),
                verb: ActionVerb::AutoPromote,
            },
        );
        world.promote(d, false);
        d.request_reconcile();
        true
    }
}
