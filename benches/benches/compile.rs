//! Compile cost of generated crates: what every user of a generated crate
//! pays. For each spec, the crate is generated (standalone, against this
//! checkout's runtime) and built twice over: once to build its
//! dependencies, then `cargo check` and `cargo build --release` of the
//! crate alone (its `src/lib.rs` touched before each run), R runs each,
//! medians reported with the crate's lines and the lines per operation.
//!
//! ```text
//! cargo bench -p dialtone-benches --bench compile [-- [SPECS] [--runs R]]
//! ```
//!
//! SPECS is a comma-separated list of spec paths relative to the workspace
//! (default: `tests/corpus/dropshot.yaml` (mid, 68 operations) and
//! `tests/corpus/saas-large.yaml` (large, 410 operations)); R defaults to
//! 3. The crates and their target directory live in
//! `target/compile-bench`, so dependencies are built once for every spec
//! and every run after the first. Every run is bounded: a build past 20
//! minutes stops the bench. A bench binary rather than criterion: a sample
//! is a child `cargo` process of seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialtone_benches::median;
use dialtone_codegen::Generator;

/// The most one build may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ lives one level below the root")
        .to_owned()
}

/// Runs `cargo ARGS` in `dir` (the bench's target directory), polling it
/// at most `BUILD_TIMEOUT / 50ms` times; how long it took.
fn cargo(dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO"))
        .args(args)
        .env(
            "CARGO_TARGET_DIR",
            root().join("target/compile-bench/target"),
        )
        .env_remove("RUSTFLAGS")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cargo runs");
    loop {
        if let Some(status) = child.try_wait().expect("cargo is waited for") {
            assert!(
                status.success(),
                "cargo {args:?} failed in {}",
                dir.display()
            );
            return started.elapsed();
        }
        if started.elapsed() > BUILD_TIMEOUT {
            let _ = child.kill();
            panic!(
                "cargo {args:?} ran past {BUILD_TIMEOUT:?} in {}",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Marks the crate's own source changed, so the next build rebuilds the
/// crate (and only it).
fn touch(dir: &Path) {
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read(&lib).expect("the crate has src/lib.rs");
    std::fs::write(&lib, text).expect("src/lib.rs is writable");
}

fn main() {
    let mut specs = vec![
        "tests/corpus/dropshot.yaml".to_owned(),
        "tests/corpus/saas-large.yaml".to_owned(),
    ];
    let mut runs = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(runs),
            "--bench" => {}
            other if !other.starts_with('-') => {
                specs = other.split(',').map(str::to_owned).collect();
            }
            _ => {}
        }
    }
    let runs = runs.clamp(1, 20);
    println!("spec | operations | lines | lines/op | check (median) | release (median)");
    for spec in &specs {
        let path = root().join(spec);
        let name = path
            .file_stem()
            .expect("a spec file")
            .to_string_lossy()
            .into_owned();
        let dir = root().join("target/compile-bench").join(&name);
        let generated = Generator::new(&path)
            .package_name(format!("bench-{name}"))
            .runtime_path(root().join("crates/runtime").to_string_lossy())
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(&dir);
        let mut lines = 0;
        for (rel, text) in &generated.files {
            let file = dir.join(rel);
            std::fs::create_dir_all(file.parent().expect("a file in a folder"))
                .expect("target/ is writable");
            std::fs::write(&file, text).expect("target/ is writable");
            if rel.starts_with("src/") {
                lines += text.lines().count();
            }
        }
        let operations = generated.api.operations.len();
        // Dependencies first (not measured).
        cargo(&dir, &["check", "--quiet", "--lib"]);
        cargo(&dir, &["build", "--quiet", "--release", "--lib"]);
        let mut check = Vec::new();
        let mut release = Vec::new();
        for _ in 0..runs {
            touch(&dir);
            check.push(cargo(&dir, &["check", "--quiet", "--lib"]));
            touch(&dir);
            release.push(cargo(&dir, &["build", "--quiet", "--release", "--lib"]));
        }
        println!(
            "{name} | {operations} | {lines} | {} | {:.2} s | {:.2} s",
            lines / operations.max(1),
            median(check).as_secs_f64(),
            median(release).as_secs_f64()
        );
    }
}
