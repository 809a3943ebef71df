//! Form bodies on the wire, as OpenAPI encodes them: exploded arrays repeat
//! the key (`k=a&k=b`), brackets only where the `encoding` asks for
//! `deepObject`, JSON text where it says `contentType: application/json`.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use dialtone_runtime::{ClientBuilder, QueryStyle, Request};
use reqwest::Method;
use serde_json::{Value, json};

async fn echo() -> String {
    let app = Router::new().route(
        "/Calls.json",
        post(|headers: HeaderMap, body: String| async move {
            let media = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            axum::Json(json!({"media": media, "body": body}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn sent(body: &Value, styles: &[(&str, QueryStyle)]) -> String {
    let base = echo().await;
    let client = ClientBuilder::new("test", &base).build::<Value>().unwrap();
    let request = Request::new(Method::POST, "createCall", "/Calls.json")
        .literal("/Calls.json")
        .form_styled(body, styles);
    let echoed: Value = client.send_json::<Value, Value>(request).await.unwrap();
    assert_eq!(echoed["media"], "application/x-www-form-urlencoded");
    echoed["body"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn exploded_arrays_repeat_the_key() {
    let body = json!({
        "To": "+15550100",
        "StatusCallbackEvent": ["initiated", "answered"],
        "Record": true,
        "Unset": null
    });
    assert_eq!(
        sent(&body, &[]).await,
        "To=%2B15550100&StatusCallbackEvent=initiated&StatusCallbackEvent=answered&Record=true"
    );
}

#[tokio::test]
async fn encoding_styles_apply_per_property() {
    let body = json!({
        "Metadata": {"order": "17", "lane": "b"},
        "Tags": ["a", "b"],
        "Codes": ["x", "y"],
        "Blocks": [{"type": "section"}],
        "Events": ["x", "y"]
    });
    let styles = [
        ("Metadata", QueryStyle::DeepObject),
        ("Tags", QueryStyle::PipeDelimited),
        ("Codes", QueryStyle::FormFlat),
        ("Blocks", QueryStyle::Json),
    ];
    assert_eq!(
        sent(&body, &styles).await,
        "Metadata%5Border%5D=17&Metadata%5Blane%5D=b&Tags=a%7Cb&Codes=x%2Cy\
         &Blocks=%5B%7B%22type%22%3A%22section%22%7D%5D&Events=x&Events=y"
    );
}
