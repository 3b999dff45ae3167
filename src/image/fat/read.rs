//! Reading a FAT32 volume: its files with their long names, and their contents in large reads.

use super::SECTOR;
use super::names::long_entry_units;
use crate::msg;
use std::io::{self, Read, Seek, SeekFrom};

const ATTR_LONG_NAME: u8 = 0x0F;
const ATTR_VOLUME_LABEL: u8 = 0x08;
const ATTR_DIRECTORY: u8 = 0x10;
/// Contiguous clusters are read together, up to this many bytes at a time.
const READ_BLOCK: u64 = 4 << 20;

pub struct FatReader<R> {
    disk: R,
    offset: u64,
    cluster_bytes: u64,
    data_start: u64,
    root_cluster: u32,
    fat: Vec<u32>,
}

/// A file on the volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFile {
    /// `/`-separated, as the long names give it.
    pub path: String,
    pub size: u64,
    first_cluster: u32,
}

impl<R: Read + Seek> FatReader<R> {
    /// Opens the FAT32 volume that starts `offset` bytes into `disk`.
    pub fn open(mut disk: R, offset: u64) -> io::Result<FatReader<R>> {
        let mut boot = [0u8; SECTOR as usize];
        disk.seek(SeekFrom::Start(offset))?;
        disk.read_exact(&mut boot)?;
        let u16_at = |at: usize| u16::from_le_bytes([boot[at], boot[at + 1]]) as u64;
        let u32_at = |at: usize| u32::from_le_bytes(boot[at..at + 4].try_into().expect("4 bytes")) as u64;
        if boot[510..512] != [0x55, 0xAA] || u16_at(11) != SECTOR || &boot[82..87] != b"FAT32" {
            return Err(msg!("image.fat.not-fat32").invalid_data());
        }
        let sectors_per_cluster = boot[13] as u64;
        let (reserved, fats, fat_sectors) = (u16_at(14), boot[16] as u64, u32_at(36));
        if sectors_per_cluster == 0 || fats == 0 || fat_sectors == 0 {
            return Err(msg!("image.fat.damaged-boot-sector").invalid_data());
        }
        let mut fat_bytes = vec![0u8; (fat_sectors * SECTOR) as usize];
        disk.seek(SeekFrom::Start(offset + reserved * SECTOR))?;
        disk.read_exact(&mut fat_bytes)?;
        let fat = fat_bytes
            .chunks_exact(4)
            .map(|e| u32::from_le_bytes(e.try_into().expect("4 bytes")) & 0x0FFF_FFFF)
            .collect();
        Ok(FatReader {
            disk,
            offset,
            cluster_bytes: sectors_per_cluster * SECTOR,
            data_start: (reserved + fats * fat_sectors) * SECTOR,
            root_cluster: u32_at(44) as u32,
            fat,
        })
    }

    /// The clusters of a chain, grouped into runs of consecutive clusters (first, count).
    fn runs(&self, first: u32) -> io::Result<Vec<(u32, u64)>> {
        let mut runs: Vec<(u32, u64)> = Vec::new();
        let mut cluster = first;
        let mut steps = 0usize;
        while (2..0x0FFF_FFF8).contains(&cluster) {
            steps += 1;
            if steps > self.fat.len() || cluster as usize >= self.fat.len() {
                return Err(msg!("image.fat.chain-loops", first = first).invalid_data());
            }
            match runs.last_mut() {
                Some((start, count)) if *start as u64 + *count == cluster as u64 => *count += 1,
                _ => runs.push((cluster, 1)),
            }
            cluster = self.fat[cluster as usize];
        }
        Ok(runs)
    }

    /// Reads `size` bytes of the chain from `first`, handing them to `sink` block by block.
    fn read_chain(&mut self, first: u32, size: Option<u64>, sink: &mut dyn FnMut(&[u8])) -> io::Result<u64> {
        let mut left = size.unwrap_or(u64::MAX);
        let mut buffer = Vec::new();
        let mut total = 0;
        for (start, count) in self.runs(first)? {
            let mut position = self.offset + self.data_start + (start as u64 - 2) * self.cluster_bytes;
            let mut run_left = (count * self.cluster_bytes).min(left);
            while run_left > 0 {
                let chunk = run_left.min(READ_BLOCK) as usize;
                buffer.resize(chunk, 0);
                self.disk.seek(SeekFrom::Start(position))?;
                self.disk.read_exact(&mut buffer)?;
                sink(&buffer);
                position += chunk as u64;
                run_left -= chunk as u64;
                left -= chunk as u64;
                total += chunk as u64;
            }
        }
        if size.is_some_and(|s| total < s) {
            return Err(msg!("image.fat.file-short", total = total, size = size.unwrap_or(0)).invalid_data());
        }
        Ok(total)
    }

