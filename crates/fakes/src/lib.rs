//! `dialtone-fakes`: stateful fake vendor servers on loopback, for tests
//! and as a sandbox (`cargo run -p dialtone-fakes -- kazoo --port 8000`).
//!
//! Each fake answers every operation of its vendor's spec the way the
//! vendor does: it validates each request against the same `specs/*.yaml`
//! the clients are generated from (with the `jsonschema` crate), answers
//! violations with the vendor's own error shape, keeps state, enforces the
//! vendor's auth with expiring, rotating and revocable tokens, checks its
//! own answers against the spec, and can inject faults ([`Fault`]).
//!
//! # Starting one
//!
//! [`start`] (`vendor`, port, log) or [`start_with`] and [`Options`]:
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::time::Duration;
//! use dialtone_fakes::Options;
//!
//! let fake = dialtone_fakes::start_with(
//!     "ringcentral",
//!     0,
//!     Options::default()
//!         .token_ttl(Duration::from_secs(2))
//!         .token_rate_limit(5, Duration::from_secs(60)),
//! )
//! .await?;
//! // ... drive a client against fake.base_url() ...
//! let tokens = fake.tokens();
//! assert_eq!(tokens.spent_refresh_replays, 0);
//! assert_eq!(fake.requests("createCallMonitoringGroup"), 1);
//! # Ok(()) }
//! ```
//!
//! # Tokens
//!
//! One token store ([`TokenStats`]) serves every vendor: access tokens that
//! expire after `Options::token_ttl` (default: the vendor's, Kazoo and
//! RingCentral 3600 s, Yeastar 1800 s, Webex 14 days); refresh tokens that
//! rotate (a refresh issues a new pair, the spent refresh token is refused
//! from then on, and the session's previous access token stops working;
//! Webex keeps the refresh token and replaces the access token); revoke
//! ends the whole session (RingCentral `revokeToken`, Yeastar `del_token`).
//!
//! RingCentral and Webex also run the authorization code flow: their
//! `authorize` operation signs the sandbox user in and consents at once,
//! redirecting (302) to the registered redirect URI
//! ([`ringcentral::REDIRECT_URI`], [`webex::REDIRECT_URI`]) with a code and
//! the `state`; the code works once, within a minute, for the same client
//! and redirect URI, and with the PKCE verifier of the challenge the
//! authorization sent (`S256` or `plain`). A code presented again is
//! refused and ends the session it started (RFC 6749 section 4.1.2).
//! RingCentral's token endpoint takes the app's Basic auth, its client
//! assertion ([`ringcentral::CLIENT_ASSERTION`]) or, for the authorization
//! code and refresh grants only, a public app's bare `client_id`; Webex's
//! takes the client id and secret in the form.
//! Yeastar allows at most 8 live access tokens per application, as its cloud
//! edition does. [`FakeServer::tokens`] counts what happened;
//! [`FakeServer::requests`] counts the requests that reached an operation's
//! handler (to assert that a request was, or was not, replayed).
//!
//! # Rate limits
//!
//! Off by default. `Options::token_rate_limit(n, window)` limits the token
//! endpoints (logins and refreshes), `Options::rate_limit(n, window)` every
//! other operation (per RingCentral throttling group; one bucket for the
//! other vendors): beyond `n` requests in any sliding `window`, the vendor's
//! 429 with `Retry-After` (seconds until a request would pass). RingCentral
//! answers also carry `X-Rate-Limit-Group/Limit/Remaining/Window`.
//!
//! # Faults
//!
//! From Rust, [`FakeServer::inject`] queues any fault. Over HTTP — an
//! `x-dialtone-fault: 503` request header, or `POST <base>/__dialtone/faults
//! {"fault": "503", "count": 2}` — only when the server was started with
//! `Options::faults(true)` (the sandbox's `--faults`); otherwise the header
//! is ignored and the endpoint answers the vendor's 404. Requests are held
//! to caps: `huge` at most [`MAX_HUGE_BYTES`] (streamed, never held in
//! memory), `slow` at most [`MAX_SLOW`], `429:<secs>` at most
//! [`MAX_RETRY_AFTER`], at most [`MAX_QUEUED_FAULTS`] queued; a fault
//! request beyond them gets the vendor's validation error.
//!
//! # A mock of any spec
//!
//! [`mock`] serves any bundled OpenAPI 3.0 document with the same server
//! and the same request checks ([`spec`], strict): every violation is
//! answered (400, 401, 404, 405, 415) and recorded
//! ([`mock::MockServer::violations`]), and valid requests get answers made
//! from the spec's examples or written from its schemas.
//!
//! # Hostile requests
//!
//! Every number and allocation a request drives is bounded: bodies at most
//! `Options::max_body_bytes` (the vendor's 413), heads at most 64 KiB
//! (HTTP's own 431), the head and the body each within
//! `Options::read_timeout` (slow clients are cut off; a slow body gets the
//! vendor's 408), at most `Options::max_connections` connections (the
//! vendor's 503 past it), JSON nested at most 128 deep, integers within
//! their spec `format`, page arithmetic checked. Bodies must come in a
//! content type the operation lists (the vendor's 415 otherwise), and
//! percent-encoding must be valid UTF-8. Handlers cannot panic; if one did,
//! the answer is the vendor's 500 and the state's locks recover.

