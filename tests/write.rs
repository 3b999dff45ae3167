//! `tanmatsu write` on a real loop device, a failing stick simulated, and the media ledger's hash chain.

mod common;

use common::{Scratch, tanmatsu};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use tanmatsu::ledger::{self, NewEntry};
use tanmatsu::write::{Target, WriteError, write_and_verify};

/// A loop device over a file, detached when dropped.
struct Loop {
    device: PathBuf,
}

impl Loop {
    fn attach(file: &Path) -> Loop {
        let output = Command::new("losetup").args(["--find", "--show"]).arg(file).output();
        match output {
            Ok(output) if output.status.success() => {
                Loop { device: PathBuf::from(String::from_utf8(output.stdout).unwrap().trim()) }
            }
            Ok(output) => panic!(
                "LOOP DEVICES ARE UNAVAILABLE, so writing to a real device is NOT tested: losetup says {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(err) => {
                panic!("LOOP DEVICES ARE UNAVAILABLE (losetup: {err}), so writing to a real device is NOT tested")
            }
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("--detach").arg(&self.device).status();
    }
}

#[test]
fn write_puts_the_image_on_a_loop_device_and_records_it() {
    let scratch = Scratch::new();
    let image = scratch.path("stick.img");
    tanmatsu().arg("build").arg(scratch.path("kenpo-kumiai.toml")).arg("-o").arg(&image).assert().success();
    let backing = scratch.path("device.bin");
    std::fs::File::create(&backing).unwrap().set_len(96 << 20).unwrap();
    let device = Loop::attach(&backing);
    let ledger_path = scratch.path("ledger.csv");
    let write = |extra: &[&str]| {
        let mut command = tanmatsu();
        command
            .arg("write")
            .arg(&image)
            .arg("--device")
            .arg(&device.device)
            .args(["--operator", "山田", "--approver", "佐藤", "--yes", "--ledger"])
            .arg(&ledger_path)
            .args(extra);
        if !ledger_path.exists() {
            command.arg("--new-ledger");
        }
        command.output().unwrap()
    };

    let refused = write(&[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a removable disk"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let written = write(&["--allow-fixed-disk"]);
    let stdout = String::from_utf8_lossy(&written.stdout);
    assert!(written.status.success(), "{stdout}{}", String::from_utf8_lossy(&written.stderr));
    assert!(stdout.contains("wrote and read back"), "{stdout}");

    // The device itself now holds the image, byte for byte, and tanmatsu verify agrees.
    let image_bytes = std::fs::read(&image).unwrap();
    let mut device_bytes = vec![0u8; image_bytes.len()];
    use std::io::Read;
    std::fs::File::open(&device.device).unwrap().read_exact(&mut device_bytes).unwrap();
    assert!(device_bytes == image_bytes, "the device holds the image");
    let verified = tanmatsu().arg("verify").arg(&device.device).output().unwrap();
    assert!(verified.status.success(), "verify reads the stick itself: {}", String::from_utf8_lossy(&verified.stdout));
    drop(device);
    let entries = ledger::read(&ledger_path).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "write");
    assert_eq!(entries[0].operator, "山田");
    assert!(ledger::check(&entries).is_empty());
}

/// A stick that returns one byte different from what it was given: a test double for failing flash.
struct FailingStick {
    data: Vec<u8>,
}

impl Target for FailingStick {
    fn write_block(&mut self, offset: u64, block: &[u8]) -> io::Result<()> {
        let end = offset as usize + block.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[offset as usize..end].copy_from_slice(block);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.data[12345] ^= 0x40;
        Ok(())
    }

    fn read_block(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
        buffer.copy_from_slice(&self.data[offset as usize..offset as usize + buffer.len()]);
        Ok(())
    }
}

#[test]
fn a_stick_that_changes_a_byte_fails_the_write_clearly() {
    let image: Vec<u8> = (0..(9u32 << 20)).map(|i| (i % 251) as u8).collect();
    let mut stick = FailingStick { data: Vec::new() };
    let result = write_and_verify(&mut image.as_slice(), image.len() as u64, &mut stick, &mut |_, _| {});
    let err = result.unwrap_err();
    assert!(matches!(err, WriteError::Mismatch { .. }));
    assert!(err.to_string().contains("gave back different data than was written"), "{err}");
}

fn entry(serial: &str, model: &str) -> NewEntry {
    NewEntry {
        time: "2026-11-25T10:00:00Z".into(),
        action: "write".into(),
        model: model.into(),
        serial: serial.into(),
        image_sha256: "ab".repeat(32),
        operator: "山田".into(),
        approver: "佐藤".into(),
        ..NewEntry::default()
    }
}

/// A ledger that cannot take the row stops `write` before the stick is touched: here before the device is even
/// looked up (reliability review D5).
#[test]
fn a_bad_ledger_stops_write_before_the_stick() {
    let dir = tempfile::tempdir().unwrap();
    let tampered = dir.path().join("tampered.csv");
    ledger::append(&tampered, entry("AAA111", "x")).unwrap();
    let text = std::fs::read_to_string(&tampered).unwrap().replace("AAA111", "BBB222");
    std::fs::write(&tampered, text).unwrap();
    let cases = [
        (dir.path().to_path_buf(), "it is a folder"),
        (dir.path().join("missing/ledger.csv"), "cannot write the ledger"),
        (tampered, "row 1"),
    ];
    for (ledger_path, says) in cases {
        let output = tanmatsu()
            .args([
                "write",
                "no-such.img",
                "--device",
                "/dev/no-such-disk",
                "--operator",
                "a",
                "--approver",
                "b",
                "--yes",
            ])
            .arg("--ledger")
            .arg(&ledger_path)
            .args(if ledger_path.exists() { &[][..] } else { &["--new-ledger"][..] })
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains(says) && !stderr.contains("no-such-disk"), "{}: {stderr}", ledger_path.display());
    }
}

#[test]
fn the_ledger_detects_an_edited_and_a_deleted_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    for serial in ["AAA111", "BBB222", "CCC333"] {
        ledger::append(&path, entry(serial, "SanDisk Ultra")).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM, for Excel");
    assert!(String::from_utf8_lossy(&bytes).contains("\r\n"), "CRLF line ends");
    let verify = || tanmatsu().args(["ledger", "verify", "--ledger"]).arg(&path).output().unwrap();
    let intact = verify();
    assert!(intact.status.success());
    assert!(String::from_utf8_lossy(&intact.stdout).contains("3 entries, intact; head"));

    let original = String::from_utf8(bytes).unwrap();
    std::fs::write(&path, original.replacen("BBB222", "BBB999", 1)).unwrap();
    let edited = verify();
    assert_eq!(edited.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&edited.stdout).contains("row 2: its contents were changed"),
        "{}",
        String::from_utf8_lossy(&edited.stdout)
    );
    assert!(ledger::append(&path, entry("DDD444", "x")).is_err(), "a broken ledger is not extended");

