//! The error bodies an operation documents, when the spec names no error
//! schema for all: an enum with one variant per status, and how to get one
//! out of a `crate::Error` (whose body is then JSON).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::super::rust_type;
use crate::ir::{ErrorVariant, Operation, StatusMatch};

/// The enum of `op`'s documented error bodies (`None` when it has none).
pub(super) fn error_enum(op: &Operation) -> Option<TokenStream> {
    let (name, variants) = op.errors.as_ref()?;
    Some(render(op, name, variants))
}

fn render(op: &Operation, name: &str, variants: &[ErrorVariant]) -> TokenStream {
    let ident = format_ident!("{}", name);
    let defs = variants.iter().map(|v| {
        let var = format_ident!("{}", v.rust_name);
        let ty = rust_type(&v.ty, false);
        let doc = match v.status {
            StatusMatch::Code(code) => format!(" HTTP {code}."),
            StatusMatch::Range(d) => format!(" Another {d}xx status."),
            StatusMatch::Default => " Any other error status.".to_owned(),
        };
        quote!(#[doc = #doc] #var(#ty),)
    });
    // Exact statuses first, then ranges, then the default.
    let mut ordered: Vec<&ErrorVariant> = variants.iter().collect();
    ordered.sort_by_key(|v| match v.status {
        StatusMatch::Code(_) => 0,
        StatusMatch::Range(_) => 1,
        StatusMatch::Default => 2,
    });
    let has_default = variants.iter().any(|v| v.status == StatusMatch::Default);
    let arms = ordered.iter().map(|v| {
        let var = format_ident!("{}", v.rust_name);
        let pattern = match v.status {
            StatusMatch::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                quote!(#code)
            }
            StatusMatch::Range(d) => {
                let lo = Literal::u16_unsuffixed(d * 100);
                let hi = Literal::u16_unsuffixed(d * 100 + 99);
                quote!(status if (#lo..=#hi).contains(&status))
            }
            StatusMatch::Default => quote!(_),
        };
        quote!(#pattern => dialtone_runtime::serde_json::from_value(body).ok().map(Self::#var),)
    });
    let fallback = (!has_default).then(|| quote!(_ => None,));
    let decode = if variants.len() == 1 && has_default {
        // Only `default`: every error status decodes the same way.
        quote! {
            err.status()?;
            dialtone_runtime::serde_json::from_value(err.body()?.clone()).ok().map(Self::Default)
        }
    } else {
        quote! {
            let status = err.status()?;
            let body = err.body()?.clone();
            match status {
                #(#arms)*
                #fallback
            }
        }
    };
    let doc = format!(
        " The error bodies `{}` documents, by status. Get one from an error with\n [`{name}::from_error`].",
        op.method_name
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #ident {
            #(#defs)*
        }

        impl #ident {
            /// The documented body of `err`, decoded by its status; `None`
            /// when `err` has no body or it does not match the spec.
            pub fn from_error(err: &crate::Error) -> Option<Self> {
                #decode
            }
        }
    }
}
