//! Conformance of rollout-sim's replica arithmetic and controller passes with Argo Rollouts.
//!
//! The cases in `tests/fixtures/conformance/replica_cases.json` (documented in
//! `replica_cases.md` next to it) are rewritten from the Argo Rollouts unit tests. Each names
//! one controller decision (`function`), gives its `inputs`, and lists the values the upstream
//! test asserts (`expected`). This test sends every case's inputs to rollout-sim's own implementation of
//! that decision and checks every key of `expected` that is not `null`.
//!
//! - The file is the one named by `ROLLOUT_SIM_REPLICA_CASES` (CI points it at larger case sets
//!   of the same schema), else the copy vendored in the repository; a file that cannot be read
//!   fails the test with its path.
//! - Inputs are mapped generically (never by case id), so any file of the same schema runs.
//! - An unknown `function`, inputs that cannot be mapped, and an `expected` key the harness
//!   cannot interpret all fail the case. All cases run before the test fails; each failing case
//!   prints one line (id, function, expected and actual values), then a final
//!   `N passed, N failed` line.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The environment variable that points the test at another case file.
const CASES_ENV: &str = "ROLLOUT_SIM_REPLICA_CASES";
/// The vendored case file, relative to the repository root.
const DEFAULT_CASES: &str = "tests/fixtures/conformance/replica_cases.json";

/// The verdict on one case.
enum Outcome {
    Pass,
    /// The mismatching keys (with expected and actual values), or why the case could not run.
    Fail(String),
}

/// Counts of the verdicts.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

#[test]
fn replica_cases_match_argo_rollouts() {
    let path = cases_path();
    let cases = load_cases(&path);
    let mut tally = Tally::default();
    for case in &cases {
        tally.record(case, run_case(case));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    assert_eq!(
        tally.failed,
        0,
        "{} of the {} cases in {} failed (see the FAIL lines above)",
        tally.failed,
        cases.len(),
        path.display()
    );
}

/// `$ROLLOUT_SIM_REPLICA_CASES`, else the vendored file.
fn cases_path() -> PathBuf {
    match std::env::var_os(CASES_ENV).filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CASES),
    }
}

/// Reads the JSON array of cases; anything else fails the test, naming the path.
fn load_cases(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read the replica cases at {}: {e}", path.display()));
    let cases: Vec<Value> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a JSON array of cases: {e}", path.display()));
    assert!(!cases.is_empty(), "{} holds no cases", path.display());
    cases
}

impl Tally {
    /// Counts one verdict and prints the line of a failed case.
    fn record(&mut self, case: &Value, outcome: Outcome) {
        let id = case["id"].as_str().unwrap_or("<case without id>");
        let function = case["function"].as_str().unwrap_or("<no function>");
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail(why) => {
                self.failed += 1;
                println!("FAIL {id} [{function}]: {why}");
            }
        }
    }
}

/// Runs one case: routes `function` to the library and compares the asserted values.
fn run_case(case: &Value) -> Outcome {
    let function = case["function"].as_str().unwrap_or_default();
    let inputs = &case["inputs"];

    let Some(expected) = case["expected"].as_object() else {
        return Outcome::Fail(format!("`expected` is not an object: {}", case["expected"]));
    };
    let checked = if function == controller::FUNCTION {
        controller::check(inputs, expected)
    } else {
        calc::calculate(function, inputs).map(|actual| compare::flat(expected, &actual))
    };
    match checked {
        Ok(mismatches) if mismatches.is_empty() => Outcome::Pass,
        Ok(mismatches) => Outcome::Fail(mismatches.join("; ")),
        Err(why) => Outcome::Fail(format!("cannot evaluate: {why}")),
    }
}

/// Reading the case schema into the library's types. `null` and an absent key mean the same
/// thing everywhere; a value of the wrong type is an error naming the key.
mod read {
    use rollout_sim::api::{
        AbortDelay, CanaryScale, IntOrString, ProgressThreshold, TrafficRouting,
    };
    use rollout_sim::rollout::replica_arithmetic::{RsCounts, StatusInputs, Weights};
    use serde_json::Value;

    /// The result of reading (or evaluating) a case; the error says what is wrong.
    pub(super) type Res<T> = Result<T, String>;

    /// `v[key]`, unless it is absent or `null`.
    pub(super) fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
        v.get(key).filter(|x| !x.is_null())
    }

    pub(super) fn int(v: &Value, key: &str) -> Res<Option<i32>> {
        field(v, key)
            .map(|x| {
                x.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| format!("`{key}` must be a 32-bit integer, got {x}"))
            })
            .transpose()
    }

    pub(super) fn required_int(v: &Value, key: &str) -> Res<i32> {
        int(v, key)?.ok_or_else(|| format!("`{key}` is missing"))
    }

    pub(super) fn uint(v: &Value, key: &str) -> Res<Option<u32>> {
        int(v, key)?
            .map(|n| u32::try_from(n).map_err(|_| format!("`{key}` must not be negative")))
            .transpose()
    }

    pub(super) fn flag(v: &Value, key: &str) -> Res<bool> {
        field(v, key)
            .map(|x| {
                x.as_bool()
                    .ok_or_else(|| format!("`{key}` must be a boolean, got {x}"))
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// A string field; absent means `""`.
    pub(super) fn text<'a>(v: &'a Value, key: &str) -> Res<&'a str> {
        field(v, key)
            .map(|x| {
                x.as_str()
                    .ok_or_else(|| format!("`{key}` must be a string, got {x}"))
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// A list field; absent means empty.
    pub(super) fn list<'a>(v: &'a Value, key: &str) -> Res<&'a [Value]> {
        field(v, key)
            .map(|x| {
                x.as_array()
                    .map(Vec::as_slice)
                    .ok_or_else(|| format!("`{key}` must be a list, got {x}"))
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// A count (JSON number) or a percentage (JSON string).
    pub(super) fn int_or_string(v: &Value, key: &str) -> Res<Option<IntOrString>> {
        field(v, key)
            .map(|x| match x {
                Value::String(s) => Ok(IntOrString::Str(s.clone())),
                _ => x
                    .as_i64()
                    .map(IntOrString::Int)
                    .ok_or_else(|| format!("`{key}` must be an integer or a string, got {x}")),
            })
            .transpose()
    }

    /// `spec.replicas`: absent or `null` means 1.
    pub(super) fn replicas(spec: &Value) -> Res<i32> {
        Ok(int(spec, "replicas")?.unwrap_or(1))
    }

    /// A ReplicaSet, or `None` for `null`. An unset `specReplicas` counts as 1, and an absent
    /// `statusReplicas` as the spec (status replicas are only read for the stable).
    pub(super) fn rs_counts(v: &Value) -> Res<Option<RsCounts<'_>>> {
        if v.is_null() {
            return Ok(None);
        }
        let spec = int(v, "specReplicas")?.unwrap_or(1);
        Ok(Some(RsCounts {
            name: text(v, "name")?,
            hash: text(v, "podTemplateHash")?,
            spec,
            available: int(v, "availableReplicas")?.unwrap_or(0),
            status_replicas: int(v, "statusReplicas")?.unwrap_or(spec),
        }))
    }

    /// A list of ReplicaSets (absent means none).
    pub(super) fn rs_list<'a>(v: &'a Value, key: &str) -> Res<Vec<RsCounts<'a>>> {
        list(v, key)?
            .iter()
            .map(|rs| rs_counts(rs)?.ok_or_else(|| format!("`{key}` holds a null ReplicaSet")))
            .collect()
    }

    /// The `newRS` and `stableRS` inputs.
    pub(super) fn new_and_stable(
        inputs: &Value,
    ) -> Res<(Option<RsCounts<'_>>, Option<RsCounts<'_>>)> {
        Ok((
            rs_counts(&inputs["newRS"])?,
            rs_counts(&inputs["stableRS"])?,
        ))
    }

    /// `trafficWeights` (`{canary, stable}`), or `None` when no weights are known.
    pub(super) fn weights(v: &Value) -> Res<Option<Weights>> {
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(Weights {
            canary: required_int(v, "canary")?,
            stable: required_int(v, "stable")?,
        }))
    }

    /// The status fields the canary arithmetic reads (`currentStepIndex: null` = unset).
    pub(super) fn status_inputs(status: &Value) -> Res<StatusInputs<'_>> {
        Ok(StatusInputs {
            stable_rs: text(status, "stableRS")?,
            current_pod_hash: text(status, "currentPodHash")?,
            current_step_index: int(status, "currentStepIndex")?,
            abort: flag(status, "abort")?,
            promote_full: flag(status, "promoteFull")?,
        })
    }

    /// A `setCanaryScale` step body.
    pub(super) fn canary_scale(v: &Value) -> Res<CanaryScale> {
        Ok(CanaryScale {
            replicas: int(v, "replicas")?,
            weight: int(v, "weight")?,
            match_traffic_weight: flag(v, "matchTrafficWeight")?,
        })
    }

    /// `abortScaleDownDelaySeconds`: absent = unset, 0 = never scale down, n = a delay.
    pub(super) fn abort_delay(canary: &Value) -> Res<AbortDelay> {
        Ok(match uint(canary, "abortScaleDownDelaySeconds")? {
            None => AbortDelay::Unset,
            Some(0) => AbortDelay::Never,
            Some(seconds) => AbortDelay::Seconds(seconds),
        })
    }

    /// `replicaProgressThreshold` (`{type, value}`), or `None` for `null`.
    pub(super) fn progress_threshold(v: &Value) -> Res<Option<ProgressThreshold>> {
        if v.is_null() {
            return Ok(None);
        }
        let value = required_int(v, "value")?;
        match text(v, "type")? {
            "Percent" => Ok(Some(ProgressThreshold::Percent(value))),
            "Pod" | "Pods" => Ok(Some(ProgressThreshold::Pods(value))),
            other => Err(format!("unknown replicaProgressThreshold type `{other}`")),
        }
    }

    /// `trafficRouting`: present (even as `{}`) means traffic-routed, through a generic router
    /// whose maximum weight is `maxTrafficWeight` (100 when absent).
    pub(super) fn traffic_routing(canary: &Value) -> Res<Option<TrafficRouting>> {
        let Some(routing) = field(canary, "trafficRouting") else {
            return Ok(None);
        };
        let managed_routes = list(routing, "managedRoutes")?
            .iter()
            .map(|route| text(route, "name").map(str::to_string))
            .collect::<Res<_>>()?;
        Ok(Some(TrafficRouting {
            provider: "generic".to_string(),
            max_traffic_weight: uint(routing, "maxTrafficWeight")?.unwrap_or(100),
            managed_routes,
            services_required: false,
            origin: Default::default(),
        }))
    }
}

