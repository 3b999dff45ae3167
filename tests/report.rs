//! `tanmatsu report` on sample reports written to docs/terminal-report.md: tables, the fleet, broken reports, and the
//! auditor's HTML page, which a real browser renders.

mod common;

use common::tanmatsu;
use common::tools::run;
use std::path::Path;
use tanmatsu::spec::{self, HowMet};

/// A report in which every item software can see passes, with `changes` applied as (item, result, evidence).
fn report(hostname: &str, generated_at: &str, changes: &[(&str, &str, &str)]) -> serde_json::Value {
    let mut checks = Vec::new();
    for item in spec::items().iter().filter(|i| i.how != HowMet::Process) {
        let (result, evidence) = changes
            .iter()
            .find(|(id, _, _)| *id == item.id)
            .map(|(_, result, evidence)| (result.to_string(), evidence.to_string()))
            .unwrap_or(("pass".into(), format!("{} measured", item.id)));
        checks.push(serde_json::json!({ "item": item.id, "check": "sample", "result": result, "evidence": evidence }));
    }
    serde_json::json!({
        "schema": "tanmatsu-terminal-report",
        "schema_version": 1,
        "tanmatsu_version": "0.1.0",
        "media_id": format!("{:0>16}", hostname.len()),
        "hostname": hostname,
        "expected_hostname": hostname,
        "generated_at": generated_at,
        "windows": { "caption": "Microsoft Windows 11 Pro", "version": "10.0.26100", "build": "26100" },
        "summary": { "pass": 40, "warning": 0, "ineffective": 0, "fail": 0 },
        "checks": checks,
    })
}

/// Writes a report as PowerShell does: UTF-8 with a byte-order mark.
fn save(dir: &Path, name: &str, value: &serde_json::Value) {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_string_pretty(value).unwrap().into_bytes());
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn report_command(path: &Path, extra: &[&str]) -> (i32, String, String) {
    common::outcome(tanmatsu().arg("report").arg(path).args(extra))
}

#[test]
fn an_all_pass_terminal_shows_every_item_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), "CHUKAN-T01-20261125-104207.json", &report("CHUKAN-T01", "2026-11-25T10:42:07+09:00", &[]));
    let (code, stdout, _) = report_command(&dir.path().join("CHUKAN-T01-20261125-104207.json"), &[]);
    assert_eq!(code, 0, "{stdout}");
    for item in spec::items() {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&item.id))
            .unwrap_or_else(|| panic!("{} listed", item.id));
        assert!(row.contains(&item.label_ja), "{row}");
        let expected = if item.how == HowMet::Process { "person signs off" } else { "pass" };
        assert!(row.contains(expected), "{row}");
    }
    assert!(stdout.contains("=> meets the spec"));
}

#[test]
fn a_fleet_shows_which_terminals_fail_which_items() {
    let stick = tempfile::tempdir().unwrap();
    let reports = stick.path().join("tanmatsu/reports");
    std::fs::create_dir_all(&reports).unwrap();
    save(
        &reports,
        "T01-1.json",
        &report("T01", "2026-11-25T10:00:00+09:00", &[("HW-2", "warning", "4 GB (8 GB recommended)")]),
    );
    save(&reports, "T02-1.json", &report("T02", "2026-11-25T11:00:00+09:00", &[("SEC-1", "fail", "real-time False")]));
    save(
        &reports,
        "T03-1.json",
        &report("T03", "2026-11-25T12:00:00+09:00", &[("SEC-7", "ineffective", "HomepageLocation is set")]),
    );
    // An earlier report of T02 that failed more; the latest counts.
    save(
        &reports,
        "T02-0.json",
        &report("T02", "2026-11-24T09:00:00+09:00", &[("SEC-1", "fail", "x"), ("HW-4", "fail", "BIOS")]),
    );
    let (code, stdout, _) = report_command(stick.path(), &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("fleet: 3 terminals, 1 meet the spec"), "{stdout}");
    assert!(stdout.contains("SEC-1 fails on T02"), "{stdout}");
    assert!(stdout.contains("SEC-7 fails on T03"), "{stdout}");
    assert!(!stdout.contains("HW-4 fails"), "the earlier report of T02 does not count: {stdout}");
    assert!(stdout.contains("pass (warning)"), "a warning is shown but passes: {stdout}");

    let (_, json, _) = report_command(stick.path(), &["--json"]);
    let fleet: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(fleet["terminals"].as_array().unwrap().len(), 3);
    let t02 = fleet["terminals"].as_array().unwrap().iter().find(|t| t["report"]["hostname"] == "T02").unwrap();
    assert_eq!(t02["earlier_reports"], 1);
    assert_eq!(t02["failing"], serde_json::json!(["SEC-1"]));
}

