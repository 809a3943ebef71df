//! Reading a matched request: its parameters by location and style, its
//! body by media type (JSON, forms, multipart, text, bytes), its
//! credentials; then checking each against the spec.

use std::collections::BTreeMap;

use base64::Engine;
use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use serde_json::{Map, Value};

use super::style::{self, Shape, Style};
use super::{
    Location, MAX_MESSAGE, MAX_PROBLEMS, Matched, Media, Operation, Param, Problem, Scheme, Spec,
    clip, decode_component, essence, is_json, select,
};
use crate::server::Refusal;

/// The most query, form or cookie pairs, or multipart parts, read from one
/// request.
pub const MAX_PAIRS: usize = 256;
/// The largest head of one multipart part.
const MAX_PART_HEAD: usize = 16 * 1024;

/// What a request carries besides its method and path.
pub struct RequestParts<'a> {
    /// The query string as sent (without `?`).
    pub query: &'a str,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// A request read against its operation.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// Query parameters the operation declares, typed by their schemas.
    pub query: BTreeMap<String, Value>,
    /// Every query pair as sent (credentials included), decoded.
    pub raw_query: Vec<(String, String)>,
    /// Every cookie as sent, decoded.
    pub cookies: Vec<(String, String)>,
    /// The body as JSON: JSON bodies as they are, forms and multipart
    /// bodies as an object of their fields, text as a string (bytes: as
    /// lossy text).
    pub body: Option<Value>,
    /// Everything wrong with the request, at most [`MAX_PROBLEMS`].
    pub problems: Vec<Problem>,
}

/// How a body was read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A value to check against the schema.
    Checked,
    /// Bytes (or XML): present or not, nothing more is checked.
    Opaque,
}

impl Spec {
    /// Reads and checks a request matched to `matched.op`. `Err` is the
    /// answer when the body's media type is not one the operation takes.
    pub fn decode(
        &self,
        matched: &Matched<'_>,
        parts: &RequestParts<'_>,
    ) -> Result<Decoded, Refusal> {
        let op = matched.op;
        let strict = self.options.strict;
        let mut problems = matched.problems.clone();
        let raw_query = pairs(parts.query, "query", true, &mut problems);
        let cookies = cookies(parts.headers, strict, &mut problems);
        let (body, kind, media) = self.read_body(op, parts, &mut problems)?;
        let unparsable = problems.iter().any(|p| p.field == "body");
        if let Some(problem) = self.credentials(op, parts.headers, &raw_query, &cookies) {
            problems.push(problem);
        }
        let mut used = vec![false; raw_query.len()];
        for key in self.query_keys() {
            for (i, (k, _)) in raw_query.iter().enumerate() {
                if k == key {
                    used[i] = true;
                }
            }
        }
        let mut typed = BTreeMap::new();
        for param in &op.params {
            let prefix = format!("{}.{}", param.location.name(), param.name);
            let found = match param.location {
                Location::Path => self.path_param(param, matched),
                Location::Query => {
                    let found = self.pairs_param(op, param, &raw_query);
                    if let Ok(Some((_, indices))) = &found {
                        for i in indices {
                            used[*i] = true;
                        }
                        if strict && indices.len() > 1 && repeated_is_wrong(self, param) {
                            problems.push(problem(
                                &prefix,
                                "style",
                                format!("is given {} times but is not an array", indices.len()),
                            ));
                        }
                    }
                    found.map(|f| f.map(|(v, _)| v))
                }
                Location::Header => self.header_param(param, parts.headers),
                Location::Cookie => self
                    .pairs_param(op, param, &cookies)
                    .map(|f| f.map(|(v, _)| v)),
            };
            let value = match found {
                Err(why) => {
                    problems.push(problem(&prefix, "style", why));
                    continue;
                }
                Ok(None) => {
                    if param.required {
                        problems.push(problem(&prefix, "required", "is required".into()));
                    }
                    continue;
                }
                Ok(Some(value)) => value,
            };
            let mut found = param.schema.problems(&prefix, &value);
            if self.carries_key(param) {
                // The parameter is a security scheme's API key: its value is
                // a credential, never repeated.
                for problem in &mut found {
                    problem.message = format!("the value breaks `{}`", problem.keyword);
                }
            }
            problems.extend(found);
            if param.location == Location::Query {
                typed.insert(param.name.clone(), value);
            }
        }
        if strict {
            let mut reported = Vec::new();
            for (i, (key, _)) in raw_query.iter().enumerate() {
                if !used[i] && !reported.contains(key) {
                    reported.push(key.clone());
                    problems.push(problem(
                        &format!("query.{}", clip(key, 64)),
                        "unknown",
                        "is not a parameter of this operation".into(),
                    ));
                }
            }
        }
        match (&body, media) {
            (Some(value), Some(media)) if kind == Kind::Checked => {
                if let Some(schema) = &media.schema {
                    problems.extend(schema.problems("body", value));
                }
            }
            (None, _) if !unparsable && op.body.as_ref().is_some_and(|b| b.required) => {
                problems.push(problem("body", "required", "a body is required".into()));
            }
            _ => {}
        }
        problems.truncate(MAX_PROBLEMS);
        Ok(Decoded {
            query: typed,
            raw_query,
            cookies,
            body,
            problems,
        })
    }

