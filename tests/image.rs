//! `tanmatsu build` and `tanmatsu verify`, checked with tools no one here wrote: sgdisk, fsck.fat, mtools,
//! sha256sum, and real UEFI firmware (OVMF under qemu).

mod common;

use common::tools::{extract_partition, mtools_volume, run, run_ok};
use common::{EXAMPLES, Scratch, tanmatsu};
use std::path::{Path, PathBuf};

fn build(profile: &Path, image: &Path) {
    let output =
        tanmatsu().arg("build").arg(profile).arg("-o").arg(image).env_remove("SOURCE_DATE_EPOCH").output().unwrap();
    assert!(output.status.success(), "build failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn verify(path: &Path, extra: &[&str]) -> (i32, String, String) {
    common::outcome(tanmatsu().arg("verify").arg(path).args(extra))
}

/// A scratch copy of the example with an extra installer whose name is Japanese.
fn with_japanese_file(scratch: &Scratch) -> PathBuf {
    std::fs::copy(scratch.path("payload/lpls174.exe"), scratch.path("payload/中間サーバー帳票ツール.exe")).unwrap();
    scratch.edited_profile(
        "kenpo-kumiai",
        "[updates]",
        "extra = [{ name = \"帳票ツール\", installer = \"payload/中間サーバー帳票ツール.exe\", arguments = [\"/S\"], purpose = \"帳票の印刷\" }]\n\n[updates]",
    )
}

#[test]
fn sgdisk_and_fsck_find_nothing_wrong() {
    for example in EXAMPLES {
        let scratch = Scratch::new();
        let image = scratch.path("stick.img");
        build(&scratch.path(&format!("{example}.toml")), &image);
        let verified = run_ok("sgdisk", &["-v", &image.display().to_string()]);
        assert!(verified.contains("No problems found"), "{example}: {verified}");
        let info = run_ok("sgdisk", &["-i", "1", &image.display().to_string()]);
        assert!(info.contains("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"), "Microsoft basic data: {info}");
        assert!(info.contains("First sector: 2048 "), "1 MiB aligned: {info}");
        assert!(info.contains("'TANMATSU'"), "{info}");

        let partition = scratch.path("partition.img");
        extract_partition(&image, &partition);
        let checked = run("fsck.fat", &["-n", "-v", &partition.display().to_string()]);
        let report = String::from_utf8_lossy(&checked.stdout).into_owned() + &String::from_utf8_lossy(&checked.stderr);
        assert!(checked.status.success(), "{example}: {report}");
        // `-n` exits 0 even when the free-cluster count is wrong: repairing a copy must change nothing.
        let copy = scratch.path("repaired.img");
        std::fs::copy(&partition, &copy).unwrap();
        run_ok("fsck.fat", &["-y", &copy.display().to_string()]);
        assert!(
            std::fs::read(&copy).unwrap() == std::fs::read(&partition).unwrap(),
            "{example}: fsck.fat -y repaired something:\n{report}"
        );
        let label = run_ok("fatlabel", &[&partition.display().to_string()]);
        assert_eq!(label.trim(), "TANMATSU");
    }
}

#[test]
fn mtools_reads_every_file_back_byte_for_byte_japanese_names_included() {
    let scratch = Scratch::new();
    let profile = with_japanese_file(&scratch);
    let image = scratch.path("stick.img");
    build(&profile, &image);
    let folder = scratch.path("folder");
    tanmatsu().arg("render").arg(&profile).arg("-o").arg(&folder).assert().success();

    let copied = scratch.path("copied");
    std::fs::create_dir(&copied).unwrap();
    run_ok("mcopy", &["-s", "-n", "-i", &mtools_volume(&image), "::/*", &format!("{}/", copied.display())]);
    let listing = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    files.push((relative, std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    };
    let from_image = listing(&copied);
    let from_render = listing(&folder);
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&from_image), names(&from_render));
    assert!(names(&from_image).iter().any(|n| n.ends_with("中間サーバー帳票ツール.exe")), "{:?}", names(&from_image));
    for ((name, image_bytes), (_, render_bytes)) in from_image.iter().zip(&from_render) {
        assert!(image_bytes == render_bytes, "{name} differs between the image and the rendered folder");
    }
}

/// `-o` naming a file that is not a stick image (the secrets file, say) leaves it as it was; an image tanmatsu built
/// is replaced (reliability review D3).
#[test]
fn build_replaces_only_an_image_it_built() {
    let scratch = Scratch::new();
    let profile = scratch.path("kenpo-kumiai.toml");
    let secrets = scratch.path("kenpo-kumiai.secrets.toml");
    let before = std::fs::read(&secrets).unwrap();
    let (code, _, stderr) = common::outcome(tanmatsu().arg("build").arg(&profile).arg("-o").arg(&secrets));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is not a stick image tanmatsu built"), "{stderr}");
    assert_eq!(std::fs::read(&secrets).unwrap(), before, "the secrets file is untouched");
    let image = scratch.path("stick.img");
    build(&profile, &image);
    build(&profile, &image);
}

