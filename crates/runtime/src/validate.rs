//! Pre-send validation: what the spec constrains is checked before anything
//! is sent, and a violation names the field and the rule.
//!
//! Generated crates implement [`Validate`] for every model and call the
//! helpers below for each constraint the spec declares.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

/// A request the spec forbids; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest {
    /// Where the value sits, e.g. `body.endpoints.abc.weight` or `path.ACCOUNT_ID`.
    pub field: String,
    /// The rule it breaks, e.g. `must be at most 128 characters (got 130)`.
    pub rule: String,
}

impl InvalidRequest {
    /// A violation of `rule` at `field`.
    pub fn new(field: impl fmt::Display, rule: impl Into<String>) -> Self {
        InvalidRequest {
            field: field.to_string(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.rule)
    }
}

impl std::error::Error for InvalidRequest {}

/// The location of a value inside a request, built without allocating:
/// each level borrows its parent.
#[derive(Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    segment: &'a str,
}

impl<'a> FieldPath<'a> {
    /// The top of a path: `body`, `path.ACCOUNT_ID`, `query.page_size`.
    pub const fn root(segment: &'a str) -> Self {
        FieldPath {
            parent: None,
            segment,
        }
    }

    /// A child of this path.
    pub fn child(&'a self, segment: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment,
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}.")?;
        }
        f.write_str(self.segment)
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({self})")
    }
}

/// A value that can check itself against the constraints of its schema.
pub trait Validate {
    /// Checks every constraint, reporting the first violation under `path`.
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest>;
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
        match self {
            Some(value) => value.validate(path),
            None => Ok(()),
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
        for (index, item) in self.iter().enumerate() {
            let index = index.to_string();
            item.validate(&path.child(&index))?;
        }
        Ok(())
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
        for (key, item) in self {
            item.validate(&path.child(key))?;
        }
        Ok(())
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
        (**self).validate(path)
    }
}

macro_rules! no_constraints {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            fn validate(&self, _: &FieldPath<'_>) -> Result<(), InvalidRequest> {
                Ok(())
            }
        }
    )*};
}
no_constraints!(
    String,
    bool,
    i32,
    i64,
    f64,
    serde_json::Value,
    crate::Secret
);

/// `value` has at least `min` characters.
pub fn min_length(path: &FieldPath<'_>, value: &str, min: usize) -> Result<(), InvalidRequest> {
    let len = value.chars().count();
    if len < min {
        return Err(InvalidRequest::new(
            path,
            format!("must be at least {min} characters (got {len})"),
        ));
    }
    Ok(())
}

/// `value` has at most `max` characters.
pub fn max_length(path: &FieldPath<'_>, value: &str, max: usize) -> Result<(), InvalidRequest> {
    let len = value.chars().count();
    if len > max {
        return Err(InvalidRequest::new(
            path,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    Ok(())
}

/// A spec's `pattern`, compiled once: matched by the `regex` crate, or,
/// when the pattern is one ASCII class repeated between anchors (ids and
/// codes such as `^[0-9a-f]{32}$`, most patterns of vendor specs), by
/// checking the bytes against the class and the length against the
/// repetition, which is what the regex would decide, in a fraction of
/// the time.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Regex,
    run: Option<AsciiRun>,
}

/// `^[class]{min,max}$` with an ASCII-only class.
#[derive(Clone)]
struct AsciiRun {
    /// Whether each byte is in the class (none from 128 up is: every
    /// byte of a multi-byte character is).
    class: [bool; 256],
    min: usize,
    max: Option<usize>,
}

impl fmt::Debug for AsciiRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsciiRun")
            .field("min", &self.min)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl Pattern {
    /// Compiles `source` (the `regex` crate's syntax, as the spec wrote it).
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        Ok(Pattern {
            regex: Regex::new(source)?,
            run: AsciiRun::of(source),
        })
    }

    /// Whether `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        match &self.run {
            Some(run) => run.matches(value),
            None => self.regex.is_match(value),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }
}

