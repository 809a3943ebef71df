//! The fakes against hostile requests, over real HTTP on 127.0.0.1:
//! overflowing and odd numbers, bad encodings and content types, malformed
//! and deeply nested JSON, huge and slow requests, too many connections,
//! fault requests without the sandbox's switch — to every vendor. After
//! each barrage, every vendor still answers a login and a normal call.
//!
//! Requests are written raw (std `TcpStream` on a blocking thread) so that
//! anything can be sent. Every loop is bounded in count, every read and
//! write in time (`DEADLINE`).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dialtone_fakes::spec::Problem;
use dialtone_fakes::{FakeServer, Incoming, Options, Refusal, Reply, Vendor};
use dialtone_runtime::tokens::Grant;
use serde_json::Value;

/// The longest any one raw exchange may take.
const DEADLINE: Duration = Duration::from_secs(5);
/// The most bytes read from one answer.
const MAX_READ: usize = 32 << 20;

/// An answer as read off the wire.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.parse().ok()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {:?}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }
}

/// Reads until the server closes (or the deadline, or `MAX_READ`).
fn read_answer(stream: &mut TcpStream) -> Raw {
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while started.elapsed() < DEADLINE && bytes.len() < MAX_READ {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Raw {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Raw {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
        };
    };
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Raw {
        status,
        headers,
        body: bytes[end + 4..].to_vec(),
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    stream
}

/// Sends `request` as is and reads the answer, on a blocking thread.
async fn send(addr: SocketAddr, request: Vec<u8>) -> Raw {
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(addr);
        // The server may answer (and stop reading) before all is written.
        let _ = stream.write_all(&request);
        read_answer(&mut stream)
    })
    .await
    .unwrap()
}