#[test]
fn two_builds_of_the_same_inputs_are_identical() {
    let scratch = Scratch::new();
    let profile = scratch.path("kenpo-kumiai.toml");
    let (a, b) = (scratch.path("a.img"), scratch.path("b.img"));
    build(&profile, &a);
    build(&profile, &b);
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "the same inputs gave different images");

    let c = scratch.path("c.img");
    let output = tanmatsu()
        .arg("build")
        .arg(&profile)
        .arg("-o")
        .arg(&c)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(std::fs::read(&a).unwrap() != std::fs::read(&c).unwrap(), "SOURCE_DATE_EPOCH sets the timestamps");
    let listing = run_ok("mdir", &["-i", &mtools_volume(&c), "::/"]);
    assert!(listing.contains("2026-01-01"), "{listing}");
}

#[test]
fn build_prints_a_json_summary_whose_hash_sha256sum_agrees_with() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    let output = tanmatsu()
        .arg("build")
        .arg(scratch.path("kenpo-kumiai.toml"))
        .arg("-o")
        .arg(&image)
        .arg("--json")
        .output()
        .unwrap();
    assert!(output.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sha256sum = run_ok("sha256sum", &[&image.display().to_string()]);
    assert_eq!(summary["sha256"].as_str().unwrap(), sha256sum.split_whitespace().next().unwrap());
    assert_eq!(summary["size"].as_u64().unwrap(), std::fs::metadata(&image).unwrap().len());
    let (code, stdout, _) = verify(&image, &["--sha256", summary["sha256"].as_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn verify_catches_a_flipped_byte_a_deleted_file_and_an_added_file_in_an_image() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    build(&scratch.path("kenpo-kumiai.toml"), &image);
    let (code, stdout, _) = verify(&image, &[]);
    assert_eq!(code, 0, "{stdout}");
    let hash = run_ok("sha256sum", &[&image.display().to_string()]).split_whitespace().next().unwrap().to_string();

    // A byte flipped inside the Acrobat installer's data, found by its content.
    let mut bytes = std::fs::read(&image).unwrap();
    let needle = b"TANMATSU-EXAMPLE-PLACEHOLDER";
    let at = bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&image, &bytes).unwrap();
    let (code, stdout, _) = verify(&image, &["--sha256", &hash]);
    assert_eq!(code, 1);
    assert!(stdout.contains("changed: tanmatsu/payload/acrobat-reader/AcroRdrDCx642500120432_ja_JP.exe"), "{stdout}");
    assert!(stdout.contains("the image's SHA-256 is"), "{stdout}");
    bytes[at] ^= 0x01;
    std::fs::write(&image, &bytes).unwrap();

    run_ok("mdel", &["-i", &mtools_volume(&image), "::/autounattend.xml"]);
    let extra = scratch.path("notes.txt");
    std::fs::write(&extra, "brought in from elsewhere").unwrap();
    run_ok("mcopy", &["-i", &mtools_volume(&image), &extra.display().to_string(), "::/tanmatsu/notes.txt"]);
    let (code, stdout, _) = verify(&image, &[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("missing: autounattend.xml"), "{stdout}");
    assert!(stdout.contains("not in the manifest: tanmatsu/notes.txt"), "{stdout}");
}

#[test]
fn verify_checks_a_folder_copy_too() {
    let scratch = Scratch::new();
    let folder = scratch.path("stick");
    tanmatsu().arg("render").arg(scratch.path("fukushi-jimusho.toml")).arg("-o").arg(&folder).assert().success();
    assert_eq!(verify(&folder, &[]).0, 0);
    let script = folder.join("tanmatsu/scripts/70-no-sharing.ps1");
    let mut bytes = std::fs::read(&script).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&script, bytes).unwrap();
    std::fs::remove_file(folder.join("tanmatsu/certs/device.pfx")).unwrap();
    std::fs::write(folder.join("extra.exe"), "MZ").unwrap();
    let (code, stdout, _) = verify(&folder, &[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("changed: tanmatsu/scripts/70-no-sharing.ps1"), "{stdout}");
    assert!(stdout.contains("missing: tanmatsu/certs/device.pfx"), "{stdout}");
    assert!(stdout.contains("not in the manifest: extra.exe"), "{stdout}");
}

/// A stick the terminal has disarmed (scripts review S3): the answer file and the device certificate are gone on
/// purpose, and its record says so; `verify` tells that state from damage. A record of another stick excuses nothing.
#[test]
fn verify_knows_a_stick_the_terminal_disarmed() {
    let scratch = Scratch::new();
    let folder = scratch.path("stick");
    tanmatsu().arg("render").arg(scratch.path("kenpo-kumiai.toml")).arg("-o").arg(&folder).assert().success();
    let common = std::fs::read_to_string(folder.join("tanmatsu/scripts/Tanmatsu.Common.ps1")).unwrap();
    for line in ["('media: {0}' -f $script:MediaId)", "('terminal: {0}' -f $env:COMPUTERNAME)", "'removed: {0}' -f $_"]
    {
        assert!(common.contains(line), "the terminal writes the record verify reads: {line}");
    }
    let media_id = std::fs::read_dir(folder.join("tanmatsu"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .find_map(|name| name.strip_prefix("media-")?.strip_suffix(".id").map(str::to_string))
        .unwrap();
    std::fs::remove_file(folder.join("autounattend.xml")).unwrap();
    std::fs::remove_file(folder.join("tanmatsu/certs/device.pfx")).unwrap();
    // As Write-TanmatsuFile writes it: UTF-8 with a BOM, CRLF.
    let record = |media: &str| {
        format!(
            "\u{FEFF}tanmatsu: this stick was disarmed after provisioning\r\nmedia: {media}\r\nterminal: KENPO-T01\r\n\
             at: 2026-12-02T10:00:00+09:00\r\nremoved: autounattend.xml\r\nremoved: tanmatsu/certs/device.pfx"
        )
    };
    std::fs::write(folder.join("tanmatsu/disarmed.txt"), record(&media_id)).unwrap();
    let (code, stdout, _) = verify(&folder, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("used: the terminal KENPO-T01 removed autounattend.xml, tanmatsu/certs/device.pfx"),
        "{stdout}"
    );
    std::fs::write(folder.join("tanmatsu/disarmed.txt"), record("another-stick")).unwrap();
    let (code, stdout, _) = verify(&folder, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("missing: autounattend.xml") && stdout.contains("not in the manifest: tanmatsu/disarmed.txt")
    );
}

#[test]
fn a_truncated_image_gets_a_clear_error() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    build(&scratch.path("kenpo-kumiai.toml"), &image);
    let file = std::fs::OpenOptions::new().write(true).open(&image).unwrap();
    file.set_len(file.metadata().unwrap().len() / 2).unwrap();
    let (code, _, stderr) = verify(&image, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn a_file_of_4_gib_is_refused_and_nothing_is_lost() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    // An earlier image that tanmatsu built, which a failing build must leave as it was.
    build(&scratch.path("kenpo-kumiai.toml"), &image);
    let earlier = std::fs::read(&image).unwrap();
    // A sparse 4 GiB installer: a real PE header, then nothing.
    let big = scratch.path("payload/big.exe");
    std::fs::copy(scratch.path("payload/lpls174.exe"), &big).unwrap();
    std::fs::OpenOptions::new().write(true).open(&big).unwrap().set_len(4 << 30).unwrap();
    let profile = scratch.edited_profile(
        "kenpo-kumiai",
        "[updates]",
        "extra = [{ name = \"big\", installer = \"payload/big.exe\", arguments = [\"/S\"], purpose = \"test\" }]\n\n[updates]",
    );
    let output = tanmatsu().arg("build").arg(&profile).arg("-o").arg(&image).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FAT32 cannot hold a file of 4 GiB or more"), "{stderr}");
    assert!(std::fs::read(&image).unwrap() == earlier, "the earlier image is left as it was");
    assert!(!scratch.path("stick.img.partial").exists(), "the partial image is removed");
}

#[test]
fn a_too_small_size_is_refused() {
    let scratch = Scratch::new();
    let output = tanmatsu()
        .arg("build")
        .arg(scratch.path("kenpo-kumiai.toml"))
        .args(["-o"])
        .arg(scratch.path("stick.img"))
        .args(["--size", "16M"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("too small for FAT32"));
}

/// Real firmware reads our partition: OVMF boots a GRUB made here, placed at the removable-media path, which prints
/// the media's marker file from our FAT32 volume to the serial console.
#[test]
fn uefi_firmware_boots_from_the_image_and_reads_its_files() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    build(&scratch.path("kenpo-kumiai.toml"), &image);
    let listing = run_ok("mdir", &["-b", "-i", &mtools_volume(&image), "::/tanmatsu"]);
    let marker = listing.lines().find(|l| l.contains("media-")).unwrap().rsplit('/').next().unwrap().trim().to_string();
    let expected = format!("tanmatsu provisioning media {}", &marker["media-".len()..marker.len() - 3]);

    let config = scratch.path("grub.cfg");
    std::fs::write(
        &config,
        format!(
            "serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\n\
             search --no-floppy --file --set=root /tanmatsu/manifest.json\necho BOOT-TEST-BEGIN\n\
             cat /tanmatsu/{marker}\necho BOOT-TEST-END\nhalt\n"
        ),
    )
    .unwrap();
    let efi = scratch.path("BOOTX64.EFI");
    let modules = "part_gpt fat search search_fs_file serial terminal cat echo halt";
    run_ok(
        "grub-mkstandalone",
        &[
            "-O",
            "x86_64-efi",
            "-o",
            &efi.display().to_string(),
            &format!("--modules={modules}"),
            &format!("boot/grub/grub.cfg={}", config.display()),
        ],
    );
    run_ok("mmd", &["-i", &mtools_volume(&image), "::/EFI", "::/EFI/BOOT"]);
    run_ok("mcopy", &["-i", &mtools_volume(&image), &efi.display().to_string(), "::/EFI/BOOT/BOOTX64.EFI"]);

    let vars = scratch.path("vars.fd");
    std::fs::copy("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars).expect("OVMF is installed by ./scripts/test.sh");
    let serial = scratch.path("serial.log");
    let output = run(
        "timeout",
        &[
            "180",
            "qemu-system-x86_64",
            "-machine",
            "q35,accel=tcg",
            "-m",
            "256",
            "-display",
            "none",
            "-net",
            "none",
            "-serial",
            &format!("file:{}", serial.display()),
            "-drive",
            "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
            "-drive",
            &format!("if=pflash,format=raw,file={}", vars.display()),
            "-device",
            "qemu-xhci",
            "-drive",
            &format!("if=none,id=stick,format=raw,file={}", image.display()),
            "-device",
            "usb-storage,drive=stick",
        ],
    );
    let console = String::from_utf8_lossy(&std::fs::read(&serial).unwrap_or_default()).into_owned();
    assert!(
        output.status.success(),
        "qemu did not power off by itself: {}\n{console}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = console.split("BOOT-TEST-BEGIN").nth(1).unwrap_or_else(|| panic!("GRUB never ran:\n{console}"));
    assert!(printed.contains(&expected), "the firmware did not read the marker from our partition:\n{console}");
}

/// The FAT reader on a volume no part of tanmatsu made: formatted by mkfs.fat, filled by mcopy (as a stick that
/// Windows or another tool wrote to would be), long and Japanese names, nested folders, a file of many clusters,
/// and a file that was deleted.
#[test]
fn the_fat_reader_reads_volumes_made_by_mkfs_fat_and_mcopy() {
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path().join("volume.img");
    std::fs::File::create(&volume).unwrap().set_len(80 << 20).unwrap();
    run_ok("mkfs.fat", &["-F", "32", "-n", "OTHER", &volume.display().to_string()]);
    let tree = dir.path().join("tree");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("readme.txt", b"lower-case 8.3 name".to_vec()),
        ("LONG FILE NAME WITH SPACES.TXT", b"long".to_vec()),
        ("深い/階層/中間サーバー手順書.txt", "手順".repeat(50).into_bytes()),
        ("data/big.bin", common::incompressible(7, 3_000_000)),
        ("data/empty.txt", Vec::new()),
    ];
    for (path, bytes) in &files {
        let full = tree.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
    std::fs::write(tree.join("gone.txt"), "deleted later").unwrap();
    let target = format!("{}", volume.display());
    let mut arguments: Vec<String> = vec!["-s".into(), "-i".into(), target.clone()];
    arguments.extend(std::fs::read_dir(&tree).unwrap().map(|e| e.unwrap().path().display().to_string()));
    arguments.push("::/".into());
    run_ok("mcopy", &arguments.iter().map(String::as_str).collect::<Vec<_>>());
    run_ok("mdel", &["-i", &target, "::/gone.txt"]);

    let mut reader = tanmatsu::image::fat::read::FatReader::open(std::fs::File::open(&volume).unwrap(), 0).unwrap();
    let listed = reader.files().unwrap();
    let mut expected: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    expected.sort();
    assert_eq!(listed.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), expected);
    for file in &listed {
        let mut read = Vec::new();
        reader.read_file(file, &mut |block| read.extend_from_slice(block)).unwrap();
        let wanted = &files.iter().find(|(p, _)| *p == file.path).unwrap().1;
        assert!(&read == wanted, "{} reads back as mcopy wrote it", file.path);
    }
}
