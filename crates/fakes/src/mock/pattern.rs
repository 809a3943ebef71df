//! Strings for a `pattern`: the regex is parsed (`regex-syntax`) and walked
//! to write one string it matches, with each repetition taken a chosen
//! number of times (within its bounds), each class as its first plain
//! character, each alternation as one branch.
//!
//! Limits: look-around (`(?=..)`, `(?!..)`, `(?<=..)`, `(?<!..)`) is dropped
//! before parsing, and backreferences are not supported: the candidates are
//! then only likely to match. Word boundaries are ignored. Every candidate
//! is checked against the real pattern (and the whole answer against its
//! schema) before it is used, so a limit costs a fallback, never a wrong
//! answer.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The longest string written for one pattern.
const MAX_LEN: usize = 4096;
/// The most steps of the walk for one string (nested repetitions multiply).
const MAX_STEPS: usize = 100_000;

/// Candidates for `pattern`, repetitions taken 1, 2, 3, 4, 8, 16, 32, 64
/// times (or their minimum), alternations from branch `salt`: those whose
/// length in characters lies in `min..=max`. Empty when the pattern cannot
/// be read.
pub(crate) fn candidates(pattern: &str, min: usize, max: usize, salt: usize) -> Vec<String> {
    let Some(hir) = parse(pattern) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for times in [0, 1, 2, 3, 4, 8, 16, 32, 64] {
        let mut text = String::new();
        let mut steps = 0;
        write(&hir, times, salt, &mut text, &mut steps);
        if steps > MAX_STEPS {
            continue;
        }
        let len = text.chars().count();
        if (min..=max).contains(&len) && !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

fn parse(pattern: &str) -> Option<Hir> {
    let stripped = strip_look_around(pattern);
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(&stripped)
        .ok()
}

/// `pattern` without its look-around groups (escapes and classes kept
/// intact).
fn strip_look_around(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            out.extend(&chars[i..chars.len().min(i + 2)]);
            i += 2;
            continue;
        }
        if in_class {
            in_class = c != ']';
            out.push(c);
            i += 1;
            continue;
        }
        if c == '[' {
            // `[]...]` and `[^]...]`: that first `]` is a member.
            in_class = true;
            out.push(c);
            i += 1;
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push(']');
                i += 1;
            }
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        if ["(?=", "(?!", "(?<=", "(?<!"]
            .iter()
            .any(|p| rest.starts_with(*p))
        {
            i = group_end(&chars, i) + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The index of the `)` that closes the group opened at `open`.
fn group_end(chars: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut j = open;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
        j += 1;
    }
    chars.len()
}

fn write(hir: &Hir, times: u32, salt: usize, out: &mut String, steps: &mut usize) {
    *steps += 1;
    if out.len() > MAX_LEN || *steps > MAX_STEPS {
        return;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
        HirKind::Class(class) => {
            if let Some(c) = pick(class) {
                out.push(c);
            }
        }
        HirKind::Repetition(repetition) => {
            let max = repetition.max.unwrap_or(u32::MAX);
            let count = times.max(repetition.min).min(max).min(256);
            for _ in 0..count {
                if *steps > MAX_STEPS {
                    return;
                }
                write(&repetition.sub, times, salt, out, steps);
            }
        }
        HirKind::Capture(capture) => write(&capture.sub, times, salt, out, steps),
        HirKind::Concat(parts) => {
            for part in parts {
                write(part, times, salt, out, steps);
            }
        }
        HirKind::Alternation(branches) => {
            if let Some(branch) = branches.get(salt % branches.len().max(1)) {
                write(branch, times, salt, out, steps);
            }
        }
    }
}

/// A plain character of `class`: a letter or digit when it has one.
fn pick(class: &Class) -> Option<char> {
    match class {
        Class::Unicode(class) => {
            let contains = |c: char| {
                class
                    .ranges()
                    .iter()
                    .any(|r| r.start() <= c && c <= r.end())
            };
            "a0Ax-_.b1B "
                .chars()
                .find(|c| contains(*c))
                .or_else(|| {
                    class
                        .ranges()
                        .iter()
                        .map(|r| r.start())
                        .find(|c| !c.is_control())
                })
                .or_else(|| class.ranges().first().map(|r| r.start()))
        }
        Class::Bytes(class) => class
            .ranges()
            .iter()
            .map(|r| r.start())
            .find(u8::is_ascii_graphic)
            .or_else(|| class.ranges().first().map(|r| r.start()))
            .filter(u8::is_ascii)
            .map(char::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_follow_the_pattern() {
        assert_eq!(candidates("^[0-9]{4}$", 0, 100, 0), ["0000"]);
        assert_eq!(
            candidates("^(SM|MM)[0-9a-fA-F]{32}$", 0, 100, 0)[0].len(),
            34
        );
        assert!(candidates("^(SM|MM)[0-9a-fA-F]{32}$", 0, 100, 1)[0].starts_with("MM"));
        let dns = candidates("^[a-z]([a-zA-Z0-9-]*[a-zA-Z0-9]+)?$", 3, 63, 0);
        assert!(dns.iter().all(|c| (3..=63).contains(&c.len())), "{dns:?}");
        assert!(!dns.is_empty());
        let look = candidates(
            "^(?![0-9a-f]{8}-[0-9a-f]{4}-)[a-z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$",
            0,
            63,
            0,
        );
        assert_eq!(look[0], "a");
        assert!(candidates("(", 0, 10, 0).is_empty());
        // Nested repetitions multiply: the walk is bounded.
        assert!(candidates("((((a{256}){256}){256}){256})", 0, 10, 0).is_empty());
        assert_eq!(strip_look_around(r"a(?=b\))c[(?!]"), r"ac[(?!]");
    }
}
