//! A stateful fake of Webex Calling's person monitoring settings: a small
//! directory of people, places, virtual lines and call park extensions, and
//! each person's monitored elements, changed by PUT and read back by GET.
//! One handler per operation, routed by [`HANDLERS`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{Handler, Incoming, Refusal, Reply, Vendor, route};
use crate::spec::{Problem, Spec};
use crate::sync::Lock;
use crate::tokens::{TokenRules, TokenStats, TokenStore, Validity};

/// The seeded organization.
pub const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kaWFsdG9uZQ";
/// A seeded person whose settings can be read and changed.
pub const PERSON_ID: &str =
    "Y2lzY29zcGFyazovL3VzL1BFT1BMRS85OWNlZjRmYS03YTM5LTQ1ZDItOTNmNi1jNjA5YTRiMjgzODY";
/// A seeded person who can be monitored.
pub const MONITORED_PERSON_ID: &str = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I";
/// A seeded call park extension.
pub const CALL_PARK_ID: &str = "Y2lzY29zcGFyazovL3VzL0NBTExfUEFSS19FWFRFTlNJT04vNDAwMQ";
/// The bearer token the sandbox prints (Webex's tokens come from its own
/// OAuth service, which is not faked: this one never expires).
pub const SANDBOX_TOKEN: &str = "webex-sandbox-token-0b1c2d3e4f";
/// The most monitored elements a person can have.
const MAX_ELEMENTS: usize = 50;

/// The operations and their handlers.
const HANDLERS: &[(&str, Handler<Webex>)] = &[
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
    /// A fake with one person monitoring nobody yet.
    pub fn new() -> Self {
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
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: None,
            max_live: None,
            access_format: |n| format!("webex-token-{n:020}"),
            refresh_format: |n| format!("webex-refresh-{n:020}"),
        });
        tokens.seed(SANDBOX_TOKEN, Duration::from_secs(365 * 24 * 3600));
        Webex {
            spec: Spec::load(include_str!("../specs/webex.yaml")),
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
