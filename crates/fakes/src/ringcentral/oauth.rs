//! RingCentral's OAuth endpoints: `authorize` (the authorization code
//! flow's browser step, which signs the sandbox user in and consents at
//! once), `getToken` (password, JWT bearer, client credentials,
//! authorization code with PKCE, refresh token with rotation; the app
//! authenticated by Basic auth, a client assertion, or as a public client)
//! and `revokeToken` (which ends the whole session).

use serde_json::{Value, json};

use super::{
    CLIENT_ASSERTION, CLIENT_ID, CLIENT_SECRET, JWT, OWNER_EXTENSION, PASSWORD, REDIRECT_URI,
    RingCentral, USERNAME,
};
use crate::server::{Incoming, Reply};
use crate::tokens::{ChallengeMethod, CodeRefused, Issued, RefreshRefused};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523).
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// OAuth's error body, with RingCentral's `errors` and `errorCode` too.
fn oauth_error(status: u16, error: &str, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": error, "error_description": message, "errors": [{"errorCode": code, "message": message}], "errorCode": code, "message": message}),
    )
}

fn invalid_client() -> Reply {
    oauth_error(
        401,
        "invalid_client",
        "OAU-123",
        "Invalid client credentials",
    )
}

/// How the app authenticated itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    /// Basic auth or a client assertion: a confidential app.
    Confidential,
    /// Only `client_id` in the form: a public app (PKCE).
    Public,
}

/// Who is asking: the app's Basic credentials, its client assertion, or
/// its bare client id; anything else (a wrong secret, a wrong assertion,
/// several methods at once) is `invalid_client`.
fn app(request: &Incoming, form: &Value) -> Result<App, Reply> {
    let basic = request.header("authorization");
    let assertion = (
        form["client_assertion_type"].as_str(),
        form["client_assertion"].as_str(),
    );
    match (basic, assertion) {
        (Some(basic), (None, None)) => {
            let expected = format!("Basic {}", base64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
            if basic == expected {
                Ok(App::Confidential)
            } else {
                Err(invalid_client())
            }
        }
        (None, (Some(ASSERTION_TYPE), Some(CLIENT_ASSERTION))) => Ok(App::Confidential),
        (None, (None, None)) if form["client_id"] == CLIENT_ID => Ok(App::Public),
        _ => Err(invalid_client()),
    }
}

fn token_info(issued: &Issued) -> Value {
    let mut info = json!({
        "access_token": issued.access, "token_type": "bearer", "expires_in": issued.access_ttl.as_secs(),
        "scope": "ReadAccounts ReadPresence EditPresence EditExtensions", "owner_id": OWNER_EXTENSION,
    });
    if let (Some(refresh), Some(ttl)) = (&issued.refresh, issued.refresh_ttl) {
        info["refresh_token"] = json!(refresh);
        info["refresh_token_expires_in"] = json!(ttl.as_secs());
    }
    info
}

/// The authorization endpoint. A client id or redirect URI the app did not
/// register is answered here; everything else goes back to the redirect
/// URI, with a code for the sandbox user (who signs in and consents at
/// once) or with the error.
pub(super) fn authorize(fake: &RingCentral, request: &Incoming) -> Reply {
    if request.query_str("client_id") != Some(CLIENT_ID) {
        return oauth_error(400, "invalid_request", "OAU-101", "Client id is invalid");
    }
    let redirect_uri = request.query_str("redirect_uri").unwrap_or_default();
    if redirect_uri != REDIRECT_URI {
        return oauth_error(
            400,
            "invalid_request",
            "OAU-109",
            "Redirect URI is not registered",
        );
    }
    let state = request.query_str("state");
    let challenge = request.query_str("code_challenge");
    let method = match request.query_str("code_challenge_method") {
        Some("plain") => ChallengeMethod::Plain,
        Some(_) => ChallengeMethod::S256,
        // RFC 7636 section 4.3: no method means plain.
        None => ChallengeMethod::Plain,
    };
    let challenge = match (challenge, request.query_str("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => {
            return redirect(
                redirect_uri,
                state,
                Err(("invalid_request", "code_challenge is missing")),
            );
        }
        (Some(c), _) if !crate::tokens::is_verifier(c) => {
            // A challenge has the verifier's alphabet and length (an S256
            // one is 43 characters).
            return redirect(
                redirect_uri,
                state,
                Err(("invalid_request", "code_challenge is malformed")),
            );
        }
        (Some(c), _) => Some((c.to_owned(), method)),
    };
    let code = fake
        .tokens
        .lock()
        .issue_code(CLIENT_ID, redirect_uri, challenge);
    redirect(redirect_uri, state, Ok(&code))
}

/// A 302 back to the app's redirect URI with the code, or with the error.
fn redirect(redirect_uri: &str, state: Option<&str>, answer: Result<&str, (&str, &str)>) -> Reply {
    let mut query = Vec::new();
    match answer {
        Ok(code) => query.push(("code", code)),
        Err((error, description)) => {
            query.push(("error", error));
            query.push(("error_description", description));
        }
    }
    if let Some(state) = state {
        query.push(("state", state));
    }
    let encoded: String = query
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&");
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    Reply::empty(302).with_header("Location", format!("{redirect_uri}{separator}{encoded}"))
}

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub(super) fn get_token(fake: &RingCentral, request: &Incoming) -> Reply {
    let form = request.body_or_null();
    let app = match app(request, &form) {
        Ok(app) => app,
        Err(reply) => return reply,
    };
    let grant = form["grant_type"].as_str();
    // A public app has only the grants PKCE protects.
    if app == App::Public && !matches!(grant, Some("authorization_code" | "refresh_token")) {
        return oauth_error(
            400,
            "unauthorized_client",
            "OAU-251",
            "Unauthorized for this grant type",
        );
    }
    let accepted = match grant {
        Some("password") => form["username"] == USERNAME && form["password"] == PASSWORD,
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => form["assertion"] == JWT,
        Some("client_credentials") => true,
        Some("refresh_token") => {
            let token = form["refresh_token"].as_str().unwrap_or_default();
            return refresh(fake, token);
        }
        Some("authorization_code") => return exchange(fake, app, &form),
        _ => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "OAU-250",
                "Unsupported grant type",
            );
        }
    };
    if !accepted {
        return oauth_error(
            400,
            "invalid_grant",
            "OAU-140",
            "Invalid resource owner credentials",
        );
    }
    match fake.tokens.lock().login() {
        Ok(issued) => Reply::json(200, token_info(&issued)),
        // RingCentral has no cap on sessions; the store caps only with
        // max_live, which this fake does not set.
        Err(_) => oauth_error(400, "invalid_grant", "OAU-140", "Too many sessions"),
    }
}

