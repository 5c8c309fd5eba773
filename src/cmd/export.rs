/*!
`export` (alias `env`): a role's credentials as text for their consumers —
shell `export` lines for every shell the contract names (each value quoted so
that `eval` is safe whatever the secret contains), dotenv, JSON, the
`credential_process` JSON — or written into the shared credentials file.
*/

use crate::app::context::Ctx;
use crate::app::role::{self, RoleFlags, RoleTarget};
use crate::app::session::SessionFlags;
use crate::app::token::LoginPolicy;
use crate::cmd::args::{self, Global, Parser};
use crate::cmd::{output, picker};
use crate::error::{Error, Result};
use crate::ini::{self, Header};
use crate::store::config::{self, Config};
use crate::util::credentials::Credentials;
use crate::util::{clock, log, shell};

/// `export` help.
pub const USAGE: &str = "\
Usage: sso-config export [ROLE OPTIONS] [OPTIONS]

Prints a role's credentials for a shell or a program, or writes them into the
credentials file; cached and reused like credential-process's. The alias
'sso-config env' is the same command.

Options:
  --format env|env-no-export|fish|powershell|windows-cmd|dotenv|json|process
                               output format (default env: export lines for sh)
  --write-credentials [NAME]   write section NAME (default: the profile) of the
                               credentials file instead of printing

Role options: 'sso-config help role'.

Examples:
  eval \"$(sso-config export --profile prod.Admin)\"
  sso-config export --profile prod.Admin --format fish | source
  sso-config export --sso-session corp --account-id 111122223333 --role-name ReadOnly --format dotenv > .env
  sso-config export --profile prod.Admin --write-credentials
";

/// `export` flags.
#[derive(Debug)]
pub struct Args {
    /// Role selection.
    pub role: RoleFlags,
    /// `--format`.
    pub format: ExportFormat,
    /// `--write-credentials [NAME]`: `Some(None)` means the profile name.
    pub write_credentials: Option<Option<String>>,
}

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// `export K='v'` (POSIX shells).
    #[default]
    Env,
    /// `K='v'`.
    EnvNoExport,
    /// `set -gx K 'v'`.
    Fish,
    /// `$Env:K = 'v'`.
    PowerShell,
    /// `set "K=v"`.
    WindowsCmd,
    /// `K="v"` lines for `.env` files.
    Dotenv,
    /// The credential_process JSON plus account, role and region.
    Json,
    /// Exactly the credential_process JSON.
    Process,
}

impl ExportFormat {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        Some(match s {
            "env" => ExportFormat::Env,
            "env-no-export" => ExportFormat::EnvNoExport,
            "fish" => ExportFormat::Fish,
            "powershell" => ExportFormat::PowerShell,
            "windows-cmd" => ExportFormat::WindowsCmd,
            "dotenv" => ExportFormat::Dotenv,
            "json" => ExportFormat::Json,
            "process" => ExportFormat::Process,
            _ => return None,
        })
    }
}

/// Parses `export`'s flags; `None` when help was asked for.
pub fn parse(p: &mut Parser, global: &mut Global) -> Result<Option<Args>> {
    let mut role = RoleFlags::default();
    let mut format = ExportFormat::default();
    let mut write_credentials = None;
    let take = |name: &str, p: &mut Parser| {
        match name {
            "format" => {
                let v = args::value(p)?;
                format = ExportFormat::parse(&v).ok_or_else(|| {
                    Error::Usage(format!(
                        "--format: '{v}' is not one of env, env-no-export, fish, powershell, windows-cmd, dotenv, json, process"
                    ))
                })?;
            }
            "write-credentials" => {
                let name = args::optional_path(p)?.map(|p| p.to_string_lossy().into_owned());
                if let Some(name) = &name {
                    check_section_name(name)?;
                }
                write_credentials = Some(name);
            }
            _ => return args::role_flag(name, p, &mut role),
        }
        Ok(true)
    };
    let done = args::flags(p, global, take)?;
    Ok(done.then_some(Args {
        role,
        format,
        write_credentials,
    }))
}

/// `export`: print in a format, or write into the shared credentials file.
pub fn run(ctx: &Ctx, sel: &SessionFlags, mut a: Args) -> Result<()> {
    let mut sel = sel.clone();
    picker::fill(ctx, &mut sel, &mut a.role)?;
    let sel = &sel;
    let cfg = Config::load(&ctx.paths.config)?;
    let target = role::resolve(ctx, &cfg, sel, &a.role)?;
    // The section name is settled and checked before any credentials are fetched.
    let section = match a.write_credentials {
        None => None,
        Some(name) => {
            let name = name.or_else(|| target.profile.clone()).ok_or_else(|| {
                Error::Usage("--write-credentials needs a NAME when no --profile is given".into())
            })?;
            check_section_name(&name)?;
            Some(name)
        }
    };
    let creds = role::credentials(ctx, &cfg, &target, &a.role, LoginPolicy::OnTerminal)?;
    let Some(name) = section else {
        return output::write_stdout(render(a.format, &creds, &target)?.as_bytes());
    };
    config::write_credentials(&ctx.paths, &name, &creds)?;
    log::note(format_args!(
        "wrote [{name}] to {} (expires {})",
        ctx.paths.credentials.display(),
        creds.expiration.map(clock::format).unwrap_or_default()
    ));
    Ok(())
}

/// A credentials-file section name must be one every SDK reads (cli.md,
/// "Settled details"): a usage error, before anything is written.
fn check_section_name(name: &str) -> Result<()> {
    ini::check_name(Header::Bare(name))
        .map_err(|e| Error::Usage(format!("--write-credentials: {e}")))
}

