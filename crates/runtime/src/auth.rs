//! Authentication: the seam every auth lifecycle plugs into.
//!
//! The client calls [`Authenticate::authorize`] before each attempt of each
//! request, and [`Authenticate::rejected`] once when the vendor rejects the
//! credential (HTTP 401, or an in-body token error): a provider that can get
//! a new credential says so, and the call is retried once with it.
//!
//! Static credentials ([`HeaderToken`], [`BearerToken`], [`QueryToken`])
//! are never refreshed. [`RefreshingToken`] caches a token from a
//! [`TokenSource`] and renews it through an explicit state machine with an
//! epoch per token: renewal is single-flight (however many calls meet an
//! expired token at once, one token request is made), a rejection of a
//! token that is no longer current changes nothing, a refresh token is
//! replaced only by a newer one and never sent twice, a failed refresh falls
//! back to the login once, and every wait counts against the deadline of
//! the call that waits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::time::Instant;

use crate::client::Client;
use crate::deadline::Deadline;
use crate::error::Error;
use crate::renewal::{After, DEFAULT_MARGIN_CAP, Machine, Outcome, Plan, Step};
use crate::request::Request;
use crate::secret::Secret;
use crate::store::{StoredTokens, TokenStore};
use crate::tokens::TokenCall;
use crate::validate::InvalidRequest;

/// A boxed future, so that the traits stay object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a request could not be given credentials.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The credential cannot be sent (e.g. not a valid header value).
    Invalid(InvalidRequest),
    /// The token operation failed: its own error (the vendor's status and
    /// decoded body, or the transport error), with the body as JSON.
    Call {
        /// The token operation's operationId.
        operation: &'static str,
        /// What it answered.
        error: Box<Error<Value>>,
    },
    /// No credential could be obtained for another reason (the answer has
    /// no token, no grant is left to try); the message names what, without
    /// the credential.
    Failed(String),
    /// The call's deadline passed while it waited for a credential.
    Timeout,
    /// A redirect back from the vendor's authorization endpoint did not
    /// carry the `state` the authorization was started with (a forged or
    /// stale redirect): its code was not used.
    StateMismatch,
    /// The vendor's authorization endpoint refused (RFC 6749 section
    /// 4.1.2.1: `access_denied` when the user said no,
    /// `invalid_scope`, ...).
    Authorization {
        /// The OAuth error code.
        error: String,
        /// The vendor's description, if any.
        description: Option<String>,
    },
    /// A token was obtained and is in use, but the token store could not
    /// save it (or could not load what it held): a client started later
    /// from the store would not have it.
    Store(crate::store::StoreError),
}

impl AuthError {
    /// Whether the exchange ran out of the call's time (the vendor did not
    /// refuse anything).
    pub fn timed_out(&self) -> bool {
        match self {
            AuthError::Timeout => true,
            AuthError::Call { error, .. } => matches!(**error, Error::Timeout { .. }),
            _ => false,
        }
    }

    /// Whether the vendor refused for good (a 4xx other than 408 and 429,
    /// an error in a success body, an answer without a token): asking
    /// again at once would be refused the same way.
    ///
    /// A copy of such a refusal, for the calls that waited for it, is
    /// [`AuthError::shared`].
    pub fn refused(&self) -> bool {
        match self {
            AuthError::Failed(_) | AuthError::StateMismatch | AuthError::Authorization { .. } => {
                true
            }
            AuthError::Call { error, .. } => match &**error {
                Error::Unauthorized(_) => true,
                Error::Api(api) => {
                    api.in_body.is_some()
                        || ((400..500).contains(&api.status) && !matches!(api.status, 408 | 429))
                }
                _ => false,
            },
            AuthError::Invalid(_) | AuthError::Timeout | AuthError::Store(_) => false,
        }
    }

