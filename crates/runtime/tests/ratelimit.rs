//! A burst through the client-side rate limiter stays within the group's
//! limit, as the server sees it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use dialtone_runtime::{ClientBuilder, Request};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn a_burst_waits_instead_of_exceeding_the_limit() {
    let seen: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/presence",
        get(move || {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(Instant::now());
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let window = Duration::from_millis(500);
    let client = ClientBuilder::new("t", format!("http://{addr}"))
        .rate_limit("Heavy", 5, window)
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let request = Request::new(Method::GET, "readAccountPresence", "/presence")
                    .literal("/presence")
                    .rate_group("Heavy");
                client.send_empty::<Value>(request).await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let mut times = seen.lock().unwrap().clone();
    times.sort();
    assert_eq!(times.len(), 12);
    // In any window, at most 5 requests reached the server (a little slack
    // for the time between the client's count and the server's clock).
    let slack = Duration::from_millis(30);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) + slack < window)
            .count();
        assert!(
            in_window <= 5,
            "{in_window} requests within {window:?} starting at #{i}"
        );
    }
    // 12 requests at 5 per window need at least two full windows.
    assert!(elapsed >= 2 * window, "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // Opting out sends the burst at once.
    let free = ClientBuilder::new("t", format!("http://{addr}"))
        .rate_limit("Heavy", 5, window)
        .no_rate_limit()
        .build::<Value>()
        .unwrap();
    let started = Instant::now();
    for _ in 0..8 {
        let request = Request::new(Method::GET, "op", "/presence")
            .literal("/presence")
            .rate_group("Heavy");
        free.send_empty::<Value>(request).await.unwrap();
    }
    assert!(started.elapsed() < window, "{:?}", started.elapsed());
}
