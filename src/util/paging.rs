/*!
The one guard every paginated listing walks through. A listing follows the
service's `nextToken` until there is none; a service that hands back a token it
already gave (or cycles through a few) would keep us asking forever. The guard
remembers every token of the listing and counts the pages, and turns a repeat,
or more pages than any real listing has, into an error naming the operation.
*/

use std::collections::HashSet;

use crate::error::{Error, Result};

/// More pages than any real listing needs: 10,000 pages of 100 accounts, or
/// of 20 for organizations, with an empty page between each (services may send
/// those), is far beyond the largest organisation.
pub const MAX_PAGES: usize = 10_000;

/// The pages of one listing so far.
#[derive(Debug)]
pub struct Pages {
    op: &'static str,
    seen: HashSet<String>,
    count: usize,
    max: usize,
}

impl Pages {
    /// A listing of `op` that may take up to [`MAX_PAGES`] pages.
    pub fn new(op: &'static str) -> Pages {
        Pages::with_limit(op, MAX_PAGES)
    }

    /// The same with another page limit.
    pub fn with_limit(op: &'static str, max: usize) -> Pages {
        Pages {
            op,
            seen: HashSet::new(),
            count: 0,
            max,
        }
    }

    /// Takes the token a page came with: `Ok(None)` when the listing is done
    /// (no token, or an empty one), `Ok(Some(token))` to ask for the next page,
    /// an error when the token was seen before in this listing or the page
    /// limit is reached.
    pub fn next(&mut self, token: Option<String>) -> Result<Option<String>> {
        self.count += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if self.seen.contains(&token) {
            return Err(Error::unexpected(
                self.op,
                format!(
                    "the service sent a page token it had already sent (page {}); stopping a listing that would never end",
                    self.count
                ),
            ));
        }
        if self.count >= self.max {
            return Err(Error::unexpected(
                self.op,
                format!(
                    "the listing did not end after {} pages; stopping",
                    self.count
                ),
            ));
        }
        self.seen.insert(token.clone());
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn ends_on_no_token_or_an_empty_one() {
        let mut p = Pages::new("ListAccounts");
        assert_eq!(p.next(t("a")).unwrap(), t("a"));
        assert_eq!(p.next(t("b")).unwrap(), t("b"));
        assert_eq!(p.next(None).unwrap(), None);
        let mut p = Pages::new("ListAccounts");
        assert_eq!(p.next(t("")).unwrap(), None);
    }

    #[test]
    fn a_repeated_token_is_an_error_even_after_others() {
        let mut p = Pages::new("ListAccountRoles");
        assert!(p.next(t("a")).is_ok());
        let e = p.next(t("a")).unwrap_err().to_string();
        assert!(e.starts_with("ListAccountRoles: "), "{e}");
        assert!(e.contains("already sent"), "{e}");
        // A cycle, not just the previous token.
        let mut p = Pages::new("ListUsers");
        assert!(p.next(t("a")).is_ok());
        assert!(p.next(t("b")).is_ok());
        assert!(p.next(t("c")).is_ok());
        assert!(p.next(t("a")).is_err());
    }

    #[test]
    fn pages_are_capped() {
        let mut p = Pages::with_limit("ListAccounts", 3);
        assert!(p.next(t("1")).is_ok());
        assert!(p.next(t("2")).is_ok());
        let e = p.next(t("3")).unwrap_err().to_string();
        assert!(e.contains("did not end after 3 pages"), "{e}");
        // The last page of a listing at the limit is fine.
        let mut p = Pages::with_limit("ListAccounts", 3);
        assert!(p.next(t("1")).is_ok());
        assert!(p.next(t("2")).is_ok());
        assert_eq!(p.next(None).unwrap(), None);
    }
}
