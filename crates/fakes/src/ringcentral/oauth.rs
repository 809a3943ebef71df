//! RingCentral's OAuth endpoints: `getToken` (password, JWT bearer,
//! client credentials, refresh token with rotation) and `revokeToken`
//! (which ends the whole session).

use serde_json::{Value, json};

use super::{CLIENT_ID, CLIENT_SECRET, JWT, OWNER_EXTENSION, PASSWORD, RingCentral, USERNAME};
use crate::server::{Incoming, Reply};
use crate::tokens::{Issued, RefreshRefused};

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

/// Whether the request carries the app's Basic credentials.
fn is_app(request: &Incoming) -> bool {
    let expected = format!("Basic {}", base64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    request.header("authorization") == Some(expected.as_str())
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

pub(super) fn get_token(fake: &RingCentral, request: &Incoming) -> Reply {
    if !is_app(request) {
        return invalid_client();
    }
    let form = request.body_or_null();
    let accepted = match form["grant_type"].as_str() {
        Some("password") => form["username"] == USERNAME && form["password"] == PASSWORD,
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => form["assertion"] == JWT,
        Some("client_credentials") => true,
        Some("refresh_token") => {
            let token = form["refresh_token"].as_str().unwrap_or_default();
            return refresh(fake, token);
        }
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
    if !is_app(request) {
        return invalid_client();
    }
    let body = request.body_or_null();
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
