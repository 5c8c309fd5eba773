//! Help, version and the man page, as a user meets them: every command's help
//! has examples, `help` lists the commands and the topics, `--version` names
//! the build, and the man page made from the same texts renders cleanly.

use std::process::Command;

use crate::util::*;

const TOPICS: [&str; 5] = ["session", "role", "environment", "files", "exit-status"];

/// The command names of the top-level help.
fn commands(t: &TestEnv) -> Vec<String> {
    let r = t.run(["help"]);
    r.code(0);
    r.stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn help_lists_commands_and_topics_and_every_command_has_examples() {
    let t = TestEnv::new("help_all");
    let top = t.run(["help"]);
    top.code(0);
    assert_eq!(top.stdout, t.run(["--help"]).stdout);
    let commands = commands(&t);
    assert!(commands.len() >= 12, "{commands:?}");
    for topic in TOPICS {
        assert!(
            top.stdout.contains(&format!("\n  {topic} ")),
            "{topic} not listed"
        );
        let r = t.run(["help", topic]);
        r.code(0);
        assert!(r.stdout.lines().count() > 3, "help {topic}: {}", r.stdout);
    }
    for cmd in &commands {
        let help = t.run(["help", cmd]);
        help.code(0);
        assert!(
            help.stdout.starts_with("Usage: sso-config "),
            "{cmd}: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains("\nExamples:\n  "),
            "{cmd} has no examples"
        );
        // `CMD --help` and `help CMD` are the same text.
        let r = t.run([cmd.as_str(), "--help"]);
        r.code(0);
        assert_eq!(r.stdout, help.stdout, "{cmd} --help");
    }
    let r = t.run(["help", "help"]);
    r.code(0);
    assert!(
        r.stdout
            .starts_with("Usage: sso-config help [COMMAND|TOPIC]"),
        "{}",
        r.stdout
    );
    let r = t.run(["completion", "--help"]);
    r.code(0);
    assert!(
        r.stdout
            .starts_with("Usage: sso-config completion bash|zsh|fish"),
        "{}",
        r.stdout
    );
    t.run(["help", "sesion"])
        .code(2)
        .one_error_line("did you mean 'session'?");
    assert_eq!(t.fake.requests().len(), 0, "help makes no request");
}

#[test]
fn version_names_the_commit_the_build_date_and_the_target() {
    let t = TestEnv::new("version");
    let r = t.run(["--version"]);
    r.code(0);
    assert_eq!(r.stdout, t.run(["-V"]).stdout);
    // sso-config 0.1.0 (abc1234 2026-11-28, x86_64-unknown-linux-musl)
    let line = r
        .stdout
        .strip_suffix(")\n")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let rest = line
        .strip_prefix(&format!("sso-config {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let (commit_date, target) = rest.split_once(", ").unwrap();
    let (commit, date) = commit_date.split_once(' ').unwrap();
    let git = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match git {
        Ok(out) if out.status.success() => {
            assert_eq!(
                commit,
                String::from_utf8_lossy(&out.stdout).trim(),
                "commit"
            );
        }
        _ => assert_eq!(commit, "unknown"),
    }
    let d: Vec<&str> = date.split('-').collect();
    assert!(
        d.len() == 3
            && [4, 2, 2] == [d[0].len(), d[1].len(), d[2].len()]
            && d.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())),
        "date {date}"
    );
    assert!(
        target.starts_with(std::env::consts::ARCH) && target.contains(std::env::consts::OS),
        "target {target}"
    );
}

/// Whether `name` is an executable on PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

/// A roff renderer that is installed: its name, and the command that checks
/// a page (warnings on stderr) and prints it as plain text.
fn man_renderer(page: &std::path::Path) -> Option<(&'static str, Command)> {
    if on_path("groff") {
        let mut c = Command::new("groff");
        c.args(["-man", "-Tascii", "-P-cbou", "-ww"]).arg(page);
        Some(("groff", c))
    } else if on_path("mandoc") {
        let mut c = Command::new("mandoc");
        c.args(["-Tascii", "-Wwarning"]).arg(page);
        Some(("mandoc", c))
    } else {
        None
    }
}

#[test]
fn man_page_renders_without_warnings_and_has_every_command() {
    let t = TestEnv::new("man");
    let r = t.run(["__man"]);
    r.code(0);
    let page = t.root.join("sso-config.1");
    std::fs::write(&page, &r.stdout).unwrap();
    assert!(r.stdout.starts_with(".TH SSO-CONFIG 1 "), "{}", r.stdout);
    let Some((name, mut render)) = man_renderer(&page) else {
        eprintln!("note: neither groff nor mandoc is installed; skipping the man page check");
        return;
    };
    let out = render.output().unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && warnings.is_empty(),
        "{name}: {warnings}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "SESSION OPTIONS",
        "ROLE OPTIONS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "{section} missing:\n{text}"
        );
    }
    for cmd in commands(&t) {
        let heading = format!("   sso-config {cmd}");
        assert!(
            text.lines().any(|l| l.starts_with(&heading)),
            "{cmd} missing:\n{text}"
        );
    }
    // The options of a command are there, as its help lists them.
    assert!(text.contains("--write-credentials [NAME]"), "{text}");
}
