//! Where everything goes on the provisioning stick. The post-install scripts and `verify` rely on these paths.
//!
//! ```text
//! autounattend.xml                      Windows Setup finds it at the root of any drive
//! tanmatsu/media-<id>.id                the marker the first-logon command looks for (drive letters vary)
//! tanmatsu/manifest.json, SHA256SUMS    what the stick holds, with hashes
//! tanmatsu/payload/<role>/<file>        installers
//! tanmatsu/updates/windows/<file>       offline Windows updates
//! tanmatsu/updates/defender/<file>      Defender's offline definitions
//! tanmatsu/certs/device.pfx             the device certificate
//! tanmatsu/certs/authorities/<file>     the issuing authorities
//! tanmatsu/disarmed.txt                 written by the terminal when provisioning has finished: what it removed
//! tanmatsu/setup/disk-guard.vbs         run by Windows Setup in Windows PE before it wipes disk 0
//! ```

use crate::profile::LoadedProfile;
use std::path::PathBuf;

pub const ANSWER_FILE: &str = "autounattend.xml";
pub const MEDIA_DIR: &str = "tanmatsu";
pub const MANIFEST: &str = "tanmatsu/manifest.json";
pub const CHECKSUMS: &str = "tanmatsu/SHA256SUMS";
pub const ENTRY_SCRIPT: &str = "tanmatsu/scripts/Start-Provisioning.ps1";
pub const DEVICE_CERTIFICATE: &str = "tanmatsu/certs/device.pfx";
/// The terminal's record of the files it removed from the stick once provisioning had finished.
pub const DISARM_RECORD: &str = "tanmatsu/disarmed.txt";
/// What a used stick must no longer carry: the answer file (every password, and the instruction to wipe disk 0 at
/// the next boot from the stick) and the device certificate (scripts review S3).
pub const DISARMED_FILES: [&str; 2] = [ANSWER_FILE, DEVICE_CERTIFICATE];

/// The terminal's own folder in `%ProgramData%` (state, log, reports) and its provisioning state file there: the
/// scripts are given both, and the disk guard reads the state from the Windows volume ([`terminal_state`]).
pub const TERMINAL_FOLDER: &str = "tanmatsu";
pub const TERMINAL_STATE_FILE: &str = "state.json";

/// The terminal's provisioning state, relative to the root of the volume Windows is on.
pub fn terminal_state() -> String {
    format!(r"ProgramData\{TERMINAL_FOLDER}\{TERMINAL_STATE_FILE}")
}

/// Text for the scripts the stick carries, with Windows' CRLF line ends whatever the template's were.
pub fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// The marker file of the media with this ID.
pub fn marker(media_id: &str) -> String {
    format!("{MEDIA_DIR}/media-{media_id}.id")
}

/// A path on the media as Windows writes it, relative to the drive's root.
pub fn windows_path(media_path: &str) -> String {
    media_path.replace('/', "\\")
}

/// What a file is for, so that the scripts can find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    AcrobatReader,
    Archiver,
    CsvEditor,
    /// The profile's `software.extra[n]`.
    Extra(usize),
    DefenderDefinitions,
    /// The profile's `certificates.authorities[n]`.
    Authority(usize),
    DeviceCertificate,
    WindowsUpdate,
}

/// One file the profile brings onto the media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub source: PathBuf,
    /// Relative to the media's root, with `/`.
    pub destination: String,
    pub role: Role,
}

/// Every file the profile names, with its place on the media, in a fixed order.
pub fn profile_files(loaded: &LoadedProfile) -> Vec<MediaFile> {
    let profile = &loaded.profile;
    let software = &profile.software;
    let mut placed: Vec<(PathBuf, &str, Role)> = vec![
        (software.acrobat_reader.installer.clone(), "payload/acrobat-reader", Role::AcrobatReader),
        (software.archiver.installer.clone(), "payload/archiver", Role::Archiver),
    ];
    placed.extend(software.csv_editor.iter().map(|e| (e.installer.clone(), "payload/csv-editor", Role::CsvEditor)));
    placed
        .extend(software.extra.iter().enumerate().map(|(i, e)| (e.installer.clone(), "payload/extra", Role::Extra(i))));
    placed.extend(
        profile.updates.defender_definitions.iter().map(|d| (d.clone(), "updates/defender", Role::DefenderDefinitions)),
    );
    placed.extend(
        profile
            .certificates
            .authorities
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), "certs/authorities", Role::Authority(i))),
    );
    if let Some(folder) = &profile.updates.windows {
        let mut updates: Vec<PathBuf> = std::fs::read_dir(loaded.resolve(folder))
            .map(|entries| entries.filter_map(Result::ok).map(|e| folder.join(e.file_name())).collect())
            .unwrap_or_default();
        updates.sort();
        placed.extend(updates.into_iter().map(|u| (u, "updates/windows", Role::WindowsUpdate)));
    }
    let mut files: Vec<MediaFile> = placed
        .into_iter()
        .map(|(source, folder, role)| {
            let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // Extras each get a folder of their own, so that two installers of the same name cannot collide.
            let folder = match role {
                Role::Extra(i) => format!("{folder}/{}", i + 1),
                _ => folder.to_string(),
            };
            MediaFile { source: loaded.resolve(&source), destination: format!("{MEDIA_DIR}/{folder}/{name}"), role }
        })
        .collect();
    files.push(MediaFile {
        source: loaded.resolve(&profile.certificates.device.pfx),
        destination: DEVICE_CERTIFICATE.to_string(),
        role: Role::DeviceCertificate,
    });
    files
}
