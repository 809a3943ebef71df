//! Serving one request: match it to an operation, rate-limit it, read and
//! decode it (size, time, content type, encodings), authorize and validate
//! it, hand it to the vendor's handler (shielded from panics), check the
//! answer against the spec, and apply faults on the way out.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::Value;

use super::body::{self, Payload};
use super::faults::{self, Fault, FaultQueue, Stage};
use super::network::ConnControl;
use super::{Incoming, Limits, Refusal, Reply, Vendor};
use crate::Options;
use crate::limits::RateStatus;
use crate::spec::{MAX_MESSAGE, MAX_PROBLEMS, Matched, Operation, Problem, clip, decode_component};

/// The request header that asks for a fault.
const FAULT_HEADER: &str = "x-dialtone-fault";
/// The most query (or form) parameters read from one request.
const MAX_PARAMS: usize = 256;
/// The largest body the admin endpoint reads.
const MAX_ADMIN_BODY: usize = 64 * 1024;

/// What serving needs from [`Options`].
pub(crate) struct Settings {
    pub log: bool,
    pub http_faults: bool,
    pub max_body: usize,
    pub read_timeout: Duration,
}

impl From<&Options> for Settings {
    fn from(options: &Options) -> Self {
        Settings {
            log: options.log,
            http_faults: options.faults,
            max_body: options.max_body_bytes,
            read_timeout: options.read_timeout,
        }
    }
}

/// Everything a request may touch, shared by every connection.
pub(crate) struct Shared {
    pub vendor: Arc<dyn Vendor>,
    pub faults: FaultQueue,
    pub settings: Settings,
    pub limits: Limits,
    /// Requests that reached each operation's handler.
    pub counts: BTreeMap<String, AtomicUsize>,
}

impl Shared {
    /// Answers one request.
    pub(crate) async fn serve(
        &self,
        conn: &ConnControl,
        request: Request<hyper::body::Incoming>,
    ) -> Response<Payload> {
        let (parts, body) = request.into_parts();
        if self.settings.http_faults && self.is_admin(&parts) {
            let reply = self.admin(body, &parts.headers).await;
            self.log(&parts, reply.status);
            return respond(reply);
        }
        let (reply, fault) = match self.header_fault(&parts.headers) {
            Ok(fault) => (self.answer(&parts, body, fault.as_ref()).await, fault),
            Err(problem) => (self.vendor.invalid(&[problem]), None),
        };
        self.log(&parts, reply.status);
        self.deliver(conn, reply, fault).await
    }

    fn log(&self, parts: &Parts, status: u16) {
        if self.settings.log {
            println!(
                "{} {} {} -> {status}",
                self.vendor.name(),
                parts.method,
                clip(parts.uri.path(), 200)
            );
        }
    }

    fn is_admin(&self, parts: &Parts) -> bool {
        parts.method == Method::POST
            && parts.uri.path().strip_prefix(&self.vendor.spec().base_path)
                == Some("/__dialtone/faults")
    }

    async fn admin(&self, body: hyper::body::Incoming, headers: &HeaderMap) -> Reply {
        let bytes =
            match body::read(body, headers, MAX_ADMIN_BODY, self.settings.read_timeout).await {
                Ok(bytes) => bytes,
                Err(refusal) => return self.vendor.refuse(&refusal),
            };
        match self.faults.admin(&bytes) {
            Ok(()) => Reply::empty(204),
            Err(problem) => self.vendor.invalid(&[problem]),
        }
    }

