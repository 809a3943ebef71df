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
use super::{Incoming, Limits, Refusal, Reply, Target, Vendor};
use crate::Options;
use crate::limits::RateStatus;
use crate::spec::{MAX_PROBLEMS, Matched, Miss, Operation, Problem, RequestParts, clip};

/// The request header that asks for a fault.
const FAULT_HEADER: &str = "x-dialtone-fault";
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
        let spec = self.vendor.spec();
        let target = |operation: Option<&Operation>| Target {
            method: parts.method.to_string(),
            path: clip(parts.uri.path(), 200),
            operation: operation.map(|op| op.id.clone()),
        };
        let matched = match spec.locate(parts.method.as_str(), parts.uri.path()) {
            Ok(matched) => matched,
            Err(Miss::MethodNotAllowed(allowed)) if spec.options().strict => {
                return self
                    .vendor
                    .refuse_request(&target(None), &Refusal::MethodNotAllowed { allowed });
            }
            Err(_) => {
                return self
                    .vendor
                    .refuse_request(&target(None), &Refusal::NotFound);
            }
        };
        let rate = self.limits.check(matched.op);
        let reply = match &rate {
            Some(status) if !status.admitted => self.vendor.refuse(&Refusal::TooManyRequests {
                retry_after: status.retry_after,
            }),
            _ => {
                let target = target(Some(matched.op));
                self.admitted(parts, body, matched, &target, fault).await
            }
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
        target: &Target,
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
            Err(refusal) => return self.vendor.refuse_request(target, &refusal),
        };
        let (request, problems) = match decode(self.vendor.as_ref(), matched, parts, &bytes) {
            Ok(decoded) => decoded,
            Err(refusal) => return self.vendor.refuse_request(target, &refusal),
        };
        // Vendor code runs shielded: a panic is a 500 in the vendor's shape,
        // and the state's locks recover (crate::sync::Lock).
        let mut reply = catch_unwind(AssertUnwindSafe(|| {
            self.dispatch(op, target, &request, problems)
        }))
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
            let shape = crate::spec::inline_refs(self.vendor.spec().doc(), schema.raw(), 12);
            faults::alter_answer(&fault, body, &shape);
        }
        reply
    }

    /// Authorization, validation, the handler, and the check of its answer.
    fn dispatch(
        &self,
        op: &Operation,
        target: &Target,
        request: &Incoming,
        mut problems: Vec<Problem>,
    ) -> Reply {
        problems.extend(self.vendor.request_problems(request));
        problems.truncate(MAX_PROBLEMS);
        if op.authenticated
            && let Err(reply) = self.vendor.authorize(request)
        {
            return reply;
        }
        if !problems.is_empty() {
            return self.vendor.invalid_request(target, &problems);
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
            match reply.content_type() {
                Some(content_type) => {
                    op.check_reply(reply.status, content_type, reply.body.as_ref())
                }
                None => op.check_response(reply.status, reply.body.as_ref()),
            }
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

/// Reads what the operation reads (path, query, headers, cookies, body by
/// its content type) and checks it against the spec. `Err` for a refusal
/// (the content type); problems go to the vendor's validation error.
fn decode(
    vendor: &dyn Vendor,
    matched: Matched<'_>,
    parts: &Parts,
    bytes: &Bytes,
) -> Result<(Incoming, Vec<Problem>), Refusal> {
    let spec = vendor.spec();
    let decoded = spec.decode(
        &matched,
        &RequestParts {
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: bytes,
        },
    )?;
    let mut problems = decoded.problems;
    problems.truncate(MAX_PROBLEMS);
    let request = Incoming {
        op: matched.op.id.clone(),
        operation: matched.index,
        raw_path: parts.uri.path().to_owned(),
        path: matched.path,
        query: decoded.query,
        raw_query: decoded.raw_query,
        cookies: decoded.cookies,
        headers: parts.headers.clone(),
        body: decoded.body,
    };
    Ok((request, problems))
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
    let content_type = reply.content_type();
    match (reply.raw_body(), &reply.body) {
        (Some(bytes), _) => build(
            reply.status,
            Payload::full(bytes.to_vec()),
            Some(content_type.unwrap_or("application/octet-stream")),
            &reply.headers,
        ),
        (None, Some(body)) => build(
            reply.status,
            Payload::full(body.to_string()),
            Some(content_type.unwrap_or("application/json")),
            &reply.headers,
        ),
        (None, None) => build(reply.status, Payload::empty(), None, &reply.headers),
    }
}

fn build(
    status: u16,
    payload: Payload,
    content_type: Option<&str>,
    headers: &[(String, String)],
) -> Response<Payload> {
    let mut response = Response::new(payload);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let out = response.headers_mut();
    if let Some(content_type) = content_type {
        let value = HeaderValue::try_from(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        out.insert(CONTENT_TYPE, value);
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
    if let Some(bytes) = reply.raw_body() {
        conn.truncate_body_after(bytes.len() / 2);
        return respond(reply);
    }
    let text = reply
        .body
        .as_ref()
        .map_or_else(|| "{}".to_owned(), Value::to_string);
    conn.truncate_body_after(text.floor_char_boundary(text.len() / 2));
    build(
        reply.status,
        Payload::full(text),
        Some(reply.content_type().unwrap_or("application/json")),
        &reply.headers,
    )
}

/// A JSON object answer with an `x_padding` string of `bytes` bytes,
/// streamed.
fn padded(reply: Reply, bytes: usize) -> Response<Payload> {
    let (None, Some(Value::Object(map))) = (reply.raw_body(), &reply.body) else {
        return respond(reply);
    };
    let text = Value::Object(map.clone()).to_string();
    let open = text.strip_suffix('}').unwrap_or(&text);
    let comma = if map.is_empty() { "" } else { "," };
    let head = format!("{open}{comma}\"x_padding\":\"");
    build(
        reply.status,
        Payload::padded(head, bytes, "\"}"),
        Some(reply.content_type().unwrap_or("application/json")),
        &reply.headers,
    )
}
