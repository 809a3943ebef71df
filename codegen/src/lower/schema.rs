//! Schemas: component schemas, named types (structs, enums) and the
//! `TypeRef` of any schema, with its constraints. Composition is in
//! `compose.rs`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use openapiv3::{
    AdditionalProperties, ArrayType, IntegerType, NumberType, ObjectType, OpenAPI, ReferenceOr,
    Schema, SchemaData, SchemaKind, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::extensions::{EXT_LENIENT, EXT_SECRET};
use super::{Lowerer, component_key, compose};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::limits::MAX_SCHEMA_DEPTH;
use crate::names::{Scope, camel, screaming, snake};

impl<'a> Lowerer<'a> {
    pub(super) fn component_schemas(
        &self,
    ) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> + use<'a> {
        let doc: &'a OpenAPI = self.doc;
        doc.components.iter().flat_map(|c| c.schemas.iter())
    }

    pub(super) fn name_components(&mut self) {
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

    pub(super) fn lower_components(&mut self) -> Result<(), Error> {
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

    pub(super) fn schema_or_ref(
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

    pub(super) fn boxed_schema_or_ref(
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
    pub(super) fn descend<T>(
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
    pub(super) fn schema_reference(
        &mut self,
        reference: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        self.descend(pointer, |this| this.schema_reference_at(reference, pointer))
    }

    pub(super) fn schema_reference_at(
        &mut self,
        reference: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
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

    pub(super) fn schema(
        &mut self,
        schema: &Schema,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        self.descend(pointer, |this| this.schema_at(schema, pointer, hint))
    }

    pub(super) fn schema_at(
        &mut self,
        schema: &Schema,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
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
            SchemaKind::Type(Type::String(s)) => self.string(s, data, pointer, hint),
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

    pub(super) fn named_schema(
        &mut self,
        name: String,
        schema: &Schema,
        pointer: &str,
    ) -> Result<(), Error> {
        let schema = compose::normalize(schema);
        let docs = schema.schema_data.description.clone();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let mut scope = super::members::enum_variants();
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

    pub(super) fn object(
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
    pub(super) fn struct_def(
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
            // `readOnly`: the server's to send; `required` holds for answers
            // only, so a request (where it is left out) can be built
            // without it.
            let read_only = matches!(prop, ReferenceOr::Item(s) if s.schema_data.read_only);
            let format = match prop {
                ReferenceOr::Item(s) if matches!(ty, TypeRef::String(_)) => text_format(s),
                _ => None,
            };
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
                required: required.contains(wire) && !read_only,
                docs,
                lenient,
                nullable,
                boxed: false,
                flatten: false,
                // Named once the struct is complete (`members::name_setters`).
                setter: String::new(),
                null_setter: None,
                format,
            });
        }
        let extra = extra.then(|| scope.claim("extra".to_owned()));
        self.types[slot].kind = TypeKind::Struct { fields, extra };
        Ok(slot)
    }

    pub(super) fn referenced_description(&self, reference: &str) -> Option<String> {
        let key = component_key(reference, "#/components/schemas/")?;
        match self.doc.components.as_ref()?.schemas.get(&key)? {
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        }
    }

    pub(super) fn string(
        &mut self,
        s: &StringType,
        data: &SchemaData,
        pointer: &str,
        hint: &str,
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
            if let Some(&index) = self.patterns.at.get(pointer) {
                c.pattern = Some(index);
            } else if regex::Regex::new(pattern).is_ok() {
                c.pattern = Some(self.patterns.add(pattern, pointer, hint, false));
            } else if let Err(err) = fancy_regex::Regex::new(pattern) {
                // Neither engine: the check is left out, with a note.
                let err = self.err(
                    push_pointer(pointer, "pattern"),
                    "a regular expression (ECMA-262 as `regex` or `fancy-regex` read it)",
                    Some(
                        err.to_string()
                            .lines()
                            .last()
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    ),
                );
                self.soften(err, SkipUnit::Ignored)?;
                return Ok(TypeRef::String(c));
            } else {
                // Look-around or back-references: `fancy-regex` keeps the
                // check (the runtime's `validate::LookAround`).
                c.pattern = Some(self.patterns.add(pattern, pointer, hint, true));
            }
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

    pub(super) fn integer(&self, i: &IntegerType) -> TypeRef {
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

    pub(super) fn array(
        &mut self,
        a: &ArrayType,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
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

    pub(super) fn map(
        &mut self,
        o: &ObjectType,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
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

    /// The type named `name`, through an index of names that catches up
    /// with the types pushed since the last lookup (types are only ever
    /// appended, and a name never changes), so lookups stay linear in all.
    pub(super) fn type_def(&self, name: &str) -> Option<&TypeDef> {
        let mut slots = self.type_slots.borrow_mut();
        let (indexed, index) = &mut *slots;
        for (i, t) in self.types.iter().enumerate().skip(*indexed) {
            index.entry(t.name.clone()).or_insert(i);
        }
        *indexed = self.types.len();
        let slot = *index.get(name)?;
        self.types.get(slot).filter(|t| t.name == name)
    }

    pub(super) fn is_struct(&self, name: &str) -> bool {
        self.type_def(name)
            .is_some_and(|t| matches!(t.kind, TypeKind::Struct { .. }))
    }

    pub(super) fn is_enum(&self, name: &str) -> bool {
        self.type_def(name)
            .is_some_and(|t| matches!(t.kind, TypeKind::Enum { .. }))
    }

    pub(super) fn is_union(&self, name: &str) -> bool {
        self.type_def(name)
            .is_some_and(|t| matches!(t.kind, TypeKind::Union { .. }))
    }

    pub(super) fn struct_fields(&self, name: &str) -> Option<&[Field]> {
        self.type_def(name).and_then(|t| match &t.kind {
            TypeKind::Struct { fields, .. } => Some(fields.as_slice()),
            _ => None,
        })
    }
}

pub(super) fn any_is_empty(any: &openapiv3::AnySchema) -> bool {
    any == &openapiv3::AnySchema::default()
}

pub(super) fn number(n: &NumberType) -> TypeRef {
    TypeRef::Number(Constraints {
        minimum: n.minimum,
        maximum: n.maximum,
        ..Constraints::default()
    })
}

pub(super) fn into_secret(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::String(c) => TypeRef::Secret(c),
        other => other,
    }
}

/// The spec's patterns, each compiled once in the generated crate by a
/// static named after what it checks.
#[derive(Default)]
pub(super) struct Patterns {
    pub(super) list: Vec<Pattern>,
    names: Scope,
    /// (name before deconfliction, regex) -> index: one static per both.
    by_name: BTreeMap<(String, String), usize>,
    /// Schema pointer -> index: a schema lowered again names no new one.
    pub(super) at: BTreeMap<String, usize>,
}

impl Patterns {
    /// The index of the static for `source`, the pattern of the schema at
    /// `pointer` whose type is hinted `hint`: named after the hint (the
    /// type and field, `GROUP_ID`), or after the component of a shared
    /// parameter (`ACCOUNT_ID` for `#/components/parameters/AccountId`),
    /// so that adding a pattern or a use renames no other.
    fn add(&mut self, source: &str, pointer: &str, hint: &str, look_around: bool) -> usize {
        let what = pointer
            .strip_prefix("/components/parameters/")
            .and_then(|rest| rest.strip_suffix("/schema"))
            .filter(|key| !key.contains('/'))
            .map(|key| key.replace("~1", "/").replace("~0", "~"));
        let base = screaming(what.as_deref().unwrap_or(hint));
        let key = (base, source.to_owned());
        let index = match self.by_name.get(&key) {
            Some(&index) => index,
            None => {
                let index = self.list.len();
                self.list.push(Pattern {
                    name: self.names.claim(key.0.clone()),
                    source: source.to_owned(),
                    look_around,
                });
                self.by_name.insert(key, index);
                index
            }
        };
        self.at.insert(pointer.to_owned(), index);
        index
    }
}

/// The format of a string schema that gets a typed accessor, if any.
fn text_format(s: &openapiv3::Schema) -> Option<crate::ir::TextFormat> {
    use crate::ir::TextFormat;
    let openapiv3::SchemaKind::Type(openapiv3::Type::String(t)) = &s.schema_kind else {
        return None;
    };
    match &t.format {
        VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
            Some(TextFormat::DateTime)
        }
        VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => Some(TextFormat::Date),
        VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => Some(TextFormat::Uuid),
        _ => None,
    }
}
