//! Token sources: how a vendor hands out tokens, written once.
//!
//! - [`TokenExchange`]: send credentials as JSON to a login operation, read
//!   the token (and its lifetime, and a refresh token) from the JSON answer
//!   by JSON pointer; optionally refresh with another operation (Kazoo
//!   `user_auth`/`api_auth`, Yeastar `get_token`/`refresh_token`).
//!   Optionally revoke with a third (Yeastar `del_token`).
//! - [`OAuth2`]: an RFC 6749 token endpoint with a form body, the client
//!   authenticated by HTTP Basic (RingCentral), in the body (Webex), as a
//!   public client or with a JWT client assertion ([`ClientAuth`]):
//!   password, JWT bearer, client-credentials and authorization-code (with
//!   PKCE, see [`crate::oauth`]) grants, refresh with the rotated refresh
//!   token, revocation, and tokens kept in a [`TokenStore`]
//!   ([`Grant::with_store`]).
//!
//! Every token request carries the deadline of the call that needed the
//! token, and goes through the client's retries (a token endpoint's 429 is
//! retried after its `Retry-After`, within that deadline).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::auth::{AuthError, BoxFuture, Placement, Renewal, Revocation, Token, TokenSource};
use crate::client::Client;
use crate::deadline::Deadline;
use crate::request::Request;
use crate::secret::Secret;
use crate::store::TokenStore;

/// A JSON body that holds credentials: `Debug` shows only its keys.
#[derive(Clone)]
pub struct SecretJson(Value);

impl SecretJson {
    /// Wraps a body that holds credentials.
    pub fn new(value: Value) -> Self {
        SecretJson(value)
    }

    /// Every string in it under a credential-like key, to keep out of
    /// error excerpts.
    fn secrets(&self) -> Vec<Secret> {
        fn walk(value: &Value, under_secret: bool, out: &mut Vec<Secret>) {
            match value {
                Value::String(s) if under_secret => out.push(Secret::new(s.clone())),
                Value::Object(map) => {
                    for (key, inner) in map {
                        walk(
                            inner,
                            under_secret || crate::redact::is_secret_key(key),
                            out,
                        );
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, under_secret, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.0, false, &mut out);
        out
    }
}

impl fmt::Debug for SecretJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Value::Object(map) => {
                write!(f, "SecretJson(keys {:?})", map.keys().collect::<Vec<_>>())
            }
            _ => f.write_str("SecretJson(***)"),
        }
    }
}

/// One token-issuing call of a [`TokenExchange`].
#[derive(Debug, Clone)]
pub struct TokenCall {
    /// The operationId, for errors and spans.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path below the base URL, e.g. `/api_auth`.
    pub path: &'static str,
    /// The vendor's rate-limit group of the operation, if any.
    pub rate_group: Option<&'static str>,
}

impl TokenCall {
    /// A request for this call, unauthenticated, with `deadline`.
    fn request(&self, deadline: Option<Deadline>) -> Request {
        let request = Request::new(self.method.clone(), self.operation, self.path)
            .literal(self.path)
            .without_auth()
            .with_deadline(deadline);
        match self.rate_group {
            Some(group) => request.rate_group(group),
            None => request,
        }
    }
}

fn call_error(operation: &'static str, error: crate::Error<Value>) -> AuthError {
    AuthError::Call {
        operation,
        error: Box::new(error),
    }
}

/// Revokes `token` with `call`, which carries it where every request does
/// (`placement`), e.g. Yeastar's `GET /del_token?access_token=...`.
pub(crate) async fn revoke_in_place(
    client: &Client,
    call: &TokenCall,
    placement: &Placement,
    token: &Secret,
    deadline: Option<Deadline>,
) -> Result<(), AuthError> {
    let mut request = call.request(deadline);
    placement.apply(&mut request, token)?;
    client
        .send_empty::<Value>(request)
        .await
        .map_err(|e| call_error(call.operation, e))
}

