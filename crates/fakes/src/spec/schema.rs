//! OpenAPI 3.0 schemas as JSON Schema (draft 4), compiled lazily.
//!
//! The component schemas are converted once per direction (requests and
//! answers differ: a `readOnly` property is never required in a request, a
//! `writeOnly` one never in an answer) into one document each, registered
//! with the `jsonschema` crate under `urn:dialtone:request` and
//! `urn:dialtone:response`. Every `$ref` stays a reference (so recursive
//! schemas are fine and nothing is inlined twice); a schema of an
//! operation is converted where it stands and compiled against that
//! registry the first time a request or answer needs it.
//!
//! The conversion: `nullable` admits `null`; integer `format`s become
//! bounds (`int32`, `int64`, `uint8`...); string formats are checked when
//! the spec asks for it (`uuid`, `byte` and `ip` are added to the draft's
//! own); `oneOf`/`anyOf` with a `discriminator` select their variant by the
//! property's value (mapped values, else the variant's schema name); a
//! schema with a `discriminator` and no `oneOf` (the base of an `allOf`
//! hierarchy) also checks a value against the child its property names,
//! wherever it is used but as an `allOf` member; annotations are dropped.
//! A schema that refers to itself without nesting (which no value could
//! be checked against) is refused at load.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::{MAX_MESSAGE, MAX_PROBLEMS, Problem, SpecError, clip, escape_pointer};

/// Which side of an exchange a schema checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// A request: `readOnly` properties are not required.
    Request,
    /// An answer: `writeOnly` properties are not required.
    Response,
}

impl Direction {
    fn uri(self) -> &'static str {
        match self {
            Direction::Request => "urn:dialtone:request",
            Direction::Response => "urn:dialtone:response",
        }
    }
}

/// The deepest nesting of one schema the conversion follows.
const MAX_DEPTH: usize = 64;
/// The most schemas that checking one value against one schema may visit
/// (through `$ref`, `allOf`, `oneOf`, `anyOf`, `not`): a spec whose unions
/// fan out beyond it (an `allOf` of two refs to a schema that is an
/// `allOf` of two refs ... checks a value 2^n times) is refused.
pub(crate) const MAX_EXPANSION: u64 = 100_000;

/// Characters escaped in a URI fragment.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The name of the component schema a `$ref` names, if it names one as
/// `#/components/schemas/<name>`.
pub fn component_name(reference: &str) -> Option<String> {
    let tail = reference.strip_prefix("#/components/schemas/")?;
    let tail = percent_encoding::percent_decode_str(tail)
        .decode_utf8()
        .ok()?;
    if tail.contains('/') {
        return None;
    }
    Some(tail.replace("~1", "/").replace("~0", "~"))
}

/// The URI of a component (or of its dispatching form).
fn target_uri(direction: Direction, section: &str, name: &str) -> String {
    format!(
        "{}#/{section}/{}",
        direction.uri(),
        utf8_percent_encode(&escape_pointer(name), FRAGMENT)
    )
}

/// The compiled side: the registry of converted components and what
/// every compilation needs.
pub(crate) struct Schemas {
    registry: Registry<'static>,
    formats: bool,
    dispatch: BTreeMap<String, Dispatch>,
    doc: Arc<Value>,
    /// Per component (`components/schemas/<name>`, `dispatch/<name>`): the
    /// schemas checking one value against it visits.
    expansions: BTreeMap<String, u64>,
}

/// How a base schema with a `discriminator` (and no `oneOf`) selects a
/// child: `property` holds one of the values, each naming a component.
struct Dispatch {
    property: String,
    children: Vec<(String, String)>,
}