impl AsciiRun {
    /// The run `source` is, if it is one (read as `regex` reads it).
    fn of(source: &str) -> Option<AsciiRun> {
        use regex_syntax::hir::{Class, HirKind, Look};
        let hir = regex_syntax::Parser::new().parse(source).ok()?;
        let HirKind::Concat(parts) = hir.kind() else {
            return None;
        };
        let [start, repeated, end] = parts.as_slice() else {
            return None;
        };
        if !matches!(start.kind(), HirKind::Look(Look::Start))
            || !matches!(end.kind(), HirKind::Look(Look::End))
        {
            return None;
        }
        let mut repeated = repeated;
        while let HirKind::Capture(capture) = repeated.kind() {
            repeated = &capture.sub;
        }
        let HirKind::Repetition(repetition) = repeated.kind() else {
            return None;
        };
        let mut sub = &*repetition.sub;
        while let HirKind::Capture(capture) = sub.kind() {
            sub = &capture.sub;
        }
        let mut class = [false; 256];
        match sub.kind() {
            HirKind::Class(Class::Unicode(ranges)) => {
                for range in ranges.iter() {
                    let (lo, hi) = (u32::from(range.start()), u32::from(range.end()));
                    if hi >= 128 {
                        return None;
                    }
                    for b in lo..=hi {
                        class[b as usize] = true;
                    }
                }
            }
            HirKind::Class(Class::Bytes(ranges)) => {
                for range in ranges.iter() {
                    if range.end() >= 128 {
                        return None;
                    }
                    for b in range.start()..=range.end() {
                        class[usize::from(b)] = true;
                    }
                }
            }
            _ => return None,
        }
        Some(AsciiRun {
            class,
            min: usize::try_from(repetition.min).ok()?,
            max: match repetition.max {
                Some(max) => Some(usize::try_from(max).ok()?),
                None => None,
            },
        })
    }

    /// Every byte is in the class (so every character is one ASCII byte)
    /// and their count is within the repetition's bounds.
    fn matches(&self, value: &str) -> bool {
        let n = value.len();
        n >= self.min
            && self.max.is_none_or(|max| n <= max)
            && all_in(&self.class, value.as_bytes())
    }
}

/// Whether every byte of `bytes` is in `set` (a table of the bytes in
/// it). Eight bytes at a time without a branch per byte: ids and tokens
/// of 20 to 40 characters are checked on every call.
pub(crate) fn all_in(set: &[bool; 256], bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |all, &b| all & set[usize::from(b)]) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| set[usize::from(b)])
}

/// `value` matches `pattern` (whose source is `source`, for the message).
pub fn pattern(
    path: &FieldPath<'_>,
    value: &str,
    pattern: &Pattern,
    source: &str,
) -> Result<(), InvalidRequest> {
    if !pattern.is_match(value) {
        return Err(InvalidRequest::new(
            path,
            format!("must match the pattern {source}"),
        ));
    }
    Ok(())
}

/// How many backtracking steps one [`LookAround`] match may take: past
/// it, the value is refused (a pattern and a value from outside cannot
/// make a check run for long).
pub const LOOK_AROUND_BUDGET: usize = 100_000;

/// A `pattern` the `regex` crate refuses (look-around, back-references),
/// matched by `fancy-regex` within [`LOOK_AROUND_BUDGET`] backtracking
/// steps.
pub struct LookAround(fancy_regex::Regex);

impl LookAround {
    /// Compiles `source`.
    pub fn new(source: &str) -> Result<Self, String> {
        fancy_regex::RegexBuilder::new(source)
            .backtrack_limit(LOOK_AROUND_BUDGET)
            .build()
            .map(LookAround)
            .map_err(|e| e.to_string())
    }

    /// Whether `value` matches: `None` when the budget ran out first.
    pub fn matches(&self, value: &str) -> Option<bool> {
        self.0.is_match(value).ok()
    }
}

impl std::fmt::Debug for LookAround {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LookAround").field(&self.0.as_str()).finish()
    }
}

/// `value` matches `pattern` (one with look-around); a value the budget
/// cannot decide is refused, never sent unchecked.
pub fn look_around(
    path: &FieldPath<'_>,
    value: &str,
    pattern: &LookAround,
    source: &str,
) -> Result<(), InvalidRequest> {
    match pattern.matches(value) {
        Some(true) => Ok(()),
        Some(false) => Err(InvalidRequest::new(
            path,
            format!("must match the pattern {source}"),
        )),
        None => Err(InvalidRequest::new(
            path,
            format!("could not be checked against the pattern {source} within its budget"),
        )),
    }
}