/// The single calculations (every `function` but the controller), each answering with an
/// object keyed like the case's `expected`.
mod calc {
    use rollout_sim::api::IntOrString;
    use rollout_sim::api::{AbortDelay, ProgressThreshold, Step};
    use rollout_sim::rollout::replica_arithmetic::{
        self, BlueGreenInputs, CanaryInputs, StatusInputs,
    };
    use serde_json::{Value, json};

    use super::read::{self, Res};

    /// Routes `function` to the library; an unknown name is an error, never a skip.
    pub(super) fn calculate(function: &str, inputs: &Value) -> Res<Value> {
        match function {
            "CalculateReplicaCountsForBasicCanary" => basic_canary(inputs),
            "CalculateReplicaCountsForTrafficRoutedCanary" => traffic_routed_canary(inputs),
            "approximateWeightedCanaryStableReplicaCounts" => approximate(inputs),
            "trafficWeightToReplicas" => weight_to_replicas(inputs),
            "GetCurrentSetWeight" => current_set_weight(inputs),
            "GetCanaryReplicasOrWeight" => canary_replicas_or_weight(inputs),
            "GetDesiredCanaryWeight" => desired_canary_weight(inputs),
            "AtDesiredReplicaCountsForCanary" => at_desired_counts(inputs),
            "GetReplicasForScaleDown" => replicas_for_scale_down(inputs),
            "allDesiredAreAvailable" => all_desired_available(inputs),
            "ReplicaProgressThresholdMet" => progress_threshold_met(inputs),
            "resolveFenceposts" => fenceposts(inputs),
            "MaxSurge" => max_surge(inputs),
            "MaxUnavailable" => max_unavailable(inputs),
            "NewRSNewReplicas" => new_rs_new_replicas(inputs),
            "ReadyForPause" => ready_for_pause(inputs),
            other => Err(format!("unknown function `{other}`")),
        }
    }

    fn counts_json((canary, stable): (i32, i32)) -> Value {
        json!({ "canaryReplicas": canary, "stableReplicas": stable })
    }

    fn basic_canary(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        let (new_rs, stable_rs) = read::new_and_stable(inputs)?;
        let others = read::rs_list(inputs, "otherRSs")?;
        let counts = rollout
            .inputs()
            .basic_counts(new_rs.as_ref(), stable_rs.as_ref(), &others);
        Ok(counts_json(counts))
    }

    fn traffic_routed_canary(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        let (new_rs, stable_rs) = read::new_and_stable(inputs)?;
        let weights = read::weights(&inputs["trafficWeights"])?;
        let counts =
            rollout
                .inputs()
                .traffic_routed_counts(new_rs.as_ref(), stable_rs.as_ref(), weights);
        Ok(counts_json(counts))
    }

    fn approximate(inputs: &Value) -> Res<Value> {
        let counts = replica_arithmetic::approximate_weighted_counts(
            read::required_int(inputs, "specReplicas")?,
            read::required_int(inputs, "desiredWeight")?,
            read::required_int(inputs, "maxWeight")?,
            read::required_int(inputs, "resolvedMaxSurge")?,
        );
        Ok(counts_json(counts))
    }

    fn weight_to_replicas(inputs: &Value) -> Res<Value> {
        let count = replica_arithmetic::traffic_weight_to_replicas(
            read::required_int(inputs, "replicas")?,
            read::required_int(inputs, "weight")?,
            read::required_int(inputs, "maxWeight")?,
        );
        Ok(json!({ "replicas": count }))
    }

    fn current_set_weight(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        Ok(json!({ "weight": rollout.inputs().current_set_weight() }))
    }

    fn canary_replicas_or_weight(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        let (new_rs, stable_rs) = read::new_and_stable(inputs)?;
        let (explicit, weight) = rollout
            .inputs()
            .canary_replicas_or_weight(new_rs.as_ref(), stable_rs.as_ref());
        Ok(json!({ "setCanaryScaleReplicas": explicit, "weight": weight }))
    }

    fn desired_canary_weight(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        let (new_rs, stable_rs) = read::new_and_stable(inputs)?;
        let weight = rollout
            .inputs()
            .desired_canary_weight(new_rs.as_ref(), stable_rs.as_ref());
        Ok(json!({ "weight": weight }))
    }

    fn at_desired_counts(inputs: &Value) -> Res<Value> {
        let rollout = CanaryCase::read(&inputs["rollout"])?;
        let (new_rs, stable_rs) = read::new_and_stable(inputs)?;
        let others = read::rs_list(inputs, "otherRSs")?;
        let weights = read::weights(&inputs["trafficWeights"])?;
        let result = rollout.inputs().at_desired_counts(
            new_rs.as_ref(),
            stable_rs.as_ref(),
            &others,
            weights,
        );
        Ok(json!({ "result": result }))
    }

    fn replicas_for_scale_down(inputs: &Value) -> Res<Value> {
        let rs = read::rs_counts(&inputs["rs"])?;
        let ignore = read::flag(inputs, "ignoreAvailability")?;
        let count = replica_arithmetic::replicas_for_scale_down(rs.as_ref(), ignore);
        Ok(json!({ "replicas": count }))
    }

