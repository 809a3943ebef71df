//! Operations: one per path and method, in spec order, each followed by
//! its batch form (`x-dialtone-batch`, in `batch.rs`). An operation that
//! cannot be generated is skipped as a whole, leaving no trace in the name
//! scopes (or, strictly, refused).

use openapiv3::{Parameter, ReferenceOr};
use serde_json::Value;

use super::extensions::*;
use super::response::statuses;
use super::{Lowerer, members};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, camel, snake};

/// The names operations claim: client methods, builder types and example
/// tests. Journaled during each operation, rolled back if it is skipped.
struct Names {
    methods: Scope,
    builders: Scope,
    examples: Scope,
}

impl Names {
    fn begin(&mut self) {
        self.methods.begin();
        self.builders.begin();
        self.examples.begin();
    }

    fn commit(&mut self) {
        self.methods.commit();
        self.builders.commit();
        self.examples.commit();
    }

    fn rollback(&mut self) {
        self.methods.rollback();
        self.builders.rollback();
        self.examples.rollback();
    }
}

/// What [`Lowerer::operations`] gives.
pub(super) struct Lowered {
    pub(super) operations: Vec<Operation>,
    pub(super) examples: Vec<Example>,
    pub(super) shared_errors: Vec<SharedErrors>,
    /// The client methods claimed so far (servers claim theirs after).
    pub(super) methods: Scope,
}

/// One operation of a path item, as the spec has it.
struct Input<'o> {
    id: String,
    http_method: HttpMethod,
    path: &'o str,
    path_params: &'o [ReferenceOr<Parameter>],
    path_pointer: String,
    op: &'o openapiv3::Operation,
    pointer: String,
}

