//! The messages of the Kubernetes Events the rollout controller records, as data.
//!
//! A reconcile decides an Event (its reason and the values its message names: a ReplicaSet,
//! counts, a revision, a step) but nothing reads the message's words until an output shows
//! the journal (timeline, `--events`, `events.jsonl`, report, expectations). So the plan and
//! the journal carry an [`EventMessage`], and its text is written by `Display`, one arm per
//! message, each next to the Argo source whose words it keeps.

use std::fmt;

use smol_str::SmolStr;

use crate::analysis::run::AnalysisPhase;
use crate::api::StepText;

use super::status::{PauseReason, WeightDestination};

/// The message of one Event, in Argo's words once displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventMessage {
    /// A message already in words: a fixed text, or one the controller wrote anyway for a
    /// condition (an abort, an invalid spec), or the experiment controller's.
    Text(SmolStr),
    /// `RolloutUpdatedMessage` (utils/conditions): the revision annotation was set.
    RolloutUpdated {
        /// The new revision.
        revision: u64,
    },
    /// `NewReplicaSetDetailedMessage` (utils/conditions): the ReplicaSet of a new template.
    NewReplicaSetCreated {
        /// The rollout's name (the ReplicaSet's is `<rollout>-<hash>`).
        rollout: SmolStr,
        /// The template's pod-template hash.
        hash: SmolStr,
        /// Its revision.
        revision: u64,
    },
    /// `ScalingReplicaSetMessage` (utils/conditions), from `scaleReplicaSet`
    /// (rollout/replicaset.go).
    ScalingReplicaSet {
        /// The ReplicaSet.
        name: SmolStr,
        /// Its revision.
        revision: u64,
        /// `spec.replicas` before.
        from: i32,
        /// `spec.replicas` after (never equal to `from`: no Event then).
        to: i32,
    },
    /// `RolloutCompletedMessage` (utils/conditions), from `promoteStable` (rollout/sync.go).
    RolloutCompleted {
        /// The rollout's revision.
        revision: u64,
        /// The new stable pod-template hash.
        hash: SmolStr,
        /// Why the update completed (`Initial deploy`, `Completed all 8 canary steps`).
        why: SmolStr,
    },
    /// `RolloutNotCompletedMessage` (utils/conditions): an update started.
    RolloutNotCompleted {
        /// The rollout's revision.
        revision: u64,
        /// The current pod-template hash.
        hash: SmolStr,
    },
    /// `RolloutPausedMessage` (utils/conditions) with the first pause condition's reason.
    RolloutPaused(PauseReason),
    /// `RolloutStepCompletedMessage` (utils/conditions), from `syncRolloutStatusCanary`
    /// (rollout/canary.go).
    RolloutStepCompleted {
        /// The 1-based number of the step completed.
        step: u32,
        /// How many steps there are.
        steps: u32,
        /// The step, as `CanaryStepString` prints it.
        text: StepText,
    },
    /// `switchServiceSelector` (rollout/service.go). Boxed: three names, and rare.
    SwitchService(Box<ServiceSwitch>),
    /// `emitAnalysisRunStatusChanges` (rollout/analysis.go): a followed run changed phase.
    AnalysisRunStatus {
        /// `PostPromotion`, `PrePromotion`, `Step` or `Background`.
        kind: &'static str,
        /// The AnalysisRun.
        name: SmolStr,
        /// Its phase now.
        phase: AnalysisPhase,
        /// Its phase before (`None`: the status followed no run, `NoPreviousStatus`).
        previous: Option<AnalysisPhase>,
    },
    /// `reconcileExperiments` (rollout/experiment.go): the step's Experiment was created.
    ExperimentCreated {
        /// The Experiment.
        name: SmolStr,
    },
    /// `TrafficWeightUpdatedMessage` (utils/conditions), from `reconcileTrafficRouting`
    /// (rollout/trafficrouting.go). Boxed: it may list the experiment's destinations.
    TrafficWeightUpdated(Box<WeightUpdate>),
}

/// What a `SwitchService` Event names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSwitch {
    /// The Service.
    pub service: SmolStr,
    /// The pod-template hash it selected before ("" for none).
    pub from: SmolStr,
    /// The pod-template hash it selects now.
    pub to: SmolStr,
}