/// `value >= min`.
pub fn minimum<T: PartialOrd + fmt::Display>(
    path: &FieldPath<'_>,
    value: T,
    min: T,
) -> Result<(), InvalidRequest> {
    if value < min {
        return Err(InvalidRequest::new(
            path,
            format!("must be at least {min} (got {value})"),
        ));
    }
    Ok(())
}

/// `value <= max`.
pub fn maximum<T: PartialOrd + fmt::Display>(
    path: &FieldPath<'_>,
    value: T,
    max: T,
) -> Result<(), InvalidRequest> {
    if value > max {
        return Err(InvalidRequest::new(
            path,
            format!("must be at most {max} (got {value})"),
        ));
    }
    Ok(())
}

/// `len >= min` items.
pub fn min_items(path: &FieldPath<'_>, len: usize, min: usize) -> Result<(), InvalidRequest> {
    if len < min {
        return Err(InvalidRequest::new(
            path,
            format!("must have at least {min} items (got {len})"),
        ));
    }
    Ok(())
}

/// `len <= max` items.
pub fn max_items(path: &FieldPath<'_>, len: usize, max: usize) -> Result<(), InvalidRequest> {
    if len > max {
        return Err(InvalidRequest::new(
            path,
            format!("must have at most {max} items (got {len})"),
        ));
    }
    Ok(())
}

/// `value` is one of the integers the spec enumerates.
pub fn one_of_integers(
    path: &FieldPath<'_>,
    value: i64,
    allowed: &[i64],
) -> Result<(), InvalidRequest> {
    if !allowed.contains(&value) {
        return Err(InvalidRequest::new(
            path,
            format!("must be one of {allowed:?} (got {value})"),
        ));
    }
    Ok(())
}

/// An open enum holding a value the spec does not list: accepted when
/// decoding (forward compatibility), refused when sending.
pub fn known_variant(path: &FieldPath<'_>, unknown: Option<&str>) -> Result<(), InvalidRequest> {
    match unknown {
        Some(value) => Err(InvalidRequest::new(
            path,
            format!("must be one of the values the spec lists (got unknown value {value:?})"),
        )),
        None => Ok(()),
    }
}

