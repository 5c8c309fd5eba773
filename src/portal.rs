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
use crate::util::text;

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

/// True for an AWS account id: exactly 12 ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl AccountInfo {
    /// Why this entry of a ListAccounts answer does not have AWS's form, if
    /// it does not: the id must be exactly 12 ASCII digits, and the name and
    /// e-mail address must hold no control character. The id and name end up
    /// in config files and on the terminal, so an entry that fails is not used.
    pub fn problem(&self) -> Option<&'static str> {
        if !is_account_id(&self.account_id) {
            return Some("the account id is not 12 digits");
        }
        if text::first_control(&self.account_name).is_some() {
            return Some("the account name has a control character");
        }
        if text::first_control(&self.email_address).is_some() {
            return Some("the e-mail address has a control character");
        }
        None
    }
}

/// Why a role name from ListAccountRoles does not have IAM's form
/// `[\w+=,.@-]{1,64}` (`\w` meaning ASCII letters, digits and `_`), if it
/// does not. Role names are written into config files and command lines.
pub fn role_name_problem(name: &str) -> Option<&'static str> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() {
        return Some("not an IAM role name: empty");
    }
    if name.chars().count() > 64 {
        return Some("not an IAM role name: longer than 64 characters");
    }
    if !name.chars().all(ok) {
        return Some(
            "not an IAM role name: it may have only ASCII letters, digits and _ + = , . @ -",
        );
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, email: &str) -> AccountInfo {
        AccountInfo {
            account_id: id.into(),
            account_name: name.into(),
            email_address: email.into(),
        }
    }

    #[test]
    fn listing_entries_must_have_aws_form() {
        assert_eq!(
            account("111122223333", "Prod: EU (Ü)", "a@b.c").problem(),
            None
        );
        for bad in [
            account("11112222333", "a", "a@b.c"),
            account("1111222233334", "a", "a@b.c"),
            account("11112222333\n", "a", "a@b.c"),
            account("１１１１２２２２３３３３", "a", "a@b.c"),
            account("111122223333", "a\u{1b}[2J", "a@b.c"),
            account("111122223333", "a", "a@b.c\r\n[profile x]"),
        ] {
            assert!(bad.problem().is_some(), "{bad:?}");
        }
        let max = "r".repeat(64);
        for ok in [
            "AdministratorAccess",
            "a_b+c=d,e.f@g-h",
            "-x",
            "--flag=1",
            &max,
        ] {
            assert_eq!(role_name_problem(ok), None, "{ok}");
        }
        let long = "r".repeat(65);
        for bad in ["", &long, "a b", "a\nb", "a#b", "a;b", "a'b", "Rôle", "a/b"] {
            assert!(role_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
