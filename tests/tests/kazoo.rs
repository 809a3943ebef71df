//! dialtone-kazoo over real HTTP on 127.0.0.1: the exact request each
//! operation sends (wire snapshots), what it decodes, and what it refuses
//! to send.

use dialtone_kazoo::{Client, EndpointType, Error, Group, GroupEndpoint, GroupPatch};
use dialtone_runtime::Secret;
use dialtone_tests::CaptureServer;
use serde_json::json;

const ACCOUNT: &str = "6b71cb72c876b5b1396a335f8f8a2594";
const GROUP: &str = "1743724cd775bf6994380dbc79c1af09";
const USER: &str = "df9274b450ea6795cdb381055c3f9b45";
const DEVICE: &str = "dd03d7442a4bec5c092ea6a0e6d579ef";
const TOKEN: &str = "canary-token-0123456789abcdef0123456789";

async fn setup() -> (CaptureServer, Client) {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .auth_token(TOKEN)
        .build()
        .expect("valid configuration");
    (server, client)
}

fn group_json(name: &str) -> serde_json::Value {
    json!({
        "music_on_hold": {},
        "name": name,
        "endpoints": {
            USER: {"type": "user", "weight": 1},
            DEVICE: {"type": "device", "weight": 2}
        },
        "ui_metadata": {"ui": "kazoo-ui"},
        "id": GROUP
    })
}

fn sample_group(name: &str) -> Group {
    let mut endpoints = std::collections::BTreeMap::new();
    endpoints.insert(USER.to_owned(), GroupEndpoint::new(EndpointType::User, 1));
    endpoints.insert(
        DEVICE.to_owned(),
        GroupEndpoint::new(EndpointType::Device, 2),
    );
    Group::new(name, endpoints).with_music_on_hold(dialtone_kazoo::MusicOnHold::new())
}

/// The one request the server saw, rendered with the token masked (and
/// checked to be the real one).
fn only_request(server: &CaptureServer) -> String {
    let requests = server.take();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    let request = &requests[0];
    if let Some(token) = request.header("x-auth-token") {
        assert_eq!(token, TOKEN);
    }
    request.render(&["x-auth-token"])
}

