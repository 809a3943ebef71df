//! The spec side of a fake and of the mock: which operation a request is,
//! whether it is valid (path, query, headers, cookies, body per media type,
//! security), and whether an answer conforms.
//!
//! One implementation serves both: the vendor fakes load their
//! `specs/*.yaml` with [`SpecOptions::default`] (lenient: unknown query
//! parameters are ignored, formats and security are the vendor's business),
//! the mock loads any bundled OpenAPI 3.0 document with
//! [`SpecOptions::strict`]. Schemas are checked by the `jsonschema` crate
//! (draft 4, as OpenAPI 3.0 is), converted by [`schema`](Schema) and
//! compiled the first time they are needed; parameters are read by their
//! style ([`style`]); bodies by their media type.

mod decode;
mod path;
mod schema;
pub mod style;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

pub use decode::{Decoded, RequestParts};
use schema::Schemas;
pub use schema::{Direction, Schema, component_name, inline_refs};
use style::Style;

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
    /// Where: `path.id`, `query.page_size`, `header.X-Id`, `cookie.session`,
    /// `body` or a pointer below it (`body/data/name`), `security`.
    pub field: String,
    /// The rule it broke: a JSON Schema keyword (`maxLength`, `required`,
    /// `type`...), or `encoding`, `style`, `json`, `unknown`, `security`...
    pub keyword: String,
    /// What is wrong.
    pub message: String,
}

/// A spec that cannot be served: where (a JSON pointer into the document)
/// and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// A JSON pointer, `#/paths/~1a/get/parameters/0`.
    pub pointer: String,
    /// What is wrong there.
    pub message: String,
}

impl SpecError {
    pub(crate) fn new(pointer: &str, message: impl Into<String>) -> Self {
        SpecError {
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for SpecError {}

/// How strictly a spec is held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpecOptions {
    /// Query parameters the operation does not declare, a parameter that is
    /// not an array given twice, and a body sent to an operation that takes
    /// none are problems; a known path with another method is a 405.
    pub strict: bool,
    /// String `format`s are checked (`date-time`, `email`, `uuid`...).
    pub formats: bool,
    /// The operation's `security` requirements are checked: a request
    /// without the credentials of any alternative has a problem (keyword
    /// `security`).
    pub security: bool,
    /// The credentials accepted per security scheme (by the scheme's name in
    /// `components/securitySchemes`; for HTTP Basic, `user:password`).
    /// A scheme not listed accepts any well-formed credential.
    pub credentials: BTreeMap<String, BTreeSet<String>>,
}

impl SpecOptions {
    /// Everything checked: for the mock.
    pub fn strict() -> Self {
        SpecOptions {
            strict: true,
            formats: true,
            security: true,
            credentials: BTreeMap::new(),
        }
    }
}

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
    /// The `Cookie` header.
    Cookie,
}

impl Location {
    /// `path`, `query`, `header` or `cookie`.
    pub fn name(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }

    fn parse(name: &str) -> Option<Location> {
        Some(match name {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "cookie" => Location::Cookie,
            _ => return None,
        })
    }
}

/// A parameter of an operation.
pub struct Param {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub location: Location,
    /// Whether a request must have it.
    pub required: bool,
    /// How it is written.
    pub style: Style,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
    /// Whether it is a JSON document (`content: application/json`).
    pub json: bool,
    /// The schema as the spec writes it.
    pub raw: Value,
    /// The compiled schema.
    pub schema: Schema,
    /// Where it is in the spec.
    pub pointer: String,
}

/// One media type of a request body or an answer.
pub struct Media {
    /// The key as the spec writes it (`application/json; charset=utf-8`).
    pub key: String,
    /// Its type and subtype, lower case, without parameters.
    pub essence: String,
    /// The schema, if the spec gives one.
    pub schema: Option<Schema>,
    /// The Media Type Object (examples, `encoding`).
    pub raw: Value,
}

/// A request body.
pub struct Body {
    /// Whether a request must have it.
    pub required: bool,
    /// Its media types, in spec order.
    pub media: Vec<Media>,
}

/// A documented answer.
pub struct Response {
    /// `200`, `2XX` or `default`.
    pub key: String,
    /// Its media types, in spec order.
    pub content: Vec<Media>,
    /// Its headers: name, Header Object, schema.
    pub headers: Vec<(String, Value, Option<Schema>)>,
}

impl Response {
    /// Whether this answer covers `status`.
    pub fn covers(&self, status: u16) -> bool {
        self.key == status.to_string()
            || self
                .key
                .strip_suffix("XX")
                .and_then(|range| range.parse::<u16>().ok())
                .is_some_and(|range| range == status / 100)
    }

