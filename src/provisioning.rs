//! The post-install PowerShell scripts: what they are given, and how they are written.
//!
//! Each control of the spec is one step script (`templates/builtin/scripts/NN-name.ps1.hbs`); the entry script
//! `Start-Provisioning.ps1` checks the SHA-256 of every other script and payload, then runs the steps in order and
//! finally `verify-terminal.ps1`. Scripts are written as UTF-8 with a byte-order mark and CRLF line ends: Windows
//! PowerShell 5.1 reads a file without a BOM in the ANSI code page (CP932 on Japanese Windows), which garbles
//! Japanese text.

use crate::certificate::{Certificate, DeviceIdentity};
use crate::diagnostic::Diagnostic;
use crate::i18n::Lang;
use crate::installers;
use crate::layout::{self, MediaFile, Role};
use crate::local_policy::{self, LocalPolicy};
use crate::manifest::FileRecord;
use crate::msg;
use crate::net::Network;
use crate::profile::{CustomSoftware, LoadedProfile, ScanDay};
use crate::templates::{Engine, TemplateError};
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The steps in the order the entry script runs them. The passwords Windows Setup leaves behind go first, so that no
/// failure later can leave them; the local policy, with its removable-media restrictions, comes last.
pub const STEPS: &[&str] = &[
    "05-cleanup.ps1",
    "10-keyboard.ps1",
    "20-software.ps1",
    "30-defender.ps1",
    "40-updates.ps1",
    "45-bitlocker.ps1",
    "50-audit-time.ps1",
    "60-certificates.ps1",
    "70-no-sharing.ps1",
    "85-hardening.ps1",
    "95-local-policy.ps1",
];

pub const ENTRY_SCRIPT_NAME: &str = "Start-Provisioning.ps1";
/// The local Group Policy's registry file, beside the scripts: it travels, and is checked, with them.
pub const LOCAL_POLICY_FILE: &str = "Registry.pol";
const SCRIPT_TEMPLATE_PREFIX: &str = "scripts/";

/// A rendered script: its place on the media and its bytes (BOM, CRLF).
#[derive(Debug, Clone)]
pub struct Script {
    pub destination: String,
    pub bytes: Vec<u8>,
}

/// Everything the scripts are given. Every string reaches PowerShell through `{{ps …}}` or `{{ps-list …}}`.
#[derive(Serialize)]
struct ScriptModel {
    tanmatsu_version: &'static str,
    media_id: String,
    marker: String,
    /// The terminal's folder in %ProgramData% and its state file there.
    terminal_folder: &'static str,
    terminal_state_file: &'static str,
    terminal: TerminalModel,
    accounts: AccountsModel,
    software: Vec<SoftwareModel>,
    defender: DefenderModel,
    time: TimeModel,
    updates: UpdatesModel,
    certificates: CertificatesModel,
    firewall: FirewallModel,
    edge: EdgeModel,
    media: MediaModel,
    /// Every value of the local policy and every firewall rule, as the step and the self-check read them back.
    local_policy: LocalPolicyModel,
    /// What the run removes from the stick when it has finished, and where it records that.
    disarm: DisarmModel,
    bitlocker: crate::bitlocker::Model,
    steps: Vec<&'static str>,
    /// For the entry script: every other script and payload with its SHA-256.
    files: Vec<FileModel>,
}

#[derive(Serialize)]
struct TerminalModel {
    hostname: String,
    /// The EditionID Windows reports for the profile's edition.
    edition: &'static str,
    /// `True` or `False`, for `[bool]::Parse`: the profile marks the PC as one already in use.
    existing: &'static str,
    /// The template set the stick was made from, as the report names it.
    template_name: String,
    template_version: String,
}

#[derive(Serialize)]
struct AccountsModel {
    admin: String,
    operators: Vec<String>,
}

#[derive(Serialize, Clone)]
struct FileModel {
    /// Relative to the media's root, Windows-style.
    path: String,
    sha256: String,
}

#[derive(Serialize)]
struct SoftwareModel {
    item: &'static str,
    name: String,
    path: String,
    sha256: String,
    /// A pattern for the installed program's display name, to skip what is installed and to check.
    detect: String,
    arguments: Vec<String>,
    /// Where the silent-install switches come from, for the log.
    source: String,
}

