/*!
Lossless model of the AWS shared `config` and `credentials` files, for reading and rewriting.

A [`Document`] keeps every line byte for byte (line endings, a UTF-8 BOM, comments, spacing, a
missing final newline) next to an index of sections and keys. The index follows the rules
botocore inherits from Python's `configparser.RawConfigParser` (protocol.md §6.2), so what we
read is what the AWS CLI reads. Edits replace whole lines and re-index the result; every byte
outside the edited lines is kept, and an unmodified document prints back byte-identical.
*/

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

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
    /// An argument cannot be written as asked (a value with a line break, a marker that is
    /// not a comment, a block body with a key before its first header, ...).
    Invalid(String),
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
            EditError::Markers(e) => write!(f, "{e}"),
            EditError::WouldBreak(e) => write!(f, "edit refused, the result would be invalid: {e}"),
        }
    }
}

impl std::error::Error for EditError {}

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
                return match shell_words(header).as_deref() {
                    Some([_, name]) => make(name.clone()),
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
        Ok(Document {
            bom,
            lines,
            sections,
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

    /// All `(key, value)` pairs of `section` as configparser's `items` gives them: own keys
    /// (lower-case) in file order, then inherited `[DEFAULT]` keys the section lacks.
    pub fn keys<'a>(&'a self, section: &'a Section) -> Vec<(&'a str, &'a str)> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for e in section
            .entries
            .iter()
            .chain(self.defaults().flat_map(|d| &d.entries))
        {
            if !pairs.iter().any(|(k, _)| *k == e.key) {
                pairs.push((&e.key, &e.value));
            }
        }
        pairs
    }

    /// The section of config-file profile `name`: `[profile NAME]`, or `[default]` /
    /// `[profile default]` for `default`. botocore keeps a dict, so the later one wins.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        let mut found = self.sections.iter().rev();
        found.find(|s| s.kind.profile_name() == Some(name))
    }

    /// The section of credentials-file profile `name`: the bare `[NAME]`.
    pub fn credentials_section(&self, name: &str) -> Option<&Section> {
        // configparser does not list `[DEFAULT]` among sections, so it is never a profile.
        let mut found = self.sections.iter();
        found.find(|s| s.header == name && s.kind != SectionKind::ParserDefaults)
    }

    /// The `[sso-session NAME]` section; the later one wins if two headers give `name`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        let wanted = SectionKind::SsoSession(name.to_string());
        self.sections.iter().rev().find(|s| s.kind == wanted)
    }

    /// The `[services NAME]` section; the later one wins if two headers give `name`.
    pub fn services(&self, name: &str) -> Option<&Section> {
        let wanted = SectionKind::Services(name.to_string());
        self.sections.iter().rev().find(|s| s.kind == wanted)
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
    /// The 0-based line range of the managed block, from the line equal to `begin` through the
    /// line equal to `end` (lines compared without trailing whitespace), or `None` when neither
    /// marker is present. Sections whose `span.start` lies in the range belong to the block.
    pub fn block_range(&self, begin: &str, end: &str) -> Result<Option<Range<usize>>, EditError> {
        check_markers(begin, end)?;
        let find = |marker: &str| -> Vec<usize> {
            let lines = self.lines.iter().enumerate();
            lines
                .filter(|(_, l)| l.trim_end() == marker.trim_end())
                .map(|(i, _)| i)
                .collect()
        };
        let fail = |i: usize, msg: String| Err(EditError::Markers(ParseError { line: i + 1, msg }));
        match (find(begin).as_slice(), find(end).as_slice()) {
            ([], []) => Ok(None),
            ([b], [e]) if b < e => Ok(Some(*b..*e + 1)),
            ([_, b, ..], _) => fail(*b, format!("second managed-block start {begin:?}")),
            (_, [_, e, ..]) => fail(*e, format!("second managed-block end {end:?}")),
            ([b], []) => fail(*b, format!("managed-block start has no end line {end:?}")),
            ([], [e]) => fail(*e, format!("managed-block end has no start line {begin:?}")),
            ([_], [e]) => fail(*e, format!("managed-block end comes before {begin:?}")),
        }
    }

    /// Puts `body` between the `begin` and `end` marker lines (one-line comments). An existing
    /// block keeps its marker lines verbatim and gets the new body; otherwise the block is
    /// appended at the end after a blank line. `body` must stand alone: no key before its
    /// first header, no marker line, and no section that also exists outside the block.
    pub fn replace_block(
        &mut self,
        begin: &str,
        end: &str,
        body: &str,
    ) -> Result<BlockChange, EditError> {
        let found = self.block_range(begin, end)?;
        let inner = block_body(body, begin, end, self.eol())?;
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
    /// An existing section keeps its header line; the lines from its first through its last
    /// key are replaced, so comments between keys go, while comments and blank lines after the
    /// last key stay. A missing section is appended. Keys and values must read back as
    /// written: no line breaks, no surrounding spaces, no `=`/`:` in keys.
    pub fn set_section(&mut self, header: &str, entries: &[(&str, &str)]) -> Result<(), EditError> {
        check_header(header)?;
        let eol = self.eol();
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| entry_line(k, v, eol))
            .collect::<Result<_, _>>()?;
        let edit = match self.credentials_section(header) {
            Some(s) => Edit {
                at: s.span.start + 1..s.body_end(),
                new: body,
            },
            None => self.append_edit([vec![format!("[{header}]{eol}")], body].concat()),
        };
        self.apply(edit)
    }

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

    /// The line ending for new lines: the file's first one, else `\n`.
    fn eol(&self) -> &'static str {
        match self.lines.iter().find(|l| l.ends_with('\n')) {
            Some(line) if line.ends_with("\r\n") => "\r\n",
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
            edit.new.insert(0, format!("{line}{}", self.eol()));
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
        self.sections = sections;
        Ok(())
    }
}

