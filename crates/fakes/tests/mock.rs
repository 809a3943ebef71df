//! The spec-driven mock over real HTTP on 127.0.0.1.
//!
//! - The style decoders against the examples of the OpenAPI 3.0.3
//!   specification's style table (path, query, header, cookie), as
//!   functions and over HTTP.
//! - Form and multipart bodies, media types, security alternatives, the
//!   status header, unknown paths and methods.
//! - Every operation of every spec of `tests/corpus/`: one valid request
//!   (built here, by hand, from the spec's examples and schemas) answered
//!   2xx with a body that fits its schema, one documented error status asked
//!   for and fitting too, and one invalid request answered with a
//!   recorded violation.
//!
//! Requests are written raw, so that anything can be sent; every exchange
//! is bounded in time.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use dialtone_fakes::mock::{self, Mock, MockOptions, MockServer, Violation};
use dialtone_fakes::spec::style::{self, Shape, Style};
use dialtone_fakes::spec::{
    Direction, Location, Operation, Param, decode_component, essence, is_json,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The longest one exchange may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// RFC 3986 unreserved characters stay, everything else is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

// ---------------------------------------------------------------------
// A raw HTTP/1.1 client.

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

#[derive(Debug, Clone, Default)]
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn new(method: &str, target: &str) -> Self {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            ..Request::default()
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body.into();
        self
    }
}

async fn send(addr: SocketAddr, request: &Request) -> Answer {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n",
            request.method,
            request.target,
            request.body.len()
        );
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&request.body);
        stream.write_all(&bytes).await.expect("write");
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.expect("read");
        out
    };
    let raw = tokio::time::timeout(DEADLINE, exchange)
        .await
        .unwrap_or_else(|_| panic!("no answer in time to {} {}", request.method, request.target));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

// ---------------------------------------------------------------------
// The style table of OpenAPI 3.0.3 ("Style Examples"), for a parameter
// `color` holding "blue", ["blue","black","brown"] or {R:100,G:200,B:150}.

fn sample(shape: Shape) -> Value {
    match shape {
        Shape::Scalar => json!("blue"),
        Shape::Array => json!(["blue", "black", "brown"]),
        Shape::Object => json!({"R": "100", "G": "200", "B": "150"}),
    }
}

/// (style, explode, shape, text): the path and header rows.
const PATH_TABLE: &[(Style, bool, Shape, &str)] = &[
    (Style::Matrix, false, Shape::Scalar, ";color=blue"),
    (
        Style::Matrix,
        false,
        Shape::Array,
        ";color=blue,black,brown",
    ),
    (
        Style::Matrix,
        false,
        Shape::Object,
        ";color=R,100,G,200,B,150",
    ),
    (Style::Matrix, true, Shape::Scalar, ";color=blue"),
    (
        Style::Matrix,
        true,
        Shape::Array,
        ";color=blue;color=black;color=brown",
    ),
    (Style::Matrix, true, Shape::Object, ";R=100;G=200;B=150"),
    (Style::Label, false, Shape::Scalar, ".blue"),
    (Style::Label, false, Shape::Array, ".blue.black.brown"),
    (Style::Label, false, Shape::Object, ".R.100.G.200.B.150"),
    (Style::Label, true, Shape::Scalar, ".blue"),
    (Style::Label, true, Shape::Array, ".blue.black.brown"),
    (Style::Label, true, Shape::Object, ".R=100.G=200.B=150"),
    (Style::Simple, false, Shape::Scalar, "blue"),
    (Style::Simple, false, Shape::Array, "blue,black,brown"),
    (Style::Simple, false, Shape::Object, "R,100,G,200,B,150"),
    (Style::Simple, true, Shape::Scalar, "blue"),
    (Style::Simple, true, Shape::Array, "blue,black,brown"),
    (Style::Simple, true, Shape::Object, "R=100,G=200,B=150"),
];

/// (style, explode, shape, query string): the query rows.
const QUERY_TABLE: &[(Style, bool, Shape, &str)] = &[
    (Style::Form, false, Shape::Scalar, "color=blue"),
    (Style::Form, false, Shape::Array, "color=blue,black,brown"),
    (Style::Form, false, Shape::Object, "color=R,100,G,200,B,150"),
    (Style::Form, true, Shape::Scalar, "color=blue"),
    (
        Style::Form,
        true,
        Shape::Array,
        "color=blue&color=black&color=brown",
    ),
    (Style::Form, true, Shape::Object, "R=100&G=200&B=150"),
    (
        Style::SpaceDelimited,
        false,
        Shape::Array,
        "color=blue%20black%20brown",
    ),
    (
        Style::SpaceDelimited,
        false,
        Shape::Object,
        "color=R%20100%20G%20200%20B%20150",
    ),
    (
        Style::PipeDelimited,
        false,
        Shape::Array,
        "color=blue|black|brown",
    ),
    (
        Style::PipeDelimited,
        false,
        Shape::Object,
        "color=R|100|G|200|B|150",
    ),
    (
        Style::DeepObject,
        true,
        Shape::Object,
        "color[R]=100&color[G]=200&color[B]=150",
    ),
];

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                decode_component(k, true).unwrap(),
                decode_component(v, true).unwrap(),
            )
        })
        .collect()
}

const RGB: [&str; 3] = ["R", "G", "B"];

#[test]
fn the_style_table_decodes() {
    for (style, explode, shape, text) in PATH_TABLE {
        let got = style::path_value(*style, *explode, "color", text, *shape)
            .unwrap_or_else(|e| panic!("{style:?} {explode} {text}: {e}"));
        assert_eq!(
            got,
            sample(*shape),
            "path {style:?} explode={explode} {text}"
        );
        if *style == Style::Simple {
            let got = style::header_value(*explode, text, *shape);
            assert_eq!(got, sample(*shape), "header explode={explode} {text}");
        }
    }
    for (style, explode, shape, text) in QUERY_TABLE {
        let pairs = query_pairs(text);
        let owns = |key: &str| RGB.contains(&key);
        let (got, used) = style::pairs_value(*style, *explode, "color", &pairs, *shape, &owns)
            .unwrap_or_else(|e| panic!("{style:?} {explode} {text}: {e}"))
            .unwrap_or_else(|| panic!("{style:?} {explode} {text}: absent"));
        assert_eq!(
            got,
            sample(*shape),
            "query {style:?} explode={explode} {text}"
        );
        assert_eq!(
            used.len(),
            pairs.len(),
            "every pair is the parameter's: {text}"
        );
    }
    // Empty values (the table's "empty" column).
    assert_eq!(
        style::path_value(Style::Matrix, false, "color", ";color", Shape::Scalar).unwrap(),
        json!("")
    );
    assert_eq!(
        style::path_value(Style::Label, false, "color", ".", Shape::Array).unwrap(),
        json!([])
    );
    let empty = query_pairs("color=");
    let none = |_: &str| false;
    assert_eq!(
        style::pairs_value(Style::Form, false, "color", &empty, Shape::Scalar, &none)
            .unwrap()
            .unwrap()
            .0,
        json!("")
    );
    // deepObject: `[]` is the property "" (OpenAPI has no append), nested
    // brackets nest.
    let deep = query_pairs("color[]=x&color[a][b]=y");
    let (got, _) = style::pairs_value(
        Style::DeepObject,
        true,
        "color",
        &deep,
        Shape::Object,
        &none,
    )
    .unwrap()
    .unwrap();
    assert_eq!(got, json!({"": "x", "a": {"b": "y"}}));
    // Malformed texts are refused, not guessed.
    assert!(style::path_value(Style::Label, false, "color", "blue", Shape::Scalar).is_err());
    assert!(
        style::path_value(Style::Matrix, false, "color", ";colour=blue", Shape::Scalar).is_err()
    );
    assert!(style::path_value(Style::Label, false, "color", ".R.100.G", Shape::Object).is_err());
    // Leaves are typed by the schema.
    let doc = json!({});
    let schema = json!({"type": "object", "properties": {"R": {"type": "integer"}, "ok": {"type": "boolean"}, "n": {"type": "number"}}});
    assert_eq!(
        style::coerce(
            &doc,
            &schema,
            json!({"R": "100", "ok": "true", "n": "1.5", "x": "7"})
        ),
        json!({"R": 100, "ok": true, "n": 1.5, "x": "7"})
    );
    let array = json!({"type": "array", "items": {"type": "integer"}});
    assert_eq!(
        style::coerce(&doc, &array, json!({"0": "4", "1": "5"})),
        json!([4, 5])
    );
    assert_eq!(
        style::coerce(&doc, &array, json!(["4", "x"])),
        json!([4, "x"])
    );
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Scalar => "string",
        Shape::Array => "array",
        Shape::Object => "object",
    }
}

