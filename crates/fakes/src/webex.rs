//! A stateful fake of Webex Calling's person monitoring settings: a small
//! directory of people, places, virtual lines and call park extensions, and
//! each person's monitored elements, changed by PUT and read back by GET;
//! and an integration's OAuth: the authorization code flow with PKCE
//! (`authorize`, `createAccessToken`) and refresh (the refresh token is
//! kept, not rotated).
//! One handler per operation, routed by [`HANDLERS`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{Handler, Incoming, Refusal, Reply, Vendor, route};
use crate::spec::{Problem, Spec};
use crate::sync::Lock;
use crate::tokens::{
    ChallengeMethod, CodeRefused, Issued, TokenRules, TokenStats, TokenStore, Validity,
};

/// The seeded organization.
pub const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kaWFsdG9uZQ";
/// A seeded person whose settings can be read and changed.
pub const PERSON_ID: &str =
    "Y2lzY29zcGFyazovL3VzL1BFT1BMRS85OWNlZjRmYS03YTM5LTQ1ZDItOTNmNi1jNjA5YTRiMjgzODY";
/// A seeded person who can be monitored.
pub const MONITORED_PERSON_ID: &str = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I";
/// A seeded call park extension.
pub const CALL_PARK_ID: &str = "Y2lzY29zcGFyazovL3VzL0NBTExfUEFSS19FWFRFTlNJT04vNDAwMQ";
/// The bearer token the sandbox prints; it never expires. Integrations get
/// theirs from the authorization code flow (`authorize`, then
/// `createAccessToken`).
pub const SANDBOX_TOKEN: &str = "webex-sandbox-token-0b1c2d3e4f";
/// The integration's client id.
pub const CLIENT_ID: &str = "Cdialtone0sandbox0integration";
/// The integration's client secret.
pub const CLIENT_SECRET: &str = "dialtone-sandbox-integration-secret";
/// The integration's registered redirect URI.
pub const REDIRECT_URI: &str = "http://127.0.0.1:6001/redirect";
/// How long an access token lasts unless `Options::token_ttl` says (14
/// days, as Webex issues them).
pub const TOKEN_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// How long a refresh token lasts (90 days).
pub const REFRESH_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
/// The most monitored elements a person can have.
const MAX_ELEMENTS: usize = 50;

/// The operations and their handlers.
const HANDLERS: &[(&str, Handler<Webex>)] = &[
    ("authorize", authorize),
    ("createAccessToken", create_access_token),
    ("getMonitoringSettingsPerson", get_settings),
    ("updateMonitoringSettingsPerson", update_settings),
];

/// The Webex fake.
pub struct Webex {
    spec: Spec,
    tokens: Lock<TokenStore>,
    state: Lock<BTreeMap<String, Value>>,
}

fn directory(id: &str) -> Option<Value> {
    let location =
        json!({"location": "Dallas", "locationId": "Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL2RhbGxhcw"});
    let mut entry = match id {
        MONITORED_PERSON_ID => json!({"member": {
            "id": id, "firstName": "Bob", "lastName": "Nelson", "displayName": "Bob Nelson", "type": "PEOPLE",
            "email": "bob@example.com", "numbers": [{"external": "+19725550101", "extension": "1234", "primary": true}]
        }}),
        PERSON_ID => json!({"member": {
            "id": id, "firstName": "Alice", "lastName": "Smith", "displayName": "Alice Smith", "type": "PEOPLE",
            "numbers": [{"extension": "1000", "primary": true}]
        }}),
        CALL_PARK_ID => {
            json!({"callparkextension": {"id": id, "name": "Dallas-Park", "extension": "4001"}})
        }
        _ => return None,
    };
    let inner = entry.as_object_mut()?.values_mut().next()?;
    for (k, v) in location.as_object()? {
        inner[k] = v.clone();
    }
    Some(entry)
}

fn tracking_id() -> String {
    "ROUTERGW_dialtone-fake-0001".to_owned()
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"message": message, "errors": [{"description": message}], "trackingId": tracking_id()}))
        .with_header("trackingId", tracking_id())
}

impl Webex {
    /// A fake with one person monitoring nobody yet, whose access tokens
    /// last [`TOKEN_TTL`].
    pub fn new() -> Self {
        Webex::with_token_lifetime(TOKEN_TTL)
    }

