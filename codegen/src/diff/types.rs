//! Named types and type references: fields, enum values, union variants,
//! constraints. Whether a change breaks depends on which way the type
//! travels: a tightened constraint refuses requests but decodes answers
//! the same; a new required field breaks requests (and `new`), not
//! answers on the wire.

use std::collections::{BTreeMap, BTreeSet};

use super::{At, Cx, Impact, clone_at, escape_token};
use crate::ir::{Api, Constraints, Field, Success, TypeDef, TypeKind, TypeRef};

/// Which way values of a type travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Request,
    Response,
    Both,
}

impl Dir {
    fn request(self) -> bool {
        matches!(self, Dir::Request | Dir::Both)
    }
    fn response(self) -> bool {
        matches!(self, Dir::Response | Dir::Both)
    }
}

/// How a type is written in messages.
pub(crate) fn show(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => format!("`{n}`"),
        TypeRef::String(_) => "a string".to_owned(),
        TypeRef::Secret(_) => "a secret string".to_owned(),
        TypeRef::Integer { bits, .. } => format!("an {bits}-bit integer"),
        TypeRef::Number(_) => "a number".to_owned(),
        TypeRef::Bool => "a boolean".to_owned(),
        TypeRef::Array(inner, _) => format!("a list of {}", show(inner)),
        TypeRef::Map(inner) => format!("a map of {}", show(inner)),
        TypeRef::Json => "any JSON".to_owned(),
        TypeRef::Base64 => "base64 bytes".to_owned(),
        TypeRef::Binary => "binary".to_owned(),
    }
}

/// Compares the types of one value (a field, a parameter, a body) and
/// reports a retyping or each constraint tightened or loosened. A named
/// type of the same name is compared once, on its own.
pub(crate) fn compare_ty(cx: &mut Cx, a: &TypeRef, b: &TypeRef, dir: Dir, what: &str, at: At) {
    match (a, b) {
        (TypeRef::Named(x), TypeRef::Named(y)) if x == y => {}
        (TypeRef::String(x), TypeRef::String(y))
        | (TypeRef::Secret(x), TypeRef::Secret(y))
        | (TypeRef::Number(x), TypeRef::Number(y)) => constraints(cx, x, y, dir, what, at),
        (
            TypeRef::Integer {
                bits: ba,
                constraints: x,
            },
            TypeRef::Integer {
                bits: bb,
                constraints: y,
            },
        ) if ba == bb => constraints(cx, x, y, dir, what, at),
        (TypeRef::Array(ia, x), TypeRef::Array(ib, y)) => {
            let inner = format!("the items of {what}");
            compare_ty(cx, ia, ib, dir, &inner, clone_at(&at));
            constraints(cx, x, y, dir, what, at);
        }
        (TypeRef::Map(ia), TypeRef::Map(ib)) => {
            let inner = format!("the values of {what}");
            compare_ty(cx, ia, ib, dir, &inner, at);
        }
        (x, y) if x == y => {}
        _ => cx.push(
            "type-changed",
            Impact::Breaking,
            Impact::Breaking,
            at,
            format!(
                "{what} changes from {} to {}: its Rust type changes, and values of the old type {}",
                show(a),
                show(b),
                if dir.request() {
                    "are refused"
                } else {
                    "no longer decode"
                }
            ),
        ),
    }
}

