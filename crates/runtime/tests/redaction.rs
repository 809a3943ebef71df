//! A canary credential, used every way a credential is used, never shows up
//! in logs (every level, every crate), `Debug` or `Display`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, put};
use dialtone_runtime::tokens::{TokenCall, TokenExchange};
use dialtone_runtime::{
    ClientBuilder, Placement, QueryToken, RefreshingToken, Request, RetryPolicy,
};
use reqwest::Method;
use serde_json::{Value, json};

const CANARY: &str = "canary-5e1f0c2b";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_canary_never_appears() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A server that echoes credentials back in bodies, as Kazoo does.
    let app = Router::new()
        .route(
            "/login",
            put(|| async { axum::Json(json!({"auth_token": format!("{CANARY}-token")})) }),
        )
        .route(
            "/thing",
            any(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"auth_token": CANARY, "password": CANARY, "message": "bad"})),
                )
            }),
        )
        .route(
            "/garbled",
            any(|| async { (StatusCode::OK, format!("not json {CANARY}")) }),
        )
        .route(
            "/form",
            any(|| async {
                (
                    StatusCode::BAD_GATEWAY,
                    format!("upstream said access_token={CANARY}&x=1"),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = format!("http://{addr}");

    let mut shown = Vec::new();
    // A query token.
    let query = ClientBuilder::new("t", base.clone())
        .auth(QueryToken::new("access_token", CANARY))
        .retry_policy(RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    shown.push(format!("{query:?}"));
    let err = query
        .send_json::<Value, Value>(
            Request::new(Method::GET, "getThing", "/thing").literal("/thing"),
        )
        .await
        .unwrap_err();
    shown.push(format!("{err} {err:?}"));
    // A login with the canary as password, and a token derived from it.
    let login = TokenExchange::new(
        TokenCall {
            operation: "login",
            method: Method::PUT,
            path: "/login",
            rate_group: None,
        },
        json!({"data": {"password": CANARY}}),
        "/auth_token",
    );
    let exchanged = ClientBuilder::new("t", base.clone())
        .auth(RefreshingToken::new(
            login,
            Placement::header("x-auth-token"),
        ))
        .retry_policy(RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    shown.push(format!("{exchanged:?}"));
    let err = exchanged
        .send_json::<Value, Value>(
            Request::new(Method::GET, "getThing", "/thing").literal("/thing"),
        )
        .await
        .unwrap_err();
    shown.push(format!("{err} {err:?}"));
    // A body that does not decode.
    let err = exchanged
        .send_json::<Value, Value>(
            Request::new(Method::GET, "garbled", "/garbled").literal("/garbled"),
        )
        .await
        .unwrap_err();
    let decode = format!("{err} {err:?}");
    assert!(decode.contains("could not decode"), "{decode}");
    // Not JSON, and under no key: masked all the same, as a credential the
    // client knows (its login password).
    shown.push(decode);

    // A form-encoded error body.
    let err = exchanged
        .send_json::<Value, Value>(Request::new(Method::POST, "form", "/form").literal("/form"))
        .await
        .unwrap_err();
    shown.push(format!("{err} {err:?}"));

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("dialtone.call"), "calls are traced:\n{logs}");
    assert!(logs.contains("operation=\"getThing\""), "{logs}");
    assert!(
        !logs.contains(CANARY),
        "the canary leaked into the logs:\n{logs}"
    );
    for text in shown {
        assert!(!text.contains(CANARY), "the canary leaked: {text}");
    }
}
