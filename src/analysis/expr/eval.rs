//! Evaluator: walks the tree with `result` bound, under step and memory budgets.
//!
//! Values flow as `Cow<'a, Value>`: `result`, its elements and literals are borrowed, only
//! computed values are owned, so `result[0] >= 0.95` runs without touching the heap.
//!
//! Recursion depth is bounded by the tree height (checked at compile time). The budgets bound
//! the work one evaluation may do — expressions like `all(1..1000000, all(1..1000000, true))`
//! or `repeat("x", 1000000)` inside a `map` stop with an error instead of hanging or exhausting
//! memory. They are counted deterministically, so the same input always gives the same outcome.

use std::borrow::Cow;

use super::access;
use super::ast::{Func, Kind, Node, PredFn, StrOp, UnaryOp};
use super::builtins;
use super::ops::{self, ArithOp};
use super::value::Value;
use super::{ExprError, MAX_ELEMENTS, MAX_STEPS, MAX_STRING_BYTES, REGEX_SIZE_LIMIT};

/// Why evaluation of a sub-expression stopped early.
pub(super) enum Stop {
    /// A real error: it ends the evaluation.
    Error(ExprError),
    /// `?.` met nil: the enclosing optional chain evaluates to nil.
    ChainNil,
}

impl From<ExprError> for Stop {
    fn from(e: ExprError) -> Self {
        Stop::Error(e)
    }
}

type Eval<'a> = Result<Cow<'a, Value>, Stop>;

/// Work counters shared with the builtins.
#[derive(Debug, Default)]
pub(super) struct Budget {
    steps: u64,
    elements: usize,
    string_bytes: usize,
}

impl Budget {
    /// Accounts for `n` units of work (node visits, comparisons inside builtins).
    pub(super) fn steps(&mut self, n: usize) -> Result<(), String> {
        self.steps = self.steps.saturating_add(n as u64);
        if self.steps > MAX_STEPS {
            return Err(format!(
                "evaluation budget exceeded (more than {MAX_STEPS} steps)"
            ));
        }
        Ok(())
    }

    /// Accounts for `n` array or map elements about to be created.
    pub(super) fn elements(&mut self, n: usize) -> Result<(), String> {
        self.elements = self.elements.saturating_add(n);
        if self.elements > MAX_ELEMENTS {
            return Err(format!(
                "memory budget exceeded (more than {MAX_ELEMENTS} array or map elements)"
            ));
        }
        Ok(())
    }

    /// Accounts for `n` bytes of string about to be created.
    pub(super) fn bytes(&mut self, n: usize) -> Result<(), String> {
        self.string_bytes = self.string_bytes.saturating_add(n);
        if self.string_bytes > MAX_STRING_BYTES {
            return Err(format!(
                "memory budget exceeded (more than {MAX_STRING_BYTES} bytes of strings)"
            ));
        }
        Ok(())
    }

    /// Accounts for a freshly computed value (shallow: its own elements or bytes).
    pub(super) fn value(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Array(items) => self.elements(items.len()),
            Value::Map(fields) => self.elements(fields.len()),
            Value::String(s) => self.bytes(s.len()),
            _ => Ok(()),
        }
    }
}

/// The current element of an enclosing predicate.
struct Scope<'a> {
    item: Cow<'a, Value>,
    index: usize,
}

/// Evaluation state.
pub(super) struct Ctx<'a> {
    result: &'a Value,
    scopes: Vec<Scope<'a>>,
    pub budget: Budget,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(result: &'a Value) -> Self {
        Ctx {
            result,
            scopes: Vec::new(),
            budget: Budget::default(),
        }
    }
}

fn fail<T>(node: &Node, message: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Error(ExprError::at_col(node.col, message.into())))
}

/// Attaches `node`'s column to an error from a helper.
fn at<T>(node: &Node, r: Result<T, String>) -> Result<T, Stop> {
    r.or_else(|m| fail(node, m))
}

fn owned<'a>(v: Value) -> Eval<'a> {
    Ok(Cow::Owned(v))
}

/// `v` as a bool; `role` names the operand in the error and is only built on failure.
fn want_bool(node: &Node, v: &Value, role: impl FnOnce() -> String) -> Result<bool, Stop> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => fail(
            node,
            format!("{} must be a bool, got {}", role(), other.type_name()),
        ),
    }
}

