//! Hooks: code of the integrator's that runs around every attempt of every
//! call — before it is sent (to add headers: a tenant id, a trace
//! context, a signature), after its response arrives, and before a retry —
//! while Dialtone keeps its deadline, retries, auth and redaction.
//!
//! Hooks see what is safe to see: the operation, method, path template,
//! attempt, status, header *names* of the request and the response headers
//! (no request header values, no bodies), and the error that a retry
//! follows, as its credential-free `Display` text.
//!
//! Why not `reqwest-middleware`: its middleware wraps `reqwest::Client`,
//! below Dialtone's call loop, so it cannot know the operation, the
//! attempt or the call's deadline, and its own retry middleware would
//! retry underneath Dialtone's (doubling attempts and waits past the
//! deadline); it would also change the client type every builder takes.
//! Three synchronous callbacks at the points where Dialtone already
//! decides cover what integrators ask of it (headers, observation) without
//! another dependency.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Callbacks around each attempt; every method has a default that does
/// nothing. Register with [`crate::ClientBuilder::hook`] (in order; each
/// sees the headers the earlier ones added).
pub trait Hooks: Send + Sync + fmt::Debug + 'static {
    /// The attempt is about to be sent (after auth, after rate limiting).
    fn before_send(&self, request: &mut Outgoing<'_>) {
        let _ = request;
    }

    /// The attempt got a response (any status).
    fn after_response(&self, response: &Incoming<'_>) {
        let _ = response;
    }

    /// The call is about to be retried after `retry.wait()`.
    fn on_retry(&self, retry: &Retry<'_>) {
        let _ = retry;
    }
}

/// The attempt a [`Hooks::before_send`] sees.
pub struct Outgoing<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) path_template: &'static str,
    pub(crate) attempt: u32,
    pub(crate) names: Vec<HeaderName>,
    pub(crate) added: &'a mut HeaderMap,
}

impl fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("operation", &self.operation)
            .field("method", self.method)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl Outgoing<'_> {
    /// The operationId.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The path as the spec writes it, e.g. `/accounts/{ACCOUNT_ID}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// 1 for the first attempt of the call.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The names of the headers the request already has (values are not
    /// shown: one may be the credential).
    pub fn header_names(&self) -> &[HeaderName] {
        &self.names
    }

    /// Adds or replaces a header. A value under a name that may hold a
    /// credential is marked sensitive and masked in errors.
    pub fn set_header(&mut self, name: HeaderName, mut value: HeaderValue) {
        if !crate::redact::header_shown(name.as_str()) {
            value.set_sensitive(true);
        }
        self.added.insert(name, value);
    }
}

/// The response a [`Hooks::after_response`] sees.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) status: u16,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) elapsed: Duration,
}

impl Incoming<'_> {
    /// The operationId.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Which attempt of the call it answers (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The vendor's request id, where it sends one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id
    }

    /// How long the attempt took, until the headers arrived.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// The retry a [`Hooks::on_retry`] sees.
#[derive(Debug)]
pub struct Retry<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) wait: Duration,
    pub(crate) status: Option<u16>,
    pub(crate) reason: &'a str,
}

impl Retry<'_> {
    /// The operationId.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The attempt that failed (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How long the call waits before the next attempt.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// The HTTP status of the failed attempt, if it got one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Why it failed: the error's `Display` (no credential in it).
    pub fn reason(&self) -> &str {
        self.reason
    }
}