    fn all_desired_available(inputs: &Value) -> Res<Value> {
        let rs = read::rs_counts(&inputs["rs"])?;
        let desired = read::required_int(inputs, "desired")?;
        let result = replica_arithmetic::all_desired_available(rs.as_ref(), desired);
        Ok(json!({ "result": result }))
    }

    fn progress_threshold_met(inputs: &Value) -> Res<Value> {
        let threshold = read::progress_threshold(&inputs["replicaProgressThreshold"])?;
        let rs = read::rs_counts(&inputs["rs"])?;
        let desired = read::required_int(inputs, "desired")?;
        let result =
            replica_arithmetic::replica_progress_threshold_met(threshold, rs.as_ref(), desired);
        Ok(json!({ "result": result }))
    }

    /// `resolveFenceposts`: here `null` means 0; an error answers `0, 0` and `error: true`.
    fn fenceposts(inputs: &Value) -> Res<Value> {
        let surge = read::int_or_string(inputs, "maxSurge")?;
        let unavailable = read::int_or_string(inputs, "maxUnavailable")?;
        let desired = read::required_int(inputs, "desiredReplicas")?;
        let resolved =
            replica_arithmetic::resolve_fenceposts(surge.as_ref(), unavailable.as_ref(), desired);
        let error = resolved.is_err();
        let (surge, unavailable) = resolved.unwrap_or((0, 0));
        Ok(json!({ "maxSurge": surge, "maxUnavailable": unavailable, "error": error }))
    }

    /// The rollout's `spec` and whether its strategy is blue-green.
    fn spec_and_kind(inputs: &Value) -> (&Value, bool) {
        let spec = &inputs["rollout"]["spec"];
        let blue_green = read::field(&spec["strategy"], "blueGreen").is_some();
        (spec, blue_green)
    }

    /// `MaxSurge`: 0 for blue-green, else the canary's with the 25% defaults.
    fn max_surge(inputs: &Value) -> Res<Value> {
        let (spec, blue_green) = spec_and_kind(inputs);
        let surge = if blue_green {
            0
        } else {
            let canary = &spec["strategy"]["canary"];
            replica_arithmetic::max_surge(
                read::int_or_string(canary, "maxSurge")?.as_ref(),
                read::int_or_string(canary, "maxUnavailable")?.as_ref(),
                read::replicas(spec)?,
            )
        };
        Ok(json!({ "maxSurge": surge }))
    }

    /// `MaxUnavailable`: the blue-green or the canary resolution, defaults applied.
    fn max_unavailable(inputs: &Value) -> Res<Value> {
        let (spec, blue_green) = spec_and_kind(inputs);
        let replicas = read::replicas(spec)?;
        let unavailable = if blue_green {
            let strategy = &spec["strategy"]["blueGreen"];
            replica_arithmetic::max_unavailable_blue_green(
                read::int_or_string(strategy, "maxUnavailable")?.as_ref(),
                replicas,
            )
        } else {
            let canary = &spec["strategy"]["canary"];
            replica_arithmetic::max_unavailable(
                read::int_or_string(canary, "maxSurge")?.as_ref(),
                read::int_or_string(canary, "maxUnavailable")?.as_ref(),
                replicas,
            )
        };
        Ok(json!({ "maxUnavailable": unavailable }))
    }

    fn new_rs_new_replicas(inputs: &Value) -> Res<Value> {
        let rollout = blue_green(&inputs["rollout"])?;
        let all = read::rs_list(inputs, "allRSs")?;
        let new_rs = read::rs_counts(&inputs["newRS"])?;
        let count = rollout.new_rs_replicas(&all, new_rs.as_ref());
        Ok(json!({ "replicas": count }))
    }

    fn ready_for_pause(inputs: &Value) -> Res<Value> {
        let rollout = blue_green(&inputs["rollout"])?;
        let all = read::rs_list(inputs, "allRSs")?;
        let new_rs = read::rs_counts(&inputs["newRS"])?;
        let result = rollout.ready_for_pause(&all, new_rs.as_ref());
        Ok(json!({ "result": result }))
    }

    /// The blue-green decisions' view of a rollout. It is paused by `spec.paused` or by any
    /// pause condition.
    fn blue_green(rollout: &Value) -> Res<BlueGreenInputs<'_>> {
        let spec = &rollout["spec"];
        let status = &rollout["status"];
        let status_bg = &status["blueGreen"];
        let paused =
            read::flag(spec, "paused")? || !read::list(status, "pauseConditions")?.is_empty();
        Ok(BlueGreenInputs {
            replicas: read::replicas(spec)?,
            preview_replica_count: read::int(
                &spec["strategy"]["blueGreen"],
                "previewReplicaCount",
            )?,
            active_selector: read::text(status_bg, "activeSelector")?,
            current_pod_hash: read::text(status, "currentPodHash")?,
            scale_up_preview_check_point: read::flag(status_bg, "scaleUpPreviewCheckPoint")?,
            paused,
            promote_full: read::flag(status, "promoteFull")?,
        })
    }

    /// A canary rollout as the arithmetic reads it, owning what `CanaryInputs` borrows.
    struct CanaryCase<'a> {
        replicas: i32,
        max_surge: Option<IntOrString>,
        max_unavailable: Option<IntOrString>,
        steps: Vec<Step>,
        traffic_routed: bool,
        max_weight: i32,
        dynamic_stable_scale: bool,
        min_pods_per_replica_set: Option<i32>,
        abort_delay: AbortDelay,
        progress_threshold: Option<ProgressThreshold>,
        status: StatusInputs<'a>,
    }

    impl<'a> CanaryCase<'a> {
        fn read(rollout: &'a Value) -> Res<Self> {
            let spec = &rollout["spec"];
            let canary = &spec["strategy"]["canary"];
            let routing = read::traffic_routing(canary)?;
            let steps = read::list(canary, "steps")?;
            Ok(CanaryCase {
                replicas: read::replicas(spec)?,
                max_surge: read::int_or_string(canary, "maxSurge")?,
                max_unavailable: read::int_or_string(canary, "maxUnavailable")?,
                steps: steps.iter().map(step_weights).collect::<Res<_>>()?,
                traffic_routed: routing.is_some(),
                max_weight: routing.map_or(100, |r| i32::try_from(r.max_traffic_weight).unwrap()),
                dynamic_stable_scale: read::flag(canary, "dynamicStableScale")?,
                min_pods_per_replica_set: read::int(canary, "minPodsPerReplicaSet")?,
                abort_delay: read::abort_delay(canary)?,
                progress_threshold: read::progress_threshold(&canary["replicaProgressThreshold"])?,
                status: read::status_inputs(&rollout["status"])?,
            })
        }

        fn inputs(&self) -> CanaryInputs<'_> {
            CanaryInputs {
                replicas: self.replicas,
                max_surge: self.max_surge.as_ref(),
                max_unavailable: self.max_unavailable.as_ref(),
                steps: &self.steps,
                traffic_routed: self.traffic_routed,
                max_weight: self.max_weight,
                dynamic_stable_scale: self.dynamic_stable_scale,
                min_pods_per_replica_set: self.min_pods_per_replica_set,
                abort_delay: self.abort_delay,
                progress_threshold: self.progress_threshold,
                status: self.status,
            }
        }
    }

    /// A step as the arithmetic reads it: its `setWeight` and/or `setCanaryScale`; any other
    /// kind of step (pause, analysis, ...) carries neither.
    fn step_weights(step: &Value) -> Res<Step> {
        let set_weight = read::int(step, "setWeight")?
            .map(|w| u32::try_from(w).map_err(|_| format!("setWeight {w} is negative")))
            .transpose()?;
        Ok(Step {
            set_weight,
            set_canary_scale: read::field(step, "setCanaryScale")
                .map(read::canary_scale)
                .transpose()?,
            ..Step::default()
        })
    }
}