    /// The same, with access tokens that last `token_lifetime`.
    pub fn with_token_lifetime(token_lifetime: Duration) -> Self {
        let mut state = BTreeMap::new();
        let colleague = directory(MONITORED_PERSON_ID).map_or_else(Vec::new, |entry| vec![entry]);
        state.insert(
            PERSON_ID.to_owned(),
            json!({"callParkNotificationEnabled": false, "monitoredElements": colleague}),
        );
        state.insert(
            MONITORED_PERSON_ID.to_owned(),
            json!({"callParkNotificationEnabled": false, "monitoredElements": []}),
        );
        let mut tokens = TokenStore::new(TokenRules {
            access_ttl: token_lifetime,
            refresh_ttl: Some(REFRESH_TTL),
            max_live: None,
            access_format: |n| format!("webex-token-{n:020}"),
            refresh_format: |n| format!("webex-refresh-{n:020}"),
            // x-dialtone-assumed (specs/webex.yaml): a refresh answers
            // with the same refresh token.
            rotate_refresh: false,
        });
        tokens.seed(SANDBOX_TOKEN, Duration::from_secs(365 * 24 * 3600));
        Webex {
            spec: Spec::load(include_str!("../../../specs/webex.yaml")),
            tokens: Lock::new(tokens),
            state: Lock::new(state),
        }
    }
}

impl Default for Webex {
    fn default() -> Self {
        Self::new()
    }
}

/// The authorization endpoint: a client id or redirect URI the integration
/// did not register is answered here; otherwise the browser goes back to
/// the redirect URI with a code for the sandbox user (who signs in and
/// consents at once), or with the error.
fn authorize(fake: &Webex, request: &Incoming) -> Reply {
    if request.query_str("client_id") != Some(CLIENT_ID) {
        return error(400, "Invalid client id.");
    }
    let redirect_uri = request.query_str("redirect_uri").unwrap_or_default();
    if redirect_uri != REDIRECT_URI {
        return error(
            400,
            "The redirect URI is not registered for this integration.",
        );
    }
    let state = request.query_str("state");
    let method = request.query_str("code_challenge_method");
    let challenge = match (request.query_str("code_challenge"), method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge is missing"),
        (Some(c), _) if !crate::tokens::is_verifier(c) => Err("code_challenge is malformed"),
        (Some(c), Some("S256")) => Ok(Some((c.to_owned(), ChallengeMethod::S256))),
        (Some(c), _) => Ok(Some((c.to_owned(), ChallengeMethod::Plain))),
    };
    let mut query = Vec::new();
    let code;
    match challenge {
        Ok(challenge) => {
            code = fake
                .tokens
                .lock()
                .issue_code(CLIENT_ID, redirect_uri, challenge);
            query.push(("code", code.as_str()));
        }
        Err(description) => {
            query.push(("error", "invalid_request"));
            query.push(("error_description", description));
        }
    }
    if let Some(state) = state {
        query.push(("state", state));
    }
    let encoded: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            let v = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
            format!("{k}={v}")
        })
        .collect();
    Reply::empty(302).with_header("Location", format!("{redirect_uri}?{}", encoded.join("&")))
}

fn access_token(issued: &Issued) -> Value {
    let mut body = json!({
        "access_token": issued.access, "expires_in": issued.access_ttl.as_secs(), "token_type": "Bearer",
        "scope": "spark-admin:people_read spark-admin:people_write",
    });
    if let (Some(refresh), Some(ttl)) = (&issued.refresh, issued.refresh_ttl) {
        body["refresh_token"] = json!(refresh);
        body["refresh_token_expires_in"] = json!(ttl.as_secs());
    }
    body
}

/// The token endpoint: the integration's client id and secret in the form,
/// then an authorization code (with its PKCE verifier) or a refresh token.
/// Refused grants get Webex's error body (x-dialtone-assumed: the status
/// and wording; the guide does not show them).
fn create_access_token(fake: &Webex, request: &Incoming) -> Reply {
    let form = request.body_or_null();
    if form["client_id"] != CLIENT_ID || form["client_secret"] != CLIENT_SECRET {
        return error(401, "The client id or secret is invalid.");
    }
    let answer = match form["grant_type"].as_str() {
        Some("authorization_code") => fake
            .tokens
            .lock()
            .redeem_code(
                form["code"].as_str().unwrap_or_default(),
                CLIENT_ID,
                form["redirect_uri"].as_str(),
                form["code_verifier"].as_str(),
            )
            .map_err(|refused| match refused {
                CodeRefused::VerifierMissing | CodeRefused::VerifierMismatch => {
                    "The code verifier does not match the code challenge."
                }
                CodeRefused::RedirectMismatch => {
                    "The redirect URI does not match the authorization."
                }
                _ => "The authorization code is invalid, expired or already used.",
            }),
        Some("refresh_token") => fake
            .tokens
            .lock()
            .refresh(form["refresh_token"].as_str().unwrap_or_default())
            .map_err(|_| "The refresh token provided is expired, revoked, malformed, or invalid."),
        _ => Err("Unsupported grant type."),
    };
    match answer {
        Ok(issued) => {
            Reply::json(200, access_token(&issued)).with_header("trackingId", tracking_id())
        }
        Err(message) => error(400, message),
    }
}