/// Credentials exchanged for a token by a JSON call.
#[derive(Debug, Clone)]
pub struct TokenExchange {
    login: TokenCall,
    body: SecretJson,
    token: &'static str,
    expires_in: Option<&'static str>,
    lifetime: Option<Duration>,
    refresh_token: Option<&'static str>,
    refresh: Option<(TokenCall, &'static str)>,
    revoke: Option<TokenCall>,
    store: Option<Arc<dyn TokenStore>>,
}

impl TokenExchange {
    /// Log in with `body` at `login`; the token is at JSON pointer `token`
    /// of the answer.
    pub fn new(login: TokenCall, body: Value, token: &'static str) -> Self {
        TokenExchange {
            login,
            body: SecretJson(body),
            token,
            expires_in: None,
            lifetime: None,
            refresh_token: None,
            refresh: None,
            revoke: None,
            store: None,
        }
    }

    /// Keeps the tokens it obtains in `store` (see [`crate::store`]): a
    /// client started later from the same store uses the saved token (and
    /// refresh token) until it expires instead of logging in again.
    pub fn with_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The token's lifetime in seconds is at this JSON pointer of the answer.
    pub fn expires_in_at(mut self, pointer: &'static str) -> Self {
        self.expires_in = Some(pointer);
        self
    }

    /// The lifetime when the answer does not say (Kazoo: 3600 s).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Renew with `call`, sending `{<field>: <refresh token>}`, where the
    /// refresh token is at JSON pointer `refresh_token` of each answer.
    pub fn refresh_with(
        mut self,
        call: TokenCall,
        field: &'static str,
        refresh_token: &'static str,
    ) -> Self {
        self.refresh = Some((call, field));
        self.refresh_token = Some(refresh_token);
        self
    }

    /// Revoke with `call`, which carries the access token where every
    /// request does (Yeastar `GET /del_token`).
    pub fn revoke_with(mut self, call: TokenCall) -> Self {
        self.revoke = Some(call);
        self
    }

    async fn call(
        &self,
        client: &Client,
        call: &TokenCall,
        body: &Value,
        secrets: Vec<Secret>,
        deadline: Option<Deadline>,
    ) -> Result<Token, AuthError> {
        let mut request = call.request(deadline).json(body);
        for secret in &secrets {
            request.add_secret(secret);
        }
        let answer: Value = client
            .send_json::<Value, Value>(request)
            .await
            .map_err(|e| call_error(call.operation, e))?;
        let value = answer
            .pointer(self.token)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AuthError::Failed(format!(
                    "{}: the answer has no token at {}",
                    call.operation, self.token
                ))
            })?;
        let expires_in = self
            .expires_in
            .and_then(|p| answer.pointer(p))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .map(Duration::from_secs)
            .or(self.lifetime);
        let refresh = self
            .refresh_token
            .and_then(|p| answer.pointer(p))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new);
        Ok(Token {
            value: Secret::new(value),
            expires_in,
            refresh,
            refresh_expires_in: None,
        })
    }
}

impl TokenSource for TokenExchange {
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        renewal: Renewal<'a>,
    ) -> BoxFuture<'a, Result<Token, AuthError>> {
        Box::pin(async move {
            if let (Some((call, field)), Some(refresh)) = (&self.refresh, renewal.refresh) {
                let body = serde_json::json!({ *field: refresh.expose() });
                return self
                    .call(client, call, &body, vec![refresh.clone()], renewal.deadline)
                    .await;
            }
            self.call(
                client,
                &self.login,
                &self.body.0,
                self.body.secrets(),
                renewal.deadline,
            )
            .await
        })
    }

    fn known_secrets(&self) -> Vec<Secret> {
        self.body.secrets()
    }

    fn token_store(&self) -> Option<Arc<dyn TokenStore>> {
        self.store.clone()
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        revocation: Revocation<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            match (&self.revoke, revocation.access) {
                (Some(call), Some(access)) => {
                    revoke_in_place(
                        client,
                        call,
                        revocation.placement,
                        access,
                        revocation.deadline,
                    )
                    .await
                }
                // No revoke operation, or no access token to revoke (the
                // vendor revokes access tokens only).
                _ => Ok(()),
            }
        })
    }
}

