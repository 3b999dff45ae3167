//! Reading UDF, the file system of Microsoft's Windows ISOs (their ISO 9660 part holds only a README).
//!
//! Enough of ECMA-167 and the UDF specification for what Microsoft's and the standard tools write: the anchor at
//! sector 256, the partition and logical-volume descriptors (type-1 partition maps), the file set descriptor, file
//! entries and extended file entries, short, long and embedded allocation descriptors with continuation extents,
//! and OSTA compressed Unicode names.

use crate::msg;
use std::io::{self, Read, Seek, SeekFrom};

const SECTOR: u64 = 2048;
const ANCHOR_SECTOR: u64 = 256;

const TAG_PARTITION: u16 = 5;
const TAG_LOGICAL_VOLUME: u16 = 6;
const TAG_TERMINATING: u16 = 8;
const TAG_FILE_SET: u16 = 256;
const TAG_FILE_IDENTIFIER: u16 = 257;
const TAG_ALLOCATION_EXTENT: u16 = 258;
const TAG_FILE_ENTRY: u16 = 261;
const TAG_EXTENDED_FILE_ENTRY: u16 = 266;

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A run of a file's bytes: `length` bytes at logical block `block`, or zeros where nothing is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Extent {
    length: u64,
    block: Option<u32>,
}

/// Where a file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    Extents(Vec<Extent>),
    Embedded(Vec<u8>),
}

/// A file or directory on the volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfFile {
    /// `/`-separated from the root.
    pub path: String,
    pub size: u64,
    data: Data,
}

pub struct UdfReader<R> {
    disk: R,
    /// First sector of the (single) partition.
    partition_start: u64,
}

impl<R: Read + Seek> UdfReader<R> {
    pub fn open(mut disk: R) -> io::Result<(UdfReader<R>, Vec<UdfFile>)> {
        let anchor = read_sector(&mut disk, ANCHOR_SECTOR)?;
        if tag_id(&anchor) != Some(2) {
            return Err(msg!("udf.no-anchor").invalid_data());
        }
        let (vds_length, vds_start) = (u32_at(&anchor, 16) as u64, u32_at(&anchor, 20) as u64);
        let mut partition: Option<(u16, u64)> = None;
        let mut volume: Option<(u64, u32)> = None;
        for index in 0..vds_length.div_ceil(SECTOR).min(64) {
            let descriptor = read_sector(&mut disk, vds_start + index)?;
            match tag_id(&descriptor) {
                Some(TAG_PARTITION) => partition = Some((u16_at(&descriptor, 22), u32_at(&descriptor, 188) as u64)),
                Some(TAG_LOGICAL_VOLUME) => {
                    let block_size = u32_at(&descriptor, 212) as u64;
                    // The file set descriptor's place: a long_ad in the "logical volume contents use" field.
                    let file_set_block = u32_at(&descriptor, 252);
                    if descriptor[440] != 1 {
                        return Err(msg!("udf.partition-map").invalid_data());
                    }
                    volume = Some((block_size, file_set_block));
                }
                Some(TAG_TERMINATING) => break,
                _ => {}
            }
        }
        let (_number, partition_start) = partition.ok_or_else(|| msg!("udf.no-partition").invalid_data())?;
        let (block_size, file_set_block) = volume.ok_or_else(|| msg!("udf.no-logical-volume").invalid_data())?;
        if block_size != SECTOR {
            return Err(msg!("udf.block-size", size = block_size).invalid_data());
        }
        let mut reader = UdfReader { disk, partition_start };
        let file_set = reader.block(file_set_block)?;
        if tag_id(&file_set) != Some(TAG_FILE_SET) {
            return Err(msg!("udf.no-file-set").invalid_data());
        }
        let root = u32_at(&file_set, 404);
        let mut files = Vec::new();
        reader.walk(root, String::new(), &mut files, 0)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((reader, files))
    }

    fn block(&mut self, block: u32) -> io::Result<Vec<u8>> {
        read_sector(&mut self.disk, self.partition_start + block as u64)
    }