/// `rolloutController.reconcile`: runs `syncs` controller passes on a snapshot built from the
/// case, applying each pass's writes to the snapshot before the next one, and checks what the
/// passes wrote. There is no ReplicaSet controller here: scaling changes only `spec.replicas`.
mod controller {
    use std::collections::{BTreeMap, BTreeSet};

    use rollout_sim::api::{
        AbortDelay, BlueGreen, Canary, PauseDuration, PodTemplate, RolloutSpec, Step, Strategy,
    };
    use rollout_sim::engine::SimTime;
    use rollout_sim::rollout::status::{
        BlueGreenStatus, CanaryStatus, CompletionStatus, CondStatus, DurationStatus,
        PauseCondition, PauseReason, RolloutCondition, RolloutConditionType, RolloutStatus,
        TrafficWeights, WeightDestination, calculate_phase, reason,
    };
    use rollout_sim::rollout::{Input, RolloutObject, RsView, ServiceView, Write, reconcile};
    use serde_json::{Map, Value, json};

    use super::compare;
    use super::read::{self, Res};

    pub(super) const FUNCTION: &str = "rolloutController.reconcile";

    /// The virtual time of every pass.
    const NOW: SimTime = SimTime(1_000_000);
    const ROLLOUT_NAME: &str = "rollout";
    /// Spec and status agree: the controller has observed the current generation.
    const GENERATION: u64 = 1;
    /// The status is mid-update with the same steps, so `currentStepHash` matches the steps.
    const STEPS_HASH: &str = "case-steps";

    /// The case's wall-clock times (RFC 3339) and virtual time: the reconciles run at the
    /// case's `now` if it gives one, else at the latest time its rollout status mentions
    /// (upstream tests build those statuses from "now"); that instant is `NOW`.
    struct Clock {
        now: Option<i64>,
    }

    impl Clock {
        fn read(inputs: &Value) -> Res<Clock> {
            if let Some(now) = inputs["now"].as_str() {
                return Ok(Clock {
                    now: Some(parse_time(now)?),
                });
            }
            let duration = &inputs["rollout"]["status"]["duration"];
            let mut latest: Option<i64> = None;
            for key in ["rolloutStartedAt", "finishedAt", "manualPauseStartedAt"] {
                if let Some(t) = duration[key].as_str() {
                    let t = parse_time(t)?;
                    latest = Some(latest.map_or(t, |l| l.max(t)));
                }
            }
            Ok(Clock { now: latest })
        }

        /// A wall-clock time as virtual time (seconds before or after `NOW`). Without a
        /// reference, a time is taken to be `NOW` itself.
        fn at(&self, text: &str) -> Res<SimTime> {
            let t = parse_time(text)?;
            let offset = self.now.map_or(0, |now| t - now);
            let ms = i64::try_from(NOW.as_millis()).unwrap() + offset * 1000;
            u64::try_from(ms)
                .map(SimTime)
                .map_err(|_| format!("time {text} is too far before the case's now"))
        }

        /// Virtual time back to RFC 3339 (against the reference, or the Unix epoch + `NOW`).
        fn wall(&self, t: SimTime) -> String {
            let offset = (i64::try_from(t.as_millis()).unwrap()
                - i64::try_from(NOW.as_millis()).unwrap())
                / 1000;
            let secs = self
                .now
                .unwrap_or(i64::try_from(NOW.as_millis()).unwrap() / 1000)
                + offset;
            chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        }
    }

