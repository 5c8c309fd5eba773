/*!
The role picker: commands that need a role (`exec`, `export`, `console`,
`credential-process --login`, `sso-assume`), run on a terminal without a
profile or account and role, show the session's account × role list to choose
from: type to filter (every word must match the account, id, role or
profile), ↑/↓ (or Ctrl-P/Ctrl-N, Page Up/Down) to move, Enter to choose, Esc
or Ctrl-C to cancel (exit 130).

The list comes from the listing cache (`app::listing`), so it opens at once;
without a recent listing it is fetched first, with the progress line. It is
drawn on stderr below the cursor and erased when done, so stdout stays the
command's own (`eval "$(sso-config export)"` works with the picker). Off a
terminal, or with `--no-input`, there is nothing to ask: the missing role is
the usage error naming the flags.
*/

use std::io::Write;

use crate::app::context::Ctx;
use crate::app::listing;
use crate::app::role::{self, RoleFlags};
use crate::app::session::{self, Session, SessionFlags};
use crate::app::token::LoginOptions;
use crate::cmd::output;
use crate::error::{Error, Result};
use crate::store::config::Config;
use crate::util::log;
use crate::util::term::{self, Key, RawMode};
use crate::util::text::escape_control;

/// What the user picked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    /// A profile of the config file names this account × role.
    Profile(String),
    /// No profile does: the session and ids.
    Role {
        /// The session flags that name the session.
        session: SessionFlags,
        /// The account.
        account_id: String,
        /// The role.
        role_name: String,
    },
}

/// Shows the picker when on a terminal (and not `--no-input`); else the
/// usage error naming the flags. Esc is `Error::Exit(130)`. A login the
/// listing needs is made with `login`.
fn pick(ctx: &Ctx, sel: &SessionFlags, login: &LoginOptions) -> Result<Choice> {
    if !ctx.interactive() {
        return Err(role::no_role_named());
    }
    let cfg = Config::load(&ctx.paths.config)?;
    let session = session::resolve_session(ctx, &cfg, sel)?;
    let all = |_: &crate::portal::AccountInfo| true;
    let listing = output::with_progress("roles", |progress| {
        listing::recent_accounts_and_roles(ctx, &cfg, &session, login, &all, false, progress)
    })?;
    let named = listing::role_profiles(&cfg, &session);
    let mut items: Vec<Item> = Vec::new();
    for ar in &listing {
        for role in &ar.roles {
            let key = (ar.account.account_id.clone(), role.clone());
            items.push(Item {
                account_id: ar.account.account_id.clone(),
                account_name: ar.account.account_name.clone(),
                role_name: role.clone(),
                profile: named.get(&key).cloned(),
            });
        }
    }
    if items.is_empty() {
        return Err(Error::Access(format!(
            "session '{}' gives access to no account and role",
            session.name
        )));
    }
    items.sort_by(|x, y| {
        (x.account_name.to_lowercase(), &x.account_id, &x.role_name).cmp(&(
            y.account_name.to_lowercase(),
            &y.account_id,
            &y.role_name,
        ))
    });
    let raw =
        RawMode::enter().map_err(|e| Error::Program(format!("cannot read the terminal: {e}")))?;
    let chosen = run(&raw, Picker::new(items));
    drop(raw);
    let item = chosen.ok_or(Error::Exit(130))?;
    log::note(format_args!("picked {}", item.describe()));
    Ok(match item.profile {
        Some(p) => Choice::Profile(p),
        None => Choice::Role {
            session: naming(sel, &session),
            account_id: item.account_id,
            role_name: item.role_name,
        },
    })
}

/// When neither `sel`/`AWS_PROFILE` nor `role` name a role, fills them in
/// from the picker; otherwise leaves them alone.
pub fn fill(ctx: &Ctx, sel: &mut SessionFlags, role: &mut RoleFlags) -> Result<()> {
    let named = sel.profile.is_some()
        || ctx.env.get("AWS_PROFILE").is_some()
        || role.account_id.is_some()
        || role.role_name.is_some();
    if named || !ctx.interactive() {
        return Ok(());
    }
    ask(ctx, sel, role)
}

/// Asks with the picker (whatever `AWS_PROFILE` says: `sso-assume` with no
/// profile always asks) and puts the answer into `sel` and `role`: the
/// profile that names the role, or the session and ids.
pub fn ask(ctx: &Ctx, sel: &mut SessionFlags, role: &mut RoleFlags) -> Result<()> {
    match pick(ctx, sel, &role.login_options)? {
        Choice::Profile(p) => sel.profile = Some(p),
        Choice::Role {
            session,
            account_id,
            role_name,
        } => {
            *sel = session;
            role.account_id = Some(account_id);
            role.role_name = Some(role_name);
        }
    }
    Ok(())
}

