//! A YAML tree that remembers where every value came from, built from `saphyr-parser` events.
//!
//! Why not `serde_yaml`: it reports only the first problem and gives no position for a value
//! once deserialized, while users need every problem of a file with its line. Building our own
//! tree also lets us guard the reader: a size cap, a nesting-depth cap, and an expansion budget
//! (a small file whose aliases expand quadratically is refused in microseconds instead of eating
//! gigabytes). Merge keys (`<<: *base`) are expanded as kubectl does.
//!
//! Every check costs time linear in the file: duplicate keys are found with a set of the keys
//! seen so far, and the size of every anchored value is counted once, when it is read.

use std::collections::BTreeMap;
#[allow(
    clippy::disallowed_types,
    reason = "sets of keys seen, asked only for membership and never iterated, so their order cannot reach any output"
)]
use std::collections::HashSet;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::diag::{DiagKind, Diagnostic};
use super::path::{FieldPath, Seg};

/// Inputs larger than this are refused before they are read.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
/// Deeper nesting is refused (real manifests stay under 20 levels).
pub const MAX_DEPTH: usize = 128;
/// The number of nodes that anchors and aliases may copy, over all documents of a file. An
/// anchored value is copied once to be remembered and once more at each alias, so both count:
/// nested anchors with no alias at all would otherwise copy a value once per level.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A position in a file: 1-based line, 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line number, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

/// A scalar as written. Plain scalars get YAML's type resolution (numbers, booleans, null) when
/// read; quoted and block scalars, and `!!str`-tagged ones, are always strings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's content, quotes and block indicators removed.
    pub text: String,
    /// Written unquoted (and untagged), so it may mean a number, a boolean or null.
    pub plain: bool,
}

/// A YAML value, aliases already expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A single value: text that may resolve to a number, boolean or null.
    Scalar(Scalar),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, entries in written order (keys are nodes, for their positions).
    Map(Vec<(Node, Node)>),
}

/// A value and the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts in its file.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// What a plain scalar means under YAML 1.2's core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'a> {
    /// Empty, `~` or `null`.
    Null,
    /// `true` / `false` (also capitalised or upper case).
    Bool(bool),
    /// Decimal, `0x` hexadecimal or `0o` octal; wide enough that any `u64` or `i64` fits, and
    /// saturated beyond, so range checks report every out-of-range number.
    Int(i128),
    /// A decimal with a fraction or exponent, or `.inf` / `.nan`.
    Float(f64),
    /// Anything else, and every quoted or block scalar.
    Str(&'a str),
}

impl Scalar {
    /// What the scalar means: the core schema for plain scalars, a string otherwise.
    pub fn resolve(&self) -> Resolved<'_> {
        if !self.plain {
            return Resolved::Str(&self.text);
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            ".inf" | ".Inf" | ".INF" | "+.inf" => return Resolved::Float(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
            _ => {}
        }
        if let Some(i) = parse_int(t) {
            return Resolved::Int(i);
        }
        if looks_like_float(t)
            && let Ok(f) = t.parse::<f64>()
        {
            return Resolved::Float(f);
        }
        Resolved::Str(t)
    }
}

fn parse_int(t: &str) -> Option<i128> {
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i128::from_str_radix(oct, 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Digits beyond i128 still denote an integer: saturate so range checks report it.
        digits.parse::<i128>().unwrap_or(i128::MAX)
    };
    Some(if neg { -v } else { v })
}

fn looks_like_float(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    !body.is_empty()
        && body
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && body.bytes().any(|b| b.is_ascii_digit())
}

impl Node {
    /// Follows a path from this node; the position of the deepest node reached.
    pub fn locate(&self, path: &FieldPath) -> Pos {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Map(entries)) => entries
                    .iter()
                    .find(|(key, _)| key.as_str() == Some(k.as_str()))
                    .map(|(key, v)| {
                        // A key with a null value has no position of its own worth pointing at.
                        if v.is_null() { key } else { v }
                    }),
                (Seg::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }

    /// The position of the key `k` in this mapping, if present.
    pub fn key_pos(&self, k: &str) -> Option<Pos> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(key, _)| key.pos),
            _ => None,
        }
    }

    /// The value of key `k` in this mapping; `None` if absent or not a mapping.
    pub fn get(&self, k: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text as written (a number or boolean too); `None` for a list, a mapping or
    /// an empty plain scalar (null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Str(t) => Some(t),
                _ => Some(s.text.as_str()).filter(|_| !s.plain || !s.text.is_empty()),
            },
            _ => None,
        }
    }

    /// Whether the value is YAML's null (empty, `~`, `null`).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.resolve() == Resolved::Null)
    }

    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => "nothing (null)".to_string(),
                Resolved::Bool(b) => format!("the boolean {b}"),
                Resolved::Int(_) | Resolved::Float(_) => format!("the number {}", s.text),
                Resolved::Str(t) => format!("the string \"{}\"", truncate(t, 40)),
            },
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n).collect();
        format!("{cut}…")
    }
}

/// One YAML document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's top-level value.
    pub root: Node,
    /// Whether it starts after a `...` line without a `---`: the only way to begin a second
    /// document implicitly. Snippets in documentation use `...` for "fields left out", and
    /// then the rest of the object silently becomes a document of its own.
    pub after_end_marker: bool,
}

/// A line or column count as a `Pos` number. Inputs are at most [`MAX_INPUT_BYTES`] long, so
/// every count fits; `u32::MAX` would only mark a position past any real file.
fn coord(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: coord(span.start.line()),
        col: coord(span.start.col()).saturating_add(1),
    }
}

struct Builder<'a> {
    file: &'a str,
    /// The text parsed, to explain a syntax error by the line it is on.
    text: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Anchored values by anchor id, with their size in nodes (counted once, when read).
    anchors: BTreeMap<usize, (Node, usize)>,
    /// Nodes in the trees built so far, copies included: the size of a subtree is the
    /// difference of this counter before and after it.
    built: usize,
    /// Nodes copied for anchors and aliases, against `MAX_ALIAS_NODES`.
    alias_nodes: usize,
}

type BuildResult<T> = Result<T, Diagnostic>;