    /// Every file on the volume, in directory order.
    pub fn files(&mut self) -> io::Result<Vec<VolumeFile>> {
        let mut found = Vec::new();
        let mut pending = vec![(String::new(), self.root_cluster)];
        let mut visited = 0usize;
        while let Some((prefix, cluster)) = pending.pop() {
            visited += 1;
            if visited > 100_000 {
                return Err(msg!("image.fat.tree-loops").invalid_data());
            }
            let mut bytes = Vec::new();
            self.read_chain(cluster, None, &mut |block| bytes.extend_from_slice(block))?;
            let mut long: Vec<Vec<u16>> = Vec::new();
            for entry in bytes.chunks_exact(32) {
                match entry[0] {
                    0x00 => break,
                    0xE5 => {
                        long.clear();
                        continue;
                    }
                    _ => {}
                }
                let attributes = entry[11];
                if attributes == ATTR_LONG_NAME {
                    long.push(long_entry_units(entry).collect());
                    continue;
                }
                let name = if long.is_empty() { short_name(&entry[0..11], entry[12]) } else { long_name(&long) };
                long.clear();
                if attributes & ATTR_VOLUME_LABEL != 0 || name == "." || name == ".." {
                    continue;
                }
                let first_cluster = (u16::from_le_bytes([entry[20], entry[21]]) as u32) << 16
                    | u16::from_le_bytes([entry[26], entry[27]]) as u32;
                let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
                if attributes & ATTR_DIRECTORY != 0 {
                    pending.push((path, first_cluster));
                } else {
                    let size = u32::from_le_bytes(entry[28..32].try_into().expect("4 bytes")) as u64;
                    found.push(VolumeFile { path, size, first_cluster });
                }
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(found)
    }

    /// Where the bytes of `file` lie on the disk, as (offset from the disk's start, length), in file order.
    pub fn extents(&self, file: &VolumeFile) -> io::Result<Vec<(u64, u64)>> {
        let mut left = file.size;
        let mut extents = Vec::new();
        if left == 0 {
            return Ok(extents);
        }
        for (start, count) in self.runs(file.first_cluster)? {
            let length = (count * self.cluster_bytes).min(left);
            extents.push((self.offset + self.data_start + (start as u64 - 2) * self.cluster_bytes, length));
            left -= length;
            if left == 0 {
                break;
            }
        }
        if left > 0 {
            return Err(msg!("image.fat.too-few-clusters", path = &file.path).invalid_data());
        }
        Ok(extents)
    }

    /// Streams the contents of `file` to `sink`.
    pub fn read_file(&mut self, file: &VolumeFile, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        if file.size == 0 {
            return Ok(());
        }
        self.read_chain(file.first_cluster, Some(file.size), sink).map(drop)
    }
}

/// Long-name entries stand last part first; their UTF-16 ends at a NUL.
fn long_name(parts: &[Vec<u16>]) -> String {
    let units: Vec<u16> = parts.iter().rev().flatten().copied().take_while(|u| *u != 0).collect();
    String::from_utf16_lossy(&units)
}

/// Windows' flags in a short entry that say its base name or extension is lower case (`notes.txt` with no
/// long-name entries).
const LOWER_CASE_BASE: u8 = 0x08;
const LOWER_CASE_EXTENSION: u8 = 0x10;

/// `README  TXT` as `README.TXT` (or `readme.txt`, as the case flags say).
fn short_name(raw: &[u8], case_flags: u8) -> String {
    let part = |bytes: &[u8], lower: bool| {
        let text = String::from_utf8_lossy(bytes).trim_end().to_string();
        if lower { text.to_ascii_lowercase() } else { text }
    };
    let base = part(&raw[0..8], case_flags & LOWER_CASE_BASE != 0);
    let extension = part(&raw[8..11], case_flags & LOWER_CASE_EXTENSION != 0);
    if extension.is_empty() { base } else { format!("{base}.{extension}") }
}
