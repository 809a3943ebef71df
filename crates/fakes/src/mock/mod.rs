//! The spec-driven mock: any bundled OpenAPI 3.0 document served on
//! loopback, every request checked against it, every answer made from it.
//!
//! ```no_run
//! # async fn run(doc: serde_json::Value) -> Result<(), dialtone_fakes::mock::MockError> {
//! use dialtone_fakes::mock::{self, MockOptions};
//!
//! let server = mock::serve(doc, 0, MockOptions::default()).await?;
//! // ... drive a client against server.base_url() ...
//! assert!(server.violations().is_empty(), "{:#?}", server.violations());
//! # Ok(()) }
//! ```
//!
//! # Requests
//!
//! Each request is matched to an operation (path templates with several
//! parameters per segment, the most specific first) and read with the same
//! code as the vendor fakes ([`crate::spec`]), strictly: path, query,
//! header and cookie parameters by their `style`/`explode` (or `content`),
//! bodies by media type (JSON and `+json`, forms with their `encoding`,
//! multipart parts per property, text, bytes), every schema with its
//! formats, and the operation's `security` (any credential of the right
//! shape, or those of [`MockOptions::credential`]). Query parameters the
//! operation does not declare, a scalar given twice, and a body sent to an
//! operation without one are violations too.
//!
//! A request that breaks the spec is answered 400 (401 for a missing or
//! refused credential, 404 for an unknown path, 405 for a method the path
//! does not have, 415 for a media type the operation does not take) with
//! an `application/problem+json` body listing the violations, and each
//! violation is recorded: [`MockServer::violations`].
//!
//! # Answers
//!
//! A valid request gets the operation's first documented 2xx answer (or
//! `default`), or the status its `x-dialtone-mock-status` header asks for
//! (a status the operation documents, exactly, by range or by `default`),
//! in the media type the `Accept` header prefers among those documented.
//! The body is the media type's example (`example`, then each of
//! `examples`) when it fits the schema, else a value written from the
//! schema ([`generate`]), checked against the schema before it is sent;
//! documented headers carry their example or a written value. Answers are
//! deterministic, and made once per operation, status and media type.
//! Non-JSON bodies: text media types get a string (the schema's, when it
//! is one), XML a fixed document, anything else fixed bytes.

mod generate;
mod pattern;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Value, json};

use crate::Options;
use crate::server::{FakeServer, Fault, Incoming, Refusal, Reply, Target, Vendor};
use crate::spec::{
    Direction, Media, Operation, Problem, Response, Schema, Spec, SpecError, SpecOptions, clip,
    component, escape_pointer, is_json,
};
use crate::sync::Lock;
use generate::Generator;

/// The request header that asks for a documented status.
pub const STATUS_HEADER: &str = "x-dialtone-mock-status";
/// The most violations kept; later ones are counted only.
pub const MAX_VIOLATIONS: usize = 10_000;
/// The most answer-making failures kept.
const MAX_ERRORS: usize = 1_000;
/// The most distinct patterns whose compiled form is kept.
const MAX_PATTERNS: usize = 1_024;

/// How a mock behaves.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MockOptions {
    /// The server's options (log, faults, timeouts, connection limit,
    /// body cap). `token_ttl` and the rate limits do not apply.
    pub server: Options,
    /// The credentials accepted per security scheme name (HTTP Basic:
    /// `user:password`); a scheme not listed takes any well-formed one.
    pub credentials: BTreeMap<String, BTreeSet<String>>,
}

impl MockOptions {
    /// Sets [`MockOptions::server`].
    pub fn server(mut self, options: Options) -> Self {
        self.server = options;
        self
    }

    /// Accepts `value` (and, once one is set, only the values set) for the
    /// security scheme `scheme`.
    pub fn credential(mut self, scheme: &str, value: &str) -> Self {
        self.credentials
            .entry(scheme.to_owned())
            .or_default()
            .insert(value.to_owned());
        self
    }
}

