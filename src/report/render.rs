//! The fleet shown three ways: text for the desk's console, a printable HTML page in Japanese for the auditor, and a
//! CSV file that Excel opens (UTF-8 with a byte-order mark, CRLF).

use super::{Fleet, ItemResult, TerminalView};
use crate::escape::csv_cell;
use crate::i18n::{Lang, padded};
use crate::msg;
use crate::spec::{self, HowMet, SpecItem};
use serde::Serialize;

/// The fleet as text: a table per terminal, the worst check of each item first and every other check that did not
/// pass below it; then the fleet, the unreadable reports and the ledger.
pub fn render_text(fleet: &Fleet) -> String {
    use std::fmt::Write;
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for terminal in &fleet.terminals {
        let report = &terminal.report;
        let heading = msg!(
            "report.terminal",
            hostname = &report.terminal.hostname,
            windows = &report.windows.caption,
            generated = &report.generated_at,
            media = &report.media_id,
            sequence = report.sequence
        );
        let _ = writeln!(out, "{heading}");
        if terminal.verification.verified {
            let _ = writeln!(out, "  {}", msg!("report.verified", count = terminal.history.len()));
        } else {
            let _ = writeln!(out, "  {}", msg!("report.unverified"));
            for reason in &terminal.verification.reasons {
                let _ = writeln!(out, "    - {reason}");
            }
        }
        for finding in &terminal.findings {
            let _ = writeln!(out, "  {}: {finding}", msg!("diagnostic.error"));
        }
        let width = terminal.items.iter().map(|i| i.label_ja.width()).max().unwrap_or(0);
        for item in &terminal.items {
            let label = padded(&item.label_ja, width);
            let result = padded(&item.result.label().to_string(), 20);
            let mut evidence = item.evidence.iter();
            let _ = writeln!(out, "  {:<6} {label}  {result} {}", item.id, evidence.next().map_or("", String::as_str));
            if item.result != ItemResult::Pass {
                for line in evidence.filter(|line| !line.starts_with("[pass]")) {
                    let _ = writeln!(out, "  {:<6} {}  {} {line}", "", padded("", width), padded("", 20));
                }
            }
            if let Some(exception) = &item.exception {
                let _ = writeln!(
                    out,
                    "  {:<6} {}  {}",
                    "",
                    padded("", width),
                    msg!(
                        "report.exception",
                        reason = &exception.reason,
                        approver = &exception.approver,
                        date = &exception.date
                    )
                );
            }
        }
        let verdict = if terminal.compliant {
            msg!("report.meets")
        } else if !terminal.verification.verified {
            msg!("report.cannot-rely")
        } else {
            let mut failing = terminal.failing.clone();
            if !terminal.findings.is_empty() {
                failing.insert(0, crate::t!("report.identity"));
            }
            msg!("report.fails", items = failing.join(", "))
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
    let ledger = &fleet.ledger;
    if ledger.problems.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            msg!("report.ledger", path = ledger.path.display(), rows = ledger.rows, head = &ledger.head)
        );
    } else {
        let _ = writeln!(
            out,
            "{}",
            msg!("report.ledger-broken", path = ledger.path.display(), problems = ledger.problems.join("; "))
        );
    }
    out
}

/// What the page shows of a terminal beyond its view: the texts in Japanese, and its charts.
#[derive(Serialize)]
struct PageTerminal<'a> {
    view: &'a TerminalView,
    reasons: Vec<String>,
    findings: Vec<String>,
    charts: Vec<Chart>,
    history: Vec<PageHistory<'a>>,
}

/// A report of the terminal's history, with its definitions age as text: a report that did not measure it shows
/// a dash.
#[derive(Serialize)]
struct PageHistory<'a> {
    #[serde(flatten)]
    point: &'a super::HistoryPoint,
    definitions_age: String,
}

/// A line chart of one number over a terminal's reports, drawn by the page as an SVG polyline.
#[derive(Serialize)]
struct Chart {
    title: String,
    width: u32,
    height: u32,
    /// `x,y` pairs, space-separated, in the SVG's coordinates.
    points: String,
    /// Each point's value and place, for its label.
    labels: Vec<ChartLabel>,
}

#[derive(Serialize)]
struct ChartLabel {
    x: u32,
    y: u32,
    text: String,
}

const CHART_WIDTH: u32 = 360;
const CHART_HEIGHT: u32 = 120;
const CHART_MARGIN: u32 = 20;

/// The chart of `values` (one per report, oldest first), or none with fewer than two values.
fn chart(title: crate::i18n::Message, values: &[u64]) -> Option<Chart> {
    if values.len() < 2 {
        return None;
    }
    let (low, high) = (*values.iter().min()?, *values.iter().max()?);
    let span = (high - low).max(1) as f64;
    let step = f64::from(CHART_WIDTH - 2 * CHART_MARGIN) / (values.len() - 1) as f64;
    let plot = f64::from(CHART_HEIGHT - 2 * CHART_MARGIN);
    let labels: Vec<ChartLabel> = values
        .iter()
        .enumerate()
        .map(|(index, value)| ChartLabel {
            x: CHART_MARGIN + (index as f64 * step).round() as u32,
            y: CHART_MARGIN + (plot - (value - low) as f64 / span * plot).round() as u32,
            text: value.to_string(),
        })
        .collect();
    let points = labels.iter().map(|l| format!("{},{}", l.x, l.y)).collect::<Vec<_>>().join(" ");
    Some(Chart { title: title.in_language(Lang::Ja), width: CHART_WIDTH, height: CHART_HEIGHT, points, labels })
}