    fn path_param(&self, param: &Param, matched: &Matched<'_>) -> Result<Option<Value>, String> {
        let Some(text) = matched.path.get(&param.name) else {
            return Ok(None);
        };
        if param.json {
            return json_value(text).map(Some);
        }
        let shape = style::types(self.doc(), &param.raw).shape();
        let raw = style::path_value(param.style, param.explode, &param.name, text, shape)?;
        Ok(Some(style::coerce(self.doc(), &param.raw, raw)))
    }

    fn header_param(&self, param: &Param, headers: &HeaderMap) -> Result<Option<Value>, String> {
        // OpenAPI: these are described elsewhere, and ignored as parameters.
        if ["accept", "content-type", "authorization"]
            .iter()
            .any(|n| param.name.eq_ignore_ascii_case(n))
        {
            return Ok(None);
        }
        let Ok(name) = hyper::header::HeaderName::from_bytes(param.name.as_bytes()) else {
            return Ok(None);
        };
        let mut texts = Vec::new();
        for value in headers.get_all(&name) {
            texts.push(
                value
                    .to_str()
                    .map_err(|_| "is not visible ASCII".to_owned())?,
            );
        }
        if texts.is_empty() {
            return Ok(None);
        }
        let text = texts.join(", ");
        if param.json {
            return json_value(&text).map(Some);
        }
        let shape = style::types(self.doc(), &param.raw).shape();
        let raw = style::header_value(param.explode, &text, shape);
        Ok(Some(style::coerce(self.doc(), &param.raw, raw)))
    }

    /// A query or cookie parameter.
    fn pairs_param(
        &self,
        op: &Operation,
        param: &Param,
        pairs: &[(String, String)],
    ) -> Result<Option<(Value, Vec<usize>)>, String> {
        let doc = self.doc();
        if param.json {
            let named: Vec<usize> = (0..pairs.len())
                .filter(|i| pairs[*i].0 == param.name)
                .collect();
            return match named.last() {
                Some(&last) => Ok(Some((json_value(&pairs[last].1)?, named))),
                None => Ok(None),
            };
        }
        let shape = style::types(doc, &param.raw).shape();
        let declared = style::property_names(doc, &param.raw);
        let others: Vec<&str> = op
            .params
            .iter()
            .filter(|p| p.location == param.location && p.name != param.name)
            .map(|p| p.name.as_str())
            .chain(self.query_keys())
            .collect();
        let owns = |key: &str| {
            !others.contains(&key) && (declared.is_empty() || declared.iter().any(|d| d == key))
        };
        let found =
            style::pairs_value(param.style, param.explode, &param.name, pairs, shape, &owns)?;
        Ok(found.map(|(raw, used)| (style::coerce(doc, &param.raw, raw), used)))
    }

