//! Splitting a WIM captured by wimlib: wimlib verifies our parts, and applying them gives back the captured files.

mod common;

use common::tools::{run, run_ok};
use std::io::Read;
use std::path::{Path, PathBuf};
use tanmatsu::windows_media::split::{PartReader, plan};

fn tree(root: &Path) {
    for i in 0..40u32 {
        let path = root.join(format!("dir{}/file{i}.bin", i % 5));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Incompressible content, so that resources have real sizes and parts really split.
        std::fs::write(path, common::incompressible(i, 60_000 + i as usize * 1000)).unwrap();
    }
    std::fs::write(root.join("手順書.txt"), "中間サーバー".repeat(100)).unwrap();
}

/// Builds the test tree in `dir/source` and captures it with wimlib as image "Windows 11 Pro" of `dir/file_name`,
/// compressed as `compression` says; returns the source folder and the captured file.
fn captured(dir: &Path, file_name: &str, compression: &str) -> (PathBuf, PathBuf) {
    let source = dir.join("source");
    tree(&source);
    let wim = dir.join(file_name);
    let (source_arg, wim_arg) = (source.display().to_string(), wim.display().to_string());
    run_ok("wimlib-imagex", &["capture", &source_arg, &wim_arg, "Windows 11 Pro", compression]);
    (source, wim)
}

/// Splits `wim` into parts of at most `max` resource bytes in `out`; returns the part files.
fn split(wim: &Path, out: &Path, max: u64) -> Vec<PathBuf> {
    let mut file = std::fs::File::open(wim).unwrap();
    let parts = plan(&mut file, max, "install").unwrap();
    parts
        .iter()
        .map(|part| {
            let path = out.join(&part.name);
            let mut bytes = Vec::new();
            PartReader::new(part, &mut file).read_to_end(&mut bytes).unwrap();
            assert_eq!(bytes.len() as u64, part.size());
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

#[test]
fn wimlib_verifies_and_applies_our_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (source, wim) = captured(dir.path(), "install.wim", "--compress=LZX");
    run_ok("wimlib-imagex", &["append", &source.display().to_string(), &wim.display().to_string(), "Windows 11 Home"]);

    let out = dir.path().join("parts");
    std::fs::create_dir(&out).unwrap();
    let parts = split(&wim, &out, 600_000);
    assert!(parts.len() >= 3, "the WIM is split into several parts: {}", parts.len());
    assert!(parts[0].ends_with("install.swm") && parts[1].ends_with("install2.swm"));

    let first = parts[0].display().to_string();
    let reference = format!("--ref={}/install*.swm", out.display());
    let verified = run("wimlib-imagex", &["verify", &first, &reference]);
    assert!(
        verified.status.success(),
        "wimlib-imagex verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let info = run_ok("wimlib-imagex", &["info", &first]);
    assert!(info.contains("Windows 11 Pro") && info.contains("Windows 11 Home"), "{info}");

    let applied = dir.path().join("applied");
    run_ok("wimlib-imagex", &["apply", &first, "1", &applied.display().to_string(), &reference]);
    let diff = run("diff", &["-r", &source.display().to_string(), &applied.display().to_string()]);
    assert!(diff.status.success(), "the applied files differ: {}", String::from_utf8_lossy(&diff.stdout));
}

#[test]
fn a_solid_esd_cannot_be_split() {
    let dir = tempfile::tempdir().unwrap();
    let (_, esd) = captured(dir.path(), "install.esd", "--solid");
    let mut file = std::fs::File::open(&esd).unwrap();
    let err = plan(&mut file, 600_000, "install").unwrap_err();
    assert!(err.to_string().contains("solid compression"), "{err}");
}
