//! Parameter serialization styles (OpenAPI 3.0.3, "Style Values"), read
//! back: the text of a path segment, a header, or the pairs of a query
//! string, a cookie header or a form body, turned into the JSON value the
//! parameter's schema describes.
//!
//! Decoding happens in two steps. The functions here split the text by the
//! parameter's `style` and `explode` into a value whose leaves are strings
//! (`"blue"`, `["blue","black"]`, `{"R":"100"}`); [`coerce`] then types
//! the leaves by the schema (`{"R":100}`). Text has been percent-decoded
//! already; a delimiter (`,`, `|`, space) counts whether or not the client
//! percent-encoded it, as most servers read it (so a value cannot contain
//! its own delimiter).

use serde_json::{Map, Value};

use super::resolve;

/// How a parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `blue`, `blue,black`, `R,100,G,200` (`R=100,G=200` exploded): paths
    /// and headers.
    Simple,
    /// `.blue`, `.blue.black`: paths.
    Label,
    /// `;color=blue`, `;color=blue,black` (`;color=blue;color=black`
    /// exploded): paths.
    Matrix,
    /// `color=blue`, `color=blue,black` (`color=blue&color=black`
    /// exploded; objects spread as `R=100&G=200`): queries, cookies, forms.
    Form,
    /// `color=blue%20black`: queries.
    SpaceDelimited,
    /// `color=blue|black`: queries.
    PipeDelimited,
    /// `color[R]=100&color[G]=200`: queries.
    DeepObject,
}

impl Style {
    /// The style named `name` in a spec.
    pub fn parse(name: &str) -> Option<Style> {
        Some(match name {
            "simple" => Style::Simple,
            "label" => Style::Label,
            "matrix" => Style::Matrix,
            "form" => Style::Form,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            _ => return None,
        })
    }

    /// The style's name in a spec.
    pub fn name(self) -> &'static str {
        match self {
            Style::Simple => "simple",
            Style::Label => "label",
            Style::Matrix => "matrix",
            Style::Form => "form",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
            Style::DeepObject => "deepObject",
        }
    }
}

/// What a parameter's schema holds, which decides how its text splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string, number, boolean (or a union of them).
    Scalar,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// The most nesting of brackets read in a `deepObject` (or bracketed form)
/// key.
pub const MAX_BRACKETS: usize = 16;
/// The most schemas one walk of a schema's unions visits (a spec's
/// `allOf`/`oneOf`/`anyOf` can be wide and deep).
const MAX_VISITS: usize = 1_000;

/// A path parameter's text (the part of the segment its template gives
/// it), by `style` (`simple`, `label`, `matrix`).
pub fn path_value(
    style: Style,
    explode: bool,
    name: &str,
    text: &str,
    shape: Shape,
) -> Result<Value, String> {
    match style {
        Style::Simple => Ok(simple(text, explode, shape)),
        Style::Label => {
            let rest = text
                .strip_prefix('.')
                .ok_or("a `label` value must start with `.`")?;
            Ok(match shape {
                Shape::Scalar => Value::String(rest.to_owned()),
                Shape::Array => list(rest, '.'),
                Shape::Object if explode => assignments(split_nonempty(rest, '.'))?,
                Shape::Object => alternating(split_nonempty(rest, '.'))?,
            })
        }
        Style::Matrix => {
            let rest = text
                .strip_prefix(';')
                .ok_or("a `matrix` value must start with `;`")?;
            match shape {
                Shape::Object if explode => assignments(rest.split(';').filter(|p| !p.is_empty())),
                Shape::Array if explode => {
                    let mut items = Vec::new();
                    for part in rest.split(';').filter(|p| *p != name) {
                        items.push(Value::String(matrix_value(part, name)?.to_owned()));
                    }
                    Ok(Value::Array(items))
                }
                _ => {
                    let value = matrix_value(rest, name)?;
                    Ok(match shape {
                        Shape::Scalar => Value::String(value.to_owned()),
                        Shape::Array => list(value, ','),
                        Shape::Object => alternating(split_nonempty(value, ','))?,
                    })
                }
            }
        }
        other => Err(format!("`{}` is not a path style", other.name())),
    }
}

/// `name=value` (or `name` alone: empty) of a matrix part.
fn matrix_value<'a>(part: &'a str, name: &str) -> Result<&'a str, String> {
    match part.split_once('=') {
        Some((key, value)) if key == name => Ok(value),
        None if part == name => Ok(""),
        _ => Err(format!("a `matrix` value must read `;{name}=...`")),
    }
}

