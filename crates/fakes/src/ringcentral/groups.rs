//! Call monitoring groups and their members.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{BASE, RingCentral, error, extension, not_found, paged};
use crate::server::{Incoming, Reply};

/// Extension types that can be members of a call monitoring group.
const MEMBER_TYPES: &[&str] = &["User", "DigitalUser", "VirtualUser", "FaxUser", "Limited"];

pub(super) fn list_groups(fake: &RingCentral, request: &Incoming) -> Reply {
    let state = fake.state.lock();
    let member = request.query_str("memberExtensionId");
    let records: Vec<Value> = state
        .groups
        .iter()
        .filter(|(id, _)| {
            member.is_none_or(|m| state.members.get(*id).is_some_and(|ms| ms.contains_key(m)))
        })
        .map(|(_, g)| g.clone())
        .collect();
    Reply::json(200, paged("/call-monitoring-groups", records, request))
}

pub(super) fn create_group(fake: &RingCentral, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    let mut state = fake.state.lock();
    state.counter = state.counter.wrapping_add(1);
    let id = 2_415_100_u64.wrapping_add(state.counter).to_string();
    let mut group = json!({"uri": format!("{BASE}/call-monitoring-groups/{id}"), "id": id, "name": body["name"]});
    if let Some(site) = body.get("site") {
        group["site"] = json!({"id": site["id"], "name": "Main Site"});
    }
    state.groups.insert(id.clone(), group.clone());
    state.members.insert(id, BTreeMap::new());
    Reply::json(200, group)
}

pub(super) fn update_group(fake: &RingCentral, request: &Incoming) -> Reply {
    let body = request.body_or_null();
    match fake.state.lock().groups.get_mut(request.path("groupId")) {
        Some(group) => {
            group["name"] = body["name"].clone();
            Reply::json(200, group.clone())
        }
        None => not_found("groupId"),
    }
}

pub(super) fn delete_group(fake: &RingCentral, request: &Incoming) -> Reply {
    let group_id = request.path("groupId");
    let mut state = fake.state.lock();
    if state.groups.remove(group_id).is_none() {
        return not_found("groupId");
    }
    state.members.remove(group_id);
    Reply::empty(204)
}

pub(super) fn list_members(fake: &RingCentral, request: &Incoming) -> Reply {
    let group_id = request.path("groupId");
    let state = fake.state.lock();
    let Some(members) = state.members.get(group_id) else {
        return not_found("groupId");
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

/// `updateCallMonitoringGroupList`: adds, updates and removes members;
/// every added or updated one must be a user-like extension of the account
/// (checked before anything changes).
pub(super) fn assign_members(fake: &RingCentral, request: &Incoming) -> Reply {
    let group_id = request.path("groupId").to_owned();
    let body = request.body_or_null();
    let mut state = fake.state.lock();
    if !state.groups.contains_key(&group_id) {
        return not_found("groupId");
    }
    let lists = ["addedExtensions", "updatedExtensions"];
    let items = || {
        lists
            .iter()
            .flat_map(|list| body[*list].as_array().into_iter().flatten())
    };
    for item in items() {
        let id = item["id"].as_str().unwrap_or_default();
        if !extension(id).is_some_and(|e| MEMBER_TYPES.contains(&e.2)) {
            return error(
                400,
                "CMN-101",
                &format!(
                    "Extension [{}] cannot be a call monitoring group member",
                    crate::spec::clip(id, 32)
                ),
            );
        }
    }
    let members = state.members.entry(group_id).or_default();
    for item in items() {
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
    for item in body["removedExtensions"].as_array().into_iter().flatten() {
        members.remove(item["id"].as_str().unwrap_or_default());
    }
    Reply::empty(204)
}
