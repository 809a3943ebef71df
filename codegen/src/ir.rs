//! The intermediate representation: a vendor-neutral, fully resolved model
//! of an API. Plain data: every `$ref` is followed, every Rust name is
//! decided and collision-free, and no openapiv3 type appears here.
//! Lowering ([`crate::lower`]) builds it; rendering ([`crate::render`])
//! reads it and cannot fail.

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
    /// How the client can authenticate.
    pub auth: Vec<AuthScheme>,
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// Every named type, in the order lowering met them.
    pub types: Vec<TypeDef>,
    /// Every `pattern`, indexed by [`Constraints::pattern`]: one per
    /// distinct name and regex.
    pub patterns: Vec<Pattern>,
    /// The vendor's error body (`x-dialtone-error-schema`).
    pub error_type: Option<TypeRef>,
    /// The response header with the request id (`x-dialtone-request-id-header`).
    pub request_id_header: Option<String>,
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
}

impl SkipUnit {
    /// Whether `--strict` refuses it (everything but ignored keywords).
    pub fn is_skip(self) -> bool {
        self != SkipUnit::Ignored
    }

    /// A word for summaries.
    pub fn label(self) -> &'static str {
        match self {
            SkipUnit::Operation => "operation",
            SkipUnit::Parameter => "parameter",
            SkipUnit::Schema => "schema as JSON",
            SkipUnit::Ignored => "ignored",
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
        refresh: Option<TokenCall>,
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
    },
}

/// A login operation that hands out tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// The builder method (`api_key_login`).
    pub method: String,
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
    /// For refresh calls: the body field that carries the refresh token.
    pub field: Option<String>,
    /// For refresh calls: JSON pointer of the refresh token in answers.
    pub token: Option<String>,
    /// The operation's rate-limit group (`x-throttling-group`), if any.
    pub rate_group: Option<String>,
}

/// Where a credential is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthKind {
    /// In a header of its own (lower-case name).
    Header(String),
    /// In a query parameter.
    Query(String),
    /// `Authorization: Bearer`.
    Bearer,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operationId.
    pub id: String,
    /// The client method (`list_groups`).
    pub method_name: String,
    /// The request builder type (`ListGroups`).
    pub builder_name: String,
    /// The HTTP method.
    pub http_method: HttpMethod,
    /// The path as written in the spec.
    pub path_template: String,
    /// The path split into literals and parameters.
    pub path: Vec<Segment>,
    /// Path, query and header parameters, path first in template order.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// What a success returns.
    pub success: Success,
    /// Documented error bodies by status, when the spec has no
    /// crate-wide error schema: an enum of that name with one variant per
    /// status (`from_error` decodes a `crate::Error` into it).
    pub errors: Option<(String, Vec<ErrorVariant>)>,
    /// Every documented status, for docs.
    pub statuses: Vec<String>,
    /// Headers the success responses document (read them with `send_raw`).
    pub response_headers: Vec<String>,
    /// Summary and description.
    pub docs: Docs,
    /// False when the operation declares `security: []`, or only HTTP
    /// Basic (then `basic_auth` is true).
    pub authenticated: bool,
    /// The operation authenticates with HTTP Basic credentials given per
    /// call (OAuth token endpoints).
    pub basic_auth: bool,
    /// Whether the spec deprecates it.
    pub deprecated: bool,
    /// `x-dialtone-idempotent`: overrides what the method says about
    /// replaying (true: a safe POST; false: a PUT that creates anew).
    pub idempotent: Option<bool>,
    /// How a list operation pages (`x-dialtone-pagination`).
    pub paging: Option<Paging>,
    /// A fixed `Accept` header (the batch form's media type).
    pub accept: Option<String>,
    /// RingCentral's `x-throttling-group`.
    pub throttling_group: Option<String>,
    /// The operation's JSON pointer in the spec.
    pub pointer: String,
}

/// How a list operation pages: what a page is, where its items are, and
/// how the next page is asked for and the end known. The stop rule of each
/// style is one function of `dialtone_runtime::paginate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// The type of a page: the whole response body, envelope included.
    pub page: TypeRef,
    /// Pages are fetched with `send_enveloped` (the response is enveloped).
    pub enveloped: bool,
    /// Where the items are in a page.
    pub items: Vec<FieldStep>,
    /// The type of one item.
    pub item: TypeRef,
    /// How the next page is asked for.
    pub next: NextPage,
}

