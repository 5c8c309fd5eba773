/*!
Random values from the operating system (through `ring`, already linked for TLS):
temp-file nonces, OAuth `state`, PKCE verifiers and retry jitter.
*/

use ring::rand::{SecureRandom, SystemRandom};

/// Fills `buf` with random bytes. If the OS generator fails (it practically never
/// does), we fall back to time-derived bytes: every use here tolerates weak
/// randomness except PKCE and `state`, which call [`secure_bytes`] instead.
pub fn fill(buf: &mut [u8]) {
    if SystemRandom::new().fill(buf).is_err() {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ u128::from(std::process::id());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8);
        }
    }
}

/// Random bytes that must be unpredictable; `None` if the OS generator fails.
pub fn secure_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    SystemRandom::new().fill(&mut buf).ok()?;
    Some(buf)
}

/// `n` random bytes as lower-case hex.
pub fn hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    fill(&mut buf);
    crate::util::encoding::hex(&buf)
}

/// A uniform float in [0, 1), for full-jitter backoff.
pub fn unit() -> f64 {
    let mut buf = [0u8; 8];
    fill(&mut buf);
    (u64::from_le_bytes(buf) >> 11) as f64 / (1u64 << 53) as f64
}
