/*!
`help`, and the help texts read as data. Each command's `USAGE` (beside its
parser) is the one description of that command: `help`, the man page, the
shell completion scripts and the "did you mean …?" for flags all read it, so
none of them can offer a flag the help does not list (and the tests check
that the parsers take exactly the flags their help lists).

How a help text is read:
- An *option line* is two spaces, then one or more flags separated by ", "
  (`-h, --help`), the last of which may be followed by one space and its
  argument (`--region R`, `--write [FILE]` optional, `--format table|json`
  a choice), then two or more spaces and a description, which may go on in
  more deeply indented lines (or start on the next line).
- A line at the left margin that ends with `:` starts a section. Flags in a
  section whose first word is a subcommand (`assignments options:`) are that
  subcommand's only; the lines of `Examples:` are examples.
- `Usage:` lines give the positional words after the command: lower-case
  words and `a|b|c` are literal, an upper-case word is a placeholder.
- A command whose usage says `[ROLE OPTIONS]` also takes the options of
  `help role`; every command takes the options of `help session` and the
  global options of the top-level help.
*/

use crate::cmd::args::{ROLE_HELP, SESSION_HELP};

/// The top-level help, `sso-config --help`. Its command and topic lines
/// give the summaries that completion shows; its global options are every
/// command's.
pub const OVERVIEW: &str = "\
sso-config: AWS IAM Identity Center from the terminal

Usage: sso-config [COMMAND] [OPTIONS]

Commands:
  generate             print (or --write) a profile for every account and role [default]
  login                log in and share the token with the AWS CLI and SDKs
  logout               log out and remove cached tokens and role credentials
  roles                list accounts and roles
  credential-process   credentials for a profile's credential_process
  export               credentials as shell variables, JSON or into the credentials file
  exec                 run a command with a role's credentials
  serve                serve role credentials to SDKs and containers over loopback HTTP
  console              open the AWS console as a role
  check                diagnose the session, token and access
  admin                Identity Center administration: lookup, assignments (SigV4)
  completion           print a bash, zsh or fish completion script
  shell-init           print sso-assume, a function that switches role in the shell
  help                 help for a command or a topic
Aliases: env = export, run-as = exec.

Topics ('sso-config help TOPIC'):
  session              which Identity Center a command uses, and the flags that pick it
  role                 the flags that pick an account and role
  environment          the environment variables read
  files                the files read and written
  exit-status          what the exit codes mean

Global options (any command, before or after its name):
  --debug              log requests and responses on stderr (secrets redacted)
  --no-browser         never open a browser; print the URL and code instead
  --no-input           never ask: no role picker, no login prompt (as off a terminal)
  -h, --help           print help
  -V, --version        print the version

Session options (any command): --sso-session NAME, --profile P, or --start-url URL
[--sso-region R]; see 'sso-config help session'.

Examples:
  sso-config login --start-url https://mycorp.awsapps.com/start --sso-region eu-west-1
  sso-config --write
  sso-config exec --profile Production.AdministratorAccess -- aws s3 ls

Run 'sso-config help COMMAND' for the options of a command.
";

/// `help` help.
pub const USAGE: &str = "\
Usage: sso-config help [COMMAND|TOPIC]

Prints the help of a command or a topic; without one, the overview of the
commands and topics. 'sso-config COMMAND --help' is the same as
'sso-config help COMMAND'.

Examples:
  sso-config help generate
  sso-config help session
";

