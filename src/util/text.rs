/*!
Text from elsewhere made safe to show on a terminal. A service's error
message, an account name or a user code may carry bytes that a terminal acts
on (ESC sequences that clear the screen or retitle the window, a carriage
return that overwrites the line, a newline that forges a second message) or
that reorder what is shown (bidi overrides). Everything that reaches stderr or
a table goes through [`escape_control`] once, so such text is shown as visible
escapes and our one-line messages stay one line.
*/

use std::borrow::Cow;

/// True for a character a terminal may act on rather than show: C0 controls
/// (newline and tab included), DEL, C1 controls (U+0080–U+009F), and the bidi
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
