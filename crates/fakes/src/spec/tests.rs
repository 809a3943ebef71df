use hyper::HeaderMap;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use serde_json::json;

use super::*;

/// The problems of `method path?query` with a JSON `body`.
fn problems(
    spec: &Spec,
    method: &str,
    path: &str,
    query: &str,
    body: Option<&Value>,
) -> Vec<Problem> {
    let matched = spec.find(method, path).expect("a known operation");
    let mut headers = HeaderMap::new();
    let bytes = body.map(Value::to_string).unwrap_or_default();
    if body.is_some() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    spec.decode(
        &matched,
        &RequestParts {
            query,
            headers: &headers,
            body: bytes.as_bytes(),
        },
    )
    .expect("a known media type")
    .problems
}

#[test]
fn kazoo_requests_are_matched_and_checked() {
    let spec = Spec::load(include_str!("../../specs/kazoo.yaml"));
    assert_eq!(spec.base_path, "/v2");
    let path =
        "/v2/accounts/6b71cb72c876b5b1396a335f8f8a2594/groups/1743724cd775bf6994380dbc79c1af09";
    assert_eq!(spec.find("GET", path).unwrap().op.id, "getGroup");
    assert!(problems(&spec, "GET", path, "", None).is_empty());
    let found = problems(
        &spec,
        "GET",
        "/v2/accounts/nothex/groups",
        "page_size=0",
        None,
    );
    let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["path.ACCOUNT_ID", "query.page_size"]);
    let body = json!({"data": {"name": "", "endpoints": {}}});
    let found = problems(
        &spec,
        "PUT",
        "/v2/accounts/6b71cb72c876b5b1396a335f8f8a2594/groups",
        "",
        Some(&body),
    );
    assert_eq!(found[0].field, "body/data/name");
    assert_eq!(found[0].keyword, "minLength");
    assert!(spec.find("GET", "/v2/nowhere").is_none());
    // Vendors are lenient: another method on a known path is not found,
    // unknown query parameters are ignored.
    assert!(matches!(
        spec.locate("TRACE", path),
        Err(Miss::MethodNotAllowed(_))
    ));
    assert!(problems(&spec, "GET", path, "whatever=1", None).is_empty());
}

#[test]
fn components_decode_strictly() {
    assert_eq!(decode_component("a+b%2B%C3%A9", true).unwrap(), "a b+é");
    assert_eq!(decode_component("a+b", false).unwrap(), "a+b");
    for bad in ["%zz", "%", "%F", "x%FF", "%C3%28"] {
        assert!(decode_component(bad, true).is_err(), "{bad}");
    }
}

#[test]
fn integers_keep_their_format_bounds() {
    let spec = Spec::load(include_str!("../../specs/ringcentral.yaml"));
    let path = "/restapi/v1.0/account/~/call-monitoring-groups";
    for (value, ok) in [
        ("2147483647", true),
        ("2147483648", false),
        ("9223372036854775807", false),
        ("0", false),
    ] {
        let found = problems(&spec, "GET", path, &format!("page={value}"), None);
        assert_eq!(found.is_empty(), ok, "page={value}: {found:?}");
    }
}

#[test]
fn credentials_are_not_repeated_in_problems() {
    let spec = Spec::load(include_str!("../../specs/kazoo.yaml"));
    let key = "k".repeat(70);
    let body = json!({"data": {"api_key": key}});
    let found = problems(&spec, "PUT", "/v2/api_auth", "", Some(&body));
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|p| !p.message.contains("kkkk")),
        "{found:?}"
    );
}

#[test]
fn answers_are_checked_against_their_status() {
    let spec = Spec::load(include_str!("../../specs/kazoo.yaml"));
    let op = spec.operation("getGroup");
    assert!(
        op.check_response(
            200,
            Some(&json!({"data": {"name": "x", "endpoints": {}}, "status": "success"}))
        )
        .is_empty()
    );
    assert!(
        !op.check_response(200, Some(&json!({"data": {}})))
            .is_empty()
    );
    assert!(!op.check_response(418, None).is_empty());
}

/// A small spec in the corpus' shapes, loaded strictly.
fn strict(doc: Value) -> Result<Spec, SpecError> {
    Spec::from_value(doc, SpecOptions::strict())
}

fn doc(paths: Value, components: Value) -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, "components": components})
}

#[test]
fn bad_specs_name_the_place() {
    let ok = json!({"200": {"description": "ok"}});
    for (doc, pointer) in [
        (json!({"openapi": "2.0", "paths": {}}), "#/openapi"),
        (
            doc(json!({"/a/{b}": {"get": {"responses": ok}}}), json!({})),
            "#/paths/~1a~1{b}/get",
        ),
        (
            doc(
                json!({"/a": {"get": {"parameters": [{"name": "x", "in": "body", "schema": {}}], "responses": ok}}}),
                json!({}),
            ),
            "#/paths/~1a/get/parameters/0/in",
        ),
        (
            doc(
                json!({"/a": {"get": {"parameters": [{"$ref": "other.yaml#/x"}], "responses": ok}}}),
                json!({}),
            ),
            "#/paths/~1a/get/parameters/0/$ref",
        ),
        (
            doc(
                json!({"/a": {"get": {"parameters": [{"name": "x", "in": "query", "schema": {"$ref": "#/components/schemas/Nope"}}], "responses": ok}}}),
                json!({}),
            ),
            "#/paths/~1a/get/parameters/0/schema/$ref",
        ),
        (
            doc(
                json!({}),
                json!({"schemas": {"A": {"allOf": [{"$ref": "#/components/schemas/B"}]}, "B": {"anyOf": [{"$ref": "#/components/schemas/A"}]}}}),
            ),
            "#/components/schemas/A",
        ),
        (
            doc(
                json!({"/a": {"get": {"security": [{"nope": []}], "responses": ok}}}),
                json!({}),
            ),
            "#/paths/~1a/get/security/0/nope",
        ),
        (
            doc(
                json!({"/a": {"get": {"parameters": [{"name": "x", "in": "header", "style": "form", "schema": {}}], "responses": ok}}}),
                json!({}),
            ),
            "#/paths/~1a/get/parameters/0/style",
        ),
    ] {
        let err = strict(doc).err().expect("refused");
        assert!(
            err.pointer.starts_with(pointer),
            "{err} (expected {pointer})"
        );
    }
}

