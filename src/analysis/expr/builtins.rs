//! Function calls: Argo's helpers and expr's builtins (predicate builtins live in `eval`).
//!
//! Argo's helpers, as `utils/evaluate/evaluate.go` defines them:
//! - `asInt(x)`: float → truncated int (Go `int64(f)`), int unchanged, string parsed as a
//!   base-10 integer; anything else is an error;
//! - `asFloat(x)`: number → float, string parsed as a float; anything else is an error;
//! - `isNaN(f)`, `isInf(f)`: take a float64; an integer literal argument is promoted at
//!   compile time, any other non-float is an error;
//! - `isNil(x)`: **ignores its argument** and tells whether `result` is nil;
//! - `default(x, fallback)`: **ignores `x`** and returns `fallback` when `result` is nil,
//!   else `result` itself. So `default(result, 0)` does what it reads like, but
//!   `default(result.x, 0)` returns the whole `result` when it is not nil — as in Argo.
//!
//! Arguments are evaluated before the call, so `isNil(result[0])` still fails on an empty
//! `result`, exactly as in Argo.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::access;
use super::ast::Func;
use super::eval::Budget;
use super::ops::{self, CmpOp, go_float_to_int};
use super::value::{Value, go_format_v};

type Out<'a> = Result<Cow<'a, Value>, String>;

fn owned<'a>(v: Value) -> Out<'a> {
    Ok(Cow::Owned(v))
}

/// A placeholder for argument slots (see [`take`]).
pub(super) static NIL: Value = Value::Nil;

/// Moves argument `i` out of its slot (leaving nil), so a borrowed argument can be returned
/// as is and an owned one without a copy.
fn take<'a>(args: &mut [Cow<'a, Value>], i: usize) -> Cow<'a, Value> {
    match args.get_mut(i) {
        Some(slot) => std::mem::replace(slot, Cow::Borrowed(&NIL)),
        None => Cow::Borrowed(&NIL),
    }
}