    /// The fault a request asks for in its header: ignored unless fault
    /// injection over HTTP is on; refused when it breaks the caps.
    fn header_fault(&self, headers: &HeaderMap) -> Result<Option<Fault>, Problem> {
        let Some(value) = headers.get(FAULT_HEADER) else {
            return Ok(None);
        };
        if !self.settings.http_faults {
            if self.settings.log {
                println!(
                    "{}: ignored an {FAULT_HEADER} header: fault injection over HTTP is off \
                     (start the sandbox with --faults)",
                    self.vendor.name()
                );
            }
            return Ok(None);
        }
        let problem = |message: String| Problem {
            field: format!("header.{FAULT_HEADER}"),
            keyword: "fault".into(),
            message,
        };
        let text = value
            .to_str()
            .map_err(|_| problem("the header is not ASCII".into()))?;
        let fault = Fault::parse(text).map_err(problem)?;
        if fault.stage() == Stage::Accept {
            return Err(problem(
                "`drop-before` cannot come in a header (the request has been read by then); \
                 queue it with POST __dialtone/faults"
                    .into(),
            ));
        }
        Ok(Some(fault))
    }

    /// The answer before deliver-stage faults: matched, rate-limited, then
    /// admitted (with RingCentral's rate-limit headers where they apply).
    async fn answer(
        &self,
        parts: &Parts,
        body: hyper::body::Incoming,
        fault: Option<&Fault>,
    ) -> Reply {
        let Some(matched) = self
            .vendor
            .spec()
            .find(parts.method.as_str(), parts.uri.path())
        else {
            return self.vendor.refuse(&Refusal::NotFound);
        };
        let rate = self.limits.check(matched.op);
        let reply = match &rate {
            Some(status) if !status.admitted => self.vendor.refuse(&Refusal::TooManyRequests {
                retry_after: status.retry_after,
            }),
            _ => self.admitted(parts, body, matched, fault).await,
        };
        match rate {
            Some(status) if self.vendor.rate_limit_headers() => with_rate_headers(reply, &status),
            _ => reply,
        }
    }

    async fn admitted(
        &self,
        parts: &Parts,
        body: hyper::body::Incoming,
        matched: Matched<'_>,
        fault: Option<&Fault>,
    ) -> Reply {
        let op = matched.op;
        let settings = &self.settings;
        let bytes = match body::read(
            body,
            &parts.headers,
            settings.max_body,
            settings.read_timeout,
        )
        .await
        {
            Ok(bytes) => bytes,
            Err(refusal) => return self.vendor.refuse(&refusal),
        };
        let (request, problems) = match decode(op, matched.path, matched.problems, parts, &bytes) {
            Ok(decoded) => decoded,
            Err(refusal) => return self.vendor.refuse(&refusal),
        };
        // Vendor code runs shielded: a panic is a 500 in the vendor's shape,
        // and the state's locks recover (crate::sync::Lock).
        let mut reply = catch_unwind(AssertUnwindSafe(|| self.dispatch(op, &request, problems)))
            .unwrap_or_else(|_| {
                self.vendor.refuse(&Refusal::Internal {
                    detail: format!("the handler of {} failed", op.id),
                })
            });
        let answer_fault = fault
            .filter(|f| f.stage() == Stage::Answer)
            .cloned()
            .or_else(|| self.faults.next(Stage::Answer));
        if let Some(fault) = answer_fault
            && let (Some(body), Some(schema)) =
                (reply.body.as_mut(), op.response_schema(reply.status))
        {
            faults::alter_answer(&fault, body, schema.raw());
        }
        reply
    }

    /// Authorization, validation, the handler, and the check of its answer.
    fn dispatch(&self, op: &Operation, request: &Incoming, problems: Vec<Problem>) -> Reply {
        if op.authenticated
            && let Err(reply) = self.vendor.authorize(request)
        {
            return reply;
        }
        if !problems.is_empty() {
            return self.vendor.invalid(&problems);
        }
        if let Some(count) = self.counts.get(&op.id) {
            count.fetch_add(1, Ordering::SeqCst);
        }
        let reply = self.vendor.handle(request);
        // The fake checks its own answers: one that breaks the spec is a
        // bug in the fake, reported loudly instead of sent.
        let wrong = if self.vendor.is_error_in_success(&reply) {
            op.check_response_as("default", reply.body.as_ref())
        } else {
            op.check_response(reply.status, reply.body.as_ref())
        };
        if wrong.is_empty() {
            return reply;
        }
        // Where and which rule, never the values (they may be tokens).
        let places: Vec<String> = wrong
            .iter()
            .map(|p| format!("{} ({})", p.field, p.keyword))
            .collect();
        let detail = format!(
            "the fake's answer to {} breaks the spec at {}",
            op.id,
            places.join(", ")
        );
        eprintln!("dialtone-fakes: {}: {detail}", self.vendor.name());
        self.vendor.refuse(&Refusal::Internal { detail })
    }

