/*!
What every command runs with: the environment snapshot, the file paths, the
HTTP client and the global flags; and the login prompt shown to the user.
*/

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::env::{Env, Paths};
use crate::http::{Http, Settings};

/// The global state of one invocation, built once in `main`.
pub struct Ctx {
    /// The environment snapshot.
    pub env: Env,
    /// File locations.
    pub paths: Paths,
    /// The one HTTP client.
    pub http: Http,
    /// `--debug`.
    pub debug: bool,
    /// `--no-browser` or `AWS_SSO_DISABLE_BROWSER`.
    pub no_browser: bool,
    /// Whether stderr is a terminal (progress lines).
    pub stderr_tty: bool,
}

impl Ctx {
    /// Builds the context from the environment and the global flags.
    pub fn new(env: Env, debug: bool, no_browser: bool) -> Ctx {
        let paths = Paths::new(&env);
        let http = Http::new(Settings::from_env(&env, debug));
        let no_browser = no_browser || env.flag("AWS_SSO_DISABLE_BROWSER");
        Ctx {
            env,
            paths,
            http,
            debug,
            no_browser,
            stderr_tty: std::io::stderr().is_terminal(),
        }
    }

    /// The lock file for `name` (outside the AWS CLI's cache folders, which it
    /// parses file by file).
    pub fn lock_path(&self, name: &str) -> PathBuf {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.paths.state.join("locks").join(format!("{safe}.lock"))
    }

    /// "A browser can be opened" (cli.md, Settled details → Login): `BROWSER` set
    /// always counts; macOS and Windows yes; Linux with a display, but not over
    /// SSH, under WSL or in CI.
    pub fn browser_available(&self) -> bool {
        if self.env.is_set("BROWSER") {
            return true;
        }
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            return true;
        }
        let display = self.env.is_set("DISPLAY") || self.env.is_set("WAYLAND_DISPLAY");
        let ssh = self.env.is_set("SSH_CONNECTION") || self.env.is_set("SSH_TTY");
        let wsl = self.env.is_set("WSL_DISTRO_NAME") || self.env.is_set("WSL_INTEROP");
        display && !ssh && !wsl && !self.env.is_set("CI")
    }
}

impl crate::oidc::Prompt for Ctx {
    fn show(&self, url: &str, user_code: Option<&str>) {
        eprintln!("sso-config: to log in, open this URL in a browser:\n\n    {url}\n");
        if let Some(code) = user_code {
            eprintln!("sso-config: and confirm that it shows the code: {code}\n");
        }
        if self.no_browser || !self.browser_available() {
            return;
        }
        if let Err(e) = webbrowser::open(url) {
            eprintln!("sso-config: could not open a browser ({e}); open the URL yourself");
        }
    }
}
