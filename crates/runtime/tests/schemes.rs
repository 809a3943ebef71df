//! Credentials per security scheme over loopback: each kind a spec can
//! declare (HTTP Basic and Bearer, API keys in a header, the query or a
//! cookie) reaches the wire on the operations whose `security`
//! requirement names it, alternatives are tried in order, an empty
//! alternative makes credentials optional, and an operation of a spec with
//! no requirement carries every configured credential.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::routing::any;
use dialtone_runtime::{
    BasicAuth, BearerToken, Client, ClientBuilder, CookieToken, HeaderToken, QueryToken, Request,
};
use reqwest::Method;
use serde_json::{Value, json};

/// What one request carried.
#[derive(Debug, Clone, Default)]
struct Seen {
    authorization: Option<String>,
    api_key: Option<String>,
    /// How many `x-api-key` headers came (a credential put on twice
    /// would show here).
    api_keys: usize,
    cookie: Option<String>,
    query: Option<String>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn start() -> (String, Log) {
    let log: Log = Arc::default();
    let app = Router::new()
        .route(
            "/thing",
            any(
                |State(log): State<Log>, headers: HeaderMap, uri: Uri| async move {
                    let get = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    log.lock().unwrap().push(Seen {
                        authorization: get("authorization"),
                        api_key: get("x-api-key"),
                        api_keys: headers.get_all("x-api-key").iter().count(),
                        cookie: get("cookie"),
                        query: uri.query().map(str::to_owned),
                    });
                    axum::Json(json!({"ok": true}))
                },
            ),
        )
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), log)
}