    /// The media type that `content_type` (a `Content-Type`) is.
    pub fn media(&self, content_type: &str) -> Option<&Media> {
        select(&self.content, &essence(content_type))
    }
}

/// One security scheme, as far as a request shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: Bearer <token>` (also OAuth 2.0 and OpenID Connect).
    Bearer,
    /// `Authorization: <scheme> <credentials>`.
    Http(String),
    /// An API key in a header, the query or a cookie.
    ApiKey { location: Location, name: String },
    /// Mutual TLS: not visible in an HTTP request; always satisfied.
    MutualTls,
}

/// One operation of the spec, ready to match and validate requests.
pub struct Operation {
    /// The operationId (`METHOD path` when the spec gives none).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Where it is in the spec (`#/paths/~1a~1{b}/get`).
    pub pointer: String,
    template: path::Template,
    /// Its parameters (path-level ones merged in), in spec order.
    pub params: Vec<Param>,
    /// Its request body.
    pub body: Option<Body>,
    /// The media types the request body may come in (lower case, without
    /// parameters), in spec order.
    pub media: Vec<String>,
    /// Its documented answers, in spec order.
    pub responses: Vec<Response>,
    /// Whether the operation needs a credential.
    pub authenticated: bool,
    /// Its security requirements: alternatives, each a list of scheme
    /// names (an empty list: none needed).
    pub security: Vec<Vec<String>>,
    /// The vendor's rate-limit group (`x-throttling-group`), if the spec names one.
    pub rate_group: Option<String>,
}

/// A matched request: the operation and the values of its path parameters.
pub struct Matched<'a> {
    /// The operation.
    pub op: &'a Operation,
    /// Its index in [`Spec::operations`].
    pub index: usize,
    /// Path parameters by name (percent-decoded text, style prefixes
    /// included).
    pub path: BTreeMap<String, String>,
    /// Path parameters that are not valid percent-encoded UTF-8.
    pub problems: Vec<Problem>,
}

/// Why no operation matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No path of the spec fits.
    NotFound,
    /// A path fits, with other methods (upper case).
    MethodNotAllowed(Vec<String>),
}

/// A spec, loaded.
pub struct Spec {
    /// The path every operation's path is below (from `servers[0]`).
    pub base_path: String,
    /// The operations, in spec order.
    pub operations: Vec<Operation>,
    schemes: BTreeMap<String, Scheme>,
    schemas: Arc<Schemas>,
    options: SpecOptions,
}

