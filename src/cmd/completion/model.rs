/*!
The commands, flags and positional words the completion scripts offer, read
from the help texts, and the pieces of shell code the three scripts share.
*/

use crate::cmd::args::SESSION_HELP;
use crate::cmd::help::{self, Arg, CommandDoc, Flag, TOPICS, Word};
use crate::util::shell;

/// What completes a flag's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values {
    /// These words (`--format table|json|csv`).
    Words(Vec<&'static str>),
    /// `sso-config __complete LIST`.
    Names(&'static str),
    /// File names (`--write [FILE]`).
    Files,
    /// Something only the user knows (`--name TEMPLATE`).
    Typed,
}

pub fn values(f: &Flag) -> Values {
    if let Some(words) = f.choices() {
        return Values::Words(words);
    }
    match (f.name, f.arg) {
        ("--profile", _) => Values::Names("profiles"),
        ("--sso-session", _) => Values::Names("sessions"),
        ("--region" | "--sso-region", _) => Values::Names("regions"),
        ("--account-id", _) => Values::Names("accounts"),
        ("--role-name", _) => Values::Names("roles"),
        (_, Arg::Required("FILE") | Arg::Optional("FILE")) => Values::Files,
        _ => Values::Typed,
    }
}

/// The session flags a script passes on to `__complete` (with their values),
/// so that account and role names are those of the session on the line.
pub const SESSION_FLAGS: [&str; 4] = ["--sso-session", "--profile", "--start-url", "--sso-region"];

/// How fish describes a name of a `__complete` list.
pub fn name_kind(list: &str) -> &'static str {
    match list {
        "profiles" => "profile",
        "sessions" => "sso-session",
        "accounts" => "account",
        "roles" => "role",
        _ => "region",
    }
}

/// What a positional word completes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Positional {
    /// These words, each with a description ("" for none).
    Words(Vec<(&'static str, &'static str)>),
    /// A program to run (`exec COMMAND`): what follows is its command line.
    Program,
}

/// The commands and their flags, read once from the help texts.
pub struct Model {
    /// Each command with every flag it takes.
    pub commands: Vec<(CommandDoc, Vec<Flag>)>,
    /// Flags every command takes (global and session options): they may
    /// come before the command word without starting `generate`.
    pub anywhere: Vec<Flag>,
}

impl Model {
    /// The model of `commands` (all of them, `cmd::COMMANDS`).
    pub fn new(commands: &[CommandDoc]) -> Model {
        let mut anywhere = help::option_lines(SESSION_HELP, &[]);
        anywhere.extend(help::global_flags());
        Model {
            commands: commands.iter().map(|c| (*c, c.flags())).collect(),
            anywhere,
        }
    }

    /// Every flag name that takes a value (`Arg::Required`), or an optional one.
    pub fn flags_with(&self, optional: bool) -> Vec<&'static str> {
        let mut out: Vec<&str> = self
            .commands
            .iter()
            .flat_map(|(_, flags)| flags)
            .filter(|f| match f.arg {
                Arg::Required(_) => !optional,
                Arg::Optional(_) => optional,
                Arg::None => false,
            })
            .map(|f| f.name)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn anywhere_names(&self) -> Vec<&'static str> {
        self.anywhere.iter().map(|f| f.name).collect()
    }

    /// The command words at the start, with their summaries; aliases too.
    pub fn command_words(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        for (c, _) in &self.commands {
            out.push((c.name(), c.summary()));
            for alias in &c.words[1..] {
                out.push((*alias, c.summary()));
            }
        }
        out
    }

    /// Positional completions by key: the command's name and the positional
    /// words before the cursor, space-separated (`admin lookup`); the empty
    /// key is the command word itself.
    pub fn positionals(&self) -> Vec<(String, Positional)> {
        let mut out = vec![(String::new(), Positional::Words(self.command_words()))];
        for (c, _) in &self.commands {
            if c.name() == "help" {
                let topics = TOPICS.iter().map(|(name, _)| *name);
                let all = self.commands.iter().map(|(c, _)| c.name()).chain(topics);
                add_words(&mut out, "help", all.collect());
                continue;
            }
            for line in c.positionals() {
                // The keys that lead to this word: one per choice of the words before.
                let mut keys = vec![c.name().to_string()];
                for word in line {
                    match word {
                        Word::Choices(words) => {
                            for key in &keys {
                                add_words(&mut out, key, words.clone());
                            }
                            keys = keys
                                .iter()
                                .flat_map(|k| words.iter().map(move |w| format!("{k} {w}")))
                                .collect();
                        }
                        Word::Placeholder(p) => {
                            if p == "COMMAND" {
                                out.extend(keys.into_iter().map(|k| (k, Positional::Program)));
                            }
                            break;
                        }
                    }
                }
            }
        }
        out
    }
}

