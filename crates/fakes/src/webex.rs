//! A stateful fake of Webex Calling's person monitoring settings: a small
//! directory of people, places, virtual lines and call park extensions, and
//! each person's monitored elements, changed by PUT and read back by GET.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::server::{Incoming, Reply, Vendor};
use crate::spec::{Problem, Spec};

/// The seeded organization.
pub const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kaWFsdG9uZQ";
/// A seeded person whose settings can be read and changed.
pub const PERSON_ID: &str =
    "Y2lzY29zcGFyazovL3VzL1BFT1BMRS85OWNlZjRmYS03YTM5LTQ1ZDItOTNmNi1jNjA5YTRiMjgzODY";
/// A seeded person who can be monitored.
pub const MONITORED_PERSON_ID: &str = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I";
/// A seeded call park extension.
pub const CALL_PARK_ID: &str = "Y2lzY29zcGFyazovL3VzL0NBTExfUEFSS19FWFRFTlNJT04vNDAwMQ";
/// The bearer token the sandbox prints.
pub const SANDBOX_TOKEN: &str = "webex-sandbox-token-0b1c2d3e4f";
/// The most monitored elements a person can have.
const MAX_ELEMENTS: usize = 50;

/// The Webex fake.
pub struct Webex {
    spec: Spec,
    state: Mutex<BTreeMap<String, Value>>,
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
        Webex {
            spec: Spec::load(include_str!("../../../specs/webex.yaml")),
            state: Mutex::new(state),
        }
    }
}

impl Default for Webex {
    fn default() -> Self {
        Self::new()
    }
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

    fn not_found(&self) -> Reply {
        error(404, "The requested resource could not be found.")
    }

    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        match request.header("authorization") {
            Some(value) if value == format!("Bearer {SANDBOX_TOKEN}") => Ok(()),
            _ => Err(error(401, "The request requires a valid access token.")),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        if request.query_str("orgId").is_some_and(|org| org != ORG_ID) {
            return error(403, "The token may not act in that organization.");
        }
        let mut state = self.state.lock().unwrap();
        let Some(settings) = state.get_mut(request.path("personId")) else {
            return error(404, "Person not found.");
        };
        match request.op.as_str() {
            "getMonitoringSettingsPerson" => {
                let count = settings["monitoredElements"].as_array().map_or(0, Vec::len);
                let mut body = settings.clone();
                body["availableEntriesCount"] = json!(MAX_ELEMENTS - count);
                Reply::json(200, body).with_header("trackingId", tracking_id())
            }
            "updateMonitoringSettingsPerson" => {
                let body = request.body.clone().unwrap_or(Value::Null);
                let mut elements = Vec::new();
                for item in body["monitoredElements"].as_array().into_iter().flatten() {
                    let kind = item["type"].as_str().unwrap_or("MEMBER");
                    let element = match kind {
                        "SPEED_DIAL" => {
                            let (Some(label), Some(number)) =
                                (item["lineKeyLabel"].as_str(), item["phoneNumber"].as_str())
                            else {
                                return error(
                                    400,
                                    "A custom speed dial needs lineKeyLabel and phoneNumber.",
                                );
                            };
                            json!({"speedDial": {"lineKeyLabel": label, "phoneNumber": number}})
                        }
                        _ => {
                            let Some(mut entry) = item["id"].as_str().and_then(directory) else {
                                return error(400, "Invalid field value: monitoredElements id.");
                            };
                            if let (Some(label), Some(inner)) = (
                                item["lineKeyLabel"].as_str(),
                                entry.as_object_mut().and_then(|e| e.values_mut().next()),
                            ) {
                                inner["lineKeyLabel"] = json!(label);
                            }
                            entry
                        }
                    };
                    elements.push(element);
                }
                if let Some(enabled) = body.get("enableCallParkNotification") {
                    settings["callParkNotificationEnabled"] = enabled.clone();
                }
                if body.get("monitoredElements").is_some() {
                    settings["monitoredElements"] = Value::Array(elements);
                }
                Reply::empty(204).with_header("trackingId", tracking_id())
            }
            other => error(405, &format!("{other} is not faked")),
        }
    }

    fn credential(&self) -> (String, &'static str) {
        (SANDBOX_TOKEN.to_owned(), "Authorization: Bearer")
    }
}
