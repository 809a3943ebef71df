//! `dialtone-codegen`: turns an OpenAPI 3.0 (or 3.1) spec into the source
//! of a typed async Rust client crate.
//!
//! ```text
//! spec text --parse--> openapiv3::OpenAPI --lower--> ir::Api --render--> files
//! ```
//!
//! - [`parse`](crate::generate) reads YAML or JSON; 3.1 is rewritten into
//!   the 3.0 model, and `$ref`s that do not name a component (into `paths`,
//!   or another file) are bundled into components. Errors carry the line,
//!   or the JSON pointer where the document stops being OpenAPI.
//! - Lowering ([`ir`] is its output) is the only stage that fails: every
//!   `$ref` is followed, every Rust name decided. Composition becomes
//!   merged structs (`allOf`) and unions with an `Unknown` fallback
//!   (`oneOf`/`anyOf`); recursive types are boxed. An unsupported construct
//!   is skipped in the smallest unit (operation, optional parameter, schema
//!   as `serde_json::Value`) and listed in [`ir::Api::skipped`]
//!   (`SKIPPED.md`), or, when strict, refused with the spec file, the JSON
//!   pointer and what was expected.
//! - `format: byte` is `dialtone_runtime::Base64`, `format: binary`
//!   `dialtone_runtime::Binary`, `int32` `i32` (other integers `i64`);
//!   `date-time`, `date` and `uuid` stay `String`, so that a vendor's text
//!   round-trips exactly and an odd timestamp never fails a response.
//! - Optional `nullable` properties become `dialtone_runtime::Patch<T>`
//!   (absent, `null` or a value); required nullable ones stay `T`/`Option`.
//! - Rendering ([`render`]) cannot fail and is deterministic: the same spec
//!   gives the same bytes on every machine.
//! - [`workspace`] plans a whole run over `specs/`, compares it with the
//!   files on disk, and writes only what changed, atomically.
//!
//! # Extensions
//!
//! What OpenAPI cannot say is carried by `x-dialtone-*` extensions:
//!
//! | extension | where | meaning |
//! |---|---|---|
//! | `x-dialtone-envelope: {request: data, response: data}` | root | request bodies wrap the payload in that property; success responses carry it there. The client takes and returns the payload. |
//! | `x-dialtone-envelope: false` | operation | this operation's bodies are not enveloped (e.g. a login that returns a top-level token). |
//! | `x-dialtone-error-schema: Name` | root | the component schema of the vendor's error body; API errors decode into it. |
//! | `x-dialtone-request-id-header: Name` | root | the response header carrying the vendor's request id, kept in errors. |
//! | `x-dialtone-errcode: {field: errcode, success: 0, message?: errmsg, auth_errors?: [...]}` | root | errors arrive in success bodies: a body whose `field` is not `success` is an API error (Yeastar) that names the code and the `message` field; one containing an `auth_errors` text is a rejected credential. |
//! | `x-dialtone-example-operation: operationId` | root | the call shown in the generated README example. |
//! | `x-dialtone-lenient: true` | boolean property | also accept `"true"`/`"false"` strings when decoding (vendors whose examples stray from their schema). |
//! | `x-dialtone-secret: true` | string schema | a credential: generated as `Secret`, never shown by `Debug` (`format: password` does the same). |
//! | `x-dialtone-auth: {kind: token-exchange, logins: [...], refresh?, revoke?: opId}` | security scheme | tokens come from login operations: one builder method per login (`{method, operation, token: <JSON pointer>, expires_in?: <JSON pointer>, lifetime?: <seconds>}`), renewed single-flight before expiry and after a rejection, optionally with a refresh operation (`{operation, field, token}`); `revoke` names the operation that revokes the token it carries (`Client::revoke_auth`). |
//! | `x-dialtone-auth: {kind: oauth2, token: opId, revoke?: opId}` | security scheme | an OAuth 2.0 token endpoint: an `oauth(client_id, client_secret, grant)` builder method; the client id and secret go as HTTP Basic auth when the token operation's security is an HTTP Basic scheme, else in the form body. |
//! | `x-dialtone-batch: {param, max, status, accept, parts?: {id, status, body}}` | operation | a batch form: several ids joined by commas in path parameter `param` (at most `max`), answered with status `status` in media type `accept`, one part per id naming it (`id`, default `resourceId`), with its own `status` and `body`: a `<method>_batch` call whose `send()` returns one `Result` per id (the operation's own response, or the vendor's error for that id), and `send_chunked()` for longer lists. |
//! | `x-dialtone-idempotent: true\|false` | operation | overrides what the method says about replaying: `true` for a POST that is safe to send twice, `false` for a PUT that creates something new each time (Kazoo). |
//! | `x-dialtone-pagination: {...}` | operation | the paging style of a list operation, for `into_pages()`/`into_stream()`: `{style: cursor, param, next, items}`, `{style: page, page, per_page?, next? (present while more), total?, items}` or `{style: link-header, items}`. |
//! | `x-dialtone-assumed: "why"` | anywhere | documentation only: a choice the vendor does not document. |
//! | `x-dialtone-rate-limits: {Group: {requests: N, window: S}}` | root | client-side limits per rate-limit group (defaults of the generated builder; groups are a generated `RateLimitGroup` enum). |
//! | `x-dialtone-digest: {algorithm: md5, of: lowercase-user-colon-password}` | string property | the property carries the md5 of `lowercase(user):password` (Kazoo's user login): its struct gets `from_password(username, password)`, the digest computed by the runtime. |
//! | `x-throttling-group: Light` | operation | RingCentral's rate-limit group: the operation's requests are shaped by that group's limit. |

