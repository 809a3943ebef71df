//! Keeps credentials out of everything the runtime shows: error excerpts,
//! decoded error bodies, `Debug` output.
//!
//! Default-deny: a value is masked when its key looks like a credential in
//! any spelling (case, camelCase, snake_case, kebab-case, dotted: `token`,
//! `secret`, `password`, `passwd`, `api key`, `authorization`, `cookie`,
//! `session`, `assertion`, `code verifier`, `credential`, `signature`,
//! private and access keys...), whatever the body's shape:
//!
//! - JSON bodies are parsed and every such key's value masked, at any depth;
//! - anything else (truncated JSON, HTML, form bodies, query strings, header
//!   dumps) is scanned for `key = value`, `key: value` and `"key": "value"`
//!   pairs, with or without quotes, escaped quotes or HTML entities, and
//!   each such value masked up to where it ends (to the end of the text when
//!   its closing quote is missing);
//! - on top of that, every credential the request itself carried (its
//!   token, its login secrets) is masked wherever it appears, under any key
//!   or none.

use serde_json::Value;

use crate::secret::Secret;

/// What a masked value is replaced with.
pub(crate) const MASK: &str = "***";

/// Parts of a normalized key (lower-case, letters and digits only) that
/// mark its value a credential.
const SECRET_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "apikey",
    "accesskey",
    "privatekey",
    "signingkey",
    "authorization",
    "authcode",
    "authkey",
    "cookie",
    "session",
    "assertion",
    "codeverifier",
    "credential",
    "signature",
    "bearer",
    "jwt",
];

/// Whole normalized keys that are credentials though no part says so.
const SECRET_KEYS: &[&str] = &[
    "auth", "key", "code", "pin", "otp", "sig", "sid", "pass", "state",
];

/// Longest excerpt of a body kept in an error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 256;

/// Shortest known credential masked wherever it appears (shorter ones
/// would mask ordinary words).
const MIN_KNOWN_SECRET: usize = 4;

/// `key` with everything but ASCII letters and digits removed, lower-case.
fn normalize(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether the value under `key` is to be treated as a credential.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let key = normalize(key);
    SECRET_PARTS.iter().any(|part| key.contains(part)) || SECRET_KEYS.contains(&key.as_str())
}

/// The body as JSON with every credential masked, if it is JSON.
pub(crate) fn masked_json(body: &[u8], known: &[Secret]) -> Option<Value> {
    let mut value = serde_json::from_slice::<Value>(body).ok()?;
    mask(&mut value, known);
    Some(value)
}

