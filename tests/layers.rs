//! The layer rule of `docs/architecture.md`, checked on every `make test`:
//! cmd → app → {aws, store} → util, nothing between aws and store, nothing
//! upwards. Reads `crate::…` paths as text (comments left out), which is
//! enough because every cross-folder use in this crate is spelled that way.

use std::path::{Path, PathBuf};

/// The layer of a top-level module of `src/`.
fn layer(module: &str) -> Option<(&'static str, u8)> {
    Some(match module {
        "cmd" => ("cmd", 4),
        "app" => ("app", 3),
        "aws" | "http" | "oidc" | "portal" | "sigv4" => ("aws", 2),
        "store" | "ini" => ("store", 2),
        "util" | "error" => ("util", 1),
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names in `crate::…` paths, comments left out.
fn used_modules(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            // `crate::{a, b}`: each name in the braces.
            let inner = rest.trim_start_matches('{');
            let inner = inner.split('}').next().unwrap_or("");
            found.extend(
                inner
                    .split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").to_string()),
            );
        } else {
            found.push(name);
        }
    }
    found
}

#[test]
fn imports_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs");
        if top == "main" {
            continue;
        }
        let (from, rank) = layer(top).unwrap_or_else(|| {
            panic!("{} is outside the layer folders", rel.display());
        });
        let text = std::fs::read_to_string(file).unwrap();
        for used in used_modules(&text) {
            let Some((to, to_rank)) = layer(&used) else {
                continue;
            };
            let sideways = from != to && to_rank == rank;
            if to_rank > rank || sideways {
                problems.push(format!(
                    "{} ({from}) uses crate::{used} ({to})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layer rule broken:\n{}",
        problems.join("\n")
    );
    assert!(files.len() > 40, "read only {} files", files.len());
}

#[test]
fn the_checker_sees_an_upward_edge() {
    assert_eq!(
        used_modules(
            "use crate::app::x;\n// crate::cmd in a comment\nlet y = crate::{util::a, store::b};"
        ),
        ["app", "util", "store"]
    );
}
