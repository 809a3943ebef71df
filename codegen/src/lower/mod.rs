//! Lowering: `openapiv3::OpenAPI` -> [`ir::Api`]. The only stage that can
//! fail; every error names the spec file and the JSON pointer of the node.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use openapiv3::{
    APIKeyLocation, AdditionalProperties, ArrayType, IntegerType, MediaType, NumberType,
    ObjectType, OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody,
    Response, Schema, SchemaData, SchemaKind, SecurityScheme, StatusCode, StringType, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::limits::MAX_SCHEMA_DEPTH;
use crate::names::{Scope, camel, snake};

mod compose;
mod digest;
mod extensions;
mod refs;

use extensions::*;
use refs::component_key;

/// Type names the generated crate uses itself (or that would shadow the
/// prelude in generated code).
const RESERVED_TYPES: &[&str] = &[
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Drop",
    "Eq",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "Iterator",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Send",
    "Sized",
    "Sync",
    "ToOwned",
    "ToString",
    "BTreeMap",
    "Client",
    "ClientBuilder",
    "Err",
    "Error",
    "FieldPath",
    "InvalidRequest",
    "None",
    "Ok",
    "Option",
    // Re-exported by every generated crate's root.
    "Grant",
    "RateLimitGroup",
    "RetryPolicy",
    "Result",
    "Secret",
    "Self_",
    "Some",
    "String",
    "Validate",
    "Value",
    "Vec",
];
/// Methods of the generated `Client` itself.
const RESERVED_CLIENT_METHODS: &[&str] = &[
    "builder",
    "clone",
    "fmt",
    "from_runtime",
    "revoke_auth",
    "runtime",
];
/// Methods and fields of every request builder.
const RESERVED_BUILDER_NAMES: &[&str] = &[
    "basic",
    "basic_auth",
    "body",
    "client",
    "into_pages",
    "into_stream",
    "new",
    "send",
    "send_enveloped",
    "send_raw",
    "timeout",
];
/// Methods of the generated `ClientBuilder`.
const RESERVED_BUILDER_METHODS: &[&str] = &[
    "auth",
    "build",
    "connect_timeout",
    "default_header",
    "http_client",
    "new",
    "no_rate_limit",
    "no_retries",
    "rate_limit",
    "retry_policy",
    "timeout",
    "user_agent",
];

/// Lowers a parsed spec into the IR. With `strict`, anything that would
/// be skipped (an operation, a parameter, a schema decoded as JSON) is an
/// error instead.
pub fn lower(file: &str, vendor: &str, doc: &OpenAPI, strict: bool) -> Result<Api, Error> {
    lower_with(file, vendor, doc, strict, usize::MAX)
}

/// [`lower`], where merging `allOf` members may produce at most
/// `merge_budget` fields in all (the rest are decoded as JSON values), so
/// that chains and diamonds of `allOf` cannot multiply the output.
pub fn lower_with(
    file: &str,
    vendor: &str,
    doc: &OpenAPI,
    strict: bool,
    merge_budget: usize,
) -> Result<Api, Error> {
    let mut lowerer = Lowerer {
        file,
        doc,
        strict,
        skipped: Vec::new(),
        types: Vec::new(),
        type_names: Scope::with_reserved(RESERVED_TYPES),
        components: BTreeMap::new(),
        resolving: BTreeSet::new(),
        patterns: Vec::new(),
        envelope: EnvelopeConfig::default(),
        inline: BTreeMap::new(),
        depth: 0,
        reported: HashSet::new(),
        merge_budget,
    };
    lowerer.envelope = lowerer.envelope_config()?;
    lowerer.name_components();
    lowerer.lower_components()?;
    let (operations, examples) = lowerer.operations()?;
    lowerer.break_alias_cycles();
    lowerer.box_cycles();
    lowerer.box_deep_nesting();
    let auth = lowerer.security_schemes(&operations)?;
    let error_type = lowerer.error_type()?;
    let request_id_header = lowerer.request_id_header()?;
    let errcode = lowerer.errcode()?;
    let rate_limits = lowerer.rate_limits()?;
    let digests = lowerer.digests()?;
    let example_operation = lowerer.example_operation(&operations)?;
    Ok(Api {
        vendor: vendor.to_owned(),
        crate_name: format!("dialtone-{vendor}"),
        spec_file: file.to_owned(),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        default_server: doc.servers.first().map(|server| {
            let mut url = server.url.clone();
            for (name, var) in server.variables.iter().flatten() {
                url = url.replace(&format!("{{{name}}}"), &var.default);
            }
            url
        }),
        auth,
        operations,
        types: lowerer.types,
        patterns: lowerer.patterns,
        error_type,
        request_id_header,
        rate_limits,
        errcode,
        example_operation,
        examples,
        skipped: lowerer.skipped,
        digests,
    })
}

struct Lowerer<'a> {
    file: &'a str,
    doc: &'a OpenAPI,
    /// Refuse instead of skipping.
    strict: bool,
    /// What was skipped or ignored so far.
    skipped: Vec<Skipped>,
    types: Vec<TypeDef>,
    type_names: Scope,
    /// Component schema key -> Rust name, for components that are named types.
    components: BTreeMap<String, String>,
    /// Components being inlined right now (to refuse alias cycles).
    resolving: BTreeSet<String>,
    patterns: Vec<String>,
    envelope: EnvelopeConfig,
    /// Inline named types already lowered, by pointer, so that a schema
    /// met twice (a shared response) yields one type.
    inline: BTreeMap<String, TypeRef>,
    /// How many schemas deep lowering is now.
    depth: usize,
    /// (pointer, reason) of every skip and note, so each is listed once.
    reported: HashSet<(String, String)>,
    /// How many more fields merging `allOf` members may produce.
    merge_budget: usize,
}

impl<'a> Lowerer<'a> {
    /// Records `err` as a skip of `unit` and goes on, or (strict) fails.
    fn soften(&mut self, err: Error, unit: SkipUnit) -> Result<(), Error> {
        if self.strict {
            return Err(err);
        }
        let reason = match &err.found {
            Some(found) => format!("expected {}, found {found}", err.expected),
            None => format!("expected {}", err.expected),
        };
        // A schema inlined at several uses reports once.
        if self.reported.insert((err.pointer.clone(), reason.clone())) {
            self.skipped.push(Skipped {
                unit,
                pointer: err.pointer,
                reason,
            });
        }
        Ok(())
    }

    /// Records a keyword that is ignored (never an error).
    fn note(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        let (pointer, reason) = (pointer.into(), reason.into());
        if self.reported.insert((pointer.clone(), reason.clone())) {
            self.skipped.push(Skipped {
                unit: SkipUnit::Ignored,
                pointer,
                reason,
            });
        }
    }

    /// "expected X, found <the kind of `found`>".
    fn wrong_kind(
        &self,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: &Value,
    ) -> Error {
        self.err(
            pointer,
            expected,
            Some(crate::parse::kind_of(found).to_owned()),
        )
    }

    fn err(
        &self,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: Option<String>,
    ) -> Error {
        Error::new(self.file, pointer, expected, found)
    }

    // ----- extensions -------------------------------------------------

    // ----- components -------------------------------------------------

