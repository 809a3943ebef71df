//! What integrators extend, over loopback: a client of their own that keeps
//! Dialtone's deadline, retries and auth; `configure_http`; hooks;
//! per-request headers and retry policies; responses with their metadata;
//! streamed downloads and uploads (issue 16).

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use dialtone_runtime::hooks::{Incoming, Outgoing, Retry};
use dialtone_runtime::stream::StreamPart;
use dialtone_runtime::{
    BearerToken, Client, ClientBuilder, Error, Hooks, Request, RetryPolicy, reqwest,
};
use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Default)]
struct Seen {
    hits: AtomicU32,
    failures_left: AtomicU32,
    headers: Mutex<Vec<HeaderMap>>,
    bodies: Mutex<Vec<Bytes>>,
}

async fn start(seen: Arc<Seen>) -> String {
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        )
        .route("/flaky", get(flaky).post(flaky))
        .route(
            "/meta",
            get(|| async {
                (
                    [
                        ("x-request-id", "req-42"),
                        ("x-rate-limit-group", "light"),
                        ("x-rate-limit-limit", "50"),
                        ("x-rate-limit-remaining", "49"),
                        ("x-rate-limit-window", "60"),
                    ],
                    axum::Json(json!({"name": "Support"})),
                )
            }),
        )
        .route(
            "/download",
            get(|| async {
                // 4 MiB in 64 KiB chunks, produced as they are read.
                let chunks = futures_util::stream::iter(0..64u8)
                    .map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i; 64 * 1024])));
                Body::from_stream(chunks)
            }),
        )
        .route(
            "/denied",
            get(|| async { (StatusCode::FORBIDDEN, axum::Json(json!({"message": "no"}))) }),
        )
        .route("/upload", post(upload))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// 503 while `failures_left` lasts, then the headers it got.
async fn flaky(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> impl IntoResponse {
    seen.hits.fetch_add(1, Ordering::SeqCst);
    seen.headers.lock().unwrap().push(headers.clone());
    let left = seen.failures_left.load(Ordering::SeqCst);
    if left > 0 {
        seen.failures_left.store(left - 1, Ordering::SeqCst);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            axum::Json(json!({"echo": headers.get("x-api-key").and_then(|v| v.to_str().ok())})),
        );
    }
    (
        StatusCode::OK,
        [("retry-after", "0")],
        axum::Json(json!({"ok": true})),
    )
}

/// Keeps the body; 503 while `failures_left` lasts.
async fn upload(
    State(seen): State<Arc<Seen>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    seen.hits.fetch_add(1, Ordering::SeqCst);
    seen.headers.lock().unwrap().push(headers);
    let len = body.len();
    seen.bodies.lock().unwrap().push(body);
    let left = seen.failures_left.load(Ordering::SeqCst);
    if left > 0 {
        seen.failures_left.store(left - 1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({})));
    }
    (StatusCode::OK, axum::Json(json!({"received": len})))
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn get_req(path: &'static str) -> Request {
    Request::new(Method::GET, "op", path).literal(path)
}

