//! Reading a threshold off a simple analysis condition, so the analysis chart can draw it:
//! `result[0] >= 0.95`, `result < 0.3`, `0.9 <= result[1]`, `asFloat(result) > 2`, optionally
//! guarded by `len(result)` tests (`len(result) > 0 && result[0] >= 0.99`). Anything else
//! (two comparisons, arithmetic, other functions) has no single line to draw: `None`.
//!
//! The condition itself is judged by the analysis module's expression language; this only
//! recognises a shape, never decides a measurement.

use std::sync::LazyLock;

use regex::Regex;

/// A comparison of the measured value with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    fn parse(s: &str) -> Option<Cmp> {
        match s {
            "<" => Some(Cmp::Lt),
            "<=" => Some(Cmp::Le),
            ">" => Some(Cmp::Gt),
            ">=" => Some(Cmp::Ge),
            _ => None,
        }
    }

    /// The same comparison with its sides swapped (`0.9 <= x` is `x >= 0.9`).
    fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
        }
    }

    /// The operator as written in a condition, for the chart's legend.
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// `result[index] cmp value` (`index` is `None` for a bare `result`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// Which element of the measured `result` array is compared.
    pub index: Option<usize>,
    /// The comparison, with the measured value on its left.
    pub cmp: Cmp,
    /// The number the value is compared with, drawn as a horizontal line.
    pub value: f64,
}

const RESULT: &str = r"(?:asFloat\(\s*(result(?:\[\s*\d+\s*\])?)\s*\)|(result(?:\[\s*\d+\s*\])?))";
const OP: &str = r"(<=|>=|<|>)";
const NUM: &str = r"(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)";

static VALUE_FIRST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{RESULT}\s*{OP}\s*{NUM}$")).expect("valid regex"));
static NUMBER_FIRST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{NUM}\s*{OP}\s*{RESULT}$")).expect("valid regex"));
static LEN_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^len\(\s*result\s*\)\s*(==|!=|<=|>=|<|>)\s*\d+$").expect("valid regex")
});

/// The index inside `result[N]`, `None` for `result`.
fn index_of(operand: &str) -> Option<usize> {
    let inner = operand.strip_prefix("result")?.trim();
    let digits = inner.strip_prefix('[')?.strip_suffix(']')?.trim();
    digits.parse().ok()
}

/// One comparison of the result with a number, either way round.
fn comparison(part: &str) -> Option<Threshold> {
    if let Some(c) = VALUE_FIRST.captures(part) {
        let operand = c.get(1).or_else(|| c.get(2))?.as_str();
        return Some(Threshold {
            index: index_of(operand),
            cmp: Cmp::parse(&c[3])?,
            value: c[4].parse().ok()?,
        });
    }
    let c = NUMBER_FIRST.captures(part)?;
    let operand = c.get(3).or_else(|| c.get(4))?.as_str();
    Some(Threshold {
        index: index_of(operand),
        cmp: Cmp::parse(&c[2])?.flip(),
        value: c[1].parse().ok()?,
    })
}

/// The threshold of a simple condition (see the module docs), `None` otherwise.
pub fn parse(condition: &str) -> Option<Threshold> {
    let mut found = None;
    for part in condition.split("&&").flat_map(|p| p.split("||")) {
        let part = part.trim();
        if LEN_GUARD.is_match(part) {
            continue;
        }
        let t = comparison(part)?;
        if found.replace(t).is_some() {
            return None;
        }
    }
    found
}

/// The number a measurement's value holds at `index` (Argo prints vectors as `[0.97]` or
/// `[0.97 0.5]`): `None` for empty vectors, strings, booleans and maps.
pub fn value_of(measured: &str, index: Option<usize>) -> Option<f64> {
    let s = measured.trim();
    let num = |x: &str| x.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|x| !x.is_empty())
            .nth(index.unwrap_or(0))
            .and_then(num),
        None => num(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(index: Option<usize>, cmp: Cmp, value: f64) -> Option<Threshold> {
        Some(Threshold { index, cmp, value })
    }

    #[test]
    fn simple_comparisons_give_their_threshold() {
        let cases = [
            ("result[0] >= 0.95", t(Some(0), Cmp::Ge, 0.95)),
            ("result < 0.3", t(None, Cmp::Lt, 0.3)),
            ("result[1]<=5", t(Some(1), Cmp::Le, 5.0)),
            ("result > -2.5e-1", t(None, Cmp::Gt, -0.25)),
            ("result[ 2 ] > .5", t(Some(2), Cmp::Gt, 0.5)),
            ("asFloat(result) >= 0.99", t(None, Cmp::Ge, 0.99)),
            ("asFloat(result[0]) < 100", t(Some(0), Cmp::Lt, 100.0)),
        ];
        for (cond, want) in cases {
            assert_eq!(parse(cond), want, "{cond}");
        }
    }

    #[test]
    fn a_number_on_the_left_flips_the_comparison() {
        assert_eq!(parse("0.9 <= result[0]"), t(Some(0), Cmp::Ge, 0.9));
        assert_eq!(parse("3 > result"), t(None, Cmp::Lt, 3.0));
    }

    #[test]
    fn len_guards_are_skipped() {
        assert_eq!(
            parse("len(result) > 0 && result[0] >= 0.99"),
            t(Some(0), Cmp::Ge, 0.99)
        );
        assert_eq!(
            parse("len(result) == 0 || result[0] >= 0.95"),
            t(Some(0), Cmp::Ge, 0.95)
        );
    }

    #[test]
    fn anything_else_has_no_single_threshold() {
        for cond in [
            "",
            "result[0] >= 0.95 && result[1] < 3",
            "result == 1",
            "result != 0",
            "result[0] * 100 >= 95",
            "result >= args.threshold",
            "result >= {{args.threshold}}",
            "all(result, {# > 0.9})",
            "len(result) > 0",
            "(result[0] >= 0.95)",
            "default(result, 0) >= 0.9",
            "result.ok == true",
        ] {
            assert_eq!(parse(cond), None, "{cond}");
        }
    }

    #[test]
    fn measured_values_are_read_at_the_threshold_index() {
        assert_eq!(value_of("[0.824]", Some(0)), Some(0.824));
        assert_eq!(value_of("[0.824]", None), Some(0.824));
        assert_eq!(value_of("[1 2.5]", Some(1)), Some(2.5));
        assert_eq!(value_of("[1, 2.5]", Some(1)), Some(2.5));
        assert_eq!(value_of("0.99", None), Some(0.99));
        assert_eq!(value_of("[]", None), None);
        assert_eq!(value_of("[0.5]", Some(3)), None);
        assert_eq!(value_of("true", None), None);
        assert_eq!(value_of("", None), None);
        assert_eq!(value_of("NaN", None), None);
        assert_eq!(value_of("map[a:1]", None), None);
    }
}
