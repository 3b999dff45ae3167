//! The disk guard that Windows Setup runs in Windows PE before it wipes disk 0: its decision run by a VBScript engine
//! no one here wrote (Wine's cscript) on the disks a PC can show, and its commands in the answer file. What only
//! Windows PE can show (WMI's view of real disks, a BitLocker-locked volume, wpeutil) is not run here.

mod common;

use std::path::Path;
use std::process::Command;

/// The guard's decision part (everything above the Windows PE facts), with `cases` appended: VBScript lines that
/// echo `Verdict` of disks they make with the guard's own `NewDisk`.
fn run_decision(guard: &str, cases: &str) -> String {
    let (decision, _) = guard.split_once("' ---- Windows PE only below").expect("the guard marks its Windows PE part");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("cases.vbs");
    std::fs::write(&script, format!("{decision}{}", cases.replace('\n', "\r\n"))).unwrap();
    let output = Command::new("wine")
        .arg("cscript.exe")
        .arg("//nologo")
        .arg(format!("Z:{}", script.display()).replace('/', "\\"))
        .env("WINEDEBUG", "-all")
        // Wine makes a prefix on first use (about 15 s); one kept under target/ serves every later run.
        .env("WINEPREFIX", Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine-prefix"))
        .output()
        .expect("wine runs (scripts/test.sh installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).replace('\r', "")
}

#[test]
fn the_guard_lets_setup_wipe_only_the_one_internal_disk() {
    let (_scratch, out) = common::rendered_example("kenpo-kumiai");
    let guard = std::fs::read_to_string(out.join("tanmatsu/setup/disk-guard.vbs")).unwrap();
    assert!(guard.is_ascii(), "cscript reads the file in the system code page");
    assert!(!guard.replace("\r\n", "").contains('\n'), "CRLF line ends only");

    // Each case: the disks as Windows PE lists them (index, description, stick, medium, removable, installed).
    let cases = [
        ("one NVMe disk", "0, \"nvme\", False, True, False, False | 1, \"stick\", True, True, True, False", ""),
        (
            "the stick as disk 0",
            "0, \"stick\", True, True, True, False | 1, \"nvme\", False, True, False, False",
            "stick-is-disk-0",
        ),
        ("the stick alone (VMD/RST without its driver)", "0, \"stick\", True, True, True, False", "stick-is-disk-0"),
        (
            "two internal disks",
            "0, \"nvme\", False, True, False, False | 1, \"hdd\", False, True, False, False | 2, \"stick\", True, True, True, False",
            "several-disks",
        ),
        (
            "an external USB disk besides the stick",
            "0, \"nvme\", False, True, False, False | 1, \"usb hdd\", False, True, True, False | 2, \"stick\", True, True, True, False",
            "several-disks",
        ),
        (
            "a USB disk as disk 0, no internal disk",
            "0, \"usb hdd\", False, True, True, False | 1, \"stick\", True, True, True, False",
            "disk-0-removable",
        ),
        (
            "an empty card reader as disk 0",
            "0, \"reader\", False, False, True, False | 1, \"nvme\", False, True, False, False | 2, \"stick\", True, True, True, False",
            "no-internal-disk",
        ),
        (
            "an empty card reader after the disk",
            "0, \"nvme\", False, True, False, False | 1, \"reader\", False, False, True, False | 2, \"stick\", True, True, True, False",
            "",
        ),
        (
            "a terminal made from this stick",
            "0, \"nvme\", False, True, False, True | 1, \"stick\", True, True, True, False",
            "already-installed",
        ),
        ("the stick not found among the disks", "0, \"nvme\", False, True, False, False", "stick-unknown"),
    ];
    let mut script = String::new();
    for (n, (_, disks, _)) in cases.iter().enumerate() {
        let disks: Vec<&str> = disks.split(" | ").collect();
        script.push_str(&format!("Dim case{n}({})\n", disks.len() - 1));
        for (i, disk) in disks.iter().enumerate() {
            script.push_str(&format!("Set case{n}({i}) = NewDisk({disk})\n"));
        }
        script.push_str(&format!("WScript.Echo \"[\" & Verdict(case{n}) & \"]\"\n"));
    }
    let verdicts: Vec<String> = run_decision(&guard, &script).lines().map(str::to_string).collect();
    let expected: Vec<String> = cases.iter().map(|(_, _, verdict)| format!("[{verdict}]")).collect();
    for ((name, _, _), (got, want)) in cases.iter().zip(verdicts.iter().zip(&expected)) {
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(verdicts.len(), cases.len(), "{verdicts:?}");

    // Every reason the decision can give has words for the person at the PC, in Japanese and in English.
    for (_, _, verdict) in cases.iter().filter(|(_, _, v)| !v.is_empty()) {
        let case = guard.split(&format!("Case \"{verdict}\"")).nth(1).unwrap_or_else(|| panic!("{verdict} explained"));
        let text = case.split("Case \"").next().unwrap();
        assert!(text.contains("ChrW(&H"), "{verdict}: Japanese");
        assert!(text.to_ascii_lowercase().contains("disk") || text.contains("stick"), "{verdict}: English");
    }
}

#[test]
fn the_answer_file_runs_the_guard_before_any_disk_is_wiped_and_stops_when_it_did_not_pass() {
    let (_scratch, out) = common::rendered_example("kenpo-kumiai");
    let xml = std::fs::read_to_string(out.join("autounattend.xml")).unwrap();
    let document = common::xml::parse(&xml);
    let windows_pe = document.all("settings").into_iter().find(|s| s.attribute("pass") == Some("windowsPE")).unwrap();
    let setup = windows_pe
        .all("component")
        .into_iter()
        .find(|c| c.attribute("name") == Some("Microsoft-Windows-Setup"))
        .unwrap();
    let commands: Vec<(String, String)> = setup
        .all("RunSynchronous/RunSynchronousCommand")
        .into_iter()
        .map(|c| (c.all("Order")[0].text.clone(), c.all("Path")[0].text.clone()))
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    // Microsoft documents 259 characters for a RunSynchronousCommand's Path (the Deployment component's page);
    // the guard's must stay within it too, and use no quotes that cmd would have to balance.
    for (_, path) in &commands {
        assert!(path.chars().count() <= 259 && !path.contains('"'), "{} characters: {path}", path.chars().count());
    }
    let marker = std::fs::read_dir(out.join("tanmatsu"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("media-"))
        .unwrap();
    assert_eq!(commands[0].0, "1");
    assert!(commands[0].1.contains(&format!("%d:\\tanmatsu\\{marker}")), "{}", commands[0].1);
    assert!(commands[0].1.contains("cscript.exe //nologo //e:vbscript %d:\\tanmatsu\\setup\\disk-guard.vbs %d:"));
    // The guard's pass flag is the one the second command asks for.
    let guard = std::fs::read_to_string(out.join("tanmatsu/setup/disk-guard.vbs")).unwrap();
    let flag = commands[1].1.split("if not exist ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(guard.contains(&format!("Const PASSED = \"{flag}\"")), "{flag}");
    assert!(commands[1].1.contains("wpeutil.exe shutdown"));
    // The state file the guard reads is the one the scripts keep.
    let common = std::fs::read_to_string(out.join("tanmatsu/scripts/Tanmatsu.Common.ps1")).unwrap();
    assert!(common.contains("$script:StateRoot = Join-Path $env:ProgramData 'tanmatsu'"));
    assert!(common.contains("$script:StateFile = Join-Path $script:StateRoot 'state.json'"));
    assert!(guard.contains(r#"Const TERMINAL_STATE = "ProgramData\tanmatsu\state.json""#));
    // A guard the manifest does not cover could be swapped unseen.
    let manifest = std::fs::read_to_string(out.join("tanmatsu/manifest.json")).unwrap();
    assert!(manifest.contains("tanmatsu/setup/disk-guard.vbs"));
}
