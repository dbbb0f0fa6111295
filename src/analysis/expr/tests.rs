//! Unit tests: every construct, with values shaped as providers produce them and conditions
//! as Argo users write them.

use std::collections::BTreeMap;

use super::*;

fn f(x: f64) -> Value {
    Value::Float(x)
}

fn floats(xs: &[f64]) -> Value {
    Value::Array(xs.iter().map(|x| Value::Float(*x)).collect())
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Evaluates `src` against `result`.
fn ev(src: &str, result: &Value) -> Value {
    match Program::compile(src) {
        Ok(p) => p
            .eval(result)
            .unwrap_or_else(|e| panic!("eval of {src:?} failed: {e}")),
        Err(e) => panic!("compile of {src:?} failed: {e}"),
    }
}

/// Evaluates a condition against `result`.
fn cond(src: &str, result: &Value) -> bool {
    eval_condition(src, result).unwrap_or_else(|e| panic!("{src:?} failed: {e}"))
}

/// Evaluates a condition that must hold with `result` nil.
fn holds(src: &str) -> bool {
    cond(src, &Value::Nil)
}

/// The error message of a condition that must fail.
fn err(src: &str, result: &Value) -> String {
    match eval_condition(src, result) {
        Ok(v) => panic!("{src:?} should fail but gave {v}"),
        Err(e) => e.message,
    }
}

/// The error of a condition that must fail to compile.
fn compile_err(src: &str) -> ExprError {
    match Program::compile(src) {
        Ok(p) => panic!("{src:?} should not compile: {p:?}"),
        Err(e) => e,
    }
}

// ---- Conditions as Argo users write them -------------------------------------------------

#[test]
fn prometheus_vector_threshold() {
    assert!(cond("result[0] >= 0.95", &floats(&[0.97])));
    assert!(!cond("result[0] >= 0.95", &floats(&[0.5])));
    assert!(cond("result[0] >= 0.95", &floats(&[0.95])));
}

#[test]
fn empty_vector_guard() {
    let c = "len(result) == 0 || result[0] >= 0.95";
    assert!(cond(c, &floats(&[])));
    assert!(cond(c, &floats(&[0.99])));
    assert!(!cond(c, &floats(&[0.9])));
}

#[test]
fn job_exit_code_with_as_int() {
    assert!(cond("asInt(result) == 1", &f(1.0)));
    assert!(cond("asInt(result) == 1", &s("1")));
    assert!(cond("asInt(result) == 1", &Value::Int(1)));
    assert!(!cond("asInt(result) == 1", &f(0.0)));
    // Truncation, as Go's int64(f).
    assert!(cond("asInt(result) == 1", &f(1.9)));
    assert!(cond("asInt(result) == -1", &f(-1.9)));
}

#[test]
fn datadog_default() {
    assert!(cond("default(result, 0) < 0.05", &Value::Nil));
    assert!(cond("default(result, 0) < 0.05", &f(0.01)));
    assert!(!cond("default(result, 0) < 0.05", &f(0.1)));
}

#[test]
fn web_provider_map() {
    let r = map(&[("status", s("ok")), ("latency", f(120.0))]);
    assert!(cond("result.status == 'ok' && result.latency < 200", &r));
    let slow = map(&[("status", s("ok")), ("latency", f(250.0))]);
    assert!(!cond(
        "result.status == 'ok' && result.latency < 200",
        &slow
    ));
    assert!(cond(r#"result["status"] == "ok""#, &r));
}

#[test]
fn nan_checks() {
    assert!(cond("isNaN(result[0])", &floats(&[f64::NAN])));
    assert!(!cond("isNaN(result[0])", &floats(&[0.5])));
    assert!(cond("isInf(result)", &f(f64::INFINITY)));
    assert!(cond("isInf(result)", &f(f64::NEG_INFINITY)));
    assert!(!cond("isInf(result)", &f(1.0)));
}

#[test]
fn predicate_forms() {
    let r = floats(&[0.95, 0.99]);
    assert!(cond("all(result, {# > 0.9})", &r));
    assert!(cond("all(result, # > 0.9)", &r));
    assert!(!cond("all(result, # > 0.96)", &r));
    assert!(cond("all(result, # > 0.9)", &floats(&[])));
}

#[test]
fn substituted_args() {
    assert!(holds("0 == 0"));
    assert!(!holds("1 == 0"));
    assert!(holds("'It worked!' == 'It worked!'"));
}

#[test]
fn membership_in_literal_array() {
    assert!(cond("result in [1, 2]", &f(1.0)));
    assert!(cond("result in [1, 2]", &f(2.0)));
    assert!(!cond("result in [1, 2]", &f(3.0)));
    assert!(cond("result not in [1, 2]", &f(3.0)));
}

#[test]
fn secret_string_result() {
    assert!(cond("result == 'It worked!'", &s("It worked!")));
    assert!(!cond("result == 'It worked!'", &s("nope")));
}

// ---- Errors ------------------------------------------------------------------------------

#[test]
fn unknown_name_suggests() {
    let e = compile_err("reslt > 1");
    assert_eq!(e.message, "unknown name `reslt` (did you mean `result`?)");
    assert_eq!(e.column, Some(1));
    assert_eq!(
        e.to_string(),
        "unknown name `reslt` (did you mean `result`?) (at column 1)"
    );
    assert_eq!(compile_err("1 + Result").column, Some(5));
    assert!(
        compile_err("foo")
            .message
            .contains("the only variable is `result`")
    );
    assert!(
        compile_err("lenn(result)")
            .message
            .contains("did you mean `len`")
    );
    assert!(compile_err("len").message.contains("is a function"));
}

#[test]
fn wrong_types() {
    assert_eq!(
        err("result < 'a'", &f(1.0)),
        "cannot compare float and string (`<` needs two numbers or two strings)"
    );
    assert!(err("result + 1", &s("a")).contains("cannot apply `+` to string and int"));
    assert!(err("result && true", &f(1.0)).contains("left operand of `&&` must be a bool"));
    assert!(err("!result", &f(1.0)).contains("must be a bool"));
    assert!(err("result contains 'a'", &f(1.0)).contains("must be a string"));
    assert!(err("len(result) > 0", &f(1.0)).contains("`len` needs an array"));
    assert!(err("nil < 1", &Value::Nil).contains("cannot compare nil and int"));
}

#[test]
fn index_out_of_range() {
    assert_eq!(
        err("result[0] > 1", &floats(&[])),
        "index 0 out of range (len 0)"
    );
    assert_eq!(
        err("result[-3] > 1", &floats(&[1.0, 2.0])),
        "index -3 out of range (len 2)"
    );
    let e = eval_condition("1 < result[2]", &floats(&[1.0])).unwrap_err();
    assert_eq!(e.column, Some(11));
}

#[test]
fn non_bool_result() {
    assert_eq!(err("result", &f(1.0)), "expected bool, but got float64");
    assert_eq!(err("result", &Value::Nil), "expected bool, but got <nil>");
    assert_eq!(err("1 + 1", &Value::Nil), "expected bool, but got int");
    assert_eq!(err("'x'", &Value::Nil), "expected bool, but got string");
    assert_eq!(
        err("result", &floats(&[1.0])),
        "expected bool, but got []interface {}"
    );
    assert_eq!(
        err("result", &map(&[])),
        "expected bool, but got map[string]interface {}"
    );
}

#[test]
fn syntax_errors() {
    assert_eq!(compile_err("").message, "unexpected end of expression");
    assert_eq!(compile_err("1 +").message, "unexpected end of expression");
    assert_eq!(
        compile_err("(1").message,
        "expected `)` but found end of expression"
    );
    let e = compile_err("result = 1");
    assert!(e.message.contains("did you mean `==`"), "{e}");
    assert_eq!(e.column, Some(8));
    assert!(
        compile_err("result & 1")
            .message
            .contains("did you mean `&&`")
    );
    assert!(compile_err("'abc").message.contains("unterminated string"));
    assert!(compile_err("1abc").message.contains("bad number syntax"));
    assert!(compile_err("/* x").message.contains("unclosed comment"));
    assert!(
        compile_err("result @ 1")
            .message
            .contains("unrecognized character `@`")
    );
    assert!(compile_err("'\\q'").message.contains("invalid escape"));
    assert!(compile_err("result[]").message.contains("unexpected `]`"));
    assert_eq!(
        compile_err("[1, 2").message,
        "expected `,` but found end of expression"
    );
    assert!(
        compile_err("result not 1")
            .message
            .contains("unexpected `not`")
    );
    assert!(compile_err("1 2").message.contains("unexpected `2`"));
    assert!(compile_err("{[1]: 2}").message.contains("map key"));
    assert!(
        compile_err("result matches '('")
            .message
            .contains("invalid regular expression")
    );
}

#[test]
fn arity_errors() {
    assert_eq!(
        compile_err("len()").message,
        "`len` takes 1 argument, got 0"
    );
    assert_eq!(
        compile_err("asInt(1, 2)").message,
        "`asInt` takes 1 argument, got 2"
    );
    assert_eq!(
        compile_err("default(result)").message,
        "`default` takes 2 arguments, got 1"
    );
    assert_eq!(
        compile_err("max()").message,
        "`max` takes at least 1 argument, got 0"
    );
    assert!(
        compile_err("all(result)")
            .message
            .contains("needs a predicate")
    );
    assert!(
        compile_err("split('a')")
            .message
            .contains("2 to 3 arguments")
    );
}

#[test]
fn unsupported_constructs() {
    assert!(compile_err("let x = 1; x > 0").message.contains("`let`"));
    assert!(
        compile_err("if true { 1 } else { 2 }")
            .message
            .contains("`if`")
    );
    assert!(
        compile_err("now() > 0")
            .message
            .contains("`now` is not supported")
    );
    assert!(
        compile_err("reduce(result, #acc + #)")
            .message
            .contains("not supported")
    );
    assert!(compile_err("result.Foo()").message.contains("method calls"));
    assert!(compile_err("$env.result").message.contains("`$env`"));
    assert!(
        compile_err("filter(result, #acc > 1)")
            .message
            .contains("`#acc`")
    );
    assert!(compile_err("# > 1").message.contains("outside a predicate"));
    assert!(
        compile_err(".a > 1")
            .message
            .contains("outside a predicate")
    );
    assert!(compile_err("result(1)").message.contains("not a function"));
    assert!(
        compile_err("toJSON(result)")
            .message
            .contains("not supported")
    );
}

// ---- Literals ----------------------------------------------------------------------------

#[test]
fn number_literals() {
    let r = &Value::Nil;
    assert_eq!(ev("42", r), Value::Int(42));
    assert_eq!(ev("1_000", r), Value::Int(1000));
    assert_eq!(ev("0x1F", r), Value::Int(31));
    assert_eq!(ev("0o17", r), Value::Int(15));
    assert_eq!(ev("0b101", r), Value::Int(5));
    assert_eq!(ev("0.95", r), f(0.95));
    assert_eq!(ev(".5", r), f(0.5));
    assert_eq!(ev("1e3", r), f(1000.0));
    assert_eq!(ev("1.5e-3", r), f(0.0015));
    assert_eq!(ev("-1", r), Value::Int(-1));
    assert_eq!(ev("- 2.5", r), f(-2.5));
    assert!(
        compile_err("9223372036854775808")
            .message
            .contains("too large")
    );
}

#[test]
fn string_literals() {
    let r = &Value::Nil;
    assert_eq!(ev(r#""a\"b""#, r), s("a\"b"));
    assert_eq!(ev(r"'it\'s'", r), s("it's"));
    assert_eq!(ev(r#""tab\there\nnl\\""#, r), s("tab\there\nnl\\"));
    assert_eq!(ev(r#""\u00e9\x41\101\U0001F600""#, r), s("éAA😀"));
    assert_eq!(ev("`raw \\n`", r), s("raw \\n"));
    assert_eq!(ev("'héllo'", r), s("héllo"));
    assert!(compile_err(r#""\xff""#).message.contains("raw byte"));
}

#[test]
fn other_literals() {
    let r = &Value::Nil;
    assert_eq!(ev("true", r), Value::Bool(true));
    assert_eq!(ev("false", r), Value::Bool(false));
    assert_eq!(ev("nil", r), Value::Nil);
    assert_eq!(
        ev("[1, 'a', [true], ]", r),
        Value::Array(vec![
            Value::Int(1),
            s("a"),
            Value::Array(vec![Value::Bool(true)])
        ])
    );
    assert_eq!(
        ev("{a: 1, \"b\": 2, 3: 'c', (\"d\" + \"e\"): nil,}", r),
        map(&[
            ("a", Value::Int(1)),
            ("b", Value::Int(2)),
            ("3", s("c")),
            ("de", Value::Nil)
        ])
    );
    assert_eq!(ev("[]", r), Value::Array(vec![]));
    assert_eq!(ev("{}", r), map(&[]));
    assert_eq!(ev("{a: 1, a: 2}.a", r), Value::Int(2));
    assert!(err("{(1): 2} == nil", r).contains("map keys must be strings"));
    assert_eq!(
        ev("[result, 1]", &f(0.5)),
        Value::Array(vec![f(0.5), Value::Int(1)])
    );
}

#[test]
fn comments_and_whitespace() {
    assert!(holds("1 < 2 // trailing comment"));
    assert!(holds("/* leading */ true"));
    assert!(holds("1\n<\t2"));
}

// ---- Access ------------------------------------------------------------------------------

#[test]
fn indexing() {
    let r = floats(&[1.0, 2.0, 3.0]);
    assert_eq!(ev("result[0]", &r), f(1.0));
    assert_eq!(ev("result[-1]", &r), f(3.0));
    assert_eq!(ev("result[1.7]", &r), f(2.0));
    assert_eq!(ev("result[len(result) - 1]", &r), f(3.0));
    assert!(err("result['a'] > 0", &r).contains("cannot index an array with string"));
    assert_eq!(ev("'abc'[1]", &r), Value::Int(98));
}

#[test]
fn maps_and_optional_chaining() {
    let r = map(&[("a", map(&[("b", f(1.0))])), ("n", Value::Nil)]);
    assert_eq!(ev("result.a.b", &r), f(1.0));
    assert_eq!(ev("result['a']['b']", &r), f(1.0));
    assert_eq!(ev("result.missing", &r), Value::Nil);
    assert_eq!(ev("result.n", &r), Value::Nil);
    assert!(err("result.missing.b == nil", &r).contains("cannot fetch `b` from nil"));
    assert_eq!(ev("result.missing?.b", &r), Value::Nil);
    assert_eq!(ev("result?.missing?.b.c.d", &r), Value::Nil);
    assert_eq!(ev("result?.a.b", &r), f(1.0));
    assert_eq!(ev("result?.x", &Value::Nil), Value::Nil);
    assert_eq!(ev("result?.[0]", &Value::Nil), Value::Nil);
    assert_eq!(ev("result?.[0]", &floats(&[4.0])), f(4.0));
    assert!(err("result.x == nil", &Value::Nil).contains("cannot fetch `x` from nil"));
    assert!(err("result.x == nil", &f(1.0)).contains("cannot fetch `x` from float"));
    assert!(err("result[1] == nil", &r).contains("map keys are strings"));
    // Keyword operators are valid property names.
    assert_eq!(ev("result.in", &map(&[("in", f(2.0))])), f(2.0));
}

#[test]
fn slices() {
    let r = floats(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(ev("result[1:4]", &r), floats(&[2.0, 3.0, 4.0]));
    assert_eq!(ev("result[1:-1]", &r), floats(&[2.0, 3.0, 4.0]));
    assert_eq!(ev("result[:3]", &r), floats(&[1.0, 2.0, 3.0]));
    assert_eq!(ev("result[3:]", &r), floats(&[4.0, 5.0]));
    assert_eq!(ev("result[:]", &r), r);
    assert_eq!(ev("result[4:2]", &r), floats(&[]));
    assert_eq!(ev("result[-100:100]", &r), r);
    assert_eq!(ev("'hello'[1:3]", &r), s("el"));
    // A byte range that splits a character does not panic.
    assert_eq!(ev("'é'[0:1]", &r), s("\u{FFFD}"));
    assert!(err("result[1:2] == nil", &f(1.0)).contains("cannot slice float"));
}

// ---- Operators ---------------------------------------------------------------------------

#[test]
fn unary_operators() {
    let r = &Value::Nil;
    assert!(holds("!false"));
    assert!(holds("not false"));
    assert!(holds("!!true"));
    assert_eq!(ev("-result", &f(2.0)), f(-2.0));
    assert_eq!(ev("-result", &Value::Int(2)), Value::Int(-2));
    assert_eq!(ev("+result", &f(2.0)), f(2.0));
    assert_eq!(ev("+1", r), Value::Int(1));
    assert!(err("-result == 1", &s("a")).contains("unary `-` needs a number"));
    assert!(err("+result == 1", &s("a")).contains("unary `+` needs a number"));
    // `!` binds tighter than `==`, looser than arithmetic.
    assert!(holds("!false == true"));
    // ...so `not 1 > 2` is `(not 1) > 2`, an error, exactly as in expr.
    assert!(err("not 1 > 2", r).contains("operand of `!` must be a bool"));
    assert!(holds("not (1 > 2)"));
}

#[test]
fn arithmetic() {
    let r = &Value::Nil;
    assert_eq!(ev("1 + 2 * 3", r), Value::Int(7));
    assert_eq!(ev("(1 + 2) * 3", r), Value::Int(9));
    assert_eq!(ev("7 / 2", r), f(3.5));
    assert_eq!(ev("6 / 3", r), f(2.0));
    assert_eq!(ev("7 % 3", r), Value::Int(1));
    assert_eq!(ev("-7 % 3", r), Value::Int(-1));
    assert_eq!(ev("1 + 0.5", r), f(1.5));
    assert_eq!(ev("2 * 0.5", r), f(1.0));
    assert_eq!(ev("2 ** 3", r), f(8.0));
    assert_eq!(ev("2 ^ 3", r), f(8.0));
    assert_eq!(ev("2 ** 3 ** 2", r), f(512.0));
    assert_eq!(ev("-2 ** 2", r), f(-4.0));
    assert_eq!(ev("10 - 2 - 3", r), Value::Int(5));
    assert_eq!(ev("'a' + 'b'", r), s("ab"));
    assert_eq!(ev("1 / 0", r), f(f64::INFINITY));
    assert_eq!(ev("-1 / 0", r), f(f64::NEG_INFINITY));
    assert!(holds("isNaN(0 / 0)"));
    assert!(
        holds("9223372036854775807 + 1 < 0"),
        "int overflow wraps like Go"
    );
    assert!(err("1 % 0 == 0", r).contains("integer divide by zero"));
    assert!(err("1.5 % 1 == 0", r).contains("`%` needs two integers"));
    assert!(err("[1] + [2] == nil", r).contains("cannot apply `+` to array and array"));
}

#[test]
fn comparisons() {
    assert!(holds("1 == 1.0"));
    assert!(holds("1 < 1.5"));
    assert!(holds("2 >= 2.0"));
    assert!(holds("'a' < 'b'"));
    assert!(holds("'B' < 'a'"));
    assert!(!holds("1 == '1'"));
    assert!(holds("1 != '1'"));
    assert!(holds("nil == nil"));
    assert!(!holds("nil == false"));
    assert!(holds("[1, 2] == [1.0, 2.0]"));
    assert!(holds("{a: 1} == {a: 1}"));
    assert!(
        !holds("{a: 1} == {a: 1.0}"),
        "maps compare with Go's DeepEqual"
    );
    assert!(holds("1 < 2 < 3"));
    assert!(!holds("1 < 3 < 2"));
    assert!(holds("3 > 2 >= 2 == 2"));
    let nan = floats(&[f64::NAN]);
    for op in ["==", "<", "<=", ">", ">="] {
        assert!(
            !cond(&format!("result[0] {op} result[0]"), &nan),
            "NaN {op} NaN"
        );
        assert!(!cond(&format!("result[0] {op} 1"), &nan), "NaN {op} 1");
    }
    assert!(cond("result[0] != result[0]", &nan));
}

#[test]
fn logical_operators_short_circuit() {
    let empty = floats(&[]);
    assert!(!cond("false && result[5] > 1", &empty));
    assert!(cond("true || result[5] > 1", &empty));
    assert!(cond("len(result) == 0 or result[0] > 1", &empty));
    assert!(!cond("len(result) > 0 and result[0] > 1", &empty));
    assert!(err("true && result[5] > 1", &empty).contains("out of range"));
    assert!(err("true && 1", &empty).contains("right operand of `&&` must be a bool"));
    // `and` binds tighter than `or`.
    assert!(holds("true or false and false"));
    assert!(!holds("(true or false) and false"));
}

#[test]
fn in_operator() {
    let r = map(&[("a", f(1.0))]);
    assert!(cond("'a' in result", &r));
    assert!(!cond("'b' in result", &r));
    assert!(cond("'b' not in result", &r));
    assert!(holds("1 in [1.0]"));
    assert!(holds("[1] in [[1], [2]]"));
    assert!(!holds("1 in nil"));
    assert!(err("'a' in 'abc'", &Value::Nil).contains("needs an array or a map"));
    assert!(err("1 in result", &r).contains("map keys are strings"));
}

#[test]
fn string_operators() {
    let r = s("rollout-canary");
    assert!(cond("result contains 'canary'", &r));
    assert!(cond("result startsWith 'roll'", &r));
    assert!(cond("result endsWith 'canary'", &r));
    assert!(cond("result not contains 'stable'", &r));
    assert!(cond("result not startsWith 'x'", &r));
    assert!(cond("result not endsWith 'x'", &r));
    assert!(cond("result matches '^roll.*-canary$'", &r));
    assert!(cond("result not matches '^x'", &r));
    assert!(cond("result matches 'r' + 'o'", &r));
    assert!(err("result matches '(' + ''", &r).contains("invalid regular expression"));
    assert!(err("1 matches 'a'", &r).contains("must be a string"));
}

#[test]
fn ternary_and_coalesce() {
    assert_eq!(ev("result > 1 ? 'big' : 'small'", &f(2.0)), s("big"));
    assert_eq!(ev("result > 1 ? 'big' : 'small'", &f(0.5)), s("small"));
    assert_eq!(
        ev("result > 2 ? 'a' : result > 1 ? 'b' : 'c'", &f(1.5)),
        s("b")
    );
    assert_eq!(ev("result ?: true", &Value::Bool(false)), Value::Bool(true));
    assert_eq!(ev("result ?: true", &Value::Bool(true)), Value::Bool(true));
    assert!(err("result ? 1 : 2", &f(1.0)).contains("condition of `?:` must be a bool"));
    assert_eq!(ev("result ?? 1", &Value::Nil), Value::Int(1));
    assert_eq!(ev("result ?? 1", &f(0.5)), f(0.5));
    assert_eq!(ev("result?.a ?? 0", &Value::Nil), Value::Int(0));
    assert_eq!(ev("result.a ?? result.b ?? 3", &map(&[])), Value::Int(3));
    assert!(
        compile_err("result ?? 1 + 2")
            .message
            .contains("cannot be mixed")
    );
    assert_eq!(ev("(result ?? 1) + 2", &Value::Nil), Value::Int(3));
}

#[test]
fn ranges() {
    let r = &Value::Nil;
    assert!(holds("1..3 == [1, 2, 3]"));
    assert!(holds("3..1 == []"));
    assert!(holds("len(0..9) == 10"));
    assert!(holds("2 in 1..3"));
    assert_eq!(ev("1+1..2*2", r), ev("[2, 3, 4]", r));
    assert!(err("len(1..2000000) > 0", r).contains("memory budget exceeded"));
    assert!(err("'a'..2 == nil", r).contains("must be a number"));
}

#[test]
fn pipes() {
    let r = floats(&[0.5, 0.7]);
    assert!(cond("result | len() == 2", &r));
    assert!(cond("result | all(# > 0.1)", &r));
    assert!(cond("result | count() == 0", &Value::Array(vec![])));
    assert_eq!(ev("'a,b' | split(',') | join('-')", &r), s("a-b"));
    assert!(
        compile_err("result | 1")
            .message
            .contains("expected a function call")
    );
}

// ---- Builtins ----------------------------------------------------------------------------

#[test]
fn numeric_builtins() {
    let r = floats(&[3.0, 1.0, 2.0]);
    assert_eq!(ev("len(result)", &r), Value::Int(3));
    assert_eq!(ev("len('héllo')", &r), Value::Int(6), "bytes, as Go");
    assert_eq!(ev("len({a: 1})", &r), Value::Int(1));
    assert_eq!(ev("abs(-2)", &r), Value::Int(2));
    assert_eq!(ev("abs(-2.5)", &r), f(2.5));
    assert_eq!(ev("max(result)", &r), f(3.0));
    assert_eq!(ev("min(result)", &r), f(1.0));
    assert_eq!(ev("max(1, 2.5, 2)", &r), f(2.5));
    assert_eq!(ev("min(4, [2, [1]], 3)", &r), Value::Int(1));
    assert_eq!(ev("max([])", &r), Value::Nil);
    assert!(err("max(1, 'a') == 1", &r).contains("invalid argument for max"));
    assert_eq!(ev("sum(result)", &r), f(6.0));
    assert_eq!(ev("sum([1, 2])", &r), Value::Int(3));
    assert_eq!(ev("sum([])", &r), Value::Int(0));
    assert_eq!(ev("sum(result, # * 2)", &r), f(12.0));
    assert_eq!(ev("mean(result)", &r), f(2.0));
    assert_eq!(ev("mean([])", &r), f(0.0));
    assert_eq!(ev("median(result)", &r), f(2.0));
    assert_eq!(ev("median([4, 1, 3, 2])", &r), f(2.5));
    assert_eq!(ev("ceil(1.2)", &r), f(2.0));
    assert_eq!(ev("floor(1.8)", &r), f(1.0));
    assert_eq!(ev("round(2.5)", &r), f(3.0));
    assert_eq!(ev("round(-2.5)", &r), f(-3.0));
    assert_eq!(ev("round(2)", &r), f(2.0));
    assert!(err("ceil('a') == 1", &r).contains("`ceil` needs a number"));
}

#[test]
fn conversion_builtins() {
    let r = &Value::Nil;
    assert_eq!(ev("int(2.9)", r), Value::Int(2));
    assert_eq!(ev("int('42')", r), Value::Int(42));
    assert_eq!(ev("float(2)", r), f(2.0));
    assert_eq!(ev("float('0.5')", r), f(0.5));
    assert!(err("int('x') == 1", r).contains("cannot convert string \"x\" to int"));
    assert!(err("float('x') == 1", r).contains("cannot convert"));
    assert_eq!(ev("string(0.5)", r), s("0.5"));
    assert_eq!(ev("string(1000000.0)", r), s("1e+06"));
    assert_eq!(ev("string(42)", r), s("42"));
    assert_eq!(ev("string([1, 'a'])", r), s("[1 a]"));
    assert_eq!(ev("string({b: 1, a: true})", r), s("map[a:true b:1]"));
    assert_eq!(ev("string(nil)", r), s("<nil>"));
    assert_eq!(ev("type(1)", r), s("int"));
    assert_eq!(ev("type(result)", r), s("nil"));
    assert_eq!(ev("type([])", r), s("array"));
}

#[test]
fn array_builtins() {
    let r = floats(&[3.0, 1.0, 2.0]);
    assert_eq!(ev("first(result)", &r), f(3.0));
    assert_eq!(ev("last(result)", &r), f(2.0));
    assert_eq!(ev("first([])", &r), Value::Nil);
    assert_eq!(ev("last(nil)", &r), Value::Nil);
    assert_eq!(ev("get(result, 5)", &r), Value::Nil);
    assert_eq!(ev("get(result, 1)", &r), f(1.0));
    assert_eq!(ev("get({a: 1}, 'a')", &r), Value::Int(1));
    assert_eq!(ev("take(result, 2)", &r), floats(&[3.0, 1.0]));
    assert_eq!(ev("take(result, 9)", &r), r);
    assert_eq!(ev("reverse(result)", &r), floats(&[2.0, 1.0, 3.0]));
    assert_eq!(ev("sort(result)", &r), floats(&[1.0, 2.0, 3.0]));
    assert_eq!(ev("sort(result, 'desc')", &r), floats(&[3.0, 2.0, 1.0]));
    assert_eq!(ev("sort(['b', 'a'])", &r), ev("['a', 'b']", &r));
    assert!(err("sort([1, 'a']) == nil", &r).contains("numbers or of strings"));
    assert_eq!(ev("uniq([1, 1.0, 2, 1])", &r), ev("[1, 2]", &r));
    assert_eq!(ev("concat([1], [2, 3])", &r), ev("[1, 2, 3]", &r));
    assert_eq!(ev("flatten([1, [2, [3]]])", &r), ev("[1, 2, 3]", &r));
    assert!(err("take(1, 1) == nil", &r).contains("needs an array"));
}

#[test]
fn string_builtins() {
    let r = &Value::Nil;
    assert_eq!(ev("upper('abc')", r), s("ABC"));
    assert_eq!(ev("lower('ABC')", r), s("abc"));
    assert_eq!(ev("trim('  a  ')", r), s("a"));
    assert_eq!(ev("trim('__a__', '_')", r), s("a"));
    assert_eq!(ev("trimPrefix('HelloWorld', 'Hello')", r), s("World"));
    assert_eq!(ev("trimSuffix('HelloWorld', 'World')", r), s("Hello"));
    assert_eq!(ev("split('a,b,c', ',')", r), ev("['a', 'b', 'c']", r));
    assert_eq!(ev("split('a,b,c', ',', 2)", r), ev("['a', 'b,c']", r));
    assert_eq!(ev("splitAfter('a,b', ',')", r), ev("['a,', 'b']", r));
    assert_eq!(ev("join(['a', 'b'], ',')", r), s("a,b"));
    assert_eq!(ev("join(['a', 'b'])", r), s("ab"));
    assert!(err("join([1]) == ''", r).contains("array of strings"));
    assert_eq!(ev("replace('aaa', 'a', 'b')", r), s("bbb"));
    assert_eq!(ev("replace('aaa', 'a', 'b', 2)", r), s("bba"));
    assert_eq!(ev("repeat('ab', 3)", r), s("ababab"));
    assert!(err("repeat('a', -1) == ''", r).contains("invalid argument for repeat"));
    assert_eq!(ev("indexOf('apple pie', 'pie')", r), Value::Int(6));
    assert_eq!(ev("lastIndexOf('a-a', 'a')", r), Value::Int(2));
    assert_eq!(ev("indexOf('a', 'z')", r), Value::Int(-1));
    assert!(holds("hasPrefix('abc', 'ab') && hasSuffix('abc', 'bc')"));
    assert!(err("upper(1) == ''", r).contains("`upper` needs a string"));
}

#[test]
fn map_builtins() {
    let r = map(&[("b", f(2.0)), ("a", f(1.0))]);
    assert_eq!(ev("keys(result)", &r), ev("['a', 'b']", &r));
    assert_eq!(ev("values(result)", &r), floats(&[1.0, 2.0]));
    assert!(err("keys([]) == nil", &r).contains("`keys` needs a map"));
}

#[test]
fn predicate_builtins() {
    let r = floats(&[0.5, 0.95, 0.99]);
    assert!(cond("any(result, # < 0.9)", &r));
    assert!(!cond("any([], # < 0.9)", &r));
    assert!(cond("none(result, # > 1)", &r));
    assert!(cond("none([], # > 1)", &r));
    assert!(cond("one(result, # < 0.9)", &r));
    assert!(!cond("one(result, # > 0.9)", &r));
    assert_eq!(ev("filter(result, # > 0.9)", &r), floats(&[0.95, 0.99]));
    assert_eq!(ev("map(result, # * 2)", &r), floats(&[1.0, 1.9, 1.98]));
    assert_eq!(ev("count(result, # > 0.9)", &r), Value::Int(2));
    assert_eq!(ev("count([true, false, true])", &r), Value::Int(2));
    assert_eq!(ev("find(result, # > 0.9)", &r), f(0.95));
    assert_eq!(ev("find(result, # > 2)", &r), Value::Nil);
    assert_eq!(ev("findIndex(result, # > 0.9)", &r), Value::Int(1));
    assert_eq!(ev("findIndex(result, # > 2)", &r), Value::Int(-1));
    assert_eq!(ev("findLast(result, # > 0.9)", &r), f(0.99));
    assert_eq!(ev("findLastIndex(result, # > 0.9)", &r), Value::Int(2));
    assert_eq!(ev("map(result, #index)", &r), ev("[0, 1, 2]", &r));
    assert_eq!(
        ev("filter(0..9, {# % 2 == 0})", &r),
        ev("[0, 2, 4, 6, 8]", &r)
    );
    assert!(err("all(result, 1)", &r).contains("predicate of `all` must be a bool"));
    assert!(err("all(result, # > 0)", &f(1.0)).contains("`all` needs an array, got float"));
    assert!(err("all(result, # > 0)", &Value::Nil).contains("needs an array, got nil"));
    // `all` stops at the first false: the out-of-range index is never reached.
    assert!(!cond("all(result, # > 0.6 && result[5] > 0)", &r));
}

#[test]
fn predicates_on_maps_and_nesting() {
    let r = Value::Array(vec![
        map(&[("name", s("a")), ("v", f(1.0))]),
        map(&[("name", s("b")), ("v", f(3.0))]),
    ]);
    assert!(cond("all(result, .v > 0)", &r));
    assert!(cond("any(result, {.name == 'b' && .v > 2})", &r));
    assert_eq!(ev("map(result, .name)", &r), ev("['a', 'b']", &r));
    assert_eq!(ev("find(result, .v > 2).name", &r), s("b"));
    // Nested predicates: `#` is the innermost element.
    let grid = ev("[[1, 2], [3, 4]]", &Value::Nil);
    assert!(cond("all(result, all(#, # > 0))", &grid));
    assert_eq!(ev("map(result, sum(#))", &grid), ev("[3, 7]", &grid));
    assert_eq!(
        ev("map(result, map(#, # * 10))", &grid),
        ev("[[10, 20], [30, 40]]", &grid)
    );
    // Predicates over computed arrays own their elements.
    assert_eq!(
        ev("map(filter([1, 2, 3], # > 1), # + 1)", &grid),
        ev("[3, 4]", &grid)
    );
}

// ---- Argo's helpers ----------------------------------------------------------------------

#[test]
fn as_int_and_as_float() {
    let r = &Value::Nil;
    assert_eq!(ev("asInt('42')", r), Value::Int(42));
    assert_eq!(ev("asInt(-3.7)", r), Value::Int(-3));
    assert_eq!(
        err("asInt('abc') == 1", r),
        "strconv.ParseInt: parsing \"abc\": invalid syntax"
    );
    assert_eq!(
        err("asInt('1.5') == 1", r),
        "strconv.ParseInt: parsing \"1.5\": invalid syntax"
    );
    assert!(err("asInt('99999999999999999999') == 1", r).contains("value out of range"));
    assert_eq!(
        err("asInt(true) == 1", r),
        "asInt() not supported on bool true"
    );
    assert_eq!(
        err("asInt(result) == 1", r),
        "asInt() not supported on <nil> <nil>"
    );
    assert_eq!(ev("asFloat('0.25')", r), f(0.25));
    assert_eq!(ev("asFloat(2)", r), f(2.0));
    assert_eq!(
        err("asFloat('x') == 1", r),
        "strconv.ParseFloat: parsing \"x\": invalid syntax"
    );
    assert_eq!(
        err("asFloat([]) == 1", r),
        "asFloat() not supported on []interface {} []"
    );
    // Go's int64(NaN) on amd64.
    assert_eq!(ev("asInt(0/0)", r), Value::Int(i64::MIN));
}

#[test]
fn is_nan_and_is_inf_types() {
    // Integer literals are promoted at compile time, as expr's checker does.
    assert!(!holds("isNaN(1)"));
    assert!(!holds("isInf(-1)"));
    assert_eq!(
        err("isNaN(len(result))", &floats(&[])),
        "cannot use int as argument (type float64) to call isNaN"
    );
    assert_eq!(
        err("isNaN(result)", &Value::Nil),
        "cannot use <nil> as argument (type float64) to call isNaN"
    );
}

#[test]
fn is_nil_and_default_look_at_result() {
    assert!(cond("isNil(result)", &Value::Nil));
    assert!(
        !cond("isNil(result)", &floats(&[])),
        "an empty array is not nil"
    );
    // Argo's isNil ignores its argument.
    assert!(cond("isNil(1)", &Value::Nil));
    assert!(!cond("isNil(nil)", &f(1.0)));
    // ...but the argument is still evaluated.
    assert!(err("isNil(result[0])", &floats(&[])).contains("out of range"));
    // default(x, fb) returns fb when result is nil, else result itself (not x).
    assert_eq!(ev("default(result?.x, 5)", &Value::Nil), Value::Int(5));
    let r = map(&[("x", f(1.0))]);
    assert_eq!(ev("default(result.x, 5)", &r), r);
}

// ---- Limits ------------------------------------------------------------------------------

#[test]
fn nesting_limits() {
    let deep_parens = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    assert!(
        compile_err(&deep_parens)
            .message
            .contains("nested too deeply")
    );
    let long_chain = vec!["1"; 300].join(" + ");
    assert!(
        compile_err(&long_chain)
            .message
            .contains("nested too deeply")
    );
    let nots = format!("{}true", "!".repeat(300));
    assert!(compile_err(&nots).message.contains("nested too deeply"));
    let members = format!("result{}", "[0]".repeat(300));
    assert!(compile_err(&members).message.contains("nested too deeply"));
    let arrays = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    assert!(compile_err(&arrays).message.contains("nested too deeply"));
    // A long but shallow condition is fine.
    let sum = vec!["1"; 100].join(" + ");
    assert_eq!(ev(&sum, &Value::Nil), Value::Int(100));
}

/// For each construct, the deepest nesting that compiles also evaluates, inside a thread with
/// the default 2 MiB stack of spawned threads: the depth limit keeps recursion far from it.
#[test]
fn deepest_nesting_fits_in_a_thread_stack() {
    type Gen = fn(usize) -> String;
    let gens: [(&str, Gen); 9] = [
        ("parens", |n| {
            format!("{}true{}", "(".repeat(n), ")".repeat(n))
        }),
        ("not", |n| format!("{}true", "!".repeat(n - n % 2))),
        ("neg", |n| format!("{}abs(1) == 1", "-".repeat(n - n % 2))),
        ("and", |n| vec!["true"; n].join(" && ")),
        ("arrays", |n| {
            format!("len({}1{}) == 1", "[".repeat(n), "]".repeat(n))
        }),
        ("calls", |n| {
            format!("{}1{} == 1", "abs(".repeat(n), ")".repeat(n))
        }),
        ("members", |n| format!("result{} == 1", "[0]".repeat(n))),
        ("predicates", |n| {
            format!("{}true{}", "all([1], ".repeat(n), ")".repeat(n))
        }),
        ("ternaries", |n| {
            format!("{}true{}", "(true ? ".repeat(n), " : false)".repeat(n))
        }),
    ];
    for (name, make) in gens {
        let deepest = (1..=MAX_DEPTH)
            .rev()
            .find(|n| Program::compile(&make(*n)).is_ok())
            .unwrap_or_else(|| panic!("{name}: nothing compiles"));
        assert!(
            deepest >= MAX_DEPTH / 3,
            "{name}: only {deepest} levels compile"
        );
        let src = make(deepest);
        let mut result = Value::Int(1);
        for _ in 0..deepest {
            result = Value::Array(vec![result]);
        }
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || eval_condition(&src, &result))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(outcome, Ok(true), "{name} at {deepest} levels");
    }
}

#[test]
fn input_length_limit() {
    let long = format!("1 == 1 {}", " ".repeat(MAX_SOURCE_LEN));
    let e = compile_err(&long);
    assert!(e.message.contains("too long"));
    assert_eq!(e.column, None);
}

#[test]
fn evaluation_budgets() {
    let r = &Value::Nil;
    let many = Value::Array(vec![Value::Int(1); 300]);
    assert!(
        err("all(result, all(result, all(result, true)))", &many)
            .contains("evaluation budget exceeded")
    );
    assert!(err("all(1..1000, all(1..2000, true))", r).contains("memory budget exceeded"));
    assert!(err("len(map(1..100, repeat('x', 1000000))) > 0", r).contains("memory budget"));
    assert!(err("len(repeat('x', 100000000)) > 0", r).contains("memory budget"));
    assert!(cond("len(repeat('x', 1000)) == 1000", r));
}

// ---- Values ------------------------------------------------------------------------------

#[test]
fn display_as_argo_prints_measurements() {
    assert_eq!(f(0.95).to_string(), "0.95");
    assert_eq!(f(1.0).to_string(), "1");
    assert_eq!(f(1e21).to_string(), "1000000000000000000000");
    assert_eq!(f(0.000001).to_string(), "0.000001");
    assert_eq!(f(f64::NAN).to_string(), "NaN");
    assert_eq!(f(f64::INFINITY).to_string(), "+Inf");
    assert_eq!(f(f64::NEG_INFINITY).to_string(), "-Inf");
    assert_eq!(floats(&[0.99]).to_string(), "[0.99]");
    assert_eq!(floats(&[0.99, 1.0]).to_string(), "[0.99,1]");
    assert_eq!(floats(&[]).to_string(), "[]");
    assert_eq!(Value::Int(3).to_string(), "3");
    assert_eq!(s("It worked!").to_string(), "It worked!");
    assert_eq!(Value::Nil.to_string(), "<nil>");
    assert_eq!(Value::Bool(true).to_string(), "true");
    assert_eq!(
        map(&[("b", f(2.0)), ("a", s("x"))]).to_string(),
        "map[a:x b:2]"
    );
}

#[test]
fn go_v_float_format() {
    let g = |x: f64| {
        let mut out = String::new();
        format_float_g(x, &mut out);
        out
    };
    assert_eq!(g(1e6), "1e+06");
    assert_eq!(g(123456.0), "123456");
    assert_eq!(g(999999.5), "999999.5");
    assert_eq!(g(1234567.0), "1.234567e+06");
    assert_eq!(g(0.0001), "0.0001");
    assert_eq!(g(0.00001), "1e-05");
    assert_eq!(g(1e21), "1e+21");
    assert_eq!(g(1e-7), "1e-07");
    assert_eq!(g(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(g(-1.5), "-1.5");
    assert_eq!(g(100.0), "100");
    assert_eq!(g(0.0), "0");
    assert_eq!(g(5e-324), "5e-324");
    assert_eq!(g(f64::MAX), "1.7976931348623157e+308");
    assert_eq!(g(608863452348.1149), "6.088634523481149e+11");
    assert_eq!(g(f64::INFINITY), "+Inf");
}

#[test]
fn from_json_like_go() {
    let j: serde_json::Value = serde_json::json!({
        "status": "ok",
        "count": 3,
        "ratio": 0.5,
        "tags": ["a", null],
        "ok": true
    });
    let v = Value::from_json(&j);
    assert_eq!(
        v,
        map(&[
            ("status", s("ok")),
            ("count", f(3.0)),
            ("ratio", f(0.5)),
            ("tags", Value::Array(vec![s("a"), Value::Nil])),
            ("ok", Value::Bool(true)),
        ])
    );
    assert!(cond("result.count == 3 && result.tags[1] == nil", &v));
    assert_eq!(
        err("result.count", &v),
        "expected bool, but got float64",
        "JSON numbers are float64, as with json.Unmarshal"
    );
}

#[test]
fn compile_once_evaluate_many() {
    let p = Program::compile("result[0] >= 0.95").unwrap();
    for (x, want) in [(0.9, false), (0.95, true), (0.99, true)] {
        assert_eq!(p.eval_condition(&floats(&[x])), Ok(want));
    }
    assert_eq!(p.eval(&floats(&[0.5])), Ok(Value::Bool(false)));
    let e = p.eval_condition(&floats(&[])).unwrap_err();
    assert_eq!(e.message, "index 0 out of range (len 0)");
    assert_eq!(e.column, Some(7));
}

#[test]
fn eval_returns_values_of_any_kind() {
    let r = floats(&[0.25]);
    assert_eq!(Program::compile("result").unwrap().eval(&r), Ok(r.clone()));
    assert_eq!(
        Program::compile("result[0] * 4").unwrap().eval(&r),
        Ok(f(1.0))
    );
    assert_eq!(
        Program::compile("{v: result[0]}").unwrap().eval(&r),
        Ok(map(&[("v", f(0.25))]))
    );
}

#[test]
fn values_read_from_yaml_keep_nan_and_infinities() {
    use crate::input::FieldPath;
    use crate::input::yaml::parse_documents;
    let docs = parse_documents("t.yaml", "[.nan, .inf, -.inf, 3, 'x', ~, {a: [true]}]\n").unwrap();
    let (v, d) = crate::input::de::from_node::<Value>("t.yaml", &docs[0].root, &FieldPath::root());
    assert!(d.items.is_empty(), "{d:?}");
    let Some(Value::Array(items)) = v else {
        panic!("{v:?}")
    };
    assert!(matches!(items[0], Value::Float(f) if f.is_nan()));
    assert_eq!(items[1], Value::Float(f64::INFINITY));
    assert_eq!(items[2], Value::Float(f64::NEG_INFINITY));
    // Numbers are float64, as Go's json.Unmarshal gives them.
    assert_eq!(items[3], Value::Float(3.0));
    assert_eq!(items[4], Value::String("x".into()));
    assert_eq!(items[5], Value::Nil);
    assert_eq!(
        items[6],
        map(&[("a", Value::Array(vec![Value::Bool(true)]))])
    );
    assert!(cond(
        "isNaN(result[0]) && isInf(result[1])",
        &Value::Array(items.clone())
    ));
}

#[test]
fn only_an_unknown_variable_is_refused_by_argo_too() {
    assert!(compile_err("results[0] >= 90").argo_rejects);
    assert!(compile_err("result > 1 && foo").argo_rejects);
    // A syntax error, an unsupported construct or a misused function: refused by name here.
    for src in ["result >= = 1", "let x = 1; x", "len", "$env"] {
        assert!(!compile_err(src).argo_rejects, "{src}");
    }
}
