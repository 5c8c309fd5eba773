/*!
What every command runs with, built once by `main`: the environment snapshot,
the file paths, the one HTTP client, whether someone is at a terminal to log
in, and whether a browser may be opened; and the login prompt that shows the
user where to log in.
*/

use std::io::IsTerminal;

use crate::error::Result;
use crate::http::{Http, Settings};
use crate::oidc::Prompt;
use crate::store::paths::Paths;
use crate::util::env::Env;
use crate::util::log;
use crate::util::text::escape_control;
use crate::util::url;

/// The global state of one invocation.
pub struct Ctx {
    /// The environment snapshot.
    pub env: Env,
    /// File locations.
    pub paths: Paths,
    /// The one HTTP client.
    pub http: Http,
    /// `--no-browser` or `AWS_SSO_DISABLE_BROWSER`.
    pub no_browser: bool,
    /// `--no-input`: behave as off a terminal (no picker, no login prompt).
    pub no_input: bool,
}

impl Ctx {
    /// Builds the context from the environment, `--no-browser` and `--no-input`.
    pub fn new(env: Env, no_browser: bool, no_input: bool) -> Result<Ctx> {
        let paths = Paths::new(&env)?;
        let http = Http::new(Settings::from_env(&env));
        let no_browser = no_browser || env.flag("AWS_SSO_DISABLE_BROWSER");
        Ok(Ctx {
            env,
            paths,
            http,
            no_browser,
            no_input,
        })
    }

    /// Stdin and stderr are terminals: a command that needs a token may log
    /// in (`token::LoginPolicy::OnTerminal`). Stdout does not count: `sso-config >
    /// file` still logs in, its prompt goes to stderr. Asked only when a login
    /// is needed, so a cache hit makes no terminal query. `--no-input` says no.
    pub fn interactive(&self) -> bool {
        !self.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
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

impl Prompt for Ctx {
    /// The URL and code go to stderr, so the login can be finished on another
    /// device; a browser is opened only where one can be. Both come from the
    /// service: the URL has passed `oidc::check_browser_url` (https://, or
    /// http:// on loopback), and both are shown with control characters escaped.
    fn show(&self, url: &str, user_code: Option<&str>) {
        log::note(format_args!(
            "to log in, open this URL in a browser:\n\n    {}\n",
            escape_control(url)
        ));
        if let Some(code) = user_code {
            let code = escape_control(code);
            log::note(format_args!("and confirm that it shows the code: {code}\n"));
        }
        if self.no_browser || !self.browser_available() {
            return;
        }
        // The callers have checked the URL; this keeps that promise here too,
        // where the browser is started.
        if !url::parse(url).is_ok_and(|u| u.is_secure_or_loopback()) {
            return;
        }
        if let Err(e) = webbrowser::open(url) {
            log::note(format_args!(
                "could not open a browser ({e}); open the URL yourself"
            ));
        }
    }
}
