//! dialtone-yeastar over real HTTP on 127.0.0.1: every operation's request,
//! errors as HTTP 200 with errcode, the token lifecycle, and paging by
//! total_number.

use dialtone_tests::CaptureServer;
use dialtone_yeastar::{
    Client, CreateExtensionGroupRequest, Error, GetTokenRequest, MemberInfo, MemberRole,
    MemberSelect, RefreshTokenRequest, UpdateExtensionGroupRequest,
};
use serde_json::json;

const TOKEN: &str = "canary-yeastar-access-token";

async fn setup() -> (CaptureServer, Client) {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/openapi/v1.0", server.base_url()))
        .access_token(TOKEN)
        .build()
        .unwrap();
    (server, client)
}

/// The one request, with the access token checked and masked.
fn only_request(server: &CaptureServer) -> String {
    let requests = server.take();
    assert_eq!(requests.len(), 1);
    let mut request = requests[0].clone();
    assert!(
        request.header("user-agent").is_some(),
        "Yeastar requires a User-Agent"
    );
    request.path_and_query = request.path_and_query.replace(TOKEN, "***");
    request.render(&[])
}

fn ok() -> serde_json::Value {
    json!({"errcode": 0, "errmsg": "SUCCESS"})
}

#[tokio::test]
async fn get_token() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/openapi/v1.0", server.base_url()))
        .build()
        .unwrap();
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": "a1", "access_token_expire_time": 1800, "refresh_token": "r1", "refresh_token_expire_time": 86400}));
    let tokens = client
        .get_token(GetTokenRequest::new("client-id", "client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.access_token.unwrap().expose(), "a1");
    let shown = only_request(&server);
    assert!(
        !shown.contains("access_token="),
        "get_token carries no token: {shown}"
    );
    insta::assert_snapshot!(shown);
}

#[tokio::test]
async fn refresh_token() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": "a2", "refresh_token": "r2"}),
    );
    client
        .refresh_token(RefreshTokenRequest::new("r1"))
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn revoke_token() {
    let (server, client) = setup().await;
    server.respond(200, ok());
    client.revoke_token().send().await.unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn list_extension_groups() {
    let (server, client) = setup().await;
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 1, "data": [{"id": 1, "name": "Default_All_Extensions", "member_select": "sel_all_ext", "total_extensions": 24}]}));
    let page = client
        .list_extension_groups()
        .page(1)
        .page_size(20)
        .sort_by(dialtone_yeastar::SortBy::Name)
        .order_by(dialtone_yeastar::OrderBy::Asc)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.data.unwrap()[0].member_select,
        Some(MemberSelect::SelAllExt)
    );
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn search_extension_groups() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 0, "data": []}),
    );
    client
        .search_extension_groups()
        .search_value("front desk")
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn get_extension_group() {
    let (server, client) = setup().await;
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "data": {"id": 306, "name": "test", "member_select": "sel_specific", "members": [{"ext_id": 159, "role": "manager"}], "mgr_enb_monitor": 1}}));
    let group = client.get_extension_group(306).send().await.unwrap();
    let data = group.data.unwrap();
    assert_eq!(data.members.unwrap()[0].role, MemberRole::Manager);
    assert_eq!(data.mgr_enb_monitor, Some(1));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn query_extension_groups() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"errcode": 0, "errmsg": "SUCCESS", "data": [{"id": 1}, {"id": 306}]}),
    );
    let groups = client
        .query_extension_groups(vec![1, 306])
        .send()
        .await
        .unwrap();
    assert_eq!(groups.data.unwrap().len(), 2);
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn create_extension_group() {
    let (server, client) = setup().await;
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "id": 306}));
    let body = CreateExtensionGroupRequest::new("test", MemberSelect::SelSpecific)
        .with_members(vec![
            MemberInfo::new(159, MemberRole::Manager),
            MemberInfo::new(7, MemberRole::Custom)
                .with_enb_call_park(1)
                .with_enb_monitor(0),
        ])
        .with_mgr_enb_monitor(1)
        .with_user_enb_monitor(0);
    let created = client.create_extension_group(body).send().await.unwrap();
    assert_eq!(created.id, Some(306));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_extension_group() {
    let (server, client) = setup().await;
    server.respond(200, ok());
    client
        .update_extension_group(
            UpdateExtensionGroupRequest::new(306)
                .with_name("Front desk")
                .with_mgr_enb_mgr_recording(1),
        )
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn delete_extension_group() {
    let (server, client) = setup().await;
    server.respond(200, ok());
    client.delete_extension_group(306).send().await.unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn errors_arrive_as_http_200_with_errcode() {
    let (server, client) = setup().await;
    server.respond(200, json!({"errcode": 40002, "errmsg": "PARAMETER ERROR", "invalid_param_list": [{"field": "name", "validation_type": "required"}]}));
    let err = client
        .create_extension_group(CreateExtensionGroupRequest::new(
            "x",
            MemberSelect::SelAllExt,
        ))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(200));
    let body = err.body().unwrap();
    assert_eq!(
        (body.errcode, body.errmsg.as_str()),
        (40002, "PARAMETER ERROR")
    );
    assert_eq!(
        body.invalid_param_list.as_ref().unwrap()[0]
            .field
            .as_deref(),
        Some("name")
    );
    assert!(!format!("{err} {err:?}").contains(TOKEN));
    // Finding 6 of issue 12: the error names the errcode and errmsg, not
    // the HTTP 200 it came with.
    let shown = err.to_string();
    assert!(
        shown.starts_with("createExtensionGroup failed with errcode 40002 (PARAMETER ERROR)"),
        "{shown}"
    );
    assert!(!shown.contains("HTTP 200"), "{shown}");
    let in_body = err.api().unwrap().in_body.clone().unwrap();
    assert_eq!(
        (in_body.code, in_body.message.as_deref()),
        (40002, Some("PARAMETER ERROR"))
    );
}

#[tokio::test]
async fn flags_are_zero_or_one_before_sending() {
    let (server, client) = setup().await;
    let err = client
        .create_extension_group(
            CreateExtensionGroupRequest::new("x", MemberSelect::SelAllExt).with_mgr_enb_monitor(2),
        )
        .send()
        .await
        .unwrap_err();
    match err {
        Error::InvalidRequest(invalid) => {
            assert_eq!(invalid.field, "body.mgr_enb_monitor");
            assert_eq!(invalid.rule, "must be one of [0, 1] (got 2)");
        }
        other => panic!("{other:?}"),
    }
    assert!(server.take().is_empty());
}

#[tokio::test]
async fn login_then_refresh_when_the_token_is_reported_expired() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/openapi/v1.0", server.base_url()))
        .login(GetTokenRequest::new("client-id", "canary-client-secret"))
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("canary-client-secret"));
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": "a1", "access_token_expire_time": 1800, "refresh_token": "r1", "refresh_token_expire_time": 86400}));
    server.respond(
        200,
        json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 0, "data": []}),
    );
    server.respond(200, json!({"errcode": 10004, "errmsg": "TOKEN EXPIRED"}));
    server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": "a2", "access_token_expire_time": 1800, "refresh_token": "r2", "refresh_token_expire_time": 86400}));
    server.respond(
        200,
        json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 0, "data": []}),
    );
    client.list_extension_groups().send().await.unwrap();
    client.list_extension_groups().send().await.unwrap();
    let lines: Vec<String> = server
        .take()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path_and_query,
                String::from_utf8_lossy(&r.body)
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            r#"POST /openapi/v1.0/get_token {"username":"client-id","password":"canary-client-secret"}"#,
            "GET /openapi/v1.0/extensiongroup/list?access_token=a1 ",
            "GET /openapi/v1.0/extensiongroup/list?access_token=a1 ",
            r#"POST /openapi/v1.0/refresh_token {"refresh_token":"r1"}"#,
            "GET /openapi/v1.0/extensiongroup/list?access_token=a2 ",
        ]
    );
}

