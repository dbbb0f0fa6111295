//! Member access, indexing, slicing and `in`, as expr's runtime (`Fetch`, `Slice`, `In`) does.
//!
//! - arrays take integer indexes (floats are truncated); negative ones count from the end;
//!   out of range is an error;
//! - maps take string keys; a missing key yields nil (Go's zero `interface{}`), not an error;
//! - strings index and slice by byte, as Go does (an index yields the byte as an int);
//! - fetching anything from nil is an error (use `?.` to get nil instead);
//! - slices clamp their bounds instead of failing.
//!
//! Accessors work on `Cow` so that reading `result[0]` borrows rather than copies.

use std::borrow::Cow;

use super::ops::{go_float_to_int, loose_eq};
use super::value::Value;

/// Where a key points inside a container.
enum Loc<'k> {
    Index(usize),
    Key(&'k str),
    Byte(u8),
    Missing,
}

/// Go's `ToInt` for an index: integers as they are, floats truncated.
pub(super) fn to_index(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(go_float_to_int(*f)),
        other => Err(format!(
            "{what} must be a number, got {}",
            other.type_name()
        )),
    }
}

fn describe_key(key: &Value) -> String {
    match key {
        Value::String(s) => format!("`{s}`"),
        other => {
            let mut s = String::new();
            super::value::go_format_v(other, &mut s);
            s
        }
    }
}

fn locate<'k>(base: &Value, key: &'k Value) -> Result<Loc<'k>, String> {
    match base {
        Value::Array(items) => {
            let i = position(key, items.len(), "an array")?;
            Ok(Loc::Index(i))
        }
        Value::String(s) => {
            let i = position(key, s.len(), "a string")?;
            Ok(Loc::Byte(s.as_bytes()[i]))
        }
        Value::Map(fields) => {
            let k = map_key(key)?;
            Ok(if fields.contains_key(k) {
                Loc::Key(k)
            } else {
                Loc::Missing
            })
        }
        Value::Nil => Err(format!("cannot fetch {} from nil", describe_key(key))),
        other => Err(format!(
            "cannot fetch {} from {}",
            describe_key(key),
            other.type_name()
        )),
    }
}

/// Resolves an index into `0..len`, counting negative indexes from the end.
fn position(key: &Value, len: usize, what: &str) -> Result<usize, String> {
    let i = match key {
        Value::Int(i) => *i,
        Value::Float(f) => go_float_to_int(*f),
        other => {
            return Err(format!(
                "cannot index {what} with {} {}",
                other.type_name(),
                describe_key(other)
            ));
        }
    };
    // Lengths fit in i64 on every platform Rust supports; saturate rather than assume.
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let j = if i < 0 { i.saturating_add(n) } else { i };
    if j < 0 || j >= n {
        return Err(format!("index {i} out of range (len {len})"));
    }
    usize::try_from(j).map_err(|_| format!("index {i} out of range (len {len})"))
}

/// A map key: strings as they are; nil is Go's zero key, the empty string.
pub(super) fn map_key(key: &Value) -> Result<&str, String> {
    match key {
        Value::String(s) => Ok(s),
        Value::Nil => Ok(""),
        other => Err(format!(
            "map keys are strings, cannot use {} {}",
            other.type_name(),
            describe_key(other)
        )),
    }
}

/// `base[key]` / `base.key`, borrowing from `base` when it is borrowed.
pub(super) fn member<'a>(base: Cow<'a, Value>, key: &Value) -> Result<Cow<'a, Value>, String> {
    let loc = locate(&base, key)?;
    Ok(match (base, loc) {
        (_, Loc::Missing) => Cow::Owned(Value::Nil),
        (_, Loc::Byte(b)) => Cow::Owned(Value::Int(i64::from(b))),
        (Cow::Borrowed(v), loc) => match (v, loc) {
            (Value::Array(items), Loc::Index(i)) => {
                items.get(i).map_or(Cow::Owned(Value::Nil), Cow::Borrowed)
            }
            (Value::Map(fields), Loc::Key(k)) => {
                fields.get(k).map_or(Cow::Owned(Value::Nil), Cow::Borrowed)
            }
            _ => Cow::Owned(Value::Nil),
        },
        (Cow::Owned(v), loc) => match (v, loc) {
            (Value::Array(mut items), Loc::Index(i)) if i < items.len() => {
                Cow::Owned(items.swap_remove(i))
            }
            (Value::Map(mut fields), Loc::Key(k)) => {
                Cow::Owned(fields.remove(k).unwrap_or(Value::Nil))
            }
            _ => Cow::Owned(Value::Nil),
        },
    })
}

/// `base[from:to]` with Go-style clamping of the bounds.
pub(super) fn slice(
    base: &Value,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Result<Value, String> {
    let len = match base {
        Value::Array(items) => items.len(),
        Value::String(s) => s.len(),
        other => return Err(format!("cannot slice {}", other.type_name())),
    };
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    // A bound counts from the end when negative, then is clamped into 0..=len, so it always
    // converts to an index; `len` is only the fallback the clamp rules out.
    let clamp = |i: i64| -> usize {
        let i = if i < 0 { i.saturating_add(n) } else { i };
        usize::try_from(i.clamp(0, n)).unwrap_or(len)
    };
    let a = from
        .map(|v| to_index(v, "a slice bound"))
        .transpose()?
        .unwrap_or(0);
    let b = to
        .map(|v| to_index(v, "a slice bound"))
        .transpose()?
        .unwrap_or(n);
    let b = clamp(b);
    let a = clamp(a).min(b);
    Ok(match base {
        Value::Array(items) => Value::Array(items[a..b].to_vec()),
        // Byte offsets may split a character: keep what is valid, as a printable string.
        Value::String(s) => {
            Value::String(String::from_utf8_lossy(&s.as_bytes()[a..b]).into_owned())
        }
        _ => Value::Nil,
    })
}

/// `needle in haystack`: array membership (with `==`), or a map key; nothing is in nil.
pub(super) fn contains(needle: &Value, haystack: &Value) -> Result<bool, String> {
    match haystack {
        Value::Array(items) => Ok(items.iter().any(|item| loose_eq(item, needle))),
        Value::Map(fields) => Ok(fields.contains_key(map_key(needle)?)),
        Value::Nil => Ok(false),
        other => Err(format!(
            "operator `in` needs an array or a map on its right, got {}",
            other.type_name()
        )),
    }
}
