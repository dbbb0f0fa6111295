//! The condition language of AnalysisTemplate `successCondition` / `failureCondition`.
//!
//! Argo Rollouts evaluates these with [expr](https://expr-lang.org) (`utils/evaluate`):
//! it compiles the text against an environment holding `result` (the provider's value,
//! pointer dereferenced) and six helpers, runs it, and requires a bool. This module is our
//! own implementation of the part of that language conditions use, with the same semantics:
//!
//! ```
//! use rollout_sim::analysis::expr::{eval_condition, Program, Value};
//!
//! let result = Value::Array(vec![Value::Float(0.97)]);
//! assert!(eval_condition("len(result) == 0 || result[0] >= 0.95", &result).unwrap());
//!
//! // Compile once, evaluate at every measurement.
//! let p = Program::compile("all(result, {# > 0.9})").unwrap();
//! assert!(p.eval_condition(&result).unwrap());
//! ```
//!
//! # What is supported
//! - literals: `42`, `1_000`, `0x1F`, `0o17`, `0b101`, `0.95`, `.5`, `1e3`, `"s"`, `'s'`,
//!   `` `raw` ``, `true`, `false`, `nil`, `[1, 2]`, `{a: 1, "b": 2, (expr): 3}`; comments;
//! - the variable `result`; any other name is a compile error with a suggestion;
//! - `x.f`, `x["f"]`, `x[0]`, `x[-1]`, `x?.f`, `x?.[0]`, `x[1:3]`, `x[:2]`, `x[1:]`;
//! - `! not - +`, `+ - * / % ** ^`, `== != < <= > >=` (chainable: `0 < x < 1`),
//!   `&& and || or` (short-circuit), `in`, `not in`, `contains`, `startsWith`, `endsWith`,
//!   `matches` (and their `not` forms), `c ? a : b`, `c ?: b`, `??`, `a..b`, `x | f(y)`;
//! - builtins `len abs max min int float string ceil floor round sum mean median first last
//!   upper lower trim trimPrefix trimSuffix split splitAfter join replace repeat indexOf
//!   lastIndexOf hasPrefix hasSuffix keys values type get take reverse uniq concat flatten
//!   sort`, and the predicate builtins `all any none one filter map count sum find findIndex
//!   findLast findLastIndex` in both forms `all(xs, {# > 1})` / `all(xs, # > 1)`, with `#`,
//!   `#index` and `.field` (= `#.field`);
//! - Argo's helpers, exactly as `evaluate.go` defines them:
//!   - `asInt(x)`: float → truncated int, numeric string → int, int unchanged, else an error;
//!   - `asFloat(x)`: number or numeric string → float, else an error;
//!   - `isNaN(f)`, `isInf(f)`: take a float (an integer *literal* is promoted, as expr's
//!     checker does; any other non-float is an error);
//!   - `isNil(x)`: ignores `x` and tells whether `result` is nil (an empty array is not);
//!   - `default(x, fallback)`: ignores `x` and returns `fallback` when `result` is nil, else
//!     `result` itself — so `default(result.x, 0)` yields the whole `result` when it is set.
//!
//!   Arguments are still evaluated first, so `isNil(result[0])` fails on an empty `result`.
//!
//! # Semantics worth knowing
//! - int with float gives float; `/` always gives a float (`1/0` is `+Inf`, `0/0` NaN);
//!   `%` needs integers and `x % 0` is an error; integer `+ - *` wrap like Go's;
//! - `==` between different kinds is false, never an error; `<` etc. between anything but two
//!   numbers or two strings is an error; every comparison with NaN is false;
//! - `result[0]` on an empty array is an error (Argo reports the measurement as Error);
//!   a missing map key is nil; fetching from nil is an error unless `?.` is used, which
//!   makes the rest of the access chain nil (`result?.a.b` is nil when `result` is);
//! - `keys`/`values` list a map in key order (Go's order is random);
//! - a condition whose value is not a bool fails with `expected bool, but got float64`;
//! - precedence follows expr, traps included: `not` binds tighter than comparisons, so
//!   `not a > b` is `(not a) > b` (write `not (a > b)`); every comparison-level operator
//!   chains, so `a < b == c` means `a < b && b == c`.
//!
//! # Deliberately not supported (a clear compile error says so)
//! `let`, `if`/`else` blocks, method calls (`x.f()`), `$env`, `::f()`, `#acc`, and the
//! builtins `now duration date timezone toJSON fromJSON toBase64 fromBase64 toPairs fromPairs
//! groupBy sortBy reduce` and the `bit*` functions. Go's time and duration values are not
//! modelled. expr also type-checks literal operands at compile time; here type errors surface
//! when the offending sub-expression is evaluated, so one in a branch that never runs (such as
//! `true || "a" < 1`) goes unnoticed here while Argo would report a measurement Error.
//!
//! # Limits
//! Input at most [`MAX_SOURCE_LEN`] bytes, nesting at most [`MAX_DEPTH`] levels, and each
//! evaluation at most [`MAX_STEPS`] steps, [`MAX_ELEMENTS`] created elements and
//! [`MAX_STRING_BYTES`] bytes of created strings. Exceeding one is an error, never a crash.

