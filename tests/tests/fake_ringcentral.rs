//! dialtone-ringcentral against the stateful RingCentral fake.

use std::time::Duration;

use dialtone_fakes::ringcentral::{
    CLIENT_ID, CLIENT_SECRET, JWT, PASSWORD, SANDBOX_TOKEN, USERNAME,
};
use dialtone_fakes::{FakeServer, Fault};
use dialtone_ringcentral::{
    CallMonitoringBulkAssign, CallMonitoringExtensionInfo, Client,
    CreateCallMonitoringGroupRequest, DndStatus, Error, ExtensionRef, LineUpdate,
    MonitoringPermission, PresenceInfoRequest, PresenceStatus, UpdatePresenceLinesRequest,
    UserPresencePermissionsUpdateRequest,
};
use dialtone_runtime::tokens::Grant;
use futures_util::TryStreamExt;

async fn fake() -> (FakeServer, Client) {
    let fake = dialtone_fakes::start("ringcentral", 0, false)
        .await
        .unwrap();
    let client = Client::builder(fake.base_url())
        .bearer_auth(SANDBOX_TOKEN)
        .no_rate_limit()
        .build()
        .unwrap();
    (fake, client)
}

fn member(id: &str, permissions: &[MonitoringPermission]) -> CallMonitoringExtensionInfo {
    CallMonitoringExtensionInfo::new(id).with_permissions(permissions.to_vec())
}

#[tokio::test]
async fn story_group_members_pages_and_dnd() {
    let fake = dialtone_fakes::start("ringcentral", 0, false)
        .await
        .unwrap();
    let rc = Client::builder(fake.base_url())
        .oauth(
            CLIENT_ID,
            CLIENT_SECRET,
            Grant::Password {
                username: USERNAME.into(),
                password: PASSWORD.into(),
                extension: None,
            },
        )
        .build()
        .unwrap();
    let group = rc
        .create_call_monitoring_group(
            "~",
            CreateCallMonitoringGroupRequest::new("Night supervisors"),
        )
        .send()
        .await
        .unwrap();
    let id = group.id.unwrap();
    let assign = CallMonitoringBulkAssign::new().with_added_extensions(vec![
        member("101", &[MonitoringPermission::Monitoring]),
        member("102", &[MonitoringPermission::Monitored]),
        member(
            "103",
            &[
                MonitoringPermission::Monitored,
                MonitoringPermission::Monitoring,
            ],
        ),
    ]);
    rc.update_call_monitoring_group_list("~", &id, assign)
        .send()
        .await
        .unwrap();
    // Three members over two pages.
    let pages: Vec<_> = rc
        .list_call_monitoring_group_members("~", &id)
        .per_page(2)
        .into_pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.records.iter().map(|m| m.id.clone().unwrap()))
        .collect();
    assert_eq!(ids, ["101", "102", "103"]);
    // Do not disturb, read back through presence.
    rc.update_user_presence_status(
        "~",
        "102",
        PresenceInfoRequest::new().with_dnd_status(DndStatus::DoNotAcceptAnyCalls),
    )
    .send()
    .await
    .unwrap();
    let presence = rc
        .read_user_presence_status("~", "102")
        .send()
        .await
        .unwrap();
    assert_eq!(presence.dnd_status, Some(DndStatus::DoNotAcceptAnyCalls));
    assert_eq!(presence.presence_status, Some(PresenceStatus::Busy));
    let account: Vec<_> = rc
        .read_account_presence("~")
        .per_page(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let dnd = account
        .iter()
        .find(|p| p.extension.as_ref().and_then(|e| e.id) == Some(102))
        .unwrap();
    assert_eq!(dnd.dnd_status, Some(DndStatus::DoNotAcceptAnyCalls));
    rc.revoke_auth().await.unwrap();
}

