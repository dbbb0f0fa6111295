//! rollout-sim: an offline simulator of Argo Rollouts.

pub mod analysis;
pub mod cli;
pub mod cluster;
pub mod engine;
pub mod experiment;
pub mod input;
pub mod lint;
pub mod manifest;
pub mod output;
pub mod rollout;
pub mod scenario;
pub mod sim;
pub mod traffic;
