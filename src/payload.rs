//! Is a payload file what its name claims? A browser that saved an HTML error page as `AcroRdr.exe` is a classic
//! way to ruin a day at the provisioning desk; the file's first bytes tell.

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

    fn describe(self) -> &'static str {
        match self {
            PayloadKind::Executable => "a Windows program (MZ/PE header)",
            PayloadKind::Installer => "a Windows Installer package (OLE compound file)",
            PayloadKind::Cabinet => "a cabinet file (MSCF)",
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

pub fn inspect(path: &Path) -> Result<Inspection, String> {
    let kind = PayloadKind::from_extension(path)
        .ok_or_else(|| format!("`{}` is not an .exe, .msi, .msu or .cab file", path.display()))?;
    let metadata = std::fs::metadata(path).map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    if !metadata.is_file() {
        return Err(format!("`{}` is not a file", path.display()));
    }
    let mut head = Vec::with_capacity(HEAD_LENGTH);
    std::fs::File::open(path)
        .and_then(|file| file.take(HEAD_LENGTH as u64).read_to_end(&mut head))
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    if looks_like_html(&head) {
        return Err(format!(
            "`{}` is a web page, not {}: the download probably failed",
            path.display(),
            kind.describe()
        ));
    }
    if !has_signature(kind, &head) {
        return Err(format!("`{}` is not {}", path.display(), kind.describe()));
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
