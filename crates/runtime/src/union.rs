//! Helpers for generated `oneOf`/`anyOf` types whose variant is named by a
//! tag property (`discriminator`).

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer, de, ser};
use serde_json::Value;

/// Serializes `value` with `property` set to `tag` when the value does not
/// carry the property itself.
pub fn serialize_tagged<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    property: &str,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(ser::Error::custom)?;
    if let Value::Object(map) = &mut json {
        map.entry(property.to_owned())
            .or_insert_with(|| Value::String(tag.to_owned()));
    }
    json.serialize(serializer)
}

/// The tag of a JSON object, if it has one.
pub fn tag<'v>(value: &'v Value, property: &str) -> Option<&'v str> {
    value.get(property).and_then(Value::as_str)
}

/// Decodes a variant whose tag matched.
pub fn decode<T: DeserializeOwned, E: de::Error>(value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Card {
        last4: String,
    }

    #[test]
    fn the_tag_is_added_when_missing() {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::new(&mut out);
        serialize_tagged(
            &Card {
                last4: "4242".into(),
            },
            "type",
            "card",
            &mut ser,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"last4":"4242","type":"card"}"#
        );
        let v: Value = serde_json::json!({"type": "bank"});
        assert_eq!(tag(&v, "type"), Some("bank"));
        assert_eq!(tag(&serde_json::json!(3), "type"), None);
    }
}