    /// Reads the (extended) file entry at `block`: is it a directory, its size, and where its data is.
    fn entry(&mut self, block: u32) -> io::Result<(bool, u64, Data)> {
        let entry = self.block(block)?;
        let (ea_at, ad_at) = match tag_id(&entry) {
            Some(TAG_FILE_ENTRY) => (168, 176),
            Some(TAG_EXTENDED_FILE_ENTRY) => (208, 216),
            other => return Err(msg!("udf.not-file-entry", block = block, tag = format!("{other:?}")).invalid_data()),
        };
        let is_directory = entry[16 + 11] == 4;
        let size = u64_at(&entry, 56);
        let (ea_length, ad_length) = (u32_at(&entry, ea_at) as usize, u32_at(&entry, ea_at + 4) as usize);
        let start = ad_at + ea_length;
        let descriptors =
            entry.get(start..start + ad_length).ok_or_else(|| msg!("udf.entry-overflows").invalid_data())?;
        let data = match u16_at(&entry, 16 + 18) & 0x7 {
            0 => Data::Extents(self.extents(descriptors, 8)?),
            1 => Data::Extents(self.extents(descriptors, 16)?),
            3 => Data::Embedded(descriptors[..(size as usize).min(descriptors.len())].to_vec()),
            other => return Err(msg!("udf.descriptor-type", kind = other).invalid_data()),
        };
        Ok((is_directory, size, data))
    }

    /// Short (8-byte) or long (16-byte) allocation descriptors, following continuation extents.
    fn extents(&mut self, first: &[u8], size: usize) -> io::Result<Vec<Extent>> {
        let mut extents = Vec::new();
        let mut descriptors = first.to_vec();
        for _ in 0..1024 {
            let mut next = None;
            for descriptor in descriptors.chunks_exact(size) {
                let raw = u32_at(descriptor, 0);
                let (kind, length) = (raw >> 30, (raw & 0x3FFF_FFFF) as u64);
                if length == 0 {
                    break;
                }
                let block = u32_at(descriptor, 4);
                match kind {
                    0 => extents.push(Extent { length, block: Some(block) }),
                    1 | 2 => extents.push(Extent { length, block: None }),
                    _ => next = Some(block),
                }
            }
            let Some(block) = next else { return Ok(extents) };
            let continuation = self.block(block)?;
            if tag_id(&continuation) != Some(TAG_ALLOCATION_EXTENT) {
                return Err(msg!("udf.extent-missing").invalid_data());
            }
            let length = (u32_at(&continuation, 20) as usize).min(continuation.len() - 24);
            descriptors = continuation[24..24 + length].to_vec();
        }
        Err(msg!("udf.descriptors-loop").invalid_data())
    }

    fn read_data(&mut self, data: &Data, size: u64, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        match data {
            Data::Embedded(bytes) => sink(bytes),
            Data::Extents(extents) => {
                let mut left = size;
                let mut buffer = Vec::new();
                for extent in extents {
                    let mut take = extent.length.min(left);
                    let mut position = extent.block.map(|b| (self.partition_start + b as u64) * SECTOR);
                    while take > 0 {
                        let chunk = take.min(4 << 20) as usize;
                        buffer.resize(chunk, 0);
                        match position {
                            Some(at) => {
                                self.disk.seek(SeekFrom::Start(at))?;
                                self.disk.read_exact(&mut buffer)?;
                                position = Some(at + chunk as u64);
                            }
                            None => buffer.fill(0),
                        }
                        sink(&buffer);
                        take -= chunk as u64;
                        left -= chunk as u64;
                    }
                }
                if left > 0 {
                    return Err(msg!("udf.file-short").invalid_data());
                }
            }
        }
        Ok(())
    }

