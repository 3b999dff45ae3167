//! Planning a FAT32 volume that is written once: every file's path and size are known before the first byte, so
//! directories get the first clusters, each file the next contiguous run, and the boot sectors, the FATs and the
//! directories can be computed up front. The caller then writes the volume front to back in one sequential pass.

use super::names::{EntryName, long_entries, name_directory};
use super::{DosTime, END_OF_CHAIN, FAT_COUNT, Geometry, MAX_FILE_SIZE, SECTOR};
use crate::i18n::Message;
use crate::msg;
use std::collections::BTreeMap;
use std::io;

const ATTR_VOLUME_LABEL: u8 = 0x08;
const ATTR_DIRECTORY: u8 = 0x10;
const ATTR_ARCHIVE: u8 = 0x20;

struct Directory {
    parent: Option<usize>,
    first_cluster: u32,
    clusters: u32,
    children: Vec<(EntryName, Child)>,
}

enum Child {
    Directory(usize),
    File(String),
}

struct Placed {
    first_cluster: u32,
    size: u64,
}

/// Where everything of a volume goes.
pub struct VolumePlan {
    geometry: Geometry,
    directories: Vec<Directory>,
    files: BTreeMap<String, Placed>,
    next_cluster: u32,
    time: DosTime,
    label: [u8; 11],
    serial: u32,
    /// Bytes from the start of the disk to the partition (the boot sector records it).
    partition_offset: u64,
}

fn invalid(message: Message) -> io::Error {
    message.io_error(io::ErrorKind::InvalidInput)
}

impl VolumePlan {
    /// Plans a volume holding exactly `files` (path, size), whose data is laid out in the order given.
    pub fn new(
        geometry: Geometry,
        partition_offset: u64,
        files: &[(String, u64)],
        label: &str,
        time: DosTime,
        serial: u32,
    ) -> io::Result<VolumePlan> {
        let mut plan = VolumePlan {
            geometry,
            directories: Vec::new(),
            files: BTreeMap::new(),
            next_cluster: 2,
            time,
            label: volume_label(label),
            serial,
            partition_offset,
        };
        plan.plan_directories(files)?;
        for (path, size) in files {
            if *size > MAX_FILE_SIZE {
                return Err(invalid(msg!("image.fat.file-too-large", path = path, size = size)));
            }
            let first_cluster = plan.allocate(*size, path)?;
            plan.files.insert(path.clone(), Placed { first_cluster, size: *size });
        }
        Ok(plan)
    }

    fn plan_directories(&mut self, files: &[(String, u64)]) -> io::Result<()> {
        // Children of each directory by name, sorted, so that the same paths always give the same volume.
        let mut tree: Vec<BTreeMap<String, Option<usize>>> = vec![BTreeMap::new()];
        let mut parents = vec![None];
        let mut seen = std::collections::BTreeSet::new();
        for (path, _) in files {
            let parts: Vec<&str> = path.split('/').collect();
            let mut current = 0;
            for (depth, part) in parts.iter().enumerate() {
                if part.is_empty() || *part == "." || *part == ".." {
                    return Err(invalid(msg!("image.fat.not-a-volume-path", path = path)));
                }
                let is_file = depth + 1 == parts.len();
                match tree[current].get(*part).copied() {
                    Some(Some(directory)) if !is_file => current = directory,
                    Some(_) => return Err(invalid(msg!("image.fat.path-clash", path = path))),
                    None if is_file => {
                        tree[current].insert(part.to_string(), None);
                    }
                    None => {
                        tree.push(BTreeMap::new());
                        parents.push(Some(current));
                        let index = tree.len() - 1;
                        tree[current].insert(part.to_string(), Some(index));
                        current = index;
                    }
                }
            }
            if !seen.insert(path.clone()) {
                return Err(invalid(msg!("image.fat.path-twice", path = path)));
            }
        }
        let full_paths = directory_paths(&tree);
        for (index, children) in tree.iter().enumerate() {
            let names: Vec<String> = children.keys().cloned().collect();
            let named = name_directory(&names).map_err(invalid)?;
            let entries: u64 = named.iter().map(EntryName::entry_count).sum::<u64>() + 2;
            let clusters = (entries * 32).div_ceil(self.geometry.cluster_bytes()).max(1) as u32;
            let children = named
                .into_iter()
                .zip(children.iter())
                .map(|(name, (part, target))| {
                    let child = match target {
                        Some(directory) => Child::Directory(*directory),
                        None => Child::File(join(&full_paths[index], part)),
                    };
                    (name, child)
                })
                .collect();
            let first_cluster = self.allocate(clusters as u64 * self.geometry.cluster_bytes(), "directories")?;
            self.directories.push(Directory { parent: parents[index], first_cluster, clusters, children });
        }
        Ok(())
    }

