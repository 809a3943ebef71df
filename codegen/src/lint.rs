//! The spec linter (`cargo xtask lint`): what a spec must have beyond being
//! valid OpenAPI, so that fidelity to the vendor's documents is checkable.
//!
//! - every operation has an operationId, a summary, a description (where
//!   the vendor's permission or scope is stated) and a documented success
//!   and error response;
//! - every example validates against its schema (types, required
//!   properties, enums, lengths, patterns, bounds, item counts, and no
//!   property the schema does not list unless it keeps extra properties);
//! - every public model and every property of it has a description.

use std::fmt;

use openapiv3::{ReferenceOr, StatusCode};
use serde_json::Value;

use crate::SpecSource;
use crate::error::{Error, push_pointer};
use crate::ir::{Api, Example, SkipUnit, Skipped, TypeKind, TypeRef};

/// One problem the linter found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The spec file.
    pub file: String,
    /// JSON pointer of the node.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::escape::visible;
        write!(
            f,
            "{}#{}: {}",
            visible(&self.file),
            visible(&self.pointer),
            visible(&self.message)
        )
    }
}

/// Lints a spec. A spec that does not even lower is an `Err`.
pub fn lint(file: &str, text: &str, vendor: &str) -> Result<Vec<Finding>, Error> {
    lint_source(file, text, vendor, &SpecSource::default())
}

/// [`lint`] with the files `$ref`s may read described by `source` (as for
/// [`crate::generate_source`]): the linter reads a spec exactly as
/// generation does, through the same entry point.
pub fn lint_source(
    file: &str,
    text: &str,
    vendor: &str,
    source: &SpecSource,
) -> Result<Vec<Finding>, Error> {
    let (doc, api) = crate::lower_document(file, text, vendor, true, source)?;
    let mut out = Vec::new();
    let mut push = |pointer: String, message: String| {
        out.push(Finding {
            file: file.to_owned(),
            pointer,
            message,
        });
    };

    for (path, item) in doc.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let pointer = push_pointer(&push_pointer("/paths", path), method);
            if op.operation_id.as_deref().is_none_or(str::is_empty) {
                push(pointer.clone(), "operation has no operationId".to_owned());
            }
            if op.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
                push(pointer.clone(), "operation has no summary".to_owned());
            }
            if op
                .description
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
            {
                push(
                    pointer.clone(),
                    "operation has no description (state the vendor's permission or scope there)"
                        .to_owned(),
                );
            }
            let codes: Vec<&StatusCode> = op.responses.responses.keys().collect();
            let success = codes
                .iter()
                .any(|c| matches!(c, StatusCode::Code(200..=299) | StatusCode::Range(2)));
            let failure = op.responses.default.is_some()
                || codes
                    .iter()
                    .any(|c| matches!(c, StatusCode::Code(400..=599) | StatusCode::Range(4 | 5)));
            if !success {
                push(
                    push_pointer(&pointer, "responses"),
                    "no documented success (2xx) response".to_owned(),
                );
            }
            if !failure {
                push(
                    push_pointer(&pointer, "responses"),
                    "no documented error (4xx/5xx or default) response".to_owned(),
                );
            }
        }
    }

    for t in &api.types {
        if t.docs.as_deref().is_none_or(|d| d.trim().is_empty()) {
            push(
                t.pointer.clone(),
                format!("public model `{}` has no description", t.name),
            );
        }
        if let TypeKind::Struct { fields, .. } = &t.kind {
            for f in fields {
                if f.docs.as_deref().is_none_or(|d| d.trim().is_empty()) {
                    let pointer =
                        push_pointer(&push_pointer(&t.pointer, "properties"), &f.wire_name);
                    push(
                        pointer,
                        format!(
                            "property `{}` of `{}` has no description",
                            f.wire_name, t.name
                        ),
                    );
                }
            }
        }
    }

    for example in &api.examples {
        let value = example_value(&api, example);
        for (pointer, problem) in example_problems(&api, example, &value) {
            push(
                pointer,
                format!("example does not match its schema: {problem}"),
            );
        }
    }
    Ok(out)
}

/// `example`'s value as a client holds it: a form example's text values
/// read as the scalars their schema says (a form carries only text).
fn example_value(api: &Api, example: &Example) -> Value {
    if example
        .pointer
        .contains("/application~1x-www-form-urlencoded/")
    {
        form_typed(api, &example.ty, &example.value, 0)
    } else {
        example.value.clone()
    }
}