#[tokio::test]
async fn list_groups() {
    let (server, client) = setup().await;
    server.respond(200, json!({
        "data": [{"id": "18ccfd6cea456cbdd38133e5aa726ec4", "name": "Group Name", "features": [], "endpoints": 2}],
        "status": "success",
        "next_start_key": "g2wAAAAB"
    }));
    let page = client
        .list_groups(ACCOUNT)
        .page_size(2)
        .paginate(true)
        .send_enveloped()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].name, "Group Name");
    assert_eq!(page.data[0].endpoints, Some(2));
    assert_eq!(page.next_start_key.as_deref(), Some("g2wAAAAB"));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn list_user_groups() {
    let (server, client) = setup().await;
    server.respond(200, json!({
        "data": [{"id": "18ccfd6cea456cbdd38133e5aa726ec4", "name": "Group Name", "features": [], "endpoints": 2}],
        "status": "success"
    }));
    let groups = client.list_user_groups(ACCOUNT, USER).send().await.unwrap();
    assert_eq!(groups[0].id, "18ccfd6cea456cbdd38133e5aa726ec4");
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn create_group() {
    let (server, client) = setup().await;
    server.respond(
        201,
        json!({"data": group_json("Test group"), "status": "success"}),
    );
    let created = client
        .create_group(ACCOUNT, sample_group("Test group"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some(GROUP));
    assert_eq!(created.endpoints[USER].type_, EndpointType::User);
    // Keys the spec does not list are kept.
    assert_eq!(created.extra["ui_metadata"], json!({"ui": "kazoo-ui"}));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn get_group() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"data": group_json("Test group"), "status": "success"}),
    );
    let group = client.get_group(ACCOUNT, GROUP).send().await.unwrap();
    assert_eq!(group.name, "Test group");
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_group() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"data": group_json("Test group 2"), "status": "success"}),
    );
    let group = client
        .update_group(ACCOUNT, GROUP, sample_group("Test group 2").with_id(GROUP))
        .send()
        .await
        .unwrap();
    assert_eq!(group.name, "Test group 2");
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn patch_group() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"data": group_json("Support (day shift)"), "status": "success"}),
    );
    let group = client
        .patch_group(
            ACCOUNT,
            GROUP,
            GroupPatch::new().with_name("Support (day shift)"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(group.name, "Support (day shift)");
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn delete_group() {
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"data": group_json("Test group 2"), "status": "success"}),
    );
    let deleted = client.delete_group(ACCOUNT, GROUP).send().await.unwrap();
    assert_eq!(deleted.id.as_deref(), Some(GROUP));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn create_api_auth_sends_no_token_and_keeps_the_new_one_secret() {
    let (server, client) = setup().await;
    server.respond(
        201,
        json!({
            "auth_token": "fresh-token-from-api-auth-000000000000",
            "data": {"account_id": ACCOUNT, "owner_id": USER},
            "status": "success"
        }),
    );
    let key = "a".repeat(64);
    let login = client
        .create_api_auth(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new(key.clone()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.auth_token.expose(),
        "fresh-token-from-api-auth-000000000000"
    );
    assert!(!format!("{login:?}").contains("fresh-token"));
    let requests = server.take();
    assert_eq!(
        requests[0].header("x-auth-token"),
        None,
        "login must not send a token"
    );
    let shown = requests[0].render(&[]).replace(&key, "<64-char api key>");
    insta::assert_snapshot!(shown);
}

#[tokio::test]
async fn create_user_auth() {
    let (server, client) = setup().await;
    server.respond(
        201,
        json!({
            "auth_token": "fresh-token-from-user-auth-00000000000",
            "data": {"account_id": ACCOUNT},
            "status": "success"
        }),
    );
    let credentials = dialtone_kazoo::UserAuthCredentials::new("82a2dc91686ec828a67152d45a5d3e7a")
        .with_account_name("Example Corp")
        .with_method(dialtone_kazoo::CredentialsHash::Md5);
    let login = client
        .create_user_auth(dialtone_kazoo::UserAuthRequest::new(credentials))
        .send()
        .await
        .unwrap();
    assert_eq!(login.data.account_id.as_deref(), Some(ACCOUNT));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn vendor_errors_decode_into_the_error_body() {
    let (server, client) = setup().await;
    server.respond_with(
        400,
        &[("x-request-id", "req-42")],
        json!({
            "status": "error", "error": "400", "message": "validation error",
            "auth_token": TOKEN,
            "data": {"name": {"maxLength": {"message": "String must not be more than 128 characters", "target": 128}}}
        })
        .to_string(),
    );
    let err = client.get_group(ACCOUNT, GROUP).send().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.request_id(), Some("req-42"));
    let body = err.body().expect("the error body decodes");
    assert_eq!(body.message.as_deref(), Some("validation error"));
    assert_eq!(
        body.data.as_ref().unwrap()["name"]["maxLength"]["target"],
        json!(128)
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with("getGroup failed with HTTP 400"),
        "{shown}"
    );
    assert!(!shown.contains('\n'), "Display is one line: {shown}");
    assert!(
        !shown.contains(TOKEN),
        "the echoed token is masked: {shown}"
    );
    assert!(!format!("{err:?}").contains(TOKEN), "Debug hides the token");
}

#[tokio::test]
async fn odd_success_bodies_are_decode_errors_not_panics() {
    let (server, client) = setup().await;
    server.respond_with(200, &[], "<html>gateway</html>".to_owned());
    server.respond_with(
        200,
        &[],
        r#"{"data": {"name": 7}, "status": "success"}"#.to_owned(),
    );
    server.respond_with(
        200,
        &[],
        r#"{"data": {"name": "x", "endpoints": {}}, "status": "brand-new"}"#.to_owned(),
    );
    for _ in 0..2 {
        match client.get_group(ACCOUNT, GROUP).send().await {
            Err(Error::Decode {
                operation, status, ..
            }) => {
                assert_eq!((operation, status), ("getGroup", 200));
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    // An enum value the spec does not list is kept, not an error.
    let envelope = client
        .get_group(ACCOUNT, GROUP)
        .send_enveloped()
        .await
        .unwrap();
    assert_eq!(
        envelope.status,
        dialtone_kazoo::ResponseStatus::Unrecognized("brand-new".to_owned())
    );
}

#[tokio::test]
async fn requests_the_spec_forbids_are_never_sent() {
    let (server, client) = setup().await;
    let cases: Vec<(Error, &str)> = vec![
        (
            client
                .get_group("../../other", GROUP)
                .send()
                .await
                .unwrap_err(),
            "path.ACCOUNT_ID",
        ),
        (
            client.get_group(ACCOUNT, "").send().await.unwrap_err(),
            "path.GROUP_ID",
        ),
        (
            client
                .list_groups(ACCOUNT)
                .page_size(0)
                .send()
                .await
                .unwrap_err(),
            "query.page_size",
        ),
        // A required body is an argument of `create_group`: leaving it out
        // does not compile, so there is no run-time case for it.
        (
            client
                .create_group(ACCOUNT, sample_group(&"x".repeat(129)))
                .send()
                .await
                .unwrap_err(),
            "body.name",
        ),
        (
            client
                .create_group(ACCOUNT, sample_group(""))
                .send()
                .await
                .unwrap_err(),
            "body.name",
        ),
        (
            client
                .create_group(ACCOUNT, {
                    let mut g = sample_group("ok");
                    g.endpoints.get_mut(USER).unwrap().weight = 101;
                    g
                })
                .send()
                .await
                .unwrap_err(),
            "body.endpoints.df9274b450ea6795cdb381055c3f9b45.weight",
        ),
        (
            client
                .create_group(ACCOUNT, {
                    let mut g = sample_group("ok");
                    g.endpoints.get_mut(USER).unwrap().type_ = EndpointType::from("phone");
                    g
                })
                .send()
                .await
                .unwrap_err(),
            "body.endpoints.df9274b450ea6795cdb381055c3f9b45.type",
        ),
        (
            client
                .create_api_auth(dialtone_kazoo::ApiAuthRequest::new(
                    dialtone_kazoo::ApiKeyCredentials::new("short"),
                ))
                .send()
                .await
                .unwrap_err(),
            "body.data.api_key",
        ),
    ];
    for (err, field) in cases {
        match &err {
            Error::InvalidRequest(invalid) => assert_eq!(invalid.field, field, "{err}"),
            other => panic!("expected InvalidRequest for {field}, got {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("invalid request, nothing sent: "),
            "{err}"
        );
    }
    assert!(server.take().is_empty(), "nothing reaches the server");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let (_server, client) = setup().await;
    let builder = Client::builder("http://127.0.0.1:9/v2").auth_token(Secret::new(TOKEN));
    assert!(!format!("{builder:?}").contains(TOKEN));
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn unreachable_servers_are_connection_errors() {
    // Bind then drop a listener so that the port is (almost surely) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder(format!("http://127.0.0.1:{port}/v2"))
        .auth_token(TOKEN)
        .build()
        .unwrap();
    let err = client.get_group(ACCOUNT, GROUP).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                operation: "getGroup",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn bad_configuration_is_an_error() {
    for base in ["not a url", "ftp://host/v2", "http://host/v2?x=1"] {
        let err = Client::builder(base).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{base}: {err:?}");
    }
}

fn summary(id: &str) -> serde_json::Value {
    json!({"id": id, "name": format!("Group {id}"), "endpoints": 1})
}

#[tokio::test]
async fn listings_stream_every_page_by_cursor_and_stop() {
    use futures_util::TryStreamExt;
    let (server, client) = setup().await;
    server.respond(
        200,
        json!({"data": [summary("a"), summary("b")], "status": "success", "next_start_key": "k1"}),
    );
    server.respond(
        200,
        json!({"data": [summary("c")], "status": "success", "next_start_key": "k2"}),
    );
    server.respond(200, json!({"data": [summary("d")], "status": "success"}));
    let ids: Vec<String> = client
        .list_groups(ACCOUNT)
        .page_size(2)
        .into_stream()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let queries: Vec<String> = server
        .take()
        .into_iter()
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(
        queries,
        [
            format!("/v2/accounts/{ACCOUNT}/groups?page_size=2"),
            format!("/v2/accounts/{ACCOUNT}/groups?page_size=2&start_key=k1"),
            format!("/v2/accounts/{ACCOUNT}/groups?page_size=2&start_key=k2"),
        ]
    );
}

#[tokio::test]
async fn a_server_that_repeats_a_cursor_is_stopped() {
    use futures_util::StreamExt;
    let (server, client) = setup().await;
    for _ in 0..5 {
        server.respond(
            200,
            json!({"data": [summary("a")], "status": "success", "next_start_key": "same"}),
        );
    }
    let results: Vec<Result<_, Error>> = client
        .list_user_groups(ACCOUNT, USER)
        .into_pages()
        .collect()
        .await;
    assert_eq!(results.len(), 3, "two pages, then the error");
    assert!(results[0].is_ok() && results[1].is_ok());
    match &results[2] {
        Err(Error::Pagination { operation, message }) => {
            assert_eq!(*operation, "listUserGroups");
            assert!(message.contains("\"same\""), "{message}");
        }
        other => panic!("expected a pagination error, got {other:?}"),
    }
    assert_eq!(server.take().len(), 2, "no request after the repeat");
}

#[tokio::test]
async fn api_key_login_obtains_the_token_once_and_sends_it() {
    let server = CaptureServer::start().await;
    let key = "b".repeat(64);
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new(key.clone()),
        ))
        .build()
        .unwrap();
    assert!(
        !format!("{client:?}").contains(&key),
        "the API key stays out of Debug"
    );
    server.respond(
        201,
        json!({"auth_token": TOKEN, "data": {"account_id": ACCOUNT}, "status": "success"}),
    );
    server.respond(
        200,
        json!({"data": group_json("Test group"), "status": "success"}),
    );
    server.respond(
        200,
        json!({"data": group_json("Test group"), "status": "success"}),
    );
    client.get_group(ACCOUNT, GROUP).send().await.unwrap();
    client.get_group(ACCOUNT, GROUP).send().await.unwrap();
    let requests = server.take();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| {
            format!(
                "{} {} token={:?}",
                r.method,
                r.path_and_query,
                r.header("x-auth-token")
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "PUT /v2/api_auth token=None".to_owned(),
            format!("GET /v2/accounts/{ACCOUNT}/groups/{GROUP} token=Some(\"{TOKEN}\")"),
            format!("GET /v2/accounts/{ACCOUNT}/groups/{GROUP} token=Some(\"{TOKEN}\")"),
        ]
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&requests[0].body).unwrap(),
        json!({"data": {"api_key": key}})
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_by_logging_in_again() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new("c".repeat(64)),
        ))
        .build()
        .unwrap();
    server.respond(201, json!({"auth_token": "first-token-0000000000000000000000", "data": {}, "status": "success"}));
    server.respond(
        401,
        json!({"status": "error", "error": "401", "message": "invalid_credentials"}),
    );
    server.respond(201, json!({"auth_token": "second-token-000000000000000000000", "data": {}, "status": "success"}));
    server.respond(
        200,
        json!({"data": group_json("Test group"), "status": "success"}),
    );
    client.get_group(ACCOUNT, GROUP).send().await.unwrap();
    let tokens: Vec<Option<String>> = server
        .take()
        .iter()
        .map(|r| r.header("x-auth-token").map(str::to_owned))
        .collect();
    assert_eq!(
        tokens,
        [
            None,
            Some("first-token-0000000000000000000000".to_owned()),
            None,
            Some("second-token-000000000000000000000".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_hundred_concurrent_calls_share_one_login() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new("d".repeat(64)),
        ))
        .build()
        .unwrap();
    server.respond(
        201,
        json!({"auth_token": TOKEN, "data": {}, "status": "success"}),
    );
    for _ in 0..100 {
        server.respond(
            200,
            json!({"data": group_json("Test group"), "status": "success"}),
        );
    }
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_group(ACCOUNT, GROUP).send().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let requests = server.take();
    let logins = requests
        .iter()
        .filter(|r| r.path_and_query == "/v2/api_auth")
        .count();
    assert_eq!(logins, 1, "one token request for 100 calls");
    assert_eq!(requests.len(), 101);
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.header("x-auth-token") == Some(TOKEN))
    );
}

/// Finding 7 of issue 12: the user login's md5 is computed by the crate,
/// from a user name and password; the password itself is never sent.
#[tokio::test]
async fn user_login_from_a_user_name_and_password() {
    let server = CaptureServer::start().await;
    let credentials =
        dialtone_kazoo::UserAuthCredentials::from_password("John.Doe", "canary-password")
            .with_account_name("Example Corp");
    assert!(!format!("{credentials:?}").contains("canary-password"));
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .user_login(dialtone_kazoo::UserAuthRequest::new(credentials))
        .build()
        .unwrap();
    server.respond(
        201,
        json!({"auth_token": "fresh-token-from-user-auth-00000000000", "data": {}, "status": "success"}),
    );
    server.respond(200, json!({"data": [], "status": "success"}));
    client.list_groups(ACCOUNT).send().await.unwrap();
    let requests = server.take();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    // `printf 'john.doe:canary-password' | md5sum`
    assert_eq!(
        body["data"]["credentials"],
        "b7e83a1e8a6b5b0e64dc2b9c36aac9d6"
    );
    assert!(!String::from_utf8_lossy(&requests[0].body).contains("canary-password"));
}

/// Finding 7 of issue 12: what a first program needs comes from this
/// crate: the retry policy, without naming `dialtone-runtime`.
#[tokio::test]
async fn the_retry_policy_is_reexported() {
    let server = CaptureServer::start().await;
    let client = Client::builder(format!("{}/v2", server.base_url()))
        .auth_token(TOKEN)
        .retry_policy(dialtone_kazoo::RetryPolicy::none())
        .build()
        .unwrap();
    server.respond(
        503,
        json!({"status": "error", "error": "503", "message": "datastore"}),
    );
    let err = client.list_groups(ACCOUNT).send().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.take().len(), 1, "not retried");
}