/// `v` as a string; `role` names the operand in the error and is only built on failure.
fn want_str<'v>(node: &Node, v: &'v Value, role: impl FnOnce() -> String) -> Result<&'v str, Stop> {
    match v {
        Value::String(s) => Ok(s),
        other => fail(
            node,
            format!("{} must be a string, got {}", role(), other.type_name()),
        ),
    }
}

/// Evaluates `node`.
///
/// This is only a dispatcher: each kind of node is handled by its own function, so the stack
/// frame of one tree level holds just that kind's locals. (One big `match` would give every
/// level the frame of the largest arm — about 15 KiB in debug builds.)
pub(super) fn eval<'a>(node: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    at(node, ctx.budget.steps(1))?;
    match &node.kind {
        Kind::Lit(v) => Ok(Cow::Borrowed(v)),
        Kind::Result => Ok(Cow::Borrowed(ctx.result)),
        Kind::Pointer | Kind::PointerIndex => eval_pointer(node, ctx),
        Kind::Array(items) => eval_array(node, items, ctx),
        Kind::Map(pairs) => eval_map(node, pairs, ctx),
        Kind::Unary(op, operand) => eval_unary(node, *op, operand, ctx),
        Kind::Arith(op, l, r) => eval_arith(node, *op, l, r, ctx),
        Kind::Cmp(..) | Kind::Eq { .. } | Kind::In(..) => eval_comparison(node, ctx),
        Kind::And(l, r) => eval_logic(node, true, l, r, ctx),
        Kind::Or(l, r) => eval_logic(node, false, l, r, ctx),
        Kind::Coalesce(l, r) => eval_coalesce(l, r, ctx),
        Kind::StrTest(op, l, r) => eval_str_test(node, *op, l, r, ctx),
        Kind::MatchesConst(..) | Kind::Matches(..) => eval_matches(node, ctx),
        Kind::Range(l, r) => eval_range(node, l, r, ctx),
        Kind::Cond {
            cond,
            then,
            otherwise,
        } => eval_cond(node, cond, then.as_deref(), otherwise, ctx),
        Kind::Member {
            base,
            key,
            optional,
        } => eval_member(node, base, key, *optional, ctx),
        Kind::Slice { base, from, to } => {
            eval_slice(node, base, from.as_deref(), to.as_deref(), ctx)
        }
        Kind::Chain(inner) => eval_chain(inner, ctx),
        Kind::Call(f, args) => eval_call(node, *f, args, ctx),
        Kind::Predicate(f, coll, pred) => eval_predicate(node, *f, coll, pred.as_deref(), ctx),
    }
}

fn eval_pointer<'a>(node: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    let Some(scope) = ctx.scopes.last() else {
        return fail(node, "`#` used outside a predicate");
    };
    if matches!(node.kind, Kind::PointerIndex) {
        return owned(Value::Int(i64::try_from(scope.index).unwrap_or(i64::MAX)));
    }
    match &scope.item {
        Cow::Borrowed(v) => Ok(Cow::Borrowed(*v)),
        Cow::Owned(v) => owned(v.clone()),
    }
}

fn eval_array<'a>(node: &'a Node, items: &'a [Node], ctx: &mut Ctx<'a>) -> Eval<'a> {
    at(node, ctx.budget.elements(items.len()))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(eval(item, ctx)?.into_owned());
    }
    owned(Value::Array(out))
}

fn eval_arith<'a>(
    node: &'a Node,
    op: ArithOp,
    l: &'a Node,
    r: &'a Node,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let a = eval(l, ctx)?;
    let b = eval(r, ctx)?;
    let v = at(node, ops::arith(op, &a, &b))?;
    if op == ArithOp::Add {
        // String concatenation is the one arithmetic result that can grow.
        at(node, ctx.budget.value(&v))?;
    }
    owned(v)
}

/// `==`, `!=`, `<`..., `in`: both operands, then a bool.
fn eval_comparison<'a>(node: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    let (l, r) = match &node.kind {
        Kind::Cmp(_, l, r) | Kind::In(l, r) => (l, r),
        Kind::Eq { left, right, .. } => (left, right),
        _ => return fail(node, "internal error: not a comparison"),
    };
    let a = eval(l, ctx)?;
    let b = eval(r, ctx)?;
    let v = match &node.kind {
        Kind::Cmp(op, ..) => at(node, ops::compare(*op, &a, &b))?,
        Kind::Eq { negate, .. } => ops::loose_eq(&a, &b) != *negate,
        _ => at(node, access::contains(&a, &b))?,
    };
    owned(Value::Bool(v))
}

