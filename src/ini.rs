/*!
Lossless model of the AWS shared `config` and `credentials` files, for reading and rewriting.

A [`Document`] keeps every line byte for byte (line endings, a UTF-8 BOM, comments, spacing, a
missing final newline) next to an index of sections and keys. The index follows the rules
botocore inherits from Python's `configparser.RawConfigParser` (protocol.md §6.2), so what we
read is what the AWS CLI reads. Edits replace whole lines and re-index the result; every byte
outside the edited lines is kept, and an unmodified document prints back byte-identical.
*/

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use crate::util::{shell, text};

/// A file that botocore would refuse to load, with the first offending line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (a BOM does not add a line).
    pub line: usize,
    /// What is wrong, lower-case, without the file path (the caller adds it).
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// Why an edit was refused. The document is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// An argument cannot be written as asked (a marker that is not a comment, a block body
    /// with a key before its first header, ...).
    Invalid(String),
    /// A section name, key or value that the writer refuses (see [`WriteError`]).
    Unwritable(WriteError),
    /// The managed-block markers already in the file are unmatched, repeated or out of order.
    Markers(ParseError),
    /// The edited file would not parse (e.g. the new text repeats a section found elsewhere),
    /// or a header after the edit would become part of a value. Line numbers refer to the
    /// edited text.
    WouldBreak(ParseError),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Invalid(msg) => f.write_str(msg),
            EditError::Unwritable(e) => write!(f, "{e}"),
            EditError::Markers(e) => write!(f, "{e}"),
            EditError::WouldBreak(e) => write!(f, "edit refused, the result would be invalid: {e}"),
        }
    }
}

impl std::error::Error for EditError {}

impl From<WriteError> for EditError {
    fn from(e: WriteError) -> EditError {
        EditError::Unwritable(e)
    }
}

/// Why the writer refuses a section name, key or value. Every header and `key = value` line
/// the tool writes goes through one check ([`render`] and [`Document::set_section`]), so that
/// no text from the service, the command line or another file can add a line, a section or a
/// comment, or read back differently in botocore and the other SDKs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// A section name outside [`text::NAME_RULE`] (or `[DEFAULT]` in a credentials file).
    Name {
        /// What kind of section: `profile`, `sso-session` or `section`.
        kind: &'static str,
        /// The name as given.
        name: String,
    },
    /// A key that is not lower-case ASCII letters, digits, `_`, `-` and `.`.
    Key(String),
    /// A value that would not read back as written.
    Value {
        /// Its key.
        key: String,
        /// What is wrong; the value itself is never kept, it may be a secret.
        problem: ValueProblem,
    },
}

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// A control character or line separator ([`text::is_control`]): a line break would start
    /// a new line (a new key, a new section), an escape sequence would reach a terminal.
    Control(char),
    /// Blanks at either end, which every reader strips.
    Blank,
    /// `#` or `;` at the start or after a blank: the Rust, JavaScript, Kotlin and Ruby SDKs
    /// end the value there (an inline comment); botocore does not.
    Comment(char),
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueProblem::Control(c) => {
                write!(f, "it has a control character (U+{:04X})", *c as u32)
            }
            ValueProblem::Blank => f.write_str("it starts or ends with a blank"),
            ValueProblem::Comment(c) => write!(
                f,
                "it has a '{c}' at the start or after a blank, which some SDKs read as a comment"
            ),
        }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Name { kind, name } => write!(
                f,
                "cannot write {kind} name {}: {}",
                text::shown(name),
                text::NAME_RULE
            ),
            WriteError::Key(key) => write!(
                f,
                "cannot write key {}: use only lower-case ASCII letters, digits and _ - .",
                text::shown(key)
            ),
            WriteError::Value { key, problem } => {
                write!(
                    f,
                    "cannot write the value of {}: {problem}",
                    text::shown(key)
                )
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// The header of a section the tool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header<'a> {
    /// `[profile NAME]` in the config file.
    Profile(&'a str),
    /// `[sso-session NAME]` in the config file.
    SsoSession(&'a str),
    /// `[NAME]` in the credentials file.
    Bare(&'a str),
}

impl Header<'_> {
    /// The text between the brackets, once the name passed [`check_name`].
    fn text(self) -> Result<String, WriteError> {
        let (kind, name) = match self {
            Header::Profile(n) => ("profile", n),
            Header::SsoSession(n) => ("sso-session", n),
            Header::Bare(n) => ("section", n),
        };
        // configparser's `[DEFAULT]` would lend its keys to every profile.
        let parser_defaults = matches!(self, Header::Bare("DEFAULT"));
        if !text::is_name(name) || parser_defaults {
            return Err(WriteError::Name {
                kind,
                name: name.to_string(),
            });
        }
        Ok(match self {
            Header::Bare(n) => n.to_string(),
            _ => format!("{kind} {name}"),
        })
    }
}

/// INI text that only [`render`] makes: every header and line in it passed the writer's
/// checks. [`Document::replace_block`] takes nothing else, so no caller can put unchecked text
/// into a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered(String);

impl Rendered {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Renders sections as INI text: each `[header]` followed by its `key = value` lines, a blank
/// line between sections. Refuses (naming the first problem) any name outside
/// [`text::NAME_RULE`], any key outside lower-case `[a-z0-9_.-]`, and any value that would not
/// read back as written in every SDK (see [`check_value`]).
pub fn render(sections: &[(Header<'_>, &[(String, String)])]) -> Result<Rendered, WriteError> {
    let mut out = String::new();
    for (i, (header, entries)) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&header_line(*header, "\n")?);
        for (k, v) in entries.iter() {
            out.push_str(&entry_line(k, v, "\n")?);
        }
    }
    Ok(Rendered(out))
}

/// Checks a section name against [`text::NAME_RULE`] (the kind names it in the error).
pub fn check_name(header: Header<'_>) -> Result<(), WriteError> {
    header.text().map(|_| ())
}

/// Checks a key: non-empty lower-case ASCII letters, digits, `_`, `-` and `.`. configparser
/// and the Rust SDK lower-case keys while the JavaScript SDK does not, so only lower-case keys
/// mean the same to all of them; `=`, `:`, blanks and brackets would not read back at all.
pub fn check_key(key: &str) -> Result<(), WriteError> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.');
    if key.is_empty() || !key.chars().all(ok) {
        return Err(WriteError::Key(key.to_string()));
    }
    Ok(())
}

/// Checks a value: no control character or line separator, no blank at either end, and no
/// `#` or `;` at the start or after a blank. Such a value reads back exactly as written in
/// botocore (configparser without inline comments), the Rust SDK (which cuts a value at a
/// blank followed by `#` or `;`) and the JavaScript SDK (the same, and lines split at LF).
pub fn check_value(value: &str) -> Result<(), ValueProblem> {
    if let Some(c) = text::first_control(value) {
        return Err(ValueProblem::Control(c));
    }
    if value.starts_with(text::is_blank) || value.ends_with(text::is_blank) {
        return Err(ValueProblem::Blank);
    }
    // We write `key = value`: the value's first character follows a blank.
    let mut after_blank = true;
    for c in value.chars() {
        if matches!(c, '#' | ';') && after_blank {
            return Err(ValueProblem::Comment(c));
        }
        after_blank = text::is_blank(c);
    }
    Ok(())
}

/// What a section header means to botocore (`configloader.build_profile_map`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// `[default]`: the default profile.
    Default,
    /// `[profile NAME]` (config file). The name is the second shell word of the header.
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
    /// `[services NAME]`: per-service endpoint settings.
    Services(String),
    /// `[DEFAULT]`: configparser's defaults section; every section inherits its keys.
    ParserDefaults,
    /// Any other header, e.g. `[Profile x]`, `[profile a b]`, `[dev]`. In the credentials
    /// file every profile but `default` is of this kind; see [`Document::credentials_section`].
    Other,
}

impl SectionKind {
    /// The profile this header defines in the config file, if any.
    pub fn profile_name(&self) -> Option<&str> {
        match self {
            SectionKind::Default => Some("default"),
            SectionKind::Profile(name) => Some(name),
            _ => None,
        }
    }

    /// Reads a header the way botocore does: the `profile`, `sso-session` and `services`
    /// prefixes are only checked with `startswith`, then the header must shell-split into
    /// exactly two words, else the section is ignored.
    fn of(header: &str) -> SectionKind {
        type Make = fn(String) -> SectionKind;
        let prefixed: [(&str, Make); 3] = [
            ("profile", SectionKind::Profile),
            ("sso-session", SectionKind::SsoSession),
            ("services", SectionKind::Services),
        ];
        for (prefix, make) in prefixed {
            if header.starts_with(prefix) {
                return match shell::split(header).as_deref() {
                    Ok([_, name]) => make(name.clone()),
                    _ => SectionKind::Other,
                };
            }
        }
        match header {
            "default" => SectionKind::Default,
            "DEFAULT" => SectionKind::ParserDefaults,
            _ => SectionKind::Other,
        }
    }
}

/// One `key = value` entry as configparser reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower-cased (configparser's `optionxform`).
    pub key: String,
    /// The value with surrounding spaces stripped. Continuation lines are joined with `\n`;
    /// a nested block (`s3 =` then indented `k = v` lines) therefore starts with `\n`.
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
    /// 0-based indices of the key line through its last continuation line.
    pub span: Range<usize>,
}

