//! The library behind the `dialtone` command, and behind `cargo xtask` in
//! Dialtone's own workspace: generating a crate from a spec, checking a
//! generated crate for drift, linting a spec, serving a mock of it, and
//! the workspace's chores (every vendor at once). One implementation for
//! both commands.
//!
//! Its functions follow the command line: each takes the parsed
//! arguments, prints what the command prints, and returns `Err` with the
//! message and [`exit`] code of a failure. It is public so that the xtask
//! shares it; the stable interface is the `dialtone` command, and the
//! build-script API is `dialtone_codegen::Generator`.

/// `println!` that never panics: standard output closed early (`| head`)
/// stops the printing, not the command, whose exit code still tells.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `eprintln!` that never panics (see `say!`).
macro_rules! esay {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// `print!` that never panics (see `say!`).
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use dialtone_codegen::diff::{self, Impact, Report};
use dialtone_codegen::escape::visible;
use dialtone_codegen::workspace::{self, Change, PlanKind, PlannedCrate};
use dialtone_codegen::{Generator, Phase};

/// The exit codes of `dialtone` (and `cargo xtask`).
pub mod exit {
    /// Done: generated, no drift, no finding.
    pub const OK: u8 = 0;
    /// The spec or a file could not be used; the error says where.
    /// Nothing was written.
    pub const ERROR: u8 = 1;
    /// The command line was wrong (clap's usage error).
    pub const USAGE: u8 = 2;
    /// `check` found drift, or `lint` found something: the files or the
    /// spec need attention, the tool itself did its job.
    pub const FOUND: u8 = 3;
    /// `diff --deny-breaking` found a breaking change, or `xtask changes
    /// --gate` found one without the version bump or changelog entry the
    /// versioning policy requires.
    pub const BREAKING: u8 = 4;
    /// Interrupted (SIGINT, SIGTERM, SIGHUP) while writing: the staged
    /// files were removed (or, once renaming began, the renames finished).
    pub const INTERRUPTED: u8 = 130;
}

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    done (generated; no drift; no finding)
  1    the spec or a file could not be used (the error names the file and
       the JSON pointer); nothing was written
  2    usage error
  3    `check` found drift, or `lint` found something
  4    `diff --deny-breaking`: a change breaks users of the crate
       (`cargo xtask changes --gate`: without the bump and changelog entry)
  130  interrupted while writing; no half-written file is left";

/// Why a command failed: what to print, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One of [`exit`]'s codes.
    pub code: u8,
    /// What to print on stderr.
    pub message: String,
}

impl Failure {
    fn error(message: impl Into<String>) -> Self {
        Failure {
            code: exit::ERROR,
            message: message.into(),
        }
    }

    fn found(message: impl Into<String>) -> Self {
        Failure {
            code: exit::FOUND,
            message: message.into(),
        }
    }
}

/// A command's result.
pub type Outcome = Result<(), Failure>;

/// Keeps this process off transparent huge pages. The binaries allocate
/// with mimalloc, which asks for huge pages on its arenas: on Linux
/// (`madvise` mode, the common default) every touched 2 MiB region is
/// then resident whole, and generating a 193-operation spec peaked at
/// 52 MB instead of 25 MB for no measurable speed. Call it first in
/// `main`; elsewhere it does nothing.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a
    // flag on this process's memory; it touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Prints a failure's message on stderr and turns the outcome into the