/// The methods an OpenAPI path item may have.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Spec {
    /// Loads one of the workspace's vendor specs (YAML), leniently.
    ///
    /// # Panics
    ///
    /// When the text is not a spec this crate can serve: the vendor specs
    /// are part of the crate.
    pub fn load(text: &str) -> Spec {
        let doc: Value = serde_norway::from_str(text).expect("the specs are valid YAML");
        Spec::from_value(doc, SpecOptions::default())
            .unwrap_or_else(|e| panic!("a vendor spec cannot be served: {e}"))
    }

    /// Loads an OpenAPI 3.0 document whose `$ref`s all point into
    /// `#/components` (as the generator's parser leaves it).
    pub fn from_value(doc: Value, options: SpecOptions) -> Result<Spec, SpecError> {
        if !doc.is_object() {
            return Err(SpecError::new("#", "an OpenAPI document must be an object"));
        }
        match doc.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") || v.starts_with("3.1") => {}
            _ => {
                return Err(SpecError::new(
                    "#/openapi",
                    "must be an OpenAPI 3.0 version (`3.0.3`)",
                ));
            }
        }
        let doc = Arc::new(doc);
        let schemas = Schemas::new(doc.clone(), options.formats)?;
        let schemes = schemes(&doc)?;
        let base_path = base_path(&doc);
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return Err(SpecError::new("#/paths", "must be an object of path items"));
        };
        let root_security = match doc.get("security") {
            Some(s) => Some(security(s, "#/security", &schemes)?),
            None => None,
        };
        let mut operations = Vec::new();
        for (path, item) in paths {
            let at = format!("#/paths/{}", escape_pointer(path));
            let Some(item) = item.as_object() else {
                return Err(SpecError::new(&at, "a path item must be an object"));
            };
            if item.contains_key("$ref") {
                return Err(SpecError::new(
                    &format!("{at}/$ref"),
                    "path items must be inline (bundle the spec first)",
                ));
            }
            let template = path::Template::parse(path).map_err(|e| SpecError::new(&at, e))?;
            let shared = parameters(
                &schemas,
                item.get("parameters"),
                &format!("{at}/parameters"),
            )?;
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let at = format!("{at}/{method}");
                operations.push(operation(
                    &schemas,
                    &schemes,
                    root_security.as_ref(),
                    path,
                    method,
                    op,
                    &at,
                    &template,
                    &shared,
                )?);
            }
        }
        Ok(Spec {
            base_path,
            operations,
            schemes,
            schemas,
            options,
        })
    }

    /// The operation `method path` is, if any.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        self.locate(method, path).ok()
    }

    /// The operation `method path` is, or why there is none.
    ///
    /// Strict specs match as OpenAPI says: the most specific path wins
    /// (concrete segments before templated ones; among equals, the first),
    /// then its methods decide (405 when it lacks this one). Lenient ones
    /// (the vendor fakes) take the most specific path that has the method.
    pub fn locate(&self, method: &str, path: &str) -> Result<Matched<'_>, Miss> {
        let Some(rest) = path.strip_prefix(&self.base_path) else {
            return Err(Miss::NotFound);
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let strict = self.options.strict;
        let mut best: Option<Matched<'_>> = None;
        let mut best_path: Option<&Operation> = None;
        let mut allowed = BTreeSet::new();
        for (index, op) in self.operations.iter().enumerate() {
            let Some((found, problems)) = op.template.matches(&parts) else {
                continue;
            };
            if strict && best_path.is_none_or(|b| op.template.specificity > b.template.specificity)
            {
                best_path = Some(op);
            }
            if op.method != method {
                allowed.insert((op.path.clone(), op.method.clone()));
                continue;
            }
            // The most specific template wins; among equals, the first.
            if best
                .as_ref()
                .is_none_or(|b| op.template.specificity > b.op.template.specificity)
            {
                best = Some(Matched {
                    op,
                    index,
                    path: found.into_iter().collect(),
                    problems,
                });
            }
        }
        if let Some(path) = best_path
            && best.as_ref().is_none_or(|b| b.op.path != path.path)
        {
            // The path the request names lacks this method.
            let methods = allowed
                .into_iter()
                .filter(|(p, _)| *p == path.path)
                .map(|(_, m)| m)
                .collect();
            return Err(Miss::MethodNotAllowed(methods));
        }
        match best {
            Some(matched) => Ok(matched),
            None if allowed.is_empty() => Err(Miss::NotFound),
            None => Err(Miss::MethodNotAllowed(
                allowed
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            )),
        }
    }

    /// The operation with this id.
    ///
    /// # Panics
    ///
    /// When there is none: the vendors ask for their own operations.
    pub fn operation(&self, id: &str) -> &Operation {
        self.operations
            .iter()
            .find(|o| o.id == id)
            .expect("a known operationId")
    }

    /// The component schema `name`, for checking values in `direction`.
    pub fn component(&self, name: &str, direction: Direction) -> Result<Schema, SpecError> {
        let reference = serde_json::json!({
            "$ref": format!("#/components/schemas/{}", escape_pointer(name))
        });
        self.schemas
            .schema(&reference, direction, "#/components/schemas")
    }

    /// A schema of this spec (`$ref`s into its components), for checking
    /// values in `direction`.
    pub fn schema(&self, schema: &Value, direction: Direction) -> Result<Schema, SpecError> {
        self.schemas.schema(schema, direction, "#")
    }

    /// The document.
    pub fn doc(&self) -> &Value {
        self.schemas.doc()
    }

    /// How strictly the spec is held.
    pub fn options(&self) -> &SpecOptions {
        &self.options
    }

    /// Every problem compiling the spec's schemas would meet, each with
    /// where it is (for a tool that wants them all before serving).
    pub fn compile_all(&self) -> Vec<SpecError> {
        let mut errors = Vec::new();
        let mut check = |schema: &Schema, at: &str| {
            if let Err(why) = schema.validator() {
                errors.push(SpecError::new(at, why.to_owned()));
            }
        };
        for op in &self.operations {
            for param in &op.params {
                check(&param.schema, &param.pointer);
            }
            for media in op.body.iter().flat_map(|b| &b.media) {
                if let Some(schema) = &media.schema {
                    check(
                        schema,
                        &format!(
                            "{}/requestBody/content/{}",
                            op.pointer,
                            escape_pointer(&media.key)
                        ),
                    );
                }
            }
            for response in &op.responses {
                let at = format!("{}/responses/{}", op.pointer, response.key);
                for media in &response.content {
                    if let Some(schema) = &media.schema {
                        check(
                            schema,
                            &format!("{at}/content/{}", escape_pointer(&media.key)),
                        );
                    }
                }
                for (name, _, schema) in &response.headers {
                    if let Some(schema) = schema {
                        check(schema, &format!("{at}/headers/{}", escape_pointer(name)));
                    }
                }
            }
        }
        errors
    }

    /// For a component schema with a `discriminator` and no `oneOf` (the
    /// base of an `allOf` hierarchy): its property, and its children's
    /// values and names.
    pub fn discriminated(&self, name: &str) -> Option<(&str, &[(String, String)])> {
        self.schemas.children(name)
    }

    pub(crate) fn scheme(&self, name: &str) -> Option<&Scheme> {
        self.schemes.get(name)
    }

    /// The names of the query parameters that carry API keys.
    pub(crate) fn query_keys(&self) -> impl Iterator<Item = &str> {
        self.schemes.values().filter_map(|s| match s {
            Scheme::ApiKey {
                location: Location::Query,
                name,
            } => Some(name.as_str()),
            _ => None,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn operation(
    schemas: &Arc<Schemas>,
    schemes: &BTreeMap<String, Scheme>,
    root_security: Option<&Vec<Vec<String>>>,
    path: &str,
    method: &str,
    op: &Value,
    at: &str,
    template: &path::Template,
    shared: &[Param],
) -> Result<Operation, SpecError> {
    if !op.is_object() {
        return Err(SpecError::new(at, "an operation must be an object"));
    }
    let doc = schemas.doc();
    let own = parameters(schemas, op.get("parameters"), &format!("{at}/parameters"))?;
    // Operation-level parameters replace path-level ones of the same name
    // and location.
    let mut params: Vec<Param> = Vec::new();
    for param in shared.iter().map(|p| p.clone_with(schemas)) {
        let param = param?;
        if !own.iter().any(|o| same_param(o, &param)) {
            params.push(param);
        }
    }
    params.extend(own);
    let declared: BTreeSet<&str> = params
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| p.name.as_str())
        .collect();
    let in_template: BTreeSet<&str> = template.params().collect();
    if let Some(missing) = in_template.difference(&declared).next() {
        return Err(SpecError::new(
            at,
            format!(
                "path parameter `{}` of {path} is not declared",
                clip(missing, 64)
            ),
        ));
    }
    if let Some(extra) = declared.difference(&in_template).next() {
        return Err(SpecError::new(
            at,
            format!(
                "path parameter `{}` is not in the path {path}",
                clip(extra, 64)
            ),
        ));
    }
    let body = match op.get("requestBody") {
        Some(body) => Some(request_body(schemas, body, &format!("{at}/requestBody"))?),
        None => None,
    };
    let media = body
        .iter()
        .flat_map(|b| &b.media)
        .map(|m| m.essence.clone())
        .collect();
    let mut responses = Vec::new();
    let Some(documented) = op.get("responses").and_then(Value::as_object) else {
        return Err(SpecError::new(
            &format!("{at}/responses"),
            "must be an object of responses",
        ));
    };
    for (key, response) in documented {
        let here = format!("{at}/responses/{}", escape_pointer(key));
        let valid_key = key == "default"
            || (key.len() == 3
                && (key.parse::<u16>().is_ok_and(|s| (100..=599).contains(&s))
                    || (matches!(key.as_bytes()[0], b'1'..=b'5') && key.get(1..) == Some("XX"))));
        if !valid_key {
            return Err(SpecError::new(
                &here,
                "a response key must be a status, `1XX`..`5XX` or `default`",
            ));
        }
        let response = component(doc, response, "responses", &here)?;
        let content = content(
            schemas,
            response.get("content"),
            Direction::Response,
            &format!("{here}/content"),
        )?;
        let mut headers = Vec::new();
        for (name, header) in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let at = format!("{here}/headers/{}", escape_pointer(name));
            let header = component(doc, header, "headers", &at)?;
            let schema = match header_schema(header) {
                Some(schema) => {
                    Some(schemas.schema(schema, Direction::Response, &format!("{at}/schema"))?)
                }
                None => None,
            };
            headers.push((name.clone(), header.clone(), schema));
        }
        responses.push(Response {
            key: key.clone(),
            content,
            headers,
        });
    }
    let security = match op.get("security") {
        Some(s) => Some(security(s, &format!("{at}/security"), schemes)?),
        None => root_security.cloned(),
    }
    .unwrap_or_default();
    let authenticated = !security.is_empty() && security.iter().all(|r| !r.is_empty());
    let id = op.get("operationId").and_then(Value::as_str).map_or_else(
        || format!("{} {path}", method.to_ascii_uppercase()),
        str::to_owned,
    );
    Ok(Operation {
        id,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        pointer: at.to_owned(),
        template: template.clone(),
        params,
        body,
        media,
        responses,
        authenticated,
        security,
        rate_group: op
            .get("x-throttling-group")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn same_param(a: &Param, b: &Param) -> bool {
    a.location == b.location
        && if a.location == Location::Header {
            a.name.eq_ignore_ascii_case(&b.name)
        } else {
            a.name == b.name
        }
}

impl Param {
    fn clone_with(&self, schemas: &Arc<Schemas>) -> Result<Param, SpecError> {
        Ok(Param {
            name: self.name.clone(),
            location: self.location,
            required: self.required,
            style: self.style,
            explode: self.explode,
            json: self.json,
            raw: self.raw.clone(),
            schema: schemas.schema(&self.raw, Direction::Request, &self.pointer)?,
            pointer: self.pointer.clone(),
        })
    }
}

/// The schema of a header (or of a parameter given by `content`).
fn header_schema(header: &Value) -> Option<&Value> {
    header.get("schema").or_else(|| {
        header
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())
            .and_then(|m| m.get("schema"))
    })
}

fn parameters(
    schemas: &Arc<Schemas>,
    list: Option<&Value>,
    at: &str,
) -> Result<Vec<Param>, SpecError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let Value::Array(list) = list else {
        return Err(SpecError::new(at, "must be an array of parameters"));
    };
    let mut params: Vec<Param> = Vec::new();
    for (i, param) in list.iter().enumerate() {
        let param = parameter(schemas, param, &format!("{at}/{i}"))?;
        if params.iter().any(|p| same_param(p, &param)) {
            return Err(SpecError::new(
                &format!("{at}/{i}"),
                format!(
                    "{} parameter `{}` is declared twice",
                    param.location.name(),
                    clip(&param.name, 64)
                ),
            ));
        }
        params.push(param);
    }
    Ok(params)
}

fn parameter(schemas: &Arc<Schemas>, param: &Value, at: &str) -> Result<Param, SpecError> {
    let param = component(schemas.doc(), param, "parameters", at)?;
    let name = param
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| SpecError::new(at, "a parameter needs a `name`"))?;
    let location = param
        .get("in")
        .and_then(Value::as_str)
        .and_then(Location::parse)
        .ok_or_else(|| {
            SpecError::new(&format!("{at}/in"), "must be path, query, header or cookie")
        })?;
    let default_style = match location {
        Location::Path | Location::Header => Style::Simple,
        Location::Query | Location::Cookie => Style::Form,
    };
    let style = match param.get("style") {
        None => default_style,
        Some(style) => style
            .as_str()
            .and_then(Style::parse)
            .ok_or_else(|| SpecError::new(&format!("{at}/style"), "is not an OpenAPI style"))?,
    };
    let allowed = match location {
        Location::Path => matches!(style, Style::Simple | Style::Label | Style::Matrix),
        Location::Query => matches!(
            style,
            Style::Form | Style::SpaceDelimited | Style::PipeDelimited | Style::DeepObject
        ),
        Location::Header => style == Style::Simple,
        Location::Cookie => style == Style::Form,
    };
    if !allowed {
        return Err(SpecError::new(
            &format!("{at}/style"),
            format!(
                "`{}` is not a style of {} parameters",
                style.name(),
                location.name()
            ),
        ));
    }
    let explode = match param.get("explode") {
        None => style == Style::Form,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(SpecError::new(
                &format!("{at}/explode"),
                "must be a boolean",
            ));
        }
    };
    let (raw, json, schema_at) = match (param.get("schema"), param.get("content")) {
        (Some(schema), None) => (schema.clone(), false, format!("{at}/schema")),
        (None, Some(Value::Object(content))) if content.len() == 1 => {
            let (key, media) = content.iter().next().expect("one entry");
            let schema = media
                .get("schema")
                .cloned()
                .unwrap_or(Value::Object(Default::default()));
            (
                schema,
                is_json(&essence(key)),
                format!("{at}/content/{}/schema", escape_pointer(key)),
            )
        }
        _ => {
            return Err(SpecError::new(
                at,
                "a parameter needs a `schema` or a `content` with one media type",
            ));
        }
    };
    let schema = schemas.schema(&raw, Direction::Request, &schema_at)?;
    Ok(Param {
        name: name.to_owned(),
        location,
        required: location == Location::Path
            || param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        style,
        explode,
        json,
        raw,
        schema,
        pointer: at.to_owned(),
    })
}

