//! The checks of a run: the scenario's script walked item by item (its actions handed to the
//! world, its waits and expectations judged against what `get` would show), the invariants
//! watched after every change, and the final expectation. The failures found are kept here;
//! each verdict is also journaled.

use smol_str::SmolStr;

use crate::engine::SimTime;
use crate::scenario::{Invariant, Observation, Scenario, ScriptAction};

use super::driver::{Driver, Ev};
use super::journal::{ActionVerb, EntryKind};
use super::operator::AutoPromoter;
use super::world::{Performed, PodTotals, World};
use super::{Failure, after_change};

/// Script progress, invariants and failures.
pub(super) struct Checks<'s> {
    sc: &'s Scenario,
    /// Next script item, and whether its start was journaled.
    pc: usize,
    pc_started: bool,
    /// When the current `wait` for a duration ends.
    wait_deadline: Option<SimTime>,
    /// The observation the current `wait` or `expect` is checked against, rewritten in place
    /// at every check (built and dropped after every change, it cost more than the check).
    wait_obs: Observation,
    /// The invariants found broken, by index: each is reported once. Empty in most runs,
    /// so it allocates nothing then.
    invariant_broken: Vec<usize>,
    /// What the invariants were last checked against (the pods, and whether the rollout had
    /// been Healthy): a verdict depends on nothing else, so the same inputs find nothing new.
    invariants_checked: Option<(PodTotals, bool)>,
    failures: Vec<Failure>,
}

impl<'s> Checks<'s> {
    /// The checks of `sc`, before its script starts.
    pub(super) fn new(sc: &'s Scenario) -> Self {
        Checks {
            sc,
            pc: 0,
            pc_started: false,
            wait_deadline: None,
            wait_obs: Observation::default(),
            invariant_broken: Vec::new(),
            invariants_checked: None,
            failures: Vec::new(),
        }
    }

    /// Done when the script has run to its end (an empty script runs until nothing is left
    /// to happen, or the timeout).
    pub(super) fn script_done(&self) -> bool {
        !self.sc.script.is_empty() && self.pc >= self.sc.script.len()
    }

    /// The failures found so far.
    pub(super) fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// The failures, at the end of the run.
    pub(super) fn into_failures(self) -> Vec<Failure> {
        self.failures
    }

    /// Runs script items until one has to wait. True when an action changed the world.
    pub(super) fn advance_script(
        &mut self,
        world: &mut World<'_>,
        d: &mut Driver,
        operator: &mut AutoPromoter,
    ) -> bool {
        let sc = self.sc;
        let mut changed = false;
        while let Some(item) = sc.script.get(self.pc) {
            let first_look = !self.pc_started;
            if first_look {
                self.pc_started = true;
                if !matches!(item.action, ScriptAction::Expect(_)) {
                    world.record(
                        d.now(),
                        EntryKind::ScriptAction {
                            line: item.line,
                            action: item.action_text().clone(),
                            verb: ActionVerb::of(&item.action),
                        },
                    );
                }
            }
            match &item.action {
                ScriptAction::WaitFor(wait) => {
                    let deadline = *self.wait_deadline.get_or_insert_with(|| {
                        let at = d.now() + *wait;
                        d.schedule(at, Ev::ScriptWake);
                        at
                    });
                    if d.now() < deadline {
                        return changed;
                    }
                    self.wait_deadline = None;
                }
                ScriptAction::WaitUntil(c) => {
                    // Most checks find the wait still waiting for its phase or step: those
                    // keys are read from the status first, and nothing else is gathered then.
                    if !world.head_holds(c) {
                        debug_assert!(
                            !c.holds(&world.observe(d.now())),
                            "wait {{{c}}} failed on its phase and step alone"
                        );
                        return changed;
                    }
                    let reads = item.condition_reads();
                    world.observe_into(&mut self.wait_obs, d.now(), reads);
                    let holds = c.holds_of(&self.wait_obs, item.condition_sets());
                    // What the wait leaves out must not change its verdict: checked against
                    // the whole observation in every debug build (so in every test).
                    debug_assert_eq!(
                        holds,
                        c.holds(&world.observe(d.now())),
                        "wait {{{c}}} read from {reads:?}"
                    );
                    if !holds {
                        return changed;
                    }
                    world.record(
                        d.now(),
                        EntryKind::ExpectationChecked {
                            ok: true,
                            check: SmolStr::new_static("wait"),
                            line: item.line,
                            detail: item.condition_text().clone(),
                        },
                    );
                }
                ScriptAction::Expect(c) => {
                    // Gathered as a wait's, of what it reads only: a mismatch's text shows
                    // only the keys the condition sets (checked against the whole
                    // observation in every debug build).
                    let reads = item.condition_reads();
                    world.observe_into(&mut self.wait_obs, d.now(), reads);
                    let mism = c.mismatches_of(&self.wait_obs, item.condition_sets());
                    debug_assert_eq!(
                        mism,
                        c.mismatches(&world.observe(d.now())),
                        "expect {{{c}}} read from {reads:?}"
                    );
                    if mism.is_empty() {
                        world.record(
                            d.now(),
                            EntryKind::ExpectationChecked {
                                ok: true,
                                check: SmolStr::new_static("expect"),
                                line: item.line,
                                detail: item.condition_text().clone(),
                            },
                        );
                    } else {
                        let why: Vec<String> = mism.iter().map(ToString::to_string).collect();
                        let cond = c.to_string();
                        self.fail(world, d.now(), item.line, "expect", &cond, why.join("; "));
                    }
                }
                action => {
                    let now = d.now();
                    match world.perform(d, action, item.line) {
                        Performed::Done => after_change(world, d, self, operator),
                        Performed::Missed(why) => {
                            self.fail(world, now, item.line, "script", &action.describe(), why);
                            after_change(world, d, self, operator);
                        }
                        Performed::Refused(why) => {
                            self.fail(world, now, item.line, "script", &action.describe(), why);
                        }
                        Performed::Skipped => {}
                    }
                    changed = true;
                }
            }
            self.pc += 1;
            self.pc_started = false;
        }
        changed
    }

