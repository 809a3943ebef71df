//! Values from schemas, for the mock's answers (and for tests that need a
//! valid request).
//!
//! Deterministic: the same schema and strategy give the same value. A
//! strategy says whether schema-level `example`s are used and which
//! variant of each `oneOf`/`anyOf` (and which child of a discriminated
//! base) is taken; the caller tries strategies until the value validates.
//!
//! What is honoured: `$ref`, `allOf` (merged: properties, `required`,
//! bounds), `oneOf`/`anyOf` (one variant, the discriminator's value set),
//! bases with a `discriminator` (a child is written), `enum`, `example`,
//! `required` (every required property, optional ones too where the
//! nesting, the size budget and recursion allow), `readOnly`/`writeOnly`
//! (left out of requests/answers), `minItems`/`maxItems`/`uniqueItems`,
//! `minProperties`/`maxProperties`, `additionalProperties` (one entry in a
//! map), `minimum`/`maximum` (exclusive too), `multipleOf`,
//! `minLength`/`maxLength`, `pattern` (see [`super::pattern`]) and the
//! common string formats (`date-time`, `date`, `time`, `email`, `uri`,
//! `hostname`, `ipv4`, `ipv6`, `ip`, `uuid`, `byte`, `duration`...).
//! Not honoured: `not` (a value is written as if it were absent: the check
//! that follows catches a conflict), and constraints that only a search
//! could meet (overlapping `oneOf` variants without a discriminator are
//! tried in turn by the caller).

use std::cell::Cell;

use serde_json::{Map, Value, json};

use super::pattern;
use crate::spec::{Direction, Spec, component_name, escape_pointer, resolve};

/// The deepest nesting of values written (`$ref`s, `allOf` and unions do
/// not nest; the load-time cycle check and [`HARD_LIMIT`] bound them).
const MAX_DEPTH: usize = 24;
/// Optional properties (and non-empty arrays and maps) are written down to
/// this nesting.
const OPTIONAL_DEPTH: usize = 5;
/// Schema nodes visited for one value before optional parts are left out.
const BUDGET: usize = 3000;
/// Schema nodes visited for one value at most.
const HARD_LIMIT: usize = 50_000;
/// The most nesting of `allOf` merged.
const MAX_MERGE: usize = 16;
/// The longest string written for one schema (a larger `minLength` is
/// left unmet, and the check that follows reports it).
const MAX_SIZE: usize = 1 << 16;
/// The most items or properties written for one schema (the same for a
/// larger `minItems` or `minProperties`).
const MAX_ENTRIES: usize = 1_000;

/// Whether a candidate matches a pattern (the real regex, look-around and
/// all).
pub(crate) type PatternCheck<'a> = &'a dyn Fn(&str, &str) -> bool;

/// One way of writing values.
pub(crate) struct Generator<'a> {
    pub(crate) spec: &'a Spec,
    pub(crate) direction: Direction,
    /// Use schema-level `example`s.
    pub(crate) examples: bool,
    /// Which variant of each union (and child of each base) to take.
    pub(crate) shift: usize,
    pub(crate) patterns: PatternCheck<'a>,
    visited: Cell<usize>,
}

impl<'a> Generator<'a> {
    pub(crate) fn new(
        spec: &'a Spec,
        direction: Direction,
        examples: bool,
        shift: usize,
        patterns: PatternCheck<'a>,
    ) -> Self {
        Generator {
            spec,
            direction,
            examples,
            shift,
            patterns,
            visited: Cell::new(0),
        }
    }

    /// A value for `schema` (OpenAPI, `$ref`s into the spec's components).
    pub(crate) fn value(&self, schema: &Value) -> Value {
        self.visited.set(0);
        let mut stack = Vec::new();
        self.write(schema, 0, &mut stack, 0)
    }

    fn doc(&self) -> &Value {
        self.spec.doc()
    }

    fn spent(&self) -> bool {
        self.visited.get() > BUDGET
    }

