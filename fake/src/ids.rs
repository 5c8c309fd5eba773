/*!
Random identifiers and the clock. Tokens, codes and keys come from the OS random source so
that two fakes (tests run in parallel) never hand out the same value.
*/

use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::{SecureRandom, SystemRandom};

use crate::codec::{self, URL_SAFE};

/// `N` random bytes.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random source is readable");
    bytes
}

/// `prefix` followed by 32 URL-safe random characters (192 bits).
pub(crate) fn token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        codec::base64(&random_bytes::<24>(), URL_SAFE, false)
    )
}

/// `len` characters drawn from `alphabet` (which must have a power-of-two length ≤ 256 so
/// that masking keeps the draw uniform).
pub(crate) fn random_chars(alphabet: &[u8], len: usize) -> String {
    debug_assert!(alphabet.len().is_power_of_two());
    let mask = alphabet.len() - 1;
    (0..len)
        .map(|_| char::from(alphabet[usize::from(random_bytes::<1>()[0]) & mask]))
        .collect()
}

/// A fresh UUID-v4-shaped id, as AWS puts in `x-amzn-RequestId`.
pub(crate) fn request_id() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, request_id());
    }

    #[test]
    fn tokens_are_prefixed_and_distinct() {
        let t = token("aoa");
        assert!(t.starts_with("aoa") && t.len() == 35, "{t}");
        assert_ne!(t, token("aoa"));
        assert_eq!(random_chars(b"AB", 5).len(), 5);
    }
}
