//! Link-header paging over loopback: three pages, then the end; a link to
//! another origin is refused; a link that repeats is stopped.

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use dialtone_runtime::paginate::{Page, items, pages};
use dialtone_runtime::{Client, ClientBuilder, Error, Request};
use futures_util::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::{Value, json};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn walk(
    client: Client,
    first: Request,
) -> impl futures_core::Stream<Item = Result<Value, Error<Value>>> {
    pages(
        "listPeople",
        (client, first, None::<String>),
        |(client, request, link)| {
            Box::pin(async move {
                let sent = match &link {
                    Some(url) => request.clone().follow(url),
                    None => request.clone(),
                };
                let (page, next): (Value, _) = client.send_json_paged::<Value, Value>(sent).await?;
                let next = next.map(|url| (url.clone(), (client, request, Some(url))));
                Ok(Page { page, next })
            })
        },
    )
}

#[tokio::test]
async fn three_pages_then_the_end() {
    let app = Router::new().route(
        "/v1/people",
        get(|uri: Uri, headers: HeaderMap| async move {
            let base = format!("http://{}", headers.get("host").unwrap().to_str().unwrap());
            let cursor = uri
                .query()
                .unwrap_or("")
                .split('&')
                .find_map(|pair| pair.strip_prefix("cursor="))
                .map(str::to_owned);
            let (items, next) = match cursor.as_deref() {
                None => (json!(["a", "b"]), Some("c2")),
                Some("c2") => (json!(["c"]), Some("c3")),
                _ => (json!(["d"]), None),
            };
            let mut response = axum::Json(json!({"items": items})).into_response();
            if let Some(next) = next {
                let link = format!("<{base}/v1/people?max=2&cursor={next}>; rel=\"next\"");
                response.headers_mut().insert("link", link.parse().unwrap());
            }
            response
        }),
    );
    let base = serve(app).await;
    let client = ClientBuilder::new("t", format!("{base}/v1"))
        .build::<Value>()
        .unwrap();
    let first = Request::new(Method::GET, "listPeople", "/people")
        .literal("/people")
        .query("max", 2);
    let got: Vec<Value> = items(walk(client, first), |page: Value| {
        page["items"].as_array().cloned().unwrap_or_default()
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(got, [json!("a"), json!("b"), json!("c"), json!("d")]);
}

#[tokio::test]
async fn links_to_another_origin_or_back_are_refused() {
    let app = Router::new()
        .route(
            "/v1/away",
            get(|| async {
                let mut response = axum::Json(json!({})).into_response();
                response.headers_mut().insert(
                    "link",
                    "<http://198.51.100.7/steal>; rel=\"next\"".parse().unwrap(),
                );
                response
            }),
        )
        .route(
            "/v1/again",
            get(|headers: HeaderMap| async move {
                let base = format!("http://{}", headers.get("host").unwrap().to_str().unwrap());
                let mut response = axum::Json(json!({})).into_response();
                let link = format!("<{base}/v1/again?cursor=same>; rel=\"next\"");
                response.headers_mut().insert("link", link.parse().unwrap());
                response
            }),
        );
    let base = serve(app).await;
    let client = ClientBuilder::new("t", format!("{base}/v1"))
        .build::<Value>()
        .unwrap();

    let away = Request::new(Method::GET, "away", "/away").literal("/away");
    let results: Vec<_> = walk(client.clone(), away).collect().await;
    assert!(results[0].is_ok());
    match &results[1] {
        Err(Error::Pagination { message, .. }) => {
            assert!(message.contains("leaves the API's origin"), "{message}")
        }
        other => panic!("{other:?}"),
    }

    let again = Request::new(Method::GET, "again", "/again").literal("/again");
    let results: Vec<_> = walk(client, again).collect().await;
    assert_eq!(results.len(), 3, "page, page, then the repeat is stopped");
    assert!(matches!(results[2], Err(Error::Pagination { .. })));
}
