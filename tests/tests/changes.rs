//! `tests/changes/`: pairs of small specs (`old.yaml`, `new.yaml`), each
//! with the impact `dialtone diff` must report and a kind of change it
//! must name (`expect`: `breaking field-removed`). Every pair is diffed
//! here through the IR, as `dialtone diff` does.
//!
//! Pairs with a `behaviour.rs` carry a behaviour proof: a test written
//! against the old crate that passes there and, against the new crate,
//! compiles and fails (a request refused, an answer decoded differently)
//! or passes (its header says which).
//!
//! Pairs with a `user.rs` carry a compile proof: a tiny program written
//! against the crate generated from `old.yaml`, whose header says whether
//! it compiles against the crate generated from `new.yaml`. Both crates
//! are generated into `target/changes/` (one crate per distinct spec) and
//! the program is `cargo check`ed against each, offline, in the target
//! directory `tests/corpus.rs` uses (the runtime is built once for both). A few proofs run in every `cargo test`; all of them
//! with `DIALTONE_CHANGES_ALL=1` (as `.ci/run` does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dialtone_codegen::Generator;
use dialtone_codegen::diff::{self, Impact};
use dialtone_tests::{CargoError, corpus_cargo};

/// Proofs that run in every `cargo test` (one breaking and one additive
/// per kind of item: struct, enum, method).
const ALWAYS: &[&str] = &[
    "request-required-field-added",
    "response-optional-field-added",
    "enum-value-added",
    "enum-value-removed",
    "operation-removed",
    "error-enum-shared",
];
/// Behaviour proofs that run in every `cargo test`.
const ALWAYS_BEHAVIOUR: &[&str] = &["request-field-max-length-lowered"];
/// The most one `cargo check` may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(900);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/changes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expect").is_file())
        .collect();
    cases.sort();
    cases
}

fn name(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

fn lower(spec: &Path) -> dialtone_codegen::ir::Api {
    Generator::new(spec)
        .name("widgets")
        .lower()
        .unwrap_or_else(|e| panic!("{}: {e}", spec.display()))
}

fn expected(case: &Path) -> (Impact, String) {
    let text = std::fs::read_to_string(case.join("expect")).unwrap();
    let mut words = text.split_whitespace();
    let impact = match words.next() {
        Some("breaking") => Impact::Breaking,
        Some("additive") => Impact::Additive,
        Some("none") => Impact::None,
        other => panic!("{}: bad expect {other:?}", case.display()),
    };
    (impact, words.next().unwrap_or("-").to_owned())
}

#[test]
fn every_pair_reports_its_expected_impact() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} pairs", cases.len());
    let mut kinds = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let (impact, kind) = expected(case);
        let report = diff::diff(
            &lower(&case.join("old.yaml")),
            &lower(&case.join("new.yaml")),
        );
        let got: Vec<&str> = report.changes.iter().map(|c| c.kind).collect();
        if report.impact() != impact {
            failures.push(format!(
                "{}: expected {impact}, got {} ({got:?})",
                name(case),
                report.impact()
            ));
        }
        if kind == "-" {
            if !report.changes.is_empty() {
                failures.push(format!("{}: expected no change, got {got:?}", name(case)));
            }
        } else if !got.contains(&kind.as_str()) {
            failures.push(format!("{}: expected a {kind}, got {got:?}", name(case)));
        }
        *kinds.entry(kind).or_insert(0) += 1;
        // Every change says where it is and what it touches.
        for c in &report.changes {
            assert!(
                c.pointer_old.is_some() || c.pointer_new.is_some(),
                "{}: {c:?}",
                name(case)
            );
            for p in [&c.pointer_old, &c.pointer_new].into_iter().flatten() {
                assert!(p.starts_with('/'), "{}: pointer {p}", name(case));
            }
            assert!(c.rust_item.starts_with("dialtone_widgets"), "{c:?}");
            assert!(!c.message.is_empty());
        }
        // The JSON has exactly the documented shape.
        let json = report.to_json();
        assert_eq!(json["impact"], report.impact().as_str());
        for c in json["changes"].as_array().unwrap() {
            let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                [
                    "impact",
                    "kind",
                    "operation",
                    "pointer_old",
                    "pointer_new",
                    "rust_item",
                    "message"
                ]
            );
        }
        // The Markdown groups by impact.
        let md = diff::markdown(&report, Some(&semver::Version::new(0, 3, 1)));
        if impact == Impact::Breaking {
            assert!(md.contains("#### Breaking"), "{md}");
            assert!(md.contains("**0.4.0**"), "{md}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(kinds.len() >= 55, "only {} kinds of change", kinds.len());
}

#[test]
fn version_bumps_follow_the_policy() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    assert_eq!(
        diff::suggested_version(&v("0.1.0"), Impact::Breaking),
        v("0.2.0")
    );
    assert_eq!(
        diff::suggested_version(&v("0.1.3"), Impact::Additive),
        v("0.1.4")
    );
    assert_eq!(
        diff::suggested_version(&v("0.1.3"), Impact::None),
        v("0.1.4")
    );
    assert_eq!(
        diff::suggested_version(&v("1.4.2"), Impact::Breaking),
        v("2.0.0")
    );
    assert_eq!(
        diff::suggested_version(&v("1.4.2"), Impact::Additive),
        v("1.5.0")
    );
    assert_eq!(
        diff::suggested_version(&v("1.4.2"), Impact::None),
        v("1.4.3")
    );
}

