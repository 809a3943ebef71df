//! `dialtone` as a user runs it: generate, check, lint and mock, their
//! exit codes, and what lands in a generated crate.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_owned()
}

/// A scratch folder holding a copy of the example's Pet Store spec,
/// removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("api")).unwrap();
        fs::copy(
            repo_root().join("examples/build-script/petstore.yaml"),
            dir.join("api/petstore.yaml"),
        )
        .unwrap();
        Scratch(dir)
    }

    fn spec(&self) -> PathBuf {
        self.0.join("api/petstore.yaml")
    }

    /// Runs `dialtone` in the scratch folder.
    fn dialtone(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dialtone"))
            .args(args)
            .current_dir(&self.0)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("ended by itself")
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), text(&fs::read(&path).unwrap())));
            }
        }
    }
    out
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let scratch = Scratch::new("help");
    let help = scratch.dialtone(&["--help"]);
    assert_eq!(code(&help), 0);
    let stdout = text(&help.stdout);
    for word in ["generate", "check", "lint", "mock", "Exit codes:", "130"] {
        assert!(stdout.contains(word), "{word}: {stdout}");
    }
    let help = scratch.dialtone(&["help", "generate"]);
    let stdout = text(&help.stdout);
    assert!(stdout.contains("Examples:"), "{stdout}");
    assert!(stdout.contains("--runtime-path"), "{stdout}");
    assert!(stdout.contains("--package-name"), "{stdout}");
    // A usage error is exit 2.
    assert_eq!(
        code(&scratch.dialtone(&["generate", "--spec", "x.yaml"])),
        2
    );
    assert_eq!(
        code(&scratch.dialtone(&[
            "generate",
            "--spec",
            "x.yaml",
            "--out",
            "o",
            "--runtime-path",
            "a",
            "--runtime-version",
            "0.1"
        ])),
        2
    );
}

