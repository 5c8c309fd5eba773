/*!
Writing results: stdout (a closed pipe is not an error), and the table, CSV and
JSON renderings shared by the listing commands.
*/

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::util::text::escape_control;

/// Output formats of listing commands (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
    /// Comma-separated values with a header.
    Csv,
}

impl Format {
    /// Parses a `--format` value.
    pub fn parse(v: &str) -> Result<Format> {
        match v {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(Error::Usage(format!(
                "--format: '{other}' is not one of table, json, csv"
            ))),
        }
    }
}

/// Writes all of `bytes` to stdout.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("write", "standard output", e))
}

/// Rows under named columns, rendered in the chosen format. JSON is an array of
/// objects keyed by the `json_keys` (the column names when `None`).
pub fn render(
    format: Format,
    columns: &[&str],
    json_keys: &[&str],
    rows: &[Vec<String>],
) -> String {
    match format {
        Format::Table => table(columns, rows),
        Format::Csv => csv(columns, rows),
        Format::Json => json(json_keys, rows),
    }
}

/// Aligned columns for a person to read. Cells come from the service (account
/// names, emails, roles), so control characters are shown escaped: a name
/// must not be able to move the cursor, clear the screen or reorder the line.
/// CSV and JSON quote them by their own rules.
fn table(columns: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| escape_control(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(columns.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = columns.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn json(keys: &[&str], rows: &[Vec<String>]) -> String {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let map: serde_json::Map<String, serde_json::Value> = keys
                .iter()
                .zip(row)
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::Value::Object(map)
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// Runs a listing with a progress line on stderr when it is a terminal
/// ("fetched roles of 120/300 accounts", `what` being "roles"), cleared at the
/// end, before anything else is printed. `list` calls `progress(done, total)`
/// from any thread; nothing is shown off a terminal (pipes, tests), and
/// nothing is cleared when no line was shown. Workers finish in any order, so
/// a count lower than one already shown is skipped: the line only goes up.
pub fn with_progress<T>(
    what: &str,
    list: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> Result<T>,
) -> Result<T> {
    let tty = std::io::stderr().is_terminal();
    // The highest count shown (None: nothing shown yet), held while printing
    // so that two workers cannot print out of order.
    let shown: Mutex<Option<usize>> = Mutex::new(None);
    let progress = |done: usize, total: usize| {
        if !tty {
            return;
        }
        let mut last = shown.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_none_or(|n| done > n) {
            *last = Some(done);
            eprint!("\rsso-config: fetched {what} of {done}/{total} accounts");
        }
    };
    let result = list(&progress);
    if shown
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .is_some()
    {
        eprint!("\r\x1b[K");
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let rows = vec![vec!["1".to_string(), "a, \"b\"".to_string()]];
        assert_eq!(
            render(Format::Csv, &["id", "name"], &["id", "name"], &rows),
            "id,name\n1,\"a, \"\"b\"\"\"\n"
        );
        assert_eq!(
            render(Format::Table, &["id", "name"], &[], &rows),
            "id  name\n1   a, \"b\"\n"
        );
        let j: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &[], &["accountId", "n"], &rows)).unwrap();
        assert_eq!(j[0]["accountId"], "1");
    }

    #[test]
    fn tables_escape_control_characters() {
        let rows = vec![vec!["e\u{1b}[2J".to_string(), "a\nb\u{202e}".to_string()]];
        let out = render(Format::Table, &["name", "x"], &[], &rows);
        assert_eq!(out, "name        x\ne\\u{1b}[2J  a\\nb\\u{202e}\n");
        let j = render(Format::Json, &[], &["name", "x"], &rows);
        assert!(!j.contains('\u{1b}') && j.contains("\\u001b"), "{j}");
    }
}
