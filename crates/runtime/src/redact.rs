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

/// The body as JSON with every credential-named key masked, if it is JSON.
pub(crate) fn masked_json(body: &[u8]) -> Option<Value> {
    let mut value = serde_json::from_slice::<Value>(body).ok()?;
    mask(&mut value);
    Some(value)
}

/// A short, single-line excerpt of a response body with every credential
/// masked. JSON bodies are re-serialized with secret keys replaced; other
/// bodies have `key=value` pairs of secret keys masked, are cut short and
/// have control characters replaced.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = match masked_json(body) {
        Some(value) => value.to_string(),
        None => mask_pairs(&String::from_utf8_lossy(body)),
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

/// Masks the values of `key=value` pairs whose key is a credential name
/// (form-encoded bodies, query strings in error pages).
fn mask_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let value_end = rest[eq + 1..]
            .find(|c: char| c == '&' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(rest.len(), |i| eq + 1 + i);
        out.push_str(&rest[..=eq]);
        if is_secret_key(&rest[key_start..eq]) {
            out.push_str("***");
        } else {
            out.push_str(&rest[eq + 1..value_end]);
        }
        rest = &rest[value_end..];
    }
    out.push_str(rest);
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
    fn masks_secret_pairs_in_text() {
        let got = excerpt(b"error: bad request ?access_token=canary&page=2 password=p2 ok");
        assert_eq!(
            got,
            "error: bad request ?access_token=***&page=2 password=*** ok"
        );
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
