//! FAT32: the one file system every UEFI firmware, Windows Setup and Windows itself read from a USB stick.
//!
//! tanmatsu writes its volumes itself ([`write`]): the image is written once, so every file gets contiguous
//! clusters, the FAT is computed in memory, and data goes out in large sequential writes. [`read`] reads any FAT32
//! volume back, for `verify` and for sticks that Windows has since written to.

pub mod names;
pub mod read;
pub mod write;

use crate::t;

pub const SECTOR: u64 = 512;
/// FAT32 needs at least this many clusters; fewer, and readers take the volume for FAT16.
pub const MIN_CLUSTERS: u64 = 65_525;
/// The largest file FAT32 can hold: its size field is 32 bits.
pub const MAX_FILE_SIZE: u64 = u32::MAX as u64;
const FAT_COUNT: u64 = 2;
const END_OF_CHAIN: u32 = 0x0FFF_FFFF;

/// The layout of a FAT32 volume, in sectors from the start of its partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub total_sectors: u64,
    pub sectors_per_cluster: u64,
    pub reserved_sectors: u64,
    pub fat_sectors: u64,
    pub cluster_count: u64,
}

impl Geometry {
    /// The geometry for a partition of `bytes`, with the cluster size Windows' own format picks for that size, and
    /// the data region aligned to 1 MiB.
    pub fn for_partition(bytes: u64) -> Result<Geometry, String> {
        let total_sectors = bytes / SECTOR;
        let sectors_per_cluster = default_cluster_bytes(bytes) / SECTOR;
        let mut reserved_sectors = 32;
        let geometry = loop {
            let fat_sectors = fat_sectors_for(total_sectors, reserved_sectors, sectors_per_cluster);
            let data_start = reserved_sectors + FAT_COUNT * fat_sectors;
            let aligned = data_start.div_ceil(2048) * 2048;
            if aligned == data_start || reserved_sectors + aligned - data_start > u16::MAX as u64 {
                let cluster_count = (total_sectors.saturating_sub(data_start)) / sectors_per_cluster;
                break Geometry { total_sectors, sectors_per_cluster, reserved_sectors, fat_sectors, cluster_count };
            }
            reserved_sectors += aligned - data_start;
        };
        if geometry.cluster_count < MIN_CLUSTERS {
            return Err(t!("image.fat.volume-too-small", bytes = bytes, clusters = MIN_CLUSTERS));
        }
        Ok(geometry)
    }

    pub fn cluster_bytes(&self) -> u64 {
        self.sectors_per_cluster * SECTOR
    }

    /// Bytes from the partition's start to the first byte of the FAT `index` (0 or 1).
    pub fn fat_offset(&self, index: u64) -> u64 {
        (self.reserved_sectors + index * self.fat_sectors) * SECTOR
    }

    /// Bytes from the partition's start to the data of `cluster` (the first data cluster is 2).
    pub fn cluster_offset(&self, cluster: u32) -> u64 {
        (self.reserved_sectors + FAT_COUNT * self.fat_sectors + (cluster as u64 - 2) * self.sectors_per_cluster)
            * SECTOR
    }

    /// One past the highest cluster number.
    pub fn cluster_limit(&self) -> u32 {
        (self.cluster_count + 2) as u32
    }
}

/// Windows' default FAT32 cluster size for a volume of `bytes`.
fn default_cluster_bytes(bytes: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    match bytes {
        b if b <= 64 * MIB => 512,
        b if b <= 128 * MIB => 1024,
        b if b <= 256 * MIB => 2048,
        b if b <= 8192 * MIB => 4096,
        b if b <= 16384 * MIB => 8192,
        b if b <= 32768 * MIB => 16384,
        _ => 32768,
    }
}

/// The sectors one FAT needs to map every cluster that fits beside it (the FAT specification's formula, then
/// grown until it provably covers the clusters).
fn fat_sectors_for(total: u64, reserved: u64, per_cluster: u64) -> u64 {
    let per_sector = SECTOR / 4;
    let mut fat = (total - reserved).div_ceil(per_cluster * per_sector + FAT_COUNT);
    while (fat * per_sector) < (total.saturating_sub(reserved + FAT_COUNT * fat)) / per_cluster + 2 {
        fat += 1;
    }
    fat
}

/// A timestamp as FAT stores it: date and time in local fields (tanmatsu writes UTC, from a fixed moment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DosTime {
    pub date: u16,
    pub time: u16,
}

impl DosTime {
    /// FAT's time for seconds since the Unix epoch (clamped to FAT's range, 1980-2107).
    pub fn from_unix(seconds: i64) -> DosTime {
        use crate::timestamp::civil_from_days;
        let seconds = seconds.clamp(315_532_800, 4_354_819_199);
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        DosTime {
            date: (((year - 1980) as u16) << 9) | ((month as u16) << 5) | day as u16,
            time: (((of_day / 3600) as u16) << 11) | ((((of_day / 60) % 60) as u16) << 5) | ((of_day % 60) / 2) as u16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_follows_windows_cluster_sizes_and_covers_every_cluster() {
        for (bytes, cluster) in [(40u64 << 20, 512), (100 << 20, 1024), (1 << 30, 4096), (20 << 30, 16384)] {
            let g = Geometry::for_partition(bytes).unwrap();
            assert_eq!(g.cluster_bytes(), cluster);
            assert!(g.fat_sectors * SECTOR / 4 >= g.cluster_count + 2, "{bytes}: the FAT maps every cluster");
            assert_eq!((g.reserved_sectors + 2 * g.fat_sectors) % 2048, 0, "{bytes}: data starts on 1 MiB");
            assert!(g.cluster_count >= MIN_CLUSTERS);
        }
        assert!(Geometry::for_partition(20 << 20).is_err());
    }

    #[test]
    fn dos_times() {
        // 2024-01-01 00:00:00 UTC
        assert_eq!(DosTime::from_unix(1_704_067_200), DosTime { date: (44 << 9) | (1 << 5) | 1, time: 0 });
    }
}
