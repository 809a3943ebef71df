//! Fault injection: what can be injected, the caps on what a request may
//! ask for, the queue, the admin endpoint, and how a fault changes an
//! answer.
//!
//! From Rust ([`crate::FakeServer::inject`]) any fault can be queued. Over
//! HTTP (the `x-dialtone-fault` header, `POST <base>/__dialtone/faults`)
//! only when the server was started with `Options::faults`, and within the
//! caps below; otherwise the header is ignored and the admin endpoint does
//! not exist.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::Value;

use crate::spec::{Problem, clip};
use crate::sync::Lock;

/// The largest `huge:<bytes>` a request may ask for (16 MiB). The padding
/// is streamed, never held in memory.
pub const MAX_HUGE_BYTES: usize = 16 << 20;
/// The longest `slow:<ms>` a request may ask for (30 s).
pub const MAX_SLOW: Duration = Duration::from_secs(30);
/// The largest `429:<secs>` a request may ask for (one hour).
pub const MAX_RETRY_AFTER: u64 = 3600;
/// The most faults the admin endpoint keeps queued.
pub const MAX_QUEUED_FAULTS: usize = 1000;

/// A fault to inject into the next request(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: <seconds>`, in the vendor's error shape.
    TooManyRequests {
        /// The Retry-After value.
        retry_after: u64,
    },
    /// 503, in the vendor's error shape.
    Unavailable,
    /// The connection is closed before the request is read.
    DropBeforeRead,
    /// The connection is closed after the request is read, with no answer.
    DropAfterRead,
    /// The answer comes after a delay.
    Slow(Duration),
    /// The answer's body stops half-way: `Content-Length` says the whole
    /// length, the first half (cut on a character boundary) is sent, then
    /// the connection is closed.
    Truncated,
    /// A 200 whose body is not JSON.
    NotJson,
    /// A valid answer padded to about this many bytes with an unknown field.
    Huge(usize),
    /// A valid answer whose first enum value is one the spec does not list.
    UnknownEnum,
    /// A valid answer with fields the spec does not list in every object.
    UnknownFields,
}

impl Fault {
    /// Parses `429`, `429:<secs>`, `503`, `drop-before`, `drop-after`,
    /// `slow:<ms>`, `truncated`, `not-json`, `huge:<bytes>`, `unknown-enum`,
    /// `unknown-fields`, within the caps ([`MAX_RETRY_AFTER`],
    /// [`MAX_SLOW`], [`MAX_HUGE_BYTES`]); `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        let number = |default: u64, max: u64, unit: &str| -> Result<u64, String> {
            if arg.is_empty() {
                return Ok(default);
            }
            match arg.parse::<u64>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!(
                    "`{name}:` takes a whole number of {unit} up to {max}, not `{}`",
                    clip(arg, 32)
                )),
            }
        };
        Ok(match name {
            "429" => Fault::TooManyRequests {
                retry_after: number(1, MAX_RETRY_AFTER, "seconds")?,
            },
            "503" => Fault::Unavailable,
            "drop-before" => Fault::DropBeforeRead,
            "drop-after" => Fault::DropAfterRead,
            "slow" => Fault::Slow(Duration::from_millis(number(
                1000,
                MAX_SLOW.as_millis() as u64,
                "milliseconds",
            )?)),
            "truncated" => Fault::Truncated,
            "not-json" => Fault::NotJson,
            "huge" => Fault::Huge(number(8 << 20, MAX_HUGE_BYTES as u64, "bytes")? as usize),
            "unknown-enum" => Fault::UnknownEnum,
            "unknown-fields" => Fault::UnknownFields,
            _ => {
                return Err(format!(
                    "unknown fault `{}`; known: 429[:secs], 503, drop-before, drop-after, \
                     slow[:ms], truncated, not-json, huge[:bytes], unknown-enum, unknown-fields",
                    clip(text, 32)
                ));
            }
        })
    }

    /// Where in a request's life the fault acts.
    pub(crate) fn stage(&self) -> Stage {
        match self {
            Fault::DropBeforeRead => Stage::Accept,
            Fault::UnknownEnum | Fault::UnknownFields => Stage::Answer,
            _ => Stage::Deliver,
        }
    }
}

/// Where a fault acts: when a connection is accepted, on the vendor's
/// answer (which needs its schema), or when the answer is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Accept,
    Answer,
    Deliver,
}

/// The queue of injected faults, used in order: the fault at the front is
/// taken by the first request that reaches its stage.
#[derive(Default)]
pub(crate) struct FaultQueue {
    queue: Lock<VecDeque<Fault>>,
}

