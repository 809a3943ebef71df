//! A stateful fake of Kazoo's crossbar: API-key and user logins that issue
//! expiring tokens, and groups (create, list with paging, a user's groups,
//! get, replace, merge-patch, delete) kept per account. One handler per
//! operation, routed by [`HANDLERS`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::server::{Handler, Incoming, Refusal, Reply, Vendor, route};
use crate::spec::{Direction, Problem, Schema, Spec};
use crate::sync::Lock;
use crate::tokens::{TokenRules, TokenStats, TokenStore, Validity};

/// The seeded account.
pub const ACCOUNT_ID: &str = "6b71cb72c876b5b1396a335f8f8a2594";
/// The seeded account's name.
pub const ACCOUNT_NAME: &str = "Example Corp";
/// The seeded account's API key (64 characters).
pub const API_KEY: &str = "a3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2";
/// The md5 credentials (`lowercase(username):password`) of the seeded user.
pub const USER_CREDENTIALS: &str = "82a2dc91686ec828a67152d45a5d3e7a";
/// The seeded user.
pub const USER_ID: &str = "df9274b450ea6795cdb381055c3f9b45";
/// A seeded device.
pub const DEVICE_ID: &str = "dd03d7442a4bec5c092ea6a0e6d579ef";
/// The token printed by the sandbox; it does not expire.
pub const SANDBOX_TOKEN: &str = "5a4db0c0ffee5a4db0c0ffee5a4db0c0ffee5a4d";
/// How long a login's token lasts unless `Options::token_ttl` says.
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The operations and their handlers.
const HANDLERS: &[(&str, Handler<Kazoo>)] = &[
    ("createApiAuth", create_api_auth),
    ("createUserAuth", create_user_auth),
    ("listGroups", list_groups),
    ("listUserGroups", list_groups),
    ("createGroup", create_group),
    ("getGroup", get_group),
    ("updateGroup", update_group),
    ("patchGroup", patch_group),
    ("deleteGroup", delete_group),
];

/// The Kazoo fake.
pub struct Kazoo {
    spec: Spec,
    group_schema: Schema,
    tokens: Lock<TokenStore>,
    state: Lock<State>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    groups: BTreeMap<String, Map<String, Value>>,
}

impl State {
    fn new_id(&mut self) -> String {
        self.next_id = self.next_id.wrapping_add(1);
        format!("{:032x}", 0x5eed_0000_u64.wrapping_add(self.next_id))
    }
}

impl Kazoo {
    /// A fake whose tokens last `token_lifetime`, seeded with two groups
    /// and a ready token.
    pub fn new(token_lifetime: Duration) -> Self {
        let spec = Spec::load(include_str!("../../../specs/kazoo.yaml"));
        let group_schema = spec
            .component("Group", Direction::Request)
            .expect("the spec has a Group schema");
        let mut tokens = TokenStore::new(TokenRules {
            access_ttl: token_lifetime,
            refresh_ttl: None,
            max_live: None,
            access_format: |n| {
                format!("{:040x}", 0xa17_0000_u64.wrapping_add(n.wrapping_mul(7919)))
            },
            refresh_format: |n| format!("{n:040x}"),
            rotate_refresh: true,
        });
        tokens.seed(SANDBOX_TOKEN, Duration::from_secs(365 * 24 * 3600));
        let mut state = State::default();
        for (name, endpoints) in [
            (
                "Support",
                json!({USER_ID: {"type": "user", "weight": 1}, DEVICE_ID: {"type": "device", "weight": 2}}),
            ),
            ("Sales", json!({DEVICE_ID: {"type": "device", "weight": 1}})),
        ] {
            let id = state.new_id();
            let group =
                json!({"id": id, "name": name, "endpoints": endpoints, "music_on_hold": {}});
            state
                .groups
                .insert(id, group.as_object().cloned().unwrap_or_default());
        }
        Kazoo {
            spec,
            group_schema,
            tokens: Lock::new(tokens),
            state: Lock::new(state),
        }
    }

    fn envelope(&self, status: u16, data: Value, token: Option<&str>) -> Reply {
        let mut body = json!({"data": data, "status": "success", "request_id": REQUEST_ID, "revision": "automatic"});
        if let Some(token) = token {
            body["auth_token"] = json!(token);
        }
        Reply::json(status, body).with_header("x-request-id", REQUEST_ID)
    }