impl Schemas {
    /// Converts the components of `doc` and registers them.
    pub(crate) fn new(doc: Arc<Value>, formats: bool) -> Result<Arc<Schemas>, SpecError> {
        let components = match doc.pointer("/components/schemas") {
            None => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => {
                return Err(SpecError::new(
                    "#/components/schemas",
                    "must be an object of schemas",
                ));
            }
        };
        let dispatch = dispatch_table(&components)?;
        let mut schemas = Schemas {
            // Replaced below, once the documents are converted.
            registry: Registry::new().prepare().map_err(|e| {
                SpecError::new("#/components/schemas", format!("cannot be registered: {e}"))
            })?,
            formats,
            dispatch,
            doc: doc.clone(),
            expansions: BTreeMap::new(),
        };
        let mut documents = Vec::new();
        for direction in [Direction::Request, Direction::Response] {
            let mut converted = Map::new();
            for (name, schema) in &components {
                let at = format!("#/components/schemas/{}", escape_pointer(name));
                converted.insert(name.clone(), schemas.convert(schema, direction, &at)?);
            }
            let mut dispatch = Map::new();
            for (name, table) in &schemas.dispatch {
                dispatch.insert(name.clone(), table.schema(direction, name));
            }
            if direction == Direction::Request {
                schemas.expansions = check_graph(&converted, &dispatch)?;
            }
            documents.push((
                direction.uri(),
                json!({"components": {"schemas": converted}, "dispatch": dispatch}),
            ));
        }
        let mut builder = Registry::new().draft(Draft::Draft4);
        for (uri, document) in documents {
            builder = builder
                .add(uri, Draft::Draft4.create_resource(document))
                .map_err(|e| {
                    SpecError::new("#/components/schemas", format!("cannot be registered: {e}"))
                })?;
        }
        schemas.registry = builder.prepare().map_err(|e| {
            SpecError::new("#/components/schemas", format!("cannot be registered: {e}"))
        })?;
        Ok(Arc::new(schemas))
    }

    /// `schema` (at JSON pointer `at` of the spec) as a lazily compiled
    /// [`Schema`].
    pub(crate) fn schema(
        self: &Arc<Self>,
        schema: &Value,
        direction: Direction,
        at: &str,
    ) -> Result<Schema, SpecError> {
        let converted = self.convert(schema, direction, at)?;
        if worst(&converted, &self.expansions, 0) > MAX_EXPANSION {
            return Err(fan_out(at));
        }
        Ok(Schema {
            raw: schema.clone(),
            converted,
            direction,
            schemas: self.clone(),
            validator: OnceLock::new(),
        })
    }

    /// The spec's document.
    pub(crate) fn doc(&self) -> &Value {
        &self.doc
    }

    /// For a base schema with a `discriminator` (and no `oneOf`): its
    /// property and children (value, component name).
    pub(crate) fn children(&self, name: &str) -> Option<(&str, &[(String, String)])> {
        self.dispatch
            .get(name)
            .map(|d| (d.property.as_str(), d.children.as_slice()))
    }

    fn convert(&self, schema: &Value, direction: Direction, at: &str) -> Result<Value, SpecError> {
        Converter {
            schemas: self,
            direction,
        }
        .convert(schema, at, 0, false)
    }

    fn compile(&self, schema: &Value) -> Result<Validator, String> {
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&self.registry)
            .should_validate_formats(self.formats)
            .with_format("uuid", is_uuid)
            .with_format("byte", is_base64)
            .with_format("ip", |s: &str| s.parse::<std::net::IpAddr>().is_ok())
            .build(schema)
            .map_err(|e| clip(&e.to_string(), MAX_MESSAGE))
    }
}

impl Dispatch {
    /// The base schema, plus: when the property holds a child's value,
    /// that child too.
    fn schema(&self, direction: Direction, base: &str) -> Value {
        let mut all = vec![json!({"$ref": target_uri(direction, "components/schemas", base)})];
        for (value, child) in &self.children {
            all.push(json!({"anyOf": [
                {"not": {"required": [self.property], "properties": {&self.property: {"enum": [value]}}}},
                {"$ref": target_uri(direction, "components/schemas", child)},
            ]}));
        }
        json!({ "allOf": all })
    }
}

