//! Bodies and parameters of every kind over a loopback server: what
//! arrives on the wire for multipart, nested forms, raw bytes, text,
//! vendor JSON media types, cookies and serde-encoded parameters, and how
//! byte, text and status-dependent responses come back.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{get, post};
use dialtone_runtime::{Client, ClientBuilder, Part, QueryStyle, Request};
use reqwest::Method;
use serde_json::{Value, json};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Answers with what it received: query, content type, cookie and body.
fn echo() -> Router {
    Router::new()
        .route(
            "/echo",
            post(|uri: Uri, headers: HeaderMap, body: Bytes| async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                axum::Json(json!({
                    "query": uri.query().unwrap_or(""),
                    "content_type": header("content-type"),
                    "cookie": header("cookie"),
                    "body": String::from_utf8_lossy(&body),
                }))
            }),
        )
        .route(
            "/download",
            get(|| async { (StatusCode::OK, Bytes::from_static(b"\x00\x01\xffPNG")) }),
        )
        .route("/text", get(|| async { "a,b\n1,2\n" }))
        .route(
            "/job",
            get(|uri: Uri| async move {
                if uri.query().is_some_and(|q| q.starts_with("ready")) {
                    (StatusCode::OK, axum::Json(json!({"id": "r1"})))
                } else {
                    (StatusCode::ACCEPTED, axum::Json(json!({"queue": "q7"})))
                }
            }),
        )
}

async fn client() -> Client {
    let base = serve(echo()).await;
    ClientBuilder::new("test", base).build::<Value>().unwrap()
}

fn post_echo() -> Request {
    Request::new(Method::POST, "echo", "/echo").literal("/echo")
}

#[tokio::test]
async fn multipart_parts_arrive_framed_with_files_and_json() {
    let client = client().await;
    let mut parts = vec![Part::file("file", b"\x00bin\xff".to_vec()).with_file_name("a.bin")];
    parts.extend(Part::value("note", "hello").unwrap());
    parts.extend(Part::value("meta", &json!({"k": [1, 2]})).unwrap());
    let got: Value = client
        .send_json::<Value, Value>(post_echo().multipart(&parts))
        .await
        .unwrap();
    let content_type = got["content_type"].as_str().unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect(content_type);
    let body = got["body"].as_str().unwrap();
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(body.contains(
        "name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ));
    assert!(body.contains("name=\"note\"\r\n\r\nhello\r\n"));
    assert!(
        body.contains("name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":[1,2]}\r\n")
    );
    assert!(body.ends_with(&format!("--{boundary}--\r\n")));
}

#[tokio::test]
async fn forms_explode_and_raw_bodies_keep_their_media_type() {
    let client = client().await;
    let form = json!({"To": "+1555", "MediaUrl": ["a", "b"], "meta": {"k": "v w"}, "gone": null});
    let got: Value = client
        .send_json::<Value, Value>(post_echo().form(&form))
        .await
        .unwrap();
    assert_eq!(got["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(got["body"], "To=%2B1555&MediaUrl=a&MediaUrl=b&k=v+w");

    let got: Value = client
        .send_json::<Value, Value>(
            post_echo()
                .content_type("image/png")
                .bytes(b"\x89PNG".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(got["content_type"], "image/png");

    let got: Value = client
        .send_json::<Value, Value>(post_echo().text("plain words"))
        .await
        .unwrap();
    assert_eq!(got["content_type"], "text/plain; charset=utf-8");
    assert_eq!(got["body"], "plain words");

    let got: Value = client
        .send_json::<Value, Value>(
            post_echo()
                .json(&json!({"a": 1}))
                .content_type("application/vnd.relay.job+json"),
        )
        .await
        .unwrap();
    assert_eq!(got["content_type"], "application/vnd.relay.job+json");
    assert_eq!(got["body"], "{\"a\":1}");
}

#[tokio::test]
async fn cookies_and_styled_parameters_are_encoded_per_the_spec() {
    let client = client().await;
    let request = post_echo()
        .cookie("d", "tok en;=")
        .cookie("d-s", 5)
        .query_value(
            "created",
            &json!({"gte": 1, "lt": 9}),
            QueryStyle::DeepObject,
        )
        .query_value("ids", &json!([1, 2, 3]), QueryStyle::PipeDelimited)
        .query_value("filter", &json!({"a": "x"}), QueryStyle::Form)
        .query_json("fields", &json!({"include": ["x"]}));
    let got: Value = client.send_json::<Value, Value>(request).await.unwrap();
    assert_eq!(got["cookie"], "d=tok%20en%3B%3D; d-s=5");
    assert_eq!(
        got["query"],
        "created%5Bgte%5D=1&created%5Blt%5D=9&ids=1%7C2%7C3&a=x&fields=%7B%22include%22%3A%5B%22x%22%5D%7D"
    );
}

#[tokio::test]
async fn bytes_text_and_status_dependent_answers() {
    let client = client().await;
    let bytes = client
        .send_bytes::<Value>(
            Request::new(Method::GET, "download", "/download").literal("/download"),
        )
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"\x00\x01\xffPNG");
    let text = client
        .send_text::<Value>(Request::new(Method::GET, "text", "/text").literal("/text"))
        .await
        .unwrap();
    assert_eq!(text, "a,b\n1,2\n");
    // A body that is not UTF-8 is a decode error, not a panic.
    let err = client
        .send_text::<Value>(Request::new(Method::GET, "download", "/download").literal("/download"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, dialtone_runtime::Error::Decode { .. }),
        "{err}"
    );

    for (query, status, key) in [("ready", 200, "id"), ("later", 202, "queue")] {
        let response = client
            .execute::<Value>(
                Request::new(Method::GET, "job", "/job")
                    .literal("/job")
                    .query(query, ""),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        let body: Value = response.json::<Value, Value>().unwrap();
        assert!(body.get(key).is_some(), "{body}");
    }
}
