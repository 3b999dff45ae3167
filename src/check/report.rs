//! The outcome of `check`: findings, and each spec item's status, as a table for people or JSON for machines.

use crate::diagnostic::{Diagnostic, Severity};
use crate::i18n::padded;
use crate::msg;
use crate::spec::{self, HowMet, SpecItem};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// The profile gives the media everything it needs to enforce the item.
    Ready,
    Warning,
    Violation,
    /// Checked on the terminal when it is set up.
    OnTerminal,
    /// A person must do it.
    ByPerson,
}

impl ItemStatus {
    fn label(self) -> String {
        match self {
            ItemStatus::Ready => crate::t!("status.ready"),
            ItemStatus::Warning => crate::t!("status.warning"),
            ItemStatus::Violation => crate::t!("status.violation"),
            ItemStatus::OnTerminal => crate::t!("status.on-terminal"),
            ItemStatus::ByPerson => crate::t!("status.by-person"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub profile: PathBuf,
    pub findings: Vec<Diagnostic>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    section: &'a str,
    label_ja: &'a str,
    how: HowMet,
    status: ItemStatus,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    profile: &'a PathBuf,
    compliant: bool,
    errors: usize,
    warnings: usize,
    items: Vec<JsonItem<'a>>,
    findings: &'a [Diagnostic],
}

impl Report {
    pub fn new(profile: PathBuf, mut findings: Vec<Diagnostic>) -> Report {
        // Errors first, then by place in the file, so the list reads top to bottom.
        findings.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.location.as_ref().map(|l| (l.line, l.column))));
        Report { profile, findings }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    pub fn is_compliant(&self) -> bool {
        self.count(Severity::Error) == 0
    }

    pub fn status(&self, item: &SpecItem) -> ItemStatus {
        let worst = self.findings.iter().filter(|f| f.item == Some(item.id.as_str())).map(|f| f.severity).max();
        match (worst, item.how) {
            (Some(Severity::Error), _) => ItemStatus::Violation,
            (Some(Severity::Warning), _) => ItemStatus::Warning,
            (None, HowMet::Enforced) => ItemStatus::Ready,
            (None, HowMet::Terminal) => ItemStatus::OnTerminal,
            (None, HowMet::Process) => ItemStatus::ByPerson,
        }
    }

    /// The findings, then the table of every spec item, then a one-line verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            let _ = writeln!(out, "{finding}\n");
        }
        let rows: Vec<[String; 4]> = spec::items()
            .iter()
            .map(|item| [item.id.clone(), item.label_ja.clone(), item.how.label(), self.status(item).label()])
            .collect();
        let header =
            [msg!("check.table.id"), msg!("check.table.item"), msg!("check.table.how"), msg!("check.table.status")]
                .map(|heading| heading.to_string());
        let widths: Vec<usize> =
            (0..4).map(|c| rows.iter().chain([&header]).map(|r| r[c].width()).max().unwrap_or(0)).collect();
        for row in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| padded(cell, *w)).collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        let (errors, warnings) = (self.count(Severity::Error), self.count(Severity::Warning));
        let verdict = if self.is_compliant() {
            msg!("check.verdict.ok", path = self.profile.display(), errors = errors, warnings = warnings)
        } else {
            msg!("check.verdict.violation", path = self.profile.display(), errors = errors, warnings = warnings)
        };
        let _ = writeln!(out, "\n{verdict}");
        out
    }

    pub fn to_json(&self) -> serde_json::Value {
        let items = spec::items()
            .iter()
            .map(|item| JsonItem {
                id: &item.id,
                section: &item.section,
                label_ja: &item.label_ja,
                how: item.how,
                status: self.status(item),
            })
            .collect();
        serde_json::to_value(JsonReport {
            profile: &self.profile,
            compliant: self.is_compliant(),
            errors: self.count(Severity::Error),
            warnings: self.count(Severity::Warning),
            items,
            findings: &self.findings,
        })
        .expect("the report serialises")
    }
}
