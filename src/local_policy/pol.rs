//! The Registry Policy file (`Registry.pol`) that holds a Group Policy Object's registry settings.
//!
//! Format from Microsoft's [MS-GPREG] §2.2.1 "Registry Policy Message Syntax" and the "Registry Policy File Format"
//! page: the signature `PReg`, the version 1 as a little-endian DWORD, then one `[key;value;type;size;data]`
//! instruction per value. Brackets, semicolons, the key and the value name are UTF-16LE, the names ending in a NUL;
//! type and size are little-endian DWORDs; size counts the data's bytes. Keys and value names are printable ASCII
//! (MS-GPREG's `IdCharacter` and `ValueCharacter`): [`PolEntry::new`] refuses anything else.

/// `PReg` and the version, the only one Windows knows.
const HEADER: [u8; 8] = [b'P', b'R', b'e', b'g', 1, 0, 0, 0];

/// The special value name that makes the client delete every value of the key before it writes the list that
/// follows (MS-GPREG §2.2.1: `**delvals.`): a list policy replaces what was there, never adds to it.
pub const DELETE_ALL_VALUES: &str = "**delvals.";

/// A registry value's data, by the type numbers of WinNT.h that MS-GPREG allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolData {
    /// REG_SZ (1).
    String(String),
    /// REG_DWORD (4).
    Dword(u32),
}

/// One instruction of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolEntry {
    key: String,
    value: String,
    data: PolData,
}

impl PolEntry {
    /// `None` when the key or value name holds a character MS-GPREG does not allow there, or is too long.
    pub fn new(key: &str, value: &str, data: PolData) -> Option<PolEntry> {
        fits(key, value).then(|| PolEntry { key: key.to_string(), value: value.to_string(), data })
    }
}

/// Whether a key and a value name are ones the file can carry: printable ASCII, no empty key part, a name of 1 to
/// 259 characters.
pub fn fits(key: &str, value: &str) -> bool {
    let printable = |text: &str| text.bytes().all(|b| (0x20..=0x7E).contains(&b));
    let key_ok = !key.is_empty() && key.split('\\').all(|part| !part.is_empty() && printable(part));
    key_ok && (1..=259).contains(&value.len()) && printable(value)
}

/// The whole file, its entries in the order given: the client applies them in that order.
pub fn encode(entries: &[PolEntry]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for entry in entries {
        let (kind, data) = match &entry.data {
            PolData::String(text) => (1u32, utf16_nul(text)),
            PolData::Dword(number) => (4u32, number.to_le_bytes().to_vec()),
        };
        push_utf16(&mut out, "[");
        out.extend(utf16_nul(&entry.key));
        push_utf16(&mut out, ";");
        out.extend(utf16_nul(&entry.value));
        push_utf16(&mut out, ";");
        out.extend(kind.to_le_bytes());
        push_utf16(&mut out, ";");
        out.extend(u32::try_from(data.len()).expect("policy data is small").to_le_bytes());
        push_utf16(&mut out, ";");
        out.extend(data);
        push_utf16(&mut out, "]");
    }
    out
}

fn push_utf16(out: &mut Vec<u8>, text: &str) {
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
}

fn utf16_nul(text: &str) -> Vec<u8> {
    text.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dword_is_laid_out_as_ms_gpreg_says() {
        let entry = PolEntry::new("K", "V", PolData::Dword(2)).unwrap();
        let bytes = encode(&[entry]);
        let expected: Vec<u8> = [
            b"PReg\x01\x00\x00\x00".as_slice(),
            b"[\0K\0\0\0;\0V\0\0\0;\0",
            &4u32.to_le_bytes(),
            b";\0",
            &4u32.to_le_bytes(),
            b";\0",
            &2u32.to_le_bytes(),
            b"]\0",
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn names_outside_printable_ascii_are_refused() {
        assert!(PolEntry::new("SOFTWARE\\Policies", "名前", PolData::Dword(0)).is_none());
        assert!(PolEntry::new("SOFTWARE\\\\Policies", "x", PolData::Dword(0)).is_none());
        assert!(PolEntry::new("SOFTWARE", "", PolData::Dword(0)).is_none());
        assert!(PolEntry::new("SOFTWARE\\Policies", "x", PolData::String("名前".into())).is_some());
    }
}
