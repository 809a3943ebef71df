//! Client overhead: `get_group` through the generated `dialtone-kazoo`
//! client (auth token, path-pattern checks, retry policy, rate limiter
//! and tracing as the builder sets them by default, envelope and typed
//! decoding) against the same request through a bare `reqwest::Client`
//! decoding into a plain struct, both against one minimal HTTP/1 server
//! on 127.0.0.1, at concurrency 1 and 64.
//!
//! ```text
//! cargo bench -p dialtone-benches --bench client [-- [--rounds R]]
//! ```
//!
//! A bench binary rather than criterion, because it reports latency
//! percentiles as well as throughput. Two baselines: a bare client as
//! `reqwest::Client::builder()` makes it with the same `User-Agent` as
//! the generated client's, and one with a 30 s timeout too (the
//! generated client always has a deadline, kept with a timer per call;
//! reqwest keeps its timeout with one per request). Before measuring, the
//! server records one request from each client, and the bench stops
//! unless all are the same request (method, target, headers). R rounds
//! (default 30: a round is short, and the machine shared); in each, the
//! three clients make the same number of requests over C tasks (on a
//! two-worker runtime; one at a time on a current-thread one), each round
//! starting with a different one, so that the machine's load
//! moves all alike. Printed per concurrency and client: the median over
//! rounds of requests per second, and the p50 and p99 latency of every
//! request of every round; then throughput, generated / baseline, as the
//! median of the per-round ratios. The bench allocates with mimalloc, as
//! the `dialtone` command does; `--features system-alloc` measures with
//! the system's allocator (glibc's, whose arena locks the generated
//! client's extra allocations contend on at concurrency 64).
//! `--profile dialtone|bare|bare-timeout N [C]` makes N requests through
//! one client only, for a profiler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// While set, the server records each request's method, target and
/// headers (host aside) in [`SEEN`]: before measuring, the bench checks
/// that every client sends the same request.
static CAPTURE: AtomicBool = AtomicBool::new(false);
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ACCOUNT: &str = "6b71cb72c876b5b1396a335f8f8a2594";
const GROUP: &str = "1743724cd775bf6994380dbc79c1af09";
const TOKEN: &str = "bench-token-0123456789abcdef0123456789";
/// Every client sends it, so that all send the same request (a bare
/// client sends no `User-Agent` unless told; a header more is work for
/// the server in this process, which the figures count).
const USER_AGENT: &str = "dialtone-bench/1";
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
                    let service =
                        hyper::service::service_fn(|request: hyper::Request<_>| async move {
                            if CAPTURE.load(Ordering::Relaxed) {
                                let mut headers: Vec<String> = request
                                    .headers()
                                    .iter()
                                    .filter(|(name, _)| *name != hyper::header::HOST)
                                    .map(|(name, value)| format!("{name}: {value:?}"))
                                    .collect();
                                headers.sort();
                                SEEN.lock().expect("not poisoned").push(format!(
                                    "{} {} {}",
                                    request.method(),
                                    request.uri(),
                                    headers.join(", ")
                                ));
                            }
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

/// `requests` requests over `concurrency` tasks: the elapsed time and the
/// latency of each request.
async fn run(target: &Target, requests: u64, concurrency: u64) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let target = target.clone();
            // Spread `requests` as evenly as possible.
            let share = requests / concurrency + u64::from(task < requests % concurrency);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(share as usize);
                for _ in 0..share {
                    let sent = Instant::now();
                    target.call().await;
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests as usize);
    for task in tasks {
        latencies.extend(task.await.expect("the task completes"));
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn median(v: Vec<f64>) -> f64 {
    dialtone_benches::median(v.into_iter().map(Ordered).collect()).0
}

/// An `f64` ordered by `total_cmp`, for [`dialtone_benches::median`].
struct Ordered(f64);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(30, |r| r.parse().expect("--rounds R"));
    let addr = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let base = format!("http://{addr}/v2");
    let dialtone = |rt: &tokio::runtime::Runtime| {
        let _guard = rt.enter();
        Target::Dialtone(
            dialtone_kazoo::Client::builder(base.clone())
                .auth_token(TOKEN)
                .user_agent(USER_AGENT)
                .build()
                .expect("a valid configuration"),
        )
    };
    let url: Arc<str> = format!("{base}/accounts/{ACCOUNT}/groups/{GROUP}").into();
    let bare = || {
        Target::Bare(
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .build()
                .expect("a client"),
            url.clone(),
        )
    };
    // The generated client always has a deadline (the client's timeout,
    // 30 s by default), which reqwest keeps with a timer per request; a
    // bare client with the same timeout pays for the same timer.
    let bare_timeout = || {
        Target::Bare(
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client"),
            url.clone(),
        )
    };
    // One request at a time runs on a current-thread runtime: on the
    // two-worker one, which worker picks the answer up moved a request's
    // latency between about 17 and 80 µs from round to round. Each
    // runtime has clients of its own (a pooled connection belongs to the
    // runtime that opened it).
    let one = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // `--profile dialtone|bare|bare-timeout N [C]`: only N requests through
    // one client, for a profiler: at concurrency C on the two-worker
    // runtime, or (without C) one at a time on a current-thread runtime
    // (no worker spinning between requests: `valgrind --tool=callgrind`).
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let n: u64 = args[i + 2].parse().expect("--profile CLIENT N [C]");
        let concurrency: Option<u64> = args.get(i + 3).map(|c| c.parse().expect("C"));
        let runtime = if concurrency.is_some() { &rt } else { &one };
        let target = match args[i + 1].as_str() {
            "dialtone" => dialtone(runtime),
            "bare" => bare(),
            "bare-timeout" => bare_timeout(),
            other => panic!("--profile {other}: dialtone, bare or bare-timeout"),
        };
        let (elapsed, _) = runtime.block_on(run(&target, n, concurrency.unwrap_or(1)));
        println!("{:.0} requests/s", n as f64 / elapsed.as_secs_f64());
        return;
    }
    println!(
        "allocator: {}; {rounds} rounds, clients in turn; requests per second: median of rounds; latency: every request of every round",
        if cfg!(feature = "system-alloc") {
            "the system's"
        } else {
            "mimalloc"
        }
    );
    println!("| concurrency | client | requests/s | p50 latency | p99 latency |");
    println!("|---|---|---|---|---|");
    let mut ratios_lines = Vec::new();
    for (concurrency, requests) in [(1_u64, 2_000_u64), (64, 20_000)] {
        let rt = if concurrency == 1 { &one } else { &rt };
        let targets = [
            ("dialtone-kazoo", dialtone(rt)),
            ("bare reqwest", bare()),
            ("bare reqwest, 30 s timeout", bare_timeout()),
        ];
        // The same request from every client, on the wire.
        CAPTURE.store(true, Ordering::Relaxed);
        let sent: Vec<String> = targets
            .iter()
            .map(|(_, target)| {
                SEEN.lock().expect("not poisoned").clear();
                rt.block_on(target.call());
                SEEN.lock().expect("not poisoned").concat()
            })
            .collect();
        CAPTURE.store(false, Ordering::Relaxed);
        for (i, (name, _)) in targets.iter().enumerate().skip(1) {
            assert_eq!(
                sent[i], sent[0],
                "{name} and {} send different requests",
                targets[0].0
            );
        }
        // Warm up: connections opened, pools filled, code paged in.
        for (_, target) in &targets {
            rt.block_on(run(target, requests / 10, concurrency));
        }
        let n = targets.len();
        let mut rps = vec![Vec::new(); n];
        let mut latencies = vec![Vec::new(); n];
        // Per baseline: generated / baseline, per round.
        let mut ratios = vec![Vec::new(); n];
        for round in 0..rounds {
            let mut this = vec![0.0; n];
            // Each round starts with a different client.
            for k in 0..n {
                let i = (round + k) % n;
                let (elapsed, l) = rt.block_on(run(&targets[i].1, requests, concurrency));
                this[i] = requests as f64 / elapsed.as_secs_f64();
                rps[i].push(this[i]);
                latencies[i].extend(l);
            }
            for i in 1..n {
                ratios[i].push(this[0] / this[i]);
            }
        }
        for (i, (name, _)) in targets.iter().enumerate() {
            latencies[i].sort();
            println!(
                "| {concurrency} | {name} | {:.0} | {:.1} µs | {:.1} µs |",
                median(rps[i].clone()),
                percentile(&latencies[i], 0.5).as_secs_f64() * 1e6,
                percentile(&latencies[i], 0.99).as_secs_f64() * 1e6,
            );
        }
        let p50 = |i: usize| percentile(&latencies[i], 0.5).as_secs_f64() * 1e6;
        for (i, (name, _)) in targets.iter().enumerate().skip(1) {
            let r = &ratios[i];
            ratios_lines.push(format!(
                "concurrency {concurrency}, against {name}: throughput {:.2}x (median of {rounds} rounds; range {:.2}..{:.2}); p50 latency {:+.1} µs",
                median(r.clone()),
                r.iter().copied().fold(f64::INFINITY, f64::min),
                r.iter().copied().fold(0.0, f64::max),
                p50(0) - p50(i),
            ));
        }
    }
    for line in ratios_lines {
        println!("{line}");
    }
}