impl<'a> Builder<'a> {
    fn err(&self, pos: Pos, kind: DiagKind, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, Some(pos), &FieldPath::root(), kind, msg)
    }

    /// Counts `n` copied nodes against the expansion budget.
    fn spend(&mut self, pos: Pos, n: usize) -> BuildResult<()> {
        self.alias_nodes = self.alias_nodes.saturating_add(n);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(self.err(
                pos,
                DiagKind::AliasBudget,
                format!(
                    "YAML anchors and aliases expand to more than {MAX_ALIAS_NODES} values; \
                     refusing to read a file that grows this much"
                ),
            ));
        }
        Ok(())
    }

    fn next(&mut self) -> BuildResult<Option<(Event<'a>, Span)>> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(ev)) => Ok(Some(ev)),
            Some(Err(e)) => {
                let m = e.marker();
                // The scanner has its own nesting limit for flow collections.
                let kind = if e.info().contains("recursion limit") {
                    DiagKind::TooDeep
                } else {
                    DiagKind::Syntax
                };
                Err(Diagnostic::error(
                    self.file,
                    Some(Pos {
                        line: coord(m.line()),
                        col: coord(m.col()).saturating_add(1),
                    }),
                    &FieldPath::root(),
                    kind,
                    format!(
                        "invalid YAML: {}{}{}",
                        e.info(),
                        flow_indentation_hint(self.text, m.line(), e.info()),
                        snippet_dots_hint(self.text, m.line())
                    ),
                ))
            }
        }
    }

    fn documents(mut self) -> BuildResult<Vec<Document>> {
        let mut docs = Vec::new();
        let mut seen_document = false;
        while let Some((ev, span)) = self.next()? {
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(explicit) => {
                    let after_end_marker = seen_document && !explicit;
                    seen_document = true;
                    let Some((ev, span)) = self.next()? else {
                        break;
                    };
                    if matches!(ev, Event::DocumentEnd) {
                        continue;
                    }
                    let root = self.node(ev, span, 0)?;
                    // Empty documents (a stray `---`) are skipped, as kubectl does.
                    if !root.is_null() {
                        docs.push(Document {
                            root,
                            after_end_marker,
                        });
                    }
                }
                _ => {
                    return Err(self.err(pos_of(&span), DiagKind::Syntax, "unexpected YAML event"));
                }
            }
        }
        Ok(docs)
    }

    fn node(&mut self, ev: Event<'a>, span: Span, depth: usize) -> BuildResult<Node> {
        let pos = pos_of(&span);
        if depth > MAX_DEPTH {
            return Err(self.err(
                pos,
                DiagKind::TooDeep,
                format!("values are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let built_before = self.built;
        self.built += 1;
        let (node, anchor) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.suffix == "str" || t.suffix.ends_with(":str"));
                let plain = style == ScalarStyle::Plain && !is_str_tag;
                (
                    Node {
                        pos,
                        value: Value::Scalar(Scalar {
                            text: text.into_owned(),
                            plain,
                        }),
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let Some(&(_, size)) = self.anchors.get(&id) else {
                    return Err(self.err(pos, DiagKind::Syntax, "alias to an unknown anchor"));
                };
                // Checked before copying, so a bomb is refused without being built.
                self.spend(pos, size)?;
                self.built = built_before + size;
                let mut copy = self.anchors[&id].0.clone();
                copy.pos = pos;
                return Ok(copy);
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let Some((ev, span)) = self.next()? else {
                        return Err(self.err(pos, DiagKind::Syntax, "unterminated list"));
                    };
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, span, depth + 1)?);
                }
                (
                    Node {
                        pos,
                        value: Value::Seq(items),
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => (self.mapping(pos, depth)?, anchor),
            _ => return Err(self.err(pos, DiagKind::Syntax, "unexpected YAML event")),
        };
        if anchor > 0 {
            let size = self.built - built_before;
            self.spend(pos, size)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        Ok(node)
    }

    #[allow(
        clippy::disallowed_types,
        reason = "sets of keys seen, asked only for membership and never iterated, so their order cannot reach any output"
    )]
    fn mapping(&mut self, pos: Pos, depth: usize) -> BuildResult<Node> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut merged: Vec<(Node, Node)> = Vec::new();
        // Keys seen in this mapping: a set, so that a mapping of n keys costs n lookups, not
        // n²/2 comparisons. Only membership is asked, never the order, so a hash set is safe.
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            let Some((ev, span)) = self.next()? else {
                return Err(self.err(pos, DiagKind::Syntax, "unterminated mapping"));
            };
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let key = self.node(ev, span, depth + 1)?;
            let Some((ev, span)) = self.next()? else {
                return Err(self.err(key.pos, DiagKind::Syntax, "mapping key without a value"));
            };
            let value = self.node(ev, span, depth + 1)?;
            let key_text = match &key.value {
                Value::Scalar(s) => Some(s.text.clone()),
                _ => None,
            };
            if key_text.as_deref() == Some("<<")
                && matches!(&key.value, Value::Scalar(s) if s.plain)
            {
                self.collect_merge(&value, &mut merged)?;
                continue;
            }
            if let Some(k) = key.as_str()
                && !seen.insert(k.to_string())
            {
                let shown: String = k.escape_debug().collect();
                return Err(self.err(
                    key.pos,
                    DiagKind::DuplicateKey,
                    format!(
                        "the key `{}` appears twice in this mapping{}",
                        truncate(&shown, 60),
                        // Two documents run together (`cat a.yaml b.yaml`) show so first.
                        if depth == 0 && ["apiVersion", "kind", "metadata"].contains(&k) {
                            ": a `---` line between documents may be missing"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            entries.push((key, value));
        }
        // Merged entries fill in only the keys the mapping does not set itself.
        for (k, v) in merged {
            let present = k.as_str().is_some_and(|t| seen.contains(t));
            if !present {
                entries.push((k, v));
            }
        }
        Ok(Node {
            pos,
            value: Value::Map(entries),
        })
    }

    #[allow(
        clippy::disallowed_types,
        reason = "sets of keys seen, asked only for membership and never iterated, so their order cannot reach any output"
    )]
    fn collect_merge(&self, value: &Node, out: &mut Vec<(Node, Node)>) -> BuildResult<()> {
        // The first mapping that gives a key wins, as in YAML's merge key; a set of the keys
        // taken keeps this linear.
        let mut taken: HashSet<Option<String>> = out
            .iter()
            .map(|(k, _)| k.as_str().map(str::to_string))
            .collect();
        self.merge_into(value, out, &mut taken)
    }

    #[allow(
        clippy::disallowed_types,
        reason = "sets of keys seen, asked only for membership and never iterated, so their order cannot reach any output"
    )]
    fn merge_into(
        &self,
        value: &Node,
        out: &mut Vec<(Node, Node)>,
        taken: &mut HashSet<Option<String>>,
    ) -> BuildResult<()> {
        match &value.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if taken.insert(k.as_str().map(str::to_string)) {
                        out.push((k.clone(), v.clone()));
                    }
                }
                Ok(())
            }
            Value::Seq(items) => {
                for item in items {
                    self.merge_into(item, out, taken)?;
                }
                Ok(())
            }
            Value::Scalar(_) => Err(self.err(
                value.pos,
                DiagKind::WrongType,
                "a merge key (<<) needs a mapping or a list of mappings",
            )),
        }
    }
}

