/*!
The one AWS credential type: what GetRoleCredentials, AssumeRole, a
`credential_process`, the environment or a profile's static keys give, what
the role cache stores, what the SigV4 signer signs with, and what `export`,
`exec` and `credential-process` hand to their consumers.
*/

use time::OffsetDateTime;

use crate::util::secret::Secret;

/// AWS credentials. The secret parts are [`Secret`]s, so `Debug` shows only the
/// access key id and the expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AKIA…` (long-term) or `ASIA…` (temporary).
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
    /// When temporary credentials expire, if known. Identity Center role
    /// credentials always have one.
    pub expiration: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let c = Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("S3CRET"),
            session_token: Some(Secret::new("T0KEN")),
            expiration: None,
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("ASIA1"), "{shown}");
        assert!(
            !shown.contains("S3CRET") && !shown.contains("T0KEN"),
            "{shown}"
        );
    }
}
