/*!
The man page, `sso-config(1)`, rendered in roff from the same help texts that
`help` prints (hidden command `sso-config __man`, run by `make man`): the
top-level help is the description, each command's `USAGE` a subsection, and
the topics give SESSION OPTIONS, ROLE OPTIONS, ENVIRONMENT, FILES and EXIT
STATUS.

The texts are plain, so they are read by their layout (see `help`): option
and entry lines (`  --flag ARG   description`, `  NAME   description`)
become tagged paragraphs, the lines of `Usage:`, `Examples:` and other
indented blocks are kept as they are, and text at the margin is filled.
*/

use crate::cmd::args::{ROLE_HELP, SESSION_HELP};
use crate::cmd::help::{CommandDoc, ENVIRONMENT, EXIT_STATUS, FILES, OVERVIEW};

/// The whole page; `commands` are all of them (`cmd::COMMANDS`).
pub fn page(commands: &[CommandDoc]) -> String {
    let mut out = format!(
        ".TH SSO-CONFIG 1 {} {} \"User Commands\"\n.nh\n.ad l\n",
        env!("SSO_CONFIG_DATE"),
        quoted(&format!("sso-config {}", env!("CARGO_PKG_VERSION")))
    );
    out.push_str(".SH NAME\nsso\\-config \\- AWS IAM Identity Center from the terminal\n");
    out.push_str(".SH SYNOPSIS\n.nf\n");
    for c in commands {
        for line in c.usage.lines().take_while(|l| !l.trim().is_empty()) {
            let usage = line.trim_start_matches("Usage:").trim();
            out.push_str(&format!("{}\n", escape(usage)));
        }
    }
    out.push_str(".fi\n.SH DESCRIPTION\n");
    out.push_str(
        "sso\\-config logs in to AWS IAM Identity Center (AWS SSO) the way the AWS CLI v2 \
         does, sharing its token cache; writes ~/.aws/config profiles for every account and \
         role; and hands role credentials to the AWS CLI, the SDKs and other programs.\n.PP\n",
    );
    // The top-level help without its title and usage line.
    let body = OVERVIEW
        .split_once("\n\n")
        .map_or(OVERVIEW, |(_, rest)| rest);
    let body = body.split_once("\n\n").map_or(body, |(_, rest)| rest);
    out.push_str(&render(body));
    out.push_str(".SH COMMANDS\n");
    for c in commands {
        let title = match &c.words[1..] {
            [] => c.name().to_string(),
            aliases => format!("{} (alias {})", c.name(), aliases.join(", ")),
        };
        out.push_str(&format!(".SS {}\n", quoted(&format!("sso-config {title}"))));
        out.push_str(&format!("{}\n.PP\n", escape(c.summary())));
        out.push_str(&render(c.usage));
    }
    for (title, text) in [
        ("SESSION OPTIONS", SESSION_HELP),
        ("ROLE OPTIONS", ROLE_HELP),
        ("ENVIRONMENT", ENVIRONMENT),
        ("FILES", FILES),
        ("EXIT STATUS", EXIT_STATUS),
    ] {
        out.push_str(&format!(".SH {}\n", quoted(title)));
        // A topic's own title ("Files:") is the section's.
        let text = match text.split_once('\n') {
            Some((first, rest)) if is_header(first) => rest,
            _ => text,
        };
        out.push_str(&render(text));
    }
    out.push_str(".SH \"SEE ALSO\"\n.BR aws (1)\n");
    out
}

/// What the previous line of a help text was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// A blank line, or the start (a paragraph has begun).
    Break,
    /// Text at the margin.
    Text,
    /// An entry (a tagged paragraph) or its description.
    Entry,
    /// A line kept as it is.
    Verbatim,
}

/// One help text in roff.
fn render(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut examples = false;
    let mut last = Last::Break;
    for (i, line) in lines.iter().enumerate() {
        let depth = indent(line);
        let next_indent = lines.get(i + 1).map_or(0, |l| indent(l));
        let continues = last == Last::Entry && depth > 2;
        let verbatim = line.starts_with("Usage:")
            || (last == Last::Verbatim && line.starts_with("       "))
            || (depth >= 2 && (examples || !continues) && !is_entry(line, next_indent));
        if last == Last::Verbatim && !verbatim {
            out.push_str(".fi\n.RE\n");
        }
        if line.trim().is_empty() {
            out.push_str(".PP\n");
            last = Last::Break;
            continue;
        }
        if verbatim {
            if last != Last::Verbatim {
                out.push_str(".RS 4\n.nf\n");
            }
            out.push_str(&format!("{}\n", escape(line.trim_end())));
            last = Last::Verbatim;
            continue;
        }
        if depth == 0 {
            examples = *line == "Examples:";
            if last != Last::Break && (last != Last::Text || is_header(line)) {
                out.push_str(".PP\n");
            }
            if is_header(line) {
                out.push_str(&format!(".B {}\n.br\n", quoted(line)));
                last = Last::Break;
            } else {
                out.push_str(&format!("{}\n", escape(line)));
                last = Last::Text;
            }
            continue;
        }
        if continues {
            out.push_str(&format!("{}\n", escape(line.trim())));
        } else {
            let (head, about) = split_entry(line.trim());
            out.push_str(&format!(".TP\n{}\n", tag(head)));
            if !about.is_empty() {
                out.push_str(&format!("{}\n", escape(about)));
            }
        }
        last = Last::Entry;
    }
    if last == Last::Verbatim {
        out.push_str(".fi\n.RE\n");
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// An entry line: a name and its description, apart by two or more spaces
/// (or the description on the more deeply indented lines below).
fn is_entry(line: &str, next_indent: usize) -> bool {
    indent(line) == 2 && (line.trim().contains("  ") || next_indent > 2)
}

fn split_entry(line: &str) -> (&str, &str) {
    match line.find("  ") {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    }
}

/// A short line at the margin ending in `:` ("Options:", "Examples:").
fn is_header(line: &str) -> bool {
    line.ends_with(':') && line.split(' ').count() <= 3
}

/// The tag of an entry: names in bold, a flag's argument in italics
/// (`--write [FILE]`, `-h, --help`).
fn tag(head: &str) -> String {
    if !head.starts_with('-') {
        return format!("\\fB{}\\fR", escape(head));
    }
    head.split(", ")
        .map(|part| match part.split_once(' ') {
            None => format!("\\fB{}\\fR", escape(part)),
            Some((name, arg)) => match arg.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
                Some(opt) => format!("\\fB{}\\fR [\\fI{}\\fR]", escape(name), escape(opt)),
                None => format!("\\fB{}\\fR \\fI{}\\fR", escape(name), escape(arg)),
            },
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text as roff input: backslashes and dashes escaped, a leading `.` or `'`
/// kept from being a request, anything beyond ASCII as a named glyph.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.starts_with(['.', '\'']) {
        out.push_str("\\&");
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
}

/// A macro argument in double quotes (a `"` inside doubled, as roff reads it).
fn quoted(text: &str) -> String {
    format!("\"{}\"", escape(text).replace('"', "\"\""))
}
