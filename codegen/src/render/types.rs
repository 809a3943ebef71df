//! `src/types.rs`: one struct or enum per named schema.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{arg_type, docs_or, needs_checks, rust_type, takes_into, validate_stmts};
use crate::escape;
use crate::ir::{Api, Field, TextFormat, TypeDef, TypeKind, UnionVariant, Variant};

/// The file's head: its docs.
pub(super) fn head() -> TokenStream {
    quote! {
        //! The models of the API: one type per schema of the spec.
    }
}

/// One type (and its impls): the file's items, in `api.types` order.
pub(super) fn render_type(api: &Api, t: &TypeDef) -> TokenStream {
    match &t.kind {
        TypeKind::Struct { fields, extra } => render_struct(api, t, fields, extra.as_deref()),
        TypeKind::Enum { variants } => render_enum(t, variants),
        TypeKind::Union { variants, tag } => render_union(api, t, variants, tag.as_deref()),
        TypeKind::Alias(ty) => {
            let name = format_ident!("{}", t.name);
            let docs = docs_or(t.docs.as_deref(), &format!("The `{}` schema.", t.name));
            let ty = rust_type(ty, true);
            quote! { #docs pub type #name = #ty; }
        }
    }
}

fn render_struct(api: &Api, t: &TypeDef, fields: &[Field], extra: Option<&str>) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let docs = docs_or(t.docs.as_deref(), &format!("The `{}` schema.", t.name));
    let all_optional = fields.iter().all(|f| !f.required);
    let default_derive = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    let field_defs = fields.iter().map(field_def);
    // The unlisted properties' map is read by the runtime's
    // `extra_properties!` through a private copy of the fields (the listed
    // properties go straight to its derived code; serde's `flatten` would
    // buffer every property first). A struct with flattened members of
    // its own keeps `flatten`, which shares the unlisted properties among
    // them.
    let kept_by_runtime = extra.is_some() && !fields.iter().any(|f| f.flatten);
    let extra_def = extra.map(|e| {
        let ident = format_ident!("{}", e);
        quote! {
            /// Properties the spec does not list, kept as they came.
            #[serde(flatten)]
            pub #ident: std::collections::BTreeMap<String, serde_json::Value>,
        }
    });
    let (derive_de, reader) = match extra {
        Some(e) if kept_by_runtime => {
            let ident = format_ident!("{}", e);
            let read_fields = fields.iter().map(read_field_def);
            let remote = name.to_string();
            let reader = quote! {
                const _: () = {
                    #[derive(serde::Deserialize)]
                    #[serde(remote = #remote)]
                    #[allow(dead_code)]
                    struct __DialtoneRead {
                        #(#read_fields)*
                        #[serde(skip)]
                        #ident: std::collections::BTreeMap<String, serde_json::Value>,
                    }
                    dialtone_runtime::extra_properties!(#name, __DialtoneRead, #ident);
                };
            };
            (quote!(), reader)
        }
        _ => (quote!(serde::Deserialize), quote!()),
    };
    let ctor = constructor(fields, extra);
    let setters = fields.iter().map(setter);
    let typed = typed_accessors(&name, fields);
    let checks: Vec<TokenStream> = fields
        .iter()
        .filter(|f| needs_checks(api, &f.ty))
        .map(|f| field_check(api, f))
        .collect();
    let path_arg = if checks.is_empty() {
        quote!(_path)
    } else {
        quote!(path)
    };

    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default_derive serde::Serialize, #derive_de)]
        #[non_exhaustive]
        pub struct #name {
            #(#field_defs)*
            #extra_def
        }

        #reader

        impl #name {
            #ctor
            #(#setters)*
        }

        #typed

        impl dialtone_runtime::Validate for #name {
            fn validate(&self, #path_arg: &dialtone_runtime::FieldPath<'_>) -> Result<(), dialtone_runtime::InvalidRequest> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

/// A field of a struct, with its serde attributes.
fn field_def(f: &Field) -> TokenStream {
    let docs = docs_or(
        f.docs.as_deref(),
        &format!("The {} property.", escape::code(&f.wire_name)),
    );
    field_def_with(f, docs)
}

/// A field of a struct's private reading copy (see `render_struct`): the
/// same name, type and serde attributes, without docs.
fn read_field_def(f: &Field) -> TokenStream {
    field_def_with(f, quote!())
}

fn field_def_with(f: &Field, docs: TokenStream) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let ty = field_type(f);
    let wire = &f.wire_name;
    let rename = if *wire != f.rust_name {
        quote!(rename = #wire,)
    } else {
        quote!()
    };
    if f.flatten {
        quote! { #docs #[serde(flatten)] pub #ident: #ty, }
    } else if f.required && f.nullable {
        // Present but possibly null: an Option that is sent as null.
        quote! { #docs #[serde(#rename default)] pub #ident: Option<#ty>, }
    } else if f.required {
        let lenient = f
            .lenient
            .then(|| quote!(deserialize_with = "dialtone_runtime::lenient::bool",));
        let attr = if rename.is_empty() && lenient.is_none() {
            quote!()
        } else {
            quote!(#[serde(#rename #lenient)])
        };
        quote! { #docs #attr pub #ident: #ty, }
    } else if tri_state(f) {
        quote! {
            #docs
            #[serde(#rename default, skip_serializing_if = "dialtone_runtime::Patch::is_absent")]
            pub #ident: dialtone_runtime::Patch<#ty>,
        }
    } else {
        let lenient = f
            .lenient
            .then(|| quote!(deserialize_with = "dialtone_runtime::lenient::option_bool",));
        quote! {
            #docs
            #[serde(#rename default, skip_serializing_if = "Option::is_none", #lenient)]
            pub #ident: Option<#ty>,
        }
    }
}

/// `new`: from the required fields, or empty when all are optional.
fn constructor(fields: &[Field], extra: Option<&str>) -> TokenStream {
    let all_optional = fields.iter().all(|f| !f.required);
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    if all_optional {
        quote! {
            /// An empty value; set fields with the `with_*` methods.
            pub fn new() -> Self {
                Self::default()
            }
        }
    } else {
        let params = required.iter().map(|f| {
            let ident = format_ident!("{}", f.rust_name);
            let ty = setter_type(f);
            quote!(#ident: #ty)
        });
        let inits = fields.iter().map(|f| {
            let ident = format_ident!("{}", f.rust_name);
            match (f.required, takes_into(&f.ty)) {
                (true, _) if f.nullable && f.boxed => quote!(#ident: #ident.map(Box::new)),
                (true, _) if f.nullable => quote!(#ident),
                (true, _) if f.boxed => quote!(#ident: Box::new(#ident)),
                (true, true) => quote!(#ident: #ident.into()),
                (true, false) => quote!(#ident),
                (false, _) if tri_state(f) => quote!(#ident: dialtone_runtime::Patch::Absent),
                (false, _) => quote!(#ident: None),
            }
        });
        let extra_init = extra.map(|e| {
            let ident = format_ident!("{}", e);
            quote!(#ident: std::collections::BTreeMap::new(),)
        });
        let listed = required
            .iter()
            .map(|f| escape::code(&f.wire_name))
            .collect::<Vec<_>>()
            .join(", ");
        let doc = format!(
            " A value with its required properties ({listed}); set the others with the `with_*` methods."
        );
        quote! {
            #[doc = #doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits,)* #extra_init }
            }
        }
    }
}

/// The setter of a field (and its `null` setter when it is tri-state),
/// as lowering named them.
fn setter(f: &Field) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let setter = format_ident!("{}", f.setter);
    let ty = setter_type(f);
    let value = if f.boxed && f.required && f.nullable {
        quote!(value.map(Box::new))
    } else if f.boxed {
        quote!(Box::new(value))
    } else if takes_into(&f.ty) && !(f.required && f.nullable) {
        quote!(value.into())
    } else {
        quote!(value)
    };
    let assigned = if f.required {
        value
    } else if tri_state(f) {
        quote!(dialtone_runtime::Patch::Value(#value))
    } else {
        quote!(Some(#value))
    };
    let doc = format!(" Sets {}.", escape::code(&f.wire_name));
    let null_setter = f.null_setter.as_ref().map(|name| {
        let name = format_ident!("{}", name);
        let doc = format!(
            " Sends {} as `null` (for a PATCH: removes it).",
            escape::code(&f.wire_name)
        );
        quote! {
            #[doc = #doc]
            pub fn #name(mut self) -> Self {
                self.#ident = dialtone_runtime::Patch::Null;
                self
            }
        }
    });
    quote! {
        #[doc = #doc]
        pub fn #setter(mut self, value: #ty) -> Self {
            self.#ident = #assigned;
            self
        }
        #null_setter
    }
}

/// The checks of one field's value.
fn field_check(api: &Api, f: &Field) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let wire = &f.wire_name;
    let stmts = validate_stmts(api, &f.ty);
    if f.flatten {
        // The flattened value's properties sit beside this one's.
        quote! {
            {
                let path = *path;
                let value = &self.#ident;
                #stmts
            }
        }
    } else if f.required && !f.nullable {
        quote! {
            {
                let path = path.child(#wire);
                let value = &self.#ident;
                #stmts
            }
        }
    } else if tri_state(f) {
        quote! {
            if let dialtone_runtime::Patch::Value(value) = &self.#ident {
                let path = path.child(#wire);
                #stmts
            }
        }
    } else {
        quote! {
            if let Some(value) = &self.#ident {
                let path = path.child(#wire);
                #stmts
            }
        }
    }
}

/// The Rust type of a field's value (boxed when it closes a cycle).
fn field_type(f: &Field) -> TokenStream {
    let ty = rust_type(&f.ty, true);
    if f.boxed { quote!(Box<#ty>) } else { ty }
}

fn render_union(
    api: &Api,
    t: &TypeDef,
    variants: &[UnionVariant],
    tag: Option<&str>,
) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let docs = docs_or(t.docs.as_deref(), &format!("The `{}` schema.", t.name));
    let payload = |v: &UnionVariant| {
        let ty = rust_type(&v.ty, true);
        if v.boxed { quote!(Box<#ty>) } else { ty }
    };
    let defs = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let ty = payload(v);
        let doc = match v.tags.first() {
            Some(tag_value) => format!(" Tagged {}.", escape::code(tag_value)),
            None => format!(" A `{}`.", v.rust_name),
        };
        quote!(#[doc = #doc] #ident(#ty),)
    });
    let checks = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let stmts = validate_stmts(api, &v.ty);
        if stmts.is_empty() {
            quote!(Self::#ident(_) => {})
        } else {
            quote!(Self::#ident(value) => { #stmts })
        }
    });
    let how = match tag {
        Some(tag) => format!(
            " The variant is named by the {} property; a value with a tag this\n version does not know decodes as `Unknown`.",
            escape::code(tag)
        ),
        None => " Decoding tries each variant in order; a value none of them accepts\n decodes as `Unknown`.".to_owned(),
    };
    let validate = quote! {
        impl dialtone_runtime::Validate for #name {
            fn validate(&self, path: &dialtone_runtime::FieldPath<'_>) -> Result<(), dialtone_runtime::InvalidRequest> {
                let path = *path;
                match self {
                    #(#checks)*
                    Self::Unknown(_) => dialtone_runtime::validate::known_union_variant(&path)?,
                }
                Ok(())
            }
        }
    };
    let Some(tag) = tag else {
        return quote! {
            #docs
            ///
            #[doc = #how]
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            #[non_exhaustive]
            pub enum #name {
                #(#defs)*
                /// A value no variant accepts, kept as it came.
                Unknown(serde_json::Value),
            }

            #validate
        };
    };
    let serialize_arms = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        // Lowering tags every variant of a tagged union; one without a tag
        // would be written as it is.
        match v.tags.first() {
            Some(first) => quote!(Self::#ident(value) => dialtone_runtime::union::serialize_tagged(value, #tag, #first, serializer),),
            None => quote!(Self::#ident(value) => serde::Serialize::serialize(value, serializer),),
        }
    });
    let decode_arms = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let tags = v.tags.iter().map(|t| Literal::string(t));
        let wrap = if v.boxed {
            quote!(|v| Self::#ident(Box::new(v)))
        } else {
            quote!(Self::#ident)
        };
        quote!(Some(#(#tags)|*) => dialtone_runtime::union::decode(value).map(#wrap),)
    });
    quote! {
        #docs
        ///
        #[doc = #how]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value with a tag this version does not know, kept as it came.
            Unknown(serde_json::Value),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::Unknown(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                match dialtone_runtime::union::tag(&value, #tag) {
                    #(#decode_arms)*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }

        #validate
    }
}

/// Optional `nullable` fields are tri-state: absent, null, a value.
fn tri_state(f: &Field) -> bool {
    f.nullable && !f.required
}

/// What a constructor argument or setter takes for `f` (a required
/// nullable field takes the `Option` itself).
fn setter_type(f: &Field) -> TokenStream {
    if f.required && f.nullable {
        let ty = rust_type(&f.ty, true);
        quote!(Option<#ty>)
    } else {
        arg_type(&f.ty, true)
    }
}

fn render_enum(t: &TypeDef, variants: &[Variant]) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let docs = docs_or(t.docs.as_deref(), &format!("The `{}` schema.", t.name));
    let defs = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let doc = format!(" {}", escape::code(&v.wire_name));
        quote!(#[doc = #doc] #ident,)
    });
    let as_str = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = Literal::string(&v.wire_name);
        quote!(Self::#ident => #wire,)
    });
    let from = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = Literal::string(&v.wire_name);
        quote!(#wire => Self::#ident,)
    });
    quote! {
        #docs
        ///
        /// Values this version does not know decode as `Unrecognized`, so a
        /// vendor adding a value never breaks a response; they are refused
        /// when sending.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value the spec does not list, kept as it came.
            Unrecognized(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    Self::Unrecognized(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from)*
                    other => Self::Unrecognized(other.to_owned()),
                }
            }
        }

        // From<String>, Display, Serialize, Deserialize, Validate.
        dialtone_runtime::string_enum!(#name);
    }
}

/// `parse_<field>` for each field with a `date-time`, `date` or `uuid`
/// format: the stored text parsed on demand, behind the generated crate's
/// `time` or `uuid` feature (the `String` stays what is sent back, so
/// values round-trip exactly). A block per feature, none when no field has
/// one.
fn typed_accessors(name: &proc_macro2::Ident, fields: &[Field]) -> TokenStream {
    let mut time = Vec::new();
    let mut uuid = Vec::new();
    for f in fields {
        let Some(format) = f.format else { continue };
        let ident = format_ident!("{}", f.rust_name);
        let method = format_ident!("parse_{}", f.rust_name.trim_start_matches("r#"));
        let (ty, err, parse, what) = match format {
            TextFormat::DateTime => (
                quote!(::time::OffsetDateTime),
                quote!(::time::error::Parse),
                quote!(|v: &str| ::time::OffsetDateTime::parse(
                    v,
                    &::time::format_description::well_known::Rfc3339
                )),
                "an RFC 3339 date-time",
            ),
            TextFormat::Date => (
                quote!(::time::Date),
                quote!(::time::error::Parse),
                quote!(|v: &str| ::time::Date::parse(
                    v,
                    &::time::format_description::well_known::Iso8601::DATE
                )),
                "an ISO 8601 date",
            ),
            TextFormat::Uuid => (
                quote!(::uuid::Uuid),
                quote!(::uuid::Error),
                quote!(|v: &str| ::uuid::Uuid::parse_str(v)),
                "a UUID",
            ),
        };
        let (ret, body) = if f.required && !f.nullable {
            (quote!(Result<#ty, #err>), quote!((#parse)(&self.#ident)))
        } else if tri_state(f) {
            (
                quote!(Option<Result<#ty, #err>>),
                quote!(self.#ident.as_value().map(|v| (#parse)(v))),
            )
        } else {
            (
                quote!(Option<Result<#ty, #err>>),
                quote!(self.#ident.as_deref().map(#parse)),
            )
        };
        let doc = format!(
            " {} parsed as {what} ({} stays the stored text, sent back as it came).",
            escape::code(&f.wire_name),
            escape::code(&f.rust_name),
        );
        let accessor = quote! {
            #[doc = #doc]
            pub fn #method(&self) -> #ret {
                #body
            }
        };
        match format {
            TextFormat::Uuid => uuid.push(accessor),
            _ => time.push(accessor),
        }
    }
    let block = |feature: &str, items: Vec<TokenStream>| {
        (!items.is_empty()).then(|| {
            quote! {
                #[cfg(feature = #feature)]
                impl #name {
                    #(#items)*
                }
            }
        })
    };
    let time = block("time", time);
    let uuid = block("uuid", uuid);
    quote!(#time #uuid)
}
