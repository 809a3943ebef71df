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
//! - Specs are untrusted: `$ref`s read only regular files inside the
//!   spec's folder ([`SpecSource`]), every recursion and allocation is
//!   bounded ([`limits`]), and generation runs on a stack of its own, so
//!   no input reads elsewhere, hangs or aborts the process.
//! - Rendering ([`render`]) cannot fail and is deterministic: the same spec
//!   gives the same bytes on every machine.
//! - [`workspace`] plans a whole run over `specs/`, compares it with the
//!   files on disk, and writes only what changed, atomically.
//!
//! # Extensions
//!
//! What OpenAPI cannot say is carried by `x-dialtone-*` extensions (this
//! table is the one list; ARCHITECTURE.md links here):
//!
//! | extension | where | meaning |
//! |---|---|---|
//! | `x-dialtone-envelope: {request: data, response: data}` | root | request bodies wrap the payload in that property; success bodies carry it there. The client takes and returns the payload (`send_enveloped()` returns the whole envelope). Lowering checks that each body schema has that property, required, and (for requests) no other required one. |
//! | `x-dialtone-envelope: false` | operation | the operation's bodies are not enveloped (e.g. a login that returns a top-level token). |
//! | `x-dialtone-error-schema: Name` | root | the component schema of the vendor's error body; API errors decode into it. |
//! | `x-dialtone-request-id-header: Name` | root | the response header carrying the vendor's request id, kept in errors. |
//! | `x-dialtone-errcode: {field: errcode, success: 0, message?: errmsg, auth_errors?: [...]}` | root | errors arrive in success bodies: a 2xx body whose `field` is not `success` is an API error (Yeastar) whose `Display` names the code and the `message` field (not the HTTP 200); one containing an `auth_errors` text is a rejected credential, like a 401. |
//! | `x-dialtone-example-operation: operationId` | root | the call shown in the generated README example. |
//! | `x-dialtone-lenient: true` | boolean property | also accept `"true"`/`"false"` strings when decoding (vendors whose examples stray from their schema). |
//! | `x-dialtone-secret: true` | string schema | a credential: generated as `Secret`, never shown by `Debug` (`format: password` does the same). |
//! | `x-dialtone-auth: {kind: token-exchange, logins: [...], refresh?, revoke?: opId}` | security scheme | tokens come from login operations: one builder method per login (`{method, operation, token: <JSON pointer>, expires_in?: <JSON pointer>, lifetime?: <seconds>}`), renewed single-flight by the runtime's `RefreshingToken` before expiry and once after a rejection, optionally with a refresh operation (`{operation, field, token}`); `revoke` names the operation that revokes the token it carries (Yeastar `del_token`), sent by `Client::revoke_auth`. |
//! | `x-dialtone-auth: {kind: oauth2, token: opId, revoke?: opId}` | security scheme | an OAuth 2.0 token endpoint: an `oauth(client_id, client_secret, grant)` builder method (the runtime's `tokens::OAuth2`); the client id and secret go as HTTP Basic auth when the token operation's security is an HTTP Basic scheme (RingCentral), else in the form body (Webex). |
//! | `x-dialtone-batch: {param, max, status, accept, parts?: {id, status, body}}` | operation | a batch form: several ids joined by commas in path parameter `param` (at most `max`, checked before sending, the error naming `send_chunked()`), answered with status `status` in media type `accept`, one part per id (`parts` names its id, status and body; default `resourceId`, `status`, `body`): a `<method>_batch` call whose `send()` returns one `Result` per id in input order (the single form's response type, or the vendor's error for that id; the runtime's `batch::decode`), and whose `send_chunked()` splits longer lists and keeps input order. |
//! | `x-dialtone-idempotent: true\|false` | operation | overrides what the method says about replaying: `true` for a POST that is safe to send twice (retries may resend it), `false` for a PUT that creates something new each time (Kazoo's creates and logins: never replayed once they may have reached the server). |
//! | `x-dialtone-pagination` | operation | the paging style of a list operation, for `into_pages()`/`into_stream()`: `{style: cursor, param, next, items}` (Kazoo), `{style: page, page, per_page?, next? (present while more), total?, items}` (RingCentral `navigation.nextPage`, Yeastar `total_number`) or `{style: link-header, items}` (Webex `Link: rel="next"`, followed only on the API's origin). |
//! | `x-dialtone-assumed: "why"` | anywhere | documentation only: a choice the vendor does not document. |
//! | `x-dialtone-rate-limits: {Group: {requests: N, window: S}}` | root | client-side limits per rate-limit group (defaults of the generated builder; `no_rate_limit()` opts out). The groups, with those of `x-throttling-group`, are the generated `RateLimitGroup` enum that `rate_limit(group, ..)` takes. |
//! | `x-dialtone-digest: {algorithm: md5, of: lowercase-user-colon-password}` | string property | the property carries the md5 hex of `lowercase(user):password` (Kazoo's user login): its struct (whose only required property it must be) gets `from_password(username, password)`, the digest computed by the runtime. |
//! | `x-throttling-group: Light` | operation | RingCentral's rate-limit group: the operation's requests are shaped by that group's limit. |
//!
//! Operations whose only security scheme is HTTP Basic (OAuth token
//! endpoints) are sent without the client's credential and get a per-call
//! `.basic_auth(user, password)`.

