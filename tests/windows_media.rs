//! Reading Windows media: UDF images made by the standard tools read back file by file, and WIM image lists
//! written by wimlib, checked against the profile.

mod common;

use common::tools::run_ok;
use common::{Scratch, repo};
use std::path::{Path, PathBuf};
use tanmatsu::windows_media::udf::UdfReader;

/// A tree with nested folders, Japanese names, an empty file and one spanning many extents' worth of sectors.
fn sample_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let files: Vec<(String, Vec<u8>)> = vec![
        ("setup.exe".into(), b"MZ setup".to_vec()),
        ("sources/boot.wim".into(), (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect()),
        ("sources/empty.txt".into(), Vec::new()),
        ("深い/階層/手順書.txt".into(), "中間サーバー\n".as_bytes().to_vec()),
        ("efi/boot/bootx64.efi".into(), vec![0x4D, 0x5A, 1, 2, 3]),
    ];
    for (path, bytes) in &files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
    files
}

fn udf_iso(source: &Path, iso: &Path) {
    run_ok(
        "genisoimage",
        &[
            "-quiet",
            "-udf",
            "-input-charset",
            "utf-8",
            "-V",
            "TEST",
            "-o",
            &iso.display().to_string(),
            &source.display().to_string(),
        ],
    );
}

#[test]
fn a_udf_image_from_genisoimage_reads_back_file_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("tree");
    let expected = sample_tree(&source);
    let iso = dir.path().join("media.iso");
    udf_iso(&source, &iso);
    let (mut reader, files) = UdfReader::open(std::fs::File::open(&iso).unwrap()).unwrap();
    let listed: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut wanted: Vec<&str> = expected.iter().map(|(p, _)| p.as_str()).collect();
    wanted.sort();
    assert_eq!(listed, wanted);
    for (file, (_, bytes)) in files.iter().zip({
        let mut sorted = expected.clone();
        sorted.sort();
        sorted
    }) {
        let mut read = Vec::new();
        reader.read_file(file, &mut |block| read.extend_from_slice(block)).unwrap();
        assert!(read == bytes, "{} reads back as written", file.path);
        if bytes.len() > 100_000 {
            let mut middle = vec![0u8; 5000];
            reader.read_at(file, 2_500_000, &mut middle).unwrap();
            assert_eq!(middle, bytes[2_500_000..2_505_000], "random access inside {}", file.path);
        }
    }
}

#[test]
fn an_empty_udf_2_01_volume_from_mkudffs_opens() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("udf.img");
    std::fs::File::create(&image).unwrap().set_len(32 << 20).unwrap();
    run_ok(
        "mkudffs",
        &["--media-type=hd", "--udfrev=0x0201", "--blocksize=2048", "--label=EMPTY", &image.display().to_string()],
    );
    let (_, files) = UdfReader::open(std::fs::File::open(&image).unwrap()).unwrap();
    assert!(files.iter().all(|f| f.path.starts_with("lost+found") || f.size == 0), "{files:?}");
}

/// Windows-like media: an install.wim with the named images, captured by wimlib, as a folder and as a UDF ISO.
fn windows_media(scratch: &Scratch, images: &[&str]) -> (PathBuf, PathBuf) {
    let content = scratch.path("content");
    std::fs::create_dir_all(content.join("Windows/System32")).unwrap();
    std::fs::write(content.join("Windows/System32/ntoskrnl.txt"), "kernel").unwrap();
    let media = scratch.path("media");
    std::fs::create_dir_all(media.join("sources")).unwrap();
    let wim = media.join("sources/install.wim").display().to_string();
    for (i, name) in images.iter().enumerate() {
        let verb = if i == 0 { "capture" } else { "append" };
        run_ok("wimlib-imagex", &[verb, &content.display().to_string(), &wim, name]);
    }
    let iso = scratch.path("windows.iso");
    udf_iso(&media, &iso);
    (media, iso)
}