/// A short, single-line excerpt of a response body with every credential
/// masked.
pub(crate) fn excerpt(body: &[u8], known: &[Secret]) -> String {
    let text = match masked_json(body, known) {
        Some(value) => value.to_string(),
        None => {
            // Mask before cutting, so that a value cut short is masked too.
            let text = String::from_utf8_lossy(body);
            scrub_known(&mask_pairs(&text), known)
        }
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

/// Masks a short text for `Display` (an error message from the vendor):
/// pairs and known credentials.
pub(crate) fn text(text: &str, known: &[Secret]) -> String {
    scrub_known(&mask_pairs(text), known)
}

/// Replaces every occurrence of a known credential.
fn scrub_known(text: &str, known: &[Secret]) -> String {
    let mut out = text.to_owned();
    for secret in known {
        let value = secret.expose();
        if value.len() >= MIN_KNOWN_SECRET && out.contains(value) {
            out = out.replace(value, MASK);
        }
    }
    out
}

fn mask(value: &mut Value, known: &[Secret]) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_secret_key(key) {
                    // Booleans and nulls say nothing; anything else goes.
                    if !matches!(inner, Value::Null | Value::Bool(_)) {
                        *inner = Value::String(MASK.to_owned());
                    }
                } else {
                    mask(inner, known);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask(v, known)),
        Value::String(s) => {
            let masked = text(s, known);
            if masked != *s {
                *s = masked;
            }
        }
        _ => {}
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Skips what may stand between a key and its separator, or a separator
/// and its value: spaces, quotes, backslash-escaped quotes, `&quot;`-like
/// entities. Returns the new position and the quote it stopped after, if
/// the value side is quoted.
fn skip_fill(text: &str, mut at: usize) -> (usize, Option<&'static str>) {
    let mut quote = None;
    loop {
        let rest = &text[at..];
        if let Some(c) = rest.chars().next().filter(|c| *c == ' ' || *c == '\t') {
            at += c.len_utf8();
            continue;
        }
        let found = [
            "\\\"", "\\'", "\"", "'", "&quot;", "&#34;", "&#x22;", "&apos;", "&#39;",
        ]
        .into_iter()
        .find(|q| rest.starts_with(q));
        match found {
            Some(q) => {
                at += q.len();
                quote = Some(q);
            }
            None => return (at, quote),
        }
    }
}

/// Masks the values of every `key <sep> value` pair whose key looks like
/// a credential, in any text.
fn mask_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // text[..copied] is in `out`
    let mut at = 0;
    while at < text.len() {
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        if !is_key_char(c) {
            at += c.len_utf8();
            continue;
        }
        // A key: a maximal run of key characters.
        let start = at;
        let end = text[at..]
            .find(|c: char| !is_key_char(c))
            .map_or(text.len(), |i| at + i);
        at = end;
        if !is_secret_key(&text[start..end]) {
            continue;
        }
        let (after_key, _) = skip_fill(text, end);
        let Some(sep) = text[after_key..]
            .chars()
            .next()
            .filter(|c| matches!(c, ':' | '='))
        else {
            continue;
        };
        let (value_start, quote) = skip_fill(text, after_key + sep.len_utf8());
        let value_end = value_end(text, value_start, quote);
        if value_end > value_start {
            out.push_str(&text[copied..value_start]);
            out.push_str(MASK);
            copied = value_end;
        }
        at = value_end.max(at);
    }
    out.push_str(&text[copied..]);
    out
}

/// Where a value starting at `start` ends: at its closing quote when it is
/// quoted (the end of the text if the quote never closes), else at the
/// first character that cannot be part of it. `Bearer xyz`-like values
/// keep going past the scheme.
fn value_end(text: &str, start: usize, quote: Option<&str>) -> usize {
    let rest = &text[start..];
    if let Some(quote) = quote {
        // The closing quote is the opening one, unescaped; an escaped
        // opening quote closes with the same escape.
        let closing = match quote {
            "&#34;" | "&#x22;" => "&",
            "&apos;" | "&#39;" => "&",
            q if q.starts_with('&') => "&",
            q => q,
        };
        let mut i = 0;
        while let Some(found) = rest[i..].find(closing) {
            let pos = i + found;
            let escaped = closing.len() == 1 && rest[..pos].ends_with('\\');
            if !escaped {
                return start + pos;
            }
            i = pos + closing.len();
        }
        return text.len();
    }
    let stop = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '&' | ',' | ';' | '"' | '\'' | '<' | '>' | ')' | '}' | ']' | '\\'
            )
    };
    let first = rest.find(stop).map_or(rest.len(), |i| i);
    let word = &rest[..first];
    let schemes = [
        "bearer",
        "basic",
        "digest",
        "token",
        "negotiate",
        "oauth",
        "hmac",
    ];
    if schemes.iter().any(|s| word.eq_ignore_ascii_case(s)) && rest[first..].starts_with(' ') {
        let after = first + 1;
        let next = rest[after..].find(stop).map_or(rest.len(), |i| after + i);
        return start + next;
    }
    start + first
}

/// `url` with any user name and password replaced by `***`.
pub(crate) fn url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username(MASK);
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some(MASK));
            }
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Not a URL: whatever is before an `@` may be a credential.
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("{MASK}@{host}"),
            None => url.to_owned(),
        },
    }
}

/// Header names whose values are safe to show; every other value is
/// masked in `Debug` output.
const SHOWN_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "content-language",
    "content-type",
    "user-agent",
];