    fn write(&self, schema: &Value, depth: usize, stack: &mut Vec<String>, salt: usize) -> Value {
        self.visited.set(self.visited.get() + 1);
        if depth > MAX_DEPTH || self.visited.get() > HARD_LIMIT {
            return Value::Null;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let Some(name) = component_name(reference) else {
                return Value::Null;
            };
            if let Some((property, children)) = self.spec.discriminated(&name)
                && !children.is_empty()
            {
                let (value, child) = &children[self.shift % children.len()];
                let child =
                    json!({"$ref": format!("#/components/schemas/{}", escape_pointer(child))});
                stack.push(name);
                let mut out = self.write(&child, depth, stack, salt);
                stack.pop();
                if let Value::Object(map) = &mut out {
                    map.insert(property.to_owned(), Value::String(value.clone()));
                }
                return out;
            }
            let target = resolve(self.doc(), schema);
            stack.push(name);
            let out = self.write(target, depth, stack, salt);
            stack.pop();
            return out;
        }
        let Value::Object(map) = schema else {
            return json!({});
        };
        if self.examples
            && let Some(example) = map.get("example")
        {
            return example.clone();
        }
        if map.contains_key("allOf") {
            // The members' names are bases, not recursion: not stacked.
            let merged = self.merge(schema, 0);
            return self.write(&Value::Object(merged), depth, stack, salt);
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            let usable: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            return match usable.len() {
                0 => Value::Null,
                n => usable[salt % n].clone(),
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = map.get(key).and_then(Value::as_array) {
                return self.union(map, key, variants, depth, stack, salt);
            }
        }
        let kind = match map.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if map.contains_key("properties") || map.contains_key("additionalProperties") => {
                "object"
            }
            _ if map.contains_key("items") => "array",
            _ => "",
        };
        match kind {
            "object" => self.object(map, depth, stack),
            "array" => self.array(map, depth, stack),
            "string" => Value::String(self.string(map, salt)),
            "integer" => integer(map, salt),
            "number" => number(map, salt),
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => json!({}),
        }
    }

