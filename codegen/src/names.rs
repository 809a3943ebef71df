//! Rust names: always valid identifiers, stable, and unique within a scope.

use std::collections::{HashMap, HashSet};

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keeps ASCII letters, digits and `_`; everything else separates words.
/// A name with no ASCII letter or digit at all spells its other letters
/// as code points (`日本` -> `u65e5 u672c`), so it stays distinct.
fn words(raw: &str) -> String {
    if !raw.chars().any(|c| c.is_ascii_alphanumeric()) {
        return raw
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| format!("u{:x} ", c as u32))
            .collect();
    }
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// The longest identifier kept whole. rustdoc writes a file per type, and
/// file names are limited to 255 bytes: a longer name keeps its start and
/// a hash of the whole, so that it stays distinct.
const MAX_LEN: usize = 64;

fn capped(name: String, sep: &str) -> String {
    if name.len() <= MAX_LEN {
        return name;
    }
    // FNV-1a: stable across runs and machines.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    // Names are ASCII (see `words`), so any byte index is a boundary.
    let start = name[..MAX_LEN].trim_end_matches('_');
    format!("{start}{sep}{hash:08x}")
}

/// A snake_case identifier for `raw` (field, method, parameter).
pub fn snake(raw: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    capped(name, "_")
}

/// Comparison operators a parameter's name may end with, longest first,
/// and the words that replace them in its Rust name: Twilio filters a
/// listing with `DateSent`, `DateSent<` and `DateSent>`, which become
/// `date_sent`, `date_sent_before` and `date_sent_after`. The words are
/// the same whatever the parameter's type (these suffixes filter dates in
/// the APIs that use them), so a name never depends on its schema.
pub const OPERATOR_SUFFIXES: &[(&str, &str)] = &[
    ("<=", "on_or_before"),
    (">=", "on_or_after"),
    ("!=", "not"),
    ("<", "before"),
    (">", "after"),
];

/// A parameter's name with a trailing comparison operator spelt as words
/// ([`OPERATOR_SUFFIXES`]): `DateSent<` -> `DateSent before`. A name that
/// is nothing but an operator, or whose rest has no ASCII letter or digit,
/// is returned as it is.
pub fn operator_words(raw: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = raw.trim_end();
    for (operator, words) in OPERATOR_SUFFIXES {
        if let Some(stem) = trimmed.strip_suffix(operator)
            && stem.chars().any(|c| c.is_ascii_alphanumeric())
        {
            return format!("{stem} {words}").into();
        }
    }
    raw.into()
}

/// A snake_case identifier for a parameter named `raw`: [`snake`] of its
/// [`operator_words`], so that `DateSent<` is `date_sent_before` rather
/// than a numbered `date_sent_2`. Uniqueness is still the scope's:
/// `DateSent<` beside `DateSentBefore` gets a suffix.
pub fn param(raw: &str) -> String {
    snake(&operator_words(raw))
}

/// An UpperCamelCase identifier for `raw` (type, variant).
pub fn camel(raw: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    capped(name, "")
}

/// A SCREAMING_SNAKE_CASE identifier for `raw` (a static).
pub fn screaming(raw: &str) -> String {
    let mut name = words(raw).to_shouty_snake_case();
    if name.is_empty() {
        name = "VALUE".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    capped(name, "_").to_ascii_uppercase()
}

/// Names handed out in one scope; a taken name gets a numeric suffix.
///
/// Claiming is O(1) amortised however many names share a base: the scope
/// remembers, per suffixed stem, the lowest number that may still be free.
/// Between [`Scope::begin`] and [`Scope::commit`] or [`Scope::rollback`]
/// it journals its changes, so that a failed trial can be undone without
/// copying the scope.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: HashSet<String>,
    /// Per stem (`base` plus separator): every `stem{k}` with
    /// `2 <= k < next[stem]` is taken.
    next: HashMap<String, u64>,
    journal: Option<Vec<Undo>>,
}

