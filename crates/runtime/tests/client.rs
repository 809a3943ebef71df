//! The runtime against a loopback server: auth placement, in-body errors,
//! timeouts and credential hygiene.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::routing::get;
use dialtone_runtime::{Client, ClientBuilder, Error, HeaderToken, QueryToken, Request};
use reqwest::Method;
use serde_json::{Value, json};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Echoes the query string and the headers it got.
fn echo() -> Router {
    Router::new().route(
        "/api/echo",
        get(|uri: Uri, headers: HeaderMap| async move {
            let headers: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
                .collect();
            axum::Json(json!({"query": uri.query().unwrap_or(""), "headers": headers}))
        }),
    )
}

fn get_echo() -> Request {
    Request::new(Method::GET, "echo", "/echo").literal("/echo")
}

#[tokio::test]
async fn header_and_query_tokens_go_where_the_spec_says() {
    let base = serve(echo()).await;
    let header: Client = ClientBuilder::new("test", format!("{base}/api"))
        .auth(HeaderToken::new("x-auth-token", "canary-h"))
        .build::<Value>()
        .unwrap();
    let got: Value = header.send_json::<Value, Value>(get_echo()).await.unwrap();
    assert_eq!(got["headers"]["x-auth-token"], "canary-h");

    let query = ClientBuilder::new("test", format!("{base}/api/"))
        .auth(QueryToken::new("access_token", "canary-q"))
        .build::<Value>()
        .unwrap();
    let got: Value = query
        .send_json::<Value, Value>(get_echo().query("page", 2))
        .await
        .unwrap();
    assert_eq!(got["query"], "page=2&access_token=canary-q");

    // Token endpoints opt out.
    let got: Value = query
        .send_json::<Value, Value>(get_echo().without_auth())
        .await
        .unwrap();
    assert_eq!(got["query"], "");
    assert!(!format!("{query:?}").contains("canary"));
}

