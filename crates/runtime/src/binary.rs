//! Byte payloads inside models: `format: byte` (base64 text on the wire)
//! and `format: binary` (raw bytes: file parts of multipart bodies).

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// `format: byte`: bytes sent as base64 text. Decoding accepts the
/// standard and URL-safe alphabets, padded or not.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64(pub Vec<u8>);

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Self {
        Base64(bytes)
    }
}

impl From<&[u8]> for Base64 {
    fn from(bytes: &[u8]) -> Self {
        Base64(bytes.to_vec())
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .map(Base64)
            .ok_or_else(|| de::Error::custom("expected base64 text"))
    }
}

/// `format: binary`: raw bytes, sent as a file part of a multipart body.
/// Inside a JSON document (where a spec should not put it) it travels as
/// text.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub bytes::Bytes);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes.into())
    }
}

impl From<bytes::Bytes> for Binary {
    fn from(bytes: bytes::Bytes) -> Self {
        Binary(bytes)
    }
}

impl From<&'static [u8]> for Binary {
    fn from(bytes: &'static [u8]) -> Self {
        Binary(bytes::Bytes::from_static(bytes))
    }
}

impl From<String> for Binary {
    fn from(text: String) -> Self {
        Binary(text.into())
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Binary::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_accepts_both_alphabets() {
        let v = Base64(vec![0xfb, 0xff, 0x01]);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, "\"+/8B\"");
        assert_eq!(serde_json::from_str::<Base64>(&text).unwrap(), v);
        assert_eq!(serde_json::from_str::<Base64>("\"-_8B\"").unwrap(), v);
        assert!(serde_json::from_str::<Base64>("\"%%\"").is_err());
        assert_eq!(format!("{v:?}"), "Base64(3 bytes)");
    }
}
