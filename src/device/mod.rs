//! Removable disks: finding them, and deciding whether one may be written.
//!
//! Writing to the wrong disk destroys a workstation, so every guard is a separate, testable rule over a plain
//! description of the disk ([`Disk`]); the platform modules only fill that description in. USB transport alone is
//! no guarantee (backup disks are USB too), so the rules combine removability, the system disk, mounts, holders
//! and size.

pub mod linux;
pub mod windows;

use serde::Serialize;

/// What tanmatsu knows of a disk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    /// `/dev/sdb`, or `\\.\PhysicalDrive2`.
    pub path: String,
    pub model: String,
    pub serial: Option<String>,
    pub size: u64,
    pub removable: bool,
    pub usb: bool,
    pub read_only: bool,
    /// Holds the running system (its root, boot or swap).
    pub system: bool,
    /// Mount points of the disk and its partitions.
    pub mounts: Vec<String>,
    /// Device-mapper, RAID or LVM devices built on it.
    pub holders: Vec<String>,
    /// The instance IDs Windows gives the stick, as `[[media.approved]]` takes them.
    pub usb_instance_id: Option<String>,
    pub disk_instance_id: Option<String>,
}

impl Disk {
    /// One line naming the disk for the operator, so that the list and the write confirmation describe it alike.
    pub fn summary(&self) -> String {
        let serial = self.serial.as_deref().unwrap_or("-");
        crate::t!("device.summary", path = &self.path, model = &self.model, serial = serial, bytes = self.size)
    }

    /// The two keys of a `[[media.approved]]` entry (MED-2) that admit this stick, as TOML lines ready to paste.
    /// The IDs hold backslashes, so they go through the TOML writer rather than between hand-placed quotes.
    pub fn approval_keys(&self) -> Option<String> {
        let (usb, disk) = (self.usb_instance_id.as_deref()?, self.disk_instance_id.as_deref()?);
        let quoted = |id: &str| toml_edit::Value::from(id).to_string();
        Some(format!("usb_instance_id = {}\ndisk_instance_id = {}", quoted(usb), quoted(disk)))
    }
}

/// Why a disk is not written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Refusal {
    NotRemovable,
    SystemDisk,
    Mounted { mounts: Vec<String> },
    InUse { holders: Vec<String> },
    ReadOnly,
    TooSmall { needed: u64 },
    TooLarge { ceiling: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRemovable => crate::msg!("refusal.not-removable").fmt(f),
            Refusal::SystemDisk => crate::msg!("refusal.system-disk").fmt(f),
            Refusal::Mounted { mounts } => crate::msg!("refusal.mounted", mounts = mounts.join(", ")).fmt(f),
            Refusal::InUse { holders } => crate::msg!("refusal.in-use", holders = holders.join(", ")).fmt(f),
            Refusal::ReadOnly => crate::msg!("refusal.read-only").fmt(f),
            Refusal::TooSmall { needed } => crate::msg!("refusal.too-small", needed = needed).fmt(f),
            Refusal::TooLarge { ceiling } => {
                crate::msg!("refusal.too-large", gigabytes = ceiling / 1_000_000_000).fmt(f)
            }
        }
    }
}

/// The limits a write is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub image_size: u64,
    pub allow_fixed: bool,
    pub max_size: u64,
}

/// 256 GB: larger than any stick a terminal needs, smaller than most backup disks.
pub const DEFAULT_MAX_SIZE: u64 = 256_000_000_000;

/// Every reason not to write `disk`; empty means it may be written.
pub fn refusals(disk: &Disk, rules: &Rules) -> Vec<Refusal> {
    let mut found = Vec::new();
    if disk.system {
        found.push(Refusal::SystemDisk);
    }
    if !disk.removable && !rules.allow_fixed {
        found.push(Refusal::NotRemovable);
    }
    if !disk.mounts.is_empty() {
        found.push(Refusal::Mounted { mounts: disk.mounts.clone() });
    }
    if !disk.holders.is_empty() {
        found.push(Refusal::InUse { holders: disk.holders.clone() });
    }
    if disk.read_only {
        found.push(Refusal::ReadOnly);
    }
    if disk.size < rules.image_size {
        found.push(Refusal::TooSmall { needed: rules.image_size });
    }
    if disk.size > rules.max_size {
        found.push(Refusal::TooLarge { ceiling: rules.max_size });
    }
    found
}