/// process's exit code.
pub fn finish(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            esay!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Which spec, and how to read it.
#[derive(Args, Debug, Clone)]
pub struct SpecArgs {
    /// The OpenAPI spec: YAML or JSON, OpenAPI 3.0 or 3.1.
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// The API's short name: the package is `dialtone-NAME` (unless
    /// --package-name says otherwise) [default: the spec's file stem].
    #[arg(long)]
    pub name: Option<String>,
    /// Refuse the spec instead of skipping what Dialtone cannot generate.
    #[arg(long)]
    pub strict: bool,
    /// Let `$ref`s also read files under DIR (by default they read only
    /// inside the spec's own folder). May be repeated.
    #[arg(long, value_name = "DIR")]
    pub allow_refs_from: Vec<PathBuf>,
}

/// How to read the spec, and what the crate\'s Cargo.toml says.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct CrateOptions {
    /// The API's short name: the package is `dialtone-NAME` (unless
    /// --package-name says otherwise) [default: the spec's file stem].
    #[arg(long)]
    pub name: Option<String>,
    /// Refuse the spec instead of skipping what Dialtone cannot generate.
    #[arg(long)]
    pub strict: bool,
    /// Let `$ref`s also read files under DIR (by default they read only
    /// inside the spec's own folder). May be repeated.
    #[arg(long, value_name = "DIR")]
    pub allow_refs_from: Vec<PathBuf>,
    /// Paging for a spec you cannot edit: a YAML or JSON file mapping
    /// operationIds to `x-dialtone-pagination` values (`false`: does not
    /// page), each replacing what the spec says.
    #[arg(long, value_name = "FILE")]
    pub pagination: Option<PathBuf>,
    /// The crate's package name [default: dialtone-NAME].
    #[arg(long, value_name = "NAME")]
    pub package_name: Option<String>,
    /// The crate's version [default: the spec's `x-dialtone-crate`, else 0.1.0].
    #[arg(long, value_name = "VERSION")]
    pub crate_version: Option<String>,
    /// The crate's licence, an SPDX expression such as "MIT OR Apache-2.0"
    /// [default: the spec's `x-dialtone-crate`, else none].
    #[arg(long, value_name = "SPDX")]
    pub license: Option<String>,
    /// Depend on the dialtone-runtime crate in this folder (written
    /// relative to --out) instead of on a released version.
    #[arg(long, value_name = "PATH", visible_alias = "runtime")]
    pub runtime_path: Option<PathBuf>,
    /// Depend on released dialtone-runtime versions matching REQ
    /// [default: the version this generator writes code for].
    #[arg(long, value_name = "REQ", conflicts_with = "runtime_path")]
    pub runtime_version: Option<String>,
    /// Print no progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `dialtone generate` and `dialtone check`.
#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// The OpenAPI spec: YAML or JSON, OpenAPI 3.0 or 3.1.
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// The crate's folder: missing, empty, or generated by Dialtone before.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub options: CrateOptions,
}