fn charts(terminal: &TerminalView) -> Vec<Chart> {
    let ages: Vec<u64> = terminal.history.iter().filter_map(|h| h.definitions_age_days).collect();
    let patches: Vec<u64> = terminal.history.iter().map(|h| h.ubr).collect();
    let mut charts = Vec::new();
    // Only a chart whose every report measured the number: a gap would draw a line through nothing.
    if ages.len() == terminal.history.len() {
        charts.extend(chart(msg!("report.chart.definitions-age"), &ages));
    }
    charts.extend(chart(msg!("report.chart.ubr"), &patches));
    charts
}

/// The fleet as one self-contained, printable HTML page in Japanese, from the template set's `report.html`.
pub fn render_html(fleet: &Fleet, generated_at: &str) -> Result<String, crate::templates::TemplateError> {
    let set = crate::templates::Library::default()
        .resolve(&crate::profile::TemplateRef { name: "builtin".into(), version: 1 })?;
    let engine = crate::templates::Engine::new(&set)?;
    let process: Vec<&SpecItem> = spec::items().iter().filter(|i| i.how == HowMet::Process).collect();
    let terminals: Vec<PageTerminal> = fleet
        .terminals
        .iter()
        .map(|view| PageTerminal {
            view,
            reasons: view.verification.reasons.iter().map(|r| r.in_language(Lang::Ja)).collect(),
            findings: view.findings.iter().map(|f| f.in_language(Lang::Ja)).collect(),
            charts: charts(view),
            history: view
                .history
                .iter()
                .map(|point| PageHistory {
                    point,
                    definitions_age: point.definitions_age_days.map_or_else(|| "—".to_string(), |d| d.to_string()),
                })
                .collect(),
        })
        .collect();
    let unreadable: Vec<serde_json::Value> = fleet
        .unreadable
        .iter()
        .map(|u| serde_json::json!({ "file": u.file.display().to_string(), "reason": u.reason.in_language(Lang::Ja) }))
        .collect();
    let model = serde_json::json!({
        "generated_at": generated_at,
        "terminal_count": fleet.terminals.len(),
        "compliant_count": fleet.terminals.iter().filter(|t| t.compliant).count(),
        "failing_items": fleet.failing_items,
        "unreadable": unreadable,
        "ledger": fleet.ledger,
        "terminals": terminals,
        "process_items": process,
    });
    engine.render("report.html", &model)
}

/// A row of the CSV file; the header is bilingual, as the ledger's is.
#[derive(Serialize)]
struct CsvRow {
    #[serde(rename = "端末 terminal")]
    terminal: String,
    #[serde(rename = "検証 verification")]
    verification: String,
    #[serde(rename = "報告番号 sequence")]
    sequence: u64,
    #[serde(rename = "報告日時 generated_at")]
    generated_at: String,
    #[serde(rename = "項目 item")]
    item: String,
    #[serde(rename = "項目名 label")]
    label: String,
    #[serde(rename = "結果 result")]
    result: String,
    #[serde(rename = "根拠 evidence")]
    evidence: String,
    #[serde(rename = "例外 exception")]
    exception: String,
}

/// The fleet as CSV: one row per terminal and item, every check of the item in its evidence cell.
pub fn render_csv(fleet: &Fleet) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(b"\xEF\xBB\xBF".to_vec());
    for terminal in &fleet.terminals {
        let verification = if terminal.verification.verified {
            crate::t!("report.csv.verified")
        } else {
            let reasons: Vec<String> = terminal.verification.reasons.iter().map(|r| r.to_string()).collect();
            format!("{}: {}", crate::t!("report.csv.unverified"), reasons.join("; "))
        };
        for item in &terminal.items {
            let exception =
                item.exception.as_ref().map_or(String::new(), |e| format!("{} ({}, {})", e.reason, e.approver, e.date));
            let row = CsvRow {
                terminal: csv_cell(&terminal.report.terminal.hostname),
                verification: csv_cell(&verification),
                sequence: terminal.report.sequence,
                generated_at: csv_cell(&terminal.report.generated_at),
                item: csv_cell(&item.id),
                label: csv_cell(&item.label_ja),
                result: csv_cell(&item.result.label().to_string()),
                evidence: csv_cell(&item.evidence.join(" | ")),
                exception: csv_cell(&exception),
            };
            writer.serialize(row).expect("CSV into memory");
        }
    }
    writer.into_inner().expect("CSV into memory")
}