/// A client of the integrator's own, with no timeouts and its own pool:
/// Dialtone's call timeout, retries and credential still apply.
#[tokio::test]
async fn an_own_http_client_keeps_the_deadline_retries_and_auth() {
    let seen = Arc::new(Seen::default());
    let base = start(seen.clone()).await;
    let client = ClientBuilder::new("test", &base)
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_millis(300))
        .retry_policy(fast_retries())
        .auth(BearerToken::new("own-client-token"))
        .build::<Value>()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .send_json::<Value, Value>(get_req("/slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    seen.failures_left.store(2, Ordering::SeqCst);
    let client = ClientBuilder::new("test", &base)
        .http_client(reqwest::Client::new())
        .retry_policy(fast_retries())
        .auth(BearerToken::new("own-client-token"))
        .build::<Value>()
        .unwrap();
    client
        .send_json::<Value, Value>(get_req("/flaky"))
        .await
        .unwrap();
    assert_eq!(seen.hits.load(Ordering::SeqCst), 3, "two retries");
    let headers = seen.headers.lock().unwrap();
    assert!(
        headers
            .iter()
            .all(|h| h["authorization"] == "Bearer own-client-token")
    );
    assert!(
        headers
            .iter()
            .all(|h| h["user-agent"].to_str().unwrap().starts_with("dialtone/"))
    );
}

/// `configure_http` changes the HTTP client Dialtone builds, which keeps
/// Dialtone's timeouts.
#[tokio::test]
async fn configure_http_keeps_dialtones_timeouts() {
    let seen = Arc::new(Seen::default());
    let base = start(seen.clone()).await;
    let client = ClientBuilder::new("test", &base)
        .timeout(Duration::from_millis(300))
        .configure_http(|http| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("x-configured", "yes".parse().unwrap());
            http.default_headers(headers)
        })
        .build::<Value>()
        .unwrap();
    client
        .send_json::<Value, Value>(get_req("/flaky"))
        .await
        .unwrap();
    assert_eq!(seen.headers.lock().unwrap()[0]["x-configured"], "yes");
    let started = std::time::Instant::now();
    let err = client
        .send_json::<Value, Value>(get_req("/slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[derive(Debug, Default)]
struct Recorder {
    sent: AtomicUsize,
    statuses: Mutex<Vec<u16>>,
    retries: Mutex<Vec<(u32, Option<u16>)>>,
}

#[derive(Debug)]
struct RecorderHook(Arc<Recorder>);

impl std::ops::Deref for RecorderHook {
    type Target = Recorder;
    fn deref(&self) -> &Recorder {
        &self.0
    }
}

impl Hooks for RecorderHook {
    fn before_send(&self, request: &mut Outgoing<'_>) {
        self.sent.fetch_add(1, Ordering::SeqCst);
        assert!(request.header_names().iter().any(|n| n == "authorization"));
        let value = format!("tenant-{}", request.attempt());
        request.set_header(
            reqwest::header::HeaderName::from_static("x-tenant"),
            value.parse().unwrap(),
        );
        request.set_header(
            reqwest::header::HeaderName::from_static("x-api-key"),
            "hook-canary-7f3a".parse().unwrap(),
        );
    }

    fn after_response(&self, response: &Incoming<'_>) {
        self.statuses.lock().unwrap().push(response.status());
    }

    fn on_retry(&self, retry: &Retry<'_>) {
        assert!(!retry.reason().contains("canary"), "{}", retry.reason());
        self.retries
            .lock()
            .unwrap()
            .push((retry.attempt(), retry.status()));
    }
}

/// Hooks add headers to every attempt and see every response and retry;
/// a credential a hook adds is masked like any other.
#[tokio::test]
async fn hooks_add_headers_and_observe() {
    let seen = Arc::new(Seen::default());
    let base = start(seen.clone()).await;
    let recorder = Arc::new(Recorder::default());
    let client = ClientBuilder::new("test", &base)
        .auth(BearerToken::new("t"))
        .retry_policy(fast_retries())
        .hook(RecorderHook(recorder.clone()))
        .build::<Value>()
        .unwrap();
    seen.failures_left.store(1, Ordering::SeqCst);
    client
        .send_json::<Value, Value>(get_req("/flaky"))
        .await
        .unwrap();
    assert_eq!(recorder.sent.load(Ordering::SeqCst), 2);
    assert_eq!(*recorder.statuses.lock().unwrap(), vec![503, 200]);
    assert_eq!(*recorder.retries.lock().unwrap(), vec![(1, Some(503))]);
    let tenants: Vec<String> = seen
        .headers
        .lock()
        .unwrap()
        .iter()
        .map(|h| h["x-tenant"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(tenants, ["tenant-1", "tenant-2"]);
    // The 503 echoes the hook's key: masked in the error.
    seen.failures_left.store(5, Ordering::SeqCst);
    let err = client
        .send_json::<Value, Value>(get_req("/flaky").no_retries())
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("canary"), "{shown}");
}

/// Per-request headers and retry policies.
#[tokio::test]
async fn per_request_headers_and_retries() {
    let seen = Arc::new(Seen::default());
    let base = start(seen.clone()).await;
    let client = ClientBuilder::new("test", &base)
        .retry_policy(fast_retries())
        .build::<Value>()
        .unwrap();
    seen.failures_left.store(1, Ordering::SeqCst);
    let err = client
        .send_json::<Value, Value>(
            get_req("/flaky")
                .extra_header("x-trace", "abc")
                .no_retries(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(seen.hits.load(Ordering::SeqCst), 1, "no retry");
    assert_eq!(seen.headers.lock().unwrap()[0]["x-trace"], "abc");
    seen.failures_left.store(4, Ordering::SeqCst);
    let five = RetryPolicy {
        max_attempts: 5,
        ..fast_retries()
    };
    client
        .send_json::<Value, Value>(get_req("/flaky").retry_policy(five))
        .await
        .unwrap();
    assert_eq!(seen.hits.load(Ordering::SeqCst), 6);
    let err = client
        .send_json::<Value, Value>(get_req("/flaky").extra_header("bad header", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

/// A typed body with its status, headers, request id and rate limits.
#[tokio::test]
async fn responses_with_their_metadata() {
    let seen = Arc::new(Seen::default());
    let base = start(seen).await;
    let client = ClientBuilder::new("test", &base)
        .request_id_header("x-request-id")
        .build::<Value>()
        .unwrap();
    #[derive(Debug, serde::Deserialize)]
    struct Group {
        name: String,
    }
    let group = client
        .send_with_meta::<Group, Value>(get_req("/meta"))
        .await
        .unwrap();
    assert_eq!(group.status(), 200);
    assert_eq!(group.name, "Support");
    assert_eq!(group.request_id(), Some("req-42"));
    let limits = group.rate_limit().unwrap();
    assert_eq!(limits.group.as_deref(), Some("light"));
    assert_eq!((limits.limit, limits.remaining), (Some(50), Some(49)));
    assert_eq!(limits.window, Some(Duration::from_secs(60)));
    assert_eq!(group.headers()["content-type"], "application/json");
    assert_eq!(group.map(|g| g.name.len()).into_inner(), 7);
}

/// A download read as it arrives; an error status is decoded as usual.
#[tokio::test]
async fn downloads_stream() {
    let seen = Arc::new(Seen::default());
    let base = start(seen).await;
    let client = ClientBuilder::new("test", &base).build::<Value>().unwrap();
    let mut download = client
        .send_stream::<Value>(get_req("/download"))
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let (mut total, mut chunks, mut last) = (0usize, 0usize, None);
    while let Some(chunk) = download.next().await {
        let chunk = chunk.unwrap();
        total += chunk.len();
        chunks += 1;
        last = chunk.last().copied();
    }
    assert_eq!(total, 4 * 1024 * 1024);
    assert!(chunks > 1, "read in pieces");
    assert_eq!(last, Some(63));
    let err = client
        .send_stream::<Value>(get_req("/denied"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.body(), Some(&json!({"message": "no"})));
}

fn post_req() -> Request {
    Request::new(Method::POST, "upload", "/upload")
        .literal("/upload")
        .idempotent(true)
}

/// Uploads from a stream are sent once (never retried); from a file they
/// are opened again per attempt; multipart bodies mix both.
#[tokio::test]
async fn uploads_stream_from_streams_and_files() {
    let seen = Arc::new(Seen::default());
    let base = start(seen.clone()).await;
    let client: Client = ClientBuilder::new("test", &base)
        .retry_policy(fast_retries())
        .build::<Value>()
        .unwrap();
    let chunks = || {
        futures_util::stream::iter(0..32u8)
            .map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i; 32 * 1024])))
    };
    let answer: Value = client
        .send_json::<Value, Value>(post_req().body_stream(chunks(), None))
        .await
        .unwrap();
    assert_eq!(answer["received"], 1024 * 1024);
    // A 503 (or a 429, or a broken connection) is not retried: the stream
    // is gone.
    seen.failures_left.store(1, Ordering::SeqCst);
    let hits = seen.hits.load(Ordering::SeqCst);
    let err = client
        .send_json::<Value, Value>(post_req().body_stream(chunks(), Some(1024 * 1024)))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(seen.hits.load(Ordering::SeqCst), hits + 1, "sent once");
    assert_eq!(
        seen.headers.lock().unwrap().last().unwrap()["content-length"],
        "1048576"
    );
    // A file is opened again: retried.
    let dir = std::env::temp_dir().join(format!("dialtone-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("greeting.wav");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    seen.failures_left.store(1, Ordering::SeqCst);
    let hits = seen.hits.load(Ordering::SeqCst);
    client
        .send_json::<Value, Value>(post_req().body_file(&path).content_type("audio/wav"))
        .await
        .unwrap();
    assert_eq!(seen.hits.load(Ordering::SeqCst), hits + 2, "retried");
    {
        let bodies = seen.bodies.lock().unwrap();
        assert!(bodies.iter().rev().take(2).all(|b| b[..] == content[..]));
        let headers = seen.headers.lock().unwrap();
        let last = headers.last().unwrap();
        assert_eq!(last["content-length"], "300000");
        assert_eq!(last["content-type"], "audio/wav");
    }
    client
        .send_json::<Value, Value>(post_req().multipart_stream(vec![
            StreamPart::text("name", "greeting"),
            StreamPart::file("audio", &path).content_type("audio/wav"),
        ]))
        .await
        .unwrap();
    {
        let bodies = seen.bodies.lock().unwrap();
        let body = bodies.last().unwrap();
        let headers = seen.headers.lock().unwrap();
        let ct = headers.last().unwrap()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let boundary = ct.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(body);
        assert!(text.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ngreeting\r\n"
        )));
        assert!(text.contains("filename=\"greeting.wav\"\r\nContent-Type: audio/wav\r\n\r\n"));
        assert!(body.windows(content.len()).any(|w| w == &content[..]));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
    // A missing file fails before anything is sent.
    let hits = seen.hits.load(Ordering::SeqCst);
    let err = client
        .send_json::<Value, Value>(post_req().body_file(dir.join("missing")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(seen.hits.load(Ordering::SeqCst), hits);
    std::fs::remove_dir_all(&dir).unwrap();
}
