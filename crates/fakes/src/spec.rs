//! The spec side of a fake: which operation a request is, whether it is
//! valid (path, query, body), and whether the fake's own answer conforms.
//!
//! Schemas are taken from the same `specs/*.yaml` the clients are generated
//! from, with every `$ref` inlined and OpenAPI-only keywords dropped, and
//! checked by the `jsonschema` crate (OpenAPI 3.0 schemas are draft 4).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One operation of the spec, ready to match and validate requests.
pub struct Operation {
    /// The operationId.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    segments: Vec<Segment>,
    params: Vec<Param>,
    body: Option<(bool, Schema)>,
    /// The media types the request body may come in (`application/json`,
    /// `application/x-www-form-urlencoded`), lower case, as the spec lists them.
    pub media: Vec<String>,
    responses: BTreeMap<String, Option<Schema>>,
    /// Whether the operation needs a credential.
    pub authenticated: bool,
    /// The vendor's rate-limit group (`x-throttling-group`), if the spec names one.
    pub rate_group: Option<String>,
}

enum Segment {
    Literal(String),
    Param(String),
}

struct Param {
    name: String,
    location: String,
    required: bool,
    array: bool,
    explode: bool,
    schema: Schema,
}

/// A compiled schema.
pub struct Schema {
    raw: Value,
    validator: jsonschema::Validator,
}

impl Schema {
    /// Compiles a JSON Schema (draft 4).
    pub fn new(raw: Value) -> Self {
        let validator =
            jsonschema::draft4::new(&raw).expect("the specs' schemas are valid draft 4");
        Schema { raw, validator }
    }

    /// Every violation of `value` under `prefix`: at most [`MAX_PROBLEMS`],
    /// each message at most [`MAX_MESSAGE`] characters (the validator quotes
    /// the value, and a request's value can be large).
    ///
    /// The validator's message quotes the value; for a credential (a field
    /// named like a password, secret, token or key) the message names the
    /// rule only, so that no answer repeats a credential.
    pub fn problems(&self, prefix: &str, value: &Value) -> Vec<Problem> {
        self.validator
            .iter_errors(value)
            .take(MAX_PROBLEMS)
            .map(|e| {
                let field = clip(&format!("{prefix}{}", e.instance_path()), MAX_MESSAGE);
                let keyword = keyword(&e);
                let message = if is_credential(&field) {
                    format!("the value breaks `{keyword}`")
                } else {
                    clip(&e.to_string(), MAX_MESSAGE)
                };
                Problem {
                    field,
                    keyword,
                    message,
                }
            })
            .collect()
    }

    /// The schema as JSON (refs inlined).
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

/// Whether a field (`body/data/api_key`, `header.authorization`) holds a
/// credential.
fn is_credential(field: &str) -> bool {
    let name = field
        .rsplit(['/', '.'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "api_key",
        "apikey",
        "credential",
        "assertion",
        "authorization",
    ]
    .iter()
    .any(|word| name.contains(word))
}

fn keyword(e: &jsonschema::ValidationError<'_>) -> String {
    let debug = format!("{:?}", e.kind());
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "schema".to_owned(),
    }
}

/// The most problems reported for one request.
pub const MAX_PROBLEMS: usize = 20;
/// The longest message (and field name) of a problem, in characters.
pub const MAX_MESSAGE: usize = 200;

/// `text` cut to at most `max` characters (on a character boundary), with
/// an ellipsis when it was cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// One violation: where, which rule, and the validator's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted or pointer path of the value (`body/name`, `query.page_size`).
    pub field: String,
    /// The JSON Schema keyword it broke (`maxLength`, `required`, `type`...).
    pub keyword: String,
    /// What the validator said.
    pub message: String,
}

/// A matched request: the operation and the values of its path parameters.
pub struct Matched<'a> {
    /// The operation.
    pub op: &'a Operation,
    /// Path parameters by name (percent-decoded).
    pub path: BTreeMap<String, String>,
    /// Path parameters that are not valid percent-encoded UTF-8.
    pub problems: Vec<Problem>,
}

/// A vendor's spec, loaded for a fake.
pub struct Spec {
    /// The path every operation's path is below (from `servers[0]`).
    pub base_path: String,
    /// The operations.
    pub operations: Vec<Operation>,
}

