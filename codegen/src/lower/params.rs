//! Parameters: where each goes, its type, and how its value is encoded.

use openapiv3::{Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr};

use super::{Lowerer, reqwest_header_ok};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{camel, snake};

impl<'a> Lowerer<'a> {
    /// `None` for parameters Dialtone leaves to the runtime (cookies).
    pub(super) fn parameter(
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

    pub(super) fn parameter_required(&self, param: &ReferenceOr<Parameter>) -> bool {
        self.component(param, "").map_or(true, |(p, _)| {
            matches!(p, Parameter::Path { .. }) || p.parameter_data_ref().required
        })
    }
}
