//! The fakes' token rules, rate limits and counters (`Options`,
//! `FakeServer::tokens`, `FakeServer::requests`), over real HTTP on
//! 127.0.0.1 with a plain HTTP client, so that every status and header is
//! seen as sent.

use std::time::Duration;

use dialtone_fakes::{FakeServer, Fault, Options, kazoo, ringcentral, webex, yeastar};
use dialtone_runtime::reqwest;
use serde_json::{Value, json};

async fn start(vendor: &str, options: Options) -> FakeServer {
    dialtone_fakes::start_with(vendor, 0, options)
        .await
        .unwrap()
}

/// Status, headers and JSON body (`null` when there is none).
async fn call(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = tokio::time::timeout(Duration::from_secs(10), request.send())
        .await
        .expect("answered in time")
        .expect("an HTTP answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

// Kazoo.

async fn kazoo_login(http: &reqwest::Client, fake: &FakeServer) -> (u16, Value) {
    let (status, _, body) = call(
        http.put(format!("{}/api_auth", fake.base_url()))
            .json(&json!({"data": {"api_key": kazoo::API_KEY}})),
    )
    .await;
    (status, body)
}

async fn kazoo_list(http: &reqwest::Client, fake: &FakeServer, token: &str) -> u16 {
    call(
        http.get(format!(
            "{}/accounts/{}/groups",
            fake.base_url(),
            kazoo::ACCOUNT_ID
        ))
        .header("x-auth-token", token),
    )
    .await
    .0
}

#[tokio::test]
async fn kazoo_tokens_expire_after_token_ttl() {
    let fake = start(
        "kazoo",
        Options::default().token_ttl(Duration::from_millis(300)),
    )
    .await;
    let http = reqwest::Client::new();
    let (status, body) = kazoo_login(&http, &fake).await;
    assert_eq!(status, 201);
    let token = body["auth_token"].as_str().unwrap().to_owned();
    assert_eq!(kazoo_list(&http, &fake, &token).await, 200);
    let stats = fake.tokens();
    assert_eq!((stats.issued, stats.logins, stats.live), (1, 1, 1));
    // The only way to see an expiry is to let it happen.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(kazoo_list(&http, &fake, &token).await, 401);
    let stats = fake.tokens();
    assert_eq!((stats.live, stats.rejected), (0, 1));
    // The sandbox token is not counted, and still works.
    assert_eq!(kazoo_list(&http, &fake, kazoo::SANDBOX_TOKEN).await, 200);
    assert_eq!(fake.tokens().rejected, 1);
}

// RingCentral.

async fn rc_token(
    http: &reqwest::Client,
    fake: &FakeServer,
    form: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    call(
        http.post(format!("{}/restapi/oauth/token", fake.base_url()))
            .basic_auth(ringcentral::CLIENT_ID, Some(ringcentral::CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned()),
    )
    .await
}

fn password_grant() -> String {
    format!(
        "grant_type=password&username=%2B{}&password={}",
        &ringcentral::USERNAME[1..],
        ringcentral::PASSWORD
    )
}

async fn rc_presence(
    http: &reqwest::Client,
    fake: &FakeServer,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    call(
        http.get(format!(
            "{}/restapi/v1.0/account/~/extension/~/presence",
            fake.base_url()
        ))
        .bearer_auth(token),
    )
    .await
}

#[tokio::test]
async fn ringcentral_refresh_rotates_and_revoke_ends_the_session() {
    let fake = start("ringcentral", Options::default()).await;
    let http = reqwest::Client::new();
    let (status, _, first) = rc_token(&http, &fake, &password_grant()).await;
    assert_eq!(status, 200, "{first}");
    let (access1, refresh1) = (
        first["access_token"].as_str().unwrap().to_owned(),
        first["refresh_token"].as_str().unwrap().to_owned(),
    );
    let refresh = |token: &str| format!("grant_type=refresh_token&refresh_token={token}");
    let (status, _, second) = rc_token(&http, &fake, &refresh(&refresh1)).await;
    assert_eq!(status, 200, "{second}");
    let (access2, refresh2) = (
        second["access_token"].as_str().unwrap().to_owned(),
        second["refresh_token"].as_str().unwrap().to_owned(),
    );
    assert_ne!(access1, access2);
    assert_ne!(refresh1, refresh2);
    // The refresh replaced the session's access token.
    let (status, _, body) = rc_presence(&http, &fake, &access1).await;
    assert_eq!((status, body["errorCode"].as_str()), (401, Some("OAU-129")));
    assert_eq!(rc_presence(&http, &fake, &access2).await.0, 200);
    // A spent refresh token: 400 invalid_grant OAU-211, counted.
    for _ in 0..2 {
        let (status, _, body) = rc_token(&http, &fake, &refresh(&refresh1)).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_grant");
        assert_eq!(body["errors"][0]["errorCode"], "OAU-211");
    }
    let stats = fake.tokens();
    assert_eq!(
        (
            stats.issued,
            stats.logins,
            stats.refreshed,
            stats.live,
            stats.spent_refresh_replays
        ),
        (2, 1, 1, 1, 2)
    );
    // Revoking the refresh token ends the whole session, access token too.
    let (status, _, _) = call(
        http.post(format!("{}/restapi/oauth/revoke", fake.base_url()))
            .basic_auth(ringcentral::CLIENT_ID, Some(ringcentral::CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={refresh2}")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rc_presence(&http, &fake, &access2).await.0, 401);
    let (status, _, body) = rc_token(&http, &fake, &refresh(&refresh2)).await;
    assert_eq!((status, body["errorCode"].as_str()), (400, Some("OAU-211")));
    let stats = fake.tokens();
    assert_eq!((stats.revoked, stats.live), (1, 0));
    assert_eq!(
        stats.spent_refresh_replays, 2,
        "a revoked token is not a spent one"
    );
    // An unknown refresh token.
    let (status, _, body) = rc_token(&http, &fake, &refresh("never-issued")).await;
    assert_eq!((status, body["errorCode"].as_str()), (400, Some("OAU-213")));
}

#[tokio::test]
async fn ringcentral_limits_answer_429_with_its_headers() {
    let fake = start(
        "ringcentral",
        Options::default()
            .token_rate_limit(2, Duration::from_secs(60))
            .rate_limit(1, Duration::from_secs(60)),
    )
    .await;
    let http = reqwest::Client::new();
    for remaining in ["1", "0"] {
        let (status, headers, _) = rc_token(&http, &fake, &password_grant()).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "x-rate-limit-group"), Some("Auth"));
        assert_eq!(header(&headers, "x-rate-limit-limit"), Some("2"));
        assert_eq!(header(&headers, "x-rate-limit-remaining"), Some(remaining));
        assert_eq!(header(&headers, "x-rate-limit-window"), Some("60"));
    }
    let (status, headers, body) = rc_token(&http, &fake, &password_grant()).await;
    assert_eq!(status, 429);
    assert_eq!(body["errorCode"], "CMN-301");
    let wait: u64 = header(&headers, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(header(&headers, "x-rate-limit-remaining"), Some("0"));
    assert_eq!(
        fake.requests("getToken"),
        2,
        "the refused one reached no handler"
    );
    // Other operations: per throttling group.
    let token = ringcentral::SANDBOX_TOKEN;
    let (status, headers, _) = rc_presence(&http, &fake, token).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-rate-limit-group"), Some("Light"));
    let (status, headers, body) = rc_presence(&http, &fake, token).await;
    assert_eq!((status, body["errorCode"].as_str()), (429, Some("CMN-301")));
    assert!(header(&headers, "retry-after").is_some());
    let (status, headers, _) = call(
        http.get(format!(
            "{}/restapi/v1.0/account/~/call-monitoring-groups",
            fake.base_url()
        ))
        .bearer_auth(token),
    )
    .await;
    assert_eq!(status, 200, "another group has its own window");
    assert_eq!(header(&headers, "x-rate-limit-group"), Some("Medium"));
}

#[tokio::test]
async fn kazoo_webex_and_yeastar_limits_answer_their_429() {
    let http = reqwest::Client::new();
    let limited = Options::default()
        .token_rate_limit(1, Duration::from_secs(30))
        .rate_limit(1, Duration::from_secs(30));
    let fake = start("kazoo", limited.clone()).await;
    assert_eq!(kazoo_login(&http, &fake).await.0, 201);
    let (status, body) = kazoo_login(&http, &fake).await;
    assert_eq!((status, body["error"].as_str()), (429, Some("429")));
    assert_eq!(body["status"], "error");
    assert_eq!(kazoo_list(&http, &fake, kazoo::SANDBOX_TOKEN).await, 200);
    assert_eq!(kazoo_list(&http, &fake, kazoo::SANDBOX_TOKEN).await, 429);

    let fake = start("webex", limited.clone()).await;
    let settings = format!(
        "{}/people/{}/features/monitoring",
        fake.base_url(),
        webex::PERSON_ID
    );
    let get = || http.get(&settings).bearer_auth(webex::SANDBOX_TOKEN);
    assert_eq!(call(get()).await.0, 200);
    let (status, headers, body) = call(get()).await;
    assert_eq!(status, 429);
    assert!(body["trackingId"].is_string() && body["message"].is_string());
    assert!(header(&headers, "retry-after").is_some());

    let fake = start("yeastar", limited).await;
    let login = || {
        http.post(format!("{}/get_token", fake.base_url()))
            .json(&json!({"username": yeastar::CLIENT_ID, "password": yeastar::CLIENT_SECRET}))
    };
    assert_eq!(call(login()).await.2["errcode"], 0);
    let (status, headers, body) = call(login()).await;
    assert_eq!(status, 429);
    assert!(body["errcode"].as_i64().is_some_and(|c| c != 0), "{body}");
    assert!(header(&headers, "retry-after").is_some());
}

// Yeastar.

#[tokio::test]
async fn yeastar_allows_eight_live_tokens_and_rotates_refresh_tokens() {
    let fake = start("yeastar", Options::default()).await;
    let http = reqwest::Client::new();
    let base = fake.base_url().to_owned();
    let login = || {
        call(
            http.post(format!("{base}/get_token"))
                .json(&json!({"username": yeastar::CLIENT_ID, "password": yeastar::CLIENT_SECRET})),
        )
    };
    let mut sessions = Vec::new();
    for _ in 0..yeastar::MAX_LIVE_TOKENS {
        let (_, _, body) = login().await;
        assert_eq!(body["errcode"], 0, "{body}");
        sessions.push(body);
    }
    let (status, _, body) = login().await;
    assert_eq!(status, 200);
    assert_eq!(body["errcode"], yeastar::TOKEN_LIMIT_ERRCODE);
    assert_eq!(fake.tokens().live, 8);
    // del_token frees a place.
    let first = sessions[0]["access_token"].as_str().unwrap();
    let (_, _, body) = call(http.get(format!("{base}/del_token?access_token={first}"))).await;
    assert_eq!(body["errcode"], 0);
    let (_, _, list) =
        call(http.get(format!("{base}/extensiongroup/list?access_token={first}"))).await;
    assert_eq!(list["errmsg"], "TOKEN INVALID");
    assert_eq!(login().await.2["errcode"], 0);
    // A refresh rotates; the spent refresh token is refused from then on.
    let refresh = sessions[1]["refresh_token"].as_str().unwrap();
    let refresh_call = || {
        call(
            http.post(format!("{base}/refresh_token"))
                .json(&json!({"refresh_token": refresh})),
        )
    };
    let (_, _, renewed) = refresh_call().await;
    assert_eq!(renewed["errcode"], 0, "{renewed}");
    assert_ne!(renewed["refresh_token"].as_str(), Some(refresh));
    let (_, _, spent) = refresh_call().await;
    assert_eq!(
        (spent["errcode"].as_i64(), spent["errmsg"].as_str()),
        (Some(yeastar::TOKEN_ERRCODE), Some("TOKEN INVALID"))
    );
    let stats = fake.tokens();
    assert_eq!(
        (
            stats.logins,
            stats.refreshed,
            stats.revoked,
            stats.live,
            stats.spent_refresh_replays
        ),
        (9, 1, 1, 8, 1)
    );
}

// Counting requests.

#[tokio::test]
async fn requests_counts_what_reached_each_handler() {
    let fake = start("kazoo", Options::default()).await;
    let http = reqwest::Client::new();
    let groups = format!("{}/accounts/{}/groups", fake.base_url(), kazoo::ACCOUNT_ID);
    let create = || {
        http.put(&groups)
            .header("x-auth-token", kazoo::SANDBOX_TOKEN)
            .json(&json!({"data": {"name": "Once", "endpoints": {}}}))
    };
    // The handler ran, then the connection was dropped: counted once.
    fake.inject(Fault::DropAfterRead);
    assert!(create().send().await.is_err());
    assert_eq!(fake.requests("createGroup"), 1);
    // Refused before the handler: not counted.
    let stranger = http
        .put(&groups)
        .header("x-auth-token", "f".repeat(40))
        .json(&json!({"data": {"name": "Once", "endpoints": {}}}));
    let (status, _, _) = call(stranger).await;
    assert_eq!(status, 401);
    let (status, _, _) = call(
        http.put(&groups)
            .header("x-auth-token", kazoo::SANDBOX_TOKEN)
            .json(&json!({"data": {"name": ""}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(fake.requests("createGroup"), 1);
    assert_eq!(call(create()).await.0, 201);
    assert_eq!(fake.requests("createGroup"), 2);
    assert_eq!(fake.requests("listGroups"), 0);
    assert_eq!(fake.requests("noSuchOperation"), 0);
}

#[tokio::test]
async fn options_a_server_cannot_run_with_are_refused() {
    for options in [
        Options::default().rate_limit(5, Duration::ZERO),
        Options::default().max_connections(0),
        Options::default().read_timeout(Duration::ZERO),
    ] {
        let err = dialtone_fakes::start_with("kazoo", 0, options)
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
    let err = dialtone_fakes::start_with("nope", 0, Options::default())
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
