//! Parser: a precedence-climbing parser with expr's operator table.
//!
//! | precedence | operators | associativity |
//! |---|---|---|
//! | 0 | `\|` (pipe: `x \| f(y)` is `f(x, y)`) | left |
//! | 10 | `or` `\|\|` | left |
//! | 15 | `and` `&&` | left |
//! | 20 | `== != < > <= >= in matches contains startsWith endsWith` (and `not in`, ...) | chained |
//! | 25 | `..` | left |
//! | 30 | `+ -` | left |
//! | 50 | unary `not` `!` | prefix |
//! | 60 | `* / %` | left |
//! | 90 | unary `-` `+` | prefix |
//! | 100 | `**` `^` | right |
//! | 500 | `??` (cannot be mixed with other operators without parentheses) | left |
//!
//! The ternary `c ? a : b` (and `c ?: b`) applies to a whole expression only. Comparisons chain
//! as in expr: `1 < x < 3` means `1 < x && x < 3`. Postfix `.name`, `?.name`, `[i]`, `?.[i]` and
//! `[a:b]` bind tightest. Names are resolved here: `result` is the only variable, and anything
//! else must be a known function, so a typo is a compile error, as with expr's typed env.

use regex::RegexBuilder;

use super::ast::{FUNCS, Func, Kind, Node, PRED_FUNCS, PredFn, StrOp, UnaryOp};
use super::diagnostics::{
    arity_error, bad_map_key, bad_pipe, bad_pointer, bad_property, describe, method_call,
    missing_predicate, mixed_coalesce, name_error, pointer_outside, too_deep, unknown_function,
};
use super::lexer::{Tok, Token, number_literal};
use super::ops::{ArithOp, CmpOp};
use super::value::Value;
use super::{ExprError, MAX_DEPTH, REGEX_SIZE_LIMIT};

/// Parses a token stream (as `tokenize` makes it, ending in `Eof`) into a tree.
pub(super) fn parse(mut tokens: Vec<Token>) -> Result<Node, ExprError> {
    if tokens.last().is_none_or(|t| t.tok != Tok::Eof) {
        // Keep the "always ends with Eof" invariant the accessors below rely on.
        let col = tokens.last().map_or(1, |t| t.col + 1);
        tokens.push(Token { tok: Tok::Eof, col });
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        predicate_depth: 0,
    };
    let node = p.expr(0)?;
    if !matches!(p.tok(), Tok::Eof) {
        return Err(p.unexpected());
    }
    Ok(node)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Current recursion depth of `expr`, bounded by `MAX_DEPTH`.
    depth: usize,
    /// How many predicates enclose the current position (`#` is only valid inside one).
    predicate_depth: usize,
}

/// Binary operator precedence (see the module table); `None` if not a binary operator.
fn binary_precedence(op: &str) -> Option<usize> {
    Some(match op {
        "|" => 0,
        "or" | "||" => 10,
        "and" | "&&" => 15,
        "==" | "!=" | "<" | ">" | "<=" | ">=" | "in" | "matches" | "contains" | "startsWith"
        | "endsWith" => COMPARISON,
        ".." => 25,
        "+" | "-" => 30,
        "*" | "/" | "%" => 60,
        "**" | "^" => 100,
        "??" => 500,
        _ => return None,
    })
}

const COMPARISON: usize = 20;
const UNARY_NOT: usize = 50;
const UNARY_SIGN: usize = 90;

/// Operators that `not` may negate in infix position: `a not in b`.
fn negatable(op: &str) -> bool {
    matches!(
        op,
        "in" | "matches" | "contains" | "startsWith" | "endsWith"
    )
}

impl Parser {
    fn tok(&self) -> &Tok {
        // The stream always ends with Eof and `advance` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn col(&self) -> usize {
        self.tokens[self.pos.min(self.tokens.len() - 1)].col
    }

