//! The `ClientBuilder`'s ways to authenticate: one method per security
//! scheme (a token given as is), one per login of a token exchange and one
//! for OAuth 2.0 (tokens obtained and renewed by the runtime), and what
//! `Client::revoke_auth` does with each.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, rust_type};
use crate::escape;
use crate::ir::{Api, AuthKind, AuthScheme, Lifecycle, Login, Refresh, TokenCall};

/// Which operations carry `scheme`'s credential, in words for docs.
fn where_sent(api: &Api, scheme: &AuthScheme) -> String {
    if api
        .operations
        .iter()
        .any(|op| op.authenticated && op.security.is_none())
    {
        "every request (the spec states no security requirement, so every credential configured is sent on every call)".to_owned()
    } else {
        format!(
            "every request whose operation accepts security scheme {}",
            escape::code(&scheme.key)
        )
    }
}

/// The method that sets a credential given as is.
pub(super) fn scheme_method(api: &Api, scheme: &AuthScheme) -> TokenStream {
    let method = format_ident!("{}", scheme.method);
    let key = &scheme.key;
    let sent = where_sent(api, scheme);
    // A token the vendor revokes with a call that carries just the
    // token can be revoked by `revoke_auth` too.
    let revoke = match &scheme.lifecycle {
        Some(Lifecycle::Exchange {
            revoke: Some(call), ..
        }) => {
            let call = token_call(call);
            Some(quote!(.revoke_with(#call)))
        }
        _ => None,
    };
    let with_docs = |fallback: String| {
        let text = match &scheme.docs {
            Some(d) => format!("{fallback}\n\n{}", escape::markdown(d)),
            None => fallback,
        };
        doc_attrs(&text)
    };
    let (provider, fallback) = match &scheme.kind {
        AuthKind::Header(header) => (
            quote!(dialtone_runtime::HeaderToken::new(#header, token)),
            format!(
                "Sends `token` in the {} header of {sent}.",
                escape::code(header)
            ),
        ),
        AuthKind::Query(name) => (
            quote!(dialtone_runtime::QueryToken::new(#name, token)),
            format!(
                "Sends `token` as the {} query parameter of {sent}.",
                escape::code(name)
            ),
        ),
        AuthKind::Cookie(name) => (
            quote!(dialtone_runtime::CookieToken::new(#name, token)),
            format!(
                "Sends `token` as the {} cookie of {sent}.",
                escape::code(name)
            ),
        ),
        AuthKind::Bearer => (
            quote!(dialtone_runtime::BearerToken::new(token)),
            format!("Sends `token` as `Authorization: Bearer` on {sent}."),
        ),
        AuthKind::Basic => {
            let docs = with_docs(format!(
                "Sends `user` and `password` as HTTP Basic auth (`Authorization: Basic`) on {sent}. The password never appears in `Debug` output."
            ));
            return quote! {
                #docs
                pub fn #method(mut self, user: impl Into<String>, password: impl Into<dialtone_runtime::Secret>) -> Self {
                    self.inner = self.inner.scheme_auth(#key, dialtone_runtime::BasicAuth::new(user, password));
                    self
                }
            };
        }
    };
    let docs = with_docs(fallback);
    quote! {
        #docs
        pub fn #method(mut self, token: impl Into<dialtone_runtime::Secret>) -> Self {
            self.inner = self.inner.scheme_auth(#key, #provider #revoke);
            self
        }
    }
}

/// The methods that obtain and renew tokens for `scheme` (`None` when the
/// spec says nothing of how).
pub(super) fn lifecycle_methods(scheme: &AuthScheme) -> Option<TokenStream> {
    let lifecycle = scheme.lifecycle.as_ref()?;
    let placement = match &scheme.kind {
        AuthKind::Header(h) => Placement {
            tokens: quote!(dialtone_runtime::Placement::header(#h)),
            words: format!("the {} header", escape::code(h)),
        },
        AuthKind::Query(q) => Placement {
            tokens: quote!(dialtone_runtime::Placement::Query(#q)),
            words: format!("the {} query parameter", escape::code(q)),
        },
        AuthKind::Cookie(c) => Placement {
            tokens: quote!(dialtone_runtime::Placement::Cookie(#c)),
            words: format!("the {} cookie", escape::code(c)),
        },
        AuthKind::Bearer => Placement {
            tokens: quote!(dialtone_runtime::Placement::Bearer),
            words: "`Authorization: Bearer`".to_owned(),
        },
        // Lowering refuses a lifecycle on Basic.
        AuthKind::Basic => return None,
    };
    let key = &scheme.key;
    Some(match lifecycle {
        Lifecycle::Exchange {
            logins,
            refresh,
            revoke,
        } => {
            let methods = logins.iter().map(|login| {
                login_method(key, login, refresh.as_ref(), revoke.as_ref(), &placement)
            });
            quote!(#(#methods)*)
        }
        Lifecycle::OAuth2 {
            method,
            token,
            revoke,
            client_basic,
        } => oauth_method(
            key,
            method,
            token,
            revoke.as_ref(),
            *client_basic,
            &placement,
        ),
    })
}

/// Where a token goes: as tokens for the runtime and in words for docs.
struct Placement {
    tokens: TokenStream,
    words: String,
}

/// The method that logs in with `login` when a token is first needed.
fn login_method(
    key: &str,
    login: &Login,
    refresh: Option<&Refresh>,
    revoke: Option<&TokenCall>,
    placement: &Placement,
) -> TokenStream {
    let Placement {
        tokens: placement,
        words: where_,
    } = placement;
    let refresh_call = refresh.map(|refresh| {
        let c = token_call(&refresh.call);
        let (field, token) = (&refresh.field, &refresh.token);
        quote!(.refresh_with(#c, #field, #token))
    });
    let revoke_call = revoke.map(|call| {
        let c = token_call(call);
        quote!(.revoke_with(#c))
    });
    let method = format_ident!("{}", login.method);
    let body = rust_type(&login.body, false);
    let call = token_call(&login.call);
    let token = &login.token;
    let expires = login
        .expires_in
        .as_ref()
        .map(|p| quote!(.expires_in_at(#p)));
    let lifetime = login.lifetime.map(|secs| {
        let secs = proc_macro2::Literal::u64_unsuffixed(secs);
        quote!(.lifetime(std::time::Duration::from_secs(#secs)))
    });
    let renew = match refresh {
        Some(refresh) => format!(
            " renewed with {} a tenth of its lifetime (at most 60 s) before it expires and once after a rejection (a refresh token is never sent twice; when a refresh fails, this login is used once more)",
            escape::code(&refresh.call.operation)
        ),
        None => " renewed by logging in again a tenth of its lifetime (at most 60 s) before it expires and once after a rejection".to_owned(),
    };
    let docs = doc_attrs(&format!(
        "Logs in with {} ({} {}) when first needed and sends the token it returns in {where_}; the token is{renew}. Concurrent calls share one login, which counts against their deadlines.\n\nThe credentials never appear in `Debug` output.",
        escape::code(&login.call.operation),
        login.call.http_method.as_upper(),
        escape::markdown_line(&login.call.path),
    ));
    let store_method = format_ident!("{}", login.store_method);
    let store_docs = doc_attrs(&format!(
        "Like [`{m}`](Self::{m}), keeping every token obtained in `store` (saved before any call uses it; cleared by `Client::revoke_auth`): a client built later with the same store uses the saved token until it expires instead of logging in again. See [`dialtone_runtime::store`] for the stores (in memory, or a file readable by its owner only).",
        m = login.method
    ));
    quote! {
        #docs
        pub fn #method(mut self, credentials: #body) -> Self {
            let body = serde_json::to_value(&credentials).unwrap_or(serde_json::Value::Null);
            let source = dialtone_runtime::tokens::TokenExchange::new(#call, body, #token)
                #expires
                #lifetime
                #refresh_call
                #revoke_call;
            self.inner = self.inner.scheme_auth(#key, dialtone_runtime::RefreshingToken::new(source, #placement));
            self
        }

        #store_docs
        pub fn #store_method(mut self, credentials: #body, store: impl dialtone_runtime::store::TokenStore) -> Self {
            let body = serde_json::to_value(&credentials).unwrap_or(serde_json::Value::Null);
            let source = dialtone_runtime::tokens::TokenExchange::new(#call, body, #token)
                #expires
                #lifetime
                #refresh_call
                #revoke_call
                .with_store(store);
            self.inner = self.inner.auth(dialtone_runtime::RefreshingToken::new(source, #placement));
            self
        }
    }
}

/// The method that obtains OAuth 2.0 tokens from `token`, with the
/// client's credentials as HTTP Basic auth (`client_basic`) or in the form
/// body.
fn oauth_method(
    key: &str,
    method: &str,
    token: &TokenCall,
    revoke: Option<&TokenCall>,
    client_basic: bool,
    placement: &Placement,
) -> TokenStream {
    let Placement {
        tokens: placement,
        words: where_,
    } = placement;
    let method = format_ident!("{}", method);
    // Without an HTTP Basic scheme on the token operation, the client id
    // and secret go in the form body.
    let client_auth =
        (!client_basic).then(|| quote!(.client_auth(dialtone_runtime::tokens::ClientAuth::Body)));
    let path = &token.path;
    let revoke_path = revoke.map(|r| {
        let p = &r.path;
        quote!(.revoke_path(#p))
    });
    let token_group = token.rate_group.as_ref().map(|g| quote!(.rate_group(#g)));
    let docs = doc_attrs(&format!(
        "Obtains tokens from {} ({}) with `grant` ([`Grant`](crate::Grant)), the app's client id and secret sent {}, and sends them in {where_}. The access token is refreshed with the refresh token (the rotated one is kept, a spent one never sent again; when a refresh fails, `grant` is used once more) a tenth of its lifetime (at most 60 s) before it expires and once after a rejection; concurrent calls share one refresh, which counts against their deadlines.{}",
        escape::code(&token.operation),
        escape::markdown_line(&token.path),
        if client_basic {
            "as HTTP Basic auth"
        } else {
            "in the form body"
        },
        if revoke.is_some() {
            " `Client::revoke_auth` revokes it."
        } else {
            ""
        },
    ));
    quote! {
        #docs
        pub fn #method(
            mut self,
            client_id: impl Into<String>,
            client_secret: impl Into<dialtone_runtime::Secret>,
            grant: crate::Grant,
        ) -> Self {
            let source = dialtone_runtime::tokens::OAuth2::new(#path, client_id, client_secret, grant) #client_auth #revoke_path #token_group;
            self.inner = self.inner.scheme_auth(#key, dialtone_runtime::RefreshingToken::new(source, #placement));
            self
        }
    }
}

pub(super) fn token_call(call: &TokenCall) -> TokenStream {
    let operation = &call.operation;
    let method = format_ident!("{}", call.http_method.as_upper());
    let path = &call.path;
    let rate_group = match &call.rate_group {
        Some(group) => quote!(Some(#group)),
        None => quote!(None),
    };
    quote! {
        dialtone_runtime::tokens::TokenCall {
            operation: #operation,
            method: dialtone_runtime::reqwest::Method::#method,
            path: #path,
            rate_group: #rate_group,
        }
    }
}

/// What `revoke_auth` does with this vendor's credentials.
pub(super) fn revoke_doc(api: &Api) -> String {
    let mut text = String::from(
        "Revokes the client's credential with the vendor, then forgets it; the next call obtains a new one where a login is configured. It does nothing when there is nothing to revoke (no token obtained yet, or already revoked).\n",
    );
    for scheme in &api.auth {
        match &scheme.lifecycle {
            Some(Lifecycle::Exchange { logins, revoke, .. }) => {
                let logins: Vec<String> = logins.iter().map(|l| format!("`{}`", l.method)).collect();
                match revoke {
                    Some(call) => text.push_str(&format!(
                        "\n- A token from {} or set with `{}`: revoked with {} ({} {}).",
                        logins.join(" or "),
                        scheme.method,
                        escape::code(&call.operation),
                        call.http_method.as_upper(),
                        escape::markdown_line(&call.path)
                    )),
                    None => text.push_str(&format!(
                        "\n- A token from {}: forgotten (the vendor has no revoke operation; the token stays valid until it expires). A token set with `{}` is left as is.",
                        logins.join(" or "),
                        scheme.method
                    )),
                }
            }
            Some(Lifecycle::OAuth2 { method, revoke, .. }) => match revoke {
                Some(call) => text.push_str(&format!(
                    "\n- Tokens from `{method}`: revoked with {} ({} {}), which ends the session. A token set with `{}` is left as is (revoking needs the app's client credentials: use `{}` with `basic_auth`).",
                    escape::code(&call.operation),
                    call.http_method.as_upper(),
                    escape::markdown_line(&call.path),
                    scheme.method,
                    call_method(api, &call.operation),
                )),
                None => text.push_str(&format!(
                    "\n- Tokens from `{method}`: forgotten (the spec declares no revoke operation)."
                )),
            },
            None => text.push_str(&format!(
                "\n- A token set with `{}`: left as is (the spec declares no way to revoke it).",
                scheme.method
            )),
        }
    }
    text
}

/// The client method of operation `id`, for docs.
fn call_method(api: &Api, id: &str) -> String {
    api.operations
        .iter()
        .find(|op| op.id == id)
        .map_or_else(|| id.to_owned(), |op| format!("{}()", op.method_name))
}
