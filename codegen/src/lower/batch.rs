//! Batch forms (`x-dialtone-batch`): an operation taking several ids in
//! one path segment, answered with one result per id.

use serde_json::Value;

use super::Lowerer;
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::Scope;

impl<'a> Lowerer<'a> {
    /// The batch form of `single` (`x-dialtone-batch`): the same call with
    /// several ids joined in one path segment, answered with one result
    /// per id.
    pub(super) fn batch_operation(
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
                p.location() == ParamLocation::Path
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
        let ty = self.batch_answer(single, op, status, accept, pointer)?;
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
        // `style: simple`: the ids, each percent-encoded, joined by commas.
        id.encoding = Encoding::Path(Shape::List { of_text: true });
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
            // Each part decodes as the single form's answer, when it is JSON;
            // else the answer decodes as the spec's array.
            success: Success::Batch {
                ids: index,
                max,
                answer: match &single.success {
                    Success::Json {
                        ty: item,
                        envelope: None,
                    } => BatchAnswer::Parts {
                        item: item.clone(),
                        parts,
                    },
                    _ => BatchAnswer::Whole(ty),
                },
            },
            paging: None,
            // Decoded with the single form's error enum.
            errors: None,
            accept: Some(accept.to_owned()),
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

    /// The type of the batch answer: the array schema of `status` in
    /// media type `accept`.
    fn batch_answer(
        &mut self,
        single: &Operation,
        op: &'a openapiv3::Operation,
        status: &str,
        accept: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
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
        Ok(ty)
    }
}