impl Spec {
    /// Loads a spec's text (YAML).
    pub fn load(text: &str) -> Spec {
        let doc: Value = serde_norway::from_str(text).expect("the specs are valid YAML");
        let server = doc["servers"][0]["url"].as_str().unwrap_or("");
        let base_path = match server.split_once("://") {
            Some((_, rest)) => rest
                .find('/')
                .map(|i| rest[i..].to_owned())
                .unwrap_or_default(),
            None => String::new(),
        };
        let root_security = doc.get("security").cloned();
        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for method in ["get", "put", "post", "delete", "patch"] {
                let Some(op) = item.get(method) else { continue };
                let mut params = Vec::new();
                let declared = shared.iter().chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
                for param in declared {
                    let param = resolve(&doc, param, 0);
                    let schema = openapi_to_json_schema(&doc, &param["schema"]);
                    params.push(Param {
                        name: param["name"].as_str().unwrap_or_default().to_owned(),
                        location: param["in"].as_str().unwrap_or_default().to_owned(),
                        required: param["required"].as_bool().unwrap_or(false),
                        array: schema["type"] == "array",
                        explode: param["explode"].as_bool().unwrap_or(param["in"] == "query"),
                        schema: Schema::new(schema),
                    });
                }
                let request_body = op.get("requestBody").map(|b| resolve(&doc, b, 0));
                let media: Vec<String> = request_body
                    .as_ref()
                    .and_then(|b| b["content"].as_object())
                    .map(|c| c.keys().map(|k| k.to_ascii_lowercase()).collect())
                    .unwrap_or_default();
                let body = request_body.map(|b| {
                    let schema = b["content"]
                        .as_object()
                        .and_then(|c| {
                            c.iter()
                                .find(|(k, _)| k.contains("json") || k.contains("form"))
                        })
                        .map(|(_, m)| m["schema"].clone())
                        .unwrap_or(Value::Null);
                    (
                        b["required"].as_bool().unwrap_or(false),
                        Schema::new(openapi_to_json_schema(&doc, &schema)),
                    )
                });
                let mut responses = BTreeMap::new();
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let response = resolve(&doc, response, 0);
                    let schema = response["content"]
                        .as_object()
                        .and_then(|c| c.iter().find(|(k, _)| k.contains("json")))
                        .map(|(_, m)| Schema::new(openapi_to_json_schema(&doc, &m["schema"])));
                    responses.insert(status.clone(), schema);
                }
                let security = op.get("security").or(root_security.as_ref());
                let authenticated = security
                    .and_then(Value::as_array)
                    .is_some_and(|s| !s.is_empty());
                operations.push(Operation {
                    id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                    method: method.to_ascii_uppercase(),
                    segments: segments(path),
                    params,
                    body,
                    media,
                    responses,
                    authenticated,
                    rate_group: op["x-throttling-group"].as_str().map(str::to_owned),
                });
            }
        }
        Spec {
            base_path,
            operations,
        }
    }

    /// The operation `method path` is, if any.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let rest = path.strip_prefix(&self.base_path)?;
        let parts: Vec<&str> = rest.split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method == method)
            .filter_map(|op| {
                op.matches(&parts)
                    .map(|(path, problems)| Matched { op, path, problems })
            })
            // Prefer the operation with the most literal segments.
            .max_by_key(|m| {
                m.op.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> &Operation {
        self.operations
            .iter()
            .find(|o| o.id == id)
            .expect("a known operationId")
    }
}

impl Operation {
    fn matches(&self, parts: &[&str]) -> Option<(BTreeMap<String, String>, Vec<Problem>)> {
        // A template such as `/a/{b}/c` splits into ["", "a", "{b}", "c"].
        if self.segments.len() != parts.len() {
            return None;
        }
        let mut found = BTreeMap::new();
        let mut problems = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(text) if text == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    if part.is_empty() {
                        return None;
                    }
                    match decode_component(part, false) {
                        Ok(value) => {
                            found.insert(name.clone(), value);
                        }
                        Err(why) => problems.push(Problem {
                            field: format!("path.{name}"),
                            keyword: "encoding".into(),
                            message: why.to_owned(),
                        }),
                    }
                }
            }
        }
        Some((found, problems))
    }

    /// Whether the operation takes a request body.
    pub fn has_body(&self) -> bool {
        self.body.is_some()
    }

    /// Checks path and query parameters and the body; returns the typed
    /// query values (by name) and every problem.
    pub fn check(
        &self,
        path: &BTreeMap<String, String>,
        query: &[(String, String)],
        headers: &[(String, String)],
        body: Option<&Value>,
    ) -> (BTreeMap<String, Value>, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut typed = BTreeMap::new();
        for param in &self.params {
            let raw: Vec<&str> = match param.location.as_str() {
                "path" => path
                    .get(&param.name)
                    .map(|v| vec![v.as_str()])
                    .unwrap_or_default(),
                "query" => query
                    .iter()
                    .filter(|(k, _)| *k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
                "header" => headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(&param.name))
                    .map(|(_, v)| v.as_str())
                    .collect(),
                _ => continue,
            };
            let prefix = format!("{}.{}", param.location, param.name);
            if raw.is_empty() {
                if param.required {
                    problems.push(Problem {
                        field: prefix,
                        keyword: "required".into(),
                        message: "is required".into(),
                    });
                }
                continue;
            }
            let value = if param.array {
                let items: Vec<&str> = if param.explode {
                    raw.clone()
                } else {
                    raw.iter().flat_map(|v| v.split(',')).collect()
                };
                Value::Array(
                    items
                        .iter()
                        .map(|v| coerce(&param.schema.raw["items"], v))
                        .collect(),
                )
            } else {
                coerce(&param.schema.raw, raw[raw.len() - 1])
            };
            problems.extend(param.schema.problems(&prefix, &value));
            typed.insert(param.name.clone(), value);
        }
        match (&self.body, body) {
            (Some((_, schema)), Some(body)) => problems.extend(schema.problems("body", body)),
            (Some((true, _)), None) => problems.push(Problem {
                field: "body".into(),
                keyword: "required".into(),
                message: "a body is required".into(),
            }),
            _ => {}
        }
        (typed, problems)
    }

    /// A form-encoded body as JSON, each value typed by the body schema's
    /// property (so that `+1650...` stays the string it is).
    pub fn form_body(&self, pairs: Vec<(String, String)>) -> Value {
        let properties = self.body.as_ref().map(|(_, s)| &s.raw["properties"]);
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let schema = properties.map(|p| &p[&k]).unwrap_or(&Value::Null);
                    let value = coerce(schema, &v);
                    (k, value)
                })
                .collect(),
        )
    }

    /// Problems with the fake's own answer `body` at `status`.
    pub fn check_response(&self, status: u16, body: Option<&Value>) -> Vec<Problem> {
        let schema = self
            .responses
            .get(&status.to_string())
            .or_else(|| self.responses.get("default"));
        match (schema, body) {
            (Some(Some(schema)), Some(body)) => schema.problems("response", body),
            (Some(None), _) | (Some(Some(_)), None) => Vec::new(),
            (None, _) => vec![Problem {
                field: "response".into(),
                keyword: "status".into(),
                message: format!("status {status} is not documented for {}", self.id),
            }],
        }
    }

    /// Problems with an answer checked against the response documented
    /// under `key` (a status or `default`).
    pub fn check_response_as(&self, key: &str, body: Option<&Value>) -> Vec<Problem> {
        match (self.responses.get(key), body) {
            (Some(Some(schema)), Some(body)) => schema.problems("response", body),
            (Some(_), _) => Vec::new(),
            (None, _) => vec![Problem {
                field: "response".into(),
                keyword: "status".into(),
                message: format!("no `{key}` response is documented for {}", self.id),
            }],
        }
    }

    /// The schema of the answer at `status`, if it has a JSON body.
    pub fn response_schema(&self, status: u16) -> Option<&Schema> {
        self.responses
            .get(&status.to_string())
            .and_then(Option::as_ref)
    }
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(part.to_owned()),
            },
        )
        .collect()
}