    fn component_schemas(
        &self,
    ) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> + use<'a> {
        let doc: &'a OpenAPI = self.doc;
        doc.components.iter().flat_map(|c| c.schemas.iter())
    }

    fn name_components(&mut self) {
        let keys: Vec<String> = self
            .component_schemas()
            .filter(|(_, s)| matches!(s, ReferenceOr::Item(schema) if compose::is_named(schema)))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            let name = self.type_names.claim(camel(&key));
            self.components.insert(key, name);
        }
    }

    fn lower_components(&mut self) -> Result<(), Error> {
        for (key, schema) in self.component_schemas() {
            let pointer = push_pointer("/components/schemas", key);
            match (schema, self.components.get(key).cloned()) {
                (ReferenceOr::Item(schema), Some(name)) => {
                    self.named_schema(name, schema, &pointer)?;
                }
                (ReferenceOr::Item(schema), None) => {
                    if let Err(err) = self.schema(schema, &pointer, &camel(key)) {
                        self.soften(err, SkipUnit::Schema)?;
                    }
                }
                (ReferenceOr::Reference { reference }, _) => {
                    if let Err(err) = self.schema_reference(reference, &pointer) {
                        self.soften(err, SkipUnit::Schema)?;
                    }
                }
            }
        }
        Ok(())
    }

    // ----- schemas ----------------------------------------------------

    fn schema_or_ref(
        &mut self,
        schema: &ReferenceOr<Schema>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.schema_reference(reference, pointer),
            ReferenceOr::Item(schema) => self.schema(schema, pointer, hint),
        }
    }

    fn boxed_schema_or_ref(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.schema_reference(reference, pointer),
            ReferenceOr::Item(schema) => self.schema(schema, pointer, hint),
        }
    }

    /// Runs `f` one schema deeper, refusing (before the stack can run
    /// out) schemas nested past [`MAX_SCHEMA_DEPTH`] through `$ref`s,
    /// `items`, properties and composition together.
    fn descend<T>(
        &mut self,
        pointer: &str,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.depth >= MAX_SCHEMA_DEPTH {
            return Err(self.err(
                pointer,
                format!(
                    "schemas nested at most {MAX_SCHEMA_DEPTH} deep (counting $refs, items, properties and allOf/oneOf/anyOf members)"
                ),
                Some("deeper nesting".to_owned()),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// Follows `#/components/schemas/Name`.
    fn schema_reference(&mut self, reference: &str, pointer: &str) -> Result<TypeRef, Error> {
        self.descend(pointer, |this| this.schema_reference_at(reference, pointer))
    }

    fn schema_reference_at(&mut self, reference: &str, pointer: &str) -> Result<TypeRef, Error> {
        let key = self.local_ref(reference, "schemas", pointer)?;
        if let Some(name) = self.components.get(&key) {
            return Ok(TypeRef::Named(name.clone()));
        }
        let target = self
            .doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(&key))
            .ok_or_else(|| self.dangling(reference, pointer))?;
        if !self.resolving.insert(key.clone()) {
            return Err(self.err(
                push_pointer(pointer, "$ref"),
                "a schema that does not refer to itself through aliases only (recursion needs an object in between)",
                Some(format!("a cycle through \"{reference}\"")),
            ));
        }
        let target_pointer = push_pointer("/components/schemas", &key);
        let result = match target {
            ReferenceOr::Reference { reference } => {
                self.schema_reference(reference, &target_pointer)
            }
            ReferenceOr::Item(schema) => self.schema(schema, &target_pointer, &camel(&key)),
        };
        self.resolving.remove(&key);
        result
    }

    fn schema(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        self.descend(pointer, |this| this.schema_at(schema, pointer, hint))
    }

    fn schema_at(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        let schema = compose::normalize(schema);
        if let Some(member) = compose::single_member(&schema) {
            let (keyword, members) = match &schema.schema_kind {
                SchemaKind::AllOf { all_of } => ("allOf", all_of),
                SchemaKind::OneOf { one_of } => ("oneOf", one_of),
                SchemaKind::AnyOf { any_of } => ("anyOf", any_of),
                _ => unreachable!("single_member only answers for compositions"),
            };
            let index = members
                .iter()
                .position(|m| std::ptr::eq(m, member))
                .unwrap_or(0);
            let at = push_pointer(&push_pointer(pointer, keyword), &index.to_string());
            let mut ty = self.schema_or_ref(member, &at, hint)?;
            if let (ReferenceOr::Item(s), TypeRef::String(_)) = (member, &ty)
                && s.schema_data.extensions.get(EXT_SECRET) == Some(&Value::Bool(true))
            {
                ty = into_secret(ty);
            }
            return Ok(ty);
        }
        if compose::is_named(&schema) {
            if let Some(done) = self.inline.get(pointer) {
                return Ok(done.clone());
            }
            let name = self.type_names.claim(camel(hint));
            self.inline
                .insert(pointer.to_owned(), TypeRef::Named(name.clone()));
            self.named_schema(name.clone(), &schema, pointer)?;
            return Ok(TypeRef::Named(name));
        }
        let data = &schema.schema_data;
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => self.string(s, data, pointer),
            SchemaKind::Type(Type::Integer(i)) => Ok(self.integer(i)),
            SchemaKind::Type(Type::Number(n)) => Ok(number(n)),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Bool),
            SchemaKind::Type(Type::Array(a)) => self.array(a, pointer, hint),
            SchemaKind::Type(Type::Object(o)) => self.map(o, pointer, hint),
            SchemaKind::Not { .. } => {
                self.note(
                    push_pointer(pointer, "not"),
                    "`not` is ignored: the value is any JSON value (serde_json::Value)",
                );
                Ok(TypeRef::Json)
            }
            // `{}`, empty compositions and mixed-type enums: any JSON value.
            _ => Ok(TypeRef::Json),
        }
    }

    fn named_schema(&mut self, name: String, schema: &Schema, pointer: &str) -> Result<(), Error> {
        let schema = compose::normalize(schema);
        let docs = schema.schema_data.description.clone();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let mut scope = Scope::with_reserved(&["Unrecognized"]);
                let mut seen = BTreeSet::new();
                let variants = s
                    .enumeration
                    .iter()
                    .flatten()
                    .filter(|wire| seen.insert(wire.as_str()))
                    .map(|wire| Variant {
                        wire_name: wire.clone(),
                        rust_name: scope.claim(camel(wire)),
                    })
                    .collect();
                self.types.push(TypeDef {
                    name,
                    docs,
                    kind: TypeKind::Enum { variants },
                    pointer: pointer.to_owned(),
                });
                Ok(())
            }
            SchemaKind::Type(Type::Object(obj)) => self.object(name, obj, docs, pointer),
            SchemaKind::OneOf { one_of } => self.union_def(name, &schema, one_of, "oneOf", pointer),
            SchemaKind::AnyOf { any_of } => self.union_def(name, &schema, any_of, "anyOf", pointer),
            SchemaKind::AllOf { all_of } => self.all_of_def(name, &schema, all_of, pointer),
            _ => {
                // Not reachable through `is_named`; kept total so that no
                // input can make lowering panic.
                self.types.push(TypeDef {
                    name,
                    docs,
                    kind: TypeKind::Alias(TypeRef::Json),
                    pointer: pointer.to_owned(),
                });
                Ok(())
            }
        }
    }

    fn object(
        &mut self,
        name: String,
        obj: &ObjectType,
        docs: Option<String>,
        pointer: &str,
    ) -> Result<(), Error> {
        let properties_pointer = push_pointer(pointer, "properties");
        let properties: Vec<(String, ReferenceOr<Box<Schema>>, String)> = obj
            .properties
            .iter()
            .map(|(wire, prop)| {
                (
                    wire.clone(),
                    prop.clone(),
                    push_pointer(&properties_pointer, wire),
                )
            })
            .collect();
        let extra = !matches!(
            &obj.additional_properties,
            None | Some(AdditionalProperties::Any(false))
        );
        self.struct_def(name, docs, &properties, &obj.required, extra, pointer)?;
        Ok(())
    }

    /// Pushes a struct of `properties` (wire name, schema, pointer) and
    /// returns its index in `types`.
    fn struct_def(
        &mut self,
        name: String,
        docs: Option<String>,
        properties: &[(String, ReferenceOr<Box<Schema>>, String)],
        required: &[String],
        extra: bool,
        pointer: &str,
    ) -> Result<usize, Error> {
        // Reserve the slot first so that a type comes before the inline
        // types of its fields.
        let slot = self.types.len();
        self.types.push(TypeDef {
            name: name.clone(),
            docs,
            kind: TypeKind::Struct {
                fields: Vec::new(),
                extra: None,
            },
            pointer: pointer.to_owned(),
        });
        let declared: HashSet<&str> = properties.iter().map(|(w, _, _)| w.as_str()).collect();
        for (index, r) in required.iter().enumerate() {
            if !declared.contains(r.as_str()) {
                self.soften(
                    self.err(
                        push_pointer(&push_pointer(pointer, "required"), &index.to_string()),
                        "the name of a property listed in `properties`",
                        Some(format!("\"{r}\"")),
                    ),
                    SkipUnit::Ignored,
                )?;
            }
        }
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire, prop, prop_pointer) in properties {
            let hint = format!("{name}{}", camel(wire));
            let mut ty = match self.boxed_schema_or_ref(prop, prop_pointer, &hint) {
                Ok(ty) => ty,
                Err(err) => {
                    self.soften(err, SkipUnit::Schema)?;
                    TypeRef::Json
                }
            };
            let mut lenient = false;
            let nullable = matches!(prop, ReferenceOr::Item(s) if s.schema_data.nullable);
            let docs = match prop {
                ReferenceOr::Item(s) => {
                    if s.schema_data.extensions.get(EXT_SECRET) == Some(&Value::Bool(true)) {
                        ty = into_secret(ty);
                    }
                    if s.schema_data.extensions.get(EXT_LENIENT) == Some(&Value::Bool(true)) {
                        if ty != TypeRef::Bool {
                            return Err(self.err(
                                push_pointer(prop_pointer, EXT_LENIENT),
                                "x-dialtone-lenient on a boolean property (only booleans have a lenient decoder)",
                                None,
                            ));
                        }
                        lenient = true;
                    }
                    s.schema_data.description.clone()
                }
                ReferenceOr::Reference { reference } => self.referenced_description(reference),
            };
            fields.push(Field {
                wire_name: wire.clone(),
                rust_name: scope.claim(snake(wire)),
                ty,
                required: required.contains(wire),
                docs,
                lenient,
                nullable,
                boxed: false,
                flatten: false,
            });
        }
        let extra = extra.then(|| scope.claim("extra".to_owned()));
        self.types[slot].kind = TypeKind::Struct { fields, extra };
        Ok(slot)
    }

    fn referenced_description(&self, reference: &str) -> Option<String> {
        let key = component_key(reference, "#/components/schemas/")?;
        match self.doc.components.as_ref()?.schemas.get(&key)? {
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        }
    }

    fn string(
        &mut self,
        s: &StringType,
        data: &SchemaData,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        let mut c = Constraints {
            min_length: s.min_length,
            max_length: s.max_length,
            ..Constraints::default()
        };
        match &s.format {
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Byte) => {
                return Ok(TypeRef::Base64);
            }
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary) => {
                return Ok(TypeRef::Binary);
            }
            _ => {}
        }
        if let Some(pattern) = &s.pattern {
            if let Err(err) = regex::Regex::new(pattern) {
                let err = self.err(
                    push_pointer(pointer, "pattern"),
                    "a regular expression the `regex` crate accepts (no look-around or back-references)",
                    Some(err.to_string().lines().last().unwrap_or_default().trim().to_owned()),
                );
                self.soften(err, SkipUnit::Ignored)?;
                return Ok(TypeRef::String(c));
            }
            let index = match self.patterns.iter().position(|p| p == pattern) {
                Some(index) => index,
                None => {
                    self.patterns.push(pattern.clone());
                    self.patterns.len() - 1
                }
            };
            c.pattern = Some(index);
        }
        let secret = matches!(
            &s.format,
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password)
        ) || data.extensions.get(EXT_SECRET) == Some(&Value::Bool(true));
        Ok(if secret {
            TypeRef::Secret(c)
        } else {
            TypeRef::String(c)
        })
    }

    fn integer(&self, i: &IntegerType) -> TypeRef {
        let bits = match &i.format {
            VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => 32,
            _ => 64,
        };
        let minimum = i
            .minimum
            .map(|m| if i.exclusive_minimum { m + 1 } else { m });
        let maximum = i
            .maximum
            .map(|m| if i.exclusive_maximum { m - 1 } else { m });
        TypeRef::Integer {
            bits,
            constraints: Constraints {
                minimum: minimum.map(|m| m as f64),
                maximum: maximum.map(|m| m as f64),
                int_values: i.enumeration.iter().flatten().copied().collect(),
                ..Constraints::default()
            },
        }
    }

    fn array(&mut self, a: &ArrayType, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        // Without `items`, any items are allowed.
        let inner = match &a.items {
            None => TypeRef::Json,
            Some(items) => self.boxed_schema_or_ref(
                items,
                &push_pointer(pointer, "items"),
                &format!("{hint}Item"),
            )?,
        };
        Ok(TypeRef::Array(
            Box::new(inner),
            Constraints {
                min_items: a.min_items,
                max_items: a.max_items,
                ..Constraints::default()
            },
        ))
    }

    fn map(&mut self, o: &ObjectType, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        match &o.additional_properties {
            Some(AdditionalProperties::Schema(schema)) => {
                let inner = self.schema_or_ref(
                    schema,
                    &push_pointer(pointer, "additionalProperties"),
                    &format!("{hint}Value"),
                )?;
                Ok(TypeRef::Map(Box::new(inner)))
            }
            _ => Ok(TypeRef::Map(Box::new(TypeRef::Json))),
        }
    }

    // ----- security ---------------------------------------------------

    fn token_call<'o>(
        &self,
        ops: &'o [Operation],
        id: &str,
        pointer: &str,
    ) -> Result<(TokenCall, &'o Operation), Error> {
        let op = ops.iter().find(|o| o.id == id).ok_or_else(|| {
            self.err(
                pointer,
                "the operationId of an operation in this spec",
                Some(format!("\"{id}\"")),
            )
        })?;
        if op.path.iter().any(|s| matches!(s, Segment::Param(_))) {
            return Err(self.err(
                pointer,
                "a token operation whose path has no parameters",
                Some(op.path_template.clone()),
            ));
        }
        Ok((
            TokenCall {
                operation: op.id.clone(),
                http_method: op.http_method,
                path: op.path_template.clone(),
                field: None,
                token: None,
                rate_group: op.throttling_group.clone(),
            },
            op,
        ))
    }

    fn lifecycle(
        &self,
        value: &Value,
        pointer: &str,
        ops: &[Operation],
        scope: &mut Scope,
    ) -> Result<Lifecycle, Error> {
        let text = |v: &Value, key: &str, at: &str| -> Result<String, Error> {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    self.err(
                        push_pointer(at, key),
                        "a string",
                        v.get(key).map(|x| crate::parse::kind_of(x).to_owned()),
                    )
                })
        };
        let optional = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        match value.get("kind").and_then(Value::as_str) {
            Some("token-exchange") => {
                let logins_pointer = push_pointer(pointer, "logins");
                let Some(Value::Array(items)) = value.get("logins") else {
                    return Err(self.err(
                        logins_pointer,
                        "a list of logins ({method, operation, token, expires_in?, lifetime?})",
                        None,
                    ));
                };
                let mut logins = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let at = push_pointer(&logins_pointer, &i.to_string());
                    let id = text(item, "operation", &at)?;
                    let (call, op) = self.token_call(ops, &id, &push_pointer(&at, "operation"))?;
                    let body = match &op.body {
                        Some(Body {
                            media: Media::Json,
                            envelope: Some(env),
                            ..
                        }) => TypeRef::Named(env.type_name.clone()),
                        Some(Body {
                            media: Media::Json,
                            ty,
                            ..
                        }) => ty.clone(),
                        _ => {
                            return Err(self.err(
                                push_pointer(&at, "operation"),
                                "a login operation with a JSON body",
                                Some(format!("`{id}`")),
                            ));
                        }
                    };
                    logins.push(Login {
                        method: scope.claim(snake(&text(item, "method", &at)?)),
                        call,
                        body,
                        token: text(item, "token", &at)?,
                        expires_in: optional(item, "expires_in"),
                        lifetime: item.get("lifetime").and_then(Value::as_u64),
                    });
                }
                let refresh = match value.get("refresh") {
                    None => None,
                    Some(r) => {
                        let at = push_pointer(pointer, "refresh");
                        let id = text(r, "operation", &at)?;
                        let (mut call, _) =
                            self.token_call(ops, &id, &push_pointer(&at, "operation"))?;
                        call.field = Some(text(r, "field", &at)?);
                        call.token = Some(text(r, "token", &at)?);
                        Some(call)
                    }
                };
                let revoke = match optional(value, "revoke") {
                    Some(id) => Some(
                        self.token_call(ops, &id, &push_pointer(pointer, "revoke"))?
                            .0,
                    ),
                    None => None,
                };
                Ok(Lifecycle::Exchange {
                    logins,
                    refresh,
                    revoke,
                })
            }
            Some("oauth2") => {
                let id = text(value, "token", pointer)?;
                let (token, _) = self.token_call(ops, &id, &push_pointer(pointer, "token"))?;
                let revoke = match optional(value, "revoke") {
                    Some(id) => Some(
                        self.token_call(ops, &id, &push_pointer(pointer, "revoke"))?
                            .0,
                    ),
                    None => None,
                };
                Ok(Lifecycle::OAuth2 {
                    method: scope.claim("oauth".to_owned()),
                    token,
                    revoke,
                })
            }
            other => Err(self.err(
                push_pointer(pointer, "kind"),
                "`token-exchange` or `oauth2`",
                other.map(|s| format!("\"{s}\"")),
            )),
        }
    }

    fn security_schemes(&self, ops: &[Operation]) -> Result<Vec<AuthScheme>, Error> {
        let mut scope = Scope::with_reserved(RESERVED_BUILDER_METHODS);
        let mut out = Vec::new();
        for (key, scheme) in self
            .doc
            .components
            .iter()
            .flat_map(|c| c.security_schemes.iter())
        {
            let pointer = push_pointer("/components/securitySchemes", key);
            let ReferenceOr::Item(scheme) = scheme else {
                return Err(self.err(
                    pointer,
                    "a security scheme written in place",
                    Some("a $ref".to_owned()),
                ));
            };
            let (kind, docs, extensions) = match scheme {
                SecurityScheme::APIKey {
                    location: APIKeyLocation::Header,
                    name,
                    description,
                    extensions,
                } => (
                    AuthKind::Header(name.to_ascii_lowercase()),
                    description,
                    extensions,
                ),
                SecurityScheme::APIKey {
                    location: APIKeyLocation::Query,
                    name,
                    description,
                    extensions,
                } => (AuthKind::Query(name.clone()), description, extensions),
                SecurityScheme::HTTP {
                    scheme,
                    description,
                    extensions,
                    ..
                } if scheme.eq_ignore_ascii_case("bearer") => {
                    (AuthKind::Bearer, description, extensions)
                }
                SecurityScheme::OAuth2 {
                    description,
                    extensions,
                    ..
                }
                | SecurityScheme::OpenIDConnect {
                    description,
                    extensions,
                    ..
                } => (AuthKind::Bearer, description, extensions),
                // Cookie API keys and HTTP basic (only used to obtain
                // tokens) get no builder method; the runtime's auth
                // providers handle token endpoints.
                _ => continue,
            };
            if let AuthKind::Header(name) = &kind
                && reqwest_header_ok(name).is_err()
            {
                return Err(self.err(
                    push_pointer(&pointer, "name"),
                    "a valid HTTP header name",
                    Some(format!("\"{name}\"")),
                ));
            }
            let method = scope.claim(snake(key));
            let lifecycle = match extensions.get(EXT_AUTH) {
                None => None,
                Some(value) => Some(self.lifecycle(
                    value,
                    &push_pointer(&pointer, EXT_AUTH),
                    ops,
                    &mut scope,
                )?),
            };
            out.push(AuthScheme {
                key: key.clone(),
                method,
                kind,
                docs: docs.clone(),
                lifecycle,
            });
        }
        Ok(out)
    }

    // ----- operations -------------------------------------------------

    fn operations(&mut self) -> Result<(Vec<Operation>, Vec<Example>), Error> {
        let mut methods = Scope::with_reserved(RESERVED_CLIENT_METHODS);
        // Builders share operations.rs with the prelude's names.
        let mut builders = Scope::with_reserved(RESERVED_TYPES);
        let mut example_names = Scope::default();
        let mut operations = Vec::new();
        let mut examples = Vec::new();
        for (path, item) in self.doc.paths.paths.iter() {
            let path_pointer = push_pointer("/paths", path);
            let ReferenceOr::Item(item) = item else {
                self.soften(
                    self.err(
                        path_pointer,
                        "a path item written in place",
                        Some("a $ref".to_owned()),
                    ),
                    SkipUnit::Operation,
                )?;
                continue;
            };
            for (method, op) in item.iter() {
                let pointer = push_pointer(&path_pointer, method);
                let http_method = match method {
                    "get" => HttpMethod::Get,
                    "put" => HttpMethod::Put,
                    "post" => HttpMethod::Post,
                    "delete" => HttpMethod::Delete,
                    "patch" => HttpMethod::Patch,
                    "head" => HttpMethod::Head,
                    "options" => HttpMethod::Options,
                    _ => HttpMethod::Trace,
                };
                let id = op
                    .operation_id
                    .clone()
                    .filter(|id| !id.trim().is_empty())
                    .unwrap_or_else(|| snake(&format!("{method} {path}")));
                // Lowered on a copy of the name scopes and examples, so that
                // a skipped operation leaves no trace.
                let (mut m, mut b, mut e) =
                    (methods.clone(), builders.clone(), example_names.clone());
                let examples_before = examples.len();
                let lowered = (|| -> Result<Vec<Operation>, Error> {
                    let method_name = m.claim(snake(&id));
                    let builder_name = b.claim(camel(&id));
                    let mut operation = self.operation(
                        OperationInput {
                            id: id.clone(),
                            method_name,
                            builder_name,
                            http_method,
                            path,
                            path_params: &item.parameters,
                            path_pointer: path_pointer.clone(),
                            op,
                            pointer: pointer.clone(),
                        },
                        &mut b,
                    )?;
                    self.examples_of(op, &pointer, &operation, &mut e, &mut examples)?;
                    operation.statuses = statuses(op);
                    operation.response_headers = self.response_headers(op);
                    let batch = match op.extensions.get(EXT_BATCH) {
                        Some(value) => Some(self.batch_operation(
                            &operation,
                            op,
                            value,
                            &push_pointer(&pointer, EXT_BATCH),
                            &mut m,
                            &mut b,
                        )?),
                        None => None,
                    };
                    Ok(std::iter::once(operation).chain(batch).collect())
                })();
                match lowered {
                    Ok(ops) => {
                        operations.extend(ops);
                        (methods, builders, example_names) = (m, b, e);
                    }
                    Err(err) => {
                        examples.truncate(examples_before);
                        if self.strict {
                            return Err(err);
                        }
                        // Listed under the operation, with where inside it
                        // the problem is.
                        let found = err
                            .found
                            .map(|f| format!(", found {f}"))
                            .unwrap_or_default();
                        let inner = err
                            .pointer
                            .strip_prefix(pointer.as_str())
                            .unwrap_or(&err.pointer);
                        let at = if inner.is_empty() {
                            String::new()
                        } else {
                            format!("at {inner}: ")
                        };
                        self.skipped.push(Skipped {
                            unit: SkipUnit::Operation,
                            pointer: pointer.clone(),
                            reason: format!("{at}expected {}{found}", err.expected),
                        });
                    }
                }
            }
        }
        Ok((operations, examples))
    }

    /// The batch form of `single` (`x-dialtone-batch`): the same call with
    /// several ids joined in one path segment, answered with one result
    /// per id.
    fn batch_operation(
        &mut self,
        single: &Operation,
        op: &'a openapiv3::Operation,
        value: &Value,
        pointer: &str,
        methods: &mut Scope,
        builders: &mut Scope,
    ) -> Result<Operation, Error> {
        let expected = "{param: <path parameter>, max: <ids per call>, status: \"<status of the batch answer>\", accept: <media type of the batch answer>, parts?: {id, status, body}}";
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let (Some(param), Some(max), Some(status), Some(accept)) = (
            text("param"),
            value.get("max").and_then(Value::as_u64),
            text("status"),
            text("accept"),
        ) else {
            return Err(self.err(pointer, expected, Some(value.to_string())));
        };
        let part = |key: &str, default: &str| -> Result<String, Error> {
            match value.get("parts").map(|p| p.get(key)) {
                None | Some(None) => Ok(default.to_owned()),
                Some(Some(Value::String(name))) => Ok(name.clone()),
                Some(Some(other)) => Err(self.err(
                    push_pointer(&push_pointer(pointer, "parts"), key),
                    "the name of a property of the batch answer's parts",
                    Some(other.to_string()),
                )),
            }
        };
        let parts = [
            part("id", "resourceId")?,
            part("status", "status")?,
            part("body", "body")?,
        ];
        if single.body.is_some() {
            return Err(self.err(pointer, "a batch form of an operation without a request body (batch bodies are not supported yet)", None));
        }
        let index = single
            .params
            .iter()
            .position(|p| {
                p.location == ParamLocation::Path
                    && p.wire_name == param
                    && matches!(p.ty, TypeRef::String(_))
            })
            .ok_or_else(|| {
                self.err(
                    push_pointer(pointer, "param"),
                    "a string path parameter of the operation",
                    Some(format!("\"{param}\"")),
                )
            })?;
        let response_pointer = push_pointer(&push_pointer(&single.pointer, "responses"), status);
        let response = op
            .responses
            .responses
            .iter()
            .find(|(code, _)| code.to_string() == status)
            .map(|(_, r)| r)
            .ok_or_else(|| {
                self.err(
                    push_pointer(pointer, "status"),
                    "a status the operation documents",
                    Some(format!("\"{status}\"")),
                )
            })?;
        let (response, at) = self.response(response, &response_pointer)?;
        let media = response
            .content
            .get(accept)
            .and_then(|m| m.schema.as_ref())
            .ok_or_else(|| {
                self.err(
                    push_pointer(&at, "content"),
                    format!("a `{accept}` body with a schema"),
                    None,
                )
            })?;
        let media_pointer = push_pointer(
            &push_pointer(&push_pointer(&at, "content"), accept),
            "schema",
        );
        let ty = self.schema_or_ref(
            media,
            &media_pointer,
            &format!("{}BatchResponse", single.builder_name),
        )?;
        if !matches!(ty, TypeRef::Array(..)) {
            return Err(self.err(media_pointer, "an array schema (one result per id)", None));
        }
        let mut params = single.params.clone();
        let id = &mut params[index];
        let scalar = std::mem::replace(&mut id.ty, TypeRef::Json);
        id.ty = TypeRef::Array(
            Box::new(scalar),
            Constraints {
                min_items: Some(1),
                max_items: usize::try_from(max).ok(),
                ..Constraints::default()
            },
        );
        id.rust_name = match id.rust_name.strip_suffix("_id") {
            Some(stem) => format!("{stem}_ids"),
            None => format!("{}_list", id.rust_name),
        };
        id.docs = Some(format!(
            "The ids, at most {max} per call (`send_chunked` splits longer lists)."
        ));
        Ok(Operation {
            method_name: methods.claim(format!("{}_batch", single.method_name)),
            builder_name: builders.claim(format!("{}Batch", single.builder_name)),
            params,
            success: Success::Json { ty, envelope: None },
            pagination: None,
            // Decoded with the single form's error enum.
            errors: None,
            accept: Some(accept.to_owned()),
            chunk: Some(Chunk {
                param: index,
                max,
                item: match &single.success {
                    Success::Json { ty, envelope: None } => Some(ty.clone()),
                    _ => None,
                },
                parts,
            }),
            docs: Docs {
                summary: single.docs.summary.as_ref().map(|s| format!("{s} (batch)")),
                description: Some(format!(
                    "The batch form of `{}`: up to {max} ids in one call, one result per id in request order (HTTP {status}).",
                    single.method_name
                )),
            },
            pointer: pointer.to_owned(),
            ..single.clone()
        })
    }

    fn operation(
        &mut self,
        input: OperationInput<'a>,
        builders: &mut Scope,
    ) -> Result<Operation, Error> {
        let OperationInput {
            id,
            method_name,
            builder_name,
            http_method,
            path,
            path_params,
            path_pointer,
            op,
            pointer,
        } = input;
        let (path_pointer, pointer) = (path_pointer.as_str(), pointer.as_str());
        let enveloped = self.op_uses_envelope(op, pointer)?;

        // Parameters: the path item's, overridden by the operation's.
        let mut scope = Scope::with_reserved(RESERVED_BUILDER_NAMES);
        let mut declared: Vec<(Param, String)> = Vec::new();
        let sources = path_params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p,
                    push_pointer(&push_pointer(path_pointer, "parameters"), &i.to_string()),
                )
            })
            .chain(op.parameters.iter().enumerate().map(|(i, p)| {
                (
                    p,
                    push_pointer(&push_pointer(pointer, "parameters"), &i.to_string()),
                )
            }));
        for (param, param_pointer) in sources {
            let param = match self.parameter(param, &param_pointer, &builder_name) {
                Ok(Some(param)) => param,
                Ok(None) => continue,
                // An optional parameter Dialtone cannot send is left out;
                // without a required one the operation cannot be called.
                Err(err) if !self.parameter_required(param) => {
                    self.soften(err, SkipUnit::Parameter)?;
                    continue;
                }
                Err(err) => return Err(err),
            };
            declared
                .retain(|(p, _)| !(p.wire_name == param.wire_name && p.location == param.location));
            declared.push((param, param_pointer));
        }
        // Path parameters first, in template order.
        let segments = split_template(path);
        let mut params: Vec<Param> = Vec::new();
        let mut path_segments = Vec::new();
        for segment in &segments {
            match segment {
                TemplatePiece::Literal(text) => path_segments.push(Segment::Literal(text.clone())),
                TemplatePiece::Param(name) => {
                    let found = declared.iter().position(|(p, _)| {
                        p.location == ParamLocation::Path && &p.wire_name == name
                    });
                    let Some(index) = found else {
                        return Err(self.err(
                            pointer,
                            format!("a path parameter named `{name}` for the template {path}"),
                            Some("none declared".to_owned()),
                        ));
                    };
                    let (param, _) = declared.remove(index);
                    path_segments.push(Segment::Param(params.len()));
                    params.push(param);
                }
            }
        }
        if let Some((param, param_pointer)) = declared
            .iter()
            .find(|(p, _)| p.location == ParamLocation::Path)
        {
            return Err(self.err(
                param_pointer.clone(),
                format!("a path parameter that appears in the template {path}"),
                Some(format!("`{}`", param.wire_name)),
            ));
        }
        params.extend(declared.into_iter().map(|(p, _)| p));
        for param in &mut params {
            param.rust_name = scope.claim(std::mem::take(&mut param.rust_name));
        }

        let body = match &op.request_body {
            None => None,
            Some(body) => Some(self.request_body(
                body,
                &push_pointer(pointer, "requestBody"),
                &builder_name,
                enveloped,
            )?),
        };
        let success = self.success(op, pointer, enveloped, builders, &builder_name)?;
        let errors = self.error_bodies(op, pointer, builders, &builder_name)?;
        let pagination = match op.extensions.get(EXT_PAGINATION) {
            None => None,
            Some(value) => Some(self.pagination(
                value,
                &push_pointer(pointer, EXT_PAGINATION),
                &params,
                &success,
            )?),
        };
        let effective_security = op.security.as_ref().or(self.doc.security.as_ref());
        let schemes: Vec<&str> = effective_security
            .iter()
            .flat_map(|reqs| reqs.iter())
            .flat_map(|req| req.keys())
            .map(String::as_str)
            .collect();
        let basic_auth =
            !schemes.is_empty() && schemes.iter().all(|name| self.is_basic_scheme(name));
        let authenticated = !schemes.is_empty() && !basic_auth;
        let throttling_group = self.string_extension(&op.extensions, pointer, EXT_THROTTLING)?;
        let idempotent = match op.extensions.get(EXT_IDEMPOTENT) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(self.wrong_kind(
                    push_pointer(pointer, EXT_IDEMPOTENT),
                    "a boolean",
                    other,
                ));
            }
        };
        Ok(Operation {
            id,
            method_name,
            builder_name,
            http_method,
            path_template: path.to_owned(),
            path: path_segments,
            params,
            body,
            success,
            errors,
            statuses: Vec::new(),
            response_headers: Vec::new(),
            docs: Docs {
                summary: op.summary.clone(),
                description: op.description.clone(),
            },
            authenticated,
            basic_auth,
            deprecated: op.deprecated,
            idempotent,
            accept: None,
            chunk: None,
            pagination,
            throttling_group,
            pointer: pointer.to_owned(),
        })
    }

    fn pagination(
        &self,
        value: &Value,
        pointer: &str,
        params: &[Param],
        success: &Success,
    ) -> Result<Pagination, Error> {
        let field = |name: &str| value.get(name).and_then(Value::as_str);
        let missing = |name: &str| {
            self.err(
                push_pointer(pointer, name),
                format!(
                    "a string `{name}` (see the x-dialtone-pagination styles in ARCHITECTURE.md)"
                ),
                None,
            )
        };
        let param = |name: &str| -> Result<usize, Error> {
            let wire = field(name).ok_or_else(|| missing(name))?;
            params
                .iter()
                .position(|p| {
                    p.wire_name == wire && p.location == ParamLocation::Query && !p.required
                })
                .ok_or_else(|| {
                    self.err(
                        push_pointer(pointer, name),
                        "the name of an optional query parameter of this operation",
                        Some(format!("\"{wire}\"")),
                    )
                })
        };
        let Success::Json { ty, envelope } = success else {
            return Err(self.err(
                pointer,
                "a paginated operation with a JSON success body",
                None,
            ));
        };
        // Paths are relative to what the pages stream yields: the whole
        // envelope when there is one, else the body.
        let _ = envelope;
        let path = |name: &str,
                    expected: &str,
                    fits: fn(&TypeRef) -> bool|
         -> Result<Vec<FieldStep>, Error> {
            let dotted = field(name).ok_or_else(|| missing(name))?;
            let (steps, last) = self.field_path(ty, dotted, &push_pointer(pointer, name))?;
            if !fits(&last) {
                return Err(self.err(
                    push_pointer(pointer, name),
                    format!("a property that is {expected}"),
                    Some(format!("`{dotted}`")),
                ));
            }
            Ok(steps)
        };
        let is_array: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::Array(..));
        let is_string: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::String(_));
        let is_integer: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::Integer { .. });
        let anything: fn(&TypeRef) -> bool = |_| true;
        let item = || -> Result<TypeRef, Error> {
            let dotted = field("items").ok_or_else(|| missing("items"))?;
            match self
                .field_path(ty, dotted, &push_pointer(pointer, "items"))?
                .1
            {
                TypeRef::Array(inner, _) => Ok(*inner),
                _ => Err(self.err(
                    push_pointer(pointer, "items"),
                    "a property that is an array",
                    None,
                )),
            }
        };
        let integer_param = |name: &str| -> Result<usize, Error> {
            let index = param(name)?;
            if !matches!(params[index].ty, TypeRef::Integer { .. }) {
                return Err(self.err(
                    push_pointer(pointer, name),
                    "an integer query parameter",
                    Some(format!("`{}`", params[index].wire_name)),
                ));
            }
            Ok(index)
        };
        match field("style") {
            Some("cursor") => {
                let param = param("param")?;
                if !matches!(params[param].ty, TypeRef::String(_)) {
                    return Err(self.err(
                        push_pointer(pointer, "param"),
                        "a string query parameter",
                        None,
                    ));
                }
                Ok(Pagination::Cursor {
                    param,
                    next: path("next", "a string", is_string)?,
                    items: path("items", "an array", is_array)?,
                    item: item()?,
                })
            }
            Some("page") => {
                let next = if value.get("next").is_some() {
                    Some(path("next", "anything", anything)?)
                } else {
                    None
                };
                let total = if value.get("total").is_some() {
                    Some(path("total", "an integer", is_integer)?)
                } else {
                    None
                };
                if next.is_none() && total.is_none() {
                    return Err(self.err(
                        pointer.to_owned(),
                        "`next` or `total` to tell when the last page is reached",
                        None,
                    ));
                }
                let per_page = if value.get("per_page").is_some() {
                    Some(integer_param("per_page")?)
                } else {
                    None
                };
                Ok(Pagination::Page {
                    page: integer_param("page")?,
                    per_page,
                    next,
                    total,
                    items: path("items", "an array", is_array)?,
                    item: item()?,
                })
            }
            Some("link-header") => Ok(Pagination::Link {
                items: path("items", "an array", is_array)?,
                item: item()?,
            }),
            other => Err(self.err(
                push_pointer(pointer, "style"),
                "`cursor`, `page` or `link-header`",
                other.map(|s| format!("\"{s}\"")),
            )),
        }
    }

    /// Resolves `a.b.c` through the struct fields of `ty`.
    fn field_path(
        &self,
        ty: &TypeRef,
        dotted: &str,
        pointer: &str,
    ) -> Result<(Vec<FieldStep>, TypeRef), Error> {
        let mut steps = Vec::new();
        let mut current = ty.clone();
        for segment in dotted.split('.') {
            let found = match &current {
                TypeRef::Named(name) => self
                    .struct_fields(name)
                    .and_then(|fields| fields.iter().find(|f| f.wire_name == segment)),
                _ => None,
            };
            let Some(field) = found else {
                return Err(self.err(
                    pointer,
                    format!("a path of properties of the response (`{dotted}`)"),
                    Some(format!("no property `{segment}` there")),
                ));
            };
            steps.push(FieldStep {
                rust_name: field.rust_name.clone(),
                required: field.required,
            });
            current = field.ty.clone();
        }
        Ok((steps, current))
    }

    /// `None` for parameters Dialtone leaves to the runtime (cookies).
    fn parameter(
        &mut self,
        param: &ReferenceOr<Parameter>,
        pointer: &str,
        builder: &str,
    ) -> Result<Option<Param>, Error> {
        let (param, pointer) = self.component(param, pointer)?;
        let (location, style) = match param {
            Parameter::Path { style, .. } => {
                if !matches!(style, openapiv3::PathStyle::Simple) {
                    return Err(self.err(
                        pointer,
                        "a path parameter of style `simple`",
                        Some(format!("{style:?}")),
                    ));
                }
                (ParamLocation::Path, ArrayStyle::Csv)
            }
            Parameter::Header { .. } => (ParamLocation::Header, ArrayStyle::Csv),
            Parameter::Query {
                style,
                parameter_data,
                ..
            } => {
                let style = match style {
                    QueryStyle::Form if parameter_data.explode == Some(false) => ArrayStyle::Csv,
                    QueryStyle::Form => ArrayStyle::Each,
                    QueryStyle::SpaceDelimited => ArrayStyle::Space,
                    QueryStyle::PipeDelimited => ArrayStyle::Pipe,
                    QueryStyle::DeepObject => ArrayStyle::Deep,
                };
                (ParamLocation::Query, style)
            }
            Parameter::Cookie { .. } => (ParamLocation::Cookie, ArrayStyle::Csv),
        };
        let data = param.parameter_data_ref();
        let hint = format!("{builder}{}", camel(&data.name));
        let (ty, style, schema) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (
                self.schema_or_ref(schema, &push_pointer(&pointer, "schema"), &hint)?,
                style,
                Some(schema),
            ),
            ParameterSchemaOrContent::Content(content) => {
                // A parameter sent as a document (JSON text).
                let Some((key, media)) = content.iter().next() else {
                    return Err(self.err(
                        push_pointer(&pointer, "content"),
                        "a media type for the parameter",
                        Some("none".to_owned()),
                    ));
                };
                let at = push_pointer(
                    &push_pointer(&push_pointer(&pointer, "content"), key),
                    "schema",
                );
                let ty = match &media.schema {
                    Some(schema) => self.schema_or_ref(schema, &at, &hint)?,
                    None => TypeRef::Json,
                };
                (ty, ArrayStyle::Json, media.schema.as_ref())
            }
        };
        if location == ParamLocation::Header
            && reqwest_header_ok(&data.name.to_ascii_lowercase()).is_err()
        {
            return Err(self.err(
                push_pointer(&pointer, "name"),
                "a valid HTTP header name",
                Some(format!("\"{}\"", data.name)),
            ));
        }
        let example = data.example.clone().or_else(|| match schema {
            Some(ReferenceOr::Item(s)) => s.schema_data.example.clone(),
            _ => None,
        });
        Ok(Some(Param {
            wire_name: data.name.clone(),
            rust_name: snake(&data.name),
            location,
            required: data.required || location == ParamLocation::Path,
            ty,
            style,
            docs: data.description.clone(),
            example,
            deprecated: data.deprecated.unwrap_or(false),
        }))
    }

    fn parameter_required(&self, param: &ReferenceOr<Parameter>) -> bool {
        self.component(param, "").map_or(true, |(p, _)| {
            matches!(p, Parameter::Path { .. }) || p.parameter_data_ref().required
        })
    }

    fn is_basic_scheme(&self, name: &str) -> bool {
        matches!(
            self.doc.components.as_ref().and_then(|c| c.security_schemes.get(name)),
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if scheme.eq_ignore_ascii_case("basic")
        )
    }

    fn is_struct(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Struct { .. }))
    }

    fn is_union(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Union { .. }))
    }

    fn struct_fields(&self, name: &str) -> Option<&[Field]> {
        self.types
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| match &t.kind {
                TypeKind::Struct { fields, .. } => Some(fields.as_slice()),
                _ => None,
            })
    }

    fn request_body(
        &mut self,
        body: &ReferenceOr<RequestBody>,
        pointer: &str,
        builder: &str,
        enveloped: bool,
    ) -> Result<Body, Error> {
        let (body, pointer) = self.component(body, pointer)?;
        let content = push_pointer(&pointer, "content");
        let Some((media, media_key, media_type)) = pick_media(&body.content, true) else {
            return Err(self.err(
                content,
                "a media type for the body",
                Some("an empty `content`".to_owned()),
            ));
        };
        let media_pointer = push_pointer(&content, media_key);
        let schema_pointer = push_pointer(&media_pointer, "schema");
        let hint = format!("{builder}Body");
        let ty = match (media, &media_type.schema) {
            (Media::Text, _) => TypeRef::String(Constraints::default()),
            (Media::Bytes, _) => TypeRef::Binary,
            (_, Some(schema)) => self.schema_or_ref(schema, &schema_pointer, &hint)?,
            (Media::Json, None) => TypeRef::Json,
            (_, None) => TypeRef::Map(Box::new(TypeRef::Json)),
        };
        let mut envelope = None;
        let mut payload = ty.clone();
        if let (Media::Json, true, Some(prop)) = (media, enveloped, self.envelope.request.clone()) {
            let (field, field_ty) = self.envelope_field(&ty, &prop, true, &media_pointer)?;
            envelope = Some(Envelope {
                type_name: type_name(&ty),
                field,
            });
            payload = field_ty;
        }
        if matches!(media, Media::Form | Media::Multipart)
            && !matches!(&ty, TypeRef::Map(_) | TypeRef::Json)
            && !matches!(&ty, TypeRef::Named(n) if self.is_struct(n) || self.is_union(n))
        {
            return Err(self.err(
                schema_pointer,
                format!("an object schema for a `{media_key}` body"),
                None,
            ));
        }
        let content_type = custom_content_type(media, media_key);
        Ok(Body {
            media,
            content_type,
            ty: payload,
            required: body.required,
            envelope,
            docs: body.description.clone(),
        })
    }

    /// Checks that `ty` is a struct with a required property `prop` (and,
    /// for requests, no other required property) and returns that field.
    fn envelope_field(
        &self,
        ty: &TypeRef,
        prop: &str,
        request: bool,
        pointer: &str,
    ) -> Result<(String, TypeRef), Error> {
        let expected = format!(
            "an object schema with a required property `{prop}` (the spec's {EXT_ENVELOPE}){}",
            if request {
                " and no other required property"
            } else {
                ""
            }
        );
        let TypeRef::Named(name) = ty else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some("a schema that is not an object".to_owned()),
            ));
        };
        let Some(fields) = self.struct_fields(name) else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some("an enum".to_owned()),
            ));
        };
        let Some(field) = fields.iter().find(|f| f.wire_name == prop && f.required) else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some(format!("`{name}` without it")),
            ));
        };
        if request && let Some(other) = fields.iter().find(|f| f.required && f.wire_name != prop) {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some(format!("`{}` required too", other.wire_name)),
            ));
        }
        Ok((field.rust_name.clone(), field.ty.clone()))
    }

    fn response(
        &self,
        response: &'a ReferenceOr<Response>,
        pointer: &str,
    ) -> Result<(&'a Response, String), Error> {
        self.component(response, pointer)
    }

    /// What one response carries: JSON (preferred), text, bytes or nothing.
    fn response_body(
        &mut self,
        response: &Response,
        response_pointer: &str,
        hint: &str,
        enveloped: bool,
    ) -> Result<Success, Error> {
        let Some((media, key, media_type)) = pick_media(&response.content, false) else {
            return Ok(Success::Empty);
        };
        Ok(match media {
            Media::Json => {
                let media_pointer = push_pointer(&push_pointer(response_pointer, "content"), key);
                let ty = match &media_type.schema {
                    Some(schema) => {
                        self.schema_or_ref(schema, &push_pointer(&media_pointer, "schema"), hint)?
                    }
                    None => TypeRef::Json,
                };
                let envelope = match (enveloped, self.envelope.response.clone()) {
                    (true, Some(prop)) => {
                        let (field, field_ty) =
                            self.envelope_field(&ty, &prop, false, &media_pointer)?;
                        Some(EnvelopePayload {
                            field,
                            ty: field_ty,
                        })
                    }
                    _ => None,
                };
                Success::Json { ty, envelope }
            }
            Media::Text => Success::Text,
            _ => Success::Bytes,
        })
    }

    fn success(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        enveloped: bool,
        builders: &mut Scope,
        builder: &str,
    ) -> Result<Success, Error> {
        let responses = push_pointer(pointer, "responses");
        let base = camel(op.operation_id.as_deref().unwrap_or("operation"));
        let mut found: Vec<(Option<u16>, Success)> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = match status {
                StatusCode::Code(code) if (200..300).contains(code) => Some(*code),
                StatusCode::Range(2) => None,
                _ => continue,
            };
            let batch_status = op
                .extensions
                .get(EXT_BATCH)
                .and_then(|b| b.get("status"))
                .and_then(Value::as_str);
            if batch_status == Some(status.to_string().as_str()) {
                continue;
            }
            let status_pointer = push_pointer(&responses, &status.to_string());
            let (response, response_pointer) = self.response(response, &status_pointer)?;
            let hint = if found.is_empty() {
                format!("{base}Response")
            } else {
                format!("{base}Response{status}")
            };
            let body = self.response_body(response, &response_pointer, &hint, enveloped)?;
            found.push((code, body));
        }
        if found.is_empty() {
            // Only a `default` response: it describes success too.
            if let Some(default) = &op.responses.default {
                let (response, response_pointer) =
                    self.response(default, &push_pointer(&responses, "default"))?;
                return self.response_body(
                    response,
                    &response_pointer,
                    &format!("{base}Response"),
                    enveloped,
                );
            }
            // Only redirects (downloads that live elsewhere): the client
            // follows them and returns what it finds there.
            let redirects = op.responses.responses.keys().any(|s| match s {
                StatusCode::Code(c) => (300..400).contains(c),
                StatusCode::Range(r) => *r == 3,
            });
            if redirects {
                return Ok(Success::Bytes);
            }
            self.soften(
                self.err(responses, "at least one 2xx or `default` response", None),
                SkipUnit::Ignored,
            )?;
            return Ok(Success::Empty);
        }
        if found.iter().all(|(_, body)| *body == found[0].1) {
            return Ok(found.swap_remove(0).1);
        }
        let mut scope = Scope::with_reserved(&["Other"]);
        let variants = found
            .into_iter()
            .map(|(status, body)| StatusVariant {
                status,
                rust_name: scope.claim(status_name(status)),
                body,
            })
            .collect();
        Ok(Success::Multi {
            name: builders.claim(format!("{builder}Response")),
            variants,
        })
    }

    /// The names of the headers an operation's success responses document.
    fn response_headers(&self, op: &'a openapiv3::Operation) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (status, response) in &op.responses.responses {
            let success = match status {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            };
            if !success {
                continue;
            }
            if let Ok((response, _)) = self.response(response, "") {
                for name in response.headers.keys() {
                    if !out.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                        out.push(name.clone());
                    }
                }
            }
        }
        out
    }

    /// The JSON error bodies an operation documents per status, unless the
    /// spec names one error schema for all (`x-dialtone-error-schema`).
    fn error_bodies(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        builders: &mut Scope,
        builder: &str,
    ) -> Result<Option<(String, Vec<ErrorVariant>)>, Error> {
        if self.doc.extensions.contains_key(EXT_ERROR_SCHEMA) {
            return Ok(None);
        }
        let responses = push_pointer(pointer, "responses");
        let has_success = op.responses.responses.keys().any(|s| match s {
            StatusCode::Code(c) => (200..300).contains(c),
            StatusCode::Range(r) => *r == 2,
        });
        let mut listed: Vec<(StatusMatch, String, &'a ReferenceOr<Response>)> = op
            .responses
            .responses
            .iter()
            .filter_map(|(status, r)| match status {
                StatusCode::Code(c) if *c >= 400 => {
                    Some((StatusMatch::Code(*c), status.to_string(), r))
                }
                StatusCode::Range(d) if *d >= 4 => {
                    Some((StatusMatch::Range(*d), status.to_string(), r))
                }
                _ => None,
            })
            .collect();
        if has_success && let Some(default) = &op.responses.default {
            listed.push((StatusMatch::Default, "default".to_owned(), default));
        }
        let base = camel(op.operation_id.as_deref().unwrap_or(builder));
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (status, key, response) in listed {
            let at = push_pointer(&responses, &key);
            let (response, response_pointer) = self.response(response, &at)?;
            let Some((Media::Json, media_key, media)) = pick_media(&response.content, false) else {
                continue;
            };
            let Some(schema) = &media.schema else {
                continue;
            };
            let schema_pointer = push_pointer(
                &push_pointer(&push_pointer(&response_pointer, "content"), media_key),
                "schema",
            );
            let ty = self.schema_or_ref(
                schema,
                &schema_pointer,
                &format!("{base}Error{}", camel(&key)),
            )?;
            let name = match status {
                StatusMatch::Code(code) => error_status_name(code),
                StatusMatch::Range(4) => "ClientError".to_owned(),
                StatusMatch::Range(5) => "ServerError".to_owned(),
                StatusMatch::Range(d) => format!("Status{d}xx"),
                StatusMatch::Default => "Default".to_owned(),
            };
            variants.push(ErrorVariant {
                status,
                rust_name: scope.claim(name),
                ty,
            });
        }
        if variants.is_empty() {
            return Ok(None);
        }
        Ok(Some((builders.claim(format!("{builder}Error")), variants)))
    }

    // ----- examples ---------------------------------------------------

    fn examples_of(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        operation: &Operation,
        names: &mut Scope,
        out: &mut Vec<Example>,
    ) -> Result<(), Error> {
        if let Some(ReferenceOr::Item(body)) = &op.request_body {
            let content = push_pointer(&push_pointer(pointer, "requestBody"), "content");
            for (key, media) in &body.content {
                if is_json(key) || key == "application/x-www-form-urlencoded" {
                    let ty = match &operation.body {
                        Some(Body {
                            envelope: Some(env),
                            ..
                        }) => TypeRef::Named(env.type_name.clone()),
                        Some(body) => body.ty.clone(),
                        None => continue,
                    };
                    self.media_examples(
                        media,
                        &push_pointer(&content, key),
                        &format!("{}_request", operation.method_name),
                        ty,
                        true,
                        names,
                        out,
                    )?;
                }
            }
        }
        let responses = push_pointer(pointer, "responses");
        for (status, response) in &op.responses.responses {
            let status_pointer = push_pointer(&responses, &status.to_string());
            let (response, response_pointer) = self.response(response, &status_pointer)?;
            // Examples of shared component responses are checked once, at
            // their first use.
            if response_pointer != status_pointer
                && out.iter().any(|e| e.pointer.starts_with(&response_pointer))
            {
                continue;
            }
            let content = push_pointer(&response_pointer, "content");
            for (key, media) in &response.content {
                if !is_json(key) {
                    continue;
                }
                let Some(schema) = &media.schema else {
                    continue;
                };
                let media_pointer = push_pointer(&content, key);
                let hint = format!(
                    "{}{}Response",
                    operation.builder_name,
                    camel(&status.to_string())
                );
                let ty =
                    self.schema_or_ref(schema, &push_pointer(&media_pointer, "schema"), &hint)?;
                self.media_examples(
                    media,
                    &media_pointer,
                    &format!("{}_{}", operation.method_name, status),
                    ty,
                    false,
                    names,
                    out,
                )?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn media_examples(
        &self,
        media: &MediaType,
        pointer: &str,
        prefix: &str,
        ty: TypeRef,
        request: bool,
        names: &mut Scope,
        out: &mut Vec<Example>,
    ) -> Result<(), Error> {
        if let Some(value) = &media.example {
            out.push(Example {
                name: names.claim(snake(&format!("{prefix}_example"))),
                pointer: push_pointer(pointer, "example"),
                ty: ty.clone(),
                request,
                value: value.clone(),
            });
        }
        for (key, example) in &media.examples {
            let example_pointer = push_pointer(&push_pointer(pointer, "examples"), key);
            let (example, _) = self.component(example, &example_pointer)?;
            if let Some(value) = &example.value {
                out.push(Example {
                    name: names.claim(snake(&format!("{prefix}_{key}"))),
                    pointer: example_pointer,
                    ty: ty.clone(),
                    request,
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }
}

struct OperationInput<'o> {
    id: String,
    method_name: String,
    builder_name: String,
    http_method: HttpMethod,
    path: &'o str,
    path_params: &'o [ReferenceOr<Parameter>],
    path_pointer: String,
    op: &'o openapiv3::Operation,
    pointer: String,
}

enum TemplatePiece {
    Literal(String),
    Param(String),
}

fn split_template(path: &str) -> Vec<TemplatePiece> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(TemplatePiece::Literal(rest[..open].to_owned()));
        }
        out.push(TemplatePiece::Param(
            rest[open + 1..open + close].to_owned(),
        ));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(TemplatePiece::Literal(rest.to_owned()));
    }
    out
}

fn statuses(op: &openapiv3::Operation) -> Vec<String> {
    let mut out: Vec<String> = op
        .responses
        .responses
        .keys()
        .map(|s| s.to_string())
        .collect();
    if op.responses.default.is_some() {
        out.push("default".to_owned());
    }
    out
}

fn any_is_empty(any: &openapiv3::AnySchema) -> bool {
    any == &openapiv3::AnySchema::default()
}

fn number(n: &NumberType) -> TypeRef {
    TypeRef::Number(Constraints {
        minimum: n.minimum,
        maximum: n.maximum,
        ..Constraints::default()
    })
}

fn into_secret(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::String(c) => TypeRef::Secret(c),
        other => other,
    }
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        _ => String::new(),
    }
}

/// Header names must be lower-case tokens (checked so that rendering, which
/// uses `HeaderName::from_static`, can never produce a panicking crate).
fn reqwest_header_ok(name: &str) -> Result<(), ()> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        });
    if ok { Ok(()) } else { Err(()) }
}