/// Calls `f` on its evaluated arguments. The parser has checked the argument count.
pub(super) fn call<'a>(
    f: Func,
    args: &mut [Cow<'a, Value>],
    result: &'a Value,
    budget: &mut Budget,
) -> Out<'a> {
    let name = f.name();
    // The parser guarantees the arity; this keeps a broken invariant an error, not a panic.
    let arg = |args: &[Cow<'a, Value>], i: usize| -> Result<Value, String> {
        args.get(i)
            .map(|v| v.as_ref().clone())
            .ok_or_else(|| format!("`{name}` is missing argument {}", i + 1))
    };
    let first = args.first().map(|c| c.as_ref()).unwrap_or(&Value::Nil);
    match f {
        Func::AsInt => owned(Value::Int(as_int(first)?)),
        Func::AsFloat => owned(Value::Float(as_float(first)?)),
        Func::IsNaN => owned(Value::Bool(float_param(first, name)?.is_nan())),
        Func::IsInf => owned(Value::Bool(float_param(first, name)?.is_infinite())),
        Func::IsNil => owned(Value::Bool(result.is_nil())),
        Func::Default => {
            if result.is_nil() {
                Ok(take(args, 1))
            } else {
                Ok(Cow::Borrowed(result))
            }
        }
        Func::Len => match first {
            Value::Array(items) => owned(Value::Int(len_int(items.len()))),
            Value::Map(fields) => owned(Value::Int(len_int(fields.len()))),
            // Go's len counts bytes.
            Value::String(s) => owned(Value::Int(len_int(s.len()))),
            other => Err(needs(name, "an array, a map or a string", other)),
        },
        Func::Abs => match first {
            // Go: `if x < 0 { -x }`, so MinInt64 stays negative and -0.0 stays -0.0.
            Value::Int(i) => owned(Value::Int(if *i < 0 { i.wrapping_neg() } else { *i })),
            Value::Float(x) => owned(Value::Float(if *x < 0.0 { -x } else { *x })),
            other => Err(needs(name, "a number", other)),
        },
        Func::Max | Func::Min => {
            let refs: Vec<&Value> = args.iter().map(|c| c.as_ref()).collect();
            owned(min_max(name, f == Func::Max, &refs)?)
        }
        Func::Mean => {
            let nums = numbers(name, args)?;
            let mean = if nums.is_empty() {
                0.0
            } else {
                nums.iter().sum::<f64>() / nums.len() as f64
            };
            owned(Value::Float(mean))
        }
        Func::Median => {
            let mut nums = numbers(name, args)?;
            budget.steps(nums.len())?;
            nums.sort_by(nan_first);
            let n = nums.len();
            let median = match n {
                0 => 0.0,
                _ if n % 2 == 1 => nums[n / 2],
                _ => (nums[n / 2 - 1] + nums[n / 2]) / 2.0,
            };
            owned(Value::Float(median))
        }
        Func::Int => match first {
            Value::Int(i) => owned(Value::Int(*i)),
            Value::Float(x) => owned(Value::Int(go_float_to_int(*x))),
            Value::String(s) => s
                .parse::<i64>()
                .map(|i| Cow::Owned(Value::Int(i)))
                .map_err(|_| format!("cannot convert string {s:?} to int")),
            other => Err(needs(name, "a number or a numeric string", other)),
        },
        Func::Float => match first {
            Value::Int(i) => owned(Value::Float(*i as f64)),
            Value::Float(x) => owned(Value::Float(*x)),
            Value::String(s) => parse_go_float(s)
                .map(|x| Cow::Owned(Value::Float(x)))
                .map_err(|_| format!("cannot convert string {s:?} to float")),
            other => Err(needs(name, "a number or a numeric string", other)),
        },
        Func::String => {
            let mut s = String::new();
            go_format_v(first, &mut s);
            owned(Value::String(s))
        }
        Func::Ceil | Func::Floor | Func::Round => match first {
            Value::Float(x) => owned(Value::Float(match f {
                Func::Ceil => x.ceil(),
                Func::Floor => x.floor(),
                // Go's math.Round rounds half away from zero, as Rust's `round` does.
                _ => x.round(),
            })),
            Value::Int(i) => owned(Value::Float(*i as f64)),
            other => Err(needs(name, "a number", other)),
        },
        Func::First | Func::Last => {
            let from_end = f == Func::Last;
            // expr recovers from a failed fetch here and returns nil.
            let index = Value::Int(if from_end { -1 } else { 0 });
            Ok(access::member(take(args, 0), &index).unwrap_or(Cow::Owned(Value::Nil)))
        }
        Func::Get => {
            let key = take(args, 1);
            Ok(access::member(take(args, 0), &key).unwrap_or(Cow::Owned(Value::Nil)))
        }
        Func::Take => {
            let items = array_arg(name, first)?;
            let n = match arg(args, 1)? {
                Value::Int(n) => n,
                other => {
                    return Err(format!(
                        "`take` needs an int count, got {}",
                        other.type_name()
                    ));
                }
            };
            let n = usize::try_from(n)
                .map_err(|_| format!("`take` needs a count of at least 0, got {n}"))?;
            owned(Value::Array(items.iter().take(n).cloned().collect()))
        }
        Func::Reverse => {
            let items = array_arg(name, first)?;
            owned(Value::Array(items.iter().rev().cloned().collect()))
        }
        Func::Uniq => {
            let items = array_arg(name, first)?;
            let mut out: Vec<Value> = Vec::new();
            for item in items {
                budget.steps(out.len())?;
                if !out.iter().any(|seen| ops::loose_eq(item, seen)) {
                    out.push(item.clone());
                }
            }
            owned(Value::Array(out))
        }
        Func::Concat => {
            let mut out = Vec::new();
            for a in args.iter() {
                let items = array_arg(name, a)?;
                budget.elements(items.len())?;
                out.extend(items.iter().cloned());
            }
            owned(Value::Array(out))
        }
        Func::Flatten => {
            let items = array_arg(name, first)?;
            let mut out = Vec::new();
            flatten_into(items, &mut out, budget)?;
            owned(Value::Array(out))
        }
        Func::Sort => {
            let mut items = array_arg(name, first)?.to_vec();
            let desc = match args.get(1).map(|c| c.as_ref()) {
                None => false,
                Some(Value::String(o)) if o == "asc" => false,
                Some(Value::String(o)) if o == "desc" => true,
                Some(other) => {
                    let mut s = String::new();
                    go_format_v(other, &mut s);
                    return Err(format!("invalid order {s}, expected asc or desc"));
                }
            };
            sort_values(&mut items, budget)?;
            if desc {
                items.reverse();
            }
            owned(Value::Array(items))
        }
        Func::Keys | Func::Values => match first {
            Value::Map(fields) => owned(Value::Array(if f == Func::Keys {
                // Go returns keys in random order; ours are sorted, hence deterministic.
                fields.keys().map(|k| Value::String(k.clone())).collect()
            } else {
                fields.values().cloned().collect()
            })),
            other => Err(needs(name, "a map", other)),
        },
        Func::Type => owned(Value::String(first.type_name().to_string())),
        Func::Upper => owned(Value::String(str_arg(name, first)?.to_uppercase())),
        Func::Lower => owned(Value::String(str_arg(name, first)?.to_lowercase())),
        Func::Trim => {
            let s = str_arg(name, first)?;
            let out = match args.get(1) {
                None => s.trim(),
                Some(c) => {
                    let cutset = str_arg(name, c)?;
                    s.trim_matches(|ch| cutset.contains(ch))
                }
            };
            owned(Value::String(out.to_string()))
        }
        Func::TrimPrefix | Func::TrimSuffix => {
            let s = str_arg(name, first)?;
            let affix = match args.get(1) {
                Some(a) => str_arg(name, a)?,
                None => " ",
            };
            let out = if f == Func::TrimPrefix {
                s.strip_prefix(affix)
            } else {
                s.strip_suffix(affix)
            };
            owned(Value::String(out.unwrap_or(s).to_string()))
        }
        Func::Split | Func::SplitAfter => {
            let s = str_arg(name, first)?;
            let sep = str_arg(name, &arg(args, 1)?)?.to_string();
            let limit = match args.get(2) {
                Some(n) => access::to_index(n, "the count of `split`")?,
                None => -1,
            };
            let parts = split(s, &sep, limit, f == Func::SplitAfter);
            budget.elements(parts.len())?;
            owned(Value::Array(parts.into_iter().map(Value::String).collect()))
        }
        Func::Join => {
            let items = array_arg(name, first)?;
            let sep = match args.get(1) {
                Some(a) => str_arg(name, a)?,
                None => "",
            };
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                match item {
                    Value::String(s) => out.push_str(s),
                    other => {
                        return Err(format!(
                            "`join` needs an array of strings, found {}",
                            other.type_name()
                        ));
                    }
                }
            }
            owned(Value::String(out))
        }
        Func::Replace => {
            let s = str_arg(name, first)?;
            let old = str_arg(name, &arg(args, 1)?)?.to_string();
            let new = str_arg(name, &arg(args, 2)?)?.to_string();
            let limit = match args.get(3) {
                Some(n) => access::to_index(n, "the count of `replace`")?,
                None => -1,
            };
            // Charge the worst case before building the string.
            let hits = if old.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(old.as_str()).count()
            };
            budget.bytes(s.len().saturating_add(hits.saturating_mul(new.len())))?;
            let out = match usize::try_from(limit) {
                Ok(n) => s.replacen(old.as_str(), &new, n),
                Err(_) => s.replace(old.as_str(), &new),
            };
            owned(Value::String(out))
        }
        Func::Repeat => {
            let s = str_arg(name, first)?;
            let n = match arg(args, 1)? {
                Value::Int(n) => n,
                other => {
                    return Err(format!(
                        "`repeat` needs an int count, got {}",
                        other.type_name()
                    ));
                }
            };
            let n = usize::try_from(n).map_err(|_| {
                format!("invalid argument for repeat (expected positive integer, got {n})")
            })?;
            budget.bytes(s.len().saturating_mul(n))?;
            owned(Value::String(s.repeat(n)))
        }
        Func::IndexOf | Func::LastIndexOf => {
            let s = str_arg(name, first)?;
            let sub = str_arg(name, &arg(args, 1)?)?.to_string();
            // Go returns byte offsets, and so do `find`/`rfind`.
            let at = if f == Func::IndexOf {
                s.find(sub.as_str())
            } else {
                s.rfind(sub.as_str())
            };
            owned(Value::Int(at.map_or(-1, len_int)))
        }
        Func::HasPrefix | Func::HasSuffix => {
            let s = str_arg(name, first)?;
            let affix = str_arg(name, &arg(args, 1)?)?.to_string();
            owned(Value::Bool(if f == Func::HasPrefix {
                s.starts_with(affix.as_str())
            } else {
                s.ends_with(affix.as_str())
            }))
        }
    }
}

