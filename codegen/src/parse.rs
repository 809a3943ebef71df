//! Text -> `openapiv3::OpenAPI`, with errors that carry a JSON pointer.

use openapiv3::OpenAPI;
use serde_json::Value;

pub use crate::bundle::SpecSource;
use crate::error::{Error, push_pointer};
use crate::ir::{SkipUnit, Skipped};

/// A parsed spec: the typed document and the raw JSON it came from (the
/// raw form is what extensions and pointers are read from).
pub struct Parsed {
    pub openapi: OpenAPI,
    pub raw: Value,
    /// Nodes left out because they are not valid OpenAPI (lenient parsing).
    pub skipped: Vec<Skipped>,
    /// How many properties the document declares (every `properties`
    /// entry), the measure of how much merging `allOf` may produce.
    pub properties: usize,
}

/// Parses YAML or JSON strictly, with no other files to read.
pub fn parse(file: &str, text: &str) -> Result<Parsed, Error> {
    parse_with(file, text, &SpecSource::default(), true)
}

/// Parses YAML or JSON. References to other files are read relative to
/// the spec's folder, confined to it (see [`SpecSource`]); references that do not name a component directly are bundled
/// into components first. Unless `strict`, an operation (or component)
/// that is not valid OpenAPI is left out and reported instead of failing
/// the whole spec.
pub fn parse_with(
    file: &str,
    text: &str,
    source: &SpecSource,
    strict: bool,
) -> Result<Parsed, Error> {
    let mut raw = crate::read::read(text).map_err(|err| {
        let (expected, found) = err.describe(true);
        Error::new(file, "", expected, found)
    })?;
    if !raw.is_object() {
        return Err(Error::new(
            file,
            "",
            "an OpenAPI document (a mapping at the top level)",
            Some(kind_of(&raw).to_owned()),
        ));
    }
    check_version(file, &raw)?;
    if raw
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"))
    {
        downgrade_31(&mut raw);
    }
    crate::bundle::bundle(&mut raw, source, file)?;
    explode_defaults(&mut raw);
    let mut skipped = Vec::new();
    let mut pruned = false;
    // Each round removes one node, so this ends; the bound is a backstop.
    for _ in 0..100_000 {
        let err = match serde_path_to_error::deserialize::<_, OpenAPI>(&raw) {
            Ok(openapi) => {
                let properties = count_properties(&raw);
                return Ok(Parsed {
                    openapi,
                    raw,
                    skipped,
                    properties,
                });
            }
            Err(err) => err,
        };
        if !strict && !pruned {
            // Leniently, every operation and component that is not valid
            // on its own is left out in one pass (one round of this loop
            // each would take a pass over the document per invalid node).
            skipped.extend(prune(&mut raw));
            pruned = true;
            continue;
        }
        let pointer = pointer_of(err.path());
        let inner = err.into_inner().to_string();
        let (pointer, inner) = narrow(&raw).unwrap_or((pointer, inner));
        let error = Error::new(file, pointer, "a valid OpenAPI 3.0 node", Some(inner));
        if strict {
            return Err(error);
        }
        match remove_unit(&mut raw, &error.pointer) {
            Some((unit, at)) => skipped.push(Skipped {
                unit,
                pointer: at,
                reason: match &error.found {
                    Some(found) => format!("{} is not valid OpenAPI 3.0: {found}", error.pointer),
                    None => format!("{} is not valid OpenAPI 3.0", error.pointer),
                },
            }),
            None => return Err(error),
        }
    }
    Err(Error::new(
        file,
        "",
        "a spec with fewer invalid nodes",
        None,
    ))
}

/// Writes out the default `explode` of every request body's `encoding`
/// entry that states none (true for `style: form`, the default style;
/// false for the others), since `openapiv3` reads a missing `explode` as
/// false whatever the style.
fn explode_defaults(raw: &mut Value) {
    fn in_body(body: &mut Value) {
        let Some(Value::Object(content)) = body.get_mut("content") else {
            return;
        };
        for media in content.values_mut() {
            let Some(Value::Object(encoding)) = media.get_mut("encoding") else {
                continue;
            };
            for entry in encoding.values_mut() {
                let Value::Object(entry) = entry else {
                    continue;
                };
                if entry.contains_key("explode") {
                    continue;
                }
                let form = entry
                    .get("style")
                    .is_none_or(|style| style.as_str() == Some("form"));
                entry.insert("explode".to_owned(), Value::Bool(form));
            }
        }
    }
    if let Some(Value::Object(paths)) = raw.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for (key, op) in item.iter_mut() {
                if is_method(key)
                    && let Some(body) = op.get_mut("requestBody")
                {
                    in_body(body);
                }
            }
        }
    }
    if let Some(Value::Object(bodies)) = raw.pointer_mut("/components/requestBodies") {
        for body in bodies.values_mut() {
            in_body(body);
        }
    }
}