#[tokio::test]
async fn listings_walk_pages_until_total_number() {
    use futures_util::TryStreamExt;
    let (server, client) = setup().await;
    for ids in [[1, 2], [3, 4], [5, 0]] {
        let data: Vec<_> = ids
            .iter()
            .filter(|i| **i > 0)
            .map(|i| json!({"id": i}))
            .collect();
        server.respond(
            200,
            json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 5, "data": data}),
        );
    }
    let ids: Vec<i64> = client
        .list_extension_groups()
        .page_size(2)
        .into_stream()
        .map_ok(|g| g.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let pages: Vec<String> = server
        .take()
        .iter()
        .map(|r| r.path_and_query.replace(TOKEN, "***"))
        .collect();
    assert_eq!(
        pages,
        [
            "/openapi/v1.0/extensiongroup/list?page_size=2&access_token=***",
            "/openapi/v1.0/extensiongroup/list?page=2&page_size=2&access_token=***",
            "/openapi/v1.0/extensiongroup/list?page=3&page_size=2&access_token=***",
        ]
    );
}

/// Finding 7 of issue 12: a listing without a page size ends on its short
/// last page (20 + 5 of 25) without asking for an empty third page.
#[tokio::test]
async fn listings_end_on_a_short_last_page() {
    use futures_util::TryStreamExt;
    let (server, client) = setup().await;
    let page = |ids: std::ops::RangeInclusive<i64>| {
        let data: Vec<_> = ids.map(|i| json!({"id": i})).collect();
        json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 25, "data": data})
    };
    server.respond(200, page(1..=20));
    server.respond(200, page(21..=25));
    let ids: Vec<i64> = client
        .list_extension_groups()
        .into_stream()
        .map_ok(|g| g.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (1..=25).collect::<Vec<_>>());
    assert_eq!(server.take().len(), 2, "no request for an empty page");
}

