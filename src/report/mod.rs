//! `tanmatsu report`: the terminals' self-check reports read back, verified, item by item, one terminal or a fleet.
//!
//! Reports follow `docs/terminal-report.md`. Each one is signed by its terminal's own key and names the report
//! before it; a terminal's reports are believed only when every one of them is signed by a key enrolled in the media
//! ledger and the chain from its first report is whole ([`chain`]). Anything else is *unverified*, with the reason,
//! and never compliant. An unreadable report is named and the others are still shown.
//!
//! For each spec item a terminal passes when its checks pass (warnings allowed); an item with a failing or
//! *ineffective* check fails; an item software must check but the report does not is "not checked", which also
//! fails; on a terminal the profile marks as existing, a hardware item below the spec's recommended value is an
//! advisory (§3: an existing terminal may be used as it is); an exception approved at the desk is shown as such;
//! items for people become a checklist to sign.

mod chain;
pub mod exceptions;
mod render;
pub mod signature;

use crate::i18n::{Lang, Message, os_error};
use crate::ledger;
use crate::msg;
use crate::spec::{self, HowMet, SpecItem};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use exceptions::Exception;
pub use render::{render_csv, render_html, render_text};

pub const SCHEMA: &str = "tanmatsu-terminal-report";
pub const SCHEMA_VERSION: u32 = 2;

/// A report as the terminal wrote it. Unknown fields and repeated keys are refused: what is signed is what is read.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalReport {
    pub schema: String,
    pub schema_version: u32,
    pub tanmatsu_version: String,
    pub media_id: String,
    pub template: TemplateInfo,
    pub generated_at: String,
    /// 1 for the terminal's first report, one more for each after it.
    pub sequence: u64,
    /// The SHA-256 of the file of the report numbered one less; null for the first.
    #[serde(deserialize_with = "present")]
    pub previous_report_sha256: Option<String>,
    pub terminal: Identity,
    pub key: KeyInfo,
    pub windows: WindowsInfo,
    /// The profile marks the terminal as one already in use (§3): hardware below the recommended values is advisory.
    pub existing_terminal: bool,
    /// Numbers the auditor's page draws over time.
    pub measurements: Measurements,
    pub summary: Summary,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateInfo {
    pub name: String,
    pub version: u32,
}

/// Which machine wrote the report: what Windows and the firmware (SMBIOS) say.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub hostname: String,
    pub expected_hostname: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub uuid: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// [`signature::key_id`] of the key.
    pub sha256: String,
    pub storage: KeyStorage,
    /// The key's self-signed certificate, base64 of its DER.
    pub certificate: String,
}

/// Where the terminal keeps its report key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStorage {
    /// In the TPM: it cannot leave the machine.
    Tpm,
    /// By the software key storage provider: an administrator could take it.
    Software,
}

impl KeyStorage {
    pub fn name(self) -> &'static str {
        match self {
            KeyStorage::Tpm => "tpm",
            KeyStorage::Software => "software",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsInfo {
    pub caption: String,
    pub version: String,
    pub build: String,
    pub display_version: String,
    /// The update build revision: the patch level within the build.
    pub ubr: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measurements {
    #[serde(deserialize_with = "present")]
    pub definitions_age_days: Option<u64>,
    #[serde(deserialize_with = "present")]
    pub full_scan_age_days: Option<u64>,
}

/// A field that may be null but must be there: serde would read a missing `Option` as null, and what is signed must
/// be what is read.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Option::deserialize(deserializer)
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub pass: u64,
    pub warning: u64,
    pub ineffective: u64,
    pub fail: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub item: String,
    pub check: String,
    pub result: CheckResult,
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Pass,
    Warning,
    Ineffective,
    Fail,
}

impl CheckResult {
    fn name(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Warning => "warning",
            CheckResult::Ineffective => "ineffective",
            CheckResult::Fail => "fail",
        }
    }
}

impl Summary {
    fn of(checks: &[Check]) -> Summary {
        let count = |result| checks.iter().filter(|c| c.result == result).count() as u64;
        Summary {
            pass: count(CheckResult::Pass),
            warning: count(CheckResult::Warning),
            ineffective: count(CheckResult::Ineffective),
            fail: count(CheckResult::Fail),
        }
    }
}

/// An item's result on one terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemResult {
    Pass,
    Warning,
    /// Hardware below the recommended value on a terminal already in use (§3).
    Advisory,
    /// Fails, but the desk recorded an approved exception.
    Excepted,
    Ineffective,
    Fail,
    NotChecked,
    /// People must do it; a person signs it off.
    Person,
}