/// Decodes a path segment, or a query or form component (`plus_is_space`:
/// `+` is a space there): every `%` must start a `%XX` escape and the
/// result must be UTF-8, or the value is refused with the reason.
pub fn decode_component(text: &str, plus_is_space: bool) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Err("bad percent-encoding: `%` must start a `%XX` escape");
    }
    let spaced;
    let text = if plus_is_space && text.contains('+') {
        spaced = text.replace('+', " ");
        spaced.as_str()
    } else {
        text
    };
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| "not UTF-8 once percent-decoded")
}

/// A query or path value as the JSON its schema expects (left a string when
/// it does not parse, so that validation reports the type).
fn coerce(schema: &Value, raw: &str) -> Value {
    match schema["type"].as_str() {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_owned())),
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

/// Follows a `$ref` (to a depth that no spec of ours reaches).
fn resolve(doc: &Value, value: &Value, depth: usize) -> Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth < 32 => {
            let target = doc
                .pointer(reference.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null);
            resolve(doc, &target, depth + 1)
        }
        _ => value.clone(),
    }
}

/// An OpenAPI 3.0 schema as a self-contained draft 4 JSON Schema: refs
/// inlined, `nullable` folded into `type`, OpenAPI-only keywords dropped.
pub fn openapi_to_json_schema(doc: &Value, schema: &Value) -> Value {
    convert(doc, schema, 0)
}

