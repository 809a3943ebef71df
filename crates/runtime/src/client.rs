//! The HTTP client that every generated crate wraps.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{AuthError, Authenticate, NoAuth};
use crate::deadline::Deadline;
use crate::error::{ApiError, Error, InBodyError};
use crate::hooks::Hooks;
use crate::meta::{RateLimitInfo, ResponseValue};
use crate::ratelimit::{Limit, Limiter};
use crate::redact;
use crate::request::{Request, RequestBody};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::secret::Secret;
use crate::stream::ByteStream;

/// Default time allowed for a whole request, response body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default largest response body a call reads whole: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;

/// Configures a [`Client`]. Generated crates wrap it with vendor-named auth
/// methods. `Debug` shows no credential: the base URL's user name and
/// password and every default header value but a few harmless ones are
/// masked.
pub struct ClientBuilder {
    vendor: &'static str,
    base_url: String,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_body: usize,
    headers: Vec<(String, String)>,
    auth: Option<Arc<dyn Authenticate>>,
    schemes: Vec<(&'static str, Arc<dyn Authenticate>)>,
    request_id_header: Option<HeaderName>,
    errcode: Option<ErrCode>,
    retry: RetryPolicy,
    rate_limits: Vec<(String, Limit)>,
    http: Option<reqwest::Client>,
    configure_http: Option<ConfigureHttp>,
    hooks: Vec<Arc<dyn Hooks>>,
}

/// Changes the `reqwest::ClientBuilder` Dialtone made (see
/// [`ClientBuilder::configure_http`]).
type ConfigureHttp = Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send>;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if redact::header_shown(name) {
                    value.as_str()
                } else {
                    redact::MASK
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("ClientBuilder")
            .field("vendor", &self.vendor)
            .field("base_url", &redact::url(&self.base_url))
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_body", &self.max_response_body)
            .field("headers", &headers)
            .field("auth", &self.auth)
            .field("schemes", &self.schemes)
            .field("retry", &self.retry)
            .field("rate_limits", &self.rate_limits)
            .field("own_http_client", &self.http.is_some())
            .field("configure_http", &self.configure_http.is_some())
            .field("hooks", &self.hooks)
            .finish_non_exhaustive()
    }
}

/// Errors reported inside a success body: a numeric field whose value is not
/// the success value (Yeastar's `errcode`).
#[derive(Debug, Clone, Copy)]
pub struct ErrCode {
    /// The field holding the code.
    pub field: &'static str,
    /// The value that means success.
    pub success: i64,
    /// Texts whose presence in such a body means the credential was
    /// rejected (an expired or invalid token), as a 401 would.
    pub auth_messages: &'static [&'static str],
    /// The field holding the error's message (Yeastar's `errmsg`), if any.
    pub message: Option<&'static str>,
}

impl ClientBuilder {
    /// A builder for `vendor` (a short name used in spans) talking to `base_url`.
    pub fn new(vendor: &'static str, base_url: impl Into<String>) -> Self {
        ClientBuilder {
            vendor,
            base_url: base_url.into(),
            user_agent: concat!("dialtone/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            headers: Vec::new(),
            auth: None,
            schemes: Vec::new(),
            request_id_header: None,
            errcode: None,
            retry: RetryPolicy::default(),
            rate_limits: Vec::new(),
            http: None,
            configure_http: None,
            hooks: Vec::new(),
        }
    }

    /// The `User-Agent` header sent on every request.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Time allowed for a whole call (default 30 s): every attempt, every
    /// wait (rate-limit holds, `Retry-After`, backoff) and renewing the
    /// credential spend this one budget. A request's own `.timeout`
    /// replaces it for that call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest response body a call reads whole, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`], 64 MiB): a larger one fails the call
    /// with [`Error::ResponseTooLarge`] once that much has arrived (or at
    /// once, when its `Content-Length` says so), success or error alike.
    /// A streamed download ([`Client::send_stream`]) is not held whole,
    /// and not bounded by it.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// A header sent on every request; checked in [`ClientBuilder::build`].
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// How requests are authenticated: with schemes configured too (see
    /// [`ClientBuilder::scheme_auth`]), only where none of the operation's
    /// alternatives has credentials.
    pub fn auth(mut self, auth: impl Authenticate) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// The credentials of security scheme `key` (its name in the spec's
    /// `components/securitySchemes`), used on the operations whose
    /// security requirement names it ([`crate::Schemes`]); replaces any
    /// set before for `key`.
    pub fn scheme_auth(mut self, key: &'static str, auth: impl Authenticate) -> Self {
        self.schemes.retain(|(k, _)| *k != key);
        self.schemes.push((key, Arc::new(auth)));
        self
    }

    /// The response header that carries the vendor's request id.
    pub fn request_id_header(mut self, name: &'static str) -> Self {
        self.request_id_header = Some(HeaderName::from_static(name));
        self
    }

    /// Treat a 2xx JSON body whose `field` is a number other than `success`
    /// as a vendor error (for vendors that answer errors with HTTP 200).
    pub fn errcode(mut self, field: &'static str, success: i64) -> Self {
        self.errcode = Some(ErrCode {
            field,
            success,
            auth_messages: &[],
            message: None,
        });
        self
    }

    /// With [`ClientBuilder::errcode`]: the field holding the error's
    /// message, shown with the code.
    pub fn errcode_message(mut self, field: &'static str) -> Self {
        if let Some(rule) = &mut self.errcode {
            rule.message = Some(field);
        }
        self
    }

    /// With [`ClientBuilder::errcode`]: in-body errors containing one of
    /// `messages` mean the credential was rejected (like HTTP 401).
    pub fn errcode_auth_messages(mut self, messages: &'static [&'static str]) -> Self {
        if let Some(rule) = &mut self.errcode {
            rule.auth_messages = messages;
        }
        self
    }

