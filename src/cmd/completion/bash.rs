/*!
The bash script: one function, `_sso_config`, that reads `COMP_WORDS` the
way sso-config reads its command line and fills `COMPREPLY`.
*/

use super::model::{
    Model, Positional, SESSION_FLAGS, alias_arms, flag_arms, program_keys, q, value_arms,
};
use crate::cmd::help::Flag;

/// The bash script.
pub fn script(m: &Model) -> String {
    let names = |flags: &[&Flag]| flags.iter().map(|f| f.name).collect::<Vec<_>>().join(" ");
    let flag_cases = flag_arms(m, |flags, more| {
        let op = if more { "+=" } else { "=" };
        format!("w{op}{}", q(&format!(" {}", names(flags))))
    });
    let value_cases = value_arms(
        m,
        |w| format!("COMPREPLY=($(compgen -W {} -- \"$cur\"))", q(&w.join(" "))),
        |list| format!("_sso_config_names {list}"),
        "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))",
    );
    let mut positional = String::new();
    for (key, p) in m.positionals() {
        let action = match p {
            Positional::Words(w) => format!(
                "COMPREPLY=($(compgen -W {} -- \"$cur\"))",
                q(&w.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" "))
            ),
            Positional::Program => "COMPREPLY=($(compgen -c -- \"$cur\"))".to_string(),
        };
        positional.push_str(&format!("        {}) {action} ;;\n", q(&key)));
    }
    let program_keys = program_keys(m);
    let aliases = alias_arms(m);
    format!(
        r#"# bash completion for sso-config, made from its help by 'sso-config completion bash'.
# Load it with: source <(sso-config completion bash)

# Profile, session, region, account or role names, asked from sso-config at
# each TAB, with the session flags already on the line.
_sso_config_names() {{
    local IFS=$'\n' i sess=()
    for ((i = 1; i + 1 < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
        {session_flags}) sess+=("${{COMP_WORDS[i]}}" "${{COMP_WORDS[i+1]}}") ;;
        esac
    done
    COMPREPLY=($(compgen -W "$(command sso-config __complete "$1" "${{sess[@]}}" 2>/dev/null)" -- "$cur"))
}}

_sso_config() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev= cmd= key= w i skip=0 program=0 endopts=0
    local values={values} optional={optional} anywhere={anywhere}
    COMPREPLY=()
    # The words before the cursor, read the way sso-config reads them.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${{COMP_WORDS[i]}}
        if [[ $w == = ]]; then
            skip=1 # bash splits --flag=value into --flag, =, value
        elif ((skip)); then
            skip=0
        elif [[ $w == -* ]] && ((!endopts)); then
            [[ $w == -- ]] && endopts=1
            # A flag that is not global starts the bare command, generate.
            [[ -z $cmd && $anywhere != *" $w "* ]] && cmd=generate key=generate
            if [[ $values == *" $w "* ]]; then
                skip=1
            elif [[ $optional == *" $w "* ]] && ((i + 1 < COMP_CWORD)) && [[ ${{COMP_WORDS[i+1]}} != -* ]]; then
                skip=1
            fi
        elif [[ -z $cmd ]]; then
            case $w in
{aliases}            *) cmd=$w ;;
            esac
            key=$cmd
        else
            case $key in
            {program_keys}) program=$i && break ;;
            esac
            key+=" $w"
        fi
    done
    if ((program)); then
        # The command exec runs: complete its words as that command's own.
        if declare -F _command_offset >/dev/null; then
            _command_offset "$program"
        else
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
    fi
    prev=${{COMP_WORDS[COMP_CWORD-1]}}
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]]; then
        prev=${{COMP_WORDS[COMP_CWORD-2]}}
    fi
    if ((!endopts)) && [[ $values == *" $prev "* || ($optional == *" $prev "* && $cur != -*) ]]; then
        case ${{cmd:-generate}}:$prev in
{value_cases}        esac
        return
    fi
    if ((!endopts)) && [[ $cur == -* ]]; then
        case ${{cmd:-generate}} in
{flag_cases}        *) w=$anywhere ;;
        esac
        COMPREPLY=($(compgen -W "$w" -- "$cur"))
        return
    fi
    case $key in
{positional}    esac
}}

complete -F _sso_config sso-config
"#,
        values = q(&format!(" {} ", m.flags_with(false).join(" "))),
        optional = q(&format!(" {} ", m.flags_with(true).join(" "))),
        anywhere = q(&format!(" {} ", m.anywhere_names().join(" "))),
        session_flags = SESSION_FLAGS.join("|"),
    )
}
