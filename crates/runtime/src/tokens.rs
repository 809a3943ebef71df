//! Token sources: how a vendor hands out tokens, written once.
//!
//! - [`TokenExchange`]: send credentials as JSON to a login operation, read
//!   the token (and its lifetime, and a refresh token) from the JSON answer
//!   by JSON pointer; optionally refresh with another operation (Kazoo
//!   `user_auth`/`api_auth`, Yeastar `get_token`/`refresh_token`).
//! - [`OAuth2`]: an RFC 6749 token endpoint with a form body and the client
//!   id and secret as HTTP Basic auth (RingCentral): password, JWT bearer
//!   and client-credentials grants, refresh with the rotated refresh token,
//!   and revocation.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::auth::{AuthError, BoxFuture, Token, TokenSource};
use crate::client::Client;
use crate::request::Request;
use crate::secret::Secret;

/// A JSON body that holds credentials: `Debug` shows only its keys.
#[derive(Clone)]
pub struct SecretJson(Value);

impl SecretJson {
    /// Wraps a body that holds credentials.
    pub fn new(value: Value) -> Self {
        SecretJson(value)
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
        }
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

    async fn call(
        &self,
        client: &Client,
        call: &TokenCall,
        body: &Value,
    ) -> Result<Token, AuthError> {
        let request = Request::new(call.method.clone(), call.operation, call.path)
            .literal(call.path)
            .without_auth()
            .json(body);
        let answer: Value = client
            .send_json::<Value, Value>(request)
            .await
            .map_err(|e| AuthError::Failed(format!("could not obtain a token: {e}")))?;
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
            .map(Secret::new);
        Ok(Token {
            value: Secret::new(value),
            expires_in,
            refresh,
        })
    }
}

impl TokenSource for TokenExchange {
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, AuthError>> {
        Box::pin(async move {
            if let (Some((call, field)), Some(refresh)) =
                (&self.refresh, previous.and_then(|t| t.refresh.as_ref()))
            {
                let body = serde_json::json!({ *field: refresh.expose() });
                match self.call(client, call, &body).await {
                    Ok(token) => return Ok(token),
                    // A refresh token can expire too: log in again.
                    Err(err) => tracing::debug!(error = %err, "refresh failed; logging in again"),
                }
            }
            self.call(client, &self.login, &self.body.0).await
        })
    }
}

/// The grant an [`OAuth2`] source starts from.
#[derive(Clone)]
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
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grant::Password { .. } => "Grant::Password(***)",
            Grant::JwtBearer { .. } => "Grant::JwtBearer(***)",
            Grant::RefreshToken { .. } => "Grant::RefreshToken(***)",
            Grant::ClientCredentials => "Grant::ClientCredentials",
        })
    }
}

/// An OAuth 2.0 token endpoint (RFC 6749) with client authentication by
/// HTTP Basic.
#[derive(Debug, Clone)]
pub struct OAuth2 {
    token_path: &'static str,
    revoke_path: Option<&'static str>,
    client_id: String,
    client_secret: Secret,
    grant: Grant,
    extra: Vec<(&'static str, String)>,
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
            grant,
            extra: Vec::new(),
        }
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
        fields: Vec<(&'static str, String)>,
        operation: &'static str,
        path: &'static str,
    ) -> Request {
        let mut map = serde_json::Map::new();
        for (k, v) in fields.into_iter().chain(self.extra.iter().cloned()) {
            map.insert(k.to_owned(), Value::String(v));
        }
        Request::new(Method::POST, operation, path)
            .literal(path)
            .without_auth()
            .form(&Value::Object(map))
            .basic_auth(&self.client_id, &self.client_secret)
    }

    /// Revokes `token` (and with it, for RingCentral, the whole session).
    pub async fn revoke_token(&self, client: &Client, token: &Secret) -> Result<(), AuthError> {
        let path = self
            .revoke_path
            .ok_or_else(|| AuthError::Failed("no revoke path configured".to_owned()))?;
        let request = self.form(
            vec![("token", token.expose().to_owned())],
            "revokeToken",
            path,
        );
        client
            .send_empty::<Value>(request)
            .await
            .map_err(|e| AuthError::Failed(format!("could not revoke the token: {e}")))
    }
}

impl TokenSource for OAuth2 {
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        previous: Option<&'a Token>,
    ) -> BoxFuture<'a, Result<Token, AuthError>> {
        Box::pin(async move {
            let fields = match (previous.and_then(|t| t.refresh.as_ref()), &self.grant) {
                (Some(refresh), _)
                | (
                    None,
                    Grant::RefreshToken {
                        refresh_token: refresh,
                    },
                ) => {
                    vec![
                        ("grant_type", "refresh_token".to_owned()),
                        ("refresh_token", refresh.expose().to_owned()),
                    ]
                }
                (
                    None,
                    Grant::Password {
                        username,
                        password,
                        extension,
                    },
                ) => {
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
                (None, Grant::JwtBearer { assertion }) => vec![
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned(),
                    ),
                    ("assertion", assertion.expose().to_owned()),
                ],
                (None, Grant::ClientCredentials) => {
                    vec![("grant_type", "client_credentials".to_owned())]
                }
            };
            let request = self.form(fields, "getToken", self.token_path);
            let answer: Value = client
                .send_json::<Value, Value>(request)
                .await
                .map_err(|e| AuthError::Failed(format!("could not obtain a token: {e}")))?;
            let value = answer
                .get("access_token")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    AuthError::Failed("getToken: the answer has no access_token".to_owned())
                })?;
            Ok(Token {
                value: Secret::new(value),
                expires_in: answer
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .map(Duration::from_secs),
                // The refresh token rotates: keep the new one.
                refresh: answer
                    .get("refresh_token")
                    .and_then(Value::as_str)
                    .map(Secret::new)
                    .or_else(|| previous.and_then(|t| t.refresh.clone())),
            })
        })
    }

    fn revoke<'a>(
        &'a self,
        client: &'a Client,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            match &self.revoke_path {
                Some(_) => self.revoke_token(client, &token.value).await,
                None => Ok(()),
            }
        })
    }
}
