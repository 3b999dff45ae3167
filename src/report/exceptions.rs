//! Exceptions the desk approved: a terminal's item that fails, accepted for a stated reason by a named approver
//! on a date. A desk-side TOML file, kept with the ledger; `report --exceptions FILE` shows each excepted item as
//! such, with its reason, instead of as a failure. An exception never hides the measurement: the checks are shown
//! as they are.
//!
//! ```toml
//! [[exception]]
//! terminal = "CHUKAN-T01"
//! item = "HW-6"
//! reason = "11.6 インチの既存端末。外部ディスプレイ (23 インチ) を常設"
//! approver = "情報管理課長 山田"
//! date = "2026-11-30"
//! ```

use crate::diagnostic::{Diagnostic, Location};
use crate::i18n::os_error;
use crate::msg;
use crate::profile::LoadError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    pub terminal: String,
    pub item: String,
    pub reason: String,
    pub approver: String,
    pub date: String,
}

/// An entry as written, each value with its place in the file for the error that names it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    terminal: Spanned<String>,
    item: Spanned<String>,
    reason: Spanned<String>,
    approver: Spanned<String>,
    date: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    #[serde(default)]
    exception: Vec<Entry>,
}

/// Reads the exceptions file: every entry names a terminal, a spec item, a reason, an approver and a date
/// (`yyyy-mm-dd`).
pub fn load(path: &Path) -> Result<Vec<Exception>, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Diagnostic::error(msg!("load.unreadable", path = path.display(), reason = os_error(&err))))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let file: ExceptionsFile = toml::from_str(&text).map_err(|err| crate::profile::toml_error(path, &text, &err))?;
    let at = |value: &Spanned<String>| Location::at_offset(path, &text, value.span().start);
    let mut exceptions = Vec::new();
    for entry in file.exception {
        if !crate::spec::items().iter().any(|item| item.id == *entry.item.get_ref()) {
            let unknown = msg!("exceptions.unknown-item", item = entry.item.get_ref());
            return Err(Diagnostic::error(unknown).at(at(&entry.item)).into());
        }
        for (field, value) in [("terminal", &entry.terminal), ("reason", &entry.reason), ("approver", &entry.approver)]
        {
            if value.get_ref().trim().is_empty() {
                return Err(Diagnostic::error(msg!("exceptions.empty", field = field)).at(at(value)).into());
            }
        }
        if crate::timestamp::parse_rfc3339(&format!("{}T00:00:00Z", entry.date.get_ref())).is_none() {
            return Err(Diagnostic::error(msg!("exceptions.date", date = entry.date.get_ref()))
                .at(at(&entry.date))
                .into());
        }
        exceptions.push(Exception {
            terminal: entry.terminal.into_inner(),
            item: entry.item.into_inner(),
            reason: entry.reason.into_inner(),
            approver: entry.approver.into_inner(),
            date: entry.date.into_inner(),
        });
    }
    Ok(exceptions)
}