/// Session flags that name `session` again: the user's own when they named
/// one, else its `[sso-session]` (or, for a legacy profile's, its start URL).
fn naming(sel: &SessionFlags, session: &Session) -> SessionFlags {
    let mut out = sel.clone();
    if sel.start_url.is_none() && sel.sso_session.is_none() && sel.profile.is_none() {
        if session.legacy {
            out.start_url = Some(session.start_url.clone());
            out.sso_region = Some(session.region.clone());
        } else {
            out.sso_session = Some(session.name.clone());
        }
    }
    out
}

/// One account × role of the list.
#[derive(Debug, Clone)]
struct Item {
    account_id: String,
    account_name: String,
    role_name: String,
    profile: Option<String>,
}

impl Item {
    fn describe(&self) -> String {
        let what = format!(
            "{} of {} ({})",
            escape_control(&self.role_name),
            escape_control(&self.account_name),
            self.account_id
        );
        match &self.profile {
            Some(p) => format!("{what}, profile {}", escape_control(p)),
            None => what,
        }
    }

    /// What the filter words are matched against, lower-cased.
    fn haystack(&self) -> String {
        let profile = self.profile.as_deref().unwrap_or("");
        format!(
            "{} {} {} {profile}",
            self.account_name, self.account_id, self.role_name
        )
        .to_lowercase()
    }
}

/// The picker's state: plain data, driven by keys, drawn as lines.
struct Picker {
    items: Vec<Item>,
    haystacks: Vec<String>,
    query: String,
    /// Indices of the items the query matches, in list order.
    matches: Vec<usize>,
    /// The highlighted entry, an index into `matches`.
    cursor: usize,
    /// The first entry shown, an index into `matches`.
    top: usize,
}

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Go,
    Chosen(usize),
    Cancelled,
}

impl Picker {
    fn new(items: Vec<Item>) -> Picker {
        let haystacks = items.iter().map(Item::haystack).collect();
        let mut p = Picker {
            items,
            haystacks,
            query: String::new(),
            matches: Vec::new(),
            cursor: 0,
            top: 0,
        };
        p.filter();
        p
    }

    fn filter(&mut self) {
        let q = self.query.to_lowercase();
        let words: Vec<&str> = q.split_whitespace().collect();
        self.matches = (0..self.items.len())
            .filter(|&i| words.iter().all(|w| self.haystacks[i].contains(w)))
            .collect();
        self.cursor = 0;
        self.top = 0;
    }

    /// Applies a key; `height` is how many entries are shown (for paging).
    fn key(&mut self, key: Key, height: usize) -> Step {
        let last = self.matches.len().saturating_sub(1);
        match key {
            Key::Char(c) => {
                self.query.push(c);
                self.filter();
            }
            Key::Backspace => {
                self.query.pop();
                self.filter();
            }
            Key::ClearLine => {
                self.query.clear();
                self.filter();
            }
            Key::Up => self.cursor = self.cursor.saturating_sub(1),
            Key::Down => self.cursor = (self.cursor + 1).min(last),
            Key::PageUp => self.cursor = self.cursor.saturating_sub(height.max(1)),
            Key::PageDown => self.cursor = (self.cursor + height.max(1)).min(last),
            Key::Enter => {
                if let Some(&i) = self.matches.get(self.cursor) {
                    return Step::Chosen(i);
                }
            }
            Key::Cancel => return Step::Cancelled,
            Key::Other => {}
        }
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if height > 0 && self.cursor >= self.top + height {
            self.top = self.cursor + 1 - height;
        }
        Step::Go
    }

    /// The lines to draw: a title, the query, `height` entries (blank ones
    /// when fewer match, so the block keeps its size) and a count; each cut
    /// to `cols - 1` characters so that none wraps.
    fn lines(&self, height: usize, cols: usize) -> Vec<String> {
        let width = |f: fn(&Item) -> &str| {
            self.items
                .iter()
                .map(|i| f(i).chars().count())
                .max()
                .unwrap_or(0)
        };
        let name_w = width(|i| &i.account_name).min(32);
        let role_w = width(|i| &i.role_name).min(32);
        let mut out = vec![
            "Pick a role: type to filter, Up/Down to move, Enter to choose, Esc to cancel"
                .to_string(),
            format!("> {}", self.query),
        ];
        for row in 0..height {
            let Some(&i) = self.matches.get(self.top + row) else {
                out.push(String::new());
                continue;
            };
            let it = &self.items[i];
            let mark = if self.top + row == self.cursor {
                "*"
            } else {
                " "
            };
            let name: String = it.account_name.chars().take(name_w).collect();
            let profile = it.profile.as_deref().unwrap_or("");
            out.push(format!(
                "{mark} {name:<name_w$}  {}  {:<role_w$}  {profile}",
                it.account_id, it.role_name
            ));
        }
        out.push(format!("  {}/{}", self.matches.len(), self.items.len()));
        let cut = cols.saturating_sub(1).max(1);
        out.into_iter()
            .map(|l| escape_control(&l).chars().take(cut).collect::<String>())
            .map(|l| l.trim_end().to_string())
            .collect()
    }
}

