//! Reading a profile file: syntax, schema version and shape, each failure pointing at its line.

use super::password::plain_text_refused;
use super::{Profile, SCHEMA_VERSION, locate};
use crate::diagnostic::{Diagnostic, Location};
use crate::i18n::{Message, os_error};
use crate::msg;
use crate::suggest::did_you_mean;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A profile that was read and parsed, with its text kept for pointing at lines.
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    pub path: PathBuf,
    pub text: String,
    pub profile: Profile,
}

/// The profile cannot be read or does not have the profile's shape.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub diagnostic: Box<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::error::Error for LoadError {}

impl From<Diagnostic> for LoadError {
    fn from(diagnostic: Diagnostic) -> Self {
        LoadError { diagnostic: Box::new(diagnostic) }
    }
}

/// How the file of passwords kept beside a profile ends: `kenpo-kumiai.toml` keeps `kenpo-kumiai.secrets.toml`.
pub const SECRETS_SUFFIX: &str = ".secrets.toml";

impl LoadedProfile {
    pub fn load(path: &Path) -> Result<LoadedProfile, LoadError> {
        // `for f in *.toml` picks up the passwords kept beside each profile (desk review F12): name the profile.
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if let Some(stem) = name
            .len()
            .checked_sub(SECRETS_SUFFIX.len())
            .filter(|&at| name.is_char_boundary(at) && name[at..].eq_ignore_ascii_case(SECRETS_SUFFIX))
        {
            let profile = path.with_file_name(format!("{}.toml", &name[..stem]));
            return Err(Diagnostic::error(msg!(
                "load.secrets-file",
                path = path.display(),
                profile = profile.display()
            ))
            .into());
        }
        let bytes = std::fs::read(path).map_err(|err| {
            Diagnostic::error(msg!("load.unreadable", path = path.display(), reason = os_error(&err)))
        })?;
        let text = String::from_utf8(bytes).map_err(|err| {
            let valid = String::from_utf8_lossy(&err.as_bytes()[..err.utf8_error().valid_up_to()]).into_owned();
            Diagnostic::error(msg!("load.not-utf8"))
                .at(Location::at_offset(path, &valid, valid.len()))
                .help(msg!("load.not-utf8.help"))
        })?;
        Self::parse(path, text)
    }

    /// Parses `text` as the profile at `path` (the path places relative files and names the file in errors).
    pub fn parse(path: &Path, text: String) -> Result<LoadedProfile, LoadError> {
        check_schema_version(path, &text)?;
        let profile = toml::from_str::<Profile>(&text).map_err(|err| toml_error(path, &text, &err))?;
        Ok(LoadedProfile { path: path.to_path_buf(), text, profile })
    }

    /// The folder that relative paths in the profile start from.
    pub fn base_dir(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }

    /// A path from the profile, made relative to the profile's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir().join(path)
    }

    /// Where `field` (a dotted path such as `terminal.hostname`) stands in the file.
    pub fn locate(&self, field: &str) -> Option<Location> {
        locate(&self.text, field).map(|span| Location::at_offset(&self.path, &self.text, span.start))
    }
}

/// Reads `schema` first, so that a profile written for another version gets that explanation instead of a list of
/// unknown keys.
fn check_schema_version(path: &Path, text: &str) -> Result<(), LoadError> {
    #[derive(Deserialize)]
    struct Probe {
        schema: Option<toml::Spanned<toml::Value>>,
    }
    let probe: Probe = toml::from_str(text).map_err(|err| toml_error(path, text, &err))?;
    let Some(schema) = probe.schema else {
        return Err(Diagnostic::error(msg!("load.no-schema"))
            .help(msg!("load.no-schema.help", version = SCHEMA_VERSION))
            .into());
    };
    let at = Location::at_offset(path, text, schema.span().start);
    match schema.get_ref().as_integer() {
        Some(version) if version == i64::from(SCHEMA_VERSION) => Ok(()),
        Some(version) if version > i64::from(SCHEMA_VERSION) => {
            Err(Diagnostic::error(msg!("load.newer-schema", found = version, supported = SCHEMA_VERSION))
                .at(at)
                .help(msg!("load.newer-schema.help"))
                .into())
        }
        _ => Err(Diagnostic::error(msg!("load.bad-schema", version = SCHEMA_VERSION)).at(at).into()),
    }
}

