//! `revoke_auth` revokes with the vendor, then forgets (issue 12, finding
//! 4): against a Yeastar-like PBX that holds at most 8 live tokens per
//! application and revokes with `GET /del_token?access_token=...`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::{get, post};
use dialtone_runtime::tokens::{TokenCall, TokenExchange};
use dialtone_runtime::{ClientBuilder, Error, Placement, QueryToken, RefreshingToken, Request};
use reqwest::Method;
use serde_json::{Value, json};

const CAP: usize = 8;

#[derive(Default)]
struct Pbx {
    live: Mutex<BTreeSet<String>>,
    issued: AtomicU32,
    revoked: AtomicU32,
}

/// The `access_token` query parameter.
fn token_of(uri: &Uri) -> String {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn get_token(State(pbx): State<Arc<Pbx>>) -> axum::Json<Value> {
    let mut live = pbx.live.lock().unwrap();
    if live.len() >= CAP {
        return axum::Json(json!({"errcode": 10005, "errmsg": "TOO MANY TOKENS"}));
    }
    let token = format!("token-{}", pbx.issued.fetch_add(1, Ordering::SeqCst) + 1);
    live.insert(token.clone());
    axum::Json(
        json!({"errcode": 0, "errmsg": "SUCCESS", "access_token": token, "access_token_expire_time": 1800}),
    )
}

async fn del_token(State(pbx): State<Arc<Pbx>>, uri: Uri) -> axum::Json<Value> {
    let token = token_of(&uri);
    if pbx.live.lock().unwrap().remove(&token) {
        pbx.revoked.fetch_add(1, Ordering::SeqCst);
        axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS"}))
    } else {
        axum::Json(json!({"errcode": 10004, "errmsg": "TOKEN INVALID"}))
    }
}

async fn list(State(pbx): State<Arc<Pbx>>, uri: Uri) -> axum::Json<Value> {
    let token = token_of(&uri);
    if pbx.live.lock().unwrap().contains(&token) {
        axum::Json(json!({"errcode": 0, "errmsg": "SUCCESS", "data": []}))
    } else {
        axum::Json(json!({"errcode": 10004, "errmsg": "TOKEN INVALID"}))
    }
}

async fn pbx() -> (String, Arc<Pbx>) {
    let pbx = Arc::new(Pbx::default());
    let app = Router::new()
        .route("/get_token", post(get_token))
        .route("/del_token", get(del_token))
        .route("/list", get(list))
        .with_state(pbx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), pbx)
}

fn del_token_call() -> TokenCall {
    TokenCall {
        operation: "revokeToken",
        method: Method::GET,
        path: "/del_token",
        rate_group: None,
    }
}

fn login() -> TokenExchange {
    TokenExchange::new(
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
    .revoke_with(del_token_call())
}

fn list_request() -> Request {
    Request::new(Method::GET, "listExtensionGroups", "/list").literal("/list")
}

fn client(base: &str, auth: impl dialtone_runtime::Authenticate) -> dialtone_runtime::Client {
    ClientBuilder::new("yeastar", base.to_owned())
        .errcode("errcode", 0)
        .errcode_message("errmsg")
        .errcode_auth_messages(&["TOKEN EXPIRED", "TOKEN INVALID"])
        .auth(auth)
        .build::<Value>()
        .unwrap()
}

/// Nine revoke-then-call rounds: each revocation reaches the PBX, which
/// never holds more than one live token, and every call succeeds.
#[tokio::test]
async fn nine_revoke_then_call_rounds_never_exhaust_the_token_cap() {
    let (base, pbx) = pbx().await;
    let client = client(
        &base,
        RefreshingToken::new(login(), Placement::Query("access_token")),
    );
    // Nothing obtained yet: nothing to revoke, nothing sent.
    client.revoke_auth::<Value>().await.unwrap();
    assert_eq!(pbx.issued.load(Ordering::SeqCst), 0);
    for round in 1..=9 {
        client
            .send_json::<Value, Value>(list_request())
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        client.revoke_auth::<Value>().await.unwrap();
        assert!(pbx.live.lock().unwrap().is_empty(), "round {round}");
    }
    assert_eq!(pbx.issued.load(Ordering::SeqCst), 9);
    assert_eq!(pbx.revoked.load(Ordering::SeqCst), 9);
    // Revoking twice revokes once.
    client.revoke_auth::<Value>().await.unwrap();
    assert_eq!(pbx.revoked.load(Ordering::SeqCst), 9);
}

/// A token the user set is revoked with the same call; the client has no
/// credential afterwards, and says so without sending anything.
#[tokio::test]
async fn a_static_token_is_revoked_and_then_refused_locally() {
    let (base, pbx) = pbx().await;
    pbx.live.lock().unwrap().insert("static-token".to_owned());
    let client = client(
        &base,
        QueryToken::new("access_token", "static-token").revoke_with(del_token_call()),
    );
    client
        .send_json::<Value, Value>(list_request())
        .await
        .unwrap();
    client.revoke_auth::<Value>().await.unwrap();
    assert!(pbx.live.lock().unwrap().is_empty());
    let err = client
        .send_json::<Value, Value>(list_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { source: None, .. }), "{err:?}");
}

/// A revocation the vendor refuses is reported with its errcode, and the
/// credential is forgotten all the same.
#[tokio::test]
async fn a_refused_revocation_is_a_typed_error() {
    let (base, pbx) = pbx().await;
    let client = client(
        &base,
        RefreshingToken::new(login(), Placement::Query("access_token")),
    );
    client
        .send_json::<Value, Value>(list_request())
        .await
        .unwrap();
    // The PBX forgets the token before the client revokes it.
    pbx.live.lock().unwrap().clear();
    let err = client.revoke_auth::<Value>().await.unwrap_err();
    match &err {
        Error::Auth {
            source: Some(source),
            ..
        } => {
            let api = source.api().expect("the vendor's answer");
            assert_eq!(api.in_body.as_ref().map(|e| e.code), Some(10004));
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("errcode 10004 (TOKEN INVALID)"), "{shown}");
    assert!(!shown.contains("HTTP 200"), "{shown}");
    // The next call logs in again.
    client
        .send_json::<Value, Value>(list_request())
        .await
        .unwrap();
    assert_eq!(pbx.issued.load(Ordering::SeqCst), 2);
}
