//! The runtime under real timing, over loopback (issue 12): auth state is
//! never lost when requests holding one token are rejected together, short
//! token lifetimes are reused, a token endpoint's 429 is retried within the
//! call's budget, and every wait of a call ends by its deadline.
//!
//! The races are made deterministic with server-side barriers (both
//! requests are in the server before either is answered), not with sleeps;
//! the exhaustive enumeration of interleavings is the model test in
//! `src/renewal.rs`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use dialtone_runtime::tokens::{Grant, OAuth2};
use dialtone_runtime::{ClientBuilder, Error, Placement, RefreshingToken, Request, RetryPolicy};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn thing() -> Request {
    Request::new(Method::GET, "getThing", "/thing").literal("/thing")
}

/// A RingCentral-like OAuth server: refresh tokens rotate, a spent one is
/// refused with 400 `OAU-211` (and counted), `/thing` accepts only the
/// newest access token.
#[derive(Default)]
struct Vendor {
    grants: Mutex<Vec<String>>,
    issued: AtomicU32,
    access: Mutex<Option<String>>,
    live_refresh: Mutex<Option<String>>,
    spent_replays: AtomicU32,
    lifetime: u64,
    /// Answer the first `token_429s` token requests with 429 Retry-After: 1.
    token_429s: AtomicU32,
    /// When set, `/thing` waits until this many requests are in, and the
    /// first `rejections` of them are answered 401.
    barrier: Option<Arc<Barrier>>,
    rejections: AtomicU32,
}

impl Vendor {
    fn issue(&self) -> Value {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let access = format!("access-{n}");
        let refresh = format!("refresh-{n}");
        *self.access.lock().unwrap() = Some(access.clone());
        *self.live_refresh.lock().unwrap() = Some(refresh.clone());
        json!({"access_token": access, "token_type": "bearer", "expires_in": self.lifetime, "refresh_token": refresh})
    }
}

async fn token(State(v): State<Arc<Vendor>>, body: String) -> axum::response::Response {
    if v.token_429s
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"errorCode": "CMN-301", "message": "Request rate exceeded"})),
        )
            .into_response();
        response
            .headers_mut()
            .insert("retry-after", "1".parse().unwrap());
        return response;
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let grant = get("grant_type").unwrap_or_default();
    v.grants.lock().unwrap().push(grant.clone());
    if grant == "refresh_token" {
        let sent = get("refresh_token").unwrap_or_default();
        let mut live = v.live_refresh.lock().unwrap();
        if live.as_deref() != Some(sent.as_str()) {
            v.spent_replays.fetch_add(1, Ordering::SeqCst);
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "invalid_grant", "errorCode": "OAU-211", "message": "Token is revoked"})),
            )
                .into_response();
        }
        *live = None;
    }
    axum::Json(v.issue()).into_response()
}

async fn call(State(v): State<Arc<Vendor>>, headers: HeaderMap) -> axum::response::Response {
    if let Some(barrier) = &v.barrier {
        barrier.wait().await;
        if v.rejections
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            // The vendor revoked the token both requests carry.
            *v.access.lock().unwrap() = None;
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"errorCode": "OAU-129"})),
            )
                .into_response();
        }
    }
    let sent = headers.get("authorization").and_then(|h| h.to_str().ok());
    let current = v.access.lock().unwrap().clone();
    match (sent, current) {
        (Some(sent), Some(current)) if sent == format!("Bearer {current}") => {
            axum::Json(json!({"ok": true})).into_response()
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"errorCode": "OAU-129"})),
        )
            .into_response(),
    }
}

async fn vendor(v: Vendor) -> (String, Arc<Vendor>) {
    let v = Arc::new(v);
    let app = Router::new()
        .route("/restapi/oauth/token", post(token))
        .route("/thing", any(call))
        .with_state(v.clone());
    (serve(app).await, v)
}

fn password() -> Grant {
    Grant::Password {
        username: "+16505550100".into(),
        password: "canary-password".into(),
        extension: None,
    }
}

fn oauth(base: &str, grant: Grant) -> dialtone_runtime::Client {
    ClientBuilder::new("t", base.to_owned())
        .auth(RefreshingToken::new(
            OAuth2::new("/restapi/oauth/token", "id", "secret", grant),
            Placement::Bearer,
        ))
        .build::<Value>()
        .unwrap()
}

