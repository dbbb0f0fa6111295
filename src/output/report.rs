//! `report.html`: one self-contained page per run — the scenario, the outcome and its failed
//! checks, the charts (inline SVG), the step table, the analysis runs with their
//! measurements, a time slider over the state at each moment (`scrub`), and the full
//! timeline. Inline CSS with a print stylesheet, one inline script for the slider (the page
//! reads the same without it), no network. Every piece of text from the scenario or the
//! journal is escaped.

use std::fmt::Write as _;

use crate::engine::{SimDuration, SimTime};
use crate::output::charts::{ChartInput, Kind};
use crate::output::steps::{StepEnd, StepSpan};
use crate::output::{replay, summary, timeline};
use crate::scenario::Scenario;
use crate::sim::{EntryKind, Journal, RunResult};

/// What the report is made of.
pub struct ReportInput<'a> {
    /// The scenario run: its name, description and manifest head the report.
    pub scenario: &'a Scenario,
    /// The seed of the run, shown so the report can be reproduced.
    pub seed: u64,
    /// The run: its journal, summary and expectation results.
    pub result: &'a RunResult,
    /// The series the charts were drawn from (the scrubber reads them too).
    pub charts: &'a ChartInput,
    /// Each chart's SVG document, in display order.
    pub svgs: &'a [(Kind, String)],
}

const CSS: &str = include_str!("report.css");

