//! `dialtone-fakes`: stateful fake vendor servers on loopback, for tests
//! and as a sandbox (`cargo run -p dialtone-fakes -- kazoo --port 8000`).
//!
//! Each fake answers every operation of its vendor's spec the way the
//! vendor does: it validates each request against the same `specs/*.yaml`
//! the clients are generated from (with the `jsonschema` crate), answers
//! violations with the vendor's own error shape, keeps state, enforces the
//! vendor's auth, checks its own answers against the spec, and can inject
//! faults ([`Fault`]) on demand: from a test ([`FakeServer::inject`]), with
//! a `POST <base>/__dialtone/faults {"fault": "503", "count": 2}`, or with an
//! `x-dialtone-fault: 503` request header.

pub mod kazoo;
pub mod ringcentral;
mod server;
pub mod spec;
pub mod webex;
pub mod yeastar;

use std::sync::Arc;
use std::time::Duration;

pub use server::{FakeServer, Fault, Incoming, Reply, Vendor};

/// The vendors that have a fake.
pub const VENDORS: &[&str] = &["kazoo", "ringcentral", "webex", "yeastar"];

/// Starts the fake of `vendor` on 127.0.0.1:`port` (0: any free port).
pub async fn start(vendor: &str, port: u16, log: bool) -> std::io::Result<FakeServer> {
    let fake: Arc<dyn Vendor> = match vendor {
        "kazoo" => Arc::new(kazoo::Kazoo::new(Duration::from_secs(3600))),
        "ringcentral" => Arc::new(ringcentral::RingCentral::new(Duration::from_secs(3600))),
        "webex" => Arc::new(webex::Webex::new()),
        "yeastar" => Arc::new(yeastar::Yeastar::new(Duration::from_secs(1800))),
        other => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("no fake for {other:?} (known: {})", VENDORS.join(", ")),
            ));
        }
    };
    FakeServer::start(fake, port, log).await
}
