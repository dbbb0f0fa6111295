//! Replica arithmetic (upstream `utils/replicaset/canary.go`, and the fencepost resolution and
//! blue-green sizes of `utils/replicaset/replicaset.go`): how many pods the canary and stable
//! (or preview and active) ReplicaSets get in *one* reconcile, and whether a step has reached
//! its counts.
//!
//! Everything here is integer arithmetic on plain inputs, with Go's `int32` semantics kept as
//! `i32` (intermediate budgets can go negative exactly as upstream). The controller and the
//! conformance table test call the same functions.

use crate::api::{AbortDelay, CanaryScale, IntOrString, ProgressThreshold, Step};

/// A step's `setWeight` as the arithmetic's Go `int32`. Every count read through
/// `manifest::Report::count` is at most 1,000,000,000 (the largest `maxTrafficWeight`), below
/// `i32::MAX`, so the saturation is never reached.
pub(super) fn set_weight(step: &Step) -> Option<i32> {
    step.set_weight
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// The rollout-level inputs of the arithmetic (spec and the status fields it reads).
#[derive(Debug, Clone)]
pub struct CanaryInputs<'a> {
    /// `spec.replicas` after defaulting (nil means 1).
    pub replicas: i32,
    /// `canary.maxSurge` (a count or a percentage); `None` means Argo's default 25%.
    pub max_surge: Option<&'a IntOrString>,
    /// `canary.maxUnavailable` (a count or a percentage); `None` means Argo's default 25%.
    pub max_unavailable: Option<&'a IntOrString>,
    /// `canary.steps`: the arithmetic reads their `setWeight` and `setCanaryScale`.
    pub steps: &'a [Step],
    /// `canary.trafficRouting` is set: the weight goes to a router, not to pod counts.
    pub traffic_routed: bool,
    /// `trafficRouting.maxTrafficWeight` (100 unless set).
    pub max_weight: i32,
    /// `canary.dynamicStableScale`: the stable shrinks as traffic moves off it.
    pub dynamic_stable_scale: bool,
    /// `canary.minPodsPerReplicaSet`: the fewest pods a routed canary or stable is given.
    pub min_pods_per_replica_set: Option<i32>,
    /// `canary.abortScaleDownDelaySeconds`.
    pub abort_delay: AbortDelay,
    /// `canary.replicaProgressThreshold`.
    pub progress_threshold: Option<ProgressThreshold>,
    /// What the previous reconcile left in the status.
    pub status: StatusInputs<'a>,
}

/// The status fields the arithmetic reads, as at the start of the reconcile.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusInputs<'a> {
    /// `status.stableRS`: the pod-template hash of the stable ReplicaSet.
    pub stable_rs: &'a str,
    /// `status.currentPodHash`: the hash of the desired (newest) template.
    pub current_pod_hash: &'a str,
    /// `status.currentStepIndex`; `None` when there are no steps.
    pub current_step_index: Option<i32>,
    /// `status.abort`.
    pub abort: bool,
    /// `status.promoteFull`: a full promotion skips the remaining steps.
    pub promote_full: bool,
}

