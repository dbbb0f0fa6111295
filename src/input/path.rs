//! Field paths (`spec.strategy.canary.steps[0].setWeight`) that name a place in an input document.

use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Into a mapping, by key (`.name`).
    Key(String),
    /// Into a list, by 0-based position (`[2]`).
    Index(usize),
}

/// A path from a document's root to one of its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The empty path: the document itself.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// This path extended into the mapping entry `k`.
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        FieldPath(v)
    }

    /// This path extended into the list item at 0-based `i`.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        FieldPath(v)
    }

    /// Parses `a.b[2].c` (keys may not contain dots or brackets).
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(b) = rest.find('[') {
                if b > 0 {
                    segs.push(Seg::Key(rest[..b].to_string()));
                }
                rest = &rest[b..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let end = stripped.find(']').unwrap_or(stripped.len());
                    match stripped[..end].parse() {
                        Ok(i) => segs.push(Seg::Index(i)),
                        Err(_) => segs.push(Seg::Key(stripped[..end].to_string())),
                    }
                    rest = stripped.get(end + 1..).unwrap_or("");
                }
            } else {
                segs.push(Seg::Key(rest.to_string()));
            }
        }
        FieldPath(segs)
    }

    /// Whether the path names the document itself (it prints as the empty string).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let p = FieldPath::root()
            .key("spec")
            .key("steps")
            .index(2)
            .key("setWeight");
        assert_eq!(p.to_string(), "spec.steps[2].setWeight");
        assert_eq!(FieldPath::parse("spec.steps[2].setWeight"), p);
        assert_eq!(FieldPath::parse("script[0]").to_string(), "script[0]");
    }
}