/// The base schemas with a `discriminator` and no `oneOf`/`anyOf`, and
/// their children: the mapping's, then every component whose `allOf`
/// refers to the base directly (by its own name).
fn dispatch_table(
    components: &Map<String, Value>,
) -> Result<BTreeMap<String, Dispatch>, SpecError> {
    // Each component's `allOf` members that refer to a component by name.
    let mut extended: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for (child, schema) in components {
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(base) = member
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component_name)
            {
                extended.entry(base).or_default().push(child);
            }
        }
    }
    let mut table = BTreeMap::new();
    for (name, schema) in components {
        let Some(discriminator) = schema.get("discriminator") else {
            continue;
        };
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            continue;
        }
        let at = format!(
            "#/components/schemas/{}/discriminator",
            escape_pointer(name)
        );
        let property = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| SpecError::new(&at, "`propertyName` must be a string"))?
            .to_owned();
        let mut children = Vec::new();
        let mut mapped = BTreeSet::new();
        for (value, target) in discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(target) = target.as_str().and_then(mapping_target) else {
                return Err(SpecError::new(
                    &format!("{at}/mapping/{}", escape_pointer(value)),
                    "must name a component schema",
                ));
            };
            if !components.contains_key(&target) {
                return Err(SpecError::new(
                    &format!("{at}/mapping/{}", escape_pointer(value)),
                    format!("names a schema that does not exist: {}", clip(&target, 64)),
                ));
            }
            if target != *name {
                mapped.insert(target.clone());
                children.push((value.clone(), target));
            }
        }
        for child in extended.get(name).into_iter().flatten() {
            if *child != name
                && !mapped.contains(*child)
                && !children.iter().any(|(_, c)| c == *child)
            {
                children.push(((*child).clone(), (*child).clone()));
            }
        }
        if !children.is_empty() {
            table.insert(name.clone(), Dispatch { property, children });
        }
    }
    Ok(table)
}

/// A discriminator mapping's target: a `$ref` or a bare schema name.
fn mapping_target(target: &str) -> Option<String> {
    if target.starts_with('#') {
        component_name(target)
    } else if target.contains('/') {
        None
    } else {
        Some(target.to_owned())
    }
}

struct Converter<'a> {
    schemas: &'a Schemas,
    direction: Direction,
}

impl Converter<'_> {
    fn convert(
        &self,
        schema: &Value,
        at: &str,
        depth: usize,
        in_all_of: bool,
    ) -> Result<Value, SpecError> {
        if depth > MAX_DEPTH {
            return Err(SpecError::new(
                at,
                format!("schemas nest deeper than {MAX_DEPTH} levels"),
            ));
        }
        let map = match schema {
            Value::Bool(_) => return Ok(schema.clone()),
            Value::Object(map) => map,
            _ => return Err(SpecError::new(at, "a schema must be an object")),
        };
        if let Some(reference) = map.get("$ref") {
            return self.reference(reference, &format!("{at}/$ref"), in_all_of);
        }
        let mut out = Map::new();
        for (key, value) in map {
            let here = format!("{at}/{}", escape_pointer(key));
            let converted = match key.as_str() {
                "properties" => {
                    let Value::Object(properties) = value else {
                        return Err(SpecError::new(&here, "must be an object of schemas"));
                    };
                    let mut out = Map::new();
                    for (name, property) in properties {
                        let at = format!("{here}/{}", escape_pointer(name));
                        out.insert(name.clone(), self.convert(property, &at, depth + 1, false)?);
                    }
                    Value::Object(out)
                }
                "items" | "not" => self.convert(value, &here, depth + 1, false)?,
                "additionalProperties" => match value {
                    Value::Bool(_) => value.clone(),
                    _ => self.convert(value, &here, depth + 1, false)?,
                },
                "allOf" | "oneOf" | "anyOf" => {
                    let Value::Array(members) = value else {
                        return Err(SpecError::new(&here, "must be an array of schemas"));
                    };
                    let mut out = Vec::with_capacity(members.len());
                    for (i, member) in members.iter().enumerate() {
                        let at = format!("{here}/{i}");
                        out.push(self.convert(member, &at, depth + 1, key == "allOf")?);
                    }
                    if key != "allOf"
                        && let Some(discriminator) = map.get("discriminator")
                    {
                        self.discriminate(&mut out, members, discriminator, at)?;
                    }
                    Value::Array(out)
                }
                "required" => Value::Array(self.required(map, value, &here)?),
                "type" | "enum" | "minimum" | "maximum" | "exclusiveMinimum"
                | "exclusiveMaximum" | "multipleOf" | "minLength" | "maxLength" | "pattern"
                | "minItems" | "maxItems" | "uniqueItems" | "minProperties" | "maxProperties" => {
                    value.clone()
                }
                "format" if self.schemas.formats => value.clone(),
                // Annotations, OpenAPI's own keywords (handled below) and
                // extensions.
                _ => continue,
            };
            out.insert(key.clone(), converted);
        }
        if out.get("type").and_then(Value::as_str) == Some("integer") {
            bound_integer(&mut out, map.get("format").and_then(Value::as_str));
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(nullable(out));
        }
        Ok(Value::Object(out))
    }

    fn reference(&self, reference: &Value, at: &str, in_all_of: bool) -> Result<Value, SpecError> {
        let text = reference
            .as_str()
            .ok_or_else(|| SpecError::new(at, "must be a string"))?;
        let name = component_name(text).ok_or_else(|| {
            SpecError::new(
                at,
                format!(
                    "must refer to `#/components/schemas/<name>` (bundle the spec first), not {}",
                    clip(text, 80)
                ),
            )
        })?;
        if self
            .schemas
            .doc
            .pointer("/components/schemas")
            .and_then(|c| c.get(&name))
            .is_none()
        {
            return Err(SpecError::new(
                at,
                format!(
                    "refers to a schema that does not exist: {}",
                    clip(&name, 80)
                ),
            ));
        }
        let section = if !in_all_of && self.schemas.dispatch.contains_key(&name) {
            "dispatch"
        } else {
            "components/schemas"
        };
        Ok(json!({"$ref": target_uri(self.direction, section, &name)}))
    }

    /// `required` without the properties this direction does not require.
    fn required(
        &self,
        map: &Map<String, Value>,
        value: &Value,
        at: &str,
    ) -> Result<Vec<Value>, SpecError> {
        let Value::Array(names) = value else {
            return Err(SpecError::new(at, "must be an array of names"));
        };
        let skipped = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let properties = map.get("properties");
        Ok(names
            .iter()
            .filter(|name| {
                let Some(property) = name
                    .as_str()
                    .and_then(|n| properties.and_then(|p| p.get(n)))
                else {
                    return true;
                };
                let property = super::resolve(self.schemas.doc(), property);
                property.get(skipped) != Some(&Value::Bool(true))
            })
            .cloned()
            .collect())
    }

    /// Makes each variant of a discriminated `oneOf`/`anyOf` require the
    /// property's value(s) that select it.
    fn discriminate(
        &self,
        variants: &mut [Value],
        raw: &[Value],
        discriminator: &Value,
        at: &str,
    ) -> Result<(), SpecError> {
        let at = format!("{at}/discriminator");
        let property = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| SpecError::new(&at, "`propertyName` must be a string"))?;
        let mapping: Vec<(String, String)> = discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(value, target)| {
                Some((value.clone(), target.as_str().and_then(mapping_target)?))
            })
            .collect();
        for (variant, raw) in variants.iter_mut().zip(raw) {
            let Some(name) = raw
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component_name)
            else {
                continue;
            };
            let mut values: Vec<&str> = mapping
                .iter()
                .filter(|(_, target)| *target == name)
                .map(|(value, _)| value.as_str())
                .collect();
            if values.is_empty() {
                values.push(&name);
            }
            // Variants refer to their schema plainly (not through a base's
            // dispatch), so that no check can come back to itself.
            let plain = json!({"$ref": target_uri(self.direction, "components/schemas", &name)});
            *variant = json!({"allOf": [
                plain,
                {"required": [property], "properties": {property: {"enum": values}}},
            ]});
        }
        Ok(())
    }
}

