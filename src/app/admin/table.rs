/*!
What an `admin` command answers: rows under named columns, and the names that
were asked for but not found.
*/

use crate::error::Error;

/// An answer: rows under named columns, and the names that were asked for
/// but not found (reported after the rows are printed, cli.md Settled details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column names, which are also the JSON keys.
    pub columns: Vec<&'static str>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
    /// What was not found, e.g. `user 'bob'`.
    pub missing: Vec<String>,
}

impl Table {
    pub(super) fn new(columns: &[&'static str], rows: Vec<Vec<String>>) -> Table {
        Table {
            columns: columns.to_vec(),
            rows,
            missing: Vec::new(),
        }
    }

    /// The error for the names that were not found, if any.
    pub fn missing_error(&self) -> Option<Error> {
        (!self.missing.is_empty())
            .then(|| Error::NotFound(format!("not found: {}", self.missing.join(", "))))
    }
}
