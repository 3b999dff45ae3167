//! The software set (SW-0..SW-6), Defender (SEC-1, SW-3) and offline updates (SEC-6, UPD-0).

use super::payload::{check_file, check_update_folder};
use crate::diagnostic::Diagnostic;
use crate::i18n::Lang;
use crate::installers::{Evidence, SilentInstall};
use crate::msg;
use crate::payload::PayloadKind;
use crate::profile::{CustomSoftware, LoadedProfile};

const INSTALLERS: &[PayloadKind] = &[PayloadKind::Executable, PayloadKind::Installer];

/// Browsers that Japanese offices are known to install; the spec allows Edge alone (SW-2).
const OTHER_BROWSERS: &[&str] = &[
    "chrome",
    "chromium",
    "firefox",
    "opera",
    "brave",
    "vivaldi",
    "iexplore",
    "internet explorer",
    "sleipnir",
    "lunascape",
    "waterfox",
    "yandex",
    "safari",
];

pub fn check(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let software = &loaded.profile.software;
    check_file(
        loaded,
        &software.acrobat_reader.installer,
        "software.acrobat_reader.installer",
        INSTALLERS,
        "SW-5",
        findings,
    );
    check_archiver(loaded, findings);
    if let Some(editor) = &software.csv_editor {
        check_custom(loaded, editor, "software.csv_editor", "SW-6", findings);
    }
    for (i, extra) in software.extra.iter().enumerate() {
        let field = format!("software.extra[{i}]");
        check_custom(loaded, extra, &field, "SW-0", findings);
        if extra.purpose.as_deref().is_none_or(|p| p.trim().is_empty()) {
            findings.push(
                Diagnostic::error(msg!("check.software.no-purpose", name = &extra.name))
                    .item("SW-0")
                    .field(field)
                    .help(msg!("check.software.no-purpose.help")),
            );
        }
    }
    check_defender(loaded, findings);
    check_updates(loaded, findings);
}

fn check_archiver(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let archiver = &loaded.profile.software.archiver;
    check_file(loaded, &archiver.installer, "software.archiver.installer", INSTALLERS, "SW-4", findings);
    if archiver.encrypted_zip == Some(false) {
        findings.push(
            Diagnostic::error(msg!("check.software.archiver-zip"))
                .item("SW-4")
                .field("software.archiver.encrypted_zip"),
        );
    }
    let msi = crate::installers::is_msi(&archiver.installer.to_string_lossy());
    if let Some(known) = crate::installers::archiver(archiver.product, msi) {
        if archiver.arguments.is_none() {
            check_switches(&known, findings);
        }
        return;
    }
    if archiver.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        findings.push(Diagnostic::error(msg!("check.software.archiver-name")).item("SW-4").field("software.archiver"));
    }
    if archiver.arguments.is_none() {
        findings.push(
            Diagnostic::error(msg!("check.software.archiver-arguments"))
                .item("SW-4")
                .field("software.archiver")
                .help(msg!("check.software.archiver-arguments.help")),
        );
    }
    if archiver.encrypted_zip.is_none() {
        findings.push(
            Diagnostic::error(msg!("check.software.archiver-state-zip"))
                .item("SW-4")
                .field("software.archiver")
                .help(msg!("check.software.archiver-state-zip.help")),
        );
    }
}

/// An installer whose silent switches nobody documents can stop the first sign-in at a window (scripts review S8).
fn check_switches(known: &SilentInstall, findings: &mut Vec<Diagnostic>) {
    let finding = match known.evidence {
        Evidence::Vendor => return,
        Evidence::Indirect => Diagnostic::warning(msg!("check.software.switches-indirect", name = known.name))
            .help(msg!("check.software.switches-indirect.help", source = known.source.in_language(Lang::En))),
        Evidence::None => Diagnostic::error(msg!("check.software.switches-none", name = known.name))
            .help(msg!("check.software.switches-none.help", source = known.source.in_language(Lang::En))),
    };
    findings.push(finding.item("SW-4").field("software.archiver.installer"));
}

fn check_custom(
    loaded: &LoadedProfile,
    software: &CustomSoftware,
    field: &str,
    item: &'static str,
    findings: &mut Vec<Diagnostic>,
) {
    check_file(loaded, &software.installer, &format!("{field}.installer"), INSTALLERS, item, findings);
    let haystack = format!("{} {}", software.name, software.installer.display()).to_lowercase();
    if let Some(browser) = OTHER_BROWSERS.iter().find(|b| haystack.contains(*b)) {
        findings.push(
            Diagnostic::error(msg!("check.software.browser", name = &software.name, browser = browser))
                .item("SW-2")
                .field(field),
        );
    }
}

fn check_defender(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let defender = &loaded.profile.defender;
    if defender.realtime_protection == Some(false) {
        findings.push(
            Diagnostic::error(msg!("check.defender.realtime"))
                .item("SEC-1")
                .field("defender.realtime_protection")
                .help(msg!("check.defender.realtime.help")),
        );
    }
    if !(1..=90).contains(&defender.definitions_max_age_days) {
        findings.push(
            Diagnostic::error(msg!("check.defender.max-age")).item("SEC-1").field("defender.definitions_max_age_days"),
        );
    }
}

fn check_updates(loaded: &LoadedProfile, findings: &mut Vec<Diagnostic>) {
    let updates = &loaded.profile.updates;
    match &updates.defender_definitions {
        Some(path) => {
            check_file(loaded, path, "updates.defender_definitions", &[PayloadKind::Executable], "SEC-1", findings)
        }
        None => findings.push(
            Diagnostic::warning(msg!("check.updates.no-definitions"))
                .item("SEC-1")
                .field("updates")
                .help(msg!("check.updates.no-definitions.help")),
        ),
    }
    match &updates.windows {
        Some(folder) => check_update_folder(loaded, folder, "updates.windows", findings),
        None => findings.push(
            Diagnostic::warning(msg!("check.updates.no-updates"))
                .item("SEC-6")
                .field("updates")
                .help(msg!("check.updates.no-updates.help")),
        ),
    }
}
