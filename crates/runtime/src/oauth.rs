//! The browser half of OAuth 2.0's authorization code grant (RFC 6749
//! section 4.1) with PKCE (RFC 7636): the URL to send the user to, with a
//! fresh `state` and `code_challenge`, and reading the redirect back.
//!
//! ```
//! use dialtone_runtime::oauth::AuthorizeUrl;
//!
//! let authorization = AuthorizeUrl::new(
//!     "https://platform.ringcentral.com/restapi/oauth/authorize",
//!     "my-client-id",
//!     "https://app.example.com/callback",
//! )
//! .scope("ReadPresence")
//! .build()
//! .unwrap();
//! // Send the user to authorization.url(); keep `authorization` until the
//! // vendor redirects back, then:
//! let redirect = format!(
//!     "https://app.example.com/callback?code=abc&state={}",
//!     authorization.state().expose()
//! );
//! let grant = authorization.grant_from_redirect(&redirect).unwrap();
//! // `grant` goes to the client builder's `oauth(client_id, client_secret, grant)`.
//! # let _ = grant;
//! ```
//!
//! The `state` and the code verifier are [`Secret`]s: neither shows in
//! `Debug` output, and [`Authorization::grant_from_redirect`] compares the
//! state in constant time and never repeats either value in an error.

use std::fmt;

use base64::Engine as _;
use sha2::Digest as _;

use crate::auth::AuthError;
use crate::secret::Secret;
use crate::tokens::Grant;

