//! What integrators expect of a vendor SDK, on the generated crates over
//! loopback: per-request options, responses with their metadata, hooks,
//! named servers and login tokens kept across a restart.

use std::sync::{Arc, Mutex};

use dialtone_fakes::kazoo::{ACCOUNT_ID, API_KEY, SANDBOX_TOKEN};
use dialtone_kazoo::{ApiAuthRequest, ApiKeyCredentials, Client, ClusterScheme, RetryPolicy};
use dialtone_runtime::hooks::{Hooks, Incoming, Outgoing};
use dialtone_runtime::store::{FileTokenStore, TokenStore};
use dialtone_tests::CaptureServer;
use serde_json::json;

const GROUP: &str = "0123456789abcdef0123456789abcdef";

fn group_json() -> serde_json::Value {
    json!({"id": GROUP, "name": "Night shift", "endpoints": {}, "music_on_hold": {}})
}

fn capture_client(server: &CaptureServer) -> Client {
    Client::builder(format!("{}/v2", server.base_url()))
        .auth_token(SANDBOX_TOKEN)
        .build()
        .unwrap()
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dialtone-sdk-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test]
async fn extra_headers_go_with_one_call_only_and_bad_ones_fail_before_sending() {
    let server = CaptureServer::start().await;
    let kazoo = capture_client(&server);
    for _ in 0..2 {
        server.respond(200, json!({"data": group_json(), "status": "success"}));
    }
    kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .extra_header("x-tenant", "blue")
        .send()
        .await
        .unwrap();
    kazoo.get_group(ACCOUNT_ID, GROUP).send().await.unwrap();
    let requests = server.take();
    assert_eq!(requests[0].header("x-tenant"), Some("blue"));
    assert_eq!(requests[1].header("x-tenant"), None);

    let err = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .extra_header("bad header", "x")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, dialtone_kazoo::Error::InvalidRequest(_)),
        "{err:?}"
    );
    let err = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .extra_header("x-tenant", "line\nbreak")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, dialtone_kazoo::Error::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(server.take().is_empty(), "nothing sent");
}

#[tokio::test]
async fn a_call_can_opt_out_of_retries_or_bring_its_own_policy() {
    let server = CaptureServer::start().await;
    let kazoo = capture_client(&server);
    let unavailable = json!({"status": "error", "error": "503", "message": "unavailable"});
    // The client's default policy retries a 503 on a GET.
    server.respond(503, unavailable.clone());
    server.respond(200, json!({"data": group_json(), "status": "success"}));
    kazoo.get_group(ACCOUNT_ID, GROUP).send().await.unwrap();
    assert_eq!(server.take().len(), 2);
    // `no_retries`: one attempt, the 503 is the answer.
    server.respond(503, unavailable.clone());
    let err = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .no_retries()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(server.take().len(), 1);
    // A policy for this call alone.
    server.respond(503, unavailable);
    let err = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .retry_policy(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(server.take().len(), 1);
}

#[tokio::test]
async fn send_with_meta_returns_the_body_with_status_headers_request_id_and_rate_limits() {
    let server = CaptureServer::start().await;
    let kazoo = capture_client(&server);
    server.respond_with(
        200,
        &[
            ("x-request-id", "req-42"),
            ("x-rate-limit-limit", "40"),
            ("x-rate-limit-remaining", "39"),
            ("content-type", "application/json"),
        ],
        json!({"data": group_json(), "status": "success"}).to_string(),
    );
    let answer = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .send_with_meta()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.request_id(), Some("req-42"));
    let limits = answer.rate_limit().unwrap();
    assert_eq!((limits.limit, limits.remaining), (Some(40), Some(39)));
    assert_eq!(answer.headers()["x-rate-limit-limit"], "40");
    // The whole envelope, typed.
    assert_eq!(answer.data.id.as_deref(), Some(GROUP));
    // A vendor error is still the typed error.
    server.respond(
        404,
        json!({"status": "error", "error": "404", "message": "bad_identifier"}),
    );
    let err = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .send_with_meta()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[derive(Debug, Default)]
struct Recorder {
    seen: Mutex<Vec<(u16, Option<String>)>>,
}

#[derive(Debug)]
struct Shared(Arc<Recorder>);

impl Hooks for Shared {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        request.set_header(
            dialtone_runtime::reqwest::header::HeaderName::from_static("traceparent"),
            dialtone_runtime::reqwest::header::HeaderValue::from_static("00-abc-def-01"),
        );
    }

    fn after_response(&self, response: &Incoming<'_>) {
        self.0
            .seen
            .lock()
            .unwrap()
            .push((response.status(), response.request_id().map(str::to_owned)));
    }
}