impl<'a> Lowerer<'a> {
    /// Every operation (and batch form), the examples they document, the
    /// error enums they share, and the scope of client methods.
    pub(super) fn operations(&mut self) -> Result<Lowered, Error> {
        let mut names = Names {
            methods: members::client_methods(),
            builders: members::builder_types(),
            examples: members::example_tests(),
        };
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
                let input = Input {
                    id: op
                        .operation_id
                        .clone()
                        .filter(|id| !id.trim().is_empty())
                        .unwrap_or_else(|| snake(&format!("{method} {path}"))),
                    http_method: http_method(method),
                    path,
                    path_params: &item.parameters,
                    path_pointer: path_pointer.clone(),
                    op,
                    pointer: pointer.clone(),
                };
                // Lowered as a trial of the name scopes and examples, so
                // that a skipped operation leaves no trace (undone rather
                // than copied: a copy per operation is quadratic).
                names.begin();
                let examples_before = examples.len();
                match self.operation_and_batch(input, &mut names, &mut examples) {
                    Ok(ops) => {
                        operations.extend(ops);
                        names.commit();
                    }
                    Err(err) => {
                        names.rollback();
                        examples.truncate(examples_before);
                        self.skip_operation(err, &pointer)?;
                    }
                }
            }
        }
        let shared_errors = super::response::share_errors(&mut operations, &mut names.builders);
        Ok(Lowered {
            operations,
            examples,
            shared_errors,
            methods: names.methods,
        })
    }

    /// Records an operation left out, with where inside it the problem is;
    /// strictly, fails with `err`.
    fn skip_operation(&mut self, err: Error, pointer: &str) -> Result<(), Error> {
        // The overlay is the user's own: a problem in it always fails.
        let in_overlay = self.overlaid.contains(pointer)
            && err
                .pointer
                .starts_with(&push_pointer(pointer, EXT_PAGINATION));
        if self.strict || in_overlay {
            return Err(err);
        }
        let found = err
            .found
            .map(|f| format!(", found {f}"))
            .unwrap_or_default();
        let inner = err.pointer.strip_prefix(pointer).unwrap_or(&err.pointer);
        let at = if inner.is_empty() {
            String::new()
        } else {
            format!("at {inner}: ")
        };
        self.skipped.push(Skipped {
            unit: SkipUnit::Operation,
            pointer: pointer.to_owned(),
            reason: format!("{at}expected {}{found}", err.expected),
        });
        Ok(())
    }

    /// One operation, its examples, and its batch form if it has one.
    fn operation_and_batch(
        &mut self,
        input: Input<'a>,
        names: &mut Names,
        examples: &mut Vec<Example>,
    ) -> Result<Vec<Operation>, Error> {
        let (op, pointer) = (input.op, input.pointer.clone());
        let pointer = pointer.as_str();
        let method_name = names.methods.claim(snake(&input.id));
        let builder_name = names.builders.claim(camel(&input.id));
        let mut operation =
            self.operation(input, method_name, builder_name, &mut names.builders)?;
        self.examples_of(op, pointer, &operation, &mut names.examples, examples)?;
        operation.statuses = statuses(op);
        operation.response_headers = self.response_headers(op);
        if operation.accept.is_none() {
            operation.accept = self.negotiated_accept(op);
        }
        let batch = match op.extensions.get(EXT_BATCH) {
            Some(value) => Some(self.batch_operation(
                &operation,
                op,
                value,
                &push_pointer(pointer, EXT_BATCH),
                &mut names.methods,
                &mut names.builders,
            )?),
            None => None,
        };
        Ok(std::iter::once(operation).chain(batch).collect())
    }

    fn operation(
        &mut self,
        input: Input<'a>,
        method_name: String,
        builder_name: String,
        builders: &mut Scope,
    ) -> Result<Operation, Error> {
        let Input {
            id,
            http_method,
            path,
            path_params,
            path_pointer,
            op,
            pointer,
        } = input;
        let (path_pointer, pointer) = (path_pointer.as_str(), pointer.as_str());
        let enveloped = self.op_uses_envelope(op, pointer)?;
        let (params, path_segments) =
            self.operation_params(path, path_params, path_pointer, op, pointer, &builder_name)?;
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
        let paging = match op.extensions.get(EXT_PAGINATION) {
            None => self.detected_paging(op, http_method, &params, &success),
            // Paging found by convention turned off.
            Some(Value::Bool(false)) => None,
            Some(value) => Some(self.paging(
                value,
                &push_pointer(pointer, EXT_PAGINATION),
                &params,
                &success,
            )?),
        };
        let (authenticated, security, basic_auth) = self.security(op);
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
            docs: docs(op.summary.as_deref(), op.description.as_deref()),
            authenticated,
            security,
            basic_auth,
            deprecated: op.deprecated,
            idempotent,
            accept: None,
            paging,
            throttling_group: self.string_extension(&op.extensions, pointer, EXT_THROTTLING)?,
            pointer: pointer.to_owned(),
        })
    }

    /// Whether an operation carries credentials, its security requirement
    /// (alternatives of scheme keys; `None` when the spec states none, so
    /// every configured credential applies), and whether it takes HTTP
    /// Basic credentials per call too (OAuth token endpoints, whose only
    /// scheme is Basic).
    fn security(&self, op: &openapiv3::Operation) -> (bool, Option<Vec<Vec<String>>>, bool) {
        let Some(requirement) = op.security.as_ref().or(self.doc.security.as_ref()) else {
            return (true, None, false);
        };
        let alternatives: Vec<Vec<String>> = requirement
            .iter()
            .map(|alt| alt.keys().cloned().collect())
            .collect();
        let schemes: Vec<&str> = alternatives.iter().flatten().map(String::as_str).collect();
        if schemes.is_empty() {
            return (false, None, false);
        }
        let basic_auth = schemes.iter().all(|name| self.is_basic_scheme(name));
        (true, Some(alternatives), basic_auth)
    }

    /// The parameters of an operation (the path item's, overridden by the
    /// operation's), path parameters first in template order, each with a
    /// distinct Rust name; and the path split into literals and parameters.
    fn operation_params(
        &mut self,
        path: &str,
        path_params: &[ReferenceOr<Parameter>],
        path_pointer: &str,
        op: &openapiv3::Operation,
        pointer: &str,
        builder_name: &str,
    ) -> Result<(Vec<Param>, Vec<Segment>), Error> {
        let mut declared: Vec<(Param, String)> = Vec::new();
        for (param, param_pointer) in
            numbered(path_params, path_pointer).chain(numbered(&op.parameters, pointer))
        {
            let param = match self.parameter(param, &param_pointer, builder_name) {
                Ok(param) => param,
                // An optional parameter Dialtone cannot send is left out;
                // without a required one the operation cannot be called.
                Err(err) if !self.parameter_required(param) => {
                    self.soften(err, SkipUnit::Parameter)?;
                    continue;
                }
                Err(err) => return Err(err),
            };
            declared.retain(|(p, _)| {
                !(p.wire_name == param.wire_name && p.location() == param.location())
            });
            declared.push((param, param_pointer));
        }
        let mut params: Vec<Param> = Vec::new();
        let mut segments = Vec::new();
        for piece in split_template(path) {
            match piece {
                TemplatePiece::Literal(text) => segments.push(Segment::Literal(text)),
                TemplatePiece::Param(name) => {
                    let found = declared.iter().position(|(p, _)| {
                        p.location() == ParamLocation::Path && p.wire_name == name
                    });
                    let Some(index) = found else {
                        return Err(self.err(
                            pointer,
                            format!("a path parameter named `{name}` for the template {path}"),
                            Some("none declared".to_owned()),
                        ));
                    };
                    segments.push(Segment::Param(params.len()));
                    params.push(declared.remove(index).0);
                }
            }
        }
        if let Some((param, param_pointer)) = declared
            .iter()
            .find(|(p, _)| p.location() == ParamLocation::Path)
        {
            return Err(self.err(
                param_pointer.clone(),
                format!("a path parameter that appears in the template {path}"),
                Some(format!("`{}`", param.wire_name)),
            ));
        }
        params.extend(declared.into_iter().map(|(p, _)| p));
        let mut scope = members::builder_members();
        for param in &mut params {
            param.rust_name = scope.claim(std::mem::take(&mut param.rust_name));
        }
        Ok((params, segments))
    }
}

