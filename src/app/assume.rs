/*!
What `sso-assume`, the shell function of `sso-config shell-init`, changes in
the user's shell, and how `sso-assume --unset` puts it back.

The function runs the hidden `sso-config __assume`, which prints shell code
that the function evaluates. Each call says what it wants of every variable
in [`MANAGED`] ([`Want`]); [`plan`] compares that with the shell's current
variables and with the record earlier calls left in the shell
([`RECORD_VAR`], a shell variable the function hands to `__assume` in its
environment only, never exported to other programs):

- a variable sso-assume sets or clears for the first time has the user's
  value saved in the record, when it had one, for `--unset` to put back;
- a variable the record names, which still holds what sso-assume left there,
  is sso-assume's to change again or to put back;
- a variable the user changed since (another value, set again after being
  cleared, unset) is the user's again: it is dropped from the record and
  never touched.

The values of secrets are not recorded: the secret key and session token are
still sso-assume's while the access key id beside them (recorded) is. Only the
names in [`MANAGED`] are ever set or unset, whatever a record says.
*/

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::util::env::Env;
use crate::util::log;
use crate::util::secret::Secret;

/// The variable that names the active profile (or `ACCOUNT_ID/ROLE`) for
/// prompts.
pub const PROMPT_VAR: &str = "SSO_CONFIG_PROFILE";

/// The shell variable holding the record of what sso-assume set.
pub const RECORD_VAR: &str = "_SSO_CONFIG_ASSUMED";

/// The credential variables, as `export` writes them.
pub const CREDENTIAL_VARS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// The region variables: `AWS_REGION` for the AWS CLI v2 and most SDKs,
/// `AWS_DEFAULT_REGION` for botocore (boto3, AWS CLI v1), which reads only it.
pub const REGION_VARS: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Every variable sso-assume may set or unset, in the order it writes them.
pub const MANAGED: [&str; 8] = [
    "AWS_PROFILE",
    CREDENTIAL_VARS[0],
    CREDENTIAL_VARS[1],
    CREDENTIAL_VARS[2],
    CREDENTIAL_VARS[3],
    REGION_VARS[0],
    REGION_VARS[1],
    PROMPT_VAR,
];

/// The variables whose values the record never holds (see the module doc).
const SECRET_VARS: [&str; 2] = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/// What a call wants of one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Set to this value.
    Set(Secret),
    /// Not set (a credential variable would override `AWS_PROFILE`, and
    /// `AWS_PROFILE` the exported credentials for some tools).
    Absent,
    /// The user's own value: put back what sso-assume changed, leave the rest.
    Theirs,
}

/// One change to the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Set and export the variable.
    Set(&'static str, Secret),
    /// Unset the variable.
    Unset(&'static str),
}

/// What to print for the shell to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// The variables, in [`MANAGED`] order.
    pub actions: Vec<Action>,
    /// The new record: `Some(text)` to set [`RECORD_VAR`] (not exported),
    /// `None` to unset it.
    pub record: Option<String>,
}

/// What sso-assume left in a variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Left {
    /// This value (not a secret).
    Value(String),
    /// A secret, sso-assume's while the access key id is.
    Secret,
    /// Nothing: sso-assume unset it.
    Cleared,
}

/// The record of one variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    left: Left,
    /// The user's value before sso-assume first changed the variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Secret>,
}

type Record = BTreeMap<String, Entry>;

