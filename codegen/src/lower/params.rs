//! Parameters: where each goes, its type, and how its value is written
//! ([`Encoding`]). What Dialtone cannot send as the spec says is refused
//! here, so that rendering never meets it.

use openapiv3::{Parameter, ParameterSchemaOrContent, QueryStyle as SpecStyle, ReferenceOr};

use super::{Lowerer, reqwest_header_ok};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::camel;

impl<'a> Lowerer<'a> {
    pub(super) fn parameter(
        &mut self,
        param: &ReferenceOr<Parameter>,
        pointer: &str,
        builder: &str,
    ) -> Result<Param, Error> {
        let (param, pointer) = self.component(param, pointer)?;
        if let Parameter::Path { style, .. } = param
            && !matches!(style, openapiv3::PathStyle::Simple)
        {
            return Err(self.err(
                pointer,
                "a path parameter of style `simple`",
                Some(format!("{style:?}")),
            ));
        }
        let data = param.parameter_data_ref();
        if matches!(param, Parameter::Header { .. })
            && reqwest_header_ok(&data.name.to_ascii_lowercase()).is_err()
        {
            return Err(self.err(
                push_pointer(&pointer, "name"),
                "a valid HTTP header name",
                Some(format!("\"{}\"", data.name)),
            ));
        }
        let hint = format!(
            "{builder}{}",
            camel(&crate::names::operator_words(&data.name))
        );
        let (ty, schema, json) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (
                self.schema_or_ref(schema, &push_pointer(&pointer, "schema"), &hint)?,
                Some(schema),
                false,
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
                (ty, media.schema.as_ref(), true)
            }
        };
        let encoding = self.encoding(param, &pointer, &ty, json)?;
        let example = data.example.clone().or_else(|| match schema {
            Some(ReferenceOr::Item(s)) => s.schema_data.example.clone(),
            _ => None,
        });
        Ok(Param {
            wire_name: data.name.clone(),
            rust_name: crate::names::param(&data.name),
            required: data.required || matches!(param, Parameter::Path { .. }),
            ty,
            encoding,
            docs: data.description.clone(),
            example,
            deprecated: data.deprecated.unwrap_or(false),
        })
    }

    /// How `param`, of type `ty` (`json`: declared with `content`), is
    /// written on the wire.
    fn encoding(
        &self,
        param: &Parameter,
        pointer: &str,
        ty: &TypeRef,
        json: bool,
    ) -> Result<Encoding, Error> {
        let shape = self.shape(ty);
        let explode = param.parameter_data_ref().explode;
        let scalar = !matches!(shape, Shape::List { .. } | Shape::Structured);
        if json && !matches!(param, Parameter::Query { .. }) {
            return Err(self.err(
                push_pointer(pointer, "content"),
                "a parameter with `content` in the query (Dialtone sends JSON text only as a query parameter)",
                None,
            ));
        }
        let refuse = |expected: &str| {
            Err(self.err(
                push_pointer(pointer, "explode"),
                expected,
                Some("`explode: true`".to_owned()),
            ))
        };
        Ok(match param {
            Parameter::Path { .. } | Parameter::Header { .. }
                if explode == Some(true) && shape == Shape::Structured =>
            {
                return refuse(
                    "`explode: false` for an object in a path or header (Dialtone writes them unexploded)",
                );
            }
            Parameter::Path { .. } => Encoding::Path(shape),
            Parameter::Header { .. } => Encoding::Header(shape),
            // `style: form` explodes by default.
            Parameter::Cookie { .. } if !scalar && explode != Some(false) => {
                return refuse(
                    "`explode: false` for a list or an object in a cookie (Dialtone writes them comma-joined)",
                );
            }
            Parameter::Cookie { .. } => Encoding::Cookie(shape),
            Parameter::Query { .. } if json => Encoding::QueryJson,
            Parameter::Query { style, .. } => Encoding::Query {
                style: match style {
                    SpecStyle::Form => QueryStyle::Form,
                    SpecStyle::SpaceDelimited => QueryStyle::SpaceDelimited,
                    SpecStyle::PipeDelimited => QueryStyle::PipeDelimited,
                    SpecStyle::DeepObject => QueryStyle::DeepObject,
                },
                explode: explode != Some(false),
                shape,
            },
        })
    }

    /// What a value of type `ty` is, as the wire sees it.
    fn shape(&self, ty: &TypeRef) -> Shape {
        match ty {
            TypeRef::String(_) => Shape::Text,
            TypeRef::Secret(_) => Shape::Secret,
            TypeRef::Integer { .. } | TypeRef::Number(_) | TypeRef::Bool => Shape::Scalar,
            TypeRef::Named(name) if self.is_enum(name) => Shape::Enum,
            TypeRef::Array(inner, _) => match self.shape(inner) {
                Shape::Text => Shape::List { of_text: true },
                Shape::Scalar | Shape::Enum => Shape::List { of_text: false },
                _ => Shape::Structured,
            },
            _ => Shape::Structured,
        }
    }

    pub(super) fn parameter_required(&self, param: &ReferenceOr<Parameter>) -> bool {
        self.component(param, "").map_or(true, |(p, _)| {
            matches!(p, Parameter::Path { .. }) || p.parameter_data_ref().required
        })
    }
}