fn convert(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 64 {
        return Value::Object(Map::new());
    }
    let schema = resolve(doc, schema, 0);
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let map_format = map.get("format").and_then(Value::as_str).map(str::to_owned);
            for (key, value) in map {
                if key.starts_with("x-")
                    || matches!(
                        key.as_str(),
                        "example"
                            | "examples"
                            | "nullable"
                            | "discriminator"
                            | "readOnly"
                            | "writeOnly"
                            | "deprecated"
                            | "xml"
                            | "externalDocs"
                            | "format"
                    )
                {
                    continue;
                }
                let converted = match key.as_str() {
                    "properties" => Value::Object(
                        value
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(k, v)| (k.clone(), convert(doc, v, depth + 1)))
                            .collect(),
                    ),
                    "items" | "additionalProperties" | "not" if value.is_object() => {
                        convert(doc, &value, depth + 1)
                    }
                    "allOf" | "oneOf" | "anyOf" => Value::Array(
                        value
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|v| convert(doc, v, depth + 1))
                            .collect(),
                    ),
                    _ => value,
                };
                out.insert(key, converted);
            }
            if out.get("type") == Some(&Value::String("integer".into())) {
                bound_integer(&mut out, map_format.as_deref());
            }
            if nullable && let Some(Value::String(t)) = out.get("type").cloned() {
                out.insert("type".into(), serde_json::json!([t, "null"]));
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// Gives an integer schema the bounds of its `format` (`int32`, `int64`),
/// as the vendor's own parser has them, unless tighter ones are there.
fn bound_integer(schema: &mut Map<String, Value>, format: Option<&str>) {
    let (low, high) = match format {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let tighter_low = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .is_some_and(|m| m >= low as f64);
    if !tighter_low {
        schema.insert("minimum".into(), Value::from(low));
    }
    let tighter_high = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .is_some_and(|m| m <= high as f64);
    if !tighter_high {
        schema.insert("maximum".into(), Value::from(high));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazoo_requests_are_matched_and_checked() {
        let spec = Spec::load(include_str!("../../../specs/kazoo.yaml"));
        assert_eq!(spec.base_path, "/v2");
        let m = spec.find("GET", "/v2/accounts/6b71cb72c876b5b1396a335f8f8a2594/groups/1743724cd775bf6994380dbc79c1af09").unwrap();
        assert_eq!(m.op.id, "getGroup");
        let (_, problems) = m.op.check(&m.path, &[], &[], None);
        assert!(problems.is_empty(), "{problems:?}");
        let m = spec.find("GET", "/v2/accounts/nothex/groups").unwrap();
        let (_, problems) =
            m.op.check(&m.path, &[("page_size".into(), "0".into())], &[], None);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["path.ACCOUNT_ID", "query.page_size"]);
        let m = spec
            .find(
                "PUT",
                "/v2/accounts/6b71cb72c876b5b1396a335f8f8a2594/groups",
            )
            .unwrap();
        let body = serde_json::json!({"data": {"name": "", "endpoints": {}}});
        let (_, problems) = m.op.check(&m.path, &[], &[], Some(&body));
        assert_eq!(problems[0].field, "body/data/name");
        assert_eq!(problems[0].keyword, "minLength");
        assert!(spec.find("GET", "/v2/nowhere").is_none());
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
        let spec = Spec::load(include_str!("../../../specs/ringcentral.yaml"));
        let m = spec
            .find("GET", "/restapi/v1.0/account/~/call-monitoring-groups")
            .unwrap();
        for (value, ok) in [
            ("2147483647", true),
            ("2147483648", false),
            ("9223372036854775807", false),
            ("0", false),
        ] {
            let (_, problems) =
                m.op.check(&m.path, &[("page".into(), value.into())], &[], None);
            assert_eq!(problems.is_empty(), ok, "page={value}: {problems:?}");
        }
    }

    #[test]
    fn credentials_are_not_repeated_in_problems() {
        let spec = Spec::load(include_str!("../../../specs/kazoo.yaml"));
        let m = spec.find("PUT", "/v2/api_auth").unwrap();
        let key = "k".repeat(70);
        let body = serde_json::json!({"data": {"api_key": key}});
        let (_, problems) = m.op.check(&m.path, &[], &[], Some(&body));
        assert!(!problems.is_empty());
        assert!(
            problems.iter().all(|p| !p.message.contains("kkkk")),
            "{problems:?}"
        );
    }

    #[test]
    fn answers_are_checked_against_their_status() {
        let spec = Spec::load(include_str!("../../../specs/kazoo.yaml"));
        let op = spec.operation("getGroup");
        assert!(op.check_response(200, Some(&serde_json::json!({"data": {"name": "x", "endpoints": {}}, "status": "success"}))).is_empty());
        assert!(
            !op.check_response(200, Some(&serde_json::json!({"data": {}})))
                .is_empty()
        );
        assert!(!op.check_response(418, None).is_empty());
    }
}