    /// The body as JSON, if the operation takes one and one came: its
    /// content type must be one the operation lists, and it must parse.
    fn read_body<'a>(
        &self,
        op: &'a Operation,
        parts: &RequestParts<'_>,
        problems: &mut Vec<Problem>,
    ) -> Result<(Option<Value>, Kind, Option<&'a Media>), Refusal> {
        let Some(body) = &op.body else {
            if self.options.strict && !parts.body.is_empty() {
                problems.push(problem(
                    "body",
                    "body",
                    "the operation takes no request body".into(),
                ));
            }
            return Ok((None, Kind::Opaque, None));
        };
        let found = parts
            .headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        // No bytes: no body, unless (strictly) a content type says that they
        // are an empty text, an empty file or an empty form.
        let empty_value = self.options.strict
            && found
                .as_deref()
                .map(essence)
                .is_some_and(|e| !is_json(&e) && !e.starts_with("multipart/"));
        if parts.body.is_empty() && !empty_value {
            return Ok((None, Kind::Opaque, None));
        }
        let Some(media) = found
            .as_deref()
            .and_then(|f| select(&body.media, &essence(f)))
        else {
            return Err(Refusal::UnsupportedMediaType {
                found,
                expected: op.media.clone(),
            });
        };
        let content_type = found.unwrap_or_default();
        let sent = essence(&content_type);
        let bytes = parts.body;
        let unparsable = |problems: &mut Vec<Problem>, keyword: &str, message: String| {
            problems.push(problem("body", keyword, clip(&message, MAX_MESSAGE)));
        };
        if sent == "application/x-www-form-urlencoded" {
            let Ok(text) = std::str::from_utf8(bytes) else {
                unparsable(problems, "json", "the body is not UTF-8".into());
                return Ok((None, Kind::Checked, Some(media)));
            };
            let pairs = pairs(text, "body", true, problems);
            let value = self.form(media, &pairs, problems);
            return Ok((Some(value), Kind::Checked, Some(media)));
        }
        if sent == "multipart/form-data" {
            let value = match boundary(&content_type)
                .ok_or_else(|| "the multipart body's Content-Type has no boundary".to_owned())
                .and_then(|b| multipart(bytes, &b))
            {
                Ok(parts) => self.multipart_value(media, parts, problems),
                Err(why) => {
                    unparsable(problems, "multipart", why);
                    return Ok((None, Kind::Checked, Some(media)));
                }
            };
            return Ok((Some(value), Kind::Checked, Some(media)));
        }
        if is_json(&sent) {
            // serde_json refuses nesting deeper than 128 levels: deep JSON is
            // an error here, never a deep recursion later.
            return match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => Ok((Some(value), Kind::Checked, Some(media))),
                Err(e) => {
                    unparsable(problems, "json", format!("the body is not JSON: {e}"));
                    Ok((None, Kind::Checked, Some(media)))
                }
            };
        }
        let text_like = sent.starts_with("text/");
        if text_like || !self.options.strict {
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) if text_like => {
                    unparsable(problems, "encoding", "the text body is not UTF-8".into());
                    return Ok((None, Kind::Checked, Some(media)));
                }
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            };
            let kind = if text_like && string_schema(self, media) {
                Kind::Checked
            } else {
                Kind::Opaque
            };
            return Ok((Some(Value::String(text)), kind, Some(media)));
        }
        Ok((
            Some(Value::String(String::from_utf8_lossy(bytes).into_owned())),
            Kind::Opaque,
            Some(media),
        ))
    }

    /// A form body as an object: each property read by its encoding
    /// (`style`, `explode`, `contentType: application/json`), default
    /// `form` exploded (arrays as repeated keys); other keys as strings.
    fn form(
        &self,
        media: &Media,
        pairs: &[(String, String)],
        problems: &mut Vec<Problem>,
    ) -> Value {
        let doc = self.doc();
        let schema = media
            .schema
            .as_ref()
            .map(|s| s.raw())
            .cloned()
            .unwrap_or(Value::Null);
        let names = style::property_names(doc, &schema);
        let mut used = vec![false; pairs.len()];
        let mut object = Map::new();
        for name in &names {
            let Some(property) = style::property(doc, &schema, name) else {
                continue;
            };
            let encoding = media
                .raw
                .pointer(&format!("/encoding/{}", super::escape_pointer(name)));
            let style = encoding
                .and_then(|e| e.get("style"))
                .and_then(Value::as_str)
                .and_then(Style::parse)
                .unwrap_or(Style::Form);
            let explode = encoding
                .and_then(|e| e.get("explode"))
                .and_then(Value::as_bool)
                .unwrap_or(style == Style::Form);
            let json = encoding
                .and_then(|e| e.get("contentType"))
                .and_then(Value::as_str)
                .is_some_and(|c| is_json(&essence(c)));
            let field = format!("body/{}", super::escape_pointer(name));
            if json {
                let named: Vec<usize> = (0..pairs.len()).filter(|i| pairs[*i].0 == *name).collect();
                if let Some(&last) = named.last() {
                    for i in &named {
                        used[*i] = true;
                    }
                    match json_value(&pairs[last].1) {
                        Ok(value) => {
                            object.insert(name.clone(), value);
                        }
                        Err(why) => problems.push(problem(&field, "json", why)),
                    }
                }
                continue;
            }
            let shape = style::types(doc, property).shape();
            let declared = style::property_names(doc, property);
            let owns = |key: &str| {
                !names.iter().any(|n| n == key)
                    && (declared.is_empty() || declared.iter().any(|d| d == key))
            };
            match style::pairs_value(style, explode, name, pairs, shape, &owns) {
                Ok(Some((raw, indices))) => {
                    for i in &indices {
                        used[*i] = true;
                    }
                    if self.options.strict
                        && indices.len() > 1
                        && shape == Shape::Scalar
                        && style != Style::DeepObject
                    {
                        problems.push(problem(
                            &field,
                            "style",
                            format!("is given {} times but is not an array", indices.len()),
                        ));
                    }
                    object.insert(name.clone(), style::coerce(doc, property, raw));
                }
                Ok(None) => {}
                Err(why) => problems.push(problem(&field, "style", why)),
            }
        }
        for (i, (key, value)) in pairs.iter().enumerate() {
            if used[i] {
                continue;
            }
            if self.options.strict
                && let Some((base, _)) = key.split_once('[')
                && names.iter().any(|n| n == base)
            {
                // `tags[0]=a`, `address[city]=b`: a bracketed encoding of a
                // property the spec encodes otherwise.
                problems.push(problem(
                    &format!("body/{}", super::escape_pointer(base)),
                    "style",
                    format!(
                        "`{}` is bracketed, but `{}` is encoded as `form` here (arrays as repeated \
                         keys, objects as their own keys) unless its `encoding` says `deepObject`",
                        clip(key, 64),
                        clip(base, 64)
                    ),
                ));
                continue;
            }
            let value = Value::String(value.clone());
            match object.get_mut(key) {
                Some(Value::Array(items)) if self.options.strict => items.push(value),
                Some(existing) if self.options.strict => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                _ => {
                    object.insert(key.clone(), value);
                }
            }
        }
        Value::Object(object)
    }

    /// A multipart body as an object: files as (lossy) text, JSON parts
    /// parsed, text parts typed by their property; repeated parts of an
    /// array property as its items (or one JSON part holding the array).
    fn multipart_value(
        &self,
        media: &Media,
        parts: Vec<Part>,
        problems: &mut Vec<Problem>,
    ) -> Value {
        let doc = self.doc();
        let schema = media
            .schema
            .as_ref()
            .map(|s| s.raw())
            .cloned()
            .unwrap_or(Value::Null);
        let mut grouped: Vec<(String, Vec<Part>)> = Vec::new();
        for part in parts {
            match grouped.iter_mut().find(|(n, _)| *n == part.name) {
                Some((_, list)) => list.push(part),
                None => grouped.push((part.name.clone(), vec![part])),
            }
        }
        let mut object = Map::new();
        for (name, parts) in grouped {
            let field = format!("body/{}", super::escape_pointer(&name));
            let property = style::property(doc, &schema, &name);
            let encoding = media
                .raw
                .pointer(&format!("/encoding/{}", super::escape_pointer(&name)))
                .and_then(|e| e.get("contentType"))
                .and_then(Value::as_str);
            if let Some(expected) = encoding {
                for part in &parts {
                    if let Some(sent) = &part.content_type
                        && !media_matches(expected, sent)
                    {
                        problems.push(problem(
                            &field,
                            "contentType",
                            format!(
                                "a part sent as {} where the spec says {}",
                                clip(sent, 64),
                                clip(expected, 64)
                            ),
                        ));
                    }
                }
            }
            let types = property.map(|p| style::types(doc, p));
            let is_array = types.is_some_and(|t| t.shape() == Shape::Array);
            let value = if is_array {
                let items = property.and_then(|p| style::items(doc, p));
                let single_json = parts.len() == 1
                    && parts[0]
                        .content_type
                        .as_deref()
                        .is_some_and(|c| is_json(&essence(c)));
                let whole = if single_json {
                    serde_json::from_slice::<Value>(&parts[0].data)
                        .ok()
                        .filter(Value::is_array)
                } else {
                    None
                };
                match whole {
                    Some(array) => array,
                    None => Value::Array(
                        parts
                            .iter()
                            .filter_map(|p| part_value(self, p, items, None, &field, problems))
                            .collect(),
                    ),
                }
            } else {
                let last = parts.last().expect("a group has a part");
                match part_value(self, last, property, encoding, &field, problems) {
                    Some(value) => value,
                    None => continue,
                }
            };
            object.insert(name, value);
        }
        Value::Object(object)
    }

    /// The problem with the request's credentials, if no alternative of the
    /// operation's security requirements is met.
    fn credentials(
        &self,
        op: &Operation,
        headers: &HeaderMap,
        query: &[(String, String)],
        cookies: &[(String, String)],
    ) -> Option<Problem> {
        if !self.options.security || op.security.is_empty() {
            return None;
        }
        let mut refused = false;
        for requirement in &op.security {
            let mut met = true;
            for name in requirement {
                match self.credential(name, headers, query, cookies) {
                    Credential::Accepted => {}
                    Credential::Refused => {
                        refused = true;
                        met = false;
                    }
                    Credential::Missing => met = false,
                }
            }
            if met {
                return None;
            }
        }
        let wanted: Vec<String> = op
            .security
            .iter()
            .map(|r| {
                r.iter()
                    .map(|name| format!("`{name}` ({})", self.describe(name)))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let field = match op.security.as_slice() {
            [only] if only.len() == 1 => self.place(&only[0]),
            _ => "security".to_owned(),
        };
        let message = if refused {
            format!(
                "a credential was not accepted; one of: {}",
                wanted.join("; or ")
            )
        } else {
            format!("a credential is required: {}", wanted.join("; or "))
        };
        Some(problem(&field, "security", clip(&message, MAX_MESSAGE)))
    }

    fn credential(
        &self,
        name: &str,
        headers: &HeaderMap,
        query: &[(String, String)],
        cookies: &[(String, String)],
    ) -> Credential {
        let Some(scheme) = self.scheme(name) else {
            return Credential::Missing;
        };
        let accepted = self.options.credentials.get(name);
        let judge = |value: Option<String>| match value {
            None => Credential::Missing,
            Some(v) if v.is_empty() => Credential::Missing,
            Some(v) => match accepted {
                Some(list) if !list.contains(&v) => Credential::Refused,
                _ => Credential::Accepted,
            },
        };
        let authorization = |word: &str| {
            headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    let (given, rest) = v.split_once(' ')?;
                    given
                        .eq_ignore_ascii_case(word)
                        .then(|| rest.trim().to_owned())
                })
        };
        match scheme {
            Scheme::Basic => {
                let Some(encoded) = authorization("basic") else {
                    return Credential::Missing;
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .filter(|d| d.contains(':'));
                match decoded {
                    Some(pair) => judge(Some(pair)),
                    None => Credential::Refused,
                }
            }
            Scheme::Bearer => judge(authorization("bearer")),
            Scheme::Http(word) => judge(authorization(word)),
            Scheme::ApiKey { location, name } => judge(match location {
                Location::Header => headers
                    .get(name.as_str())
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                Location::Query => query
                    .iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                Location::Cookie => cookies
                    .iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                Location::Path => None,
            }),
            Scheme::MutualTls => Credential::Accepted,
        }
    }

    /// Whether a parameter is also where a security scheme's API key goes.
    fn carries_key(&self, param: &Param) -> bool {
        self.schemes.values().any(|s| match s {
            Scheme::ApiKey { location, name } => {
                *location == param.location
                    && if *location == Location::Header {
                        name.eq_ignore_ascii_case(&param.name)
                    } else {
                        *name == param.name
                    }
            }
            _ => false,
        })
    }

    fn describe(&self, name: &str) -> String {
        match self.scheme(name) {
            Some(Scheme::Basic) => "Authorization: Basic".into(),
            Some(Scheme::Bearer) => "Authorization: Bearer".into(),
            Some(Scheme::Http(word)) => format!("Authorization: {word}"),
            Some(Scheme::ApiKey { location, name }) => format!("{} {name}", location.name()),
            Some(Scheme::MutualTls) => "mutual TLS".into(),
            None => "unknown".into(),
        }
    }

    fn place(&self, name: &str) -> String {
        match self.scheme(name) {
            Some(Scheme::ApiKey { location, name }) => format!("{}.{name}", location.name()),
            _ => "header.Authorization".into(),
        }
    }
}