    /// Sends the answer, changed by a deliver-stage fault if one is due.
    async fn deliver(
        &self,
        conn: &ConnControl,
        reply: Reply,
        fault: Option<Fault>,
    ) -> Response<Payload> {
        let fault = fault
            .filter(|f| f.stage() == Stage::Deliver)
            .or_else(|| self.faults.next(Stage::Deliver));
        match fault {
            Some(Fault::TooManyRequests { retry_after }) => respond(
                self.vendor
                    .refuse(&Refusal::TooManyRequests { retry_after }),
            ),
            Some(Fault::Unavailable) => respond(
                self.vendor
                    .refuse(&Refusal::Unavailable { retry_after: None }),
            ),
            Some(Fault::DropAfterRead) => {
                conn.kill();
                respond(Reply::empty(500))
            }
            Some(Fault::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                respond(reply)
            }
            Some(Fault::Truncated) => truncated(conn, reply),
            Some(Fault::NotJson) => build(
                200,
                Payload::full("<html><body>Bad gateway</body></html>"),
                Some("text/html"),
                &[],
            ),
            Some(Fault::Huge(bytes)) => padded(reply, bytes),
            _ => respond(reply),
        }
    }
}

/// Decodes what the operation reads: query, body (by its content type),
/// headers; then validates against the spec. `Err` for a refusal (the
/// content type); problems go to the vendor's validation error.
fn decode(
    op: &Operation,
    path: BTreeMap<String, String>,
    mut problems: Vec<Problem>,
    parts: &Parts,
    bytes: &Bytes,
) -> Result<(Incoming, Vec<Problem>), Refusal> {
    let query = pairs(parts.uri.query().unwrap_or(""), "query", &mut problems);
    let body = decode_body(op, &parts.headers, bytes, &mut problems)?;
    let header_pairs: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
        .collect();
    let unparsable = problems.iter().any(|p| p.field == "body");
    let (typed, more) = op.check(&path, &query, &header_pairs, body.as_ref());
    // A body that did not parse is reported once, not also as missing.
    problems.extend(
        more.into_iter()
            .filter(|p| !(unparsable && p.field == "body")),
    );
    problems.truncate(MAX_PROBLEMS);
    let request = Incoming {
        op: op.id.clone(),
        path,
        query: typed,
        raw_query: query,
        headers: parts.headers.clone(),
        body,
    };
    Ok((request, problems))
}

/// The body as JSON, if the operation takes one and one came: its content
/// type must be one the operation lists, and it must parse.
fn decode_body(
    op: &Operation,
    headers: &HeaderMap,
    bytes: &Bytes,
    problems: &mut Vec<Problem>,
) -> Result<Option<Value>, Refusal> {
    if !op.has_body() || bytes.is_empty() {
        return Ok(None);
    }
    let found = headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = found.as_deref().map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let Some(media) = essence.filter(|e| op.media.iter().any(|m| m == e)) else {
        return Err(Refusal::UnsupportedMediaType {
            found,
            expected: op.media.clone(),
        });
    };
    let unparsable = |message: String| Problem {
        field: "body".into(),
        keyword: "json".into(),
        message,
    };
    if media == "application/x-www-form-urlencoded" {
        let Ok(text) = std::str::from_utf8(bytes) else {
            problems.push(unparsable("the body is not UTF-8".into()));
            return Ok(None);
        };
        let pairs = pairs(text, "body", problems);
        return Ok(Some(op.form_body(pairs)));
    }
    if !media.contains("json") {
        return Ok(Some(Value::String(
            String::from_utf8_lossy(bytes).into_owned(),
        )));
    }
    // serde_json refuses nesting deeper than 128 levels: deep JSON is an
    // error here, never a deep recursion later.
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => Ok(Some(value)),
        Err(e) => {
            problems.push(unparsable(clip(
                &format!("the body is not JSON: {e}"),
                MAX_MESSAGE,
            )));
            Ok(None)
        }
    }
}

