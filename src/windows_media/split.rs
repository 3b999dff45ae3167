//! Splitting an install.wim that FAT32 cannot hold into `install.swm`, `install2.swm`, … — the split form Windows
//! Setup accepts natively. Resources are copied verbatim (no recompression): a compressed resource's chunk table is
//! relative to its own start, so only the offsets in the blob tables change.
//!
//! As in wimlib's split: every part has the WIM's GUID and its own header (part number, total parts, the spanned
//! flag, no boot image); part 1 holds the image metadata resources; each part's blob table lists only the resources
//! in that part; every part carries the XML data. Solid resources (install.esd) cannot be split.

use super::ReadAt;
use super::wim::{HEADER_SIZE, Resource};
use crate::msg;
use std::io::{self, Read};

const BLOB_ENTRY_SIZE: usize = 50;
const RESOURCE_METADATA: u8 = 0x02;
const RESOURCE_SOLID: u8 = 0x10;
const HEADER_SPANNED: u32 = 0x0000_0008;
/// Header flags that describe a WIM being written or partial; a split part carries none of them.
const HEADER_TRANSIENT: u32 = 0x0000_0010 | 0x0000_0020 | 0x0000_0040;

/// One resource of the WIM: where it is now, and its blob-table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Blob {
    resource: Resource,
    refcnt: u32,
    hash: [u8; 20],
}

impl Blob {
    fn is_metadata(&self) -> bool {
        self.resource.flags & RESOURCE_METADATA != 0
    }
}

/// A piece of a part's bytes: produced here, or copied from the source WIM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Bytes(Vec<u8>),
    Source { offset: u64, length: u64 },
}

/// One `.swm` file, fully planned: its name and its bytes as segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub segments: Vec<Segment>,
}

impl Part {
    pub fn size(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Bytes(bytes) => bytes.len() as u64,
                Segment::Source { length, .. } => *length,
            })
            .sum()
    }
}

/// Plans the parts of the WIM in `source`, each holding at most `max_part` bytes of resources (a part
/// holds at least one resource, and part 1 all the metadata, whatever their size). `stem` names the parts:
/// `install` gives `install.swm`, `install2.swm`, …
pub fn plan(source: &mut dyn ReadAt, max_part: u64, stem: &str) -> io::Result<Vec<Part>> {
    let mut header = vec![0u8; HEADER_SIZE];
    source.read_at(0, &mut header)?;
    super::wim::parse_header(&header)?;
    let table = Resource::parse(&header[48..72]);
    let xml = Resource::parse(&header[72..96]);
    if u16::from_le_bytes([header[42], header[43]]) != 1 {
        return Err(msg!("windows-media.already-split").invalid_data());
    }
    let mut table_bytes = vec![0u8; table.stored_size as usize];
    source.read_at(table.offset, &mut table_bytes)?;
    let blobs: Vec<Blob> = table_bytes
        .chunks_exact(BLOB_ENTRY_SIZE)
        .map(|entry| Blob {
            resource: Resource::parse(&entry[0..24]),
            refcnt: u32::from_le_bytes(entry[26..30].try_into().expect("4 bytes")),
            hash: entry[30..50].try_into().expect("20 bytes"),
        })
        .collect();
    if blobs.iter().any(|b| b.resource.flags & RESOURCE_SOLID != 0) {
        return Err(msg!("windows-media.solid").invalid_data());
    }
    let mut xml_bytes = vec![0u8; xml.stored_size as usize];
    source.read_at(xml.offset, &mut xml_bytes)?;

    // Metadata first, all in part 1; then the data in the order it lies in the WIM.
    let (metadata, mut data): (Vec<Blob>, Vec<Blob>) = blobs.into_iter().partition(Blob::is_metadata);
    data.sort_by_key(|b| b.resource.offset);
    let mut groups: Vec<Vec<Blob>> = vec![metadata];
    let mut current_size: u64 = groups[0].iter().map(|b| b.resource.stored_size).sum();
    for blob in data {
        if current_size + blob.resource.stored_size >= max_part && current_size > 0 {
            groups.push(Vec::new());
            current_size = 0;
        }
        current_size += blob.resource.stored_size;
        groups.last_mut().expect("one group at least").push(blob);
    }
    let total = groups.len();
    Ok(groups
        .into_iter()
        .enumerate()
        .map(|(index, group)| part(&header, &xml_bytes, index + 1, total, group, stem))
        .collect())
}