pub mod kazoo;
mod limits;
pub mod mock;
mod paging;
pub mod ringcentral;
mod server;
pub mod spec;
mod sync;
mod tokens;
pub mod webex;
pub mod yeastar;

use std::io;
use std::sync::Arc;
use std::time::Duration;

pub use server::{
    FakeServer, Fault, Incoming, MAX_HUGE_BYTES, MAX_QUEUED_FAULTS, MAX_RETRY_AFTER, MAX_SLOW,
    Refusal, Reply, ReplyMedia, Target, Vendor,
};
pub use tokens::TokenStats;

/// The vendors that have a fake.
pub const VENDORS: &[&str] = &["kazoo", "ringcentral", "webex", "yeastar"];

/// How a fake server behaves beyond its vendor's defaults. Build it with
/// `Options::default()` and the setters, or set the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Print one line per request (and what was refused).
    pub log: bool,
    /// How long access tokens last; `None`: the vendor's default.
    pub token_ttl: Option<Duration>,
    /// At most this many requests to the token endpoints (logins,
    /// refreshes) in any such window; beyond, the vendor's 429.
    pub token_rate_limit: Option<(u32, Duration)>,
    /// The same for every other operation (per RingCentral throttling
    /// group).
    pub rate_limit: Option<(u32, Duration)>,
    /// Whether requests may ask for faults over HTTP (the `x-dialtone-fault`
    /// header, the `__dialtone/faults` endpoint). [`FakeServer::inject`]
    /// works either way.
    pub faults: bool,
    /// How long a client may take to send the request head, and then the
    /// body (default 10 s).
    pub read_timeout: Duration,
    /// The most connections served at once (default 128).
    pub max_connections: usize,
    /// The largest request body taken (default 1 MiB).
    pub max_body_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            log: false,
            token_ttl: None,
            token_rate_limit: None,
            rate_limit: None,
            faults: false,
            read_timeout: Duration::from_secs(10),
            max_connections: 128,
            max_body_bytes: 1 << 20,
        }
    }
}

impl Options {
    /// Sets [`Options::log`].
    pub fn log(mut self, log: bool) -> Self {
        self.log = log;
        self
    }

    /// Sets [`Options::token_ttl`].
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }

    /// Sets [`Options::token_rate_limit`]: `requests` per `window`.
    pub fn token_rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.token_rate_limit = Some((requests, window));
        self
    }

    /// Sets [`Options::rate_limit`]: `requests` per `window`.
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// Sets [`Options::faults`].
    pub fn faults(mut self, faults: bool) -> Self {
        self.faults = faults;
        self
    }

    /// Sets [`Options::read_timeout`].
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets [`Options::max_connections`].
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`Options::max_body_bytes`].
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Refuses options a server cannot run with.
    fn check(&self) -> io::Result<()> {
        let invalid =
            |what: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, what.to_owned()));
        let zero_window = [self.token_rate_limit, self.rate_limit]
            .iter()
            .flatten()
            .any(|(_, window)| window.is_zero());
        if zero_window {
            return invalid("a rate limit's window must be longer than zero");
        }
        if self.read_timeout.is_zero() || self.read_timeout > Duration::from_secs(3600) {
            return invalid("read_timeout must be between zero and an hour");
        }
        if self.max_connections == 0 || self.max_connections > 100_000 {
            return invalid("max_connections must be from 1 to 100000");
        }
        Ok(())
    }
}

/// Starts the fake of `vendor` on 127.0.0.1:`port` (0: any free port).
pub async fn start(vendor: &str, port: u16, log: bool) -> io::Result<FakeServer> {
    start_with(vendor, port, Options::default().log(log)).await
}

/// Starts the fake of `vendor` on 127.0.0.1:`port` (0: any free port) with
/// `options`.
pub async fn start_with(vendor: &str, port: u16, options: Options) -> io::Result<FakeServer> {
    let ttl = options.token_ttl;
    let fake: Arc<dyn Vendor> = match vendor {
        "kazoo" => Arc::new(kazoo::Kazoo::new(ttl.unwrap_or(kazoo::TOKEN_TTL))),
        "ringcentral" => Arc::new(ringcentral::RingCentral::new(
            ttl.unwrap_or(ringcentral::TOKEN_TTL),
        )),
        "webex" => Arc::new(webex::Webex::with_token_lifetime(
            ttl.unwrap_or(webex::TOKEN_TTL),
        )),
        "yeastar" => Arc::new(yeastar::Yeastar::new(ttl.unwrap_or(yeastar::TOKEN_TTL))),
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "no fake for {:?} (known: {})",
                    spec::clip(other, 64),
                    VENDORS.join(", ")
                ),
            ));
        }
    };
    FakeServer::start_with(fake, port, &options).await
}
