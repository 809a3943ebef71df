//! Encodings of values of any type into the places OpenAPI puts them:
//! path segments and headers (`style: simple`), query strings (`form`,
//! `spaceDelimited`, `pipeDelimited`, `deepObject`), form bodies and
//! multipart bodies. Values go through `serde_json::Value`, so generated
//! models, maps and unions all encode the same way.

use serde::Serialize;
use serde_json::Value;

/// How a query parameter is written (OpenAPI `style` + `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `style: form, explode: true`: arrays repeat the name (`k=a&k=b`),
    /// objects spread their properties (`a=1&b=2`).
    Form,
    /// `style: form, explode: false`: `k=a,b`, objects `k=a,1,b,2`.
    FormFlat,
    /// `style: spaceDelimited`: `k=a b`.
    SpaceDelimited,
    /// `style: pipeDelimited`: `k=a|b`.
    PipeDelimited,
    /// `style: deepObject`: `k[a]=1&k[b][0]=x` (nested as brackets).
    DeepObject,
    /// The value as JSON text (a form property whose `encoding` says
    /// `contentType: application/json`).
    Json,
}

/// Serializes `value` to JSON, naming what could not be encoded.
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("cannot be encoded: {e}"))
}

/// A scalar as text: strings as they are, numbers and booleans in JSON
/// form, `null` as nothing; arrays and objects as JSON text.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

/// `style: simple` (path segments and headers): arrays `a,b`, objects
/// `k,v,k,v` (or `k=v,k=v` exploded).
pub fn simple(value: &Value, explode: bool) -> String {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if explode {
                    format!("{k}={}", scalar_text(v))
                } else {
                    format!("{k},{}", scalar_text(v))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        other => scalar_text(other),
    }
}

/// The query pairs of parameter `name` holding `value`.
pub fn query_pairs(name: &str, value: &Value, style: QueryStyle) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match (value, style) {
        (Value::Null, _) => {}
        (_, QueryStyle::DeepObject) => brackets(name.to_owned(), value, &mut out),
        (_, QueryStyle::Json) => out.push((name.to_owned(), value.to_string())),
        (Value::Array(items), QueryStyle::Form) => {
            out.extend(items.iter().map(|v| (name.to_owned(), scalar_text(v))));
        }
        (Value::Object(map), QueryStyle::Form) => {
            out.extend(map.iter().map(|(k, v)| (k.clone(), scalar_text(v))));
        }
        (
            Value::Array(_) | Value::Object(_),
            QueryStyle::SpaceDelimited | QueryStyle::PipeDelimited,
        ) => {
            let sep = if style == QueryStyle::SpaceDelimited {
                " "
            } else {
                "|"
            };
            let texts: Vec<String> = match value {
                Value::Array(items) => items.iter().map(scalar_text).collect(),
                Value::Object(map) => map
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), scalar_text(v)])
                    .collect(),
                _ => Vec::new(),
            };
            out.push((name.to_owned(), texts.join(sep)));
        }
        (Value::Array(_) | Value::Object(_), _) => {
            out.push((name.to_owned(), simple(value, false)))
        }
        (scalar, _) => out.push((name.to_owned(), scalar_text(scalar))),
    }
    out
}

/// Flattens `value` under `prefix` as `prefix[key][0]=...` pairs (the
/// form-body convention of Stripe-style APIs, and `deepObject`); `null`s
/// are left out.
pub fn brackets(prefix: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                brackets(format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                brackets(format!("{prefix}[{i}]"), v, out);
            }
        }
        scalar => out.push((prefix, scalar_text(scalar))),
    }
}

