//! The traffic model's rounding: small shares get their requests whatever the tick length,
//! the journal's split is rounded by the same rule as the requests, and the report's slider
//! shows that split apart from kubectl's SetWeight and ActualWeight.

use crate::common::{sim_parts, stdout_of, write_temp};

const SMALL: &str = "scenarios/traffic-small-share.yaml";
const NO_ROUTER: &str = "scenarios/traffic-no-router-small-share.yaml";

/// The scenario's text with its `traffic:` line replaced.
fn with_traffic(path: &str, traffic: &str) -> String {
    let text = std::fs::read_to_string(crate::common::crate_dir().join(path)).unwrap();
    let (before, after) = text.split_once("\ntraffic: ").unwrap();
    let rest = after.split_once('\n').unwrap().1;
    format!("{before}\ntraffic: {traffic}\n{rest}")
}

/// The event log of a run (whatever its verdict: at 100 rps the scenario's request counts
/// for 1 rps do not hold).
fn events(args: &[&str]) -> Vec<serde_json::Value> {
    sim_parts(args)
        .1
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn small_shares_are_served_whatever_the_tick() {
    // Each passes only when the canary served 119..121 requests in its five minutes at 4 %
    // and its analysis found requests to measure.
    for traffic in [
        "{rps: 10}",
        "{rps: 10, tick: 10s}",
        "{rps: 10, tick: 250ms}",
    ] {
        let (_dir, path) = write_temp("s.yaml", &with_traffic(SMALL, traffic));
        let (code, out, err) = sim_parts(&["run", path.to_str().unwrap()]);
        assert_eq!(code, 0, "traffic {traffic}:\n{out}\n{err}");
    }
    let (code, out, _) = sim_parts(&["run", NO_ROUTER]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_journal_split_is_what_the_ticks_serve() {
    let (_dir, path) = write_temp("n.yaml", &with_traffic(NO_ROUTER, "{rps: 100}"));
    let evs = events(&["run", path.to_str().unwrap(), "--format", "json"]);
    let kind = |e: &serde_json::Value, k: &str| e["kind"] == k;
    // One canary pod of six: 16.67 %, which the journal rounds to 17 as the ticks do.
    let split = evs
        .iter()
        .find(|e| kind(e, "WeightChanged") && e["canary"].as_u64() > Some(0))
        .unwrap();
    assert_eq!(
        (&split["canary"], &split["stable"]),
        (&17.into(), &83.into())
    );
    let from = split["t"].as_f64().unwrap();
    let (mut canary, mut all) = (0, 0);
    for e in evs
        .iter()
        .filter(|e| kind(e, "Traffic") && e["t"].as_f64().unwrap() >= from)
        .take(60)
    {
        let versions = e["versions"].as_array().unwrap();
        let n: Vec<u64> = versions
            .iter()
            .map(|v| v["requests"].as_u64().unwrap())
            .collect();
        assert_eq!(n.iter().sum::<u64>(), 100);
        // Every tick serves the share rounded down or up.
        assert!(n[1] == 16 || n[1] == 17, "{e}");
        canary += n[1];
        all += 100;
    }
    // 60 ticks at a sixth: 1000 requests exactly.
    assert_eq!((canary, all), (1000, 6000));
    let text = sim_parts(&["run", path.to_str().unwrap()]).1;
    assert!(text.contains("WeightChanged      canary 17% / stable 83% (setWeight 20)"));
    assert!(!text.contains("canary 16%"), "{text}");
}

/// The slider's frames of `report.html` written by `run SCENARIO --out`: (time, split).
fn slider(scenario: &str) -> Vec<(String, String)> {
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("out");
    stdout_of(&["run", scenario, "--out", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let data = html
        .split_once("id=\"moment-data\">")
        .unwrap()
        .1
        .split_once("</script>")
        .unwrap()
        .0;
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    data["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["time"].as_str().unwrap().to_string(),
                f["split"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_slider_shows_the_traffic_split_apart_from_kubectl_weights() {
    let frames = slider(NO_ROUTER);
    assert!(
        frames.iter().all(|(_, s)| !s.contains("(stable 0%)")),
        "{frames:?}"
    );
    let first = &frames[0].1;
    assert!(
        first.starts_with(
            "traffic split: stable 100% (initial deploy, no canary) · kubectl: SetWeight"
        ),
        "{first}"
    );
    // Paused at setWeight 20: one canary pod of six serves a sixth.
    assert!(frames.iter().any(|(_, s)| s.starts_with(
        "traffic split: canary 17% / stable 83% · kubectl: SetWeight 20, ActualWeight 20"
    )));
    // Promoted: the new stable and the old one share the Service half and half, while
    // kubectl says 100.
    let (_, last) = frames.last().unwrap();
    assert!(
        last.starts_with(
            "traffic split: canary 0% / stable 50% / old 50% · kubectl: SetWeight 100, ActualWeight 100"
        ),
        "{last}"
    );
    // With a router, after promotion the stable takes everything.
    let frames = slider(SMALL);
    let (_, last) = frames.last().unwrap();
    assert!(
        last.starts_with(
            "traffic split: canary 0% / stable 100% · kubectl: SetWeight 100, ActualWeight 100"
        ),
        "{last}"
    );
    assert!(
        frames
            .iter()
            .any(|(_, s)| s.starts_with("traffic split: canary 4% / stable 96%"))
    );
}