impl ItemResult {
    pub fn is_failure(self) -> bool {
        matches!(self, ItemResult::Fail | ItemResult::Ineffective | ItemResult::NotChecked)
    }

    pub fn label(self) -> Message {
        match self {
            ItemResult::Pass => msg!("report.result.pass"),
            ItemResult::Warning => msg!("report.result.warning"),
            ItemResult::Advisory => msg!("report.result.advisory"),
            ItemResult::Excepted => msg!("report.result.excepted"),
            ItemResult::Ineffective => msg!("report.result.ineffective"),
            ItemResult::Fail => msg!("report.result.fail"),
            ItemResult::NotChecked => msg!("report.result.not-checked"),
            ItemResult::Person => msg!("report.result.person"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: String,
    pub section: String,
    pub label_ja: String,
    pub how: HowMet,
    pub result: ItemResult,
    /// The result in Japanese, for the auditor's page, which is in Japanese whatever the language of the run.
    pub result_ja: String,
    /// Every check of the item, the worst first.
    pub evidence: Vec<String>,
    /// The approved exception, when there is one.
    pub exception: Option<Exception>,
    /// A warning asks a person to look: the auditor's page gives it a line to sign.
    pub sign_off: bool,
}

/// Whether the reports of a terminal can be relied on, and if not, why.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub verified: bool,
    pub reasons: Vec<Message>,
}

/// One report of a terminal's chain, for its history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub sequence: u64,
    pub generated_at: String,
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    pub sha256: String,
    pub failing_checks: u64,
    pub definitions_age_days: Option<u64>,
    pub build: String,
    pub ubr: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TerminalView {
    /// The latest report, by its number in the chain (never by its date or file name).
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    pub sha256: String,
    pub report: TerminalReport,
    pub verification: Verification,
    /// Every report of the chain, oldest first, the latest included.
    pub history: Vec<HistoryPoint>,
    /// What is wrong with the terminal beyond its items: a host name other than the profile's or the enrolled one.
    pub findings: Vec<Message>,
    pub compliant: bool,
    pub items: Vec<ItemView>,
    pub failing: Vec<String>,
    /// Ledger entries of this terminal: its enrolment and the stick that made it.
    pub ledger: Vec<LedgerRow>,
}

/// What the report shows of a ledger entry.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerRow {
    pub seq: u64,
    pub time: String,
    pub action: String,
    pub model: String,
    pub serial: String,
    pub operator: String,
    pub approver: String,
}

impl From<&ledger::Entry> for LedgerRow {
    fn from(e: &ledger::Entry) -> Self {
        LedgerRow {
            seq: e.seq,
            time: e.time.clone(),
            action: e.action.clone(),
            model: e.model.clone(),
            serial: e.serial.clone(),
            operator: e.operator.clone(),
            approver: e.approver.clone(),
        }
    }
}

/// A path as text for JSON and the page: a name that is not UTF-8 (a stick can hold one) is shown with U+FFFD rather
/// than stopping the output.
fn lossy_path<S: serde::Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// A report that could not be used, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    pub reason: Message,
}

/// The ledger as `report` found it.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerState {
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub rows: usize,
    pub head: String,
    /// Breaks of its hash chain; a broken ledger enrols nobody.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub terminals: Vec<TerminalView>,
    pub unreadable: Vec<Unreadable>,
    pub ledger: LedgerState,
    /// Each item that fails anywhere, with the terminals it fails on.
    pub failing_items: Vec<FailingItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailingItem {
    pub item: String,
    pub terminals: Vec<String>,
}