enum Credential {
    Accepted,
    Missing,
    Refused,
}

/// Whether a query parameter given more than once is wrong: it is neither
/// an array nor an object spread over pairs.
fn repeated_is_wrong(spec: &Spec, param: &Param) -> bool {
    param.style != Style::DeepObject
        && !param.json
        && style::types(spec.doc(), &param.raw).shape() == Shape::Scalar
}

fn string_schema(spec: &Spec, media: &Media) -> bool {
    media
        .schema
        .as_ref()
        .is_some_and(|s| style::types(spec.doc(), s.raw()).string)
}

fn problem(field: &str, keyword: &str, message: String) -> Problem {
    Problem {
        field: field.to_owned(),
        keyword: keyword.to_owned(),
        message,
    }
}

fn json_value(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| clip(&format!("is not JSON: {e}"), MAX_MESSAGE))
}

/// Whether `sent` (a part's `Content-Type`) is one of `expected` (an
/// encoding's `contentType`: a comma-separated list, wildcards allowed).
fn media_matches(expected: &str, sent: &str) -> bool {
    let sent = essence(sent);
    let major = sent.split('/').next().unwrap_or_default();
    expected
        .split(',')
        .map(essence)
        .any(|e| e == sent || e == "*/*" || e.strip_suffix("/*") == Some(major))
}

