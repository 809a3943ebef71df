//! Maintainer chores: `cargo xtask generate | check | lint`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use dialtone_codegen::escape::visible;
use dialtone_codegen::workspace::{self, Change, PlannedCrate};
use dialtone_codegen::{CrateMode, SpecSource};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Dialtone's maintainer tasks")]
struct Cli {
    /// The workspace to work on (default: this one).
    #[arg(long, global = true, hide = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every crate from specs/ (or one crate from --spec into --out).
    Generate {
        /// A spec file anywhere (with --out): generate a standalone crate from it.
        #[arg(long, requires = "out")]
        spec: Option<PathBuf>,
        /// Where the standalone crate goes.
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// The vendor name (crate `dialtone-<name>`); default: the spec's file stem.
        #[arg(long, requires = "spec")]
        name: Option<String>,
        /// The dialtone-runtime crate the standalone crate depends on
        /// (default: this workspace's crates/runtime).
        #[arg(long, requires = "spec")]
        runtime: Option<PathBuf>,
        /// Refuse the spec instead of skipping what Dialtone cannot
        /// generate (the workspace's own specs are always strict).
        #[arg(long, requires = "spec")]
        strict: bool,
        /// Let `$ref`s also read files under DIR (by default they read
        /// only inside the spec's own folder). May be repeated.
        #[arg(long, value_name = "DIR", requires = "spec")]
        allow_refs_from: Vec<PathBuf>,
    },
    /// Regenerate in memory and fail, naming each file, if crates/ differs.
    Check,
    /// Check every spec for what Dialtone requires beyond valid OpenAPI
    /// (operationIds, summaries, documented responses, valid examples,
    /// described models).
    Lint,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.clone().unwrap_or_else(workspace_root);
    let result = match cli.command {
        Command::Generate {
            spec: Some(spec),
            out: Some(out),
            name,
            runtime,
            strict,
            allow_refs_from,
        } => generate_one(&spec, &out, name, runtime, strict, allow_refs_from),
        Command::Generate { .. } => generate_all(&root),
        Command::Check => check(&root),
        Command::Lint => lint(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            if INTERRUPTED.load(Ordering::SeqCst) {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Set when an interrupt (or SIGTERM, SIGHUP) arrives while files are
/// being written.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Claims each crate's folder, compares it with the plan and writes the
/// changes. Until the folders are claimed nothing is on disk, so an
/// interrupt ends the process at once; from then on it is deferred: the
/// staged files are removed (or, once renaming began, the renames
/// finish) and the command fails with exit status 130, leaving no
/// temporary file behind.
fn apply(
    planned: Vec<PlannedCrate>,
    protected: &[PathBuf],
) -> Result<Vec<(PlannedCrate, Vec<Change>)>, String> {
    let flag = Arc::new(AtomicBool::new(false));
    let mut hooks = Vec::new();
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        #[cfg(unix)]
        signal_hook::consts::SIGHUP,
    ] {
        match signal_hook::flag::register(signal, Arc::clone(&flag)) {
            Ok(id) => hooks.push(id),
            Err(e) => return Err(format!("error: cannot handle interrupts: {e}")),
        }
    }
    let result = (|| {
        let mut claims = Vec::new();
        for crate_ in &planned {
            claims.push(
                workspace::claim(&crate_.dir, protected)
                    .map_err(|e| format!("error: {e}\nnothing was written."))?,
            );
        }
        let mut work = Vec::new();
        for crate_ in planned {
            let changes = workspace::diff(&crate_)
                .map_err(|e| format!("error: reading {}: {e}", crate_.dir.display()))?;
            work.push((crate_, changes));
        }
        let cancelled = || flag.load(Ordering::SeqCst);
        workspace::write_unless(&work, &cancelled).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                "interrupted: nothing was written.".to_owned()
            } else {
                format!("error: writing: {e}")
            }
        })?;
        drop(claims);
        Ok(work)
    })();
    for id in hooks {
        signal_hook::low_level::unregister(id);
    }
    if flag.load(Ordering::SeqCst) {
        INTERRUPTED.store(true, Ordering::SeqCst);
        return Err(match result {
            Ok(_) => "interrupted after the files were written.".to_owned(),
            Err(message) => message,
        });
    }
    result
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}

fn plan(root: &Path) -> Result<Vec<PlannedCrate>, String> {
    workspace::plan_workspace(root).map_err(|errors| {
        let mut message = String::new();
        for e in &errors {
            message.push_str(&format!("error: {e}\n"));
        }
        message.push_str(&format!(
            "{} spec(s) failed; nothing was written.",
            errors.len()
        ));
        message
    })
}