fn request_body(schemas: &Arc<Schemas>, body: &Value, at: &str) -> Result<Body, SpecError> {
    let body = component(schemas.doc(), body, "requestBodies", at)?;
    let media = content(
        schemas,
        body.get("content"),
        Direction::Request,
        &format!("{at}/content"),
    )?;
    if media.is_empty() {
        return Err(SpecError::new(
            &format!("{at}/content"),
            "a request body needs at least one media type",
        ));
    }
    Ok(Body {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        media,
    })
}

fn content(
    schemas: &Arc<Schemas>,
    content: Option<&Value>,
    direction: Direction,
    at: &str,
) -> Result<Vec<Media>, SpecError> {
    let Some(content) = content else {
        return Ok(Vec::new());
    };
    let Value::Object(content) = content else {
        return Err(SpecError::new(at, "must be an object of media types"));
    };
    let mut media = Vec::new();
    for (key, value) in content {
        let here = format!("{at}/{}", escape_pointer(key));
        if !value.is_object() {
            return Err(SpecError::new(&here, "a media type must be an object"));
        }
        let schema = match value.get("schema") {
            Some(schema) => Some(schemas.schema(schema, direction, &format!("{here}/schema"))?),
            None => None,
        };
        media.push(Media {
            key: key.clone(),
            essence: essence(key),
            schema,
            raw: value.clone(),
        });
    }
    Ok(media)
}