/// One section: its header line and every line up to the next header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The exact text between `[` and the last `]`, not trimmed (configparser's section name,
    /// which is also what duplicate detection compares).
    pub header: String,
    /// What the header means to botocore.
    pub kind: SectionKind,
    /// 1-based line of the header.
    pub line: usize,
    /// 0-based indices of the header line through the line before the next header.
    pub span: Range<usize>,
    /// The section's own entries in file order (inherited `[DEFAULT]` keys not included).
    pub entries: Vec<Entry>,
}

impl Section {
    /// This section's own value for `key` (case-insensitive), ignoring `[DEFAULT]`.
    pub fn own(&self, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }

    /// Index after the last key or continuation line; comments and blank lines after it
    /// usually introduce the next section, so edits leave them in place.
    fn body_end(&self) -> usize {
        self.entries
            .last()
            .map_or(self.span.start + 1, |e| e.span.end)
    }
}

/// Whether [`Document::replace_block`] found the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockChange {
    /// The block existed; the lines between its markers were replaced.
    Replaced,
    /// There was no block; one was appended at the end of the file.
    Appended,
}

/// A config or credentials file: its lines kept verbatim plus the parsed section index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// Whether the text started with a UTF-8 BOM, which is kept but not parsed.
    bom: bool,
    /// Every line with its own terminator (`\n`, `\r\n` or none for a last line).
    lines: Vec<String>,
    sections: Vec<Section>,
    /// Where each named section is, so lookups stay constant-time on big files.
    lookup: Lookup,
}

/// Section positions by what botocore looks them up by; for repeated names the
/// later section wins, as in botocore's dicts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Lookup {
    profiles: HashMap<String, usize>,
    sessions: HashMap<String, usize>,
    services: HashMap<String, usize>,
    /// Credentials-file sections by bare header; the first one wins (headers
    /// other than `[DEFAULT]` are unique anyway).
    headers: HashMap<String, usize>,
}

impl Lookup {
    fn new(sections: &[Section]) -> Lookup {
        let mut l = Lookup::default();
        for (i, s) in sections.iter().enumerate() {
            if s.kind != SectionKind::ParserDefaults {
                l.headers.entry(s.header.clone()).or_insert(i);
            }
            let map = match &s.kind {
                SectionKind::Default => Some((&mut l.profiles, "default")),
                SectionKind::Profile(n) => Some((&mut l.profiles, n.as_str())),
                SectionKind::SsoSession(n) => Some((&mut l.sessions, n.as_str())),
                SectionKind::Services(n) => Some((&mut l.services, n.as_str())),
                _ => None,
            };
            if let Some((map, name)) = map {
                map.insert(name.to_string(), i);
            }
        }
        l
    }
}

/// Lines `at` of the current text are to become `new` (each with its terminator).
struct Edit {
    at: Range<usize>,
    new: Vec<String>,
}

impl Document {
    /// Parses the text of a config or credentials file. An empty text is a valid document.
    pub fn parse(text: &str) -> Result<Document, ParseError> {
        // Windows editors may save a BOM. botocore decodes with the locale encoding and would
        // read it as text; we keep it for the round trip and parse what follows.
        let (bom, rest) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let lines: Vec<String> = rest.split_inclusive('\n').map(String::from).collect();
        let sections = index(&lines)?;
        let lookup = Lookup::new(&sections);
        Ok(Document {
            bom,
            lines,
            sections,
            lookup,
        })
    }

    /// The file text; byte-identical to the parsed text unless an edit was made.
    pub fn to_text(&self) -> String {
        let mut text = String::from(if self.bom { "\u{feff}" } else { "" });
        text.extend(self.lines.iter().map(String::as_str));
        text
    }

    /// Every section in file order, `[DEFAULT]` ones included.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The value of `key` (case-insensitive) in `section`, else in `[DEFAULT]`, as
    /// configparser's `get` returns it.
    pub fn get<'a>(&'a self, section: &'a Section, key: &str) -> Option<&'a str> {
        section
            .own(key)
            .or_else(|| self.defaults().find_map(|d| d.own(key)))
    }

    /// One value of a nested block, e.g. `endpoint_url` under `sso_oidc =`. As in botocore,
    /// sub-keys are case-sensitive, and a repeated sub-key's last value wins.
    pub fn get_sub<'a>(&'a self, section: &'a Section, key: &str, subkey: &str) -> Option<&'a str> {
        let value = self.get(section, key)?;
        if !value.starts_with('\n') {
            return None;
        }
        let mut pairs = value.lines().rev().filter_map(|line| line.split_once('='));
        pairs
            .find(|(k, _)| k.trim() == subkey)
            .map(|(_, v)| v.trim())
    }

    #[cfg(test)]
    /// All `(key, value)` pairs of `section` as configparser's `items` gives them: own keys
    /// (lower-case) in file order, then inherited `[DEFAULT]` keys the section lacks.
    pub fn keys<'a>(&'a self, section: &'a Section) -> Vec<(&'a str, &'a str)> {
        let inherited = self.defaults().flat_map(|d| &d.entries);
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for e in section.entries.iter().chain(inherited) {
            if !pairs.iter().any(|(k, _)| *k == e.key) {
                pairs.push((&e.key, &e.value));
            }
        }
        pairs
    }

    /// The section of config-file profile `name`: `[profile NAME]`, or `[default]` /
    /// `[profile default]` for `default`. botocore keeps a dict, so the later one wins.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.at(self.lookup.profiles.get(name))
    }

    /// The section of credentials-file profile `name`: the bare `[NAME]`.
    pub fn credentials_section(&self, name: &str) -> Option<&Section> {
        // configparser does not list `[DEFAULT]` among sections, so it is never a profile.
        self.at(self.lookup.headers.get(name))
    }

    /// The `[sso-session NAME]` section; the later one wins if two headers give `name`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.at(self.lookup.sessions.get(name))
    }

    /// The `[services NAME]` section; the later one wins if two headers give `name`.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.at(self.lookup.services.get(name))
    }

    fn at(&self, i: Option<&usize>) -> Option<&Section> {
        self.sections.get(*i?)
    }

    /// Names of all sso-sessions, each once, in order of first appearance.
    pub fn sso_sessions(&self) -> Vec<&str> {
        unique(self.sections.iter().filter_map(|s| match &s.kind {
            SectionKind::SsoSession(name) => Some(name.as_str()),
            _ => None,
        }))
    }

    /// Names of all config-file profiles, each once, in order of first appearance.
    pub fn profile_names(&self) -> Vec<&str> {
        unique(self.sections.iter().filter_map(|s| s.kind.profile_name()))
    }

    fn defaults(&self) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(|s| s.kind == SectionKind::ParserDefaults)
    }
}

