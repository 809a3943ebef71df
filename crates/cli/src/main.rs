//! `dialtone`: typed async Rust clients from OpenAPI specs.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dialtone_cli::{EXIT_CODES, GenerateArgs, SpecArgs};

#[derive(Parser)]
#[command(
    name = "dialtone",
    version,
    about = "Generate typed async Rust clients from OpenAPI specs",
    long_about = "Generate typed async Rust clients from OpenAPI 3.0 and 3.1 specs (YAML or JSON), \
                  check generated crates for drift, lint specs, and serve a mock of any spec.\n\n\
                  Generated crates depend on the dialtone-runtime crate by version (or by path, \
                  with --runtime-path). What Dialtone cannot generate is skipped in the smallest \
                  unit and listed in the crate's SKIPPED.md (--strict refuses the spec instead).",
    after_help = EXIT_CODES,
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a client crate from a spec.
    #[command(after_long_help = GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
    /// Check that a generated crate is what its spec generates (give the
    /// options it was generated with); exit 3 naming each file that differs.
    #[command(after_long_help = CHECK_EXAMPLES)]
    Check(GenerateArgs),
    /// Lint a spec: operationIds, summaries, documented responses, valid
    /// examples, described models; exit 3 with the findings.
    #[command(after_long_help = LINT_EXAMPLES)]
    Lint(SpecArgs),
    /// What a spec change does to users of the generated crate: each
    /// change breaking, additive or docs only, with the suggested version.
    #[command(after_long_help = DIFF_EXAMPLES)]
    Diff(dialtone_cli::DiffArgs),
    /// Serve a mock of a spec on 127.0.0.1 that checks every request
    /// against it and answers from its examples and schemas.
    #[cfg(feature = "mock")]
    #[command(after_long_help = MOCK_EXAMPLES)]
    Mock(dialtone_cli::MockArgs),
}

const GENERATE_EXAMPLES: &str = "\
Examples:
  # A crate `dialtone-petstore` in ./petstore, depending on dialtone-runtime by version
  dialtone generate --spec petstore.yaml --out petstore

  # Your own package name and licence, refusing anything Dialtone cannot generate
  dialtone generate --spec api/openapi.json --out crates/acme-api \\
      --name acme --package-name acme-api --license 'MIT OR Apache-2.0' --strict

  # Against a checkout of Dialtone's runtime (written as a path relative to --out)
  dialtone generate --spec petstore.yaml --out petstore --runtime-path ../dialtone/crates/runtime

Large specs (256 KiB and more) report each phase on stderr (a progress bar on a terminal).";

const CHECK_EXAMPLES: &str = "\
Examples:
  # In CI: fail when crates/acme-api is not what api/openapi.json generates
  dialtone check --spec api/openapi.json --out crates/acme-api --name acme --package-name acme-api";

const DIFF_EXAMPLES: &str = "\
Examples:
  # A pull-request comment: the changes grouped by impact, then by operation
  dialtone diff old/petstore.yaml petstore.yaml

  # In CI: JSON, and exit 4 when a change breaks users of the crate
  dialtone diff old/petstore.yaml petstore.yaml --format json --deny-breaking";

const LINT_EXAMPLES: &str = "\
Examples:
  dialtone lint --spec petstore.yaml";

#[cfg(feature = "mock")]
const MOCK_EXAMPLES: &str = "\
Examples:
  # Any free port; the base URL is printed first
  dialtone mock --spec petstore.yaml

  # A fixed port, accepting only one bearer token for the scheme `bearerAuth`
  dialtone mock --spec petstore.yaml --port 18700 --credential bearerAuth=t0ken

Ask for a documented status with the header `x-dialtone-mock-status: 404`.";

/// Generation allocates a token and a tree node at a time (proc-macro2's
/// fallback tokens, syn's trees): mimalloc takes about a quarter off its
/// instructions and time against the system allocator (README,
/// *Benchmarks*).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dialtone_cli::no_huge_pages();
    let cli = Cli::parse();
    dialtone_cli::finish(match &cli.command {
        Command::Generate(args) => dialtone_cli::generate(args),
        Command::Check(args) => dialtone_cli::check(args),
        Command::Lint(args) => dialtone_cli::lint(args),
        Command::Diff(args) => dialtone_cli::diff(args),
        #[cfg(feature = "mock")]
        Command::Mock(args) => dialtone_cli::mock(args),
    })
}