/// Runs the picker on the terminal until Enter (the item) or a cancel (`None`).
fn run(raw: &RawMode, mut p: Picker) -> Option<Item> {
    let (rows, cols) = term::size();
    // Title, query and count take three lines; one more keeps the block
    // below the top of the screen.
    let height = p.items.len().min(15).min(rows.saturating_sub(4).max(1));
    let mut err = std::io::stderr();
    let mut drawn = 0;
    let mut frame = |p: &Picker, drawn: &mut usize, last: bool| {
        let mut s = String::new();
        if *drawn > 0 {
            s.push_str(&format!("\r\x1b[{}A", *drawn));
        } else {
            s.push_str("\x1b[?25l");
        }
        if last {
            s.push_str("\x1b[J\x1b[?25h");
            *drawn = 0;
        } else {
            let lines = p.lines(height, cols);
            for l in &lines {
                s.push_str("\x1b[2K");
                s.push_str(l);
                s.push_str("\r\n");
            }
            s.push_str("\x1b[J");
            *drawn = lines.len();
        }
        // A terminal that cannot be written to shows nothing; the keys still
        // decide, and the caller's error path restores the terminal.
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
    };
    frame(&p, &mut drawn, false);
    let outcome = loop {
        match p.key(raw.key(), height) {
            Step::Go => frame(&p, &mut drawn, false),
            Step::Chosen(i) => break Some(p.items[i].clone()),
            Step::Cancelled => break None,
        }
    };
    frame(&p, &mut drawn, true);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, id: &str, role: &str, profile: Option<&str>) -> Item {
        Item {
            account_id: id.into(),
            account_name: name.into(),
            role_name: role.into(),
            profile: profile.map(String::from),
        }
    }

    fn picker() -> Picker {
        Picker::new(vec![
            item("Data Science", "234567890123", "AdministratorAccess", None),
            item(
                "Management",
                "111122223333",
                "AdministratorAccess",
                Some("mgmt"),
            ),
            item(
                "Management",
                "111122223333",
                "Billing",
                Some("Management.Billing"),
            ),
            item("Sandbox", "345678901234", "ReadOnly", None),
        ])
    }

    fn typed(p: &mut Picker, s: &str) {
        for c in s.chars() {
            assert_eq!(p.key(Key::Char(c), 2), Step::Go);
        }
    }

    #[test]
    fn every_word_of_the_filter_must_match_any_field() {
        let mut p = picker();
        typed(&mut p, "man adm");
        assert_eq!(p.matches, [1]);
        p.key(Key::ClearLine, 2);
        typed(&mut p, "MGMT");
        assert_eq!(p.matches, [1]);
        p.key(Key::ClearLine, 2);
        typed(&mut p, "3456");
        assert_eq!(p.matches, [0, 3]);
        p.key(Key::Backspace, 2);
        assert_eq!(p.matches, [0, 3]);
        typed(&mut p, "zzz");
        assert!(p.matches.is_empty());
        assert_eq!(p.key(Key::Enter, 2), Step::Go, "nothing to choose");
    }

    #[test]
    fn arrows_move_within_the_matches_and_scroll_the_window() {
        let mut p = picker();
        p.key(Key::Up, 2);
        assert_eq!(p.cursor, 0);
        for _ in 0..10 {
            p.key(Key::Down, 2);
        }
        assert_eq!((p.cursor, p.top), (3, 2));
        p.key(Key::PageUp, 2);
        assert_eq!((p.cursor, p.top), (1, 1));
        assert_eq!(p.key(Key::Enter, 2), Step::Chosen(1));
        assert_eq!(p.key(Key::Cancel, 2), Step::Cancelled);
        // A new filter starts at the top again.
        typed(&mut p, "a");
        assert_eq!((p.cursor, p.top), (0, 0));
    }

    #[test]
    fn lines_keep_their_number_fit_the_width_and_escape_names() {
        let mut p = picker();
        p.items[3].account_name = "Sand\u{1b}[2Jbox".into();
        p.haystacks = p.items.iter().map(Item::haystack).collect();
        let lines = p.lines(3, 40);
        assert_eq!(lines.len(), 6);
        assert!(lines.iter().all(|l| l.chars().count() <= 39), "{lines:?}");
        assert!(lines[2].starts_with("* Data Science"), "{lines:?}");
        assert_eq!(lines[5], "  4/4");
        typed(&mut p, "sand");
        let lines = p.lines(3, 200);
        assert_eq!(lines.len(), 6, "blank rows keep the block's size");
        assert!(!lines.concat().contains('\u{1b}'), "{lines:?}");
        assert!(lines[2].contains("Sand\\u{1b}[2Jbox"), "{lines:?}");
        assert_eq!(lines[3], "");
    }
}