#[test]
fn recursion_through_nesting_is_fine() {
    let spec = strict(doc(
        json!({"/t": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tree"}}}},
            "responses": {"204": {"description": "ok"}}}}}),
        json!({"schemas": {"Tree": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}}}),
    ))
    .unwrap();
    let good = json!({"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]});
    assert!(problems(&spec, "POST", "/t", "", Some(&good)).is_empty());
    let bad = json!({"name": "a", "children": [{"children": []}]});
    let found = problems(&spec, "POST", "/t", "", Some(&bad));
    assert_eq!(found[0].field, "body/children/0");
    assert_eq!(found[0].keyword, "required");
}

#[test]
fn discriminators_select_their_variant() {
    let components = json!({"schemas": {
        "Card": {"type": "object", "required": ["kind", "number"], "properties": {"kind": {"type": "string"}, "number": {"type": "string"}}},
        "Credit": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "amount": {"type": "integer"}}},
        "Source": {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Credit"}],
                   "discriminator": {"propertyName": "kind", "mapping": {"card": "#/components/schemas/Card"}}},
        "Event": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}},
                  "discriminator": {"propertyName": "type", "mapping": {"paid": "#/components/schemas/Paid"}}},
        "Paid": {"allOf": [{"$ref": "#/components/schemas/Event"}, {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}}]},
    }});
    let paths = json!({
        "/s": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}}, "responses": {"204": {"description": "ok"}}}},
        "/e": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}}, "responses": {"204": {"description": "ok"}}}},
    });
    let spec = strict(doc(paths, components)).unwrap();
    // Plain oneOf would refuse this (it fits Card and Credit); the mapping
    // picks Card.
    let card = json!({"kind": "card", "number": "4242"});
    assert!(problems(&spec, "POST", "/s", "", Some(&card)).is_empty());
    // Unmapped variants go by their schema name.
    let credit = json!({"kind": "Credit", "amount": 5});
    assert!(problems(&spec, "POST", "/s", "", Some(&credit)).is_empty());
    let unknown = json!({"kind": "cash"});
    assert!(!problems(&spec, "POST", "/s", "", Some(&unknown)).is_empty());
    // A base with a discriminator checks the child its value names.
    let paid = json!({"type": "paid", "amount": 1});
    assert!(problems(&spec, "POST", "/e", "", Some(&paid)).is_empty());
    let unpaid = json!({"type": "paid"});
    assert!(!problems(&spec, "POST", "/e", "", Some(&unpaid)).is_empty());
    let other = json!({"type": "other"});
    assert!(problems(&spec, "POST", "/e", "", Some(&other)).is_empty());
}

#[test]
fn nullable_read_only_and_formats() {
    let components = json!({"schemas": {
        "Thing": {"type": "object", "required": ["id", "name", "secret"], "properties": {
            "id": {"type": "string", "readOnly": true, "format": "uuid"},
            "name": {"type": "string", "nullable": true, "enum": ["a", "b"]},
            "secret": {"type": "string", "writeOnly": true},
            "when": {"type": "string", "format": "date-time"},
            "parent": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Ref"}]},
            "count": {"type": "integer", "format": "uint8"},
        }},
        "Ref": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    }});
    let spec = strict(doc(json!({}), components)).unwrap();
    let request = spec.component("Thing", Direction::Request).unwrap();
    let response = spec.component("Thing", Direction::Response).unwrap();
    assert!(request.is_valid(&json!({"name": null, "secret": "s", "parent": null})));
    assert!(!response.is_valid(&json!({"name": null, "secret": "s"})));
    assert!(response.is_valid(&json!({"id": "00000000-0000-4000-8000-000000000000", "name": "a"})));
    assert!(!response.is_valid(&json!({"id": "nope", "name": "a"})));
    assert!(!request.is_valid(&json!({"name": "c", "secret": "s"})));
    assert!(!request.is_valid(&json!({"name": "a", "secret": "s", "when": "yesterday"})));
    assert!(!request.is_valid(&json!({"name": "a", "secret": "s", "count": 256})));
    assert!(!request.is_valid(&json!({"name": "a", "secret": "s", "parent": {}})));
}

#[test]
fn response_ranges_cover_their_statuses() {
    let range = Response {
        key: "2XX".into(),
        content: Vec::new(),
        headers: Vec::new(),
    };
    assert!(range.covers(200) && range.covers(299));
    assert!(
        !range.covers(300) && !range.covers(20) && !range.covers(25_599) && !range.covers(u16::MAX)
    );
    let ok = |key: &str| {
        let doc = doc(
            json!({"/a": {"get": {"responses": {key: {"description": "x"}}}}}),
            json!({}),
        );
        strict(doc).is_ok()
    };
    assert!(ok("2XX") && ok("default") && ok("418"));
    assert!(!ok("2xx") && !ok("é1") && !ok("6XX") && !ok("99") && !ok("600"));
}
