/*!
A secret string: a token, a client secret, a secret access key, a PKCE
verifier. Its `Debug` prints `(redacted)` and it has no `Display`, so a secret
cannot reach a log line, an error message or `--debug` output by accident; the
code that must send or store it asks for it with [`Secret::expose`].
*/

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string; serialises as the plain string (cache files, request bodies).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the code that sends or stores it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string (a cache file with a blank token).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_and_serde_passes_through() {
        let s = Secret::new("S3CRET");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"S3CRET\"");
        let back: Secret = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
    }
}