impl FaultQueue {
    /// Queues a fault (from Rust: no cap).
    pub(crate) fn push(&self, fault: Fault) {
        self.queue.lock().push_back(fault);
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.lock().len()
    }

    /// Takes the front fault if it acts at `stage`.
    pub(crate) fn next(&self, stage: Stage) -> Option<Fault> {
        let mut queue = self.queue.lock();
        if queue.front().is_some_and(|f| f.stage() == stage) {
            queue.pop_front()
        } else {
            None
        }
    }

    /// The admin endpoint's body `{"fault": "503", "count": 2}`: queues the
    /// fault `count` times (1 by default), within [`MAX_QUEUED_FAULTS`].
    pub(crate) fn admin(&self, body: &[u8]) -> Result<(), Problem> {
        let problem = |message: String| Problem {
            field: "fault".into(),
            keyword: "fault".into(),
            message,
        };
        let value: Value = serde_json::from_slice(body).map_err(|_| {
            problem(r#"expected a JSON body {"fault": "503", "count": 1}"#.to_owned())
        })?;
        let text = value
            .get("fault")
            .and_then(Value::as_str)
            .ok_or_else(|| problem("`fault` must be a string such as \"503\"".to_owned()))?;
        let fault = Fault::parse(text).map_err(problem)?;
        let count = match value.get("count") {
            None => 1,
            Some(count) => count
                .as_u64()
                .filter(|n| (1..=MAX_QUEUED_FAULTS as u64).contains(n))
                .ok_or_else(|| {
                    problem(format!(
                        "`count` must be a whole number from 1 to {MAX_QUEUED_FAULTS}"
                    ))
                })? as usize,
        };
        let mut queue = self.queue.lock();
        if queue.len().saturating_add(count) > MAX_QUEUED_FAULTS {
            return Err(problem(format!(
                "at most {MAX_QUEUED_FAULTS} faults can be queued ({} are)",
                queue.len()
            )));
        }
        queue.extend(std::iter::repeat_n(fault, count));
        Ok(())
    }
}

/// Applies an answer-stage fault to a valid answer's body.
pub(crate) fn alter_answer(fault: &Fault, body: &mut Value, schema: &Value) {
    match fault {
        Fault::UnknownEnum => {
            replace_first_enum(body, schema);
        }
        Fault::UnknownFields => add_unknown_fields(body, schema),
        _ => {}
    }
}

/// Replaces the first value that the schema constrains with a string enum
/// by a value the enum does not list.
fn replace_first_enum(value: &mut Value, schema: &Value) -> bool {
    if schema.get("enum").is_some() && value.is_string() {
        *value = Value::String("SomethingNew".into());
        return true;
    }
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                let sub = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub
                    && replace_first_enum(inner, sub)
                {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => match schema.get("items") {
            Some(sub) => items.iter_mut().any(|item| replace_first_enum(item, sub)),
            None => false,
        },
        _ => false,
    }
}

/// Adds a field the spec does not list to every object the schema
/// describes with `properties` (maps keep their keys: a new key there
/// would be a new entry, not an unknown field).
fn add_unknown_fields(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, inner) in map.iter_mut() {
                let sub = properties
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub {
                    add_unknown_fields(inner, sub);
                }
            }
            if properties.is_some() {
                map.insert(
                    "dialtoneUnknownField".into(),
                    serde_json::json!({"added": "by a fault"}),
                );
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                items
                    .iter_mut()
                    .for_each(|item| add_unknown_fields(item, sub));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_within_caps() {
        assert_eq!(Fault::parse("huge:1000"), Ok(Fault::Huge(1000)));
        assert_eq!(Fault::parse("huge"), Ok(Fault::Huge(8 << 20)));
        assert_eq!(
            Fault::parse("429:7"),
            Ok(Fault::TooManyRequests { retry_after: 7 })
        );
        for bad in [
            "huge:4000000000",
            "huge:16777217",
            "slow:30001",
            "429:99999999999999999999999",
            "429:-1",
            "nope",
            "",
        ] {
            let err = Fault::parse(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
    }

    #[test]
    fn the_admin_queue_is_bounded() {
        let queue = FaultQueue::default();
        queue.admin(br#"{"fault": "503", "count": 1000}"#).unwrap();
        assert_eq!(queue.len(), 1000);
        assert!(queue.admin(br#"{"fault": "503"}"#).is_err());
        assert!(
            FaultQueue::default()
                .admin(br#"{"fault": "503", "count": 1001}"#)
                .is_err()
        );
        assert!(FaultQueue::default().admin(b"{}").is_err());
        assert!(FaultQueue::default().admin(b"\xff").is_err());
    }
}