#[derive(Serialize)]
struct DefenderModel {
    scan_day: String,
    scan_time: String,
    max_age_days: String,
    definitions: Option<FileModel>,
}

#[derive(Serialize)]
struct TimeModel {
    ntp_servers: Vec<String>,
}

#[derive(Serialize)]
struct UpdatesModel {
    windows: Vec<FileModel>,
    kbs: Vec<String>,
}

#[derive(Serialize)]
struct CertificatesModel {
    authorities: Vec<AuthorityModel>,
    device: DeviceModel,
}

#[derive(Serialize)]
struct AuthorityModel {
    path: String,
    sha256: String,
    /// `Root` for a self-signed authority, `CA` for an intermediate one.
    store: &'static str,
    thumbprint: String,
}

#[derive(Serialize)]
struct DeviceModel {
    path: String,
    sha256: String,
    thumbprint: String,
}

#[derive(Serialize)]
struct FirewallModel {
    /// As the profile gives them, for `New-NetFirewallRule -RemoteAddress`.
    server_addresses: Vec<String>,
    /// As `Get-NetFirewallAddressFilter` returns them, for the self-check ([`Network::firewall_filter_form`]).
    server_filters: Vec<String>,
    dns_servers: Vec<String>,
    /// Time servers given as addresses; a server given by name is reached through DNS and allowed on port 123.
    ntp_servers: Vec<String>,
    printers: Vec<String>,
    dhcp: bool,
}

#[derive(Serialize)]
struct EdgeModel {
    urls: Vec<String>,
    script_sites: Vec<String>,
    /// AutoSelectCertificateForUrls entries (JSON) that pick the device certificate for the server's sites.
    certificate_selection: Vec<String>,
    /// Policies Edge ignores on a PC that is neither domain-joined nor MDM-managed, from the policy catalog.
    ignored_unmanaged: IgnoredPolicies,
}

/// Value names of the policies, under the browser's key and Edge Update's, that Microsoft's reference marks as
/// taking effect only on a managed device; lists apart, since they are subkeys.
#[derive(Serialize)]
struct IgnoredPolicies {
    values: Vec<String>,
    lists: Vec<String>,
    update_values: Vec<String>,
}

impl IgnoredPolicies {
    fn from_catalog() -> IgnoredPolicies {
        let catalog = crate::policy::catalog();
        IgnoredPolicies {
            values: catalog.managed_only(EDGE_POLICY_KEY, false),
            lists: catalog.managed_only(EDGE_POLICY_KEY, true),
            update_values: catalog.managed_only(EDGE_UPDATE_POLICY_KEY, false),
        }
    }
}

const EDGE_POLICY_KEY: &str = "SOFTWARE\\Policies\\Microsoft\\Edge";
const EDGE_UPDATE_POLICY_KEY: &str = "SOFTWARE\\Policies\\Microsoft\\EdgeUpdate";

#[derive(Serialize)]
struct DisarmModel {
    /// Windows-style, for the scripts.
    record: String,
    files: Vec<DisarmedFile>,
}

#[derive(Serialize)]
struct DisarmedFile {
    /// As the manifest and `verify` name it.
    media: &'static str,
    /// As the scripts reach it.
    windows: String,
}

#[derive(Serialize, Default)]
struct LocalPolicyModel {
    /// Of the Registry.pol, which the step and the self-check compare with the one in force.
    sha256: String,
    values: Vec<local_policy::ExpectedValue>,
    rules: Vec<local_policy::firewall::ExpectedRule>,
    group: &'static str,
}

#[derive(Serialize)]
struct MediaModel {
    approved_ids: Vec<String>,
}

/// What the scripts need besides the profile: where each payload landed and its hash, and the device identity.
pub struct ScriptInputs<'a> {
    pub loaded: &'a LoadedProfile,
    pub media_id: &'a str,
    pub payloads: &'a [(MediaFile, FileRecord)],
    pub device: &'a DeviceIdentity,
    pub authorities: &'a [Certificate],
}

