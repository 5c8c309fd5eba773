/*!
What the commands do, with no parsing and no printing of results: resolve the
session, get a token (from the cache, by refresh, or by logging in), get a
role's credentials, list accounts and roles, name and write profiles, resolve
AWS credentials for the admin APIs, and the admin operations themselves.

Functions here take plain data (the flag groups they need are defined here,
and the commands fill them) and return plain data; the commands print it.
Notes and warnings for the user go through `util::log`.
*/

pub mod admin;
pub mod assume;
pub mod chain;
pub mod check;
pub mod console;
pub mod context;
pub mod listing;
pub mod naming;
pub mod profiles;
pub mod role;
pub mod serve;
pub mod session;
pub mod token;