/// The media type a body or response is read as: JSON first (plain
/// `application/json` before `+json` types), then forms (requests only),
/// text, and anything else as bytes.
fn pick_media(
    content: &indexmap::IndexMap<String, MediaType>,
    request: bool,
) -> Option<(Media, &String, &MediaType)> {
    let essence = |k: &str| {
        k.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let find = |f: &dyn Fn(&str) -> bool| content.iter().find(|(k, _)| f(&essence(k)));
    if let Some((k, m)) = find(&|e| e == "application/json").or_else(|| find(&|e| is_json(e))) {
        return Some((Media::Json, k, m));
    }
    if request {
        if let Some((k, m)) = find(&|e| e == "application/x-www-form-urlencoded") {
            return Some((Media::Form, k, m));
        }
        if let Some((k, m)) = find(&|e| e == "multipart/form-data") {
            return Some((Media::Multipart, k, m));
        }
    }
    if let Some((k, m)) = find(&|e| e.starts_with("text/")) {
        return Some((Media::Text, k, m));
    }
    content.iter().next().map(|(k, m)| (Media::Bytes, k, m))
}

/// The media type to send when it is not the encoding's own default.
fn custom_content_type(media: Media, key: &str) -> Option<String> {
    let essence = key
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let default = match media {
        Media::Json => "application/json",
        Media::Form => "application/x-www-form-urlencoded",
        // The runtime writes the boundary itself.
        Media::Multipart => return None,
        Media::Text => "text/plain",
        Media::Bytes => "application/octet-stream",
    };
    let valid = !key.contains('*')
        && key.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !key.trim().is_empty();
    (essence != default && valid).then(|| key.trim().to_owned())
}

/// The variant of an error status (`NotFound`, `Status418`).
fn error_status_name(code: u16) -> String {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return format!("Status{code}"),
    }
    .to_owned()
}

/// The variant of a success status (`Created`, `Status207`).
fn status_name(status: Option<u16>) -> String {
    match status {
        None => "Success".to_owned(),
        Some(200) => "Ok".to_owned(),
        Some(201) => "Created".to_owned(),
        Some(202) => "Accepted".to_owned(),
        Some(203) => "NonAuthoritative".to_owned(),
        Some(204) => "NoContent".to_owned(),
        Some(205) => "ResetContent".to_owned(),
        Some(206) => "PartialContent".to_owned(),
        Some(207) => "MultiStatus".to_owned(),
        Some(code) => format!("Status{code}"),
    }
}