pub(crate) fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> LoadError {
    let detail = err.message().trim_end().to_string();
    let location = err.span().map(|span| Location::at_offset(path, text, span.start));
    // The traps of people used to Windows and Japanese input, recognised on the line itself, with the line as it
    // should be (desk review F5).
    if let Some((problem, corrected)) = location.as_ref().and_then(|l| windows_trap(&l.line_text, &detail)) {
        let help = msg!("load.toml.corrected", line = corrected);
        return Diagnostic::error(problem).at(location.expect("a trap is found on a line")).help(help).into();
    }
    let mut diagnostic = Diagnostic::error(describe(&detail));
    if let Some(mut location) = location {
        if detail.starts_with(&plain_text_refused().to_string()) {
            location.line_text.clear();
        }
        diagnostic = diagnostic.at(location);
    }
    if let Some(help) = suggestion_for(&detail) {
        diagnostic = diagnostic.help(help);
    }
    diagnostic.into()
}

/// Full-width characters a Japanese input method types where TOML needs the ASCII ones, with them.
const FULL_WIDTH: &[(char, char)] = &[
    ('＝', '='),
    ('＂', '"'),
    ('“', '"'),
    ('”', '"'),
    ('’', '\''),
    ('‘', '\''),
    ('［', '['),
    ('］', ']'),
    ('｛', '{'),
    ('｝', '}'),
    ('，', ','),
    ('\u{3000}', ' '),
];

/// A line that breaks TOML the way a Windows user's habits do: a backslash path or a pasted instance ID between
/// double quotes (where `\` starts an escape), or full-width punctuation. The problem, and the line corrected.
fn windows_trap(line: &str, detail: &str) -> Option<(Message, String)> {
    let outside_strings: String = line.split('"').step_by(2).collect();
    if FULL_WIDTH.iter().any(|(wide, _)| outside_strings.contains(*wide)) || line.trim_start().starts_with('＝') {
        let corrected: String = line
            .chars()
            .map(|c| FULL_WIDTH.iter().find(|(wide, _)| *wide == c).map_or(c, |(_, ascii)| *ascii))
            .collect();
        return Some((msg!("load.toml.full-width"), corrected));
    }
    // Double-quoted strings that hold a backslash become literal strings, where a backslash is a backslash; only when
    // the parser stopped at an escape, since `\n` is a fine escape elsewhere.
    if !detail.contains("escape") {
        return None;
    }
    let mut corrected = String::new();
    let mut changed = false;
    for (index, part) in line.split('"').enumerate() {
        if index % 2 == 1 && part.contains('\\') && !part.contains('\'') {
            corrected.push('\'');
            corrected.push_str(part);
            corrected.push('\'');
            changed = true;
        } else if index % 2 == 1 {
            corrected.push('"');
            corrected.push_str(part);
            corrected.push('"');
        } else {
            corrected.push_str(part);
        }
    }
    changed.then(|| (msg!("load.toml.backslash"), corrected))
}

/// serde's and the TOML parser's English description of a problem, as a message: the common shapes get their
/// own translated message, anything else is shown as the parser says it.
fn describe(detail: &str) -> Message {
    let quoted = |rest: &str| rest.split('`').nth(1).unwrap_or_default().to_string();
    if let Some(rest) = detail.strip_prefix("unknown field ") {
        msg!("load.unknown-field", name = quoted(rest))
    } else if let Some(rest) = detail.strip_prefix("unknown variant ") {
        msg!("load.unknown-variant", name = quoted(rest))
    } else if let Some(rest) = detail.strip_prefix("missing field ") {
        msg!("load.missing-field", name = quoted(rest))
    } else if let Some(rest) = detail.strip_prefix("invalid type: ") {
        msg!("load.invalid-type", detail = rest)
    } else {
        syntax_error(detail).unwrap_or_else(|| msg!("load.invalid", detail = detail))
    }
}

/// The TOML parser's common syntax errors ("invalid basic string, expected `\"`"), by their first clause.
fn syntax_error(detail: &str) -> Option<Message> {
    Some(match detail.split(',').next()? {
        "invalid basic string" | "invalid literal string" => msg!("load.toml.unclosed-string"),
        "key with no value" => msg!("load.toml.no-value"),
        "duplicate key" => msg!("load.toml.duplicate-key"),
        "string values must be quoted" => msg!("load.toml.unquoted"),
        "unclosed table" | "unclosed array of tables" => msg!("load.toml.unclosed-table"),
        "unexpected key or value" => msg!("load.toml.trailing"),
        _ => return None,
    })
}

/// serde reports an unknown key or word as "unknown field `x`, expected one of `a`, `b`" (or "unknown variant");
/// the nearest expected word is the likely intent.
fn suggestion_for(message: &str) -> Option<Message> {
    let rest = message.strip_prefix("unknown field ").or_else(|| message.strip_prefix("unknown variant "))?;
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let unknown = quoted.next()?;
    let expected: Vec<&str> = quoted.collect();
    match did_you_mean(unknown, expected.iter().copied()) {
        Some(nearest) => Some(msg!("suggest.did-you-mean", name = nearest)),
        None if !expected.is_empty() => Some(msg!(
            "suggest.expected-one-of",
            names = expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
        )),
        None => None,
    }
}
