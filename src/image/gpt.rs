//! GUID partition tables: a protective MBR, the primary header and entries at the start of the disk, and the backup
//! entries and header at its end (UEFI specification, chapter 5).

use crate::msg;
use std::io::{self, Read, Seek, SeekFrom};

pub const SECTOR: u64 = 512;
const ENTRY_COUNT: u32 = 128;
const ENTRY_SIZE: u32 = 128;
/// Sectors taken by the partition entries: 128 × 128 bytes.
const ENTRY_SECTORS: u64 = (ENTRY_COUNT as u64 * ENTRY_SIZE as u64) / SECTOR;
/// Partitions start and end on 1 MiB boundaries, as every current partitioning tool does: flash media erase in
/// blocks of that order.
pub const ALIGNMENT_SECTORS: u64 = 2048;

/// Microsoft basic data: Windows gives such a partition a drive letter; an EFI system partition it would hide.
pub const MICROSOFT_BASIC_DATA: Guid =
    Guid::from_fields(0xEBD0A0A2, 0xB9E5, 0x4433, [0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7]);

/// A GUID, stored on disk with its first three fields little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guid([u8; 16]);

impl Guid {
    pub const fn from_fields(a: u32, b: u16, c: u16, d: [u8; 8]) -> Guid {
        let a = a.to_le_bytes();
        let b = b.to_le_bytes();
        let c = c.to_le_bytes();
        Guid([a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }

    /// A version-4-shaped GUID from 16 bytes of a hash, so that identical inputs give identical disks (as
    /// systemd-repart derives its UUIDs).
    pub fn from_hash(bytes: [u8; 16]) -> Guid {
        let mut b = bytes;
        b[7] = (b[7] & 0x0F) | 0x40; // version 4, in the little-endian third field
        b[8] = (b[8] & 0x3F) | 0x80; // RFC 4122 variant
        Guid(b)
    }

    pub fn bytes(&self) -> [u8; 16] {
        self.0
    }
}

/// Where the one partition lies, in sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionSpan {
    pub first_lba: u64,
    pub last_lba: u64,
}

impl PartitionSpan {
    /// The largest 1 MiB-aligned span that fits between the primary and the backup tables of a disk.
    pub fn for_disk(disk_bytes: u64) -> PartitionSpan {
        let sectors = disk_bytes / SECTOR;
        let last_usable = sectors - 1 - 1 - ENTRY_SECTORS;
        let end = (last_usable + 1) / ALIGNMENT_SECTORS * ALIGNMENT_SECTORS;
        PartitionSpan { first_lba: ALIGNMENT_SECTORS, last_lba: end - 1 }
    }

    pub fn offset(&self) -> u64 {
        self.first_lba * SECTOR
    }

