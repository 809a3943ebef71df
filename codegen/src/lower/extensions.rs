//! The `x-dialtone-*` extensions read at the root of a spec (operation and
//! schema extensions are read where their node is lowered; all are listed
//! here and documented in the crate root).

use serde_json::Value;

use super::Lowerer;
use crate::error::{Error, push_pointer};
use crate::ir::{ErrCode, Operation, RateGroup, TypeRef};
use crate::names::camel;

/// Root: request and response bodies wrapped in a property.
pub(super) const EXT_ENVELOPE: &str = "x-dialtone-envelope";
/// Root: the component schema of the vendor's error body.
pub(super) const EXT_ERROR_SCHEMA: &str = "x-dialtone-error-schema";
/// Root: the response header with the vendor's request id.
pub(super) const EXT_REQUEST_ID: &str = "x-dialtone-request-id-header";
/// Root: the operation of the README example.
pub(super) const EXT_EXAMPLE_OP: &str = "x-dialtone-example-operation";
/// Root: errors reported inside success bodies.
pub(super) const EXT_ERRCODE: &str = "x-dialtone-errcode";
/// Root: client-side rate limits per group.
pub(super) const EXT_RATE_LIMITS: &str = "x-dialtone-rate-limits";
/// Server: the name of its `Client` constructor.
pub(super) const EXT_SERVER_NAME: &str = "x-dialtone-name";
/// Operation: whether it may be replayed.
pub(super) const EXT_IDEMPOTENT: &str = "x-dialtone-idempotent";
/// Operation: its batch form.
pub(super) const EXT_BATCH: &str = "x-dialtone-batch";
/// Operation: its paging style.
pub(crate) const EXT_PAGINATION: &str = "x-dialtone-pagination";
/// Operation: RingCentral's rate-limit group.
pub(super) const EXT_THROTTLING: &str = "x-throttling-group";
/// Security scheme: how its tokens are obtained and renewed.
pub(super) const EXT_AUTH: &str = "x-dialtone-auth";
/// Boolean property: also accept `"true"`/`"false"`.
pub(super) const EXT_LENIENT: &str = "x-dialtone-lenient";
/// String schema: a credential.
pub(super) const EXT_SECRET: &str = "x-dialtone-secret";

/// Which property wraps request and response payloads (`x-dialtone-envelope`).
#[derive(Default)]
pub(super) struct EnvelopeConfig {
    pub(super) request: Option<String>,
    pub(super) response: Option<String>,
}

