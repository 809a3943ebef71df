//! What a generated crate's Cargo.toml says about its package: its name,
//! version, licence, keywords and categories, and how it finds
//! `dialtone-runtime` (by version, the default, or by path).
//!
//! A spec may carry its crate's metadata in a root extension, which fills
//! whatever the caller left unset:
//!
//! ```yaml
//! x-dialtone-crate:
//!   version: 0.2.0
//!   keywords: [kazoo, telephony]
//!   categories: [api-bindings]
//!   license: MIT OR Apache-2.0   # standalone crates only
//! ```

use serde_json::Value;

use crate::error::{Error, push_pointer};

/// The `dialtone-runtime` requirement generated crates declare: the
/// runtime version whose API this generator's code is written against.
/// Written as a caret requirement (`dialtone-runtime = "0.1.0"` allows
/// every 0.1.x from 0.1.0 on); the workspace's tests check that the
/// runtime in this repository satisfies it.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// The oldest Rust a generated crate builds with (the runtime's
/// `rust-version`), written as the crate's `rust-version`.
pub const RUST_VERSION: &str = "1.95";

/// The root extension carrying a spec's crate metadata.
pub const EXTENSION: &str = "x-dialtone-crate";

/// Packages a generated crate may not be named: Dialtone's own, and the
/// crates every generated crate depends on (a package cannot depend on a
/// library of its own name).
pub const RESERVED_PACKAGES: &[&str] = &[
    "dialtone-cli",
    "dialtone-codegen",
    "dialtone-fakes",
    "dialtone-runtime",
    "dialtone-tests",
    "serde",
    "serde_json",
    "tokio",
];

/// How a standalone crate depends on `dialtone-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// From a registry, by this version requirement (default:
    /// [`RUNTIME_VERSION`]). It must allow [`RUNTIME_VERSION`].
    Version(String),
    /// From this folder, written into Cargo.toml as is (with the version
    /// requirement too, so that the crate can still be published). A
    /// relative path is read by Cargo relative to the generated crate.
    Path(String),
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::Version(RUNTIME_VERSION.to_owned())
    }
}

/// Package fields of a generated crate. Every field left unset is taken
/// from the spec's [`EXTENSION`], if it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The package name (default `dialtone-<name>`). Standalone crates only:
    /// workspace members are always `dialtone-<vendor>`.
    pub name: Option<String>,
    /// The crate's version (default `0.1.0`).
    pub version: Option<String>,
    /// An SPDX licence expression (default: none, and the Cargo.toml says
    /// how to choose one). Standalone crates only: workspace members carry
    /// the workspace's.
    pub license: Option<String>,
    /// At most five crates.io keywords.
    pub keywords: Vec<String>,
    /// At most five crates.io category slugs.
    pub categories: Vec<String>,
}

/// A crate of its own anywhere on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standalone {
    /// Where `dialtone-runtime` comes from.
    pub runtime: Runtime,
    /// The package's fields.
    pub package: Package,
}

impl Package {
    /// `self`, with every unset field taken from the spec's extension
    /// (`ext`, the value of [`EXTENSION`]), then checked. `file` names the
    /// spec in errors.
    pub(crate) fn resolve(mut self, file: &str, ext: Option<&Value>) -> Result<Package, Error> {
        let root = push_pointer("", EXTENSION);
        if let Some(ext) = ext {
            let Value::Object(map) = ext else {
                return Err(Error::new(
                    file,
                    root,
                    "a mapping with `version`, `keywords`, `categories` or `license`",
                    Some(crate::parse::kind_of(ext).to_owned()),
                ));
            };
            for (key, value) in map {
                let pointer = push_pointer(&root, key);
                match key.as_str() {
                    "version" if self.version.is_none() => {
                        self.version = Some(string(file, &pointer, value)?);
                    }
                    "license" if self.license.is_none() => {
                        self.license = Some(string(file, &pointer, value)?);
                    }
                    "keywords" if self.keywords.is_empty() => {
                        self.keywords = strings(file, &pointer, value)?;
                    }
                    "categories" if self.categories.is_empty() => {
                        self.categories = strings(file, &pointer, value)?;
                    }
                    "version" | "license" | "keywords" | "categories" => {}
                    _ => {
                        return Err(Error::new(
                            file,
                            pointer,
                            "one of `version`, `keywords`, `categories`, `license`",
                            Some(format!("`{key}`")),
                        ));
                    }
                }
            }
        }
        self.check(file, &root)?;
        Ok(self)
    }