/// A union value that matched none of the spec's variants is refused.
pub fn known_union_variant(path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
    Err(InvalidRequest::new(
        path,
        "must be one of the variants the spec lists (got a value that matches none)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_decides_as_its_regex_does() {
        // Runs (checked byte by byte) and others (left to the regex).
        let sources = [
            ("^[0-9a-f]{32}$", true),
            ("^[A-Za-z0-9_-]{1,64}$", true),
            ("^([0-9]{3,5})$", true),
            ("^[a-z]+$", true),
            ("^[a-z]*$", true),
            ("(?i)^[a-f]{2}$", true),
            ("^[ -~]{0,3}$", true),
            ("[0-9a-f]{32}", false),
            ("^[0-9a-f]{32}", false),
            ("^\\d{3}$", false),
            ("^.{2}$", false),
            ("^[é]{2}$", false),
            ("^([0-9a-f]{32}|[0-9a-f]{40})$", false),
            ("^a{3}$", false),
        ];
        let alphabet: Vec<char> = "0123456789abcdefABCXYZ_- ~é٣\n\u{7f}".chars().collect();
        let mut rng = fastrand::Rng::with_seed(7);
        for (source, run) in sources {
            let pattern = Pattern::new(source).unwrap();
            assert_eq!(pattern.run.is_some(), run, "{source}");
            let regex = Regex::new(source).unwrap();
            for _ in 0..3_000 {
                let len = rng.usize(0..70);
                let value: String = (0..len)
                    .map(|_| alphabet[rng.usize(..alphabet.len())])
                    .collect();
                assert_eq!(
                    pattern.is_match(&value),
                    regex.is_match(&value),
                    "{source} {value:?}"
                );
            }
            let hex32 = "0123456789abcdef0123456789abcdef";
            assert_eq!(pattern.is_match(hex32), regex.is_match(hex32), "{source}");
        }
    }

    /// Dropshot's `Name`: not a UUID (negative look-ahead), then a name.
    #[test]
    fn look_around_patterns_are_checked_and_bounded() {
        let name = LookAround::new(
            r"^(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)^[a-z]([a-zA-Z0-9-]*[a-zA-Z0-9]+)?$",
        )
        .unwrap();
        let path = FieldPath::root("name");
        assert!(look_around(&path, "web-1", &name, "P").is_ok());
        let uuid = look_around(&path, "0123abcd-0123-4567-89ab-0123456789ab", &name, "P");
        assert!(
            uuid.unwrap_err()
                .to_string()
                .contains("must match the pattern P")
        );
        // Catastrophic backtracking runs out of budget and is refused.
        let nested = LookAround::new(r"^(?:(a|aa)+)\1c").unwrap();
        let long = "a".repeat(64);
        assert_eq!(nested.matches(&long), None);
        let err = look_around(&path, &long, &nested, "Q").unwrap_err();
        assert!(err.to_string().contains("within its budget"), "{err}");
    }

    #[test]
    fn paths_render_dotted() {
        let root = FieldPath::root("body");
        let endpoints = root.child("endpoints");
        let key = endpoints.child("abc");
        assert_eq!(key.child("weight").to_string(), "body.endpoints.abc.weight");
    }

    #[test]
    fn each_rule_names_field_and_rule() {
        let p = FieldPath::root("body");
        let name = p.child("name");
        assert_eq!(
            max_length(&name, &"x".repeat(129), 128)
                .unwrap_err()
                .to_string(),
            "`body.name` must be at most 128 characters (got 129)"
        );
        assert!(max_length(&name, &"é".repeat(128), 128).is_ok());
        assert!(min_length(&name, "", 1).is_err());
        assert!(minimum(&name, 0, 1).is_err());
        assert!(maximum(&name, 101, 100).is_err());
        assert!(maximum(&name, 100, 100).is_ok());
        assert!(max_items(&name, 31, 30).is_err());
        assert!(min_items(&name, 0, 1).is_err());
        assert!(one_of_integers(&name, 2, &[0, 1]).is_err());
        assert!(known_variant(&name, Some("x")).is_err());
        let re = Pattern::new("^[0-9a-f]{32}$").unwrap();
        assert!(pattern(&name, "../x", &re, "^[0-9a-f]{32}$").is_err());
    }

    #[test]
    fn containers_report_the_index_or_key() {
        struct Short(String);
        impl Validate for Short {
            fn validate(&self, path: &FieldPath<'_>) -> Result<(), InvalidRequest> {
                max_length(path, &self.0, 2)
            }
        }
        let items = vec![Short("ok".into()), Short("long".into())];
        let err = items.validate(&FieldPath::root("body")).unwrap_err();
        assert_eq!(err.field, "body.1");
        let mut map = BTreeMap::new();
        map.insert("k".to_owned(), Short("long".into()));
        assert_eq!(
            map.validate(&FieldPath::root("m")).unwrap_err().field,
            "m.k"
        );
    }
}

/// `value` may stand for server variable `name` in a server URL: a host
/// name, an IPv4 address or a bracketed IPv6 address, or a path segment —
/// 1 to 253 of RFC 3986's unreserved characters (letters, digits, `-`,
/// `.`, `_`, `~`), or `[` hex digits, `:` and `.` `]`. Nothing that could
/// add a user, port, path, query or fragment to the URL passes.
pub fn server_variable(name: &str, value: &str) -> Result<(), InvalidRequest> {
    let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    let ipv6 = |inner: &str| {
        !inner.is_empty()
            && inner.contains(':')
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
    };
    let ok = (1..=253).contains(&value.len())
        && (value.chars().all(unreserved)
            || value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .is_some_and(ipv6));
    if ok {
        Ok(())
    } else {
        Err(InvalidRequest::new(
            format_args!("server.{name}"),
            "must be a host name, an IP address or a path segment (letters, digits, `-`, `.`, `_`, `~`; IPv6 in brackets)",
        ))
    }
}

#[cfg(test)]
mod server_variable_tests {
    use super::server_variable;

    #[test]
    fn only_hosts_addresses_and_segments_pass() {
        for ok in [
            "pbx.example.com",
            "10.0.0.7",
            "[::1]",
            "[fe80::1]",
            "v2",
            "a~b_c-d",
        ] {
            assert!(server_variable("host", ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(254);
        for bad in [
            "",
            "evil.com/x",
            "evil.com?",
            "a#b",
            "user@host",
            "host:1",
            "a b",
            "[]",
            "[::1",
            "[g::1]",
            "é.example",
            "%2F",
            long.as_str(),
        ] {
            let err = server_variable("host", bad).unwrap_err();
            assert!(err.to_string().starts_with("`server.host`"), "{bad}: {err}");
        }
    }
}