/// `dialtone mock`.
#[cfg(feature = "mock")]
#[derive(Args, Debug, Clone)]
pub struct MockArgs {
    /// The OpenAPI spec: YAML or JSON, OpenAPI 3.0 or 3.1.
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Accept only this credential for security scheme SCHEME (HTTP Basic:
    /// `user:password`); schemes not named take any well-formed one. May
    /// be repeated.
    #[arg(long, value_name = "SCHEME=VALUE")]
    pub credential: Vec<String>,
    /// Let requests ask for faults (the `x-dialtone-fault` header).
    #[arg(long)]
    pub faults: bool,
    /// Refuse the spec instead of leaving out what is not valid OpenAPI.
    #[arg(long)]
    pub strict: bool,
    /// Let `$ref`s also read files under DIR. May be repeated.
    #[arg(long, value_name = "DIR")]
    pub allow_refs_from: Vec<PathBuf>,
}

/// Specs at least this large report their progress.
pub const LARGE_SPEC_BYTES: u64 = 256 << 10;

fn generator(
    spec: &Path,
    options: &CrateOptions,
    out: Option<&Path>,
) -> Result<Generator, Failure> {
    let mut generator = Generator::new(spec).strict(options.strict);
    if let Some(name) = &options.name {
        generator = generator.name(name);
    }
    for dir in &options.allow_refs_from {
        generator = generator.allow_refs_from(dir);
    }
    if let Some(overlay) = &options.pagination {
        generator = generator.pagination(overlay);
    }
    if let Some(name) = &options.package_name {
        generator = generator.package_name(name);
    }
    if let Some(version) = &options.crate_version {
        generator = generator.crate_version(version);
    }
    if let Some(license) = &options.license {
        generator = generator.license(license);
    }
    if let Some(req) = &options.runtime_version {
        generator = generator.runtime_version(req);
    }
    if let (Some(path), Some(out)) = (&options.runtime_path, out) {
        if !path.join("Cargo.toml").is_file() {
            return Err(Failure::error(format!(
                "error: --runtime-path {}: not a crate's folder (no Cargo.toml there)\nnothing was written.",
                visible(&path.display().to_string())
            )));
        }
        let relative = workspace::relative_path(out, path).map_err(|e| {
            Failure::error(format!(
                "error: --runtime-path {}: {e}\nnothing was written.",
                visible(&path.display().to_string())
            ))
        })?;
        generator = generator.runtime_path(relative);
    }
    Ok(generator)
}

fn spec_failure(e: &dialtone_codegen::Error, spec: &Path) -> Failure {
    Failure::error(format!(
        "error: {}\nnothing was written.",
        as_given(e, spec)
    ))
}

/// The error, naming the spec as the user gave it (generated files name
/// it by its file name when it was given by an absolute path; the
/// terminal may show the whole path).
fn as_given(e: &dialtone_codegen::Error, spec: &Path) -> dialtone_codegen::Error {
    let mut e = e.clone();
    if Path::new(&e.file).is_relative() && spec.is_absolute() && spec.ends_with(&e.file) {
        e.file = spec.display().to_string();
    }
    e
}

/// `dialtone generate`: a crate from a spec, written into `--out`.
pub fn generate(args: &GenerateArgs) -> Outcome {
    let started = Instant::now();
    let generator = generator(&args.spec, &args.options, Some(&args.out))?;
    let label = generator.spec_label();
    let vendor = generator
        .vendor()
        .map_err(|e| spec_failure(&e, &args.spec))?;
    let progress = Progress::new(&args.spec, args.options.quiet);
    let hook = progress.clone();
    let generated = generator
        .on_progress(move |phase| hook.phase(phase as usize, phase.label()))
        .generate()
        .map_err(|e| {
            progress.finish();
            spec_failure(&e, &args.spec)
        })?;
    progress.phase(Phase::ALL.len(), "writing");
    let planned = workspace::plan_generated(generated, &vendor, &args.out);
    let spec_dir = generator_dir(&args.spec);
    let work = apply(vec![planned], &[spec_dir]);
    progress.finish();
    let work = work?;
    let (planned, changes) = &work[0];
    say_raw!("{}", summary(planned, &label));
    say!(
        "{} file(s) changed -> {} ({:.1} s)",
        changes.len(),
        visible(&args.out.display().to_string()),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The spec's own folder (never written into).
fn generator_dir(spec: &Path) -> PathBuf {
    match spec.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// `dialtone check`: regenerates in memory with the same options and
/// names each file of `--out` that differs.
pub fn check(args: &GenerateArgs) -> Outcome {
    let generator = generator(&args.spec, &args.options, Some(&args.out))?;
    let label = generator.spec_label();
    let vendor = generator
        .vendor()
        .map_err(|e| spec_failure(&e, &args.spec))?;
    let generated = generator
        .generate()
        .map_err(|e| spec_failure(&e, &args.spec))?;
    let planned = workspace::plan_generated(generated, &vendor, &args.out);
    let changes = workspace::diff(&planned).map_err(|e| {
        Failure::error(format!(
            "error: reading {}: {e}",
            visible(&args.out.display().to_string())
        ))
    })?;
    let out = visible(&args.out.display().to_string()).into_owned();
    if changes.is_empty() {
        say!(
            "{out} matches {} ({} files)",
            visible(&label),
            planned.files.len()
        );
        return Ok(());
    }
    let mut message = format!(
        "error: {out} differs from what {} generates:\n",
        visible(&label)
    );
    for change in &changes {
        message.push_str(&format!("  {}\n", relative_change(&args.out, change)));
    }
    message.push_str("run `dialtone generate` with the same options and review the diff");
    Err(Failure::found(message))
}

/// `dialtone lint`: what Dialtone asks of a spec beyond valid OpenAPI.
pub fn lint(args: &SpecArgs) -> Outcome {
    let options = CrateOptions {
        name: args.name.clone(),
        strict: args.strict,
        allow_refs_from: args.allow_refs_from.clone(),
        ..CrateOptions::default()
    };
    let generator = generator(&args.spec, &options, None)?;
    let label = generator.spec_label();
    let findings = generator
        .lint()
        .map_err(|e| Failure::error(format!("error: {}", as_given(&e, &args.spec))))?;
    report_findings(&findings, &visible(&label))
}

fn report_findings(findings: &[dialtone_codegen::lint::Finding], what: &str) -> Outcome {
    if findings.is_empty() {
        say!("{what}: lint clean");
        return Ok(());
    }
    let mut message = String::new();
    for finding in findings {
        message.push_str(&format!("lint: {finding}\n"));
    }
    message.push_str(&format!("{} finding(s)", findings.len()));
    Err(Failure::found(message))
}

/// `dialtone mock`: parses and bundles the spec, checks that every answer
/// can be made, then serves it on 127.0.0.1 until Ctrl-C, printing each
/// request and each violation.
#[cfg(feature = "mock")]
pub fn mock(args: &MockArgs) -> Outcome {
    use dialtone_fakes::mock::{self, Mock, MockOptions};
    let mut generator = Generator::new(&args.spec).strict(args.strict);
    for dir in &args.allow_refs_from {
        generator = generator.allow_refs_from(dir);
    }
    let label = visible(&generator.spec_label()).into_owned();
    let doc = generator
        .bundle()
        .map_err(|e| Failure::error(format!("error: {}", as_given(&e, &args.spec))))?;
    let mut options = MockOptions::default().server(
        dialtone_fakes::Options::default()
            .log(true)
            .faults(args.faults),
    );
    for credential in &args.credential {
        let Some((scheme, value)) = credential.split_once('=') else {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "error: --credential {}: expected SCHEME=VALUE",
                    visible(credential)
                ),
            });
        };
        options = options.credential(scheme, value);
    }
    let errors = match Mock::new(doc.clone(), &options) {
        Ok(checked) => checked.check(),
        Err(e) => vec![e],
    };
    if !errors.is_empty() {
        let shown: Vec<String> = errors
            .iter()
            .map(|e| format!("error: {label}: {}", visible(&e.to_string())))
            .collect();
        return Err(Failure::error(shown.join("\n")));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("error: cannot start the mock: {e}")))?;
    runtime.block_on(async {
        let server = mock::serve(doc, args.port, options)
            .await
            .map_err(|e| Failure::error(format!("error: {e}")))?;
        say!("mock: {}", server.base_url());
        say!(
            "mock: every request is checked against {label}; violations are answered \
             400/401/404/405/415 and printed; `{}: <status>` asks for a documented status",
            mock::STATUS_HEADER
        );
        say!("Ctrl-C stops the mock.");
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        Ok(())
    })
}

