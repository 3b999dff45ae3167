//! BitLocker, decided by the profile (answer-file review R2). Windows 11 24H2 turns device encryption on by itself
//! at the end of OOBE on more hardware, and with local accounts only it "remains unprotected even though the data is
//! encrypted": a clear key on the disk, no recovery key anywhere (Microsoft, "Device encryption",
//! windows-itpro-docs windows/security/operating-system-security/data-protection/bitlocker/device-encryption.md).
//! `off` prevents that in specialize, before OOBE, with the registry value that page gives; `on` turns BitLocker on
//! deliberately in a step (TPM and a recovery password, which a person copies onto the slip). The step and the
//! self-check read the value from here.

use crate::profile::BitLocker;
use serde::Serialize;

/// "Disable device encryption": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\BitLocker`,
/// `PreventDeviceEncryption`, REG_DWORD 0x1 (the page above).
pub const PREVENT_KEY: &str = r"HKLM:\SYSTEM\CurrentControlSet\Control\BitLocker";
pub const PREVENT_NAME: &str = "PreventDeviceEncryption";

/// What the scripts are given.
#[derive(Serialize)]
pub struct Model {
    /// Whether the profile turns BitLocker on.
    pub enable: bool,
    pub prevent_key: &'static str,
    pub prevent_name: &'static str,
}

pub fn model(choice: BitLocker) -> Model {
    Model { enable: choice == BitLocker::On, prevent_key: PREVENT_KEY, prevent_name: PREVENT_NAME }
}