    fn check(&self, file: &str, root: &str) -> Result<(), Error> {
        let at = |key: &str| push_pointer(root, key);
        if let Some(name) = &self.name {
            check_package_name(file, name, "--package-name")?;
        }
        if let Some(version) = &self.version
            && semver::Version::parse(version).is_err()
        {
            return Err(Error::new(
                file,
                at("version"),
                "a semantic version such as 0.1.0",
                Some(format!("\"{version}\"")),
            ));
        }
        if let Some(license) = &self.license {
            check_license(file, &at("license"), license)?;
        }
        if self.keywords.len() > 5 {
            return Err(Error::new(
                file,
                at("keywords"),
                "at most five keywords (crates.io's limit)",
                Some(self.keywords.len().to_string()),
            ));
        }
        for (i, keyword) in self.keywords.iter().enumerate() {
            let valid = keyword.len() <= 20
                && keyword.starts_with(|c: char| c.is_ascii_alphabetic())
                && keyword
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'));
            if !valid {
                return Err(Error::new(
                    file,
                    push_pointer(&at("keywords"), &i.to_string()),
                    "a keyword of at most 20 ASCII letters, digits, `-`, `_` or `+`, starting with a letter",
                    Some(format!("\"{keyword}\"")),
                ));
            }
        }
        if self.categories.len() > 5 {
            return Err(Error::new(
                file,
                at("categories"),
                "at most five categories (crates.io's limit)",
                Some(self.categories.len().to_string()),
            ));
        }
        for (i, category) in self.categories.iter().enumerate() {
            let valid = category.split("::").all(|slug| {
                !slug.is_empty()
                    && slug
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
            if !valid {
                return Err(Error::new(
                    file,
                    push_pointer(&at("categories"), &i.to_string()),
                    "a crates.io category slug such as `api-bindings` or `web-programming::http-client`",
                    Some(format!("\"{category}\"")),
                ));
            }
        }
        Ok(())
    }
}

impl Standalone {
    /// Checks the runtime requirement: it must allow [`RUNTIME_VERSION`],
    /// the runtime this generator writes code for.
    pub(crate) fn check(&self, file: &str) -> Result<(), Error> {
        match &self.runtime {
            Runtime::Version(req) => check_runtime_requirement(file, req),
            Runtime::Path(path) if path.is_empty() => Err(Error::new(
                file,
                "",
                "a path to dialtone-runtime (--runtime-path)",
                Some("an empty path".to_owned()),
            )),
            Runtime::Path(_) => Ok(()),
        }
    }
}

/// Checks that `req` is a version requirement that allows
/// [`RUNTIME_VERSION`].
pub fn check_runtime_requirement(file: &str, req: &str) -> Result<(), Error> {
    let Ok(parsed) = semver::VersionReq::parse(req) else {
        return Err(Error::new(
            file,
            "",
            "a version requirement for dialtone-runtime such as 0.1 (--runtime-version)",
            Some(format!("\"{req}\"")),
        ));
    };
    let ours = semver::Version::parse(RUNTIME_VERSION).expect("RUNTIME_VERSION is a version");
    if !parsed.matches(&ours) {
        return Err(Error::new(
            file,
            "",
            format!(
                "a dialtone-runtime requirement that allows {RUNTIME_VERSION}, the runtime this \
                 dialtone-codegen {} writes code for (--runtime-version)",
                env!("CARGO_PKG_VERSION")
            ),
            Some(format!("\"{req}\"")),
        ));
    }
    Ok(())
}

/// Checks a package name the way Cargo and crates.io do, and that it is
/// not one of [`RESERVED_PACKAGES`]. `from` says where it came from.
pub fn check_package_name(file: &str, name: &str, from: &str) -> Result<(), Error> {
    const KEYWORDS: &[&str] = &[
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
        "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    // Rust's own libraries, and file names Windows reserves.
    const TAKEN: &[&str] = &[
        "alloc",
        "core",
        "proc_macro",
        "proc-macro",
        "std",
        "test",
        "con",
        "prn",
        "aux",
        "nul",
        "com1",
        "com2",
        "com3",
        "com4",
        "com5",
        "com6",
        "com7",
        "com8",
        "com9",
        "lpt1",
        "lpt2",
        "lpt3",
        "lpt4",
        "lpt5",
        "lpt6",
        "lpt7",
        "lpt8",
        "lpt9",
    ];
    let found = Some(format!("\"{name}\""));
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(Error::new(
            file,
            "",
            format!(
                "a package name of at most 64 lower-case letters, digits, `-` and `_`, starting with a letter ({from})"
            ),
            found,
        ));
    }
    if KEYWORDS.contains(&name) || TAKEN.contains(&name) {
        return Err(Error::new(
            file,
            "",
            format!(
                "a package name that is not a Rust keyword, a Rust library or a name Windows reserves ({from})"
            ),
            found,
        ));
    }
    let lib = name.replace('-', "_");
    if RESERVED_PACKAGES
        .iter()
        .any(|taken| taken.replace('-', "_") == lib)
    {
        return Err(Error::new(
            file,
            "",
            format!(
                "a crate name other than those of Dialtone's own packages and of the crates it depends on ({}; {from})",
                RESERVED_PACKAGES.join(", ")
            ),
            found,
        ));
    }
    Ok(())
}

/// Checks an SPDX licence expression's spelling: identifiers, `AND`,
/// `OR`, `WITH` and parentheses (Cargo's own check is as loose).
fn check_license(file: &str, pointer: &str, license: &str) -> Result<(), Error> {
    let valid = !license.trim().is_empty()
        && license.len() <= 256
        && license.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '+' | '(' | ')' | ':')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::new(
            file,
            pointer,
            "an SPDX licence expression such as `MIT OR Apache-2.0` (--license)",
            Some(format!("\"{license}\"")),
        ))
    }
}

