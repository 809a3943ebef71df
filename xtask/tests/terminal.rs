//! What `cargo xtask generate` prints about a spec (skip summaries, errors)
//! shows the spec's control and bidi characters as escapes: a hostile spec
//! cannot write to the terminal.

use std::path::Path;
use std::process::Command;

use dialtone_codegen::escape::is_unsafe;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Runs the xtask; (success, stdout, stderr).
fn xtask(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn assert_printable(text: &str) {
    for line in text.lines() {
        assert!(!line.chars().any(is_unsafe), "raw control in {line:?}");
    }
}

#[test]
fn skips_and_errors_show_spec_text_escaped() {
    let spec = "tests/hostile/text-names-and-examples/spec.yaml";
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xtask-terminal");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();

    // Lenient: the header parameter with a bidi control in its name is
    // left out, and its pointer and reason are printed.
    let out = tmp.join("lenient");
    let (ok, stdout, stderr) = xtask(&["generate", "--spec", spec, "--out", out.to_str().unwrap()]);
    assert!(ok, "{stdout}\n{stderr}");
    assert_printable(&stdout);
    assert_printable(&stderr);
    assert!(stdout.contains("item\\nid"), "{stdout}");
    assert!(stdout.contains("\\u{202e}"), "{stdout}");

    // Strict: the same skip is an error, printed escaped.
    let out = tmp.join("strict");
    let (ok, stdout, stderr) = xtask(&[
        "generate",
        "--spec",
        spec,
        "--out",
        out.to_str().unwrap(),
        "--strict",
    ]);
    assert!(!ok, "{stdout}\n{stderr}");
    assert_printable(&stdout);
    assert_printable(&stderr);
    assert!(
        stderr.contains("\\u{202e}") || stderr.contains("\\n"),
        "{stderr}"
    );
}
