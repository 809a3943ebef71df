//! One HTTP request, described by generated code and executed by [`crate::Client`].

use std::fmt;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::deadline::Deadline;
use crate::encode;
use crate::secret::Secret;
use crate::validate::InvalidRequest;

/// Every byte but RFC 3986's unreserved characters is encoded in a path
/// segment, so a parameter can never add a `/`, `?` or `#` to the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986's unreserved characters: what [`PATH_SEGMENT`] leaves as it is.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Appends `value` to `path` percent-encoded as [`PATH_SEGMENT`] says; a
/// value of unreserved characters only (most ids) is copied as it is,
/// without going through the encoder byte by byte.
fn push_segment(path: &mut String, value: &str) {
    if crate::validate::all_in(&UNRESERVED, value.as_bytes()) {
        path.push_str(value);
    } else {
        path.extend(utf8_percent_encode(value, PATH_SEGMENT));
    }
}

/// The body of a request.
#[derive(Clone, Default)]
pub enum RequestBody {
    /// No body.
    #[default]
    None,
    /// `application/json`.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded`.
    Form(String),
    /// Bytes in the request's content type (text, binary, multipart).
    Raw(bytes::Bytes),
    /// Read as it is sent: from files, streams, or a multipart body of
    /// them (see [`crate::stream`]).
    Upload(crate::stream::Upload),
}

impl RequestBody {
    /// Whether the body can be sent again (a stream cannot).
    pub fn resendable(&self) -> bool {
        match self {
            RequestBody::Upload(upload) => upload.resendable(),
            _ => true,
        }
    }
}

/// A request built by generated code: which operation, the encoded path,
/// query, headers and body. Nothing here is sent until
/// [`crate::Client::execute`] runs it.
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation: &'static str,
    pub(crate) path_template: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: RequestBody,
    pub(crate) timeout: Option<Duration>,
    pub(crate) authenticate: bool,
    /// The operation's security requirement: alternatives, each the
    /// schemes whose credentials it carries together (`None`: any).
    pub(crate) security: Option<&'static [&'static [&'static str]]>,
    /// The epoch of the credential it carries (see `RefreshingToken`).
    pub(crate) auth_epoch: Option<u64>,
    pub(crate) deadline: Option<Deadline>,
    /// Credentials it carries, masked wherever they show up in an answer.
    pub(crate) secrets: Vec<Secret>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) rate_group: Option<&'static str>,
    /// What few calls set, boxed: a request is moved through its builder
    /// and copied for each attempt, and these would more than half again
    /// its size.
    pub(crate) rare: Option<Box<Rare>>,
}

/// The parts of a [`Request`] that few calls set.
#[derive(Clone, Default)]
pub(crate) struct Rare {
    /// Overrides the body's default media type.
    pub(crate) content_type: Option<HeaderValue>,
    /// A next-page link sent to instead of the path and query.
    pub(crate) follow: Option<String>,
    /// Why the call must fail without sending anything.
    pub(crate) error: Option<InvalidRequest>,
    /// Overrides the client's retry policy for this call.
    pub(crate) retry: Option<crate::retry::RetryPolicy>,
}

impl Request {
    /// A request for `operation` (its operationId), whose path follows
    /// `path_template` (as written in the spec, for logs and spans).
    #[inline]
    pub fn new(method: Method, operation: &'static str, path_template: &'static str) -> Self {
        Request {
            method,
            operation,
            path_template,
            // The template's length plus room for its parameters' values:
            // most paths are built without growing the string again.
            path: String::with_capacity(path_template.len() + 64),
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::None,
            timeout: None,
            authenticate: true,
            security: None,
            auth_epoch: None,
            deadline: None,
            secrets: Vec::new(),
            idempotent: None,
            rate_group: None,
            rare: None,
        }
    }

    /// The operationId this request performs.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template from the spec, e.g. `/accounts/{ACCOUNT_ID}/groups`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// Appends a literal piece of the path, as written in the spec.
    #[inline]
    pub fn literal(mut self, piece: &str) -> Self {
        self.path.push_str(piece);
        self
    }

    /// Appends a path parameter's value, percent-encoded as one segment.
    /// An empty value, `.` or `..` would change which resource the path
    /// names, so they are refused and nothing will be sent.
    #[inline]
    pub fn param(mut self, name: &str, value: &str) -> Self {
        if value.is_empty() || value == "." || value == ".." {
            self.refuse_segment(format_args!("path.{name}"), value);
            return self;
        }
        push_segment(&mut self.path, value);
        self
    }

