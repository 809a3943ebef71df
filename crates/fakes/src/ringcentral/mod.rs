//! A stateful fake of RingCentral: OAuth (`oauth`: the authorization code
//! flow with PKCE, password, JWT bearer, refresh token with rotation,
//! client credentials; Basic auth, client assertions and public apps;
//! revoke), call
//! monitoring groups and their members (`groups`), and presence (`presence`:
//! user status, the account list, the batch form, monitored lines, presence
//! permissions). One handler per operation, routed by [`HANDLERS`].

mod groups;
mod oauth;
mod presence;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::paging::Window;
use crate::server::{Handler, Incoming, Refusal, Reply, Vendor, route};
use crate::spec::{Problem, Spec};
use crate::sync::Lock;
use crate::tokens::{TokenRules, TokenStats, TokenStore, Validity};

/// The app's client id.
pub const CLIENT_ID: &str = "dialtone-sandbox-app";
/// The app's client secret.
pub const CLIENT_SECRET: &str = "dialtone-sandbox-app-secret";
/// The user of the password grant.
pub const USERNAME: &str = "+16505550100";
/// The user's password.
pub const PASSWORD: &str = "dialtone-sandbox-password";
/// The user's JWT credential for the JWT bearer grant.
pub const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.ZGlhbHRvbmUtc2FuZGJveA.c2lnbmF0dXJl";
/// The app's signed client assertion (a JWT), accepted instead of Basic
/// auth (`client_assertion_type`
/// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
pub const CLIENT_ASSERTION: &str =
    "eyJhbGciOiJSUzI1NiJ9.ZGlhbHRvbmUtc2FuZGJveC1hcHA.YXBwLXNpZ25hdHVyZQ";
/// The app's registered redirect URI (the authorization code flow).
pub const REDIRECT_URI: &str = "http://127.0.0.1:5000/oauth2callback";
/// A bearer token the sandbox prints; it does not expire.
pub const SANDBOX_TOKEN: &str = "U0FOREJPWC1BQ0NFU1MtVE9LRU4tRElBTFRPTkU";
/// The extension the tokens act as (`~`).
pub const OWNER_EXTENSION: &str = "101";
/// Extensions of the account: (id, number, type).
pub const EXTENSIONS: &[(&str, &str, &str)] = &[
    ("101", "101", "User"),
    ("102", "102", "User"),
    ("103", "103", "DigitalUser"),
    ("104", "104", "VirtualUser"),
    ("105", "105", "User"),
    ("900", "900", "ParkLocation"),
];
/// The account's id (`~` means it too).
pub const ACCOUNT_ID: &str = "37439510";
/// How long an access token lasts unless `Options::token_ttl` says.
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);
/// How long a refresh token lasts (the vendor's default, 7 days).
pub const REFRESH_TTL: Duration = Duration::from_secs(604_800);

const BASE: &str = "https://platform.ringcentral.com/restapi/v1.0/account/37439510";

/// The operations and their handlers.
const HANDLERS: &[(&str, Handler<RingCentral>)] = &[
    ("authorize", oauth::authorize),
    ("getToken", oauth::get_token),
    ("revokeToken", oauth::revoke_token),
    ("listCallMonitoringGroups", groups::list_groups),
    ("createCallMonitoringGroup", groups::create_group),
    ("updateCallMonitoringGroup", groups::update_group),
    ("deleteCallMonitoringGroup", groups::delete_group),
    ("listCallMonitoringGroupMembers", groups::list_members),
    ("updateCallMonitoringGroupList", groups::assign_members),
    ("readAccountPresence", presence::read_account_presence),
    ("readUserPresenceStatus", presence::read_user_presence),
    ("updateUserPresenceStatus", presence::update_user_presence),
    ("readMonitoredExtensions", presence::read_lines),
    ("updateMonitoredExtensions", presence::update_lines),
    ("readMonitoredExtension", presence::read_line),
    ("readPresencePermissions", presence::read_permissions),
    ("updatePresencePermissions", presence::update_permissions),
];

