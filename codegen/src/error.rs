//! The one error type of the generator: where, and what was expected.

use std::fmt;

use crate::escape::visible;

/// A spec the generator cannot turn into a crate.
///
/// Displays as `specs/kazoo.yaml#/paths/~1groups/get: expected ..., found ...`,
/// in the spirit of serde's and syn's errors: the file, the JSON pointer of
/// the offending node, what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The spec file, as given to the generator.
    pub file: String,
    /// RFC 6901 JSON pointer of the offending node (`""` for the document).
    pub pointer: String,
    /// What the generator expected there.
    pub expected: String,
    /// What it found, when that helps.
    pub found: Option<String>,
}

impl Error {
    pub fn new(
        file: &str,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: Option<String>,
    ) -> Self {
        Error {
            file: file.to_owned(),
            pointer: pointer.into(),
            expected: expected.into(),
            found,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Everything here may come from a spec: control and bidi
        // characters are shown as escapes, never sent to the terminal.
        write!(
            f,
            "{}#{}: expected {}",
            visible(&self.file),
            visible(&self.pointer),
            visible(&self.expected)
        )?;
        if let Some(found) = &self.found {
            write!(f, ", found {}", visible(found))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Appends `token` to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        assert_eq!(push_pointer("/paths", "/a/{b}~c"), "/paths/~1a~1{b}~0c");
    }

    #[test]
    fn display_shows_control_and_bidi_characters_escaped() {
        let e = Error::new(
            "evil\u{202e}.yaml",
            "/paths/~1a\nb",
            "a schema",
            Some("\"\u{1b}[2J\r\"".into()),
        );
        assert_eq!(
            e.to_string(),
            "evil\\u{202e}.yaml#/paths/~1a\\nb: expected a schema, found \"\\u{1b}[2J\\r\""
        );
    }

    #[test]
    fn display_is_one_line_with_file_and_pointer() {
        let e = Error::new("specs/x.yaml", "/a", "a schema", Some("a string".into()));
        assert_eq!(
            e.to_string(),
            "specs/x.yaml#/a: expected a schema, found a string"
        );
    }
}
