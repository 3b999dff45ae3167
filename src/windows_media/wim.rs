//! The WIM header and the XML that names a WIM's images (wimlib's documentation of the format is the reference).
//! An ESD, and each part of a split WIM, has the same header.

use crate::msg;
use std::io;

pub const HEADER_SIZE: usize = 208;
const MAGIC: &[u8; 8] = b"MSWIM\0\0\0";
/// Resources with this flag are compressed; the XML resource never is.
const RESOURCE_COMPRESSED: u8 = 0x04;

/// Where a resource lies in the WIM file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub stored_size: u64,
    pub flags: u8,
    pub offset: u64,
    pub original_size: u64,
}

impl Resource {
    pub fn parse(bytes: &[u8]) -> Resource {
        let mut size = [0u8; 8];
        size[..7].copy_from_slice(&bytes[0..7]);
        Resource {
            stored_size: u64::from_le_bytes(size),
            flags: bytes[7],
            offset: u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")),
            original_size: u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub part_number: u16,
    pub total_parts: u16,
    pub image_count: u32,
    pub xml: Resource,
}

pub fn parse_header(bytes: &[u8]) -> io::Result<Header> {
    if bytes.len() < HEADER_SIZE || &bytes[0..8] != MAGIC {
        return Err(msg!("windows-media.not-wim").invalid_data());
    }
    let xml = Resource::parse(&bytes[72..96]);
    if xml.flags & RESOURCE_COMPRESSED != 0 {
        return Err(msg!("windows-media.xml-compressed").invalid_data());
    }
    Ok(Header {
        part_number: u16::from_le_bytes([bytes[40], bytes[41]]),
        total_parts: u16::from_le_bytes([bytes[42], bytes[43]]),
        image_count: u32::from_le_bytes(bytes[44..48].try_into().expect("4 bytes")),
        xml,
    })
}

/// One image of a WIM, as its XML describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Image {
    pub index: u32,
    pub name: String,
    /// `Professional`, `Core` (Home) …, when the WIM says.
    pub edition: Option<String>,
    /// `WINDOWS/ARCH`: WinNT.h's PROCESSOR_ARCHITECTURE_* (9 AMD64, 12 ARM64), as wimlib's `xml_windows.c` and
    /// Microsoft's tools write it, when the WIM says.
    pub architecture: Option<u32>,
    /// `WINDOWS/LANGUAGES/LANGUAGE`: the languages installed in the image (`ja-JP`, …).
    pub languages: Vec<String>,
}

/// PROCESSOR_ARCHITECTURE_AMD64: the answer file's `processorArchitecture="amd64"`.
pub const ARCH_AMD64: u32 = 9;

/// The images named in the WIM's XML data (UTF-16LE, usually with a byte-order mark).
pub fn parse_images(xml: &[u8]) -> io::Result<Vec<Image>> {
    let units: Vec<u16> = xml.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text = String::from_utf16(&units).map_err(|_| msg!("windows-media.xml-not-utf16").invalid_data())?;
    let text = text.trim_start_matches('\u{FEFF}');
    let mut reader = quick_xml::Reader::from_str(text);
    let mut images = Vec::new();
    let mut path: Vec<String> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(start)) => {
                let name = start.name().as_ref().to_ascii_uppercase();
                if name == "IMAGE" && path.len() == 1 {
                    let index = start
                        .attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref().eq_ignore_ascii_case("INDEX"))
                        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Explicit1_0).ok()?.parse().ok())
                        .unwrap_or(images.len() as u32 + 1);
                    images.push(Image { index, ..Image::default() });
                }
                path.push(name);
            }
            Ok(quick_xml::events::Event::Text(content)) => {
                let value = content.xml_content(quick_xml::XmlVersion::Explicit1_0).trim().to_string();
                let here: Vec<&str> = path.iter().map(String::as_str).collect();
                if let Some(image) = images.last_mut() {
                    match here.as_slice() {
                        ["WIM", "IMAGE", "NAME"] => image.name = value,
                        ["WIM", "IMAGE", "WINDOWS", "EDITIONID"] => image.edition = Some(value),
                        ["WIM", "IMAGE", "WINDOWS", "ARCH"] => image.architecture = value.parse().ok(),
                        ["WIM", "IMAGE", "WINDOWS", "LANGUAGES", "LANGUAGE"] => image.languages.push(value),
                        _ => {}
                    }
                }
            }
            Ok(quick_xml::events::Event::End(_)) => {
                path.pop();
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(err) => {
                return Err(msg!("windows-media.xml-malformed", reason = err).invalid_data());
            }
        }
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_from_wim_xml() {
        let xml = "\u{FEFF}<WIM><TOTALBYTES>1</TOTALBYTES><IMAGE INDEX=\"1\"><NAME>Windows 11 Home</NAME><WINDOWS><EDITIONID>Core</EDITIONID></WINDOWS></IMAGE><IMAGE INDEX=\"2\"><NAME>Windows 11 Pro</NAME><WINDOWS><ARCH>9</ARCH><EDITIONID>Professional</EDITIONID><LANGUAGES><LANGUAGE>ja-JP</LANGUAGE><DEFAULT>ja-JP</DEFAULT></LANGUAGES></WINDOWS></IMAGE></WIM>";
        let bytes: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let images = parse_images(&bytes).unwrap();
        assert_eq!(images.len(), 2);
        let pro = Image {
            index: 2,
            name: "Windows 11 Pro".into(),
            edition: Some("Professional".into()),
            architecture: Some(ARCH_AMD64),
            languages: vec!["ja-JP".into()],
        };
        assert_eq!(images[1], pro);
    }

    #[test]
    fn a_file_that_is_not_a_wim_is_refused() {
        assert!(parse_header(&[0u8; HEADER_SIZE]).is_err());
    }
}
