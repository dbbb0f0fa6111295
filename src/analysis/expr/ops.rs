//! Operator semantics: equality, ordering and arithmetic, as expr's runtime defines them.
//!
//! The rules (from expr's `vm/runtime` helpers):
//! - an int meeting a float is widened to float; `/` always divides as floats; `**`/`^` are
//!   `math.Pow` on floats; `%` takes integers only; integer `+ - *` wrap like Go's `int`;
//! - `==` never fails: numbers compare numerically, arrays element by element, maps with Go's
//!   `reflect.DeepEqual` (types must match exactly, so `{a: 1} == {a: 1.0}` is false), values
//!   of different kinds are simply unequal;
//! - `< <= > >=` work on two numbers or two strings (byte order) and are an error otherwise;
//!   any comparison with NaN is false, as in Go.
//!
//! The number cases are matched first and never allocate: they are the hot path of conditions
//! such as `result[0] >= 0.95`.

use super::value::Value;

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

impl ArithOp {
    /// The operator as written in expressions, for messages.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::Pow => "**",
        }
    }
}

/// Ordering comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written in expressions, for messages.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn test<T: PartialOrd + ?Sized>(self, a: &T, b: &T) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// expr's `==`: numeric across int/float, structural on arrays, Go `DeepEqual` on maps,
/// false (not an error) between different kinds.
pub(super) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
        (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| loose_eq(p, q))
        }
        (Value::Map(_), Value::Map(_)) => deep_eq(a, b),
        _ => false,
    }
}

/// Go's `reflect.DeepEqual` on `interface{}` values: the dynamic types must be identical
/// (an int never equals a float here) and NaN is unequal to itself.
fn deep_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_eq(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_eq(v, w)))
        }
        // Same-kind scalars: the derived `PartialEq` is Go's `==` on them (NaN != NaN).
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a == b,
    }
}

/// `a OP b` for an ordering operator.
pub(super) fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, String> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(op.test(x, y)),
        (Value::Int(x), Value::Float(y)) => Ok(op.test(&(*x as f64), y)),
        (Value::Float(x), Value::Int(y)) => Ok(op.test(x, &(*y as f64))),
        (Value::Float(x), Value::Float(y)) => Ok(op.test(x, y)),
        (Value::String(x), Value::String(y)) => Ok(op.test(x.as_str(), y.as_str())),
        _ => Err(format!(
            "cannot compare {} and {} (`{}` needs two numbers or two strings)",
            a.type_name(),
            b.type_name(),
            op.symbol()
        )),
    }
}

/// `a OP b` for an arithmetic operator.
pub(super) fn arith(op: ArithOp, a: &Value, b: &Value) -> Result<Value, String> {
    // Widen to a pair of numbers first: every operator accepts those.
    let nums = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(Num::Ints(*x, *y)),
        (Value::Int(x), Value::Float(y)) => Some(Num::Floats(*x as f64, *y)),
        (Value::Float(x), Value::Int(y)) => Some(Num::Floats(*x, *y as f64)),
        (Value::Float(x), Value::Float(y)) => Some(Num::Floats(*x, *y)),
        _ => None,
    };
    match (op, nums) {
        (ArithOp::Add, Some(Num::Ints(x, y))) => Ok(Value::Int(x.wrapping_add(y))),
        (ArithOp::Sub, Some(Num::Ints(x, y))) => Ok(Value::Int(x.wrapping_sub(y))),
        (ArithOp::Mul, Some(Num::Ints(x, y))) => Ok(Value::Int(x.wrapping_mul(y))),
        (ArithOp::Mod, Some(Num::Ints(x, y))) => {
            if y == 0 {
                Err("integer divide by zero (`%` by 0)".to_string())
            } else {
                // Go defines MinInt64 % -1 as 0; wrapping_rem agrees.
                Ok(Value::Int(x.wrapping_rem(y)))
            }
        }
        (ArithOp::Mod, Some(Num::Floats(..))) => Err(format!(
            "cannot apply `%` to {} and {} (`%` needs two integers)",
            a.type_name(),
            b.type_name()
        )),
        (ArithOp::Add, Some(n)) => Ok(Value::Float(n.x() + n.y())),
        (ArithOp::Sub, Some(n)) => Ok(Value::Float(n.x() - n.y())),
        (ArithOp::Mul, Some(n)) => Ok(Value::Float(n.x() * n.y())),
        // Division by zero follows IEEE 754 (±Inf or NaN), like Go's float64 division.
        (ArithOp::Div, Some(n)) => Ok(Value::Float(n.x() / n.y())),
        (ArithOp::Pow, Some(n)) => Ok(Value::Float(n.x().powf(n.y()))),
        (ArithOp::Add, None) => match (a, b) {
            (Value::String(x), Value::String(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                Ok(Value::String(s))
            }
            _ => Err(mismatch(op, a, b)),
        },
        (_, None) => Err(mismatch(op, a, b)),
    }
}

fn mismatch(op: ArithOp, a: &Value, b: &Value) -> String {
    format!(
        "cannot apply `{}` to {} and {}",
        op.symbol(),
        a.type_name(),
        b.type_name()
    )
}

/// Two operands after widening.
#[derive(Clone, Copy)]
enum Num {
    Ints(i64, i64),
    Floats(f64, f64),
}

impl Num {
    fn x(self) -> f64 {
        match self {
            Num::Ints(x, _) => x as f64,
            Num::Floats(x, _) => x,
        }
    }
    fn y(self) -> f64 {
        match self {
            Num::Ints(_, y) => y as f64,
            Num::Floats(_, y) => y,
        }
    }
}

/// Go's `int64(f)` conversion of a float as the amd64 machines Argo runs on perform it:
/// truncation toward zero, and `MinInt64` for NaN and out-of-range values (the CVTTSD2SI
/// "integer indefinite" result) — Rust's `as` would saturate instead.
#[allow(
    clippy::cast_possible_truncation,
    reason = "the cast runs only on floats inside the i64 range, where it drops the fraction as Go does"
)]
pub(super) fn go_float_to_int(f: f64) -> i64 {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    // NaN is in no range, so it takes this branch too.
    if !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}
