//! Text from a spec is never code. Each `tests/hostile/text-*` case is a
//! spec whose text fields carry fences of every kind, indented code,
//! `rust`/`compile_fail`/`should_panic` info strings, bare CRs, bidi and
//! other control characters, HTML, links, quotes and comment closers (its
//! `expect` file says what it attacks). Each generates a standalone crate
//! that must:
//!
//! - build and pass `cargo test`, whose only doctest is the README example
//!   the generator wrote (compiled, `no_run`), and after which no file the
//!   spec's code would have written (`pwned-*`) exists;
//! - pass `cargo clippy --all-targets -D warnings`;
//! - pass `cargo doc` with `-D warnings` (no broken intra-doc link, bare URL
//!   or HTML from the spec).
//!
//! Offline, against the workspace's Cargo.lock, in the target directory
//! the corpus test uses (`target/corpus`), each command bounded by a
//! timeout. By default the cases named in `DEFAULT` are built; with
//! `DIALTONE_HOSTILE_ALL=1` (as `.ci/run` does) every case is. Every case
//! is generated either way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialtone_codegen::{CrateMode, Runtime, Standalone, generate_with};

/// Built in every `cargo test`: every kind of hostile text at once.
const DEFAULT: &[&str] = &["text-everything", "text-controls"];
/// The most one cargo command may take.
const TIMEOUT: Duration = Duration::from_secs(900);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The `text-*` cases: (name, spec file).
fn cases() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/hostile")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("text-") {
            continue;
        }
        let expect = std::fs::read_to_string(dir.join("expect")).unwrap();
        assert_eq!(
            expect.lines().next(),
            Some("generates"),
            "{name}: a text case must generate"
        );
        let spec = ["spec.yaml", "spec.json"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name}: no spec.yaml or spec.json"));
        out.push((name, spec));
    }
    out.sort();
    out
}

/// Runs cargo with `args` in `dir`, killed after `TIMEOUT`: its stdout, or
/// what went wrong.
fn cargo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let started = Instant::now();
    let out_file = dir.join(format!(".cargo-{}.out", args[0]));
    let err_file = dir.join(format!(".cargo-{}.err", args[0]));
    let mut command = Command::new(env!("CARGO"));
    command
        .args(args)
        .env("CARGO_TARGET_DIR", root().join("target/corpus"))
        .env("RUSTFLAGS", "-D warnings")
        .current_dir(dir)
        .stdout(std::fs::File::create(&out_file).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err_file).map_err(|e| e.to_string())?)
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|e| e.to_string())?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("cargo {args:?} ran past {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = std::fs::read_to_string(&out_file).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    let _ = std::fs::remove_file(&out_file);
    let _ = std::fs::remove_file(&err_file);
    if status.success() {
        Ok(stdout)
    } else {
        let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "cargo {args:?} failed\n{}\n{}",
            stdout.lines().rev().take(20).collect::<Vec<_>>().join("\n"),
            tail.join("\n")
        ))
    }
}

/// The doctests `cargo test` ran or compiled, one line each (rustdoc
/// names them `<file> - (line N)`).
fn doctests(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" - (line ") && l.contains(" ... "))
        .map(str::to_owned)
        .collect()
}

/// Files named `pwned*` anywhere under `dir`: what the spec's code writes.
fn pwned(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.file_name().to_string_lossy().starts_with("pwned") {
                found.push(path);
            }
        }
    }
    found
}

fn check_case(name: &str, spec: &Path, build: bool) -> Result<String, String> {
    let runtime = root().join("crates/runtime");
    let mode = CrateMode::Standalone(Standalone {
        runtime: Runtime::Path(runtime.to_string_lossy().into_owned()),
        ..Standalone::default()
    });
    let text = std::fs::read_to_string(spec).map_err(|e| e.to_string())?;
    let label = format!(
        "tests/hostile/{name}/{}",
        spec.file_name().unwrap().to_string_lossy()
    );
    let generated = generate_with(&label, &text, name, &mode, false, spec.parent())
        .map_err(|e| format!("does not generate: {e}"))?;
    for (file, content) in &generated.files {
        if let Some(c) = content
            .chars()
            .find(|&c| c != '\n' && dialtone_codegen::escape::is_unsafe(c))
        {
            return Err(format!("{file} holds a raw {c:?}"));
        }
    }
    let summary = format!(
        "{} operations, {} types, {} skipped",
        generated.api.operations.len(),
        generated.api.types.len(),
        generated.api.skipped.len()
    );
    if !build {
        return Ok(format!("{summary}; generated only"));
    }
    let dir = root().join("target/corpus/hostile").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, content) in &generated.files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let started = Instant::now();
    let stdout = cargo(&dir, &["test", "--offline"], &[])?;
    // The README example, and nothing else.
    let readme = &generated.files["README.md"];
    let example_line = readme
        .lines()
        .position(|l| l == "```rust,no_run")
        .ok_or("the README has no example")?
        + 1;
    let ran = doctests(&stdout);
    let expected = format!("README.md - (line {example_line}) - compile ... ok");
    if ran.len() != 1 || !ran[0].ends_with(&expected) {
        return Err(format!(
            "doctests other than the README example (line {example_line}):\n{}",
            ran.join("\n")
        ));
    }
    let written = pwned(&dir);
    if !written.is_empty() {
        return Err(format!("spec code ran and wrote {written:?}"));
    }
    cargo(
        &dir,
        &[
            "clippy",
            "--offline",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &dir,
        &["doc", "--offline", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok(format!(
        "{summary}; test, clippy and doc in {:.1} s",
        started.elapsed().as_secs_f64()
    ))
}

#[test]
fn hostile_text_stays_text_in_generated_crates() {
    let all = std::env::var_os("DIALTONE_HOSTILE_ALL").is_some();
    let cases = cases();
    assert!(cases.len() >= 12, "only {} text cases", cases.len());
    let mut failures = Vec::new();
    for (name, spec) in &cases {
        let build = all || DEFAULT.contains(&name.as_str());
        match check_case(name, spec, build) {
            Ok(summary) => eprintln!("{name}: {summary}"),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