/// Editing. Each edit replaces whole lines, writes new lines with the file's first line
/// ending, and re-parses the result; if that fails the document is left as it was.
impl Document {
    /// The 0-based line range of the managed block, from its start line (see [`is_begin`]:
    /// `begin`, alone or followed by a blank and a note) through the line equal to `end`
    /// (lines compared without trailing whitespace), or `None` when neither marker is present.
    /// Sections whose `span.start` lies in the range belong to the block.
    pub fn block_range(&self, begin: &str, end: &str) -> Result<Option<Range<usize>>, EditError> {
        check_markers(begin, end)?;
        let find = |is: &dyn Fn(&str) -> bool| -> Vec<usize> {
            let lines = self.lines.iter().enumerate();
            lines.filter(|(_, l)| is(l)).map(|(i, _)| i).collect()
        };
        let begins = find(&|l| is_begin(l, begin));
        let ends = find(&|l| l.trim_end() == end.trim_end());
        let fail = |i: usize, msg: String| Err(EditError::Markers(ParseError { line: i + 1, msg }));
        match (begins.as_slice(), ends.as_slice()) {
            ([], []) => Ok(None),
            ([b], [e]) if b < e => Ok(Some(*b..*e + 1)),
            ([_, b, ..], _) => fail(*b, format!("second managed-block start {begin:?}")),
            (_, [_, e, ..]) => fail(*e, format!("second managed-block end {end:?}")),
            ([b], []) => fail(*b, format!("managed-block start has no end line {end:?}")),
            ([], [e]) => fail(*e, format!("managed-block end has no start line {begin:?}")),
            ([_], [e]) => fail(*e, format!("managed-block end comes before {begin:?}")),
        }
    }

    /// The note on the managed block's start line (the text after `begin`, trimmed; empty
    /// when there is none) and that line's 1-based number, or `None` without a block.
    pub fn block_note(&self, begin: &str, end: &str) -> Result<Option<(usize, &str)>, EditError> {
        let Some(range) = self.block_range(begin, end)? else {
            return Ok(None);
        };
        let line = self.lines[range.start].trim_end();
        let note = line.strip_prefix(begin.trim_end()).unwrap_or("").trim();
        Ok(Some((range.start + 1, note)))
    }

    /// Writes `note` on the start line of the existing managed block: `begin`, a blank and the
    /// note (`begin` alone for an empty note). The note is a comment's text, so it must stay
    /// on its line: a control character, a line separator or a bidi override is refused. A
    /// start line that already reads so is kept byte for byte.
    pub fn set_block_note(&mut self, begin: &str, end: &str, note: &str) -> Result<(), EditError> {
        if let Some(c) = note.chars().find(|c| text::is_unsafe(*c)) {
            let msg = format!(
                "managed block note has a control character (U+{:04X})",
                c as u32
            );
            return Err(EditError::Invalid(msg));
        }
        let Some(range) = self.block_range(begin, end)? else {
            return Err(EditError::Invalid("no managed block to note".to_string()));
        };
        let note = note.trim();
        let begin = begin.trim_end();
        let wanted = match note {
            "" => begin.to_string(),
            _ => format!("{begin} {note}"),
        };
        let old = &self.lines[range.start];
        if old.trim_end() == wanted {
            return Ok(());
        }
        let eol = &old[old.trim_end_matches(['\n', '\r']).len()..];
        let new = vec![format!("{wanted}{eol}")];
        self.apply(Edit {
            at: range.start..range.start + 1,
            new,
        })
    }

    /// Appends `body` (sections made by [`render`]) at the end of the file, after a blank
    /// line. Refused when the result would not parse, e.g. when a section in `body` exists
    /// already.
    pub fn append(&mut self, body: &Rendered) -> Result<(), EditError> {
        let eol = self.eol();
        let lines: Vec<String> = body.as_str().lines().map(|l| format!("{l}{eol}")).collect();
        self.apply(self.append_edit(lines))
    }

    /// Puts `body` between the `begin` and `end` marker lines (one-line comments). An existing
    /// block keeps its marker lines verbatim (a note included) and gets the new body; otherwise the block is
    /// appended at the end after a blank line. `body` must stand alone: no key before its
    /// first header, no marker line, and no section that also exists outside the block.
    pub fn replace_block(
        &mut self,
        begin: &str,
        end: &str,
        body: &Rendered,
    ) -> Result<BlockChange, EditError> {
        let found = self.block_range(begin, end)?;
        let inner = block_body(body.as_str(), begin, end, self.eol())?;
        match found {
            Some(at) => {
                let new = [
                    &self.lines[at.start..=at.start],
                    &inner[..],
                    &self.lines[at.end - 1..at.end],
                ]
                .concat();
                self.apply(Edit { at, new })?;
                Ok(BlockChange::Replaced)
            }
            None => {
                let eol = self.eol();
                let new = [
                    vec![format!("{begin}{eol}")],
                    inner,
                    vec![format!("{end}{eol}")],
                ]
                .concat();
                self.apply(self.append_edit(new))?;
                Ok(BlockChange::Appended)
            }
        }
    }

    /// Sets credentials-file section `[header]` to exactly `entries`, written `key = value`.
    /// An existing section keeps its header line; the lines after it through its last key are
    /// replaced, so comments among the keys go, while comments and blank lines after the last
    /// key (usually about the next section) stay. A missing section is appended. The name,
    /// keys and values pass the writer's checks (see [`render`]), else nothing changes.
    pub fn set_section(&mut self, header: &str, entries: &[(&str, &str)]) -> Result<(), EditError> {
        let eol = self.eol();
        let header_line = header_line(Header::Bare(header), eol)?;
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| entry_line(k, v, eol))
            .collect::<Result<_, _>>()?;
        let edit = match self.credentials_section(header) {
            Some(s) => Edit {
                at: s.span.start + 1..s.body_end(),
                new: body,
            },
            None => self.append_edit([vec![header_line], body].concat()),
        };
        self.apply(edit)
    }

    #[cfg(test)]
    /// Removes the first section whose header is exactly `header`: its header through its last
    /// key, plus the blank lines after it (or before it, when it was last). Comments after its
    /// last key stay, since they usually describe the next section. Returns whether it existed.
    pub fn remove_section(&mut self, header: &str) -> Result<bool, EditError> {
        let Some(section) = self.sections.iter().find(|s| s.header == header) else {
            return Ok(false);
        };
        let mut at = section.span.start..section.body_end();
        let blank = |i: usize| self.lines.get(i).is_some_and(|l| l.trim().is_empty());
        while blank(at.end) {
            at.end += 1;
        }
        while at.end == self.lines.len() && at.start > 0 && blank(at.start - 1) {
            at.start -= 1;
        }
        self.apply(Edit {
            at,
            new: Vec::new(),
        })?;
        Ok(true)
    }

    /// The line ending for new lines: the file's first one, else `\n`. A last line ending in
    /// a lone `\r` counts as CRLF cut short, so that a second edit writes the same bytes.
    fn eol(&self) -> &'static str {
        match self.lines.iter().find(|l| l.ends_with(['\n', '\r'])) {
            Some(line) if line.trim_end_matches('\n').ends_with('\r') => "\r\n",
            _ => "\n",
        }
    }

    /// An edit adding `block` at the end, after a blank line unless the file ends with one.
    fn append_edit(&self, block: Vec<String>) -> Edit {
        let n = self.lines.len();
        let separate = self.lines.last().is_some_and(|l| !l.trim().is_empty());
        let blank = separate.then(|| self.eol().to_string());
        Edit {
            at: n..n,
            new: blank.into_iter().chain(block).collect(),
        }
    }

    /// Applies `edit` if the result parses and every header outside the edited lines is still
    /// a header in the same order (an indented header after a key would silently become part
    /// of its value, and with it the keys below).
    fn apply(&mut self, mut edit: Edit) -> Result<(), EditError> {
        if let Some(prev) = edit.at.start.checked_sub(1)
            && let Some(line) = self.lines.get(prev).filter(|l| !l.ends_with('\n'))
        {
            // The file has no final newline; new lines must not be glued onto the last one.
            let eol = if line.ends_with('\r') {
                "\n"
            } else {
                self.eol()
            };
            edit.new.insert(0, format!("{line}{eol}"));
            edit.at.start = prev;
        }
        let new_range = edit.at.start..edit.at.start + edit.new.len();
        let mut lines = self.lines.clone();
        lines.splice(edit.at.clone(), edit.new);
        let sections = index(&lines).map_err(EditError::WouldBreak)?;
        if headers_outside(&self.sections, &edit.at) != headers_outside(&sections, &new_range) {
            let msg = "a section header after the edit would become part of a value".to_string();
            return Err(EditError::WouldBreak(ParseError {
                line: new_range.end + 1,
                msg,
            }));
        }
        self.lines = lines;
        self.lookup = Lookup::new(&sections);
        self.sections = sections;
        Ok(())
    }
}

