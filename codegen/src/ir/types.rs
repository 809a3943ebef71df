//! Named types and references to types, with their constraints.

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
    /// A string `format` with a typed accessor behind a feature of the
    /// generated crate (the `String` stays the stored value).
    pub format: Option<TextFormat>,
}

/// String formats that get typed accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// `date-time`: RFC 3339 (feature `time`).
    DateTime,
    /// `date`: `YYYY-MM-DD` (feature `time`).
    Date,
    /// `uuid` (feature `uuid`).
    Uuid,
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
    /// Index into [`Api::patterns`](super::Api::patterns).
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
