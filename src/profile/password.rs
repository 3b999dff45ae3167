//! Where a password comes from. A profile never holds one in plain text: it names a source.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// Made once at random and kept in the secrets file beside the profile.
    Generate,
    /// Read from this environment variable.
    Env(String),
    /// Read from this file (relative to the profile); one trailing newline is ignored.
    File(PathBuf),
}

/// The error for a password written into the profile; the loader shows no snippet for it, so that the password is
/// not copied into a terminal's scroll-back or a log.
pub(crate) fn plain_text_refused() -> crate::i18n::Message {
    crate::msg!("profile.password.plain-text", forms = FORMS)
}

/// The three forms a password source takes, as written in a profile (TOML, the same in every language).
const FORMS: &str = "{ generate = true }, { env = \"VARIABLE\" } or { file = \"path\" }";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    generate: Option<bool>,
    env: Option<String>,
    file: Option<PathBuf>,
}

impl<'de> Deserialize<'de> for PasswordSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = PasswordSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::msg!("profile.password.expecting", forms = FORMS))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<PasswordSource, E> {
        Err(E::custom(plain_text_refused()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PasswordSource, A::Error> {
        let fields = Fields::deserialize(MapAccessDeserializer::new(map))?;
        match (fields.generate, fields.env, fields.file) {
            (Some(true), None, None) => Ok(PasswordSource::Generate),
            (None, Some(variable), None) if !variable.is_empty() => Ok(PasswordSource::Env(variable)),
            (None, None, Some(path)) if !path.as_os_str().is_empty() => Ok(PasswordSource::File(path)),
            (Some(false), None, None) => {
                Err(de::Error::custom(crate::msg!("profile.password.generate-false", forms = FORMS)))
            }
            _ => Err(de::Error::custom(crate::msg!("profile.password.one-source", forms = FORMS))),
        }
    }
}