    fn walk(&mut self, block: u32, prefix: String, files: &mut Vec<UdfFile>, depth: usize) -> io::Result<()> {
        if depth > 64 {
            return Err(msg!("udf.too-deep").invalid_data());
        }
        let (_, size, data) = self.entry(block)?;
        let mut bytes = Vec::with_capacity(size as usize);
        self.read_data(&data, size, &mut |chunk| bytes.extend_from_slice(chunk))?;
        let mut at = 0;
        while at + 38 <= bytes.len() {
            let descriptor = &bytes[at..];
            if tag_id(descriptor) != Some(TAG_FILE_IDENTIFIER) {
                return Err(msg!("udf.not-identifier").invalid_data());
            }
            let characteristics = descriptor[18];
            let name_length = descriptor[19] as usize;
            let icb_block = u32_at(descriptor, 20 + 4);
            let use_length = u16_at(descriptor, 36) as usize;
            let name_start = 38 + use_length;
            let record = (name_start + name_length).div_ceil(4) * 4;
            let is_parent = characteristics & 0x08 != 0;
            let is_deleted = characteristics & 0x04 != 0;
            if !is_parent && !is_deleted && name_length > 0 {
                let name = decode_name(&descriptor[name_start..name_start + name_length])?;
                let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
                let (is_directory, file_size, file_data) = self.entry(icb_block)?;
                if is_directory {
                    self.walk(icb_block, path, files, depth + 1)?;
                } else {
                    files.push(UdfFile { path, size: file_size, data: file_data });
                }
            }
            at += record;
        }
        Ok(())
    }

    /// Reads `buffer.len()` bytes of `file` from byte `offset` (for a header inside a file of gigabytes).
    pub fn read_at(&mut self, file: &UdfFile, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
        if offset + buffer.len() as u64 > file.size {
            return Err(msg!("udf.read-short", path = &file.path).io_error(io::ErrorKind::UnexpectedEof));
        }
        if let Data::Embedded(bytes) = &file.data {
            buffer.copy_from_slice(&bytes[offset as usize..offset as usize + buffer.len()]);
            return Ok(());
        }
        let Data::Extents(extents) = &file.data else { unreachable!("embedded data is handled above") };
        let (mut start, mut filled) = (0u64, 0usize);
        for extent in extents {
            let wanted = offset + filled as u64;
            if wanted < start + extent.length && filled < buffer.len() {
                let within = wanted - start;
                let take = ((extent.length - within) as usize).min(buffer.len() - filled);
                match extent.block {
                    Some(block) => {
                        self.disk.seek(SeekFrom::Start((self.partition_start + block as u64) * SECTOR + within))?;
                        self.disk.read_exact(&mut buffer[filled..filled + take])?;
                    }
                    None => buffer[filled..filled + take].fill(0),
                }
                filled += take;
            }
            start += extent.length;
        }
        if filled < buffer.len() {
            return Err(msg!("udf.extents-end", path = &file.path).invalid_data());
        }
        Ok(())
    }

    /// Streams the contents of `file` to `sink`.
    pub fn read_file(&mut self, file: &UdfFile, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        let data = file.data.clone();
        self.read_data(&data, file.size, sink)
    }
}

fn read_sector<R: Read + Seek>(disk: &mut R, sector: u64) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0u8; SECTOR as usize];
    disk.seek(SeekFrom::Start(sector * SECTOR))?;
    disk.read_exact(&mut buffer)?;
    Ok(buffer)
}

/// The identifier of a descriptor tag whose checksum is right.
fn tag_id(bytes: &[u8]) -> Option<u16> {
    let checksum =
        bytes[..16].iter().enumerate().filter(|(i, _)| *i != 4).fold(0u8, |sum, (_, b)| sum.wrapping_add(*b));
    (checksum == bytes[4]).then(|| u16_at(bytes, 0))
}

/// An OSTA compressed Unicode d-string: 8 (one byte a character) or 16 (UTF-16 big-endian) first.
fn decode_name(bytes: &[u8]) -> io::Result<String> {
    match bytes.first() {
        Some(8) => Ok(bytes[1..].iter().map(|&b| b as char).collect()),
        Some(16) => {
            let units: Vec<u16> = bytes[1..].chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).map_err(|_| msg!("udf.name-not-utf16").invalid_data())
        }
        _ => Err(msg!("udf.name-compression").invalid_data()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_both_compressions() {
        assert_eq!(decode_name(b"\x08install.wim").unwrap(), "install.wim");
        let japanese: Vec<u8> = std::iter::once(16u8).chain("手順".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_name(&japanese).unwrap(), "手順");
        assert!(decode_name(b"\x07x").is_err());
    }
}