    fn peek_tok(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].tok
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.tok(), Tok::Op(o) if *o == op)
    }

    fn unexpected(&self) -> ExprError {
        let hint = match self.tok() {
            Tok::Op("=") => " (did you mean `==`?)",
            _ => "",
        };
        let message = match self.tok() {
            Tok::Eof => "unexpected end of expression".to_string(),
            t => format!("unexpected {}{hint}", describe(t)),
        };
        ExprError::at_col(self.col(), message)
    }

    fn expect(&mut self, op: &str) -> Result<(), ExprError> {
        if self.is_op(op) {
            self.advance();
            Ok(())
        } else {
            let found = describe(self.tok());
            Err(ExprError::at_col(
                self.col(),
                format!("expected `{op}` but found {found}"),
            ))
        }
    }

    fn node(&self, kind: Kind, col: usize) -> Result<Node, ExprError> {
        Node::new(kind, col, MAX_DEPTH)
    }

    /// An expression whose binary operators all bind at least as tightly as `min_prec`.
    ///
    /// The recursive methods of this parser keep their frames small (errors are built in
    /// separate cold functions) so that [`MAX_DEPTH`] levels fit easily in a thread's stack,
    /// even in debug builds.
    fn expr(&mut self, min_prec: usize) -> Result<Node, ExprError> {
        self.enter(min_prec)?;
        let mut left = self.primary()?;
        let mut after_coalesce = false;
        while let Some((op, negate, prec)) = self.binary_operator(min_prec)? {
            let col = self.col();
            if after_coalesce && op != "??" {
                return Err(mixed_coalesce(op, col));
            }
            self.advance();
            if negate {
                self.advance();
            }
            left = self.binary_rhs(left, op, negate, prec, col)?;
            after_coalesce = op == "??";
        }
        if min_prec == 0 {
            left = self.ternary(left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    /// Counts one level of nesting and rejects statements this language subset lacks.
    fn enter(&mut self, min_prec: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(self.col()));
        }
        if min_prec == 0 {
            match self.tok() {
                Tok::Op("let") => return Err(self.unsupported("`let` variables are not supported")),
                Tok::Op("if") => {
                    return Err(self.unsupported(
                        "`if`/`else` expressions are not supported; use `cond ? a : b`",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The binary operator at the current token, if it binds at least as tightly as
    /// `min_prec`: (operator, negated by a preceding `not`, precedence).
    fn binary_operator(
        &self,
        min_prec: usize,
    ) -> Result<Option<(&'static str, bool, usize)>, ExprError> {
        let (op, negate) = match self.tok() {
            Tok::Op("not") => match self.peek_tok(1) {
                Tok::Op(next) if negatable(next) => (*next, true),
                _ => return Err(self.unexpected()),
            },
            Tok::Op(op) if binary_precedence(op).is_some() => (*op, false),
            _ => return Ok(None),
        };
        let prec = binary_precedence(op).unwrap_or(0);
        Ok((prec >= min_prec).then_some((op, negate, prec)))
    }

    /// Parses what follows a binary operator and combines it with `left`.
    fn binary_rhs(
        &mut self,
        left: Node,
        op: &'static str,
        negate: bool,
        prec: usize,
        col: usize,
    ) -> Result<Node, ExprError> {
        if op == "|" {
            return self.pipe(left);
        }
        if prec == COMPARISON {
            return self.comparison(left, op, negate, col);
        }
        // `**` is right-associative: its right operand may contain another `**`.
        let right_prec = if op == "**" || op == "^" {
            prec
        } else {
            prec + 1
        };
        let right = self.expr(right_prec)?;
        self.binary(op, left, right, col)
    }

    fn unsupported(&self, what: &str) -> ExprError {
        ExprError::at_col(self.col(), what.to_string())
    }

    fn binary(&self, op: &str, l: Node, r: Node, col: usize) -> Result<Node, ExprError> {
        let (l, r) = (Box::new(l), Box::new(r));
        let kind = match op {
            "or" | "||" => Kind::Or(l, r),
            "and" | "&&" => Kind::And(l, r),
            "??" => Kind::Coalesce(l, r),
            ".." => Kind::Range(l, r),
            "+" => Kind::Arith(ArithOp::Add, l, r),
            "-" => Kind::Arith(ArithOp::Sub, l, r),
            "*" => Kind::Arith(ArithOp::Mul, l, r),
            "/" => Kind::Arith(ArithOp::Div, l, r),
            "%" => Kind::Arith(ArithOp::Mod, l, r),
            _ => Kind::Arith(ArithOp::Pow, l, r),
        };
        self.node(kind, col)
    }

    /// `left OP right [OP2 right2 ...]`: a chain of comparisons joined by `&&`.
    fn comparison(
        &mut self,
        mut left: Node,
        mut op: &'static str,
        mut negate: bool,
        mut col: usize,
    ) -> Result<Node, ExprError> {
        let mut root: Option<Node> = None;
        loop {
            let right = self.expr(COMPARISON + 1)?;
            let next_left = right.clone();
            let mut cmp = self.compare_node(op, left, right, col)?;
            if negate {
                cmp = self.node(Kind::Unary(UnaryOp::Not, Box::new(cmp)), col)?;
            }
            root = Some(match root {
                None => cmp,
                Some(prev) => self.node(Kind::And(Box::new(prev), Box::new(cmp)), col)?,
            });
            match self.tok() {
                Tok::Op(next) if binary_precedence(next) == Some(COMPARISON) => {
                    op = next;
                    negate = false;
                    col = self.col();
                    self.advance();
                    left = next_left;
                }
                _ => break,
            }
        }
        // The loop runs at least once.
        root.ok_or_else(|| self.unexpected())
    }

    fn compare_node(&self, op: &str, l: Node, r: Node, col: usize) -> Result<Node, ExprError> {
        let kind = match op {
            "==" | "!=" => Kind::Eq {
                left: Box::new(l),
                right: Box::new(r),
                negate: op == "!=",
            },
            "<" => Kind::Cmp(CmpOp::Lt, Box::new(l), Box::new(r)),
            "<=" => Kind::Cmp(CmpOp::Le, Box::new(l), Box::new(r)),
            ">" => Kind::Cmp(CmpOp::Gt, Box::new(l), Box::new(r)),
            ">=" => Kind::Cmp(CmpOp::Ge, Box::new(l), Box::new(r)),
            "in" => Kind::In(Box::new(l), Box::new(r)),
            "contains" => Kind::StrTest(StrOp::Contains, Box::new(l), Box::new(r)),
            "startsWith" => Kind::StrTest(StrOp::StartsWith, Box::new(l), Box::new(r)),
            "endsWith" => Kind::StrTest(StrOp::EndsWith, Box::new(l), Box::new(r)),
            _ => match r.as_lit() {
                // A constant pattern is compiled now, so a bad regex is a compile error.
                Some(Value::String(pattern)) => {
                    let re = RegexBuilder::new(pattern)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .dfa_size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| {
                            ExprError::at_col(r.col, format!("invalid regular expression: {e}"))
                        })?;
                    Kind::MatchesConst(Box::new(l), Box::new(re))
                }
                _ => Kind::Matches(Box::new(l), Box::new(r)),
            },
        };
        self.node(kind, col)
    }

    /// `c ? a : b` and `c ?: b`.
    fn ternary(&mut self, cond: Node) -> Result<Node, ExprError> {
        let mut node = cond;
        while self.is_op("?") {
            let col = self.col();
            self.advance();
            let then = if self.is_op(":") {
                None
            } else {
                Some(Box::new(self.expr(0)?))
            };
            self.expect(":")?;
            let otherwise = Box::new(self.expr(0)?);
            node = self.node(
                Kind::Cond {
                    cond: Box::new(node),
                    then,
                    otherwise,
                },
                col,
            )?;
        }
        Ok(node)
    }

    /// `x | f(args)`: the left side becomes the first argument.
    fn pipe(&mut self, left: Node) -> Result<Node, ExprError> {
        let col = self.col();
        let Tok::Ident(name) = self.tok().clone() else {
            return Err(bad_pipe(self.tok(), col));
        };
        self.advance();
        if !self.is_op("(") {
            return Err(bad_pipe(self.tok(), self.col()));
        }
        self.call(&name, Some(left), col)
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let col = self.col();
        let node = match self.tok() {
            Tok::Op(op @ ("not" | "!" | "-" | "+")) => {
                let op = *op;
                self.advance();
                self.unary(op, col)?
            }
            Tok::Op("(") => {
                self.advance();
                let inner = self.expr(0)?;
                self.expect(")")?;
                inner
            }
            Tok::Pointer(_) | Tok::Op(".") => self.pointer(col)?,
            Tok::Op("::") => return Err(self.unsupported("`::` calls are not supported")),
            _ => return self.secondary(),
        };
        self.postfix(node)
    }

    /// The operand of a prefix operator, combined with it.
    fn unary(&mut self, op: &str, col: usize) -> Result<Node, ExprError> {
        let prec = if op == "-" || op == "+" {
            UNARY_SIGN
        } else {
            UNARY_NOT
        };
        let operand = self.expr(prec)?;
        let kind = match (op, operand.as_lit()) {
            // Fold signs on number literals: `-1` is a constant, and `isNaN(-1)` sees an
            // integer literal it can promote.
            ("-", Some(Value::Int(i))) => Kind::Lit(Value::Int(i.wrapping_neg())),
            ("-", Some(Value::Float(f))) => Kind::Lit(Value::Float(-f)),
            ("+", Some(Value::Int(_) | Value::Float(_))) => return Ok(operand),
            ("-", _) => Kind::Unary(UnaryOp::Neg, Box::new(operand)),
            ("+", _) => Kind::Unary(UnaryOp::Plus, Box::new(operand)),
            _ => Kind::Unary(UnaryOp::Not, Box::new(operand)),
        };
        self.node(kind, col)
    }

    /// `#`, `#index`, or the implicit `#` of `.field`, inside a predicate.
    fn pointer(&mut self, col: usize) -> Result<Node, ExprError> {
        let name = match self.tok() {
            Tok::Pointer(name) => Some(name.as_str()),
            _ => None, // `.field`: the dot is left for `postfix`
        };
        if self.predicate_depth == 0 {
            return Err(pointer_outside(name, col));
        }
        let kind = match name {
            None | Some("") => Kind::Pointer,
            Some("index") => Kind::PointerIndex,
            Some(other) => return Err(bad_pointer(other, col)),
        };
        if name.is_some() {
            self.advance();
        }
        self.node(kind, col)
    }

    fn secondary(&mut self) -> Result<Node, ExprError> {
        let col = self.col();
        let node = match self.tok() {
            Tok::Ident(_) => self.identifier(col)?,
            Tok::Number(_) | Tok::Str(_) => self.literal(col)?,
            Tok::Op("[") => self.array()?,
            Tok::Op("{") => self.map()?,
            _ => return Err(self.unexpected()),
        };
        self.postfix(node)
    }

    /// A name: a constant, `result`, or a function call.
    fn identifier(&mut self, col: usize) -> Result<Node, ExprError> {
        let Tok::Ident(name) = self.tok().clone() else {
            return Err(self.unexpected());
        };
        self.advance();
        let kind = match name.as_str() {
            "true" => Kind::Lit(Value::Bool(true)),
            "false" => Kind::Lit(Value::Bool(false)),
            "nil" => Kind::Lit(Value::Nil),
            _ if self.is_op("(") => return self.call(&name, None, col),
            "result" => Kind::Result,
            _ => {
                let mut e = name_error(&name, col);
                // A variable Argo's environment lacks: expr-lang's compiler, given that
                // environment, refuses it as well (`unknown name results (1:1)`).
                e.argo_rejects = e.message.starts_with("unknown name");
                return Err(e);
            }
        };
        self.node(kind, col)
    }

    /// A number or string literal.
    fn literal(&mut self, col: usize) -> Result<Node, ExprError> {
        let v = match self.tok() {
            Tok::Number(text) => number_literal(text, col)?,
            Tok::Str(s) => Value::String(s.clone()),
            _ => return Err(self.unexpected()),
        };
        self.advance();
        self.node(Kind::Lit(v), col)
    }

    fn array(&mut self) -> Result<Node, ExprError> {
        let col = self.col();
        self.expect("[")?;
        let mut items = Vec::new();
        while !self.is_op("]") {
            if !items.is_empty() {
                self.expect(",")?;
                if self.is_op("]") {
                    break; // trailing comma
                }
            }
            items.push(self.expr(0)?);
        }
        self.expect("]")?;
        self.array_node(items, col)
    }

    /// An array node; an all-constant array is itself a constant, so that
    /// `result in [1, 2]` allocates nothing at evaluation.
    fn array_node(&self, items: Vec<Node>, col: usize) -> Result<Node, ExprError> {
        if items.iter().all(|n| n.as_lit().is_some()) {
            let values = items
                .into_iter()
                .filter_map(|n| match n.kind {
                    Kind::Lit(v) => Some(v),
                    _ => None,
                })
                .collect();
            return self.node(Kind::Lit(Value::Array(values)), col);
        }
        self.node(Kind::Array(items), col)
    }

    fn map(&mut self) -> Result<Node, ExprError> {
        let col = self.col();
        self.expect("{")?;
        let mut pairs = Vec::new();
        while !self.is_op("}") {
            if !pairs.is_empty() {
                self.expect(",")?;
                if self.is_op("}") {
                    break; // trailing comma
                }
            }
            let key = self.map_key()?;
            self.expect(":")?;
            let value = self.expr(0)?;
            pairs.push((key, value));
        }
        self.expect("}")?;
        self.node(Kind::Map(pairs), col)
    }

    /// A map key: bare names and numbers are string keys, as in expr (`{a: 1, 2: "b"}`);
    /// a parenthesized expression is computed.
    fn map_key(&mut self) -> Result<Node, ExprError> {
        let col = self.col();
        match self.tok() {
            Tok::Ident(k) | Tok::Number(k) | Tok::Str(k) => {
                let k = k.clone();
                self.advance();
                self.node(Kind::Lit(Value::String(k)), col)
            }
            Tok::Op("(") => self.expr(0),
            t => Err(bad_map_key(t, col)),
        }
    }

    /// Member access, indexing, slicing and optional chaining after an operand.
    fn postfix(&mut self, mut node: Node) -> Result<Node, ExprError> {
        let mut chained = false;
        loop {
            let optional = self.is_op("?.");
            if optional || self.is_op(".") {
                let col = self.col();
                self.advance();
                chained |= optional;
                node = if optional && self.is_op("[") {
                    self.index(node, true)?
                } else {
                    self.property(node, optional, col)?
                };
            } else if self.is_op("[") {
                node = self.index(node, false)?;
            } else {
                break;
            }
        }
        if chained {
            let col = node.col;
            node = self.node(Kind::Chain(Box::new(node)), col)?;
        }
        Ok(node)
    }

    /// `.name` / `?.name`; the dot has been consumed.
    fn property(&mut self, base: Node, optional: bool, col: usize) -> Result<Node, ExprError> {
        let name_col = self.col();
        let name = match self.tok() {
            Tok::Ident(n) => n.clone(),
            // Keyword operators are valid property names: `result.in`.
            Tok::Op(k) if k.chars().all(char::is_alphabetic) => k.to_string(),
            t => return Err(bad_property(t, name_col)),
        };
        self.advance();
        if self.is_op("(") {
            return Err(method_call(&name, name_col));
        }
        let key = self.node(Kind::Lit(Value::String(name)), name_col)?;
        self.node(
            Kind::Member {
                base: Box::new(base),
                key: Box::new(key),
                optional,
            },
            col,
        )
    }

    /// `[i]`, `[a:b]`, `[:b]`, `[a:]`, `[:]`; the current token is `[`.
    fn index(&mut self, base: Node, optional: bool) -> Result<Node, ExprError> {
        let col = self.col();
        self.expect("[")?;
        let from = if self.is_op(":") {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        let kind = if !optional && self.is_op(":") {
            self.advance();
            let to = if self.is_op("]") {
                None
            } else {
                Some(Box::new(self.expr(0)?))
            };
            Kind::Slice {
                base: Box::new(base),
                from,
                to,
            }
        } else {
            match from {
                Some(key) => Kind::Member {
                    base: Box::new(base),
                    key,
                    optional,
                },
                None => return Err(self.unexpected()),
            }
        };
        self.expect("]")?;
        self.node(kind, col)
    }

    /// `name(args)`; `piped` is the left side of `x | name(...)`. The current token is `(`.
    fn call(&mut self, name: &str, piped: Option<Node>, col: usize) -> Result<Node, ExprError> {
        if let Some(&(_, f, optional_pred)) = PRED_FUNCS.iter().find(|(n, ..)| *n == name) {
            return self.predicate_call(f, optional_pred, piped, col);
        }
        let Some(&(_, func, min, max)) = FUNCS.iter().find(|(n, ..)| *n == name) else {
            return Err(unknown_function(name, col));
        };
        let mut args = self.arguments(piped)?;
        if args.len() < min || args.len() > max {
            return Err(arity_error(name, min, max, args.len(), col));
        }
        if matches!(func, Func::IsNaN | Func::IsInf) {
            // expr's checker turns an integer literal passed to a float64 parameter into a
            // float literal; other integers reach the Go function and fail there.
            if let Some(Value::Int(i)) = args[0].as_lit() {
                let f = *i as f64;
                args[0].kind = Kind::Lit(Value::Float(f));
            }
        }
        self.node(Kind::Call(func, args), col)
    }

    /// `(a, b, ...)` after a function name, with a piped-in first argument if any.
    fn arguments(&mut self, piped: Option<Node>) -> Result<Vec<Node>, ExprError> {
        let mut args: Vec<Node> = piped.into_iter().collect();
        let first_own = args.len();
        self.expect("(")?;
        while !self.is_op(")") {
            if args.len() > first_own {
                self.expect(",")?;
                if self.is_op(")") {
                    break; // trailing comma
                }
            }
            args.push(self.expr(0)?);
        }
        self.expect(")")?;
        Ok(args)
    }

    fn predicate_call(
        &mut self,
        f: PredFn,
        optional_pred: bool,
        piped: Option<Node>,
        col: usize,
    ) -> Result<Node, ExprError> {
        self.expect("(")?;
        let piped_in = piped.is_some();
        let coll = match piped {
            Some(c) => c,
            None => self.expr(0)?,
        };
        let mut pred = None;
        let missing = (!piped_in && !self.is_op(",")) || (piped_in && self.is_op(")"));
        if !missing {
            if !piped_in {
                self.expect(",")?;
            }
            if !self.is_op(")") {
                pred = Some(Box::new(self.predicate()?));
            }
            if self.is_op(",") {
                self.advance(); // trailing comma
            }
        }
        self.expect(")")?;
        if pred.is_none() && !optional_pred {
            return Err(missing_predicate(f, col));
        }
        self.node(Kind::Predicate(f, Box::new(coll), pred), col)
    }

    /// A predicate: `{ expr }` or a bare expression, where `#` and `.field` are allowed.
    fn predicate(&mut self) -> Result<Node, ExprError> {
        self.predicate_depth += 1;
        let braced = self.is_op("{");
        if braced {
            self.advance();
        }
        let node = self.expr(0)?;
        if braced {
            self.expect("}")?;
        }
        self.predicate_depth -= 1;
        Ok(node)
    }
}