fn get_settings(fake: &Webex, request: &Incoming) -> Reply {
    let state = fake.state.lock();
    let Some(settings) = state.get(request.path("personId")) else {
        return error(404, "Person not found.");
    };
    let count = settings["monitoredElements"].as_array().map_or(0, Vec::len);
    let mut body = settings.clone();
    body["availableEntriesCount"] = json!(MAX_ELEMENTS.saturating_sub(count));
    Reply::json(200, body).with_header("trackingId", tracking_id())
}

/// One monitored element of a PUT, as the GET shows it.
fn element(item: &Value) -> Result<Value, Reply> {
    match item["type"].as_str().unwrap_or("MEMBER") {
        "SPEED_DIAL" => {
            let (Some(label), Some(number)) =
                (item["lineKeyLabel"].as_str(), item["phoneNumber"].as_str())
            else {
                return Err(error(
                    400,
                    "A custom speed dial needs lineKeyLabel and phoneNumber.",
                ));
            };
            Ok(json!({"speedDial": {"lineKeyLabel": label, "phoneNumber": number}}))
        }
        _ => {
            let Some(mut entry) = item["id"].as_str().and_then(directory) else {
                return Err(error(400, "Invalid field value: monitoredElements id."));
            };
            if let (Some(label), Some(inner)) = (
                item["lineKeyLabel"].as_str(),
                entry.as_object_mut().and_then(|e| e.values_mut().next()),
            ) {
                inner["lineKeyLabel"] = json!(label);
            }
            Ok(entry)
        }
    }
}

fn update_settings(fake: &Webex, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    let mut state = fake.state.lock();
    let Some(settings) = state.get_mut(request.path("personId")) else {
        return error(404, "Person not found.");
    };
    let items = body["monitoredElements"].as_array();
    if items.is_some_and(|items| items.len() > MAX_ELEMENTS) {
        return error(400, "At most 50 monitored elements.");
    }
    let elements: Result<Vec<Value>, Reply> = items.into_iter().flatten().map(element).collect();
    let elements = match elements {
        Ok(elements) => elements,
        Err(reply) => return reply,
    };
    if let Some(enabled) = body.get("enableCallParkNotification") {
        settings["callParkNotificationEnabled"] = enabled.clone();
    }
    if items.is_some() {
        settings["monitoredElements"] = Value::Array(elements);
    }
    Reply::empty(204).with_header("trackingId", tracking_id())
}

impl Vendor for Webex {
    fn name(&self) -> &'static str {
        "webex"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        let errors: Vec<Value> = problems
            .iter()
            .map(|p| json!({"description": format!("{}: {}", p.field, p.message)}))
            .collect();
        Reply::json(400, json!({"message": "The request was invalid.", "errors": errors, "trackingId": tracking_id()}))
            .with_header("trackingId", tracking_id())
    }

    fn refuse(&self, refusal: &Refusal) -> Reply {
        let reply = error(refusal.status(), &refusal.message());
        match refusal.retry_after() {
            Some(secs) => reply.with_header("Retry-After", secs.to_string()),
            None => reply,
        }
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        // The OAuth endpoints take the integration's credentials in the
        // query or the form, checked there.
        if matches!(request.op.as_str(), "authorize" | "createAccessToken") {
            return Ok(());
        }
        let token = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        match self.tokens.lock().check(token) {
            Validity::Valid => Ok(()),
            Validity::Expired | Validity::Unknown => {
                Err(error(401, "The request requires a valid access token."))
            }
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        if request.query_str("orgId").is_some_and(|org| org != ORG_ID) {
            return error(403, "The token may not act in that organization.");
        }
        match route(HANDLERS, &request.op) {
            Some(handler) => handler(self, request),
            None => self.refuse(&Refusal::NotFound),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "Authorization: Bearer")
    }

    fn token_operations(&self) -> &'static [&'static str] {
        &["createAccessToken"]
    }

    fn tokens(&self) -> TokenStats {
        self.tokens.lock().stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_handler() {
        let fake = Webex::new();
        let ops: Vec<&str> = fake.spec.operations.iter().map(|o| o.id.as_str()).collect();
        for op in &ops {
            assert!(route(HANDLERS, op).is_some(), "{op} has no handler");
        }
        for (op, _) in HANDLERS {
            assert!(ops.contains(op), "{op} is not in the spec");
        }
    }
}
