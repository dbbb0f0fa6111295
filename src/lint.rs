//! `lint`: validate inputs without running them. It loads them through the very loader `run`
//! uses (`scenario::load_sources`), so every check `run` makes before simulating — cross-file
//! references, metric models, Services, features not simulated — is made here too, and a
//! clean `lint` means `run` will not refuse the same input.

use crate::input::source::Source;
use crate::input::{Diagnostic, InputError};
use crate::scenario::{self, LoadOptions};

/// What the inputs held, and the notes found in them.
pub struct LintReport {
    /// A short account of what was checked (the Rollout and how many Services and templates,
    /// or the scenario and its script), printed after `ok`.
    pub what: String,
    /// Warnings and notes that did not stop the input from being accepted.
    pub notes: Vec<Diagnostic>,
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Checks inputs that `run` would take together: one scenario, or manifests.
pub fn lint_sources(sources: &[Source], opts: &LoadOptions) -> Result<LintReport, InputError> {
    let sc = scenario::load_sources(sources, opts)?;
    let what = if sc.from_manifest {
        let m = &sc.manifests;
        let mut parts = vec![
            format!(
                "1 Rollout `{}`",
                m.rollouts.first().map_or("", |r| r.name.as_str())
            ),
            plural(m.services.len(), "Service"),
        ];
        if !m.templates.is_empty() {
            parts.push(plural(m.templates.len(), "AnalysisTemplate"));
        }
        parts.join(", ")
    } else {
        format!("scenario `{}` ({} script items)", sc.name, sc.script.len())
    };
    Ok(LintReport {
        what,
        notes: sc.notes,
    })
}
