//! Token lifecycles over loopback: single-flight refresh, renewal after a
//! rejection and before expiry, rotated refresh tokens, in-body token errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, post, put};
use dialtone_runtime::tokens::{Grant, OAuth2, TokenCall, TokenExchange};
use dialtone_runtime::{ClientBuilder, Error, Placement, RefreshingToken, Request, RetryPolicy};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Default)]
struct Server {
    logins: AtomicU32,
    refreshes: AtomicU32,
    calls: AtomicU32,
    /// Tokens issued so far; only the newest is accepted.
    issued: std::sync::Mutex<Vec<String>>,
    refresh_seen: std::sync::Mutex<Vec<String>>,
}

impl Server {
    fn issue(&self) -> String {
        let mut issued = self.issued.lock().unwrap();
        let token = format!("token-{}", issued.len() + 1);
        issued.push(token.clone());
        token
    }

    fn current(&self) -> Option<String> {
        self.issued.lock().unwrap().last().cloned()
    }
}

async fn start(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A Kazoo-like API: PUT /api_auth issues tokens (lifetime `lifetime`
/// seconds); GET /thing wants the newest one in X-Auth-Token.
async fn kazoo_like(lifetime: u64, delay: Duration) -> (String, Arc<Server>) {
    let state = Arc::new(Server::default());
    let app = Router::new()
        .route(
            "/api_auth",
            put(move |State(s): State<Arc<Server>>| async move {
                s.logins.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                (
                    StatusCode::CREATED,
                    axum::Json(
                        json!({"auth_token": s.issue(), "expires": lifetime, "status": "success"}),
                    ),
                )
            }),
        )
        .route(
            "/thing",
            any(
                |State(s): State<Arc<Server>>, headers: HeaderMap| async move {
                    s.calls.fetch_add(1, Ordering::SeqCst);
                    let sent = headers
                        .get("x-auth-token")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    if sent.is_some() && sent == s.current() {
                        (StatusCode::OK, axum::Json(json!({"ok": true}))).into_response()
                    } else {
                        (
                            StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"error": "401", "message": "invalid_credentials"})),
                        )
                            .into_response()
                    }
                },
            ),
        )
        .with_state(state.clone());
    (start(app).await, state)
}

fn api_key_login() -> TokenExchange {
    TokenExchange::new(
        TokenCall {
            operation: "createApiAuth",
            method: Method::PUT,
            path: "/api_auth",
            rate_group: None,
        },
        json!({"data": {"api_key": "canary-api-key"}}),
        "/auth_token",
    )
    .expires_in_at("/expires")
}

fn thing() -> Request {
    Request::new(Method::GET, "getThing", "/thing").literal("/thing")
}

#[tokio::test]
async fn a_hundred_concurrent_calls_cause_one_login() {
    let (base, server) = kazoo_like(3600, Duration::from_millis(100)).await;
    let client = ClientBuilder::new("t", base)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json::<Value, Value>(thing()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    assert_eq!(server.calls.load(Ordering::SeqCst), 100);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_and_the_call_retried() {
    let (base, server) = kazoo_like(3600, Duration::ZERO).await;
    let client = ClientBuilder::new("t", base)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    // The server forgets the token (it expired early).
    server.issue();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        3,
        "one call, one rejected, one retried"
    );
}

#[tokio::test]
async fn a_rejection_that_persists_is_unauthorized_after_one_renewal() {
    let state = Arc::new(Server::default());
    let app = Router::new()
        .route(
            "/api_auth",
            put(|State(s): State<Arc<Server>>| async move {
                s.logins.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"auth_token": "never-accepted"}))
            }),
        )
        .route(
            "/thing",
            any(|State(s): State<Arc<Server>>| async move {
                s.calls.fetch_add(1, Ordering::SeqCst);
                (StatusCode::UNAUTHORIZED, "{}")
            }),
        )
        .with_state(state.clone());
    let client = ClientBuilder::new("t", start(app).await)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    let err = client.send_json::<Value, Value>(thing()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(state.logins.load(Ordering::SeqCst), 2);
    assert_eq!(state.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    // A one-second token is renewed a tenth of its life before it expires.
    let (base, server) = kazoo_like(1, Duration::ZERO).await;
    let provider = RefreshingToken::new(api_key_login(), Placement::header("x-auth-token"));
    let client = ClientBuilder::new("t", base)
        .auth(provider)
        .build::<Value>()
        .unwrap();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    assert_eq!(server.logins.load(Ordering::SeqCst), 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(950)).await;
    client.send_json::<Value, Value>(thing()).await.unwrap();
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        2,
        "renewed within the margin"
    );
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        3,
        "no call was rejected"
    );
}

