//! Presence: a user's status (one, or a batch of up to 30), the account's
//! list, monitored lines (BLF), and who may see a user's presence.

use serde_json::{Map, Value, json};

use super::{BASE, RingCentral, error, extension, extension_id, not_found, paged};
use crate::server::{Incoming, Reply};

/// The most ids in one batch read (the vendor's limit).
const MAX_BATCH: usize = 30;
/// The most lines a user can have (x-dialtone-assumed: the notes give no
/// number; it bounds what a request can make the fake allocate).
const MAX_LINES: usize = 100;

/// The presence an extension starts with: available (a park location:
/// offline).
pub(super) fn seed(id: &str, number: &str, kind: &str) -> Map<String, Value> {
    let mut presence = json!({
        "uri": format!("{BASE}/extension/{id}/presence"),
        "extension": {"id": id.parse::<i64>().unwrap_or_default(), "uri": format!("{BASE}/extension/{id}"), "extensionNumber": number},
        "presenceStatus": "Available",
    });
    if kind == "ParkLocation" {
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
    presence.as_object().cloned().unwrap_or_default()
}

pub(super) fn read_account_presence(fake: &RingCentral, request: &Incoming) -> Reply {
    let records = fake
        .state
        .lock()
        .presence
        .values()
        .cloned()
        .map(Value::Object)
        .collect();
    Reply::json(200, paged("/presence", records, request))
}

/// One extension's presence, or the batch form (`101,102,...`: 207 with
/// one result per id).
pub(super) fn read_user_presence(fake: &RingCentral, request: &Incoming) -> Reply {
    let extension_id = extension_id(request);
    let state = fake.state.lock();
    if !extension_id.contains(',') {
        return match state.presence.get(&extension_id) {
            Some(p) => Reply::json(200, Value::Object(p.clone())),
            None => not_found("extensionId"),
        };
    }
    if extension_id.split(',').nth(MAX_BATCH).is_some() {
        return error(
            400,
            "InvalidMultipartRequest",
            "Extension Presence Info multipart request is limited to 30 extensions",
        );
    }
    let parts: Vec<Value> = extension_id
        .split(',')
        .map(|id| match state.presence.get(id) {
            Some(p) => json!({"resourceId": id, "status": 200, "body": p}),
            None => json!({"resourceId": id, "status": 404, "body": {"errorCode": "CMN-102", "message": "Resource for parameter [extensionId] is not found"}}),
        })
        .collect();
    Reply::json(207, Value::Array(parts))
}

pub(super) fn update_user_presence(fake: &RingCentral, request: &Incoming) -> Reply {
    let extension_id = extension_id(request);
    if extension(&extension_id).is_some_and(|e| e.2 == "ParkLocation") {
        return error(
            400,
            "CMN-101",
            "Presence cannot be set for this extension type",
        );
    }
    let body = request.body_or_null();
    let mut state = fake.state.lock();
    let Some(presence) = state.presence.get_mut(&extension_id) else {
        return not_found("extensionId");
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

pub(super) fn read_lines(fake: &RingCentral, request: &Incoming) -> Reply {
    lines_page(fake, request, &extension_id(request))
}

/// Sets lines 3 and up (the first two are the user's own); a line number
/// past [`MAX_LINES`] is refused.
pub(super) fn update_lines(fake: &RingCentral, request: &Incoming) -> Reply {
    let extension_id = extension_id(request);
    let body = request.body_or_null();
    {
        let mut state = fake.state.lock();
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
            if slot > MAX_LINES {
                return error(
                    400,
                    "CMN-101",
                    &format!("A user has at most {MAX_LINES} lines"),
                );
            }
            if extension(target).is_none() {
                return error(
                    400,
                    "CMN-101",
                    &format!("Extension [{}] is not found", crate::spec::clip(target, 32)),
                );
            }
            if lines.len() < slot {
                lines.resize(slot, String::new());
            }
            lines[slot - 1] = target.to_owned();
        }
        state.lines.insert(extension_id.clone(), lines);
    }
    lines_page(fake, request, &extension_id)
}

fn lines_page(fake: &RingCentral, request: &Incoming, extension_id: &str) -> Reply {
    let records = fake
        .state
        .lock()
        .lines
        .get(extension_id)
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

pub(super) fn read_line(fake: &RingCentral, request: &Incoming) -> Reply {
    let extension_id = extension_id(request);
    let slot: usize = request.path("lineId").parse().unwrap_or(0);
    let state = fake.state.lock();
    let line = state
        .lines
        .get(&extension_id)
        .and_then(|l| l.get(slot.checked_sub(1)?))
        .filter(|id| !id.is_empty());
    match line {
        Some(id) => {
            let (_, number, kind) = extension(id).copied().unwrap_or(("", "", "User"));
            Reply::json(
                200,
                json!({"id": slot.to_string(), "extension": {"id": id, "uri": format!("{BASE}/extension/{id}"), "extensionNumber": number, "type": kind}}),
            )
        }
        None => not_found("lineId"),
    }
}

pub(super) fn read_permissions(fake: &RingCentral, request: &Incoming) -> Reply {
    permissions_page(fake, request, &extension_id(request))
}

pub(super) fn update_permissions(fake: &RingCentral, request: &Incoming) -> Reply {
    let extension_id = extension_id(request);
    let body = request.body_or_null();
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
            &format!(
                "Extension [{}] is not found",
                crate::spec::clip(unknown, 32)
            ),
        );
    }
    fake.state
        .lock()
        .permitted
        .insert(extension_id.clone(), ids);
    permissions_page(fake, request, &extension_id)
}

fn permissions_page(fake: &RingCentral, request: &Incoming, extension_id: &str) -> Reply {
    let records: Vec<Value> = fake
        .state
        .lock()
        .permitted
        .get(extension_id)
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
