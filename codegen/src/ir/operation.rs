//! Operations: their parameters and how each is written, request bodies,
//! what a success returns, documented errors, and paging.

use super::TypeRef;

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
    /// crate-wide error schema: an enum with one variant per status
    /// (`from_error` decodes a `crate::Error` into it), the operation's
    /// own or, under the operation's name, an alias of one several share.
    pub errors: Option<OperationErrors>,
    /// Every documented status, for docs.
    pub statuses: Vec<String>,
    /// Headers the success responses document, in spec order, each name
    /// once (compared without case). Those of
    /// [`Api::common_response_headers`](super::Api::common_response_headers)
    /// are documented once, on the `Client`.
    pub response_headers: Vec<String>,
    /// Summary and description.
    pub docs: Docs,
    /// False when the operation's security requirement is `[]` or only
    /// empty alternatives (`[{}]`): it never carries credentials.
    pub authenticated: bool,
    /// The security requirement's alternatives, each the scheme keys whose
    /// credentials go together (an empty one: credentials optional);
    /// `None` when the spec states none (every configured credential is
    /// sent).
    pub security: Option<Vec<Vec<String>>>,
    /// The operation authenticates with HTTP Basic only, so it also takes
    /// credentials per call (OAuth token endpoints).
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
    /// Whether the spec declares it or it was found by convention.
    pub source: PagingSource,
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
        /// Indexes into `params` of the optional query parameters the
        /// following pages leave out (Dropshot: the page token stands for
        /// the scan's parameters; only `limit` goes with it).
        clear: Vec<usize>,
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
    /// (Webex, GitHub), followed on the API's own origin
    /// (`paginate::next_link`).
    Link,
    /// The next page's URL (absolute, or relative to the API's base URL)
    /// in a field of the page (Twilio `next_page_uri`), followed like a
    /// `Link` header: verbatim, on the API's own origin.
    Url {
        /// Where the URL is in a page (a string).
        next: Vec<FieldStep>,
    },
}

/// How a paged operation's paging became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingSource {
    /// The spec says so (`x-dialtone-pagination`, or the overlay file).
    Declared,
    /// Found by convention: `x-dropshot-pagination`, a documented `Link`
    /// response header, or a next-page field matching a query parameter.
    Detected,
}

/// One step of a path into a response: a field and whether it is
/// always there.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldStep {
    pub rust_name: String,
    /// The field is always there and never `null` (a plain value; else an
    /// `Option`, or a `Patch` when `tri_state`).
    pub required: bool,
    /// An optional `nullable` field: a `dialtone_runtime::Patch`.
    pub tri_state: bool,
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
    /// A form body's properties that its `encoding` gives a style other
    /// than the default (`form`, exploded), by wire name.
    pub form_styles: Vec<(String, FormStyle)>,
}

/// How a form body's property is encoded, by its `encoding` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// A `style` with `explode`.
    Styled(QueryStyle, bool),
    /// `contentType: application/json`: the value as JSON text.
    Json,
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
    /// The media type its `encoding` entry gives the part (the first of a
    /// list; wildcards left to the default): files are sent as it, and a
    /// JSON type sends even a scalar as JSON text.
    pub content_type: Option<String>,
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
    /// A value as JSON text whatever its shape (its `encoding` says
    /// `application/json`).
    Json,
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

/// The error bodies one operation documents.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationErrors {
    /// The operation's name for them (`ProjectListError`): its own enum,
    /// or an alias (`pub type`) of the shared one.
    pub name: String,
    /// One variant per status, in spec order.
    pub variants: Vec<ErrorVariant>,
    /// The [`SharedErrors`] enum `name` aliases, when other operations
    /// document the same statuses with the same bodies.
    pub shared: Option<String>,
}

/// One error enum that operations documenting the same error bodies
/// (same statuses or ranges, same variants, same body types) share; each
/// of them keeps its own name for it, an alias, so that code naming an
/// operation's error type compiles whether it shares or not.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedErrors {
    /// The enum, named after the statuses it covers
    /// (`Status4xxOr5xxError`, `Status404Error`).
    pub name: String,
    /// One variant per status, in the first operation's order.
    pub variants: Vec<ErrorVariant>,
    /// The operations that use it, in spec order (at least two): each
    /// one's client method and alias.
    pub operations: Vec<(String, String)>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Its JSON name, when `send` reads it alone, skipping the envelope's
    /// other properties (a field with no serde attribute of its own).
    pub wire: Option<String>,
}

/// Documentation of an item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub summary: Option<String>,
    pub description: Option<String>,
}
