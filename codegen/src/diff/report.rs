//! The report as Markdown for a pull request, and the version bump the
//! README's versioning policy asks for.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Change, Impact, Report};

/// Which part of a version moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing changed.
    None,
    Patch,
    Minor,
    Major,
}

/// The bump the policy asks of a crate at `version` for a change of
/// `impact`: at 0.x breaking moves the minor version and anything else
/// the patch; from 1.0 breaking moves the major, additive the minor,
/// documentation the patch.
pub fn bump(version: &semver::Version, impact: Impact) -> Bump {
    match (version.major, impact) {
        (0, Impact::Breaking) => Bump::Minor,
        (0, _) => Bump::Patch,
        (_, Impact::Breaking) => Bump::Major,
        (_, Impact::Additive) => Bump::Minor,
        (_, Impact::None) => Bump::Patch,
    }
}

/// The smallest version after `version` that the policy allows for a
/// change of `impact`.
pub fn suggested_version(version: &semver::Version, impact: Impact) -> semver::Version {
    let v = version;
    match bump(v, impact) {
        Bump::Major => semver::Version::new(v.major + 1, 0, 0),
        Bump::Minor => semver::Version::new(v.major, v.minor + 1, 0),
        Bump::Patch => semver::Version::new(v.major, v.minor, v.patch + 1),
        Bump::None => v.clone(),
    }
}

/// The report as a pull-request comment: a title with the overall impact
/// and the suggested version, then the changes grouped by impact and,
/// within each, by operation (changes to types shared by several
/// operations come under "Types and crate-wide"). `version` is the
/// crate's version before the change, when known.
pub fn markdown(report: &Report, version: Option<&semver::Version>) -> String {
    let mut out = String::new();
    let impact = report.impact();
    let _ = write!(out, "### `{}`: {}", report.crate_name, impact.as_str());
    if report.changes.is_empty() {
        out.push_str(" (the spec text changed; nothing generated changes)\n");
        return out;
    }
    let _ = write!(
        out,
        " ({} change{})",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" }
    );
    out.push('\n');
    if let Some(v) = version {
        let next = suggested_version(v, impact);
        let _ = writeln!(
            out,
            "\nSuggested version: **{next}** (from {v}; {} bump for a {} change at {}).",
            match bump(v, impact) {
                Bump::Major => "major",
                Bump::Minor => "minor",
                Bump::Patch => "patch",
                Bump::None => "no",
            },
            impact.as_str(),
            if v.major == 0 { "0.x" } else { ">= 1.0" }
        );
    }
    for level in [Impact::Breaking, Impact::Additive, Impact::None] {
        let of_level: Vec<&Change> = report
            .changes
            .iter()
            .filter(|c| c.impact() == level)
            .collect();
        if of_level.is_empty() {
            continue;
        }
        let title = match level {
            Impact::Breaking => "Breaking",
            Impact::Additive => "Additive",
            Impact::None => "Documentation only",
        };
        let _ = writeln!(out, "\n#### {title} ({})", of_level.len());
        let mut by_op: BTreeMap<Option<&str>, Vec<&Change>> = BTreeMap::new();
        for c in of_level {
            by_op.entry(c.operation.as_deref()).or_default().push(c);
        }
        for (op, changes) in by_op {
            match op {
                Some(op) => {
                    let _ = writeln!(out, "\n`{}`", escape_md(op));
                }
                None => {
                    let _ = writeln!(out, "\nTypes and crate-wide");
                }
            }
            out.push('\n');
            for c in changes {
                let _ = writeln!(
                    out,
                    "- **{}** `{}`: {}",
                    c.kind,
                    escape_md(&c.rust_item),
                    escape_md(&c.message).replace('\n', " ")
                );
                let _ = writeln!(
                    out,
                    "  <sub>{} → {}</sub>",
                    c.pointer_old
                        .as_deref()
                        .map_or("(absent)".to_owned(), |p| format!("`{}`", escape_md(p))),
                    c.pointer_new
                        .as_deref()
                        .map_or("(absent)".to_owned(), |p| format!("`{}`", escape_md(p))),
                );
            }
        }
    }
    out
}

/// Spec text in Markdown: what could open raw HTML is escaped; backticks
/// are kept, the messages quote with them.
fn escape_md(text: &str) -> String {
    text.replace('<', "&lt;")
}
