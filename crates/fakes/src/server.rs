//! The part every fake shares: an axum server on loopback that matches each
//! request to a spec operation, validates it, checks the credential, applies
//! injected faults, lets the vendor's state machine answer, and checks that
//! answer against the spec before sending it.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::spec::{Problem, Spec};

/// A request the vendor's state machine sees: already matched and valid.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The operationId.
    pub op: String,
    /// Path parameters, decoded.
    pub path: BTreeMap<String, String>,
    /// Query parameters, typed by their schemas.
    pub query: BTreeMap<String, Value>,
    /// Every query parameter as sent (credentials included).
    pub raw_query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body as JSON (form bodies become an object of strings).
    pub body: Option<Value>,
}

impl Incoming {
    /// A path parameter.
    pub fn path(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or_default()
    }

    /// A string query parameter.
    pub fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }

    /// An integer query parameter.
    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(Value::as_i64)
    }

    /// A query parameter as sent, declared by the spec or not.
    pub fn raw_query(&self, name: &str) -> Option<&str> {
        self.raw_query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The vendor's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// One vendor's behaviour.
pub trait Vendor: Send + Sync + 'static {
    /// `kazoo`, `ringcentral`, ...
    fn name(&self) -> &'static str;
    /// The vendor's spec.
    fn spec(&self) -> &Spec;
    /// The vendor's answer to a request that breaks the spec.
    fn invalid(&self, problems: &[Problem]) -> Reply;
    /// The vendor's answer to a path it does not know.
    fn not_found(&self) -> Reply;
    /// `Err` with the vendor's answer when the request's credential is
    /// missing, unknown or expired.
    fn authorize(&self, request: &Incoming) -> Result<(), Reply>;
    /// The state machine.
    fn handle(&self, request: &Incoming) -> Reply;
    /// A credential a sandbox user can use right away, and how to send it.
    fn credential(&self) -> (String, &'static str);

    /// Whether `reply` is an error the vendor sends with a success status
    /// (Yeastar's errcode); such answers are checked against the
    /// operation's `default` response instead.
    fn is_error_in_success(&self, reply: &Reply) -> bool {
        let _ = reply;
        false
    }
}

/// A fault to inject into the next request(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: <seconds>`.
    TooManyRequests {
        /// The Retry-After value.
        retry_after: u64,
    },
    /// 503.
    Unavailable,
    /// The connection is closed before the request is read.
    DropBeforeRead,
    /// The connection is closed after the request is read, with no answer.
    DropAfterRead,
    /// The answer comes after a delay.
    Slow(Duration),
    /// The answer's body stops half-way.
    Truncated,
    /// A 200 whose body is not JSON.
    NotJson,
    /// A valid answer padded to about this many bytes with an unknown field.
    Huge(usize),
    /// A valid answer whose first enum value is one the spec does not list.
    UnknownEnum,
    /// A valid answer with fields the spec does not list in every object.
    UnknownFields,
}

impl Fault {
    /// Parses `429`, `429:5`, `503`, `drop-before`, `drop-after`,
    /// `slow:<ms>`, `truncated`, `not-json`, `huge:<bytes>`, `unknown-enum`,
    /// `unknown-fields`.
    pub fn parse(text: &str) -> Option<Fault> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        let number = |default: u64| {
            if arg.is_empty() {
                Some(default)
            } else {
                arg.parse().ok()
            }
        };
        Some(match name {
            "429" => Fault::TooManyRequests {
                retry_after: number(1)?,
            },
            "503" => Fault::Unavailable,
            "drop-before" => Fault::DropBeforeRead,
            "drop-after" => Fault::DropAfterRead,
            "slow" => Fault::Slow(Duration::from_millis(number(1000)?)),
            "truncated" => Fault::Truncated,
            "not-json" => Fault::NotJson,
            "huge" => Fault::Huge(usize::try_from(number(8 << 20)?).ok()?),
            "unknown-enum" => Fault::UnknownEnum,
            "unknown-fields" => Fault::UnknownFields,
            _ => return None,
        })
    }
}

#[derive(Default)]
struct Faults {
    queue: Mutex<VecDeque<Fault>>,
}

impl Faults {
    fn next_if(&self, wanted: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let mut queue = self.queue.lock().unwrap();
        if queue.front().is_some_and(wanted) {
            queue.pop_front()
        } else {
            None
        }
    }
}