/// What is wrong with `value`, the value of `example` (see
/// [`example_value`]), against its schema: (pointer into the spec, problem).
fn example_problems(api: &Api, example: &Example, value: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    check_value(api, &example.ty, value, "", &mut problems);
    // `examples/<key>` holds the value under `value`; `example` is it.
    let base = if example.pointer.ends_with("/example") {
        example.pointer.clone()
    } else {
        format!("{}/value", example.pointer)
    };
    problems
        .into_iter()
        .map(|(at, problem)| (format!("{base}{at}"), problem))
        .collect()
}

/// Moves every example that does not match its schema out of the
/// generated tests and lists it in `api.skipped` (`SKIPPED.md`): a defect
/// of the spec must not become a failing test in the user's crate. Form
/// examples are kept typed as their schema reads them, so the round trip
/// tests what a client sends.
pub(crate) fn leave_out_invalid_examples(api: &mut Api) {
    let examples = std::mem::take(&mut api.examples);
    for mut example in examples {
        let value = example_value(api, &example);
        match example_problems(api, &example, &value).into_iter().next() {
            None => {
                example.value = value;
                api.examples.push(example);
            }
            Some((pointer, problem)) => api.skipped.push(Skipped {
                unit: SkipUnit::Example,
                pointer,
                reason: format!("example does not match its schema: {problem}"),
            }),
        }
    }
}

/// `value` with the text of a form example read as the booleans and
/// numbers `ty` expects (where it parses; otherwise left as is, for the
/// check to report). Bounded by the value's depth, which parsing bounds.
fn form_typed(api: &Api, ty: &TypeRef, value: &Value, depth: usize) -> Value {
    if depth > crate::limits::MAX_NESTING {
        return value.clone();
    }
    match (ty, value) {
        (TypeRef::Bool, Value::String(s)) => s.parse::<bool>().map_or(value.clone(), Value::Bool),
        (TypeRef::Integer { .. }, Value::String(s)) => {
            s.parse::<i64>().map_or(value.clone(), Value::from)
        }
        (TypeRef::Number(_), Value::String(s)) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(value.clone(), Value::Number),
        (TypeRef::Array(inner, _), Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| form_typed(api, inner, item, depth + 1))
                .collect(),
        ),
        (TypeRef::Named(name), _) => match api.type_named(name).map(|d| &d.kind) {
            Some(TypeKind::Alias(inner)) => form_typed(api, inner, value, depth + 1),
            Some(TypeKind::Struct { fields, .. }) => match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(key, item)| {
                            let typed = fields
                                .iter()
                                .find(|f| &f.wire_name == key)
                                .map_or(item.clone(), |f| form_typed(api, &f.ty, item, depth + 1));
                            (key.clone(), typed)
                        })
                        .collect(),
                ),
                _ => value.clone(),
            },
            _ => value.clone(),
        },
        _ => value.clone(),
    }
}

