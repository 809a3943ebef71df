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
//! - Names are snake_case or UpperCamelCase, valid and unique in their
//!   scope: a name taken already gets a number (`data_2`). A parameter
//!   name ending in a comparison operator, as Twilio's listing filters do,
//!   reads as words instead: `DateSent<`, `DateSent>`, `DateSent<=`,
//!   `DateSent>=` and `Status!=` are `date_sent_before`,
//!   `date_sent_after`, `date_sent_on_or_before`, `date_sent_on_or_after`
//!   and `status_not` (whatever the type), unless the spec uses that name
//!   too; the wire name stays the spec's.
//! - An operation's description that only repeats its summary (equal but
//!   for whitespace and punctuation around it) is left out, so that its
//!   docs say it once. Response headers that every operation documenting
//!   response headers documents (when those are at least two and at least
//!   half of all operations) are listed once, in the `Client`'s docs,
//!   which name the operations without them; each operation's docs name
//!   only its own.
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
//! - [`Generator`] is the builder build scripts (and the `dialtone`
//!   command) use: a spec in; the files of a crate, or the whole client as
//!   one module to `include!` from `OUT_DIR`, out.
//!
//! # From a build script
//!
//! ```no_run
//! // build.rs, with dialtone-codegen under [build-dependencies]
//! fn main() {
//!     println!("cargo::rerun-if-changed=openapi.yaml");
//!     let code = dialtone_codegen::Generator::new("openapi.yaml")
//!         .generate_module()
//!         .unwrap_or_else(|e| panic!("{e}"));
//!     let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
//!     std::fs::write(out.join("openapi.rs"), code).unwrap();
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs, with dialtone-runtime, serde (derive) and serde_json under [dependencies]
//! pub mod api {
//!     include!(concat!(env!("OUT_DIR"), "/openapi.rs"));
//! }
//! ```
//!
//! # Extensions
//!
//! What OpenAPI cannot say is carried by `x-dialtone-*` extensions (this
//! table is the one list; ARCHITECTURE.md links here):
//!
//! | extension | where | meaning |
//! |---|---|---|
//! | `x-dialtone-envelope: {request: data, response: data}` | root | request bodies wrap the payload in that property; success bodies carry it there. The client takes and returns the payload (`send_enveloped()` returns the whole envelope); `send()` decodes the payload alone, skipping the envelope's other properties, unless the payload's field needs a serde attribute of its own (nullable, lenient). Lowering checks that each body schema has that property, required, and (for requests) no other required one. |
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
//! | `x-dialtone-pagination` | operation | the paging style of a list operation, for `into_pages()`/`into_stream()`: `{style: cursor, param, next, items}` (Kazoo), `{style: page, page, per_page?, next? (present while more), total?, items}` (RingCentral `navigation.nextPage`, Yeastar `total_number`) , `{style: link-header, items}` (Webex `Link: rel="next"`, followed only on the API's origin) or `{style: next-url, next, items}` (a field holding the next page's URL, absolute or relative to the base URL: Twilio `next_page_uri`; followed only on the API's origin); `items` may be left out where the body is the array of items. `false` turns paging found by convention off. For a spec you cannot edit, the same values go in an overlay file (`dialtone generate --pagination FILE`, `Generator::pagination`): operationId -> value. Without it, a GET pages when a convention fits (see *Paging found by convention*). |
//! | `x-dialtone-assumed: "why"` | anywhere | documentation only: a choice the vendor does not document. |
//! | `x-dialtone-rate-limits: {Group: {requests: N, window: S}}` | root | client-side limits per rate-limit group (defaults of the generated builder; `no_rate_limit()` opts out). The groups, with those of `x-throttling-group`, are the generated `RateLimitGroup` enum that `rate_limit(group, ..)` takes. |
//! | `x-dialtone-digest: {algorithm: md5, of: lowercase-user-colon-password}` | string property | the property carries the md5 hex of `lowercase(user):password` (Kazoo's user login): its struct (whose only required property it must be) gets `from_password(username, password)`, the digest computed by the runtime. |
//! | `x-dialtone-name: name` | server | the name of the server's `Client` constructor (`Client::sandbox()`, `Client::pbx(host, port)`); default `server`. Its variables are the constructor's arguments: an enum where the spec lists values, `u16` for a numeric `port`, else text checked to be a host, an IP address or a path segment. |
//! | `x-dialtone-crate: {version?, keywords?, categories?, license?}` | root | the generated crate's package fields where the caller set none ([`Package`]). |
//! | `x-throttling-group: Light` | operation | RingCentral's rate-limit group: the operation's requests are shaped by that group's limit. |
//!
//! Operations whose only security scheme is HTTP Basic (OAuth token
//! endpoints) are sent without the client's credential and get a per-call
//! `.basic_auth(user, password)`.