/// The number of entries of every `properties` mapping, counted without
/// recursion.
fn count_properties(raw: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![raw];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    count += props.len();
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    count
}

/// The versions Dialtone reads, as the messages list them.
const ACCEPTED: &str = "`openapi: \"3.0.x\"` or `openapi: \"3.1.x\"` (a string)";

/// One clear error for a document that is not OpenAPI 3.0 or 3.1.
fn check_version(file: &str, raw: &Value) -> Result<(), Error> {
    let accepted = |v: &str| {
        ["3.0", "3.1"]
            .iter()
            .any(|p| v == *p || v.strip_prefix(p).is_some_and(|rest| rest.starts_with('.')))
    };
    match raw.get("openapi") {
        Some(Value::String(v)) if accepted(v) => Ok(()),
        Some(Value::String(v)) => Err(Error::new(
            file,
            "/openapi",
            format!("{ACCEPTED}; other versions are not supported"),
            Some(format!("\"{v}\"")),
        )),
        Some(Value::Number(n)) => Err(Error::new(
            file,
            "/openapi",
            format!("{ACCEPTED}; quote the version, as YAML reads {n} as a number"),
            Some(format!("the number {n}")),
        )),
        Some(other) => Err(Error::new(
            file,
            "/openapi",
            ACCEPTED,
            Some(kind_of(other).to_owned()),
        )),
        None if raw.get("swagger").is_some() => Err(Error::new(
            file,
            "/swagger",
            format!(
                "OpenAPI 3.0 or 3.1, {ACCEPTED}; Swagger 2.0 is not supported (convert the spec to OpenAPI 3 first)"
            ),
            raw.get("swagger").map(|v| match v {
                Value::String(s) => format!("swagger \"{s}\""),
                other => format!("swagger {other}"),
            }),
        )),
        None => Err(Error::new(
            file,
            "/openapi",
            format!("an OpenAPI 3.0 or 3.1 document with {ACCEPTED}"),
            Some("no `openapi` field".to_owned()),
        )),
    }
}

/// Rewrites an OpenAPI 3.1 document into the 3.0 model Dialtone reads:
/// `type: [T, "null"]` becomes `type: T` + `nullable`, `const` a one-value
/// `enum`, schema `examples` arrays an `example`, numeric
/// `exclusiveMinimum`/`exclusiveMaximum` the 3.0 pair, and what 3.0 has
/// no place for (`webhooks`, `jsonSchemaDialect`, `components/pathItems`)
/// is dropped.
fn downgrade_31(raw: &mut Value) {
    fn schema_like(map: &serde_json::Map<String, Value>) -> bool {
        [
            "type",
            "properties",
            "items",
            "allOf",
            "oneOf",
            "anyOf",
            "const",
            "enum",
        ]
        .iter()
        .any(|k| map.contains_key(*k))
    }
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if schema_like(map) {
                    if let Some(Value::Array(types)) = map.get("type").cloned() {
                        let null = types.iter().any(|t| t == "null");
                        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
                        if null {
                            map.insert("nullable".into(), Value::Bool(true));
                        }
                        match rest.len() {
                            1 => {
                                map.insert("type".into(), rest[0].clone());
                            }
                            _ => {
                                map.remove("type");
                            }
                        }
                    } else if map.get("type").is_some_and(|t| t == "null") {
                        map.remove("type");
                        map.insert("nullable".into(), Value::Bool(true));
                    }
                    if let Some(c) = map.remove("const") {
                        map.insert("enum".into(), Value::Array(vec![c]));
                    }
                    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
                        map.remove("examples");
                        if let Some(first) = examples.into_iter().next() {
                            map.entry("example").or_insert(first);
                        }
                    }
                    for (exclusive, bound) in [
                        ("exclusiveMinimum", "minimum"),
                        ("exclusiveMaximum", "maximum"),
                    ] {
                        if let Some(n @ Value::Number(_)) = map.get(exclusive).cloned() {
                            map.insert(bound.into(), n);
                            map.insert(exclusive.into(), Value::Bool(true));
                        }
                    }
                }
                // Boolean schemas: `true` allows anything, `false` nothing.
                let boolean = |v: &mut Value| {
                    if let Value::Bool(b) = *v {
                        *v = if b {
                            serde_json::json!({})
                        } else {
                            serde_json::json!({"not": {}})
                        };
                    }
                };
                if let Some(Value::Object(props)) = map.get_mut("properties") {
                    props.values_mut().for_each(boolean);
                }
                if let Some(items) = map.get_mut("items") {
                    boolean(items);
                }
                for key in ["allOf", "oneOf", "anyOf"] {
                    if let Some(Value::Array(members)) = map.get_mut(key) {
                        members.iter_mut().for_each(boolean);
                    }
                }
                if let Some(schema) = map.get_mut("schema") {
                    boolean(schema);
                }
                for child in map.values_mut() {
                    walk(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(raw);
    if let Some(root) = raw.as_object_mut() {
        root.insert("openapi".into(), Value::String("3.0.3".into()));
        root.remove("webhooks");
        root.remove("jsonSchemaDialect");
        root.entry("paths")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(Value::Object(components)) = root.get_mut("components") {
            components.remove("pathItems");
        }
    }
}

/// Removes the operation (or component) that holds `pointer`: an
/// operation is dropped, a schema becomes `{}` (any JSON value), other
/// components are dropped. `None` when the node is elsewhere.
fn remove_unit(raw: &mut Value, pointer: &str) -> Option<(SkipUnit, String)> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let escape = |t: &str| t.replace('~', "~0").replace('/', "~1");
    match tokens.as_slice() {
        [paths, path, method, ..] if paths == "paths" && is_method(method) => {
            raw.get_mut("paths")?
                .get_mut(path)?
                .as_object_mut()?
                .remove(method)?;
            Some((
                SkipUnit::Operation,
                format!("/paths/{}/{method}", escape(path)),
            ))
        }
        [paths, path, ..] if paths == "paths" => {
            raw.get_mut("paths")?.as_object_mut()?.remove(path)?;
            Some((SkipUnit::Operation, format!("/paths/{}", escape(path))))
        }
        [components, kind, name, ..] if components == "components" => {
            let entries = raw.get_mut("components")?.get_mut(kind)?.as_object_mut()?;
            let at = format!("/components/{kind}/{}", escape(name));
            if kind == "schemas" {
                *entries.get_mut(name)? = Value::Object(serde_json::Map::new());
                Some((SkipUnit::Schema, at))
            } else {
                entries.remove(name)?;
                Some((SkipUnit::Operation, at))
            }
        }
        _ => None,
    }
}