fn eval_logic<'a>(
    node: &'a Node,
    is_and: bool,
    l: &'a Node,
    r: &'a Node,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let sym = if is_and { "&&" } else { "||" };
    let a = want_bool(node, &*eval(l, ctx)?, || format!("left operand of `{sym}`"))?;
    if a != is_and {
        // false && _ is false; true || _ is true: the right side is not evaluated.
        return owned(Value::Bool(a));
    }
    let b = want_bool(node, &*eval(r, ctx)?, || {
        format!("right operand of `{sym}`")
    })?;
    owned(Value::Bool(b))
}

fn eval_coalesce<'a>(l: &'a Node, r: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    let a = eval(l, ctx)?;
    if a.is_nil() { eval(r, ctx) } else { Ok(a) }
}

fn eval_str_test<'a>(
    node: &'a Node,
    op: StrOp,
    l: &'a Node,
    r: &'a Node,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let a = eval(l, ctx)?;
    let b = eval(r, ctx)?;
    let role = || format!("operand of `{}`", op.symbol());
    let (s, t) = (want_str(node, &a, role)?, want_str(node, &b, role)?);
    owned(Value::Bool(match op {
        StrOp::Contains => s.contains(t),
        StrOp::StartsWith => s.starts_with(t),
        StrOp::EndsWith => s.ends_with(t),
    }))
}

fn eval_matches<'a>(node: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    match &node.kind {
        Kind::MatchesConst(l, re) => {
            let a = eval(l, ctx)?;
            let s = want_str(node, &a, || "left operand of `matches`".into())?;
            owned(Value::Bool(re.is_match(s)))
        }
        Kind::Matches(l, r) => {
            let a = eval(l, ctx)?;
            let b = eval(r, ctx)?;
            let s = want_str(node, &a, || "left operand of `matches`".into())?;
            let pattern = want_str(node, &b, || "pattern of `matches`".into())?;
            let re = regex::RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build();
            match re {
                Ok(re) => owned(Value::Bool(re.is_match(s))),
                Err(e) => fail(node, format!("invalid regular expression: {e}")),
            }
        }
        _ => fail(node, "internal error: not a `matches`"),
    }
}

fn eval_range<'a>(node: &'a Node, l: &'a Node, r: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    let a = eval(l, ctx)?;
    let b = eval(r, ctx)?;
    let lo = at(node, access::to_index(&a, "a range bound"))?;
    let hi = at(node, access::to_index(&b, "a range bound"))?;
    let size = (i128::from(hi) - i128::from(lo) + 1).max(0);
    // Charge before allocating: `1..1e18` must fail, not try.
    at(
        node,
        ctx.budget
            .elements(usize::try_from(size).unwrap_or(usize::MAX)),
    )?;
    owned(Value::Array((lo..=hi).map(Value::Int).collect()))
}

fn eval_cond<'a>(
    node: &'a Node,
    cond: &'a Node,
    then: Option<&'a Node>,
    otherwise: &'a Node,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let c = eval(cond, ctx)?;
    if want_bool(node, &c, || "condition of `?:`".into())? {
        match then {
            Some(t) => eval(t, ctx),
            None => Ok(c),
        }
    } else {
        eval(otherwise, ctx)
    }
}

fn eval_member<'a>(
    node: &'a Node,
    base: &'a Node,
    key: &'a Node,
    optional: bool,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let b = eval(base, ctx)?;
    if optional && b.is_nil() {
        return Err(Stop::ChainNil);
    }
    let k = eval(key, ctx)?;
    at(node, access::member(b, &k))
}

fn eval_slice<'a>(
    node: &'a Node,
    base: &'a Node,
    from: Option<&'a Node>,
    to: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let b = eval(base, ctx)?;
    let f = from.map(|n| eval(n, ctx)).transpose()?;
    let t = to.map(|n| eval(n, ctx)).transpose()?;
    let v = at(node, access::slice(&b, f.as_deref(), t.as_deref()))?;
    at(node, ctx.budget.value(&v))?;
    owned(v)
}

fn eval_chain<'a>(inner: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    match eval(inner, ctx) {
        Err(Stop::ChainNil) => owned(Value::Nil),
        other => other,
    }
}

