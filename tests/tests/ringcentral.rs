//! dialtone-ringcentral over real HTTP on 127.0.0.1: every operation's
//! request, the batch presence form, OAuth, paging and throttling groups.

use dialtone_ringcentral::{
    CallMonitoringBulkAssign, CallMonitoringExtensionInfo, Client,
    CreateCallMonitoringGroupRequest, DndStatus, Error, ExtensionRef, LineUpdate,
    MonitoringPermission, PresenceInfoRequest, RevokeTokenRequest, SiteId, TokenRequest,
    UpdatePresenceLinesRequest, UserPresencePermissionsUpdateRequest, UserStatus,
};
use dialtone_ringcentral::{Grant, PresenceStatus, RateLimitGroup};
use dialtone_tests::CaptureServer;
use serde_json::json;

const TOKEN: &str = "canary-rc-access-token";

async fn setup() -> (CaptureServer, Client) {
    let server = CaptureServer::start().await;
    let client = Client::builder(server.base_url())
        .bearer_auth(TOKEN)
        .no_retries()
        .build()
        .unwrap();
    (server, client)
}

fn only_request(server: &CaptureServer) -> String {
    let requests = server.take();
    assert_eq!(requests.len(), 1);
    if let Some(auth) = requests[0].header("authorization") {
        assert!(
            auth == format!("Bearer {TOKEN}") || auth.starts_with("Basic "),
            "{auth}"
        );
    }
    requests[0].render(&["authorization"])
}

fn page(records: serde_json::Value, next: Option<u32>) -> serde_json::Value {
    let mut navigation = json!({});
    if let Some(n) = next {
        navigation["nextPage"] =
            json!({"uri": format!("https://platform.ringcentral.com/x?page={n}")});
    }
    json!({"uri": "https://platform.ringcentral.com/x", "records": records, "navigation": navigation, "paging": {"perPage": 2}})
}

