//! Spec text -> `serde_json::Value`, within limits that no input can
//! exceed: a byte order mark is dropped, nesting is bounded before the YAML
//! parser sees the text (its scanner is quadratic in the depth of flow
//! collections), and YAML aliases may not expand the document beyond a
//! budget proportional to its size (a "billion laughs" document is refused
//! instead of filling memory).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::limits::MAX_NESTING;

/// Why a text is not a document Dialtone reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Not YAML or JSON: the parser's message, and where (line, column).
    Syntax {
        message: String,
        at: Option<(usize, usize)>,
    },
    /// Nested deeper than [`MAX_NESTING`].
    TooDeep { at: Option<(usize, usize)> },
    /// YAML aliases expand it past the budget.
    TooLarge,
}

impl ReadError {
    /// What was expected and what was found, for an [`crate::Error`].
    /// With `quote_parser`, the parser's own message is included (it may
    /// quote the text, so only for the spec the user named).
    pub(crate) fn describe(&self, quote_parser: bool) -> (String, Option<String>) {
        let at = |at: &Option<(usize, usize)>| match at {
            Some((line, column)) => format!(" (line {line}, column {column})"),
            None => String::new(),
        };
        match self {
            ReadError::Syntax { message, at: place } => (
                "a YAML or JSON document".to_owned(),
                Some(if quote_parser {
                    format!("{message}{}", at(place))
                } else {
                    format!("text that does not parse{}", at(place))
                }),
            ),
            ReadError::TooDeep { at: place } => (
                format!("a document nested at most {MAX_NESTING} levels deep"),
                Some(format!("deeper nesting{}", at(place))),
            ),
            ReadError::TooLarge => (
                "a document whose YAML aliases expand to a size proportional to its text"
                    .to_owned(),
                Some("aliases that repeat it past the limit".to_owned()),
            ),
        }
    }
}

/// Reads YAML or JSON (JSON when the text starts with `{`).
pub(crate) fn read(text: &str) -> Result<Value, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        // serde_json refuses nesting deeper than 128 (its recursion limit).
        return serde_json::from_str(text).map_err(|err| {
            let at = Some((err.line(), err.column()));
            if err.to_string().starts_with("recursion limit exceeded") {
                ReadError::TooDeep { at }
            } else {
                ReadError::Syntax {
                    message: strip_position(&err.to_string()),
                    at,
                }
            }
        });
    }
    if let Some(at) = flow_too_deep(text, MAX_NESTING) {
        return Err(ReadError::TooDeep { at: Some(at) });
    }
    let budget = Cell::new(alias_budget(text.len()));
    let deserializer = serde_norway::Deserializer::from_str(text);
    match Bounded(&budget).deserialize(deserializer) {
        Ok(value) => Ok(value),
        Err(_) if budget.get() == 0 => Err(ReadError::TooLarge),
        Err(err) => {
            let at = err.location().map(|l| (l.line(), l.column()));
            let message = err.to_string();
            if message.starts_with("recursion limit exceeded") {
                Err(ReadError::TooDeep { at })
            } else if message.starts_with("repetition limit exceeded") {
                Err(ReadError::TooLarge)
            } else {
                Err(ReadError::Syntax {
                    message: strip_position(&message),
                    at,
                })
            }
        }
    }
}

/// serde's messages end in ` at line L column C`; the position is
/// reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The cost units a YAML document may expand to: one per node and one per
/// 32 bytes of text in it. Without aliases a document costs well under its
/// length in bytes; aliases may repeat nodes up to this budget.
fn alias_budget(len: usize) -> usize {
    len.saturating_mul(4).max(1 << 18)
}

/// Deserializes a `Value`, spending the budget on every node.
struct Bounded<'b>(&'b Cell<usize>);