    /// The next `bytes` worth of contiguous clusters; 0 (no cluster) for an empty file.
    fn allocate(&mut self, bytes: u64, what: &str) -> io::Result<u32> {
        let clusters = bytes.div_ceil(self.geometry.cluster_bytes());
        if clusters == 0 {
            return Ok(0);
        }
        let first = self.next_cluster;
        if first as u64 + clusters > self.geometry.cluster_limit() as u64 {
            return Err(msg!("image.fat.image-too-small", what = what).io_error(io::ErrorKind::StorageFull));
        }
        self.next_cluster += clusters as u32;
        Ok(first)
    }

    /// Bytes from the partition's start to the data of the file `path` (planned, and of `size` bytes).
    pub fn file_offset(&self, path: &str, size: u64) -> io::Result<u64> {
        match self.files.get(path) {
            Some(placed) if placed.size == size => Ok(self.geometry.cluster_offset(placed.first_cluster.max(2))),
            Some(placed) => {
                Err(invalid(msg!("image.fat.size-changed", path = path, planned = placed.size, size = size)))
            }
            None => Err(invalid(msg!("image.fat.not-planned", path = path))),
        }
    }

    /// The volume's metadata as (offset from the partition's start, bytes), in increasing offset order: the boot
    /// sectors and their backups, both FATs (their used part; the rest is zero, free), and the directories.
    pub fn metadata(&self) -> Vec<(u64, Vec<u8>)> {
        // Sectors 0-2: boot sector, FSInfo, third boot sector; sectors 6-8: their backups.
        let sector = SECTOR as usize;
        let mut boot_region = vec![0u8; 9 * sector];
        for base in [0, 6 * sector] {
            boot_region[base..base + sector].copy_from_slice(&self.boot_sector());
            boot_region[base + sector..base + 2 * sector].copy_from_slice(&self.info_sector());
            boot_region[base + 2 * sector..base + 3 * sector].copy_from_slice(&third_boot_sector());
        }
        let fat = self.fat();
        let mut pieces = vec![(0, boot_region)];
        for index in 0..FAT_COUNT {
            pieces.push((self.geometry.fat_offset(index), fat.clone()));
        }
        for (index, directory) in self.directories.iter().enumerate() {
            pieces.push((self.geometry.cluster_offset(directory.first_cluster), self.directory_bytes(index)));
        }
        pieces
    }
    /// The used part of the FAT: chains for every contiguous run; the rest of the FAT stays zero (free).
    fn fat(&self) -> Vec<u8> {
        let mut entries = vec![0u32; self.next_cluster as usize];
        entries[0] = 0x0FFF_FFF8;
        entries[1] = END_OF_CHAIN;
        let runs = self
            .directories
            .iter()
            .map(|d| (d.first_cluster, d.clusters as u64))
            .chain(self.files.values().map(|p| (p.first_cluster, p.size.div_ceil(self.geometry.cluster_bytes()))));
        for (first, count) in runs.filter(|(first, _)| *first != 0) {
            let last = first + count as u32 - 1;
            for cluster in first..last {
                entries[cluster as usize] = cluster + 1;
            }
            entries[last as usize] = END_OF_CHAIN;
        }
        entries.iter().flat_map(|e| e.to_le_bytes()).collect()
    }

    fn directory_bytes(&self, index: usize) -> Vec<u8> {
        let directory = &self.directories[index];
        let mut bytes = Vec::with_capacity((directory.clusters as u64 * self.geometry.cluster_bytes()) as usize);
        match directory.parent {
            None => bytes.extend(self.short_entry(&self.label, ATTR_VOLUME_LABEL, 0, 0)),
            Some(parent) => {
                bytes.extend(self.short_entry(b".          ", ATTR_DIRECTORY, directory.first_cluster, 0));
                // `..` of a directory in the root points at cluster 0, whatever the root's cluster is.
                let up = if parent == 0 { 0 } else { self.directories[parent].first_cluster };
                bytes.extend(self.short_entry(b"..         ", ATTR_DIRECTORY, up, 0));
            }
        }
        for (name, child) in &directory.children {
            if name.needs_long {
                long_entries(name).iter().for_each(|entry| bytes.extend_from_slice(entry));
            }
            let entry = match child {
                Child::Directory(d) => {
                    self.short_entry(&name.short, ATTR_DIRECTORY, self.directories[*d].first_cluster, 0)
                }
                Child::File(path) => {
                    let placed = &self.files[path];
                    self.short_entry(&name.short, ATTR_ARCHIVE, placed.first_cluster, placed.size as u32)
                }
            };
            bytes.extend(entry);
        }
        bytes.resize((directory.clusters as u64 * self.geometry.cluster_bytes()) as usize, 0);
        bytes
    }

