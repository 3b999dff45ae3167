//! Passwords: read from their sources, or generated once and kept beside the profile.
//!
//! A generated password lives in `<profile>.secrets.toml` next to the profile, so that every later run uses the same
//! one (the media stay reproducible) and the staff can print it as the terminal's password slip. That file never
//! goes onto the media, and no password is ever printed by a log or a report: [`Secret`] has no `Display`, and its
//! `Debug` is redacted.

use crate::fsutil::write_atomically;
use crate::i18n::{Message, os_error};
use crate::msg;
use crate::profile::{LoadedProfile, PasswordSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A password in memory, wiped when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    /// The password itself, for the one place that must encode it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a password could not be had. The message names the source, never the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    MissingEnv(String),
    UnreadableFile {
        path: PathBuf,
        reason: String,
    },
    EmptyFile(PathBuf),
    BadSecretsFile {
        path: PathBuf,
        reason: String,
    },
    Unwritable {
        path: PathBuf,
        reason: String,
    },
    /// Generating would change the passwords of a terminal whose media were made before (desk review F2).
    WouldChange {
        path: PathBuf,
        evidence: String,
    },
}

/// Whether passwords may be generated where the secrets file has none.
#[derive(Debug, Clone, Default)]
pub struct NewPasswords {
    /// Why this profile's media are known to have been made before (a ledger row): then no password is generated
    /// unless asked, since the slip already printed would no longer match.
    pub made_before: Option<String>,
    /// The person asked for new passwords (`--new-passwords`).
    pub requested: bool,
}

impl SecretError {
    pub fn message(&self) -> Message {
        match self {
            SecretError::MissingEnv(variable) => msg!("secret.missing-env", variable = variable),
            SecretError::UnreadableFile { path, reason } => {
                msg!("secret.unreadable-file", path = path.display(), reason = reason)
            }
            SecretError::EmptyFile(path) => msg!("secret.empty-file", path = path.display()),
            SecretError::BadSecretsFile { path, reason } => {
                msg!("secret.bad-store", path = path.display(), reason = reason)
            }
            SecretError::WouldChange { path, evidence } => {
                msg!("secret.would-change", path = path.display(), evidence = evidence)
            }
            SecretError::Unwritable { path, reason } => {
                msg!("secret.unwritable", path = path.display(), reason = reason)
            }
        }
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for SecretError {}

/// The secrets file that belongs to a profile: `examples/kenpo-kumiai.toml` → `examples/kenpo-kumiai.secrets.toml`.
pub fn secrets_path(profile_path: &Path) -> PathBuf {
    let stem = profile_path.file_stem().unwrap_or_default().to_string_lossy();
    profile_path.with_file_name(format!("{stem}{}", crate::profile::SECRETS_SUFFIX))
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredSecrets {
    /// Generated passwords by account name.
    #[serde(default)]
    generated: BTreeMap<String, String>,
}

/// The passwords of one profile: reads sources, and generates and stores what is asked to be generated.
pub struct Secrets<'a> {
    profile: &'a LoadedProfile,
    path: PathBuf,
    stored: StoredSecrets,
    policy: NewPasswords,
    /// The accounts whose passwords this run generated.
    generated: Vec<String>,
}

impl<'a> Secrets<'a> {
    pub fn open(profile: &'a LoadedProfile, policy: NewPasswords) -> Result<Secrets<'a>, SecretError> {
        let path = secrets_path(&profile.path);
        let stored = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|err| SecretError::BadSecretsFile { path: path.clone(), reason: err.message().to_string() })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => StoredSecrets::default(),
            Err(err) => {
                return Err(SecretError::BadSecretsFile { path, reason: err.to_string() });
            }
        };
        Ok(Secrets { profile, path, stored, policy, generated: Vec::new() })
    }

    /// The password for `account` from `source`, without generating anything: `Ok(None)` means it would be generated.
    pub fn peek(&self, account: &str, source: &PasswordSource) -> Result<Option<Secret>, SecretError> {
        match source {
            PasswordSource::Generate => Ok(self.stored.generated.get(account).cloned().map(Secret::new)),
            PasswordSource::Env(variable) => read_env(variable).map(Some),
            PasswordSource::File(path) => read_file(&self.profile.resolve(path)).map(Some),
        }
    }

    /// The password for `account`, generating (and remembering) one where the source says so.
    pub fn password(&mut self, account: &str, source: &PasswordSource) -> Result<Secret, SecretError> {
        if let Some(secret) = self.peek(account, source)? {
            return Ok(secret);
        }
        if let Some(evidence) = self.policy.made_before.as_ref().filter(|_| !self.policy.requested) {
            return Err(SecretError::WouldChange { path: self.path.clone(), evidence: evidence.clone() });
        }
        let generated = generate_password();
        self.stored.generated.insert(account.to_string(), generated.expose().to_string());
        self.generated.push(account.to_string());
        Ok(generated)
    }

    /// Writes newly generated passwords to the secrets file (readable by its owner only), and says for which accounts
    /// passwords were generated: their slip must be printed (again).
    pub fn save(&mut self) -> Result<Vec<String>, SecretError> {
        if self.generated.is_empty() {
            return Ok(Vec::new());
        }
        let profile_name = self.profile.path.file_name().unwrap_or_default().to_string_lossy();
        let body = toml::to_string(&self.stored).expect("a map of strings serialises");
        let header = crate::t!("secrets.file-header", profile = profile_name);
        let comment: String = header.lines().map(|line| format!("# {line}\n")).collect();
        let text = format!("{comment}\n{body}");
        write_atomically(&self.path, text.as_bytes(), Some(0o600))
            .map_err(|err| SecretError::Unwritable { path: self.path.clone(), reason: os_error(&err) })?;
        Ok(std::mem::take(&mut self.generated))
    }
}

fn read_env(variable: &str) -> Result<Secret, SecretError> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        _ => Err(SecretError::MissingEnv(variable.to_string())),
    }
}