    /// Checks the invariants against what the rollout shows after a change: the pods the
    /// glance of that change counted.
    #[inline]
    pub(super) fn check_invariants(
        &mut self,
        world: &mut World<'_>,
        now: SimTime,
        pods: PodTotals,
    ) {
        if self.sc.invariants.is_empty() {
            return;
        }
        let live = world.became_healthy();
        // Most changes move the status, not the pods: checked again, every invariant would
        // find what it found last time (one already broken is not reported again).
        if self.invariants_checked == Some((pods, live)) {
            return;
        }
        self.invariants_checked = Some((pods, live));
        self.check_invariants_against(world, now, pods, live);
    }

    /// `check_invariants` once the totals moved: apart, so that the check above, made after
    /// every change, does not pay for the setup of the failures' texts below.
    #[inline(never)]
    fn check_invariants_against(
        &mut self,
        world: &mut World<'_>,
        now: SimTime,
        pods: PodTotals,
        live: bool,
    ) {
        let PodTotals {
            available,
            running: pods,
        } = pods;
        for (i, inv) in self.sc.invariants.iter().enumerate() {
            if self.invariant_broken.contains(&i) {
                continue;
            }
            let broken = match *inv {
                Invariant::MinAvailable(n) => {
                    (live && available < n).then(|| format!("{available} pods available"))
                }
                Invariant::MaxPods(n) => (pods > n).then(|| format!("{pods} pods running")),
            };
            if let Some(detail) = broken {
                self.invariant_broken.push(i);
                self.fail(world, now, 0, "invariant", &inv.to_string(), detail);
            }
        }
    }

    /// Records a failed check.
    fn fail(
        &mut self,
        world: &mut World<'_>,
        now: SimTime,
        line: u32,
        check: &str,
        condition: &str,
        detail: String,
    ) {
        world.record(
            now,
            EntryKind::ExpectationChecked {
                ok: false,
                check: check.into(),
                line,
                detail: smol_str::format_smolstr!("{{{condition}}}: {detail}"),
            },
        );
        self.failures.push(Failure {
            t: now,
            line,
            check: check.to_string(),
            condition: condition.to_string(),
            detail,
        });
    }

    /// At the end: a script item still pending has failed; then the final expectation. `obs`:
    /// the rollout as it ends (`World::observe`).
    pub(super) fn settle_end(
        &mut self,
        world: &mut World<'_>,
        now: SimTime,
        timed_out: bool,
        obs: &Observation,
    ) {
        let sc = self.sc;
        if let Some(item) = sc.script.get(self.pc) {
            let why_end = if timed_out {
                format!("not reached by the timeout ({})", sc.timeout)
            } else {
                format!("nothing else happens after {now}")
            };
            match &item.action {
                ScriptAction::WaitUntil(c) => {
                    let why: Vec<String> =
                        c.mismatches(obs).iter().map(ToString::to_string).collect();
                    let cond = c.to_string();
                    self.fail(
                        world,
                        now,
                        item.line,
                        "wait",
                        &cond,
                        format!("{why_end}; {}", why.join("; ")),
                    );
                }
                other => {
                    let what = other.describe();
                    self.fail(
                        world,
                        now,
                        item.line,
                        "script",
                        &what,
                        format!("the script did not finish: {why_end}"),
                    );
                }
            }
        }
        if let Some(expect) = &sc.expect {
            let mism = expect.mismatches(obs);
            if mism.is_empty() {
                world.record(
                    now,
                    EntryKind::ExpectationChecked {
                        ok: true,
                        check: SmolStr::new_static("final expect"),
                        line: sc.expect_line,
                        // Written once per scenario, not at the end of every run.
                        detail: sc.expect_text().cloned().unwrap_or_default(),
                    },
                );
            } else {
                let why: Vec<String> = mism.iter().map(ToString::to_string).collect();
                let cond = expect.to_string();
                self.fail(
                    world,
                    now,
                    sc.expect_line,
                    "final expect",
                    &cond,
                    why.join("; "),
                );
            }
        }
    }
}