#[tokio::test]
async fn errcode_in_a_success_body_is_an_api_error() {
    let app = Router::new()
        .route(
            "/ok",
            get(|| async { axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS", "id": 7})) }),
        )
        .route(
            "/bad",
            get(|| async {
                axum::Json(json!({"errcode": 40002, "errmsg": "PARAMETER ERROR", "access_token": "canary-t"}))
            }),
        );
    let base = serve(app).await;
    let client = ClientBuilder::new("test", base)
        .errcode("errcode", 0)
        .build::<Value>()
        .unwrap();
    let ok: Value = client
        .send_json::<Value, Value>(Request::new(Method::GET, "ok", "/ok").literal("/ok"))
        .await
        .unwrap();
    assert_eq!(ok["id"], 7);
    let err = client
        .send_json::<Value, Value>(Request::new(Method::GET, "bad", "/bad").literal("/bad"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.body().unwrap()["errcode"], 40002);
    let shown = err.to_string();
    assert!(shown.contains("PARAMETER ERROR"), "{shown}");
    assert!(!shown.contains("canary-t"), "{shown}");
}

#[tokio::test]
async fn per_request_timeouts_win_over_the_client_default() {
    let app = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let base = serve(app).await;
    let client = ClientBuilder::new("test", base).build::<Value>().unwrap();
    let started = std::time::Instant::now();
    let err = client
        .send_empty::<Value>(
            Request::new(Method::GET, "slow", "/slow")
                .literal("/slow")
                .timeout(Some(Duration::from_millis(200))),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { operation: "slow" }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_path_is_joined_to_the_base_path_and_never_becomes_a_query() {
    let app = Router::new().fallback(|uri: Uri| async move {
        axum::Json(json!({"path": uri.path(), "query": uri.query()}))
    });
    let base = serve(app).await;
    let client = ClientBuilder::new("test", format!("{base}/v2/"))
        .build::<Value>()
        .unwrap();
    let got: Value = client
        .send_json::<Value, Value>(
            Request::new(Method::GET, "odd", "/odd")
                .literal("/odd?x=1#y")
                .query("page", "2"),
        )
        .await
        .unwrap();
    assert_eq!(got["path"], "/v2/odd%3Fx=1%23y");
    assert_eq!(got["query"], "page=2");
}

/// A server that sends a success's headers and the first bytes of its
/// body, then stalls (holding the connection open) for 5 s.
async fn stalling_body() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // At most a few connections: one call, no retries.
        for _ in 0..4 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"a\":",
                    )
                    .await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_ends_at_the_deadline() {
    let base = stalling_body().await;
    let client = ClientBuilder::new("test", base)
        .retry_policy(dialtone_runtime::RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    for stream in [false, true] {
        let started = std::time::Instant::now();
        let request = Request::new(Method::GET, "stall", "/stall")
            .literal("/stall")
            .timeout(Some(Duration::from_millis(300)));
        let err = if stream {
            // A streamed body is bounded by the same deadline.
            use futures_util::StreamExt;
            let mut body = client
                .send_stream::<Value>(request)
                .await
                .expect("the headers arrive")
                .into_inner();
            let mut failed = None;
            while let Some(chunk) = body.next().await {
                if let Err(err) = chunk {
                    failed = Some(err);
                    break;
                }
            }
            failed.expect("the stalled body fails")
        } else {
            client.send_json::<Value, Value>(request).await.unwrap_err()
        };
        assert!(
            matches!(err, Error::Timeout { operation: "stall" }),
            "stream {stream}: {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "stream {stream}"
        );
    }
}

#[tokio::test]
async fn connection_errors_never_show_the_url_or_its_token() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = ClientBuilder::new("test", format!("http://127.0.0.1:{port}"))
        .auth(QueryToken::new("access_token", "canary-url"))
        .build::<Value>()
        .unwrap();
    let err = client.send_empty::<Value>(get_echo()).await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(!err.to_string().contains("canary-url"), "{err}");
    assert!(!format!("{err:?}").contains("canary-url"), "{err:?}");
}

/// Bodies around a limit of 1,000 bytes: with a `Content-Length`, chunked,
/// and on an error status.
fn sized_bodies() -> Router {
    use axum::body::{Body, Bytes};
    use axum::http::StatusCode;
    use futures_util::StreamExt;
    let chunked = |chunks: usize, size: usize| {
        Body::from_stream(
            futures_util::stream::iter(0..chunks)
                .map(move |_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; size]))),
        )
    };
    Router::new()
        // 998 spaces in quotes: 1,000 bytes, with a Content-Length.
        .route(
            "/exact",
            get(|| async { format!("\"{}\"", " ".repeat(998)) }),
        )
        .route(
            "/long",
            get(|| async { format!("\"{}\"", " ".repeat(999)) }),
        )
        // Ten chunks of 100 bytes (1,000, at the limit), then eleven.
        .route(
            "/chunked-exact",
            get(move || async move { chunked(10, 100) }),
        )
        .route(
            "/chunked-long",
            get(move || async move { chunked(11, 100) }),
        )
        // Chunks that would go on for 1 GB: reading stops at the limit.
        .route(
            "/endless",
            get(move || async move { chunked(1 << 20, 1024) }),
        )
        .route(
            "/error",
            get(|| async { (StatusCode::BAD_REQUEST, " ".repeat(5_000)) }),
        )
}

#[tokio::test]
async fn a_body_past_the_clients_limit_fails_the_call_without_being_held() {
    let base = serve(sized_bodies()).await;
    let client = ClientBuilder::new("test", base)
        .max_response_body(1_000)
        .retry_policy(dialtone_runtime::RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    let get = |path: &'static str| Request::new(Method::GET, "sized", "/sized").literal(path);
    let text: String = client
        .send_json::<String, Value>(get("/exact"))
        .await
        .expect("a body at the limit is read");
    assert_eq!(text.len(), 998);
    let body = client
        .send_bytes::<Value>(get("/chunked-exact"))
        .await
        .expect("a chunked body at the limit is read");
    assert_eq!(body.len(), 1_000);
    for (path, status) in [
        ("/long", 200),
        ("/chunked-long", 200),
        ("/endless", 200),
        ("/error", 400),
    ] {
        let err = client.send_bytes::<Value>(get(path)).await.unwrap_err();
        match &err {
            Error::ResponseTooLarge {
                operation: "sized",
                status: got,
                limit: 1_000,
            } => assert_eq!(*got, status, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
        assert_eq!(err.status(), Some(status), "{path}");
        assert!(err.to_string().contains("1000 bytes"), "{path}: {err}");
    }
}
