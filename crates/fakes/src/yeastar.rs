//! A stateful fake of a Yeastar P-Series PBX (cloud edition): access tokens
//! (get, refresh, revoke) that expire, at most 8 live at once, and
//! extension groups (list, search, get, query, create, update, delete) with
//! members, roles and permission flags. Errors arrive as HTTP 200 with
//! `errcode` != 0, as on the real PBX. One handler per operation, routed by
//! [`HANDLERS`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::paging::Window;
use crate::server::{Handler, Incoming, Refusal, Reply, Vendor, route};
use crate::spec::{Problem, Spec};
use crate::sync::Lock;
use crate::tokens::{LoginRefused, TokenRules, TokenStats, TokenStore, Validity};

/// The application's client id (API username).
pub const CLIENT_ID: &str = "dialtone-sandbox-client";
/// The application's client secret (API password).
pub const CLIENT_SECRET: &str = "dialtone-sandbox-secret-7sNwwwdBdD5u";
/// An access token the sandbox prints; it does not expire.
pub const SANDBOX_TOKEN: &str = "sandboxAccessToken0000000000000001";
/// The errcode the fake uses for an expired or unknown token.
pub const TOKEN_ERRCODE: i64 = 10004;
/// The errcode `get_token` answers when [`MAX_LIVE_TOKENS`] are live
/// (x-dialtone-assumed: Yeastar documents the limit, not its answer).
pub const TOKEN_LIMIT_ERRCODE: i64 = 10005;
/// At most this many valid access tokens per application at once (cloud
/// edition).
pub const MAX_LIVE_TOKENS: usize = 8;
/// How long an access token lasts unless `Options::token_ttl` says.
pub const TOKEN_TTL: Duration = Duration::from_secs(1800);
/// How long a refresh token lasts.
pub const REFRESH_TTL: Duration = Duration::from_secs(86_400);

/// The operations and their handlers.
const HANDLERS: &[(&str, Handler<Yeastar>)] = &[
    ("getToken", get_token),
    ("refreshToken", refresh_token),
    ("revokeToken", revoke_token),
    ("listExtensionGroups", list_groups),
    ("searchExtensionGroups", list_groups),
    ("getExtensionGroup", get_group),
    ("queryExtensionGroups", query_groups),
    ("createExtensionGroup", create_group),
    ("updateExtensionGroup", update_group),
    ("deleteExtensionGroup", delete_group),
];

/// The Yeastar fake.
pub struct Yeastar {
    spec: Spec,
    tokens: Lock<TokenStore>,
    state: Lock<State>,
}

#[derive(Default)]
struct State {
    groups: BTreeMap<i64, Map<String, Value>>,
    next_group: i64,
}

fn ok(extra: Value) -> Reply {
    let mut body = json!({"errcode": 0, "errmsg": "SUCCESS"});
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    Reply::json(200, body)
}

fn fail(errcode: i64, errmsg: &str, invalid: Vec<Value>) -> Reply {
    let mut body = json!({"errcode": errcode, "errmsg": errmsg});
    if !invalid.is_empty() {
        body["invalid_param_list"] = Value::Array(invalid);
    }
    Reply::json(200, body)
}

fn not_found() -> Reply {
    fail(
        -1,
        "FAILURE",
        vec![json!({"field": "id", "validation_type": "not_found"})],
    )
}

impl Yeastar {
    /// A fake whose access tokens last `token_lifetime`, seeded with the
    /// built-in group and one more.
    pub fn new(token_lifetime: Duration) -> Self {
        let mut tokens = TokenStore::new(TokenRules {
            access_ttl: token_lifetime,
            refresh_ttl: Some(REFRESH_TTL),
            max_live: Some(MAX_LIVE_TOKENS),
            access_format: |n| format!("acc{n:031}"),
            refresh_format: |n| format!("ref{n:031}"),
            rotate_refresh: true,
        });
        tokens.seed(SANDBOX_TOKEN, Duration::from_secs(365 * 24 * 3600));
        let mut state = State {
            next_group: 300,
            ..State::default()
        };
        for group in [
            json!({"id": 1, "name": "Default_All_Extensions", "member_select": "sel_all_ext"}),
            json!({"id": 300, "name": "Reception", "member_select": "sel_specific",
                   "members": [{"ext_id": 159, "role": "manager"}, {"ext_id": 10, "role": "user"}],
                   "mgr_enb_monitor": 1, "user_enb_monitor": 0}),
        ] {
            let id = group["id"].as_i64().unwrap_or_default();
            state
                .groups
                .insert(id, group.as_object().cloned().unwrap_or_default());
        }
        Yeastar {
            spec: Spec::load(include_str!("../../../specs/yeastar.yaml")),
            tokens: Lock::new(tokens),
            state: Lock::new(state),
        }
    }
}