/// A request the mock refused: what it was sent to, where it broke the
/// spec, and the status it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The operationId (`METHOD path` when the spec has none); `None` when
    /// no operation matched.
    pub operation: Option<String>,
    /// The method.
    pub method: String,
    /// The path as sent (at most 200 characters).
    pub path: String,
    /// Where: `path.id`, `query.limit`, `header.X-Id`, `cookie.session`,
    /// `body` or a JSON pointer below it (`body/items/0/name`), `security`
    /// (`header.Authorization` for a single scheme), `method`,
    /// `header.Content-Type`, `header.x-dialtone-mock-status`.
    pub location: String,
    /// The rule: a JSON Schema keyword (`required`, `type`, `maxLength`...)
    /// or `unknown`, `style`, `encoding`, `json`, `security`, `notFound`,
    /// `method`, `mediaType`, `status`.
    pub keyword: String,
    /// What is wrong (never a credential's value).
    pub message: String,
    /// The status the request was answered with.
    pub status: u16,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {}: {} [{}]",
            self.method,
            self.path,
            self.operation.as_deref().unwrap_or("no operation"),
            self.location,
            self.message,
            self.keyword
        )
    }
}

/// What could not be served.
#[derive(Debug)]
pub enum MockError {
    /// The spec: where and what.
    Spec(SpecError),
    /// The listener.
    Io(io::Error),
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MockError::Spec(e) => write!(f, "the spec cannot be served: {e}"),
            MockError::Io(e) => write!(f, "the mock cannot listen: {e}"),
        }
    }
}

impl std::error::Error for MockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MockError::Spec(e) => Some(e),
            MockError::Io(e) => Some(e),
        }
    }
}

impl From<SpecError> for MockError {
    fn from(e: SpecError) -> Self {
        MockError::Spec(e)
    }
}

impl From<io::Error> for MockError {
    fn from(e: io::Error) -> Self {
        MockError::Io(e)
    }
}

#[derive(Default)]
struct Log {
    violations: Vec<Violation>,
    dropped: usize,
    errors: Vec<String>,
}

/// An answer, made once.
#[derive(Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
    None,
}

/// An operation's index, a response key, a content type.
type AnswerKey = (usize, String, String);
/// A made answer: its body and headers, or why it cannot be made.
type Made = Result<(Body, Vec<(String, String)>), String>;

/// A spec, ready to check requests and make answers.
pub struct Mock {
    spec: Spec,
    /// Print each violation (with `Options::log`).
    print: bool,
    log: Lock<Log>,
    answers: Lock<BTreeMap<AnswerKey, Made>>,
    patterns: Lock<BTreeMap<String, Option<Arc<Validator>>>>,
}

impl Mock {
    /// Loads `doc`: an OpenAPI 3.0 document whose `$ref`s all point into
    /// `#/components`. Schemas are compiled when first needed
    /// ([`Mock::check`] compiles them all).
    pub fn new(doc: Value, options: &MockOptions) -> Result<Mock, SpecError> {
        let mut spec_options = SpecOptions::strict();
        spec_options.credentials = options.credentials.clone();
        Ok(Mock {
            spec: Spec::from_value(doc, spec_options)?,
            print: options.server.log,
            log: Lock::new(Log::default()),
            answers: Lock::new(BTreeMap::new()),
            patterns: Lock::new(BTreeMap::new()),
        })
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Compiles every schema and makes every documented answer: each
    /// problem with where it is. Empty: every request can be checked and
    /// every documented answer sent.
    pub fn check(&self) -> Vec<SpecError> {
        let mut errors = self.spec.compile_all();
        for (index, op) in self.spec.operations.iter().enumerate() {
            for response in &op.responses {
                let at = format!("{}/responses/{}", op.pointer, escape_pointer(&response.key));
                let media: Vec<Option<&Media>> = if response.content.is_empty() {
                    vec![None]
                } else {
                    response.content.iter().map(Some).collect()
                };
                for media in media {
                    let content_type = media.map(|m| concrete(&m.essence, &m.key, None));
                    if let Err(why) =
                        self.answer(index, op, response, media, content_type.as_deref())
                    {
                        let at = match media {
                            Some(m) => format!("{at}/content/{}", escape_pointer(&m.key)),
                            None => at.clone(),
                        };
                        errors.push(SpecError::new(&at, why));
                    }
                }
            }
        }
        errors
    }

    /// The violations recorded so far (at most [`MAX_VIOLATIONS`]).
    pub fn violations(&self) -> Vec<Violation> {
        self.log.lock().violations.clone()
    }

    /// The violations recorded so far, forgetting them.
    pub fn take_violations(&self) -> Vec<Violation> {
        let mut log = self.log.lock();
        log.dropped = 0;
        std::mem::take(&mut log.violations)
    }

    /// Violations beyond [`MAX_VIOLATIONS`], counted only.
    pub fn dropped_violations(&self) -> usize {
        self.log.lock().dropped
    }

    /// Answers the mock could not make (a schema no written value fits):
    /// each was a 500.
    pub fn errors(&self) -> Vec<String> {
        self.log.lock().errors.clone()
    }

    /// A value valid against `schema` (OpenAPI, `$ref`s into the spec's
    /// components) for `direction`: written as the answers are, and checked.
    pub fn value(&self, schema: &Value, direction: Direction) -> Result<Value, String> {
        let compiled = self
            .spec
            .schema(schema, direction)
            .map_err(|e| e.to_string())?;
        self.write(&compiled, None)
    }

    fn record(&self, target: &Target, problems: &[Problem], status: u16) {
        let mut log = self.log.lock();
        for problem in problems {
            if self.print {
                println!(
                    "mock: violation: {} {} ({}): {}: {} -> {status}",
                    target.method,
                    target.path,
                    target.operation.as_deref().unwrap_or("no operation"),
                    problem.field,
                    problem.message
                );
            }
            if log.violations.len() >= MAX_VIOLATIONS {
                log.dropped = log.dropped.saturating_add(1);
                continue;
            }
            log.violations.push(Violation {
                operation: target.operation.clone(),
                method: target.method.clone(),
                path: target.path.clone(),
                location: problem.field.clone(),
                keyword: problem.keyword.clone(),
                message: problem.message.clone(),
                status,
            });
        }
    }

    fn error(&self, message: String) {
        let mut log = self.log.lock();
        if log.errors.len() < MAX_ERRORS {
            log.errors.push(message);
        }
    }

    /// Whether `candidate` matches `pattern` (as the validator reads it).
    fn matches(&self, pattern: &str, candidate: &str) -> bool {
        let validator = {
            let mut cache = self.patterns.lock();
            match cache.get(pattern) {
                Some(v) => v.clone(),
                None => {
                    let v = jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft4)
                        .build(&json!({"pattern": pattern}))
                        .ok()
                        .map(Arc::new);
                    if cache.len() < MAX_PATTERNS {
                        cache.insert(pattern.to_owned(), v.clone());
                    }
                    v
                }
            }
        };
        validator.is_some_and(|v| v.is_valid(&Value::String(candidate.to_owned())))
    }

