//! A stateful fake of Kazoo's crossbar: API-key and user logins that issue
//! expiring tokens, and groups (create, list with paging, a user's groups,
//! get, replace, merge-patch, delete) kept per account.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::server::{Incoming, Reply, Vendor};
use crate::spec::{Problem, Schema, Spec, openapi_to_json_schema};

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

/// The Kazoo fake.
pub struct Kazoo {
    spec: Spec,
    group_schema: Schema,
    token_lifetime: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    tokens: BTreeMap<String, Instant>,
    groups: BTreeMap<String, Map<String, Value>>,
}

impl State {
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:032x}", 0x5eed_0000_u64 + self.next_id)
    }
}

impl Kazoo {
    /// A fake whose tokens last `token_lifetime`, seeded with two groups
    /// and a ready token.
    pub fn new(token_lifetime: Duration) -> Self {
        let text = include_str!("../../../specs/kazoo.yaml");
        let spec = Spec::load(text);
        let doc: Value = serde_norway::from_str(text).expect("the spec is YAML");
        let group_schema = Schema::new(openapi_to_json_schema(
            &doc,
            &json!({"$ref": "#/components/schemas/Group"}),
        ));
        let fake = Kazoo {
            spec,
            group_schema,
            token_lifetime,
            state: Mutex::new(State::default()),
        };
        {
            let mut state = fake.state.lock().unwrap();
            state.tokens.insert(
                SANDBOX_TOKEN.to_owned(),
                Instant::now() + Duration::from_secs(365 * 24 * 3600),
            );
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
        }
        fake
    }

    fn issue_token(&self, state: &mut State) -> String {
        let token = format!(
            "{:040x}",
            0xa17_0000_u64 + state.next_id * 7919 + state.tokens.len() as u64
        );
        state.next_id += 1;
        state
            .tokens
            .insert(token.clone(), Instant::now() + self.token_lifetime);
        token
    }

    fn envelope(&self, status: u16, data: Value, token: Option<&str>) -> Reply {
        let mut body = json!({"data": data, "status": "success", "request_id": request_id(), "revision": "automatic"});
        if let Some(token) = token {
            body["auth_token"] = json!(token);
        }
        Reply::json(status, body).with_header("x-request-id", request_id())
    }
}

/// The token printed by the sandbox; it does not expire.
pub const SANDBOX_TOKEN: &str = "5a4db0c0ffee5a4db0c0ffee5a4db0c0ffee5a4d";

fn request_id() -> String {
    "0a1b2c3d4e5f60718293a4b5c6d7e8f9".to_owned()
}