/// Checks `value` against `ty`, appending `(pointer inside the value, problem)`.
pub fn check_value(
    api: &Api,
    ty: &TypeRef,
    value: &Value,
    at: &str,
    out: &mut Vec<(String, String)>,
) {
    let mut fail = |problem: String| out.push((at.to_owned(), problem));
    match ty {
        TypeRef::Json => {}
        TypeRef::Base64 | TypeRef::Binary => {
            if !value.is_string() {
                fail(format!(
                    "expected a string, found {}",
                    crate::parse::kind_of(value)
                ));
            }
        }
        TypeRef::Bool => {
            if !value.is_boolean() {
                fail(format!(
                    "expected a boolean, found {}",
                    crate::parse::kind_of(value)
                ));
            }
        }
        TypeRef::String(c) | TypeRef::Secret(c) => {
            let Some(s) = value.as_str() else {
                return fail(format!(
                    "expected a string, found {}",
                    crate::parse::kind_of(value)
                ));
            };
            let len = s.chars().count();
            if c.min_length.is_some_and(|m| len < m) || c.max_length.is_some_and(|m| len > m) {
                fail(format!(
                    "length {len} is outside {:?}..={:?}",
                    c.min_length, c.max_length
                ));
            }
            if let Some(index) = c.pattern {
                let source = &api.patterns[index].source;
                let matches = regex::Regex::new(source)
                    .map(|re| re.is_match(s))
                    .unwrap_or(false);
                if !matches {
                    fail(format!("{s:?} does not match /{source}/"));
                }
            }
        }
        TypeRef::Integer { constraints: c, .. } => {
            let Some(n) = value.as_i64() else {
                return fail(format!("expected an integer, found {value}"));
            };
            if c.minimum.is_some_and(|m| (n as f64) < m)
                || c.maximum.is_some_and(|m| (n as f64) > m)
            {
                fail(format!("{n} is outside {:?}..={:?}", c.minimum, c.maximum));
            }
            if !c.int_values.is_empty() && !c.int_values.contains(&n) {
                fail(format!("{n} is not one of {:?}", c.int_values));
            }
        }
        TypeRef::Number(c) => {
            let Some(n) = value.as_f64() else {
                return fail(format!(
                    "expected a number, found {}",
                    crate::parse::kind_of(value)
                ));
            };
            if c.minimum.is_some_and(|m| n < m) || c.maximum.is_some_and(|m| n > m) {
                fail(format!("{n} is outside {:?}..={:?}", c.minimum, c.maximum));
            }
        }
        TypeRef::Array(inner, c) => {
            let Some(items) = value.as_array() else {
                return fail(format!(
                    "expected an array, found {}",
                    crate::parse::kind_of(value)
                ));
            };
            if c.min_items.is_some_and(|m| items.len() < m)
                || c.max_items.is_some_and(|m| items.len() > m)
            {
                fail(format!(
                    "{} items is outside {:?}..={:?}",
                    items.len(),
                    c.min_items,
                    c.max_items
                ));
            }
            for (i, item) in items.iter().enumerate() {
                check_value(api, inner, item, &format!("{at}/{i}"), out);
            }
        }
        TypeRef::Map(inner) => {
            let Some(map) = value.as_object() else {
                return fail(format!(
                    "expected an object, found {}",
                    crate::parse::kind_of(value)
                ));
            };
            for (key, item) in map {
                check_value(api, inner, item, &push_pointer(at, key), out);
            }
        }
        TypeRef::Named(name) => check_named(api, name, value, at, out),
    }
}

/// Checks `value` against the named type `name`.
fn check_named(api: &Api, name: &str, value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    let mut fail = |problem: String| out.push((at.to_owned(), problem));
    let Some(def) = api.type_named(name) else {
        return;
    };
    match &def.kind {
        TypeKind::Enum { variants } => match value.as_str() {
            Some(s) if variants.iter().any(|v| v.wire_name == s) => {}
            Some(s) => fail(format!("{s:?} is not one of the values of `{name}`")),
            None => fail(format!(
                "expected a string, found {}",
                crate::parse::kind_of(value)
            )),
        },
        TypeKind::Struct { fields, extra } => {
            let Some(map) = value.as_object() else {
                return fail(format!(
                    "expected an object, found {}",
                    crate::parse::kind_of(value)
                ));
            };
            for f in fields {
                if f.flatten {
                    check_value(api, &f.ty, value, at, out);
                    continue;
                }
                match map.get(&f.wire_name) {
                    Some(Value::Null) if f.nullable => {}
                    Some(v) => check_value(api, &f.ty, v, &push_pointer(at, &f.wire_name), out),
                    None if f.required => out.push((
                        at.to_owned(),
                        format!("required property `{}` is missing", f.wire_name),
                    )),
                    None => {}
                }
            }
            if extra.is_none() && !fields.iter().any(|f| f.flatten) {
                for key in map.keys() {
                    if !fields.iter().any(|f| &f.wire_name == key) {
                        out.push((
                            push_pointer(at, key),
                            format!(
                                "`{name}` has no property `{key}` (and does not keep unknown ones)"
                            ),
                        ));
                    }
                }
            }
        }
        TypeKind::Alias(inner) => check_value(api, inner, value, at, out),
        TypeKind::Union { variants, .. } => {
            let fits = variants.iter().any(|v| {
                let mut problems = Vec::new();
                check_value(api, &v.ty, value, at, &mut problems);
                problems.is_empty()
            });
            if !fits {
                fail(format!("the value matches no variant of `{name}`"));
            }
        }
    }
}