/// A running fake.
pub struct FakeServer {
    base_url: String,
    faults: Arc<Faults>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    /// Starts `vendor` on 127.0.0.1:`port` (0: any free port).
    pub async fn start(vendor: Arc<dyn Vendor>, port: u16, log: bool) -> io::Result<FakeServer> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let faults = Arc::new(Faults::default());
        let base_url = format!("http://{addr}{}", vendor.spec().base_path);
        let state = Shared {
            vendor,
            faults: faults.clone(),
            log,
        };
        let app = axum::Router::new().fallback(
            move |ConnectInfo(conn): ConnectInfo<Conn>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  body: Bytes| {
                let state = state.clone();
                async move { state.serve(conn, method, uri, headers, body).await }
            },
        );
        let listener = FaultyListener {
            inner: listener,
            faults: faults.clone(),
        };
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<Conn>()).await;
        });
        Ok(FakeServer {
            base_url,
            faults,
            task,
        })
    }

    /// The base URL a client is built with.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Injects `fault` into the next request.
    pub fn inject(&self, fault: Fault) {
        self.faults.queue.lock().unwrap().push_back(fault);
    }

    /// Faults injected and not yet used.
    pub fn pending_faults(&self) -> usize {
        self.faults.queue.lock().unwrap().len()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    vendor: Arc<dyn Vendor>,
    faults: Arc<Faults>,
    log: bool,
}

impl Shared {
    async fn serve(
        &self,
        conn: Conn,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let path = uri.path().to_owned();
        let admin = format!("{}/__dialtone/faults", self.vendor.spec().base_path);
        if path == admin && method == Method::POST {
            return self.admin(&body);
        }
        if let Some(fault) = headers
            .get("x-dialtone-fault")
            .and_then(|v| v.to_str().ok())
            .and_then(Fault::parse)
        {
            self.faults.queue.lock().unwrap().push_front(fault);
        }
        let reply = self.answer(&method, &uri, &headers, &body);
        if self.log {
            println!(
                "{} {} {} -> {}",
                self.vendor.name(),
                method,
                path,
                reply.status
            );
        }
        self.deliver(conn, reply).await
    }

    fn admin(&self, body: &[u8]) -> Response {
        let parsed: Option<(Fault, usize)> =
            serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                let fault = Fault::parse(v.get("fault")?.as_str()?)?;
                let count = v.get("count").and_then(Value::as_u64).unwrap_or(1) as usize;
                Some((fault, count.min(1000)))
            });
        match parsed {
            Some((fault, count)) => {
                let mut queue = self.faults.queue.lock().unwrap();
                queue.extend(std::iter::repeat_n(fault, count));
                (StatusCode::NO_CONTENT, "").into_response()
            }
            None => (
                StatusCode::BAD_REQUEST,
                "expected {\"fault\": \"503\", \"count\": 1}",
            )
                .into_response(),
        }
    }

    fn answer(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Reply {
        let spec = self.vendor.spec();
        let Some(matched) = spec.find(method.as_str(), uri.path()) else {
            return self.vendor.not_found();
        };
        let query: Vec<(String, String)> = uri
            .query()
            .map(|q| {
                q.split('&')
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        (form_decode(k), form_decode(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let is_form = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let body = if body.is_empty() {
            None
        } else if is_form {
            let text = String::from_utf8_lossy(body);
            let pairs = text
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (form_decode(k), form_decode(v)))
                .collect();
            Some(matched.op.form_body(pairs))
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => Some(v),
                Err(e) => {
                    return self.vendor.invalid(&[Problem {
                        field: "body".into(),
                        keyword: "json".into(),
                        message: format!("the body is not JSON: {e}"),
                    }]);
                }
            }
        };
        let header_pairs: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
            .collect();
        let (typed, problems) =
            matched
                .op
                .check(&matched.path, &query, &header_pairs, body.as_ref());
        let request = Incoming {
            op: matched.op.id.clone(),
            path: matched.path.clone(),
            query: typed,
            raw_query: query.clone(),
            headers: headers.clone(),
            body,
        };
        if matched.op.authenticated
            && let Err(reply) = self.vendor.authorize(&request)
        {
            return reply;
        }
        if !problems.is_empty() {
            return self.vendor.invalid(&problems);
        }
        let mut reply = self.vendor.handle(&request);
        // The fake checks its own answers: one that breaks the spec is a
        // bug in the fake, reported loudly instead of sent.
        let wrong = if self.vendor.is_error_in_success(&reply) {
            matched.op.check_response_as("default", reply.body.as_ref())
        } else {
            matched.op.check_response(reply.status, reply.body.as_ref())
        };
        if !wrong.is_empty() {
            reply = Reply::json(
                500,
                serde_json::json!({"fake_error": format!("the fake's answer to {} breaks the spec: {wrong:?}", request.op)}),
            );
        }
        // Faults that change a valid answer need its schema.
        if let Some(fault) = self
            .faults
            .next_if(|f| matches!(f, Fault::UnknownEnum | Fault::UnknownFields))
            && let (Some(body), Some(schema)) = (
                reply.body.as_mut(),
                matched.op.response_schema(reply.status),
            )
        {
            match fault {
                Fault::UnknownEnum => {
                    replace_first_enum(body, schema.raw());
                }
                _ => add_unknown_fields(body, schema.raw()),
            }
        }
        reply
    }

    async fn deliver(&self, conn: Conn, reply: Reply) -> Response {
        let fault = self.faults.next_if(|f| {
            !matches!(
                f,
                Fault::DropBeforeRead | Fault::UnknownEnum | Fault::UnknownFields
            )
        });
        let mut reply = reply;
        match fault {
            Some(Fault::TooManyRequests { retry_after }) => {
                reply = Reply::json(429, serde_json::json!({"message": "too many requests"}))
                    .with_header("retry-after", retry_after.to_string());
            }
            Some(Fault::Unavailable) => {
                reply = Reply::json(503, serde_json::json!({"message": "unavailable"}))
            }
            Some(Fault::DropAfterRead) => {
                conn.0.store(true, Ordering::SeqCst);
                return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
            }
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            Some(Fault::Truncated) => {
                let text = reply
                    .body
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_else(|| "{}".to_owned());
                let half = text[..text.len() / 2].to_owned();
                let stream = futures_util::stream::iter(vec![
                    Ok::<_, io::Error>(Bytes::from(half)),
                    Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "truncated by a fault",
                    )),
                ]);
                let mut response = Response::new(Body::from_stream(stream));
                *response.status_mut() =
                    StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static("application/json"));
                response
                    .headers_mut()
                    .insert("content-length", HeaderValue::from(text.len()));
                return response;
            }
            Some(Fault::NotJson) => {
                return (
                    StatusCode::OK,
                    [("content-type", "text/html")],
                    "<html><body>Bad gateway</body></html>",
                )
                    .into_response();
            }
            Some(Fault::Huge(bytes)) => {
                if let Some(Value::Object(map)) = reply.body.as_mut() {
                    map.insert("x_padding".into(), Value::String("x".repeat(bytes)));
                }
            }
            _ => {}
        }
        let mut response = match &reply.body {
            Some(body) => (
                StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                [("content-type", "application/json")],
                body.to_string(),
            )
                .into_response(),
            None => StatusCode::from_u16(reply.status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response(),
        };
        for (name, value) in &reply.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        // One request per connection, so that connection-level faults
        // always meet a fresh connection.
        response
            .headers_mut()
            .insert("connection", HeaderValue::from_static("close"));
        response
    }
}

