//! The terminal profile: one TOML file that describes one terminal.
//!
//! The model below is the file's schema. Every table denies unknown keys, because a misspelt key that was silently
//! ignored would become a setting the terminal silently lacks. Paths are relative to the profile file; see
//! [`LoadedProfile::resolve`]. Rules that need more than the shape of a value (the spec's rules, files on disk)
//! live in [`crate::check`], so that one run reports all of them at once.

mod load;
mod locate;
mod password;

pub(crate) use load::toml_error;
pub use load::{LoadError, LoadedProfile, SECRETS_SUFFIX};
pub use locate::locate;
pub use password::PasswordSource;

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// The profile schema this build reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub schema: u32,
    /// The template set that renders the media, as `name@version`.
    pub template: TemplateRef,
    pub organization: Organization,
    pub terminal: Terminal,
    pub accounts: Accounts,
    pub intermediate_server: IntermediateServer,
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub time: Time,
    pub certificates: Certificates,
    pub software: Software,
    #[serde(default)]
    pub updates: Updates,
    pub defender: Defender,
    #[serde(default)]
    pub edge: Edge,
    #[serde(default)]
    pub media: Media,
}

/// `name@version`: which template set renders the media.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TemplateRef {
    pub name: String,
    pub version: u32,
}

impl TryFrom<String> for TemplateRef {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let malformed = || crate::t!("profile.template-ref", text = &text);
        let (name, version) = text.split_once('@').ok_or_else(malformed)?;
        let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        match version.parse() {
            Ok(version) if valid_name => Ok(TemplateRef { name: name.to_string(), version }),
            _ => Err(malformed()),
        }
    }
}

impl fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: String,
    pub kind: OrganizationKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrganizationKind {
    /// 医療保険者等: a health-insurance society, association or municipality's insurance section.
    Insurer,
    /// 福祉事務所.
    WelfareOffice,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terminal {
    /// The Windows computer name (a NetBIOS name).
    pub hostname: String,
    pub windows: WindowsEdition,
    /// The image name inside the Windows media's install.wim, such as `Windows 11 Pro`.
    pub image: String,
    /// A MAK or retail key for Setup (or the KMS client key where a KMS host activates); without one the answer
    /// file carries the generic install key of the edition, which chooses the edition and activates nothing.
    pub product_key: Option<String>,
    /// BitLocker on the system disk: `off` (the default) prevents Windows' automatic device encryption, which with
    /// local accounts leaves the disk encrypted under a clear key; `on` turns BitLocker on with the TPM and a
    /// recovery password, which a person copies onto the password slip.
    #[serde(default)]
    pub bitlocker: BitLocker,
    /// A PC already in use that is being set up as the terminal (spec §3: an existing terminal may be used as it
    /// is): its hardware below the spec's recommended values, which are for new purchases, is reported as an
    /// advisory with the measured value rather than as a failure.
    #[serde(default)]
    pub existing: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BitLocker {
    #[default]
    Off,
    On,
}

/// Editions are parsed even when the spec forbids them, so that `check` can name the spec item (SW-1) instead of
/// reporting an unknown word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WindowsEdition {
    #[serde(rename = "10-pro")]
    Windows10Pro,
    #[serde(rename = "11-pro")]
    Windows11Pro,
    #[serde(rename = "10-home")]
    Windows10Home,
    #[serde(rename = "11-home")]
    Windows11Home,
    #[serde(rename = "10-education")]
    Windows10Education,
    #[serde(rename = "11-education")]
    Windows11Education,
    #[serde(rename = "10-enterprise")]
    Windows10Enterprise,
    #[serde(rename = "11-enterprise")]
    Windows11Enterprise,
}

impl WindowsEdition {
    pub fn is_pro(self) -> bool {
        matches!(self, WindowsEdition::Windows10Pro | WindowsEdition::Windows11Pro)
    }

    /// Microsoft's generic install key for the edition: it tells Setup which edition to install, so that Setup never
    /// stops at the key page, and activates nothing. Only Pro is ever installed (SW-1); the key is the same for
    /// Windows 10 and 11 Pro (Schneegans' unattend-generator `resource/WindowsEdition.json`, id `pro`; Microsoft's
    /// sample answer file carries such a key "only used to choose which edition of Windows to install").
    pub fn generic_install_key(self) -> Option<&'static str> {
        self.is_pro().then_some("VK7JG-NPHTM-C97JM-9MPGT-3V66T")
    }

    pub fn display_name(self) -> &'static str {
        match self {
            WindowsEdition::Windows10Pro => "Windows 10 Pro",
            WindowsEdition::Windows11Pro => "Windows 11 Pro",
            WindowsEdition::Windows10Home => "Windows 10 Home",
            WindowsEdition::Windows11Home => "Windows 11 Home",
            WindowsEdition::Windows10Education => "Windows 10 Education",
            WindowsEdition::Windows11Education => "Windows 11 Education",
            WindowsEdition::Windows10Enterprise => "Windows 10 Enterprise",
            WindowsEdition::Windows11Enterprise => "Windows 11 Enterprise",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// The one local administrator (SEC-5): used for maintenance only, with a password unique to this terminal.
    pub admin: Account,
    /// Standard users who do the intermediate-server work.
    pub operators: Vec<Account>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    pub full_name: Option<String>,
    pub password: PasswordSource,
}

/// Where the terminal may go: the only destinations of browser traffic (SEC-7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntermediateServer {
    /// IP addresses or networks (`10.1.2.0/24`): the firewall lets Edge reach these and nothing else. Windows
    /// Firewall matches addresses, not names, which is why names do not belong here.
    pub addresses: Vec<String>,
    /// The intermediate server's sites: the only URLs Edge opens, and by default the only ones that run scripts.
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    #[serde(default)]
    pub dns_servers: Vec<String>,
    /// Allow DHCP traffic; turn off on networks with fixed addresses.
    #[serde(default = "yes")]
    pub dhcp: bool,
    /// Network printers on the terminal's own network (HW-11).
    #[serde(default)]
    pub printers: Vec<String>,
}