mod access;
mod ast;
mod builtins;
mod diagnostics;
mod eval;
mod lexer;
mod ops;
mod parser;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_prop;

use std::borrow::Cow;

pub use value::{Value, format_float_f, format_float_g, go_format_v};

/// Longest accepted condition, in bytes.
pub const MAX_SOURCE_LEN: usize = 64 * 1024;
/// Deepest accepted nesting (parser recursion and tree height).
///
/// Real conditions nest a handful of levels. The limit keeps the recursive parser and
/// evaluator far from any thread's stack size: measured at most about 8 KiB of stack per level
/// in debug builds and 2.2 KiB in release builds, so 128 levels need at most about 1 MiB.
pub const MAX_DEPTH: usize = 128;
/// Most tree nodes one evaluation may visit (predicates visit theirs once per element).
pub const MAX_STEPS: u64 = 5_000_000;
/// Most array and map elements one evaluation may create (expr's own memory budget).
pub const MAX_ELEMENTS: usize = 1_000_000;
/// Most string bytes one evaluation may create.
pub const MAX_STRING_BYTES: usize = 16 * 1024 * 1024;
/// Size limit for compiled regular expressions (`matches`).
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A compile or evaluation error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}{}", column_suffix(.column))]
pub struct ExprError {
    /// What went wrong, e.g. "unknown name `reslt` (did you mean `result`?)".
    pub message: String,
    /// 1-based character column in the condition, when known.
    pub column: Option<usize>,
    /// expr-lang's own compiler refuses it too (an unknown name): Argo then accepts the
    /// template and each measurement ends in Error, rather than the input being refused.
    pub argo_rejects: bool,
}

fn column_suffix(column: &Option<usize>) -> String {
    column.map_or_else(String::new, |c| format!(" (at column {c})"))
}

impl ExprError {
    /// An error without a position.
    pub fn new(message: impl Into<String>) -> Self {
        ExprError {
            message: message.into(),
            column: None,
            argo_rejects: false,
        }
    }

    /// An error at a 1-based column.
    pub fn at_col(column: usize, message: impl Into<String>) -> Self {
        ExprError {
            message: message.into(),
            column: Some(column),
            argo_rejects: false,
        }
    }
}

/// A compiled condition (parse once, evaluate at every measurement).
#[derive(Debug, Clone)]
pub struct Program {
    root: ast::Node,
}

impl Program {
    /// Parses and checks `src`: syntax, names, argument counts, constant regexes.
    pub fn compile(src: &str) -> Result<Program, ExprError> {
        if src.len() > MAX_SOURCE_LEN {
            return Err(ExprError::new(format!(
                "expression is too long ({} bytes; the limit is {MAX_SOURCE_LEN})",
                src.len()
            )));
        }
        let tokens = lexer::tokenize(src)?;
        let root = parser::parse(tokens)?;
        Ok(Program { root })
    }

    /// Evaluates with `result` bound to the given value, plus Argo's helper functions.
    pub fn eval(&self, result: &Value) -> Result<Value, ExprError> {
        self.run(result).map(Cow::into_owned)
    }

    /// Evaluates and requires a bool, as Argo's `EvalCondition` does.
    pub fn eval_condition(&self, result: &Value) -> Result<bool, ExprError> {
        match &*self.run(result)? {
            Value::Bool(b) => Ok(*b),
            other => Err(ExprError::new(format!(
                "expected bool, but got {}",
                other.go_type_name()
            ))),
        }
    }

    fn run<'a>(&'a self, result: &'a Value) -> Result<Cow<'a, Value>, ExprError> {
        let mut ctx = eval::Ctx::new(result);
        match eval::eval(&self.root, &mut ctx) {
            Ok(v) => Ok(v),
            Err(eval::Stop::Error(e)) => Err(e),
            // Every optional access sits inside a chain node; this only keeps the match total.
            Err(eval::Stop::ChainNil) => Ok(Cow::Owned(Value::Nil)),
        }
    }
}

/// Argo's `EvalCondition`: compile + evaluate; anything but a bool is an error
/// ("expected bool, but got ...").
pub fn eval_condition(src: &str, result: &Value) -> Result<bool, ExprError> {
    Program::compile(src)?.eval_condition(result)
}