#[tokio::test]
async fn get_token() {
    let (server, client) = setup().await;
    server.respond(200, json!({"access_token": "a", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r"}));
    let body = TokenRequest::new(dialtone_ringcentral::GrantType::Password)
        .with_username("+16505550100")
        .with_password("canary-password")
        .with_access_token_ttl(600);
    let info = client
        .get_token(body)
        .basic_auth("client-id", "client-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(info.expires_in, 3600);
    let requests = server.take();
    assert_eq!(
        requests[0].header("authorization"),
        Some("Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ=")
    );
    let shown = requests[0]
        .render(&["authorization"])
        .replace("canary-password", "***");
    insta::assert_snapshot!(shown);
}

#[tokio::test]
async fn revoke_token() {
    let (server, client) = setup().await;
    server.respond_with(200, &[], String::new());
    client
        .revoke_token(RevokeTokenRequest::new("old-token"))
        .basic_auth("client-id", "client-secret")
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn list_call_monitoring_groups() {
    let (server, client) = setup().await;
    server.respond(
        200,
        page(
            json!([{"id": "2415005", "name": "Support supervisors"}]),
            None,
        ),
    );
    let groups = client
        .list_call_monitoring_groups("~")
        .per_page(50)
        .member_extension_id("11111111")
        .site_id(vec!["main-site".into(), "branch".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.records[0].name.as_deref(),
        Some("Support supervisors")
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn create_call_monitoring_group() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"id": "2415005", "name": "Support supervisors", "site": {"id": "main-site"}}),
    );
    let group = client
        .create_call_monitoring_group(
            "~",
            CreateCallMonitoringGroupRequest::new("Support supervisors")
                .with_site(SiteId::new().with_id("main-site")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(group.id.as_deref(), Some("2415005"));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_call_monitoring_group() {
    let (server, client) = setup().await;
    server.respond(200, json!({"id": "2415005", "name": "Support leads"}));
    client
        .update_call_monitoring_group(
            "~",
            "2415005",
            CreateCallMonitoringGroupRequest::new("Support leads"),
        )
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn delete_call_monitoring_group() {
    let (server, client) = setup().await;
    server.respond_with(204, &[], String::new());
    client
        .delete_call_monitoring_group("~", "2415005")
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn list_call_monitoring_group_members() {
    let (server, client) = setup().await;
    server.respond(200, page(json!([{"id": "11111111", "extensionNumber": "101", "permissions": ["Monitoring", "Coaching"]}]), None));
    let members = client
        .list_call_monitoring_group_members("~", "2415005")
        .page(1)
        .send()
        .await
        .unwrap();
    // A permission the spec does not list is kept, not an error.
    assert_eq!(
        members.records[0].permissions.as_deref().unwrap(),
        [
            MonitoringPermission::Monitoring,
            MonitoringPermission::Unrecognized("Coaching".into())
        ]
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_call_monitoring_group_list() {
    let (server, client) = setup().await;
    server.respond_with(204, &[], String::new());
    let member = |id: &str, p: &[MonitoringPermission]| {
        CallMonitoringExtensionInfo::new(id).with_permissions(p.to_vec())
    };
    let body = CallMonitoringBulkAssign::new()
        .with_added_extensions(vec![
            member("11111111", &[MonitoringPermission::Monitoring]),
            member("22222222", &[MonitoringPermission::Monitored]),
        ])
        .with_removed_extensions(vec![CallMonitoringExtensionInfo::new("44444444")]);
    client
        .update_call_monitoring_group_list("~", "2415005", body)
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_account_presence() {
    let (server, client) = setup().await;
    server.respond(
        200,
        page(
            json!([{"presenceStatus": "Available", "extension": {"id": 1}}]),
            None,
        ),
    );
    let all = client
        .read_account_presence("~")
        .detailed_telephony_state(true)
        .sip_data(false)
        .send()
        .await
        .unwrap();
    assert_eq!(all.records.unwrap().len(), 1);
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_user_presence_status() {
    let (server, client) = setup().await;
    server.respond(200, json!({"presenceStatus": "Busy", "telephonyStatus": "OnHold", "dndStatus": "TakeAllCalls", "activeCalls": [{"id": "c1", "direction": "Inbound", "startTime": "2026-11-24T10:15:00Z"}]}));
    let presence = client
        .read_user_presence_status("~", "~")
        .detailed_telephony_state(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        presence.telephony_status,
        Some(dialtone_ringcentral::TelephonyStatus::OnHold)
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_user_presence_status_batch() {
    let (server, client) = setup().await;
    server.respond_with(
        207,
        &[],
        json!([
            {"resourceId": "101", "status": 200, "body": {"presenceStatus": "Available"}},
            {"resourceId": "99", "status": 404, "body": {"errorCode": "CMN-102", "message": "not found"}}
        ])
        .to_string(),
    );
    let results = client
        .read_user_presence_status_batch("~", vec!["101".into(), "99".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(results.len(), 2, "one result per id");
    // Each part decodes into the single form's own types (finding 7 of
    // issue 12: they were untyped maps).
    let available = results[0].as_ref().unwrap();
    assert_eq!(available.presence_status, Some(PresenceStatus::Available));
    let missing = results[1].as_ref().unwrap_err();
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body.as_ref().unwrap().error_code.as_deref(),
        Some("CMN-102")
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn batches_over_thirty_are_refused_or_chunked_in_order() {
    let (server, client) = setup().await;
    let ids: Vec<String> = (1..=65).map(|i| i.to_string()).collect();
    match client
        .read_user_presence_status_batch("~", ids.clone())
        .send()
        .await
    {
        Err(Error::InvalidRequest(invalid)) => {
            assert_eq!(invalid.field, "path.extensionId");
            // Finding 7 of issue 12: the error points at the way out.
            assert_eq!(
                invalid.rule,
                "holds 65 ids, but one call takes at most 30: `send_chunked()` sends them in calls of 30 and returns every result in order"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(server.take().is_empty(), "nothing sent");
    for chunk in ids.chunks(30) {
        let items: Vec<_> = chunk
            .iter()
            .map(|id| json!({"resourceId": id, "status": 200, "body": {"extension": {"id": id.parse::<i64>().unwrap()}}}))
            .collect();
        server.respond_with(207, &[], serde_json::Value::Array(items).to_string());
    }
    let results = client
        .read_user_presence_status_batch("~", ids.clone())
        .send_chunked()
        .await
        .unwrap();
    let order: Vec<String> = results
        .iter()
        .map(|r| {
            r.as_ref()
                .unwrap()
                .extension
                .as_ref()
                .unwrap()
                .id
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(order, ids);
    let paths: Vec<String> = server
        .take()
        .into_iter()
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(paths.len(), 3);
    assert!(paths[0].ends_with("/extension/1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30/presence"), "{}", paths[0]);
    assert!(
        paths[2].ends_with("/extension/61,62,63,64,65/presence"),
        "{}",
        paths[2]
    );
}

#[tokio::test]
async fn update_user_presence_status() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"userStatus": "Busy", "dndStatus": "DoNotAcceptAnyCalls"}),
    );
    let body = PresenceInfoRequest::new()
        .with_user_status(UserStatus::Busy)
        .with_dnd_status(DndStatus::DoNotAcceptAnyCalls)
        .with_message("Focus time");
    let presence = client
        .update_user_presence_status("~", "~", body)
        .send()
        .await
        .unwrap();
    assert_eq!(presence.dnd_status, Some(DndStatus::DoNotAcceptAnyCalls));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_monitored_extensions() {
    let (server, client) = setup().await;
    server.respond(
        200,
        page(
            json!([{"id": "1", "extension": {"id": "2732155016", "type": "User"}}]),
            None,
        ),
    );
    client
        .read_monitored_extensions("~", "~")
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_monitored_extensions() {
    let (server, client) = setup().await;
    server.respond(200, page(json!([]), None));
    let body = UpdatePresenceLinesRequest::new().with_records(vec![
        LineUpdate::new()
            .with_id("3")
            .with_extension(ExtensionRef::new().with_id("2732155017")),
    ]);
    client
        .update_monitored_extensions("~", "~", body)
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_monitored_extension() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"id": "3", "extension": {"id": "2732155017", "type": "ParkLocation"}}),
    );
    let line = client
        .read_monitored_extension("~", "~", "3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        line.extension.unwrap().type_,
        Some(dialtone_ringcentral::PresenceLineExtensionType::ParkLocation)
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn read_presence_permissions() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"records": [{"id": "2732155017", "extensionNumber": "102"}]}),
    );
    client
        .read_presence_permissions("~", "~")
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_presence_permissions() {
    let (server, client) = setup().await;
    server.respond(200, json!({"records": []}));
    let body = UserPresencePermissionsUpdateRequest::new()
        .with_extensions(vec![ExtensionRef::new().with_id("2732155017")]);
    client
        .update_presence_permissions("~", "~", body)
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn the_error_body_decodes_with_its_request_id() {
    let (server, client) = setup().await;
    server.respond_with(
        404,
        &[("RCRequestId", "5f1d-rc")],
        json!({"errorCode": "CMN-102", "message": "Resource for parameter [groupId] is not found", "errors": [{"errorCode": "CMN-102", "message": "Resource for parameter [groupId] is not found", "parameterName": "groupId", "parameterValue": "7"}]}).to_string(),
    );
    let err = client
        .delete_call_monitoring_group("~", "7")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("5f1d-rc"));
    let body = err.body().unwrap();
    assert_eq!(
        body.errors.as_ref().unwrap()[0].parameter_name.as_deref(),
        Some("groupId")
    );
    assert_eq!(body.error_code.as_deref(), Some("CMN-102"));
}

#[tokio::test]
async fn listings_follow_navigation_next_page() {
    use futures_util::TryStreamExt;
    let (server, client) = setup().await;
    server.respond(200, page(json!([{"id": "1"}, {"id": "2"}]), Some(2)));
    server.respond(200, page(json!([{"id": "3"}, {"id": "4"}]), Some(3)));
    server.respond(200, page(json!([{"id": "5"}]), None));
    let ids: Vec<String> = client
        .list_call_monitoring_group_members("~", "2415005")
        .per_page(2)
        .into_stream()
        .map_ok(|m| m.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let queries: Vec<String> = server
        .take()
        .into_iter()
        .map(|r| r.path_and_query)
        .collect();
    assert!(queries[0].ends_with("/members?perPage=2"), "{queries:?}");
    assert!(
        queries[1].ends_with("/members?page=2&perPage=2"),
        "{queries:?}"
    );
    assert!(
        queries[2].ends_with("/members?page=3&perPage=2"),
        "{queries:?}"
    );
}

#[tokio::test]
async fn oauth_password_grant_then_calls_with_the_token() {
    let server = CaptureServer::start().await;
    let client = Client::builder(server.base_url())
        .oauth(
            "client-id",
            "client-secret",
            Grant::Password {
                username: "+16505550100".into(),
                password: "canary-pw".into(),
                extension: None,
            },
        )
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("canary-pw"));
    server.respond(200, json!({"access_token": "issued-access", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r1"}));
    server.respond(200, json!({"presenceStatus": "Available"}));
    server.respond_with(200, &[], String::new());
    client
        .read_user_presence_status("~", "~")
        .send()
        .await
        .unwrap();
    client.revoke_auth().await.unwrap();
    let requests = server.take();
    assert_eq!(requests[0].path_and_query, "/restapi/oauth/token");
    let form = String::from_utf8(requests[0].body.clone()).unwrap();
    assert_eq!(
        form,
        "grant_type=password&username=%2B16505550100&password=canary-pw"
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer issued-access")
    );
    assert_eq!(requests[2].path_and_query, "/restapi/oauth/revoke");
    assert_eq!(
        String::from_utf8(requests[2].body.clone()).unwrap(),
        "token=issued-access"
    );
}

#[tokio::test]
async fn throttling_groups_shape_bursts() {
    let server = CaptureServer::start().await;
    let client = Client::builder(server.base_url())
        .bearer_auth(TOKEN)
        .rate_limit(
            RateLimitGroup::Heavy,
            2,
            std::time::Duration::from_millis(300),
        )
        .build()
        .unwrap();
    for _ in 0..5 {
        server.respond_with(204, &[], String::new());
    }
    let started = std::time::Instant::now();
    for _ in 0..5 {
        // bulk-assign is in the Heavy group.
        client
            .update_call_monitoring_group_list("~", "1", CallMonitoringBulkAssign::new())
            .send()
            .await
            .unwrap();
    }
    // 5 calls at 2 per 300 ms need at least two full windows.
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

fn password_client(server: &CaptureServer) -> Client {
    Client::builder(server.base_url())
        .oauth(
            "client-id",
            "client-secret",
            Grant::Password {
                username: "+16505550100".into(),
                password: "canary-pw".into(),
                extension: None,
            },
        )
        .retry_policy(dialtone_ringcentral::RetryPolicy::none())
        .build()
        .unwrap()
}

/// Finding 6 of issue 12: a refused login is told from an outage without
/// parsing text: `Error::Auth` carries the token endpoint's own error.
#[tokio::test]
async fn auth_errors_carry_the_token_endpoints_answer() {
    let server = CaptureServer::start().await;
    let client = password_client(&server);
    server.respond_with(
        400,
        &[("rcrequestid", "req-oau-140")],
        json!({"error": "invalid_grant", "errorCode": "OAU-140", "message": "Invalid resource owner credentials", "errors": [{"errorCode": "OAU-140", "message": "Invalid resource owner credentials"}]}).to_string(),
    );
    let err = client
        .read_user_presence_status("~", "~")
        .send()
        .await
        .unwrap_err();
    let Error::Auth {
        operation,
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*operation, "readUserPresenceStatus");
    assert_eq!(source.status(), Some(400));
    assert_eq!(
        source.body().unwrap().error_code.as_deref(),
        Some("OAU-140")
    );
    assert_eq!(source.request_id(), Some("req-oau-140"));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("canary-pw"), "{shown}");
    // An outage of the token endpoint is another error entirely.
    server.respond_with(503, &[], "<html>503 Service Unavailable</html>".to_owned());
    let err = client
        .read_user_presence_status("~", "~")
        .send()
        .await
        .unwrap_err();
    let Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source.status(), Some(503));
    assert!(source.body().is_none());
}

/// Finding 5 of issue 12: `Debug` of the client and of every request
/// builder shows no default header value that may be a credential, and no
/// password of the base URL.
#[tokio::test]
async fn debug_shows_no_default_header_or_url_password() {
    let client = Client::builder("https://app:canary-url-pw@platform.example.com")
        .bearer_auth(TOKEN)
        .default_header("X-Api-Key", "canary-header")
        .default_header("Authorization", "Bearer canary-header-2")
        .build()
        .unwrap();
    let shown = format!(
        "{client:?} {:?} {:?}",
        client.read_user_presence_status("~", "~"),
        client.read_user_presence_status_batch("~", vec!["1".into()])
    );
    for canary in ["canary-url-pw", "canary-header", TOKEN] {
        assert!(!shown.contains(canary), "{canary} leaked: {shown}");
    }
}

/// Token requests are shaped by the Auth group, like the token operation.
#[tokio::test]
async fn token_requests_count_against_the_auth_group() {
    let server = CaptureServer::start().await;
    let client = Client::builder(server.base_url())
        .oauth("client-id", "client-secret", Grant::ClientCredentials)
        .rate_limit(RateLimitGroup::Auth, 1, std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    server.respond(
        200,
        json!({"access_token": "a1", "token_type": "bearer", "expires_in": 3600}),
    );
    server.respond(200, json!({"presenceStatus": "Available"}));
    client
        .read_user_presence_status("~", "~")
        .send()
        .await
        .unwrap();
    // The one Auth request of the minute is spent: revoking (an Auth
    // request too) and then logging in again would wait past the calls'
    // deadlines, so both fail at once without being sent.
    let revoke = client.revoke_auth().await.unwrap_err();
    assert!(
        matches!(&revoke, Error::Auth { source: Some(s), .. } if matches!(**s, Error::RateLimited { .. })),
        "{revoke:?}"
    );
    let started = std::time::Instant::now();
    let err = client
        .read_user_presence_status("~", "~")
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    let Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**source, Error::RateLimited { response: None, .. }),
        "{source:?}"
    );
}
