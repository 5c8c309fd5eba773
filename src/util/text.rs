/*!
Text from outside (the service, the command line, the user's files): which
characters would change its meaning where we write or show it, and how it is
made safe.

- Written into an INI file or a shell line, a line break starts a new entry:
  [`is_control`] finds those, and [`is_name`] is the one character set for
  profile, session and credentials-section names.
- Shown on a terminal, a service's error message, an account name or a user
  code may carry bytes a terminal acts on (ESC sequences that clear the
  screen or retitle the window, a carriage return that overwrites the line, a
  newline that forges a second message) or that reorder what is shown (bidi
  overrides). Everything that reaches stderr or a table goes through
  [`escape_control`] once, so such text is shown as visible escapes and our
  one-line messages stay one line.
*/

use std::borrow::Cow;

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

/// `s` quoted for a message about one entry: escaped (see
/// [`escape_control`]) so that text from the service or the user can neither
/// break the message's one line nor send escape sequences to the terminal,
/// and cut after 64 characters, since a hostile answer may be long.
pub fn shown(s: &str) -> String {
    format!("\"{}\"", escape_control(&shorten(s, 64)))
}

/// True for a character a terminal may act on rather than show: every
/// [`is_control`] character, and the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    is_control(c) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [`is_unsafe`] character written as a visible escape, the way
/// Rust writes it in a string literal (`\n`, `\t`, `\u{1b}`, `\u{202e}`).
/// Borrows when there is nothing to escape; never touches anything else, so
/// escaping twice gives the same text as escaping once.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`escape_control`] but keeps line feeds: for our own multi-line notes
/// whose other parts may come from elsewhere.
pub fn escape_control_keep_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<Cow<'_, str>> = s.split('\n').map(escape_control).collect();
    Cow::Owned(lines.join("\n"))
}

/// `s` cut to at most `max` characters, with `…` marking a cut: text from a
/// server (an error message, a URL) is quoted in one-line messages, and a
/// megabyte of it would not be one line anyone can read.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
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
        assert_eq!(shown(&long), format!("\"{}…\"", "r".repeat(64)));
        assert!(!shown("é\u{85}").contains('\u{85}'));
    }

    #[test]
    fn escapes_what_a_terminal_acts_on() {
        assert_eq!(escape_control("plain text: ok"), "plain text: ok");
        assert!(matches!(escape_control("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_control("one\ntwo\r"), "one\\ntwo\\r");
        assert_eq!(escape_control("tab\tdel\u{7f}"), "tab\\tdel\\u{7f}");
        assert_eq!(escape_control("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(
            escape_control("abc\u{202e}fed\u{2066}x\u{2069}"),
            "abc\\u{202e}fed\\u{2066}x\\u{2069}"
        );
        assert_eq!(escape_control("nul\0"), "nul\\u{0}");
        // Other non-ASCII text is shown as it is.
        assert_eq!(escape_control("Zürich 東京 ☁"), "Zürich 東京 ☁");
    }

    #[test]
    fn escaping_is_idempotent() {
        let once = escape_control("x\u{1b}]0;title\u{7}\n\\u{1b}").into_owned();
        assert_eq!(escape_control(&once), once);
        assert!(!once.chars().any(is_unsafe));
    }

    #[test]
    fn shortens_on_character_boundaries() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ééééé", 2), "éé…");
        assert_eq!(shorten("", 0), "");
    }

    #[test]
    fn keeping_lines_escapes_the_rest() {
        assert_eq!(
            escape_control_keep_lines("open:\n\n    u\u{1b}[2J\r\n"),
            "open:\n\n    u\\u{1b}[2J\\r\n"
        );
        assert_eq!(escape_control_keep_lines("a\nb"), "a\nb");
    }
}