    /// A copy of a refusal (see [`AuthError::refused`]), the vendor's answer
    /// included; `None` for errors that hold a transport error.
    pub fn shared(&self) -> Option<AuthError> {
        match self {
            AuthError::Failed(message) => Some(AuthError::Failed(message.clone())),
            AuthError::StateMismatch => Some(AuthError::StateMismatch),
            AuthError::Authorization { error, description } => Some(AuthError::Authorization {
                error: error.clone(),
                description: description.clone(),
            }),
            AuthError::Call { operation, error } => {
                let error = match &**error {
                    Error::Api(api) => Error::Api(api.clone()),
                    Error::Unauthorized(api) => Error::Unauthorized(api.clone()),
                    _ => return None,
                };
                Some(AuthError::Call {
                    operation,
                    error: Box::new(error),
                })
            }
            _ => None,
        }
    }

    /// Whether the failed exchange certainly never reached the vendor (so
    /// a refresh token it carried is not spent).
    pub fn never_sent(&self) -> bool {
        match self {
            AuthError::Invalid(_) => true,
            AuthError::Call { error, .. } => match &**error {
                Error::Connection { source, .. } => source.is_connect(),
                Error::InvalidRequest(_) | Error::Config(_) => true,
                Error::RateLimited { response: None, .. } => true,
                _ => false,
            },
            AuthError::Failed(_)
            | AuthError::Timeout
            | AuthError::StateMismatch
            | AuthError::Authorization { .. }
            | AuthError::Store(_) => false,
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Invalid(invalid) => invalid.fmt(f),
            AuthError::Call { error, .. } => error.fmt(f),
            AuthError::Failed(message) => f.write_str(message),
            AuthError::Timeout => f.write_str("timed out waiting for a credential"),
            AuthError::StateMismatch => f.write_str(
                "the redirect's state is not the one the authorization was started with (a forged or stale redirect); its code was not used",
            ),
            AuthError::Authorization { error, description } => {
                write!(f, "the vendor refused the authorization: {error}")?;
                match description {
                    Some(d) => write!(f, " ({d})"),
                    None => Ok(()),
                }
            }
            AuthError::Store(err) => write!(f, "token store: {err}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Store(err) => Some(err),
            _ => None,
        }
    }
}

/// Adds credentials to requests.
pub trait Authenticate: Send + Sync + fmt::Debug + 'static {
    /// Puts a credential on `request`, obtaining or renewing it first if
    /// need be (token requests go through `client`, unauthenticated, and
    /// carry `request`'s deadline).
    fn authorize<'a>(
        &'a self,
        client: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Puts a credential on `request` at once, when the provider has one
    /// it need not wait for (a fixed token): the client then calls no
    /// `authorize` for the request, so no future is made for it. `None`
    /// (the default) when the credential must be waited for, having
    /// changed nothing on the request, or having changed only what
    /// `authorize` sets again the same way (a header it replaces).
    fn authorize_now(&self, request: &mut Request) -> Option<Result<(), AuthError>> {
        let _ = request;
        None
    }