// The build-script examples are whole `build.rs` files, `fn main` included.
#![allow(clippy::needless_doctest_main)]

mod bundle;
pub mod diff;
pub mod error;
pub mod escape;
pub mod ir;
pub mod lint;
mod lower;
mod names;
mod overlay;
pub mod package;
pub mod parse;
mod read;
pub mod render;
mod single;
pub mod workspace;

pub use bundle::SpecSource;
pub use error::Error;
pub use package::{Package, RUNTIME_VERSION, RUST_VERSION, Runtime, Standalone};
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
pub const RESERVED_NAMES: &[&str] = &["cli", "codegen", "fakes", "runtime", "tests"];

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

/// A generated crate, in memory.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The lowered API (for summaries and tests).
    pub api: ir::Api,
    /// File contents keyed by path relative to the crate root.
    pub files: BTreeMap<String, String>,
}

/// A stage of generation, reported to [`Generator::on_progress`] as it
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Reading the spec file.
    Read,
    /// Parsing it, rewriting 3.1 into 3.0 and bundling its `$ref`s.
    Parse,
    /// Lowering: following every reference, deciding every name.
    Lower,
    /// Rendering the files (most of the time on large specs).
    Render,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 4] = [Phase::Read, Phase::Parse, Phase::Lower, Phase::Render];

    /// What the phase does, in a few words (`"parsing"`).
    pub fn label(self) -> &'static str {
        match self {
            Phase::Read => "reading",
            Phase::Parse => "parsing",
            Phase::Lower => "lowering",
            Phase::Render => "rendering",
        }
    }
}

