//! Reading JSON bodies: one property of an object (an envelope's payload)
//! without decoding the others.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// A property name, borrowed from the input where it can be.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The property `field` of the JSON object `body`, decoded into `T`; every
/// other property is skipped (checked as JSON, not decoded). As for a
/// struct that requires the property: an error when the body is not an
/// object, lacks it, or has it twice, or when anything follows the object.
pub(crate) fn field_from_slice<T: DeserializeOwned>(
    body: &[u8],
    field: &'static str,
) -> Result<T, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = Field {
        name: field,
        value: PhantomData,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

struct Field<T> {
    name: &'static str,
    value: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Field<T> {
    type Value = T;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Field<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with the property `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.as_str() != self.name {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                return Err(serde::de::Error::duplicate_field(self.name));
            } else {
                found = Some(map.next_value::<T>()?);
            }
        }
        found.ok_or_else(|| serde::de::Error::missing_field(self.name))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::field_from_slice;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Payload {
        name: String,
    }

    /// What serde's derive says of the same body, for a struct that
    /// requires the property and ignores the others (but for an array,
    /// which the derive reads by position).
    #[derive(Debug, Deserialize)]
    struct Envelope {
        data: Payload,
    }

    #[test]
    fn the_field_alone_is_decoded_as_a_struct_requiring_it_would() {
        let cases: &[&str] = &[
            r#"{"status":"success","data":{"name":"a"},"request_id":"r"}"#,
            r#"{"data":{"name":"a"}}"#,
            r#"{"other":{"data":{"name":"nested"}},"data":{"name":"a"}}"#,
            r#"{"d\u0061ta":{"name":"escaped key"}}"#,
            r#"{"status":"success"}"#,
            r#"{"data":{"name":"a"},"data":{"name":"b"}}"#,
            r#"{"data":{"name":1}}"#,
            r#"{"data":null}"#,
            r#"null"#,
            r#"{"data":{"name":"a"}} trailing"#,
            r#"{"data":{"name":"a"},"x":[1,2,{"y":"z"}]}"#,
            r#"{"data":{"name":"a"},"x":[1,2"#,
            r#""#,
        ];
        for body in cases {
            let ours = field_from_slice::<Payload>(body.as_bytes(), "data");
            let derived = serde_json::from_str::<Envelope>(body).map(|e| e.data);
            match (&ours, &derived) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{body}: {ours:?} against {derived:?}"),
            }
        }
        let value: Value = field_from_slice(br#"{"data":[1,{"a":null}],"n":2}"#, "data").unwrap();
        assert_eq!(value, serde_json::json!([1, {"a": null}]));
        // An array is refused (serde's derive would read it by position).
        assert!(field_from_slice::<Payload>(br#"[{"name":"a"}]"#, "data").is_err());
        let err = field_from_slice::<Payload>(br#"{"status":"success"}"#, "data").unwrap_err();
        assert!(err.to_string().contains("missing field `data`"), "{err}");
    }
}