/// `n` bytes from the operating system's random source, as unpadded
/// base64url text (RFC 7636's unreserved characters only).
pub(crate) fn random_text(n: usize) -> Result<String, AuthError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| {
        AuthError::Failed(format!("the operating system's random source failed: {e}"))
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `verifier` is a valid PKCE code verifier: 43 to 128 of
/// `A-Z a-z 0-9 - . _ ~` (RFC 7636 section 4.1).
pub fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The `S256` code challenge of `verifier`: base64url(SHA-256(verifier)),
/// unpadded.
pub fn code_challenge_s256(verifier: &str) -> String {
    let digest = sha2::Sha256::digest(verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// A PKCE code verifier and its `S256` challenge (RFC 7636).
#[derive(Clone)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &self.verifier)
            .field("method", &"S256")
            .finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh verifier: 32 random bytes from the operating system (43
    /// characters, 256 bits of entropy).
    pub fn new() -> Result<Self, AuthError> {
        let verifier = random_text(32)?;
        Ok(Pkce {
            challenge: code_challenge_s256(&verifier),
            verifier: Secret::new(verifier),
        })
    }

    /// A pair from a verifier the application made (refused unless it is
    /// 43 to 128 unreserved characters).
    pub fn from_verifier(verifier: impl Into<Secret>) -> Result<Self, AuthError> {
        let verifier = verifier.into();
        if !is_code_verifier(verifier.expose()) {
            return Err(AuthError::Failed(
                "a PKCE code verifier is 43 to 128 of A-Z a-z 0-9 - . _ ~".to_owned(),
            ));
        }
        Ok(Pkce {
            challenge: code_challenge_s256(verifier.expose()),
            verifier,
        })
    }

    /// The verifier, sent with the code exchange.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The challenge, sent in the authorization URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// Builds the URL of a vendor's authorization endpoint (RingCentral's
/// `/restapi/oauth/authorize`, Webex's `/v1/authorize`): `response_type=code`,
/// the client id, the redirect URI, a `state` (random unless given) and,
/// unless turned off, a PKCE `code_challenge` (`S256`).
#[derive(Clone)]
pub struct AuthorizeUrl {
    endpoint: String,
    client_id: String,
    redirect_uri: String,
    scope: Option<String>,
    state: Option<Secret>,
    pkce: Option<Option<Pkce>>,
    extra: Vec<(String, String)>,
}

impl fmt::Debug for AuthorizeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeUrl")
            .field("endpoint", &crate::redact::url(&self.endpoint))
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("pkce", &self.pkce.is_some())
            .finish_non_exhaustive()
    }
}

impl AuthorizeUrl {
    /// The authorization `endpoint` (a full URL) for the app `client_id`,
    /// which the vendor redirects back to `redirect_uri` (one of the app's
    /// registered redirect URIs).
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        AuthorizeUrl {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scope: None,
            state: None,
            pkce: Some(None),
            extra: Vec::new(),
        }
    }

    /// The permissions to ask for, space-separated.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Uses this `state` instead of a random one (e.g. one that names the
    /// application's session). It must be unguessable: it is what tells a
    /// redirect the application asked for from a forged one.
    pub fn state(mut self, state: impl Into<Secret>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Uses this PKCE pair instead of a fresh one.
    pub fn pkce(mut self, pkce: Pkce) -> Self {
        self.pkce = Some(Some(pkce));
        self
    }

    /// Sends no `code_challenge` (for a vendor or app without PKCE).
    pub fn without_pkce(mut self) -> Self {
        self.pkce = None;
        self
    }

    /// Another query parameter (e.g. `prompt`, `ui_locales`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The URL, and what the callback needs to check the redirect.
    pub fn build(self) -> Result<Authorization, AuthError> {
        let mut url = url::Url::parse(&self.endpoint).map_err(|e| {
            AuthError::Failed(format!("the authorization endpoint is not a URL: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AuthError::Failed(
                "the authorization endpoint must be http or https".to_owned(),
            ));
        }
        let state = match self.state {
            Some(state) if state.expose().is_empty() => {
                return Err(AuthError::Failed("the state must not be empty".to_owned()));
            }
            Some(state) => state,
            None => Secret::new(random_text(32)?),
        };
        let pkce = match self.pkce {
            Some(Some(pkce)) => Some(pkce),
            Some(None) => Some(Pkce::new()?),
            None => None,
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri);
            if let Some(scope) = &self.scope {
                query.append_pair("scope", scope);
            }
            query.append_pair("state", state.expose());
            if let Some(pkce) = &pkce {
                query
                    .append_pair("code_challenge", pkce.challenge())
                    .append_pair("code_challenge_method", "S256");
            }
            for (name, value) in &self.extra {
                query.append_pair(name, value);
            }
        }
        Ok(Authorization {
            url: Secret::new(url.to_string()),
            state,
            redirect_uri: self.redirect_uri,
            code_verifier: pkce.map(|p| p.verifier),
        })
    }
}

/// An authorization in progress: the URL to send the user to, and the
/// `state` and code verifier the callback checks the redirect with.
/// `Debug` shows neither.
#[derive(Clone)]
pub struct Authorization {
    url: Secret,
    state: Secret,
    redirect_uri: String,
    code_verifier: Option<Secret>,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("redirect_uri", &self.redirect_uri)
            .field("pkce", &self.code_verifier.is_some())
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// An authorization whose parts the application kept itself (e.g. in
    /// its session store between the redirect and the callback).
    pub fn from_parts(
        state: impl Into<Secret>,
        redirect_uri: impl Into<String>,
        code_verifier: Option<Secret>,
    ) -> Self {
        Authorization {
            url: Secret::new(String::new()),
            state: state.into(),
            redirect_uri: redirect_uri.into(),
            code_verifier,
        }
    }

    /// Where to send the user (it holds the `state`: a secret until used).
    /// Empty for an authorization made with [`Authorization::from_parts`].
    pub fn url(&self) -> &str {
        self.url.expose()
    }

    /// The `state` the redirect must carry back.
    pub fn state(&self) -> &Secret {
        &self.state
    }

    /// The PKCE code verifier, sent with the code exchange.
    pub fn code_verifier(&self) -> Option<&Secret> {
        self.code_verifier.as_ref()
    }

    /// The redirect URI, sent again with the code exchange.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Reads the redirect the vendor sent the user back with (the whole
    /// URL, or its query string): checks its `state`, and returns the
    /// authorization code grant to build a client with. The vendor's own
    /// refusal (`error=access_denied`, ...) is
    /// [`AuthError::Authorization`]; a missing or different state is
    /// [`AuthError::StateMismatch`], and the code is not used.
    pub fn grant_from_redirect(&self, redirect: &str) -> Result<Grant, AuthError> {
        let query = match url::Url::parse(redirect) {
            Ok(url) => url.query().unwrap_or_default().to_owned(),
            Err(_) => redirect.trim_start_matches('?').to_owned(),
        };
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.is_some() {
                // A parameter given twice: RFC 6749 forbids it, and taking
                // either would let a forged one win.
                return Err(AuthError::Failed(format!(
                    "the redirect repeats the `{name}` parameter"
                )));
            }
            *slot = Some(value.into_owned());
        }
        let state_matches = state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), self.state.expose().as_bytes()));
        if !state_matches {
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = error {
            return Err(AuthError::Authorization {
                error: clip(&error),
                description: description.map(|d| clip(&d)),
            });
        }
        match code {
            Some(code) if !code.is_empty() => Ok(self.grant(code)),
            _ => Err(AuthError::Failed(
                "the redirect carries no authorization code".to_owned(),
            )),
        }
    }

    /// The grant for a `code` the application read from the redirect
    /// itself, after checking the redirect's `state` against
    /// [`Authorization::state`].
    pub fn grant(&self, code: impl Into<Secret>) -> Grant {
        Grant::AuthorizationCode {
            code: code.into(),
            redirect_uri: self.redirect_uri.clone(),
            code_verifier: self.code_verifier.clone(),
        }
    }
}

