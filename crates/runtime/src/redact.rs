//! Keeps credentials out of the body excerpts that errors carry.

use serde_json::Value;

/// JSON keys whose values are credentials wherever they appear in a body.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "api_key",
    "assertion",
    "auth_token",
    "client_secret",
    "credentials",
    "id_token",
    "password",
    "refresh_token",
    "token",
];

/// Longest excerpt of a body kept in an error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 256;

pub(crate) fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// A short, single-line excerpt of a response body with every credential
/// masked. JSON bodies are re-serialized with secret keys replaced; other
/// bodies are cut short and have control characters replaced.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            mask(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn mask(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_secret_key(key) && !inner.is_null() {
                    *inner = Value::String("***".to_owned());
                } else {
                    mask(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_nested_secret_keys() {
        let body = br#"{"auth_token":"canary","data":{"Password":"p","name":"x"}}"#;
        let got = excerpt(body);
        assert!(!got.contains("canary"), "{got}");
        assert!(!got.contains("\"p\""), "{got}");
        assert!(got.contains("\"name\":\"x\""), "{got}");
    }

    #[test]
    fn cuts_long_bodies_to_one_line() {
        let body = "line\n".repeat(200);
        let got = excerpt(body.as_bytes());
        assert!(!got.contains('\n'));
        assert!(got.ends_with('…'));
        assert_eq!(got.chars().count(), EXCERPT_CHARS + 1);
    }
}