/// Operations whose `extensionId` must name an extension of the account.
const PER_EXTENSION: &[&str] = &[
    "updateUserPresenceStatus",
    "readMonitoredExtensions",
    "updateMonitoredExtensions",
    "readMonitoredExtension",
    "readPresencePermissions",
    "updatePresencePermissions",
];

/// The RingCentral fake.
pub struct RingCentral {
    spec: Spec,
    tokens: Lock<TokenStore>,
    state: Lock<State>,
}

#[derive(Default)]
struct State {
    counter: u64,
    groups: BTreeMap<String, Value>,
    members: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    presence: BTreeMap<String, Map<String, Value>>,
    lines: BTreeMap<String, Vec<String>>,
    permitted: BTreeMap<String, Vec<String>>,
}

impl RingCentral {
    /// A fake whose access tokens last `token_lifetime`, seeded with one
    /// call monitoring group and everyone available.
    pub fn new(token_lifetime: Duration) -> Self {
        let mut tokens = TokenStore::new(TokenRules {
            access_ttl: token_lifetime,
            refresh_ttl: Some(REFRESH_TTL),
            max_live: None,
            access_format: |n| format!("U0pDMDFQMDFQQVMwMH{n:020}"),
            refresh_format: |n| format!("UkVGUkVTSC1UT0tFTi1{n:020}"),
            rotate_refresh: true,
        });
        tokens.seed(SANDBOX_TOKEN, Duration::from_secs(365 * 24 * 3600));
        let mut state = State::default();
        for (id, number, kind) in EXTENSIONS {
            state
                .presence
                .insert((*id).to_owned(), presence::seed(id, number, kind));
            state
                .lines
                .insert((*id).to_owned(), vec![(*id).to_owned(), (*id).to_owned()]);
        }
        state.groups.insert("2415005".into(), json!({"uri": format!("{BASE}/call-monitoring-groups/2415005"), "id": "2415005", "name": "Support supervisors"}));
        state.members.insert(
            "2415005".into(),
            BTreeMap::from([("101".to_owned(), vec!["Monitoring".to_owned()])]),
        );
        RingCentral {
            spec: Spec::load(include_str!("../../../../specs/ringcentral.yaml")),
            tokens: Lock::new(tokens),
            state: Lock::new(state),
        }
    }
}

/// RingCentral's error body.
fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"errorCode": code, "message": message, "errors": [{"errorCode": code, "message": message}]}))
        .with_header("RCRequestId", "5f1d2c3b-dialtone-fake")
}

/// CMN-102 for a parameter that names nothing.
fn not_found(parameter: &str) -> Reply {
    error(
        404,
        "CMN-102",
        &format!("Resource for parameter [{parameter}] is not found"),
    )
}

fn extension(id: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    EXTENSIONS.iter().find(|(e, _, _)| *e == id)
}

/// The `extensionId` path parameter, `~` resolved.
fn extension_id(request: &Incoming) -> String {
    match request.path("extensionId") {
        "~" => OWNER_EXTENSION.to_owned(),
        other => other.to_owned(),
    }
}

/// A page of a listing: `records` at `page` of `perPage`, with
/// `navigation` and `paging` as RingCentral sends them.
fn paged(path: &str, records: Vec<Value>, request: &Incoming) -> Value {
    let window = Window::new(
        request.query_i64("page"),
        request.query_i64("perPage"),
        100,
        records.len(),
    );
    let per_page = window.per_page;
    let uri = |p: u64| json!({"uri": format!("{BASE}{path}?page={p}&perPage={per_page}")});
    let total = records.len();
    let slice: Vec<Value> = records
        .into_iter()
        .skip(window.start)
        .take(window.end - window.start)
        .collect();
    let mut navigation = json!({"firstPage": uri(1), "lastPage": uri(window.pages)});
    if let Some(next) = window.next() {
        navigation["nextPage"] = uri(next);
    }
    if let Some(previous) = window.previous() {
        navigation["previousPage"] = uri(previous);
    }
    let mut paging =
        json!({"perPage": per_page, "totalPages": window.pages, "totalElements": total});
    if !slice.is_empty() {
        paging["page"] = json!(window.page);
        paging["pageStart"] = json!(window.start);
        paging["pageEnd"] = json!(window.end - 1);
    }
    json!({"uri": format!("{BASE}{path}"), "records": slice, "navigation": navigation, "paging": paging})
}