    /// How failed calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Never retry.
    pub fn no_retries(self) -> Self {
        self.retry_policy(RetryPolicy::none())
    }

    /// Allow `requests` per sliding `window` for operations of rate-limit
    /// `group`; a burst beyond it waits.
    pub fn rate_limit(mut self, group: impl Into<String>, requests: u32, window: Duration) -> Self {
        let group = group.into();
        self.rate_limits.retain(|(g, _)| *g != group);
        self.rate_limits.push((group, Limit { requests, window }));
        self
    }

    /// Do not shape traffic on the client side at all.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limits.clear();
        self
    }

    /// Uses this `reqwest::Client` (a shared connection pool, proxies,
    /// TLS roots...). Everything Dialtone does around the HTTP client
    /// still applies: the call timeout and deadline (each attempt is
    /// bounded by what is left of it, the body included), retries,
    /// rate limits, auth, hooks, the user agent and default headers. What
    /// only a `reqwest::ClientBuilder` can set — the connect timeout — is
    /// `http`'s own; to keep Dialtone's, use
    /// [`ClientBuilder::configure_http`] instead.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Changes the `reqwest::ClientBuilder` Dialtone makes — already set
    /// with its user agent, call timeout and connect timeout — before it
    /// is built: proxies, TLS roots and client certificates, DNS, pool
    /// settings. (A timeout set here replaces Dialtone's for that
    /// client; the call's deadline still bounds every call.) Ignored when
    /// [`ClientBuilder::http_client`] gives a client.
    pub fn configure_http(
        mut self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + 'static,
    ) -> Self {
        self.configure_http = Some(Box::new(configure));
        self
    }

    /// Adds hooks that run around every attempt of every call (see
    /// [`crate::hooks`]); several run in the order added.
    pub fn hook(mut self, hooks: impl Hooks) -> Self {
        self.hooks.push(Arc::new(hooks));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build<E>(self) -> Result<Client, Error<E>> {
        let base = parse_base_url(&self.base_url).map_err(Error::Config)?;
        let mut headers = HeaderMap::new();
        let mut secrets = Vec::new();
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
            let mut header = HeaderValue::try_from(value.as_str()).map_err(|_| {
                Error::Config(format!(
                    "the value of header `{name}` is not a valid header value"
                ))
            })?;
            if !redact::header_shown(name.as_str()) {
                // `http`'s own `Debug` hides it; error excerpts mask it.
                header.set_sensitive(true);
                secrets.push(Secret::new(value.clone()));
            }
            headers.insert(name, header);
        }
        // `base` was checked as a URL just above; this is its parsed form,
        // kept so that a call parses only its own path.
        let base_url = Url::parse(&base).map_err(|e| Error::Config(e.to_string()))?;
        if let Some(password) = base_url.password() {
            secrets.push(Secret::new(password));
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                // No client-wide timeout: each call bounds itself by its
                // own deadline (see `attempt`).
                let builder = reqwest::Client::builder()
                    .user_agent(self.user_agent.clone())
                    .connect_timeout(self.connect_timeout);
                let builder = match self.configure_http {
                    Some(configure) => configure(builder),
                    None => builder,
                };
                builder
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        headers.entry(reqwest::header::USER_AGENT).or_insert(
            HeaderValue::try_from(self.user_agent).map_err(|_| {
                Error::Config("the user agent is not a valid header value".to_owned())
            })?,
        );
        Ok(Client {
            inner: Arc::new(Inner {
                vendor: self.vendor,
                base,
                call_url: {
                    let mut url = base_url.clone();
                    url.set_path(&"x".repeat(CALL_PATH_ROOM));
                    url
                },
                base_url,
                http,
                headers,
                auth: match (self.auth, self.schemes.is_empty()) {
                    (auth, false) => Arc::new(crate::auth::Schemes::new(self.schemes, auth)),
                    (Some(auth), true) => auth,
                    (None, true) => Arc::new(NoAuth),
                },
                request_id_header: self.request_id_header,
                errcode: self.errcode,
                retry: self.retry,
                limiter: Limiter::new(&self.rate_limits),
                timeout: self.timeout,
                max_response_body: self.max_response_body,
                secrets,
                hooks: self.hooks,
            }),
        })
    }
}

/// The path length a call's URL has room for before it grows (see
/// `Inner::call_url`); longer paths work the same, growing it.
const CALL_PATH_ROOM: usize = 192;