/// `cargo xtask generate`: every spec of the workspace at `root` into
/// `crates/`, strictly, writing only what changed.
pub fn generate_workspace(root: &Path) -> Outcome {
    let started = Instant::now();
    let planned = plan_workspace(root)?;
    let work = apply(planned, &[root.join("specs")])?;
    for (planned, changes) in &work {
        let dir = relative(root, &planned.dir);
        match planned.kind {
            PlanKind::Crate => say!(
                "{}: {} operations, {} types, {} file(s) changed -> {dir}",
                planned.vendor,
                planned.operations,
                planned.types,
                changes.len(),
            ),
            PlanKind::SpecCopies => say!(
                "{}: {} spec copies, {} file(s) changed -> {dir}",
                planned.vendor,
                planned.files.len() - 1,
                changes.len(),
            ),
        }
        for change in changes {
            say!("  {}", relative_change(root, change));
        }
    }
    say!(
        "generated {} crate(s) in {:.0?}",
        work.iter()
            .filter(|(p, _)| p.kind == PlanKind::Crate)
            .count(),
        started.elapsed()
    );
    Ok(())
}

/// `cargo xtask check`: regenerates the workspace in memory and names
/// each file of `crates/` that differs.
pub fn check_workspace(root: &Path) -> Outcome {
    let planned = plan_workspace(root)?;
    let mut drift = Vec::new();
    for planned in &planned {
        let changes = workspace::diff(planned).map_err(|e| {
            Failure::error(format!("error: reading {}: {e}", planned.dir.display()))
        })?;
        drift.extend(changes);
    }
    if drift.is_empty() {
        say!("crates/ matches specs/ ({} folder(s))", planned.len());
        return Ok(());
    }
    let mut message = String::from("error: crates/ differs from what specs/ generates:\n");
    for change in &drift {
        message.push_str(&format!("  {}\n", relative_change(root, change)));
    }
    message.push_str("run `cargo xtask generate` and review the diff");
    Err(Failure::found(message))
}

