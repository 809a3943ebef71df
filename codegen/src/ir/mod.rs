//! The intermediate representation: a vendor-neutral, fully resolved model
//! of an API. Plain data: every `$ref` is followed, every Rust name is
//! decided and collision-free, and no openapiv3 type appears here.
//! Lowering (`lower/`) builds it; rendering ([`crate::render`])
//! reads it and cannot fail. Operations (parameters, bodies, answers,
//! paging) are in `operation.rs`, named types in `types.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

mod operation;
mod types;

pub use operation::*;
pub use types::*;

/// One vendor's API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The short vendor name, from the spec's file stem (`kazoo`).
    pub vendor: String,
    /// The crate name (`dialtone-kazoo`).
    pub crate_name: String,
    /// The spec file as given to the generator, for headers and errors.
    pub spec_file: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server's URL with every variable at its default.
    pub default_server: Option<String>,
    /// The spec's servers, one `Client` constructor each.
    pub servers: Vec<Server>,
    /// How the client can authenticate.
    pub auth: Vec<AuthScheme>,
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// Error enums several operations share, in the order of their first
    /// operation ([`OperationErrors::shared`] names one).
    pub shared_errors: Vec<SharedErrors>,
    /// Every named type, in the order lowering met them.
    pub types: Vec<TypeDef>,
    /// Every `pattern`, indexed by [`Constraints::pattern`]: one per
    /// distinct name and regex.
    pub patterns: Vec<Pattern>,
    /// The vendor's error body (`x-dialtone-error-schema`).
    pub error_type: Option<TypeRef>,
    /// The response header with the request id (`x-dialtone-request-id-header`).
    pub request_id_header: Option<String>,
    /// Response headers that every operation documenting response headers
    /// documents, when those operations are at least two and at least half
    /// of all (a CORS or rate-limit header on each): listed once, in the
    /// `Client`'s docs, and left out of each operation's. Empty otherwise.
    pub common_response_headers: Vec<String>,
    /// The vendor's rate-limit groups, in spec order: those with
    /// client-side limits (`x-dialtone-rate-limits`), then any other an
    /// operation names (`x-throttling-group`).
    pub rate_groups: Vec<RateGroup>,
    /// Errors reported inside success bodies (`x-dialtone-errcode`).
    pub errcode: Option<ErrCode>,
    /// Index into `operations` of the README example (`x-dialtone-example-operation`).
    pub example_operation: Option<usize>,
    /// Every example in the spec, with the type it must decode into.
    pub examples: Vec<Example>,
    /// What lowering left out or ignored, in spec order (`SKIPPED.md`).
    pub skipped: Vec<Skipped>,
    /// Properties that carry a digest of a user's credentials
    /// (`x-dialtone-digest`): their type gets a constructor from the user
    /// name and password.
    pub digests: Vec<Digest>,
    /// [`Api::type_named`]'s index, built on first use.
    pub type_index: TypeIndex,
}

impl Api {
    /// The type named `name`: through an index, so that rendering, which
    /// looks a type up for every field that names one, stays linear.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        let index = self.type_index.0.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.types.len());
            for (i, t) in self.types.iter().enumerate() {
                // The first of equal names, as a scan would find.
                index.entry(t.name.clone()).or_insert(i);
            }
            index
        });
        // Checked, so that `types` changed after the index was built
        // never gives a wrong answer: a stale entry falls back to a scan.
        match index.get(name).and_then(|&i| self.types.get(i)) {
            Some(t) if t.name == name => Some(t),
            _ => self.types.iter().find(|t| t.name == name),
        }
    }
}

/// An index of [`Api::types`] by name. Equal to any other, and shown
/// without its contents: it only caches what `types` holds.
#[derive(Clone, Default)]
pub struct TypeIndex(OnceLock<HashMap<String, usize>>);

impl PartialEq for TypeIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for TypeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypeIndex")
    }
}

/// A vendor rate-limit group (a variant of the generated `RateLimitGroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateGroup {
    /// The group's name, as the vendor spells it.
    pub wire: String,
    /// The variant.
    pub rust_name: String,
    /// The client-side limit by default: requests per window in seconds.
    pub limit: Option<(u32, u64)>,
}

/// A `pattern` and the name of the static that holds it compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The static's name, after what it checks (`GROUP_ID`,
    /// `ACCOUNT_ID`): stable when other patterns come and go.
    pub name: String,
    /// The regular expression (checked to compile).
    pub source: String,
    /// The `regex` crate refuses it (look-around, back-references): it is
    /// matched by the runtime's `validate::LookAround` (`fancy-regex`,
    /// with a bounded backtracking budget).
    pub look_around: bool,
}

/// A property that carries a digest of a user's credentials (Kazoo's
/// `credentials`: md5 of `lowercase(username):password`).
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// The struct.
    pub type_name: String,
    /// The field's Rust name.
    pub field: String,
    /// Whether the field is a `Secret` (else a `String`).
    pub secret: bool,
}

/// Something lowering could not support and left out (or ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// What was left out.
    pub unit: SkipUnit,
    /// JSON pointer of the construct.
    pub pointer: String,
    /// Why, in the words of the error it would otherwise have been.
    pub reason: String,
}

/// The unit a skip left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipUnit {
    /// A whole operation: no method is generated for it.
    Operation,
    /// An optional parameter: no setter is generated for it.
    Parameter,
    /// A schema decoded as `serde_json::Value` instead of a typed value.
    Schema,
    /// A keyword that is ignored (e.g. `not`); nothing is left out.
    Ignored,
    /// An example that does not match its schema (a defect of the spec):
    /// left out of the generated crate's tests, nothing else changes.
    Example,
}