/// A schema that only the table's value fits (so the test sees what the
/// mock decoded, types included).
fn exact_schema(shape: Shape) -> Value {
    match shape {
        Shape::Scalar => json!({"type": "string", "enum": ["blue"]}),
        Shape::Array => {
            json!({"type": "array", "items": {"type": "string"}, "enum": [["blue", "black", "brown"]]})
        }
        Shape::Object => json!({
            "type": "object",
            "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}, "B": {"type": "integer"}},
            "enum": [{"R": 100, "G": 200, "B": 150}],
        }),
    }
}

fn ok_response() -> Value {
    json!({"200": {"description": "ok", "content": {"application/json": {"schema": {
        "type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}
    }}}}})
}

/// One operation per row of the style table and location.
fn styles_spec() -> Value {
    let mut paths = serde_json::Map::new();
    for (style, explode, shape, _) in PATH_TABLE {
        let name = format!("{}-{explode}-{}", style.name(), shape_name(*shape));
        paths.insert(
            format!("/path/{name}/{{color}}"),
            json!({"get": {"operationId": format!("path-{name}"), "parameters": [{
                "name": "color", "in": "path", "required": true, "style": style.name(), "explode": explode,
                "schema": exact_schema(*shape)}], "responses": ok_response()}}),
        );
        if *style == Style::Simple {
            paths.insert(
                format!("/header/{name}"),
                json!({"get": {"operationId": format!("header-{name}"), "parameters": [{
                    "name": "X-Color", "in": "header", "required": true, "explode": explode,
                    "schema": exact_schema(*shape)}], "responses": ok_response()}}),
            );
        }
    }
    for (style, explode, shape, _) in QUERY_TABLE {
        let name = format!("{}-{explode}-{}", style.name(), shape_name(*shape));
        paths.insert(
            format!("/query/{name}"),
            json!({"get": {"operationId": format!("query-{name}"), "parameters": [{
                "name": "color", "in": "query", "required": true, "style": style.name(), "explode": explode,
                "schema": exact_schema(*shape)}], "responses": ok_response()}}),
        );
        if *style == Style::Form {
            paths.insert(
                format!("/cookie/{name}"),
                json!({"get": {"operationId": format!("cookie-{name}"), "parameters": [{
                    "name": "color", "in": "cookie", "required": true, "explode": explode,
                    "schema": exact_schema(*shape)}], "responses": ok_response()}}),
            );
        }
    }
    json!({"openapi": "3.0.3", "info": {"title": "styles", "version": "1"},
           "servers": [{"url": "http://localhost/base"}], "paths": paths})
}

async fn expect_ok(server: &MockServer, request: &Request) {
    let answer = send(server.addr(), request).await;
    assert_eq!(
        answer.status,
        200,
        "{} {}: {:?} {:#?}",
        request.method,
        request.target,
        String::from_utf8_lossy(&answer.body),
        server.violations()
    );
    assert_eq!(answer.json(), json!({"ok": true}));
}

