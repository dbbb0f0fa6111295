//! The API types, as Argo Rollouts' `pkg/apis/rollouts/v1alpha1` and the few Kubernetes core
//! types they hold: the Rollout (spec, strategy, steps), AnalysisTemplates and the analysis a
//! Rollout asks for, the experiment step, Services, PodDisruptionBudgets and `IntOrString`.
//!
//! These are plain data: the validated form every layer above reads. Reading and validating
//! them (`input`, `manifest`) sits above this module, the controllers above that. [`raw`] is the
//! serde mirror of the YAML as written, from which `manifest` builds the validated types, and
//! which a metric is kept in until its arguments are substituted.

pub mod analysis;
pub mod experiment;
pub mod raw;
pub mod rollout;
pub mod routes;
pub mod step_text;
pub mod template;

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

pub use rollout::{
    AbortDelay, BlueGreen, Canary, CanaryScale, Pause, PauseDuration, ProgressThreshold, Rollout,
    RolloutSpec, Step, Strategy, TrafficRouting,
};
pub use step_text::StepText;
pub use template::{Container, PodTemplate};

/// Kubernetes' `IntOrString`: `maxSurge: 1` is a count, `maxSurge: "25%"` a percentage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString {
    /// Written as a number: a count (of pods, of seconds).
    Int(i64),
    /// Written as a string: a percentage such as `25%`, or a duration such as `30s`.
    Str(String),
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'v> Visitor<'v> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom("the number is too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrString, E> {
                Err(E::custom(format!(
                    "expected an integer or a string, found the number {v}"
                )))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<IntOrString, E> {
                Err(E::custom(format!(
                    "expected an integer or a string, found the boolean {v}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::Str(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<IntOrString, E> {
                Err(E::custom("expected an integer or a string, found nothing"))
            }
            fn visit_seq<A: de::SeqAccess<'v>>(self, _: A) -> Result<IntOrString, A::Error> {
                Err(de::Error::custom(
                    "expected an integer or a string, found a list",
                ))
            }
            fn visit_map<A: de::MapAccess<'v>>(self, _: A) -> Result<IntOrString, A::Error> {
                Err(de::Error::custom(
                    "expected an integer or a string, found a mapping",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i64(*i),
            IntOrString::Str(v) => s.serialize_str(v),
        }
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::Str(s) => f.write_str(s),
        }
    }
}

/// A Service: its name and label selector (the controller adds the pod-template hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `metadata.name`, which a rollout's `canaryService`, `stableService`, `activeService` or
    /// `previewService` names.
    pub name: String,
    /// `spec.selector` as written, before the controller adds `rollouts-pod-template-hash`.
    pub selector: BTreeMap<String, String>,
}

/// An object a traffic router works through (an Ingress, an Istio VirtualService). Routing is
/// simulated as one generic weighted router, so only what the controller checks before it
/// reconciles is kept: the name, and for an Ingress the Services its rules send traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterObject {
    /// `kind`: `Ingress` or `VirtualService`.
    pub kind: &'static str,
    /// `metadata.name`, which `trafficRouting` names.
    pub name: String,
    /// An Ingress's `spec.rules[].http.paths[].backend` Service names.
    pub backends: Vec<String>,
}

/// Where a Rollout's `trafficRouting` names a router object (`nginx.stableIngress`,
/// `alb.ingresses[1]`, `istio.virtualService.name`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct RouterReference {
    /// The field's path under `spec.strategy.canary.trafficRouting`, as Argo's "no rules
    /// using service" error names it (a list's without an index).
    pub field: String,
    /// Argo's error when the object does not exist, up to the cluster's own words: the field
    /// and the value it quotes (`nginx.StableIngresses: Invalid value: []string{"a"}`).
    pub not_found: String,
    /// The kind named: `Ingress` or `VirtualService`.
    pub kind: &'static str,
    /// The object's name, as looked up (a VirtualService's without its namespace).
    pub name: String,
    /// The Service an Ingress must route to (`stableService`, or ALB's `rootService`).
    pub backend: Option<String>,
    /// Where it was written.
    pub origin: analysis::Origin,
}

/// A PodDisruptionBudget: how many of the pods it selects may be disrupted (evicted) at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisruptionBudget {
    /// `metadata.name`.
    pub name: String,
    /// `spec.selector.matchLabels`: the pods it protects.
    pub selector: BTreeMap<String, String>,
    /// `spec.minAvailable`: pods (or a percentage) that must stay available.
    pub min_available: Option<IntOrString>,
    /// `spec.maxUnavailable`: pods (or a percentage) that may be unavailable at once.
    pub max_unavailable: Option<IntOrString>,
}