/// `cargo xtask lint`: every spec of the workspace.
pub fn lint_workspace(root: &Path) -> Outcome {
    let findings = workspace::lint_workspace(root).map_err(|errors| {
        Failure::error(
            errors
                .iter()
                .map(|e| format!("error: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    report_findings(&findings, "specs/")
}

fn plan_workspace(root: &Path) -> Result<Vec<PlannedCrate>, Failure> {
    workspace::plan_workspace(root).map_err(|errors| {
        let mut message = String::new();
        for e in &errors {
            message.push_str(&format!("error: {e}\n"));
        }
        message.push_str(&format!(
            "{} spec(s) failed; nothing was written.",
            errors.len()
        ));
        Failure::error(message)
    })
}

/// Claims each crate's folder, compares it with the plan and writes the
/// changes. Until the folders are claimed nothing is on disk, so an
/// interrupt ends the process at once; from then on it is deferred: the
/// staged files are removed (or, once renaming began, the renames
/// finish) and the command fails with [`exit::INTERRUPTED`], leaving no
/// temporary file behind.
pub fn apply(
    planned: Vec<PlannedCrate>,
    protected: &[PathBuf],
) -> Result<Vec<(PlannedCrate, Vec<Change>)>, Failure> {
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
            Err(e) => {
                for id in hooks {
                    signal_hook::low_level::unregister(id);
                }
                return Err(Failure::error(format!(
                    "error: cannot handle interrupts: {e}"
                )));
            }
        }
    }
    let result = (|| -> Result<Vec<(PlannedCrate, Vec<Change>)>, Failure> {
        let mut claims = Vec::new();
        for planned in &planned {
            claims.push(
                workspace::claim(&planned.dir, protected)
                    .map_err(|e| Failure::error(format!("error: {e}\nnothing was written.")))?,
            );
        }
        let mut work = Vec::new();
        for planned in planned {
            let changes = workspace::diff(&planned).map_err(|e| {
                Failure::error(format!("error: reading {}: {e}", planned.dir.display()))
            })?;
            work.push((planned, changes));
        }
        let cancelled = || flag.load(Ordering::SeqCst);
        workspace::write_unless(&work, &cancelled).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                Failure::error("interrupted: nothing was written.")
            } else {
                Failure::error(format!("error: writing: {e}"))
            }
        })?;
        drop(claims);
        Ok(work)
    })();
    for id in hooks {
        signal_hook::low_level::unregister(id);
    }
    if flag.load(Ordering::SeqCst) {
        return Err(Failure {
            code: exit::INTERRUPTED,
            message: match result {
                Ok(_) => "interrupted after the files were written.".to_owned(),
                Err(failure) => failure.message,
            },
        });
    }
    result
}

/// What was generated and what was skipped, one line per skip.
pub fn summary(planned: &PlannedCrate, label: &str) -> String {
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
        (
            SkipUnit::Example,
            "invalid example(s) left out of the tests",
        ),
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

fn relative(root: &Path, path: &Path) -> String {
    visible(
        &path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string(),
    )
    .into_owned()
}

fn relative_change(root: &Path, change: &Change) -> String {
    let shown = relative(root, change.path());
    match change {
        Change::Added(_) => format!("missing  {shown}"),
        Change::Modified(_) => format!("differs  {shown}"),
        Change::Removed(_) => format!("stale    {shown}"),
    }
}

/// Progress on stderr, one step per phase (reading, parsing, lowering,
/// rendering, writing): a bar redrawn in place when stderr is a
/// terminal, else one line per phase, and only for specs of at least
/// [`LARGE_SPEC_BYTES`] (or never, when quiet).
#[derive(Clone)]
struct Progress {
    inner: Option<Arc<ProgressInner>>,
}

struct ProgressInner {
    bar: bool,
    started: Instant,
    state: Mutex<(usize, &'static str, bool)>,
    ticker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Reading, parsing, lowering, rendering, writing.
const STEPS: usize = Phase::ALL.len() + 1;

impl Progress {
    fn new(spec: &Path, quiet: bool) -> Progress {
        let large = std::fs::metadata(spec).is_ok_and(|m| m.len() >= LARGE_SPEC_BYTES);
        if quiet || !large {
            return Progress { inner: None };
        }
        let inner = Arc::new(ProgressInner {
            bar: std::io::stderr().is_terminal(),
            started: Instant::now(),
            state: Mutex::new((0, "starting", false)),
            ticker: Mutex::new(None),
        });
        if inner.bar {
            // Redraws the elapsed time while a phase runs; ends with the
            // progress (`finish`), checked every 100 ms.
            let ticking = Arc::clone(&inner);
            let handle = std::thread::Builder::new()
                .name("dialtone-progress".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_millis(100));
                        let state = *lock(&ticking.state);
                        if state.2 {
                            break;
                        }
                        ticking.draw(state.0, state.1);
                    }
                })
                .ok();
            *lock(&inner.ticker) = handle;
        }
        Progress { inner: Some(inner) }
    }

    /// Phase `index` (0-based) starts.
    fn phase(&self, index: usize, label: &'static str) {
        let Some(inner) = &self.inner else {
            return;
        };
        {
            let mut state = lock(&inner.state);
            if state.2 {
                return;
            }
            *state = (index, label, false);
        }
        if inner.bar {
            inner.draw(index, label);
        } else {
            esay!(
                "dialtone: [{}/{STEPS}] {label} ({:.2} s)",
                index + 1,
                inner.started.elapsed().as_secs_f64()
            );
        }
    }

    /// Ends the progress (clearing the bar).
    fn finish(&self) {
        let Some(inner) = &self.inner else {
            return;
        };
        lock(&inner.state).2 = true;
        if let Some(handle) = lock(&inner.ticker).take() {
            let _ = handle.join();
        }
        if inner.bar {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        }
    }
}