/// Escapes text for HTML element content and quoted attribute values; characters XML and
/// HTML do not allow (control characters) become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if !crate::output::xml::allowed(c) => out.push('\u{fffd}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn render(r: &ReportInput) -> String {
    let sc = r.scenario;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — rollout-sim report</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&sc.name)
    );
    header(&mut out, r);
    out.push_str(
        "<nav><a href=\"#result\">Result</a> · <a href=\"#moment\">Moment</a> · \
         <a href=\"#charts\">Charts</a> · <a href=\"#steps\">Steps</a> · <a href=\"#analysis\">Analysis runs</a> · \
         <a href=\"#timeline\">Timeline</a></nav>\n",
    );
    result_section(&mut out, r);
    // The slider sits right above the charts it moves a cursor over.
    moment_section(&mut out, r);
    charts_section(&mut out, r);
    steps_section(&mut out, &r.charts.spans);
    analysis_section(&mut out, &r.result.journal);
    timeline_section(&mut out, &r.result.journal);
    let _ = writeln!(
        out,
        "<footer>rollout-sim {} · virtual time only; nothing here ran on a cluster</footer>\n\
         </body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn header(out: &mut String, r: &ReportInput) {
    let sc = r.scenario;
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", esc(&sc.name));
    if !sc.description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", esc(&sc.description));
    }
    let rollout = sc
        .manifests
        .rollouts
        .first()
        .map_or("", |r| r.name.as_str());
    let _ = writeln!(
        out,
        "<p class=\"meta\">Rollout <b>{}</b> · scenario <code>{}</code> · seed {} · \
         {} of virtual time from {}</p>\n</header>",
        esc(rollout),
        esc(&sc.file.display().to_string()),
        r.seed,
        SimDuration(r.result.end.as_millis()),
        esc(&sc.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
}

fn result_section(out: &mut String, r: &ReportInput) {
    let passed = r.result.passed();
    let checks = r
        .result
        .journal
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::ExpectationChecked { .. }))
        .count();
    let _ = writeln!(
        out,
        "<section id=\"result\">\n<h2>Result</h2>\n<p class=\"verdict {}\">{}</p>",
        if passed { "passed" } else { "failed" },
        if passed { "PASSED" } else { "FAILED" }
    );
    let _ = writeln!(
        out,
        "<pre class=\"summary\">{}</pre>",
        esc(&summary::render(&r.scenario.name, r.result))
    );
    if r.result.failures.is_empty() {
        let _ = writeln!(out, "<p>All {checks} checks passed.</p>");
    } else {
        let _ = writeln!(
            out,
            "<h3>Failed checks</h3>\n<table class=\"failures\">\n<thead><tr><th>at</th>\
             <th>line</th><th>check</th><th>condition</th><th>why</th></tr></thead>\n<tbody>"
        );
        for f in &r.result.failures {
            let line = if f.line > 0 {
                f.line.to_string()
            } else {
                "—".into()
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{line}</td><td>{}</td><td><code>{{{}}}</code></td>\
                 <td>{}</td></tr>",
                f.t,
                esc(&f.check),
                esc(&f.condition),
                esc(&f.detail)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn charts_section(out: &mut String, r: &ReportInput) {
    out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    if r.svgs.is_empty() {
        out.push_str("<p>Nothing to chart: the journal is empty.</p>\n");
    }
    for (kind, svg) in r.svgs {
        let caption = kind.caption();
        // plotters writes a bare <svg> element; give it a role and name for screen readers.
        let svg = crate::output::scrub::with_cursor(svg);
        let svg = svg
            .trim_start_matches(|c: char| c.is_whitespace())
            .replacen(
                "<svg ",
                &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(caption)),
                1,
            );
        let _ = writeln!(
            out,
            "<figure id=\"chart-{stem}\">\n{svg}\n<figcaption>{} \
             (<code>{stem}.svg</code>, <code>{stem}.png</code>)</figcaption>\n</figure>",
            esc(caption),
            stem = kind.stem(),
        );
    }
    out.push_str("</section>\n");
}

/// The slider over the state at each moment (see `scrub`).
fn moment_section(out: &mut String, r: &ReportInput) {
    let Some(rollout) = r.scenario.manifests.rollouts.first() else {
        return;
    };
    let id = crate::output::tree::Identity {
        name: &rollout.name,
        namespace: &rollout.namespace,
    };
    let frames = crate::output::scrub::frames(&r.result.journal, &id);
    let (left, right, end) = crate::output::charts::time_axis(r.charts);
    crate::output::scrub::section(
        out,
        &frames,
        crate::output::scrub::Axis { left, right, end },
    );
}

fn duration(from: SimTime, to: SimTime) -> String {
    (to - from).to_string()
}

fn steps_section(out: &mut String, spans: &[StepSpan]) {
    out.push_str("<section id=\"steps\">\n<h2>Steps</h2>\n");
    if spans.is_empty() {
        out.push_str("<p>No canary step ran.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"steps\">\n<thead><tr><th>revision</th><th>index</th><th>step</th>\
         <th>started</th><th>completed</th><th>duration</th></tr></thead>\n<tbody>\n",
    );
    for s in spans {
        let (completed, class) = match s.end {
            StepEnd::Completed(t) => (t.to_string(), ""),
            StepEnd::Interrupted(t) => (format!("interrupted at {t}"), " class=\"interrupted\""),
            StepEnd::Skipped(t) | StepEnd::PromotedOver(t) => (
                format!("skipped at {t} (promoted)"),
                " class=\"interrupted\"",
            ),
            StepEnd::Running => ("still running at the end".into(), " class=\"running\""),
        };
        let took = s.ended().map_or("—".into(), |t| duration(s.started, t));
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            s.revision,
            s.index,
            esc(&s.text),
            s.started,
            esc(&completed),
            took
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// When a run stopped, and how: the first `AnalysisRunCompleted` or `AnalysisRunTerminated`.
fn run_end(journal: &Journal, run: &str) -> Option<(SimTime, &'static str)> {
    journal.iter().find_map(|e| match &e.kind {
        EntryKind::AnalysisRunCompleted { name, .. } if name == run => Some((e.t, "completed")),
        EntryKind::AnalysisRunTerminated { name } if name == run => Some((e.t, "terminated")),
        _ => None,
    })
}

fn phase_class(phase: &str) -> &'static str {
    match phase {
        "Successful" => "ok",
        "Failed" | "Error" => "bad",
        "Inconclusive" => "warn",
        _ => "neutral",
    }
}

fn analysis_section(out: &mut String, journal: &Journal) {
    out.push_str("<section id=\"analysis\">\n<h2>Analysis runs</h2>\n");
    // The runs as the replay of the whole journal leaves them: phase, message, counts.
    let end = journal.entries.last().map_or(SimTime::ZERO, |e| e.t);
    let state = replay::state_at(journal, end);
    if state.runs.is_empty() {
        out.push_str("<p>No AnalysisRun was created.</p>\n");
    }
    for r in &state.runs {
        let ended = run_end(journal, &r.name)
            .map_or("still running at the end".into(), |(t, how)| {
                format!("{how} at {t}")
            });
        let _ = writeln!(
            out,
            "<article class=\"run\">\n<h3><code>{}</code> <span class=\"badge {}\">{}</span></h3>\n\
             <p>{} analysis of revision {} · templates {} · created at {} · {}</p>",
            esc(&r.name),
            phase_class(&r.phase),
            esc(&r.phase),
            esc(&r.kind),
            r.revision,
            esc(&r.templates.join(", ")),
            r.created,
            esc(&ended)
        );
        if !r.message.is_empty() {
            let _ = writeln!(out, "<p class=\"message\">{}</p>", esc(&r.message));
        }
        measurements_table(out, journal, &r.name);
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

/// Every finished measurement of one run, in order.
fn measurements_table(out: &mut String, journal: &Journal, run_name: &str) {
    let mut rows = String::new();
    for e in journal.iter() {
        let EntryKind::Measurement {
            run,
            metric,
            value,
            phase,
            message,
        } = &e.kind
        else {
            continue;
        };
        if run != run_name {
            continue;
        }
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td>\
             <td><span class=\"badge {}\">{}</span></td><td>{}</td></tr>",
            e.t,
            esc(metric),
            esc(value),
            phase_class(phase),
            esc(phase),
            esc(message)
        );
    }
    if rows.is_empty() {
        out.push_str("<p>No measurement finished.</p>\n");
        return;
    }
    out.push_str(
        "<table class=\"measurements\">\n<thead><tr><th>at</th><th>metric</th><th>value</th>\
         <th>phase</th><th>message</th></tr></thead>\n<tbody>\n",
    );
    out.push_str(&rows);
    out.push_str("</tbody>\n</table>\n");
}

fn timeline_section(out: &mut String, journal: &Journal) {
    let text = timeline::render(
        journal,
        timeline::TimelineOptions {
            pods: true,
            events: true,
            traffic: false,
        },
    );
    let _ = writeln!(
        out,
        "<section id=\"timeline\">\n<h2>Timeline</h2>\n<p>Every journal entry with pods and \
         Kubernetes Events (traffic ticks are in <code>series.csv</code>).</p>\n\
         <pre class=\"timeline\">{}</pre>\n</section>",
        esc(&text)
    );
}