mod bundle;
pub mod error;
pub mod escape;
pub mod ir;
pub mod lint;
mod lower;
mod names;
pub mod parse;
mod read;
pub mod render;
pub mod workspace;

pub use bundle::SpecSource;
pub use error::Error;
pub use render::CrateMode;

/// The bounds no input can exceed; each is an error naming the file and
/// the JSON pointer where it is crossed, never a crash.
pub mod limits {
    /// How deep a document (YAML or JSON) may nest: the limit of both
    /// parsers, checked for YAML flow collections before parsing (the YAML
    /// scanner's time grows with the square of that depth). It bounds
    /// every recursive walk over a document.
    pub const MAX_NESTING: usize = 128;
    /// How deep lowering may follow schemas into schemas: `$ref` chains,
    /// `items`, properties, `allOf`/`oneOf`/`anyOf` members together. It
    /// bounds the generator's stack (see [`STACK_BYTES`]).
    pub const MAX_SCHEMA_DEPTH: usize = 48;
    /// Merging `allOf` members copies inherited properties into each
    /// struct; all structs together may hold at most this many times the
    /// properties the spec declares, plus [`MERGE_ALLOWANCE`].
    pub const MERGE_FACTOR: usize = 4;
    /// See [`MERGE_FACTOR`].
    pub const MERGE_ALLOWANCE: usize = 1_000;
    /// The largest file a `$ref` may read (and the largest spec
    /// `cargo xtask generate` reads).
    pub const MAX_FILE_BYTES: u64 = 64 << 20;
    /// All the files `$ref`s read, together.
    pub const MAX_TOTAL_BYTES: u64 = 256 << 20;
    /// How many files `$ref`s may read.
    pub const MAX_FILES: usize = 4096;
    /// The stack every generation runs on (a thread of its own): the
    /// limits above keep what it needs to a few MiB, so this is ample
    /// room, a second line of defence rather than the first.
    pub const STACK_BYTES: usize = 32 << 20;
}

/// `--name`s that would collide with Dialtone's own packages
/// (`dialtone-<name>`).
pub const RESERVED_NAMES: &[&str] = &["codegen", "fakes", "runtime", "tests"];

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
    lower_source(file, text, vendor, strict, &SpecSource::default())
}

/// [`lower_spec`] for a spec on disk: `$ref`s to other files are read
/// relative to `base` (the spec's directory), and only inside it.
pub fn lower_file(
    file: &str,
    text: &str,
    vendor: &str,
    strict: bool,
    base: Option<&std::path::Path>,
) -> Result<ir::Api, Error> {
    let source = SpecSource {
        dir: base.map(std::path::Path::to_owned),
        ..SpecSource::default()
    };
    lower_source(file, text, vendor, strict, &source)
}

/// [`lower_spec`] with the files `$ref`s may read described by `source`.
pub fn lower_source(
    file: &str,
    text: &str,
    vendor: &str,
    strict: bool,
    source: &SpecSource,
) -> Result<ir::Api, Error> {
    let (file, text, vendor, source) = (
        file.to_owned(),
        text.to_owned(),
        vendor.to_owned(),
        source.clone(),
    );
    on_own_stack(move || lower_here(&file, &text, &vendor, strict, &source).map(|(_, api)| api))
}

/// Parses and lowers a spec on a stack of its own, keeping the document:
/// where generation and the linter both start.
pub(crate) fn lower_document(
    file: &str,
    text: &str,
    vendor: &str,
    strict: bool,
    source: &SpecSource,
) -> Result<(openapiv3::OpenAPI, ir::Api), Error> {
    let (file, text, vendor, source) = (
        file.to_owned(),
        text.to_owned(),
        vendor.to_owned(),
        source.clone(),
    );
    on_own_stack(move || lower_here(&file, &text, &vendor, strict, &source))
}