    /// A login: a new token for the account, or `invalid_credentials`.
    fn login(&self, accepted: bool, data: Value) -> Reply {
        if !accepted {
            return invalid_credentials();
        }
        match self.tokens.lock().login() {
            Ok(issued) => self.envelope(201, data, Some(&issued.access)),
            // Kazoo has no cap on tokens; the store only caps with max_live.
            Err(_) => invalid_credentials(),
        }
    }
}

const REQUEST_ID: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

fn error(status: u16, message: &str, data: Value) -> Reply {
    Reply::json(
        status,
        json!({"status": "error", "error": status.to_string(), "message": message, "data": data}),
    )
    .with_header("x-request-id", REQUEST_ID)
}

fn invalid_credentials() -> Reply {
    error(
        401,
        "invalid_credentials",
        json!({"message": "invalid credentials"}),
    )
}

fn bad_identifier(id: &str) -> Reply {
    error(
        404,
        "bad_identifier",
        json!({"message": "bad identifier", "cause": crate::spec::clip(id, 64)}),
    )
}

/// The request's `data`, or JSON `null`.
fn data(request: &Incoming) -> Value {
    request
        .body
        .as_ref()
        .and_then(|b| b.get("data"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn summary(group: &Map<String, Value>) -> Value {
    let mut summary = json!({
        "id": group.get("id").cloned().unwrap_or(Value::Null),
        "name": group.get("name").cloned().unwrap_or(Value::Null),
        "features": [],
        "endpoints": group.get("endpoints").and_then(Value::as_object).map_or(0, Map::len),
    });
    if let Some(flags) = group.get("flags") {
        summary["flags"] = flags.clone();
    }
    summary
}

fn create_api_auth(fake: &Kazoo, request: &Incoming) -> Reply {
    let data = data(request);
    fake.login(
        data["api_key"] == API_KEY,
        json!({"account_id": ACCOUNT_ID, "apps": [], "is_reseller": false, "language": "en-us"}),
    )
}

fn create_user_auth(fake: &Kazoo, request: &Incoming) -> Reply {
    let data = data(request);
    let known_account = data.get("account_name").is_none_or(|n| n == ACCOUNT_NAME);
    fake.login(
        data["credentials"] == USER_CREDENTIALS && known_account,
        json!({"account_id": ACCOUNT_ID, "owner_id": USER_ID, "apps": [], "language": "en-us"}),
    )
}

/// `listGroups` and `listUserGroups`: descending unless `ascending=true`,
/// paged by `start_key` and `page_size` unless `paginate=false`.
fn list_groups(fake: &Kazoo, request: &Incoming) -> Reply {
    let state = fake.state.lock();
    let user = request.path("USER_ID");
    let mut rows: Vec<&Map<String, Value>> = state
        .groups
        .values()
        .filter(|g| user.is_empty() || g["endpoints"][user]["type"] == "user")
        .collect();
    if request.query.get("ascending") != Some(&Value::Bool(true)) {
        rows.reverse();
    }
    let all = request.query.get("paginate") == Some(&Value::Bool(false));
    let size = request
        .query_i64("page_size")
        .map_or(50, |n| usize::try_from(n).unwrap_or(0))
        .max(1);
    let start = match request.query_str("start_key") {
        None => 0,
        Some(key) => match rows.iter().position(|g| g["id"] == key) {
            Some(at) => at,
            None => {
                return error(
                    416,
                    "invalid start key",
                    json!({"message": "invalid start key", "cause": crate::spec::clip(key, 64)}),
                );
            }
        },
    };
    let end = if all {
        rows.len()
    } else {
        start.saturating_add(size).min(rows.len())
    };
    let page: Vec<Value> = rows[start..end].iter().map(|g| summary(g)).collect();
    let mut reply = json!({
        "data": page, "status": "success", "page_size": end - start, "request_id": REQUEST_ID,
    });
    if let Some(key) = request.query_str("start_key") {
        reply["start_key"] = json!(key);
    }
    if let Some(next) = rows.get(end) {
        reply["next_start_key"] = next["id"].clone();
    }
    Reply::json(200, reply)
}

fn create_group(fake: &Kazoo, request: &Incoming) -> Reply {
    let Value::Object(mut group) = data(request) else {
        return fake.invalid(&[]);
    };
    let mut state = fake.state.lock();
    let id = state.new_id();
    group.insert("id".into(), json!(id));
    state.groups.insert(id, group.clone());
    fake.envelope(201, Value::Object(group), request.header("x-auth-token"))
}

fn get_group(fake: &Kazoo, request: &Incoming) -> Reply {
    let id = request.path("GROUP_ID");
    match fake.state.lock().groups.get(id) {
        Some(group) => fake.envelope(200, Value::Object(group.clone()), None),
        None => bad_identifier(id),
    }
}

fn delete_group(fake: &Kazoo, request: &Incoming) -> Reply {
    let id = request.path("GROUP_ID");
    match fake.state.lock().groups.remove(id) {
        Some(group) => fake.envelope(200, Value::Object(group), None),
        None => bad_identifier(id),
    }
}

/// POST: replaces the public fields.
fn update_group(fake: &Kazoo, request: &Incoming) -> Reply {
    save_group(fake, request, true)
}

/// PATCH: merges into the stored group; a `null` removes a field.
fn patch_group(fake: &Kazoo, request: &Incoming) -> Reply {
    save_group(fake, request, false)
}

/// Replaces or merges, then validates the result as a whole group.
fn save_group(fake: &Kazoo, request: &Incoming, replace: bool) -> Reply {
    let id = request.path("GROUP_ID").to_owned();
    let mut state = fake.state.lock();
    let Some(stored) = state.groups.get(&id).cloned() else {
        return bad_identifier(&id);
    };
    let Value::Object(changes) = data(request) else {
        return fake.invalid(&[]);
    };
    let mut group = if replace { Map::new() } else { stored };
    for (key, value) in changes {
        if value.is_null() {
            group.remove(&key);
        } else {
            group.insert(key, value);
        }
    }
    group.insert("id".into(), json!(id));
    let merged = Value::Object(group.clone());
    let problems = fake.group_schema.problems("body/data", &merged);
    if !problems.is_empty() {
        return fake.invalid(&problems);
    }
    state.groups.insert(id, group);
    fake.envelope(200, merged, None)
}

impl Vendor for Kazoo {
    fn name(&self) -> &'static str {
        "kazoo"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        // Kazoo's validation errors: dotted field -> {validator: {message}}.
        let mut data = Map::new();
        for p in problems {
            let field = p
                .field
                .trim_start_matches("body/data/")
                .trim_start_matches("body/data")
                .trim_start_matches("body/")
                .replace('/', ".");
            let field = if field.is_empty() {
                "data".to_owned()
            } else {
                field
            };
            let entry = data.entry(field).or_insert_with(|| json!({}));
            entry[p.keyword.as_str()] = json!({"message": p.message});
        }
        error(400, "validation error", Value::Object(data))
    }

    fn refuse(&self, refusal: &Refusal) -> Reply {
        // Kazoo names errors in snake case in `message`; those for 408, 413
        // and 415 are this fake's (x-dialtone-assumed: not in the notes).
        let name = match refusal {
            Refusal::NotFound | Refusal::MethodNotAllowed { .. } => "not_found",
            Refusal::PayloadTooLarge { .. } => "request_entity_too_large",
            Refusal::UnsupportedMediaType { .. } => "unsupported_media_type",
            Refusal::TooManyRequests { .. } => "too_many_requests",
            Refusal::Unavailable { .. } => "unavailable",
            Refusal::Timeout => "request_timeout",
            Refusal::Internal { .. } => "internal_error",
        };
        let reply = error(
            refusal.status(),
            name,
            json!({"message": refusal.message()}),
        );
        match refusal.retry_after() {
            Some(secs) => reply.with_header("retry-after", secs.to_string()),
            None => reply,
        }
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        let token = request.header("x-auth-token").unwrap_or_default();
        match self.tokens.lock().check(token) {
            Validity::Valid => Ok(()),
            Validity::Expired | Validity::Unknown => Err(invalid_credentials()),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        let account = request.path("ACCOUNT_ID");
        if !account.is_empty() && account != ACCOUNT_ID {
            return bad_identifier(account);
        }
        match route(HANDLERS, &request.op) {
            Some(handler) => handler(self, request),
            None => self.refuse(&Refusal::NotFound),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "X-Auth-Token header")
    }

    fn token_operations(&self) -> &'static [&'static str] {
        &["createApiAuth", "createUserAuth"]
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
        let fake = Kazoo::new(TOKEN_TTL);
        let ops: Vec<&str> = fake.spec.operations.iter().map(|o| o.id.as_str()).collect();
        for op in &ops {
            assert!(route(HANDLERS, op).is_some(), "{op} has no handler");
        }
        for (op, _) in HANDLERS {
            assert!(ops.contains(op), "{op} is not in the spec");
        }
    }
}