impl SkipUnit {
    /// Whether `--strict` refuses it (everything but ignored keywords and
    /// examples left out of the tests: neither changes the API).
    pub fn is_skip(self) -> bool {
        !matches!(self, SkipUnit::Ignored | SkipUnit::Example)
    }

    /// A word for summaries.
    pub fn label(self) -> &'static str {
        match self {
            SkipUnit::Operation => "operation",
            SkipUnit::Parameter => "parameter",
            SkipUnit::Schema => "schema as JSON",
            SkipUnit::Ignored => "ignored",
            SkipUnit::Example => "example left out of the tests",
        }
    }
}

/// Errors reported inside success bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrCode {
    /// The field with the code.
    pub field: String,
    /// The value that means success.
    pub success: i64,
    /// Texts in such a body that mean the credential was rejected.
    pub auth_errors: Vec<String>,
    /// The field with the error's message, if any.
    pub message: Option<String>,
}

/// A way to authenticate, from `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthScheme {
    /// The scheme's key in the spec.
    pub key: String,
    /// The builder method that sets it (`auth_token`).
    pub method: String,
    /// Where the credential goes.
    pub kind: AuthKind,
    /// The scheme's description.
    pub docs: Option<String>,
    /// How tokens for it are obtained and renewed (`x-dialtone-auth`).
    pub lifecycle: Option<Lifecycle>,
}

/// How a token is obtained and renewed.
#[derive(Debug, Clone, PartialEq)]
pub enum Lifecycle {
    /// Credentials sent as JSON to a login operation (Kazoo, Yeastar).
    Exchange {
        /// One builder method per way of logging in.
        logins: Vec<Login>,
        /// How a token is renewed without logging in again, if it can be.
        refresh: Option<Refresh>,
        /// The operation that revokes the token it carries, if any.
        revoke: Option<TokenCall>,
    },
    /// An OAuth 2.0 token endpoint (RingCentral).
    OAuth2 {
        /// The builder method (`oauth`).
        method: String,
        /// The token operation.
        token: TokenCall,
        /// The revoke operation, if any.
        revoke: Option<TokenCall>,
        /// Whether the token operation takes the client id and secret as
        /// HTTP Basic auth (its security is an HTTP Basic scheme); else
        /// they go in the form body.
        client_basic: bool,
    },
}

/// A login operation that hands out tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// The builder method (`api_key_login`).
    pub method: String,
    /// Its twin that keeps tokens in a store (`api_key_login_with_store`).
    pub store_method: String,
    /// The operation.
    pub call: TokenCall,
    /// The type of its whole request body.
    pub body: TypeRef,
    /// JSON pointer of the token in the answer.
    pub token: String,
    /// JSON pointer of the lifetime in seconds, if the answer has one.
    pub expires_in: Option<String>,
    /// The lifetime when the answer does not say.
    pub lifetime: Option<u64>,
}

/// An operation of a token lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenCall {
    /// The operationId.
    pub operation: String,
    /// Its method.
    pub http_method: HttpMethod,
    /// Its path (no parameters).
    pub path: String,
    /// The operation's rate-limit group (`x-throttling-group`), if any.
    pub rate_group: Option<String>,
}

/// How a token is renewed without logging in again.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    /// The refresh operation.
    pub call: TokenCall,
    /// The body field that carries the refresh token.
    pub field: String,
    /// JSON pointer of the refresh token in answers.
    pub token: String,
}

/// Where a credential is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthKind {
    /// In a header of its own (lower-case name).
    Header(String),
    /// In a query parameter.
    Query(String),
    /// `Authorization: Bearer` (http bearer, oauth2, openIdConnect).
    Bearer,
    /// In a cookie.
    Cookie(String),
    /// `Authorization: Basic` with a user name and password.
    Basic,
}

/// An example from the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// A unique snake_case name (`list_groups_200_seed`).
    pub name: String,
    /// The example's JSON pointer.
    pub pointer: String,
    /// The type it decodes into.
    pub ty: TypeRef,
    /// Whether it is a request body (then it must also pass validation).
    pub request: bool,
    /// The value.
    pub value: serde_json::Value,
}

/// One of the spec's `servers`: a `Client` constructor.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The constructor's name (`x-dialtone-name`, else `server`).
    pub method: String,
    /// The URL template, as written.
    pub url: String,
    /// `description`.
    pub description: Option<String>,
    /// The template cut into text and variables.
    pub pieces: Vec<UrlPiece>,
    /// The variables, in spec order: the constructor's arguments.
    pub variables: Vec<ServerVar>,
}

/// A piece of a server's URL template.
#[derive(Debug, Clone, PartialEq)]
pub enum UrlPiece {
    /// Text as written.
    Literal(String),
    /// The variable at this index of [`Server::variables`].
    Var(usize),
}

/// A server variable.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVar {
    /// Its name in the template.
    pub wire: String,
    /// The argument's name.
    pub rust_name: String,
    /// `default`.
    pub default: String,
    /// `description`.
    pub description: Option<String>,
    /// The argument's type.
    pub kind: VarKind,
}

/// The type of a server variable's argument.
#[derive(Debug, Clone, PartialEq)]
pub enum VarKind {
    /// Text, checked to be a host name, address or path segment.
    Text,
    /// A `port` whose default is a number: `u16`.
    Port,
    /// The values the spec lists: an enum of `(variant, value)`.
    Enum {
        type_name: String,
        variants: Vec<(String, String)>,
    },
}