/// One part's value by its property's schema.
fn part_value(
    spec: &Spec,
    part: &Part,
    property: Option<&Value>,
    encoding: Option<&str>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<Value> {
    let doc = spec.doc();
    let binary = property.is_some_and(|p| {
        let p = super::resolve(doc, p);
        p.get("format").and_then(Value::as_str) == Some("binary")
    });
    if binary {
        return Some(Value::String(
            String::from_utf8_lossy(&part.data).into_owned(),
        ));
    }
    let types = property.map(|p| style::types(doc, p));
    let declared_json = encoding.is_some_and(|e| is_json(&essence(e)));
    let sent_json = part
        .content_type
        .as_deref()
        .is_some_and(|c| is_json(&essence(c)));
    let structured = types.is_some_and(|t| t.shape() != Shape::Scalar);
    if declared_json || sent_json || structured {
        return match serde_json::from_slice::<Value>(&part.data) {
            Ok(value) => Some(value),
            Err(e) => {
                problems.push(problem(
                    field,
                    "json",
                    clip(&format!("the part is not JSON: {e}"), MAX_MESSAGE),
                ));
                None
            }
        };
    }
    let Ok(text) = std::str::from_utf8(&part.data) else {
        problems.push(problem(
            field,
            "encoding",
            "the part is not UTF-8 text".into(),
        ));
        return None;
    };
    Some(match property {
        Some(p) => style::coerce(doc, p, Value::String(text.to_owned())),
        None => Value::String(text.to_owned()),
    })
}

/// `a=1&b=2` decoded (at most [`MAX_PAIRS`] pairs); a pair that is not
/// valid percent-encoded UTF-8 is a problem.
pub(crate) fn pairs(
    text: &str,
    location: &str,
    plus_is_space: bool,
    problems: &mut Vec<Problem>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, pair) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        if i == MAX_PAIRS {
            problems.push(problem(
                location,
                "maxProperties",
                format!("at most {MAX_PAIRS} parameters are read"),
            ));
            break;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (
            decode_component(key, plus_is_space),
            decode_component(value, plus_is_space),
        ) {
            (Ok(key), Ok(value)) => out.push((key, value)),
            (Err(why), _) | (_, Err(why)) => problems.push(problem(
                &format!("{location}.{}", clip(key, 64)),
                "encoding",
                why.to_owned(),
            )),
        }
    }
    out
}

