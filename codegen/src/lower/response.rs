//! Responses: what a success returns (per status), the error bodies an
//! operation documents, and the headers its success responses name.

use std::collections::HashMap;

use openapiv3::{ReferenceOr, Response, StatusCode};
use serde_json::Value;

use super::Lowerer;
use super::body::{Kind, pick_media};
use super::extensions::{EXT_BATCH, EXT_ERROR_SCHEMA};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, camel};

impl<'a> Lowerer<'a> {
    pub(super) fn response(
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
    ) -> Result<One, Error> {
        let Some((media, key, media_type)) = pick_media(&response.content, false) else {
            return Ok(One::Empty);
        };
        Ok(match media {
            Kind::Json => {
                let media_pointer = push_pointer(&push_pointer(response_pointer, "content"), key);
                let ty = match &media_type.schema {
                    Some(schema) => {
                        self.schema_or_ref(schema, &push_pointer(&media_pointer, "schema"), hint)?
                    }
                    None => TypeRef::Json,
                };
                let envelope = match (enveloped, self.envelope.response.clone()) {
                    (true, Some(prop)) => {
                        let (field, field_ty, wire) =
                            self.envelope_field(&ty, &prop, false, &media_pointer)?;
                        Some(EnvelopePayload {
                            field,
                            ty: field_ty,
                            wire,
                        })
                    }
                    _ => None,
                };
                One::Json { ty, envelope }
            }
            Kind::Text => One::Text,
            _ => One::Bytes,
        })
    }

    pub(super) fn success(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        enveloped: bool,
        builders: &mut Scope,
        builder: &str,
    ) -> Result<Success, Error> {
        let responses = push_pointer(pointer, "responses");
        let base = camel(op.operation_id.as_deref().unwrap_or("operation"));
        let mut found: Vec<(Option<u16>, One)> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = match status {
                StatusCode::Code(code) if (200..300).contains(code) => Some(*code),
                StatusCode::Range(2) => None,
                _ => continue,
            };
            if batch_status(op) == Some(status.to_string().as_str()) {
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
                return self
                    .response_body(
                        response,
                        &response_pointer,
                        &format!("{base}Response"),
                        enveloped,
                    )
                    .map(One::into_success);
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
            return Ok(found.swap_remove(0).1.into_success());
        }
        let mut scope = super::members::response_variants();
        let variants = found
            .into_iter()
            .map(|(status, body)| StatusVariant {
                status,
                rust_name: scope.claim(status_name(status)),
                body: body.into_payload(),
            })
            .collect();
        Ok(Success::Multi {
            name: builders.claim(format!("{builder}Response")),
            variants,
        })
    }