fn eval_call<'a>(node: &'a Node, f: Func, args: &'a [Node], ctx: &mut Ctx<'a>) -> Eval<'a> {
    // Up to three arguments live on the stack: `len(result)`, `asInt(result)` and
    // `default(result, 0)` then cost no allocation.
    let nil = || Cow::Borrowed(&builtins::NIL);
    let mut few = [nil(), nil(), nil()];
    let mut many = Vec::new();
    let values: &mut [Cow<'a, Value>] = if args.len() <= few.len() {
        &mut few[..args.len()]
    } else {
        many.resize_with(args.len(), nil);
        &mut many
    };
    for (slot, a) in values.iter_mut().zip(args) {
        *slot = eval(a, ctx)?;
    }
    let v = at(node, builtins::call(f, values, ctx.result, &mut ctx.budget))?;
    if let Cow::Owned(v) = &v {
        at(node, ctx.budget.value(v))?;
    }
    Ok(v)
}

fn eval_map<'a>(node: &'a Node, pairs: &'a [(Node, Node)], ctx: &mut Ctx<'a>) -> Eval<'a> {
    at(node, ctx.budget.elements(pairs.len()))?;
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        let key = eval(k, ctx)?;
        let Value::String(key) = key.into_owned() else {
            return fail(k, "map keys must be strings");
        };
        let value = eval(v, ctx)?.into_owned();
        // Later duplicates win, as in a Go map literal.
        out.insert(key, value);
    }
    owned(Value::Map(out))
}

fn eval_unary<'a>(node: &'a Node, op: UnaryOp, operand: &'a Node, ctx: &mut Ctx<'a>) -> Eval<'a> {
    let v = eval(operand, ctx)?;
    match (op, &*v) {
        (UnaryOp::Not, Value::Bool(b)) => owned(Value::Bool(!b)),
        (UnaryOp::Neg, Value::Int(i)) => owned(Value::Int(i.wrapping_neg())),
        (UnaryOp::Neg, Value::Float(f)) => owned(Value::Float(-f)),
        (UnaryOp::Plus, Value::Int(_) | Value::Float(_)) => Ok(v),
        (UnaryOp::Not, other) => fail(
            node,
            format!("operand of `!` must be a bool, got {}", other.type_name()),
        ),
        (_, other) => fail(
            node,
            format!(
                "unary `{}` needs a number, got {}",
                if op == UnaryOp::Neg { "-" } else { "+" },
                other.type_name()
            ),
        ),
    }
}

fn eval_predicate<'a>(
    node: &'a Node,
    f: PredFn,
    coll: &'a Node,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let mut items = match eval(coll, ctx)? {
        Cow::Borrowed(Value::Array(items)) => Items::Shared(items),
        Cow::Owned(Value::Array(items)) => Items::Mine(items),
        other => return Err(not_an_array(node, f, &other)),
    };
    let items = &mut items;
    match f {
        PredFn::All | PredFn::Any | PredFn::None | PredFn::One | PredFn::Count => {
            pred_quantifier(node, f, items, pred, ctx)
        }
        PredFn::Filter => pred_filter(node, f, items, pred, ctx),
        PredFn::Map => pred_map(node, items, pred, ctx),
        PredFn::Sum => pred_sum(node, items, pred, ctx),
        PredFn::Find | PredFn::FindIndex | PredFn::FindLast | PredFn::FindLastIndex => {
            pred_find(node, f, items, pred, ctx)
        }
    }
}

#[cold]
#[inline(never)]
fn not_an_array(node: &Node, f: PredFn, got: &Value) -> Stop {
    Stop::Error(ExprError::at_col(
        node.col,
        format!("`{}` needs an array, got {}", f.name(), got.type_name()),
    ))
}

/// The elements a predicate runs over: borrowed from `result` or a literal, or owned when the
/// array was computed (then each element is moved out rather than cloned).
enum Items<'a> {
    Shared(&'a [Value]),
    Mine(Vec<Value>),
}

impl<'a> Items<'a> {
    fn len(&self) -> usize {
        match self {
            Items::Shared(s) => s.len(),
            Items::Mine(v) => v.len(),
        }
    }

    /// Element `i`; each index is taken once.
    fn take(&mut self, i: usize) -> Cow<'a, Value> {
        match self {
            Items::Shared(s) => s.get(i).map_or(Cow::Owned(Value::Nil), Cow::Borrowed),
            Items::Mine(v) => Cow::Owned(v.get_mut(i).map_or(Value::Nil, std::mem::take)),
        }
    }
}