/// Finding 4 of issue 12: `revoke_auth` revokes the token with the PBX
/// (`GET /del_token`), then forgets it; the next call logs in again.
#[tokio::test]
async fn revoke_auth_revokes_the_token_with_the_pbx() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/openapi/v1.0", server.base_url()))
        .login(GetTokenRequest::new("client-id", "canary-client-secret"))
        .build()
        .unwrap();
    // Nothing obtained yet: nothing to revoke, nothing sent.
    client.revoke_auth().await.unwrap();
    assert!(server.take().is_empty());
    for n in 1..=2 {
        server.respond(200, json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": format!("a{n}"), "access_token_expire_time": 1800, "refresh_token": format!("r{n}"), "refresh_token_expire_time": 86400}));
        server.respond(
            200,
            json!({"errcode": 0, "errmsg": "SUCCESS", "total_number": 0, "data": []}),
        );
        server.respond(200, ok());
        client.list_extension_groups().send().await.unwrap();
        client.revoke_auth().await.unwrap();
    }
    let lines: Vec<String> = server
        .take()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path_and_query))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /openapi/v1.0/get_token",
            "GET /openapi/v1.0/extensiongroup/list?access_token=a1",
            "GET /openapi/v1.0/del_token?access_token=a1",
            "POST /openapi/v1.0/get_token",
            "GET /openapi/v1.0/extensiongroup/list?access_token=a2",
            "GET /openapi/v1.0/del_token?access_token=a2",
        ]
    );
}

/// A token set with `access_token` is revoked the same way.
#[tokio::test]
async fn revoke_auth_revokes_a_token_set_by_hand() {
    let (server, client) = setup().await;
    server.respond(200, ok());
    client.revoke_auth().await.unwrap();
    let requests = server.take();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].path_and_query,
        format!("/openapi/v1.0/del_token?access_token={TOKEN}")
    );
    // The client has no credential left, and says so before sending.
    let err = client.list_extension_groups().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(server.take().is_empty());
}

/// Finding 6 of issue 12: a refused login is an auth error carrying the
/// PBX's errcode and errmsg.
#[tokio::test]
async fn a_refused_login_names_the_errcode() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/openapi/v1.0", server.base_url()))
        .login(GetTokenRequest::new("client-id", "canary-client-secret"))
        .build()
        .unwrap();
    server.respond(200, json!({"errcode": -1, "errmsg": "FAILURE", "invalid_param_list": [{"field": "username or password"}]}));
    let err = client.list_extension_groups().send().await.unwrap_err();
    let Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source.body().unwrap().errcode, -1);
    let shown = err.to_string();
    assert!(
        shown.contains("getToken failed with errcode -1 (FAILURE)"),
        "{shown}"
    );
    assert!(!shown.contains("canary-client-secret"), "{shown}");
}
