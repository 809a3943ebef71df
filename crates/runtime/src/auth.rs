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
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::time::Instant;

use crate::client::Client;
use crate::deadline::Deadline;
use crate::error::Error;
use crate::renewal::{After, DEFAULT_MARGIN_CAP, Machine, Outcome, Plan, Step};
use crate::request::Request;
use crate::secret::Secret;
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
            AuthError::Failed(_) => true,
            AuthError::Call { error, .. } => match &**error {
                Error::Unauthorized(_) => true,
                Error::Api(api) => {
                    api.in_body.is_some()
                        || ((400..500).contains(&api.status) && !matches!(api.status, 408 | 429))
                }
                _ => false,
            },
            AuthError::Invalid(_) | AuthError::Timeout => false,
        }
    }

    /// A copy of a refusal (see [`AuthError::refused`]), the vendor's answer
    /// included; `None` for errors that hold a transport error.
    pub fn shared(&self) -> Option<AuthError> {
        match self {
            AuthError::Failed(message) => Some(AuthError::Failed(message.clone())),
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
            AuthError::Failed(_) | AuthError::Timeout => false,
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
        }
    }
}

impl std::error::Error for AuthError {}

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
#[derive(Debug)]
pub struct StaticToken {
    placement: Placement,
    token: Secret,
    revoke: Option<TokenCall>,
    revoked: AtomicBool,
}

impl StaticToken {
    /// `token`, placed as `placement` on every request.
    pub fn new(placement: Placement, token: impl Into<Secret>) -> Self {
        StaticToken {
            placement,
            token: token.into(),
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
            if self.revoked.load(Ordering::SeqCst) {
                return Err(AuthError::Failed(
                    "the credential was revoked with revoke_auth(); build a client with a new one"
                        .to_owned(),
                ));
            }
            self.placement.apply(request, &self.token)
        })
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

    /// The token to send and its epoch, renewing it first if need be.
    async fn token(
        &self,
        client: &Client,
        deadline: Option<Deadline>,
    ) -> Result<(Secret, u64), AuthError> {
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
            let guard = Abandon {
                owner: self,
                ticket: Some(ticket),
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

/// Abandons a flight when dropped before [`Abandon::disarm`].
struct Abandon<'a, S: TokenSource> {
    owner: &'a RefreshingToken<S>,
    ticket: Option<u64>,
}

impl<S: TokenSource> Abandon<'_, S> {
    fn disarm(mut self) {
        self.ticket = None;
    }
}

impl<S: TokenSource> Drop for Abandon<'_, S> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.owner.finish(ticket, Outcome::Abandoned);
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
            let (access, refresh) = self.lock().revoke();
            if access.is_none() && refresh.is_none() {
                return Ok(()); // nothing to revoke
            }
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
        })
    }

    fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets = self.source.known_secrets();
        secrets.extend(self.lock().secrets());
        secrets
    }
}
