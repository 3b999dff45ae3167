//! Disks on Linux, from sysfs (`/sys/block`) and the mount table. The roots are parameters so that the rules can be
//! tested on made-up trees.

use super::{Disk, windows_instance_ids};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where the kernel's views are: the real ones, or a test's stand-ins.
#[derive(Debug, Clone)]
pub struct Roots {
    pub sys_block: PathBuf,
    pub mountinfo: PathBuf,
    pub swaps: PathBuf,
    pub dev: PathBuf,
}

impl Roots {
    pub fn system() -> Roots {
        Roots {
            sys_block: "/sys/block".into(),
            mountinfo: "/proc/self/mountinfo".into(),
            swaps: "/proc/swaps".into(),
            dev: "/dev".into(),
        }
    }
}

/// Mount points that make a disk the system's own.
const SYSTEM_MOUNTS: &[&str] = &["/", "/boot", "/boot/efi", "/efi", "/usr", "/var", "/home"];
/// Block devices that are never candidates: memory, optical, device-mapper and RAID (their members are listed).
const NOT_DISKS: &[&str] = &["ram", "zram", "sr", "fd", "dm-", "md", "nbd"];

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// (device number, mount point) of every mount.
fn mounts(roots: &Roots) -> Vec<(String, String)> {
    let text = fs::read_to_string(&roots.mountinfo).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((fields.get(2)?.to_string(), unescape_mount(fields.get(4)?)))
        })
        .collect()
}

/// mountinfo writes spaces and tabs in paths as octal escapes.
fn unescape_mount(path: &str) -> String {
    path.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
}

pub fn list(roots: &Roots) -> io::Result<Vec<Disk>> {
    let mounts = mounts(roots);
    let swaps = fs::read_to_string(&roots.swaps).unwrap_or_default();
    let mut names: Vec<String> = fs::read_dir(&roots.sys_block)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !NOT_DISKS.iter().any(|prefix| name.starts_with(prefix)))
        .collect();
    names.sort();
    let mut disks = Vec::new();
    for name in names {
        let dir = roots.sys_block.join(&name);
        // A loop device with nothing attached has size 0; it is no disk.
        let size = read_trimmed(&dir.join("size")).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) * 512;
        if size == 0 {
            continue;
        }
        disks.push(describe(roots, &name, &dir, size, &mounts, &swaps));
    }
    Ok(disks)
}

fn describe(roots: &Roots, name: &str, dir: &Path, size: u64, mounts: &[(String, String)], swaps: &str) -> Disk {
    // The disk and its partitions: their names and device numbers.
    let mut members = vec![(name.to_string(), read_trimmed(&dir.join("dev")).unwrap_or_default())];
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.filter_map(Result::ok) {
            if entry.path().join("partition").exists() {
                let partition = entry.file_name().to_string_lossy().into_owned();
                members.push((partition, read_trimmed(&entry.path().join("dev")).unwrap_or_default()));
            }
        }
    }
    let mut holders = Vec::new();
    for (member, _) in &members {
        let holder_dir = if member == name { dir.join("holders") } else { dir.join(member).join("holders") };
        if let Ok(entries) = fs::read_dir(holder_dir) {
            holders.extend(entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()));
        }
    }
    holders.sort();
    let holder_devs: Vec<String> =
        holders.iter().filter_map(|h| read_trimmed(&roots.sys_block.join(h).join("dev"))).collect();
    let mounted: Vec<String> = mounts
        .iter()
        .filter(|(dev, _)| members.iter().any(|(_, d)| d == dev))
        .map(|(_, point)| point.clone())
        .collect();
    let system_mounts = mounts
        .iter()
        .filter(|(dev, _)| members.iter().any(|(_, d)| d == dev) || holder_devs.contains(dev))
        .any(|(_, point)| SYSTEM_MOUNTS.contains(&point.as_str()));
    let swapped = swaps
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .any(|device| members.iter().any(|(member, _)| device.rsplit('/').next() == Some(member)));

    let device = fs::canonicalize(dir.join("device")).unwrap_or_default();
    let usb = device.components().any(|c| c.as_os_str().to_string_lossy().starts_with("usb"));
    let vendor = read_trimmed(&dir.join("device/vendor")).unwrap_or_default();
    let product = read_trimmed(&dir.join("device/model")).unwrap_or_default();
    let revision = read_trimmed(&dir.join("device/rev")).unwrap_or_default();
    let usb_device = device.ancestors().find(|a| a.join("idVendor").exists()).map(Path::to_path_buf);
    let serial = usb_device.as_ref().and_then(|d| read_trimmed(&d.join("serial")));
    let ids = usb_device.as_ref().zip(serial.as_ref()).and_then(|(d, serial)| {
        let vid = read_trimmed(&d.join("idVendor"))?;
        let pid = read_trimmed(&d.join("idProduct"))?;
        Some(windows_instance_ids(&vid, &pid, serial, &vendor, &product, &revision))
    });
    let model =
        [vendor.as_str(), product.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
    Disk {
        path: roots.dev.join(name).display().to_string(),
        model: if model.is_empty() { name.to_string() } else { model },
        serial,
        size,
        removable: read_trimmed(&dir.join("removable")).as_deref() == Some("1"),
        usb,
        read_only: read_trimmed(&dir.join("ro")).as_deref() == Some("1"),
        system: system_mounts || swapped,
        mounts: mounted,
        holders,
        usb_instance_id: ids.as_ref().map(|(usb, _)| usb.clone()),
        disk_instance_id: ids.map(|(_, disk)| disk),
    }
}
