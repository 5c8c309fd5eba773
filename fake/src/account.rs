/*!
One AWS account as the portal shows it to the signed-in user. It has a module of its own
because both views of the organisation are built from it: [`crate::Org`] serves these
accounts through the portal, and [`crate::Directory`]'s constructors derive the
administrator's accounts from them. Defined in either of those, it would make the two import
each other.
*/

/// One AWS account assigned to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// Display name; not unique, may contain spaces, `/` and other odd characters.
    pub name: String,
    /// Root e-mail address (`emailAddress` in ListAccounts).
    pub email: String,
    /// Role (permission set) names the user may assume in this account.
    pub roles: Vec<String>,
}