/// A progress callback: called with each [`Phase`] as it starts, from
/// the thread generation runs on.
pub type Progress = Arc<dyn Fn(Phase) + Send + Sync>;

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
    base: Option<&Path>,
) -> Result<ir::Api, Error> {
    let source = SpecSource {
        dir: base.map(Path::to_owned),
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
    let job = Job {
        file: file.to_owned(),
        text: text.to_owned(),
        vendor: vendor.to_owned(),
        mode: CrateMode::Workspace,
        strict,
        source: source.clone(),
        progress: None,
        overlay: None,
    };
    on_own_stack(move || job.lower().map(|(api, _)| api))
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
    let job = Job {
        file: file.to_owned(),
        text: text.to_owned(),
        vendor: vendor.to_owned(),
        mode: CrateMode::Workspace,
        strict,
        source: source.clone(),
        progress: None,
        overlay: None,
    };
    on_own_stack(move || job.lower_document().map(|(api, _, doc)| (doc, api)))
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

/// One generation, with everything it needs owned (it runs on the
/// worker thread of [`on_own_stack`]).
struct Job {
    file: String,
    text: String,
    vendor: String,
    mode: CrateMode,
    strict: bool,
    source: SpecSource,
    progress: Option<Progress>,
    /// The paging overlay ([`Generator::pagination`]).
    overlay: Option<overlay::Overlay>,
}

impl Job {
    fn report(&self, phase: Phase) {
        if let Some(progress) = &self.progress {
            progress(phase);
        }
    }

    /// The package name the crate will have.
    fn package_name(&self) -> Option<&str> {
        match &self.mode {
            CrateMode::Standalone(standalone) => standalone.package.name.as_deref(),
            _ => None,
        }
    }

    /// Parses and lowers; also returns the spec's `x-dialtone-crate`.
    fn lower(&self) -> Result<(ir::Api, Option<Value>), Error> {
        self.lower_document().map(|(mut api, ext, _)| {
            lint::leave_out_invalid_examples(&mut api);
            (api, ext)
        })
    }

    /// [`Job::lower`], keeping the typed document (the linter reads it).
    fn lower_document(&self) -> Result<(ir::Api, Option<Value>, openapiv3::OpenAPI), Error> {
        let file = self.file.as_str();
        let vendor = self.vendor.as_str();
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
        match self.package_name() {
            Some(name) => package::check_package_name(file, name, "--package-name")?,
            None if RESERVED_NAMES.contains(&vendor) => {
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
            None => package::check_package_name(
                file,
                &format!("dialtone-{vendor}"),
                "from --name or the file stem",
            )?,
        }
        self.report(Phase::Parse);
        let mut parsed = parse::parse_with(file, &self.text, &self.source, self.strict)?;
        let merge_budget = parsed
            .properties
            .saturating_mul(limits::MERGE_FACTOR)
            .saturating_add(limits::MERGE_ALLOWANCE);
        let placed = match &self.overlay {
            Some(overlay) => overlay.apply(file, &mut parsed.openapi)?,
            None => Vec::new(),
        };
        self.report(Phase::Lower);
        let overlaid: Vec<String> = placed.iter().map(|p| p.spec.clone()).collect();
        let mut api = lower::lower(
            file,
            vendor,
            &parsed.openapi,
            self.strict,
            merge_budget,
            &overlaid,
        )
        .map_err(|err| match &self.overlay {
            Some(overlay) => overlay.locate(&placed, err),
            None => err,
        })?;
        let mut skipped = parsed.skipped;
        skipped.append(&mut api.skipped);
        api.skipped = skipped;
        if let Some(name) = self.package_name() {
            api.crate_name = name.to_owned();
        }
        let ext = parsed.raw.get(package::EXTENSION).cloned();
        Ok((api, ext, parsed.openapi))
    }

    /// Lowers, fills the crate's package fields from the spec, renders.
    fn generate(&self) -> Result<Generated, Error> {
        let (api, ext) = self.lower()?;
        let file = self.file.as_str();
        let mode = match &self.mode {
            CrateMode::Workspace => {
                CrateMode::WorkspaceMember(Package::default().resolve(file, ext.as_ref())?)
            }
            CrateMode::WorkspaceMember(package) => {
                CrateMode::WorkspaceMember(package.clone().resolve(file, ext.as_ref())?)
            }
            CrateMode::Standalone(standalone) => {
                standalone.check(file)?;
                CrateMode::Standalone(Standalone {
                    runtime: standalone.runtime.clone(),
                    package: standalone.package.clone().resolve(file, ext.as_ref())?,
                })
            }
        };
        self.report(Phase::Render);
        let files = render::render(&api, &mode);
        Ok(Generated { api, files })
    }
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
    base: Option<&Path>,
) -> Result<Generated, Error> {
    let source = SpecSource {
        dir: base.map(Path::to_owned),
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
    let job = Job {
        file: file.to_owned(),
        text: text.to_owned(),
        vendor: vendor.to_owned(),
        mode: mode.clone(),
        strict,
        source: source.clone(),
        progress: None,
        overlay: None,
    };
    on_own_stack(move || job.generate())
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

/// Where a [`Generator`]'s spec comes from.
#[derive(Debug, Clone)]
enum Input {
    File(PathBuf),
    Text { text: String, dir: Option<PathBuf> },
}

/// Generates a client crate, or one module of Rust source, from an
/// OpenAPI spec, with the options of `dialtone generate`. This is the API
/// for build scripts: generate into `OUT_DIR` and `include!` the result.
///
/// ```no_run
/// // build.rs (with `dialtone-codegen` under [build-dependencies])
/// fn main() {
///     println!("cargo::rerun-if-changed=openapi.yaml");
///     let code = dialtone_codegen::Generator::new("openapi.yaml")
///         .generate_module()
///         .unwrap_or_else(|e| panic!("{e}"));
///     let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
///     std::fs::write(out.join("openapi.rs"), code).unwrap();
/// }
/// ```
///
/// ```ignore
/// // src/lib.rs (with dialtone-runtime, serde and serde_json under [dependencies])
/// pub mod api {
///     include!(concat!(env!("OUT_DIR"), "/openapi.rs"));
/// }
/// ```
///
/// [`Generator::generate`] gives the files of a whole crate instead (what
/// `dialtone generate` writes), [`Generator::lint`] the linter's findings
/// and [`Generator::bundle`] the parsed document with every `$ref` bundled
/// into `#/components` (what a mock serves). A spec that cannot be used is
/// an [`Error`] naming the file, the JSON pointer and what was expected.
#[derive(Clone)]
pub struct Generator {
    input: Input,
    label: Option<String>,
    name: Option<String>,
    strict: bool,
    runtime: Runtime,
    package: Package,
    allow: Vec<PathBuf>,
    progress: Option<Progress>,
    pagination: Option<PathBuf>,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("input", &self.input)
            .field("label", &self.label)
            .field("name", &self.name)
            .field("strict", &self.strict)
            .field("runtime", &self.runtime)
            .field("package", &self.package)
            .field("allow", &self.allow)
            .field("pagination", &self.pagination)
            .finish_non_exhaustive()
    }
}

impl Generator {
    /// The spec at `path` (YAML or JSON, OpenAPI 3.0 or 3.1). Its `$ref`s
    /// to other files are read relative to its folder, and only inside it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Generator::with_input(Input::File(path.into()))
    }

    /// A spec given as text; `label` names it in errors and in generated
    /// headers (and its stem is the default `name`). References to other
    /// files are refused unless [`Generator::refs_relative_to`] says where
    /// they are.
    pub fn from_text(label: impl Into<String>, text: impl Into<String>) -> Self {
        let mut generator = Generator::with_input(Input::Text {
            text: text.into(),
            dir: None,
        });
        generator.label = Some(label.into());
        generator
    }

    fn with_input(input: Input) -> Self {
        Generator {
            input,
            label: None,
            name: None,
            strict: false,
            runtime: Runtime::default(),
            package: Package::default(),
            allow: Vec::new(),
            progress: None,
            pagination: None,
        }
    }

    /// For a spec given as text: read `$ref`s to other files relative to
    /// `dir`, and only inside it.
    pub fn refs_relative_to(mut self, dir: impl Into<PathBuf>) -> Self {
        if let Input::Text { dir: d, .. } = &mut self.input {
            *d = Some(dir.into());
        }
        self
    }

    /// How the spec is named in errors and in the generated files' headers
    /// (default: the path as given when relative, else its file name, so
    /// that no absolute path of the machine lands in a generated file).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The API's short name (default: the spec's file stem): the package
    /// is `dialtone-<name>` unless [`Generator::package_name`] says
    /// otherwise, and the README's environment variables are named after it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The package name of the generated crate.
    pub fn package_name(mut self, name: impl Into<String>) -> Self {
        self.package.name = Some(name.into());
        self
    }

    /// The crate's version (default: the spec's `x-dialtone-crate`, else 0.1.0).
    pub fn crate_version(mut self, version: impl Into<String>) -> Self {
        self.package.version = Some(version.into());
        self
    }

    /// The crate's SPDX licence expression (default: the spec's
    /// `x-dialtone-crate`, else none).
    pub fn license(mut self, license: impl Into<String>) -> Self {
        self.package.license = Some(license.into());
        self
    }

    /// Every package field at once (unset ones come from the spec).
    pub fn package(mut self, package: Package) -> Self {
        self.package = package;
        self
    }

    /// Refuse the spec instead of skipping what Dialtone cannot generate.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Depend on `dialtone-runtime` from a registry by this requirement
    /// (default: [`RUNTIME_VERSION`]); it must allow [`RUNTIME_VERSION`].
    pub fn runtime_version(mut self, requirement: impl Into<String>) -> Self {
        self.runtime = Runtime::Version(requirement.into());
        self
    }

    /// Depend on `dialtone-runtime` by this path, written as is (Cargo
    /// reads a relative one from the generated crate's folder).
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime = Runtime::Path(path.into());
        self
    }

    /// How the crate depends on `dialtone-runtime`.
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = runtime;
        self
    }

    /// Let `$ref`s also read files under `dir` (by default only the
    /// spec's own folder).
    pub fn allow_refs_from(mut self, dir: impl Into<PathBuf>) -> Self {
        self.allow.push(dir.into());
        self
    }

    /// Reads `x-dialtone-pagination` values from the overlay file at `path`
    /// (YAML or JSON: operationId -> value, `false` for no paging), for a
    /// spec you cannot edit; each replaces what the spec says of that
    /// operation. An operationId the spec lacks, or a value that does not
    /// fit, is an [`Error`] naming the overlay and the pointer in it. The
    /// linter ([`Generator::lint`]) reads the spec alone.
    pub fn pagination(mut self, path: impl Into<PathBuf>) -> Self {
        self.pagination = Some(path.into());
        self
    }

    /// Calls `progress` with each [`Phase`] as it starts.
    pub fn on_progress(mut self, progress: impl Fn(Phase) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// The spec's label in errors and headers.
    pub fn spec_label(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        match &self.input {
            Input::File(path) if path.is_absolute() => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Input::File(path) => path
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
            Input::Text { .. } => "spec".to_owned(),
        }
    }

    /// The API's short name: [`Generator::name`], else the spec's file stem.
    pub fn vendor(&self) -> Result<String, Error> {
        if let Some(name) = &self.name {
            return Ok(name.clone());
        }
        let label = self.spec_label();
        let stem = match &self.input {
            Input::File(path) => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
            Input::Text { .. } => Path::new(&label)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned()),
        };
        stem.filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::new(
                &label,
                "",
                "a spec whose file name gives a crate name (or --name)",
                None,
            )
        })
    }

    /// The [`CrateMode`] [`Generator::generate`] renders.
    pub fn mode(&self) -> CrateMode {
        CrateMode::Standalone(Standalone {
            runtime: self.runtime.clone(),
            package: self.package.clone(),
        })
    }

    /// Where the spec's `$ref`s may read.
    pub fn source(&self) -> SpecSource {
        let mut source = match &self.input {
            Input::File(path) => SpecSource::file(path),
            Input::Text { dir, .. } => SpecSource {
                dir: dir.clone(),
                ..SpecSource::default()
            },
        };
        for dir in &self.allow {
            source = source.allow(dir.clone());
        }
        source
    }

    fn job(&self) -> Result<Job, Error> {
        let label = self.spec_label();
        let source = self.source();
        if let Some(progress) = &self.progress {
            progress(Phase::Read);
        }
        let text = match &self.input {
            Input::File(_) => read_spec(&label, &source)?,
            Input::Text { text, .. } => text.clone(),
        };
        let overlay = match &self.pagination {
            Some(path) => Some(overlay::Overlay::read(path)?),
            None => None,
        };
        Ok(Job {
            file: label,
            text,
            vendor: self.vendor()?,
            mode: self.mode(),
            strict: self.strict,
            source,
            progress: self.progress.clone(),
            overlay,
        })
    }

    /// The files of the crate (Cargo.toml, README.md, `src/*.rs`,
    /// SKIPPED.md when something was left out, the examples test), keyed
    /// by path relative to the crate's folder.
    pub fn generate(&self) -> Result<Generated, Error> {
        let job = self.job()?;
        on_own_stack(move || job.generate())
    }

    /// The whole client as one module of Rust source, for `include!`
    /// inside a module of your crate (any module: paths inside it are
    /// relative). The crate that includes it depends on
    /// `dialtone-runtime` ([`RUNTIME_VERSION`]), `serde` (with `derive`)
    /// and `serde_json`. It carries no inner attribute and no `//!` doc
    /// (`include!` refuses them); what was left out is in
    /// [`Generator::generate`]'s [`ir::Api::skipped`].
    pub fn generate_module(&self) -> Result<String, Error> {
        let job = self.job()?;
        on_own_stack(move || {
            let generated = job.generate()?;
            Ok(single::module(&generated.api, &generated.files))
        })
    }

    /// Parses and lowers the spec.
    pub fn lower(&self) -> Result<ir::Api, Error> {
        let job = self.job()?;
        on_own_stack(move || job.lower().map(|(api, _)| api))
    }

    /// Lints the spec (see [`lint`]): what Dialtone asks of a spec beyond
    /// valid OpenAPI.
    pub fn lint(&self) -> Result<Vec<lint::Finding>, Error> {
        let job = self.job()?;
        lint::lint_source(&job.file, &job.text, &job.vendor, &job.source)
    }

    /// The spec as an OpenAPI 3.0 document (3.1 rewritten) whose every
    /// `$ref` points into `#/components`, other files' content bundled in;
    /// unless strict, what is not valid OpenAPI is left out. This is what
    /// `dialtone_fakes::mock::serve` takes.
    pub fn bundle(&self) -> Result<Value, Error> {
        let job = self.job()?;
        on_own_stack(move || {
            job.report(Phase::Parse);
            parse::parse_with(&job.file, &job.text, &job.source, job.strict).map(|p| p.raw)
        })
    }
}