    pub fn bytes(&self) -> u64 {
        (self.last_lba - self.first_lba + 1) * SECTOR
    }
}

/// The disk's first 34 sectors (protective MBR, primary header, entries) and last 33 (entries, backup header).
pub struct Tables {
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

pub fn tables(disk_bytes: u64, span: PartitionSpan, disk: Guid, partition: Guid, name: &str) -> Tables {
    let sectors = disk_bytes / SECTOR;
    let mut entries = vec![0u8; (ENTRY_SECTORS * SECTOR) as usize];
    entries[0..16].copy_from_slice(&MICROSOFT_BASIC_DATA.bytes());
    entries[16..32].copy_from_slice(&partition.bytes());
    entries[32..40].copy_from_slice(&span.first_lba.to_le_bytes());
    entries[40..48].copy_from_slice(&span.last_lba.to_le_bytes());
    for (i, unit) in name.encode_utf16().take(36).enumerate() {
        entries[56 + 2 * i..58 + 2 * i].copy_from_slice(&unit.to_le_bytes());
    }
    let entries_crc = crc32fast::hash(&entries);
    let header = |current: u64, backup: u64, entries_lba: u64| {
        let mut h = vec![0u8; SECTOR as usize];
        h[0..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&current.to_le_bytes());
        h[32..40].copy_from_slice(&backup.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + ENTRY_SECTORS).to_le_bytes());
        h[48..56].copy_from_slice(&(sectors - 2 - ENTRY_SECTORS).to_le_bytes());
        h[56..72].copy_from_slice(&disk.bytes());
        h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
        h[80..84].copy_from_slice(&ENTRY_COUNT.to_le_bytes());
        h[84..88].copy_from_slice(&ENTRY_SIZE.to_le_bytes());
        h[88..92].copy_from_slice(&entries_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[0..92]);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        h
    };
    let mut head = protective_mbr(sectors);
    head.extend(header(1, sectors - 1, 2));
    head.extend(&entries);
    let mut tail = entries;
    tail.extend(header(sectors - 1, 1, sectors - 1 - ENTRY_SECTORS));
    Tables { head, tail }
}

/// One partition of type 0xEE over the whole disk, so that MBR-only tools see the disk as in use.
fn protective_mbr(sectors: u64) -> Vec<u8> {
    let mut mbr = vec![0u8; SECTOR as usize];
    let entry = &mut mbr[446..462];
    entry[1..4].copy_from_slice(&[0x00, 0x02, 0x00]);
    entry[4] = 0xEE;
    entry[5..8].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    entry[8..12].copy_from_slice(&1u32.to_le_bytes());
    entry[12..16].copy_from_slice(&u32::try_from(sectors - 1).unwrap_or(u32::MAX).to_le_bytes());
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    mbr
}

/// A partition found on a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundPartition {
    pub type_guid: Guid,
    pub span: PartitionSpan,
}

/// Reads the primary GPT of a disk of `disk_bytes`; a disk whose backup header would lie beyond its end is truncated.
pub fn read_partitions<R: Read + Seek>(disk: &mut R, disk_bytes: u64) -> io::Result<Vec<FoundPartition>> {
    if disk_bytes < 34 * SECTOR {
        return Err(msg!("image.gpt.disk-too-small", bytes = disk_bytes).invalid_data());
    }
    let mut header = vec![0u8; SECTOR as usize];
    disk.seek(SeekFrom::Start(SECTOR))?;
    disk.read_exact(&mut header)?;
    if &header[0..8] != b"EFI PART" {
        return Err(msg!("image.gpt.no-header").invalid_data());
    }
    let field = |range: std::ops::Range<usize>| {
        let mut bytes = [0u8; 8];
        bytes[..range.len()].copy_from_slice(&header[range]);
        u64::from_le_bytes(bytes)
    };
    let header_size = field(12..16) as usize;
    let stored_crc = field(16..20) as u32;
    let mut zeroed = header[..header_size.clamp(92, 512)].to_vec();
    zeroed[16..20].fill(0);
    if crc32fast::hash(&zeroed) != stored_crc {
        return Err(msg!("image.gpt.header-checksum").invalid_data());
    }
    let backup_lba = field(32..40);
    if (backup_lba + 1) * SECTOR > disk_bytes {
        return Err(msg!("image.gpt.truncated", at = backup_lba * SECTOR, bytes = disk_bytes).invalid_data());
    }
    let (entries_lba, count, size) = (field(72..80), field(80..84), field(84..88));
    if !(128..=4096).contains(&size) || count > 1024 {
        return Err(msg!("image.gpt.entry-size").invalid_data());
    }
    let mut entries = vec![0u8; (count * size) as usize];
    disk.seek(SeekFrom::Start(entries_lba * SECTOR))?;
    disk.read_exact(&mut entries)?;
    if crc32fast::hash(&entries) != field(88..92) as u32 {
        return Err(msg!("image.gpt.entries-checksum").invalid_data());
    }
    Ok(entries
        .chunks(size as usize)
        .filter(|e| e[0..16].iter().any(|b| *b != 0))
        .map(|e| FoundPartition {
            type_guid: Guid(e[0..16].try_into().expect("16 bytes")),
            span: PartitionSpan {
                first_lba: u64::from_le_bytes(e[32..40].try_into().expect("8 bytes")),
                last_lba: u64::from_le_bytes(e[40..48].try_into().expect("8 bytes")),
            },
        })
        .collect())
}