/// `schema` that also admits `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    let composed = ["allOf", "oneOf", "anyOf", "not"]
        .iter()
        .any(|k| schema.contains_key(*k));
    match schema.get("type").cloned() {
        Some(Value::String(t)) if !composed => {
            schema.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = schema.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            Value::Object(schema)
        }
        _ => json!({"anyOf": [{"type": "null"}, schema]}),
    }
}

/// Gives an integer schema the bounds of its `format` (`int32`, `int64`,
/// `uint8`...; none: `int64`), unless tighter ones are there.
fn bound_integer(schema: &mut Map<String, Value>, format: Option<&str>) {
    let (low, high): (Value, Value) = match format {
        Some("int8") => (i8::MIN.into(), i8::MAX.into()),
        Some("int16") => (i16::MIN.into(), i16::MAX.into()),
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("uint8") => (0.into(), u8::MAX.into()),
        Some("uint16") => (0.into(), u16::MAX.into()),
        Some("uint32") => (0.into(), u32::MAX.into()),
        Some("uint64") => (0.into(), u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let as_f64 = |v: &Value| v.as_f64().unwrap_or(0.0);
    let tighter_low = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .is_some_and(|m| m >= as_f64(&low));
    if !tighter_low {
        schema.insert("minimum".into(), low);
        schema.remove("exclusiveMinimum");
    }
    let tighter_high = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .is_some_and(|m| m <= as_f64(&high));
    if !tighter_high {
        schema.insert("maximum".into(), high);
        schema.remove("exclusiveMaximum");
    }
}

/// Refuses components that refer to themselves without nesting (through
/// `$ref`, `allOf`, `oneOf`, `anyOf` and `not` only, a check would never
/// end) and components whose unions fan out past [`MAX_EXPANSION`];
/// returns each component's expansion.
fn check_graph(
    components: &Map<String, Value>,
    dispatch: &Map<String, Value>,
) -> Result<BTreeMap<String, u64>, SpecError> {
    let mut edges: BTreeMap<String, (Vec<String>, &Value)> = BTreeMap::new();
    for (section, schemas) in [("components/schemas", components), ("dispatch", dispatch)] {
        for (name, schema) in schemas {
            let mut out = Vec::new();
            same_instance_refs(schema, &mut out, 0);
            edges.insert(format!("{section}/{name}"), (out, schema));
        }
    }
    let pointer = |key: &str| {
        let name = key.split_once('/').map_or(key, |(_, n)| n);
        let name = name.strip_prefix("schemas/").unwrap_or(name);
        format!("#/components/schemas/{}", escape_pointer(name))
    };
    let mut expansions: BTreeMap<String, u64> = BTreeMap::new();
    // Iterative depth-first search: 0 unvisited, 1 on the stack, 2 done; a
    // node is done once its targets are, so its expansion can be summed.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    for start in edges.keys() {
        if state.get(start.as_str()).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        state.insert(start, 1);
        while let Some((node, next)) = stack.pop() {
            let targets = edges
                .get(node)
                .map(|(t, _)| t.as_slice())
                .unwrap_or_default();
            if let Some(target) = targets.get(next) {
                stack.push((node, next + 1));
                let Some((key, _)) = edges.get_key_value(target.as_str()) else {
                    continue;
                };
                match state.get(key.as_str()).copied().unwrap_or(0) {
                    0 => {
                        state.insert(key, 1);
                        stack.push((key, 0));
                    }
                    1 => {
                        let base = key.starts_with("dispatch/");
                        return Err(SpecError::new(
                            &pointer(key),
                            if base {
                                "a child of this discriminated schema refers back to it through \
                                 allOf/oneOf/anyOf/not: no value could be checked against it"
                            } else {
                                "refers to itself through $ref/allOf/oneOf/anyOf/not without \
                                 nesting: no value could be checked against it"
                            },
                        ));
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                let schema = edges.get(node).map_or(&Value::Null, |(_, s)| *s);
                let own = walk(schema, &expansions, 0).0;
                expansions.insert(node.to_owned(), own);
            }
        }
    }
    // Every expansion known: each schema nested in a component is checked
    // against its own value.
    for (key, (_, schema)) in &edges {
        if worst(schema, &expansions, 0) > MAX_EXPANSION {
            return Err(fan_out(&pointer(key)));
        }
    }
    Ok(expansions)
}

fn fan_out(at: &str) -> SpecError {
    SpecError::new(
        at,
        format!(
            "checking one value against this schema would visit more than {MAX_EXPANSION} \
             schemas (its allOf/oneOf/anyOf fan out)"
        ),
    )
}

/// The component a converted `$ref` names (`components/schemas/<name>` or
/// `dispatch/<name>`).
fn ref_key(reference: &str) -> Option<String> {
    let (_, fragment) = reference.split_once('#')?;
    let fragment = percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned();
    ["/components/schemas/", "/dispatch/"]
        .iter()
        .find_map(|section| {
            let name = fragment.strip_prefix(section)?;
            Some(format!(
                "{}{}",
                &section[1..],
                name.replace("~1", "/").replace("~0", "~")
            ))
        })
}

/// The largest expansion of any schema within `schema` (each nested value
/// is checked against its own), in one walk.
fn worst(schema: &Value, known: &BTreeMap<String, u64>, depth: usize) -> u64 {
    walk(schema, known, depth).1
}

/// `schema`'s own expansion, and the largest within it.
fn walk(schema: &Value, known: &BTreeMap<String, u64>, depth: usize) -> (u64, u64) {
    if depth > MAX_DEPTH * 2 {
        return (MAX_EXPANSION + 1, MAX_EXPANSION + 1);
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = ref_key(reference).and_then(|k| known.get(&k).copied());
        let own = target.unwrap_or(1).saturating_add(1);
        return (own, own);
    }
    let Value::Object(map) = schema else {
        return (1, 1);
    };
    let mut own: u64 = 1;
    let mut most: u64 = 0;
    for (key, value) in map {
        match (key.as_str(), value) {
            ("allOf" | "oneOf" | "anyOf", Value::Array(members)) => {
                for member in members {
                    let (e, m) = walk(member, known, depth + 1);
                    own = own.saturating_add(e);
                    most = most.max(m);
                }
            }
            ("not", Value::Object(_)) => {
                let (e, m) = walk(value, known, depth + 1);
                own = own.saturating_add(e);
                most = most.max(m);
            }
            ("properties", Value::Object(properties)) => {
                for property in properties.values() {
                    most = most.max(walk(property, known, depth + 1).1);
                }
            }
            ("items" | "additionalProperties", Value::Object(_)) => {
                most = most.max(walk(value, known, depth + 1).1);
            }
            _ => {}
        }
    }
    (own, most.max(own))
}

/// The components (as `components/schemas/<name>` or `dispatch/<name>`)
/// that `schema` refers to for the same value.
fn same_instance_refs(schema: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH * 2 {
        return;
    }
    if let Some(key) = schema.get("$ref").and_then(Value::as_str).and_then(ref_key) {
        out.push(key);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            same_instance_refs(member, out, depth + 1);
        }
    }
    if let Some(not) = schema.get("not") {
        same_instance_refs(not, out, depth + 1);
    }
}

/// Whether `text` is a UUID in its hyphenated form.
fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Whether `text` is standard base64 (RFC 4648, padded).
fn is_base64(text: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok()
}

/// A schema of the spec, converted, compiled on first use.
pub struct Schema {
    raw: Value,
    converted: Value,
    direction: Direction,
    schemas: Arc<Schemas>,
    validator: OnceLock<Result<Validator, String>>,
}

impl Schema {
    /// Every violation of `value` under `prefix`: at most [`MAX_PROBLEMS`],
    /// each message at most [`MAX_MESSAGE`] characters (the validator quotes
    /// the value, and a request's value can be large).
    ///
    /// The validator's message quotes the value; for a credential (a field
    /// named like a password, secret, token or key) the message names the
    /// rule only, so that no answer repeats a credential.
    pub fn problems(&self, prefix: &str, value: &Value) -> Vec<Problem> {
        let validator = match self.validator() {
            Ok(validator) => validator,
            Err(why) => {
                return vec![Problem {
                    field: prefix.to_owned(),
                    keyword: "schema".into(),
                    message: clip(
                        &format!("the spec's schema cannot be compiled: {why}"),
                        MAX_MESSAGE,
                    ),
                }];
            }
        };
        validator
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

    /// Whether `value` is valid.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator().is_ok_and(|v| v.is_valid(value))
    }

    /// The compiled validator, or why the schema does not compile.
    pub fn validator(&self) -> Result<&Validator, &str> {
        self.validator
            .get_or_init(|| self.schemas.compile(&self.converted))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The schema as the spec writes it (OpenAPI, `$ref`s unresolved).
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The schema as draft 4 JSON Schema (`$ref`s into the registered
    /// components).
    pub fn converted(&self) -> &Value {
        &self.converted
    }

    /// Which side of an exchange it checks.
    pub fn direction(&self) -> Direction {
        self.direction
    }
}

/// Whether a field (`body/data/api_key`, `header.authorization`) holds a
/// credential.
pub(crate) fn is_credential(field: &str) -> bool {
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
        "cookie",
        "api-key",
        "session",
        "auth",
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

/// `schema` with its `$ref`s replaced by their targets, to at most `depth`
/// levels (an empty schema below): for code that walks a schema's shape
/// (the faults that alter an answer).
pub fn inline_refs(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth == 0 {
        return json!({});
    }
    let schema = super::resolve(doc, schema);
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "properties" => Value::Object(
                            v.as_object()
                                .into_iter()
                                .flatten()
                                .map(|(name, s)| (name.clone(), inline_refs(doc, s, depth - 1)))
                                .collect(),
                        ),
                        "items" | "additionalProperties" | "not" if v.is_object() => {
                            inline_refs(doc, v, depth - 1)
                        }
                        "allOf" | "oneOf" | "anyOf" => Value::Array(
                            v.as_array()
                                .into_iter()
                                .flatten()
                                .map(|s| inline_refs(doc, s, depth - 1))
                                .collect(),
                        ),
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
