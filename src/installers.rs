//! What tanmatsu knows of the installers of the software the spec names: the program's display name, the pattern
//! that finds it among the installed programs, its silent-install switches, and where the switches come from.
//!
//! An installer that ignores its switches shows a window and waits for a click that never comes, on a terminal
//! nobody watches (scripts review S8): every switch here is cited, and how good the citation is decides whether
//! `check` says to try the installer on a test PC first. Windows Installer packages (`.msi`) need no vendor's word:
//! `msiexec /qn` is Windows' own ("msiexec" in the Windows Commands reference); tanmatsu adds `/norestart` and a log.

use crate::i18n::Message;
use crate::msg;
use crate::profile::ArchiverProduct;

/// How well a product's switches are documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The vendor documents them.
    Vendor,
    /// Only others' scripts use them: they probably work, but nobody here has seen it.
    Indirect,
    /// No silent install is documented for this kind of installer.
    None,
}

/// One product's installer, as the scripts run it.
#[derive(Debug, Clone)]
pub struct SilentInstall {
    pub name: &'static str,
    /// A `-like` pattern for the display name in the uninstall entries.
    pub detect: &'static str,
    pub arguments: &'static [&'static str],
    /// Where the switches come from. The scripts' log and `check`'s help give it in English, so that they are the
    /// same bytes whatever the desk's language (`check --json` carries the arguments of its messages).
    pub source: Message,
    pub evidence: Evidence,
}

/// Adobe Acrobat Reader: its setup program passes `/msi` and what follows to Windows Installer.
pub fn acrobat_reader(msi: bool) -> SilentInstall {
    SilentInstall {
        name: "Adobe Acrobat Reader",
        detect: "Adobe Acrobat*",
        arguments: if msi { &["/qn", "EULA_ACCEPT=YES"] } else { &["/sAll", "/rs", "/msi", "EULA_ACCEPT=YES"] },
        source: msg!("installer.source.acrobat-reader"),
        evidence: Evidence::Vendor,
    }
}

/// The archivers the profile can name (SW-4); `None` for `other`, whose arguments the profile gives.
pub fn archiver(product: ArchiverProduct, msi: bool) -> Option<SilentInstall> {
    let (name, detect) = match product {
        ArchiverProduct::Lhaplus => ("Lhaplus", "Lhaplus*"),
        ArchiverProduct::SevenZip => ("7-Zip", "7-Zip*"),
        ArchiverProduct::Winzip => ("WinZip", "WinZip*"),
        ArchiverProduct::Other => return None,
    };
    if msi {
        return Some(SilentInstall {
            name,
            detect,
            arguments: &["/qn"],
            source: msg!("installer.source.msiexec"),
            evidence: Evidence::Vendor,
        });
    }
    let (arguments, source, evidence): (&'static [&'static str], Message, Evidence) = match product {
        ArchiverProduct::SevenZip => (&["/S"], msg!("installer.source.7zip"), Evidence::Vendor),
        // No page of the author says what builds lpls174.exe; third-party installs (a Chocolatey package that
        // downloads it from the author's site) pass Inno Setup's switches.
        ArchiverProduct::Lhaplus => {
            (&["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"], msg!("installer.source.lhaplus"), Evidence::Indirect)
        }
        // WinZip documents unattended installs for its MSI only; winget's reviewers found its .exe does not
        // install silently (microsoft/winget-pkgs#79406).
        _ => (&[], msg!("installer.source.winzip"), Evidence::None),
    };
    Some(SilentInstall { name, detect, arguments, source, evidence })
}

/// Whether `path` names a Windows Installer package.
pub fn is_msi(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".msi")
}
