//! Compile-time diagnostics: the messages for malformed conditions.
//!
//! They live apart from the parser for two reasons: the parser stays about grammar, and its
//! recursive methods keep small stack frames, since building a message (`format!`) in place
//! would enlarge the frame of every nesting level, even when no error occurs.

use super::ExprError;
use super::MAX_DEPTH;
use super::ast::{FUNCS, PRED_FUNCS, PredFn, UNSUPPORTED_FUNCS};
use super::lexer::Tok;

/// A token as error messages show it.
pub(super) fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(n) => format!("`{n}`"),
        Tok::Number(t) => format!("`{t}`"),
        Tok::Str(s) => format!("string {s:?}"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Pointer(n) => format!("`#{n}`"),
        Tok::Eof => "end of expression".to_string(),
    }
}

#[cold]
#[inline(never)]
pub(super) fn too_deep(col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
    )
}

#[cold]
#[inline(never)]
pub(super) fn mixed_coalesce(op: &str, col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!("operator `{op}` and `??` cannot be mixed; wrap either in parentheses"),
    )
}

#[cold]
#[inline(never)]
pub(super) fn bad_pipe(found: &Tok, col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!(
            "expected a function call after `|` but found {}",
            describe(found)
        ),
    )
}

#[cold]
#[inline(never)]
pub(super) fn pointer_outside(name: Option<&str>, col: usize) -> ExprError {
    let what = match name {
        Some(n) => format!("`#{n}`"),
        None => "`.field`".to_string(),
    };
    ExprError::at_col(
        col,
        format!("cannot use {what} outside a predicate (such as `all(result, # > 1)`)"),
    )
}

#[cold]
#[inline(never)]
pub(super) fn bad_pointer(name: &str, col: usize) -> ExprError {
    let message = if name == "acc" {
        "`#acc` belongs to `reduce`, which is not supported".to_string()
    } else {
        format!("unknown pointer `#{name}` (use `#` or `#index`)")
    };
    ExprError::at_col(col, message)
}

#[cold]
#[inline(never)]
pub(super) fn bad_map_key(found: &Tok, col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!(
            "a map key must be a name, a string, a number or a parenthesized expression (found {})",
            describe(found)
        ),
    )
}

#[cold]
#[inline(never)]
pub(super) fn bad_property(found: &Tok, col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!(
            "expected a property name after `.` but found {}",
            describe(found)
        ),
    )
}

#[cold]
#[inline(never)]
pub(super) fn method_call(name: &str, col: usize) -> ExprError {
    ExprError::at_col(
        col,
        format!("method calls are not supported (`.{name}(...)`)"),
    )
}

#[cold]
#[inline(never)]
pub(super) fn unknown_function(name: &str, col: usize) -> ExprError {
    match UNSUPPORTED_FUNCS.iter().find(|(n, _)| *n == name) {
        Some((_, why)) => {
            ExprError::at_col(col, format!("function `{name}` is not supported: {why}"))
        }
        None if name == "result" => ExprError::at_col(col, "`result` is a value, not a function"),
        None => name_error(name, col),
    }
}

#[cold]
#[inline(never)]
pub(super) fn arity_error(name: &str, min: usize, max: usize, got: usize, col: usize) -> ExprError {
    let expected = match (min, max) {
        (a, b) if a == b => format!("{a}"),
        (a, usize::MAX) => format!("at least {a}"),
        (a, b) => format!("{a} to {b}"),
    };
    let plural = if min == 1 && (max == 1 || max == usize::MAX) {
        ""
    } else {
        "s"
    };
    ExprError::at_col(
        col,
        format!("`{name}` takes {expected} argument{plural}, got {got}"),
    )
}

#[cold]
#[inline(never)]
pub(super) fn missing_predicate(f: PredFn, col: usize) -> ExprError {
    let name = f.name();
    ExprError::at_col(
        col,
        format!(
            "`{name}` needs a predicate as its second argument, as in `{name}(result, # > 0.9)`"
        ),
    )
}

/// The error for a name that is neither `result` nor a function.
#[cold]
#[inline(never)]
pub(super) fn name_error(name: &str, col: usize) -> ExprError {
    if FUNCS.iter().any(|(n, ..)| *n == name) || PRED_FUNCS.iter().any(|(n, ..)| *n == name) {
        return ExprError::at_col(
            col,
            format!("`{name}` is a function: call it, as in `{name}(...)`"),
        );
    }
    if let Some((_, why)) = UNSUPPORTED_FUNCS.iter().find(|(n, _)| *n == name) {
        return ExprError::at_col(col, format!("function `{name}` is not supported: {why}"));
    }
    if name == "$env" {
        return ExprError::at_col(
            col,
            "`$env` is not supported; the only variable is `result`".to_string(),
        );
    }
    let candidates = std::iter::once("result")
        .chain(FUNCS.iter().map(|(n, ..)| *n))
        .chain(PRED_FUNCS.iter().map(|(n, ..)| *n));
    let best = candidates
        .map(|c| (edit_distance(name, c), c))
        // Close enough to be a typo: `reslt`, `Result`, `lenn`; not `foo` for `floor`.
        .filter(|(d, _)| *d <= 2 && d * 3 <= name.chars().count() + 1)
        .min_by_key(|(d, _)| *d);
    let hint = match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => " (the only variable is `result`)".to_string(),
    };
    ExprError::at_col(col, format!("unknown name `{name}`{hint}"))
}

/// Levenshtein distance, case-insensitive (so `Result` suggests `result`).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("reslt", "result"), 1);
        assert_eq!(edit_distance("Result", "result"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