/// Whether a header's value may be shown.
pub(crate) fn header_shown(name: &str) -> bool {
    SHOWN_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary7f3a";

    fn clean(text: &str) {
        assert!(!text.contains(CANARY), "the canary leaked: {text}");
    }

    #[test]
    fn masks_nested_secret_keys() {
        let body = br#"{"auth_token":"canary","data":{"Password":"p","name":"x"}}"#;
        let got = excerpt(body, &[]);
        assert!(!got.contains("canary"), "{got}");
        assert!(!got.contains("\"p\""), "{got}");
        assert!(got.contains("\"name\":\"x\""), "{got}");
    }

    #[test]
    fn masks_secret_pairs_in_text() {
        let got = excerpt(
            b"error: bad request ?access_token=canary&page=2 password=p2 ok",
            &[],
        );
        assert_eq!(
            got,
            "error: bad request ?access_token=***&page=2 password=*** ok"
        );
    }

    #[test]
    fn cuts_long_bodies_to_one_line() {
        let body = "line\n".repeat(200);
        let got = excerpt(body.as_bytes(), &[]);
        assert!(!got.contains('\n'));
        assert!(got.ends_with('…'));
        assert_eq!(got.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn keys_in_every_spelling() {
        for key in [
            "token",
            "access_token",
            "accessToken",
            "AccessToken",
            "access-token",
            "ACCESS_TOKEN",
            "x-auth-token",
            "X-Auth-Token",
            "auth.token",
            "apiKey",
            "api_key",
            "API-KEY",
            "x-api-key",
            "Authorization",
            "proxy-authorization",
            "client_secret",
            "clientSecret",
            "password",
            "Passwd",
            "user_pwd",
            "cookie",
            "Set-Cookie",
            "session",
            "sessionId",
            "session_id",
            "assertion",
            "code_verifier",
            "codeVerifier",
            "credentials",
            "refresh_token",
            "id_token",
            "private_key",
            "signature",
            "key",
            "code",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "name",
            "errorCode",
            "message",
            "errcode",
            "errmsg",
            "id",
            "status",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    /// The canary, under many spellings of a credential key, in many body
    /// shapes: never shown.
    #[test]
    fn the_canary_in_every_shape() {
        let keys = [
            "access_token",
            "accessToken",
            "auth-token",
            "apiKey",
            "API_KEY",
            "Authorization",
            "password",
            "passwd",
            "client_secret",
            "sessionId",
            "Cookie",
            "assertion",
            "code_verifier",
            "refreshToken",
        ];
        for key in keys {
            let shapes = [
                format!(r#"{{"{key}":"{CANARY}"}}"#),
                format!(r#"{{"data":[{{"{key}":"{CANARY}","x":1}}]}}"#),
                format!(r#"{{"{key}":"{CANARY}"#),
                format!(r#"{{"{key}": "{CANARY}", "trunc"#),
                format!(r#"{{"{key}":{{"value":"{CANARY}"}}}}"#),
                format!(r#"{{"{key}":[1,"{CANARY}"]}}"#),
                format!(r#"<html><pre>{{"{key}": "{CANARY}"}}</pre></html>"#),
                format!(r#"<html><body>&quot;{key}&quot;: &quot;{CANARY}&quot;</body>"#),
                format!("{key}={CANARY}&page=2"),
                format!("grant_type=password&{key}={CANARY}"),
                format!("GET /x?a=1&{key}={CANARY} HTTP/1.1"),
                format!("{key}: {CANARY}\r\nhost: x"),
                format!("{key}: Bearer {CANARY}"),
                format!("{key} = '{CANARY} with spaces'"),
                format!(r#"{{"message":"{{\"{key}\":\"{CANARY}\"}}"}}"#),
                format!(r#"{{"message":"bad {key}={CANARY}"}}"#),
                format!(r#"<input name="x" {key}="{CANARY}">"#),
            ];
            for shape in shapes {
                let got = excerpt(shape.as_bytes(), &[]);
                assert!(!got.contains(CANARY), "{key} in {shape}: {got}");
                if let Some(json) = masked_json(shape.as_bytes(), &[]) {
                    clean(&json.to_string());
                }
            }
        }
    }

    #[test]
    fn known_credentials_are_masked_under_any_key_or_none() {
        let known = [Secret::new(CANARY)];
        clean(&excerpt(
            format!(r#"{{"echo":"{CANARY}"}}"#).as_bytes(),
            &known,
        ));
        clean(&excerpt(
            format!("you sent {CANARY}, which expired").as_bytes(),
            &known,
        ));
        clean(&text(&format!("errmsg {CANARY}"), &known));
        // Short values are not hunted (they would mask ordinary words).
        assert_eq!(text("a b", &[Secret::new("a")]), "a b");
    }

    #[test]
    fn other_text_is_kept() {
        let body = r#"{"errorCode":"OAU-140","message":"Invalid resource owner credentials","errors":[{"errorCode":"OAU-140"}]}"#;
        assert_eq!(excerpt(body.as_bytes(), &[]), body);
        assert_eq!(
            excerpt(b"<html><title>502 Bad Gateway</title></html>", &[]),
            "<html><title>502 Bad Gateway</title></html>"
        );
    }

    #[test]
    fn urls_lose_their_userinfo() {
        assert_eq!(
            url("https://user:canary@pbx.example.com:8088/openapi"),
            "https://***:***@pbx.example.com:8088/openapi"
        );
        assert_eq!(url("https://pbx.example.com/"), "https://pbx.example.com/");
        assert_eq!(url("not a url user:canary@host"), "***@host");
    }
}
