//! A serde `Deserializer` over the positioned YAML tree that *records* problems and carries on.
//!
//! The raw mirror structs (`api::raw`, `scenario::raw`) derive `Deserialize`; this
//! deserializer feeds them. Where a value has the wrong type it records a diagnostic (with the
//! field path and line) and hands the visitor a neutral value, so the rest of the document is
//! still checked and the user gets every problem in one go. Unknown keys are caught in
//! `deserialize_struct`, which knows the struct's field names and can suggest the nearest one.

use std::cell::RefCell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::diag::{DiagKind, Diagnostic, Diagnostics};
use super::path::FieldPath;
use super::yaml::{Node, Pos, Resolved, Value};

/// The error type threaded through serde. `recorded` means a diagnostic already exists for it.
#[derive(Debug)]
pub struct DeError {
    msg: String,
    recorded: bool,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            msg: msg.to_string(),
            recorded: false,
        }
    }
}

/// Collects the diagnostics of one deserialization.
pub struct Recorder<'f> {
    file: &'f str,
    diags: RefCell<Diagnostics>,
}

impl<'f> Recorder<'f> {
    fn record(&self, pos: Pos, path: &FieldPath, kind: DiagKind, msg: String) {
        self.diags
            .borrow_mut()
            .push(Diagnostic::error(self.file, Some(pos), path, kind, msg));
    }
}

/// The YAML 1.1 booleans that YAML 1.2 reads as strings (go-yaml v2's `resolve.go` table).
fn yaml11_bool(t: &str) -> Option<bool> {
    match t {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Deserializes `T` from `node` (whose place in its document is `base`). Returns the value when
/// one could be built (it may hold neutral substitutes where problems were recorded) and every
/// diagnostic found.
pub fn from_node<'de, T: de::Deserialize<'de>>(
    file: &str,
    node: &'de Node,
    base: &FieldPath,
) -> (Option<T>, Diagnostics) {
    let rec = Recorder {
        file,
        diags: RefCell::new(Diagnostics::default()),
    };
    let de = NodeDe {
        node,
        path: base.clone(),
        rec: &rec,
    };
    let out = match T::deserialize(de) {
        Ok(v) => Some(v),
        Err(e) => {
            if !e.recorded {
                rec.record(node.pos, base, DiagKind::InvalidValue, e.msg);
            }
            None
        }
    };
    (out, rec.diags.into_inner())
}

struct NodeDe<'de, 'r> {
    node: &'de Node,
    path: FieldPath,
    rec: &'r Recorder<'r>,
}

impl<'de, 'r> NodeDe<'de, 'r> {
    fn mismatch(&self, expected: &str) {
        self.rec.record(
            self.node.pos,
            &self.path,
            DiagKind::WrongType,
            format!("expected {expected}, found {}", self.node.describe()),
        );
    }

    fn resolved(&self) -> Option<Resolved<'de>> {
        match &self.node.value {
            Value::Scalar(s) => Some(s.resolve()),
            _ => None,
        }
    }

    fn integer(&self, what: &str, lo: i128, hi: i128) -> i128 {
        match self.resolved() {
            Some(Resolved::Int(i)) if (lo..=hi).contains(&i) => i,
            Some(Resolved::Int(i)) => {
                let shown = if i.unsigned_abs() == i128::MAX.unsigned_abs() {
                    "the number".to_string()
                } else {
                    i.to_string()
                };
                // Say which side was crossed. The other bound is the integer type's, not
                // the field's: `allowed: 0 to 4294967295` for a negative count told the user
                // a limit nobody may write.
                let msg = if i > hi {
                    format!("{shown} is out of range (at most {hi})")
                } else if lo == 0 {
                    format!("must not be negative (got {shown})")
                } else {
                    format!("{shown} is out of range (at least {lo})")
                };
                self.rec
                    .record(self.node.pos, &self.path, DiagKind::InvalidValue, msg);
                0
            }
            // A whole float converts exactly (i128 holds every whole f64 below 2^127, and `as`
            // saturates beyond), so the range is checked on the integer: `hi as f64` rounds up
            // for 64-bit types, and 2^63 or 2^64 would pass a check made on floats.
            #[allow(
                clippy::cast_possible_truncation,
                reason = "only whole floats are cast, exactly below 2^127 and saturating beyond"
            )]
            Some(Resolved::Float(f)) if f.fract() == 0.0 && (lo..=hi).contains(&(f as i128)) => {
                f as i128
            }
            _ => {
                self.mismatch(what);
                0
            }
        }
    }

    /// Wraps a child's error: unrecorded errors get recorded at the child's place.
    fn child_err(rec: &Recorder, node: &Node, path: &FieldPath, e: DeError) -> DeError {
        if !e.recorded {
            let kind = if e.msg.starts_with("missing field") {
                DiagKind::Missing
            } else {
                DiagKind::InvalidValue
            };
            rec.record(node.pos, path, kind, e.msg.clone());
        }
        DeError {
            msg: e.msg,
            recorded: true,
        }
    }
}