    let lines: Vec<&str> = original.split("\r\n").collect();
    let without_row_2: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, l)| *l).collect();
    std::fs::write(&path, without_row_2.join("\r\n")).unwrap();
    let deleted = verify();
    assert_eq!(deleted.status.code(), Some(1));
    let report = String::from_utf8_lossy(&deleted.stdout);
    assert!(
        report.contains("row 2: number 3 where 2 was expected") && report.contains("row 2: does not follow"),
        "{report}"
    );
}

#[test]
fn retiring_records_medium_disposal_and_cells_never_become_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    ledger::append(&path, entry("AAA111", "=HYPERLINK(\"http://x\")")).unwrap();
    let retired = tanmatsu()
        .args([
            "ledger",
            "retire",
            "AAA111",
            "--how",
            "destroyed",
            "--operator",
            "山田",
            "--approver",
            "佐藤",
            "--ledger",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(retired.status.success(), "{}", String::from_utf8_lossy(&retired.stderr));
    let entries = ledger::read(&path).unwrap();
    assert_eq!(entries[1].action, "retire:destroyed");
    assert_eq!(entries[1].model, entries[0].model);
    assert!(entries[0].model.starts_with("'="), "a formula stays text: {}", entries[0].model);
    assert!(ledger::check(&entries).is_empty());
    let unknown = tanmatsu()
        .args(["ledger", "retire", "ZZZ", "--how", "wiped", "--operator", "a", "--approver", "b", "--ledger"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no stick with the serial `ZZZ`"));
}

/// Desk review F6: a misspelt ledger name never starts a second chain, `verify` and `list` of a ledger that is not
/// there say so, and a ledger Excel saved as Shift_JIS is refused with how to keep it.
#[test]
fn a_ledger_that_is_not_there_or_was_resaved_by_excel_is_named_not_taken_for_empty() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("媒体管理簿.csv");
    ledger::append(&ledger_path, entry("AAA111", "x")).unwrap();
    let misspelt = dir.path().join("媒体管理薄.csv");
    for args in [&["ledger", "verify"][..], &["ledger", "list"][..]] {
        let output = tanmatsu().args(args).arg("--ledger").arg(&misspelt).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("there is no media ledger") && stderr.contains("did you mean `媒体管理簿.csv`"),
            "{stderr}"
        );
    }
    let retire = tanmatsu()
        .args(["ledger", "retire", "AAA111", "--how", "wiped", "--operator", "a", "--approver", "b", "--ledger"])
        .arg(&misspelt)
        .output()
        .unwrap();
    assert_ne!(retire.status.code(), Some(0));
    assert!(!misspelt.exists(), "no second ledger");
    let again = tanmatsu()
        .args(["ledger", "retire", "AAA111", "--how", "wiped", "--operator", "a", "--approver", "b", "--new-ledger"])
        .arg("--ledger")
        .arg(&ledger_path)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("is already there"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Excel's CSV save: Shift_JIS, without the byte-order mark. `iconv` is the oracle for the encoding.
    let sjis = dir.path().join("excel.csv");
    let converted = std::process::Command::new("iconv")
        .args(["-c", "-f", "UTF-8", "-t", "CP932"])
        .stdin(std::fs::File::open(&ledger_path).unwrap())
        .output()
        .unwrap();
    std::fs::write(&sjis, &converted.stdout).unwrap();
    let output = tanmatsu().args(["ledger", "verify", "--ledger"]).arg(&sjis).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("is not UTF-8: Excel changes the encoding"), "{stderr}");
}
