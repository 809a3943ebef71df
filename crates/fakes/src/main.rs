//! The sandbox: `cargo run -p dialtone-fakes -- kazoo --port 8000` (or
//! `all`), or the spec-driven mock of any bundled OpenAPI 3.0 document:
//! `cargo run -p dialtone-fakes -- mock spec.json --port 8000`.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "dialtone-fakes",
    about = "Run Dialtone's fake vendor servers on 127.0.0.1"
)]
struct Cli {
    /// The vendor to fake, `all`, or `mock` (with a spec).
    vendor: String,
    /// With `mock`: the spec to serve, a JSON OpenAPI 3.0 document whose
    /// `$ref`s all point into `#/components`.
    spec: Option<PathBuf>,
    /// The port (with `all`, the first of consecutive ports; 0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Let requests ask for faults: the `x-dialtone-fault` header and
    /// `POST <base>/__dialtone/faults` (off: the header is ignored).
    #[arg(long)]
    faults: bool,
    /// Access tokens last this many seconds (default: the vendor's).
    #[arg(long, value_name = "SECS")]
    token_ttl: Option<u64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.vendor == "mock" {
        return mock(&cli).await;
    }
    if cli.spec.is_some() {
        eprintln!("error: a spec is only read by `mock`");
        return std::process::ExitCode::FAILURE;
    }
    let vendors: Vec<&str> = if cli.vendor == "all" {
        dialtone_fakes::VENDORS.to_vec()
    } else {
        vec![cli.vendor.as_str()]
    };
    let mut options = dialtone_fakes::Options::default()
        .log(true)
        .faults(cli.faults);
    if let Some(secs) = cli.token_ttl {
        options = options.token_ttl(std::time::Duration::from_secs(secs));
    }
    let mut running = Vec::new();
    for (i, vendor) in vendors.iter().enumerate() {
        let port = match (cli.port, u16::try_from(i)) {
            (0, _) => 0,
            (first, Ok(i)) if first.checked_add(i).is_some() => first + i,
            _ => {
                eprintln!("error: {vendor}: no port after {}", cli.port);
                return std::process::ExitCode::FAILURE;
            }
        };
        match dialtone_fakes::start_with(vendor, port, options.clone()).await {
            Ok(fake) => {
                println!("{vendor}: {}", fake.base_url());
                running.push(fake);
            }
            Err(err) => {
                eprintln!("error: {vendor}: {err}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    print_credentials();
    if cli.faults {
        println!(
            "faults: on — an x-dialtone-fault header (e.g. 503, 429:5, slow:500, truncated, huge:<bytes> up to {}) \
             or POST <base>/__dialtone/faults {{\"fault\": \"503\", \"count\": 2}}",
            dialtone_fakes::MAX_HUGE_BYTES
        );
    }
    println!("Ctrl-C stops the fakes.");
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}

/// `mock spec.json`: checks the whole spec first (every schema compiles,
/// every documented answer can be made), then serves it until Ctrl-C,
/// printing each request and each violation.
async fn mock(cli: &Cli) -> std::process::ExitCode {
    use dialtone_fakes::mock::{self, Mock, MockOptions};
    let failure = std::process::ExitCode::FAILURE;
    let Some(path) = &cli.spec else {
        eprintln!("error: `mock` needs a spec: dialtone-fakes mock SPEC.json [--port N]");
        return failure;
    };
    let doc: serde_json::Value = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return failure;
        }
    };
    let options = MockOptions::default().server(
        dialtone_fakes::Options::default()
            .log(true)
            .faults(cli.faults),
    );
    let errors = match Mock::new(doc.clone(), &options) {
        Ok(checked) => checked.check(),
        Err(e) => vec![e],
    };
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {}: {e}", path.display());
        }
        return failure;
    }
    match mock::serve(doc, cli.port, options).await {
        Ok(server) => {
            println!("mock: {}", server.base_url());
            println!(
                "mock: every request is checked against {}; violations are answered 400/401/404/405/415 \
                 and printed; `{}: <status>` asks for a documented status",
                path.display(),
                mock::STATUS_HEADER
            );
            println!("Ctrl-C stops the mock.");
            let _ = tokio::signal::ctrl_c().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            failure
        }
    }
}

fn print_credentials() {
    use dialtone_fakes::{kazoo, ringcentral, webex, yeastar};
    println!(
        "kazoo: account {} — X-Auth-Token {} (never expires), or api_key_login with API key {}",
        kazoo::ACCOUNT_ID,
        kazoo::SANDBOX_TOKEN,
        kazoo::API_KEY
    );
    println!(
        "ringcentral: bearer token {} (never expires), or OAuth: client {} / {}, password grant {} / {}, authorization code flow with redirect URI {}",
        ringcentral::SANDBOX_TOKEN,
        ringcentral::CLIENT_ID,
        ringcentral::CLIENT_SECRET,
        ringcentral::USERNAME,
        ringcentral::PASSWORD,
        ringcentral::REDIRECT_URI
    );
    println!(
        "webex: bearer token {} — person {} (org {}), or OAuth: integration {} / {}, redirect URI {}",
        webex::SANDBOX_TOKEN,
        webex::PERSON_ID,
        webex::ORG_ID,
        webex::CLIENT_ID,
        webex::CLIENT_SECRET,
        webex::REDIRECT_URI
    );
    println!(
        "yeastar: access_token {} (never expires), or login with client id {} and secret {}",
        yeastar::SANDBOX_TOKEN,
        yeastar::CLIENT_ID,
        yeastar::CLIENT_SECRET
    );
}
