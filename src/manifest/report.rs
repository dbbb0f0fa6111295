//! A collector of diagnostics for one document: problems are named by field path and located
//! by walking the document's positioned tree.

use crate::input::{DiagKind, Diagnostic, Diagnostics, FieldPath, Node};

/// The diagnostics of one document being converted, with what is needed to place them.
pub struct Report<'a> {
    /// The file's name as diagnostics print it.
    pub file: &'a str,
    /// The document's positioned tree, which field paths are located in.
    pub root: &'a Node,
    /// What has been found so far.
    pub diags: Diagnostics,
}

impl<'a> Report<'a> {
    /// An empty report for the document `root` of `file`.
    pub fn new(file: &'a str, root: &'a Node) -> Self {
        Report {
            file,
            root,
            diags: Diagnostics::default(),
        }
    }

    /// Records an error at `path`, placed at the deepest node of the path that exists.
    pub fn error(&mut self, path: &FieldPath, kind: DiagKind, msg: impl Into<String>) {
        let pos = self.root.locate(path);
        self.diags
            .push(Diagnostic::error(self.file, Some(pos), path, kind, msg));
    }

    /// Like `error`, but pointing at the key of the last path segment (for unknown keys).
    pub fn error_at_key(&mut self, path: &FieldPath, kind: DiagKind, msg: impl Into<String>) {
        let mut parent = path.clone();
        let last = parent.0.pop();
        let parent_node_pos = match last {
            Some(crate::input::path::Seg::Key(k)) => {
                self.node_at(&parent).and_then(|n| n.key_pos(&k))
            }
            _ => None,
        };
        let pos = parent_node_pos.unwrap_or_else(|| self.root.locate(path));
        self.diags
            .push(Diagnostic::error(self.file, Some(pos), path, kind, msg));
    }

    /// The node at a path, if the path leads to one.
    fn node_at(&self, path: &FieldPath) -> Option<&Node> {
        let mut node = self.root;
        for seg in &path.0 {
            node = match (seg, &node.value) {
                (crate::input::path::Seg::Key(k), _) => node.get(k)?,
                (crate::input::path::Seg::Index(i), crate::input::yaml::Value::Seq(items)) => {
                    items.get(*i)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// A real Argo feature the simulator refuses to run rather than silently ignore.
    pub fn not_simulated(&mut self, path: &FieldPath, what: &str) {
        self.error(
            path,
            DiagKind::NotSimulated,
            format!("{what} is not simulated yet by rollout-sim"),
        );
    }

    /// Records a note at `path`: worth telling, but the document is still used.
    pub fn note(&mut self, path: &FieldPath, msg: impl Into<String>) {
        let pos = self.root.locate(path);
        self.diags
            .push(Diagnostic::note(self.file, Some(pos), path, msg));
    }

    /// Adds diagnostics found by another pass over the document, dropping repeats.
    pub fn extend(&mut self, ds: Diagnostics) {
        self.diags.extend(ds);
    }

    /// A non-negative count that fits the simulation (`what` names the field for the message).
    pub fn count(&mut self, path: &FieldPath, v: Option<i64>, max: i64) -> Option<u32> {
        let v = v?;
        if v < 0 {
            self.error(
                path,
                DiagKind::InvalidValue,
                format!("must not be negative (got {v}; allowed: 0 to {max})"),
            );
            return None;
        }
        // Every caller's `max` fits a u32; the conversion guards a larger one all the same.
        match u32::try_from(v) {
            Ok(n) if v <= max => Some(n),
            _ => {
                self.error(
                    path,
                    DiagKind::InvalidValue,
                    format!("{v} is larger than rollout-sim supports (at most {max})"),
                );
                None
            }
        }
    }

    /// An integer within `lo..=hi`, the limits of what it stands for (not those of the type it
    /// was read into), refused with one message naming them. A value already refused while
    /// it was read (not an integer) reads as 0 there: it gets no second message.
    pub fn within(&mut self, path: &FieldPath, v: i128, lo: u32, hi: u32) -> Option<u32> {
        if self.flagged(path) {
            return None;
        }
        match u32::try_from(v) {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                self.error(
                    path,
                    DiagKind::InvalidValue,
                    format!("{v} is out of range (allowed: {lo} to {hi})"),
                );
                None
            }
        }
    }

    /// Whether an error was already recorded at exactly `path`.
    pub fn flagged(&self, path: &FieldPath) -> bool {
        let at = path.to_string();
        self.diags.errors().any(|d| d.path == at)
    }
}