impl ProgressInner {
    fn draw(&self, index: usize, label: &str) {
        const WIDTH: usize = 24;
        let filled = WIDTH * index / STEPS;
        let bar: String = (0..WIDTH)
            .map(|i| match i.cmp(&filled) {
                std::cmp::Ordering::Less => '=',
                std::cmp::Ordering::Equal => '>',
                std::cmp::Ordering::Greater => ' ',
            })
            .collect();
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r\x1b[2K[{bar}] {}/{STEPS} {label} {:.1} s",
            index + 1,
            self.started.elapsed().as_secs_f64()
        );
        let _ = stderr.flush();
    }
}

/// A lock that a panic elsewhere cannot make unusable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How `diff` and `changes` print their report.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// For a pull request: grouped by impact, then by operation.
    #[default]
    Markdown,
    /// `{"impact", "changes": [{"impact", "kind", "operation",
    /// "pointer_old", "pointer_new", "rust_item", "message"}]}`.
    Json,
}

/// `dialtone diff`.
#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The spec before the change.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The spec after the change.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// The API's short name (the crate `dialtone-NAME`) [default: NEW's file stem].
    #[arg(long)]
    pub name: Option<String>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Exit 4 when a change is breaking.
    #[arg(long)]
    pub deny_breaking: bool,
    /// The crate's version before the change, for the suggested bump
    /// [default: OLD's `x-dialtone-crate.version`].
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
}

/// Lowers one side of a comparison.
fn lower_side(generator: Generator, what: &str) -> Result<dialtone_codegen::ir::Api, Failure> {
    generator
        .lower()
        .map_err(|e| Failure::error(format!("error: {what}: {e}")))
}

/// The `x-dialtone-crate.version` of a spec's text, if it says one.
fn spec_crate_version(text: &str) -> Option<semver::Version> {
    let doc: serde_json::Value = serde_norway::from_str(text).ok()?;
    let v = doc.get("x-dialtone-crate")?.get("version")?.as_str()?;
    semver::Version::parse(v).ok()
}

/// `dialtone diff OLD NEW`: what the change from OLD to NEW does to users
/// of the crate generated from it, as Markdown or JSON; with
/// `--deny-breaking`, exit [`exit::BREAKING`] when a change is breaking.
pub fn diff(args: &DiffArgs) -> Outcome {
    let name = match &args.name {
        Some(n) => n.clone(),
        None => Generator::new(&args.new)
            .vendor()
            .map_err(|e| Failure::error(format!("error: {e}")))?,
    };
    let old = lower_side(Generator::new(&args.old).name(&name), "OLD")?;
    let new = lower_side(Generator::new(&args.new).name(&name), "NEW")?;
    let version = match &args.version {
        Some(v) => Some(semver::Version::parse(v).map_err(|e| Failure {
            code: exit::USAGE,
            message: format!("error: --version {}: {e}", visible(v)),
        })?),
        None => std::fs::read_to_string(&args.old)
            .ok()
            .and_then(|t| spec_crate_version(&t)),
    };
    let report = dialtone_codegen::diff::diff(&old, &new);
    print_report(&report, version.as_ref(), args.format);
    if args.deny_breaking && report.impact() == Impact::Breaking {
        return Err(Failure {
            code: exit::BREAKING,
            message: format!(
                "error: {} change(s) break users of {} (--deny-breaking)",
                report
                    .changes
                    .iter()
                    .filter(|c| c.impact() == Impact::Breaking)
                    .count(),
                report.crate_name
            ),
        });
    }
    Ok(())
}