    fn union(
        &self,
        map: &Map<String, Value>,
        key: &str,
        variants: &[Value],
        depth: usize,
        stack: &mut Vec<String>,
        salt: usize,
    ) -> Value {
        let usable: Vec<&Value> = variants.iter().filter(|v| !self.null_only(v)).collect();
        if usable.is_empty() {
            return Value::Null;
        }
        let variant = usable[self.shift % usable.len()];
        let mut base = map.clone();
        base.remove(key);
        base.remove("discriminator");
        let shared = [
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minProperties",
            "maxProperties",
        ]
        .iter()
        .any(|k| base.contains_key(*k));
        let combined = if shared {
            json!({"allOf": [Value::Object(base), variant]})
        } else {
            variant.clone()
        };
        let mut out = self.write(&combined, depth, stack, salt);
        if let Some(property) = map
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            && let Some(name) = variant
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component_name)
            && let Value::Object(object) = &mut out
        {
            let mapped = map
                .get("discriminator")
                .and_then(|d| d.get("mapping"))
                .and_then(Value::as_object)
                .and_then(|m| {
                    m.iter().find(|(_, target)| {
                        target.as_str().is_some_and(|t| {
                            t == name || component_name(t).is_some_and(|n| n == name)
                        })
                    })
                })
                .map(|(value, _)| value.clone());
            object.insert(property.to_owned(), Value::String(mapped.unwrap_or(name)));
        }
        out
    }

    /// Whether a schema admits `null` only.
    fn null_only(&self, schema: &Value) -> bool {
        let schema = resolve(self.doc(), schema);
        schema.get("type").and_then(Value::as_str) == Some("null")
            || schema
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|v| v.iter().all(Value::is_null))
    }

    /// `schema` with its `allOf` members folded in.
    fn merge(&self, schema: &Value, depth: usize) -> Map<String, Value> {
        let mut out = Map::new();
        self.visited.set(self.visited.get() + 1);
        if depth > MAX_MERGE || self.visited.get() > HARD_LIMIT {
            return out;
        }
        let schema = resolve(self.doc(), schema);
        let Value::Object(map) = schema else {
            return out;
        };
        for (key, value) in map {
            if key == "allOf" || (depth > 0 && key == "example") {
                continue;
            }
            absorb(&mut out, key, value);
        }
        for member in map
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for (key, value) in self.merge(member, depth + 1) {
                if key != "example" {
                    absorb(&mut out, &key, &value);
                }
            }
        }
        out
    }

    /// Whether `schema` leads back to a component being written (directly,
    /// as items or map values, or through a union).
    fn recursive(&self, schema: &Value, stack: &[String]) -> bool {
        self.recursive_at(schema, stack, 0, &mut 0)
    }

    fn recursive_at(
        &self,
        schema: &Value,
        stack: &[String],
        depth: usize,
        visits: &mut usize,
    ) -> bool {
        *visits += 1;
        if depth > 4 || *visits > 256 {
            return false;
        }
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(component_name)
        {
            if stack.contains(&name) {
                return true;
            }
            return self.recursive_at(resolve(self.doc(), schema), stack, depth + 1, visits);
        }
        ["items", "additionalProperties"]
            .iter()
            .filter_map(|k| schema.get(*k))
            .chain(
                ["allOf", "oneOf", "anyOf"]
                    .iter()
                    .filter_map(|k| schema.get(*k).and_then(Value::as_array))
                    .flatten(),
            )
            .any(|s| s.is_object() && self.recursive_at(s, stack, depth + 1, visits))
    }

    /// Whether this direction leaves the property out.
    fn excluded(&self, schema: &Value) -> bool {
        let schema = resolve(self.doc(), schema);
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        schema.get(flag) == Some(&Value::Bool(true))
    }

    fn nullable(&self, schema: &Value) -> bool {
        let schema = resolve(self.doc(), schema);
        schema.get("nullable") == Some(&Value::Bool(true))
    }

    fn object(&self, map: &Map<String, Value>, depth: usize, stack: &mut Vec<String>) -> Value {
        let empty = Map::new();
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut out = Map::new();
        for (name, property) in properties {
            if self.excluded(property) {
                continue;
            }
            let needed = required.contains(&name.as_str());
            let recursive = self.recursive(property, stack);
            if !needed && (depth >= OPTIONAL_DEPTH || self.spent() || recursive) {
                continue;
            }
            if needed && recursive && depth >= OPTIONAL_DEPTH && self.nullable(property) {
                out.insert(name.clone(), Value::Null);
                continue;
            }
            out.insert(name.clone(), self.write(property, depth + 1, stack, 0));
        }
        let additional = map.get("additionalProperties");
        let extra = |this: &Self, stack: &mut Vec<String>| match additional {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(this.write(schema, depth + 1, stack, 0)),
            _ => Some(Value::String("value".into())),
        };
        for name in &required {
            if !out.contains_key(*name) && !properties.contains_key(*name) {
                match extra(self, stack) {
                    Some(value) => out.insert((*name).to_owned(), value),
                    None => out.insert((*name).to_owned(), Value::String("value".into())),
                };
            }
        }
        let is_map = properties.is_empty() && additional.is_some_and(Value::is_object);
        if is_map
            && depth < OPTIONAL_DEPTH
            && !self.spent()
            && !additional.is_some_and(|a| self.recursive(a, stack))
            && let Some(value) = extra(self, stack)
        {
            out.insert("key".into(), value);
        }
        let min = count(map, "minProperties").unwrap_or(0).min(MAX_ENTRIES);
        let mut n = 1;
        while out.len() < min && n <= min + 8 {
            let key = format!("property{n}");
            n += 1;
            if out.contains_key(&key) {
                continue;
            }
            match extra(self, stack) {
                Some(value) => out.insert(key, value),
                None => break,
            };
        }
        if let Some(max) = count(map, "maxProperties") {
            let optional: Vec<String> = out
                .keys()
                .filter(|k| !required.contains(&k.as_str()))
                .cloned()
                .collect();
            for key in optional.iter().rev() {
                if out.len() <= max {
                    break;
                }
                out.remove(key);
            }
        }
        Value::Object(out)
    }

    fn array(&self, map: &Map<String, Value>, depth: usize, stack: &mut Vec<String>) -> Value {
        let empty = json!({});
        let items = map.get("items").unwrap_or(&empty);
        let min = count(map, "minItems").unwrap_or(0);
        let max = count(map, "maxItems").unwrap_or(usize::MAX);
        let want = if depth >= OPTIONAL_DEPTH || self.spent() || self.recursive(items, stack) {
            min
        } else {
            min.max(1)
        };
        let n = want.min(max).min(MAX_ENTRIES);
        Value::Array(
            (0..n)
                .map(|i| self.write(items, depth + 1, stack, i))
                .collect(),
        )
    }

    fn string(&self, map: &Map<String, Value>, salt: usize) -> String {
        let min = count(map, "minLength").unwrap_or(0).min(MAX_SIZE);
        let max = count(map, "maxLength").unwrap_or(usize::MAX);
        let fits = |s: &str| (min..=max).contains(&s.chars().count());
        if let Some(format) = map.get("format").and_then(Value::as_str)
            && let Some(value) = format_value(format, salt)
            && fits(&value)
        {
            return value;
        }
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            let found = pattern::candidates(pattern, min, max, salt)
                .into_iter()
                .find(|c| (self.patterns)(pattern, c));
            if let Some(found) = found {
                return found;
            }
        }
        let mut text = if salt == 0 {
            "string".to_owned()
        } else {
            format!("string{salt}")
        };
        let short = min.saturating_sub(text.chars().count());
        text.extend(std::iter::repeat_n('x', short));
        if text.chars().count() > max {
            text = text.chars().take(max).collect();
        }
        text
    }
}

