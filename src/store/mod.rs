/*!
Local state, in the AWS CLI's own formats so that it is shared both ways: the
config and credentials files (through the lossless INI model in `ini.rs`), the
SSO token and client-registration cache, the role-credential cache, our
private copy of the config (`config_copy`), the sessions `login` signed in
to (`known_sessions`), and the file-system helpers every write goes through (atomic replace, locks, 0600 files
in 0700 folders).

Nothing here talks to the network.
*/

pub mod cache;
pub mod config;
pub mod config_copy;
pub mod fsutil;
pub mod known_sessions;
pub mod listing_cache;
pub mod paths;
pub mod role_cache;
pub mod token_cache;