/// A header's text (`style: simple`; list items may carry the spaces HTTP
/// allows around commas).
pub fn header_value(explode: bool, text: &str, shape: Shape) -> Value {
    let text = text.trim();
    match shape {
        Shape::Scalar => Value::String(text.to_owned()),
        _ => {
            let trimmed: Vec<&str> = text.split(',').map(str::trim).collect();
            simple(&trimmed.join(","), explode, shape)
        }
    }
}

fn simple(text: &str, explode: bool, shape: Shape) -> Value {
    match shape {
        Shape::Scalar => Value::String(text.to_owned()),
        Shape::Array => list(text, ','),
        Shape::Object if explode => assignments(split_nonempty(text, ','))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        Shape::Object => alternating(split_nonempty(text, ','))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

/// The value of parameter `name` among `pairs` (a query string, a cookie
/// header or a form body, percent-decoded), with the indices of the pairs
/// it was read from; `None` when it is absent.
///
/// `owns(key)` says whether a key that is not `name` belongs to this
/// parameter: with `style: form, explode: true`, an object's properties are
/// spread as pairs of their own (`R=100&G=200`).
pub fn pairs_value(
    style: Style,
    explode: bool,
    name: &str,
    pairs: &[(String, String)],
    shape: Shape,
    owns: &dyn Fn(&str) -> bool,
) -> Result<Option<(Value, Vec<usize>)>, String> {
    let named: Vec<usize> = (0..pairs.len()).filter(|i| pairs[*i].0 == name).collect();
    if style == Style::DeepObject {
        let bracketed: Vec<usize> = (0..pairs.len())
            .filter(|i| {
                pairs[*i]
                    .0
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('['))
            })
            .collect();
        if bracketed.is_empty() {
            // A union of a scalar and an object may come plain.
            return Ok(match named.last() {
                Some(&i) if shape != Shape::Object => {
                    Some((Value::String(pairs[i].1.clone()), named))
                }
                _ => None,
            });
        }
        let mut tree = Value::Object(Map::new());
        for &i in &bracketed {
            let rest = &pairs[i].0[name.len()..];
            let path = brackets(rest)?;
            insert(&mut tree, &path, pairs[i].1.clone())?;
        }
        return Ok(Some((tree, bracketed)));
    }
    let delimiter = match style {
        Style::SpaceDelimited => ' ',
        Style::PipeDelimited => '|',
        _ => ',',
    };
    match shape {
        Shape::Object if explode && style == Style::Form => {
            let owned: Vec<usize> = (0..pairs.len())
                .filter(|i| pairs[*i].0 != name && owns(&pairs[*i].0))
                .collect();
            if owned.is_empty() {
                return Ok(None);
            }
            let mut map = Map::new();
            for &i in &owned {
                let (key, value) = &pairs[i];
                push_value(&mut map, key, value);
            }
            Ok(Some((Value::Object(map), owned)))
        }
        _ if named.is_empty() => Ok(None),
        Shape::Array if explode => {
            let items: Vec<Value> = named
                .iter()
                .filter(|i| !(named.len() == 1 && pairs[**i].1.is_empty()))
                .map(|i| Value::String(pairs[*i].1.clone()))
                .collect();
            Ok(Some((Value::Array(items), named)))
        }
        Shape::Array => {
            let last = named[named.len() - 1];
            Ok(Some((list(&pairs[last].1, delimiter), named)))
        }
        Shape::Object => {
            let last = named[named.len() - 1];
            let value = alternating(split_nonempty(&pairs[last].1, delimiter))?;
            Ok(Some((value, named)))
        }
        Shape::Scalar => {
            let last = named[named.len() - 1];
            Ok(Some((Value::String(pairs[last].1.clone()), named)))
        }
    }
}

fn push_value(map: &mut Map<String, Value>, key: &str, value: &str) {
    match map.get_mut(key) {
        None => {
            map.insert(key.to_owned(), Value::String(value.to_owned()));
        }
        Some(Value::Array(items)) => items.push(Value::String(value.to_owned())),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, Value::String(value.to_owned())]);
        }
    }
}

/// `[a][b]` as its keys (`[]` is the key `""`: OpenAPI's `deepObject` has
/// no way to append to an array; indexed keys `[0]` become array items
/// where the schema wants an array, see [`coerce`]).
pub fn brackets(text: &str) -> Result<Vec<String>, String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .ok_or_else(|| "a bracketed key must read `name[key][key]...`".to_owned())?;
        keys.push(inner.0.to_owned());
        rest = inner.1;
        if keys.len() > MAX_BRACKETS {
            return Err(format!("keys nest at most {MAX_BRACKETS} brackets deep"));
        }
    }
    Ok(keys)
}

