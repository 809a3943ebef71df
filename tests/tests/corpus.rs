//! The corpus (tests/corpus/*.yaml, specs written in the styles of real
//! APIs): each generates a standalone crate, leniently, that `cargo check`
//! accepts, with under 1% of its operations skipped, each skip listed with
//! a reason. Prints per spec: operations, types, skipped, generation and
//! check time.
//!
//! The check runs offline against the workspace's Cargo.lock in its own
//! target directory (`target/corpus`), bounded by a timeout. Specs named in
//! `SLOW` run only with `DIALTONE_CORPUS_ALL=1` (as `.ci/run` does).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dialtone_codegen::ir::SkipUnit;
use dialtone_codegen::{CrateMode, Runtime, Standalone, generate_with};
use dialtone_tests::{CargoError, corpus_cargo};

/// Too slow to check in every `cargo test`; `.ci/run` checks them.
const SLOW: &[&str] = &["saas-large"];
/// The most one `cargo check` may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(900);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn corpus() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    specs
}

/// Runs `cargo check` in `dir`, killing it after `CHECK_TIMEOUT`.
fn cargo_check(dir: &Path) -> Result<Duration, String> {
    match corpus_cargo(
        dir,
        &["check", "--quiet", "--offline", "--all-targets"],
        CHECK_TIMEOUT,
    ) {
        Ok((_, took)) => Ok(took),
        Err(CargoError::Failed(err)) => Err(err.lines().take(40).collect::<Vec<_>>().join("\n")),
        Err(CargoError::TimedOut) => Err(format!("cargo check ran past {CHECK_TIMEOUT:?}")),
    }
}

#[test]
fn every_corpus_spec_generates_a_crate_that_compiles() {
    let all = std::env::var_os("DIALTONE_CORPUS_ALL").is_some();
    let runtime = root().join("crates/runtime");
    let mode = CrateMode::Standalone(Standalone {
        runtime: Runtime::Path(runtime.to_string_lossy().into_owned()),
        ..Standalone::default()
    });
    let out_root = root().join("target/corpus/crates");
    let mut failures = Vec::new();
    for spec in corpus() {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        if SLOW.contains(&name.as_str()) && !all {
            eprintln!("{name}: skipped here (DIALTONE_CORPUS_ALL=1 checks it; .ci/run does)");
            continue;
        }
        let text = std::fs::read_to_string(&spec).unwrap();
        let label = format!("tests/corpus/{name}.yaml");
        let started = Instant::now();
        let generated = generate_with(&label, &text, &name, &mode, false, spec.parent())
            .unwrap_or_else(|e| panic!("{e}"));
        let generation = started.elapsed();
        let api = &generated.api;
        let skipped_ops = api
            .skipped
            .iter()
            .filter(|s| s.unit == SkipUnit::Operation)
            .count();
        let total = api.operations.len() + skipped_ops;
        // Under 1% of the operations skipped, each with its pointer and reason.
        assert!(
            skipped_ops * 100 < total.max(1),
            "{name}: {skipped_ops} of {total} operations skipped"
        );
        for s in &api.skipped {
            assert!(s.pointer.starts_with('/') && !s.reason.is_empty(), "{s:?}");
        }
        assert_eq!(
            generated.files.contains_key("SKIPPED.md"),
            !api.skipped.is_empty()
        );
        let dir = out_root.join(&name);
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in &generated.files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        match cargo_check(&dir) {
            Ok(check) => eprintln!(
                "{name}: {} operations, {} types, {skipped_ops} operations skipped ({} other entries in SKIPPED.md); generated in {:.0} ms, checked in {:.1} s",
                api.operations.len(),
                api.types.len(),
                api.skipped.len() - skipped_ops,
                generation.as_secs_f64() * 1000.0,
                check.as_secs_f64()
            ),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