/// The grant an [`OAuth2`] source starts from.
#[derive(Clone)]
#[non_exhaustive]
pub enum Grant {
    /// `password` (RingCentral: username, password, optional extension).
    Password {
        /// The user's login.
        username: String,
        /// The user's password.
        password: Secret,
        /// RingCentral's extension number, if the login needs one.
        extension: Option<String>,
    },
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` with the user's JWT.
    JwtBearer {
        /// The JWT credential.
        assertion: Secret,
    },
    /// `refresh_token`, from a refresh token the user already has.
    RefreshToken {
        /// The refresh token.
        refresh_token: Secret,
    },
    /// `client_credentials`.
    ClientCredentials,
    /// `authorization_code` (RFC 6749 section 4.1): the code the vendor
    /// redirected the user back with, usually from
    /// [`crate::oauth::Authorization::grant_from_redirect`]. A code works
    /// once: it is sent at most once, whatever happens to that request,
    /// and the client goes on with the refresh token it brings.
    AuthorizationCode {
        /// The authorization code.
        code: Secret,
        /// The redirect URI the authorization was asked with.
        redirect_uri: String,
        /// The PKCE code verifier, when the authorization sent a challenge.
        code_verifier: Option<Secret>,
    },
    /// Starts from the tokens a [`TokenStore`] holds (a client that ran
    /// before saved them), else from the grant it wraps, if any; every
    /// token obtained is saved to the store. See [`Grant::with_store`].
    Stored(StoredGrant),
}

/// A grant that starts from a [`TokenStore`]: see [`Grant::Stored`].
#[derive(Clone)]
pub struct StoredGrant {
    store: Arc<dyn TokenStore>,
    otherwise: Option<Box<Grant>>,
}

impl StoredGrant {
    /// The store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// The grant used when the store holds no usable token.
    pub fn otherwise(&self) -> Option<&Grant> {
        self.otherwise.as_deref()
    }
}

impl Grant {
    /// This grant, with every token obtained saved to `store`; when the
    /// store already holds tokens (from an earlier run), the client starts
    /// from them instead, and this grant is used only if they no longer
    /// work.
    pub fn with_store(self, store: impl TokenStore) -> Grant {
        let otherwise = match self {
            // Already stored: the new store replaces the old one.
            Grant::Stored(stored) => stored.otherwise,
            grant => Some(Box::new(grant)),
        };
        Grant::Stored(StoredGrant {
            store: Arc::new(store),
            otherwise,
        })
    }

    /// The tokens `store` holds (saved by an earlier run), and every token
    /// obtained saved back to it; no other grant to fall back on.
    pub fn from_store(store: impl TokenStore) -> Grant {
        Grant::Stored(StoredGrant {
            store: Arc::new(store),
            otherwise: None,
        })
    }

    /// The grant without its store.
    fn plain(&self) -> Option<&Grant> {
        match self {
            Grant::Stored(stored) => stored.otherwise.as_deref().and_then(Grant::plain),
            grant => Some(grant),
        }
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::Password { .. } => f.write_str("Grant::Password(***)"),
            Grant::JwtBearer { .. } => f.write_str("Grant::JwtBearer(***)"),
            Grant::RefreshToken { .. } => f.write_str("Grant::RefreshToken(***)"),
            Grant::ClientCredentials => f.write_str("Grant::ClientCredentials"),
            Grant::AuthorizationCode { .. } => f.write_str("Grant::AuthorizationCode(***)"),
            Grant::Stored(stored) => f
                .debug_tuple("Grant::Stored")
                .field(&stored.store)
                .field(&stored.otherwise)
                .finish(),
        }
    }
}

/// How an [`OAuth2`] client authenticates itself to the token and revoke
/// endpoints (RFC 6749 section 2.3, RFC 7523 section 2.2).
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// The client id and secret as HTTP Basic auth (`client_secret_basic`;
    /// RingCentral's confidential apps). The default.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body
    /// (`client_secret_post`; Webex integrations).
    Body,
    /// `client_id` in the form body and no secret: a public client (a
    /// desktop or browser app using PKCE).
    Public,
    /// A signed JWT as `client_assertion`, with `client_assertion_type`
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
    /// (`private_key_jwt` / `client_secret_jwt`; RingCentral). The
    /// application signs it; it is a credential and masked everywhere.
    Assertion(Secret),
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientAuth::Basic => "ClientAuth::Basic",
            ClientAuth::Body => "ClientAuth::Body",
            ClientAuth::Public => "ClientAuth::Public",
            ClientAuth::Assertion(_) => "ClientAuth::Assertion(***)",
        })
    }
}

/// The `client_assertion_type` of [`ClientAuth::Assertion`].
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An OAuth 2.0 token endpoint (RFC 6749): the grants of [`Grant`],
/// refresh with the rotated refresh token, revocation (RFC 7009), and the
/// client authenticated as [`ClientAuth`] says (HTTP Basic by default).
#[derive(Debug, Clone)]
pub struct OAuth2 {
    token_path: &'static str,
    revoke_path: Option<&'static str>,
    client_id: String,
    client_secret: Secret,
    client_auth: ClientAuth,
    grant: Grant,
    extra: Vec<(&'static str, String)>,
    rate_group: Option<&'static str>,
    /// Set once the grant's single-use credential (an authorization code)
    /// may have reached the vendor: it is never sent again.
    spent: Arc<AtomicBool>,
}

impl OAuth2 {
    /// Tokens from `token_path` for the app `client_id`/`client_secret`,
    /// starting with `grant`.
    pub fn new(
        token_path: &'static str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        grant: Grant,
    ) -> Self {
        OAuth2 {
            token_path,
            revoke_path: None,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            client_auth: ClientAuth::Basic,
            grant,
            extra: Vec::new(),
            rate_group: None,
            spent: Arc::new(AtomicBool::new(false)),
        }
    }

    /// How the client authenticates itself (default: HTTP Basic).
    pub fn client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// The vendor's rate-limit group of the token and revoke endpoints
    /// (RingCentral `Auth`): token requests are shaped with it.
    pub fn rate_group(mut self, group: &'static str) -> Self {
        self.rate_group = Some(group);
        self
    }

    /// Where tokens are revoked.
    pub fn revoke_path(mut self, path: &'static str) -> Self {
        self.revoke_path = Some(path);
        self
    }

    /// An extra form field sent with every grant (e.g. `scope`).
    pub fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    fn form(
        &self,
        mut fields: Vec<(&'static str, String)>,
        operation: &'static str,
        path: &'static str,
        deadline: Option<Deadline>,
    ) -> Request {
        match &self.client_auth {
            ClientAuth::Basic => {}
            ClientAuth::Body => {
                fields.push(("client_id", self.client_id.clone()));
                fields.push(("client_secret", self.client_secret.expose().to_owned()));
            }
            ClientAuth::Public => fields.push(("client_id", self.client_id.clone())),
            ClientAuth::Assertion(assertion) => {
                fields.push(("client_assertion_type", CLIENT_ASSERTION_TYPE.to_owned()));
                fields.push(("client_assertion", assertion.expose().to_owned()));
            }
        }
        let mut map = serde_json::Map::new();
        let mut secrets = Vec::new();
        for (k, v) in fields.into_iter().chain(self.extra.iter().cloned()) {
            if crate::redact::is_secret_key(k) {
                secrets.push(Secret::new(v.clone()));
            }
            map.insert(k.to_owned(), Value::String(v));
        }
        let call = TokenCall {
            operation,
            method: Method::POST,
            path,
            rate_group: self.rate_group,
        };
        let mut request = call.request(deadline).form(&Value::Object(map));
        if let ClientAuth::Basic = self.client_auth {
            request = request.basic_auth(&self.client_id, &self.client_secret);
        }
        for secret in &secrets {
            request.add_secret(secret);
        }
        request
    }

    /// Revokes `token` (and with it, for RingCentral, the whole session).
    pub async fn revoke_token(
        &self,
        client: &Client,
        token: &Secret,
        deadline: Option<Deadline>,
    ) -> Result<(), AuthError> {
        let path = self
            .revoke_path
            .ok_or_else(|| AuthError::Failed("no revoke path configured".to_owned()))?;
        let request = self.form(
            vec![("token", token.expose().to_owned())],
            "revokeToken",
            path,
            deadline,
        );
        client
            .send_empty::<Value>(request)
            .await
            .map_err(|e| call_error("revokeToken", e))
    }

    /// The form fields of a login with `grant` (no refresh token at hand).
    fn login_fields(
        &self,
        grant: Option<&Grant>,
    ) -> Result<Vec<(&'static str, String)>, AuthError> {
        Ok(match grant {
            // The refresh token the client started with is spent (or
            // was refused): sending it again can only fail.
            Some(Grant::RefreshToken { .. }) => {
                return Err(AuthError::Failed(
                    "the refresh token the client was given has been used or refused, and no other grant is configured".to_owned(),
                ));
            }
            None => {
                return Err(AuthError::Failed(
                    "the token store holds no usable refresh token, and no other grant is configured: authorize again".to_owned(),
                ));
            }
            Some(Grant::Password {
                username,
                password,
                extension,
            }) => {
                let mut fields = vec![
                    ("grant_type", "password".to_owned()),
                    ("username", username.clone()),
                    ("password", password.expose().to_owned()),
                ];
                if let Some(extension) = extension {
                    fields.push(("extension", extension.clone()));
                }
                fields
            }
            Some(Grant::JwtBearer { assertion }) => vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned(),
                ),
                ("assertion", assertion.expose().to_owned()),
            ],
            Some(Grant::ClientCredentials) => vec![("grant_type", "client_credentials".to_owned())],
            Some(Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            }) => {
                if self.spent.swap(true, Ordering::SeqCst) {
                    return Err(AuthError::Failed(
                        "the authorization code has been used (a code works once): authorize again"
                            .to_owned(),
                    ));
                }
                let mut fields = vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code.expose().to_owned()),
                    ("redirect_uri", redirect_uri.clone()),
                ];
                if let Some(verifier) = code_verifier {
                    fields.push(("code_verifier", verifier.expose().to_owned()));
                }
                fields
            }
            Some(Grant::Stored(_)) => unreachable!("plain() unwraps stored grants"),
        })
    }
}

impl TokenSource for OAuth2 {
    fn known_secrets(&self) -> Vec<Secret> {
        let mut secrets = vec![self.client_secret.clone()];
        if let ClientAuth::Assertion(assertion) = &self.client_auth {
            secrets.push(assertion.clone());
        }
        match self.grant.plain() {
            Some(Grant::Password { password, .. }) => secrets.push(password.clone()),
            Some(Grant::JwtBearer { assertion }) => secrets.push(assertion.clone()),
            Some(Grant::RefreshToken { refresh_token }) => secrets.push(refresh_token.clone()),
            Some(Grant::AuthorizationCode {
                code,
                code_verifier,
                ..
            }) => {
                secrets.push(code.clone());
                secrets.extend(code_verifier.iter().cloned());
            }
            _ => {}
        }
        secrets
    }

    fn initial_refresh(&self) -> Option<Secret> {
        match self.grant.plain() {
            Some(Grant::RefreshToken { refresh_token }) => Some(refresh_token.clone()),
            _ => None,
        }
    }

    fn token_store(&self) -> Option<Arc<dyn TokenStore>> {
        match &self.grant {
            Grant::Stored(stored) => Some(stored.store.clone()),
            _ => None,
        }
    }

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        renewal: Renewal<'a>,
    ) -> BoxFuture<'a, Result<Token, AuthError>> {
        Box::pin(async move {
            let fields = match renewal.refresh {
                Some(refresh) => vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("refresh_token", refresh.expose().to_owned()),
                ],
                None => self.login_fields(self.grant.plain())?,
            };
            let code = matches!(self.grant.plain(), Some(Grant::AuthorizationCode { .. }))
                && renewal.refresh.is_none();
            let request = self.form(fields, "getToken", self.token_path, renewal.deadline);
            let answer = client.send_json::<Value, Value>(request).await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    let err = call_error("getToken", e);
                    // A code that never reached the vendor is not spent.
                    if code && err.never_sent() {
                        self.spent.store(false, Ordering::SeqCst);
                    }
                    return Err(err);
                }
            };
            let value = answer
                .get("access_token")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    AuthError::Failed("getToken: the answer has no access_token".to_owned())
                })?;
            let seconds = |key: &str| {
                answer
                    .get(key)
                    .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
                    .map(Duration::from_secs)
            };
            Ok(Token {
                value: Secret::new(value),
                expires_in: seconds("expires_in"),
                // The rotated refresh token, if the answer has one (a
                // vendor that does not rotate keeps the one sent).
                refresh: answer
                    .get("refresh_token")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(Secret::new),
                refresh_expires_in: seconds("refresh_token_expires_in"),
            })
        })
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        revocation: Revocation<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            // Revoking either token ends the session (RFC 7009); the
            // access token when there is one.
            match (&self.revoke_path, revocation.access.or(revocation.refresh)) {
                (Some(_), Some(token)) => {
                    self.revoke_token(client, token, revocation.deadline).await
                }
                _ => Ok(()),
            }
        })
    }
}