    /// The vendor rejected the credential `request` carried. Returns true
    /// when a retry with a new credential is worth it (the default: false).
    fn rejected<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        let _ = request;
        Box::pin(async { false })
    }

    /// Revokes the current credential with the vendor where the vendor
    /// has a way to, then forgets it (the default does nothing). The next
    /// call obtains a new one, if the provider can.
    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        deadline: Option<Deadline>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        let _ = (client, deadline);
        Box::pin(async { Ok(()) })
    }

    /// Every credential the provider holds (tokens, login secrets): the
    /// client masks each wherever it appears in an error, under any key or
    /// none. The default: none.
    fn known_secrets(&self) -> Vec<Secret> {
        Vec::new()
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
    /// In a cookie (an `apiKey` scheme `in: cookie`).
    Cookie(&'static str),
}

impl Placement {
    /// A header placement; `name` must be lower-case.
    pub fn header(name: &'static str) -> Self {
        Placement::Header(HeaderName::from_static(name))
    }

    /// Puts `token` on `request` (and marks it a secret of the request, so
    /// that no error excerpt of its answer can show it).
    pub fn apply(&self, request: &mut Request, token: &Secret) -> Result<(), AuthError> {
        request.add_secret(token);
        match self {
            Placement::Query(name) => request.set_query(name, token.expose()),
            Placement::Cookie(name) => request.set_cookie(name, token.expose())?,
            Placement::Header(_) | Placement::Bearer => {
                if let Some(header) = self.header_for(token) {
                    let (name, value) = header?;
                    request.set_header(name, value, true);
                }
            }
        }
        Ok(())
    }

    /// The header `token` goes in, marked sensitive, for a header or
    /// bearer placement (`None` for a query or cookie one); an error when
    /// the token is not a valid header value.
    fn header_for(&self, token: &Secret) -> Option<Result<(HeaderName, HeaderValue), AuthError>> {
        let (name, value) = match self {
            Placement::Header(name) => (name.clone(), header_value(name, token.expose())),
            Placement::Bearer => (
                AUTHORIZATION,
                header_value(&AUTHORIZATION, &format!("Bearer {}", token.expose())),
            ),
            Placement::Query(_) | Placement::Cookie(_) => return None,
        };
        Some(value.map(|mut value| {
            value.set_sensitive(true);
            (name, value)
        }))
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

    fn authorize_now(&self, _: &mut Request) -> Option<Result<(), AuthError>> {
        Some(Ok(()))
    }
}

/// A fixed credential the user manages, sent the same way every time.
pub struct StaticToken {
    placement: Placement,
    token: Secret,
    /// The header it is sent in, built once (for a header placement and
    /// a token that is a valid header value; otherwise `apply` says why
    /// on each call).
    header: Option<(HeaderName, HeaderValue)>,
    revoke: Option<TokenCall>,
    revoked: AtomicBool,
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("placement", &self.placement)
            .field("token", &self.token)
            .field("revoke", &self.revoke)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

impl StaticToken {
    /// `token`, placed as `placement` on every request.
    pub fn new(placement: Placement, token: impl Into<Secret>) -> Self {
        let token = token.into();
        let header = placement.header_for(&token).and_then(Result::ok);
        StaticToken {
            placement,
            token,
            header,
            revoke: None,
            revoked: AtomicBool::new(false),
        }
    }

    /// The vendor revokes a token with `call`, which carries the token
    /// where every request does (Yeastar's `GET /del_token`):
    /// [`Client::revoke_auth`] sends it, and the client has no credential
    /// afterwards.
    pub fn revoke_with(mut self, call: TokenCall) -> Self {
        self.revoke = Some(call);
        self
    }
}

impl Authenticate for StaticToken {
    fn authorize<'a>(
        &'a self,
        _: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            if let Some(now) = self.authorize_now(request) {
                return now;
            }
            self.placement.apply(request, &self.token)
        })
    }

    /// A header placement with a valid token goes on at once (built once,
    /// at construction); a query or cookie placement, or a token that is
    /// not a valid header value (`authorize` says why), through
    /// `authorize`.
    fn authorize_now(&self, request: &mut Request) -> Option<Result<(), AuthError>> {
        if self.revoked.load(Ordering::SeqCst) {
            return Some(Err(AuthError::Failed(
                "the credential was revoked with revoke_auth(); build a client with a new one"
                    .to_owned(),
            )));
        }
        let (name, value) = self.header.as_ref()?;
        // Not added to the request's secrets: `known_secrets` names this
        // token for as long as the client lives.
        request.set_header(name.clone(), value.clone(), true);
        Some(Ok(()))
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        deadline: Option<Deadline>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let Some(call) = &self.revoke else {
                return Ok(());
            };
            if self.revoked.swap(true, Ordering::SeqCst) {
                return Ok(()); // nothing left to revoke
            }
            crate::tokens::revoke_in_place(client, call, &self.placement, &self.token, deadline)
                .await
        })
    }

    fn known_secrets(&self) -> Vec<Secret> {
        vec![self.token.clone()]
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

/// A token in a cookie (an `apiKey` scheme `in: cookie`).
pub struct CookieToken;

impl CookieToken {
    /// Cookie `name` carries `token` on every request.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(name: &'static str, token: impl Into<Secret>) -> StaticToken {
        StaticToken::new(Placement::Cookie(name), token)
    }
}

