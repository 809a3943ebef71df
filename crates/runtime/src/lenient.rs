//! Lenient decoders for fields where vendors are known to stray from their
//! own schema (`x-dialtone-lenient: true` in a spec). Generated code names
//! them in `#[serde(deserialize_with = ...)]`.

use serde::{Deserialize, Deserializer, de};

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrString {
    Bool(bool),
    Text(String),
}

fn parse_bool<E: de::Error>(value: BoolOrString) -> Result<bool, E> {
    match value {
        BoolOrString::Bool(b) => Ok(b),
        BoolOrString::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(E::custom(format!(
                "expected a boolean or \"true\"/\"false\", found {other:?}"
            ))),
        },
    }
}

/// A boolean that may arrive as `true` or as `"true"`.
pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    parse_bool(BoolOrString::deserialize(deserializer)?)
}

/// An optional boolean that may arrive as `true` or as `"true"`.
pub fn option_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Option::<BoolOrString>::deserialize(deserializer)? {
        None => Ok(None),
        Some(value) => parse_bool(value).map(Some),
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Number {
        #[serde(default, deserialize_with = "super::option_bool")]
        primary: Option<bool>,
        #[serde(deserialize_with = "super::bool")]
        enabled: bool,
    }

    #[test]
    fn strings_and_booleans_both_decode() {
        let n: Number = serde_json::from_str(r#"{"primary": "true", "enabled": false}"#).unwrap();
        assert_eq!((n.primary, n.enabled), (Some(true), false));
        let n: Number = serde_json::from_str(r#"{"primary": false, "enabled": "TRUE"}"#).unwrap();
        assert_eq!((n.primary, n.enabled), (Some(false), true));
        let n: Number = serde_json::from_str(r#"{"enabled": true}"#).unwrap();
        assert_eq!(n.primary, None);
        assert!(serde_json::from_str::<Number>(r#"{"enabled": "yes"}"#).is_err());
    }
}