    /// The `Accept` header a call sends where a success response offers
    /// several media types: the ones the client decodes (JSON before text
    /// before bytes, as `pick_media` chooses), so that the server answers
    /// in one of them. `None` where every success offers one media type at
    /// most (nothing to choose), or a media type is no valid header text.
    pub(super) fn negotiated_accept(&self, op: &'a openapiv3::Operation) -> Option<String> {
        let mut picked: Vec<&str> = Vec::new();
        let mut choice = false;
        // The batch form's status is the batch call's (its own Accept).
        let batch_status = batch_status(op);
        let success = op.responses.responses.iter().filter(|(status, _)| {
            let code = match status {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            };
            code && batch_status != Some(status.to_string().as_str())
        });
        for (_, response) in success {
            let Ok((response, _)) = self.response(response, "") else {
                continue;
            };
            choice |= response.content.len() > 1;
            if let Some((_, key, _)) = pick_media(&response.content, false)
                && !picked.contains(&key.as_str())
            {
                picked.push(key);
            }
        }
        let header_text =
            |k: &&str| !k.is_empty() && k.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b',');
        (choice && !picked.is_empty() && picked.iter().all(header_text)).then(|| picked.join(", "))
    }

    /// The names of the headers an operation's success responses document.
    pub(super) fn response_headers(&self, op: &'a openapiv3::Operation) -> Vec<String> {
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
    pub(super) fn error_bodies(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        builders: &mut Scope,
        builder: &str,
    ) -> Result<Option<OperationErrors>, Error> {
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
            let Some((Kind::Json, media_key, media)) = pick_media(&response.content, false) else {
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
        Ok(Some(OperationErrors {
            name: builders.claim(format!("{builder}Error")),
            variants,
            shared: None,
        }))
    }
}

/// The status of the batch form's answer (`x-dialtone-batch`), which is
/// the batch call's, not the single call's.
fn batch_status(op: &openapiv3::Operation) -> Option<&str> {
    op.extensions
        .get(EXT_BATCH)
        .and_then(|b| b.get("status"))
        .and_then(Value::as_str)
}

pub(super) fn statuses(op: &openapiv3::Operation) -> Vec<String> {
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

/// The variant of an error status (`NotFound`, `Status418`).
pub(super) fn error_status_name(code: u16) -> String {
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
pub(super) fn status_name(status: Option<u16>) -> String {
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

/// What one response carries.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // plain data, built once per response
enum One {
    Empty,
    Json {
        ty: TypeRef,
        envelope: Option<EnvelopePayload>,
    },
    Text,
    Bytes,
}

impl One {
    /// The success of an operation with this one body.
    fn into_success(self) -> Success {
        match self {
            One::Empty => Success::Empty,
            One::Json { ty, envelope } => Success::Json { ty, envelope },
            One::Text => Success::Text,
            One::Bytes => Success::Bytes,
        }
    }

    /// The body of one status among several (an envelope decodes whole).
    fn into_payload(self) -> Payload {
        match self {
            One::Empty => Payload::Empty,
            One::Json { ty, .. } => Payload::Json(ty),
            One::Text => Payload::Text,
            One::Bytes => Payload::Bytes,
        }
    }
}

/// The response headers documented once for all operations
/// ([`Api::common_response_headers`](crate::ir::Api::common_response_headers)):
/// those every operation that documents response headers documents, when
/// those operations are at least two and at least half of all, so that
/// the `Client`'s docs can list the few others. In the order of the first
/// such operation.
pub(super) fn common_response_headers(operations: &[Operation]) -> Vec<String> {
    let documenting: Vec<&Operation> = operations
        .iter()
        .filter(|op| !op.response_headers.is_empty())
        .collect();
    let Some(first) = documenting.first() else {
        return Vec::new();
    };
    if documenting.len() < 2 || documenting.len() * 2 < operations.len() {
        return Vec::new();
    }
    first
        .response_headers
        .iter()
        .filter(|name| {
            documenting.iter().all(|op| {
                op.response_headers
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name))
            })
        })
        .cloned()
        .collect()
}

/// Operations that document the same error bodies (the same statuses and
/// ranges, each with the same body type) share one enum: it is claimed in
/// `builders` (after every operation's own names, so that it never takes
/// one), named after the statuses it covers, and each such operation's
/// errors become an alias of it under the operation's own name. Operations
/// whose errors are their own keep their enum.
pub(super) fn share_errors(
    operations: &mut [Operation],
    builders: &mut Scope,
) -> Vec<SharedErrors> {
    // By statuses first (cheap to hash), then by body types (compared).
    let mut by_statuses: HashMap<Vec<(StatusMatch, String)>, Vec<usize>> = HashMap::new();
    // Groups of operation indexes with one shape, in order of first use.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        let Some(errors) = &op.errors else {
            continue;
        };
        let candidates = by_statuses
            .entry(statuses_key(&errors.variants))
            .or_default();
        let same = candidates.iter().copied().find(|&g| {
            let first = &operations[groups[g][0]];
            first
                .errors
                .as_ref()
                .is_some_and(|e| same_shape(&e.variants, &errors.variants))
        });
        match same {
            Some(g) => groups[g].push(i),
            None => {
                candidates.push(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    let mut shared = Vec::new();
    for group in groups.into_iter().filter(|g| g.len() > 1) {
        let variants = operations[group[0]]
            .errors
            .as_ref()
            .map(|e| e.variants.clone())
            .unwrap_or_default();
        let name = builders.claim(shared_name(&variants));
        for &i in &group {
            if let Some(errors) = &mut operations[i].errors {
                errors.shared = Some(name.clone());
            }
        }
        shared.push(SharedErrors {
            name,
            variants,
            operations: group
                .iter()
                .filter_map(|&i| {
                    let op = &operations[i];
                    let errors = op.errors.as_ref()?;
                    Some((op.method_name.clone(), errors.name.clone()))
                })
                .collect(),
        });
    }
    shared
}

/// The order variants are compared and named in: exact statuses (lowest
/// first), then ranges, then `default`.
fn status_order(status: StatusMatch) -> (u8, u16) {
    match status {
        StatusMatch::Code(code) => (0, code),
        StatusMatch::Range(digit) => (1, digit),
        StatusMatch::Default => (2, 0),
    }
}

fn sorted(variants: &[ErrorVariant]) -> Vec<&ErrorVariant> {
    let mut sorted: Vec<&ErrorVariant> = variants.iter().collect();
    sorted.sort_by_key(|v| status_order(v.status));
    sorted
}

/// The statuses and variant names of an error shape, in [`status_order`].
fn statuses_key(variants: &[ErrorVariant]) -> Vec<(StatusMatch, String)> {
    sorted(variants)
        .into_iter()
        .map(|v| (v.status, v.rust_name.clone()))
        .collect()
}

/// Whether two operations' errors would render the same enum (whatever
/// order the spec lists their statuses in).
fn same_shape(a: &[ErrorVariant], b: &[ErrorVariant]) -> bool {
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// A shared error enum's name, after the statuses it covers and nothing
/// else, so that it stays while operations come and go:
/// `Status404Error`, `Status401Or404Or429Error`, `Status4xxOr5xxError`,
/// `Status404OrDefaultError`, `DefaultError` (a clash gets the scope's
/// suffix; a long one is capped like any name).
pub(super) fn shared_name(variants: &[ErrorVariant]) -> String {
    let parts: Vec<String> = sorted(variants)
        .into_iter()
        .map(|v| match v.status {
            StatusMatch::Code(code) => code.to_string(),
            StatusMatch::Range(digit) => format!("{digit}xx"),
            StatusMatch::Default => "Default".to_owned(),
        })
        .collect();
    let prefix = if parts.first().is_some_and(|p| p == "Default") {
        ""
    } else {
        "Status"
    };
    camel(&format!("{prefix}{}Error", parts.join("Or")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(status: StatusMatch, rust_name: &str, ty: &str) -> ErrorVariant {
        ErrorVariant {
            status,
            rust_name: rust_name.to_owned(),
            ty: TypeRef::Named(ty.to_owned()),
        }
    }

    #[test]
    fn shared_error_enums_are_named_after_their_statuses_in_order() {
        let nexus = [
            variant(StatusMatch::Range(5), "ServerError", "Error"),
            variant(StatusMatch::Range(4), "ClientError", "Error"),
        ];
        assert_eq!(shared_name(&nexus), "Status4xxOr5xxError");
        let mixed = [
            variant(StatusMatch::Default, "Default", "Error"),
            variant(StatusMatch::Code(429), "TooManyRequests", "Error"),
            variant(StatusMatch::Code(404), "NotFound", "Error"),
        ];
        assert_eq!(shared_name(&mixed), "Status404Or429OrDefaultError");
        let default = [variant(StatusMatch::Default, "Default", "Error")];
        assert_eq!(shared_name(&default), "DefaultError");
        // Order does not matter; a body type does.
        let swapped = [nexus[1].clone(), nexus[0].clone()];
        assert!(same_shape(&nexus, &swapped));
        let other = [
            nexus[1].clone(),
            variant(StatusMatch::Range(5), "ServerError", "Other"),
        ];
        assert!(!same_shape(&nexus, &other));
        assert_eq!(statuses_key(&nexus), statuses_key(&other));
    }

    fn op(method: &str, errors: Option<Vec<ErrorVariant>>) -> Operation {
        Operation {
            id: method.to_owned(),
            method_name: method.to_owned(),
            builder_name: camel(method),
            http_method: HttpMethod::Get,
            path_template: "/".to_owned(),
            path: Vec::new(),
            params: Vec::new(),
            body: None,
            success: Success::Empty,
            errors: errors.map(|variants| OperationErrors {
                name: format!("{}Error", camel(method)),
                variants,
                shared: None,
            }),
            statuses: Vec::new(),
            response_headers: Vec::new(),
            docs: Docs::default(),
            authenticated: true,
            security: None,
            basic_auth: false,
            deprecated: false,
            idempotent: None,
            paging: None,
            accept: None,
            throttling_group: None,
            pointer: String::new(),
        }
    }

    #[test]
    fn only_shapes_used_twice_are_shared_and_clashes_are_numbered() {
        let not_found = |ty: &str| vec![variant(StatusMatch::Code(404), "NotFound", ty)];
        let mut ops = vec![
            op("a", Some(not_found("Error"))),
            op("b", None),
            op("c", Some(not_found("Other"))),
            op("d", Some(not_found("Error"))),
            op("e", Some(not_found("Other"))),
            op("f", Some(not_found("Third"))),
        ];
        // An operation's own names are claimed first; one may take the
        // name a shared enum would have had.
        let mut builders = Scope::default();
        builders.claim("Status404Error".to_owned());
        let shared = share_errors(&mut ops, &mut builders);
        let names: Vec<&str> = shared.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Status404Error2", "Status404Error3"]);
        assert_eq!(
            shared[0].operations,
            [
                ("a".to_owned(), "AError".to_owned()),
                ("d".to_owned(), "DError".to_owned())
            ]
        );
        let of = |i: usize| ops[i].errors.as_ref().and_then(|e| e.shared.as_deref());
        assert_eq!(
            [of(0), of(1), of(2), of(3), of(4), of(5)],
            [
                Some("Status404Error2"),
                None,
                Some("Status404Error3"),
                Some("Status404Error2"),
                Some("Status404Error3"),
                None
            ]
        );
    }
}