/// Applies the predicate (or, for `count`/`sum` without one, the element itself) to element
/// `index`; returns the predicate's value and the element.
fn apply<'a>(
    pred: Option<&'a Node>,
    items: &mut Items<'a>,
    index: usize,
    ctx: &mut Ctx<'a>,
) -> Result<(Cow<'a, Value>, Cow<'a, Value>), Stop> {
    let item = items.take(index);
    let Some(pred) = pred else {
        return Ok((item.clone(), item));
    };
    ctx.scopes.push(Scope { item, index });
    let out = eval(pred, ctx);
    // Take the element back whatever happened, so the scope stack stays balanced.
    let scope = ctx.scopes.pop();
    let item = scope.map_or(Cow::Owned(Value::Nil), |s| s.item);
    Ok((out?, item))
}

fn predicate_bool(node: &Node, f: PredFn, v: &Value) -> Result<bool, Stop> {
    want_bool(node, v, || format!("predicate of `{}`", f.name()))
}

/// `all`, `any`, `none` (which stop early, as expr does), `one` and `count`.
fn pred_quantifier<'a>(
    node: &'a Node,
    f: PredFn,
    items: &mut Items<'a>,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let mut hits: i64 = 0;
    for i in 0..items.len() {
        let (out, _) = apply(pred, items, i, ctx)?;
        let hit = predicate_bool(node, f, &out)?;
        match (f, hit) {
            (PredFn::All, false) => return owned(Value::Bool(false)),
            (PredFn::Any, true) => return owned(Value::Bool(true)),
            (PredFn::None, true) => return owned(Value::Bool(false)),
            (_, true) => hits += 1,
            _ => {}
        }
    }
    owned(match f {
        PredFn::All | PredFn::None => Value::Bool(true),
        PredFn::Any => Value::Bool(false),
        PredFn::One => Value::Bool(hits == 1),
        _ => Value::Int(hits),
    })
}

fn pred_filter<'a>(
    node: &'a Node,
    f: PredFn,
    items: &mut Items<'a>,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let mut kept = Vec::new();
    for i in 0..items.len() {
        let (out, item) = apply(pred, items, i, ctx)?;
        if predicate_bool(node, f, &out)? {
            kept.push(item.into_owned());
        }
    }
    at(node, ctx.budget.elements(kept.len()))?;
    owned(Value::Array(kept))
}

fn pred_map<'a>(
    node: &'a Node,
    items: &mut Items<'a>,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    at(node, ctx.budget.elements(items.len()))?;
    let mut mapped = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        let (out, _) = apply(pred, items, i, ctx)?;
        mapped.push(out.into_owned());
    }
    owned(Value::Array(mapped))
}

/// `sum(xs)` / `sum(xs, pred)`: `+` from an integer 0, so ints stay ints.
fn pred_sum<'a>(
    node: &'a Node,
    items: &mut Items<'a>,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let mut acc = Value::Int(0);
    for i in 0..items.len() {
        let (out, _) = apply(pred, items, i, ctx)?;
        acc = at(node, ops::arith(ArithOp::Add, &acc, &out))?;
        at(node, ctx.budget.value(&acc))?;
    }
    owned(acc)
}

/// `find`, `findIndex`, `findLast`, `findLastIndex`.
fn pred_find<'a>(
    node: &'a Node,
    f: PredFn,
    items: &mut Items<'a>,
    pred: Option<&'a Node>,
    ctx: &mut Ctx<'a>,
) -> Eval<'a> {
    let n = items.len();
    let backwards = matches!(f, PredFn::FindLast | PredFn::FindLastIndex);
    for k in 0..n {
        let i = if backwards { n - 1 - k } else { k };
        let (out, item) = apply(pred, items, i, ctx)?;
        if predicate_bool(node, f, &out)? {
            return found(f, item, i);
        }
    }
    owned(not_found(f))
}

fn found<'a>(f: PredFn, item: Cow<'a, Value>, index: usize) -> Eval<'a> {
    match f {
        PredFn::FindIndex | PredFn::FindLastIndex => {
            owned(Value::Int(i64::try_from(index).unwrap_or(i64::MAX)))
        }
        _ => Ok(item),
    }
}

fn not_found(f: PredFn) -> Value {
    match f {
        PredFn::FindIndex | PredFn::FindLastIndex => Value::Int(-1),
        _ => Value::Nil,
    }
}
