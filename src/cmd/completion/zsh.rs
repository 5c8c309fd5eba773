/*!
The zsh script: `_sso-config`, loadable both ways zsh users load completions
(autoloaded from `$fpath` by its `#compdef` line, or sourced after
`compinit`), with descriptions through `_describe`.
*/

use super::model::{
    Model, Positional, SESSION_FLAGS, alias_arms, flag_arms, program_keys, q, value_arms,
};

/// `name:description` entries for zsh's `_describe` (a `:` in the name escaped).
fn described<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    entries
        .into_iter()
        .map(|(name, about)| {
            let name = name.replace(':', "\\:");
            q(&if about.is_empty() {
                name
            } else {
                format!("{name}:{about}")
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The zsh script: an autoloadable `_sso-config` (`#compdef` line) that
/// also works when sourced after `compinit`.
pub fn script(m: &Model) -> String {
    let flag_cases = flag_arms(m, |flags, more| {
        let op = if more { "+=" } else { "=" };
        format!(
            "list{op}( {} )",
            described(flags.iter().map(|f| (f.name, f.about.as_str())))
        )
    });
    let value_cases = value_arms(
        m,
        |w| format!("compadd -- {}", w.join(" ")),
        // Asked from sso-config at each TAB.
        |list| format!("_sso-config_names {list}"),
        "_files",
    );
    let mut positional = String::new();
    for (key, p) in m.positionals() {
        let action = match p {
            Positional::Words(w) => format!(
                "list=( {} ); _describe -t values value list",
                described(w.iter().copied())
            ),
            Positional::Program => "_command_names -e".to_string(),
        };
        positional.push_str(&format!("        {}) {action} ;;\n", q(&key)));
    }
    let words = |flags: Vec<&str>| flags.into_iter().map(q).collect::<Vec<_>>().join(" ");
    let aliases = alias_arms(m);
    let anywhere = described(m.anywhere.iter().map(|f| (f.name, f.about.as_str())));
    format!(
        r#"#compdef sso-config
# zsh completion for sso-config, made from its help by 'sso-config completion zsh'.
# Install it as _sso-config in a folder of $fpath before compinit runs, or
# load it after compinit with: source <(sso-config completion zsh)

# Profile, session, region, account or role names, asked from sso-config at
# each TAB, with the session flags already on the line.
_sso-config_names() {{
    local -a sess
    local i
    for (( i = 2; i + 1 < CURRENT; i++ )); do
        case ${{words[i]}} in
        ({session_flags}) sess+=( ${{words[i]}} ${{words[i+1]}} ) ;;
        esac
    done
    compadd -- ${{(f)"$(command sso-config __complete $1 $sess 2>/dev/null)"}}
}}

_sso-config() {{
    local cur=${{words[CURRENT]}} cmd= key= w flag i skip=0 program=0 endopts=0
    local -a values=( {values} ) optional=( {optional} ) anywhere=( {anywhere_names} ) list
    # The words before the cursor, read the way sso-config reads them.
    for (( i = 2; i < CURRENT; i++ )); do
        w=${{words[i]}}
        if (( skip )); then
            skip=0
        elif [[ $w == -* ]] && (( ! endopts )); then
            [[ $w == -- ]] && endopts=1
            # A flag that is not global starts the bare command, generate.
            if [[ -z $cmd ]] && (( ! ${{anywhere[(Ie)${{w%%=*}}]}} )); then
                cmd=generate key=generate
            fi
            if [[ $w == *=* ]]; then
                :
            elif (( ${{values[(Ie)$w]}} )); then
                skip=1
            elif (( ${{optional[(Ie)$w]}} && i + 1 < CURRENT )) && [[ ${{words[i+1]}} != -* ]]; then
                skip=1
            fi
        elif [[ -z $cmd ]]; then
            case $w in
{aliases}            *) cmd=$w ;;
            esac
            key=$cmd
        else
            case $key in
            {program_keys}) program=$i; break ;;
            esac
            key+=" $w"
        fi
    done
    if (( program )); then
        # The command exec runs: complete its words as that command's own.
        shift $(( program - 1 )) words
        (( CURRENT -= program - 1 ))
        _normal
        return
    fi
    flag=
    if (( ! endopts )); then
        if [[ $cur == --*=* ]]; then
            flag=${{cur%%=*}}
            compset -P '*='
        elif (( ${{values[(Ie)${{words[CURRENT-1]}}]}} )); then
            flag=${{words[CURRENT-1]}}
        elif (( ${{optional[(Ie)${{words[CURRENT-1]}}]}} )) && [[ $cur != -* ]]; then
            flag=${{words[CURRENT-1]}}
        fi
    fi
    if [[ -n $flag ]]; then
        case ${{cmd:-generate}}:$flag in
{value_cases}        esac
        return
    fi
    if (( ! endopts )) && [[ $cur == -* ]]; then
        case ${{cmd:-generate}} in
{flag_cases}        *) list=( {anywhere} ) ;;
        esac
        _describe -t options option list
        return
    fi
    case $key in
{positional}    esac
}}

if [[ $funcstack[1] == _sso-config ]]; then
    # Autoloaded from $fpath by the first TAB: complete it now.
    _sso-config "$@"
elif (( $+functions[compdef] )); then
    compdef _sso-config sso-config
else
    print -u2 "sso-config completion: run 'autoload -Uz compinit && compinit' before loading it"
fi
"#,
        values = words(m.flags_with(false)),
        optional = words(m.flags_with(true)),
        anywhere_names = words(m.anywhere_names()),
        program_keys = program_keys(m),
        session_flags = SESSION_FLAGS.join("|"),
    )
}