/// An operation's summary and description, the description left out when
/// it only repeats the summary (Twilio's specs give most operations the
/// same text twice): equal but for whitespace and the punctuation around
/// it (`List calls` and `List calls.`), so that the docs say it once.
fn docs(summary: Option<&str>, description: Option<&str>) -> Docs {
    let repeats = match (summary, description) {
        (Some(s), Some(d)) => {
            let core = |t: &str| -> String {
                let t = t.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
                t.split_whitespace().collect::<Vec<_>>().join(" ")
            };
            let s = core(s);
            !s.is_empty() && s == core(d)
        }
        _ => false,
    };
    Docs {
        summary: summary.map(str::to_owned),
        description: description.filter(|_| !repeats).map(str::to_owned),
    }
}

/// The parameters of `list`, each with its pointer under `at`.
fn numbered<'l>(
    list: &'l [ReferenceOr<Parameter>],
    at: &str,
) -> impl Iterator<Item = (&'l ReferenceOr<Parameter>, String)> + 'l {
    let at = push_pointer(at, "parameters");
    list.iter()
        .enumerate()
        .map(move |(i, p)| (p, push_pointer(&at, &i.to_string())))
}

fn http_method(method: &str) -> HttpMethod {
    match method {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "post" => HttpMethod::Post,
        "delete" => HttpMethod::Delete,
        "patch" => HttpMethod::Patch,
        "head" => HttpMethod::Head,
        "options" => HttpMethod::Options,
        _ => HttpMethod::Trace,
    }
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

#[cfg(test)]
mod tests {
    use super::docs;

    #[test]
    fn a_description_that_repeats_the_summary_is_left_out() {
        for (summary, description) in [
            ("List calls", "List calls"),
            ("List calls", "  List calls\n"),
            ("List calls", "List calls."),
            ("List calls.", "List calls"),
            ("List  calls", "List calls ..."),
            ("Fetch a `Call`", "Fetch a\n`Call`."),
        ] {
            let d = docs(Some(summary), Some(description));
            assert_eq!(d.summary.as_deref(), Some(summary));
            assert_eq!(d.description, None, "{summary:?} / {description:?}");
        }
        // More than the summary, or other words: both stay.
        for (summary, description) in [
            ("List calls", "List calls. Newest first."),
            ("List calls", "List calls made today"),
            ("List calls", "list calls"),
            ("List calls", "Lists calls."),
            ("...", "..."),
        ] {
            let d = docs(Some(summary), Some(description));
            assert_eq!(d.description.as_deref(), Some(description), "{summary:?}");
        }
        // Either alone is kept as it is.
        assert_eq!(docs(None, Some("x")).description.as_deref(), Some("x"));
        assert_eq!(docs(Some("x"), None).summary.as_deref(), Some("x"));
    }
}