fn print_report(report: &Report, version: Option<&semver::Version>, format: ReportFormat) {
    let text = match format {
        ReportFormat::Markdown => diff::markdown(report, version),
        ReportFormat::Json => {
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default() + "\n"
        }
    };
    out(&text);
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// `cargo xtask changes`.
#[derive(Args, Debug, Clone, Default)]
pub struct ChangesArgs {
    /// The git revision to compare with [default: HEAD].
    #[arg(long, value_name = "GIT-REV", default_value = "HEAD")]
    pub base: String,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Fail (exit 4) when a spec changed in a breaking way and its crate's
    /// version lacks the bump the versioning policy requires, or its
    /// CHANGELOG has no entry for that version.
    #[arg(long)]
    pub gate: bool,
    /// Write a draft entry for each changed crate into its
    /// `specs/<vendor>.CHANGELOG.md` (unless it has one for the version).
    #[arg(long)]
    pub write_changelog: bool,
}

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output, Failure> {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| Failure::error(format!("error: running git: {e}")))
}

/// The `version` of a Cargo.toml's `[package]`.
fn package_version(toml: &str) -> Option<semver::Version> {
    let mut in_package = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(rest) = line.strip_prefix("version") {
            let v = rest
                .trim_start()
                .strip_prefix('=')?
                .trim()
                .trim_matches('"');
            return semver::Version::parse(v).ok();
        }
    }
    None
}

/// Whether a changelog has an entry (a `## VERSION` heading) for `version`.
fn changelog_has(changelog: &str, version: &semver::Version) -> bool {
    let v = version.to_string();
    changelog.lines().any(|l| {
        l.strip_prefix("## ")
            .is_some_and(|rest| rest.split_whitespace().next() == Some(v.as_str()))
    })
}

/// A draft changelog entry for `report` as `version`.
pub fn changelog_entry(report: &Report, version: &semver::Version) -> String {
    let mut out = format!("## {version} (unreleased)\n\n");
    for (level, title) in [(Impact::Breaking, "Breaking"), (Impact::Additive, "Added")] {
        for c in report.changes.iter().filter(|c| c.impact() == level) {
            let message = c.message.replace('\n', " ");
            out.push_str(&format!("- {title}: {message} (`{}`)\n", c.rust_item));
        }
    }
    let docs = report
        .changes
        .iter()
        .filter(|c| c.impact() == Impact::None)
        .count();
    if docs > 0 {
        out.push_str(&format!("- Documentation: {docs} change(s).\n"));
    }
    out.push('\n');
    out
}

/// Inserts `entry` before the first `## ` heading of a changelog.
fn insert_entry(changelog: &str, entry: &str) -> String {
    match changelog.find("\n## ") {
        Some(at) => format!("{}{}{}", &changelog[..=at], entry, &changelog[at + 1..]),
        None => format!("{}\n{entry}", changelog.trim_end()),
    }
}