fn len_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn needs(name: &str, what: &str, got: &Value) -> String {
    format!("`{name}` needs {what}, got {}", got.type_name())
}

fn str_arg<'v>(name: &str, v: &'v Value) -> Result<&'v str, String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(needs(name, "a string", other)),
    }
}

fn array_arg<'v>(name: &str, v: &'v Value) -> Result<&'v [Value], String> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(needs(name, "an array", other)),
    }
}

/// Argo's `asInt`.
pub(super) fn as_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Float(x) => Ok(go_float_to_int(*x)),
        Value::Int(i) => Ok(*i),
        Value::String(s) => s.parse::<i64>().map_err(|e| {
            let why = match e.kind() {
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                    "value out of range"
                }
                _ => "invalid syntax",
            };
            format!("strconv.ParseInt: parsing {s:?}: {why}")
        }),
        other => Err(not_supported("asInt", other)),
    }
}

/// Argo's `asFloat`.
pub(super) fn as_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(x) => Ok(*x),
        Value::Int(i) => Ok(*i as f64),
        Value::String(s) => {
            parse_go_float(s).map_err(|why| format!("strconv.ParseFloat: parsing {s:?}: {why}"))
        }
        other => Err(not_supported("asFloat", other)),
    }
}

/// Argo's panic text for an unsupported type: `asInt() not supported on bool true`.
fn not_supported(func: &str, v: &Value) -> String {
    let mut shown = String::new();
    go_format_v(v, &mut shown);
    format!("{func}() not supported on {} {shown}", v.go_type_name())
}