/// The media type of `list` that `essence` is: the same type first, then a
/// `type/*`, then `*/*`.
pub(crate) fn select<'a>(list: &'a [Media], essence: &str) -> Option<&'a Media> {
    let major = essence.split('/').next().unwrap_or_default();
    list.iter()
        .find(|m| m.essence == essence)
        .or_else(|| {
            list.iter()
                .find(|m| m.essence.strip_suffix("/*") == Some(major))
        })
        .or_else(|| list.iter().find(|m| m.essence == "*/*"))
}

/// `Application/JSON; charset=utf-8` -> `application/json`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type (its essence) is JSON.
pub fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// Follows a `$ref` to a component of `kind` (`parameters`, `responses`,
/// `requestBodies`, `headers`, `examples`), a few levels at most.
pub(crate) fn component<'a>(
    doc: &'a Value,
    value: &'a Value,
    kind: &str,
    at: &str,
) -> Result<&'a Value, SpecError> {
    let mut value = value;
    for _ in 0..8 {
        let Some(reference) = value.get("$ref") else {
            return Ok(value);
        };
        let prefix = format!("#/components/{kind}/");
        let target = reference
            .as_str()
            .filter(|r| r.starts_with(&prefix))
            .and_then(|r| doc.pointer(&pointer_path(r)))
            .ok_or_else(|| {
                SpecError::new(
                    &format!("{at}/$ref"),
                    format!("must refer to an existing `{prefix}<name>` (bundle the spec first)"),
                )
            })?;
        value = target;
    }
    Err(SpecError::new(at, "`$ref`s chain more than 8 deep"))
}