/// The authorization code grant (x-dialtone-assumed: the OAU codes of a
/// refused exchange; the vendor documents the OAuth `error` only).
fn exchange(fake: &RingCentral, app: App, form: &Value) -> Reply {
    let code = form["code"].as_str().unwrap_or_default();
    let verifier = form["code_verifier"].as_str();
    if app == App::Public && verifier.is_none() {
        return oauth_error(
            400,
            "invalid_request",
            "OAU-104",
            "Code verifier is required for a public app",
        );
    }
    let redirect_uri = form["redirect_uri"].as_str();
    match fake
        .tokens
        .lock()
        .redeem_code(code, CLIENT_ID, redirect_uri, verifier)
    {
        Ok(issued) => Reply::json(200, token_info(&issued)),
        Err(CodeRefused::VerifierMissing | CodeRefused::VerifierMismatch) => {
            oauth_error(400, "invalid_grant", "OAU-106", "Code verifier is invalid")
        }
        Err(CodeRefused::RedirectMismatch) => oauth_error(
            400,
            "invalid_grant",
            "OAU-109",
            "Redirect URI does not match",
        ),
        Err(CodeRefused::Expired) => oauth_error(
            400,
            "invalid_grant",
            "OAU-105",
            "Authorization code expired",
        ),
        Err(CodeRefused::Unknown | CodeRefused::Replayed | CodeRefused::OtherClient) => {
            oauth_error(
                400,
                "invalid_grant",
                "OAU-105",
                "Authorization code is invalid",
            )
        }
    }
}

/// The refresh grant: each refresh token works once. A spent or revoked one
/// is answered as RingCentral answers a revoked token (OAU-211); an expired
/// or unknown one with OAU-210 / OAU-213 (x-dialtone-assumed: the codes the
/// vendor's community answers show for expired and missing tokens).
fn refresh(fake: &RingCentral, token: &str) -> Reply {
    match fake.tokens.lock().refresh(token) {
        Ok(issued) => Reply::json(200, token_info(&issued)),
        Err(RefreshRefused::Spent | RefreshRefused::Revoked) => {
            oauth_error(400, "invalid_grant", "OAU-211", "Token is revoked")
        }
        Err(RefreshRefused::Expired) => {
            oauth_error(400, "invalid_grant", "OAU-210", "Token expired")
        }
        Err(RefreshRefused::Unknown) => {
            oauth_error(400, "invalid_grant", "OAU-213", "Token not found")
        }
    }
}

/// Revoking either token of a session ends the session; an unknown token
/// is answered 200 too, as OAuth revocation does.
pub(super) fn revoke_token(fake: &RingCentral, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    if let Err(reply) = app(request, &body) {
        return reply;
    }
    fake.tokens
        .lock()
        .revoke(body["token"].as_str().unwrap_or_default());
    Reply::empty(200)
}

fn base64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(
            super::base64("client-id:client-secret"),
            "Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="
        );
        assert_eq!(super::base64("ab"), "YWI=");
        assert_eq!(super::base64("abc"), "YWJj");
    }
}
