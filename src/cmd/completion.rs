/*!
`completion`: shell completion scripts for bash, zsh and fish. Profile and
session names are read from the config file when completing, through the
hidden `sso-config __complete profiles|sessions` (so they are never stale).
*/

use crate::app::context::Ctx;
use crate::cmd::args::{self, Parser};
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::store::config::Config;

/// `completion` help.
pub const USAGE: &str = "Usage: sso-config completion bash|zsh|fish\n";

/// What to print.
#[derive(Debug)]
pub enum Args {
    /// `completion SHELL`: the script.
    Script(String),
    /// Hidden `__complete profiles|sessions`: names, one per line.
    Names(String),
}

/// Parses the one argument of `completion` (`hidden` false) or `__complete`.
pub fn parse(p: &mut Parser, hidden: bool) -> Result<Args> {
    let word = if hidden { "__complete" } else { "completion" };
    let Some(args::Tok::Value(v)) = args::next(p)? else {
        return Err(Error::Usage(format!("{word} needs an argument")));
    };
    let arg = args::string(v)?;
    if let Some(extra) = args::next(p)? {
        return Err(args::unexpected(extra));
    }
    Ok(if hidden {
        Args::Names(arg)
    } else {
        Args::Script(arg)
    })
}

/// Prints the script or the names.
pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let text = match a {
        Args::Script(shell) => script(&shell)?,
        Args::Names(what) => names(&Config::load(&ctx.paths.config)?, &what)?,
    };
    output::write_stdout(text.as_bytes())
}

const COMMANDS: &str = "generate login logout roles credential-process export env exec run-as console check completion help";
const FLAGS: &str = "--profile --sso-session --start-url --sso-region --debug --no-browser --help --version \
--region --name --lower --strip-prefix --role-alias --include-account --exclude-account --exclude-role \
--region-rule --set --style --write --dry-run --device-code --pkce --callback-port --force --all --format \
--account-id --role-name --expiry-window --login --write-credentials --destination --print --duration --json";

/// The script for `shell`.
fn script(shell: &str) -> Result<String> {
    let text = match shell {
        "bash" => format!(
            r#"# bash completion for sso-config
_sso_config() {{
    local cur prev
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
        --profile) COMPREPLY=($(compgen -W "$(sso-config __complete profiles 2>/dev/null)" -- "$cur")); return ;;
        --sso-session) COMPREPLY=($(compgen -W "$(sso-config __complete sessions 2>/dev/null)" -- "$cur")); return ;;
        --style) COMPREPLY=($(compgen -W "sso legacy credential-process" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "table json csv env env-no-export fish powershell windows-cmd dotenv process" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "{FLAGS}" -- "$cur"))
    elif [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "{COMMANDS}" -- "$cur"))
    fi
}}
complete -o default -F _sso_config sso-config
"#
        ),
        "zsh" => format!(
            r#"#compdef sso-config
# zsh completion for sso-config
_sso_config() {{
    case "${{words[CURRENT-1]}}" in
        --profile) compadd -- ${{(f)"$(sso-config __complete profiles 2>/dev/null)"}}; return ;;
        --sso-session) compadd -- ${{(f)"$(sso-config __complete sessions 2>/dev/null)"}}; return ;;
        --style) compadd -- sso legacy credential-process; return ;;
        --format) compadd -- table json csv env env-no-export fish powershell windows-cmd dotenv process; return ;;
    esac
    if [[ "$PREFIX" == -* ]]; then
        compadd -- {FLAGS}
    elif (( CURRENT == 2 )); then
        compadd -- {COMMANDS}
    else
        _files
    fi
}}
compdef _sso_config sso-config
"#
        ),
        "fish" => {
            let mut s =
                String::from("# fish completion for sso-config\ncomplete -c sso-config -f\n");
            for c in COMMANDS.split(' ') {
                s.push_str(&format!(
                    "complete -c sso-config -n '__fish_use_subcommand' -a {c}\n"
                ));
            }
            for f in FLAGS.split(' ') {
                let name = f.trim_start_matches("--");
                let arg = match name {
                    "profile" => " -r -a '(sso-config __complete profiles 2>/dev/null)'",
                    "sso-session" => " -r -a '(sso-config __complete sessions 2>/dev/null)'",
                    "style" => " -r -a 'sso legacy credential-process'",
                    _ => "",
                };
                s.push_str(&format!("complete -c sso-config -l {name}{arg}\n"));
            }
            s
        }
        other => {
            return Err(Error::Usage(format!(
                "completion: '{other}' is not one of bash, zsh, fish"
            )));
        }
    };
    Ok(text)
}

/// Names for the hidden `__complete` command, one per line.
fn names(cfg: &Config, what: &str) -> Result<String> {
    let mut names: Vec<&str> = match what {
        "profiles" => cfg.doc.profile_names(),
        "sessions" => cfg.doc.sso_sessions(),
        other => return Err(Error::Usage(format!("__complete: unknown list '{other}'"))),
    };
    names.sort_unstable();
    names.dedup();
    Ok(names.iter().map(|n| format!("{n}\n")).collect())
}