/// An HTTP/1.1 request: `head` lines, then `body` with its length.
fn request(method: &str, target: &str, head: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut text =
        format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nuser-agent: hostile\r\n");
    for (name, value) in head {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        text.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One vendor's fake and what a hostile request needs to know about it.
struct Target {
    vendor: &'static str,
    fake: FakeServer,
    /// The base path of every operation.
    base: &'static str,
    /// The credential header, if the vendor takes one there.
    auth: Option<(&'static str, String)>,
    /// The credential query pair (Yeastar), or empty.
    auth_query: String,
    /// A JSON operation: method, path below `base`, a valid body.
    json_op: (&'static str, String, &'static str),
    /// A listing below `base`, and its numeric query parameters.
    list: (String, &'static [&'static str]),
}

impl Target {
    fn addr(&self) -> SocketAddr {
        self.fake.addr()
    }

    /// `path` (below the base) with the credential query and `query`.
    fn target(&self, path: &str, query: &str) -> String {
        let sep = if self.auth_query.is_empty() || query.is_empty() {
            ""
        } else {
            "&"
        };
        let q = format!("{}{sep}{query}", self.auth_query);
        if q.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{q}", self.base)
        }
    }

    /// An authenticated request with extra head lines.
    fn authed(&self, method: &str, target: &str, head: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut lines: Vec<(&str, &str)> = head.to_vec();
        if let Some((name, value)) = &self.auth {
            lines.push((*name, value.as_str()));
        }
        request(method, target, &lines, body)
    }

    /// A request head without a length, ended: for bodies written by hand.
    fn head(&self, method: &str, target: &str, lines: &[&str]) -> Vec<u8> {
        let mut text = format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        if let Some((name, value)) = &self.auth {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        for line in lines {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        text.into_bytes()
    }

    /// The HTTP status of a validation error (Yeastar answers 200 with an
    /// errcode).
    fn validation_status(&self) -> u16 {
        if self.vendor == "yeastar" { 200 } else { 400 }
    }

    /// Asserts that `raw` is an error in the vendor's own shape, with
    /// `status`.
    fn assert_error(&self, raw: &Raw, status: u16, what: &str) {
        assert_eq!(raw.status, status, "{}: {what}: {raw:?}", self.vendor);
        let body = raw.json();
        let shaped = match self.vendor {
            "kazoo" => {
                body["status"] == "error"
                    && body["error"].is_string()
                    && body["message"].is_string()
                    && body.get("data").is_some()
            }
            "ringcentral" => {
                body["errorCode"].is_string()
                    && body["message"].is_string()
                    && body["errors"].as_array().is_some_and(|e| !e.is_empty())
            }
            "webex" => {
                body["message"].is_string()
                    && body["errors"].is_array()
                    && body["trackingId"].is_string()
            }
            _ => body["errcode"].as_i64().is_some_and(|c| c != 0) && body["errmsg"].is_string(),
        };
        assert!(
            shaped,
            "{}: {what}: not the vendor's error shape: {body}",
            self.vendor
        );
    }

    /// Asserts that `raw` is an answer, not a failure: JSON, below 500, and
    /// an error in the vendor's shape if it is one.
    fn assert_answered(&self, raw: &Raw, what: &str) {
        assert!(
            (200..500).contains(&raw.status),
            "{}: {what}: {raw:?}",
            self.vendor
        );
        if raw.status < 300 && raw.body.is_empty() {
            return;
        }
        let body = raw.json();
        let error = raw.status >= 400 || body["errcode"].as_i64().is_some_and(|c| c != 0);
        if error {
            self.assert_error(raw, raw.status, what);
        }
    }
}

async fn targets(options: Options) -> Vec<Target> {
    use dialtone_fakes::{kazoo, ringcentral, webex, yeastar};
    let start = |vendor| dialtone_fakes::start_with(vendor, 0, options.clone());
    vec![
        Target {
            vendor: "kazoo",
            fake: start("kazoo").await.unwrap(),
            base: "/v2",
            auth: Some(("x-auth-token", kazoo::SANDBOX_TOKEN.to_owned())),
            auth_query: String::new(),
            json_op: (
                "PUT",
                format!("/accounts/{}/groups", kazoo::ACCOUNT_ID),
                r#"{"data": {"name": "Hostile", "endpoints": {}}}"#,
            ),
            list: (
                format!("/accounts/{}/groups", kazoo::ACCOUNT_ID),
                &["page_size"],
            ),
        },
        Target {
            vendor: "ringcentral",
            fake: start("ringcentral").await.unwrap(),
            base: "",
            auth: Some((
                "authorization",
                format!("Bearer {}", ringcentral::SANDBOX_TOKEN),
            )),
            auth_query: String::new(),
            json_op: (
                "POST",
                "/restapi/v1.0/account/~/call-monitoring-groups".to_owned(),
                r#"{"name": "Hostile"}"#,
            ),
            list: (
                "/restapi/v1.0/account/~/call-monitoring-groups".to_owned(),
                &["page", "perPage"],
            ),
        },
        Target {
            vendor: "webex",
            fake: start("webex").await.unwrap(),
            base: "/v1",
            auth: Some(("authorization", format!("Bearer {}", webex::SANDBOX_TOKEN))),
            auth_query: String::new(),
            json_op: (
                "PUT",
                format!("/people/{}/features/monitoring", webex::PERSON_ID),
                r#"{"enableCallParkNotification": true}"#,
            ),
            // Webex's only listing-like read has no numbers: odd strings go
            // to its `orgId`.
            list: (
                format!("/people/{}/features/monitoring", webex::PERSON_ID),
                &[],
            ),
        },
        Target {
            vendor: "yeastar",
            fake: start("yeastar").await.unwrap(),
            base: "/openapi/v1.0",
            auth: None,
            auth_query: format!("access_token={}", yeastar::SANDBOX_TOKEN),
            json_op: (
                "POST",
                "/extensiongroup/create".to_owned(),
                r#"{"name": "Hostile", "member_select": "sel_all_ext"}"#,
            ),
            list: ("/extensiongroup/list".to_owned(), &["page", "page_size"]),
        },
    ]
}

/// A login and a normal call through the generated client succeed (Webex
/// has no login: its normal call).
async fn assert_healthy(t: &Target) {
    use dialtone_fakes::{kazoo, ringcentral, webex, yeastar};
    let url = t.fake.base_url();
    let check = async {
        match t.vendor {
            "kazoo" => {
                let client = dialtone_kazoo::Client::builder(url)
                    .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
                        dialtone_kazoo::ApiKeyCredentials::new(kazoo::API_KEY),
                    ))
                    .build()
                    .unwrap();
                client
                    .list_groups(kazoo::ACCOUNT_ID)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| format!("{e:?}"))
            }
            "ringcentral" => {
                let client = dialtone_ringcentral::Client::builder(url)
                    .oauth(
                        ringcentral::CLIENT_ID,
                        ringcentral::CLIENT_SECRET,
                        Grant::Password {
                            username: ringcentral::USERNAME.into(),
                            password: ringcentral::PASSWORD.into(),
                            extension: None,
                        },
                    )
                    .no_rate_limit()
                    .build()
                    .unwrap();
                client
                    .read_user_presence_status("~", "~")
                    .send()
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                client.revoke_auth().await.map_err(|e| format!("{e:?}"))
            }
            "webex" => dialtone_webex::Client::builder(url)
                .bearer_auth(webex::SANDBOX_TOKEN)
                .build()
                .unwrap()
                .get_monitoring_settings_person(webex::PERSON_ID)
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}")),
            _ => {
                let client = dialtone_yeastar::Client::builder(url)
                    .login(dialtone_yeastar::GetTokenRequest::new(
                        yeastar::CLIENT_ID,
                        yeastar::CLIENT_SECRET,
                    ))
                    .build()
                    .unwrap();
                client
                    .list_extension_groups()
                    .send()
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                // Yeastar keeps at most 8 live tokens: give this one back.
                client.revoke_auth().await.map_err(|e| format!("{e:?}"))
            }
        }
    };
    match tokio::time::timeout(Duration::from_secs(10), check).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{}: not healthy after the barrage: {e}", t.vendor),
        Err(_) => panic!("{}: the health check timed out", t.vendor),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overflowing_and_odd_numbers_are_answered() {
    let huge = "9".repeat(20_000);
    let values: Vec<&str> = vec![
        "9223372036854775807",
        "9223372036854775806",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "2147483647",
        "2147483648",
        "-1",
        "0",
        "1e400",
        "1.5",
        "NaN",
        "%2B7",
        "",
        &huge,
    ];
    for t in targets(Options::default()).await {
        for param in t.list.1 {
            for value in &values {
                let target = t.target(&t.list.0, &format!("{param}={value}"));
                let raw = send(t.addr(), t.authed("GET", &target, &[], b"")).await;
                t.assert_answered(&raw, &format!("{param}={}", &value[..value.len().min(24)]));
            }
            // Both numbers at their largest at once.
            let both: Vec<String> = t.list.1.iter().map(|p| format!("{p}=2147483647")).collect();
            let raw = send(
                t.addr(),
                t.authed("GET", &t.target(&t.list.0, &both.join("&")), &[], b""),
            )
            .await;
            t.assert_answered(&raw, "every number at its largest");
        }
        // Huge strings where strings go: a query value, a path segment.
        let strings = [
            "orgId",
            "start_key",
            "memberExtensionId",
            "search_value",
            "sort_by",
        ];
        for name in strings {
            let target = t.target(&t.list.0, &format!("{name}={}", "x".repeat(30_000)));
            let raw = send(t.addr(), t.authed("GET", &target, &[], b"")).await;
            t.assert_answered(&raw, name);
        }
        let long_segment = format!("{}/{}", t.list.0, "y".repeat(30_000));
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&long_segment, ""), &[], b""),
        )
        .await;
        t.assert_answered(&raw, "a 30 kB path segment");
        // Hundreds of parameters.
        let many: Vec<String> = (0..600).map(|i| format!("p{i}={i}")).collect();
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&t.list.0, &many.join("&")), &[], b""),
        )
        .await;
        t.assert_answered(&raw, "600 query parameters");
        assert_healthy(&t).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_encodings_and_content_types_get_the_vendors_errors() {
    let deep = "[".repeat(100_000);
    for t in targets(Options::default()).await {
        let (method, path, valid) = (&t.json_op.0, t.target(&t.json_op.1, ""), t.json_op.2);
        let json = [("content-type", "application/json")];
        let bodies: [(&str, &[u8]); 6] = [
            ("invalid UTF-8", b"{\"name\": \"\xff\xfe\"}"),
            ("malformed JSON", b"{\"name\": "),
            ("deeply nested JSON", deep.as_bytes()),
            ("a JSON string", b"\"just a string\""),
            ("NUL bytes", b"\0\0\0\0"),
            ("a huge number", b"{\"name\": 1e999999}"),
        ];
        for (what, body) in bodies {
            let raw = send(t.addr(), t.authed(method, &path, &json, body)).await;
            t.assert_error(&raw, t.validation_status(), what);
        }
        // A body in a content type the operation does not take.
        let unsupported = if t.vendor == "yeastar" { 200 } else { 415 };
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/xml"),
            Some("application/json-seq"),
            None,
        ] {
            let head: Vec<(&str, &str)> = content_type
                .map(|c| ("content-type", c))
                .into_iter()
                .collect();
            let raw = send(t.addr(), t.authed(method, &path, &head, valid.as_bytes())).await;
            t.assert_error(&raw, unsupported, &format!("Content-Type {content_type:?}"));
        }
        // A charset is not a different type.
        let raw = send(
            t.addr(),
            t.authed(
                method,
                &path,
                &[("content-type", "Application/JSON; charset=utf-8")],
                valid.as_bytes(),
            ),
        )
        .await;
        t.assert_answered(&raw, "JSON with a charset");
        // Bad percent-encoding and invalid UTF-8 in the query and the path.
        for query in ["x=%zz", "x=%", "x=%FF%FE", "%ZZ=1", "x=%C3%28"] {
            let raw = send(
                t.addr(),
                t.authed("GET", &t.target(&t.list.0, query), &[], b""),
            )
            .await;
            t.assert_error(&raw, t.validation_status(), query);
        }
        let bad_segment = format!("{}/%FF%zz", t.list.0);
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&bad_segment, ""), &[], b""),
        )
        .await;
        t.assert_answered(&raw, "a bad path segment");
        // Invalid UTF-8 in a header value: not a credential.
        let mut garbled = request("GET", &t.target(&t.list.0, ""), &[], b"");
        let at = garbled.len() - 2;
        garbled.splice(
            at..at,
            b"x-auth-token: \xff\xfe\r\nauthorization: Bearer \xff\r\n"
                .iter()
                .copied(),
        );
        let raw = send(t.addr(), garbled).await;
        t.assert_answered(&raw, "invalid UTF-8 in headers");
        // Raw non-ASCII in the request line is not HTTP: HTTP's own 400.
        let raw = send(
            t.addr(),
            b"GET /\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(),
        )
        .await;
        assert_eq!(raw.status, 400, "{}: {raw:?}", t.vendor);
        assert_healthy(&t).await;
    }
    // RingCentral's form operation refuses JSON, and non-UTF-8 forms.
    let rc = dialtone_fakes::start("ringcentral", 0, false)
        .await
        .unwrap();
    let t = Target {
        vendor: "ringcentral",
        fake: rc,
        base: "",
        auth: None,
        auth_query: String::new(),
        json_op: ("", String::new(), ""),
        list: (String::new(), &[]),
    };
    let raw = send(
        t.addr(),
        request(
            "POST",
            "/restapi/oauth/token",
            &[("content-type", "application/json")],
            b"{\"grant_type\": \"password\"}",
        ),
    )
    .await;
    t.assert_error(&raw, 415, "JSON to the token endpoint");
    let raw = send(
        t.addr(),
        request(
            "POST",
            "/restapi/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"grant_type=%FF&x=%zz",
        ),
    )
    .await;
    t.assert_error(&raw, 400, "a form that is not UTF-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_slow_requests_are_cut_off() {
    let read_timeout = Duration::from_millis(400);
    let options = Options::default()
        .read_timeout(read_timeout)
        .max_connections(4);
    for t in targets(options).await {
        let (method, path, _) = (t.json_op.0, t.target(&t.json_op.1, ""), t.json_op.2);
        // A 100 MB body, announced: refused before it is read.
        let json = "content-type: application/json";
        let mut bytes = t.head(method, &path, &[json, "content-length: 100000000"]);
        bytes.extend(std::iter::repeat_n(b'[', 256 * 1024));
        let raw = send(t.addr(), bytes).await;
        t.assert_error(&raw, 413, "a 100 MB body");
        // A chunked body past the cap: refused once the cap is passed.
        let mut bytes = t.head(method, &path, &[json, "transfer-encoding: chunked"]);
        for _ in 0..20 {
            bytes.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
            bytes.extend(std::iter::repeat_n(b' ', 64 * 1024));
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        let raw = send(t.addr(), bytes).await;
        t.assert_error(&raw, 413, "a 1.25 MiB chunked body");
        // A head larger than 64 KiB: HTTP's own 431.
        let long = "h".repeat(100 * 1024);
        let raw = send(
            t.addr(),
            request("GET", &t.target(&t.list.0, ""), &[("x-long", &long)], b""),
        )
        .await;
        assert_eq!(raw.status, 431, "{}: {raw:?}", t.vendor);
        // A body that stops coming: the vendor's 408 after the read timeout.
        let started = Instant::now();
        let mut slow = t.head(method, &path, &[json, "content-length: 100"]);
        slow.extend_from_slice(b"{\"name\"");
        let raw = send(t.addr(), slow).await;
        t.assert_error(&raw, 408, "a body that stops coming");
        assert!(started.elapsed() < read_timeout + Duration::from_secs(2));
        // Slowloris: a head that never ends is cut off after the timeout.
        let addr = t.addr();
        let held = tokio::task::spawn_blocking(move || slowloris(addr))
            .await
            .unwrap();
        assert!(
            held >= read_timeout / 2 && held < read_timeout + Duration::from_secs(2),
            "{}: a slow head was held {held:?}",
            t.vendor
        );
        // Too many connections at once: the vendor's 503, then service again.
        let addr = t.addr();
        let idle: Vec<TcpStream> = (0..4).map(|_| connect(addr)).collect();
        let raw = send(addr, t.authed("GET", &t.target(&t.list.0, ""), &[], b"")).await;
        t.assert_error(&raw, 503, "a connection past the limit");
        assert_eq!(raw.header("retry-after"), Some("1"), "{}", t.vendor);
        drop(idle);
        wait_until_served(&t).await;
        assert_healthy(&t).await;
    }
}

/// Sends a head one line at a time, never ending it; returns how long the
/// server kept the connection open (at most 4 s of trying).
fn slowloris(addr: SocketAddr) -> Duration {
    let mut stream = connect(addr);
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let _ = stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n");
    let mut buf = [0u8; 1024];
    for i in 0..40 {
        if stream
            .write_all(format!("x-slow-{i}: y\r\n").as_bytes())
            .is_err()
        {
            return started.elapsed();
        }
        match stream.read(&mut buf) {
            Ok(_) => return started.elapsed(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return started.elapsed(),
        }
    }
    panic!("a head that never ends was held for 4 s");
}

/// Waits (at most 2 s) until the fake serves again after the connection
/// limit was reached.
async fn wait_until_served(t: &Target) {
    for _ in 0..40 {
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&t.list.0, ""), &[], b""),
        )
        .await;
        if raw.status != 503 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{}: still refusing connections", t.vendor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_requests_need_the_sandboxs_switch() {
    // Off (the default): the header is ignored, the endpoint does not exist.
    for t in targets(Options::default()).await {
        let list = t.target(&t.list.0, "");
        for fault in [
            "huge:4000000000",
            "slow:30000",
            "drop-after",
            "503",
            "truncated",
            "nonsense",
        ] {
            let started = Instant::now();
            // Without a credential: the vendor's refusal, unchanged.
            let bare = t.target(&t.list.0, "").replace(&t.auth_query, "");
            let raw = send(
                t.addr(),
                request("GET", &bare, &[("x-dialtone-fault", fault)], b""),
            )
            .await;
            let unauthorized = if t.vendor == "yeastar" { 200 } else { 401 };
            t.assert_error(&raw, unauthorized, fault);
            // With one: the normal answer.
            let raw = send(
                t.addr(),
                t.authed("GET", &list, &[("x-dialtone-fault", fault)], b""),
            )
            .await;
            assert_eq!(raw.status, 200, "{}: {fault}: {raw:?}", t.vendor);
            assert!(raw.body.len() < 100_000, "{}: {fault}", t.vendor);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{}: {fault}",
                t.vendor
            );
        }
        let admin = format!("{}/__dialtone/faults", t.base);
        let raw = send(
            t.addr(),
            request(
                "POST",
                &admin,
                &[],
                br#"{"fault": "huge:4000000000", "count": 1000}"#,
            ),
        )
        .await;
        t.assert_error(&raw, 404, "the admin endpoint, off");
        assert_eq!(t.fake.pending_faults(), 0);
        assert_healthy(&t).await;
    }
    // On: requests are held to the caps.
    for t in targets(Options::default().faults(true)).await {
        let list = t.target(&t.list.0, "");
        for fault in [
            "huge:4000000000",
            "huge:16777217",
            "slow:3600000",
            "429:99999999999",
            "drop-before",
            "nonsense",
            "huge:-1",
        ] {
            let raw = send(
                t.addr(),
                t.authed("GET", &list, &[("x-dialtone-fault", fault)], b""),
            )
            .await;
            t.assert_error(&raw, t.validation_status(), fault);
        }
        let admin = format!("{}/__dialtone/faults", t.base);
        for body in [
            r#"{"fault": "huge:4000000000"}"#,
            r#"{"fault": "503", "count": 5000}"#,
            r#"{"fault": "503", "count": -1}"#,
            r#"{"fault": 503}"#,
            "not json",
        ] {
            let raw = send(t.addr(), request("POST", &admin, &[], body.as_bytes())).await;
            t.assert_error(&raw, t.validation_status(), body);
        }
        assert_eq!(
            t.fake.pending_faults(),
            0,
            "{}: nothing was queued",
            t.vendor
        );
        // Within the caps, they work.
        let raw = send(
            t.addr(),
            t.authed("GET", &list, &[("x-dialtone-fault", "huge:300000")], b""),
        )
        .await;
        assert_eq!(raw.status, 200, "{}", t.vendor);
        assert!(
            raw.json()["x_padding"]
                .as_str()
                .is_some_and(|p| p.len() == 300_000)
        );
        let raw = send(
            t.addr(),
            t.authed("GET", &list, &[("x-dialtone-fault", "503")], b""),
        )
        .await;
        t.assert_error(&raw, 503, "an injected 503");
        let raw = send(
            t.addr(),
            t.authed("GET", &list, &[("x-dialtone-fault", "429:7")], b""),
        )
        .await;
        t.assert_error(&raw, 429, "an injected 429");
        assert_eq!(raw.header("retry-after"), Some("7"));
        assert_healthy(&t).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_sends_half_the_body_cut_on_a_character_boundary() {
    for t in targets(Options::default()).await {
        t.fake.inject(dialtone_fakes::Fault::Truncated);
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&t.list.0, ""), &[], b""),
        )
        .await;
        let announced = raw.content_length().unwrap_or(0);
        assert!(
            !raw.body.is_empty() && raw.body.len() < announced,
            "{}: {} of {announced} bytes",
            t.vendor,
            raw.body.len()
        );
        assert_eq!(
            raw.body.len(),
            announced / 2,
            "{}: the first half",
            t.vendor
        );
        assert_healthy(&t).await;
    }
    // A name of 4-byte characters puts the middle inside one for some
    // prefix length: the cut moves back to the character's start.
    let fake = dialtone_fakes::start("kazoo", 0, false).await.unwrap();
    let token = dialtone_fakes::kazoo::SANDBOX_TOKEN;
    let groups = format!("/v2/accounts/{}/groups", dialtone_fakes::kazoo::ACCOUNT_ID);
    let mut tried = 0;
    for prefix in 0..4 {
        let name = format!("{}{}", "a".repeat(prefix), "\u{1D11E}".repeat(40));
        let body = serde_json::json!({"data": {"name": name, "endpoints": {}}}).to_string();
        let head = [
            ("x-auth-token", token),
            ("content-type", "application/json"),
        ];
        let created = send(fake.addr(), request("PUT", &groups, &head, body.as_bytes())).await;
        assert_eq!(created.status, 201, "{created:?}");
        let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
        let path = format!("{groups}/{id}");
        let whole = send(
            fake.addr(),
            request("GET", &path, &[("x-auth-token", token)], b""),
        )
        .await;
        let text = String::from_utf8(whole.body.clone()).unwrap();
        if text.is_char_boundary(text.len() / 2) {
            continue;
        }
        tried += 1;
        fake.inject(dialtone_fakes::Fault::Truncated);
        let cut = send(
            fake.addr(),
            request("GET", &path, &[("x-auth-token", token)], b""),
        )
        .await;
        assert_eq!(cut.content_length(), Some(text.len()));
        assert!(
            cut.body.len() < text.len() / 2,
            "{} of {}",
            cut.body.len(),
            text.len()
        );
        assert!(
            std::str::from_utf8(&cut.body).is_ok(),
            "cut inside a character"
        );
        assert!(text.as_bytes().starts_with(&cut.body));
    }
    assert!(tried > 0, "no name put the middle inside a character");
}