/// Each constraint tightened (requests that passed are now refused) or
/// loosened (requests that were refused now pass). Answers are not
/// checked against constraints, so for a type only answers use nothing
/// changes for users.
fn constraints(cx: &mut Cx, x: &Constraints, y: &Constraints, dir: Dir, what: &str, at: At) {
    let mut tightened = Vec::new();
    let mut loosened = Vec::new();
    let mut lower = |name: &str, a: Option<f64>, b: Option<f64>| match (a, b) {
        (None, Some(v)) => tightened.push(format!("{name} {v} added")),
        (Some(v), None) => loosened.push(format!("{name} {v} removed")),
        (Some(u), Some(v)) if v > u => tightened.push(format!("{name} {u} → {v}")),
        (Some(u), Some(v)) if v < u => loosened.push(format!("{name} {u} → {v}")),
        _ => {}
    };
    let f = |v: Option<usize>| v.map(|v| v as f64);
    lower("minLength", f(x.min_length), f(y.min_length));
    lower("minimum", x.minimum, y.minimum);
    lower("minItems", f(x.min_items), f(y.min_items));
    // Upper bounds tighten downwards: compare their negations.
    let neg = |v: Option<f64>| v.map(|v| -v);
    let mut upper = Vec::new();
    let mut upper_loose = Vec::new();
    for (name, a, b) in [
        ("maxLength", f(x.max_length), f(y.max_length)),
        ("maximum", x.maximum, y.maximum),
        ("maxItems", f(x.max_items), f(y.max_items)),
    ] {
        match (neg(a), neg(b)) {
            (None, Some(_)) => upper.push(format!("{name} {} added", b.unwrap_or_default())),
            (Some(_), None) => {
                upper_loose.push(format!("{name} {} removed", a.unwrap_or_default()))
            }
            (Some(u), Some(v)) if v > u => upper.push(format!(
                "{name} {} → {}",
                a.unwrap_or_default(),
                b.unwrap_or_default()
            )),
            (Some(u), Some(v)) if v < u => upper_loose.push(format!(
                "{name} {} → {}",
                a.unwrap_or_default(),
                b.unwrap_or_default()
            )),
            _ => {}
        }
    }
    tightened.extend(upper);
    loosened.extend(upper_loose);
    let pa = x.pattern.map(|i| cx.old.patterns[i].source.clone());
    let pb = y.pattern.map(|i| cx.new.patterns[i].source.clone());
    match (&pa, &pb) {
        (None, Some(p)) => tightened.push(format!("pattern `{p}` added")),
        (Some(p), None) => loosened.push(format!("pattern `{p}` removed")),
        (Some(p), Some(q)) if p != q => tightened.push(format!(
            "pattern `{p}` → `{q}` (assumed to refuse something)"
        )),
        _ => {}
    }
    let (va, vb): (BTreeSet<i64>, BTreeSet<i64>) = (
        x.int_values.iter().copied().collect(),
        y.int_values.iter().copied().collect(),
    );
    if va != vb {
        if va.is_empty() {
            tightened.push(format!("allowed values {vb:?} added"));
        } else if vb.is_empty() {
            loosened.push("allowed values removed".to_owned());
        } else {
            let gone: Vec<_> = va.difference(&vb).collect();
            let came: Vec<_> = vb.difference(&va).collect();
            if !gone.is_empty() {
                tightened.push(format!("values {gone:?} no longer allowed"));
            }
            if !came.is_empty() {
                loosened.push(format!("values {came:?} now allowed"));
            }
        }
    }
    if !tightened.is_empty() {
        let wire = if dir.request() {
            Impact::Breaking
        } else {
            Impact::None
        };
        cx.push(
            "constraint-tightened",
            wire,
            Impact::None,
            clone_at(&at),
            format!(
                "{what}: {}{}",
                tightened.join(", "),
                if dir.request() {
                    "; requests that passed are now refused before they are sent"
                } else {
                    "; only answers carry it, and answers are not checked"
                }
            ),
        );
    }
    if !loosened.is_empty() {
        let wire = if dir.request() {
            Impact::Additive
        } else {
            Impact::None
        };
        cx.push(
            "constraint-loosened",
            wire,
            Impact::None,
            at,
            format!(
                "{what}: {}{}",
                loosened.join(", "),
                if dir.request() {
                    "; values that were refused are now sent"
                } else {
                    "; only answers carry it, and answers are not checked"
                }
            ),
        );
    }
}