/// Leaves out, in one pass, every operation, path item and component
/// that does not deserialize on its own, as the loop in [`parse_with`]
/// would one at a time.
fn prune(raw: &mut Value) -> Vec<Skipped> {
    use openapiv3::{
        Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme,
    };
    let mut failing: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(paths)) = raw.get("paths") {
        for (path, item) in paths {
            let base = push_pointer("/paths", path);
            let Value::Object(methods) = item else {
                continue;
            };
            let mut op_failed = false;
            for (method, op) in methods {
                if !is_method(method) {
                    continue;
                }
                let op_base = push_pointer(&base, method);
                let mut worst = None;
                attempt::<Operation>(op, &op_base, &mut worst);
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for (status, response) in responses {
                        let r = push_pointer(&push_pointer(&op_base, "responses"), status);
                        attempt::<ReferenceOr<Response>>(response, &r, &mut worst);
                    }
                }
                if let Some(found) = worst {
                    op_failed = true;
                    failing.push(found);
                }
            }
            if !op_failed {
                let mut worst = None;
                attempt::<ReferenceOr<PathItem>>(item, &base, &mut worst);
                failing.extend(worst);
            }
        }
    }
    if let Some(Value::Object(components)) = raw.get("components") {
        for (kind, entries) in components {
            let Value::Object(entries) = entries else {
                continue;
            };
            for (name, entry) in entries {
                let base = push_pointer(&push_pointer("/components", kind), name);
                let mut worst = None;
                match kind.as_str() {
                    "schemas" => attempt::<ReferenceOr<Schema>>(entry, &base, &mut worst),
                    "responses" => attempt::<ReferenceOr<Response>>(entry, &base, &mut worst),
                    "parameters" => attempt::<ReferenceOr<Parameter>>(entry, &base, &mut worst),
                    "requestBodies" => {
                        attempt::<ReferenceOr<RequestBody>>(entry, &base, &mut worst)
                    }
                    "securitySchemes" => {
                        attempt::<ReferenceOr<SecurityScheme>>(entry, &base, &mut worst)
                    }
                    _ => {}
                }
                failing.extend(worst);
            }
        }
    }
    let mut skipped = Vec::new();
    for (pointer, found) in failing {
        if let Some((unit, at)) = remove_unit(raw, &pointer) {
            skipped.push(Skipped {
                unit,
                pointer: at,
                reason: format!("{pointer} is not valid OpenAPI 3.0: {found}"),
            });
        }
    }
    skipped
}

/// Deserializes `value` as a `T` found at `base`, keeping in `worst` the
/// deepest failure (pointer, message).
fn attempt<T: serde::de::DeserializeOwned>(
    value: &Value,
    base: &str,
    worst: &mut Option<(String, String)>,
) {
    if let Err(err) = serde_path_to_error::deserialize::<_, T>(value) {
        let mut pointer = base.to_owned();
        pointer.push_str(&pointer_of(err.path()));
        let deeper = worst.as_ref().is_none_or(|(p, _)| pointer.len() > p.len());
        if deeper {
            *worst = Some((pointer, err.into_inner().to_string()));
        }
    }
}

