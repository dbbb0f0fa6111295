//! How the journal's entries are written into `events.jsonl`: the `serialize_with` and
//! `skip_serializing_if` helpers the entry types name (for values whose Rust type is not their
//! JSON form), and the hand-written shapes of the rollout status and the run's summary. They
//! sit beside the journal, not in `output`, because the entry types derive their JSON from
//! them: the journal is below the outputs that read it.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::{Value, json};

use crate::engine::{SimDuration, SimTime};
use crate::rollout::Phase;
use crate::sim::{BudgetKind, RolloutSnapshot, Summary};
use crate::traffic::TickCounts;

/// An instant as virtual seconds since the start (a float: instants have milliseconds).
pub(crate) fn secs<S: Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(t.as_secs_f64())
}

/// An optional instant: seconds, or `null`.
pub(crate) fn opt_secs<S: Serializer>(t: &Option<SimTime>, s: S) -> Result<S::Ok, S::Error> {
    t.map(SimTime::as_secs_f64).serialize(s)
}

/// An optional duration: seconds as a float, or `null`.
pub(crate) fn opt_duration<S: Serializer>(
    d: &Option<SimDuration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    d.map(|d| d.as_millis() as f64 / 1000.0).serialize(s)
}

/// A phase by its Argo name.
pub(crate) fn phase<S: Serializer>(p: &Phase, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.as_str())
}

/// A Kubernetes Event's `type`.
pub(crate) fn event_type<S: Serializer>(warning: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *warning { "Warning" } else { "Normal" })
}

/// A budget by the name its option uses.
pub(crate) fn budget<S: Serializer>(b: &BudgetKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(b.name())
}

/// The run's summary (`RunFinished.status`), shaped as SCENARIO.md §4 documents it.
#[allow(
    clippy::borrowed_box,
    reason = "serde hands a `serialize_with` helper a reference to the field, which is boxed"
)]
pub(crate) fn summary<S: Serializer>(sum: &Box<Summary>, s: S) -> Result<S::Ok, S::Error> {
    summary_json(sum).serialize(s)
}

/// One traffic tick's counts per version; the mirror counts only with a mirror route, so
/// that other logs keep their bytes.
pub(crate) fn ticks<S: Serializer>(versions: &[TickCounts], s: S) -> Result<S::Ok, S::Error> {
    // Keys in alphabetical order, as every nested object of the log.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Tick<'a> {
        failed: u64,
        hash: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        mirrored: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mirrored_failed: Option<u64>,
        requests: u64,
    }
    s.collect_seq(versions.iter().map(|v| {
        let mirror = v.mirrored > 0;
        Tick {
            failed: v.failed,
            hash: &v.hash,
            mirrored: mirror.then_some(v.mirrored),
            mirrored_failed: mirror.then_some(v.mirrored_failed),
            requests: v.requests,
        }
    }))
}

pub(crate) fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `maxTrafficWeight` left at its default.
pub(crate) fn is_full_weight(n: &u32) -> bool {
    *n == 100
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "passed": s.passed,
        "timedOut": s.timed_out,
        "failures": s.failures,
        "phase": s.phase.as_str(),
        "message": s.message,
        "step": s.step,
        "steps": s.steps,
        "setWeight": s.set_weight,
        "actualWeight": s.actual_weight,
        "revision": s.revision,
        "stableRevision": s.stable_revision,
        "images": {"stable": s.stable_image, "canary": s.canary_image},
        "replicas": {
            "desired": s.desired, "current": s.current, "updated": s.updated,
            "ready": s.ready, "available": s.available,
        },
        "podsCreated": s.pods_created,
        "reconciles": s.reconciles,
        "traffic": s.traffic.iter().map(|v| {
            let mut o = json!({
                "hash": v.hash, "image": v.image, "requests": v.requests, "failed": v.failed,
            });
            if v.mirrored > 0 {
                o["mirrored"] = json!(v.mirrored);
                o["mirroredFailed"] = json!(v.mirrored_failed);
            }
            o
        }).collect::<Vec<_>>(),
        "unroutedRequests": s.unrouted,
    })
}

/// `status.duration` with Argo's field names; instants are virtual seconds since the start,
/// as `t` is.
fn duration_json(d: Option<&crate::rollout::status::DurationStatus>) -> serde_json::Value {
    let Some(d) = d else {
        return serde_json::Value::Null;
    };
    let secs = |t: Option<SimTime>| t.map(|t| t.as_millis() / 1000);
    json!({
        "rolloutStartedAt": secs(d.rollout_started_at),
        "manualPauseStartedAt": secs(d.manual_pause_started_at),
        "totalManualPauseDurationSeconds": d.total_manual_pause_seconds,
        "finishedAt": secs(d.finished_at),
        "completionStatus": d.completion_status.map(|c| c.as_str()),
    })
}

/// `RolloutStatus` fields. Written by hand rather than derived: the log groups the replica
/// counts under `replicas` and names the hashes as Argo's status does, while the snapshot keeps
/// them flat for its readers (and `blue_green` is not logged).
impl Serialize for RolloutSnapshot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Nested objects of the log have their keys in alphabetical order (the log's format
        // since it was written through `serde_json::Value` maps): the fields are declared so.
        #[derive(Serialize)]
        struct Replicas {
            available: u32,
            current: u32,
            desired: u32,
            ready: u32,
            updated: u32,
        }
        let mut st = serializer.serialize_struct("RolloutStatus", 12)?;
        st.serialize_field("phase", self.phase.as_str())?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("step", &self.step)?;
        st.serialize_field("steps", &self.steps)?;
        st.serialize_field("setWeight", &self.set_weight)?;
        st.serialize_field("actualWeight", &self.actual_weight)?;
        st.serialize_field(
            "replicas",
            &Replicas {
                available: self.available,
                current: self.current,
                desired: self.desired,
                ready: self.ready,
                updated: self.updated,
            },
        )?;
        st.serialize_field("stableRS", &self.stable_hash)?;
        st.serialize_field("currentPodHash", &self.current_hash)?;
        st.serialize_field("activeSelector", &self.active_hash)?;
        st.serialize_field("previewSelector", &self.preview_hash)?;
        st.serialize_field("duration", &duration_json(self.duration.as_ref()))?;
        st.end()
    }
}
