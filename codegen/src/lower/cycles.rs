//! Recursive types: an alias that is only itself becomes a JSON value,
//! fields and variants that close a cycle of types (Tarjan's strongly
//! connected components) are boxed, and so are those through which types
//! would nest by value too deep for the compiler.

use std::collections::{BTreeMap, BTreeSet};

use super::Lowerer;
use crate::ir::*;

impl<'a> Lowerer<'a> {
    /// A type alias may not refer to itself, even through a `Vec`: an alias
    /// on a cycle of aliases only becomes `serde_json::Value`.
    pub(super) fn break_alias_cycles(&mut self) {
        let aliases: BTreeMap<String, usize> = self
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(t.kind, TypeKind::Alias(_)))
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        for start in aliases.values().copied() {
            // Follow alias -> alias edges from `start`; revisiting `start`
            // means a cycle, which is broken there.
            let mut seen = BTreeSet::new();
            let mut stack = vec![start];
            let mut cyclic = false;
            while let Some(i) = stack.pop() {
                let TypeKind::Alias(ty) = &self.types[i].kind else {
                    continue;
                };
                let mut names = Vec::new();
                mentioned(ty, &mut names);
                for n in names {
                    if let Some(&j) = aliases.get(n) {
                        if j == start {
                            cyclic = true;
                        } else if seen.insert(j) {
                            stack.push(j);
                        }
                    }
                }
            }
            if cyclic {
                let pointer = self.types[start].pointer.clone();
                self.types[start].kind = TypeKind::Alias(TypeRef::Json);
                self.note(
                    pointer,
                    "a schema that is only itself (through allOf members): any JSON value",
                );
            }
        }
    }

    /// Boxes every field and variant that closes a cycle of types, so that
    /// recursive and mutually recursive types have a finite size.
    pub(super) fn box_cycles(&mut self) {
        let index: BTreeMap<String, usize> = self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let edges: Vec<Vec<usize>> = self
            .types
            .iter()
            .map(|t| {
                direct_names(t)
                    .filter_map(|n| index.get(n).copied())
                    .collect()
            })
            .collect();
        let component = strongly_connected(&edges);
        let same = |from: usize, to: &TypeRef| match to {
            TypeRef::Named(n) => index
                .get(n)
                .is_some_and(|&j| component[j] == component[from]),
            _ => false,
        };
        for i in 0..self.types.len() {
            let mut kind =
                std::mem::replace(&mut self.types[i].kind, TypeKind::Alias(TypeRef::Json));
            match &mut kind {
                TypeKind::Struct { fields, .. } => {
                    for f in fields {
                        f.boxed = same(i, &f.ty);
                    }
                }
                TypeKind::Union { variants, .. } => {
                    for v in variants {
                        v.boxed = same(i, &v.ty);
                    }
                }
                TypeKind::Enum { .. } | TypeKind::Alias(_) => {}
            }
            self.types[i].kind = kind;
        }
    }

    /// Boxes the fields and variants through which types would nest by
    /// value more than [`MAX_BY_VALUE_NESTING`] deep. Runs after
    /// [`Self::box_cycles`], so what is left by value is acyclic; heights
    /// are computed without recursion, children first.
    pub(super) fn box_deep_nesting(&mut self) {
        let index: BTreeMap<String, usize> = self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let n = self.types.len();
        // The types each type holds by value (not boxed, not in a Vec).
        let children = |types: &[TypeDef], i: usize| -> Vec<usize> {
            let named = |ty: &TypeRef| match ty {
                TypeRef::Named(name) => index.get(name).copied(),
                _ => None,
            };
            match &types[i].kind {
                TypeKind::Struct { fields, .. } => fields
                    .iter()
                    .filter(|f| !f.boxed)
                    .filter_map(|f| named(&f.ty))
                    .collect(),
                TypeKind::Union { variants, .. } => variants
                    .iter()
                    .filter(|v| !v.boxed)
                    .filter_map(|v| named(&v.ty))
                    .collect(),
                TypeKind::Alias(ty) => named(ty).into_iter().collect(),
                TypeKind::Enum { .. } => Vec::new(),
            }
        };
        const UNKNOWN: usize = usize::MAX;
        let mut height = vec![UNKNOWN; n];
        for root in 0..n {
            if height[root] != UNKNOWN {
                continue;
            }
            // Depth-first, children before parents; `on_path` guards
            // against a cycle that boxing left (then it counts as 1).
            let mut on_path = vec![false; n];
            let mut stack = vec![(root, false)];
            while let Some((i, expanded)) = stack.pop() {
                if height[i] != UNKNOWN {
                    continue;
                }
                if !expanded {
                    on_path[i] = true;
                    stack.push((i, true));
                    for c in children(&self.types, i) {
                        if height[c] == UNKNOWN && !on_path[c] {
                            stack.push((c, false));
                        }
                    }
                    continue;
                }
                on_path[i] = false;
                let child_height = |c: usize| if height[c] == UNKNOWN { 0 } else { height[c] };
                // Box the children that would make this type too deep.
                let too_deep = |c: usize| child_height(c) >= MAX_BY_VALUE_NESTING;
                let named = |ty: &TypeRef| match ty {
                    TypeRef::Named(name) => index.get(name).copied(),
                    _ => None,
                };
                let mut own = 1;
                match &mut self.types[i].kind {
                    TypeKind::Struct { fields, .. } => {
                        for f in fields.iter_mut().filter(|f| !f.boxed) {
                            if let Some(c) = named(&f.ty) {
                                if too_deep(c) {
                                    f.boxed = true;
                                } else {
                                    own = own.max(child_height(c) + 1);
                                }
                            }
                        }
                    }
                    TypeKind::Union { variants, .. } => {
                        for v in variants.iter_mut().filter(|v| !v.boxed) {
                            if let Some(c) = named(&v.ty) {
                                if too_deep(c) {
                                    v.boxed = true;
                                } else {
                                    own = own.max(child_height(c) + 1);
                                }
                            }
                        }
                    }
                    // An alias adds no layout of its own.
                    TypeKind::Alias(ty) => {
                        if let Some(c) = named(ty) {
                            own = child_height(c);
                        }
                    }
                    TypeKind::Enum { .. } => {}
                }
                height[i] = own;
            }
        }
    }
}