/// A vendor whose handler panics on demand: the server answers the
/// vendor's 500 and goes on serving.
struct Panicky(dialtone_fakes::kazoo::Kazoo);

impl Vendor for Panicky {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn spec(&self) -> &dialtone_fakes::spec::Spec {
        self.0.spec()
    }
    fn invalid(&self, problems: &[Problem]) -> Reply {
        self.0.invalid(problems)
    }
    fn refuse(&self, refusal: &Refusal) -> Reply {
        self.0.refuse(refusal)
    }
    fn authorize(&self, request: &Incoming) -> Result<(), Reply> {
        self.0.authorize(request)
    }
    fn handle(&self, request: &Incoming) -> Reply {
        if request.header("x-test-panic").is_some() {
            panic!("a handler bug (expected by the test)");
        }
        self.0.handle(request)
    }
    fn credential(&self) -> (String, &'static str) {
        self.0.credential()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_a_500_and_the_fake_goes_on() {
    let vendor = Arc::new(Panicky(dialtone_fakes::kazoo::Kazoo::new(
        Duration::from_secs(60),
    )));
    let fake = FakeServer::start_with(vendor, 0, &Options::default())
        .await
        .unwrap();
    let t = Target {
        vendor: "kazoo",
        fake,
        base: "/v2",
        auth: Some((
            "x-auth-token",
            dialtone_fakes::kazoo::SANDBOX_TOKEN.to_owned(),
        )),
        auth_query: String::new(),
        json_op: ("", String::new(), ""),
        list: (
            format!("/accounts/{}/groups", dialtone_fakes::kazoo::ACCOUNT_ID),
            &[],
        ),
    };
    for _ in 0..3 {
        let raw = send(
            t.addr(),
            t.authed(
                "GET",
                &t.target(&t.list.0, ""),
                &[("x-test-panic", "1")],
                b"",
            ),
        )
        .await;
        t.assert_error(&raw, 500, "a panicking handler");
        let raw = send(
            t.addr(),
            t.authed("GET", &t.target(&t.list.0, ""), &[], b""),
        )
        .await;
        assert_eq!(raw.status, 200, "{raw:?}");
    }
    assert_healthy(&t).await;
}
