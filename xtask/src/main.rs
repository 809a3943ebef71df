//! Maintainer chores: `cargo xtask generate | check | lint | changes` over the
//! workspace's specs, and `cargo xtask generate --spec FILE --out DIR`,
//! which is `dialtone generate`. Both call the `dialtone-cli` library, so
//! there is one implementation.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dialtone_cli::{CrateOptions, EXIT_CODES, Failure, GenerateArgs, exit};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Dialtone's maintainer tasks", after_help = EXIT_CODES)]
struct Cli {
    /// The workspace to work on (default: this one).
    #[arg(long, global = true, hide = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
enum Command {
    /// Regenerate every crate from specs/ (strictly); with --spec and
    /// --out, generate one crate from any spec as `dialtone generate` does.
    Generate {
        /// A spec file anywhere (with --out): generate one crate from it.
        #[arg(long, value_name = "FILE", requires = "out")]
        spec: Option<PathBuf>,
        /// Where that crate goes.
        #[arg(long, value_name = "DIR", requires = "spec")]
        out: Option<PathBuf>,
        #[command(flatten)]
        options: CrateOptions,
    },
    /// Regenerate in memory and fail, naming each file, if crates/ differs.
    Check,
    /// Check every spec for what Dialtone requires beyond valid OpenAPI
    /// (operationIds, summaries, documented responses, valid examples,
    /// described models).
    Lint,
    /// Report what each spec changed since a git revision does to users
    /// of its crate (Markdown or JSON), suggest the version bump, and
    /// with --gate fail when a breaking change lacks it.
    Changes(dialtone_cli::ChangesArgs),
}

/// Generation allocates a token and a tree node at a time (proc-macro2's
/// fallback tokens, syn's trees): mimalloc takes about a quarter off its
/// instructions and time against the system allocator (README,
/// *Benchmarks*).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dialtone_cli::no_huge_pages();
    let cli = Cli::parse();
    let root = cli.root.clone().unwrap_or_else(workspace_root);
    dialtone_cli::finish(match &cli.command {
        Command::Generate {
            spec: Some(spec),
            out: Some(out),
            options,
        } => dialtone_cli::generate(&GenerateArgs {
            spec: spec.clone(),
            out: out.clone(),
            options: options.clone(),
        }),
        Command::Generate { options, .. } if *options != CrateOptions::default() => Err(Failure {
            code: exit::USAGE,
            message: "error: these options apply to one crate: give --spec and --out".to_owned(),
        }),
        Command::Generate { .. } => dialtone_cli::generate_workspace(&root),
        Command::Check => dialtone_cli::check_workspace(&root),
        Command::Lint => dialtone_cli::lint_workspace(&root),
        Command::Changes(args) => dialtone_cli::changes_workspace(&root, args),
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}