/// Finding 1: two requests holding the same token are both rejected before
/// either re-authorises. The refresh token must survive the second
/// rejection: the next fetch is a `refresh_token` grant, not a password
/// login, and nothing spent is replayed.
#[tokio::test]
async fn two_rejections_of_one_token_keep_the_refresh_token() {
    let (base, v) = vendor(Vendor {
        lifetime: 3600,
        barrier: Some(Arc::new(Barrier::new(2))),
        rejections: AtomicU32::new(2),
        ..Vendor::default()
    })
    .await;
    let client = oauth(&base, password());
    // Both calls share the first login, so both carry its token.
    let a = tokio::spawn({
        let client = client.clone();
        async move { client.send_json::<Value, Value>(thing()).await }
    });
    let b = tokio::spawn({
        let client = client.clone();
        async move { client.send_json::<Value, Value>(thing()).await }
    });
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    assert_eq!(
        *v.grants.lock().unwrap(),
        ["password", "refresh_token"],
        "one login, then one refresh after the two rejections"
    );
    assert_eq!(v.spent_replays.load(Ordering::SeqCst), 0);
}

/// Finding 1 with `Grant::RefreshToken`: the refresh token the client was
/// given is spent by its first use; when the vendor then rejects the
/// access token, the client renews with the rotated one, and never sends
/// the spent one again.
#[tokio::test]
async fn a_given_refresh_token_is_never_replayed() {
    let (base, v) = vendor(Vendor {
        lifetime: 3600,
        ..Vendor::default()
    })
    .await;
    *v.live_refresh.lock().unwrap() = Some("given-refresh".to_owned());
    let client = oauth(
        &base,
        Grant::RefreshToken {
            refresh_token: "given-refresh".into(),
        },
    );
    client.send_json::<Value, Value>(thing()).await.unwrap();
    // The vendor drops the access token: renewed with the rotated refresh token.
    *v.access.lock().unwrap() = None;
    client.send_json::<Value, Value>(thing()).await.unwrap();
    // The vendor forgets every refresh token too: the refresh fails, and
    // with no other grant configured the call says so, without replaying.
    *v.access.lock().unwrap() = None;
    *v.live_refresh.lock().unwrap() = None;
    let err = client.send_json::<Value, Value>(thing()).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    // Every later call fails the same way, without a request for a token.
    let before = v.grants.lock().unwrap().len();
    let again = client.send_json::<Value, Value>(thing()).await.unwrap_err();
    assert!(
        matches!(again, Error::Auth { source: None, .. }),
        "{again:?}"
    );
    assert_eq!(v.grants.lock().unwrap().len(), before);
    assert_eq!(
        *v.grants.lock().unwrap(),
        ["refresh_token", "refresh_token", "refresh_token"]
    );
    assert_eq!(
        v.spent_replays.load(Ordering::SeqCst),
        1,
        "only the refresh token the vendor itself forgot was refused"
    );
}

/// Finding 2: a 30 s token is reused for most of its life; 20 concurrent
/// calls make one token request.
#[tokio::test]
async fn a_short_lived_token_is_reused() {
    let (base, v) = vendor(Vendor {
        lifetime: 30,
        ..Vendor::default()
    })
    .await;
    let client = oauth(&base, password());
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json::<Value, Value>(thing()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    for _ in 0..5 {
        client.send_json::<Value, Value>(thing()).await.unwrap();
    }
    assert_eq!(*v.grants.lock().unwrap(), ["password"]);
}

/// Finding 2: the token endpoint's 429 is retried after its `Retry-After`
/// when the call's budget allows it...
#[tokio::test]
async fn a_token_endpoint_429_is_retried_within_the_budget() {
    let (base, v) = vendor(Vendor {
        lifetime: 3600,
        token_429s: AtomicU32::new(1),
        ..Vendor::default()
    })
    .await;
    let client = oauth(&base, password());
    let started = Instant::now();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(*v.grants.lock().unwrap(), ["password"]);
}

/// ...and when it does not, the call fails at once with the vendor's
/// answer in a typed auth error.
#[tokio::test]
async fn a_token_endpoint_429_past_the_deadline_fails_at_once() {
    let (base, _v) = vendor(Vendor {
        lifetime: 3600,
        token_429s: AtomicU32::new(1),
        ..Vendor::default()
    })
    .await;
    let client = oauth(&base, password());
    let started = Instant::now();
    let err = client
        .send_json::<Value, Value>(thing().timeout(Some(Duration::from_millis(500))))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::Auth {
            source: Some(source),
            ..
        } => {
            assert!(matches!(**source, Error::RateLimited { .. }), "{source:?}");
            assert_eq!(source.retry_after(), Some(Duration::from_secs(1)));
            assert_eq!(source.body().unwrap()["errorCode"], "CMN-301");
        }
        other => panic!("{other:?}"),
    }
}

