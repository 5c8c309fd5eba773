/*!
Checks on text that comes from outside (the service, the command line, the
user's files) before it is written anywhere a line break would change its
meaning: which characters count as control characters, the one character set
for profile, session and credentials-section names, and how such text is shown
in a message without letting it write to the terminal.
*/

/// Characters no value we write may hold: every Unicode control character
/// (C0 with tab, CR, LF, NUL and ESC; DEL; C1 with NEL U+0085), and the line
/// and paragraph separators U+2028 and U+2029, which some parsers (Python's
/// `str.splitlines`, which botocore applies to nested values, and JavaScript
/// regular expressions) take for line breaks.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The first control character of `s` (see [`is_control`]), if any.
pub fn first_control(s: &str) -> Option<char> {
    s.chars().find(|&c| is_control(c))
}

/// Whitespace to every INI reader of the AWS SDKs: Unicode white space (Rust's
/// `char::is_whitespace`, Python's `str.strip`) plus U+FEFF, which
/// JavaScript's `\s` and `trim` also count.
pub fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// A character of a profile, session or credentials-section name: ASCII
/// letters and digits, `_`, `-`, `.`, `@` and `+`. The Java, Rust and
/// JavaScript SDKs drop a section whose name has anything else, and one `#`
/// in a header makes the Rust SDK reject the whole file.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+')
}

/// Whether `s` is a valid profile, session or credentials-section name.
pub fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_name_char)
}

/// What every name error says about the character set.
pub const NAME_RULE: &str = "use only ASCII letters, digits and _ - . @ +";

/// `s` quoted for a message: control characters and other unprintable ones
/// escaped (`\n`, `\u{1b}`), so that text from the service or the user can
/// neither break the message's one line nor send escape sequences to the
/// terminal; cut after 64 characters, since a hostile answer may be long.
pub fn shown(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
        ] {
            assert!(is_control(c), "{c:?}");
        }
        assert!(is_control('\u{2028}') && is_control('\u{2029}'));
        for c in [' ', 'a', 'Ü', '\u{a0}', '#', '\u{feff}'] {
            assert!(!is_control(c), "{c:?}");
        }
        assert_eq!(first_control("ab\u{1b}[31mc\n"), Some('\u{1b}'));
        assert_eq!(first_control("plain text"), None);
    }

    #[test]
    fn names() {
        for ok in ["corp", "prod.Admin", "a_b-c.d@e+f", "0", "default"] {
            assert!(is_name(ok), "{ok}");
        }
        for bad in ["", "a b", "a#b", "a]b", "a/b", "Ü", "a\nb", "a:b", "\"a\""] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("a\nb\u{1b}[2J"), r#""a\nb\u{1b}[2J""#);
        assert_eq!(shown("x\u{2028}y\u{202e}"), r#""x\u{2028}y\u{202e}""#);
        let long = "r".repeat(100);
        assert_eq!(shown(&long), format!("\"{}\"…", "r".repeat(64)));
        assert!(!shown("é\u{85}").contains('\u{85}'));
    }
}
