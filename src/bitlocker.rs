//! BitLocker, decided by the profile (answer-file review R2). Windows 11 24H2 turns device encryption on by itself
//! at the end of OOBE on more hardware, and with local accounts only it "remains unprotected even though the data is
//! encrypted": a clear key on the disk, no recovery key anywhere (Microsoft, "Device encryption",
//! windows-itpro-docs windows/security/operating-system-security/data-protection/bitlocker/device-encryption.md).
//! `off` prevents that in specialize, before OOBE, with the registry value that page gives; `on` turns BitLocker on
//! deliberately in a step (TPM and a recovery password, which a person copies onto the slip). The answer file, the
//! step and the self-check all read the value from here.

use crate::profile::BitLocker;
use serde::Serialize;

/// "Disable device encryption": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\BitLocker`,
/// `PreventDeviceEncryption`, REG_DWORD 0x1 (the page above). The key is relative to HKLM, as in the policy catalog.
const PREVENT_KEY: &str = r"SYSTEM\CurrentControlSet\Control\BitLocker";
const PREVENT_NAME: &str = "PreventDeviceEncryption";

/// What the answer-file and script templates are given.
#[derive(Serialize)]
pub struct Model {
    /// Whether the profile turns BitLocker on (when not, the answer file prevents device encryption).
    enable: bool,
    /// The key as `reg.exe` names it (`HKLM\…`), for the answer file, and as PowerShell's registry drive does
    /// (`HKLM:\…`), for the step and the self-check.
    reg_key: String,
    powershell_key: String,
    name: &'static str,
}

pub fn model(choice: BitLocker) -> Model {
    Model {
        enable: choice == BitLocker::On,
        reg_key: format!(r"HKLM\{PREVENT_KEY}"),
        powershell_key: format!(r"HKLM:\{PREVENT_KEY}"),
        name: PREVENT_NAME,
    }
}