fn headers_outside<'a>(sections: &'a [Section], range: &Range<usize>) -> Vec<&'a str> {
    let outside = sections.iter().filter(|s| !range.contains(&s.span.start));
    outside.map(|s| s.header.as_str()).collect()
}

fn unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    names.filter(|n| seen.insert(*n)).collect()
}

/// Markers must be one-line comments, so botocore ignores them and we can find them again.
fn check_markers(begin: &str, end: &str) -> Result<(), EditError> {
    let is_comment = |m: &str| m.trim_start().starts_with(['#', ';']) && !m.contains(['\n', '\r']);
    if !is_comment(begin) || !is_comment(end) || begin.trim_end() == end.trim_end() {
        let msg =
            format!("block markers {begin:?} and {end:?} must be two different one-line comments");
        return Err(EditError::Invalid(msg));
    }
    Ok(())
}

/// Whether `line` starts a managed block: it is `begin`, or `begin` followed by a blank and
/// a note (trailing whitespace ignored). The blank keeps `# BEGIN x` from matching the start
/// of `# BEGIN x2`.
fn is_begin(line: &str, begin: &str) -> bool {
    line.trim_end()
        .strip_prefix(begin.trim_end())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(text::is_blank))
}

/// The lines of a managed block's body, checked to parse on their own.
fn block_body(body: &str, begin: &str, end: &str, eol: &str) -> Result<Vec<String>, EditError> {
    let lines: Vec<String> = body.lines().map(|l| format!("{l}{eol}")).collect();
    if let Err(e) = index(&lines) {
        return Err(EditError::Invalid(format!("managed block body: {e}")));
    }
    let is_marker = |l: &String| is_begin(l, begin) || l.trim_end() == end.trim_end();
    if lines.iter().any(is_marker) {
        return Err(EditError::Invalid(
            "managed block body contains a block marker".to_string(),
        ));
    }
    Ok(lines)
}

/// A `[header]` line; the one place a header is written.
fn header_line(header: Header<'_>, eol: &str) -> Result<String, WriteError> {
    Ok(format!("[{}]{eol}", header.text()?))
}

/// One `key = value` line; the one place an entry is written. Values are never quoted in
/// messages: they may be secrets.
fn entry_line(key: &str, value: &str, eol: &str) -> Result<String, WriteError> {
    check_key(key)?;
    check_value(value).map_err(|problem| WriteError::Value {
        key: key.to_string(),
        problem,
    })?;
    Ok(match value {
        "" => format!("{key} ={eol}"),
        _ => format!("{key} = {value}{eol}"),
    })
}

/// Builds the section index over `lines` (each with its terminator), or the first error.
fn index(lines: &[String]) -> Result<Vec<Section>, ParseError> {
    let mut indexer = Indexer::default();
    for (i, line) in lines.iter().enumerate() {
        indexer.line(i, line)?;
    }
    Ok(indexer.finish(lines.len()))
}

/// The state of configparser's `_read` loop (CPython `Lib/configparser.py`).
#[derive(Default)]
struct Indexer {
    sections: Vec<Section>,
    /// `(header, key)` pairs seen; keyed by header because `[DEFAULT]` may repeat and shares
    /// one key space.
    keys: HashSet<(String, String)>,
    /// Every header seen, so a duplicate is found in constant time (a config
    /// of 40,000 sections is read on every command, cache hits included).
    headers: HashSet<String>,
    /// configparser's `indent_level`: the indentation of the last key or header line.
    indent: usize,
    /// configparser's `optname`: the last entry can still take continuation lines.
    open: bool,
}

impl Indexer {
    fn line(&mut self, i: usize, line: &str) -> Result<(), ParseError> {
        let text = line.trim();
        // Comments are skipped before anything else, even inside a multi-line value.
        if text.starts_with(['#', ';']) {
            return Ok(());
        }
        if text.is_empty() {
            // `empty_lines_in_values` is on: a blank line joins the value; trailing ones are
            // stripped in `finish`.
            if let Some(entry) = self.open_entry() {
                entry.value.push('\n');
            }
            return Ok(());
        }
        let indent = line.chars().take_while(|c| c.is_whitespace()).count();
        if self.open && indent > self.indent {
            return self.continuation(i, text);
        }
        self.indent = indent;
        if text.starts_with('[') {
            return self.header(i, text);
        }
        self.entry(i, text)
    }

    fn continuation(&mut self, i: usize, text: &str) -> Result<(), ParseError> {
        let Some(entry) = self.open_entry() else {
            return Ok(());
        };
        // botocore parses a value that starts on the next line as `k = v` lines and rejects
        // the whole file if one lacks `=` (`configloader._parse_nested`). botocore only looks
        // at `[DEFAULT]` values through other sections; we also reject a file that has nothing
        // but a `[DEFAULT]` with such a value.
        let nested = entry.value.is_empty() || entry.value.starts_with('\n');
        if nested && !text.contains('=') {
            return Err(error(i, "nested value line has no '='".to_string()));
        }
        entry.value.push('\n');
        entry.value.push_str(text);
        entry.span.end = i + 1;
        Ok(())
    }

    fn header(&mut self, i: usize, text: &str) -> Result<(), ParseError> {
        // configparser's `\[(?P<header>.+)\]` is greedy and unanchored at the end: the name
        // runs to the last `]` and anything after it is ignored.
        let header = match text.rfind(']') {
            None => return Err(error(i, "unterminated section header: no ']'".to_string())),
            Some(1) => return Err(error(i, "empty section name".to_string())),
            Some(close) => &text[1..close],
        };
        if header != "DEFAULT" && !self.headers.insert(header.to_string()) {
            return Err(error(i, format!("duplicate section [{header}]")));
        }
        if let Some(prev) = self.sections.last_mut() {
            prev.span.end = i;
        }
        let kind = SectionKind::of(header);
        let (header, line, span) = (header.to_string(), i + 1, i..i + 1);
        self.sections.push(Section {
            header,
            kind,
            line,
            span,
            entries: Vec::new(),
        });
        self.open = false;
        Ok(())
    }

