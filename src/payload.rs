//! Is a payload file what its name claims? A browser that saved an HTML error page as `AcroRdr.exe` is a classic
//! way to ruin a day at the provisioning desk; the file's first bytes tell.

use crate::i18n::Message;
use crate::msg;
use std::io::Read;
use std::path::Path;

/// The kinds of file the media carries, by the signature each must start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// A Windows program (`.exe`): an MZ header whose PE signature is where the header says.
    Executable,
    /// A Windows Installer package (`.msi`): an OLE compound file.
    Installer,
    /// A cabinet (`.cab`) or a Windows update package (`.msu`, a cabinet too).
    Cabinet,
}

impl PayloadKind {
    pub fn from_extension(path: &Path) -> Option<PayloadKind> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "exe" => Some(PayloadKind::Executable),
            "msi" => Some(PayloadKind::Installer),
            "cab" | "msu" => Some(PayloadKind::Cabinet),
            _ => None,
        }
    }

    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            PayloadKind::Executable => &[".exe"],
            PayloadKind::Installer => &[".msi"],
            PayloadKind::Cabinet => &[".msu", ".cab"],
        }
    }

    fn describe(self) -> String {
        match self {
            PayloadKind::Executable => crate::t!("payload.kind.executable"),
            PayloadKind::Installer => crate::t!("payload.kind.installer"),
            PayloadKind::Cabinet => crate::t!("payload.kind.cabinet"),
        }
    }
}

/// Files made for the examples carry this text, so that media built from them can never pass for real ones.
pub const PLACEHOLDER_MARKER: &[u8] = b"TANMATSU-EXAMPLE-PLACEHOLDER";

/// How many bytes are read: enough for the headers and the placeholder marker.
const HEAD_LENGTH: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub kind: PayloadKind,
    /// The file is one of the examples' stand-ins, not real software.
    pub placeholder: bool,
}

pub fn inspect(path: &Path) -> Result<Inspection, Message> {
    let shown = path.display().to_string();
    let kind = PayloadKind::from_extension(path).ok_or_else(|| msg!("payload.unknown-kind", path = &shown))?;
    let unreadable = |err: std::io::Error| {
        msg!("payload.unreadable", path = &shown, reason = crate::suggest::file_error(path, &err))
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(msg!("payload.not-a-file", path = &shown));
    }
    let mut head = Vec::with_capacity(HEAD_LENGTH);
    std::fs::File::open(path)
        .and_then(|file| file.take(HEAD_LENGTH as u64).read_to_end(&mut head))
        .map_err(unreadable)?;
    if looks_like_html(&head) {
        return Err(msg!("payload.web-page", path = &shown, kind = kind.describe()));
    }
    if !has_signature(kind, &head) {
        return Err(msg!("payload.wrong-signature", path = &shown, kind = kind.describe()));
    }
    let placeholder = head.windows(PLACEHOLDER_MARKER.len()).any(|w| w == PLACEHOLDER_MARKER);
    Ok(Inspection { kind, placeholder })
}

fn has_signature(kind: PayloadKind, head: &[u8]) -> bool {
    match kind {
        PayloadKind::Executable => has_pe_header(head),
        PayloadKind::Installer => head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        PayloadKind::Cabinet => head.starts_with(b"MSCF"),
    }
}

/// `MZ`, and at the offset stored at 0x3C, `PE\0\0`.
fn has_pe_header(head: &[u8]) -> bool {
    let Some(offset) = head.get(0x3C..0x40) else {
        return false;
    };
    let offset = u32::from_le_bytes(offset.try_into().expect("four bytes")) as usize;
    head.starts_with(b"MZ") && head.get(offset..offset + 4) == Some(b"PE\0\0".as_slice())
}

fn looks_like_html(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let text = text[start..].to_ascii_lowercase();
    ["<!doctype", "<html", "<?xml", "<head", "<body"].iter().any(|tag| text.starts_with(tag.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pe_stub() -> Vec<u8> {
        let mut bytes = vec![0u8; 0x80];
        bytes[..2].copy_from_slice(b"MZ");
        bytes[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        bytes[0x40..0x44].copy_from_slice(b"PE\0\0");
        bytes
    }

    #[test]
    fn recognises_signatures() {
        assert!(has_signature(PayloadKind::Executable, &pe_stub()));
        assert!(!has_signature(PayloadKind::Executable, b"MZ but nothing else"));
        assert!(has_signature(PayloadKind::Cabinet, b"MSCF\0\0\0\0"));
        assert!(!has_signature(PayloadKind::Installer, b"MSCF\0\0\0\0"));
    }

    #[test]
    fn recognises_web_pages() {
        assert!(looks_like_html(b"\xEF\xBB\xBF\r\n  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<HTML><HEAD>"));
        assert!(!looks_like_html(&pe_stub()));
    }
}
