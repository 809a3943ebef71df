//! A stateful fake of RingCentral: OAuth (password, JWT bearer, refresh
//! token with rotation, client credentials; revoke), call monitoring groups
//! and their members, and presence (user status, the account list, the
//! batch form, monitored lines, presence permissions).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::server::{Incoming, Reply, Vendor};
use crate::spec::{Problem, Spec};

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

/// The RingCentral fake.
pub struct RingCentral {
    spec: Spec,
    token_lifetime: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    counter: u64,
    access: BTreeMap<String, Instant>,
    refresh: BTreeMap<String, Instant>,
    groups: BTreeMap<String, Value>,
    members: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    presence: BTreeMap<String, Map<String, Value>>,
    lines: BTreeMap<String, Vec<String>>,
    permitted: BTreeMap<String, Vec<String>>,
}

/// The account's id (`~` means it too).
pub const ACCOUNT_ID: &str = "37439510";
const BASE: &str = "https://platform.ringcentral.com/restapi/v1.0/account/37439510";

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"errorCode": code, "message": message, "errors": [{"errorCode": code, "message": message}]}))
        .with_header("RCRequestId", "5f1d2c3b-dialtone-fake")
}

fn extension(id: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    EXTENSIONS.iter().find(|(e, _, _)| *e == id)
}

/// The pages of a listing: `records` at `page` of `per_page`, with
/// `navigation` and `paging` as RingCentral sends them.
fn paged(path: &str, records: Vec<Value>, request: &Incoming) -> Value {
    let per_page = request.query_i64("perPage").unwrap_or(100).max(1) as usize;
    let page = request.query_i64("page").unwrap_or(1).max(1) as usize;
    let total = records.len();
    let pages = total.div_ceil(per_page).max(1);
    let uri = |p: usize| json!({"uri": format!("{BASE}{path}?page={p}&perPage={per_page}")});
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = records.into_iter().skip(start).take(per_page).collect();
    let mut navigation = json!({"firstPage": uri(1), "lastPage": uri(pages)});
    if page < pages {
        navigation["nextPage"] = uri(page + 1);
    }
    if page > 1 {
        navigation["previousPage"] = uri(page - 1);
    }
    let mut paging = json!({"perPage": per_page, "totalPages": pages, "totalElements": total});
    if !slice.is_empty() {
        paging["page"] = json!(page);
        paging["pageStart"] = json!(start);
        paging["pageEnd"] = json!(start + slice.len() - 1);
    }
    json!({"uri": format!("{BASE}{path}"), "records": slice, "navigation": navigation, "paging": paging})
}

impl RingCentral {
    /// A fake whose access tokens last `token_lifetime`, seeded with one
    /// call monitoring group and everyone available.
    pub fn new(token_lifetime: Duration) -> Self {
        let mut state = State::default();
        state.access.insert(
            SANDBOX_TOKEN.to_owned(),
            Instant::now() + Duration::from_secs(365 * 24 * 3600),
        );
        for (id, number, kind) in EXTENSIONS {
            let mut presence = json!({
                "uri": format!("{BASE}/extension/{id}/presence"),
                "extension": {"id": id.parse::<i64>().unwrap_or_default(), "uri": format!("{BASE}/extension/{id}"), "extensionNumber": number},
                "presenceStatus": "Available",
            });
            if *kind == "ParkLocation" {
                presence["presenceStatus"] = json!("Offline");
            } else {
                for (k, v) in [
                    ("userStatus", "Available"),
                    ("dndStatus", "TakeAllCalls"),
                    ("telephonyStatus", "NoCall"),
                    ("meetingStatus", "Disconnected"),
                ] {
                    presence[k] = json!(v);
                }
                presence["allowSeeMyPresence"] = json!(true);
            }
            state.presence.insert(
                (*id).to_owned(),
                presence.as_object().cloned().unwrap_or_default(),
            );
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
            spec: Spec::load(include_str!("../../../specs/ringcentral.yaml")),
            token_lifetime,
            state: Mutex::new(state),
        }
    }

    fn tokens(&self, state: &mut State) -> Value {
        state.counter += 1;
        let access = format!("U0pDMDFQMDFQQVMwMH{:020}", state.counter);
        let refresh = format!("UkVGUkVTSC1UT0tFTi1{:020}", state.counter);
        state
            .access
            .insert(access.clone(), Instant::now() + self.token_lifetime);
        state.refresh.insert(
            refresh.clone(),
            Instant::now() + Duration::from_secs(604_800),
        );
        json!({
            "access_token": access, "token_type": "bearer", "expires_in": self.token_lifetime.as_secs(),
            "refresh_token": refresh, "refresh_token_expires_in": 604_800, "scope": "ReadAccounts ReadPresence EditPresence EditExtensions",
            "owner_id": OWNER_EXTENSION,
        })
    }

