//! `x-dialtone-digest`: a property that carries a digest of a user's
//! credentials instead of the password (Kazoo's user login wants the md5
//! of `lowercase(username):password`). Its struct gets a constructor from
//! the user name and password, and the runtime computes the digest.

use openapiv3::{ReferenceOr, SchemaKind, Type};
use serde_json::Value;

use super::Lowerer;
use crate::error::{Error, push_pointer};
use crate::ir::{Digest, TypeKind, TypeRef};

const EXT_DIGEST: &str = "x-dialtone-digest";
const EXPECTED: &str = "{algorithm: md5, of: lowercase-user-colon-password}";

impl Lowerer<'_> {
    /// Every property of a component schema marked `x-dialtone-digest`.
    pub(super) fn digests(&self) -> Result<Vec<Digest>, Error> {
        let mut out = Vec::new();
        for (key, schema) in self.component_schemas() {
            let ReferenceOr::Item(schema) = schema else {
                continue;
            };
            let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
                continue;
            };
            for (property, property_schema) in &object.properties {
                let ReferenceOr::Item(property_schema) = property_schema else {
                    continue;
                };
                let Some(value) = property_schema.schema_data.extensions.get(EXT_DIGEST) else {
                    continue;
                };
                let schema_pointer = push_pointer("/components/schemas", key);
                let pointer = push_pointer(
                    &push_pointer(&push_pointer(&schema_pointer, "properties"), property),
                    EXT_DIGEST,
                );
                let text = |k: &str| value.get(k).and_then(Value::as_str);
                if text("algorithm") != Some("md5")
                    || text("of") != Some("lowercase-user-colon-password")
                {
                    return Err(self.err(&pointer, EXPECTED, Some(value.to_string())));
                }
                let def = self
                    .components
                    .get(key)
                    .and_then(|name| self.types.iter().find(|t| t.name == *name));
                let fields = match def.map(|d| &d.kind) {
                    Some(TypeKind::Struct { fields, .. }) => fields,
                    _ => {
                        return Err(self.err(
                            &pointer,
                            "a property of an object schema that is a type of its own",
                            None,
                        ));
                    }
                };
                let field = fields.iter().find(|f| f.wire_name == *property);
                let others_required = fields
                    .iter()
                    .any(|f| f.wire_name != *property && f.required);
                match field {
                    Some(f)
                        if f.required
                            && !others_required
                            && matches!(f.ty, TypeRef::String(_) | TypeRef::Secret(_)) =>
                    {
                        out.push(Digest {
                            type_name: def.map(|d| d.name.clone()).unwrap_or_default(),
                            field: f.rust_name.clone(),
                            secret: matches!(f.ty, TypeRef::Secret(_)),
                        });
                    }
                    _ => {
                        return Err(self.err(
                            &pointer,
                            "a required string property, the only required one of its object",
                            None,
                        ));
                    }
                }
            }
        }
        Ok(out)
    }
}
