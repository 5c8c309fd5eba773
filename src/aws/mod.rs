/*!
The protocol clients besides the design card's `http.rs`, `oidc.rs`,
`portal.rs` and `sigv4.rs`, which sit at the top of `src/` and belong to this
layer too: where requests go (`endpoint`), what the debug log may show
(`redact`), the PKCE redirect listener (`loopback`), console federation
(`federation`), the SigV4-signed client (`signed`) with STS (`sts`) and the
typed admin APIs (`admin`).

Nothing here reads the user's files.
*/

pub mod admin;
pub mod endpoint;
pub mod federation;
pub mod loopback;
pub mod redact;
pub mod signed;
pub mod sts;