/// A ReplicaSet as the arithmetic sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsCounts<'a> {
    /// `metadata.name`, the tie-breaker when several ReplicaSets are scaled down.
    pub name: &'a str,
    /// The `rollouts-pod-template-hash` label.
    pub hash: &'a str,
    /// `spec.replicas`.
    pub spec: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.replicas` (non-terminating pods).
    pub status_replicas: i32,
}

/// The ReplicaSets that are neither new nor stable, as the arithmetic reads them: only
/// their totals matter (pods still to drain, pods still available).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OtherCounts {
    /// The sum of their `spec.replicas`.
    pub spec: i32,
    /// The sum of their `status.availableReplicas`.
    pub available: i32,
}

impl OtherCounts {
    /// The totals of `others`.
    pub fn of<'r>(others: impl IntoIterator<Item = &'r RsCounts<'r>>) -> Self {
        others
            .into_iter()
            .fold(OtherCounts::default(), |sum, o| OtherCounts {
                spec: sum.spec + o.spec,
                available: sum.available + o.available,
            })
    }
}

/// What a canary without a router aims for before its ReplicaSets are read (see
/// [`CanaryInputs::basic_targets`]): the fenceposts, and the whole-pod split of the weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicTargets {
    /// `MaxSurge`.
    pub surge: i32,
    /// `MaxUnavailable`.
    pub unavailable: i32,
    /// The canary's share of the split (`approximate_weighted_counts`).
    pub desired_new: i32,
    /// The stable's share of the split.
    pub desired_stable: i32,
}

/// Traffic weights the router applies, as recorded by the previous reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    /// `status.canary.weights.canary.weight`.
    pub canary: i32,
    /// `status.canary.weights.stable.weight`.
    pub stable: i32,
}

/// A maxSurge or maxUnavailable string that is not a number once its `%` signs are removed;
/// the message is Kubernetes' own, which Argo reports as `InvalidSpec`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value for IntOrString: invalid value {0:?}")]
pub struct FencepostError(pub String);

/// Kubernetes' deprecated `GetValueFromIntOrPercent`: an integer is a count; *any* string is a
/// percentage with its `%` signs removed (so `"1"` means 1%). Percentages of `total` round up
/// or down as asked.
pub fn value_from_int_or_percent(
    v: &IntOrString,
    total: i32,
    round_up: bool,
) -> Result<i32, FencepostError> {
    match v {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "Go's int32 IntOrString, and the manifest caps counts at 1,000,000"
        )]
        IntOrString::Int(i) => Ok(*i as i32),
        IntOrString::Str(s) => {
            let pct = match percent_digits(s) {
                Some(pct) => pct,
                None => percent_text(s)?,
            };
            Ok(percent_of(pct, total, round_up))
        }
    }
}

/// `pct` percent of `total`, rounded up or down, as Go's int32 of the result.
fn percent_of(pct: i64, total: i32, round_up: bool) -> i32 {
    let prod = pct * i64::from(total);
    let v = if round_up {
        div_ceil(prod, 100)
    } else {
        prod.div_euclid(100)
    };
    // Go's int32 conversion of a percentage of an int32 total, as upstream.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "as Go's int32(...) upstream"
    )]
    let v = v as i32;
    v
}

/// Argo's default maxSurge and maxUnavailable, 25%, as a number: the default needs no
/// reading of a `"25%"` string (the fenceposts are resolved on every reconcile).
const DEFAULT_PERCENT: i64 = 25;

/// [`value_from_int_or_percent`] of a maxSurge or maxUnavailable, Argo's 25% when unset.
fn value_or_default(
    v: Option<&IntOrString>,
    total: i32,
    round_up: bool,
) -> Result<i32, FencepostError> {
    match v {
        Some(v) => value_from_int_or_percent(v, total, round_up),
        None => Ok(percent_of(DEFAULT_PERCENT, total, round_up)),
    }
}

/// The common spelling of a percentage (`25%`, `25`): ASCII digits, `%` signs anywhere, at
/// most 18 digits so the value cannot overflow. Read in place: this runs several times per
/// reconcile. `None` sends anything else to [`percent_text`], which gives the same value for
/// these spellings.
fn percent_digits(s: &str) -> Option<i64> {
    let mut value: i64 = 0;
    let mut digits = 0;
    for b in s.bytes() {
        match b {
            b'%' => {}
            b'0'..=b'9' if digits < 18 => {
                value = value * 10 + i64::from(b - b'0');
                digits += 1;
            }
            _ => return None,
        }
    }
    (digits > 0).then_some(value)
}

/// Kubernetes' reading of any other string: `%` signs removed, surrounding whitespace
/// trimmed, then a signed integer.
fn percent_text(s: &str) -> Result<i64, FencepostError> {
    s.replace('%', "")
        .trim()
        .parse()
        .map_err(|_| FencepostError(s.to_string()))
}

fn div_ceil(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// `resolveFenceposts`: surge rounds up, unavailable rounds down, absent means 0, and if both
/// come out 0 unavailable becomes 1 (so a rollout can always move).
pub fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> Result<(i32, i32), FencepostError> {
    let zero = IntOrString::Int(0);
    let surge = value_from_int_or_percent(max_surge.unwrap_or(&zero), desired, true)?;
    let mut unavailable =
        value_from_int_or_percent(max_unavailable.unwrap_or(&zero), desired, false)?;
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    Ok((surge, unavailable))
}

/// `resolveFenceposts` on a canary's maxSurge and maxUnavailable with Argo's defaults (25%)
/// for the unset ones.
fn resolve_with_defaults(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> Result<(i32, i32), FencepostError> {
    let surge = value_or_default(max_surge, desired, true)?;
    let mut unavailable = value_or_default(max_unavailable, desired, false)?;
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    Ok((surge, unavailable))
}

/// `MaxSurge` of a canary rollout (defaults applied: 25%).
pub fn max_surge(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    replicas: i32,
) -> i32 {
    resolve_with_defaults(max_surge, max_unavailable, replicas)
        .map(|(s, _)| s)
        .unwrap_or(0)
}

/// `MaxUnavailable` of a canary rollout: defaults 25%, capped at `replicas`, 0 when replicas is 0.
pub fn max_unavailable(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    replicas: i32,
) -> i32 {
    if replicas == 0 {
        return 0;
    }
    let (_, u) = resolve_with_defaults(max_surge, max_unavailable, replicas).unwrap_or((0, 0));
    u.min(replicas)
}

/// `MaxUnavailable` of a blue-green rollout (only restarts use it): 25% by default, rounded down,
/// capped at `replicas`.
pub fn max_unavailable_blue_green(max_unavailable: Option<&IntOrString>, replicas: i32) -> i32 {
    if replicas == 0 {
        return 0;
    }
    value_or_default(max_unavailable, replicas, false)
        .unwrap_or(0)
        .min(replicas)
}

impl CanaryInputs<'_> {
    /// `MaxSurge` and `MaxUnavailable` together: the same values as [`max_surge`] and
    /// [`max_unavailable`], with both fenceposts resolved once instead of once for each.
    fn surge_and_unavailable(&self) -> (i32, i32) {
        let (surge, unavailable) =
            resolve_with_defaults(self.max_surge, self.max_unavailable, self.replicas)
                .unwrap_or((0, 0));
        let unavailable = if self.replicas == 0 {
            0
        } else {
            unavailable.min(self.replicas)
        };
        (surge, unavailable)
    }

    /// The step being executed, or `None` when there are no steps or all are done; and the
    /// index (unset counts as 0).
    pub fn current_step(&self) -> (Option<&Step>, Option<i32>) {
        if self.steps.is_empty() {
            return (None, None);
        }
        let idx = self.status.current_step_index.unwrap_or(0);
        let step = usize::try_from(idx).ok().and_then(|i| self.steps.get(i));
        (step, Some(idx))
    }

    /// `GetCurrentSetWeight`: 0 when aborted, 100 (max) past the last step, else the setWeight
    /// of the current step or the nearest earlier one (0 if none).
    pub fn current_set_weight(&self) -> i32 {
        if self.status.abort {
            return 0;
        }
        let (step, idx) = self.current_step();
        if step.is_none() {
            return self.max_weight;
        }
        // `current_step` only gives an index into the steps, so it is not negative.
        let idx = usize::try_from(idx.unwrap_or(0)).unwrap_or(0);
        self.steps[..=idx]
            .iter()
            .rev()
            .find_map(set_weight)
            .unwrap_or(0)
    }

    /// `UseSetCanaryScale`: the most recent setCanaryScale at or before the current step, when
    /// traffic routing is on and no later `matchTrafficWeight` cancels it. After an abort it
    /// only applies if `abortScaleDownDelaySeconds` is explicitly 0.
    pub fn use_set_canary_scale(&self) -> Option<&CanaryScale> {
        if !self.traffic_routed {
            return None;
        }
        if self.status.abort && self.abort_delay != AbortDelay::Never {
            return None;
        }
        let (step, idx) = self.current_step();
        step?;
        // `current_step` only gives an index into the steps, so it is not negative.
        let idx = usize::try_from(idx.unwrap_or(0)).unwrap_or(0);
        for s in self.steps[..=idx].iter().rev() {
            if let Some(scs) = &s.set_canary_scale {
                if scs.match_traffic_weight {
                    return None;
                }
                return Some(scs);
            }
        }
        None
    }

    fn fully_targeted(&self) -> bool {
        self.status.promote_full
            || self.status.stable_rs.is_empty()
            || super::info::same_text(self.status.current_pod_hash, self.status.stable_rs)
    }

    /// `GetCanaryReplicasOrWeight`: either an explicit canary count (setCanaryScale replicas)
    /// or the weight to aim for. Inline: a few tests, asked on every count computation.
    #[inline]
    pub fn canary_replicas_or_weight(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
    ) -> (Option<i32>, i32) {
        if self.fully_targeted() {
            return (None, self.max_weight);
        }
        if let Some(scs) = self.use_set_canary_scale() {
            if let Some(r) = scs.replicas {
                return (Some(r), 0);
            }
            if let Some(w) = scs.weight {
                return (None, w);
            }
        }
        (None, self.desired_canary_weight(new_rs, stable_rs))
    }

    /// `GetDesiredCanaryWeight`: the current setWeight, except after an abort with
    /// dynamicStableScale, where the weight steps back down through the setWeight steps as the
    /// canary drains: from the last step backwards, the first setWeight whose pod count is
    /// below the canary pods still needed, else 0.
    pub fn desired_canary_weight(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
    ) -> i32 {
        if !(self.status.abort && self.traffic_routed && self.dynamic_stable_scale) {
            return self.current_set_weight();
        }
        let (Some(new_rs), Some(stable_rs)) = (new_rs, stable_rs) else {
            return self.current_set_weight();
        };
        let mut needed = self.replicas - stable_rs.available;
        if !matches!(self.abort_delay, AbortDelay::Seconds(s) if s > 0) {
            needed = needed.max(new_rs.available);
        }
        self.steps
            .iter()
            .rev()
            .filter_map(set_weight)
            .find(|&w| traffic_weight_to_replicas(self.replicas, w, self.max_weight) < needed)
            .unwrap_or(0)
    }

    fn min_pods(&self, count: i32) -> i32 {
        match self.min_pods_per_replica_set {
            Some(m) if count != 0 && self.traffic_routed => count.max(m.min(self.replicas)),
            _ => count,
        }
    }

    /// `CalculateReplicaCountsForTrafficRoutedCanary`: the router carries the weight, so the
    /// canary gets `ceil(R·W/max)` (or its setCanaryScale count) and the stable stays at R,
    /// unless dynamicStableScale shrinks it only after the traffic has moved.
    pub fn traffic_routed_counts(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        weights: Option<Weights>,
    ) -> (i32, i32) {
        let r = self.replicas;
        let (explicit, weight) = self.canary_replicas_or_weight(new_rs, stable_rs);
        let mut canary = match explicit {
            Some(n) => n,
            None => self.min_pods(traffic_weight_to_replicas(r, weight, self.max_weight)),
        };
        if !self.dynamic_stable_scale {
            return (canary, r);
        }
        let mut stable = traffic_weight_to_replicas(r, self.max_weight - weight, self.max_weight);
        if let Some(w) = weights {
            stable = stable.max(traffic_weight_to_replicas(r, w.stable, self.max_weight));
            if self.status.abort {
                // The canary keeps the pods for the traffic it still receives.
                canary = canary.max(traffic_weight_to_replicas(r, w.canary, self.max_weight));
            }
        }
        (self.min_pods(canary), self.min_pods(stable))
    }

    /// `CalculateReplicaCountsForBasicCanary`: the counts to write in *this* reconcile for a
    /// canary without a router, where the pod split is the traffic split. Scale-ups (stable
    /// first) stay within `R + maxSurge` pods; scale-downs keep `R - maxUnavailable` available.
    pub fn basic_counts(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        others: &[RsCounts],
    ) -> (i32, i32) {
        self.basic_counts_of(new_rs, stable_rs, OtherCounts::of(others))
    }

    /// [`Self::basic_counts`] on the older ReplicaSets' totals.
    fn basic_counts_of(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        others: OtherCounts,
    ) -> (i32, i32) {
        let (_, weight) = self.canary_replicas_or_weight(new_rs, stable_rs);
        self.basic_counts_toward(
            self.targets_for(weight),
            new_rs,
            stable_rs,
            stable_exists(new_rs, stable_rs),
            others,
        )
    }

    /// [`BasicTargets`] of a canary without a router. Its weight reads no ReplicaSet (only
    /// a routed canary's abort steps its weight down with the canary's pods), so these
    /// depend on the spec and on the step, abort and promotion the status names alone.
    pub fn basic_targets(&self) -> BasicTargets {
        debug_assert!(
            !self.traffic_routed,
            "a routed canary's weight reads its ReplicaSets"
        );
        let (_, weight) = self.canary_replicas_or_weight(None, None);
        self.targets_for(weight)
    }

    /// The fenceposts, and the split of `weight` they allow.
    fn targets_for(&self, weight: i32) -> BasicTargets {
        let (surge, unavailable) = self.surge_and_unavailable();
        let (desired_new, desired_stable) =
            approximate_weighted_counts(self.replicas, weight, self.max_weight, surge);
        BasicTargets {
            surge,
            unavailable,
            desired_new,
            desired_stable,
        }
    }

    /// [`Self::basic_counts`] toward `targets` ([`Self::basic_targets`]), on the older
    /// ReplicaSets' totals; `scale_stable` is [`stable_exists`] of the two ReplicaSets (the
    /// names of `new_rs` and `stable_rs` are not read).
    pub fn basic_counts_toward(
        &self,
        targets: BasicTargets,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        scale_stable: bool,
        others: OtherCounts,
    ) -> (i32, i32) {
        let r = self.replicas;
        let BasicTargets {
            surge,
            unavailable,
            mut desired_new,
            mut desired_stable,
        } = targets;

        let mut new_count = new_rs.map_or(0, |rs| rs.spec);
        let mut stable_count = 0;
        if scale_stable {
            stable_count = stable_rs.map_or(0, |rs| rs.spec);
        } else {
            desired_new = r;
            desired_stable = 0;
        }

        let max_total = r + surge;
        let mut total: i32 = others.spec + new_rs.map_or(0, |rs| rs.spec);
        if scale_stable {
            total += stable_rs.map_or(0, |rs| rs.spec);
        }
        let mut scale_up = max_total - total;

        if let Some(stable) = stable_rs.filter(|_| scale_stable)
            && stable.spec < desired_stable
            && scale_up > 0
        {
            if stable.spec + scale_up < desired_stable {
                stable_count = stable.spec + scale_up;
                scale_up = 0;
            } else {
                stable_count = desired_stable;
                scale_up -= desired_stable - stable.spec;
            }
        }
        if let Some(new) = new_rs
            && new.spec < desired_new
            && scale_up > 0
        {
            new_count = (new.spec + scale_up).min(desired_new);
        }

        if others.spec > 0 {
            // Older ReplicaSets are drained first (by the other-ReplicaSets pass).
            return (new_count, stable_count);
        }

        let min_available = r - unavailable;
        let increasing = new_rs.is_none_or(|n| desired_new >= n.spec);
        let countable = replicas_for_scale_down(new_rs, !increasing)
            + replicas_for_scale_down(stable_rs.filter(|_| scale_stable), increasing);
        if countable <= min_available {
            return (new_count, stable_count);
        }
        let scale_down = countable - min_available;
        if !increasing {
            new_count = scale_down_count(new_rs, desired_new, scale_down, new_count);
            (new_count, stable_count) = adjust_within_limits(
                new_rs,
                stable_rs.filter(|_| scale_stable),
                new_count,
                stable_count,
                max_total,
                min_available,
            );
        } else if scale_stable {
            stable_count = scale_down_count(stable_rs, desired_stable, scale_down, stable_count);
            (stable_count, new_count) = adjust_within_limits(
                stable_rs,
                new_rs,
                stable_count,
                new_count,
                max_total,
                min_available,
            );
        }
        (new_count, stable_count)
    }

    /// The counts of this reconcile for either flavour.
    pub fn counts(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        others: OtherCounts,
        weights: Option<Weights>,
    ) -> (i32, i32) {
        if self.traffic_routed {
            self.traffic_routed_counts(new_rs, stable_rs, weights)
        } else {
            self.basic_counts_of(new_rs, stable_rs, others)
        }
    }

    /// `AtDesiredReplicaCountsForCanary`: has the current setWeight / setCanaryScale step reached
    /// its pod counts? The canary must have them *available*; the stable must have them created
    /// (unless dynamicStableScale); a basic canary also needs every older ReplicaSet drained.
    pub fn at_desired_counts(
        &self,
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        others: &[RsCounts],
        weights: Option<Weights>,
    ) -> bool {
        let others = OtherCounts::of(others);
        let desired = self.counts(new_rs, stable_rs, others, weights);
        self.reached_counts(desired, new_rs, stable_rs, others)
    }

    /// The test of [`Self::at_desired_counts`] on counts already computed with
    /// [`Self::counts`] (the controller computes them once per reconcile).
    pub fn reached_counts(
        &self,
        (desired_new, desired_stable): (i32, i32),
        new_rs: Option<&RsCounts>,
        stable_rs: Option<&RsCounts>,
        others: OtherCounts,
    ) -> bool {
        if !replica_progress_threshold_met(self.progress_threshold, new_rs, desired_new) {
            return false;
        }
        // The stable must have its pods created, except with dynamicStableScale.
        let stable_checked = !(self.traffic_routed && self.dynamic_stable_scale);
        let stable_ok = stable_rs
            .is_some_and(|s| s.spec == desired_stable && s.status_replicas == desired_stable);
        if stable_checked && !stable_ok {
            return false;
        }
        if !self.traffic_routed && others.available != 0 {
            return false;
        }
        true
    }
}

/// `CheckStableRSExists`: a stable ReplicaSet exists and is not the new one.
pub fn stable_exists(new_rs: Option<&RsCounts>, stable_rs: Option<&RsCounts>) -> bool {
    match (new_rs, stable_rs) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(n), Some(s)) => !super::info::same_text(n.name, s.name),
    }
}

/// `trafficWeightToReplicas`: `ceil(replicas·weight/max)`, in 64-bit so large weights cannot
/// overflow.
pub fn traffic_weight_to_replicas(replicas: i32, weight: i32, max_weight: i32) -> i32 {
    if max_weight <= 0 {
        return 0;
    }
    let pods = div_ceil(
        i64::from(weight) * i64::from(replicas),
        i64::from(max_weight),
    );
    // At most `replicas` for a weight within max_weight; beyond that Go's int32 conversion.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "as Go's int32(...) upstream"
    )]
    let pods = pods as i32;
    pods
}

/// `approximateWeightedCanaryStableReplicaCounts`: the whole-pod split whose canary share is
/// closest to `weight`, over `replicas` pods or, when surge is allowed, `replicas + 1`. A weight
/// strictly between 0 and max never leaves either side empty, unless 1 replica and no surge.
pub fn approximate_weighted_counts(
    replicas: i32,
    weight: i32,
    max_weight: i32,
    max_surge: i32,
) -> (i32, i32) {
    if replicas == 0 {
        return (0, 0);
    }
    // No traffic to split (before the first setWeight, after an abort, past the last step):
    // every pod on one side, the split the search below also finds, without searching.
    if weight == 0 {
        return (0, replicas);
    }
    if weight == max_weight && max_weight > 0 {
        return (replicas, 0);
    }
    // A weight that splits the replicas into whole pods (20% of 5) is its own nearest
    // split: the search would find it first, at distance 0, and nothing comes closer.
    let exact = i64::from(replicas) * i64::from(weight);
    if 0 < weight && weight < max_weight && exact % i64::from(max_weight) == 0 {
        // Below `replicas`, as weight < max_weight.
        #[allow(clippy::cast_possible_truncation, reason = "below replicas")]
        let canary = (exact / i64::from(max_weight)) as i32;
        return (canary, replicas - canary);
    }
    nearest_split(replicas, weight, max_weight, max_surge)
}

/// The search of [`approximate_weighted_counts`]: the candidate splits, nearest first.
fn nearest_split(replicas: i32, weight: i32, max_weight: i32, max_surge: i32) -> (i32, i32) {
    let (r, w, m) = (
        i64::from(replicas),
        i64::from(weight),
        i64::from(max_weight.max(1)),
    );
    let ceil = div_ceil(r * w, m);
    let floor = (r * w).div_euclid(m);
    // Tied: floor and ceiling are equally far from the weight (fraction exactly one half).
    let tied = |total: i64| (2 * total * w) % (2 * m) == m;
    let zero_allowed = weight == max_weight || weight == 0 || (replicas == 1 && max_surge == 0);

    // At most four candidates, kept on the stack: this runs several times per reconcile.
    let mut candidates = [(0, 0); 4];
    let mut len = 0;
    let mut push = |option: (i64, i64)| {
        candidates[len] = option;
        len += 1;
    };
    if ceil < r || zero_allowed {
        push((ceil, r));
    }
    if !tied(r) && (floor != 0 || zero_allowed) {
        push((floor, r));
    }
    if max_surge > 0 {
        push((ceil, r + 1));
        if !tied(r + 1) && (floor != 0 || zero_allowed) {
            push((floor, r + 1));
        }
    }
    let options = &candidates[..len];
    let Some(&first) = options.first() else {
        return (0, replicas);
    };
    // Compare |canary/total - w/m| exactly: cross-multiplied, no floating point.
    let delta = |(c, t): (i64, i64)| i128::from((c * m - w * t).abs());
    let best = options.iter().skip(1).fold(first, |best, &opt| {
        let lhs = delta(opt) * i128::from(best.1);
        let rhs = delta(best) * i128::from(opt.1);
        if lhs < rhs { opt } else { best }
    });
    // Both parts are at most replicas + 1, and replicas is an int32 capped at 1,000,000.
    #[allow(clippy::cast_possible_truncation, reason = "parts of replicas + 1")]
    let split = (best.0 as i32, (best.1 - best.0) as i32);
    split
}

/// `GetReplicasForScaleDown`: how many pods of a ReplicaSet count toward availability when
/// deciding how far to scale down (spec if availability is ignored or spec is lower).
pub fn replicas_for_scale_down(rs: Option<&RsCounts>, ignore_availability: bool) -> i32 {
    match rs {
        None => 0,
        Some(rs) if rs.spec < rs.available || ignore_availability => rs.spec,
        Some(rs) => rs.available,
    }
}

fn scale_down_count(drain: Option<&RsCounts>, desired: i32, scale_down: i32, current: i32) -> i32 {
    match drain {
        Some(rs) if rs.spec > desired => desired.max(rs.spec - scale_down),
        _ => current,
    }
}

/// `adjustReplicaWithinLimits`: trims the adjusted ReplicaSet back under `R + maxSurge`, gives
/// back what that costs in availability, and takes any remaining excess from the drained one.
fn adjust_within_limits(
    drain: Option<&RsCounts>,
    adjust: Option<&RsCounts>,
    mut drain_count: i32,
    mut adjust_count: i32,
    max_total: i32,
    min_available: i32,
) -> (i32, i32) {
    let over = (adjust_count + drain_count - max_total).max(0);
    let mut total_available = drain.map_or(0, |d| d.available.min(drain_count));
    if let Some(adj) = adjust {
        adjust_count -= over;
        total_available += adj.available.min(adjust_count);
        let lost = (adj.available - adjust_count).max(0);
        let need = (min_available - total_available).max(0);
        adjust_count += lost.min(need);
        let over = (adjust_count + drain_count - max_total).max(0);
        drain_count -= over;
    }
    (drain_count, adjust_count)
}

/// `allDesiredAreAvailable`: spec and available both equal `desired`.
pub fn all_desired_available(rs: Option<&RsCounts>, desired: i32) -> bool {
    rs.is_some_and(|rs| rs.spec == desired && rs.available == desired)
}

/// `ReplicaProgressThresholdMet`: with a threshold only availability counts (Percent of
/// desired, or a pod count); without one (or a negative value) every desired pod must be
/// created and available.
pub fn replica_progress_threshold_met(
    threshold: Option<ProgressThreshold>,
    rs: Option<&RsCounts>,
    desired: i32,
) -> bool {
    match (threshold, rs) {
        (Some(ProgressThreshold::Percent(v)), Some(rs)) if v >= 0 => {
            desired == 0 || i64::from(rs.available) * 100 >= i64::from(v) * i64::from(desired)
        }
        (Some(ProgressThreshold::Pods(v)), Some(rs)) if v >= 0 => rs.available >= v,
        _ => all_desired_available(rs, desired),
    }
}

/// The inputs of the blue-green replica decisions.
#[derive(Debug, Clone, Copy)]
pub struct BlueGreenInputs<'a> {
    /// `spec.replicas` after defaulting (nil means 1).
    pub replicas: i32,
    /// `blueGreen.previewReplicaCount`: the preview's size before promotion.
    pub preview_replica_count: Option<i32>,
    /// `status.blueGreen.activeSelector`.
    pub active_selector: &'a str,
    /// `status.currentPodHash`: the hash of the desired template.
    pub current_pod_hash: &'a str,
    /// `status.blueGreen.scaleUpPreviewCheckPoint`.
    pub scale_up_preview_check_point: bool,
    /// `spec.paused`, or any pause condition.
    pub paused: bool,
    /// `status.promoteFull`: promote without waiting for the pauses.
    pub promote_full: bool,
}

impl BlueGreenInputs<'_> {
    /// `NewRSNewReplicas` for blue-green: the preview ReplicaSet runs `previewReplicaCount`
    /// pods until the update is promoted, else (and once promoted) the full `replicas`.
    pub fn new_rs_replicas(&self, all: &[RsCounts], new_rs: Option<&RsCounts>) -> i32 {
        let Some(preview) = self.preview_replica_count else {
            return self.replicas;
        };
        let active = all
            .iter()
            .find(|rs| !self.active_selector.is_empty() && rs.hash == self.active_selector);
        let Some(new_rs) = new_rs else {
            return self.replicas;
        };
        match active {
            None => return self.replicas,
            Some(a) if a.name == new_rs.name => return self.replicas,
            _ => {}
        }
        if new_rs.hash != self.current_pod_hash {
            return preview;
        }
        if self.promote_full || (!self.paused && self.scale_up_preview_check_point) {
            return self.replicas;
        }
        preview
    }

    /// `ReadyForPause`: the new ReplicaSet has exactly the pods it should have now, all
    /// available; only then may the blue-green pause (and the switch) happen.
    pub fn ready_for_pause(&self, all: &[RsCounts], new_rs: Option<&RsCounts>) -> bool {
        let desired = self.new_rs_replicas(all, new_rs);
        new_rs.is_some_and(|rs| rs.spec == desired && rs.available == desired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(s: &str) -> IntOrString {
        IntOrString::Str(s.to_string())
    }

    #[test]
    fn fenceposts_resolved_together_match_each_alone() {
        let values = [
            None,
            Some(IntOrString::Int(0)),
            Some(IntOrString::Int(3)),
            Some(pct("0%")),
            Some(pct("25%")),
            Some(pct("150%")),
            Some(pct("x%")),
        ];
        for surge in &values {
            for unavailable in &values {
                for replicas in [0, 1, 4, 10, 101] {
                    let inputs = CanaryInputs {
                        replicas,
                        max_surge: surge.as_ref(),
                        max_unavailable: unavailable.as_ref(),
                        steps: &[],
                        traffic_routed: false,
                        max_weight: 100,
                        dynamic_stable_scale: false,
                        min_pods_per_replica_set: None,
                        abort_delay: AbortDelay::Unset,
                        progress_threshold: None,
                        status: StatusInputs::default(),
                    };
                    assert_eq!(
                        inputs.surge_and_unavailable(),
                        (
                            max_surge(surge.as_ref(), unavailable.as_ref(), replicas),
                            max_unavailable(surge.as_ref(), unavailable.as_ref(), replicas)
                        ),
                        "{surge:?} {unavailable:?} {replicas}"
                    );
                }
            }
        }
    }

    #[test]
    fn unset_fenceposts_are_an_explicit_quarter() {
        // The default is taken as the number 25, not read from a "25%": it must resolve as
        // the string Argo defaults to, for both roundings and any size.
        let quarter = pct("25%");
        for total in [0, 1, 2, 3, 4, 5, 7, 10, 99, 101, 1_000_000] {
            for round_up in [false, true] {
                assert_eq!(
                    value_or_default(None, total, round_up),
                    value_from_int_or_percent(&quarter, total, round_up),
                    "{total} {round_up}"
                );
            }
        }
        for r in [0, 1, 3, 4, 5, 10] {
            assert_eq!(
                resolve_with_defaults(None, None, r),
                resolve_fenceposts(Some(&quarter), Some(&quarter), r)
            );
        }
    }

    #[test]
    fn percent_fast_path_reads_as_kubernetes_does() {
        // The in-place reading must give Kubernetes' value (remove `%`, trim, parse) for
        // every spelling it accepts, and leave the others to the general reading.
        for s in [
            "25%",
            "25",
            "0",
            "0%",
            "100%",
            "%5",
            "1%%",
            "007%",
            "999999999999999999",
        ] {
            assert_eq!(percent_digits(s), percent_text(s).ok(), "{s:?}");
        }
        for s in [
            " 25%",
            "+5%",
            "-5%",
            "",
            "%",
            "2 5%",
            "x%",
            "9999999999999999999",
        ] {
            assert_eq!(percent_digits(s), None, "{s:?}");
        }
        assert_eq!(value_from_int_or_percent(&pct(" 25% "), 8, true), Ok(2));
        assert_eq!(value_from_int_or_percent(&pct("-10%"), 10, false), Ok(-1));
        assert_eq!(
            value_from_int_or_percent(&pct("x%"), 10, false),
            Err(FencepostError("x%".to_string()))
        );
    }

    #[test]
    fn default_fenceposts_match_argo_table() {
        // §1.2: R → (surge, unavailable) with the 25%/25% defaults.
        let table = [
            (1, 1, 0),
            (2, 1, 0),
            (3, 1, 0),
            (4, 1, 1),
            (5, 2, 1),
            (8, 2, 2),
            (10, 3, 2),
            (20, 5, 5),
        ];
        for (r, s, u) in table {
            assert_eq!(
                (max_surge(None, None, r), max_unavailable(None, None, r)),
                (s, u),
                "R={r}"
            );
        }
        // Any string is a percentage, even without `%`.
        assert_eq!(value_from_int_or_percent(&pct("1"), 10, true), Ok(1));
        assert_eq!(value_from_int_or_percent(&pct("1"), 200, true), Ok(2));
    }

    #[test]
    fn blue_green_max_unavailable_as_argo_reads_it() {
        // `MaxUnavailable` (utils/replicaset) for a blue-green rollout: no fenceposts and no
        // surge, just `GetMaxUnavailableOrDefault` (25%) rounded down, capped at replicas.
        // (value, replicas, want, rule)
        let rows = [
            (None, 3, 0, "default 25% of 3 rounds down to 0"),
            (None, 4, 1, "default 25% of 4"),
            (None, 8, 2, "default 25% of 8"),
            (None, 10, 2, "default 25% of 10 rounds down"),
            (None, 0, 0, "no replicas: 0"),
            (Some(IntOrString::Int(0)), 4, 0, "0 stays 0 (no bump to 1)"),
            (Some(IntOrString::Int(2)), 4, 2, "a count"),
            (
                Some(IntOrString::Int(10)),
                4,
                4,
                "a count above replicas: capped",
            ),
            (
                Some(IntOrString::Int(-1)),
                4,
                -1,
                "a negative count is kept",
            ),
            (Some(pct("50%")), 5, 2, "a percentage rounds down"),
            (Some(pct("150%")), 4, 4, "above 100%: capped"),
            (Some(pct("0%")), 4, 0, "0%"),
            (Some(pct("1")), 200, 2, "a string without % is a percentage"),
        ];
        for (value, replicas, want, rule) in rows {
            assert_eq!(
                max_unavailable_blue_green(value.as_ref(), replicas),
                want,
                "{rule}"
            );
        }
        // The canary's fencepost rule (both 0 -> unavailable 1) is not applied: blue-green
        // has no maxSurge.
        let zero = IntOrString::Int(0);
        assert_eq!(max_unavailable(Some(&zero), None, 3), 1);
        assert_eq!(max_unavailable_blue_green(None, 3), 0);
    }

    #[test]
    fn percent_signs_are_dropped_wherever_they_are() {
        // The allocation-free path must read every string as `replace('%', "")` then `trim`
        // would, including the long ones it leaves to that fallback.
        let long = format!("{}5%", "0".repeat(40));
        for (text, want) in [
            ("25%", Ok(3)),
            ("%2%5%", Ok(3)),
            (" 25 % ", Ok(3)),
            ("+25%", Ok(3)),
            ("-10%", Ok(-1)),
            (long.as_str(), Ok(1)),
            ("25%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%", Ok(3)),
            ("2 5%", Err(FencepostError("2 5%".into()))),
            ("é%", Err(FencepostError("é%".into()))),
            ("", Err(FencepostError(String::new()))),
        ] {
            assert_eq!(
                value_from_int_or_percent(&pct(text), 10, true),
                want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn unsplit_weights_skip_the_search() {
        // Weight 0 and the maximum weight are answered without the search: the search must
        // give the same split, with or without surge, for any maximum weight.
        for r in [1, 2, 3, 5, 10, 101] {
            for surge in [0, 1, 3] {
                for max in [1, 100, 1000, 1_000_000_000] {
                    for w in [0, max] {
                        assert_eq!(
                            approximate_weighted_counts(r, w, max, surge),
                            nearest_split(r, w, max, surge),
                            "R={r} W={w}/{max} surge={surge}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn exact_splits_skip_the_search() {
        // A weight that splits the replicas into whole pods is answered without the search:
        // the search must give the same split, for every such weight, with or without surge.
        let mut exact = 0;
        for r in [1, 2, 3, 4, 5, 10, 20, 101] {
            for surge in [0, 1, 3] {
                for max in [100, 1000] {
                    for w in 1..max {
                        if (r * w) % max != 0 {
                            continue;
                        }
                        exact += 1;
                        assert_eq!(
                            approximate_weighted_counts(r, w, max, surge),
                            nearest_split(r, w, max, surge),
                            "R={r} W={w}/{max} surge={surge}"
                        );
                    }
                }
            }
        }
        assert!(exact > 100, "only {exact} exact splits tried");
    }

    #[test]
    fn nearest_split_reference_values() {
        let table = [
            ((3, 50, 0), (2, 1)),
            ((3, 10, 1), (1, 3)),
            ((10, 15, 0), (2, 8)),
            ((10, 24, 1), (3, 8)),
            ((10, 99, 1), (10, 1)),
            ((1, 49, 0), (0, 1)),
            ((1, 50, 0), (1, 0)),
            ((1, 99, 1), (1, 1)),
            ((10, 33, 0), (3, 7)),
        ];
        for ((r, w, s), want) in table {
            assert_eq!(
                approximate_weighted_counts(r, w, 100, s),
                want,
                "R={r} W={w} surge={s}"
            );
        }
    }
}