    fn entry(&mut self, i: usize, text: &str) -> Result<(), ParseError> {
        let Some(section) = self.sections.last_mut() else {
            return Err(error(i, "key before any [section] header".to_string()));
        };
        let Some(at) = text.find(['=', ':']) else {
            return Err(error(
                i,
                "expected 'key = value', a [section] header or a comment".to_string(),
            ));
        };
        let key = text[..at].trim_end().to_lowercase();
        if key.is_empty() {
            return Err(error(i, "missing key before the '=' or ':'".to_string()));
        }
        if !self.keys.insert((section.header.clone(), key.clone())) {
            return Err(error(
                i,
                format!("duplicate key '{key}' in section [{}]", section.header),
            ));
        }
        let value = text[at + 1..].trim().to_string();
        section.entries.push(Entry {
            key,
            value,
            line: i + 1,
            span: i..i + 1,
        });
        self.open = true;
        Ok(())
    }

    fn open_entry(&mut self) -> Option<&mut Entry> {
        if !self.open {
            return None;
        }
        self.sections.last_mut()?.entries.last_mut()
    }

    fn finish(mut self, line_count: usize) -> Vec<Section> {
        if let Some(last) = self.sections.last_mut() {
            last.span.end = line_count;
        }
        // configparser joins the parts with `\n` and then `rstrip`s the value.
        for entry in self.sections.iter_mut().flat_map(|s| &mut s.entries) {
            entry.value.truncate(entry.value.trim_end().len());
        }
        self.sections
    }
}

