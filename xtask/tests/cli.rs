//! `cargo xtask` as a maintainer runs it, on a scratch copy of the workspace.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A scratch workspace holding a copy of specs/kazoo.yaml, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dialtone-xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("specs")).unwrap();
        fs::copy(
            repo_root().join("specs/kazoo.yaml"),
            dir.join("specs/kazoo.yaml"),
        )
        .unwrap();
        Scratch(dir)
    }

    fn xtask(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("--root")
            .arg(&self.0)
            .args(args)
            .output()
            .unwrap()
    }

    /// Every file under crates/ with its bytes.
    fn crates(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.0.join("crates")];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.insert(path.clone(), fs::read(&path).unwrap());
                }
            }
        }
        out
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

#[test]
fn generate_writes_only_changes_and_check_names_drifted_files() {
    let scratch = Scratch::new("drift");
    let first = scratch.xtask(&["generate"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let summary = text(&first.stdout);
    assert!(summary.contains("kazoo: 9 operations,"), "{summary}");
    assert!(scratch.xtask(&["check"]).status.success());

    // Again: nothing changes.
    let again = scratch.xtask(&["generate"]);
    assert!(
        text(&again.stdout).contains("0 file(s) changed"),
        "{}",
        text(&again.stdout)
    );

    // Edit one description: check fails naming the file, generate fixes it.
    let spec = scratch.0.join("specs/kazoo.yaml");
    let edited = fs::read_to_string(&spec).unwrap().replace(
        "The music on hold parameters of a group.",
        "Music on hold settings.",
    );
    fs::write(&spec, edited).unwrap();
    let check = scratch.xtask(&["check"]);
    assert!(!check.status.success());
    let stderr = text(&check.stderr);
    assert!(
        stderr.contains("differs  crates/kazoo/src/types.rs"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("operations.rs"),
        "only the changed file is named: {stderr}"
    );
    let regenerate = scratch.xtask(&["generate"]);
    assert!(
        text(&regenerate.stdout).contains("1 file(s) changed"),
        "{}",
        text(&regenerate.stdout)
    );
    assert!(scratch.xtask(&["check"]).status.success());
}

#[test]
fn a_broken_spec_leaves_crates_untouched() {
    let scratch = Scratch::new("broken");
    assert!(scratch.xtask(&["generate"]).status.success());
    let before = scratch.crates();

    // One good spec changed, one broken spec added: nothing at all is written.
    let spec = scratch.0.join("specs/kazoo.yaml");
    let edited = fs::read_to_string(&spec)
        .unwrap()
        .replace("A friendly name for the group.", "Renamed.");
    fs::write(&spec, edited).unwrap();
    fs::write(
        scratch.0.join("specs/broken.yaml"),
        "openapi: 3.0.3\ninfo: {title: Broken, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Missing'\n",
    )
    .unwrap();
    let run = scratch.xtask(&["generate"]);
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains(
            "specs/broken.yaml#/paths/~1x/get/responses/200/content/application~1json/schema/$ref"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("dangling reference \"#/components/schemas/Missing\""),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(before, scratch.crates(), "crates/ must be byte-identical");
}

#[test]
fn standalone_crates_depend_on_the_runtime_by_version_or_by_a_relative_path() {
    let scratch = Scratch::new("standalone");
    let out = scratch.0.join("out");
    let run = scratch.xtask(&[
        "generate",
        "--spec",
        scratch.0.join("specs/kazoo.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--name",
        "pbx",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"dialtone-pbx\""), "{manifest}");
    assert!(
        manifest.contains(&format!(
            "dialtone-runtime = \"{}\"",
            dialtone_codegen::RUNTIME_VERSION
        )),
        "{manifest}"
    );
    assert!(manifest.contains("[workspace]"), "{manifest}");
    assert!(out.join("src/lib.rs").exists());

    // --runtime-path: written relative to the crate, with the version too.
    let runtime = scratch.0.join("vendored/runtime");
    fs::create_dir_all(&runtime).unwrap();
    fs::write(runtime.join("Cargo.toml"), "[package]\n").unwrap();
    let run = scratch.xtask(&[
        "generate",
        "--spec",
        scratch.0.join("specs/kazoo.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--name",
        "pbx",
        "--runtime-path",
        runtime.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!(
            "dialtone-runtime = {{ path = \"../vendored/runtime\", version = \"{}\" }}",
            dialtone_codegen::RUNTIME_VERSION
        )),
        "{manifest}"
    );
}

#[test]
fn skips_are_summarized_and_listed_and_strict_refuses_them() {
    let scratch = Scratch::new("skips");
    let spec = scratch.0.join("odd.yaml");
    fs::write(
        &spec,
        r#"openapi: 3.0.3
info: {title: Odd, version: '1'}
paths:
  /fine:
    get:
      operationId: fine
      responses:
        '200': {description: ok}
  /matrix/{id}:
    get:
      operationId: matrix
      parameters:
        - {name: id, in: path, required: true, style: matrix, schema: {type: string}}
      responses:
        '200': {description: ok}
"#,
    )
    .unwrap();
    let out = scratch.0.join("odd");
    let generate = |strict: bool| {
        let mut args = vec![
            "generate",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if strict {
            args.push("--strict");
        }
        scratch.xtask(&args)
    };
    // Strict: an error naming the pointer, and nothing written.
    let strict = generate(true);
    assert!(!strict.status.success());
    let stderr = text(&strict.stderr);
    assert!(
        stderr.contains("odd.yaml#/paths/~1matrix~1{id}/get/parameters/0"),
        "{stderr}"
    );
    assert!(!out.exists());
    // Lenient: the operation is left out, said so, and listed in SKIPPED.md.
    let lenient = generate(false);
    assert!(lenient.status.success(), "{}", text(&lenient.stderr));
    let stdout = text(&lenient.stdout);
    assert!(
        stdout.contains("1 operations generated, 1 skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("#/paths/~1matrix~1{id}/get"), "{stdout}");
    let skipped = fs::read_to_string(out.join("SKIPPED.md")).unwrap();
    assert!(skipped.contains("`#/paths/~1matrix~1{id}/get`: at /parameters/0: expected a path parameter of style `simple`"), "{skipped}");
    assert!(
        skipped.contains("a path parameter of style `simple`"),
        "{skipped}"
    );
}

#[test]
fn out_is_written_only_when_empty_missing_or_generated_before() {
    let scratch = Scratch::new("out");
    let spec = scratch.0.join("specs/kazoo.yaml");
    let generate = |out: &Path| {
        scratch.xtask(&[
            "generate",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--name",
            "pbx",
        ])
    };
    // A folder holding someone's own files is refused, and left as it was.
    let theirs = scratch.0.join("theirs");
    fs::create_dir_all(theirs.join("src")).unwrap();
    fs::write(theirs.join("src/lib.rs"), "// mine\n").unwrap();
    let run = generate(&theirs);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("Dialtone did not generate it"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(
        fs::read_to_string(theirs.join("src/lib.rs")).unwrap(),
        "// mine\n"
    );
    assert_eq!(fs::read_dir(&theirs).unwrap().count(), 1);
    // The spec's own folder is refused.
    let run = generate(&scratch.0.join("specs"));
    assert!(
        text(&run.stderr).contains("the spec's own folder"),
        "{}",
        text(&run.stderr)
    );

    // A generated folder is written again: a stale generated file listed
    // in the manifest is removed, other files are never looked at.
    let out = scratch.0.join("out");
    assert!(generate(&out).status.success());
    let manifest = fs::read_to_string(out.join(".dialtone-manifest")).unwrap();
    assert!(manifest.contains("\nsrc/lib.rs\n"), "{manifest}");
    fs::write(
        out.join("src/old.rs"),
        "// @generated by `cargo xtask generate`\n",
    )
    .unwrap();
    fs::write(
        out.join(".dialtone-manifest"),
        format!("{manifest}src/old.rs\n../../escape.rs\n"),
    )
    .unwrap();
    fs::write(
        out.join("notes.md"),
        "// @generated by `cargo xtask generate`\n",
    )
    .unwrap();
    // A staged file a killed run left behind.
    fs::write(out.join("src/lib.rs.dialtone-tmp"), "half").unwrap();
    let again = generate(&out);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("2 file(s) changed"),
        "{}",
        text(&again.stdout)
    );
    assert!(!out.join("src/old.rs").exists());
    assert!(
        out.join("notes.md").exists(),
        "not in the manifest: never removed"
    );
    assert!(!out.join("src/lib.rs.dialtone-tmp").exists());
}

#[cfg(unix)]
#[test]
fn a_second_generate_into_a_locked_folder_fails_clearly() {
    let scratch = Scratch::new("lock");
    let out = scratch.0.join("out");
    fs::create_dir_all(&out).unwrap();
    // What a first generate holds while it writes.
    let held = fs::File::open(&out).unwrap();
    held.try_lock().unwrap();
    let run = scratch.xtask(&[
        "generate",
        "--spec",
        scratch.0.join("specs/kazoo.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains(
            "another generate (`dialtone generate` or `cargo xtask generate`) is writing"
        ),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written, no temp file"
    );
    drop(held);
}
