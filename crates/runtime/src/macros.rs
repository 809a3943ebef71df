//! Macros generated crates call for code that is the same in every
//! builder or every string enum, so that a generated crate (and its pull
//! request diffs) holds only what its spec decides. Nothing here takes
//! text from a spec: the macros take the name of a generated type.

/// The per-call setters of an operation builder: `timeout`,
/// `extra_header`, `retry_policy` and `no_retries`, for a builder with an
/// `options: dialtone_runtime::CallOptions` field. Invoked inside the
/// builder's `impl` block.
#[macro_export]
macro_rules! call_options {
    () => {
        /// A timeout for this call alone, instead of the client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout(timeout);
            self
        }

        /// A header for this call alone (a tenant id, a trace
        /// context...). An invalid name or value fails the call before
        /// anything is sent; the client's credential replaces a header
        /// of the same name.
        pub fn extra_header(
            mut self,
            name: impl ::std::convert::Into<::std::string::String>,
            value: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.options.extra_header(name, value);
            self
        }

        /// Retries this call as `policy` says instead of the client's policy.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry_policy(policy);
            self
        }

        /// Never retries this call.
        pub fn no_retries(mut self) -> Self {
            self.options.retry_policy($crate::RetryPolicy::none());
            self
        }
    };
}

/// The wire glue of a generated string enum: `From<String>`, `Display`,
/// `Serialize`, `Deserialize` and `Validate`, for an enum with an
/// `Unrecognized(String)` variant, an `as_str(&self) -> &str` method and a
/// `From<&str>` impl (the generated code that lists the values).
///
/// Decoding borrows the text where the format allows, so a known value
/// costs no allocation; an unknown one is kept as it came (`Unrecognized`),
/// and refused by `Validate` when sending.
#[macro_export]
macro_rules! string_enum {
    ($name:ident) => {
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unrecognized(_) => Self::Unrecognized(value),
                    known => known,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_string_enum(deserializer)
            }
        }

        impl $crate::Validate for $name {
            fn validate(
                &self,
                path: &$crate::FieldPath<'_>,
            ) -> ::std::result::Result<(), $crate::InvalidRequest> {
                match self {
                    Self::Unrecognized(value) => {
                        $crate::validate::known_variant(path, ::std::option::Option::Some(value))
                    }
                    _ => ::std::result::Result::Ok(()),
                }
            }
        }
    };
}

/// `Deserialize` for a generated struct that keeps the properties its
/// schema does not list in a map field (`$extra`, which `Serialize`
/// writes with `#[serde(flatten)]`). `$read` is a private copy of the
/// struct's fields deriving `Deserialize` with `#[serde(remote =
/// "$name")]`, its map `#[serde(skip)]`: [`__private::deserialize_with_extra`]
/// hands it the listed properties and keeps the others, instead of
/// buffering every property first as `flatten` does when reading.
#[macro_export]
macro_rules! extra_properties {
    ($name:ident, $read:ident, $extra:ident) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let (mut value, extra) =
                    $crate::__private::deserialize_with_extra(deserializer, |d| {
                        $read::deserialize(d)
                    })?;
                value.$extra = extra;
                ::std::result::Result::Ok(value)
            }
        }
    };
}