/// `isNaN`/`isInf` take a Go `float64`: nothing else converts.
fn float_param(v: &Value, name: &str) -> Result<f64, String> {
    match v {
        Value::Float(x) => Ok(*x),
        other => Err(format!(
            "cannot use {} as argument (type float64) to call {name}",
            other.go_type_name()
        )),
    }
}

/// Go's `strconv.ParseFloat(s, 64)`, near enough: decimal and `inf`/`infinity`/`nan`
/// spellings; a finite literal beyond the float range is "value out of range" (Rust would
/// silently give infinity). Go's hex floats (`0x1p-2`) are not accepted.
pub(super) fn parse_go_float(s: &str) -> Result<f64, &'static str> {
    let x: f64 = s.parse().map_err(|_| "invalid syntax")?;
    let unsigned = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if x.is_infinite() && !unsigned.starts_with("inf") {
        return Err("value out of range");
    }
    Ok(x)
}

/// Go's `sort.Float64s` order: NaN first, then ascending. A total order, so sorting never panics.
fn nan_first(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Every number in the arguments, arrays flattened (expr's `mean`/`median`).
fn numbers(name: &str, args: &[Cow<'_, Value>]) -> Result<Vec<f64>, String> {
    fn walk(name: &str, v: &Value, out: &mut Vec<f64>) -> Result<(), String> {
        match v {
            Value::Int(i) => out.push(*i as f64),
            Value::Float(x) => out.push(*x),
            Value::Array(items) => {
                for item in items {
                    walk(name, item, out)?;
                }
            }
            other => {
                return Err(format!(
                    "invalid argument for {name} (type {})",
                    other.type_name()
                ));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for a in args {
        walk(name, a, &mut out)?;
    }
    Ok(out)
}

/// expr's `max`/`min`: numbers and (nested) arrays of numbers; the first extreme wins;
/// a single non-number argument is returned as is; an empty array gives nil.
fn min_max(name: &str, want_max: bool, args: &[&Value]) -> Result<Value, String> {
    let mut best: Option<Value> = None;
    let mut consider = |v: Value| {
        let better = match &best {
            None => true,
            // Comparisons with NaN are false, so NaN never displaces a value (and a leading
            // NaN is never displaced), as in expr.
            Some(b) => {
                ops::compare(if want_max { CmpOp::Lt } else { CmpOp::Gt }, b, &v).unwrap_or(false)
            }
        };
        if better {
            best = Some(v);
        }
    };
    for arg in args {
        match arg {
            Value::Array(items) => {
                for item in items {
                    let v = min_max(name, want_max, &[item])?;
                    if !matches!(v, Value::Int(_) | Value::Float(_)) {
                        return Err(format!(
                            "invalid argument for {name} (type {})",
                            v.type_name()
                        ));
                    }
                    consider(v);
                }
            }
            Value::Int(_) | Value::Float(_) => consider((*arg).clone()),
            _ if args.len() == 1 => return Ok((*arg).clone()),
            other => {
                return Err(format!(
                    "invalid argument for {name} (type {})",
                    other.type_name()
                ));
            }
        }
    }
    Ok(best.unwrap_or(Value::Nil))
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>, budget: &mut Budget) -> Result<(), String> {
    for item in items {
        match item {
            Value::Array(inner) => flatten_into(inner, out, budget)?,
            other => {
                budget.elements(1)?;
                out.push(other.clone());
            }
        }
    }
    Ok(())
}

/// expr's `sort`: all numbers or all strings, ascending.
fn sort_values(items: &mut [Value], budget: &mut Budget) -> Result<(), String> {
    let all_numbers = items
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Float(_)));
    let all_strings = items.iter().all(|v| matches!(v, Value::String(_)));
    if !all_numbers && !all_strings {
        let kinds: Vec<&str> = items.iter().map(Value::type_name).collect();
        return Err(format!(
            "`sort` needs an array of numbers or of strings, got elements of type {}",
            kinds.join(", ")
        ));
    }
    budget.steps(items.len())?;
    items.sort_by(|a, b| match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => {
            let num = |v: &Value| match v {
                Value::Int(i) => *i as f64,
                Value::Float(x) => *x,
                _ => 0.0,
            };
            nan_first(&num(a), &num(b))
        }
    });
    Ok(())
}

/// Go's `strings.SplitN` / `SplitAfterN`: `limit < 0` means no limit, `0` gives nothing,
/// an empty separator splits between characters.
fn split(s: &str, sep: &str, limit: i64, keep_sep: bool) -> Vec<String> {
    if limit == 0 {
        return Vec::new();
    }
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut parts = Vec::new();
    if sep.is_empty() {
        let mut rest = s;
        while !rest.is_empty() {
            if parts.len() + 1 == max {
                parts.push(rest.to_string());
                return parts;
            }
            let n = rest.chars().next().map_or(1, char::len_utf8);
            parts.push(rest[..n].to_string());
            rest = &rest[n..];
        }
        return parts;
    }
    let mut start = 0;
    for (at, m) in s.match_indices(sep) {
        if parts.len() + 1 == max {
            break;
        }
        let end = if keep_sep { at + m.len() } else { at };
        parts.push(s[start..end].to_string());
        start = at + m.len();
    }
    parts.push(s[start..].to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_go() {
        assert_eq!(split("a,b,c", ",", -1, false), ["a", "b", "c"]);
        assert_eq!(split("a,b,c", ",", 2, false), ["a", "b,c"]);
        assert_eq!(split("a,b,", ",", -1, true), ["a,", "b,", ""]);
        assert_eq!(split("", ",", -1, false), [""]);
        assert_eq!(split("", "", -1, false), Vec::<String>::new());
        assert_eq!(split("héy", "", -1, false), ["h", "é", "y"]);
        assert_eq!(split("héy", "", 2, false), ["h", "éy"]);
        assert!(split("abc", ",", 0, false).is_empty());
    }

    #[test]
    fn go_float_parsing() {
        assert_eq!(parse_go_float("0.5"), Ok(0.5));
        assert_eq!(parse_go_float("+Inf"), Ok(f64::INFINITY));
        assert!(parse_go_float("NaN").unwrap().is_nan());
        assert_eq!(parse_go_float("1e400"), Err("value out of range"));
        assert_eq!(parse_go_float("abc"), Err("invalid syntax"));
    }
}
