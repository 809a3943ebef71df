//! Composition (`allOf`, `oneOf`, `anyOf`, `not`) and schemas that leave
//! out `type`.

use std::borrow::Cow;
use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, BooleanType, IntegerType, NumberType, ObjectType,
    ReferenceOr, Schema, SchemaData, SchemaKind, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::{Lowerer, any_is_empty};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, camel};

/// How deep `$ref`s and nested `allOf`s are followed before giving up.
const MAX_DEPTH: usize = 32;

/// A schema that leaves out `type` is read by the keywords it uses, as the
/// typed schema it amounts to; composition keywords mixed with properties
/// become an `allOf` of the two.
pub(super) fn normalize(schema: &Schema) -> Cow<'_, Schema> {
    let SchemaKind::Any(any) = &schema.schema_kind else {
        return Cow::Borrowed(schema);
    };
    if any_is_empty(any) {
        return Cow::Borrowed(schema);
    }
    Cow::Owned(Schema {
        schema_data: schema.schema_data.clone(),
        schema_kind: any_kind(any),
    })
}

fn item(kind: SchemaKind) -> ReferenceOr<Schema> {
    ReferenceOr::Item(Schema {
        schema_data: SchemaData::default(),
        schema_kind: kind,
    })
}

fn any_kind(any: &AnySchema) -> SchemaKind {
    let typ = any.typ.as_deref();
    let has_object =
        !any.properties.is_empty() || any.additional_properties.is_some() || typ == Some("object");
    let object = || {
        SchemaKind::Type(Type::Object(ObjectType {
            properties: any.properties.clone(),
            required: any.required.clone(),
            additional_properties: any.additional_properties.clone(),
            min_properties: any.min_properties,
            max_properties: any.max_properties,
        }))
    };
    if !any.all_of.is_empty() || !any.one_of.is_empty() || !any.any_of.is_empty() {
        let mut members = any.all_of.clone();
        if !any.one_of.is_empty() {
            members.push(item(SchemaKind::OneOf {
                one_of: any.one_of.clone(),
            }));
        }
        if !any.any_of.is_empty() {
            members.push(item(SchemaKind::AnyOf {
                any_of: any.any_of.clone(),
            }));
        }
        if has_object {
            members.push(item(object()));
        }
        if any.all_of.is_empty()
            && members.len() == 1
            && let Some(ReferenceOr::Item(only)) = members.pop()
        {
            return only.schema_kind;
        }
        return SchemaKind::AllOf { all_of: members };
    }
    if has_object {
        return object();
    }
    if any.items.is_some() || typ == Some("array") {
        return SchemaKind::Type(Type::Array(ArrayType {
            items: any.items.clone(),
            min_items: any.min_items,
            max_items: any.max_items,
            unique_items: any.unique_items.unwrap_or(false),
        }));
    }
    fn format<T: serde::de::DeserializeOwned>(f: &Option<String>) -> VariantOrUnknownOrEmpty<T> {
        match f {
            None => VariantOrUnknownOrEmpty::Empty,
            Some(f) => serde_json::from_value(Value::String(f.clone()))
                .unwrap_or(VariantOrUnknownOrEmpty::Unknown(f.clone())),
        }
    }
    let string = |enumeration: Vec<Option<String>>| {
        SchemaKind::Type(Type::String(StringType {
            format: format(&any.format),
            pattern: any.pattern.clone(),
            enumeration,
            min_length: any.min_length,
            max_length: any.max_length,
        }))
    };
    let integer = |enumeration: Vec<Option<i64>>| {
        SchemaKind::Type(Type::Integer(IntegerType {
            format: format(&any.format),
            multiple_of: None,
            exclusive_minimum: any.exclusive_minimum.unwrap_or(false),
            exclusive_maximum: any.exclusive_maximum.unwrap_or(false),
            minimum: any.minimum.map(|m| m as i64),
            maximum: any.maximum.map(|m| m as i64),
            enumeration,
        }))
    };
    if !any.enumeration.is_empty() {
        let values = any.enumeration.iter().filter(|v| !v.is_null());
        if values.clone().all(Value::is_string) {
            return string(
                values
                    .filter_map(|v| v.as_str().map(|s| Some(s.to_owned())))
                    .collect(),
            );
        }
        if values.clone().all(Value::is_i64) {
            return integer(values.map(Value::as_i64).collect());
        }
        // Mixed types: any JSON value.
        return SchemaKind::Any(AnySchema::default());
    }
    match typ {
        Some("string") => string(Vec::new()),
        Some("integer") => integer(Vec::new()),
        Some("number") => SchemaKind::Type(Type::Number(NumberType {
            minimum: any.minimum,
            maximum: any.maximum,
            ..NumberType::default()
        })),
        Some("boolean") => SchemaKind::Type(Type::Boolean(BooleanType::default())),
        _ if any.pattern.is_some() || any.min_length.is_some() || any.max_length.is_some() => {
            string(Vec::new())
        }
        _ => SchemaKind::Any(AnySchema::default()),
    }
}

