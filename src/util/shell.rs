/*!
Shell words: the one quoting function, for a POSIX shell and for a
`credential_process` line alike, and splitting a command line the way botocore
does.

A `credential_process` line is run two ways: botocore splits it with Python's
`shlex.split` (POSIX mode, no comments; `botocore.compat.compat_shell_split`
on Unix) and runs the words, while the Rust, JavaScript, Go and Java SDKs hand
it to `sh -c`. [`quote`] writes words both read back identically. [`split`]
follows `shlex` exactly, not `sh`: inside double quotes a backslash escapes
only `"` and `\`, so `"\$"` stays `\$`; outside quotes a backslash escapes any
character, a newline included; only space, tab, CR and LF separate words.
botocore reads `[profile "a b"]` headers with the same splitter.
*/

use std::fmt;

use crate::util::text;

/// `v` as one shell word that `sh` and Python's `shlex.split` both read back
/// as exactly `v`, whatever it holds, and that survives being an INI value.
///
/// - Single quotes: inside them `sh` and `shlex` (POSIX mode) treat every
///   character literally, `$`, `` ` ``, `\`, `"`, `#`, `;`, `&`, `(`, `)`,
///   blanks, newlines and non-ASCII text included. A `'` is written `'\''`
///   (end the quotes, an escaped quote, quotes again), which both read alike.
/// - A `#` or `;` right after a blank is written `\#` / `\;` outside the
///   quotes: the INI readers of the Rust, JavaScript, Kotlin and Ruby SDKs cut
///   a value at whitespace followed by `#` or `;` (an inline comment), even
///   inside quotes, which botocore does not; with a backslash in front no
///   blank precedes it and both shells still read a plain `#` or `;`.
///
/// The word starts with `'`, so it is never a comment to `sh`. A value that
/// starts with `-` is still one word; written as `--flag=` followed by the
/// quoted value it is that flag's value to any option parser.
pub fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    let mut after_blank = false;
    for c in v.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '#' | ';' if after_blank => {
                out.push_str("'\\");
                out.push(c);
                out.push('\'');
            }
            c => out.push(c),
        }
        after_blank = text::is_blank(c);
    }
    out.push('\'');
    out
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
        let lines: Vec<&str> = CASES.iter().map(|(l, _)| *l).collect();
        let script = "import json, shlex, sys\n\
            def split(s):\n    try:\n        return shlex.split(s)\n    except ValueError:\n        return None\n\
            print(json.dumps([split(s) for s in json.load(sys.stdin)]))";
        let py: Vec<Option<Vec<String>>> = python(script, &lines);
        for (line, py) in lines.iter().zip(py) {
            assert_eq!(split(line).ok(), py, "{line:?}");
        }
    }

    /// Values a path or a service answer may hold: every character a shell,
    /// `shlex` or an INI reader treats specially, blanks before comment
    /// characters, quotes of both kinds, a leading `-` or `#`, non-ASCII.
    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "/usr/local/bin/sso-config",
        "/Users/Jo Doe/bin/sso-config",
        "/opt/it's/sso-config",
        "a'b$c",
        "''",
        "'",
        "\\\"",
        "`x` $(y) #z",
        "/tmp/a b ( ) & ; $HOME \\ ` # ' \" ~ * ? [x] {a,b} | < > !/bin",
        "#start",
        ";start",
        "-x",
        "--role-name=evil",
        "a #b",
        "a ;b",
        "a\t#b",
        "a\u{a0}#b\u{2003};c\u{feff}#d",
        "a  ##;;b",
        "end with space ",
        " lead",
        "Ünïcödé/日本/sso-config",
        "C:\\a b\\x\"y",
        "a\\'b",
        "$'\\n'",
        "line\nbreak\r\n",
    ];

    #[test]
    fn quoting_round_trips_through_split() {
        for v in HOSTILE {
            assert_eq!(split(&quote(v)).unwrap(), [*v], "{v:?}");
        }
        assert_eq!(quote("a'b$c"), r"'a'\''b$c'");
        assert_eq!(quote("corp"), "'corp'");
        assert_eq!(quote("a #b"), r"'a '\#'b'");
        assert_eq!(quote(""), "''");
    }

    /// What an INI reader of the Rust or JavaScript SDK keeps of a value: it
    /// is cut at the first `#` or `;` that follows a blank.
    fn ini_comment_cut(v: &str) -> &str {
        let mut after_blank = false;
        for (i, c) in v.char_indices() {
            if matches!(c, '#' | ';') && after_blank {
                return &v[..i];
            }
            after_blank = text::is_blank(c);
        }
        v
    }

    #[test]
    fn quoted_words_are_not_cut_as_ini_comments() {
        for v in HOSTILE {
            let line = format!("{} --x={}", quote(v), quote(v));
            assert_eq!(ini_comment_cut(&line), line, "{v:?}");
        }
    }

    /// Runs python3 with `script`, `input` as JSON on stdin; its stdout as JSON.
    fn python<T: serde::de::DeserializeOwned>(script: &str, input: &impl serde::Serialize) -> T {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for this test (CI installs nothing else for it)");
        let input = serde_json::to_vec(input).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The words `sh -c` passes to a program for `line`, read back through
    /// `printf '%s\0'`.
    fn sh_words(line: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {line}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "sh failed for {line:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut words: Vec<String> = text.split('\0').map(str::to_string).collect();
        words.pop(); // after the last NUL
        words
    }

    /// A `credential_process`-like line of hostile words gives the same argv
    /// to `sh -c` and to Python's `shlex.split`, and that argv is the words.
    #[test]
    fn quoted_lines_split_alike_in_sh_and_python() {
        let lines: Vec<(Vec<String>, String)> = HOSTILE
            .iter()
            .map(|v| {
                let words = vec![
                    v.to_string(),
                    "credential-process".to_string(),
                    format!("--role-name={v}"),
                ];
                let line = format!("{} credential-process --role-name={}", quote(v), quote(v));
                (words, line)
            })
            .collect();
        let script = "import json, shlex, sys\n\
            print(json.dumps([shlex.split(s) for s in json.load(sys.stdin)]))";
        let only_lines: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
        let py: Vec<Vec<String>> = python(script, &only_lines);
        for ((words, line), py) in lines.iter().zip(py) {
            assert_eq!(&py, words, "python: {line}");
            assert_eq!(&sh_words(line), words, "sh: {line}");
        }
    }
}
