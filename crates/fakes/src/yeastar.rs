//! A stateful fake of a Yeastar P-Series PBX: access tokens (get, refresh,
//! revoke) that expire, and extension groups (list, search, get, query,
//! create, update, delete) with members, roles and permission flags.
//! Errors arrive as HTTP 200 with `errcode` != 0, as on the real PBX.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::server::{Incoming, Reply, Vendor};
use crate::spec::{Problem, Spec};

/// The application's client id (API username).
pub const CLIENT_ID: &str = "dialtone-sandbox-client";
/// The application's client secret (API password).
pub const CLIENT_SECRET: &str = "dialtone-sandbox-secret-7sNwwwdBdD5u";
/// An access token the sandbox prints; it does not expire.
pub const SANDBOX_TOKEN: &str = "sandboxAccessToken0000000000000001";
/// The errcode the fake uses for an expired or unknown token.
pub const TOKEN_ERRCODE: i64 = 10004;

/// The Yeastar fake.
pub struct Yeastar {
    spec: Spec,
    token_lifetime: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    counter: u64,
    access: BTreeMap<String, Instant>,
    refresh: BTreeMap<String, Instant>,
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

impl Yeastar {
    /// A fake whose access tokens last `token_lifetime`, seeded with the
    /// built-in group and one more.
    pub fn new(token_lifetime: Duration) -> Self {
        let mut state = State {
            next_group: 300,
            ..State::default()
        };
        state.access.insert(
            SANDBOX_TOKEN.to_owned(),
            Instant::now() + Duration::from_secs(365 * 24 * 3600),
        );
        state.groups.insert(
            1,
            json!({"id": 1, "name": "Default_All_Extensions", "member_select": "sel_all_ext"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        state.groups.insert(
            300,
            json!({"id": 300, "name": "Reception", "member_select": "sel_specific",
                   "members": [{"ext_id": 159, "role": "manager"}, {"ext_id": 10, "role": "user"}],
                   "mgr_enb_monitor": 1, "user_enb_monitor": 0})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        Yeastar {
            spec: Spec::load(include_str!("../../../specs/yeastar.yaml")),
            token_lifetime,
            state: Mutex::new(state),
        }
    }

    fn tokens(&self, state: &mut State) -> Reply {
        state.counter += 1;
        let access = format!("acc{:031}", state.counter);
        let refresh = format!("ref{:031}", state.counter);
        state
            .access
            .insert(access.clone(), Instant::now() + self.token_lifetime);
        state.refresh.insert(
            refresh.clone(),
            Instant::now() + Duration::from_secs(86_400),
        );
        ok(json!({
            "access_token": access, "access_token_expire_time": self.token_lifetime.as_secs(),
            "refresh_token": refresh, "refresh_token_expire_time": 86_400,
        }))
    }
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

    fn not_found(&self) -> Reply {
        Reply::json(404, json!({"errcode": -1, "errmsg": "FAILURE"}))
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        let state = self.state.lock().unwrap();
        match request
            .raw_query("access_token")
            .and_then(|t| state.access.get(t))
        {
            Some(expires) if *expires > Instant::now() => Ok(()),
            Some(_) => Err(fail(TOKEN_ERRCODE, "TOKEN EXPIRED", Vec::new())),
            None => Err(fail(TOKEN_ERRCODE, "TOKEN INVALID", Vec::new())),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        let mut state = self.state.lock().unwrap();
        let body = request.body.clone().unwrap_or(Value::Null);
        match request.op.as_str() {
            "getToken" => {
                if body["username"] != CLIENT_ID || body["password"] != CLIENT_SECRET {
                    return fail(
                        -1,
                        "FAILURE",
                        vec![
                            json!({"field": "username or password", "validation_type": "invalid"}),
                        ],
                    );
                }
                self.tokens(&mut state)
            }
            "refreshToken" => {
                let token = body["refresh_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match state.refresh.remove(&token) {
                    Some(expires) if expires > Instant::now() => self.tokens(&mut state),
                    _ => fail(TOKEN_ERRCODE, "TOKEN INVALID", Vec::new()),
                }
            }
            "revokeToken" => {
                if let Some(token) = request.raw_query("access_token") {
                    state.access.remove(token);
                }
                ok(json!({}))
            }
            "listExtensionGroups" | "searchExtensionGroups" => {
                let needle = request
                    .query_str("search_value")
                    .unwrap_or("")
                    .to_lowercase();
                let mut rows: Vec<Value> = state
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
                let size = request.query_i64("page_size").unwrap_or(20).max(1) as usize;
                let page = request.query_i64("page").unwrap_or(1).max(1) as usize;
                let data: Vec<Value> = rows
                    .into_iter()
                    .skip((page - 1) * size)
                    .take(size)
                    .collect();
                ok(json!({"total_number": total, "data": data}))
            }
            "getExtensionGroup" => {
                match request.query_i64("id").and_then(|id| state.groups.get(&id)) {
                    Some(group) => ok(json!({"data": group})),
                    None => fail(
                        -1,
                        "FAILURE",
                        vec![json!({"field": "id", "validation_type": "not_found"})],
                    ),
                }
            }
            "queryExtensionGroups" => {
                let ids: Vec<i64> = request
                    .query
                    .get("ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .collect();
                let data: Vec<&Map<String, Value>> =
                    ids.iter().filter_map(|id| state.groups.get(id)).collect();
                ok(json!({"data": data}))
            }
            "createExtensionGroup" | "updateExtensionGroup" => {
                let Value::Object(fields) = body else {
                    return self.invalid(&[]);
                };
                let name = fields.get("name").and_then(Value::as_str);
                let id = match request.op.as_str() {
                    "createExtensionGroup" => None,
                    _ => fields.get("id").and_then(Value::as_i64),
                };
                if let Some(name) = name {
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
                        state.next_group += 1;
                        let mut group = Map::new();
                        group.insert("id".into(), json!(state.next_group));
                        group
                    }
                    Some(id) => match state.groups.get(&id) {
                        Some(group) => group.clone(),
                        None => {
                            return fail(
                                -1,
                                "FAILURE",
                                vec![json!({"field": "id", "validation_type": "not_found"})],
                            );
                        }
                    },
                };
                for (key, value) in fields {
                    if key != "id" {
                        group.insert(key, value);
                    }
                }
                if group.get("member_select") == Some(&json!("sel_specific"))
                    && group.get("members").is_none()
                {
                    return fail(
                        40002,
                        "PARAMETER ERROR",
                        vec![json!({"field": "members", "validation_type": "required"})],
                    );
                }
                let id = group["id"].as_i64().unwrap_or_default();
                state.groups.insert(id, group);
                if request.op == "createExtensionGroup" {
                    ok(json!({"id": id}))
                } else {
                    ok(json!({}))
                }
            }
            "deleteExtensionGroup" => match request.query_i64("id") {
                Some(1) => fail(
                    -1,
                    "FAILURE",
                    vec![json!({"field": "id", "validation_type": "built_in"})],
                ),
                Some(id) if state.groups.remove(&id).is_some() => ok(json!({})),
                _ => fail(
                    -1,
                    "FAILURE",
                    vec![json!({"field": "id", "validation_type": "not_found"})],
                ),
            },
            other => Reply::json(
                405,
                json!({"errcode": -1, "errmsg": format!("{other} is not faked")}),
            ),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "access_token query parameter")
    }

    fn is_error_in_success(&self, reply: &Reply) -> bool {
        reply.status == 200 && reply.body.as_ref().is_some_and(|b| b["errcode"] != 0)
    }
}
