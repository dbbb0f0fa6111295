//! Rollout objects for the table tests of the plugin's rules (`info`, `plugin`): a canary
//! (basic or with a router) in the middle of an update from `old` to `new`, and a blue-green
//! one.

use std::collections::BTreeMap;

use super::{RolloutObject, RolloutStatus};
use crate::api::{
    AbortDelay, BlueGreen, Canary, PodTemplate, RolloutSpec, Step, Strategy, TrafficRouting,
};

fn object(strategy: Strategy, step: Option<u32>) -> RolloutObject {
    let spec = RolloutSpec {
        replicas: Some(10),
        selector: BTreeMap::from([("app".to_string(), "x".to_string())]),
        template: PodTemplate::from_json(
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": "app:v2"}]}}),
        ),
        min_ready_seconds: 0,
        revision_history_limit: 10,
        progress_deadline_seconds: 600,
        progress_deadline_abort: false,
        paused: false,
        restart_at: None,
        rollback_window: None,
        strategy,
    };
    let mut ro = RolloutObject::new("ro", "default", spec);
    ro.revision = 2;
    *ro.status = RolloutStatus {
        observed_generation: 1,
        current_pod_hash: "new".into(),
        current_step_index: step,
        stable_rs: "old".into(),
        ..Default::default()
    };
    ro
}

fn canary_strategy(steps: Vec<Step>) -> Canary {
    Canary {
        steps: steps.into(),
        steps_hash: "steps".into(),
        ..Canary::default()
    }
}

/// A basic canary (no router) at step `step` of `steps`.
pub(crate) fn canary(steps: Vec<Step>, step: Option<u32>) -> RolloutObject {
    object(Strategy::Canary(canary_strategy(steps)), step)
}

/// A canary with a traffic router whose `maxTrafficWeight` is `max`.
pub(crate) fn routed(steps: Vec<Step>, step: Option<u32>, max: u32) -> RolloutObject {
    let mut c = canary_strategy(steps);
    c.canary_service = Some("canary".into());
    c.stable_service = Some("stable".into());
    c.traffic_routing = Some(TrafficRouting {
        provider: "nginx".into(),
        max_traffic_weight: max,
        managed_routes: vec![],
        services_required: true,
        origin: Default::default(),
    });
    object(Strategy::Canary(c), step)
}

/// A blue-green rollout with manual promotion.
pub(crate) fn blue_green() -> RolloutObject {
    let bg = BlueGreen {
        active_service: "active".into(),
        preview_service: Some("preview".into()),
        preview_replica_count: None,
        auto_promotion_enabled: false,
        auto_promotion_seconds: 0,
        max_unavailable: None,
        scale_down_delay_seconds: None,
        scale_down_delay_revision_limit: None,
        abort_scale_down_delay: AbortDelay::Unset,
        pre_promotion_analysis: None,
        post_promotion_analysis: None,
    };
    object(Strategy::BlueGreen(bg), None)
}