    /// Out of line, so that [`Request::param`] inlines into a generated
    /// `into_request` and the request is built in place.
    #[cold]
    #[inline(never)]
    fn refuse_segment(&mut self, field: fmt::Arguments<'_>, value: &str) {
        self.fail(InvalidRequest::new(
            field,
            format!("must be a non-empty path segment other than `.` and `..` (got {value:?})"),
        ));
    }

    /// Appends several values as one path segment, each percent-encoded and
    /// joined by `separator` (OpenAPI `style: simple` arrays, e.g. a batch
    /// of ids `1,2,3`). Every value must be a valid segment on its own.
    pub fn param_list<T: AsRef<str>>(mut self, name: &str, values: &[T], separator: &str) -> Self {
        if values.is_empty() {
            self.fail(InvalidRequest::new(
                format_args!("path.{name}"),
                "must hold at least one value",
            ));
            return self;
        }
        for (i, value) in values.iter().enumerate() {
            let value = value.as_ref();
            if value.is_empty() || value == "." || value == ".." {
                self.refuse_segment(format_args!("path.{name}.{i}"), value);
                return self;
            }
            if i > 0 {
                self.path.push_str(separator);
            }
            push_segment(&mut self.path, value);
        }
        self
    }

    /// Appends a query parameter.
    pub fn query(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Appends a query parameter whose values are joined with commas
    /// (OpenAPI `style: form, explode: false`).
    pub fn query_csv<T: fmt::Display>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = T>,
    ) -> Self {
        let joined = values
            .into_iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",");
        self.query.push((name.to_owned(), joined));
        self
    }

    /// Appends a query parameter once per value (`style: form, explode: true`).
    pub fn query_each<T: fmt::Display>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = T>,
    ) -> Self {
        for value in values {
            self.query.push((name.to_owned(), value.to_string()));
        }
        self
    }

    /// Adds a header. A value that is not a valid header value is refused.
    pub fn header(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        match HeaderValue::try_from(value.to_string()) {
            Ok(value) => self.headers.push((HeaderName::from_static(name), value)),
            Err(_) => self.fail(InvalidRequest::new(
                format_args!("header.{name}"),
                "must be a valid HTTP header value",
            )),
        }
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = RequestBody::Json(bytes),
            Err(err) => self.fail(InvalidRequest::new(
                "body",
                format!("cannot be encoded as JSON: {err}"),
            )),
        }
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body from an object, as
    /// OpenAPI's defaults say: each property `style: form, explode: true`
    /// (arrays repeat the name, `k=a&k=b`), `null`s left out.
    pub fn form<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.form_styled(body, &[])
    }

    /// A form body whose properties named in `styles` are encoded in that
    /// style (the media type's `encoding` object: `deepObject` gives
    /// `k[a]=1`, `pipeDelimited` `k=a|b`, ...); the others as [`Request::form`].
    pub fn form_styled<T: Serialize + ?Sized>(
        mut self,
        body: &T,
        styles: &[(&str, encode::QueryStyle)],
    ) -> Self {
        let pairs = encode::to_value(body).and_then(|value| encode::form_pairs(&value, styles));
        match pairs {
            Ok(pairs) => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.extend_pairs(pairs);
                self.body = RequestBody::Form(form.finish());
            }
            Err(message) => self.fail(InvalidRequest::new("body", message)),
        }
        self
    }

    /// Sets a raw body (`application/octet-stream` unless
    /// [`Request::content_type`] says otherwise).
    pub fn bytes(mut self, body: impl Into<bytes::Bytes>) -> Self {
        self.body = RequestBody::Raw(body.into());
        self
    }

    /// Sets a text body (`text/plain; charset=utf-8` unless
    /// [`Request::content_type`] says otherwise).
    pub fn text(mut self, body: impl Into<String>) -> Self {
        self.body = RequestBody::Raw(bytes::Bytes::from(body.into()));
        self.rare()
            .content_type
            .get_or_insert(HeaderValue::from_static("text/plain; charset=utf-8"));
        self
    }

    /// Sets a body read from `stream` as it is sent, never held whole in
    /// memory (`application/octet-stream` unless
    /// [`Request::content_type`] says otherwise). `length`, when known, is
    /// sent as `Content-Length` (else the body is chunked). A stream can
    /// be read once: the request is sent at most once, never retried.
    pub fn body_stream<S>(mut self, stream: S, length: Option<u64>) -> Self
    where
        S: futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
    {
        self.body = RequestBody::Upload(crate::stream::Upload {
            pieces: vec![crate::stream::stream_piece(stream, length)],
        });
        self
    }

    /// Sets a body read from the file at `path` as it is sent, with its
    /// size as `Content-Length` (`application/octet-stream` unless
    /// [`Request::content_type`] says otherwise). The file is opened for
    /// each attempt, so the request is retried like any other; one that
    /// cannot be opened fails the call before anything is sent.
    pub fn body_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.body = RequestBody::Upload(crate::stream::Upload {
            pieces: vec![crate::stream::Piece::File(path.into())],
        });
        self
    }

    /// Sets a `multipart/form-data` body of `parts`, in order, whose files
    /// and streams are read as they are sent. With a stream part, the
    /// request is sent at most once.
    pub fn multipart_stream(mut self, parts: Vec<crate::stream::StreamPart>) -> Self {
        let boundary = multipart_boundary();
        self.body = RequestBody::Upload(crate::stream::Upload {
            pieces: crate::stream::multipart_pieces(parts, &boundary),
        });
        match HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}")) {
            Ok(value) => self.rare().content_type = Some(value),
            Err(_) => self.fail(InvalidRequest::new(
                "body",
                "cannot form a multipart boundary",
            )),
        }
        self
    }

    /// Adds a header whose name is known only at run time (an
    /// integrator's own: a tenant id, a trace context). An invalid name or
    /// value fails the call before anything is sent; a value under a name
    /// that may hold a credential is masked in errors. The credential the
    /// client sends replaces a header of the same name.
    pub fn extra_header(mut self, name: &str, value: &str) -> Self {
        let Ok(header) = HeaderName::try_from(name) else {
            self.fail(InvalidRequest::new(
                "header",
                "an extra header's name must be a valid HTTP header name",
            ));
            return self;
        };
        match HeaderValue::try_from(value) {
            Ok(mut value) => {
                if !crate::redact::header_shown(header.as_str()) {
                    value.set_sensitive(true);
                    self.add_secret(&Secret::new(value.to_str().unwrap_or_default().to_owned()));
                }
                self.headers.push((header, value));
            }
            Err(_) => self.fail(InvalidRequest::new(
                format_args!("header.{header}"),
                "must be a valid HTTP header value",
            )),
        }
        self
    }

    /// Retries this call as `policy` says instead of the client's policy.
    pub fn retry_policy(mut self, policy: crate::retry::RetryPolicy) -> Self {
        self.rare().retry = Some(policy);
        self
    }

    /// Never retries this call.
    pub fn no_retries(self) -> Self {
        self.retry_policy(crate::retry::RetryPolicy::none())
    }

    /// Sets a `multipart/form-data` body of `parts`, in order.
    pub fn multipart(mut self, parts: &[encode::Part]) -> Self {
        let boundary = multipart_boundary();
        self.body = RequestBody::Raw(encode::multipart_body(parts, &boundary).into());
        match HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}")) {
            Ok(value) => self.rare().content_type = Some(value),
            Err(_) => self.fail(InvalidRequest::new(
                "body",
                "cannot form a multipart boundary",
            )),
        }
        self
    }

    /// Sends the body with this media type (e.g. a vendor's
    /// `application/vnd.acme.v2+json`).
    pub fn content_type(mut self, media_type: &'static str) -> Self {
        match HeaderValue::try_from(media_type) {
            Ok(value) => self.rare().content_type = Some(value),
            Err(_) => self.fail(InvalidRequest::new(
                "header.content-type",
                "must be a valid media type",
            )),
        }
        self
    }

    /// Appends a query parameter of any type in `style` (objects, arrays,
    /// unions; see [`encode::QueryStyle`]).
    pub fn query_value<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: encode::QueryStyle,
    ) -> Self {
        match encode::to_value(value) {
            Ok(value) => self.query.extend(encode::query_pairs(name, &value, style)),
            Err(message) => self.fail(InvalidRequest::new(format_args!("query.{name}"), message)),
        }
        self
    }

    /// Appends a path parameter of any type (`style: simple`: arrays and
    /// objects comma-joined), encoded as one segment.
    pub fn param_value<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        match encode::to_value(value) {
            Ok(value) => self.param(name, &encode::simple(&value, false)),
            Err(message) => {
                self.fail(InvalidRequest::new(format_args!("path.{name}"), message));
                self
            }
        }
    }

    /// Adds a header of any type (`style: simple`).
    pub fn header_value<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        match encode::to_value(value) {
            Ok(value) => self.header(name, encode::simple(&value, false)),
            Err(message) => {
                self.fail(InvalidRequest::new(format_args!("header.{name}"), message));
                self
            }
        }
    }

    /// Adds a parameter of any type as JSON text (parameters declared with
    /// `content: application/json`).
    pub fn query_json<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(text) => self.query(name, text),
            Err(err) => {
                self.fail(InvalidRequest::new(
                    format_args!("query.{name}"),
                    format!("cannot be encoded as JSON: {err}"),
                ));
                self
            }
        }
    }

    /// Adds a cookie (`in: cookie` parameters), percent-encoding the value.
    pub fn cookie(mut self, name: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string();
        let pair = format!("{name}={}", utf8_percent_encode(&value, PATH_SEGMENT));
        let cookie = match self
            .headers
            .iter()
            .position(|(n, _)| n == reqwest::header::COOKIE)
        {
            Some(i) => {
                let (_, old) = self.headers.remove(i);
                format!("{}; {pair}", old.to_str().unwrap_or_default())
            }
            None => pair,
        };
        match HeaderValue::try_from(cookie) {
            Ok(value) => self.headers.push((reqwest::header::COOKIE, value)),
            Err(_) => self.fail(InvalidRequest::new(
                format_args!("cookie.{name}"),
                "must be a valid cookie value",
            )),
        }
        self
    }

    /// A timeout for this call alone, overriding the client's: the whole
    /// call (every wait and every attempt) must be over by then.
    #[inline]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        if timeout.is_some() {
            self.timeout = timeout;
        }
        self
    }

    /// The call must be over by `deadline` too (the earlier deadline wins):
    /// for the token requests an auth provider makes on behalf of a call.
    pub fn with_deadline(mut self, deadline: Option<Deadline>) -> Self {
        self.narrow_deadline(deadline);
        self
    }

    /// [`Request::with_deadline`] in place: the earlier of the two.
    pub(crate) fn narrow_deadline(&mut self, deadline: Option<Deadline>) {
        self.deadline = match (self.deadline, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The deadline of the call, once [`crate::Client::execute`] set it
    /// (auth providers read it in `authorize`).
    pub fn deadline(&self) -> Option<Deadline> {
        self.deadline
    }

    /// Marks `secret` as a credential this request carries: it is masked
    /// wherever it appears in an error about the answer.
    pub fn add_secret(&mut self, secret: &Secret) {
        if !self.secrets.contains(secret) {
            self.secrets.push(secret.clone());
        }
    }

    /// Sends this request without credentials (operations with
    /// `security: []`, such as token endpoints).
    pub fn without_auth(mut self) -> Self {
        self.authenticate = false;
        self
    }

    /// The operation's security requirement, as the spec's `security`
    /// says: alternatives, each naming the schemes (by their key in
    /// `components/securitySchemes`) whose credentials go together; an
    /// empty alternative makes credentials optional. See [`crate::Schemes`].
    #[inline]
    pub fn security(mut self, alternatives: &'static [&'static [&'static str]]) -> Self {
        self.security = Some(alternatives);
        self
    }

    /// Overrides what the method says about replaying this request: `true`
    /// for a POST the vendor documents as safe to send twice, `false` for a
    /// PUT that creates something new each time (the spec says so with
    /// `x-dialtone-idempotent`).
    #[inline]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The vendor's rate-limit group of this operation (RingCentral's
    /// `x-throttling-group`), which the client shapes its traffic by.
    #[inline]
    pub fn rate_group(mut self, group: &'static str) -> Self {
        self.rate_group = Some(group);
        self
    }

    /// Sends this request to `link` (a next-page URL from a `Link` header)
    /// instead of its own path and query. The link must be on the API's
    /// own origin, or the call fails without sending anything.
    pub fn follow(mut self, link: &str) -> Self {
        self.rare().follow = Some(link.to_owned());
        self.query.clear();
        self
    }

    /// Whether sending this request twice does no more than sending it once.
    pub fn replayable(&self) -> bool {
        let by_method = matches!(
            self.method,
            Method::GET
                | Method::HEAD
                | Method::PUT
                | Method::DELETE
                | Method::OPTIONS
                | Method::TRACE
        );
        self.body.resendable() && self.idempotent.unwrap_or(by_method)
    }

    /// Sends HTTP Basic credentials (e.g. an OAuth client id and secret on a
    /// token endpoint), marked sensitive.
    pub fn basic_auth(mut self, user: &str, password: &crate::Secret) -> Self {
        if let Err(crate::AuthError::Invalid(err)) = self.set_basic_auth(user, password) {
            self.fail(err);
        }
        self
    }

    /// Sets HTTP Basic credentials, marked sensitive; for auth providers.
    pub fn set_basic_auth(
        &mut self,
        user: &str,
        password: &crate::Secret,
    ) -> Result<(), crate::AuthError> {
        use base64::Engine as _;
        self.add_secret(password);
        let raw = format!("{user}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        let mut value = HeaderValue::try_from(format!("Basic {encoded}")).map_err(|_| {
            crate::AuthError::Invalid(InvalidRequest::new(
                "header.authorization",
                "must be a valid HTTP header value",
            ))
        })?;
        value.set_sensitive(true);
        self.headers
            .retain(|(n, _)| n != reqwest::header::AUTHORIZATION);
        self.headers.push((reqwest::header::AUTHORIZATION, value));
        Ok(())
    }

    /// Sets cookie `name` (percent-encoding the value, replacing a cookie
    /// of the same name), marked sensitive; for auth providers.
    pub fn set_cookie(&mut self, name: &str, value: &str) -> Result<(), crate::AuthError> {
        let pair = format!("{name}={}", utf8_percent_encode(value, PATH_SEGMENT));
        let mut pairs: Vec<String> = Vec::new();
        if let Some(i) = self
            .headers
            .iter()
            .position(|(n, _)| n == reqwest::header::COOKIE)
        {
            let (_, old) = self.headers.remove(i);
            pairs.extend(
                old.to_str()
                    .unwrap_or_default()
                    .split("; ")
                    .filter(|p| !p.is_empty() && p.split('=').next() != Some(name))
                    .map(str::to_owned),
            );
        }
        pairs.push(pair);
        let mut value = HeaderValue::try_from(pairs.join("; ")).map_err(|_| {
            crate::AuthError::Invalid(InvalidRequest::new(
                format_args!("cookie.{name}"),
                "credential must be a valid cookie value",
            ))
        })?;
        value.set_sensitive(true);
        self.headers.push((reqwest::header::COOKIE, value));
        Ok(())
    }

    /// Sets a query parameter, replacing any of the same name; for auth
    /// providers.
    pub fn set_query(&mut self, name: &str, value: &str) {
        self.query.retain(|(n, _)| n != name);
        self.query.push((name.to_owned(), value.to_owned()));
    }

    /// Adds or replaces a header; for auth providers. Sensitive values are
    /// marked so that `http`'s own `Debug` hides them.
    pub fn set_header(&mut self, name: HeaderName, mut value: HeaderValue, sensitive: bool) {
        value.set_sensitive(sensitive);
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name, value));
    }

    fn fail(&mut self, error: InvalidRequest) {
        self.rare().error.get_or_insert(error);
    }

    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Why the call must fail without sending anything, taken.
    pub(crate) fn take_error(&mut self) -> Option<InvalidRequest> {
        self.rare.as_mut().and_then(|rare| rare.error.take())
    }
}