/// What [`Scope::rollback`] undoes.
#[derive(Debug, Clone)]
enum Undo {
    Took(String),
    Next(String, Option<u64>),
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
            ..Scope::default()
        }
    }

    /// `name`, or `name2`, `name3`... (`name_2` for snake_case names): the
    /// lowest free one.
    pub fn claim(&mut self, name: String) -> String {
        if !self.taken.contains(&name) {
            self.take(name.clone());
            return name;
        }
        // snake_case names get `_2`; CamelCase ones (even `Self_`) `2`.
        let sep = if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            ""
        } else {
            "_"
        };
        let stem = format!("{}{sep}", name.trim_end_matches('_'));
        let from = self.next.get(&stem).copied().unwrap_or(2);
        let (n, candidate) = (from..)
            .map(|n| (n, format!("{stem}{n}")))
            .find(|(_, candidate)| !self.taken.contains(candidate))
            .expect("an unbounded range always yields a free name");
        let before = self.next.insert(stem.clone(), n + 1);
        if let Some(journal) = &mut self.journal {
            journal.push(Undo::Next(stem, before));
        }
        self.take(candidate.clone());
        candidate
    }

    fn take(&mut self, name: String) {
        if let Some(journal) = &mut self.journal {
            journal.push(Undo::Took(name.clone()));
        }
        self.taken.insert(name);
    }

    /// Starts journaling claims (a trial): [`Scope::rollback`] undoes them.
    pub fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Keeps the claims made since [`Scope::begin`].
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Undoes every claim made since [`Scope::begin`].
    pub fn rollback(&mut self) {
        for undo in self.journal.take().unwrap_or_default().into_iter().rev() {
            match undo {
                Undo::Took(name) => {
                    self.taken.remove(&name);
                }
                Undo::Next(stem, Some(n)) => {
                    self.next.insert(stem, n);
                }
                Undo::Next(stem, None) => {
                    self.next.remove(&stem);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_valid() {
        assert_eq!(snake("ACCOUNT_ID"), "account_id");
        assert_eq!(snake("perPage"), "per_page");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("9lives"), "_9lives");
        assert_eq!(snake("çà"), "ue7_ue0");
        assert_eq!(snake("$"), "value");
        assert_eq!(camel("日本"), "U65e5U672c");
        assert_eq!(snake("x-rate-limit"), "x_rate_limit");
        assert_eq!(camel("music_on_hold"), "MusicOnHold");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(camel("2fa"), "V2fa");
        assert_eq!(camel("sel_all_ext"), "SelAllExt");
        let long = "a".repeat(300);
        assert_eq!(snake(&long).len(), 64 + 9);
        assert_ne!(snake(&long), snake(&"a".repeat(301)));
        assert!(camel(&long).starts_with("Aaaa") && camel(&long).len() == 64 + 8);
        assert!(!camel(&long).contains('_'));
        assert_eq!(screaming("ListGroupsAccountId"), "LIST_GROUPS_ACCOUNT_ID");
        assert_eq!(screaming("2fa"), "_2FA");
        assert_eq!(screaming(""), "VALUE");
        let long = screaming(&"a".repeat(300));
        assert!(long.len() == 64 + 9 && !long.contains(|c: char| c.is_ascii_lowercase()));
    }

    #[test]
    fn operator_suffixed_parameters_read_as_words() {
        assert_eq!(param("DateSent"), "date_sent");
        assert_eq!(param("DateSent<"), "date_sent_before");
        assert_eq!(param("DateSent>"), "date_sent_after");
        assert_eq!(param("DateSent<="), "date_sent_on_or_before");
        assert_eq!(param("DateSent>="), "date_sent_on_or_after");
        assert_eq!(param("Status!="), "status_not");
        assert_eq!(param("start_time <"), "start_time_before");
        assert_eq!(param("end-time>"), "end_time_after");
        // Only a trailing operator is read; the rest is `snake`'s.
        assert_eq!(param("a<b"), "a_b");
        assert_eq!(param("<"), snake("<"));
        assert_eq!(param("日本<"), snake("日本<"));
        assert_eq!(param("type"), "type_");
        assert_eq!(param("9<"), "_9_before");
        // Types named after a parameter (an inline enum) read the same way.
        assert_eq!(camel(&operator_words("Status!=")), "StatusNot");
        assert_eq!(operator_words("Status"), "Status");
        // Distinct wire names stay distinct: the scope numbers a clash.
        let mut scope = Scope::default();
        let names: Vec<String> = ["DateSent", "DateSent<", "DateSentBefore", "DateSent>"]
            .iter()
            .map(|raw| scope.claim(param(raw)))
            .collect();
        assert_eq!(
            names,
            [
                "date_sent",
                "date_sent_before",
                "date_sent_before_2",
                "date_sent_after"
            ]
        );
    }

    #[test]
    fn names_from_arbitrary_unicode_are_ascii_identifiers() {
        // Control, bidi and CR characters in a spec's names never reach an
        // identifier (the wire name itself is only ever a string literal).
        let mut rng = fastrand::Rng::with_seed(0x1d3);
        for _ in 0..5000 {
            let raw: String = (0..rng.usize(0..12))
                .map(|_| match rng.u8(0..3) {
                    0 => rng.char(..),
                    1 => rng.char('\0'..'\u{80}'),
                    _ => [
                        '\r', '\n', '\u{202e}', '\u{2066}', '\u{7f}', '\0', '\u{85}', 'é',
                    ][rng.usize(..8)],
                })
                .collect();
            for name in [snake(&raw), param(&raw), camel(&raw), screaming(&raw)] {
                assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{raw:?} -> {name:?}"
                );
                syn::parse_str::<syn::Ident>(&name)
                    .unwrap_or_else(|e| panic!("{raw:?} -> {name:?}: {e}"));
            }
        }
    }

    #[test]
    fn scopes_deconflict_deterministically() {
        let mut scope = Scope::with_reserved(&["send"]);
        assert_eq!(scope.claim("send".into()), "send_2");
        assert_eq!(scope.claim("foo_bar".into()), "foo_bar");
        assert_eq!(scope.claim("foo_bar".into()), "foo_bar_2");
        assert_eq!(scope.claim("Group".into()), "Group");
        assert_eq!(scope.claim("Group".into()), "Group2");
        assert_eq!(scope.claim("type_".into()), "type_");
        assert_eq!(scope.claim("type_".into()), "type_2");
        assert_eq!(scope.claim("Self_".into()), "Self_");
        assert_eq!(scope.claim("Self_".into()), "Self2");
        assert_eq!(scope.claim("V2fa".into()), "V2fa");
        assert_eq!(scope.claim("V2fa".into()), "V2fa2");
    }

    #[test]
    fn many_same_names_stay_lowest_free_and_trials_roll_back() {
        let mut scope = Scope::with_reserved(&["data_3"]);
        assert_eq!(scope.claim("data".into()), "data");
        assert_eq!(scope.claim("data".into()), "data_2");
        // `data_3` is reserved: skipped, and remembered as taken.
        assert_eq!(scope.claim("data".into()), "data_4");
        // A name spelled like a suffixed one takes its slot...
        assert_eq!(scope.claim("data_5".into()), "data_5");
        // ...and the next suffix skips it (`data_` shares the stem).
        assert_eq!(scope.claim("data_".into()), "data_");
        assert_eq!(scope.claim("data_".into()), "data_6");
        scope.begin();
        assert_eq!(scope.claim("data".into()), "data_7");
        assert_eq!(scope.claim("fresh".into()), "fresh");
        scope.rollback();
        // Nothing of the trial is left.
        assert_eq!(scope.claim("data".into()), "data_7");
        assert_eq!(scope.claim("fresh".into()), "fresh");
        scope.begin();
        assert_eq!(scope.claim("data".into()), "data_8");
        scope.commit();
        scope.rollback();
        assert_eq!(scope.claim("data".into()), "data_9");
        // Each claim of one base is constant work: 20,000 of them finish
        // in well under a second even in a debug build (a scan from 2
        // would make 200 million lookups).
        for _ in 0..20_000 {
            scope.claim("Item".into());
        }
        assert_eq!(scope.claim("Item".into()), "Item20001");
    }
}