/// `#/a/b%20c` as the path `/a/b c` that `Value::pointer` takes.
fn pointer_path(reference: &str) -> String {
    let fragment = reference.trim_start_matches('#');
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

static EMPTY: Value = Value::Null;

/// `schema` with its `$ref`s followed (a few levels); an unknown target is
/// `null` (an empty schema).
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) if reference.starts_with('#') => {
                schema = doc.pointer(&pointer_path(reference)).unwrap_or(&EMPTY);
            }
            Some(_) => return &EMPTY,
            None => return schema,
        }
    }
    &EMPTY
}

/// A name as one JSON pointer token (`~` -> `~0`, `/` -> `~1`).
pub fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The security schemes of the document.
fn schemes(doc: &Value) -> Result<BTreeMap<String, Scheme>, SpecError> {
    let mut out = BTreeMap::new();
    for (name, scheme) in doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("#/components/securitySchemes/{}", escape_pointer(name));
        let scheme = component(doc, scheme, "securitySchemes", &at)?;
        let kind = scheme
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let parsed = match kind {
            "http" => {
                let http = scheme
                    .get("scheme")
                    .and_then(Value::as_str)
                    .ok_or_else(|| SpecError::new(&at, "an http scheme needs `scheme`"))?
                    .to_ascii_lowercase();
                match http.as_str() {
                    "basic" => Scheme::Basic,
                    "bearer" => Scheme::Bearer,
                    _ => Scheme::Http(http),
                }
            }
            "apiKey" => {
                let location = scheme
                    .get("in")
                    .and_then(Value::as_str)
                    .and_then(Location::parse)
                    .filter(|l| *l != Location::Path)
                    .ok_or_else(|| {
                        SpecError::new(&format!("{at}/in"), "must be header, query or cookie")
                    })?;
                let name = scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| SpecError::new(&at, "an apiKey scheme needs `name`"))?;
                Scheme::ApiKey {
                    location,
                    name: name.to_owned(),
                }
            }
            "oauth2" | "openIdConnect" => Scheme::Bearer,
            "mutualTLS" => Scheme::MutualTls,
            _ => {
                return Err(SpecError::new(
                    &format!("{at}/type"),
                    "must be http, apiKey, oauth2, openIdConnect or mutualTLS",
                ));
            }
        };
        out.insert(name.clone(), parsed);
    }
    Ok(out)
}