/// HTTP Basic credentials sent on every request (an `http` scheme
/// `basic`). The password never appears in `Debug` output.
pub struct BasicAuth {
    user: String,
    password: Secret,
}

impl BasicAuth {
    /// `user` and `password`, as `Authorization: Basic`.
    pub fn new(user: impl Into<String>, password: impl Into<Secret>) -> Self {
        BasicAuth {
            user: user.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}

impl Authenticate for BasicAuth {
    fn authorize<'a>(
        &'a self,
        _: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move { request.set_basic_auth(&self.user, &self.password) })
    }

    fn authorize_now(&self, request: &mut Request) -> Option<Result<(), AuthError>> {
        Some(request.set_basic_auth(&self.user, &self.password))
    }

    fn known_secrets(&self) -> Vec<Secret> {
        vec![self.password.clone()]
    }
}

/// The credentials of each security scheme a spec declares, applied per
/// operation as its `security` requirement says (see
/// [`Request::security`]): the first alternative whose every scheme has a
/// credential is used; when none has, nothing is sent if an alternative is
/// empty (`{}`: credentials optional), else `fallback` (a provider set
/// with [`crate::ClientBuilder::auth`]), if any. An operation
/// that states no requirement (the spec declares no security) carries
/// every configured credential.
pub struct Schemes {
    schemes: Vec<(&'static str, Arc<dyn Authenticate>)>,
    fallback: Option<Arc<dyn Authenticate>>,
}

impl Schemes {
    /// Credentials per scheme name, and a provider for what they cannot
    /// satisfy.
    pub fn new(
        schemes: Vec<(&'static str, Arc<dyn Authenticate>)>,
        fallback: Option<Arc<dyn Authenticate>>,
    ) -> Self {
        Schemes { schemes, fallback }
    }

    fn get(&self, key: &str) -> Option<&Arc<dyn Authenticate>> {
        self.schemes.iter().find(|(k, _)| *k == key).map(|(_, a)| a)
    }

    /// The providers whose credentials a request with the `security`
    /// requirement carries (the iterator does not borrow the request, so
    /// each provider can then write to it).
    fn chosen(
        &self,
        security: Option<&'static [&'static [&'static str]]>,
    ) -> impl Iterator<Item = &Arc<dyn Authenticate>> {
        let every = || {
            self.schemes
                .iter()
                .map(|(_, a)| a)
                .chain(self.fallback.as_ref())
        };
        let (all, keys, fallback) = match security {
            None => (Some(every()), None, None),
            Some(alternatives) => {
                let satisfied = alternatives
                    .iter()
                    .filter(|alt| !alt.is_empty())
                    .find(|alt| alt.iter().all(|k| self.get(k).is_some()));
                match satisfied {
                    Some(keys) => (None, Some(*keys), None),
                    // Credentials are optional.
                    None if alternatives.iter().any(|alt| alt.is_empty()) => (None, None, None),
                    None => (None, None, self.fallback.as_ref()),
                }
            }
        };
        all.into_iter()
            .flatten()
            .chain(keys.into_iter().flatten().filter_map(|k| self.get(k)))
            .chain(fallback)
    }
}

impl fmt::Debug for Schemes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, provider) in &self.schemes {
            map.entry(key, provider);
        }
        if let Some(fallback) = &self.fallback {
            map.entry(&"(fallback)", fallback);
        }
        map.finish()
    }
}

