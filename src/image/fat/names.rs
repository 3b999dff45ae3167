//! File names on FAT: the 8.3 short name every directory entry has, and the long-name entries that carry the real
//! name (UTF-16, so Japanese names survive) for anything that is not already a short name.

/// Characters allowed in a short name besides A-Z and 0-9.
use crate::i18n::Message;
use crate::msg;

const SHORT_SPECIALS: &str = "!#$%&'()-@^_`{}~";
pub const MAX_LONG_NAME: usize = 255;

/// Whether `name` is its own short name: upper case, 1-8 characters, an optional extension of 1-3.
fn as_short_name(name: &str) -> Option<[u8; 11]> {
    let (base, extension) = name.split_once('.').unwrap_or((name, ""));
    let valid = |part: &str, max: usize| {
        part.len() <= max
            && part.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || SHORT_SPECIALS.contains(c))
    };
    if base.is_empty() || !valid(base, 8) || !valid(extension, 3) || (name.contains('.') && extension.is_empty()) {
        return None;
    }
    Some(pack(base, extension))
}

fn pack(base: &str, extension: &str) -> [u8; 11] {
    let mut short = [b' '; 11];
    short[..base.len()].copy_from_slice(base.as_bytes());
    short[8..8 + extension.len()].copy_from_slice(extension.as_bytes());
    short
}

/// A name in one directory: its short name, and whether long-name entries must carry the real name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryName {
    pub long: String,
    pub short: [u8; 11],
    pub needs_long: bool,
}

impl EntryName {
    /// Directory entries this name takes: the short entry and 13 UTF-16 units per long entry.
    pub fn entry_count(&self) -> u64 {
        1 + if self.needs_long { self.long.encode_utf16().count().div_ceil(13) as u64 } else { 0 }
    }
}

/// Names for the entries of one directory, each with a short name unique within it (`LONGNA~1.TXT`).
pub fn name_directory(names: &[String]) -> Result<Vec<EntryName>, Message> {
    let mut taken: Vec<[u8; 11]> = names.iter().filter_map(|n| as_short_name(n)).collect();
    let mut named = Vec::with_capacity(names.len());
    for name in names {
        if name.encode_utf16().count() > MAX_LONG_NAME {
            return Err(msg!("image.fat.name-too-long", name = name));
        }
        if let Some(short) = as_short_name(name) {
            named.push(EntryName { long: name.clone(), short, needs_long: false });
            continue;
        }
        let (base, extension) = basis(name);
        let short = (1..1_000_000)
            .map(|n| {
                let tail = format!("~{n}");
                let keep = base.len().min(8 - tail.len());
                pack(&format!("{}{tail}", &base[..keep]), &extension)
            })
            .find(|candidate| !taken.contains(candidate))
            .ok_or_else(|| msg!("image.fat.no-short-name", name = name))?;
        taken.push(short);
        named.push(EntryName { long: name.clone(), short, needs_long: true });
    }
    Ok(named)
}

/// The upper-case ASCII basis of a short name, and its extension (FAT specification, section 7.2).
fn basis(name: &str) -> (String, String) {
    let clean = |part: &str| -> String {
        part.chars()
            .filter(|c| *c != ' ' && *c != '.')
            .map(|c| {
                let upper = c.to_ascii_uppercase();
                if upper.is_ascii_uppercase() || upper.is_ascii_digit() || SHORT_SPECIALS.contains(upper) {
                    upper
                } else {
                    '_'
                }
            })
            .collect()
    };
    let trimmed = name.trim_start_matches('.');
    let (base, extension) = match trimmed.rsplit_once('.') {
        Some((base, extension)) if !base.is_empty() => (base, extension),
        _ => (trimmed, ""),
    };
    let mut base = clean(base);
    base.truncate(8);
    if base.is_empty() {
        base.push('_');
    }
    let mut extension = clean(extension);
    extension.truncate(3);
    (base, extension)
}

/// The checksum of a short name that each of its long-name entries carries.
pub fn short_name_checksum(short: &[u8; 11]) -> u8 {
    short.iter().fold(0u8, |sum, &byte| sum.rotate_right(1).wrapping_add(byte))
}

/// The long-name entries for `name`, in the order they stand on disk (last part first).
pub fn long_entries(name: &EntryName) -> Vec<[u8; 32]> {
    let mut units: Vec<u16> = name.long.encode_utf16().collect();
    let count = units.len().div_ceil(13);
    if !units.len().is_multiple_of(13) {
        units.push(0);
        units.resize(count * 13, 0xFFFF);
    }
    let checksum = short_name_checksum(&name.short);
    (0..count)
        .rev()
        .map(|index| {
            let mut entry = [0u8; 32];
            entry[0] = (index + 1) as u8 | if index + 1 == count { 0x40 } else { 0 };
            entry[11] = 0x0F;
            entry[13] = checksum;
            let part = &units[index * 13..index * 13 + 13];
            for (slot, unit) in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30].into_iter().zip(part) {
                entry[slot..slot + 2].copy_from_slice(&unit.to_le_bytes());
            }
            entry
        })
        .collect()
}

/// The characters of one long-name entry, in order (for reading).
pub fn long_entry_units(entry: &[u8]) -> impl Iterator<Item = u16> + '_ {
    [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
        .into_iter()
        .map(move |slot| u16::from_le_bytes([entry[slot], entry[slot + 1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(s: &[u8; 11]) -> String {
        String::from_utf8_lossy(s).into_owned()
    }

    #[test]
    fn short_names_and_tails() {
        let names: Vec<String> =
            ["README.TXT", "autounattend.xml", "autounattend.bak", "手順書.pdf", "a.b.c", ".hidden"]
                .map(String::from)
                .to_vec();
        let named = name_directory(&names).unwrap();
        assert_eq!(short(&named[0].short), "README  TXT");
        assert!(!named[0].needs_long);
        assert_eq!(short(&named[1].short), "AUTOUN~1XML");
        assert_eq!(short(&named[2].short), "AUTOUN~1BAK");
        assert_eq!(short(&named[3].short), "___~1   PDF");
        assert_eq!(short(&named[4].short), "AB~1    C  ");
        assert!(named.iter().skip(1).all(|n| n.needs_long));
    }

    #[test]
    fn long_entries_round_trip() {
        let name =
            EntryName {
                long: "中間サーバー操作手順書_2026.pdf".into(), short: *b"___~1   PDF", needs_long: true
            };
        let entries = long_entries(&name);
        assert_eq!(entries.len() as u64, name.entry_count() - 1);
        assert_eq!(entries[0][0] & 0x40, 0x40, "the last part comes first, flagged");
        let units: Vec<u16> = entries.iter().rev().flat_map(|e| long_entry_units(e)).take_while(|u| *u != 0).collect();
        assert_eq!(String::from_utf16(&units).unwrap(), name.long);
    }
}
