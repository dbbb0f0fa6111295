//! The rollout controller, mirroring Argo's `rollout/` package: a pure `reconcile` from a
//! snapshot of the Rollout, its ReplicaSets and Services to a `Plan` of writes.

pub mod analysis;
mod bluegreen;
mod canary;
pub mod context;
pub mod controller;
mod duration;
pub mod event;
mod experiment;
#[cfg(test)]
mod fixtures;
pub mod info;
pub mod pause;
pub mod plugin;
pub mod replica_arithmetic;
mod replicaset;
mod restart;
mod service;
pub mod status;
mod sync;
mod trafficrouting;
pub mod validation;

pub use context::{
    BudgetView, ControllerEvent, ExperimentTemplateView, ExperimentView, Input, Plan, PodView,
    RolloutObject, RouteView, RsView, RunView, ServiceView, Write,
};
pub use controller::{Kept, reconcile, reconcile_reusing};
pub use status::{Phase, RolloutStatus};