/// How the next page of a listing is asked for, and the end known.
#[derive(Debug, Clone, PartialEq)]
pub enum NextPage {
    /// An opaque cursor: the page's `next` goes back as query parameter
    /// `param` (Kazoo `next_start_key` -> `start_key`); the end is a page
    /// without one (`paginate::next_cursor`).
    Cursor {
        /// Index into `params` of the cursor parameter (a string).
        param: usize,
        /// Where the next cursor is in a page.
        next: Vec<FieldStep>,
    },
    /// Page numbers, and a field present only while there are more pages
    /// (RingCentral `navigation.nextPage`; `paginate::next_page_marked`).
    Marked {
        /// Index into `params` of the page number parameter (an integer).
        page: usize,
        /// The field.
        next: Vec<FieldStep>,
    },
    /// Page numbers, and the total number of items (Yeastar
    /// `total_number`; `paginate::next_page_counted`).
    Counted {
        /// Index into `params` of the page number parameter (an integer).
        page: usize,
        /// Index into `params` of the page size parameter (an integer).
        per_page: Option<usize>,
        /// Where the total is in a page (an integer).
        total: Vec<FieldStep>,
    },
    /// The next page's URL in the `Link: <...>; rel="next"` header
    /// (Webex), followed on the API's own origin (`paginate::next_link`).
    Link,
}

/// One step of a path into a response: a field and whether it is required.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldStep {
    pub rust_name: String,
    pub required: bool,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
    Trace,
}

impl HttpMethod {
    /// The method as `http::Method`'s constant names it (`GET`).
    pub fn as_upper(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Trace => "TRACE",
        }
    }
}

/// A piece of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Literal text.
    Literal(String),
    /// The value of `params[index]`.
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    /// The location as OpenAPI's `in` names it (`path`).
    pub fn name(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name on the wire.
    pub wire_name: String,
    /// The Rust name (argument or setter).
    pub rust_name: String,
    /// Required parameters are arguments of the client method.
    pub required: bool,
    /// The type, with its constraints.
    pub ty: TypeRef,
    /// Where it goes and how its value is written.
    pub encoding: Encoding,
    /// The parameter's description.
    pub docs: Option<String>,
    /// The spec's example value, for README examples.
    pub example: Option<serde_json::Value>,
    /// Whether the spec deprecates it.
    pub deprecated: bool,
}

impl Param {
    /// Where it goes.
    pub fn location(&self) -> ParamLocation {
        match self.encoding {
            Encoding::Path(_) => ParamLocation::Path,
            Encoding::Header(_) => ParamLocation::Header,
            Encoding::Cookie(_) => ParamLocation::Cookie,
            Encoding::Query { .. } | Encoding::QueryJson => ParamLocation::Query,
        }
    }
}

/// Where a parameter goes and how its value is written: everything
/// rendering needs, decided by lowering from the parameter's `in`,
/// `style`, `explode`, `content` and type. What Dialtone cannot send as
/// the spec says (JSON text outside the query, exploded objects in a path
/// or header, exploded lists or objects in a cookie) is refused there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// One path segment (`style: simple`): each value percent-encoded,
    /// lists comma-joined, objects as `k,v,k,v`.
    Path(Shape),
    /// A header (`style: simple`): lists comma-joined, objects `k,v,k,v`.
    Header(Shape),
    /// A cookie (`style: form`): lists and objects comma-joined
    /// (`explode: false`).
    Cookie(Shape),
    /// A query parameter.
    Query {
        /// `style`.
        style: QueryStyle,
        /// `explode` (`k=a&k=b` rather than `k=a,b` for `form`).
        explode: bool,
        /// What the value is.
        shape: Shape,
    },
    /// A query parameter sent as JSON text (`content: application/json`).
    QueryJson,
}

impl Encoding {
    /// What the value is (JSON text is written from any value).
    pub fn shape(self) -> Shape {
        match self {
            Encoding::Path(shape) | Encoding::Header(shape) | Encoding::Cookie(shape) => shape,
            Encoding::Query { shape, .. } => shape,
            Encoding::QueryJson => Shape::Structured,
        }
    }
}