impl Fleet {
    pub fn all_compliant(&self) -> bool {
        self.unreadable.is_empty() && self.ledger.problems.is_empty() && self.terminals.iter().all(|t| t.compliant)
    }
}

/// What `load` reads besides the reports.
pub struct Sources<'a> {
    pub ledger: &'a Path,
    pub exceptions: &'a [Exception],
    /// Seconds since the epoch: a report dated after this (and a day's leeway for clocks) is not believed.
    pub now: i64,
}

/// A report file as read: its bytes' hash, its content, and whether its own signature holds.
pub(crate) struct ReadReport {
    pub file: PathBuf,
    pub sha256: String,
    pub report: TerminalReport,
    /// The signature against the key the report carries; `Err` says why not.
    pub signed: Result<(), Message>,
}

/// Reads every report at `path`: a report file, a folder of reports, or a stick (its `tanmatsu/reports`).
pub fn load(path: &Path, sources: &Sources) -> std::io::Result<Fleet> {
    let mut reports: Vec<ReadReport> = Vec::new();
    let mut unreadable = Vec::new();
    for file in report_files(path)? {
        match read_report(&file) {
            Ok(report) => reports.push(report),
            Err(reason) => unreadable.push(Unreadable { file, reason }),
        }
    }
    let entries = ledger::read(sources.ledger).map_err(|err| std::io::Error::other(err.to_string()))?;
    let ledger = LedgerState {
        path: sources.ledger.to_path_buf(),
        rows: entries.len(),
        head: ledger::head(&entries).to_string(),
        problems: ledger::check(&entries),
    };
    let enrolled: Vec<&ledger::Entry> =
        if ledger.problems.is_empty() { ledger::enrolments(&entries).collect() } else { Vec::new() };
    let terminals: Vec<TerminalView> = chain::terminals(reports, &enrolled, sources.now, ledger.problems.is_empty())
        .into_iter()
        .map(|terminal| assess(terminal, &entries, sources.exceptions))
        .collect();
    let failing_items = spec::items()
        .iter()
        .map(|item| FailingItem {
            item: item.id.clone(),
            terminals: terminals
                .iter()
                .filter(|t| t.failing.contains(&item.id))
                .map(|t| t.report.terminal.hostname.clone())
                .collect(),
        })
        .filter(|failing| !failing.terminals.is_empty())
        .collect();
    Ok(Fleet { terminals, unreadable, ledger, failing_items })
}

fn report_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let folder =
        if path.join("tanmatsu/reports").is_dir() { path.join("tanmatsu/reports") } else { path.to_path_buf() };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))
        .collect();
    files.sort();
    Ok(files)
}

/// The largest report read: a terminal's report is some tens of kilobytes.
const MAX_REPORT_BYTES: u64 = 16 << 20;