#[test]
fn check_finds_the_profiles_image_on_the_windows_media() {
    let scratch = Scratch::new();
    let (folder, iso) = windows_media(&scratch, &["Windows 11 Home", "Windows 11 Pro"]);
    for media in [&folder, &iso] {
        let (code, stdout, _) =
            common::check(&scratch.path("kenpo-kumiai.toml"), &["--windows-media", media.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {stdout}", media.display());
    }
}

#[test]
fn the_wrong_image_name_lists_the_available_ones() {
    let scratch = Scratch::new();
    let (_, iso) = windows_media(&scratch, &["Windows 11 Home", "Windows 11 Home N"]);
    let (code, stdout, _) =
        common::check(&scratch.path("kenpo-kumiai.toml"), &["--windows-media", iso.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("error[SW-1]: the Windows media's sources/install.wim has no image `Windows 11 Pro`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("these media hold no Pro edition (`Windows 11 Home` (1), `Windows 11 Home N` (2)): use Microsoft's Japanese Windows ISO"),
        "{stdout}"
    );

    // The right image in another case: Setup would not find it.
    let (_, iso) = windows_media(&scratch, &["Windows 11 Home", "Windows 11 Pro"]);
    let profile = scratch.edited_profile("kenpo-kumiai", "image = \"Windows 11 Pro\"", "image = \"Windows 11 pro\"");
    let (code, stdout, _) = common::check(&profile, &["--windows-media", iso.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("case included: write `Windows 11 Pro`"), "{stdout}");
}

#[test]
fn media_without_an_install_image_are_named() {
    let scratch = Scratch::new();
    let empty = scratch.path("not-windows");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, stdout, _) =
        common::check(&repo().join("examples/kenpo-kumiai.toml"), &["--windows-media", empty.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.contains("has no sources/install.wim, install.esd or install.swm"), "{stdout}");
}

/// Media like Microsoft's, in small: a loader at the removable-media path, setup, and an install.wim of
/// incompressible files captured by wimlib.
fn synthetic_media(scratch: &Scratch) -> PathBuf {
    let content = scratch.path("content");
    for i in 0..12u32 {
        let bytes = common::incompressible(100 + i, 200_000);
        let path = content.join(format!("Windows/System32/file{i}.dll"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let media = scratch.path("media");
    std::fs::create_dir_all(media.join("efi/boot")).unwrap();
    std::fs::create_dir_all(media.join("sources")).unwrap();
    std::fs::write(media.join("efi/boot/bootx64.efi"), b"MZ not really a loader").unwrap();
    std::fs::write(media.join("setup.exe"), b"MZ setup").unwrap();
    std::fs::write(media.join("sources/boot.wim"), b"not a real boot.wim").unwrap();
    let wim = media.join("sources/install.wim").display().to_string();
    run_ok("wimlib-imagex", &["capture", &content.display().to_string(), &wim, "Windows 11 Pro", "--compress=LZX"]);
    media
}

fn build_with_media(scratch: &Scratch, media: &Path, image: &Path) -> std::process::Output {
    common::tanmatsu()
        .arg("build")
        .arg(scratch.path("kenpo-kumiai.toml"))
        .arg("-o")
        .arg(image)
        .arg("--windows-media")
        .arg(media)
        .args(["--wim-split-size", "600K"])
        .output()
        .unwrap()
}

#[test]
fn one_stick_carries_the_windows_media_with_install_wim_split() {
    let scratch = Scratch::new();
    let media = synthetic_media(&scratch);
    let iso = scratch.path("windows.iso");
    udf_iso(&media, &iso);
    for (source, name) in [(&media, "from-folder.img"), (&iso, "from-iso.img")] {
        let image = scratch.path(name);
        let output = build_with_media(&scratch, source, &image);
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));

        let volume = common::tools::mtools_volume(&image);
        let listing = run_ok("mdir", &["-b", "-i", &volume, "::/sources"]);
        assert!(
            listing.contains("/sources/install.swm") && listing.contains("/sources/install2.swm"),
            "{name}: {listing}"
        );
        assert!(!listing.contains("install.wim"), "{name}: install.wim is replaced by its parts: {listing}");
        let root = run_ok("mdir", &["-b", "-i", &volume, "::/efi/boot"]);
        assert!(root.contains("bootx64.efi"), "{name}: {root}");

        // The manifest covers every file: verify finds nothing missing, changed or unlisted.
        let verified = common::tanmatsu().arg("verify").arg(&image).output().unwrap();
        assert!(verified.status.success(), "{name}: {}", String::from_utf8_lossy(&verified.stdout));

        // wimlib accepts the parts as they are on the stick.
        let parts = scratch.path(&format!("{name}-parts"));
        std::fs::create_dir_all(&parts).unwrap();
        run_ok("mcopy", &["-i", &volume, "::/sources/*.swm", &format!("{}/", parts.display())]);
        let reference = format!("--ref={}/install*.swm", parts.display());
        run_ok("wimlib-imagex", &["verify", &parts.join("install.swm").display().to_string(), &reference]);
    }
}

/// The answer file is for x64 and Japanese: media for ARM64, or without Japanese, are refused before a stick is made
/// (answer-file review W4). The WIM's properties are set with wimlib, whose own `info` names what they mean.
#[test]
fn check_refuses_media_of_another_architecture_or_language() {
    let cases = [
        (["WINDOWS/ARCH=9", "WINDOWS/LANGUAGES/LANGUAGE=ja-JP"], "x86_64", None),
        (
            ["WINDOWS/ARCH=12", "WINDOWS/LANGUAGES/LANGUAGE=ja-JP"],
            "ARM64",
            Some("is for processor architecture 12, not x64"),
        ),
        (["WINDOWS/ARCH=9", "WINDOWS/LANGUAGES/LANGUAGE=en-US"], "x86_64", Some("has no ja-JP language")),
    ];
    for (properties, wimlib_says, refusal) in cases {
        let scratch = Scratch::new();
        let (media, _) = windows_media(&scratch, &["Windows 11 Pro"]);
        let wim = media.join("sources/install.wim").display().to_string();
        let mut arguments = vec!["info", &wim, "1", "--image-property", "WINDOWS/EDITIONID=Professional"];
        for property in &properties {
            arguments.extend(["--image-property", property]);
        }
        run_ok("wimlib-imagex", &arguments);
        let info = run_ok("wimlib-imagex", &["info", &wim, "1"]);
        assert!(info.contains(&format!("Architecture:           {wimlib_says}")), "{info}");
        let (code, stdout, _) =
            common::check(&scratch.path("kenpo-kumiai.toml"), &["--windows-media", media.to_str().unwrap()]);
        match refusal {
            None => assert_eq!(code, 0, "{properties:?}: {stdout}"),
            Some(refusal) => {
                assert_eq!(code, 1, "{properties:?}: {stdout}");
                assert!(stdout.contains(refusal), "{properties:?}: {stdout}");
            }
        }
    }
}

#[test]
fn build_refuses_media_without_the_profiles_image() {
    let scratch = Scratch::new();
    let media = synthetic_media(&scratch);
    let wim = media.join("sources/install.wim").display().to_string();
    run_ok("wimlib-imagex", &["info", &wim, "1", "--image-property", "NAME=Windows 11 Home"]);
    let image = scratch.path("stick.img");
    let output = build_with_media(&scratch, &media, &image);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no image `Windows 11 Pro`") && stderr.contains("`Windows 11 Home` (1)"), "{stderr}");
    assert!(!image.exists());
}
