//! What a spec change does to users of the generated crate: two specs are
//! lowered with the generator's own pipeline and their IRs compared, so
//! the report speaks of what is generated (methods, arguments, setters,
//! fields, variants), not of YAML.
//!
//! Each [`Change`] has an [`Impact`] for the wire (requests that worked
//! are refused, answers decode differently) and one for Rust (callers'
//! code stops compiling); its overall impact is the worse of the two.
//! The evolution policy the generator applies (ARCHITECTURE.md,
//! "Evolution policy": `#[non_exhaustive]` structs built through `new`
//! and setters, open enums, non-exhaustive error, response and
//! rate-limit-group enums) is what makes the additive changes additive.

mod report;
mod types;

use std::collections::{BTreeMap, BTreeSet};

pub use report::{Bump, bump, markdown, suggested_version};

use crate::ir::{
    Api, AuthKind, Body, Media, NextPage, Operation, Param, Payload, StatusMatch, Success, TypeRef,
};

/// How a change affects users of the generated crate, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Documentation only: the code and its behaviour are the same.
    None,
    /// A new capability: old code compiles and behaves the same.
    Additive,
    /// Callers' code stops compiling, or requests that worked are now
    /// refused, or answers decode differently.
    Breaking,
}

impl Impact {
    /// `none`, `additive`, `breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change between two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it does on the wire (requests sent, answers decoded).
    pub wire: Impact,
    /// What it does to Rust code written against the old crate.
    pub rust: Impact,
    /// A stable kebab-case name (`field-removed`, `enum-value-added`).
    pub kind: &'static str,
    /// The operationId concerned, if the change is one operation's.
    pub operation: Option<String>,
    /// The JSON pointer in the old spec (`None`: not there).
    pub pointer_old: Option<String>,
    /// The JSON pointer in the new spec (`None`: not there).
    pub pointer_new: Option<String>,
    /// The generated item affected (`dialtone_kazoo::types::Group::name`).
    pub rust_item: String,
    /// What changed and why it has its impact.
    pub message: String,
}

impl Change {
    /// The worse of the wire and Rust impacts.
    pub fn impact(&self) -> Impact {
        self.wire.max(self.rust)
    }
}

/// Every change between two specs of one API.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The crate (`dialtone-kazoo`).
    pub crate_name: String,
    /// The changes, breaking first, then by operation.
    pub changes: Vec<Change>,
}

impl Report {
    /// The worst impact of any change (`None` when nothing changed).
    pub fn impact(&self) -> Impact {
        self.changes
            .iter()
            .map(Change::impact)
            .max()
            .unwrap_or(Impact::None)
    }

    /// The report as the JSON of `dialtone diff --format json`:
    /// `{"impact", "changes": [{"impact", "kind", "operation",
    /// "pointer_old", "pointer_new", "rust_item", "message"}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "impact": c.impact().as_str(),
                    "kind": c.kind,
                    "operation": c.operation,
                    "pointer_old": c.pointer_old,
                    "pointer_new": c.pointer_new,
                    "rust_item": c.rust_item,
                    "message": c.message,
                })
            })
            .collect();
        serde_json::json!({ "impact": self.impact().as_str(), "changes": changes })
    }
}

/// Compares two lowerings of an API.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut cx = Cx {
        old,
        new,
        krate: new.crate_name.replace('-', "_"),
        out: Vec::new(),
    };
    cx.api();
    cx.operations();
    types::types(&mut cx);
    let mut changes = cx.out;
    changes.sort_by(|a, b| {
        b.impact()
            .cmp(&a.impact())
            .then_with(|| a.operation.cmp(&b.operation))
    });
    Report {
        crate_name: new.crate_name.clone(),
        changes,
    }
}

/// What the comparison carries.
pub(crate) struct Cx<'a> {
    pub(crate) old: &'a Api,
    pub(crate) new: &'a Api,
    /// The crate's Rust name.
    pub(crate) krate: String,
    pub(crate) out: Vec<Change>,
}

/// Where a change is, for [`Cx::push`].
#[derive(Default)]
pub(crate) struct At {
    pub(crate) operation: Option<String>,
    pub(crate) old: Option<String>,
    pub(crate) new: Option<String>,
    pub(crate) item: String,
}

impl At {
    pub(crate) fn both(pointer_old: &str, pointer_new: &str, item: String) -> At {
        At {
            operation: None,
            old: Some(pointer_old.to_owned()),
            new: Some(pointer_new.to_owned()),
            item,
        }
    }

    fn op(mut self, id: &str) -> At {
        self.operation = Some(id.to_owned());
        self
    }
}