fn read_report(file: &Path) -> Result<ReadReport, Message> {
    let unreadable = |err: std::io::Error| msg!("report.unreadable", reason = os_error(&err));
    let metadata = std::fs::metadata(file).map_err(unreadable)?;
    // A FIFO or a device named *.json would block the read, or never end it.
    if !metadata.is_file() {
        return Err(msg!("report.not-a-file"));
    }
    let size = metadata.len();
    if size > MAX_REPORT_BYTES {
        return Err(msg!("report.too-large", size = size, max = MAX_REPORT_BYTES));
    }
    let bytes = std::fs::read(file).map_err(unreadable)?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
    // The schema first, for a clear word on a foreign file or another version; then the whole, strictly.
    #[derive(Deserialize)]
    struct Header {
        schema: Option<serde_json::Value>,
        schema_version: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_slice(text).map_err(|err| msg!("report.not-json", reason = err))?;
    let schema = header.schema.as_ref().and_then(|s| s.as_str()).unwrap_or_default();
    if schema != SCHEMA {
        return Err(msg!("report.wrong-schema", schema = schema));
    }
    let version = header.schema_version.as_ref().and_then(|v| v.as_u64()).unwrap_or(0);
    if version != SCHEMA_VERSION as u64 {
        return Err(msg!("report.schema-version", version = version, supported = SCHEMA_VERSION));
    }
    let report: TerminalReport = serde_json::from_slice(text).map_err(|err| msg!("report.not-schema", reason = err))?;
    // A check of an item the spec does not have would be dropped from every table: the report is refused instead.
    if let Some(check) = report.checks.iter().find(|c| !spec::items().iter().any(|item| item.id == c.item)) {
        return Err(msg!("report.unknown-item", item = &check.item, check = &check.check));
    }
    let signed = signature_holds(file, &bytes, &report);
    Ok(ReadReport { file: file.to_path_buf(), sha256: hex::encode(Sha256::digest(&bytes)), report, signed })
}

/// The report's signature file against the key its certificate holds, which must be the key it names.
fn signature_holds(file: &Path, bytes: &[u8], report: &TerminalReport) -> Result<(), Message> {
    let signature_file = signature::signature_path(file);
    match std::fs::metadata(&signature_file) {
        Ok(metadata) if !metadata.is_file() || metadata.len() > signature::MAX_SIGNATURE_BYTES => {
            return Err(msg!("report.signature.not-a-signature", file = signature_file.display()));
        }
        _ => {}
    }
    let signature = match std::fs::read(&signature_file) {
        Ok(signature) => signature,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(msg!("report.signature.missing", file = signature_file.display()));
        }
        Err(err) => return Err(msg!("report.unreadable", reason = os_error(&err))),
    };
    let (key_id, key) = signature::certificate_key(&report.key.certificate)?;
    if key_id != report.key.sha256.to_ascii_lowercase() {
        return Err(msg!("report.signature.other-key", named = &report.key.sha256, carried = key_id));
    }
    signature::verify(bytes, &signature, &key)
}

fn assess(terminal: chain::Terminal, entries: &[ledger::Entry], exceptions: &[Exception]) -> TerminalView {
    let chain::Terminal { latest, verification, history, enrolment } = terminal;
    let report = latest.report;
    let hostname = &report.terminal.hostname;
    let mut findings = Vec::new();
    if !hostname.eq_ignore_ascii_case(&report.terminal.expected_hostname) {
        findings.push(msg!(
            "report.hostname-not-profile",
            hostname = hostname,
            expected = &report.terminal.expected_hostname
        ));
    }
    if let Some(enrolled) =
        enrolment.as_ref().filter(|e| !e.terminal.eq_ignore_ascii_case(&crate::escape::csv_cell(hostname)))
    {
        findings.push(msg!(
            "report.hostname-not-enrolled",
            hostname = hostname,
            enrolled = &enrolled.terminal,
            seq = enrolled.seq
        ));
    }
    let unpatched = unpatched_since(&report, &history);
    let items: Vec<ItemView> = spec::items()
        .iter()
        .map(|item| {
            let exception = exceptions.iter().find(|e| e.item == item.id && e.terminal.eq_ignore_ascii_case(hostname));
            let desk = (item.id == PATCH_ITEM).then_some(unpatched.as_ref()).flatten();
            item_view(item, &report, desk, exception)
        })
        .collect();
    let failing: Vec<String> = items.iter().filter(|i| i.result.is_failure()).map(|i| i.id.clone()).collect();
    let ledger = entries
        .iter()
        .filter(|e| e.media_id == report.media_id || enrolment.as_ref().is_some_and(|enrolled| enrolled.seq == e.seq))
        .map(LedgerRow::from)
        .collect();
    TerminalView {
        file: latest.file,
        sha256: latest.sha256,
        compliant: verification.verified && findings.is_empty() && failing.is_empty(),
        verification,
        history,
        findings,
        items,
        failing,
        ledger,
        report,
    }
}

/// The item the patch level belongs to, and how long it may stay the same: Microsoft publishes security updates
/// monthly, so a level unchanged over two monthly releases means patches are not applied regularly (SEC-6).
const PATCH_ITEM: &str = "SEC-6";
const PATCH_INTERVAL_SECONDS: i64 = 62 * 86_400;

