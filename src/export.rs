/*!
Credentials as text for their consumers: the `credential_process` JSON, shell
`export` lines for every shell the contract names (each value quoted so that
`eval` is safe whatever the secret contains), dotenv, JSON, and the shared
credentials file.
*/

use crate::clock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::role::{Credentials, RoleTarget};

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

/// The environment variables that carry the credentials (and region).
pub fn variables(c: &Credentials, region: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.clone()),
        ("AWS_SESSION_TOKEN", c.session_token.clone()),
        ("AWS_CREDENTIAL_EXPIRATION", clock::format(c.expiration)),
    ];
    if let Some(r) = region {
        vars.push(("AWS_REGION", r.to_string()));
        vars.push(("AWS_DEFAULT_REGION", r.to_string()));
    }
    vars
}

/// The `credential_process` JSON (botocore `ProcessProvider`; `Version` is the
/// number 1).
pub fn process_json(c: &Credentials) -> String {
    let v = serde_json::json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key,
        "SessionToken": c.session_token,
        "Expiration": clock::format(c.expiration),
    });
    format!("{v}\n")
}

/// Renders the credentials in `format`.
pub fn render(format: ExportFormat, c: &Credentials, t: &RoleTarget) -> String {
    let region = t.region.as_deref();
    let lines = |f: &dyn Fn(&str, &str) -> String| -> String {
        variables(c, region)
            .iter()
            .map(|(k, v)| f(k, v) + "\n")
            .collect()
    };
    match format {
        ExportFormat::Env => lines(&|k, v| format!("export {k}={}", sh_quote(v))),
        ExportFormat::EnvNoExport => lines(&|k, v| format!("{k}={}", sh_quote(v))),
        ExportFormat::Fish => lines(&|k, v| format!("set -gx {k} {}", fish_quote(v))),
        ExportFormat::PowerShell => {
            lines(&|k, v| format!("$Env:{k} = '{}'", v.replace('\'', "''")))
        }
        ExportFormat::WindowsCmd => lines(&|k, v| format!("set \"{k}={v}\"")),
        ExportFormat::Dotenv => lines(&|k, v| format!("{k}={}", dotenv_quote(v))),
        ExportFormat::Process => process_json(c),
        ExportFormat::Json => {
            let mut v = serde_json::json!({
                "Version": 1,
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": clock::format(c.expiration),
                "AccountId": t.account_id,
                "RoleName": t.role_name,
            });
            if let Some(r) = region {
                v["Region"] = serde_json::Value::String(r.to_string());
            }
            format!("{v}\n")
        }
    }
}

/// POSIX single quotes: nothing is special inside them but `'` itself.
pub fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// fish single quotes: only `\` and `'` are special.
fn fish_quote(v: &str) -> String {
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

/// Writes the credentials into section `name` of the shared credentials file,
/// keeping every other byte; atomic, mode 0600.
pub fn write_credentials(creds_file: &std::path::Path, name: &str, c: &Credentials) -> Result<()> {
    let mut file = Config::load(creds_file)?;
    let expiration = clock::format(c.expiration);
    let entries = [
        ("aws_access_key_id", c.access_key_id.as_str()),
        ("aws_secret_access_key", c.secret_access_key.as_str()),
        ("aws_session_token", c.session_token.as_str()),
        ("aws_credential_expiration", expiration.as_str()),
    ];
    file.doc
        .set_section(name, &entries)
        .map_err(|e| Error::Config(format!("{}: {e}", creds_file.display())))?;
    fsutil::atomic_write(
        creds_file,
        file.doc.to_text().as_bytes(),
        fsutil::PRIVATE_FILE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("a'b$c"), r"'a'\''b$c'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(dotenv_quote("plain/+="), "'plain/+='");
        assert_eq!(dotenv_quote("a'$\"b"), r#""a'\$\"b""#);
    }
}
