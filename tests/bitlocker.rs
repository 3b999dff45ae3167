//! BitLocker as the profile decides it (answer-file review R2): by default the answer file prevents automatic device
//! encryption before OOBE and the step and the self-check read the same value; `bitlocker = "on"` turns it on in a
//! step instead, and the slip has the line a person copies the recovery password onto.

mod common;

use common::{Scratch, tanmatsu};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn by_default_device_encryption_is_prevented_in_specialize_and_checked_on_the_terminal() {
    let (scratch, out) = common::rendered_example("kenpo-kumiai");
    let answer = common::xml::parse(&read(&out.join("autounattend.xml")));
    let deployment = answer.component("specialize", "Microsoft-Windows-Deployment");
    let paths = deployment.values("RunSynchronous/RunSynchronousCommand/Path");
    let command = "reg.exe add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\BitLocker\" /v PreventDeviceEncryption /t REG_DWORD /d 1 /f";
    assert_eq!(paths, vec![command.to_string()]);
    // The value is the one Microsoft's "Device encryption" page gives, as the policy catalog records it.
    let catalog: serde_json::Value =
        serde_json::from_str(&read(&common::repo().join("data/policy-catalog.json"))).unwrap();
    let entry = catalog["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "PreventDeviceEncryption")
        .expect("the catalog has the value");
    assert_eq!(entry["key"], "SYSTEM\\CurrentControlSet\\Control\\BitLocker");
    assert!(entry["source"].as_str().unwrap().contains("device-encryption.md"));
    let key = "'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\BitLocker' -Name 'PreventDeviceEncryption'";
    for script in ["45-bitlocker.ps1", "verify-terminal.ps1"] {
        let text = read(&out.join("tanmatsu/scripts").join(script));
        assert!(text.contains(key), "{script} reads the value the answer file sets");
        assert!(!text.contains("Enable-BitLocker"), "{script}");
    }
    let (code, slip, _) = common::outcome(tanmatsu().arg("slip").arg(scratch.path("kenpo-kumiai.toml")));
    assert_eq!(code, 0);
    assert!(!slip.contains("BitLocker"), "{slip}");
}

#[test]
fn bitlocker_on_is_turned_on_in_a_step_with_a_recovery_password_for_the_slip() {
    let scratch = Scratch::new();
    let profile = scratch.edited_profile("kenpo-kumiai", "[terminal]\n", "[terminal]\nbitlocker = \"on\"\n");
    let out = scratch.path("stick");
    common::render(&profile, &out);
    let xml = read(&out.join("autounattend.xml"));
    assert!(!xml.contains("PreventDeviceEncryption") && !xml.contains("Microsoft-Windows-Deployment"), "{xml}");
    let step = read(&out.join("tanmatsu/scripts/45-bitlocker.ps1"));
    assert!(step.contains("-TpmProtector") && step.contains("-RecoveryPasswordProtector"), "{step}");
    assert!(!step.contains("Disable-BitLocker"));
    let verify = read(&out.join("tanmatsu/scripts/verify-terminal.ps1"));
    assert!(verify.contains("'RecoveryPassword'") && verify.contains("password slip"));
    let (code, slip, _) = common::outcome(tanmatsu().arg("slip").arg(&profile));
    assert_eq!(code, 0);
    assert!(slip.contains("BitLocker recovery password") && slip.contains("manage-bde -protectors -get C:"), "{slip}");

    let wrong = scratch.edited_profile("kenpo-kumiai", "bitlocker = \"on\"", "bitlocker = \"yes\"");
    let (code, stdout, stderr) = common::check(&wrong, &[]);
    assert_ne!(code, 0);
    assert!(format!("{stdout}{stderr}").contains("bitlocker"), "{stdout}{stderr}");
}