/// The `style` of a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `k=a,b` or, exploded, `k=a&k=b`.
    Form,
    /// `k=a b`.
    SpaceDelimited,
    /// `k=a|b`.
    PipeDelimited,
    /// `k[a]=1`.
    DeepObject,
}

/// What a parameter's value is, as the wire sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A `String`: its text.
    Text,
    /// A credential (`Secret`): its text.
    Secret,
    /// A number or a boolean: its decimal or `true`/`false` text.
    Scalar,
    /// A string enum: its wire value.
    Enum,
    /// An array of texts, numbers, booleans or string enums (`of_text`:
    /// of `String`s).
    List {
        /// The items are `String`s.
        of_text: bool,
    },
    /// Anything else (an object, a union, an array of those): written
    /// from its JSON form by the runtime's `encode`.
    Structured,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// How it is encoded.
    pub media: Media,
    /// The media type sent when it is not the encoding's default
    /// (`application/vnd.acme+json`, `text/csv`, `image/png`).
    pub content_type: Option<String>,
    /// What the user passes to `.body()`: the payload, envelope removed.
    pub ty: TypeRef,
    /// Whether the spec requires it.
    pub required: bool,
    /// The request envelope that wraps the payload, if any.
    pub envelope: Option<Envelope>,
    /// The body's description.
    pub docs: Option<String>,
}

/// A payload wrapped in a property of an envelope struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The envelope struct.
    pub type_name: String,
    /// The Rust name of the payload field.
    pub field: String,
}

/// Body encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    Json,
    Form,
    /// `multipart/form-data`: one part per property.
    Multipart(Parts),
    /// `text/*`: a `String`.
    Text,
    /// Anything else: raw bytes.
    Bytes,
}

/// The parts of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parts {
    /// One part per field of the body's struct, in order.
    Fields(Vec<PartField>),
    /// One part per property of the body's JSON object (a map, a union, or
    /// a struct with flattened members or extra properties).
    Properties,
}

/// A field of a multipart body's struct, sent as one part (or one per
/// file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartField {
    pub wire_name: String,
    pub rust_name: String,
    /// Whether it is always there (`T`), optional (`Option<T>`) or
    /// tri-state (`Patch<T>`).
    pub presence: Presence,
    /// What the part holds.
    pub content: PartContent,
}

/// How a struct field holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `T`.
    Required,
    /// `Option<T>` (optional, or required but nullable).
    Optional,
    /// `Patch<T>` (optional and nullable).
    Patch,
}

/// What a multipart part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartContent {
    /// A file (`format: binary`).
    File,
    /// One file part per item (an array of `format: binary`).
    Files,
    /// A value, as text or JSON.
    Value,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // plain data, built once per operation
pub enum Success {
    /// No body.
    Empty,
    /// A JSON body of type `ty`; with an envelope, the call returns the
    /// payload field and `ty` is the envelope.
    Json {
        ty: TypeRef,
        envelope: Option<EnvelopePayload>,
    },
    /// A `text/*` body.
    Text,
    /// Any other media type: the bytes.
    Bytes,
    /// Several 2xx statuses with different bodies: an enum named `name`
    /// with one variant per status.
    Multi {
        name: String,
        variants: Vec<StatusVariant>,
    },
    /// The batch form of an operation (`x-dialtone-batch`): several ids in
    /// one call, at most `max` (`send_chunked` splits longer lists).
    Batch {
        /// Index into `params` of the list of ids.
        ids: usize,
        /// The most ids per call.
        max: u64,
        /// How the answer decodes.
        answer: BatchAnswer,
    },
}

/// How the answer of a batch call decodes.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchAnswer {
    /// One result per id, in the order of the ids: the single form's
    /// `item`, or the vendor's error for that id, read from the parts'
    /// properties `parts` (id, status, body).
    Parts { item: TypeRef, parts: [String; 3] },
    /// The spec's array, decoded whole (the single form answers no JSON).
    Whole(TypeRef),
}

/// One documented error status with a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorVariant {
    /// What it matches.
    pub status: StatusMatch,
    /// The variant (`NotFound`, `ClientError`, `Default`).
    pub rust_name: String,
    /// The body.
    pub ty: TypeRef,
}

/// Which statuses an error variant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// One status.
    Code(u16),
    /// `4XX`: 400-499 (the digit).
    Range(u16),
    /// `default`: any other.
    Default,
}