    fn short_entry(&self, name: &[u8; 11], attributes: u8, cluster: u32, size: u32) -> [u8; 32] {
        let mut entry = [0u8; 32];
        entry[0..11].copy_from_slice(name);
        entry[11] = attributes;
        let (date, time) = (self.time.date.to_le_bytes(), self.time.time.to_le_bytes());
        entry[14..16].copy_from_slice(&time);
        entry[16..18].copy_from_slice(&date);
        entry[18..20].copy_from_slice(&date);
        entry[20..22].copy_from_slice(&((cluster >> 16) as u16).to_le_bytes());
        entry[22..24].copy_from_slice(&time);
        entry[24..26].copy_from_slice(&date);
        entry[26..28].copy_from_slice(&(cluster as u16).to_le_bytes());
        entry[28..32].copy_from_slice(&size.to_le_bytes());
        entry
    }

    fn boot_sector(&self) -> Vec<u8> {
        let g = &self.geometry;
        let mut s = vec![0u8; SECTOR as usize];
        s[0..3].copy_from_slice(&[0xEB, 0x58, 0x90]);
        s[3..11].copy_from_slice(b"MSWIN4.1");
        s[11..13].copy_from_slice(&(SECTOR as u16).to_le_bytes());
        s[13] = g.sectors_per_cluster as u8;
        s[14..16].copy_from_slice(&(g.reserved_sectors as u16).to_le_bytes());
        s[16] = FAT_COUNT as u8;
        s[21] = 0xF8;
        s[24..26].copy_from_slice(&63u16.to_le_bytes());
        s[26..28].copy_from_slice(&255u16.to_le_bytes());
        s[28..32].copy_from_slice(&((self.partition_offset / SECTOR) as u32).to_le_bytes());
        s[32..36].copy_from_slice(&(g.total_sectors as u32).to_le_bytes());
        s[36..40].copy_from_slice(&(g.fat_sectors as u32).to_le_bytes());
        s[44..48].copy_from_slice(&self.directories[0].first_cluster.to_le_bytes());
        s[48..50].copy_from_slice(&1u16.to_le_bytes());
        s[50..52].copy_from_slice(&6u16.to_le_bytes());
        s[64] = 0x80;
        s[66] = 0x29;
        s[67..71].copy_from_slice(&self.serial.to_le_bytes());
        s[71..82].copy_from_slice(&self.label);
        s[82..90].copy_from_slice(b"FAT32   ");
        // Not bootable: the boot code tells a BIOS so and halts.
        let message = b"This is a tanmatsu data volume; boot it with UEFI.\r\n";
        s[90..90 + message.len()].copy_from_slice(message);
        s[510] = 0x55;
        s[511] = 0xAA;
        s
    }

    fn info_sector(&self) -> Vec<u8> {
        let mut s = vec![0u8; SECTOR as usize];
        s[0..4].copy_from_slice(&0x4161_5252u32.to_le_bytes());
        s[484..488].copy_from_slice(&0x6141_7272u32.to_le_bytes());
        let free = self.geometry.cluster_limit() - self.next_cluster;
        s[488..492].copy_from_slice(&free.to_le_bytes());
        s[492..496].copy_from_slice(&self.next_cluster.to_le_bytes());
        s[508..512].copy_from_slice(&0xAA55_0000u32.to_le_bytes());
        s
    }
}

/// FAT32 reserves three boot sectors; the third carries only the signature.
fn third_boot_sector() -> Vec<u8> {
    let mut s = vec![0u8; SECTOR as usize];
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

fn volume_label(label: &str) -> [u8; 11] {
    let mut bytes = [b' '; 11];
    for (slot, c) in bytes.iter_mut().zip(label.bytes().filter(|b| b.is_ascii_graphic())) {
        *slot = c.to_ascii_uppercase();
    }
    bytes
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_string() } else { format!("{parent}/{name}") }
}

/// The `/`-path of every directory of the planned tree (the root is "").
fn directory_paths(tree: &[BTreeMap<String, Option<usize>>]) -> Vec<String> {
    let mut paths = vec![String::new(); tree.len()];
    for (index, children) in tree.iter().enumerate() {
        for (name, target) in children {
            if let Some(child) = target {
                paths[*child] = join(&paths[index], name);
            }
        }
    }
    paths
}
