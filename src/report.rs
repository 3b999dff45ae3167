//! `tanmatsu report`: the terminals' self-check reports read back, item by item, one terminal or a fleet.
//!
//! Reports follow `docs/terminal-report.md`. An unreadable report is named and the others are still shown. For each
//! spec item a terminal passes when its checks pass (warnings allowed); an item with a failing or *ineffective*
//! check fails; an item software must check but the report does not is "not checked", which also fails; items for
//! people become a checklist to sign.

use crate::i18n::{Lang, Message, os_error, padded};
use crate::ledger;
use crate::msg;
use crate::spec::{self, HowMet, SpecItem};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "tanmatsu-terminal-report";
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TerminalReport {
    pub schema: String,
    pub schema_version: u32,
    pub tanmatsu_version: String,
    pub media_id: String,
    pub hostname: String,
    #[serde(default)]
    pub expected_hostname: Option<String>,
    pub generated_at: String,
    #[serde(default)]
    pub windows: Option<WindowsInfo>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WindowsInfo {
    pub caption: Option<String>,
    pub version: Option<String>,
    pub build: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
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

/// An item's result on one terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemResult {
    Pass,
    Warning,
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
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TerminalView {
    pub file: PathBuf,
    pub report: TerminalReport,
    /// Earlier reports of the same terminal that were found too.
    pub earlier_reports: usize,
    pub compliant: bool,
    pub items: Vec<ItemView>,
    pub failing: Vec<String>,
    /// Ledger entries of the stick that made this terminal, when a ledger was given.
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

/// A report that could not be used, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub file: PathBuf,
    pub reason: Message,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub terminals: Vec<TerminalView>,
    pub unreadable: Vec<Unreadable>,
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
        self.unreadable.is_empty() && self.terminals.iter().all(|t| t.compliant)
    }
}

/// Reads every report at `path`: a report file, a folder of reports, or a stick (its `tanmatsu/reports`).
pub fn load(path: &Path, ledger_path: Option<&Path>) -> std::io::Result<Fleet> {
    let files = report_files(path)?;
    let mut reports: Vec<(PathBuf, TerminalReport)> = Vec::new();
    let mut unreadable = Vec::new();
    for file in files {
        match read_report(&file) {
            Ok(report) => reports.push((file, report)),
            Err(reason) => unreadable.push(Unreadable { file, reason }),
        }
    }
    let ledger_entries = match ledger_path {
        Some(path) => ledger::read(path).map_err(|err| std::io::Error::other(err.to_string()))?,
        None => Vec::new(),
    };
    // The latest report of each terminal counts.
    reports.sort_by(|a, b| (&a.1.hostname, &b.1.generated_at).cmp(&(&b.1.hostname, &a.1.generated_at)));
    let mut terminals: Vec<TerminalView> = Vec::new();
    for (file, report) in reports {
        if let Some(latest) = terminals.iter_mut().find(|t| t.report.hostname == report.hostname) {
            latest.earlier_reports += 1;
            continue;
        }
        terminals.push(assess(file, report, &ledger_entries));
    }
    let failing_items = spec::items()
        .iter()
        .map(|item| FailingItem {
            item: item.id.clone(),
            terminals: terminals
                .iter()
                .filter(|t| t.failing.contains(&item.id))
                .map(|t| t.report.hostname.clone())
                .collect(),
        })
        .filter(|failing| !failing.terminals.is_empty())
        .collect();
    Ok(Fleet { terminals, unreadable, failing_items })
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

fn read_report(file: &Path) -> Result<TerminalReport, Message> {
    let bytes = std::fs::read(file).map_err(|err| msg!("report.unreadable", reason = os_error(&err)))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
    let value: serde_json::Value = serde_json::from_slice(text).map_err(|err| msg!("report.not-json", reason = err))?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or_default();
    if schema != SCHEMA {
        return Err(msg!("report.wrong-schema", schema = schema));
    }
    let version = value.get("schema_version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != SCHEMA_VERSION as u64 {
        return Err(msg!("report.schema-version", version = version, supported = SCHEMA_VERSION));
    }
    serde_json::from_value(value).map_err(|err| msg!("report.not-schema", reason = err))
}

fn assess(file: PathBuf, report: TerminalReport, ledger_entries: &[ledger::Entry]) -> TerminalView {
    let items: Vec<ItemView> = spec::items().iter().map(|item| item_view(item, &report.checks)).collect();
    let failing: Vec<String> = items.iter().filter(|i| i.result.is_failure()).map(|i| i.id.clone()).collect();
    let ledger = ledger_entries.iter().filter(|e| e.media_id == report.media_id).map(LedgerRow::from).collect();
    TerminalView { file, compliant: failing.is_empty(), items, failing, ledger, earlier_reports: 0, report }
}

fn item_view(item: &SpecItem, checks: &[Check]) -> ItemView {
    let own: Vec<&Check> = checks.iter().filter(|c| c.item == item.id).collect();
    let result = match (item.how, own.iter().map(|c| c.result).max()) {
        (HowMet::Process, None) => ItemResult::Person,
        (_, None) => ItemResult::NotChecked,
        (_, Some(CheckResult::Pass)) => ItemResult::Pass,
        (_, Some(CheckResult::Warning)) => ItemResult::Warning,
        (_, Some(CheckResult::Ineffective)) => ItemResult::Ineffective,
        (_, Some(CheckResult::Fail)) => ItemResult::Fail,
    };
    ItemView {
        id: item.id.clone(),
        section: item.section.clone(),
        label_ja: item.label_ja.clone(),
        how: item.how,
        result,
        result_ja: result.label().in_language(Lang::Ja),
        evidence: own.iter().map(|c| format!("[{}] {}: {}", c.result_label(), c.check, c.evidence)).collect(),
    }
}

impl Check {
    fn result_label(&self) -> &'static str {
        match self.result {
            CheckResult::Pass => "pass",
            CheckResult::Warning => "warning",
            CheckResult::Ineffective => "ineffective",
            CheckResult::Fail => "fail",
        }
    }
}

/// The fleet as text: a table per terminal, the fleet summary, and the unreadable reports.
pub fn render_text(fleet: &Fleet) -> String {
    use std::fmt::Write;
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for terminal in &fleet.terminals {
        let report = &terminal.report;
        let windows = report.windows.as_ref().and_then(|w| w.caption.clone()).unwrap_or_default();
        let heading = msg!(
            "report.terminal",
            hostname = &report.hostname,
            windows = windows,
            generated = &report.generated_at,
            media = &report.media_id
        );
        let _ = writeln!(out, "{heading}");
        let width = terminal.items.iter().map(|i| i.label_ja.width()).max().unwrap_or(0);
        for item in &terminal.items {
            let label = padded(&item.label_ja, width);
            let evidence = item.evidence.first().map(String::as_str).unwrap_or("");
            let result = padded(&item.result.label().to_string(), 20);
            let _ = writeln!(out, "  {:<6} {label}  {result} {evidence}", item.id);
        }
        let verdict = if terminal.compliant {
            msg!("report.meets")
        } else {
            msg!("report.fails", items = terminal.failing.join(", "))
        };
        let _ = writeln!(out, "  => {verdict}\n");
    }
    if fleet.terminals.len() > 1 {
        let meeting = fleet.terminals.iter().filter(|t| t.compliant).count();
        let _ = writeln!(out, "{}", msg!("report.fleet", terminals = fleet.terminals.len(), meeting = meeting));
        for failing in &fleet.failing_items {
            let terminals = failing.terminals.join(", ");
            let _ = writeln!(out, "  {}", msg!("report.fleet-failing", item = &failing.item, terminals = terminals));
        }
    }
    for unreadable in &fleet.unreadable {
        let _ = writeln!(out, "{}: {}: {}", msg!("diagnostic.error"), unreadable.file.display(), unreadable.reason);
    }
    out
}

/// The fleet as one self-contained, printable HTML page in Japanese, from the template set's `report.html`.
pub fn render_html(fleet: &Fleet, generated_at: &str) -> Result<String, crate::templates::TemplateError> {
    let set = crate::templates::Library::default()
        .resolve(&crate::profile::TemplateRef { name: "builtin".into(), version: 1 })?;
    let engine = crate::templates::Engine::new(&set)?;
    let process: Vec<&SpecItem> = spec::items().iter().filter(|i| i.how == HowMet::Process).collect();
    let model = serde_json::json!({
        "generated_at": generated_at,
        "terminal_count": fleet.terminals.len(),
        "compliant_count": fleet.terminals.iter().filter(|t| t.compliant).count(),
        "fleet": fleet,
        "process_items": process,
    });
    engine.render("report.html", &model)
}
