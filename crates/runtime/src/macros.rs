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

/// What the macros name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    use std::marker::PhantomData;

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
        assert_eq!(request.retry, Some(crate::RetryPolicy::none()));
    }
}