fn part(original: &[u8], xml: &[u8], number: usize, total: usize, blobs: Vec<Blob>, stem: &str) -> Part {
    let mut segments = vec![Segment::Bytes(Vec::new())];
    let mut offset = HEADER_SIZE as u64;
    let mut table = Vec::with_capacity(blobs.len() * BLOB_ENTRY_SIZE);
    for blob in &blobs {
        segments.push(Segment::Source { offset: blob.resource.offset, length: blob.resource.stored_size });
        table.extend(resource_bytes(&Resource { offset, ..blob.resource }));
        table.extend((number as u16).to_le_bytes());
        table.extend(blob.refcnt.to_le_bytes());
        table.extend(blob.hash);
        offset += blob.resource.stored_size;
    }
    let table_resource =
        Resource { stored_size: table.len() as u64, flags: 0, offset, original_size: table.len() as u64 };
    offset += table.len() as u64;
    let xml_resource = Resource { stored_size: xml.len() as u64, flags: 0, offset, original_size: xml.len() as u64 };

    let mut header = original[..HEADER_SIZE].to_vec();
    let flags = u32::from_le_bytes(header[16..20].try_into().expect("4 bytes"));
    header[16..20].copy_from_slice(&((flags & !HEADER_TRANSIENT) | HEADER_SPANNED).to_le_bytes());
    header[40..42].copy_from_slice(&(number as u16).to_le_bytes());
    header[42..44].copy_from_slice(&(total as u16).to_le_bytes());
    header[48..72].copy_from_slice(&resource_bytes(&table_resource));
    header[72..96].copy_from_slice(&resource_bytes(&xml_resource));
    header[96..120].fill(0); // no boot metadata: a split WIM boots nothing
    header[120..124].fill(0);
    header[124..148].fill(0); // no integrity table
    segments[0] = Segment::Bytes(header);
    segments.push(Segment::Bytes(table));
    segments.push(Segment::Bytes(xml.to_vec()));
    let name = if number == 1 { format!("{stem}.swm") } else { format!("{stem}{number}.swm") };
    Part { name, segments }
}

fn resource_bytes(resource: &Resource) -> [u8; 24] {
    let mut bytes = [0u8; 24];
    bytes[0..7].copy_from_slice(&resource.stored_size.to_le_bytes()[..7]);
    bytes[7] = resource.flags;
    bytes[8..16].copy_from_slice(&resource.offset.to_le_bytes());
    bytes[16..24].copy_from_slice(&resource.original_size.to_le_bytes());
    bytes
}

/// A part's bytes as a stream: its produced segments, and its copied ones read from the source WIM.
pub struct PartReader<'a> {
    segments: std::vec::IntoIter<Segment>,
    current: Option<(Segment, u64)>,
    source: &'a mut dyn ReadAt,
}

impl<'a> PartReader<'a> {
    pub fn new(part: &Part, source: &'a mut dyn ReadAt) -> PartReader<'a> {
        PartReader { segments: part.segments.clone().into_iter(), current: None, source }
    }
}

impl Read for PartReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.current.is_none() {
                match self.segments.next() {
                    Some(segment) => self.current = Some((segment, 0)),
                    None => return Ok(0),
                }
            }
            let (segment, done) = self.current.as_mut().expect("set above");
            let length = match segment {
                Segment::Bytes(bytes) => bytes.len() as u64,
                Segment::Source { length, .. } => *length,
            };
            if *done >= length {
                self.current = None;
                continue;
            }
            let take = ((length - *done) as usize).min(buffer.len());
            match segment {
                Segment::Bytes(bytes) => buffer[..take].copy_from_slice(&bytes[*done as usize..*done as usize + take]),
                Segment::Source { offset, .. } => self.source.read_at(*offset + *done, &mut buffer[..take])?,
            }
            *done += take as u64;
            return Ok(take);
        }
    }
}