/// The fields of an `application/x-www-form-urlencoded` body, as OpenAPI
/// encodes them: each top-level property by its `encoding` style (`styles`,
/// by property name), else `style: form, explode: true` (arrays repeat the
/// name, `k=a&k=b`; objects spread their properties); `deepObject` gives
/// brackets (`k[a]=1`). `null`s are left out.
pub(crate) fn form_pairs(
    value: &Value,
    styles: &[(&str, QueryStyle)],
) -> Result<Vec<(String, String)>, String> {
    let Value::Object(map) = value else {
        return Err("must be an object to send as a form".to_owned());
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let style = styles
            .iter()
            .find(|(name, _)| name == k)
            .map_or(QueryStyle::Form, |(_, style)| *style);
        out.extend(query_pairs(k, v, style));
    }
    Ok(out)
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    name: String,
    data: bytes::Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl Part {
    /// A text field.
    pub fn text(name: &str, value: impl Into<String>) -> Self {
        Part {
            name: name.to_owned(),
            data: bytes::Bytes::from(value.into()),
            file_name: None,
            content_type: None,
        }
    }

    /// A file: raw bytes, sent as `application/octet-stream`.
    pub fn file(name: &str, data: impl Into<bytes::Bytes>) -> Self {
        Part {
            name: name.to_owned(),
            data: data.into(),
            file_name: Some(name.to_owned()),
            content_type: Some("application/octet-stream".to_owned()),
        }
    }

    /// Any other value: strings, numbers and booleans as text, arrays and
    /// objects as a JSON part.
    pub fn value<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<Vec<Self>, String> {
        Ok(match to_value(value)? {
            Value::Null => Vec::new(),
            v @ (Value::Array(_) | Value::Object(_)) => vec![Part {
                name: name.to_owned(),
                data: bytes::Bytes::from(v.to_string()),
                file_name: None,
                content_type: Some("application/json".to_owned()),
            }],
            scalar => vec![Part::text(name, scalar_text(&scalar))],
        })
    }

    /// A value as one JSON part whatever its shape (a property whose
    /// `encoding` says `application/json`: `3` is sent as the JSON text
    /// `3`, `"a"` as `"a"`).
    pub fn json<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<Vec<Self>, String> {
        Ok(match to_value(value)? {
            Value::Null => Vec::new(),
            v => vec![Part {
                name: name.to_owned(),
                data: bytes::Bytes::from(v.to_string()),
                file_name: None,
                content_type: Some("application/json".to_owned()),
            }],
        })
    }

    /// Sets the file name sent in `Content-Disposition`.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's media type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// Encodes `parts` with `boundary` (RFC 7578).
pub(crate) fn multipart_body(parts: &[Part], boundary: &str) -> Vec<u8> {
    fn quoted(s: &str) -> String {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace(['\r', '\n'], " ")
    }
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!(
            "Content-Disposition: form-data; name=\"{}\"",
            quoted(&part.name)
        );
        if let Some(file) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(file)));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &part.content_type {
            out.extend_from_slice(format!("Content-Type: {}\r\n", quoted(ct)).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_styles() {
        let v = json!(["a", 1, true]);
        assert_eq!(
            query_pairs("k", &v, QueryStyle::Form),
            [("k", "a"), ("k", "1"), ("k", "true")].map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(query_pairs("k", &v, QueryStyle::FormFlat)[0].1, "a,1,true");
        assert_eq!(
            query_pairs("k", &v, QueryStyle::PipeDelimited)[0].1,
            "a|1|true"
        );
        assert_eq!(
            query_pairs("k", &v, QueryStyle::SpaceDelimited)[0].1,
            "a 1 true"
        );
        let o = json!({"gte": 5, "tags": ["x", "y"]});
        assert_eq!(
            query_pairs("created", &o, QueryStyle::DeepObject),
            [
                ("created[gte]", "5"),
                ("created[tags][0]", "x"),
                ("created[tags][1]", "y")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(query_pairs("k", &json!(null), QueryStyle::Form), []);
        assert_eq!(simple(&json!({"a": 1, "b": "x"}), false), "a,1,b,x");
        assert_eq!(simple(&json!({"a": 1}), true), "a=1");
    }

    /// The style table of the OpenAPI 3.0 specification (Parameter
    /// Object, "Style Examples"): a parameter `color` holding the string
    /// `blue`, the array `["blue", "black", "brown"]` and the object
    /// `{"R": 100, "G": 200, "B": 150}`, as (name, value) pairs before
    /// percent-encoding. Form bodies use the same table per property.
    #[test]
    fn the_style_table_of_the_openapi_specification() {
        let primitive = json!("blue");
        let array = json!(["blue", "black", "brown"]);
        let object = json!({"R": 100, "G": 200, "B": 150});
        type Row = (
            QueryStyle,
            &'static str,
            &'static [(&'static str, &'static str)],
        );
        let rows: &[(&Value, &[Row])] = &[
            (
                &primitive,
                &[
                    (QueryStyle::FormFlat, "form", &[("color", "blue")]),
                    (QueryStyle::Form, "form*", &[("color", "blue")]),
                ],
            ),
            (
                &array,
                &[
                    (
                        QueryStyle::FormFlat,
                        "form",
                        &[("color", "blue,black,brown")],
                    ),
                    (
                        QueryStyle::Form,
                        "form*",
                        &[("color", "blue"), ("color", "black"), ("color", "brown")],
                    ),
                    (
                        QueryStyle::SpaceDelimited,
                        "spaceDelimited",
                        &[("color", "blue black brown")],
                    ),
                    (
                        QueryStyle::PipeDelimited,
                        "pipeDelimited",
                        &[("color", "blue|black|brown")],
                    ),
                ],
            ),
            (
                &object,
                &[
                    (
                        QueryStyle::FormFlat,
                        "form",
                        &[("color", "R,100,G,200,B,150")],
                    ),
                    (
                        QueryStyle::Form,
                        "form*",
                        &[("R", "100"), ("G", "200"), ("B", "150")],
                    ),
                    (
                        QueryStyle::SpaceDelimited,
                        "spaceDelimited",
                        &[("color", "R 100 G 200 B 150")],
                    ),
                    (
                        QueryStyle::PipeDelimited,
                        "pipeDelimited",
                        &[("color", "R|100|G|200|B|150")],
                    ),
                    (
                        QueryStyle::DeepObject,
                        "deepObject*",
                        &[
                            ("color[R]", "100"),
                            ("color[G]", "200"),
                            ("color[B]", "150"),
                        ],
                    ),
                ],
            ),
        ];
        for (value, styles) in rows {
            for (style, label, expected) in *styles {
                let expected: Vec<(String, String)> = expected
                    .iter()
                    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                    .collect();
                assert_eq!(
                    query_pairs("color", value, *style),
                    expected,
                    "{label} of {value}"
                );
                // A form body's property encodes the same way.
                let body = json!({"color": value});
                assert_eq!(
                    form_pairs(&body, &[("color", *style)]).unwrap(),
                    expected,
                    "form body, {label} of {value}"
                );
            }
        }
    }

    #[test]
    fn forms_default_to_exploded_form_style() {
        let body = json!({
            "To": "+15550100",
            "StatusCallbackEvent": ["initiated", "answered"],
            "gone": null,
            "metadata": {"k": "v"}
        });
        assert_eq!(
            form_pairs(&body, &[]).unwrap(),
            [
                ("To", "+15550100"),
                ("StatusCallbackEvent", "initiated"),
                ("StatusCallbackEvent", "answered"),
                ("k", "v")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        // JSON text where the encoding's contentType says so.
        assert_eq!(
            form_pairs(&body, &[("StatusCallbackEvent", QueryStyle::Json)]).unwrap()[1],
            (
                "StatusCallbackEvent".to_owned(),
                r#"["initiated","answered"]"#.to_owned()
            )
        );
        // Brackets only where the encoding asks for deepObject.
        assert_eq!(
            form_pairs(&body, &[("metadata", QueryStyle::DeepObject)]).unwrap()[3],
            ("metadata[k]".to_owned(), "v".to_owned())
        );
        assert!(form_pairs(&json!([1]), &[]).is_err());
    }

    #[test]
    fn multipart_parts_are_framed_and_quoted() {
        let parts = vec![
            Part::text("note", "hi"),
            Part::file("file", b"\x00\x01".to_vec()).with_file_name("a\"b.bin"),
        ];
        let body = multipart_body(&parts, "XyZ");
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.starts_with(
                "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
            )
        );
        assert!(
            text.contains(
                "filename=\"a\\\"b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
        );
        assert!(text.ends_with("\r\n--XyZ--\r\n"));
    }

    #[test]
    fn json_parts_hold_json_text_whatever_the_shape() {
        let scalar = Part::json("priority", &3).unwrap();
        let text = Part::json("label", "a").unwrap();
        assert_eq!(scalar[0].data.as_ref(), b"3");
        assert_eq!(text[0].data.as_ref(), b"\"a\"");
        assert_eq!(text[0].content_type.as_deref(), Some("application/json"));
        assert!(Part::json("gone", &None::<u8>).unwrap().is_empty());
        // Where `value` sends a scalar as plain text.
        assert_eq!(Part::value("label", "a").unwrap()[0].data.as_ref(), b"a");
    }
}
