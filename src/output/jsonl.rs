//! `events.jsonl` (SCENARIO.md §4): a header line, then one JSON object per journal entry with
//! `t` (virtual seconds), `time` (RFC 3339), `kind` and kind-specific fields, in that order.
//! The fields come from the journal's types (`#[derive(Serialize)]` in `sim::journal`); the
//! helpers they name for times, phases and the like are in [`ser`].

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::{Value, json};

use crate::engine::SimTime;
use crate::sim::{Entry, EntryKind, Journal, RolloutSnapshot, Summary};

/// RFC 3339 wall-clock time of a virtual instant.
#[allow(
    clippy::cast_possible_wrap,
    reason = "virtual time is bounded by the run's horizon, far below 2^63 ms (292 million years)"
)]
pub fn wall_time(start: DateTime<Utc>, t: SimTime) -> String {
    (start + Duration::milliseconds(t.as_millis() as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true)
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

/// One line of the log: the entry's instant, twice (virtual seconds and wall clock), then its
/// kind and fields as the journal's types derive them.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(serialize_with = "ser::secs")]
    t: SimTime,
    time: String,
    #[serde(flatten)]
    kind: &'a EntryKind,
}

/// One line of `events.jsonl` (without the newline).
pub fn entry_line(e: &Entry, start: DateTime<Utc>) -> String {
    let line = Line {
        t: e.t,
        time: wall_time(start, e.t),
        kind: &e.kind,
    };
    // Serialising plain data to a string cannot fail.
    serde_json::to_string(&line).expect("a journal entry serialises")
}

/// The whole log: header then entries, one per line.
pub fn render(journal: &Journal, scenario: &str, seed: u64, start: DateTime<Utc>) -> String {
    let mut out = String::new();
    let header = format!(
        "{{\"format\":\"rollout-sim/events\",\"version\":1,\"scenario\":{},\"seed\":{},\"start\":{}}}",
        json!(scenario),
        seed,
        json!(start.to_rfc3339_opts(SecondsFormat::Secs, true))
    );
    out.push_str(&header);
    out.push('\n');
    for e in journal.iter() {
        out.push_str(&entry_line(e, start));
        out.push('\n');
    }
    out
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

/// The `serialize_with` / `skip_serializing_if` helpers the journal's types name: how the log
/// writes values whose Rust type is not its JSON form.
pub(crate) mod ser {
    use serde::Serialize;
    use serde::ser::Serializer;

    use crate::engine::{SimDuration, SimTime};
    use crate::rollout::Phase;
    use crate::sim::{BudgetKind, Summary};
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
    pub(crate) fn summary<S: Serializer>(sum: &Summary, s: S) -> Result<S::Ok, S::Error> {
        super::summary_json(sum).serialize(s)
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
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::sim::{ActionVerb, BudgetKind};
    use crate::traffic::TickCounts;

    fn line(kind: EntryKind) -> String {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let e = Entry {
            t: SimTime::ZERO + crate::engine::SimDuration::from_millis(1500),
            kind,
        };
        let l = entry_line(&e, start);
        // The derived `kind` tag and the name other outputs use must not drift apart.
        let v: Value = serde_json::from_str(&l).expect("a JSON line");
        assert_eq!(v["kind"], e.kind.name(), "{l}");
        l
    }

    const AT: &str = r#"{"t":1.5,"time":"2025-01-01T00:00:01.500Z""#;

    #[test]
    fn weight_lines_leave_out_what_is_usual_and_name_what_is_not() {
        let w = |experiment, max_weight, initial| EntryKind::WeightChanged {
            canary: 20,
            stable: 80 - experiment,
            set_weight: 20,
            experiment,
            max_weight,
            initial,
        };
        assert_eq!(
            line(w(0, 100, false)),
            format!(r#"{AT},"kind":"WeightChanged","canary":20,"stable":80,"setWeight":20}}"#)
        );
        assert_eq!(
            line(w(10, 1000, true)),
            format!(
                r#"{AT},"kind":"WeightChanged","canary":20,"stable":70,"setWeight":20,"experiment":10,"maxWeight":1000,"initial":true}}"#
            )
        );
    }

    #[test]
    fn traffic_lines_show_mirror_counts_only_with_a_mirror() {
        let tick = |mirrored| TickCounts {
            hash: "abc".into(),
            requests: 10,
            failed: 1,
            mirrored,
            mirrored_failed: 0,
        };
        assert_eq!(
            line(EntryKind::Traffic {
                versions: vec![tick(0), tick(4)],
                unrouted: 2,
            }),
            format!(
                r#"{AT},"kind":"Traffic","versions":[{{"failed":1,"hash":"abc","requests":10}},{{"failed":1,"hash":"abc","mirrored":4,"mirroredFailed":0,"requests":10}}],"unrouted":2}}"#
            )
        );
    }

    #[test]
    fn typed_fields_are_written_in_their_log_form() {
        assert_eq!(
            line(EntryKind::ScriptAction {
                line: 7,
                action: "promote (auto)".into(),
                verb: ActionVerb::AutoPromote,
            }),
            format!(r#"{AT},"kind":"ScriptAction","line":7,"action":"promote (auto)"}}"#)
        );
        assert_eq!(
            line(EntryKind::KubeEvent {
                reason: "RolloutAborted".into(),
                message: "m".into(),
                warning: true,
            }),
            format!(
                r#"{AT},"kind":"Event","reason":"RolloutAborted","message":"m","type":"Warning"}}"#
            )
        );
        assert_eq!(
            line(EntryKind::EngineFailed {
                budget: BudgetKind::JournalEntries,
                limit: 20,
                message: "m".into(),
            }),
            format!(
                r#"{AT},"kind":"EngineFailed","budget":"journalEntries","limit":20,"message":"m"}}"#
            )
        );
        assert_eq!(
            line(EntryKind::NodeUnreachable {
                name: "n1".into(),
                evict_at: None,
                not_ready: 1,
                nodes: 3,
            }),
            format!(
                r#"{AT},"kind":"NodeUnreachable","name":"n1","evictAt":null,"notReady":1,"nodes":3}}"#
            )
        );
        assert_eq!(
            line(EntryKind::ExperimentRunning {
                name: "x".into(),
                duration: Some(crate::engine::SimDuration::from_millis(90_500)),
            }),
            format!(r#"{AT},"kind":"ExperimentRunning","name":"x","duration":90.5}}"#)
        );
    }
}
