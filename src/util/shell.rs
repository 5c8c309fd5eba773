/*!
Shell words: quoting a value for a POSIX shell, quoting a program path in a
`credential_process` line, and splitting a command line the way botocore does.

botocore splits `credential_process` with Python's `shlex.split` (POSIX mode,
no comments; `botocore.compat.compat_shell_split` on Unix), and reads
`[profile "a b"]` headers the same way, so [`split`] follows `shlex` exactly,
not `sh`: inside double quotes a backslash escapes only `"` and `\`, so `"\$"`
stays `\$`; outside quotes a backslash escapes any character, a newline
included; only space, tab, CR and LF separate words.
*/

use std::fmt;

/// POSIX single quotes: nothing is special inside them but `'` itself, written
/// `'\''`. Safe for `eval` whatever the value holds.
pub fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// A word for a `credential_process` line: double-quoted (with `\` and `"`
/// escaped) when it has blanks or quotes, else as it is.
pub fn command_word(word: &str) -> String {
    if word.contains([' ', '\t', '"', '\'']) {
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        word.to_string()
    }
}

/// Why a line cannot be split (where `shlex.split` raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A quote (`'` or `"`) that is never closed.
    Unterminated(char),
    /// A backslash as the last character.
    TrailingBackslash,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Unterminated('\'') => f.write_str("unterminated single quote"),
            SplitError::Unterminated(_) => f.write_str("unterminated double quote"),
            SplitError::TrailingBackslash => f.write_str("trailing backslash"),
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `line` into words exactly as Python's `shlex.split(line)` does.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    // A word exists once any character or quote is seen: `""` is an empty word.
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            words.extend(word.take());
            continue;
        }
        let w = word.get_or_insert_with(String::new);
        match c {
            '\'' | '"' => quoted(&mut chars, c, w)?,
            '\\' => w.push(chars.next().ok_or(SplitError::TrailingBackslash)?),
            c => w.push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Reads up to the closing `quote`. Inside double quotes a backslash escapes
/// only `"` and `\` (it stays before anything else); inside single quotes
/// nothing is special.
fn quoted(
    chars: &mut std::str::Chars<'_>,
    quote: char,
    word: &mut String,
) -> Result<(), SplitError> {
    loop {
        match chars.next().ok_or(SplitError::Unterminated(quote))? {
            c if c == quote => return Ok(()),
            '\\' if quote == '"' => {
                let next = chars.next().ok_or(SplitError::Unterminated(quote))?;
                if next != '"' && next != '\\' {
                    word.push('\\');
                }
                word.push(next);
            }
            c => word.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// botocore's own cases for `compat_shell_split` on Unix
    /// (tests/unit/test_compat.py), then the ones where `shlex` and `sh` differ.
    const CASES: &[(&str, Option<&[&str]>)] = &[
        ("", Some(&[])),
        (r"spam \\", Some(&["spam", r"\"])),
        ("spam ", Some(&["spam"])),
        (" spam", Some(&["spam"])),
        ("spam eggs", Some(&["spam", "eggs"])),
        ("spam\teggs", Some(&["spam", "eggs"])),
        ("spam\neggs", Some(&["spam", "eggs"])),
        (r#""""#, Some(&[""])),
        (r#"" ""#, Some(&[" "])),
        ("\"\t\"", Some(&["\t"])),
        (r"\\", Some(&[r"\"])),
        (r"\\ ", Some(&[r"\"])),
        ("\\\\\t", Some(&[r"\"])),
        (r#"\""#, Some(&["\""])),
        (r#""abc" d e"#, Some(&["abc", "d", "e"])),
        (r#"a\\b d"e f"g h"#, Some(&[r"a\b", "de fg", "h"])),
        (r#"a\\\"b c d"#, Some(&[r#"a\"b"#, "c", "d"])),
        (r#"a\\\\"b c" d e"#, Some(&[r"a\\b c", "d", "e"])),
        (r#"""#, None),
        // Beyond botocore's list: where a shell would differ.
        (
            r#""\$HOME" "\`x\`" '\n'"#,
            Some(&[r"\$HOME", r"\`x\`", r"\n"]),
        ),
        ("a\\\nb", Some(&["a\nb"])),
        ("\"a\\\nb\"", Some(&["a\\\nb"])),
        ("a\u{a0}b \u{2003}c", Some(&["a\u{a0}b", "\u{2003}c"])),
        (
            "x''y 'it'\\''s' #no-comment",
            Some(&["xy", "it's", "#no-comment"]),
        ),
        (r#"a  "b \" \x" c'd e'"#, Some(&["a", r#"b " \x"#, "cd e"])),
        ("a 'b", None),
        ("a b\\", None),
        (
            r#"/bin/tool --x 'a b' "c \"d\"" f\ g ''"#,
            Some(&["/bin/tool", "--x", "a b", "c \"d\"", "f g", ""]),
        ),
    ];

    #[test]
    fn splits_like_shlex() {
        for (line, want) in CASES {
            let got = split(line).ok();
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, want, "{line:?}");
        }
        assert_eq!(
            split("a 'b").unwrap_err().to_string(),
            "unterminated single quote"
        );
        assert_eq!(
            split("a \"b").unwrap_err().to_string(),
            "unterminated double quote"
        );
    }

    /// The same cases through the real `shlex.split` of the machine's Python 3.
    #[test]
    fn agrees_with_python_shlex() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let lines: Vec<&str> = CASES.iter().map(|(l, _)| *l).collect();
        let script = "import json, shlex, sys\n\
            def split(s):\n    try:\n        return shlex.split(s)\n    except ValueError:\n        return None\n\
            print(json.dumps([split(s) for s in json.load(sys.stdin)]))";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for this test (CI installs nothing else for it)");
        let input = serde_json::to_vec(&lines).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let python: Vec<Option<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
        for (line, py) in lines.iter().zip(python) {
            assert_eq!(split(line).ok(), py, "{line:?}");
        }
    }

    #[test]
    fn quoting_round_trips_through_split() {
        for v in ["plain", "a'b$c", "sp ace", "", "\\\"", "`x` $(y) #z"] {
            assert_eq!(split(&quote(v)).unwrap(), [v], "{v:?}");
        }
        assert_eq!(quote("a'b$c"), r"'a'\''b$c'");
        assert_eq!(
            command_word("/usr/local/bin/sso-config"),
            "/usr/local/bin/sso-config"
        );
        assert_eq!(
            command_word("/Users/Jo Doe/bin/sso-config"),
            "\"/Users/Jo Doe/bin/sso-config\""
        );
        assert_eq!(
            command_word("/opt/it's/sso-config"),
            "\"/opt/it's/sso-config\""
        );
        assert_eq!(command_word("C:\\a b\\x\"y"), "\"C:\\\\a b\\\\x\\\"y\"");
    }
}
