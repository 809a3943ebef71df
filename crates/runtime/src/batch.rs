//! Batch answers: one result per id, each decoded into the operation's own
//! response type or the vendor's error body.
//!
//! A batch call (RingCentral's presence for up to 30 extensions) answers
//! with a JSON array of parts, each naming the id it is for, its own HTTP
//! status and its body. [`decode`] matches the parts to the ids asked for,
//! in the order they were asked, and decodes each one.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Response;
use crate::error::{ApiError, Error};
use crate::redact;

/// The property names of one part of a batch answer.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    /// The id the part is for (RingCentral `resourceId`).
    pub id: &'static str,
    /// The part's HTTP status (`status`).
    pub status: &'static str,
    /// The part's body (`body`): the resource, or an error body.
    pub body: &'static str,
}

/// One result per id of `ids`, in that order: `Ok` with the part's body
/// decoded as `T` when its status is 2xx, else `Err` with the part's status
/// and the vendor's error body decoded as `E`.
///
/// An answer that is not an array of parts, or whose parts do not match the
/// ids one to one, is an [`Error::Decode`].
#[allow(clippy::type_complexity)]
pub fn decode<T: DeserializeOwned, E: DeserializeOwned>(
    response: Response,
    ids: &[String],
    parts: Parts,
) -> Result<Vec<Result<T, ApiError<E>>>, Error<E>> {
    let (operation, status, request_id, body, secrets) = response.parts();
    let decode_error = |message: String| Error::Decode {
        operation,
        status,
        message,
        excerpt: redact::excerpt(body, &secrets),
        request_id: request_id.map(str::to_owned),
    };
    let items: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| decode_error(format!("a batch answer is a JSON array of parts: {e}")))?;
    if items.len() != ids.len() {
        return Err(decode_error(format!(
            "{} ids were asked for, the answer has {} parts",
            ids.len(),
            items.len()
        )));
    }
    // Parts come in request order; where they name their id, they are
    // matched by it (the first unused part for each id).
    let mut used = vec![false; items.len()];
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let named = |item: &Value| item.get(parts.id).and_then(part_id);
        let index = if named(&items[i]).is_none_or(|got| got == *id) && !used[i] {
            Some(i)
        } else {
            (0..items.len()).find(|j| !used[*j] && named(&items[*j]).as_deref() == Some(id))
        };
        let Some(index) = index else {
            return Err(decode_error(format!(
                "no part of the answer is for id {id:?}"
            )));
        };
        used[index] = true;
        let item = &items[index];
        let part_status = item
            .get(parts.status)
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| decode_error(format!("part {index} has no `{}`", parts.status)))?;
        let part_body = item.get(parts.body).cloned().unwrap_or(Value::Null);
        if (200..300).contains(&part_status) {
            let value = serde_json::from_value::<T>(part_body).map_err(|e| {
                decode_error(format!("part {index} (id {id:?}) does not decode: {e}"))
            })?;
            out.push(Ok(value));
        } else {
            let raw = serde_json::to_vec(&part_body).unwrap_or_default();
            let mut api = ApiError::new(operation, part_status);
            api.body =
                redact::masked_json(&raw, &secrets).and_then(|v| serde_json::from_value(v).ok());
            api.excerpt = redact::excerpt(&raw, &secrets);
            api.request_id = request_id.map(str::to_owned);
            out.push(Err(api));
        }
    }
    Ok(out)
}

/// A part's id, as text (numbers are accepted too).
fn part_id(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