/// Named types reached from requests and from answers.
/// The types an operation sends and those it answers with.
fn op_roots(op: &crate::ir::Operation) -> (Vec<TypeRef>, Vec<TypeRef>) {
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    for p in &op.params {
        requests.push(p.ty.clone());
    }
    if let Some(b) = &op.body {
        requests.push(b.ty.clone());
    }
    match &op.success {
        Success::Json { ty, envelope } => {
            responses.push(ty.clone());
            if let Some(e) = envelope {
                responses.push(e.ty.clone());
            }
        }
        Success::Multi { variants, .. } => {
            for v in variants {
                if let crate::ir::Payload::Json(t) = &v.body {
                    responses.push(t.clone());
                }
            }
        }
        Success::Batch { answer, .. } => match answer {
            crate::ir::BatchAnswer::Parts { item, .. } => responses.push(item.clone()),
            crate::ir::BatchAnswer::Whole(t) => responses.push(t.clone()),
        },
        Success::Empty | Success::Text | Success::Bytes => {}
    }
    if let Some(errors) = &op.errors {
        responses.extend(errors.variants.iter().map(|e| e.ty.clone()));
    }
    if let Some(p) = &op.paging {
        responses.push(p.page.clone());
        responses.push(p.item.clone());
    }
    (requests, responses)
}

/// Every named type reached from `roots`.
fn reach(api: &Api, roots: Vec<TypeRef>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    // Each named type is expanded once: bounded by the number of types.
    while let Some(t) = stack.pop() {
        match t {
            TypeRef::Named(n) => {
                if !seen.insert(n.clone()) {
                    continue;
                }
                match api.type_named(&n).map(|t| &t.kind) {
                    Some(TypeKind::Struct { fields, .. }) => {
                        stack.extend(fields.iter().map(|f| f.ty.clone()))
                    }
                    Some(TypeKind::Union { variants, .. }) => {
                        stack.extend(variants.iter().map(|v| v.ty.clone()))
                    }
                    Some(TypeKind::Alias(t)) => stack.push(t.clone()),
                    Some(TypeKind::Enum { .. }) | None => {}
                }
            }
            TypeRef::Array(inner, _) | TypeRef::Map(inner) => stack.push(*inner),
            _ => {}
        }
    }
    seen
}

/// The operations that send or answer with each named type.
fn users(api: &Api) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        let (mut roots, responses) = op_roots(op);
        roots.extend(responses);
        for name in reach(api, roots) {
            out.entry(name).or_default().insert(op.id.clone());
        }
    }
    out
}

fn directions(api: &Api) -> BTreeMap<String, Dir> {
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    for op in &api.operations {
        let (req, resp) = op_roots(op);
        requests.extend(req);
        responses.extend(resp);
    }
    if let Some(t) = &api.error_type {
        responses.push(t.clone());
    }
    let req = reach(api, requests);
    let resp = reach(api, responses);
    let mut out = BTreeMap::new();
    for t in &api.types {
        let dir = match (req.contains(&t.name), resp.contains(&t.name)) {
            (true, true) => Dir::Both,
            (true, false) => Dir::Request,
            (false, true) => Dir::Response,
            // Unused by any operation: treat as both, to be safe.
            (false, false) => Dir::Both,
        };
        out.insert(t.name.clone(), dir);
    }
    out
}

fn merge(a: Option<Dir>, b: Option<Dir>) -> Dir {
    match (a, b) {
        (Some(x), Some(y)) if x == y => x,
        (Some(x), None) | (None, Some(x)) => x,
        _ => Dir::Both,
    }
}

/// Every named type in either spec.
pub(crate) fn types(cx: &mut Cx) {
    let start = cx.out.len();
    compare_types(cx);
    // Name the operations each changed type reaches, for the reviewer.
    let (used_old, used_new) = (users(cx.old), users(cx.new));
    let prefix = format!("{}::types::", cx.krate);
    for c in &mut cx.out[start..] {
        let Some(rest) = c.rust_item.strip_prefix(&prefix) else {
            continue;
        };
        let ty = rest.split("::").next().unwrap_or(rest);
        let ops: BTreeSet<&String> = used_old
            .get(ty)
            .into_iter()
            .chain(used_new.get(ty))
            .flatten()
            .collect();
        if ops.is_empty() {
            continue;
        }
        let mut shown: Vec<String> = ops.iter().take(5).map(|o| format!("`{o}`")).collect();
        if ops.len() > 5 {
            shown.push(format!("{} more", ops.len() - 5));
        }
        c.message
            .push_str(&format!("; used by {}", shown.join(", ")));
    }
}

