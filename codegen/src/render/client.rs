//! `src/client.rs`: the `Client`, its builder, and one method per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::operations::op_docs;
use super::{arg_type, doc_attrs, rust_type, takes_into};
use crate::ir::{Api, AuthKind, Lifecycle, TokenCall};

fn token_call(call: &TokenCall) -> TokenStream {
    let operation = &call.operation;
    let method = format_ident!("{}", call.http_method.as_upper());
    let path = &call.path;
    quote! {
        dialtone_runtime::tokens::TokenCall {
            operation: #operation,
            method: dialtone_runtime::reqwest::Method::#method,
            path: #path,
        }
    }
}

pub(super) fn render(api: &Api) -> TokenStream {
    let vendor = &api.vendor;
    let title = &api.title;
    let client_doc =
        format!(" A client for {title}. Cheap to clone: clones share one connection pool.");
    let base_doc = match &api.default_server {
        Some(url) => format!(
            " Starts configuring a client for the API at `base_url`; the spec's server is `{url}`."
        ),
        None => " Starts configuring a client for the API at `base_url`.".to_owned(),
    };
    let error = super::error_type(api);
    let named_args = api.operations.iter().any(|op| {
        op.params
            .iter()
            .any(|p| p.required && super::mentions_named(&p.ty))
    });
    let use_types = (named_args || api.error_type.as_ref().is_some_and(super::mentions_named))
        .then(|| {
            quote!(
                use crate::types;
            )
        });
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
        quote!(.errcode(#field, #success) #auth)
    });
    let rate_limits = api.rate_limits.iter().map(|(group, requests, window)| {
        let window = proc_macro2::Literal::u64_unsuffixed(*window);
        let requests = proc_macro2::Literal::u32_unsuffixed(*requests);
        quote!(.rate_limit(#group, #requests, std::time::Duration::from_secs(#window)))
    });
    let methods = api.operations.iter().map(|op| {
        let method = format_ident!("{}", op.method_name);
        let builder = format_ident!("{}", op.builder_name);
        let docs = op_docs(op);
        let required: Vec<_> = op.params.iter().filter(|p| p.required).collect();
        let params = required.iter().map(|p| {
            let ident = format_ident!("{}", p.rust_name);
            let ty = arg_type(&p.ty, false);
            quote!(#ident: #ty)
        });
        let args = required.iter().map(|p| {
            let ident = format_ident!("{}", p.rust_name);
            if takes_into(&p.ty) {
                quote!(#ident.into())
            } else {
                quote!(#ident)
            }
        });
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
    });

    let auth_methods = api.auth.iter().map(|scheme| {
        let method = format_ident!("{}", scheme.method);
        let (provider, fallback) = match &scheme.kind {
            AuthKind::Header(header) => (
                quote!(dialtone_runtime::HeaderToken::new(#header, token)),
                format!("Sends `token` in the `{header}` header of every request."),
            ),
            AuthKind::Query(name) => (
                quote!(dialtone_runtime::QueryToken::new(#name, token)),
                format!("Sends `token` as the `{name}` query parameter of every request."),
            ),
            AuthKind::Bearer => (
                quote!(dialtone_runtime::BearerToken::new(token)),
                "Sends `token` as `Authorization: Bearer` on every request.".to_owned(),
            ),
        };
        let text = match &scheme.docs {
            Some(d) => format!("{fallback}\n\n{d}"),
            None => fallback,
        };
        let docs = doc_attrs(&text);
        quote! {
            #docs
            pub fn #method(mut self, token: impl Into<dialtone_runtime::Secret>) -> Self {
                self.inner = self.inner.auth(#provider);
                self
            }
        }
    });

    let lifecycle_methods = api.auth.iter().filter_map(|scheme| {
        let lifecycle = scheme.lifecycle.as_ref()?;
        let (placement, where_) = match &scheme.kind {
            AuthKind::Header(h) => (quote!(dialtone_runtime::Placement::header(#h)), format!("the `{h}` header")),
            AuthKind::Query(q) => (quote!(dialtone_runtime::Placement::Query(#q)), format!("the `{q}` query parameter")),
            AuthKind::Bearer => (quote!(dialtone_runtime::Placement::Bearer), "`Authorization: Bearer`".to_owned()),
        };
        Some(match lifecycle {
            Lifecycle::Exchange { logins, refresh } => {
                let refresh_call = refresh.as_ref().map(|call| {
                    let c = token_call(call);
                    let field = call.field.as_deref().unwrap_or_default();
                    let token = call.token.as_deref().unwrap_or_default();
                    quote!(.refresh_with(#c, #field, #token))
                });
                let methods = logins.iter().map(|login| {
                    let method = format_ident!("{}", login.method);
                    let body = rust_type(&login.body, false);
                    let call = token_call(&login.call);
                    let token = &login.token;
                    let expires = login.expires_in.as_ref().map(|p| quote!(.expires_in_at(#p)));
                    let lifetime = login.lifetime.map(|secs| {
                        let secs = proc_macro2::Literal::u64_unsuffixed(secs);
                        quote!(.lifetime(std::time::Duration::from_secs(#secs)))
                    });
                    let renew = if refresh.is_some() {
                        format!(" renewed with `{}` (or a new login) shortly before it expires and once after a rejection", refresh.as_ref().map(|r| r.operation.as_str()).unwrap_or_default())
                    } else {
                        " renewed by logging in again shortly before it expires and once after a rejection".to_owned()
                    };
                    let docs = doc_attrs(&format!(
                        "Logs in with `{}` ({} {}) when first needed and sends the token it returns in {where_}; the token is{renew}. Concurrent calls share one login.\n\nThe credentials never appear in `Debug` output.",
                        login.call.operation,
                        login.call.http_method.as_upper(),
                        login.call.path,
                    ));
                    quote! {
                        #docs
                        pub fn #method(mut self, credentials: #body) -> Self {
                            let body = serde_json::to_value(&credentials).unwrap_or(serde_json::Value::Null);
                            let source = dialtone_runtime::tokens::TokenExchange::new(#call, body, #token)
                                #expires
                                #lifetime
                                #refresh_call;
                            self.inner = self.inner.auth(dialtone_runtime::RefreshingToken::new(source, #placement));
                            self
                        }
                    }
                });
                quote!(#(#methods)*)
            }
            Lifecycle::OAuth2 { method, token, revoke } => {
                let method = format_ident!("{}", method);
                let path = &token.path;
                let revoke_path = revoke.as_ref().map(|r| {
                    let p = &r.path;
                    quote!(.revoke_path(#p))
                });
                let docs = doc_attrs(&format!(
                    "Obtains tokens from `{}` ({}) with `grant`, the app's client id and secret sent as HTTP Basic auth, and sends them in {where_}. The access token is refreshed with the refresh token (the rotated one is kept) shortly before it expires and once after a rejection; concurrent calls share one refresh.{}",
                    token.operation,
                    token.path,
                    if revoke.is_some() { " `Client::revoke_auth` revokes it." } else { "" },
                ));
                quote! {
                    #docs
                    pub fn #method(
                        mut self,
                        client_id: impl Into<String>,
                        client_secret: impl Into<dialtone_runtime::Secret>,
                        grant: dialtone_runtime::tokens::Grant,
                    ) -> Self {
                        let source = dialtone_runtime::tokens::OAuth2::new(#path, client_id, client_secret, grant) #revoke_path;
                        self.inner = self.inner.auth(dialtone_runtime::RefreshingToken::new(source, #placement));
                        self
                    }
                }
            }
        })
    });

    // A spec of components only has no operations to name.
    let use_operations = (!api.operations.is_empty()).then(|| {
        quote!(
            use crate::operations;
        )
    });
    quote! {
        //! The client and its builder.
        #use_operations
        #use_types

        #[doc = #client_doc]
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

            /// Revokes the current credential with the vendor where the auth
            /// provider can (OAuth revoke); the next call obtains a new one.
            pub async fn revoke_auth(&self) -> Result<(), crate::Error> {
                self.runtime.revoke_auth().await
            }

            #(#methods)*
        }

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
            /// obtains and refreshes tokens).
            pub fn auth(mut self, provider: impl dialtone_runtime::Authenticate) -> Self {
                self.inner = self.inner.auth(provider);
                self
            }

            /// The `User-Agent` sent on every request.
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.inner = self.inner.user_agent(user_agent);
                self
            }

            /// Time allowed for a whole request (default 30 s).
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.inner = self.inner.timeout(timeout);
                self
            }

            /// Time allowed to connect (default 10 s).
            pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.inner = self.inner.connect_timeout(timeout);
                self
            }

            /// A header sent on every request.
            pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.inner = self.inner.default_header(name, value);
                self
            }

            /// How failed calls are retried (default: up to 3 attempts within
            /// 30 s, honouring `Retry-After`; see [`dialtone_runtime::RetryPolicy`]).
            pub fn retry_policy(mut self, policy: dialtone_runtime::RetryPolicy) -> Self {
                self.inner = self.inner.retry_policy(policy);
                self
            }

            /// Never retry.
            pub fn no_retries(mut self) -> Self {
                self.inner = self.inner.no_retries();
                self
            }

            /// Allow `requests` per sliding `window` for operations of the
            /// vendor's rate-limit `group` (the spec's limits are set by
            /// default); a burst beyond it waits instead of meeting 429s.
            pub fn rate_limit(mut self, group: impl Into<String>, requests: u32, window: std::time::Duration) -> Self {
                self.inner = self.inner.rate_limit(group, requests, window);
                self
            }

            /// Do not shape traffic on the client side.
            pub fn no_rate_limit(mut self) -> Self {
                self.inner = self.inner.no_rate_limit();
                self
            }

            /// Use this `reqwest::Client` (proxies, TLS roots...); the
            /// builder's timeouts then do not apply.
            pub fn http_client(mut self, http: dialtone_runtime::reqwest::Client) -> Self {
                self.inner = self.inner.http_client(http);
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
