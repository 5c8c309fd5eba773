/*!
The Identity Center portal (protocol.md §3): ListAccounts, ListAccountRoles,
GetRoleCredentials and Logout, authenticated with the bearer header
`x-amz-sso_bearer_token`. Listing every account's roles concurrently is the
application's business (`app::listing`); this is the client.

Listings follow `nextToken` through `util::paging`, which stops a service that
repeats a token; numbers (the credentials' `expiration`) are bounded before
they become times.
*/

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::util::clock;
use crate::util::credentials::Credentials;
use crate::util::encoding::percent_encode;
use crate::util::paging::Pages;
use crate::util::secret::Secret;

/// A portal client for one access token.
pub struct Portal<'a> {
    http: &'a Http,
    base: String,
    token: &'a Secret,
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

/// Temporary credentials of a role, as the portal sends them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    /// Expiry in epoch milliseconds (any JSON number).
    expiration: f64,
}

/// The longest role credentials are taken to live: 12 hours, the longest
/// session a permission set allows. A later `expiration` is cut to it: SDKs
/// then refresh sooner than they had to, never later than they should.
pub const MAX_ROLE_CREDENTIALS_LIFETIME: Duration = Duration::from_secs(12 * 3600);

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
    pub fn new(http: &'a Http, base: &str, token: &'a Secret) -> Portal<'a> {
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
        let req = Request::get(op, url).header("x-amz-sso_bearer_token", self.token.expose());
        let resp = self.http.send(&req)?;
        serde_json::from_slice(&resp.body).map_err(|e| Error::unexpected(op, e))
    }

    /// Every role of one account.
    pub fn list_account_roles(&self, account_id: &str) -> Result<Vec<String>> {
        const OP: &str = "ListAccountRoles";
        let mut out = Vec::new();
        let mut pages = Pages::new(OP);
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("account_id", account_id), ("max_result", "100")];
            if let Some(t) = &next {
                q.push(("next_token", t));
            }
            let page: RolePage = self.get(OP, "/assignment/roles", &q)?;
            out.extend(page.role_list.into_iter().map(|r| r.role_name));
            next = pages.next(page.next_token)?;
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// GetRoleCredentials.
    pub fn get_role_credentials(&self, account_id: &str, role_name: &str) -> Result<Credentials> {
        const OP: &str = "GetRoleCredentials";
        let q = [("account_id", account_id), ("role_name", role_name)];
        let answer: CredentialsAnswer = self.get(OP, "/federation/credentials", &q)?;
        let rc = answer.role_credentials;
        let now = clock::now();
        let latest = clock::checked_after(now, MAX_ROLE_CREDENTIALS_LIFETIME).unwrap_or(now);
        let expiration = clock::from_epoch_number(rc.expiration, 1000.0)
            .ok_or_else(|| {
                let msg = format!(
                    "expiration {} is not a time in epoch milliseconds",
                    rc.expiration
                );
                Error::unexpected(OP, msg)
            })?
            .min(latest);
        Ok(Credentials {
            access_key_id: rc.access_key_id,
            secret_access_key: rc.secret_access_key,
            session_token: Some(rc.session_token),
            expiration: Some(expiration),
        })
    }

    /// Logout: ends the session server-side.
    pub fn logout(&self) -> Result<()> {
        let req = Request::post("Logout", format!("{}/logout", self.base), Vec::new())
            .header("x-amz-sso_bearer_token", self.token.expose());
        self.http.send(&req).map(|_| ())
    }

    /// ListAccounts: calls `f` with every account as the pages arrive; `f`
    /// returns false to stop.
    pub fn each_account(&self, mut f: impl FnMut(AccountInfo) -> bool) -> Result<()> {
        const OP: &str = "ListAccounts";
        let mut pages = Pages::new(OP);
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("max_result", "100")];
            if let Some(t) = &next {
                q.push(("next_token", t));
            }
            let page: AccountPage = self.get(OP, "/assignment/accounts", &q)?;
            for account in page.account_list {
                if !f(account) {
                    return Ok(());
                }
            }
            next = pages.next(page.next_token)?;
            if next.is_none() {
                return Ok(());
            }
        }
    }
}