/// Why the scripts could not be made.
#[derive(Debug)]
pub enum ScriptError {
    Template(TemplateError),
    /// The template set's local policy names values the catalog does not know, or rules that cannot be written.
    Policy(Vec<Diagnostic>),
}

impl From<TemplateError> for ScriptError {
    fn from(err: TemplateError) -> ScriptError {
        ScriptError::Template(err)
    }
}

/// Renders every script of the template set and the local policy: the policy first (the scripts read its values
/// back), then the steps and helpers, then the entry script, which carries all their hashes and the payloads'.
pub fn render_scripts(engine: &Engine, inputs: &ScriptInputs) -> Result<Vec<Script>, ScriptError> {
    let mut model = model(inputs);
    let policy = local_policy(engine, &model)?;
    let registry_pol = policy.registry_pol();
    model.local_policy = LocalPolicyModel {
        sha256: hex::encode_upper(Sha256::digest(&registry_pol)),
        values: policy.expected(),
        rules: policy.firewall().expected_rules(),
        group: local_policy::firewall::GROUP,
    };
    let mut scripts =
        vec![Script { destination: format!("{}/scripts/{LOCAL_POLICY_FILE}", layout::MEDIA_DIR), bytes: registry_pol }];
    for name in script_names(engine).iter().filter(|n| *n != ENTRY_SCRIPT_NAME && *n != LOCAL_POLICY_FILE) {
        scripts.push(script(engine, name, &model)?);
    }
    model.files = scripts
        .iter()
        .map(|s| FileModel {
            path: layout::windows_path(&s.destination),
            sha256: hex::encode_upper(Sha256::digest(&s.bytes)),
        })
        .chain(inputs.payloads.iter().map(|(file, record)| file_model(file, record)))
        .collect();
    scripts.push(script(engine, ENTRY_SCRIPT_NAME, &model)?);
    Ok(scripts)
}

/// The file names in the media's scripts folder: the template set's scripts and the local policy.
pub fn script_names(engine: &Engine) -> Vec<String> {
    engine
        .template_names()
        .into_iter()
        .filter_map(|name| name.strip_prefix(SCRIPT_TEMPLATE_PREFIX).map(str::to_string))
        .chain([LOCAL_POLICY_FILE.to_string()])
        .collect()
}

/// The template set's `local-policy.toml`, rendered with the scripts' model and checked against the catalog.
fn local_policy(engine: &Engine, model: &ScriptModel) -> Result<LocalPolicy, ScriptError> {
    let text = engine.render(local_policy::TEMPLATE, model)?;
    let origin = engine.origin(&format!("{}.hbs", local_policy::TEMPLATE));
    LocalPolicy::parse(&origin, &text, crate::policy::catalog()).map_err(ScriptError::Policy)
}

fn script(engine: &Engine, name: &str, model: &ScriptModel) -> Result<Script, TemplateError> {
    let text = engine.render(&format!("{SCRIPT_TEMPLATE_PREFIX}{name}"), model)?;
    Ok(Script { destination: format!("{}/scripts/{name}", layout::MEDIA_DIR), bytes: powershell_file(&text) })
}

/// UTF-8 with a byte-order mark, CRLF line ends.
pub fn powershell_file(text: &str) -> Vec<u8> {
    let mut bytes = "\u{FEFF}".as_bytes().to_vec();
    bytes.extend_from_slice(layout::crlf(text).as_bytes());
    bytes
}

fn file_model(file: &MediaFile, record: &FileRecord) -> FileModel {
    FileModel { path: layout::windows_path(&file.destination), sha256: record.sha256.to_uppercase() }
}