    fn parse_time(text: &str) -> Res<i64> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|d| d.timestamp())
            .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))
    }

    /// Runs the case's passes and compares every asserted key.
    pub(super) fn check(inputs: &Value, expected: &Map<String, Value>) -> Res<Vec<String>> {
        let mut world = World::read(inputs)?;
        let syncs = read::uint(inputs, "syncs")?.unwrap_or(1);
        let initial = status_json(&world.rollout.status, &world.clock);
        let passes = (0..syncs).map(|_| world.sync()).collect();
        let run = Run {
            initial,
            passes,
            world,
        };
        Ok(compare::asserted(expected)
            .flat_map(|(key, want)| run.check_key(key, want))
            .collect())
    }

    /// What the controller reads and writes: the Rollout, its ReplicaSets and Services.
    struct World {
        rollout: RolloutObject,
        replica_sets: Vec<RsView>,
        services: BTreeMap<smol_str::SmolStr, ServiceView>,
        /// Every ReplicaSet name seen (given or created; deleted ones included).
        names: BTreeSet<String>,
        /// The earlier revisions of re-used ReplicaSets (their revision-history annotation).
        history: BTreeMap<String, Vec<u64>>,
        clock: Clock,
    }

    /// What one pass wrote.
    #[derive(Default)]
    struct Pass {
        /// Created ReplicaSets: name → `{specReplicas, revision}`.
        created: Map<String, Value>,
        /// `spec.replicas` of every real scale write (from != to); the last write wins.
        scaled: BTreeMap<String, i32>,
        /// The value of every scale write, in order.
        updates: Vec<i32>,
        /// The rollout status after the pass.
        status: Value,
    }

    /// The passes of a case and the world they left.
    struct Run {
        initial: Value,
        passes: Vec<Pass>,
        world: World,
    }

    impl World {
        fn read(inputs: &Value) -> Res<World> {
            let rollout = &inputs["rollout"];
            let replicas = read::replicas(&rollout["spec"])?;
            let given = read::list(inputs, "replicaSets")?;
            let clock = Clock::read(inputs)?;
            let replica_sets = given
                .iter()
                .map(|rs| rs_view(rs, replicas, &clock))
                .collect::<Res<Vec<_>>>()?;
            let history = given
                .iter()
                .zip(&replica_sets)
                .filter_map(|(json, rs)| {
                    let text = annotation(json, "revision-history")?;
                    let revisions = text.split(',').filter_map(|r| r.trim().parse().ok());
                    Some((rs.name.to_string(), revisions.collect()))
                })
                .collect();
            let rollout = rollout_object(rollout, given, &replica_sets, &clock)?;
            Ok(World {
                services: services_of(&rollout.spec, &rollout.status),
                names: replica_sets.iter().map(|rs| rs.name.to_string()).collect(),
                history,
                clock,
                rollout,
                replica_sets,
            })
        }

        /// One reconcile, with its writes applied to the world.
        fn sync(&mut self) -> Pass {
            let plan = reconcile(&Input {
                rollout: &self.rollout,
                pods: &[],
                budgets: &[],
                analysis_runs: &[],
                experiments: &[],
                routes: &[],
                analysis_templates: &[],
                replica_sets: &self.replica_sets,
                services: &self.services,
                validation: None,
                now: NOW,
            });
            let mut pass = Pass::default();
            for write in plan.writes {
                self.apply(write, &mut pass);
            }
            if let Some(status) = plan.status {
                self.rollout.status = status;
            }
            pass.status = status_json(&self.rollout.status, &self.clock);
            pass
        }

        fn apply(&mut self, write: Write, pass: &mut Pass) {
            match write {
                Write::CreateReplicaSet { hash, revision } => {
                    pass.created.insert(
                        hash.to_string(),
                        json!({ "specReplicas": 0, "revision": revision }),
                    );
                    let replicas = i32::try_from(self.rollout.spec.replicas()).unwrap();
                    self.names.insert(hash.to_string());
                    self.replica_sets
                        .push(created_rs(hash.to_string(), revision, replicas));
                }
                Write::ScaleReplicaSet {
                    name,
                    from,
                    to,
                    desired_annotation,
                    ..
                } => {
                    if let Some(rs) = self.rs_mut(&name) {
                        rs.spec = to;
                        rs.desired_annotation = Some(desired_annotation);
                    }
                    pass.updates.push(to);
                    if from != to {
                        pass.scaled.insert(name.to_string(), to);
                    }
                }
                Write::SetRevision { name, revision } => self.set_revision(&name, revision),
                Write::SetScaleDownDeadline { name, at } => {
                    if let Some(rs) = self.rs_mut(&name) {
                        rs.scale_down_deadline = Some(at);
                    }
                }
                Write::RemoveScaleDownDeadline { name } => {
                    if let Some(rs) = self.rs_mut(&name) {
                        rs.scale_down_deadline = None;
                    }
                }
                Write::DeleteReplicaSet { name } => self.replica_sets.retain(|rs| rs.name != name),
                Write::SwitchService { service, to, .. } => {
                    let view = self.services.entry(service).or_insert(ServiceView {
                        selector_hash: None,
                        managed: false,
                    });
                    view.selector_hash = Some(to);
                    view.managed = true;
                }
                Write::SetRolloutRevision(revision) => self.rollout.revision = revision,
                // No pods, no analysis, no experiment and no route step in these cases: the
                // restarter never evicts and no run or experiment is ever created.
                Write::EvictPod { .. }
                | Write::CreateAnalysisRun { .. }
                | Write::TerminateAnalysisRun { .. }
                | Write::CreateExperiment { .. }
                | Write::TerminateExperiment { .. }
                | Write::SetRoute { .. }
                | Write::RemoveRoute { .. }
                | Write::RemoveManagedRoutes => {}
            }
        }

        fn rs_mut(&mut self, name: &str) -> Option<&mut RsView> {
            self.replica_sets.iter_mut().find(|rs| rs.name == name)
        }

        /// A re-used ReplicaSet's new revision; the old one goes to its history.
        fn set_revision(&mut self, name: &str, revision: u64) {
            let Some(rs) = self.rs_mut(name) else { return };
            let old = std::mem::replace(&mut rs.revision, revision);
            self.history.entry(name.to_string()).or_default().push(old);
        }

        /// ReplicaSet name → its `revision` and (if any) `revision-history` annotations.
        fn annotations(&self) -> Value {
            let entries = self.replica_sets.iter().map(|rs| {
                let mut annotations = json!({ "revision": rs.revision.to_string() });
                if let Some(history) = self.history.get(rs.name.as_str()) {
                    let joined: Vec<String> = history.iter().map(u64::to_string).collect();
                    annotations["revision-history"] = json!(joined.join(","));
                }
                (rs.name.to_string(), annotations)
            });
            Value::Object(entries.collect())
        }

        /// Service name → the pod-template hash its selector points at.
        fn services_json(&self) -> Value {
            let entries = self
                .services
                .iter()
                .map(|(name, view)| (name.to_string(), json!(view.selector_hash)));
            Value::Object(entries.collect())
        }
    }

    impl Run {
        /// The mismatches of one asserted top-level key of `expected`.
        fn check_key(&self, key: &str, want: &Value) -> Vec<String> {
            let mismatch = match key {
                "replicaSetSpecReplicas" => compare::exact(key, want, &self.scaled_json()),
                "unchanged" => compare::contains_all(key, want, &self.unchanged_json()),
                "replicaSetUpdatesInOrder" => compare::exact(key, want, &self.updates_json()),
                "rolloutRevision" => {
                    compare::satisfied(key, want, &json!(self.world.rollout.revision))
                }
                "replicaSetAnnotations" => compare::satisfied(key, want, &self.world.annotations()),
                "rolloutStatusChanges" => {
                    compare::satisfied(key, want, &json!(self.status_changes()))
                }
                "services" => compare::satisfied(key, want, &self.world.services_json()),
                "status" => return compare::fields(key, want, &self.final_status()),
                "perSync" => return self.check_per_sync(want),
                _ => Some(compare::unsupported(key, want)),
            };
            mismatch.into_iter().collect()
        }

        fn final_status(&self) -> Value {
            status_json(&self.world.rollout.status, &self.world.clock)
        }

        /// Every real scale write of the whole run (a later pass overrides an earlier one).
        fn scaled_json(&self) -> Value {
            let mut scaled = BTreeMap::new();
            for pass in &self.passes {
                scaled.extend(pass.scaled.iter().map(|(name, to)| (name.clone(), *to)));
            }
            json!(scaled)
        }

        /// The ReplicaSets that no pass scaled.
        fn unchanged_json(&self) -> Value {
            let scaled: BTreeSet<&String> =
                self.passes.iter().flat_map(|p| p.scaled.keys()).collect();
            let unchanged: Vec<&String> = self
                .world
                .names
                .iter()
                .filter(|name| !scaled.contains(name))
                .collect();
            json!(unchanged)
        }

        fn updates_json(&self) -> Value {
            let updates: Vec<i32> = self.passes.iter().flat_map(|p| p.updates.clone()).collect();
            json!(updates)
        }

        /// `"only observedGeneration"` when no other status field changed. The case cannot give
        /// the status conditions, so the ones the first pass adds are not counted as changes.
        fn status_changes(&self) -> String {
            const NOT_COUNTED: [&str; 2] = ["observedGeneration", "conditions"];
            let after = self.final_status();
            let changed: Vec<&String> = after
                .as_object()
                .into_iter()
                .flat_map(|fields| fields.keys())
                .filter(|key| !NOT_COUNTED.contains(&key.as_str()))
                .filter(|key| self.initial[key.as_str()] != after[key.as_str()])
                .collect();
            if changed.is_empty() {
                "only observedGeneration".to_string()
            } else {
                format!("changed {changed:?}")
            }
        }

        /// `perSync`: entry `i` describes pass `i`.
        fn check_per_sync(&self, want: &Value) -> Vec<String> {
            let Some(entries) = want.as_array() else {
                return vec![format!("perSync: expected a list, got {want}")];
            };
            let checks = entries.iter().enumerate().map(|(i, entry)| {
                let prefix = format!("perSync[{i}]");
                match self.passes.get(i) {
                    Some(pass) => pass.check(&prefix, entry),
                    None => vec![format!(
                        "{prefix}: the case runs only {} syncs",
                        self.passes.len()
                    )],
                }
            });
            checks.flatten().collect()
        }
    }

    impl Pass {
        /// The mismatches of one `perSync` entry.
        fn check(&self, prefix: &str, entry: &Value) -> Vec<String> {
            let Some(entry) = entry.as_object() else {
                return vec![format!("{prefix}: expected an object, got {entry}")];
            };
            let checks = compare::asserted(entry).map(|(key, want)| {
                let path = format!("{prefix}.{key}");
                self.check_key(&path, key, want)
            });
            checks.flatten().collect()
        }

        fn check_key(&self, path: &str, key: &str, want: &Value) -> Vec<String> {
            let mismatch = match key {
                "createdReplicaSets" => {
                    compare::same_names(path, want, &Value::Object(self.created.clone()))
                }
                "replicaSetSpecReplicas" => compare::exact(path, want, &json!(self.scaled)),
                "replicaSetsScaledValueNotAsserted" => {
                    let names: Vec<&String> = self.scaled.keys().collect();
                    compare::contains_all(path, want, &json!(names))
                }
                "status" => return compare::fields(path, want, &self.status),
                _ => Some(compare::unsupported(path, want)),
            };
            mismatch.into_iter().collect()
        }
    }

    /// A `rollout.argoproj.io/*` annotation of a case's ReplicaSet, by short name (a number
    /// is read as its decimal text, as Kubernetes annotations are strings).
    fn annotation(rs: &Value, name: &str) -> Option<String> {
        match &rs["annotations"][name] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A ReplicaSet of the case, created at its revision. Its `desired-replicas` annotation
    /// is the case's, or the current `spec.replicas` (then no pass is a scaling event).
    fn rs_view(rs: &Value, replicas: i32, clock: &Clock) -> Res<RsView> {
        let name = read::text(rs, "name")?;
        if name.is_empty() {
            return Err("a ReplicaSet has no name".to_string());
        }
        let spec = read::int(rs, "specReplicas")?.unwrap_or(1);
        let available = read::int(rs, "availableReplicas")?.unwrap_or(0);
        let annotated_revision = annotation(rs, "revision")
            .map(|r| {
                r.parse::<u64>()
                    .map_err(|_| format!("revision annotation `{r}`"))
            })
            .transpose()?;
        let revision = match read::uint(rs, "revision")? {
            Some(r) => u64::from(r),
            None => annotated_revision.unwrap_or(0),
        };
        let desired = annotation(rs, "desired-replicas")
            .map(|d| {
                d.parse::<i32>()
                    .map_err(|_| format!("desired-replicas annotation `{d}`"))
            })
            .transpose()?;
        let deadline = annotation(rs, "scale-down-deadline")
            .filter(|d| !d.is_empty())
            .map(|d| clock.at(&d))
            .transpose()?;
        let hash = read::text(rs, "podTemplateHash")?;
        Ok(RsView {
            name: name.into(),
            hash: if hash.is_empty() { name } else { hash }.into(),
            revision,
            spec,
            status_replicas: read::int(rs, "statusReplicas")?.unwrap_or(spec),
            ready: read::int(rs, "readyReplicas")?.unwrap_or(available),
            available,
            created: (SimTime(revision * 1000), revision),
            desired_annotation: Some(desired.unwrap_or(replicas)),
            scale_down_deadline: deadline,
        })
    }

    /// The ReplicaSet a `CreateReplicaSet` adds, named by its hash, at 0 replicas.
    fn created_rs(hash: String, revision: u64, replicas: i32) -> RsView {
        RsView {
            name: hash.clone().into(),
            hash: hash.into(),
            revision,
            spec: 0,
            status_replicas: 0,
            ready: 0,
            available: 0,
            created: (SimTime(revision * 1000), revision),
            desired_annotation: Some(replicas),
            scale_down_deadline: None,
        }
    }

    /// The Rollout object: its template is named by the case's `spec.template` label, which
    /// is also the hash of the new ReplicaSet.
    fn rollout_object(
        rollout: &Value,
        given: &[Value],
        rss: &[RsView],
        clock: &Clock,
    ) -> Res<RolloutObject> {
        let template = read::text(&rollout["spec"], "template")?;
        if template.is_empty() {
            return Err("the rollout has no `spec.template` label".to_string());
        }
        let spec = rollout_spec(&rollout["spec"], template)?;
        let mut status = rollout_status(&rollout["status"], rss, template, clock)?;
        (status.phase, status.message) = calculate_phase(&spec, &status);
        Ok(RolloutObject {
            name: ROLLOUT_NAME.into(),
            namespace: "default".into(),
            spec,
            template_hash: template.into(),
            generation: GENERATION,
            revision: rollout_revision(given, rss, template),
            status: Box::new(status),
        })
    }

    /// The revision of the new ReplicaSet (role `new` or `new+stable`), else the highest.
    fn rollout_revision(given: &[Value], rss: &[RsView], template: &str) -> u64 {
        let is_new = |(json, rs): &(&Value, &RsView)| {
            matches!(json["role"].as_str(), Some("new" | "new+stable")) || rs.hash == template
        };
        let mut pairs = given.iter().zip(rss);
        match pairs.find(is_new) {
            Some((_, rs)) => rs.revision,
            None => rss.iter().map(|rs| rs.revision).max().unwrap_or(0),
        }
    }

    fn rollout_spec(spec: &Value, template: &str) -> Res<RolloutSpec> {
        let strategy = match (
            read::field(&spec["strategy"], "canary"),
            read::field(&spec["strategy"], "blueGreen"),
        ) {
            (Some(canary), _) => Strategy::Canary(canary_strategy(canary)?),
            (None, Some(bg)) => Strategy::BlueGreen(blue_green_strategy(bg)?),
            (None, None) => {
                return Err("the rollout has no canary or blueGreen strategy".to_string());
            }
        };
        Ok(RolloutSpec {
            replicas: read::uint(spec, "replicas")?,
            selector: BTreeMap::from([("app".to_string(), ROLLOUT_NAME.to_string())]),
            template: pod_template(template),
            min_ready_seconds: read::uint(spec, "minReadySeconds")?.unwrap_or(0),
            revision_history_limit: read::uint(spec, "revisionHistoryLimit")?.unwrap_or(10),
            progress_deadline_seconds: read::uint(spec, "progressDeadlineSeconds")?.unwrap_or(600),
            progress_deadline_abort: read::flag(spec, "progressDeadlineAbort")?,
            paused: read::flag(spec, "paused")?,
            restart_at: None,
            rollback_window: None,
            strategy,
        })
    }

    /// The blue-green strategy of a case (the fields a case may set; defaults otherwise).
    fn blue_green_strategy(bg: &Value) -> Res<BlueGreen> {
        let preview_service = read::text(bg, "previewService")?;
        Ok(BlueGreen {
            active_service: read::text(bg, "activeService")?.to_string(),
            preview_service: (!preview_service.is_empty()).then(|| preview_service.to_string()),
            preview_replica_count: read::uint(bg, "previewReplicaCount")?,
            auto_promotion_enabled: read::field(bg, "autoPromotionEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            auto_promotion_seconds: read::uint(bg, "autoPromotionSeconds")?.unwrap_or(0),
            max_unavailable: None,
            scale_down_delay_seconds: read::uint(bg, "scaleDownDelaySeconds")?,
            scale_down_delay_revision_limit: read::uint(bg, "scaleDownDelayRevisionLimit")?,
            abort_scale_down_delay: match read::uint(bg, "abortScaleDownDelaySeconds")? {
                None => AbortDelay::Unset,
                Some(0) => AbortDelay::Never,
                Some(s) => AbortDelay::Seconds(s),
            },
            pre_promotion_analysis: None,
            post_promotion_analysis: None,
        })
    }

    /// A pod template with one container whose image is tagged with the template label.
    fn pod_template(label: &str) -> PodTemplate {
        PodTemplate::from_json(json!({
            "metadata": { "labels": { "app": ROLLOUT_NAME } },
            "spec": { "containers": [{ "name": "app", "image": format!("app:{label}") }] },
        }))
    }

    fn canary_strategy(canary: &Value) -> Res<Canary> {
        let steps = read::list(canary, "steps")?;
        Ok(Canary {
            steps: steps
                .iter()
                .map(manifest_step)
                .collect::<Res<Vec<_>>>()?
                .into(),
            steps_hash: STEPS_HASH.to_string(),
            max_surge: read::int_or_string(canary, "maxSurge")?,
            max_unavailable: read::int_or_string(canary, "maxUnavailable")?,
            canary_service: service_name(canary, "canaryService")?,
            stable_service: service_name(canary, "stableService")?,
            traffic_routing: read::traffic_routing(canary)?,
            dynamic_stable_scale: read::flag(canary, "dynamicStableScale")?,
            scale_down_delay_seconds: read::uint(canary, "scaleDownDelaySeconds")?,
            scale_down_delay_revision_limit: read::uint(canary, "scaleDownDelayRevisionLimit")?,
            abort_scale_down_delay: read::abort_delay(canary)?,
            min_pods_per_replica_set: read::uint(canary, "minPodsPerReplicaSet")?,
            replica_progress_threshold: read::progress_threshold(
                &canary["replicaProgressThreshold"],
            )?,
            analysis: None,
        })
    }

    fn service_name(canary: &Value, key: &str) -> Res<Option<String>> {
        let name = read::text(canary, key)?;
        Ok((!name.is_empty()).then(|| name.to_string()))
    }

    /// The Services the rollout names, existing but not yet pointed at any ReplicaSet.
    /// The Services a rollout names. Canary Services start unadopted; blue-green ones select
    /// what the status says they select.
    fn services_of(
        spec: &RolloutSpec,
        status: &RolloutStatus,
    ) -> BTreeMap<smol_str::SmolStr, ServiceView> {
        let view = |hash: &str| ServiceView {
            selector_hash: (!hash.is_empty()).then(|| hash.into()),
            managed: !hash.is_empty(),
        };
        let mut out = BTreeMap::new();
        if let Some(c) = spec.canary() {
            for name in [&c.canary_service, &c.stable_service].into_iter().flatten() {
                out.insert(name.as_str().into(), view(""));
            }
        }
        if let Some(bg) = spec.blue_green() {
            out.insert(
                bg.active_service.as_str().into(),
                view(&status.blue_green.active_selector),
            );
            if let Some(p) = &bg.preview_service {
                out.insert(p.as_str().into(), view(&status.blue_green.preview_selector));
            }
        }
        out
    }

    /// A canary step of the controller: exactly one of `setWeight`, `pause`, `setCanaryScale`.
    fn manifest_step(step: &Value) -> Res<Step> {
        let kinds: Vec<&str> = step
            .as_object()
            .ok_or_else(|| format!("a step must be an object, got {step}"))?
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.as_str())
            .collect();
        match kinds.as_slice() {
            ["setWeight"] => Ok(Step::weight(read::uint(step, "setWeight")?.unwrap_or(0))),
            ["pause"] => Ok(Step::pause(pause_duration(&step["pause"]["duration"])?)),
            ["setCanaryScale"] => Ok(Step::canary_scale(read::canary_scale(
                &step["setCanaryScale"],
            )?)),
            _ => Err(format!("the controller cannot run the step {step}")),
        }
    }

    /// A pause duration: seconds, or a duration string such as `"30s"`; `null` = indefinite.
    fn pause_duration(v: &Value) -> Res<Option<PauseDuration>> {
        let seconds = match v {
            Value::Null => return Ok(None),
            Value::String(s) => rollout_sim::engine::parse_duration(s)
                .map_err(|e| e.to_string())?
                .whole_secs(),
            _ => v
                .as_u64()
                .ok_or_else(|| format!("a pause duration must be seconds or a string, got {v}"))?,
        };
        let text = v
            .as_str()
            .map_or_else(|| seconds.to_string(), str::to_string);
        Ok(Some(PauseDuration { seconds, text }))
    }

    /// The status as the previous reconcile left it: the case's fields, the step hash of the
    /// current steps, and pod counts summed from the ReplicaSets.
    fn rollout_status(
        status: &Value,
        rss: &[RsView],
        template: &str,
        clock: &Clock,
    ) -> Res<RolloutStatus> {
        let sum = |count: fn(&RsView) -> i32| {
            rss.iter()
                .map(|rs| u32::try_from(count(rs).max(0)).unwrap())
                .sum()
        };
        let new_rs = rss.iter().find(|rs| rs.hash == template);
        let abort = read::flag(status, "abort")?;
        Ok(RolloutStatus {
            observed_generation: GENERATION,
            current_pod_hash: read::text(status, "currentPodHash")?.into(),
            current_step_hash: STEPS_HASH.into(),
            current_step_index: read::uint(status, "currentStepIndex")?,
            stable_rs: read::text(status, "stableRS")?.into(),
            replicas: sum(|rs| rs.status_replicas),
            updated_replicas: new_rs
                .map_or(0, |rs| u32::try_from(rs.status_replicas.max(0)).unwrap()),
            ready_replicas: sum(|rs| rs.ready),
            available_replicas: sum(|rs| rs.available),
            pause_conditions: pause_conditions(status)?,
            controller_pause: read::flag(status, "controllerPause")?,
            abort,
            // An aborted status records when the abort happened; the case does not say.
            aborted_at: abort.then_some(NOW),
            promote_full: read::flag(status, "promoteFull")?,
            canary: CanaryStatus {
                weights: traffic_weights(&status["canary"]["weights"])?,
                ..CanaryStatus::default()
            },
            blue_green: BlueGreenStatus {
                active_selector: read::text(&status["blueGreen"], "activeSelector")?.into(),
                preview_selector: read::text(&status["blueGreen"], "previewSelector")?.into(),
                scale_up_preview_check_point: read::flag(
                    &status["blueGreen"],
                    "scaleUpPreviewCheckPoint",
                )?,
                ..BlueGreenStatus::default()
            },
            conditions: conditions(status)?,
            duration: duration(&status["duration"], clock)?,
            ..RolloutStatus::default()
        })
    }

    /// `status.conditions`: `{type, status, reason}` each (message empty, times now).
    fn conditions(status: &Value) -> Res<Vec<RolloutCondition>> {
        let kinds = [
            RolloutConditionType::Progressing,
            RolloutConditionType::Available,
            RolloutConditionType::Healthy,
            RolloutConditionType::Completed,
            RolloutConditionType::Paused,
            RolloutConditionType::InvalidSpec,
        ];
        let reasons = [
            reason::NEW_RS_CREATED,
            reason::FOUND_NEW_RS,
            reason::RS_UPDATED,
            reason::RS_NOT_AVAILABLE,
            reason::NEW_RS_AVAILABLE,
            reason::PAUSED,
            reason::RESUMED,
            reason::RETRY,
            reason::ABORTED,
            reason::TIMED_OUT,
            reason::AVAILABLE,
            reason::HEALTHY,
            reason::COMPLETED,
            reason::INVALID_SPEC,
        ];
        read::list(status, "conditions")?
            .iter()
            .map(|c| {
                let kind_name = read::text(c, "type")?;
                let kind = kinds
                    .into_iter()
                    .find(|k| k.as_str() == kind_name)
                    .ok_or_else(|| format!("unknown condition type `{kind_name}`"))?;
                let status = match read::text(c, "status")? {
                    "True" => CondStatus::True,
                    "False" => CondStatus::False,
                    "Unknown" | "" => CondStatus::Unknown,
                    other => return Err(format!("unknown condition status `{other}`")),
                };
                let why = read::text(c, "reason")?;
                let reason = reasons
                    .into_iter()
                    .find(|r| *r == why)
                    .ok_or_else(|| format!("unknown condition reason `{why}`"))?;
                Ok(RolloutCondition {
                    kind,
                    status,
                    reason,
                    message: read::text(c, "message")?.to_string().into(),
                    last_update: NOW,
                    last_transition: NOW,
                })
            })
            .collect()
    }

    /// `status.duration`: `{rolloutStartedAt, finishedAt, completionStatus, ...}`.
    fn duration(v: &Value, clock: &Clock) -> Res<Option<DurationStatus>> {
        if v.is_null() {
            return Ok(None);
        }
        let time = |key: &str| -> Res<Option<SimTime>> {
            v[key].as_str().map(|t| clock.at(t)).transpose()
        };
        let completion_status = match v["completionStatus"].as_str() {
            None => None,
            Some(c) => {
                Some(CompletionStatus::parse(c).ok_or_else(|| format!("completionStatus `{c}`"))?)
            }
        };
        Ok(Some(DurationStatus {
            rollout_started_at: time("rolloutStartedAt")?,
            manual_pause_started_at: time("manualPauseStartedAt")?,
            total_manual_pause_seconds: v["totalManualPauseDurationSeconds"].as_u64(),
            finished_at: time("finishedAt")?,
            completion_status,
        }))
    }

    /// `status.pauseConditions`: reasons (`"CanaryPauseStep"` or `{reason, startTime}`, the
    /// start in seconds; absent = now).
    fn pause_conditions(status: &Value) -> Res<Vec<PauseCondition>> {
        let conditions = read::list(status, "pauseConditions")?;
        conditions
            .iter()
            .map(|c| {
                let reason = c.as_str().map_or_else(|| read::text(c, "reason"), Ok)?;
                let start = read::uint(c, "startTime")?;
                Ok(PauseCondition {
                    reason: pause_reason(reason)?,
                    start_time: start.map_or(NOW, |s| SimTime::from_secs(s.into())),
                })
            })
            .collect()
    }

    fn pause_reason(name: &str) -> Res<PauseReason> {
        let reasons = [
            PauseReason::CanaryPauseStep,
            PauseReason::BlueGreenPause,
            PauseReason::InconclusiveAnalysisRun,
            PauseReason::InconclusiveExperiment,
        ];
        reasons
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| format!("unknown pause reason `{name}`"))
    }

    /// `status.canary.weights`: each side a weight, or `{weight, podTemplateHash, serviceName}`.
    fn traffic_weights(v: &Value) -> Res<Option<TrafficWeights>> {
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(TrafficWeights {
            canary: destination(&v["canary"])?,
            stable: destination(&v["stable"])?,
            additional: read::list(v, "additional")?
                .iter()
                .map(destination)
                .collect::<Res<_>>()?,
        }))
    }

    fn destination(v: &Value) -> Res<WeightDestination> {
        if let Some(weight) = v.as_i64() {
            let weight = i32::try_from(weight).map_err(|_| format!("weight {weight} too large"))?;
            return Ok(WeightDestination {
                weight,
                pod_template_hash: String::new().into(),
                service_name: String::new().into(),
            });
        }
        Ok(WeightDestination {
            // A missing weight is 0 (`omitempty` upstream).
            weight: read::int(v, "weight")?.unwrap_or(0),
            pod_template_hash: read::text(v, "podTemplateHash")?.into(),
            service_name: read::text(v, "serviceName")?.into(),
        })
    }

    /// The status with Argo's field names, for `status` keys (dotted paths into this object).
    fn status_json(st: &RolloutStatus, clock: &Clock) -> Value {
        let pause_conditions: Vec<Value> = st
            .pause_conditions
            .iter()
            .map(|p| {
                let start_seconds = p.start_time.as_millis() / 1000;
                json!({ "reason": p.reason.as_str(), "startTime": start_seconds })
            })
            .collect();
        let conditions: Vec<Value> = st
            .conditions
            .iter()
            .map(|c| {
                json!({
                    "type": c.kind.as_str(),
                    "status": c.status.as_str(),
                    "reason": c.reason,
                    "message": &*c.message,
                })
            })
            .collect();
        json!({
            "observedGeneration": st.observed_generation,
            "currentPodHash": st.current_pod_hash,
            "currentStepHash": st.current_step_hash,
            "currentStepIndex": st.current_step_index,
            "stableRS": st.stable_rs,
            "replicas": st.replicas,
            "updatedReplicas": st.updated_replicas,
            "readyReplicas": st.ready_replicas,
            "availableReplicas": st.available_replicas,
            "pauseConditions": pause_conditions,
            "controllerPause": st.controller_pause,
            "abort": st.abort,
            "abortedAt": st.aborted_at.map(|t| t.as_millis() / 1000),
            "promoteFull": st.promote_full,
            "canary": { "weights": st.canary.weights.as_ref().map(weights_json) },
            "blueGreen": {
                "activeSelector": st.blue_green.active_selector,
                "previewSelector": st.blue_green.preview_selector,
                "scaleUpPreviewCheckPoint": st.blue_green.scale_up_preview_check_point,
            },
            "duration": st.duration.as_ref().map(|d| {
                let time = |t: Option<SimTime>| t.map(|t| clock.wall(t));
                json!({
                    "rolloutStartedAt": time(d.rollout_started_at),
                    "manualPauseStartedAt": time(d.manual_pause_started_at),
                    "totalManualPauseDurationSeconds": d.total_manual_pause_seconds,
                    "finishedAt": time(d.finished_at),
                    "completionStatus": d.completion_status.map(|c| c.as_str()),
                })
            }),
            "conditions": conditions,
            "phase": st.phase.as_str(),
            "message": st.message,
        })
    }

    fn weights_json(w: &TrafficWeights) -> Value {
        let side = |d: &WeightDestination| {
            json!({
                "weight": d.weight,
                "podTemplateHash": d.pod_template_hash,
                "serviceName": d.service_name,
            })
        };
        let additional: Vec<Value> = w.additional.iter().map(side).collect();
        json!({ "canary": side(&w.canary), "stable": side(&w.stable), "additional": additional })
    }
}

