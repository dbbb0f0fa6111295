//! The syntax tree a condition compiles to, and the table of callable functions.
//!
//! Every node records its column (for error messages) and its height. The height is checked
//! against [`MAX_DEPTH`](super::MAX_DEPTH) as the tree is built, so evaluation — which
//! recurses once per level — can never run out of stack, whatever the input.

use regex::Regex;

use super::ExprError;
use super::ops::{ArithOp, CmpOp};
use super::value::Value;

/// One node of the tree.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub kind: Kind,
    /// 1-based column of the token that produced this node.
    pub col: usize,
    /// 1 for a leaf; 1 + the tallest child otherwise.
    pub height: usize,
}

/// What a node does.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// A constant (literals, and array literals made only of constants).
    Lit(Value),
    /// The `result` variable.
    Result,
    /// `#`: the current element of the innermost predicate.
    Pointer,
    /// `#index`: the position of the current element of the innermost predicate.
    PointerIndex,
    /// `[a, b]` with at least one non-constant element.
    Array(Vec<Node>),
    /// `{k: v}`; keys are string literals or parenthesized expressions.
    Map(Vec<(Node, Node)>),
    /// `!x`, `not x`, `-x`, `+x`.
    Unary(UnaryOp, Box<Node>),
    /// Arithmetic.
    Arith(ArithOp, Box<Node>, Box<Node>),
    /// Ordering comparison.
    Cmp(CmpOp, Box<Node>, Box<Node>),
    /// `==` (or `!=` when `negate`).
    Eq {
        left: Box<Node>,
        right: Box<Node>,
        negate: bool,
    },
    /// `&&` / `and`, short-circuit.
    And(Box<Node>, Box<Node>),
    /// `||` / `or`, short-circuit.
    Or(Box<Node>, Box<Node>),
    /// `a ?? b`: `a` unless it is nil.
    Coalesce(Box<Node>, Box<Node>),
    /// `a in b`.
    In(Box<Node>, Box<Node>),
    /// `contains`, `startsWith`, `endsWith`.
    StrTest(StrOp, Box<Node>, Box<Node>),
    /// `a matches "constant"`: the pattern is compiled once, with the program.
    MatchesConst(Box<Node>, Box<Regex>),
    /// `a matches b` with a computed pattern.
    Matches(Box<Node>, Box<Node>),
    /// `a..b`.
    Range(Box<Node>, Box<Node>),
    /// `c ? a : b`; `c ?: b` is stored with `then == None` and yields `c` itself.
    Cond {
        cond: Box<Node>,
        then: Option<Box<Node>>,
        otherwise: Box<Node>,
    },
    /// `base.name`, `base[key]`, `base?.name`, `base?.[key]`.
    Member {
        base: Box<Node>,
        key: Box<Node>,
        optional: bool,
    },
    /// `base[from:to]`.
    Slice {
        base: Box<Node>,
        from: Option<Box<Node>>,
        to: Option<Box<Node>>,
    },
    /// The extent of an optional chain: an optional access on nil makes the whole chain nil.
    Chain(Box<Node>),
    /// A call of a builtin or of one of Argo's helpers.
    Call(Func, Vec<Node>),
    /// A predicate builtin: `all(coll, pred)`; the predicate is optional for `count`/`sum`.
    Predicate(PredFn, Box<Node>, Option<Box<Node>>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnaryOp {
    Not,
    Neg,
    Plus,
}

/// String operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

impl StrOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            StrOp::Contains => "contains",
            StrOp::StartsWith => "startsWith",
            StrOp::EndsWith => "endsWith",
        }
    }
}

impl Node {
    /// Builds a node, refusing trees taller than `max_depth`.
    pub(super) fn new(kind: Kind, col: usize, max_depth: usize) -> Result<Node, ExprError> {
        let height = 1 + tallest_child(&kind);
        if height > max_depth {
            return Err(ExprError::at_col(
                col,
                format!("expression is nested too deeply (more than {max_depth} levels)"),
            ));
        }
        Ok(Node { kind, col, height })
    }

    /// The constant this node stands for, if it is one.
    pub(super) fn as_lit(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Lit(v) => Some(v),
            _ => None,
        }
    }
}

fn h(n: &Node) -> usize {
    n.height
}

fn h_opt(n: &Option<Box<Node>>) -> usize {
    n.as_deref().map_or(0, h)
}

fn tallest_child(kind: &Kind) -> usize {
    match kind {
        Kind::Lit(_) | Kind::Result | Kind::Pointer | Kind::PointerIndex => 0,
        Kind::Array(items) | Kind::Call(_, items) => items.iter().map(h).max().unwrap_or(0),
        Kind::Map(pairs) => pairs.iter().map(|(k, v)| h(k).max(h(v))).max().unwrap_or(0),
        Kind::Unary(_, a) | Kind::Chain(a) | Kind::MatchesConst(a, _) => h(a),
        Kind::Arith(_, a, b)
        | Kind::Cmp(_, a, b)
        | Kind::And(a, b)
        | Kind::Or(a, b)
        | Kind::Coalesce(a, b)
        | Kind::In(a, b)
        | Kind::StrTest(_, a, b)
        | Kind::Matches(a, b)
        | Kind::Range(a, b)
        | Kind::Eq {
            left: a, right: b, ..
        }
        | Kind::Member {
            base: a, key: b, ..
        } => h(a).max(h(b)),
        Kind::Cond {
            cond,
            then,
            otherwise,
        } => h(cond).max(h_opt(then)).max(h(otherwise)),
        Kind::Slice { base, from, to } => h(base).max(h_opt(from)).max(h_opt(to)),
        Kind::Predicate(_, coll, pred) => h(coll).max(h_opt(pred)),
    }
}