fn parse_base_url(raw: &str) -> Result<String, String> {
    let shown = redact::url(raw);
    let url = Url::parse(raw).map_err(|e| format!("base URL `{shown}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("base URL `{shown}` must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "base URL `{shown}` must not have a query or fragment"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A configured HTTP client for one vendor. Cheap to clone: clones share
/// one connection pool. `Debug` shows no credential.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .inner
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = match value.to_str() {
                    Ok(v) if redact::header_shown(name.as_str()) => v,
                    _ => redact::MASK,
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Client")
            .field("vendor", &self.inner.vendor)
            .field("base_url", &redact::url(&self.inner.base))
            .field("headers", &headers)
            .field("auth", &self.inner.auth)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

struct Inner {
    vendor: &'static str,
    base: String,
    /// `base`, parsed once: a call parses only its own path.
    base_url: Url,
    /// `base_url` with a placeholder path of [`CALL_PATH_ROOM`] bytes: a
    /// call's URL is a copy of it whose path is then set, so that the copy
    /// already has room for the path (a copy of `base_url` grew, in two
    /// reallocations, which the system allocator serves under a lock that
    /// concurrent calls wait on).
    call_url: Url,
    http: reqwest::Client,
    headers: HeaderMap,
    auth: Arc<dyn Authenticate>,
    request_id_header: Option<HeaderName>,
    errcode: Option<ErrCode>,
    retry: RetryPolicy,
    limiter: Limiter,
    timeout: Duration,
    /// The largest body a call reads whole.
    max_response_body: usize,
    /// Credentials of the configuration (default header values, the base
    /// URL's password), masked in every excerpt.
    secrets: Vec<Secret>,
    hooks: Vec<Arc<dyn Hooks>>,
}

/// A success response, before its body is decoded. `Debug` shows the
/// status and the body's length, never its bytes (they may hold a token).
pub struct Response {
    operation: &'static str,
    status: u16,
    request_id: Option<String>,
    next_link: Option<String>,
    headers: HeaderMap,
    body: bytes::Bytes,
    masks: Masks,
    /// The unread body of a streamed response.
    pending: Option<reqwest::Response>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Decodes the body as JSON into `T`.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<T, Error<E>> {
        self.decode(None)
    }

    /// The vendor's request id, where it sends one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Decodes the body as JSON into `T`, with the response's metadata.
    pub fn into_value<T: DeserializeOwned, E>(self) -> Result<ResponseValue<T>, Error<E>> {
        self.value_in(None)
    }

    fn value_in<T: DeserializeOwned, E>(
        mut self,
        client: Option<&Client>,
    ) -> Result<ResponseValue<T>, Error<E>> {
        let headers = std::mem::take(&mut self.headers);
        let (status, request_id) = (self.status, self.request_id.clone());
        let body = self.decode(client)?;
        Ok(ResponseValue {
            status,
            rate_limit: RateLimitInfo::from_headers(&headers),
            headers,
            request_id,
            body,
        })
    }

    /// The response's metadata, its body dropped (an operation whose
    /// success has no body: whatever the vendor sent is not decoded).
    pub fn into_meta(mut self) -> ResponseValue<()> {
        let headers = std::mem::take(&mut self.headers);
        ResponseValue {
            status: self.status,
            rate_limit: RateLimitInfo::from_headers(&headers),
            headers,
            request_id: self.request_id.take(),
            body: (),
        }
    }

    /// The body as bytes.
    pub fn into_bytes(self) -> bytes::Bytes {
        self.body
    }

    /// The body as UTF-8 text.
    pub fn text<E>(self) -> Result<String, Error<E>> {
        self.text_in(None)
    }

    fn text_in<E>(self, client: Option<&Client>) -> Result<String, Error<E>> {
        match String::from_utf8(self.body.to_vec()) {
            Ok(text) => Ok(text),
            Err(err) => Err(self.decode_error(err.to_string(), client)),
        }
    }

    /// Decodes the body; a failure's excerpt masks the credentials of
    /// `client` (the one that sent the request, when the response is not
    /// attached to it: see [`Masks`]).
    fn decode<T: DeserializeOwned, E>(self, client: Option<&Client>) -> Result<T, Error<E>> {
        // An empty body decodes as `null` (so `Option`/unit types accept it).
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        match serde_json::from_slice(body) {
            Ok(value) => Ok(value),
            Err(err) => Err(self.decode_error(err.to_string(), client)),
        }
    }

    /// Decodes the property `field` of the body (see
    /// [`Client::send_json_field`]).
    fn decode_field<T: DeserializeOwned, E>(
        self,
        field: &'static str,
        client: Option<&Client>,
    ) -> Result<T, Error<E>> {
        match crate::json::field_from_slice(&self.body, field) {
            Ok(value) => Ok(value),
            Err(err) => Err(self.decode_error(err.to_string(), client)),
        }
    }

    fn decode_error<E>(self, message: String, client: Option<&Client>) -> Error<E> {
        let masks = self.masks.collect(client.map(|c| &*c.inner));
        Error::Decode {
            operation: self.operation,
            status: self.status,
            message,
            excerpt: redact::excerpt(&self.body, &masks),
            request_id: self.request_id,
        }
    }

    /// The body, as the bytes the vendor sent; crate-internal helpers
    /// (batch decoding) read it with the request's credentials at hand.
    pub(crate) fn parts(&self) -> (&'static str, u16, Option<&str>, &[u8], Vec<Secret>) {
        (
            self.operation,
            self.status,
            self.request_id.as_deref(),
            &self.body,
            self.masks.collect(None),
        )
    }
}

/// The credentials to mask in whatever is shown of an answer: those its
/// request carried and the client's (configured ones and every one its
/// auth holds), collected only when something is shown, not on each call.
/// A response handed to the caller ([`Client::execute`]) holds its client
/// for that; the `send_*` methods, which decode it on the spot, give their
/// own instead (so a call takes no second reference to the client).
struct Masks {
    carried: Vec<Secret>,
    client: Option<Arc<Inner>>,
}

impl Masks {
    fn collect(&self, client: Option<&Inner>) -> Vec<Secret> {
        let mut all = self.carried.clone();
        if let Some(inner) = self.client.as_deref().or(client) {
            all.extend(inner.secrets.iter().cloned());
            all.extend(inner.auth.known_secrets());
        }
        all
    }
}

impl Client {
    /// The base URL every path is appended to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Revokes the current credential with the vendor, where the vendor
    /// has a revoke operation (OAuth revoke, Yeastar `del_token`), then
    /// forgets it, even when the vendor refused; the next call obtains a
    /// new one where the provider can log in. With nothing to revoke (no
    /// token obtained yet), it does nothing. The client's timeout bounds it.
    pub async fn revoke_auth<E: DeserializeOwned>(&self) -> Result<(), Error<E>> {
        let deadline = Deadline::after(self.inner.timeout);
        self.inner
            .auth
            .revoke(self, Some(deadline))
            .await
            .map_err(|err| auth_error("revokeAuth", err))
    }

    /// Sends `request` and decodes a JSON success body into `T`; a non-2xx
    /// status decodes the vendor's error body into `E`.
    pub fn send_json<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<T, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { call.await?.decode(Some(self)) }
    }

    /// Like [`Client::send_json`], decoding only the property `field` of
    /// the success body (an envelope's payload) into `T`: the body's other
    /// properties are skipped, not decoded. A body that is not an object
    /// with `field` exactly once is a decode error, as it is for a
    /// generated struct that requires it.
    pub fn send_json_field<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: Request,
        field: &'static str,
    ) -> impl Future<Output = Result<T, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { call.await?.decode_field(field, Some(self)) }
    }

    /// Like [`Client::send_json`], also returning the `Link: <...>;
    /// rel="next"` URL of the response, if any (link-header paging).
    pub fn send_json_paged<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<(T, Option<String>), Error<E>>> + '_ {
        let call = self.run(request, false);
        async move {
            let mut response = call.await?;
            let next = response.next_link.take();
            Ok((response.decode(Some(self))?, next))
        }
    }

    /// Sends `request` and returns the success body as bytes (downloads).
    pub fn send_bytes<E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<bytes::Bytes, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { Ok(call.await?.into_bytes()) }
    }

    /// Sends `request` and returns the success body as UTF-8 text.
    pub fn send_text<E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<String, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { call.await?.text_in(Some(self)) }
    }

    /// Sends `request` and decodes a JSON success body into `T`, with the
    /// response's status, headers, request id and rate-limit headers (see
    /// [`ResponseValue`]); errors as [`Client::send_json`]. A body-less
    /// success decodes as `()`.
    pub fn send_with_meta<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { call.await?.value_in(Some(self)) }
    }

    /// Sends `request` and returns the success body as a stream of chunks,
    /// read as they arrive (downloads too large to hold in memory), with
    /// the response's metadata. An error response is read and decoded as
    /// usual. The call's deadline bounds the body too: raise the call's
    /// `.timeout` for a long download.
    pub fn send_stream<E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<ResponseValue<ByteStream<E>>, Error<E>>> + '_ {
        let call = self.run(request, true);
        async move { Self::stream_answer(call.await?) }
    }

    fn stream_answer<E>(mut response: Response) -> Result<ResponseValue<ByteStream<E>>, Error<E>> {
        let operation = response.operation;
        let headers = std::mem::take(&mut response.headers);
        let stream = match response.pending.take() {
            Some(pending) => ByteStream::new(operation, pending),
            // Read already (a JSON body checked for an in-body error).
            None => ByteStream::from_bytes(operation, std::mem::take(&mut response.body)),
        };
        Ok(ResponseValue {
            status: response.status,
            rate_limit: RateLimitInfo::from_headers(&headers),
            headers,
            request_id: response.request_id.take(),
            body: stream,
        })
    }

    /// Sends `request` for an operation whose success has no body.
    pub fn send_empty<E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<(), Error<E>>> + '_ {
        let call = self.run(request, false);
        async move { call.await.map(drop) }
    }

    /// Sends `request`: authorizes it, sends it, retries it as the policy
    /// allows, and sorts the response into success or a typed error. The
    /// one place every call goes through.
    ///
    /// One deadline bounds the whole call: the request's timeout (or the
    /// client's), and the deadline the request already carries, if any.
    /// Rate-limit holds, retry waits and waiting for a credential also end
    /// by the retry policy's `max_elapsed`. A wait that would outlast them
    /// is not started: the call ends at once with the error it has.
    pub fn execute<E: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response, Error<E>>> + '_ {
        let call = self.run(request, false);
        async move {
            let mut response = call.await?;
            response.masks.client = Some(self.inner.clone());
            Ok(response)
        }
    }

    /// [`Client::execute`], leaving a success body unread when `stream`.
    ///
    /// The call is boxed at once: its state (the request, its copy for
    /// the attempt, the answer, the retry wait) is kilobytes, and a future
    /// holding it inline would be copied whole each time it moves, through
    /// every layer of a generated builder's `send` that awaits it. The
    /// `send_*` methods above take the box and add only their decoding.
    fn run<E: DeserializeOwned>(
        &self,
        mut request: Request,
        stream: bool,
    ) -> Pin<Box<impl Future<Output = Result<Response, Error<E>>> + '_>> {
        let span = tracing::info_span!(
            "dialtone.call",
            vendor = self.inner.vendor,
            operation = request.operation,
            method = %request.method,
            path = request.path_template,
            attempt = 1u32,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        // Allocated first and written once: built as an argument, the
        // future (kilobytes) would be made on the stack and copied in.
        let slot = Box::new_uninit();
        Box::into_pin(Box::write(slot, async move {
            if let Some(invalid) = request.take_error() {
                return Err(Error::InvalidRequest(invalid));
            }
            let started = Instant::now();
            let policy = request
                .rare
                .as_ref()
                .and_then(|rare| rare.retry.as_ref())
                .unwrap_or(&self.inner.retry)
                .clone();
            let budget = request.timeout.unwrap_or(self.inner.timeout);
            let deadline = Deadline::at(started + budget);
            // In place (a rebinding would hold a second copy of the request
            // in this future's state).
            request.narrow_deadline(Some(deadline));
            // The path under the base URL's, joined once for every
            // attempt (each attempt's copy of the request is then made
            // without it).
            let path = {
                let base = self.inner.base_url.path().trim_end_matches('/');
                let mut path = String::with_capacity(base.len() + request.path.len());
                path.push_str(base);
                path.push_str(&request.path);
                request.path = String::new();
                path
            };
            let deadline = request.deadline.unwrap_or(deadline);
            let waits_end = deadline.min(Deadline::at(started + policy.max_elapsed));
            let replayable = request.replayable();
            // A streamed body is read once: the call has one attempt.
            let resendable = request.body.resendable();
            let mut attempt = 1u32;
            let mut reauthorized = false;
            let result = loop {
                let mut sent = request.clone();
                // Inline: the whole call is boxed already (see `run`).
                let result = self
                    .attempt(&mut sent, &path, deadline, waits_end, attempt, stream)
                    .await;
                let Err(err) = &result else { break result };
                // A rejected credential is renewed and the call retried
                // once, outside the retry budget (but within the deadline).
                if matches!(err, Error::Unauthorized(_))
                    && request.authenticate
                    && !reauthorized
                    && self.inner.auth.rejected(&sent).await
                    && resendable
                {
                    reauthorized = true;
                    tracing::debug!("credential rejected; retrying once with a new one");
                    self.hook_retry(request.operation, attempt, Duration::ZERO, err);
                    continue;
                }
                if !resendable {
                    break result;
                }
                let elapsed = started.elapsed();
                let Some(wait) = policy.next_wait(err, replayable, attempt, elapsed) else {
                    break result;
                };
                if waits_end.outlasted_by(wait) {
                    tracing::debug!(
                        error = %err,
                        wait_ms = wait.as_millis() as u64,
                        "the next attempt would start past the call's deadline"
                    );
                    break result;
                }
                tracing::debug!(error = %err, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                self.hook_retry(request.operation, attempt, wait, err);
                tokio::time::sleep(wait).await;
                attempt += 1;
                tracing::Span::current().record("attempt", attempt);
            };
            let span = tracing::Span::current();
            // Read only for a subscriber that records the span.
            if !span.is_disabled() {
                span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            }
            match &result {
                Ok(response) => {
                    span.record("status", response.status);
                }
                Err(err) => {
                    if let Some(status) = err.status() {
                        span.record("status", status);
                    }
                    tracing::debug!(error = %err, "call failed");
                }
            }
            result
        }
        .instrument(span)))
    }

    /// The attempt's request as reqwest sends it: the URL (the base URL's
    /// with the call's path, or a next-page link), the headers, the body
    /// (an upload already opened) and what is left of the call's budget.
    #[allow(clippy::too_many_arguments)]
    fn outgoing<E>(
        &self,
        request: &mut Request,
        path: &str,
        body: RequestBody,
        opened: Option<(reqwest::Body, Option<u64>)>,
        operation: &'static str,
        attempt: u32,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Request, Error<E>> {
        let mut url = match request.rare.as_ref().and_then(|rare| rare.follow.as_ref()) {
            // A next-page link is used verbatim (a relative one, from a
            // page's field, relative to the base URL), but only on the
            // API's own origin: a credential must never follow a link
            // elsewhere.
            Some(link) => self
                .follow_url(link)
                .map_err(|message| Error::Pagination { operation, message })?,
            // The base URL's scheme, host and port were parsed once, at
            // build time; only the path is parsed here (a `?` or `#` in it
            // is escaped, never read as a query or fragment).
            None => {
                let mut url = self.inner.call_url.clone();
                url.set_path(path);
                url
            }
        };
        if !request.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        // The headers are assembled in one map, in this order: the
        // client's defaults, the request's own (appended: a request header
        // named like a default is sent as well), what hooks add (replacing
        // any header of the same name), then the body's media type.
        let mut headers =
            // Room for reqwest's own defaults too (it adds them to this map).
            HeaderMap::with_capacity(self.inner.headers.len() + request.headers.len() + 4);
        for (name, value) in &self.inner.headers {
            headers.append(name, value.clone());
        }
        for (name, value) in std::mem::take(&mut request.headers) {
            headers.append(name, value);
        }
        if !self.inner.hooks.is_empty() {
            self.hook_headers(request, &mut headers, operation, attempt);
        }
        let content_type = request
            .rare
            .as_mut()
            .and_then(|rare| rare.content_type.take());
        let mut typed = |default: &'static str| {
            headers.append(
                CONTENT_TYPE,
                content_type
                    .clone()
                    .unwrap_or(HeaderValue::from_static(default)),
            );
        };
        let body: Option<reqwest::Body> = match body {
            RequestBody::None => None,
            RequestBody::Json(bytes) => {
                typed("application/json");
                Some(bytes.into())
            }
            RequestBody::Form(text) => {
                typed("application/x-www-form-urlencoded");
                Some(text.into())
            }
            RequestBody::Raw(bytes) => {
                typed("application/octet-stream");
                Some(bytes.into())
            }
            RequestBody::Upload(_) => {
                typed("application/octet-stream");
                let (body, length) = opened.expect("an upload is opened before");
                if let Some(length) = length {
                    headers.append(reqwest::header::CONTENT_LENGTH, HeaderValue::from(length));
                }
                Some(body)
            }
        };
        let mut outgoing = reqwest::Request::new(request.method.clone(), url);
        *outgoing.headers_mut() = headers;
        *outgoing.body_mut() = body;
        // A streamed answer's body is read after the call returns, so the
        // attempt's own timer (see `attempt`) cannot bound it: reqwest's
        // per-request timer, with what is left of the call's budget, runs
        // from connecting to the body's last byte. Set only then: it costs
        // three allocations (the request's extensions map, its entry, the
        // timer), and the client sets no timeout of its own.
        if let Some(timeout) = timeout {
            *outgoing.timeout_mut() = Some(timeout);
        }
        Ok(outgoing)
    }

    /// The next-page link's URL (relative to the base URL), on the API's
    /// own origin only: a credential must never follow a link elsewhere.
    #[inline(never)]
    fn follow_url(&self, link: &str) -> Result<Url, String> {
        let base = &self.inner.base_url;
        let url = base
            .join(link)
            .map_err(|e| format!("the next-page link is not a URL: {e}"))?;
        if url.origin() != base.origin() {
            return Err(format!(
                "the next-page link leaves the API's origin ({})",
                url.origin().ascii_serialization()
            ));
        }
        Ok(url)
    }

    /// What the hooks add to an attempt's `headers` (replacing any header
    /// of the same name), a value under a name that may hold a credential
    /// kept among the request's secrets. Out of line: most clients have
    /// no hooks, and a call's hot path stays short.
    #[inline(never)]
    fn hook_headers(
        &self,
        request: &mut Request,
        headers: &mut HeaderMap,
        operation: &'static str,
        attempt: u32,
    ) {
        let names: Vec<HeaderName> = headers.keys().cloned().collect();
        let mut added = HeaderMap::new();
        let mut outgoing = crate::hooks::Outgoing {
            operation,
            method: &request.method,
            path_template: request.path_template,
            attempt,
            names,
            added: &mut added,
        };
        for hook in &self.inner.hooks {
            hook.before_send(&mut outgoing);
            outgoing.names = outgoing
                .names
                .iter()
                .cloned()
                .chain(outgoing.added.keys().cloned())
                .collect();
        }
        for (name, value) in &added {
            if !redact::header_shown(name.as_str())
                && let Ok(text) = value.to_str()
            {
                request.secrets.push(Secret::new(text));
            }
        }
        // A name's first value replaces what was there; its others are
        // appended to it.
        let mut current = None;
        for (name, value) in added {
            if let Some(name) = name {
                headers.insert(&name, value);
                current = Some(name);
            } else if let Some(name) = &current {
                headers.append(name, value);
            }
        }
    }

    fn hook_retry<E>(&self, operation: &'static str, attempt: u32, wait: Duration, err: &Error<E>) {
        if self.inner.hooks.is_empty() {
            return;
        }
        let reason = err.to_string();
        let retry = crate::hooks::Retry {
            operation,
            attempt,
            wait,
            status: err.status(),
            reason: &reason,
        };
        for hook in &self.inner.hooks {
            hook.on_retry(&retry);
        }
    }

    async fn attempt<E: DeserializeOwned>(
        &self,
        request: &mut Request,
        path: &str,
        deadline: Deadline,
        waits_end: Deadline,
        attempt: u32,
        stream: bool,
    ) -> Result<Response, Error<E>> {
        let operation = request.operation;
        if request.authenticate {
            let auth = &self.inner.auth;
            match auth.authorize_now(request) {
                Some(now) => now,
                None => auth.authorize(self, request).await,
            }
            .map_err(|err| auth_error(operation, err))?;
        }
        // What is sent (headers, body, the secrets it carries) is taken
        // out of this attempt's copy; what stays (the operation, its
        // security and credential epoch) is what `rejected` reads after.
        if let Some(group) = request.rate_group
            && let Err(wait) = self.inner.limiter.acquire(group, waits_end).await
        {
            return Err(Error::RateLimited {
                operation,
                retry_after: Some(wait),
                response: None,
            });
        }
        if deadline.passed() {
            return Err(Error::Timeout { operation });
        }
        // What is left of the call's budget bounds the attempt: opening an
        // upload, sending, the answer's head and its body. A buffered
        // answer is bounded by one timer of this future's own, across those
        // waits; a streamed one by reqwest's per-request timeout, which goes
        // on bounding the body as the caller reads it (see `outgoing`).
        let timer = std::pin::pin!((!stream).then(|| tokio::time::sleep_until(deadline.instant())));
        let mut timer = timer.as_pin_mut();
        let timed_out = || Error::Timeout { operation };
        // A streamed upload is opened first (the one wait of building the
        // request); the rest is built without waiting, outside this
        // future's state (see `outgoing`).
        let body = std::mem::take(&mut request.body);
        let opened = match &body {
            RequestBody::Upload(upload) => Some(
                within(&mut timer, upload.open())
                    .await
                    .ok_or_else(timed_out)?
                    .map_err(Error::InvalidRequest)?,
            ),
            _ => None,
        };
        // Read only for hooks (they are told how long the answer took).
        let sent_at = (!self.inner.hooks.is_empty()).then(Instant::now);
        let reqwest_timeout = stream.then(|| deadline.remaining());
        let outgoing = self.outgoing(
            request,
            path,
            body,
            opened,
            operation,
            attempt,
            reqwest_timeout,
        )?;
        let mut response = within(&mut timer, self.inner.http.execute(outgoing))
            .await
            .ok_or_else(timed_out)?
            .map_err(|e| transport_error(operation, e))?;
        let status = response.status();
        let request_id = self.inner.request_id_header.as_ref().and_then(|name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let next_link = response
            .headers()
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link)
            // A relative target is relative to the URL that was asked for
            // (RFC 8288); it is followed as an absolute one.
            .map(|link| match response.url().join(&link) {
                Ok(url) => url.to_string(),
                Err(_) => link,
            });
        // Read where it can be used: by an error (a vendor's in-body error
        // is one, under a success status), and by the limiter.
        let retry_after =
            (!status.is_success() || self.inner.errcode.is_some() || request.rate_group.is_some())
                .then(|| response.headers().get(RETRY_AFTER))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        if let Some(group) = request.rate_group {
            self.inner
                .limiter
                .observe(group, status.as_u16(), response.headers(), retry_after);
        }
        // Taken, not copied: reading the body does not need them.
        let headers = std::mem::take(response.headers_mut());
        if !self.inner.hooks.is_empty() {
            self.hook_response(&crate::hooks::Incoming {
                operation,
                attempt,
                status: status.as_u16(),
                headers: &headers,
                request_id: request_id.as_deref(),
                elapsed: sent_at.map_or(Duration::ZERO, |at| at.elapsed()),
            });
        }
        // A streamed success is left unread, unless the vendor reports
        // errors inside JSON success bodies and this is one.
        let json = || {
            headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"))
        };
        if stream && status.is_success() && (self.inner.errcode.is_none() || !json()) {
            return Ok(Response {
                operation,
                status: status.as_u16(),
                request_id,
                next_link,
                headers,
                body: bytes::Bytes::new(),
                masks: Masks {
                    carried: std::mem::take(&mut request.secrets),
                    client: None,
                },
                pending: Some(response),
            });
        }
        let limit = self.inner.max_response_body;
        let body = within(&mut timer, read_body(&mut response, limit))
            .await
            .ok_or_else(timed_out)?
            .map_err(|e| match e {
                BodyError::Transport(e) => transport_error(operation, e),
                BodyError::TooLarge => Error::ResponseTooLarge {
                    operation,
                    status: status.as_u16(),
                    limit,
                },
            })?;
        let masks = Masks {
            carried: std::mem::take(&mut request.secrets),
            client: None,
        };
        let in_body = match self.inner.errcode {
            Some(rule) if status.is_success() => {
                body_reports_error(&body, rule, || masks.collect(Some(&self.inner)))
            }
            _ => InBody::Fine,
        };
        if status.is_success() && matches!(in_body, InBody::Fine) {
            return Ok(Response {
                operation,
                status: status.as_u16(),
                request_id,
                next_link,
                headers,
                body,
                masks,
                pending: None,
            });
        }
        Err(self.error_answer(
            operation,
            status.as_u16(),
            &body,
            &masks,
            in_body,
            request_id,
            retry_after,
        ))
    }

    /// The error an answer is: a non-success status, or a vendor's error
    /// inside a success's body. Out of line, as every error path: a call's
    /// hot path stays short.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn error_answer<E: DeserializeOwned>(
        &self,
        operation: &'static str,
        status: u16,
        body: &[u8],
        masks: &Masks,
        in_body: InBody,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Error<E> {
        let (rejected, in_body) = match in_body {
            InBody::Fine => (false, None),
            InBody::Error(error) => (false, Some(error)),
            InBody::AuthRejected(error) => (true, Some(error)),
        };
        let secrets = masks.collect(Some(&self.inner));
        let api = Box::new(ApiError {
            operation,
            status,
            // Decoded from the masked JSON, so that a credential the vendor
            // echoes back never reaches `Debug`.
            body: redact::masked_json(body, &secrets).and_then(|v| serde_json::from_value(v).ok()),
            excerpt: redact::excerpt(body, &secrets),
            request_id,
            retry_after,
            in_body,
        });
        match status {
            _ if rejected => Error::Unauthorized(api),
            401 => Error::Unauthorized(api),
            429 => Error::RateLimited {
                operation,
                retry_after,
                response: Some(api),
            },
            _ => Error::Api(api),
        }
    }

    #[inline(never)]
    fn hook_response(&self, incoming: &crate::hooks::Incoming<'_>) {
        for hook in &self.inner.hooks {
            hook.after_response(incoming);
        }
    }
}