/// Comparing expected values with actual ones. Each check returns the message of a mismatch
/// (`key: expected X, actual Y`), or nothing when the value is satisfied.
mod compare {
    use serde_json::{Map, Value};

    /// Stands for a field that exists but is `null` partway through a dotted path.
    static NULL: Value = Value::Null;

    pub(super) fn mismatch(key: &str, want: &Value, got: &Value) -> String {
        format!("{key}: expected {want}, actual {got}")
    }

    pub(super) fn unsupported(key: &str, want: &Value) -> String {
        format!("{key}: unsupported expected key (expected {want})")
    }

    /// Does `got` satisfy `want`? `null` is not asserted (at any depth); an object asserts its
    /// non-null keys; a list asserts its length and each element; a scalar must be equal (a
    /// number also equals its decimal string, as Kubernetes annotations are strings).
    pub(super) fn satisfies(want: &Value, got: &Value) -> bool {
        match (want, got) {
            (Value::Null, _) => true,
            (Value::Object(w), Value::Object(g)) => w
                .iter()
                .all(|(k, wv)| wv.is_null() || g.get(k).is_some_and(|gv| satisfies(wv, gv))),
            (Value::Array(w), Value::Array(g)) => {
                w.len() == g.len() && w.iter().zip(g).all(|(a, b)| satisfies(a, b))
            }
            (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
                n.to_string() == *s
            }
            _ => want == got,
        }
    }

