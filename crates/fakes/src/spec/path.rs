//! Path templates: `/a/{b}/c`, several parameters in a segment
//! (`{name}.{ext}`, `Accounts('{id}')`, `{ref}:move`), matched against a
//! request's path one segment at a time.

use super::{Problem, decode_component};

/// One piece of a segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(String),
    Param(String),
}

/// A parsed path template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    segments: Vec<Vec<Piece>>,
    /// Segments without a parameter, and literal characters: the more, the
    /// more specific (`/a/b` wins over `/a/{x}`).
    pub(crate) specificity: (usize, usize),
}

/// The parameters a path gave (name, decoded text), and its problems.
pub(crate) type Found = (Vec<(String, String)>, Vec<Problem>);

/// The most attempts at splitting one segment between its parameters.
const MAX_ATTEMPTS: usize = 1_000;

impl Template {
    /// Parses `/a/{b}/c{d}`; `Err` names what is wrong.
    pub(crate) fn parse(path: &str) -> Result<Template, String> {
        if !path.starts_with('/') {
            return Err("a path must start with `/`".into());
        }
        let mut segments = Vec::new();
        let mut literal_segments = 0;
        let mut literal_chars = 0;
        for segment in path.split('/') {
            let mut pieces = Vec::new();
            let mut rest = segment;
            while !rest.is_empty() {
                match rest.find(['{', '}']) {
                    None => {
                        pieces.push(Piece::Literal(literal(rest)));
                        rest = "";
                    }
                    Some(at) if rest.as_bytes()[at] == b'}' => {
                        return Err("a `}` without its `{`".into());
                    }
                    Some(at) => {
                        if at > 0 {
                            pieces.push(Piece::Literal(literal(&rest[..at])));
                        }
                        let close = rest[at..]
                            .find('}')
                            .ok_or_else(|| "a `{` without its `}`".to_owned())?;
                        let name = &rest[at + 1..at + close];
                        if name.is_empty() || name.contains('{') {
                            return Err("a parameter needs a name between `{` and `}`".into());
                        }
                        pieces.push(Piece::Param(name.to_owned()));
                        rest = &rest[at + close + 1..];
                    }
                }
            }
            if pieces.iter().all(|p| matches!(p, Piece::Literal(_))) {
                literal_segments += 1;
            }
            literal_chars += pieces
                .iter()
                .map(|p| match p {
                    Piece::Literal(text) => text.chars().count(),
                    Piece::Param(_) => 0,
                })
                .sum::<usize>();
            segments.push(pieces);
        }
        Ok(Template {
            segments,
            specificity: (literal_segments, literal_chars),
        })
    }

    /// The names of the parameters, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flatten().filter_map(|p| match p {
            Piece::Param(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }

    /// The parameters' texts (percent-decoded) if `parts` (the request
    /// path split at `/`, still encoded) fits the template; a segment that
    /// is not valid percent-encoded UTF-8 is matched as sent and reported.
    pub(crate) fn matches(&self, parts: &[&str]) -> Option<Found> {
        if self.segments.len() != parts.len() {
            return None;
        }
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for (pieces, part) in self.segments.iter().zip(parts) {
            if let [Piece::Literal(text)] = pieces.as_slice()
                && text == part
            {
                continue;
            }
            let (text, bad) = match decode_component(part, false) {
                Ok(text) => (text, None),
                Err(why) => ((*part).to_owned(), Some(why)),
            };
            let mark = found.len();
            let mut attempts = 0;
            if !split(pieces, &text, &mut found, &mut attempts) {
                return None;
            }
            if let Some(why) = bad {
                for (name, _) in &found[mark..] {
                    problems.push(Problem {
                        field: format!("path.{name}"),
                        keyword: "encoding".into(),
                        message: why.to_owned(),
                    });
                }
            }
        }
        Some((found, problems))
    }
}

/// A literal piece as it reads once percent-decoded.
fn literal(text: &str) -> String {
    decode_component(text, false).unwrap_or_else(|_| text.to_owned())
}

/// Splits `text` between `pieces`: literals must match exactly, each
/// parameter takes a non-empty part (the shortest that lets the rest
/// match).
fn split(
    pieces: &[Piece],
    text: &str,
    found: &mut Vec<(String, String)>,
    attempts: &mut usize,
) -> bool {
    *attempts += 1;
    if *attempts > MAX_ATTEMPTS {
        return false;
    }
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Literal(literal) => match text.strip_prefix(literal.as_str()) {
            Some(after) => split(rest, after, found, attempts),
            None => false,
        },
        Piece::Param(name) => {
            if text.is_empty() {
                return false;
            }
            let ends: Vec<usize> = match rest.first() {
                None => vec![text.len()],
                Some(Piece::Literal(next)) => text
                    .match_indices(next.as_str())
                    .map(|(at, _)| at)
                    .filter(|at| *at > 0)
                    .collect(),
                // Two parameters side by side: the first takes one character.
                Some(Piece::Param(_)) => text
                    .char_indices()
                    .nth(1)
                    .map(|(at, _)| vec![at])
                    .unwrap_or_default(),
            };
            for end in ends {
                let mark = found.len();
                found.push((name.clone(), text[..end].to_owned()));
                if split(rest, &text[end..], found, attempts) {
                    return true;
                }
                found.truncate(mark);
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(template: &str, path: &str) -> Option<Vec<(String, String)>> {
        let template = Template::parse(template).unwrap();
        let parts: Vec<&str> = path.split('/').collect();
        template.matches(&parts).map(|(found, _)| found)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn templates_match_whole_and_partial_segments() {
        assert_eq!(
            params("/a/{b}/c", "/a/x%2Fy/c"),
            Some(pairs(&[("b", "x/y")]))
        );
        assert_eq!(params("/a/{b}/c", "/a//c"), None);
        assert_eq!(params("/a/{b}/c", "/a/x/d"), None);
        assert_eq!(
            params("/m/{Sid}.json", "/m/SM1.json"),
            Some(pairs(&[("Sid", "SM1")]))
        );
        assert_eq!(params("/m/{Sid}.json", "/m/.json"), None);
        assert_eq!(
            params("/f/{name}.{ext}", "/f/a.b.c"),
            Some(pairs(&[("name", "a"), ("ext", "b.c")]))
        );
        assert_eq!(
            params("/v1/Accounts('{id}')", "/v1/Accounts(%2742%27)"),
            Some(pairs(&[("id", "42")]))
        );
        assert_eq!(
            params("/v1/refs/{ref}:move", "/v1/refs/main:move"),
            Some(pairs(&[("ref", "main")]))
        );
        assert_eq!(
            params("/v1/größe/{日本}", "/v1/gr%C3%B6%C3%9Fe/x"),
            Some(pairs(&[("日本", "x")]))
        );
        assert_eq!(
            params("/v1/{id}/$metadata", "/v1/7/%24metadata"),
            Some(pairs(&[("id", "7")]))
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        for bad in ["a/b", "/a/{b", "/a/b}", "/a/{}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostile_segments_are_bounded() {
        let template = Template::parse("/{a}-{b}-{c}-{d}-{e}x").unwrap();
        let long = "-".repeat(5000);
        let path = format!("/{long}");
        let parts: Vec<&str> = path.split('/').collect();
        assert!(template.matches(&parts).is_none());
    }
}