/// The cookies of every `Cookie` header: percent-decoded where they are
/// valid percent-encoded UTF-8 (as OpenAPI's `form` style writes them),
/// else as sent (RFC 6265 cookie values are opaque: a `%` in a session
/// cookie is no error). At most [`MAX_PAIRS`] (`strict`: more is a
/// problem).
fn cookies(
    headers: &HeaderMap,
    strict: bool,
    problems: &mut Vec<Problem>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for header in headers.get_all(COOKIE) {
        let text = String::from_utf8_lossy(header.as_bytes());
        for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if out.len() == MAX_PAIRS {
                if strict {
                    problems.push(problem(
                        "header.Cookie",
                        "maxProperties",
                        format!("at most {MAX_PAIRS} cookies are read"),
                    ));
                }
                return out;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = value.trim().trim_matches('"');
            let value = decode_component(value, false).unwrap_or_else(|_| value.to_owned());
            out.push((name.trim().to_owned(), value));
        }
    }
    out
}

/// The `boundary` parameter of a `multipart/*` content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!value.is_empty() && value.len() <= 70).then(|| value.to_owned())
    })
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) content_type: Option<String>,
    pub(crate) data: Vec<u8>,
}

/// The parts of a `multipart/form-data` body (RFC 7578), at most
/// [`MAX_PAIRS`].
pub(crate) fn multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = if body.starts_with(delimiter) {
        0
    } else {
        find(body, &[b"\r\n", delimiter].concat(), 0)
            .map(|i| i + 2)
            .ok_or("the multipart body has no boundary line")?
    };
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break.
        while body.get(at).is_some_and(|b| *b == b' ' || *b == b'\t') {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("a multipart boundary line must end with CRLF".into());
        }
        at += 2;
        if parts.len() == MAX_PAIRS {
            return Err(format!("at most {MAX_PAIRS} parts are read"));
        }
        let (head, content_start) = if body[at..].starts_with(b"\r\n") {
            ("", at + 2)
        } else {
            let end = find(body, b"\r\n\r\n", at)
                .filter(|end| end - at <= MAX_PART_HEAD)
                .ok_or("a part's headers must end with a blank line")?;
            let head = std::str::from_utf8(&body[at..end])
                .map_err(|_| "a part's headers are not UTF-8")?;
            (head, end + 4)
        };
        let next = find(body, &[b"\r\n", delimiter].concat(), content_start)
            .ok_or("the multipart body does not end with its closing boundary")?;
        parts.push(part(head, body[content_start..next].to_vec())?);
        at = next + 2;
    }
}

