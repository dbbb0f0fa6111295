//! `lint`: validate a scenario or a manifest file without running it.

use std::path::Path;

use crate::input::yaml::{parse_documents, read_text};
use crate::input::{Diagnostic, Diagnostics, InputError};
use crate::manifest;
use crate::scenario;

/// What a file held, and the notes found in it.
pub struct LintReport {
    pub what: String,
    pub notes: Vec<Diagnostic>,
}

/// Whether a file holds Kubernetes manifests (documents with a `kind`) rather than a scenario.
/// Found while searching a folder, such a file is an input of scenarios (a template or a
/// fixed Rollout a script applies), which need not make sense on its own.
pub fn is_manifest_file(path: &Path) -> bool {
    let display = path.to_string_lossy().to_string();
    read_text(path, &display)
        .ok()
        .and_then(|text| parse_documents(&display, &text).ok())
        .is_some_and(|docs| docs.iter().any(|d| d.root.get("kind").is_some()))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Checks a file: a scenario (with everything it references) or Kubernetes manifests.
pub fn lint_file(path: &Path) -> Result<LintReport, InputError> {
    let display = path.to_string_lossy().to_string();
    let text = read_text(path, &display).map_err(InputError::single)?;
    let docs = parse_documents(&display, &text).map_err(InputError::single)?;
    if docs.iter().any(|d| d.root.get("kind").is_some()) {
        let mut diags = Diagnostics::default();
        let m = manifest::parse_documents_into(&display, &docs, &mut diags);
        for r in &m.rollouts {
            scenario::refuse_invalid_spec(r, &mut diags);
        }
        if diags.has_errors() {
            return Err(InputError(diags));
        }
        return Ok(LintReport {
            what: format!(
                "{}, {}",
                plural(m.rollouts.len(), "Rollout"),
                plural(m.services.len(), "Service")
            ),
            notes: diags.notes().cloned().collect(),
        });
    }
    let sc = scenario::load(path)?;
    Ok(LintReport {
        what: format!("scenario `{}` ({} script items)", sc.name, sc.script.len()),
        notes: Vec::new(),
    })
}
