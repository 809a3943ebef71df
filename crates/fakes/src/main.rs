//! The sandbox: `cargo run -p dialtone-fakes -- kazoo --port 8000` (or `all`).

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "dialtone-fakes",
    about = "Run Dialtone's fake vendor servers on 127.0.0.1"
)]
struct Cli {
    /// The vendor to fake, or `all`.
    vendor: String,
    /// The port (with `all`, the first of consecutive ports; 0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let vendors: Vec<&str> = if cli.vendor == "all" {
        dialtone_fakes::VENDORS.to_vec()
    } else {
        vec![cli.vendor.as_str()]
    };
    let mut running = Vec::new();
    for (i, vendor) in vendors.iter().enumerate() {
        let port = if cli.port == 0 {
            0
        } else {
            cli.port + i as u16
        };
        match dialtone_fakes::start(vendor, port, true).await {
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
    println!("Ctrl-C stops the fakes.");
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
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
        "ringcentral: bearer token {} (never expires), or OAuth: client {} / {}, password grant {} / {}",
        ringcentral::SANDBOX_TOKEN,
        ringcentral::CLIENT_ID,
        ringcentral::CLIENT_SECRET,
        ringcentral::USERNAME,
        ringcentral::PASSWORD
    );
    println!(
        "webex: bearer token {} — person {} (org {})",
        webex::SANDBOX_TOKEN,
        webex::PERSON_ID,
        webex::ORG_ID
    );
    println!(
        "yeastar: access_token {} (never expires), or login with client id {} and secret {}",
        yeastar::SANDBOX_TOKEN,
        yeastar::CLIENT_ID,
        yeastar::CLIENT_SECRET
    );
}