fn tokens_reply(issued: &crate::tokens::Issued) -> Reply {
    ok(json!({
        "access_token": issued.access, "access_token_expire_time": issued.access_ttl.as_secs(),
        "refresh_token": issued.refresh, "refresh_token_expire_time": issued.refresh_ttl.unwrap_or_default().as_secs(),
    }))
}

fn get_token(fake: &Yeastar, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    if body["username"] != CLIENT_ID || body["password"] != CLIENT_SECRET {
        return fail(
            -1,
            "FAILURE",
            vec![json!({"field": "username or password", "validation_type": "invalid"})],
        );
    }
    match fake.tokens.lock().login() {
        Ok(issued) => tokens_reply(&issued),
        Err(LoginRefused::TooManyLive) => fail(TOKEN_LIMIT_ERRCODE, "MAX TOKEN LIMIT", Vec::new()),
    }
}

/// Spends the refresh token for a new pair; a spent, revoked, expired or
/// unknown one is `TOKEN INVALID` / `TOKEN EXPIRED`.
fn refresh_token(fake: &Yeastar, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    let token = body["refresh_token"].as_str().unwrap_or_default();
    match fake.tokens.lock().refresh(token) {
        Ok(issued) => tokens_reply(&issued),
        Err(crate::tokens::RefreshRefused::Expired) => {
            fail(TOKEN_ERRCODE, "TOKEN EXPIRED", Vec::new())
        }
        Err(_) => fail(TOKEN_ERRCODE, "TOKEN INVALID", Vec::new()),
    }
}

/// `del_token`: ends the session of the access token it is called with
/// (x-dialtone-assumed: its refresh token goes with it).
fn revoke_token(fake: &Yeastar, request: &Incoming) -> Reply {
    if let Some(token) = request.raw_query("access_token") {
        fake.tokens.lock().revoke(token);
    }
    ok(json!({}))
}