fn model(inputs: &ScriptInputs) -> ScriptModel {
    let profile = &inputs.loaded.profile;
    let find = |role: Role| inputs.payloads.iter().find(|(file, _)| file.role == role).map(|(f, r)| file_model(f, r));
    let all = |role: Role| -> Vec<FileModel> {
        inputs.payloads.iter().filter(|(file, _)| file.role == role).map(|(f, r)| file_model(f, r)).collect()
    };
    let updates = all(Role::WindowsUpdate);
    let kbs = updates.iter().filter_map(|u| kb_number(&u.path)).collect();
    let urls = profile.intermediate_server.urls.clone();
    let device = find(Role::DeviceCertificate).expect("the device certificate is always on the media");
    ScriptModel {
        tanmatsu_version: env!("CARGO_PKG_VERSION"),
        media_id: inputs.media_id.to_string(),
        marker: layout::windows_path(&layout::marker(inputs.media_id)),
        terminal_folder: layout::TERMINAL_FOLDER,
        terminal_state_file: layout::TERMINAL_STATE_FILE,
        terminal: TerminalModel {
            hostname: profile.terminal.hostname.clone(),
            edition: "Professional",
            existing: if profile.terminal.existing { "True" } else { "False" },
            template_name: profile.template.name.clone(),
            template_version: profile.template.version.to_string(),
        },
        accounts: AccountsModel {
            admin: profile.accounts.admin.name.clone(),
            operators: profile.accounts.operators.iter().map(|a| a.name.clone()).collect(),
        },
        software: software(inputs),
        defender: DefenderModel {
            scan_day: scan_day_number(profile.defender.full_scan.day).to_string(),
            scan_time: profile.defender.full_scan.time.to_string(),
            max_age_days: profile.defender.definitions_max_age_days.to_string(),
            definitions: find(Role::DefenderDefinitions),
        },
        time: TimeModel { ntp_servers: profile.time.ntp_servers.clone() },
        updates: UpdatesModel { windows: updates, kbs },
        certificates: CertificatesModel {
            authorities: inputs
                .authorities
                .iter()
                .enumerate()
                .filter_map(|(i, certificate)| {
                    find(Role::Authority(i)).map(|file| AuthorityModel {
                        path: file.path,
                        sha256: file.sha256,
                        store: if certificate.is_self_signed() { "Root" } else { "CA" },
                        thumbprint: thumbprint(certificate),
                    })
                })
                .collect(),
            device: DeviceModel {
                path: device.path,
                sha256: device.sha256,
                thumbprint: thumbprint(&inputs.device.leaf),
            },
        },
        firewall: FirewallModel {
            server_addresses: profile.intermediate_server.addresses.clone(),
            server_filters: profile
                .intermediate_server
                .addresses
                .iter()
                .filter_map(|a| Network::parse(a).ok())
                .map(|n| n.firewall_filter_form())
                .collect(),
            dns_servers: profile.network.dns_servers.clone(),
            ntp_servers: profile.time.ntp_servers.iter().filter(|s| Network::parse(s).is_ok()).cloned().collect(),
            printers: profile.network.printers.clone(),
            dhcp: profile.network.dhcp,
        },
        edge: EdgeModel {
            script_sites: profile.edge.script_sites.clone().unwrap_or_else(|| urls.clone()),
            certificate_selection: certificate_selection(&urls, &inputs.device.leaf),
            ignored_unmanaged: IgnoredPolicies::from_catalog(),
            urls,
        },
        media: MediaModel {
            approved_ids: profile
                .media
                .approved
                .iter()
                .flat_map(|m| [m.usb_instance_id.clone(), m.disk_instance_id.clone()])
                .collect(),
        },
        local_policy: LocalPolicyModel::default(),
        disarm: DisarmModel {
            record: layout::windows_path(layout::DISARM_RECORD),
            files: layout::DISARMED_FILES
                .iter()
                .map(|path| DisarmedFile { media: path, windows: layout::windows_path(path) })
                .collect(),
        },
        bitlocker: crate::bitlocker::model(profile.terminal.bitlocker),
        steps: STEPS.to_vec(),
        files: Vec::new(),
    }
}