/// What the macros name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    use std::collections::BTreeMap;
    use std::marker::PhantomData;

    use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
    use serde::de::{DeserializeSeed, MapAccess, Visitor};

    use crate::json::Key;

    /// Decodes a string enum from text, borrowed where the deserializer
    /// lends it (no allocation for a known value), owned otherwise.
    pub fn deserialize_string_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: for<'a> From<&'a str> + From<String>,
    {
        struct Text<T>(PhantomData<T>);

        impl<T> serde::de::Visitor<'_> for Text<T>
        where
            T: for<'a> From<&'a str> + From<String>,
        {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
                Ok(T::from(value))
            }

            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<T, E> {
                Ok(T::from(value))
            }
        }

        deserializer.deserialize_str(Text(PhantomData))
    }

    /// Reads a struct with `read` (its derived, `remote = "Self"`
    /// deserializer), giving it the properties it lists and keeping every
    /// other one, as it came, in the returned map.
    pub fn deserialize_with_extra<'de, D, T>(
        deserializer: D,
        read: impl FnOnce(Capture<'_, D>) -> Result<T, D::Error>,
    ) -> Result<(T, BTreeMap<String, serde_json::Value>), D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        let mut extra = BTreeMap::new();
        let value = read(Capture {
            inner: deserializer,
            extra: &mut extra,
        })?;
        Ok((value, extra))
    }

    /// A deserializer that passes a struct's listed properties to its
    /// visitor and keeps the others (see [`deserialize_with_extra`]).
    pub struct Capture<'a, D> {
        inner: D,
        extra: &'a mut BTreeMap<String, serde_json::Value>,
    }

    macro_rules! forward {
        ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
            $(
                fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                    self.inner.$method($($arg,)* visitor)
                }
            )*
        };
    }

    impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for Capture<'_, D> {
        type Error = D::Error;

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.inner.deserialize_struct(
                name,
                fields,
                CaptureVisitor {
                    visitor,
                    fields,
                    extra: self.extra,
                },
            )
        }

        forward! {
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
            deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
            deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
            deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
            deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
            deserialize_option(), deserialize_unit(), deserialize_seq(), deserialize_map(),
            deserialize_identifier(), deserialize_ignored_any(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str),
            deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        }

        fn is_human_readable(&self) -> bool {
            self.inner.is_human_readable()
        }
    }

    struct CaptureVisitor<'a, V> {
        visitor: V,
        fields: &'static [&'static str],
        extra: &'a mut BTreeMap<String, serde_json::Value>,
    }

    impl<'de, V: Visitor<'de>> Visitor<'de> for CaptureVisitor<'_, V> {
        type Value = V::Value;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.visitor.expecting(f)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
            self.visitor.visit_map(CaptureMap {
                map,
                fields: self.fields,
                extra: self.extra,
            })
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
            self.visitor.visit_seq(seq)
        }
    }

    struct CaptureMap<'a, A> {
        map: A,
        fields: &'static [&'static str],
        extra: &'a mut BTreeMap<String, serde_json::Value>,
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for CaptureMap<'_, A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            while let Some(key) = self.map.next_key::<Key<'de>>()? {
                let listed = match &key {
                    Key::Borrowed(k) => self.fields.contains(k),
                    Key::Owned(k) => self.fields.contains(&k.as_str()),
                };
                if listed {
                    return match key {
                        Key::Borrowed(k) => seed
                            .deserialize(BorrowedStrDeserializer::<A::Error>::new(k))
                            .map(Some),
                        Key::Owned(k) => seed
                            .deserialize(StringDeserializer::<A::Error>::new(k))
                            .map(Some),
                    };
                }
                let value: serde_json::Value = self.map.next_value()?;
                let key = match key {
                    Key::Borrowed(k) => k.to_owned(),
                    Key::Owned(k) => k,
                };
                self.extra.insert(key, value);
            }
            Ok(None)
        }

        fn next_value_seed<S: DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<S::Value, A::Error> {
            self.map.next_value_seed(seed)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{FieldPath, Validate};

    #[derive(Debug, Clone, PartialEq)]
    enum Colour {
        Red,
        Unrecognized(String),
    }

    impl Colour {
        fn as_str(&self) -> &str {
            match self {
                Self::Red => "red",
                Self::Unrecognized(value) => value,
            }
        }
    }

    impl From<&str> for Colour {
        fn from(value: &str) -> Self {
            match value {
                "red" => Self::Red,
                other => Self::Unrecognized(other.to_owned()),
            }
        }
    }

    crate::string_enum!(Colour);

    struct Builder {
        options: crate::CallOptions,
    }

    impl Builder {
        crate::call_options!();
    }

    #[test]
    fn string_enums_decode_from_borrowed_and_owned_text_and_refuse_unknown_values() {
        // Borrowed (a JSON string without escapes), owned (escapes, a Value).
        assert_eq!(
            serde_json::from_str::<Colour>(r#""red""#).unwrap(),
            Colour::Red
        );
        assert_eq!(
            serde_json::from_str::<Colour>(r#""r\u0065d""#).unwrap(),
            Colour::Red
        );
        assert_eq!(
            serde_json::from_value::<Colour>(serde_json::json!("red")).unwrap(),
            Colour::Red
        );
        let odd: Colour = serde_json::from_str(r#""teal""#).unwrap();
        assert_eq!(odd, Colour::Unrecognized("teal".to_owned()));
        assert!(serde_json::from_str::<Colour>("7").is_err());
        // Sent back as it came; known values pass, unknown ones are refused.
        assert_eq!(serde_json::to_string(&odd).unwrap(), r#""teal""#);
        assert_eq!(Colour::from("teal".to_owned()), odd);
        assert_eq!(Colour::Red.to_string(), "red");
        let path = FieldPath::root("body");
        assert!(Colour::Red.validate(&path).is_ok());
        let err = odd.validate(&path).unwrap_err();
        assert!(err.to_string().contains("teal"), "{err}");
    }

    /// Kept by `extra_properties!`, and the same shape with serde's own
    /// `flatten`: both must read and write every input alike.
    #[derive(Debug, Clone, PartialEq, serde::Serialize)]
    struct Kept {
        name: String,
        #[serde(rename = "group-id", default, skip_serializing_if = "Option::is_none")]
        group_id: Option<i64>,
        #[serde(flatten)]
        extra: std::collections::BTreeMap<String, serde_json::Value>,
    }

    const _: () = {
        #[derive(serde::Deserialize)]
        #[serde(remote = "Kept")]
        #[allow(dead_code)]
        struct __DialtoneRead {
            name: String,
            #[serde(rename = "group-id", default)]
            group_id: Option<i64>,
            #[serde(skip)]
            extra: std::collections::BTreeMap<String, serde_json::Value>,
        }
        crate::extra_properties!(Kept, __DialtoneRead, extra);
    };

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Flattened {
        name: String,
        #[serde(rename = "group-id", default, skip_serializing_if = "Option::is_none")]
        group_id: Option<i64>,
        #[serde(flatten)]
        extra: std::collections::BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn extra_properties_read_and_write_as_flatten_does() {
        let inputs = [
            r#"{"name":"a"}"#,
            r#"{"name":"a","group-id":7,"ui":{"x":[1,2]},"z":null}"#,
            // An escaped listed name is still the listed property.
            r#"{"n\u0061me":"a","\u0078":1}"#,
            r#"{"extra":1,"name":"b"}"#,
            r#"{"group-id":7}"#,
            r#"{"name":"a","name":"b"}"#,
            r#"{"name":1}"#,
            r#"7"#,
            r#"{"name":"a","group-id":"x"}"#,
        ];
        for input in inputs {
            let kept = serde_json::from_str::<Kept>(input);
            let flat = serde_json::from_str::<Flattened>(input);
            match (&kept, &flat) {
                (Ok(k), Ok(f)) => {
                    assert_eq!(
                        (&k.name, k.group_id, &k.extra),
                        (&f.name, f.group_id, &f.extra)
                    );
                    assert_eq!(
                        serde_json::to_string(k).unwrap(),
                        serde_json::to_string(f).unwrap()
                    );
                    // Through a `Value` too (owned names), and in a list.
                    let value: serde_json::Value = serde_json::from_str(input).unwrap();
                    assert_eq!(serde_json::from_value::<Kept>(value).unwrap(), *k);
                    let list: Vec<Kept> = serde_json::from_str(&format!("[{input}]")).unwrap();
                    assert_eq!(list, vec![k.clone()]);
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{input}: {kept:?} but flatten gives {flat:?}"),
            }
        }
        let err = serde_json::from_str::<Kept>("7").unwrap_err().to_string();
        assert!(err.contains("expected struct Kept"), "{err}");
    }

    #[test]
    fn call_options_set_the_builders_options() {
        let b = Builder {
            options: crate::CallOptions::default(),
        }
        .timeout(std::time::Duration::from_secs(3))
        .extra_header("x-trace", "1")
        .retry_policy(crate::RetryPolicy::default());
        assert_eq!(b.options.retry, Some(crate::RetryPolicy::default()));
        let b = b.no_retries();
        let request = b
            .options
            .apply(crate::Request::new(reqwest::Method::GET, "op", "/"));
        assert_eq!(request.timeout, Some(std::time::Duration::from_secs(3)));
        assert_eq!(request.headers.len(), 1);
        assert_eq!(request.headers[0].0.as_str(), "x-trace");
        assert_eq!(
            request.rare.and_then(|rare| rare.retry),
            Some(crate::RetryPolicy::none())
        );
    }
}