#[tokio::test]
async fn generated_builders_take_hooks_and_configure_the_http_client() {
    let server = CaptureServer::start().await;
    let recorder = Arc::new(Recorder::default());
    let configured = Arc::new(Mutex::new(false));
    let flag = configured.clone();
    let kazoo = Client::builder(format!("{}/v2", server.base_url()))
        .auth_token(SANDBOX_TOKEN)
        .hook(Shared(recorder.clone()))
        .configure_http(move |http| {
            *flag.lock().unwrap() = true;
            http.pool_max_idle_per_host(1)
        })
        .build()
        .unwrap();
    assert!(*configured.lock().unwrap());
    server.respond_with(
        200,
        &[("x-request-id", "req-7")],
        json!({"data": group_json(), "status": "success"}).to_string(),
    );
    kazoo.get_group(ACCOUNT_ID, GROUP).send().await.unwrap();
    assert_eq!(
        server.take()[0].header("traceparent"),
        Some("00-abc-def-01")
    );
    assert_eq!(
        *recorder.seen.lock().unwrap(),
        [(200, Some("req-7".to_owned()))]
    );
}

#[tokio::test]
async fn servers_are_constructors_with_typed_checked_variables() {
    // Kazoo: a deployment's scheme, host and port.
    let fake = dialtone_fakes::start("kazoo", 0, false).await.unwrap();
    let port: u16 = fake
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/v2")
        .parse()
        .unwrap_or_else(|_| panic!("{}", fake.base_url()));
    let kazoo = Client::cluster(ClusterScheme::Http, "127.0.0.1", port)
        .unwrap()
        .auth_token(SANDBOX_TOKEN)
        .build()
        .unwrap();
    assert_eq!(
        kazoo.runtime().base_url().trim_end_matches('/'),
        format!("http://127.0.0.1:{port}/v2")
    );
    kazoo.list_groups(ACCOUNT_ID).send().await.unwrap();
    // Text that would change the URL's shape is refused.
    for host in ["evil.example/x?", "user@host", "", "a b", "h:1"] {
        let err = Client::cluster(ClusterScheme::Https, host, 443).unwrap_err();
        assert!(
            matches!(err, dialtone_kazoo::Error::InvalidRequest(_)),
            "{host}: {err:?}"
        );
    }
    assert!(Client::cluster(ClusterScheme::Https, "[::1]", 8443).is_ok());
    // Yeastar: the PBX's host and port, the path prefix written for you.
    let pbx = dialtone_yeastar::Client::pbx("pbx.example.com", 8088)
        .unwrap()
        .access_token("t")
        .build()
        .unwrap();
    assert_eq!(
        pbx.runtime().base_url().trim_end_matches('/'),
        "https://pbx.example.com:8088/openapi/v1.0"
    );
    // RingCentral: production and sandbox, no arguments.
    let rc = dialtone_ringcentral::Client::sandbox().build().unwrap();
    assert_eq!(
        rc.runtime().base_url().trim_end_matches('/'),
        "https://platform.devtest.ringcentral.com"
    );
    let rc = dialtone_ringcentral::Client::production().build().unwrap();
    assert_eq!(
        rc.runtime().base_url().trim_end_matches('/'),
        "https://platform.ringcentral.com"
    );
}