/// `help environment`.
pub const ENVIRONMENT: &str = "\
Environment variables:
  AWS_PROFILE                   the profile when --profile is not given
  AWS_CONFIG_FILE               the config file (default ~/.aws/config)
  AWS_SHARED_CREDENTIALS_FILE   the credentials file (default ~/.aws/credentials)
  AWS_DEFAULT_SSO_START_URL     with AWS_DEFAULT_SSO_REGION: the session when no flag,
                                profile or variable above names one
  AWS_REGION, AWS_DEFAULT_REGION
                                region of generated profiles, and of 'admin', when
                                --region is not given
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                                credentials for 'admin' (else --profile)
  AWS_ENDPOINT_URL              endpoint override for every service, as in the AWS
                                SDKs (http:// only for loopback hosts)
  AWS_ENDPOINT_URL_<SERVICE>    endpoint override for one service: SSO_OIDC, SSO, STS,
                                SSO_ADMIN, IDENTITYSTORE or ORGANIZATIONS
  AWS_USE_DUALSTACK_ENDPOINT, AWS_USE_FIPS_ENDPOINT
                                dual-stack or FIPS endpoints, as in the AWS SDKs
  AWS_CA_BUNDLE, SSL_CERT_FILE  extra PEM CA certificates to trust
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY (either case)
                                proxy settings
  AWS_SSO_DISABLE_BROWSER       1 or true: never open a browser (as --no-browser)
  BROWSER                       the browser to open for a login
  NO_COLOR                      no colour on stderr

Set in the shell by sso-assume ('sso-config help shell-init'):
  SSO_CONFIG_PROFILE            the profile (or ACCOUNT_ID/ROLE) it switched to, for
                                prompts
  _SSO_CONFIG_ASSUMED           what it set and your values to put back (a shell
                                variable, not exported; read by 'sso-config __assume')
";

/// `help files`.
pub const FILES: &str = "\
Files:
  ~/.aws/config               profiles and [sso-session] sections; written only by
                              'generate --write' (a managed block, every other byte
                              kept) and by a login that names a new session
  ~/.aws/credentials          written only by 'export --write-credentials'
  ~/.aws/sso/cache/           tokens and client registrations, shared with the AWS CLI v2
  ~/.aws/cli/cache/           role credentials, shared with the AWS CLI
  ~/.aws/sso-config/          this tool's own state: locks, the sessions logins
                              remembered, a copy of the config file, and each
                              session's last account listing (listings/, kept
                              an hour for roles, completion and the picker),
                              and a running 'serve''s token (serve/token-PORT)

Every file is written atomically (a temporary file renamed over it); folders the
tool creates are mode 0700, cache files 0600.
";

/// `help exit-status`.
pub const EXIT_STATUS: &str = "\
Exit status:
  0    success
  1    a runtime error: network, an AWS API, a file
  2    a usage or configuration error: a flag, a profile, a session, a config file
  3    a login is needed: no token, or an expired one that cannot be refreshed
  130  the role picker was cancelled (Esc or Ctrl-C)
'exec' exits with its command's status; 'check' exits 0, 1 or 3 with its verdict.
Errors are one line on stderr, starting with 'sso-config: '.
";

/// The help topics, by name (each is summarised in the top-level help).
pub const TOPICS: [(&str, &str); 5] = [
    ("session", SESSION_HELP),
    ("role", ROLE_HELP),
    ("environment", ENVIRONMENT),
    ("files", FILES),
    ("exit-status", EXIT_STATUS),
];

/// A command as the top-level help lists it.
#[derive(Debug, Clone, Copy)]
pub struct CommandDoc {
    /// Its name, then its aliases.
    pub words: &'static [&'static str],
    /// Its help text.
    pub usage: &'static str,
}

