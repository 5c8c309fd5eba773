/*!
The leaves: small modules that know nothing of Identity Center, the AWS
protocols or the user's files, and import nothing of the crate but the
crate-wide error type. Every other layer may use them.
*/

pub mod clock;
pub mod credentials;
pub mod diff;
pub mod encoding;
pub mod env;
pub mod governor;
pub mod httpd;
pub mod log;
pub mod paging;
pub mod pool;
pub mod rand;
pub mod secret;
pub mod shell;
pub mod signal;
pub mod suggest;
pub mod term;
pub mod text;
pub mod url;
pub mod xml;