/// Whether a schema only annotates (`description`, `nullable`, ...) and
/// says nothing about the value.
fn annotation_only(schema: &ReferenceOr<Schema>) -> bool {
    matches!(schema, ReferenceOr::Item(s) if matches!(&s.schema_kind, SchemaKind::Any(any) if any_is_empty(any)))
}

/// The one member an `allOf`/`oneOf`/`anyOf` amounts to, if it has only
/// one that says something about the value (`allOf: [$ref]` wrappers that
/// add a description).
pub(super) fn single_member(schema: &Schema) -> Option<&ReferenceOr<Schema>> {
    let members = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::OneOf { one_of } => one_of,
        SchemaKind::AnyOf { any_of } => any_of,
        _ => return None,
    };
    let mut substantive = members.iter().filter(|m| !annotation_only(m));
    match (substantive.next(), substantive.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Schemas that become a named Rust type of their own.
pub(super) fn is_named(schema: &Schema) -> bool {
    let schema = normalize(schema);
    if single_member(&schema).is_some() {
        return false;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().any(Option::is_some),
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::OneOf { one_of: m }
        | SchemaKind::AnyOf { any_of: m }
        | SchemaKind::AllOf { all_of: m } => !m.is_empty(),
        _ => false,
    }
}

/// What `allOf` members add up to.
#[derive(Default)]
struct Merged {
    /// Property -> (schema, its pointer), later members winning.
    properties: IndexMap<String, (ReferenceOr<Box<Schema>>, String)>,
    required: Vec<String>,
    extra: bool,
    /// Members that are not objects: flattened fields.
    flatten: Vec<(ReferenceOr<Schema>, String)>,
}

impl<'a> Lowerer<'a> {
    /// Follows `$ref`s to the schema they name, with its pointer.
    pub(super) fn resolve<'s>(
        &self,
        schema: &'s ReferenceOr<Schema>,
        pointer: &str,
    ) -> Option<(Cow<'s, Schema>, String)>
    where
        'a: 's,
    {
        let mut current = schema;
        let mut at = pointer.to_owned();
        for _ in 0..MAX_DEPTH {
            match current {
                // `allOf: [X]` wrappers are X.
                ReferenceOr::Item(s) if single_member(s).is_some() => {
                    current = single_member(s)?;
                }
                ReferenceOr::Item(s) => return Some((normalize(s), at)),
                ReferenceOr::Reference { reference } => {
                    let key = super::component_key(reference, "#/components/schemas/")?;
                    current = self.doc.components.as_ref()?.schemas.get(&key)?;
                    at = push_pointer("/components/schemas", &key);
                }
            }
        }
        None
    }

    fn resolve_boxed(&self, schema: &ReferenceOr<Box<Schema>>) -> Option<Schema> {
        match schema {
            ReferenceOr::Item(s) => Some(normalize(s).into_owned()),
            ReferenceOr::Reference { reference } => self
                .resolve(
                    &ReferenceOr::Reference {
                        reference: reference.clone(),
                    },
                    "",
                )
                .map(|(s, _)| s.into_owned()),
        }
    }

    /// A named `oneOf`/`anyOf`: a string enum when every variant is one, a
    /// `String` alias when every variant is a string, else a union.
    pub(super) fn union_def(
        &mut self,
        name: String,
        schema: &Schema,
        members: &[ReferenceOr<Schema>],
        keyword: &str,
        pointer: &str,
    ) -> Result<(), Error> {
        let docs = schema.schema_data.description.clone();
        let resolved: Vec<Option<Schema>> = members
            .iter()
            .map(|m| self.resolve(m, pointer).map(|(s, _)| s.into_owned()))
            .collect();
        let strings: Option<Vec<&StringType>> = resolved
            .iter()
            .map(|r| match r.as_ref().map(|s| &s.schema_kind) {
                Some(SchemaKind::Type(Type::String(s))) => Some(s),
                _ => None,
            })
            .collect();
        if let Some(strings) = strings {
            self.types.push(TypeDef {
                name,
                docs,
                kind: string_union(&strings),
                pointer: pointer.to_owned(),
            });
            return Ok(());
        }
        let slot = self.types.len();
        self.types.push(TypeDef {
            name: name.clone(),
            docs,
            kind: TypeKind::Alias(TypeRef::Json),
            pointer: pointer.to_owned(),
        });
        let list = push_pointer(pointer, keyword);
        let mut scope = super::members::union_variants();
        let mut variants = Vec::new();
        let explicit = schema.schema_data.discriminator.as_ref();
        // Dropshot-style unions: every variant fixes the same property to
        // a value of its own (found before lowering, to name the variants).
        let implicit = match explicit {
            None => self.implicit_tag(&resolved),
            Some(_) => None,
        };
        for (i, member) in members.iter().enumerate() {
            let at = push_pointer(&list, &i.to_string());
            let title = match member {
                ReferenceOr::Item(s) => s.schema_data.title.as_deref().map(camel),
                ReferenceOr::Reference { .. } => None,
            };
            let tag_name = implicit.as_ref().map(|(_, values)| camel(&values[i]));
            let hint = format!(
                "{name}{}",
                title.or(tag_name).unwrap_or_else(|| format!("Variant{i}"))
            );
            let ty = match self.schema_or_ref(member, &at, &hint) {
                Ok(ty) => ty,
                Err(err) => {
                    self.soften(err, SkipUnit::Schema)?;
                    continue;
                }
            };
            let tags = match explicit {
                Some(d) => self.discriminator_tags(d, member, resolved.get(i)),
                None => Vec::new(),
            };
            // `ShapeCircle` in union `Shape` is variant `Circle`.
            let full = variant_name(&ty);
            let short = full
                .strip_prefix(name.as_str())
                .filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
                .unwrap_or(&full)
                .to_owned();
            variants.push(UnionVariant {
                rust_name: scope.claim(short),
                ty,
                tags,
                boxed: false,
            });
        }
        let mut tag = explicit.map(|d| d.property_name.clone());
        if tag.is_some() && variants.iter().any(|v| v.tags.is_empty()) {
            self.note(
                push_pointer(pointer, "discriminator"),
                "a discriminator value for every variant; the union is decoded by trying each variant in order",
            );
            tag = None;
            variants.iter_mut().for_each(|v| v.tags.clear());
        }
        if tag.is_none()
            && variants.len() == members.len()
            && let Some((property, values)) = implicit
        {
            for (v, value) in variants.iter_mut().zip(values) {
                v.tags = vec![value];
            }
            tag = Some(property);
        }
        self.types[slot].kind = TypeKind::Union { variants, tag };
        Ok(())
    }

    /// The values of discriminator `d` that select `member` (`resolved`:
    /// the schema it resolves to): its `mapping` entries, else its
    /// component's name, or for a member written in place the one value it
    /// fixes the property to.
    fn discriminator_tags(
        &self,
        d: &openapiv3::Discriminator,
        member: &ReferenceOr<Schema>,
        resolved: Option<&Option<Schema>>,
    ) -> Vec<String> {
        match member {
            ReferenceOr::Reference { reference } => {
                let key = reference.rsplit('/').next().unwrap_or(reference);
                let mut tags: Vec<String> = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| *target == reference || *target == key)
                    .map(|(value, _)| value.clone())
                    .collect();
                if tags.is_empty() {
                    tags.push(key.to_owned());
                }
                tags
            }
            ReferenceOr::Item(_) => match resolved {
                Some(Some(s)) => self.fixed_value(s, &d.property_name).into_iter().collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The one value `property` is fixed to in object schema `s`.
    fn fixed_value(&self, s: &Schema, property: &str) -> Option<String> {
        let SchemaKind::Type(Type::Object(o)) = &s.schema_kind else {
            return None;
        };
        let prop = self.resolve_boxed(o.properties.get(property)?)?;
        match &prop.schema_kind {
            SchemaKind::Type(Type::String(st)) if st.enumeration.len() == 1 => {
                st.enumeration[0].clone()
            }
            _ => None,
        }
    }

    /// A property every variant fixes to a distinct single value.
    fn implicit_tag(&self, resolved: &[Option<Schema>]) -> Option<(String, Vec<String>)> {
        let first = resolved.first()?.as_ref()?;
        let SchemaKind::Type(Type::Object(o)) = &first.schema_kind else {
            return None;
        };
        for property in o.properties.keys() {
            let values: Option<Vec<String>> = resolved
                .iter()
                .map(|r| self.fixed_value(r.as_ref()?, property))
                .collect();
            if let Some(values) = values {
                let distinct: BTreeSet<&String> = values.iter().collect();
                if distinct.len() == values.len() && values.len() > 1 {
                    return Some((property.clone(), values));
                }
            }
        }
        None
    }

    /// A named `allOf`: the members' properties merged into one struct;
    /// members that are not objects (unions) become flattened fields.
    pub(super) fn all_of_def(
        &mut self,
        name: String,
        schema: &Schema,
        members: &[ReferenceOr<Schema>],
        pointer: &str,
    ) -> Result<(), Error> {
        let mut merged = Merged::default();
        let list = push_pointer(pointer, "allOf");
        let mut visited = BTreeSet::new();
        let mut refused = None;
        for (i, member) in members.iter().enumerate() {
            if let Err(err) = self.merge(
                member,
                &push_pointer(&list, &i.to_string()),
                &mut merged,
                &mut visited,
                0,
            ) {
                refused = Some(err);
                break;
            }
        }
        // Merging copies inherited fields into every struct: chains and
        // diamonds of `allOf` may not multiply the output past the budget.
        if refused.is_none() {
            match self.merge_budget.checked_sub(merged.properties.len()) {
                Some(left) => self.merge_budget = left,
                None => {
                    refused = Some(self.err(
                        pointer,
                        "allOf members whose merged properties stay within a multiple of the properties the spec declares",
                        Some(format!("{} more properties to merge", merged.properties.len())),
                    ));
                }
            }
        }
        if let Some(err) = refused {
            // A struct missing inherited fields would be wrong: the whole
            // schema is any JSON value instead, reported where it is.
            let at = if err.pointer.starts_with(pointer) {
                err.pointer
            } else {
                pointer.to_owned()
            };
            self.soften(self.err(at, err.expected, err.found), SkipUnit::Schema)?;
            self.types.push(TypeDef {
                name,
                docs: schema.schema_data.description.clone(),
                kind: TypeKind::Alias(TypeRef::Json),
                pointer: pointer.to_owned(),
            });
            return Ok(());
        }
        if merged.properties.is_empty() && !merged.extra && !merged.flatten.is_empty() {
            // Nothing to merge (`allOf` of scalars, or of one union): the
            // first member, with the others' extra constraints ignored.
            let (first, at) = merged.flatten[0].clone();
            let ty = match self.schema_or_ref(&first, &at, &format!("{name}Value")) {
                Ok(ty) => ty,
                Err(err) => {
                    self.soften(err, SkipUnit::Schema)?;
                    TypeRef::Json
                }
            };
            for (_, at) in &merged.flatten[1..] {
                self.note(
                    at.clone(),
                    "an allOf member beside a non-object one: only the first member's type is used",
                );
            }
            self.types.push(TypeDef {
                name,
                docs: schema.schema_data.description.clone(),
                kind: TypeKind::Alias(ty),
                pointer: pointer.to_owned(),
            });
            return Ok(());
        }
        let properties: Vec<(String, ReferenceOr<Box<Schema>>, String)> = merged
            .properties
            .into_iter()
            .map(|(wire, (schema, at))| (wire, schema, at))
            .collect();
        let slot = self.struct_def(
            name.clone(),
            schema.schema_data.description.clone(),
            &properties,
            &merged.required,
            merged.extra,
            pointer,
        )?;
        self.flatten_members(slot, &name, &merged.flatten)
    }

    /// Adds a flattened field to struct `slot` for each `allOf` member that
    /// is not a plain object (a union, a map).
    fn flatten_members(
        &mut self,
        slot: usize,
        name: &str,
        flatten: &[(ReferenceOr<Schema>, String)],
    ) -> Result<(), Error> {
        for (i, (member, at)) in flatten.iter().enumerate() {
            let ty = match self.schema_or_ref(member, at, &format!("{name}Part{i}")) {
                Ok(ty) => ty,
                Err(err) => {
                    self.soften(err, SkipUnit::Schema)?;
                    continue;
                }
            };
            let flattenable = match &ty {
                TypeRef::Named(n) => self.types.iter().any(|t| {
                    t.name == *n
                        && matches!(t.kind, TypeKind::Struct { .. } | TypeKind::Union { .. })
                }),
                TypeRef::Map(_) => true,
                _ => false,
            };
            if !flattenable {
                self.soften(
                    self.err(
                        at.clone(),
                        "an allOf member that is an object or a union of objects",
                        Some("a member that cannot be flattened into a struct".to_owned()),
                    ),
                    SkipUnit::Schema,
                )?;
                continue;
            }
            let TypeKind::Struct { fields, .. } = &mut self.types[slot].kind else {
                continue;
            };
            let mut scope = Scope::default();
            for f in fields.iter() {
                scope.claim(f.rust_name.clone());
            }
            let rust_name = scope.claim(crate::names::snake(&variant_name(&ty)));
            fields.push(Field {
                wire_name: rust_name.clone(),
                rust_name,
                ty,
                required: true,
                docs: Some(
                    "The properties of a member of the `allOf` that is not a plain object."
                        .to_owned(),
                ),
                lenient: false,
                nullable: false,
                boxed: false,
                flatten: true,
                setter: String::new(),
                null_setter: None,
                format: None,
            });
        }
        Ok(())
    }

    fn merge(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &str,
        merged: &mut Merged,
        visited: &mut BTreeSet<String>,
        depth: usize,
    ) -> Result<(), Error> {
        if merged.properties.len() > self.merge_budget {
            return Err(self.err(
                pointer,
                "allOf members whose merged properties stay within a multiple of the properties the spec declares",
                Some(format!("more than {} properties to merge", self.merge_budget)),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(self.err(
                pointer,
                format!("allOf members nested at most {MAX_DEPTH} deep (through $refs)"),
                Some("deeper nesting".to_owned()),
            ));
        }
        if let ReferenceOr::Reference { reference } = member
            && !visited.insert(reference.clone())
        {
            // A member met twice (diamond or cycle) adds nothing new.
            return Ok(());
        }
        let Some((schema, at)) = self.resolve(member, pointer) else {
            let reference = match member {
                ReferenceOr::Reference { reference } => reference.as_str(),
                ReferenceOr::Item(_) => "",
            };
            return self.soften(self.dangling(reference, pointer), SkipUnit::Schema);
        };
        let schema = schema.into_owned();
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                let properties = push_pointer(&at, "properties");
                for (wire, prop) in &o.properties {
                    merged.properties.insert(
                        wire.clone(),
                        (prop.clone(), push_pointer(&properties, wire)),
                    );
                }
                for r in &o.required {
                    if !merged.required.contains(r) {
                        merged.required.push(r.clone());
                    }
                }
                if !matches!(
                    o.additional_properties,
                    None | Some(AdditionalProperties::Any(false))
                ) {
                    merged.extra = true;
                }
            }
            SchemaKind::AllOf { all_of } => {
                let list = push_pointer(&at, "allOf");
                for (i, m) in all_of.iter().enumerate() {
                    self.merge(
                        m,
                        &push_pointer(&list, &i.to_string()),
                        merged,
                        visited,
                        depth + 1,
                    )?;
                }
            }
            SchemaKind::Any(any) if any_is_empty(any) => {}
            _ => merged.flatten.push((member.clone(), pointer.to_owned())),
        }
        Ok(())
    }
}

/// A union of strings: an enum of their values when every one lists them,
/// else a `String`.
fn string_union(strings: &[&StringType]) -> TypeKind {
    if strings.iter().any(|s| s.enumeration.is_empty()) {
        return TypeKind::Alias(TypeRef::String(Constraints::default()));
    }
    let mut scope = super::members::enum_variants();
    let mut seen = BTreeSet::new();
    let variants = strings
        .iter()
        .flat_map(|s| s.enumeration.iter().flatten())
        .filter(|wire| seen.insert(wire.as_str()))
        .map(|wire| Variant {
            wire_name: wire.clone(),
            rust_name: scope.claim(camel(wire)),
        })
        .collect();
    TypeKind::Enum { variants }
}

/// A variant name from the variant's type.
fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String(_) | TypeRef::Secret(_) => "String".to_owned(),
        TypeRef::Integer { .. } => "Integer".to_owned(),
        TypeRef::Number(_) => "Number".to_owned(),
        TypeRef::Bool => "Boolean".to_owned(),
        TypeRef::Array(inner, _) => format!("{}List", variant_name(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner)),
        TypeRef::Json => "Value".to_owned(),
        TypeRef::Base64 | TypeRef::Binary => "Bytes".to_owned(),
    }
}