/// Runs `f` on a thread with a stack of [`limits::STACK_BYTES`], whatever
/// thread calls: the limits bound how deep parsing, deserializing and
/// lowering recurse (a document nested [`limits::MAX_NESTING`] deep needs
/// under 4 MiB in a debug build, as measured), and this makes that much
/// available even on a 2 MiB test thread. Each calling thread has one such
/// worker, started on first use and ended with it, so its allocator stays
/// warm from one generation to the next (a thread per call cost a third
/// of the time of a large spec). Only the stack pages used are committed.
fn on_own_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    use std::cell::RefCell;
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::mpsc;

    type Job = Box<dyn FnOnce() + Send>;
    thread_local! {
        static WORKER: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
    }
    fn start() -> Option<mpsc::Sender<Job>> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("dialtone-generate".to_owned())
            .stack_size(limits::STACK_BYTES)
            .spawn(move || {
                for job in queue {
                    job();
                }
            })
            .ok()?;
        Some(jobs)
    }
    let (done, result) = mpsc::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(catch_unwind(AssertUnwindSafe(f)));
    });
    let unsent = WORKER.with(|worker| {
        let mut worker = worker.borrow_mut();
        if worker.is_none() {
            *worker = start();
        }
        match worker.as_ref() {
            Some(jobs) => jobs.send(job).err().map(|e| e.0),
            None => Some(job),
        }
    });
    // No worker could be started: run here, on the caller's stack.
    if let Some(job) = unsent {
        job();
    }
    match result.recv() {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => resume_unwind(panic),
        Err(_) => unreachable!("every job sends its result before it is dropped"),
    }
}

fn lower_here(
    file: &str,
    text: &str,
    vendor: &str,
    strict: bool,
    source: &SpecSource,
) -> Result<(openapiv3::OpenAPI, ir::Api), Error> {
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
    if RESERVED_NAMES.contains(&vendor) {
        return Err(Error::new(
            file,
            "",
            format!(
                "a crate name other than those of Dialtone's own packages (dialtone-{{{}}}; from --name or the file stem)",
                RESERVED_NAMES.join(",")
            ),
            Some(format!("\"{vendor}\"")),
        ));
    }
    let parsed = parse::parse_with(file, text, source, strict)?;
    let merge_budget = parsed
        .properties
        .saturating_mul(limits::MERGE_FACTOR)
        .saturating_add(limits::MERGE_ALLOWANCE);
    let mut api = lower::lower(file, vendor, &parsed.openapi, strict, merge_budget)?;
    let mut skipped = parsed.skipped;
    skipped.append(&mut api.skipped);
    api.skipped = skipped;
    Ok((parsed.openapi, api))
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
    let source = SpecSource {
        dir: base.map(std::path::Path::to_owned),
        ..SpecSource::default()
    };
    generate_source(file, text, vendor, mode, strict, &source)
}

/// [`generate`] with the files `$ref`s may read described by `source`.
pub fn generate_source(
    file: &str,
    text: &str,
    vendor: &str,
    mode: &CrateMode,
    strict: bool,
    source: &SpecSource,
) -> Result<Generated, Error> {
    let (file, text, vendor, mode, source) = (
        file.to_owned(),
        text.to_owned(),
        vendor.to_owned(),
        mode.clone(),
        source.clone(),
    );
    on_own_stack(move || {
        let (_, api) = lower_here(&file, &text, &vendor, strict, &source)?;
        let files = render::render(&api, &mode);
        Ok(Generated { api, files })
    })
}

/// Reads the spec at `source.file` (a regular file of at most
/// [`limits::MAX_FILE_BYTES`]) and generates its crate.
pub fn generate_file(
    label: &str,
    vendor: &str,
    mode: &CrateMode,
    strict: bool,
    source: &SpecSource,
) -> Result<Generated, Error> {
    let text = read_spec(label, source)?;
    generate_source(label, &text, vendor, mode, strict, source)
}

/// The text of the spec at `source.file`, a regular file of at most
/// [`limits::MAX_FILE_BYTES`].
pub(crate) fn read_spec(label: &str, source: &SpecSource) -> Result<String, Error> {
    let Some(path) = &source.file else {
        return Err(Error::new(label, "", "a spec file", None));
    };
    bundle::read_capped(path, limits::MAX_FILE_BYTES)
        .map_err(|(expected, found)| Error::new(label, "", expected, Some(found)))
}
