//! Operations: one per path and method, in spec order, and the batch forms
//! (`x-dialtone-batch`). A failing operation is skipped as a whole (or,
//! strictly, refused).

use openapiv3::{Parameter, ReferenceOr};
use serde_json::Value;

use super::extensions::*;
use super::response::statuses;
use super::{Lowerer, RESERVED_BUILDER_NAMES, RESERVED_CLIENT_METHODS, RESERVED_TYPES};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, camel, snake};

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Result<(Vec<Operation>, Vec<Example>), Error> {
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

    pub(super) fn operation(
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
}

pub(super) struct OperationInput<'o> {
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

pub(super) enum TemplatePiece {
    Literal(String),
    Param(String),
}

pub(super) fn split_template(path: &str) -> Vec<TemplatePiece> {
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