/// Folds one keyword of an `allOf` member into the merged schema.
fn absorb(out: &mut Map<String, Value>, key: &str, value: &Value) {
    let Some(existing) = out.get_mut(key) else {
        out.insert(key.to_owned(), value.clone());
        return;
    };
    match key {
        "properties" => {
            if let (Value::Object(have), Value::Object(more)) = (existing, value) {
                for (name, schema) in more {
                    match have.get_mut(name) {
                        None => {
                            have.insert(name.clone(), schema.clone());
                        }
                        Some(same) if same == schema => {}
                        Some(other) => {
                            let first = other.take();
                            *other = json!({"allOf": [first, schema]});
                        }
                    }
                }
            }
        }
        "required" => {
            if let (Value::Array(have), Value::Array(more)) = (existing, value) {
                for name in more {
                    if !have.contains(name) {
                        have.push(name.clone());
                    }
                }
            }
        }
        "minimum" | "minLength" | "minItems" | "minProperties"
            if value.as_f64() > existing.as_f64() =>
        {
            *existing = value.clone();
        }
        "maximum" | "maxLength" | "maxItems" | "maxProperties"
            if value.as_f64() < existing.as_f64() =>
        {
            *existing = value.clone();
        }
        "enum" => {
            if let (Value::Array(have), Value::Array(more)) = (&*existing, value) {
                let both: Vec<Value> = have.iter().filter(|v| more.contains(v)).cloned().collect();
                if !both.is_empty() {
                    *existing = Value::Array(both);
                }
            }
        }
        "additionalProperties" if *value == Value::Bool(false) => *existing = value.clone(),
        _ => {}
    }
}