impl<'a> Lowerer<'a> {
    pub(super) fn string_extension(
        &self,
        extensions: &indexmap::IndexMap<String, Value>,
        pointer: &str,
        name: &str,
    ) -> Result<Option<String>, Error> {
        match extensions.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong_kind(push_pointer(pointer, name), "a string", other)),
        }
    }

    /// `x-dialtone-request-id-header`, checked to be a header name.
    pub(super) fn request_id_header(&self) -> Result<Option<String>, Error> {
        let header = self.string_extension(&self.doc.extensions, "", EXT_REQUEST_ID)?;
        if let Some(header) = &header
            && super::reqwest_header_ok(&header.to_ascii_lowercase()).is_err()
        {
            return Err(self.err(
                format!("/{EXT_REQUEST_ID}"),
                "a valid HTTP header name",
                Some(format!("\"{header}\"")),
            ));
        }
        Ok(header)
    }

    /// The index of the README example's operation (`x-dialtone-example-operation`).
    pub(super) fn example_operation(
        &self,
        operations: &[Operation],
    ) -> Result<Option<usize>, Error> {
        let Some(id) = self.string_extension(&self.doc.extensions, "", EXT_EXAMPLE_OP)? else {
            return Ok(None);
        };
        operations
            .iter()
            .position(|op| op.id == id)
            .map(Some)
            .ok_or_else(|| {
                self.err(
                    format!("/{EXT_EXAMPLE_OP}"),
                    "the operationId of an operation in this spec",
                    Some(format!("\"{id}\"")),
                )
            })
    }

    pub(super) fn envelope_config(&self) -> Result<EnvelopeConfig, Error> {
        let Some(value) = self.doc.extensions.get(EXT_ENVELOPE) else {
            return Ok(EnvelopeConfig::default());
        };
        let pointer = format!("/{EXT_ENVELOPE}");
        let expected =
            "a mapping with string keys `request` and/or `response` (the wrapped property)";
        let Value::Object(map) = value else {
            return Err(self.wrong_kind(pointer, expected, value));
        };
        let mut config = EnvelopeConfig::default();
        for (key, v) in map {
            let Value::String(prop) = v else {
                return Err(self.wrong_kind(push_pointer(&pointer, key), "a property name", v));
            };
            match key.as_str() {
                "request" => config.request = Some(prop.clone()),
                "response" => config.response = Some(prop.clone()),
                other => return Err(self.err(pointer, expected, Some(format!("key `{other}`")))),
            }
        }
        Ok(config)
    }

    /// Whether an operation keeps the spec-wide envelope (`x-dialtone-envelope: false` opts out).
    pub(super) fn op_uses_envelope(
        &self,
        op: &openapiv3::Operation,
        pointer: &str,
    ) -> Result<bool, Error> {
        match op.extensions.get(EXT_ENVELOPE) {
            None | Some(Value::Bool(true)) => Ok(true),
            Some(Value::Bool(false)) => Ok(false),
            Some(other) => Err(self.wrong_kind(
                push_pointer(pointer, EXT_ENVELOPE),
                "`false` (to opt out of the spec's envelope)",
                other,
            )),
        }
    }

    /// The rate-limit groups: those with limits (`x-dialtone-rate-limits`),
    /// then any other an operation names (`x-throttling-group`).
    pub(super) fn rate_groups(&self, operations: &[Operation]) -> Result<Vec<RateGroup>, Error> {
        let mut names = super::members::enum_variants();
        let mut out: Vec<RateGroup> = Vec::new();
        let limited = self
            .rate_limits()?
            .into_iter()
            .map(|(g, r, w)| (g, Some((r, w))));
        let named = operations
            .iter()
            .filter_map(|op| op.throttling_group.clone())
            .map(|g| (g, None));
        for (wire, limit) in limited.chain(named) {
            if !out.iter().any(|g| g.wire == wire) {
                let rust_name = names.claim(camel(&wire));
                out.push(RateGroup {
                    wire,
                    rust_name,
                    limit,
                });
            }
        }
        Ok(out)
    }

    fn rate_limits(&self) -> Result<Vec<(String, u32, u64)>, Error> {
        let Some(value) = self.doc.extensions.get(EXT_RATE_LIMITS) else {
            return Ok(Vec::new());
        };
        let pointer = format!("/{EXT_RATE_LIMITS}");
        let expected = "a mapping from group name to {requests: <count>, window: <seconds>}";
        let Value::Object(groups) = value else {
            return Err(self.wrong_kind(pointer, expected, value));
        };
        let mut out = Vec::new();
        for (group, limit) in groups {
            let requests = limit
                .get("requests")
                .and_then(Value::as_u64)
                .and_then(|r| u32::try_from(r).ok())
                .filter(|r| *r > 0);
            let window = limit
                .get("window")
                .and_then(Value::as_u64)
                .filter(|w| *w > 0);
            match (requests, window) {
                (Some(requests), Some(window)) => out.push((group.clone(), requests, window)),
                _ => {
                    return Err(self.err(
                        push_pointer(&pointer, group),
                        expected,
                        Some(limit.to_string()),
                    ));
                }
            }
        }
        Ok(out)
    }

    pub(super) fn errcode(&self) -> Result<Option<ErrCode>, Error> {
        let Some(value) = self.doc.extensions.get(EXT_ERRCODE) else {
            return Ok(None);
        };
        let field = value.get("field").and_then(Value::as_str);
        let success = value.get("success").and_then(Value::as_i64);
        let message = match value.get("message") {
            None => Some(None),
            Some(Value::String(m)) => Some(Some(m.clone())),
            Some(_) => None,
        };
        let auth_errors: Option<Vec<String>> = match value.get("auth_errors") {
            None => Some(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(_) => None,
        };
        match (field, success, auth_errors, message) {
            (Some(field), Some(success), Some(auth_errors), Some(message)) => Ok(Some(ErrCode { field: field.to_owned(), success, auth_errors, message })),
            _ => Err(self.err(
                format!("/{EXT_ERRCODE}"),
                "a mapping with `field` (the code's property), `success` (the integer that means success) and optionally `message` (the message's property) and `auth_errors` (texts that mean the token was rejected)",
                Some(value.to_string()),
            )),
        }
    }

    pub(super) fn error_type(&mut self) -> Result<Option<TypeRef>, Error> {
        let Some(name) = self.string_extension(&self.doc.extensions, "", EXT_ERROR_SCHEMA)? else {
            return Ok(None);
        };
        let reference = format!("#/components/schemas/{name}");
        let ty = self
            .schema_reference(&reference, &format!("/{EXT_ERROR_SCHEMA}"))
            .map_err(|_| {
                self.err(
                    format!("/{EXT_ERROR_SCHEMA}"),
                    "the name of a schema in components/schemas",
                    Some(format!("\"{name}\"")),
                )
            })?;
        Ok(Some(ty))
    }
}