/// Puts `value` at `path` in a tree of objects (a repeated key makes an
/// array).
fn insert(tree: &mut Value, path: &[String], value: String) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return Err("a bracketed key must name a property".into());
    };
    let Value::Object(map) = tree else {
        return Err("a key is both a value and an object".into());
    };
    if rest.is_empty() {
        push_value(map, first, &value);
        return Ok(());
    }
    let child = map
        .entry(first.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        return Err("a key is both a value and an object".into());
    }
    insert(child, rest, value)
}

fn list(text: &str, delimiter: char) -> Value {
    if text.is_empty() {
        return Value::Array(Vec::new());
    }
    Value::Array(
        text.split(delimiter)
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    )
}

fn split_nonempty(text: &str, delimiter: char) -> impl Iterator<Item = &str> {
    text.split(delimiter).filter(|p| !p.is_empty())
}

/// `k,v,k,v` as an object.
fn alternating<'a>(mut parts: impl Iterator<Item = &'a str>) -> Result<Value, String> {
    let mut map = Map::new();
    while let Some(key) = parts.next() {
        let value = parts
            .next()
            .ok_or("an object must be written as name,value pairs")?;
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    Ok(Value::Object(map))
}

/// `k=v`, `k=v` as an object.
fn assignments<'a>(parts: impl Iterator<Item = &'a str>) -> Result<Value, String> {
    let mut map = Map::new();
    for part in parts {
        let (key, value) = part
            .split_once('=')
            .ok_or("an exploded object must be written as name=value pairs")?;
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    Ok(Value::Object(map))
}

/// The JSON types a schema admits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Types {
    /// `string`.
    pub string: bool,
    /// `integer`.
    pub integer: bool,
    /// `number`.
    pub number: bool,
    /// `boolean`.
    pub boolean: bool,
    /// `array`.
    pub array: bool,
    /// `object`.
    pub object: bool,
    /// `null` (`nullable`).
    pub null: bool,
}

impl Types {
    fn any() -> Types {
        Types {
            string: true,
            integer: true,
            number: true,
            boolean: true,
            array: true,
            object: true,
            null: true,
        }
    }

    fn union(self, other: Types) -> Types {
        Types {
            string: self.string || other.string,
            integer: self.integer || other.integer,
            number: self.number || other.number,
            boolean: self.boolean || other.boolean,
            array: self.array || other.array,
            object: self.object || other.object,
            null: self.null || other.null,
        }
    }

    fn is_empty(self) -> bool {
        self == Types::default()
    }

    /// How a parameter of these types is written: an object or an array
    /// when that is all it can be (or `null`), else a scalar.
    pub fn shape(self) -> Shape {
        let scalar = self.string || self.integer || self.number || self.boolean;
        if self.object && !self.array && !scalar {
            Shape::Object
        } else if self.array && !self.object && !scalar {
            Shape::Array
        } else {
            Shape::Scalar
        }
    }
}

/// The JSON types `schema` admits (`$ref`s followed in `doc`; unions and
/// `allOf` members joined; no `type`: read from the keywords used, or any).
pub fn types(doc: &Value, schema: &Value) -> Types {
    types_at(doc, schema, 0, &mut 0)
}

fn types_at(doc: &Value, schema: &Value, depth: usize, visits: &mut usize) -> Types {
    *visits += 1;
    if depth > 16 || *visits > MAX_VISITS {
        return Types::any();
    }
    let schema = resolve(doc, schema);
    let mut found = Types::default();
    match schema.get("type") {
        Some(Value::String(t)) => found = found.union(named(t)),
        Some(Value::Array(ts)) => {
            for t in ts.iter().filter_map(Value::as_str) {
                found = found.union(named(t));
            }
        }
        _ => {}
    }
    if found.is_empty() {
        for key in ["allOf", "oneOf", "anyOf"] {
            for member in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                found = found.union(types_at(doc, member, depth + 1, visits));
            }
        }
    }
    if found.is_empty() {
        if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
            found.object = true;
        } else if schema.get("items").is_some() {
            found.array = true;
        } else if let Some(Value::Array(values)) = schema.get("enum") {
            for value in values {
                found = found.union(match value {
                    Value::String(_) => named("string"),
                    Value::Number(n) if n.is_i64() || n.is_u64() => named("integer"),
                    Value::Number(_) => named("number"),
                    Value::Bool(_) => named("boolean"),
                    Value::Null => named("null"),
                    Value::Array(_) => named("array"),
                    Value::Object(_) => named("object"),
                });
            }
        } else {
            found = Types::any();
        }
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        found.null = true;
    }
    found
}