fn compare_types(cx: &mut Cx) {
    let (old, new) = (cx.old, cx.new);
    let dir_old = directions(old);
    let dir_new = directions(new);
    let old_t: BTreeMap<&str, &TypeDef> = old.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_t: BTreeMap<&str, &TypeDef> = new.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, a) in &old_t {
        let item = cx.item(&format!("types::{name}"));
        let Some(b) = new_t.get(name) else {
            cx.push(
                "type-removed",
                Impact::Breaking,
                Impact::Breaking,
                At {
                    old: Some(a.pointer.clone()),
                    item,
                    ..At::default()
                },
                format!("type `{name}` is gone"),
            );
            continue;
        };
        let dir = merge(dir_old.get(*name).copied(), dir_new.get(*name).copied());
        let at = At::both(&a.pointer, &b.pointer, item);
        if a.docs != b.docs {
            cx.push(
                "type-docs-changed",
                Impact::None,
                Impact::None,
                clone_at(&at),
                format!("the description of `{name}` changed"),
            );
        }
        match (&a.kind, &b.kind) {
            (
                TypeKind::Struct {
                    fields: fa,
                    extra: ea,
                },
                TypeKind::Struct {
                    fields: fb,
                    extra: eb,
                },
            ) => {
                structs(cx, a, b, fa, fb, dir);
                if ea.is_some() != eb.is_some() {
                    cx.push(
                        if eb.is_some() { "additional-properties-allowed" } else { "additional-properties-forbidden" },
                        if eb.is_some() { Impact::Additive } else { Impact::Breaking },
                        if eb.is_some() { Impact::Additive } else { Impact::Breaking },
                        at,
                        if eb.is_some() {
                            format!("`{name}` now keeps properties the spec does not list (a new map field; the struct is non-exhaustive)")
                        } else {
                            format!("`{name}` no longer keeps unlisted properties: its map field is removed")
                        },
                    );
                }
            }
            (TypeKind::Enum { variants: va }, TypeKind::Enum { variants: vb }) => {
                let wa: BTreeMap<&str, &str> = va
                    .iter()
                    .map(|v| (v.wire_name.as_str(), v.rust_name.as_str()))
                    .collect();
                let wb: BTreeMap<&str, &str> = vb
                    .iter()
                    .map(|v| (v.wire_name.as_str(), v.rust_name.as_str()))
                    .collect();
                for (w, r) in &wa {
                    let item = cx.item(&format!("types::{name}::{r}"));
                    let at = At::both(
                        &format!("{}/enum", a.pointer),
                        &format!("{}/enum", b.pointer),
                        item,
                    );
                    match wb.get(w) {
                        None => cx.push(
                            "enum-value-removed",
                            if dir.request() { Impact::Breaking } else { Impact::Additive },
                            Impact::Breaking,
                            at,
                            format!(
                                "`{name}` loses value {w:?}: variant `{r}` is removed; requests that send it are refused{}",
                                if dir.response() { ", and answers that carry it decode as `Unrecognized`" } else { "" }
                            ),
                        ),
                        Some(r2) if r2 != r => cx.push(
                            "enum-variant-renamed",
                            Impact::None,
                            Impact::Breaking,
                            at,
                            format!("the variant of `{name}` for {w:?} is renamed `{r2}` (was `{r}`)"),
                        ),
                        Some(_) => {}
                    }
                }
                for (w, r) in &wb {
                    if !wa.contains_key(w) {
                        let item = cx.item(&format!("types::{name}::{r}"));
                        let at = At::both(
                            &format!("{}/enum", a.pointer),
                            &format!("{}/enum", b.pointer),
                            item,
                        );
                        cx.push(
                            "enum-value-added",
                            Impact::Additive,
                            Impact::Additive,
                            at,
                            format!("`{name}` gains value {w:?}: variant `{r}` (the enum is open and non-exhaustive; the old crate decoded it as `Unrecognized`)"),
                        );
                    }
                }
            }
            (
                TypeKind::Union {
                    variants: va,
                    tag: ta,
                },
                TypeKind::Union {
                    variants: vb,
                    tag: tb,
                },
            ) => {
                if ta != tb {
                    cx.push(
                        "union-tag-changed",
                        Impact::Breaking,
                        Impact::None,
                        clone_at(&at),
                        format!("`{name}` is told apart by {ta:?} → {tb:?}: its values decode and encode differently"),
                    );
                }
                let ma: BTreeMap<&str, _> = va.iter().map(|v| (v.rust_name.as_str(), v)).collect();
                let mb: BTreeMap<&str, _> = vb.iter().map(|v| (v.rust_name.as_str(), v)).collect();
                for (r, v) in &ma {
                    let item = cx.item(&format!("types::{name}::{r}"));
                    let at = At::both(&a.pointer, &b.pointer, item);
                    match mb.get(r) {
                        None => cx.push(
                            "union-variant-removed",
                            Impact::Breaking,
                            Impact::Breaking,
                            at,
                            format!("`{name}` loses variant `{r}`"),
                        ),
                        Some(w) => {
                            if w.tags != v.tags {
                                cx.push(
                                    "union-variant-tag-changed",
                                    Impact::Breaking,
                                    Impact::None,
                                    clone_at(&at),
                                    format!(
                                        "variant `{name}::{r}` is selected by tags {:?} (was {:?})",
                                        w.tags, v.tags
                                    ),
                                );
                            }
                            let what = format!("variant `{name}::{r}`");
                            compare_ty(cx, &v.ty, &w.ty, dir, &what, at);
                        }
                    }
                }
                for r in mb.keys() {
                    if !ma.contains_key(r) {
                        let item = cx.item(&format!("types::{name}::{r}"));
                        cx.push(
                            "union-variant-added",
                            Impact::Additive,
                            Impact::Additive,
                            At::both(&a.pointer, &b.pointer, item),
                            format!("`{name}` gains variant `{r}` (the enum is non-exhaustive; the old crate decoded such values as `Unknown`)"),
                        );
                    }
                }
            }
            (TypeKind::Alias(x), TypeKind::Alias(y)) => {
                let what = format!("type `{name}`");
                compare_ty(cx, x, y, dir, &what, at);
            }
            _ => cx.push(
                "type-kind-changed",
                Impact::Breaking,
                Impact::Breaking,
                at,
                format!(
                    "`{name}` changes kind (struct, enum, union or alias): every use of it changes"
                ),
            ),
        }
    }
    for (name, b) in &new_t {
        if !old_t.contains_key(name) {
            let item = cx.item(&format!("types::{name}"));
            cx.push(
                "type-added",
                Impact::Additive,
                Impact::Additive,
                At {
                    new: Some(b.pointer.clone()),
                    item,
                    ..At::default()
                },
                format!("type `{name}` is new"),
            );
        }
    }
}

