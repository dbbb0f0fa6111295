//! Lexer: turns a condition's text into tokens, following expr's lexical rules.
//!
//! - whitespace is any Unicode space; `// line` and `/* block */` comments are skipped;
//! - identifiers start with a letter, `_` or `$` and continue with letters and digits;
//!   the words `not in and or matches contains startsWith endsWith let if else` are operators;
//! - numbers: `42`, `1_000`, `0x1F`, `0o17`, `0b101`, `0.95`, `.5`, `1e3`; `1..3` is a range,
//!   not the float `1.`; a number running into a letter (`1abc`) is an error;
//! - strings: `"..."` or `'...'` with Go-style escapes (`\n \t \\ \' \" \xFF \u00e9 \U0001F600
//!   \101`), or raw `` `...` `` without escapes;
//! - `#` starts a predicate pointer; a name glued to it (`#index`) belongs to the pointer.
//!
//! Columns are 1-based character positions, so error messages can point at the culprit.

use super::ExprError;
use super::value::Value;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A name: `result`, `len`, `true`, `nil`, a map key or a property.
    Ident(String),
    /// A number literal, as written (the parser decides int or float).
    Number(String),
    /// A string literal, escapes already decoded.
    Str(String),
    /// An operator or punctuation (including keyword operators such as `and`).
    Op(&'static str),
    /// `#` or `#name` inside a predicate.
    Pointer(String),
    /// End of input.
    Eof,
}

/// A token and the column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub col: usize,
}

/// Multi-character operators, longest first so that `**` wins over `*`.
const OPERATORS: &[&str] = &[
    "**", "&&", "||", "==", "!=", "<=", ">=", "..", "??", "?.", "::", "+", "-", "*", "/", "%", "^",
    "<", ">", "!", "?", ":", ",", ";", ".", "|", "=", "(", ")", "[", "]", "{", "}",
];

/// Words that are operators rather than names.
const KEYWORDS: &[&str] = &[
    "not",
    "in",
    "and",
    "or",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "let",
    "if",
    "else",
];

