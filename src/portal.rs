/*!
The Identity Center portal (protocol.md §3): ListAccounts, ListAccountRoles,
GetRoleCredentials and Logout, authenticated with the bearer header
`x-amz-sso_bearer_token`, and the bounded concurrent fetch of every account's
roles.
*/

use serde::Deserialize;

use crate::encoding::percent_encode;
use crate::error::{Error, Result};
use crate::http::{Http, Request};

/// How many ListAccountRoles calls run at once. Identity Center throttles each
/// user at a modest rate; eight in flight keeps latency hidden without turning
/// every listing into a burst of 429s.
pub const DEFAULT_CONCURRENCY: usize = 8;

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

    /// Every account, following `nextToken` through empty pages.
    pub fn list_accounts(&self) -> Result<Vec<AccountInfo>> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("max_result", "100")];
            if let Some(t) = &next {
                q.push(("next_token", t));
            }
            let page: AccountPage = self.get("ListAccounts", "/assignment/accounts", &q)?;
            out.extend(page.account_list);
            next = page.next_token.filter(|t| !t.is_empty());
            if next.is_none() {
                return Ok(out);
            }
        }
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

    /// The roles of every account in `accounts`, fetched by a bounded pool of
    /// threads; `progress` is called after each account. Results keep the input
    /// order. The first error stops the remaining work and is returned.
    pub fn list_all_roles(
        &self,
        accounts: Vec<AccountInfo>,
        concurrency: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<AccountRoles>> {
        let roles = crate::pool::map(
            &accounts,
            concurrency,
            |a| self.list_account_roles(&a.account_id),
            progress,
        )?;
        Ok(accounts
            .into_iter()
            .zip(roles)
            .map(|(account, roles)| AccountRoles { account, roles })
            .collect())
    }
}
