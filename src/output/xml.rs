//! Text that is safe to put into SVG, HTML and other XML documents.
//!
//! Escaping `<`, `&` and quotes is not enough: XML 1.0 forbids most C0 control characters even
//! as character references (`&#1;` is as invalid as the byte), and a single one makes a
//! browser refuse the whole SVG. A scenario name, an image or a metric name can hold any
//! character, so everything outside XML's `Char` production — and the C1 controls and DEL,
//! which are allowed but invisible and never meant — is replaced by U+FFFD, the replacement
//! character, which shows where something was.

use std::borrow::Cow;

/// Whether `c` may appear in an XML 1.0 document and means something visible (tab, newline
/// and carriage return are kept: they are whitespace).
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || (c >= ' ' && c != '\u{7f}' && !('\u{80}'..='\u{9f}').contains(&c))
            && c != '\u{fffe}'
            && c != '\u{ffff}'
}

/// `s` with every character XML does not allow replaced by U+FFFD (borrowed when there is none).
pub fn safe(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{fffd}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_replaced_and_the_rest_kept() {
        assert_eq!(safe("plain <name> é 名"), "plain <name> é 名");
        assert!(matches!(safe("plain"), Cow::Borrowed(_)));
        assert_eq!(safe("a\u{1}b\u{1b}[31mc"), "a\u{fffd}b\u{fffd}[31mc");
        assert_eq!(safe("x\u{7f}\u{85}\u{ffff}y"), "x\u{fffd}\u{fffd}\u{fffd}y");
        assert_eq!(safe("tab\tnew\nline\r"), "tab\tnew\nline\r");
    }
}
