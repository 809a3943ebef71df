//! Security schemes: how the client authenticates (`components/securitySchemes`)
//! and how tokens are obtained and renewed (`x-dialtone-auth`).

use openapiv3::{APIKeyLocation, ReferenceOr, SecurityScheme};
use serde_json::Value;

use super::extensions::EXT_AUTH;
use super::{Lowerer, members, reqwest_header_ok};
use crate::error::{Error, push_pointer};
use crate::ir::*;
use crate::names::{Scope, snake};

impl<'a> Lowerer<'a> {
    pub(super) fn token_call<'o>(
        &self,
        ops: &'o [Operation],
        id: &str,
        pointer: &str,
    ) -> Result<(TokenCall, &'o Operation), Error> {
        let op = ops.iter().find(|o| o.id == id).ok_or_else(|| {
            self.err(
                pointer,
                "the operationId of an operation in this spec",
                Some(format!("\"{id}\"")),
            )
        })?;
        if op.path.iter().any(|s| matches!(s, Segment::Param(_))) {
            return Err(self.err(
                pointer,
                "a token operation whose path has no parameters",
                Some(op.path_template.clone()),
            ));
        }
        Ok((
            TokenCall {
                operation: op.id.clone(),
                http_method: op.http_method,
                path: op.path_template.clone(),
                rate_group: op.throttling_group.clone(),
            },
            op,
        ))
    }

    pub(super) fn lifecycle(
        &self,
        value: &Value,
        pointer: &str,
        ops: &[Operation],
        scope: &mut Scope,
    ) -> Result<Lifecycle, Error> {
        let text = |v: &Value, key: &str, at: &str| self.text(v, key, at);
        let optional = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        match value.get("kind").and_then(Value::as_str) {
            Some("token-exchange") => {
                let logins_pointer = push_pointer(pointer, "logins");
                let Some(Value::Array(items)) = value.get("logins") else {
                    return Err(self.err(
                        logins_pointer,
                        "a list of logins ({method, operation, token, expires_in?, lifetime?})",
                        None,
                    ));
                };
                let mut logins = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let at = push_pointer(&logins_pointer, &i.to_string());
                    logins.push(self.login(item, &at, ops, scope)?);
                }
                let refresh = match value.get("refresh") {
                    None => None,
                    Some(r) => {
                        let at = push_pointer(pointer, "refresh");
                        let id = text(r, "operation", &at)?;
                        let (call, _) =
                            self.token_call(ops, &id, &push_pointer(&at, "operation"))?;
                        Some(Refresh {
                            call,
                            field: text(r, "field", &at)?,
                            token: text(r, "token", &at)?,
                        })
                    }
                };
                let revoke = match optional(value, "revoke") {
                    Some(id) => Some(
                        self.token_call(ops, &id, &push_pointer(pointer, "revoke"))?
                            .0,
                    ),
                    None => None,
                };
                Ok(Lifecycle::Exchange {
                    logins,
                    refresh,
                    revoke,
                })
            }
            Some("oauth2") => {
                let id = text(value, "token", pointer)?;
                let (token, token_op) =
                    self.token_call(ops, &id, &push_pointer(pointer, "token"))?;
                let client_basic = token_op.basic_auth;
                let revoke = match optional(value, "revoke") {
                    Some(id) => Some(
                        self.token_call(ops, &id, &push_pointer(pointer, "revoke"))?
                            .0,
                    ),
                    None => None,
                };
                Ok(Lifecycle::OAuth2 {
                    method: scope.claim(members::OAUTH.to_owned()),
                    token,
                    revoke,
                    client_basic,
                })
            }
            other => Err(self.err(
                push_pointer(pointer, "kind"),
                "`token-exchange` or `oauth2`",
                other.map(|s| format!("\"{s}\"")),
            )),
        }
    }

    /// A string property `key` of `v` (at `at`).
    fn text(&self, v: &Value, key: &str, at: &str) -> Result<String, Error> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                self.err(
                    push_pointer(at, key),
                    "a string",
                    v.get(key).map(|x| crate::parse::kind_of(x).to_owned()),
                )
            })
    }

    /// One login of a token exchange, whose operation must take JSON.
    fn login(
        &self,
        item: &Value,
        at: &str,
        ops: &[Operation],
        scope: &mut Scope,
    ) -> Result<Login, Error> {
        let text = |v: &Value, key: &str, at: &str| self.text(v, key, at);
        let id = text(item, "operation", at)?;
        let (call, op) = self.token_call(ops, &id, &push_pointer(at, "operation"))?;
        let body = match &op.body {
            Some(Body {
                media: Media::Json,
                envelope: Some(env),
                ..
            }) => TypeRef::Named(env.type_name.clone()),
            Some(Body {
                media: Media::Json,
                ty,
                ..
            }) => ty.clone(),
            _ => {
                return Err(self.err(
                    push_pointer(at, "operation"),
                    "a login operation with a JSON body",
                    Some(format!("`{id}`")),
                ));
            }
        };
        let method = scope.claim(snake(&text(item, "method", at)?));
        Ok(Login {
            store_method: scope.claim(format!("{method}_with_store")),
            method,
            call,
            body,
            token: text(item, "token", at)?,
            expires_in: item
                .get("expires_in")
                .and_then(Value::as_str)
                .map(str::to_owned),
            lifetime: item.get("lifetime").and_then(Value::as_u64),
        })
    }

    pub(super) fn security_schemes(&self, ops: &[Operation]) -> Result<Vec<AuthScheme>, Error> {
        let mut scope = members::client_builder_methods();
        let mut out = Vec::new();
        for (key, scheme) in self
            .doc
            .components
            .iter()
            .flat_map(|c| c.security_schemes.iter())
        {
            let pointer = push_pointer("/components/securitySchemes", key);
            let ReferenceOr::Item(scheme) = scheme else {
                return Err(self.err(
                    pointer,
                    "a security scheme written in place",
                    Some("a $ref".to_owned()),
                ));
            };
            let (kind, docs, extensions) = match scheme {
                SecurityScheme::APIKey {
                    location: APIKeyLocation::Header,
                    name,
                    description,
                    extensions,
                } => (
                    AuthKind::Header(name.to_ascii_lowercase()),
                    description,
                    extensions,
                ),
                SecurityScheme::APIKey {
                    location: APIKeyLocation::Query,
                    name,
                    description,
                    extensions,
                } => (AuthKind::Query(name.clone()), description, extensions),
                SecurityScheme::APIKey {
                    location: APIKeyLocation::Cookie,
                    name,
                    description,
                    extensions,
                } => (AuthKind::Cookie(name.clone()), description, extensions),
                SecurityScheme::HTTP {
                    scheme,
                    description,
                    extensions,
                    ..
                } if scheme.eq_ignore_ascii_case("bearer") => {
                    (AuthKind::Bearer, description, extensions)
                }
                SecurityScheme::HTTP {
                    scheme,
                    description,
                    extensions,
                    ..
                } if scheme.eq_ignore_ascii_case("basic") => {
                    (AuthKind::Basic, description, extensions)
                }
                // Other HTTP schemes (digest, ...) need a provider of the
                // user's own (`ClientBuilder::auth`): no method is offered.
                SecurityScheme::HTTP { .. } => continue,
                SecurityScheme::OAuth2 {
                    description,
                    extensions,
                    ..
                }
                | SecurityScheme::OpenIDConnect {
                    description,
                    extensions,
                    ..
                } => (AuthKind::Bearer, description, extensions),
            };
            // A scheme no operation accepts gets no method: it would do
            // nothing.
            let used = ops.iter().any(|op| {
                op.authenticated
                    && op
                        .security
                        .as_ref()
                        .is_none_or(|alts| alts.iter().flatten().any(|k| k == key))
            });
            if !used {
                continue;
            }
            if matches!(kind, AuthKind::Basic) && extensions.contains_key(EXT_AUTH) {
                return Err(self.err(
                    push_pointer(&pointer, EXT_AUTH),
                    "no token lifecycle on an HTTP Basic scheme (Basic sends the user's credentials as they are)",
                    None,
                ));
            }
            if let AuthKind::Header(name) = &kind
                && reqwest_header_ok(name).is_err()
            {
                return Err(self.err(
                    push_pointer(&pointer, "name"),
                    "a valid HTTP header name",
                    Some(format!("\"{name}\"")),
                ));
            }
            let method = scope.claim(snake(key));
            let lifecycle = match extensions.get(EXT_AUTH) {
                None => None,
                Some(value) => Some(self.lifecycle(
                    value,
                    &push_pointer(&pointer, EXT_AUTH),
                    ops,
                    &mut scope,
                )?),
            };
            out.push(AuthScheme {
                key: key.clone(),
                method,
                kind,
                docs: docs.clone(),
                lifecycle,
            });
        }
        Ok(out)
    }

    pub(super) fn is_basic_scheme(&self, name: &str) -> bool {
        matches!(
            self.doc.components.as_ref().and_then(|c| c.security_schemes.get(name)),
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if scheme.eq_ignore_ascii_case("basic")
        )
    }
}
