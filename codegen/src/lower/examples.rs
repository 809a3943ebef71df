//! Examples: every example of a request or response body, with the type it
//! must decode into (the generated crate's round-trip test).

use openapiv3::{MediaType, ReferenceOr};

use super::Lowerer;
use super::body::is_json;
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, camel, snake};

impl<'a> Lowerer<'a> {
    pub(super) fn examples_of(
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
    pub(super) fn media_examples(
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
