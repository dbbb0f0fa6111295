//! Reading input files: a positioned YAML tree, a serde deserializer over it that records every
//! problem, field paths, and the diagnostics they produce.

pub mod de;
pub mod diag;
pub mod path;
pub mod source;
pub mod yaml;

pub use diag::{DiagKind, Diagnostic, Diagnostics, InputError, Severity};
pub use path::FieldPath;
pub use yaml::{Document, Node, Pos};