/// The changes that take the shell (`env`, the environment `__assume` was
/// given) from where it is to what `want` asks; a variable `want` does not
/// name is [`Want::Theirs`].
pub fn plan(env: &Env, want: &[(&'static str, Want)]) -> Changes {
    let old = read_record(env);
    let still_ours = |name: &str| -> Option<&Entry> {
        let entry = old.get(name)?;
        let now = env.get(name);
        let ours = match &entry.left {
            Left::Value(v) => now == Some(v.as_str()),
            Left::Cleared => now.is_none(),
            Left::Secret => {
                let key = "AWS_ACCESS_KEY_ID";
                now.is_some()
                    && matches!(old.get(key), Some(Entry { left: Left::Value(k), .. })
                        if env.get(key) == Some(k.as_str()))
            }
        };
        ours.then_some(entry)
    };
    let mut actions = Vec::new();
    let mut record = Record::new();
    for name in MANAGED {
        let wanted = want
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&Want::Theirs, |(_, w)| w);
        let now = env.get(name);
        let mine = still_ours(name);
        // The user's value to put back one day: kept from the record, or the
        // current one when sso-assume takes the variable over now.
        let before = match mine {
            Some(e) => e.before.clone(),
            None => now.map(Secret::new),
        };
        match wanted {
            Want::Set(v) => {
                actions.push(Action::Set(name, v.clone()));
                let left = if SECRET_VARS.contains(&name) {
                    Left::Secret
                } else {
                    Left::Value(v.expose().to_string())
                };
                record.insert(name.to_string(), Entry { left, before });
            }
            Want::Absent => {
                if now.is_some() {
                    actions.push(Action::Unset(name));
                }
                // Nothing to put back when nothing was there.
                if now.is_some() || mine.is_some() {
                    let left = Left::Cleared;
                    record.insert(name.to_string(), Entry { left, before });
                }
            }
            Want::Theirs => match (mine, before) {
                (None, _) => {}
                (Some(_), Some(b)) => actions.push(Action::Set(name, b)),
                (Some(_), None) if now.is_some() => actions.push(Action::Unset(name)),
                (Some(_), None) => {}
            },
        }
    }
    let record = match record.is_empty() {
        true => None,
        false => serde_json::to_string(&record).ok(),
    };
    Changes { actions, record }
}

/// The record in `env`; an unreadable one (edited by hand) counts as empty,
/// so nothing it names is touched.
fn read_record(env: &Env) -> Record {
    let Some(text) = env.get(RECORD_VAR) else {
        return Record::new();
    };
    match serde_json::from_str::<Record>(text) {
        Ok(mut r) => {
            r.retain(|name, _| MANAGED.contains(&name.as_str()));
            r
        }
        Err(_) => {
            log::warn(format_args!(
                "{RECORD_VAR} is not a record sso-assume wrote; the variables it names are left alone"
            ));
            Record::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &str) -> Want {
        Want::Set(Secret::new(v))
    }

    /// Applies `c` to `env` as the shell would.
    fn apply(env: &Env, c: &Changes) -> Env {
        let mut vars: BTreeMap<String, String> = MANAGED
            .iter()
            .chain(&[RECORD_VAR, "OTHER"])
            .filter_map(|n| Some((n.to_string(), env.get(n)?.to_string())))
            .collect();
        for a in &c.actions {
            match a {
                Action::Set(n, v) => vars.insert(n.to_string(), v.expose().to_string()),
                Action::Unset(n) => vars.remove(*n),
            };
        }
        match &c.record {
            Some(r) => vars.insert(RECORD_VAR.to_string(), r.clone()),
            None => vars.remove(RECORD_VAR),
        };
        Env::from_pairs(vars)
    }

    fn get<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
        env.get(name)
    }

    fn profile(p: &str, region: &str) -> Vec<(&'static str, Want)> {
        let mut w = vec![("AWS_PROFILE", set(p)), (PROMPT_VAR, set(p))];
        w.extend(REGION_VARS.map(|n| (n, set(region))));
        w.extend(CREDENTIAL_VARS.map(|n| (n, Want::Absent)));
        w
    }

    fn keys(id: &str) -> Vec<(&'static str, Want)> {
        vec![
            ("AWS_PROFILE", Want::Absent),
            ("AWS_ACCESS_KEY_ID", set(id)),
            ("AWS_SECRET_ACCESS_KEY", set(&format!("secret-of-{id}"))),
            ("AWS_SESSION_TOKEN", set("token")),
            ("AWS_CREDENTIAL_EXPIRATION", set("2030-01-01T00:00:00Z")),
            ("AWS_REGION", set("eu-west-1")),
            (PROMPT_VAR, set("111122223333/Admin")),
        ]
    }

    #[test]
    fn unset_puts_back_the_users_values_and_clears_the_rest() {
        let user = Env::of(&[
            ("AWS_REGION", "us-west-2"),
            ("AWS_PROFILE", "mine"),
            ("OTHER", "x"),
        ]);
        let a = apply(&user, &plan(&user, &profile("prod", "eu-west-1")));
        assert_eq!(get(&a, "AWS_PROFILE"), Some("prod"));
        assert_eq!(get(&a, "AWS_DEFAULT_REGION"), Some("eu-west-1"));
        let b = apply(&a, &plan(&a, &keys("ASIA1")));
        assert_eq!(get(&b, "AWS_PROFILE"), None);
        assert_eq!(get(&b, "AWS_REGION"), Some("eu-west-1"));
        // Not named by the second call: the user's own (none) again.
        assert_eq!(get(&b, "AWS_DEFAULT_REGION"), None);
        let back = apply(&b, &plan(&b, &[]));
        for name in MANAGED.iter().chain(&[RECORD_VAR, "OTHER"]) {
            assert_eq!(get(&back, name), get(&user, name), "{name}");
        }
        // Nothing left to do: no change, no record.
        let again = plan(&back, &[]);
        assert_eq!(
            again,
            Changes {
                actions: vec![],
                record: None
            }
        );
    }

    #[test]
    fn a_variable_the_user_changed_since_is_theirs() {
        let user = Env::of(&[("AWS_REGION", "us-west-2")]);
        let a = apply(&user, &plan(&user, &keys("ASIA1")));
        let mut vars: Vec<(String, String)> = MANAGED
            .iter()
            .chain(&[RECORD_VAR])
            .filter_map(|n| Some((n.to_string(), a.get(n)?.to_string())))
            .collect();
        // The user sets their own region, profile and keys.
        vars.retain(|(k, _)| k != "AWS_ACCESS_KEY_ID");
        vars.push(("AWS_REGION".into(), "ap-south-1".into()));
        vars.push(("AWS_PROFILE".into(), "theirs".into()));
        vars.push(("AWS_ACCESS_KEY_ID".into(), "AKIAUSER".into()));
        let b = Env::from_pairs(vars);
        let c = apply(&b, &plan(&b, &[]));
        assert_eq!(get(&c, "AWS_REGION"), Some("ap-south-1"));
        assert_eq!(get(&c, "AWS_PROFILE"), Some("theirs"));
        assert_eq!(get(&c, "AWS_ACCESS_KEY_ID"), Some("AKIAUSER"));
        // The secret key belongs to the key id beside it: the user's now.
        assert_eq!(get(&c, "AWS_SECRET_ACCESS_KEY"), Some("secret-of-ASIA1"));
        // What is still sso-assume's goes: the prompt variable, the record.
        assert_eq!(get(&c, PROMPT_VAR), None);
        assert_eq!(get(&c, RECORD_VAR), None);
    }

    #[test]
    fn switching_to_a_profile_clears_the_keys_and_their_restore_survives() {
        let user = Env::of(&[
            ("AWS_ACCESS_KEY_ID", "AKIAUSER"),
            ("AWS_SECRET_ACCESS_KEY", "user-secret"),
        ]);
        let a = apply(&user, &plan(&user, &keys("ASIA1")));
        let b = apply(&a, &plan(&a, &profile("dev", "us-east-1")));
        for n in CREDENTIAL_VARS {
            assert_eq!(get(&b, n), None, "{n}");
        }
        assert_eq!(get(&b, "AWS_PROFILE"), Some("dev"));
        let record = get(&b, RECORD_VAR).unwrap();
        assert!(!record.contains("secret-of-ASIA1"), "{record}");
        let back = apply(&b, &plan(&b, &[]));
        assert_eq!(get(&back, "AWS_ACCESS_KEY_ID"), Some("AKIAUSER"));
        assert_eq!(get(&back, "AWS_SECRET_ACCESS_KEY"), Some("user-secret"));
        assert_eq!(get(&back, "AWS_PROFILE"), None);
        assert_eq!(get(&back, RECORD_VAR), None);
    }

    #[test]
    fn a_record_never_touches_other_names_and_a_broken_one_touches_nothing() {
        let env = Env::of(&[
            (
                RECORD_VAR,
                r#"{"PATH":{"left":"cleared"},"AWS_REGION":{"left":"cleared","before":"x"}}"#,
            ),
            ("PATH", "/bin"),
        ]);
        let c = plan(&env, &[]);
        // PATH is not ours to touch; AWS_REGION is unset as the record left it.
        assert_eq!(c.actions, vec![Action::Set("AWS_REGION", Secret::new("x"))]);
        let env = Env::of(&[(RECORD_VAR, "garbage"), ("AWS_PROFILE", "p")]);
        assert_eq!(
            plan(&env, &[]),
            Changes {
                actions: vec![],
                record: None
            }
        );
    }
}
