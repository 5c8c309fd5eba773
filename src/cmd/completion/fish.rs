/*!
The fish script: `complete` lines with descriptions, whose conditions read
the words before the cursor the way the bash and zsh scripts do.
*/

use super::model::{Model, Positional, SESSION_FLAGS, Values, name_kind, q, values};
use crate::cmd::help::{Arg, Flag};

/// The fish script: `complete` lines whose conditions read the words before
/// the cursor the way the other two scripts do.
pub fn script(m: &Model) -> String {
    let list = |flags: Vec<&str>| flags.into_iter().map(q).collect::<Vec<_>>().join(" ");
    let mut s = format!(
        r#"# fish completion for sso-config, made from its help by 'sso-config completion fish'.

# The command and the positional words before the cursor, read the way
# sso-config reads them; with --program, the index of the token exec runs.
function __sso_config_words
    set -l words (commandline -opc)
    set -l values {values}
    set -l optional {optional}
    set -l anywhere {anywhere}
    set -l out
    set -l skip 0
    set -l endopts 0
    set -l i 1
    for w in $words[2..-1]
        set i (math $i + 1)
        if test $skip = 1
            set skip 0
        else if test $endopts = 0; and string match -q -- '-*' $w
            test "$w" = --; and set endopts 1
            # A flag that is not global starts the bare command, generate.
            if test (count $out) = 0; and not contains -- (string split -m1 = -- $w)[1] $anywhere
                set out generate
            end
            if string match -q -- '*=*' $w
            else if contains -- $w $values
                set skip 1
            else if contains -- $w $optional; and test $i -lt (count $words); and not string match -q -- '-*' $words[(math $i + 1)]
                set skip 1
            end
        else if test (count $out) = 0
            switch $w
{aliases}                case '*'
                    set out $w
            end
        else
            if contains -- "$out" {program_keys}
                if test "$argv" = --program
                    echo $i
                    return 0
                end
            end
            set -a out $w
        end
    end
    test "$argv" = --program; and return 1
    string join ' ' -- $out
end

# Profile, session, region, account or role names, asked from sso-config at
# each TAB, with the session flags already on the line.
function __sso_config_names
    set -l tokens (commandline -opc)
    set -l sess
    for i in (seq 2 (math (count $tokens) - 1))
        if contains -- $tokens[$i] {session_flags}
            set -a sess $tokens[$i] $tokens[(math $i + 1)]
        end
    end
    command sso-config __complete $argv[1] $sess 2>/dev/null
end

# The words so far are exactly these.
function __sso_config_is
    set -l have (__sso_config_words)
    test "$have" = "$argv"
end

# The words so far start with these.
function __sso_config_starts
    set -l have (__sso_config_words)
    string match -q -- "$argv *" "$have "
end

# The command is one of these (no command yet is generate).
function __sso_config_cmd
    set -l have (string split ' ' -- (__sso_config_words))
    set -l c $have[1]
    test -z "$c"; and set c generate
    contains -- $c $argv
end

# The command line of the program exec runs, completed as its own.
function __sso_config_program_args
    set -l at (__sso_config_words --program); or return
    set -l tokens (commandline -opc)
    complete -C (string join ' ' -- (string escape -- $tokens[$at..-1]) (commandline -ct))
end

complete -c sso-config -f
complete -c sso-config -n '__sso_config_words --program >/dev/null' -a '(__sso_config_program_args)'
"#,
        values = list(m.flags_with(false)),
        optional = list(m.flags_with(true)),
        anywhere = list(m.anywhere_names()),
        session_flags = SESSION_FLAGS.join(" "),
        program_keys = {
            let keys: Vec<String> = m
                .positionals()
                .into_iter()
                .filter(|(_, p)| *p == Positional::Program)
                .map(|(k, _)| q(&k))
                .collect();
            if keys.is_empty() {
                q("\n")
            } else {
                keys.join(" ")
            }
        },
        aliases = {
            let mut out = String::new();
            for (c, _) in &m.commands {
                for alias in &c.words[1..] {
                    out.push_str(&format!(
                        "                case {}\n                    set out {}\n",
                        q(alias),
                        q(c.name())
                    ));
                }
            }
            out
        },
    );
    for (key, p) in m.positionals() {
        let cond = q(format!("__sso_config_is {key}").trim_end());
        match p {
            Positional::Words(words) => {
                for (w, about) in words {
                    s.push_str(&format!("complete -c sso-config -n {cond} -a {}", q(w)));
                    if !about.is_empty() {
                        s.push_str(&format!(" -d {}", q(about)));
                    }
                    s.push('\n');
                }
            }
            Positional::Program => s.push_str(&format!(
                "complete -c sso-config -n {cond} -a '(__fish_complete_command)'\n"
            )),
        }
    }
    // Each flag once per description: with no condition when every command
    // takes it, else for the commands (or the subcommand) that do.
    let mut groups: Vec<(&Flag, Vec<&str>)> = Vec::new();
    for (c, flags) in &m.commands {
        for f in flags {
            match groups.iter_mut().find(|(g, _)| *g == f) {
                Some((_, cmds)) => cmds.push(c.name()),
                None => groups.push((f, vec![c.name()])),
            }
        }
    }
    for (f, cmds) in groups {
        let mut line = String::from("complete -c sso-config");
        if let Some(sub) = f.only {
            let key = cmds
                .iter()
                .map(|c| format!("{c} {sub}"))
                .collect::<Vec<_>>();
            line.push_str(&format!(
                " -n {}",
                q(&format!("__sso_config_starts {}", key.join(" ")))
            ));
        } else if cmds.len() < m.commands.len() {
            line.push_str(&format!(
                " -n {}",
                q(&format!("__sso_config_cmd {}", cmds.join(" ")))
            ));
        }
        match f.name.strip_prefix("--") {
            Some(long) => line.push_str(&format!(" -l {}", q(long))),
            None => line.push_str(&format!(" -s {}", q(f.name.trim_start_matches('-')))),
        }
        if f.arg != Arg::None {
            match values(f) {
                Values::Words(w) => line.push_str(&format!(" -x -a {}", q(&w.join(" ")))),
                Values::Names(list) => line.push_str(&format!(
                    " -x -a {}",
                    q(&format!(
                        "(__sso_config_names {list} | string replace -r '$' '\\t{}')",
                        name_kind(list)
                    ))
                )),
                Values::Files => line.push_str(" -r -F"),
                Values::Typed => line.push_str(" -x"),
            }
        }
        if !f.about.is_empty() {
            line.push_str(&format!(" -d {}", q(&f.about)));
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}