/// What a `TrafficWeightUpdated` Event names: the canary weight's change and, when they
/// changed, the experiment's weighted destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightUpdate {
    /// The canary weight before (`None`: the router held no weights yet).
    pub from: Option<i32>,
    /// The canary weight now.
    pub to: i32,
    /// The additional destinations now, when they changed (only once weights existed).
    pub additional: Option<Vec<WeightDestination>>,
}

impl EventMessage {
    /// A fixed message.
    pub const fn fixed(text: &'static str) -> EventMessage {
        EventMessage::Text(SmolStr::new_static(text))
    }
}

impl From<String> for EventMessage {
    fn from(text: String) -> Self {
        EventMessage::Text(text.into())
    }
}

impl From<&'static str> for EventMessage {
    fn from(text: &'static str) -> Self {
        EventMessage::fixed(text)
    }
}

impl fmt::Display for EventMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventMessage::Text(text) => f.write_str(text),
            EventMessage::RolloutUpdated { revision } => {
                write!(f, "Rollout updated to revision {revision}")
            }
            EventMessage::NewReplicaSetCreated {
                rollout,
                hash,
                revision,
            } => write!(
                f,
                "Created ReplicaSet {rollout}-{hash} (revision {revision})"
            ),
            EventMessage::ScalingReplicaSet {
                name,
                revision,
                from,
                to,
            } => {
                let dir = if from < to { "up" } else { "down" };
                write!(
                    f,
                    "Scaled {dir} ReplicaSet {name} (revision {revision}) from {from} to {to}"
                )
            }
            EventMessage::RolloutCompleted {
                revision,
                hash,
                why,
            } => write!(
                f,
                "Rollout completed update to revision {revision} ({hash}): {why}"
            ),
            EventMessage::RolloutNotCompleted { revision, hash } => write!(
                f,
                "Rollout not completed, started update to revision {revision} ({hash})"
            ),
            EventMessage::RolloutPaused(reason) => {
                write!(f, "Rollout is paused ({})", reason.as_str())
            }
            EventMessage::RolloutStepCompleted { step, steps, text } => {
                write!(f, "Rollout step {step}/{steps} completed ({text})")
            }
            EventMessage::SwitchService(s) => write!(
                f,
                "Switched selector for service '{}' from '{}' to '{}'",
                s.service, s.from, s.to
            ),
            EventMessage::AnalysisRunStatus {
                kind,
                name,
                phase,
                previous,
            } => {
                // A run the rollout has just created has no phase yet (Argo prints '').
                let previous = previous.map_or("NoPreviousStatus", |p| match p {
                    AnalysisPhase::Pending => "",
                    other => other.as_str(),
                });
                write!(
                    f,
                    "{kind} Analysis Run '{name}' Status New: '{phase}' Previous: '{previous}'"
                )
            }
            EventMessage::ExperimentCreated { name } => {
                write!(f, "Created Experiment '{name}'")
            }
            EventMessage::TrafficWeightUpdated(u) => {
                f.write_str("Traffic weight updated ")?;
                let mut sep = "";
                match u.from {
                    None => {
                        write!(f, "to {}", u.to)?;
                        sep = ", ";
                    }
                    Some(from) if from != u.to => {
                        write!(f, "from {from} to {}", u.to)?;
                        sep = ", ";
                    }
                    Some(_) => {}
                }
                if let Some(additional) = &u.additional {
                    // Argo prints the destinations with Go's `%v`; rollout-sim names them
                    // plainly.
                    write!(f, "{sep}additional: [")?;
                    for (i, d) in additional.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{} {}", d.pod_template_hash, d.weight)?;
                    }
                    f.write_str("]")?;
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for EventMessage {
    /// As its text: `events.jsonl` logs the message Argo would record.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{EventMessage, ServiceSwitch, WeightUpdate};
    use crate::analysis::run::AnalysisPhase;
    use crate::api::StepText;
    use crate::rollout::status::{PauseReason, WeightDestination};

    #[test]
    fn messages_in_argo_words() {
        let cases = [
            (
                EventMessage::RolloutUpdated { revision: 2 },
                "Rollout updated to revision 2",
            ),
            (
                EventMessage::NewReplicaSetCreated {
                    rollout: "demo".into(),
                    hash: "abc".into(),
                    revision: 2,
                },
                "Created ReplicaSet demo-abc (revision 2)",
            ),
            (
                EventMessage::ScalingReplicaSet {
                    name: "demo-abc".into(),
                    revision: 2,
                    from: 0,
                    to: 1,
                },
                "Scaled up ReplicaSet demo-abc (revision 2) from 0 to 1",
            ),
            (
                EventMessage::ScalingReplicaSet {
                    name: "demo-abc".into(),
                    revision: 1,
                    from: 5,
                    to: 4,
                },
                "Scaled down ReplicaSet demo-abc (revision 1) from 5 to 4",
            ),
            (
                EventMessage::RolloutCompleted {
                    revision: 1,
                    hash: "abc".into(),
                    why: "Initial deploy".into(),
                },
                "Rollout completed update to revision 1 (abc): Initial deploy",
            ),
            (
                EventMessage::RolloutNotCompleted {
                    revision: 2,
                    hash: "abc".into(),
                },
                "Rollout not completed, started update to revision 2 (abc)",
            ),
            (
                EventMessage::RolloutPaused(PauseReason::CanaryPauseStep),
                "Rollout is paused (CanaryPauseStep)",
            ),
            (
                EventMessage::RolloutStepCompleted {
                    step: 1,
                    steps: 8,
                    text: StepText::SetWeight(20),
                },
                "Rollout step 1/8 completed (setWeight: 20)",
            ),
            (
                EventMessage::RolloutStepCompleted {
                    step: 1,
                    steps: 1,
                    text: StepText::Missing,
                },
                "Rollout step 1/1 completed ()",
            ),
            (
                EventMessage::SwitchService(Box::new(ServiceSwitch {
                    service: "active".into(),
                    from: "".into(),
                    to: "abc".into(),
                })),
                "Switched selector for service 'active' from '' to 'abc'",
            ),
            (
                EventMessage::AnalysisRunStatus {
                    kind: "Step",
                    name: "demo-abc-2-1".into(),
                    phase: AnalysisPhase::Running,
                    previous: None,
                },
                "Step Analysis Run 'demo-abc-2-1' Status New: 'Running' Previous: 'NoPreviousStatus'",
            ),
            (
                EventMessage::AnalysisRunStatus {
                    kind: "Background",
                    name: "r".into(),
                    phase: AnalysisPhase::Failed,
                    previous: Some(AnalysisPhase::Pending),
                },
                "Background Analysis Run 'r' Status New: 'Failed' Previous: ''",
            ),
            (
                EventMessage::ExperimentCreated { name: "e".into() },
                "Created Experiment 'e'",
            ),
            (
                EventMessage::fixed("Rollout is resumed"),
                "Rollout is resumed",
            ),
        ];
        for (message, want) in cases {
            assert_eq!(message.to_string(), want);
            assert_eq!(
                serde_json::to_string(&message).unwrap(),
                serde_json::to_string(want).unwrap()
            );
        }
    }

    #[test]
    fn traffic_weight_messages_name_what_changed() {
        let dest = |hash: &str, weight| WeightDestination {
            weight,
            pod_template_hash: hash.into(),
            service_name: "".into(),
        };
        let update = |from, to, additional| {
            EventMessage::TrafficWeightUpdated(Box::new(WeightUpdate {
                from,
                to,
                additional,
            }))
            .to_string()
        };
        assert_eq!(update(None, 20, None), "Traffic weight updated to 20");
        assert_eq!(
            update(Some(20), 60, None),
            "Traffic weight updated from 20 to 60"
        );
        assert_eq!(
            update(Some(20), 20, Some(vec![dest("a", 5), dest("b", 10)])),
            "Traffic weight updated additional: [a 5, b 10]"
        );
        assert_eq!(
            update(Some(20), 40, Some(vec![])),
            "Traffic weight updated from 20 to 40, additional: []"
        );
        // Only the stable's share moved: Argo still records the event, with no details.
        assert_eq!(update(Some(20), 20, None), "Traffic weight updated ");
    }
}