fn count(map: &Map<String, Value>, key: &str) -> Option<usize> {
    map.get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// A value of a string format.
fn format_value(format: &str, salt: usize) -> Option<String> {
    Some(match format {
        "date-time" => format!("2024-01-{:02}T03:04:05Z", 1 + salt % 28),
        "date" => format!("2024-01-{:02}", 1 + salt % 28),
        "time" => "03:04:05Z".to_owned(),
        "email" => format!("user{}@example.com", salt_text(salt)),
        "uri" | "url" | "iri" => format!("https://example.com/{}", salt_text(salt)),
        "uri-reference" | "iri-reference" => format!("/example{}", salt_text(salt)),
        "hostname" | "idn-hostname" => format!("host{}.example.com", salt_text(salt)),
        "ipv4" | "ip" => format!("192.0.2.{}", 1 + salt % 250),
        "ipv6" => format!("2001:db8::{:x}", 1 + salt % 0xfff0),
        "uuid" => format!("00000000-0000-4000-8000-{:012x}", 1 + salt),
        "byte" => "ZGlhbHRvbmU=".to_owned(),
        "duration" => "P1D".to_owned(),
        "regex" => "^a$".to_owned(),
        "json-pointer" => "/a".to_owned(),
        _ => return None,
    })
}

fn salt_text(salt: usize) -> String {
    if salt == 0 {
        String::new()
    } else {
        salt.to_string()
    }
}

/// The bounds of an integer schema: `minimum`/`maximum` (exclusive ones
/// moved in by one) and its `format`'s.
fn integer(map: &Map<String, Value>, salt: usize) -> Value {
    let exclusive = |key: &str| map.get(key) == Some(&Value::Bool(true));
    let mut low = map.get("minimum").and_then(Value::as_f64).map(|m| {
        let c = m.ceil();
        if exclusive("exclusiveMinimum") && c == m {
            c + 1.0
        } else {
            c
        }
    });
    let mut high = map.get("maximum").and_then(Value::as_f64).map(|m| {
        let f = m.floor();
        if exclusive("exclusiveMaximum") && f == m {
            f - 1.0
        } else {
            f
        }
    });
    let format = map
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if format.starts_with("uint") {
        low = Some(low.map_or(0.0, |l| l.max(0.0)));
    }
    let (format_low, format_high) = match format {
        "int8" => (f64::from(i8::MIN), f64::from(i8::MAX)),
        "int16" => (f64::from(i16::MIN), f64::from(i16::MAX)),
        "int32" => (f64::from(i32::MIN), f64::from(i32::MAX)),
        "uint8" => (0.0, f64::from(u8::MAX)),
        "uint16" => (0.0, f64::from(u16::MAX)),
        "uint32" => (0.0, f64::from(u32::MAX)),
        _ => (-9.0e15, 9.0e15),
    };
    low = Some(low.map_or(format_low, |l| l.max(format_low)));
    high = Some(high.map_or(format_high, |h| h.min(format_high)));
    let (low, high) = (low.unwrap_or(format_low), high.unwrap_or(format_high));
    let mut value = (1.0 + salt as f64).clamp(low, high.max(low));
    if let Some(step) = map
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        value = (value / step).ceil() * step;
        if value > high {
            value = (high / step).floor() * step;
        }
    }
    if value >= 0.0 && value <= u64::MAX as f64 && value > i64::MAX as f64 {
        return Value::from(value as u64);
    }
    Value::from(value as i64)
}

fn number(map: &Map<String, Value>, salt: usize) -> Value {
    let exclusive = |key: &str| map.get(key) == Some(&Value::Bool(true));
    let low = map.get("minimum").and_then(Value::as_f64);
    let high = map.get("maximum").and_then(Value::as_f64);
    let mut value = 1.5 + salt as f64;
    if let Some(step) = map
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        value = match low {
            Some(low) => {
                let v = (low / step).ceil() * step;
                if exclusive("exclusiveMinimum") && v <= low {
                    v + step
                } else {
                    v
                }
            }
            None => step * (1 + salt) as f64,
        };
        return serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
    }
    let below = |v: f64| low.is_some_and(|l| v < l || (exclusive("exclusiveMinimum") && v <= l));
    let above = |v: f64| high.is_some_and(|h| v > h || (exclusive("exclusiveMaximum") && v >= h));
    if below(value) || above(value) {
        value = match (low, high) {
            (Some(l), Some(h)) => l + (h - l) / 2.0,
            (Some(l), None) => l + 1.0,
            (None, Some(h)) => h - 1.0,
            (None, None) => value,
        };
    }
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_respect_their_bounds() {
        let int = |s: Value| integer(s.as_object().unwrap(), 0);
        assert_eq!(int(json!({"minimum": 32, "maximum": 320})), json!(32));
        assert_eq!(
            int(json!({"minimum": 0, "exclusiveMinimum": true})),
            json!(1)
        );
        assert_eq!(
            int(json!({"maximum": 0, "exclusiveMaximum": true})),
            json!(-1)
        );
        assert_eq!(int(json!({"minimum": 3, "multipleOf": 5})), json!(5));
        assert_eq!(int(json!({"format": "uint8", "minimum": -5})), json!(1));
        let num = |s: Value| number(s.as_object().unwrap(), 0);
        assert_eq!(num(json!({"minimum": 0, "maximum": 1})), json!(0.5));
        assert_eq!(
            num(json!({"minimum": 0, "exclusiveMinimum": true, "maximum": 100})),
            json!(1.5)
        );
        assert_eq!(
            num(json!({"maximum": 1, "exclusiveMaximum": true})),
            json!(0.0)
        );
    }
}