fn part(head: &str, data: Vec<u8>) -> Result<Part, String> {
    let mut name = None;
    let mut content_type = None;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (key, value) = line
            .split_once(':')
            .ok_or("a part's header line has no `:`")?;
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if key == "content-type" {
            content_type = Some(value.to_owned());
        } else if key == "content-disposition" {
            let (kind, params) = value.split_once(';').unwrap_or((value, ""));
            if !kind.trim().eq_ignore_ascii_case("form-data") {
                return Err("a part's Content-Disposition must be form-data".into());
            }
            // RFC 2183 quoted strings escape with `\`; HTML5 (browsers,
            // most libraries) writes `\` as is and `"` as `%22`.
            let params =
                disposition_params(params, true).or_else(|_| disposition_params(params, false))?;
            for (key, value) in params {
                if key == "name" {
                    name = Some(value);
                }
            }
        }
    }
    Ok(Part {
        name: name.ok_or("a part has no Content-Disposition name")?,
        content_type,
        data,
    })
}

/// `; name="a"; filename="b.txt"` as pairs (quoted strings unescaped when
/// `escapes`).
fn disposition_params(text: &str, escapes: bool) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' if escapes => value.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err("an unterminated quoted string in Content-Disposition".into());
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ';' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_owned();
        }
        out.push((key, value));
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_split_into_parts() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x \\\"y\\\".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n\r\n--XyZ--\r\n";
        let parts = multipart(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "a");
        assert_eq!(parts[0].data, b"1");
        assert_eq!(parts[1].data, b"\x00\x01\r\n");
        assert_eq!(
            parts[1].content_type.as_deref(),
            Some("application/octet-stream")
        );
        for bad in [
            &b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"[..],
            b"no boundary at all",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--",
            b"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--",
        ] {
            assert!(
                multipart(bad, "XyZ").is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\""),
            Some("a b".into())
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn encodings_match_with_wildcards() {
        assert!(media_matches("image/png, image/jpeg", "image/jpeg"));
        assert!(media_matches("image/*", "image/gif; q=1"));
        assert!(!media_matches("application/json", "text/plain"));
    }
}