/// A form or query value: `+` is a space, then `%XX` escapes.
fn form_decode(text: &str) -> String {
    crate::spec::percent_decode(&text.replace('+', " "))
}

/// Replaces the first value that the schema constrains with a string enum
/// by a value the enum does not list.
fn replace_first_enum(value: &mut Value, schema: &Value) -> bool {
    if schema.get("enum").is_some() && value.is_string() {
        *value = Value::String("SomethingNew".into());
        return true;
    }
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                let sub = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub
                    && replace_first_enum(inner, sub)
                {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => match schema.get("items") {
            Some(sub) => items.iter_mut().any(|item| replace_first_enum(item, sub)),
            None => false,
        },
        _ => false,
    }
}

/// Adds a field the spec does not list to every object the schema
/// describes with `properties` (maps keep their keys: a new key there
/// would be a new entry, not an unknown field).
fn add_unknown_fields(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, inner) in map.iter_mut() {
                let sub = properties
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub {
                    add_unknown_fields(inner, sub);
                }
            }
            if properties.is_some() {
                map.insert(
                    "dialtoneUnknownField".into(),
                    serde_json::json!({"added": "by a fault"}),
                );
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                items
                    .iter_mut()
                    .for_each(|item| add_unknown_fields(item, sub));
            }
        }
        _ => {}
    }
}

/// A listener whose connections can be dropped by faults.
struct FaultyListener {
    inner: TcpListener,
    faults: Arc<Faults>,
}

impl Listener for FaultyListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.inner.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            if self
                .faults
                .next_if(|f| matches!(f, Fault::DropBeforeRead))
                .is_some()
            {
                drop(stream);
                continue;
            }
            return (
                KillableStream {
                    inner: stream,
                    killed: Arc::new(AtomicBool::new(false)),
                },
                addr,
            );
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection whose writes fail once it is killed, so that hyper drops
/// it without answering.
struct KillableStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "dropped by a fault",
            )));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The kill switch of the connection a request came on.
#[derive(Clone)]
struct Conn(Arc<AtomicBool>);

impl axum::extract::connect_info::Connected<IncomingStream<'_, FaultyListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, FaultyListener>) -> Self {
        Conn(stream.io().killed.clone())
    }
}