    /// A value for `schema`: the media type's examples first, then written
    /// values, each checked.
    fn write(&self, schema: &Schema, media: Option<&Media>) -> Result<Value, String> {
        let validator = schema
            .validator()
            .map_err(|e| format!("the schema cannot be compiled: {e}"))?;
        for example in media.into_iter().flat_map(|m| examples(&self.spec, &m.raw)) {
            if validator.is_valid(&example) {
                return Ok(example);
            }
        }
        let check = |pattern: &str, candidate: &str| self.matches(pattern, candidate);
        let mut last = Value::Null;
        for (use_examples, shift) in [(true, 0), (false, 0), (false, 1), (false, 2), (false, 3)] {
            let generator =
                Generator::new(&self.spec, schema.direction(), use_examples, shift, &check);
            let value = generator.value(schema.raw());
            if validator.is_valid(&value) {
                return Ok(value);
            }
            last = value;
        }
        let problems = schema.problems("", &last);
        let places: Vec<String> = problems
            .iter()
            .take(3)
            .map(|p| {
                format!(
                    "{} ({})",
                    if p.field.is_empty() { "/" } else { &p.field },
                    p.message
                )
            })
            .collect();
        Err(clip(
            &format!("no written value fits the schema: {}", places.join("; ")),
            400,
        ))
    }

    /// The body and headers of one documented answer, made once.
    fn answer(
        &self,
        index: usize,
        op: &Operation,
        response: &Response,
        media: Option<&Media>,
        content_type: Option<&str>,
    ) -> Made {
        let key = (
            index,
            response.key.clone(),
            content_type.unwrap_or_default().to_owned(),
        );
        if let Some(made) = self.answers.lock().get(&key) {
            return made.clone();
        }
        let made = self.make(op, response, media, content_type);
        self.answers.lock().insert(key, made.clone());
        made
    }