/// A vendor's text kept in an error: at most 200 characters, no control
/// characters.
fn clip(text: &str) -> String {
    text.chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Compares without stopping at the first difference (the time taken
/// tells nothing about where a guess went wrong).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_challenge() {
        // RFC 7636, appendix B.
        assert_eq!(
            code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_code_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!is_code_verifier("short"));
        assert!(!is_code_verifier(&"a+".repeat(30)));
        assert!(!is_code_verifier(&"a".repeat(129)));
    }

    #[test]
    fn fresh_pairs_are_valid_and_differ() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        assert!(is_code_verifier(a.verifier().expose()));
        assert_ne!(a.verifier(), b.verifier());
        assert_eq!(a.challenge(), code_challenge_s256(a.verifier().expose()));
        assert!(!format!("{a:?}").contains(a.verifier().expose()));
    }

    #[test]
    fn the_url_carries_state_and_challenge() {
        let auth = AuthorizeUrl::new(
            "https://vendor.example/authorize?prompt=login",
            "app id",
            "https://app.example/cb",
        )
        .scope("a b")
        .build()
        .unwrap();
        let url = url::Url::parse(auth.url()).unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("prompt"), Some("login"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("app id"));
        assert_eq!(get("redirect_uri"), Some("https://app.example/cb"));
        assert_eq!(get("scope"), Some("a b"));
        assert_eq!(get("state"), Some(auth.state().expose()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        let verifier = auth.code_verifier().unwrap().expose();
        assert_eq!(
            get("code_challenge"),
            Some(code_challenge_s256(verifier).as_str())
        );
        let shown = format!("{auth:?}");
        assert!(!shown.contains(auth.state().expose()), "{shown}");
        assert!(!shown.contains(verifier), "{shown}");
        let plain = AuthorizeUrl::new("https://v/a", "c", "https://app/cb")
            .without_pkce()
            .build()
            .unwrap();
        assert!(!plain.url().contains("code_challenge"));
        assert!(plain.code_verifier().is_none());
        assert!(AuthorizeUrl::new("ftp://v/a", "c", "r").build().is_err());
    }

    #[test]
    fn the_redirect_is_checked() {
        let auth = AuthorizeUrl::new("https://v/authorize", "c", "https://app/cb")
            .state("s3cret-state")
            .build()
            .unwrap();
        let grant = auth
            .grant_from_redirect("https://app/cb?code=the-code&state=s3cret-state")
            .unwrap();
        match grant {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                assert_eq!(code.expose(), "the-code");
                assert_eq!(redirect_uri, "https://app/cb");
                assert_eq!(code_verifier.as_ref(), auth.code_verifier());
            }
            other => panic!("{other:?}"),
        }
        // The query string alone works too.
        assert!(
            auth.grant_from_redirect("?state=s3cret-state&code=x")
                .is_ok()
        );
        for forged in [
            "https://app/cb?code=x&state=other",
            "https://app/cb?code=x",
            "https://app/cb?code=x&state=s3cret-stat",
        ] {
            let err = auth.grant_from_redirect(forged).unwrap_err();
            assert!(matches!(err, AuthError::StateMismatch), "{err:?}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
        let err = auth
            .grant_from_redirect("https://app/cb?code=x&state=s3cret-state&state=other")
            .unwrap_err();
        assert!(err.to_string().contains("repeats"), "{err}");
        let err = auth
            .grant_from_redirect(
                "https://app/cb?error=access_denied&error_description=The+user+said+no&state=s3cret-state",
            )
            .unwrap_err();
        match err {
            AuthError::Authorization { error, description } => {
                assert_eq!(error, "access_denied");
                assert_eq!(description.as_deref(), Some("The user said no"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            auth.grant_from_redirect("https://app/cb?state=s3cret-state")
                .is_err()
        );
    }
}