fn is_method(token: &str) -> bool {
    matches!(
        token,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// openapiv3 flattens maps (paths, responses), which hides the path of an
/// error below them. Deserialize the usual suspects one by one and report
/// the deepest failure.
fn narrow(raw: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme,
    };
    let mut worst = None;
    if let Some(Value::Object(paths)) = raw.get("paths") {
        for (path, item) in paths {
            let base = push_pointer("/paths", path);
            attempt::<ReferenceOr<PathItem>>(item, &base, &mut worst);
            let Value::Object(methods) = item else {
                continue;
            };
            for (method, op) in methods {
                if ![
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&method.as_str())
                {
                    continue;
                }
                let op_base = push_pointer(&base, method);
                attempt::<Operation>(op, &op_base, &mut worst);
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for (status, response) in responses {
                        let r = push_pointer(&push_pointer(&op_base, "responses"), status);
                        attempt::<ReferenceOr<Response>>(response, &r, &mut worst);
                    }
                }
            }
        }
    }
    if let Some(Value::Object(components)) = raw.get("components") {
        for (kind, entries) in components {
            let Value::Object(entries) = entries else {
                continue;
            };
            for (name, entry) in entries {
                let base = push_pointer(&push_pointer("/components", kind), name);
                match kind.as_str() {
                    "schemas" => attempt::<ReferenceOr<Schema>>(entry, &base, &mut worst),
                    "responses" => attempt::<ReferenceOr<Response>>(entry, &base, &mut worst),
                    "parameters" => attempt::<ReferenceOr<Parameter>>(entry, &base, &mut worst),
                    "requestBodies" => {
                        attempt::<ReferenceOr<RequestBody>>(entry, &base, &mut worst)
                    }
                    "securitySchemes" => {
                        attempt::<ReferenceOr<SecurityScheme>>(entry, &base, &mut worst)
                    }
                    _ => {}
                }
            }
        }
    }
    worst
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Map { key } => pointer = push_pointer(&pointer, key),
            Segment::Seq { index } => pointer = push_pointer(&pointer, &index.to_string()),
            Segment::Enum { .. } => {}
            // Below a `#[serde(flatten)]` the path is lost; stop at the
            // deepest node that is known.
            Segment::Unknown => break,
        }
    }
    pointer
}

/// A short name for the JSON kind of a value.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_errors_have_a_line() {
        let err = parse("x.yaml", "openapi: 3.0.3\ninfo: [").err().unwrap();
        assert_eq!(err.pointer, "");
        assert!(err.found.unwrap().contains("line"));
    }

    #[test]
    fn wrong_version_is_one_clear_error() {
        let err = parse("x.yaml", "swagger: '2.0'\n").err().unwrap();
        assert_eq!(err.pointer, "/swagger");
        assert!(
            err.expected.contains("Swagger 2.0 is not supported"),
            "{err}"
        );
        assert!(err.expected.contains("\"3.1.x\""), "{err}");
        let err = parse("x.yaml", "openapi: 4.0.0\n").err().unwrap();
        assert!(
            err.expected.contains("\"3.0.x\"` or `openapi: \"3.1.x\""),
            "{err}"
        );
        // YAML reads an unquoted 3.1 as a number.
        let err = parse("x.yaml", "openapi: 3.1\n").err().unwrap();
        assert_eq!(err.pointer, "/openapi");
        assert!(err.expected.contains("quote the version"), "{err}");
        assert_eq!(err.found.as_deref(), Some("the number 3.1"));
        let err = parse("x.yaml", "info: {title: t}\n").err().unwrap();
        assert!(err.expected.contains("3.0 or 3.1"), "{err}");
    }

    #[test]
    fn openapi_31_is_read_as_30() {
        let text = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "webhooks": {"x": {}},
            "components": {"schemas": {"A": {"type": ["string", "null"], "const": "a", "examples": ["a"],
                "exclusiveMinimum": 3}}}}"#;
        let parsed = parse("x.json", text).unwrap();
        let a = &parsed.raw["components"]["schemas"]["A"];
        assert_eq!(a["type"], "string");
        assert_eq!(a["nullable"], true);
        assert_eq!(a["enum"][0], "a");
        assert_eq!(a["example"], "a");
        assert_eq!(a["minimum"], 3);
        assert_eq!(a["exclusiveMinimum"], true);
    }

    #[test]
    fn structural_errors_carry_a_pointer() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
        let err = parse("x.yaml", text).err().unwrap();
        assert!(err.pointer.starts_with("/paths/~1a"), "{err}");
    }
}
