//! The spec's `servers`: one `Client` constructor per server, its
//! variables as typed arguments (an enum where the spec lists the values,
//! `u16` for a numeric `port`, else text checked when the client is made).

use openapiv3::Server as SpecServer;
use serde_json::Value;

use super::Lowerer;
use super::extensions::EXT_SERVER_NAME;
use crate::error::{Error, push_pointer};
use crate::ir::{Server, ServerVar, UrlPiece, VarKind};
use crate::names::{Scope, camel, snake};

impl Lowerer<'_> {
    /// The servers, named after the operations claimed theirs in
    /// `methods` (the `Client`'s scope): `x-dialtone-name`, else `server`.
    pub(super) fn servers(&mut self, methods: &mut Scope) -> Result<Vec<Server>, Error> {
        let mut servers = Vec::new();
        for (i, server) in self.doc.servers.iter().enumerate() {
            let pointer = push_pointer("/servers", &i.to_string());
            let name = match server.extensions.get(EXT_SERVER_NAME) {
                None => "server".to_owned(),
                Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
                Some(_) => {
                    return Err(self.err(
                        push_pointer(&pointer, EXT_SERVER_NAME),
                        "a non-empty string",
                        None,
                    ));
                }
            };
            let method = methods.claim(snake(&name));
            servers.push(self.server(server, method));
        }
        Ok(servers)
    }

    fn server(&mut self, server: &SpecServer, method: String) -> Server {
        let mut args = Scope::with_reserved(&["url"]);
        let mut variables = Vec::new();
        for (wire, var) in server.variables.iter().flatten() {
            let kind = if !var.enumeration.is_empty() {
                let mut variants = Scope::default();
                VarKind::Enum {
                    type_name: self.type_names.claim(camel(&format!("{method} {wire}"))),
                    variants: var
                        .enumeration
                        .iter()
                        .map(|v| (variants.claim(camel(v)), v.clone()))
                        .collect(),
                }
            } else if wire.eq_ignore_ascii_case("port") && var.default.parse::<u16>().is_ok() {
                VarKind::Port
            } else {
                VarKind::Text
            };
            variables.push(ServerVar {
                wire: wire.clone(),
                rust_name: args.claim(snake(wire)),
                default: var.default.clone(),
                description: var.description.clone(),
                kind,
            });
        }
        Server {
            method,
            url: server.url.clone(),
            description: server.description.clone(),
            pieces: pieces(&server.url, &variables),
            variables,
        }
    }
}

/// `url` cut into literal text and variables; a `{name}` the server does
/// not declare stays literal text (and the URL fails to parse when the
/// client is built).
fn pieces(url: &str, variables: &[ServerVar]) -> Vec<UrlPiece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let var = after.find('}').and_then(|close| {
            variables
                .iter()
                .position(|v| v.wire == after[..close])
                .map(|i| (i, close))
        });
        match var {
            Some((index, close)) => {
                literal.push_str(&rest[..open]);
                if !literal.is_empty() {
                    pieces.push(UrlPiece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(UrlPiece::Var(index));
                rest = &after[close + 1..];
            }
            None => {
                literal.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(UrlPiece::Literal(literal));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(wire: &str) -> ServerVar {
        ServerVar {
            wire: wire.to_owned(),
            rust_name: wire.to_owned(),
            default: String::new(),
            description: None,
            kind: VarKind::Text,
        }
    }

    #[test]
    fn templates_split_into_literals_and_declared_variables() {
        let vars = [var("host"), var("port")];
        let got = pieces("https://{host}:{port}/x/{nope}/{host", &vars);
        assert_eq!(
            got,
            vec![
                UrlPiece::Literal("https://".into()),
                UrlPiece::Var(0),
                UrlPiece::Literal(":".into()),
                UrlPiece::Var(1),
                UrlPiece::Literal("/x/{nope}/{host".into()),
            ]
        );
    }
}
