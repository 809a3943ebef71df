//! The error bodies an operation documents, when the spec names no error
//! schema for all: an enum with one variant per status, and how to get one
//! out of a `crate::Error` (whose body is then JSON). Operations that
//! document the same error bodies share one enum, each naming it by an
//! alias of its own.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::super::rust_type;
use crate::ir::{ErrorVariant, Operation, SharedErrors, StatusMatch};

/// How many operations a shared enum's docs name before "and N more".
const NAMED_USERS: usize = 5;

/// The enum of `op`'s documented error bodies, or its alias of the shared
/// one (`None` when it documents none).
pub(super) fn error_enum(op: &Operation) -> Option<TokenStream> {
    let errors = op.errors.as_ref()?;
    let m = &op.method_name;
    let name = &errors.name;
    Some(match &errors.shared {
        Some(shared) => {
            let ident = format_ident!("{}", name);
            let target = format_ident!("{}", shared);
            let doc = format!(
                " The error bodies [`Client::{m}`](crate::Client::{m}) documents, by status:\n [`{shared}`], which the operations documenting the same ones share.\n\n Name this alias rather than that enum: it stays whichever operations\n share it."
            );
            quote! {
                #[doc = #doc]
                pub type #ident = #target;
            }
        }
        None => {
            let doc = format!(
                " The error bodies `{m}` documents, by status. Get one from an error with\n [`{name}::from_error`]."
            );
            render(name, &errors.variants, &doc)
        }
    })
}

/// An enum several operations share, its docs naming them (the first
/// few, then how many more).
pub(super) fn shared_enum(shared: &SharedErrors) -> TokenStream {
    let links: Vec<String> = shared
        .operations
        .iter()
        .take(NAMED_USERS)
        .map(|(m, _)| format!("[`Client::{m}`](crate::Client::{m})"))
        .collect();
    let more = shared.operations.len().saturating_sub(NAMED_USERS);
    let users = if more > 0 {
        format!("{} and {more} more", links.join(", "))
    } else {
        match links.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => links.join(""),
        }
    };
    let name = &shared.name;
    let (method, alias) = shared
        .operations
        .first()
        .map_or(("", ""), |(m, a)| (m.as_str(), a.as_str()));
    let doc = format!(
        " The error bodies {} operations document alike, by status: {users}.\n\n Each of them names this enum by an alias of its own (`{alias}` for\n `{method}`): write the alias, which stays the operation's, rather than\n this name, which follows the statuses the operations share. Get one from\n an error with [`{name}::from_error`].",
        shared.operations.len()
    );
    render(name, &shared.variants, &doc)
}

fn render(name: &str, variants: &[ErrorVariant], doc: &str) -> TokenStream {
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