/// The desk's own check of SEC-6 over the chain: the latest report's patch level (build.UBR) was already the level of
/// a report 62 days or more before it. Only the chain shows this; a single report cannot.
fn unpatched_since(report: &TerminalReport, history: &[HistoryPoint]) -> Option<Check> {
    let latest = crate::timestamp::parse_rfc3339(&report.generated_at)?;
    let (_, oldest) = history
        .iter()
        .filter(|h| h.build == report.windows.build && h.ubr == report.windows.ubr)
        .filter_map(|h| crate::timestamp::parse_rfc3339(&h.generated_at).map(|at| (at, h)))
        .filter(|(at, _)| latest - at >= PATCH_INTERVAL_SECONDS)
        .min_by_key(|(at, _)| *at)?;
    Some(Check {
        item: PATCH_ITEM.to_string(),
        check: "desk-patch-level".to_string(),
        result: CheckResult::Fail,
        evidence: crate::t!(
            "report.patch-unchanged",
            level = format!("{}.{}", report.windows.build, report.windows.ubr),
            sequence = oldest.sequence,
            at = &oldest.generated_at
        ),
    })
}

fn item_view(
    item: &SpecItem,
    report: &TerminalReport,
    desk: Option<&Check>,
    exception: Option<&Exception>,
) -> ItemView {
    let mut own: Vec<&Check> = report.checks.iter().filter(|c| c.item == item.id).chain(desk).collect();
    own.sort_by_key(|c| std::cmp::Reverse(c.result));
    let hardware = item.id.starts_with("HW-");
    let mut result = match (item.how, own.first().map(|c| c.result)) {
        (HowMet::Process, None) => ItemResult::Person,
        (_, None) => ItemResult::NotChecked,
        (_, Some(CheckResult::Pass)) => ItemResult::Pass,
        (_, Some(CheckResult::Warning)) => ItemResult::Warning,
        (_, Some(CheckResult::Ineffective)) => ItemResult::Ineffective,
        (_, Some(CheckResult::Fail)) if hardware && report.existing_terminal => ItemResult::Advisory,
        (_, Some(CheckResult::Fail)) => ItemResult::Fail,
    };
    if exception.is_some() && result.is_failure() {
        result = ItemResult::Excepted;
    }
    ItemView {
        id: item.id.clone(),
        section: item.section.clone(),
        label_ja: item.label_ja.clone(),
        how: item.how,
        result,
        result_ja: result.label().in_language(Lang::Ja),
        evidence: own.iter().map(|c| format!("[{}] {}: {}", c.result.name(), c.check, c.evidence)).collect(),
        exception: exception.cloned(),
        sign_off: result == ItemResult::Warning,
    }
}

/// The ledger row that enrols the key of the report at `file`: the report must be signed by the key it carries.
/// Who did it and when are the caller's to add.
pub fn enrolment(file: &Path) -> Result<ledger::NewEntry, Message> {
    let read = read_report(file)?;
    read.signed?;
    let report = read.report;
    // The first report is the one the provisioning stick brings back; a later one could come from anyone who holds a
    // key and deleted the reports before it.
    if report.sequence != 1 {
        return Err(msg!("report.enrol-not-first", sequence = report.sequence));
    }
    let claimed = &report.terminal;
    for (field, value) in [
        ("hostname", &claimed.hostname),
        ("manufacturer", &claimed.manufacturer),
        ("model", &claimed.model),
        ("serial", &claimed.serial),
        ("uuid", &claimed.uuid),
    ] {
        if value.chars().any(char::is_control) {
            return Err(msg!("report.enrol-control", field = field));
        }
    }
    let identity = report.terminal;
    Ok(ledger::NewEntry {
        model: format!("{} {}", identity.manufacturer, identity.model).trim().to_string(),
        serial: identity.serial,
        media_id: report.media_id,
        templates: format!("{}@{}", report.template.name, report.template.version),
        note: crate::t!("report.enrol-note", storage = report.key.storage.name(), file = file.display()),
        terminal: identity.hostname,
        terminal_uuid: identity.uuid,
        terminal_key: report.key.sha256.to_ascii_lowercase(),
        ..ledger::NewEntry::default()
    })
}
