//! `tanmatsu verify`: does a stick, a folder or an image still hold exactly what its manifest lists?
//!
//! Every listed file is re-hashed; a missing, changed or *unlisted* file is a finding (something added to a stick
//! is as suspicious as something changed). Images and block devices are read through their GPT and FAT32 directly,
//! so no mounting is needed and nothing is written.

use crate::build::hash_stream;
use crate::i18n::os_error;
use crate::image::fat::read::{FatReader, VolumeFile};
use crate::image::gpt::{self, MICROSOFT_BASIC_DATA};
use crate::layout;
use crate::manifest::{MANIFEST_VERSION, Manifest};
use crate::msg;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    Missing { path: String },
    Changed { path: String, expected: String, actual: String },
    Unlisted { path: String },
    ImageChanged { expected: String, actual: String },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Missing { path } => crate::msg!("verify.missing", path = path).fmt(f),
            Finding::Changed { path, expected, actual } => {
                crate::msg!("verify.changed", path = path, actual = actual, expected = expected).fmt(f)
            }
            Finding::Unlisted { path } => crate::msg!("verify.unlisted", path = path).fmt(f),
            Finding::ImageChanged { expected, actual } => {
                crate::msg!("verify.image-changed", actual = actual, expected = expected).fmt(f)
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub path: PathBuf,
    pub media_id: String,
    pub files_checked: usize,
    pub bytes_checked: u64,
    pub findings: Vec<Finding>,
    /// Set when the terminal disarmed the stick after provisioning: those files are gone on purpose.
    pub disarmed: Option<Disarmed>,
}

/// The terminal's record (`tanmatsu/disarmed.txt`) of the files it removed once provisioning had finished: the answer
/// file and the device certificate, so that the stick holds no password and never reinstalls a PC unattended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disarmed {
    pub terminal: String,
    pub at: String,
    /// Media paths; only those of [`layout::DISARMED_FILES`] count.
    pub removed: Vec<String>,
}

impl Disarmed {
    /// The record's `key: value` lines, for the media `media_id`; a record of another media is no record.
    fn parse(text: &str, media_id: &str) -> Option<Disarmed> {
        let mut media = None;
        let mut disarmed = Disarmed { terminal: String::new(), at: String::new(), removed: Vec::new() };
        for line in text.trim_start_matches('\u{FEFF}').lines() {
            let Some((key, value)) = line.split_once(':') else { continue };
            let value = value.trim().to_string();
            match key.trim() {
                "media" => media = Some(value),
                "terminal" => disarmed.terminal = value,
                "at" => disarmed.at = value,
                "removed" if layout::DISARMED_FILES.contains(&value.as_str()) => disarmed.removed.push(value),
                _ => {}
            }
        }
        (media.as_deref() == Some(media_id)).then_some(disarmed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{}", crate::msg!("verify.unreadable", path = .path.display(), reason = .reason))]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}", crate::msg!("verify.no-manifest", path = .path.display(), reason = .reason))]
    NoManifest { path: PathBuf, reason: String },
}

/// Where the files are: a folder (a mounted stick), or a FAT32 volume inside an image or a block device.
enum Media {
    Folder(PathBuf),
    Volume { reader: FatReader<File>, files: BTreeMap<String, VolumeFile>, disk: File, disk_bytes: u64 },
}

impl Media {
    fn open(path: &Path) -> io::Result<Media> {
        if path.is_dir() {
            return Ok(Media::Folder(path.to_path_buf()));
        }
        let mut disk = File::open(path)?;
        let disk_bytes = disk.seek(SeekFrom::End(0))?;
        let partitions = gpt::read_partitions(&mut disk, disk_bytes)?;
        let partition = partitions
            .iter()
            .find(|p| p.type_guid == MICROSOFT_BASIC_DATA)
            .or(partitions.first())
            .ok_or_else(|| msg!("verify.no-partition").invalid_data())?;
        if partition.span.offset() + partition.span.bytes() > disk_bytes {
            return Err(msg!("verify.partition-truncated").invalid_data());
        }
        let mut reader = FatReader::open(File::open(path)?, partition.span.offset())?;
        let files = reader.files()?.into_iter().map(|f| (f.path.clone(), f)).collect();
        Ok(Media::Volume { reader, files, disk, disk_bytes })
    }

    /// Every file's path, relative to the media's root with `/`.
    fn paths(&self) -> io::Result<Vec<String>> {
        match self {
            Media::Folder(root) => {
                Ok(crate::manifest::walk(root).map_err(|(_, err)| err)?.into_iter().map(|(p, _)| p).collect())
            }
            Media::Volume { files, .. } => Ok(files.keys().cloned().collect()),
        }
    }

    /// The SHA-256 and size of a file, or `None` when it is not there.
    fn hash(&mut self, path: &str) -> io::Result<Option<(String, u64)>> {
        let (file, extents) = match self {
            Media::Folder(root) => {
                let file = match File::open(root.join(path)) {
                    Ok(file) => file,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(err) => return Err(err),
                };
                let length = file.metadata()?.len();
                (file, vec![(0, length)])
            }
            Media::Volume { reader, files, disk, .. } => {
                let Some(file) = files.get(path) else { return Ok(None) };
                (disk.try_clone()?, reader.extents(file)?)
            }
        };
        let (size, sha256) = crate::manifest::hash_extents(&file, &extents)?;
        Ok(Some((sha256, size)))
    }