impl Bounded<'_> {
    fn spend<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        let cost = 1 + bytes / 32;
        match self.0.get().checked_sub(cost) {
            Some(left) if left > 0 => {
                self.0.set(left);
                Ok(())
            }
            _ => {
                self.0.set(0);
                Err(E::custom("the alias budget is spent"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend(v.len())?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.spend(v.len())?;
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend(0)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Bounded(self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend(0)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.spend(key.len())?;
            let value = map.next_value_seed(Bounded(self.0))?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Where YAML flow collections (`[`, `{`) nest deeper than `limit`, found
/// in one pass over the text. Brackets inside quoted scalars, comments,
/// block scalars and plain scalars are not counted. This guards the
/// parser's time only; the parser enforces the nesting limit itself.
fn flow_too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // Inside a block scalar: lines indented more than this are its text.
    let mut block_scalar: Option<usize> = None;
    // An open quoted scalar, which may span lines: its quote character.
    let mut quote: Option<u8> = None;
    for (line_no, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        if let Some(parent) = block_scalar {
            if indent > parent || line.trim().is_empty() {
                continue;
            }
            block_scalar = None;
        }
        // Whether the next character starts a node (so `[`, `{`, quotes
        // and `|`/`>` are indicators rather than part of a plain scalar).
        let mut at_start = true;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = quote {
                if q == b'\'' && b == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    at_start = false;
                } else if q == b'"' && b == b'\\' {
                    i += 2;
                    continue;
                } else if q == b'"' && b == b'"' {
                    quote = None;
                    at_start = false;
                }
                i += 1;
                continue;
            }
            match b {
                b' ' | b'\t' => {}
                b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') => break,
                b'\'' | b'"' if at_start => {
                    quote = Some(b);
                    at_start = false;
                }
                b'[' | b'{' if at_start || depth > 0 => {
                    depth += 1;
                    if depth > limit {
                        return Some((line_no + 1, i + 1));
                    }
                    at_start = true;
                }
                b']' | b'}' if depth > 0 => {
                    depth -= 1;
                    at_start = false;
                }
                b',' if depth > 0 => at_start = true,
                b'-' | b'?' | b':'
                    if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t'))
                        || (b == b':' && depth > 0) =>
                {
                    at_start = true;
                }
                b'|' | b'>' if at_start && depth == 0 => {
                    block_scalar = Some(indent);
                    break;
                }
                _ => at_start = false,
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let v = read("\u{feff}openapi: 3.0.3\n").unwrap();
        assert_eq!(v["openapi"], "3.0.3");
        let v = read("\u{feff}{\"openapi\": \"3.0.3\"}").unwrap();
        assert_eq!(v["openapi"], "3.0.3");
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("x: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
        let started = std::time::Instant::now();
        assert_eq!(read(&deep), Err(ReadError::TooDeep { at: Some((1, 132)) }));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let ok = format!("x: {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(read(&ok).is_ok());
        // Brackets in plain, quoted and block scalars and comments are text.
        let text = format!(
            "a: x{0}\nb: '{0}'\nc: \"{0}\"\nd: |\n  {0}\n  more {0}\ne: 1 # {0}\n",
            "[".repeat(300)
        );
        assert!(read(&text).is_ok(), "{:?}", read(&text));
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&" ".repeat(i));
            text.push_str("a:\n");
        }
        assert!(matches!(read(&text), Err(ReadError::TooDeep { .. })));
        let json = format!("{{\"a\": {}1{}}}", "[".repeat(300), "]".repeat(300));
        assert!(matches!(read(&json), Err(ReadError::TooDeep { .. })));
    }

    #[test]
    fn aliases_cannot_multiply_the_document() {
        // Each level repeats the one before ten times: 10^7 leaves.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert_eq!(read(&text), Err(ReadError::TooLarge));
        // A long string repeated.
        let text = format!(
            "s: &s {}\nl: [{}]\n",
            "x".repeat(100_000),
            vec!["*s"; 2_000].join(", ")
        );
        assert_eq!(read(&text), Err(ReadError::TooLarge));
        // Ordinary reuse is fine.
        let text = "a: &a {type: string}\nb: *a\nc: *a\n";
        assert_eq!(read(text).unwrap()["c"]["type"], "string");
    }

    #[test]
    fn keys_that_are_numbers_read_as_strings() {
        let v = read("responses:\n  200: {description: ok}\n").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }
}