#[tokio::test]
async fn a_failing_login_is_an_auth_error_without_the_credential() {
    let app = Router::new().route(
        "/api_auth",
        put(|| async {
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"message": "invalid_credentials"})),
            )
        }),
    );
    let client = ClientBuilder::new("t", start(app).await)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    let err = client.send_json::<Value, Value>(thing()).await.unwrap_err();
    match &err {
        Error::Auth {
            operation,
            message,
            source: Some(source),
        } => {
            assert_eq!(*operation, "getThing");
            assert_eq!(message, "createApiAuth failed");
            // The token operation's own error, typed.
            assert_eq!(source.status(), Some(401));
            assert_eq!(source.body().unwrap()["message"], "invalid_credentials");
            assert!(
                err.to_string()
                    .contains("createApiAuth failed with HTTP 401"),
                "{err}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("canary-api-key"));
}

/// A RingCentral-like OAuth server: password grant, then refresh grants
/// that rotate the refresh token; /thing wants the newest access token.
#[tokio::test]
async fn oauth_refresh_keeps_the_rotated_refresh_token() {
    let state = Arc::new(Server::default());
    let app = Router::new()
        .route(
            "/restapi/oauth/token",
            post(|State(s): State<Arc<Server>>, headers: HeaderMap, body: String| async move {
                assert_eq!(
                    headers.get("authorization").unwrap(),
                    "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ=",
                    "client id and secret as HTTP Basic"
                );
                let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                match get("grant_type").as_deref() {
                    Some("password") => {
                        assert_eq!(get("username").as_deref(), Some("+16505550100"));
                        s.logins.fetch_add(1, Ordering::SeqCst);
                    }
                    Some("refresh_token") => {
                        s.refresh_seen.lock().unwrap().push(get("refresh_token").unwrap());
                        s.refreshes.fetch_add(1, Ordering::SeqCst);
                    }
                    other => panic!("unexpected grant {other:?}"),
                }
                let access = s.issue();
                let n = s.issued.lock().unwrap().len();
                axum::Json(json!({"access_token": access, "token_type": "bearer", "expires_in": 3600, "refresh_token": format!("refresh-{n}")}))
            }),
        )
        .route(
            "/thing",
            any(|State(s): State<Arc<Server>>, headers: HeaderMap, _uri: Uri| async move {
                let sent = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                if sent == s.current().map(|t| format!("Bearer {t}")) {
                    (StatusCode::OK, "{}").into_response()
                } else {
                    (StatusCode::UNAUTHORIZED, "{}").into_response()
                }
            }),
        )
        .with_state(state.clone());
    let oauth = OAuth2::new(
        "/restapi/oauth/token",
        "client-id",
        "client-secret",
        Grant::Password {
            username: "+16505550100".into(),
            password: "canary-pw".into(),
            extension: None,
        },
    );
    let client = ClientBuilder::new("t", start(app).await)
        .auth(RefreshingToken::new(oauth, Placement::Bearer))
        .retry_policy(RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    client.send_empty::<Value>(thing()).await.unwrap();
    state.issue(); // the access token is revoked server-side
    client.send_empty::<Value>(thing()).await.unwrap();
    state.issue();
    client.send_empty::<Value>(thing()).await.unwrap();
    assert_eq!(state.logins.load(Ordering::SeqCst), 1);
    assert_eq!(state.refreshes.load(Ordering::SeqCst), 2);
    // Each refresh used the refresh token of the answer before it.
    assert_eq!(
        *state.refresh_seen.lock().unwrap(),
        ["refresh-1", "refresh-3"]
    );
}

/// A Yeastar-like API: errors as HTTP 200 with errcode; an expired token
/// is reported in the body and triggers one refresh.
#[tokio::test]
async fn in_body_token_errors_trigger_one_refresh() {
    let state = Arc::new(Server::default());
    let app = Router::new()
        .route("/get_token", post(|State(s): State<Arc<Server>>| async move {
            s.logins.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": s.issue(), "access_token_expire_time": 1800, "refresh_token": "r1", "refresh_token_expire_time": 86400}))
        }))
        .route("/refresh_token", post(|State(s): State<Arc<Server>>, body: String| async move {
            assert!(body.contains("\"refresh_token\":\"r1\""), "{body}");
            s.refreshes.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": s.issue(), "access_token_expire_time": 1800, "refresh_token": "r2", "refresh_token_expire_time": 86400}))
        }))
        .route("/thing", any(|State(s): State<Arc<Server>>, uri: Uri| async move {
            let query = uri.query().unwrap_or("");
            if Some(format!("access_token={}", s.current().unwrap_or_default())).as_deref() == Some(query) {
                axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS"}))
            } else {
                axum::Json(json!({"errcode": 10004, "errmsg": "TOKEN EXPIRED"}))
            }
        }))
        .with_state(state.clone());
    let source = TokenExchange::new(
        TokenCall {
            operation: "getToken",
            method: Method::POST,
            path: "/get_token",
            rate_group: None,
        },
        json!({"username": "client-id", "password": "canary-secret"}),
        "/access_token",
    )
    .expires_in_at("/access_token_expire_time")
    .refresh_with(
        TokenCall {
            operation: "refreshToken",
            method: Method::POST,
            path: "/refresh_token",
            rate_group: None,
        },
        "refresh_token",
        "/refresh_token",
    );
    let client = ClientBuilder::new("t", start(app).await)
        .errcode("errcode", 0)
        .errcode_auth_messages(&["TOKEN EXPIRED", "TOKEN INVALID"])
        .auth(RefreshingToken::new(
            source,
            Placement::Query("access_token"),
        ))
        .build::<Value>()
        .unwrap();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    state.issue();
    client.send_json::<Value, Value>(thing()).await.unwrap();
    assert_eq!(state.logins.load(Ordering::SeqCst), 1);
    assert_eq!(state.refreshes.load(Ordering::SeqCst), 1);
}

/// Each grant sends its own form fields.
#[tokio::test]
async fn every_oauth_grant_sends_its_fields() {
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new()
        .route(
            "/restapi/oauth/token",
            post(move |body: String| {
                let record = record.clone();
                async move {
                    record.lock().unwrap().push(body);
                    axum::Json(
                        json!({"access_token": "a", "token_type": "bearer", "expires_in": 3600}),
                    )
                }
            }),
        )
        .route("/thing", any(|| async { "{}" }));
    let base = start(app).await;
    let grants = [
        Grant::JwtBearer {
            assertion: "jwt-canary".into(),
        },
        Grant::ClientCredentials,
        Grant::RefreshToken {
            refresh_token: "r0".into(),
        },
        Grant::Password {
            username: "u".into(),
            password: "p".into(),
            extension: Some("101".into()),
        },
    ];
    for grant in grants {
        let oauth = OAuth2::new("/restapi/oauth/token", "id", "secret", grant)
            .param("scope", "ReadPresence");
        let client = ClientBuilder::new("t", base.clone())
            .auth(RefreshingToken::new(oauth, Placement::Bearer))
            .build::<Value>()
            .unwrap();
        client.send_empty::<Value>(thing()).await.unwrap();
    }
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=jwt-canary&scope=ReadPresence",
            "grant_type=client_credentials&scope=ReadPresence",
            "grant_type=refresh_token&refresh_token=r0&scope=ReadPresence",
            "grant_type=password&username=u&password=p&extension=101&scope=ReadPresence",
        ]
    );
}

/// Calls that wait for a login that the vendor refuses fail with it: one
/// token request, not one per waiting call.
#[tokio::test]
async fn waiters_of_a_refused_login_fail_with_it() {
    let logins = Arc::new(AtomicU32::new(0));
    let counter = logins.clone();
    let app = Router::new()
        .route(
            "/api_auth",
            put(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(json!({"message": "invalid_credentials"})),
                    )
                }
            }),
        )
        .route("/thing", any(|| async { "{}" }));
    let client = ClientBuilder::new("t", start(app).await)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json::<Value, Value>(thing()).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("canary-api-key"));
    }
    assert_eq!(logins.load(Ordering::SeqCst), 1);
}

/// A call that runs out of time while logging in does not fail the calls
/// waiting for that login: they log in themselves, within their own time.
#[tokio::test]
async fn a_short_deadline_does_not_fail_the_waiters() {
    let (base, server) = kazoo_like(3600, Duration::from_millis(300)).await;
    let client = ClientBuilder::new("t", base)
        .auth(RefreshingToken::new(
            api_key_login(),
            Placement::header("x-auth-token"),
        ))
        .build::<Value>()
        .unwrap();
    let hasty = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_json::<Value, Value>(thing().timeout(Some(Duration::from_millis(100))))
                .await
        })
    };
    // The hasty call's login is at the server before the patient call asks.
    for _ in 0..500 {
        if server.logins.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    let patient = {
        let client = client.clone();
        tokio::spawn(async move { client.send_json::<Value, Value>(thing()).await })
    };
    let err = hasty.await.unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Timeout { .. } | Error::Auth { .. }),
        "{err:?}"
    );
    patient.await.unwrap().unwrap();
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
}