async fn call(
    client: &Client,
    security: Option<&'static [&'static [&'static str]]>,
    log: &Log,
) -> Seen {
    let mut request = Request::new(Method::GET, "getThing", "/thing").literal("/thing");
    if let Some(security) = security {
        request = request.security(security);
    }
    let _: Value = client.send_json::<Value, Value>(request).await.unwrap();
    log.lock().unwrap().pop().unwrap()
}

/// Every kind configured, one scheme per requirement.
fn all_kinds(base: &str) -> Client {
    ClientBuilder::new("test", base)
        .scheme_auth("basic", BasicAuth::new("ann", "s3cret"))
        .scheme_auth("bearer", BearerToken::new("tok-bearer"))
        .scheme_auth("header", HeaderToken::new("x-api-key", "tok-header"))
        .scheme_auth("query", QueryToken::new("api_key", "tok-query"))
        .scheme_auth("cookie", CookieToken::new("session", "tok cookie"))
        .build::<Value>()
        .unwrap()
}

#[tokio::test]
async fn each_kind_reaches_the_wire_where_the_requirement_names_it() {
    let (base, log) = start().await;
    let client = all_kinds(&base);

    let seen = call(&client, Some(&[&["basic"]]), &log).await;
    // "ann:s3cret" in base64.
    assert_eq!(
        seen.authorization.as_deref(),
        Some("Basic YW5uOnMzY3JldA==")
    );
    assert_eq!((seen.api_key, seen.cookie, seen.query), (None, None, None));

    let seen = call(&client, Some(&[&["bearer"]]), &log).await;
    assert_eq!(seen.authorization.as_deref(), Some("Bearer tok-bearer"));
    assert_eq!((seen.api_key, seen.cookie, seen.query), (None, None, None));

    let seen = call(&client, Some(&[&["header"]]), &log).await;
    assert_eq!(seen.api_key.as_deref(), Some("tok-header"));
    assert_eq!(
        (seen.authorization, seen.cookie, seen.query),
        (None, None, None)
    );

    let seen = call(&client, Some(&[&["query"]]), &log).await;
    assert_eq!(seen.query.as_deref(), Some("api_key=tok-query"));
    assert_eq!(
        (seen.authorization, seen.api_key, seen.cookie),
        (None, None, None)
    );

    let seen = call(&client, Some(&[&["cookie"]]), &log).await;
    assert_eq!(seen.cookie.as_deref(), Some("session=tok%20cookie"));
    assert_eq!(
        (seen.authorization, seen.api_key, seen.query),
        (None, None, None)
    );
}

#[tokio::test]
async fn schemes_of_one_alternative_go_together() {
    let (base, log) = start().await;
    let client = all_kinds(&base);
    // The header credential is put on at once, the query's through
    // `authorize` with the others (the header again, replacing itself).
    let seen = call(&client, Some(&[&["header", "query", "cookie"]]), &log).await;
    assert_eq!(seen.api_key.as_deref(), Some("tok-header"));
    assert_eq!(seen.api_keys, 1);
    assert_eq!(seen.query.as_deref(), Some("api_key=tok-query"));
    assert_eq!(seen.cookie.as_deref(), Some("session=tok%20cookie"));
    assert_eq!(seen.authorization, None);
}

#[tokio::test]
async fn the_first_alternative_with_credentials_is_used() {
    let (base, log) = start().await;
    let client = ClientBuilder::new("test", &base)
        .scheme_auth("header", HeaderToken::new("x-api-key", "tok-header"))
        .build::<Value>()
        .unwrap();
    // `bearer` has no credential: the next alternative is used.
    let seen = call(&client, Some(&[&["bearer"], &["header"]]), &log).await;
    assert_eq!(seen.api_key.as_deref(), Some("tok-header"));
    assert_eq!(seen.authorization, None);
    // An alternative is used only whole: `bearer` is missing from the
    // first, so the second is sent.
    let seen = call(&client, Some(&[&["header", "bearer"], &["header"]]), &log).await;
    assert_eq!(seen.api_key.as_deref(), Some("tok-header"));
    // Nothing satisfies the requirement and no fallback: nothing sent.
    let seen = call(&client, Some(&[&["bearer"]]), &log).await;
    assert_eq!((seen.authorization, seen.api_key), (None, None));
}

#[tokio::test]
async fn an_empty_alternative_makes_credentials_optional() {
    let (base, log) = start().await;
    let client = ClientBuilder::new("test", &base)
        .scheme_auth("bearer", BearerToken::new("tok-bearer"))
        .auth(HeaderToken::new("x-api-key", "tok-fallback"))
        .build::<Value>()
        .unwrap();
    // Configured: sent.
    let seen = call(&client, Some(&[&["bearer"], &[]]), &log).await;
    assert_eq!(seen.authorization.as_deref(), Some("Bearer tok-bearer"));
    // Not configured, `{}` allowed: nothing, not even the fallback.
    let seen = call(&client, Some(&[&["basic"], &[]]), &log).await;
    assert_eq!((seen.authorization, seen.api_key), (None, None));
    // Not configured, no `{}`: the fallback provider.
    let seen = call(&client, Some(&[&["basic"]]), &log).await;
    assert_eq!(seen.api_key.as_deref(), Some("tok-fallback"));
    assert_eq!(seen.authorization, None);
}

#[tokio::test]
async fn without_a_requirement_every_configured_credential_is_sent() {
    let (base, log) = start().await;
    let client = ClientBuilder::new("test", &base)
        .scheme_auth("bearer", BearerToken::new("tok-bearer"))
        .scheme_auth("query", QueryToken::new("api_key", "tok-query"))
        .build::<Value>()
        .unwrap();
    let seen = call(&client, None, &log).await;
    assert_eq!(seen.authorization.as_deref(), Some("Bearer tok-bearer"));
    assert_eq!(seen.query.as_deref(), Some("api_key=tok-query"));
}

#[tokio::test]
async fn scheme_credentials_stay_out_of_debug() {
    let (base, _log) = start().await;
    let client = all_kinds(&base);
    let shown = format!("{client:?}");
    for secret in [
        "s3cret",
        "tok-bearer",
        "tok-header",
        "tok-query",
        "tok cookie",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("basic"), "{shown}");
}