mod bundle;
pub mod error;
pub mod escape;
pub mod ir;
pub mod lint;
mod lower;
mod names;
pub mod parse;
pub mod render;
pub mod workspace;

pub use error::Error;
pub use render::CrateMode;

use std::collections::BTreeMap;

/// A generated crate, in memory.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The lowered API (for summaries and tests).
    pub api: ir::Api,
    /// File contents keyed by path relative to the crate root.
    pub files: BTreeMap<String, String>,
}

/// Parses and lowers a spec. `file` names the spec in errors and headers;
/// `vendor` becomes the crate name `dialtone-<vendor>`. Unsupported
/// constructs are skipped and listed in [`ir::Api::skipped`], or with
/// `strict` refused.
pub fn lower_spec(file: &str, text: &str, vendor: &str, strict: bool) -> Result<ir::Api, Error> {
    lower_file(file, text, vendor, strict, None)
}

/// [`lower_spec`] for a spec on disk: `$ref`s to other files are read
/// relative to `base` (the spec's directory).
pub fn lower_file(
    file: &str,
    text: &str,
    vendor: &str,
    strict: bool,
    base: Option<&std::path::Path>,
) -> Result<ir::Api, Error> {
    let valid = !vendor.is_empty()
        && vendor.starts_with(|c: char| c.is_ascii_lowercase())
        && vendor
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(Error::new(
            file,
            "",
            "a crate name of lower-case letters, digits, `-` and `_`, starting with a letter (from --name or the file stem)",
            Some(format!("\"{vendor}\"")),
        ));
    }
    let parsed = parse::parse_with(file, text, base, strict)?;
    let mut api = lower::lower(file, vendor, &parsed.openapi, strict)?;
    let mut skipped = parsed.skipped;
    skipped.append(&mut api.skipped);
    api.skipped = skipped;
    Ok(api)
}

/// Parses, lowers and renders a spec into the files of a crate.
pub fn generate(
    file: &str,
    text: &str,
    vendor: &str,
    mode: &CrateMode,
    strict: bool,
) -> Result<Generated, Error> {
    generate_with(file, text, vendor, mode, strict, None)
}

/// [`generate`] for a spec on disk, reading `$ref`ed files relative to `base`.
pub fn generate_with(
    file: &str,
    text: &str,
    vendor: &str,
    mode: &CrateMode,
    strict: bool,
    base: Option<&std::path::Path>,
) -> Result<Generated, Error> {
    let api = lower_file(file, text, vendor, strict, base)?;
    let files = render::render(&api, mode);
    Ok(Generated { api, files })
}
