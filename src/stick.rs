//! `tanmatsu write`: the whole procedure of putting an image on a stick — the image checked against its manifest,
//! the disk judged by every guard, the user's confirmation, the write and its read-back, and the ledger entry.

use crate::device::{self, Disk, Rules, refusals};
use crate::ledger::{self, NewEntry};
use crate::verify;
use crate::write::{Progress, Target, WriteError, write_and_verify};
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct WriteRequest<'a> {
    pub image: &'a Path,
    pub device: &'a Path,
    pub allow_fixed: bool,
    pub max_size: u64,
    pub ledger: &'a Path,
    pub operator: &'a str,
    pub approver: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum StickError {
    #[error("{}", crate::msg!("stick.bad-image", path = .0.display(), reason = .1))]
    BadImage(PathBuf, String),
    #[error("{}", crate::msg!("stick.unknown-device", path = .0.display()))]
    UnknownDevice(PathBuf),
    #[error("{}", crate::msg!("stick.refused", path = .path, reasons = .reasons.iter().map(|r| format!("\n  - {r}")).collect::<String>()))]
    Refused { path: String, reasons: Vec<String> },
    #[error("{}", crate::msg!("stick.not-confirmed"))]
    NotConfirmed,
    #[error("{}", crate::msg!("stick.unsupported"))]
    Unsupported,
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Ledger(#[from] ledger::LedgerError),
}

/// What `write` did, for the final report.
pub struct Outcome {
    pub disk: Disk,
    pub sha256: String,
    pub bytes: u64,
    pub ledger_entry: ledger::Entry,
}

/// The disk at `device` among those the platform lists.
pub fn find_disk(device: &Path) -> Result<Disk, StickError> {
    let wanted = std::fs::canonicalize(device).unwrap_or_else(|_| device.to_path_buf());
    device::list()?
        .into_iter()
        .find(|disk| std::fs::canonicalize(&disk.path).unwrap_or_else(|_| PathBuf::from(&disk.path)) == wanted)
        .ok_or_else(|| StickError::UnknownDevice(device.to_path_buf()))
}

/// Checks the ledger, the image and the disk; returns the disk to confirm with the user.
pub fn prepare(request: &WriteRequest) -> Result<(Disk, verify::Verified, u64), StickError> {
    // The ledger first: a stick written and then refused its row would be media without a record (MED-3).
    ledger::ready_to_append(request.ledger)?;
    let verified = verify::verify(request.image, None)
        .map_err(|err| StickError::BadImage(request.image.into(), err.to_string()))?;
    if !verified.findings.is_empty() {
        let findings = verified.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; ");
        return Err(StickError::BadImage(request.image.into(), findings));
    }
    let image_size = std::fs::metadata(request.image)?.len();
    let disk = find_disk(request.device)?;
    let rules = Rules { image_size, allow_fixed: request.allow_fixed, max_size: request.max_size };
    let reasons = refusals(&disk, &rules);
    if !reasons.is_empty() {
        return Err(StickError::Refused {
            path: disk.path.clone(),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
        });
    }
    Ok((disk, verified, image_size))
}

/// Writes the image to `target` (the opened disk), proves it by reading it back, and records it in the ledger.
pub fn write(
    request: &WriteRequest,
    disk: Disk,
    verified: &verify::Verified,
    image_size: u64,
    target: &mut dyn Target,
    progress: Progress,
) -> Result<Outcome, StickError> {
    let mut image = File::open(request.image)?;
    let result = write_and_verify(&mut image, image_size, target, progress)?;
    let manifest_templates = crate::manifest::template_summary(request.image).unwrap_or_default();
    let entry = ledger::append(
        request.ledger,
        NewEntry {
            time: crate::timestamp::jst(now()),
            action: "write".into(),
            model: disk.model.clone(),
            serial: disk.serial.clone().unwrap_or_default(),
            usb_instance_id: disk.usb_instance_id.clone().unwrap_or_default(),
            disk_instance_id: disk.disk_instance_id.clone().unwrap_or_default(),
            image_sha256: result.sha256.clone(),
            media_id: verified.media_id.clone(),
            templates: manifest_templates,
            operator: request.operator.into(),
            approver: request.approver.into(),
            note: request.image.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            ..NewEntry::default()
        },
    )?;
    Ok(Outcome { disk, sha256: result.sha256, bytes: result.bytes, ledger_entry: entry })
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
