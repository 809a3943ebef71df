//! A canary credential, used every way a credential is used, never shows up
//! in logs (every level, every crate), `Debug` or `Display`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, put};
use dialtone_runtime::tokens::{TokenCall, TokenExchange};
use dialtone_runtime::{
    ClientBuilder, HeaderToken, Placement, QueryToken, RefreshingToken, Request, RetryPolicy,
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

    // A static token, echoed in a body that does not decode: masked as a
    // credential the client knows, whether the client decodes the answer
    // (`send_json`) or hands it over first (`execute`, then `json`).
    let fixed = ClientBuilder::new("t", base.clone())
        .auth(HeaderToken::new("x-auth-token", CANARY))
        .retry_policy(RetryPolicy::none())
        .build::<Value>()
        .unwrap();
    let garbled = || Request::new(Method::GET, "garbled", "/garbled").literal("/garbled");
    let err = fixed
        .send_json::<Value, Value>(garbled())
        .await
        .unwrap_err();
    let decode = format!("{err} {err:?}");
    assert!(decode.contains("could not decode"), "{decode}");
    shown.push(decode);
    let response = fixed.execute::<Value>(garbled()).await.unwrap();
    let err = response.json::<Value, Value>().unwrap_err();
    let decode = format!("{err} {err:?}");
    assert!(decode.contains("could not decode"), "{decode}");
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

/// A credential the client does not know, in bodies of every shape under
/// keys of every spelling, answered on every error path: never shown by
/// `Display`, `Debug` or the logs.
#[tokio::test]
async fn a_sweep_of_spellings_and_shapes_through_every_error_path() {
    const BODY_CANARY: &str = "canary-body-91d2";
    let keys = [
        "access_token",
        "accessToken",
        "AccessToken",
        "x-auth-token",
        "apiKey",
        "api_key",
        "X-API-KEY",
        "Authorization",
        "client_secret",
        "password",
        "passwd",
        "sessionId",
        "Set-Cookie",
        "assertion",
        "code_verifier",
        "refreshToken",
    ];
    let mut shapes = Vec::new();
    for key in keys {
        shapes.push(format!(r#"{{"{key}":"{BODY_CANARY}","message":"bad"}}"#));
        shapes.push(format!(r#"{{"errors":[{{"{key}":"{BODY_CANARY}"}}]}}"#));
        shapes.push(format!(r#"{{"{key}":"{BODY_CANARY}"#)); // truncated
        shapes.push(format!(
            r#"<html><pre>"{key}": "{BODY_CANARY}"</pre></html>"#
        ));
        shapes.push(format!("{key}={BODY_CANARY}&page=2"));
        shapes.push(format!("{key}: Bearer {BODY_CANARY}"));
    }
    let shapes = Arc::new(shapes);
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // `/{status}/{index}` answers shape `index` with `status`.
    let served = shapes.clone();
    let app = Router::new().route(
        "/{status}/{index}",
        any(
            move |axum::extract::Path((status, index)): axum::extract::Path<(u16, usize)>| {
                let served = served.clone();
                async move {
                    let mut response =
                        (StatusCode::from_u16(status).unwrap(), served[index].clone())
                            .into_response();
                    if status == 429 {
                        response
                            .headers_mut()
                            .insert("retry-after", "3600".parse().unwrap());
                    }
                    response
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // The token endpoint's errors go through the same paths.
    let login = |status: u16, index: usize| {
        TokenExchange::new(
            TokenCall {
                operation: "login",
                method: Method::POST,
                path: Box::leak(format!("/{status}/{index}").into_boxed_str()),
                rate_group: None,
            },
            json!({"password": "canary-known-password"}),
            "/token",
        )
    };

    let mut shown = Vec::new();
    // One connection pool for every client (building one is not free).
    let http = reqwest::Client::new();
    let client = ClientBuilder::new("t", format!("http://{addr}"))
        .errcode("errcode", 0)
        .retry_policy(RetryPolicy::none())
        .http_client(http.clone())
        .build::<Value>()
        .unwrap();
    for (index, _) in shapes.iter().enumerate() {
        for status in [200, 400, 401, 429, 502] {
            let path: &'static str = Box::leak(format!("/{status}/{index}").into_boxed_str());
            let request = Request::new(Method::GET, "op", path).literal(path);
            if let Err(err) = client.send_json::<Value, Value>(request).await {
                shown.push(format!("{err} {err:?}"));
            }
            // The same answer from a token endpoint: an auth error.
            let authed = ClientBuilder::new("t", format!("http://{addr}"))
                .retry_policy(RetryPolicy::none())
                .http_client(http.clone())
                .auth(RefreshingToken::new(
                    login(status, index),
                    Placement::header("x-auth-token"),
                ))
                .build::<Value>()
                .unwrap();
            let request = Request::new(Method::GET, "op", "/200/0").literal("/200/0");
            if let Err(err) = authed.send_json::<Value, Value>(request).await {
                shown.push(format!("{err} {err:?}"));
            }
        }
    }
    assert!(shown.len() > 300, "{} errors", shown.len());
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        !logs.contains(BODY_CANARY),
        "the canary leaked into the logs"
    );
    assert!(!logs.contains("canary-known-password"));
    for text in shown {
        assert!(!text.contains(BODY_CANARY), "the canary leaked: {text}");
        assert!(!text.contains("canary-known-password"), "{text}");
    }
}

/// Finding 5: `Debug` of the builder and the client shows no default header
/// value that may be a credential, and no user name or password of the
/// base URL.
#[test]
fn debug_masks_default_headers_and_url_userinfo() {
    let builder = ClientBuilder::new("t", "https://api-user:canary-url-pw@pbx.example.com/v1")
        .default_header("Authorization", "Bearer canary-header-1")
        .default_header("X-Api-Key", "canary-header-2")
        .default_header("Cookie", "session=canary-header-3")
        .default_header("X-Custom", "canary-header-4")
        .default_header("Accept-Language", "fr");
    let shown = format!("{builder:?}");
    let client = builder.build::<Value>().unwrap();
    let shown = format!("{shown} {client:?}");
    for canary in [
        "canary-url-pw",
        "api-user",
        "canary-header-1",
        "canary-header-2",
        "canary-header-3",
        "canary-header-4",
    ] {
        assert!(!shown.contains(canary), "{canary} leaked: {shown}");
    }
    assert!(shown.contains("pbx.example.com"), "{shown}");
    assert!(
        shown.contains("\"fr\""),
        "harmless headers stay readable: {shown}"
    );
    // A bad base URL's error does not show its password either.
    let err = ClientBuilder::new("t", "ftp://u:canary-url-pw@h/")
        .build::<Value>()
        .unwrap_err();
    assert!(!err.to_string().contains("canary-url-pw"), "{err}");
}