/// The error of a call whose credential could not be obtained.
fn auth_error<E: DeserializeOwned>(operation: &'static str, err: AuthError) -> Error<E> {
    match err {
        AuthError::Invalid(invalid) => Error::InvalidRequest(invalid),
        AuthError::Call {
            operation: token_operation,
            error,
        } => Error::Auth {
            operation,
            message: format!("{token_operation} failed"),
            source: Some(Box::new(error.decode_body())),
        },
        AuthError::Failed(message) => Error::Auth {
            operation,
            message,
            source: None,
        },
        AuthError::Timeout => Error::Timeout { operation },
        other @ (AuthError::StateMismatch
        | AuthError::Authorization { .. }
        | AuthError::Store(_)) => Error::Auth {
            operation,
            message: other.to_string(),
            source: None,
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum InBody {
    Fine,
    Error(InBodyError),
    AuthRejected(InBodyError),
}

/// The target of the `rel="next"` link of a `Link` header value (RFC 8288).
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        is_next.then(|| target.to_owned())
    })
}

fn body_reports_error(body: &[u8], rule: ErrCode, secrets: impl FnOnce() -> Vec<Secret>) -> InBody {
    #[derive(serde::Deserialize)]
    struct Probe(serde_json::Map<String, serde_json::Value>);
    let Ok(Probe(map)) = serde_json::from_slice::<Probe>(body) else {
        return InBody::Fine;
    };
    let Some(raw) = map.get(rule.field) else {
        return InBody::Fine;
    };
    let code = raw
        .as_i64()
        .or_else(|| raw.as_str().and_then(|s| s.trim().parse().ok()));
    if code == Some(rule.success) {
        return InBody::Fine;
    }
    let message = rule
        .message
        .and_then(|field| map.get(field))
        .and_then(|m| match m {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
        .map(|m| {
            let m: String = m.chars().take(redact::EXCERPT_CHARS).collect();
            redact::text(&m, &secrets())
        });
    let error = InBodyError {
        // A code that is not a number is reported as -1, its text in the
        // excerpt.
        code: code.unwrap_or(-1),
        message,
    };
    let text = String::from_utf8_lossy(body);
    if rule.auth_messages.iter().any(|m| text.contains(m)) {
        InBody::AuthRejected(error)
    } else {
        InBody::Error(error)
    }
}

/// Why a body was not read whole.
enum BodyError {
    Transport(reqwest::Error),
    /// Past the client's limit.
    TooLarge,
}

impl From<reqwest::Error> for BodyError {
    fn from(error: reqwest::Error) -> Self {
        BodyError::Transport(error)
    }
}

/// The whole body of `response`, chunk by chunk (a body of one chunk,
/// the common case, as it came: nothing copied), and no more than `limit`
/// bytes of it: a `Content-Length` over it is refused before reading, and
/// a body that grows past it as it arrives is dropped then. Not
/// `Response::bytes`, which reads without a bound and whose future is 568
/// bytes, copied twice into the attempt's state.
async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<bytes::Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let Some(first) = response.chunk().await? else {
        return Ok(bytes::Bytes::new());
    };
    if first.len() > limit {
        return Err(BodyError::TooLarge);
    }
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    // Room for both chunks at once (never past the limit), as the body
    // held whole before this bound did.
    let mut body = bytes::BytesMut::with_capacity((first.len() + second.len()).min(limit));
    for chunk in [first, second] {
        append_within(&mut body, &chunk, limit)?;
    }
    while let Some(chunk) = response.chunk().await? {
        append_within(&mut body, &chunk, limit)?;
    }
    Ok(body.freeze())
}

fn append_within(body: &mut bytes::BytesMut, chunk: &[u8], limit: usize) -> Result<(), BodyError> {
    if chunk.len() > limit - body.len() {
        return Err(BodyError::TooLarge);
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// `future`'s output, or `None` when `timer` fires first (no timer: no
/// bound). One timer bounds several waits in turn: it is registered once.
async fn within<F: Future>(
    timer: &mut Option<Pin<&mut tokio::time::Sleep>>,
    future: F,
) -> Option<F::Output> {
    let Some(timer) = timer else {
        return Some(future.await);
    };
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

pub(crate) fn transport_error<E>(operation: &'static str, err: reqwest::Error) -> Error<E> {
    let err = err.without_url();
    if err.is_timeout() {
        Error::Timeout { operation }
    } else {
        Error::Connection {
            operation,
            source: err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_name_the_next_page() {
        assert_eq!(
            next_link(r#"<https://api.example.com/v1/people?cursor=abc>; rel="next""#).as_deref(),
            Some("https://api.example.com/v1/people?cursor=abc")
        );
        assert_eq!(
            next_link(r#"<https://a/x?p=1>; rel="prev", <https://a/x?p=3>; rel="next""#).as_deref(),
            Some("https://a/x?p=3")
        );
        assert_eq!(next_link(r#"<https://a/x>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            parse_base_url("http://h:8000/v2/").unwrap(),
            "http://h:8000/v2"
        );
        assert!(parse_base_url("ftp://h").is_err());
        assert!(parse_base_url("http://h/?a=b").is_err());
        assert!(parse_base_url("not a url").is_err());
    }
}
