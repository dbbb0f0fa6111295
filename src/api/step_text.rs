//! A canary step's text as data: what Argo's `CanaryStepString` (utils/rollout/rolloututil.go)
//! prints for a step, kept as the few values it prints, so that the journal and the
//! `RolloutStepCompleted` event can carry a step's words without formatting them. The text is
//! written only when an output reads it (`Display`).

use std::fmt;

use smol_str::SmolStr;

use super::Step;

/// The words of a canary step. [`StepText::of`] is Argo's `CanaryStepString`;
/// [`StepText::label_of`] is how the timeline names the step, which differs only for a step
/// of routes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepText {
    /// `setWeight: 20`.
    SetWeight(u32),
    /// `pause`, or `pause: 45s` with the duration as the manifest wrote it.
    Pause(Option<SmolStr>),
    /// `experiment`.
    Experiment,
    /// `analysis`.
    Analysis,
    /// `setCanaryScale{weight: 20}`.
    CanaryScaleWeight(i32),
    /// `setCanaryScale{matchTrafficWeight: true}`.
    CanaryScaleMatchTrafficWeight,
    /// `setCanaryScale{replicas: 2}`.
    CanaryScaleReplicas(i32),
    /// `invalid`: what `CanaryStepString` prints for any other step.
    Invalid,
    /// A step of managed routes: Argo's words name its first route (`setHeaderRoute: name`);
    /// the timeline's name lists them all, comma-separated. Boxed: such steps are rare, and the box
    /// keeps every other step's text small.
    Routes(Box<[(&'static str, SmolStr)]>),
    /// No words: the index names no step of the spec (it changed since), or there is no
    /// current step.
    Missing,
}

impl StepText {
    /// Argo's `CanaryStepString`: the fields in the order it reads them (validation leaves
    /// one per step). A step of managed routes is named by its first route, header before
    /// mirror (`setHeaderRoute: name`), as utils/rollout/rolloututil.go does.
    pub fn of(step: &Step) -> StepText {
        if let Some(w) = step.set_weight {
            return StepText::SetWeight(w);
        }
        if let Some(p) = &step.pause {
            // A duration's text is a few characters: SmolStr keeps it inline, no allocation.
            return StepText::Pause(p.duration.as_ref().map(|d| SmolStr::new(&d.text)));
        }
        if step.experiment.is_some() {
            return StepText::Experiment;
        }
        if step.analysis.is_some() {
            return StepText::Analysis;
        }
        match &step.set_canary_scale {
            Some(c) if c.weight.is_some() => StepText::CanaryScaleWeight(c.weight.unwrap_or(0)),
            Some(c) if c.match_traffic_weight => StepText::CanaryScaleMatchTrafficWeight,
            Some(c) if c.replicas.is_some() => {
                StepText::CanaryScaleReplicas(c.replicas.unwrap_or(0))
            }
            _ => Self::first_route(step),
        }
    }

    /// `setHeaderRoute: name`, else `setMirrorRoute: name`, else `invalid`.
    fn first_route(step: &Step) -> StepText {
        let route = [
            ("setHeaderRoute", &step.set_header_route),
            ("setMirrorRoute", &step.set_mirror_route),
        ]
        .into_iter()
        .find_map(|(k, r)| r.as_ref().map(|r| (k, SmolStr::new(&r.name))));
        route.map_or(StepText::Invalid, |r| StepText::Routes(Box::new([r])))
    }

    /// [`StepText::of`] the step at `index` of `steps`, or [`StepText::Missing`].
    pub fn at(steps: &[Step], index: Option<u32>) -> StepText {
        index
            .and_then(|i| steps.get(i as usize))
            .map_or(StepText::Missing, StepText::of)
    }

    /// How the timeline names the step: Argo's words, except that a step of both kinds of
    /// route names both (Argo's `CanaryStepString` names the header route only).
    pub fn label_of(step: &Step) -> StepText {
        let text = StepText::of(step);
        if !matches!(text, StepText::Routes(_)) {
            return text;
        }
        let routes: Vec<(&'static str, SmolStr)> = [
            ("setHeaderRoute", &step.set_header_route),
            ("setMirrorRoute", &step.set_mirror_route),
        ]
        .into_iter()
        .filter_map(|(k, r)| r.as_ref().map(|r| (k, SmolStr::new(&r.name))))
        .collect();
        if routes.is_empty() {
            text
        } else {
            StepText::Routes(routes.into_boxed_slice())
        }
    }
}

impl fmt::Display for StepText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepText::SetWeight(w) => write!(f, "setWeight: {w}"),
            StepText::Pause(None) => f.write_str("pause"),
            StepText::Pause(Some(d)) => write!(f, "pause: {d}"),
            StepText::Experiment => f.write_str("experiment"),
            StepText::Analysis => f.write_str("analysis"),
            StepText::CanaryScaleWeight(w) => write!(f, "setCanaryScale{{weight: {w}}}"),
            StepText::CanaryScaleMatchTrafficWeight => {
                f.write_str("setCanaryScale{matchTrafficWeight: true}")
            }
            StepText::CanaryScaleReplicas(r) => write!(f, "setCanaryScale{{replicas: {r}}}"),
            StepText::Invalid => f.write_str("invalid"),
            StepText::Missing => Ok(()),
            StepText::Routes(routes) => {
                for (i, (key, name)) in routes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key}: {name}")?;
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for StepText {
    /// As its text: the event log shows a step in words.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::StepText;
    use crate::api::routes::RouteStep;
    use crate::api::{CanaryScale, Pause, PauseDuration, Step};

    fn text(step: &Step) -> (String, String) {
        (
            StepText::of(step).to_string(),
            StepText::label_of(step).to_string(),
        )
    }

    #[test]
    fn argo_words_for_each_kind_of_step() {
        let pause = |d: Option<&str>| Step {
            pause: Some(Pause {
                duration: d.map(|t| PauseDuration {
                    seconds: 45,
                    text: t.into(),
                }),
            }),
            ..Default::default()
        };
        let scale = |replicas, weight, match_traffic_weight| {
            Step::canary_scale(CanaryScale {
                replicas,
                weight,
                match_traffic_weight,
            })
        };
        for (step, want) in [
            (Step::weight(20), "setWeight: 20"),
            (pause(None), "pause"),
            (pause(Some("45s")), "pause: 45s"),
            (pause(Some("45")), "pause: 45"),
            (scale(None, Some(30), false), "setCanaryScale{weight: 30}"),
            (
                scale(None, None, true),
                "setCanaryScale{matchTrafficWeight: true}",
            ),
            (scale(Some(2), None, false), "setCanaryScale{replicas: 2}"),
            (Step::default(), "invalid"),
        ] {
            assert_eq!(text(&step), (want.to_string(), want.to_string()));
        }
    }

    #[test]
    fn a_step_of_routes_is_named_by_its_first_route_and_by_all_in_the_timeline() {
        let route = |name: &str| {
            Some(RouteStep {
                name: name.into(),
                rule: None,
            })
        };
        let step = Step {
            set_header_route: route("h"),
            set_mirror_route: route("m"),
            ..Default::default()
        };
        assert_eq!(
            text(&step),
            (
                "setHeaderRoute: h".to_string(),
                "setHeaderRoute: h, setMirrorRoute: m".to_string()
            )
        );
        let mirror = Step {
            set_mirror_route: route("m"),
            ..Default::default()
        };
        assert_eq!(
            text(&mirror),
            (
                "setMirrorRoute: m".to_string(),
                "setMirrorRoute: m".to_string()
            )
        );
    }
}