fn string(file: &str, pointer: &str, value: &Value) -> Result<String, Error> {
    value.as_str().map(str::to_owned).ok_or_else(|| {
        Error::new(
            file,
            pointer,
            "a string",
            Some(crate::parse::kind_of(value).to_owned()),
        )
    })
}

fn strings(file: &str, pointer: &str, value: &Value) -> Result<Vec<String>, Error> {
    let Value::Array(items) = value else {
        return Err(Error::new(
            file,
            pointer,
            "a list of strings",
            Some(crate::parse::kind_of(value).to_owned()),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(file, &push_pointer(pointer, &i.to_string()), item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_fills_what_is_unset_and_is_checked() {
        let ext = serde_json::json!({"version": "0.3.1", "keywords": ["pbx"], "license": "MIT"});
        let given = Package {
            license: Some("Apache-2.0".into()),
            ..Package::default()
        };
        let p = given.resolve("s.yaml", Some(&ext)).unwrap();
        assert_eq!(p.version.as_deref(), Some("0.3.1"));
        assert_eq!(p.license.as_deref(), Some("Apache-2.0"));
        assert_eq!(p.keywords, ["pbx"]);
        for (bad, pointer) in [
            (
                serde_json::json!({"version": "one"}),
                "/x-dialtone-crate/version",
            ),
            (
                serde_json::json!({"keywords": ["ok", "-no"]}),
                "/x-dialtone-crate/keywords/1",
            ),
            (
                serde_json::json!({"keywords": "pbx"}),
                "/x-dialtone-crate/keywords",
            ),
            (
                serde_json::json!({"categories": ["Bad Slug"]}),
                "/x-dialtone-crate/categories/0",
            ),
            (
                serde_json::json!({"license": "MIT\"\n[evil]"}),
                "/x-dialtone-crate/license",
            ),
            (
                serde_json::json!({"edition": "2015"}),
                "/x-dialtone-crate/edition",
            ),
            (serde_json::json!(7), "/x-dialtone-crate"),
        ] {
            let e = Package::default()
                .resolve("s.yaml", Some(&bad))
                .unwrap_err();
            assert_eq!(e.pointer, pointer, "{e}");
        }
    }

    #[test]
    fn package_names_follow_cargo() {
        for good in ["acme-pbx", "a", "pbx_client2"] {
            check_package_name("s", good, "--package-name").unwrap();
        }
        for bad in [
            "",
            "Acme",
            "2pbx",
            "-x",
            "a b",
            "fn",
            "test",
            "nul",
            "dialtone-runtime",
            "dialtone_runtime",
            "serde-json",
            "tokio",
        ] {
            assert!(
                check_package_name("s", bad, "--package-name").is_err(),
                "{bad}"
            );
        }
        assert!(check_package_name("s", &"a".repeat(65), "--package-name").is_err());
    }

    #[test]
    fn runtime_requirements_must_allow_the_runtime_this_generator_targets() {
        for good in [RUNTIME_VERSION, "0.1", "^0.1.0", ">=0.1.0, <0.2", "=0.1.0"] {
            check_runtime_requirement("s", good).unwrap();
        }
        for bad in ["0.2", "1", "<0.1.0", "not a version", ""] {
            assert!(check_runtime_requirement("s", bad).is_err(), "{bad}");
        }
    }
}