/// Whether the proof's program must compile against the new crate.
fn must_compile(user: &str) -> bool {
    let header = user.lines().next().unwrap_or_default();
    if header.contains("fails to compile") {
        false
    } else if header.contains("compiles") {
        true
    } else {
        panic!("user.rs must say what it proves: {header}")
    }
}

/// Generates the crate of `spec` (once per distinct text) and returns its
/// folder and package name.
/// The crate generated from `spec`, made once per test. `scope` names the
/// test: tests run in parallel, so each writes its crates into a folder of
/// its own (a shared one let one test overwrite the other's crates).
fn crate_of(
    spec: &Path,
    scope: &str,
    made: &mut BTreeMap<String, (PathBuf, String)>,
) -> (PathBuf, String) {
    let text = std::fs::read_to_string(spec).unwrap();
    // The comment line names the case; the rest is the spec.
    let body: String = text.lines().skip(1).collect::<Vec<_>>().join("\n");
    if let Some(found) = made.get(&body) {
        return found.clone();
    }
    let package = format!("widgets-{scope}-{}", made.len());
    let dir = root().join("target/changes/crates").join(&package);
    let generated = Generator::new(spec)
        .name("widgets")
        .package_name(&package)
        .runtime_path(root().join("crates/runtime").to_string_lossy())
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, text) in &generated.files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    made.insert(body, (dir.clone(), package.clone()));
    (dir, package)
}