fn generate_all(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let planned = plan(root)?;
    let work = apply(planned, &[root.join("specs")])?;
    for (crate_, changes) in &work {
        println!(
            "{}: {} operations, {} types, {} file(s) changed -> {}",
            crate_.vendor,
            crate_.operations,
            crate_.types,
            changes.len(),
            relative(root, &crate_.dir)
        );
        for change in changes {
            println!("  {}", relative_change(root, change));
        }
    }
    println!(
        "generated {} crate(s) in {:.0?}",
        work.len(),
        started.elapsed()
    );
    Ok(())
}

fn generate_one(
    spec: &Path,
    out: &Path,
    name: Option<String>,
    runtime: Option<PathBuf>,
    strict: bool,
    allow_refs_from: Vec<PathBuf>,
) -> Result<(), String> {
    let vendor = match name {
        Some(n) => n,
        None => spec
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| {
                format!(
                    "error: cannot take a crate name from {}",
                    visible(&spec.display().to_string())
                )
            })?
            .to_owned(),
    };
    // The runtime of the workspace this xtask was built in, whatever --root says.
    let runtime = runtime.unwrap_or_else(|| workspace_root().join("crates").join("runtime"));
    let runtime =
        std::path::absolute(&runtime).map_err(|e| format!("error: {}: {e}", runtime.display()))?;
    let mode = CrateMode::Standalone {
        runtime_path: runtime.to_string_lossy().into_owned(),
    };
    let label = spec.display().to_string();
    let mut source = SpecSource::file(spec);
    for dir in allow_refs_from {
        source = source.allow(dir);
    }
    let planned = workspace::plan_source(&source, &label, out, &vendor, &mode, strict)
        .map_err(|e| format!("error: {e}\nnothing was written."))?;
    let spec_dir = source.dir.clone().unwrap_or_default();
    let work = apply(vec![planned], &[spec_dir])?;
    let (planned, changes) = &work[0];
    print!("{}", summary(planned, &label));
    println!("{} file(s) changed -> {}", changes.len(), out.display());
    Ok(())
}

/// What was generated and what was skipped, one line per skip.
fn summary(planned: &PlannedCrate, label: &str) -> String {
    use dialtone_codegen::ir::SkipUnit;
    let count = |unit: SkipUnit| planned.skipped.iter().filter(|s| s.unit == unit).count();
    let mut out = format!(
        "{}: {} operations generated, {} skipped; {} types",
        planned.vendor,
        planned.operations,
        count(SkipUnit::Operation),
        planned.types,
    );
    for (unit, what) in [
        (SkipUnit::Parameter, "parameter(s) left out"),
        (SkipUnit::Schema, "schema(s) decoded as serde_json::Value"),
        (SkipUnit::Ignored, "keyword(s) ignored"),
    ] {
        let n = count(unit);
        if n > 0 {
            out.push_str(&format!("; {n} {what}"));
        }
    }
    if !planned.skipped.is_empty() {
        out.push_str(" (listed in SKIPPED.md)");
    }
    out.push('\n');
    // Pointers and reasons carry spec text: control and bidi characters
    // are shown as escapes.
    for s in &planned.skipped {
        out.push_str(&format!(
            "  {:<15} {}#{}: {}\n",
            s.unit.label(),
            visible(label),
            visible(&s.pointer),
            visible(&s.reason)
        ));
    }
    out
}

fn check(root: &Path) -> Result<(), String> {
    let planned = plan(root)?;
    let mut drift = Vec::new();
    for crate_ in &planned {
        let changes = workspace::diff(crate_)
            .map_err(|e| format!("error: reading {}: {e}", crate_.dir.display()))?;
        drift.extend(changes);
    }
    if drift.is_empty() {
        println!("crates/ matches specs/ ({} crate(s))", planned.len());
        return Ok(());
    }
    let mut message = String::from("error: crates/ differs from what specs/ generates:\n");
    for change in &drift {
        message.push_str(&format!("  {}\n", relative_change(root, change)));
    }
    message.push_str("run `cargo xtask generate` and review the diff");
    Err(message)
}

fn lint(root: &Path) -> Result<(), String> {
    let findings = workspace::lint_workspace(root).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("error: {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    if findings.is_empty() {
        println!("specs/ lint clean");
        return Ok(());
    }
    let mut message = String::new();
    for finding in &findings {
        message.push_str(&format!("lint: {finding}\n"));
    }
    message.push_str(&format!("{} finding(s)", findings.len()));
    Err(message)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn relative_change(root: &Path, change: &Change) -> String {
    let shown = relative(root, change.path());
    match change {
        Change::Added(_) => format!("missing  {shown}"),
        Change::Modified(_) => format!("differs  {shown}"),
        Change::Removed(_) => format!("stale    {shown}"),
    }
}