/// What to add to an indentation error on a line of a flow collection (`[ ... ]`,
/// `{ ... }`) spread over several lines. YAML 1.2 wants every such line, its closing bracket
/// included, indented more than the key the collection is the value of; go-yaml (so kubectl)
/// does not check it, and snippets of the Argo docs close `scopes: [` with a `]` under the `s`.
/// saphyr-parser (0.3.3 and 0.3.4 alike) follows the spec, so the message names the construct.
fn flow_indentation_hint(text: &str, line: usize, info: &str) -> &'static str {
    if !info.starts_with("invalid indentation") {
        return "";
    }
    // saphyr-parser counts lines from 1.
    let here = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or_default()
        .trim_start();
    let closing = here.starts_with(']') || here.starts_with('}');
    if closing || info.contains("flow construct") || open_flow_before(text, line) {
        "; a line inside a flow sequence or mapping (`[ ... ]`, `{ ... }`) spread over several \
         lines, its closing bracket included, must be indented more than the key it belongs \
         to (kubectl's YAML reader lets this pass, YAML 1.2 does not): indent the line, or \
         keep the brackets on one line"
    } else {
        ""
    }
}

/// Documentation snippets write an indented `...` line for "fields left out". Indented, it is
/// no document end marker but a plain scalar glued to what surrounds it, which breaks the YAML
/// a line or two later: when a syntax error follows such a line, name it.
fn snippet_dots_hint(text: &str, line: usize) -> String {
    // saphyr-parser counts lines from 1; the error may be reported on the `...` line itself or
    // on a following one.
    let found = text
        .lines()
        .take(line)
        .enumerate()
        .filter(|(_, l)| l.trim() == "..." && l.starts_with(char::is_whitespace))
        .last();
    match found {
        Some((i, _)) => format!(
            "; line {} is an indented `...`, which in the Argo docs stands for fields left out \
             of a snippet: delete that line (and write the fields it stands for)",
            i + 1
        ),
        None => String::new(),
    }
}

/// Whether a flow collection is still open at the start of line `line` (from 1): brackets
/// counted outside quotes and comments. Only used to word an error, so a rough count will do.
fn open_flow_before(text: &str, line: usize) -> bool {
    let mut depth = 0i64;
    for l in text.lines().take(line.saturating_sub(1)) {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in l.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' => quote = Some(c),
                    '#' if prev.is_whitespace() => break,
                    '[' | '{' => depth += 1,
                    ']' | '}' => depth -= 1,
                    _ => {}
                },
            }
            prev = c;
        }
    }
    depth > 0
}