impl Authenticate for Schemes {
    fn authorize<'a>(
        &'a self,
        client: &'a Client,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            for provider in self.chosen(request.security) {
                provider.authorize(client, request).await?;
            }
            Ok(())
        })
    }

    /// At once when every chosen provider can; otherwise `None`, and
    /// `authorize` puts every credential on (those put on here again,
    /// the same way).
    fn authorize_now(&self, request: &mut Request) -> Option<Result<(), AuthError>> {
        for provider in self.chosen(request.security) {
            match provider.authorize_now(request)? {
                Ok(()) => {}
                Err(err) => return Some(Err(err)),
            }
        }
        Some(Ok(()))
    }

    fn rejected<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let mut retry = false;
            for provider in self.chosen(request.security) {
                retry |= provider.rejected(request).await;
            }
            retry
        })
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        deadline: Option<Deadline>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let mut first = None;
            for provider in self
                .schemes
                .iter()
                .map(|(_, a)| a)
                .chain(self.fallback.as_ref())
            {
                if let Err(err) = provider.revoke(client, deadline).await {
                    first.get_or_insert(err);
                }
            }
            first.map_or(Ok(()), Err)
        })
    }

    fn known_secrets(&self) -> Vec<Secret> {
        self.schemes
            .iter()
            .map(|(_, a)| a)
            .chain(self.fallback.as_ref())
            .flat_map(|a| a.known_secrets())
            .collect()
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
    /// How long the refresh token is valid from when it was obtained, if
    /// known (OAuth `refresh_token_expires_in`): kept in a token store.
    pub refresh_expires_in: Option<Duration>,
}

impl Token {
    /// A token valid for `expires_in` (if known), without a refresh token.
    pub fn new(value: impl Into<Secret>, expires_in: Option<Duration>) -> Self {
        Token {
            value: value.into(),
            expires_in,
            refresh: None,
            refresh_expires_in: None,
        }
    }

    /// Adds a refresh token, valid for `expires_in` (if known).
    pub fn with_refresh(
        mut self,
        refresh: impl Into<Secret>,
        expires_in: Option<Duration>,
    ) -> Self {
        self.refresh = Some(refresh.into());
        self.refresh_expires_in = expires_in;
        self
    }
}

/// What a [`TokenSource::fetch`] is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Renewal<'a> {
    /// Renew with this refresh token (it will never be offered again,
    /// whatever the outcome); `None`: log in with the configured
    /// credentials.
    pub refresh: Option<&'a Secret>,
    /// The deadline of the call that needs the token: put it on every
    /// token request ([`Request::with_deadline`]).
    pub deadline: Option<Deadline>,
}

/// What a [`TokenSource::revoke`] is asked to revoke.
#[derive(Debug, Clone, Copy)]
pub struct Revocation<'a> {
    /// The access token in use, if any.
    pub access: Option<&'a Secret>,
    /// The refresh token held, if any.
    pub refresh: Option<&'a Secret>,
    /// Where the access token goes on a request.
    pub placement: &'a Placement,
    /// The deadline of the revocation.
    pub deadline: Option<Deadline>,
}

/// Where tokens come from: a login, a token exchange, an OAuth grant.
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// Obtains a fresh token: with `renewal.refresh` when given, else by
    /// logging in. Requests go through `client`, must be sent
    /// `without_auth()` and carry `renewal.deadline`.
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        renewal: Renewal<'a>,
    ) -> BoxFuture<'a, Result<Token, AuthError>>;

    /// A refresh token to start from, if the user gave one (OAuth
    /// `refresh_token` grant): the first fetch renews with it.
    fn initial_refresh(&self) -> Option<Secret> {
        None
    }

    /// Revokes the credential with the vendor, if the vendor has a way
    /// to (the default does nothing).
    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        revocation: Revocation<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        let _ = (client, revocation);
        Box::pin(async { Ok(()) })
    }

    /// The credentials it logs in with (passwords, keys, client secrets),
    /// masked wherever they appear in an error. The default: none.
    fn known_secrets(&self) -> Vec<Secret> {
        Vec::new()
    }

    /// Where the tokens it obtains are kept between runs, if anywhere (see
    /// [`crate::store`]). The default: nowhere.
    fn token_store(&self) -> Option<Arc<dyn TokenStore>> {
        None
    }
}