/// Adds `words` (with their summaries, if the top-level help has them) to
/// the completions of `key`.
fn add_words(out: &mut Vec<(String, Positional)>, key: &str, words: Vec<&'static str>) {
    let words = words.into_iter().map(|w| (w, help::summary(w)));
    match out.iter_mut().find(|(k, _)| k == key) {
        Some((_, Positional::Words(have))) => {
            for w in words {
                if !have.contains(&w) {
                    have.push(w);
                }
            }
        }
        Some(_) => {}
        None => out.push((key.to_string(), Positional::Words(words.collect()))),
    }
}

/// One shell word for any of the three shells (fish reads `'\''` too).
pub fn q(s: &str) -> String {
    shell::quote(s)
}

/// `a|b|c` for a shell `case` pattern.
pub fn alternatives<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(q).collect::<Vec<_>>().join("|")
}

/// The value completions as `case CMD:FLAG` arms: flag-wide ones (names,
/// files) once as `*:FLAG`, word lists per command. `words`, `names` and
/// `files` render the action of an arm for the shell.
pub fn value_arms(
    m: &Model,
    words: impl Fn(&[&str]) -> String,
    names: impl Fn(&str) -> String,
    files: &str,
) -> String {
    let mut arms: Vec<(Vec<String>, String)> = Vec::new();
    let mut add =
        |pattern: String, action: String| match arms.iter_mut().find(|(_, a)| *a == action) {
            Some((patterns, _)) if !patterns.contains(&pattern) => patterns.push(pattern),
            Some(_) => {}
            None => arms.push((vec![pattern], action)),
        };
    for (c, flags) in &m.commands {
        for f in flags {
            match values(f) {
                Values::Words(w) => add(q(&format!("{}:{}", c.name(), f.name)), words(&w)),
                Values::Names(list) => add(format!("*:{}", q(f.name)), names(list)),
                Values::Files => add(format!("*:{}", q(f.name)), files.to_string()),
                Values::Typed => {}
            }
        }
    }
    arms.iter()
        .map(|(p, a)| format!("        {}) {a} ;;\n", p.join("|")))
        .collect()
}

/// The flag completions as `case CMD` arms, each setting `var` through
/// `set(flags)`; a subcommand's own flags are added when the key starts
/// with it.
pub fn flag_arms(m: &Model, set: impl Fn(&[&Flag], bool) -> String) -> String {
    let mut out = String::new();
    for (c, flags) in &m.commands {
        let common: Vec<&Flag> = flags.iter().filter(|f| f.only.is_none()).collect();
        out.push_str(&format!(
            "        {})\n            {}\n",
            q(c.name()),
            set(&common, false)
        ));
        let mut subs: Vec<&str> = flags.iter().filter_map(|f| f.only).collect();
        subs.dedup();
        for sub in subs {
            let own: Vec<&Flag> = flags.iter().filter(|f| f.only == Some(sub)).collect();
            out.push_str(&format!(
                "            [[ \"$key \" == {}* ]] && {}\n",
                q(&format!("{} {sub} ", c.name())),
                set(&own, true)
            ));
        }
        out.push_str("            ;;\n");
    }
    out
}

/// The keys after which the next word is a program to run (`exec`).
pub fn program_keys(m: &Model) -> String {
    let keys: Vec<String> = m
        .positionals()
        .into_iter()
        .filter(|(_, p)| *p == Positional::Program)
        .map(|(k, _)| k)
        .collect();
    if keys.is_empty() {
        // A pattern that matches no key.
        return q("\n");
    }
    alternatives(keys.iter().map(String::as_str))
}

/// `case` arms mapping each alias to its command.
pub fn alias_arms(m: &Model) -> String {
    let mut out = String::new();
    for (c, _) in &m.commands {
        for alias in &c.words[1..] {
            out.push_str(&format!(
                "            {}) cmd={} ;;\n",
                q(alias),
                q(c.name())
            ));
        }
    }
    out
}
