//! How IR types are spelt in generated Rust.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, TypeRef};

/// The Rust type for `ty`; named types are prefixed with `types::` unless
/// `local` (inside types.rs).
pub(super) fn rust_type(ty: &TypeRef, local: bool) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let ident = format_ident!("{}", name);
            if local {
                quote!(#ident)
            } else {
                quote!(types::#ident)
            }
        }
        TypeRef::String(_) => quote!(String),
        TypeRef::Secret(_) => quote!(dialtone_runtime::Secret),
        TypeRef::Integer { bits: 32, .. } => quote!(i32),
        TypeRef::Integer { .. } => quote!(i64),
        TypeRef::Number(_) => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Array(inner, _) => {
            let inner = rust_type(inner, local);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(inner, local);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Base64 => quote!(dialtone_runtime::Base64),
        TypeRef::Binary => quote!(dialtone_runtime::Binary),
    }
}

/// The vendor's error body type (`serde_json::Value` when the spec names none).
pub(super) fn error_type(api: &Api) -> TokenStream {
    match &api.error_type {
        Some(ty) => rust_type(ty, false),
        None => quote!(serde_json::Value),
    }
}

/// The argument type a setter or method takes for `ty` (strings and
/// secrets take `impl Into<_>`).
pub(super) fn arg_type(ty: &TypeRef, local: bool) -> TokenStream {
    match ty {
        TypeRef::String(_) => quote!(impl Into<String>),
        TypeRef::Secret(_) => quote!(impl Into<dialtone_runtime::Secret>),
        TypeRef::Base64 => quote!(impl Into<dialtone_runtime::Base64>),
        TypeRef::Binary => quote!(impl Into<dialtone_runtime::Binary>),
        other => rust_type(other, local),
    }
}

/// Whether `arg_type` takes `impl Into<_>` (so the value needs `.into()`).
pub(super) fn takes_into(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String(_) | TypeRef::Secret(_) | TypeRef::Base64 | TypeRef::Binary
    )
}

/// Whether `ty` names a generated type (so the file needs `use crate::types`).
pub(super) fn mentions_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(_) => true,
        TypeRef::Array(inner, _) | TypeRef::Map(inner) => mentions_named(inner),
        _ => false,
    }
}

/// Whether a value of `ty` is `Copy` (numbers, booleans): used by value.
pub(super) fn is_copy(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Integer { .. } | TypeRef::Number(_) | TypeRef::Bool
    )
}
