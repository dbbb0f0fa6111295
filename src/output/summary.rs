//! The end-of-run summary: outcome, final state, and every failed check with what was
//! expected against what was found.

use std::fmt::Write as _;

use crate::engine::SimDuration;
use crate::sim::RunResult;

/// A few lines describing how the run ended.
pub fn render(name: &str, result: &RunResult) -> String {
    let s = &result.summary;
    let mut out = String::new();
    let verdict = if result.engine_failure.is_some() {
        "ERROR"
    } else if result.passed() {
        "PASSED"
    } else {
        "FAILED"
    };
    let _ = writeln!(
        out,
        "{verdict} {name} after {} of virtual time{}",
        SimDuration(result.end.as_millis()),
        if s.timed_out {
            " (timeout reached)"
        } else {
            ""
        }
    );
    let _ = write!(out, "  status: {}", s.phase);
    if !s.message.is_empty() {
        let _ = write!(out, " ({})", s.message);
    }
    let _ = writeln!(out);
    if s.steps > 0 {
        let _ = writeln!(
            out,
            "  step {}/{}, setWeight {}, actualWeight {}",
            s.step.map_or("-".to_string(), |i| i.to_string()),
            s.steps,
            s.set_weight.map_or("-".to_string(), |w| w.to_string()),
            s.actual_weight.map_or("-".to_string(), |w| w.to_string())
        );
    }
    if let Some(img) = &s.stable_image {
        match s.stable_revision {
            Some(r) => {
                let _ = writeln!(out, "  stable: {img} (revision {r})");
            }
            None => {
                let _ = writeln!(out, "  stable: {img}");
            }
        }
    }
    // The newest ReplicaSet's revision, when it is not the stable one.
    if s.stable_revision != Some(s.revision) {
        let what = s.latest_image.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "  latest: {what} (revision {}, not stable)",
            s.revision
        );
    }
    let _ = writeln!(
        out,
        "  replicas: desired {}, current {}, updated {}, ready {}, available {}",
        s.desired, s.current, s.updated, s.ready, s.available
    );
    for v in &s.traffic {
        let pct = if v.requests > 0 {
            v.failed as f64 * 100.0 / v.requests as f64
        } else {
            0.0
        };
        let _ = write!(
            out,
            "  traffic {} ({}): {} requests, {} failed ({pct:.2}%)",
            v.image, v.hash, v.requests, v.failed
        );
        if v.mirrored > 0 {
            let _ = write!(
                out,
                "; {} mirrored, {} of them failed",
                v.mirrored, v.mirrored_failed
            );
        }
        let _ = writeln!(out);
    }
    if s.unrouted > 0 {
        let _ = writeln!(out, "  traffic: {} requests found no ready pod", s.unrouted);
    }
    for f in &result.failures {
        let _ = writeln!(out, "  ✗ {f}");
    }
    if let Some(f) = &result.engine_failure {
        let _ = writeln!(out, "  ✗ {f}");
    }
    out
}