    fn make(
        &self,
        op: &Operation,
        response: &Response,
        media: Option<&Media>,
        content_type: Option<&str>,
    ) -> Made {
        let body = match (media, content_type) {
            (Some(media), Some(content_type)) => self
                .body(media, content_type)
                .map_err(|e| format!("{} {}: {e}", op.id, response.key))?,
            _ => Body::None,
        };
        let mut headers = Vec::new();
        for (name, header, schema) in &response.headers {
            let lower = name.to_ascii_lowercase();
            if [
                "content-length",
                "transfer-encoding",
                "connection",
                "content-type",
            ]
            .contains(&lower.as_str())
            {
                continue;
            }
            let value = header_example(&self.spec, header, schema.as_ref())
                .map_or_else(
                    || schema.as_ref().map(|s| self.write(s, None)).transpose(),
                    |v| Ok(Some(v)),
                )
                .map_err(|e| format!("{} {} header {name}: {e}", op.id, response.key))?;
            let explode = header
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let text = value
                .as_ref()
                .map_or_else(|| "x".to_owned(), |v| simple(v, explode));
            if hyper::header::HeaderValue::try_from(text.as_str()).is_ok()
                && hyper::header::HeaderName::try_from(name.as_str()).is_ok()
            {
                headers.push((name.clone(), text));
            }
        }
        Ok((body, headers))
    }

    fn body(&self, media: &Media, content_type: &str) -> Result<Body, String> {
        let essence = crate::spec::essence(content_type);
        if is_json(&essence) {
            return match &media.schema {
                Some(schema) => self.write(schema, Some(media)).map(Body::Json),
                None => Ok(Body::Json(
                    examples(&self.spec, &media.raw).next().unwrap_or(json!({})),
                )),
            };
        }
        let example = examples(&self.spec, &media.raw).find_map(|e| match e {
            Value::String(s) => Some(s),
            _ => None,
        });
        if essence.starts_with("text/") {
            if let Some(text) = example {
                return Ok(Body::Bytes(text.into_bytes()));
            }
            let string = media
                .schema
                .as_ref()
                .filter(|s| crate::spec::style::types(self.spec.doc(), s.raw()).string);
            return Ok(Body::Bytes(match string {
                Some(schema) => match self.write(schema, None)? {
                    Value::String(s) => s.into_bytes(),
                    other => other.to_string().into_bytes(),
                },
                None => b"dialtone mock\n".to_vec(),
            }));
        }
        if let Some(text) = example {
            return Ok(Body::Bytes(text.into_bytes()));
        }
        if essence == "application/xml" || essence.ends_with("+xml") {
            return Ok(Body::Bytes(b"<?xml version=\"1.0\"?><mock/>".to_vec()));
        }
        Ok(Body::Bytes(b"dialtone mock\n".to_vec()))
    }

    fn reply(&self, request: &Incoming) -> Reply {
        let Some(op) = self.spec.operations.get(request.operation) else {
            return problem_reply(500, "The mock lost track of the operation.", &[]);
        };
        let Ok(status) = requested_status(op, request) else {
            // Refused before dispatch (Vendor::request_problems).
            return problem_reply(500, "The mock lost track of the status.", &[]);
        };
        let Some(response) = op.response(status) else {
            return Reply::empty(status);
        };
        let no_body = op.method == "HEAD" || status == 204 || status == 304 || status < 200;
        let accept = request
            .headers
            .get(hyper::header::ACCEPT)
            .and_then(|v| v.to_str().ok());
        let chosen = if no_body {
            None
        } else {
            negotiate(&response.content, accept)
        };
        let (media, content_type) = match chosen {
            Some((m, c)) => (Some(m), Some(c)),
            None => (None, None),
        };
        match self.answer(
            request.operation,
            op,
            response,
            media,
            content_type.as_deref(),
        ) {
            Ok((body, headers)) => {
                let mut reply = match (body, content_type) {
                    (Body::Json(value), Some(content_type)) => {
                        Reply::json(status, value).with_content_type(&content_type)
                    }
                    (Body::Bytes(bytes), Some(content_type)) => {
                        Reply::bytes(status, &content_type, bytes)
                    }
                    _ => Reply::empty(status),
                };
                reply.headers = headers;
                reply
            }
            Err(why) => {
                self.error(why.clone());
                eprintln!("dialtone mock: {why}");
                problem_reply(
                    500,
                    "The mock could not make this answer from the spec.",
                    &[],
                )
            }
        }
    }
}