/// Windows' instance IDs for a USB stick: `USB\VID_0781&PID_5581\<serial>` for the USB device, and
/// `USBSTOR\DISK&VEN_<vendor>&PROD_<product>&REV_<rev>\<serial>&0` for its disk (vendor, product and revision from
/// the SCSI inquiry, spaces made underscores, cut to 8, 16 and 4 characters).
pub fn windows_instance_ids(
    vid: &str,
    pid: &str,
    serial: &str,
    vendor: &str,
    product: &str,
    revision: &str,
) -> (String, String) {
    let field = |text: &str, max: usize| -> String {
        text.trim().chars().take(max).map(|c| if c == ' ' { '_' } else { c.to_ascii_uppercase() }).collect()
    };
    let usb = format!("USB\\VID_{}&PID_{}\\{serial}", vid.to_ascii_uppercase(), pid.to_ascii_uppercase());
    let disk = format!(
        "USBSTOR\\DISK&VEN_{}&PROD_{}&REV_{}\\{serial}&0",
        field(vendor, 8),
        field(product, 16),
        field(revision, 4)
    );
    (usb, disk)
}

/// The disks of this machine, as the platform sees them.
pub fn list() -> std::io::Result<Vec<Disk>> {
    if cfg!(windows) { windows::list() } else { linux::list(&linux::Roots::system()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stick() -> Disk {
        Disk { path: "/dev/sdb".into(), size: 16_000_000_000, removable: true, usb: true, ..Disk::default() }
    }

    fn rules() -> Rules {
        Rules { image_size: 1_000_000_000, allow_fixed: false, max_size: DEFAULT_MAX_SIZE }
    }

    #[test]
    fn a_plain_stick_may_be_written() {
        assert!(refusals(&stick(), &rules()).is_empty());
    }

    #[test]
    fn fixed_disks_need_the_flag_but_the_system_disk_and_mounts_never_pass() {
        let fixed = Disk { removable: false, ..stick() };
        assert_eq!(refusals(&fixed, &rules()), [Refusal::NotRemovable]);
        let allowed = Rules { allow_fixed: true, ..rules() };
        assert!(refusals(&fixed, &allowed).is_empty());
        let system = Disk { system: true, mounts: vec!["/".into()], ..fixed };
        assert_eq!(refusals(&system, &allowed), [Refusal::SystemDisk, Refusal::Mounted { mounts: vec!["/".into()] }]);
    }

    #[test]
    fn size_limits() {
        let small = Disk { size: 500_000_000, ..stick() };
        assert_eq!(refusals(&small, &rules()), [Refusal::TooSmall { needed: 1_000_000_000 }]);
        let huge = Disk { size: 2_000_000_000_000, ..stick() };
        assert_eq!(refusals(&huge, &rules()), [Refusal::TooLarge { ceiling: DEFAULT_MAX_SIZE }]);
    }

    #[test]
    fn instance_ids_as_windows_forms_them() {
        let (usb, disk) =
            windows_instance_ids("0781", "5581", "4C530001230101115042", "SanDisk ", "Ultra           ", "1.00");
        assert_eq!(usb, r"USB\VID_0781&PID_5581\4C530001230101115042");
        assert_eq!(disk, r"USBSTOR\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\4C530001230101115042&0");
    }

    #[test]
    fn approval_keys_paste_back_as_the_same_ids() {
        let with_ids = |usb: &str, disk: &str| Disk {
            usb_instance_id: Some(usb.into()),
            disk_instance_id: Some(disk.into()),
            ..stick()
        };
        assert_eq!(stick().approval_keys(), None, "a disk without Windows IDs offers nothing to paste");
        for (usb, disk) in [
            (r"USB\VID_0781&PID_5581\4C53", r"USBSTOR\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\4C53&0"),
            (r"USB\VID_0781&PID_5581\IT'S", r#"USBSTOR\DISK&VEN_"Q"\'&0"#),
        ] {
            let keys = with_ids(usb, disk).approval_keys().unwrap();
            let parsed: toml::Table = keys.parse().unwrap_or_else(|e| panic!("{keys}: {e}"));
            assert_eq!(parsed["usb_instance_id"].as_str(), Some(usb), "{keys}");
            assert_eq!(parsed["disk_instance_id"].as_str(), Some(disk), "{keys}");
        }
        let keys = with_ids(r"USB\VID_0781&PID_5581\4C53", r"USBSTOR\X\4C53&0").approval_keys().unwrap();
        assert_eq!(keys, "usb_instance_id = 'USB\\VID_0781&PID_5581\\4C53'\ndisk_instance_id = 'USBSTOR\\X\\4C53&0'");
    }
}