/// A token from a [`TokenSource`], cached and renewed: shortly before it
/// expires (a tenth of its lifetime, at most 60 s, see
/// [`RefreshingToken::refresh_before`]) and after a rejection;
/// single-flight. See the module docs for the guarantees.
pub struct RefreshingToken<S> {
    source: S,
    placement: Placement,
    machine: Mutex<Machine>,
    /// Bumped whenever a flight ends, to wake the calls waiting for it.
    changes: tokio::sync::watch::Sender<u64>,
    /// The vendor's last refusal of a token request, told to the calls
    /// that waited for it.
    last_refusal: Mutex<Option<AuthError>>,
    fetches: AtomicU64,
    /// Set once the source's token store was loaded into the machine.
    loaded: tokio::sync::OnceCell<()>,
}

impl<S: fmt::Debug> fmt::Debug for RefreshingToken<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingToken")
            .field("source", &self.source)
            .field("placement", &self.placement)
            .field("fetches", &self.fetches.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl<S: TokenSource> RefreshingToken<S> {
    /// Tokens from `source`, placed as `placement`, renewed a tenth of
    /// their lifetime (at most 60 s) before they expire.
    pub fn new(source: S, placement: Placement) -> Self {
        let machine = Machine::new(source.initial_refresh(), DEFAULT_MARGIN_CAP);
        RefreshingToken {
            source,
            placement,
            machine: Mutex::new(machine),
            changes: tokio::sync::watch::Sender::new(0),
            last_refusal: Mutex::new(None),
            fetches: AtomicU64::new(0),
            loaded: tokio::sync::OnceCell::new(),
        }
    }

    /// Renew at most `margin` before expiry instead of 60 s (the margin is
    /// also never more than a tenth of the token's lifetime, so that a
    /// short-lived token is reused for most of its life).
    pub fn refresh_before(self, margin: Duration) -> Self {
        self.lock().set_margin_cap(margin);
        self
    }

    /// How many tokens have been obtained so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// The source.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Machine> {
        // The machine's transitions cannot panic half-way; a panic
        // elsewhere while the lock was held leaves it consistent.
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn finish(&self, ticket: u64, outcome: Outcome) -> After {
        let after = self.lock().finish(ticket, outcome, Instant::now());
        if !matches!(after, After::Fallback { .. }) {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
        after
    }

    /// Loads the source's token store into the machine, once, before the
    /// first token request (calls that come meanwhile wait for it within
    /// their deadlines). A load that fails is tried again by the next call.
    async fn ensure_loaded(&self, deadline: Option<Deadline>) -> Result<(), AuthError> {
        let Some(store) = self.source.token_store() else {
            return Ok(());
        };
        self.loaded
            .get_or_try_init(|| async {
                let stored = within(deadline, store.load())
                    .await?
                    .map_err(AuthError::Store)?;
                if let Some(stored) = stored {
                    let now = SystemTime::now();
                    let left = |at: Option<SystemTime>| {
                        at.map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
                    };
                    let access = stored
                        .access_token
                        .map(|t| (t, left(stored.access_expires_at)));
                    // An expired refresh token would only be refused.
                    let refresh = stored
                        .refresh_token
                        .filter(|_| left(stored.refresh_expires_at).is_none_or(|l| !l.is_zero()));
                    self.lock().seed(access, refresh, Instant::now());
                }
                Ok::<(), AuthError>(())
            })
            .await
            .map(drop)
    }

    /// Saves what the flight obtained, while it is still the one flight.
    async fn save(
        &self,
        store: &dyn TokenStore,
        token: &Token,
        sent_refresh: Option<&Secret>,
        deadline: Option<Deadline>,
    ) -> Result<(), AuthError> {
        let now = SystemTime::now();
        // What the machine will hold: the rotated refresh token, or the
        // one sent when the vendor does not rotate.
        let refresh = token.refresh.clone().or_else(|| sent_refresh.cloned());
        let stored = StoredTokens::new(Some(token.value.clone()), refresh)
            .access_expires_at(token.expires_in.and_then(|d| now.checked_add(d)))
            .refresh_expires_at(token.refresh_expires_in.and_then(|d| now.checked_add(d)));
        within(deadline, store.save(&stored))
            .await?
            .map_err(AuthError::Store)
    }

    /// The token to send and its epoch, renewing it first if need be.
    async fn token(
        &self,
        client: &Client,
        deadline: Option<Deadline>,
    ) -> Result<(Secret, u64), AuthError> {
        self.ensure_loaded(deadline).await?;
        loop {
            let (step, mut changes, failures) = {
                let mut machine = self.lock();
                // Subscribed under the lock: a flight that ends after this
                // point wakes us.
                (
                    machine.authorize(Instant::now()),
                    self.changes.subscribe(),
                    machine.failures(),
                )
            };
            match step {
                Step::Use { token, epoch } => return Ok((token, epoch)),
                Step::Wait => {
                    let changed = changes.changed();
                    match deadline {
                        Some(deadline) => {
                            tokio::time::timeout_at(deadline.instant(), changed)
                                .await
                                .map_err(|_| AuthError::Timeout)?
                                .map_err(|_| {
                                    AuthError::Failed("the auth provider was dropped".to_owned())
                                })?;
                        }
                        None => changed.await.map_err(|_| {
                            AuthError::Failed("the auth provider was dropped".to_owned())
                        })?,
                    }
                    // The vendor just refused the token request this call
                    // waited for: this call fails too rather than asking
                    // again in turn. (After a passing failure, it asks.)
                    let failed = {
                        let machine = self.lock();
                        machine.failures() > failures && !machine.usable(Instant::now())
                    };
                    if failed {
                        let refusal = self
                            .last_refusal
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .as_ref()
                            .and_then(AuthError::shared);
                        return Err(refusal.unwrap_or_else(|| {
                            AuthError::Failed(
                                "the vendor refused the token request made for this call"
                                    .to_owned(),
                            )
                        }));
                    }
                }
                Step::Fetch { ticket, plan } => {
                    return self.fly(client, ticket, plan, deadline).await;
                }
            }
        }
    }

    /// Runs the one flight in progress: the fetch, and the login it falls
    /// back to when a refresh fails. Returns the token it obtained.
    async fn fly(
        &self,
        client: &Client,
        mut ticket: u64,
        mut plan: Plan,
        deadline: Option<Deadline>,
    ) -> Result<(Secret, u64), AuthError> {
        loop {
            // Dropped mid-fetch (the call was cancelled or timed out): the
            // flight is abandoned, and the next caller starts another.
            let mut guard = Abandon {
                owner: self,
                ticket: Some(ticket),
                on_drop: None,
            };
            if deadline.is_some_and(|d| d.passed()) {
                // No time left to ask: nothing is sent, nothing is spent.
                guard.disarm();
                self.finish(ticket, Outcome::Untried);
                return Err(AuthError::Timeout);
            }
            let refresh = match &plan {
                Plan::Refresh(secret) => Some(secret),
                Plan::Login => None,
            };
            let result = self
                .source
                .fetch(client, Renewal { refresh, deadline })
                .await;
            // Saved while this is still the one flight, so that saves never
            // overlap and the newest is the last; dropped mid-save, the
            // flight still ends with the token it obtained.
            let mut store_error = None;
            if let (Ok(token), Some(store)) = (&result, self.source.token_store()) {
                guard.on_drop = Some(Outcome::Issued(token.clone()));
                if let Err(err) = self.save(store.as_ref(), token, refresh, deadline).await {
                    tracing::warn!(error = %err, "the renewed credential could not be saved");
                    store_error = Some(err);
                }
            }
            guard.disarm();
            let outcome = match &result {
                Ok(token) => Outcome::Issued(token.clone()),
                // This call ran out of time: not the vendor's doing, so the
                // calls waiting for it ask again (with their own deadlines).
                Err(err) if err.timed_out() => Outcome::Abandoned,
                Err(err) if err.never_sent() => Outcome::NotSent,
                Err(err) if err.refused() => Outcome::Refused,
                Err(_) => Outcome::Failed,
            };
            if let (Err(err), Outcome::Refused) = (&result, &outcome) {
                *self
                    .last_refusal
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = err.shared();
            }
            match (result, self.finish(ticket, outcome)) {
                (Ok(_), After::Issued { token, epoch }) => {
                    self.fetches.fetch_add(1, Ordering::SeqCst);
                    // The token is in use; the call is told it was not
                    // saved.
                    if let Some(err) = store_error {
                        return Err(err);
                    }
                    return Ok((token, epoch));
                }
                (Err(err), After::Fallback { ticket: next }) => {
                    tracing::debug!(error = %err, "refresh failed; logging in again");
                    ticket = next;
                    plan = Plan::Login;
                }
                (Err(err), _) => return Err(err),
                (Ok(_), _) => {
                    return Err(AuthError::Failed(
                        "the token obtained was superseded".to_owned(),
                    ));
                }
            }
        }
    }
}

/// Runs `future` until `deadline`, if any.
async fn within<T>(
    deadline: Option<Deadline>,
    future: impl Future<Output = T>,
) -> Result<T, AuthError> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline.instant(), future)
            .await
            .map_err(|_| AuthError::Timeout),
        None => Ok(future.await),
    }
}