/// The status a request asks for, or the operation's first documented
/// success.
fn requested_status(op: &Operation, request: &Incoming) -> Result<u16, Problem> {
    if let Some(asked) = request.headers.get(STATUS_HEADER) {
        let status = asked
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
            .filter(|s| (100..=599).contains(s));
        let documented = status.filter(|s| op.response(*s).is_some());
        return documented.ok_or_else(|| Problem {
            field: format!("header.{STATUS_HEADER}"),
            keyword: "status".into(),
            message: format!(
                "must be a status that {} documents ({})",
                op.id,
                op.responses
                    .iter()
                    .map(|r| r.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let status = |key: &str| -> Option<u16> {
        match key.strip_suffix("XX") {
            Some(range) => range.parse::<u16>().ok().map(|r| r * 100),
            None => key.parse().ok(),
        }
    };
    let success = op
        .responses
        .iter()
        .filter_map(|r| status(&r.key))
        .find(|s| (200..300).contains(s));
    Ok(success
        .or_else(|| {
            op.responses
                .iter()
                .any(|r| r.key == "default")
                .then_some(200)
        })
        .or_else(|| op.responses.iter().find_map(|r| status(&r.key)))
        .unwrap_or(204))
}

/// The media type to answer in: the first documented one the `Accept`
/// header takes (by its order of preference), else the first documented;
/// and the `Content-Type` to send.
fn negotiate<'a>(content: &'a [Media], accept: Option<&str>) -> Option<(&'a Media, String)> {
    let first = content.first()?;
    let mut ranges: Vec<(String, f32)> = accept
        .unwrap_or("")
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let essence = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!essence.is_empty() && q > 0.0).then_some((essence, q))
        })
        .collect();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (range, _) in &ranges {
        for media in content {
            if media_fits(range, &media.essence) {
                return Some((media, concrete(&media.essence, &media.key, Some(range))));
            }
        }
    }
    Some((first, concrete(&first.essence, &first.key, None)))
}

/// Whether an `Accept` range and a documented media type (either may
/// have wildcards) meet.
fn media_fits(range: &str, documented: &str) -> bool {
    let split = |s: &str| {
        let (a, b) = s.split_once('/').unwrap_or((s, "*"));
        (a.to_owned(), b.to_owned())
    };
    let (ra, rb) = split(range);
    let (da, db) = split(documented);
    (ra == "*" || da == "*" || ra == da) && (rb == "*" || db == "*" || rb == db)
}

/// The `Content-Type` for a documented media type: as the spec writes it,
/// or, for a wildcard, the client's concrete choice or a plain default.
fn concrete(essence: &str, key: &str, range: Option<&str>) -> String {
    if !essence.contains('*') {
        return key.to_owned();
    }
    if let Some(range) = range.filter(|r| !r.contains('*')) {
        return range.to_owned();
    }
    match essence.split('/').next().unwrap_or("*") {
        "text" => "text/plain".into(),
        "image" => "image/png".into(),
        "*" => "application/octet-stream".into(),
        major => format!("{major}/octet-stream"),
    }
}

/// The examples of a Media Type Object: `example`, then each of
/// `examples` (following `$ref`s to `#/components/examples`).
fn examples<'a>(spec: &'a Spec, media: &'a Value) -> impl Iterator<Item = Value> + 'a {
    let doc = spec.doc();
    media.get("example").cloned().into_iter().chain(
        media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(move |(_, example)| {
                component(doc, example, "examples", "#")
                    .ok()
                    .and_then(|e| e.get("value"))
                    .cloned()
            }),
    )
}

/// A header's example, if it has a valid one.
fn header_example(spec: &Spec, header: &Value, schema: Option<&Schema>) -> Option<Value> {
    let schema_example = header
        .get("schema")
        .map(|s| crate::spec::resolve(spec.doc(), s))
        .and_then(|s| s.get("example"))
        .cloned();
    examples(spec, header)
        .chain(schema_example)
        .find(|e| schema.is_none_or(|s| s.is_valid(e)))
}

/// A value as a header writes it (`style: simple`).
fn simple(value: &Value, explode: bool) -> String {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if explode {
                    format!("{k}={}", scalar(v))
                } else {
                    format!("{k},{}", scalar(v))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        other => scalar(other),
    }
}

/// An `application/problem+json` answer listing `problems`.
fn problem_reply(status: u16, title: &str, problems: &[Problem]) -> Reply {
    let violations: Vec<Value> = problems
        .iter()
        .map(|p| json!({"location": p.field, "keyword": p.keyword, "message": p.message}))
        .collect();
    let mut body = json!({"type": "about:blank", "title": title, "status": status});
    if let Some(first) = problems.first() {
        body["detail"] = json!(format!("{}: {}", first.field, first.message));
    }
    if !violations.is_empty() {
        body["violations"] = Value::Array(violations);
    }
    Reply::json(status, body).with_content_type("application/problem+json")
}

impl Vendor for Mock {
    fn name(&self) -> &'static str {
        "mock"
    }

    fn spec(&self) -> &Spec {
        &self.spec
    }

    fn invalid(&self, problems: &[Problem]) -> Reply {
        problem_reply(400, "The request breaks the spec.", problems)
    }

    fn refuse(&self, refusal: &Refusal) -> Reply {
        let reply = problem_reply(refusal.status(), &refusal.message(), &[]);
        let reply = match refusal.retry_after() {
            Some(secs) => reply.with_header("Retry-After", secs.to_string()),
            None => reply,
        };
        match refusal {
            Refusal::MethodNotAllowed { allowed } => reply.with_header("Allow", allowed.join(", ")),
            _ => reply,
        }
    }

    fn invalid_request(&self, target: &Target, problems: &[Problem]) -> Reply {
        let status = if problems.iter().any(|p| p.keyword == "security") {
            401
        } else {
            400
        };
        self.record(target, problems, status);
        let title = if status == 401 {
            "The request lacks a credential the spec requires."
        } else {
            "The request breaks the spec."
        };
        problem_reply(status, title, problems)
    }

    fn refuse_request(&self, target: &Target, refusal: &Refusal) -> Reply {
        let recorded = match refusal {
            Refusal::NotFound => Some((
                "path",
                "notFound",
                "no operation of the spec has this path".to_owned(),
            )),
            Refusal::MethodNotAllowed { allowed } => Some((
                "method",
                "method",
                format!(
                    "the path has no {} operation (it has {})",
                    target.method,
                    allowed.join(", ")
                ),
            )),
            Refusal::UnsupportedMediaType { found, expected } => Some((
                "header.Content-Type",
                "mediaType",
                format!(
                    "{} is not a media type of the request body ({})",
                    found
                        .as_deref()
                        .map_or("no Content-Type".to_owned(), |f| clip(f, 64)),
                    expected.join(", ")
                ),
            )),
            _ => None,
        };
        if let Some((field, keyword, message)) = recorded {
            let problem = Problem {
                field: field.into(),
                keyword: keyword.into(),
                message,
            };
            self.record(target, std::slice::from_ref(&problem), refusal.status());
        }
        self.refuse(refusal)
    }

    fn authorize(&self, _request: &Incoming) -> Result<(), Reply> {
        // Credentials are part of the spec's checks (keyword `security`).
        Ok(())
    }

    fn request_problems(&self, request: &Incoming) -> Vec<Problem> {
        match self.spec.operations.get(request.operation) {
            Some(op) => requested_status(op, request).err().into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn handle(&self, request: &Incoming) -> Reply {
        self.reply(request)
    }

    fn credential(&self) -> (String, &'static str) {
        (
            "any value".to_owned(),
            "as the spec's security schemes say (any well-formed credential)",
        )
    }
}

/// A running mock.
pub struct MockServer {
    server: FakeServer,
    mock: Arc<Mock>,
}

impl MockServer {
    /// The base URL a client is built with (the path of the spec's first
    /// server included).
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The mock: its spec, violations and errors.
    pub fn mock(&self) -> &Mock {
        &self.mock
    }

    /// The violations recorded so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.mock.violations()
    }

    /// The violations recorded so far, forgetting them.
    pub fn take_violations(&self) -> Vec<Violation> {
        self.mock.take_violations()
    }

    /// Answers the mock could not make.
    pub fn errors(&self) -> Vec<String> {
        self.mock.errors()
    }

    /// How many valid requests reached operation `op_id`.
    pub fn requests(&self, op_id: &str) -> usize {
        self.server.requests(op_id)
    }

    /// Injects `fault` into the next request.
    pub fn inject(&self, fault: Fault) {
        self.server.inject(fault);
    }
}

/// Serves `doc` (a bundled OpenAPI 3.0 document) on 127.0.0.1:`port` (0:
/// any free port). The entry point of `dialtone mock --spec FILE`.
pub async fn serve(doc: Value, port: u16, options: MockOptions) -> Result<MockServer, MockError> {
    let mock = Arc::new(Mock::new(doc, &options)?);
    let server = FakeServer::start_with(mock.clone(), port, &options.server).await?;
    Ok(MockServer { server, mock })
}