fn error(status: u16, message: &str, data: Value) -> Reply {
    Reply::json(
        status,
        json!({"status": "error", "error": status.to_string(), "message": message, "data": data}),
    )
    .with_header("x-request-id", request_id())
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

    fn not_found(&self) -> Reply {
        error(
            404,
            "not_found",
            json!({"message": "the requested resource was not found"}),
        )
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        let state = self.state.lock().unwrap();
        let valid = request
            .header("x-auth-token")
            .and_then(|t| state.tokens.get(t))
            .is_some_and(|expires| *expires > Instant::now());
        if valid {
            Ok(())
        } else {
            Err(error(
                401,
                "invalid_credentials",
                json!({"message": "invalid credentials"}),
            ))
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        let mut state = self.state.lock().unwrap();
        let data = request
            .body
            .as_ref()
            .and_then(|b| b.get("data"))
            .cloned()
            .unwrap_or(Value::Null);
        let account = request.path("ACCOUNT_ID");
        if !account.is_empty() && account != ACCOUNT_ID {
            return error(
                404,
                "bad_identifier",
                json!({"message": "bad identifier", "cause": account}),
            );
        }
        match request.op.as_str() {
            "createApiAuth" => {
                if data["api_key"] != API_KEY {
                    return error(
                        401,
                        "invalid_credentials",
                        json!({"message": "invalid credentials"}),
                    );
                }
                let token = self.issue_token(&mut state);
                self.envelope(201, json!({"account_id": ACCOUNT_ID, "apps": [], "is_reseller": false, "language": "en-us"}), Some(&token))
            }
            "createUserAuth" => {
                let known_account = data.get("account_name").is_none_or(|n| n == ACCOUNT_NAME);
                if data["credentials"] != USER_CREDENTIALS || !known_account {
                    return error(
                        401,
                        "invalid_credentials",
                        json!({"message": "invalid credentials"}),
                    );
                }
                let token = self.issue_token(&mut state);
                self.envelope(201, json!({"account_id": ACCOUNT_ID, "owner_id": USER_ID, "apps": [], "language": "en-us"}), Some(&token))
            }
            "listGroups" | "listUserGroups" => {
                let user = request.path("USER_ID");
                let mut rows: Vec<&Map<String, Value>> = state
                    .groups
                    .values()
                    .filter(|g| user.is_empty() || g["endpoints"][user]["type"] == "user")
                    .collect();
                // Sorted descending by default; `ascending=true` reverses.
                if request.query.get("ascending") != Some(&Value::Bool(true)) {
                    rows.reverse();
                }
                let all = request.query.get("paginate") == Some(&Value::Bool(false));
                let size = request.query_i64("page_size").unwrap_or(50).max(1) as usize;
                let start = match request.query_str("start_key") {
                    None => 0,
                    Some(key) => match rows.iter().position(|g| g["id"] == key) {
                        Some(at) => at,
                        None => {
                            return error(
                                416,
                                "invalid start key",
                                json!({"message": "invalid start key", "cause": key}),
                            );
                        }
                    },
                };
                let end = if all {
                    rows.len()
                } else {
                    (start + size).min(rows.len())
                };
                let page: Vec<Value> = rows[start..end].iter().map(|g| summary(g)).collect();
                let mut reply = json!({
                    "data": page, "status": "success", "page_size": end - start, "request_id": request_id(),
                });
                if let Some(key) = request.query_str("start_key") {
                    reply["start_key"] = json!(key);
                }
                if end < rows.len() {
                    reply["next_start_key"] = rows[end]["id"].clone();
                }
                Reply::json(200, reply)
            }
            "createGroup" => {
                let Value::Object(mut group) = data else {
                    return self.invalid(&[]);
                };
                let id = state.new_id();
                group.insert("id".into(), json!(id));
                state.groups.insert(id, group.clone());
                self.envelope(201, Value::Object(group), request.header("x-auth-token"))
            }
            "getGroup" | "updateGroup" | "patchGroup" | "deleteGroup" => {
                let id = request.path("GROUP_ID").to_owned();
                let Some(stored) = state.groups.get(&id).cloned() else {
                    return error(
                        404,
                        "bad_identifier",
                        json!({"message": "bad identifier", "cause": id}),
                    );
                };
                match request.op.as_str() {
                    "getGroup" => self.envelope(200, Value::Object(stored), None),
                    "deleteGroup" => {
                        state.groups.remove(&id);
                        self.envelope(200, Value::Object(stored), None)
                    }
                    op => {
                        let Value::Object(changes) = data else {
                            return self.invalid(&[]);
                        };
                        let mut group = if op == "updateGroup" {
                            Map::new()
                        } else {
                            stored
                        };
                        for (key, value) in changes {
                            if value.is_null() {
                                group.remove(&key);
                            } else {
                                group.insert(key, value);
                            }
                        }
                        group.insert("id".into(), json!(id));
                        let merged = Value::Object(group.clone());
                        let problems = self.group_schema.problems("body/data", &merged);
                        if !problems.is_empty() {
                            return self.invalid(&problems);
                        }
                        state.groups.insert(id, group);
                        self.envelope(200, merged, None)
                    }
                }
            }
            other => error(
                405,
                "method_not_allowed",
                json!({"message": format!("{other} is not faked")}),
            ),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "X-Auth-Token header")
    }
}
