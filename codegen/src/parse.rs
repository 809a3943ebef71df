//! Text -> `openapiv3::OpenAPI`, with errors that carry a JSON pointer.

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::{Error, push_pointer};

/// A parsed spec: the typed document and the raw JSON it came from (the
/// raw form is what extensions and pointers are read from).
pub struct Parsed {
    pub openapi: OpenAPI,
    pub raw: Value,
}

/// Parses YAML or JSON (JSON is YAML, so one parser reads both).
pub fn parse(file: &str, text: &str) -> Result<Parsed, Error> {
    // JSON is read by serde_json (numbers beyond 64 bits become floats, as
    // JSON parsers do); anything else as YAML.
    let raw: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text)
            .map_err(|err| Error::new(file, "", "a JSON document", Some(err.to_string())))?
    } else {
        serde_norway::from_str(text).map_err(|err| {
            let found = match err.location() {
                Some(loc) => format!("{err} (line {}, column {})", loc.line(), loc.column()),
                None => err.to_string(),
            };
            Error::new(file, "", "a YAML or JSON document", Some(found))
        })?
    };
    if !raw.is_object() {
        return Err(Error::new(
            file,
            "",
            "an OpenAPI document (a mapping at the top level)",
            Some(kind_of(&raw).to_owned()),
        ));
    }
    match raw.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => {
            return Err(Error::new(
                file,
                "/openapi",
                "OpenAPI 3.0.x (3.1 and Swagger 2 are not supported)",
                Some(format!("\"{v}\"")),
            ));
        }
        None => {
            return Err(Error::new(
                file,
                "/openapi",
                "an `openapi: 3.0.x` version field",
                None,
            ));
        }
    }
    let openapi = serde_path_to_error::deserialize::<_, OpenAPI>(&raw).map_err(|err| {
        let pointer = pointer_of(err.path());
        let inner = err.into_inner().to_string();
        let (pointer, inner) = narrow(&raw).unwrap_or((pointer, inner));
        Error::new(file, pointer, "a valid OpenAPI 3.0 node", Some(inner))
    })?;
    Ok(Parsed { openapi, raw })
}

/// openapiv3 flattens maps (paths, responses), which hides the path of an
/// error below them. Deserialize the usual suspects one by one and report
/// the deepest failure.
fn narrow(raw: &Value) -> Option<(String, String)> {
    fn attempt<T: serde::de::DeserializeOwned>(
        value: &Value,
        base: &str,
        worst: &mut Option<(String, String)>,
    ) {
        if let Err(err) = serde_path_to_error::deserialize::<_, T>(value) {
            let mut pointer = base.to_owned();
            let inner = pointer_of(err.path());
            pointer.push_str(&inner);
            let deeper = worst.as_ref().is_none_or(|(p, _)| pointer.len() > p.len());
            if deeper {
                *worst = Some((pointer, err.into_inner().to_string()));
            }
        }
    }
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
        let err = parse("x.yaml", "openapi: 3.1.0\n").err().unwrap();
        assert_eq!(err.pointer, "/openapi");
        assert!(err.expected.contains("3.0.x"));
    }

    #[test]
    fn structural_errors_carry_a_pointer() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
        let err = parse("x.yaml", text).err().unwrap();
        assert!(err.pointer.starts_with("/paths/~1a"), "{err}");
    }
}
