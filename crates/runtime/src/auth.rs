//! Authentication: the seam every auth lifecycle plugs into.
//!
//! The client calls [`Authenticate::authorize`] before each attempt of each
//! request, and [`Authenticate::rejected`] once when the vendor rejects the
//! credential (HTTP 401, or an in-body token error): a provider that can get
//! a new credential says so, and the call is retried once with it.
//!
//! Static credentials ([`HeaderToken`], [`BearerToken`], [`QueryToken`])
//! are never refreshed. [`RefreshingToken`] caches a token from a
//! [`TokenSource`], renews it shortly before it expires and after a
//! rejection, and does so single-flight: however many calls meet an expired
//! token at once, one token request is made.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::client::Client;
use crate::request::Request;
use crate::secret::Secret;
use crate::validate::InvalidRequest;

/// A boxed future, so that the traits stay object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a request could not be given credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The credential cannot be sent (e.g. not a valid header value).
    Invalid(InvalidRequest),
    /// Obtaining a credential failed; the message names the token
    /// operation and what went wrong, without the credential.
    Failed(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Invalid(invalid) => invalid.fmt(f),
            AuthError::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for AuthError {}

/// Adds credentials to requests.
pub trait Authenticate: Send + Sync + fmt::Debug + 'static {
    /// Puts a credential on `request`, obtaining or renewing it first if
    /// need be (token requests go through `client`, unauthenticated).
    fn authorize<'a>(
        &'a self,
        client: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// The vendor rejected the credential `request` carried. Returns true
    /// when a retry with a new credential is worth it (the default: false).
    fn rejected<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        let _ = request;
        Box::pin(async { false })
    }

    /// Revokes the credential with the vendor, if the provider can (the
    /// default does nothing). The next call obtains a new one.
    fn revoke<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<(), AuthError>> {
        let _ = client;
        Box::pin(async { Ok(()) })
    }
}

/// Where a credential goes on a request.
#[derive(Debug, Clone)]
pub enum Placement {
    /// In a header of its own, e.g. Kazoo's `X-Auth-Token`.
    Header(HeaderName),
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// In a query parameter, e.g. Yeastar's `access_token`.
    Query(&'static str),
}

impl Placement {
    /// A header placement; `name` must be lower-case.
    pub fn header(name: &'static str) -> Self {
        Placement::Header(HeaderName::from_static(name))
    }

    /// Puts `token` on `request`.
    pub fn apply(&self, request: &mut Request, token: &Secret) -> Result<(), AuthError> {
        match self {
            Placement::Header(name) => {
                let value = header_value(name, token.expose())?;
                request.set_header(name.clone(), value, true);
            }
            Placement::Bearer => {
                let value = header_value(&AUTHORIZATION, &format!("Bearer {}", token.expose()))?;
                request.set_header(AUTHORIZATION, value, true);
            }
            Placement::Query(name) => request.set_query(name, token.expose()),
        }
        Ok(())
    }
}

fn header_value(name: &HeaderName, value: &str) -> Result<HeaderValue, AuthError> {
    HeaderValue::try_from(value).map_err(|_| {
        AuthError::Invalid(InvalidRequest::new(
            format_args!("header.{name}"),
            "credential must be a valid HTTP header value",
        ))
    })
}

/// No credentials: for token endpoints and unauthenticated APIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Authenticate for NoAuth {
    fn authorize<'a>(
        &'a self,
        _: &'a Client,
        _: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }
}

/// A fixed credential the user manages, sent the same way every time.
#[derive(Debug, Clone)]
pub struct StaticToken {
    placement: Placement,
    token: Secret,
}

impl StaticToken {
    /// `token`, placed as `placement` on every request.
    pub fn new(placement: Placement, token: impl Into<Secret>) -> Self {
        StaticToken {
            placement,
            token: token.into(),
        }
    }
}

impl Authenticate for StaticToken {
    fn authorize<'a>(
        &'a self,
        _: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move { self.placement.apply(request, &self.token) })
    }
}

/// A token in a header of its own (Kazoo's `X-Auth-Token`).
pub struct HeaderToken;

impl HeaderToken {
    /// `header` (lower-case) carries `token` on every request.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(header: &'static str, token: impl Into<Secret>) -> StaticToken {
        StaticToken::new(Placement::header(header), token)
    }
}

/// `Authorization: Bearer <token>` with a token the user manages.
pub struct BearerToken;