/// The restart test for a login: the token the first client obtained is
/// in the file; a second client (a restarted process) with credentials
/// that would be refused goes on with it, without logging in.
#[tokio::test]
async fn a_restarted_kazoo_client_goes_on_from_its_token_file() {
    let path = temp_file("kazoo-tokens.json");
    let fake = dialtone_fakes::start("kazoo", 0, false).await.unwrap();
    {
        let kazoo = Client::builder(fake.base_url())
            .api_key_login_with_store(
                ApiAuthRequest::new(ApiKeyCredentials::new(API_KEY)),
                FileTokenStore::new(&path),
            )
            .build()
            .unwrap();
        kazoo.list_groups(ACCOUNT_ID).send().await.unwrap();
        kazoo.list_groups(ACCOUNT_ID).send().await.unwrap();
    } // The process ends.
    assert_eq!(fake.tokens().logins, 1);
    let saved = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert!(saved.access_token.is_some());
    assert!(saved.access_expires_at.is_some(), "Kazoo's 3600 s lifetime");
    let wrong_key = "f".repeat(64);
    let kazoo = Client::builder(fake.base_url())
        .api_key_login_with_store(
            ApiAuthRequest::new(ApiKeyCredentials::new(wrong_key)),
            FileTokenStore::new(&path),
        )
        .build()
        .unwrap();
    kazoo.list_groups(ACCOUNT_ID).send().await.unwrap();
    assert_eq!(fake.tokens().logins, 1, "no new login");
    // Revoking forgets the stored token too: the next client logs in.
    kazoo.revoke_auth().await.unwrap();
    assert_eq!(FileTokenStore::new(&path).load().await.unwrap(), None);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_restarted_yeastar_client_goes_on_from_its_token_file() {
    use dialtone_fakes::yeastar::{CLIENT_ID, CLIENT_SECRET};
    use dialtone_yeastar::GetTokenRequest;
    let path = temp_file("yeastar-tokens.json");
    let fake = dialtone_fakes::start("yeastar", 0, false).await.unwrap();
    {
        let pbx = dialtone_yeastar::Client::builder(fake.base_url())
            .login_with_store(
                GetTokenRequest::new(CLIENT_ID, CLIENT_SECRET),
                FileTokenStore::new(&path),
            )
            .build()
            .unwrap();
        pbx.list_extension_groups().send().await.unwrap();
    }
    assert_eq!(fake.tokens().logins, 1);
    let saved = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert!(
        saved.refresh_token.is_some(),
        "Yeastar's refresh token is kept"
    );
    let pbx = dialtone_yeastar::Client::builder(fake.base_url())
        .login_with_store(
            GetTokenRequest::new(CLIENT_ID, "not-the-secret"),
            FileTokenStore::new(&path),
        )
        .build()
        .unwrap();
    pbx.list_extension_groups().send().await.unwrap();
    assert_eq!(fake.tokens().logins, 1, "no new login");
    let _ = std::fs::remove_file(&path);
}

/// With the `time` feature, `date-time` fields parse on demand; the text
/// the vendor sent stays the stored value, sent back byte for byte (an
/// offset, fractional seconds and a value that is no date-time alike).
#[tokio::test]
async fn date_times_parse_on_demand_and_round_trip_exactly() {
    let server = CaptureServer::start().await;
    let kazoo = capture_client(&server);
    for stamp in ["2026-12-02T01:00:00.250+01:00", "yesterday"] {
        server.respond(
            200,
            json!({"data": group_json(), "status": "success", "timestamp": stamp}),
        );
        let envelope = kazoo
            .get_group(ACCOUNT_ID, GROUP)
            .send_enveloped()
            .await
            .unwrap();
        assert_eq!(envelope.timestamp.as_deref(), Some(stamp));
        match envelope.parse_timestamp().unwrap() {
            Ok(at) => {
                assert_eq!(stamp, "2026-12-02T01:00:00.250+01:00");
                assert_eq!(at.unix_timestamp(), 1_796_169_600);
                assert_eq!(at.millisecond(), 250);
                assert_eq!(at.offset().whole_hours(), 1);
            }
            Err(_) => assert_eq!(stamp, "yesterday"),
        }
        let sent_back = serde_json::to_value(&envelope).unwrap();
        assert_eq!(sent_back["timestamp"], stamp);
    }
    let mut no_stamp = json!({"data": group_json(), "status": "success"});
    server.respond(200, no_stamp.take());
    let envelope = kazoo
        .get_group(ACCOUNT_ID, GROUP)
        .send_enveloped()
        .await
        .unwrap();
    assert!(envelope.parse_timestamp().is_none());
}
