//! The checks generated code runs before sending: one statement per
//! constraint of a value, calling `dialtone_runtime::validate`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Api, Constraints, TypeDef, TypeKind, TypeRef};

/// Whether a value of `ty` has anything to check (aliases resolved).
pub(super) fn needs_checks(api: &Api, ty: &TypeRef) -> bool {
    ty.needs_validation() && !validate_stmts(api, ty).is_empty()
}

/// Statements that validate `value: &T` (of type `ty`) at `path: FieldPath`,
/// both bindings in scope, returning early with the first violation.
pub(super) fn validate_stmts(api: &Api, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(name) => match api.type_named(name) {
            Some(TypeDef {
                kind: TypeKind::Alias(inner),
                ..
            }) => validate_stmts(api, inner),
            _ => quote! {
                dialtone_runtime::Validate::validate(value, &path)?;
            },
        },
        TypeRef::String(c) => string_checks(api, c, quote!(value.as_str())),
        TypeRef::Secret(c) => string_checks(api, c, quote!(value.expose())),
        TypeRef::Integer { bits, constraints } => integer_checks(*bits, constraints),
        TypeRef::Number(c) => {
            let mut out = TokenStream::new();
            if let Some(min) = c.minimum.filter(|m| m.is_finite()) {
                let min = Literal::f64_unsuffixed(min);
                out.extend(quote!(dialtone_runtime::validate::minimum(&path, *value, #min)?;));
            }
            if let Some(max) = c.maximum.filter(|m| m.is_finite()) {
                let max = Literal::f64_unsuffixed(max);
                out.extend(quote!(dialtone_runtime::validate::maximum(&path, *value, #max)?;));
            }
            out
        }
        TypeRef::Array(inner, c) => {
            let mut out = TokenStream::new();
            if let Some(min) = c.min_items {
                let min = Literal::usize_unsuffixed(min);
                out.extend(
                    quote!(dialtone_runtime::validate::min_items(&path, value.len(), #min)?;),
                );
            }
            if let Some(max) = c.max_items {
                let max = Literal::usize_unsuffixed(max);
                out.extend(
                    quote!(dialtone_runtime::validate::max_items(&path, value.len(), #max)?;),
                );
            }
            if needs_checks(api, inner) {
                let inner = validate_stmts(api, inner);
                out.extend(quote! {
                    for (index, value) in value.iter().enumerate() {
                        let index = index.to_string();
                        let path = path.child(&index);
                        #inner
                    }
                });
            }
            out
        }
        TypeRef::Map(inner) => {
            if !needs_checks(api, inner) {
                return TokenStream::new();
            }
            let inner = validate_stmts(api, inner);
            quote! {
                for (key, value) in value {
                    let path = path.child(key);
                    #inner
                }
            }
        }
        TypeRef::Bool | TypeRef::Json | TypeRef::Base64 | TypeRef::Binary => TokenStream::new(),
    }
}

fn string_checks(api: &Api, c: &Constraints, value: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(min) = c.min_length {
        let min = Literal::usize_unsuffixed(min);
        out.extend(quote!(dialtone_runtime::validate::min_length(&path, #value, #min)?;));
    }
    if let Some(max) = c.max_length {
        let max = Literal::usize_unsuffixed(max);
        out.extend(quote!(dialtone_runtime::validate::max_length(&path, #value, #max)?;));
    }
    if let Some(pattern) = c.pattern.and_then(|index| api.patterns.get(index)) {
        let name = format_ident!("{}", pattern.name);
        let source = &pattern.source;
        let check = if pattern.look_around {
            quote!(look_around)
        } else {
            quote!(pattern)
        };
        out.extend(quote!(dialtone_runtime::validate::#check(&path, #value, &crate::patterns::#name, #source)?;));
    }
    out
}

fn integer_checks(bits: u8, c: &Constraints) -> TokenStream {
    let (lo, hi) = if bits == 32 {
        (f64::from(i32::MIN), f64::from(i32::MAX))
    } else {
        (i64::MIN as f64, i64::MAX as f64)
    };
    let lit = |v: f64| {
        if bits == 32 {
            Literal::i32_unsuffixed(v as i32)
        } else {
            Literal::i64_unsuffixed(v as i64)
        }
    };
    let mut out = TokenStream::new();
    if let Some(min) = c.minimum.filter(|m| *m > lo && *m <= hi) {
        let min = lit(min);
        out.extend(quote!(dialtone_runtime::validate::minimum(&path, *value, #min)?;));
    }
    if let Some(max) = c.maximum.filter(|m| *m >= lo && *m < hi) {
        let max = lit(max);
        out.extend(quote!(dialtone_runtime::validate::maximum(&path, *value, #max)?;));
    }
    if !c.int_values.is_empty() {
        let values = c.int_values.iter().map(|v| Literal::i64_unsuffixed(*v));
        let widened = if bits == 32 {
            quote!(i64::from(*value))
        } else {
            quote!(*value)
        };
        out.extend(
            quote!(dialtone_runtime::validate::one_of_integers(&path, #widened, &[#(#values),*])?;),
        );
    }
    out
}