fn named(t: &str) -> Types {
    let mut types = Types::default();
    match t {
        "string" => types.string = true,
        "integer" => types.integer = true,
        "number" => types.number = true,
        "boolean" => types.boolean = true,
        "array" => types.array = true,
        "object" => types.object = true,
        "null" => types.null = true,
        _ => {}
    }
    types
}

/// The schema of property `name` of `schema` (through `allOf`, `oneOf`,
/// `anyOf`; else its `additionalProperties` schema), if it has one.
pub fn property<'a>(doc: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    property_at(doc, schema, name, 0, &mut 0)
}

fn property_at<'a>(
    doc: &'a Value,
    schema: &'a Value,
    name: &str,
    depth: usize,
    visits: &mut usize,
) -> Option<&'a Value> {
    *visits += 1;
    if depth > 16 || *visits > MAX_VISITS {
        return None;
    }
    let schema = resolve(doc, schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(found) = property_at(doc, member, name, depth + 1, visits) {
                return Some(found);
            }
        }
    }
    schema.get("additionalProperties").filter(|a| a.is_object())
}

/// The names of the properties `schema` declares (through `allOf`,
/// `oneOf`, `anyOf`), in spec order.
pub fn property_names(doc: &Value, schema: &Value) -> Vec<String> {
    let mut names = Vec::new();
    property_names_at(doc, schema, &mut names, 0, &mut 0);
    names
}

fn property_names_at(
    doc: &Value,
    schema: &Value,
    names: &mut Vec<String>,
    depth: usize,
    visits: &mut usize,
) {
    *visits += 1;
    if depth > 16 || *visits > MAX_VISITS {
        return;
    }
    let schema = resolve(doc, schema);
    for name in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            property_names_at(doc, member, names, depth + 1, visits);
        }
    }
}

/// The schema of the items of `schema` (through `allOf`, `oneOf`,
/// `anyOf`), if it has one.
pub fn items<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    items_at(doc, schema, 0, &mut 0)
}

fn items_at<'a>(
    doc: &'a Value,
    schema: &'a Value,
    depth: usize,
    visits: &mut usize,
) -> Option<&'a Value> {
    *visits += 1;
    if depth > 16 || *visits > MAX_VISITS {
        return None;
    }
    let schema = resolve(doc, schema);
    if let Some(found) = schema.get("items") {
        return Some(found);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(found) = items_at(doc, member, depth + 1, visits) {
                return Some(found);
            }
        }
    }
    None
}

/// `raw` (strings at the leaves, as the decoders give them) typed by
/// `schema`: a leaf becomes an integer, a number or a boolean when the
/// schema admits one and the text reads as one, else stays a string (so
/// that validation names the type it breaks). An object whose keys are
/// `0`, `1`, ... becomes an array where the schema wants one.
pub fn coerce(doc: &Value, schema: &Value, raw: Value) -> Value {
    coerce_at(doc, schema, raw, 0)
}

fn coerce_at(doc: &Value, schema: &Value, raw: Value, depth: usize) -> Value {
    if depth > MAX_BRACKETS + 4 {
        return raw;
    }
    let types = types(doc, schema);
    match raw {
        Value::String(text) => scalar(types, text),
        Value::Array(values) => {
            let items = items(doc, schema);
            Value::Array(
                values
                    .into_iter()
                    .map(|v| match items {
                        Some(items) => coerce_at(doc, items, v, depth + 1),
                        None => v,
                    })
                    .collect(),
            )
        }
        Value::Object(map) => {
            let indexed = types.array
                && !types.object
                && map
                    .keys()
                    .enumerate()
                    .all(|(i, k)| k.parse::<usize>().ok() == Some(i));
            if indexed {
                let values: Vec<Value> = map.into_iter().map(|(_, v)| v).collect();
                return coerce_at(doc, schema, Value::Array(values), depth);
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = match property(doc, schema, &k) {
                            Some(p) => coerce_at(doc, p, v, depth + 1),
                            None => v,
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        other => other,
    }
}

fn scalar(types: Types, text: String) -> Value {
    if types.integer {
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
        if let Ok(n) = text.parse::<u64>() {
            return Value::from(n);
        }
    }
    if types.number
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    if types.boolean {
        match text.as_str() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    if types.null && !types.string && text == "null" {
        return Value::Null;
    }
    Value::String(text)
}
