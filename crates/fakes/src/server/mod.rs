//! The part every fake shares, in three modules: `network` (the listener,
//! the connection limit, read timeouts, connections that faults can drop or
//! cut), `serve` (one request: match, decode, validate, rate-limit,
//! authorize, dispatch to the vendor's handler, check the answer) and
//! `faults` (what can be injected, its caps, and how it changes an answer).

mod body;
mod faults;
mod network;
mod serve;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hyper::HeaderMap;
use serde_json::Value;
use tokio::net::TcpListener;

pub use faults::{Fault, MAX_HUGE_BYTES, MAX_QUEUED_FAULTS, MAX_RETRY_AFTER, MAX_SLOW};

use crate::Options;
use crate::limits::{RateLimiter, RateStatus};
use crate::spec::{Problem, Spec};
use crate::tokens::TokenStats;

/// A request the vendor's state machine sees: already matched and valid.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The operationId.
    pub op: String,
    /// The operation's index in the spec's operations.
    pub operation: usize,
    /// The path as sent (percent-encoded).
    pub raw_path: String,
    /// Path parameters, decoded.
    pub path: BTreeMap<String, String>,
    /// Query parameters, typed by their schemas.
    pub query: BTreeMap<String, Value>,
    /// Every query parameter as sent (credentials included), decoded.
    pub raw_query: Vec<(String, String)>,
    /// Every cookie as sent, decoded.
    pub cookies: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body as JSON (form and multipart bodies become an object of
    /// their fields, text a string).
    pub body: Option<Value>,
}

impl Incoming {
    /// A path parameter.
    pub fn path(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or_default()
    }

    /// A string query parameter.
    pub fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }

    /// An integer query parameter.
    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(Value::as_i64)
    }

    /// A query parameter as sent, declared by the spec or not.
    pub fn raw_query(&self, name: &str) -> Option<&str> {
        self.raw_query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, or JSON `null`.
    pub fn body_or_null(&self) -> Value {
        self.body.clone().unwrap_or(Value::Null)
    }
}

/// The vendor's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body's media type when it is not `application/json`, and its
    /// bytes when it is not JSON at all.
    pub media: Option<Box<ReplyMedia>>,
}

/// The media type of a [`Reply`] that is not plain `application/json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyMedia {
    /// The `Content-Type`.
    pub content_type: String,
    /// A body that is not JSON (sent instead of [`Reply::body`]).
    pub bytes: Option<Vec<u8>>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            media: None,
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
            media: None,
        }
    }

    /// An answer of any media type.
    pub fn bytes(status: u16, content_type: &str, bytes: Vec<u8>) -> Self {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
            media: Some(Box::new(ReplyMedia {
                content_type: content_type.to_owned(),
                bytes: Some(bytes),
            })),
        }
    }

    /// Sets the `Content-Type` of a JSON body (`application/problem+json`).
    pub fn with_content_type(mut self, content_type: &str) -> Self {
        match &mut self.media {
            Some(media) => media.content_type = content_type.to_owned(),
            None => {
                self.media = Some(Box::new(ReplyMedia {
                    content_type: content_type.to_owned(),
                    bytes: None,
                }));
            }
        }
        self
    }

    /// The `Content-Type` set for the body, if not the default.
    pub fn content_type(&self) -> Option<&str> {
        self.media.as_ref().map(|m| m.content_type.as_str())
    }

    /// The body's bytes, when it is not JSON.
    pub fn raw_body(&self) -> Option<&[u8]> {
        self.media.as_ref().and_then(|m| m.bytes.as_deref())
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// A request the server refuses before (or instead of) the vendor's state
/// machine; each vendor answers it in its own error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No operation has this method and path.
    NotFound,
    /// Operations have this path, with other methods (only strict specs
    /// tell this apart from [`Refusal::NotFound`]).
    MethodNotAllowed {
        /// The methods the path has.
        allowed: Vec<String>,
    },
    /// The body is larger than the server takes.
    PayloadTooLarge {
        /// The largest body taken, in bytes.
        limit: usize,
    },
    /// The body's `Content-Type` is not one the operation takes.
    UnsupportedMediaType {
        /// The type sent (absent: none).
        found: Option<String>,
        /// The types the operation takes.
        expected: Vec<String>,
    },
    /// Too many requests: a rate limit, or an injected 429.
    TooManyRequests {
        /// Seconds to wait (the `Retry-After` header).
        retry_after: u64,
    },
    /// The server cannot answer now: too many connections, or an injected
    /// 503.
    Unavailable {
        /// Seconds to wait, if the answer says.
        retry_after: Option<u64>,
    },
    /// The body did not arrive within the read timeout.
    Timeout,
    /// The fake failed: a handler panicked, or its answer broke the spec.
    Internal {
        /// What went wrong (no request data in it).
        detail: String,
    },
}