impl Cx<'_> {
    pub(crate) fn push(
        &mut self,
        kind: &'static str,
        wire: Impact,
        rust: Impact,
        at: At,
        message: String,
    ) {
        let message = if wire != rust {
            format!(
                "{message} (wire: {wire}; Rust: {rust})",
                wire = wire.as_str(),
                rust = rust.as_str()
            )
        } else {
            message
        };
        self.out.push(Change {
            wire,
            rust,
            kind,
            operation: at.operation,
            pointer_old: at.old,
            pointer_new: at.new,
            rust_item: at.item,
            message,
        });
    }

    fn item(&self, path: &str) -> String {
        format!("{}::{path}", self.krate)
    }

    /// Error enums operations share: each operation's alias stays (its
    /// variants are compared per operation), but code naming a shared enum
    /// breaks when the operations no longer share it (or it is renamed).
    fn shared_errors(&mut self) {
        let (old, new) = (self.old, self.new);
        for shared in &old.shared_errors {
            if new.shared_errors.iter().any(|n| n.name == shared.name) {
                continue;
            }
            let Some((method, alias)) = shared.operations.first() else {
                continue;
            };
            let pointer = |api: &Api| {
                api.operations
                    .iter()
                    .find(|op| op.method_name == *method)
                    .map(|op| format!("{}/responses", op.pointer))
            };
            let at = At {
                operation: None,
                old: pointer(old),
                new: pointer(new),
                item: self.item(&format!("operations::{}", shared.name)),
            };
            self.push(
                "shared-error-enum-removed",
                Impact::None,
                Impact::Breaking,
                at,
                format!(
                    "`operations::{}`, the error enum {} operations shared, is gone: they no longer document the same error bodies; code naming it no longer compiles, code naming each operation's alias (`{alias}`) does",
                    shared.name,
                    shared.operations.len()
                ),
            );
        }
    }

    /// The named servers: one `Client` constructor each, whose arguments
    /// are the server's variables.
    fn servers(&mut self) {
        let (old, new) = (self.old, self.new);
        let arguments = |s: &crate::ir::Server| {
            s.variables
                .iter()
                .map(|v| (v.rust_name.clone(), v.kind.clone()))
                .collect::<Vec<_>>()
        };
        for (i, was) in old.servers.iter().enumerate() {
            let item = self.item(&format!("Client::{}", was.method));
            let pointer_old = format!("/servers/{i}");
            let Some((j, now)) = new
                .servers
                .iter()
                .enumerate()
                .find(|(_, n)| n.method == was.method)
            else {
                self.push(
                    "server-constructor-removed",
                    Impact::None,
                    Impact::Breaking,
                    At {
                        old: Some(pointer_old),
                        item,
                        ..At::default()
                    },
                    format!(
                        "the server `{}` is gone, and with it `Client::{}`: code calling it stops compiling",
                        was.url, was.method
                    ),
                );
                continue;
            };
            let at = At::both(&pointer_old, &format!("/servers/{j}"), item);
            if arguments(was) != arguments(now) {
                self.push(
                    "server-variables-changed",
                    Impact::None,
                    Impact::Breaking,
                    at,
                    format!(
                        "the variables of the server `{}` change, so `Client::{}` takes other arguments: calls to it stop compiling",
                        now.url, now.method
                    ),
                );
            } else if was.pieces != now.pieces {
                self.push(
                    "server-url-changed",
                    Impact::Breaking,
                    Impact::None,
                    at,
                    format!(
                        "`Client::{}` now sends to `{}` instead of `{}`",
                        now.method, now.url, was.url
                    ),
                );
            } else if was.description != now.description
                || was
                    .variables
                    .iter()
                    .zip(&now.variables)
                    .any(|(a, b)| a.default != b.default || a.description != b.description)
            {
                self.push(
                    "server-docs-changed",
                    Impact::None,
                    Impact::None,
                    at,
                    format!(
                        "the description or a documented default of the server `{}` changed (docs of `Client::{}` only)",
                        now.url, now.method
                    ),
                );
            }
        }
        for (j, now) in new.servers.iter().enumerate() {
            if old.servers.iter().any(|o| o.method == now.method) {
                continue;
            }
            let item = self.item(&format!("Client::{}", now.method));
            self.push(
                "server-constructor-added",
                Impact::None,
                Impact::Additive,
                At {
                    new: Some(format!("/servers/{j}")),
                    item,
                    ..At::default()
                },
                format!(
                    "a new server `{}`: `Client::{}` builds a client for it",
                    now.url, now.method
                ),
            );
        }
    }

    /// Crate-wide settings: servers, auth, error schema, rate-limit groups.
    fn api(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.default_server != new.default_server {
            let (kind, wire, message) = match (&old.default_server, &new.default_server) {
                (None, Some(url)) => (
                    "server-added",
                    Impact::Additive,
                    format!("the client now has a default base URL, `{url}`"),
                ),
                (Some(url), None) => (
                    "server-removed",
                    Impact::Breaking,
                    format!(
                        "the default base URL `{url}` is gone: a client built without one has nowhere to send requests"
                    ),
                ),
                (Some(a), Some(b)) => (
                    "server-changed",
                    Impact::Breaking,
                    format!(
                        "the default base URL moves from `{a}` to `{b}`: clients built without a base URL send their requests elsewhere"
                    ),
                ),
                (None, None) => unreachable!("they differ"),
            };
            let item = self.item("Client::builder");
            self.push(
                kind,
                wire,
                Impact::None,
                At::both("/servers", "/servers", item),
                message,
            );
        }
        if old.description != new.description || old.title != new.title {
            let item = self.item("");
            self.push(
                "api-docs-changed",
                Impact::None,
                Impact::None,
                At::both("/info", "/info", item.trim_end_matches(':').to_owned()),
                "the API's title or description changed (crate docs only)".to_owned(),
            );
        }
        self.servers();
        self.auth();
        self.shared_errors();
        if old.error_type != new.error_type {
            let item = self.item("Error");
            self.push(
                "error-schema-changed",
                Impact::Breaking,
                Impact::Breaking,
                At::both(
                    "/x-dialtone-error-schema",
                    "/x-dialtone-error-schema",
                    item,
                ),
                format!(
                    "the vendor's error body (`x-dialtone-error-schema`) changes from {} to {}: `Error`'s body type and how errors decode change",
                    show_opt(old.error_type.as_ref()),
                    show_opt(new.error_type.as_ref())
                ),
            );
        }
        if old.errcode != new.errcode {
            let item = self.item("Error");
            self.push(
                "errcode-changed",
                Impact::Breaking,
                Impact::None,
                At::both("/x-dialtone-errcode", "/x-dialtone-errcode", item),
                "`x-dialtone-errcode` changed: which success bodies count as errors changes, so answers decode differently".to_owned(),
            );
        }
        if old.request_id_header != new.request_id_header {
            let item = self.item("Error::request_id");
            self.push(
                "request-id-header-changed",
                Impact::Additive,
                Impact::None,
                At::both(
                    "/x-dialtone-request-id-header",
                    "/x-dialtone-request-id-header",
                    item,
                ),
                format!(
                    "the request-id header (`x-dialtone-request-id-header`) changes from {:?} to {:?}: only what errors report as their request id",
                    old.request_id_header, new.request_id_header
                ),
            );
        }
        let pointer_of = |api: &Api, name: &str| {
            api.type_named(name)
                .map_or_else(|| "/components/schemas".to_owned(), |t| t.pointer.clone())
        };
        for d in &old.digests {
            if !new.digests.iter().any(|e| e.type_name == d.type_name) {
                let item = self.item(&format!("types::{}::from_password", d.type_name));
                self.push(
                    "digest-removed",
                    Impact::Breaking,
                    Impact::Breaking,
                    At::both(
                        &pointer_of(old, &d.type_name),
                        &pointer_of(new, &d.type_name),
                        item,
                    ),
                    format!(
                        "`{}` no longer carries a credentials digest (`x-dialtone-digest`): `from_password` is removed",
                        d.type_name
                    ),
                );
            }
        }
        for d in &new.digests {
            if !old.digests.iter().any(|e| e.type_name == d.type_name) {
                let item = self.item(&format!("types::{}::from_password", d.type_name));
                self.push(
                    "digest-added",
                    Impact::Additive,
                    Impact::Additive,
                    At::both(
                        &pointer_of(old, &d.type_name),
                        &pointer_of(new, &d.type_name),
                        item,
                    ),
                    format!(
                        "`{}` carries a credentials digest (`x-dialtone-digest`): `from_password` is new",
                        d.type_name
                    ),
                );
            }
        }
        let old_groups: BTreeMap<&str, _> = old
            .rate_groups
            .iter()
            .map(|g| (g.wire.as_str(), g))
            .collect();
        let new_groups: BTreeMap<&str, _> = new
            .rate_groups
            .iter()
            .map(|g| (g.wire.as_str(), g))
            .collect();
        for (wire, g) in &old_groups {
            let item = self.item(&format!("RateLimitGroup::{}", g.rust_name));
            match new_groups.get(wire) {
                None => self.push(
                    "rate-limit-group-removed",
                    Impact::None,
                    Impact::Breaking,
                    At::both("/x-dialtone-rate-limits", "/x-dialtone-rate-limits", item),
                    format!("rate-limit group `{wire}` is gone: the `RateLimitGroup` variant is removed"),
                ),
                Some(n) if n.limit != g.limit => self.push(
                    "rate-limit-changed",
                    Impact::Additive,
                    Impact::None,
                    At::both("/x-dialtone-rate-limits", "/x-dialtone-rate-limits", item),
                    format!(
                        "group `{wire}`'s default client-side limit changes from {} to {}: only the pacing of calls changes; a limit set on the builder still wins",
                        show_limit(g.limit),
                        show_limit(n.limit)
                    ),
                ),
                Some(_) => {}
            }
        }
        for (wire, g) in &new_groups {
            if !old_groups.contains_key(wire) {
                let item = self.item(&format!("RateLimitGroup::{}", g.rust_name));
                self.push(
                    "rate-limit-group-added",
                    Impact::Additive,
                    Impact::Additive,
                    At::both("/x-dialtone-rate-limits", "/x-dialtone-rate-limits", item),
                    format!(
                        "rate-limit group `{wire}` is new (`RateLimitGroup` is non-exhaustive)"
                    ),
                );
            }
        }
    }

    fn auth(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_schemes: BTreeMap<&str, _> = old.auth.iter().map(|s| (s.key.as_str(), s)).collect();
        let new_schemes: BTreeMap<&str, _> = new.auth.iter().map(|s| (s.key.as_str(), s)).collect();
        let pointer = |key: &str| format!("/components/securitySchemes/{}", escape_token(key));
        for (key, s) in &old_schemes {
            let item = self.item(&format!("ClientBuilder::{}", s.method));
            match new_schemes.get(key) {
                None => self.push(
                    "auth-scheme-removed",
                    Impact::Breaking,
                    Impact::Breaking,
                    At {
                        old: Some(pointer(key)),
                        item,
                        ..At::default()
                    },
                    format!(
                        "security scheme `{key}` is gone: its builder method `{}` is removed and the vendor no longer accepts the credential",
                        s.method
                    ),
                ),
                Some(n) => {
                    if n.kind != s.kind {
                        self.push(
                            "auth-scheme-changed",
                            Impact::Breaking,
                            // Basic takes a user and a password, the others one secret.
                            if n.method == s.method
                                && (n.kind == AuthKind::Basic) == (s.kind == AuthKind::Basic)
                            {
                                Impact::None
                            } else {
                                Impact::Breaking
                            },
                            At::both(&pointer(key), &pointer(key), item.clone()),
                            format!(
                                "security scheme `{key}` now sends its credential {} instead of {}",
                                show_auth(&n.kind),
                                show_auth(&s.kind)
                            ),
                        );
                    } else if n.method != s.method {
                        self.push(
                            "auth-scheme-renamed",
                            Impact::None,
                            Impact::Breaking,
                            At::both(&pointer(key), &pointer(key), item.clone()),
                            format!("the builder method of `{key}` is renamed `{}` (was `{}`)", n.method, s.method),
                        );
                    }
                    if n.lifecycle != s.lifecycle {
                        let (wire, rust, why) = match (&s.lifecycle, &n.lifecycle) {
                            (None, Some(_)) => (
                                Impact::Additive,
                                Impact::Additive,
                                "the client can now obtain and renew tokens itself (`x-dialtone-auth`)",
                            ),
                            (Some(_), None) => (
                                Impact::Breaking,
                                Impact::Breaking,
                                "the client no longer obtains or renews tokens (`x-dialtone-auth` removed): its login methods are gone",
                            ),
                            _ => (
                                Impact::Breaking,
                                Impact::Breaking,
                                "how tokens are obtained or renewed (`x-dialtone-auth`) changed: login methods or the token calls differ",
                            ),
                        };
                        self.push(
                            "auth-lifecycle-changed",
                            wire,
                            rust,
                            At::both(&pointer(key), &pointer(key), item),
                            format!("security scheme `{key}`: {why}"),
                        );
                    }
                }
            }
        }
        for (key, s) in &new_schemes {
            if !old_schemes.contains_key(key) {
                let item = self.item(&format!("ClientBuilder::{}", s.method));
                self.push(
                    "auth-scheme-added",
                    Impact::Additive,
                    Impact::Additive,
                    At {
                        new: Some(pointer(key)),
                        item,
                        ..At::default()
                    },
                    format!(
                        "security scheme `{key}` is new: builder method `{}`",
                        s.method
                    ),
                );
            }
        }
    }

    fn operations(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ops: BTreeMap<&str, &Operation> =
            old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
        let new_ops: BTreeMap<&str, &Operation> =
            new.operations.iter().map(|o| (o.id.as_str(), o)).collect();
        let new_by_route: BTreeMap<_, &Operation> = new
            .operations
            .iter()
            .filter(|o| !old_ops.contains_key(o.id.as_str()))
            .map(|o| ((o.http_method.as_upper(), o.path_template.clone()), o))
            .collect();
        let mut renamed_to = BTreeSet::new();
        for (id, o) in &old_ops {
            match new_ops.get(id) {
                Some(n) => self.operation(o, n),
                None => {
                    let key = (o.http_method.as_upper(), o.path_template.clone());
                    if let Some(n) = new_by_route.get(&key) {
                        renamed_to.insert(n.id.clone());
                        let item = self.item(&format!("Client::{}", o.method_name));
                        self.push(
                            "operation-renamed",
                            Impact::None,
                            Impact::Breaking,
                            At::both(&o.pointer, &n.pointer, item).op(id),
                            format!(
                                "`{id}` is renamed `{}`: method `{}` becomes `{}` ({} {} is unchanged)",
                                n.id,
                                o.method_name,
                                n.method_name,
                                o.http_method.as_upper(),
                                o.path_template
                            ),
                        );
                        self.operation(o, n);
                    } else {
                        let item = self.item(&format!("Client::{}", o.method_name));
                        self.push(
                            "operation-removed",
                            Impact::Breaking,
                            Impact::Breaking,
                            At {
                                operation: Some(id.to_string()),
                                old: Some(o.pointer.clone()),
                                item,
                                ..At::default()
                            },
                            format!(
                                "`{id}` ({} {}) is gone: method `{}` and its builder `{}` are removed",
                                o.http_method.as_upper(),
                                o.path_template,
                                o.method_name,
                                o.builder_name
                            ),
                        );
                    }
                }
            }
        }
        for (id, n) in &new_ops {
            if !old_ops.contains_key(id) && !renamed_to.contains(*id) {
                let item = self.item(&format!("Client::{}", n.method_name));
                self.push(
                    "operation-added",
                    Impact::Additive,
                    Impact::Additive,
                    At {
                        operation: Some(id.to_string()),
                        new: Some(n.pointer.clone()),
                        item,
                        ..At::default()
                    },
                    format!(
                        "`{id}` ({} {}) is new: method `{}`",
                        n.http_method.as_upper(),
                        n.path_template,
                        n.method_name
                    ),
                );
            }
        }
    }

    /// One operation in both specs.
    fn operation(&mut self, o: &Operation, n: &Operation) {
        let id = o.id.clone();
        let at = |cx: &Self, suffix: &str, item: String| {
            At::both(
                &format!("{}{suffix}", o.pointer),
                &format!("{}{suffix}", n.pointer),
                cx.item(&item),
            )
            .op(&id)
        };
        let method = format!("Client::{}", n.method_name);
        if o.http_method != n.http_method || o.path_template != n.path_template {
            self.push(
                "operation-moved",
                Impact::Breaking,
                Impact::None,
                at(self, "", method.clone()),
                format!(
                    "`{id}` moves from {} {} to {} {}: requests go to the new route, which a server of the old version does not answer",
                    o.http_method.as_upper(),
                    o.path_template,
                    n.http_method.as_upper(),
                    n.path_template
                ),
            );
        }
        if o.docs != n.docs {
            self.push(
                "operation-docs-changed",
                Impact::None,
                Impact::None,
                at(self, "", method.clone()),
                format!("`{id}`'s summary or description changed"),
            );
        }
        if o.deprecated != n.deprecated {
            self.push(
                if n.deprecated {
                    "operation-deprecated"
                } else {
                    "operation-undeprecated"
                },
                Impact::None,
                Impact::None,
                at(self, "/deprecated", method.clone()),
                format!(
                    "`{id}` is {} deprecated (`#[deprecated]` only warns)",
                    if n.deprecated { "now" } else { "no longer" }
                ),
            );
        }
        if o.authenticated != n.authenticated || o.basic_auth != n.basic_auth {
            let tightened = n.authenticated && !o.authenticated || n.basic_auth && !o.basic_auth;
            self.push(
                "operation-security-changed",
                if tightened {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                if o.basic_auth != n.basic_auth {
                    Impact::Breaking
                } else {
                    Impact::None
                },
                at(self, "/security", method.clone()),
                if tightened {
                    format!(
                        "`{id}` now requires credentials it did not: calls without them are refused"
                    )
                } else {
                    format!("`{id}` no longer requires credentials")
                },
            );
        }
        if o.idempotent != n.idempotent {
            let was = o.idempotent.unwrap_or(is_idempotent(o.http_method));
            let is = n.idempotent.unwrap_or(is_idempotent(n.http_method));
            if was != is {
                self.push(
                    "idempotency-changed",
                    if is { Impact::Additive } else { Impact::Breaking },
                    Impact::None,
                    at(self, "/x-dialtone-idempotent", method.clone()),
                    if is {
                        format!("`{id}` is now replay-safe (`x-dialtone-idempotent`): the client may retry it after a transient failure")
                    } else {
                        format!("`{id}` is no longer replay-safe (`x-dialtone-idempotent`): calls the client retried after a transient failure now fail")
                    },
                );
            }
        }
        if o.throttling_group != n.throttling_group {
            self.push(
                "rate-limit-group-of-operation-changed",
                Impact::Additive,
                Impact::None,
                at(self, "/x-throttling-group", method.clone()),
                format!(
                    "`{id}` moves from rate-limit group {:?} to {:?}: only the pacing of its calls changes",
                    o.throttling_group, n.throttling_group
                ),
            );
        }
        if o.accept != n.accept {
            self.push(
                "accept-changed",
                Impact::Breaking,
                Impact::None,
                at(self, "/responses", method.clone()),
                format!(
                    "`{id}` asks for {:?} instead of {:?} (`Accept`)",
                    n.accept, o.accept
                ),
            );
        }
        self.params(o, n);
        self.body(o, n);
        self.success(o, n);
        self.errors(o, n);
        self.statuses(o, n);
        self.paging(o, n);
    }

    fn params(&mut self, o: &Operation, n: &Operation) {
        let id = &o.id;
        let key = |p: &Param| (p.location().name(), p.wire_name.clone());
        let old_p: BTreeMap<_, &Param> = o.params.iter().map(|p| (key(p), p)).collect();
        let new_p: BTreeMap<_, &Param> = n.params.iter().map(|p| (key(p), p)).collect();
        let pointer = |op: &Operation, _: &Param| format!("{}/parameters", op.pointer);
        let item = |cx: &Self, op: &Operation, p: &Param| {
            if p.required {
                cx.item(&format!("Client::{}({})", op.method_name, p.rust_name))
            } else {
                cx.item(&format!("operations::{}::{}", op.builder_name, p.rust_name))
            }
        };
        let mut paired_new = BTreeSet::new();
        for (k, p) in &old_p {
            let Some(q) = new_p.get(k) else {
                // Renamed (same place and type) or moved (same name and
                // type, another place)?
                let renamed = n.params.iter().find(|q| {
                    !old_p.contains_key(&key(q))
                        && !paired_new.contains(&key(q))
                        && q.location() == p.location()
                        && q.ty == p.ty
                        && q.required == p.required
                });
                let moved = n.params.iter().find(|q| {
                    !old_p.contains_key(&key(q))
                        && !paired_new.contains(&key(q))
                        && q.wire_name == p.wire_name
                });
                let at = At::both(&pointer(o, p), &pointer(n, p), item(self, o, p)).op(id);
                if let Some(q) = moved {
                    paired_new.insert(key(q));
                    self.push(
                        "parameter-moved",
                        Impact::Breaking,
                        if q.rust_name == p.rust_name && q.ty == p.ty && q.required == p.required {
                            Impact::None
                        } else {
                            Impact::Breaking
                        },
                        at,
                        format!(
                            "parameter `{}` of `{id}` moves from the {} to the {}: a server of the old version does not find it",
                            p.wire_name,
                            p.location().name(),
                            q.location().name()
                        ),
                    );
                } else if let Some(q) = renamed {
                    paired_new.insert(key(q));
                    self.push(
                        "parameter-renamed",
                        Impact::Breaking,
                        if q.rust_name == p.rust_name {
                            Impact::None
                        } else {
                            Impact::Breaking
                        },
                        at,
                        format!(
                            "{} parameter `{}` of `{id}` is renamed `{}` (Rust `{}` → `{}`)",
                            p.location().name(),
                            p.wire_name,
                            q.wire_name,
                            p.rust_name,
                            q.rust_name
                        ),
                    );
                } else {
                    self.push(
                        "parameter-removed",
                        Impact::Breaking,
                        Impact::Breaking,
                        At {
                            operation: Some(id.clone()),
                            old: Some(pointer(o, p)),
                            item: item(self, o, p),
                            ..At::default()
                        },
                        format!(
                            "{} parameter `{}` of `{id}` is gone: {} removed",
                            p.location().name(),
                            p.wire_name,
                            if p.required {
                                "the method's argument is"
                            } else {
                                "its setter is"
                            }
                        ),
                    );
                }
                continue;
            };
            let base = At::both(&pointer(o, p), &pointer(n, q), item(self, n, q)).op(id);
            if p.required != q.required {
                let at = clone_at(&base);
                if q.required {
                    self.push(
                        "parameter-made-required",
                        Impact::Breaking,
                        Impact::Breaking,
                        at,
                        format!(
                            "{} parameter `{}` of `{id}` is now required: it becomes an argument of `{}`, and requests without it are refused",
                            p.location().name(),
                            p.wire_name,
                            n.method_name
                        ),
                    );
                } else {
                    self.push(
                        "parameter-made-optional",
                        Impact::Additive,
                        Impact::Breaking,
                        at,
                        format!(
                            "{} parameter `{}` of `{id}` is now optional: it moves from an argument of `{}` to the setter `{}`",
                            p.location().name(),
                            p.wire_name,
                            n.method_name,
                            q.rust_name
                        ),
                    );
                }
            } else if p.rust_name != q.rust_name {
                let at = clone_at(&base);
                self.push(
                    "parameter-renamed",
                    Impact::None,
                    Impact::Breaking,
                    at,
                    format!(
                        "the Rust name of parameter `{}` changes from `{}` to `{}`",
                        p.wire_name, p.rust_name, q.rust_name
                    ),
                );
            }
            if p.encoding != q.encoding && p.location() == q.location() {
                let at = clone_at(&base);
                self.push(
                    "parameter-style-changed",
                    Impact::Breaking,
                    Impact::None,
                    at,
                    format!(
                        "parameter `{}` of `{id}` is written differently (`style`/`explode`/`content`): servers of the old version read it differently",
                        p.wire_name
                    ),
                );
            }
            let what = format!("parameter `{}` of `{id}`", p.wire_name);
            let at = clone_at(&base);
            types::compare_ty(self, &p.ty, &q.ty, types::Dir::Request, &what, at);
            if p.docs != q.docs || p.deprecated != q.deprecated {
                let at = At::both(&pointer(o, p), &pointer(n, q), item(self, n, q)).op(id);
                self.push(
                    "parameter-docs-changed",
                    Impact::None,
                    Impact::None,
                    at,
                    format!("{what}: description or deprecation changed"),
                );
            }
        }
        for (k, q) in &new_p {
            if old_p.contains_key(k) || paired_new.contains(k) {
                continue;
            }
            let at = At {
                operation: Some(id.clone()),
                new: Some(pointer(n, q)),
                item: item(self, n, q),
                ..At::default()
            };
            if q.required {
                self.push(
                    "required-parameter-added",
                    Impact::Breaking,
                    Impact::Breaking,
                    at,
                    format!(
                        "{} parameter `{}` of `{id}` is new and required: `{}` gains an argument, and requests without it are refused",
                        q.location().name(),
                        q.wire_name,
                        n.method_name
                    ),
                );
            } else {
                self.push(
                    "optional-parameter-added",
                    Impact::Additive,
                    Impact::Additive,
                    at,
                    format!(
                        "{} parameter `{}` of `{id}` is new and optional: setter `{}::{}`",
                        q.location().name(),
                        q.wire_name,
                        n.builder_name,
                        q.rust_name
                    ),
                );
            }
        }
    }

    fn body(&mut self, o: &Operation, n: &Operation) {
        let id = &o.id;
        let at = |cx: &Self| {
            At::both(
                &format!("{}/requestBody", o.pointer),
                &format!("{}/requestBody", n.pointer),
                cx.item(&format!("operations::{}::body", n.builder_name)),
            )
            .op(id)
        };
        match (&o.body, &n.body) {
            (None, None) => {}
            (None, Some(b)) => {
                let a = at(self);
                self.push(
                    if b.required {
                        "required-body-added"
                    } else {
                        "optional-body-added"
                    },
                    if b.required {
                        Impact::Breaking
                    } else {
                        Impact::Additive
                    },
                    if b.required {
                        Impact::Breaking
                    } else {
                        Impact::Additive
                    },
                    At { old: None, ..a },
                    format!(
                        "`{id}` now takes a {} request body",
                        if b.required { "required" } else { "optional" }
                    ),
                );
            }
            (Some(_), None) => {
                let a = at(self);
                self.push(
                    "body-removed",
                    Impact::Breaking,
                    Impact::Breaking,
                    At { new: None, ..a },
                    format!("`{id}` no longer takes a request body: `.body()` is removed"),
                );
            }
            (Some(a), Some(b)) => self.body_both(id, a, b, at(self)),
        }
    }

    fn body_both(&mut self, id: &str, a: &Body, b: &Body, at: At) {
        if a.media != b.media || a.content_type != b.content_type {
            let same_shape = std::mem::discriminant(&a.media) == std::mem::discriminant(&b.media)
                && !matches!(b.media, Media::Multipart(_) | Media::Form);
            self.push(
                "request-media-type-changed",
                Impact::Breaking,
                if same_shape {
                    Impact::None
                } else {
                    Impact::Breaking
                },
                At { ..clone_at(&at) },
                format!(
                    "`{id}`'s request body is sent as {} instead of {}",
                    show_media(&b.media, b.content_type.as_deref()),
                    show_media(&a.media, a.content_type.as_deref())
                ),
            );
        }
        if a.required != b.required {
            self.push(
                if b.required {
                    "body-made-required"
                } else {
                    "body-made-optional"
                },
                if b.required {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                Impact::None,
                clone_at(&at),
                format!(
                    "`{id}`'s request body is now {}",
                    if b.required {
                        "required: calls without `.body()` are refused"
                    } else {
                        "optional"
                    }
                ),
            );
        }
        if a.envelope != b.envelope {
            self.push(
                "request-envelope-changed",
                Impact::Breaking,
                Impact::None,
                clone_at(&at),
                format!("`{id}`'s request body is wrapped differently (request envelope)"),
            );
        }
        let what = format!("the request body of `{id}`");
        types::compare_ty(self, &a.ty, &b.ty, types::Dir::Request, &what, at);
    }

    fn success(&mut self, o: &Operation, n: &Operation) {
        let id = &o.id;
        let at = |cx: &Self| {
            At::both(
                &format!("{}/responses", o.pointer),
                &format!("{}/responses", n.pointer),
                cx.item(&format!("operations::{}::send", n.builder_name)),
            )
            .op(id)
        };
        let what = format!("the response of `{id}`");
        match (&o.success, &n.success) {
            (
                Success::Json {
                    ty: a,
                    envelope: ea,
                },
                Success::Json {
                    ty: b,
                    envelope: eb,
                },
            ) => {
                if ea != eb {
                    let at = at(self);
                    match (ea, eb) {
                        (Some(x), Some(y)) if x.field == y.field => {
                            types::compare_ty(self, &x.ty, &y.ty, types::Dir::Response, &what, at)
                        }
                        _ => self.push(
                            "response-envelope-changed",
                            Impact::Breaking,
                            Impact::Breaking,
                            at,
                            format!("`{id}`'s answer is unwrapped differently (response envelope): what `send` returns changes"),
                        ),
                    }
                } else {
                    let at = at(self);
                    types::compare_ty(self, a, b, types::Dir::Response, &what, at);
                }
            }
            (Success::Multi { variants: a, name }, Success::Multi { variants: b, .. }) => {
                let old_v: BTreeMap<_, _> = a.iter().map(|v| (v.status, v)).collect();
                let new_v: BTreeMap<_, _> = b.iter().map(|v| (v.status, v)).collect();
                for (status, v) in &old_v {
                    let item = self.item(&format!("operations::{name}::{}", v.rust_name));
                    match new_v.get(status) {
                        None => {
                            let a = at(self);
                            self.push(
                                "success-status-removed",
                                Impact::Breaking,
                                Impact::Breaking,
                                At { item, ..a },
                                format!(
                                    "`{id}` no longer answers {}: variant `{name}::{}` is removed",
                                    show_status(*status),
                                    v.rust_name
                                ),
                            )
                        }
                        Some(w) => {
                            self.payload(id, &v.body, &w.body, At { item, ..at(self) }, &what)
                        }
                    }
                }
                for (status, v) in &new_v {
                    if !old_v.contains_key(status) {
                        let item = self.item(&format!("operations::{name}::{}", v.rust_name));
                        let a = at(self);
                        self.push(
                            "success-status-added",
                            Impact::Additive,
                            Impact::Additive,
                            At { item, ..a },
                            format!("`{id}` may answer {}: new variant `{name}::{}` (the enum is non-exhaustive; the old crate returned it as `Other`)", show_status(*status), v.rust_name),
                        );
                    }
                }
            }
            (
                Success::Batch {
                    max: a, answer: x, ..
                },
                Success::Batch {
                    max: b, answer: y, ..
                },
            ) => {
                if a != b {
                    let at = at(self);
                    self.push(
                        "batch-size-changed",
                        if b < a { Impact::Breaking } else { Impact::Additive },
                        Impact::None,
                        At {
                            old: Some(format!("{}/x-dialtone-batch", o.pointer)),
                            new: Some(format!("{}/x-dialtone-batch", n.pointer)),
                            ..at
                        },
                        if b < a {
                            format!("`{id}` takes at most {b} ids per call (was {a}): `send` refuses longer lists (`send_chunked` splits them)")
                        } else {
                            format!("`{id}` takes up to {b} ids per call (was {a})")
                        },
                    );
                }
                if x != y {
                    let at = at(self);
                    self.push(
                        "batch-answer-changed",
                        Impact::Breaking,
                        Impact::Breaking,
                        at,
                        format!("the answer of `{id}`'s batch form decodes differently"),
                    );
                }
            }
            (a, b) if a == b => {}
            _ => {
                let at = at(self);
                let (wire, rust) = if matches!(o.success, Success::Empty)
                    && !matches!(n.success, Success::Multi { .. })
                {
                    (Impact::Additive, Impact::Breaking)
                } else {
                    (Impact::Breaking, Impact::Breaking)
                };
                self.push(
                    "response-changed",
                    wire,
                    rust,
                    at,
                    format!(
                        "what `{id}` answers changes from {} to {}: `send`'s return type changes",
                        show_success(&o.success),
                        show_success(&n.success)
                    ),
                );
            }
        }
    }

    fn payload(&mut self, id: &str, a: &Payload, b: &Payload, at: At, what: &str) {
        match (a, b) {
            (Payload::Json(x), Payload::Json(y)) => {
                types::compare_ty(self, x, y, types::Dir::Response, what, at)
            }
            (x, y) if x == y => {}
            _ => self.push(
                "response-media-type-changed",
                Impact::Breaking,
                Impact::Breaking,
                at,
                format!(
                    "a success answer of `{id}` changes media type: its variant holds another type"
                ),
            ),
        }
    }

    fn errors(&mut self, o: &Operation, n: &Operation) {
        let id = &o.id;
        let (old_v, name) = match (&o.errors, &n.errors) {
            (None, None) => return,
            (Some(e), _) => (e.variants.clone(), e.name.clone()),
            (None, Some(e)) => (Vec::new(), e.name.clone()),
        };
        let new_v = n
            .errors
            .as_ref()
            .map(|e| e.variants.clone())
            .unwrap_or_default();
        let at = |cx: &Self, item: String| {
            At::both(
                &format!("{}/responses", o.pointer),
                &format!("{}/responses", n.pointer),
                cx.item(&item),
            )
            .op(id)
        };
        let old_m: BTreeMap<_, _> = old_v.iter().map(|v| (status_key(v.status), v)).collect();
        let new_m: BTreeMap<_, _> = new_v.iter().map(|v| (status_key(v.status), v)).collect();
        for (k, v) in &old_m {
            let item = format!("operations::{name}::{}", v.rust_name);
            match new_m.get(k) {
                None => {
                    let a = at(self, item);
                    self.push(
                        "error-status-removed",
                        Impact::Breaking,
                        Impact::Breaking,
                        a,
                        format!("`{id}` no longer documents error {}: variant `{name}::{}` is removed and `from_error` no longer decodes that body", show_match(v.status), v.rust_name),
                    )
                }
                Some(w) => {
                    let what = format!("the {} error body of `{id}`", show_match(v.status));
                    let a = at(self, item);
                    types::compare_ty(self, &v.ty, &w.ty, types::Dir::Response, &what, a);
                }
            }
        }
        for (k, v) in &new_m {
            if !old_m.contains_key(k) {
                let item = format!("operations::{name}::{}", v.rust_name);
                let a = at(self, item);
                self.push(
                    "error-status-added",
                    Impact::Additive,
                    Impact::Additive,
                    a,
                    format!("`{id}` documents error {}: new variant `{name}::{}` (the enum is non-exhaustive)", show_match(v.status), v.rust_name),
                );
            }
        }
    }

    /// Documented statuses that no typed item shows (an error status
    /// with no body, a status when the crate has one error schema).
    fn statuses(&mut self, o: &Operation, n: &Operation) {
        let old_s: BTreeSet<&String> = o.statuses.iter().collect();
        let new_s: BTreeSet<&String> = n.statuses.iter().collect();
        let typed = |op: &Operation, s: &str| -> bool {
            let in_multi = match &op.success {
                Success::Multi { variants, .. } => variants
                    .iter()
                    .any(|v| v.status.map(|c| c.to_string()).as_deref() == Some(s)),
                _ => false,
            };
            let in_errors = op
                .errors
                .as_ref()
                .is_some_and(|errors| errors.variants.iter().any(|e| status_key(e.status) == s));
            in_multi || in_errors
        };
        let id = &o.id;
        for s in old_s.difference(&new_s) {
            if typed(o, s) {
                continue;
            }
            let success = s.starts_with('2');
            let item = self.item(&format!("Client::{}", n.method_name));
            self.push(
                "status-removed",
                if success {
                    Impact::Breaking
                } else {
                    Impact::None
                },
                Impact::None,
                At::both(
                    &format!("{}/responses", o.pointer),
                    &format!("{}/responses", n.pointer),
                    item,
                )
                .op(id),
                format!(
                    "`{id}` no longer documents status {s}{}",
                    if success {
                        ": an answer that was a success is now an error"
                    } else {
                        " (documentation)"
                    }
                ),
            );
        }
        for s in new_s.difference(&old_s) {
            if typed(n, s) {
                continue;
            }
            let item = self.item(&format!("Client::{}", n.method_name));
            self.push(
                "status-added",
                Impact::Additive,
                Impact::None,
                At::both(
                    &format!("{}/responses", o.pointer),
                    &format!("{}/responses", n.pointer),
                    item,
                )
                .op(id),
                format!("`{id}` documents status {s}"),
            );
        }
    }

    fn paging(&mut self, o: &Operation, n: &Operation) {
        let id = &o.id;
        let item = self.item(&format!("operations::{}::pages", n.builder_name));
        // Declared paging is at its extension; detected paging at the
        // operation.
        let where_ = |op: &Operation| match &op.paging {
            Some(p) if p.source == crate::ir::PagingSource::Declared => {
                format!("{}/x-dialtone-pagination", op.pointer)
            }
            _ => op.pointer.clone(),
        };
        let at = At::both(&where_(o), &where_(n), item).op(id);
        match (&o.paging, &n.paging) {
            (None, None) => {}
            (None, Some(_)) => self.push(
                "paging-added",
                Impact::Additive,
                Impact::Additive,
                at,
                format!("`{id}` now pages: `into_pages()` and `into_stream()` are new"),
            ),
            (Some(_), None) => self.push(
                "paging-removed",
                Impact::Breaking,
                Impact::Breaking,
                at,
                format!("`{id}` no longer pages: `into_pages()` and `into_stream()` are removed"),
            ),
            (Some(a), Some(b)) => {
                if std::mem::discriminant(&a.next) != std::mem::discriminant(&b.next) {
                    self.push(
                        "paging-style-changed",
                        Impact::Breaking,
                        Impact::None,
                        clone_at(&at),
                        format!(
                            "`{id}` pages by {} instead of {}: the next page is asked for differently",
                            show_next(&b.next),
                            show_next(&a.next)
                        ),
                    );
                } else if a.next != b.next || a.items != b.items {
                    self.push(
                        "paging-changed",
                        Impact::Breaking,
                        Impact::None,
                        clone_at(&at),
                        format!("`{id}` finds its items or next page elsewhere in a page"),
                    );
                }
                if a.item != b.item {
                    let what = format!("the items `{id}` pages through");
                    types::compare_ty(self, &a.item, &b.item, types::Dir::Response, &what, at);
                }
            }
        }
    }
}

pub(crate) fn clone_at(at: &At) -> At {
    At {
        operation: at.operation.clone(),
        old: at.old.clone(),
        new: at.new.clone(),
        item: at.item.clone(),
    }
}

/// A JSON pointer token (`~` and `/` escaped).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn status_key(m: StatusMatch) -> String {
    match m {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(d) => format!("{d}XX"),
        StatusMatch::Default => "default".to_owned(),
    }
}