#[test]
fn a_generated_crate_names_the_runtime_by_version_and_no_path_of_this_machine() {
    let scratch = Scratch::new("generate");
    let out = scratch.0.join("out/petstore");
    // Absolute paths in, from another folder: none of them may come out.
    let run = scratch.dialtone(&[
        "generate",
        "--spec",
        scratch.spec().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains("petstore: 4 operations generated, 0 skipped"),
        "{stdout}"
    );
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    for line in [
        "name = \"dialtone-petstore\"",
        "version = \"0.1.0\"",
        &format!("rust-version = \"{}\"", dialtone_codegen::RUST_VERSION),
        &format!(
            "dialtone-runtime = \"{}\"",
            dialtone_codegen::RUNTIME_VERSION
        ),
        "# No licence was chosen",
    ] {
        assert!(manifest.contains(line), "{line}\n{manifest}");
    }
    assert!(!manifest.contains("\nlicense"), "{manifest}");
    assert!(!manifest.contains("publish ="), "{manifest}");

    let home = std::env::var("HOME").unwrap_or_default();
    let machine: Vec<String> = [
        scratch.0.clone(),
        fs::canonicalize(&scratch.0).unwrap(),
        repo_root(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::env::current_dir().unwrap(),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .chain((home.len() > 1).then_some(home))
    .collect();
    let generated = files(&out);
    assert!(generated.len() >= 7, "{generated:?}");
    for (path, content) in &generated {
        for absolute in &machine {
            assert!(
                !content.contains(absolute.as_str()),
                "{} holds {absolute}",
                path.display()
            );
        }
    }
    // The header names the spec by its file name.
    assert!(manifest.contains("from petstore.yaml."), "{manifest}");
}

#[test]
fn package_options_land_in_the_manifest_and_bad_ones_write_nothing() {
    let scratch = Scratch::new("options");
    let out = scratch.0.join("acme");
    let runtime = repo_root().join("crates/runtime");
    let run = scratch.dialtone(&[
        "generate",
        "--spec",
        "api/petstore.yaml",
        "--out",
        "acme",
        "--name",
        "pets",
        "--package-name",
        "acme-pets",
        "--crate-version",
        "2.3.4",
        "--license",
        "MIT OR Apache-2.0",
        "--runtime-path",
        runtime.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    let relative = dialtone_codegen::workspace::relative_path(&out, &runtime).unwrap();
    assert!(relative.starts_with(".."), "{relative}");
    for line in [
        "name = \"acme-pets\"".to_owned(),
        "version = \"2.3.4\"".to_owned(),
        "license = \"MIT OR Apache-2.0\"".to_owned(),
        format!(
            "dialtone-runtime = {{ path = \"{relative}\", version = \"{}\" }}",
            dialtone_codegen::RUNTIME_VERSION
        ),
    ] {
        assert!(manifest.contains(&line), "{line}\n{manifest}");
    }
    // The README's example uses the package's own name.
    let readme = fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("use acme_pets::Client;"), "{readme}");
    assert!(readme.contains("PETS_BASE_URL"), "{readme}");
    // The header names the spec as given (relative).
    assert!(manifest.contains("from api/petstore.yaml."), "{manifest}");

    for (flag, value, expected) in [
        ("--package-name", "Acme Pets", "package name"),
        (
            "--package-name",
            "dialtone-runtime",
            "Dialtone's own packages",
        ),
        ("--crate-version", "two", "semantic version"),
        ("--license", "MIT\"\n[x]", "SPDX"),
        ("--runtime-version", "0.9", "allows"),
        ("--runtime-path", "nowhere", "not a crate's folder"),
    ] {
        let bad = scratch.0.join("bad");
        let run = scratch.dialtone(&[
            "generate",
            "--spec",
            "api/petstore.yaml",
            "--out",
            "bad",
            flag,
            value,
        ]);
        assert_eq!(code(&run), 1, "{flag} {value}");
        let stderr = text(&run.stderr);
        assert!(stderr.contains(expected), "{flag} {value}: {stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(!bad.exists(), "{flag} {value}");
    }
}

#[test]
fn check_names_each_file_that_drifted() {
    let scratch = Scratch::new("check");
    let args = |command: &'static str| {
        vec![
            command,
            "--spec",
            "api/petstore.yaml",
            "--out",
            "petstore",
            "--license",
            "MIT",
        ]
    };
    // Nothing generated yet: every file is missing.
    let run = scratch.dialtone(&args("check"));
    assert_eq!(code(&run), 3);
    assert!(text(&run.stderr).contains("missing  src/lib.rs"));
    assert_eq!(code(&scratch.dialtone(&args("generate"))), 0);
    let run = scratch.dialtone(&args("check"));
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("petstore matches api/petstore.yaml"));

    fs::write(scratch.0.join("petstore/src/types.rs"), "// edited\n").unwrap();
    let run = scratch.dialtone(&args("check"));
    assert_eq!(code(&run), 3);
    let stderr = text(&run.stderr);
    assert!(stderr.contains("differs  src/types.rs"), "{stderr}");
    assert!(!stderr.contains("Cargo.toml"), "{stderr}");
    // Other options than those it was generated with: Cargo.toml differs.
    let run = scratch.dialtone(&["check", "--spec", "api/petstore.yaml", "--out", "petstore"]);
    assert_eq!(code(&run), 3);
    assert!(text(&run.stderr).contains("differs  Cargo.toml"));
    // A spec that does not parse is an error, not drift.
    fs::write(scratch.0.join("api/broken.yaml"), "openapi: [").unwrap();
    let run = scratch.dialtone(&["check", "--spec", "api/broken.yaml", "--out", "petstore"]);
    assert_eq!(code(&run), 1);
    assert!(text(&run.stderr).contains("api/broken.yaml"));
}

#[test]
fn closed_output_stops_the_printing_not_the_command() {
    // `dialtone generate ... | head -0`: standard output and error are
    // pipes whose reading ends are closed before the command starts, so
    // every write fails with EPIPE. The command still does its work and
    // exits with its own code, not a panic's 101.
    let scratch = Scratch::new("closed-output");
    for (args, expected) in [
        (
            &[
                "generate",
                "--spec",
                "api/petstore.yaml",
                "--out",
                "petstore",
            ][..],
            0,
        ),
        (&["lint", "--spec", "api/petstore.yaml"][..], 3),
        (
            &["check", "--spec", "api/petstore.yaml", "--out", "petstore"][..],
            0,
        ),
    ] {
        let (out_reader, out_writer) = std::io::pipe().unwrap();
        let (err_reader, err_writer) = std::io::pipe().unwrap();
        drop((out_reader, err_reader));
        let status = Command::new(env!("CARGO_BIN_EXE_dialtone"))
            .args(args)
            .current_dir(&scratch.0)
            .stdin(Stdio::null())
            .stdout(out_writer)
            .stderr(err_writer)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(expected), "{args:?}");
    }
    assert!(scratch.0.join("petstore/src/lib.rs").is_file());
}

#[test]
fn lint_reports_findings_with_exit_3() {
    let scratch = Scratch::new("lint");
    let run = scratch.dialtone(&["lint", "--spec", "api/petstore.yaml"]);
    let stderr = text(&run.stderr);
    // The example's spec documents no operation description.
    assert_eq!(code(&run), 3, "{stderr}");
    assert!(
        stderr.contains("lint: api/petstore.yaml#/paths/"),
        "{stderr}"
    );
    let clean = repo_root().join("specs/kazoo.yaml");
    let run = scratch.dialtone(&["lint", "--spec", clean.to_str().unwrap()]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("kazoo.yaml: lint clean"));
}

#[test]
fn large_specs_report_each_phase() {
    let scratch = Scratch::new("progress");
    let spec = repo_root().join("tests/corpus/saas-large.yaml");
    assert!(fs::metadata(&spec).unwrap().len() >= dialtone_cli::LARGE_SPEC_BYTES);
    let run = scratch.dialtone(&[
        "generate",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        "large",
    ]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    for phase in [
        "[1/5] reading",
        "[2/5] parsing",
        "[3/5] lowering",
        "[4/5] rendering",
        "[5/5] writing",
    ] {
        assert!(stderr.contains(phase), "{phase}\n{stderr}");
    }
    let quiet = scratch.dialtone(&[
        "generate",
        "--spec",
        spec.to_str().unwrap(),
        "--out",
        "large",
        "--quiet",
    ]);
    assert_eq!(code(&quiet), 0);
    assert!(text(&quiet.stderr).is_empty(), "{}", text(&quiet.stderr));
    // A small spec prints none.
    let small = scratch.dialtone(&["generate", "--spec", "api/petstore.yaml", "--out", "small"]);
    assert!(text(&small.stderr).is_empty(), "{}", text(&small.stderr));
}

#[test]
fn mock_serves_the_spec_and_holds_requests_to_it() {
    let scratch = Scratch::new("mock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialtone"))
        .args([
            "mock",
            "--spec",
            "api/petstore.yaml",
            "--credential",
            "bearerAuth=t0ken",
        ])
        .current_dir(&scratch.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let result = std::panic::catch_unwind(|| {
        let base = first
            .strip_prefix("mock: http://")
            .unwrap_or_else(|| panic!("{first}"));
        let (addr, prefix) = base.split_once('/').map_or((base, ""), |(a, p)| (a, p));
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        let get = |path: &str, token: &str| -> String {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let prefix = if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            };
            write!(
                stream,
                "GET {prefix}{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut answer = String::new();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                let mut buf = [0u8; 4096];
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.push_str(&String::from_utf8_lossy(&buf[..n])),
                }
            }
            answer
        };
        let ok = get("/pets/rex1", "t0ken");
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("\"rex1\""), "{ok}");
        let refused = get("/pets/rex1", "wrong");
        assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
        let invalid = get("/pets/NOT-OK", "t0ken");
        assert!(invalid.starts_with("HTTP/1.1 400"), "{invalid}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        eprintln!("dialtone mock's stderr:\n{stderr}");
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn mock_refuses_a_spec_it_cannot_read() {
    let scratch = Scratch::new("mock-bad");
    fs::write(scratch.0.join("api/bad.yaml"), "swagger: '2.0'\n").unwrap();
    let run = scratch.dialtone(&["mock", "--spec", "api/bad.yaml"]);
    assert_eq!(code(&run), 1);
    assert!(
        text(&run.stderr).contains("api/bad.yaml"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn diff_reports_each_change_and_exits_4_on_breaking_when_asked() {
    let scratch = Scratch::new("diff");
    let old = scratch.spec();
    let spec = fs::read_to_string(&old).unwrap();
    let add = scratch.0.join("api/added.yaml");
    assert!(spec.contains("enum: [cat, dog, fish]"));
    fs::write(
        &add,
        spec.replace("enum: [cat, dog, fish]", "enum: [cat, dog, fish, bird]"),
    )
    .unwrap();
    let remove = scratch.0.join("api/removed.yaml");
    fs::write(
        &remove,
        spec.replace("enum: [cat, dog, fish]", "enum: [cat, dog]"),
    )
    .unwrap();
    let (old, add, remove) = (
        old.to_str().unwrap(),
        add.to_str().unwrap(),
        remove.to_str().unwrap(),
    );

    // Additive: exit 0 even with --deny-breaking; the Markdown says so.
    let out = scratch.dialtone(&["diff", old, add, "--name", "petstore", "--deny-breaking"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.contains("`dialtone-petstore`: additive"), "{md}");
    assert!(md.contains("enum-value-added"), "{md}");

    // Breaking: exit 0 without --deny-breaking, 4 with it.
    let out = scratch.dialtone(&[
        "diff", old, remove, "--name", "petstore", "--format", "json",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["impact"], "breaking");
    let change = &json["changes"][0];
    assert_eq!(change["kind"], "enum-value-removed");
    assert_eq!(
        change["rust_item"],
        "dialtone_petstore::types::Species::Fish"
    );
    assert!(change["pointer_old"].as_str().unwrap().ends_with("/enum"));
    let out = scratch.dialtone(&["diff", old, remove, "--name", "petstore", "--deny-breaking"]);
    assert_eq!(code(&out), 4);
    assert!(text(&out.stderr).contains("break users of dialtone-petstore"));

    // The same spec: nothing changed.
    let out = scratch.dialtone(&["diff", old, old, "--name", "petstore", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"impact": "none", "changes": []}));
}

/// A git repository laid out as the workspace: `specs/`, the crate's
/// Cargo.toml and its changelog, one commit.
fn workspace_repo(scratch: &Scratch, spec: &str) -> PathBuf {
    let root = scratch.0.join("ws");
    fs::create_dir_all(root.join("specs")).unwrap();
    fs::create_dir_all(root.join("crates/petstore")).unwrap();
    fs::write(root.join("specs/petstore.yaml"), spec).unwrap();
    fs::write(
        root.join("crates/petstore/Cargo.toml"),
        "[package]\nname = \"dialtone-petstore\"\nversion = \"0.3.0\"\n",
    )
    .unwrap();
    fs::write(
        root.join("specs/petstore.CHANGELOG.md"),
        "# Changelog\n\nIntro.\n\n## 0.3.0\n\n- Earlier.\n",
    )
    .unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    root
}

#[test]
fn the_changes_gate_asks_breaking_changes_for_a_bump_and_a_changelog_entry() {
    use dialtone_cli::{ChangesArgs, changes_workspace, exit};
    let scratch = Scratch::new("gate");
    let spec = fs::read_to_string(scratch.spec()).unwrap();
    let root = workspace_repo(&scratch, &spec);
    let gate = ChangesArgs {
        base: "HEAD".to_owned(),
        gate: true,
        ..ChangesArgs::default()
    };
    // Nothing changed: the gate passes.
    changes_workspace(&root, &gate).unwrap();
    // An additive change passes without a bump.
    fs::write(
        root.join("specs/petstore.yaml"),
        spec.replace("enum: [cat, dog, fish]", "enum: [cat, dog, fish, bird]"),
    )
    .unwrap();
    changes_workspace(&root, &gate).unwrap();
    // A breaking one fails until the version moves to 0.4.0...
    fs::write(
        root.join("specs/petstore.yaml"),
        spec.replace("enum: [cat, dog, fish]", "enum: [cat, dog]"),
    )
    .unwrap();
    let failure = changes_workspace(&root, &gate).unwrap_err();
    assert_eq!(failure.code, exit::BREAKING);
    assert!(
        failure.message.contains("need version 0.4.0"),
        "{}",
        failure.message
    );
    fs::write(
        root.join("crates/petstore/Cargo.toml"),
        "[package]\nname = \"dialtone-petstore\"\nversion = \"0.4.0\"\n",
    )
    .unwrap();
    // ...and the changelog has an entry for it, which --write-changelog drafts.
    let failure = changes_workspace(&root, &gate).unwrap_err();
    assert!(failure.message.contains("no entry"), "{}", failure.message);
    changes_workspace(
        &root,
        &ChangesArgs {
            base: "HEAD".to_owned(),
            write_changelog: true,
            ..ChangesArgs::default()
        },
    )
    .unwrap();
    let changelog = fs::read_to_string(root.join("specs/petstore.CHANGELOG.md")).unwrap();
    assert!(
        changelog.starts_with("# Changelog\n\nIntro.\n\n## 0.4.0 (unreleased)\n\n- Breaking: "),
        "{changelog}"
    );
    assert!(changelog.contains("Species::Fish"), "{changelog}");
    assert!(changelog.contains("## 0.3.0"), "{changelog}");
    changes_workspace(&root, &gate).unwrap();
    // A base that is not a commit is an error, not a pass.
    let failure = changes_workspace(
        &root,
        &ChangesArgs {
            base: "no-such-rev".to_owned(),
            gate: true,
            ..ChangesArgs::default()
        },
    )
    .unwrap_err();
    assert_eq!(failure.code, exit::ERROR);
}

#[test]
fn a_pagination_overlay_pages_an_operation_of_a_spec_left_as_it_is() {
    let scratch = Scratch::new("overlay");
    let before = fs::read_to_string(scratch.spec()).unwrap();
    fs::write(
        scratch.0.join("paging.yaml"),
        "# listPets follows Link headers; the spec does not say so\nlistPets: {style: link-header}\n",
    )
    .unwrap();
    let run = scratch.dialtone(&[
        "generate",
        "--spec",
        "api/petstore.yaml",
        "--out",
        "pets",
        "--pagination",
        "paging.yaml",
    ]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let operations = fs::read_to_string(scratch.0.join("pets/src/operations.rs")).unwrap();
    let list = operations
        .split("impl ListPets {")
        .nth(1)
        .and_then(|rest| rest.split("\nimpl ").next())
        .expect("ListPets has an impl");
    assert!(list.contains("pub fn into_stream("), "{list}");
    assert!(list.contains("send_json_paged"), "{list}");
    assert_eq!(fs::read_to_string(scratch.spec()).unwrap(), before);
    // check with the same overlay finds nothing; without it, the drift.
    let same = scratch.dialtone(&[
        "check",
        "--spec",
        "api/petstore.yaml",
        "--out",
        "pets",
        "--pagination",
        "paging.yaml",
    ]);
    assert_eq!(code(&same), 0, "{}", text(&same.stderr));
    let without = scratch.dialtone(&["check", "--spec", "api/petstore.yaml", "--out", "pets"]);
    assert_ne!(code(&without), 0);

    // A bad overlay is an error in the overlay, and nothing is written.
    for (overlay, pointer, expected) in [
        (
            "nope: false\n",
            "/nope",
            "the operationId of an operation of",
        ),
        (
            "listPets: {style: cursor, param: after, next: next, items: items}\n",
            "/listPets/param",
            "optional query parameter",
        ),
        ("- listPets\n", "", "a mapping of operationIds"),
    ] {
        fs::write(scratch.0.join("bad.yaml"), overlay).unwrap();
        let run = scratch.dialtone(&[
            "generate",
            "--spec",
            "api/petstore.yaml",
            "--out",
            "bad",
            "--pagination",
            "bad.yaml",
        ]);
        assert_eq!(code(&run), 1, "{overlay}");
        let stderr = text(&run.stderr);
        assert!(stderr.contains("bad.yaml"), "{overlay}: {stderr}");
        assert!(stderr.contains(pointer), "{overlay}: {stderr}");
        assert!(stderr.contains(expected), "{overlay}: {stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(!scratch.0.join("bad").exists(), "{overlay}");
    }
}
