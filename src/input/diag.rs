//! Diagnostics: every problem found in an input file, with the file, line, column and field path,
//! collected rather than thrown so that one run of `lint` reports all of them.

#[allow(
    clippy::disallowed_types,
    reason = "a set of seen hashes, asked only for membership and never iterated, so its order cannot reach any output"
)]
use std::collections::HashSet;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::path::FieldPath;
use super::yaml::Pos;

/// What kind of problem a diagnostic reports. Tests match on kinds, not on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagKind {
    /// The file could not be read.
    Io,
    /// The file is larger than the input size limit.
    TooLarge,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The text is not well-formed YAML.
    Syntax,
    /// Nesting deeper than the limit.
    TooDeep,
    /// Aliases that expand beyond the budget.
    AliasBudget,
    /// A key the format does not know.
    UnknownKey,
    /// A key given twice in one mapping.
    DuplicateKey,
    /// A value of the wrong type (a string where a number goes, ...).
    WrongType,
    /// A value of the right type but outside what is allowed.
    InvalidValue,
    /// A required field is absent.
    Missing,
    /// A real Argo Rollouts feature that rollout-sim does not simulate yet.
    NotSimulated,
    /// A reference to an object that is not in the inputs.
    Reference,
    /// Information that changes nothing but is worth telling (a skipped document, ...).
    Note,
}

/// Whether a diagnostic refuses the input or only informs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The input is refused (exit code 2).
    Error,
    /// Reported, but the input is still used.
    Note,
}

/// One problem (or note) in one input file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The file as the user named it (or `<stdin>`), printed first so editors can link it.
    pub file: String,
    /// Where in the file; `None` for problems of the whole file (unreadable, too large).
    pub pos: Option<Pos>,
    /// The field path, such as `spec.strategy.canary.steps[0].setWeight`; empty at the root.
    pub path: String,
    /// What kind of problem it is, for tests and tools to match on.
    pub kind: DiagKind,
    /// Error or note; follows `kind` (a [`DiagKind::Note`] is a note).
    pub severity: Severity,
    /// The explanation shown to the user, after the path.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `kind` at `pos`/`path` in `file`; an error unless `kind` is `Note`.
    pub fn error(
        file: &str,
        pos: Option<Pos>,
        path: &FieldPath,
        kind: DiagKind,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_string(),
            pos,
            path: path.to_string(),
            kind,
            severity: if kind == DiagKind::Note {
                Severity::Note
            } else {
                Severity::Error
            },
            message: message.into(),
        }
    }

    /// A note at `pos`/`path` in `file`: information that does not refuse the input.
    pub fn note(
        file: &str,
        pos: Option<Pos>,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(file, pos, path, DiagKind::Note, message)
        }
    }

    /// Whether it refuses the input.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: path: message`, the form editors and CI logs link to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = self.pos {
            write!(f, ":{}:{}", p.line, p.col)?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Note => "note",
        };
        write!(f, ": {sev}: ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// A set of diagnostics; an input is refused when it holds any error.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Every diagnostic, errors and notes, in the order found, each said once.
    pub items: Vec<Diagnostic>,
    /// Hashes of `items`, so that telling a new diagnostic from a repeat costs one lookup
    /// rather than a scan (a file with 30,000 unknown keys has 30,000 diagnostics). Only
    /// membership is asked, never the order.
    #[allow(
        clippy::disallowed_types,
        reason = "a set of seen hashes, asked only for membership and never iterated, so its order cannot reach any output"
    )]
    hashes: HashSet<u64>,
}

impl PartialEq for Diagnostics {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for Diagnostics {}

impl Diagnostics {
    /// Adds `d`, unless an equal diagnostic is already there.
    pub fn push(&mut self, d: Diagnostic) {
        // The same problem can be found twice (say by two passes over one field); say it once.
        let mut h = DefaultHasher::new();
        d.hash(&mut h);
        // A hash seen before is a repeat only if an equal diagnostic is there (collisions).
        if !self.hashes.insert(h.finish()) && self.items.contains(&d) {
            return;
        }
        self.items.push(d);
    }

    /// Adds every diagnostic of `other` that is not already there, in its order.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
    }

    /// Whether the input is refused.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors, in the order found.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The notes, in the order found.
    pub fn notes(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// The kinds of the errors (notes left out), in the order found: what tests assert on.
    pub fn kinds(&self) -> Vec<DiagKind> {
        self.errors().map(|d| d.kind).collect()
    }
}

/// An input that was refused: every error found in it (and its notes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct InputError(pub Diagnostics);

impl InputError {
    /// The refusal of an input for one reason.
    pub fn single(d: Diagnostic) -> Self {
        let mut ds = Diagnostics::default();
        ds.push(d);
        InputError(ds)
    }

    /// The kinds of its errors, in the order found (see [`Diagnostics::kinds`]).
    pub fn kinds(&self) -> Vec<DiagKind> {
        self.0.kinds()
    }
}

impl Diagnostics {
    /// Errors in file order (by file, then line and column), the order editors show them in.
    pub fn sorted_errors(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.errors().collect();
        v.sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
        v
    }
}

fn render(ds: &Diagnostics) -> String {
    let errors: Vec<String> = ds.sorted_errors().iter().map(|d| d.to_string()).collect();
    let n = errors.len();
    let mut out = errors.join("\n");
    if n > 1 {
        out.push_str(&format!("\n{n} errors"));
    }
    out
}