/// A boundary no part is likely to contain.
fn multipart_boundary() -> String {
    format!(
        "dialtone-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// Shows what is safe to log: no query values (a token may be one), no
/// header values, no body.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path_template", &self.path_template)
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_what_the_encoder_makes_of_it() {
        let alphabet: Vec<char> = "az09AZ-._~/?#% é+:@!$&'()*,;=".chars().collect();
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..5_000 {
            let len = rng.usize(0..12);
            let value: String = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let mut fast = String::new();
            super::push_segment(&mut fast, &value);
            let slow: String = utf8_percent_encode(&value, PATH_SEGMENT).collect();
            assert_eq!(fast, slow, "{value:?}");
        }
    }

    #[test]
    fn path_params_are_one_encoded_segment() {
        let mut r = Request::new(Method::GET, "op", "/a/{id}/b")
            .literal("/a/")
            .param("id", "x/../y?z#w %")
            .literal("/b");
        assert_eq!(r.path, "/a/x%2F..%2Fy%3Fz%23w%20%25/b");
        assert!(r.take_error().is_none());
    }

    #[test]
    fn lists_are_encoded_then_joined() {
        let r = Request::new(Method::GET, "op", "/e/{ids}")
            .literal("/e/")
            .param_list("ids", &["1", "a,b", "~"], ",");
        assert_eq!(r.path, "/e/1,a%2Cb,~");
        let mut r =
            Request::new(Method::GET, "op", "/e/{ids}").param_list("ids", &["1", ".."], ",");
        assert_eq!(r.take_error().unwrap().field, "path.ids.1");
    }

    #[test]
    fn dot_segments_and_empty_are_refused() {
        for bad in ["", ".", ".."] {
            let mut r = Request::new(Method::GET, "op", "/a/{id}").param("id", bad);
            assert_eq!(r.take_error().unwrap().field, "path.id");
        }
    }

    #[test]
    fn query_styles() {
        let r = Request::new(Method::GET, "op", "/")
            .query_csv("ids", [1, 2, 3])
            .query_each("site", ["a", "b"]);
        assert_eq!(
            r.query,
            vec![
                ("ids".to_owned(), "1,2,3".to_owned()),
                ("site".to_owned(), "a".to_owned()),
                ("site".to_owned(), "b".to_owned()),
            ]
        );
    }

    #[test]
    fn form_bodies_skip_nulls_and_explode_by_default() {
        let r = Request::new(Method::POST, "op", "/").form(&serde_json::json!({
            "grant_type": "password", "ttl": 600, "scope": null
        }));
        match r.body {
            RequestBody::Form(s) => assert_eq!(s, "grant_type=password&ttl=600"),
            _ => panic!("expected a form body"),
        }
        let r = Request::new(Method::POST, "op", "/")
            .form(&serde_json::json!({"a": [1], "m": {"k": "v w"}}));
        match r.body {
            // OpenAPI's default for a form body (style form, explode
            // true): an array repeats its key, an object's properties
            // are keys of their own; brackets only for deepObject.
            RequestBody::Form(s) => assert_eq!(s, "a=1&k=v+w"),
            _ => panic!("expected a form body"),
        }
        let mut r = Request::new(Method::POST, "op", "/").form(&serde_json::json!([1]));
        assert_eq!(r.take_error().unwrap().field, "body");
    }

    #[test]
    fn debug_shows_no_values() {
        let mut r = Request::new(Method::GET, "op", "/").query("access_token", "canary");
        r.set_header(
            HeaderName::from_static("x-auth-token"),
            HeaderValue::from_static("canary2"),
            true,
        );
        let shown = format!("{r:?}");
        assert!(!shown.contains("canary"), "{shown}");
    }
}

/// What a generated request builder lets a caller change for one call: a
/// timeout, extra headers and the retry policy, applied to its
/// [`Request`] by [`CallOptions::apply`]. `Debug` shows header names,
/// never their values.
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) retry: Option<crate::retry::RetryPolicy>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("retry", &self.retry)
            .finish()
    }
}

impl CallOptions {
    /// A timeout for this call alone, instead of the client's.
    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// A header for this call (see [`Request::extra_header`]: an invalid
    /// name or value fails the call before anything is sent).
    pub fn extra_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// Retries this call as `policy` says instead of the client's policy.
    pub fn retry_policy(&mut self, policy: crate::retry::RetryPolicy) {
        self.retry = Some(policy);
    }

    /// Applies the options to `request`.
    #[inline]
    pub fn apply(self, mut request: Request) -> Request {
        request.timeout = self.timeout.or(request.timeout);
        if self.headers.is_empty() && self.retry.is_none() {
            return request;
        }
        self.apply_rest(request)
    }

    /// Headers and a retry policy: out of line, as few calls set them.
    #[inline(never)]
    fn apply_rest(self, mut request: Request) -> Request {
        for (name, value) in &self.headers {
            request = request.extra_header(name, value);
        }
        if let Some(policy) = self.retry {
            request = request.retry_policy(policy);
        }
        request
    }
}