    pub(super) fn satisfied(key: &str, want: &Value, got: &Value) -> Option<String> {
        (!satisfies(want, got)).then(|| mismatch(key, want, got))
    }

    /// Exact equality: `{}` means "nothing", not "nothing asserted".
    pub(super) fn exact(key: &str, want: &Value, got: &Value) -> Option<String> {
        (want != got).then(|| mismatch(key, want, got))
    }

    /// Every element of the expected list is in the actual list.
    pub(super) fn contains_all(key: &str, want: &Value, got: &Value) -> Option<String> {
        let (Some(w), Some(g)) = (want.as_array(), got.as_array()) else {
            return Some(mismatch(key, want, got));
        };
        (!w.iter().all(|item| g.contains(item)))
            .then(|| format!("{key}: expected all of {want} among {got}"))
    }

    /// The same names as keys, each entry satisfying the expected one.
    pub(super) fn same_names(key: &str, want: &Value, got: &Value) -> Option<String> {
        let same_keys = match (want.as_object(), got.as_object()) {
            (Some(w), Some(g)) => w.keys().all(|k| g.contains_key(k)) && w.len() == g.len(),
            _ => false,
        };
        (!same_keys || !satisfies(want, got)).then(|| mismatch(key, want, got))
    }

    /// An object of fields, each key a dotted path into `got` (`blueGreen.activeSelector`).
    /// A path `got` does not have is an unsupported key.
    pub(super) fn fields(prefix: &str, want: &Value, got: &Value) -> Vec<String> {
        let Some(want) = want.as_object() else {
            return vec![format!(
                "{prefix}: expected an object of fields, got {want}"
            )];
        };
        asserted(want)
            .filter_map(|(path, w)| {
                let key = format!("{prefix}.{path}");
                match lookup(got, path) {
                    None => Some(unsupported(&key, w)),
                    Some(g) => satisfied(&key, w, g),
                }
            })
            .collect()
    }

    /// Compares an answer object key by key; a key the answer lacks is unsupported.
    pub(super) fn flat(expected: &Map<String, Value>, actual: &Value) -> Vec<String> {
        asserted(expected)
            .filter_map(|(key, want)| match actual.get(key) {
                None => Some(unsupported(key, want)),
                Some(got) => satisfied(key, want, got),
            })
            .collect()
    }

    /// The keys of `expected` that are asserted (not `null`).
    pub(super) fn asserted(
        expected: &Map<String, Value>,
    ) -> impl Iterator<Item = (&String, &Value)> {
        expected.iter().filter(|(_, v)| !v.is_null())
    }

    /// Follows a dotted path (`canary.weights.canary.weight`, list indexes as numbers).
    fn lookup<'a>(root: &'a Value, dotted: &str) -> Option<&'a Value> {
        dotted.split('.').try_fold(root, |v, part| match v {
            Value::Object(fields) => fields.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Null => Some(&NULL),
            _ => None,
        })
    }
}
