//! `src/client.rs`: the `Client`, its builder, and one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::operation::{common_headers_doc, op_docs};
use super::{arg_type, auth, doc_attrs, takes_into};
use crate::escape;
use crate::ir::{Api, Digest, Lifecycle, Operation};

/// `RateLimitGroup`: the vendor's rate-limit groups as an enum, so that a
/// misspelt group does not compile.
pub(super) fn rate_limit_group_enum(api: &Api) -> TokenStream {
    if api.rate_groups.is_empty() {
        return TokenStream::new();
    }
    let variants = api.rate_groups.iter().map(|group| {
        let ident = format_ident!("{}", group.rust_name);
        let shown = escape::code(&group.wire);
        let doc = match group.limit {
            Some((requests, window)) => {
                format!(" {shown}: {requests} requests per {window} s by default.")
            }
            None => format!(" {shown}."),
        };
        quote!(#[doc = #doc] #ident,)
    });
    let arms = api.rate_groups.iter().map(|group| {
        let ident = format_ident!("{}", group.rust_name);
        let wire = &group.wire;
        quote!(RateLimitGroup::#ident => #wire,)
    });
    quote! {
        /// The vendor's rate-limit groups: every operation of a group is
        /// shaped by the group's limit on the client (see
        /// [`ClientBuilder::rate_limit`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RateLimitGroup {
            #(#variants)*
        }

        impl RateLimitGroup {
            /// The group's name, as the vendor spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

pub(super) fn render(api: &Api) -> TokenStream {
    let named_args = api.operations.iter().any(|op| {
        op.params
            .iter()
            .any(|p| p.required && super::mentions_named(&p.ty))
            || op
                .body
                .as_ref()
                .is_some_and(|b| b.required && super::mentions_named(&b.ty))
    });
    // Login methods take their operation's body.
    let named_logins = api.auth.iter().any(|scheme| match &scheme.lifecycle {
        Some(Lifecycle::Exchange { logins, .. }) => logins
            .iter()
            .any(|login| super::mentions_named(&login.body)),
        _ => false,
    });
    let named_error = api.error_type.as_ref().is_some_and(super::mentions_named);
    let use_types = (named_args || named_logins || named_error).then(|| {
        quote!(
            use crate::types;
        )
    });
    // A spec of components only has no operations to name.
    let use_operations = (!api.operations.is_empty()).then(|| {
        quote!(
            use crate::operations;
        )
    });
    let group_enum = rate_limit_group_enum(api);
    let digests = api.digests.iter().map(digest_impl);
    let client = client(api);
    let servers = super::servers::render(api);
    let builder = client_builder(api);
    quote! {
        //! The client and its builder.
        #use_operations
        #use_types

        #group_enum

        #(#digests)*

        #client

        #servers

        #builder
    }
}

/// The `Client`: how to build one, and one method per operation.
fn client(api: &Api) -> TokenStream {
    let vendor = &api.vendor;
    let title = escape::markdown_line(&api.title);
    let client_doc =
        format!(" A client for {title}. Cheap to clone: clones share one connection pool.");
    let base_doc = match &api.default_server {
        Some(url) => format!(
            " Starts configuring a client for the API at `base_url`; the spec's server is {}.",
            escape::code(url)
        ),
        None => " Starts configuring a client for the API at `base_url`.".to_owned(),
    };
    let request_id = api.request_id_header.as_ref().map(|h| {
        let h = h.to_ascii_lowercase();
        quote!(.request_id_header(#h))
    });
    let errcode = api.errcode.as_ref().map(|rule| {
        let field = &rule.field;
        let success = proc_macro2::Literal::i64_unsuffixed(rule.success);
        let messages = &rule.auth_errors;
        let auth =
            (!messages.is_empty()).then(|| quote!(.errcode_auth_messages(&[#(#messages),*])));
        let message = rule.message.as_ref().map(|m| quote!(.errcode_message(#m)));
        quote!(.errcode(#field, #success) #auth #message)
    });
    let rate_limits = api.rate_groups.iter().filter_map(|group| {
        let (requests, window) = group.limit?;
        let window = proc_macro2::Literal::u64_unsuffixed(window);
        let requests = proc_macro2::Literal::u32_unsuffixed(requests);
        let wire = &group.wire;
        Some(quote!(.rate_limit(#wire, #requests, std::time::Duration::from_secs(#window))))
    });
    let revoke_doc = doc_attrs(&auth::revoke_doc(api));
    let methods = api.operations.iter().map(|op| op_method(api, op));
    let headers_doc = common_headers_doc(api);
    let headers_doc = (!headers_doc.is_empty()).then(|| {
        let attrs = doc_attrs(&headers_doc);
        quote!(#[doc = ""] #attrs)
    });
    quote! {
        #[doc = #client_doc]
        #headers_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: dialtone_runtime::Client,
        }

        impl Client {
            #[doc = #base_doc]
            pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
                ClientBuilder {
                    inner: dialtone_runtime::ClientBuilder::new(#vendor, base_url) #request_id #errcode #(#rate_limits)*,
                }
            }

            /// Wraps a runtime client configured elsewhere.
            pub fn from_runtime(runtime: dialtone_runtime::Client) -> Self {
                Client { runtime }
            }

            /// The runtime client underneath.
            pub fn runtime(&self) -> &dialtone_runtime::Client {
                &self.runtime
            }

            #revoke_doc
            pub async fn revoke_auth(&self) -> Result<(), crate::Error> {
                self.runtime.revoke_auth().await
            }

            #(#methods)*
        }
    }
}

/// The `ClientBuilder`: authentication (`auth.rs`), then what every
/// client has.
fn client_builder(api: &Api) -> TokenStream {
    let error = super::error_type(api);
    let auth_methods = api
        .auth
        .iter()
        .map(|scheme| auth::scheme_method(api, scheme));
    let lifecycle_methods = api.auth.iter().filter_map(auth::lifecycle_methods);
    let rate_limit_methods = (!api.rate_groups.is_empty()).then(|| {
        quote! {
            /// Allow `requests` per sliding `window` for the operations of
            /// rate-limit `group` (the spec's limits are set by default); a
            /// burst beyond it waits, within each call's deadline, instead
            /// of meeting 429s.
            pub fn rate_limit(mut self, group: RateLimitGroup, requests: u32, window: std::time::Duration) -> Self {
                self.inner = self.inner.rate_limit(group.as_str(), requests, window);
                self
            }

            /// Do not shape traffic on the client side.
            pub fn no_rate_limit(mut self) -> Self {
                self.inner = self.inner.no_rate_limit();
                self
            }
        }
    });
    quote! {
        /// Configures a [`Client`].
        #[derive(Debug)]
        #[must_use = "a builder does nothing until you `.build()` it"]
        pub struct ClientBuilder {
            inner: dialtone_runtime::ClientBuilder,
        }

        impl ClientBuilder {
            #(#auth_methods)*

            #(#lifecycle_methods)*

            /// Authenticates with any provider (for example one that
            /// obtains and refreshes tokens). Where the spec's schemes have
            /// credentials set with the methods above, this provider is
            /// used only on operations none of those credentials satisfies.
            pub fn auth(mut self, provider: impl dialtone_runtime::Authenticate) -> Self {
                self.inner = self.inner.auth(provider);
                self
            }

            /// The `User-Agent` sent on every request.
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.inner = self.inner.user_agent(user_agent);
                self
            }

            /// Time allowed for a whole call (default 30 s): every attempt
            /// and every wait (rate-limit holds, `Retry-After`, backoff,
            /// renewing the credential) spend this one budget; a call's own
            /// `.timeout` replaces it for that call.
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.inner = self.inner.timeout(timeout);
                self
            }

            /// Time allowed to connect (default 10 s).
            pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.inner = self.inner.connect_timeout(timeout);
                self
            }

            /// The largest response body a call reads whole, in bytes
            /// (default 64 MiB); a larger one fails the call with
            /// `Error::ResponseTooLarge`. Streamed downloads are not bounded
            /// by it.
            pub fn max_response_body(mut self, bytes: usize) -> Self {
                self.inner = self.inner.max_response_body(bytes);
                self
            }

            /// A header sent on every request.
            pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.inner = self.inner.default_header(name, value);
                self
            }

            /// How failed calls are retried (default: up to 3 attempts within
            /// 30 s, honouring `Retry-After`; see [`RetryPolicy`](crate::RetryPolicy)).
            pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
                self.inner = self.inner.retry_policy(policy);
                self
            }

            /// Never retry.
            pub fn no_retries(mut self) -> Self {
                self.inner = self.inner.no_retries();
                self
            }

            #rate_limit_methods

            /// Use this `reqwest::Client` (proxies, TLS roots...); the
            /// builder's connect timeout then does not apply (its call
            /// timeout does).
            pub fn http_client(mut self, http: dialtone_runtime::reqwest::Client) -> Self {
                self.inner = self.inner.http_client(http);
                self
            }

            /// Changes the `reqwest::ClientBuilder` Dialtone makes (already
            /// set with its user agent and timeouts) before it is built:
            /// proxies, TLS roots and client certificates, DNS, pool
            /// settings. Ignored when `http_client` gives a client.
            pub fn configure_http(
                mut self,
                configure: impl FnOnce(dialtone_runtime::reqwest::ClientBuilder) -> dialtone_runtime::reqwest::ClientBuilder + Send + 'static,
            ) -> Self {
                self.inner = self.inner.configure_http(configure);
                self
            }

            /// Adds hooks that run around every attempt of every call
            /// (add headers, observe responses and retries: see
            /// [`dialtone_runtime::hooks`]); several run in the order added.
            pub fn hook(mut self, hooks: impl dialtone_runtime::Hooks) -> Self {
                self.inner = self.inner.hook(hooks);
                self
            }

            /// Checks the configuration and builds the client.
            pub fn build(self) -> Result<Client, crate::Error> {
                Ok(Client {
                    runtime: self.inner.build::<#error>()?,
                })
            }
        }
    }
}

/// The client method of one operation: its required parameters, then
/// its builder.
fn op_method(api: &Api, op: &Operation) -> TokenStream {
    let method = format_ident!("{}", op.method_name);
    let builder = format_ident!("{}", op.builder_name);
    let docs = op_docs(api, op);
    let required: Vec<_> = op.params.iter().filter(|p| p.required).collect();
    let params = required.iter().map(|p| {
        let ident = format_ident!("{}", p.rust_name);
        let ty = arg_type(&p.ty, false);
        quote!(#ident: #ty)
    });
    let mut args: Vec<TokenStream> = required
        .iter()
        .map(|p| {
            let ident = format_ident!("{}", p.rust_name);
            if takes_into(&p.ty) {
                quote!(#ident.into())
            } else {
                quote!(#ident)
            }
        })
        .collect();
    let mut params: Vec<TokenStream> = params.collect();
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let ident = format_ident!("{}", super::operation::body_arg(op));
        let ty = arg_type(&body.ty, false);
        params.push(quote!(#ident: #ty));
        args.push(if takes_into(&body.ty) {
            quote!(#ident.into())
        } else {
            quote!(#ident)
        });
    }
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated = "the spec marks this operation deprecated"]));
    quote! {
        #docs
        #deprecated
        pub fn #method(&self, #(#params),*) -> operations::#builder {
            operations::#builder::new(self.clone(), #(#args),*)
        }
    }
}

/// `from_password` of a struct whose property carries a digest of the
/// user's credentials (`x-dialtone-digest`).
fn digest_impl(digest: &Digest) -> TokenStream {
    let ty = format_ident!("{}", digest.type_name);
    let field = &digest.field;
    let value = if digest.secret {
        quote!(dialtone_runtime::digest::md5_user_password(
            username,
            &password.into()
        ))
    } else {
        quote!(
            dialtone_runtime::digest::md5_user_password(username, &password.into())
                .expose()
                .to_owned()
        )
    };
    let doc = doc_attrs(&format!(
        "From a user's name and password: `{field}` is the md5 hex digest of `lowercase(username):password`, computed here; the password itself is never sent, and neither shows in `Debug` output."
    ));
    quote! {
        impl crate::types::#ty {
            #doc
            pub fn from_password(username: &str, password: impl Into<dialtone_runtime::Secret>) -> Self {
                Self::new(#value)
            }
        }
    }
}