/// `cargo xtask changes`: every spec under `specs/` that differs from
/// `--base`, compared through the IR, with the suggested version of its
/// crate; `--gate` enforces the versioning policy for breaking changes,
/// `--write-changelog` drafts the entries.
pub fn changes_workspace(root: &Path, args: &ChangesArgs) -> Outcome {
    let base = &args.base;
    let verify = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ],
    )?;
    if !verify.status.success() {
        return Err(Failure::error(format!(
            "error: --base {}: no such commit in this clone",
            visible(base)
        )));
    }
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .map_err(|e| Failure::error(format!("error: reading specs/: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .collect();
    specs.sort();
    let mut failures = Vec::new();
    let mut reports = Vec::new();
    for spec in &specs {
        let file = spec
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let vendor = spec
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let new_text = std::fs::read_to_string(spec)
            .map_err(|e| Failure::error(format!("error: reading specs/{file}: {e}")))?;
        let shown = git(root, &["show", &format!("{base}:specs/{file}")])?;
        if !shown.status.success() {
            eprintln!("specs/{file}: new since {base} (a new crate; nothing to compare)");
            continue;
        }
        let old_text = String::from_utf8_lossy(&shown.stdout).into_owned();
        if old_text == new_text {
            continue;
        }
        let dir = root.join("specs");
        let old = lower_side(
            Generator::from_text(format!("{base}:specs/{file}"), old_text)
                .refs_relative_to(&dir)
                .name(&vendor),
            &format!("{base}:specs/{file}"),
        )?;
        let new = lower_side(Generator::new(spec).name(&vendor), &format!("specs/{file}"))?;
        let report = diff::diff(&old, &new);
        let manifest = format!("crates/{vendor}/Cargo.toml");
        let old_version = git(root, &["show", &format!("{base}:{manifest}")])
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| package_version(&String::from_utf8_lossy(&o.stdout)));
        let new_version = std::fs::read_to_string(root.join(&manifest))
            .ok()
            .and_then(|t| package_version(&t));
        reports.push((vendor, report, old_version, new_version));
    }
    match args.format {
        ReportFormat::Markdown => {
            let mut text = format!("## Spec changes since `{}`\n\n", visible(base));
            if reports.is_empty() {
                text.push_str("No spec under `specs/` changed.\n");
            }
            for (_, report, old_version, _) in &reports {
                text.push_str(&diff::markdown(report, old_version.as_ref()));
                text.push('\n');
            }
            out(&text);
        }
        ReportFormat::Json => {
            // One report for the workspace: each `rust_item` names its crate.
            let all = Report {
                crate_name: String::new(),
                changes: reports
                    .iter()
                    .flat_map(|(_, r, _, _)| r.changes.iter().cloned())
                    .collect(),
            };
            out(&(serde_json::to_string_pretty(&all.to_json()).unwrap_or_default() + "\n"));
        }
    }
    for (vendor, report, old_version, new_version) in &reports {
        let impact = report.impact();
        let changelog_path = root.join(format!("specs/{vendor}.CHANGELOG.md"));
        let changelog = std::fs::read_to_string(&changelog_path).unwrap_or_default();
        let (Some(old_version), Some(new_version)) = (old_version, new_version) else {
            continue;
        };
        let required = diff::suggested_version(old_version, impact);
        if args.write_changelog && !report.changes.is_empty() {
            let version = if *new_version >= required {
                new_version.clone()
            } else {
                required.clone()
            };
            if changelog_has(&changelog, &version) {
                eprintln!(
                    "specs/{vendor}.CHANGELOG.md already has an entry for {version}: not written"
                );
            } else {
                let text = insert_entry(&changelog, &changelog_entry(report, &version));
                std::fs::write(&changelog_path, text).map_err(|e| {
                    Failure::error(format!("error: writing specs/{vendor}.CHANGELOG.md: {e}"))
                })?;
                eprintln!(
                    "specs/{vendor}.CHANGELOG.md: drafted an entry for {version}; edit it, and set x-dialtone-crate.version in specs/{vendor}.yaml to {version}"
                );
            }
        }
        if args.gate && impact == Impact::Breaking {
            if *new_version < required {
                failures.push(format!(
                    "dialtone-{vendor}: breaking changes need version {required} or later (x-dialtone-crate.version in specs/{vendor}.yaml), but it is {new_version}"
                ));
            } else {
                let changelog = std::fs::read_to_string(&changelog_path).unwrap_or_default();
                if !changelog_has(&changelog, new_version) {
                    failures.push(format!(
                        "dialtone-{vendor}: specs/{vendor}.CHANGELOG.md has no entry (`## {new_version}`) for its breaking changes (`cargo xtask changes --write-changelog` drafts one)"
                    ));
                }
            }
        }
    }
    if failures.is_empty() {
        if args.gate {
            eprintln!("gate: every breaking spec change has its version bump and changelog entry");
        }
        Ok(())
    } else {
        Err(Failure {
            code: exit::BREAKING,
            message: format!("error: {}", failures.join("\nerror: ")),
        })
    }
}