impl CommandDoc {
    /// The command's name.
    pub fn name(&self) -> &'static str {
        self.words[0]
    }

    /// Its one-line summary from the top-level help.
    pub fn summary(&self) -> &'static str {
        summary(self.name())
    }

    /// Every flag the command takes (see the module doc): its own first,
    /// then the role, session and global options, each name once.
    pub fn flags(&self) -> Vec<Flag> {
        let mut all = option_lines(self.usage, &self.subcommands());
        if self.usage.contains("[ROLE OPTIONS]") {
            all.extend(option_lines(ROLE_HELP, &[]));
        }
        let globals = global_flags().into_iter().filter(|f| !f.before_command());
        if self.takes_options() {
            all.extend(option_lines(SESSION_HELP, &[]));
            all.extend(globals);
        } else {
            all.extend(globals.filter(|f| matches!(f.name, "-h" | "--help")));
        }
        let mut seen = Vec::new();
        all.retain(|f| {
            let new = !seen.contains(&f.name);
            seen.push(f.name);
            new
        });
        all
    }

    /// Whether the command takes options at all: its usage line says
    /// `[OPTIONS]` (or `[ROLE OPTIONS]`); `completion` and `help` take
    /// only `--help`.
    fn takes_options(&self) -> bool {
        usage_lines(self.usage).any(|l| l.contains("OPTIONS]"))
    }

    /// The positional words of each `Usage:` line, in order.
    pub fn positionals(&self) -> Vec<Vec<Word>> {
        usage_lines(self.usage)
            .map(|line| {
                let mut words = words_outside_brackets(line);
                // The command's own word (`admin`); `[generate]` is already gone.
                if words.first().is_some_and(|w| self.words.contains(w)) {
                    words.remove(0);
                }
                words
                    .into_iter()
                    .take_while(|w| !w.starts_with('-'))
                    .map(Word::of)
                    .collect()
            })
            .collect()
    }

    /// The literal first words after the command (`admin lookup`).
    fn subcommands(&self) -> Vec<&'static str> {
        self.positionals()
            .into_iter()
            .filter_map(|line| match line.into_iter().next() {
                Some(Word::Choices(c)) => Some(c),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// A positional word of a usage line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// One of these literal words.
    Choices(Vec<&'static str>),
    /// Something the user names, e.g. `COMMAND` or `NAME...`.
    Placeholder(&'static str),
}

impl Word {
    fn of(w: &'static str) -> Word {
        match choices(w) {
            Some(c) => Word::Choices(c),
            None => Word::Placeholder(w),
        }
    }
}

/// A flag as a help text lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// `--region`, or a short `-h`.
    pub name: &'static str,
    /// Its argument.
    pub arg: Arg,
    /// Its description.
    pub about: String,
    /// The subcommand it belongs to, when only one takes it.
    pub only: Option<&'static str>,
}

/// A flag's argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// A switch.
    None,
    /// `--flag ARG`.
    Required(&'static str),
    /// `--flag [ARG]`: the next word when it is not a flag.
    Optional(&'static str),
}

impl Flag {
    /// `-V`/`--version`: read before the command word only (after it, the
    /// word belongs to the command).
    pub fn before_command(&self) -> bool {
        matches!(self.name, "-V" | "--version")
    }

    /// The literal values of a `--flag a|b|c`.
    pub fn choices(&self) -> Option<Vec<&'static str>> {
        match self.arg {
            Arg::Required(a) | Arg::Optional(a) => choices(a),
            Arg::None => None,
        }
    }
}

/// `a|b|c` of lower-case words, or a single lower-case word.
fn choices(word: &'static str) -> Option<Vec<&'static str>> {
    let literal = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let parts: Vec<&str> = word.split('|').collect();
    parts.iter().all(|p| literal(p)).then_some(parts)
}

/// The global options of the top-level help.
pub fn global_flags() -> Vec<Flag> {
    option_lines(OVERVIEW, &[])
}

/// The summary of a command or topic in the top-level help ("" if none).
pub fn summary(name: &str) -> &'static str {
    OVERVIEW
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' ') && !l.starts_with('-'))
        .find_map(|l| {
            let (word, rest) = l.split_once(' ')?;
            (word == name).then(|| rest.trim())
        })
        .unwrap_or("")
}

/// The option lines of a help text (see the module doc). `subcommands`
/// are the words a section may be named after.
pub fn option_lines(text: &'static str, subcommands: &[&'static str]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = Vec::new();
    let mut only = None;
    let mut new_flags = 0;
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            let first = line.split(' ').next().unwrap_or_default();
            only = subcommands.iter().copied().find(|s| *s == first);
            new_flags = 0;
            continue;
        }
        let Some(body) = line.strip_prefix("  ") else {
            new_flags = 0;
            continue;
        };
        if !body.starts_with('-') {
            // A more deeply indented line goes on with the description.
            if body.starts_with(' ') {
                let more = body.trim();
                let n = flags.len();
                for f in &mut flags[n - new_flags..] {
                    if !f.about.is_empty() {
                        f.about.push(' ');
                    }
                    f.about.push_str(more);
                }
            } else {
                new_flags = 0;
            }
            continue;
        }
        let (head, about) = match body.find("  ") {
            Some(i) => (&body[..i], body[i..].trim()),
            None => (body, ""),
        };
        let names: Vec<&str> = head.split(", ").collect();
        new_flags = names.len();
        let last = names.len() - 1;
        for (i, part) in names.into_iter().enumerate() {
            let (name, arg) = match part.split_once(' ') {
                Some((name, a)) if i == last => match a.strip_prefix('[') {
                    Some(opt) => (name, Arg::Optional(opt.trim_end_matches(']'))),
                    None => (name, Arg::Required(a)),
                },
                _ => (part, Arg::None),
            };
            flags.push(Flag {
                name,
                arg,
                about: about.to_string(),
                only,
            });
        }
    }
    flags
}

/// The lines of a help text that show a command line: the `Usage:` line and
/// the lines under it, each from the word after `sso-config`.
fn usage_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .skip_while(|l| !l.starts_with("Usage:"))
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once("sso-config ").map(|(_, rest)| rest))
}

