//! Tri-state fields: absent, `null`, or a value — three different things in
//! a PATCH body (leave as is, remove, set).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::{FieldPath, InvalidRequest, Validate};

/// A `nullable` optional property: [`Patch::Absent`] is not sent at all,
/// [`Patch::Null`] is sent as `null`, [`Patch::Value`] as the value.
/// Generated structs pair it with
/// `#[serde(default, skip_serializing_if = "Patch::is_absent")]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not in the body.
    #[default]
    Absent,
    /// `null` in the body.
    Null,
    /// A value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the property is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The value, if there is one.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The value, if there is one, moved out.
    pub fn into_value(self) -> Option<T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Value(value) => value.serialize(serializer),
            Patch::Absent | Patch::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A missing property never gets here (`#[serde(default)]` makes it
        // `Absent`); a present one is `null` or a value.
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Patch::Value(value),
            None => Patch::Null,
        })
    }
}

impl<T: Validate> Validate for Patch<T> {
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
        match self {
            Patch::Value(value) => value.validate(path),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        name: Patch<String>,
    }

    #[test]
    fn three_states_on_the_wire() {
        for (json, state) in [
            ("{}", Patch::Absent),
            (r#"{"name":null}"#, Patch::Null),
            (r#"{"name":"x"}"#, Patch::Value("x".to_owned())),
        ] {
            let body: Body = serde_json::from_str(json).unwrap();
            assert_eq!(body.name, state, "{json}");
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
        }
    }
}