/// Security requirements: alternatives of scheme names.
fn security(
    value: &Value,
    at: &str,
    schemes: &BTreeMap<String, Scheme>,
) -> Result<Vec<Vec<String>>, SpecError> {
    let Value::Array(list) = value else {
        return Err(SpecError::new(
            at,
            "must be an array of security requirements",
        ));
    };
    let mut out = Vec::new();
    for (i, requirement) in list.iter().enumerate() {
        let Value::Object(requirement) = requirement else {
            return Err(SpecError::new(
                &format!("{at}/{i}"),
                "a requirement must be an object",
            ));
        };
        let mut names = Vec::new();
        for name in requirement.keys() {
            if !schemes.contains_key(name) {
                return Err(SpecError::new(
                    &format!("{at}/{i}/{}", escape_pointer(name)),
                    "names a security scheme that `components/securitySchemes` does not define",
                ));
            }
            names.push(name.clone());
        }
        out.push(names);
    }
    Ok(out)
}

/// The path of `servers[0].url`, its variables at their defaults.
fn base_path(doc: &Value) -> String {
    let server = doc.pointer("/servers/0");
    let mut url = server
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    for (name, variable) in server
        .and_then(|s| s.get("variables"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(default) = variable.get("default").and_then(Value::as_str) {
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or_default(),
        None => url.as_str(),
    };
    path.trim_end_matches('/').to_owned()
}

impl Operation {
    /// Whether the operation takes a request body.
    pub fn has_body(&self) -> bool {
        self.body.is_some()
    }

    /// The documented answer that covers `status`: the status itself, its
    /// range (`4XX`), or `default`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        let code = status.to_string();
        self.responses
            .iter()
            .find(|r| r.key == code)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.key != code && r.covers(status))
            })
            .or_else(|| self.responses.iter().find(|r| r.key == "default"))
    }

    /// Problems with an answer's JSON `body` at `status` (its schema: the
    /// first JSON media type documented for the status).
    pub fn check_response(&self, status: u16, body: Option<&Value>) -> Vec<Problem> {
        match self.response(status) {
            Some(response) => check_json(response, None, body),
            None => vec![Problem {
                field: "response".into(),
                keyword: "status".into(),
                message: format!("status {status} is not documented for {}", self.id),
            }],
        }
    }

    /// Problems with an answer sent as `content_type` at `status`.
    pub fn check_reply(
        &self,
        status: u16,
        content_type: &str,
        body: Option<&Value>,
    ) -> Vec<Problem> {
        match self.response(status) {
            Some(response) => check_json(response, Some(content_type), body),
            None => vec![Problem {
                field: "response".into(),
                keyword: "status".into(),
                message: format!("status {status} is not documented for {}", self.id),
            }],
        }
    }

    /// Problems with an answer checked against the response documented
    /// under `key` (a status or `default`).
    pub fn check_response_as(&self, key: &str, body: Option<&Value>) -> Vec<Problem> {
        match self.responses.iter().find(|r| r.key == key) {
            Some(response) => check_json(response, None, body),
            None => vec![Problem {
                field: "response".into(),
                keyword: "status".into(),
                message: format!("no `{key}` response is documented for {}", self.id),
            }],
        }
    }

    /// The schema of the answer at `status`, if it has a JSON body.
    pub fn response_schema(&self, status: u16) -> Option<&Schema> {
        let code = status.to_string();
        self.responses
            .iter()
            .find(|r| r.key == code)
            .and_then(json_media)
            .and_then(|m| m.schema.as_ref())
    }

    /// The parameter `name` in `location`.
    pub fn param(&self, location: Location, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.location == location && p.name == name)
    }
}

fn json_media(response: &Response) -> Option<&Media> {
    response.content.iter().find(|m| m.essence.contains("json"))
}

fn check_json(
    response: &Response,
    content_type: Option<&str>,
    body: Option<&Value>,
) -> Vec<Problem> {
    let media = match content_type {
        Some(content_type) => match response.media(content_type) {
            Some(media) => Some(media),
            None if response.content.is_empty() => None,
            None => {
                return vec![Problem {
                    field: "response".into(),
                    keyword: "contentType".into(),
                    message: format!(
                        "{} is not documented for `{}`",
                        clip(content_type, 64),
                        response.key
                    ),
                }];
            }
        },
        None => json_media(response),
    };
    match (media.and_then(|m| m.schema.as_ref()), body) {
        (Some(schema), Some(body)) => schema.problems("response", body),
        _ => Vec::new(),
    }
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

#[cfg(test)]
mod tests;