/// `a=1&b=2` decoded (at most [`MAX_PARAMS`] pairs); a pair that is not
/// valid percent-encoded UTF-8 is a problem.
fn pairs(text: &str, location: &str, problems: &mut Vec<Problem>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, pair) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        if i == MAX_PARAMS {
            problems.push(Problem {
                field: location.to_owned(),
                keyword: "maxProperties".into(),
                message: format!("at most {MAX_PARAMS} parameters are read"),
            });
            break;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode_component(key, true), decode_component(value, true)) {
            (Ok(key), Ok(value)) => out.push((key, value)),
            (Err(why), _) | (_, Err(why)) => problems.push(Problem {
                field: format!("{location}.{}", clip(key, 64)),
                keyword: "encoding".into(),
                message: why.to_owned(),
            }),
        }
    }
    out
}

/// RingCentral's rate-limit headers.
fn with_rate_headers(reply: Reply, status: &RateStatus) -> Reply {
    reply
        .with_header("X-Rate-Limit-Group", status.group.clone())
        .with_header("X-Rate-Limit-Limit", status.limit.to_string())
        .with_header("X-Rate-Limit-Remaining", status.remaining.to_string())
        .with_header("X-Rate-Limit-Window", status.window_secs.to_string())
}

/// The HTTP response of a reply.
pub(crate) fn respond(reply: Reply) -> Response<Payload> {
    match &reply.body {
        Some(body) => build(
            reply.status,
            Payload::full(body.to_string()),
            Some("application/json"),
            &reply.headers,
        ),
        None => build(reply.status, Payload::empty(), None, &reply.headers),
    }
}

fn build(
    status: u16,
    payload: Payload,
    content_type: Option<&'static str>,
    headers: &[(String, String)],
) -> Response<Payload> {
    let mut response = Response::new(payload);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let out = response.headers_mut();
    if let Some(content_type) = content_type {
        out.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            out.insert(name, value);
        }
    }
    // One request per connection, so that connection-level faults always
    // meet a fresh connection.
    out.insert("connection", HeaderValue::from_static("close"));
    response
}

/// The whole answer announced, half of it sent (cut on a character
/// boundary), then the connection closed.
fn truncated(conn: &ConnControl, reply: Reply) -> Response<Payload> {
    let text = reply
        .body
        .as_ref()
        .map_or_else(|| "{}".to_owned(), Value::to_string);
    conn.truncate_body_after(text.floor_char_boundary(text.len() / 2));
    build(
        reply.status,
        Payload::full(text),
        Some("application/json"),
        &reply.headers,
    )
}

/// A JSON object answer with an `x_padding` string of `bytes` bytes,
/// streamed.
fn padded(reply: Reply, bytes: usize) -> Response<Payload> {
    let Some(Value::Object(map)) = &reply.body else {
        return respond(reply);
    };
    let text = Value::Object(map.clone()).to_string();
    let open = text.strip_suffix('}').unwrap_or(&text);
    let comma = if map.is_empty() { "" } else { "," };
    let head = format!("{open}{comma}\"x_padding\":\"");
    build(
        reply.status,
        Payload::padded(head, bytes, "\"}"),
        Some("application/json"),
        &reply.headers,
    )
}