/// A crate holding `user` as its lib, depending on the generated crate
/// as `widgets`.
fn user_crate(case: &str, side: &str, user: &str, dep: &(PathBuf, String)) -> PathBuf {
    let dir = root()
        .join("target/changes/users")
        .join(format!("{case}-{side}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"user-{case}-{side}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nwidgets = {{ package = \"{}\", path = {:?} }}\n\n[workspace]\n",
            dep.1,
            dep.0.to_string_lossy()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), user).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// `cargo check` in `dir`: `Ok` when it compiles, `Err(diagnostics)`
/// when it does not; a check past `CHECK_TIMEOUT` fails the test.
fn cargo_check(dir: &Path) -> Result<(), String> {
    cargo(
        dir,
        &["check", "--quiet", "--offline", "--message-format", "short"],
    )
}

/// Runs `cargo ARGS` in `dir` in the corpus test's target directory (the
/// runtime and its dependencies are built once for both); a run past
/// `CHECK_TIMEOUT` fails the test.
fn cargo(dir: &Path, args: &[&str]) -> Result<(), String> {
    match corpus_cargo(dir, args, CHECK_TIMEOUT) {
        Ok(_) => Ok(()),
        Err(CargoError::Failed(err)) => Err(err),
        Err(CargoError::TimedOut) => panic!(
            "cargo {args:?} in {} ran past {CHECK_TIMEOUT:?}",
            dir.display()
        ),
    }
}

#[test]
fn compile_proofs_agree_with_the_report() {
    let all = std::env::var_os("DIALTONE_CHANGES_ALL").is_some();
    let mut made = BTreeMap::new();
    let mut failures = Vec::new();
    let mut proved = 0;
    let started = Instant::now();
    for case in cases() {
        let case_name = name(&case);
        let Ok(user) = std::fs::read_to_string(case.join("user.rs")) else {
            continue;
        };
        if !all && !ALWAYS.contains(&case_name.as_str()) {
            continue;
        }
        let compiles = must_compile(&user);
        // The claim agrees with the report: a program that stops compiling
        // is a breaking change for Rust; an additive change keeps it.
        let report = diff::diff(
            &lower(&case.join("old.yaml")),
            &lower(&case.join("new.yaml")),
        );
        let rust = report.changes.iter().map(|c| c.rust).max();
        if compiles {
            assert_ne!(rust, Some(Impact::Breaking), "{case_name}: {report:#?}");
        } else {
            assert_eq!(rust, Some(Impact::Breaking), "{case_name}: {report:#?}");
        }
        let old = crate_of(&case.join("old.yaml"), "compile", &mut made);
        let new = crate_of(&case.join("new.yaml"), "compile", &mut made);
        let against_old = user_crate(&case_name, "old", &user, &old);
        let against_new = user_crate(&case_name, "new", &user, &new);
        if let Err(err) = cargo_check(&against_old) {
            failures.push(format!(
                "{case_name}: the program does not compile against the old crate:\n{err}"
            ));
            continue;
        }
        match (cargo_check(&against_new), compiles) {
            (Ok(()), true) | (Err(_), false) => proved += 1,
            (Ok(()), false) => failures.push(format!(
                "{case_name}: reported breaking, but the program still compiles against the new crate"
            )),
            (Err(err), true) => failures.push(format!(
                "{case_name}: reported additive, but the program no longer compiles:\n{err}"
            )),
        }
    }
    eprintln!(
        "{proved} compile proof(s) in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if all {
            ""
        } else {
            " (DIALTONE_CHANGES_ALL=1 runs every one)"
        }
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(proved >= if all { 25 } else { ALWAYS.len() });
}

/// A crate whose test is `behaviour`, depending on the generated crate as
/// `widgets`, on its runtime and on serde_json.
fn behaviour_crate(case: &str, side: &str, test: &str, dep: &(PathBuf, String)) -> PathBuf {
    let dir = root()
        .join("target/changes/behaviour")
        .join(format!("{case}-{side}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"behaviour-{case}-{side}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nwidgets = {{ package = \"{}\", path = {:?} }}\n\
             dialtone-runtime = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
            dep.1,
            dep.0.to_string_lossy(),
            root().join("crates/runtime").to_string_lossy()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("tests/behaviour.rs"), test).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

#[test]
fn behaviour_proofs_agree_with_the_report() {
    let all = std::env::var_os("DIALTONE_CHANGES_ALL").is_some();
    let mut made = BTreeMap::new();
    let mut failures = Vec::new();
    let mut proved = 0;
    for case in cases() {
        let case_name = name(&case);
        let Ok(test) = std::fs::read_to_string(case.join("behaviour.rs")) else {
            continue;
        };
        if !all && !ALWAYS_BEHAVIOUR.contains(&case_name.as_str()) {
            continue;
        }
        let header = test.lines().next().unwrap_or_default().to_owned();
        let same = if header.contains("passes against the new one") {
            true
        } else if header.contains("fails against the new one") {
            false
        } else {
            panic!("{case_name}: behaviour.rs must say what it proves: {header}")
        };
        // The claim agrees with the report's impact on the wire.
        let report = diff::diff(
            &lower(&case.join("old.yaml")),
            &lower(&case.join("new.yaml")),
        );
        let wire = report.changes.iter().map(|c| c.wire).max();
        assert_eq!(
            wire == Some(Impact::Breaking),
            !same,
            "{case_name}: {report:#?}"
        );
        let old = crate_of(&case.join("old.yaml"), "behaviour", &mut made);
        let new = crate_of(&case.join("new.yaml"), "behaviour", &mut made);
        let test_args = ["test", "--quiet", "--offline", "--test", "behaviour"];
        let build_args = [
            "test",
            "--quiet",
            "--offline",
            "--test",
            "behaviour",
            "--no-run",
        ];
        let against_old = behaviour_crate(&case_name, "old", &test, &old);
        if let Err(err) = cargo(&against_old, &test_args) {
            failures.push(format!(
                "{case_name}: the test fails against the old crate:\n{err}"
            ));
            continue;
        }
        let against_new = behaviour_crate(&case_name, "new", &test, &new);
        if let Err(err) = cargo(&against_new, &build_args) {
            failures.push(format!(
                "{case_name}: the test does not compile against the new crate (a behaviour proof must):\n{err}"
            ));
            continue;
        }
        match (cargo(&against_new, &test_args), same) {
            (Ok(()), true) | (Err(_), false) => proved += 1,
            (Ok(()), false) => failures.push(format!(
                "{case_name}: reported breaking on the wire, but the test still passes against the new crate"
            )),
            (Err(err), true) => failures.push(format!(
                "{case_name}: the test fails against the new crate:\n{err}"
            )),
        }
    }
    eprintln!("{proved} behaviour proof(s)");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(proved >= if all { 4 } else { ALWAYS_BEHAVIOUR.len() });
}