#[test]
fn broken_reports_are_named_and_the_rest_still_shown() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), "good.json", &report("T01", "2026-11-25T10:00:00+09:00", &[]));
    let mut future = report("T09", "2026-11-25T10:00:00+09:00", &[]);
    future["schema_version"] = serde_json::json!(2);
    save(dir.path(), "future.json", &future);
    let whole = serde_json::to_string(&report("T05", "2026-11-25T10:00:00+09:00", &[])).unwrap();
    std::fs::write(dir.path().join("truncated.json"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(dir.path().join("other.json"), "{\"hello\": 1}").unwrap();
    let (code, stdout, _) = report_command(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("T01 ") && stdout.contains("=> meets the spec"), "the good report is shown: {stdout}");
    assert!(stdout.contains("future.json: schema version 2, which this tanmatsu does not read"), "{stdout}");
    assert!(stdout.contains("truncated.json: not valid JSON"), "{stdout}");
    assert!(stdout.contains("other.json: not a tanmatsu terminal report"), "{stdout}");
}

#[test]
fn a_missing_check_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut partial = report("T01", "2026-11-25T10:00:00+09:00", &[]);
    partial["checks"].as_array_mut().unwrap().retain(|c| c["item"] != "HW-8");
    save(dir.path(), "t.json", &partial);
    let (code, stdout, _) = report_command(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("HW-8") && l.contains("NOT CHECKED")), "{stdout}");
}

#[test]
fn the_html_page_is_well_formed_complete_and_renders_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), "T01.json", &report("T01", "2026-11-25T10:00:00+09:00", &[]));
    save(
        dir.path(),
        "T02.json",
        &report("T02", "2026-11-25T10:00:00+09:00", &[("SEC-3", "fail", "<script>alert('x')</script> & \"q\"")]),
    );
    let ledger_path = dir.path().join("ledger.csv");
    tanmatsu::ledger::append(
        &ledger_path,
        tanmatsu::ledger::NewEntry {
            action: "write".into(),
            serial: "4C530001230101115042".into(),
            media_id: format!("{:0>16}", 3),
            operator: "山田".into(),
            approver: "佐藤".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let html = dir.path().join("report.html");
    let (code, _, stderr) =
        report_command(dir.path(), &["--html", html.to_str().unwrap(), "--ledger", ledger_path.to_str().unwrap()]);
    assert_eq!(code, 1, "T02 fails: {stderr}");
    let page = std::fs::read_to_string(&html).unwrap();

    let tree = common::xml::parse(&page.replace("<!DOCTYPE html>", ""));
    assert_eq!(tree.name, "html");
    assert!(page.contains("統合専用端末 適合性報告書"));
    for item in spec::items() {
        assert!(page.contains(&format!("<td>{}</td>", item.id)), "{} is on the page", item.id);
    }
    assert!(!page.contains("<script>alert"), "evidence is escaped");
    assert!(page.contains("4C530001230101115042"), "the ledger entry of the terminals' stick is shown");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "no external assets");

    // A real browser renders it: the DOM it builds has the title and the items, and it paints a page.
    let url = format!("file://{}", html.display());
    let profile = dir.path().join("chromium-profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let user_data = format!("--user-data-dir={}", profile.display());
    let mut dump_args: Vec<&str> = flags.to_vec();
    dump_args.extend([user_data.as_str(), "--dump-dom", url.as_str()]);
    let dom = run("chromium", &dump_args);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("統合専用端末 適合性報告書") && dom.contains("SEC-3"), "the browser parsed the page");
    let png = dir.path().join("report.png");
    let screenshot = format!("--screenshot={}", png.display());
    let mut shot_args: Vec<&str> = flags.to_vec();
    shot_args.extend([user_data.as_str(), "--window-size=1200,1600", screenshot.as_str(), url.as_str()]);
    run("chromium", &shot_args);
    let bytes = std::fs::read(&png).expect("chromium wrote a screenshot");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a painted page, {} bytes", bytes.len());
    if let Ok(keep) = std::env::var("TANMATSU_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}