impl Vendor for RingCentral {
    fn name(&self) -> &'static str {
        "ringcentral"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        // A body or parameter that does not parse is CMN-103 ("unparsable
        // request"); a value that breaks a rule, CMN-101.
        let unparsable = problems
            .iter()
            .any(|p| matches!(p.keyword.as_str(), "json" | "encoding"));
        let code = if unparsable { "CMN-103" } else { "CMN-101" };
        let errors: Vec<Value> = problems
            .iter()
            .map(|p| {
                let name = p.field.rsplit(['.', '/']).next().unwrap_or_default();
                json!({"errorCode": code, "message": format!("Parameter [{name}] value is invalid: {}", p.message), "parameterName": name})
            })
            .collect();
        let first = errors
            .first()
            .cloned()
            .unwrap_or(json!({"message": "invalid request"}));
        Reply::json(
            400,
            json!({"errorCode": code, "message": first["message"], "errors": errors}),
        )
    }

    fn refuse(&self, refusal: &Refusal) -> Reply {
        // CMN-102 (not found) and CMN-301 (rate exceeded) are RingCentral's;
        // the others are this fake's, after the HTTP status
        // (x-dialtone-assumed: the notes name no code for them).
        let code = match refusal {
            Refusal::NotFound | Refusal::MethodNotAllowed { .. } => "CMN-102",
            Refusal::TooManyRequests { .. } => "CMN-301",
            Refusal::PayloadTooLarge { .. } => "CMN-413",
            Refusal::UnsupportedMediaType { .. } => "CMN-415",
            Refusal::Unavailable { .. } => "CMN-503",
            Refusal::Timeout => "CMN-408",
            Refusal::Internal { .. } => "CMN-500",
        };
        let reply = error(refusal.status(), code, &refusal.message());
        match refusal.retry_after() {
            Some(secs) => reply.with_header("Retry-After", secs.to_string()),
            None => reply,
        }
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        // The OAuth endpoints take the app's Basic credentials, checked there.
        if matches!(
            request.op.as_str(),
            "authorize" | "getToken" | "revokeToken"
        ) {
            return Ok(());
        }
        let token = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        match self.tokens.lock().check(token) {
            Validity::Valid => Ok(()),
            Validity::Expired => Err(error(401, "OAU-128", "Access token expired")),
            Validity::Unknown => Err(error(401, "OAU-129", "Access token corrupted")),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        let account = request.path("accountId");
        if !account.is_empty() && account != "~" && account != ACCOUNT_ID {
            return not_found("accountId");
        }
        if PER_EXTENSION.contains(&request.op.as_str())
            && extension(&extension_id(request)).is_none()
        {
            return not_found("extensionId");
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
        &["getToken"]
    }

    fn tokens(&self) -> TokenStats {
        self.tokens.lock().stats()
    }

    fn rate_limit_headers(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_handler() {
        let fake = RingCentral::new(TOKEN_TTL);
        let ops: Vec<&str> = fake.spec.operations.iter().map(|o| o.id.as_str()).collect();
        for op in &ops {
            assert!(route(HANDLERS, op).is_some(), "{op} has no handler");
        }
        for (op, _) in HANDLERS {
            assert!(ops.contains(op), "{op} is not in the spec");
        }
    }
}