fn info(group: &Map<String, Value>) -> Value {
    let total = match group.get("member_select").and_then(Value::as_str) {
        Some("sel_all_ext") => 24,
        _ => group
            .get("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
    };
    json!({"id": group["id"], "name": group["name"], "member_select": group["member_select"], "total_extensions": total})
}

/// `listExtensionGroups` and `searchExtensionGroups` (`search_value`).
fn list_groups(fake: &Yeastar, request: &Incoming) -> Reply {
    let needle = request
        .query_str("search_value")
        .unwrap_or("")
        .to_lowercase();
    let mut rows: Vec<Value> = fake
        .state
        .lock()
        .groups
        .values()
        .filter(|g| {
            g["name"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains(&needle)
        })
        .map(info)
        .collect();
    if request.query_str("sort_by") == Some("name") {
        rows.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    if request.query_str("order_by") == Some("desc") {
        rows.reverse();
    }
    let total = rows.len();
    let window = Window::new(
        request.query_i64("page"),
        request.query_i64("page_size"),
        20,
        total,
    );
    let data: Vec<Value> = rows
        .into_iter()
        .skip(window.start)
        .take(window.end - window.start)
        .collect();
    ok(json!({"total_number": total, "data": data}))
}

fn get_group(fake: &Yeastar, request: &Incoming) -> Reply {
    let state = fake.state.lock();
    match request.query_i64("id").and_then(|id| state.groups.get(&id)) {
        Some(group) => ok(json!({"data": group})),
        None => not_found(),
    }
}

fn query_groups(fake: &Yeastar, request: &Incoming) -> Reply {
    let state = fake.state.lock();
    let data: Vec<&Map<String, Value>> = request
        .query
        .get("ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .filter_map(|id| state.groups.get(&id))
        .collect();
    ok(json!({"data": data}))
}

fn create_group(fake: &Yeastar, request: &Incoming) -> Reply {
    save_group(fake, request, None)
}

fn update_group(fake: &Yeastar, request: &Incoming) -> Reply {
    let id = request.body.as_ref().and_then(|b| b["id"].as_i64());
    match id {
        Some(id) => save_group(fake, request, Some(id)),
        None => not_found(),
    }
}

/// Creates (`id` None) or updates a group: names are unique, and
/// `sel_specific` needs `members`.
fn save_group(fake: &Yeastar, request: &Incoming, id: Option<i64>) -> Reply {
    let Some(Value::Object(fields)) = request.body.clone() else {
        return fake.invalid(&[]);
    };
    let mut state = fake.state.lock();
    if let Some(name) = fields.get("name").and_then(Value::as_str) {
        let taken = state
            .groups
            .values()
            .any(|g| g["name"] == name && g["id"].as_i64() != id);
        if taken {
            let mut reply = fail(40002, "PARAMETER ERROR", Vec::new());
            if let Some(body) = reply.body.as_mut() {
                body["duplicate_field_list"] = json!(["name"]);
            }
            return reply;
        }
    }
    let mut group = match id {
        None => {
            let mut group = Map::new();
            group.insert("id".into(), json!(state.next_group.saturating_add(1)));
            group
        }
        Some(id) => match state.groups.get(&id) {
            Some(group) => group.clone(),
            None => return not_found(),
        },
    };
    for (key, value) in fields {
        if key != "id" {
            group.insert(key, value);
        }
    }
    if group.get("member_select") == Some(&json!("sel_specific")) && group.get("members").is_none()
    {
        return fail(
            40002,
            "PARAMETER ERROR",
            vec![json!({"field": "members", "validation_type": "required"})],
        );
    }
    let id = group["id"].as_i64().unwrap_or_default();
    if request.op == "createExtensionGroup" {
        state.next_group = id;
    }
    state.groups.insert(id, group);
    match request.op.as_str() {
        "createExtensionGroup" => ok(json!({"id": id})),
        _ => ok(json!({})),
    }
}

fn delete_group(fake: &Yeastar, request: &Incoming) -> Reply {
    match request.query_i64("id") {
        Some(1) => fail(
            -1,
            "FAILURE",
            vec![json!({"field": "id", "validation_type": "built_in"})],
        ),
        Some(id) if fake.state.lock().groups.remove(&id).is_some() => ok(json!({})),
        _ => not_found(),
    }
}

impl Vendor for Yeastar {
    fn name(&self) -> &'static str {
        "yeastar"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        let invalid = problems
            .iter()
            .map(|p| {
                let field = p
                    .field
                    .trim_start_matches("body/")
                    .trim_start_matches("query.")
                    .replace('/', ".");
                json!({"field": field, "validation_type": p.keyword})
            })
            .collect();
        fail(40002, "PARAMETER ERROR", invalid)
    }

    fn refuse(&self, refusal: &Refusal) -> Reply {
        // A content type the PBX does not take is a parameter error like
        // the others (HTTP 200); what its web server refuses keeps its HTTP
        // status, with the errcode body (x-dialtone-assumed: the notes only
        // say clients should tolerate non-2xx statuses).
        let errmsg = match refusal {
            Refusal::UnsupportedMediaType { .. } => {
                return fail(
                    40002,
                    "PARAMETER ERROR",
                    vec![json!({"field": "Content-Type", "validation_type": "invalid"})],
                );
            }
            Refusal::NotFound | Refusal::MethodNotAllowed { .. } => "FAILURE",
            Refusal::PayloadTooLarge { .. } => "REQUEST ENTITY TOO LARGE",
            Refusal::TooManyRequests { .. } => "TOO MANY REQUESTS",
            Refusal::Unavailable { .. } => "SERVICE UNAVAILABLE",
            Refusal::Timeout => "REQUEST TIMEOUT",
            Refusal::Internal { .. } => "INTERNAL ERROR",
        };
        let reply = Reply::json(refusal.status(), json!({"errcode": -1, "errmsg": errmsg}));
        match refusal.retry_after() {
            Some(secs) => reply.with_header("Retry-After", secs.to_string()),
            None => reply,
        }
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        let token = request.raw_query("access_token").unwrap_or_default();
        match self.tokens.lock().check(token) {
            Validity::Valid => Ok(()),
            Validity::Expired => Err(fail(TOKEN_ERRCODE, "TOKEN EXPIRED", Vec::new())),
            Validity::Unknown => Err(fail(TOKEN_ERRCODE, "TOKEN INVALID", Vec::new())),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        match route(HANDLERS, &request.op) {
            Some(handler) => handler(self, request),
            None => self.refuse(&Refusal::NotFound),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "access_token query parameter")
    }

    fn token_operations(&self) -> &'static [&'static str] {
        &["getToken", "refreshToken"]
    }

    fn tokens(&self) -> TokenStats {
        self.tokens.lock().stats()
    }

    fn is_error_in_success(&self, reply: &Reply) -> bool {
        reply.status == 200 && reply.body.as_ref().is_some_and(|b| b["errcode"] != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_handler() {
        let fake = Yeastar::new(TOKEN_TTL);
        let ops: Vec<&str> = fake.spec.operations.iter().map(|o| o.id.as_str()).collect();
        for op in &ops {
            assert!(route(HANDLERS, op).is_some(), "{op} has no handler");
        }
        for (op, _) in HANDLERS {
            assert!(ops.contains(op), "{op} is not in the spec");
        }
    }
}
