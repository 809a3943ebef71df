//! Client overhead: `get_group` through the generated `dialtone-kazoo`
//! client (auth token, path-pattern checks, retry policy, rate limiter
//! and tracing as the builder sets them by default, envelope and typed
//! decoding) against the same request through a bare `reqwest::Client`
//! decoding into a plain struct, both against one minimal HTTP/1 server
//! on 127.0.0.1, at concurrency 1 and 64.
//!
//! ```text
//! cargo bench -p dialtone-benches --bench client
//! ```
//!
//! Criterion reports the time per request (`iter_custom`: N requests
//! spread over C tasks on a two-worker runtime); throughput is its
//! inverse. Compare the two clients within one run: the machine's load
//! moves both alike.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::Deserialize;

const ACCOUNT: &str = "6b71cb72c876b5b1396a335f8f8a2594";
const GROUP: &str = "1743724cd775bf6994380dbc79c1af09";
const TOKEN: &str = "bench-token-0123456789abcdef0123456789";
/// The server stops accepting after this many connections (the clients
/// pool theirs: a run opens at most 64 per client).
const MAX_CONNECTIONS: usize = 10_000;

const BODY: &str = r#"{"data":{"music_on_hold":{},"name":"Bench group","endpoints":{"df9274b450ea6795cdb381055c3f9b45":{"type":"user","weight":1},"dd03d7442a4bec5c092ea6a0e6d579ef":{"type":"device","weight":2}},"ui_metadata":{"ui":"kazoo-ui"},"id":"1743724cd775bf6994380dbc79c1af09"},"status":"success","request_id":"bench","revision":"1"}"#;

/// A server answering every request with [`BODY`], on a thread and
/// runtime of its own.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            for _ in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_request| async {
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(http_body_util::Full::new(bytes::Bytes::from_static(
                                    BODY.as_bytes(),
                                )))
                                .expect("a valid response"),
                        )
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    addr
}

/// What the bare client decodes: the same fields, plainly.
#[derive(Deserialize)]
struct Envelope {
    data: PlainGroup,
}

#[derive(Deserialize)]
#[allow(dead_code)] // Decoded, as the generated client decodes, then dropped.
struct PlainGroup {
    name: String,
    id: Option<String>,
    endpoints: std::collections::BTreeMap<String, PlainEndpoint>,
    music_on_hold: Option<serde_json::Value>,
    ui_metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainEndpoint {
    r#type: String,
    weight: Option<i64>,
}

#[derive(Clone)]
enum Target {
    Dialtone(dialtone_kazoo::Client),
    Bare(reqwest::Client, Arc<str>),
}

impl Target {
    async fn call(&self) {
        match self {
            Target::Dialtone(client) => {
                let group = client
                    .get_group(ACCOUNT, GROUP)
                    .send()
                    .await
                    .expect("the request succeeds");
                assert_eq!(group.name, "Bench group");
            }
            Target::Bare(client, url) => {
                let envelope: Envelope = client
                    .get(&**url)
                    .header("x-auth-token", TOKEN)
                    .send()
                    .await
                    .expect("the request succeeds")
                    .error_for_status()
                    .expect("a success")
                    .json()
                    .await
                    .expect("the body decodes");
                assert_eq!(envelope.data.name, "Bench group");
            }
        }
    }
}

/// `iters` requests over `concurrency` tasks; the elapsed time.
async fn run(target: &Target, iters: u64, concurrency: u64) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let target = target.clone();
            // Spread `iters` as evenly as possible.
            let share = iters / concurrency + u64::from(task < iters % concurrency);
            tokio::spawn(async move {
                for _ in 0..share {
                    target.call().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task completes");
    }
    started.elapsed()
}

fn client_overhead(c: &mut Criterion) {
    let addr = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let base = format!("http://{addr}/v2");
    let dialtone = {
        let _guard = rt.enter();
        dialtone_kazoo::Client::builder(base.clone())
            .auth_token(TOKEN)
            .build()
            .expect("a valid configuration")
    };
    let bare = reqwest::Client::new();
    let url: Arc<str> = format!("{base}/accounts/{ACCOUNT}/groups/{GROUP}").into();
    let targets = [
        ("dialtone-kazoo", Target::Dialtone(dialtone)),
        ("reqwest", Target::Bare(bare, url)),
    ];
    for concurrency in [1_u64, 64] {
        let mut group = c.benchmark_group(format!("client/get_group/concurrency-{concurrency}"));
        group.measurement_time(Duration::from_secs(4));
        for (name, target) in &targets {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter_custom(|iters| rt.block_on(run(target, iters, concurrency)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, client_overhead);
criterion_main!(benches);