/// The words of a usage line, leaving out `[…]` groups.
fn words_outside_brackets(line: &'static str) -> Vec<&'static str> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for w in line.split(' ').filter(|w| !w.is_empty()) {
        let opens = w.matches('[').count();
        let closes = w.matches(']').count();
        if depth == 0 && opens == 0 {
            out.push(w);
        }
        depth = (depth + opens).saturating_sub(closes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{COMMANDS, Cli, parse};
    use crate::error::Result;
    use crate::util::shell;
    use std::ffi::OsString;

    /// The `sso-config …` command lines of a text's `Examples:` section: each
    /// from `sso-config` up to a shell operator (`|`, `>`, `)`) or the end.
    fn examples(text: &'static str) -> Vec<&'static str> {
        text.lines()
            .skip_while(|l| *l != "Examples:")
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| {
                let at = l.find("sso-config ")?;
                let cmd = &l[at..];
                let end = cmd.find(['|', '>', ')']).unwrap_or(cmd.len());
                Some(cmd[..end].trim_end())
            })
            .collect()
    }

    /// Every `--flag` word a text mentions.
    fn mentioned_flags(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("--") {
            let after = &rest[i + 2..];
            let len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .unwrap_or(after.len());
            let preceded_ok = i == 0 || rest[..i].ends_with([' ', '[', '(', '\'', '\n', '|']);
            if len > 0 && preceded_ok {
                out.push(&rest[i..i + 2 + len]);
            }
            rest = &after[len..];
        }
        out
    }

    fn run(args: &[&str]) -> Result<Cli> {
        parse(args.iter().map(OsString::from))
    }

    /// Every flag any command takes, by name, with its argument.
    fn all_flags() -> Vec<Flag> {
        let mut all: Vec<Flag> = Vec::new();
        for c in &COMMANDS {
            for f in c.flags() {
                if !all.iter().any(|g| g.name == f.name) {
                    all.push(f);
                }
            }
        }
        all
    }

    /// A command line that gives `flag` (with a value when it takes one) to `c`.
    fn command_line(c: &CommandDoc, flag: &Flag, value: bool) -> Vec<&'static str> {
        let mut argv = vec![c.name()];
        match c.name() {
            "admin" => argv.push(flag.only.unwrap_or("assignments")),
            "completion" => argv.push("bash"),
            _ => {}
        }
        argv.push(flag.name);
        if value && flag.arg != Arg::None {
            argv.push(flag.choices().map_or("1", |c| c[0]));
        }
        if c.name() == "exec" {
            argv.push("true");
        }
        argv
    }

    #[test]
    fn parsers_take_exactly_the_flags_their_help_lists() {
        let all = all_flags();
        for c in &COMMANDS {
            let own = c.flags();
            for f in &all {
                let listed = own.iter().find(|g| g.name == f.name);
                let argv = command_line(c, listed.unwrap_or(f), listed.is_some());
                let result = run(&argv);
                match (listed, result) {
                    (Some(_), Ok(_)) => {}
                    (Some(_), Err(e)) => {
                        // Taken, though the value may be refused: not unknown,
                        // and it took exactly the arguments its help says.
                        let msg = e.to_string();
                        assert!(
                            !msg.starts_with("unknown flag")
                                && !msg.contains("unexpected argument")
                                && !msg.contains("missing argument"),
                            "{argv:?}: {msg}"
                        );
                    }
                    // Read before the command word only.
                    (None, _) if f.before_command() => {}
                    (None, Err(e)) if e.to_string().starts_with("unknown flag") => {}
                    (None, other) => panic!("{argv:?} is not in the help but gives {other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_flag_takes_the_same_argument_everywhere() {
        // The completion scripts skip a flag's value by the flag's name alone.
        for f in all_flags() {
            for c in &COMMANDS {
                if let Some(g) = c.flags().iter().find(|g| g.name == f.name) {
                    let kind = |a: Arg| std::mem::discriminant(&a);
                    assert_eq!(kind(g.arg), kind(f.arg), "{} of {}", f.name, c.name());
                }
            }
        }
    }

    #[test]
    fn help_texts_mention_only_flags_their_command_takes() {
        let all: Vec<&str> = all_flags().iter().map(|f| f.name).collect();
        for c in &COMMANDS {
            let own: Vec<&str> = c.flags().iter().map(|f| f.name).collect();
            // `completion` tells which flags' values it completes;
            // `shell-init` describes the flags its shell function takes.
            let function: Vec<&str> = own
                .iter()
                .copied()
                .chain(crate::cmd::shell_init::function_flags())
                .collect();
            let allowed = match c.name() {
                "completion" => &all,
                "shell-init" => &function,
                _ => &own,
            };
            for flag in mentioned_flags(c.usage) {
                assert!(
                    allowed.contains(&flag),
                    "help of {} mentions {flag}",
                    c.name()
                );
            }
        }
        let globals: Vec<Flag> = global_flags();
        let everything: Vec<&str> = all
            .iter()
            .copied()
            .chain(globals.iter().map(|f| f.name))
            .collect();
        let topics = TOPICS.iter().map(|(_, text)| *text);
        for text in topics.chain([OVERVIEW]) {
            for flag in mentioned_flags(text) {
                assert!(everything.contains(&flag), "{flag} in {text}");
            }
        }
    }

    #[test]
    fn every_command_has_examples_that_parse() {
        let topics = TOPICS.iter().map(|(_, text)| *text);
        let texts = COMMANDS
            .iter()
            .map(|c| c.usage)
            .chain(topics)
            .chain([OVERVIEW]);
        for text in texts {
            let examples = examples(text);
            let first = text.lines().next().unwrap_or_default();
            let is_command = COMMANDS.iter().any(|c| c.usage == text);
            assert!(!is_command || !examples.is_empty(), "no examples: {first}");
            for example in examples {
                let words = shell::split(example).unwrap();
                let argv: Vec<&str> = words[1..].iter().map(String::as_str).collect();
                assert!(run(&argv).is_ok(), "{example}: {:?}", run(&argv).err());
            }
        }
    }

    #[test]
    fn the_top_level_help_lists_every_command_and_topic() {
        for c in &COMMANDS {
            assert!(!c.summary().is_empty(), "{}", c.name());
            for alias in &c.words[1..] {
                assert!(
                    OVERVIEW.contains(&format!("{alias} = {}", c.name())),
                    "{alias}"
                );
            }
        }
        for (name, _) in TOPICS {
            assert!(!summary(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn help_for_each_command_and_topic() {
        for c in &COMMANDS {
            for word in c.words {
                assert!(matches!(run(&["help", word]), Ok(Cli::Help(u)) if u == c.usage));
                assert!(matches!(run(&[word, "--help"]), Ok(Cli::Help(u)) if u == c.usage));
            }
        }
        for (name, text) in TOPICS {
            assert!(matches!(run(&["help", name]), Ok(Cli::Help(t)) if t == text));
        }
        assert!(matches!(run(&["help", "--help"]), Ok(Cli::Help(USAGE))));
        let e = run(&["help", "sesion"]).unwrap_err();
        assert!(e.to_string().contains("(did you mean 'session'?)"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn option_lines_are_read_by_their_layout() {
        let text = "\
Options:
  -h, --help          help
  --write [FILE]      write
  --style a|b-c
                      how
  --name T            the name,
                      and more
  not an option

sub options:
  --only              just sub
";
        let flags = option_lines(text, &["sub"]);
        let got: Vec<(&str, Arg, &str, Option<&str>)> = flags
            .iter()
            .map(|f| (f.name, f.arg, f.about.as_str(), f.only))
            .collect();
        assert_eq!(
            got,
            [
                ("-h", Arg::None, "help", None),
                ("--help", Arg::None, "help", None),
                ("--write", Arg::Optional("FILE"), "write", None),
                ("--style", Arg::Required("a|b-c"), "how", None),
                ("--name", Arg::Required("T"), "the name, and more", None),
                ("--only", Arg::None, "just sub", Some("sub")),
            ]
        );
        assert_eq!(flags[3].choices(), Some(vec!["a", "b-c"]));
        assert_eq!(flags[4].choices(), None);
    }

    #[test]
    fn positional_words_come_from_the_usage_lines() {
        let admin = COMMANDS.iter().find(|c| c.name() == "admin").unwrap();
        let lines = admin.positionals();
        assert_eq!(
            lines[1],
            [
                Word::Choices(vec!["lookup"]),
                Word::Choices(vec!["user", "group", "permission-set", "account"]),
                Word::Placeholder("NAME..."),
            ]
        );
        let exec = COMMANDS.iter().find(|c| c.name() == "exec").unwrap();
        assert_eq!(exec.positionals(), [[Word::Placeholder("COMMAND")]]);
    }
}