#[tokio::test]
async fn every_operation() {
    let (_fake, rc) = fake().await;
    // Groups.
    let groups = rc
        .list_call_monitoring_groups("~")
        .member_extension_id("101")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.records.len(), 1);
    let id = groups.records[0].id.clone().unwrap();
    let renamed = rc
        .update_call_monitoring_group(
            "~",
            &id,
            CreateCallMonitoringGroupRequest::new("Support leads"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Support leads"));
    rc.update_call_monitoring_group_list(
        "~",
        &id,
        CallMonitoringBulkAssign::new()
            .with_removed_extensions(vec![CallMonitoringExtensionInfo::new("101")]),
    )
    .send()
    .await
    .unwrap();
    assert!(
        rc.list_call_monitoring_group_members("~", &id)
            .send()
            .await
            .unwrap()
            .records
            .is_empty()
    );
    rc.delete_call_monitoring_group("~", &id)
        .send()
        .await
        .unwrap();
    assert!(
        rc.list_call_monitoring_groups("~")
            .send()
            .await
            .unwrap()
            .records
            .is_empty()
    );
    // Presence: batch, lines, permissions.
    let batch = rc
        .read_user_presence_status_batch("~", vec!["101".into(), "999".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(
        batch
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.status, |_| 200))
            .collect::<Vec<_>>(),
        [200, 404]
    );
    let lines = rc
        .update_monitored_extensions(
            "~",
            "~",
            UpdatePresenceLinesRequest::new().with_records(vec![
                LineUpdate::new()
                    .with_id("3")
                    .with_extension(ExtensionRef::new().with_id("102")),
            ]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(lines.records.len(), 3);
    assert_eq!(
        rc.read_monitored_extensions("~", "~")
            .send()
            .await
            .unwrap()
            .records
            .len(),
        3
    );
    let line = rc
        .read_monitored_extension("~", "~", "3")
        .send()
        .await
        .unwrap();
    assert_eq!(line.extension.unwrap().id.as_deref(), Some("102"));
    rc.update_presence_permissions(
        "~",
        "~",
        UserPresencePermissionsUpdateRequest::new()
            .with_extensions(vec![ExtensionRef::new().with_id("104")]),
    )
    .send()
    .await
    .unwrap();
    let permitted = rc.read_presence_permissions("~", "~").send().await.unwrap();
    assert_eq!(permitted.records.unwrap()[0].id.as_deref(), Some("104"));
    // OAuth: JWT grant and a refresh with rotation.
    let token = rc
        .get_token(
            dialtone_ringcentral::TokenRequest::new(
                dialtone_ringcentral::GrantType::UrnIetfParamsOauthGrantTypeJwtBearer,
            )
            .with_assertion(JWT),
        )
        .basic_auth(CLIENT_ID, CLIENT_SECRET)
        .send()
        .await
        .unwrap();
    let refresh = token.refresh_token.unwrap();
    let again = rc
        .get_token(
            dialtone_ringcentral::TokenRequest::new(dialtone_ringcentral::GrantType::RefreshToken)
                .with_refresh_token(refresh.clone()),
        )
        .basic_auth(CLIENT_ID, CLIENT_SECRET)
        .send()
        .await
        .unwrap();
    assert_ne!(again.access_token, token.access_token);
    let reused = rc
        .get_token(
            dialtone_ringcentral::TokenRequest::new(dialtone_ringcentral::GrantType::RefreshToken)
                .with_refresh_token(refresh),
        )
        .basic_auth(CLIENT_ID, CLIENT_SECRET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        reused.status(),
        Some(400),
        "a rotated refresh token works once"
    );
    rc.revoke_token(dialtone_ringcentral::RevokeTokenRequest::new(
        again.access_token.expose(),
    ))
    .basic_auth(CLIENT_ID, CLIENT_SECRET)
    .send()
    .await
    .unwrap();
}

#[tokio::test]
async fn documented_errors() {
    let (fake, rc) = fake().await;
    let stranger = Client::builder(fake.base_url())
        .bearer_auth("nope")
        .build()
        .unwrap();
    let err = stranger
        .read_user_presence_status("~", "~")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_eq!(err.body().unwrap().error_code.as_deref(), Some("OAU-129"));
    let err = rc
        .delete_call_monitoring_group("~", "404404")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.body().unwrap().error_code.as_deref(), Some("CMN-102"));
    let park = CallMonitoringBulkAssign::new()
        .with_added_extensions(vec![member("900", &[MonitoringPermission::Monitored])]);
    let err = rc
        .update_call_monitoring_group_list("~", "2415005", park)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(400),
        "a park location cannot be a member"
    );
    let bad_login = rc
        .get_token(
            dialtone_ringcentral::TokenRequest::new(dialtone_ringcentral::GrantType::Password)
                .with_username(USERNAME)
                .with_password("wrong"),
        )
        .basic_auth(CLIENT_ID, CLIENT_SECRET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad_login.status(), Some(400));
}

#[tokio::test]
async fn fault_matrix() {
    let (fake, rc) = fake().await;
    let read = || {
        rc.read_user_presence_status("~", "~")
            // The whole call's budget: a 1 s Retry-After or a 0.9 s answer fits.
            .timeout(Duration::from_secs(3))
            .send()
    };
    for fault in [
        Fault::TooManyRequests { retry_after: 1 },
        Fault::Unavailable,
        Fault::DropBeforeRead,
        Fault::DropAfterRead,
        Fault::Slow(Duration::from_millis(900)),
        Fault::Truncated,
        Fault::Huge(1 << 20),
        Fault::UnknownFields,
        Fault::UnknownEnum,
    ] {
        fake.inject(fault.clone());
        let presence = read().await.unwrap_or_else(|e| panic!("{fault:?}: {e:?}"));
        if fault == Fault::UnknownEnum {
            assert!(
                format!("{presence:?}").contains("Unrecognized(\"SomethingNew\")"),
                "{presence:?}"
            );
        }
        assert_eq!(fake.pending_faults(), 0, "{fault:?}");
    }
    fake.inject(Fault::NotJson);
    assert!(matches!(read().await, Err(Error::Decode { .. })));
    // A create is a POST: not replayed after the server may have acted.
    fake.inject(Fault::DropAfterRead);
    let err = rc
        .create_call_monitoring_group("~", CreateCallMonitoringGroupRequest::new("Once"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

/// Client-wide credentials per scheme: the HTTP Basic scheme's
/// `client_credentials` goes on the token endpoints (whose requirement
/// names it) and the bearer token on the rest; neither crosses over.
#[tokio::test]
async fn each_scheme_credential_goes_where_its_requirement_says() {
    let fake = dialtone_fakes::start("ringcentral", 0, false)
        .await
        .unwrap();
    let rc = Client::builder(fake.base_url())
        .bearer_auth(SANDBOX_TOKEN)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .no_rate_limit()
        .build()
        .unwrap();
    // No per-call `basic_auth`: the fake refuses a token request without
    // the app's Basic credentials (the last call below shows it).
    let token = rc
        .get_token(
            dialtone_ringcentral::TokenRequest::new(
                dialtone_ringcentral::GrantType::UrnIetfParamsOauthGrantTypeJwtBearer,
            )
            .with_assertion(JWT),
        )
        .send()
        .await
        .unwrap();
    assert!(!token.access_token.expose().is_empty());
    // The bearer token still reaches the data operations.
    rc.read_user_presence_status("~", "~").send().await.unwrap();

    // Without the Basic credentials, the token endpoint (`{}` allowed)
    // gets none, and the fake says so.
    let bare = Client::builder(fake.base_url())
        .bearer_auth(SANDBOX_TOKEN)
        .no_rate_limit()
        .build()
        .unwrap();
    let refused = bare
        .get_token(
            dialtone_ringcentral::TokenRequest::new(
                dialtone_ringcentral::GrantType::UrnIetfParamsOauthGrantTypeJwtBearer,
            )
            .with_assertion(JWT),
        )
        .send()
        .await
        .unwrap_err();
    assert!(matches!(refused.status(), Some(400 | 401)), "{refused:?}");
}