fn error(i: usize, msg: String) -> ParseError {
    ParseError { line: i + 1, msg }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::parse(text).unwrap()
    }

    /// Text for `replace_block` as if [`render`] had made it.
    fn raw(body: &str) -> Rendered {
        Rendered(body.to_string())
    }

    fn parse_err(text: &str) -> ParseError {
        Document::parse(text).unwrap_err()
    }

    /// The value of `key` in config-file profile `name`.
    fn value<'a>(d: &'a Document, name: &str, key: &str) -> Option<&'a str> {
        d.get(d.profile(name)?, key)
    }

    const BEGIN: &str = "# BEGIN sso-config";
    const END: &str = "# END sso-config";

    // ---- round trip ----

    const RICH: &str = "\u{feff}# top comment\r\n\
        ; another comment\r\n\
        \r\n\
        [default]   \r\n\
        region = us-east-1 # not a comment\t\r\n\
        Output:json;y\r\n\
        \r\n\
        [profile  dev]\r\n\
        \x20\x20sso_session = corp\r\n\
        credential_process = tool\r\n\
        \x20\x20\x20\x20--flag\r\n\
        \r\n\
        \x20\x20\x20\x20# skipped\r\n\
        \x20\x20\x20\x20more\r\n\
        [sso-session corp]\r\n\
        sso_start_url=https://d-1.awsapps.com/start?a=b\r\n\
        [services local]\r\n\
        sso_oidc =\r\n\
        \x20\x20endpoint_url = http://localhost:4566\r\n\
        \r\n\
        [profile \"my name\"]\n\
        services = local   ";

    #[test]
    fn round_trip_is_byte_identical() {
        for text in [
            "",
            "\n",
            "\r\n\r\n",
            "[a]",
            "[a]\nk=v",
            "\u{feff}",
            "\u{feff}[a]\r\nk = v\r\n",
            "# only a comment",
            "[a]  \n  \n\t\n",
            RICH,
        ] {
            assert_eq!(doc(text).to_text(), text, "{text:?}");
        }
    }

    #[test]
    fn rich_sample_reads_like_configparser() {
        let d = doc(RICH);
        assert_eq!(d.profile_names(), ["default", "dev", "my name"]);
        assert_eq!(
            value(&d, "default", "region"),
            Some("us-east-1 # not a comment")
        );
        assert_eq!(value(&d, "default", "output"), Some("json;y"));
        assert_eq!(value(&d, "dev", "sso_session"), Some("corp"));
        assert_eq!(
            value(&d, "dev", "credential_process"),
            Some("tool\n--flag\n\nmore")
        );
        assert_eq!(value(&d, "my name", "services"), Some("local"));
        let corp = d.sso_session("corp").unwrap();
        assert_eq!(
            d.get(corp, "SSO_START_URL"),
            Some("https://d-1.awsapps.com/start?a=b")
        );
        let local = d.services("local").unwrap();
        assert_eq!(
            d.get_sub(local, "sso_oidc", "endpoint_url"),
            Some("http://localhost:4566")
        );
        assert_eq!(d.sso_sessions(), ["corp"]);
    }

    #[test]
    fn spans_and_lines() {
        let d = doc("# c\n[a]\nk = v\n  w\n\n[b]\n");
        let [a, b] = d.sections() else {
            panic!("two sections")
        };
        assert_eq!((a.line, a.span.clone(), b.span.clone()), (2, 1..5, 5..6));
        assert_eq!((a.entries[0].line, a.entries[0].span.clone()), (3, 2..4));
    }

    // ---- parse rules ----

    #[test]
    fn comments_are_whole_lines_only() {
        let d = doc("[default]\n# k = 1\n  ; j = 2\na = 1 # x\nb=2;y\n");
        assert_eq!(
            d.keys(d.profile("default").unwrap()),
            [("a", "1 # x"), ("b", "2;y")]
        );
    }

    #[test]
    fn first_equals_or_colon_delimits() {
        let d = doc("[default]\nurl: https://x?a=b\nK=v:w\nspaced   =   x y  \n");
        let s = d.profile("default").unwrap();
        assert_eq!(
            d.keys(s),
            [("url", "https://x?a=b"), ("k", "v:w"), ("spaced", "x y")]
        );
        assert_eq!(d.get(s, "Url"), Some("https://x?a=b"));
    }

    #[test]
    fn section_kinds() {
        let cases = [
            ("[default]", SectionKind::Default),
            ("[DEFAULT]", SectionKind::ParserDefaults),
            ("[Default]", SectionKind::Other),
            ("[profile  x]", SectionKind::Profile("x".into())),
            ("[profile x ]", SectionKind::Profile("x".into())),
            (
                "[profile \"my name\"]",
                SectionKind::Profile("my name".into()),
            ),
            ("[profile 'a b']", SectionKind::Profile("a b".into())),
            ("[profile a\\ b]", SectionKind::Profile("a b".into())),
            ("[profile a b]", SectionKind::Other),
            ("[profile]", SectionKind::Other),
            ("[profile \"open]", SectionKind::Other),
            ("[Profile x]", SectionKind::Other),
            ("[ profile x]", SectionKind::Other),
            ("[dev]", SectionKind::Other),
            (
                "[sso-session  corp]",
                SectionKind::SsoSession("corp".into()),
            ),
            ("[services local]", SectionKind::Services("local".into())),
            ("[profile x] trailing", SectionKind::Profile("x".into())),
        ];
        for (text, kind) in cases {
            assert_eq!(doc(text).sections()[0].kind, kind, "{text}");
        }
    }

    #[test]
    fn header_name_is_untrimmed_text_up_to_last_bracket() {
        let d = doc("[ a ]\n[b]]\n  [c]\n");
        let headers: Vec<&str> = d.sections().iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, [" a ", "b]", "c"]);
    }

    #[test]
    fn indented_lines_continue_the_value() {
        let d = doc("[default]\na = x\n  y\n\n# c\n\t z\n\nb = 2\n  \n");
        assert_eq!(value(&d, "default", "a"), Some("x\ny\n\nz"));
        assert_eq!(value(&d, "default", "b"), Some("2"));
    }

    #[test]
    fn continuation_is_relative_to_the_key_indent() {
        let d = doc("[default]\n  a = 1\n  b = 2\n    c\n");
        assert_eq!(
            d.keys(d.profile("default").unwrap()),
            [("a", "1"), ("b", "2\nc")]
        );
    }

    #[test]
    fn nested_values() {
        let d = doc(
            "[profile p]\ns3 =\n  addressing_style = path\n  Max = 1\n  max = 2\nx = a\n  k = v\n",
        );
        let p = d.profile("p").unwrap();
        assert_eq!(
            d.get(p, "s3"),
            Some("\naddressing_style = path\nMax = 1\nmax = 2")
        );
        assert_eq!(d.get_sub(p, "s3", "addressing_style"), Some("path"));
        assert_eq!(d.get_sub(p, "s3", "Max"), Some("1"));
        assert_eq!(d.get_sub(p, "s3", "nope"), None);
        assert_eq!(
            d.get_sub(p, "x", "k"),
            None,
            "not nested: value starts on the key line"
        );
        assert_eq!(d.get_sub(p, "missing", "k"), None);
    }

    #[test]
    fn indented_header_after_a_key_is_swallowed() {
        let d = doc("[profile a]\nk = v\n  [profile b]\n  x = 1\n");
        assert!(d.profile("b").is_none());
        assert_eq!(value(&d, "a", "k"), Some("v\n[profile b]\nx = 1"));
    }

    #[test]
    fn indented_keys_after_a_header_are_keys() {
        let d = doc("  [profile a]\n    k = v\n    j = w\n");
        assert_eq!(d.keys(d.profile("a").unwrap()), [("k", "v"), ("j", "w")]);
    }

    #[test]
    fn parser_defaults_are_inherited() {
        let d = doc(
            "[DEFAULT]\nregion = x\n[profile a]\nk = 1\n[profile b]\nregion = y\n[DEFAULT]\noutput = json\n",
        );
        assert_eq!(value(&d, "a", "region"), Some("x"));
        assert_eq!(value(&d, "b", "region"), Some("y"));
        assert_eq!(value(&d, "b", "output"), Some("json"));
        assert_eq!(d.profile("b").unwrap().own("output"), None);
        let a = d.profile("a").unwrap();
        assert_eq!(d.keys(a), [("k", "1"), ("region", "x"), ("output", "json")]);
        assert_eq!(d.profile_names(), ["a", "b"]);
    }

    #[test]
    fn later_of_default_and_profile_default_wins() {
        let d = doc("[default]\nregion = a\n[profile default]\noutput = json\n");
        assert_eq!(value(&d, "default", "output"), Some("json"));
        assert_eq!(value(&d, "default", "region"), None, "no merge");
        let d = doc("[profile default]\nregion = b\n[default]\nregion = a\n");
        assert_eq!(value(&d, "default", "region"), Some("a"));
        assert_eq!(d.profile_names(), ["default"]);
    }

    #[test]
    fn later_sso_session_with_same_name_wins() {
        let d = doc("[sso-session x]\nk = 1\n[sso-session  x]\nk = 2\n");
        assert_eq!(d.get(d.sso_session("x").unwrap(), "k"), Some("2"));
        assert_eq!(d.sso_sessions(), ["x"]);
    }

    #[test]
    fn credentials_file_sections_are_bare_names() {
        let d = doc("[dev]\naws_access_key_id = A\n[profile prod]\nk = v\n[DEFAULT]\nk = d\n");
        let dev = d.credentials_section("dev").unwrap();
        assert_eq!(d.get(dev, "aws_access_key_id"), Some("A"));
        assert!(d.profile("dev").is_none());
        assert!(d.credentials_section("prod").is_none());
        assert!(d.credentials_section("profile prod").is_some());
        assert!(d.credentials_section("DEFAULT").is_none());
    }

    #[test]
    fn bom_is_not_parsed() {
        let d = doc("\u{feff}[default]\nk = v\n");
        assert_eq!(value(&d, "default", "k"), Some("v"));
        assert_eq!(d.sections()[0].line, 1);
    }

    #[test]
    fn empty_and_comment_only_files_are_valid() {
        assert!(doc("").sections().is_empty());
        assert!(doc("# c\n\n; d\n").sections().is_empty());
        assert_eq!(doc("").profile_names(), Vec::<&str>::new());
    }

    // ---- parse errors ----

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("[a]\n[b]\n[a]\n", 3, "duplicate section [a]"),
            (
                "[a]\nk = 1\n\nK: 2\n",
                4,
                "duplicate key 'k' in section [a]",
            ),
            (
                "[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n",
                4,
                "duplicate key 'k' in section [DEFAULT]",
            ),
            (
                "[a]\nk = 1\njunk\n",
                3,
                "expected 'key = value', a [section] header or a comment",
            ),
            ("# c\n\nk = v\n[a]\n", 3, "key before any [section] header"),
            ("junk\n", 1, "key before any [section] header"),
            ("[a]\n[b\n", 2, "unterminated section header: no ']'"),
            ("[a]\n[]\n", 2, "empty section name"),
            ("[a]\n = v\n", 2, "missing key before the '=' or ':'"),
            (
                "[s]\nx =\n\n  a = 1\n  bad\n",
                5,
                "nested value line has no '='",
            ),
            ("\u{feff}[a]\r\n[a]\r\n", 2, "duplicate section [a]"),
        ];
        for (text, line, msg) in cases {
            assert_eq!(
                parse_err(text),
                ParseError {
                    line,
                    msg: msg.into()
                },
                "{text:?}"
            );
        }
    }

    #[test]
    fn repeated_parser_defaults_sections_are_fine() {
        assert_eq!(
            doc("[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n").sections().len(),
            2
        );
    }

    /// A config of `n` profiles, as big organisations generate them.
    fn big_config(n: usize) -> String {
        let mut text = String::from("[sso-session s]\nsso_region = us-east-1\n");
        for i in 0..n {
            text.push_str(&format!(
                "\n[profile p{i}]\nsso_session = s\nsso_account_id = {i:012}\nsso_role_name = R\n"
            ));
        }
        text
    }

    /// Every command reads the whole config, cache hits included, so reading and
    /// looking up must stay linear: 4× the sections may cost about 4× the time,
    /// never the 16× of a quadratic scan (40,000 sections took 7.6 s that way).
    #[test]
    fn parsing_and_lookups_are_linear() {
        let time = |n: usize| {
            let text = big_config(n);
            (0..3)
                .map(|_| {
                    let start = std::time::Instant::now();
                    let d = doc(&text);
                    for i in (0..n).step_by(7) {
                        assert!(d.profile(&format!("p{i}")).is_some());
                    }
                    assert_eq!(d.profile_names().len(), n);
                    start.elapsed()
                })
                .min()
                .unwrap()
        };
        let (small, large) = (time(8_000), time(32_000));
        let ratio = large.as_secs_f64() / small.as_secs_f64();
        assert!(ratio < 9.0, "4x the sections took {ratio:.1}x the time");
    }

    #[test]
    fn error_display() {
        assert_eq!(
            parse_err("[a]\n[a]").to_string(),
            "line 2: duplicate section [a]"
        );
    }

    // ---- managed block ----

    const BODY: &str = "[profile gen]\nregion = r\n";

    #[test]
    fn block_is_appended_after_existing_bytes() {
        let cases = [
            (
                "",
                "# BEGIN sso-config\n[profile gen]\nregion = r\n# END sso-config\n",
            ),
            (
                "[a]\nk = v",
                "[a]\nk = v\n\n# BEGIN sso-config\n[profile gen]\nregion = r\n# END sso-config\n",
            ),
            (
                "[a]\nk = v\n",
                "[a]\nk = v\n\n# BEGIN sso-config\n[profile gen]\nregion = r\n# END sso-config\n",
            ),
            (
                "[a]\n\n",
                "[a]\n\n# BEGIN sso-config\n[profile gen]\nregion = r\n# END sso-config\n",
            ),
            (
                "[a]\r\nk = v",
                "[a]\r\nk = v\r\n\r\n# BEGIN sso-config\r\n[profile gen]\r\nregion = r\r\n# END sso-config\r\n",
            ),
            (
                "\u{feff}[a]",
                "\u{feff}[a]\n\n# BEGIN sso-config\n[profile gen]\nregion = r\n# END sso-config\n",
            ),
        ];
        for (before, after) in cases {
            let mut d = doc(before);
            assert_eq!(
                d.replace_block(BEGIN, END, &raw(BODY)),
                Ok(BlockChange::Appended),
                "{before:?}"
            );
            assert_eq!(d.to_text(), after);
            assert_eq!(
                d.profile("gen").map(|s| s.line),
                Some(after.lines().position(|l| l == "[profile gen]").unwrap() + 1)
            );
        }
    }

    #[test]
    fn crlf_file_cut_short_stays_crlf() {
        let mut d = doc("[a]\r");
        d.replace_block(BEGIN, END, &raw("")).unwrap();
        assert_eq!(
            d.to_text(),
            "[a]\r\n\r\n# BEGIN sso-config\r\n# END sso-config\r\n"
        );
    }

    #[test]
    fn block_is_replaced_in_place() {
        let block = "# BEGIN sso-config  \n[profile old]\nregion = o\n\n# END sso-config\n";
        let cases = [
            ("", "\n[u]\na = 1"),
            ("[u]\r\na = 1\r\n\r\n", "\r\n[v]\r\nb = 2\r\n"),
            ("[u]\na = 1\n", ""),
        ];
        for (head, tail) in cases {
            let mut d = doc(&format!("{head}{block}{tail}"));
            assert_eq!(
                d.replace_block(BEGIN, END, &raw(BODY)),
                Ok(BlockChange::Replaced)
            );
            let eol = if head.contains('\r') { "\r\n" } else { "\n" };
            let new_block = format!(
                "# BEGIN sso-config  \n[profile gen]{eol}region = r{eol}# END sso-config\n"
            );
            assert_eq!(d.to_text(), format!("{head}{new_block}{tail}"));
            let once = d.to_text();
            assert_eq!(
                d.replace_block(BEGIN, END, &raw(BODY)),
                Ok(BlockChange::Replaced)
            );
            assert_eq!(d.to_text(), once, "second run changes nothing");
            assert!(d.profile("old").is_none());
        }
    }

    #[test]
    fn block_at_end_without_final_newline_keeps_its_end_line() {
        let mut d = doc("[u]\n# BEGIN sso-config\n# END sso-config");
        d.replace_block(BEGIN, END, &raw("[profile g]\n")).unwrap();
        assert_eq!(
            d.to_text(),
            "[u]\n# BEGIN sso-config\n[profile g]\n# END sso-config"
        );
        d.replace_block(BEGIN, END, &raw("")).unwrap();
        assert_eq!(d.to_text(), "[u]\n# BEGIN sso-config\n# END sso-config");
    }

    #[test]
    fn block_range_tells_which_sections_are_managed() {
        let d = doc(
            "[profile mine]\n\n# BEGIN sso-config\n[profile gen]\n# END sso-config\n[profile after]\n",
        );
        let range = d.block_range(BEGIN, END).unwrap().unwrap();
        assert_eq!(range, 2..5);
        let outside: Vec<&str> = d
            .sections()
            .iter()
            .filter(|s| !range.contains(&s.span.start))
            .map(|s| s.header.as_str())
            .collect();
        assert_eq!(outside, ["profile mine", "profile after"]);
        assert_eq!(doc("[a]\n").block_range(BEGIN, END), Ok(None));
    }

    #[test]
    fn a_block_start_line_may_carry_a_note() {
        let text = "[a]\r\n# BEGIN sso-config --region 'eu west'  \r\n[profile gen]\r\n# END sso-config\r\n";
        let mut d = doc(text);
        assert_eq!(d.block_range(BEGIN, END), Ok(Some(1..4)));
        assert_eq!(
            d.block_note(BEGIN, END),
            Ok(Some((2, "--region 'eu west'")))
        );
        // The body is replaced, the start line with its note kept.
        d.replace_block(BEGIN, END, &raw(BODY)).unwrap();
        assert!(d.to_text().contains(
            "# BEGIN sso-config --region 'eu west'  \r\n[profile gen]\r\nregion = r\r\n"
        ));
        // The same note keeps the line byte for byte; another replaces it.
        d.set_block_note(BEGIN, END, "--region 'eu west'").unwrap();
        assert!(d.to_text().contains("'eu west'  \r\n"));
        d.set_block_note(BEGIN, END, "--lower").unwrap();
        assert!(
            d.to_text()
                .contains("\r\n# BEGIN sso-config --lower\r\n[profile gen]")
        );
        d.set_block_note(BEGIN, END, "").unwrap();
        assert!(
            d.to_text()
                .contains("\r\n# BEGIN sso-config\r\n[profile gen]")
        );
        assert_eq!(d.block_note(BEGIN, END), Ok(Some((2, ""))));
        // Nothing can leave the comment line.
        let before = d.to_text();
        for bad in [
            "a\n[profile evil]",
            "a\rb",
            "a\u{2028}b",
            "\u{202e}x",
            "\u{85}",
        ] {
            assert!(
                matches!(
                    d.set_block_note(BEGIN, END, bad),
                    Err(EditError::Invalid(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(d.to_text(), before);
        // Another block's marker is not this one's start with a note.
        let other = doc("# BEGIN sso-config2\n# END sso-config2\n");
        assert_eq!(other.block_range(BEGIN, END), Ok(None));
        assert!(doc("[a]\n").set_block_note(BEGIN, END, "x").is_err());
        // Two start lines, one with a note, are two starts.
        let two = doc("# BEGIN sso-config\n# BEGIN sso-config x\n# END sso-config\n");
        assert!(matches!(
            two.block_range(BEGIN, END),
            Err(EditError::Markers(_))
        ));
    }

    #[test]
    fn append_adds_rendered_sections_and_refuses_a_duplicate() {
        let mut d = doc("[profile a]\r\nk = v");
        let keys = [("sso_region".to_string(), "eu-west-1".to_string())];
        let body = render(&[(Header::SsoSession("corp"), &keys[..])]).unwrap();
        d.append(&body).unwrap();
        assert_eq!(
            d.to_text(),
            "[profile a]\r\nk = v\r\n\r\n[sso-session corp]\r\nsso_region = eu-west-1\r\n"
        );
        assert!(d.sso_session("corp").is_some());
        let before = d.to_text();
        assert!(matches!(d.append(&body), Err(EditError::WouldBreak(_))));
        assert_eq!(d.to_text(), before);
    }

    #[test]
    fn bad_markers_in_the_file_are_reported() {
        let cases = [
            (
                "# BEGIN sso-config\n[a]\n",
                1,
                "managed-block start has no end line \"# END sso-config\"",
            ),
            (
                "[a]\n# END sso-config\n",
                2,
                "managed-block end has no start line \"# BEGIN sso-config\"",
            ),
            (
                "# END sso-config\n# BEGIN sso-config\n",
                1,
                "managed-block end comes before \"# BEGIN sso-config\"",
            ),
            (
                "# BEGIN sso-config\n# END sso-config\n# BEGIN sso-config\n# END sso-config\n",
                3,
                "second managed-block start \"# BEGIN sso-config\"",
            ),
        ];
        for (text, line, msg) in cases {
            let mut d = doc(text);
            let want = EditError::Markers(ParseError {
                line,
                msg: msg.into(),
            });
            assert_eq!(
                d.replace_block(BEGIN, END, &raw(BODY)),
                Err(want),
                "{text:?}"
            );
            assert_eq!(d.to_text(), text);
        }
    }

    #[test]
    fn invalid_block_arguments_are_refused() {
        let mut d = doc("[a]\n");
        for (begin, end, body) in [
            ("BEGIN", END, BODY),
            (BEGIN, BEGIN, BODY),
            (BEGIN, "# END\n", BODY),
            (BEGIN, END, "region = r\n"),
            (BEGIN, END, "[p]\n# END sso-config\n"),
        ] {
            assert!(
                matches!(
                    d.replace_block(begin, end, &raw(body)),
                    Err(EditError::Invalid(_))
                ),
                "{body:?}"
            );
        }
        assert_eq!(d.to_text(), "[a]\n");
    }

    #[test]
    fn block_repeating_an_outside_section_is_refused() {
        let text = "[profile gen]\nregion = mine\n";
        let mut d = doc(text);
        let err = d.replace_block(BEGIN, END, &raw(BODY)).unwrap_err();
        assert_eq!(
            err,
            EditError::WouldBreak(ParseError {
                line: 5,
                msg: "duplicate section [profile gen]".into()
            })
        );
        assert_eq!(d.to_text(), text);
    }

    #[test]
    fn block_swallowing_a_later_header_is_refused() {
        let text = "# BEGIN sso-config\n# END sso-config\n  [profile later]\n";
        let mut d = doc(text);
        let err = d.replace_block(BEGIN, END, &raw(BODY)).unwrap_err();
        assert!(matches!(err, EditError::WouldBreak(_)), "{err}");
        assert_eq!(d.to_text(), text);
    }

    // ---- credentials sections ----

    const CREDS: &str = "# keys\n[dev]\naws_access_key_id = OLD\n# note\nregion = x\n  more\n\n# prod keys\n[prod]\naws_access_key_id = P\n";

    #[test]
    fn set_section_replaces_only_the_keys() {
        let mut d = doc(CREDS);
        d.set_section(
            "dev",
            &[("aws_access_key_id", "NEW"), ("aws_session_token", "")],
        )
        .unwrap();
        let want = "# keys\n[dev]\naws_access_key_id = NEW\naws_session_token =\n\n# prod keys\n[prod]\naws_access_key_id = P\n";
        assert_eq!(d.to_text(), want);
        let dev = d.credentials_section("dev").unwrap();
        assert_eq!(d.get(dev, "aws_access_key_id"), Some("NEW"));
    }

    #[test]
    fn set_section_fills_an_empty_or_unterminated_section() {
        let mut d = doc("[dev]");
        d.set_section("dev", &[("k", "v")]).unwrap();
        assert_eq!(d.to_text(), "[dev]\nk = v\n");
        let mut d = doc("[dev]\r\n\r\n[b]\r\n");
        d.set_section("dev", &[("k", "v")]).unwrap();
        assert_eq!(d.to_text(), "[dev]\r\nk = v\r\n\r\n[b]\r\n");
    }

    #[test]
    fn set_section_appends_a_new_section() {
        let mut d = doc(CREDS);
        d.set_section("new", &[("k", "v")]).unwrap();
        assert_eq!(d.to_text(), format!("{CREDS}\n[new]\nk = v\n"));
        let mut d = doc("");
        d.set_section("new", &[]).unwrap();
        assert_eq!(d.to_text(), "[new]\n");
    }

    #[test]
    fn set_section_refuses_unwritable_text() {
        let mut d = doc(CREDS);
        let bad: &[(&str, &[(&str, &str)])] = &[
            ("dev", &[("k", "a\nb")]),
            ("dev", &[("k", "a\r")]),
            ("dev", &[("k", " a")]),
            ("dev", &[("k=j", "a")]),
            ("dev", &[("", "a")]),
            ("dev", &[("k", "1"), ("K", "2")]),
            ("dev", &[("k", "a\u{1b}[2Jb")]),
            ("dev", &[("k", "a\u{0}b")]),
            ("dev", &[("k", "a\tb")]),
            ("dev", &[("k", "a\u{85}b")]),
            ("dev", &[("k", "a\u{2028}b")]),
            ("dev", &[("k", "a\u{7f}")]),
            ("dev", &[("k", "v #c")]),
            ("dev", &[("k", ";v")]),
            ("dev", &[("k", "v\u{a0};c")]),
            ("dev", &[("k", "\u{feff}v")]),
            ("dev", &[("k j", "v")]),
            ("DEFAULT", &[("k", "v")]),
            ("a]b", &[("k", "v")]),
            ("a b", &[("k", "v")]),
            ("a#b", &[("k", "v")]),
            ("", &[("k", "v")]),
            ("prod\n[x", &[("k", "v")]),
            ("Ünï", &[("k", "v")]),
        ];
        for (header, entries) in bad {
            assert!(
                d.set_section(header, entries).is_err(),
                "{header} {entries:?}"
            );
        }
        assert_eq!(d.to_text(), CREDS);
    }

    #[test]
    fn render_writes_checked_sections() {
        let keys = [
            ("k".to_string(), "v".to_string()),
            ("e".to_string(), String::new()),
        ];
        let text = render(&[
            (Header::SsoSession("corp"), &keys[..1]),
            (Header::Profile("a.b@c+d_e-f"), &keys[..]),
            (Header::Bare("dev"), &[]),
        ])
        .unwrap();
        assert_eq!(
            text.as_str(),
            "[sso-session corp]\nk = v\n\n[profile a.b@c+d_e-f]\nk = v\ne =\n\n[dev]\n"
        );
        let injected = [("k".to_string(), "v\n[profile evil]".to_string())];
        assert_eq!(
            render(&[(Header::Profile("a"), &injected[..])]).unwrap_err(),
            WriteError::Value {
                key: "k".into(),
                problem: ValueProblem::Control('\n')
            }
        );
        let err = render(&[(Header::Profile("a b"), &[])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot write profile name \"a b\": use only ASCII letters, digits and _ - . @ +"
        );
    }

    /// Values the writer accepts read back unchanged in Python's configparser as botocore
    /// configures it (`RawConfigParser()`: no interpolation, no inline comments).
    #[test]
    fn accepted_values_read_back_in_botocores_configparser() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let values = [
            "https://d-1234567890.awsapps.com/start#/",
            "a#b;c",
            "%(here)s %s %",
            "x = y: z",
            "'/opt/my tools/sso-config' --x='a '\\#'b' \"q\"",
            "Ünïcödé 日本",
            "[profile not-a-header]",
            "",
        ];
        for v in values {
            assert_eq!(check_value(v), Ok(()), "{v:?}");
        }
        let entries: Vec<(String, String)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("k{i}"), v.to_string()))
            .collect();
        let text = render(&[(Header::Profile("p"), &entries)]).unwrap();
        let script = "import configparser, json, sys\n\
            cp = configparser.RawConfigParser()\n\
            cp.read_string(sys.stdin.read())\n\
            print(json.dumps([v for _, v in cp.items('profile p')]))";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for this test");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_str().as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let read: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(read, values);
    }

    #[test]
    fn value_errors_do_not_echo_the_value() {
        let err = doc("")
            .set_section("dev", &[("aws_secret_access_key", "SECRET\n")])
            .unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn remove_section_keeps_other_bytes() {
        let text = "[a]\nx = 1\n\n[b]\ny = 2\n  cont\n\n\n# about c\n[c]\nz = 3\n";
        let cases = [
            ("a", "[b]\ny = 2\n  cont\n\n\n# about c\n[c]\nz = 3\n"),
            ("b", "[a]\nx = 1\n\n# about c\n[c]\nz = 3\n"),
            ("c", "[a]\nx = 1\n\n[b]\ny = 2\n  cont\n\n\n# about c\n"),
        ];
        for (header, want) in cases {
            let mut d = doc(text);
            assert_eq!(d.remove_section(header), Ok(true));
            assert_eq!(d.to_text(), want, "{header}");
        }
        let mut d = doc("[a]\nx = 1\n\n[b]\ny = 2");
        assert_eq!(d.remove_section("b"), Ok(true));
        assert_eq!(d.to_text(), "[a]\nx = 1\n");
        assert_eq!(d.remove_section("zzz"), Ok(false));
        assert_eq!(d.to_text(), "[a]\nx = 1\n");
    }
}