/// The software to install, with what tanmatsu knows of each installer's silent switches and where they come from.
fn software(inputs: &ScriptInputs) -> Vec<SoftwareModel> {
    let profile = &inputs.loaded.profile;
    let payload = |role: Role| {
        let (file, record) =
            inputs.payloads.iter().find(|(f, _)| f.role == role).expect("every installer is on the media");
        file_model(file, record)
    };
    let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut items = Vec::new();

    let reader = payload(Role::AcrobatReader);
    let known = installers::acrobat_reader(installers::is_msi(&reader.path));
    items.push(SoftwareModel {
        item: "SW-5",
        name: known.name.into(),
        detect: known.detect.into(),
        arguments: words(known.arguments),
        source: known.source.in_language(Lang::En),
        path: reader.path,
        sha256: reader.sha256,
    });

    let archiver = &profile.software.archiver;
    let file = payload(Role::Archiver);
    let known = installers::archiver(archiver.product, installers::is_msi(&file.path));
    let name = archiver.name.clone().or_else(|| known.as_ref().map(|k| k.name.to_string())).unwrap_or_default();
    let detect = known.as_ref().map_or_else(|| format!("{name}*"), |k| k.detect.to_string());
    let (arguments, source) = match (&archiver.arguments, &known) {
        (None, Some(known)) => (words(known.arguments), known.source.in_language(Lang::En)),
        (given, _) => (given.clone().unwrap_or_default(), profile_source()),
    };
    items.push(SoftwareModel { item: "SW-4", name, detect, arguments, source, path: file.path, sha256: file.sha256 });

    let custom = |software: &CustomSoftware, item: &'static str, role: Role| {
        let file = payload(role);
        let (arguments, source) = if software.arguments.is_empty() && installers::is_msi(&file.path) {
            (words(&["/qn"]), msg!("installer.source.msiexec").in_language(Lang::En))
        } else {
            (software.arguments.clone(), profile_source())
        };
        SoftwareModel {
            item,
            name: software.name.clone(),
            detect: format!("{}*", software.name),
            arguments,
            source,
            path: file.path,
            sha256: file.sha256,
        }
    };
    items.extend(profile.software.csv_editor.iter().map(|editor| custom(editor, "SW-6", Role::CsvEditor)));
    items.extend(profile.software.extra.iter().enumerate().map(|(i, extra)| custom(extra, "SW-0", Role::Extra(i))));
    items
}

/// Where the switches come from when the profile gives them.
fn profile_source() -> String {
    msg!("installer.source.profile").in_language(Lang::En)
}

fn scan_day_number(day: ScanDay) -> u8 {
    match day {
        ScanDay::Daily => 0,
        ScanDay::Sunday => 1,
        ScanDay::Monday => 2,
        ScanDay::Tuesday => 3,
        ScanDay::Wednesday => 4,
        ScanDay::Thursday => 5,
        ScanDay::Friday => 6,
        ScanDay::Saturday => 7,
    }
}

/// `KB5043080` from `windows11.0-kb5043080-x64.msu`.
fn kb_number(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    let start = lower.find("kb")? + 2;
    let digits: String = lower[start..].chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("KB{digits}"))
}

/// Windows' thumbprint: SHA-1 of the DER certificate, upper-case hex.
fn thumbprint(certificate: &Certificate) -> String {
    hex::encode_upper(Sha1::digest(certificate.der()))
}

/// One AutoSelectCertificateForUrls entry per server site, choosing certificates by their issuer's common name.
fn certificate_selection(urls: &[String], device: &Certificate) -> Vec<String> {
    let parsed = device.parsed();
    let issuer_cn = parsed.issuer().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string);
    let filter = match issuer_cn {
        Some(cn) => serde_json::json!({ "ISSUER": { "CN": cn } }),
        None => serde_json::json!({}),
    };
    let mut patterns: Vec<String> =
        urls.iter().filter_map(|u| url::Url::parse(u).ok()).map(|u| u.origin().ascii_serialization()).collect();
    patterns.dedup();
    patterns
        .into_iter()
        .map(|pattern| serde_json::json!({ "pattern": pattern, "filter": filter }).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_numbers_come_from_file_names() {
        assert_eq!(kb_number(r"tanmatsu\updates\windows\windows11.0-kb5043080-x64.msu").as_deref(), Some("KB5043080"));
        assert_eq!(kb_number("notes.msu"), None);
    }

    #[test]
    fn scripts_are_utf8_with_bom_and_crlf() {
        let bytes = powershell_file("a\nb\r\nc");
        assert_eq!(bytes, b"\xEF\xBB\xBFa\r\nb\r\nc");
    }
}