impl Refusal {
    /// The HTTP status the vendors answer it with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::NotFound => 404,
            Refusal::MethodNotAllowed { .. } => 405,
            Refusal::PayloadTooLarge { .. } => 413,
            Refusal::UnsupportedMediaType { .. } => 415,
            Refusal::TooManyRequests { .. } => 429,
            Refusal::Unavailable { .. } => 503,
            Refusal::Timeout => 408,
            Refusal::Internal { .. } => 500,
        }
    }

    /// A sentence saying what happened.
    pub fn message(&self) -> String {
        match self {
            Refusal::NotFound => "The requested resource was not found.".into(),
            Refusal::MethodNotAllowed { allowed } => format!(
                "The method is not allowed here; the path takes {}.",
                allowed.join(", ")
            ),
            Refusal::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            Refusal::UnsupportedMediaType { found, expected } => format!(
                "Content-Type {} is not supported; expected {}.",
                found.as_deref().map_or("(none)".to_owned(), |f| format!(
                    "[{}]",
                    crate::spec::clip(f, 64)
                )),
                expected.join(" or ")
            ),
            Refusal::TooManyRequests { .. } => "Request rate exceeded.".into(),
            Refusal::Unavailable { .. } => "The service is temporarily unavailable.".into(),
            Refusal::Timeout => "The request was not received in time.".into(),
            Refusal::Internal { detail } => format!("Internal error: {detail}"),
        }
    }

    /// The `Retry-After` the answer carries, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Refusal::TooManyRequests { retry_after } => Some(*retry_after),
            Refusal::Unavailable { retry_after } => *retry_after,
            _ => None,
        }
    }
}

/// Where a refused request was sent: for a vendor that records refusals
/// (the mock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The method.
    pub method: String,
    /// The path as sent (percent-encoded, at most 200 characters).
    pub path: String,
    /// The operation it matched, if it matched one.
    pub operation: Option<String>,
}

/// One vendor's behaviour.
pub trait Vendor: Send + Sync + 'static {
    /// `kazoo`, `ringcentral`, ...
    fn name(&self) -> &'static str;
    /// The vendor's spec.
    fn spec(&self) -> &Spec;
    /// The vendor's answer to a request that breaks the spec.
    fn invalid(&self, problems: &[Problem]) -> Reply;
    /// The vendor's answer to a request the server refuses.
    fn refuse(&self, refusal: &Refusal) -> Reply;
    /// The answer to a request sent to `target` that breaks the spec
    /// (default: [`Vendor::invalid`]).
    fn invalid_request(&self, target: &Target, problems: &[Problem]) -> Reply {
        let _ = target;
        self.invalid(problems)
    }
    /// Problems of a request that the spec does not see (the mock's status
    /// header): they are answered like the spec's (default: none).
    fn request_problems(&self, request: &Incoming) -> Vec<Problem> {
        let _ = request;
        Vec::new()
    }
    /// The answer to a request sent to `target` that the server refuses
    /// (default: [`Vendor::refuse`]).
    fn refuse_request(&self, target: &Target, refusal: &Refusal) -> Reply {
        let _ = target;
        self.refuse(refusal)
    }
    /// `Err` with the vendor's answer when the request's credential is
    /// missing, unknown or expired.
    fn authorize(&self, request: &Incoming) -> Result<(), Reply>;
    /// The state machine: routes the request to its operation's handler.
    fn handle(&self, request: &Incoming) -> Reply;
    /// A credential a sandbox user can use right away, and how to send it.
    fn credential(&self) -> (String, &'static str);

    /// The operations that issue tokens (logins, refreshes), which
    /// `Options::token_rate_limit` limits.
    fn token_operations(&self) -> &'static [&'static str] {
        &[]
    }

    /// The counts of the vendor's token store.
    fn tokens(&self) -> TokenStats {
        TokenStats::default()
    }

    /// Whether answers to rate-limited operations carry RingCentral's
    /// `X-Rate-Limit-Group/Limit/Remaining/Window` headers.
    fn rate_limit_headers(&self) -> bool {
        false
    }

    /// Whether `reply` is an error the vendor sends with a success status
    /// (Yeastar's errcode); such answers are checked against the
    /// operation's `default` response instead.
    fn is_error_in_success(&self, reply: &Reply) -> bool {
        let _ = reply;
        false
    }
}