fn field_pointer(t: &TypeDef, f: &Field) -> String {
    format!("{}/properties/{}", t.pointer, escape_token(&f.wire_name))
}

fn structs(cx: &mut Cx, a: &TypeDef, b: &TypeDef, fa: &[Field], fb: &[Field], dir: Dir) {
    let name = &b.name;
    let ma: BTreeMap<&str, &Field> = fa.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    let mb: BTreeMap<&str, &Field> = fb.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    let mut paired = BTreeSet::new();
    for (w, f) in &ma {
        let item = cx.item(&format!("types::{name}::{}", f.rust_name));
        let Some(g) = mb.get(w) else {
            let renamed = fb.iter().find(|g| {
                !ma.contains_key(g.wire_name.as_str())
                    && !paired.contains(&g.wire_name)
                    && g.ty == f.ty
                    && g.required == f.required
                    && g.nullable == f.nullable
            });
            if let Some(g) = renamed {
                paired.insert(g.wire_name.clone());
                cx.push(
                    "field-renamed",
                    Impact::Breaking,
                    Impact::Breaking,
                    At::both(&field_pointer(a, f), &field_pointer(b, g), item),
                    format!(
                        "property {w:?} of `{name}` is renamed {:?}: field `{}` becomes `{}`",
                        g.wire_name, f.rust_name, g.rust_name
                    ),
                );
            } else {
                cx.push(
                    "field-removed",
                    if f.required || dir.request() { Impact::Breaking } else { Impact::Additive },
                    Impact::Breaking,
                    At {
                        old: Some(field_pointer(a, f)),
                        item,
                        ..At::default()
                    },
                    format!(
                        "property {w:?} of `{name}` is gone: field `{}` and its setter are removed{}",
                        f.rust_name,
                        if f.required { " (and `new` loses an argument)" } else { "" }
                    ),
                );
            }
            continue;
        };
        let at = At::both(&field_pointer(a, f), &field_pointer(b, g), item);
        if f.required != g.required {
            if g.required {
                cx.push(
                    "field-made-required",
                    if dir.request() { Impact::Breaking } else { Impact::Additive },
                    Impact::Breaking,
                    clone_at(&at),
                    format!(
                        "property {w:?} of `{name}` is now required: `new` takes it and the field is no longer an `Option`{}",
                        if dir.request() { "; requests without it are refused" } else { "" }
                    ),
                );
            } else {
                cx.push(
                    "field-made-optional",
                    if dir.response() { Impact::Breaking } else { Impact::Additive },
                    Impact::Breaking,
                    clone_at(&at),
                    format!(
                        "property {w:?} of `{name}` is now optional: the field becomes an `Option` and `new` no longer takes it{}",
                        if dir.response() { "; answers may now lack it" } else { "" }
                    ),
                );
            }
        } else if f.nullable != g.nullable {
            cx.push(
                if g.nullable {
                    "field-made-nullable"
                } else {
                    "field-made-non-nullable"
                },
                if g.nullable && dir.response() || !g.nullable && dir.request() {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                Impact::Breaking,
                clone_at(&at),
                format!(
                    "property {w:?} of `{name}` is {} nullable: the field's Rust type changes{}",
                    if g.nullable { "now" } else { "no longer" },
                    if g.nullable && dir.response() {
                        "; answers may carry null"
                    } else if !g.nullable && dir.request() {
                        "; requests that send null are refused"
                    } else {
                        ""
                    }
                ),
            );
        } else if f.rust_name != g.rust_name || f.setter != g.setter {
            cx.push(
                "field-rust-name-changed",
                Impact::None,
                Impact::Breaking,
                clone_at(&at),
                format!(
                    "the Rust name of property {w:?} of `{name}` changes from `{}` to `{}`",
                    f.rust_name, g.rust_name
                ),
            );
        }
        if f.lenient != g.lenient {
            cx.push(
                "field-lenience-changed",
                if g.lenient {
                    Impact::Additive
                } else {
                    Impact::Breaking
                },
                Impact::None,
                clone_at(&at),
                format!(
                    "property {w:?} of `{name}` {} (`x-dialtone-lenient`)",
                    if g.lenient {
                        "now also decodes from a string"
                    } else {
                        "no longer decodes from a string"
                    }
                ),
            );
        }
        if f.docs != g.docs {
            cx.push(
                "field-docs-changed",
                Impact::None,
                Impact::None,
                clone_at(&at),
                format!("the description of property {w:?} of `{name}` changed"),
            );
        }
        let what = format!("property {w:?} of `{name}`");
        compare_ty(cx, &f.ty, &g.ty, dir, &what, at);
    }
    for (w, g) in &mb {
        if ma.contains_key(w) || paired.contains(&g.wire_name) {
            continue;
        }
        let item = cx.item(&format!("types::{name}::{}", g.rust_name));
        let at = At {
            new: Some(field_pointer(b, g)),
            item,
            ..At::default()
        };
        if g.required {
            cx.push(
                "required-field-added",
                if dir.request() {
                    Impact::Breaking
                } else {
                    Impact::Additive
                },
                Impact::Breaking,
                at,
                format!(
                    "property {w:?} of `{name}` is new and required: `new` gains an argument{}",
                    if dir.request() {
                        "; requests without it are refused"
                    } else {
                        ""
                    }
                ),
            );
        } else {
            cx.push(
                "optional-field-added",
                Impact::Additive,
                Impact::Additive,
                at,
                format!(
                    "property {w:?} of `{name}` is new and optional: field `{}` and setter `{}` (the struct is non-exhaustive)",
                    g.rust_name, g.setter
                ),
            );
        }
    }
}
