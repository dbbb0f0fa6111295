//! Values of the condition language and how they print.
//!
//! A [`Value`] is both what a metric provider hands to a condition (`result`) and what an
//! expression computes. Argo runs conditions on Go values (`float64`, `[]float64`,
//! `map[string]interface{}`, ...); this enum is the subset that providers actually produce,
//! with `Int` standing for Go's `int`/`int64` and `Float` for `float64`.
//!
//! Two printers exist because Argo prints numbers two ways:
//! - [`fmt::Display`] mimics how a provider stores a measurement value
//!   (`strconv.FormatFloat(f, 'f', -1, 64)`: `0.95`, `1`, `+Inf`, arrays as `[0.99,0.98]`);
//! - [`go_format_v`] mimics Go's `fmt.Sprintf("%v", x)`, which the `string()` builtin uses
//!   (`%v` switches to exponent form for large and tiny floats: `1e+06`, `1e-05`).

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

/// A value of the language: what a metric provider returns, and what expressions compute.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Go's `nil`: no result (e.g. an empty Datadog response), a missing map key.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer (integer literals, `len`, `asInt`, ...). Arithmetic wraps like Go's.
    Int(i64),
    /// A 64-bit float: every number a provider returns (JSON numbers, Prometheus samples).
    Float(f64),
    /// A UTF-8 string.
    String(String),
    /// An array (`[]interface{}` / `[]float64` in Argo).
    Array(Vec<Value>),
    /// A map with string keys (a JSON object). Ordered, so iteration is deterministic.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// Converts a JSON document as Go's `json.Unmarshal` into `interface{}` does:
    /// every number becomes a `Float`, objects become maps, `null` becomes `Nil`.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            // Without serde_json's `arbitrary_precision`, `as_f64` always succeeds;
            // the fallback only keeps this total.
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Array(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(fields) => Value::Map(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The name expr's `type()` builtin gives this value: `nil`, `bool`, `int`, `float`,
    /// `string`, `array` or `map`. Error messages use the same names.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
        }
    }

    /// The Go type Argo would report with `%T` (its "expected bool, but got float64" message).
    pub fn go_type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Array(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
        }
    }

    /// True for `Nil` only: an empty array is not nil (Argo's `isNil` checks Go nil-ness,
    /// and a Prometheus query with no samples yields an empty, non-nil slice).
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
}

impl fmt::Display for Value {
    /// Prints the value as Argo stores a measurement value: floats in the shortest
    /// non-exponent form (`0.95`, `1`, `NaN`, `+Inf`), arrays comma-joined (`[0.99,0.98]`),
    /// strings raw, maps as Go prints them (`map[a:1 b:ok]`), nil as `<nil>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_display(self, &mut out);
        f.write_str(&out)
    }
}

fn write_display(v: &Value, out: &mut String) {
    match v {
        Value::Float(x) => format_float_f(*x, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_display(item, out);
            }
            out.push(']');
        }
        Value::Map(fields) => {
            out.push_str("map[");
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_display(item, out);
            }
            out.push(']');
        }
        other => go_format_v(other, out),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits that round-trip, never an
/// exponent. Rust's `Display` for `f64` has exactly that contract; only the special values
/// are spelled differently.
pub fn format_float_f(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{x}");
    }
}

/// Go's `%v` for a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest round-trip
/// digits, in exponent form when the decimal exponent is below -4 or at least 6 (Go uses 6
/// as the precision for this decision when printing the shortest form), with at least two
/// exponent digits (`1e+06`).
pub fn format_float_g(x: f64, out: &mut String) {
    if !x.is_finite() || x == 0.0 {
        // Zero (and -0) print as `0` / `-0` in both forms.
        format_float_f(x, out);
        return;
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde±x`; reuse them.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if x < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        // exp is 0..=5 here, so this is a plain decimal with the point inside or after the digits.
        #[allow(clippy::cast_sign_loss, reason = "exp is in 0..=5 in this branch")]
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// Go's `fmt.Sprintf("%v", v)` for the values of this language: what `string(x)` returns.
/// Maps print with sorted keys, as Go's fmt does.
pub fn go_format_v(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => format_float_g(*x, out),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_format_v(item, out);
            }
            out.push(']');
        }
        Value::Map(fields) => {
            out.push_str("map[");
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                go_format_v(item, out);
            }
            out.push(']');
        }
    }
}

/// Reads a value as [`Value::from_json`] reads JSON (every number a `Float`, objects maps,
/// null `Nil`), but straight from the input, so that YAML's `.nan`, `.inf` and `-.inf` stay
/// the floats they are: serde_json has no NaN or infinity and would turn them into null, while
/// a metric's model must be able to give the NaN a Prometheus query returns for 0/0.
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a string, a boolean, null, a list or a mapping")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    // Go's json.Unmarshal gives every number as float64; a value too large for an f64 to hold
    // exactly is rounded as Go rounds it.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Float(i as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Float(u as f64))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            fields.insert(k, v);
        }
        Ok(Value::Map(fields))
    }
}