async fn expect_violation(
    server: &MockServer,
    request: &Request,
    status: u16,
    location: &str,
) -> Violation {
    let answer = send(server.addr(), request).await;
    assert_eq!(
        answer.status,
        status,
        "{} {}: {:?}",
        request.method,
        request.target,
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(body["status"], status);
    let found = server.take_violations();
    let violation = found
        .iter()
        .find(|v| v.location == location)
        .unwrap_or_else(|| {
            panic!(
                "{} {}: no violation at {location}: {found:#?}",
                request.method, request.target
            )
        })
        .clone();
    assert!(found.iter().all(|v| v.status == status), "{found:#?}");
    violation
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_style_table_over_http() {
    let server = mock::serve(styles_spec(), 0, MockOptions::default())
        .await
        .unwrap();
    assert!(server.mock().check().is_empty());
    for (style, explode, shape, text) in PATH_TABLE {
        let name = format!("{}-{explode}-{}", style.name(), shape_name(*shape));
        // What a client sends: the value's characters percent-encoded where
        // RFC 3986 wants them (`,` `;` `=` may be either).
        let encoded = text.replace(',', "%2C");
        expect_ok(
            &server,
            &Request::new("GET", &format!("/base/path/{name}/{encoded}")),
        )
        .await;
        expect_ok(
            &server,
            &Request::new("GET", &format!("/base/path/{name}/{text}")),
        )
        .await;
        let wrong = text.replace("blue", "red").replace("100", "101");
        let v = expect_violation(
            &server,
            &Request::new("GET", &format!("/base/path/{name}/{wrong}")),
            400,
            "path.color",
        )
        .await;
        assert_eq!(
            v.operation.as_deref(),
            Some(format!("path-{name}").as_str())
        );
        if *style == Style::Simple {
            expect_ok(
                &server,
                &Request::new("GET", &format!("/base/header/{name}")).header("X-Color", text),
            )
            .await;
            expect_violation(
                &server,
                &Request::new("GET", &format!("/base/header/{name}")).header("X-Color", &wrong),
                400,
                "header.X-Color",
            )
            .await;
            expect_violation(
                &server,
                &Request::new("GET", &format!("/base/header/{name}")),
                400,
                "header.X-Color",
            )
            .await;
        }
    }
    for (style, explode, shape, text) in QUERY_TABLE {
        let name = format!("{}-{explode}-{}", style.name(), shape_name(*shape));
        expect_ok(
            &server,
            &Request::new("GET", &format!("/base/query/{name}?{text}")),
        )
        .await;
        // Delimiters and brackets percent-encoded, as form encoders send them.
        let encoded = text
            .replace(',', "%2C")
            .replace('|', "%7C")
            .replace('[', "%5B")
            .replace(']', "%5D");
        expect_ok(
            &server,
            &Request::new("GET", &format!("/base/query/{name}?{encoded}")),
        )
        .await;
        let wrong = text.replace("blue", "red").replace("100", "1x");
        expect_violation(
            &server,
            &Request::new("GET", &format!("/base/query/{name}?{wrong}")),
            400,
            "query.color",
        )
        .await;
        expect_violation(
            &server,
            &Request::new("GET", &format!("/base/query/{name}")),
            400,
            "query.color",
        )
        .await;
        if *style == Style::Form {
            let cookie = text.replace('&', "; ");
            expect_ok(
                &server,
                &Request::new("GET", &format!("/base/cookie/{name}")).header("Cookie", &cookie),
            )
            .await;
            let wrong = cookie.replace("blue", "red").replace("100", "1x");
            expect_violation(
                &server,
                &Request::new("GET", &format!("/base/cookie/{name}")).header("Cookie", &wrong),
                400,
                "cookie.color",
            )
            .await;
        }
    }
    // A scalar query parameter given twice is ambiguous: refused.
    expect_violation(
        &server,
        &Request::new("GET", "/base/query/form-true-string?color=blue&color=blue"),
        400,
        "query.color",
    )
    .await;
    // So is one the operation does not declare.
    expect_violation(
        &server,
        &Request::new("GET", "/base/query/form-true-string?color=blue&colour=blue"),
        400,
        "query.colour",
    )
    .await;
    assert!(server.violations().is_empty());
    assert!(server.errors().is_empty());
}

// ---------------------------------------------------------------------
// Bodies: forms, multipart, JSON types, text, bytes.

fn bodies_spec() -> Value {
    let created = json!({"201": {"description": "made", "content": {"application/json": {"schema": {
        "type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}}}}}}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "bodies", "version": "1"},
        "paths": {
            "/form": {"post": {"operationId": "form", "requestBody": {"required": true, "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "required": ["to"], "additionalProperties": false, "properties": {
                        "to": {"type": "string", "enum": ["+15558675310"]},
                        "tags": {"type": "array", "items": {"type": "string"}, "enum": [["a b", "c&d"]]},
                        "ids": {"type": "array", "items": {"type": "integer"}, "enum": [[1, 2]]},
                        "filter": {"type": "object", "properties": {"kind": {"type": "string"}}, "enum": [{"kind": "k"}]},
                        "blocks": {"type": "array", "items": {"type": "object"}, "enum": [[{"t": 1}]]},
                        "count": {"type": "integer", "minimum": 1},
                    }},
                    "encoding": {
                        "ids": {"style": "form", "explode": false},
                        "filter": {"style": "deepObject", "explode": true},
                        "blocks": {"contentType": "application/json"},
                    },
                }}}, "responses": created}},
            "/upload": {"post": {"operationId": "upload", "requestBody": {"required": true, "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "required": ["attributes", "file"], "properties": {
                        "attributes": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                        "file": {"type": "string", "format": "binary"},
                        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                        "count": {"type": "integer"},
                    }},
                    "encoding": {"file": {"contentType": "application/octet-stream, image/*"}},
                }}}, "responses": created}},
            "/json": {"post": {"operationId": "json", "requestBody": {"required": true, "content": {
                "application/vnd.example.job+json": {"schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}},
                "text/plain": {"schema": {"type": "string", "maxLength": 5}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }}, "responses": {
                "200": {"description": "ok", "headers": {"X-Count": {"schema": {"type": "integer", "minimum": 3}}, "X-Rate": {"example": "7/s", "schema": {"type": "string"}}},
                        "content": {
                            "application/json; charset=utf-8": {"schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 10}}}, "example": {"n": 42}},
                            "text/csv": {"schema": {"type": "string"}, "example": "a,b\n1,2\n"},
                            "image/*": {"schema": {"type": "string", "format": "binary"}},
                        }},
                "404": {"description": "no", "content": {"application/problem+json": {"schema": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string", "minLength": 3}}}}}},
                "5XX": {"description": "down"},
            }}},
        },
    })
}

fn multipart_body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content_type, data) in parts {
        out.extend_from_slice(b"--b0undary\r\n");
        out.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if *name == "file" {
            out.extend_from_slice(b"; filename=\"a \\\"quoted\\\" name.bin\"");
        }
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b0undary--\r\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_by_media_type() {
    let server = mock::serve(bodies_spec(), 0, MockOptions::default())
        .await
        .unwrap();
    assert!(server.mock().check().is_empty());
    let form = "application/x-www-form-urlencoded";
    let good = "to=%2B15558675310&tags=a+b&tags=c%26d&ids=1%2C2&filter%5Bkind%5D=k&blocks=%5B%7B%22t%22%3A1%7D%5D&count=3";
    let answer = send(
        server.addr(),
        &Request::new("POST", "/form").body(form, good),
    )
    .await;
    assert_eq!(
        answer.status,
        201,
        "{:?} {:#?}",
        String::from_utf8_lossy(&answer.body),
        server.violations()
    );
    assert!(answer.json()["id"].as_str().is_some());
    for (body, location) in [
        ("tags=x", "body"),
        ("to=%2B15558675310&count=x", "body/count"),
        ("to=%2B15558675310&count=1&count=2", "body/count"),
        ("to=%2B15558675310&blocks=%5Bnot", "body/blocks"),
        ("to=%2B15558675310&ids=1&ids=2", "body/ids"),
        ("to=%2B15558675310&extra=1", "body"),
        (
            "to=%2B15558675310&tags%5B0%5D=a+b&tags%5B1%5D=c%26d",
            "body/tags",
        ),
        ("to=%ZZ", "body.to"),
    ] {
        expect_violation(
            &server,
            &Request::new("POST", "/form").body(form, body),
            400,
            location,
        )
        .await;
    }
    let v = expect_violation(
        &server,
        &Request::new("POST", "/form").body("application/json", "{}"),
        415,
        "header.Content-Type",
    )
    .await;
    assert_eq!(v.keyword, "mediaType");
    expect_violation(&server, &Request::new("POST", "/form"), 400, "body").await;

    let multipart = "multipart/form-data; boundary=b0undary";
    let file: &[u8] = b"\x00\x01binary\r\n--not-the-boundary\r\n\xff";
    let good = multipart_body(&[
        ("attributes", Some("application/json"), br#"{"name":"x"}"#),
        ("file", Some("application/octet-stream"), file),
        ("tags", None, b"a"),
        ("tags", None, b"b"),
        ("count", None, b"5"),
    ]);
    let answer = send(
        server.addr(),
        &Request::new("POST", "/upload").body(multipart, good),
    )
    .await;
    assert_eq!(
        answer.status,
        201,
        "{:?} {:#?}",
        String::from_utf8_lossy(&answer.body),
        server.violations()
    );
    // A name written HTML5-style (a backslash is itself), as browsers do.
    let mut html5 = multipart_body(&[
        ("attributes", None, br#"{"name":"x"}"#),
        ("file", None, b"1"),
    ]);
    let odd: &[u8] = b"--b0undary\r\nContent-Disposition: form-data; name=\"odd\\\"\r\n\r\nx\r\n";
    html5.splice(0..0, odd.iter().copied());
    let answer = send(
        server.addr(),
        &Request::new("POST", "/upload").body(multipart, html5),
    )
    .await;
    assert_eq!(
        answer.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    let image = multipart_body(&[
        ("attributes", None, br#"{"name":"x"}"#),
        ("file", Some("image/png"), b"PNG"),
    ]);
    assert_eq!(
        send(
            server.addr(),
            &Request::new("POST", "/upload").body(multipart, image)
        )
        .await
        .status,
        201
    );
    for (body, location) in [
        (
            multipart_body(&[("attributes", None, br#"{"name":"x"}"#)]),
            "body",
        ),
        (
            multipart_body(&[("attributes", None, b"{no"), ("file", None, b"1")]),
            "body/attributes",
        ),
        (
            multipart_body(&[("attributes", None, br#"{}"#), ("file", None, b"1")]),
            "body/attributes",
        ),
        (
            multipart_body(&[
                ("attributes", None, br#"{"name":"x"}"#),
                ("file", Some("text/plain"), b"1"),
            ]),
            "body/file",
        ),
        (
            multipart_body(&[
                ("attributes", None, br#"{"name":"x"}"#),
                ("file", None, b"1"),
                ("count", None, b"x"),
            ]),
            "body/count",
        ),
        (
            multipart_body(&[
                ("attributes", None, br#"{"name":"x"}"#),
                ("file", None, b"1"),
                ("tags", None, b"a"),
                ("tags", None, b"b"),
                ("tags", None, b"c"),
            ]),
            "body/tags",
        ),
        (
            b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end".to_vec(),
            "body",
        ),
    ] {
        expect_violation(
            &server,
            &Request::new("POST", "/upload").body(multipart, body),
            400,
            location,
        )
        .await;
    }
    expect_violation(
        &server,
        &Request::new("POST", "/upload").body("multipart/form-data", "x"),
        400,
        "body",
    )
    .await;

    // JSON in a vendor type, text, bytes; answers by Accept and status.
    let job = "application/vnd.example.job+json";
    let answer = send(
        server.addr(),
        &Request::new("POST", "/json").body(job, r#"{"n":1}"#),
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(answer.json(), json!({"n": 42}), "the example");
    assert_eq!(answer.header("x-rate"), Some("7/s"));
    assert!(answer.header("x-count").unwrap().parse::<i64>().unwrap() >= 3);
    expect_violation(
        &server,
        &Request::new("POST", "/json").body(job, r#"{"n":"1"}"#),
        400,
        "body/n",
    )
    .await;
    expect_violation(
        &server,
        &Request::new("POST", "/json").body(job, r#"{"n":1"#),
        400,
        "body",
    )
    .await;
    let text = Request::new("POST", "/json")
        .body("text/plain; charset=utf-8", "hello")
        .header("Accept", "text/csv");
    let answer = send(server.addr(), &text).await;
    assert_eq!(
        (answer.status, answer.header("content-type")),
        (200, Some("text/csv"))
    );
    assert_eq!(answer.body, b"a,b\n1,2\n");
    expect_violation(
        &server,
        &Request::new("POST", "/json").body("text/plain", "toolong"),
        400,
        "body",
    )
    .await;
    // No bytes with a text or binary type: an empty text, an empty file.
    for empty in ["text/plain", "application/octet-stream"] {
        let answer = send(
            server.addr(),
            &Request::new("POST", "/json").body(empty, ""),
        )
        .await;
        assert_eq!(
            answer.status,
            200,
            "{empty}: {:?}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    expect_violation(
        &server,
        &Request::new("POST", "/json").body(job, ""),
        400,
        "body",
    )
    .await;
    expect_violation(
        &server,
        &Request::new("POST", "/form").body(form, ""),
        400,
        "body",
    )
    .await;
    expect_violation(
        &server,
        &Request::new("POST", "/json").body("text/plain", b"\xff\xfe".to_vec()),
        400,
        "body",
    )
    .await;
    let bytes = Request::new("POST", "/json")
        .body("application/octet-stream", b"\x00\xff".to_vec())
        .header("Accept", "image/webp, */*;q=0.1");
    let answer = send(server.addr(), &bytes).await;
    assert_eq!(
        (answer.status, answer.header("content-type")),
        (200, Some("image/webp"))
    );
    let asked = Request::new("POST", "/json")
        .body(job, r#"{"n":1}"#)
        .header(mock::STATUS_HEADER, "404");
    let answer = send(server.addr(), &asked).await;
    assert_eq!(
        (answer.status, answer.header("content-type")),
        (404, Some("application/problem+json"))
    );
    assert!(answer.json()["title"].as_str().unwrap().len() >= 3);
    let asked = Request::new("POST", "/json")
        .body(job, r#"{"n":1}"#)
        .header(mock::STATUS_HEADER, "503");
    let answer = send(server.addr(), &asked).await;
    assert_eq!((answer.status, answer.body.len()), (503, 0));
    let asked = Request::new("POST", "/json")
        .body(job, r#"{"n":1}"#)
        .header(mock::STATUS_HEADER, "418");
    expect_violation(&server, &asked, 400, "header.x-dialtone-mock-status").await;

    // Unknown paths and methods. A concrete path is matched before a
    // templated one, whatever the method (OpenAPI): `PUT /items/export` is
    // a 405 of `/items/export`, not `PUT /items/{id}` with id "export".
    let routes = json!({"openapi": "3.0.3", "info": {"title": "routes", "version": "1"}, "paths": {
        "/items/export": {"get": {"responses": {"200": {"description": "csv"}}}},
        "/items/{id}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                        "put": {"responses": {"204": {"description": "ok"}}}, "get": {"responses": {"204": {"description": "ok"}}}},
    }});
    let routes = mock::serve(routes, 0, MockOptions::default())
        .await
        .unwrap();
    let answer = send(routes.addr(), &Request::new("PUT", "/items/export")).await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("GET")));
    assert_eq!(
        send(routes.addr(), &Request::new("PUT", "/items/7"))
            .await
            .status,
        204
    );
    assert_eq!(
        send(routes.addr(), &Request::new("GET", "/items/export"))
            .await
            .status,
        200
    );
    assert_eq!(routes.take_violations().len(), 1);
    let v = expect_violation(&server, &Request::new("GET", "/nowhere"), 404, "path").await;
    assert_eq!(v.operation, None);
    let answer = send(server.addr(), &Request::new("DELETE", "/json")).await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("POST")));
    let found = server.take_violations();
    assert_eq!((found.len(), found[0].location.as_str()), (1, "method"));
    // A body where the operation takes none.
    let server2 = mock::serve(styles_spec(), 0, MockOptions::default())
        .await
        .unwrap();
    let get = Request::new("GET", "/base/query/form-true-string?color=blue")
        .body("application/json", "{}");
    expect_violation(&server2, &get, 400, "body").await;
    assert!(server.errors().is_empty());
}

// ---------------------------------------------------------------------
// Security requirements.

fn security_spec() -> Value {
    let ok = ok_response();
    json!({
        "openapi": "3.0.3",
        "info": {"title": "security", "version": "1"},
        "security": [{"basic": []}],
        "paths": {
            "/default": {"get": {"operationId": "default", "responses": ok}},
            "/either": {"get": {"operationId": "either", "security": [{"bearer": []}, {"queryKey": [], "cookieKey": []}], "responses": ok}},
            "/optional": {"get": {"operationId": "optional", "security": [{"headerKey": []}, {}], "responses": ok}},
            "/open": {"get": {"operationId": "open", "security": [], "responses": ok}},
            "/oauth": {"get": {"operationId": "oauth", "security": [{"oauth": ["read"]}], "responses": ok}},
            "/keyed": {"get": {"operationId": "keyed", "security": [{"headerKey": []}], "parameters": [
                {"name": "x-api-key", "in": "header", "required": true, "schema": {"type": "string", "minLength": 8}},
            ], "responses": ok}},
        },
        "components": {"securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x/token", "scopes": {"read": "r"}}}},
        }},
    })
}

fn basic(user_password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_password)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_alternatives() {
    let server = mock::serve(security_spec(), 0, MockOptions::default())
        .await
        .unwrap();
    let get = |path: &str| Request::new("GET", path);
    // The root requirement applies where an operation says nothing.
    let v = expect_violation(&server, &get("/default"), 401, "header.Authorization").await;
    assert_eq!(v.keyword, "security");
    expect_ok(
        &server,
        &get("/default").header("Authorization", &basic("ada:s3cret")),
    )
    .await;
    expect_violation(
        &server,
        &get("/default").header("Authorization", "Basic !!notbase64"),
        401,
        "header.Authorization",
    )
    .await;
    expect_violation(
        &server,
        &get("/default").header("Authorization", "Bearer abc"),
        401,
        "header.Authorization",
    )
    .await;
    // Alternatives: a bearer token, or both API keys.
    expect_ok(
        &server,
        &get("/either").header("Authorization", "Bearer abc"),
    )
    .await;
    expect_ok(
        &server,
        &get("/either?api_key=k1").header("Cookie", "session=s1"),
    )
    .await;
    expect_violation(&server, &get("/either?api_key=k1"), 401, "security").await;
    // Cookie values are opaque: a `%` that starts no escape is no error.
    expect_ok(
        &server,
        &get("/either?api_key=k1").header("Cookie", "session=s%zz1"),
    )
    .await;
    expect_violation(
        &server,
        &get("/either").header("Cookie", "session=s1"),
        401,
        "security",
    )
    .await;
    expect_violation(
        &server,
        &get("/either").header("Authorization", "Bearer "),
        401,
        "security",
    )
    .await;
    // `{}`: anonymous is fine too; `[]`: no security at all.
    expect_ok(&server, &get("/optional")).await;
    expect_ok(&server, &get("/optional").header("X-Api-Key", "k")).await;
    expect_ok(&server, &get("/open")).await;
    expect_ok(
        &server,
        &get("/oauth").header("Authorization", "bearer t0ken"),
    )
    .await;
    expect_violation(&server, &get("/oauth"), 401, "header.Authorization").await;
    // A parameter that is also an API key: its value is never repeated.
    expect_ok(&server, &get("/keyed").header("X-Api-Key", "long-enough")).await;
    let answer = send(server.addr(), &get("/keyed").header("X-Api-Key", "shortk")).await;
    assert_eq!(answer.status, 400);
    assert!(!String::from_utf8_lossy(&answer.body).contains("shortk"));
    let found = server.take_violations();
    assert_eq!(found[0].location, "header.x-api-key");
    assert!(
        found.iter().all(|v| !v.message.contains("shortk")),
        "{found:#?}"
    );
    assert!(server.violations().is_empty());

    // Configured credentials: only those are accepted, and no answer or
    // violation repeats what was sent.
    let options = MockOptions::default()
        .credential("bearer", "good-token")
        .credential("basic", "ada:s3cret");
    let server = mock::serve(security_spec(), 0, options).await.unwrap();
    expect_ok(
        &server,
        &get("/either").header("Authorization", "Bearer good-token"),
    )
    .await;
    expect_ok(
        &server,
        &get("/default").header("Authorization", &basic("ada:s3cret")),
    )
    .await;
    let answer = send(
        server.addr(),
        &get("/either").header("Authorization", "Bearer wrong-token-value"),
    )
    .await;
    assert_eq!(answer.status, 401);
    assert!(!String::from_utf8_lossy(&answer.body).contains("wrong-token-value"));
    let found = server.take_violations();
    assert!(found[0].message.contains("not accepted"), "{found:#?}");
    assert!(
        found
            .iter()
            .all(|v| !v.message.contains("wrong-token-value"))
    );
    expect_violation(
        &server,
        &get("/default").header("Authorization", &basic("ada:guess")),
        401,
        "header.Authorization",
    )
    .await;
}

// ---------------------------------------------------------------------
// The corpus.

/// Every `$ref` of the document points into `#/components`.
fn refs_into_components(value: &Value, at: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    let target = v.as_str().unwrap_or_default();
                    assert!(target.starts_with("#/components/"), "{at}: $ref {target}");
                } else {
                    refs_into_components(v, &format!("{at}/{k}"));
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs_into_components(v, &format!("{at}/{i}"));
            }
        }
        _ => {}
    }
}

/// A parameter's value as its style writes it into a path segment.
fn path_text(param: &Param, value: &Value) -> String {
    let scalar = |v: &Value| match v {
        Value::String(s) => enc(s),
        other => enc(&other.to_string()),
    };
    let joined = |sep: &str, kv: &str| match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(sep),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{}{kv}{}", enc(k), scalar(v)))
            .collect::<Vec<_>>()
            .join(sep),
        other => scalar(other),
    };
    let name = enc(&param.name);
    match (param.style, param.explode, value) {
        (Style::Label, true, Value::Object(_)) => format!(".{}", joined(".", "=")),
        (Style::Label, _, Value::Object(_)) => format!(".{}", joined(".", ".")),
        (Style::Label, _, _) => format!(".{}", joined(".", "")),
        (Style::Matrix, true, Value::Array(items)) => items
            .iter()
            .map(|v| format!(";{name}={}", scalar(v)))
            .collect(),
        (Style::Matrix, true, Value::Object(_)) => format!(";{}", joined(";", "=")),
        (Style::Matrix, false, Value::Object(_)) => format!(";{name}={}", joined(",", ",")),
        (Style::Matrix, _, _) => format!(";{name}={}", joined(",", "")),
        (_, true, Value::Object(_)) => joined(",", "="),
        (_, _, Value::Object(_)) => joined(",", ","),
        _ => joined(",", ""),
    }
}

/// A value's leaves as text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Query (or cookie) pairs of a parameter, by its style.
fn pairs_for(param: &Param, value: &Value, out: &mut Vec<(String, String)>) {
    if param.json {
        out.push((param.name.clone(), value.to_string()));
        return;
    }
    let delimiter = match param.style {
        Style::SpaceDelimited => " ",
        Style::PipeDelimited => "|",
        _ => ",",
    };
    match (param.style, param.explode, value) {
        (Style::DeepObject, _, _) => brackets(&param.name, value, out),
        (_, true, Value::Array(items)) => {
            out.extend(items.iter().map(|v| (param.name.clone(), text(v))))
        }
        (_, true, Value::Object(map)) => out.extend(map.iter().map(|(k, v)| (k.clone(), text(v)))),
        (_, false, Value::Array(items)) => out.push((
            param.name.clone(),
            items.iter().map(text).collect::<Vec<_>>().join(delimiter),
        )),
        (_, false, Value::Object(map)) => out.push((
            param.name.clone(),
            map.iter()
                .flat_map(|(k, v)| [k.clone(), text(v)])
                .collect::<Vec<_>>()
                .join(delimiter),
        )),
        (_, _, Value::Null) => {}
        _ => out.push((param.name.clone(), text(value))),
    }
}

fn brackets(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                brackets(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                brackets(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        scalar => out.push((prefix.to_owned(), text(scalar))),
    }
}

/// What a valid request to `op` needs, written here from the spec.
struct Built {
    request: Request,
    /// Query pairs and cookies, kept apart so that a variant can drop one.
    query: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    path: String,
    /// Whether the request carries a credential the operation requires.
    secured: bool,
}

impl Built {
    fn finish(
        &self,
        query: &[(String, String)],
        cookies: &[(String, String)],
        credentials: bool,
    ) -> Request {
        let mut request = self.request.clone();
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        request.target = if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, query.join("&"))
        };
        if !credentials {
            request
                .headers
                .retain(|(k, _)| !k.starts_with("X-Credential-"));
        }
        request.headers = request
            .headers
            .into_iter()
            .map(|(k, v)| (k.trim_start_matches("X-Credential-").to_owned(), v))
            .collect();
        if !cookies.is_empty() {
            let cookie: Vec<String> = cookies
                .iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect();
            request.headers.push(("Cookie".into(), cookie.join("; ")));
        }
        request
    }
}

/// A value for `schema`: its example when the schema takes it, else one
/// written from the schema.
fn value_for(mock: &Mock, schema: &Value, examples: &[&Value]) -> Value {
    let compiled = mock.spec().schema(schema, Direction::Request).unwrap();
    if let Some(example) = examples.iter().find(|e| compiled.is_valid(e)) {
        return (*example).clone();
    }
    mock.value(schema, Direction::Request)
        .unwrap_or_else(|e| panic!("no value for {schema}: {e}"))
}

fn build(mock: &Mock, base: &str, op: &Operation) -> Built {
    let doc = mock.spec().doc();
    let mut path = String::from(base);
    let mut request = Request::new(&op.method, "");
    let mut query = Vec::new();
    let mut cookies = Vec::new();
    let values: BTreeMap<(Location, String), Value> = op
        .params
        .iter()
        .map(|p| {
            let example = p.raw.get("example");
            (
                (p.location, p.name.clone()),
                value_for(mock, &p.raw, &example.into_iter().collect::<Vec<_>>()),
            )
        })
        .collect();
    // The path, piece by piece.
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        path.push_str(
            &rest[..open]
                .split('/')
                .map(enc)
                .collect::<Vec<_>>()
                .join("/"),
        );
        let close = rest[open..].find('}').unwrap() + open;
        let name = &rest[open + 1..close];
        let param = op.param(Location::Path, name).unwrap();
        path.push_str(&path_text(
            param,
            &values[&(Location::Path, name.to_owned())],
        ));
        rest = &rest[close + 1..];
    }
    path.push_str(&rest.split('/').map(enc).collect::<Vec<_>>().join("/"));
    for param in &op.params {
        let value = &values[&(param.location, param.name.clone())];
        match param.location {
            Location::Path => {}
            Location::Query => pairs_for(param, value, &mut query),
            Location::Cookie => pairs_for(param, value, &mut cookies),
            Location::Header => {
                if ["accept", "content-type", "authorization"]
                    .contains(&param.name.to_ascii_lowercase().as_str())
                {
                    continue;
                }
                let text = match value {
                    Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
                    Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| {
                            if param.explode {
                                format!("{k}={}", text(v))
                            } else {
                                format!("{k},{}", text(v))
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    other => text(other),
                };
                request.headers.push((param.name.clone(), text));
            }
        }
    }
    // Credentials: the first alternative (none when `{}` is one).
    let mut secured = false;
    if let Some(requirement) = op.security.first()
        && !op.security.iter().any(Vec::is_empty)
    {
        secured = true;
        for name in requirement {
            let scheme = &doc["components"]["securitySchemes"][name];
            match (
                scheme["type"].as_str(),
                scheme["scheme"].as_str(),
                scheme["in"].as_str(),
            ) {
                (Some("http"), Some(s), _) if s.eq_ignore_ascii_case("basic") => request
                    .headers
                    .push(("X-Credential-Authorization".into(), basic("user:password"))),
                (Some("http" | "oauth2" | "openIdConnect"), _, _) => request
                    .headers
                    .push(("X-Credential-Authorization".into(), "Bearer t0ken".into())),
                (Some("apiKey"), _, Some("header")) => request.headers.push((
                    format!("X-Credential-{}", scheme["name"].as_str().unwrap()),
                    "key-1".into(),
                )),
                (Some("apiKey"), _, Some("query")) => {
                    query.push((scheme["name"].as_str().unwrap().to_owned(), "key-1".into()))
                }
                (Some("apiKey"), _, Some("cookie")) => {
                    cookies.push((scheme["name"].as_str().unwrap().to_owned(), "key-1".into()))
                }
                other => panic!("{}: scheme {name}: {other:?}", op.id),
            }
        }
    }
    if let Some(body) = &op.body {
        let media = &body.media[0];
        let schema = media
            .schema
            .as_ref()
            .map(|s| s.raw().clone())
            .unwrap_or(json!({}));
        let mut examples: Vec<&Value> = media.raw.get("example").into_iter().collect();
        examples.extend(
            media
                .raw
                .get("examples")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(_, e)| e.get("value")),
        );
        let value = value_for(mock, &schema, &examples);
        let kind = essence(&media.key);
        let (content_type, bytes) = if kind == "*/*" || is_json(&kind) {
            let content_type = if kind == "*/*" {
                "application/json".to_owned()
            } else {
                media.key.clone()
            };
            (content_type, value.to_string().into_bytes())
        } else if kind == "application/x-www-form-urlencoded" {
            let mut pairs = Vec::new();
            for (name, v) in value.as_object().unwrap() {
                let encoding = &media.raw["encoding"][name];
                if encoding["contentType"]
                    .as_str()
                    .is_some_and(|c| is_json(&essence(c)))
                {
                    pairs.push((name.clone(), v.to_string()));
                    continue;
                }
                let style = encoding["style"]
                    .as_str()
                    .and_then(Style::parse)
                    .unwrap_or(Style::Form);
                let explode = encoding["explode"]
                    .as_bool()
                    .unwrap_or(style == Style::Form);
                let field = Param {
                    name: name.clone(),
                    location: Location::Query,
                    required: false,
                    style,
                    explode,
                    json: false,
                    raw: json!({}),
                    schema: mock.spec().schema(&json!({}), Direction::Request).unwrap(),
                    pointer: String::new(),
                };
                pairs_for(&field, v, &mut pairs);
            }
            let encoded: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                .collect();
            (media.key.clone(), encoded.join("&").into_bytes())
        } else if kind == "multipart/form-data" {
            let mut out = Vec::new();
            for (name, v) in value.as_object().unwrap() {
                let property = style::property(doc, &schema, name)
                    .cloned()
                    .unwrap_or(json!({}));
                let binary =
                    |s: &Value| dialtone_fakes::spec::resolve(doc, s)["format"] == "binary";
                let items: Vec<&Value> = match v {
                    Value::Array(items) if style::types(doc, &property).shape() == Shape::Array => {
                        items.iter().collect()
                    }
                    _ => vec![v],
                };
                let item_schema = style::items(doc, &property)
                    .cloned()
                    .unwrap_or(property.clone());
                // The part's media type as its `encoding` names it (the
                // first of a list), else the default of its shape.
                let declared = media.raw["encoding"][name]["contentType"]
                    .as_str()
                    .and_then(|c| c.split(',').next())
                    .map(str::trim);
                for item in items {
                    let (ct, data) = if binary(&property) || binary(&item_schema) {
                        (
                            Some(declared.unwrap_or("application/octet-stream")),
                            b"\x00\x01file bytes\r\n".to_vec(),
                        )
                    } else if declared.is_some_and(|c| c.ends_with("json")) {
                        (declared, item.to_string().into_bytes())
                    } else if item.is_object() || item.is_array() {
                        (Some("application/json"), item.to_string().into_bytes())
                    } else {
                        (None, text(item).into_bytes())
                    };
                    out.extend_from_slice(b"--corpus-boundary\r\n");
                    out.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
                    );
                    if binary(&property) || binary(&item_schema) {
                        out.extend_from_slice(b"; filename=\"upload.bin\"");
                    }
                    out.extend_from_slice(b"\r\n");
                    if let Some(ct) = ct {
                        out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
                    }
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(&data);
                    out.extend_from_slice(b"\r\n");
                }
            }
            out.extend_from_slice(b"--corpus-boundary--\r\n");
            (
                "multipart/form-data; boundary=corpus-boundary".to_owned(),
                out,
            )
        } else if kind.starts_with("text/") {
            (media.key.clone(), text(&value).into_bytes())
        } else {
            (media.key.clone(), b"\x89PNG\r\n\x1a\n bytes".to_vec())
        };
        request = request.body(&content_type, bytes);
    }
    Built {
        request,
        query,
        cookies,
        path,
        secured,
    }
}

/// The status a valid request gets: the first documented 2xx (a range is
/// its first code), else 200 for `default`.
fn expected_status(op: &Operation) -> Option<u16> {
    let code = |key: &str| match key.strip_suffix("XX") {
        Some(range) => range.parse::<u16>().ok().map(|r| r * 100),
        None => key.parse().ok(),
    };
    op.responses
        .iter()
        .filter_map(|r| code(&r.key))
        .find(|s| (200..300).contains(s))
        .or_else(|| {
            op.responses
                .iter()
                .any(|r| r.key == "default")
                .then_some(200)
        })
}

/// Checks an answer against what `op` documents for its status.
fn check_answer(op: &Operation, answer: &Answer, what: &str) {
    let response = op
        .response(answer.status)
        .unwrap_or_else(|| panic!("{what}: status {} is not documented", answer.status));
    match answer.header("content-type") {
        None => assert!(
            answer.body.is_empty(),
            "{what}: a body without a Content-Type"
        ),
        Some(content_type) => {
            let media = response.media(content_type).unwrap_or_else(|| {
                panic!(
                    "{what}: {content_type} is not documented for {}",
                    response.key
                )
            });
            if is_json(&essence(content_type)) {
                let body = answer.json();
                if let Some(schema) = &media.schema {
                    let problems = schema.problems("response", &body);
                    assert!(problems.is_empty(), "{what}: {body} {problems:#?}");
                }
            }
        }
    }
    for (name, header, _) in &response.headers {
        if header["required"] == true {
            assert!(answer.header(name).is_some(), "{what}: header {name}");
        }
    }
}

/// One invalid request per operation, of a kind chosen in turn: no
/// credential, a required parameter left out, a path parameter of the
/// wrong type, a JSON body of the wrong type, an unknown query parameter.
fn invalid(mock: &Mock, op: &Operation, built: &Built, turn: usize) -> (Request, u16, String) {
    let doc = mock.spec().doc();
    let mut kinds: Vec<(Request, u16, String)> = Vec::new();
    if built.secured {
        let request = built.finish(
            &built
                .query
                .iter()
                .filter(|(k, _)| !is_key(mock, k, "query"))
                .cloned()
                .collect::<Vec<_>>(),
            &built
                .cookies
                .iter()
                .filter(|(k, _)| !is_key(mock, k, "cookie"))
                .cloned()
                .collect::<Vec<_>>(),
            false,
        );
        let location = match op.security.as_slice() {
            [only] if only.len() == 1 => {
                let scheme = &doc["components"]["securitySchemes"][&only[0]];
                match scheme["type"].as_str() {
                    Some("apiKey") => format!(
                        "{}.{}",
                        scheme["in"].as_str().unwrap(),
                        scheme["name"].as_str().unwrap()
                    ),
                    _ => "header.Authorization".to_owned(),
                }
            }
            _ => "security".to_owned(),
        };
        kinds.push((request, 401, location));
    }
    if let Some(param) = op.params.iter().find(|p| {
        p.required
            && matches!(
                p.location,
                Location::Query | Location::Cookie | Location::Header
            )
    }) {
        let query: Vec<_> = built
            .query
            .iter()
            .filter(|(k, _)| !(param.location == Location::Query && *k == param.name))
            .cloned()
            .collect();
        let cookies: Vec<_> = built
            .cookies
            .iter()
            .filter(|(k, _)| !(param.location == Location::Cookie && *k == param.name))
            .cloned()
            .collect();
        let mut request = built.finish(&query, &cookies, true);
        if param.location == Location::Header {
            request
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case(&param.name));
        }
        kinds.push((
            request,
            400,
            format!("{}.{}", param.location.name(), param.name),
        ));
    }
    if let Some(param) = op
        .params
        .iter()
        .find(|p| p.location == Location::Path && !style::types(doc, &p.raw).string)
    {
        let mut built2 = Built {
            request: built.request.clone(),
            query: built.query.clone(),
            cookies: built.cookies.clone(),
            path: built.path.clone(),
            secured: built.secured,
        };
        // Rebuild the path with this parameter's text replaced.
        let marker = path_text(param, &json!("not-a-number"));
        let mut rest = op.path.as_str();
        let mut path = mock.spec().base_path.clone();
        while let Some(open) = rest.find('{') {
            path.push_str(
                &rest[..open]
                    .split('/')
                    .map(enc)
                    .collect::<Vec<_>>()
                    .join("/"),
            );
            let close = rest[open..].find('}').unwrap() + open;
            let name = &rest[open + 1..close];
            let p = op.param(Location::Path, name).unwrap();
            if name == param.name {
                path.push_str(&marker);
            } else {
                let value = value_for(mock, &p.raw, &[]);
                path.push_str(&path_text(p, &value));
            }
            rest = &rest[close + 1..];
        }
        path.push_str(&rest.split('/').map(enc).collect::<Vec<_>>().join("/"));
        built2.path = path;
        kinds.push((
            built2.finish(&built.query, &built.cookies, true),
            400,
            format!("path.{}", param.name),
        ));
    }
    if let Some(body) = &op.body
        && is_json(&essence(&body.media[0].key))
        && body.media[0]
            .schema
            .as_ref()
            .is_some_and(|s| style::types(doc, s.raw()).shape() == Shape::Object)
    {
        let mut request = built.finish(&built.query, &built.cookies, true);
        request.body = b"[\"not an object\"]".to_vec();
        kinds.push((request, 400, "body".to_owned()));
    }
    let mut query = built.query.clone();
    query.push(("dialtone_unknown".into(), "1".into()));
    kinds.push((
        built.finish(&query, &built.cookies, true),
        400,
        "query.dialtone_unknown".to_owned(),
    ));
    kinds.swap_remove(turn % kinds.len())
}

fn is_key(mock: &Mock, name: &str, location: &str) -> bool {
    mock.spec().doc()["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, s)| s["type"] == "apiKey" && s["in"] == location && s["name"] == name)
}

/// A documented error status to ask for: the first documented status that
/// is not 2xx (a range is its first code; `default` is 500).
fn error_status(op: &Operation) -> Option<u16> {
    op.responses.iter().find_map(|r| match r.key.as_str() {
        "default" => Some(500),
        key if key.starts_with('2') => None,
        key => match key.strip_suffix("XX") {
            Some(range) => range.parse::<u16>().ok().map(|r| r * 100),
            None => key.parse().ok(),
        },
    })
}

async fn corpus_spec(file: &str) -> (usize, Duration) {
    let started = Instant::now();
    let path = format!("{}/../../tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    refs_into_components(&doc, "#");
    let server = mock::serve(doc, 0, MockOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let mock = server.mock();
    let errors = mock.check();
    assert!(errors.is_empty(), "{file}: {errors:#?}");
    let base = mock.spec().base_path.clone();
    for (turn, op) in mock.spec().operations.iter().enumerate() {
        let what = format!("{file} {} {} ({})", op.method, op.path, op.id);
        let built = build(mock, &base, op);
        // The valid request.
        let request = built.finish(&built.query, &built.cookies, true);
        let answer = send(server.addr(), &request).await;
        if std::env::var("DIALTONE_MOCK_TRACE").is_ok_and(|f| f == file) {
            println!(
                "{what}\n  -> {} {:?} body={:?}\n  <- {} {:?} {}",
                request.target,
                request.headers,
                String::from_utf8_lossy(&request.body),
                answer.status,
                answer.header("content-type"),
                String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            );
            let (bad, status, location) = invalid(mock, op, &built, turn);
            println!(
                "  invalid: {} {} {location} {:?}",
                bad.target, status, bad.headers
            );
        }
        let violations = server.take_violations();
        assert!(
            violations.is_empty(),
            "{what}: {} {violations:#?}",
            request.target
        );
        assert!(
            answer.status < 400,
            "{what}: {} {:?}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        if let Some(expected) = expected_status(op) {
            assert_eq!(answer.status, expected, "{what}");
        }
        check_answer(op, &answer, &what);
        // A documented error, asked for.
        if let Some(status) = error_status(op) {
            let asked = request
                .clone()
                .header(mock::STATUS_HEADER, &status.to_string());
            let answer = send(server.addr(), &asked).await;
            assert_eq!(answer.status, status, "{what}: asked for {status}");
            check_answer(op, &answer, &format!("{what} asking {status}"));
            assert!(server.take_violations().is_empty());
        }
        // An invalid request.
        let (request, status, location) = invalid(mock, op, &built, turn);
        let answer = send(server.addr(), &request).await;
        assert_eq!(
            answer.status,
            status,
            "{what}: {} {:?}",
            request.target,
            String::from_utf8_lossy(&answer.body)
        );
        let violations = server.take_violations();
        assert!(
            violations.iter().any(|v| v.location == location
                && v.operation.as_deref() == Some(op.id.as_str())
                && v.status == status),
            "{what}: expected a violation at {location}: {violations:#?}"
        );
    }
    // An unknown path is a violation too.
    let answer = send(
        server.addr(),
        &Request::new("GET", &format!("{base}/dialtone/no/such/path")),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(server.take_violations().len(), 1);
    assert!(server.errors().is_empty(), "{file}: {:#?}", server.errors());
    (mock.spec().operations.len(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_operation_against_the_mock() {
    let files = [
        "dropshot.yaml",
        "dropshot-stratus.yaml",
        "saas-large.yaml",
        "composition.yaml",
        "composition-tillpoint.yaml",
        "media.yaml",
        "hostile.yaml",
        "hostile-kronos.yaml",
        "link-paging.yaml",
        "nullable.yaml",
        "examples.yaml",
        "paging.yaml",
    ];
    let listed: Vec<String> =
        std::fs::read_dir(format!("{}/../../tests/corpus", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
    for name in &listed {
        assert!(
            files.contains(&name.as_str()),
            "a corpus spec this test does not know: {name}"
        );
    }
    let tasks: Vec<_> = files
        .into_iter()
        .map(|file| tokio::spawn(async move { (file, corpus_spec(file).await) }))
        .collect();
    for task in tasks {
        let (file, (operations, elapsed)) = task.await.expect("a corpus spec passes");
        println!("{file}: {operations} operations in {elapsed:.2?}");
    }
}

// ---------------------------------------------------------------------
// Hostile specs and requests: bounded, reported, never a crash.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_specs_and_requests_are_bounded() {
    // An allOf DAG that would check one value 2^24 times: refused at load.
    let mut schemas = serde_json::Map::new();
    for level in 0..24 {
        let next = format!("#/components/schemas/D{}", level + 1);
        schemas.insert(
            format!("D{level}"),
            json!({"allOf": [{"$ref": next}, {"$ref": next}]}),
        );
    }
    schemas.insert("D24".into(), json!({"type": "object"}));
    let dag = json!({"openapi": "3.0.3", "info": {"title": "dag", "version": "1"}, "paths": {},
                     "components": {"schemas": schemas}});
    let Err(mock::MockError::Spec(e)) = mock::serve(dag, 0, MockOptions::default()).await else {
        panic!("the DAG is refused");
    };
    assert!(e.message.contains("fan out"), "{e}");
    // Schemas no finite value fits: reported by check, a 500 when asked.
    let answer = |name: &str| json!({"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}}});
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "hostile", "version": "1"},
        "paths": {
            "/huge": {"get": {"operationId": "huge", "responses": answer("Huge")}},
            "/loop": {"get": {"operationId": "loop", "responses": answer("Loop")}},
            "/deep": {"post": {"operationId": "deep", "parameters": [
                {"name": "f", "in": "query", "style": "deepObject", "explode": true, "schema": {"type": "object"}},
            ], "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"p": {"type": "integer"}}}}}},
               "responses": {"204": {"description": "ok"}}}},
        },
        "components": {"schemas": {
            "Huge": {"type": "string", "minLength": 1_000_000_000u64},
            "Loop": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/Loop"}}},
        }},
    });
    let server = mock::serve(doc, 0, MockOptions::default()).await.unwrap();
    let errors = server.mock().check();
    let places: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert!(places.iter().any(|p| p.contains("~1huge")), "{errors:#?}");
    assert!(places.iter().any(|p| p.contains("~1loop")), "{errors:#?}");
    assert_eq!(
        send(server.addr(), &Request::new("GET", "/loop"))
            .await
            .status,
        500
    );
    assert_eq!(
        send(server.addr(), &Request::new("GET", "/huge"))
            .await
            .status,
        500
    );
    assert!(!server.errors().is_empty());
    // Brackets nest at most 16 deep; JSON at most 128.
    let deep = format!("f{}=1", "%5Ba%5D".repeat(40));
    expect_violation(
        &server,
        &Request::new("POST", &format!("/deep?{deep}")),
        400,
        "query.f",
    )
    .await;
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    expect_violation(
        &server,
        &Request::new("POST", "/deep").body("application/json", nested),
        400,
        "body",
    )
    .await;
    expect_violation(
        &server,
        &Request::new("POST", "/deep").body("application/json", r#"{"p": "x"}"#),
        400,
        "body/p",
    )
    .await;
    // And it still answers.
    assert_eq!(
        send(server.addr(), &Request::new("POST", "/deep"))
            .await
            .status,
        204
    );
    assert!(server.violations().is_empty());
}
