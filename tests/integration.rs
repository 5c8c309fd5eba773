//! Integration tests: the real binary against the in-repo fake Identity Center.
#![allow(clippy::unwrap_used)]

mod util;

mod admin;
mod bad_input;
mod check;
mod completion;
mod credentials;
mod endpoints;
mod generate;
mod help;
mod hostile;
mod identity;
mod layers;
mod login;
mod picker;
mod policy;
mod remembered;
mod robust;
mod roles;
mod serve;
mod shell_init;
mod throttling;
mod trust_ini;
mod writes;
