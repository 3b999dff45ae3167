//! The disk guards on made-up sysfs trees: a USB stick, the system disk, a disk with a mounted partition, a disk
//! under LVM holding the root file system, a card reader that says it is fixed, a stick too small for the image.

use std::path::Path;
use tanmatsu::device::linux::{Roots, list};
use tanmatsu::device::{DEFAULT_MAX_SIZE, Disk, Refusal, Rules, refusals};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A block device in the fake tree: `name` with `removable`, size in bytes, device number and partitions.
fn disk(root: &Path, name: &str, removable: bool, bytes: u64, dev: &str, partitions: &[(&str, &str)]) {
    let dir = root.join("sys/block").join(name);
    write(&dir.join("removable"), if removable { "1\n" } else { "0\n" });
    write(&dir.join("size"), &format!("{}\n", bytes / 512));
    write(&dir.join("ro"), "0\n");
    write(&dir.join("dev"), &format!("{dev}\n"));
    for (partition, partition_dev) in partitions {
        write(&dir.join(partition).join("partition"), "1\n");
        write(&dir.join(partition).join("dev"), &format!("{partition_dev}\n"));
    }
}

/// Makes `name`'s `device` link point into a USB device with the given identity.
fn usb(root: &Path, name: &str, serial: &str) {
    let usb_device = root.join("devices/pci0000:00/0000:00:14.0/usb1/1-1");
    write(&usb_device.join("idVendor"), "0781\n");
    write(&usb_device.join("idProduct"), "5581\n");
    write(&usb_device.join("serial"), &format!("{serial}\n"));
    let scsi = usb_device.join("1-1:1.0/host6/target6:0:0/6:0:0:0");
    write(&scsi.join("vendor"), "SanDisk \n");
    write(&scsi.join("model"), "Ultra           \n");
    write(&scsi.join("rev"), "1.00\n");
    std::os::unix::fs::symlink(&scsi, root.join("sys/block").join(name).join("device")).unwrap();
}

fn fake_machine() -> (tempfile::TempDir, Vec<Disk>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    const GB: u64 = 1_000_000_000;
    disk(root, "sda", false, 512 * GB, "8:0", &[("sda1", "8:1"), ("sda2", "8:2")]);
    disk(root, "sdb", true, 16 * GB, "8:16", &[("sdb1", "8:17")]);
    usb(root, "sdb", "4C530001230101115042");
    disk(root, "sdc", true, 32 * GB, "8:32", &[("sdc1", "8:33")]);
    disk(root, "sdd", false, 64 * GB, "8:48", &[]);
    disk(root, "sde", true, GB / 2, "8:64", &[]);
    disk(root, "nvme0n1", false, 1000 * GB, "259:0", &[("nvme0n1p1", "259:1")]);
    write(&root.join("sys/block/nvme0n1/nvme0n1p1/holders/dm-0"), "");
    disk(root, "dm-0", false, 900 * GB, "254:0", &[]);
    disk(root, "loop7", false, 0, "7:7", &[]);
    write(
        &root.join("mountinfo"),
        "22 1 8:1 / /boot rw,relatime - ext4 /dev/sda1 rw\n\
         23 1 254:0 / / rw,relatime - ext4 /dev/mapper/vg-root rw\n\
         40 22 8:33 / /media/staff/USB\\040DISK rw - vfat /dev/sdc1 rw\n",
    );
    write(&root.join("swaps"), "Filename Type Size Used Priority\n/dev/sda2 partition 1 0 -2\n");
    let roots = Roots {
        sys_block: root.join("sys/block"),
        mountinfo: root.join("mountinfo"),
        swaps: root.join("swaps"),
        dev: "/dev".into(),
    };
    let disks = list(&roots).unwrap();
    (dir, disks)
}

fn find<'a>(disks: &'a [Disk], name: &str) -> &'a Disk {
    disks.iter().find(|d| d.path == format!("/dev/{name}")).unwrap_or_else(|| panic!("{name} is listed"))
}

const RULES: Rules = Rules { image_size: 1_000_000_000, allow_fixed: false, max_size: DEFAULT_MAX_SIZE };

#[test]
fn the_usb_stick_is_the_one_candidate_and_carries_its_windows_ids() {
    let (_dir, disks) = fake_machine();
    let names: Vec<&str> = disks.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        names,
        ["/dev/nvme0n1", "/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde"],
        "dm-0 and an empty loop are no disks"
    );
    let stick = find(&disks, "sdb");
    assert!(stick.usb && stick.removable);
    assert_eq!(stick.model, "SanDisk Ultra");
    assert_eq!(stick.serial.as_deref(), Some("4C530001230101115042"));
    assert_eq!(stick.usb_instance_id.as_deref(), Some(r"USB\VID_0781&PID_5581\4C530001230101115042"));
    assert_eq!(
        stick.disk_instance_id.as_deref(),
        Some(r"USBSTOR\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\4C530001230101115042&0")
    );
    assert_eq!(refusals(stick, &RULES), []);
    let candidates: Vec<&str> =
        disks.iter().filter(|d| refusals(d, &RULES).is_empty()).map(|d| d.path.as_str()).collect();
    assert_eq!(candidates, ["/dev/sdb"]);
}

#[test]
fn the_system_disk_is_refused_even_when_fixed_disks_are_allowed() {
    let (_dir, disks) = fake_machine();
    let allow_fixed = Rules { allow_fixed: true, ..RULES };
    let sda = refusals(find(&disks, "sda"), &allow_fixed);
    assert!(sda.contains(&Refusal::SystemDisk), "/boot and swap live on sda: {sda:?}");
    let nvme = refusals(find(&disks, "nvme0n1"), &allow_fixed);
    assert!(nvme.contains(&Refusal::SystemDisk), "the root under LVM lives on nvme0n1: {nvme:?}");
    assert!(nvme.contains(&Refusal::InUse { holders: vec!["dm-0".into()] }));
}

#[test]
fn a_mounted_partition_is_refused_with_how_to_unmount() {
    let (_dir, disks) = fake_machine();
    let sdc = refusals(find(&disks, "sdc"), &RULES);
    assert_eq!(sdc, [Refusal::Mounted { mounts: vec!["/media/staff/USB DISK".into()] }]);
    assert!(sdc[0].to_string().contains("umount"));
}

#[test]
fn fixed_and_too_small_disks_are_refused() {
    let (_dir, disks) = fake_machine();
    assert_eq!(refusals(find(&disks, "sdd"), &RULES), [Refusal::NotRemovable]);
    assert_eq!(refusals(find(&disks, "sdd"), &Rules { allow_fixed: true, ..RULES }), []);
    assert_eq!(refusals(find(&disks, "sde"), &RULES), [Refusal::TooSmall { needed: 1_000_000_000 }]);
}