macro_rules! int_method {
    ($method:ident, $visit:ident, $ty:ty, $cast:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let v = self.integer("an integer", i128::from(<$ty>::MIN), i128::from(<$ty>::MAX));
            // `integer` keeps `v` within the target type's range (0 after recording an
            // error), so the conversion always succeeds; 0 matches that error value.
            visitor.$visit(<$cast>::try_from(v).unwrap_or_default())
        }
    };
}

impl<'de, 'r> Deserializer<'de> for NodeDe<'de, 'r> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => {
                    if let Ok(v) = i64::try_from(i) {
                        visitor.visit_i64(v)
                    } else if let Ok(v) = u64::try_from(i) {
                        visitor.visit_u64(v)
                    } else {
                        visitor.visit_f64(i as f64)
                    }
                }
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Str(t) => visitor.visit_str(t),
            },
            Value::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                path: self.path,
                rec: self.rec,
            }),
            Value::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter().collect::<Vec<_>>().into_iter(),
                value: None,
                path: self.path,
                rec: self.rec,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let plain = matches!(&self.node.value, Value::Scalar(s) if s.plain);
        match self.resolved() {
            Some(Resolved::Bool(b)) => visitor.visit_bool(b),
            // kubectl reads manifests with a YAML 1.1 parser (sigs.k8s.io/yaml, go-yaml v2),
            // for which a plain `yes`/`no`/`on`/`off`/`y`/`n` is a boolean; YAML 1.2 reads a
            // string. Refused, as before, but with the reason and the spelling to use.
            Some(Resolved::Str(t)) if plain && yaml11_bool(t).is_some() => {
                let b = yaml11_bool(t).unwrap_or_default();
                self.mismatch(&format!(
                    "true or false (`{t}` is {b} only to YAML 1.1 readers such as kubectl's; \
                     YAML 1.2 reads a string: write {b})"
                ));
                visitor.visit_bool(b)
            }
            _ => {
                self.mismatch("true or false");
                visitor.visit_bool(false)
            }
        }
    }

    int_method!(deserialize_i8, visit_i64, i8, i64);
    int_method!(deserialize_i16, visit_i64, i16, i64);
    int_method!(deserialize_i32, visit_i64, i32, i64);
    int_method!(deserialize_i64, visit_i64, i64, i64);
    int_method!(deserialize_u8, visit_u64, u8, u64);
    int_method!(deserialize_u16, visit_u64, u16, u64);
    int_method!(deserialize_u32, visit_u64, u32, u64);
    int_method!(deserialize_u64, visit_u64, u64, u64);

    /// Every integer fits (saturated beyond 2^127): for a field that checks its own range
    /// and says it in its own terms, whatever was written.
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_i128(self.integer("an integer", i128::MIN, i128::MAX))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.resolved() {
            Some(Resolved::Int(i)) => visitor.visit_f64(i as f64),
            Some(Resolved::Float(f)) => visitor.visit_f64(f),
            _ => {
                self.mismatch("a number");
                visitor.visit_f64(0.0)
            }
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Str(t) => visitor.visit_str(t),
                // Kubernetes refuses a number where a string goes (`image: 1.10` would silently
                // become 1.1 otherwise); say so and show how to quote it.
                Resolved::Int(_) | Resolved::Float(_) | Resolved::Bool(_) => {
                    self.rec.record(
                        self.node.pos,
                        &self.path,
                        DiagKind::WrongType,
                        format!(
                            "expected a string, found {}; quote it (\"{}\") if a string is meant",
                            self.node.describe(),
                            s.text
                        ),
                    );
                    visitor.visit_str(&s.text)
                }
                Resolved::Null => {
                    self.mismatch("a string");
                    visitor.visit_str("")
                }
            },
            _ => {
                self.mismatch("a string");
                visitor.visit_str("")
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if !self.node.is_null() {
            self.mismatch("nothing");
        }
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        static EMPTY: Vec<Node> = Vec::new();
        let items = match &self.node.value {
            Value::Seq(items) => items,
            _ => {
                if !self.node.is_null() {
                    self.mismatch("a list");
                }
                &EMPTY
            }
        };
        visitor.visit_seq(Seq {
            items: items.iter(),
            index: 0,
            path: self.path,
            rec: self.rec,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let entries: Vec<&(Node, Node)> = match &self.node.value {
            Value::Map(entries) => entries
                .iter()
                .filter(|(k, _)| {
                    let ok = matches!(k.value, Value::Scalar(_));
                    if !ok {
                        self.rec.record(
                            k.pos,
                            &self.path,
                            DiagKind::WrongType,
                            "mapping keys must be plain strings".to_string(),
                        );
                    }
                    ok
                })
                .collect(),
            _ => {
                if !self.node.is_null() {
                    self.mismatch("a mapping");
                }
                Vec::new()
            }
        };
        visitor.visit_map(Map {
            entries: entries.into_iter(),
            value: None,
            path: self.path,
            rec: self.rec,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let entries: Vec<&(Node, Node)> = match &self.node.value {
            Value::Map(entries) => entries
                .iter()
                .filter(|(k, _)| {
                    let Some(key) = k.as_str() else {
                        self.rec.record(
                            k.pos,
                            &self.path,
                            DiagKind::WrongType,
                            "mapping keys must be plain strings".to_string(),
                        );
                        return false;
                    };
                    if fields.contains(&key) {
                        return true;
                    }
                    self.rec.record(
                        k.pos,
                        &self.path.key(key),
                        DiagKind::UnknownKey,
                        unknown_key_message(key, fields),
                    );
                    false
                })
                .collect(),
            _ => {
                if !self.node.is_null() {
                    self.mismatch("a mapping");
                }
                Vec::new()
            }
        };
        visitor.visit_map(Map {
            entries: entries.into_iter(),
            value: None,
            path: self.path,
            rec: self.rec,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let (tag, value, tag_pos) = match &self.node.value {
            Value::Scalar(_) => (self.node.as_str().unwrap_or(""), None, self.node.pos),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                (k.as_str().unwrap_or(""), Some(v), k.pos)
            }
            _ => {
                self.mismatch(&format!("one of {}", variants.join(", ")));
                return Err(DeError {
                    msg: "bad enum".into(),
                    recorded: true,
                });
            }
        };
        if !variants.contains(&tag) {
            self.rec.record(
                tag_pos,
                &self.path,
                DiagKind::InvalidValue,
                format!("`{tag}` is not one of: {}", variants.join(", ")),
            );
            return Err(DeError {
                msg: "bad enum".into(),
                recorded: true,
            });
        }
        visitor.visit_enum(Enum {
            tag,
            value,
            path: self.path,
            rec: self.rec,
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// "unknown key `foo`", with the closest known key when one is near enough to be a typo.
pub fn unknown_key_message(key: &str, fields: &[&str]) -> String {
    // Control characters in a key (binary garbage) must not reach the terminal raw, and a key
    // of a megabyte is shown by its start.
    let mut shown: String = key.escape_debug().take(80).collect();
    if key.escape_debug().nth(80).is_some() {
        shown.push('…');
    }
    let key = shown.as_str();
    let best = fields
        .iter()
        .filter(|f| !f.starts_with('$'))
        // Lengths further apart than the largest distance suggested cannot be a typo; skipping
        // them keeps a huge key from costing a huge table.
        .filter(|f| key.chars().count().abs_diff(f.chars().count()) <= 3)
        .map(|f| {
            (
                edit_distance(&key.to_ascii_lowercase(), &f.to_ascii_lowercase()),
                *f,
            )
        })
        .min();
    match best {
        Some((d, f)) if d <= 2 || (d <= 3 && key.len() > 8) => {
            format!("unknown key `{key}`; did you mean `{f}`?")
        }
        _ if fields.len() <= 12 => format!(
            "unknown key `{key}` (known keys: {})",
            fields
                .iter()
                .filter(|f| !f.starts_with('$'))
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!("unknown key `{key}`"),
    }
}

/// Levenshtein distance with adjacent transpositions (optimal string alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

struct Seq<'de, 'r> {
    items: std::slice::Iter<'de, Node>,
    index: usize,
    path: FieldPath,
    rec: &'r Recorder<'r>,
}

impl<'de, 'r> SeqAccess<'de> for Seq<'de, 'r> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let path = self.path.index(self.index);
        self.index += 1;
        let de = NodeDe {
            node,
            path: path.clone(),
            rec: self.rec,
        };
        seed.deserialize(de)
            .map(Some)
            .map_err(|e| NodeDe::child_err(self.rec, node, &path, e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de, 'r> {
    entries: std::vec::IntoIter<&'de (Node, Node)>,
    value: Option<(&'de Node, FieldPath)>,
    path: FieldPath,
    rec: &'r Recorder<'r>,
}

impl<'de, 'r> MapAccess<'de> for Map<'de, 'r> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        let key = match &k.value {
            Value::Scalar(s) => s.text.as_str(),
            _ => "",
        };
        self.value = Some((v, self.path.key(key)));
        let key_de: de::value::StrDeserializer<'_, DeError> = key.into_deserializer();
        seed.deserialize(key_de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (node, path) = self.value.take().expect("value after key");
        let de = NodeDe {
            node,
            path: path.clone(),
            rec: self.rec,
        };
        seed.deserialize(de)
            .map_err(|e| NodeDe::child_err(self.rec, node, &path, e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Enum<'de, 'r> {
    tag: &'de str,
    value: Option<&'de Node>,
    path: FieldPath,
    rec: &'r Recorder<'r>,
}

impl<'de, 'r> de::EnumAccess<'de> for Enum<'de, 'r> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let key_de: de::value::StrDeserializer<'_, DeError> = self.tag.into_deserializer();
        let v = seed.deserialize(key_de)?;
        Ok((v, self))
    }
}

impl<'de, 'r> de::VariantAccess<'de> for Enum<'de, 'r> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        let path = self.path.key(self.tag);
        match self.value {
            Some(node) => seed
                .deserialize(NodeDe {
                    node,
                    path: path.clone(),
                    rec: self.rec,
                })
                .map_err(|e| NodeDe::child_err(self.rec, node, &path, e)),
            None => Err(de::Error::custom(format!("`{}` needs a value", self.tag))),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Some(node) => NodeDe {
                node,
                path: self.path.key(self.tag),
                rec: self.rec,
            }
            .deserialize_seq(visitor),
            None => Err(de::Error::custom(format!("`{}` needs a list", self.tag))),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Some(node) => NodeDe {
                node,
                path: self.path.key(self.tag),
                rec: self.rec,
            }
            .deserialize_struct("", fields, visitor),
            None => Err(de::Error::custom(format!("`{}` needs a mapping", self.tag))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::yaml::parse_documents;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(rename_all = "camelCase", default)]
    struct Inner {
        set_weight: Option<u32>,
        name: Option<String>,
    }

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(rename_all = "camelCase", default)]
    struct Outer {
        replicas: Option<u32>,
        paused: bool,
        steps: Vec<Inner>,
        labels: BTreeMap<String, String>,
        any: Option<serde_json::Value>,
    }

    fn read(text: &str) -> (Option<Outer>, Diagnostics) {
        let docs = parse_documents("t.yaml", text).unwrap();
        from_node::<Outer>("t.yaml", &docs[0].root, &FieldPath::root().key("spec"))
    }

    #[test]
    fn reads_a_good_document() {
        let (v, d) = read(
            "replicas: 5\npaused: true\nsteps:\n- setWeight: 20\nlabels: {app: x}\nany: {a: [1, 'b']}\n",
        );
        assert!(d.items.is_empty(), "{d:?}");
        let v = v.unwrap();
        assert_eq!(v.replicas, Some(5));
        assert!(v.paused);
        assert_eq!(v.steps[0].set_weight, Some(20));
        assert_eq!(v.labels["app"], "x");
        assert_eq!(v.any.unwrap()["a"][1], "b");
    }

    #[test]
    fn reports_every_problem_with_its_place() {
        let (v, d) = read(
            "replicas: five\npaused: yes\nsteps:\n- setWeigth: 20\n- setWeight: -3\n  name: 12\nlabels: [x]\n",
        );
        assert!(v.is_some(), "neutral values keep the document usable");
        let got: Vec<(u32, String, DiagKind)> = d
            .items
            .iter()
            .map(|x| (x.pos.unwrap().line, x.path.clone(), x.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "spec.replicas".into(), DiagKind::WrongType),
                (2, "spec.paused".into(), DiagKind::WrongType),
                (4, "spec.steps[0].setWeigth".into(), DiagKind::UnknownKey),
                (5, "spec.steps[1].setWeight".into(), DiagKind::InvalidValue),
                (6, "spec.steps[1].name".into(), DiagKind::WrongType),
                (7, "spec.labels".into(), DiagKind::WrongType),
            ]
        );
        assert!(
            d.items[2].message.contains("did you mean `setWeight`"),
            "{}",
            d.items[2].message
        );
    }

    #[test]
    fn a_yaml_1_1_boolean_is_refused_with_the_spelling_to_use() {
        let (_, d) = read("paused: no\n");
        assert_eq!(d.items.len(), 1, "{d:?}");
        assert_eq!(d.items[0].kind, DiagKind::WrongType);
        assert!(
            d.items[0]
                .message
                .contains("`no` is false only to YAML 1.1 readers such as kubectl's"),
            "{}",
            d.items[0].message
        );
        // Quoted, it is a string to every reader: the plain message.
        let (_, d) = read("paused: 'on'\n");
        assert!(!d.items[0].message.contains("YAML 1.1"), "{d:?}");
    }

    #[test]
    fn whole_floats_beyond_a_64_bit_range_are_refused() {
        #[derive(Debug, Deserialize, Default)]
        #[serde(default)]
        struct Wide {
            big: u64,
            signed: i64,
        }
        let read_wide = |text: &str| {
            let docs = parse_documents("t.yaml", text).unwrap();
            from_node::<Wide>("t.yaml", &docs[0].root, &FieldPath::root())
        };
        // 2^64 and 2^63 are one past u64::MAX and i64::MAX; as floats they equal those
        // bounds rounded, so only an integer comparison refuses them.
        let (_, d) = read_wide(
            "big: 18446744073709551616.0
signed: 9223372036854775808.0
",
        );
        assert_eq!(d.kinds(), [DiagKind::WrongType, DiagKind::WrongType]);
        let (v, d) = read_wide(
            "big: 4.0e9
signed: -9223372036854775808.0
",
        );
        assert!(d.items.is_empty(), "{d:?}");
        let v = v.unwrap();
        assert_eq!((v.big, v.signed), (4_000_000_000, i64::MIN));
    }

    #[test]
    fn an_integer_out_of_range_names_the_side_it_crossed() {
        #[derive(Debug, Deserialize, Default)]
        #[serde(default)]
        struct Ints {
            count: u32,
            small: i8,
            wide: Option<i128>,
        }
        let read_ints = |text: &str| {
            let docs = parse_documents("t.yaml", text).unwrap();
            from_node::<Ints>("t.yaml", &docs[0].root, &FieldPath::root())
        };
        let (_, d) = read_ints("count: -3\nsmall: -200\n");
        let messages: Vec<&str> = d.items.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "must not be negative (got -3)",
                "-200 is out of range (at least -128)"
            ]
        );
        let (_, d) = read_ints("count: 4294967296\n");
        assert_eq!(
            d.items[0].message,
            "4294967296 is out of range (at most 4294967295)"
        );
        // An i128 field takes any integer, for the field to judge in its own terms.
        let (v, d) = read_ints("wide: -99999999999999999999\n");
        assert!(d.items.is_empty(), "{d:?}");
        assert_eq!(v.unwrap().wide, Some(-99_999_999_999_999_999_999));
    }

    #[test]
    fn edit_distance_counts_transpositions() {
        assert_eq!(edit_distance("setWeigth", "setWeight"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