fn headers_outside<'a>(sections: &'a [Section], range: &Range<usize>) -> Vec<&'a str> {
    let outside = sections.iter().filter(|s| !range.contains(&s.span.start));
    outside.map(|s| s.header.as_str()).collect()
}

fn unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
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

/// The lines of a managed block's body, checked to parse on their own.
fn block_body(body: &str, begin: &str, end: &str, eol: &str) -> Result<Vec<String>, EditError> {
    let lines: Vec<String> = body.lines().map(|l| format!("{l}{eol}")).collect();
    if let Err(e) = index(&lines) {
        return Err(EditError::Invalid(format!("managed block body: {e}")));
    }
    let is_marker = |l: &String| [begin, end].iter().any(|m| l.trim_end() == m.trim_end());
    if lines.iter().any(is_marker) {
        return Err(EditError::Invalid(
            "managed block body contains a block marker".to_string(),
        ));
    }
    Ok(lines)
}

fn check_header(header: &str) -> Result<(), EditError> {
    // `[DEFAULT]` would feed its keys into every profile; brackets and line breaks would not
    // read back as the same header.
    let ok = !header.is_empty() && header == header.trim() && header != "DEFAULT";
    if !ok || header.contains(['[', ']', '\n', '\r']) {
        return Err(EditError::Invalid(format!(
            "cannot write section header {header:?}"
        )));
    }
    Ok(())
}

/// One `key = value` line. Values are never quoted in messages: they may be secrets.
fn entry_line(key: &str, value: &str, eol: &str) -> Result<String, EditError> {
    // configparser splits at the first `=`/`:`, strips spaces and ends a value at a line
    // break; any of those in our input would read back differently.
    let key_ok = !key.is_empty() && key == key.trim() && !key.starts_with(['[', '#', ';']);
    if !key_ok || key.contains(['=', ':', '\n', '\r']) {
        return Err(EditError::Invalid(format!("cannot write key {key:?}")));
    }
    if value != value.trim() || value.contains(['\n', '\r']) {
        let msg =
            format!("cannot write the value of {key}: it has a line break or surrounding spaces");
        return Err(EditError::Invalid(msg));
    }
    Ok(match value {
        "" => format!("{key} ={eol}"),
        _ => format!("{key} = {value}{eol}"),
    })
}

/// Splits like Python's `shlex.split` (POSIX mode, no comments), which botocore applies to
/// section headers; `None` where shlex raises (unclosed quote, trailing backslash).
fn shell_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            words.extend(word.take());
            continue;
        }
        // A word exists once any character or quote is seen: `""` is an empty word.
        let w = word.get_or_insert_with(String::new);
        match c {
            '\'' | '"' => quoted(&mut chars, c, w)?,
            '\\' => w.push(chars.next()?),
            c => w.push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// Reads up to the closing `quote`. Inside double quotes a backslash escapes only `"` and
/// `\`; inside single quotes nothing is special.
fn quoted(chars: &mut std::str::Chars<'_>, quote: char, word: &mut String) -> Option<()> {
    loop {
        match chars.next()? {
            c if c == quote => return Some(()),
            '\\' if quote == '"' => {
                let next = chars.next()?;
                if next != '"' && next != '\\' {
                    word.push('\\');
                }
                word.push(next);
            }
            c => word.push(c),
        }
    }
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
        // the whole file if one lacks `=` (`configloader._parse_nested`).
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
        if header != "DEFAULT" && self.sections.iter().any(|s| s.header == header) {
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