/// A handler: one operation of one vendor.
pub(crate) type Handler<V> = fn(&V, &Incoming) -> Reply;

/// The handler of `op` in a vendor's table.
pub(crate) fn route<V>(table: &[(&str, Handler<V>)], op: &str) -> Option<Handler<V>> {
    table.iter().find(|(id, _)| *id == op).map(|(_, h)| *h)
}

/// The rate limiters of one server.
pub(crate) struct Limits {
    token: Option<RateLimiter>,
    groups: BTreeMap<String, RateLimiter>,
    token_ops: &'static [&'static str],
}

impl Limits {
    fn new(vendor: &dyn Vendor, options: &Options) -> Limits {
        let token = options
            .token_rate_limit
            .map(|(n, window)| RateLimiter::new("Auth", n, window));
        let mut groups = BTreeMap::new();
        if let Some((n, window)) = options.rate_limit {
            for op in &vendor.spec().operations {
                let group = op.rate_group.clone().unwrap_or_else(|| "default".into());
                groups
                    .entry(group.clone())
                    .or_insert_with(|| RateLimiter::new(&group, n, window));
            }
        }
        Limits {
            token,
            groups,
            token_ops: vendor.token_operations(),
        }
    }

    /// The limiter's verdict on a request to `op`, if a limit applies.
    pub(crate) fn check(&self, op: &crate::spec::Operation) -> Option<RateStatus> {
        if self.token_ops.contains(&op.id.as_str()) {
            return self.token.as_ref().map(RateLimiter::check);
        }
        let group = op.rate_group.as_deref().unwrap_or("default");
        self.groups.get(group).map(RateLimiter::check)
    }
}

/// A running fake.
pub struct FakeServer {
    base_url: String,
    addr: SocketAddr,
    shared: Arc<serve::Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    /// Starts `vendor` on 127.0.0.1:`port` (0: any free port), with default
    /// [`Options`] but `log`.
    pub async fn start(vendor: Arc<dyn Vendor>, port: u16, log: bool) -> io::Result<FakeServer> {
        FakeServer::start_with(vendor, port, &Options::default().log(log)).await
    }

    /// Starts `vendor` on 127.0.0.1:`port` (0: any free port) with
    /// `options`. `options.token_ttl` is not read here: the vendor was built
    /// with its token lifetime (`dialtone_fakes::start_with` does that).
    pub async fn start_with(
        vendor: Arc<dyn Vendor>,
        port: u16,
        options: &Options,
    ) -> io::Result<FakeServer> {
        options.check()?;
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}{}", vendor.spec().base_path);
        let counts = vendor
            .spec()
            .operations
            .iter()
            .map(|op| (op.id.clone(), AtomicUsize::new(0)))
            .collect();
        let shared = Arc::new(serve::Shared {
            limits: Limits::new(vendor.as_ref(), options),
            vendor,
            faults: faults::FaultQueue::default(),
            settings: serve::Settings::from(options),
            counts,
        });
        let task = tokio::spawn(network::accept_loop(
            listener,
            shared.clone(),
            network::NetSettings::from(options),
        ));
        Ok(FakeServer {
            base_url,
            addr,
            shared,
            task,
        })
    }

    /// The base URL a client is built with.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Injects `fault` into the next request (whatever `Options::faults`
    /// says: that option is about faults asked for over HTTP).
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Faults injected and not yet used.
    pub fn pending_faults(&self) -> usize {
        self.shared.faults.len()
    }

    /// The counts of the vendor's token store.
    pub fn tokens(&self) -> TokenStats {
        self.shared.vendor.tokens()
    }

    /// How many requests reached the handler of operation `op_id` (valid,
    /// authorized and admitted by the rate limits; a fault applied after the
    /// handler, such as `drop-after`, does not undo the count). 0 for an
    /// unknown operation.
    pub fn requests(&self, op_id: &str) -> usize {
        self.shared
            .counts
            .get(op_id)
            .map_or(0, |c| c.load(Ordering::SeqCst))
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
