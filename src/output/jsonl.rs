//! `events.jsonl` (SCENARIO.md §4): a header line, then one JSON object per journal entry with
//! `t` (virtual seconds), `time` (RFC 3339), `kind` and kind-specific fields, in that order.
//! The fields come from the journal's types (`#[derive(Serialize)]` in `sim::journal`); the
//! helpers they name for times, phases and the like are beside them, in `sim::journal::ser`.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;

use crate::engine::SimTime;
use crate::sim::journal::ser;
use crate::sim::{Entry, EntryKind, Journal, RolloutSnapshot};

/// RFC 3339 wall-clock time of a virtual instant.
#[allow(
    clippy::cast_possible_wrap,
    reason = "virtual time is bounded by the run's horizon, far below 2^63 ms (292 million years)"
)]
pub fn wall_time(start: DateTime<Utc>, t: SimTime) -> String {
    (start + Duration::milliseconds(t.as_millis() as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One line of the log: the entry's instant, twice (virtual seconds and wall clock), then its
/// kind and fields as the journal's types derive them.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(serialize_with = "ser::secs")]
    t: SimTime,
    time: String,
    #[serde(flatten)]
    kind: Body<'a>,
}

/// What a line says after its instant: the entry's kind and fields as derived, or for a
/// `RolloutStatus` entry the snapshot it names, which the journal keeps apart from the
/// entries.
enum Body<'a> {
    Kind(&'a EntryKind),
    Status(&'a RolloutSnapshot),
}

/// A status line's `kind` tag and fields, tagged as `EntryKind` tags its variants.
#[derive(Serialize)]
#[serde(tag = "kind")]
enum StatusLine<'a> {
    RolloutStatus(&'a RolloutSnapshot),
}

impl Serialize for Body<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Kind(kind) => kind.serialize(s),
            Body::Status(snapshot) => StatusLine::RolloutStatus(snapshot).serialize(s),
        }
    }
}

/// One line of `events.jsonl` (without the newline) for the entry `e` of `journal`.
pub fn entry_line(journal: &Journal, e: &Entry, start: DateTime<Utc>) -> String {
    let kind = match journal.status_of(e) {
        Some(snapshot) => Body::Status(snapshot),
        None => Body::Kind(&e.kind),
    };
    let line = Line {
        t: e.t,
        time: wall_time(start, e.t),
        kind,
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
        out.push_str(&entry_line(journal, e, start));
        out.push('\n');
    }
    out
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
        let l = entry_line(&Journal::default(), &e, start);
        // The derived `kind` tag and the name other outputs use must not drift apart.
        let v: serde_json::Value = serde_json::from_str(&l).expect("a JSON line");
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
            old: 0,
            max_weight,
            initial,
        };
        assert_eq!(
            line(w(0, 100, false)),
            format!(r#"{AT},"kind":"WeightChanged","canary":20,"stable":80,"setWeight":20}}"#)
        );
        // After a promotion without a router: the old stable still behind the Service.
        let after = EntryKind::WeightChanged {
            canary: 0,
            stable: 50,
            set_weight: 100,
            experiment: 0,
            old: 50,
            max_weight: 100,
            initial: false,
        };
        assert_eq!(
            line(after),
            format!(
                r#"{AT},"kind":"WeightChanged","canary":0,"stable":50,"setWeight":100,"old":50}}"#
            )
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