/// The environment variables that carry the credentials (and region).
pub fn variables(c: &Credentials, region: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            c.secret_access_key.expose().to_string(),
        ),
    ];
    if let Some(token) = &c.session_token {
        vars.push(("AWS_SESSION_TOKEN", token.expose().to_string()));
    }
    if let Some(t) = c.expiration {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", clock::format(t)));
    }
    if let Some(r) = region {
        vars.push(("AWS_REGION", r.to_string()));
        vars.push(("AWS_DEFAULT_REGION", r.to_string()));
    }
    vars
}

/// The `credential_process` JSON object (botocore `ProcessProvider`; `Version`
/// is the number 1).
fn process_object(c: &Credentials) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("Version".into(), 1.into());
    m.insert("AccessKeyId".into(), c.access_key_id.clone().into());
    m.insert(
        "SecretAccessKey".into(),
        c.secret_access_key.expose().into(),
    );
    if let Some(token) = &c.session_token {
        m.insert("SessionToken".into(), token.expose().into());
    }
    if let Some(t) = c.expiration {
        m.insert("Expiration".into(), clock::format(t).into());
    }
    m
}

/// The `credential_process` JSON, one line.
pub fn process_json(c: &Credentials) -> String {
    format!("{}\n", serde_json::Value::Object(process_object(c)))
}

/// Renders the credentials in `format`; an error when a value cannot be
/// quoted for it (never with the value in the message: it may be a secret).
pub fn render(format: ExportFormat, c: &Credentials, t: &RoleTarget) -> Result<String> {
    match format {
        ExportFormat::Process => Ok(process_json(c)),
        ExportFormat::Json => {
            let mut m = process_object(c);
            m.insert("AccountId".into(), t.account_id.clone().into());
            m.insert("RoleName".into(), t.role_name.clone().into());
            if let Some(r) = &t.region {
                m.insert("Region".into(), r.clone().into());
            }
            Ok(format!("{}\n", serde_json::Value::Object(m)))
        }
        _ => render_variables(format, &variables(c, t.region.as_deref())),
    }
}

/// Renders environment variables as lines of a shell format (`env`,
/// `env-no-export`, `fish`, `powershell`, `windows-cmd`, `dotenv`); also what
/// `serve --print-env` prints. The JSON formats are not variables: a usage
/// error. A value `windows-cmd` cannot quote is an error naming the variable,
/// never the value (it may be a secret).
pub fn render_variables(format: ExportFormat, vars: &[(&str, String)]) -> Result<String> {
    let line: fn(&str, &str) -> String = match format {
        ExportFormat::Env => |k, v| format!("export {k}={}", shell::quote(v)),
        ExportFormat::EnvNoExport => |k, v| format!("{k}={}", shell::quote(v)),
        ExportFormat::Fish => |k, v| format!("set -gx {k} {}", fish_quote(v)),
        ExportFormat::PowerShell => |k, v| format!("$Env:{k} = {}", powershell_quote(v)),
        ExportFormat::WindowsCmd => |k, v| format!("set \"{k}={v}\""),
        ExportFormat::Dotenv => |k, v| format!("{k}={}", dotenv_quote(v)),
        ExportFormat::Json | ExportFormat::Process => {
            return Err(Error::Usage(
                "--format: variables are printed as env, env-no-export, fish, powershell, windows-cmd or dotenv".into(),
            ));
        }
    };
    if format == ExportFormat::WindowsCmd
        && let Some((k, _)) = vars.iter().find(|(_, v)| !cmd_quotable(v))
    {
        return Err(Error::Program(format!(
            "export --format windows-cmd: {k} contains a character cmd.exe cannot take inside set \"…\" (\" % ! or a control character); use --format powershell or json"
        )));
    }
    Ok(vars.iter().map(|(k, v)| line(k, v) + "\n").collect())
}

/// Whether cmd.exe reads `set "K=v"` back as exactly `v`: inside the quotes
/// `^ & | < >` are literal, but `"` ends the quoting, `%` (and `!` under
/// delayed expansion) expand variables with no escape that works both at the
/// prompt and in a batch file, and a line break ends the command.
fn cmd_quotable(v: &str) -> bool {
    !v.chars()
        .any(|c| matches!(c, '"' | '%' | '!') || c.is_control())
}

/// PowerShell single quotes: a quote is doubled, and PowerShell takes the
/// typographic single quotes (U+2018–U+201B) for `'` too, so those are doubled
/// as well; nothing else is special, line breaks included.
pub fn powershell_quote(v: &str) -> String {
    let mut out = String::from("'");
    for ch in v.chars() {
        if matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

/// fish single quotes: only `\` and `'` are special.
pub fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// dotenv: single quotes are literal in the common readers (python-dotenv,
/// docker compose); a value with `'` falls back to escaped double quotes.
fn dotenv_quote(v: &str) -> String {
    if !v.contains('\'') && !v.contains('\n') {
        return format!("'{v}'");
    }
    let escaped = v
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::secret::Secret;

    #[test]
    fn quoting() {
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(dotenv_quote("plain/+="), "'plain/+='");
        assert_eq!(dotenv_quote("a'$\"b"), r#""a'\$\"b""#);
        assert_eq!(powershell_quote("a'b\u{2019}c"), "'a''b\u{2019}\u{2019}c'");
        assert!(cmd_quotable("AKIA/+=^&|<>"));
        for bad in ["a\"b", "50%", "hi!", "a\nb", "a\rb"] {
            assert!(!cmd_quotable(bad), "{bad:?}");
        }
    }

    #[test]
    fn process_json_is_what_botocore_reads() {
        let c = Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: clock::from_epoch_secs(1704164645),
        };
        assert_eq!(
            process_json(&c),
            "{\"AccessKeyId\":\"ASIA1\",\"Expiration\":\"2024-01-02T03:04:05Z\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"Version\":1}\n"
        );
    }
}
