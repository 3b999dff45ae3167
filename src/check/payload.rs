//! Payload files named by the profile: present, and what their names claim.

use crate::diagnostic::Diagnostic;
use crate::i18n::os_error;
use crate::msg;
use crate::payload::{PayloadKind, inspect};
use crate::profile::LoadedProfile;
use std::path::Path;

/// Checks the file at `path` (as written in the profile's `field`) and reports against `item`.
pub fn check_file(
    loaded: &LoadedProfile,
    path: &Path,
    field: &str,
    allowed: &[PayloadKind],
    item: &'static str,
    findings: &mut Vec<Diagnostic>,
) {
    let resolved = loaded.resolve(path);
    let kind = PayloadKind::from_extension(path);
    let finding = match kind {
        Some(kind) if allowed.contains(&kind) => match inspect(&resolved) {
            Ok(inspection) if inspection.placeholder => {
                Some(Diagnostic::warning(msg!("check.payload.placeholder", path = path.display())))
            }
            Ok(_) => None,
            Err(problem) => Some(Diagnostic::error(problem)),
        },
        _ => {
            let expected: Vec<&str> = allowed.iter().flat_map(|kind| kind.extensions()).copied().collect();
            Some(Diagnostic::error(msg!("check.payload.kind", path = path.display(), kinds = expected.join(" / "))))
        }
    };
    if let Some(finding) = finding {
        findings.push(finding.item(item).field(field));
    }
}

/// Checks a folder of Windows update packages (`.msu`, `.cab`).
pub fn check_update_folder(loaded: &LoadedProfile, folder: &Path, field: &str, findings: &mut Vec<Diagnostic>) {
    let resolved = loaded.resolve(folder);
    let entries = match std::fs::read_dir(&resolved) {
        Ok(entries) => entries,
        Err(err) => {
            findings.push(
                Diagnostic::error(msg!(
                    "check.payload.folder-unreadable",
                    path = folder.display(),
                    reason = os_error(&err)
                ))
                .item("SEC-6")
                .field(field),
            );
            return;
        }
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).map(|entry| entry.file_name()).collect();
    names.sort();
    if names.is_empty() {
        findings.push(
            Diagnostic::warning(msg!("check.payload.folder-empty", path = folder.display())).item("SEC-6").field(field),
        );
    }
    for name in names {
        check_file(loaded, &folder.join(name), field, &[PayloadKind::Cabinet], "SEC-6", findings);
    }
}