/// Ends a flight when dropped before [`Abandon::disarm`]: abandoned, or
/// with `on_drop` when set (a token obtained but not yet saved).
struct Abandon<'a, S: TokenSource> {
    owner: &'a RefreshingToken<S>,
    ticket: Option<u64>,
    on_drop: Option<Outcome>,
}

impl<S: TokenSource> Abandon<'_, S> {
    fn disarm(mut self) {
        self.ticket = None;
    }
}

impl<S: TokenSource> Drop for Abandon<'_, S> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            let outcome = self.on_drop.take().unwrap_or(Outcome::Abandoned);
            self.owner.finish(ticket, outcome);
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
            let (token, epoch) = self.token(client, request.deadline()).await?;
            request.auth_epoch = Some(epoch);
            self.placement.apply(request, &token)
        })
    }

    fn rejected<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            match request.auth_epoch {
                Some(epoch) => self.lock().rejected(epoch),
                None => false,
            }
        })
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        deadline: Option<Deadline>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            // Tokens an earlier run saved are revoked too.
            self.ensure_loaded(deadline).await?;
            let (access, refresh) = self.lock().revoke();
            let revoked = if access.is_none() && refresh.is_none() {
                Ok(()) // nothing to revoke
            } else {
                self.source
                    .revoke(
                        client,
                        Revocation {
                            access: access.as_ref(),
                            refresh: refresh.as_ref(),
                            placement: &self.placement,
                            deadline,
                        },
                    )
                    .await
            };
            // Forgotten here: forgotten in the store too.
            let cleared = match self.source.token_store() {
                Some(store) => within(deadline, store.clear())
                    .await
                    .and_then(|r| r.map_err(AuthError::Store)),
                None => Ok(()),
            };
            revoked.and(cleared)
        })
    }

    fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets = self.source.known_secrets();
        secrets.extend(self.lock().secrets());
        secrets
    }
}