fn read_file(path: &Path) -> Result<Secret, SecretError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| SecretError::UnreadableFile { path: path.to_path_buf(), reason: os_error(&err) })?;
    let text = Zeroizing::new(text);
    let password = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    if password.is_empty() {
        return Err(SecretError::EmptyFile(path.to_path_buf()));
    }
    Ok(Secret::new(password.to_string()))
}

/// Characters that cannot be confused when read off a printed slip (no 0/O, 1/l/I) and that need no escaping in
/// any shell or keyboard layout.
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const GENERATED_LENGTH: usize = 16;

/// A random password of 16 characters with upper case, lower case and digits (Windows' complexity rule asks for
/// three classes): about 93 bits.
pub fn generate_password() -> Secret {
    let alphabet: Vec<u8> = [UPPER, LOWER, DIGITS].concat();
    loop {
        let password: String = (0..GENERATED_LENGTH).map(|_| alphabet[uniform_index(alphabet.len())] as char).collect();
        let has = |class: &[u8]| password.bytes().any(|b| class.contains(&b));
        if has(UPPER) && has(LOWER) && has(DIGITS) {
            return Secret::new(password);
        }
    }
}

/// A uniformly random index below `bound` (rejection sampling avoids the modulo bias).
fn uniform_index(bound: usize) -> usize {
    let limit = 256 - 256 % bound;
    loop {
        let mut byte = [0u8];
        getrandom::fill(&mut byte).expect("the operating system's random source is available");
        if usize::from(byte[0]) < limit {
            return usize::from(byte[0]) % bound;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_mixed_and_different() {
        let a = generate_password();
        let b = generate_password();
        assert_ne!(a, b);
        for secret in [&a, &b] {
            let p = secret.expose();
            assert_eq!(p.len(), GENERATED_LENGTH);
            assert!(p.bytes().any(|c| c.is_ascii_uppercase()));
            assert!(p.bytes().any(|c| c.is_ascii_lowercase()));
            assert!(p.bytes().any(|c| c.is_ascii_digit()));
            assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        }
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let secret = Secret::new("hunter2-is-secret".into());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn secrets_file_sits_beside_the_profile() {
        assert_eq!(
            secrets_path(Path::new("examples/kenpo-kumiai.toml")),
            Path::new("examples/kenpo-kumiai.secrets.toml")
        );
    }
}