fn show_match(m: StatusMatch) -> String {
    status_key(m)
}

fn show_status(s: Option<u16>) -> String {
    s.map_or("2XX".to_owned(), |c| c.to_string())
}

fn show_opt(t: Option<&TypeRef>) -> String {
    t.map_or("none".to_owned(), types::show)
}

fn show_limit(l: Option<(u32, u64)>) -> String {
    l.map_or("none".to_owned(), |(n, s)| format!("{n} per {s}s"))
}

fn show_auth(k: &AuthKind) -> String {
    match k {
        AuthKind::Header(h) => format!("in header `{h}`"),
        AuthKind::Query(q) => format!("in query parameter `{q}`"),
        AuthKind::Bearer => "as a bearer token".to_owned(),
        AuthKind::Cookie(c) => format!("in cookie `{c}`"),
        AuthKind::Basic => "as HTTP Basic (user and password)".to_owned(),
    }
}

fn show_media(m: &Media, content_type: Option<&str>) -> String {
    let base = match m {
        Media::Json => "JSON",
        Media::Form => "a form",
        Media::Multipart(_) => "multipart",
        Media::Text => "text",
        Media::Bytes => "bytes",
    };
    match content_type {
        Some(ct) => format!("{base} (`{ct}`)"),
        None => base.to_owned(),
    }
}

fn show_success(s: &Success) -> String {
    match s {
        Success::Empty => "no body".to_owned(),
        Success::Json { ty, .. } => format!("JSON {}", types::show(ty)),
        Success::Text => "text".to_owned(),
        Success::Bytes => "bytes".to_owned(),
        Success::Multi { name, .. } => format!("one of several statuses (`{name}`)"),
        Success::Batch { .. } => "a batch answer".to_owned(),
    }
}

fn show_next(n: &NextPage) -> &'static str {
    match n {
        NextPage::Cursor { .. } => "cursor",
        NextPage::Marked { .. } => "page number (marked)",
        NextPage::Counted { .. } => "page number (counted)",
        NextPage::Link => "`Link` header",
        NextPage::Url { .. } => "next-page URL",
    }
}

/// What HTTP says of replaying a method.
fn is_idempotent(m: crate::ir::HttpMethod) -> bool {
    use crate::ir::HttpMethod;
    !matches!(m, HttpMethod::Post | HttpMethod::Patch)
}
