//! Retries over loopback: what is replayed, and how long the client waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;
use dialtone_runtime::{ClientBuilder, Error, Request, RetryPolicy};
use reqwest::Method;
use serde_json::Value;

/// A server whose first `failures` answers are `status` (with `retry_after`
/// when given), then 200; it counts every request it reads.
async fn flaky(
    status: u16,
    failures: u32,
    retry_after: Option<&'static str>,
) -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/op",
        any(move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                if n < failures {
                    let mut response =
                        (StatusCode::from_u16(status).unwrap(), "{}").into_response();
                    if let Some(after) = retry_after {
                        response
                            .headers_mut()
                            .insert("retry-after", after.parse().unwrap());
                    }
                    response
                } else {
                    (StatusCode::OK, r#"{"ok":true}"#).into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), hits)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        max_elapsed: Duration::from_secs(10),
        max_retry_after: Duration::from_secs(5),
    }
}

fn op(method: Method) -> Request {
    Request::new(method, "op", "/op").literal("/op")
}

#[tokio::test]
async fn idempotent_calls_are_retried_until_they_succeed() {
    let (base, hits) = flaky(503, 2, None).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    let got: Value = client
        .send_json::<Value, Value>(op(Method::GET))
        .await
        .unwrap();
    assert_eq!(got["ok"], true);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_post_the_server_read_is_not_replayed() {
    for status in [502, 503, 504] {
        let (base, hits) = flaky(status, 1, None).await;
        let client = ClientBuilder::new("t", base)
            .retry_policy(fast_policy())
            .build::<Value>()
            .unwrap();
        let err = client
            .send_empty::<Value>(op(Method::POST))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "POST after {status} must not be replayed"
        );
    }
    // Unless the spec marks it safe.
    let (base, hits) = flaky(503, 1, None).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    client
        .send_empty::<Value>(op(Method::POST).idempotent(true))
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // And a PUT that creates something new each time is not replayed.
    let (base, hits) = flaky(503, 1, None).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    client
        .send_empty::<Value>(op(Method::PUT).idempotent(false))
        .await
        .unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn too_many_requests_is_retried_after_the_servers_delay() {
    let (base, hits) = flaky(429, 1, Some("1")).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    client.send_empty::<Value>(op(Method::POST)).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited() {
    let (base, hits) = flaky(429, 1, Some("3600")).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    let err = client
        .send_empty::<Value>(op(Method::GET))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    match err {
        Error::RateLimited {
            retry_after,
            response: Some(api),
            ..
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
            assert_eq!(api.status, 429);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn attempts_are_bounded() {
    let (base, hits) = flaky(503, u32::MAX, None).await;
    let client = ClientBuilder::new("t", base)
        .retry_policy(fast_policy())
        .build::<Value>()
        .unwrap();
    let err = client
        .send_empty::<Value>(op(Method::GET))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    let client = ClientBuilder::new("t2", client.base_url().to_owned())
        .no_retries()
        .build::<Value>()
        .unwrap();
    client
        .send_empty::<Value>(op(Method::GET))
        .await
        .unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 5);
}