fn yes() -> bool {
    true
}

/// SEC-2: the clock follows a time server, or where the closed network has none, a person adjusts it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Time {
    #[serde(default)]
    pub ntp_servers: Vec<String>,
    /// Acknowledges that there is no time server and that the clock is adjusted by hand on a schedule.
    #[serde(default)]
    pub manual_adjustment: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificates {
    pub device: DeviceCertificate,
    /// Certificates of the issuing authorities (DER or PEM); the device certificate must chain to one of them.
    pub authorities: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCertificate {
    /// The PKCS#12 file issued by the common certificate authority (共通認証局).
    pub pfx: PathBuf,
    pub password: PasswordSource,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Software {
    pub acrobat_reader: Installer,
    pub archiver: Archiver,
    pub csv_editor: Option<CustomSoftware>,
    /// Anything else must say why the work or its security needs it (SW-0).
    #[serde(default)]
    pub extra: Vec<CustomSoftware>,
}

/// An installer whose silent-install arguments tanmatsu knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installer {
    pub installer: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archiver {
    pub product: ArchiverProduct,
    pub installer: PathBuf,
    /// For `product = "other"`: its name.
    pub name: Option<String>,
    /// For `product = "other"`: the silent-install arguments.
    pub arguments: Option<Vec<String>>,
    /// For `product = "other"`: the statement that it makes and opens password-protected ZIP files (SW-4).
    pub encrypted_zip: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiverProduct {
    Lhaplus,
    #[serde(rename = "7zip")]
    SevenZip,
    Winzip,
    Other,
}

/// Software tanmatsu has no built-in knowledge of: the profile gives its silent-install arguments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomSoftware {
    pub name: String,
    pub installer: PathBuf,
    #[serde(default)]
    pub arguments: Vec<String>,
    /// Why the terminal needs it (SW-0). Required for `extra` entries.
    pub purpose: Option<String>,
}

/// Offline updates, fetched and scanned on another PC (UPD-0).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// A folder of `.msu` and `.cab` packages.
    pub windows: Option<PathBuf>,
    /// Microsoft's offline definition package (`mpam-fe.exe`).
    pub defender_definitions: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defender {
    /// Parsed so that `false` is reported against SEC-1 rather than as an unknown key; the spec requires it on.
    pub realtime_protection: Option<bool>,
    pub full_scan: ScanSchedule,
    /// Warn on the terminal when definitions are older than this, since they only arrive by USB.
    #[serde(default = "default_definitions_max_age_days")]
    pub definitions_max_age_days: u32,
}

fn default_definitions_max_age_days() -> u32 {
    7
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSchedule {
    pub day: ScanDay,
    pub time: ClockTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanDay {
    Daily,
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

/// A time of day, `HH:MM` on the 24-hour clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ClockTime {
    pub hour: u8,
    pub minute: u8,
}

impl TryFrom<String> for ClockTime {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let parsed = text.split_once(':').and_then(|(h, m)| {
            let well_formed = h.len() == 2 && m.len() == 2;
            Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)).filter(|_| well_formed)
        });
        match parsed {
            Some((hour, minute)) if hour < 24 && minute < 60 => Ok(ClockTime { hour, minute }),
            _ => Err(crate::t!("profile.clock-time", text = &text)),
        }
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Sites allowed to run JavaScript; by default the intermediate server's URLs.
    pub script_sites: Option<Vec<String>>,
    /// Parsed so that `true` is reported against MS-1 rather than as an unknown key; the spec forbids IE mode.
    pub ie_mode: Option<bool>,
}

/// MED-2: the USB sticks this terminal accepts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    #[serde(default)]
    pub approved: Vec<ApprovedMedium>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovedMedium {
    /// The name on the media ledger, such as `媒体No.3`.
    pub label: String,
    /// The USB device's instance ID: `USB\VID_xxxx&PID_xxxx\SERIAL`.
    pub usb_instance_id: String,
    /// The disk's instance ID: `USBSTOR\DISK&VEN_…&PROD_…&REV_…\SERIAL&0`.
    pub disk_instance_id: String,
}