/// Parses every document of a YAML text. `file` names the source in diagnostics.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>, Diagnostic> {
    let builder = Builder {
        file,
        text,
        parser: Parser::new_from_str(text),
        anchors: BTreeMap::new(),
        built: 0,
        alias_nodes: 0,
    };
    builder.documents()
}

/// Reads a file as UTF-8 text, refusing oversized and non-UTF-8 files with a diagnostic.
pub fn read_text(path: &std::path::Path, display: &str) -> Result<String, Diagnostic> {
    // Only regular files, and the size limit holds while reading (see `input::source`).
    super::source::read_file(path, display)
}

/// Checks that bytes are UTF-8 text, pointing at the first bad byte otherwise.
pub fn text_from_bytes(display: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = coord(bytes[..at].iter().filter(|&&b| b == b'\n').count()).saturating_add(1);
        let col = coord(
            at - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1),
        )
        .saturating_add(1);
        Diagnostic::error(
            display,
            Some(Pos { line, col }),
            &FieldPath::root(),
            DiagKind::NotUtf8,
            format!("the file is not UTF-8 text (invalid byte at offset {at})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_documents("t.yaml", text).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn a_flow_collection_indented_as_kubectl_accepts_it_is_explained() {
        let err = |text: &str| parse_documents("t.yaml", text).unwrap_err().message;
        let hint = "must be indented more than the key it belongs to";
        // The closing bracket under the key, as in the Argo docs' OAuth2 snippet.
        let e = err("a:\n  scopes: [\n    \"x\"\n  ]\n");
        assert!(e.starts_with("invalid YAML: invalid indentation; "), "{e}");
        assert!(e.contains(hint), "{e}");
        // An entry of the open collection at the key's column.
        assert!(err("a:\n  b: [\n  \"x\"\n    ]\n").contains(hint));
        // Other indentation errors keep the parser's words alone.
        let e = err("a:\n  b: 1\n c: 2\n");
        assert!(!e.contains(hint), "{e}");
        // Brackets inside quotes or comments open nothing.
        assert!(!open_flow_before("a: '['\nb: 1 # [\nc: 2\n", 3));
        assert!(open_flow_before("a: [\n  1,\n", 3));
    }

    #[test]
    fn positions_and_lookup() {
        let n = one("a:\n  b:\n    - x\n    - y: 3\n");
        assert_eq!(
            n.locate(&FieldPath::parse("a.b[1].y")),
            Pos { line: 4, col: 10 }
        );
        assert_eq!(
            n.locate(&FieldPath::parse("a.b[0]")),
            Pos { line: 3, col: 7 }
        );
        // A path that leaves the tree points at the deepest node reached.
        assert_eq!(n.locate(&FieldPath::parse("a.zz")), Pos { line: 2, col: 3 });
    }

    #[test]
    fn scalar_resolution() {
        let n = one("a: 5\nb: '5'\nc: true\nd: ~\ne: 1.5\nf: hello\ng: 0x10\nh: !!str 7\n");
        let r = |k: &str| match &n.get(k).unwrap().value {
            Value::Scalar(s) => s.resolve().clone().to_owned_string(),
            _ => panic!(),
        };
        assert_eq!(r("a"), "int 5");
        assert_eq!(r("b"), "str 5");
        assert_eq!(r("c"), "bool true");
        assert_eq!(r("d"), "null");
        assert_eq!(r("e"), "float 1.5");
        assert_eq!(r("f"), "str hello");
        assert_eq!(r("g"), "int 16");
        assert_eq!(r("h"), "str 7");
    }

    impl Resolved<'_> {
        fn to_owned_string(&self) -> String {
            match self {
                Resolved::Null => "null".into(),
                Resolved::Bool(b) => format!("bool {b}"),
                Resolved::Int(i) => format!("int {i}"),
                Resolved::Float(f) => format!("float {f}"),
                Resolved::Str(s) => format!("str {s}"),
            }
        }
    }

    #[test]
    fn multi_document_and_merge_keys() {
        let docs = parse_documents(
            "t.yaml",
            "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n---\nk: v\n---\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let other = docs[0].root.get("other").unwrap();
        assert_eq!(other.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(other.get("y").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn refuses_duplicates_depth_and_alias_bombs() {
        let d = parse_documents("t.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(d.kind, DiagKind::DuplicateKey);
        assert_eq!(d.pos, Some(Pos { line: 3, col: 1 }));

        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(
            parse_documents("t.yaml", &deep).unwrap_err().kind,
            DiagKind::TooDeep
        );
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(
            parse_documents("t.yaml", &block).unwrap_err().kind,
            DiagKind::TooDeep
        );

        // Each level refers to the previous one ten times: 10^9 values if expanded.
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            bomb.push_str(&format!(
                "l{i}: &l{i} [{}]\n",
                vec![format!("*l{}", i - 1); 10].join(", ")
            ));
        }
        assert_eq!(
            parse_documents("t.yaml", &bomb).unwrap_err().kind,
            DiagKind::AliasBudget
        );
    }

    #[test]
    fn thirty_thousand_keys_are_read_and_a_late_duplicate_found() {
        let mut text: String = (0..30_000).map(|i| format!("key{i}: {i}\n")).collect();
        let docs = parse_documents("t.yaml", &text).expect("distinct keys parse");
        match &docs[0].root.value {
            Value::Map(entries) => assert_eq!(entries.len(), 30_000),
            other => panic!("{other:?}"),
        }
        // The last key repeats the first: found, at its own line.
        text.push_str("key0: again\n");
        let d = parse_documents("t.yaml", &text).unwrap_err();
        assert_eq!(d.kind, DiagKind::DuplicateKey);
        assert_eq!(
            d.pos,
            Some(Pos {
                line: 30_001,
                col: 1
            })
        );
    }

    /// `&a0 [&a1 [... &aN [x, x, ...]]]`: no alias at all, but remembering each anchor copies
    /// everything under it.
    fn nested_anchors(levels: usize, leaves: usize) -> String {
        let mut s = String::new();
        for i in 0..levels {
            s.push_str(&format!("&a{i} ["));
        }
        s.push_str(&vec!["x"; leaves].join(", "));
        s.push_str(&"]".repeat(levels));
        s
    }

    #[test]
    fn nested_anchors_without_aliases_count_against_the_budget() {
        // 100 levels over 20,000 values: 2 million copies.
        let d = parse_documents("t.yaml", &nested_anchors(100, 20_000)).unwrap_err();
        assert_eq!(d.kind, DiagKind::AliasBudget);
        // A few nested anchors over a small value are ordinary YAML.
        let ok = parse_documents("t.yaml", &nested_anchors(5, 100)).unwrap();
        assert!(matches!(ok[0].root.value, Value::Seq(_)));
    }

    #[test]
    fn an_alias_costs_the_size_of_its_anchor() {
        // The anchored list is 10 nodes (itself and 9 scalars), copied once when read and once
        // per alias: 99,999 aliases fit the budget, one more does not.
        let base = format!("a: &a [{}]\n", ["x"; 9].join(", "));
        let fits = (MAX_ALIAS_NODES - 10) / 10;
        let list = |n: usize| format!("{base}b: [{}]\n", vec!["*a"; n].join(", "));
        assert!(parse_documents("t.yaml", &list(fits)).is_ok());
        let d = parse_documents("t.yaml", &list(fits + 1)).unwrap_err();
        assert_eq!(d.kind, DiagKind::AliasBudget);
        assert_eq!(d.pos.map(|p| p.line), Some(2));
    }

    #[test]
    fn merge_keys_keep_the_first_value_of_a_key() {
        let n = one("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n");
        let c = n.get("c").unwrap();
        assert_eq!(c.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("y").unwrap().as_str(), Some("2"));
        assert_eq!(c.get("z").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let d = parse_documents("t.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(d.kind, DiagKind::Syntax);
        assert!(d.pos.is_some());
    }

    #[test]
    fn non_utf8_is_located() {
        let d = text_from_bytes("t.yaml", b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!(d.kind, DiagKind::NotUtf8);
        assert_eq!(d.pos, Some(Pos { line: 2, col: 4 }));
    }
}