/// How many types may nest by value (a struct holding a struct holding...)
/// before the next is boxed: the compiler computes layouts recursively,
/// and a chain of a few hundred (`A { b: B }`, `B { c: C }`...) exceeds its
/// recursion limit.
pub(super) const MAX_BY_VALUE_NESTING: usize = 32;

/// Every named type `ty` mentions, however deep.
pub(super) fn mentioned<'t>(ty: &'t TypeRef, out: &mut Vec<&'t str>) {
    match ty {
        TypeRef::Named(n) => out.push(n),
        TypeRef::Array(inner, _) | TypeRef::Map(inner) => mentioned(inner, out),
        _ => {}
    }
}

/// The types a type holds by value (not through a `Vec` or map).
pub(super) fn direct_names(t: &TypeDef) -> Box<dyn Iterator<Item = &str> + '_> {
    fn named(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(n) => Some(n.as_str()),
            _ => None,
        }
    }
    match &t.kind {
        TypeKind::Struct { fields, .. } => Box::new(fields.iter().filter_map(|f| named(&f.ty))),
        TypeKind::Union { variants, .. } => Box::new(variants.iter().filter_map(|v| named(&v.ty))),
        TypeKind::Alias(ty) => Box::new(named(ty).into_iter()),
        TypeKind::Enum { .. } => Box::new(std::iter::empty()),
    }
}

/// Tarjan's algorithm, iteratively: the component of every node; nodes
/// on a cycle (including a self-loop) share one with another node or
/// with themselves through an edge.
pub(super) fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn cycles_share_a_component() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 -> 0
        let c = strongly_connected(&[vec![1], vec![2], vec![0], vec![3], vec![0]]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[0]);
    }
}
