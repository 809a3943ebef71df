//! The spec's servers in `src/client.rs`: a `Client` constructor per
//! server, and an enum per server variable whose values the spec lists.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc_attrs;
use crate::escape;
use crate::ir::{Api, Server, UrlPiece, VarKind};

pub(super) fn render(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return TokenStream::new();
    }
    let enums = api
        .servers
        .iter()
        .flat_map(|s| &s.variables)
        .filter_map(|v| match &v.kind {
            VarKind::Enum {
                type_name,
                variants,
            } => Some(var_enum(type_name, &v.wire, variants)),
            _ => None,
        });
    let constructors = api.servers.iter().map(constructor);
    quote! {
        #(#enums)*

        impl Client {
            #(#constructors)*
        }
    }
}

fn var_enum(type_name: &str, wire: &str, variants: &[(String, String)]) -> TokenStream {
    let name = format_ident!("{}", type_name);
    let doc = format!(" The values of server variable {}.", escape::code(wire));
    let defs = variants.iter().map(|(rust, value)| {
        let ident = format_ident!("{}", rust);
        let doc = format!(" {}.", escape::code(value));
        quote!(#[doc = #doc] #ident,)
    });
    let arms = variants.iter().map(|(rust, value)| {
        let ident = format_ident!("{}", rust);
        quote!(#name::#ident => #value,)
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#defs)*
        }

        impl #name {
            /// The value, as the spec spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// `Client::<server>(variables...)`: a builder for that server's URL.
/// Text variables are checked, so its result is a `Result`.
fn constructor(server: &Server) -> TokenStream {
    let method = format_ident!("{}", server.method);
    let mut text = match &server.description {
        Some(d) => format!("{}\n\n", escape::markdown(d)),
        None => String::new(),
    };
    text.push_str(&format!(
        "Starts configuring a client for the server {}",
        escape::code(&server.url)
    ));
    if server.variables.is_empty() {
        text.push('.');
    } else {
        text.push_str(":\n");
        for v in &server.variables {
            text.push_str(&format!(
                "\n- {}: the variable {} (the spec's default: {}){}",
                escape::code(&v.rust_name),
                escape::code(&v.wire),
                escape::code(&v.default),
                v.description
                    .as_ref()
                    .map(|d| format!(". {}", escape::markdown_line(d)))
                    .unwrap_or_default(),
            ));
        }
    }
    let checked = server
        .variables
        .iter()
        .any(|v| matches!(v.kind, VarKind::Text));
    if checked {
        text.push_str("\n\nText variables must be a host name, an IP address (IPv6 in brackets) or a path segment: anything else is an `Error::InvalidRequest`.");
    }
    let docs = doc_attrs(&text);
    let params = server.variables.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        match &v.kind {
            VarKind::Text => quote!(#ident: &str),
            VarKind::Port => quote!(#ident: u16),
            VarKind::Enum { type_name, .. } => {
                let ty = format_ident!("{}", type_name);
                quote!(#ident: #ty)
            }
        }
    });
    let checks = server.variables.iter().filter_map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        matches!(v.kind, VarKind::Text)
            .then(|| quote!(dialtone_runtime::validate::server_variable(#wire, #ident)?;))
    });
    let pushes = server.pieces.iter().map(|piece| match piece {
        UrlPiece::Literal(text) => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => quote!(url.push(#c);),
                _ => quote!(url.push_str(#text);),
            }
        }
        UrlPiece::Var(i) => {
            let v = &server.variables[*i];
            let ident = format_ident!("{}", v.rust_name);
            match v.kind {
                VarKind::Text => quote!(url.push_str(#ident);),
                VarKind::Port => quote!(url.push_str(&#ident.to_string());),
                VarKind::Enum { .. } => quote!(url.push_str(#ident.as_str());),
            }
        }
    });
    let build = quote! {
        let mut url = String::new();
        #(#pushes)*
        Client::builder(url)
    };
    if checked {
        quote! {
            #docs
            pub fn #method(#(#params),*) -> Result<ClientBuilder, crate::Error> {
                #(#checks)*
                Ok({ #build })
            }
        }
    } else {
        quote! {
            #docs
            pub fn #method(#(#params),*) -> ClientBuilder {
                #build
            }
        }
    }
}