/// Functions callable as `name(args)` (predicate builtins excepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    // Argo's helpers (utils/evaluate/evaluate.go).
    AsInt,
    AsFloat,
    IsNaN,
    IsInf,
    IsNil,
    Default,
    // expr builtins.
    Len,
    Abs,
    Max,
    Min,
    Int,
    Float,
    String,
    Ceil,
    Floor,
    Round,
    Mean,
    Median,
    First,
    Last,
    Get,
    Take,
    Reverse,
    Uniq,
    Concat,
    Flatten,
    Sort,
    Keys,
    Values,
    Type,
    Upper,
    Lower,
    Trim,
    TrimPrefix,
    TrimSuffix,
    Split,
    SplitAfter,
    Join,
    Replace,
    Repeat,
    IndexOf,
    LastIndexOf,
    HasPrefix,
    HasSuffix,
}

/// Unbounded argument count.
const MANY: usize = usize::MAX;

/// Name, function, minimum and maximum argument count.
pub(super) const FUNCS: &[(&str, Func, usize, usize)] = &[
    ("asInt", Func::AsInt, 1, 1),
    ("asFloat", Func::AsFloat, 1, 1),
    ("isNaN", Func::IsNaN, 1, 1),
    ("isInf", Func::IsInf, 1, 1),
    ("isNil", Func::IsNil, 1, 1),
    ("default", Func::Default, 2, 2),
    ("len", Func::Len, 1, 1),
    ("abs", Func::Abs, 1, 1),
    ("max", Func::Max, 1, MANY),
    ("min", Func::Min, 1, MANY),
    ("int", Func::Int, 1, 1),
    ("float", Func::Float, 1, 1),
    ("string", Func::String, 1, 1),
    ("ceil", Func::Ceil, 1, 1),
    ("floor", Func::Floor, 1, 1),
    ("round", Func::Round, 1, 1),
    ("mean", Func::Mean, 1, MANY),
    ("median", Func::Median, 1, MANY),
    ("first", Func::First, 1, 1),
    ("last", Func::Last, 1, 1),
    ("get", Func::Get, 2, 2),
    ("take", Func::Take, 2, 2),
    ("reverse", Func::Reverse, 1, 1),
    ("uniq", Func::Uniq, 1, 1),
    ("concat", Func::Concat, 1, MANY),
    ("flatten", Func::Flatten, 1, 1),
    ("sort", Func::Sort, 1, 2),
    ("keys", Func::Keys, 1, 1),
    ("values", Func::Values, 1, 1),
    ("type", Func::Type, 1, 1),
    ("upper", Func::Upper, 1, 1),
    ("lower", Func::Lower, 1, 1),
    ("trim", Func::Trim, 1, 2),
    ("trimPrefix", Func::TrimPrefix, 1, 2),
    ("trimSuffix", Func::TrimSuffix, 1, 2),
    ("split", Func::Split, 2, 3),
    ("splitAfter", Func::SplitAfter, 2, 3),
    ("join", Func::Join, 1, 2),
    ("replace", Func::Replace, 3, 4),
    ("repeat", Func::Repeat, 2, 2),
    ("indexOf", Func::IndexOf, 2, 2),
    ("lastIndexOf", Func::LastIndexOf, 2, 2),
    ("hasPrefix", Func::HasPrefix, 2, 2),
    ("hasSuffix", Func::HasSuffix, 2, 2),
];

impl Func {
    pub(super) fn name(self) -> &'static str {
        FUNCS
            .iter()
            .find(|(_, f, _, _)| *f == self)
            .map_or("?", |(n, ..)| n)
    }
}

/// Builtins whose second argument is a predicate evaluated per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PredFn {
    All,
    Any,
    None,
    One,
    Filter,
    Map,
    Count,
    Sum,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
}

/// Name, function, and whether the predicate may be left out.
pub(super) const PRED_FUNCS: &[(&str, PredFn, bool)] = &[
    ("all", PredFn::All, false),
    ("any", PredFn::Any, false),
    ("none", PredFn::None, false),
    ("one", PredFn::One, false),
    ("filter", PredFn::Filter, false),
    ("map", PredFn::Map, false),
    ("count", PredFn::Count, true),
    ("sum", PredFn::Sum, true),
    ("find", PredFn::Find, false),
    ("findIndex", PredFn::FindIndex, false),
    ("findLast", PredFn::FindLast, false),
    ("findLastIndex", PredFn::FindLastIndex, false),
];

impl PredFn {
    pub(super) fn name(self) -> &'static str {
        PRED_FUNCS
            .iter()
            .find(|(_, f, _)| *f == self)
            .map_or("?", |(n, ..)| n)
    }
}

/// expr builtins this simulator does not implement, with the reason given to the user.
pub(super) const UNSUPPORTED_FUNCS: &[(&str, &str)] = &[
    ("now", "it reads the wall clock"),
    ("duration", "time values are not modelled"),
    ("date", "time values are not modelled"),
    ("timezone", "time values are not modelled"),
    ("toJSON", "JSON encoding is not modelled"),
    ("fromJSON", "JSON decoding is not modelled"),
    ("toBase64", "base64 is not modelled"),
    ("fromBase64", "base64 is not modelled"),
    ("toPairs", "it is not needed by analysis conditions"),
    ("fromPairs", "it is not needed by analysis conditions"),
    ("groupBy", "it is not needed by analysis conditions"),
    ("sortBy", "it is not needed by analysis conditions"),
    ("reduce", "it is not needed by analysis conditions"),
    (
        "bitand",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitor",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitxor",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitnand",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitnot",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitshl",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitshr",
        "bitwise functions are not needed by analysis conditions",
    ),
    (
        "bitushr",
        "bitwise functions are not needed by analysis conditions",
    ),
];
