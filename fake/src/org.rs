/*!
The organisation the fake serves: which accounts the signed-in user can see and which roles
(permission sets) each one offers, and the administrator's view of the same organisation
([`Directory`]).
*/

use crate::account::Account;
use crate::directory::Directory;

/// An Identity Center instance with its start URL, home region and assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// The portal start URL; StartDeviceAuthorization and RegisterClient's `issuerUrl` must
    /// match it exactly.
    pub start_url: String,
    /// The `sso_region`.
    pub region: String,
    /// Accounts in the order ListAccounts returns them.
    pub accounts: Vec<Account>,
    /// What the admin APIs (sso-admin, identitystore, organizations) serve.
    pub directory: Directory,
}

/// Start URL of the sample and generated organisations.
const START_URL: &str = "https://d-9067c3a1f2.awsapps.com/start";

/// Role names handed out by [`Org::generated`] before it falls back to `Role-N`.
const ROLE_NAMES: [&str; 6] = [
    "AdministratorAccess",
    "ReadOnlyAccess",
    "Billing",
    "PowerUserAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
];

fn account(id: &str, name: &str, email: &str, roles: &[&str]) -> Account {
    Account {
        id: id.to_string(),
        name: name.to_string(),
        email: email.to_string(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

impl Org {
    /// A small organisation with the awkward cases a config generator must handle: names with
    /// spaces and odd characters, a `/` in a name, and two accounts both named "Sandbox".
    pub fn sample() -> Org {
        let accounts = vec![
            account(
                "111122223333",
                "Management",
                "aws-root@example.com",
                &["AdministratorAccess", "Billing"],
            ),
            account(
                "234567890123",
                "Data Science",
                "data-science@example.com",
                &["AdministratorAccess", "ReadOnlyAccess", "DataScientist"],
            ),
            account(
                "345678901234",
                "prod/eu",
                "prod-eu@example.com",
                &["ReadOnlyAccess", "PowerUserAccess"],
            ),
            account(
                "456789012345",
                "Sandbox",
                "sandbox-1@example.com",
                &["AdministratorAccess"],
            ),
            account(
                "567890123456",
                "Sandbox",
                "sandbox-2@example.com",
                &["AdministratorAccess", "ReadOnlyAccess"],
            ),
            account(
                "678901234567",
                "Security: Audit & Logs (Ü)",
                "security+audit@example.com",
                &["ReadOnlyAccess", "SecurityAudit"],
            ),
        ];
        Org {
            start_url: START_URL.to_string(),
            region: "us-east-1".to_string(),
            directory: Directory::sample(&accounts),
            accounts,
        }
    }

    /// `accounts` accounts named `acct-0001`… with ids `100000000001`…, each offering
    /// `roles_per_account` roles. Deterministic, for pagination and benchmark runs.
    pub fn generated(accounts: usize, roles_per_account: usize) -> Org {
        let role_names: Vec<String> = (0..roles_per_account)
            .map(|i| match ROLE_NAMES.get(i) {
                Some(name) => name.to_string(),
                None => format!("Role-{}", i + 1),
            })
            .collect();
        let accounts: Vec<Account> = (1..=accounts)
            .map(|n| Account {
                id: format!("{:012}", 100_000_000_000u64 + n as u64),
                name: format!("acct-{n:04}"),
                email: format!("acct-{n:04}@example.com"),
                roles: role_names.clone(),
            })
            .collect();
        Org {
            start_url: START_URL.to_string(),
            region: "us-east-1".to_string(),
            directory: Directory::generated(&accounts, &role_names),
            accounts,
        }
    }

    /// The account with this id.
    pub(crate) fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_has_the_awkward_cases() {
        let org = Org::sample();
        let sandboxes = org.accounts.iter().filter(|a| a.name == "Sandbox").count();
        assert_eq!(sandboxes, 2);
        assert!(org.accounts.iter().any(|a| a.name == "prod/eu"));
        assert!(org.accounts.iter().any(|a| a.name == "Data Science"));
        for a in &org.accounts {
            assert_eq!(a.id.len(), 12);
            assert!((1..=3).contains(&a.roles.len()));
        }
    }

    #[test]
    fn generated_is_deterministic() {
        let org = Org::generated(12, 8);
        assert_eq!(org, Org::generated(12, 8));
        assert_eq!(org.accounts[0].id, "100000000001");
        assert_eq!(org.accounts[11].name, "acct-0012");
        assert_eq!(org.accounts[0].roles[0], "AdministratorAccess");
        assert_eq!(org.accounts[0].roles[7], "Role-8");
    }
}