    fn read_to_vec(&mut self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let mut bytes = Vec::new();
        let found = match self {
            Media::Folder(root) => match std::fs::read(root.join(path)) {
                Ok(read) => {
                    bytes = read;
                    true
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => false,
                Err(err) => return Err(err),
            },
            Media::Volume { reader, files, .. } => match files.get(path) {
                Some(file) => {
                    reader.read_file(file, &mut |block| bytes.extend_from_slice(block))?;
                    true
                }
                None => false,
            },
        };
        Ok(found.then_some(bytes))
    }
}

/// The manifest of the media at `path`.
pub fn read_manifest(path: &Path) -> Result<Manifest, VerifyError> {
    let unreadable = |err: io::Error| VerifyError::Unreadable { path: path.to_path_buf(), reason: os_error(&err) };
    manifest_of(path, &mut Media::open(path).map_err(unreadable)?)
}

fn manifest_of(path: &Path, media: &mut Media) -> Result<Manifest, VerifyError> {
    let unreadable = |err: io::Error| VerifyError::Unreadable { path: path.to_path_buf(), reason: os_error(&err) };
    let no_manifest = |reason: String| VerifyError::NoManifest { path: path.to_path_buf(), reason };
    let manifest_bytes = media
        .read_to_vec(layout::MANIFEST)
        .map_err(unreadable)?
        .ok_or_else(|| no_manifest(crate::t!("verify.manifest-missing", path = layout::MANIFEST)))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|err| no_manifest(crate::t!("verify.manifest-bad", path = layout::MANIFEST, reason = err)))?;
    if manifest.manifest_version != MANIFEST_VERSION {
        return Err(no_manifest(crate::t!(
            "verify.manifest-version",
            found = manifest.manifest_version,
            supported = MANIFEST_VERSION
        )));
    }
    Ok(manifest)
}

pub fn verify(path: &Path, image_sha256: Option<&str>) -> Result<Verified, VerifyError> {
    let unreadable = |err: io::Error| VerifyError::Unreadable { path: path.to_path_buf(), reason: os_error(&err) };
    let mut media = Media::open(path).map_err(unreadable)?;
    let manifest = manifest_of(path, &mut media)?;

    let disarmed = media
        .read_to_vec(layout::DISARM_RECORD)
        .map_err(unreadable)?
        .and_then(|bytes| Disarmed::parse(&String::from_utf8_lossy(&bytes), &manifest.media_id));
    let removed = |path: &str| disarmed.as_ref().is_some_and(|d| d.removed.iter().any(|r| r == path));

    let mut findings = Vec::new();
    let mut bytes_checked = 0;
    for record in &manifest.files {
        match media.hash(&record.path).map_err(unreadable)? {
            None if removed(&record.path) => {}
            None => findings.push(Finding::Missing { path: record.path.clone() }),
            Some((sha256, size)) => {
                bytes_checked += size;
                if sha256 != record.sha256 {
                    findings.push(Finding::Changed {
                        path: record.path.clone(),
                        expected: record.sha256.clone(),
                        actual: sha256,
                    });
                }
            }
        }
    }
    let sums = media.read_to_vec(layout::CHECKSUMS).map_err(unreadable)?;
    if sums.as_deref() != Some(manifest.checksums().as_bytes()) {
        let actual = sums.map(|s| hex::encode(Sha256::digest(s))).unwrap_or_else(|| "missing".into());
        let expected = hex::encode(Sha256::digest(manifest.checksums()));
        findings.push(Finding::Changed { path: layout::CHECKSUMS.into(), expected, actual });
    }
    let listed: std::collections::BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for path in media.paths().map_err(unreadable)? {
        let own = path == layout::MANIFEST
            || path == layout::CHECKSUMS
            || (path == layout::DISARM_RECORD && disarmed.is_some());
        if !listed.contains(path.as_str()) && !own {
            findings.push(Finding::Unlisted { path });
        }
    }
    if let Some(expected) = image_sha256 {
        let actual = match &mut media {
            Media::Volume { disk, disk_bytes, .. } => hash_stream(disk, *disk_bytes).map_err(unreadable)?,
            Media::Folder(_) => {
                return Err(VerifyError::Unreadable {
                    path: path.to_path_buf(),
                    reason: crate::t!("verify.sha256-folder"),
                });
            }
        };
        if !actual.eq_ignore_ascii_case(expected) {
            findings.push(Finding::ImageChanged { expected: expected.to_ascii_lowercase(), actual });
        }
    }
    Ok(Verified {
        path: path.to_path_buf(),
        media_id: manifest.media_id,
        files_checked: manifest.files.len(),
        bytes_checked,
        findings,
        disarmed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_counts_for_its_own_media_and_the_disarmed_files_only() {
        let text = "\u{FEFF}tanmatsu: disarmed\r\nmedia: abc\r\nterminal: KENPO-T01\r\nat: 2026-12-02T10:00:00+09:00\r\n\
                    removed: autounattend.xml\r\nremoved: tanmatsu/certs/device.pfx\r\nremoved: tanmatsu/scripts/x.ps1\r\n";
        let record = Disarmed::parse(text, "abc").unwrap();
        assert_eq!(record.terminal, "KENPO-T01");
        assert_eq!(record.removed, ["autounattend.xml", "tanmatsu/certs/device.pfx"]);
        assert_eq!(Disarmed::parse(text, "other"), None);
    }
}