    fn token(&self, request: &Incoming, state: &mut State) -> Reply {
        let expected = format!("Basic {}", base64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
        if request.header("authorization") != Some(expected.as_str()) {
            return oauth_error(
                401,
                "invalid_client",
                "OAU-123",
                "Invalid client credentials",
            );
        }
        let form = request.body.clone().unwrap_or(Value::Null);
        let ok = match form["grant_type"].as_str() {
            Some("password") => form["username"] == USERNAME && form["password"] == PASSWORD,
            Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => form["assertion"] == JWT,
            Some("client_credentials") => true,
            Some("refresh_token") => {
                let token = form["refresh_token"].as_str().unwrap_or_default();
                // Refresh tokens rotate: each works once.
                state
                    .refresh
                    .remove(token)
                    .is_some_and(|expires| expires > Instant::now())
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
        if !ok {
            return oauth_error(
                400,
                "invalid_grant",
                "OAU-140",
                "Invalid resource owner credentials",
            );
        }
        Reply::json(200, self.tokens(state))
    }
}

fn oauth_error(status: u16, error: &str, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": error, "error_description": message, "errors": [{"errorCode": code, "message": message}], "errorCode": code, "message": message}),
    )
}

fn base64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl Vendor for RingCentral {
    fn name(&self) -> &'static str {
        "ringcentral"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        let errors: Vec<Value> = problems
            .iter()
            .map(|p| {
                let name = p.field.rsplit(['.', '/']).next().unwrap_or_default();
                json!({"errorCode": "CMN-101", "message": format!("Parameter [{name}] value is invalid: {}", p.message), "parameterName": name})
            })
            .collect();
        let first = errors
            .first()
            .cloned()
            .unwrap_or(json!({"message": "invalid request"}));
        Reply::json(
            400,
            json!({"errorCode": "CMN-101", "message": first["message"], "errors": errors}),
        )
    }

    fn not_found(&self) -> Reply {
        error(404, "CMN-102", "Resource is not found")
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        // The OAuth endpoints take the app's Basic credentials, checked there.
        if matches!(request.op.as_str(), "getToken" | "revokeToken") {
            return Ok(());
        }
        let state = self.state.lock().unwrap();
        let token = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        match token.and_then(|t| state.access.get(t)) {
            Some(expires) if *expires > Instant::now() => Ok(()),
            Some(_) => Err(error(401, "OAU-128", "Access token expired")),
            None => Err(error(401, "OAU-129", "Access token corrupted")),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        let mut state = self.state.lock().unwrap();
        let body = request.body.clone().unwrap_or(Value::Null);
        let extension_id = match request.path("extensionId") {
            "~" => OWNER_EXTENSION.to_owned(),
            other => other.to_owned(),
        };
        let group_id = request.path("groupId").to_owned();
        let account = request.path("accountId");
        if !account.is_empty() && account != "~" && account != ACCOUNT_ID {
            return error(
                404,
                "CMN-102",
                "Resource for parameter [accountId] is not found",
            );
        }
        let per_extension = matches!(
            request.op.as_str(),
            "updateUserPresenceStatus"
                | "readMonitoredExtensions"
                | "updateMonitoredExtensions"
                | "readMonitoredExtension"
                | "readPresencePermissions"
                | "updatePresencePermissions"
        );
        if per_extension && extension(&extension_id).is_none() {
            return error(
                404,
                "CMN-102",
                "Resource for parameter [extensionId] is not found",
            );
        }
        match request.op.as_str() {
            "getToken" => self.token(request, &mut state),
            "revokeToken" => {
                let expected = format!("Basic {}", base64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
                if request.header("authorization") != Some(expected.as_str()) {
                    return oauth_error(
                        401,
                        "invalid_client",
                        "OAU-123",
                        "Invalid client credentials",
                    );
                }
                let token = body["token"].as_str().unwrap_or_default();
                state.access.remove(token);
                state.refresh.remove(token);
                Reply::empty(200)
            }
            "listCallMonitoringGroups" => {
                let member = request.query_str("memberExtensionId");
                let records: Vec<Value> = state
                    .groups
                    .iter()
                    .filter(|(id, _)| {
                        member.is_none_or(|m| {
                            state.members.get(*id).is_some_and(|ms| ms.contains_key(m))
                        })
                    })
                    .map(|(_, g)| g.clone())
                    .collect();
                Reply::json(200, paged("/call-monitoring-groups", records, request))
            }
            "createCallMonitoringGroup" => {
                state.counter += 1;
                let id = format!("{}", 2_415_100 + state.counter);
                let mut group = json!({"uri": format!("{BASE}/call-monitoring-groups/{id}"), "id": id, "name": body["name"]});
                if let Some(site) = body.get("site") {
                    group["site"] = json!({"id": site["id"], "name": "Main Site"});
                }
                state.groups.insert(id.clone(), group.clone());
                state.members.insert(id, BTreeMap::new());
                Reply::json(200, group)
            }
            "updateCallMonitoringGroup" => match state.groups.get_mut(&group_id) {
                Some(group) => {
                    group["name"] = body["name"].clone();
                    Reply::json(200, group.clone())
                }
                None => error(
                    404,
                    "CMN-102",
                    "Resource for parameter [groupId] is not found",
                ),
            },
            "deleteCallMonitoringGroup" => {
                if state.groups.remove(&group_id).is_none() {
                    return error(
                        404,
                        "CMN-102",
                        "Resource for parameter [groupId] is not found",
                    );
                }
                state.members.remove(&group_id);
                Reply::empty(204)
            }
            "listCallMonitoringGroupMembers" => {
                let Some(members) = state.members.get(&group_id) else {
                    return error(
                        404,
                        "CMN-102",
                        "Resource for parameter [groupId] is not found",
                    );
                };
                let records = members
                    .iter()
                    .map(|(id, permissions)| {
                        let number = extension(id).map_or(id.as_str(), |e| e.1);
                        json!({"uri": format!("{BASE}/extension/{id}"), "id": id, "extensionNumber": number, "permissions": permissions})
                    })
                    .collect();
                Reply::json(
                    200,
                    paged(
                        &format!("/call-monitoring-groups/{group_id}/members"),
                        records,
                        request,
                    ),
                )
            }
            "updateCallMonitoringGroupList" => {
                if !state.groups.contains_key(&group_id) {
                    return error(
                        404,
                        "CMN-102",
                        "Resource for parameter [groupId] is not found",
                    );
                }
                let allowed = ["User", "DigitalUser", "VirtualUser", "FaxUser", "Limited"];
                for list in ["addedExtensions", "updatedExtensions"] {
                    for item in body[list].as_array().into_iter().flatten() {
                        let id = item["id"].as_str().unwrap_or_default();
                        if !extension(id).is_some_and(|e| allowed.contains(&e.2)) {
                            return error(
                                400,
                                "CMN-101",
                                &format!(
                                    "Extension [{id}] cannot be a call monitoring group member"
                                ),
                            );
                        }
                    }
                }
                let members = state.members.entry(group_id).or_default();
                for list in ["addedExtensions", "updatedExtensions"] {
                    for item in body[list].as_array().into_iter().flatten() {
                        let permissions = item["permissions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p.as_str().map(str::to_owned))
                            .collect();
                        members.insert(
                            item["id"].as_str().unwrap_or_default().to_owned(),
                            permissions,
                        );
                    }
                }
                for item in body["removedExtensions"].as_array().into_iter().flatten() {
                    members.remove(item["id"].as_str().unwrap_or_default());
                }
                Reply::empty(204)
            }
            "readAccountPresence" => {
                let records = state
                    .presence
                    .values()
                    .cloned()
                    .map(Value::Object)
                    .collect();
                Reply::json(200, paged("/presence", records, request))
            }
            "readUserPresenceStatus" => {
                let ids: Vec<&str> = extension_id.split(',').collect();
                if ids.len() > 1 {
                    if ids.len() > 30 {
                        return error(
                            400,
                            "InvalidMultipartRequest",
                            "Extension Presence Info multipart request is limited to 30 extensions",
                        );
                    }
                    let parts: Vec<Value> = ids
                        .iter()
                        .map(|id| match state.presence.get(*id) {
                            Some(p) => json!({"resourceId": id, "status": 200, "body": p}),
                            None => json!({"resourceId": id, "status": 404, "body": {"errorCode": "CMN-102", "message": "Resource for parameter [extensionId] is not found"}}),
                        })
                        .collect();
                    return Reply::json(207, Value::Array(parts));
                }
                match state.presence.get(&extension_id) {
                    Some(p) => Reply::json(200, Value::Object(p.clone())),
                    None => error(
                        404,
                        "CMN-102",
                        "Resource for parameter [extensionId] is not found",
                    ),
                }
            }
            "updateUserPresenceStatus" => {
                if extension(&extension_id).is_some_and(|e| e.2 == "ParkLocation") {
                    return error(
                        400,
                        "CMN-101",
                        "Presence cannot be set for this extension type",
                    );
                }
                let Some(presence) = state.presence.get_mut(&extension_id) else {
                    return error(
                        404,
                        "CMN-102",
                        "Resource for parameter [extensionId] is not found",
                    );
                };
                for (key, value) in body.as_object().into_iter().flatten() {
                    presence.insert(key.clone(), value.clone());
                }
                // The aggregated status follows the user's and DND's.
                let busy = presence.get("userStatus") == Some(&json!("Busy"))
                    || presence.get("dndStatus") == Some(&json!("DoNotAcceptAnyCalls"));
                presence.insert(
                    "presenceStatus".into(),
                    json!(if busy { "Busy" } else { "Available" }),
                );
                Reply::json(200, Value::Object(presence.clone()))
            }
            "readMonitoredExtensions" | "updateMonitoredExtensions" => {
                if request.op == "updateMonitoredExtensions" {
                    let mut lines = state.lines.get(&extension_id).cloned().unwrap_or_default();
                    for record in body["records"].as_array().into_iter().flatten() {
                        let slot: usize = record["id"]
                            .as_str()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0);
                        let target = record["extension"]["id"].as_str().unwrap_or_default();
                        if slot <= 2 {
                            return error(400, "CMN-101", "The first two lines cannot be changed");
                        }
                        if extension(target).is_none() {
                            return error(
                                400,
                                "CMN-101",
                                &format!("Extension [{target}] is not found"),
                            );
                        }
                        if lines.len() < slot {
                            lines.resize(slot, String::new());
                        }
                        lines[slot - 1] = target.to_owned();
                    }
                    state.lines.insert(extension_id.clone(), lines);
                }
                let records = state
                    .lines
                    .get(&extension_id)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter(|(_, id)| !id.is_empty())
                    .map(|(i, id)| {
                        let (_, number, kind) = extension(id).copied().unwrap_or(("", "", "User"));
                        json!({"id": (i + 1).to_string(), "uri": format!("{BASE}/extension/{extension_id}/presence/line/{}", i + 1),
                               "extension": {"id": id, "uri": format!("{BASE}/extension/{id}"), "extensionNumber": number, "type": kind}})
                    })
                    .collect();
                Reply::json(
                    200,
                    paged(
                        &format!("/extension/{extension_id}/presence/line"),
                        records,
                        request,
                    ),
                )
            }
            "readMonitoredExtension" => {
                let slot: usize = request.path("lineId").parse().unwrap_or(0);
                match state
                    .lines
                    .get(&extension_id)
                    .and_then(|l| l.get(slot.wrapping_sub(1)))
                    .filter(|id| !id.is_empty())
                {
                    Some(id) => {
                        let (_, number, kind) = extension(id).copied().unwrap_or(("", "", "User"));
                        Reply::json(
                            200,
                            json!({"id": slot.to_string(), "extension": {"id": id, "uri": format!("{BASE}/extension/{id}"), "extensionNumber": number, "type": kind}}),
                        )
                    }
                    None => error(
                        404,
                        "CMN-102",
                        "Resource for parameter [lineId] is not found",
                    ),
                }
            }
            "readPresencePermissions" | "updatePresencePermissions" => {
                if request.op == "updatePresencePermissions" {
                    let ids: Vec<String> = body["extensions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e["id"].as_str().map(str::to_owned))
                        .collect();
                    if let Some(unknown) = ids.iter().find(|id| extension(id).is_none()) {
                        return error(
                            400,
                            "CMN-101",
                            &format!("Extension [{unknown}] is not found"),
                        );
                    }
                    state.permitted.insert(extension_id.clone(), ids);
                }
                let records: Vec<Value> = state
                    .permitted
                    .get(&extension_id)
                    .into_iter()
                    .flatten()
                    .map(|id| json!({"uri": format!("{BASE}/extension/{id}"), "id": id, "extensionNumber": extension(id).map_or("", |e| e.1)}))
                    .collect();
                Reply::json(
                    200,
                    paged(
                        &format!("/extension/{extension_id}/presence/permission"),
                        records,
                        request,
                    ),
                )
            }
            other => error(405, "CMN-405", &format!("{other} is not faked")),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "Authorization: Bearer")
    }
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