/// A vendor whose tokens expire at once (`expires_in: 0`) gets one token
/// request per call, not a loop.
#[tokio::test]
async fn tokens_that_expire_at_once_do_not_loop() {
    let (base, v) = vendor(Vendor {
        lifetime: 0,
        ..Vendor::default()
    })
    .await;
    let client = oauth(&base, password());
    for _ in 0..3 {
        client.send_json::<Value, Value>(thing()).await.unwrap();
    }
    assert_eq!(v.grants.lock().unwrap().len(), 3);
}

/// A RingCentral-like group limit: the first request to `/heavy` answers
/// 429 with `Retry-After: 2` and a 60 s window; the rest succeed.
async fn limited() -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/heavy",
        any(move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let mut response = if n == 0 {
                    (StatusCode::TOO_MANY_REQUESTS, "{}").into_response()
                } else {
                    (StatusCode::OK, r#"{"ok":true}"#).into_response()
                };
                let headers = response.headers_mut();
                if n == 0 {
                    headers.insert("retry-after", "2".parse().unwrap());
                }
                headers.insert("x-rate-limit-group", "heavy".parse().unwrap());
                headers.insert("x-rate-limit-limit", "10".parse().unwrap());
                headers.insert("x-rate-limit-remaining", "0".parse().unwrap());
                headers.insert("x-rate-limit-window", "60".parse().unwrap());
                response
            }
        }),
    );
    (serve(app).await, hits)
}

fn heavy() -> Request {
    Request::new(Method::GET, "heavyThing", "/heavy")
        .literal("/heavy")
        .rate_group("Heavy")
}

/// Finding 3: the group is held until the vendor's `Retry-After` (2 s), not
/// for the 60 s window; a call whose deadline comes first fails at once
/// with `RateLimited { retry_after }` and sends nothing.
#[tokio::test]
async fn a_group_hold_ends_at_retry_after_and_never_outlasts_a_deadline() {
    let (base, hits) = limited().await;
    let client = ClientBuilder::new("t", base)
        .rate_limit("Heavy", 10, Duration::from_secs(60))
        .no_retries()
        .build::<Value>()
        .unwrap();
    let err = client.send_empty::<Value>(heavy()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    // An unrelated call of the group with 1 s left: at once, nothing sent.
    let started = Instant::now();
    let err = client
        .send_empty::<Value>(heavy().timeout(Some(Duration::from_secs(1))))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::RateLimited {
            retry_after: Some(after),
            response: None,
            ..
        } => assert!(*after > Duration::from_secs(1) && *after <= Duration::from_secs(2)),
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // One with 3 s left waits out the 2 s and goes through.
    let started = Instant::now();
    client
        .send_empty::<Value>(heavy().timeout(Some(Duration::from_secs(3))))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "held {waited:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

/// Finding 3: the retry policy's total-time cap bounds a hold too.
#[tokio::test]
async fn the_retry_cap_bounds_a_hold() {
    let (base, hits) = limited().await;
    let client = ClientBuilder::new("t", base)
        .rate_limit("Heavy", 10, Duration::from_secs(60))
        .retry_policy(RetryPolicy {
            max_elapsed: Duration::from_millis(500),
            ..RetryPolicy::default()
        })
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    // The 429's 2 s Retry-After is past the 500 ms cap: not waited...
    let err = client.send_empty::<Value>(heavy()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                response: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    // ...and the group's hold is not waited by the next call either.
    let err = client.send_empty::<Value>(heavy()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { response: None, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

/// Every wait counts: a 503's backoff, then an attempt that would outlast
/// the deadline, end with the error at the deadline, not later.
#[tokio::test]
async fn retries_stop_at_the_deadline() {
    let app = Router::new().route(
        "/flaky",
        any(|| async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            (StatusCode::SERVICE_UNAVAILABLE, "{}")
        }),
    );
    let client = ClientBuilder::new("t", serve(app).await)
        .retry_policy(RetryPolicy {
            max_attempts: 100,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    let err = client
        .send_empty::<Value>(
            Request::new(Method::GET, "flaky", "/flaky")
                .literal("/flaky")
                .timeout(Some(Duration::from_millis(700))),
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, Error::Api(_) | Error::Timeout { .. }),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(1000), "{took:?}");
}