/// One documented success status of a [`Success::Multi`].
#[derive(Debug, Clone, PartialEq)]
pub struct StatusVariant {
    /// The status, or `None` for a range (`2XX`).
    pub status: Option<u16>,
    /// The variant (`Created`, `Accepted`, `Status207`).
    pub rust_name: String,
    /// The body.
    pub body: Payload,
}

/// The body of one success status of a [`Success::Multi`].
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// No body.
    Empty,
    /// A JSON body (an envelope decodes whole).
    Json(TypeRef),
    /// A `text/*` body.
    Text,
    /// Any other media type: the bytes.
    Bytes,
}

/// The payload inside a response envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopePayload {
    /// The Rust name of the payload field.
    pub field: String,
    /// Its type.
    pub ty: TypeRef,
}

/// Documentation of an item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub summary: Option<String>,
    pub description: Option<String>,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// The schema's description.
    pub docs: Option<String>,
    /// What it is.
    pub kind: TypeKind,
    /// Where it was declared.
    pub pointer: String,
}

/// Kinds of named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct {
        fields: Vec<Field>,
        /// The Rust name of the flattened map that keeps unknown keys, if
        /// the schema allows them (`additionalProperties: true`).
        extra: Option<String>,
    },
    /// A string enum; unknown values are kept (open).
    Enum { variants: Vec<Variant> },
    /// `oneOf`/`anyOf`: one of several types, with an `Unknown` fallback
    /// that keeps a value no variant accepts.
    Union {
        variants: Vec<UnionVariant>,
        /// The property that names the variant (`discriminator`, or a
        /// property every variant fixes to one value); `None` decodes
        /// by trying each variant in order.
        tag: Option<String>,
    },
    /// Another name for a type (`pub type Name = ...;`).
    Alias(TypeRef),
}

/// One variant of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// The tag values that select it (first one is sent when the value
    /// lacks the tag property).
    pub tags: Vec<String>,
    /// Stored behind a `Box` (the union is part of a cycle of types).
    pub boxed: bool,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub docs: Option<String>,
    /// Decode leniently (`x-dialtone-lenient`): a boolean may come as a string.
    pub lenient: bool,
    /// `nullable: true`: `null` is a value of its own (optional nullable
    /// fields are tri-state: absent, null, a value).
    pub nullable: bool,
    /// Stored behind a `Box` (the field closes a cycle of types).
    pub boxed: bool,
    /// `#[serde(flatten)]`: the properties of another type (an `allOf`
    /// member that could not be merged, such as a union).
    pub flatten: bool,
    /// Its builder method (`with_name`), distinct among the struct's.
    pub setter: String,
    /// The method that sets it to `null`, for optional nullable fields
    /// (`with_name_null`).
    pub null_setter: Option<String>,
}

/// An enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub wire_name: String,
    pub rust_name: String,
}

/// A reference to a type, with the constraints that apply to the value.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    Named(String),
    String(Constraints),
    /// A credential (`format: password` or `x-dialtone-secret`).
    Secret(Constraints),
    Integer {
        bits: u8,
        constraints: Constraints,
    },
    Number(Constraints),
    Bool,
    Array(Box<TypeRef>, Constraints),
    Map(Box<TypeRef>),
    Json,
    /// `format: byte`: base64 text on the wire.
    Base64,
    /// `format: binary`: raw bytes.
    Binary,
}

/// Constraints a value must meet before it is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// Index into [`Api::patterns`].
    pub pattern: Option<usize>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub int_values: Vec<i64>,
}

impl Constraints {
    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

impl TypeRef {
    /// True when a value of this type needs any checking before sending.
    pub fn needs_validation(&self) -> bool {
        match self {
            TypeRef::Named(_) => true,
            TypeRef::String(c) | TypeRef::Secret(c) | TypeRef::Number(c) => !c.is_empty(),
            TypeRef::Integer { constraints, .. } => !constraints.is_empty(),
            TypeRef::Array(inner, c) => !c.is_empty() || inner.needs_validation(),
            TypeRef::Map(inner) => inner.needs_validation(),
            TypeRef::Bool | TypeRef::Json | TypeRef::Base64 | TypeRef::Binary => false,
        }
    }
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
