/*!
The Identity Center portal (protocol.md §3): ListAccounts, ListAccountRoles,
GetRoleCredentials and Logout, authenticated with the bearer header
`x-amz-sso_bearer_token`, and the bounded concurrent fetch of every account's
roles.
*/

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use serde::Deserialize;

use crate::encoding::percent_encode;
use crate::error::{Error, Result};
use crate::http::{Http, Request};

/// A portal client for one access token.
pub struct Portal<'a> {
    http: &'a Http,
    base: String,
    token: &'a str,
}

/// An account the user can access.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// 12-digit account id.
    pub account_id: String,
    /// The account's name.
    #[serde(default)]
    pub account_name: String,
    /// The account's e-mail address.
    #[serde(default)]
    pub email_address: String,
}

/// A role (permission set) in an account.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleInfo {
    role_name: String,
}

/// Temporary credentials of a role.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCredentials {
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// Expiry in epoch milliseconds.
    pub expiration: i64,
}

impl std::fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// One account with its roles, the result of a full listing.
#[derive(Debug, Clone)]
pub struct AccountRoles {
    /// The account.
    pub account: AccountInfo,
    /// Role names as the portal returned them.
    pub roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountPage {
    #[serde(default)]
    account_list: Vec<AccountInfo>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolePage {
    #[serde(default)]
    role_list: Vec<RoleInfo>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsAnswer {
    role_credentials: RoleCredentials,
}

impl<'a> Portal<'a> {
    /// A client for the portal endpoint `base` with `token`.
    pub fn new(http: &'a Http, base: &str, token: &'a str) -> Portal<'a> {
        Portal {
            http,
            base: base.to_string(),
            token,
        }
    }

    fn get<T: for<'de> Deserialize<'de>>(
        &self,
        op: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        let url = format!("{}{path}?{}", self.base, query.join("&"));
        let req = Request::get(op, url).header("x-amz-sso_bearer_token", self.token);
        let resp = self.http.send(&req)?;
        serde_json::from_slice(&resp.body)
            .map_err(|e| Error::Failed(format!("{op}: unexpected answer: {e}")))
    }

    /// Every role of one account.
    pub fn list_account_roles(&self, account_id: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("account_id", account_id), ("max_result", "100")];
            if let Some(t) = &next {
                q.push(("next_token", t));
            }
            let page: RolePage = self.get("ListAccountRoles", "/assignment/roles", &q)?;
            out.extend(page.role_list.into_iter().map(|r| r.role_name));
            next = page.next_token.filter(|t| !t.is_empty());
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// GetRoleCredentials.
    pub fn get_role_credentials(
        &self,
        account_id: &str,
        role_name: &str,
    ) -> Result<RoleCredentials> {
        let q = [("account_id", account_id), ("role_name", role_name)];
        let answer: CredentialsAnswer =
            self.get("GetRoleCredentials", "/federation/credentials", &q)?;
        Ok(answer.role_credentials)
    }

    /// Logout: ends the session server-side.
    pub fn logout(&self) -> Result<()> {
        let req = Request::post("Logout", format!("{}/logout", self.base), Vec::new())
            .header("x-amz-sso_bearer_token", self.token);
        self.http.send(&req).map(|_| ())
    }

    /// Every account with its roles. Accounts stream from ListAccounts into a
    /// pool of threads that fetch roles while later pages are still coming;
    /// the HTTP client's governor decides how many requests are in flight.
    /// Accounts `want` rejects get no ListAccountRoles call. `progress(done,
    /// listed)` is called after each account. The first error stops the work.
    pub fn list_accounts_and_roles(
        &self,
        want: &(dyn Fn(&AccountInfo) -> bool + Sync),
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<AccountRoles>> {
        let (work_tx, work_rx) = mpsc::channel::<(usize, AccountInfo)>();
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, AccountRoles)>();
        let failure: Mutex<Option<Error>> = Mutex::new(None);
        let listed = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..self.http.max_in_flight() {
                let done_tx = done_tx.clone();
                let (work_rx, failure, listed, done) = (&work_rx, &failure, &listed, &done);
                scope.spawn(move || {
                    loop {
                        // A statement of its own, so the receiver lock is
                        // released before the request (a `while let` would
                        // hold it for the whole loop body).
                        let item = lock(work_rx).recv();
                        let Ok((i, account)) = item else { break };
                        if lock(failure).is_some() {
                            continue;
                        }
                        match self.list_account_roles(&account.account_id) {
                            Ok(roles) => {
                                let _ = done_tx.send((i, AccountRoles { account, roles }));
                                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                                progress(n, listed.load(Ordering::Relaxed));
                            }
                            Err(e) => {
                                lock(failure).get_or_insert(e);
                            }
                        }
                    }
                });
            }
            drop(done_tx);
            let produced = self.each_account(|account| {
                let i = listed.fetch_add(1, Ordering::Relaxed);
                if want(&account) {
                    let _ = work_tx.send((i, account));
                } else {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                lock(&failure).is_none()
            });
            if let Err(e) = produced {
                lock(&failure).get_or_insert(e);
            }
            drop(work_tx);
        });
        if let Some(e) = into_inner(failure) {
            return Err(e);
        }
        let mut results: Vec<(usize, AccountRoles)> = done_rx.into_iter().collect();
        results.sort_by_key(|(i, _)| *i);
        Ok(results.into_iter().map(|(_, ar)| ar).collect())
    }

    /// Calls `f` with every account as the pages arrive; `f` returns false to stop.
    fn each_account(&self, mut f: impl FnMut(AccountInfo) -> bool) -> Result<()> {
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("max_result", "100")];
            if let Some(t) = &next {
                q.push(("next_token", t));
            }
            let page: AccountPage = self.get("ListAccounts", "/assignment/accounts", &q)?;
            for account in page.account_list {
                if !f(account) {
                    return Ok(());
                }
            }
            next = page.next_token.filter(|t| !t.is_empty());
            if next.is_none() {
                return Ok(());
            }
        }
    }
}

/// Locks a mutex, recovering the data if a thread panicked (a panic is a bug,
/// but the listing's data stays consistent per slot).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