impl BearerToken {
    /// A bearer token the user manages.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(token: impl Into<Secret>) -> StaticToken {
        StaticToken::new(Placement::Bearer, token)
    }
}

/// A token in a query parameter (Yeastar's `access_token`).
pub struct QueryToken;

impl QueryToken {
    /// Query parameter `name` carries `token` on every request.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(name: &'static str, token: impl Into<Secret>) -> StaticToken {
        StaticToken::new(Placement::Query(name), token)
    }
}

/// A token obtained from the vendor, and how long it lasts.
#[derive(Debug, Clone)]
pub struct Token {
    /// The credential to send.
    pub value: Secret,
    /// How long it is valid from when it was obtained, if known.
    pub expires_in: Option<Duration>,
    /// A token to obtain the next one with (OAuth `refresh_token`), if any.
    pub refresh: Option<Secret>,
}

/// Where tokens come from: a login, a token exchange, an OAuth grant.
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// Obtains a fresh token. `previous` is the last token obtained (whose
    /// `refresh` may be used), if any. Requests go through `client` and
    /// must be sent `without_auth()`.
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, AuthError>>;

    /// Revokes `token` with the vendor (the default does nothing).
    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        let _ = (client, token);
        Box::pin(async { Ok(()) })
    }
}

/// A token from a [`TokenSource`], cached, renewed `refresh_before` its
/// expiry and after a rejection; single-flight.
#[derive(Debug)]
pub struct RefreshingToken<S> {
    source: S,
    placement: Placement,
    refresh_before: Duration,
    state: tokio::sync::Mutex<TokenState>,
    fetches: AtomicU64,
}

#[derive(Debug, Default)]
struct TokenState {
    current: Option<CachedToken>,
    /// Bumped each time a token is obtained; requests remember the
    /// generation they carried, so that a rejection of an old token does
    /// not throw away a newer one.
    generation: u64,
    /// The last token, kept after a rejection for its refresh token.
    previous: Option<Token>,
}

#[derive(Debug)]
struct CachedToken {
    token: Token,
    obtained: Instant,
}

impl<S: TokenSource> RefreshingToken<S> {
    /// Tokens from `source`, placed as `placement`, renewed 60 s before
    /// they expire.
    pub fn new(source: S, placement: Placement) -> Self {
        RefreshingToken {
            source,
            placement,
            refresh_before: Duration::from_secs(60),
            state: tokio::sync::Mutex::new(TokenState::default()),
            fetches: AtomicU64::new(0),
        }
    }

    /// Renew this long before expiry instead of 60 s.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// How many tokens have been obtained so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// The source, e.g. to revoke its token.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn fresh(&self, cached: &CachedToken) -> bool {
        match cached.token.expires_in {
            None => true,
            Some(lifetime) => cached.obtained.elapsed() + self.refresh_before < lifetime,
        }
    }
}

impl<S: TokenSource> Authenticate for RefreshingToken<S> {
    fn authorize<'a>(
        &'a self,
        client: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            // Holding the lock across the fetch is what makes refresh
            // single-flight: every other caller waits here, then finds the
            // new token.
            let mut state = self.state.lock().await;
            let usable = state.current.as_ref().is_some_and(|c| self.fresh(c));
            if !usable {
                let previous = state
                    .current
                    .take()
                    .map(|c| c.token)
                    .or_else(|| state.previous.take());
                let token = self.source.fetch(client, previous.as_ref()).await;
                let token = match token {
                    Ok(token) => token,
                    Err(err) => {
                        state.previous = previous;
                        return Err(err);
                    }
                };
                self.fetches.fetch_add(1, Ordering::SeqCst);
                state.generation += 1;
                state.current = Some(CachedToken {
                    token,
                    obtained: Instant::now(),
                });
            }
            let cached = state.current.as_ref().expect("a token was just ensured");
            request.auth_generation = Some(state.generation);
            self.placement.apply(request, &cached.token.value)
        })
    }

    fn rejected<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if request.auth_generation == Some(state.generation) {
                state.previous = state.current.take().map(|c| c.token);
            }
            true
        })
    }

    fn revoke<'a>(&'a self, client: &'a Client) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let Some(cached) = state.current.take() else {
                return Ok(());
            };
            state.previous = None;
            self.source.revoke(client, &cached.token).await
        })
    }
}