/// Splits `src` into tokens; the last one is always [`Tok::Eof`].
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        pos: 0,
        out: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c == '$' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    is_ident_start(c) || c.is_numeric()
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            col: start + 1,
        });
    }

    fn run(&mut self) -> Result<(), ExprError> {
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '/' && self.peek(1) == Some('/') {
                while let Some(c) = self.peek(0) {
                    if c == '\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else if c == '/' && self.peek(1) == Some('*') {
                self.block_comment(start)?;
            } else if c.is_ascii_digit()
                || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
            {
                let text = self.number(start)?;
                self.push(Tok::Number(text), start);
            } else if c == '"' || c == '\'' {
                let s = self.quoted(c, start)?;
                self.push(Tok::Str(s), start);
            } else if c == '`' {
                let s = self.raw_string(start)?;
                self.push(Tok::Str(s), start);
            } else if c == '#' {
                self.pos += 1;
                let name = self.take_while(is_ident_char);
                self.push(Tok::Pointer(name), start);
            } else if is_ident_start(c) {
                let word = self.take_while(is_ident_char);
                match KEYWORDS.iter().find(|k| **k == word) {
                    Some(k) => self.push(Tok::Op(k), start),
                    None => self.push(Tok::Ident(word), start),
                }
            } else {
                self.operator(c, start)?;
            }
        }
        self.push(Tok::Eof, self.pos);
        Ok(())
    }

    fn take_while(&mut self, pred: fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if !pred(c) {
                break;
            }
            s.push(c);
            self.pos += 1;
        }
        s
    }

    fn block_comment(&mut self, start: usize) -> Result<(), ExprError> {
        self.pos += 2;
        loop {
            match self.peek(0) {
                None => return Err(ExprError::at_col(start + 1, "unclosed comment `/*`")),
                Some('*') if self.peek(1) == Some('/') => {
                    self.pos += 2;
                    return Ok(());
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn operator(&mut self, c: char, start: usize) -> Result<(), ExprError> {
        for op in OPERATORS {
            let matches = op
                .chars()
                .enumerate()
                .all(|(i, oc)| self.peek(i) == Some(oc));
            // `?.5` is a ternary followed by `.5`, not optional chaining.
            let digit_after = *op == "?." && self.peek(2).is_some_and(|d| d.is_ascii_digit());
            if matches && !digit_after {
                self.pos += op.chars().count();
                self.push(Tok::Op(op), start);
                return Ok(());
            }
        }
        let hint = match c {
            '&' => " (did you mean `&&`?)",
            _ => "",
        };
        Err(ExprError::at_col(
            start + 1,
            format!("unrecognized character `{}`{hint}", c.escape_debug()),
        ))
    }

    /// Scans a number the way expr does and returns its text; conversion happens in the parser.
    fn number(&mut self, start: usize) -> Result<String, ExprError> {
        let mut digits: fn(char) -> bool = |c| c.is_ascii_digit() || c == '_';
        if self.peek(0) == Some('0') {
            match self.peek(1) {
                Some('x' | 'X') => {
                    self.pos += 2;
                    digits = |c| c.is_ascii_hexdigit() || c == '_';
                }
                Some('o' | 'O') => {
                    self.pos += 2;
                    digits = |c| ('0'..='7').contains(&c) || c == '_';
                }
                Some('b' | 'B') => {
                    self.pos += 2;
                    digits = |c| c == '0' || c == '1' || c == '_';
                }
                _ => {}
            }
        }
        self.take_while(digits);
        // A dot followed by another dot is the range operator: `1..3`.
        if self.peek(0) == Some('.') && self.peek(1) != Some('.') {
            self.pos += 1;
            self.take_while(digits);
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some('+' | '-')) {
                self.pos += 1;
            }
            self.take_while(digits);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if let Some(c) = self.peek(0).filter(|c| is_ident_char(*c)) {
            return Err(ExprError::at_col(
                start + 1,
                format!("bad number syntax: `{text}{c}`"),
            ));
        }
        Ok(text)
    }

    fn raw_string(&mut self, start: usize) -> Result<String, ExprError> {
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.peek(0) {
                None => return Err(ExprError::at_col(start + 1, "unterminated raw string")),
                Some('`') => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A quoted string with Go-style escapes.
    fn quoted(&mut self, quote: char, start: usize) -> Result<String, ExprError> {
        self.pos += 1;
        let mut s = String::new();
        loop {
            let col = self.pos + 1;
            match self.peek(0) {
                None => return Err(ExprError::at_col(start + 1, "unterminated string literal")),
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => {
                    self.pos += 1;
                    let c = self.escape().map_err(|m| ExprError::at_col(col, m))?;
                    s.push(c);
                }
                // expr normalizes CR LF and lone CR to LF inside strings.
                Some('\r') => {
                    self.pos += 1;
                    if self.peek(0) == Some('\n') {
                        self.pos += 1;
                    }
                    s.push('\n');
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Decodes one escape sequence; `self.pos` is just after the backslash.
    fn escape(&mut self) -> Result<char, String> {
        let Some(c) = self.peek(0) else {
            return Err("unterminated string literal".into());
        };
        self.pos += 1;
        let simple = match c {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '`' | '?' => Some(c),
            _ => None,
        };
        if let Some(ch) = simple {
            return Ok(ch);
        }
        let (len, radix) = match c {
            'x' | 'X' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='3' => (2, 8),
            _ => return Err(format!("invalid escape sequence `\\{}`", c.escape_debug())),
        };
        let mut code: u32 = if radix == 8 { c as u32 - '0' as u32 } else { 0 };
        for _ in 0..len {
            let d = self
                .peek(0)
                .and_then(|d| d.to_digit(radix))
                .ok_or_else(|| format!("invalid escape sequence `\\{c}...`"))?;
            code = code * radix + d;
            self.pos += 1;
        }
        if matches!(c, 'x' | 'X') && code >= 0x80 {
            // Go would insert a raw byte here, which is not valid UTF-8 on its own.
            return Err(format!(
                "escape `\\x{code:02x}` is a raw byte, not a character (use `\\u00{code:02x}`)"
            ));
        }
        // Surrogates and values past U+10FFFF are not characters; Go substitutes U+FFFD.
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }
}

/// Converts a number token as expr does: underscores dropped, `0x`/`0o`/`0b` integers,
/// a `.` or exponent makes a float, anything else is a decimal integer.
pub(super) fn number_literal(text: &str, col: usize) -> Result<Value, ExprError> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let int = |digits: &str, radix: u32, what: &str| -> Result<Value, ExprError> {
        i64::from_str_radix(digits, radix)
            .map(Value::Int)
            .map_err(|e| {
                let why = match e.kind() {
                    std::num::IntErrorKind::PosOverflow => "is too large".to_string(),
                    _ => format!("is not a valid {what} literal"),
                };
                ExprError::at_col(col, format!("integer literal `{text}` {why}"))
            })
    };
    if let Some(digits) = lower.strip_prefix("0x") {
        int(digits, 16, "hex")
    } else if lower.contains('.') || lower.contains('e') {
        match clean.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            Ok(_) => Err(ExprError::at_col(
                col,
                format!("float literal `{text}` is too large"),
            )),
            Err(_) => Err(ExprError::at_col(
                col,
                format!("invalid float literal `{text}`"),
            )),
        }
    } else if let Some(digits) = lower.strip_prefix("0b") {
        int(digits, 2, "binary")
    } else if let Some(digits) = lower.strip_prefix("0o") {
        int(digits, 8, "octal")
    } else {
        int(&clean, 10, "decimal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_literals() {
        assert_eq!(number_literal("1_000", 1).unwrap(), Value::Int(1000));
        assert_eq!(number_literal("0x1F", 1).unwrap(), Value::Int(31));
        assert_eq!(number_literal("0o17", 1).unwrap(), Value::Int(15));
        assert_eq!(number_literal("0b101", 1).unwrap(), Value::Int(5));
        assert_eq!(number_literal("0.95", 1).unwrap(), Value::Float(0.95));
        assert_eq!(number_literal(".5", 1).unwrap(), Value::Float(0.5));
        assert_eq!(number_literal("1e3", 1).unwrap(), Value::Float(1000.0));
        assert!(
            number_literal("9223372036854775808", 1)
                .unwrap_err()
                .message
                .contains("too large")
        );
        assert!(
            number_literal("1e999", 1)
                .unwrap_err()
                .message
                .contains("too large")
        );
        assert!(number_literal("0x", 1).is_err());
    }
}
